//! macOS only.

use std::fs::File;
use std::io;
use std::os::unix::io::AsRawFd;

/// `fcntl(F_FULLFSYNC)`: asks the drive to write its cache to the medium
/// (`fsync` on macOS only hands the data to the drive). Filesystems that
/// cannot (some network shares, FAT/exFAT on some versions) answer
/// `ENOTSUP`/`EINVAL`/`ENOTTY`; there plain `fsync` is the best there is.
pub fn sync_file(file: &File) -> io::Result<()> {
    loop {
        // SAFETY: F_FULLFSYNC takes no argument; the descriptor is open.
        if unsafe { libc::fcntl(file.as_raw_fd(), libc::F_FULLFSYNC) } != -1 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINTR) => continue,
            Some(libc::ENOTSUP | libc::EINVAL | libc::ENOTTY) => break,
            _ => return Err(e),
        }
    }
    loop {
        // SAFETY: as above.
        if unsafe { libc::fsync(file.as_raw_fd()) } != -1 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        if e.raw_os_error() != Some(libc::EINTR) {
            return Err(e);
        }
    }
}

/// The first language of the user's preferred list in System Settings, as
/// a tag (`nl-NL`), through the `sys-locale` crate (CoreFoundation).
pub fn ui_language() -> Option<String> {
    sys_locale::get_locale()
}
