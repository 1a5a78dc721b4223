//! Atomic, permission- and time-preserving output.
//!
//! Every write goes to a temporary file in the destination folder (so the
//! final rename never crosses filesystems), gets the original's permissions
//! and modification time, and is renamed into place. An existing different
//! file is never replaced without `force`.

use crate::input::FileSource;
use crate::sys;
use photoscrub_core::{Error, Piece, Pieces, Plan, Policy, Scan, Source};
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};

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
    /// Keep the file being replaced as `NAME.photoscrub-backup` (see
    /// [`backup_path`]); used with `--in-place --backup`.
    pub backup: bool,
    /// The file at the output is photoscrub's own older copy (see
    /// [`crate::copies`]): replace it if it differs.
    pub replace_own: bool,
}

/// Staged files up to this size are read back rather than mapped.
const MAP_FROM: u64 = 1 << 20;

/// The bytes of a staged file, as [`Staged::bytes`] got them.
pub enum StagedBytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for StagedBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            StagedBytes::Mapped(map) => map,
            StagedBytes::Read(bytes) => bytes,
        }
    }
}

/// A cleaned file written to a temporary file next to its output, not yet
/// in place: [`Staged::bytes`] shows exactly what was written, for
/// verification, and [`Staged::commit`] renames it into place.
pub struct Staged {
    tmp: Temp,
    len: u64,
}

/// Where a staged file lives until it is committed.
enum Temp {
    /// `.photoscrub-<pid>-<random>.tmp`, renamed over the output.
    Named(tempfile::NamedTempFile),
    /// An unnamed file (`O_TMPFILE`) in the output folder, linked in under
    /// the output's name: one change to the folder instead of a create and
    /// a rename (workers cleaning into one folder contend for its lock),
    /// and nothing to leave behind after a crash. Used for new copies
    /// (no `force`, `sync` or `backup`) where the filesystem can.
    Unnamed(File),
}

impl Temp {
    fn file(&self) -> &File {
        match self {
            Temp::Named(tmp) => tmp.as_file(),
            Temp::Unnamed(file) => file,
        }
    }
}

/// Writes the cleaned file described by `pieces` to a temporary file in
/// the folder of `output`: new bytes with positioned writes, input ranges
/// with `copy_file_range` from `source` (the open input, which `input`
/// reads), so the image data does not pass through this process again
/// and the cleaned file is never assembled in memory.
/// `options` are those the file will be committed with.
pub fn stage(
    output: &Path,
    (source, input): (&File, &dyn Source),
    pieces: &Pieces,
    options: WriteOptions,
) -> Result<Staged, Error> {
    let io = |what: &str, e: std::io::Error| io_error(what, output, e);
    let dir = folder_of(output);
    let plain = !(options.force || options.sync || options.backup || options.replace_own);
    let tmp = match plain.then(|| sys::unnamed_file_in(dir)).flatten() {
        Some(file) => Temp::Unnamed(file),
        None => Temp::Named(
            temp_file_in(dir).map_err(|e| io("cannot create a temporary file next to", e))?,
        ),
    };
    write_all_pieces(tmp.file(), source, input, pieces).map_err(|e| io("cannot write", e))?;
    Ok(Staged {
        tmp,
        len: pieces.len(),
    })
}

/// Above this size a staged file is verified through positioned reads
/// (a video: only its structure is read back), not mapped whole.
const VERIFY_WHOLE: u64 = 1 << 30;

impl Staged {
    /// Verifies the staged file, as it is on disk, as the cleaned form of
    /// `input` under `plan` (see [`photoscrub_core::verify`]).
    pub fn verify(&self, plan: &Plan, input: &dyn Source, policy: &Policy) -> Result<Scan, Error> {
        if input.as_slice().is_some() && self.len <= VERIFY_WHOLE {
            let written = self.bytes()?;
            return photoscrub_core::verify(plan, input, &written[..], policy);
        }
        let written = FileSource::new(self.tmp.file());
        if written.size() != self.len {
            return Err(Error::Unverified(format!(
                "{} of {} bytes were written",
                written.size(),
                self.len
            )));
        }
        photoscrub_core::verify(plan, input, &written, policy)
    }

