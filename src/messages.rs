//! Sentences for people: what happened to a file, in plain words, and what
//! to do about it. This is the one place that chooses which sentence
//! applies; the sentences themselves are in the message files
//! (`src/i18n/*.ftl`), so each can be said in the reader's language. JSON
//! takes them in English ([`Lang::En`]); the byte-level detail stays in
//! each error's message, shown with `--verbose` and in JSON.
//!
//! Advice is chosen from typed facts — the core's error kind, the format,
//! the kind of the underlying I/O error — never by reading message text.

use crate::i18n::Lang;
use photoscrub_core::{Error, Format};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

fn shown(path: &Path) -> String {
    crate::report::one_line(&path.to_string_lossy())
}

/// The first line of the marker file in a folder of cleaned copies.
pub fn marker_explanation(source: &Path) -> String {
    t!("marker-explanation", folder = shown(source))
}

/// What to do about a file that was refused or failed, chosen by
/// [`advice`] and said in a language by [`Advice::text`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Advice {
    Raw,
    Unsupported,
    Damaged,
    Unverified,
    DiskFull,
    ReadOnly,
    NotAllowed,
    Gone,
    NameTaken,
    ChangedWhileRead,
    Io,
    Other,
}

/// Which advice fits a file that was refused or failed.
pub fn advice(error: &Error, format: Option<Format>) -> Advice {
    match error {
        Error::Unsupported(_) if format == Some(Format::Raw) => Advice::Raw,
        Error::Unsupported(_) => Advice::Unsupported,
        Error::Damaged(_) => Advice::Damaged,
        Error::Unverified(_) => Advice::Unverified,
        Error::Io { source, .. } => io_advice(source.as_ref().map(std::io::Error::kind)),
        _ => Advice::Other,
    }
}

fn io_advice(kind: Option<ErrorKind>) -> Advice {
    match kind {
        Some(ErrorKind::StorageFull | ErrorKind::QuotaExceeded) => Advice::DiskFull,
        Some(ErrorKind::ReadOnlyFilesystem) => Advice::ReadOnly,
        Some(ErrorKind::PermissionDenied) => Advice::NotAllowed,
        Some(ErrorKind::NotFound) => Advice::Gone,
        Some(ErrorKind::AlreadyExists) => Advice::NameTaken,
        Some(ErrorKind::UnexpectedEof) => Advice::ChangedWhileRead,
        _ => Advice::Io,
    }
}

impl Advice {
    /// What happened and what to do, in `lang`.
    pub fn text(self, lang: Lang) -> String {
        match self {
            Advice::Raw => t!(in lang; "advice-raw"),
            Advice::Unsupported => t!(in lang; "advice-unsupported"),
            Advice::Damaged => t!(in lang; "advice-damaged"),
            Advice::Unverified => t!(in lang; "advice-unverified"),
            Advice::DiskFull => t!(in lang; "advice-disk-full"),
            Advice::ReadOnly => t!(in lang; "advice-read-only"),
            Advice::NotAllowed => t!(in lang; "advice-not-allowed"),
            Advice::Gone => t!(in lang; "advice-gone"),
            Advice::NameTaken => t!(in lang; "advice-name-taken"),
            Advice::ChangedWhileRead => t!(in lang; "advice-changed-while-read"),
            Advice::Io => t!(in lang; "advice-io"),
            Advice::Other => t!(in lang; "advice-other"),
        }
    }
}

/// Why a file was not processed, in plain words.
pub fn not_a_photo(lang: Lang, kind: Option<Kind>) -> String {
    match kind {
        Some(kind) => t!(in lang; "skip-not-a-photo-kind", kind = kind.text(lang)),
        None => t!(in lang; "skip-not-a-photo"),
    }
}

/// A symlink inside a folder, not followed.
pub fn symlink_not_followed(lang: Lang) -> String {
    t!(in lang; "skip-symlink")
}

/// A file or folder reached a second time in the same run.
pub fn duplicate(lang: Lang, first: &Path) -> String {
    t!(in lang; "skip-duplicate", first = shown(first))
}

/// A folder of cleaned copies photoscrub made, dropped or met while walking.
pub fn cleaned_folder(lang: Lang) -> String {
    t!(in lang; "skip-cleaned-folder")
}

/// A file inside a folder of cleaned copies.
pub fn in_cleaned_folder(lang: Lang, folder: &Path) -> String {
    t!(in lang; "skip-in-cleaned-folder", folder = shown(folder))
}

