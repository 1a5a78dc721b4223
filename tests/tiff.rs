//! TIFF: every fixture in `fixtures/tiff` cleaned through the CLI and the
//! library, checked with ExifTool (what is left, Orientation, ICC), the
//! `image` crate (pixels) and the strip/tile bytes at the offsets ExifTool
//! reads; broken TIFFs fail with no output; the real TIFFs of the shared
//! corpus come out clean.

mod common;

use common::*;
use photoscrub_core::{Category, Policy};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Valid fixtures with something to remove: each must be cleaned.
const CLEANED: &[&str] = &[
    "full.tif",
    "lzw.tif",
    "tiled.tif",
    "big-endian.tif",
    "two-page.tif",
    "thumbnail.tif",
];
/// Broken or unsupported fixtures, with what the error must say.
const BAD: &[(&str, &str)] = &[
    ("truncated-header.tif", "truncated"),
    ("truncated.tif", "past the end"),
    ("ifd-past-end.tif", "past the end"),
    ("ifd-loop.tif", "loop"),
    ("exif-loop.tif", "loop"),
    ("strip-past-end.tif", "outside the file"),
    ("value-past-end.tif", "outside the file"),
    ("metadata-in-strip.tif", "inside the image data"),
];
/// The TIFFs of the shared corpus.
const CORPUS: &[&str] = &[
    "Exiv2+exiv2__test_data_Reagan.tiff",
    "Exiv2+exiv2__test_data_ReaganLargeTiff.tiff",
    "MikeKovarik+exifr__test_fixtures_001.tif",
    "drewnoakes+metadata-extractor-images__tif_Issue 555 (2).tif",
    "python-pillow+Pillow__Tests_images_ifd_tag_type.tiff",
];
/// Strings of the fixtures' metadata that must not survive, beyond SECRETS.
const MORE_SECRETS: &[&str] = &["oak-street-school", "BODY123456", "1234567890"];

// ---------------------------------------------------------------------------
// The oracle.

/// The EXIF tags (ExifTool names) a cleaned TIFF directory may hold: how to
/// decode and show the image.
const TIFF_ALLOWED: &[&str] = &[
    "SubfileType",
    "OldSubfileType",
    "ImageWidth",
    "ImageHeight",
    "BitsPerSample",
    "Compression",
    "PhotometricInterpretation",
    "Thresholding",
    "FillOrder",
    "StripOffsets",
    "Orientation",
    "SamplesPerPixel",
    "RowsPerStrip",
    "StripByteCounts",
    "MinSampleValue",
    "MaxSampleValue",
    "XResolution",
    "YResolution",
    "PlanarConfiguration",
    "GrayResponseUnit",
    "GrayResponseCurve",
    "T4Options",
    "T6Options",
    "ResolutionUnit",
    "PageNumber",
    "TransferFunction",
    "Predictor",
    "WhitePoint",
    "PrimaryChromaticities",
    "ColorMap",
    "TileWidth",
    "TileLength",
    "TileOffsets",
    "TileByteCounts",
    "InkSet",
    "NumberOfInks",
    "ExtraSamples",
    "SampleFormat",
    "SMinSampleValue",
    "SMaxSampleValue",
    "JPEGTables",
    "YCbCrCoefficients",
    "YCbCrSubSampling",
    "YCbCrPositioning",
    "ReferenceBlackWhite",
];

/// The numbers of a tag ExifTool printed with `-n` ("12 34" or 12).
fn numbers(v: Option<&Value>) -> Vec<u64> {
    match v {
        Some(Value::Number(n)) => n.as_u64().into_iter().collect(),
        Some(Value::String(s)) => s
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect(),
        _ => Vec::new(),
    }
}

/// Where ExifTool says each page's strips or tiles are (`-b` prints long
/// offset lists in full): ("IFD0 StripOffsets", offsets, byte counts).
fn layout(path: &Path) -> Vec<(String, Vec<u64>, Vec<u64>)> {
    let mut args = vec!["-j".to_string(), "-n".into(), "-b".into(), "-G1".into()];
    let groups = ["IFD0", "IFD1", "IFD2"];
    let kinds = [
        ("StripOffsets", "StripByteCounts"),
        ("TileOffsets", "TileByteCounts"),
    ];
    for g in groups {
        for (o, c) in kinds {
            args.push(format!("-{g}:{o}"));
            args.push(format!("-{g}:{c}"));
        }
    }
    let out = std::process::Command::new("exiftool")
        .args(&args)
        .arg(path)
        .output()
        .expect("exiftool runs");
    let json: Vec<Value> = serde_json::from_slice(&out.stdout).expect("exiftool gives JSON");
    let mut found = Vec::new();
    for g in groups {
        for (o, c) in kinds {
            let offsets = numbers(json[0].get(format!("{g}:{o}")));
            if !offsets.is_empty() {
                let counts = numbers(json[0].get(format!("{g}:{c}")));
                found.push((format!("{g} {o}"), offsets, counts));
            }
        }
    }
    found
}

