//! Walk the inputs, clean or check every file in parallel, with progress.

use crate::copies;
use crate::input::FileSource;
use crate::walk::{self, Job, Planned};
use crate::write::{self, WriteOptions, Written};
use indicatif::{ProgressBar, ProgressStyle};
use photoscrub_core::findings::Scan;
use photoscrub_core::policy::Policy;
use photoscrub_core::sniff::{self, Format};
use photoscrub_core::{verify, Error, Plan, Source};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{mpsc, Condvar, Mutex};

/// The folder that receives cleaned copies when `--out` is not given.
pub const DEFAULT_OUT: &str = "cleaned";

/// Where cleaned files go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// `cleaned/` inside each input folder (or next to each input file).
    Beside,
    /// Under this folder, keeping paths relative to each input folder.
    Dir(PathBuf),
    /// Over the originals.
    InPlace,
}

/// What to do with each file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    Check,
    Clean(Output),
}

/// Everything a batch run needs to know.
#[derive(Clone, Debug)]
pub struct Options {
    pub mode: Mode,
    pub policy: Policy,
    /// Also decode input and output and require identical pixels.
    pub decode_check: bool,
    pub force: bool,
    /// Worker threads; 0 means one per core.
    pub jobs: usize,
    pub progress: bool,
    /// Make a small upright thumbnail of each photo (for the HTML report).
    pub thumbnails: bool,
    /// Follow symlinks found while walking a folder (with loop detection);
    /// without it they are skipped. Paths given to [`run`] are always followed.
    pub follow: bool,
    /// With `--in-place`: keep each replaced original as
    /// `NAME.photoscrub-backup` (see [`write::backup_path`]).
    pub backup: bool,
}

/// The outcome for one file: the status words of every report (JSON, CSV,
/// text, HTML).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// A cleaned file was written.
    Cleaned,
    /// Its cleaned form is the file itself, byte for byte (with `clean` it
    /// is still written to the output folder; `check`: nothing would leak).
    AlreadyClean,
    /// `check`: the file holds something the policy would remove.
    Leaks,
    /// A format photoscrub does not clean; nothing written.
    Refused,
    /// Damaged input, failed verification or a write error; nothing written.
    Failed,
    /// Not a photo or video (the folder watcher reports these).
    Skipped,
}

/// Why a file was refused or failed: its kind, for programs, and what
/// happened, for people.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    /// What happened, with the byte-level detail (`--verbose`, JSON `error`).
    pub message: String,
    /// What happened in plain words and what to do ([`crate::messages::advice`]).
    pub advice: crate::messages::Advice,
}

/// The kinds of [`Failure`], as `error_kind` in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureKind {
    /// A format, or a part of one, photoscrub does not clean.
    Unsupported,
    /// The file is damaged or not what it claims to be.
    Damaged,
    /// The cleaned file did not pass verification.
    Unverified,
    /// Reading the original or writing the output failed.
    Io,
}

impl From<&Error> for Failure {
    fn from(error: &Error) -> Failure {
        let kind = match error {
            Error::Unsupported(_) => FailureKind::Unsupported,
            Error::Damaged(_) => FailureKind::Damaged,
            Error::Unverified(_) => FailureKind::Unverified,
            _ => FailureKind::Io,
        };
        Failure {
            kind,
            message: error.to_string(),
            advice: crate::messages::advice(error, None),
        }
    }
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// What happened to one file.
#[derive(Clone, Debug)]
pub struct FileReport {
    pub path: PathBuf,
    pub format: Option<Format>,
    pub status: Status,
    pub output: Option<PathBuf>,
    pub scan: Scan,
    pub error: Option<Failure>,
    /// A small JPEG of the picture, upright, when thumbnails were asked for.
    pub thumbnail: Option<Vec<u8>>,
}

impl FileReport {
    /// The report of a file that is not a photo or video.
    pub fn skipped(path: &Path) -> FileReport {
        FileReport {
            path: path.to_path_buf(),
            format: None,
            status: Status::Skipped,
            output: None,
            scan: Scan::default(),
            error: None,
            thumbnail: None,
        }
    }

