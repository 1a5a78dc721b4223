//! Atomic, permission- and time-preserving output.
//!
//! Every write goes to a temporary file in the destination folder (so the
//! final rename never crosses filesystems), gets the original's permissions
//! and modification time, and is renamed into place. An existing different
//! file is never replaced without `force`.

use crate::Error;
use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

/// What happened at the output path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// A new file is in place.
    New,
    /// The output already held exactly these bytes; nothing was written.
    Unchanged,
}

/// How to write.
#[derive(Clone, Copy, Debug, Default)]
pub struct WriteOptions {
    /// Replace an existing different file.
    pub force: bool,
    /// fsync the file (and its folder) before and after the rename.
    pub sync: bool,
}

/// Writes `bytes` to `output`, copying permissions and times from `original`.
pub fn write_atomic(
    original: &Path,
    output: &Path,
    bytes: &[u8],
    options: WriteOptions,
) -> Result<Written, Error> {
    let io = |what: &str, e: std::io::Error| Error::Io(format!("{what} {}: {e}", output.display()));
    let dir = output
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| io("cannot create the folder for", e))?;
    if let Some(existing) = existing_bytes(output) {
        if existing == bytes {
            return Ok(Written::Unchanged);
        }
        if !options.force {
            return Err(Error::Io(format!(
                "{} already exists with other content (use --force to replace it)",
                output.display()
            )));
        }
    }
    let mut tmp = tempfile::Builder::new()
        .prefix(".photoscrub-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| io("cannot create a temporary file next to", e))?;
    tmp.write_all(bytes).map_err(|e| io("cannot write", e))?;
    copy_attributes(original, tmp.as_file())
        .map_err(|e| io("cannot set permissions or times of", e))?;
    if options.sync {
        tmp.as_file().sync_all().map_err(|e| io("cannot sync", e))?;
    }
    let persisted = if options.force {
        tmp.persist(output)
    } else {
        tmp.persist_noclobber(output)
    };
    persisted.map_err(|e| io("cannot move the cleaned file into place at", e.error))?;
    if options.sync {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io("cannot sync the folder of", e))?;
    }
    Ok(Written::New)
}

fn existing_bytes(path: &Path) -> Option<Vec<u8>> {
    fs::symlink_metadata(path).ok()?;
    fs::read(path).ok().or(Some(Vec::new()))
}

/// Gives `file` the permissions and access/modification times of `original`.
fn copy_attributes(original: &Path, file: &File) -> std::io::Result<()> {
    let meta = fs::metadata(original)?;
    file.set_permissions(meta.permissions())?;
    let atime = filetime::FileTime::from_last_access_time(&meta);
    let mtime = filetime::FileTime::from_last_modification_time(&meta);
    filetime::set_file_handle_times(file, Some(atime), Some(mtime))
}

/// Flushes every written file to disk once, at the end of a batch of copies.
pub fn sync_all() {
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn keeps_mode_and_mtime_and_refuses_to_clobber() {
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("a.jpg");
        fs::write(&original, b"old").unwrap();
        fs::set_permissions(&original, fs::Permissions::from_mode(0o640)).unwrap();
        let mtime = filetime::FileTime::from_unix_time(1_600_000_000, 0);
        filetime::set_file_mtime(&original, mtime).unwrap();

        let output = dir.path().join("out/a.jpg");
        assert_eq!(
            write_atomic(&original, &output, b"new", WriteOptions::default()).unwrap(),
            Written::New
        );
        let meta = fs::metadata(&output).unwrap();
        assert_eq!(meta.permissions().mode() & 0o777, 0o640);
        assert_eq!(
            filetime::FileTime::from_last_modification_time(&meta),
            mtime
        );

        assert_eq!(
            write_atomic(&original, &output, b"new", WriteOptions::default()).unwrap(),
            Written::Unchanged
        );
        assert!(write_atomic(&original, &output, b"other", WriteOptions::default()).is_err());
        assert_eq!(fs::read(&output).unwrap(), b"new");
        let force = WriteOptions {
            force: true,
            sync: true,
        };
        assert_eq!(
            write_atomic(&original, &output, b"other", force).unwrap(),
            Written::New
        );
        assert_eq!(fs::read(&output).unwrap(), b"other");
        let leftovers = fs::read_dir(dir.path().join("out")).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }
}
