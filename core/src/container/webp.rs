//! WebP: RIFF chunks in, RIFF chunks out.
//!
//! A WebP is a RIFF file: `RIFF`, a little-endian size of what follows,
//! `WEBP`, then chunks of `fourcc(4) size(4, little endian) payload`, padded
//! to an even length. A simple file holds one `VP8 ` (lossy) or `VP8L`
//! (lossless) bitstream. An extended file starts with `VP8X` (flags and
//! canvas size), then `ICCP`, `ANIM` with `ANMF` frames or an `ALPH` +
//! bitstream, and the metadata chunks `EXIF` and `XMP `.
//!
//! Cleaning copies the image and rendering chunks byte for byte, drops
//! `EXIF`, `XMP ` and unknown chunks (inside animation frames too), keeps a
//! rebuilt minimal `EXIF` when the picture needs its Orientation (WebP has
//! no other), recomputes the `VP8X` flags and the RIFF size, and drops
//! anything after the RIFF data.

use crate::findings::{Category, Finding, Scan};
use crate::metadata::exif::{Exif, ImageFacts};
use crate::metadata::{exif, xmp};
use crate::policy::Policy;
use crate::Error;
use std::ops::Range;

/// VP8X flag bits.
const ICC_FLAG: u8 = 0x20;
const ALPHA_FLAG: u8 = 0x10;
const EXIF_FLAG: u8 = 0x08;
const XMP_FLAG: u8 = 0x04;
const ANIMATION_FLAG: u8 = 0x02;
/// The header of an ANMF payload: position, size, duration and flags.
const FRAME_HEADER: usize = 16;
/// The largest canvas side a VP8X chunk can describe.
const MAX_SIDE: u32 = 1 << 24;

/// What a chunk is, as far as cleaning is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    Header,
    /// Bitstreams, alpha and animation parameters.
    Image,
    Frame,
    Icc,
    Exif,
    Xmp,
    /// Any other chunk: never passed on.
    Unknown,
}

/// One chunk; `payload` is its data without the padding byte.
#[derive(Clone, Debug)]
struct Chunk {
    fourcc: [u8; 4],
    start: usize,
    payload: Range<usize>,
}

impl Chunk {
    fn block(&self) -> Block {
        match &self.fourcc {
            b"VP8X" => Block::Header,
            b"VP8 " | b"VP8L" | b"ALPH" | b"ANIM" => Block::Image,
            b"ANMF" => Block::Frame,
            b"ICCP" => Block::Icc,
            b"EXIF" => Block::Exif,
            b"XMP " => Block::Xmp,
            _ => Block::Unknown,
        }
    }

    fn name(&self) -> String {
        String::from_utf8_lossy(&self.fourcc).trim_end().to_string()
    }

    /// Header and payload, without the padding byte.
    fn bytes<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        &data[self.start..self.payload.end]
    }
}

/// A parsed WebP.
struct Webp<'a> {
    data: &'a [u8],
    chunks: Vec<Chunk>,
    /// Offset just after the RIFF data; anything from here on is trailer.
    riff_end: usize,
}

impl<'a> Webp<'a> {
    fn parse(data: &'a [u8]) -> Result<Webp<'a>, Error> {
        if data.len() < 12 || &data[0..4] != b"RIFF" || &data[8..12] != b"WEBP" {
            return Err(Error::damaged("not a WebP (no RIFF/WEBP header)"));
        }
        let size = le32(&data[4..8]) as usize;
        let riff_end = size.checked_add(8).filter(|&e| e <= data.len() && e >= 12);
        let Some(riff_end) = riff_end else {
            return Err(Error::damaged(format!(
                "the RIFF header says the file is {} bytes long, but it is {} bytes",
                size.saturating_add(8),
                data.len()
            )));
        };
        let chunks = read_chunks(data, 12..riff_end)?;
        let webp = Webp {
            data,
            chunks,
            riff_end,
        };
        webp.check()?;
        Ok(webp)
    }

    /// The layout rules a decoder relies on: a simple file starts with its
    /// bitstream, an extended one with a 10-byte VP8X; there is a picture.
    fn check(&self) -> Result<(), Error> {
        let first = self.chunks.first().map(Chunk::block);
        if first == Some(Block::Header) {
            if self.chunks[0].payload.len() < 10 {
                return Err(Error::damaged("the VP8X chunk is cut short"));
            }
        } else if !self.chunks.first().is_some_and(is_bitstream) {
            return Err(Error::damaged(
                "the file does not start with VP8X or a bitstream",
            ));
        }
        if self
            .chunks
            .iter()
            .skip(1)
            .any(|c| c.block() == Block::Header)
        {
            return Err(Error::damaged("more than one VP8X chunk"));
        }
        if !self
            .chunks
            .iter()
            .any(|c| is_bitstream(c) || c.block() == Block::Frame)
        {
            return Err(Error::damaged("no image data (no VP8, VP8L or ANMF chunk)"));
        }
        Ok(())
    }

    fn payload(&self, chunk: &Chunk) -> &'a [u8] {
        &self.data[chunk.payload.clone()]
    }

