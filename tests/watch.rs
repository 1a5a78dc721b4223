//! `photoscrub watch`: real filesystem events in temporary folders.
//!
//! Each test starts the binary with `--json`, reads its events as they come,
//! and waits for what it expects with a generous timeout (polling, no fixed
//! long sleeps). Outputs are checked with ExifTool (no GPS, the default-policy
//! allowlist) and the image crate (the whole picture is there).

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// How long any single expectation may take before the test fails.
const TIMEOUT: Duration = Duration::from_secs(120);

/// A running `photoscrub watch --json`, with its output collected.
struct Watcher {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    stderr: Arc<Mutex<String>>,
    args: Vec<String>,
}

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("photoscrub")
}

/// Starts `photoscrub watch INBOX --out OUT --json EXTRA...`.
fn start(inbox: &Path, out: &Path, extra: &[&str]) -> Watcher {
    let mut args: Vec<String> = vec![
        "watch".into(),
        inbox.display().to_string(),
        "--out".into(),
        out.display().to_string(),
        "--json".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    let mut child = Command::new(binary())
        .env("LC_ALL", "C.UTF-8")
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("photoscrub watch starts");
    let lines = Arc::new(Mutex::new(Vec::new()));
    let stderr = Arc::new(Mutex::new(String::new()));
    let stdout = child.stdout.take().unwrap();
    let sink = lines.clone();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            sink.lock().unwrap().push(line);
        }
    });
    let err = child.stderr.take().unwrap();
    let sink = stderr.clone();
    thread::spawn(move || {
        for line in BufReader::new(err).lines() {
            let Ok(line) = line else { break };
            let mut s = sink.lock().unwrap();
            s.push_str(&line);
            s.push('\n');
        }
    });
    Watcher {
        child,
        lines,
        stderr,
        args,
    }
}

impl Watcher {
    /// Every JSON object printed so far.
    fn events(&self) -> Vec<Value> {
        self.lines
            .lock()
            .unwrap()
            .iter()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}\n{}", self.describe()))
            })
            .collect()
    }

    fn describe(&self) -> String {
        let lines = self.lines.lock().unwrap();
        let mut shown: Vec<String> = lines.iter().take(40).cloned().collect();
        if lines.len() > 40 {
            shown.push(format!("… and {} more lines", lines.len() - 40));
        }
        format!(
            "photoscrub {}\n  stdout:\n{}\n  stderr:\n{}",
            self.args.join(" "),
            shown.join("\n"),
            self.stderr.lock().unwrap()
        )
    }

    /// Waits until `done(events)` holds; panics with `what` after [`TIMEOUT`].
    #[track_caller]
    fn wait_for(&mut self, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
        let start = Instant::now();
        loop {
            let events = self.events();
            if done(&events) {
                return events;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the reader threads catch the last lines.
                thread::sleep(Duration::from_millis(200));
                let events = self.events();
                if done(&events) {
                    return events;
                }
                panic!(
                    "the watcher exited ({status}) while waiting for {what}\n{}",
                    self.describe()
                );
            }
            if start.elapsed() > TIMEOUT {
                panic!("timed out waiting for {what}\n{}", self.describe());
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the watcher says it has caught up and follows changes.
    #[track_caller]
    fn wait_caught_up(&mut self) {
        let start = Instant::now();
        while !self.stderr.lock().unwrap().contains("caught up") {
            assert!(
                self.child.try_wait().unwrap().is_none(),
                "the watcher exited early\n{}",
                self.describe()
            );
            assert!(
                start.elapsed() < TIMEOUT,
                "the watcher never caught up\n{}",
                self.describe()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn signal(&self, signal: libc::c_int) {
        // SAFETY: kill(2) on our own child's pid.
        let rc = unsafe { libc::kill(self.child.id() as libc::pid_t, signal) };
        assert_eq!(rc, 0, "kill failed");
    }

    /// Waits for the process to end; returns its exit code.
    #[track_caller]
    fn wait_exit(&mut self) -> i32 {
        let start = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                thread::sleep(Duration::from_millis(200));
                return status.code().unwrap_or_else(|| {
                    panic!("the watcher was killed ({status})\n{}", self.describe())
                });
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "the watcher did not exit\n{}",
                self.describe()
            );
            thread::sleep(Duration::from_millis(20));
        }
    }

    fn assert_running(&mut self) {
        assert!(
            self.child.try_wait().unwrap().is_none(),
            "the watcher stopped\n{}",
            self.describe()
        );
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Runs `photoscrub watch --once --json`; returns the exit code and events.
fn once(inbox: &Path, out: &Path, extra: &[&str]) -> (i32, Vec<Value>, Watcher) {
    let mut extra = extra.to_vec();
    extra.push("--once");
    let mut w = start(inbox, out, &extra);
    let code = w.wait_exit();
    let events = w.events();
    (code, events, w)
}

/// Events of one kind (`cleaned`, `failed`…).
fn of_kind<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == kind).collect()
}

/// How many events of `kind` each relative path had.
fn counts(events: &[Value], kind: &str) -> BTreeMap<String, usize> {
    let mut map = BTreeMap::new();
    for e in of_kind(events, kind) {
        let rel = e["relative"].as_str().expect("events have `relative`");
        *map.entry(rel.to_string()).or_default() += 1;
    }
    map
}

fn wait_until(what: &str, cond: impl Fn() -> bool) {
    let start = Instant::now();
    while !cond() {
        assert!(start.elapsed() < TIMEOUT, "timed out waiting for {what}");
        thread::sleep(Duration::from_millis(50));
    }
}

/// Folders `in` and `out` in a new temporary folder (paths canonical).
fn folders() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = fs::canonicalize(tmp.path()).unwrap();
    let inbox = root.join("in");
    let out = root.join("out");
    fs::create_dir_all(&inbox).unwrap();
    (tmp, inbox, out)
}

/// Our temporary files left anywhere under `dir`.
fn leftover_temps(dir: &Path) -> Vec<PathBuf> {
    files_under(dir)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with(".photoscrub-") && name.ends_with(".tmp")
        })
        .collect()
}

