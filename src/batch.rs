//! Walk the inputs, clean or check every file in parallel, with progress.

use crate::input::FileSource;
use crate::write::{self, WriteOptions, Written};
use indicatif::{ProgressBar, ProgressStyle};
use photoscrub_core::findings::Scan;
use photoscrub_core::policy::Policy;
use photoscrub_core::sniff::{self, Format};
use photoscrub_core::{verify, Error, Plan, Source};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fs::{self, File};
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
    pub message: String,
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

    fn failed(path: &Path, format: Option<Format>, error: &Error) -> FileReport {
        let error = Failure::from(error);
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

/// All files of a run.
#[derive(Clone, Debug, Default)]
pub struct Batch {
    pub files: Vec<FileReport>,
    /// Files that are not photos or videos (counted, not reported).
    pub skipped: usize,
    /// Whether this was a `check` (nothing written) rather than a `clean`.
    pub checked: bool,
}

/// One file to process, and where its cleaned copy goes.
#[derive(Clone, Debug)]
struct Job {
    input: PathBuf,
    output: Option<PathBuf>,
}

enum Planned {
    Job(Job),
    Failed(FileReport),
    /// Not processed, counted as skipped: a symlink found in a folder
    /// without `--follow`, or a second path to a file already planned.
    Skipped,
}

/// How many finished reports may wait for a slower file before them; this
/// bounds the memory of a run, whatever its number of files.
const REORDER_WINDOW: usize = 256;

/// Checks or cleans every file under `paths`, in parallel, and hands each
/// report to `sink` in walk order as soon as it and every file before it are
/// done. Returns the number of files skipped as not photos or videos.
///
/// Workers take the next file from a shared counter (no per-file thread or
/// task) and never run more than [`REORDER_WINDOW`] files ahead of the
/// oldest unreported one, so reports never pile up. A panic while handling
/// one file fails that file, not the run.
pub fn run_with(paths: &[PathBuf], options: &Options, mut sink: impl FnMut(FileReport)) -> usize {
    let planned: Vec<Planned> = paths.iter().flat_map(|p| plan(p, options)).collect();
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
    let (done, finished) = mpsc::channel::<(usize, Option<FileReport>)>();
    let mut skipped = 0;
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
                match report {
                    Some(report) => {
                        let report = with_places(report);
                        bar.suspend(|| sink(report))
                    }
                    None => skipped += 1,
                }
            }
        }
    });
    bar.finish_and_clear();
    if matches!(options.mode, Mode::Clean(Output::Beside | Output::Dir(_))) {
        write::sync_all();
    }
    skipped
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
fn guarded(item: &Planned, options: &Options) -> Option<FileReport> {
    match item {
        Planned::Failed(report) => Some(report.clone()),
        Planned::Skipped => None,
        Planned::Job(job) => {
            let run = std::panic::AssertUnwindSafe(|| process(job, options));
            std::panic::catch_unwind(run).unwrap_or_else(|_| {
                let error = Error::io(format!(
                    "internal error while reading {} (please report this file)",
                    job.input.display()
                ));
                Some(FileReport::failed(&job.input, None, &error))
            })
        }
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

/// The jobs for one command-line argument: a file, or every file in a
/// folder. A named path is followed if it is a symlink (the user named it).
/// Before a clean, stale temporary files of killed runs are removed from
/// the folders that will be written.
fn plan(path: &Path, options: &Options) -> Vec<Planned> {
    let mode = &options.mode;
    let failed = |p: &Path, e: String| Planned::Failed(FileReport::failed(p, None, &Error::io(e)));
    let planned = match fs::metadata(path) {
        Err(e) => vec![failed(path, format!("cannot read {}: {e}", path.display()))],
        Ok(meta) if meta.is_dir() => plan_folder(path, options),
        Ok(meta) if meta.is_file() => {
            let name = path.file_name().map(PathBuf::from).unwrap_or_default();
            let parent = path
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            vec![planned_job(mode, parent, &name, path)]
        }
        Ok(_) => vec![failed(
            path,
            format!("{} is not a regular file", path.display()),
        )],
    };
    if matches!(mode, Mode::Clean(_)) {
        remove_stale_temps(&planned);
    }
    planned
}

fn plan_folder(root: &Path, options: &Options) -> Vec<Planned> {
    let mode = &options.mode;
    let excluded = excluded_folders(root, mode);
    if is_any(root, &excluded) {
        let message = format!(
            "{}: the output folder is this folder; give another --out, or use --in-place to clean originals",
            root.display()
        );
        return vec![Planned::Failed(FileReport::failed(
            root,
            None,
            &Error::io(message),
        ))];
    }
    let walker = walkdir::WalkDir::new(root)
        .follow_links(options.follow)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            !(e.depth() > 0 && is_own_file(e.file_name())
                || e.file_type().is_dir() && is_any(e.path(), &excluded))
        });
    let mut planned = Vec::new();
    let mut targets = std::collections::HashSet::new();
    for entry in walker {
        match entry {
            Ok(e) if e.depth() > 0 && e.path_is_symlink() && !options.follow => {
                planned.push(Planned::Skipped)
            }
            Ok(e) if e.file_type().is_file() => {
                let relative = e
                    .path()
                    .strip_prefix(root)
                    .unwrap_or(e.path())
                    .to_path_buf();
                let job = planned_job(mode, root, &relative, e.path());
                // With --follow a file can be reached twice; clean it once.
                let twice = match &job {
                    Planned::Job(Job {
                        output: Some(out), ..
                    }) if *mode == Mode::Clean(Output::InPlace) && options.follow => {
                        !targets.insert(fs::canonicalize(out).unwrap_or_else(|_| out.clone()))
                    }
                    _ => false,
                };
                planned.push(if twice { Planned::Skipped } else { job });
            }
            Ok(_) => {}
            Err(e) => {
                let path = e.path().unwrap_or(root).to_path_buf();
                let message = match e.loop_ancestor() {
                    Some(ancestor) => format!(
                        "{} is a symlink loop (it leads back to {}); not followed",
                        path.display(),
                        ancestor.display()
                    ),
                    None => format!("cannot read {}: {e}", path.display()),
                };
                planned.push(Planned::Failed(FileReport::failed(
                    &path,
                    None,
                    &Error::io(message),
                )));
            }
        }
    }
    planned
}

