//! Windows.

use std::fs::{self, File};
use std::io;
use std::os::windows::fs::FileExt;
use std::path::Path;
use windows_sys::Win32::Foundation as win;
use windows_sys::Win32::System::Console as console;

/// `ERROR_ACCESS_DENIED`.
const ACCESS_DENIED: i32 = 5;
/// `ERROR_SHARING_VIOLATION`: the file is open elsewhere without the
/// sharing this open needs.
const SHARING_VIOLATION: i32 = 32;
/// `ERROR_LOCK_VIOLATION`: a range of the file is locked elsewhere.
const LOCK_VIOLATION: i32 = 33;

/// What `CreateHardLinkW` says on filesystems without hard links (FAT,
/// exFAT, some network shares): `ERROR_INVALID_FUNCTION`,
/// `ERROR_NOT_SAME_DEVICE`, `ERROR_NOT_SUPPORTED`, `ERROR_TOO_MANY_LINKS`.
pub const NO_HARD_LINKS: &[i32] = &[1, 17, 50, 1142];

pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    match file.seek_read(buf, offset) {
        // Reading at or past the end is `ERROR_HANDLE_EOF` on some handles.
        Err(e) if e.raw_os_error() == Some(win::ERROR_HANDLE_EOF as i32) => Ok(0),
        other => other,
    }
}

pub fn write_at(file: &File, buf: &[u8], offset: u64) -> io::Result<usize> {
    file.seek_write(buf, offset)
}

pub fn process_alive(pid: u32) -> bool {
    use windows_sys::Win32::System::Threading::{
        OpenProcess, WaitForSingleObject, PROCESS_QUERY_LIMITED_INFORMATION, PROCESS_SYNCHRONIZE,
    };
    // SAFETY: plain calls with a process id; the handle is closed below.
    unsafe {
        let handle = OpenProcess(
            PROCESS_QUERY_LIMITED_INFORMATION | PROCESS_SYNCHRONIZE,
            0,
            pid,
        );
        if handle.is_null() {
            // A process of another user (or a protected one) exists but
            // cannot be opened; a process that does not exist is an
            // invalid parameter.
            return win::GetLastError() == win::ERROR_ACCESS_DENIED;
        }
        // A process that has ended is signalled (its id may stay valid as
        // long as someone holds a handle to it).
        let running = WaitForSingleObject(handle, 0) == win::WAIT_TIMEOUT;
        win::CloseHandle(handle);
        running
    }
}

pub fn sync_dir(_dir: &Path) -> io::Result<()> {
    // Folders cannot be opened for FlushFileBuffers without backup
    // semantics, and NTFS journals renames itself.
    Ok(())
}

pub fn copy_written(file: &File, _len: u64) -> io::Result<()> {
    file.sync_all()
}

pub fn sync_written() {}

pub fn rename_replace(from: &Path, to: &Path) -> io::Result<()> {
    let read_only = |path: &Path| {
        fs::symlink_metadata(path)
            .map(|m| m.is_file() && m.permissions().readonly())
            .unwrap_or(false)
    };
    let set_read_only = |path: &Path, on: bool| -> io::Result<()> {
        let mut p = fs::metadata(path)?.permissions();
        p.set_readonly(on);
        fs::set_permissions(path, p)
    };
    // A read-only new file (the copy of a read-only original) cannot be
    // renamed over another file either (measured under Wine 8: "access
    // denied"): it is renamed writable and made read-only once in place.
    let (source_read_only, target_read_only) = (read_only(from), read_only(to));
    if source_read_only {
        set_read_only(from, false)?;
    }
    if target_read_only {
        set_read_only(to, false)?;
    }
    let renamed = fs::rename(from, to);
    match &renamed {
        Ok(()) if source_read_only => set_read_only(to, true)?,
        // The file being replaced is still there: as it was. The new one
        // stays writable, so that its owner can delete it.
        Err(_) if target_read_only => {
            let _ = set_read_only(to, true);
        }
        _ => {}
    }
    renamed
}

pub fn is_busy(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(SHARING_VIOLATION | LOCK_VIOLATION))
}

pub fn is_busy_for_rename(e: &io::Error) -> bool {
    is_busy(e) || e.raw_os_error() == Some(ACCESS_DENIED)
}

pub fn open_with_default_app(path: &Path) -> io::Result<()> {
    use std::os::windows::ffi::OsStrExt;
    use windows_sys::Win32::UI::Shell::ShellExecuteW;
    use windows_sys::Win32::UI::WindowsAndMessaging::SW_SHOWNORMAL;
    let wide = |s: &std::ffi::OsStr| -> io::Result<Vec<u16>> {
        let mut v: Vec<u16> = s.encode_wide().collect();
        if v.contains(&0) {
            return Err(io::ErrorKind::InvalidInput.into());
        }
        v.push(0);
        Ok(v)
    };
    let file = wide(path.as_os_str())?;
    let verb = wide("open".as_ref())?;
    // SAFETY: both strings are NUL-terminated and outlive the call.
    let r = unsafe {
        ShellExecuteW(
            std::ptr::null_mut(),
            verb.as_ptr(),
            file.as_ptr(),
            std::ptr::null(),
            std::ptr::null(),
            SW_SHOWNORMAL,
        )
    };
    // Values above 32 mean success; the others are old-style error codes.
    if r as usize > 32 {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "ShellExecute failed with code {}",
            r as usize
        )))
    }
}

