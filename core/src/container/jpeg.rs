//! JPEG: segments in, segments out.
//!
//! A JPEG is `SOI`, a run of marker segments (metadata `APPn`/`COM`, and
//! the tables and frame headers of the image), scans of entropy-coded data,
//! and `EOI`. Phones append more after `EOI`: MPF secondary images (each with
//! its own EXIF, often with GPS) and motion-photo videos.
//!
//! The cleaned file accounts for every byte. It is `SOI`, the blocks
//! photoscrub writes itself from values it parsed and checked — JFIF and
//! Adobe APP14 at their canonical lengths, the rebuilt EXIF, the rebuilt ICC
//! profile, XMP and Photoshop resources only as their modules rebuild them
//! for a policy that keeps some of them — and the image data copied from
//! the input: frame and scan headers, restart intervals, the scans with
//! their entropy-coded data, `EOI`, and of the quantisation and Huffman
//! tables only the ones the image uses (their segment headers written
//! anew). Comments, other `APPn` blocks, bytes between segments, unused
//! tables, everything after `EOI` (MPF images, motion-photo videos) and the
//! MPF index are never copied; whatever of them cannot be read is reported
//! as `unknown`.

mod tables;

use crate::findings::{Category, Finding, Scan};
use crate::format::Format;
use crate::metadata::exif::{Exif, ImageFacts};
use crate::metadata::{exif, icc, iptc, mpf, xmp};
use crate::plan::{Inspection, Pieces, Plan};
use crate::policy::Policy;
use crate::Error;
use std::collections::BTreeMap;
use std::ops::Range;
use tables::Table;

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const DQT: u8 = 0xDB;
const DHT: u8 = 0xC4;
const COM: u8 = 0xFE;
const APP0: u8 = 0xE0;
const MAX_PAYLOAD: usize = 65533;
/// Most MPF images whose own metadata is read. Phones write two to four
/// (primary, gain map, depth map, preview); a 64 KB index can list 4,000
/// entries over the same bytes, each a full parse of them. Images past the
/// cap are still reported, as trailer data, and dropped like all of it.
const MAX_MPF_IMAGES: usize = 64;
/// Most segments kept in memory. A photo has a few dozen; a hostile file of
/// millions of tiny blocks would otherwise cost 32 bytes each. Removed
/// blocks past [`MAX_LISTED_DROPS`] are only counted, so this bounds the
/// blocks that are read or kept.
const MAX_SEGMENTS: usize = 1 << 16;
/// Removed blocks (comments, vendor blocks, stray bytes) listed one by one;
/// the rest are counted by category.
const MAX_LISTED_DROPS: usize = crate::findings::MAX_LISTED;

const XMP_SIGNATURE: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const EXTENDED_XMP_SIGNATURE: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
const PHOTOSHOP_SIGNATURE: &[u8] = b"Photoshop 3.0\0";
const ICC_SIGNATURE: &[u8] = b"ICC_PROFILE\0";
/// ICC chunk header: signature, chunk number, chunk count.
const ICC_HEADER: usize = 14;
/// JFIF APP0: `JFIF\0`, version (2), units (1), density (4), thumbnail
/// width and height (1 each).
const JFIF_LEN: usize = 14;
/// Adobe APP14: `Adobe`, version (2), flags (2 + 2), colour transform (1).
const ADOBE_LEN: usize = 12;

/// What a segment is, as far as cleaning is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    /// Frame and scan headers with their entropy-coded data, restart
    /// intervals, arithmetic-coding conditioning: copied.
    ImageData,
    /// Quantisation or Huffman tables: the used ones copied.
    Tables,
    Jfif,
    Icc,
    Adobe,
    Exif,
    Xmp,
    ExtendedXmp,
    Mpf,
    Photoshop,
    Comment,
    /// Any other APPn: vendor data, never passed on.
    Vendor,
    /// A marker that is neither image data nor metadata (JPG, JPGn, TEM).
    Unknown,
}

impl Block {
    /// Whether the block is removed whatever the policy, without being read
    /// (its findings say what it was).
    fn is_dropped(self) -> bool {
        matches!(self, Block::Comment | Block::Vendor | Block::Unknown)
    }
}

/// One marker segment; for SOS, `end` includes the entropy-coded data.
#[derive(Clone, Copy, Debug)]
struct Segment {
    marker: u8,
    /// Offset of the 0xFF that starts the marker.
    start: usize,
    /// End of the length-delimited part.
    header_end: usize,
    end: usize,
}

impl Segment {
    fn payload<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        data.get(self.payload_range()).unwrap_or(&[])
    }

    fn payload_range(&self) -> Range<usize> {
        (self.start + 4).min(self.header_end)..self.header_end
    }
}

/// A parsed JPEG: where every segment is, and where the image ends.
struct Jpeg<'a> {
    data: &'a [u8],
    segments: Vec<Segment>,
    /// Bytes between segments that are no marker, listed (at most
    /// [`MAX_LISTED_DROPS`] runs together with the listed dropped segments).
    stray: Vec<Range<usize>>,
    /// How many removed blocks and stray runs are listed.
    listed: usize,
    /// Removed blocks and stray runs past the listing cap, by category.
    unlisted: BTreeMap<Category, usize>,
    /// Every quantisation and Huffman table, and whether the image uses it.
    tables: Vec<Table>,
    /// Offset just after EOI; everything from here on is trailer.
    image_end: usize,
}

