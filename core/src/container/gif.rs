//! GIF: blocks in, blocks out.
//!
//! A GIF is a 6-byte header (`GIF87a`/`GIF89a`), a 7-byte logical screen
//! descriptor with an optional global colour table, then a run of blocks up
//! to the trailer byte `0x3B`: images (`0x2C`, a 9-byte descriptor, an
//! optional local colour table, the LZW minimum code size and LZW data) and
//! extensions (`0x21`, a label). Image data and extensions are chains of
//! sub-blocks (a length byte, then that many bytes) ended by a zero length.
//!
//! Cleaning copies the screen, images, graphic control extensions and the
//! looping and ICC application extensions byte for byte; drops comments,
//! plain text (which draws text over the picture), XMP (an application
//! extension) and every other extension unless all they say is kept; and
//! drops anything after the trailer.

use crate::findings::{Category, Finding, Scan};
use crate::metadata::xmp;
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

/// What a block is, as far as cleaning is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Header, logical screen descriptor and global colour table.
    Screen,
    /// Image descriptor, local colour table and LZW data.
    Image,
    /// Graphic control extension: delay, disposal, transparency.
    Control,
    /// NETSCAPE2.0 / ANIMEXTS1.0 looping extension.
    Loop,
    /// ICCRGBG1012: the ICC profile.
    Icc,
    Xmp,
    Comment,
    PlainText,
    /// Any other application or extension: never passed on.
    Other,
}

/// One block: its kind and its bytes in the file.
#[derive(Clone, Debug)]
struct Block {
    kind: Kind,
    range: Range<usize>,
}

/// A parsed GIF.
struct Gif<'a> {
    data: &'a [u8],
    blocks: Vec<Block>,
    /// Offset just after the trailer byte.
    image_end: usize,
}

impl<'a> Gif<'a> {
    fn parse(data: &'a [u8]) -> Result<Gif<'a>, Error> {
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
        let mut blocks = vec![Block {
            kind: Kind::Screen,
            range: 0..screen_end,
        }];
        let mut pos = screen_end;
        loop {
            match data.get(pos) {
                Some(&TRAILER) => {
                    return Ok(Gif {
                        data,
                        blocks,
                        image_end: pos + 1,
                    })
                }
                Some(&IMAGE) => blocks.push(read_image(data, pos)?),
                Some(&EXTENSION) => blocks.push(read_extension(data, pos)?),
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
            }
            pos = blocks.last().map_or(data.len(), |b| b.range.end);
        }
    }

    fn bytes(&self, block: &Block) -> &'a [u8] {
        &self.data[block.range.clone()]
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

fn read_image(data: &[u8], pos: usize) -> Result<Block, Error> {
    let packed = *data
        .get(pos + 9)
        .ok_or_else(|| Error::damaged(format!("truncated: image descriptor at byte {pos}")))?;
    // Descriptor (10), local colour table, LZW minimum code size (1).
    let lzw = pos + 10 + colour_table_len(packed) + 1;
    if lzw > data.len() {
        return Err(Error::damaged(format!(
            "truncated: image at byte {pos} ends inside its colour table"
        )));
    }
    Ok(Block {
        kind: Kind::Image,
        range: pos..sub_blocks_end(data, lzw)?,
    })
}

fn read_extension(data: &[u8], pos: usize) -> Result<Block, Error> {
    let label = *data
        .get(pos + 1)
        .ok_or_else(|| Error::damaged("truncated: the file ends inside an extension"))?;
    let end = sub_blocks_end(data, pos + 2)?;
    let kind = match label {
        CONTROL => Kind::Control,
        COMMENT => Kind::Comment,
        PLAIN_TEXT => Kind::PlainText,
        APPLICATION => application_kind(&data[pos + 2..end]),
        _ => Kind::Other,
    };
    Ok(Block {
        kind,
        range: pos..end,
    })
}

/// An application extension's kind, from its 11-byte identifier block.
fn application_kind(sub_blocks: &[u8]) -> Kind {
    match application_id(sub_blocks) {
        Some(b"NETSCAPE2.0" | b"ANIMEXTS1.0") => Kind::Loop,
        Some(b"ICCRGBG1012") => Kind::Icc,
        Some(b"XMP DataXMP") => Kind::Xmp,
        _ => Kind::Other,
    }
}

fn application_id(sub_blocks: &[u8]) -> Option<&[u8]> {
    match sub_blocks.split_first() {
        Some((11, rest)) => rest.get(..11),
        _ => None,
    }
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
            return Ok(pos);
        }
    }
}