/// What a file that is not a photo looks like.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Pdf,
    Zip,
    Rar,
    SevenZip,
    Gzip,
    Office,
    Program,
    Mp3,
    Text,
    WebPage,
    Sound,
    OtherPicture,
    OtherVideo,
}

impl Kind {
    /// The kind in `lang`, as "a PDF document".
    pub fn text(self, lang: Lang) -> String {
        match self {
            Kind::Pdf => t!(in lang; "kind-pdf"),
            Kind::Zip => t!(in lang; "kind-zip"),
            Kind::Rar => t!(in lang; "kind-rar"),
            Kind::SevenZip => t!(in lang; "kind-7z"),
            Kind::Gzip => t!(in lang; "kind-gzip"),
            Kind::Office => t!(in lang; "kind-office"),
            Kind::Program => t!(in lang; "kind-program"),
            Kind::Mp3 => t!(in lang; "kind-mp3"),
            Kind::Text => t!(in lang; "kind-text"),
            Kind::WebPage => t!(in lang; "kind-web-page"),
            Kind::Sound => t!(in lang; "kind-sound"),
            Kind::OtherPicture => t!(in lang; "kind-other-picture"),
            Kind::OtherVideo => t!(in lang; "kind-other-video"),
        }
    }
}

/// What a file of unknown content looks like, by its first bytes or,
/// failing that, its name: for "not a photo" reasons.
pub fn kind_of(head: &[u8], path: &Path) -> Option<Kind> {
    const MAGIC: &[(&[u8], Kind)] = &[
        (b"%PDF", Kind::Pdf),
        (b"PK\x03\x04", Kind::Zip),
        (b"PK\x05\x06", Kind::Zip),
        (b"Rar!", Kind::Rar),
        (b"7z\xBC\xAF", Kind::SevenZip),
        (b"\x1F\x8B", Kind::Gzip),
        (b"\xD0\xCF\x11\xE0", Kind::Office),
        (b"MZ", Kind::Program),
        (b"\x7FELF", Kind::Program),
        (b"ID3", Kind::Mp3),
    ];
    if let Some((_, kind)) = MAGIC.iter().find(|(magic, _)| head.starts_with(magic)) {
        return Some(*kind);
    }
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "txt" | "md" | "csv" | "log" => Kind::Text,
        "doc" | "docx" | "odt" | "xls" | "xlsx" | "ppt" | "pptx" => Kind::Office,
        "html" | "htm" => Kind::WebPage,
        "mp3" | "wav" | "m4a" | "aac" | "ogg" | "flac" => Kind::Sound,
        "bmp" | "ico" | "svg" | "psd" => Kind::OtherPicture,
        "avi" | "mkv" | "wmv" | "webm" => Kind::OtherVideo,
        _ => return None,
    })
}

/// Something said before the files: the photos' own folder cannot be
/// written, so the copies go to the Pictures folder instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fallback {
    pub source: PathBuf,
    pub why: Option<ErrorKind>,
    pub folder: PathBuf,
}

impl Fallback {
    /// The note in `lang`.
    pub fn text(&self, lang: Lang) -> String {
        let (source, folder) = (shown(&self.source), shown(&self.folder));
        match self.why {
            Some(ErrorKind::ReadOnlyFilesystem) => {
                t!(in lang; "fallback-locked", source = source, folder = folder)
            }
            Some(ErrorKind::PermissionDenied) => {
                t!(in lang; "fallback-not-yours", source = source, folder = folder)
            }
            Some(ErrorKind::StorageFull | ErrorKind::QuotaExceeded) => {
                t!(in lang; "fallback-full", source = source, folder = folder)
            }
            _ => t!(in lang; "fallback", source = source, folder = folder),
        }
    }
}

/// Said when neither the photos' folder nor the Pictures folder can take
/// the cleaned copies.
pub fn no_fallback(lang: Lang, source: &Path) -> String {
    t!(in lang; "no-fallback", source = shown(source))
}

/// The end of a run: where the cleaned copies are.
pub fn copies_are_in(folders: &[String]) -> String {
    match folders {
        [] => t!("copies-none"),
        [one] => t!("copies-in-one", folder = one.as_str()),
        more => {
            let mut text = t!("copies-in-many");
            for folder in more {
                text.push_str("\n  ");
                text.push_str(folder);
            }
            text
        }
    }
}
