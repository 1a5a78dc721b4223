//! The coordinator: turns filesystem events and rescans into jobs once
//! files settle, hands them to the workers, records what they did, and
//! stops on a signal.

use super::*;

/// A file waiting for its size and time to settle.
pub(super) struct Waiting {
    pub(super) input: PathBuf,
    pub(super) fp: Fingerprint,
    /// When `fp` was first seen.
    pub(super) since: Instant,
    /// When the file was first seen at all.
    pub(super) first: Instant,
    pub(super) queued: bool,
}

pub(super) struct InFlight {
    pub(super) input: PathBuf,
    /// Whether the state said the output was ours before this job.
    pub(super) owned: bool,
    /// A change was reported while it was in flight: look again after.
    pub(super) look_again: bool,
}

pub(super) struct Watch {
    pub(super) config: Config,
    pub(super) inbox: PathBuf,
    pub(super) out: PathBuf,
    pub(super) state: State,
    pub(super) state_dirty: bool,
    pub(super) last_save: Instant,
    pub(super) waiting: HashMap<PathBuf, Waiting>,
    pub(super) ready: VecDeque<PathBuf>,
    pub(super) in_flight: HashMap<PathBuf, InFlight>,
    pub(super) retry_at: HashMap<PathBuf, (PathBuf, Instant)>,
    /// The last wait before a retry, per file (doubled after each failure).
    pub(super) retry_delay: HashMap<PathBuf, Duration>,
    pub(super) summary: Summary,
    /// What the files cleaned in this run told, for the closing summary.
    pub(super) told: report::Summary,
    pub(super) shared: Arc<Shared>,
    pub(super) jobs_tx: Option<Sender<Job>>,
    pub(super) workers: Vec<thread::JoinHandle<()>>,
    pub(super) max_queued: usize,
    pub(super) rx: Receiver<Msg>,
    pub(super) tx: Sender<Msg>,
    pub(super) watcher: Option<Box<dyn std::any::Any>>,
    pub(super) next_scan: Option<Instant>,
    pub(super) scan_every: Option<Duration>,
    pub(super) caught_up: bool,
    /// Cleaned copies written since the last sync.
    pub(super) unsynced: bool,
    pub(super) _lock: File,
}

impl Watch {
    pub(super) fn start(config: &Config) -> Result<Watch, Error> {
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
            notes.push(t!(
                "watch-leftovers",
                files = leftovers,
                folder = out.display().to_string()
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
    pub(super) fn start_following(&mut self) {
        if self.config.once {
            return;
        }
        if let Some(every) = self.config.poll {
            self.scan_every = Some(every);
            self.next_scan = Some(Instant::now() + every);
            self.note(&t!(
                "watch-polling",
                inbox = self.inbox.display().to_string(),
                seconds = format!("{:.1}", every.as_secs_f64()),
                out = self.out.display().to_string()
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
                self.note(&t!(
                    "watch-watching",
                    inbox = self.inbox.display().to_string(),
                    out = self.out.display().to_string()
                ));
            }
            Err(e) => {
                let every = Duration::from_secs(5);
                self.scan_every = Some(every);
                self.next_scan = Some(Instant::now() + every);
                self.note(&t!(
                    "watch-cannot-follow",
                    inbox = self.inbox.display().to_string(),
                    error = e.to_string()
                ));
            }
        }
    }

    pub(super) fn main_loop(&mut self, stop: &AtomicUsize) {
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
                self.note(&t!("watch-stopping", busy = busy));
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
                    self.note(&t!("watch-caught-up"));
                }
            }
            if self.config.once && idle {
                break;
            }
        }
        self.finish(stopping && stop.load(Ordering::SeqCst).saturating_sub(stop_seen) >= 2);
    }

    pub(super) fn finish(&mut self, abandon: bool) {
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
            self.note(&t!(
                "watch-summary",
                cleaned = s.cleaned,
                already_clean = s.already_clean,
                refused = s.refused,
                failed = s.failed,
                skipped = s.skipped
            ));
        }
    }

    /// A message for the person (or the service log): stderr.
    pub(super) fn note(&self, message: &str) {
        if !self.config.quiet {
            eprintln!("photoscrub: {message}");
        }
    }

    pub(super) fn handle(&mut self, msg: Msg) {
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
    pub(super) fn in_out(&self, path: &Path) -> bool {
        path.starts_with(&self.out)
    }

    /// Every file in INBOX, recursively (the output folder and hidden or
    /// partial names left out).
    pub(super) fn scan_all(&mut self) {
        let root = self.inbox.clone();
        self.scan_folder(&root);
    }

    pub(super) fn scan_folder(&mut self, folder: &Path) {
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
    pub(super) fn look_at(&mut self, path: &Path) {
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
    pub(super) fn look_at_file(&mut self, path: &Path) {
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
    pub(super) fn settle(&mut self, now: Instant) {
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

    pub(super) fn retry_due(&mut self, now: Instant) {
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
    pub(super) fn dispatch(&mut self) {
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

    pub(super) fn done(&mut self, done: Done) {
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

    pub(super) fn report(
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
            None => format!("{}: {}", input.display(), t!("watch-skipped")),
            Some(r) => match (&r.error, &r.output) {
                (Some(error), _) => {
                    let again = match retry_in {
                        Some(delay) => t!("watch-retry-in", seconds = delay.as_secs()),
                        None => t!("watch-retry-on-change"),
                    };
                    let word = report::status_text(r.status);
                    format!("{}: {word}: {error} ({again})", input.display())
                }
                (None, output) => {
                    let to = output
                        .as_ref()
                        .map(|o| format!(" -> {}", o.display()))
                        .unwrap_or_default();
                    let word = report::status_text(r.status);
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

    pub(super) fn save_state(&mut self, now: bool) {
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
pub(super) fn is_read_or_write_failure(report: &FileReport) -> bool {
    report
        .error
        .as_ref()
        .is_some_and(|e| e.kind == FailureKind::Io)
}

/// What was removed, in a few words: ` (removed location near …, device)`.
pub(super) fn removed_summary(file: &FileReport) -> String {
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
        let name = report::category_text(category);
        match (category, report::main_location(file)) {
            (Category::Location, Some(loc)) => {
                parts.push(format!("{name} {}", report::describe_location(loc)))
            }
            _ => parts.push(name),
        }
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", t!("watch-removed", what = parts.join(", ")))
    }
}

pub(super) fn emit_line(line: &str) {
    let mut stdout = io::stdout().lock();
    // A closed stdout must not stop the watcher: the work goes on.
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}
