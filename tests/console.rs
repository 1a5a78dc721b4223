//! Drag-and-drop: photoscrub waits for Enter before its window closes only
//! when the window is its own, and a start without arguments explains in
//! plain words instead of failing.
//!
//! "Its own window" is made here the way a terminal emulator does it for a
//! desktop entry with `Terminal=true`: a new pseudo-terminal whose session
//! photoscrub leads. "From a shell" is the same terminal with `sh` leading
//! the session. (Under Wine, `wine start /wait photoscrub.exe` is the
//! Windows equivalent: see tests/wine/console.sh.)
#![cfg(target_os = "linux")]

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PRESS_ENTER: &str = "Press Enter to close this window.";
const BIN: &str = env!("CARGO_BIN_EXE_photoscrub");

/// A pseudo-terminal: what the test reads and types is `master`; the
/// program gets the other end.
struct Terminal {
    master: File,
    slave: OwnedFd,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl Terminal {
    fn new() -> Terminal {
        let (mut master, mut slave) = (-1, -1);
        // SAFETY: openpty writes two new descriptors into the two ints.
        let r = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(r, 0, "openpty: {}", std::io::Error::last_os_error());
        // SAFETY: both descriptors are new and owned by nothing else.
        let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        Terminal {
            master,
            slave,
            seen: Arc::default(),
        }
    }

    fn end(&self) -> Stdio {
        Stdio::from(self.slave.try_clone().unwrap())
    }

    /// Starts `command` in this terminal as the leader of its session (the
    /// terminal is its controlling terminal), with `stdin`/`stdout` from the
    /// terminal unless given; stderr is always the terminal.
    fn start(&self, mut command: Command, stdin: Option<Stdio>, stdout: Option<Stdio>) -> Child {
        command
            .stdin(stdin.unwrap_or_else(|| self.end()))
            .stdout(stdout.unwrap_or_else(|| self.end()))
            .stderr(self.end())
            .env("NO_COLOR", "1");
        // SAFETY: only async-signal-safe calls between fork and exec.
        unsafe {
            command.pre_exec(|| {
                if libc::setsid() < 0 || libc::ioctl(2, libc::TIOCSCTTY, 0) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().unwrap();
        drop(command);
        let mut master = self.master.try_clone().unwrap();
        let seen = Arc::clone(&self.seen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            // Ends with EIO once every program holding the terminal is gone.
            while let Ok(n @ 1..) = master.read(&mut buf) {
                seen.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        child
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.seen.lock().unwrap()).replace("\r\n", "\n")
    }

    /// Waits until the terminal shows `what`.
    fn wait_for(&self, what: &str) {
        let until = Instant::now() + Duration::from_secs(60);
        while !self.text().contains(what) {
            assert!(
                Instant::now() < until,
                "{what:?} never appeared; the terminal shows:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn press_enter(&self) {
        (&self.master).write_all(b"\r").unwrap();
    }
}

/// Waits for `child` to exit by itself; panics (after killing it) if it
/// is still running after `limit`.
fn exits_within(child: &mut Child, limit: Duration, terminal: &Terminal) -> i32 {
    let until = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code().expect("exited, not killed");
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!(
                "still running after {limit:?} (waiting for Enter?); the terminal shows:\n{}",
                terminal.text()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Asserts that `child` is waiting (still running) with the question on
/// screen, answers it, and returns the exit code.
fn waits_for_enter(child: &mut Child, terminal: &Terminal) -> i32 {
    terminal.wait_for(PRESS_ENTER);
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "exited without waiting for Enter"
    );
    terminal.press_enter();
    exits_within(child, Duration::from_secs(20), terminal)
}

fn photoscrub(args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args);
    c
}

/// A folder with one sample photo in it (GPS, names, a camera).
fn inbox() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let sample =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/samples/IMG_20240914_093012.jpg");
    std::fs::copy(sample, dir.path().join("holiday.jpg")).unwrap();
    dir
}

#[test]
fn started_alone_without_arguments_it_explains_and_waits() {
    let terminal = Terminal::new();
    let mut child = terminal.start(photoscrub(&[]), None, None);
    assert_eq!(waits_for_enter(&mut child, &terminal), 0);
    let text = terminal.text();
    assert!(text.contains("How to use it: drop photos"), "{text}");
    assert!(
        !text.contains("Usage:"),
        "plain words, not a usage error: {text}"
    );
}

#[test]
fn photos_dropped_on_it_are_cleaned_and_it_says_where_then_waits() {
    let dir = inbox();
    let terminal = Terminal::new();
    let path = dir.path().to_str().unwrap();
    let mut child = terminal.start(photoscrub(&[path]), None, None);
    assert_eq!(waits_for_enter(&mut child, &terminal), 0);
    let text = terminal.text();
    let cleaned = dir.path().join("cleaned");
    assert!(cleaned.join("holiday.jpg").is_file());
    let said = format!(
        "The cleaned copies are in {}",
        std::fs::canonicalize(&cleaned).unwrap().display()
    );
    assert!(text.contains(&said), "{text}");
    assert!(text.contains("1 file: 1 cleaned"), "{text}");
    // The question comes last, after the report.
    assert!(text.trim_end().ends_with(PRESS_ENTER), "{text}");
}

#[test]
fn a_usage_error_in_its_own_window_stays_readable() {
    let terminal = Terminal::new();
    let mut child = terminal.start(photoscrub(&["--no-such-option"]), None, None);
    assert_eq!(waits_for_enter(&mut child, &terminal), 2);
    assert!(terminal.text().contains("--no-such-option"));
}

#[test]
fn from_a_shell_it_never_waits() {
    let dir = inbox();
    for args in [vec![], vec![dir.path().to_str().unwrap()]] {
        let terminal = Terminal::new();
        // sh leads the session and is still there when photoscrub exits.
        let mut shell = Command::new("sh");
        shell
            .arg("-c")
            .arg("\"$0\" \"$@\"; echo \"shell got $?\"")
            .arg(BIN)
            .args(&args);
        let mut child = terminal.start(shell, None, None);
        assert_eq!(
            exits_within(&mut child, Duration::from_secs(60), &terminal),
            0
        );
        terminal.wait_for("shell got 0");
        assert!(
            !terminal.text().contains(PRESS_ENTER),
            "{}",
            terminal.text()
        );
    }
}

#[test]
fn with_input_or_output_redirected_it_never_waits() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.txt");
    // Its own window, but the output goes into a file.
    let terminal = Terminal::new();
    let file = Stdio::from(File::create(&out).unwrap());
    let mut child = terminal.start(photoscrub(&[]), None, Some(file));
    assert_eq!(
        exits_within(&mut child, Duration::from_secs(30), &terminal),
        0
    );
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(written.contains("How to use it"), "{written}");
    assert!(!written.contains(PRESS_ENTER) && !terminal.text().contains(PRESS_ENTER));
    // Its own window, but the input comes from /dev/null.
    let terminal = Terminal::new();
    let mut child = terminal.start(photoscrub(&[]), Some(Stdio::null()), None);
    assert_eq!(
        exits_within(&mut child, Duration::from_secs(30), &terminal),
        0
    );
    assert!(terminal.text().contains("How to use it"));
    assert!(!terminal.text().contains(PRESS_ENTER));
}

#[test]
fn the_watcher_never_waits() {
    let (inbox, out) = (inbox(), tempfile::tempdir().unwrap());
    let terminal = Terminal::new();
    let args = [
        "watch",
        "--once",
        inbox.path().to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
    ];
    let mut child = terminal.start(photoscrub(&args), None, None);
    assert_eq!(
        exits_within(&mut child, Duration::from_secs(60), &terminal),
        0
    );
    assert!(out.path().join("holiday.jpg").is_file());
    assert!(!terminal.text().contains(PRESS_ENTER));
}

#[test]
fn without_a_terminal_no_arguments_is_plain_help_and_exit_0() {
    let output = photoscrub(&[]).stdin(Stdio::null()).output().expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("How to use it: drop photos"), "{stdout}");
    assert!(stdout.contains("photoscrub check PHOTOS..."), "{stdout}");
    assert!(!stdout.contains(PRESS_ENTER));
    assert!(output.stderr.is_empty());
}
