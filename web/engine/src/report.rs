//! What one file would have told a stranger, as JSON for the page: the
//! same findings, locations and place names as the command line's report.

use photoscrub_core::mapdata::MapData;
use photoscrub_core::places::Places;
use photoscrub_core::{geo, Scan};
use serde::Serialize;

/// One cleaned and verified file.
#[derive(Clone, Debug, Serialize)]
pub struct FileReport {
    /// `JPEG`, `HEIF`, `MP4/MOV`, …
    pub format: String,
    /// `cleaned`, or `already clean` (the cleaned file is the input).
    pub status: &'static str,
    /// The cleaned file's length.
    pub size: u64,
    /// The cleaned file's CRC-32, for the ZIP: a photo's from the engine;
    /// a video's (`None` here) the page computes by streaming its pieces.
    pub crc32: Option<u32>,
    /// The day it was taken (`YYYY-MM-DD`), for places returned to.
    pub day: Option<String>,
    /// It has a real location but no place table is loaded yet: the page
    /// loads one and asks again.
    pub needs_places: bool,
    /// Everything found; `removed` says what the cleaned file no longer has.
    pub scan: Scan,
}

impl FileReport {
    /// Names the place of every real location when a table is loaded.
    pub fn with_places(mut self, places: Option<&Places>, map: Option<&MapData>) -> FileReport {
        let real = |l: &photoscrub_core::Location| l.invalid.is_none();
        self.needs_places = places.is_none() && self.scan.locations.iter().any(real);
        if let Some(places) = places {
            for loc in self.scan.locations.iter_mut().filter(|l| real(l)) {
                loc.place = geo::nearest_in(places, map, loc.lat, loc.lon).map(|n| n.describe());
            }
        }
        self
    }
}

/// Why a file was not offered, in plain words.
#[derive(Clone, Debug, Serialize)]
pub struct Refusal {
    /// `refused` (a format or part photoscrub does not clean), `failed`
    /// (damaged or unreadable) or `unverified` (the cleaned file did not
    /// pass verification).
    pub status: &'static str,
    pub error: String,
}

impl From<photoscrub_core::Error> for Refusal {
    fn from(e: photoscrub_core::Error) -> Refusal {
        use photoscrub_core::Error;
        let status = match e {
            Error::Unsupported(_) => "refused",
            Error::Unverified(_) => "unverified",
            _ => "failed",
        };
        Refusal {
            status,
            error: e.to_string(),
        }
    }
}
