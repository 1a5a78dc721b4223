//! GIF: blocks in, blocks out.
//!
//! A GIF is a 6-byte header (`GIF87a`/`GIF89a`), a 7-byte logical screen
//! descriptor with an optional global colour table, then a run of blocks up
//! to the trailer byte `0x3B`: images (`0x2C`, a 9-byte descriptor, an
//! optional local colour table, the LZW minimum code size and LZW data) and
//! extensions (`0x21`, a label). Image data and extensions are chains of
//! sub-blocks (a length byte, then that many bytes) ended by a zero length.
//!
//! The file is read once, block by block, and the cleaned file planned on
//! the way (nothing is kept per block: a file of millions of extensions
//! costs no more memory than one). Only the images are copied: their
//! descriptors, colour tables and LZW data up to the end code (the LZW codes
//! are walked, not decoded, to find it and to check the image holds no more
//! pixels than it shows). The header, screen and colour table, the graphic
//! control and looping extensions are written new at their defined lengths,
//! an ICC profile rebuilt; comments and plain text are rebuilt if the policy
//! keeps text. Everything else — XMP, unknown extensions, extra sub-blocks,
//! data after the end code or after the trailer — is removed and reported.

use crate::findings::{Category, Finding, Scan};
use crate::format::Format;
use crate::metadata::{icc, xmp};
use crate::plan::{Inspection, Pieces, Plan};
use crate::policy::Policy;
use crate::Error;
use std::ops::Range;

const TRAILER: u8 = 0x3B;
const IMAGE: u8 = 0x2C;
const EXTENSION: u8 = 0x21;
const CONTROL: u8 = 0xF9;
const COMMENT: u8 = 0xFE;
const PLAIN_TEXT: u8 = 0x01;
const APPLICATION: u8 = 0xFF;
/// The start of the 258-byte "magic trailer" after an XMP packet, which
/// lets sub-block readers skip the raw packet.
const XMP_MAGIC: [u8; 4] = [0x01, 0xFF, 0xFE, 0xFD];
/// Extension data read whole (ICC profiles, comments) at most.
const MAX_JOINED: usize = 8 << 20;

/// What a GIF says, where its images are, and the cleaned file.
struct Gif<'a, 'p> {
    data: &'a [u8],
    policy: &'p Policy,
    scan: Scan,
    media: Vec<Range<u64>>,
    out: Pieces,
    /// The logical screen's width and height.
    screen: (u16, u16),
    /// How far right and down the images reach.
    extent: (u16, u16),
}

impl<'a, 'p> Gif<'a, 'p> {
    /// Reads `data` once, planning its cleaning under `policy`.
    fn walk(data: &'a [u8], policy: &'p Policy) -> Result<Gif<'a, 'p>, Error> {
        if !(data.starts_with(b"GIF87a") || data.starts_with(b"GIF89a")) {
            return Err(Error::damaged("not a GIF (no GIF87a/GIF89a header)"));
        }
        let packed = *data
            .get(10)
            .ok_or_else(|| Error::damaged("truncated: the screen descriptor is cut short"))?;
        let screen_end = 13 + colour_table_len(packed);
        if screen_end > data.len() {
            return Err(Error::damaged(
                "truncated: the global colour table is cut short",
            ));
        }
        let mut gif = Gif {
            data,
            policy,
            scan: Scan::default(),
            media: Vec::new(),
            out: Pieces::default(),
            screen: (0, 0),
            extent: (0, 0),
        };
        // Header and screen written new (no pixel aspect ratio: viewers
        // ignore it); the global colour table is part of the picture.
        let background = if screen_end > 13 && usize::from(data[11]) * 3 < screen_end - 13 {
            data[11]
        } else {
            0
        };
        gif.out.push_new(&data[..11]);
        gif.out.push_new(&[background, 0]);
        gif.out.push_input(13..screen_end as u64);
        gif.media.push(13..screen_end as u64);
        gif.screen = (le16(&data[6..8]), le16(&data[8..10]));
        let mut pos = screen_end;
        loop {
            pos = match data.get(pos) {
                Some(&TRAILER) => break,
                Some(&IMAGE) => gif.image(pos)?,
                Some(&EXTENSION) => gif.extension(pos)?,
                Some(&b) => {
                    return Err(Error::damaged(format!(
                        "unexpected byte 0x{b:02X} at byte {pos} where a block should start"
                    )))
                }
                None => {
                    return Err(Error::damaged(
                        "truncated: the file ends before the GIF trailer",
                    ))
                }
            };
        }
        if gif.extent != gif.screen {
            return Err(Error::damaged(
                "the logical screen is larger than its images: it cannot be cleaned with certainty",
            ));
        }
        gif.out.push_new(&[TRAILER]);
        if pos + 1 < data.len() {
            let size = data.len() - pos - 1;
            gif.scan.push(Finding::new(
                Category::Preview,
                "GIF trailer",
                "TrailerData",
                format!("data after the GIF trailer, {size} bytes"),
            ));
        }
        Ok(gif)
    }

