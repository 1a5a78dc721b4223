//! MP4, MOV and 3GP videos (ISO/IEC 14496-12, the QuickTime file format,
//! 3GPP TS 26.244): cleaned by patching a copy, without moving a byte, in
//! memory that does not grow with the file.
//!
//! A video is a sequence of top-level boxes: `ftyp`, one `moov` holding the
//! description of every track, one or more `mdat` holding the coded samples
//! (gigabytes of them), and sometimes `free` space, `uuid` boxes (XMP) or
//! vendor boxes. Only the headers of the top-level boxes and the `moov` box
//! are read into memory (capped at [`MAX_MOOV`]); `mdat` is never read
//! whole — only the samples of timed metadata tracks, and the bytes of
//! `mdat` that no track uses.
//!
//! Metadata lives in `udta` boxes (QuickTime `©xyz`, `©mak`…, 3GPP `loci`,
//! `titl`…, GoPro `GPMF`), in `meta` boxes (Apple `keys` + `ilst`, iTunes
//! `ilst`), in XMP `uuid`/`XMP_` boxes, in the creation and modification
//! times of `mvhd`/`tkhd`/`mdhd`, in handler and compressor names, and in
//! timed metadata tracks (GoPro `gpmd` GPS, Apple `mebx` location, Google
//! `camm`, GoPro `fdsc`).
//!
//! Every removal keeps every offset: a box is renamed `free` and its payload
//! zeroed, a field is zeroed in place, and a metadata track's samples are
//! zeroed in `mdat` and its `trak` freed. Video and audio samples are never
//! touched: every patch is checked against their byte ranges, computed from
//! the sample tables (`stsc`, `stsz`/`stz2`, `stco`/`co64`). Tables that
//! disagree, samples outside the media data, metadata sharing bytes with
//! media, tracks of an unknown kind, fragmented files: refused.

use super::isobmff::{self, BoxHeader, Reader};
use crate::findings::{Category, Finding, Location, Scan};
use crate::format::Format;
use crate::geo;
use crate::metadata::xmp;
use crate::plan::{Inspection, Patch, Pieces, Plan};
use crate::policy::Policy;
use crate::source::Source;
use crate::Error;
use std::collections::HashSet;
use std::ops::Range;

/// The largest `moov` box (or other metadata box) read into memory.
pub const MAX_MOOV: u64 = 256 << 20;
/// At most this many findings are listed; the rest are counted.
const MAX_FINDINGS: usize = 2000;
/// At most this many locations are listed.
const MAX_LOCATIONS: usize = 64;
/// At most this many chunks (of all tracks) are tracked.
const MAX_CHUNKS: usize = 4 << 20;
/// At most this many sample bytes of one metadata track are read for the report.
const MAX_TRACK_READ: u64 = 64 << 20;
/// At most this many samples of one metadata track are visited for the report.
const MAX_SAMPLES_VISITED: u64 = 1 << 24;
/// Samples larger than this are not read for the report.
const MAX_SAMPLE_READ: u64 = 4 << 20;
/// The buffer for checking free space and unused media data.
const BUFFER: u64 = 1 << 20;

/// The XMP box's extended type (a `uuid` box).
const XMP_UUID: [u8; 16] = [
    0xbe, 0x7a, 0xcf, 0xcb, 0x97, 0xa9, 0x42, 0xe8, 0x9c, 0x71, 0x99, 0x94, 0x91, 0xe3, 0xaf, 0xac,
];

/// Seconds from 1904-01-01 (QuickTime's epoch) to 1970-01-01.
const QT_EPOCH_OFFSET: i64 = 2_082_844_800;

/// Track handlers whose samples are pictures, sound or text shown to the
/// viewer: kept as they are.
const MEDIA_HANDLERS: &[&[u8; 4]] = &[
    b"vide", b"soun", b"hint", b"subp", b"sdsm", b"odsm", b"auxv", b"pict",
];

/// Track handlers and sample entries of text shown to the viewer
/// (subtitles, captions, chapter titles): scanned, and blanked.
const TEXT_HANDLERS: &[&[u8; 4]] = &[b"text", b"sbtl", b"subt", b"clcp", b"wtxt"];
const TEXT_FORMATS: &[&[u8; 4]] = &[b"tx3g", b"wvtt", b"c608", b"c708", b"stpp", b"text"];

/// Sample entries of timed metadata, whatever the handler says.
const METADATA_FORMATS: &[&[u8; 4]] = &[
    b"gpmd", b"fdsc", b"camm", b"mebx", b"mett", b"metx", b"urim", b"rtmd", b"djmd", b"dbgi",
];

