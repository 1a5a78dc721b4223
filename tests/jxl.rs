//! JPEG XL: every fixture in `fixtures/jxl` cleaned through the CLI and the
//! library. The `image` crate cannot decode JPEG XL, so the oracles are the
//! codestream bytes (read here with an independent box reader: identical in
//! input and output), the box types left, and ExifTool (no removed tag
//! left). Broken containers fail with no output.

mod common;

use common::*;
use photoscrub_core::{Category, Policy};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Valid fixtures: (name, status, the box types the output must have).
const VALID: &[(&str, &str, &[&str])] = &[
    ("bare.jxl", "already-clean", &[]),
    ("boxes.jxl", "cleaned", &["JXL ", "ftyp", "jxlc"]),
    (
        "parts.jxl",
        "cleaned",
        &["JXL ", "ftyp", "jxlp", "jxlp", "jxlp"],
    ),
    (
        "recompressed.jxl",
        "cleaned",
        &["JXL ", "ftyp", "jxlp", "jxlp"],
    ),
];
/// Broken fixtures, with what the error must say.
const BAD: &[(&str, &str)] = &[
    ("truncated.jxl", "past the end"),
    ("past-end.jxl", "past the end"),
    ("too-small.jxl", "shorter than its own header"),
    ("huge-largesize.jxl", "past the end"),
    ("no-ftyp.jxl", "ftyp"),
    ("no-codestream.jxl", "without a codestream"),
    ("exif-bad-offset.jxl", "offset"),
];

// ---------------------------------------------------------------------------
// Boxes, read independently of photoscrub.

/// The (type, payload) of every top-level box; empty for a bare codestream.
fn boxes(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    if data.starts_with(&[0xFF, 0x0A]) {
        return out;
    }
    let mut p = 0usize;
    while p + 8 <= data.len() {
        let size = u32::from_be_bytes(data[p..p + 4].try_into().unwrap()) as usize;
        let kind = String::from_utf8_lossy(&data[p + 4..p + 8]).into_owned();
        let (size, header) = match size {
            0 => (data.len() - p, 8),
            1 => (
                u64::from_be_bytes(data[p + 8..p + 16].try_into().unwrap()) as usize,
                16,
            ),
            n => (n, 8),
        };
        out.push((kind, data[p + header..p + size].to_vec()));
        p += size;
    }
    assert_eq!(p, data.len(), "the boxes do not end at the end of the file");
    out
}