    /// The bytes as they are on disk: mapped read-only, or read into memory
    /// when the file is small (a map costs more than a small read there).
    pub fn bytes(&self) -> Result<StagedBytes, Error> {
        let io = |e: std::io::Error| Error::io(format!("cannot read back the cleaned file: {e}"));
        let bytes = if self.len <= MAP_FROM {
            let mut buf = vec![0; self.len as usize];
            let n = sys::read_at(self.tmp.file(), &mut buf, 0).map_err(io)?;
            buf.truncate(n);
            StagedBytes::Read(buf)
        } else {
            // SAFETY: the file is our own fresh temporary file, which
            // nothing else writes or truncates while the map lives.
            StagedBytes::Mapped(unsafe { memmap2::Mmap::map(self.tmp.file()) }.map_err(io)?)
        };
        if bytes.len() as u64 != self.len
            || self.tmp.file().metadata().map_err(io)?.len() != self.len
        {
            return Err(Error::Unverified(format!(
                "{} of {} bytes were written",
                bytes.len(),
                self.len
            )));
        }
        Ok(bytes)
    }

    /// Gives the file the original's permissions and times and renames it
    /// to `output`. An existing output with the same bytes is left alone
    /// ([`Written::Unchanged`]); one with other bytes is replaced only with
    /// `force`.
    pub fn commit(
        self,
        original: &Path,
        output: &Path,
        options: WriteOptions,
    ) -> Result<Written, Error> {
        if !options.sync {
            // Best effort for copies (the batch ends with a sync where the
            // system has one); `--in-place` syncs for real in `commit`.
            let _ = sys::copy_written(self.tmp.file(), self.len);
        }
        let io = |what: &str, e: std::io::Error| io_error(what, output, e);
        match self.tmp {
            Temp::Unnamed(file) => {
                copy_attributes(original, &file)
                    .map_err(|e| io("cannot set permissions or times of", e))?;
                match sys::link_unnamed(&file, output) {
                    Ok(()) => Ok(Written::New),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        already_there(&file, output)
                    }
                    Err(e) => Err(io("cannot put the cleaned file in place at", e)),
                }
            }
            Temp::Named(tmp) if options.replace_own && !options.force => {
                if same_content(tmp.as_file(), output).unwrap_or(false) {
                    return Ok(Written::Unchanged);
                }
                let replace = WriteOptions {
                    force: true,
                    ..options
                };
                commit(tmp, original, output, folder_of(output), replace)
            }
            Temp::Named(tmp) if !options.force && fs::symlink_metadata(output).is_ok() => {
                already_there(tmp.as_file(), output)
            }
            Temp::Named(tmp) => commit(tmp, original, output, folder_of(output), options),
        }
    }
}

/// An output already exists where `file` was to go: fine if it holds the
/// same bytes, refused otherwise (`--force` replaces it).
fn already_there(file: &File, output: &Path) -> Result<Written, Error> {
    if same_content(file, output).unwrap_or(false) {
        return Ok(Written::Unchanged);
    }
    Err(Error::io_because(
        format!(
            "{} already exists with other content (use --force to replace it)",
            output.display()
        ),
        std::io::ErrorKind::AlreadyExists.into(),
    ))
}

fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// A new temporary file in `dir`, creating the folder only when it is
/// missing (most files of a batch land in a folder that already exists).
fn temp_file_in(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    match create_temp(dir) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            fs::create_dir_all(dir)?;
            create_temp(dir)
        }
        other => other,
    }
}

