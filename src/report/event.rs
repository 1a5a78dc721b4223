//! The JSON Lines contract: one `file` event per file, then one `summary`,
//! the same for `clean`, `check` and `watch`. Keys and status words are
//! English and stable whatever language the human report is in; `schema`
//! says which version of this contract a line follows (README, "JSON
//! Lines").

use crate::batch::{FailureKind, FileReport, Skip, SkipReason, Status};
use crate::i18n::Lang;
use photoscrub_core::findings::{Category, Finding, Location};
use photoscrub_core::Format;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

/// The version of the JSON Lines contract. Raised when a key changes
/// meaning or goes away; new keys may appear without a raise.
pub const SCHEMA: u32 = 1;

/// One file's outcome.
#[derive(Serialize)]
pub struct FileEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    schema: u32,
    /// The path, with U+FFFD for bytes that are not valid Unicode; then
    /// `path_bytes` has the exact name.
    pub path: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<Vec<u8>>,
    pub format: Option<Format>,
    pub status: Status,
    pub output: Option<Cow<'a, str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_bytes: Option<Vec<u8>>,
    /// Why the file was refused or failed.
    pub error: Option<&'a str>,
    pub error_kind: Option<FailureKind>,
    /// The same in plain words, with what to do (English).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advice: Option<String>,
    pub findings: &'a [Finding],
    /// Findings not listed (past 2,000 in one file), by category.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub omitted: &'a BTreeMap<Category, usize>,
    /// The first valid location (or the first at all).
    pub location: Option<&'a Location>,
    pub locations: &'a [Location],
    /// What was damaged in the file and what was done about it (present
    /// only for a damaged file).
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    pub damage: &'a [String],
    /// `watch` only: `cleaned`, `refused`, `failed` or `skipped`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<&'static str>,
    /// `watch` only: the path relative to the watched folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relative: Option<Cow<'a, str>>,
    /// `watch` only: when a failed read or write is tried again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry_in_seconds: Option<u64>,
}

impl<'a> FileEvent<'a> {
    /// The event for `file`.
    pub fn of(file: &'a FileReport) -> FileEvent<'a> {
        FileEvent {
            kind: "file",
            schema: SCHEMA,
            path: file.path.to_string_lossy(),
            path_bytes: non_unicode_bytes(&file.path),
            format: file.format,
            status: file.status,
            output: file.output.as_deref().map(Path::to_string_lossy),
            output_bytes: file.output.as_deref().and_then(non_unicode_bytes),
            error: file.error.as_ref().map(|e| e.message.as_str()),
            error_kind: file.error.as_ref().map(|e| e.kind),
            advice: file.error.as_ref().map(|e| e.advice.text(Lang::En)),
            findings: &file.scan.findings,
            omitted: &file.scan.omitted,
            location: super::main_location(file),
            locations: &file.scan.locations,
            damage: &file.scan.damage,
            event: None,
            relative: None,
            retry_in_seconds: None,
        }
    }

    /// The line of JSON Lines.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("a file event is plain data")
    }
}

/// A path that was not processed (`clean` and `check`; `watch` reports
/// such files as `file` events with the status `skipped`).
#[derive(Serialize)]
pub struct SkipEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    schema: u32,
    pub path: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_bytes: Option<Vec<u8>>,
    /// Why, as a word: `not-a-photo`, `symlink`, `duplicate`,
    /// `cleaned-folder` or `in-cleaned-folder`.
    pub reason: &'static str,
    /// Why, in plain words (English).
    pub message: String,
    /// `duplicate`: the path met first; `in-cleaned-folder`: the folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub same_as: Option<Cow<'a, str>>,
}

