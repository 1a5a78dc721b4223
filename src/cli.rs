//! Command-line arguments and exit codes; the work is done by the library.

use crate::batch::{self, Batch, Mode, Options, Output, Status};
use crate::report::{self, Colour, Detail, Reporter, Style};
use crate::{i18n, sys};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use photoscrub_core::{Category, Policy};
use std::ffi::OsString;
use std::fs::File;

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

/// How a run ended, as the process's exit code (the contract scripts rely
/// on; README, "Exit codes").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything went well (`check`: nothing would leak).
    Ok = 0,
    /// `check` found something that would leak.
    Leaks = 1,
    /// The command line was wrong.
    Usage = 2,
    /// One or more files failed or were refused (wins over `Leaks`).
    Failed = 3,
}

impl Exit {
    pub fn code(self) -> i32 {
        self as i32
    }
}

/// `--keep`/`--only`: which categories go.
#[derive(Args, Debug)]
struct PolicyArgs {
    /// Keep these categories (comma-separated), remove the rest.
    #[arg(
        long,
        value_name = "CATS",
        value_delimiter = ',',
        conflicts_with = "only"
    )]
    keep: Vec<CategoryArg>,
    /// Remove only these categories (comma-separated), keep the rest.
    #[arg(long, value_name = "CATS", value_delimiter = ',')]
    only: Vec<CategoryArg>,
}

impl PolicyArgs {
    fn policy(&self) -> Policy {
        let categories = |args: &[CategoryArg]| -> Vec<Category> {
            args.iter().map(|&c| Category::from(c)).collect()
        };
        if self.only.is_empty() {
            Policy::keep(&categories(&self.keep))
        } else {
            Policy::only(&categories(&self.only))
        }
    }
}

/// A category on the command line (`unknown` is not one: what photoscrub
/// cannot read is always removed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum CategoryArg {
    /// GPS coordinates, place names, addresses
    Location,
    /// names of people: authors, owners, people shown
    People,
    /// camera make, model, software, serial numbers, maker notes
    Device,
    /// when the photo was taken or edited
    Time,
    /// hidden pictures: thumbnails, second images, motion-photo videos
    Preview,
    /// comments, titles, captions, keywords
    Text,
    /// Orientation and colour profile (always kept)
    Rendering,
}

impl From<CategoryArg> for Category {
    fn from(c: CategoryArg) -> Category {
        match c {
            CategoryArg::Location => Category::Location,
            CategoryArg::People => Category::People,
            CategoryArg::Device => Category::Device,
            CategoryArg::Time => Category::Time,
            CategoryArg::Preview => Category::Preview,
            CategoryArg::Text => Category::Text,
            CategoryArg::Rendering => Category::Rendering,
        }
    }
}

/// How the work is done: `--jobs`, `--verify`.
#[derive(Args, Debug)]
struct WorkArgs {
    /// Number of files processed at once (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,
    /// Extra verification: `decode` also decodes both files and compares pixels.
    #[arg(long, value_name = "HOW")]
    verify: Option<Verify>,
}

const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\nPlace names: GeoNames (https://www.geonames.org/), CC BY 4.0.",
    "\nMap outlines: Natural Earth (https://www.naturalearthdata.com/), public domain."
);

/// Find and remove what your photos would tell a stranger: where they were
/// taken, who is in them, which camera took them, and hidden previews.
#[derive(Parser, Debug)]
#[command(name = "photoscrub", version, long_version = LONG_VERSION, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The language of the report and messages: en or nl (default: from
    /// LC_ALL, LC_MESSAGES or LANG, else the system's, else English).
    #[arg(long, global = true, value_name = "LANG", value_parser = ["en", "nl"])]
    lang: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show what each photo would tell a stranger; change nothing.
    Check(Common),
    /// Write cleaned copies (into `cleaned/` next to the originals by default).
    Clean(CleanArgs),
    /// Clean every photo that lands in INBOX into DIR, as it arrives.
    #[command(after_help = WATCH_AFTER_HELP)]
    Watch(WatchArgs),
    /// Open photoscrub's web page: drop photos in the browser (served on 127.0.0.1 only).
    Web(WebArgs),
}

