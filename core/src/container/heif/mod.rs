//! HEIF, HEIC and AVIF still images (ISO/IEC 23008-12 on the ISO base media
//! file format): cleaned in place, without moving a byte.
//!
//! A file is `ftyp`, one `meta` box and one or more `mdat` boxes (in either
//! order), sometimes `free` space and vendor boxes. `meta` describes items:
//! `iinf` gives each item an id and a type (`hvc1`/`av01` coded images,
//! `grid` tilings, `Exif`, `mime` XMP, …), `iloc` says where each item's
//! bytes are (extents in the file, construction method 0, or in `idat`,
//! method 1), `iref` links items (`dimg` tiles, `thmb` thumbnails, `auxl`
//! alpha/depth/gain maps, `cdsc` metadata describing an image), `iprp` holds
//! properties (`ipco`: decoder configuration, size, colour, rotation) and
//! which item has which (`ipma`), `pitm` names the primary image.
//!
//! Cleaning plans a new file from what is kept ([`write`]): a new `ftyp`
//! with known brands, a new `meta` box (handler and item names empty, one
//! self-contained data reference, only the items that render the picture —
//! the primary image, its grid tiles, its alpha plane — and the EXIF and XMP
//! items describing it, rebuilt), the image properties rebuilt from their
//! parsed values (decoder configurations copied as image data), and the
//! `mdat`/`idat` payloads with their layout kept: the kept items' data
//! copied, rebuilt metadata written in its item's old place (or appended
//! when it no longer fits), every other byte zeroed. Thumbnails, depth and
//! gain maps and extra images ([`pictures`]) are reported as previews and
//! removed with everything else: vendor boxes, free space, a trailer.
//! Anything that cannot be handled with certainty is refused.

mod parse;
mod pictures;
mod scan;
mod write;

pub use super::cr3::{is_cr3, scan_cr3};
pub use scan::scan;
pub use write::{image_data, inspect, plan, rebuild};

use super::isobmff::{self, BoxHeader, Reader, Short};
use crate::findings::{Category, Finding, Scan};
use crate::metadata::exif::{Exif, ImageFacts};
use crate::metadata::{iptc, xmp};
use crate::Error;
use parse::*;
use scan::*;
use std::collections::{HashMap, HashSet};
use std::ops::Range;

/// Item types whose data is pixels (coded images and derived images).
const IMAGE_TYPES: &[&[u8; 4]] = &[
    b"hvc1", b"av01", b"grid", b"iden", b"iovl", b"jpeg", b"tmap", b"avc1", b"hvt1", b"unci",
    b"j2k1", b"vvc1", b"mski", b"lhv1",
];

/// Item properties that describe how to decode and show an image.
const RENDERING_PROPERTIES: &[&[u8; 4]] = &[
    b"hvcC", b"av1C", b"avcC", b"jpgC", b"j2kH", b"vvcC", b"lhvC", b"ispe", b"pixi", b"colr",
    b"irot", b"imir", b"clap", b"pasp", b"rloc", b"lsel", b"auxC", b"a1op", b"a1lx", b"clli",
    b"mdcv", b"cclv", b"amve", b"ccst", b"cmin", b"cmex", b"uncC", b"cmpd", b"oinf", b"tols",
    b"iscl", b"rref", b"reve", b"free", b"skip",
];

/// Children of `meta` that are structure, kept as they are.
const META_STRUCTURE: &[&[u8; 4]] = &[
    b"hdlr", b"pitm", b"iinf", b"iloc", b"iref", b"iprp", b"idat", b"dinf", b"grpl",
];

/// How much of a JPEG image item is searched for metadata segments.
const JPEG_HEADERS: usize = 1 << 20;

/// Most bytes an XMP item may inflate to. The packets phones and libheif
/// write are a few KB, and even XMP carrying embedded depth or gain-map
/// images stays in the low MB, so 16 MB is generous; an item that inflates
/// further is refused as damaged (fail closed). Inflating up to the cap may
/// briefly hold about twice its size, so a few KB of hostile input costs at
/// most ~32 MB (64 MB let it reach 127 MB).
const MAX_INFLATED: usize = 16 << 20;

