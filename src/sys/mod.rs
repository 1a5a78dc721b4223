//! The few things the shell does differently on each operating system,
//! behind one API. The rest of the shell calls these functions and never
//! `std::os::*`, `libc` or `windows-sys` itself.
//!
//! | file | for |
//! |---|---|
//! | `mod.rs` | the API, what is the same everywhere, the tests |
//! | `unix.rs` | Linux and macOS (and the BSDs) |
//! | `linux.rs` | Linux only: unnamed temporary files, in-kernel copies, early write-back |
//! | `macos.rs` | macOS only |
//! | `windows.rs` | Windows |
//! | `console.rs` | the terminal window, for drag-and-drop (built on the above) |
//!
//! The shell is built for Unix and Windows only (the engine, in
//! `photoscrub-core`, is the part that also builds for wasm32).
//!
//! Each function says what it does on each system. Where a system has no
//! fast path (an unnamed temporary file, an in-kernel copy) the function
//! says "not available" and the caller takes the portable road, which is
//! always correct, only slower.
//!

use std::fs::File;
use std::io;
use std::path::Path;
use std::time::Duration;

#[cfg(target_os = "linux")]
mod linux;
#[cfg(target_os = "macos")]
mod macos;
#[cfg(unix)]
mod unix;
#[cfg(windows)]
mod windows;

#[cfg(unix)]
use unix as os;
#[cfg(windows)]
use windows as os;

pub mod console;

// ---------------------------------------------------------------------------
// Positioned reads and writes
// ---------------------------------------------------------------------------

/// Reads up to `buf.len()` bytes at `offset`; returns how many (0 at the
/// end of the file). Unix: `pread`, the file's position is left alone.
/// Windows: `ReadFile` with an offset, which also moves the file's
/// position: never mix with reads that use the position on the same handle.
pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    os::read_at(file, buf, offset)
}