/// Writes `pieces` into the empty file `out`: new bytes and zeros with
/// `pwrite`, input ranges with `copy_file_range` (falling back to reading
/// them through `input` where the kernel or filesystem cannot).
fn write_all_pieces(
    out: &File,
    source: &File,
    input: &dyn Source,
    pieces: &Pieces,
) -> std::io::Result<()> {
    static ZEROS: [u8; 64 << 10] = [0; 64 << 10];
    let mut at = 0u64;
    for piece in pieces.pieces() {
        match piece {
            Piece::New(bytes) => sys::write_all_at(out, bytes, at)?,
            Piece::Input(range) => {
                let len = range.end - range.start;
                let copied = sys::copy_range(source, range.start, out, at, len)?;
                let mut buf = Vec::new();
                let mut done = copied;
                while done < len {
                    let n = (len - done).min(1 << 20) as usize;
                    buf.resize(n, 0);
                    input
                        .read_exact_at(&mut buf, range.start + done)
                        .map_err(|e| changed_while_read(e, range.start + done))?;
                    sys::write_all_at(out, &buf, at + done)?;
                    done += n as u64;
                }
            }
            Piece::Zeros(len) => {
                let mut done = 0;
                while done < *len {
                    let n = (*len - done).min(ZEROS.len() as u64) as usize;
                    sys::write_all_at(out, &ZEROS[..n], at + done)?;
                    done += n as u64;
                }
            }
        }
        at += piece.len();
    }
    Ok(())
}

/// A read of the input that ran short means the file shrank since it was
/// parsed.
fn changed_while_read(e: std::io::Error, at: u64) -> std::io::Error {
    if e.kind() != std::io::ErrorKind::UnexpectedEof {
        return e;
    }
    std::io::Error::new(
        e.kind(),
        format!("the input ends before byte {at}: the file changed while being read"),
    )
}

/// Gives a finished temp file the original's permissions and times, syncs
/// it if asked, and renames it to `output` (never over a file without
/// `force`); then syncs the folder if asked.
fn commit(
    tmp: tempfile::NamedTempFile,
    original: &Path,
    output: &Path,
    dir: &Path,
    options: WriteOptions,
) -> Result<Written, Error> {
    let io = |what: &str, e: std::io::Error| io_error(what, output, e);
    copy_attributes(original, tmp.as_file())
        .map_err(|e| io("cannot set permissions or times of", e))?;
    if options.sync {
        sys::sync_file(tmp.as_file()).map_err(|e| io("cannot sync", e))?;
    }
    let backup = match options.backup {
        true => make_backup(output, options.sync)?,
        false => None,
    };
    // Windows clears a read-only original's flag to replace it, and the
    // backup (a hard link to it) shares that flag: it is set back below.
    let original_permissions = fs::metadata(output).map(|m| m.permissions());
    if let Err(e) = put_in_place(tmp, output, options.force) {
        // The original is still in place: a backup made just now is not needed.
        if let Some(made) = backup {
            let _ = fs::remove_file(made);
        }
        return Err(io("cannot move the cleaned file into place at", e));
    }
    if let (Some(made), Ok(permissions)) = (&backup, original_permissions) {
        fs::set_permissions(made, permissions)
            .map_err(|e| io("cannot keep the permissions of the backup of", e))?;
    }
    if options.sync {
        sys::sync_dir(dir).map_err(|e| io("cannot sync the folder of", e))?;
    }
    Ok(Written::New)
}

/// Renames the finished `tmp` to `to`: over a file there with `replace`
/// ([`sys::rename_replace`]), else never over one (`AlreadyExists`).
/// Retried while another program (a virus scanner, the search indexer)
/// holds one of the files for a moment. On failure the temporary file is
/// removed.
pub fn put_in_place(tmp: tempfile::NamedTempFile, to: &Path, replace: bool) -> std::io::Result<()> {
    let path = tmp.into_temp_path();
    if replace {
        sys::rename_replace(&path, to)?;
        // Renamed away: nothing is left to delete.
        let _ = path.keep();
        return Ok(());
    }
    let mut pending = Some(path);
    sys::retry_busy(|| {
        let path = pending.take().expect("a path is kept for every try");
        path.persist_noclobber(to).map_err(|e| {
            pending = Some(e.path);
            e.error
        })
    })
}