/// At most this many findings of items are listed; the rest are counted by
/// category. Many items may share the same bytes: 700 KB of `iinf`/`iloc`
/// naming 20,000 items over one small JPEG with 100 comments made 2 million
/// findings (455 MB). Real files have a handful of metadata items.
const MAX_ITEM_FINDINGS: usize = 2000;
/// At most this many distinct locations are listed.
const MAX_LOCATIONS: usize = 64;

fn unsupported(what: impl Into<String>) -> Error {
    Error::Unsupported(what.into())
}

/// The error for a structure whose bytes end too early.
fn cut(what: &'static str) -> impl Fn(Short) -> Error + Copy {
    move |_| Error::damaged(format!("the {what} is cut short"))
}

// ---------------------------------------------------------------------------
// Model

/// What a top-level box is, as far as cleaning is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TopKind {
    Ftyp,
    Meta,
    Mdat,
    /// `free`/`skip`: dropped.
    Free,
    /// Samsung's `mpvd` motion-photo video: dropped.
    MotionPhoto,
    /// Anything else (`sefd`, `uuid`, …): dropped.
    Other,
}

#[derive(Clone, Copy, Debug)]
struct Top {
    header: BoxHeader,
    kind: TopKind,
}

/// One piece of an item's data, as absolute offsets in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Extent {
    range: Range<usize>,
}

/// What an item is, as far as cleaning is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// A coded or derived image: kept (copied) when it renders the
    /// picture, removed as a hidden picture otherwise.
    Image,
    Exif,
    Xmp {
        deflated: bool,
    },
    Iptc,
    /// Other metadata (other `mime` types, `uri `, unknown types): removed.
    Other,
}

#[derive(Clone, Debug)]
struct Item {
    id: u32,
    kind: [u8; 4],
    /// The `infe` item name (written back empty).
    item_name: String,
    /// The `infe` "hidden" flag (set on grid tiles and alpha planes).
    hidden: bool,
    content_type: String,
    content_encoding: String,
    role: Role,
    extents: Vec<Extent>,
}

impl Item {
    fn name(&self) -> String {
        isobmff::kind_name(self.kind)
    }

    fn block(&self) -> String {
        format!("HEIF item {}", self.id)
    }

    fn len(&self) -> usize {
        self.extents.iter().map(|e| e.range.len()).sum()
    }

    /// The item's data: its extents joined.
    fn bytes(&self, data: &[u8]) -> Vec<u8> {
        self.extents
            .iter()
            .flat_map(|e| data.get(e.range.clone()).unwrap_or(&[]))
            .copied()
            .collect()
    }

    /// The first `max` bytes of the item's data; borrowed when the first
    /// extent holds them (as it almost always does), so that thousands of
    /// items over the same bytes do not each copy `max` bytes.
    fn head<'a>(&self, data: &'a [u8], max: usize) -> std::borrow::Cow<'a, [u8]> {
        if let Some(first) = self.extents.first().and_then(|e| data.get(e.range.clone())) {
            if first.len() >= max || self.extents.len() == 1 {
                return first[..first.len().min(max)].into();
            }
        }
        let mut out = Vec::new();
        for e in &self.extents {
            let bytes = data.get(e.range.clone()).unwrap_or(&[]);
            let take = bytes.len().min(max - out.len());
            out.extend_from_slice(&bytes[..take]);
            if out.len() == max {
                break;
            }
        }
        out.into()
    }

    fn is_blank(&self, data: &[u8]) -> bool {
        self.extents
            .iter()
            .all(|e| is_zero(data.get(e.range.clone()).unwrap_or(&[])))
    }
}

/// An item property and whether it is kept.
#[derive(Clone, Copy, Debug)]
struct Property {
    header: BoxHeader,
    /// `None`: rendering, kept; `Some(c)`: metadata of category `c`.
    metadata: Option<Category>,
    /// Whether some item must understand it to be shown.
    essential: bool,
}

/// An `iref` reference: `from` refers to each of `to` with meaning `kind`.
#[derive(Clone, Debug)]
struct Reference {
    kind: [u8; 4],
    from: u32,
    to: Vec<u32>,
}

