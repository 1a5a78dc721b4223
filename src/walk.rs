//! From the paths a user gave (dropped) to the list of files to process,
//! each with where its cleaned copy goes — before any file is read.
//!
//! What this forgives, so that dropping folders again and again works:
//! - a file reached twice (a folder and a file in it, the same folder
//!   twice, a symlink or hard link to a file already listed) is listed
//!   once; the second path is skipped, naming the first;
//! - folders of cleaned copies photoscrub made (they hold
//!   [`copies::MARKER`]) are never walked into, and dropping one (or files
//!   in one) cleans nothing again — `cleaned/cleaned/` is never made;
//! - where the photos' own folder cannot be written (a locked memory
//!   card, a phone, someone else's folder), the copies go to
//!   `photoscrub-cleaned/<folder name>` in the user's Pictures folder, and
//!   a note says so before the files.

use crate::batch::{FileReport, Mode, Options, Output, Skip, SkipReason, DEFAULT_OUT};
use crate::copies;
use crate::sys::{self, FileId};
use crate::write;
use photoscrub_core::Error;
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

/// The folder in the user's Pictures folder that takes cleaned copies
/// when the photos' own folder cannot be written.
pub const FALLBACK_FOLDER: &str = "photoscrub-cleaned";

/// A folder of cleaned copies photoscrub chose (not `--out`), and the
/// folder of originals its copies are made from.
#[derive(Clone, Debug)]
pub struct Root {
    pub folder: PathBuf,
    pub source: PathBuf,
}

/// One file to process, and where its cleaned copy goes.
#[derive(Clone, Debug)]
pub struct Job {
    pub input: PathBuf,
    pub output: Option<PathBuf>,
    /// The folder of cleaned copies `output` lies in, when photoscrub chose
    /// it (its own older copies there may be replaced).
    pub root: Option<Root>,
    /// The file at `output` is photoscrub's own older copy: a newer
    /// cleaned copy replaces it (see [`crate::copies`]).
    pub replace_own: bool,
}

/// One entry of a run, in the order it is reported.
pub enum Planned {
    Job(Job),
    Failed(FileReport),
    Skipped(Skip),
    /// Said before the files that follow: where their copies go instead.
    Note(crate::messages::Fallback),
}

/// Everything a run will do, in order, and the lists of photoscrub's own
/// folders of copies it writes to.
pub struct Plan {
    pub entries: Vec<Planned>,
    pub copies: copies::Folders,
}

/// Plans a run over `paths` (see the module's comment).
pub fn plan(paths: &[PathBuf], options: &Options) -> Plan {
    let mut planner = Planner {
        options,
        seen: HashMap::new(),
        roots: HashMap::new(),
        copies: copies::Folders::default(),
        entries: Vec::new(),
    };
    for path in paths {
        let start = planner.entries.len();
        planner.path(path);
        if matches!(options.mode, Mode::Clean(_)) {
            remove_stale_temps(&planner.entries[start..]);
        }
    }
    Plan {
        entries: planner.entries,
        copies: planner.copies,
    }
}

struct Planner<'a> {
    options: &'a Options,
    /// The first path of every file and folder met so far.
    seen: HashMap<FileId, PathBuf>,
    /// Where the copies of each folder of originals go (`None`: nowhere).
    roots: HashMap<PathBuf, Option<Root>>,
    copies: copies::Folders,
    entries: Vec<Planned>,
}