#[derive(Args, Debug)]
struct WebArgs {
    /// The port to serve on (default 8737, or any free port if it is taken).
    #[arg(long)]
    port: Option<u16>,
    /// Print the address but do not open a browser.
    #[arg(long)]
    no_open: bool,
}

fn run_web(args: WebArgs) -> Exit {
    match crate::web::run(args.port, !args.no_open) {
        Ok(()) => Exit::Ok,
        Err(e) => {
            eprintln!("photoscrub: {e}");
            Exit::Failed
        }
    }
}

const WATCH_AFTER_HELP: &str = "\
Catches up on start (every file in INBOX without an up-to-date cleaned copy),
then cleans each new or changed file once its size and time have been still
for a second. Partial names (.part, .crdownload, .tmp, ~$..., dotfiles) wait
until renamed. INBOX is never modified; cleaned copies keep their path
relative to INBOX under DIR. What was done is recorded in
DIR/.photoscrub-watch.json, so a restart does nothing twice.

--exec CMD: CMD is split on whitespace and run directly (no shell) with the
cleaned file's path added as its last argument, after each success; the
original's path is in $PHOTOSCRUB_INPUT. For shell features, point it at a
script.

Stops cleanly on SIGINT/SIGTERM (files in progress are finished), exit 0.
--once: exit 0 when caught up, or 3 if a file failed or was refused.
Exit code 2: wrong folders (INBOX missing, DIR the same as INBOX or above it).";

#[derive(Args, Debug)]
struct WatchArgs {
    /// The folder to watch (recursively).
    #[arg(value_name = "INBOX")]
    inbox: PathBuf,
    /// Where cleaned copies go (same relative paths as in INBOX).
    #[arg(long, value_name = "DIR", required = true)]
    out: PathBuf,
    /// Catch up once and exit (for cron).
    #[arg(long)]
    once: bool,
    /// Rescan every SECONDS instead of following filesystem events (network drives).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    poll: Option<f64>,
    /// One JSON object per event on stdout: cleaned, refused, failed, skipped.
    #[arg(long)]
    json: bool,
    /// Run CMD with the cleaned file's path as its last argument after each success.
    #[arg(long, value_name = "CMD")]
    exec: Option<String>,
    #[command(flatten)]
    policy: PolicyArgs,
    #[command(flatten)]
    work: WorkArgs,
    /// Print only failures.
    #[arg(long, short = 'q')]
    quiet: bool,
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s.is_finite() && s >= 0.1 => Ok(s),
        _ => Err("a number of seconds, at least 0.1".into()),
    }
}

fn run_watch(args: WatchArgs) -> Exit {
    let config = crate::watch::Config {
        policy: args.policy.policy(),
        decode_check: args.work.verify == Some(Verify::Decode),
        jobs: args.work.jobs.unwrap_or(0),
        once: args.once,
        poll: args.poll.map(std::time::Duration::from_secs_f64),
        json: args.json,
        quiet: args.quiet,
        exec: args
            .exec
            .map(|cmd| cmd.split_whitespace().map(String::from).collect()),
        ..crate::watch::Config::new(args.inbox, args.out)
    };
    match crate::watch::run(&config) {
        Ok(summary) if config.once && summary.any_failed() => Exit::Failed,
        Ok(_) => Exit::Ok,
        Err(e) => {
            eprintln!("photoscrub: {e}");
            match e {
                crate::watch::Error::Usage(_) => Exit::Usage,
                crate::watch::Error::Io(_) => Exit::Failed,
            }
        }
    }
}

