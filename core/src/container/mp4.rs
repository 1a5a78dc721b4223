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
use crate::geo;
use crate::metadata::xmp;
use crate::plan::{Inspection, Patch, Pieces, Plan};
use crate::policy::Policy;
use crate::sniff::Format;
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
    b"vide", b"soun", b"hint", b"text", b"sbtl", b"subt", b"clcp", b"subp", b"sdsm", b"odsm",
    b"auxv", b"pict", b"wtxt",
];

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
    patches: Vec<Patch>,
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

    fn goes(&self, policy: &Policy) -> bool {
        self.always || self.categories.iter().any(|&c| policy.removes(c))
    }
}

/// A `meta` box with items: each item goes on its own, and the whole box
/// goes when all of them do.
#[derive(Clone, Debug)]
struct MetaBox {
    free: Vec<Patch>,
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
    chunks: Vec<Range<u64>>,
    /// The chunk ends are an upper bound, not exact (see [`Track`]).
    open_ended: bool,
}

/// A parsed video: what it says, where its media samples are, and how each
/// piece of metadata is removed.
#[derive(Clone, Debug)]
pub struct Video {
    len: u64,
    entries: Vec<Entry>,
    media: Vec<MediaTrack>,
    /// The media tracks' bytes, sorted and merged: no patch may touch them.
    protected: Vec<Range<u64>>,
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
}

impl Track {
    fn name(&self) -> String {
        isobmff::kind_name(self.format)
    }

    fn role(&self) -> Result<Role, Error> {
        if METADATA_FORMATS.contains(&&self.format) {
            return Ok(Role::Metadata);
        }
        match &self.handler {
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

// ---------------------------------------------------------------------------
// Parsing

struct Parser<'s, R: ?Sized> {
    src: &'s R,
    len: u64,
    /// The payloads of the `mdat` boxes.
    mdats: Vec<Range<u64>>,
    entries: Vec<Entry>,
    tracks: Vec<Track>,
    chunk_budget: usize,
}

impl Video {
    /// Reads the structure and metadata of a video from `src`: the box
    /// headers, `moov`, small metadata boxes, the samples of metadata
    /// tracks and the bytes of `mdat` no track uses.
    pub fn parse<R: Source + ?Sized>(src: &R) -> Result<Video, Error> {
        let (tops, trailer) = top_level(src)?;
        if tops.iter().any(|t| t.is(b"moof")) {
            return Err(unsupported(
                "fragmented videos (with 'moof' boxes) are not supported",
            ));
        }
        let mut moovs = tops.iter().filter(|t| t.is(b"moov"));
        let moov = *moovs.next().ok_or_else(|| {
            Error::damaged("there is no movie box ('moov'): the video is incomplete or not a video")
        })?;
        if moovs.next().is_some() {
            return Err(unsupported(
                "a video with two movie boxes ('moov') is not supported",
            ));
        }
        let mut p = Parser {
            src,
            len: src.size(),
            mdats: tops
                .iter()
                .filter(|t| t.is(b"mdat"))
                .map(BoxHeader::body_span)
                .collect(),
            entries: Vec::new(),
            tracks: Vec::new(),
            chunk_budget: MAX_CHUNKS,
        };
        for top in &tops {
            p.top(top)?;
        }
        if let Some(t) = trailer {
            if p.has_data(t.clone())? {
                let value = format!("{} bytes after the last box", t.end - t.start);
                let patch = Patch::Zero {
                    at: t.start,
                    len: t.end - t.start,
                };
                p.push(Block::unknown("QuickTime", "TrailerData", value).patched(vec![patch]));
            }
        }
        let buf = isobmff::read_whole(src, &moov, MAX_MOOV)?;
        p.moov(&buf, moov.start)?;
        drop(buf);
        p.finish()
    }

    /// The length of the file it was read from.
    pub fn size(&self) -> u64 {
        self.len
    }

    /// Everything the video would tell a stranger (each finding once; at
    /// most [`MAX_FINDINGS`], the rest counted by category).
    pub fn scan(&self) -> Scan {
        let mut scan = Scan::default();
        let mut seen = HashSet::new();
        let mut more: Vec<(Category, usize)> = Vec::new();
        for b in self.blocks() {
            for f in &b.findings {
                let key = (f.category, f.block.clone(), f.tag.clone(), f.value.clone());
                if !seen.insert(key) {
                    continue;
                }
                if scan.findings.len() < MAX_FINDINGS {
                    scan.push(f.clone());
                } else if let Some(m) = more.iter_mut().find(|(c, _)| *c == f.category) {
                    m.1 += 1;
                } else {
                    more.push((f.category, 1));
                }
            }
            for l in &b.locations {
                if scan.locations.len() < MAX_LOCATIONS && !scan.locations.contains(l) {
                    scan.locations.push(l.clone());
                }
            }
        }
        for (category, n) in more {
            scan.push(Finding::new(
                category,
                "QuickTime",
                "MoreFindings",
                format!("{n} more"),
            ));
        }
        scan
    }

    fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.entries.iter().flat_map(|e| match e {
            Entry::Block(b) => std::slice::from_ref(b).iter(),
            Entry::Meta(m) => m.items.iter(),
        })
    }

    /// The patches that clean the video under `policy`, in the order to
    /// apply them; none touches a media sample.
    pub fn patches(&self, policy: &Policy) -> Result<Vec<Patch>, Error> {
        let mut patches = Vec::new();
        for e in &self.entries {
            match e {
                Entry::Block(b) if b.goes(policy) => patches.extend(b.patches.iter().cloned()),
                Entry::Block(_) => {}
                Entry::Meta(m) => {
                    if !m.items.is_empty() && m.items.iter().all(|i| i.goes(policy)) {
                        patches.extend(m.free.iter().cloned());
                    } else {
                        for i in m.items.iter().filter(|i| i.goes(policy)) {
                            patches.extend(i.patches.iter().cloned());
                        }
                    }
                }
            }
        }
        let patches = normalize(patches);
        for p in &patches {
            let r = p.range();
            if r.end > self.len {
                return Err(Error::damaged(format!(
                    "a change at byte {} would run past the end of the file",
                    r.start
                )));
            }
            if overlaps(&self.protected, &r) {
                return Err(unsupported(format!(
                    "metadata at bytes {}..{} shares bytes with the video or audio data: it cannot be removed safely",
                    r.start, r.end
                )));
            }
        }
        Ok(patches)
    }

    /// The bytes of every video, audio and text sample, in pieces.
    /// What the video says, and its samples in order (an open-ended
    /// chunk, whose end is not known exactly, by its start only).
    fn inspection(&self) -> Inspection {
        let media = self
            .media
            .iter()
            .flat_map(|t| t.chunks.iter().map(move |r| (r, t.open_ended)))
            .map(|(r, open)| r.start..if open { r.start } else { r.end })
            .collect();
        Inspection {
            format: Format::Video,
            scan: self.scan(),
            media,
        }
    }
}

impl<R: Source + ?Sized> Parser<'_, R> {
    fn push(&mut self, block: Block) {
        self.entries.push(Entry::Block(block));
    }

    /// Whether any byte in `range` is not zero (read in bounded pieces).
    fn has_data(&self, range: Range<u64>) -> Result<bool, Error> {
        let mut buf = vec![0u8; (range.end - range.start).min(BUFFER) as usize];
        let mut at = range.start;
        while at < range.end {
            let n = (range.end - at).min(BUFFER) as usize;
            self.src
                .read_exact_at(&mut buf[..n], at)
                .map_err(read_failed(at))?;
            if !is_zero(&buf[..n]) {
                return Ok(true);
            }
            at += n as u64;
        }
        Ok(false)
    }