/// Whether this process is the only one attached to its console: Explorer
/// started it (a drop on its icon or a shortcut, a double-click) in a new
/// console window, which closes when it exits. From cmd, PowerShell or
/// Windows Terminal's shell the shell is attached too; without a console
/// the count is 0.
pub fn owns_console() -> bool {
    let mut ids = [0u32; 4];
    // SAFETY: the buffer holds `len` ids; the call writes at most that
    // many and returns how many processes are attached.
    let n = unsafe { console::GetConsoleProcessList(ids.as_mut_ptr(), ids.len() as u32) };
    n == 1
}

/// Switches on ANSI escape sequences (colours) in the console that
/// standard output (or error) writes to; `false` where it cannot (not a
/// console, or a console older than Windows 10).
pub fn enable_ansi(stdout: bool) -> bool {
    let which = if stdout {
        console::STD_OUTPUT_HANDLE
    } else {
        console::STD_ERROR_HANDLE
    };
    // SAFETY: the handle comes from GetStdHandle and is only asked about
    // and set a console mode.
    unsafe {
        let handle = console::GetStdHandle(which);
        let mut mode = 0;
        if handle.is_null() || handle == win::INVALID_HANDLE_VALUE {
            return false;
        }
        if console::GetConsoleMode(handle, &mut mode) == 0 {
            return false;
        }
        mode & console::ENABLE_VIRTUAL_TERMINAL_PROCESSING != 0
            || console::SetConsoleMode(handle, mode | console::ENABLE_VIRTUAL_TERMINAL_PROCESSING)
                != 0
    }
}

#[cfg(test)]
pub fn example_busy_error() -> Option<io::Error> {
    Some(io::Error::from_raw_os_error(SHARING_VIOLATION))
}

#[cfg(test)]
pub fn disk_full_codes() -> &'static [i32] {
    // ERROR_HANDLE_DISK_FULL, ERROR_DISK_FULL, ERROR_DISK_QUOTA_EXCEEDED
    &[39, 112, 1295]
}

pub fn file_id(path: &Path) -> io::Result<(u64, u128)> {
    use std::os::windows::fs::OpenOptionsExt;
    use std::os::windows::io::AsRawHandle;
    use windows_sys::Win32::Storage::FileSystem::{
        GetFileInformationByHandle, BY_HANDLE_FILE_INFORMATION, FILE_FLAG_BACKUP_SEMANTICS,
    };
    // Backup semantics: folders can be opened too. No access rights are
    // asked for, so a file another program holds open is no obstacle.
    let file = fs::OpenOptions::new()
        .access_mode(0)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
        .open(path)?;
    // SAFETY: an all-zero BY_HANDLE_FILE_INFORMATION is a valid value.
    let mut info: BY_HANDLE_FILE_INFORMATION = unsafe { std::mem::zeroed() };
    // SAFETY: the handle is open for the whole call; `info` is writable.
    if unsafe { GetFileInformationByHandle(file.as_raw_handle(), &mut info) } == 0 {
        return Err(io::Error::last_os_error());
    }
    let index = (u128::from(info.nFileIndexHigh) << 32) | u128::from(info.nFileIndexLow);
    Ok((u64::from(info.dwVolumeSerialNumber), index))
}

pub fn pictures_dir() -> Option<std::path::PathBuf> {
    known_pictures_folder().or_else(|| {
        let profile = std::path::PathBuf::from(std::env::var_os("USERPROFILE")?);
        let pictures = profile.join("Pictures");
        Some(if pictures.is_dir() { pictures } else { profile })
    })
}

/// `SHGetKnownFolderPath(FOLDERID_Pictures)`.
fn known_pictures_folder() -> Option<std::path::PathBuf> {
    use std::os::windows::ffi::OsStringExt;
    use windows_sys::Win32::System::Com::CoTaskMemFree;
    use windows_sys::Win32::UI::Shell::{FOLDERID_Pictures, SHGetKnownFolderPath};
    let mut path: *mut u16 = std::ptr::null_mut();
    // SAFETY: the GUID is a static; `path` receives a string the shell
    // allocates, freed below whatever the result.
    let r = unsafe { SHGetKnownFolderPath(&FOLDERID_Pictures, 0, std::ptr::null_mut(), &mut path) };
    let found = (r == 0 && !path.is_null()).then(|| {
        // SAFETY: on success `path` is a NUL-terminated UTF-16 string.
        let len = (0..).take_while(|&i| unsafe { *path.add(i) } != 0).count();
        // SAFETY: `len` units were just read from it.
        let units = unsafe { std::slice::from_raw_parts(path, len) };
        std::path::PathBuf::from(std::ffi::OsString::from_wide(units))
    });
    // SAFETY: `path` came from SHGetKnownFolderPath (null is allowed).
    unsafe { CoTaskMemFree(path as *const std::ffi::c_void) };
    found.filter(|p| p.is_dir())
}

/// The user's display language as a tag (`nl-NL`), through the
/// `sys-locale` crate (`GetUserPreferredUILanguages`).
pub fn ui_language() -> Option<String> {
    sys_locale::get_locale()
}
