//! The formats photoscrub recognises: a plain type every module may use
//! (it depends on nothing, so the sniffer and the containers never import
//! each other through it).

use serde::Serialize;
use std::fmt;

/// A file format photoscrub recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Jpeg,
    Png,
    Webp,
    Gif,
    /// HEIC/HEIF still images (ISOBMFF).
    Heif,
    Avif,
    Jxl,
    Tiff,
    /// Camera raw files (DNG, CR2, CR3, NEF, ARW, RAF, RW2, ORF).
    Raw,
    /// MP4, MOV, 3GP videos (ISOBMFF / QuickTime).
    Video,
}

impl Format {
    /// The short name used in reports and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "jpeg",
            Format::Png => "png",
            Format::Webp => "webp",
            Format::Gif => "gif",
            Format::Heif => "heif",
            Format::Avif => "avif",
            Format::Jxl => "jxl",
            Format::Tiff => "tiff",
            Format::Raw => "raw",
            Format::Video => "video",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