/// The image data of each page as ExifTool locates it: (which, bytes).
fn pages_data(path: &Path) -> Vec<(String, Vec<u8>)> {
    let bytes = read(path);
    layout(path)
        .into_iter()
        .map(|(what, offsets, counts)| {
            assert_eq!(offsets.len(), counts.len(), "{what} in {}", path.display());
            let mut data = Vec::new();
            for (start, len) in offsets.iter().zip(&counts) {
                let range = *start as usize..(*start + *len) as usize;
                data.extend_from_slice(bytes.get(range).expect("strip inside the file"));
            }
            // Where the data lies may change (the cleaned file packs it
            // after the header); what it is and in which order may not.
            (what, data)
        })
        .collect()
}

/// What is wrong with `output` as the default cleaning of `original`.
fn violations(original: &Path, output: &Path) -> Vec<String> {
    let mut bad = Vec::new();
    let both = [original.to_path_buf(), output.to_path_buf()];
    let mut tags = exiftool_many(&both);
    let (tin, tout) = (tags.remove(0), tags.remove(0));
    let pages = numbers(tin.get("File", "PageCount"))
        .first()
        .copied()
        .unwrap_or(1);
    for t in &tout.tags {
        let ok = match t.family0.as_str() {
            "ExifTool" | "Composite" | "ICC_Profile" => true,
            "File" => t.name != "Comment",
            "EXIF" => {
                let page_group = t.family1 == "IFD0" || (pages > 1 && t.family1 == "IFD1");
                page_group && TIFF_ALLOWED.contains(&t.name.as_str())
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
    let (da, db) = (pages_data(original), pages_data(output));
    if da.is_empty() || da != db {
        let show = |d: &[(String, Vec<u8>)]| d.iter().map(|p| p.0.clone()).collect::<Vec<_>>();
        bad.push(format!(
            "image data moved or changed: {:?} -> {:?}",
            show(&da),
            show(&db)
        ));
    }
    if a.get(..2) != b.get(..2) {
        bad.push("the byte order changed".into());
    }
    bad.extend(common::secrets_left(
        &a,
        &b,
        SECRETS.iter().chain(MORE_SECRETS),
    ));
    if !bad.is_empty() {
        bad.push(format!("ExifTool on the output:\n{}", tout.dump()));
    }
    bad
}

#[track_caller]
fn assert_clean(original: &Path, output: &Path) {
    common::assert_no_violations(original, output, &violations(original, output));
}

// ---------------------------------------------------------------------------
// CLI.

/// Cleans a copy of `path` with `clean --json --verify decode --out`,
/// checks the result with the oracle and the report's `removed` flags with
/// ExifTool; returns the temp dir, the output and the report's file object.
fn clean_cli(path: &Path, status: &str) -> (tempfile::TempDir, PathBuf, Value) {
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
    assert_eq!(file["status"], status, "{}", report.describe());
    assert_eq!(file["format"], "tiff", "{}", report.describe());
    let output = out_dir.join(name);
    assert!(output.is_file(), "no output at {}", output.display());
    assert_eq!(read(&input), read(path), "the input was modified");
    assert_clean(path, &output);
    let (tin, tout) = (exiftool(path), exiftool(&output));
    let (mismatches, _) = removed_flag_mismatches(&file, &tin, &tout);
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    (tmp, output, file)
}

fn has_finding(file: &Value, block: &str, tag: &str, category: &str) -> bool {
    findings(file)
        .into_iter()
        .any(|f| f["block"] == block && f["tag"] == tag && f["category"] == category)
}

macro_rules! clean_tests {
    ($($test:ident => $file:literal;)*) => {
        $(
            #[test]
            fn $test() {
                clean_cli(&fixture(concat!("tiff/", $file)), "cleaned");
            }
        )*
    };
}

clean_tests! {
    clean_lzw => "lzw.tif";
    clean_tiled => "tiled.tif";
    clean_big_endian => "big-endian.tif";
}

#[test]
fn cleaned_list_matches_the_fixtures() {
    for name in CLEANED {
        assert!(fixture(&format!("tiff/{name}")).is_file(), "{name}");
    }
}

#[test]
fn full_reports_every_block_and_keeps_orientation_and_icc() {
    let (_tmp, output, file) = clean_cli(&fixture("tiff/full.tif"), "cleaned");
    for (block, tag, category) in [
        ("EXIF GPS", "GPSLatitude", "location"),
        ("EXIF IFD0", "Artist", "people"),
        ("EXIF IFD0", "Make", "device"),
        ("EXIF IFD0", "ImageDescription", "text"),
        ("EXIF ExifIFD", "DateTimeOriginal", "time"),
        ("EXIF ExifIFD", "BodySerialNumber", "device"),
        ("EXIF ExifIFD", "MakerNote", "device"),
        ("EXIF IFD1", "ThumbnailImage", "preview"),
        ("XMP", "photoshop:City", "location"),
        ("XMP", "dc:creator", "people"),
        ("IPTC", "City", "location"),
        ("IPTC", "By-line", "people"),
        ("ICC", "ICC_Profile", "rendering"),
    ] {
        assert!(
            has_finding(&file, block, tag, category),
            "no finding {block} {tag} ({category})\n{}",
            list_findings(&file)
        );
    }
    let location = &file["location"];
    assert!(
        (location["lat"].as_f64().unwrap() - 52.3702).abs() < 1e-4,
        "{file}"
    );
    assert!(
        (location["lon"].as_f64().unwrap() - 4.8952).abs() < 1e-4,
        "{file}"
    );
    let tags = exiftool(&output);
    assert_eq!(tags.orientation(), Some(6), "{}", tags.dump());
    assert!(icc(&output).is_some(), "the ICC profile was lost");
    assert!(!tags.has_name_anywhere("ThumbnailImage"));
    for f in findings(&file) {
        let kept = f["category"] == "rendering";
        if !kept {
            assert_eq!(f["removed"], true, "{f}");
        }
    }
}

#[test]
fn two_pages_are_both_kept_and_cleaned() {
    let (_tmp, output, file) = clean_cli(&fixture("tiff/two-page.tif"), "cleaned");
    assert!(
        has_finding(&file, "EXIF IFD1", "Artist", "people"),
        "page 2's Artist is not reported\n{}",
        list_findings(&file)
    );
    let tags = exiftool(&output);
    assert_eq!(
        numbers(tags.get("File", "PageCount")),
        [2],
        "{}",
        tags.dump()
    );
    assert!(!tags.has("IFD1", "Artist"), "{}", tags.dump());
    assert_eq!(
        numbers(tags.get("IFD1", "PageNumber")),
        [1, 2],
        "{}",
        tags.dump()
    );
}

#[test]
fn thumbnail_is_the_only_thing_removed() {
    let (_tmp, output, file) = clean_cli(&fixture("tiff/thumbnail.tif"), "cleaned");
    let removed: Vec<&Value> = findings(&file)
        .into_iter()
        .filter(|f| f["removed"] == true && f["category"] != "rendering")
        .collect();
    assert_eq!(removed.len(), 1, "{}", list_findings(&file));
    assert_eq!(removed[0]["tag"], "ThumbnailImage");
    assert_eq!(exiftool(&output).orientation(), Some(3));
}

#[test]
fn clean_tiff_is_rewritten_once_then_already_clean() {
    // Nothing identifying, but not laid out as photoscrub writes a TIFF:
    // rewritten (nothing removed), and its cleaned form is already clean.
    let (_tmp, output, file) = clean_cli(&fixture("tiff/clean.tif"), "cleaned");
    assert!(
        findings(&file).iter().all(|f| f["removed"] == false),
        "{file}"
    );
    clean_cli(&output, "already-clean");
}

#[test]
fn check_reports_a_leak_with_exit_1() {
    let path = fixture("tiff/lzw.tif");
    let report = run_json(args!["check", "--json", path]);
    report.assert_code(1);
    let file = report.file("lzw.tif");
    assert_eq!(file["status"], "leaks", "{}", report.describe());
    assert!(has_finding(file, "EXIF GPS", "GPSLongitude", "location"));
}

#[test]
fn broken_tiffs_fail_with_no_output() {
    common::assert_damaged_fixtures_fail("tiff", BAD);
}

#[test]
fn bigtiff_is_refused_with_no_output() {
    let bytes = read(&fixture("tiff/bigtiff.tif"));
    let err = photoscrub_core::container::tiff::scan(&bytes).unwrap_err();
    assert!(
        matches!(err, photoscrub_core::Error::Unsupported(_))
            && err.to_string().contains("BigTIFF"),
        "{err}"
    );
    let tmp = tempfile::tempdir().unwrap();
    let input = copy_fixture("tiff/bigtiff.tif", &tmp.path().join("in"));
    let out_dir = tmp.path().join("out");
    let report = run_json(args!["clean", "--json", "--out", out_dir, input]);
    report.assert_code(3);
    let status = report.status("bigtiff.tif");
    assert!(
        status == "refused" || status == "failed",
        "{}",
        report.describe()
    );
    assert!(!out_dir.join("bigtiff.tif").exists());
}

// ---------------------------------------------------------------------------
// Library.

#[test]
fn library_scrub_removes_every_location_and_keeps_image_data() {
    let tiff = photoscrub_core::container::tiff::image_data;
    for name in CLEANED {
        let bytes = read(&fixture(&format!("tiff/{name}")));
        let scrubbed = photoscrub_core::scrub(&bytes, &Policy::default()).unwrap();
        assert!(scrubbed.removed_anything(), "{name}");
        let after = photoscrub_core::scan(&scrubbed.bytes).unwrap();
        assert!(after.locations.is_empty(), "{name}: {:?}", after.locations);
        assert!(
            after
                .findings
                .iter()
                .all(|f| f.category == Category::Rendering),
            "{name}: {:?}",
            after.findings
        );
        assert_eq!(
            tiff(&bytes).unwrap(),
            tiff(&scrubbed.bytes).unwrap(),
            "{name}"
        );
        let (a, b) = (decode_bytes(&bytes), decode_bytes(&scrubbed.bytes));
        assert!(
            a.is_ok() && a == b,
            "{name}: pixels differ or do not decode"
        );
    }
}

#[test]
fn library_keep_time_and_people_keeps_those_tags_only() {
    let bytes = read(&fixture("tiff/full.tif"));
    let policy = Policy::keep(&[Category::Time, Category::People]);
    let scrubbed = photoscrub_core::scrub(&bytes, &policy).unwrap();
    let after = photoscrub_core::scan(&scrubbed.bytes).unwrap();
    let has = |tag: &str| after.findings.iter().any(|f| f.tag == tag);
    for tag in ["DateTimeOriginal", "DateTime", "Artist", "Copyright"] {
        assert!(has(tag), "{tag} was not kept: {:?}", after.findings);
    }
    assert!(after.locations.is_empty());
    for c in [
        Category::Location,
        Category::Device,
        Category::Text,
        Category::Preview,
    ] {
        assert!(!after.has_any(|x| x == c), "{c} left: {:?}", after.findings);
    }
    assert!(!contains(&scrubbed.bytes, b"Haarlem"));
    assert!(!contains(&scrubbed.bytes, b"BODY123456"));
}

#[test]
fn library_keeps_the_byte_order_and_zeroes_the_old_metadata() {
    let bytes = read(&fixture("tiff/big-endian.tif"));
    let out = photoscrub_core::scrub(&bytes, &Policy::default())
        .unwrap()
        .bytes;
    assert_eq!(&out[..4], b"MM\0*");
    for s in [
        "Jane Parent",
        "Haarlem",
        "PhotoApp",
        "LENS987654",
        "http://ns.adobe.com",
    ] {
        assert!(!contains(&out, s.as_bytes()), "{s:?} left");
    }
}

#[test]
fn library_refuses_broken_tiffs() {
    for (name, why) in BAD {
        let bytes = read(&fixture(&format!("tiff/{name}")));
        let err = photoscrub_core::scrub(&bytes, &Policy::default()).unwrap_err();
        assert!(
            matches!(err, photoscrub_core::Error::Damaged(_)) && err.to_string().contains(why),
            "{name}: {err}"
        );
    }
}

#[test]
fn every_truncation_is_an_error_never_a_panic() {
    let bytes = read(&fixture("tiff/full.tif"));
    for len in (0..bytes.len()).step_by(7) {
        let cut = &bytes[..len];
        let _ = photoscrub_core::scan(cut);
        let _ = photoscrub_core::scrub(cut, &Policy::default());
    }
}

// ---------------------------------------------------------------------------
// The real corpus.

fn corpus(name: &str) -> PathBuf {
    let dir = std::env::var_os("PHOTOSCRUB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir().join("../shared/corpus/real"));
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "corpus file {} is missing (set PHOTOSCRUB_CORPUS or put the corpus at ../shared/corpus/real)",
        path.display()
    );
    path
}

#[test]
fn corpus_tiffs_come_out_clean() {
    for name in CORPUS {
        clean_cli(&corpus(name), "cleaned");
    }
}

#[test]
fn oracle_catches_an_uncleaned_file() {
    require_exiftool();
    let full = fixture("tiff/full.tif");
    let bad = violations(&full, &full).join("\n");
    for s in [
        "GPSLatitude",
        "Artist",
        "City",
        "ThumbnailImage",
        "Jane Parent",
    ] {
        assert!(bad.contains(s), "the oracle misses {s}:\n{bad}");
    }
}

#[test]
fn mutated_tiffs_never_panic() {
    let mut seed: u64 = 0x5EED;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    for name in CLEANED.iter().chain(&["tiny.dng"]) {
        let original = read(&fixture(&format!("tiff/{name}")));
        for _ in 0..300 {
            let mut bytes = original.clone();
            for _ in 0..1 + next() % 4 {
                let at = next() % bytes.len();
                bytes[at] = next() as u8;
            }
            let _ = photoscrub_core::scan(&bytes);
            if let Ok(s) = photoscrub_core::scrub(&bytes, &Policy::default()) {
                assert!(photoscrub_core::scan(&s.bytes)
                    .unwrap()
                    .locations
                    .is_empty());
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Hidden data: the adversarial TIFFs of `fixtures/hidden` (made by
// `fixtures/make-hidden.py`), each planting canaries where no directory
// points, in a malformed structure tag or in an orphaned directory.

/// The canaries `manifest.json` says `file` plants.
fn canaries(file: &str) -> Vec<String> {
    let manifest: Value =
        serde_json::from_slice(&read(&fixture("hidden/manifest.json"))).expect("manifest");
    let entry = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == file)
        .unwrap_or_else(|| panic!("{file} is not in the manifest"));
    let values: Vec<String> = entry["canaries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].as_str().unwrap().to_string())
        .collect();
    assert!(!values.is_empty(), "{file} plants nothing");
    values
}

/// Everything ExifTool reads from `path` (`-a -u -G1`), as text.
fn exiftool_everything(path: &Path) -> String {
    let out = std::process::Command::new("exiftool")
        .args(["-a", "-u", "-G1", "-b", "-j"])
        .arg(path)
        .output()
        .expect("exiftool runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn hidden_tiff_data_is_reported_by_check_and_gone_after_clean() {
    require_exiftool();
    for name in [
        "orphan-ifd.tif",
        "orphan-ifd-mm.tif",
        "wrong-type.tif",
        "gap-bytes.tif",
        "after-end.tif",
    ] {
        let rel = format!("tiff/{name}");
        let path = fixture(&format!("hidden/{rel}"));
        let planted = canaries(&rel);
        let before = exiftool_everything(&path);
        let bytes = read(&path);
        assert!(
            planted.iter().any(|c| contains(&bytes, c.as_bytes())),
            "{name}: the fixture holds no canary"
        );
        let report = run_json(args!["check", "--json", path]);
        report.assert_code(1);
        assert_eq!(report.status(name), "leaks", "{}", report.describe());
        let tmp = tempfile::tempdir().unwrap();
        let input = copy_fixture(&format!("hidden/{rel}"), &tmp.path().join("in"));
        let out_dir = tmp.path().join("out");
        let report = run_json(args![
            "clean", "--json", "--verify", "decode", "--out", out_dir, input
        ]);
        report.assert_code(0);
        let output = out_dir.join(name);
        let cleaned = read(&output);
        let after = exiftool_everything(&output);
        for c in &planted {
            assert!(
                !contains(&cleaned, c.as_bytes()),
                "{name}: {c} left in the bytes"
            );
            assert!(
                !after.contains(c.as_str()),
                "{name}: ExifTool still shows {c}"
            );
        }
        assert!(before.len() > after.len(), "{name}: nothing removed?");
        assert_eq!(
            decode_bytes(&bytes),
            decode_bytes(&cleaned),
            "{name}: pixels differ"
        );
    }
}
