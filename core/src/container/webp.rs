//! WebP: RIFF chunks in, RIFF chunks out.
//!
//! A WebP is a RIFF file: `RIFF`, a little-endian size of what follows,
//! `WEBP`, then chunks of `fourcc(4) size(4, little endian) payload`, padded
//! to an even length. A simple file holds one `VP8 ` (lossy) or `VP8L`
//! (lossless) bitstream. An extended file starts with `VP8X` (flags and
//! canvas size), then `ICCP`, `ANIM` with `ANMF` frames or an `ALPH` +
//! bitstream, and the metadata chunks `EXIF` and `XMP `.
//!
//! The file is read once, chunk by chunk, with nothing kept per chunk it
//! drops. Only the bitstreams and alpha data are copied; the chunk headers,
//! `VP8X` (its flags recomputed), `ANIM` and the frame headers are written
//! new from checked values, the ICC profile is rebuilt, a minimal `EXIF` is
//! written when the picture needs its Orientation (salvaged from XMP when
//! there is no EXIF), and XMP only cut down to what the policy keeps.
//! Unknown chunks (inside animation frames too) and anything after the RIFF
//! data are removed and reported.

use crate::findings::{Category, Finding, Scan};
use crate::format::Format;
use crate::metadata::exif::{Exif, ImageFacts};
use crate::metadata::{exif, icc, xmp};
use crate::plan::{Inspection, Piece, Pieces, Plan};
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

/// One chunk; `payload` is its data without the padding byte.
#[derive(Clone, Debug)]
struct Chunk {
    fourcc: [u8; 4],
    start: usize,
    payload: Range<usize>,
}

impl Chunk {
    fn name(&self) -> String {
        String::from_utf8_lossy(&self.fourcc).trim_end().to_string()
    }
}

/// The chunks that fill `range` exactly, read one at a time.
struct Chunks<'a> {
    data: &'a [u8],
    pos: usize,
    end: usize,
}

impl Iterator for Chunks<'_> {
    type Item = Result<Chunk, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.end {
            return None;
        }
        let chunk = read_chunk(self.data, self.pos, self.end);
        match &chunk {
            // The last chunk's padding byte is sometimes left out.
            Ok(c) => self.pos = (c.payload.end + (c.payload.len() & 1)).min(self.end),
            Err(_) => self.pos = self.end,
        }
        Some(chunk)
    }
}

fn chunks(data: &[u8], range: Range<usize>) -> Chunks<'_> {
    Chunks {
        data,
        pos: range.start,
        end: range.end,
    }
}

fn read_chunk(data: &[u8], pos: usize, limit: usize) -> Result<Chunk, Error> {
    let header = data
        .get(pos..pos + 8)
        .filter(|_| pos + 8 <= limit)
        .ok_or_else(|| {
            Error::damaged(format!(
                "truncated: a chunk header at byte {pos} is cut short"
            ))
        })?;
    let fourcc = [header[0], header[1], header[2], header[3]];
    let size = le32(&header[4..8]) as usize;
    let end = (pos + 8).checked_add(size).filter(|&e| e <= limit);
    let Some(end) = end else {
        return Err(Error::damaged(format!(
            "chunk '{}' at byte {pos} says it is {size} bytes long, past the end of its container",
            String::from_utf8_lossy(&fourcc)
        )));
    };
    Ok(Chunk {
        fourcc,
        start: pos,
        payload: pos + 8..end,
    })
}

fn le32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn le24(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], 0])
}

/// Width, height and alpha from a bitstream's header.
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

fn is_bitstream(fourcc: &[u8; 4]) -> bool {
    matches!(fourcc, b"VP8 " | b"VP8L")
}

// ---------------------------------------------------------------------------
// The walk.

/// A WebP read once: what it says, where its image data is, and the pieces
/// of the cleaned file's body (everything after the VP8X and ICCP chunks,
/// before EXIF and XMP).
struct Webp<'a> {
    data: &'a [u8],
    scan: Scan,
    media: Vec<Range<u64>>,
    body: Pieces,
    /// VP8X: flags as written and canvas size.
    header: Option<(u8, u32, u32)>,
    /// The first bitstream's width, height and alpha.
    bitstream: Option<(u32, u32, bool)>,
    animated: bool,
    icc: Option<Vec<u8>>,
    exif: Option<Range<usize>>,
    xmp: Vec<Range<usize>>,
    salvaged: Option<u32>,
    alpha_chunk: bool,
}

