//! Faults: a full disk, a read-only output folder, inputs that change or
//! vanish during a run, SIGKILL during `clean --in-place`, `--backup`, odd
//! file names, and symlinks. Issue 8: never panic, hang, lose a photo, or
//! write a half file.
//!
//! These tests mount tmpfs filesystems, so they need root (as in CI). A
//! mount that fails fails the test; it is never skipped.

mod common;

use common::*;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::{Path, PathBuf};
use std::process::Command as Process;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// A tmpfs mounted for one test; unmounted when dropped.
struct Mount(PathBuf);

impl Mount {
    /// Mounts a tmpfs with `options` (e.g. `size=64k`) on `dir` (created).
    #[track_caller]
    fn tmpfs(dir: &Path, options: &str) -> Mount {
        fs::create_dir_all(dir).unwrap();
        let out = Process::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run mount (these tests need root): {e}"));
        assert!(
            out.status.success(),
            "mount -t tmpfs -o {options} on {} failed (these tests need root): {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        Mount(dir.to_path_buf())
    }

    #[track_caller]
    fn remount(&self, options: &str) {
        let out = Process::new("mount")
            .args(["-o", &format!("remount,{options}")])
            .arg(&self.0)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "remount {options} of {} failed: {}",
            self.0.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let ok = Process::new("umount")
            .arg(&self.0)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            let _ = Process::new("umount").arg("-l").arg(&self.0).status();
        }
    }
}

/// Every path under `dir` (files, links, folders), recursively, links not followed.
/// Where `--backup` keeps the original of `path`: `NAME.photoscrub-backup`
/// beside it (the contract the README documents).
fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".photoscrub-backup");
    PathBuf::from(name)
}

/// Whether a running photoscrub has an unnamed file (`O_TMPFILE`, staged
/// but not yet linked in) open in `dir`: `/proc/PID/fd` shows it as
/// `DIR/#INODE (deleted)`.
fn unnamed_file_open_in(dir: &Path) -> bool {
    let Ok(procs) = fs::read_dir("/proc") else {
        return false;
    };
    procs.flatten().any(|p| {
        let is_ours =
            fs::read_to_string(p.path().join("comm")).is_ok_and(|c| c.trim() == "photoscrub");
        is_ours
            && fs::read_dir(p.path().join("fd")).is_ok_and(|fds| {
                fds.flatten()
                    .filter_map(|fd| fs::read_link(fd.path()).ok())
                    .any(|target| {
                        target.starts_with(dir) && target.to_string_lossy().ends_with("(deleted)")
                    })
            })
    })
}

fn all_paths(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            }
            out.push(e.path());
        }
    }
    out.sort();
    out
}

/// photoscrub's temporary files under `dir`.
fn temp_files(dir: &Path) -> Vec<PathBuf> {
    all_paths(dir)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().as_bytes();
            name.starts_with(b".photoscrub-") && name.ends_with(b".tmp")
        })
        .collect()
}

/// The file object of a report whose path is exactly `path` (bytes
/// compared; `path_bytes` used for names that are not UTF-8).
#[track_caller]
fn entry<'a>(report: &'a Report, path: &Path) -> &'a serde_json::Value {
    report
        .files
        .iter()
        .find(|f| json_path(f, "path").as_deref() == Some(path))
        .unwrap_or_else(|| {
            panic!(
                "no file object for {}\n{}",
                path.display(),
                report.describe()
            )
        })
}

/// A path field of a file object: `NAME_bytes` when present, else `NAME`.
fn json_path(file: &serde_json::Value, name: &str) -> Option<PathBuf> {
    if let Some(bytes) = file[format!("{name}_bytes")].as_array() {
        let bytes: Vec<u8> = bytes.iter().map(|b| b.as_u64().unwrap() as u8).collect();
        return Some(PathBuf::from(OsString::from_vec(bytes)));
    }
    file[name].as_str().map(PathBuf::from)
}

fn error_of(file: &serde_json::Value) -> &str {
    file["error"].as_str().unwrap_or("")
}

/// Fixtures with GPS that clean successfully, to fill batches with.
const GPS_PHOTOS: &[&str] = &[
    "jpeg/full.jpg",
    "jpeg/gps-west.jpg",
    "jpeg/gps-south-west.jpg",
    "jpeg/mpf.jpg",
    "jpeg/motion.jpg",
    "samples/IMG_20240728_154233.jpg",
    "samples/IMG_20240914_093012.jpg",
    "samples/IMG_20240921_081547.jpg",
    "samples/IMG_20241005_170405.jpg",
];