    fn header(&self) -> Option<&'a [u8]> {
        let first = self.chunks.first()?;
        (first.block() == Block::Header).then(|| self.payload(first))
    }

    /// Canvas width and height: from VP8X, else from the bitstream header.
    fn dimensions(&self) -> Option<(u32, u32)> {
        if let Some(h) = self.header() {
            let side = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], 0]) + 1;
            return Some((side(&h[4..7]), side(&h[7..10])));
        }
        bitstream_info(&self.chunks[0].fourcc, self.payload(&self.chunks[0]))
            .map(|(w, h, _)| (w, h))
    }

    /// Whether the picture has alpha: the VP8X flag as written (it describes
    /// image data that does not change), else the VP8L header's own flag.
    fn has_alpha(&self) -> bool {
        match self.header() {
            Some(h) => h[0] & ALPHA_FLAG != 0,
            None => bitstream_info(&self.chunks[0].fourcc, self.payload(&self.chunks[0]))
                .is_some_and(|(_, _, alpha)| alpha),
        }
    }

    fn facts(&self) -> ImageFacts {
        ImageFacts {
            dimensions: self.dimensions(),
            has_icc: self.header().is_some() && self.find(Block::Icc).is_some(),
            orientation: None,
        }
    }

    fn find(&self, block: Block) -> Option<&Chunk> {
        self.chunks.iter().find(|c| c.block() == block)
    }

    /// The first EXIF chunk, parsed.
    fn exif(&self) -> Result<Option<Exif>, Error> {
        match self.find(Block::Exif) {
            Some(c) => Ok(Some(Exif::parse(exif::tiff_bytes(self.payload(c)))?)),
            None => Ok(None),
        }
    }
}

fn is_bitstream(chunk: &Chunk) -> bool {
    matches!(&chunk.fourcc, b"VP8 " | b"VP8L")
}

/// Reads the chunks that fill `range` exactly.
fn read_chunks(data: &[u8], range: Range<usize>) -> Result<Vec<Chunk>, Error> {
    let mut chunks = Vec::new();
    let mut pos = range.start;
    while pos < range.end {
        let header = data
            .get(pos..pos + 8)
            .filter(|_| pos + 8 <= range.end)
            .ok_or_else(|| {
                Error::damaged(format!(
                    "truncated: a chunk header at byte {pos} is cut short"
                ))
            })?;
        let fourcc = [header[0], header[1], header[2], header[3]];
        let size = le32(&header[4..8]) as usize;
        let end = (pos + 8).checked_add(size).filter(|&e| e <= range.end);
        let Some(end) = end else {
            return Err(Error::damaged(format!(
                "chunk '{}' at byte {pos} says it is {size} bytes long, past the end of its container",
                String::from_utf8_lossy(&fourcc)
            )));
        };
        chunks.push(Chunk {
            fourcc,
            start: pos,
            payload: pos + 8..end,
        });
        // The last chunk's padding byte is sometimes left out.
        pos = (end + (size & 1)).min(range.end);
    }
    Ok(chunks)
}

/// Width, height and alpha from a simple file's bitstream header.
fn bitstream_info(fourcc: &[u8; 4], p: &[u8]) -> Option<(u32, u32, bool)> {
    match fourcc {
        b"VP8 " => {
            if p.get(3..6)? != [0x9D, 0x01, 0x2A] {
                return None;
            }
            let w = u32::from(u16::from_le_bytes([*p.get(6)?, *p.get(7)?]) & 0x3FFF);
            let h = u32::from(u16::from_le_bytes([*p.get(8)?, *p.get(9)?]) & 0x3FFF);
            Some((w, h, false))
        }
        b"VP8L" => {
            if *p.first()? != 0x2F {
                return None;
            }
            let bits = le32(p.get(1..5)?);
            Some((
                (bits & 0x3FFF) + 1,
                ((bits >> 14) & 0x3FFF) + 1,
                bits >> 28 & 1 == 1,
            ))
        }
        _ => None,
    }
}

