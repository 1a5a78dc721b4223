//! Where cleaned files go, and that nothing is lost: default `cleaned/`
//! folder, `--out` path mapping, no overwrite without `--force`, permissions
//! and times kept, `--in-place` atomic and idempotent.

mod common;

use common::*;
use std::fs;
use std::path::{Path, PathBuf};

/// A folder with full.jpg, clean.jpg and sub/gps-west.jpg.
fn photo_folder(root: &Path) -> PathBuf {
    let dir = root.join("Holiday");
    copy_fixture("jpeg/full.jpg", &dir);
    copy_fixture("jpeg/clean.jpg", &dir);
    copy_fixture("jpeg/gps-west.jpg", &dir.join("sub"));
    dir
}

fn rel_files(dir: &Path) -> Vec<String> {
    files_under(dir)
        .iter()
        .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect()
}

fn no_temp_files(dir: &Path) {
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            assert!(
                !(name.starts_with(".photoscrub-") || name.ends_with(".tmp")),
                "temporary file left behind: {}",
                e.path().display()
            );
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
        }
    }
}

#[test]
fn drag_and_drop_folder_writes_cleaned_copies_inside_it() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let dir = photo_folder(tmp.path());
    let first = run(args![dir]);
    first.assert_code(0);
    let cleaned = dir.join("cleaned");
    assert_eq!(
        rel_files(&cleaned),
        vec![".photoscrub", "clean.jpg", "full.jpg", "sub/gps-west.jpg"],
        "cleaned copies keep their relative paths\n{}",
        first.describe()
    );
    assert_default_clean(&fixture("jpeg/full.jpg"), &cleaned.join("full.jpg"));
    assert_default_clean(
        &fixture("jpeg/gps-west.jpg"),
        &cleaned.join("sub/gps-west.jpg"),
    );
    assert_eq!(
        read(&dir.join("full.jpg")),
        read(&fixture("jpeg/full.jpg")),
        "the original is untouched"
    );
    assert_eq!(
        read(&dir.join("sub/gps-west.jpg")),
        read(&fixture("jpeg/gps-west.jpg"))
    );
    no_temp_files(&dir);

    // Again: the walker does not descend into cleaned/, nothing new appears.
    let before: Vec<(String, Vec<u8>)> = rel_files(&dir)
        .into_iter()
        .map(|r| (r.clone(), read(&dir.join(&r))))
        .collect();
    let second = run_json(args!["--json", dir]);
    second.assert_code(0);
    assert!(
        !cleaned.join("cleaned").exists(),
        "cleaned/cleaned was created\n{}",
        second.describe()
    );
    assert_eq!(
        second.files.len(),
        3,
        "only the three originals are processed\n{}",
        second.describe()
    );
    for f in &second.files {
        let p = f["path"].as_str().unwrap();
        assert!(
            !Path::new(p)
                .components()
                .any(|c| c.as_os_str() == "cleaned"),
            "descended into cleaned/: {p}"
        );
    }
    let after: Vec<(String, Vec<u8>)> = rel_files(&dir)
        .into_iter()
        .map(|r| (r.clone(), read(&dir.join(&r))))
        .collect();
    assert_eq!(
        before.iter().map(|x| &x.0).collect::<Vec<_>>(),
        after.iter().map(|x| &x.0).collect::<Vec<_>>(),
        "the second run changed the set of files"
    );
    assert!(
        before == after,
        "the second run changed some file's content"
    );
}

#[test]
fn drag_and_drop_file_writes_next_to_it() {
    let tmp = tempfile::tempdir().unwrap();
    let input = copy_fixture("jpeg/full.jpg", tmp.path());
    let r = run_json(args!["--json", input]);
    r.assert_code(0);
    let expected = tmp.path().join("cleaned").join("full.jpg");
    assert!(
        expected.is_file(),
        "no {}\n{}",
        expected.display(),
        r.describe()
    );
    assert_eq!(
        r.output("full.jpg")
            .map(|p| p.file_name().unwrap().to_owned()),
        Some("full.jpg".into())
    );
    assert_same_pixels(&input, &expected);
}

