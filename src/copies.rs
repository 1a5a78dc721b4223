//! photoscrub's own folders of cleaned copies (`cleaned/` next to the
//! photos, or `photoscrub-cleaned/…` in the Pictures folder): the marker
//! file that makes them recognisable, and the list of the copies
//! photoscrub wrote into each.
//!
//! How a copy is known to be photoscrub's own: the marker file
//! ([`MARKER`], at the top of the folder) lists every copy photoscrub
//! committed there, with the size and modification time the file had
//! right after it was put in place (as the filesystem stores them, read
//! back with `stat`). A file in the folder is photoscrub's own only while
//! its size and modification time are still those. An editor that saves
//! over a copy, a file copied in by hand, or a file photoscrub never wrote
//! fails that test, and is never replaced. Only photoscrub's own copy is
//! replaced by the cleaned copy of a newer version of its photo.
//!
//! Why not the copy's bytes: re-scanning a file says that it is clean, not
//! who wrote it (a parent's own edited, metadata-free picture would pass),
//! and hashing each old copy would read every video again. Size plus
//! nanosecond modification time costs one `stat` and changes with every
//! save. (A copy is given its original's modification time, so the record
//! also changes whenever a new version of the photo is cleaned.)
//!
//! The list only grows by appended lines (one `write` each, under a lock,
//! on a file opened for appending), the last line for a name wins, and a
//! lost or damaged list only means old copies are kept rather than
//! replaced: it can never make photoscrub overwrite a file it did not
//! write.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The name of the marker file at the top of each folder of cleaned
/// copies.
pub const MARKER: &str = ".photoscrub";

/// Whether `dir` is a folder of cleaned copies photoscrub made (it holds
/// the marker file).
pub fn is_marked(dir: &Path) -> bool {
    dir.join(MARKER).is_file()
}

/// The folder of cleaned copies that `path` lies in (`path` itself, when
/// it is one), if any: the nearest folder, `path` or above it, holding the
/// marker.
pub fn marked_folder_of(path: &Path) -> Option<PathBuf> {
    let path = fs::canonicalize(path).ok()?;
    let start = if path.is_dir() {
        Some(path.as_path())
    } else {
        path.parent()
    };
    start?
        .ancestors()
        .find(|d| is_marked(d))
        .map(|d| without_verbatim_prefix(d.to_path_buf()))
}