/// The cleaned files (not the state or lock file) under `out`.
fn outputs(out: &Path) -> Vec<PathBuf> {
    files_under(out)
        .into_iter()
        .filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect()
}

/// Panics unless ExifTool finds no GPS tag in any of `paths`.
#[track_caller]
fn assert_no_gps(paths: &[PathBuf]) {
    require_exiftool();
    for chunk in paths.chunks(200) {
        for tags in exiftool_many(chunk) {
            let gps = tags.find(|t| t.in_group("GPS") || t.name.starts_with("GPS"));
            assert!(
                gps.is_empty(),
                "{} still has GPS tags: {:?}",
                tags.source,
                gps.iter().map(|t| &t.key).collect::<Vec<_>>()
            );
        }
    }
}

/// The bytes of the i-th valid fixture (cycling), and its name.
fn valid_fixture(i: usize) -> (&'static str, Vec<u8>) {
    let name = VALID_JPEGS[i % VALID_JPEGS.len()];
    (name, read(&fixture(&format!("jpeg/{name}"))))
}

fn state(out: &Path) -> Value {
    let text = read(&out.join(".photoscrub-watch.json"));
    serde_json::from_slice(&text).expect("the state file is JSON")
}

#[test]
fn slow_writer_is_cleaned_once_after_it_finishes() {
    let (_tmp, inbox, out) = folders();
    let mut w = start(&inbox, &out, &[]);
    w.wait_caught_up();

    let source = fixture("jpeg/full.jpg");
    let bytes = read(&source);
    let target = inbox.join("slow.jpg");
    let cleaned = out.join("slow.jpg");
    let mut file = fs::File::create(&target).unwrap();
    let chunks: Vec<&[u8]> = bytes.chunks(bytes.len().div_ceil(10)).collect();
    for chunk in &chunks {
        file.write_all(chunk).unwrap();
        file.flush().unwrap();
        thread::sleep(Duration::from_millis(220));
        assert!(
            !cleaned.exists(),
            "slow.jpg was cleaned while it was still being written\n{}",
            w.describe()
        );
        assert!(
            w.events().iter().all(|e| e["relative"] != "slow.jpg"),
            "an event for slow.jpg came before it was complete\n{}",
            w.describe()
        );
    }
    drop(file);

    w.wait_for("slow.jpg cleaned", |e| {
        counts(e, "cleaned").contains_key("slow.jpg")
    });
    // Long enough for a second (wrong) round: two quiet periods.
    thread::sleep(Duration::from_millis(2500));
    let events = w.events();
    let about: Vec<&Value> = events
        .iter()
        .filter(|e| e["relative"] == "slow.jpg")
        .collect();
    assert_eq!(about.len(), 1, "exactly one event\n{}", w.describe());
    assert_eq!(about[0]["status"], "cleaned");
    assert_eq!(about[0]["output"], cleaned.display().to_string());
    assert_eq!(read(&target), bytes, "the original was modified");
    assert_same_pixels(&source, &cleaned);
    assert_default_clean(&source, &cleaned);
    assert_no_gps(&[cleaned]);
    w.assert_running();
}