/// Whether a new file can be made in `dir`: an unnamed file where the
/// system has them, else a temporary file removed at once. Asked once per
/// folder before a run writes copies there, so that a folder that cannot
/// be written (a locked memory card, a phone, someone else's folder) is
/// known before any file is read.
pub fn can_write_in(dir: &Path) -> std::io::Result<()> {
    if sys::unnamed_file_in(dir).is_some() {
        return Ok(());
    }
    create_temp(dir).map(drop)
}

/// The start of the name of every temporary file photoscrub writes.
pub const TEMP_PREFIX: &str = ".photoscrub-";
/// The end of the name of every temporary file photoscrub writes.
pub const TEMP_SUFFIX: &str = ".tmp";
/// What `--in-place --backup` adds to a name to make its backup's name.
pub const BACKUP_SUFFIX: &str = ".photoscrub-backup";

/// Creates an empty temporary file in `dir`, named
/// `.photoscrub-<pid>-<random>.tmp`: the process id says whether the file
/// belongs to a run that is still going (see [`is_stale_temp`]).
fn create_temp(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .suffix(TEMP_SUFFIX)
        .rand_bytes(10)
        .tempfile_in(dir)
}

/// Whether `name` is one of photoscrub's temporary files
/// (`.photoscrub-*.tmp`, of this version or an older one, or the watcher's
/// state file being written). Such files are never inputs.
pub fn is_temp_name(name: &OsStr) -> bool {
    let name = name.as_encoded_bytes();
    name.len() > TEMP_PREFIX.len() + TEMP_SUFFIX.len()
        && name.starts_with(TEMP_PREFIX.as_bytes())
        && name.ends_with(TEMP_SUFFIX.as_bytes())
}

/// Whether `name` is a backup made by `--in-place --backup`
/// (`NAME.photoscrub-backup`). Backups are never inputs.
pub fn is_backup_name(name: &OsStr) -> bool {
    name.as_encoded_bytes().ends_with(BACKUP_SUFFIX.as_bytes())
}

/// The process that wrote the temporary file `name`
/// (`.photoscrub-<pid>-<random>.tmp`), if the name says.
pub fn temp_pid(name: &OsStr) -> Option<u32> {
    if !is_temp_name(name) {
        return None;
    }
    let name = name.as_encoded_bytes();
    let middle = &name[TEMP_PREFIX.len()..name.len() - TEMP_SUFFIX.len()];
    let dash = middle.iter().position(|&b| b == b'-')?;
    let (pid, random) = (&middle[..dash], &middle[dash + 1..]);
    if pid.is_empty() || random.is_empty() || !pid.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(pid)
        .ok()?
        .parse()
        .ok()
        .filter(|&p| p > 0)
}

/// Whether `name` is a temporary file left by a photoscrub run that has
/// stopped (killed, or the machine went down): its name carries a process
/// id, and no such process is running. Files of running processes (this one
/// included) and files whose name has no id are never stale.
pub fn is_stale_temp(name: &OsStr) -> bool {
    temp_pid(name).is_some_and(|pid| pid != std::process::id() && !sys::process_alive(pid))
}

/// Removes the stale temporary files ([`is_stale_temp`]) directly inside
/// `dir`; returns how many. Errors (a missing or unreadable folder) are
/// ignored: the folder is then not ours to tidy.
pub fn remove_stale_temps(dir: &Path) -> usize {
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| is_stale_temp(&e.file_name()))
        .filter(|e| fs::remove_file(e.path()).is_ok())
        .count()
}

