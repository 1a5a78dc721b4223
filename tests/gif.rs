//! GIF: the fixtures in `fixtures/gif` cleaned through the CLI and the
//! library, checked with ExifTool (what is left, looping), the `image` crate
//! (every frame, with its delay) and the raw blocks; a GIF cut inside its
//! LZW data fails with no output; the real GIF of the shared corpus comes
//! out clean.

mod common;

use common::*;
use photoscrub_core::{Category, Policy};
use std::path::{Path, PathBuf};

const CORPUS: &[&str] = &["derived__iPhone6s_gps.gif"];

/// GIF-group tags (ExifTool) that only describe how to show the picture.
const STRUCTURE: &[&str] = &[
    "GIFVersion",
    "ImageWidth",
    "ImageHeight",
    "HasColorMap",
    "ColorResolutionDepth",
    "BitsPerPixel",
    "BackgroundColor",
    "PixelAspectRatio",
    "AnimationIterations",
    "FrameCount",
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
            "ExifTool" | "Composite" | "ICC_Profile" => t.name != "Warning",
            "File" => t.name != "Comment",
            "GIF" => STRUCTURE.contains(&t.name.as_str()),
            _ => false,
        };
        if !ok || t.doc.is_some() {
            bad.push(format!("left: {} = {}", t.key, t.value));
        }
    }
    for name in ["AnimationIterations", "FrameCount", "Duration"] {
        if tin.get("GIF", name) != tout.get("GIF", name) {
            bad.push(format!("GIF {name} changed"));
        }
    }
    if let Some(why) = pixel_difference(original, output) {
        bad.push(why);
    }
    let (a, b) = (read(original), read(output));
    if let Some(why) = frame_difference(&a, &b) {
        bad.push(why);
    }
    if b.last() != Some(&0x3B) {
        bad.push("the output does not end with the GIF trailer".into());
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

/// Every frame decoded by the `image` crate, with its delay, compared.
fn frame_difference(a: &[u8], b: &[u8]) -> Option<String> {
    let frames = |bytes: &[u8]| -> Result<Vec<(u32, Vec<u8>)>, String> {
        use image::AnimationDecoder;
        let decoder = image::codecs::gif::GifDecoder::new(std::io::Cursor::new(bytes))
            .map_err(|e| e.to_string())?;
        let frames = decoder
            .into_frames()
            .collect_frames()
            .map_err(|e| e.to_string())?;
        Ok(frames
            .into_iter()
            .map(|f| (f.delay().numer_denom_ms().0, f.into_buffer().into_raw()))
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

/// The extension labels of a GIF, in order, read independently of
/// photoscrub (0x2C for an image).
fn blocks(gif: &[u8]) -> Vec<u8> {
    let packed = gif[10];
    let mut p = 13
        + if packed & 0x80 != 0 {
            3 << ((packed & 7) + 1)
        } else {
            0
        };
    let mut out = Vec::new();
    while gif[p] != 0x3B {
        let mut q = if gif[p] == 0x2C {
            out.push(0x2C);
            let lct = gif[p + 9];
            p + 11
                + if lct & 0x80 != 0 {
                    3 << ((lct & 7) + 1)
                } else {
                    0
                }
        } else {
            out.push(gif[p + 1]);
            p + 2
        };
        while gif[q] != 0 {
            q += 1 + gif[q] as usize;
        }
        p = q + 1;
    }
    out
}

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
fn animated_keeps_frames_and_looping_and_drops_every_extension_that_tells() {
    let (_tmp, output, file) = clean_cli(&fixture("gif/animated.gif"));
    // As ImageMagick wrote them: graphic control, looping (application),
    // image, then graphic control and image of the second frame.
    assert_eq!(blocks(&read(&output)), [0xF9, 0xFF, 0x2C, 0xF9, 0x2C]);
    assert!(contains(&read(&output), b"NETSCAPE2.0"));
    for (block, tag, category) in [
        ("GIF comment", "Comment", "text"),
        ("GIF plain text", "PlainText", "text"),
        ("XMP", "photoshop:City", "location"),
        ("GIF application", "PHOTOAPP1.0", "unknown"),
        ("GIF trailer", "TrailerData", "preview"),
    ] {
        assert!(
            findings(&file).iter().any(|f| f["block"] == block
                && f["tag"] == tag
                && f["category"] == category
                && f["removed"] == true),
            "no removed {block} {tag}\n{}",
            list_findings(&file)
        );
    }
    assert!(file["location"].is_object(), "the XMP location is reported");
}

#[test]
fn truncated_lzw_data_fails_with_no_output() {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let input = copy_fixture("gif/truncated.gif", &tmp.path().join("in"));
    let report = run_json(args!["clean", "--json", "--out", out_dir, input]);
    report.assert_code(3);
    let file = report.file("truncated.gif");
    assert_eq!(file["status"], "failed", "{}", report.describe());
    assert!(file["error"].as_str().unwrap().contains("truncated"));
    assert!(!out_dir.join("truncated.gif").exists());
    let err = photoscrub_core::scrub(&read(&fixture("gif/truncated.gif")), &Policy::default());
    assert!(matches!(err, Err(photoscrub_core::Error::Damaged(_))));
}

#[test]
fn library_scrub_removes_the_xmp_location_and_keeps_image_data() {
    let bytes = read(&fixture("gif/animated.gif"));
    assert!(!photoscrub_core::scan(&bytes).unwrap().locations.is_empty());
    let scrubbed = photoscrub_core::scrub(&bytes, &Policy::default()).unwrap();
    let after = photoscrub_core::scan(&scrubbed.bytes).unwrap();
    assert!(after.findings.is_empty(), "{:?}", after.findings);
    let gif = photoscrub_core::container::gif::image_data;
    assert_eq!(gif(&bytes).unwrap(), gif(&scrubbed.bytes).unwrap());
}

#[test]
fn library_keep_text_keeps_comment_and_plain_text_only() {
    let bytes = read(&fixture("gif/animated.gif"));
    let scrubbed = photoscrub_core::scrub(&bytes, &Policy::keep(&[Category::Text])).unwrap();
    let labels = blocks(&scrubbed.bytes);
    assert!(
        labels.contains(&0xFE) && labels.contains(&0x01),
        "{labels:02X?}"
    );
    assert!(!contains(&scrubbed.bytes, b"XMP DataXMP"));
    assert!(!contains(&scrubbed.bytes, b"PHOTOAPP"));
    assert!(photoscrub_core::scan(&scrubbed.bytes)
        .unwrap()
        .locations
        .is_empty());
}

#[test]
fn oracle_catches_an_uncleaned_file() {
    require_exiftool();
    let gif = fixture("gif/animated.gif");
    let bad = violations(&gif, &gif).join("\n");
    for s in ["GPSLatitude", "City", "Comment", "trailer"] {
        assert!(bad.contains(s), "the oracle misses {s}:\n{bad}");
    }
}

#[test]
fn corpus_gif_comes_out_clean() {
    for name in CORPUS {
        let path = crate_dir().join("../shared/corpus/real").join(name);
        assert!(path.is_file(), "corpus file {} is missing", path.display());
        clean_cli(&path);
    }
}
