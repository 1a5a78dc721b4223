//! Damaged and odd inputs fail closed: status failed, an error message, no
//! output file, exit code 3 — and the rest of the batch goes on.

mod common;

use common::*;
use std::os::unix::fs::symlink;
use std::path::Path;

/// `clean --json --out` on one bad file: failed, with an error, no output.
fn assert_fails_closed(input: &Path, name: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    let report = run_json(args!["clean", "--json", "--out", out_dir, input]);
    report.assert_code(3);
    assert_eq!(report.files.len(), 1, "{}", report.describe());
    let f = report.file(name);
    assert_eq!(f["status"], "failed", "{}", report.describe());
    let error = f["error"].as_str().unwrap_or("");
    assert!(
        !error.trim().is_empty(),
        "a failed file needs an error message\n{}",
        report.describe()
    );
    assert!(
        f["output"].is_null(),
        "no output for a failed file\n{}",
        report.describe()
    );
    assert_eq!(report.summary["failed"], 1, "{}", report.summary);
    assert_eq!(report.summary["cleaned"], 0, "{}", report.summary);
    assert!(
        files_under(&out_dir).is_empty(),
        "files were written for a failed input: {:?}",
        files_under(&out_dir)
    );

    // check says the same, and the human report names the file and the error.
    let checked = run_json(args!["check", "--json", input]);
    checked.assert_code(3);
    assert_eq!(
        checked.file(name)["status"],
        "failed",
        "{}",
        checked.describe()
    );
    let human = run(args!["clean", "--out", out_dir, input]);
    human.assert_code(3);
    assert!(
        human.text().contains(name),
        "the human report names {name}\n{}",
        human.describe()
    );
    assert!(files_under(&out_dir).is_empty());
}

fn bad_fixture(name: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let input = copy_fixture(&format!("jpeg/{name}"), tmp.path());
    assert_fails_closed(&input, name);
    assert_eq!(
        read(&input),
        read(&fixture(&format!("jpeg/{name}"))),
        "the bad input was modified"
    );
}

#[test]
fn empty_file_fails() {
    bad_fixture("empty.jpg");
}

#[test]
fn random_bytes_named_jpg_fail() {
    bad_fixture("random.jpg");
}

#[test]
fn truncated_header_fails() {
    bad_fixture("truncated-header.jpg");
}

#[test]
fn segment_past_end_fails() {
    bad_fixture("segment-past-end.jpg");
}

#[test]
fn dangling_symlink_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let link = tmp.path().join("a.jpg");
    symlink(tmp.path().join("missing.jpg"), &link).unwrap();
    assert_fails_closed(&link, "a.jpg");
}

/// With --follow (without it, links inside folders are skipped: see
/// tests/faults.rs).
#[test]
fn dangling_symlink_in_folder_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    std::fs::create_dir(&dir).unwrap();
    symlink(dir.join("missing.jpg"), dir.join("a.jpg")).unwrap();
    let out_dir = tmp.path().join("out");
    let report = run_json(args!["clean", "--json", "--follow", "--out", out_dir, dir]);
    report.assert_code(3);
    let f = report.file("a.jpg");
    assert_eq!(f["status"], "failed", "{}", report.describe());
    assert!(
        f["error"].as_str().is_some_and(|e| !e.trim().is_empty()),
        "{}",
        report.describe()
    );
    assert!(files_under(&out_dir).is_empty());
}

#[test]
fn symlink_loop_fails_and_terminates() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    symlink("..", dir.join("sub").join("up")).unwrap();
    let out_dir = tmp.path().join("out");
    let report = run_json(args!["clean", "--json", "--follow", "--out", out_dir, dir]);
    report.assert_code(3);
    let f = report.file("sub/up");
    assert_eq!(f["status"], "failed", "{}", report.describe());
    assert!(
        f["error"].as_str().is_some_and(|e| !e.trim().is_empty()),
        "{}",
        report.describe()
    );
    assert!(files_under(&out_dir).is_empty());
}

