//! PNG: chunks in, chunks out.
//!
//! A PNG is an 8-byte signature and a run of chunks, each `length(4, big
//! endian) type(4) data(length) CRC-32(4 over type and data)`, from `IHDR` to
//! `IEND`. The picture is in the critical chunks (`IHDR`, `PLTE`, `IDAT`,
//! `IEND`) and in the colour, transparency and animation chunks; metadata is
//! in `eXIf` (EXIF), the text chunks `tEXt`/`zTXt`/`iTXt` (free text, XMP in
//! the `XML:com.adobe.xmp` iTXt, and ImageMagick's hex-encoded "Raw profile
//! type exif/iptc/xmp" text, which can hold GPS) and `tIME`.
//!
//! Every CRC is checked. Cleaning copies the image and rendering chunks byte
//! for byte, keeps a rebuilt minimal `eXIf` only when it is needed (an
//! Orientation other than 1, or a category the policy keeps), keeps a text
//! chunk only if everything it says is kept, and drops every other chunk and
//! anything after `IEND`.

use crate::findings::{Category, Finding, Scan};
use crate::metadata::exif::{Exif, ImageFacts};
use crate::metadata::{exif, iptc, xmp};
use crate::policy::Policy;
use crate::Error;

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
/// The largest chunk length the PNG specification allows (2^31 - 1).
const MAX_CHUNK: usize = 0x7FFF_FFFF;
/// Compressed text is never inflated to more than this.
const MAX_INFLATE: usize = 8 << 20;
const XMP_KEYWORD: &str = "XML:com.adobe.xmp";
const RAW_PROFILE: &str = "Raw profile type ";
const XMP_SIGNATURE: &[u8] = b"http://ns.adobe.com/xap/1.0/\0";
const PHOTOSHOP_SIGNATURE: &[u8] = b"Photoshop 3.0\0";

/// Chunks that hold the picture: their bytes must never change.
const IMAGE_CHUNKS: [&[u8; 4]; 8] = [
    b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"acTL", b"fcTL", b"fdAT", b"IEND",
];
/// Chunks needed to show the picture in the right colours and size.
const RENDERING_CHUNKS: [&[u8; 4]; 10] = [
    b"iCCP", b"sRGB", b"gAMA", b"cHRM", b"cICP", b"mDCv", b"cLLi", b"pHYs", b"sBIT", b"bKGD",
];

/// What a chunk is, as far as cleaning is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Block {
    Image,
    Rendering,
    Exif,
    Text,
    Time,
    /// Any other ancillary chunk: never passed on.
    Other,
}

/// One chunk: `start` is the offset of its length field, `end` is just
/// after its CRC.
#[derive(Clone, Copy, Debug)]
struct Chunk {
    kind: [u8; 4],
    start: usize,
    end: usize,
}

impl Chunk {
    fn payload<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        data.get(self.start + 8..self.end - 4).unwrap_or(&[])
    }

    fn bytes<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        &data[self.start..self.end]
    }

    fn name(&self) -> String {
        String::from_utf8_lossy(&self.kind).into_owned()
    }

    fn block(&self) -> Block {
        classify(&self.kind)
    }
}

/// A parsed PNG: every chunk up to `IEND`, checked.
struct Png<'a> {
    data: &'a [u8],
    chunks: Vec<Chunk>,
    /// Offset just after `IEND`; anything from here on is trailer.
    image_end: usize,
}

