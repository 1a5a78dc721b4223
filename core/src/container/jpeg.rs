//! JPEG: segments in, segments out.
//!
//! A JPEG is `SOI`, a run of marker segments (metadata `APPn`/`COM`, and
//! the tables and frame headers of the image), scans of entropy-coded data,
//! and `EOI`. Phones append more after `EOI`: MPF secondary images (each with
//! its own EXIF, often with GPS) and motion-photo videos.
//!
//! Cleaning keeps the image-data segments byte for byte, keeps JFIF, ICC and
//! Adobe APP14 (needed to show the colours right), replaces the EXIF block by
//! a rebuilt allowlisted one, and drops everything else — including all of
//! the trailer and the MPF index that points into it. Under a policy that
//! keeps some categories, XMP and IPTC blocks are cut down to what is kept.

use crate::findings::{Category, Finding, Scan};
use crate::metadata::exif::{Exif, ImageFacts};
use crate::metadata::{exif, iptc, mpf, xmp};
use crate::plan::{Inspection, Pieces, Plan};
use crate::policy::Policy;
use crate::sniff::Format;
use crate::Error;
use std::ops::Range;

const SOI: u8 = 0xD8;
const EOI: u8 = 0xD9;
const SOS: u8 = 0xDA;
const COM: u8 = 0xFE;
const APP0: u8 = 0xE0;
const MAX_PAYLOAD: usize = 65533;
/// Most MPF images whose own metadata is read. Phones write two to four
/// (primary, gain map, depth map, preview); a 64 KB index can list 4,000
/// entries over the same bytes, each a full parse of them. Images past the
/// cap are still reported, as trailer data, and dropped like all of it.
const MAX_MPF_IMAGES: usize = 64;

const XMP_SIGNATURE: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const EXTENDED_XMP_SIGNATURE: &[u8] = b"http://ns.adobe.com/xmp/extension/\0";
const PHOTOSHOP_SIGNATURE: &[u8] = b"Photoshop 3.0\0";
const ICC_SIGNATURE: &[u8] = b"ICC_PROFILE\0";

/// What a segment is, as far as cleaning is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    /// Tables, frame and scan headers with their entropy-coded data.
    ImageData,
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
        data.get(self.start + 4..self.header_end).unwrap_or(&[])
    }
}

/// A parsed JPEG: where every segment is, and where the image ends.
struct Jpeg<'a> {
    data: &'a [u8],
    segments: Vec<Segment>,
    /// Offset just after EOI; everything from here on is trailer.
    image_end: usize,
}