#[derive(Args, Debug)]
struct CleanArgs {
    /// Write cleaned files under DIR, keeping paths relative to each input folder.
    #[arg(long, value_name = "DIR", conflicts_with = "in_place")]
    out: Option<PathBuf>,
    /// Replace the originals with their cleaned versions (each verified, fsynced,
    /// then renamed over the original: a crash leaves the old or the new file).
    #[arg(long)]
    in_place: bool,
    /// With --in-place: keep each changed original as NAME.photoscrub-backup
    /// next to it (a hard link, or a copy where links are not possible).
    /// Existing backups are never overwritten; photoscrub never deletes them:
    /// delete them yourself once you are happy with the results.
    #[arg(long, requires = "in_place")]
    backup: bool,
    /// Replace existing different files at output paths.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    common: Common,
}

#[derive(Args, Debug)]
struct Common {
    #[command(flatten)]
    policy: PolicyArgs,
    /// Print JSON Lines (one object per file, then a summary) on stdout.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    work: WorkArgs,
    /// Also write the report as one self-contained HTML page (thumbnails and a map).
    #[arg(long, value_name = "FILE")]
    html: Option<PathBuf>,
    /// Open the HTML report in the default browser when done.
    #[arg(long, requires = "html")]
    open: bool,
    /// Also write every finding as a row of a CSV file.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Follow symlinks inside folders (loops are reported); without it they are skipped.
    #[arg(long)]
    follow: bool,
    /// Print only failures and the summary.
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    quiet: bool,
    /// List every finding with where it was found.
    #[arg(long, short = 'v')]
    verbose: bool,
    /// Photos or folders (`-` reads one file from standard input).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Verify {
    /// Decode input and output and require identical pixels.
    Decode,
}

/// What photoscrub says when started with nothing to do (double-clicked,
/// or typed without arguments), with where to drop photos on this system.
/// Plain words, not a usage error.
pub fn start_help() -> String {
    let onto = if cfg!(windows) {
        t!("start-drop-onto-windows")
    } else if cfg!(target_os = "macos") {
        t!("start-drop-onto-macos")
    } else {
        t!("start-drop-onto-linux")
    };
    t!("start-help", onto = onto) + "\n"
}

/// The command line's own words in the reader's language: what photoscrub
/// and each command do, and the notes after the options. (The options'
/// one-line descriptions stay English.)
fn translated(command: clap::Command) -> clap::Command {
    let after = t!("help-after");
    command
        .about(t!("help-about"))
        .after_help(after.clone())
        .mut_subcommand("check", |c| {
            c.about(t!("help-check")).after_help(after.clone())
        })
        .mut_subcommand("clean", |c| {
            c.about(t!("help-clean")).after_help(after.clone())
        })
        .mut_subcommand("watch", |c| c.about(t!("help-watch")))
        .mut_subcommand("web", |c| c.about(t!("help-web")))
}

/// Runs photoscrub with the process's arguments; returns the exit code.
///
/// In a window of its own (a drop onto the program: see
/// [`sys::console::should_pause`]) it waits for Enter before the window closes. `watch` never waits: it runs
/// until it is stopped.
pub fn main() -> Exit {
    let args: Vec<OsString> = std::env::args_os().collect();
    i18n::set(i18n::choose(lang_flag(&args)));
    let pause = args.get(1).is_none_or(|a| a != "watch") && sys::console::should_pause();
    let code = if args.len() <= 1 + lang_words(&args) {
        print!("{}", start_help());
        Exit::Ok
    } else {
        match run(args) {
            Ok(code) => code,
            // A closed pipe (`photoscrub check … | head`) is not an error.
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Exit::Ok,
            Err(e) => {
                eprintln!("photoscrub: {e}");
                Exit::Failed
            }
        }
    };
    if pause {
        let mut stdout = io::stdout().lock();
        let _ = sys::console::wait_for_enter(&mut stdout, &mut io::stdin().lock());
    }
    code
}

