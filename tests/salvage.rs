//! Damaged photos and videos are cleaned where that is safe, and reported
//! in full where it is not (issue 14): a damaged EXIF block is dropped
//! whole, a cut MPF image or stray bytes are dropped, a photo or video cut
//! short is cleaned as it is, and a file that cannot be cleaned still
//! shows what it would tell. The fixtures are made by
//! `fixtures/make-salvage.py`; each output is judged by ExifTool (nothing
//! left), the `image` crate and ImageMagick (same pixels), ffprobe and
//! ffmpeg (same video packets).

mod common;

use common::*;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn salvage(name: &str) -> String {
    format!("salvage/{name}")
}

/// `clean --json --out` on one fixture: the report and the cleaned file.
fn clean_one(rel: &str, dir: &Path) -> (Report, PathBuf) {
    let input = copy_fixture(rel, &dir.join("in"));
    let out = dir.join("out");
    let report = run_json(args!["clean", "--json", "--out", out, input]);
    let name = input.file_name().unwrap().to_owned();
    (report, out.join(name))
}

fn name_of(rel: &str) -> &str {
    rel.rsplit('/').next().unwrap()
}

fn damage(file: &Value) -> String {
    file["damage"]
        .as_array()
        .map(|d| {
            d.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .unwrap_or_default()
}

/// The reported location must be where ExifTool reads the GPS of `input`.
#[track_caller]
fn assert_location_as_exiftool_reads_it(file: &Value, input: &Path) {
    let tags = exiftool(input);
    let (lat, lon) = (
        tags.get("GPS", "GPSLatitude").and_then(Value::as_f64),
        tags.get("GPS", "GPSLongitude").and_then(Value::as_f64),
    );
    let (Some(lat), Some(lon)) = (lat, lon) else {
        panic!(
            "ExifTool reads no GPS in {}:\n{}",
            input.display(),
            tags.dump()
        );
    };
    let loc = &file["location"];
    let near = |v: &Value, want: f64| {
        v.as_f64()
            .is_some_and(|v| (v.abs() - want.abs()).abs() < 1e-4)
    };
    assert!(
        near(&loc["lat"], lat) && near(&loc["lon"], lon),
        "photoscrub reports {loc}, ExifTool reads {lat}, {lon}\n{file}"
    );
}

/// ImageMagick's decoding of `path` as raw RGB, or why it gave none.
fn magick_rgb(path: &Path) -> Result<Vec<u8>, String> {
    let out = Command::new("convert")
        .arg(path)
        .args(["-depth", "8", "rgb:-"])
        .output()
        .map_err(|e| {
            format!("ImageMagick's convert does not run ({e}): apt-get install imagemagick")
        })?;
    if out.stdout.is_empty() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(out.stdout)
}

/// Same pixels in both files, by the `image` crate and by ImageMagick,
/// wherever the original decodes.
#[track_caller]
fn assert_same_pixels_where_decodable(original: &Path, cleaned: &Path) {
    if let Ok(before) = decode(original) {
        let after =
            decode(cleaned).unwrap_or_else(|e| panic!("the cleaned file does not decode: {e}"));
        assert!(
            before == after,
            "the image crate sees other pixels in {}",
            cleaned.display()
        );
    }
    let before = magick_rgb(original).expect("ImageMagick decodes the original");
    let after = magick_rgb(cleaned).expect("ImageMagick decodes the cleaned file");
    assert!(
        before == after,
        "ImageMagick sees other pixels in {}",
        cleaned.display()
    );
}

#[test]
fn damaged_exif_blocks_are_dropped_whole_and_the_photo_cleaned() {
    require_exiftool();
    let cases = [
        (salvage("exif-invalid-pointer.jpg"), true),
        (salvage("exif-truncated-ifd-count.jpg"), true),
        (salvage("exif-garbage-next-ifd.jpg"), true),
        (salvage("makernote-past-block.jpg"), true),
        ("jpeg/exif-bad-offset.jpg".to_string(), false),
    ];
    for (rel, has_gps) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let (report, output) = clean_one(&rel, tmp.path());
        report.assert_code(0);
        let file = report.file(name_of(&rel));
        assert_eq!(file["status"], "cleaned", "{rel}\n{}", report.describe());
        let said = damage(file);
        assert!(
            said.contains("EXIF block is damaged") && said.contains("removed whole"),
            "{rel}: {said}"
        );
        assert!(
            findings(file)
                .iter()
                .any(|f| f["tag"] == "DamagedBlock" && f["removed"] == true),
            "{rel}\n{}",
            list_findings(file)
        );
        let input = fixture(&rel);
        // ExifTool: nothing but the allowlist left, the same Orientation
        // (read leniently from the damaged block), the same pixels.
        assert_default_clean(&input, &output);
        assert_same_pixels_where_decodable(&input, &output);
        if has_gps {
            assert_location_as_exiftool_reads_it(file, &input);
        }
    }
}

#[test]
fn the_orientation_of_a_damaged_block_is_kept_or_said_to_be_lost() {
    let tmp = tempfile::tempdir().unwrap();
    let (report, output) = clean_one(&salvage("exif-invalid-pointer.jpg"), tmp.path());
    let file = report.file("exif-invalid-pointer.jpg");
    assert!(
        damage(file).contains("Orientation (6) was kept"),
        "{}",
        damage(file)
    );
    assert_eq!(exiftool(&output).orientation(), Some(6));
}

#[test]
fn a_cut_gain_map_is_dropped_and_the_photo_cleaned() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let rel = salvage("mpf-gain-map-cut.jpg");
    let (report, output) = clean_one(&rel, tmp.path());
    report.assert_code(0);
    let file = report.file("mpf-gain-map-cut.jpg");
    assert_eq!(file["status"], "cleaned", "{}", report.describe());
    assert!(
        damage(file).contains("MPF image 2 is cut short"),
        "{}",
        damage(file)
    );
    // What the cut image still says is reported, and removed with it.
    let second: Vec<&Value> = findings(file)
        .into_iter()
        .filter(|f| {
            f["block"]
                .as_str()
                .is_some_and(|b| b.starts_with("MPF image 2"))
        })
        .collect();
    assert!(
        second.iter().any(|f| f["tag"] == "GPSLatitude"),
        "{}",
        list_findings(file)
    );
    assert!(
        second.iter().all(|f| f["removed"] == true),
        "{}",
        list_findings(file)
    );
    assert_default_clean(&fixture(&rel), &output);
    assert_same_pixels_where_decodable(&fixture(&rel), &output);
}