/// The sub-chunks of an ANMF frame that hold its picture; unknown ones are
/// returned apart.
fn frame_parts(data: &[u8], frame: &Chunk) -> Result<(Vec<Chunk>, Vec<Chunk>), Error> {
    let start = frame.payload.start + FRAME_HEADER;
    if start > frame.payload.end {
        return Err(Error::damaged(format!(
            "animation frame at byte {} is cut short",
            frame.start
        )));
    }
    let parts = read_chunks(data, start..frame.payload.end)?;
    let (known, unknown): (Vec<Chunk>, Vec<Chunk>) = parts
        .into_iter()
        .partition(|c| matches!(&c.fourcc, b"ALPH" | b"VP8 " | b"VP8L"));
    if !known.iter().any(is_bitstream) {
        return Err(Error::damaged(format!(
            "animation frame at byte {} has no bitstream",
            frame.start
        )));
    }
    Ok((known, unknown))
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

// ---------------------------------------------------------------------------
// Scan.

/// Everything a WebP would tell a stranger, from every chunk (animation
/// frames included) and from anything after the RIFF data.
pub fn scan(data: &[u8]) -> Result<Scan, Error> {
    let webp = Webp::parse(data)?;
    let mut scan = Scan::default();
    for chunk in &webp.chunks {
        scan.extend(scan_chunk(&webp, chunk)?);
    }
    if webp.riff_end < data.len() {
        let size = data.len() - webp.riff_end;
        scan.push(Finding::new(
            Category::Preview,
            "WebP trailer",
            "TrailerData",
            format!("data after the RIFF chunk, {size} bytes"),
        ));
    }
    Ok(scan)
}

fn scan_chunk(webp: &Webp, chunk: &Chunk) -> Result<Scan, Error> {
    let payload = webp.payload(chunk);
    let size = format!("{} bytes", payload.len());
    let scan = match chunk.block() {
        Block::Header | Block::Image => Scan::default(),
        Block::Frame => {
            let (_, unknown) = frame_parts(webp.data, chunk)?;
            let mut scan = Scan::default();
            for c in unknown {
                let size = format!("{} bytes", c.payload.len());
                scan.extend(one(Category::Device, "WebP ANMF", &c.name(), size));
            }
            scan
        }
        Block::Icc => one(Category::Rendering, "WebP ICCP", "ICC_Profile", size),
        Block::Exif => Exif::parse(exif::tiff_bytes(payload))?.scan("EXIF"),
        Block::Xmp => xmp::scan(payload, "XMP"),
        Block::Unknown => one(Category::Device, "WebP chunk", &chunk.name(), size),
    };
    Ok(scan)
}

fn one(category: Category, block: &str, tag: &str, value: String) -> Scan {
    let mut scan = Scan::default();
    scan.push(Finding::new(category, block, tag, value));
    scan
}

// ---------------------------------------------------------------------------
// Rebuild.

/// Builds the cleaned WebP under `policy`.
///
/// Bitstreams, alpha, animation and ICC chunks are copied byte for byte and
/// in order (animation frames lose unknown sub-chunks); then come the
/// rebuilt EXIF, when the picture needs its Orientation or the policy keeps
/// some of it, and the XMP chunks whose every finding is kept. A simple file
/// stays simple unless an EXIF chunk must be written. The VP8X flags say
/// exactly which of these chunks are present.
pub fn rebuild(data: &[u8], policy: &Policy) -> Result<Vec<u8>, Error> {
    let webp = Webp::parse(data)?;
    let exif = exif::rebuilt_when_needed(webp.exif()?.as_ref(), policy, webp.facts())?;
    let extended = webp.header().is_some() || exif.is_some();
    let mut body = Vec::with_capacity(webp.riff_end);
    let mut flags = if webp.has_alpha() { ALPHA_FLAG } else { 0 };
    for chunk in &webp.chunks {
        match chunk.block() {
            Block::Image => {
                if &chunk.fourcc == b"ANIM" {
                    flags |= ANIMATION_FLAG;
                }
                write_padded(&mut body, chunk.bytes(data));
            }
            Block::Frame => write_frame(&mut body, &webp, chunk)?,
            Block::Icc if extended => {
                flags |= ICC_FLAG;
                write_padded(&mut body, chunk.bytes(data));
            }
            Block::Header | Block::Icc | Block::Exif | Block::Xmp | Block::Unknown => {}
        }
    }
    if let Some(tiff) = exif {
        flags |= EXIF_FLAG;
        write_chunk(&mut body, b"EXIF", &[&tiff])?;
    }
    for chunk in webp.chunks.iter().filter(|c| c.block() == Block::Xmp) {
        if extended && policy.keeps_all(&scan_chunk(&webp, chunk)?) {
            flags |= XMP_FLAG;
            write_padded(&mut body, chunk.bytes(data));
        }
    }
    let mut out = Vec::with_capacity(body.len() + 30);
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    if extended {
        write_chunk(&mut out, b"VP8X", &[&vp8x(&webp, flags)?])?;
    }
    out.extend_from_slice(&body);
    let size = u32::try_from(out.len() - 8)
        .map_err(|_| Error::damaged("rebuilt file is too large for RIFF"))?;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Ok(out)
}

/// The VP8X payload: `flags`, then the canvas size, as the original says
/// or, for a simple file, as its bitstream says.
fn vp8x(webp: &Webp, flags: u8) -> Result<[u8; 10], Error> {
    let mut payload = [0u8; 10];
    payload[0] = flags;
    if let Some(h) = webp.header() {
        payload[4..10].copy_from_slice(&h[4..10]);
        return Ok(payload);
    }
    let (w, h) = webp
        .dimensions()
        .filter(|&(w, h)| w > 0 && h > 0 && w <= MAX_SIDE && h <= MAX_SIDE)
        .ok_or_else(|| Error::damaged("cannot read the picture size from its bitstream"))?;
    payload[4..7].copy_from_slice(&(w - 1).to_le_bytes()[..3]);
    payload[7..10].copy_from_slice(&(h - 1).to_le_bytes()[..3]);
    Ok(payload)
}

/// An ANMF frame with only its header and picture sub-chunks.
fn write_frame(out: &mut Vec<u8>, webp: &Webp, frame: &Chunk) -> Result<(), Error> {
    let (parts, _) = frame_parts(webp.data, frame)?;
    let header_end = frame.payload.start + FRAME_HEADER;
    let mut pieces: Vec<&[u8]> = vec![&webp.data[frame.payload.start..header_end]];
    let padded: Vec<Vec<u8>> = parts
        .iter()
        .map(|c| {
            let mut v = c.bytes(webp.data).to_vec();
            if v.len() % 2 == 1 {
                v.push(0);
            }
            v
        })
        .collect();
    pieces.extend(padded.iter().map(Vec::as_slice));
    write_chunk(out, b"ANMF", &pieces)
}

/// Copies a chunk's header and payload, and a zero padding byte if its
/// size is odd.
fn write_padded(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(bytes);
    if bytes.len() % 2 == 1 {
        out.push(0);
    }
}

fn write_chunk(out: &mut Vec<u8>, fourcc: &[u8; 4], parts: &[&[u8]]) -> Result<(), Error> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let size =
        u32::try_from(len).map_err(|_| Error::damaged("rebuilt chunk is too large for RIFF"))?;
    out.extend_from_slice(fourcc);
    out.extend_from_slice(&size.to_le_bytes());
    for p in parts {
        out.extend_from_slice(p);
    }
    if len % 2 == 1 {
        out.push(0);
    }
    Ok(())
}

