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

// ---------------------------------------------------------------------------
// Names and folders
// ---------------------------------------------------------------------------

/// Whether a file or folder name is one a writer uses while it is not done
/// (or a hidden file): such files are ignored until renamed.
pub fn is_partial_name(name: &str) -> bool {
    const SUFFIXES: &[&str] = &[
        ".part",
        ".partial",
        ".crdownload",
        ".download",
        ".opdownload",
        ".tmp",
        ".temp",
        ".swp",
        ".!ut",
        ".!qb",
    ];
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || name.starts_with("~$")
        || name.ends_with('~')
        || SUFFIXES.iter().any(|s| lower.ends_with(s))
}

/// Whether any part of a path relative to INBOX is a partial or hidden name.
fn is_ignored(relative: &Path) -> bool {
    relative
        .components()
        .any(|c| is_partial_name(&c.as_os_str().to_string_lossy()))
}

/// Whether `name` is a temporary file left by photoscrub's atomic writes.
fn is_our_temp(name: &str) -> bool {
    name.starts_with(".photoscrub-") && name.ends_with(".tmp")
}

/// Removes `.photoscrub-*.tmp` files left under `out` by a killed run:
/// files whose name carries the id of a process that is no longer running,
/// and older names without one (only one watcher writes into `out`); the
/// temporary files of a `clean` running right now are left alone.
fn remove_leftover_temps(out: &Path) -> usize {
    let mut removed = 0;
    for entry in walkdir::WalkDir::new(out).into_iter().flatten() {
        let name = entry.file_name().to_string_lossy();
        let stopped = crate::write::temp_pid(entry.file_name())
            .is_none_or(|pid| !crate::sys::process_alive(pid));
        if entry.file_type().is_file()
            && is_our_temp(&name)
            && stopped
            && fs::remove_file(entry.path()).is_ok()
        {
            removed += 1;
        }
    }
    removed
}

// ---------------------------------------------------------------------------
// The state file
// ---------------------------------------------------------------------------

/// A file's size and modification time: what "changed" means.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Fingerprint {
    size: u64,
    mtime_ns: i64,
}

impl Fingerprint {
    fn of(meta: &fs::Metadata) -> Fingerprint {
        let t = filetime::FileTime::from_last_modification_time(meta);
        Fingerprint {
            size: meta.len(),
            mtime_ns: t
                .unix_seconds()
                .saturating_mul(1_000_000_000)
                .saturating_add(i64::from(t.nanoseconds())),
        }
    }