#[test]
fn burst_of_500_files_each_cleaned_exactly_once() {
    let (_tmp, inbox, out) = folders();
    let mut w = start(&inbox, &out, &[]);
    w.wait_caught_up();

    const N: usize = 500;
    let mut names = BTreeSet::new();
    for i in 0..N {
        let (_, bytes) = valid_fixture(i);
        let name = format!("burst-{i:03}.jpg");
        fs::write(inbox.join(&name), bytes).unwrap();
        names.insert(name);
    }
    w.wait_for("500 cleaned events", |e| counts(e, "cleaned").len() >= N);
    thread::sleep(Duration::from_millis(2500));
    let events = w.events();
    let cleaned = counts(&events, "cleaned");
    let keys: BTreeSet<String> = cleaned.keys().cloned().collect();
    assert_eq!(keys, names, "every file cleaned\n{}", w.describe());
    let twice: Vec<_> = cleaned.iter().filter(|(_, n)| **n != 1).collect();
    assert!(twice.is_empty(), "cleaned more than once: {twice:?}");
    assert!(of_kind(&events, "failed").is_empty(), "{}", w.describe());
    assert_eq!(events.len(), N, "no other events\n{}", w.describe());

    let produced = outputs(&out);
    assert_eq!(produced.len(), N);
    assert!(leftover_temps(&out).is_empty());
    assert_no_gps(&produced);
    for i in [0, 1, 7, 250, 499] {
        let (name, _) = valid_fixture(i);
        assert_same_pixels(
            &fixture(&format!("jpeg/{name}")),
            &out.join(format!("burst-{i:03}.jpg")),
        );
    }
    w.assert_running();

    // The state file (saved at least once a second) records all of them.
    wait_until("the state file to list 500 files", || {
        state(&out)["files"]
            .as_object()
            .is_some_and(|f| f.len() == N && f.values().all(|v| v["status"] != "pending"))
    });
}

#[test]
fn files_renamed_or_moved_into_the_inbox_are_cleaned() {
    let (tmp, inbox, out) = folders();
    let mut w = start(&inbox, &out, &[]);
    w.wait_caught_up();

    // A download in progress: written under a partial name, renamed when done.
    let partial = inbox.join("x.jpg.part");
    fs::write(&partial, read(&fixture("jpeg/full.jpg"))).unwrap();
    let crdownload = inbox.join("y.jpg.crdownload");
    fs::write(&crdownload, read(&fixture("jpeg/gps-west.jpg"))).unwrap();
    let hidden = inbox.join(".z.jpg");
    fs::write(&hidden, read(&fixture("jpeg/gps-west.jpg"))).unwrap();
    // Longer than the quiet period: a partial name must not be cleaned.
    thread::sleep(Duration::from_millis(1800));
    assert!(
        w.events().is_empty(),
        "partial names were acted on\n{}",
        w.describe()
    );
    assert!(outputs(&out).is_empty());

    fs::rename(&partial, inbox.join("x.jpg")).unwrap();
    // Moved in from outside the inbox (same filesystem: a rename).
    let outside = tmp.path().join("elsewhere");
    let moved = copy_fixture("jpeg/gps-south-west.jpg", &outside);
    fs::rename(&moved, inbox.join("moved.jpg")).unwrap();

    let events = w.wait_for("x.jpg and moved.jpg cleaned", |e| {
        let c = counts(e, "cleaned");
        c.contains_key("x.jpg") && c.contains_key("moved.jpg")
    });
    assert_eq!(events.len(), 2, "{}", w.describe());
    assert_default_clean(&fixture("jpeg/full.jpg"), &out.join("x.jpg"));
    assert_default_clean(&fixture("jpeg/gps-south-west.jpg"), &out.join("moved.jpg"));
    assert!(!out.join("x.jpg.part").exists());
    assert!(!out.join("y.jpg.crdownload").exists());
    assert!(!out.join(".z.jpg").exists());

    fs::rename(&crdownload, inbox.join("y.jpg")).unwrap();
    w.wait_for("y.jpg cleaned", |e| {
        counts(e, "cleaned").contains_key("y.jpg")
    });
    assert_no_gps(&outputs(&out));
    w.assert_running();
}