    /// The report of a file that failed before it was read.
    pub fn failed_with(path: &Path, error: &Error) -> FileReport {
        FileReport::failed(path, None, error)
    }

    fn failed(path: &Path, format: Option<Format>, error: &Error) -> FileReport {
        let error = Failure {
            advice: crate::messages::advice(error, format),
            ..Failure::from(error)
        };
        let status = match error.kind {
            FailureKind::Unsupported => Status::Refused,
            _ => Status::Failed,
        };
        FileReport {
            path: path.to_path_buf(),
            format,
            status,
            output: None,
            scan: Scan::default(),
            error: Some(error),
            thumbnail: None,
        }
    }
}

impl FileReport {
    /// A refused or failed file's report with whatever could still be read
    /// from it (`photoscrub_core::readable_scan`: a camera raw's GPS, what
    /// a photo cut short still holds): it would leak all of it, since no
    /// cleaned copy was made.
    fn with_scan(mut self, readable: Option<Scan>) -> FileReport {
        self.scan = readable.unwrap_or_default();
        self
    }
}

/// A path that was not processed, and why.
#[derive(Clone, Debug)]
pub struct Skip {
    pub path: PathBuf,
    pub reason: SkipReason,
}

/// Why a path was not processed (`reason` in JSON).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SkipReason {
    /// Not a photo or video (what it seems to be, when that is known).
    NotAPhoto(Option<crate::messages::Kind>),
    /// A symlink inside a folder, without `--follow`.
    Symlink,
    /// The same file or folder as this path, already in this run.
    Duplicate(PathBuf),
    /// A folder of cleaned copies photoscrub made.
    CleanedFolder,
    /// A file inside this folder of cleaned copies.
    InCleanedFolder(PathBuf),
}

impl SkipReason {
    /// The reason as a word a program can match.
    pub fn word(&self) -> &'static str {
        match self {
            SkipReason::NotAPhoto(_) => "not-a-photo",
            SkipReason::Symlink => "symlink",
            SkipReason::Duplicate(_) => "duplicate",
            SkipReason::CleanedFolder => "cleaned-folder",
            SkipReason::InCleanedFolder(_) => "in-cleaned-folder",
        }
    }

    /// The reason in plain words, in `lang`.
    pub fn describe(&self, lang: crate::i18n::Lang) -> String {
        use crate::messages as m;
        match self {
            SkipReason::NotAPhoto(kind) => m::not_a_photo(lang, *kind),
            SkipReason::Symlink => m::symlink_not_followed(lang),
            SkipReason::Duplicate(first) => m::duplicate(lang, first),
            SkipReason::CleanedFolder => m::cleaned_folder(lang),
            SkipReason::InCleanedFolder(folder) => m::in_cleaned_folder(lang, folder),
        }
    }
}

/// What a batch hands its sink for each planned path, in walk order.
pub enum Done {
    File(FileReport),
    Skipped(Skip),
    /// Something to say before the files: where copies go instead.
    Note(crate::messages::Fallback),
}

/// All files of a run.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    pub files: Vec<FileReport>,
    /// Files that are not photos or videos (counted, not reported).
    pub skipped: usize,
    /// Whether this was a `check` (nothing written) rather than a `clean`.
    pub checked: bool,
}

/// How many finished reports may wait for a slower file before them; this
/// bounds the memory of a run, whatever its number of files.
const REORDER_WINDOW: usize = 256;

