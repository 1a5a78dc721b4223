//! The folder watcher: `photoscrub watch INBOX --out DIR`.
//!
//! Every photo that lands in INBOX (recursively) is cleaned into the same
//! relative path under DIR, once, when it is complete.
//!
//! How it works:
//!
//! - **Catch-up.** On start the whole INBOX is scanned; every file without an
//!   up-to-date entry in the state file is a candidate. The event watcher is
//!   started *before* the scan, so nothing that arrives during it is missed.
//! - **Events.** `notify` (through `notify-debouncer-full`) reports creates,
//!   writes, renames and new folders; each reported path is looked at again
//!   (a folder is scanned as a whole: files moved in with it, or written
//!   before its watch was set up, are found that way). `--poll SECONDS`
//!   replaces the events by a rescan every SECONDS; without it a safety
//!   rescan runs every few minutes anyway, and whenever the watcher reports
//!   lost events.
//! - **Finished files only.** A candidate is cleaned only once its size and
//!   modification time have stayed the same for [`SETTLE`] (two looks at
//!   least that far apart). The worker looks again just before cleaning and
//!   again after; if the file changed in between, the result is thrown away
//!   (no event) and the file waits for the next quiet period. Empty files and
//!   partial or temporary names (`.part`, `.crdownload`, `.tmp`, `~$…`,
//!   dotfiles and dot-folders, our own `.photoscrub-*.tmp`) are ignored
//!   until they have content or are renamed.
//! - **Exactly once.** One coordinator thread owns all bookkeeping: a file is
//!   either waiting to settle, queued, in flight or done, never two of these.
//!   A change reported while a file is in flight is looked at when it comes
//!   back. Workers (`--jobs`, default one per core) only clean.
//! - **State.** `DIR/.photoscrub-watch.json` maps each relative path to the
//!   size and modification time that was handled and the outcome. A file is
//!   up to date when size and time match. Before files are handed to the
//!   workers they are recorded as `pending` (so a crash redoes them, and the
//!   watcher knows the output path is its own to replace); results are
//!   recorded as they come back. The file is rewritten atomically (temporary
//!   file + rename) at most once a second and on exit. A changed policy
//!   (`--keep`/`--only`) makes every entry stale; a new photoscrub version
//!   retries refused and failed files.
//! - **Errors.** Failures are logged (and reported as events) and the
//!   watcher carries on. A failed file is retried when it changes; a failure
//!   to read the original or to write the output (a full disk, say) is
//!   retried every minute and on the next start.
//! - **Stopping.** SIGINT/SIGTERM: no new file is started, files in flight
//!   are finished (outputs are written atomically anyway), the state is
//!   saved, exit 0. A second signal abandons the files in flight; their
//!   temporary files are removed on the next start.

mod coordinator;
mod folders;
mod state;
mod worker;

use coordinator::*;
use folders::*;
use state::*;
use worker::*;

use crate::batch::{self, FailureKind, FileReport, Mode, Options, Output, Status};
use crate::report;
use notify_debouncer_full::notify::RecursiveMode;
use notify_debouncer_full::DebounceEventResult;
use photoscrub_core::findings::Category;
use photoscrub_core::policy::Policy;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::fmt;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The state file, in the output folder.
pub const STATE_FILE: &str = ".photoscrub-watch.json";
/// Held (flock) while a watcher writes into an output folder.
pub const LOCK_FILE: &str = ".photoscrub-watch.lock";
/// How long a file's size and modification time must stay unchanged.
pub const SETTLE: Duration = Duration::from_secs(1);
/// How often the coordinator looks at waiting files and signals.
const TICK: Duration = Duration::from_millis(100);
/// The safety rescan while following events.
const RESCAN_EVERY: Duration = Duration::from_secs(300);
/// When a read or write failure (not a damaged file) is tried again.
const RETRY_AFTER: Duration = Duration::from_secs(60);
/// Repeated read or write failures are tried again less and less often, up
/// to this interval.
const RETRY_AT_MOST_EVERY: Duration = Duration::from_secs(3600);
/// `--once`: a file still changing after this long is left for the next run.
const ONCE_PATIENCE: Duration = Duration::from_secs(30);
/// At most this many state writes a second while files complete.
const SAVE_EVERY: Duration = Duration::from_secs(1);
/// Version of the state file's layout.
const STATE_VERSION: u32 = 1;

/// What to watch and how to clean.
#[derive(Clone, Debug)]
pub struct Config {
    pub inbox: PathBuf,
    pub out: PathBuf,
    pub policy: Policy,
    /// Also decode input and output and require identical pixels.
    pub decode_check: bool,
    /// Files cleaned at once; 0 means one per core.
    pub jobs: usize,
    /// Catch up, then exit.
    pub once: bool,
    /// Rescan every this often instead of following filesystem events.
    pub poll: Option<Duration>,
    /// One JSON object per event on stdout.
    pub json: bool,
    /// Human mode: print only failures.
    pub quiet: bool,
    /// A program and its first arguments; the cleaned file's path is added
    /// as the last argument. Run directly, without a shell.
    pub exec: Option<Vec<String>>,
}

impl Config {
    /// Watch `inbox`, clean into `out`, default policy.
    pub fn new(inbox: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Config {
        Config {
            inbox: inbox.into(),
            out: out.into(),
            policy: Policy::default(),
            decode_check: false,
            jobs: 0,
            once: false,
            poll: None,
            json: false,
            quiet: false,
            exec: None,
        }
    }
}

/// Why the watcher could not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// The folders given cannot work (missing INBOX, DIR the same as INBOX…).
    Usage(String),
    /// The output folder cannot be set up, or another watcher holds it.
    Io(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) | Error::Io(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

/// What a run of the watcher did (events, not counting up-to-date files).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub cleaned: usize,
    pub already_clean: usize,
    pub refused: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Summary {
    /// Whether any file failed or was refused.
    pub fn any_failed(&self) -> bool {
        self.failed + self.refused > 0
    }
}

static SIGNALS: AtomicUsize = AtomicUsize::new(0);

/// Counts SIGINT and SIGTERM in [`SIGNALS`] instead of dying of them. On
/// Windows only SIGINT comes (Ctrl+C, through the C runtime's `signal`).
fn install_signal_handlers() {
    use signal_hook::consts::{SIGINT, SIGTERM};
    for signal in [SIGINT, SIGTERM] {
        // SAFETY: the action only adds to an atomic, which is
        // async-signal-safe; it allocates nothing and takes no lock.
        let installed = unsafe {
            signal_hook::low_level::register(signal, || {
                SIGNALS.fetch_add(1, Ordering::SeqCst);
            })
        };
        if let Err(e) = installed {
            eprintln!(
                "photoscrub: cannot catch signal {signal} ({e}); it will stop the watcher at once"
            );
        }
    }
}

/// Runs the watcher until SIGINT/SIGTERM (or, with `--once`, until caught
/// up). Installs handlers for both signals.
pub fn run(config: &Config) -> Result<Summary, Error> {
    install_signal_handlers();
    run_until(config, &SIGNALS)
}

/// Runs the watcher until `stop` becomes 1 (finish the files in flight) or 2
/// (abandon them), or, with `--once`, until caught up. Installs no handlers.
pub fn run_until(config: &Config, stop: &AtomicUsize) -> Result<Summary, Error> {
    let mut watch = Watch::start(config)?;
    watch.main_loop(stop);
    Ok(watch.summary.clone())
}