    /// An image: copied up to the end of its LZW data; returns where the
    /// next block starts.
    fn image(&mut self, pos: usize) -> Result<usize, Error> {
        let data = self.data;
        let cut = || Error::damaged(format!("truncated: image at byte {pos} is cut short"));
        let d = data.get(pos..pos + 10).ok_or_else(cut)?;
        let (width, height) = (le16(&d[5..7]), le16(&d[7..9]));
        let (left, top) = (le16(&d[1..3]), le16(&d[3..5]));
        let (sw, sh) = self.screen;
        if u32::from(left) + u32::from(width) > u32::from(sw)
            || u32::from(top) + u32::from(height) > u32::from(sh)
        {
            return Err(Error::damaged(format!(
                "image at byte {pos} lies outside the logical screen"
            )));
        }
        self.extent.0 = self.extent.0.max(left + width);
        self.extent.1 = self.extent.1.max(top + height);
        let code_size_at = pos + 10 + colour_table_len(d[9]);
        let min = *data.get(code_size_at).ok_or_else(cut)?;
        if !(2..=8).contains(&min) {
            return Err(Error::damaged(format!(
                "image at byte {pos} has an invalid LZW code size ({min})"
            )));
        }
        let mut lzw = Lzw::new(min, u64::from(width) * u64::from(height));
        let mut at = code_size_at + 1;
        // The last sub-block with LZW data, and how much of it is used.
        let mut last: Option<(usize, usize)> = None;
        let mut extra = 0usize;
        loop {
            let len = usize::from(*data.get(at).ok_or_else(cut)?);
            if len == 0 {
                break;
            }
            let block = data.get(at + 1..at + 1 + len).ok_or_else(cut)?;
            if lzw.ended {
                extra += len;
            } else {
                let used = lzw.feed(block)?.unwrap_or(len);
                last = Some((at, used));
                extra += len - used;
            }
            at += 1 + len;
        }
        let Some((last_at, used)) = last else {
            return Err(Error::damaged(format!("image at byte {pos} has no data")));
        };
        let whole = pos as u64..last_at as u64;
        let tail = last_at as u64 + 1..(last_at + 1 + used) as u64;
        self.out.push_input(whole.clone());
        self.out.push_new(&[used as u8]);
        self.out.push_input(tail.clone());
        self.out.push_new(&[0]);
        self.media.push(whole);
        self.media.push(tail);
        if extra > 0 {
            self.unknown(
                "GIF image",
                "DataAfterImage",
                format!("{extra} bytes after the end of the image data"),
            );
        }
        Ok(at + 1)
    }

    /// An extension; returns where the next block starts.
    fn extension(&mut self, pos: usize) -> Result<usize, Error> {
        let data = self.data;
        let label = *data
            .get(pos + 1)
            .ok_or_else(|| Error::damaged("truncated: the file ends inside an extension"))?;
        let end = sub_blocks_end(data, pos + 2)?;
        let chain = &data[pos + 2..end];
        match label {
            CONTROL => self.control(chain),
            COMMENT => self.comment(chain),
            PLAIN_TEXT => {
                let joined = joined(chain);
                let shown = text(joined.get(12..).unwrap_or(&[]));
                self.scan.push(Finding::new(
                    Category::Text,
                    "GIF plain text",
                    "PlainText",
                    shown,
                ));
                if self.policy.keeps(Category::Text) && joined.len() >= 12 {
                    self.out.push_new(&[EXTENSION, PLAIN_TEXT, 12]);
                    self.out.push_new(&joined[..12]);
                    write_sub_blocks(&mut self.out, &joined[12..]);
                }
            }
            APPLICATION => self.application(chain),
            _ => self.unknown(
                "GIF extension",
                &format!("extension 0x{label:02X}"),
                format!("{} bytes", chain.len()),
            ),
        }
        Ok(end)
    }