impl<'a> Jpeg<'a> {
    fn parse(data: &'a [u8]) -> Result<Jpeg<'a>, Error> {
        if data.len() < 4 || data[0] != 0xFF || data[1] != SOI {
            return Err(Error::damaged("not a JPEG (no start-of-image marker)"));
        }
        let mut jpeg = Jpeg {
            data,
            segments: Vec::new(),
            stray: Vec::new(),
            listed: 0,
            unlisted: BTreeMap::new(),
            tables: Vec::new(),
            image_end: 0,
        };
        let mut pos = 2;
        loop {
            let (marker, fill, start) = next_marker(data, pos)?;
            if fill > pos {
                jpeg.drop_stray(pos..fill);
            }
            if marker == EOI {
                jpeg.image_end = start + 2;
                break;
            }
            let segment = read_segment(data, marker, start, true)?;
            pos = segment.end;
            jpeg.add(segment)?;
        }
        let image = jpeg
            .segments
            .iter()
            .filter(|s| matches!(jpeg.block(s), Block::ImageData | Block::Tables))
            .map(|s| (s.marker, s.payload_range()));
        jpeg.tables = tables::tables(data, image)?;
        Ok(jpeg)
    }

    fn add(&mut self, segment: Segment) -> Result<(), Error> {
        let block = self.block(&segment);
        if block.is_dropped() {
            if self.listed >= MAX_LISTED_DROPS {
                let category = dropped_category(block, segment.payload(self.data));
                *self.unlisted.entry(category).or_default() += 1;
                return Ok(());
            }
            self.listed += 1;
        }
        if self.segments.len() >= MAX_SEGMENTS {
            return Err(Error::Unsupported(format!(
                "more than {MAX_SEGMENTS} marker segments"
            )));
        }
        self.segments.push(segment);
        Ok(())
    }

    fn drop_stray(&mut self, range: Range<usize>) {
        if self.listed < MAX_LISTED_DROPS {
            self.listed += 1;
            self.stray.push(range);
        } else {
            *self.unlisted.entry(Category::Unknown).or_default() += 1;
        }
    }

    fn block(&self, segment: &Segment) -> Block {
        classify(segment.marker, segment.payload(self.data))
    }

    fn of(&self, block: Block) -> impl Iterator<Item = &Segment> + '_ {
        self.segments.iter().filter(move |s| self.block(s) == block)
    }

    fn trailer(&self) -> Range<usize> {
        self.image_end..self.data.len()
    }

    /// Pixel width and height from the frame header.
    fn dimensions(&self) -> Option<(u32, u32)> {
        let sof = self.segments.iter().find(|s| is_frame_header(s.marker))?;
        let p = sof.payload(self.data);
        let height = u16::from_be_bytes([*p.get(1)?, *p.get(2)?]);
        let width = u16::from_be_bytes([*p.get(3)?, *p.get(4)?]);
        Some((u32::from(width), u32::from(height)))
    }

    /// The ICC profile, joined from its chunks, if there are any.
    fn icc_profile(&self) -> Option<Result<Vec<u8>, Error>> {
        let chunks: Vec<&[u8]> = self.of(Block::Icc).map(|s| s.payload(self.data)).collect();
        (!chunks.is_empty()).then(|| join_icc_chunks(&chunks))
    }

    /// The profile the cleaned file carries: the input's, rebuilt, if it
    /// can be read.
    fn rebuilt_icc(&self) -> Option<Vec<u8>> {
        icc::rebuild(&self.icc_profile()?.ok()?).ok()
    }

    /// The Orientation of the first XMP packet that has one.
    fn xmp_orientation(&self) -> Option<u32> {
        self.of(Block::Xmp)
            .find_map(|s| xmp::orientation(&s.payload(self.data)[XMP_SIGNATURE.len()..]))
    }

    fn facts(&self, has_icc: bool) -> ImageFacts {
        ImageFacts {
            dimensions: self.dimensions(),
            has_icc,
            orientation: self.xmp_orientation(),
        }
    }

    /// Where the image's data lies, in order: image-data segments whole,
    /// of table segments the used tables only, then EOI.
    fn image_ranges(&self) -> Vec<Range<usize>> {
        let mut ranges = Vec::new();
        for s in &self.segments {
            match self.block(s) {
                Block::ImageData => ranges.push(s.start..s.end),
                Block::Tables => ranges.extend(self.used_tables(s)),
                _ => {}
            }
        }
        ranges.push(self.image_end - 2..self.image_end);
        ranges
    }

    /// The used tables defined in `segment`.
    fn used_tables<'s>(&'s self, segment: &'s Segment) -> impl Iterator<Item = Range<usize>> + 's {
        let inside = segment.payload_range();
        self.tables
            .iter()
            .filter(move |t| t.used && inside.contains(&t.range.start))
            .map(|t| t.range.clone())
    }
}

/// The category of a block removed unread.
fn dropped_category(block: Block, payload: &[u8]) -> Category {
    match block {
        Block::Comment => Category::Text,
        Block::Vendor if payload.starts_with(b"JFXX\0") => Category::Preview,
        _ => Category::Unknown,
    }
}

/// Whether `code` after 0xFF is a marker (and not a stuffed zero, a
/// reserved code or fill).
fn is_marker_code(code: u8) -> bool {
    matches!(code, 0x01 | 0xC0..=0xFE)
}

/// Finds the next marker at or after `pos`; returns it, where its run of
/// 0xFF fill bytes starts and where the marker itself starts (its last
/// 0xFF). Bytes from `pos` to the fill that are no marker (stray bytes,
/// which decoders skip) are the caller's to report.
fn next_marker(data: &[u8], pos: usize) -> Result<(u8, usize, usize), Error> {
    let mut at = pos;
    while at < data.len() {
        let Some(ff) = memchr::memchr(0xFF, &data[at..]).map(|i| at + i) else {
            break;
        };
        let mut code = ff + 1;
        while data.get(code) == Some(&0xFF) {
            code += 1;
        }
        match data.get(code) {
            Some(&c) if is_marker_code(c) => return Ok((c, ff, code - 1)),
            Some(_) => at = code + 1,
            None => break,
        }
    }
    Err(Error::damaged(
        "truncated: the file ends before the end-of-image marker",
    ))
}

