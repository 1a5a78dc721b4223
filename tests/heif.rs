//! HEIF/HEIC/AVIF cleaning, checked with independent oracles: ExifTool (what
//! metadata is left, Orientation, ICC), heif-convert from libheif-examples
//! (the decoded pixels, compared with the image crate), heif-info (no
//! thumbnail, depth map or second image left) and the raw bytes (no
//! identifying string left).
//!
//! ExifTool and heif-convert are required: a test that needs one and does
//! not find it fails with a message saying how to install it.

mod common;

use common::*;
use photoscrub_core::{Category, Policy};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Valid fixtures in `fixtures/heif`, each of which must be cleaned.
const VALID: &[&str] = &[
    "exif-xmp.heic",
    "exif-end.heic",
    "multi-extent.heic",
    "exif-idat.heic",
    "iloc-v2.heic",
    "grid.heic",
    "alpha-thumb.heic",
    "avif-gps.avif",
    "xmp-deflate.heic",
    "motion-mpvd.heic",
    "motion-trailer.heic",
    "other-items.heic",
];

/// Damaged fixtures: each must fail (or be refused) with this in its error.
const BAD: &[(&str, &str, &str)] = &[
    (
        "bad-meta-past-end.heic",
        "failed",
        "past the end of the file",
    ),
    ("bad-size-zero-nested.heic", "failed", "size 0"),
    (
        "bad-largesize-overflow.heic",
        "failed",
        "past the end of the file",
    ),
    (
        "bad-extent-past-end.heic",
        "failed",
        "past the end of the file",
    ),
    (
        "bad-truncated-meta.heic",
        "failed",
        "past the end of the file",
    ),
    (
        "bad-truncated-mdat.heic",
        "failed",
        "past the end of the file",
    ),
    ("bad-moov.heic", "refused", "'moov'"),
];

/// Strings the fixtures hide; none may be left in a cleaned file.
const HEIF_SECRETS: &[&str] = &[
    "Jane Parent",
    "Haarlem",
    "Netherlands",
    "Oak Street",
    "Emma",
    "BODY123456",
    "52.3702",
    "Canon",
    "PhotoApp",
    "Image_UTC_Data",
    "MotionPhoto_Data",
    "SEFT",
    "example.org",
];

/// Groups (family 0 or 1) that must not be in a default-cleaned file.
const FORBIDDEN_GROUPS: &[&str] = &["GPS", "IFD1", "IPTC", "MakerNotes", "XMP", "Photoshop"];

/// XMP properties a rebuilt packet may keep under the default policy.
const XMP_RENDERING: &[&str] = &["Format", "XMPToolkit"];

/// Tag names that must not be in a default-cleaned file.
const FORBIDDEN_NAMES: &[&str] = &[
    "Make",
    "Model",
    "Software",
    "Artist",
    "Copyright",
    "SerialNumber",
    "InternalSerialNumber",
    "LensSerialNumber",
    "OwnerName",
    "ImageUniqueID",
    "DateTimeOriginal",
    "CreateDate",
    "ModifyDate",
    "UserComment",
    "ImageDescription",
    "ThumbnailImage",
    "PreviewImage",
    "City",
    "Country",
    "Creator",
];

fn heif_fixture(name: &str) -> PathBuf {
    fixture(&format!("heif/{name}"))
}

fn corpus_dir() -> PathBuf {
    let dir = crate_dir().join("../shared/corpus/real");
    assert!(
        dir.is_dir(),
        "the real-photo corpus is missing: expected it at {}",
        dir.display()
    );
    dir
}

// ---------------------------------------------------------------------------
// heif-convert: the independent decoder
// ---------------------------------------------------------------------------

const INSTALL_LIBHEIF: &str = "heif-convert is required by these tests and was not found or \
does not run: install libheif-examples (apt-get install libheif-examples)";

fn require_heif_convert() {
    match Command::new("heif-convert").arg("--version").output() {
        Ok(_) => {}
        Err(e) => panic!("{INSTALL_LIBHEIF} ({e})"),
    }
}

