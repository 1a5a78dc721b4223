//! `--keep` and `--only`: what is kept is really kept (ExifTool sees it in
//! the output), what is removed is gone, and the report's `removed` flags say
//! exactly what ExifTool sees.

mod common;

use common::*;
use std::path::PathBuf;

/// Cleans a copy of fixtures/jpeg/full.jpg with extra `policy` arguments.
/// Returns (tempdir, output path, report, ExifTool input tags, output tags).
fn clean_full_with(policy: &[&str]) -> (tempfile::TempDir, PathBuf, Report, Tags, Tags) {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let input = copy_fixture("jpeg/full.jpg", &tmp.path().join("in"));
    let out_dir = tmp.path().join("out");
    let mut a = args!["clean", "--json", "--out", out_dir];
    a.extend(policy.iter().map(std::ffi::OsString::from));
    a.push(input.clone().into());
    let report = run_json(&a);
    report.assert_code(0);
    assert_eq!(
        report.status("full.jpg"),
        "cleaned",
        "{}",
        report.describe()
    );
    let output = out_dir.join("full.jpg");
    assert!(output.is_file(), "{}", report.describe());
    assert_eq!(
        read(&input),
        read(&fixture("jpeg/full.jpg")),
        "the original was modified"
    );
    assert_same_pixels(&fixture("jpeg/full.jpg"), &output);
    let mut tags = exiftool_many(&[fixture("jpeg/full.jpg"), output.clone()]);
    let (tin, tout) = (tags.remove(0), tags.remove(0));
    assert_eq!(
        tout.orientation(),
        Some(6),
        "Orientation is always kept\n{}",
        tout.dump()
    );
    assert_eq!(
        icc_colours(&output),
        icc_colours(&fixture("jpeg/full.jpg")),
        "the ICC profile's colours are always kept"
    );
    (tmp, output, report, tin, tout)
}

/// Every finding that maps to a tag ExifTool sees in the input has a
/// `removed` flag that matches the output.
#[track_caller]
fn assert_flags_match(report: &Report, tin: &Tags, tout: &Tags, at_least: usize) {
    let f = report.file("full.jpg");
    let (bad, checked) = removed_flag_mismatches(f, tin, tout);
    assert!(
        bad.is_empty(),
        "removed flags disagree with ExifTool:\n  {}\nfindings:\n{}\nExifTool output:\n{}",
        bad.join("\n  "),
        list_findings(f),
        tout.dump()
    );
    assert!(
        checked >= at_least,
        "only {checked} findings could be checked against ExifTool\n{}",
        list_findings(f)
    );
}

/// No coordinate, altitude or place name survives.
#[track_caller]
fn assert_no_location(tout: &Tags, bytes: &[u8]) {
    let left = tout.find(|t| {
        t.name.contains("Latitude")
            || t.name.contains("Longitude")
            || t.name.contains("Altitude")
            || t.name == "GPSPosition"
            || [
                "City",
                "Country",
                "Province-State",
                "Sub-location",
                "Country-PrimaryLocationName",
                "Location",
                "State",
            ]
            .contains(&t.name.as_str())
    });
    assert!(left.is_empty(), "location tags left: {left:#?}");
    // ("Oak Street" also occurs in the COM comment, which is text, not location.)
    for s in ["Haarlem", "Noord-Holland", "Netherlands"] {
        assert!(
            !contains(bytes, s.as_bytes()),
            "{s:?} is still in the output bytes"
        );
    }
}

#[test]
fn default_policy_flags_match_exiftool() {
    let (_tmp, _output, report, tin, tout) = clean_full_with(&[]);
    assert_flags_match(&report, &tin, &tout, 20);
    let f = report.file("full.jpg");
    for x in findings(f) {
        assert_eq!(
            x["removed"],
            x["category"] != "rendering",
            "default policy: {x}"
        );
    }
}

#[test]
fn keep_time_keeps_dates_but_removes_gps() {
    let (_tmp, output, report, tin, tout) = clean_full_with(&["--keep", "time"]);
    for name in ["DateTimeOriginal", "CreateDate"] {
        assert_eq!(
            tout.get("ExifIFD", name),
            tin.get("ExifIFD", name),
            "--keep time keeps {name}\n{}",
            tout.dump()
        );
        assert!(
            tout.get("ExifIFD", name).is_some(),
            "--keep time keeps {name}\n{}",
            tout.dump()
        );
    }
    // GPS time stamps may stay (they are time); nothing else from the GPS IFD.
    let gps: Vec<_> =
        tout.find(|t| t.in_group("GPS") && !t.name.contains("Time") && !t.name.contains("Date"));
    assert!(
        gps.is_empty(),
        "--keep time removes the GPS position: {gps:#?}"
    );
    assert_no_location(&tout, &read(&output));
    for (group, name) in [
        ("IFD0", "Make"),
        ("IFD0", "Artist"),
        ("File", "Comment"),
        ("ExifIFD", "SerialNumber"),
    ] {
        assert!(
            !tout.has(group, name),
            "--keep time still removes {group}:{name}"
        );
    }
    let f = report.file("full.jpg");
    for x in findings(f) {
        let kept = ["time", "rendering"].contains(&x["category"].as_str().unwrap());
        assert_eq!(x["removed"], !kept, "--keep time: {x}");
    }
    assert_flags_match(&report, &tin, &tout, 20);
}