/// An I/O error at `path`: a full disk and a read-only folder are named
/// as such; the error itself is kept as the cause, whose kind the report
/// turns into advice for people.
fn io_error(what: &str, path: &Path, e: std::io::Error) -> Error {
    use std::io::ErrorKind;
    let path = path.display();
    // tempfile wraps its errors (adding the temp file's path) but keeps the
    // kind, so the kind is asked, not the OS error number.
    let full = sys::is_disk_full(&e);
    let message = match e.kind() {
        _ if full => {
            format!("the output disk is full: {what} {path}; nothing was written there")
        }
        ErrorKind::ReadOnlyFilesystem => {
            format!("the output folder is read-only: {what} {path}; nothing was written there")
        }
        ErrorKind::PermissionDenied => {
            format!("no permission to write in the output folder: {what} {path}")
        }
        _ => format!("{what} {path}"),
    };
    Error::io_because(message, e)
}

/// Where `--in-place --backup` keeps the original of `path`:
/// `NAME.photoscrub-backup` in the same folder.
pub fn backup_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(BACKUP_SUFFIX);
    PathBuf::from(name)
}

/// Keeps the file at `path` (about to be replaced) as its backup
/// ([`backup_path`]): a hard link, so the original's inode — its bytes,
/// permissions and times — lives on under the backup name at no cost; where
/// the filesystem has no hard links, a synced copy with the same
/// permissions and times. Returns the backup's path if it was made now.
///
/// An existing backup is never replaced: if it is the same file (a hard
/// link left by an interrupted run) or holds the same bytes it is kept and
/// used; otherwise this fails and the original stays as it is.
fn make_backup(path: &Path, sync: bool) -> Result<Option<PathBuf>, Error> {
    let backup = backup_path(path);
    let fail = |what: &str, e: std::io::Error| {
        Error::io(format!(
            "{what} {}: {e}; {} was left unchanged",
            backup.display(),
            path.display()
        ))
    };
    if let Ok(existing) = fs::symlink_metadata(&backup) {
        // A symbolic link named like the backup is not a backup: the file
        // it points to is about to be replaced.
        let same_file = existing.is_file()
            && sys::same_file(path, &backup)
                .map_err(|e| fail("cannot compare the original with", e))?;
        let same_bytes = || {
            existing.is_file()
                && File::open(path)
                    .and_then(|f| same_content(&f, &backup))
                    .unwrap_or(false)
        };
        if same_file || same_bytes() {
            return Ok(None);
        }
        return Err(Error::io(format!(
            "a different backup already exists at {} and is never overwritten; move or delete it first. {} was left unchanged",
            backup.display(),
            path.display()
        )));
    }
    match fs::hard_link(path, &backup) {
        Ok(()) => {}
        Err(e) if sys::no_hard_links(&e) => {
            copy_backup(path, &backup).map_err(|e| fail("cannot write the backup", e))?
        }
        Err(e) => return Err(fail("cannot make the backup", e)),
    }
    if sync {
        let dir = backup
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Err(e) = sys::sync_dir(dir) {
            let _ = fs::remove_file(&backup);
            return Err(fail("cannot sync the folder of", e));
        }
    }
    Ok(Some(backup))
}

/// The backup as a copy, for filesystems without hard links: written to a
/// temporary file, given the original's permissions and times, synced, and
/// moved to `backup` without replacing anything there.
fn copy_backup(path: &Path, backup: &Path) -> std::io::Result<()> {
    let dir = backup
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let source = File::open(path)?;
    let len = source.metadata()?.len();
    let tmp = create_temp(dir)?;
    copy_file(&source, tmp.as_file(), len)?;
    copy_attributes(path, tmp.as_file())?;
    sys::sync_file(tmp.as_file())?;
    put_in_place(tmp, backup, false)
}

/// Copies all of `source` into the empty file `dest`: with `copy_file_range`
/// on Linux (no bytes through user space; a reflink where the filesystem
/// can), else with a plain buffered copy. Errors if fewer than `len` bytes
/// could be copied (the source shrank).
pub fn copy_file(source: &File, dest: &File, len: u64) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    let mut done = sys::copy_range(source, 0, dest, 0, len)?;
    if done < len {
        let (mut from, mut to) = (source, dest);
        from.seek(SeekFrom::Start(done))?;
        to.seek(SeekFrom::Start(done))?;
        done += std::io::copy(&mut from.take(len - done), &mut to)?;
    }
    if done != len {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            format!(
                "only {done} of {len} bytes could be copied: the file changed while being read"
            ),
        ));
    }
    Ok(())
}