/// Children of `trak` that describe how to play the track: kept.
const TRACK_STRUCTURE: &[&[u8; 4]] = &[
    b"tkhd", b"tref", b"edts", b"mdia", b"tapt", b"load", b"imap", b"matt", b"clip", b"kmat",
    b"txas", b"trgr", b"ttyp", b"meco",
];

/// Apple timed-metadata keys that say nothing about the family: a track
/// holding only these is kept (Live Photo timing).
const HARMLESS_TIMED_KEYS: &[&str] = &[
    "com.apple.quicktime.live-photo-info",
    "com.apple.quicktime.still-image-time",
    "com.apple.quicktime.live-photo.vitality-score",
    "com.apple.quicktime.live-photo.vitality-scoring-version",
];

/// Metadata keys that change how the video plays: kept.
const RENDERING_KEYS: &[&str] = &[
    "com.android.capture.fps",
    "com.apple.quicktime.full-frame-rate-playback-intent",
];

/// 3GPP user-data boxes: a full box, a language, a string.
const THREE_GPP: &[&[u8; 4]] = &[
    b"titl", b"dscp", b"cprt", b"perf", b"auth", b"gnre", b"rtng", b"clsf", b"kywd", b"albm",
    b"yrrc",
];

fn unsupported(what: impl Into<String>) -> Error {
    Error::Unsupported(what.into())
}

fn read_failed(at: u64) -> impl Fn(std::io::Error) -> Error {
    move |e| isobmff::read_error(at, e)
}

// ---------------------------------------------------------------------------
// Model

/// One piece of metadata: what it says, and the patches that remove it.
#[derive(Clone, Debug, Default)]
struct Block {
    findings: Vec<Finding>,
    locations: Vec<Location>,
    /// The block goes when the policy removes any of these.
    categories: Vec<Category>,
    /// Unknown data and leftover bytes go whatever the policy says.
    always: bool,
    /// What removes it (applied when it goes).
    patches: Vec<Patch>,
    /// The input bytes written to the output when it stays (everything
    /// not kept by someone is zero in the output).
    keep: Vec<Range<u64>>,
}

impl Block {
    fn one(category: Category, block: &str, tag: &str, value: impl Into<String>) -> Block {
        let mut b = Block::default();
        b.add(category, block, tag, value);
        b
    }

    /// Data photoscrub does not know: reported as device data, always removed.
    fn unknown(block: &str, tag: &str, value: impl Into<String>) -> Block {
        let mut b = Block::one(Category::Device, block, tag, value);
        b.always = true;
        b
    }

    fn add(&mut self, category: Category, block: &str, tag: &str, value: impl Into<String>) {
        self.findings
            .push(Finding::new(category, block, tag, value));
        self.also(category);
    }

    /// Makes the block go with `category` too.
    fn also(&mut self, category: Category) {
        if !self.categories.contains(&category) {
            self.categories.push(category);
        }
    }

    fn patched(mut self, patches: Vec<Patch>) -> Block {
        self.patches.extend(patches);
        self
    }

    /// Keeps `range` of the input when the block stays.
    fn keeping(mut self, range: Range<u64>) -> Block {
        self.keep.push(range);
        self
    }

    fn goes(&self, policy: &Policy) -> bool {
        self.always || self.categories.iter().any(|&c| policy.removes(c))
    }
}

/// A `meta` box with items: each item goes on its own, and the whole box
/// goes when all of them do.
#[derive(Clone, Debug)]
struct MetaBox {
    free: Vec<Patch>,
    /// Its structure (headers, handler type, key headers), kept while any
    /// item stays.
    structure: Vec<Range<u64>>,
    items: Vec<Block>,
}

#[derive(Clone, Debug)]
enum Entry {
    Block(Block),
    Meta(MetaBox),
}

/// The chunks of one video, audio or text track, to compare a cleaned copy
/// with its original.
#[derive(Clone, Debug)]
struct MediaTrack {
    /// An open-ended chunk (see [`Track`]) runs to the next chunk.
    chunks: Vec<Range<u64>>,
}

/// A parsed video: what it says, where its media samples are, and how each
/// piece of metadata is removed.
#[derive(Clone, Debug)]
pub struct Video {
    len: u64,
    /// The length of the output (that of the input: a trailer after the
    /// last box is written as zeros).
    end: u64,
    entries: Vec<Entry>,
    media: Vec<MediaTrack>,
    /// The media tracks' bytes, sorted and merged: no patch may touch them.
    protected: Vec<Range<u64>>,
    /// Input bytes the output keeps whatever the policy (structure rebuilt
    /// from validated fields: box headers, table entries, codec fields).
    kept: Vec<Range<u64>>,
    /// Changes made whatever the policy (a data reference made local).
    always: Vec<Patch>,
    /// The `moov` box, read once: what the output keeps of it is copied
    /// from here.
    moov: Range<u64>,
    moov_buf: Vec<u8>,
}