impl<'a> Png<'a> {
    fn parse(data: &'a [u8]) -> Result<Png<'a>, Error> {
        if !data.starts_with(SIGNATURE) {
            return Err(Error::damaged("not a PNG (no PNG signature)"));
        }
        let mut chunks: Vec<Chunk> = Vec::new();
        let mut pos = SIGNATURE.len();
        loop {
            let chunk = read_chunk(data, pos)?;
            check_order(&chunks, &chunk)?;
            chunks.push(chunk);
            if &chunk.kind == b"IEND" {
                return Ok(Png {
                    data,
                    chunks,
                    image_end: chunk.end,
                });
            }
            pos = chunk.end;
        }
    }

    fn facts(&self) -> ImageFacts {
        let dimensions = self.chunks.first().and_then(|c| {
            let p = c.payload(self.data);
            Some((be32(p.get(0..4)?), be32(p.get(4..8)?)))
        });
        ImageFacts {
            dimensions,
            has_icc: self.chunks.iter().any(|c| &c.kind == b"iCCP"),
            orientation: None,
        }
    }

    /// The first `eXIf` chunk, parsed.
    fn exif(&self) -> Result<Option<Exif>, Error> {
        match self.chunks.iter().find(|c| c.block() == Block::Exif) {
            Some(c) => Ok(Some(Exif::parse(exif::tiff_bytes(c.payload(self.data)))?)),
            None => Ok(None),
        }
    }
}

/// Reads and checks the chunk whose length field is at `pos`.
fn read_chunk(data: &[u8], pos: usize) -> Result<Chunk, Error> {
    let header = data.get(pos..pos + 8).ok_or_else(|| {
        Error::damaged(format!(
            "truncated: the file ends at byte {} before the IEND chunk",
            data.len()
        ))
    })?;
    let len = be32(&header[0..4]) as usize;
    let kind = [header[4], header[5], header[6], header[7]];
    if !kind.iter().all(u8::is_ascii_alphabetic) {
        return Err(Error::damaged(format!(
            "expected a chunk at byte {pos}, found garbage"
        )));
    }
    let name = String::from_utf8_lossy(&kind).into_owned();
    let end = pos.checked_add(12).and_then(|p| p.checked_add(len));
    let end = match end {
        Some(end) if len <= MAX_CHUNK && end <= data.len() => end,
        _ => {
            return Err(Error::damaged(format!(
                "chunk '{name}' at byte {pos} says it is {len} bytes long, past the end of the file"
            )))
        }
    };
    let stored = be32(&data[end - 4..end]);
    if crc32(&data[pos + 4..end - 4]) != stored {
        return Err(Error::damaged(format!(
            "chunk '{name}' at byte {pos} is damaged (its CRC does not match)"
        )));
    }
    Ok(Chunk {
        kind,
        start: pos,
        end,
    })
}

/// IHDR must come first, once; an unknown critical chunk means a picture we
/// cannot show the same way without it.
fn check_order(before: &[Chunk], chunk: &Chunk) -> Result<(), Error> {
    let is_ihdr = &chunk.kind == b"IHDR";
    if before.is_empty() != is_ihdr {
        return Err(Error::damaged(
            "IHDR is not the first chunk, or not the only one",
        ));
    }
    if is_ihdr && chunk.end - chunk.start != 25 {
        return Err(Error::damaged("the IHDR chunk is not 13 bytes long"));
    }
    let critical = chunk.kind[0].is_ascii_uppercase();
    if critical && !IMAGE_CHUNKS.contains(&&chunk.kind) {
        return Err(Error::damaged(format!(
            "unknown critical chunk '{}': the picture cannot be shown without it",
            chunk.name()
        )));
    }
    Ok(())
}

fn classify(kind: &[u8; 4]) -> Block {
    match kind {
        k if IMAGE_CHUNKS.contains(&k) => Block::Image,
        k if RENDERING_CHUNKS.contains(&k) => Block::Rendering,
        b"eXIf" => Block::Exif,
        b"tEXt" | b"zTXt" | b"iTXt" => Block::Text,
        b"tIME" => Block::Time,
        _ => Block::Other,
    }
}

fn be32(b: &[u8]) -> u32 {
    u32::from_be_bytes([b[0], b[1], b[2], b[3]])
}

// ---------------------------------------------------------------------------
// Text chunks.

/// A text chunk, decoded: its keyword and its text, or why the text was not
/// read.
struct Text {
    keyword: String,
    value: Result<Vec<u8>, TooLarge>,
    /// iTXt and decoded text are UTF-8; tEXt and zTXt are Latin-1.
    utf8: bool,
}

/// Compressed text that would inflate past [`MAX_INFLATE`].
struct TooLarge;

/// Splits a tEXt, zTXt or iTXt payload into keyword and text, inflating
/// compressed text.
fn decode_text(kind: &[u8; 4], payload: &[u8]) -> Result<Text, Error> {
    let damaged = |what: &str| {
        Error::damaged(format!(
            "PNG {} chunk is damaged ({what})",
            String::from_utf8_lossy(kind)
        ))
    };
    let (keyword, rest) = split_nul(payload).ok_or_else(|| damaged("no keyword"))?;
    let keyword = latin1(keyword);
    let (value, utf8) = match kind {
        b"tEXt" => (Ok(rest.to_vec()), false),
        b"zTXt" => match rest.split_first() {
            Some((0, compressed)) => (inflate(compressed).map_err(damaged)?, false),
            _ => return Err(damaged("unknown compression method")),
        },
        _ => {
            let (&flag, rest) = rest.split_first().ok_or_else(|| damaged("cut short"))?;
            let (&method, rest) = rest.split_first().ok_or_else(|| damaged("cut short"))?;
            let (_language, rest) = split_nul(rest).ok_or_else(|| damaged("no language"))?;
            let (_translated, text) = split_nul(rest).ok_or_else(|| damaged("cut short"))?;
            match (flag, method) {
                (0, _) => (Ok(text.to_vec()), true),
                (1, 0) => (inflate(text).map_err(damaged)?, true),
                _ => return Err(damaged("unknown compression")),
            }
        }
    };
    Ok(Text {
        keyword,
        value,
        utf8,
    })
}

fn split_nul(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let at = memchr::memchr(0, bytes)?;
    Some((&bytes[..at], &bytes[at + 1..]))
}

fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| b as char).collect()
}