    /// The file at `path` if it is a regular file with content.
    fn read(path: &Path) -> Option<Fingerprint> {
        let meta = fs::metadata(path).ok()?;
        (meta.is_file() && meta.len() > 0).then(|| Fingerprint::of(&meta))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum EntryStatus {
    /// Handed to a worker (or made stale): to be done.
    Pending,
    Cleaned,
    AlreadyClean,
    Refused,
    Failed,
    /// Not a photo or video.
    Skipped,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Entry {
    size: u64,
    mtime_ns: i64,
    status: EntryStatus,
    /// The output path may hold a file this watcher wrote (so it may be
    /// replaced when the original changes).
    #[serde(default)]
    output: bool,
    /// A read or write failure, tried again later.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    retry: bool,
}

impl Entry {
    fn fingerprint(&self) -> Fingerprint {
        Fingerprint {
            size: self.size,
            mtime_ns: self.mtime_ns,
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct State {
    version: u32,
    /// The photoscrub version that wrote the file.
    photoscrub: String,
    /// The categories removed (`--keep`/`--only`), comma-separated.
    removes: String,
    /// INBOX, for people reading the file.
    #[serde(default)]
    inbox: String,
    files: BTreeMap<String, Entry>,
}

fn policy_signature(policy: &Policy) -> String {
    Category::ALL
        .iter()
        .filter(|c| policy.removes(**c))
        .map(|c| c.name())
        .collect::<Vec<_>>()
        .join(",")
}

fn key(relative: &Path) -> String {
    relative.to_string_lossy().into_owned()
}

impl State {
    /// Loads the state file; a missing one is an empty state. Entries that a
    /// changed policy or version makes stale become `pending`.
    fn load(path: &Path, policy: &Policy, inbox: &Path, notes: &mut Vec<String>) -> State {
        let removes = policy_signature(policy);
        let fresh = || State {
            version: STATE_VERSION,
            photoscrub: env!("CARGO_PKG_VERSION").into(),
            removes: removes.clone(),
            inbox: inbox.to_string_lossy().into_owned(),
            files: BTreeMap::new(),
        };
        let text = match fs::read(path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return fresh(),
            Err(e) => {
                notes.push(format!(
                    "cannot read {} ({e}); starting afresh",
                    path.display()
                ));
                return fresh();
            }
        };
        let mut state: State = match serde_json::from_slice(&text) {
            Ok(state) => state,
            Err(e) => {
                notes.push(format!(
                    "{} is damaged ({e}); starting afresh (existing cleaned copies are kept)",
                    path.display()
                ));
                return fresh();
            }
        };
        if state.removes != removes {
            notes.push(format!(
                "the categories to remove changed (were: {}; now: {}): cleaning every file again",
                state.removes, removes
            ));
            for entry in state.files.values_mut() {
                entry.status = EntryStatus::Pending;
            }
        } else if state.photoscrub != env!("CARGO_PKG_VERSION") {
            for entry in state.files.values_mut() {
                if matches!(entry.status, EntryStatus::Refused | EntryStatus::Failed) {
                    entry.status = EntryStatus::Pending;
                }
            }
        }
        state.version = STATE_VERSION;
        state.photoscrub = env!("CARGO_PKG_VERSION").into();
        state.removes = removes;
        state.inbox = inbox.to_string_lossy().into_owned();
        state
    }

    /// Whether the file at `relative` with `fp` has been handled for good.
    fn is_done(&self, relative: &str, fp: Fingerprint) -> bool {
        self.files
            .get(relative)
            .is_some_and(|e| e.fingerprint() == fp && e.status != EntryStatus::Pending && !e.retry)
    }

    /// Writes the state atomically: a temporary file in `dir`, then a rename.
    fn save(&self, dir: &Path, sync: bool) -> io::Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(io::Error::other)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".photoscrub-watch-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        tmp.write_all(&bytes)?;
        tmp.write_all(b"\n")?;
        if sync {
            crate::sys::sync_file(tmp.as_file())?;
        }
        crate::write::put_in_place(tmp, &dir.join(STATE_FILE), true)
    }
}

// ---------------------------------------------------------------------------
// Workers
// ---------------------------------------------------------------------------

struct Job {
    relative: PathBuf,
    input: PathBuf,
    output: PathBuf,
    fp: Fingerprint,
    force: bool,
}

enum Done {
    /// Cleaned (or tried to); `None`: not a photo or video.
    Finished {
        relative: PathBuf,
        fp: Fingerprint,
        report: Option<Box<FileReport>>,
        exec_error: Option<String>,
    },
    /// The file changed (or went away) around the cleaning: result dropped.
    Changed { relative: PathBuf },
    /// Not started because the watcher is stopping.
    Abandoned { relative: PathBuf },
}

enum Msg {
    Fs(DebounceEventResult),
    Done(Done),
}

struct Shared {
    options: Options,
    exec: Option<Vec<String>>,
    stopping: AtomicBool,
}

fn worker(shared: Arc<Shared>, jobs: Arc<Mutex<Receiver<Job>>>, done: Sender<Msg>) {
    loop {
        let job = match jobs.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        let Ok(job) = job else { return };
        let result = if shared.stopping.load(Ordering::SeqCst) {
            Done::Abandoned {
                relative: job.relative,
            }
        } else {
            clean_one(&shared, job)
        };
        if done.send(Msg::Done(result)).is_err() {
            return;
        }
    }
}

/// Cleans one settled file; looks at it before and after.
fn clean_one(shared: &Shared, job: Job) -> Done {
    if Fingerprint::read(&job.input) != Some(job.fp) {
        return Done::Changed {
            relative: job.relative,
        };
    }
    let options = Options {
        force: job.force,
        ..shared.options.clone()
    };
    let report = batch::process_one(&job.input, Some(job.output.clone()), &options);
    if Fingerprint::read(&job.input) != Some(job.fp) {
        return Done::Changed {
            relative: job.relative,
        };
    }
    let written = report.as_ref().and_then(|r| match r.status {
        Status::Cleaned | Status::AlreadyClean => r.output.clone(),
        _ => None,
    });
    let exec_error = match (&shared.exec, written) {
        (Some(command), Some(output)) => run_exec(command, &output, &job.input).err(),
        _ => None,
    };
    Done::Finished {
        relative: job.relative,
        fp: job.fp,
        report: report.map(Box::new),
        exec_error,
    }
}

/// Runs `--exec`: the program with its arguments and the cleaned file's path
/// last, no shell. Its standard output goes to our standard error (stdout
/// carries the JSON events).
fn run_exec(command: &[String], output: &Path, input: &Path) -> Result<(), String> {
    let Some((program, args)) = command.split_first() else {
        return Ok(());
    };
    let status = Command::new(program)
        .args(args)
        .arg(output)
        .env("PHOTOSCRUB_INPUT", input)
        .stdin(Stdio::null())
        .stdout(Stdio::from(io::stderr()))
        .status()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} ended with {status}"))
    }
}

// ---------------------------------------------------------------------------
// The coordinator
// ---------------------------------------------------------------------------

/// A file waiting for its size and time to settle.
struct Waiting {
    input: PathBuf,
    fp: Fingerprint,
    /// When `fp` was first seen.
    since: Instant,
    /// When the file was first seen at all.
    first: Instant,
    queued: bool,
}

struct InFlight {
    input: PathBuf,
    /// Whether the state said the output was ours before this job.
    owned: bool,
    /// A change was reported while it was in flight: look again after.
    look_again: bool,
}

struct Watch {
    config: Config,
    inbox: PathBuf,
    out: PathBuf,
    state: State,
    state_dirty: bool,
    last_save: Instant,
    waiting: HashMap<PathBuf, Waiting>,
    ready: VecDeque<PathBuf>,
    in_flight: HashMap<PathBuf, InFlight>,
    retry_at: HashMap<PathBuf, (PathBuf, Instant)>,
    /// The last wait before a retry, per file (doubled after each failure).
    retry_delay: HashMap<PathBuf, Duration>,
    summary: Summary,
    /// What the files cleaned in this run told, for the closing summary.
    told: report::Summary,
    shared: Arc<Shared>,
    jobs_tx: Option<Sender<Job>>,
    workers: Vec<thread::JoinHandle<()>>,
    max_queued: usize,
    rx: Receiver<Msg>,
    tx: Sender<Msg>,
    watcher: Option<Box<dyn std::any::Any>>,
    next_scan: Option<Instant>,
    scan_every: Option<Duration>,
    caught_up: bool,
    /// Cleaned copies written since the last sync.
    unsynced: bool,
    _lock: File,
}

impl Watch {
    fn start(config: &Config) -> Result<Watch, Error> {
        let inbox = fs::canonicalize(&config.inbox)
            .map_err(|e| Error::Usage(format!("cannot watch {}: {e}", config.inbox.display())))?;
        if !inbox.is_dir() {
            return Err(Error::Usage(format!(
                "{} is not a folder",
                config.inbox.display()
            )));
        }
        fs::create_dir_all(&config.out)
            .map_err(|e| Error::Io(format!("cannot create {}: {e}", config.out.display())))?;
        let out = fs::canonicalize(&config.out)
            .map_err(|e| Error::Io(format!("cannot use {}: {e}", config.out.display())))?;
        if out == inbox {
            return Err(Error::Usage(format!(
                "the output folder {} is the inbox itself; give another --out",
                config.out.display()
            )));
        }
        if inbox.starts_with(&out) {
            return Err(Error::Usage(format!(
                "the inbox {} is inside the output folder {}; cleaned copies could overwrite originals",
                config.inbox.display(),
                config.out.display()
            )));
        }
        let lock = lock_folder(&out)?;
        let mut notes = Vec::new();
        let leftovers = remove_leftover_temps(&out);
        if leftovers > 0 {
            notes.push(format!(
                "removed {leftovers} unfinished temporary file(s) left in {} by a stopped run",
                out.display()
            ));
        }
        let state = State::load(&out.join(STATE_FILE), &config.policy, &inbox, &mut notes);

        let jobs = match config.jobs {
            0 => thread::available_parallelism().map_or(2, |n| n.get()),
            n => n,
        };
        let shared = Arc::new(Shared {
            options: Options {
                mode: Mode::Clean(Output::Dir(out.clone())),
                policy: config.policy,
                decode_check: config.decode_check,
                force: false,
                jobs: 1,
                progress: false,
                thumbnails: false,
                follow: false,
                backup: false,
            },
            exec: config.exec.clone().filter(|c| !c.is_empty()),
            stopping: AtomicBool::new(false),
        });
        let (tx, rx) = mpsc::channel();
        let (jobs_tx, jobs_rx) = mpsc::channel::<Job>();
        let jobs_rx = Arc::new(Mutex::new(jobs_rx));
        let workers = (0..jobs)
            .map(|i| {
                let (shared, jobs_rx, done) = (shared.clone(), jobs_rx.clone(), tx.clone());
                thread::Builder::new()
                    .name(format!("photoscrub-watch-{i}"))
                    .spawn(move || worker(shared, jobs_rx, done))
                    .map_err(|e| Error::Io(format!("cannot start a worker thread: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;

        let mut watch = Watch {
            config: config.clone(),
            inbox,
            out,
            state,
            state_dirty: false,
            last_save: Instant::now(),
            waiting: HashMap::new(),
            ready: VecDeque::new(),
            in_flight: HashMap::new(),
            retry_at: HashMap::new(),
            retry_delay: HashMap::new(),
            summary: Summary::default(),
            told: report::Summary::new(false),
            shared,
            jobs_tx: Some(jobs_tx),
            workers,
            max_queued: jobs * 4,
            rx,
            tx,
            watcher: None,
            next_scan: None,
            scan_every: None,
            caught_up: false,
            unsynced: false,
            _lock: lock,
        };
        for note in notes {
            watch.note(&note);
        }
        watch.start_following();
        Ok(watch)
    }

    /// Starts the event watcher (or the rescan timer) before the catch-up
    /// scan, so that nothing arriving during the scan is missed.
    fn start_following(&mut self) {
        if self.config.once {
            return;
        }
        if let Some(every) = self.config.poll {
            self.scan_every = Some(every);
            self.next_scan = Some(Instant::now() + every);
            self.note(&format!(
                "watching {} (scanning every {:.1} s); cleaned copies go to {}",
                self.inbox.display(),
                every.as_secs_f64(),
                self.out.display()
            ));
            return;
        }
        let tx = self.tx.clone();
        let handler = move |result: DebounceEventResult| {
            let _ = tx.send(Msg::Fs(result));
        };
        let started =
            notify_debouncer_full::new_debouncer(Duration::from_millis(200), None, handler)
                .and_then(|mut debouncer| {
                    debouncer.watch(&self.inbox, RecursiveMode::Recursive)?;
                    Ok(debouncer)
                });
        match started {
            Ok(debouncer) => {
                self.watcher = Some(Box::new(debouncer));
                self.scan_every = Some(RESCAN_EVERY);
                self.next_scan = Some(Instant::now() + RESCAN_EVERY);
                self.note(&format!(
                    "watching {}; cleaned copies go to {}",
                    self.inbox.display(),
                    self.out.display()
                ));
            }
            Err(e) => {
                let every = Duration::from_secs(5);
                self.scan_every = Some(every);
                self.next_scan = Some(Instant::now() + every);
                self.note(&format!(
                    "cannot follow changes in {} ({e}); scanning it every 5 s instead (see --poll)",
                    self.inbox.display()
                ));
            }
        }
    }

    fn main_loop(&mut self, stop: &AtomicUsize) {
        let stop_seen = stop.load(Ordering::SeqCst);
        self.scan_all();
        let mut stopping = false;
        loop {
            match self.rx.recv_timeout(TICK) {
                Ok(msg) => {
                    self.handle(msg);
                    while let Ok(msg) = self.rx.try_recv() {
                        self.handle(msg);
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            let signals = stop.load(Ordering::SeqCst).saturating_sub(stop_seen);
            if signals > 0 && !stopping {
                stopping = true;
                self.shared.stopping.store(true, Ordering::SeqCst);
                self.watcher = None;
                let busy = self.in_flight.len();
                self.note(&format!(
                    "stopping{}",
                    match busy {
                        0 => String::new(),
                        n => format!(" after the files in progress ({n} queued or in flight; signal again to abandon them)"),
                    }
                ));
            }
            if stopping {
                if self.in_flight.is_empty() || signals >= 2 {
                    break;
                }
                continue;
            }
            let now = Instant::now();
            if self.next_scan.is_some_and(|t| now >= t) {
                self.scan_all();
                self.next_scan = self.scan_every.map(|every| now + every);
            }
            self.retry_due(now);
            self.settle(now);
            self.dispatch();
            self.save_state(false);
            let idle = self.waiting.is_empty() && self.in_flight.is_empty();
            if idle && self.unsynced {
                // Like a batch of copies: one sync when a burst is done.
                crate::write::sync_all();
                self.unsynced = false;
            }
            if idle && !self.caught_up {
                self.caught_up = true;
                if !self.config.once {
                    self.note("caught up; waiting for new files");
                }
            }
            if self.config.once && idle {
                break;
            }
        }
        self.finish(stopping && stop.load(Ordering::SeqCst).saturating_sub(stop_seen) >= 2);
    }

    fn finish(&mut self, abandon: bool) {
        self.watcher = None;
        self.save_state(true);
        crate::write::sync_all();
        self.jobs_tx = None;
        if !abandon {
            for worker in self.workers.drain(..) {
                let _ = worker.join();
            }
        }
        if self.config.json {
            self.told.skipped = self.summary.skipped;
            self.told.finish();
            let mut event = report::SummaryEvent::of(&self.told);
            event.event = Some("summary");
            emit_line(&event.to_line());
        } else if !self.config.quiet || self.summary.any_failed() {
            let s = &self.summary;
            self.note(&format!(
                "{} cleaned, {} already clean, {} refused, {} failed, {} not photos",
                s.cleaned, s.already_clean, s.refused, s.failed, s.skipped
            ));
        }
    }

    /// A message for the person (or the service log): stderr.
    fn note(&self, message: &str) {
        if !self.config.quiet {
            eprintln!("photoscrub: {message}");
        }
    }

    fn handle(&mut self, msg: Msg) {
        match msg {
            Msg::Fs(Ok(events)) => {
                let mut rescan = false;
                let mut paths = Vec::new();
                for event in events {
                    rescan |= event.need_rescan();
                    paths.extend(event.event.paths);
                }
                if rescan {
                    self.scan_all();
                } else {
                    let mut seen = HashSet::new();
                    for path in paths {
                        if seen.insert(path.clone()) {
                            self.look_at(&path);
                        }
                    }
                }
            }
            Msg::Fs(Err(errors)) => {
                for e in errors {
                    if !self.config.quiet {
                        eprintln!("photoscrub: watching {}: {e}", self.inbox.display());
                    }
                }
                self.scan_all();
            }
            Msg::Done(done) => self.done(done),
        }
    }

    /// Whether `path` (absolute, under INBOX) is in the output folder.
    fn in_out(&self, path: &Path) -> bool {
        path.starts_with(&self.out)
    }

    /// Every file in INBOX, recursively (the output folder and hidden or
    /// partial names left out).
    fn scan_all(&mut self) {
        let root = self.inbox.clone();
        self.scan_folder(&root);
    }

    fn scan_folder(&mut self, folder: &Path) {
        let inbox = self.inbox.clone();
        let out = self.out.clone();
        let walker = walkdir::WalkDir::new(folder)
            .follow_links(false)
            .into_iter()
            .filter_entry(|e| {
                let path = e.path();
                if path.starts_with(&out) {
                    return false;
                }
                let relative = path.strip_prefix(&inbox).unwrap_or(path);
                !is_ignored(relative)
            });
        let mut files = Vec::new();
        for entry in walker {
            match entry {
                Ok(e) if !e.file_type().is_dir() => files.push(e.into_path()),
                Ok(_) => {}
                Err(e) => {
                    if !self.config.quiet {
                        eprintln!("photoscrub: {e}");
                    }
                }
            }
        }
        for file in files {
            self.look_at_file(&file);
        }
    }

    /// A path reported by an event: a folder is scanned, a file looked at.
    fn look_at(&mut self, path: &Path) {
        let Ok(relative) = path.strip_prefix(&self.inbox) else {
            return;
        };
        if relative.as_os_str().is_empty() {
            self.scan_all();
            return;
        }
        if self.in_out(path) || is_ignored(relative) {
            return;
        }
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.is_dir() => self.scan_folder(path),
            Ok(_) => self.look_at_file(path),
            Err(_) => {
                self.waiting.remove(relative);
            }
        }
    }

    /// A file that may be new or changed: it waits to settle unless it is
    /// up to date, in flight, or empty.
    fn look_at_file(&mut self, path: &Path) {
        let Ok(relative) = path.strip_prefix(&self.inbox) else {
            return;
        };
        let relative = relative.to_path_buf();
        if let Some(flight) = self.in_flight.get_mut(&relative) {
            flight.look_again = true;
            return;
        }
        let Some(fp) = Fingerprint::read(path) else {
            // Gone, not a file, or still empty: an event or scan brings it back.
            self.waiting.remove(&relative);
            return;
        };
        if self.state.is_done(&key(&relative), fp) {
            self.waiting.remove(&relative);
            return;
        }
        if let Some(entry) = self.state.files.get(&key(&relative)) {
            // A read or write failure waits for its retry time, unless the
            // file changed.
            if entry.retry && entry.fingerprint() == fp && self.retry_at.contains_key(&relative) {
                return;
            }
        }
        self.retry_at.remove(&relative);
        let now = Instant::now();
        match self.waiting.get_mut(&relative) {
            Some(w) if w.fp != fp => {
                w.fp = fp;
                w.since = now;
            }
            Some(_) => {}
            None => {
                self.waiting.insert(
                    relative,
                    Waiting {
                        input: path.to_path_buf(),
                        fp,
                        since: now,
                        first: now,
                        queued: false,
                    },
                );
            }
        }
    }

    /// Moves files whose size and time stayed the same for [`SETTLE`] to the
    /// ready queue; files that changed start their quiet period again.
    fn settle(&mut self, now: Instant) {
        let mut gone = Vec::new();
        let mut ready = Vec::new();
        for (relative, w) in self.waiting.iter_mut() {
            if w.queued || now.duration_since(w.since) < SETTLE {
                continue;
            }
            match Fingerprint::read(&w.input) {
                None => gone.push(relative.clone()),
                Some(fp) if fp == w.fp => {
                    w.queued = true;
                    ready.push(relative.clone());
                }
                Some(fp) => {
                    w.fp = fp;
                    w.since = now;
                    if self.config.once && now.duration_since(w.first) > ONCE_PATIENCE {
                        gone.push(relative.clone());
                        if !self.config.quiet {
                            eprintln!(
                                "photoscrub: {} is still changing; left for the next run",
                                w.input.display()
                            );
                        }
                    }
                }
            }
        }
        for relative in gone {
            self.waiting.remove(&relative);
        }
        ready.sort();
        self.ready.extend(ready);
    }

    fn retry_due(&mut self, now: Instant) {
        let due: Vec<PathBuf> = self
            .retry_at
            .iter()
            .filter(|(_, (_, at))| now >= *at)
            .map(|(relative, _)| relative.clone())
            .collect();
        for relative in due {
            if let Some((input, _)) = self.retry_at.remove(&relative) {
                self.look_at_file(&input);
            }
        }
    }

    /// Hands ready files to the workers, recording them as `pending` first.
    fn dispatch(&mut self) {
        let room = self.max_queued.saturating_sub(self.in_flight.len());
        if room == 0 || self.ready.is_empty() {
            return;
        }
        // Hand out work in batches, not one file per completed file.
        if !self.in_flight.is_empty() && room < self.max_queued / 2 {
            return;
        }
        let mut jobs = Vec::new();
        while jobs.len() < room {
            let Some(relative) = self.ready.pop_front() else {
                break;
            };
            let Some(w) = self.waiting.remove(&relative) else {
                continue;
            };
            let k = key(&relative);
            let owned = self.state.files.get(&k).is_some_and(|e| e.output);
            self.state.files.insert(
                k,
                Entry {
                    size: w.fp.size,
                    mtime_ns: w.fp.mtime_ns,
                    status: EntryStatus::Pending,
                    output: true,
                    retry: false,
                },
            );
            self.in_flight.insert(
                relative.clone(),
                InFlight {
                    input: w.input.clone(),
                    owned,
                    look_again: false,
                },
            );
            jobs.push(Job {
                output: self.out.join(&relative),
                relative,
                input: w.input,
                fp: w.fp,
                force: owned,
            });
        }
        if jobs.is_empty() {
            return;
        }
        // Recorded (in the next save, within a second) as pending: after a
        // crash these files are done again and their outputs known as ours.
        self.state_dirty = true;
        let Some(tx) = &self.jobs_tx else { return };
        for job in jobs {
            if let Err(mpsc::SendError(job)) = tx.send(job) {
                self.in_flight.remove(&job.relative);
            }
        }
    }

    fn done(&mut self, done: Done) {
        match done {
            Done::Abandoned { relative } => {
                self.in_flight.remove(&relative);
            }
            Done::Changed { relative } => {
                if let Some(flight) = self.in_flight.remove(&relative) {
                    self.look_at_file(&flight.input);
                }
            }
            Done::Finished {
                relative,
                fp,
                report,
                exec_error,
            } => {
                let Some(flight) = self.in_flight.remove(&relative) else {
                    return;
                };
                let (status, retry) = match &report {
                    None => (EntryStatus::Skipped, false),
                    Some(r) => match r.status {
                        Status::Cleaned => (EntryStatus::Cleaned, false),
                        Status::AlreadyClean | Status::Leaks => (EntryStatus::AlreadyClean, false),
                        Status::Refused => (EntryStatus::Refused, false),
                        Status::Failed => (EntryStatus::Failed, is_read_or_write_failure(r)),
                        Status::Skipped => (EntryStatus::Skipped, false),
                    },
                };
                let wrote = matches!(status, EntryStatus::Cleaned | EntryStatus::AlreadyClean);
                self.unsynced |= wrote;
                self.state.files.insert(
                    key(&relative),
                    Entry {
                        size: fp.size,
                        mtime_ns: fp.mtime_ns,
                        status,
                        output: flight.owned || wrote,
                        retry,
                    },
                );
                self.state_dirty = true;
                let retry_in = if retry {
                    let delay = match self.retry_delay.get(&relative) {
                        Some(last) => (*last * 2).min(RETRY_AT_MOST_EVERY),
                        None => RETRY_AFTER,
                    };
                    self.retry_delay.insert(relative.clone(), delay);
                    self.retry_at.insert(
                        relative.clone(),
                        (flight.input.clone(), Instant::now() + delay),
                    );
                    Some(delay)
                } else {
                    self.retry_delay.remove(&relative);
                    None
                };
                self.report(&relative, &flight.input, report.as_deref(), retry_in);
                if let Some(e) = exec_error {
                    eprintln!(
                        "photoscrub: --exec for {}: {e}",
                        self.out.join(&relative).display()
                    );
                }
                if flight.look_again {
                    self.look_at_file(&flight.input);
                }
            }
        }
    }

    fn report(
        &mut self,
        relative: &Path,
        input: &Path,
        report: Option<&FileReport>,
        retry_in: Option<Duration>,
    ) {
        let event = match report.map(|r| r.status) {
            None => {
                self.summary.skipped += 1;
                "skipped"
            }
            Some(Status::Cleaned) => {
                self.summary.cleaned += 1;
                "cleaned"
            }
            Some(Status::AlreadyClean | Status::Leaks) => {
                self.summary.already_clean += 1;
                "cleaned"
            }
            Some(Status::Refused) => {
                self.summary.refused += 1;
                "refused"
            }
            Some(Status::Failed) => {
                self.summary.failed += 1;
                "failed"
            }
            Some(Status::Skipped) => {
                self.summary.skipped += 1;
                "skipped"
            }
        };
        if let Some(r) = report {
            self.told.add(r);
        }
        if self.config.json {
            let skipped = FileReport::skipped(input);
            let mut line = report::FileEvent::of(report.unwrap_or(&skipped));
            line.event = Some(event);
            line.relative = Some(relative.to_string_lossy());
            line.retry_in_seconds = retry_in.map(|d| d.as_secs());
            emit_line(&line.to_line());
            return;
        }
        let line = match report {
            None => format!("{}: skipped (not a photo or video)", input.display()),
            Some(r) => match (&r.error, &r.output) {
                (Some(error), _) => {
                    let again = if let Some(delay) = retry_in {
                        format!(" (trying again in {} s)", delay.as_secs())
                    } else {
                        " (tried again when it changes)".into()
                    };
                    format!("{}: {event}: {error}{again}", input.display())
                }
                (None, output) => {
                    let to = output
                        .as_ref()
                        .map(|o| format!(" -> {}", o.display()))
                        .unwrap_or_default();
                    let word = if r.status == Status::Cleaned {
                        "cleaned"
                    } else {
                        "already clean"
                    };
                    format!("{}: {word}{to}{}", input.display(), removed_summary(r))
                }
            },
        };
        let failure = report.is_some_and(|r| r.error.is_some());
        if !self.config.quiet || failure {
            let mut stdout = io::stdout().lock();
            let _ = writeln!(stdout, "{line}");
            let _ = stdout.flush();
        }
    }

    fn save_state(&mut self, now: bool) {
        if !self.state_dirty || (!now && self.last_save.elapsed() < SAVE_EVERY) {
            return;
        }
        match self.state.save(&self.out, now) {
            Ok(()) => {
                self.state_dirty = false;
                self.last_save = Instant::now();
            }
            Err(e) => {
                // Tried again at the next save; the work itself is not lost
                // (outputs are in place), only the record of it.
                eprintln!(
                    "photoscrub: cannot save {}: {e}",
                    self.out.join(STATE_FILE).display()
                );
                self.last_save = Instant::now();
            }
        }
    }
}

/// Whether a failure was reading the original or writing the output (worth
/// trying again: permissions, a full disk) rather than the file itself.
fn is_read_or_write_failure(report: &FileReport) -> bool {
    report
        .error
        .as_ref()
        .is_some_and(|e| e.kind == FailureKind::Io)
}

/// What was removed, in a few words: ` (removed location near …, device)`.
fn removed_summary(file: &FileReport) -> String {
    let mut parts = Vec::new();
    for category in Category::ALL {
        if !file
            .scan
            .findings
            .iter()
            .any(|f| f.category == category && f.removed)
        {
            continue;
        }
        match (category, report::main_location(file)) {
            (Category::Location, Some(loc)) => {
                parts.push(format!("location {}", report::describe_location(loc)))
            }
            _ => parts.push(category.name().to_string()),
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" (removed {})", parts.join(", "))
    }
}

fn emit_line(line: &str) {
    let mut stdout = io::stdout().lock();
    // A closed stdout must not stop the watcher: the work goes on.
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

/// Takes an exclusive lock on `out`, so that two watchers never write into
/// the same folder (and its state file) at once. The lock is `flock` on
/// Unix and `LockFileEx` on Windows (through [`File::try_lock`]); it goes
/// with the returned file, and with the process if that dies.
fn lock_folder(out: &Path) -> Result<File, Error> {
    let path = out.join(LOCK_FILE);
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::Io(format!("cannot create {}: {e}", path.display())))?;
    // `File::try_lock` is Rust 1.89; Cargo.toml still says 1.85, but the
    // locked dependencies already need 1.93 (notify-types 1.91, fixed 1.93).
    #[allow(clippy::incompatible_msrv)]
    let locked = file.try_lock();
    match locked {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(Error::Io(format!(
            "another `photoscrub watch` is already writing into {}",
            out.display()
        ))),
        Err(fs::TryLockError::Error(e)) => {
            Err(Error::Io(format!("cannot lock {}: {e}", path.display())))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_names() {
        for name in [
            "IMG_1.jpg.part",
            "a.JPG.crdownload",
            "x.tmp",
            "~$doc.jpg",
            ".hidden.jpg",
            ".photoscrub-abc.tmp",
            "a.jpg~",
            "b.jpg.partial",
        ] {
            assert!(is_partial_name(name), "{name}");
        }
        for name in ["IMG_1.jpg", "holiday.part.jpg", "x.heic", "temp.jpg"] {
            assert!(!is_partial_name(name), "{name}");
        }
        assert!(is_ignored(Path::new(".sync/a.jpg")));
        assert!(!is_ignored(Path::new("2024/a.jpg")));
    }

    #[test]
    fn state_round_trip_and_stale_policy() {
        let dir = tempfile::tempdir().unwrap();
        let policy = Policy::default();
        let mut notes = Vec::new();
        let mut state = State::load(
            &dir.path().join(STATE_FILE),
            &policy,
            dir.path(),
            &mut notes,
        );
        assert!(notes.is_empty());
        let fp = Fingerprint {
            size: 10,
            mtime_ns: 5,
        };
        state.files.insert(
            "a.jpg".into(),
            Entry {
                size: 10,
                mtime_ns: 5,
                status: EntryStatus::Cleaned,
                output: true,
                retry: false,
            },
        );
        state.save(dir.path(), true).unwrap();
        let again = State::load(
            &dir.path().join(STATE_FILE),
            &policy,
            dir.path(),
            &mut notes,
        );
        assert!(again.is_done("a.jpg", fp));
        assert!(!again.is_done("a.jpg", Fingerprint { size: 11, ..fp }));
        let keep_time = Policy::keep(&[Category::Time]);
        let stale = State::load(
            &dir.path().join(STATE_FILE),
            &keep_time,
            dir.path(),
            &mut notes,
        );
        assert!(!stale.is_done("a.jpg", fp));
        assert!(stale.files["a.jpg"].output);
        assert_eq!(notes.len(), 1);
    }

    #[test]
    fn one_watcher_per_output_folder() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_folder(dir.path()).unwrap();
        match lock_folder(dir.path()) {
            Err(Error::Io(m)) => assert!(m.contains("another `photoscrub watch`"), "{m}"),
            other => panic!("a second lock was not refused: {other:?}"),
        }
        drop(first);
        lock_folder(dir.path()).expect("the lock goes with the first watcher");
    }
}