/// Fills `buf` from `offset`, or fails with `UnexpectedEof`.
pub fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match read_at(file, buf, offset) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Writes all of `buf` at `offset` (see [`read_at`] for the position).
pub fn write_all_at(file: &File, mut buf: &[u8], mut offset: u64) -> io::Result<()> {
    while !buf.is_empty() {
        match os::write_at(file, buf, offset) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => {
                buf = &buf[n..];
                offset += n as u64;
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------

/// Whether `path` names the open `file` (hard links and other names of the
/// same file count). Unix: device and inode; Windows: volume serial number
/// and file index (through the `same-file` crate, which asks the open
/// handles, so `\\?\`, short 8.3 names and case do not matter). `false`
/// when either cannot be looked at.
pub fn is_same_file(file: &File, path: &Path) -> bool {
    let Ok(copy) = file.try_clone() else {
        return false;
    };
    match (
        ::same_file::Handle::from_file(copy),
        ::same_file::Handle::from_path(path),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Whether two paths name the same file (see [`is_same_file`]).
pub fn same_file(a: &Path, b: &Path) -> io::Result<bool> {
    ::same_file::is_same_file(a, b)
}

/// Which file a path leads to, whatever its name: two paths with the same
/// id are one file (hard links, symlinks, `.` and `..`, a folder given
/// twice). Unix: device and inode. Windows: volume serial number and file
/// index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileId(u64, u128);

/// The [`FileId`] of the file `path` leads to (symlinks followed). Unix:
/// one `stat`. Windows: the file is opened for `GetFileInformationByHandle`
/// (as `same-file` does) and closed again.
pub fn file_id(path: &Path) -> io::Result<FileId> {
    let (volume, index) = os::file_id(path)?;
    Ok(FileId(volume, index))
}

// ---------------------------------------------------------------------------
// The user's folders
// ---------------------------------------------------------------------------

/// The user's Pictures folder, where cleaned copies go when the photos'
/// own folder cannot be written; the home folder when there is none, and
/// `None` when not even that is known. Linux and the BSDs:
/// `$XDG_PICTURES_DIR`, else `XDG_PICTURES_DIR` in
/// `$XDG_CONFIG_HOME/user-dirs.dirs` (default `~/.config`), else
/// `~/Pictures` when it exists, else `~`. macOS: `~/Pictures`. Windows:
/// the Pictures known folder (`SHGetKnownFolderPath`, which follows a
/// Pictures folder moved to OneDrive or another drive), else
/// `%USERPROFILE%\Pictures`.
pub fn pictures_dir() -> Option<std::path::PathBuf> {
    os::pictures_dir()
}

// ---------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------

/// Whether a process with this id is running. A process of another user
/// counts as running. Unix: `kill(pid, 0)` does not fail with `ESRCH`.
/// Windows: `OpenProcess` either gives a handle that is not yet signalled
/// or is refused for lack of rights.
pub fn process_alive(pid: u32) -> bool {
    pid != 0 && os::process_alive(pid)
}

// ---------------------------------------------------------------------------
// Staging a new file (fast paths; the portable road is a named temp file)
// ---------------------------------------------------------------------------

/// An unnamed new file in `dir`, to be given its name by [`link_unnamed`]
/// once it is complete. Linux: `O_TMPFILE` (when the filesystem and `/proc`
/// allow). Elsewhere: `None`; use a named temporary file.
pub fn unnamed_file_in(dir: &Path) -> Option<File> {
    #[cfg(target_os = "linux")]
    return linux::unnamed_file_in(dir);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = dir;
        None
    }
}

/// Gives a file from [`unnamed_file_in`] the name `to`, never replacing a
/// file there (`AlreadyExists`). Linux: `linkat` through `/proc/self/fd`.
/// Elsewhere: `Unsupported` (there are no unnamed files there).
pub fn link_unnamed(file: &File, to: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    return linux::link_unnamed(file, to);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (file, to);
        Err(io::ErrorKind::Unsupported.into())
    }
}

/// Copies up to `len` bytes from `source` at `from` to `dest` at `to`
/// inside the kernel; returns how many were copied. Linux:
/// `copy_file_range` (a reflink where the filesystem can). Elsewhere, and
/// where Linux cannot: fewer, often 0; the caller writes the rest itself.
pub fn copy_range(source: &File, from: u64, dest: &File, to: u64, len: u64) -> io::Result<u64> {
    #[cfg(target_os = "linux")]
    return linux::copy_range(source, from, dest, to, len);
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (source, from, dest, to, len);
        Ok(0)
    }
}

// ---------------------------------------------------------------------------
// Getting written files to the disk
// ---------------------------------------------------------------------------

/// Makes the contents and attributes of `file` durable, for `--in-place`
/// (and the watcher's state file). Linux: `fsync`. macOS: `F_FULLFSYNC`
/// (plain `fsync` leaves the data in the drive's cache there; Rust's
/// `sync_all` already asks for `F_FULLFSYNC` on Apple systems).
/// Windows: `FlushFileBuffers` (the handle must be open for writing).
/// Where a filesystem has no `F_FULLFSYNC` (some network shares), macOS
/// falls back to `fsync` rather than failing.
pub fn sync_file(file: &File) -> io::Result<()> {
    #[cfg(target_os = "macos")]
    return macos::sync_file(file);
    #[cfg(not(target_os = "macos"))]
    file.sync_all()
}

/// Makes the names in `dir` durable after a rename or link into it, for
/// `--in-place`. Unix: `fsync` of the folder (`F_FULLFSYNC` on macOS).
/// Windows: nothing to do and nothing possible without a backup-semantics
/// handle; NTFS journals the rename (see [`rename_replace`]).
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    os::sync_dir(dir)
}

/// Called for every cleaned copy (not `--in-place`) as it is put in
/// place, with its open handle and length: starts getting it to the disk
/// without waiting where the system allows, so that [`sync_written`] has
/// little left to do. Linux: `sync_file_range(WRITE)` for copies of 1 MB
/// and more, no wait (smaller ones are left to the final `sync`). macOS:
/// nothing (the batch ends with `sync`). Windows: `FlushFileBuffers` now,
/// in the worker that wrote the file, because Windows has no `sync` for a
/// whole volume that works without administrator rights.
pub fn copy_written(file: &File, len: u64) -> io::Result<()> {
    os::copy_written(file, len)
}

/// Called once at the end of a batch of copies (and by the watcher when a
/// burst is done): everything written is on its way to the disk. Unix:
/// `sync()`. Windows: nothing (each copy was flushed by [`copy_written`]).
pub fn sync_written() {
    os::sync_written()
}

// ---------------------------------------------------------------------------
// Renaming over a file, and files other programs hold open
// ---------------------------------------------------------------------------

/// Renames `from` to `to`, replacing a file at `to` atomically: a crash
/// leaves the old or the new file. Unix: `rename`. Windows: `std::fs::rename`
/// (replace semantics: `FileRenameInfoEx`, else `MoveFileExW` with
/// `MOVEFILE_REPLACE_EXISTING`; long paths handled by std), after clearing
/// the read-only attribute of the file being replaced, which Windows
/// refuses to replace (the new file carries the attributes wanted; the
/// attribute is put back if the rename fails), and of `from` (a read-only
/// file is not renamed over another: it is made read-only again once in
/// place, and left writable if the rename fails). Retried as [`retry_busy`]
/// says, and on Windows also while "access is denied": what a rename over
/// a file says while another program has it open without delete sharing.
pub fn rename_replace(from: &Path, to: &Path) -> io::Result<()> {
    retry_while(|| os::rename_replace(from, to), os::is_busy_for_rename)
}

/// Whether `e` means another program has the file open in a way that
/// stops this operation for now. Windows: a sharing or lock violation
/// (antivirus scanners, the search indexer and the thumbnailer open new
/// files for a moment). Unix: never (files open elsewhere can be renamed,
/// replaced and read).
pub fn is_busy(e: &io::Error) -> bool {
    os::is_busy(e)
}

/// How long [`retry_busy`] waits before each new try: 10 ms doubling to
/// 320 ms, then 500 ms three times; about 2.1 s in all.
pub const BUSY_RETRIES: [Duration; 9] = [
    Duration::from_millis(10),
    Duration::from_millis(20),
    Duration::from_millis(40),
    Duration::from_millis(80),
    Duration::from_millis(160),
    Duration::from_millis(320),
    Duration::from_millis(500),
    Duration::from_millis(500),
    Duration::from_millis(500),
];

/// Runs `op`, and again after each of [`BUSY_RETRIES`] while it fails with
/// an error for which [`is_busy`] holds. Other errors (and the last busy
/// one) are returned at once.
pub fn retry_busy<T>(op: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    retry_while(op, is_busy)
}

fn retry_while<T>(
    mut op: impl FnMut() -> io::Result<T>,
    busy: impl Fn(&io::Error) -> bool,
) -> io::Result<T> {
    let mut waits = BUSY_RETRIES.iter();
    loop {
        match op() {
            Err(e) if busy(&e) => match waits.next() {
                Some(wait) => std::thread::sleep(*wait),
                None => return Err(e),
            },
            other => return other,
        }
    }
}

/// Whether `e` means the disk (or the user's quota on it) is full:
/// `ENOSPC`/`EDQUOT` on Unix, `ERROR_DISK_FULL`/`ERROR_HANDLE_DISK_FULL`/
/// `ERROR_DISK_QUOTA_EXCEEDED` on Windows. Asks the error's kind, which
/// wrappers such as tempfile's keep.
pub fn is_disk_full(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
    )
}