    fn top(&mut self, top: &BoxHeader) -> Result<(), Error> {
        match &top.kind {
            b"ftyp" | b"mdat" | b"moov" => {}
            // A zeroed trailer reads as a size-0 box of type 0.
            b"free" | b"skip" | b"wide" | [0, 0, 0, 0] => {
                if self.has_data(top.body_span())? {
                    self.push(free_space_block("QuickTime", top));
                }
            }
            b"uuid" if top.uuid == Some(XMP_UUID) => {
                let buf = isobmff::read_whole(self.src, top, MAX_MOOV)?;
                let h = isobmff::read_box(&buf, 0, buf.len(), true)?;
                self.uuid_box(&buf, top.start, &h, "QuickTime");
            }
            b"meta" => {
                let buf = isobmff::read_whole(self.src, top, MAX_MOOV)?;
                let h = isobmff::read_box(&buf, 0, buf.len(), true)?;
                self.meta(&buf, top.start, &h, "QuickTime")?;
            }
            b"pnot" | b"PICT" | b"thum" => {
                let value = format!("{} bytes", top.body_len());
                let b = Block::one(Category::Preview, "QuickTime", &top.name(), value);
                self.push(b.patched(free_patches(top)));
            }
            _ => self.unknown_box(0, top, "QuickTime"),
        }
        Ok(())
    }

    fn unknown_box(&mut self, base: u64, h: &BoxHeader, place: &str) {
        let abs = h.shifted(base);
        let value = match h.uuid {
            Some(u) => format!("uuid {}, {} bytes", hex(&u), h.body_len()),
            None => format!("{} bytes", h.body_len()),
        };
        self.push(Block::unknown(place, &h.name(), value).patched(free_patches(&abs)));
    }

    fn free_space(&mut self, buf: &[u8], base: u64, h: &BoxHeader, place: &str) {
        if !is_zero(h.body(buf)) {
            self.push(free_space_block(place, &h.shifted(base)));
        }
    }

    fn uuid_box(&mut self, buf: &[u8], base: u64, h: &BoxHeader, place: &str) {
        if h.uuid == Some(XMP_UUID) {
            let block = xmp_block(h.body(buf)).patched(free_patches(&h.shifted(base)));
            self.push(block);
        } else {
            self.unknown_box(base, h, place);
        }
    }

    // -- moov ---------------------------------------------------------------

    fn moov(&mut self, buf: &[u8], base: u64) -> Result<(), Error> {
        let moov = isobmff::read_box(buf, 0, buf.len(), true)?;
        let mut number = 0;
        for child in isobmff::children(buf, &moov, 0) {
            let child = child?;
            match &child.kind {
                b"mvhd" => self.times(
                    buf,
                    base,
                    &child,
                    "QuickTime movie header",
                    ["CreateDate", "ModifyDate"],
                )?,
                b"trak" => {
                    number += 1;
                    self.trak(buf, base, &child, number)?;
                }
                b"udta" => self.udta(buf, base, &child, "QuickTime udta")?,
                b"meta" => self.meta(buf, base, &child, "QuickTime")?,
                b"uuid" => self.uuid_box(buf, base, &child, "QuickTime moov"),
                b"free" | b"skip" | b"wide" => self.free_space(buf, base, &child, "QuickTime moov"),
                b"iods" | b"mvex" | b"pssh" => {}
                b"cmov" => {
                    return Err(unsupported(
                        "this video's header is compressed ('cmov'), which is not supported",
                    ))
                }
                _ => self.unknown_box(base, &child, "QuickTime moov"),
            }
        }
        Ok(())
    }

    /// The creation and modification times of `mvhd`, `tkhd` or `mdhd`.
    fn times(
        &mut self,
        buf: &[u8],
        base: u64,
        h: &BoxHeader,
        place: &str,
        tags: [&str; 2],
    ) -> Result<(), Error> {
        let body = h.body(buf);
        let fb = isobmff::full_box(body)?;
        let width = match fb.version {
            0 => 4,
            1 => 8,
            v => {
                return Err(unsupported(format!(
                    "'{}' box of unknown version {v}",
                    h.name()
                )))
            }
        };
        let raw = body
            .get(4..4 + 2 * width)
            .ok_or_else(|| Error::damaged(format!("the '{}' box is cut short", h.name())))?;
        if is_zero(raw) {
            return Ok(());
        }
        let mut block = Block::default();
        for (i, tag) in tags.iter().enumerate() {
            let v = raw[i * width..(i + 1) * width]
                .iter()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            if v != 0 {
                block.add(Category::Time, place, tag, qt_date(v));
            }
        }
        let at = base + h.body + 4;
        self.push(block.patched(vec![Patch::Zero {
            at,
            len: 2 * width as u64,
        }]));
        Ok(())
    }

    /// The name of a handler (`hdlr`): which software or device wrote it.
    fn handler_name(&mut self, buf: &[u8], base: u64, h: &BoxHeader, place: &str) {
        let Some(name) = h.body(buf).get(24..) else {
            return;
        };
        if is_zero(name) {
            return;
        }
        let shown = match name {
            [n, rest @ ..]
                if usize::from(*n) == rest.len() || usize::from(*n) + 1 == rest.len() =>
            {
                text(rest.get(..usize::from(*n)).unwrap_or(rest))
            }
            _ => text(name),
        };
        let at = base + h.body + 24;
        let block = Block::one(Category::Device, place, "HandlerName", shown);
        self.push(block.patched(vec![Patch::Zero {
            at,
            len: name.len() as u64,
        }]));
    }

    fn trak(
        &mut self,
        buf: &[u8],
        base: u64,
        trak: &BoxHeader,
        number: usize,
    ) -> Result<(), Error> {
        let place = format!("QuickTime track {number}");
        let mut track = Track {
            number,
            id: 0,
            trak: trak.shifted(base),
            handler: [0; 4],
            format: [0; 4],
            external: false,
            open_ended: false,
            chunks: Vec::new(),
            sizes: None,
            keys: Vec::new(),
            frames: 0,
        };
        let mut mdia = None;
        for child in isobmff::children(buf, trak, 0) {
            let child = child?;
            match &child.kind {
                b"tkhd" => {
                    self.times(
                        buf,
                        base,
                        &child,
                        &format!("{place} header"),
                        ["TrackCreateDate", "TrackModifyDate"],
                    )?;
                    track.id = track_id(child.body(buf));
                }
                b"mdia" => mdia = Some(child),
                _ => self.track_child(buf, base, &child, &place, true)?,
            }
        }
        let mdia = mdia
            .ok_or_else(|| Error::damaged(format!("track {number} has no media box ('mdia')")))?;
        let mut minf = None;
        for child in isobmff::children(buf, &mdia, 0) {
            let child = child?;
            match &child.kind {
                b"mdhd" => self.times(
                    buf,
                    base,
                    &child,
                    &format!("{place} media header"),
                    ["MediaCreateDate", "MediaModifyDate"],
                )?,
                b"hdlr" => {
                    if let Some(t) = child.body(buf).get(8..12) {
                        track.handler.copy_from_slice(t);
                    }
                    self.handler_name(buf, base, &child, &format!("{place} hdlr"));
                }
                b"minf" => minf = Some(child),
                _ => self.track_child(buf, base, &child, &place, false)?,
            }
        }
        if let Some(minf) = minf {
            self.minf(buf, base, &minf, &mut track, &place)?;
        }
        self.tracks.push(track);
        Ok(())
    }

    /// A box inside a track other than its headers: metadata is collected,
    /// structure kept; unknown boxes directly in `trak` are freed.
    fn track_child(
        &mut self,
        buf: &[u8],
        base: u64,
        h: &BoxHeader,
        place: &str,
        in_trak: bool,
    ) -> Result<(), Error> {
        match &h.kind {
            b"udta" => self.udta(buf, base, h, &format!("{place} udta"))?,
            b"meta" => self.meta(buf, base, h, place)?,
            b"uuid" => self.uuid_box(buf, base, h, place),
            b"free" | b"skip" => self.free_space(buf, base, h, place),
            k if in_trak && !TRACK_STRUCTURE.contains(&k) => self.unknown_box(base, h, place),
            _ => {}
        }
        Ok(())
    }