/// Reads the segment at `start`; for SOS, `entropy` says whether to find
/// the end of its entropy-coded data too.
fn read_segment(data: &[u8], marker: u8, start: usize, entropy: bool) -> Result<Segment, Error> {
    if marker == 0x01 || (0xD0..=0xD7).contains(&marker) {
        return Ok(Segment {
            marker,
            start,
            header_end: start + 2,
            end: start + 2,
        });
    }
    if marker == SOI {
        return Err(Error::damaged(format!(
            "unexpected marker 0x{marker:02X} at byte {start}"
        )));
    }
    let len = data
        .get(start + 2..start + 4)
        .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        .ok_or_else(|| Error::damaged("truncated: the file ends inside a segment header"))?;
    let header_end = start + 2 + len;
    if len < 2 || header_end > data.len() {
        return Err(Error::damaged(format!(
            "segment 0x{marker:02X} at byte {start} says it is {len} bytes long, past the end of the file"
        )));
    }
    let end = if marker == SOS && entropy {
        entropy_end(data, header_end)?
    } else {
        header_end
    };
    Ok(Segment {
        marker,
        start,
        header_end,
        end,
    })
}

/// The end of entropy-coded data: the first 0xFF that starts a marker other
/// than a restart marker (0xFF00 is a stuffed byte, 0xFFFF fill).
fn entropy_end(data: &[u8], from: usize) -> Result<usize, Error> {
    let mut at = from;
    while let Some(i) = memchr::memchr(0xFF, &data[at..]) {
        let ff = at + i;
        match data.get(ff + 1) {
            Some(0x00) | Some(0xD0..=0xD7) => at = ff + 2,
            Some(0xFF) => at = ff + 1,
            Some(_) => return Ok(ff),
            None => break,
        }
    }
    Err(Error::damaged(
        "truncated: the image data ends without an end-of-image marker",
    ))
}

fn is_frame_header(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC)
}

/// Markers of image data other than tables: frame headers (SOF0–15, JPEG-LS
/// SOF55 and LSE), arithmetic conditioning (DAC), restarts, scans, DNL,
/// DRI, DHP and EXP.
fn is_image_data(marker: u8) -> bool {
    matches!(marker, 0xC0..=0xCF | 0xD0..=0xD7 | SOS | 0xDC..=0xDF | 0xF7 | 0xF8)
        && !matches!(marker, DHT | 0xC8)
}

fn classify(marker: u8, payload: &[u8]) -> Block {
    let has = |sig: &[u8]| payload.starts_with(sig);
    match marker {
        DQT | DHT => Block::Tables,
        m if is_image_data(m) => Block::ImageData,
        APP0 if has(b"JFIF\0") => Block::Jfif,
        0xE1 if payload.len() >= 6 && has(b"Exif\0") => Block::Exif,
        0xE1 if has(XMP_SIGNATURE) => Block::Xmp,
        0xE1 if has(EXTENDED_XMP_SIGNATURE) => Block::ExtendedXmp,
        0xE2 if has(ICC_SIGNATURE) => Block::Icc,
        0xE2 if has(mpf::SIGNATURE) => Block::Mpf,
        0xED if has(PHOTOSHOP_SIGNATURE) => Block::Photoshop,
        0xEE if has(b"Adobe") => Block::Adobe,
        COM => Block::Comment,
        0xE0..=0xEF => Block::Vendor,
        _ => Block::Unknown,
    }
}

/// The ICC profile from its APP2 chunks: each numbered 1 to their count
/// exactly once, all agreeing on the count, joined in number order.
fn join_icc_chunks(chunks: &[&[u8]]) -> Result<Vec<u8>, Error> {
    let bad = || Error::damaged("the ICC profile's chunks do not fit together");
    let count = *chunks[0].get(ICC_HEADER - 1).ok_or_else(bad)?;
    if usize::from(count) != chunks.len() {
        return Err(bad());
    }
    let mut ordered: Vec<Option<&[u8]>> = vec![None; chunks.len()];
    for c in chunks {
        let (n, total) = (
            c.get(ICC_HEADER - 2).copied(),
            c.get(ICC_HEADER - 1).copied(),
        );
        let slot = n
            .filter(|&n| n >= 1 && total == Some(count))
            .and_then(|n| ordered.get_mut(usize::from(n) - 1))
            .filter(|slot| slot.is_none())
            .ok_or_else(bad)?;
        *slot = Some(&c[ICC_HEADER..]);
    }
    Ok(ordered.into_iter().flatten().flatten().copied().collect())
}

/// A JFIF header, checked: version 1.00–1.02, known units, non-zero
/// density; and how many bytes follow it (a thumbnail, then anything else).
struct Jfif {
    /// Version, units and density: the 7 bytes after `JFIF\0`.
    fields: [u8; 7],
    thumbnail: usize,
    extra: usize,
}

fn read_jfif(payload: &[u8]) -> Option<Jfif> {
    let fields: [u8; 7] = payload.get(5..12)?.try_into().ok()?;
    let (w, h) = (usize::from(*payload.get(12)?), usize::from(payload[13]));
    let density_ok = fields[3..5] != [0, 0] && fields[5..7] != [0, 0];
    let valid = fields[0] == 1 && fields[1] <= 2 && fields[2] <= 2 && density_ok;
    let thumbnail = 3 * w * h;
    let extra = payload.len().checked_sub(JFIF_LEN + thumbnail)?;
    valid.then_some(Jfif {
        fields,
        thumbnail,
        extra,
    })
}

/// The colour transform of an Adobe APP14 block (0 none or CMYK, 1 YCbCr,
/// 2 YCCK), and how many bytes follow the 12 it defines.
fn read_adobe(payload: &[u8]) -> Option<(u8, usize)> {
    let transform = *payload.get(ADOBE_LEN - 1)?;
    (transform <= 2).then_some((transform, payload.len() - ADOBE_LEN))
}