/// How many samples of which size.
#[derive(Clone, Debug)]
enum Sizes {
    Fixed(u32),
    List(Vec<u32>),
}

impl Sizes {
    fn get(&self, i: u64) -> Option<u64> {
        match self {
            Sizes::Fixed(s) => Some(u64::from(*s)),
            Sizes::List(l) => l.get(usize::try_from(i).ok()?).map(|&s| u64::from(s)),
        }
    }
}

/// One chunk: consecutive samples of one track.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Chunk {
    range: Range<u64>,
    first_sample: u64,
    samples: u64,
}

/// What the parser keeps of a track once `moov` is gone.
#[derive(Clone, Debug)]
struct Track {
    number: usize,
    id: u32,
    /// The `trak` box, in file offsets.
    trak: BoxHeader,
    handler: [u8; 4],
    /// The first sample entry's type (`avc1`, `mp4a`, `gpmd`, …).
    format: [u8; 4],
    /// The samples are in another file.
    external: bool,
    /// The chunk sizes are not known exactly (QuickTime sound with a
    /// constant sample size whose sound description does not say how many
    /// bytes a sample takes): each chunk runs to the next chunk of any track.
    open_ended: bool,
    chunks: Vec<Chunk>,
    /// Sample sizes, kept for metadata tracks only.
    sizes: Option<Sizes>,
    /// Apple `mebx` keys: local id and name.
    keys: Vec<(u32, String)>,
    /// `tmcd`: frames per second.
    frames: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Media,
    Timecode,
    Metadata,
    Text,
}

impl Track {
    fn name(&self) -> String {
        isobmff::kind_name(self.format)
    }

    fn role(&self) -> Result<Role, Error> {
        if METADATA_FORMATS.contains(&&self.format) {
            return Ok(Role::Metadata);
        }
        if TEXT_FORMATS.contains(&&self.format) {
            return Ok(Role::Text);
        }
        match &self.handler {
            h if TEXT_HANDLERS.contains(&h) => Ok(Role::Text),
            b"meta" | b"camm" => Ok(Role::Metadata),
            b"tmcd" => Ok(Role::Timecode),
            h if MEDIA_HANDLERS.contains(&h) => Ok(Role::Media),
            h => Err(unsupported(format!(
                "track {} is of a kind photoscrub does not know (handler '{}'): refusing rather than guessing what it holds",
                self.number,
                isobmff::kind_name(*h)
            ))),
        }
    }
}

mod items;
mod output;
mod parse;
mod structure;
mod tables;
mod text;
mod timed;

use items::*;
use parse::*;
use tables::*;
use timed::*;

// ---------------------------------------------------------------------------
// Helpers

fn is_zero(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b == 0)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Text for the report: UTF-16 (with a byte-order mark) or UTF-8; binary
/// data is shown as its length.
fn text(bytes: &[u8]) -> String {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let bytes = &bytes[..end];
    if bytes.is_empty() {
        return String::new();
    }
    let units = |le: bool| -> String {
        let u: Vec<u16> = bytes[2..]
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        String::from_utf16_lossy(&u)
    };
    let s = match bytes {
        [0xFE, 0xFF, ..] => units(false),
        [0xFF, 0xFE, ..] => units(true),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    };
    let s = s.trim_matches(|c: char| c == '\0' || c.is_whitespace());
    let chars = s.chars().count();
    let bad = s
        .chars()
        .filter(|&c| (c.is_control() && c != '\n' && c != '\t') || c == '\u{FFFD}')
        .count();
    if chars == 0 || bad * 5 > chars {
        format!("{} bytes", end)
    } else {
        s.to_string()
    }
}