#[test]
fn stray_bytes_between_segments_are_dropped() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let (report, output) = clean_one(&salvage("stray-bytes.jpg"), tmp.path());
    report.assert_code(0);
    let file = report.file("stray-bytes.jpg");
    assert_eq!(file["status"], "cleaned", "{}", report.describe());
    assert!(
        findings(file).iter().any(|f| f["tag"] == "StrayBytes"),
        "{}",
        list_findings(file)
    );
    assert_default_clean(&fixture(&salvage("stray-bytes.jpg")), &output);
    // The garbage and the fill go, nothing else: the same file as the
    // cleaned sample it was made from.
    let (_, from_sample) = clean_one(
        "samples/IMG_20240914_093012.jpg",
        &tmp.path().join("sample"),
    );
    assert!(
        read(&output) == read(&from_sample),
        "stray bytes changed the cleaned file"
    );
}

#[test]
fn a_photo_cut_short_is_cleaned_exactly_as_incomplete() {
    require_exiftool();
    for rel in [salvage("no-eoi.jpg"), "jpeg/truncated.jpg".to_string()] {
        let tmp = tempfile::tempdir().unwrap();
        let (report, output) = clean_one(&rel, tmp.path());
        report.assert_code(0);
        let file = report.file(name_of(&rel));
        assert_eq!(file["status"], "cleaned", "{rel}\n{}", report.describe());
        assert!(
            damage(file).contains("the photo is incomplete"),
            "{rel}: {}",
            damage(file)
        );
        let (input, cleaned) = (read(&fixture(&rel)), read(&output));
        let bad = allowlist_violations(&exiftool(&output));
        assert!(bad.is_empty(), "{rel}: {bad:?}");
        let left = secrets_left(&input, &cleaned, SECRETS);
        assert!(left.is_empty(), "{rel}: {left:?}");
        // The scan data is copied unchanged to the very end: no EOI added.
        let tail = 1024;
        assert!(
            cleaned.ends_with(&input[input.len() - tail..]),
            "{rel}: the end of the image data changed"
        );
        assert!(
            !cleaned.ends_with(&[0xFF, 0xD9]),
            "{rel}: an EOI was invented"
        );
        assert_same_pixels_where_decodable(&fixture(&rel), &output);
    }
}

