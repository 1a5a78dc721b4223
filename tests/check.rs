//! `check`: the JSON Lines report, decoded locations, the human report and
//! the exit codes.

mod common;

use common::*;
use serde_json::Value;
use std::path::PathBuf;

const CATEGORIES: &[&str] = &[
    "location",
    "people",
    "device",
    "time",
    "preview",
    "text",
    "unknown",
    "rendering",
];

/// `check --json` on one fixture (read in place: check writes nothing).
fn check_one(name: &str) -> Report {
    let path = fixture(&format!("jpeg/{name}"));
    run_json(args!["check", "--json", path])
}

fn close(a: &Value, b: f64, tolerance: f64) -> bool {
    a.as_f64().is_some_and(|a| (a - b).abs() <= tolerance)
}

/// Every line parses; every file object has the contract's fields with the
/// right types; the last object is the summary, which counts the files.
#[test]
fn json_report_has_the_contract_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("jpeg");
    for name in VALID_JPEGS.iter().chain(BAD_JPEGS) {
        copy_fixture(&format!("jpeg/{name}"), &dir);
    }
    copy_fixture("jpeg/notes.txt", &dir);
    let before = files_under(tmp.path());
    let report = run_json(args!["check", "--json", dir]);
    report.assert_code(3);
    assert_eq!(
        report.files.len(),
        VALID_JPEGS.len() + BAD_JPEGS.len(),
        "{}",
        report.describe()
    );
    for f in &report.files {
        let ctx = format!("in file object {f}");
        for key in [
            "path", "format", "status", "output", "findings", "location", "error",
        ] {
            assert!(f.get(key).is_some(), "missing field {key:?} {ctx}");
        }
        assert!(f["path"].is_string(), "path {ctx}");
        assert!(
            f["format"].is_string() || f["format"].is_null(),
            "format {ctx}"
        );
        let status = f["status"]
            .as_str()
            .unwrap_or_else(|| panic!("status is not a string {ctx}"));
        assert!(
            ["already-clean", "leaks", "refused", "failed", "cleaned"].contains(&status),
            "unknown status {status:?} {ctx}"
        );
        assert!(
            f["output"].is_null(),
            "check writes nothing, so output is null {ctx}"
        );
        assert!(
            f["error"].is_string() || f["error"].is_null(),
            "error {ctx}"
        );
        assert_eq!(f["schema"], 1, "every line says its schema version {ctx}");
        // A refused or failed file says why, as a kind a program can match.
        let kind = f["error_kind"].as_str();
        match status {
            "refused" => assert_eq!(kind, Some("unsupported"), "{ctx}"),
            "failed" => assert!(
                matches!(kind, Some("damaged" | "unverified" | "io")),
                "error_kind {kind:?} {ctx}"
            ),
            _ => assert!(f["error_kind"].is_null(), "{ctx}"),
        }
        assert!(
            f["location"].is_object() || f["location"].is_null(),
            "location {ctx}"
        );
        for finding in findings(f) {
            let category = finding["category"]
                .as_str()
                .unwrap_or_else(|| panic!("category {finding} {ctx}"));
            assert!(
                CATEGORIES.contains(&category),
                "unknown category {category:?} {ctx}"
            );
            assert!(finding["block"].is_string(), "block {finding}");
            assert!(finding["tag"].is_string(), "tag {finding}");
            assert!(finding["value"].is_string(), "value {finding}");
            assert!(finding["removed"].is_boolean(), "removed {finding}");
        }
        if let Some(loc) = f["location"].as_object() {
            for key in ["lat", "lon", "alt", "source"] {
                assert!(loc.contains_key(key), "location lacks {key:?} {ctx}");
            }
        }
    }
    for name in VALID_JPEGS {
        let f = report.file(name);
        assert_eq!(f["format"], "jpeg", "{name}");
        assert!(f["error"].is_null(), "{name}: {}", f["error"]);
        // check says "already-clean" when nothing would leak, even where
        // clean would rewrite a block into its rebuilt form.
        let expected = if ALREADY_CLEAN_JPEGS.contains(name) || *name == "orientation-only.jpg" {
            "already-clean"
        } else {
            "leaks"
        };
        assert_eq!(f["status"], expected, "{name}\n{}", list_findings(f));
    }
    let s = &report.summary;
    assert_eq!(s["schema"], 1, "summary schema: {s}");
    assert_eq!(s["files"], report.files.len(), "summary files: {s}");
    assert_eq!(s["failed"], BAD_JPEGS.len(), "summary failed: {s}");
    assert_eq!(s["skipped"], 1, "notes.txt is skipped: {s}");
    assert_eq!(
        s["already_clean"],
        ALREADY_CLEAN_JPEGS.len() + 1,
        "summary already_clean: {s}"
    );
    assert_eq!(
        files_under(tmp.path()),
        before,
        "check must not write any file"
    );
}

