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
//! Cleaning keeps every byte where it is: the `Exif` item is rewritten in its
//! own extents as an allowlisted EXIF block (Orientation kept) and its
//! `iloc` length is shrunk in place; XMP items are overwritten by a minimal
//! valid packet of the same length; other metadata items, vendor boxes,
//! `free` space and unreferenced bytes in `mdat` are zeroed (boxes renamed
//! `free`), and so are metadata properties (`udes` descriptions, `crtt`
//! times, unknown ones). Only a trailer after the last box (a motion-photo
//! video) is cut. Image items and image properties are never touched.
//! Anything that cannot be handled with certainty is refused.
//!
//! Canon CR3 raw files share the box structure; [`scan_cr3`] reads their
//! metadata for `check` (raw files are never cleaned).

use super::isobmff::{self, BoxHeader, Reader, Short};
use crate::findings::{Category, Finding, Scan};
use crate::metadata::exif::{Exif, ImageFacts};
use crate::metadata::{iptc, xmp};
use crate::policy::Policy;
use crate::Error;
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

/// Canon's CR3 metadata box under `moov`.
const CANON_UUID: [u8; 16] = [
    0x85, 0xc0, 0xb6, 0x87, 0x82, 0x0f, 0x11, 0xe0, 0x81, 0x11, 0xf4, 0xce, 0x46, 0x2b, 0x6a, 0x48,
];
/// Canon's CR3 XMP box (top level).
const CANON_XMP_UUID: [u8; 16] = [
    0xbe, 0x7a, 0xcf, 0xcb, 0x97, 0xa9, 0x42, 0xe8, 0x9c, 0x71, 0x99, 0x94, 0x91, 0xe3, 0xaf, 0xac,
];
/// Canon's CR3 preview box (top level).
const CANON_PREVIEW_UUID: [u8; 16] = [
    0xea, 0xf4, 0x2b, 0x5e, 0x1c, 0x98, 0x4b, 0x88, 0xb9, 0xfb, 0xb7, 0xdc, 0x40, 0x6e, 0x4d, 0x16,
];

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
    /// `free`/`skip`: its payload is zeroed.
    Free,
    /// Samsung's `mpvd` motion-photo video: renamed `free`, zeroed.
    MotionPhoto,
    /// Anything else (`sefd`, `uuid`, …): renamed `free`, zeroed.
    Other,
}

#[derive(Clone, Copy, Debug)]
struct Top {
    header: BoxHeader,
    kind: TopKind,
}

/// Where an extent's length is written in `iloc`, to shrink it in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Field {
    at: usize,
    size: usize,
}

/// One piece of an item's data, as absolute offsets in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Extent {
    range: Range<usize>,
    length: Option<Field>,
}

/// What an item is, as far as cleaning is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// Pixels: never touched.
    Image,
    Exif,
    Xmp {
        deflated: bool,
    },
    Iptc,
    /// Other metadata (other `mime` types, `uri `, unknown types): zeroed.
    Other,
}

#[derive(Clone, Debug)]
struct Item {
    id: u32,
    kind: [u8; 4],
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
    ipma: Vec<BoxHeader>,
    primary: Option<u32>,
    items: Vec<Item>,
    properties: Vec<Property>,
    associations: Associations,
}

// ---------------------------------------------------------------------------
// Parsing