/// Everything a JPEG would tell a stranger, from every block in it and in
/// the images appended after it.
pub fn scan(data: &[u8]) -> Result<Scan, Error> {
    scan_jpeg(&Jpeg::parse(data)?, "")
}

/// The primary image's scan, with its MPF images'.
fn scan_jpeg(jpeg: &Jpeg, prefix: &str) -> Result<Scan, Error> {
    scan_image(jpeg, prefix, true)
}

/// `mpf_images`: whether to read the images the MPF index lists. Only the
/// first image of a file has an MP index (CIPA DC-007: the others carry MP
/// attributes only), and reading the indexes of listed images too would let
/// a few KB of images, each listing the next ones twice, take 2^n scans.
fn scan_image(jpeg: &Jpeg, prefix: &str, mpf_images: bool) -> Result<Scan, Error> {
    let data = jpeg.data;
    let mut scan = Scan::default();
    let mut extended_xmp = Vec::new();
    let mut icc_done = false;
    for segment in &jpeg.segments {
        let payload = segment.payload(data);
        match jpeg.block(segment) {
            Block::ExtendedXmp => extended_xmp.push(payload),
            Block::Icc if !icc_done => {
                icc_done = true;
                scan.extend(scan_icc(jpeg, prefix));
            }
            block => scan.extend(scan_block(block, segment.marker, payload, prefix)?),
        }
    }
    for f in structure_findings(jpeg, prefix) {
        scan.push(f);
    }
    for (&category, &n) in &jpeg.unlisted {
        *scan.omitted.entry(category).or_default() += n;
    }
    if !extended_xmp.is_empty() {
        scan.extend(xmp::scan(
            &assemble_extended_xmp(&extended_xmp),
            &format!("{prefix}XMP extended"),
        ));
    }
    scan.extend(scan_photoshop(jpeg, prefix));
    scan.extend(scan_trailer(jpeg, prefix, mpf_images));
    Ok(scan)
}

/// Findings for what lies between and inside the image's own segments:
/// stray bytes and unused tables.
fn structure_findings(jpeg: &Jpeg, prefix: &str) -> Vec<Finding> {
    let mut found: Vec<Finding> = jpeg
        .stray
        .iter()
        .map(|r| {
            Finding::new(
                Category::Unknown,
                &format!("{prefix}between segments"),
                "StrayBytes",
                format!(
                    "unreadable metadata, removed ({} bytes at {})",
                    r.len(),
                    r.start
                ),
            )
        })
        .collect();
    found.extend(jpeg.tables.iter().filter(|t| !t.used).map(|t| {
        Finding::new(
            Category::Unknown,
            &format!("{prefix}tables"),
            "UnusedTable",
            format!("{} that no scan reads, removed", t.slot.describe()),
        )
    }));
    found
}

/// The ICC profile: what it says and what its rebuild drops, or, if its
/// chunks do not fit together, that it is removed.
fn scan_icc(jpeg: &Jpeg, prefix: &str) -> Scan {
    let block = format!("{prefix}APP2 ICC");
    match jpeg.icc_profile() {
        Some(Ok(profile)) => icc::scan(&profile, &block),
        Some(Err(e)) => {
            let mut scan = Scan::default();
            scan.push(Finding::new(
                Category::Unknown,
                &block,
                "ICC_Profile",
                format!("unreadable metadata, removed ({e})"),
            ));
            scan
        }
        None => Scan::default(),
    }
}

fn scan_block(block: Block, marker: u8, payload: &[u8], prefix: &str) -> Result<Scan, Error> {
    let mut scan = Scan::default();
    let mut one = |category, block: &str, tag: &str, value: String| {
        scan.push(Finding::new(
            category,
            &format!("{prefix}{block}"),
            tag,
            value,
        ));
    };
    let app = format!("APP{}", marker.wrapping_sub(APP0));
    match block {
        Block::ImageData | Block::Tables | Block::ExtendedXmp | Block::Mpf | Block::Photoshop => {}
        Block::Icc => {}
        Block::Exif => return Ok(Exif::parse(&payload[6..])?.scan(&format!("{prefix}EXIF"))),
        Block::Xmp => {
            return Ok(xmp::scan(
                &payload[XMP_SIGNATURE.len()..],
                &format!("{prefix}XMP"),
            ))
        }
        Block::Comment => {
            let text = String::from_utf8_lossy(payload).into_owned();
            one(Category::Text, "COM", "Comment", text);
        }
        Block::Jfif => scan_jfif(payload, &mut one),
        Block::Adobe => match read_adobe(payload) {
            Some((transform, extra)) => {
                let value = format!("colour transform {transform}");
                one(Category::Rendering, "APP14", "Adobe", value);
                if extra > 0 {
                    let value = format!("{extra} bytes after the Adobe header, removed");
                    one(Category::Unknown, "APP14", "TrailingData", value);
                }
            }
            None => one(
                Category::Unknown,
                "APP14",
                "Adobe",
                "unreadable metadata, removed".into(),
            ),
        },
        Block::Vendor => {
            let value = format!("{} ({} bytes)", signature(payload), payload.len());
            one(dropped_category(block, payload), &app, "VendorBlock", value);
        }
        Block::Unknown => {
            let value = format!("marker 0x{marker:02X}, unreadable metadata, removed");
            one(Category::Unknown, "segment", "UnknownSegment", value);
        }
    }
    Ok(scan)
}

fn scan_jfif(payload: &[u8], one: &mut impl FnMut(Category, &str, &str, String)) {
    let Some(jfif) = read_jfif(payload) else {
        one(
            Category::Unknown,
            "APP0",
            "JFIF",
            "unreadable metadata, removed".into(),
        );
        return;
    };
    let version = format!("version 1.0{}", jfif.fields[1]);
    one(Category::Rendering, "APP0", "JFIF", version);
    if jfif.thumbnail > 0 {
        let value = format!("{} bytes", jfif.thumbnail);
        one(Category::Preview, "APP0", "JFIFThumbnail", value);
    }
    if jfif.extra > 0 {
        let value = format!("{} bytes after the JFIF header, removed", jfif.extra);
        one(Category::Unknown, "APP0", "TrailingData", value);
    }
}

