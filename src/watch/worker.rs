//! The workers: each cleans the files it is given, one at a time, and runs
//! `--exec` after each.

use super::*;

pub(super) struct Job {
    pub(super) relative: PathBuf,
    pub(super) input: PathBuf,
    pub(super) output: PathBuf,
    pub(super) fp: Fingerprint,
    pub(super) force: bool,
}

pub(super) enum Done {
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

pub(super) enum Msg {
    Fs(DebounceEventResult),
    Done(Done),
}

pub(super) struct Shared {
    pub(super) options: Options,
    pub(super) exec: Option<Vec<String>>,
    pub(super) stopping: AtomicBool,
}

pub(super) fn worker(shared: Arc<Shared>, jobs: Arc<Mutex<Receiver<Job>>>, done: Sender<Msg>) {
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
pub(super) fn clean_one(shared: &Shared, job: Job) -> Done {
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
pub(super) fn run_exec(command: &[String], output: &Path, input: &Path) -> Result<(), String> {
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