    fn minf(
        &mut self,
        buf: &[u8],
        base: u64,
        minf: &BoxHeader,
        track: &mut Track,
        place: &str,
    ) -> Result<(), Error> {
        let mut local = Vec::new();
        let mut stbl = None;
        for child in isobmff::children(buf, minf, 0) {
            let child = child?;
            match &child.kind {
                b"hdlr" => self.handler_name(buf, base, &child, &format!("{place} hdlr")),
                b"dinf" => {
                    if let Some(dref) = isobmff::find(isobmff::children(buf, &child, 0), b"dref")? {
                        local = data_references(buf, &dref)?;
                    }
                }
                b"stbl" => stbl = Some(child),
                _ => self.track_child(buf, base, &child, place, false)?,
            }
        }
        let Some(stbl) = stbl else {
            return Ok(());
        };
        let children: Vec<BoxHeader> =
            isobmff::children(buf, &stbl, 0).collect::<Result<_, _>>()?;
        let find = |kind: &[u8; 4]| children.iter().find(|c| c.is(kind));
        if let Some(stsd) = find(b"stsd") {
            for entry in isobmff::children(buf, stsd, 8) {
                let entry = entry?;
                if track.format == [0; 4] {
                    track.format = entry.kind;
                }
                let body = entry.body(buf);
                let reference = body
                    .get(6..8)
                    .map_or(1, |b| u16::from_be_bytes([b[0], b[1]]));
                if !local.is_empty() {
                    match local.get(usize::from(reference).wrapping_sub(1)) {
                        Some(true) => {}
                        Some(false) => track.external = true,
                        None => {
                            return Err(Error::damaged(format!(
                            "track {} refers to data reference {reference}, which does not exist",
                            track.number
                        )))
                        }
                    }
                }
                match &entry.kind {
                    b"mebx" => track.keys.extend(mebx_keys(buf, &entry)),
                    b"tmcd" => track.frames = body.get(24).copied().unwrap_or(0),
                    _ => {}
                }
                if &track.handler == b"vide" {
                    self.compressor_name(buf, base, &entry, place);
                }
            }
        }
        let tables = Tables::parse(buf, &children, track.number)?;
        if let Some(tables) = tables {
            let sound = matches!(tables.sizes, SizeTable::Fixed(_)) && &track.handler == b"soun";
            // One sound description, or the sizes are not certain.
            let ratio = match find(b"stsd").map(|d| isobmff::children(buf, d, 8)) {
                Some(entries) if sound => {
                    let entries: Vec<BoxHeader> = entries.map_while(Result::ok).collect();
                    match entries.as_slice() {
                        [e] => sound_bytes(&e.kind, e.body(buf)),
                        _ => None,
                    }
                }
                _ => None,
            };
            let exact = tables.chunks(
                track.number,
                ratio,
                &mut track.chunks,
                &mut self.chunk_budget,
            )?;
            track.open_ended = sound && !exact;
            let metadata = matches!(track.role(), Ok(Role::Metadata | Role::Timecode));
            if metadata {
                track.sizes = Some(tables.owned_sizes());
            }
        }
        Ok(())
    }

    /// The compressor name of a visual sample entry (`H.264`, `GoPro AVC
    /// encoder`, the encoder's version).
    fn compressor_name(&mut self, buf: &[u8], base: u64, entry: &BoxHeader, place: &str) {
        let Some(name) = entry.body(buf).get(42..74) else {
            return;
        };
        if is_zero(name) {
            return;
        }
        let n = usize::from(name[0]).min(31);
        let value = match text(&name[1..1 + n]) {
            v if v.is_empty() => text(name),
            v => v,
        };
        let block = Block::one(
            Category::Device,
            &format!("{place} stsd"),
            "CompressorName",
            value,
        );
        self.push(block.patched(vec![Patch::Zero {
            at: base + entry.body + 42,
            len: 32,
        }]));
    }

    // -- user data ----------------------------------------------------------

    fn udta(&mut self, buf: &[u8], base: u64, udta: &BoxHeader, place: &str) -> Result<(), Error> {
        for child in isobmff::children(buf, udta, 0) {
            let child = child?;
            let abs = child.shifted(base);
            let body = child.body(buf);
            let block = match &child.kind {
                b"free" | b"skip" => {
                    self.free_space(buf, base, &child, place);
                    continue;
                }
                b"meta" => {
                    self.meta(buf, base, &child, place)?;
                    continue;
                }
                b"uuid" => {
                    self.uuid_box(buf, base, &child, place);
                    continue;
                }
                b"XMP_" => xmp_block(body),
                b"\xa9xyz" => xyz_block(place, body),
                b"loci" => loci_block(place, body),
                b"GPMF" => gpmf_block(place, body),
                kind => {
                    let value = match udta_value(kind, buf, &child) {
                        v if v.is_empty() => format!("{} bytes", child.body_len()),
                        v => v,
                    };
                    match item_category(kind) {
                        Some(c) => Block::one(c, place, &child.name(), value),
                        None => Block::unknown(place, &child.name(), value),
                    }
                }
            };
            self.push(block.patched(free_patches(&abs)));
        }
        Ok(())
    }

    /// A `meta` box: QuickTime (`keys` + `ilst`), iTunes (`ilst`) or
    /// anything else (freed whole).
    fn meta(&mut self, buf: &[u8], base: u64, meta: &BoxHeader, place: &str) -> Result<(), Error> {
        let skip = isobmff::meta_header_len(meta.body(buf));
        let children: Vec<BoxHeader> =
            isobmff::children(buf, meta, skip).collect::<Result<_, _>>()?;
        let free = free_patches(&meta.shifted(base));
        let handler = children
            .iter()
            .find(|c| c.is(b"hdlr"))
            .and_then(|h| h.body(buf).get(8..12))
            .map(|t| [t[0], t[1], t[2], t[3]])
            .unwrap_or([0; 4]);
        let ilst = children.iter().find(|c| c.is(b"ilst"));
        let Some(ilst) = ilst.filter(|_| matches!(&handler, b"mdta" | b"mdir" | [0, 0, 0, 0]))
        else {
            let value = format!(
                "handler '{}', {} bytes",
                isobmff::kind_name(handler),
                meta.body_len()
            );
            self.push(Block::unknown(&format!("{place} meta"), "meta", value).patched(free));
            return Ok(());
        };
        let keys = match children.iter().find(|c| c.is(b"keys")) {
            Some(k) if &handler == b"mdta" => parse_keys(buf, k)?,
            _ => Vec::new(),
        };
        for child in &children {
            match &child.kind {
                b"hdlr" | b"keys" | b"ilst" => {}
                b"free" | b"skip" => self.free_space(buf, base, child, place),
                _ => self.unknown_box(base, child, &format!("{place} meta")),
            }
        }
        let mut items = Vec::new();
        for item in isobmff::children(buf, ilst, 0) {
            let item = item?;
            if item.is(b"free") || item.is(b"skip") {
                self.free_space(buf, base, &item, place);
                continue;
            }
            let block = if &handler == b"mdta" {
                keyed_item(buf, base, &item, &keys)
            } else {
                itunes_item(buf, &item)
            };
            items.push(block.patched(free_patches(&item.shifted(base))));
        }
        // The horizontal accuracy belongs to the location of the same box.
        let accuracy = items.iter().find_map(|i| {
            i.findings
                .iter()
                .find(|f| f.tag.ends_with("location.accuracy.horizontal"))
                .and_then(|f| f.value.parse::<f64>().ok())
        });
        for item in &mut items {
            for loc in &mut item.locations {
                loc.accuracy = loc.accuracy.or(accuracy);
            }
        }
        self.entries.push(Entry::Meta(MetaBox { free, items }));
        Ok(())
    }

    // -- after moov -----------------------------------------------------------