impl<'a> Heif<'a> {
    fn parse(data: &'a [u8]) -> Result<Heif<'a>, Error> {
        let (tops, end) = parse_top(data)?;
        let mut metas = tops.iter().filter(|t| t.kind == TopKind::Meta);
        let meta = metas
            .next()
            .ok_or_else(|| Error::damaged("not a HEIF image: there is no 'meta' box"))?
            .header;
        if metas.next().is_some() {
            return Err(unsupported(
                "a HEIF file with two 'meta' boxes is not supported",
            ));
        }
        let version = isobmff::full_box(meta.body(data))?.version;
        if version != 0 {
            return Err(Error::damaged(format!(
                "'meta' box of unknown version {version}"
            )));
        }
        let meta_children = isobmff::children(data, &meta, 4).collect::<Result<Vec<_>, _>>()?;
        let mut heif = Heif {
            data,
            tops,
            end,
            meta_children,
            ipma: Vec::new(),
            primary: None,
            items: Vec::new(),
            properties: Vec::new(),
            associations: Vec::new(),
        };
        heif.parse_meta()?;
        Ok(heif)
    }

    fn child(&self, kind: &[u8; 4]) -> Result<Option<BoxHeader>, Error> {
        let mut found = self.meta_children.iter().filter(|c| c.is(kind));
        let first = found.next().copied();
        if found.next().is_some() {
            return Err(Error::damaged(format!(
                "the 'meta' box has two '{}' boxes",
                isobmff::kind_name(*kind)
            )));
        }
        Ok(first)
    }

    fn parse_meta(&mut self) -> Result<(), Error> {
        let data = self.data;
        let hdlr = self
            .child(b"hdlr")?
            .ok_or_else(|| Error::damaged("the 'meta' box has no handler ('hdlr') box"))?;
        check_handler(hdlr.body(data))?;
        if self.meta_children.iter().any(|c| c.is(b"ipro")) {
            return Err(unsupported(
                "protected (encrypted) HEIF items are not supported",
            ));
        }
        self.primary = self
            .child(b"pitm")?
            .map(|p| parse_pitm(p.body(data)))
            .transpose()?;
        let refs = match self.child(b"iref")? {
            Some(iref) => parse_iref(data, &iref)?,
            None => Vec::new(),
        };
        if let Some(iprp) = self.child(b"iprp")? {
            self.parse_iprp(&iprp)?;
        }
        let infos = match self.child(b"iinf")? {
            Some(iinf) => parse_iinf(data, &iinf)?,
            None => Vec::new(),
        };
        let locations = match self.child(b"iloc")? {
            Some(iloc) => parse_iloc(data, &iloc)?,
            None => Vec::new(),
        };
        self.items = self.resolve(infos, locations, &refs)?;
        check_overlaps(&self.items)
    }

    fn parse_iprp(&mut self, iprp: &BoxHeader) -> Result<(), Error> {
        let data = self.data;
        for child in isobmff::children(data, iprp, 0) {
            let child = child?;
            match &child.kind {
                b"ipco" => {
                    for p in isobmff::children(data, &child, 0) {
                        self.properties.push(classify_property(p?));
                    }
                }
                b"ipma" => {
                    self.associations.extend(parse_ipma(child.body(data))?);
                    self.ipma.push(child);
                }
                _ => {
                    return Err(unsupported(format!(
                        "unknown '{}' box among the item properties",
                        child.name()
                    )))
                }
            }
        }
        for (_, list) in &self.associations {
            for &(essential, index) in list {
                if index == 0 {
                    continue;
                }
                let property = self.properties.get_mut(index - 1).ok_or_else(|| {
                    Error::damaged(format!(
                        "an item refers to property {index}, which does not exist"
                    ))
                })?;
                property.essential |= essential;
            }
        }
        if let Some(p) = self
            .properties
            .iter()
            .find(|p| p.essential && p.metadata.is_some())
        {
            return Err(unsupported(format!(
                "the item property '{}' is marked essential but is not a known image property",
                p.header.name()
            )));
        }
        Ok(())
    }

    /// Joins item infos with their locations, checks where the data lies
    /// and decides each item's role.
    fn resolve(
        &self,
        infos: Vec<Info>,
        locations: Vec<Location>,
        refs: &[Reference],
    ) -> Result<Vec<Item>, Error> {
        let mut ids = HashSet::new();
        if let Some(dup) = infos.iter().find(|i| !ids.insert(i.id)) {
            return Err(Error::damaged(format!("two items have the id {}", dup.id)));
        }
        let mut located = HashMap::new();
        for loc in &locations {
            if located.insert(loc.id, loc).is_some() {
                return Err(Error::damaged(format!("item {} is located twice", loc.id)));
            }
            if !ids.contains(&loc.id) {
                return Err(unsupported(format!(
                    "item {} has data but no item information",
                    loc.id
                )));
            }
        }
        let image_like = self.image_like_ids(refs);
        infos
            .into_iter()
            .map(|info| {
                let extents = match located.get(&info.id) {
                    Some(loc) => self.place(loc)?,
                    None => Vec::new(),
                };
                let role = role(&info, image_like.contains(&info.id))?;
                Ok(Item {
                    id: info.id,
                    kind: info.kind,
                    content_type: info.content_type,
                    content_encoding: info.content_encoding,
                    role,
                    extents,
                })
            })
            .collect()
    }

    /// Items that are shown or used to show one: the primary item, items
    /// with properties, and every item in a reference other than as the
    /// metadata side of `cdsc`.
    fn image_like_ids(&self, refs: &[Reference]) -> HashSet<u32> {
        let mut ids: HashSet<u32> = self.primary.into_iter().collect();
        for (id, list) in &self.associations {
            if list.iter().any(|&(_, index)| index != 0) {
                ids.insert(*id);
            }
        }
        for r in refs {
            ids.extend(r.to.iter().copied());
            if &r.kind != b"cdsc" {
                ids.insert(r.from);
            }
        }
        ids
    }

    /// The absolute extents of an item, checked to lie inside a media data
    /// box (method 0) or the `idat` box (method 1).
    fn place(&self, loc: &Location) -> Result<Vec<Extent>, Error> {
        if loc.data_reference != 0 && !self.self_contained(loc.data_reference)? {
            return Err(unsupported(format!(
                "item {}'s data is in another file",
                loc.id
            )));
        }
        let (areas, origin, limit) = self.data_areas(loc)?;
        let place = |raw: &RawExtent| {
            let range = raw.resolve(origin, limit).ok_or_else(|| {
                Error::damaged(format!(
                    "item {}'s data runs past the end of the file",
                    loc.id
                ))
            })?;
            if !areas
                .iter()
                .any(|a| a.start <= range.start && range.end <= a.end)
            {
                return Err(Error::damaged(format!(
                    "item {}'s data (bytes {}..{}) lies outside the media data",
                    loc.id, range.start, range.end
                )));
            }
            Ok(Extent {
                range,
                length: raw.length_field,
            })
        };
        loc.extents.iter().map(place).collect()
    }

    /// Where an item's data may lie, where its offsets count from and where
    /// they must end: the `mdat` payloads and the file (method 0), or the
    /// `idat` payload (method 1).
    fn data_areas(&self, loc: &Location) -> Result<(Vec<Range<usize>>, usize, usize), Error> {
        match loc.method {
            0 => Ok((
                self.mdats().map(|t| t.header.body_range()).collect(),
                0,
                self.data.len(),
            )),
            1 => match self.child(b"idat")? {
                Some(idat) => {
                    let body = idat.body_range();
                    Ok((vec![body.clone()], body.start, body.end))
                }
                None => Err(Error::damaged(format!(
                    "item {} is in an 'idat' box that does not exist",
                    loc.id
                ))),
            },
            m => Err(unsupported(format!(
                "item {} is built with construction method {m}, which is not supported",
                loc.id
            ))),
        }
    }

    /// Whether data reference `index` (1-based, in `dinf`/`dref`) means
    /// "this file".
    fn self_contained(&self, index: u16) -> Result<bool, Error> {
        let Some(dinf) = self.child(b"dinf")? else {
            return Ok(false);
        };
        let Some(dref) = isobmff::find(isobmff::children(self.data, &dinf, 0), b"dref")? else {
            return Ok(false);
        };
        let entry = isobmff::children(self.data, &dref, 8)
            .nth(usize::from(index) - 1)
            .transpose()?;
        Ok(entry
            .is_some_and(|e| isobmff::full_box(e.body(self.data)).is_ok_and(|f| f.flags & 1 == 1)))
    }

    fn mdats(&self) -> impl Iterator<Item = &Top> {
        self.tops.iter().filter(|t| t.kind == TopKind::Mdat)
    }

    /// Bytes of media data that no item uses.
    fn gaps(&self) -> Vec<Range<usize>> {
        let mut used: Vec<Range<usize>> = self
            .items
            .iter()
            .flat_map(|i| i.extents.iter().map(|e| e.range.clone()))
            .collect();
        used.sort_by_key(|r| r.start);
        let mut gaps = Vec::new();
        for mdat in self.mdats() {
            let body = mdat.header.body_range();
            let mut at = body.start;
            for r in used
                .iter()
                .filter(|r| r.start >= body.start && r.end <= body.end)
            {
                if r.start > at {
                    gaps.push(at..r.start);
                }
                at = at.max(r.end);
            }
            if body.end > at {
                gaps.push(at..body.end);
            }
        }
        gaps
    }

    /// The properties of item `id`, in order.
    fn properties_of(&self, id: u32) -> Vec<&Property> {
        self.associations
            .iter()
            .filter(|(item, _)| *item == id)
            .flat_map(|(_, list)| list.iter())
            .filter_map(|&(_, index)| self.properties.get(index.checked_sub(1)?))
            .collect()
    }

    fn facts(&self) -> ImageFacts {
        let Some(primary) = self.primary else {
            return ImageFacts::default();
        };
        let props = self.properties_of(primary);
        let dimensions = props.iter().find(|p| p.header.is(b"ispe")).and_then(|p| {
            let body = p.header.body(self.data);
            let mut r = Reader::new(body.get(4..)?);
            Some((r.u32().ok()?, r.u32().ok()?))
        });
        let has_icc = props
            .iter()
            .any(|p| p.header.is(b"colr") && colour_is_icc(p.header.body(self.data)));
        ImageFacts {
            dimensions,
            has_icc,
            orientation: None,
        }
    }
}

/// Reads the top-level boxes; returns them and where the trailer starts.
fn parse_top(data: &[u8]) -> Result<(Vec<Top>, usize), Error> {
    let mut tops: Vec<Top> = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let seen_meta = tops.iter().any(|t| t.kind == TopKind::Meta);
        let header = match isobmff::read_box(data, pos, data.len(), true) {
            Ok(h) => h,
            Err(_) if seen_meta && !is_known_top(data.get(pos + 4..pos + 8)) => break,
            Err(e) => return Err(e),
        };
        let kind = match &header.kind {
            b"ftyp" if pos == 0 => TopKind::Ftyp,
            // A second file appended to this one (a motion-photo video).
            b"ftyp" if seen_meta => break,
            b"ftyp" => return Err(Error::damaged("two 'ftyp' boxes before the 'meta' box")),
            _ if pos == 0 => {
                return Err(Error::damaged(
                    "not a HEIF file: it does not start with an 'ftyp' box",
                ))
            }
            b"meta" => TopKind::Meta,
            b"mdat" => TopKind::Mdat,
            b"free" | b"skip" => TopKind::Free,
            b"mpvd" => TopKind::MotionPhoto,
            b"moov" => {
                return Err(unsupported(
                    "HEIF image sequences and animations (with a 'moov' box) are not supported",
                ))
            }
            _ => TopKind::Other,
        };
        pos = header.range().end;
        tops.push(Top { header, kind });
    }
    Ok((tops, pos))
}