/// Fills `dir` with `count` photos named `p000.jpg`…, cycling through
/// [`GPS_PHOTOS`]; returns (name, fixture) pairs.
fn fill(dir: &Path, count: usize) -> Vec<(String, &'static str)> {
    (0..count)
        .map(|i| {
            let name = format!("p{i:03}.jpg");
            let rel = GPS_PHOTOS[i % GPS_PHOTOS.len()];
            copy_fixture_to(rel, &dir.join(&name));
            (name, rel)
        })
        .collect()
}

/// The reference cleaning of each fixture in [`GPS_PHOTOS`] (and the
/// videos given), made with `clean --out` into `dir`: fixture → bytes.
fn references(dir: &Path, videos: &[&str]) -> std::collections::HashMap<String, Vec<u8>> {
    let input = dir.join("in");
    let all: Vec<&str> = GPS_PHOTOS.iter().chain(videos).copied().collect();
    for rel in &all {
        copy_fixture_to(rel, &input.join(rel));
    }
    let out = dir.join("out");
    run(args!["clean", "--quiet", "--out", out, input]).assert_code(0);
    all.iter()
        .map(|rel| (rel.to_string(), read(&out.join(rel))))
        .collect()
}

// ---------------------------------------------------------------------------
// A full disk
// ---------------------------------------------------------------------------

/// A batch of 40 photos and 4 videos into a 96 KiB tmpfs: the files that fit
/// are written and correct, the others fail with "the output disk is full",
/// nothing partial or temporary is left, every file is in the report,
/// originals are untouched, exit code 3.
#[test]
fn disk_full_fails_the_files_that_do_not_fit() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let refs = references(&tmp.path().join("ref"), &["video/xyz.mov"]);
    let input = tmp.path().join("in");
    let mut files = fill(&input, 40);
    for i in 0..4 {
        let name = format!("v{i}.mov");
        copy_fixture_to("video/xyz.mov", &input.join(&name));
        files.push((name, "video/xyz.mov"));
    }
    let out = tmp.path().join("out");
    let _mount = Mount::tmpfs(&out, "size=96k");

    let report = run_json(args!["clean", "--json", "--jobs", "2", "--out", out, input]);
    report.assert_code(3);
    assert_eq!(report.files.len(), files.len(), "{}", report.describe());
    let (mut written, mut full) = (0, 0);
    for (name, rel) in &files {
        let f = entry(&report, &input.join(name));
        let target = out.join(name);
        match f["status"].as_str() {
            Some("cleaned") => {
                written += 1;
                assert_eq!(json_path(f, "output"), Some(target.clone()));
                assert_eq!(
                    read(&target),
                    refs[*rel],
                    "{name}: the cleaned copy on the full disk differs from the reference"
                );
                if rel.ends_with(".jpg") && written < 4 {
                    assert_default_clean(&fixture(rel), &target);
                }
            }
            Some("failed") => {
                full += 1;
                assert!(
                    error_of(f).contains("the output disk is full") && error_of(f).contains(name),
                    "{name}: the error should say the disk is full and name the file: {f}"
                );
                assert!(f["output"].is_null(), "{f}");
                assert!(!target.exists(), "{name}: a failed file left {target:?}");
            }
            other => panic!("{name}: unexpected status {other:?}\n{}", report.describe()),
        }
        assert_eq!(
            read(&input.join(name)),
            read(&fixture(rel)),
            "{name} changed"
        );
    }
    assert!(written > 0, "nothing fitted: {}", report.describe());
    assert!(full > 0, "the disk never filled: {}", report.describe());
    assert!(
        files
            .iter()
            .any(|(n, _)| n.ends_with(".mov") && !out.join(n).exists()),
        "some video (copied with copy_file_range) should have met the full disk too"
    );
    assert_eq!(report.summary["failed"], full, "{}", report.summary);
    assert_eq!(report.summary["cleaned"], written, "{}", report.summary);
    assert_eq!(temp_files(&out), Vec::<PathBuf>::new(), "temp files left");
    assert_eq!(
        files_under(&out).len(),
        written,
        "only complete cleaned files are on the full disk"
    );
}

// ---------------------------------------------------------------------------
// A read-only output folder
// ---------------------------------------------------------------------------