    fn finish(mut self) -> Result<Video, Error> {
        let tracks = std::mem::take(&mut self.tracks);
        let mut roles = Vec::with_capacity(tracks.len());
        for t in &tracks {
            roles.push(t.role()?);
        }
        let mut starts: Vec<u64> = tracks
            .iter()
            .filter(|t| !t.external)
            .flat_map(|t| t.chunks.iter().map(|c| c.range.start))
            .collect();
        starts.sort_unstable();
        starts.dedup();
        let mut tracks = tracks;
        for t in tracks.iter_mut().filter(|t| !t.external) {
            for c in &mut t.chunks {
                let i = self.mdats.partition_point(|m| m.end <= c.range.start);
                let mdat = self.mdats.get(i).filter(|m| m.start <= c.range.start);
                if t.open_ended {
                    let end = mdat.map_or(c.range.start, |m| m.end);
                    let i = starts.partition_point(|&s| s <= c.range.start);
                    c.range.end = starts.get(i).map_or(end, |&next| next.min(end));
                }
                let inside = mdat.is_some_and(|m| c.range.end <= m.end);
                if !c.range.is_empty() && !inside {
                    return Err(Error::damaged(format!(
                        "track {}'s samples (bytes {}..{}) lie outside the media data",
                        t.number, c.range.start, c.range.end
                    )));
                }
            }
        }
        let media: Vec<MediaTrack> = tracks
            .iter()
            .zip(&roles)
            .filter(|(t, &r)| r == Role::Media && !t.external)
            .map(|(t, _)| MediaTrack {
                chunks: t.chunks.iter().map(|c| c.range.clone()).collect(),
                open_ended: t.open_ended,
            })
            .collect();
        let protected = merge(
            media
                .iter()
                .flat_map(|t| t.chunks.iter().cloned())
                .collect(),
        );
        for (t, role) in tracks.iter().zip(&roles) {
            if *role == Role::Media || t.external {
                continue;
            }
            if let Some(c) = t.chunks.iter().find(|c| overlaps(&protected, &c.range)) {
                return Err(unsupported(format!(
                    "track {}'s metadata samples (bytes {}..{}) share bytes with the video or audio",
                    t.number, c.range.start, c.range.end
                )));
            }
        }
        for (t, role) in tracks.iter().zip(&roles) {
            let block = match role {
                Role::Media => None,
                Role::Timecode => self.timecode_track(t)?,
                Role::Metadata => self.metadata_track(t)?,
            };
            if let Some(b) = block {
                self.push(b);
            }
        }
        let used = merge(
            tracks
                .iter()
                .filter(|t| !t.external)
                .flat_map(|t| t.chunks.iter().map(|c| c.range.clone()))
                .collect(),
        );
        self.unused_media_data(&used)?;
        Ok(Video {
            len: self.len,
            entries: self.entries,
            media,
            protected,
        })
    }

    /// Visits the samples of `track` (up to the read limits) in order.
    fn samples(&self, track: &Track, mut visit: impl FnMut(&[u8])) -> Result<u64, Error> {
        let (Some(sizes), false) = (&track.sizes, track.external) else {
            return Ok(0);
        };
        let mut buf = Vec::new();
        let (mut read, mut visited) = (0u64, 0u64);
        for chunk in &track.chunks {
            let mut at = chunk.range.start;
            for i in 0..chunk.samples {
                visited += 1;
                if visited > MAX_SAMPLES_VISITED {
                    return Ok(visited);
                }
                let size = sizes.get(chunk.first_sample + i).unwrap_or(0);
                if size <= MAX_SAMPLE_READ && read + size <= MAX_TRACK_READ {
                    buf.resize(size as usize, 0);
                    self.src
                        .read_exact_at(&mut buf, at)
                        .map_err(read_failed(at))?;
                    visit(&buf);
                    read += size;
                }
                at += size;
            }
        }
        Ok(visited)
    }

    fn sample_count(track: &Track) -> u64 {
        track.chunks.iter().map(|c| c.samples).sum()
    }

    /// The patches that blank a track's samples and free its `trak`.
    fn blank_track(track: &Track) -> Vec<Patch> {
        let mut patches: Vec<Patch> = if track.external {
            Vec::new()
        } else {
            merge(track.chunks.iter().map(|c| c.range.clone()).collect())
                .into_iter()
                .map(|r| Patch::Zero {
                    at: r.start,
                    len: r.end - r.start,
                })
                .collect()
        };
        patches.extend(free_patches(&track.trak));
        patches
    }

    fn metadata_track(&self, t: &Track) -> Result<Option<Block>, Error> {
        let place = format!("QuickTime track {} ({})", t.number, t.name());
        let samples = Self::sample_count(t);
        let mut block = match &t.format {
            b"gpmd" => {
                let mut g = Gpmf::default();
                self.samples(t, |s| gpmf(s, 0, &mut g))?;
                let mut b = g.block(&place, "GoPro GPS track");
                b.also(Category::Location);
                if b.findings.is_empty() {
                    b.add(
                        Category::Device,
                        &place,
                        "GoProTelemetry",
                        format!("{samples} samples"),
                    );
                }
                b
            }
            b"fdsc" => Block::one(
                Category::Device,
                &place,
                "GoProCameraData",
                format!("{samples} samples of firmware and camera details"),
            ),
            b"camm" => {
                let mut fixes = (0u64, None);
                self.samples(t, |s| camm(s, &mut fixes))?;
                let mut b = Block::one(
                    Category::Location,
                    &place,
                    "GPSTrack",
                    format!("{} GPS fixes in {samples} samples", fixes.0),
                );
                if let Some((lat, lon, alt)) = fixes.1 {
                    b.locations
                        .push(geo::location(lat, lon, Some(alt), "CAMM GPS track"));
                }
                b
            }
            b"mebx" => match self.mebx_track(t, &place, samples)? {
                Some(b) => b,
                None => return Ok(None),
            },
            _ => Block::unknown(
                &place,
                "TimedMetadata",
                format!("'{}' track, {samples} samples", t.name()),
            ),
        };
        block.patches = Self::blank_track(t);
        Ok(Some(block))
    }

    /// An Apple timed-metadata track: kept if its keys are all harmless.
    fn mebx_track(&self, t: &Track, place: &str, samples: u64) -> Result<Option<Block>, Error> {
        let names: Vec<&str> = t.keys.iter().map(|(_, n)| n.as_str()).collect();
        if !names.is_empty() && names.iter().all(|n| HARMLESS_TIMED_KEYS.contains(n)) {
            return Ok(None);
        }
        let mut block = Block::default();
        let location_ids: Vec<u32> = t
            .keys
            .iter()
            .filter(|(_, n)| key_category(n).0 == Category::Location)
            .map(|(id, _)| *id)
            .collect();
        for name in names.iter().filter(|n| !HARMLESS_TIMED_KEYS.contains(n)) {
            let (category, known) = key_category(name);
            if category == Category::Location {
                continue;
            }
            block.add(category, place, name, format!("{samples} samples"));
            block.always |= !known;
        }
        if names.is_empty() {
            block = Block::unknown(place, "TimedMetadata", format!("{samples} samples"));
        }
        if !location_ids.is_empty() {
            let mut fixes = 0u64;
            let mut first = None;
            self.samples(t, |s| {
                for b in isobmff::boxes_in(s, 0..s.len()).map_while(Result::ok) {
                    if location_ids.contains(&u32::from_be_bytes(b.kind)) {
                        fixes += 1;
                        if first.is_none() {
                            first = geo::parse_iso6709(&text(b.body(s)));
                        }
                    }
                }
            })?;
            block.add(
                Category::Location,
                place,
                "GPSTrack",
                format!("{fixes} positions in {samples} samples"),
            );
            if let Some((lat, lon, alt)) = first {
                block
                    .locations
                    .push(geo::location(lat, lon, alt, "Apple location track"));
            }
        }
        Ok(Some(block))
    }

    /// A timecode track: its samples may be the time of day the video was
    /// shot; zeroed (the track stays) under `time`.
    fn timecode_track(&self, t: &Track) -> Result<Option<Block>, Error> {
        let mut first = None;
        let mut data = false;
        self.samples(t, |s| {
            if !is_zero(s) {
                data = true;
                if first.is_none() && s.len() >= 4 {
                    first = Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]));
                }
            }
        })?;
        if !data {
            return Ok(None);
        }
        let value = match (first, t.frames) {
            (Some(f), n) if n > 0 => {
                let n = u32::from(n);
                let secs = f / n;
                format!(
                    "{:02}:{:02}:{:02}:{:02}",
                    secs / 3600,
                    secs / 60 % 60,
                    secs % 60,
                    f % n
                )
            }
            (Some(f), _) => format!("frame {f}"),
            (None, _) => "present".to_string(),
        };
        let place = format!("QuickTime track {} (tmcd)", t.number);
        let patches = merge(t.chunks.iter().map(|c| c.range.clone()).collect())
            .into_iter()
            .map(|r| Patch::Zero {
                at: r.start,
                len: r.end - r.start,
            })
            .collect();
        Ok(Some(
            Block::one(Category::Time, &place, "TimeCode", value).patched(patches),
        ))
    }

    /// Bytes inside `mdat` that no track uses (vendor headers, leftovers of
    /// earlier edits): zeroed when they hold anything.
    fn unused_media_data(&mut self, used: &[Range<u64>]) -> Result<(), Error> {
        let mut gaps = Vec::new();
        for m in &self.mdats {
            let mut at = m.start;
            let first = used.partition_point(|u| u.end <= m.start);
            for u in used[first..].iter().take_while(|u| u.start < m.end) {
                if u.start > at {
                    gaps.push(at..u.start);
                }
                at = at.max(u.end);
            }
            if m.end > at {
                gaps.push(at..m.end);
            }
        }
        let mut with_data = Vec::new();
        for g in gaps {
            if self.has_data(g.clone())? {
                with_data.push(g);
            }
        }
        if with_data.is_empty() {
            return Ok(());
        }
        let total: u64 = with_data.iter().map(|g| g.end - g.start).sum();
        let value = format!(
            "{total} bytes in {} place(s) that no track uses",
            with_data.len()
        );
        let patches = with_data
            .into_iter()
            .map(|g| Patch::Zero {
                at: g.start,
                len: g.end - g.start,
            })
            .collect();
        self.push(Block::unknown("QuickTime mdat", "UnusedMediaData", value).patched(patches));
        Ok(())
    }
}