/// Box types that, when their header is broken, mean a damaged file rather
/// than the start of appended data.
fn is_known_top(kind: Option<&[u8]>) -> bool {
    matches!(
        kind,
        Some(
            b"ftyp" | b"meta" | b"mdat" | b"moov" | b"free" | b"skip" | b"mpvd" | b"uuid" | b"idat"
        )
    )
}

fn check_handler(body: &[u8]) -> Result<(), Error> {
    let fb = isobmff::full_box(body)?;
    let handler = fb
        .rest
        .get(4..8)
        .ok_or_else(|| Error::damaged("the 'hdlr' box is cut short"))?;
    if handler != b"pict" {
        return Err(unsupported(format!(
            "the 'meta' box handler is '{}', not 'pict': not a HEIF image",
            String::from_utf8_lossy(handler)
        )));
    }
    Ok(())
}

fn parse_pitm(body: &[u8]) -> Result<u32, Error> {
    let fb = isobmff::full_box(body)?;
    let mut r = Reader::new(fb.rest);
    let e = cut("primary item box");
    match fb.version {
        0 => Ok(u32::from(r.u16().map_err(e)?)),
        _ => r.u32().map_err(e),
    }
}

/// An item id of 16 bits (version 0) or 32 bits.
fn read_id(r: &mut Reader, wide: bool) -> Result<u32, Short> {
    if wide {
        r.u32()
    } else {
        r.u16().map(u32::from)
    }
}

fn parse_iref(data: &[u8], iref: &BoxHeader) -> Result<Vec<Reference>, Error> {
    let version = isobmff::full_box(iref.body(data))?.version;
    if version > 1 {
        return Err(unsupported(format!(
            "'iref' box of unknown version {version}"
        )));
    }
    let mut refs = Vec::new();
    for child in isobmff::children(data, iref, 4) {
        let child = child?;
        let mut r = Reader::new(child.body(data));
        let e = cut("item reference box");
        let from = read_id(&mut r, version == 1).map_err(e)?;
        let count = r.u16().map_err(e)?;
        let to = (0..count)
            .map(|_| read_id(&mut r, version == 1).map_err(e))
            .collect::<Result<_, _>>()?;
        refs.push(Reference {
            kind: child.kind,
            from,
            to,
        });
    }
    Ok(refs)
}

/// Per item id: (essential, 1-based property index) for each property.
type Associations = Vec<(u32, Vec<(bool, usize)>)>;

fn parse_ipma(body: &[u8]) -> Result<Associations, Error> {
    let fb = isobmff::full_box(body)?;
    let mut r = Reader::new(fb.rest);
    let e = cut("property association box");
    let count = r.u32().map_err(e)?;
    let mut out = Vec::new();
    for _ in 0..count {
        let id = read_id(&mut r, fb.version >= 1).map_err(e)?;
        let n = r.u8().map_err(e)?;
        let mut list = Vec::new();
        for _ in 0..n {
            let (essential, index) = if fb.flags & 1 == 1 {
                let v = r.u16().map_err(e)?;
                (v & 0x8000 != 0, usize::from(v & 0x7FFF))
            } else {
                let v = r.u8().map_err(e)?;
                (v & 0x80 != 0, usize::from(v & 0x7F))
            };
            list.push((essential, index));
        }
        out.push((id, list));
    }
    Ok(out)
}

fn classify_property(header: BoxHeader) -> Property {
    let metadata = if RENDERING_PROPERTIES.contains(&&header.kind) {
        None
    } else {
        Some(match &header.kind {
            b"udes" | b"altt" => Category::Text,
            b"crtt" | b"mdft" => Category::Time,
            _ => Category::Device,
        })
    };
    Property {
        header,
        metadata,
        essential: false,
    }
}

/// What `infe` says about an item.
#[derive(Clone, Debug)]
struct Info {
    id: u32,
    kind: [u8; 4],
    content_type: String,
    content_encoding: String,
}

fn parse_iinf(data: &[u8], iinf: &BoxHeader) -> Result<Vec<Info>, Error> {
    let fb = isobmff::full_box(iinf.body(data))?;
    let count_len = if fb.version == 0 { 2 } else { 4 };
    if fb.rest.len() < count_len {
        return Err(Error::damaged("the item information box is cut short"));
    }
    let body = iinf.body_range();
    let first = body.start + 4 + count_len;
    let mut infos = Vec::new();
    for child in isobmff::boxes_in(data, first..body.end) {
        let child = child?;
        if !child.is(b"infe") {
            return Err(Error::damaged(format!(
                "unexpected '{}' box in the item information box",
                child.name()
            )));
        }
        infos.push(parse_infe(child.body(data))?);
    }
    Ok(infos)
}