/// Inflates zlib data, stopping at [`MAX_INFLATE`] bytes of output.
fn inflate(compressed: &[u8]) -> Result<Result<Vec<u8>, TooLarge>, &'static str> {
    use miniz_oxide::inflate::{decompress_to_vec_zlib_with_limit, TINFLStatus};
    match decompress_to_vec_zlib_with_limit(compressed, MAX_INFLATE) {
        Ok(text) => Ok(Ok(text)),
        Err(e) if e.status == TINFLStatus::HasMoreOutput => Ok(Err(TooLarge)),
        Err(_) => Err("its compressed text does not inflate"),
    }
}

/// What a text chunk would tell.
fn scan_text(kind: &[u8; 4], payload: &[u8]) -> Result<(Scan, bool), Error> {
    let text = decode_text(kind, payload)?;
    let block = format!("PNG {}", String::from_utf8_lossy(kind));
    let value = match text.value {
        Ok(value) => value,
        Err(TooLarge) => {
            let what = format!("compressed text of more than {MAX_INFLATE} bytes, not read");
            return Ok((one(Category::Text, &block, &text.keyword, what), false));
        }
    };
    let scan = if text.keyword == XMP_KEYWORD {
        xmp::scan(&value, "XMP")
    } else if let Some(kind) = text.keyword.strip_prefix(RAW_PROFILE) {
        scan_raw_profile(kind, &value)?
    } else {
        let value = if text.utf8 {
            String::from_utf8_lossy(&value).into_owned()
        } else {
            latin1(&value)
        };
        one(
            keyword_category(&text.keyword),
            &block,
            &text.keyword,
            value,
        )
    };
    Ok((scan, true))
}

fn one(category: Category, block: &str, tag: &str, value: String) -> Scan {
    let mut scan = Scan::default();
    scan.push(Finding::new(category, block, tag, value));
    scan
}

/// The category of a free-text keyword: the PNG specification's (`Author`,
/// `Creation Time`, `Source`…) and the property names other writers use
/// (ImageMagick's `exif:GPSLatitude`, `photoshop:City`, `xmp:CreatorTool`…).
fn keyword_category(keyword: &str) -> Category {
    const RULES: [(Category, &[&str]); 6] = [
        (
            Category::Location,
            &[
                "gps",
                "latitude",
                "longitude",
                "location",
                "city",
                "country",
                "address",
                "place",
            ],
        ),
        (Category::Device, &["tool", "serial", "uniqueid"]),
        (
            Category::People,
            &[
                "author",
                "artist",
                "copyright",
                "owner",
                "creator",
                "by-line",
                "credit",
                "person",
            ],
        ),
        (Category::Preview, &["thumbnail"]),
        (Category::Time, &["time", "date"]),
        (
            Category::Device,
            &[
                "software", "source", "make", "model", "device", "camera", "lens",
            ],
        ),
    ];
    let k = keyword.to_ascii_lowercase();
    RULES
        .iter()
        .find(|(_, words)| words.iter().any(|w| k.contains(w)))
        .map_or(Category::Text, |(category, _)| *category)
}

