//! Linux only: the fast paths of staging a new file.

use std::fs::{self, File};
use std::io;
use std::os::unix::io::AsRawFd;
use std::path::Path;

/// `O_TMPFILE` in `dir`, or `None` where the kernel, the filesystem or a
/// missing `/proc` (needed by [`link_unnamed`]) rule it out.
pub fn unnamed_file_in(dir: &Path) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    static PROC_FD: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if !*PROC_FD.get_or_init(|| Path::new("/proc/self/fd").is_dir()) {
        return None;
    }
    fs::OpenOptions::new()
        .read(true)
        .write(true)
        .mode(0o600)
        .custom_flags(libc::O_TMPFILE)
        .open(dir)
        .ok()
}

/// `linkat(/proc/self/fd/N, to, AT_SYMLINK_FOLLOW)`: never replaces.
pub fn link_unnamed(file: &File, to: &Path) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let from = CString::new(format!("/proc/self/fd/{}", file.as_raw_fd()))?;
    let to = CString::new(to.as_os_str().as_bytes())?;
    // SAFETY: both paths are valid NUL-terminated strings that outlive the
    // call.
    let r = unsafe {
        libc::linkat(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            libc::AT_SYMLINK_FOLLOW,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `copy_file_range` until `len` bytes are copied or the kernel or the
/// filesystem cannot (then fewer are).
pub fn copy_range(source: &File, from: u64, dest: &File, to: u64, len: u64) -> io::Result<u64> {
    let mut done = 0u64;
    while done < len {
        let mut off_in = (from + done) as libc::loff_t;
        let mut off_out = (to + done) as libc::loff_t;
        let want = (len - done).min(1 << 30) as usize;
        // SAFETY: both descriptors are open for the lifetime of the call and
        // the offsets are valid pointers to local variables.
        let n = unsafe {
            libc::copy_file_range(
                source.as_raw_fd(),
                &mut off_in,
                dest.as_raw_fd(),
                &mut off_out,
                want,
                0,
            )
        };
        if n > 0 {
            done += n as u64;
            continue;
        }
        if n == 0 {
            break;
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(
                libc::ENOSYS
                | libc::EXDEV
                | libc::EINVAL
                | libc::EOPNOTSUPP
                | libc::EPERM
                | libc::EBADF,
            ) => break,
            _ => return Err(err),
        }
    }
    Ok(done)
}

/// `sync_file_range(SYNC_FILE_RANGE_WRITE)`: starts writing `file` to the
/// disk without waiting; its failure changes nothing (the final sync
/// writes the rest).
pub fn start_writeback(file: &File) {
    // SAFETY: the descriptor is open; the call only starts write-back.
    unsafe {
        libc::sync_file_range(file.as_raw_fd(), 0, 0, libc::SYNC_FILE_RANGE_WRITE);
    }
}