fn parse_infe(body: &[u8]) -> Result<Info, Error> {
    let fb = isobmff::full_box(body)?;
    let mut r = Reader::new(fb.rest);
    let e = cut("item information entry");
    let id = match fb.version {
        2 => u32::from(r.u16().map_err(e)?),
        3 => r.u32().map_err(e)?,
        v => {
            return Err(unsupported(format!(
                "item information entries of version {v} are not supported"
            )))
        }
    };
    if r.u16().map_err(e)? != 0 {
        return Err(unsupported(format!("item {id} is encrypted")));
    }
    let kind: [u8; 4] = r.array().map_err(e)?;
    r.cstr().map_err(e)?;
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let (content_type, content_encoding) = if &kind == b"mime" {
        let t = text(r.cstr().map_err(e)?);
        let enc = if r.remaining() > 0 {
            text(r.cstr().map_err(e)?)
        } else {
            String::new()
        };
        (t, enc)
    } else if &kind == b"uri " {
        (text(r.cstr().map_err(e)?), String::new())
    } else {
        (String::new(), String::new())
    };
    Ok(Info {
        id,
        kind,
        content_type,
        content_encoding,
    })
}

fn role(info: &Info, image_like: bool) -> Result<Role, Error> {
    let role = match &info.kind {
        k if IMAGE_TYPES.contains(&k) => return Ok(Role::Image),
        b"Exif" => Role::Exif,
        b"mime"
            if info
                .content_type
                .trim()
                .eq_ignore_ascii_case("application/rdf+xml") =>
        {
            match info.content_encoding.as_str() {
                "" => Role::Xmp { deflated: false },
                "deflate" => Role::Xmp { deflated: true },
                other => {
                    return Err(unsupported(format!(
                        "item {}'s XMP is encoded as '{other}', which is not supported",
                        info.id
                    )))
                }
            }
        }
        b"iptc" => Role::Iptc,
        _ => Role::Other,
    };
    if image_like {
        return Err(unsupported(format!(
            "item {} of type '{}' is used as an image, but is not a known image type",
            info.id,
            isobmff::kind_name(info.kind)
        )));
    }
    Ok(role)
}

/// One `iloc` entry, before its extents are placed in the file.
#[derive(Clone, Debug)]
struct Location {
    id: u32,
    method: u8,
    data_reference: u16,
    extents: Vec<RawExtent>,
}

#[derive(Clone, Copy, Debug)]
struct RawExtent {
    /// Base offset plus extent offset.
    offset: u64,
    /// 0 means "to the end of the data".
    length: u64,
    length_field: Option<Field>,
}

impl RawExtent {
    /// The extent as offsets in the file, given where its data starts and
    /// ends; `None` if it does not fit.
    fn resolve(&self, origin: usize, limit: usize) -> Option<Range<usize>> {
        let start = origin.checked_add(usize::try_from(self.offset).ok()?)?;
        let end = if self.length == 0 {
            limit
        } else {
            start.checked_add(usize::try_from(self.length).ok()?)?
        };
        (start <= end && end <= limit).then_some(start..end)
    }
}

/// The field sizes of an `iloc` box: offset, length, base offset, index.
struct IlocSizes {
    offset: usize,
    length: usize,
    base: usize,
    index: usize,
}

fn parse_iloc(data: &[u8], iloc: &BoxHeader) -> Result<Vec<Location>, Error> {
    let fb = isobmff::full_box(iloc.body(data))?;
    let v = fb.version;
    if v > 2 {
        return Err(unsupported(format!("'iloc' box of unknown version {v}")));
    }
    // File offset of `fb.rest[0]`, to record where length fields are.
    let origin = iloc.body_range().start + 4;
    let mut r = Reader::new(fb.rest);
    let e = cut("item location box");
    let packed = r.u16().map_err(e)?;
    let nibble = |shift: u16| usize::from((packed >> shift) & 0xF);
    let sizes = IlocSizes {
        offset: nibble(12),
        length: nibble(8),
        base: nibble(4),
        index: if v == 0 { 0 } else { nibble(0) },
    };
    for s in [sizes.offset, sizes.length, sizes.base, sizes.index] {
        if !matches!(s, 0 | 4 | 8) {
            return Err(Error::damaged(format!(
                "'iloc' field size {s} is not 0, 4 or 8"
            )));
        }
    }
    let count = if v < 2 {
        u32::from(r.u16().map_err(e)?)
    } else {
        r.u32().map_err(e)?
    };
    let mut out = Vec::new();
    for _ in 0..count {
        out.push(parse_iloc_entry(&mut r, v, &sizes, origin).map_err(e)?);
    }
    Ok(out)
}

fn parse_iloc_entry(
    r: &mut Reader,
    version: u8,
    sizes: &IlocSizes,
    origin: usize,
) -> Result<Location, Short> {
    let id = read_id(r, version == 2)?;
    let method = if version == 0 {
        0
    } else {
        (r.u16()? & 0xF) as u8
    };
    let data_reference = r.u16()?;
    let base = r.uint(sizes.base)?;
    let count = r.u16()?;
    let mut extents = Vec::new();
    for _ in 0..count {
        r.skip(sizes.index)?;
        let offset = r.uint(sizes.offset)?;
        let at = origin + r.position();
        let length = r.uint(sizes.length)?;
        extents.push(RawExtent {
            offset: base.checked_add(offset).ok_or(Short)?,
            length,
            length_field: (sizes.length > 0).then_some(Field {
                at,
                size: sizes.length,
            }),
        });
    }
    Ok(Location {
        id,
        method,
        data_reference,
        extents,
    })
}

/// Metadata items are zeroed or overwritten: none may share a byte with an
/// image item, nor with another metadata item (or another extent of its
/// own): rewriting one would change the other behind its back.
fn check_overlaps(items: &[Item]) -> Result<(), Error> {
    let mut image: Vec<(Range<usize>, u32)> = items
        .iter()
        .filter(|i| i.role == Role::Image)
        .flat_map(|i| i.extents.iter().map(move |e| (e.range.clone(), i.id)))
        .collect();
    image.sort_by_key(|(r, _)| r.start);
    // Running maximum of the ends, to find any image range reaching `start`.
    let mut max_end = Vec::with_capacity(image.len());
    let mut m = 0;
    for (r, _) in &image {
        m = m.max(r.end);
        max_end.push(m);
    }
    for item in items.iter().filter(|i| i.role != Role::Image) {
        for e in &item.extents {
            let before = image.partition_point(|(r, _)| r.start < e.range.end);
            if before > 0 && max_end[before - 1] > e.range.start && !e.range.is_empty() {
                return Err(unsupported(format!(
                    "metadata item {} shares bytes with an image item",
                    item.id
                )));
            }
        }
    }
    let mut metadata: Vec<(Range<usize>, u32)> = items
        .iter()
        .filter(|i| i.role != Role::Image)
        .flat_map(|i| i.extents.iter().map(move |e| (e.range.clone(), i.id)))
        .filter(|(r, _)| !r.is_empty())
        .collect();
    metadata.sort_by_key(|(r, _)| r.start);
    for pair in metadata.windows(2) {
        // Sorted by start and non-empty: if no neighbours overlap, no two do.
        let ((a, a_id), (b, b_id)) = (&pair[0], &pair[1]);
        if b.start < a.end {
            return Err(Error::damaged(format!(
                "metadata items {a_id} and {b_id} share bytes"
            )));
        }
    }
    Ok(())
}

