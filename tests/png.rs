//! PNG: every fixture in `fixtures/png` cleaned through the CLI and the
//! library, checked with ExifTool (what is left), the `image` crate (pixels,
//! every animation frame) and the raw chunks; broken PNGs fail with no
//! output; the real PNGs of the shared corpus come out clean.

mod common;

use common::*;
use photoscrub_core::{Category, Policy};
use std::path::{Path, PathBuf};

/// Broken fixtures: each must fail with no output.
const BAD: &[(&str, &str)] = &[
    ("truncated.png", "past the end"),
    ("length-overflow.png", "past the end"),
    ("crc-error.png", "CRC"),
];
/// The PNGs of the shared corpus.
const CORPUS: &[&str] = &[
    "Exiv2+exiv2__test_data_ReaganLargePng.png",
    "Exiv2+exiv2__test_data_imagemagick.png",
    "derived__Samsung_S7edge_gps.png",
];

// ---------------------------------------------------------------------------
// The oracle: what a default-cleaned PNG may still hold.

/// PNG-group tags (ExifTool) that only describe how to show the picture.
const STRUCTURE: &[&str] = &[
    "ImageWidth",
    "ImageHeight",
    "BitDepth",
    "ColorType",
    "Compression",
    "Filter",
    "Interlace",
    "ProfileName",
    "Gamma",
    "WhitePointX",
    "WhitePointY",
    "RedX",
    "RedY",
    "GreenX",
    "GreenY",
    "BlueX",
    "BlueY",
    "BackgroundColor",
    "PixelsPerUnitX",
    "PixelsPerUnitY",
    "PixelUnits",
    "SignificantBits",
    "SRGBRendering",
    "Palette",
    "Transparency",
    "AnimationFrames",
    "AnimationPlays",
];