/// Checks or cleans every file under `paths`, in parallel, and hands each
/// report to `sink` in walk order as soon as it and every file before it are
/// done, with the skipped paths and notes in their places (see
/// [`crate::walk`]).
///
/// Workers take the next file from a shared counter (no per-file thread or
/// task) and never run more than [`REORDER_WINDOW`] files ahead of the
/// oldest unreported one, so reports never pile up. A panic while handling
/// one file fails that file, not the run.
pub fn run_with(paths: &[PathBuf], options: &Options, mut sink: impl FnMut(Done)) {
    let walk::Plan {
        entries: planned,
        copies,
    } = walk::plan(paths, options);
    let bar = progress_bar(planned.len(), options.progress);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.jobs)
        .build()
        .unwrap_or_else(|_| {
            rayon::ThreadPoolBuilder::new()
                .build()
                .expect("a thread pool")
        });
    let next = AtomicUsize::new(0);
    let window = Window::default();
    let (done, finished) = mpsc::channel::<(usize, Done)>();
    pool.in_place_scope(|scope| {
        for _ in 0..pool.current_num_threads() {
            let (done, next, window, planned) = (done.clone(), &next, &window, &planned);
            scope.spawn(move |_| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = planned.get(i) else { break };
                window.wait_for(i);
                if done.send((i, guarded(item, options))).is_err() {
                    break;
                }
            });
        }
        drop(done);
        let mut waiting = BTreeMap::new();
        let mut emitted = 0;
        for (i, report) in finished {
            waiting.insert(i, report);
            while let Some(report) = waiting.remove(&emitted) {
                emitted += 1;
                window.advance(emitted);
                bar.inc(1);
                if let (Done::File(file), Planned::Job(job)) = (&report, &planned[emitted - 1]) {
                    record_own_copy(&copies, job, file);
                }
                let report = match report {
                    Done::File(file) => Done::File(with_places(file)),
                    other => other,
                };
                bar.suspend(|| sink(report))
            }
        }
    });
    bar.finish_and_clear();
    if matches!(options.mode, Mode::Clean(Output::Beside | Output::Dir(_))) {
        write::sync_all();
    }
}

/// Adds a copy just written (or found identical) in a folder photoscrub
/// chose to that folder's list of its own copies (see [`crate::copies`]),
/// unless the list already has it as it is. A list that cannot be written
/// only means the copy will not be replaced by a later version.
fn record_own_copy(copies: &copies::Folders, job: &Job, file: &FileReport) {
    let (Some(root), Some(output)) = (&job.root, &file.output) else {
        return;
    };
    let written = matches!(file.status, Status::Cleaned | Status::AlreadyClean);
    if written && !copies.is_own_copy(&root.folder, output) {
        let _ = copies.record(&root.folder, &root.source, output);
    }
}

/// Lets workers start file `i` only once file `i - REORDER_WINDOW` has been
/// reported.
#[derive(Default)]
struct Window {
    emitted: Mutex<usize>,
    moved: Condvar,
    /// Workers waiting; nobody is woken (no syscall) while this is 0.
    waiting: AtomicUsize,
}

impl Window {
    fn wait_for(&self, i: usize) {
        let mut emitted = self.emitted.lock().unwrap_or_else(|e| e.into_inner());
        while i >= *emitted + REORDER_WINDOW {
            self.waiting.fetch_add(1, Ordering::SeqCst);
            emitted = self.moved.wait(emitted).unwrap_or_else(|e| e.into_inner());
            self.waiting.fetch_sub(1, Ordering::SeqCst);
        }
    }

    fn advance(&self, emitted: usize) {
        *self.emitted.lock().unwrap_or_else(|e| e.into_inner()) = emitted;
        if self.waiting.load(Ordering::SeqCst) > 0 {
            self.moved.notify_all();
        }
    }
}

/// Processes one planned file; a panic becomes a failed report.
fn guarded(item: &Planned, options: &Options) -> Done {
    match item {
        Planned::Failed(report) => Done::File(report.clone()),
        Planned::Skipped(skip) => Done::Skipped(skip.clone()),
        Planned::Note(note) => Done::Note(note.clone()),
        Planned::Job(job) => {
            let run = std::panic::AssertUnwindSafe(|| process(job, options));
            match std::panic::catch_unwind(run) {
                Ok(Some(report)) => Done::File(report),
                Ok(None) => Done::Skipped(not_a_photo(&job.input)),
                Err(_) => {
                    let error = Error::io(format!(
                        "internal error while reading {} (please report this file)",
                        job.input.display()
                    ));
                    Done::File(FileReport::failed(&job.input, None, &error))
                }
            }
        }
    }
}

