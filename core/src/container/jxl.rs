//! JPEG XL: a bare codestream, or ISOBMFF-style boxes around it.
//!
//! A bare codestream starts with `FF 0A` and has no room for metadata (its
//! header holds only what rendering needs: size, orientation, colour
//! encoding or ICC), so it is passed on unchanged. The box container starts
//! with the 12-byte signature box `JXL `, then `ftyp`; each box is a 32-bit
//! big-endian size, a 4-byte type, and the payload (size 1: a 64-bit size
//! follows the type; size 0: the box runs to the end of the file). The
//! codestream is one `jxlc` box or a sequence of `jxlp` parts; `jxll`
//! (level) and `jxli` (frame index) describe it. Metadata lives in `Exif`,
//! `xml ` and `jumb` (JUMBF, e.g. C2PA content credentials) boxes, or in
//! `brob` boxes holding one of them Brotli-compressed.
//!
//! Cleaning copies the structural boxes byte for byte, in order, and drops
//! the others: metadata is reported by what it holds, unknown boxes by their
//! type. Under a policy that keeps some categories, XMP is kept whole when
//! everything in it is kept, and EXIF is rebuilt from the allowlist when
//! something in it beyond rendering is kept. What cannot be read is never
//! kept: `brob` (not decompressed), JUMBF (not parsed), unknown boxes.
//!
//! `jbrd` (JPEG reconstruction data, from a losslessly recompressed JPEG)
//! is dropped too: it holds the original JPEG's comments and unknown APPn
//! blocks Brotli-compressed, where they cannot be checked, and it cannot
//! rebuild the JPEG once the EXIF and XMP boxes it refers to are gone. The
//! picture is in the codestream and decodes the same without it.

use crate::findings::{Category, Finding, Scan};
use crate::format::Format;
use crate::metadata::exif::{Exif, ImageFacts};
use crate::metadata::xmp;
use crate::plan::{Inspection, Pieces, Plan};
use crate::policy::Policy;
use crate::Error;
use std::ops::Range;

/// The signature box that starts the container.
const SIGNATURE: &[u8] = b"\0\0\0\x0CJXL \r\n\x87\n";
/// The start of a bare codestream.
const CODESTREAM: &[u8] = b"\xFF\x0A";
/// Boxes copied as they are: the container's structure and the codestream.
const STRUCTURE: &[&[u8; 4]] = &[b"JXL ", b"ftyp", b"jxll", b"jxli", b"jxlc", b"jxlp"];
/// At most this many boxes are read from one file.
const MAX_BOXES: usize = 100_000;

/// One box: its type and where its header and payload are.
#[derive(Clone, Debug)]
struct JxlBox {
    kind: [u8; 4],
    /// The whole box, header included.
    whole: Range<usize>,
    payload: Range<usize>,
}

impl JxlBox {
    fn payload<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        &data[self.payload.clone()]
    }

    fn name(&self) -> String {
        printable(&self.kind)
    }

    fn is_structure(&self) -> bool {
        STRUCTURE.contains(&&self.kind)
    }
}

fn printable(kind: &[u8]) -> String {
    kind.iter()
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect()
}

/// Reads the boxes of a container, refusing any that runs past the end of
/// the file; once the codestream is complete, bytes that are not a box are
/// a trailer (returned as its start).
fn read_boxes(data: &[u8]) -> Result<(Vec<JxlBox>, Option<usize>), Error> {
    let mut boxes: Vec<JxlBox> = Vec::new();
    let mut pos = 0;
    let mut complete = false;
    while pos < data.len() {
        if boxes.len() >= MAX_BOXES {
            return Err(Error::damaged(format!("more than {MAX_BOXES} boxes")));
        }
        let b = match read_box(data, pos) {
            Ok(b) => b,
            Err(_) if complete => return Ok((boxes, Some(pos))),
            Err(e) => return Err(e),
        };
        complete |= &b.kind == b"jxlc"
            || (&b.kind == b"jxlp" && b.payload(data).first().is_some_and(|&c| c & 0x80 != 0));
        pos = b.whole.end;
        boxes.push(b);
    }
    Ok((boxes, None))
}