/// The language `--lang` names, read before the arguments are parsed (the
/// help text is written in it). A wrong value is left for the parser to
/// report.
fn lang_flag(args: &[OsString]) -> Option<i18n::Lang> {
    let mut words = args.iter().skip(1).map(|a| a.to_str().unwrap_or(""));
    while let Some(word) = words.next() {
        if word == "--" {
            break;
        }
        let value = match word.strip_prefix("--lang") {
            Some("") => words.next(),
            Some(rest) => rest.strip_prefix('='),
            None => None,
        };
        if let Some(lang) = value.and_then(i18n::Lang::from_code) {
            return Some(lang);
        }
    }
    None
}

/// Parses `args`, runs them, and returns the exit code.
fn run(args: Vec<OsString>) -> io::Result<Exit> {
    let parsed = translated(Cli::command())
        .try_get_matches_from(with_default_command(args))
        .and_then(|matches| Cli::from_arg_matches(&matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            e.print()?;
            return Ok(if e.use_stderr() {
                Exit::Usage
            } else {
                Exit::Ok
            });
        }
    };
    let (common, mode, force, backup) = match cli.command {
        Command::Check(common) => (common, Mode::Check, false, false),
        Command::Clean(args) => {
            let output = match (args.in_place, args.out) {
                (true, _) => Output::InPlace,
                (false, Some(dir)) => Output::Dir(dir),
                (false, None) => Output::Beside,
            };
            (args.common, Mode::Clean(output), args.force, args.backup)
        }
        Command::Watch(args) => return Ok(run_watch(args)),
        Command::Web(args) => return Ok(run_web(args)),
    };
    let options = Options {
        policy: common.policy.policy(),
        decode_check: common.work.verify == Some(Verify::Decode),
        force,
        jobs: common.work.jobs.unwrap_or(0),
        progress: !common.quiet && !common.json && io::stderr().is_terminal(),
        thumbnails: common.html.is_some(),
        follow: common.follow,
        backup,
        mode,
    };
    if common.paths.iter().any(|p| p.as_os_str() == "-") {
        return run_stdin(&common, &options);
    }
    let summary = run_batch(&common, &options)?;
    if let (Some(page), true) = (&common.html, common.open) {
        open_in_browser(page);
    }
    Ok(exit_code(|status| summary.count(status) > 0))
}

/// Runs the batch with its report written to standard output (and the
/// `--csv`/`--html` files) while it runs; the report of a run that writes
/// copies ends by saying where they are.
fn run_batch(common: &Common, options: &Options) -> io::Result<report::Summary> {
    let style = if common.json {
        Style::Json
    } else {
        Style::Human(detail(common), colour(io::stdout().is_terminal()))
    };
    // Line by line on a terminal, in blocks into a pipe or file.
    let stdout: Box<dyn Write> = if io::stdout().is_terminal() {
        Box::new(io::stdout().lock())
    } else {
        Box::new(io::BufWriter::new(io::stdout().lock()))
    };
    let mut reporter = Reporter::new(stdout, style, options.mode == Mode::Check);
    if let Some(path) = &common.csv {
        reporter = reporter.with_csv(Box::new(create(path)?))?;
    }
    if let Some(path) = &common.html {
        reporter = reporter.with_html(Box::new(create(path)?))?;
    }
    if matches!(options.mode, Mode::Clean(Output::Beside | Output::Dir(_))) {
        reporter = reporter.writing_copies();
    }
    batch::run_with(&common.paths, options, |done| reporter.done(&done));
    reporter.finish()
}

/// A new report file, buffered; errors name the file.
fn create(path: &PathBuf) -> io::Result<io::BufWriter<File>> {
    File::create(path)
        .map(io::BufWriter::new)
        .map_err(|e| io::Error::new(e.kind(), format!("cannot write {}: {e}", path.display())))
}