impl Planner<'_> {
    fn failed(&mut self, path: &Path, message: String) {
        let report = FileReport::failed_with(path, &Error::io(message));
        self.entries.push(Planned::Failed(report));
    }

    fn skip(&mut self, path: &Path, reason: SkipReason) {
        self.entries.push(Planned::Skipped(Skip {
            path: path.to_path_buf(),
            reason,
        }));
    }

    /// Whether `path` was met before in this run; if so it is skipped.
    fn is_duplicate(&mut self, path: &Path) -> bool {
        let Ok(id) = sys::file_id(path) else {
            return false;
        };
        if let Some(first) = self.seen.get(&id).cloned() {
            self.skip(path, SkipReason::Duplicate(first));
            return true;
        }
        self.seen.insert(id, path.to_path_buf());
        false
    }

    /// Whether this run writes copies next to the originals or into
    /// `--out` (then photoscrub's own folders of copies are never inputs).
    fn copies_elsewhere(&self) -> bool {
        matches!(
            self.options.mode,
            Mode::Clean(Output::Beside | Output::Dir(_))
        )
    }

    /// One path the user named. A symlink is followed (the user named it).
    fn path(&mut self, path: &Path) {
        let meta = match fs::metadata(path) {
            Ok(meta) => meta,
            Err(e) => return self.failed(path, format!("cannot read {}: {e}", path.display())),
        };
        if !meta.is_dir() && !meta.is_file() {
            return self.failed(path, format!("{} is not a regular file", path.display()));
        }
        if self.copies_elsewhere() {
            if let Some(marked) = copies::marked_folder_of(path) {
                let reason = match meta.is_dir() && same_place(&marked, path) {
                    true => SkipReason::CleanedFolder,
                    false => SkipReason::InCleanedFolder(marked),
                };
                return self.skip(path, reason);
            }
        }
        if self.is_duplicate(path) {
            return;
        }
        if meta.is_dir() {
            return self.folder(path);
        }
        let name = path.file_name().map(PathBuf::from).unwrap_or_default();
        let parent = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        self.job(parent, &name, path);
    }

    /// Every file in the folder `root`, in name order.
    fn folder(&mut self, root: &Path) {
        let excluded = excluded_folders(root, &self.options.mode);
        if is_any(root, &excluded) {
            let message = format!(
                "{}: the output folder is this folder; give another --out, or use --in-place to clean originals",
                root.display()
            );
            return self.failed(root, message);
        }
        let walker = walkdir::WalkDir::new(root)
            .follow_links(self.options.follow)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                !(e.depth() > 0 && is_own_file(e.file_name())
                    || e.file_type().is_dir() && is_any(e.path(), &excluded))
            });
        let mut walker = walker;
        while let Some(entry) = walker.next() {
            match entry {
                Ok(e) if e.depth() > 0 && e.path_is_symlink() && !self.options.follow => {
                    self.skip(e.path(), SkipReason::Symlink)
                }
                Ok(e) if e.depth() > 0 && e.file_type().is_dir() && copies::is_marked(e.path()) => {
                    walker.skip_current_dir();
                    self.skip(e.path(), SkipReason::CleanedFolder);
                }
                Ok(e) if e.file_type().is_file() => {
                    if self.is_duplicate(e.path()) {
                        continue;
                    }
                    let relative = e.path().strip_prefix(root).unwrap_or(e.path());
                    self.job(root, relative, e.path());
                }
                Ok(e) if e.depth() > 0 && e.file_type().is_dir() => {
                    // A folder reached twice (--follow): walk it once.
                    if self.options.follow && self.is_duplicate(e.path()) {
                        walker.skip_current_dir();
                    }
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
                    self.failed(&path, message);
                }
            }
        }
    }

    /// The job for `input` (`relative` to `base`, the folder argument or
    /// the file argument's folder), or a failure if its output would land
    /// outside the output folder.
    fn job(&mut self, base: &Path, relative: &Path, input: &Path) {
        let (output, root) = match &self.options.mode {
            Mode::Check => (None, None),
            Mode::Clean(Output::InPlace) => (Some(in_place_target(input)), None),
            Mode::Clean(Output::Dir(dir)) => (Some(dir.join(relative)), None),
            Mode::Clean(Output::Beside) => match self.root_for(base) {
                Some(root) => (Some(root.folder.join(relative)), Some(root)),
                None => {
                    let message = crate::messages::no_fallback(crate::i18n::Lang::En, base);
                    return self.failed(input, message);
                }
            },
        };
        let out_folder = match (&self.options.mode, &root) {
            (Mode::Clean(Output::Dir(dir)), _) => Some(dir.as_path()),
            (_, Some(root)) => Some(root.folder.as_path()),
            _ => None,
        };
        if let Some(problem) = out_folder.and_then(|out| escapes_output(out, relative)) {
            let message = format!(
                "no cleaned copy of {} is written: {problem}",
                input.display()
            );
            return self.failed(input, message);
        }
        let replace_own = match (&root, &output) {
            (Some(root), Some(output)) => self.copies.is_own_copy(&root.folder, output),
            _ => false,
        };
        self.entries.push(Planned::Job(Job {
            input: input.to_path_buf(),
            output,
            root,
            replace_own,
        }));
    }

    /// Where the cleaned copies of the originals in `base` go without
    /// `--out`: `base/cleaned`, or, when `base` cannot be written, a folder
    /// in the user's Pictures folder (announced by a note).
    fn root_for(&mut self, base: &Path) -> Option<Root> {
        if let Some(known) = self.roots.get(base) {
            return known.clone();
        }
        let beside = base.join(DEFAULT_OUT);
        let probe = if beside.is_dir() { &beside } else { base };
        let root = match write::can_write_in(probe) {
            Ok(()) => Some(beside),
            Err(e) => {
                let folder = sys::pictures_dir().map(|p| self.fallback_folder(&p, base));
                if let Some(folder) = &folder {
                    let note = crate::messages::Fallback {
                        source: base.to_path_buf(),
                        why: Some(e.kind()),
                        folder: folder.clone(),
                    };
                    self.entries.push(Planned::Note(note));
                }
                folder
            }
        };
        let root = root.map(|folder| {
            self.copies.load(&folder);
            Root {
                folder,
                source: base.to_path_buf(),
            }
        });
        self.roots.insert(base.to_path_buf(), root.clone());
        root
    }

    /// `photoscrub-cleaned/NAME` in `pictures`, NAME being the folder of
    /// originals' name: the first of `NAME`, `NAME (2)`, … that is new or
    /// holds copies of this very folder, so that copies of two memory
    /// cards with the same folder names never mix.
    fn fallback_folder(&mut self, pictures: &Path, base: &Path) -> PathBuf {
        let source = fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
        let name = source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "photos".into());
        let parent = pictures.join(FALLBACK_FOLDER);
        let wanted = copies::encode(&source);
        let mut n = 1;
        loop {
            let folder = match n {
                1 => parent.join(&name),
                _ => parent.join(format!("{name} ({n})")),
            };
            if !folder.exists() || self.copies.source_of(&folder).as_ref() == Some(&wanted) {
                return folder;
            }
            n += 1;
        }
    }
}

/// Whether two paths are the same folder.
fn same_place(a: &Path, b: &Path) -> bool {
    sys::same_file(a, b).unwrap_or(false)
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

/// Why the output for `relative` would not stay inside the output folder
/// `out`: a `..` in the path, or a subfolder of the output folder that is
/// a symlink leading out of it. `None`: it stays inside.
fn escapes_output(out: &Path, relative: &Path) -> Option<String> {
    use std::path::Component;
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
    let mut folder = out.to_path_buf();
    let mut inside: Option<PathBuf> = None;
    for part in relative.parent().into_iter().flat_map(Path::components) {
        folder.push(part);
        match fs::symlink_metadata(&folder) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let root = inside.get_or_insert_with(|| fs::canonicalize(out).unwrap_or_default());
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
/// (or left by a killed run), `--backup` originals and the marker of a
/// folder of copies.
fn is_own_file(name: &std::ffi::OsStr) -> bool {
    write::is_temp_name(name) || write::is_backup_name(name) || name == copies::MARKER
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
/// default `cleaned/` of an earlier drag-and-drop run (marked or not).
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