#[test]
fn files_in_new_subfolders_keep_their_relative_path() {
    let (tmp, inbox, out) = folders();
    let mut w = start(&inbox, &out, &[]);
    w.wait_caught_up();

    // A folder created after the start, then filled.
    let trip = inbox.join("2024").join("trip");
    fs::create_dir_all(&trip).unwrap();
    fs::write(trip.join("a.jpg"), read(&fixture("jpeg/full.jpg"))).unwrap();
    fs::write(trip.join("b.jpg"), read(&fixture("jpeg/mpf.jpg"))).unwrap();
    // A folder filled elsewhere and moved in as a whole (nested, too).
    let staged = tmp.path().join("staged");
    fs::create_dir_all(staged.join("deeper")).unwrap();
    fs::write(staged.join("c.jpg"), read(&fixture("jpeg/gps-west.jpg"))).unwrap();
    fs::write(
        staged.join("deeper/d.jpg"),
        read(&fixture("jpeg/makernote.jpg")),
    )
    .unwrap();
    fs::rename(&staged, inbox.join("camera")).unwrap();

    let expected: BTreeSet<String> = [
        "2024/trip/a.jpg",
        "2024/trip/b.jpg",
        "camera/c.jpg",
        "camera/deeper/d.jpg",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let events = w.wait_for("the four files cleaned", |e| {
        counts(e, "cleaned")
            .keys()
            .cloned()
            .collect::<BTreeSet<_>>()
            == expected
    });
    assert_eq!(events.len(), 4, "{}", w.describe());
    for rel in &expected {
        assert!(out.join(rel).is_file(), "{rel} missing under the output");
    }
    assert_default_clean(&fixture("jpeg/full.jpg"), &out.join("2024/trip/a.jpg"));
    assert_default_clean(
        &fixture("jpeg/makernote.jpg"),
        &out.join("camera/deeper/d.jpg"),
    );
    assert_no_gps(&outputs(&out));
}

#[test]
fn restart_mid_burst_cleans_every_file_once() {
    let (_tmp, inbox, out) = folders();
    let mut first = start(&inbox, &out, &["--jobs", "1"]);
    first.wait_caught_up();
    const N: usize = 300;
    for i in 0..N {
        fs::write(inbox.join(format!("r{i:03}.jpg")), valid_fixture(i).1).unwrap();
    }
    first.wait_for("the first cleaned files", |e| !e.is_empty());
    first.signal(libc::SIGTERM);
    assert_eq!(first.wait_exit(), 0, "{}", first.describe());
    // More files arrive while it is stopped.
    const M: usize = 50;
    for i in N..N + M {
        fs::write(inbox.join(format!("r{i:03}.jpg")), valid_fixture(i).1).unwrap();
    }
    let events1 = first.events();
    let before = counts(&events1, "cleaned");
    assert!(!before.is_empty());
    eprintln!("the first run cleaned {} of {N} files", before.len());
    assert!(
        leftover_temps(&out).is_empty(),
        "temporary files after SIGTERM"
    );
    for rel in before.keys() {
        assert!(out.join(rel).is_file(), "{rel} reported but not written");
    }

    let mut second = start(&inbox, &out, &["--jobs", "4"]);
    second.wait_for("the rest cleaned", |e| {
        let after = counts(e, "cleaned");
        before.len() + after.len() >= N + M
    });
    thread::sleep(Duration::from_millis(2500));
    let events2 = second.events();
    let after = counts(&events2, "cleaned");
    let mut all = before.clone();
    for (rel, n) in &after {
        *all.entry(rel.clone()).or_default() += n;
    }
    assert_eq!(all.len(), N + M, "every file cleaned");
    let twice: Vec<_> = all.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        twice.is_empty(),
        "cleaned more than once across the restart ({} in the first run): {twice:?}",
        before.len()
    );
    assert_eq!(outputs(&out).len(), N + M);
    assert!(leftover_temps(&out).is_empty());
    second.signal(libc::SIGTERM);
    assert_eq!(second.wait_exit(), 0);

    // A third start finds nothing to do.
    let (code, events3, w) = once(&inbox, &out, &[]);
    assert_eq!(code, 0, "{}", w.describe());
    assert!(
        of_kind(&events3, "cleaned").is_empty(),
        "work done again after a restart\n{}",
        w.describe()
    );
    let files = state(&out)["files"].as_object().unwrap().clone();
    assert_eq!(files.len(), N + M);
    assert!(
        files
            .values()
            .all(|v| v["status"] == "cleaned" || v["status"] == "already-clean"),
        "{files:?}"
    );
}