#[test]
fn only_location_keeps_device_people_and_comment() {
    let (_tmp, output, report, tin, tout) = clean_full_with(&["--only", "location"]);
    for (group, name) in [
        ("IFD0", "Make"),
        ("IFD0", "Model"),
        ("IFD0", "Artist"),
        ("File", "Comment"),
        ("ExifIFD", "DateTimeOriginal"),
    ] {
        assert_eq!(
            tout.get(group, name),
            tin.get(group, name),
            "--only location keeps {group}:{name}\n{}",
            tout.dump()
        );
        assert!(
            tout.has(group, name),
            "--only location keeps {group}:{name}\n{}",
            tout.dump()
        );
    }
    let gps =
        tout.find(|t| t.in_group("GPS") && !t.name.contains("Time") && !t.name.contains("Date"));
    assert!(
        gps.is_empty(),
        "--only location removes the GPS position: {gps:#?}"
    );
    for (group, name) in [
        ("XMP-photoshop", "City"),
        ("XMP-photoshop", "Country"),
        ("XMP-iptcCore", "Location"),
        ("IPTC", "City"),
        ("IPTC", "Sub-location"),
    ] {
        assert!(
            !tout.has(group, name),
            "--only location removes {group}:{name}\n{}",
            tout.dump()
        );
    }
    assert_no_location(&tout, &read(&output));
    let f = report.file("full.jpg");
    for x in findings(f) {
        if x["category"] == "location" {
            assert_eq!(x["removed"], true, "--only location: {x}");
        }
    }
    assert_flags_match(&report, &tin, &tout, 20);
}

/// DESIGN.md: "`--only location` removes location and nothing else" — so the
/// XMP dc:creator and the IPTC By-line/Keywords stay when only location goes.
#[test]
fn only_location_removes_nothing_else() {
    let (_tmp, _output, report, tin, tout) = clean_full_with(&["--only", "location"]);
    let f = report.file("full.jpg");
    let mut wrongly_removed = Vec::new();
    for x in findings(f) {
        // A MakerNote is an opaque vendor blob that can hide places: dropping
        // it under --only location is fail-closed, and allowed.
        if x["category"] != "location" && x["tag"] != "MakerNote" && x["removed"] == true {
            wrongly_removed.push(x.to_string());
        }
    }
    assert!(
        wrongly_removed.is_empty(),
        "--only location removed findings that are not location:\n  {}",
        wrongly_removed.join("\n  ")
    );
    for (group, name) in [
        ("XMP-dc", "Creator"),
        ("IPTC", "By-line"),
        ("IPTC", "Keywords"),
    ] {
        assert!(
            tout.has(group, name),
            "--only location keeps {group}:{name}\n{}",
            tout.dump()
        );
    }
    assert_flags_match(&report, &tin, &tout, 20);
}

#[test]
fn keep_location_keeps_the_coordinates() {
    let (_tmp, _output, report, tin, tout) = clean_full_with(&["--keep", "location"]);
    let lat = tout.get("GPS", "GPSLatitude").and_then(|v| v.as_f64());
    assert!(
        lat.is_some_and(|l| (l - 52.3702).abs() < 1e-4),
        "--keep location keeps GPSLatitude\n{}",
        tout.dump()
    );
    assert!(
        !tout.has("IFD0", "Make"),
        "--keep location still removes Make"
    );
    assert!(
        !tout.has("IFD1", "ThumbnailImage"),
        "--keep location still removes the thumbnail"
    );
    assert_flags_match(&report, &tin, &tout, 20);
}

#[test]
fn keep_several_categories() {
    let (_tmp, _output, report, tin, tout) = clean_full_with(&["--keep", "device,people"]);
    assert!(
        tout.has("IFD0", "Make") && tout.has("IFD0", "Artist"),
        "{}",
        tout.dump()
    );
    assert!(
        !tout.has("GPS", "GPSLatitude") && !tout.has("ExifIFD", "DateTimeOriginal"),
        "{}",
        tout.dump()
    );
    assert_flags_match(&report, &tin, &tout, 20);
}

#[test]
fn check_follows_the_policy() {
    let full = fixture("jpeg/full.jpg");
    let report = run_json(args!["check", "--json", "--only", "location", full]);
    report.assert_code(1);
    for x in findings(report.file("full.jpg")) {
        assert_eq!(
            x["removed"],
            x["category"] == "location",
            "check --only location: {x}"
        );
    }
    // When every category is kept, nothing would leak: exit 0.
    let all = "location,people,device,time,preview,text";
    let report = run_json(args!["check", "--json", "--keep", all, full]);
    report.assert_code(0);
    assert_eq!(
        report.status("full.jpg"),
        "already-clean",
        "{}",
        report.describe()
    );
    // --only time on a file without time metadata: nothing would leak.
    run(args![
        "check",
        "--only",
        "time",
        fixture("jpeg/gps-west.jpg")
    ])
    .assert_code(0);
}