/// `--out` on a read-only filesystem (root ignores permissions, a read-only
/// mount does not): every file fails saying so; nothing is written.
#[test]
fn read_only_output_folder_fails_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    copy_fixture_to("jpeg/full.jpg", &input.join("a.jpg"));
    copy_fixture_to("jpeg/gps-west.jpg", &input.join("sub/b.jpg"));
    copy_fixture_to("video/xyz.mov", &input.join("c.mov"));
    let out = tmp.path().join("out");
    let _mount = Mount::tmpfs(&out, "ro,size=1m");

    let report = run_json(args!["clean", "--json", "--out", out, input]);
    report.assert_code(3);
    assert_eq!(report.files.len(), 3, "{}", report.describe());
    for f in &report.files {
        assert_eq!(f["status"], "failed", "{}", report.describe());
        assert!(
            error_of(f).contains("read-only"),
            "the error should say the output folder is read-only: {f}"
        );
    }
    assert!(all_paths(&out).is_empty(), "{:?}", all_paths(&out));
    assert_eq!(read(&input.join("a.jpg")), read(&fixture("jpeg/full.jpg")));
    assert_eq!(
        read(&input.join("sub/b.jpg")),
        read(&fixture("jpeg/gps-west.jpg"))
    );
    assert_eq!(read(&input.join("c.mov")), read(&fixture("video/xyz.mov")));
}

/// `--in-place` on photos whose filesystem became read-only: each fails
/// clearly, and every original is exactly as it was.
#[test]
fn in_place_on_a_read_only_filesystem_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("photos");
    let mount = Mount::tmpfs(&dir, "size=4m");
    let files = fill(&dir, 5);
    mount.remount("ro");

    let report = run_json(args!["clean", "--json", "--in-place", "--backup", dir]);
    report.assert_code(3);
    assert_eq!(report.files.len(), files.len());
    for (name, rel) in &files {
        let f = entry(&report, &dir.join(name));
        assert_eq!(f["status"], "failed", "{f}");
        assert!(error_of(f).contains("read-only"), "{f}");
        assert_eq!(read(&dir.join(name)), read(&fixture(rel)), "{name} changed");
    }
    assert_eq!(all_paths(&dir).len(), files.len(), "{:?}", all_paths(&dir));
}

// ---------------------------------------------------------------------------
// Inputs that change during the run
// ---------------------------------------------------------------------------

/// fixtures/video/apple-keys.mov (moov first, mdat last, a location to
/// remove) with `pad` bytes of sparse media data added to its mdat.
fn big_video(path: &Path, pad: u64) -> u64 {
    let mut data = read(&fixture("video/apple-keys.mov"));
    let at = 20 + 2200;
    assert_eq!(
        &data[at + 4..at + 8],
        b"mdat",
        "the fixture's layout changed"
    );
    let size = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as u64;
    assert_eq!(at as u64 + size, data.len() as u64, "mdat is not last");
    data[at..at + 4].copy_from_slice(&u32::try_from(size + pad).unwrap().to_be_bytes());
    fs::write(path, &data).unwrap();
    let len = data.len() as u64 + pad;
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_len(len)
        .unwrap();
    len
}

