//! `clean -`: one file from standard input to standard output; the report
//! goes to stderr so the picture owns stdout.

mod common;

use common::*;

#[test]
fn clean_stdin_to_stdout() {
    require_exiftool();
    let input = read(&fixture("jpeg/full.jpg"));
    let r = run_stdin(args!["clean", "-"], &input);
    r.assert_code(0);
    assert!(
        r.stdout.starts_with(&[0xFF, 0xD8, 0xFF]),
        "stdout is not a JPEG\n{}",
        r.describe()
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.jpg");
    std::fs::write(&out, &r.stdout).unwrap();
    assert_default_clean(&fixture("jpeg/full.jpg"), &out);
    let tags = exiftool(&out);
    assert!(
        tags.find(|t| t.in_group("GPS")).is_empty(),
        "GPS left\n{}",
        tags.dump()
    );
    assert_eq!(tags.orientation(), Some(6));
    assert!(!r.stderr.trim().is_empty(), "the report goes to stderr");
    assert!(r.stderr.contains("cleaned"), "stderr: {}", r.stderr);
}

#[test]
fn clean_stdin_json_report_goes_to_stderr() {
    let input = read(&fixture("jpeg/mpf.jpg"));
    let r = run_stdin(args!["clean", "--json", "-"], &input);
    r.assert_code(0);
    assert!(
        r.stdout.starts_with(&[0xFF, 0xD8]),
        "stdout must hold only the JPEG\n{}",
        r.describe()
    );
    assert!(
        r.stdout.ends_with(&[0xFF, 0xD9]),
        "stdout must hold only the JPEG (no report, no trailer)"
    );
    let decoded = decode_bytes(&r.stdout).expect("stdout decodes");
    let original = decode(&fixture("jpeg/mpf.jpg")).unwrap();
    assert!(decoded == original, "pixels differ after clean -");
    let (files, summary) = parse_json_lines(&r.stderr, &r.describe());
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["status"], "cleaned", "{}", files[0]);
    assert_eq!(files[0]["path"], "-", "{}", files[0]);
    assert_eq!(summary["cleaned"], 1);
}

#[test]
fn clean_stdin_already_clean_passes_the_picture_through() {
    let input = read(&fixture("jpeg/clean.jpg"));
    let r = run_stdin(args!["clean", "--json", "-"], &input);
    r.assert_code(0);
    assert!(
        !r.stdout.is_empty(),
        "an already-clean picture is still written to stdout"
    );
    let decoded = decode_bytes(&r.stdout).expect("stdout decodes");
    assert!(
        decoded == decode(&fixture("jpeg/clean.jpg")).unwrap(),
        "pixels differ"
    );
}

#[test]
fn clean_stdin_honours_the_policy() {
    require_exiftool();
    let input = read(&fixture("jpeg/full.jpg"));
    let r = run_stdin(args!["clean", "--keep", "time", "-"], &input);
    r.assert_code(0);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out.jpg");
    std::fs::write(&out, &r.stdout).unwrap();
    let tags = exiftool(&out);
    assert!(
        tags.has("ExifIFD", "DateTimeOriginal"),
        "--keep time on stdin\n{}",
        tags.dump()
    );
    assert!(!tags.has("GPS", "GPSLatitude"), "GPS left\n{}", tags.dump());
}

#[test]
fn check_stdin_json_goes_to_stdout() {
    let input = read(&fixture("jpeg/gps-south-west.jpg"));
    let r = run_stdin(args!["check", "--json", "-"], &input);
    r.assert_code(1);
    let (files, _summary) = parse_json_lines(&r.stdout_str(), &r.describe());
    assert_eq!(files.len(), 1);
    let loc = &files[0]["location"];
    assert!(
        (loc["lat"].as_f64().unwrap() + 33.8688).abs() < 1e-4,
        "{loc}"
    );
    assert!(
        (loc["lon"].as_f64().unwrap() - 151.2093).abs() < 1e-4,
        "{loc}"
    );
}

#[test]
fn stdin_with_out_or_in_place_is_a_usage_error() {
    let input = read(&fixture("jpeg/full.jpg"));
    let tmp = tempfile::tempdir().unwrap();
    let r = run_stdin(args!["clean", "--out", tmp.path(), "-"], &input);
    r.assert_code(2);
    let r = run_stdin(args!["clean", "--in-place", "-"], &input);
    r.assert_code(2);
    assert!(r.stdout.is_empty());
}