/// The skip of a file that is not a photo or video, saying what it seems
/// to be (from its first bytes, read again: this is rare).
fn not_a_photo(path: &Path) -> Skip {
    let mut head = Vec::new();
    if let Ok(file) = File::open(path) {
        let _ = file.take(16).read_to_end(&mut head);
    }
    Skip {
        path: path.to_path_buf(),
        reason: SkipReason::NotAPhoto(crate::messages::kind_of(&head, path)),
    }
}

fn progress_bar(len: usize, shown: bool) -> ProgressBar {
    if !shown || len < 2 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    // The sentence is translated with indicatif's placeholders as its values.
    let words = t!(
        "progress",
        done = "{pos}",
        total = "{len}",
        elapsed = "{elapsed}",
        eta = "{eta}"
    );
    if let Ok(style) = ProgressStyle::with_template(&format!("{{bar:40}} {words}")) {
        bar.set_style(style);
    }
    bar
}

/// Cleans (or checks) one file into `output` — what the folder watcher
/// runs for each new file. `None`: the file is not a photo or video.
pub fn process_one(input: &Path, output: Option<PathBuf>, options: &Options) -> Option<FileReport> {
    let job = Job {
        input: input.to_path_buf(),
        output,
        root: None,
        replace_own: false,
    };
    process(&job, options).map(with_places)
}