/// Decodes `path` with heif-convert into `dir` and returns every PNG it
/// wrote (the image, then auxiliary images such as depth maps), decoded by
/// the image crate to RGBA8.
fn heif_decode(path: &Path, dir: &Path, tag: &str) -> Vec<(String, image::RgbaImage)> {
    require_heif_convert();
    let out_dir = dir.join(tag);
    std::fs::create_dir_all(&out_dir).unwrap();
    let png = out_dir.join("decoded.png");
    let run = Command::new("heif-convert")
        .arg(path)
        .arg(&png)
        .output()
        .unwrap_or_else(|e| panic!("{INSTALL_LIBHEIF} ({e})"));
    assert!(
        run.status.success(),
        "heif-convert cannot decode {}: {}{}",
        path.display(),
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let mut decoded = Vec::new();
    for file in files_under(&out_dir) {
        let img = image::open(&file)
            .unwrap_or_else(|e| panic!("the image crate cannot read {}: {e}", file.display()))
            .to_rgba8();
        decoded.push((
            file.file_name().unwrap().to_string_lossy().into_owned(),
            img,
        ));
    }
    assert!(
        !decoded.is_empty(),
        "heif-convert wrote nothing for {}",
        path.display()
    );
    decoded
}

/// Why the two files decode differently, or `None` if every decoded image
/// (and auxiliary image) has the same dimensions and pixels.
fn heif_pixel_difference(original: &Path, cleaned: &Path) -> Option<String> {
    let tmp = tempfile::tempdir().unwrap();
    let a = heif_decode(original, tmp.path(), "a");
    let b = heif_decode(cleaned, tmp.path(), "b");
    let names =
        |v: &[(String, image::RgbaImage)]| v.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    // Hidden pictures are removed: the cleaned file may decode to fewer
    // images (depth maps, second images), never to other ones.
    let lost = names(&b).iter().any(|n| !names(&a).contains(n));
    if b.is_empty() || lost {
        return Some(format!(
            "heif-convert wrote {:?} for the original, {:?} for the cleaned file",
            names(&a),
            names(&b)
        ));
    }
    for (name, y) in &b {
        let x = &a.iter().find(|(n, _)| n == name).expect("named above").1;
        if x.dimensions() != y.dimensions() {
            return Some(format!(
                "{name}: dimensions {:?} vs {:?}",
                x.dimensions(),
                y.dimensions()
            ));
        }
        if x.as_raw() != y.as_raw() {
            return Some(format!("{name}: decoded pixels differ"));
        }
    }
    None
}

/// The hidden pictures heif-info lists: thumbnails, depth maps, a second
/// top-level image.
fn heif_hidden_pictures(path: &Path) -> Vec<&'static str> {
    let run = Command::new("heif-info")
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("{INSTALL_LIBHEIF} ({e})"));
    let text = String::from_utf8_lossy(&run.stdout).into_owned();
    let mut found = Vec::new();
    if text
        .lines()
        .any(|l| l.trim_start().starts_with("thumbnail:"))
    {
        found.push("thumbnail");
    }
    if text.contains("depth channel: yes") {
        found.push("depth map");
    }
    if text.lines().filter(|l| l.starts_with("image:")).count() > 1 {
        found.push("second image");
    }
    found
}

// ---------------------------------------------------------------------------
// The default-policy oracle for HEIF
// ---------------------------------------------------------------------------