/// The data of a chain of sub-blocks, joined (`chain` is well formed).
fn joined(chain: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(&len) = chain.get(pos) {
        let end = (pos + 1 + usize::from(len)).min(chain.len());
        out.extend_from_slice(&chain[pos + 1..end]);
        pos = end;
    }
    out
}

// ---------------------------------------------------------------------------
// Scan.

/// Everything a GIF would tell a stranger, from every extension and from
/// anything after the trailer.
pub fn scan(data: &[u8]) -> Result<Scan, Error> {
    let gif = Gif::parse(data)?;
    let mut scan = Scan::default();
    for block in &gif.blocks {
        scan.extend(scan_block(&gif, block));
    }
    if gif.image_end < data.len() {
        let size = data.len() - gif.image_end;
        scan.push(Finding::new(
            Category::Preview,
            "GIF trailer",
            "TrailerData",
            format!("data after the GIF trailer, {size} bytes"),
        ));
    }
    Ok(scan)
}

fn scan_block(gif: &Gif, block: &Block) -> Scan {
    let bytes = gif.bytes(block);
    // Extensions: introducer, label, then the sub-block chain.
    let chain = bytes.get(2..).unwrap_or(&[]);
    match block.kind {
        Kind::Screen | Kind::Image | Kind::Control | Kind::Loop => Scan::default(),
        Kind::Icc => {
            let size = format!("{} bytes", joined(chain).len().saturating_sub(11));
            one(Category::Rendering, "GIF application", "ICC_Profile", size)
        }
        Kind::Xmp => xmp::scan(xmp_packet(chain), "XMP"),
        Kind::Comment => one(
            Category::Text,
            "GIF comment",
            "Comment",
            text(&joined(chain)),
        ),
        Kind::PlainText => {
            let joined = joined(chain);
            let shown = text(joined.get(12..).unwrap_or(&[]));
            one(Category::Text, "GIF plain text", "PlainText", shown)
        }
        Kind::Other => {
            let label = bytes.get(1).copied().unwrap_or(0);
            let (tag, size) = match application_id(chain) {
                Some(id) if label == APPLICATION => {
                    (text(id), joined(chain).len().saturating_sub(11))
                }
                _ => (format!("extension 0x{label:02X}"), joined(chain).len()),
            };
            one(
                Category::Device,
                "GIF application",
                &tag,
                format!("{size} bytes"),
            )
        }
    }
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

fn one(category: Category, block: &str, tag: &str, value: String) -> Scan {
    let mut scan = Scan::default();
    scan.push(Finding::new(category, block, tag, value));
    scan
}

// ---------------------------------------------------------------------------
// Rebuild.

/// Whether a block is always passed on: it is needed to show the picture.
fn is_picture(kind: Kind) -> bool {
    matches!(
        kind,
        Kind::Screen | Kind::Image | Kind::Control | Kind::Loop | Kind::Icc
    )
}

/// Builds the cleaned GIF under `policy`.
///
/// The screen, images, graphic control, looping and ICC blocks are copied
/// byte for byte and in order; comments, plain text and XMP are kept only if
/// everything they say is kept; other extensions and anything after the
/// trailer are dropped.
pub fn rebuild(data: &[u8], policy: &Policy) -> Result<Vec<u8>, Error> {
    let gif = Gif::parse(data)?;
    let mut out = Vec::with_capacity(gif.image_end);
    for block in &gif.blocks {
        let keep = match block.kind {
            kind if is_picture(kind) => true,
            Kind::Xmp | Kind::Comment | Kind::PlainText => {
                policy.keeps_all(&scan_block(&gif, block))
            }
            _ => false,
        };
        if keep {
            out.extend_from_slice(gif.bytes(block));
        }
    }
    out.push(TRAILER);
    Ok(out)
}

/// The image data of a GIF, in order: the screen with its global colour
/// table, every image with its LZW data, and the graphic control, looping
/// and ICC blocks. Two GIFs show the same picture, frame for frame, if
/// these are equal.
pub fn image_data(data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let gif = Gif::parse(data)?;
    Ok(gif
        .blocks
        .iter()
        .filter(|b| is_picture(b.kind))
        .map(|b| gif.bytes(b))
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

    /// `gif` with `block` inserted before its first image.
    fn with_block(gif: &[u8], block: &[u8]) -> Vec<u8> {
        let parsed = Gif::parse(gif).unwrap();
        let at = parsed.blocks[1].range.start;
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
        assert!(Gif::parse(&kept)
            .unwrap()
            .blocks
            .iter()
            .any(|b| b.kind == Kind::Comment));
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
}