/// With one worker, a 512 MiB video is cleaned first; as soon as its copy
/// starts (its temp file appears), a thread truncates it to half, and
/// deletes or truncates the files queued after it (already walked). Each of
/// them fails with a clear error; no short, partial or temp file is left;
/// the untouched file is still cleaned.
#[test]
fn inputs_truncated_or_deleted_during_the_run_fail_clearly() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    fs::create_dir_all(&input).unwrap();
    let big = input.join("a-big.mov");
    let len = big_video(&big, 512 << 20);
    // What cleaning the big video gives before anyone touches it: its
    // padding is no sample's data, so a cleaned copy needs only its start.
    let expected = tmp.path().join("expected");
    run(args!["clean", "--quiet", "--out", expected, big]).assert_code(0);
    let expected = read(&expected.join("a-big.mov"));
    copy_fixture_to("jpeg/full.jpg", &input.join("b-deleted.jpg"));
    copy_fixture_to("jpeg/full.jpg", &input.join("c-truncated.jpg"));
    copy_fixture_to("video/xyz.mov", &input.join("d-truncated.mov"));
    copy_fixture_to("video/xyz.mov", &input.join("e-deleted.mov"));
    copy_fixture_to("jpeg/gps-west.jpg", &input.join("f-untouched.jpg"));
    let out = tmp.path().join("out");
    fs::create_dir_all(&out).unwrap();

    let seen = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let meddler = {
        let (input, out, big) = (input.clone(), out.clone(), big.clone());
        let (seen, done) = (seen.clone(), done.clone());
        thread::spawn(move || {
            while !done.load(Ordering::SeqCst) {
                if !temp_files(&out).is_empty() || unnamed_file_open_in(&out) {
                    let shrink = |p: &Path, to: u64| {
                        let f = fs::File::options().write(true).open(p).unwrap();
                        f.set_len(to).unwrap();
                    };
                    shrink(&big, len / 2);
                    fs::remove_file(input.join("b-deleted.jpg")).unwrap();
                    shrink(&input.join("c-truncated.jpg"), 6000);
                    shrink(&input.join("d-truncated.mov"), 3000);
                    fs::remove_file(input.join("e-deleted.mov")).unwrap();
                    seen.store(true, Ordering::SeqCst);
                    return;
                }
                thread::sleep(Duration::from_micros(300));
            }
        })
    };
    let report = run_json(args!["clean", "--json", "--jobs", "1", "--out", out, input]);
    done.store(true, Ordering::SeqCst);
    meddler.join().unwrap();
    assert!(
        seen.load(Ordering::SeqCst),
        "the copy of the big video was never seen in progress\n{}",
        report.describe()
    );
    report.assert_code(3);
    assert_eq!(report.files.len(), 6, "{}", report.describe());
    // Truncated to half while its copy runs: either the run notices, or
    // every byte it needed was read before the cut and the copy is exactly
    // the clean form of the original.
    let a = entry(&report, &big);
    if a["status"] == "cleaned" {
        assert!(
            read(&out.join("a-big.mov")) == expected,
            "a-big.mov was cleaned from a file cut short: the copy differs"
        );
    } else {
        assert_eq!(a["status"], "failed", "{}", report.describe());
        assert!(error_of(a).contains("changed while being read"), "{a}");
        assert!(!out.join("a-big.mov").exists());
    }
    let expect = [
        ("b-deleted.jpg", "No such file"),
        ("c-truncated.jpg", ""),
        ("d-truncated.mov", ""),
        ("e-deleted.mov", "No such file"),
    ];
    for (name, why) in expect {
        let f = entry(&report, &input.join(name));
        assert_eq!(f["status"], "failed", "{name}: {}", report.describe());
        assert!(
            !error_of(f).trim().is_empty() && error_of(f).contains(why),
            "{name}: the error should say {why:?}: {f}"
        );
        assert!(f["output"].is_null(), "{f}");
        assert!(!out.join(name).exists(), "{name}: an output was written");
    }
    assert_eq!(report.status("f-untouched.jpg"), "cleaned");
    let mut written = vec![out.join("f-untouched.jpg")];
    if a["status"] == "cleaned" {
        written.insert(0, out.join("a-big.mov"));
    }
    assert_eq!(files_under(&out), written);
    assert!(temp_files(&out).is_empty());
}

/// A video that shrinks before it is opened (between the walk and its turn)
/// fails; with `--in-place` the shrunk original is left as it is.
#[test]
fn truncated_video_in_place_is_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    let video = copy_fixture_to("video/xyz.mov", &dir.join("v.mov"));
    let data = read(&video);
    fs::write(&video, &data[..data.len() - 700]).unwrap();
    let report = run_json(args!["clean", "--json", "--in-place", dir]);
    report.assert_code(3);
    assert_eq!(report.status("v.mov"), "failed");
    assert_eq!(read(&video), &data[..data.len() - 700]);
    assert!(temp_files(&dir).is_empty());
}

// ---------------------------------------------------------------------------
// SIGKILL during --in-place
// ---------------------------------------------------------------------------