impl<'a> Webp<'a> {
    fn walk(data: &'a [u8]) -> Result<Webp<'a>, Error> {
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
        let mut webp = Webp {
            data,
            scan: Scan::default(),
            media: Vec::new(),
            body: Pieces::default(),
            header: None,
            bitstream: None,
            animated: false,
            icc: None,
            exif: None,
            xmp: Vec::new(),
            salvaged: None,
            alpha_chunk: false,
        };
        for (i, chunk) in chunks(data, 12..riff_end).enumerate() {
            webp.read(i, &chunk?)?;
        }
        webp.check()?;
        if riff_end < data.len() {
            let size = data.len() - riff_end;
            webp.scan.push(Finding::new(
                Category::Preview,
                "WebP trailer",
                "TrailerData",
                format!("data after the RIFF chunk, {size} bytes"),
            ));
        }
        Ok(webp)
    }

    fn read(&mut self, index: usize, chunk: &Chunk) -> Result<(), Error> {
        let payload = &self.data[chunk.payload.clone()];
        match &chunk.fourcc {
            b"VP8X" if index == 0 => {
                if payload.len() != 10 {
                    return Err(Error::damaged("the VP8X chunk is not 10 bytes long"));
                }
                let (w, h) = (le24(&payload[4..7]) + 1, le24(&payload[7..10]) + 1);
                self.header = Some((payload[0], w, h));
            }
            b"VP8X" => return Err(Error::damaged("a VP8X chunk that is not the first")),
            _ if index == 0 && !is_bitstream(&chunk.fourcc) => {
                return Err(Error::damaged(
                    "the file does not start with VP8X or a bitstream",
                ))
            }
            b"VP8 " | b"VP8L" | b"ALPH" => {
                if self.bitstream.is_some() || self.animated {
                    return Err(Error::damaged("more than one picture outside an animation"));
                }
                if is_bitstream(&chunk.fourcc) {
                    let info = bitstream_info(&chunk.fourcc, payload)
                        .ok_or_else(|| Error::damaged("the bitstream header is invalid"))?;
                    self.bitstream = Some(info);
                } else if std::mem::replace(&mut self.alpha_chunk, true) {
                    return Err(Error::damaged("more than one ALPH chunk"));
                }
                copy_chunk(&mut self.body, &mut self.media, chunk);
            }
            b"ANIM" => {
                if payload.len() != 6 || self.animated || self.bitstream.is_some() {
                    return Err(Error::damaged("an invalid ANIM chunk"));
                }
                self.animated = true;
                write_chunk(&mut self.body, b"ANIM", payload)?;
            }
            b"ANMF" => self.frame(chunk)?,
            b"ICCP" => self.read_icc(chunk),
            b"EXIF" => {
                let exif = Exif::parse(exif::tiff_bytes(payload))?;
                self.scan.extend(exif.scan("EXIF"));
                if self.exif.is_none() {
                    self.exif = Some(chunk.payload.clone());
                }
            }
            b"XMP " => {
                self.scan.extend(xmp::scan(payload, "XMP"));
                if self.salvaged.is_none() {
                    self.salvaged = xmp::orientation(payload).filter(|o| (1..=8).contains(o));
                }
                self.xmp.push(chunk.payload.clone());
            }
            _ => self.unknown("WebP chunk", chunk),
        }
        Ok(())
    }

    /// ANMF: a 16-byte header (position, size, duration, flags), then the
    /// frame's ALPH and bitstream; unknown sub-chunks are dropped.
    fn frame(&mut self, frame: &Chunk) -> Result<(), Error> {
        let damaged =
            |what: &str| Error::damaged(format!("animation frame at byte {} {what}", frame.start));
        if !self.animated {
            return Err(damaged("comes without an ANIM chunk"));
        }
        let start = frame.payload.start + FRAME_HEADER;
        if start > frame.payload.end {
            return Err(damaged("is cut short"));
        }
        let mut header = self.data[frame.payload.start..start].to_vec();
        header[15] &= 0x03;
        let mut kept = Vec::new();
        for part in chunks(self.data, start..frame.payload.end) {
            let part = part?;
            match &part.fourcc {
                b"ALPH" | b"VP8 " | b"VP8L" => kept.push(part),
                _ => self.unknown("WebP ANMF", &part),
            }
        }
        let bitstreams = kept.iter().filter(|c| is_bitstream(&c.fourcc)).count();
        let alphas = kept.len() - bitstreams;
        if bitstreams != 1 || alphas > 1 {
            return Err(damaged("does not hold exactly one picture"));
        }
        let size: usize = FRAME_HEADER
            + kept
                .iter()
                .map(|c| 8 + c.payload.len() + (c.payload.len() & 1))
                .sum::<usize>();
        self.body.push_new(b"ANMF");
        self.body.push_new(&riff_size(size)?.to_le_bytes());
        self.body.push_new(&header);
        for part in &kept {
            copy_chunk(&mut self.body, &mut self.media, part);
        }
        Ok(())
    }

    fn read_icc(&mut self, chunk: &Chunk) {
        let payload = &self.data[chunk.payload.clone()];
        match icc::rebuild(payload) {
            Ok(rebuilt) if self.icc.is_none() => {
                self.scan.extend(icc::scan(payload, "WebP ICCP"));
                self.icc = Some(rebuilt);
            }
            Ok(_) => self.unknown("WebP ICCP", chunk),
            Err(_) => self.unknown("WebP ICCP", chunk),
        }
    }

    fn unknown(&mut self, block: &str, chunk: &Chunk) {
        let size = format!("{} bytes", chunk.payload.len());
        self.scan
            .push(Finding::new(Category::Unknown, block, &chunk.name(), size));
    }

    /// There is a picture: one bitstream, or animation frames.
    fn check(&self) -> Result<(), Error> {
        if self.bitstream.is_none() && !self.animated {
            return Err(Error::damaged("no image data (no VP8, VP8L or ANMF chunk)"));
        }
        if self.animated && self.header.is_none() {
            return Err(Error::damaged("an animation without a VP8X chunk"));
        }
        // The canvas of a still picture is its bitstream's size.
        if let (Some((_, w, h)), Some((bw, bh, _))) = (self.header, self.bitstream) {
            if (w, h) != (bw, bh) {
                return Err(Error::damaged(
                    "the VP8X canvas is not the size of the picture",
                ));
            }
        }
        Ok(())
    }

    fn dimensions(&self) -> Option<(u32, u32)> {
        match (self.header, self.bitstream) {
            (Some((_, w, h)), _) => Some((w, h)),
            (None, Some((w, h, _))) => Some((w, h)),
            _ => None,
        }
    }

    /// Whether the picture has alpha: the VP8X flag as written (it describes
    /// image data that does not change), else the VP8L header's own flag.
    fn has_alpha(&self) -> bool {
        match (self.header, self.bitstream) {
            (Some((flags, ..)), _) => flags & ALPHA_FLAG != 0,
            (None, Some((_, _, alpha))) => alpha,
            _ => false,
        }
    }

    fn facts(&self) -> ImageFacts {
        ImageFacts {
            dimensions: self.dimensions(),
            has_icc: self.icc.is_some(),
            orientation: self.salvaged,
        }
    }
}

/// A picture chunk: its header written, its payload copied (the image data).
fn copy_chunk(out: &mut Pieces, media: &mut Vec<Range<u64>>, chunk: &Chunk) {
    let range = chunk.payload.start as u64..chunk.payload.end as u64;
    out.push_new(&chunk.fourcc);
    out.push_new(&(chunk.payload.len() as u32).to_le_bytes());
    out.push_input(range.clone());
    if chunk.payload.len() % 2 == 1 {
        out.push_new(&[0]);
    }
    media.push(range);
}

fn riff_size(len: usize) -> Result<u32, Error> {
    u32::try_from(len).map_err(|_| Error::damaged("rebuilt chunk is too large for RIFF"))
}

fn write_chunk(out: &mut Pieces, fourcc: &[u8; 4], payload: &[u8]) -> Result<(), Error> {
    out.push_new(fourcc);
    out.push_new(&riff_size(payload.len())?.to_le_bytes());
    out.push_new(payload);
    if payload.len() % 2 == 1 {
        out.push_new(&[0]);
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Plan.

/// What a WebP says and where its image data is, from one parse.
pub fn inspect(data: &[u8]) -> Result<Inspection, Error> {
    let webp = Webp::walk(data)?;
    Ok(Inspection {
        format: Format::Webp,
        scan: webp.scan,
        media: webp.media,
    })
}

/// How to clean a WebP under `policy`, from one parse.
///
/// A simple file stays simple unless an EXIF chunk, an ICC profile or kept
/// XMP must be written; the VP8X flags say exactly which chunks are there.
pub fn plan(data: &[u8], policy: &Policy) -> Result<Plan, Error> {
    let webp = Webp::walk(data)?;
    let exif = exif_for(&webp, policy)?;
    let xmp: Vec<Vec<u8>> = webp
        .xmp
        .iter()
        .filter_map(|r| {
            let packet = &data[r.clone()];
            policy
                .keeps_some(&xmp::scan(packet, "XMP"))
                .then(|| xmp::filter(packet, policy))
                .flatten()
        })
        .collect();
    let extended = webp.header.is_some() || exif.is_some() || webp.icc.is_some() || !xmp.is_empty();
    let mut flags = if webp.has_alpha() { ALPHA_FLAG } else { 0 };
    let mut head = Pieces::default();
    let mut tail = Pieces::default();
    if webp.animated {
        flags |= ANIMATION_FLAG;
    }
    if let Some(icc) = &webp.icc {
        flags |= ICC_FLAG;
        write_chunk(&mut head, b"ICCP", icc)?;
    }
    if let Some(tiff) = &exif {
        flags |= EXIF_FLAG;
        write_chunk(&mut tail, b"EXIF", tiff)?;
    }
    for packet in &xmp {
        flags |= XMP_FLAG;
        write_chunk(&mut tail, b"XMP ", packet)?;
    }
    let mut vp8x = Pieces::default();
    if extended {
        write_chunk(&mut vp8x, b"VP8X", &vp8x_payload(&webp, flags)?)?;
    }
    let size = 4 + vp8x.len() + head.len() + webp.body.len() + tail.len();
    let mut out = Pieces::default();
    out.push_new(b"RIFF");
    out.push_new(&riff_size(size as usize)?.to_le_bytes());
    out.push_new(b"WEBP");
    for part in [&vp8x, &head, &webp.body, &tail] {
        append(&mut out, part);
    }
    Ok(Plan {
        input: Inspection {
            format: Format::Webp,
            scan: webp.scan,
            media: webp.media,
        },
        input_len: data.len() as u64,
        output: out,
    })
}

fn append(out: &mut Pieces, more: &Pieces) {
    for piece in more.pieces() {
        match piece {
            Piece::New(bytes) => out.push_new(bytes),
            Piece::Input(range) => out.push_input(range.clone()),
            Piece::Zeros(n) => out.push_zeros(*n),
        }
    }
}

/// The EXIF the cleaned file needs: rebuilt from the allowlist when the
/// picture is turned or the policy keeps some of it, else a minimal one
/// when an Orientation was salvaged from XMP.
fn exif_for(webp: &Webp, policy: &Policy) -> Result<Option<Vec<u8>>, Error> {
    let exif = match &webp.exif {
        Some(r) => Some(Exif::parse(exif::tiff_bytes(&webp.data[r.clone()]))?),
        None => None,
    };
    let facts = webp.facts();
    if let Some(tiff) = exif::rebuilt_when_needed(exif.as_ref(), policy, facts)? {
        return Ok(Some(tiff));
    }
    let has_own = exif.as_ref().and_then(Exif::orientation).is_some();
    match webp.salvaged {
        Some(o) if o != 1 && !has_own => exif::minimal(o, facts).map(Some),
        _ => Ok(None),
    }
}

/// The VP8X payload: `flags`, then the canvas size, as the original says
/// or, for a simple file, as its bitstream says.
fn vp8x_payload(webp: &Webp, flags: u8) -> Result<[u8; 10], Error> {
    let mut payload = [0u8; 10];
    payload[0] = flags;
    let (w, h) = webp
        .dimensions()
        .filter(|&(w, h)| w > 0 && h > 0 && w <= MAX_SIDE && h <= MAX_SIDE)
        .ok_or_else(|| Error::damaged("cannot read the picture size"))?;
    payload[4..7].copy_from_slice(&(w - 1).to_le_bytes()[..3]);
    payload[7..10].copy_from_slice(&(h - 1).to_le_bytes()[..3]);
    Ok(payload)
}

/// Everything a WebP would tell a stranger.
pub fn scan(data: &[u8]) -> Result<Scan, Error> {
    Ok(inspect(data)?.scan)
}

/// The cleaned WebP, in one buffer.
pub fn rebuild(data: &[u8], policy: &Policy) -> Result<Vec<u8>, Error> {
    plan(data, policy)?.output.to_vec(data)
}

/// The image data of a WebP, in order: the payload of every bitstream and
/// alpha chunk, animation frames included.
pub fn image_data(data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    Ok(inspect(data)?
        .media
        .into_iter()
        .map(|r| &data[r.start as usize..r.end as usize])
        .collect())
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
            let mut chunk = Pieces::default();
            write_chunk(&mut chunk, fourcc, payload).unwrap();
            out.extend(chunk.to_vec(&[][..]).unwrap());
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
            let exif = Webp::walk(&clean).unwrap().exif.unwrap();
            let exif = Exif::parse(exif::tiff_bytes(&clean[exif])).unwrap();
            assert_eq!(exif.orientation(), Some(6));
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