#[test]
fn full_location_is_amsterdam() {
    let report = check_one("full.jpg");
    report.assert_code(1);
    let loc = &report.file("full.jpg")["location"];
    assert!(close(&loc["lat"], 52.3702, 1e-4), "lat: {loc}");
    assert!(close(&loc["lon"], 4.8952, 1e-4), "lon: {loc}");
    assert!(close(&loc["alt"], 12.5, 0.01), "alt: {loc}");
    assert!(
        loc["invalid"].is_null(),
        "a real place is not invalid: {loc}"
    );
}

#[test]
fn south_latitude_is_negative() {
    let report = check_one("gps-south-west.jpg");
    let loc = &report.file("gps-south-west.jpg")["location"];
    assert!(close(&loc["lat"], -33.8688, 1e-4), "lat: {loc}");
    assert!(close(&loc["lon"], 151.2093, 1e-4), "lon: {loc}");
}

#[test]
fn west_longitude_is_negative() {
    let report = check_one("gps-west.jpg");
    let loc = &report.file("gps-west.jpg")["location"];
    assert!(close(&loc["lat"], 40.7128, 1e-4), "lat: {loc}");
    assert!(close(&loc["lon"], -74.006, 1e-4), "lon: {loc}");
}

#[test]
fn zero_zero_is_an_invalid_location() {
    let report = check_one("gps-zero.jpg");
    report.assert_code(1);
    let f = report.file("gps-zero.jpg");
    let loc = &f["location"];
    assert!(loc.is_object(), "GPS 0,0 is still reported: {f}");
    assert!(
        loc["invalid"].is_string(),
        "0,0 must be flagged invalid: {loc}"
    );
    assert_eq!(report.summary["with_location"], 0, "{}", report.summary);
}

#[test]
fn zero_denominator_is_an_invalid_location() {
    let report = check_one("gps-bad-rational.jpg");
    report.assert_code(1);
    let f = report.file("gps-bad-rational.jpg");
    let loc = &f["location"];
    assert!(loc.is_object(), "a broken GPS is still reported: {f}");
    assert!(
        loc["invalid"].is_string(),
        "a zero-denominator latitude must be flagged invalid: {loc}"
    );
    assert!(
        findings(f)
            .iter()
            .any(|x| x["category"] == "location" && x["removed"] == true),
        "the broken GPS is still a location finding that would be removed\n{}",
        list_findings(f)
    );
}

#[test]
fn mpf_second_image_is_a_preview_with_its_own_location() {
    let report = check_one("mpf.jpg");
    report.assert_code(1);
    let f = report.file("mpf.jpg");
    let list = list_findings(f);
    let all = findings(f);
    assert!(
        all.iter()
            .any(|x| x["category"] == "preview" && x["tag"] == "MPImage2"),
        "no preview finding for MPImage2\n{list}"
    );
    let second_loc: Vec<_> = all
        .iter()
        .filter(|x| {
            x["category"] == "location"
                && x["block"]
                    .as_str()
                    .is_some_and(|b| b.starts_with("MPF image 2"))
        })
        .collect();
    assert!(
        !second_loc.is_empty(),
        "no location finding from the second image's EXIF\n{list}"
    );
    assert!(
        second_loc.iter().any(|x| x["tag"] == "GPSLatitude"),
        "the second image's GPSLatitude is not reported\n{list}"
    );
    assert!(
        all.iter()
            .any(|x| x["category"] == "device" && x["value"] == "Pixel 7"),
        "the second image's Model is not reported\n{list}"
    );
    // The primary's own location is Paris.
    let loc = &f["location"];
    assert!(
        close(&loc["lat"], 48.8566, 1e-4) && close(&loc["lon"], 2.3522, 1e-4),
        "{loc}"
    );
}