/// The id of a process that has exited.
fn dead_pid() -> u32 {
    let mut child = Process::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

/// `clean --in-place` over 200 photos is killed with SIGKILL at several
/// moments: every photo is then either exactly its original or exactly its
/// reference cleaning (never half), a rerun cleans everything and removes
/// the killed run's temp files (a live process's temp file is left alone
/// and never taken for a photo). With `--backup`, every backup that exists
/// is exactly the original.
#[test]
fn sigkill_during_in_place_leaves_old_or_new_files() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let refs = references(&tmp.path().join("ref"), &[]);
    let bin = assert_cmd::cargo::cargo_bin("photoscrub");
    let mut killed_mid_run = 0;
    for (round, (wait_for, backup)) in [(1, false), (40, false), (120, true), (10, true)]
        .into_iter()
        .enumerate()
    {
        let dir = tmp.path().join(format!("round{round}"));
        let files = fill(&dir.join("sub"), 100);
        let more = fill(&dir, 100);
        let all: Vec<(PathBuf, &str)> = files
            .iter()
            .map(|(n, r)| (dir.join("sub").join(n), *r))
            .chain(more.iter().map(|(n, r)| (dir.join(n), *r)))
            .collect();
        let original_len: Vec<u64> = all
            .iter()
            .map(|(p, _)| fs::metadata(p).unwrap().len())
            .collect();

        let mut cmd = Process::new(&bin);
        cmd.args(["clean", "--quiet", "--in-place", "--jobs", "2"]);
        if backup {
            cmd.arg("--backup");
        }
        let mut child = cmd
            .arg(&dir)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        let start = Instant::now();
        let mut exited = false;
        loop {
            let changed = all
                .iter()
                .zip(&original_len)
                .filter(|((p, _), len)| fs::metadata(p).is_ok_and(|m| m.len() != **len))
                .count();
            if changed >= wait_for {
                break;
            }
            if child.try_wait().unwrap().is_some() {
                exited = true;
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(60), "the run hangs");
            thread::sleep(Duration::from_micros(200));
        }
        // SAFETY: kill(2) on our own child.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        let status = child.wait().unwrap();
        let mut cleaned_before_rerun = 0;
        for (path, rel) in &all {
            let now = read(path);
            let original = read(&fixture(rel));
            if now == refs[*rel] {
                cleaned_before_rerun += 1;
            } else {
                assert_eq!(
                    now,
                    original,
                    "round {round}: {} is neither the original nor the cleaned file",
                    path.display()
                );
            }
            let backup_file = backup_path(path);
            if backup_file.exists() {
                assert!(
                    backup,
                    "a backup without --backup: {}",
                    backup_file.display()
                );
                assert_eq!(read(&backup_file), original, "{}", backup_file.display());
            }
        }
        if !exited && status.code().is_none() && cleaned_before_rerun < all.len() {
            killed_mid_run += 1;
        }
        for t in temp_files(&dir) {
            let name = t.file_name().unwrap().to_string_lossy().into_owned();
            assert!(
                name.starts_with(&format!(".photoscrub-{pid}-")),
                "a temp file not of the killed run: {name}"
            );
        }
        // A temp file of a run that is gone, and one of a running process.
        let stale = dir.join(format!(".photoscrub-{}-aaaaaaaaaa.tmp", dead_pid()));
        fs::copy(fixture("jpeg/full.jpg"), &stale).unwrap();
        let live = dir.join(format!(".photoscrub-{}-bbbbbbbbbb.tmp", std::process::id()));
        fs::copy(fixture("jpeg/full.jpg"), &live).unwrap();

        let mut rerun = vec![
            OsString::from("clean"),
            "--json".into(),
            "--in-place".into(),
        ];
        if backup {
            rerun.push("--backup".into());
        }
        rerun.push(dir.clone().into());
        let report = run_json(&rerun);
        report.assert_code(0);
        assert_eq!(report.files.len(), all.len(), "{}", report.describe());
        for (path, rel) in &all {
            assert_eq!(
                read(path),
                refs[*rel],
                "round {round}: {} is not clean",
                path.display()
            );
            if backup {
                let b = backup_path(path);
                assert_eq!(read(&b), read(&fixture(rel)), "{}", b.display());
            }
        }
        assert!(
            live.exists(),
            "the temp file of a running process was removed"
        );
        assert_eq!(
            read(&live),
            read(&fixture("jpeg/full.jpg")),
            "it was cleaned as a photo"
        );
        fs::remove_file(&live).unwrap();
        assert_eq!(temp_files(&dir), Vec::<PathBuf>::new(), "round {round}");
        assert_default_clean(&fixture(all[0].1), &all[0].0);
    }
    assert!(
        killed_mid_run >= 2,
        "only {killed_mid_run} of 4 runs were killed half-way; the test did not test"
    );
}

// ---------------------------------------------------------------------------
// --backup
// ---------------------------------------------------------------------------