    /// Graphic control: one 4-byte sub-block (flags, delay, transparent
    /// colour), rebuilt.
    fn control(&mut self, chain: &[u8]) {
        match chain {
            [4, flags, d1, d2, t, rest @ ..] => {
                // Reserved bits and undefined disposals cleared; the
                // transparent index only when transparency is on.
                let mut flags = flags & 0x1F;
                if flags >> 2 > 3 {
                    flags &= 0x03;
                }
                let t = if flags & 1 == 1 { *t } else { 0 };
                self.out
                    .push_new(&[EXTENSION, CONTROL, 4, flags, *d1, *d2, t, 0]);
                if rest.len() > 1 {
                    self.extra("graphic control", rest.len() - 1);
                }
            }
            _ => self.unknown(
                "GIF graphic control",
                "GraphicControl",
                format!("{} bytes where 4 are defined", chain.len()),
            ),
        }
    }

    fn comment(&mut self, chain: &[u8]) {
        let joined = joined(chain);
        self.scan.push(Finding::new(
            Category::Text,
            "GIF comment",
            "Comment",
            text(&joined),
        ));
        if self.policy.keeps(Category::Text) {
            self.out.push_new(&[EXTENSION, COMMENT]);
            write_sub_blocks(&mut self.out, &joined);
        }
    }

    fn application(&mut self, chain: &[u8]) {
        let id = match chain.split_first() {
            Some((11, rest)) => rest.get(..11),
            _ => None,
        };
        match id {
            Some(b"NETSCAPE2.0" | b"ANIMEXTS1.0") => self.looping(chain),
            Some(b"ICCRGBG1012") => self.icc(chain),
            Some(b"XMP DataXMP") => self.scan.extend(xmp::scan(xmp_packet(chain), "XMP")),
            Some(id) => self.unknown(
                "GIF application",
                &text(id),
                format!("{} bytes", joined(chain).len().saturating_sub(11)),
            ),
            None => self.unknown("GIF application", "Application", "no identifier".into()),
        }
    }

    /// NETSCAPE2.0 looping: one 3-byte sub-block (1, loop count), rebuilt.
    fn looping(&mut self, chain: &[u8]) {
        match &chain[12..] {
            [3, 1, lo, hi, rest @ ..] => {
                self.out.push_new(&[EXTENSION, APPLICATION, 11]);
                self.out.push_new(&chain[1..12]);
                self.out.push_new(&[3, 1, *lo, *hi, 0]);
                if rest.len() > 1 {
                    self.extra("looping", rest.len() - 1);
                }
            }
            _ => self.unknown(
                "GIF application",
                &text(&chain[1..12]),
                "not a looping block".into(),
            ),
        }
    }

    /// ICCRGBG1012: the ICC profile in the sub-blocks, rebuilt.
    fn icc(&mut self, chain: &[u8]) {
        let profile = joined(&chain[12..]);
        match icc::rebuild(&profile) {
            Ok(rebuilt) => {
                self.scan.extend(icc::scan(&profile, "GIF application"));
                self.out.push_new(&[EXTENSION, APPLICATION, 11]);
                self.out.push_new(b"ICCRGBG1012");
                write_sub_blocks(&mut self.out, &rebuilt);
            }
            Err(e) => self.unknown(
                "GIF application",
                "ICC_Profile",
                format!("unreadable ({e})"),
            ),
        }
    }

    fn extra(&mut self, what: &str, bytes: usize) {
        self.unknown(
            &format!("GIF {what}"),
            "ExtraData",
            format!("{bytes} bytes after its defined data"),
        );
    }

    fn unknown(&mut self, block: &str, tag: &str, value: String) {
        self.scan
            .push(Finding::new(Category::Unknown, block, tag, value));
    }
}

/// The LZW codes of one image, walked to find the end code: code widths
/// and the table's growth follow the GIF rules, and only each entry's
/// length is kept, to count the pixels.
struct Lzw {
    min: u8,
    size: u8,
    next: u16,
    previous: Option<u16>,
    lengths: Vec<u32>,
    bits: u32,
    held: u8,
    pixels: u64,
    limit: u64,
    ended: bool,
}

impl Lzw {
    fn new(min: u8, limit: u64) -> Lzw {
        let mut lzw = Lzw {
            min,
            size: 0,
            next: 0,
            previous: None,
            lengths: vec![1; 4096],
            bits: 0,
            held: 0,
            pixels: 0,
            limit,
            ended: false,
        };
        lzw.clear();
        lzw
    }

    fn clear(&mut self) {
        self.size = self.min + 1;
        self.next = (1 << self.min) + 2;
        self.previous = None;
    }

    /// Takes the next sub-block; returns how many of its bytes were used if
    /// the end code is in it.
    fn feed(&mut self, block: &[u8]) -> Result<Option<usize>, Error> {
        for (i, &b) in block.iter().enumerate() {
            self.bits |= u32::from(b) << self.held;
            self.held += 8;
            while self.held >= self.size {
                let code = (self.bits & ((1 << self.size) - 1)) as u16;
                self.bits >>= self.size;
                self.held -= self.size;
                self.code(code)?;
                if self.ended {
                    return Ok(Some(i + 1));
                }
            }
        }
        Ok(None)
    }

