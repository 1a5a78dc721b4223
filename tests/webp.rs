//! WebP: every fixture in `fixtures/webp` cleaned through the CLI and the
//! library, checked with ExifTool (what is left, Orientation, ICC), the
//! `image` crate (pixels, every animation frame — it also rejects stale VP8X
//! flags) and the raw chunks; broken WebPs fail with no output; the real
//! WebPs of the shared corpus come out clean.

mod common;

use common::*;
use photoscrub_core::{Category, Policy};
use std::path::{Path, PathBuf};

/// Broken fixtures and what their error must say.
const BAD: &[(&str, &str)] = &[
    ("truncated.webp", "RIFF header"),
    ("chunk-overflow.webp", "past the end"),
    ("riff-size.webp", "RIFF header"),
];
/// The WebPs of the shared corpus.
const CORPUS: &[&str] = &[
    "derived__iPhone11ProMax_gps.webp",
    "drewnoakes+metadata-extractor-images__webp_Issue 473 (Java).webp",
    "drewnoakes+metadata-extractor-images__webp_Nikon D1X.webp",
];

/// VP8X flag bits.
const ICC: u8 = 0x20;
const ALPHA: u8 = 0x10;
const EXIF: u8 = 0x08;
const XMP: u8 = 0x04;
const ANIMATION: u8 = 0x02;

// ---------------------------------------------------------------------------
// The oracle.

/// RIFF-group tags (ExifTool) that only describe how to show the picture.
const STRUCTURE: &[&str] = &[
    "WebP_Flags",
    "ImageWidth",
    "ImageHeight",
    "VP8Version",
    "HorizontalScale",
    "VerticalScale",
    "AlphaPreprocessing",
    "AlphaFiltering",
    "AlphaCompression",
    "BackgroundColor",
    "AnimationLoopCount",
    "Duration",
];

/// What is wrong with `output` as the default cleaning of `original`.
fn violations(original: &Path, output: &Path) -> Vec<String> {
    let mut bad = Vec::new();
    let both = [original.to_path_buf(), output.to_path_buf()];
    let mut tags = exiftool_many(&both);
    let (tin, tout) = (tags.remove(0), tags.remove(0));
    for t in &tout.tags {
        let ok = match t.family0.as_str() {
            "ExifTool" | "Composite" | "ICC_Profile" | "File" => true,
            "RIFF" => STRUCTURE.contains(&t.name.as_str()),
            "EXIF" => {
                ["IFD0", "ExifIFD"].contains(&t.family1.as_str())
                    && common::ALLOWED_EXIF_TAGS.contains(&t.name.as_str())
            }
            _ => false,
        };
        if !ok || t.doc.is_some() || t.name == "Warning" {
            bad.push(format!("left: {} = {}", t.key, t.value));
        }
    }
    if tin.orientation().unwrap_or(1) != tout.orientation().unwrap_or(1) {
        bad.push(format!(
            "Orientation changed: {:?} -> {:?}",
            tin.orientation(),
            tout.orientation()
        ));
    }
    let iccs = icc_many(&both);
    if iccs[0] != iccs[1] {
        bad.push("ICC profile differs".into());
    }
    if let Some(why) = pixel_difference(original, output) {
        bad.push(why);
    }
    let (a, b) = (read(original), read(output));
    if let Some(why) = frame_difference(&a, &b) {
        bad.push(why);
    }
    bad.extend(structure_errors(&b));
    bad.extend(common::secrets_left(&a, &b, SECRETS));
    if !bad.is_empty() {
        bad.push(format!("ExifTool on the output:\n{}", tout.dump()));
    }
    bad
}

#[track_caller]
fn assert_clean(original: &Path, output: &Path) {
    common::assert_no_violations(original, output, &violations(original, output));
}

/// Every frame decoded by the `image` crate, compared.
fn frame_difference(a: &[u8], b: &[u8]) -> Option<String> {
    let frames = |bytes: &[u8]| -> Result<Vec<(Vec<u8>, u32)>, String> {
        use image::AnimationDecoder;
        let decoder = image::codecs::webp::WebPDecoder::new(std::io::Cursor::new(bytes))
            .map_err(|e| e.to_string())?;
        let frames = decoder
            .into_frames()
            .collect_frames()
            .map_err(|e| e.to_string())?;
        Ok(frames
            .into_iter()
            .map(|f| (f.delay().numer_denom_ms().0, f.into_buffer().into_raw()))
            .map(|(delay, pixels)| (pixels, delay))
            .collect())
    };
    match (frames(a), frames(b)) {
        (Ok(x), Ok(y)) if x == y => None,
        (Ok(x), Ok(y)) => Some(format!("frames differ ({} vs {})", x.len(), y.len())),
        (x, y) => Some(format!(
            "frames do not decode: {:?} / {:?}",
            x.err(),
            y.err()
        )),
    }
}