#[test]
fn backup_keeps_the_original_with_its_time_and_never_overwrites() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("photos");
    let a = copy_fixture_to("jpeg/full.jpg", &dir.join("a.jpg"));
    let b = copy_fixture_to("jpeg/gps-west.jpg", &dir.join("sub/b.jpg"));
    let clean = copy_fixture_to("jpeg/clean.jpg", &dir.join("clean.jpg"));
    set_mtime(&a, 1_500_000_000);
    set_mode(&a, 0o640);
    let inode = fs::metadata(&a).unwrap().ino();

    let report = run_json(args!["clean", "--json", "--in-place", "--backup", dir]);
    report.assert_code(0);
    let a_backup = dir.join("a.jpg.photoscrub-backup");
    assert_eq!(read(&a_backup), read(&fixture("jpeg/full.jpg")));
    assert_eq!(mtime(&a_backup), 1_500_000_000, "the backup keeps its time");
    assert_eq!(mode(&a_backup), 0o640);
    assert_eq!(
        fs::metadata(&a_backup).unwrap().ino(),
        inode,
        "the backup is the original file itself (a hard link)"
    );
    assert_eq!(
        mtime(&a),
        1_500_000_000,
        "the cleaned file keeps the time too"
    );
    assert_default_clean(&fixture("jpeg/full.jpg"), &a);
    assert_eq!(
        read(&dir.join("sub/b.jpg.photoscrub-backup")),
        read(&fixture("jpeg/gps-west.jpg"))
    );
    assert_default_clean(&fixture("jpeg/gps-west.jpg"), &b);
    assert_eq!(report.status("clean.jpg"), "already-clean");
    assert!(
        !dir.join("clean.jpg.photoscrub-backup").exists(),
        "an unchanged file gets no backup"
    );
    assert_eq!(read(&clean), read(&fixture("jpeg/clean.jpg")));

    // A second run touches neither the cleaned files nor the backups, and
    // never takes a backup for a photo.
    let before: Vec<(PathBuf, Vec<u8>, i64, u64)> = all_paths(&dir)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let m = fs::metadata(&p).unwrap();
            (p.clone(), read(&p), mtime(&p), m.ino())
        })
        .collect();
    let again = run_json(args!["clean", "--json", "--in-place", "--backup", dir]);
    again.assert_code(0);
    assert_eq!(
        again.files.len(),
        3,
        "backups are not inputs: {}",
        again.describe()
    );
    assert!(again.files.iter().all(|f| f["status"] == "already-clean"));
    let after: Vec<(PathBuf, Vec<u8>, i64, u64)> = all_paths(&dir)
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| {
            let m = fs::metadata(&p).unwrap();
            (p.clone(), read(&p), mtime(&p), m.ino())
        })
        .collect();
    assert!(before == after, "the second run changed files");
    let check = run_json(args!["check", "--json", dir]);
    assert_eq!(check.files.len(), 3, "check skips backups too");

    // An existing different backup is never overwritten.
    let c = copy_fixture_to("jpeg/full.jpg", &dir.join("c.jpg"));
    let c_backup = dir.join("c.jpg.photoscrub-backup");
    fs::write(&c_backup, b"someone's precious file").unwrap();
    let third = run_json(args!["clean", "--json", "--in-place", "--backup", dir]);
    third.assert_code(3);
    let f = third.file("c.jpg");
    assert_eq!(f["status"], "failed", "{f}");
    assert!(error_of(f).contains("backup already exists"), "{f}");
    assert_eq!(read(&c), read(&fixture("jpeg/full.jpg")), "c.jpg changed");
    assert_eq!(read(&c_backup), b"someone's precious file");

    // A backup that is the same file (left by an interrupted run) is reused.
    fs::remove_file(&c_backup).unwrap();
    fs::hard_link(&c, &c_backup).unwrap();
    let fourth = run_json(args!["clean", "--json", "--in-place", "--backup", c]);
    fourth.assert_code(0);
    assert_eq!(read(&c_backup), read(&fixture("jpeg/full.jpg")));
    assert_default_clean(&fixture("jpeg/full.jpg"), &c);

    // Without --in-place, --backup is a usage error and nothing is written.
    let d = tmp.path().join("other");
    copy_fixture_to("jpeg/full.jpg", &d.join("d.jpg"));
    let usage = run(args!["clean", "--backup", d]);
    usage.assert_code(2);
    assert!(usage.stderr.contains("--in-place"), "{}", usage.describe());
    let usage2 = run(args!["--backup", d]);
    usage2.assert_code(2);
    assert_eq!(all_paths(&d), vec![d.join("d.jpg")]);
}

// ---------------------------------------------------------------------------
// Odd file names
// ---------------------------------------------------------------------------

