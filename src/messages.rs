//! Sentences for people: what happened to a file, in plain words, and what
//! to do about it. Every parent-facing sentence of the drag-and-drop
//! behaviour is here (English), so that it can be translated in one
//! place; the byte-level detail stays in each error's message, shown with
//! `--verbose` and in JSON.
//!
//! Advice is chosen from typed facts — the core's error kind, the format,
//! the kind of the underlying I/O error — never by reading message text.

use photoscrub_core::{Error, Format};
use std::io::ErrorKind;
use std::path::Path;

/// The first line of the marker file in a folder of cleaned copies.
pub fn marker_explanation(source: &Path) -> String {
    format!(
        "This folder holds cleaned copies that photoscrub made of the photos in {}; share these. photoscrub lists its copies below so that it can update them: please leave this file here.",
        crate::report::one_line(&source.to_string_lossy())
    )
}

/// What happened and what to do, for a file that was refused or failed.
pub fn advice(error: &Error, format: Option<Format>) -> String {
    match error {
        Error::Unsupported(_) if format == Some(Format::Raw) => {
            "This is a camera raw file, which photoscrub does not clean. Export it as a JPEG or HEIC in your photo program, then drop that.".into()
        }
        Error::Unsupported(_) => {
            "photoscrub cannot clean this kind of file yet, so it made no cleaned copy. Don't share it as it is: it may still say where it was taken.".into()
        }
        Error::Damaged(_) => {
            "This photo is damaged (it may have been cut short while it was copied): copy it from your phone or camera again, then drop it again.".into()
        }
        Error::Unverified(_) => {
            "photoscrub could not prove its cleaned copy was right, so it did not keep it; your photo is unchanged. Please report this file.".into()
        }
        Error::Io { source, .. } => io_advice(source.as_ref().map(std::io::Error::kind)),
        _ => "Something went wrong with this file; the details are below.".into(),
    }
}

fn io_advice(kind: Option<ErrorKind>) -> String {
    match kind {
        Some(ErrorKind::StorageFull | ErrorKind::QuotaExceeded) => {
            "The disk for the cleaned copies is full. Make room on it, then drop the photos again.".into()
        }
        Some(ErrorKind::ReadOnlyFilesystem) => {
            "The folder for the cleaned copies can't be changed (it may be on a locked memory card). Unlock it, or copy the photos to your computer first.".into()
        }
        Some(ErrorKind::PermissionDenied) => {
            "photoscrub is not allowed to read this photo or to write its cleaned copy (the folder may belong to someone else). Copy the photos into your own folder, then drop them again.".into()
        }
        Some(ErrorKind::NotFound) => {
            "The photo was gone before photoscrub could read it (moved, deleted, or the card was taken out). Put it back, then drop it again.".into()
        }
        Some(ErrorKind::AlreadyExists) => {
            "There is already a different file with this name among the cleaned copies, and photoscrub did not make it (or it was changed since), so it was left as it is and no new copy was made. Move or rename that file, then drop the photos again.".into()
        }
        Some(ErrorKind::UnexpectedEof) => {
            "The photo changed while photoscrub was reading it. Wait until it has been copied completely, then drop it again.".into()
        }
        _ => "photoscrub could not read this photo or write its cleaned copy. Try again; if it keeps failing, the details below say why.".into(),
    }
}

/// Why a file was not processed, in plain words.
pub fn not_a_photo(kind: Option<&str>) -> String {
    match kind {
        Some(kind) => format!("not a photo or video ({kind}); left as it is"),
        None => "not a photo or video photoscrub knows; left as it is".into(),
    }
}

/// A symlink inside a folder, not followed.
pub fn symlink_not_followed() -> String {
    "a shortcut (symbolic link) inside the folder; not followed (--follow follows them)".into()
}

/// A file or folder reached a second time in the same run.
pub fn duplicate(first: &Path) -> String {
    format!(
        "the same as {}, already in this run; done once",
        crate::report::one_line(&first.to_string_lossy())
    )
}

/// A folder of cleaned copies photoscrub made, dropped or met while walking.
pub fn cleaned_folder() -> String {
    "cleaned copies photoscrub made before; they are not cleaned again (share them as they are)"
        .into()
}

/// A file inside a folder of cleaned copies.
pub fn in_cleaned_folder(folder: &Path) -> String {
    format!(
        "in {}, a folder of cleaned copies photoscrub made; not cleaned again (to clean a photo, drop it from the folder with the originals)",
        crate::report::one_line(&folder.to_string_lossy())
    )
}

/// What a file of unknown content looks like, by its first bytes or,
/// failing that, its name: for "not a photo" reasons.
pub fn kind_of(head: &[u8], path: &Path) -> Option<&'static str> {
    const MAGIC: &[(&[u8], &str)] = &[
        (b"%PDF", "a PDF document"),
        (b"PK\x03\x04", "a ZIP archive"),
        (b"PK\x05\x06", "a ZIP archive"),
        (b"Rar!", "a RAR archive"),
        (b"7z\xBC\xAF", "a 7-Zip archive"),
        (b"\x1F\x8B", "a compressed (gzip) file"),
        (b"\xD0\xCF\x11\xE0", "an Office document"),
        (b"MZ", "a program"),
        (b"\x7FELF", "a program"),
        (b"ID3", "an MP3 sound file"),
    ];
    if let Some((_, kind)) = MAGIC.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(kind);
    }
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "txt" | "md" | "csv" | "log" => "a text file",
        "doc" | "docx" | "odt" | "xls" | "xlsx" | "ppt" | "pptx" => "an Office document",
        "html" | "htm" => "a web page",
        "mp3" | "wav" | "m4a" | "aac" | "ogg" | "flac" => "a sound file",
        "bmp" | "ico" | "svg" | "psd" => "a picture format photoscrub does not clean",
        "avi" | "mkv" | "wmv" | "webm" => "a video format photoscrub does not clean",
        _ => return None,
    })
}

/// Said when the photos' own folder cannot be written and the copies go
/// to the Pictures folder instead.
pub fn fallback(source: &Path, why: Option<ErrorKind>, folder: &Path) -> String {
    let why = match why {
        Some(ErrorKind::ReadOnlyFilesystem) => " (it may be on a locked memory card or a phone)",
        Some(ErrorKind::PermissionDenied) => {
            " (it belongs to someone else, or to a phone or camera)"
        }
        Some(ErrorKind::StorageFull | ErrorKind::QuotaExceeded) => " (its disk is full)",
        _ => "",
    };
    format!(
        "The folder {} can't be changed{why} — the cleaned copies are in {} instead.",
        crate::report::one_line(&source.to_string_lossy()),
        crate::report::one_line(&folder.to_string_lossy())
    )
}

/// Said when neither the photos' folder nor the Pictures folder can take
/// the cleaned copies.
pub fn no_fallback(source: &Path) -> String {
    format!(
        "The folder {} can't be changed, and photoscrub found no Pictures folder to put the cleaned copies in. Copy the photos to your computer first, or choose a folder with --out.",
        crate::report::one_line(&source.to_string_lossy())
    )
}

/// The end of a run: where the cleaned copies are.
pub fn copies_are_in(folders: &[String]) -> String {
    match folders {
        [] => "No cleaned copies were made.".into(),
        [one] => format!("The cleaned copies are in {one}"),
        more => {
            let mut text = "The cleaned copies are in:".to_string();
            for folder in more {
                text.push_str("\n  ");
                text.push_str(folder);
            }
            text
        }
    }
}