/// Seconds since 1904-01-01 UTC as `YYYY:MM:DD HH:MM:SS`.
fn qt_date(secs: u64) -> String {
    let Ok(secs) = i64::try_from(secs) else {
        return secs.to_string();
    };
    if secs > 1 << 40 {
        return secs.to_string();
    }
    let unix = secs - QT_EPOCH_OFFSET;
    let (days, rem) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}:{m:02}:{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The proleptic Gregorian date of a day count from 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Sorts and merges ranges; empty ones are dropped.
fn merge(mut ranges: Vec<Range<u64>>) -> Vec<Range<u64>> {
    ranges.retain(|r| !r.is_empty());
    ranges.sort_unstable_by_key(|r| r.start);
    let mut out: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// Whether `r` shares a byte with any of the sorted, merged `ranges`.
fn overlaps(ranges: &[Range<u64>], r: &Range<u64>) -> bool {
    let i = ranges.partition_point(|x| x.end <= r.start);
    !r.is_empty() && ranges.get(i).is_some_and(|x| x.start < r.end)
}

/// Zeroed ranges merged and applied first; writes inside a zeroed range
/// (a child of a freed box) dropped.
fn normalize(patches: Vec<Patch>) -> Vec<Patch> {
    let zeros = merge(
        patches
            .iter()
            .filter(|p| matches!(p, Patch::Zero { .. }))
            .map(Patch::range)
            .collect(),
    );
    let inside = |r: &Range<u64>| {
        let i = zeros.partition_point(|z| z.start <= r.start);
        i > 0 && zeros[i - 1].end >= r.end
    };
    let mut writes: Vec<Patch> = patches
        .into_iter()
        .filter(|p| matches!(p, Patch::Bytes { .. }) && !inside(&p.range()))
        .collect();
    writes.sort_by_key(|p| p.range().start);
    writes.dedup();
    let mut out: Vec<Patch> = zeros
        .iter()
        .map(|z| Patch::Zero {
            at: z.start,
            len: z.end - z.start,
        })
        .collect();
    out.extend(writes);
    out
}

// ---------------------------------------------------------------------------
// The container API

/// Everything a video would tell a stranger.
pub fn scan<R: Source + ?Sized>(src: &R) -> Result<Scan, Error> {
    Ok(Video::parse(src)?.scan())
}

/// What a video says and where its samples are, from one parse.
pub fn inspect<R: Source + ?Sized>(src: &R) -> Result<Inspection, Error> {
    Ok(Video::parse(src)?.inspection())
}

/// How to clean a video under `policy`: a copy with its metadata patched
/// in place, so no sample moves.
pub fn plan<R: Source + ?Sized>(src: &R, policy: &Policy) -> Result<Plan, Error> {
    let video = Video::parse(src)?;
    Ok(Plan {
        output: video.output(src, policy)?,
        input_len: video.len,
        input: video.inspection(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quicktime_dates() {
        assert_eq!(qt_date(3_700_896_240), "2021:04:10 10:44:00");
        assert_eq!(qt_date(QT_EPOCH_OFFSET as u64), "1970:01:01 00:00:00");
        assert_eq!(qt_date(0), "1904:01:01 00:00:00");
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }

    #[test]
    fn ranges_merge_and_overlap() {
        let m = merge(vec![5..8, 0..2, 1..3, 8..9, 4..4]);
        assert_eq!(m, vec![0..3, 5..9]);
        assert!(overlaps(&m, &(2..4)));
        assert!(!overlaps(&m, &(3..5)));
        assert!(overlaps(&m, &(8..20)));
        assert!(!overlaps(&m, &(9..20)));
        assert!(!overlaps(&m, &(6..6)));
    }

    #[test]
    fn writes_inside_zeroed_boxes_are_dropped() {
        let patches = vec![
            Patch::Bytes {
                at: 4,
                bytes: b"free".to_vec(),
            },
            Patch::Zero { at: 8, len: 100 },
            Patch::Bytes {
                at: 20,
                bytes: b"free".to_vec(),
            },
            Patch::Zero { at: 24, len: 10 },
        ];
        let n = normalize(patches);
        assert_eq!(
            n,
            vec![
                Patch::Zero { at: 8, len: 100 },
                Patch::Bytes {
                    at: 4,
                    bytes: b"free".to_vec()
                }
            ]
        );
    }

    #[test]
    fn loci_is_decoded() {
        let mut body = vec![0, 0, 0, 0, 0x15, 0xC7];
        body.extend_from_slice(b"Home\0");
        body.push(0);
        body.extend_from_slice(&((4.8952f64 * 65536.0) as i32).to_be_bytes());
        body.extend_from_slice(&((-52.3702f64 * 65536.0) as i32).to_be_bytes());
        body.extend_from_slice(&(12i32 << 16).to_be_bytes());
        body.extend_from_slice(b"earth\0note\0");
        let l = parse_loci(&body).unwrap();
        assert_eq!(l.name, "Home");
        assert!((l.lon - 4.8952).abs() < 1e-4 && (l.lat + 52.3702).abs() < 1e-4);
        assert_eq!(l.alt, 12.0);
        assert_eq!(l.notes, "note");
        for n in 0..body.len() {
            let _ = parse_loci(&body[..n]);
        }
    }

    #[test]
    fn text_values() {
        assert_eq!(text(b"Apple\0\0"), "Apple");
        assert_eq!(text(&[0xFE, 0xFF, 0, b'H', 0, b'i']), "Hi");
        assert_eq!(text(&[1, 2, 3, 200, 201]), "5 bytes");
        assert_eq!(text(&[0, 0]), "");
        assert_eq!(qt_text(b"\0\x05\x15\xc7Hello"), "Hello");
    }

    #[test]
    fn gpmf_gps_is_found() {
        fn klv(key: &[u8; 4], kind: u8, size: u8, repeat: u16, data: &[u8]) -> Vec<u8> {
            let mut v = key.to_vec();
            v.push(kind);
            v.push(size);
            v.extend_from_slice(&repeat.to_be_bytes());
            v.extend_from_slice(data);
            while v.len() % 4 != 0 {
                v.push(0);
            }
            v
        }
        let mut strm = klv(
            b"SCAL",
            b'l',
            4,
            2,
            &[0, 0x98, 0x96, 0x80, 0, 0x98, 0x96, 0x80],
        );
        strm.extend(klv(b"GPSU", b'U', 16, 1, b"190322133045.123"));
        let fix = |lat: f64, lon: f64| {
            let mut d = ((lat * 1e7) as i32).to_be_bytes().to_vec();
            d.extend_from_slice(&((lon * 1e7) as i32).to_be_bytes());
            d.extend_from_slice(&[0; 12]);
            d
        };
        let mut fixes = fix(52.3702, 4.8952);
        fixes.extend(fix(52.3703, 4.8953));
        strm.extend(klv(b"GPS5", b'l', 20, 2, &fixes));
        let devc = klv(b"DEVC", 0, 1, 0, &[]);
        let mut data = devc;
        data.extend(klv(b"STRM", 0, 4, (strm.len() / 4) as u16, &strm));
        data.extend(klv(b"CASN", b'c', 8, 1, b"C1234567"));
        let mut g = Gpmf::default();
        gpmf(&data, 0, &mut g);
        assert_eq!(g.fixes, 2);
        let (lat, lon, _) = g.first_fix.unwrap();
        assert!((lat - 52.3702).abs() < 1e-6 && (lon - 4.8952).abs() < 1e-6);
        assert_eq!(g.first_time.as_deref(), Some("2019:03:22 13:30:45"));
        assert_eq!(
            g.strings,
            vec![("CameraSerialNumber", "C1234567".to_string())]
        );
        for n in 0..data.len() {
            gpmf(&data[..n], 0, &mut Gpmf::default());
        }
    }

    #[test]
    fn quicktime_sound_sizes() {
        let mut v2 = vec![0u8; 64];
        v2[8..10].copy_from_slice(&2u16.to_be_bytes());
        v2[56..60].copy_from_slice(&6u32.to_be_bytes());
        v2[60..64].copy_from_slice(&1u32.to_be_bytes());
        assert_eq!(sound_bytes(b"lpcm", &v2), Some((6, 1)));
        let mut v1 = vec![0u8; 44];
        v1[8..10].copy_from_slice(&1u16.to_be_bytes());
        v1[28..32].copy_from_slice(&64u32.to_be_bytes());
        v1[36..40].copy_from_slice(&68u32.to_be_bytes());
        assert_eq!(sound_bytes(b"ima4", &v1), Some((68, 64)));
        let mut v0 = vec![0u8; 28];
        v0[16..18].copy_from_slice(&2u16.to_be_bytes());
        v0[18..20].copy_from_slice(&16u16.to_be_bytes());
        assert_eq!(sound_bytes(b"sowt", &v0), Some((4, 1)));
        assert_eq!(sound_bytes(b"mp4a", &v0), None);
        assert_eq!(sound_bytes(b"sowt", &v0[..10]), None);
    }

    #[test]
    fn key_categories() {
        use Category::*;
        let c = |n| key_category(n).0;
        assert_eq!(c("com.apple.quicktime.location.ISO6709"), Location);
        assert_eq!(c("com.apple.quicktime.make"), Device);
        assert_eq!(c("com.apple.quicktime.creationdate"), Time);
        assert_eq!(c("com.apple.quicktime.author"), People);
        assert_eq!(c("com.apple.quicktime.detected-face"), People);
        assert_eq!(c("com.apple.quicktime.content.identifier"), Device);
        assert_eq!(c("com.apple.quicktime.title"), Text);
        assert_eq!(c("com.android.capture.fps"), Rendering);
        assert!(!key_category("com.example.whatever").1);
    }
}