/// The image data of a WebP, in order: every bitstream, alpha and `ANIM`
/// chunk (header and payload), and for each animation frame its 16-byte
/// header and its picture sub-chunks. Two WebPs show the same picture,
/// frame for frame, if these are equal.
pub fn image_data(data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let webp = Webp::parse(data)?;
    let mut parts = Vec::new();
    for chunk in &webp.chunks {
        match chunk.block() {
            Block::Image => parts.push(chunk.bytes(data)),
            Block::Frame => {
                let header_end = chunk.payload.start + FRAME_HEADER;
                parts.push(&data[chunk.payload.start..header_end]);
                let (known, _) = frame_parts(data, chunk)?;
                parts.extend(known.iter().map(|c| c.bytes(data)));
            }
            _ => {}
        }
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny lossless WebP from the `image` crate's encoder (simple format).
    fn tiny_webp(alpha: bool) -> Vec<u8> {
        let img = image::RgbaImage::from_fn(6, 5, |x, y| {
            image::Rgba([x as u8 * 40, y as u8 * 50, 7, 100])
        });
        let img = if alpha {
            image::DynamicImage::ImageRgba8(img)
        } else {
            image::DynamicImage::ImageRgb8(image::DynamicImage::ImageRgba8(img).to_rgb8())
        };
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::WebP).unwrap();
        out.into_inner()
    }

    fn with_chunks(webp: &[u8], chunks: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
        let mut out = webp.to_vec();
        for (fourcc, payload) in chunks {
            write_chunk(&mut out, fourcc, &[payload]).unwrap();
        }
        let size = (out.len() - 8) as u32;
        out[4..8].copy_from_slice(&size.to_le_bytes());
        out
    }

    fn decode(bytes: &[u8]) -> image::DynamicImage {
        image::load_from_memory(bytes).unwrap()
    }

    fn exif_with(orientation: u32) -> Vec<u8> {
        exif::minimal(orientation, ImageFacts::default()).unwrap()
    }

    #[test]
    fn simple_file_with_rotated_exif_becomes_extended_and_decodes_the_same() {
        for alpha in [false, true] {
            let tiny = tiny_webp(alpha);
            let webp = with_chunks(&tiny, &[(b"EXIF", &exif_with(6)), (b"XMP ", b"<x/>")]);
            let clean = rebuild(&webp, &Policy::default()).unwrap();
            assert_eq!(&clean[12..16], b"VP8X");
            assert_eq!(clean[20], EXIF_FLAG | if alpha { ALPHA_FLAG } else { 0 });
            assert_eq!(
                Webp::parse(&clean)
                    .unwrap()
                    .exif()
                    .unwrap()
                    .unwrap()
                    .orientation(),
                Some(6)
            );
            assert_eq!(decode(&clean), decode(&tiny));
            assert_eq!(image_data(&clean).unwrap(), image_data(&tiny).unwrap());
        }
    }

    #[test]
    fn upright_exif_and_unknown_chunks_are_dropped() {
        let tiny = tiny_webp(false);
        let webp = with_chunks(&tiny, &[(b"EXIF", &exif_with(1)), (b"JUNK", b"abc")]);
        let scan = scan(&webp).unwrap();
        assert!(scan.findings.iter().any(|f| f.tag == "JUNK"));
        assert_eq!(rebuild(&webp, &Policy::default()).unwrap(), tiny);
    }

    #[test]
    fn riff_size_must_fit_the_file() {
        let mut webp = tiny_webp(false);
        let size = webp.len() as u32;
        webp[4..8].copy_from_slice(&size.to_le_bytes());
        assert!(scan(&webp).unwrap_err().to_string().contains("RIFF header"));
        webp[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(scan(&webp).is_err());
    }

    #[test]
    fn truncations_and_huge_chunks_are_errors() {
        let webp = tiny_webp(true);
        for len in 0..webp.len() {
            assert!(
                rebuild(&webp[..len], &Policy::default()).is_err(),
                "cut at {len}"
            );
        }
        let mut huge = webp.clone();
        huge[16..20].copy_from_slice(&0xFFFF_FFF0u32.to_le_bytes());
        let err = scan(&huge).unwrap_err().to_string();
        assert!(err.contains("past the end"), "{err}");
    }

    #[test]
    fn mutations_never_panic() {
        let webp = with_chunks(
            &tiny_webp(true),
            &[(b"EXIF", &exif_with(6)), (b"XMP ", b"<x/>")],
        );
        let clean = rebuild(&webp, &Policy::default()).unwrap();
        for input in [webp, clean] {
            for i in 0..input.len() {
                for flip in [0x01, 0x80, 0xFF] {
                    let mut bad = input.clone();
                    bad[i] ^= flip;
                    let _ = rebuild(&bad, &Policy::only(&[]));
                    let _ = image_data(&bad);
                }
            }
        }
    }
}