#[test]
fn full_findings_cover_every_category() {
    let report = check_one("full.jpg");
    let f = report.file("full.jpg");
    let list = list_findings(f);
    let has = |category: &str, tag: &str| {
        findings(f)
            .iter()
            .any(|x| x["category"] == category && x["tag"] == tag)
    };
    for (category, tag) in [
        ("location", "GPSLatitude"),
        ("location", "GPSLongitude"),
        ("people", "Artist"),
        ("device", "Make"),
        ("device", "Model"),
        ("device", "MakerNote"),
        ("time", "DateTimeOriginal"),
        ("preview", "ThumbnailImage"),
        ("text", "Comment"),
        ("text", "UserComment"),
        ("rendering", "Orientation"),
    ] {
        assert!(
            has(category, tag),
            "no {category} finding for {tag}\n{list}"
        );
    }
    for x in findings(f) {
        let expected = x["category"] != "rendering";
        assert_eq!(
            x["removed"], expected,
            "check's removed flag follows the default policy: {x}"
        );
    }
}

/// XMP and IPTC findings (src/metadata/xmp.rs, iptc.rs).
#[test]
fn full_xmp_and_iptc_findings() {
    let report = check_one("full.jpg");
    let f = report.file("full.jpg");
    let list = list_findings(f);
    let any = |block: &str, category: &str, value: &str| {
        findings(f).iter().any(|x| {
            x["block"].as_str().is_some_and(|b| b.contains(block))
                && x["category"] == category
                && x["value"].as_str().is_some_and(|v| v.contains(value))
        })
    };
    assert!(
        any("XMP", "location", "Haarlem"),
        "XMP photoshop:City=Haarlem not reported\n{list}"
    );
    assert!(
        any("XMP", "location", "Oak Street School"),
        "XMP Iptc4xmpCore:Location not reported\n{list}"
    );
    assert!(
        any("XMP", "people", "Jane Parent"),
        "XMP dc:creator not reported\n{list}"
    );
    assert!(
        any("XMP", "people", "Emma"),
        "XMP face region name not reported\n{list}"
    );
    assert!(
        any("IPTC", "location", "Haarlem"),
        "IPTC City not reported\n{list}"
    );
    assert!(
        any("IPTC", "location", "Oak Street School"),
        "IPTC Sub-location not reported\n{list}"
    );
    assert!(
        any("IPTC", "people", "Jane Parent"),
        "IPTC By-line not reported\n{list}"
    );
}

#[test]
fn extended_xmp_and_photoshop_thumb_findings() {
    let report = check_one("extended-xmp.jpg");
    let f = report.file("extended-xmp.jpg");
    assert_eq!(f["status"], "leaks", "{}", list_findings(f));
    assert!(
        findings(f)
            .iter()
            .any(|x| x["category"] == "location" && x["value"] == "Leiden"),
        "photoshop:City=Leiden not reported\n{}",
        list_findings(f)
    );
    let report = check_one("photoshop-thumb.jpg");
    let f = report.file("photoshop-thumb.jpg");
    assert_eq!(f["status"], "leaks", "{}", list_findings(f));
    assert!(
        findings(f)
            .iter()
            .any(|x| x["category"] == "location" && x["value"] == "Utrecht"),
        "IPTC City=Utrecht not reported\n{}",
        list_findings(f)
    );
    assert!(
        findings(f).iter().any(|x| x["category"] == "preview"),
        "the Photoshop thumbnail is not reported as a preview\n{}",
        list_findings(f)
    );
}

#[test]
fn trailers_are_reported_as_previews() {
    for name in ["motion.jpg", "trailer.jpg"] {
        let report = check_one(name);
        report.assert_code(1);
        let f = report.file(name);
        assert!(
            findings(f)
                .iter()
                .any(|x| x["category"] == "preview" && x["removed"] == true),
            "{name}: the data after the image is not a preview finding\n{}",
            list_findings(f)
        );
    }
}