/// The codestream: the whole file if bare, else the jxlc payload or the
/// jxlp payloads (without their part counters) joined in order.
fn codestream(data: &[u8]) -> Vec<u8> {
    if data.starts_with(&[0xFF, 0x0A]) {
        return data.to_vec();
    }
    let mut out = Vec::new();
    for (kind, payload) in boxes(data) {
        match kind.as_str() {
            "jxlc" => out.extend_from_slice(&payload),
            "jxlp" => out.extend_from_slice(&payload[4..]),
            _ => {}
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The oracle.

/// What is wrong with `output` as the default cleaning of `original`.
fn violations(original: &Path, output: &Path, expected_boxes: &[&str]) -> Vec<String> {
    let mut bad = Vec::new();
    let (a, b) = (read(original), read(output));
    let mut tags = exiftool_many(&[original.to_path_buf(), output.to_path_buf()]);
    let tout = tags.remove(1);
    for t in &tout.tags {
        let ok = matches!(t.family0.as_str(), "ExifTool" | "Composite" | "Jpeg2000")
            || (t.family0 == "File" && t.name != "Comment");
        if !ok || t.doc.is_some() {
            bad.push(format!("left: {} = {}", t.key, t.value));
        }
    }
    let kinds: Vec<String> = boxes(&b).into_iter().map(|(k, _)| k).collect();
    if kinds != expected_boxes {
        bad.push(format!("boxes {kinds:?}, expected {expected_boxes:?}"));
    }
    if codestream(&a).is_empty() || codestream(&a) != codestream(&b) {
        bad.push("the codestream changed".into());
    }
    // `ftyp` is a secret in JPEG trailers, but JPEG XL's own structure here.
    let secrets = SECRETS.iter().filter(|s| **s != "ftyp");
    for s in secrets.chain(&["KDK-000417", "c2pa", "Oak Street"]) {
        if contains(&a, s.as_bytes()) && contains(&b, s.as_bytes()) {
            bad.push(format!("the string {s:?} is still in the output"));
        }
    }
    if !bad.is_empty() {
        bad.push(format!("ExifTool on the output:\n{}", tout.dump()));
    }
    bad
}

// ---------------------------------------------------------------------------
// CLI.

/// Cleans a copy of `fixtures/jxl/<name>` with `clean --json --out` and
/// checks it with the oracle; returns the temp dir, output and file object.
fn clean_cli(name: &str) -> (tempfile::TempDir, PathBuf, Value) {
    require_exiftool();
    let (_, status, expected) = VALID.iter().find(|v| v.0 == name).expect("a valid fixture");
    let path = fixture(&format!("jxl/{name}"));
    let tmp = tempfile::tempdir().unwrap();
    let input = copy_fixture(&format!("jxl/{name}"), &tmp.path().join("in"));
    let out_dir = tmp.path().join("out");
    let report = run_json(args!["clean", "--json", "--out", out_dir, input]);
    report.assert_code(0);
    let file = report.file(name).clone();
    assert_eq!(file["status"], *status, "{}", report.describe());
    assert_eq!(file["format"], "jxl", "{}", report.describe());
    let output = out_dir.join(name);
    assert!(output.is_file(), "no output at {}", output.display());
    assert_eq!(read(&input), read(&path), "the input was modified");
    let bad = violations(&path, &output, expected);
    assert!(bad.is_empty(), "{name}:\n  - {}", bad.join("\n  - "));
    (tmp, output, file)
}

fn has_finding(file: &Value, block: &str, tag: &str, value_part: &str) -> bool {
    findings(file).into_iter().any(|f| {
        f["block"] == block && f["tag"] == tag && f["value"].as_str().unwrap().contains(value_part)
    })
}

#[test]
fn bare_codestream_is_already_clean_and_unchanged() {
    let (_tmp, output, file) = clean_cli("bare.jxl");
    assert!(findings(&file).is_empty(), "{}", list_findings(&file));
    assert_eq!(read(&output), read(&fixture("jxl/bare.jxl")));
}

#[test]
fn exif_and_xmp_boxes_are_reported_and_dropped() {
    let (_tmp, _output, file) = clean_cli("boxes.jxl");
    for (block, tag) in [
        ("EXIF GPS", "GPSLatitude"),
        ("EXIF IFD0", "Artist"),
        ("EXIF ExifIFD", "BodySerialNumber"),
        ("XMP", "photoshop:City"),
        ("XMP", "dc:creator"),
    ] {
        assert!(
            has_finding(&file, block, tag, ""),
            "no {block} {tag}\n{}",
            list_findings(&file)
        );
    }
    assert!((file["location"]["lat"].as_f64().unwrap() - 52.3702).abs() < 1e-4);
    for f in findings(&file) {
        assert_eq!(f["removed"], true, "{f}");
    }
    let input = exiftool(&fixture("jxl/boxes.jxl"));
    assert!(input.has("GPS", "GPSLatitude"), "the fixture lost its GPS");
}

#[test]
fn parts_jumbf_unknown_and_compressed_boxes_are_dropped_in_order() {
    let (_tmp, output, file) = clean_cli("parts.jxl");
    assert!(
        has_finding(&file, "JXL jumb", "JUMBF", "'c2pa'"),
        "{}",
        list_findings(&file)
    );
    assert!(has_finding(&file, "JXL abcd", "UnknownBox", "'abcd'"));
    assert!(has_finding(&file, "JXL brob", "CompressedBox", "'xml '"));
    let counters: Vec<u32> = boxes(&read(&output))
        .into_iter()
        .filter(|(k, _)| k == "jxlp")
        .map(|(_, p)| u32::from_be_bytes(p[..4].try_into().unwrap()))
        .collect();
    assert_eq!(counters, [0, 1, 0x8000_0002], "jxlp parts out of order");
}

#[test]
fn recompressed_jpeg_loses_its_compressed_metadata_and_reconstruction_data() {
    let (_tmp, _output, file) = clean_cli("recompressed.jxl");
    assert!(has_finding(&file, "JXL brob", "CompressedBox", "'Exif'"));
    assert!(has_finding(&file, "JXL brob", "CompressedBox", "'xml '"));
    assert!(
        has_finding(&file, "JXL jbrd", "JPEGReconstruction", "comments"),
        "{}",
        list_findings(&file)
    );
    assert!(contains(&read(&fixture("jxl/recompressed.jxl")), b"Emma"));
}

#[test]
fn check_reports_a_leak_with_exit_1() {
    let report = run_json(args!["check", "--json", fixture("jxl/boxes.jxl")]);
    report.assert_code(1);
    assert_eq!(report.status("boxes.jxl"), "leaks", "{}", report.describe());
    let bare = run_json(args!["check", "--json", fixture("jxl/bare.jxl")]);
    bare.assert_code(0);
}

#[test]
fn broken_containers_fail_with_no_output() {
    common::assert_damaged_fixtures_fail("jxl", BAD);
}

// ---------------------------------------------------------------------------
// Library.

#[test]
fn library_scrub_keeps_the_codestream_byte_for_byte() {
    let jxl = photoscrub_core::container::jxl::image_data;
    for (name, _, _) in VALID {
        let bytes = read(&fixture(&format!("jxl/{name}")));
        let scrubbed = photoscrub_core::scrub(&bytes, &Policy::default()).unwrap();
        assert_eq!(codestream(&scrubbed.bytes), codestream(&bytes), "{name}");
        assert_eq!(
            jxl(&bytes).unwrap(),
            jxl(&scrubbed.bytes).unwrap(),
            "{name}"
        );
        let after = photoscrub_core::scan(&scrubbed.bytes).unwrap();
        assert!(after.findings.is_empty(), "{name}: {:?}", after.findings);
    }
}

#[test]
fn library_keep_policy_keeps_xmp_and_a_rebuilt_exif() {
    let bytes = read(&fixture("jxl/boxes.jxl"));
    let policy = Policy::only(&[Category::Preview]);
    let scrubbed = photoscrub_core::scrub(&bytes, &policy).unwrap();
    let kinds: Vec<String> = boxes(&scrubbed.bytes).into_iter().map(|b| b.0).collect();
    assert_eq!(kinds, ["JXL ", "ftyp", "Exif", "xml ", "jxlc"]);
    let after = photoscrub_core::scan(&scrubbed.bytes).unwrap();
    assert!(!after.locations.is_empty(), "the kept EXIF lost its GPS");
    assert!(after.findings.iter().any(|f| f.tag == "photoshop:City"));
    let time_only = photoscrub_core::scrub(&bytes, &Policy::keep(&[Category::Time])).unwrap();
    let after = photoscrub_core::scan(&time_only.bytes).unwrap();
    assert!(after.findings.iter().any(|f| f.tag == "DateTimeOriginal"));
    assert!(after.locations.is_empty());
    assert!(!contains(&time_only.bytes, b"Haarlem"));
}

#[test]
fn library_refuses_broken_containers() {
    for (name, why) in BAD {
        let bytes = read(&fixture(&format!("jxl/{name}")));
        let err = photoscrub_core::scrub(&bytes, &Policy::default()).unwrap_err();
        assert!(
            matches!(err, photoscrub_core::Error::Damaged(_)) && err.to_string().contains(why),
            "{name}: {err}"
        );
    }
}

#[test]
fn every_truncation_is_an_error_never_a_panic() {
    let bytes = read(&fixture("jxl/parts.jxl"));
    for len in 0..bytes.len() {
        let cut = &bytes[..len];
        let _ = photoscrub_core::scan(cut);
        let _ = photoscrub_core::scrub(cut, &Policy::default());
    }
}

#[test]
fn oracle_catches_an_uncleaned_file() {
    require_exiftool();
    let parts = fixture("jxl/parts.jxl");
    let bad = violations(&parts, &parts, &["JXL ", "ftyp", "jxlp", "jxlp", "jxlp"]).join("\n");
    for s in ["GPSLatitude", "Artist", "JUMBF", "boxes", "Jane Parent"] {
        assert!(bad.contains(s), "the oracle misses {s}:\n{bad}");
    }
}

#[test]
fn mutated_files_never_panic() {
    let mut seed: u64 = 0x1A71;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for (name, _, _) in VALID {
        let original = read(&fixture(&format!("jxl/{name}")));
        for _ in 0..300 {
            let mut bytes = original.clone();
            for _ in 0..1 + next() % 4 {
                // Mostly in the box headers, where the sizes are.
                let at = next() % bytes.len().min(64 + next() % bytes.len());
                bytes[at] = next() as u8;
            }
            let _ = photoscrub_core::scan(&bytes);
            let _ = photoscrub_core::scrub(&bytes, &Policy::default());
        }
    }
}