#[test]
fn once_catches_up_and_exits() {
    let (_tmp, inbox, _) = folders();
    // The output folder inside the inbox: it must never be cleaned itself.
    let out = inbox.join("ready");
    copy_fixture("jpeg/full.jpg", &inbox);
    copy_fixture("jpeg/clean.jpg", &inbox);
    copy_fixture("jpeg/mpf.jpg", &inbox.join("sub/deeper"));
    fs::write(inbox.join("notes.txt"), "not a photo").unwrap();
    fs::write(inbox.join("half.jpg.part"), b"\xFF\xD8\xFF").unwrap();
    fs::write(inbox.join("~$lock.jpg"), b"\xFF\xD8\xFF").unwrap();
    fs::create_dir_all(inbox.join(".thumbnails")).unwrap();
    copy_fixture("jpeg/full.jpg", &inbox.join(".thumbnails"));
    let originals: Vec<(PathBuf, Vec<u8>, i64)> = files_under(&inbox)
        .into_iter()
        .map(|p| (p.clone(), read(&p), mtime(&p)))
        .collect();

    let (code, events, w) = once(&inbox, &out, &[]);
    assert_eq!(code, 0, "{}", w.describe());
    let cleaned = counts(&events, "cleaned");
    let expected: BTreeSet<&str> = ["full.jpg", "clean.jpg", "sub/deeper/mpf.jpg"].into();
    assert_eq!(
        cleaned.keys().map(String::as_str).collect::<BTreeSet<_>>(),
        expected,
        "{}",
        w.describe()
    );
    let clean = events
        .iter()
        .find(|e| e["relative"] == "clean.jpg")
        .unwrap();
    assert_eq!(clean["status"], "already-clean");
    assert_eq!(counts(&events, "skipped").len(), 1, "{}", w.describe());
    assert!(counts(&events, "skipped").contains_key("notes.txt"));
    let summary = events.last().unwrap();
    assert_eq!(summary["type"], "summary", "{}", w.describe());
    assert_eq!(summary["cleaned"], 2);
    assert_eq!(summary["already_clean"], 1);
    assert_default_clean(&fixture("jpeg/full.jpg"), &out.join("full.jpg"));
    assert_default_clean(&fixture("jpeg/mpf.jpg"), &out.join("sub/deeper/mpf.jpg"));
    assert!(!out.join(".thumbnails").exists());
    assert!(!out.join("ready").exists(), "the output folder was cleaned");
    for (path, bytes, time) in &originals {
        assert_eq!(&read(path), bytes, "{} was modified", path.display());
        assert_eq!(mtime(path), *time, "{} was touched", path.display());
    }

    // Again: nothing is new, nothing is done twice.
    let (code, events, w) = once(&inbox, &out, &[]);
    assert_eq!(code, 0, "{}", w.describe());
    assert_eq!(events.len(), 1, "only the summary\n{}", w.describe());

    // A changed original is cleaned again (and replaces its cleaned copy).
    fs::write(inbox.join("full.jpg"), read(&fixture("jpeg/gps-west.jpg"))).unwrap();
    let (code, events, w) = once(&inbox, &out, &[]);
    assert_eq!(code, 0, "{}", w.describe());
    assert_eq!(
        counts(&events, "cleaned").keys().collect::<Vec<_>>(),
        ["full.jpg"],
        "{}",
        w.describe()
    );
    assert_default_clean(&fixture("jpeg/gps-west.jpg"), &out.join("full.jpg"));

    // A failed file makes --once exit 3.
    copy_fixture("jpeg/truncated-header.jpg", &inbox);
    let (code, events, w) = once(&inbox, &out, &[]);
    assert_eq!(code, 3, "{}", w.describe());
    assert_eq!(
        counts(&events, "failed").keys().collect::<Vec<_>>(),
        ["truncated-header.jpg"]
    );
    assert!(!out.join("truncated-header.jpg").exists());
}