/// The chunks of a WebP, read independently of photoscrub: (fourcc, payload).
fn chunks(webp: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut p = 12;
    while p + 8 <= webp.len() {
        let len = u32::from_le_bytes(webp[p + 4..p + 8].try_into().unwrap()) as usize;
        let end = (p + 8 + len).min(webp.len());
        out.push((
            String::from_utf8_lossy(&webp[p..p + 4]).into_owned(),
            webp[p + 8..end].to_vec(),
        ));
        p += 8 + len + (len & 1);
    }
    out
}

/// RIFF size, and VP8X flags that match the chunks present.
fn structure_errors(webp: &[u8]) -> Vec<String> {
    let mut bad = Vec::new();
    let size = u32::from_le_bytes(webp[4..8].try_into().unwrap()) as usize;
    if size + 8 != webp.len() {
        bad.push(format!("RIFF size {size} for a {}-byte file", webp.len()));
    }
    let chunks = chunks(webp);
    let Some((_, vp8x)) = chunks.iter().find(|(k, _)| k == "VP8X") else {
        return bad;
    };
    let has = |k: &str| chunks.iter().any(|(c, _)| c == k);
    for (bit, fourcc) in [
        (ICC, "ICCP"),
        (EXIF, "EXIF"),
        (XMP, "XMP "),
        (ANIMATION, "ANIM"),
    ] {
        if (vp8x[0] & bit != 0) != has(fourcc) {
            bad.push(format!(
                "VP8X flag 0x{bit:02X} does not match the {fourcc} chunk"
            ));
        }
    }
    bad
}

fn flags(webp: &[u8]) -> u8 {
    chunks(webp)
        .into_iter()
        .find(|(k, _)| k == "VP8X")
        .map(|(_, p)| p[0])
        .expect("a VP8X chunk")
}

fn fourccs(webp: &[u8]) -> Vec<String> {
    chunks(webp).into_iter().map(|(k, _)| k).collect()
}

// ---------------------------------------------------------------------------
// CLI.

/// Cleans a copy of `path` with `clean --json --verify decode --out`;
/// returns the temp dir, the output and the report's file object.
fn clean_cli(path: &Path) -> (tempfile::TempDir, PathBuf, serde_json::Value) {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let name = path.file_name().unwrap();
    let input = tmp.path().join("in").join(name);
    std::fs::create_dir_all(input.parent().unwrap()).unwrap();
    std::fs::copy(path, &input).unwrap();
    let out_dir = tmp.path().join("out");
    let report = run_json(args![
        "clean", "--json", "--verify", "decode", "--out", out_dir, input
    ]);
    report.assert_code(0);
    let file = report.file(name.to_str().unwrap()).clone();
    assert_eq!(file["status"], "cleaned", "{}", report.describe());
    let output = out_dir.join(name);
    assert!(output.is_file(), "no output at {}", output.display());
    assert_eq!(read(&input), read(path), "the input was modified");
    assert_clean(path, &output);
    (tmp, output, file)
}

#[test]
fn lossy_keeps_orientation_6_and_icc_with_exact_flags() {
    let (_tmp, output, file) = clean_cli(&fixture("webp/lossy.webp"));
    let bytes = read(&output);
    assert_eq!(fourccs(&bytes), ["VP8X", "ICCP", "VP8 ", "EXIF"]);
    assert_eq!(flags(&bytes), ICC | EXIF);
    assert_eq!(exiftool(&output).orientation(), Some(6));
    for block in ["EXIF GPS", "XMP"] {
        assert!(
            findings(&file).iter().any(|f| f["block"] == block
                && f["category"] == "location"
                && f["removed"] == true),
            "no removed location in {block}\n{}",
            list_findings(&file)
        );
    }
}

#[test]
fn lossless_keeps_orientation_6_and_icc_with_exact_flags() {
    let (_tmp, output, _) = clean_cli(&fixture("webp/lossless.webp"));
    let bytes = read(&output);
    assert_eq!(fourccs(&bytes), ["VP8X", "ICCP", "VP8L", "EXIF"]);
    assert_eq!(flags(&bytes), ICC | EXIF);
    assert_eq!(exiftool(&output).orientation(), Some(6));
}

#[test]
fn alpha_drops_upright_exif_xmp_and_vendor_chunk() {
    let (_tmp, output, file) = clean_cli(&fixture("webp/alpha.webp"));
    let bytes = read(&output);
    assert_eq!(fourccs(&bytes), ["VP8X", "ALPH", "VP8 "]);
    assert_eq!(flags(&bytes), ALPHA);
    assert!(findings(&file).iter().any(|f| f["tag"] == "JUNK"));
}

#[test]
fn animated_keeps_every_frame_and_drops_xmp_and_unknown_sub_chunks() {
    let (_tmp, output, file) = clean_cli(&fixture("webp/animated.webp"));
    let bytes = read(&output);
    assert_eq!(fourccs(&bytes), ["VP8X", "ANIM", "ANMF", "ANMF"]);
    assert_eq!(flags(&bytes), ANIMATION | ALPHA);
    assert!(!contains(&bytes, b"XYZW"));
    assert!(findings(&file).iter().any(|f| f["tag"] == "XYZW"));
    let webp = photoscrub_core::container::webp::image_data;
    let original = read(&fixture("webp/animated.webp"));
    assert_eq!(webp(&original).unwrap(), webp(&bytes).unwrap());
}