/// Whether `file` and the file at `path` hold the same bytes (compared in
/// blocks, never read whole).
fn same_content(file: &File, path: &Path) -> std::io::Result<bool> {
    let other = File::open(path)?;
    let len = file.metadata()?.len();
    if other.metadata()?.len() != len {
        return Ok(false);
    }
    let (mut a, mut b) = (vec![0u8; 1 << 20], vec![0u8; 1 << 20]);
    let mut at = 0;
    while at < len {
        let n = (len - at).min(a.len() as u64) as usize;
        sys::read_exact_at(file, &mut a[..n], at)?;
        sys::read_exact_at(&other, &mut b[..n], at)?;
        if a[..n] != b[..n] {
            return Ok(false);
        }
        at += n as u64;
    }
    Ok(true)
}

/// Gives `file` the permissions and access/modification times of `original`.
fn copy_attributes(original: &Path, file: &File) -> std::io::Result<()> {
    let meta = fs::metadata(original)?;
    file.set_permissions(meta.permissions())?;
    let atime = filetime::FileTime::from_last_access_time(&meta);
    let mtime = filetime::FileTime::from_last_modification_time(&meta);
    filetime::set_file_handle_times(file, Some(atime), Some(mtime))
}

/// Gets every copy written to the disk once, at the end of a batch of
/// copies (see [`sys::sync_written`]).
pub fn sync_all() {
    sys::sync_written()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sets the permissions of `path` from a Unix mode. Windows keeps only
    /// one bit of them: read-only when the owner may not write.
    fn set_mode(path: &Path, mode: u32) {
        #[cfg(unix)]
        let perms = {
            use std::os::unix::fs::PermissionsExt;
            fs::Permissions::from_mode(mode)
        };
        #[cfg(not(unix))]
        let perms = {
            let mut perms = fs::metadata(path).unwrap().permissions();
            perms.set_readonly(mode & 0o200 == 0);
            perms
        };
        fs::set_permissions(path, perms).unwrap();
    }

    /// The permissions of `path` as a Unix mode (Windows: 0o444 for a
    /// read-only file, else 0o666).
    fn mode_of(path: &Path) -> u32 {
        let perms = fs::metadata(path).unwrap().permissions();
        #[cfg(unix)]
        return std::os::unix::fs::PermissionsExt::mode(&perms) & 0o777;
        #[cfg(not(unix))]
        return if perms.readonly() { 0o444 } else { 0o666 };
    }

    /// What a mode reads as after [`set_mode`] on this system.
    fn kept(mode: u32) -> u32 {
        match cfg!(unix) {
            true => mode,
            false if mode & 0o200 == 0 => 0o444,
            false => 0o666,
        }
    }

    /// A process that runs until its standard input closes or it is killed.
    fn running_child() -> std::process::Child {
        let program = if cfg!(windows) { "cmd" } else { "cat" };
        std::process::Command::new(program)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap()
    }

    /// The id of a process that has ended.
    fn dead_pid() -> u32 {
        let mut command = match cfg!(windows) {
            true => std::process::Command::new("cmd"),
            false => std::process::Command::new("true"),
        };
        if cfg!(windows) {
            command.args(["/C", "exit"]);
        }
        let mut child = command.spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        pid
    }

    /// Stages `bytes` (new bytes only) as the cleaned form of `original` and
    /// commits it.
    fn write_new(
        original: &Path,
        output: &Path,
        bytes: &[u8],
        options: WriteOptions,
    ) -> Result<Written, Error> {
        let source = File::open(original).unwrap();
        let pieces = Pieces::from(bytes.to_vec());
        stage(output, (&source, &&b"old"[..]), &pieces, options)?.commit(original, output, options)
    }

    #[test]
    fn keeps_mode_and_mtime_and_refuses_to_clobber() {
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("a.jpg");
        fs::write(&original, b"old").unwrap();
        set_mode(&original, 0o640);
        let mtime = filetime::FileTime::from_unix_time(1_600_000_000, 0);
        filetime::set_file_mtime(&original, mtime).unwrap();

        let output = dir.path().join("out/a.jpg");
        let plain = WriteOptions::default();
        assert_eq!(
            write_new(&original, &output, b"new", plain).unwrap(),
            Written::New
        );
        let meta = fs::metadata(&output).unwrap();
        assert_eq!(mode_of(&output), kept(0o640));
        assert_eq!(
            filetime::FileTime::from_last_modification_time(&meta),
            mtime
        );

        assert_eq!(
            write_new(&original, &output, b"new", plain).unwrap(),
            Written::Unchanged
        );
        assert!(write_new(&original, &output, b"other", plain).is_err());
        assert_eq!(fs::read(&output).unwrap(), b"new");
        let force = WriteOptions {
            force: true,
            sync: true,
            ..WriteOptions::default()
        };
        assert_eq!(
            write_new(&original, &output, b"other", force).unwrap(),
            Written::New
        );
        assert_eq!(fs::read(&output).unwrap(), b"other");
        let leftovers = fs::read_dir(dir.path().join("out")).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
    }

    #[test]
    fn staged_pieces_are_the_input_ranges_and_new_bytes_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("a.jpg");
        let input: Vec<u8> = (0..200_000u32).map(|i| (i % 253) as u8).collect();
        fs::write(&original, &input).unwrap();
        let source = File::open(&original).unwrap();
        let mut pieces = Pieces::default();
        pieces.push_new(b"HEAD");
        pieces.push_input(10..150_000);
        pieces.push_new(b"MIDDLE");
        pieces.push_input(190_000..200_000);
        let output = dir.path().join("b.jpg");
        let staged = stage(
            &output,
            (&source, &&input[..]),
            &pieces,
            WriteOptions::default(),
        )
        .unwrap();
        let expected = pieces.to_vec(&input).unwrap();
        assert_eq!(&staged.bytes().unwrap()[..], &expected[..]);
        assert!(!output.exists(), "nothing is in place before the commit");
        // Linux stages a new copy in an unnamed file (O_TMPFILE): no name
        // in the folder yet. Elsewhere it is a named temporary file.
        let named = usize::from(!cfg!(target_os = "linux"));
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1 + named);
        let written = staged.commit(&original, &output, WriteOptions::default());
        assert_eq!(written.unwrap(), Written::New);
        assert_eq!(fs::read(&output).unwrap(), expected);
        // A staged file that is never committed leaves nothing behind.
        let named = WriteOptions {
            force: true,
            ..WriteOptions::default()
        };
        drop(
            stage(
                &output.with_extension("x"),
                (&source, &&input[..]),
                &pieces,
                named,
            )
            .unwrap(),
        );
        drop(
            stage(
                &output.with_extension("y"),
                (&source, &&input[..]),
                &pieces,
                WriteOptions::default(),
            )
            .unwrap(),
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn a_file_read_at_offsets_is_staged_with_zeros_and_new_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("v.mp4");
        let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8 + 1).collect();
        fs::write(&original, &data).unwrap();
        set_mode(&original, 0o604);
        let source = File::open(&original).unwrap();
        let input = FileSource::new(&source);
        let patches = [
            photoscrub_core::Patch::Bytes {
                at: 4,
                bytes: b"free".to_vec(),
            },
            photoscrub_core::Patch::Zero {
                at: 100_000,
                len: 150_000,
            },
        ];
        let pieces = Pieces::patched(data.len() as u64, &patches).unwrap();
        let mut expected = data.clone();
        expected[4..8].copy_from_slice(b"free");
        expected[100_000..250_000].fill(0);
        assert_eq!(pieces.to_vec(&data).unwrap(), expected);
        let output = dir.path().join("out/v.mp4");
        let opts = WriteOptions::default();
        let staged = stage(&output, (&source, &input), &pieces, opts).unwrap();
        assert_eq!(
            staged.commit(&original, &output, opts).unwrap(),
            Written::New
        );
        assert_eq!(fs::read(&output).unwrap(), expected);
        assert_eq!(mode_of(&output), kept(0o604));
        let again = stage(&output, (&source, &input), &pieces, opts).unwrap();
        assert_eq!(
            again.commit(&original, &output, opts).unwrap(),
            Written::Unchanged
        );
        let mut whole = Pieces::default();
        whole.push_input(0..data.len() as u64);
        let copy = stage(&output, (&source, &input), &whole, opts).unwrap();
        assert_eq!(&copy.bytes().unwrap()[..], &data[..]);
        assert!(
            copy.commit(&original, &output, opts).is_err(),
            "never replaced without force"
        );
        assert_eq!(fs::read(&output).unwrap(), expected);
    }

    #[test]
    fn temp_names_carry_the_pid_and_only_dead_runs_are_stale() {
        let dir = tempfile::tempdir().unwrap();
        let tmp = create_temp(dir.path()).unwrap();
        let name = tmp.path().file_name().unwrap().to_owned();
        assert!(is_temp_name(&name));
        assert_eq!(temp_pid(&name), Some(std::process::id()));
        assert!(!is_stale_temp(&name), "our own temp file is not stale");
        let dead = dead_pid();
        let stale = format!(".photoscrub-{dead}-abcdefghij.tmp");
        assert!(is_stale_temp(OsStr::new(&stale)));
        // A running process's file is not stale.
        let mut running = running_child();
        let alive = format!(".photoscrub-{}-abcdefghij.tmp", running.id());
        assert!(!is_stale_temp(OsStr::new(&alive)));
        let _ = running.kill();
        let _ = running.wait();
        for name in [
            ".photoscrub-abcdef.tmp",
            ".photoscrub-watch-abc.tmp",
            ".photoscrub-12-.tmp",
            ".photoscrub--x.tmp",
            "photoscrub-12-x.tmp",
        ] {
            assert_eq!(temp_pid(OsStr::new(name)), None, "{name}");
        }
        fs::write(dir.path().join(&stale), b"x").unwrap();
        fs::write(dir.path().join(".photoscrub-abcdef.tmp"), b"x").unwrap();
        assert_eq!(remove_stale_temps(dir.path()), 1);
        assert!(tmp.path().exists());
        assert!(dir.path().join(".photoscrub-abcdef.tmp").exists());
    }

    #[test]
    fn copied_backups_keep_bytes_mode_and_time_and_never_replace() {
        let dir = tempfile::tempdir().unwrap();
        let original = dir.path().join("a.jpg");
        fs::write(&original, b"original bytes").unwrap();
        set_mode(&original, 0o640);
        let mtime = filetime::FileTime::from_unix_time(1_500_000_000, 0);
        filetime::set_file_mtime(&original, mtime).unwrap();
        let backup = backup_path(&original);
        assert_eq!(backup, dir.path().join("a.jpg.photoscrub-backup"));
        // The path taken where hard links are not possible (exFAT, FAT).
        copy_backup(&original, &backup).unwrap();
        let meta = fs::metadata(&backup).unwrap();
        assert_eq!(fs::read(&backup).unwrap(), b"original bytes");
        assert_eq!(mode_of(&backup), kept(0o640));
        assert_eq!(
            filetime::FileTime::from_last_modification_time(&meta),
            mtime
        );
        assert!(copy_backup(&original, &backup).is_err(), "never replaces");
        // An identical copy is accepted as the backup; a different one is not.
        assert_eq!(make_backup(&original, true).unwrap(), None);
        fs::write(&backup, b"something else").unwrap();
        assert!(make_backup(&original, false).is_err());
        assert_eq!(fs::read(&backup).unwrap(), b"something else");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 2, "no temp left");
    }
}