#[test]
fn relative_arguments_work_from_the_current_folder() {
    let tmp = tempfile::tempdir().unwrap();
    photo_folder(tmp.path());
    let r = run_in(tmp.path(), ["Holiday"]);
    r.assert_code(0);
    assert_eq!(
        rel_files(&tmp.path().join("Holiday/cleaned")),
        vec![".photoscrub", "clean.jpg", "full.jpg", "sub/gps-west.jpg"]
    );
    let other = tmp.path().join("Other");
    copy_fixture("jpeg/full.jpg", &other);
    copy_fixture("jpeg/gps-west.jpg", &other.join("sub"));
    let r = run_in(&other, ["clean", "--out", "../Share", "."]);
    r.assert_code(0);
    assert_eq!(
        rel_files(&tmp.path().join("Share")),
        vec!["full.jpg", "sub/gps-west.jpg"],
        "{}",
        r.describe()
    );
}

/// "The walker never descends into an output folder": a `cleaned/` folder
/// left by an earlier drag-and-drop run is not cleaned again into `--out`.
#[test]
fn out_run_skips_an_earlier_cleaned_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = photo_folder(tmp.path());
    run(args![dir]).assert_code(0);
    let share = tmp.path().join("Share");
    let r = run(args!["clean", "--out", share, dir]);
    r.assert_code(0);
    assert_eq!(
        rel_files(&share),
        vec!["clean.jpg", "full.jpg", "sub/gps-west.jpg"],
        "the earlier cleaned/ copies were cleaned again into Share/cleaned/\n{}",
        r.describe()
    );
}

#[test]
fn out_dir_keeps_paths_relative_to_the_input_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("IN");
    copy_fixture_to("jpeg/full.jpg", &input.join("a/b.jpg"));
    copy_fixture_to("jpeg/gps-west.jpg", &input.join("c.jpg"));
    let out = tmp.path().join("OUT");
    let r = run_json(args!["clean", "--json", "--out", out, input]);
    r.assert_code(0);
    assert_eq!(
        rel_files(&out),
        vec!["a/b.jpg", "c.jpg"],
        "{}",
        r.describe()
    );
    assert_eq!(
        r.output("a/b.jpg"),
        Some(out.join("a/b.jpg")),
        "{}",
        r.describe()
    );
    assert_same_pixels(&fixture("jpeg/full.jpg"), &out.join("a/b.jpg"));
    assert!(
        !input.join("cleaned").exists(),
        "--out must not also write cleaned/"
    );
}

#[test]
fn out_dir_inside_the_input_is_not_walked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = photo_folder(tmp.path());
    let out = dir.join("share");
    run(args!["clean", "--out", out, dir]).assert_code(0);
    let first = rel_files(&out);
    assert_eq!(first, vec!["clean.jpg", "full.jpg", "sub/gps-west.jpg"]);
    let r = run_json(args!["clean", "--json", "--out", out, dir]);
    r.assert_code(0);
    assert_eq!(
        r.files.len(),
        3,
        "the output folder was walked\n{}",
        r.describe()
    );
    assert_eq!(rel_files(&out), first, "share/share or similar was created");
}

#[test]
fn different_existing_output_is_not_overwritten_without_force() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let input = copy_fixture("jpeg/full.jpg", &tmp.path().join("in"));
    let out = tmp.path().join("out");
    fs::create_dir_all(&out).unwrap();
    let existing = out.join("full.jpg");
    fs::write(&existing, b"my precious other file").unwrap();

    let r = run_json(args!["clean", "--json", "--out", out, input]);
    r.assert_code(3);
    let f = r.file("full.jpg");
    assert_eq!(f["status"], "failed", "{}", r.describe());
    assert!(
        f["error"].as_str().is_some_and(|e| !e.trim().is_empty()),
        "{}",
        r.describe()
    );
    assert_eq!(
        read(&existing),
        b"my precious other file",
        "the existing file was overwritten"
    );
    no_temp_files(&out);

    let r = run_json(args!["clean", "--json", "--force", "--out", out, input]);
    r.assert_code(0);
    assert_eq!(r.status("full.jpg"), "cleaned", "{}", r.describe());
    assert_default_clean(&fixture("jpeg/full.jpg"), &existing);
    no_temp_files(&out);
}