#[test]
fn poll_mode_finds_new_files() {
    let (_tmp, inbox, out) = folders();
    copy_fixture("jpeg/full.jpg", &inbox);
    let mut w = start(&inbox, &out, &["--poll", "1"]);
    w.wait_for("the file present at start", |e| {
        counts(e, "cleaned").contains_key("full.jpg")
    });
    w.wait_caught_up();
    copy_fixture("jpeg/gps-west.jpg", &inbox.join("later"));
    fs::write(inbox.join("p.jpg.part"), read(&fixture("jpeg/mpf.jpg"))).unwrap();
    w.wait_for("the new file", |e| {
        counts(e, "cleaned").contains_key("later/gps-west.jpg")
    });
    fs::rename(inbox.join("p.jpg.part"), inbox.join("p.jpg")).unwrap();
    let events = w.wait_for("the renamed file", |e| {
        counts(e, "cleaned").contains_key("p.jpg")
    });
    assert_eq!(events.len(), 3, "{}", w.describe());
    assert_no_gps(&outputs(&out));
    assert_default_clean(&fixture("jpeg/mpf.jpg"), &out.join("p.jpg"));
    w.signal(libc::SIGINT);
    assert_eq!(w.wait_exit(), 0, "{}", w.describe());
}

#[test]
fn sigterm_during_work_exits_0_and_leaves_no_partial_files() {
    let (_tmp, inbox, out) = folders();
    const N: usize = 200;
    for i in 0..N {
        fs::write(inbox.join(format!("s{i:03}.jpg")), valid_fixture(i).1).unwrap();
    }
    let mut w = start(&inbox, &out, &["--jobs", "2"]);
    w.wait_for("work to start", |e| !e.is_empty());
    w.signal(libc::SIGTERM);
    assert_eq!(w.wait_exit(), 0, "{}", w.describe());
    let check = |out: &Path| {
        assert!(leftover_temps(out).is_empty(), "temporary files left");
        for path in outputs(out) {
            let name = path.file_name().unwrap().to_string_lossy().to_string();
            let i: usize = name[1..4].parse().unwrap();
            let (fixture_name, _) = valid_fixture(i);
            // A complete picture (never half a file) and no GPS.
            assert_same_pixels(&fixture(&format!("jpeg/{fixture_name}")), &path);
        }
    };
    check(&out);
    let events = w.events();
    for e in of_kind(&events, "cleaned") {
        assert!(Path::new(e["output"].as_str().unwrap()).is_file());
    }
    assert_eq!(events.last().unwrap()["type"], "summary");

    // Twice: the second signal abandons the files in flight. The next start
    // removes any temporary file they left, and finishes the work.
    let mut w = start(&inbox, &out, &["--jobs", "2"]);
    w.wait_caught_up();
    let seen = w.events().len();
    for i in N..2 * N {
        fs::write(inbox.join(format!("s{i:03}.jpg")), valid_fixture(i).1).unwrap();
    }
    w.wait_for("work on the new files to start", |e| e.len() > seen);
    w.signal(libc::SIGTERM);
    w.signal(libc::SIGTERM);
    assert_eq!(w.wait_exit(), 0, "{}", w.describe());
    let (code, _, w) = once(&inbox, &out, &[]);
    assert_eq!(code, 0, "{}", w.describe());
    check(&out);
    assert_eq!(outputs(&out).len(), 2 * N);
    assert_no_gps(&outputs(&out));
}