fn colour_is_icc(body: &[u8]) -> bool {
    matches!(body.get(..4), Some(b"prof" | b"rICC"))
}

fn is_zero(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b == 0)
}

// ---------------------------------------------------------------------------
// Scanning

/// Everything a HEIF/AVIF file would tell a stranger: its EXIF and XMP
/// items, other metadata items, vendor boxes, leftover data, a trailer —
/// and, as rendering, the primary image's rotation, mirroring and colour.
pub fn scan(data: &[u8]) -> Result<Scan, Error> {
    let heif = Heif::parse(data)?;
    let mut scan = heif.scan_rendering();
    let mut more = [0usize; Category::ALL.len()];
    for item in &heif.items {
        let found = heif.scan_item(item)?;
        for f in found.findings {
            if scan.findings.len() < MAX_ITEM_FINDINGS {
                scan.push(f);
            } else {
                more[f.category as usize] += 1;
            }
        }
        for l in found.locations {
            if scan.locations.len() < MAX_LOCATIONS && !scan.locations.contains(&l) {
                scan.locations.push(l);
            }
        }
    }
    for c in Category::ALL {
        if more[c as usize] > 0 {
            let value = format!("and {} more found in the items", more[c as usize]);
            scan.push(finding(c, "HEIF items", "MoreFindings", value));
        }
    }
    scan.extend(heif.scan_properties());
    scan.extend(heif.scan_boxes());
    Ok(scan)
}

fn finding(category: Category, block: &str, tag: &str, value: String) -> Finding {
    Finding::new(category, block, tag, value)
}

impl Heif<'_> {
    /// What the primary image's properties say about how it is shown.
    fn scan_rendering(&self) -> Scan {
        let mut scan = Scan::default();
        let Some(primary) = self.primary else {
            return scan;
        };
        for p in self.properties_of(primary) {
            let body = p.header.body(self.data);
            let described = match &p.header.kind {
                b"irot" => body.first().map(|a| match a & 3 {
                    0 => ("Rotation", "none".to_string()),
                    n => ("Rotation", format!("{}° anticlockwise", u32::from(n) * 90)),
                }),
                b"imir" => body.first().map(|a| {
                    let axis = if a & 1 == 0 { "vertical" } else { "horizontal" };
                    ("Mirror", format!("about the {axis} axis"))
                }),
                b"colr" if colour_is_icc(body) => Some((
                    "ICC_Profile",
                    format!("{} bytes", body.len().saturating_sub(4)),
                )),
                b"colr" => Some(("ColourInformation", describe_nclx(body))),
                b"clap" => Some(("CleanAperture", "cropped".to_string())),
                _ => None,
            };
            if let Some((tag, value)) = described {
                let f = finding(Category::Rendering, "HEIF properties", tag, value);
                if !scan.findings.contains(&f) {
                    scan.push(f);
                }
            }
        }
        scan
    }

    fn scan_item(&self, item: &Item) -> Result<Scan, Error> {
        let mut scan = Scan::default();
        if item.role != Role::Image && item.is_blank(self.data) {
            return Ok(scan);
        }
        let bytes = || item.bytes(self.data);
        match item.role {
            Role::Image => scan.extend(scan_jpeg_item(item, self.data)),
            Role::Exif => {
                let bytes = bytes();
                let (tiff, _) = exif_tiff(&bytes, item.id)?;
                scan = Exif::parse(tiff)?.scan("EXIF");
            }
            Role::Xmp { deflated } => scan = xmp::scan(&xmp_packet(&bytes(), deflated)?, "XMP"),
            Role::Iptc => match iptc::scan_iptc(&bytes(), "IPTC") {
                Ok(s) => scan = s,
                Err(e) => scan.push(other_item_finding(item, &format!("unreadable IPTC: {e}"))),
            },
            Role::Other => scan.push(other_item_finding(item, "")),
        }
        Ok(scan)
    }

    /// Metadata properties (descriptions, times, vendor data).
    fn scan_properties(&self) -> Scan {
        let mut scan = Scan::default();
        for p in &self.properties {
            let Some(category) = p.metadata else {
                continue;
            };
            let body = p.header.body(self.data);
            if is_zero(body) {
                continue;
            }
            scan.push(finding(
                category,
                "HEIF properties",
                &p.header.name(),
                describe_property(&p.header, body),
            ));
        }
        scan
    }

    /// Vendor boxes, motion photos, leftover data and the trailer.
    fn scan_boxes(&self) -> Scan {
        let mut scan = Scan::default();
        for top in &self.tops {
            scan.findings.extend(self.scan_top(top));
        }
        for child in &self.meta_children {
            scan.findings.extend(self.scan_meta_child(child));
        }
        for gap in self.gaps() {
            if !is_zero(&self.data[gap.clone()]) {
                scan.push(finding(
                    Category::Device,
                    "HEIF mdat",
                    "UnreferencedData",
                    format!("{} bytes not used by any item", gap.len()),
                ));
            }
        }
        if self.end < self.data.len() {
            scan.push(finding(
                Category::Preview,
                "trailer",
                "TrailerData",
                describe_trailer(&self.data[self.end..]),
            ));
        }
        scan
    }

    /// A top-level box other than `ftyp`, `meta` and `mdat`, if it holds
    /// anything.
    fn scan_top(&self, top: &Top) -> Option<Finding> {
        let h = &top.header;
        let body = h.body(self.data);
        if is_zero(body) {
            return None;
        }
        let size = format!("{} bytes", body.len());
        match top.kind {
            TopKind::MotionPhoto => Some(finding(
                Category::Preview,
                "HEIF mpvd",
                "MotionPhotoVideo",
                size,
            )),
            TopKind::Other => Some(finding(
                Category::Device,
                "HEIF box",
                &h.name(),
                format!("{} ({size})", signature(body)),
            )),
            TopKind::Free => Some(leftover(&h.name(), body.len())),
            TopKind::Ftyp | TopKind::Meta | TopKind::Mdat => None,
        }
    }

    /// A child of `meta` that is not structure (or free space with data).
    fn scan_meta_child(&self, child: &BoxHeader) -> Option<Finding> {
        let body = child.body(self.data);
        if is_zero(body) || META_STRUCTURE.contains(&&child.kind) {
            return None;
        }
        if child.is(b"free") || child.is(b"skip") {
            return Some(leftover(&child.name(), body.len()));
        }
        Some(finding(
            Category::Device,
            "HEIF meta",
            &child.name(),
            format!("{} ({} bytes)", signature(body), body.len()),
        ))
    }
}

fn leftover(name: &str, len: usize) -> Finding {
    finding(
        Category::Device,
        &format!("HEIF {name}"),
        "LeftoverData",
        format!("{len} bytes of old data in free space"),
    )
}