#[test]
fn human_report_on_samples_shows_places() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("samples");
    std::fs::create_dir_all(&dir).unwrap();
    for entry in std::fs::read_dir(fixture("samples")).unwrap() {
        let p: PathBuf = entry.unwrap().path();
        if p.is_file() {
            std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
        }
    }
    let run = run(args!["check", dir]);
    run.assert_code(1);
    let text = run.text();
    assert!(
        text.contains("showed where they were taken"),
        "{}",
        run.describe()
    );
    assert!(text.contains("openstreetmap.org"), "{}", run.describe());
    assert!(text.contains("mlat=52.38"), "{}", run.describe());
    assert!(
        !dir.join("cleaned").exists(),
        "check must not write a cleaned/ folder"
    );
}

#[test]
fn samples_json_locations() {
    let report = run_json(args!["check", "--json", fixture("samples")]);
    report.assert_code(1);
    let s = &report.summary;
    assert_eq!(s["with_location"], 3, "three samples have GPS: {s}");
    let f = report.file("IMG_20241005_170405.jpg");
    assert!(
        f["location"].is_null(),
        "the sample without GPS has no location: {f}"
    );
    let f = report.file("IMG_20240728_154233.jpg");
    assert!(
        close(&f["location"]["lat"], 48.8584, 1e-4) && close(&f["location"]["lon"], 2.2945, 1e-4),
        "{f}"
    );
}

/// The two Haarlem samples, about 30 m apart, point to the same place
/// (likely home or school): the summary lists them together.
#[test]
fn samples_30m_apart_are_one_place() {
    let report = run_json(args!["check", "--json", fixture("samples")]);
    let places = report.summary["locations"]
        .as_array()
        .expect("summary locations is an array");
    let together = places.iter().any(|p| {
        let files = p["files"].to_string();
        files.contains("IMG_20240914_093012.jpg") && files.contains("IMG_20240921_081547.jpg")
    });
    assert!(
        together,
        "the two Haarlem photos ~30 m apart are not grouped as one place: {places:#?}"
    );
    assert_eq!(places.len(), 2, "Haarlem and Paris: {places:#?}");
}

// --- exit codes ------------------------------------------------------------

#[test]
fn exit_0_when_nothing_would_leak() {
    run(args!["check", fixture("jpeg/clean.jpg")]).assert_code(0);
    run(args!["check", fixture("jpeg/orientation-only.jpg")]).assert_code(0);
}

#[test]
fn exit_1_when_something_would_leak() {
    run(args!["check", fixture("jpeg/full.jpg")]).assert_code(1);
    run(args![
        "check",
        "--json",
        fixture("jpeg/full.jpg"),
        fixture("jpeg/clean.jpg")
    ])
    .assert_code(1);
}

#[test]
fn exit_3_for_any_bad_file() {
    for name in BAD_JPEGS {
        run(args!["check", fixture(&format!("jpeg/{name}"))]).assert_code(3);
        // A bad file among good ones still makes the run exit 3.
        run(args![
            "check",
            fixture("jpeg/full.jpg"),
            fixture(&format!("jpeg/{name}"))
        ])
        .assert_code(3);
    }
    run(args!["check", fixture("jpeg/does-not-exist.jpg")]).assert_code(3);
}

#[test]
fn exit_2_for_usage_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let x = copy_fixture("jpeg/full.jpg", tmp.path());
    let out = tmp.path().join("d");
    for args in [
        args!["clean", "--keep", "bogus", x],
        args!["clean", "--in-place", "--out", out, x],
        args!["check", "--only", "nonsense", x],
        args!["clean", "--keep", "time", "--only", "location", x],
        args!["check"],
        args!["clean", "--no-such-flag", x],
        args!["clean", "-", x],
    ] {
        let r = run(&args);
        r.assert_code(2);
        assert!(
            r.stdout.is_empty() || !r.stdout.starts_with(&[0xFF, 0xD8]),
            "{}",
            r.describe()
        );
    }
    assert!(
        !out.exists(),
        "a usage error must not create the output folder"
    );
    assert!(
        !tmp.path().join("cleaned").exists(),
        "a usage error must not write anything"
    );
    assert_eq!(read(&x), read(&fixture("jpeg/full.jpg")));
}