#[test]
fn a_failing_file_is_logged_and_the_others_are_cleaned() {
    let (_tmp, inbox, out) = folders();
    let mut w = start(&inbox, &out, &[]);
    w.wait_caught_up();
    copy_fixture_to("jpeg/truncated-header.jpg", &inbox.join("bad.jpg"));
    for name in ["full.jpg", "gps-west.jpg", "mpf.jpg"] {
        copy_fixture(&format!("jpeg/{name}"), &inbox);
    }
    let events = w.wait_for("three cleaned and one failed", |e| {
        counts(e, "cleaned").len() == 3 && counts(e, "failed").len() == 1
    });
    let failed = of_kind(&events, "failed")[0];
    assert_eq!(failed["relative"], "bad.jpg");
    assert_eq!(failed["status"], "failed");
    assert!(failed["output"].is_null());
    assert!(
        failed["error"].as_str().is_some_and(|s| !s.is_empty()),
        "{failed}"
    );
    assert!(!out.join("bad.jpg").exists());
    w.assert_running();

    // Still watching: new files are cleaned.
    copy_fixture("jpeg/gps-south-west.jpg", &inbox);
    w.wait_for("a later file cleaned", |e| {
        counts(e, "cleaned").contains_key("gps-south-west.jpg")
    });

    // The failed file is retried when it changes (here: completed).
    let tmp = inbox.join(".bad.jpg.swap");
    fs::write(&tmp, read(&fixture("jpeg/full.jpg"))).unwrap();
    fs::rename(&tmp, inbox.join("bad.jpg")).unwrap();
    let events = w.wait_for("bad.jpg cleaned after the change", |e| {
        counts(e, "cleaned").contains_key("bad.jpg")
    });
    assert_eq!(counts(&events, "failed")["bad.jpg"], 1);
    assert_default_clean(&fixture("jpeg/full.jpg"), &out.join("bad.jpg"));
    w.assert_running();
}

#[test]
fn exec_receives_the_cleaned_path() {
    let (tmp, inbox, out) = folders();
    let log = tmp.path().join("exec.log");
    let script = tmp.path().join("hook.sh");
    fs::write(
        &script,
        format!(
            "for last; do :; done\n\
             if [ -f \"$last\" ]; then state=present; else state=missing; fi\n\
             echo \"$state $PHOTOSCRUB_INPUT $*\" >> {}\n",
            log.display()
        ),
    )
    .unwrap();
    copy_fixture("jpeg/full.jpg", &inbox);
    copy_fixture("jpeg/truncated-header.jpg", &inbox.join("sub"));
    let exec = format!("sh {} first-arg", script.display());
    let mut w = start(&inbox, &out, &["--exec", &exec]);
    w.wait_for("full.jpg cleaned", |e| {
        counts(e, "cleaned").contains_key("full.jpg")
    });
    copy_fixture("jpeg/gps-west.jpg", &inbox.join("sub"));
    w.wait_for("sub/gps-west.jpg cleaned", |e| {
        counts(e, "cleaned").contains_key("sub/gps-west.jpg")
    });
    wait_until("two lines in the exec log", || {
        fs::read_to_string(&log).is_ok_and(|s| s.lines().count() >= 2)
    });
    let text = fs::read_to_string(&log).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort();
    assert_eq!(
        lines,
        [
            format!(
                "present {} first-arg {}",
                inbox.join("full.jpg").display(),
                out.join("full.jpg").display()
            ),
            format!(
                "present {} first-arg {}",
                inbox.join("sub/gps-west.jpg").display(),
                out.join("sub/gps-west.jpg").display()
            ),
        ],
        "the hook runs once per cleaned file, never for the failed one"
    );
    // The hook's own output never mixes with the JSON events.
    assert!(w.events().iter().all(|e| e.is_object()));
    w.signal(libc::SIGTERM);
    assert_eq!(w.wait_exit(), 0);
}

#[test]
fn wrong_folders_are_usage_errors() {
    let (_tmp, inbox, out) = folders();
    let same = run(args!["watch", inbox, "--out", inbox, "--once"]);
    same.assert_code(2);
    let missing = run(args!["watch", inbox.join("nope"), "--out", out, "--once"]);
    missing.assert_code(2);
    let nested_in = out.join("inbox");
    fs::create_dir_all(&nested_in).unwrap();
    let above = run(args!["watch", nested_in, "--out", out, "--once"]);
    above.assert_code(2);
    let no_out = run(args!["watch", inbox, "--once"]);
    no_out.assert_code(2);
}