/// The job for `input` (`relative` to `base`, the folder argument or the
/// file argument's folder), or a failure if its output would land outside
/// the output folder.
fn planned_job(mode: &Mode, base: &Path, relative: &Path, input: &Path) -> Planned {
    let output = match mode {
        Mode::Clean(Output::InPlace) => Some(in_place_target(input)),
        _ => output_path(mode, base, relative, input),
    };
    if let Some(problem) = escapes_output(mode, base, relative) {
        let message = format!(
            "no cleaned copy of {} is written: {problem}",
            input.display()
        );
        return Planned::Failed(FileReport::failed(input, None, &Error::io(message)));
    }
    Planned::Job(Job {
        input: input.to_path_buf(),
        output,
    })
}

/// What `--in-place` replaces for `input`: the file itself, or for a
/// symlink the file it leads to (the link stays a link).
fn in_place_target(input: &Path) -> PathBuf {
    match fs::symlink_metadata(input) {
        Ok(meta) if meta.file_type().is_symlink() => {
            fs::canonicalize(input).unwrap_or_else(|_| input.to_path_buf())
        }
        _ => input.to_path_buf(),
    }
}

/// Why the output for `relative` would not stay inside the output folder:
/// a `..` in the path, or a subfolder of the output folder that is a
/// symlink leading out of it. `None`: it stays inside.
fn escapes_output(mode: &Mode, base: &Path, relative: &Path) -> Option<String> {
    use std::path::Component;
    let out = match mode {
        Mode::Clean(Output::Dir(dir)) => dir.clone(),
        Mode::Clean(Output::Beside) => base.join(DEFAULT_OUT),
        _ => return None,
    };
    if !relative
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return Some(format!(
            "its path {} would lead out of the output folder {}",
            relative.display(),
            out.display()
        ));
    }
    let mut folder = out.clone();
    let mut inside: Option<PathBuf> = None;
    for part in relative.parent().into_iter().flat_map(Path::components) {
        folder.push(part);
        match fs::symlink_metadata(&folder) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let root = inside.get_or_insert_with(|| fs::canonicalize(&out).unwrap_or_default());
                let leads_out = fs::canonicalize(&folder).map_or(true, |t| !t.starts_with(&*root));
                if leads_out {
                    return Some(format!(
                        "{} is a symlink leading out of the output folder {}, and nothing is written outside it",
                        folder.display(),
                        out.display()
                    ));
                }
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    None
}

/// photoscrub's own files, never inputs: temporary files being written
/// (or left by a killed run) and `--backup` originals.
fn is_own_file(name: &std::ffi::OsStr) -> bool {
    write::is_temp_name(name) || write::is_backup_name(name)
}

/// Removes temporary files left by killed runs from the folders the planned
/// jobs will write into (see [`write::is_stale_temp`]).
fn remove_stale_temps(planned: &[Planned]) {
    let folders: std::collections::BTreeSet<&Path> = planned
        .iter()
        .filter_map(|p| match p {
            Planned::Job(job) => job.output.as_deref()?.parent(),
            _ => None,
        })
        .map(|d| {
            if d.as_os_str().is_empty() {
                Path::new(".")
            } else {
                d
            }
        })
        .collect();
    for folder in folders {
        write::remove_stale_temps(folder);
    }
}

/// The output folders the walker must not descend into: `--out`, and the
/// default `cleaned/` of an earlier drag-and-drop run.
fn excluded_folders(root: &Path, mode: &Mode) -> Vec<PathBuf> {
    let mut folders = match mode {
        Mode::Clean(Output::Dir(dir)) => vec![dir.clone()],
        _ => Vec::new(),
    };
    folders.push(root.join(DEFAULT_OUT));
    folders
        .into_iter()
        .map(|f| fs::canonicalize(&f).unwrap_or(f))
        .collect()
}

fn is_any(path: &Path, folders: &[PathBuf]) -> bool {
    !folders.is_empty() && fs::canonicalize(path).is_ok_and(|p| folders.contains(&p))
}

fn output_path(mode: &Mode, base: &Path, relative: &Path, input: &Path) -> Option<PathBuf> {
    match mode {
        Mode::Check => None,
        Mode::Clean(Output::Beside) => Some(base.join(DEFAULT_OUT).join(relative)),
        Mode::Clean(Output::Dir(dir)) => Some(dir.join(relative)),
        Mode::Clean(Output::InPlace) => Some(input.to_path_buf()),
    }
}

/// Cleans (or checks) one file into `output` — what the folder watcher
/// runs for each new file. `None`: the file is not a photo or video.
pub fn process_one(input: &Path, output: Option<PathBuf>, options: &Options) -> Option<FileReport> {
    let job = Job {
        input: input.to_path_buf(),
        output,
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
    let (format, prepared) = {
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
        (format, prepared)
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
        Err(e) => FileReport::failed(&job.input, format, &e),
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
        Err(e) => (FileReport::failed(&path, format, &e), None),
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