impl<'a> Jpeg<'a> {
    fn parse(data: &'a [u8]) -> Result<Jpeg<'a>, Error> {
        if data.len() < 4 || data[0] != 0xFF || data[1] != SOI {
            return Err(Error::damaged("not a JPEG (no start-of-image marker)"));
        }
        let mut segments = Vec::new();
        let mut pos = 2;
        loop {
            let (marker, start) = next_marker(data, pos)?;
            if marker == EOI {
                return Ok(Jpeg {
                    data,
                    segments,
                    image_end: start + 2,
                });
            }
            let segment = read_segment(data, marker, start, true)?;
            pos = segment.end;
            segments.push(segment);
        }
    }

    fn block(&self, segment: &Segment) -> Block {
        classify(segment.marker, segment.payload(self.data))
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

    fn facts(&self) -> ImageFacts {
        ImageFacts {
            dimensions: self.dimensions(),
            has_icc: self.segments.iter().any(|s| self.block(s) == Block::Icc),
            orientation: None,
        }
    }
}

/// Finds the next marker at or after `pos`, skipping fill bytes.
fn next_marker(data: &[u8], pos: usize) -> Result<(u8, usize), Error> {
    if data.get(pos) != Some(&0xFF) {
        return Err(if pos >= data.len() {
            Error::damaged("truncated: the file ends before the end-of-image marker")
        } else {
            Error::damaged(format!("expected a marker at byte {pos}, found garbage"))
        });
    }
    let mut at = pos + 1;
    while data.get(at) == Some(&0xFF) {
        at += 1;
    }
    match data.get(at) {
        Some(&marker) => Ok((marker, at - 1)),
        None => Err(Error::damaged("truncated: the file ends inside a marker")),
    }
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
    if marker == SOI || marker == 0x00 {
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

fn classify(marker: u8, payload: &[u8]) -> Block {
    let has = |sig: &[u8]| payload.starts_with(sig);
    match marker {
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
        _ => Block::ImageData,
    }
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
    for segment in &jpeg.segments {
        let payload = segment.payload(data);
        match jpeg.block(segment) {
            Block::ExtendedXmp => extended_xmp.push(payload),
            block => scan.extend(scan_block(block, segment.marker, payload, prefix)?),
        }
    }
    if !extended_xmp.is_empty() {
        scan.extend(xmp::scan(
            &assemble_extended_xmp(&extended_xmp),
            &format!("{prefix}XMP extended"),
        ));
    }
    scan.extend(scan_photoshop(jpeg, prefix)?);
    scan.extend(scan_trailer(jpeg, prefix, mpf_images));
    Ok(scan)
}

fn scan_block(block: Block, marker: u8, payload: &[u8], prefix: &str) -> Result<Scan, Error> {
    let mut scan = Scan::default();
    let one = |category, block: &str, tag: &str, value: String| {
        let mut s = Scan::default();
        s.push(Finding::new(
            category,
            &format!("{prefix}{block}"),
            tag,
            value,
        ));
        s
    };
    match block {
        Block::ImageData | Block::ExtendedXmp | Block::Mpf | Block::Photoshop => {}
        Block::Exif => scan = Exif::parse(&payload[6..])?.scan(&format!("{prefix}EXIF")),
        Block::Xmp => scan = xmp::scan(&payload[XMP_SIGNATURE.len()..], &format!("{prefix}XMP")),
        Block::Comment => {
            let text = String::from_utf8_lossy(payload).into_owned();
            scan = one(Category::Text, "COM", "Comment", text);
        }
        Block::Jfif => {
            scan = one(
                Category::Rendering,
                "APP0",
                "JFIF",
                format!("{} bytes", payload.len()),
            );
            if let Some(size) = jfif_thumbnail_size(payload) {
                scan.extend(one(
                    Category::Preview,
                    "APP0",
                    "JFIFThumbnail",
                    format!("{size} bytes"),
                ));
            }
        }
        Block::Icc => {
            let chunk = payload.get(ICC_SIGNATURE.len()).copied().unwrap_or(0);
            let value = format!("chunk {chunk}, {} bytes", payload.len());
            scan = one(Category::Rendering, "APP2", "ICC_Profile", value);
        }
        Block::Adobe => {
            scan = one(
                Category::Rendering,
                "APP14",
                "Adobe",
                "colour transform".into(),
            )
        }
        Block::Vendor => {
            let value = format!("{} ({} bytes)", signature(payload), payload.len());
            scan = one(
                vendor_category(marker, payload),
                &format!("APP{}", marker - APP0),
                "VendorBlock",
                value,
            );
        }
    }
    Ok(scan)
}

/// Photoshop resources (with IPTC inside) may be split over several APP13
/// segments: they are read joined, as one block.
fn scan_photoshop(jpeg: &Jpeg, prefix: &str) -> Result<Scan, Error> {
    let joined: Vec<u8> = jpeg
        .segments
        .iter()
        .filter(|s| jpeg.block(s) == Block::Photoshop)
        .flat_map(|s| &s.payload(jpeg.data)[PHOTOSHOP_SIGNATURE.len()..])
        .copied()
        .collect();
    if joined.is_empty() {
        return Ok(Scan::default());
    }
    iptc::scan_photoshop(&joined, &format!("{prefix}IPTC"))
        .map_err(|e| Error::Damaged(format!("Photoshop/IPTC block is damaged ({e})")))
}

/// JFXX extension segments carry a thumbnail; other vendor blocks are the
/// vendor's business — serials, settings, sometimes places.
fn vendor_category(marker: u8, payload: &[u8]) -> Category {
    if marker == APP0 && payload.starts_with(b"JFXX\0") {
        Category::Preview
    } else {
        Category::Device
    }
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

/// JFIF APP0: version(2) units(1) density(4) thumbnail w(1) h(1) + RGB.
fn jfif_thumbnail_size(payload: &[u8]) -> Option<usize> {
    let (w, h) = (*payload.get(12)? as usize, *payload.get(13)? as usize);
    (w * h > 0).then_some(w * h * 3)
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

/// Builds the cleaned JPEG under `policy`.
///
/// Image-data segments are copied byte for byte. JFIF, ICC and Adobe are
/// kept; a comment is kept if the policy keeps text; XMP and IPTC blocks are
/// kept whole when all of them is kept, cut down to the kept properties when
/// some is, and dropped otherwise; the first EXIF block is rebuilt from the
/// allowlist; vendor blocks, the MPF index and the trailer are dropped.
pub fn rebuild(data: &[u8], policy: &Policy) -> Result<Vec<u8>, Error> {
    rebuild_jpeg(&Jpeg::parse(data)?, policy)?.to_vec(data)
}

/// The cleaned JPEG: kept segments and the image data as ranges of the
/// input, rebuilt segments as new bytes.
fn rebuild_jpeg(jpeg: &Jpeg, policy: &Policy) -> Result<Pieces, Error> {
    let data = jpeg.data;
    let facts = jpeg.facts();
    let mut out = Pieces::default();
    out.push_input(0..2);
    let mut exif_written = false;
    let photoshop = scan_photoshop(jpeg, "")?;
    let keep_photoshop = policy.keeps_all(&photoshop);
    let mut photoshop_written = keep_photoshop || !policy.keeps_some(&photoshop);
    for segment in &jpeg.segments {
        let whole = segment.start as u64..segment.end as u64;
        let payload = segment.payload(data);
        match jpeg.block(segment) {
            Block::ImageData | Block::Icc | Block::Adobe => out.push_input(whole.clone()),
            Block::Jfif => write_jfif(&mut out, payload, policy),
            Block::Exif if !exif_written => {
                exif_written = true;
                let tiff = Exif::parse(&payload[6..])?.rebuild(policy, facts)?;
                write_segment(&mut out, 0xE1, &[exif::JPEG_SIGNATURE, &tiff])?;
            }
            Block::Photoshop if keep_photoshop => out.push_input(whole.clone()),
            // Split or not, the filtered resources go where the first was.
            Block::Photoshop if !photoshop_written => {
                photoshop_written = true;
                if let Some(irb) = iptc::filter_photoshop(&photoshop_irb(jpeg), policy) {
                    write_if_fits(&mut out, 0xED, &[PHOTOSHOP_SIGNATURE, &irb]);
                }
            }
            Block::Xmp => {
                let found = scan_block(Block::Xmp, segment.marker, payload, "")?;
                if policy.keeps_all(&found) {
                    out.push_input(whole.clone());
                } else if policy.keeps_some(&found) {
                    let packet = &payload[XMP_SIGNATURE.len()..];
                    if let Some(packet) = xmp::filter(packet, policy) {
                        write_if_fits(&mut out, 0xE1, &[XMP_SIGNATURE, &packet]);
                    }
                }
            }
            Block::Comment => {
                if policy.keeps_all(&scan_block(Block::Comment, segment.marker, payload, "")?) {
                    out.push_input(whole.clone());
                }
            }
            Block::Exif | Block::ExtendedXmp | Block::Mpf | Block::Photoshop | Block::Vendor => {}
        }
    }
    out.push_input(jpeg.image_end as u64 - 2..jpeg.image_end as u64);
    Ok(out)
}

/// The Photoshop resources of every APP13 segment, joined (as
/// [`scan_photoshop`] reads them).
fn photoshop_irb(jpeg: &Jpeg) -> Vec<u8> {
    jpeg.segments
        .iter()
        .filter(|s| jpeg.block(s) == Block::Photoshop)
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

fn write_jfif(out: &mut Pieces, payload: &[u8], policy: &Policy) {
    match jfif_thumbnail_size(payload) {
        Some(_) if policy.removes(Category::Preview) => {
            let mut header = payload[..14].to_vec();
            header[12] = 0;
            header[13] = 0;
            // Length fits: a JFIF header is 14 bytes.
            let _ = write_segment(out, APP0, &[&header]);
        }
        _ => {
            let _ = write_segment(out, APP0, &[payload]);
        }
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

/// The image data of a JPEG, in order: every table, frame header and scan
/// with its entropy-coded data, then EOI. Two JPEGs show the same picture
/// bit for bit if these are equal.
pub fn image_data(data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    Ok(image_data_of(&Jpeg::parse(data)?))
}

fn image_data_of<'a>(jpeg: &Jpeg<'a>) -> Vec<&'a [u8]> {
    let data = jpeg.data;
    let mut parts: Vec<&[u8]> = jpeg
        .segments
        .iter()
        .filter(|s| jpeg.block(s) == Block::ImageData)
        .map(|s| &data[s.start..s.end])
        .collect();
    parts.push(&data[jpeg.image_end - 2..jpeg.image_end]);
    parts
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
        media: image_ranges(jpeg),
    })
}

/// Where [`image_data_of`] lies in the file.
fn image_ranges(jpeg: &Jpeg) -> Vec<Range<u64>> {
    let mut ranges: Vec<Range<u64>> = jpeg
        .segments
        .iter()
        .filter(|s| jpeg.block(s) == Block::ImageData)
        .map(|s| s.start as u64..s.end as u64)
        .collect();
    ranges.push(jpeg.image_end as u64 - 2..jpeg.image_end as u64);
    ranges
}

/// The markers of the segments before the first scan, and where the first
/// scan header ends — read without touching the image data.
pub fn header_markers(data: &[u8]) -> Result<(Vec<u8>, usize), Error> {
    let mut markers = Vec::new();
    let mut pos = 2;
    loop {
        let (marker, start) = next_marker(data, pos)?;
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