#[test]
fn a_second_watcher_on_the_same_output_is_refused() {
    let (_tmp, inbox, out) = folders();
    let mut w = start(&inbox, &out, &[]);
    w.wait_caught_up();
    let second = run(args!["watch", inbox, "--out", out, "--once"]);
    second.assert_code(3);
    assert!(second.stderr.contains("already"), "{}", second.describe());
    w.signal(libc::SIGTERM);
    assert_eq!(w.wait_exit(), 0);
}

#[test]
fn output_folder_inside_the_inbox_is_not_watched() {
    let (_tmp, inbox, _) = folders();
    let out = inbox.join("To-Share");
    let mut w = start(&inbox, &out, &[]);
    w.wait_caught_up();
    copy_fixture("jpeg/full.jpg", &inbox);
    w.wait_for("full.jpg cleaned", |e| {
        counts(e, "cleaned").contains_key("full.jpg")
    });
    // Two quiet periods: the cleaned copy must not be picked up as new.
    thread::sleep(Duration::from_millis(2500));
    let events = w.events();
    assert_eq!(events.len(), 1, "{}", w.describe());
    assert_eq!(outputs(&out), [out.join("full.jpg")]);
    w.assert_running();
}

#[test]
fn a_changed_policy_cleans_everything_again() {
    let (_tmp, inbox, out) = folders();
    copy_fixture("jpeg/full.jpg", &inbox);
    copy_fixture("jpeg/gps-west.jpg", &inbox);
    let (code, events, w) = once(&inbox, &out, &["--keep", "time"]);
    assert_eq!(code, 0, "{}", w.describe());
    assert_eq!(counts(&events, "cleaned").len(), 2);
    require_exiftool();
    assert!(exiftool(&out.join("full.jpg")).has_name_anywhere("DateTimeOriginal"));

    // Same policy: nothing to do. Another policy: every file again, and the
    // watcher's own earlier outputs are replaced.
    let (code, events, _) = once(&inbox, &out, &["--keep", "time"]);
    assert_eq!(code, 0);
    assert!(of_kind(&events, "cleaned").is_empty());
    let (code, events, w) = once(&inbox, &out, &[]);
    assert_eq!(code, 0, "{}", w.describe());
    assert_eq!(counts(&events, "cleaned").len(), 2, "{}", w.describe());
    assert_default_clean(&fixture("jpeg/full.jpg"), &out.join("full.jpg"));
}

#[test]
fn write_failures_are_retried_without_a_change() {
    let (_tmp, inbox, out) = folders();
    copy_fixture("jpeg/full.jpg", &inbox.join("sub"));
    // A file where the output's folder should be: the write fails.
    fs::create_dir_all(&out).unwrap();
    fs::write(out.join("sub"), b"in the way").unwrap();
    let (code, events, w) = once(&inbox, &out, &[]);
    assert_eq!(code, 3, "{}", w.describe());
    let failed = of_kind(&events, "failed");
    assert_eq!(failed.len(), 1, "{}", w.describe());
    assert!(failed[0]["retry_in_seconds"].is_number(), "{}", failed[0]);

    // Out of the way: the next run retries, though the original is unchanged.
    fs::remove_file(out.join("sub")).unwrap();
    let (code, events, w) = once(&inbox, &out, &[]);
    assert_eq!(code, 0, "{}", w.describe());
    assert_eq!(
        counts(&events, "cleaned").keys().collect::<Vec<_>>(),
        ["sub/full.jpg"]
    );
    assert_default_clean(&fixture("jpeg/full.jpg"), &out.join("sub/full.jpg"));

    // A damaged file, by contrast, waits for a change.
    copy_fixture("jpeg/truncated-header.jpg", &inbox);
    let (code, _, _) = once(&inbox, &out, &[]);
    assert_eq!(code, 3);
    let (code, events, w) = once(&inbox, &out, &[]);
    assert_eq!(code, 0, "{}", w.describe());
    assert_eq!(events.len(), 1, "only the summary\n{}", w.describe());
}