fn read_box(data: &[u8], pos: usize) -> Result<JxlBox, Error> {
    let cut = || {
        Error::damaged(format!(
            "truncated: the box header at byte {pos} is cut short"
        ))
    };
    let header = data.get(pos..pos + 8).ok_or_else(cut)?;
    let size = u64::from(u32::from_be_bytes([
        header[0], header[1], header[2], header[3],
    ]));
    let kind = [header[4], header[5], header[6], header[7]];
    let (size, header_len) = match size {
        0 => ((data.len() - pos) as u64, 8),
        1 => {
            let large = data.get(pos + 8..pos + 16).ok_or_else(cut)?;
            (u64::from_be_bytes(large.try_into().map_err(|_| cut())?), 16)
        }
        n => (n, 8),
    };
    if size < header_len as u64 {
        return Err(Error::damaged(format!(
            "box '{}' at byte {pos} says it is {size} bytes long, shorter than its own header",
            printable(&kind)
        )));
    }
    let end = (pos as u64)
        .checked_add(size)
        .filter(|&e| e <= data.len() as u64);
    match end {
        Some(end) => Ok(JxlBox {
            kind,
            whole: pos..end as usize,
            payload: pos + header_len..end as usize,
        }),
        None => Err(Error::damaged(format!(
            "box '{}' at byte {pos} says it is {size} bytes long, past the end of the file",
            printable(&kind)
        ))),
    }
}

/// The signature box first, `ftyp` second, and exactly one codestream:
/// one `jxlc`, or `jxlp` parts (never both).
fn check_layout(boxes: &[JxlBox]) -> Result<(), Error> {
    if boxes.get(1).map(|b| &b.kind) != Some(b"ftyp") {
        return Err(Error::damaged(
            "JPEG XL container without an ftyp box after the signature",
        ));
    }
    let count = |k: &[u8; 4]| boxes.iter().filter(|b| &b.kind == k).count();
    match (count(b"jxlc"), count(b"jxlp")) {
        (1, 0) => Ok(()),
        (0, n) if n > 0 => Ok(()),
        (0, 0) => Err(Error::damaged("JPEG XL container without a codestream box")),
        _ => Err(Error::damaged(
            "JPEG XL container with more than one codestream",
        )),
    }
}

/// The findings of one metadata box (empty for structural boxes).
fn scan_box(b: &JxlBox, data: &[u8]) -> Result<Scan, Error> {
    let payload = b.payload(data);
    let one = |category, tag: &str, value: String| {
        let mut s = Scan::default();
        s.push(Finding::new(
            category,
            &format!("JXL {}", b.name()),
            tag,
            value,
        ));
        s
    };
    Ok(match &b.kind {
        _ if b.is_structure() => Scan::default(),
        b"Exif" => Exif::parse(exif_tiff(payload)?)?.scan("EXIF"),
        b"xml " => xmp::scan(payload, "XMP"),
        b"jbrd" => one(
            Category::Text,
            "JPEGReconstruction",
            format!(
                "{} bytes: the original JPEG's comments and APPn blocks, compressed (not read)",
                payload.len()
            ),
        ),
        b"jumb" => one(
            Category::People,
            "JUMBF",
            format!("{}, {} bytes", jumbf_label(payload), payload.len()),
        ),
        b"brob" => {
            let inner = payload
                .get(..4)
                .ok_or_else(|| Error::damaged("a brob box is too short to name its content"))?;
            one(
                brob_category(inner),
                "CompressedBox",
                format!(
                    "Brotli-compressed '{}' box, {} bytes (not decompressed)",
                    printable(inner),
                    payload.len() - 4
                ),
            )
        }
        _ => one(
            Category::Unknown,
            "UnknownBox",
            format!("'{}', {} bytes", b.name(), payload.len()),
        ),
    })
}