/// What is wrong with `output` as the default-policy cleaning of `original`,
/// where `trailer` bytes at the end of the original may be dropped.
fn heif_violations(original: &Path, output: &Path, trailer: usize, pixels: bool) -> Vec<String> {
    let mut bad = Vec::new();
    let orig_bytes = read(original);
    let out_bytes = read(output);
    if out_bytes.len() + trailer > orig_bytes.len() {
        bad.push(format!(
            "the file grew: {} bytes in, {} out (trailer {trailer})",
            orig_bytes.len(),
            out_bytes.len()
        ));
    }
    let hidden = heif_hidden_pictures(output);
    if !hidden.is_empty() {
        bad.push(format!("heif-info still lists {hidden:?}"));
    }
    let both = [original.to_path_buf(), output.to_path_buf()];
    let mut tags = exiftool_many(&both);
    let (tin, tout) = (tags.remove(0), tags.remove(0));
    for t in &tout.tags {
        if t.family0 == "ICC_Profile" || t.family0 == "File" || t.family0 == "Composite" {
            continue;
        }
        // ExifTool lists each image item's properties as a document of its
        // own (Doc1: QuickTime:...): structure, checked like the rest.
        // A rebuilt XMP packet may keep what only describes the picture.
        let xmp_kept = t.family1.starts_with("XMP")
            && (XMP_RENDERING.contains(&t.name.as_str())
                || common::ALLOWED_EXIF_TAGS.contains(&t.name.as_str()));
        if FORBIDDEN_GROUPS.iter().any(|g| t.in_group(g)) && !xmp_kept {
            bad.push(format!("tag in a forbidden group: {} = {}", t.key, t.value));
        }
        if FORBIDDEN_NAMES.contains(&t.name.as_str()) || t.name.starts_with("GPS") {
            bad.push(format!("identifying tag left: {} = {}", t.key, t.value));
        }
        if t.family0 == "EXIF" && !common::ALLOWED_EXIF_TAGS.contains(&t.name.as_str()) {
            bad.push(format!(
                "EXIF tag not needed for rendering: {} = {}",
                t.key, t.value
            ));
        }
    }
    // Orientation 1 is what a viewer assumes without one: an EXIF item
    // that says only that may be dropped.
    if tin.orientation().unwrap_or(1) != tout.orientation().unwrap_or(1) {
        bad.push(format!(
            "Orientation changed: input {:?}, output {:?}",
            tin.orientation(),
            tout.orientation()
        ));
    }
    if icc(original) != icc(output) {
        bad.push("the ICC profile changed".into());
    }
    for s in HEIF_SECRETS {
        if contains(&out_bytes, s.as_bytes()) {
            bad.push(format!("the string {s:?} is still in the output bytes"));
        }
    }
    if pixels {
        if let Some(why) = heif_pixel_difference(original, output) {
            bad.push(why);
        }
    }
    if !bad.is_empty() {
        bad.push(format!("ExifTool on the output:\n{}", tout.dump()));
    }
    bad
}

#[track_caller]
fn assert_heif_clean(original: &Path, output: &Path, trailer: usize) {
    let bad = heif_violations(original, output, trailer, true);
    assert!(
        bad.is_empty(),
        "{} is not a correct cleaning of {}:\n  - {}",
        output.display(),
        original.display(),
        bad.join("\n  - ")
    );
}