/// ImageMagick's raw profiles: the text is a newline, the profile's name, a
/// decimal byte count, then the profile in hexadecimal.
fn scan_raw_profile(kind: &str, text: &[u8]) -> Result<Scan, Error> {
    let bytes = decode_raw_profile(text)
        .map_err(|e| Error::damaged(format!("PNG raw profile '{kind}' is damaged ({e})")))?;
    let block = "raw profile";
    let kind = kind.trim().to_ascii_lowercase();
    let scan = match kind.as_str() {
        "exif" => Exif::parse(exif::tiff_bytes(&bytes))?.scan(&format!("{block} EXIF")),
        "app1" if bytes.starts_with(exif::JPEG_SIGNATURE) => {
            Exif::parse(exif::tiff_bytes(&bytes))?.scan(&format!("{block} EXIF"))
        }
        "app1" if bytes.starts_with(XMP_SIGNATURE) => {
            xmp::scan(&bytes[XMP_SIGNATURE.len()..], &format!("{block} XMP"))
        }
        "xmp" => xmp::scan(&bytes, &format!("{block} XMP")),
        "iptc" | "8bim" => scan_iptc(&bytes, &format!("{block} IPTC"))?,
        _ => one(
            Category::Device,
            &format!("PNG {block}"),
            &format!("{RAW_PROFILE}{kind}"),
            format!("{} bytes", bytes.len()),
        ),
    };
    Ok(scan)
}

/// IPTC as ImageMagick stores it: bare IIM datasets, or Photoshop resources.
fn scan_iptc(bytes: &[u8], block: &str) -> Result<Scan, Error> {
    let bytes = bytes.strip_prefix(PHOTOSHOP_SIGNATURE).unwrap_or(bytes);
    let result = if bytes.starts_with(b"8BIM") {
        iptc::scan_photoshop(bytes, block)
    } else {
        iptc::scan_iptc(bytes, block)
    };
    result.map_err(|e| Error::damaged(format!("IPTC in a PNG raw profile is damaged ({e})")))
}

fn decode_raw_profile(text: &[u8]) -> Result<Vec<u8>, String> {
    let mut pos = 0;
    let _name = next_line(text, &mut pos).ok_or("empty")?;
    let count: usize = next_line(text, &mut pos)
        .and_then(|l| std::str::from_utf8(l).ok())
        .and_then(|s| s.trim().parse().ok())
        .ok_or("no byte count")?;
    let hex = text.get(pos..).unwrap_or(&[]);
    if count > hex.len() / 2 {
        return Err(format!("says {count} bytes, but holds fewer"));
    }
    let mut out = Vec::with_capacity(count);
    let mut digits = hex
        .iter()
        .filter(|b| !b.is_ascii_whitespace())
        .map(|&b| (b as char).to_digit(16));
    while out.len() < count {
        match (digits.next(), digits.next()) {
            (Some(Some(hi)), Some(Some(lo))) => out.push((hi * 16 + lo) as u8),
            (Some(None), _) | (_, Some(None)) => return Err("not hexadecimal".into()),
            _ => return Err(format!("says {count} bytes, but holds {}", out.len())),
        }
    }
    Ok(out)
}

/// The next line at or after `pos` that is not blank; moves `pos` past it.
fn next_line<'a>(text: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    while *pos < text.len() {
        let start = *pos;
        let end = memchr::memchr(b'\n', &text[start..]).map_or(text.len(), |i| start + i);
        *pos = end + 1;
        let line = &text[start..end];
        if !line.iter().all(u8::is_ascii_whitespace) {
            return Some(line);
        }
    }
    None
}

// ---------------------------------------------------------------------------
// Scan.

/// Everything a PNG would tell a stranger, from every chunk and from
/// anything after `IEND`.
pub fn scan(data: &[u8]) -> Result<Scan, Error> {
    let png = Png::parse(data)?;
    let mut scan = Scan::default();
    for chunk in &png.chunks {
        scan.extend(scan_chunk(&png, chunk)?.0);
    }
    if png.image_end < data.len() {
        let size = data.len() - png.image_end;
        scan.push(Finding::new(
            Category::Preview,
            "PNG trailer",
            "TrailerData",
            format!(
                "{} after IEND, {size} bytes",
                describe_trailer(&data[png.image_end..])
            ),
        ));
    }
    Ok(scan)
}