/// The top-level boxes, read header by header, and the bytes after the last
/// box that are not a box (a vendor trailer), if any. Such bytes are a
/// trailer only once `moov` and `mdat` have been seen: a damaged `moov` or
/// `mdat` is an error.
fn top_level<R: Source + ?Sized>(src: &R) -> Result<(Vec<BoxHeader>, Option<Range<u64>>), Error> {
    let mut tops: Vec<BoxHeader> = Vec::new();
    let mut pos = 0;
    while pos < src.size() {
        if tops.len() == isobmff::MAX_BOXES {
            return Err(Error::damaged(format!(
                "more than {} top-level boxes",
                isobmff::MAX_BOXES
            )));
        }
        match isobmff::header_at(src, pos, src.size(), true) {
            Ok(h) => {
                pos = h.end;
                tops.push(h);
            }
            Err(Error::Damaged(_))
                if tops.iter().any(|t| t.is(b"moov")) && tops.iter().any(|t| t.is(b"mdat")) =>
            {
                return Ok((tops, Some(pos..src.size())));
            }
            Err(e) => return Err(e),
        }
    }
    Ok((tops, None))
}

fn track_id(tkhd: &[u8]) -> u32 {
    let at = if tkhd.first() == Some(&1) { 20 } else { 12 };
    tkhd.get(at..at + 4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// How many bytes how many samples of QuickTime sound take, from its sound
/// description (whose `stsz` sample size then counts samples, not bytes):
/// version 2 gives bytes and frames per packet, version 1 bytes per frame
/// and samples per packet, version 0 uncompressed sound its channels and
/// bits. `None` when the description does not say.
fn sound_bytes(format: &[u8; 4], body: &[u8]) -> Option<(u64, u64)> {
    let u16_at = |at: usize| {
        body.get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| Some(be32(body.get(at..at + 4)?, 0));
    let ratio = match u16_at(8)? {
        2 => (u64::from(u32_at(56)?), u64::from(u32_at(60)?)),
        1 => (u64::from(u32_at(36)?), u64::from(u32_at(28)?)),
        0 if matches!(
            format,
            b"twos" | b"sowt" | b"raw " | b"in24" | b"in32" | b"fl32" | b"fl64" | b"lpcm" | b"NONE"
        ) =>
        {
            let (channels, bits) = (u16_at(16)?, u16_at(18)?);
            (u64::from(channels) * u64::from(bits) / 8, 1)
        }
        _ => return None,
    };
    (ratio.0 > 0 && ratio.1 > 0).then_some(ratio)
}

/// For each data reference (1-based), whether it means "this file".
fn data_references(buf: &[u8], dref: &BoxHeader) -> Result<Vec<bool>, Error> {
    isobmff::children(buf, dref, 8)
        .map(|e| {
            let e = e?;
            Ok(isobmff::full_box(e.body(buf)).is_ok_and(|f| f.flags & 1 == 1))
        })
        .collect()
}

/// The keys of an Apple `mebx` sample entry: local id and name.
fn mebx_keys(buf: &[u8], entry: &BoxHeader) -> Vec<(u32, String)> {
    let body = entry.body_range();
    let mut keys = Vec::new();
    let start = body.start.saturating_add(8).min(body.end);
    for b in isobmff::boxes_in(buf, start..body.end).map_while(Result::ok) {
        if !b.is(b"keys") {
            continue;
        }
        for k in isobmff::children(buf, &b, 0).map_while(Result::ok) {
            let name = isobmff::children(buf, &k, 0)
                .map_while(Result::ok)
                .find(|d| d.is(b"keyd"))
                .map(|d| text(d.body(buf).get(4..).unwrap_or(&[])))
                .unwrap_or_default();
            keys.push((u32::from_be_bytes(k.kind), name));
        }
    }
    keys
}

// ---------------------------------------------------------------------------
// Sample tables

enum SizeTable<'a> {
    Fixed(u32),
    /// Packed sizes of `bits` bits each.
    Packed {
        data: &'a [u8],
        bits: u8,
    },
}

impl SizeTable<'_> {
    fn get(&self, i: u64) -> Option<u64> {
        match self {
            SizeTable::Fixed(s) => Some(u64::from(*s)),
            SizeTable::Packed { data, bits } => {
                let i = usize::try_from(i).ok()?;
                Some(match bits {
                    4 => {
                        let b = *data.get(i / 2)?;
                        u64::from(if i % 2 == 0 { b >> 4 } else { b & 0xF })
                    }
                    8 => u64::from(*data.get(i)?),
                    16 => {
                        let b = data.get(i * 2..i * 2 + 2)?;
                        u64::from(u16::from_be_bytes([b[0], b[1]]))
                    }
                    _ => {
                        let b = data.get(i * 4..i * 4 + 4)?;
                        u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
                    }
                })
            }
        }
    }
}

/// A track's sample tables, borrowed from the `moov` buffer.
struct Tables<'a> {
    sizes: SizeTable<'a>,
    count: u64,
    /// Chunk offsets, 4 or 8 bytes each.
    offsets: &'a [u8],
    wide: bool,
    /// Sample-to-chunk entries, 12 bytes each.
    stsc: &'a [u8],
}

fn be32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