/// Photoshop resources (with IPTC inside) may be split over several APP13
/// segments: they are read joined, as one block. Resources that cannot be
/// read are one `unknown` finding: the block is removed.
fn scan_photoshop(jpeg: &Jpeg, prefix: &str) -> Scan {
    let joined = photoshop_irb(jpeg);
    if joined.is_empty() {
        return Scan::default();
    }
    let block = format!("{prefix}IPTC");
    iptc::scan_photoshop(&joined, &block).unwrap_or_else(|e| {
        let mut scan = Scan::default();
        let value = format!("unreadable metadata, removed ({e})");
        scan.push(Finding::new(Category::Unknown, &block, "Photoshop", value));
        scan
    })
}

/// The printable start of a block, which names its kind (`FLIR`, `Ducky`…).
fn signature(payload: &[u8]) -> String {
    let sig: String = payload
        .iter()
        .take(24)
        .take_while(|&&b| b != 0)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    if sig.is_empty() {
        "unnamed".into()
    } else {
        format!("'{sig}'")
    }
}
/// Extended XMP: 32-byte GUID, u32 full length, u32 offset, then a chunk.
fn assemble_extended_xmp(chunks: &[&[u8]]) -> Vec<u8> {
    let header = EXTENDED_XMP_SIGNATURE.len() + 40;
    let mut parts: Vec<(u32, &[u8])> = chunks
        .iter()
        .filter(|c| c.len() >= header)
        .map(|c| {
            let at = EXTENDED_XMP_SIGNATURE.len() + 36;
            (
                u32::from_be_bytes([c[at], c[at + 1], c[at + 2], c[at + 3]]),
                &c[header..],
            )
        })
        .collect();
    parts.sort_by_key(|p| p.0);
    parts
        .into_iter()
        .flat_map(|p| p.1.iter().copied())
        .collect()
}

/// Findings for everything after EOI: MPF images (with what their own
/// metadata says, if `with_mpf` and at most [`MAX_MPF_IMAGES`] of them) and
/// any other trailing data.
fn scan_trailer(jpeg: &Jpeg, prefix: &str, with_mpf: bool) -> Scan {
    let mut scan = Scan::default();
    let trailer = jpeg.trailer();
    let mut covered = Vec::new();
    let images = if with_mpf {
        mpf_images(jpeg)
    } else {
        Vec::new()
    };
    for (n, range, kind) in images.into_iter().take(MAX_MPF_IMAGES) {
        let block = format!("{prefix}MPF image {n}");
        let size = range.len();
        scan.push(Finding::new(
            Category::Preview,
            &block,
            &format!("MPImage{n}"),
            format!("{kind}, {size} bytes"),
        ));
        let image = Jpeg::parse(&jpeg.data[range.clone()]);
        match image.and_then(|image| scan_image(&image, &format!("{block} "), false)) {
            Ok(inner) => scan.extend(inner),
            Err(e) => scan.push(Finding::new(
                Category::Preview,
                &block,
                "Unreadable",
                e.to_string(),
            )),
        }
        covered.push(range);
    }
    for gap in gaps(trailer, &covered) {
        let bytes = &jpeg.data[gap.clone()];
        let what = describe_trailer(bytes);
        scan.push(Finding::new(
            Category::Preview,
            &format!("{prefix}trailer"),
            "TrailerData",
            what,
        ));
    }
    scan
}

/// MPF images after the primary one, with their range in the file; entries
/// that do not lie inside the trailer are left for the gap report.
fn mpf_images(jpeg: &Jpeg) -> Vec<(usize, Range<usize>, &'static str)> {
    let Some(segment) = jpeg.segments.iter().find(|s| jpeg.block(s) == Block::Mpf) else {
        return Vec::new();
    };
    let tiff_start = segment.start + 4 + mpf::SIGNATURE.len();
    let Ok(entries) = mpf::entries(&segment.payload(jpeg.data)[mpf::SIGNATURE.len()..]) else {
        return Vec::new();
    };
    let trailer = jpeg.trailer();
    entries
        .iter()
        .enumerate()
        .filter(|(_, e)| e.offset != 0)
        .filter_map(|(i, e)| {
            let start = tiff_start.checked_add(e.offset as usize)?;
            let end = start.checked_add(e.size as usize)?;
            (start >= trailer.start && end <= trailer.end).then_some((i + 1, start..end, e.kind()))
        })
        .collect()
}

fn gaps(whole: Range<usize>, covered: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut sorted = covered.to_vec();
    sorted.sort_by_key(|r| r.start);
    let mut gaps = Vec::new();
    let mut at = whole.start;
    for r in sorted {
        if r.start > at {
            gaps.push(at..r.start);
        }
        at = at.max(r.end);
    }
    if whole.end > at {
        gaps.push(at..whole.end);
    }
    gaps
}

fn describe_trailer(bytes: &[u8]) -> String {
    let kind = if bytes.iter().all(|&b| b == 0) {
        "padding"
    } else if memchr::memmem::find(bytes, b"ftyp").is_some() {
        "motion-photo video"
    } else if bytes.ends_with(b"SEFT") {
        "Samsung trailer"
    } else if bytes.starts_with(&[0xFF, SOI]) {
        "appended image"
    } else {
        "unknown data"
    };
    format!("{kind}, {} bytes", bytes.len())
}

/// Builds the cleaned JPEG under `policy` (see the module documentation).
pub fn rebuild(data: &[u8], policy: &Policy) -> Result<Vec<u8>, Error> {
    rebuild_jpeg(&Jpeg::parse(data)?, policy)?.to_vec(data)
}