/// A parsed HEIF file.
struct Heif<'a> {
    data: &'a [u8],
    tops: Vec<Top>,
    /// Where the trailer starts (the file's length if there is none).
    end: usize,
    /// The children of `meta` in order.
    meta_children: Vec<BoxHeader>,
    primary: Option<u32>,
    refs: Vec<Reference>,
    items: Vec<Item>,
    properties: Vec<Property>,
    associations: Associations,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }

    fn full(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
        let mut b = vec![version, 0, 0, 0];
        b.extend_from_slice(body);
        boxed(kind, &b)
    }

    /// A file with one 4-byte "image" item and one `mime` text item, both in
    /// `mdat` (no real codec: enough for the container logic).
    fn sample(extra_top: &[u8]) -> Vec<u8> {
        let ftyp = boxed(b"ftyp", b"heic\0\0\0\0mif1heic");
        let hdlr = full(b"hdlr", 0, b"\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0");
        let pitm = full(b"pitm", 0, &[0, 1]);
        let mut iinf_body = vec![0, 2];
        iinf_body.extend(full(b"infe", 2, b"\0\x01\0\0hvc1\0"));
        iinf_body.extend(full(b"infe", 2, b"\0\x02\0\0mime\0text/plain\0"));
        let iinf = full(b"iinf", 0, &iinf_body);
        let build = |mdat_at: u32| {
            let mut iloc_body = vec![0x44, 0x00, 0, 2];
            for (id, off, len) in [(1u16, mdat_at, 4u32), (2, mdat_at + 4, 6)] {
                iloc_body.extend_from_slice(&id.to_be_bytes());
                iloc_body.extend_from_slice(&[0, 0, 0, 1]);
                iloc_body.extend_from_slice(&off.to_be_bytes());
                iloc_body.extend_from_slice(&len.to_be_bytes());
            }
            let iloc = full(b"iloc", 0, &iloc_body);
            let mut meta_body = [hdlr.clone(), pitm.clone(), iinf.clone(), iloc].concat();
            meta_body.splice(0..0, [0, 0, 0, 0]);
            boxed(b"meta", &meta_body)
        };
        let meta_len = build(0).len();
        let mdat_at = (ftyp.len() + meta_len + 8) as u32;
        let mut out = [ftyp, build(mdat_at), boxed(b"mdat", b"PIXLEmma!!")].concat();
        out.extend_from_slice(extra_top);
        out
    }

    #[test]
    fn other_items_and_vendor_boxes_are_removed() {
        let file = sample(&boxed(b"sefd", b"Image_UTC_Data12345"));
        let scan = scan(&file).unwrap();
        assert!(
            scan.findings.iter().any(|f| f.tag == "MetadataItem"),
            "{scan:?}"
        );
        assert!(scan.findings.iter().any(|f| f.tag == "sefd"), "{scan:?}");
        let clean = rebuild(&file, &Policy::default()).unwrap();
        assert!(!clean.windows(4).any(|w| w == b"Emma"));
        assert!(!clean.windows(4).any(|w| w == b"sefd"));
        assert!(clean.windows(4).any(|w| w == b"PIXL"));
        assert_eq!(image_data(&clean).unwrap(), image_data(&file).unwrap());
        assert!(super::scan(&clean).unwrap().findings.is_empty());
        // Cleaning twice changes nothing.
        assert_eq!(rebuild(&clean, &Policy::default()).unwrap(), clean);
    }

    #[test]
    fn trailer_is_cut() {
        let mut file = sample(&[]);
        file.extend_from_slice(b"\0\0\0\x10ftypmp42\0\0\0\0");
        let clean = rebuild(&file, &Policy::default()).unwrap();
        assert!(!clean.windows(4).any(|w| w == b"mp42"));
        assert_eq!(image_data(&clean).unwrap(), image_data(&file).unwrap());
    }

    #[test]
    fn truncations_are_errors_not_panics() {
        let file = sample(&[]);
        for len in 0..file.len() {
            let _ = scan(&file[..len]);
            let _ = rebuild(&file[..len], &Policy::default());
        }
    }
}
