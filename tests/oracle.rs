//! The oracles used by the other tests must themselves catch what they are
//! meant to catch: an uncleaned file, changed pixels, a lost ICC profile, a
//! lost Adobe segment, a trailer, a wrong `removed` flag.

mod common;

use common::*;
use std::path::Path;

/// `bytes` without every segment whose marker is `marker` and whose body
/// starts with `prefix` (segments before SOS only).
fn strip_segment(bytes: &[u8], marker: u8, prefix: &[u8]) -> Vec<u8> {
    let mut out = bytes[..2].to_vec();
    let mut i = 2;
    while i + 4 <= bytes.len() && bytes[i] == 0xFF && bytes[i + 1] != 0xDA {
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        let seg = &bytes[i..i + 2 + len];
        if !(bytes[i + 1] == marker && seg[4..].starts_with(prefix)) {
            out.extend_from_slice(seg);
        }
        i += 2 + len;
    }
    out.extend_from_slice(&bytes[i..]);
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// A good cleaning of full.jpg made by photoscrub, to be spoiled below.
fn cleaned_full(dir: &Path) -> std::path::PathBuf {
    let out = dir.join("good");
    run(args!["clean", "--out", out, fixture("jpeg/full.jpg")]).assert_code(0);
    let p = out.join("full.jpg");
    assert_default_clean(&fixture("jpeg/full.jpg"), &p);
    p
}

#[test]
fn oracle_rejects_an_uncleaned_file() {
    require_exiftool();
    for name in [
        "full.jpg",
        "mpf.jpg",
        "vendor.jpg",
        "photoshop-thumb.jpg",
        "extended-xmp.jpg",
        "makernote.jpg",
    ] {
        let f = fixture(&format!("jpeg/{name}"));
        let bad = default_clean_violations(&f, &f);
        assert!(!bad.is_empty(), "the oracle accepts the uncleaned {name}");
    }
    let f = fixture("jpeg/full.jpg");
    let bad = default_clean_violations(&f, &f).join("\n");
    for needle in [
        "GPS",
        "IFD1",
        "IPTC",
        "XMP",
        "MakerNotes",
        "Comment",
        "Jane Parent",
    ] {
        assert!(
            bad.contains(needle),
            "the oracle does not flag {needle} in the uncleaned full.jpg:\n{bad}"
        );
    }
}

#[test]
fn oracle_rejects_a_trailer() {
    let f = fixture("jpeg/motion.jpg");
    let bad = default_clean_violations(&f, &f).join("\n");
    assert!(bad.contains("FF D9"), "{bad}");
    assert!(
        bad.contains("EmbeddedVideo") || bad.contains("Doc"),
        "{bad}"
    );
}

#[test]
fn oracle_rejects_changed_pixels() {
    let tmp = tempfile::tempdir().unwrap();
    let good = cleaned_full(tmp.path());
    let mut bytes = read(&good);
    // Flip bits in the middle of the entropy-coded data (not an 0xFF byte).
    let sos = bytes.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
    let mut at = sos + (bytes.len() - sos) / 2;
    while bytes[at] == 0xFF || bytes[at - 1] == 0xFF || bytes[at] ^ 0x10 == 0xFF {
        at += 1;
    }
    bytes[at] ^= 0x10;
    let spoiled = write(tmp.path(), "spoiled.jpg", &bytes);
    assert!(
        pixel_difference(&fixture("jpeg/full.jpg"), &spoiled).is_some(),
        "changed pixels not detected"
    );
}

#[test]
fn oracle_rejects_a_lost_icc_profile() {
    let tmp = tempfile::tempdir().unwrap();
    let good = cleaned_full(tmp.path());
    let spoiled = write(
        tmp.path(),
        "no-icc.jpg",
        &strip_segment(&read(&good), 0xE2, b"ICC_PROFILE\0"),
    );
    let bad = default_clean_violations(&fixture("jpeg/full.jpg"), &spoiled).join("\n");
    assert!(
        bad.contains("ICC"),
        "a lost ICC profile is not detected:\n{bad}"
    );
}

#[test]
fn oracle_rejects_a_lost_orientation() {
    let tmp = tempfile::tempdir().unwrap();
    let good = cleaned_full(tmp.path());
    let spoiled = write(
        tmp.path(),
        "no-exif.jpg",
        &strip_segment(&read(&good), 0xE1, b"Exif\0\0"),
    );
    let bad = default_clean_violations(&fixture("jpeg/full.jpg"), &spoiled).join("\n");
    assert!(
        bad.contains("Orientation"),
        "a lost Orientation is not detected:\n{bad}"
    );
}

#[test]
fn oracle_rejects_a_lost_adobe_segment() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("good");
    run(args!["clean", "--out", out, fixture("jpeg/cmyk.jpg")]).assert_code(0);
    let spoiled = write(
        tmp.path(),
        "no-adobe.jpg",
        &strip_segment(&read(&out.join("cmyk.jpg")), 0xEE, b"Adobe"),
    );
    let bad = default_clean_violations(&fixture("jpeg/cmyk.jpg"), &spoiled).join("\n");
    assert!(
        bad.contains("Adobe"),
        "a lost Adobe APP14 is not detected:\n{bad}"
    );
}

#[test]
fn oracle_rejects_a_wrong_removed_flag() {
    require_exiftool();
    let full = exiftool(&fixture("jpeg/full.jpg"));
    let finding = |block: &str, tag: &str, removed: bool| serde_json::json!({"findings": [{"category": "location", "block": block, "tag": tag, "value": "", "removed": removed}]});
    // Claimed removed, but the "output" (the input itself) still has it.
    for (block, tag) in [
        ("EXIF GPS", "GPSLatitude"),
        ("EXIF ExifIFD", "BodySerialNumber"),
        ("EXIF ExifIFD", "MakerNote"),
        ("XMP", "photoshop:City"),
        ("IPTC", "City"),
        ("COM", "Comment"),
    ] {
        let (bad, checked) = removed_flag_mismatches(&finding(block, tag, true), &full, &full);
        assert_eq!(checked, 1, "{block} {tag} is not mapped to an ExifTool tag");
        assert_eq!(
            bad.len(),
            1,
            "{block} {tag}: a false removed=true is not detected"
        );
    }
    // Claimed kept, but the output has none of it.
    let clean = exiftool(&fixture("jpeg/clean.jpg"));
    let (bad, _) =
        removed_flag_mismatches(&finding("EXIF GPS", "GPSLatitude", false), &full, &clean);
    assert_eq!(bad.len(), 1, "a false removed=false is not detected");
}