/// The cleaned JPEG: the image data as ranges of the input, everything
/// else as bytes photoscrub wrote.
fn rebuild_jpeg(jpeg: &Jpeg, policy: &Policy) -> Result<Pieces, Error> {
    let icc = jpeg.rebuilt_icc();
    let facts = jpeg.facts(icc.is_some());
    let mut out = Pieces::default();
    out.push_new(&[0xFF, SOI]);
    let mut first = Firsts::default();
    let mut exif_to_add = jpeg.of(Block::Exif).next().is_none();
    for segment in &jpeg.segments {
        let block = jpeg.block(segment);
        if block != Block::Jfif && exif_to_add {
            exif_to_add = false;
            // No EXIF block: one with the Orientation only XMP gave.
            if let Some(orientation) = facts.orientation.filter(|&o| o != 1) {
                let tiff = exif::minimal(orientation, facts)?;
                write_segment(&mut out, 0xE1, &[exif::JPEG_SIGNATURE, &tiff])?;
            }
        }
        write_block(
            jpeg,
            segment,
            block,
            policy,
            (&mut out, &mut first),
            (facts, &icc),
        )?;
    }
    out.push_input(jpeg.image_end as u64 - 2..jpeg.image_end as u64);
    Ok(out)
}

/// Blocks written once, where the first of their kind was: whether each
/// has been.
#[derive(Default)]
struct Firsts {
    jfif_done: bool,
    adobe_done: bool,
    exif_done: bool,
    icc_done: bool,
    photoshop_done: bool,
}

fn write_block(
    jpeg: &Jpeg,
    segment: &Segment,
    block: Block,
    policy: &Policy,
    (out, first): (&mut Pieces, &mut Firsts),
    (facts, icc): (ImageFacts, &Option<Vec<u8>>),
) -> Result<(), Error> {
    let payload = segment.payload(jpeg.data);
    match block {
        Block::ImageData => out.push_input(segment.start as u64..segment.end as u64),
        Block::Tables => write_tables(out, jpeg, segment),
        Block::Jfif if !std::mem::replace(&mut first.jfif_done, true) => {
            if let Some(jfif) = read_jfif(payload) {
                write_segment(out, APP0, &[b"JFIF\0", &jfif.fields, &[0, 0]])?;
            }
        }
        Block::Adobe if !std::mem::replace(&mut first.adobe_done, true) => {
            if let Some((transform, _)) = read_adobe(payload) {
                write_segment(out, 0xEE, &[b"Adobe\0\x64\0\0\0\0", &[transform]])?;
            }
        }
        Block::Exif if !std::mem::replace(&mut first.exif_done, true) => {
            let tiff = Exif::parse(&payload[6..])?.rebuild(policy, facts)?;
            write_segment(out, 0xE1, &[exif::JPEG_SIGNATURE, &tiff])?;
        }
        Block::Icc if !std::mem::replace(&mut first.icc_done, true) => {
            if let Some(profile) = icc {
                write_icc(out, profile)?;
            }
        }
        Block::Photoshop if !std::mem::replace(&mut first.photoshop_done, true) => {
            let irb = photoshop_irb(jpeg);
            if policy.keeps_some(&scan_photoshop(jpeg, "")) {
                if let Some(irb) = iptc::filter_photoshop(&irb, policy) {
                    write_if_fits(out, 0xED, &[PHOTOSHOP_SIGNATURE, &irb]);
                }
            }
        }
        Block::Xmp => {
            let packet = &payload[XMP_SIGNATURE.len()..];
            if policy.keeps_some(&xmp::scan(packet, "XMP")) {
                if let Some(packet) = xmp::filter(packet, policy) {
                    write_if_fits(out, 0xE1, &[XMP_SIGNATURE, &packet]);
                }
            }
        }
        Block::Comment if policy.keeps(Category::Text) && is_plain_text(payload) => {
            write_segment(out, COM, &[payload])?;
        }
        _ => {}
    }
    Ok(())
}

/// A comment that is text and nothing else: UTF-8 without control
/// characters other than line breaks and tabs.
fn is_plain_text(payload: &[u8]) -> bool {
    std::str::from_utf8(payload).is_ok_and(|t| {
        t.chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
    })
}

/// A DQT or DHT segment with only the tables the image uses (none: no
/// segment), the tables copied, the header written anew.
fn write_tables(out: &mut Pieces, jpeg: &Jpeg, segment: &Segment) {
    let used: Vec<Range<usize>> = jpeg.used_tables(segment).collect();
    if used.is_empty() {
        return;
    }
    // No longer than the segment they come from: the length fits.
    let len: usize = used.iter().map(Range::len).sum();
    out.push_new(&[0xFF, segment.marker]);
    out.push_new(&((len + 2) as u16).to_be_bytes());
    for r in used {
        out.push_input(r.start as u64..r.end as u64);
    }
}

/// The rebuilt ICC profile, in as many APP2 chunks as it needs.
fn write_icc(out: &mut Pieces, profile: &[u8]) -> Result<(), Error> {
    let chunks: Vec<&[u8]> = profile.chunks(MAX_PAYLOAD - ICC_HEADER).collect();
    let count = u8::try_from(chunks.len())
        .map_err(|_| Error::Unsupported("the ICC profile is too large for a JPEG".into()))?;
    for (n, chunk) in chunks.iter().enumerate() {
        write_segment(out, 0xE2, &[ICC_SIGNATURE, &[n as u8 + 1, count], chunk])?;
    }
    Ok(())
}

/// The Photoshop resources of every APP13 segment, joined (as
/// [`scan_photoshop`] reads them).
fn photoshop_irb(jpeg: &Jpeg) -> Vec<u8> {
    jpeg.of(Block::Photoshop)
        .flat_map(|s| &s.payload(jpeg.data)[PHOTOSHOP_SIGNATURE.len()..])
        .copied()
        .collect()
}

