//! The watched and output folders: which names are ignored, leftovers of
//! killed runs, and the lock that keeps one watcher per output folder.

use super::*;

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
pub(super) fn is_ignored(relative: &Path) -> bool {
    relative
        .components()
        .any(|c| is_partial_name(&c.as_os_str().to_string_lossy()))
}

/// Whether `name` is a temporary file left by photoscrub's atomic writes.
pub(super) fn is_our_temp(name: &str) -> bool {
    name.starts_with(".photoscrub-") && name.ends_with(".tmp")
}

/// Removes `.photoscrub-*.tmp` files left under `out` by a killed run:
/// files whose name carries the id of a process that is no longer running,
/// and older names without one (only one watcher writes into `out`); the
/// temporary files of a `clean` running right now are left alone.
pub(super) fn remove_leftover_temps(out: &Path) -> usize {
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

/// Takes an exclusive lock on `out`, so that two watchers never write into
/// the same folder (and its state file) at once. The lock is `flock` on
/// Unix and `LockFileEx` on Windows (through [`File::try_lock`]); it goes
/// with the returned file, and with the process if that dies.
pub(super) fn lock_folder(out: &Path) -> Result<File, Error> {
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