    fn code(&mut self, code: u16) -> Result<(), Error> {
        let clear = 1u16 << self.min;
        if code == clear {
            self.clear();
            return Ok(());
        }
        if code == clear + 1 {
            self.ended = true;
            return Ok(());
        }
        let length = match self.previous {
            _ if code < self.next => self.lengths[usize::from(code)],
            Some(p) if code == self.next => self.lengths[usize::from(p)] + 1,
            _ => {
                return Err(Error::damaged(
                    "the GIF image data holds an invalid LZW code",
                ))
            }
        };
        self.pixels += u64::from(length);
        if self.pixels > self.limit {
            return Err(Error::damaged(
                "a GIF image holds more pixels than it shows (hidden data): it cannot be cleaned with certainty",
            ));
        }
        if let Some(p) = self.previous {
            if self.next < 4096 {
                self.lengths[usize::from(self.next)] = self.lengths[usize::from(p)] + 1;
                self.next += 1;
                if self.next == 1 << self.size && self.size < 12 {
                    self.size += 1;
                }
            }
        }
        self.previous = Some(code);
        Ok(())
    }
}

/// The size of the colour table a packed field announces.
fn colour_table_len(packed: u8) -> usize {
    if packed & 0x80 != 0 {
        3 << ((packed & 0x07) + 1)
    } else {
        0
    }
}

fn le16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

/// The end of a chain of sub-blocks starting at `pos` (just after its zero
/// terminator).
fn sub_blocks_end(data: &[u8], mut pos: usize) -> Result<usize, Error> {
    loop {
        let len = *data.get(pos).ok_or_else(|| {
            Error::damaged("truncated: the file ends inside a block of image or extension data")
        })?;
        pos += 1 + usize::from(len);
        if len == 0 {
            return if pos <= data.len() {
                Ok(pos)
            } else {
                Err(Error::damaged("truncated: a block runs past the end"))
            };
        }
    }
}

/// The data of a chain of sub-blocks, joined (`chain` is well formed), at
/// most [`MAX_JOINED`] bytes of it.
fn joined(chain: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(&len) = chain.get(pos) {
        let end = (pos + 1 + usize::from(len)).min(chain.len());
        if out.len() + (end - pos) > MAX_JOINED {
            break;
        }
        out.extend_from_slice(&chain[pos + 1..end]);
        pos = end;
    }
    out
}

/// `bytes` as a chain of sub-blocks of 255 bytes, with its terminator.
fn write_sub_blocks(out: &mut Pieces, bytes: &[u8]) {
    for part in bytes.chunks(255) {
        out.push_new(&[part.len() as u8]);
        out.push_new(part);
    }
    out.push_new(&[0]);
}

/// The XMP packet of an `XMP DataXMP` extension: it is stored raw after the
/// identifier (its bytes double as sub-block lengths), followed by the
/// magic trailer.
fn xmp_packet(chain: &[u8]) -> &[u8] {
    let raw = chain.get(12..chain.len().saturating_sub(1)).unwrap_or(&[]);
    let end = memchr::memmem::find(raw, &XMP_MAGIC).unwrap_or(raw.len());
    &raw[..end]
}

/// Text as UTF-8 when it is, else Latin-1 (the GIF specification says
/// 7-bit ASCII; writers use both).
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

// ---------------------------------------------------------------------------
// Plan.

/// What a GIF says and where its images are, from one parse.
pub fn inspect(data: &[u8]) -> Result<Inspection, Error> {
    let policy = Policy::default();
    let gif = Gif::walk(data, &policy)?;
    Ok(Inspection {
        format: Format::Gif,
        scan: gif.scan,
        media: gif.media,
    })
}

/// How to clean a GIF under `policy`, from one parse.
pub fn plan(data: &[u8], policy: &Policy) -> Result<Plan, Error> {
    let gif = Gif::walk(data, policy)?;
    Ok(Plan {
        input: Inspection {
            format: Format::Gif,
            scan: gif.scan,
            media: gif.media,
        },
        input_len: data.len() as u64,
        output: gif.out,
    })
}

/// Everything a GIF would tell a stranger.
pub fn scan(data: &[u8]) -> Result<Scan, Error> {
    Ok(inspect(data)?.scan)
}