fn other_item_finding(item: &Item, note: &str) -> Finding {
    let mut what = item.name();
    if !item.content_type.is_empty() {
        what = format!("{what} {}", item.content_type);
    }
    if !item.content_encoding.is_empty() {
        what = format!("{what} ({})", item.content_encoding);
    }
    if !note.is_empty() {
        what = format!("{what}, {note}");
    }
    finding(
        Category::Device,
        &item.block(),
        "MetadataItem",
        format!("{what} ({} bytes)", item.len()),
    )
}

/// A JPEG image item is pixels, but may carry its own APPn metadata, which
/// cannot be removed without changing the item's bytes.
fn scan_jpeg_item(item: &Item, data: &[u8]) -> Scan {
    let mut scan = Scan::default();
    if &item.kind != b"jpeg" {
        return scan;
    }
    for marker in jpeg_metadata_markers(&item.head(data, JPEG_HEADERS)) {
        let what = if marker == 0xFE {
            "COM".to_string()
        } else {
            format!("APP{}", marker - 0xE0)
        };
        scan.push(finding(
            Category::Device,
            &item.block(),
            "EmbeddedJPEGMetadata",
            format!("{what} segment inside the JPEG image item"),
        ));
    }
    scan
}

/// Markers of metadata segments (APPn other than JFIF, ICC and Adobe; COM)
/// before the first scan of a JPEG bitstream.
fn jpeg_metadata_markers(bytes: &[u8]) -> Vec<u8> {
    let mut found = Vec::new();
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return found;
    }
    let mut pos = 2;
    for _ in 0..4096 {
        let (Some(0xFF), Some(&marker)) = (bytes.get(pos), bytes.get(pos + 1)) else {
            break;
        };
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        let Some(len) = bytes.get(pos + 2..pos + 4) else {
            break;
        };
        if matches!(marker, 0xE1 | 0xE3..=0xED | 0xEF | 0xFE) {
            found.push(marker);
        }
        pos += 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
    }
    found
}

fn describe_nclx(body: &[u8]) -> String {
    let mut r = Reader::new(body);
    let kind = r.array::<4>().unwrap_or_default();
    let (p, t, m) = (r.u16(), r.u16(), r.u16());
    match (p, t, m) {
        (Ok(p), Ok(t), Ok(m)) if &kind == b"nclx" => {
            format!("nclx primaries {p}, transfer {t}, matrix {m}")
        }
        _ => format!("'{}'", isobmff::kind_name(kind)),
    }
}

/// The text of a metadata property: `udes` strings, `altt` text, times.
fn describe_property(header: &BoxHeader, body: &[u8]) -> String {
    let rest = body.get(4..).unwrap_or(&[]);
    match &header.kind {
        b"udes" | b"altt" => rest
            .split(|&b| b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect::<Vec<_>>()
            .join(", "),
        b"crtt" | b"mdft" => match Reader::new(rest).u64() {
            Ok(us) => format!("{us} µs since 1904"),
            Err(_) => format!("{} bytes", body.len()),
        },
        _ => format!("{} ({} bytes)", signature(body), body.len()),
    }
}

/// The printable start of a block, which often names its kind.
fn signature(bytes: &[u8]) -> String {
    let sig: String = bytes
        .iter()
        .skip_while(|&&b| !b.is_ascii_graphic())
        .take(24)
        .take_while(|&&b| b.is_ascii_graphic() || b == b' ')
        .map(|&b| b as char)
        .collect();
    if sig.is_empty() {
        "unnamed".into()
    } else {
        format!("'{sig}'")
    }
}

fn describe_trailer(bytes: &[u8]) -> String {
    let kind = if is_zero(bytes) {
        "padding"
    } else if memchr::memmem::find(bytes, b"ftyp").is_some() {
        "motion-photo video"
    } else if bytes.ends_with(b"SEFT") {
        "Samsung trailer"
    } else {
        "unknown data"
    };
    format!("{kind}, {} bytes", bytes.len())
}

/// An EXIF item: a 32-bit offset to the TIFF header, then (after that many
/// bytes, usually `Exif\0\0` or none) the TIFF structure. Returns the TIFF
/// bytes and the prefix worth keeping in a rewrite.
fn exif_tiff(bytes: &[u8], id: u32) -> Result<(&[u8], &'static [u8]), Error> {
    let bad = |what: &str| Error::damaged(format!("EXIF item {id} is damaged ({what})"));
    let offset = bytes
        .get(..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| bad("too short"))?;
    let mut start = usize::try_from(offset)
        .ok()
        .and_then(|o| o.checked_add(4))
        .filter(|&s| s <= bytes.len())
        .ok_or_else(|| bad("its offset points past its end"))?;
    // Some writers point at `Exif\0\0` instead of the TIFF header after it.
    if bytes[start..].starts_with(b"Exif\0\0") {
        start += 6;
    }
    let tiff = &bytes[start..];
    if !(tiff.starts_with(b"II*\0") || tiff.starts_with(b"MM\0*")) {
        return Err(bad("no TIFF header where its offset points"));
    }
    let prefix: &'static [u8] = if bytes[4..start] == *b"Exif\0\0" {
        b"Exif\0\0"
    } else {
        b""
    };
    Ok((tiff, prefix))
}

/// An XMP item's packet, inflated if it is stored compressed.
fn xmp_packet(bytes: &[u8], deflated: bool) -> Result<Vec<u8>, Error> {
    if !deflated {
        return Ok(bytes.to_vec());
    }
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(bytes, MAX_INFLATED).map_err(|e| {
        Error::damaged(format!(
            "compressed XMP item cannot be inflated ({:?})",
            e.status
        ))
    })
}

// ---------------------------------------------------------------------------
// Cleaning

/// The cleaned file under `policy`: the same bytes at the same offsets,
/// with metadata items rewritten or zeroed in place, vendor boxes and free
/// space zeroed, and any trailer after the last box cut off.
pub fn rebuild(data: &[u8], policy: &Policy) -> Result<Vec<u8>, Error> {
    let heif = Heif::parse(data)?;
    let facts = heif.facts();
    let mut out = data[..heif.end].to_vec();
    for item in &heif.items {
        heif.clean_item(&mut out, item, policy, facts)?;
    }
    for p in &heif.properties {
        if p.metadata
            .is_some_and(|c| policy.removes(c) || c == Category::Device)
        {
            neutralise(&mut out, &p.header);
        }
    }
    heif.clean_boxes(&mut out);
    Ok(out)
}