thread_local! {
    /// Each worker reads every photo into the same buffer: a fresh 4 MB
    /// allocation per photo would cost a thousand page faults each time.
    static READ_BUFFER: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// Read buffers up to this size are kept for the worker's next photo.
const KEEP_BUFFER: usize = 32 << 20;

/// Reads, checks or cleans, verifies and writes one file. `None`: not an image.
fn process(job: &Job, options: &Options) -> Option<FileReport> {
    let mut buffer = READ_BUFFER.take();
    let report = process_in(job, options, &mut buffer);
    if buffer.capacity() <= KEEP_BUFFER {
        READ_BUFFER.set(buffer);
    }
    report
}

/// [`process`], reading a photo into `buffer`.
fn process_in(job: &Job, options: &Options, buffer: &mut Vec<u8>) -> Option<FileReport> {
    let (file, whole) = match read_if_image(&job.input, buffer) {
        Ok(Some(Input::Photo(file))) => (file, true),
        Ok(Some(Input::Video(file))) => (file, false),
        Ok(None) => return None,
        Err(e) => return Some(FileReport::failed(&job.input, None, &e)),
    };
    let bytes: &[u8] = buffer;
    let (format, prepared, readable) = {
        let on_disk = (!whole).then(|| FileSource::new(&file));
        let source: &dyn Source = match &on_disk {
            Some(on_disk) => on_disk,
            None => &bytes,
        };
        let format = photoscrub_core::detect_source(source).ok();
        let prepared = match options.mode {
            Mode::Check => check(source, options).map(Prepared::Done),
            Mode::Clean(ref output) => prepare(job, (&file, source), output, options),
        };
        let readable = prepared
            .is_err()
            .then(|| photoscrub_core::readable_scan(source))
            .flatten();
        (format, prepared, readable)
    };
    // Windows cannot replace a file that is still open (measured under
    // Wine: "access denied" for every `--in-place` rename), so the input is
    // closed before the cleaned file is committed over it.
    drop(file);
    Some(match prepared.and_then(|p| p.commit(job)) {
        Ok((status, output, scan)) => FileReport {
            path: job.input.clone(),
            format,
            status,
            output,
            scan,
            error: None,
            thumbnail: Some(bytes)
                .filter(|_| whole && options.thumbnails)
                .and_then(crate::thumbnail::thumbnail),
        },
        Err(e) => {
            // A write that failed: what the photo still holds (a video is
            // not read again).
            let readable = readable.or_else(|| {
                whole
                    .then(|| photoscrub_core::readable_scan(&bytes))
                    .flatten()
            });
            FileReport::failed(&job.input, format, &e).with_scan(readable)
        }
    })
}

/// Names the nearest town of every valid location (offline). A batch does
/// this as it reports each file, so the workers never wait for the place
/// table to load.
fn with_places(mut report: FileReport) -> FileReport {
    for loc in report
        .scan
        .locations
        .iter_mut()
        .filter(|l| l.invalid.is_none())
    {
        loc.place = photoscrub_core::geo::nearest(loc.lat, loc.lon).map(|n| n.describe());
    }
    report
}

/// A file to process, open: a photo also read whole into the caller's
/// buffer, or a video, which is read in ranges and never whole.
enum Input {
    Photo(File),
    Video(File),
}

/// Files up to this size are read in one go; larger ones are sniffed first,
/// so that a video is never read whole.
const READ_WHOLE: u64 = 16 << 20;

/// Reads the whole file into `bytes` (only its first bytes for a video), or
/// `None` if its first bytes are not a known format.
fn read_if_image(path: &Path, bytes: &mut Vec<u8>) -> Result<Option<Input>, Error> {
    let io = |e: std::io::Error| Error::io_because(format!("cannot read {}", path.display()), e);
    // A camera import, a virus scanner or the search indexer may hold a new
    // photo for a moment on Windows.
    let mut file = crate::sys::retry_busy(|| File::open(path)).map_err(io)?;
    let len = file.metadata().map_err(io)?.len();
    let first = if len <= READ_WHOLE {
        len + 1
    } else {
        sniff::SNIFF_LEN as u64
    };
    bytes.clear();
    bytes.reserve(len.min(READ_WHOLE) as usize + 1);
    (&mut file).take(first).read_to_end(bytes).map_err(io)?;
    if bytes.is_empty() {
        return Err(Error::Damaged(format!(
            "{} is empty (0 bytes)",
            path.display()
        )));
    }
    match sniff::sniff(bytes) {
        None if named_like_media(path) => Err(Error::Damaged(format!(
            "{} is named like a photo or video, but its content is not one this tool knows",
            path.display()
        ))),
        None => Ok(None),
        Some(Format::Video) => Ok(Some(Input::Video(file))),
        Some(_) => {
            if first <= len {
                file.read_to_end(bytes).map_err(io)?;
            }
            Ok(Some(Input::Photo(file)))
        }
    }
}

/// File extensions of photos and videos: such a file with unknown content
/// is an error to report, not a file to skip.
fn named_like_media(path: &Path) -> bool {
    const EXTENSIONS: &[&str] = &[
        "jpg", "jpeg", "jpe", "jfif", "png", "webp", "gif", "heic", "heif", "hif", "avif", "jxl",
        "tif", "tiff", "dng", "cr2", "cr3", "nef", "arw", "raf", "rw2", "orf", "mp4", "mov", "m4v",
        "3gp",
    ];
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    EXTENSIONS
        .iter()
        .any(|known| known.eq_ignore_ascii_case(ext))
}

type Outcome = (Status, Option<PathBuf>, Scan);

fn check(source: &dyn Source, options: &Options) -> Result<Outcome, Error> {
    let scan = photoscrub_core::inspect(source)?
        .scan
        .judge(&options.policy);
    let status = if scan.any_removed() {
        Status::Leaks
    } else {
        Status::AlreadyClean
    };
    Ok((status, None, scan))
}

/// Where a clean job writes, and whether that is over the original; an
/// output that would land on the original (`input`) without `--in-place` is
/// refused.
fn target_of<'a>(job: &'a Job, input: &File, output: &Output) -> Result<(&'a Path, bool), Error> {
    let target = job
        .output
        .as_deref()
        .expect("clean jobs have an output path");
    let in_place = *output == Output::InPlace;
    if !in_place && crate::sys::is_same_file(input, target) {
        return Err(Error::io(
            "the output would overwrite the original (use --in-place to clean originals)",
        ));
    }
    Ok((target, in_place))
}