#[test]
fn trailer_after_the_riff_data_is_dropped() {
    let (_tmp, output, file) = clean_cli(&fixture("webp/trailer.webp"));
    let bytes = read(&output);
    assert_eq!(fourccs(&bytes), ["VP8 "], "a simple file stays simple");
    assert!(bytes.len() < read(&fixture("webp/trailer.webp")).len());
    assert!(findings(&file).iter().any(|f| f["tag"] == "TrailerData"));
}

#[test]
fn broken_webps_fail_with_no_output() {
    common::assert_damaged_fixtures_fail("webp", BAD);
}

// ---------------------------------------------------------------------------
// Library.

#[test]
fn library_scrub_removes_every_location() {
    for name in ["lossy.webp", "lossless.webp", "alpha.webp", "animated.webp"] {
        let bytes = read(&fixture(&format!("webp/{name}")));
        assert!(
            !photoscrub_core::scan(&bytes).unwrap().locations.is_empty(),
            "{name}"
        );
        let scrubbed = photoscrub_core::scrub(&bytes, &Policy::default()).unwrap();
        let after = photoscrub_core::scan(&scrubbed.bytes).unwrap();
        assert!(after.locations.is_empty(), "{name}: {:?}", after.locations);
        assert!(after
            .findings
            .iter()
            .all(|f| f.category == Category::Rendering));
        assert!(structure_errors(&scrubbed.bytes).is_empty(), "{name}");
    }
}

#[test]
fn library_keep_location_keeps_exif_gps_and_only_the_kept_xmp_properties() {
    let bytes = read(&fixture("webp/lossy.webp"));
    let scrubbed = photoscrub_core::scrub(&bytes, &Policy::keep(&[Category::Location])).unwrap();
    let after = photoscrub_core::scan(&scrubbed.bytes).unwrap();
    assert!(!after.locations.is_empty(), "EXIF GPS is kept");
    assert!(!after.has_any(|c| c == Category::People || c == Category::Device));
    // The XMP also names a person: it is cut down to its location
    // properties (checked above: no people or device left), as in JPEG.
    assert_eq!(
        fourccs(&scrubbed.bytes),
        ["VP8X", "ICCP", "VP8 ", "EXIF", "XMP "]
    );
    assert!(structure_errors(&scrubbed.bytes).is_empty());
}

#[test]
fn library_refuses_broken_webps() {
    for (name, _) in BAD {
        let bytes = read(&fixture(&format!("webp/{name}")));
        let err = photoscrub_core::scrub(&bytes, &Policy::default()).unwrap_err();
        assert!(
            matches!(err, photoscrub_core::Error::Damaged(_)),
            "{name}: {err}"
        );
    }
}

#[test]
fn oracle_catches_an_uncleaned_file() {
    require_exiftool();
    let lossy = fixture("webp/lossy.webp");
    let bad = violations(&lossy, &lossy).join("\n");
    for s in ["GPSLatitude", "City", "Artist"] {
        assert!(bad.contains(s), "the oracle misses {s}:\n{bad}");
    }
    let mut stale = read(&lossy);
    stale[20] |= XMP;
    let mut clean = chunks(&stale);
    clean.retain(|(k, _)| k != "XMP ");
    assert!(!structure_errors(&rebuild(&clean, &stale[20..21])).is_empty());
}

/// A WebP from chunks, with `flags` in its VP8X.
fn rebuild(chunks: &[(String, Vec<u8>)], flags: &[u8]) -> Vec<u8> {
    let mut out = b"RIFF\0\0\0\0WEBP".to_vec();
    for (k, p) in chunks {
        let mut p = p.clone();
        if k == "VP8X" {
            p[0] = flags[0];
        }
        out.extend_from_slice(k.as_bytes());
        out.extend_from_slice(&(p.len() as u32).to_le_bytes());
        out.extend_from_slice(&p);
        if p.len() % 2 == 1 {
            out.push(0);
        }
    }
    let size = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    out
}

// ---------------------------------------------------------------------------
// The real corpus.

#[test]
fn corpus_webps_come_out_clean() {
    for name in CORPUS {
        let path = crate_dir().join("../shared/corpus/real").join(name);
        assert!(path.is_file(), "corpus file {} is missing", path.display());
        clean_cli(&path);
    }
}

#[test]
fn corpus_rotated_webp_keeps_orientation_6() {
    let path = crate_dir()
        .join("../shared/corpus/real")
        .join("drewnoakes+metadata-extractor-images__webp_Issue 473 (Java).webp");
    assert!(path.is_file(), "corpus file {} is missing", path.display());
    let (_tmp, output, _) = clean_cli(&path);
    assert_eq!(exiftool(&output).orientation(), Some(6));
}