#[test]
fn names_with_spaces_newlines_and_bad_utf8_work_end_to_end() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let names: Vec<OsString> = vec![
        "with space.jpg".into(),
        "new\nline.jpg".into(),
        OsStr::from_bytes(b"bad\xff\xfe utf8.jpg").to_os_string(),
        OsStr::from_bytes(b"dir \xe9\n/inner.jpg").to_os_string(),
    ];
    for name in &names {
        copy_fixture_to("jpeg/full.jpg", &input.join(name));
    }
    let out = tmp.path().join("out");
    let report = run_json(args!["clean", "--json", "--out", out, input]);
    report.assert_code(0);
    assert_eq!(report.files.len(), names.len(), "{}", report.describe());
    for name in &names {
        let f = entry(&report, &input.join(name));
        assert_eq!(f["status"], "cleaned", "{f}");
        let output = out.join(name);
        assert_eq!(json_path(f, "output"), Some(output.clone()), "{f}");
        assert_eq!(
            f["path_bytes"].is_array(),
            input.join(name).to_str().is_none(),
            "path_bytes exactly when the name is not UTF-8: {f}"
        );
        assert_default_clean(&fixture("jpeg/full.jpg"), &output);
    }
    // The human report keeps one line per file: the newline is escaped.
    let text = run(args!["check", input]);
    text.assert_code(1);
    let stdout = text.stdout_str();
    assert!(stdout.contains("new\\nline.jpg: would leak"), "{stdout}");
    assert!(
        stdout.contains("bad\u{FFFD}\u{FFFD} utf8.jpg: would leak"),
        "{stdout}"
    );
    // In place too: the cleaned file replaces the original under its name.
    let report = run_json(args!["clean", "--json", "--in-place", input]);
    report.assert_code(0);
    for name in &names {
        assert_eq!(read(&input.join(name)), read(&out.join(name)));
    }
    assert_eq!(files_under(&input).len(), names.len());
}

// ---------------------------------------------------------------------------
// Symlinks
// ---------------------------------------------------------------------------

#[test]
fn symlinks_in_folders_are_skipped_unless_follow() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let outside = tmp.path().join("outside");
    let secret = copy_fixture_to("jpeg/full.jpg", &outside.join("secret.jpg"));
    let input = tmp.path().join("in");
    copy_fixture_to("jpeg/gps-west.jpg", &input.join("a.jpg"));
    symlink(&secret, input.join("link.jpg")).unwrap();
    symlink(&outside, input.join("dirlink")).unwrap();

    // Default: not followed, counted as skipped.
    let out = tmp.path().join("out");
    let report = run_json(args!["clean", "--json", "--out", out, input]);
    report.assert_code(0);
    assert_eq!(report.files.len(), 1, "{}", report.describe());
    assert_eq!(report.summary["skipped"], 2, "{}", report.summary);
    assert_eq!(files_under(&out), vec![out.join("a.jpg")]);
    let text = run(args!["check", "--help"]);
    assert!(text.stdout_str().contains("--follow"));
    assert!(text
        .stdout_str()
        .contains("Symlinks found inside folders are skipped"));

    let report = run_json(args!["clean", "--json", "--in-place", input]);
    report.assert_code(0);
    assert_eq!(
        read(&secret),
        read(&fixture("jpeg/full.jpg")),
        "followed a link"
    );
    assert!(fs::symlink_metadata(input.join("link.jpg"))
        .unwrap()
        .is_symlink());

    // A link named on the command line is followed.
    let named = tmp.path().join("named");
    let report = run_json(args![
        "clean",
        "--json",
        "--out",
        named,
        input.join("link.jpg")
    ]);
    report.assert_code(0);
    assert_default_clean(&secret, &named.join("link.jpg"));
    assert_eq!(read(&secret), read(&fixture("jpeg/full.jpg")));

    // --follow: both links are followed; they lead to one file, which is
    // cleaned once (at the first path in walk order) and counted once.
    let out2 = tmp.path().join("out2");
    let report = run_json(args!["clean", "--json", "--follow", "--out", out2, input]);
    report.assert_code(0);
    assert_eq!(
        files_under(&out2),
        vec![out2.join("a.jpg"), out2.join("dirlink/secret.jpg")]
    );
    assert_eq!(report.summary["files"], 2, "{}", report.summary);
    assert_eq!(report.summary["skipped"], 1, "link.jpg: {}", report.summary);
    assert_default_clean(&secret, &out2.join("dirlink/secret.jpg"));
    assert_eq!(read(&secret), read(&fixture("jpeg/full.jpg")));

    // --follow --in-place: the target is cleaned (once), the link stays a link.
    let report = run_json(args!["clean", "--json", "--follow", "--in-place", input]);
    report.assert_code(0);
    assert!(fs::symlink_metadata(input.join("link.jpg"))
        .unwrap()
        .is_symlink());
    assert!(fs::symlink_metadata(input.join("dirlink"))
        .unwrap()
        .is_symlink());
    assert_default_clean(&fixture("jpeg/full.jpg"), &secret);
    assert_eq!(
        files_under(&outside),
        vec![secret.clone()],
        "{:?}",
        all_paths(&outside)
    );
}