/// A file checked, or cleaned and staged but not yet committed.
enum Prepared {
    Done(Outcome),
    Staged {
        staged: write::Staged,
        target: PathBuf,
        options: WriteOptions,
        status: Status,
        scan: Scan,
    },
}

impl Prepared {
    /// Puts a staged file in place (the input must be closed by now).
    fn commit(self, job: &Job) -> Result<Outcome, Error> {
        match self {
            Prepared::Done(outcome) => Ok(outcome),
            Prepared::Staged {
                staged,
                target,
                options,
                status,
                scan,
            } => {
                let _: Written = staged.commit(&job.input, &target, options)?;
                Ok((status, Some(target), scan))
            }
        }
    }
}

/// Cleans one photo or video: the cleaned file is staged next to its
/// output and what was staged is verified against the input; the caller
/// commits it. A file is already clean when its cleaned form is itself,
/// byte for byte (then `--in-place` leaves it alone).
fn prepare(
    job: &Job,
    (file, source): (&File, &dyn Source),
    output: &Output,
    options: &Options,
) -> Result<Prepared, Error> {
    let plan = photoscrub_core::plan(source, &options.policy)?;
    let (target, in_place) = target_of(job, file, output)?;
    let unchanged = plan.is_identity(source);
    if unchanged && in_place {
        return Ok(Prepared::Done((
            Status::AlreadyClean,
            None,
            plan.input.scan,
        )));
    }
    let write_options = WriteOptions {
        force: options.force || in_place,
        sync: in_place,
        backup: in_place && options.backup,
        replace_own: job.replace_own,
    };
    let staged = write::stage(target, (file, source), &plan.output, write_options)?;
    let after = staged.verify(&plan, source, &options.policy)?;
    if options.decode_check {
        decode_check(&plan, source, &staged)?;
    }
    let status = if unchanged {
        Status::AlreadyClean
    } else {
        Status::Cleaned
    };
    Ok(Prepared::Staged {
        staged,
        target: target.to_path_buf(),
        options: write_options,
        status,
        scan: plan.input.scan.marked_against(&after),
    })
}

/// `--verify decode`: decodes the input and the staged output and requires
/// identical pixels (photos the `image` crate can decode).
fn decode_check(plan: &Plan, source: &dyn Source, staged: &write::Staged) -> Result<(), Error> {
    let Some(input) = source.as_slice() else {
        return Ok(());
    };
    let written = staged.bytes()?;
    verify::decode_identical(plan.input.format, input, &written)
}

/// Checks or cleans one file read from standard input; returns the report
/// and, when cleaning succeeded, the bytes for standard output.
pub fn run_stdin(bytes: &[u8], options: &Options) -> (FileReport, Option<Vec<u8>>) {
    let path = PathBuf::from("-");
    let format = sniff::sniff(bytes);
    let result = match options.mode {
        Mode::Check => check(&bytes, options).map(|outcome| (outcome, None)),
        Mode::Clean(_) => clean_bytes(bytes, options),
    };
    match result {
        Ok(((status, output, scan), cleaned)) => {
            let report = FileReport {
                path,
                format,
                status,
                output,
                scan,
                error: None,
                thumbnail: options
                    .thumbnails
                    .then(|| crate::thumbnail::thumbnail(bytes))
                    .flatten(),
            };
            (with_places(report), cleaned)
        }
        Err(e) => (
            with_places(
                FileReport::failed(&path, format, &e)
                    .with_scan(photoscrub_core::readable_scan(&bytes)),
            ),
            None,
        ),
    }
}

fn clean_bytes(bytes: &[u8], options: &Options) -> Result<(Outcome, Option<Vec<u8>>), Error> {
    let scrubbed = photoscrub_core::scrub(bytes, &options.policy)?;
    if options.decode_check {
        verify::decode_identical(scrubbed.format, bytes, &scrubbed.bytes)?;
    }
    let status = if scrubbed.bytes == bytes {
        Status::AlreadyClean
    } else {
        Status::Cleaned
    };
    Ok((
        (status, Some(PathBuf::from("-")), scrubbed.scan),
        Some(scrubbed.bytes),
    ))
}