impl Heif<'_> {
    /// Frees vendor and motion-photo boxes, zeroes free space and the
    /// bytes of `mdat` no item uses.
    fn clean_boxes(&self, out: &mut [u8]) {
        for top in &self.tops {
            match top.kind {
                TopKind::Free => zero(out, top.header.body_range()),
                TopKind::MotionPhoto | TopKind::Other => neutralise(out, &top.header),
                TopKind::Ftyp | TopKind::Meta | TopKind::Mdat => {}
            }
        }
        for child in &self.meta_children {
            if child.is(b"free") || child.is(b"skip") {
                zero(out, child.body_range());
            } else if !META_STRUCTURE.contains(&&child.kind) {
                neutralise(out, child);
            }
        }
        for gap in self.gaps() {
            zero(out, gap);
        }
    }

    fn clean_item(
        &self,
        out: &mut [u8],
        item: &Item,
        policy: &Policy,
        facts: ImageFacts,
    ) -> Result<(), Error> {
        if item.role != Role::Image && item.is_blank(self.data) {
            return Ok(());
        }
        match item.role {
            Role::Image => {
                if !scan_jpeg_item(item, self.data).findings.is_empty() {
                    return Err(unsupported(format!(
                        "the JPEG image item {} carries its own metadata, which cannot be removed without changing the image",
                        item.id
                    )));
                }
                Ok(())
            }
            Role::Exif => rewrite_exif(out, item, &item.bytes(self.data), policy, facts),
            Role::Xmp { deflated } => {
                let scan = self.scan_item(item)?;
                if policy.keeps_all(&scan) {
                    return Ok(());
                }
                rewrite_xmp(out, item, &item.bytes(self.data), deflated)
            }
            Role::Iptc => {
                let scan = self.scan_item(item)?;
                if policy.keeps_all(&scan) {
                    return Ok(());
                }
                overwrite_item(out, item, &[], false)
            }
            Role::Other => overwrite_item(out, item, &[], false),
        }
    }
}

fn rewrite_exif(
    out: &mut [u8],
    item: &Item,
    bytes: &[u8],
    policy: &Policy,
    facts: ImageFacts,
) -> Result<(), Error> {
    let (tiff, prefix) = exif_tiff(bytes, item.id)?;
    let exif = Exif::parse(tiff)?;
    let mut rebuilt = exif.rebuild(policy, facts)?;
    let room = item.len().saturating_sub(4 + prefix.len());
    if rebuilt.len() > room {
        let only_rendering = !Exif::parse(&rebuilt)?
            .scan("EXIF")
            .has_any(|c| c != Category::Rendering);
        if !only_rendering {
            return Err(unsupported(format!(
                "the cleaned EXIF block ({} bytes) does not fit in the space of the original EXIF item {} ({} bytes)",
                rebuilt.len(),
                item.id,
                item.len()
            )));
        }
        rebuilt = orientation_only(exif.orientation().unwrap_or(1));
        if rebuilt.len() > room {
            return Err(unsupported(format!(
                "EXIF item {} is too small to be rewritten",
                item.id
            )));
        }
    }
    let mut payload = (prefix.len() as u32).to_be_bytes().to_vec();
    payload.extend_from_slice(prefix);
    payload.extend_from_slice(&rebuilt);
    overwrite_item(out, item, &payload, true)
}

/// The smallest valid EXIF: a big-endian TIFF with one IFD holding only
/// Orientation.
fn orientation_only(orientation: u32) -> Vec<u8> {
    let mut t = b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01".to_vec();
    t.extend_from_slice(&(orientation.min(8) as u16).to_be_bytes());
    t.extend_from_slice(&[0; 6]);
    t
}

fn rewrite_xmp(out: &mut [u8], item: &Item, bytes: &[u8], deflated: bool) -> Result<(), Error> {
    let len = item.len();
    if deflated {
        let inflated = xmp_packet(bytes, true)?.len();
        let packet = xmp::minimal_packet(inflated).or_else(|| xmp::minimal_packet(512));
        let packed = packet.map(|p| miniz_oxide::deflate::compress_to_vec_zlib(&p, 9));
        return match packed.filter(|p| p.len() <= len) {
            Some(p) => overwrite_item(out, item, &p, true),
            None => overwrite_item(out, item, &[], false),
        };
    }
    let packet = xmp::minimal_packet(len).unwrap_or_else(|| tiny_packet(len));
    overwrite_item(out, item, &packet, false)
}

/// An empty `x:xmpmeta` element padded with spaces, for XMP items too small
/// for a full packet; zeros if even that does not fit.
fn tiny_packet(len: usize) -> Vec<u8> {
    const EMPTY: &[u8] = b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"/>";
    let mut out = vec![0; len];
    if len >= EMPTY.len() {
        out[..EMPTY.len()].copy_from_slice(EMPTY);
        out[EMPTY.len()..].fill(b' ');
    }
    out
}

/// Writes `payload` over an item's extents in order and zeroes the rest of
/// them. With `shrink`, each extent's `iloc` length is cut to the bytes it
/// now holds (at least 1, as 0 would mean "everything").
fn overwrite_item(out: &mut [u8], item: &Item, payload: &[u8], shrink: bool) -> Result<(), Error> {
    if payload.len() > item.len() {
        return Err(unsupported(format!(
            "the cleaned item {} would not fit in the space of the original",
            item.id
        )));
    }
    let mut rest = payload;
    for e in &item.extents {
        let n = rest.len().min(e.range.len());
        let (now, later) = rest.split_at(n);
        let target = out.get_mut(e.range.clone()).ok_or_else(|| {
            Error::damaged(format!("item {} lies past the end of the file", item.id))
        })?;
        target[..n].copy_from_slice(now);
        target[n..].fill(0);
        rest = later;
        if shrink && n < e.range.len() {
            if let Some(field) = e.length {
                write_uint(out, field, n.max(1) as u64);
            }
        }
    }
    Ok(())
}

fn write_uint(out: &mut [u8], field: Field, value: u64) {
    let bytes = value.to_be_bytes();
    if let (Some(target), Some(src)) = (
        out.get_mut(field.at..field.at + field.size),
        bytes.get(8 - field.size..),
    ) {
        target.copy_from_slice(src);
    }
}

fn zero(out: &mut [u8], range: Range<usize>) {
    if let Some(bytes) = out.get_mut(range) {
        bytes.fill(0);
    }
}

/// Renames a box to `free` and zeroes everything after its size fields.
fn neutralise(out: &mut [u8], header: &BoxHeader) {
    let at = header.kind_offset() as usize;
    if let Some(kind) = out.get_mut(at..at + 4) {
        kind.copy_from_slice(b"free");
    }
    let uuid_len = if header.uuid.is_some() { 16 } else { 0 };
    let body = header.body_range();
    zero(out, body.start - uuid_len..body.end);
}

// ---------------------------------------------------------------------------
// Image data