/// An `Exif` box: a 4-byte big-endian offset to the TIFF header, then data.
fn exif_tiff(payload: &[u8]) -> Result<&[u8], Error> {
    let offset = payload
        .get(..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(|| Error::damaged("the Exif box is too short"))?;
    offset
        .checked_add(4)
        .and_then(|start| payload.get(start..))
        .ok_or_else(|| Error::damaged("the Exif box's TIFF offset lies past its end"))
}

/// What a compressed box surely tells: EXIF names the camera (and often
/// holds GPS and times); XMP text; JUMBF content credentials name people.
fn brob_category(inner: &[u8]) -> Category {
    match inner {
        b"Exif" => Category::Device,
        b"xml " => Category::Text,
        b"jumb" => Category::People,
        _ => Category::Device,
    }
}

/// The label of a JUMBF superbox (its `jumd` description box holds a
/// 16-byte type, a toggle byte, then a NUL-terminated label), e.g. `c2pa`.
fn jumbf_label(payload: &[u8]) -> String {
    let label = payload
        .get(4..8)
        .filter(|k| k == b"jumd")
        .and_then(|_| payload.get(25..))
        .map(|rest| {
            let end = rest.iter().take(64).position(|&b| b == 0).unwrap_or(0);
            printable(&rest[..end])
        })
        .unwrap_or_default();
    if label.is_empty() {
        "JUMBF box".into()
    } else {
        format!("JUMBF '{label}'")
    }
}

/// What a JPEG XL file says, where its codestream is, and the cleaned file.
struct Walked {
    scan: Scan,
    media: Vec<Range<u64>>,
    out: Pieces,
}

/// Reads `data` once, planning its cleaning under `policy`.
///
/// A bare codestream is all image data: it is copied whole. In a container
/// only the codestream (the `jxlc` payload, or each `jxlp` part after its
/// counter) is copied; the signature, `ftyp` and `jxll` boxes and every box
/// header are written new. JPEG XL keeps its orientation and colour in the
/// codestream, so no EXIF is needed to show the picture right: the `Exif`
/// box is dropped unless the policy keeps something in it, and then rebuilt
/// from the allowlist; XMP is cut down to the kept properties. JUMBF,
/// compressed, JPEG reconstruction, frame index and unknown boxes are
/// dropped, and anything after the last box.
fn walk(data: &[u8], policy: &Policy) -> Result<Walked, Error> {
    let mut walked = Walked {
        scan: Scan::default(),
        media: Vec::new(),
        out: Pieces::default(),
    };
    if data.starts_with(CODESTREAM) {
        walked.out.push_input(0..data.len() as u64);
        walked.media.push(0..data.len() as u64);
        return Ok(walked);
    }
    if !data.starts_with(SIGNATURE) {
        return Err(Error::damaged(
            "not a JPEG XL file (no codestream or container signature)",
        ));
    }
    let (boxes, trailer) = read_boxes(data)?;
    check_layout(&boxes)?;
    let mut parts = 0u32;
    for b in &boxes {
        walked.scan.extend(scan_box(b, data)?);
        let payload = b.payload(data);
        let out = &mut walked.out;
        match &b.kind {
            b"JXL " => out.push_new(SIGNATURE),
            b"ftyp" if payload.get(..4) == Some(b"jxl ") => {
                write_box(out, b"ftyp", &[b"jxl \0\0\0\0jxl "])?
            }
            b"ftyp" => return Err(Error::damaged("the ftyp box does not name JPEG XL")),
            b"jxll" if matches!(payload, [5] | [10]) => write_box(out, b"jxll", &[payload])?,
            b"jxlc" => {
                write_header(out, b"jxlc", payload.len())?;
                copy(&mut walked, b.payload.clone());
            }
            b"jxlp" => {
                let counter = payload
                    .get(..4)
                    .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                    .ok_or_else(|| Error::damaged("a jxlp box is too short"))?;
                if counter & 0x7FFF_FFFF != parts {
                    return Err(Error::damaged("the jxlp parts are out of order"));
                }
                parts += 1;
                write_header(out, b"jxlp", payload.len())?;
                out.push_new(&counter.to_be_bytes());
                copy(&mut walked, b.payload.start + 4..b.payload.end);
            }
            b"Exif" => write_exif(out, payload, policy)?,
            b"xml " if policy.keeps_some(&xmp::scan(payload, "XMP")) => {
                if let Some(packet) = xmp::filter(payload, policy) {
                    write_box(out, b"xml ", &[&packet])?;
                }
            }
            _ => {}
        }
    }
    if let Some(at) = trailer {
        walked.scan.push(Finding::new(
            Category::Unknown,
            "JXL trailer",
            "TrailerData",
            format!("{} bytes after the last box", data.len() - at),
        ));
    }
    Ok(walked)
}

/// Copies a range of codestream.
fn copy(walked: &mut Walked, range: Range<usize>) {
    let range = range.start as u64..range.end as u64;
    walked.out.push_input(range.clone());
    walked.media.push(range);
}

/// A box header for a payload of `len` bytes (a 64-bit size if it needs
/// one).
fn write_header(out: &mut Pieces, kind: &[u8; 4], len: usize) -> Result<(), Error> {
    match u32::try_from(len + 8) {
        Ok(size) => {
            out.push_new(&size.to_be_bytes());
            out.push_new(kind);
        }
        Err(_) => {
            out.push_new(&1u32.to_be_bytes());
            out.push_new(kind);
            out.push_new(&(len as u64 + 16).to_be_bytes());
        }
    }
    Ok(())
}

fn write_box(out: &mut Pieces, kind: &[u8; 4], parts: &[&[u8]]) -> Result<(), Error> {
    write_header(out, kind, parts.iter().map(|p| p.len()).sum())?;
    for p in parts {
        out.push_new(p);
    }
    Ok(())
}

/// Writes a rebuilt `Exif` box if the policy keeps anything in it beyond
/// rendering tags.
fn write_exif(out: &mut Pieces, payload: &[u8], policy: &Policy) -> Result<(), Error> {
    let exif = Exif::parse(exif_tiff(payload)?)?;
    let wanted = exif
        .scan("EXIF")
        .has_any(|c| c != Category::Rendering && policy.keeps(c));
    if wanted {
        let tiff = exif.rebuild(policy, ImageFacts::default())?;
        write_box(out, b"Exif", &[&[0, 0, 0, 0], &tiff])?;
    }
    Ok(())
}

/// What a JPEG XL file says and where its codestream is, from one parse.
pub fn inspect(data: &[u8]) -> Result<Inspection, Error> {
    let walked = walk(data, &Policy::default())?;
    Ok(Inspection {
        format: Format::Jxl,
        scan: walked.scan,
        media: walked.media,
    })
}

/// How to clean a JPEG XL file under `policy`, from one parse.
pub fn plan(data: &[u8], policy: &Policy) -> Result<Plan, Error> {
    let walked = walk(data, policy)?;
    Ok(Plan {
        input: Inspection {
            format: Format::Jxl,
            scan: walked.scan,
            media: walked.media,
        },
        input_len: data.len() as u64,
        output: walked.out,
    })
}

/// Everything the metadata boxes would tell a stranger. A bare codestream
/// has no metadata.
pub fn scan(data: &[u8]) -> Result<Scan, Error> {
    Ok(inspect(data)?.scan)
}

/// The cleaned file, in one buffer.
pub fn rebuild(data: &[u8], policy: &Policy) -> Result<Vec<u8>, Error> {
    plan(data, policy)?.output.to_vec(data)
}

/// The codestream: the whole file if bare, else the `jxlc` payload or the
/// `jxlp` parts (after their counters) in order.
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

    fn boxed(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut out = ((payload.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(payload);
        out
    }

    fn container(extra: &[Vec<u8>]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        out.extend(boxed(b"ftyp", b"jxl \0\0\0\0jxl "));
        for e in extra {
            out.extend_from_slice(e);
        }
        out.extend(boxed(b"jxlc", b"\xFF\x0A codestream"));
        out
    }

    #[test]
    fn metadata_boxes_are_reported_and_dropped() {
        let xmp = br#"<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" photoshop:City="Haarlem"/></rdf:RDF></x:xmpmeta>"#;
        let file = container(&[
            boxed(b"xml ", xmp),
            boxed(b"brob", b"Exif\x01\x02\x03"),
            boxed(b"abcd", b"vendor"),
        ]);
        let found = scan(&file).unwrap();
        assert!(found.findings.iter().any(|f| f.value.contains("Haarlem")));
        assert!(found.findings.iter().any(|f| f.value.contains("'Exif'")));
        assert!(found.findings.iter().any(|f| f.value.contains("'abcd'")));
        let clean = rebuild(&file, &Policy::default()).unwrap();
        assert_eq!(clean, container(&[]));
        assert_eq!(image_data(&clean).unwrap(), image_data(&file).unwrap());
        let kept = rebuild(&file, &Policy::keep(&[Category::Location])).unwrap();
        assert!(scan(&kept)
            .unwrap()
            .findings
            .iter()
            .any(|f| f.value.contains("Haarlem")));
    }

    #[test]
    fn bare_codestream_is_unchanged() {
        let bare = b"\xFF\x0A\x01\x02\x03".to_vec();
        assert!(scan(&bare).unwrap().findings.is_empty());
        assert_eq!(rebuild(&bare, &Policy::default()).unwrap(), bare);
    }

    #[test]
    fn bad_sizes_are_errors_not_panics() {
        let file = container(&[boxed(b"xml ", b"hello")]);
        for len in 0..file.len() {
            let _ = scan(&file[..len]);
            let _ = rebuild(&file[..len], &Policy::default());
        }
        let mut big = file.clone();
        big[12..16].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(scan(&big).unwrap_err().to_string().contains("past the end"));
        let mut small = file.clone();
        small[12..16].copy_from_slice(&3u32.to_be_bytes());
        assert!(scan(&small).is_err());
    }
}