#[test]
fn identical_existing_output_is_fine() {
    let tmp = tempfile::tempdir().unwrap();
    let input = copy_fixture("jpeg/full.jpg", &tmp.path().join("in"));
    let out = tmp.path().join("out");
    run(args!["clean", "--out", out, input]).assert_code(0);
    let first = read(&out.join("full.jpg"));
    run(args!["clean", "--out", out, input]).assert_code(0);
    assert_eq!(read(&out.join("full.jpg")), first);
}

#[test]
fn out_equal_to_input_never_overwrites_originals() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    let full = copy_fixture("jpeg/full.jpg", &dir);
    // A file whose output path is the file itself: refused, exit 3.
    for force in [false, true] {
        let mut a = args!["clean", "--json", "--out", dir];
        if force {
            a.push("--force".into());
        }
        a.push(full.clone().into());
        let r = run_json(&a);
        r.assert_code(3);
        assert_eq!(r.status("full.jpg"), "failed", "{}", r.describe());
        assert_eq!(
            read(&full),
            read(&fixture("jpeg/full.jpg")),
            "the original was overwritten without --in-place"
        );
    }
    // The same folder as input and output.
    for force in [false, true] {
        let mut a = args!["clean", "--json", "--out", dir];
        if force {
            a.push("--force".into());
        }
        a.push(dir.clone().into());
        let r = run(&a);
        assert_eq!(
            read(&full),
            read(&fixture("jpeg/full.jpg")),
            "the original was overwritten\n{}",
            r.describe()
        );
    }
    assert_eq!(rel_files(&dir), vec!["full.jpg"]);
}

/// `clean --out IN IN` cannot do anything useful; it must say so (exit 3 or
/// 2), not report an empty success.
#[test]
fn out_equal_to_input_folder_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    copy_fixture("jpeg/full.jpg", &dir);
    let r = run(args!["clean", "--out", dir, dir]);
    assert!(
        r.code == 2 || r.code == 3,
        "cleaning a folder into itself silently does nothing\n{}",
        r.describe()
    );
}

#[test]
fn output_keeps_permissions_and_mtime() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    let mtime_secs = 1_000_000_000; // 2001-09-09
    let mut inputs = Vec::new();
    for (name, m) in [
        ("full.jpg", 0o640),
        ("clean.jpg", 0o600),
        ("gps-west.jpg", 0o644),
    ] {
        let p = copy_fixture(&format!("jpeg/{name}"), &dir);
        set_mode(&p, m);
        set_mtime(&p, mtime_secs);
        inputs.push((name, m));
    }
    let out = tmp.path().join("out");
    let r = run_json(args!["clean", "--json", "--out", out, dir]);
    r.assert_code(0);
    for (name, m) in inputs {
        let o = out.join(name);
        assert_eq!(
            mode(&o),
            m,
            "{name}: permission bits {:o}, expected {m:o}",
            mode(&o)
        );
        assert_eq!(mtime(&o), mtime_secs, "{name}: modification time not kept");
        assert_eq!(
            mtime(&dir.join(name)),
            mtime_secs,
            "{name}: the original's mtime changed"
        );
    }
}

#[test]
fn in_place_replaces_originals_atomically() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let dir = photo_folder(tmp.path());
    let full = dir.join("full.jpg");
    set_mode(&full, 0o640);
    for p in files_under(&dir) {
        set_mtime(&p, 1_000_000_000);
    }
    let clean_before = read(&dir.join("clean.jpg"));

    let r = run_json(args!["clean", "--json", "--in-place", dir]);
    r.assert_code(0);
    assert_eq!(r.status("full.jpg"), "cleaned", "{}", r.describe());
    assert_eq!(r.status("sub/gps-west.jpg"), "cleaned", "{}", r.describe());
    assert_eq!(r.status("clean.jpg"), "already-clean", "{}", r.describe());
    assert!(
        !dir.join("cleaned").exists(),
        "--in-place must not write cleaned/"
    );
    assert_eq!(
        rel_files(&dir),
        vec!["clean.jpg", "full.jpg", "sub/gps-west.jpg"],
        "no new files"
    );
    no_temp_files(&dir);

    assert_default_clean(&fixture("jpeg/full.jpg"), &full);
    assert_default_clean(&fixture("jpeg/gps-west.jpg"), &dir.join("sub/gps-west.jpg"));
    let tags = exiftool(&full);
    assert!(
        tags.find(|t| t.in_group("GPS")).is_empty(),
        "GPS left after --in-place\n{}",
        tags.dump()
    );
    assert_same_pixels(&fixture("jpeg/full.jpg"), &full);
    assert_eq!(mode(&full), 0o640, "permission bits after --in-place");
    for p in files_under(&dir) {
        assert_eq!(
            mtime(&p),
            1_000_000_000,
            "{}: mtime not kept by --in-place",
            p.display()
        );
    }
    assert_eq!(
        read(&dir.join("clean.jpg")),
        clean_before,
        "an already-clean original is left as it was"
    );

    // A second run finds nothing to do.
    let after_first: Vec<Vec<u8>> = files_under(&dir).iter().map(|p| read(p)).collect();
    let r = run_json(args!["clean", "--json", "--in-place", dir]);
    r.assert_code(0);
    for f in &r.files {
        assert_eq!(f["status"], "already-clean", "second --in-place run: {f}");
    }
    let after_second: Vec<Vec<u8>> = files_under(&dir).iter().map(|p| read(p)).collect();
    assert!(
        after_first == after_second,
        "the second --in-place run changed files"
    );
    no_temp_files(&dir);
}