/// What one chunk would tell, and whether it can be passed on at all (text
/// that was too large to read never is).
fn scan_chunk(png: &Png, chunk: &Chunk) -> Result<(Scan, bool), Error> {
    let payload = chunk.payload(png.data);
    let scan = match chunk.block() {
        Block::Image => Scan::default(),
        Block::Rendering if &chunk.kind == b"iCCP" => {
            let name = split_nul(payload).map_or(String::new(), |(n, _)| latin1(n));
            let value = format!("'{name}', {} bytes compressed", payload.len());
            one(Category::Rendering, "PNG iCCP", "ICC_Profile", value)
        }
        Block::Rendering => Scan::default(),
        Block::Exif => Exif::parse(exif::tiff_bytes(payload))?.scan("EXIF"),
        Block::Text => return scan_text(&chunk.kind, payload),
        Block::Time => one(Category::Time, "PNG tIME", "ModifyDate", time(payload)),
        Block::Other => {
            let value = format!("{} bytes", payload.len());
            one(Category::Device, "PNG chunk", &chunk.name(), value)
        }
    };
    Ok((scan, true))
}

/// tIME: year(2) month day hour minute second.
fn time(p: &[u8]) -> String {
    match p {
        [y1, y2, mo, d, h, mi, s] => format!(
            "{:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}",
            u16::from_be_bytes([*y1, *y2])
        ),
        _ => format!("{} bytes", p.len()),
    }
}

fn describe_trailer(bytes: &[u8]) -> &'static str {
    if bytes.iter().all(|&b| b == 0) {
        "padding"
    } else if memchr::memmem::find(bytes, b"ftyp").is_some() {
        "video"
    } else if bytes.starts_with(&[0xFF, 0xD8]) || bytes.starts_with(SIGNATURE) {
        "appended image"
    } else {
        "unknown data"
    }
}

// ---------------------------------------------------------------------------
// Rebuild.

/// Builds the cleaned PNG under `policy`.
///
/// Image and rendering chunks are copied byte for byte and in order. The
/// first `eXIf` is replaced by a rebuilt allowlisted one when the picture
/// needs it (Orientation other than 1) or the policy keeps some of it, else
/// dropped (the rebuilt one never comes after the image data); text and `tIME` chunks are kept only if everything they say is
/// kept; every other chunk and the trailer are dropped.
pub fn rebuild(data: &[u8], policy: &Policy) -> Result<Vec<u8>, Error> {
    let png = Png::parse(data)?;
    let mut exif = exif::rebuilt_when_needed(png.exif()?.as_ref(), policy, png.facts())?;
    let mut out = Vec::with_capacity(png.image_end);
    out.extend_from_slice(SIGNATURE);
    for chunk in &png.chunks {
        // The EXIF goes where it was, or before the image data if it was
        // after it (readers may ignore an eXIf that comes after IDAT).
        if chunk.block() == Block::Exif || matches!(&chunk.kind, b"IDAT" | b"fcTL") {
            if let Some(tiff) = exif.take() {
                write_chunk(&mut out, b"eXIf", &tiff)?;
            }
        }
        match chunk.block() {
            Block::Image | Block::Rendering => out.extend_from_slice(chunk.bytes(data)),
            Block::Text | Block::Time => {
                let (scan, readable) = scan_chunk(&png, chunk)?;
                if readable && policy.keeps_all(&scan) {
                    out.extend_from_slice(chunk.bytes(data));
                }
            }
            Block::Exif | Block::Other => {}
        }
    }
    Ok(out)
}

fn write_chunk(out: &mut Vec<u8>, kind: &[u8; 4], payload: &[u8]) -> Result<(), Error> {
    let len = u32::try_from(payload.len())
        .ok()
        .filter(|&l| l as usize <= MAX_CHUNK)
        .ok_or_else(|| Error::damaged("rebuilt chunk is too large for PNG"))?;
    out.extend_from_slice(&len.to_be_bytes());
    let from = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(payload);
    let crc = crc32(&out[from..]);
    out.extend_from_slice(&crc.to_be_bytes());
    Ok(())
}