/// Writes a filtered block as one segment, or drops it if it is too long
/// for one (fail closed: never split or truncated).
fn write_if_fits(out: &mut Pieces, marker: u8, parts: &[&[u8]]) {
    if parts.iter().map(|p| p.len()).sum::<usize>() <= MAX_PAYLOAD {
        // Cannot fail: the length was checked.
        let _ = write_segment(out, marker, parts);
    }
}

fn write_segment(out: &mut Pieces, marker: u8, parts: &[&[u8]]) -> Result<(), Error> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    if len > MAX_PAYLOAD {
        return Err(Error::Damaged(format!(
            "rebuilt segment would be {len} bytes, over the JPEG limit"
        )));
    }
    out.push_new(&[0xFF, marker]);
    out.push_new(&((len + 2) as u16).to_be_bytes());
    for p in parts {
        out.push_new(p);
    }
    Ok(())
}

/// The image data of a JPEG, in order: every table the image uses, frame
/// header and scan with its entropy-coded data, then EOI. Two JPEGs show
/// the same picture bit for bit if these are equal.
pub fn image_data(data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let jpeg = Jpeg::parse(data)?;
    Ok(jpeg.image_ranges().into_iter().map(|r| &data[r]).collect())
}

/// Scan, cleaned file and the input's image data from one parse.
pub fn plan(data: &[u8], policy: &Policy) -> Result<Plan, Error> {
    let jpeg = Jpeg::parse(data)?;
    Ok(Plan {
        input: inspection(&jpeg)?,
        input_len: data.len() as u64,
        output: rebuild_jpeg(&jpeg, policy)?,
    })
}

/// Scan and image data from one parse.
pub fn inspect(data: &[u8]) -> Result<Inspection, Error> {
    inspection(&Jpeg::parse(data)?)
}

fn inspection(jpeg: &Jpeg) -> Result<Inspection, Error> {
    Ok(Inspection {
        format: Format::Jpeg,
        scan: scan_jpeg(jpeg, "")?,
        media: jpeg
            .image_ranges()
            .into_iter()
            .map(|r| r.start as u64..r.end as u64)
            .collect(),
    })
}

/// The markers of the segments before the first scan, and where the first
/// scan header ends — read without touching the image data. Stray bytes
/// between segments are an error here (a cleaned file has none).
pub fn header_markers(data: &[u8]) -> Result<(Vec<u8>, usize), Error> {
    let mut markers = Vec::new();
    let mut pos = 2;
    loop {
        let (marker, fill, start) = next_marker(data, pos)?;
        if fill != pos {
            return Err(Error::damaged(format!("stray bytes at byte {pos}")));
        }
        if marker == EOI {
            return Ok((markers, start));
        }
        let segment = read_segment(data, marker, start, false)?;
        markers.push(marker);
        if marker == SOS {
            return Ok((markers, segment.header_end));
        }
        pos = segment.end;
    }
}