impl<'a> Tables<'a> {
    /// The tables among the children of `stbl`; `None` if the track has no
    /// samples described here.
    fn parse(buf: &'a [u8], stbl: &[BoxHeader], track: usize) -> Result<Option<Tables<'a>>, Error> {
        let find = |kinds: &[&[u8; 4]]| stbl.iter().find(|c| kinds.contains(&&c.kind));
        let sizes = find(&[b"stsz", b"stz2"]);
        let offsets = find(&[b"stco", b"co64"]);
        let stsc = find(&[b"stsc"]);
        let cut = |what: &str| Error::damaged(format!("track {track}'s {what} table is cut short"));
        let (sizes, count) = match sizes {
            None => {
                if offsets.is_some() || stsc.is_some() {
                    return Err(Error::damaged(format!(
                        "track {track} has chunks but no sample size table"
                    )));
                }
                return Ok(None);
            }
            Some(h) => {
                let fb = isobmff::full_box(h.body(buf))?;
                let mut r = Reader::new(fb.rest);
                if h.is(b"stsz") {
                    let size = r.u32().map_err(|_| cut("sample size"))?;
                    let count = r.u32().map_err(|_| cut("sample size"))?;
                    if size != 0 {
                        (SizeTable::Fixed(size), u64::from(count))
                    } else {
                        let data = r
                            .bytes(count as usize * 4)
                            .map_err(|_| cut("sample size"))?;
                        (SizeTable::Packed { data, bits: 32 }, u64::from(count))
                    }
                } else {
                    r.skip(3).map_err(|_| cut("compact sample size"))?;
                    let bits = r.u8().map_err(|_| cut("compact sample size"))?;
                    let count = r.u32().map_err(|_| cut("compact sample size"))?;
                    if !matches!(bits, 4 | 8 | 16) {
                        return Err(Error::damaged(format!(
                            "track {track}'s compact sample sizes are {bits} bits wide"
                        )));
                    }
                    let len = (count as usize * bits as usize).div_ceil(8);
                    let data = r.bytes(len).map_err(|_| cut("compact sample size"))?;
                    (SizeTable::Packed { data, bits }, u64::from(count))
                }
            }
        };
        let (Some(offsets), Some(stsc)) = (offsets, stsc) else {
            if count == 0 {
                return Ok(None);
            }
            return Err(Error::damaged(format!(
                "track {track} has samples but no chunk table"
            )));
        };
        let wide = offsets.is(b"co64");
        let fb = isobmff::full_box(offsets.body(buf))?;
        let mut r = Reader::new(fb.rest);
        let n = r.u32().map_err(|_| cut("chunk offset"))? as usize;
        let offsets = r
            .bytes(n * if wide { 8 } else { 4 })
            .map_err(|_| cut("chunk offset"))?;
        let fb = isobmff::full_box(stsc.body(buf))?;
        let mut r = Reader::new(fb.rest);
        let n = r.u32().map_err(|_| cut("sample-to-chunk"))? as usize;
        let stsc = r.bytes(n * 12).map_err(|_| cut("sample-to-chunk"))?;
        Ok(Some(Tables {
            sizes,
            count,
            offsets,
            wide,
            stsc,
        }))
    }

    fn chunk_count(&self) -> u64 {
        (self.offsets.len() / if self.wide { 8 } else { 4 }) as u64
    }

    fn chunk_offset(&self, i: u64) -> u64 {
        let i = i as usize;
        if self.wide {
            self.offsets
                .get(i * 8..i * 8 + 8)
                .map_or(0, |b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
        } else {
            u64::from(be32(self.offsets, i * 4))
        }
    }

    /// Every chunk with its byte range; errors if the tables disagree.
    ///
    /// `sound` is QuickTime's bytes per samples (`bytes`, `samples`) for
    /// sound with a constant sample size, whose `stsz` size does not count
    /// bytes. Returns whether every chunk's length is exact (it is not when
    /// `sound` is `None` or does not divide a chunk's samples).
    fn chunks(
        &self,
        track: usize,
        sound: Option<(u64, u64)>,
        out: &mut Vec<Chunk>,
        budget: &mut usize,
    ) -> Result<bool, Error> {
        let mut exact = sound.is_some() || !matches!(self.sizes, SizeTable::Fixed(_));
        let bad = |what: String| {
            Error::damaged(format!("track {track}'s sample tables disagree: {what}"))
        };
        let n_chunks = self.chunk_count();
        let n_entries = self.stsc.len() / 12;
        if n_entries == 0 && (n_chunks > 0 || self.count > 0) {
            return Err(bad("there is no sample-to-chunk entry".into()));
        }
        let mut sample = 0u64;
        let mut previous = 0u64;
        for e in 0..n_entries {
            let first = u64::from(be32(self.stsc, e * 12));
            let per_chunk = u64::from(be32(self.stsc, e * 12 + 4));
            if first <= previous || (e == 0 && first != 1) {
                return Err(bad(format!(
                    "sample-to-chunk entry {} starts at chunk {first}",
                    e + 1
                )));
            }
            if first > n_chunks {
                return Err(bad(format!(
                    "a sample-to-chunk entry starts at chunk {first}, but there are {n_chunks} chunks"
                )));
            }
            previous = first;
            let next = if e + 1 < n_entries {
                u64::from(be32(self.stsc, (e + 1) * 12))
            } else {
                n_chunks + 1
            };
            let last = next.saturating_sub(1).min(n_chunks);
            for c in first..=last {
                if per_chunk > self.count - sample {
                    return Err(bad(format!(
                        "the chunks hold more samples than the {} in the size table",
                        self.count
                    )));
                }
                let offset = self.chunk_offset(c - 1);
                let len = match self.sizes {
                    SizeTable::Fixed(s) => match sound {
                        Some((bytes, samples)) if per_chunk % samples == 0 => {
                            per_chunk / samples * bytes
                        }
                        _ => {
                            exact = false;
                            u64::from(s) * per_chunk
                        }
                    },
                    _ => {
                        let mut len = 0u64;
                        for i in sample..sample + per_chunk {
                            len += self.sizes.get(i).unwrap_or(0);
                        }
                        len
                    }
                };
                let end = offset
                    .checked_add(len)
                    .ok_or_else(|| bad(format!("chunk {c} ends past 2^64")))?;
                *budget = budget.checked_sub(1).ok_or_else(|| {
                    unsupported(format!(
                        "the video has more than {MAX_CHUNKS} chunks, more than photoscrub tracks"
                    ))
                })?;
                out.push(Chunk {
                    range: offset..end,
                    first_sample: sample,
                    samples: per_chunk,
                });
                sample += per_chunk;
            }
        }
        if sample != self.count {
            return Err(bad(format!(
                "the chunks hold {sample} samples, the size table {}",
                self.count
            )));
        }
        Ok(exact)
    }

    fn owned_sizes(&self) -> Sizes {
        match self.sizes {
            SizeTable::Fixed(s) => Sizes::Fixed(s),
            _ => Sizes::List(
                (0..self.count)
                    .map(|i| self.sizes.get(i).unwrap_or(0) as u32)
                    .collect(),
            ),
        }
    }
}

// ---------------------------------------------------------------------------
// Metadata items

/// The patches that turn a box into `free` space with a zeroed payload (its
/// size field, 32- or 64-bit, stays).
fn free_patches(h: &BoxHeader) -> Vec<Patch> {
    let uuid = if h.uuid.is_some() { 16 } else { 0 };
    let zero_from = h.start + (h.header_len() - uuid);
    vec![
        Patch::Bytes {
            at: h.kind_offset(),
            bytes: b"free".to_vec(),
        },
        Patch::Zero {
            at: zero_from,
            len: h.end - zero_from,
        },
    ]
}

fn free_space_block(place: &str, h: &BoxHeader) -> Block {
    Block::unknown(
        place,
        "FreeSpaceData",
        format!("{} bytes of leftover data in '{}'", h.body_len(), h.name()),
    )
    .patched(vec![Patch::Zero {
        at: h.body,
        len: h.body_len(),
    }])
}

fn xmp_block(packet: &[u8]) -> Block {
    let scan = xmp::scan(packet, "XMP");
    if scan.findings.is_empty() {
        return Block::unknown("XMP", "XMP", format!("{} bytes", packet.len()));
    }
    let mut block = Block::default();
    for f in &scan.findings {
        block.also(f.category);
    }
    block.findings = scan.findings;
    block.locations = scan.locations;
    block
}

fn xyz_block(place: &str, body: &[u8]) -> Block {
    let value = qt_text(body);
    let mut block = Block::one(Category::Location, place, "©xyz", value.clone());
    if let Some((lat, lon, alt)) = geo::parse_iso6709(&value) {
        block
            .locations
            .push(geo::location(lat, lon, alt, "QuickTime ©xyz"));
    }
    block
}

/// 3GPP `loci`: a place name, its role, longitude, latitude and altitude
/// as 16.16 fixed point, the astronomical body and notes.
fn loci_block(place: &str, body: &[u8]) -> Block {
    let Some(loci) = parse_loci(body) else {
        return Block::one(
            Category::Location,
            place,
            "loci",
            format!("{} bytes", body.len()),
        );
    };
    let mut block = Block::one(
        Category::Location,
        place,
        "loci",
        format!("{:.6}, {:.6}", loci.lat, loci.lon),
    );
    for (tag, value) in [("LocationName", &loci.name), ("LocationNotes", &loci.notes)] {
        if !value.is_empty() {
            block.add(Category::Location, place, tag, value.clone());
        }
    }
    block.locations.push(geo::location(
        loci.lat,
        loci.lon,
        Some(loci.alt),
        "3GPP loci",
    ));
    block
}

struct Loci {
    name: String,
    lon: f64,
    lat: f64,
    alt: f64,
    notes: String,
}

fn parse_loci(body: &[u8]) -> Option<Loci> {
    let fb = isobmff::full_box(body).ok()?;
    let mut r = Reader::new(fb.rest);
    r.skip(2).ok()?;
    let name = three_gpp_string(&mut r)?;
    r.u8().ok()?;
    let mut fixed = || r.u32().ok().map(|v| f64::from(v as i32) / 65536.0);
    let (lon, lat, alt) = (fixed()?, fixed()?, fixed()?);
    let _body = three_gpp_string(&mut r).unwrap_or_default();
    let notes = three_gpp_string(&mut r).unwrap_or_default();
    Some(Loci {
        name,
        lon,
        lat,
        alt,
        notes,
    })
}

/// A 3GPP string: UTF-8 ending in NUL, or UTF-16 starting with a byte-order
/// mark and ending in a 16-bit NUL.
fn three_gpp_string(r: &mut Reader) -> Option<String> {
    if r.remaining() >= 2 && r.clone().bytes(2).ok()? == [0xFE, 0xFF] {
        r.skip(2).ok()?;
        let mut units = Vec::new();
        while let Ok(u) = r.u16() {
            if u == 0 {
                break;
            }
            units.push(u);
        }
        return Some(String::from_utf16_lossy(&units));
    }
    r.cstr()
        .ok()
        .map(|s| String::from_utf8_lossy(s).into_owned())
}

/// The category of a user-data or iTunes item type; `None` if unknown.
fn item_category(kind: &[u8; 4]) -> Option<Category> {
    Some(match kind {
        b"\xa9xyz" | b"loci" => Category::Location,
        b"\xa9ART" | b"\xa9aut" | b"auth" | b"\xa9wrt" | b"\xa9dir" | b"\xa9prd" | b"\xa9prf"
        | b"\xa9cpy" | b"cprt" | b"perf" | b"\xa9PRD" | b"aART" | b"\xa9com" | b"\xa9con"
        | b"\xa9own" | b"ownr" | b"\xa9arg" | b"\xa9ard" | b"\xa9src" | b"\xa9phg" => {
            Category::People
        }
        b"\xa9mak" | b"\xa9mod" | b"\xa9swr" | b"\xa9too" | b"\xa9enc" | b"\xa9hst"
        | b"\xa9fmt" | b"\xa9req" | b"\xa9swf" | b"FIRM" | b"LENS" | b"CAME" | b"SETT"
        | b"MUID" | b"HMMT" | b"BCID" | b"GUMI" | b"GPMF" | b"smta" | b"sefd" | b"SDLN"
        | b"smrd" | b"Xtra" | b"hnti" | b"hinf" | b"manu" | b"modl" | b"tool" => Category::Device,
        b"\xa9day" | b"yrrc" | b"\xa9dte" | b"date" => Category::Time,
        b"\xa9nam" | b"\xa9cmt" | b"\xa9des" | b"desc" | b"ldes" | b"\xa9inf" | b"titl"
        | b"dscp" | b"kywd" | b"gnre" | b"\xa9gen" | b"\xa9alb" | b"albm" | b"\xa9key"
        | b"\xa9lyr" | b"\xa9grp" | b"name" | b"rtng" | b"clsf" | b"tvsh" | b"keyw" | b"catg" => {
            Category::Text
        }
        b"covr" | b"thmb" | b"PICT" | b"pnot" | b"thum" => Category::Preview,
        [0xa9, ..] => Category::Text,
        _ => return None,
    })
}

/// The category of a QuickTime metadata key (`com.apple.quicktime.make`…),
/// and whether the key is known.
fn key_category(name: &str) -> (Category, bool) {
    let n = name.to_ascii_lowercase();
    // "quicktime" itself holds "time".
    let bare = n.replace("quicktime", "");
    let has = |words: &[&str]| words.iter().any(|w| bare.contains(w));
    let category = if RENDERING_KEYS.contains(&n.as_str()) {
        Category::Rendering
    } else if has(&["location", "gps", "iso6709"]) {
        Category::Location
    } else if has(&[
        "make",
        "model",
        "software",
        "camera",
        "lens",
        "serial",
        "identifier",
        "android.version",
        "manufacturer",
        "device",
        "firmware",
        "encoder",
        "host",
    ]) {
        Category::Device
    } else if has(&["date", "time"]) {
        Category::Time
    } else if has(&[
        "author",
        "artist",
        "copyright",
        "owner",
        "publisher",
        "producer",
        "director",
        "performer",
        "creator",
        "face",
    ]) {
        Category::People
    } else if has(&[
        "title",
        "displayname",
        "description",
        "comment",
        "keywords",
        "information",
        "album",
        "genre",
        "caption",
    ]) {
        Category::Text
    } else if has(&["artwork"]) {
        Category::Preview
    } else {
        return (Category::Device, false);
    };
    (category, true)
}

/// A key of a QuickTime `keys` box: its name and where the name is.
struct Key {
    name: String,
    name_at: Range<u64>,
}

fn parse_keys(buf: &[u8], keys: &BoxHeader) -> Result<Vec<Key>, Error> {
    let body = keys.body_range();
    let fb = isobmff::full_box(keys.body(buf))?;
    let count = Reader::new(fb.rest)
        .u32()
        .map_err(|_| Error::damaged("the 'keys' box is cut short"))?;
    let mut pos = body.start + 8;
    let mut out = Vec::new();
    for _ in 0..count {
        let size = be32(buf, pos) as usize;
        if size < 8 || pos + size > body.end {
            return Err(Error::damaged("a key in the 'keys' box is cut short"));
        }
        out.push(Key {
            name: text(&buf[pos + 8..pos + size]),
            name_at: (pos + 8) as u64..(pos + size) as u64,
        });
        pos += size;
    }
    Ok(out)
}

/// An item of a QuickTime `ilst` (its type is a 1-based index into `keys`).
fn keyed_item(buf: &[u8], base: u64, item: &BoxHeader, keys: &[Key]) -> Block {
    let index = u32::from_be_bytes(item.kind) as usize;
    let value = data_value(buf, item);
    let Some(key) = index.checked_sub(1).and_then(|i| keys.get(i)) else {
        return Block::unknown("QuickTime keys", &format!("item {index}"), value);
    };
    let (category, known) = key_category(&key.name);
    let mut block = Block::one(category, "QuickTime keys", &key.name, value.clone());
    block.always = !known;
    if key.name.to_ascii_lowercase().ends_with("iso6709") {
        if let Some((lat, lon, alt)) = geo::parse_iso6709(&value) {
            block
                .locations
                .push(geo::location(lat, lon, alt, "QuickTime keys"));
        }
    }
    block.patched(vec![Patch::Zero {
        at: base + key.name_at.start,
        len: key.name_at.end - key.name_at.start,
    }])
}

/// An item of an iTunes-style `ilst` (its type says what it is).
fn itunes_item(buf: &[u8], item: &BoxHeader) -> Block {
    let value = data_value(buf, item);
    let mut tag = item.name();
    if item.is(b"----") {
        let name = isobmff::children(buf, item, 0)
            .map_while(Result::ok)
            .find(|c| c.is(b"name"))
            .map(|c| text(c.body(buf).get(4..).unwrap_or(&[])));
        tag = format!("----:{}", name.unwrap_or_default());
    }
    match item_category(&item.kind) {
        Some(Category::Location) => {
            let mut block = Block::one(Category::Location, "QuickTime ilst", &tag, value.clone());
            if let Some((lat, lon, alt)) = geo::parse_iso6709(&value) {
                block
                    .locations
                    .push(geo::location(lat, lon, alt, "QuickTime ilst"));
            }
            block
        }
        Some(c) => Block::one(c, "QuickTime ilst", &tag, value),
        None if item.is(b"----") => Block::one(Category::Text, "QuickTime ilst", &tag, value),
        None => Block::unknown("QuickTime ilst", &tag, value),
    }
}

/// The values of the `data` boxes in an `ilst` item, as text.
fn data_value(buf: &[u8], item: &BoxHeader) -> String {
    let mut values = Vec::new();
    for d in isobmff::children(buf, item, 0).map_while(Result::ok) {
        if !d.is(b"data") {
            continue;
        }
        let body = d.body(buf);
        let kind = be32(body, 0) & 0x00FF_FFFF;
        let v = body.get(8..).unwrap_or(&[]);
        let int = |signed: bool| -> String {
            let raw = v.iter().take(8).fold(0u64, |a, &b| (a << 8) | u64::from(b));
            let bits = 8 * v.len().min(8) as u32;
            if signed && bits > 0 && bits < 64 && raw >> (bits - 1) == 1 {
                (raw as i64 - (1i64 << bits)).to_string()
            } else if signed && bits == 64 {
                (raw as i64).to_string()
            } else {
                raw.to_string()
            }
        };
        values.push(match kind {
            1 | 4 => text(v),
            2 | 5 => {
                let units: Vec<u16> = v
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                String::from_utf16_lossy(&units)
            }
            21 => int(true),
            22 => int(false),
            23 if v.len() == 4 => f32::from_be_bytes([v[0], v[1], v[2], v[3]]).to_string(),
            24 if v.len() == 8 => f64::from_be_bytes(v.try_into().unwrap_or([0; 8])).to_string(),
            13 | 14 | 27 => format!("image, {} bytes", v.len()),
            _ => text(v),
        });
    }
    if values.is_empty() {
        return text(item.body(buf));
    }
    values.join(", ")
}

/// The value of a user-data box, as text.
fn udta_value(kind: &[u8; 4], buf: &[u8], h: &BoxHeader) -> String {
    let body = h.body(buf);
    if body.get(4..8) == Some(b"data") {
        return data_value(buf, h);
    }
    if kind[0] == 0xA9 {
        return qt_text(body);
    }
    if THREE_GPP.contains(&kind) {
        let rest = body.get(4..).unwrap_or(&[]);
        return match kind {
            b"yrrc" => rest
                .get(..2)
                .map(|b| u16::from_be_bytes([b[0], b[1]]).to_string())
                .unwrap_or_default(),
            b"rtng" => text(rest.get(10..).unwrap_or(&[])),
            b"clsf" => text(rest.get(8..).unwrap_or(&[])),
            _ => text(rest.get(2..).unwrap_or(&[])),
        };
    }
    text(body)
}

/// A QuickTime user-data text item: 16-bit length, 16-bit language, text.
fn qt_text(body: &[u8]) -> String {
    let mut r = Reader::new(body);
    match (r.u16(), r.u16()) {
        (Ok(len), Ok(_)) => match r.bytes(usize::from(len)) {
            Ok(s) => text(s),
            Err(_) => text(body),
        },
        _ => text(body),
    }
}

// ---------------------------------------------------------------------------
// Timed metadata: GoPro GPMF, Google CAMM

/// What a GPMF stream (GoPro's key-length-value telemetry) holds.
#[derive(Default)]
struct Gpmf {
    fixes: u64,
    first_fix: Option<(f64, f64, Option<f64>)>,
    first_time: Option<String>,
    strings: Vec<(&'static str, String)>,
}

impl Gpmf {
    fn block(&self, place: &str, source: &str) -> Block {
        let mut b = Block::default();
        for (tag, value) in &self.strings {
            b.add(Category::Device, place, tag, value.clone());
        }
        if self.fixes > 0 {
            b.add(
                Category::Location,
                place,
                "GPSTrack",
                format!("{} GPS fixes", self.fixes),
            );
        }
        if let Some((lat, lon, alt)) = self.first_fix {
            b.locations.push(geo::location(lat, lon, alt, source));
        }
        if let Some(t) = &self.first_time {
            b.add(Category::Time, place, "GPSDateTime", t.clone());
        }
        b
    }
}

/// GPMF strings that identify the camera.
const GPMF_STRINGS: &[(&[u8; 4], &str)] = &[
    (b"CASN", "CameraSerialNumber"),
    (b"MINF", "Model"),
    (b"FMWR", "FirmwareVersion"),
    (b"LINF", "LensSerialNumber"),
];

/// Walks GPMF key-length-value data: a four-character key, a type, a
/// structure size, a repeat count, the data padded to 4 bytes; type 0 nests.
fn gpmf(data: &[u8], depth: usize, out: &mut Gpmf) {
    let mut scale: Vec<f64> = Vec::new();
    let mut fix = true;
    let mut pos = 0;
    while pos + 8 <= data.len() {
        let key: [u8; 4] = [data[pos], data[pos + 1], data[pos + 2], data[pos + 3]];
        let (kind, size) = (data[pos + 4], usize::from(data[pos + 5]));
        let repeat = usize::from(u16::from_be_bytes([data[pos + 6], data[pos + 7]]));
        let len = size * repeat;
        let Some(payload) = data.get(pos + 8..pos + 8 + len) else {
            break;
        };
        if key == [0; 4] {
            break;
        }
        match (&key, kind) {
            (_, 0) if depth < 8 => gpmf(payload, depth + 1, out),
            (b"SCAL", _) => scale = gpmf_numbers(kind, payload),
            (b"GPSF", _) => fix = gpmf_numbers(kind, payload).first() != Some(&0.0),
            (b"GPSU", b'U' | b'c') if out.first_time.is_none() => {
                out.first_time = gpmf_time(payload);
            }
            (b"GPS5" | b"GPS9", _) if size >= 12 => {
                out.fixes += repeat as u64;
                if out.first_fix.is_none() && fix {
                    let s = |i: usize| match scale.get(i).or(scale.first()) {
                        Some(&v) if v != 0.0 => v,
                        _ => 1.0,
                    };
                    let v = |i: usize| f64::from(be32(payload, i * 4) as i32) / s(i);
                    let (lat, lon) = (v(0), v(1));
                    if lat != 0.0 || lon != 0.0 {
                        out.first_fix = Some((lat, lon, Some(v(2))));
                    }
                }
            }
            (k, b'c') => {
                if let Some((_, tag)) = GPMF_STRINGS.iter().find(|(g, _)| *g == k) {
                    let value = text(payload);
                    if !value.is_empty() && out.strings.len() < 64 {
                        out.strings.push((*tag, value));
                    }
                }
            }
            _ => {}
        }
        pos += 8 + len.div_ceil(4) * 4;
    }
}

fn gpmf_numbers(kind: u8, payload: &[u8]) -> Vec<f64> {
    let width = match kind {
        b'b' | b'B' => 1,
        b's' | b'S' => 2,
        b'l' | b'L' | b'f' => 4,
        b'd' => 8,
        _ => return Vec::new(),
    };
    payload
        .chunks_exact(width)
        .map(|c| match kind {
            b'b' => f64::from(c[0] as i8),
            b'B' => f64::from(c[0]),
            b's' => f64::from(i16::from_be_bytes([c[0], c[1]])),
            b'S' => f64::from(u16::from_be_bytes([c[0], c[1]])),
            b'l' => f64::from(i32::from_be_bytes([c[0], c[1], c[2], c[3]])),
            b'L' => f64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]])),
            b'f' => f64::from(f32::from_be_bytes([c[0], c[1], c[2], c[3]])),
            _ => f64::from_be_bytes(c.try_into().unwrap_or([0; 8])),
        })
        .collect()
}