/// A folder mixing every kind of bad input with full.jpg: the bad ones fail,
/// full.jpg is still cleaned, notes.txt is skipped (links are followed with
/// --follow, so the dangling link and the loop fail).
#[test]
fn batch_goes_on_after_bad_files() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    for name in BAD_JPEGS {
        copy_fixture(&format!("jpeg/{name}"), &dir);
    }
    copy_fixture("jpeg/notes.txt", &dir);
    copy_fixture("jpeg/full.jpg", &dir);
    symlink(dir.join("missing.jpg"), dir.join("a.jpg")).unwrap();
    std::fs::create_dir(dir.join("loop")).unwrap();
    symlink("..", dir.join("loop").join("up")).unwrap();
    let out_dir = tmp.path().join("out");

    let report = run_json(args!["clean", "--json", "--follow", "--out", out_dir, dir]);
    report.assert_code(3);
    let mut failed: Vec<&str> = BAD_JPEGS.to_vec();
    failed.push("a.jpg");
    failed.push("loop/up");
    for name in &failed {
        let f = report.file(name);
        assert_eq!(f["status"], "failed", "{name}\n{}", report.describe());
        assert!(
            f["error"].as_str().is_some_and(|e| !e.trim().is_empty()),
            "{name}: no error message"
        );
        assert!(f["output"].is_null(), "{name}: output should be null");
    }
    assert_eq!(
        report.status("full.jpg"),
        "cleaned",
        "{}",
        report.describe()
    );
    assert!(
        !report.has_file("notes.txt"),
        "notes.txt is skipped, not reported"
    );
    assert_eq!(report.summary["skipped"], 1, "{}", report.summary);
    assert_eq!(report.summary["failed"], failed.len(), "{}", report.summary);
    assert_eq!(report.summary["cleaned"], 1, "{}", report.summary);
    assert_eq!(
        files_under(&out_dir),
        vec![out_dir.join("full.jpg")],
        "only full.jpg has an output"
    );
    assert_default_clean(&fixture("jpeg/full.jpg"), &out_dir.join("full.jpg"));
    for name in BAD_JPEGS {
        assert_eq!(
            read(&dir.join(name)),
            read(&fixture(&format!("jpeg/{name}"))),
            "{name} was modified"
        );
    }
}

/// A bad file on standard input: nothing on stdout, exit 3.
#[test]
fn bad_stdin_writes_nothing() {
    for name in BAD_JPEGS {
        let r = run_stdin(
            args!["clean", "-"],
            &read(&fixture(&format!("jpeg/{name}"))),
        );
        r.assert_code(3);
        assert!(
            r.stdout.is_empty(),
            "{name}: {} bytes on stdout for a bad input",
            r.stdout.len()
        );
        assert!(
            !r.stderr.trim().is_empty(),
            "{name}: the error goes to stderr"
        );
    }
}

/// The in-place mode must not touch a bad original.
#[test]
fn in_place_leaves_bad_files_alone() {
    let tmp = tempfile::tempdir().unwrap();
    for name in BAD_JPEGS {
        copy_fixture(&format!("jpeg/{name}"), tmp.path());
    }
    let report = run_json(args!["clean", "--json", "--in-place", tmp.path()]);
    report.assert_code(3);
    for name in BAD_JPEGS {
        assert_eq!(report.status(name), "failed", "{}", report.describe());
        assert_eq!(
            read(&tmp.path().join(name)),
            read(&fixture(&format!("jpeg/{name}"))),
            "{name} was modified"
        );
    }
    let leftovers: Vec<_> = files_under(tmp.path())
        .into_iter()
        .filter(|p| !BAD_JPEGS.iter().any(|n| p.ends_with(n)))
        .collect();
    assert!(leftovers.is_empty(), "unexpected files: {leftovers:?}");
}