/// Whether `e` (from `std::fs::hard_link`) means the filesystem has no hard
/// links here, so a copy must do (`--backup` on exFAT, FAT, some network
/// and FUSE filesystems). Unix: `EPERM`, `EOPNOTSUPP`, `EXDEV`, `EMLINK`,
/// `ENOSYS`. Windows: `ERROR_INVALID_FUNCTION`, `ERROR_NOT_SUPPORTED`,
/// `ERROR_NOT_SAME_DEVICE`, `ERROR_TOO_MANY_LINKS`. (The numbers differ:
/// `libc::EPERM` compiles on Windows but means something else there.)
pub fn no_hard_links(e: &io::Error) -> bool {
    e.raw_os_error()
        .is_some_and(|code| os::NO_HARD_LINKS.contains(&code))
}

// ---------------------------------------------------------------------------
// The desktop
// ---------------------------------------------------------------------------

/// Opens `path` with the desktop's default program, without waiting.
/// Linux and the BSDs: `xdg-open`. macOS: `open`. Windows: `ShellExecuteW`
/// with "open" (not `cmd /C start`, which reads `&`, `^` and `%` in the
/// path as commands).
pub fn open_with_default_app(path: &Path) -> io::Result<()> {
    os::open_with_default_app(path)
}

/// The language the user chose for the system's own windows and menus,
/// as a tag such as `nl-NL`. Windows: the preferred display language.
/// macOS: the first preferred language. Elsewhere: `None` — there the
/// locale variables (`LANG`…) already say it, and are read first.
pub fn ui_language() -> Option<String> {
    #[cfg(any(windows, target_os = "macos"))]
    {
        #[cfg(target_os = "macos")]
        use macos as desktop;
        #[cfg(windows)]
        use windows as desktop;
        desktop::ui_language()
    }
    #[cfg(not(any(windows, target_os = "macos")))]
    {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom, Write};

    #[test]
    fn positioned_reads_and_writes_hit_their_offsets() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        std::fs::write(&path, b"0123456789").unwrap();
        let file = File::options().read(true).write(true).open(&path).unwrap();
        write_all_at(&file, b"AB", 3).unwrap();
        write_all_at(&file, b"XY", 12).unwrap(); // past the end: a gap of zeros
        let mut buf = [0u8; 4];
        read_exact_at(&file, &mut buf, 2).unwrap();
        assert_eq!(&buf, b"2AB5");
        let mut all = vec![0u8; 14];
        read_exact_at(&file, &mut all, 0).unwrap();
        assert_eq!(all, b"012AB56789\0\0XY");
        let mut past = [0u8; 4];
        let e = read_exact_at(&file, &mut past, 12).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
        assert_eq!(read_at(&file, &mut past, 14).unwrap(), 0);
        // Reads that use the position still work after positioned ones
        // once the position is set again.
        let mut f = &file;
        f.seek(SeekFrom::Start(0)).unwrap();
        f.write_all(b"z").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"z12AB56789\0\0XY");
    }

    #[test]
    fn same_file_sees_hard_links_and_not_copies() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jpg");
        let copy = dir.path().join("copy.jpg");
        let link = dir.path().join("link.jpg");
        std::fs::write(&a, b"photo").unwrap();
        std::fs::write(&copy, b"photo").unwrap();
        std::fs::hard_link(&a, &link).unwrap();
        let open = File::open(&a).unwrap();
        assert!(is_same_file(&open, &a));
        assert!(is_same_file(&open, &link));
        assert!(!is_same_file(&open, &copy));
        assert!(!is_same_file(&open, &dir.path().join("missing.jpg")));
        // Another spelling of the same path.
        let dotted = dir.path().join(".").join("a.jpg");
        assert!(same_file(&a, &dotted).unwrap());
        assert!(!same_file(&a, &copy).unwrap());
    }

    #[test]
    fn this_process_is_alive_and_a_finished_child_is_not() {
        assert!(process_alive(std::process::id()));
        assert!(!process_alive(0));
        let mut child = child_that_exits().spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        // The child is reaped (Unix) and its handle closed (Windows): gone.
        drop(child);
        assert!(!process_alive(pid), "pid {pid}");
    }

    /// A command that exits at once, on every system.
    fn child_that_exits() -> std::process::Command {
        if cfg!(windows) {
            let mut c = std::process::Command::new("cmd");
            c.args(["/C", "exit"]);
            c
        } else {
            std::process::Command::new("true")
        }
    }

    #[test]
    fn rename_replace_replaces_even_a_read_only_file() {
        let dir = tempfile::tempdir().unwrap();
        let (new, old) = (dir.path().join("new"), dir.path().join("old"));
        std::fs::write(&new, b"new").unwrap();
        std::fs::write(&old, b"old").unwrap();
        let read_only = |path: &Path| {
            let mut ro = std::fs::metadata(path).unwrap().permissions();
            ro.set_readonly(true);
            std::fs::set_permissions(path, ro).unwrap();
        };
        read_only(&old);
        rename_replace(&new, &old).unwrap();
        assert_eq!(std::fs::read(&old).unwrap(), b"new");
        assert!(!new.exists());
        // A read-only new file (the copy of a read-only original) too, and
        // it stays read-only.
        std::fs::write(&new, b"newer").unwrap();
        read_only(&new);
        rename_replace(&new, &old).unwrap();
        assert_eq!(std::fs::read(&old).unwrap(), b"newer");
        assert!(std::fs::metadata(&old).unwrap().permissions().readonly());
        assert!(!new.exists());
        // No file to rename: an error, not a retry loop (a few ms at most).
        let started = std::time::Instant::now();
        assert!(rename_replace(&new, &old).is_err());
        assert!(started.elapsed() < Duration::from_millis(500));
    }

    #[test]
    fn long_paths_work() {
        // Past Windows' old 260-character limit: std turns long paths into
        // \\?\ paths itself.
        let dir = tempfile::tempdir().unwrap();
        let mut deep = dir.path().to_path_buf();
        for i in 0..12 {
            deep.push(format!("a-folder-with-a-long-name-{i:02}"));
        }
        std::fs::create_dir_all(&deep).unwrap();
        let (new, old) = (deep.join("new.jpg"), deep.join("photo.jpg"));
        assert!(old.as_os_str().len() > 300);
        std::fs::write(&new, b"new").unwrap();
        std::fs::write(&old, b"old").unwrap();
        rename_replace(&new, &old).unwrap();
        let file = File::open(&old).unwrap();
        let mut buf = [0u8; 3];
        read_exact_at(&file, &mut buf, 0).unwrap();
        assert_eq!(&buf, b"new");
        assert!(is_same_file(&file, &old));
    }

    /// Windows: a program that holds the file being replaced open without
    /// delete sharing (as a virus scanner does for a moment) makes the
    /// rename fail with "access denied"; it succeeds once the file is let go.
    #[cfg(windows)]
    #[test]
    fn rename_replace_waits_for_a_program_that_holds_the_file() {
        use std::os::windows::fs::OpenOptionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (new, old) = (dir.path().join("new"), dir.path().join("old"));
        std::fs::write(&new, b"new").unwrap();
        std::fs::write(&old, b"old").unwrap();
        const FILE_SHARE_READ: u32 = 1;
        let held = File::options()
            .read(true)
            .share_mode(FILE_SHARE_READ)
            .open(&old)
            .unwrap();
        let direct = std::fs::rename(&new, &old).unwrap_err();
        assert!(os::is_busy_for_rename(&direct), "{direct:?}");
        let opened = File::options().write(true).open(&old).unwrap_err();
        assert!(is_busy(&opened), "{opened:?}");
        let release = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            drop(held);
        });
        rename_replace(&new, &old).unwrap();
        release.join().unwrap();
        assert_eq!(std::fs::read(&old).unwrap(), b"new");
    }

    #[test]
    fn busy_errors_are_retried_and_others_are_not() {
        let mut tries = 0;
        let r: io::Result<()> = retry_busy(|| {
            tries += 1;
            Err(io::ErrorKind::NotFound.into())
        });
        assert!(r.is_err());
        assert_eq!(tries, 1);
        if let Some(busy) = os::example_busy_error() {
            assert!(is_busy(&busy));
            let mut tries = 0;
            let r = retry_busy(|| {
                tries += 1;
                match tries {
                    1..=3 => Err(os::example_busy_error().unwrap()),
                    _ => Ok(tries),
                }
            });
            assert_eq!(r.unwrap(), 4);
        } else {
            assert!(!is_busy(&io::Error::from(io::ErrorKind::PermissionDenied)));
        }
    }

    #[test]
    fn full_disks_are_recognised_by_kind() {
        assert!(is_disk_full(&io::ErrorKind::StorageFull.into()));
        assert!(is_disk_full(&io::ErrorKind::QuotaExceeded.into()));
        assert!(!is_disk_full(&io::ErrorKind::PermissionDenied.into()));
        for code in os::disk_full_codes() {
            assert!(is_disk_full(&io::Error::from_raw_os_error(*code)), "{code}");
        }
    }

    #[test]
    fn hard_links_refused_by_the_filesystem_are_told_apart() {
        for code in os::NO_HARD_LINKS {
            assert!(no_hard_links(&io::Error::from_raw_os_error(*code)));
        }
        assert!(!no_hard_links(&io::ErrorKind::NotFound.into()));
        let dir = tempfile::tempdir().unwrap();
        let e = std::fs::hard_link(dir.path().join("missing"), dir.path().join("b")).unwrap_err();
        assert!(
            !no_hard_links(&e),
            "a missing file is not a filesystem without links"
        );
    }

    #[test]
    fn files_and_folders_can_be_synced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a");
        let file = File::create(&path).unwrap();
        (&file).write_all(b"x").unwrap();
        sync_file(&file).unwrap();
        copy_written(&file, 1).unwrap();
        copy_written(&file, 1 << 20).unwrap();
        sync_dir(dir.path()).unwrap();
        sync_written();
    }

    #[test]
    fn fast_paths_are_absent_or_work() {
        let dir = tempfile::tempdir().unwrap();
        let source_path = dir.path().join("source");
        let data: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&source_path, &data).unwrap();
        let source = File::open(&source_path).unwrap();
        let unnamed = unnamed_file_in(dir.path());
        #[cfg(not(target_os = "linux"))]
        assert!(unnamed.is_none(), "unnamed files exist only on Linux");
        match unnamed {
            Some(file) => {
                let copied = copy_range(&source, 10, &file, 0, 50_000).unwrap();
                write_all_at(&file, &data[10 + copied as usize..50_010], copied).unwrap();
                let to = dir.path().join("linked");
                link_unnamed(&file, &to).unwrap();
                assert_eq!(std::fs::read(&to).unwrap(), &data[10..50_010]);
                let again = link_unnamed(&file, &to).unwrap_err();
                assert_eq!(again.kind(), io::ErrorKind::AlreadyExists);
            }
            None => {
                #[cfg(target_os = "linux")]
                assert!(!Path::new("/proc/self/fd").is_dir());
                let dest = File::create(dir.path().join("dest")).unwrap();
                assert_eq!(copy_range(&source, 0, &dest, 0, 10).unwrap(), 0);
            }
        }
    }
}