impl<'a> SkipEvent<'a> {
    pub fn of(skip: &'a Skip) -> SkipEvent<'a> {
        let other = match &skip.reason {
            SkipReason::Duplicate(first) => Some(first.to_string_lossy()),
            SkipReason::InCleanedFolder(folder) => Some(folder.to_string_lossy()),
            _ => None,
        };
        SkipEvent {
            kind: "skipped",
            schema: SCHEMA,
            path: skip.path.to_string_lossy(),
            path_bytes: non_unicode_bytes(&skip.path),
            reason: skip.reason.word(),
            message: skip.reason.describe(Lang::En),
            same_as: other,
        }
    }

    /// The line of JSON Lines.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("a skip event is plain data")
    }
}

/// Something said about the files that follow: where their copies go
/// when the photos' own folder cannot be written.
#[derive(Serialize)]
pub struct NoteEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    schema: u32,
    pub message: &'a str,
}

impl<'a> NoteEvent<'a> {
    pub fn of(message: &'a str) -> NoteEvent<'a> {
        NoteEvent {
            kind: "note",
            schema: SCHEMA,
            message,
        }
    }

    /// The line of JSON Lines.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("a note is plain data")
    }
}

/// One place in the summary.
#[derive(Serialize)]
pub struct PlaceEvent<'a> {
    pub lat: f64,
    pub lon: f64,
    pub place: &'a str,
    pub osm: &'a str,
    pub photos: usize,
    pub days: &'a [String],
    pub files: &'a [String],
    pub repeated: bool,
}

/// The first and last day photos were taken.
#[derive(Serialize)]
pub struct Dates<'a> {
    pub first: &'a str,
    pub last: &'a str,
}

/// The closing line of a run.
#[derive(Serialize)]
pub struct SummaryEvent<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    schema: u32,
    pub files: usize,
    pub cleaned: usize,
    pub already_clean: usize,
    pub leaks: usize,
    pub refused: usize,
    pub failed: usize,
    pub skipped: usize,
    /// The folders that received cleaned copies.
    pub output_folders: &'a [String],
    pub with_location: usize,
    pub invalid_locations: usize,
    pub repeated_places: Vec<PlaceEvent<'a>>,
    pub locations: Vec<PlaceEvent<'a>>,
    pub names: &'a [String],
    pub serials: &'a [String],
    pub dates: Option<Dates<'a>>,
    pub previews: usize,
    pub found: &'a BTreeMap<String, usize>,
    pub removed: &'a BTreeMap<String, usize>,
    pub kept: &'a BTreeMap<String, usize>,
    /// `watch` only: always `summary`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<&'static str>,
}

impl<'a> SummaryEvent<'a> {
    /// The summary event of a finished run.
    pub fn of(s: &'a super::Summary) -> SummaryEvent<'a> {
        let place = |p: &'a super::Place| PlaceEvent {
            lat: p.lat,
            lon: p.lon,
            place: &p.name_en,
            osm: &p.link,
            photos: p.files.len(),
            days: &p.days,
            files: &p.files,
            repeated: p.repeated,
        };
        SummaryEvent {
            kind: "summary",
            schema: SCHEMA,
            files: s.files,
            cleaned: s.count(Status::Cleaned),
            already_clean: s.count(Status::AlreadyClean),
            leaks: s.count(Status::Leaks),
            refused: s.count(Status::Refused),
            failed: s.count(Status::Failed),
            skipped: s.skipped,
            output_folders: &s.output_folders,
            with_location: s.with_location,
            invalid_locations: s.invalid_locations,
            repeated_places: s.places.iter().filter(|p| p.repeated).map(place).collect(),
            locations: s.places.iter().map(place).collect(),
            names: &s.names,
            serials: &s.serials,
            dates: s.dates.as_ref().map(|(first, last)| Dates { first, last }),
            previews: s.previews,
            found: &s.found,
            removed: &s.removed,
            kept: &s.kept,
            event: None,
        }
    }

    /// The line of JSON Lines.
    pub fn to_line(&self) -> String {
        serde_json::to_string(self).expect("a summary event is plain data")
    }
}

/// The exact bytes of a path that is not valid Unicode.
pub(crate) fn non_unicode_bytes(path: &Path) -> Option<Vec<u8>> {
    path.to_str()
        .is_none()
        .then(|| super::exact_bytes(path.as_os_str()))
}