/// The pieces that must be byte-identical after cleaning: `ftyp`, the
/// primary-item, reference and property-association boxes, every image
/// property (`hvcC`/`av1C`, `ispe`, `colr`, `irot`, …) and the data of
/// every image item (coded images, grids, thumbnails, auxiliary images).
pub fn image_data(data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let heif = Heif::parse(data)?;
    let mut parts: Vec<&[u8]> = heif
        .tops
        .iter()
        .filter(|t| t.kind == TopKind::Ftyp)
        .map(|t| t.header.bytes(data))
        .collect();
    for kind in [b"hdlr", b"pitm", b"iref"] {
        if let Some(b) = heif.child(kind)? {
            parts.push(b.bytes(data));
        }
    }
    parts.extend(heif.ipma.iter().map(|b| b.bytes(data)));
    parts.extend(
        heif.properties
            .iter()
            .filter(|p| p.metadata.is_none() && !p.header.is(b"free") && !p.header.is(b"skip"))
            .map(|p| p.header.bytes(data)),
    );
    for item in heif.items.iter().filter(|i| i.role == Role::Image) {
        parts.extend(item.extents.iter().map(|e| &data[e.range.clone()]));
    }
    Ok(parts)
}

// ---------------------------------------------------------------------------
// Canon CR3 (check only)

/// Whether `data` is a Canon CR3 raw file (ISOBMFF with brand `crx `).
pub fn is_cr3(data: &[u8]) -> bool {
    data.get(4..12) == Some(b"ftypcrx ")
}

/// What a Canon CR3 raw file would tell: the TIFF structures in the Canon
/// box under `moov` (`CMT1` IFD0, `CMT2` EXIF IFD, `CMT3` maker notes,
/// `CMT4` GPS IFD), the thumbnail, the preview and the XMP packet. Raw
/// files are never cleaned.
pub fn scan_cr3(data: &[u8]) -> Result<Scan, Error> {
    let mut scan = Scan::default();
    let mut found = false;
    for top in isobmff::top_level(data) {
        let top = top?;
        match (&top.kind, top.uuid) {
            (b"moov", _) => {
                for child in isobmff::children(data, &top, 0) {
                    let child = child?;
                    if child.uuid == Some(CANON_UUID) {
                        found = true;
                        scan.extend(scan_canon_box(data, &child)?);
                    }
                }
            }
            (b"uuid", Some(CANON_XMP_UUID)) => scan.extend(xmp::scan(top.body(data), "XMP")),
            (b"uuid", Some(CANON_PREVIEW_UUID)) => scan.push(finding(
                Category::Preview,
                "CR3 PRVW",
                "PreviewImage",
                format!("{} bytes", top.body_len()),
            )),
            _ => {}
        }
    }
    if !found {
        return Err(Error::damaged(
            "not a Canon CR3 file: no Canon metadata box under 'moov'",
        ));
    }
    Ok(scan)
}

fn scan_canon_box(data: &[u8], canon: &BoxHeader) -> Result<Scan, Error> {
    let mut scan = Scan::default();
    for child in isobmff::children(data, canon, 0) {
        let child = child?;
        let body = child.body(data);
        match &child.kind {
            b"CMT1" => scan.extend(Exif::parse(body)?.scan("EXIF")),
            b"CMT2" => scan.extend(Exif::parse(&rewrap(body, 0x8769)?)?.scan("EXIF")),
            b"CMT3" => scan.push(finding(
                Category::Device,
                "CR3 CMT3",
                "MakerNote",
                format!("Canon maker notes, {} bytes", body.len()),
            )),
            b"CMT4" => scan.extend(Exif::parse(&rewrap(body, 0x8825)?)?.scan("EXIF")),
            b"THMB" => scan.push(finding(
                Category::Preview,
                "CR3 THMB",
                "ThumbnailImage",
                format!("{} bytes", body.len()),
            )),
            _ => {}
        }
    }
    Ok(scan)
}

/// A TIFF whose first IFD is really an EXIF or GPS sub-directory, made
/// readable as one: a new IFD0 is appended holding only the pointer tag
/// `pointer` (0x8769 EXIF, 0x8825 GPS) to the original directory, and the
/// header is pointed at it. No existing offset moves.
fn rewrap(tiff: &[u8], pointer: u16) -> Result<Vec<u8>, Error> {
    let little = match tiff.get(..4) {
        Some(b"II*\0") => true,
        Some(b"MM\0*") => false,
        _ => {
            return Err(Error::damaged(
                "a Canon CR3 metadata box is not a TIFF structure",
            ))
        }
    };
    let u16b = |v: u16| {
        if little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    };
    let u32b = |v: u32| {
        if little {
            v.to_le_bytes()
        } else {
            v.to_be_bytes()
        }
    };
    let first = tiff[4..8].to_vec();
    let mut out = tiff.to_vec();
    if out.len() % 2 == 1 {
        out.push(0);
    }
    let at = u32::try_from(out.len())
        .map_err(|_| Error::damaged("a Canon CR3 metadata box is too large"))?;
    out.extend_from_slice(&u16b(1));
    out.extend_from_slice(&u16b(pointer));
    out.extend_from_slice(&u16b(4));
    out.extend_from_slice(&u32b(1));
    out.extend_from_slice(&first);
    out.extend_from_slice(&u32b(0));
    out[4..8].copy_from_slice(&u32b(at));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn other_items_and_vendor_boxes_are_zeroed_in_place() {
        let file = sample(&boxed(b"sefd", b"Image_UTC_Data12345"));
        let scan = scan(&file).unwrap();
        assert!(
            scan.findings.iter().any(|f| f.tag == "MetadataItem"),
            "{scan:?}"
        );
        assert!(scan.findings.iter().any(|f| f.tag == "sefd"), "{scan:?}");
        let clean = rebuild(&file, &Policy::default()).unwrap();
        assert_eq!(clean.len(), file.len());
        assert!(!clean.windows(4).any(|w| w == b"Emma"));
        assert!(clean.windows(4).any(|w| w == b"PIXL"));
        assert_eq!(image_data(&clean).unwrap(), image_data(&file).unwrap());
        assert!(super::scan(&clean).unwrap().findings.is_empty());
    }

    #[test]
    fn trailer_is_cut() {
        let mut file = sample(&[]);
        let len = file.len();
        file.extend_from_slice(b"\0\0\0\x10ftypmp42\0\0\0\0");
        let clean = rebuild(&file, &Policy::default()).unwrap();
        assert_eq!(clean.len(), len);
    }

    #[test]
    fn truncations_are_errors_not_panics() {
        let file = sample(&[]);
        for len in 0..file.len() {
            let _ = scan(&file[..len]);
            let _ = rebuild(&file[..len], &Policy::default());
        }
    }

    #[test]
    fn rewrap_makes_a_sub_directory_readable() {
        let gps = orientation_only(1); // any valid TIFF will do
        let wrapped = rewrap(&gps, 0x8825).unwrap();
        assert!(Exif::parse(&wrapped).is_ok());
    }
}