/// `photoscrub PATH...` means `photoscrub clean PATH...`.
/// `--lang` may come first (`photoscrub --lang nl PHOTOS...`).
fn with_default_command(mut args: Vec<OsString>) -> Vec<OsString> {
    let at = 1 + lang_words(&args);
    let first = args.get(at).and_then(|a| a.to_str()).unwrap_or("");
    let known = [
        "check",
        "clean",
        "watch",
        "web",
        "help",
        "-h",
        "--help",
        "-V",
        "--version",
    ];
    if args.len() > at && !known.contains(&first) {
        args.insert(at, "clean".into());
    }
    args
}

/// How many words a leading `--lang X` or `--lang=X` takes (0, 1 or 2).
fn lang_words(args: &[OsString]) -> usize {
    match args.get(1).and_then(|a| a.to_str()) {
        Some("--lang") => 2.min(args.len() - 1),
        Some(a) if a.starts_with("--lang=") => 1,
        _ => 0,
    }
}

fn run_stdin(common: &Common, options: &Options) -> io::Result<Exit> {
    if common.paths.len() != 1 {
        eprintln!("photoscrub: `-` (standard input) cannot be combined with other paths");
        return Ok(Exit::Usage);
    }
    if matches!(options.mode, Mode::Clean(Output::Dir(_) | Output::InPlace)) {
        eprintln!(
            "photoscrub: with `-` the cleaned file goes to standard output; drop --out/--in-place"
        );
        return Ok(Exit::Usage);
    }
    let mut input = Vec::new();
    io::stdin().lock().read_to_end(&mut input)?;
    let (file, cleaned) = batch::run_stdin(&input, options);
    if let Some(bytes) = cleaned {
        let mut stdout = io::stdout().lock();
        stdout.write_all(&bytes)?;
        stdout.flush()?;
    }
    let batch = Batch {
        files: vec![file],
        skipped: 0,
        checked: options.mode == Mode::Check,
    };
    // The cleaned bytes own stdout; the report goes to stderr.
    let mut stderr = io::stderr().lock();
    match (common.json, matches!(options.mode, Mode::Check)) {
        (true, true) => report::write_json(&batch, &mut io::stdout().lock())?,
        (true, false) => report::write_json(&batch, &mut stderr)?,
        (false, _) => report::write_human(&batch, detail(common), colour(false), &mut stderr)?,
    }
    write_files(&batch, common)?;
    Ok(exit_code(|status| {
        batch.files.iter().any(|f| f.status == status)
    }))
}

/// Colour on a terminal, unless `NO_COLOR` is set (no-color.org) or the
/// terminal cannot show it (an old Windows console).
fn colour(terminal: bool) -> Colour {
    Colour(
        terminal
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && sys::console::enable_ansi(true),
    )
}

/// The `--html` and `--csv` reports, and `--open`.
fn write_files(batch: &Batch, common: &Common) -> io::Result<()> {
    if let Some(path) = &common.csv {
        let mut out = create(path)?;
        report::write_csv(batch, &mut out)?;
        out.flush()?;
    }
    if let Some(path) = &common.html {
        let mut out = create(path)?;
        report::html::write_html(batch, &mut out)?;
        out.flush()?;
        if common.open {
            open_in_browser(path);
        }
    }
    Ok(())
}

/// Opens a file with the desktop's default application.
fn open_in_browser(path: &Path) {
    if let Err(e) = sys::open_with_default_app(path) {
        eprintln!(
            "photoscrub: cannot open {} ({e}); open it yourself",
            path.display()
        );
    }
}

fn detail(common: &Common) -> Detail {
    match (common.quiet, common.verbose) {
        (true, _) => Detail::Quiet,
        (_, true) => Detail::Verbose,
        _ => Detail::Normal,
    }
}

/// The exit code, from whether any file ended with a status.
fn exit_code(has: impl Fn(Status) -> bool) -> Exit {
    if has(Status::Failed) || has(Status::Refused) {
        Exit::Failed
    } else if has(Status::Leaks) {
        Exit::Leaks
    } else {
        Exit::Ok
    }
}