/// The cleaned GIF, in one buffer.
pub fn rebuild(data: &[u8], policy: &Policy) -> Result<Vec<u8>, Error> {
    plan(data, policy)?.output.to_vec(data)
}

/// The image data of a GIF, in order: each image's descriptor, colour
/// table and LZW data up to its end code.
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

    /// A tiny valid GIF from the `image` crate's encoder.
    fn tiny_gif() -> Vec<u8> {
        let img =
            image::RgbaImage::from_fn(5, 4, |x, y| image::Rgba([x as u8 * 50, y as u8, 0, 255]));
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Gif).unwrap();
        out.into_inner()
    }

    /// `gif` with `block` inserted after its screen.
    fn with_block(gif: &[u8], block: &[u8]) -> Vec<u8> {
        let at = 13 + colour_table_len(gif[10]);
        let mut out = gif[..at].to_vec();
        out.extend_from_slice(block);
        out.extend_from_slice(&gif[at..]);
        out
    }

    fn comment(text: &[u8]) -> Vec<u8> {
        let mut b = vec![EXTENSION, COMMENT, text.len() as u8];
        b.extend_from_slice(text);
        b.push(0);
        b
    }

    fn xmp_extension(packet: &[u8]) -> Vec<u8> {
        let mut b = vec![EXTENSION, APPLICATION, 11];
        b.extend_from_slice(b"XMP DataXMP");
        b.extend_from_slice(packet);
        b.push(1);
        b.extend((0..=255u8).rev());
        b.push(0);
        b
    }

    #[test]
    fn comments_and_xmp_are_found_and_dropped() {
        let packet = br#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="Haarlem"/></rdf:RDF></x:xmpmeta>"#;
        let gif = with_block(&tiny_gif(), &comment(b"Emma at Oak Street School"));
        let gif = with_block(&gif, &xmp_extension(packet));
        let scan = scan(&gif).unwrap();
        let has = |c, v: &str| {
            scan.findings
                .iter()
                .any(|f| f.category == c && f.value.contains(v))
        };
        assert!(has(Category::Text, "Oak Street"), "{:?}", scan.findings);
        assert!(has(Category::Location, "Haarlem"), "{:?}", scan.findings);
        assert_eq!(rebuild(&gif, &Policy::default()).unwrap(), tiny_gif());
        let kept = rebuild(&gif, &Policy::keep(&[Category::Text])).unwrap();
        assert!(memchr::memmem::find(&kept, b"\x21\xFE\x19Emma at Oak Street School\0").is_some());
        assert!(memchr::memmem::find(&kept, b"Haarlem").is_none());
    }

    #[test]
    fn unknown_extensions_and_trailer_data_are_dropped() {
        let mut gif = with_block(&tiny_gif(), &[EXTENSION, 0x77, 2, b'h', b'i', 0]);
        gif.extend_from_slice(b"VENDORTRAILER");
        assert_eq!(scan(&gif).unwrap().findings.len(), 2);
        assert_eq!(rebuild(&gif, &Policy::default()).unwrap(), tiny_gif());
        assert_eq!(image_data(&gif).unwrap(), image_data(&tiny_gif()).unwrap());
    }

    #[test]
    fn truncations_are_errors() {
        let gif = tiny_gif();
        for len in 0..gif.len() {
            assert!(
                rebuild(&gif[..len], &Policy::default()).is_err(),
                "cut at {len}"
            );
        }
    }

    #[test]
    fn mutations_never_panic() {
        let gif = with_block(&tiny_gif(), &comment(b"hello"));
        let gif = with_block(&gif, &xmp_extension(b"<x/>"));
        for i in 0..gif.len() {
            for flip in [0x01, 0x80, 0xFF] {
                let mut bad = gif.clone();
                bad[i] ^= flip;
                let _ = rebuild(&bad, &Policy::only(&[]));
                let _ = image_data(&bad);
            }
        }
    }

    #[test]
    fn lzw_end_code_is_found_and_what_follows_dropped() {
        let gif = tiny_gif();
        let media = inspect(&gif).unwrap().media;
        // The encoder's data ends with the end code: all of it is image data.
        let terminator = gif.len() - 2;
        assert_eq!(media.last().unwrap().end as usize, terminator);
        let mut hidden = gif[..terminator].to_vec();
        hidden.extend_from_slice(&[6, b's', b'e', b'c', b'r', b'e', b't', 0, TRAILER]);
        let scan = scan(&hidden).unwrap();
        assert_eq!(
            scan.findings[0].category,
            Category::Unknown,
            "{:?}",
            scan.findings
        );
        assert_eq!(rebuild(&hidden, &Policy::default()).unwrap(), gif);
    }
}