/// The marker bytes of every segment of the primary image, in order.
pub fn markers(data: &[u8]) -> Result<Vec<u8>, Error> {
    Ok(Jpeg::parse(data)?
        .segments
        .iter()
        .map(|s| s.marker)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny valid JPEG from the `image` crate's encoder.
    pub(crate) fn tiny_jpeg() -> Vec<u8> {
        let img =
            image::RgbImage::from_fn(16, 8, |x, y| image::Rgb([x as u8 * 16, y as u8 * 32, 128]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    fn with_segment(jpeg: &[u8], marker: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = Pieces::default();
        out.push_input(0..2);
        write_segment(&mut out, marker, &[payload]).unwrap();
        out.push_input(2..jpeg.len() as u64);
        out.to_vec(jpeg).unwrap()
    }

    #[test]
    fn comment_and_vendor_blocks_are_found_and_dropped() {
        let jpeg = with_segment(&tiny_jpeg(), COM, b"Emma at Oak Street School");
        let jpeg = with_segment(&jpeg, 0xEC, b"Ducky\0\x01\x02");
        let scan = scan(&jpeg).unwrap();
        assert!(scan
            .findings
            .iter()
            .any(|f| f.category == Category::Text && f.value.contains("Oak Street")));
        assert!(scan
            .findings
            .iter()
            .any(|f| f.block == "APP12" && f.value.contains("Ducky")));
        let clean = rebuild(&jpeg, &Policy::default()).unwrap();
        assert!(!markers(&clean).unwrap().contains(&COM));
        assert!(!markers(&clean).unwrap().contains(&0xEC));
        assert_eq!(image_data(&clean).unwrap(), image_data(&jpeg).unwrap());
    }

    /// Plans, writes and verifies `jpeg` under the default policy; returns
    /// the cleaned file.
    fn cleaned(jpeg: &[u8]) -> Vec<u8> {
        let policy = Policy::default();
        let plan = plan(jpeg, &policy).unwrap();
        let out = plan.output.to_vec(jpeg).unwrap();
        crate::verify(&plan, jpeg, &out[..], &policy).unwrap();
        out
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    fn unknown(jpeg: &[u8]) -> Vec<String> {
        scan(jpeg)
            .unwrap()
            .findings
            .into_iter()
            .filter(|f| f.category == Category::Unknown)
            .map(|f| f.tag)
            .collect()
    }

    #[test]
    fn stray_bytes_are_reported_and_never_copied() {
        let mut jpeg = tiny_jpeg();
        let first_dqt = markers(&jpeg)
            .unwrap()
            .iter()
            .position(|&m| m == DQT)
            .unwrap();
        let at = Jpeg::parse(&jpeg).unwrap().segments[first_dqt].start;
        jpeg.splice(at..at, *b"\0CANARY1");
        let eoi = jpeg.len() - 2;
        jpeg.splice(eoi..eoi, *b"\xFF\x43CANARY2");
        assert_eq!(unknown(&jpeg), ["StrayBytes", "StrayBytes"]);
        let out = cleaned(&jpeg);
        assert!(!contains(&out, b"CANARY"));
        assert_eq!(image_data(&out).unwrap(), image_data(&jpeg).unwrap());
    }

    #[test]
    fn only_used_tables_are_image_data() {
        let jpeg = tiny_jpeg();
        // A quantisation table 3 and an AC table 3 that no scan reads.
        let mut dqt = vec![0x03];
        dqt.extend(b"CANARYQT".repeat(8));
        let mut dht = vec![0x13, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0];
        dht.extend(b"CANARYHT");
        let planted = with_segment(&with_segment(&jpeg, DQT, &dqt), DHT, &dht);
        assert_eq!(unknown(&planted), ["UnusedTable", "UnusedTable"]);
        let out = cleaned(&planted);
        assert!(!contains(&out, b"CANARY"));
        assert_eq!(image_data(&out).unwrap(), image_data(&jpeg).unwrap());
        assert_eq!(
            cleaned(&jpeg),
            jpeg,
            "every table of an encoder's file is used"
        );
    }

    #[test]
    fn jfif_and_adobe_are_written_at_their_canonical_length() {
        let jfif = b"JFIF\0\x01\x02\x01\0\x48\0\x48\0\0CANARY1";
        let adobe = b"Adobe\0\x65\x80\0\0\0\x01CANARY2";
        let mut jpeg = tiny_jpeg();
        jpeg.drain(2..2 + 18); // the encoder's own JFIF
        let jpeg = with_segment(&with_segment(&jpeg, 0xEE, adobe), APP0, jfif);
        assert_eq!(unknown(&jpeg), ["TrailingData", "TrailingData"]);
        let out = cleaned(&jpeg);
        assert!(!contains(&out, b"CANARY"));
        assert_eq!(
            &out[2..20],
            b"\xFF\xE0\0\x10JFIF\0\x01\x02\x01\0\x48\0\x48\0\0"
        );
        assert_eq!(&out[20..36], b"\xFF\xEE\0\x0EAdobe\0\x64\0\0\0\0\x01");
    }

    #[test]
    fn icc_profiles_are_rebuilt_across_chunks() {
        let profile = crate::metadata::icc::tests::profile(
            &[(b"phsc", b"priv\0\0\0\0CANARY-1".to_vec())],
            b"",
            b"",
        );
        let (a, b) = profile.split_at(200);
        let chunk = |n: u8, part: &[u8]| [ICC_SIGNATURE, &[n, 2], part].concat();
        let jpeg = with_segment(
            &with_segment(&tiny_jpeg(), 0xE2, &chunk(2, b)),
            0xE2,
            &chunk(1, a),
        );
        assert!(unknown(&jpeg).contains(&"ICC tag 'phsc'".to_string()));
        let out = cleaned(&jpeg);
        assert!(!contains(&out, b"CANARY") && !contains(&out, b"Jane"));
        let rebuilt = Jpeg::parse(&out).unwrap().icc_profile().unwrap().unwrap();
        assert_eq!(rebuilt, crate::metadata::icc::rebuild(&profile).unwrap());
        let broken = with_segment(&tiny_jpeg(), 0xE2, &chunk(1, a));
        assert_eq!(unknown(&broken), ["ICC_Profile"]);
        assert!(!contains(&cleaned(&broken), ICC_SIGNATURE));
    }

    #[test]
    fn many_removed_blocks_are_counted_not_kept() {
        let jpeg = tiny_jpeg();
        let mut bomb = jpeg[..2].to_vec();
        for _ in 0..3 * MAX_LISTED_DROPS {
            bomb.extend_from_slice(&[0xFF, COM, 0, 2]);
        }
        bomb.extend_from_slice(&jpeg[2..]);
        let parsed = Jpeg::parse(&bomb).unwrap();
        assert!(parsed.segments.len() < MAX_LISTED_DROPS + 20);
        let scan = scan(&bomb).unwrap();
        let listed = scan.findings.iter().filter(|f| f.tag == "Comment").count();
        assert_eq!(listed + scan.omitted[&Category::Text], 3 * MAX_LISTED_DROPS);
        assert_eq!(cleaned(&bomb), cleaned(&jpeg));
    }

    #[test]
    fn kept_category_keeps_its_block() {
        let jpeg = with_segment(&tiny_jpeg(), COM, b"hello");
        let clean = rebuild(&jpeg, &Policy::keep(&[Category::Text])).unwrap();
        assert!(markers(&clean).unwrap().contains(&COM));
    }

    #[test]
    fn trailer_is_reported_and_dropped() {
        let mut jpeg = tiny_jpeg();
        jpeg.extend_from_slice(b"\0\0\0\x18ftypmp42 some video");
        let scan = scan(&jpeg).unwrap();
        assert!(scan
            .findings
            .iter()
            .any(|f| f.category == Category::Preview && f.value.contains("motion-photo")));
        let clean = rebuild(&jpeg, &Policy::default()).unwrap();
        assert!(clean.ends_with(&[0xFF, EOI]));
    }

    #[test]
    fn truncations_are_errors_not_panics() {
        let jpeg = tiny_jpeg();
        for len in 0..jpeg.len() - 1 {
            assert!(
                rebuild(&jpeg[..len], &Policy::default()).is_err(),
                "cut at {len}"
            );
        }
    }

    #[test]
    fn segment_length_past_end_is_an_error() {
        let mut jpeg = tiny_jpeg()[..40].to_vec();
        jpeg.splice(2..2, [0xFF, 0xE5, 0x7F, 0xFF]);
        let err = scan(&jpeg).unwrap_err().to_string();
        assert!(err.contains("past the end"), "{err}");
    }
}