#[test]
fn in_place_single_file() {
    let tmp = tempfile::tempdir().unwrap();
    let input = copy_fixture("jpeg/mpf.jpg", tmp.path());
    let r = run_json(args!["clean", "--json", "--in-place", input]);
    r.assert_code(0);
    assert_eq!(r.status("mpf.jpg"), "cleaned", "{}", r.describe());
    assert_same_pixels(&fixture("jpeg/mpf.jpg"), &input);
    assert!(read(&input).len() < read(&fixture("jpeg/mpf.jpg")).len());
    assert_eq!(rel_files(tmp.path()), vec!["mpf.jpg"]);
    run_json(args!["clean", "--json", "--in-place", input]).assert_code(0);
    assert_eq!(
        run_json(args!["clean", "--json", "--in-place", input]).status("mpf.jpg"),
        "already-clean"
    );
}

/// Reports stream out while the batch runs: a batch larger than the reorder
/// window (256 files) on two workers still reports every file exactly once,
/// in walk order, and the CSV and HTML written alongside cover them all.
#[test]
fn a_large_batch_is_reported_once_per_file_in_walk_order() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    let full = read(&fixture("jpeg/full.jpg"));
    let clean = read(&fixture("jpeg/clean.jpg"));
    fs::create_dir_all(&dir).unwrap();
    let mut names = Vec::new();
    for i in 0..600 {
        let name = format!("IMG_{i:04}.jpg");
        // Every third photo is already clean, so the statuses interleave.
        let bytes = if i % 3 == 0 { &clean } else { &full };
        fs::write(dir.join(&name), bytes).unwrap();
        names.push(name);
    }
    let (csv, html) = (tmp.path().join("r.csv"), tmp.path().join("r.html"));
    let out = tmp.path().join("out");
    let report = run_json([
        "clean".as_ref(),
        "--json".as_ref(),
        "--jobs".as_ref(),
        "2".as_ref(),
        "--csv".as_ref(),
        csv.as_os_str(),
        "--html".as_ref(),
        html.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
        dir.as_os_str(),
    ]);
    report.assert_code(0);
    let reported: Vec<String> = report
        .files
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap();
            Path::new(path)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(reported, names, "every file once, in walk order");
    for (i, f) in report.files.iter().enumerate() {
        let want = if i % 3 == 0 {
            "already-clean"
        } else {
            "cleaned"
        };
        assert_eq!(f["status"], want, "{}", f["path"]);
    }
    assert_eq!(report.summary["files"], 600);
    assert_eq!(report.summary["cleaned"], 400);
    assert_eq!(report.summary["already_clean"], 200);
    assert_eq!(rel_files(&out).len(), 600);
    let csv = fs::read_to_string(&csv).unwrap();
    for name in &names {
        assert!(csv.contains(name.as_str()), "{name} missing from the CSV");
    }
    let html = fs::read_to_string(&html).unwrap();
    assert_eq!(html.matches("<section class=\"card\">").count(), 600);
    let photos_on_the_map: usize = html
        .split("data-photos=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(
        photos_on_the_map, 400,
        "the map's markers count every located photo"
    );
    assert!(html.trim_end().ends_with("</html>"));
}