/// What is wrong with `output` as the default cleaning of `original`.
fn violations(original: &Path, output: &Path) -> Vec<String> {
    let mut bad = Vec::new();
    let both = [original.to_path_buf(), output.to_path_buf()];
    let mut tags = exiftool_many(&both);
    let (tin, tout) = (tags.remove(0), tags.remove(0));
    for t in &tout.tags {
        let ok = match t.family0.as_str() {
            "ExifTool" | "Composite" | "ICC_Profile" => true,
            "File" => t.name != "Comment",
            "PNG" => STRUCTURE.contains(&t.name.as_str()),
            "EXIF" => {
                ["IFD0", "ExifIFD"].contains(&t.family1.as_str())
                    && common::ALLOWED_EXIF_TAGS.contains(&t.name.as_str())
            }
            _ => false,
        };
        if !ok || t.doc.is_some() {
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
    if !b.ends_with(b"IEND\xAE\x42\x60\x82") {
        bad.push("the output does not end with the IEND chunk".into());
    }
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

/// Every frame of an APNG decoded (a still PNG: none), compared.
fn frame_difference(a: &[u8], b: &[u8]) -> Option<String> {
    let frames = |bytes: &[u8]| -> Result<Vec<Vec<u8>>, String> {
        use image::AnimationDecoder;
        let decoder = image::codecs::png::PngDecoder::new(std::io::Cursor::new(bytes))
            .map_err(|e| e.to_string())?;
        if !decoder.is_apng().map_err(|e| e.to_string())? {
            return Ok(Vec::new());
        }
        let frames = decoder
            .apng()
            .map_err(|e| e.to_string())?
            .into_frames()
            .collect_frames()
            .map_err(|e| e.to_string())?;
        Ok(frames
            .into_iter()
            .map(|f| f.into_buffer().into_raw())
            .collect())
    };
    match (frames(a), frames(b)) {
        (Ok(x), Ok(y)) if x == y => None,
        (Ok(x), Ok(y)) => Some(format!(
            "animation frames differ ({} vs {})",
            x.len(),
            y.len()
        )),
        (x, y) => Some(format!("animation frames do not decode: {x:?} / {y:?}")),
    }
}

// ---------------------------------------------------------------------------
// Chunks, read independently of photoscrub.

/// The type of every chunk, in order.
fn chunk_types(png: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut p = 8;
    while p + 8 <= png.len() {
        let len = u32::from_be_bytes(png[p..p + 4].try_into().unwrap()) as usize;
        out.push(String::from_utf8_lossy(&png[p + 4..p + 8]).into_owned());
        p += 12 + len;
    }
    out
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

macro_rules! clean_tests {
    ($($test:ident => $file:literal;)*) => {
        $(
            #[test]
            fn $test() {
                clean_cli(&fixture(concat!("png/", $file)));
            }
        )*
    };
}

clean_tests! {
    clean_full => "full.png";
    clean_rotated => "rotated.png";
    clean_imagemagick => "imagemagick.png";
    clean_animated => "animated.png";
}

#[test]
fn full_reports_every_block_and_keeps_only_picture_chunks() {
    let (_tmp, output, file) = clean_cli(&fixture("png/full.png"));
    let found = |block: &str, tag: &str| {
        findings(&file).into_iter().any(|f| {
            f["block"].as_str().unwrap().starts_with(block) && f["tag"].as_str().unwrap() == tag
        })
    };
    for (block, tag) in [
        ("EXIF GPS", "GPSLatitude"),
        ("XMP", "photoshop:City"),
        ("PNG tEXt", "Author"),
        ("PNG tEXt", "Comment"),
        ("PNG zTXt", "Description"),
        ("PNG tIME", "ModifyDate"),
        ("raw profile EXIF GPS", "GPSLatitude"),
        ("raw profile IPTC", "City"),
        ("PNG chunk", "prVt"),
        ("PNG trailer", "TrailerData"),
        ("PNG iCCP", "ICC_Profile"),
    ] {
        assert!(
            found(block, tag),
            "no finding {block} {tag}\n{}",
            list_findings(&file)
        );
    }
    for f in findings(&file) {
        // Only the ICC profile stays: the EXIF (Orientation 1) goes too.
        let kept = f["block"] == "PNG iCCP";
        assert_eq!(f["removed"].as_bool(), Some(!kept), "{f}");
    }
    let locations = file["location"].clone();
    assert!(locations.is_object(), "no location reported: {file}");
    assert_eq!(
        chunk_types(&read(&output)),
        ["IHDR", "iCCP", "IDAT", "IEND"],
        "Orientation is 1: no eXIf is needed"
    );
}

#[test]
fn rotated_keeps_a_minimal_exif_with_orientation_6() {
    let (_tmp, output, _) = clean_cli(&fixture("png/rotated.png"));
    let tags = exiftool(&output);
    assert_eq!(tags.orientation(), Some(6), "{}", tags.dump());
    assert!(!tags.has_name_anywhere("GPSLatitude"));
    assert!(chunk_types(&read(&output)).contains(&"eXIf".to_string()));
}

#[test]
fn imagemagick_text_properties_and_raw_profiles_are_gone() {
    let (_tmp, output, file) = clean_cli(&fixture("png/imagemagick.png"));
    let bytes = read(&output);
    for s in ["exif:", "Raw profile", "photoshop:City", "KDK", "Canon"] {
        assert!(!contains(&bytes, s.as_bytes()), "{s:?} left");
    }
    assert_eq!(exiftool(&output).orientation(), Some(6));
    // ImageMagick wrote eXIf after IDAT; the rebuilt one comes before it.
    let types = chunk_types(&bytes);
    let at = |t: &str| types.iter().position(|x| x == t).unwrap();
    assert!(at("eXIf") < at("IDAT"), "{types:?}");
    let raw = findings(&file)
        .into_iter()
        .filter(|f| f["block"].as_str().unwrap().starts_with("raw profile"))
        .count();
    assert!(
        raw > 10,
        "raw profiles were not read\n{}",
        list_findings(&file)
    );
    let gps_text = findings(&file)
        .into_iter()
        .find(|f| f["tag"] == "exif:GPSLatitude")
        .expect("the exif:GPSLatitude text property is reported");
    assert_eq!(gps_text["category"], "location");
}

#[test]
fn animated_keeps_its_frames_and_drops_its_text() {
    let (_tmp, output, _) = clean_cli(&fixture("png/animated.png"));
    let bytes = read(&output);
    assert_eq!(
        chunk_types(&bytes),
        ["IHDR", "acTL", "fcTL", "IDAT", "fcTL", "fdAT", "IEND"]
    );
    assert_eq!(
        exiftool(&output)
            .get("PNG", "AnimationFrames")
            .and_then(|v| v.as_i64()),
        Some(2)
    );
}

#[test]
fn broken_pngs_fail_with_no_output() {
    common::assert_damaged_fixtures_fail("png", BAD);
}

// ---------------------------------------------------------------------------
// Library.

#[test]
fn library_scrub_removes_every_location_and_keeps_image_data() {
    let bytes = read(&fixture("png/full.png"));
    let scrubbed = photoscrub_core::scrub(&bytes, &Policy::default()).unwrap();
    assert!(scrubbed.removed_anything());
    assert!(!photoscrub_core::scan(&bytes).unwrap().locations.is_empty());
    let after = photoscrub_core::scan(&scrubbed.bytes).unwrap();
    assert!(after.locations.is_empty(), "{:?}", after.locations);
    assert!(after
        .findings
        .iter()
        .all(|f| f.category == Category::Rendering));
    let png = photoscrub_core::container::png::image_data;
    assert_eq!(png(&bytes).unwrap(), png(&scrubbed.bytes).unwrap());
}

#[test]
fn library_keep_text_keeps_only_plain_text_chunks() {
    let bytes = read(&fixture("png/full.png"));
    let scrubbed = photoscrub_core::scrub(&bytes, &Policy::keep(&[Category::Text])).unwrap();
    let types = chunk_types(&scrubbed.bytes);
    // Kept text is written new, uncompressed: the Comment tEXt and the
    // Description zTXt both come out as tEXt.
    assert_eq!(
        types.iter().filter(|t| *t == "tEXt").count(),
        2,
        "{types:?}"
    );
    assert!(!types.iter().any(|t| t == "zTXt"), "{types:?}");
    assert!(contains(&scrubbed.bytes, b"Emma at Oak Street School"));
    assert!(!contains(&scrubbed.bytes, b"Jane Parent"));
    assert!(photoscrub_core::scan(&scrubbed.bytes)
        .unwrap()
        .locations
        .is_empty());
}

#[test]
fn library_refuses_broken_pngs() {
    for (name, why) in BAD {
        let bytes = read(&fixture(&format!("png/{name}")));
        let err = photoscrub_core::scrub(&bytes, &Policy::default()).unwrap_err();
        assert!(
            matches!(err, photoscrub_core::Error::Damaged(_)) && err.to_string().contains(why),
            "{name}: {err}"
        );
    }
}

// ---------------------------------------------------------------------------
// The real corpus.

fn corpus(name: &str) -> PathBuf {
    let path = crate_dir().join("../shared/corpus/real").join(name);
    assert!(
        path.is_file(),
        "corpus file {} is missing (../shared/corpus/real)",
        path.display()
    );
    path
}

#[test]
fn corpus_pngs_come_out_clean() {
    for name in CORPUS {
        clean_cli(&corpus(name));
    }
}

#[test]
fn oracle_catches_an_uncleaned_file() {
    require_exiftool();
    let full = fixture("png/full.png");
    let bad = violations(&full, &full).join("\n");
    for s in ["GPSLatitude", "Author", "City", "IEND", "Jane Parent"] {
        assert!(bad.contains(s), "the oracle misses {s}:\n{bad}");
    }
}