/// The image data of a PNG, in order: the complete `IHDR`, `PLTE`, `tRNS`,
/// `IDAT` and animation (`acTL`, `fcTL`, `fdAT`) chunks, and `IEND`. Two
/// PNGs show the same picture, frame for frame, if these are equal.
pub fn image_data(data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let png = Png::parse(data)?;
    Ok(png
        .chunks
        .iter()
        .filter(|c| c.block() == Block::Image)
        .map(|c| c.bytes(data))
        .collect())
}

// ---------------------------------------------------------------------------
// CRC-32 (ISO 3309, as the PNG specification defines it), slicing by 8.

const CRC_TABLES: [[u32; 256]; 8] = crc_tables();

const fn crc_tables() -> [[u32; 256]; 8] {
    let mut tables = [[0u32; 256]; 8];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        tables[0][n] = c;
        n += 1;
    }
    let mut t = 1;
    while t < 8 {
        let mut n = 0;
        while n < 256 {
            let prev = tables[t - 1][n];
            tables[t][n] = (prev >> 8) ^ tables[0][(prev & 0xFF) as usize];
            n += 1;
        }
        t += 1;
    }
    tables
}

/// The CRC-32 of `bytes`.
fn crc32(bytes: &[u8]) -> u32 {
    let t = &CRC_TABLES;
    let mut crc = !0u32;
    let mut blocks = bytes.chunks_exact(8);
    for b in &mut blocks {
        let lo = crc ^ u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        crc = t[7][(lo & 0xFF) as usize]
            ^ t[6][((lo >> 8) & 0xFF) as usize]
            ^ t[5][((lo >> 16) & 0xFF) as usize]
            ^ t[4][(lo >> 24) as usize]
            ^ t[3][b[4] as usize]
            ^ t[2][b[5] as usize]
            ^ t[1][b[6] as usize]
            ^ t[0][b[7] as usize];
    }
    for &b in blocks.remainder() {
        crc = (crc >> 8) ^ t[0][((crc ^ u32::from(b)) & 0xFF) as usize];
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny valid PNG from the `image` crate's encoder.
    fn tiny_png() -> Vec<u8> {
        let img = image::RgbImage::from_fn(8, 4, |x, y| image::Rgb([x as u8 * 30, y as u8, 9]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png).unwrap();
        out.into_inner()
    }

    /// `png` with a chunk inserted after IHDR.
    fn with_chunk(png: &[u8], kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut out = png[..33].to_vec();
        write_chunk(&mut out, kind, payload).unwrap();
        out.extend_from_slice(&png[33..]);
        out
    }

    fn zlib(bytes: &[u8]) -> Vec<u8> {
        miniz_oxide::deflate::compress_to_vec_zlib(bytes, 6)
    }

    #[test]
    fn crc_matches_the_specification() {
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(&[]), 0);
    }

    #[test]
    fn text_chunks_are_found_and_dropped() {
        let png = with_chunk(&tiny_png(), b"tEXt", b"Author\0Jane Parent");
        let mut z = b"Comment\0\0".to_vec();
        z.extend(zlib(b"Emma at Oak Street School"));
        let png = with_chunk(&png, b"zTXt", &z);
        let mut i = b"Title\0\x01\0en\0\0".to_vec();
        i.extend(zlib("Zoë".as_bytes()));
        let png = with_chunk(&png, b"iTXt", &i);
        let scan = scan(&png).unwrap();
        let has = |c, v: &str| {
            scan.findings
                .iter()
                .any(|f| f.category == c && f.value.contains(v))
        };
        assert!(has(Category::People, "Jane Parent"));
        assert!(has(Category::Text, "Oak Street"));
        assert!(has(Category::Text, "Zoë"));
        let clean = rebuild(&png, &Policy::default()).unwrap();
        assert_eq!(clean, tiny_png());
        let kept = rebuild(&png, &Policy::keep(&[Category::Text])).unwrap();
        assert_eq!(kept.len(), tiny_png().len() + z.len() + i.len() + 24);
    }

    #[test]
    fn raw_profile_hex_is_decoded() {
        let iim = [0x1C, 2, 90, 0, 7, b'H', b'a', b'a', b'r', b'l', b'e', b'm'];
        let hex: String = iim.iter().map(|b| format!("{b:02x}")).collect();
        let text = format!(
            "Raw profile type iptc\0\niptc\n      {}\n{hex}\n",
            iim.len()
        );
        let png = with_chunk(&tiny_png(), b"tEXt", text.as_bytes());
        let scan = scan(&png).unwrap();
        assert!(
            scan.findings
                .iter()
                .any(|f| f.category == Category::Location && f.value == "Haarlem"),
            "{:?}",
            scan.findings
        );
    }

    #[test]
    fn oversized_compressed_text_is_reported_and_always_dropped() {
        let big = vec![b'a'; MAX_INFLATE + 1];
        let mut z = b"Comment\0\0".to_vec();
        z.extend(zlib(&big));
        let png = with_chunk(&tiny_png(), b"zTXt", &z);
        let scan = scan(&png).unwrap();
        assert!(scan.findings[0].value.contains("not read"));
        let everything = Policy::only(&[]);
        assert_eq!(rebuild(&png, &everything).unwrap(), tiny_png());
    }

    #[test]
    fn unknown_chunks_time_and_trailer_are_dropped() {
        let png = with_chunk(&tiny_png(), b"tIME", &[7, 232, 5, 1, 12, 0, 0]);
        let mut png = with_chunk(&png, b"prVt", b"secret");
        png.extend_from_slice(b"VENDORTRAILER");
        let scan = scan(&png).unwrap();
        assert_eq!(scan.findings.len(), 3, "{:?}", scan.findings);
        assert_eq!(rebuild(&png, &Policy::default()).unwrap(), tiny_png());
        assert_eq!(image_data(&png).unwrap(), image_data(&tiny_png()).unwrap());
    }

    #[test]
    fn crc_errors_and_truncations_are_errors() {
        let mut png = tiny_png();
        png[20] ^= 1;
        assert!(scan(&png).unwrap_err().to_string().contains("CRC"));
        let png = tiny_png();
        for len in 0..png.len() {
            assert!(
                rebuild(&png[..len], &Policy::default()).is_err(),
                "cut at {len}"
            );
        }
    }

    #[test]
    fn overflowing_length_is_an_error() {
        let mut png = tiny_png();
        png[33..37].copy_from_slice(&0xFFFF_FFF0u32.to_be_bytes());
        let err = scan(&png).unwrap_err().to_string();
        assert!(err.contains("past the end"), "{err}");
    }

    #[test]
    fn unknown_critical_chunk_is_refused() {
        let png = with_chunk(&tiny_png(), b"ABCD", b"");
        assert!(matches!(scan(&png), Err(Error::Damaged(_))));
    }

    #[test]
    fn keywords_have_categories() {
        use Category::*;
        for (keyword, category) in [
            ("Author", People),
            ("Creation Time", Time),
            ("Source", Device),
            ("Comment", Text),
            ("exif:GPSLatitude", Location),
            ("exif:GPSTimeStamp", Location),
            ("xmp:CreatorTool", Device),
            ("exif:BodySerialNumber", Device),
            ("exif:thumbnail:Compression", Preview),
        ] {
            assert_eq!(keyword_category(keyword), category, "{keyword}");
        }
    }

    #[test]
    fn mutations_with_valid_crcs_never_panic() {
        let mut z = b"Comment\0\0".to_vec();
        z.extend(zlib(b"Raw profile type exif\0\nexif\n 4\n4d4d002a"));
        let png = with_chunk(&tiny_png(), b"zTXt", &z);
        let png = with_chunk(&png, b"iTXt", b"XML:com.adobe.xmp\0\0\0\0\0<x/>");
        for i in 8..png.len() {
            for flip in [0x01, 0x80, 0xFF] {
                let mut bad = png.clone();
                bad[i] ^= flip;
                fix_crcs(&mut bad);
                let _ = rebuild(&bad, &Policy::only(&[]));
                let _ = scan(&bad);
            }
        }
    }

    /// Recomputes every CRC that can be reached.
    fn fix_crcs(png: &mut [u8]) {
        let mut p = 8;
        while let Some(len) = png.get(p..p + 4).map(be32) {
            let end = p + 12 + len as usize;
            if end > png.len() {
                return;
            }
            let crc = crc32(&png[p + 4..end - 4]);
            png[end - 4..end].copy_from_slice(&crc.to_be_bytes());
            p = end;
        }
    }
}