/// Cleans a copy of `fixtures/heif/<name>` through the CLI (`clean --json
/// --verify decode --out DIR FILE`) and returns the temp dir, the input
/// copy, the output and the report.
fn clean_cli(name: &str, extra: &[&str]) -> (tempfile::TempDir, PathBuf, PathBuf, Report) {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let input = copy_fixture(&format!("heif/{name}"), &tmp.path().join("in"));
    let out_dir = tmp.path().join("out");
    let mut args = vec![
        "clean".to_string(),
        "--json".into(),
        "--verify".into(),
        "decode".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args.push("--out".into());
    args.push(out_dir.display().to_string());
    args.push(input.display().to_string());
    let report = run_json(&args);
    (tmp, input, out_dir.join(name), report)
}

/// Cleans a fixture with the default policy and checks it with the oracle.
fn clean_fixture(name: &str, trailer: usize) -> (tempfile::TempDir, PathBuf, Report) {
    let (tmp, input, output, report) = clean_cli(name, &[]);
    report.assert_code(0);
    let file = report.file(name);
    assert_eq!(
        file["status"],
        "cleaned",
        "{name}\nfindings:\n{}\n{}",
        list_findings(file),
        report.describe()
    );
    assert_eq!(report.output(name).as_deref(), Some(output.as_path()));
    assert_eq!(
        read(&input),
        read(&heif_fixture(name)),
        "the original was modified"
    );
    assert_heif_clean(&heif_fixture(name), &output, trailer);
    (tmp, output, report)
}

macro_rules! clean_tests {
    ($($test:ident => $file:literal;)*) => {
        $(
            #[test]
            fn $test() {
                clean_fixture($file, 0);
            }
        )*
    };
}

clean_tests! {
    clean_exif_xmp => "exif-xmp.heic";
    clean_exif_at_end_of_file => "exif-end.heic";
    clean_multi_extent_items => "multi-extent.heic";
    clean_exif_in_idat => "exif-idat.heic";
    clean_iloc_version_2 => "iloc-v2.heic";
    clean_grid_with_rotation => "grid.heic";
    clean_alpha_and_thumbnail => "alpha-thumb.heic";
    clean_avif_with_gps => "avif-gps.avif";
    clean_deflated_xmp => "xmp-deflate.heic";
    clean_motion_photo_mpvd => "motion-mpvd.heic";
    clean_other_metadata_items => "other-items.heic";
}

/// The findings of a file object that satisfy `pred`.
fn findings_where(file: &Value, pred: impl Fn(&Value) -> bool) -> Vec<&Value> {
    findings(file).into_iter().filter(|f| pred(f)).collect()
}

fn has_finding(file: &Value, block: &str, tag: &str) -> bool {
    !findings_where(file, |f| f["block"] == block && f["tag"] == tag).is_empty()
}

#[test]
fn exif_xmp_findings_are_reported_and_removed() {
    let (_tmp, output, report) = clean_fixture("exif-xmp.heic", 0);
    let file = report.file("exif-xmp.heic");
    for (block, tag) in [
        ("EXIF GPS", "GPSLatitude"),
        ("EXIF IFD0", "Make"),
        ("EXIF IFD0", "Artist"),
        ("EXIF ExifIFD", "BodySerialNumber"),
        ("EXIF ExifIFD", "DateTimeOriginal"),
        ("XMP", "photoshop:City"),
        ("XMP", "dc:creator"),
    ] {
        assert!(
            has_finding(file, block, tag),
            "no {block} {tag} finding\n{}",
            list_findings(file)
        );
    }
    let orientation = findings_where(file, |f| f["tag"] == "Orientation");
    assert!(
        orientation
            .iter()
            .all(|f| f["removed"] == false && f["category"] == "rendering"),
        "Orientation must be reported as kept rendering: {orientation:?}"
    );
    let loc = &file["location"];
    assert!(
        (loc["lat"].as_f64().unwrap() - 52.3702).abs() < 1e-4,
        "{loc}"
    );
    assert!(
        (loc["lon"].as_f64().unwrap() - 4.8952).abs() < 1e-4,
        "{loc}"
    );
    assert_eq!(exiftool(&output).orientation(), Some(6));
    // Every finding ExifTool can also see says truthfully whether it is gone.
    let input = exiftool(&heif_fixture("exif-xmp.heic"));
    let (bad, checked) = removed_flag_mismatches(file, &input, &exiftool(&output));
    assert!(checked > 5, "only {checked} findings could be checked");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn exif_at_end_of_file_is_rebuilt_in_its_place_and_its_tail_zeroed() {
    let (_tmp, output, _) = clean_fixture("exif-end.heic", 0);
    let before = read(&heif_fixture("exif-end.heic"));
    let after = read(&output);
    // The Exif item was the last bytes of the file: the rebuilt block is
    // smaller and written where it was, so the end of the file is zeros.
    assert!(after.len() <= before.len());
    assert!(after[after.len() - 64..].iter().all(|&b| b == 0));
    assert_ne!(before[before.len() - 64..], after[after.len() - 64..]);
    let tags = exiftool(&output);
    assert_eq!(tags.orientation(), Some(6), "{}", tags.dump());
    assert!(!tags.has("GPS", "GPSLatitude"));
}

#[test]
fn items_in_idat_and_iloc_v2_are_rewritten() {
    // ExifTool cannot read EXIF stored in idat: photoscrub's own re-scan
    // is the check there, plus the byte search and heif-convert.
    for name in ["exif-idat.heic", "iloc-v2.heic", "multi-extent.heic"] {
        let (_tmp, output, report) = clean_fixture(name, 0);
        let file = report.file(name);
        assert!(
            has_finding(file, "EXIF GPS", "GPSLatitude"),
            "{name}: the EXIF item was not read\n{}",
            list_findings(file)
        );
        assert!(has_finding(file, "XMP", "photoshop:City"), "{name}");
        let rescan = photoscrub_core::scan(&read(&output)).unwrap();
        assert!(
            rescan
                .findings
                .iter()
                .all(|f| f.category == Category::Rendering),
            "{name}: {rescan:?}"
        );
        assert!(
            rescan
                .findings
                .iter()
                .any(|f| f.tag == "Orientation" && f.value.contains("row 0 at right")),
            "{name}: Orientation 6 lost: {rescan:?}"
        );
    }
}

#[test]
fn grid_keeps_rotation_and_mirror_properties() {
    let (_tmp, output, report) = clean_fixture("grid.heic", 0);
    let file = report.file("grid.heic");
    for tag in ["Rotation", "Mirror"] {
        let f = findings_where(file, |f| f["block"] == "HEIF properties" && f["tag"] == tag);
        assert!(
            !f.is_empty() && f.iter().all(|f| f["removed"] == false),
            "{tag} must be reported and kept\n{}",
            list_findings(file)
        );
    }
    let out = read(&output);
    assert!(contains(&out, b"irot") && contains(&out, b"imir"));
}

#[test]
fn thumbnail_is_reported_as_a_preview_and_removed_but_alpha_kept() {
    let (_tmp, output, report) = clean_fixture("alpha-thumb.heic", 0);
    let file = report.file("alpha-thumb.heic");
    let previews = findings_where(file, |f| {
        f["category"] == "preview" && f["block"].as_str().unwrap().starts_with("HEIF item")
    });
    assert!(
        previews.len() == 1
            && previews[0]["tag"] == "ThumbnailImage"
            && previews[0]["removed"] == true,
        "one thumbnail, reported once and removed\n{}",
        list_findings(file)
    );
    let info = Command::new("heif-info").arg(&output).output().unwrap();
    let info = String::from_utf8_lossy(&info.stdout);
    assert!(info.contains("alpha channel: yes"), "{info}");
    assert!(!info.contains("thumbnail:"), "{info}");
}

#[test]
fn motion_photo_box_and_vendor_boxes_are_removed() {
    let (_tmp, output, report) = clean_fixture("motion-mpvd.heic", 0);
    let file = report.file("motion-mpvd.heic");
    for (block, tag) in [
        ("HEIF mpvd", "MotionPhotoVideo"),
        ("HEIF box", "sefd"),
        ("HEIF free", "LeftoverData"),
    ] {
        assert!(
            has_finding(file, block, tag),
            "{block} {tag}\n{}",
            list_findings(file)
        );
    }
    let out = read(&output);
    assert!(!contains(&out, b"mpvd") && !contains(&out, b"sefd"));
    assert!(
        !contains(&out, b"\xa9xyz"),
        "the video's location box is still there"
    );
}

#[test]
fn motion_photo_trailer_is_dropped() {
    let original = read(&heif_fixture("motion-trailer.heic"));
    let base = read(&heif_fixture("exif-xmp.heic"));
    let trailer = original.len() - base.len();
    let (_tmp, output, report) = clean_fixture("motion-trailer.heic", trailer);
    let file = report.file("motion-trailer.heic");
    let t = findings_where(file, |f| f["block"] == "trailer");
    assert!(
        t.len() == 1 && t[0]["category"] == "preview" && t[0]["removed"] == true,
        "{}",
        list_findings(file)
    );
    let out = read(&output);
    assert!(out.len() <= base.len());
    assert!(!contains(&out, b"mp42") && !contains(&out, b"moov"));
}

#[test]
fn other_items_and_properties_are_reported_and_removed() {
    let (_tmp, output, report) = clean_fixture("other-items.heic", 0);
    let file = report.file("other-items.heic");
    let items = findings_where(file, |f| f["tag"] == "MetadataItem");
    assert_eq!(
        items.len(),
        3,
        "json, uri and unknown items\n{}",
        list_findings(file)
    );
    assert!(items
        .iter()
        .any(|f| f["value"].as_str().unwrap().contains("application/json")));
    for (block, tag) in [
        ("IPTC", "City"),
        ("IPTC", "By-line"),
        ("HEIF properties", "udes"),
        ("HEIF properties", "crtt"),
    ] {
        assert!(
            has_finding(file, block, tag),
            "{block} {tag}\n{}",
            list_findings(file)
        );
    }
    let out = read(&output);
    assert!(!contains(&out, b"udes") && !contains(&out, b"crtt"));
}

#[test]
fn check_reports_a_leak_in_every_fixture() {
    let tmp = tempfile::tempdir().unwrap();
    for name in VALID {
        copy_fixture(&format!("heif/{name}"), tmp.path());
    }
    copy_fixture("heif/clean.heic", tmp.path());
    let report = run_json(args!["check", "--json", tmp.path()]);
    report.assert_code(1);
    for name in VALID {
        assert_eq!(
            report.status(name),
            "leaks",
            "{name}\n{}",
            report.describe()
        );
    }
    assert_eq!(report.status("clean.heic"), "already-clean");
    assert!(!tmp.path().join("cleaned").exists(), "check wrote files");
}

#[test]
fn a_cleaned_heic_is_already_clean_and_copied_unchanged() {
    // clean.heic has nothing to report, but libheif wrote it: its structure
    // is written anew (photoscrub's own box layout), once.
    let (tmp, _input, output, report) = clean_cli("clean.heic", &[]);
    report.assert_code(0);
    assert!(findings(report.file("clean.heic")).is_empty());
    assert_heif_clean(&heif_fixture("clean.heic"), &output, 0);
    let again = tmp.path().join("again");
    let report = run_json(args!["clean", "--json", "--out", again, output]);
    report.assert_code(0);
    assert_eq!(
        report.status("clean.heic"),
        "already-clean",
        "{}",
        report.describe()
    );
    assert_eq!(read(&again.join("clean.heic")), read(&output));
}

#[test]
fn keep_location_keeps_gps_but_not_the_rest() {
    let (_tmp, _input, output, report) = clean_cli("exif-xmp.heic", &["--keep", "location"]);
    report.assert_code(0);
    let tags = exiftool(&output);
    assert!(tags.has("GPS", "GPSLatitude"), "{}", tags.dump());
    for (group, name) in [
        ("IFD0", "Make"),
        ("IFD0", "Artist"),
        ("ExifIFD", "SerialNumber"),
    ] {
        assert!(
            !tags.has(group, name),
            "{group}:{name} left\n{}",
            tags.dump()
        );
    }
    // The XMP item also names a person: only its location is kept.
    let xmp = tags.find(|t| t.family1.starts_with("XMP-"));
    assert!(
        xmp.iter()
            .all(|t| ["XMP-photoshop", "XMP-exif", "XMP-iptcCore", "XMP-x"]
                .contains(&t.family1.as_str())),
        "{}",
        tags.dump()
    );
    assert!(!tags.has("XMP-dc", "Creator"), "{}", tags.dump());
    assert_eq!(tags.orientation(), Some(6));
}

#[test]
fn damaged_files_fail_with_a_clear_error_and_no_output() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let in_dir = tmp.path().join("in");
    for (name, _, _) in BAD {
        copy_fixture(&format!("heif/{name}"), &in_dir);
    }
    let out_dir = tmp.path().join("out");
    let report = run_json(args!["clean", "--json", "--out", out_dir, in_dir]);
    report.assert_code(3);
    for (name, status, message) in BAD {
        let file = report.file(name);
        assert_eq!(file["status"], *status, "{name}\n{}", report.describe());
        assert!(file["output"].is_null(), "{name}: {file}");
        let error = file["error"].as_str().unwrap_or_default();
        assert!(
            error.contains(message),
            "{name}: error {error:?} should say {message:?}"
        );
        assert!(
            !out_dir.join(name).exists(),
            "{name}: an output was written"
        );
    }
}

#[test]
fn library_scrub_and_stdin_agree() {
    let bytes = read(&heif_fixture("other-items.heic"));
    let scrubbed = photoscrub_core::scrub(&bytes, &Policy::default()).unwrap();
    assert!(scrubbed.bytes.len() <= bytes.len());
    assert!(scrubbed.removed_anything());
    let loc = scrubbed
        .scan
        .valid_location()
        .expect("the input's GPS is reported");
    assert!((loc.lat - 52.3702).abs() < 1e-4);
    let rescan = photoscrub_core::scan(&scrubbed.bytes).unwrap();
    assert!(rescan.locations.is_empty() && !rescan.has_any(|c| c != Category::Rendering));
    let run = run_stdin(["clean", "-"], &bytes);
    run.assert_code(0);
    assert_eq!(
        run.stdout, scrubbed.bytes,
        "stdin→stdout gives the library's bytes"
    );
}

#[test]
fn truncated_copies_fail_and_never_panic() {
    let bytes = read(&heif_fixture("exif-xmp.heic"));
    for len in 0..bytes.len() {
        let cut = &bytes[..len];
        let _ = photoscrub_core::scan(cut);
        assert!(
            photoscrub_core::scrub(cut, &Policy::default()).is_err(),
            "a copy cut at byte {len} was cleaned"
        );
    }
}

#[test]
fn random_corruptions_never_panic() {
    // A fixed-seed xorshift: the same corruptions on every run.
    let mut state = 0x9E37_79B9u32;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        state as usize
    };
    for name in VALID {
        let bytes = read(&heif_fixture(name));
        for _ in 0..1000 {
            let mut bad = bytes.clone();
            for _ in 0..1 + next() % 4 {
                let at = next() % bad.len();
                bad[at] = next() as u8;
            }
            if let Ok(s) = photoscrub_core::scrub(&bad, &Policy::default()) {
                assert!(s.bytes.len() <= bad.len(), "{name}: the output grew");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// The real corpus
// ---------------------------------------------------------------------------

fn corpus_files(exts: &[&str]) -> Vec<PathBuf> {
    let files: Vec<PathBuf> = files_under(&corpus_dir())
        .into_iter()
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| exts.iter().any(|x| x.eq_ignore_ascii_case(e)))
        })
        .collect();
    assert!(!files.is_empty(), "no {exts:?} files in the corpus");
    files
}

#[test]
fn corpus_heif_files_are_cleaned_with_nothing_identifying_left() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let in_dir = tmp.path().join("in");
    let files = corpus_files(&["heic", "heif", "hif", "avif"]);
    for f in &files {
        copy_fixture_to_path(f, &in_dir.join(f.file_name().unwrap()));
    }
    let out_dir = tmp.path().join("out");
    let report = run_json(args!["clean", "--json", "--out", out_dir, in_dir]);
    report.assert_code(0);
    let mut bad = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        if report.status(&name) != "cleaned" {
            bad.push(format!("{name}: {}", report.file(&name)));
            continue;
        }
        let original = in_dir.join(&name);
        let output = out_dir.join(&name);
        // Pixels are compared for the smaller pictures (the 200 MP ones
        // take minutes to decode); the image data of all of them is
        // compared byte for byte by photoscrub's own verification.
        let pixels = read(&original).len() < 1_000_000;
        let violations = heif_violations(&original, &output, 0, pixels);
        let real: Vec<&String> = violations
            .iter()
            .filter(|v| !v.starts_with("the string") && !v.starts_with("ExifTool on"))
            .collect();
        if !real.is_empty() {
            bad.push(format!(
                "{name}:\n    {}",
                real.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join("\n    ")
            ));
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

fn copy_fixture_to_path(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst.parent().unwrap()).unwrap();
    std::fs::copy(src, dst).unwrap_or_else(|e| panic!("cannot copy {}: {e}", src.display()));
}

#[test]
fn cr3_scan_reports_location_serials_maker_notes_and_previews() {
    let path = corpus_dir().join("derived__Canon_M50_gps.cr3");
    let bytes = read(&path);
    assert!(photoscrub_core::container::heif::is_cr3(&bytes));
    let scan = photoscrub_core::container::heif::scan_cr3(&bytes).unwrap();
    let loc = scan.valid_location().expect("CMT4 GPS is decoded");
    assert!((loc.lat - 37.786).abs() < 1e-2, "{loc:?}");
    assert!((loc.lon + 122.391).abs() < 1e-2, "{loc:?}");
    let has = |tag: &str, category: Category| {
        scan.findings
            .iter()
            .any(|f| f.tag == tag && f.category == category)
    };
    assert!(has("Make", Category::Device), "{scan:?}");
    assert!(has("BodySerialNumber", Category::Device), "{scan:?}");
    assert!(has("MakerNote", Category::Device), "{scan:?}");
    assert!(has("GPSLatitude", Category::Location), "{scan:?}");
    assert!(has("PreviewImage", Category::Preview), "{scan:?}");
    assert!(has("ThumbnailImage", Category::Preview), "{scan:?}");
    let exif_ifd = scan
        .findings
        .iter()
        .find(|f| f.tag == "BodySerialNumber")
        .unwrap();
    assert_eq!(exif_ifd.block, "EXIF ExifIFD");
    // A CR3 without GPS has no location.
    let plain = read(&corpus_dir().join("exiftool+exiftool__t_images_CanonRaw.cr3"));
    let scan = photoscrub_core::container::heif::scan_cr3(&plain).unwrap();
    assert!(scan.valid_location().is_none(), "{:?}", scan.locations);
}