/// GPMF UTC time `yymmddhhmmss.sss` as `20yy:mm:dd hh:mm:ss`.
fn gpmf_time(payload: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(payload.get(..12)?).ok()?;
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!(
        "20{}:{}:{} {}:{}:{}",
        &s[0..2],
        &s[2..4],
        &s[4..6],
        &s[6..8],
        &s[8..10],
        &s[10..12]
    ))
}

/// A CAMM sample (little-endian): 16 reserved bits, a 16-bit type, data.
/// Types 5 (position) and 6 (GPS) hold coordinates.
fn camm(sample: &[u8], out: &mut (u64, Option<(f64, f64, f64)>)) {
    let f64_at = |at: usize| {
        sample
            .get(at..at + 8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    };
    let kind = sample.get(2..4).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let fix = match kind {
        Some(5) => f64_at(4).zip(f64_at(12)).zip(f64_at(20)),
        Some(6) => f64_at(16).zip(f64_at(24)).map(|ll| {
            let alt = sample.get(32..36).map_or(0.0, |b| {
                f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            });
            (ll, alt)
        }),
        _ => None,
    };
    if let Some(((lat, lon), alt)) = fix {
        out.0 += 1;
        if out.1.is_none() && (lat != 0.0 || lon != 0.0) {
            out.1 = Some((lat, lon, alt));
        }
    }
}

fn gpmf_block(place: &str, body: &[u8]) -> Block {
    let mut g = Gpmf::default();
    gpmf(body, 0, &mut g);
    let mut b = g.block(place, "GoPro GPMF");
    b.add(
        Category::Device,
        place,
        "GPMF",
        format!("{} bytes of camera settings", body.len()),
    );
    b
}

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
        output: Pieces::patched(video.len, &video.patches(policy)?)?,
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