/// A canonical path as people write it: on Windows `\\?\C:\…` becomes
/// `C:\…` (the verbatim prefix `canonicalize` adds; UNC paths keep it).
fn without_verbatim_prefix(path: PathBuf) -> PathBuf {
    #[cfg(windows)]
    {
        let rest = path.to_str().and_then(|t| t.strip_prefix(r"\\?\"));
        if let Some(rest) = rest {
            let drive = rest.as_bytes();
            if drive.len() >= 3 && drive[1] == b':' && drive[0].is_ascii_alphabetic() {
                return PathBuf::from(rest);
            }
        }
    }
    path
}

/// When a copy was put in place: its size and modification time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    seconds: i64,
    nanos: u32,
}

impl Stamp {
    fn of(path: &Path) -> io::Result<Stamp> {
        let meta = fs::symlink_metadata(path)?;
        if !meta.is_file() {
            return Err(io::ErrorKind::InvalidInput.into());
        }
        let mtime = filetime::FileTime::from_last_modification_time(&meta);
        Ok(Stamp {
            len: meta.len(),
            seconds: mtime.unix_seconds(),
            nanos: mtime.nanoseconds(),
        })
    }
}

/// The marker and list of one folder, as read at the start of a run.
#[derive(Debug, Default)]
struct Listed {
    /// The folder of originals the copies were made from (absolute).
    source: Option<String>,
    /// Each copy's path under the folder ([`encode`]d), and its stamp.
    copies: HashMap<String, Stamp>,
}

/// The folders of cleaned copies a run writes to: what their lists said
/// when the run started, and the lists being added to.
#[derive(Default)]
pub struct Folders {
    listed: HashMap<PathBuf, Listed>,
    appending: Mutex<HashMap<PathBuf, File>>,
}

impl Folders {
    /// Reads the list of `root` (once per run), if it has one.
    pub fn load(&mut self, root: &Path) {
        if self.listed.contains_key(root) {
            return;
        }
        let listed = fs::read(root.join(MARKER))
            .map(|text| parse(&text))
            .unwrap_or_default();
        self.listed.insert(root.to_path_buf(), listed);
    }

    /// The folder of originals `root` says its copies come from.
    pub fn source_of(&mut self, root: &Path) -> Option<String> {
        self.load(root);
        self.listed.get(root)?.source.clone()
    }

    /// Whether the file at `output` (under `root`) is a copy photoscrub
    /// wrote and nobody changed since (see the module's comment).
    pub fn is_own_copy(&self, root: &Path, output: &Path) -> bool {
        let Some(listed) = self.listed.get(root) else {
            return false;
        };
        let Some(name) = output.strip_prefix(root).ok().map(encode) else {
            return false;
        };
        match listed.copies.get(&name) {
            Some(stamp) => Stamp::of(output).is_ok_and(|now| now == *stamp),
            None => false,
        }
    }

    /// Adds the copy just put in place at `output` to the list of `root`,
    /// creating the marker (with its explanation and `source`, the folder
    /// of the originals) if the folder has none yet.
    pub fn record(&self, root: &Path, source: &Path, output: &Path) -> io::Result<()> {
        let name = output
            .strip_prefix(root)
            .map(encode)
            .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
        let stamp = Stamp::of(output)?;
        let line = format!(
            "copy {} {}.{:09} {name}\n",
            stamp.len, stamp.seconds, stamp.nanos
        );
        let mut open = self.appending.lock().unwrap_or_else(|e| e.into_inner());
        if !open.contains_key(root) {
            open.insert(root.to_path_buf(), open_marker(root, source)?);
        }
        let file = open.get_mut(root).expect("just inserted");
        file.write_all(line.as_bytes())
    }
}

/// Opens the marker of `root` for appending, writing its first lines when
/// it is new.
fn open_marker(root: &Path, source: &Path) -> io::Result<File> {
    let path = root.join(MARKER);
    match OpenOptions::new().append(true).create_new(true).open(&path) {
        Ok(mut file) => {
            let source = fs::canonicalize(source).unwrap_or_else(|_| source.to_path_buf());
            let head = format!(
                "{}\nsource {}\n",
                crate::messages::marker_explanation(&source),
                encode(&source)
            );
            file.write_all(head.as_bytes())?;
            Ok(file)
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            OpenOptions::new().append(true).open(&path)
        }
        Err(e) => Err(e),
    }
}

/// Reads a marker's list: `source PATH` and `copy LEN SECONDS.NANOS NAME`
/// lines; every other line (the explanation, lines of later versions) is
/// passed over.
fn parse(text: &[u8]) -> Listed {
    let mut listed = Listed::default();
    for line in String::from_utf8_lossy(text).lines() {
        let mut words = line.split(' ');
        match words.next() {
            Some("source") => listed.source = words.next().map(String::from),
            Some("copy") => {
                let (Some(len), Some(time), Some(name), None) =
                    (words.next(), words.next(), words.next(), words.next())
                else {
                    continue;
                };
                if let Some(stamp) = parse_stamp(len, time) {
                    listed.copies.insert(name.to_string(), stamp);
                }
            }
            _ => {}
        }
    }
    listed
}

fn parse_stamp(len: &str, time: &str) -> Option<Stamp> {
    let (seconds, nanos) = time.split_once('.')?;
    Some(Stamp {
        len: len.parse().ok()?,
        seconds: seconds.parse().ok()?,
        nanos: nanos.parse().ok().filter(|&n| n < 1_000_000_000)?,
    })
}

/// A path as one word of printable ASCII: its exact bytes (see
/// [`crate::report::exact_bytes`]) with `/` between components, and every
/// byte outside `!`..`~` (and `%` itself) as `%XX`.
pub fn encode(path: &Path) -> String {
    let mut out = String::new();
    for (i, part) in path.components().enumerate() {
        if i > 0 && !out.ends_with('/') {
            out.push('/');
        }
        for byte in crate::report::exact_bytes(part.as_os_str()) {
            match byte {
                b'%' => out.push_str("%25"),
                b'!'..=b'~' => out.push(byte as char),
                _ => out.push_str(&format!("%{byte:02X}")),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_one_printable_word() {
        assert_eq!(encode(Path::new("a/b c.jpg")), "a/b%20c.jpg");
        assert_eq!(encode(Path::new("100%/Zoë.jpg")), "100%25/Zo%C3%AB.jpg");
    }

    #[test]
    fn a_copy_is_own_only_while_its_size_and_time_are_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("cleaned");
        fs::create_dir_all(root.join("sub")).unwrap();
        let copy = root.join("sub/a b.jpg");
        fs::write(&copy, b"cleaned bytes").unwrap();
        let folders = Folders::default();
        folders.record(&root, dir.path(), &copy).unwrap();
        drop(folders);
        let text = fs::read_to_string(root.join(MARKER)).unwrap();
        assert!(text.lines().count() == 3, "{text}");

        let mut folders = Folders::default();
        folders.load(&root);
        assert!(folders.is_own_copy(&root, &copy));
        assert!(!folders.is_own_copy(&root, &root.join("sub/other.jpg")));
        let source = folders.source_of(&root).unwrap();
        assert_eq!(source, encode(&fs::canonicalize(dir.path()).unwrap()));
        // Saved over by an editor: a new time (and here a new size).
        let later = filetime::FileTime::from_unix_time(2_000_000_000, 5);
        fs::write(&copy, b"edited by hand").unwrap();
        filetime::set_file_mtime(&copy, later).unwrap();
        assert!(!folders.is_own_copy(&root, &copy));
    }

    #[test]
    fn damaged_lists_only_lose_entries() {
        let listed = parse(b"explanation\ncopy 12 x.5 a.jpg\ncopy 1 2.3 b.jpg\ncopy 1 2.3\n");
        assert_eq!(listed.copies.len(), 1);
        assert!(listed.copies.contains_key("b.jpg"));
    }
}
