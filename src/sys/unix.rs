//! Linux, macOS and the other Unix systems.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// What `link(2)` says on filesystems without hard links.
pub const NO_HARD_LINKS: &[i32] = &[
    libc::EPERM,
    libc::EOPNOTSUPP,
    libc::EXDEV,
    libc::EMLINK,
    libc::ENOSYS,
];

pub fn read_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    file.read_at(buf, offset)
}

pub fn write_at(file: &File, buf: &[u8], offset: u64) -> io::Result<usize> {
    file.write_at(buf, offset)
}

pub fn process_alive(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks whether the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}

pub fn sync_dir(dir: &Path) -> io::Result<()> {
    super::sync_file(&File::open(dir)?)
}

/// Copies from this size on are handed to the disk as soon as they are in
/// place: a batch then writes while it cleans instead of leaving gigabytes
/// of dirty pages for the final sync.
#[cfg(target_os = "linux")]
const EARLY_WRITEBACK: u64 = 1 << 20;

pub fn copy_written(file: &File, len: u64) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    if len >= EARLY_WRITEBACK {
        super::linux::start_writeback(file);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, len);
    Ok(())
}

pub fn sync_written() {
    // SAFETY: sync(2) takes no arguments and cannot fail.
    unsafe { libc::sync() }
}

pub fn rename_replace(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::rename(from, to)
}

pub fn is_busy(_e: &io::Error) -> bool {
    false
}

pub fn is_busy_for_rename(_e: &io::Error) -> bool {
    false
}

pub fn open_with_default_app(path: &Path) -> io::Result<()> {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(path)
        .spawn()
        .map(drop)
}

/// Whether this process leads the session of the terminal on standard
/// input: a terminal emulator started it directly (a desktop entry with
/// `Terminal=true`, `xterm -e photoscrub …`), so the window closes when it
/// exits. Started from a shell, the shell leads the session; with no
/// terminal on standard input (a service, a pipe), nobody does.
pub fn owns_console() -> bool {
    // SAFETY: both calls only read process state; tcgetsid fails (-1) when
    // fd 0 is not this session's controlling terminal.
    unsafe { libc::tcgetsid(libc::STDIN_FILENO) == libc::getpid() }
}

/// Unix terminals take ANSI colours as they are.
pub fn enable_ansi(_stdout: bool) -> bool {
    true
}

#[cfg(test)]
pub fn example_busy_error() -> Option<io::Error> {
    None
}

#[cfg(test)]
pub fn disk_full_codes() -> &'static [i32] {
    &[libc::ENOSPC, libc::EDQUOT]
}

pub fn file_id(path: &Path) -> io::Result<(u64, u128)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(path)?;
    Ok((meta.dev(), u128::from(meta.ino())))
}

/// `$HOME`, if set and absolute.
fn home() -> Option<std::path::PathBuf> {
    std::env::var_os("HOME")
        .map(std::path::PathBuf::from)
        .filter(|h| h.is_absolute())
}

#[cfg(target_os = "macos")]
pub fn pictures_dir() -> Option<std::path::PathBuf> {
    let home = home()?;
    let pictures = home.join("Pictures");
    Some(if pictures.is_dir() { pictures } else { home })
}

#[cfg(not(target_os = "macos"))]
pub fn pictures_dir() -> Option<std::path::PathBuf> {
    let home = home()?;
    if let Some(dir) = std::env::var_os("XDG_PICTURES_DIR").map(std::path::PathBuf::from) {
        if dir.is_absolute() {
            return Some(dir);
        }
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .map(std::path::PathBuf::from)
        .filter(|c| c.is_absolute())
        .unwrap_or_else(|| home.join(".config"));
    let configured = std::fs::read(config.join("user-dirs.dirs"))
        .ok()
        .and_then(|text| xdg_pictures(&text, &home));
    let pictures = configured.unwrap_or_else(|| home.join("Pictures"));
    Some(if pictures.is_dir() { pictures } else { home })
}

/// `XDG_PICTURES_DIR` in a `user-dirs.dirs` file: a line
/// `XDG_PICTURES_DIR="$HOME/Pictures"` (the path in double quotes, either
/// absolute or starting with `$HOME/`, as xdg-user-dirs writes it).
#[cfg(not(target_os = "macos"))]
pub fn xdg_pictures(text: &[u8], home: &Path) -> Option<std::path::PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    let line = text
        .split(|&b| b == b'\n')
        .map(|l| l.trim_ascii())
        .find(|l| l.starts_with(b"XDG_PICTURES_DIR="))?;
    let value = line["XDG_PICTURES_DIR=".len()..]
        .strip_prefix(b"\"")?
        .strip_suffix(b"\"")?;
    let path = match value.strip_prefix(b"$HOME") {
        Some(rest) => {
            let mut path = home.as_os_str().as_bytes().to_vec();
            path.extend_from_slice(rest);
            path
        }
        None => value.to_vec(),
    };
    let path = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(&path));
    path.is_absolute().then_some(path)
}

#[cfg(all(test, not(target_os = "macos")))]
mod tests {
    use super::*;

    #[test]
    fn pictures_folder_from_user_dirs() {
        let home = Path::new("/home/anna");
        let text = b"# comment\nXDG_DESKTOP_DIR=\"$HOME/Desktop\"\n  XDG_PICTURES_DIR=\"$HOME/Afbeeldingen\"\n";
        assert_eq!(
            xdg_pictures(text, home),
            Some(std::path::PathBuf::from("/home/anna/Afbeeldingen"))
        );
        let absolute = b"XDG_PICTURES_DIR=\"/data/photos\"\n";
        assert_eq!(
            xdg_pictures(absolute, home),
            Some(std::path::PathBuf::from("/data/photos"))
        );
        assert_eq!(xdg_pictures(b"XDG_PICTURES_DIR=relative\n", home), None);
        assert_eq!(xdg_pictures(b"", home), None);
    }
}