#[test]
fn check_reports_the_gps_of_a_photo_cut_short() {
    require_exiftool();
    let input = fixture(&salvage("no-eoi.jpg"));
    let report = run_json(args!["check", "--json", input]);
    report.assert_code(1);
    let file = report.file("no-eoi.jpg");
    assert_eq!(file["status"], "leaks", "{}", report.describe());
    assert!(damage(file).contains("incomplete"), "{}", damage(file));
    assert_location_as_exiftool_reads_it(file, &input);
    assert_eq!(report.summary["with_location"], 1, "{}", report.summary);
}

/// Cut inside its EXIF block, before any image data: nothing can be
/// cleaned, but `check` and `clean` still show its GPS, and the summary
/// counts it.
#[test]
fn a_photo_cut_in_its_metadata_fails_but_still_shows_its_gps() {
    let input = fixture(&salvage("cut-in-exif.jpg"));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let checked = run_json(args!["check", "--json", input]);
    let cleaned = run_json(args!["clean", "--json", "--out", out, input]);
    for report in [&checked, &cleaned] {
        report.assert_code(3);
        let file = report.file("cut-in-exif.jpg");
        assert_eq!(file["status"], "failed", "{}", report.describe());
        assert!(
            damage(file).contains("before its image data begins"),
            "{}",
            damage(file)
        );
        let loc = &file["location"];
        assert!(
            (loc["lat"].as_f64().unwrap() - 52.3808).abs() < 1e-4,
            "{file}"
        );
        assert!(
            (loc["lon"].as_f64().unwrap() - 4.6368).abs() < 1e-4,
            "{file}"
        );
        assert!(
            findings(file).iter().all(|f| f["removed"] == false),
            "nothing was removed: {file}"
        );
        assert_eq!(report.summary["with_location"], 1, "{}", report.summary);
    }
    assert!(files_under(&out).is_empty(), "an output was written");
    let human = run(args!["check", input]);
    assert!(
        human.text().contains("52.380800, 4.636800"),
        "{}",
        human.describe()
    );
    assert!(
        human.text().contains("still in the file"),
        "{}",
        human.describe()
    );
}

#[test]
fn a_camera_raw_refused_by_clean_still_shows_its_gps() {
    let tmp = tempfile::tempdir().unwrap();
    let (report, output) = clean_one("tiff/tiny.dng", tmp.path());
    report.assert_code(3);
    let file = report.file("tiny.dng");
    assert_eq!(file["status"], "refused", "{}", report.describe());
    assert!(
        (file["location"]["lat"].as_f64().unwrap() - 52.3702).abs() < 1e-4,
        "{file}"
    );
    assert!(
        findings(file).iter().any(|f| f["tag"] == "Make"),
        "{}",
        list_findings(file)
    );
    assert_eq!(report.summary["with_location"], 1, "{}", report.summary);
    assert!(!output.exists());
}

/// The streams ffprobe finds: codec, size and frame count of each.
fn ffprobe_streams(path: &Path) -> String {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=index,codec_name,width,height,nb_frames,sample_rate",
        ])
        .args(["-of", "compact"])
        .arg(path)
        .output()
        .expect("ffprobe is required: apt-get install ffmpeg");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_video_cut_short_has_its_metadata_patched() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let rel = salvage("video-cut.mov");
    let (report, output) = clean_one(&rel, tmp.path());
    report.assert_code(0);
    let file = report.file("video-cut.mov");
    assert_eq!(file["status"], "cleaned", "{}", report.describe());
    assert!(
        damage(file).contains("the video is incomplete"),
        "{}",
        damage(file)
    );
    assert!(
        (file["location"]["lat"].as_f64().unwrap() - 52.3702).abs() < 1e-4,
        "{file}"
    );
    let input = fixture(&rel);
    assert_eq!(
        read(&input).len(),
        read(&output).len(),
        "patched, same length"
    );
    let streams = ffprobe_streams(&input);
    assert!(
        streams.contains("h264"),
        "ffprobe reads the input: {streams}"
    );
    assert_eq!(ffprobe_streams(&output), streams);
    let md5 = stream_md5(&input);
    assert!(md5.starts_with("MD5="), "ffmpeg hashes the input: {md5}");
    assert_eq!(
        stream_md5(&output),
        md5,
        "the packets that are there are unchanged"
    );
    let tags = exiftool(&output);
    let left: Vec<String> = tags
        .find(|t| {
            [
                "GPS", "ISO6709", "Location", "Make", "Model", "Software", "Author",
            ]
            .iter()
            .any(|w| t.name.contains(w))
        })
        .iter()
        .filter(|t| t.value.as_str() != Some(""))
        .map(|t| format!("{} = {}", t.key, t.value))
        .collect();
    assert!(left.is_empty(), "ExifTool still finds {left:?}");
}