#[test]
fn symlink_loop_with_follow_is_reported_and_the_run_finishes() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    copy_fixture_to("jpeg/full.jpg", &input.join("sub/a.jpg"));
    symlink("..", input.join("sub/up")).unwrap();
    symlink("loop2", input.join("loop1")).unwrap();
    symlink("loop1", input.join("loop2")).unwrap();
    let out = tmp.path().join("out");
    let mut cmd = photoscrub();
    cmd.args(args!["clean", "--json", "--follow", "--out", out, input])
        .timeout(Duration::from_secs(60));
    let output = cmd.output().unwrap();
    let (files, summary) = parse_json_lines(&String::from_utf8_lossy(&output.stdout), "");
    assert_eq!(output.status.code(), Some(3), "{files:?}");
    let up = files
        .iter()
        .find(|f| f["path"].as_str().is_some_and(|p| p.ends_with("sub/up")))
        .expect("the loop is reported");
    assert_eq!(up["status"], "failed");
    assert!(error_of(up).contains("symlink loop"), "{up}");
    assert!(files
        .iter()
        .any(|f| f["path"].as_str().unwrap().ends_with("loop1")));
    assert_eq!(summary["cleaned"], 1, "{summary}");
    assert_eq!(files_under(&out), vec![out.join("sub/a.jpg")]);
}

#[test]
fn out_subfolder_symlinked_elsewhere_is_an_error_and_nothing_leaves_out() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    copy_fixture_to("jpeg/full.jpg", &input.join("sub/a.jpg"));
    copy_fixture_to("jpeg/full.jpg", &input.join("inside/c.jpg"));
    copy_fixture_to("jpeg/gps-west.jpg", &input.join("b.jpg"));
    let elsewhere = tmp.path().join("elsewhere");
    fs::create_dir_all(&elsewhere).unwrap();
    let out = tmp.path().join("out");
    fs::create_dir_all(out.join("real")).unwrap();
    symlink(&elsewhere, out.join("sub")).unwrap();
    symlink("real", out.join("inside")).unwrap();

    let report = run_json(args!["clean", "--json", "--out", out, input]);
    report.assert_code(3);
    let f = report.file("sub/a.jpg");
    assert_eq!(f["status"], "failed", "{f}");
    assert!(
        error_of(f).contains("symlink leading out of the output folder"),
        "{f}"
    );
    assert_eq!(report.status("b.jpg"), "cleaned");
    assert_eq!(
        report.status("inside/c.jpg"),
        "cleaned",
        "a link inside --out is fine"
    );
    assert!(all_paths(&elsewhere).is_empty(), "written outside --out");
    assert!(out.join("real/c.jpg").is_file());
}

/// With `--follow --in-place --backup`, a photo reached both directly and
/// through a link is cleaned once (one backup); a folder named through a
/// symlink is walked, and the named link itself is not counted as skipped.
#[test]
fn follow_in_place_cleans_a_file_reached_twice_once() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in");
    let a = copy_fixture_to("jpeg/full.jpg", &input.join("a.jpg"));
    symlink("a.jpg", input.join("z-link.jpg")).unwrap();
    let named = tmp.path().join("named");
    symlink(&input, &named).unwrap();

    let check = run_json(args!["check", "--json", named]);
    check.assert_code(1);
    assert_eq!(check.files.len(), 1, "{}", check.describe());
    assert_eq!(
        check.summary["skipped"], 1,
        "only z-link.jpg: {}",
        check.summary
    );

    let report = run_json(args![
        "clean",
        "--json",
        "--follow",
        "--in-place",
        "--backup",
        "--jobs",
        "2",
        named
    ]);
    report.assert_code(0);
    assert_eq!(report.files.len(), 1, "{}", report.describe());
    assert_eq!(report.summary["cleaned"], 1, "{}", report.summary);
    assert_eq!(report.summary["skipped"], 1, "{}", report.summary);
    assert_default_clean(&fixture("jpeg/full.jpg"), &a);
    assert_eq!(
        read(&input.join("a.jpg.photoscrub-backup")),
        read(&fixture("jpeg/full.jpg"))
    );
    assert!(fs::symlink_metadata(input.join("z-link.jpg"))
        .unwrap()
        .is_symlink());
    assert_eq!(
        all_paths(&input),
        vec![
            input.join("a.jpg"),
            input.join("a.jpg.photoscrub-backup"),
            input.join("z-link.jpg")
        ]
    );
}
