//! TIFF: a header, a chain of image file directories (IFDs), and data
//! anywhere in the file that the directories point to.
//!
//! The 8-byte header holds the byte order (`II` little, `MM` big endian),
//! the number 42 and the offset of the first IFD. An IFD is an entry count,
//! that many 12-byte entries (tag, type, count, then the value itself if it
//! fits in 4 bytes, else the offset of the value) and the offset of the next
//! IFD: the further pages or thumbnails of the file. Entries point to more
//! directories (EXIF, GPS, Interop, SubIFDs) and to the image data: strips
//! or tiles, whose offsets and byte counts are entries too.
//!
//! Cleaning never moves a byte of image data. The output is the input with
//! every byte that is not image data zeroed — old directories, EXIF/GPS,
//! maker notes, XMP, IPTC and Photoshop blocks, thumbnails, unknown data —
//! and cut after the last strip or tile. New allowlisted directories for
//! each page, with their values, are appended at the end and the header
//! points at the first. Thumbnails and SubIFD images are dropped; further
//! full pages are kept, each rebuilt the same way.
//!
//! Camera raw files built on TIFF (DNG, CR2, NEF, ARW, ORF, RW2…) are only
//! scanned ([`scan_raw`]); [`rebuild`] refuses them.

use super::unsupported;
use crate::container::jpeg;
use crate::findings::{Category, Finding, Scan};
use crate::metadata::exif::Exif;
use crate::metadata::{iptc, xmp};
use crate::policy::Policy;
use crate::sniff::Format;
use crate::Error;
use exif::{Context, Tag};
use std::collections::HashSet;
use std::ops::Range;

const NEW_SUBFILE_TYPE: u16 = 0x00FE;
const SUBFILE_TYPE: u16 = 0x00FF;
const IMAGE_WIDTH: u16 = 0x0100;
const IMAGE_LENGTH: u16 = 0x0101;
const COMPRESSION: u16 = 0x0103;
const PHOTOMETRIC: u16 = 0x0106;
const STRIP_OFFSETS: u16 = 0x0111;
const STRIP_BYTE_COUNTS: u16 = 0x0117;
const TILE_OFFSETS: u16 = 0x0144;
const TILE_BYTE_COUNTS: u16 = 0x0145;
const SUB_IFDS: u16 = 0x014A;
const JPEG_IF: u16 = 0x0201;
const JPEG_IF_LENGTH: u16 = 0x0202;
const XMP: u16 = 0x02BC;
const IPTC: u16 = 0x83BB;
const PHOTOSHOP: u16 = 0x8649;
const EXIF_IFD: u16 = 0x8769;
const ICC: u16 = 0x8773;
const GPS_IFD: u16 = 0x8825;
const MAKER_NOTE: u16 = 0x927C;
const INTEROP_IFD: u16 = 0xA005;
const DNG_VERSION: u16 = 0xC612;
/// Panasonic RW2: the embedded JPEG preview (with its own EXIF).
const RW2_JPEG: u16 = 0x002E;

/// Tags that describe how to decode and show the image: always copied into
/// the new directory of a page (with ICC, 34675, handled alongside).
const STRUCTURE: &[u16] = &[
    NEW_SUBFILE_TYPE,
    SUBFILE_TYPE,
    IMAGE_WIDTH,
    IMAGE_LENGTH,
    0x0102, // BitsPerSample
    COMPRESSION,
    PHOTOMETRIC,
    0x0107, // Threshholding
    0x010A, // FillOrder
    STRIP_OFFSETS,
    0x0112, // Orientation
    0x0115, // SamplesPerPixel
    0x0116, // RowsPerStrip
    STRIP_BYTE_COUNTS,
    0x0118, // MinSampleValue
    0x0119, // MaxSampleValue
    0x011A, // XResolution
    0x011B, // YResolution
    0x011C, // PlanarConfiguration
    0x0122, // GrayResponseUnit
    0x0123, // GrayResponseCurve
    0x0124, // T4Options
    0x0125, // T6Options
    0x0128, // ResolutionUnit
    0x0129, // PageNumber
    0x012D, // TransferFunction
    0x013D, // Predictor
    0x013E, // WhitePoint
    0x013F, // PrimaryChromaticities
    0x0140, // ColorMap
    0x0142, // TileWidth
    0x0143, // TileLength
    TILE_OFFSETS,
    TILE_BYTE_COUNTS,
    0x014C, // InkSet
    0x014E, // NumberOfInks
    0x0152, // ExtraSamples
    0x0153, // SampleFormat
    0x0154, // SMinSampleValue
    0x0155, // SMaxSampleValue
    0x015B, // JPEGTables
    0x0211, // YCbCrCoefficients
    0x0212, // YCbCrSubSampling
    0x0213, // YCbCrPositioning
    0x0214, // ReferenceBlackWhite
    ICC,
];

/// Tags kamadak-exif has no name for, named for the report, with the
/// category they really belong to when it is not the default (device).
const NAMED: &[(u16, &str, Option<Category>)] = &[
    (0x010D, "DocumentName", None),
    (0x011D, "PageName", None),
    (0x013C, "HostComputer", None),
    (0x830E, "ModelPixelScaleTag", Some(Category::Location)),
    (0x8482, "ModelTiePointTag", Some(Category::Location)),
    (0x85D8, "ModelTransformationTag", Some(Category::Location)),
    (0x87AF, "GeoTiffDirectory", Some(Category::Location)),
    (0x87B0, "GeoTiffDoubleParams", Some(Category::Location)),
    (0x87B1, "GeoTiffAsciiParams", Some(Category::Location)),
    (0x935C, "ImageSourceData", Some(Category::Preview)),
    (0x9C9B, "XPTitle", None),
    (0x9C9C, "XPComment", None),
    (0x9C9D, "XPAuthor", None),
    (0x9C9E, "XPKeywords", None),
    (0x9C9F, "XPSubject", None),
    (0xC4A5, "PrintIM", None),
    (DNG_VERSION, "DNGVersion", None),
    (0xC614, "UniqueCameraModel", None),
    (0xC615, "LocalizedCameraModel", None),
    (0xC62F, "CameraSerialNumber", None),
    (0xC634, "DNGPrivateData", None),
    (0xC68B, "OriginalRawFileName", None),
];

/// Photometric interpretations and compressions only camera raw files use.
const RAW_PHOTOMETRIC: &[u64] = &[32803, 34892];
const RAW_COMPRESSION: &[u64] = &[32767, 32769, 32770, 32867, 34316, 34713, 65000, 65535];
/// Magic numbers of TIFF-structured raws: Panasonic RW2, Olympus ORF.
const RAW_MAGIC: &[u16] = &[0x0055, 0x4F52, 0x5352];

/// At most this many directories are read from one file.
const MAX_IFDS: usize = 4096;
/// SubIFDs inside SubIFDs are followed this deep.
const MAX_DEPTH: usize = 4;
/// Directories are written with their values copied, once per entry, so
/// entries that point at the same bytes multiply them: a 1 MB TIFF of
/// 40,000 entries over one 500 KB value asked for 20 GB. Distinct values
/// cannot add up to more than the file; this much more is allowed for
/// entries that share a small value (two resolutions pointing at one
/// rational, say).
const SHARED_VALUE_SLACK: usize = 1 << 20;

// ---------------------------------------------------------------------------
// Bytes in either order.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Order {
    Little,
    Big,
}

impl Order {
    fn u16(self, data: &[u8], at: usize) -> Option<u16> {
        let b: [u8; 2] = data.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(match self {
            Order::Little => u16::from_le_bytes(b),
            Order::Big => u16::from_be_bytes(b),
        })
    }

    fn u32(self, data: &[u8], at: usize) -> Option<u32> {
        let b: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(match self {
            Order::Little => u32::from_le_bytes(b),
            Order::Big => u32::from_be_bytes(b),
        })
    }

    fn u16_bytes(self, v: u16) -> [u8; 2] {
        match self {
            Order::Little => v.to_le_bytes(),
            Order::Big => v.to_be_bytes(),
        }
    }

    fn u32_bytes(self, v: u32) -> [u8; 4] {
        match self {
            Order::Little => v.to_le_bytes(),
            Order::Big => v.to_be_bytes(),
        }
    }

    /// The two bytes that name this order in a header.
    fn mark(self) -> &'static [u8; 2] {
        match self {
            Order::Little => b"II",
            Order::Big => b"MM",
        }
    }
}

// ---------------------------------------------------------------------------
// Directories.

/// One directory entry, with where its value lies in the file.
#[derive(Clone, Debug)]
struct Entry {
    tag: u16,
    typ: u16,
    count: u32,
    /// The value bytes: inside the entry if they fit in 4 bytes, else where
    /// the entry points. For a type this reader does not know, the entry's
    /// 4-byte value field.
    value: Range<usize>,
    known_type: bool,
}

impl Entry {
    /// The value bytes (the range was checked when the entry was read).
    fn bytes<'a>(&self, data: &'a [u8]) -> &'a [u8] {
        data.get(self.value.clone()).unwrap_or(&[])
    }

    fn out_of_line(&self) -> bool {
        self.known_type && self.value.len() > 4
    }

    /// The values of an integer entry (BYTE, SHORT, LONG or IFD).
    fn uints(&self, data: &[u8], order: Order) -> Result<Vec<u64>, Error> {
        let bytes = self.bytes(data);
        let values = match self.typ {
            1 => bytes.iter().map(|&b| u64::from(b)).collect(),
            3 => (0..bytes.len() / 2)
                .filter_map(|i| order.u16(bytes, i * 2).map(u64::from))
                .collect(),
            4 | 13 => (0..bytes.len() / 4)
                .filter_map(|i| order.u32(bytes, i * 4).map(u64::from))
                .collect(),
            t => {
                return Err(Error::damaged(format!(
                    "TIFF tag {} has type {t}, where a number is needed",
                    self.tag
                )))
            }
        };
        Ok(values)
    }
}

/// The size of one value of a TIFF field type, if the type is known.
fn type_size(typ: u16) -> Option<usize> {
    match typ {
        1 | 2 | 6 | 7 => Some(1),
        3 | 8 => Some(2),
        4 | 9 | 11 | 13 => Some(4),
        5 | 10 | 12 => Some(8),
        _ => None,
    }
}

/// One directory as read from the file.
#[derive(Clone, Debug)]
struct Ifd {
    offset: usize,
    entries: Vec<Entry>,
    next: u32,
}

impl Ifd {
    fn get(&self, tag: u16) -> Option<&Entry> {
        self.entries.iter().find(|e| e.tag == tag)
    }

    /// The bytes of the entry table, count and next-IFD offset included.
    fn table(&self) -> Range<usize> {
        self.offset..self.offset + 6 + 12 * self.entries.len()
    }

    fn first(&self, data: &[u8], order: Order, tag: u16) -> Option<u64> {
        self.get(tag)?.uints(data, order).ok()?.first().copied()
    }
}

/// A directory with the directories it points to, by the pointing tag
/// (EXIF, GPS, Interop; SubIFDs once per sub-image).
#[derive(Clone, Debug)]
struct Node {
    ifd: Ifd,
    children: Vec<(u16, Node)>,
}

impl Node {
    fn child(&self, tag: u16) -> Option<&Node> {
        self.children.iter().find(|c| c.0 == tag).map(|c| &c.1)
    }

    fn sub_ifds(&self) -> impl Iterator<Item = &Node> {
        self.children
            .iter()
            .filter(|c| c.0 == SUB_IFDS)
            .map(|c| &c.1)
    }
}

/// Which directories a directory may point to.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Image,
    Exif,
    Other,
}

/// Reads directories, refusing loops and any value outside the file.
struct Walker<'a> {
    data: &'a [u8],
    order: Order,
    seen: HashSet<usize>,
}

impl Walker<'_> {
    fn ifd(&mut self, offset: u32) -> Result<Ifd, Error> {
        let at = offset as usize;
        if at < 8 {
            return Err(Error::damaged(format!(
                "a TIFF directory offset ({at}) points into the header"
            )));
        }
        if !self.seen.insert(at) {
            return Err(Error::damaged(format!(
                "the TIFF directory at byte {at} is reached twice (a loop)"
            )));
        }
        if self.seen.len() > MAX_IFDS {
            return Err(Error::damaged(format!(
                "more than {MAX_IFDS} TIFF directories"
            )));
        }
        let past_end = || {
            Error::damaged(format!(
                "the TIFF directory at byte {at} runs past the end of the file"
            ))
        };
        let count = usize::from(self.order.u16(self.data, at).ok_or_else(past_end)?);
        let end = at + 2 + 12 * count;
        let next = self.order.u32(self.data, end).ok_or_else(past_end)?;
        let entries = (0..count)
            .map(|i| self.entry(at + 2 + 12 * i))
            .collect::<Result<_, _>>()?;
        Ok(Ifd {
            offset: at,
            entries,
            next,
        })
    }

    fn entry(&self, pos: usize) -> Result<Entry, Error> {
        let (o, d) = (self.order, self.data);
        let field = pos + 8..pos + 12;
        let (tag, typ, count) = match (o.u16(d, pos), o.u16(d, pos + 2), o.u32(d, pos + 4)) {
            (Some(t), Some(y), Some(c)) => (t, y, c),
            _ => return Err(Error::damaged("a TIFF directory entry is cut short")),
        };
        let size = type_size(typ).and_then(|s| s.checked_mul(count as usize));
        let (value, known_type) = match size {
            None if type_size(typ).is_some() => {
                return Err(Error::damaged(format!(
                    "TIFF tag {tag} has an impossible count"
                )))
            }
            None => (field, false),
            Some(n) if n <= 4 => (pos + 8..pos + 8 + n, true),
            Some(n) => {
                let start = o.u32(d, pos + 8).unwrap_or(u32::MAX) as usize;
                match start.checked_add(n) {
                    Some(end) if end <= d.len() && start >= 8 => (start..end, true),
                    _ => {
                        return Err(Error::damaged(format!(
                            "the value of TIFF tag {tag} ({n} bytes at byte {start}) lies outside the file"
                        )))
                    }
                }
            }
        };
        Ok(Entry {
            tag,
            typ,
            count,
            value,
            known_type,
        })
    }

    fn node(&mut self, offset: u32, kind: Kind, depth: usize) -> Result<Node, Error> {
        let ifd = self.ifd(offset)?;
        let mut children = Vec::new();
        for e in &ifd.entries {
            let child_kind = match (kind, e.tag) {
                (Kind::Image, EXIF_IFD) => Kind::Exif,
                (Kind::Image, GPS_IFD) | (Kind::Exif, INTEROP_IFD) => Kind::Other,
                (Kind::Image, SUB_IFDS) if depth < MAX_DEPTH => Kind::Image,
                _ => continue,
            };
            let offsets = e.uints(self.data, self.order)?;
            if e.tag != SUB_IFDS && offsets.len() != 1 {
                return Err(Error::damaged(format!(
                    "TIFF pointer tag {} holds {} values",
                    e.tag,
                    offsets.len()
                )));
            }
            for off in offsets {
                let off = u32::try_from(off).map_err(|_| Error::damaged("bad TIFF pointer"))?;
                children.push((e.tag, self.node(off, child_kind, depth + 1)?));
            }
        }
        Ok(Node { ifd, children })
    }
}

/// A parsed TIFF: its byte order and the chain of top-level directories.
struct Tiff<'a> {
    data: &'a [u8],
    order: Order,
    chain: Vec<Node>,
}

/// What a top-level directory holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// The main image or a further full page: kept.
    Page,
    /// A thumbnail or reduced-resolution copy: dropped.
    Reduced,
}

impl<'a> Tiff<'a> {
    /// Parses a standard TIFF (magic 42).
    fn parse(data: &'a [u8]) -> Result<Tiff<'a>, Error> {
        Tiff::parse_with(data, &[])
    }

    /// Parses a TIFF, also accepting the magic numbers in `magic`.
    fn parse_with(data: &'a [u8], magic: &[u16]) -> Result<Tiff<'a>, Error> {
        let (order, first) = header(data, magic)?;
        let mut walker = Walker {
            data,
            order,
            seen: HashSet::new(),
        };
        let mut chain = Vec::new();
        let mut next = first;
        while next != 0 {
            let node = walker.node(next, Kind::Image, 0)?;
            next = node.ifd.next;
            chain.push(node);
        }
        if chain.is_empty() {
            return Err(Error::damaged("the TIFF has no image directory"));
        }
        Ok(Tiff { data, order, chain })
    }

    fn first(&self, ifd: &Ifd, tag: u16) -> Option<u64> {
        ifd.first(self.data, self.order, tag)
    }

    /// IFD0 is always the main image; later directories are thumbnails when
    /// they say they are reduced copies or carry an EXIF-style JPEG.
    fn role(&self, n: usize) -> Role {
        let ifd = &self.chain[n].ifd;
        let reduced = self
            .first(ifd, NEW_SUBFILE_TYPE)
            .is_some_and(|v| v & 1 == 1)
            || self.first(ifd, SUBFILE_TYPE) == Some(2)
            || ifd.get(JPEG_IF).is_some();
        if n > 0 && reduced {
            Role::Reduced
        } else {
            Role::Page
        }
    }

    fn pages(&self) -> Vec<usize> {
        (0..self.chain.len())
            .filter(|&n| self.role(n) == Role::Page)
            .collect()
    }

    /// The strips or tiles of a directory, `None` if it has neither.
    fn strips(&self, ifd: &Ifd) -> Result<Option<Vec<Range<usize>>>, Error> {
        let (offsets, counts) = match (ifd.get(STRIP_OFFSETS), ifd.get(TILE_OFFSETS)) {
            (Some(o), _) => (o, ifd.get(STRIP_BYTE_COUNTS)),
            (None, Some(o)) => (o, ifd.get(TILE_BYTE_COUNTS)),
            (None, None) => return Ok(None),
        };
        let counts = counts.ok_or_else(|| {
            Error::damaged("a TIFF image has strip or tile offsets but no byte counts")
        })?;
        let offsets = offsets.uints(self.data, self.order)?;
        let counts = counts.uints(self.data, self.order)?;
        if offsets.len() != counts.len() || offsets.is_empty() {
            return Err(Error::damaged(format!(
                "a TIFF image has {} strip/tile offsets but {} byte counts",
                offsets.len(),
                counts.len()
            )));
        }
        let ranges = offsets
            .iter()
            .zip(&counts)
            .enumerate()
            .map(|(i, (&start, &len))| self.data_range(start, len, &format!("strip/tile {i}")))
            .collect::<Result<_, _>>()?;
        Ok(Some(ranges))
    }

    /// A range of the file that must lie after the header and inside it.
    fn data_range(&self, start: u64, len: u64, what: &str) -> Result<Range<usize>, Error> {
        let end = start
            .checked_add(len)
            .filter(|&e| e <= self.data.len() as u64);
        match end {
            Some(end) if start >= 8 || len == 0 => Ok(start as usize..end as usize),
            _ => Err(Error::damaged(format!(
                "TIFF {what} ({len} bytes at byte {start}) lies outside the file"
            ))),
        }
    }

    /// The image data of every page, in order.
    fn image_ranges(&self) -> Result<Vec<Range<usize>>, Error> {
        let mut ranges = Vec::new();
        for n in self.pages() {
            let ifd = &self.chain[n].ifd;
            if self.first(ifd, COMPRESSION) == Some(6) {
                return Err(Error::Unsupported(
                    "old-style JPEG-compressed TIFF (compression 6) cannot be cleaned safely"
                        .into(),
                ));
            }
            match self.strips(ifd)? {
                Some(strips) => ranges.extend(strips),
                None => {
                    return Err(Error::damaged(format!(
                        "TIFF page {} has no strips or tiles",
                        n + 1
                    )))
                }
            }
        }
        Ok(ranges)
    }

    /// Every range of the file that metadata lives in: directory tables,
    /// out-of-line values, thumbnails and SubIFD images.
    fn metadata_ranges(&self) -> Result<Vec<Range<usize>>, Error> {
        let mut ranges = Vec::new();
        for (n, node) in self.chain.iter().enumerate() {
            let is_page = self.role(n) == Role::Page;
            self.collect_metadata(node, is_page, &mut ranges)?;
        }
        Ok(ranges)
    }

    fn collect_metadata(
        &self,
        node: &Node,
        is_page: bool,
        out: &mut Vec<Range<usize>>,
    ) -> Result<(), Error> {
        out.push(node.ifd.table());
        out.extend(
            node.ifd
                .entries
                .iter()
                .filter(|e| e.out_of_line())
                .map(|e| e.value.clone()),
        );
        if !is_page {
            out.extend(self.strips(&node.ifd)?.unwrap_or_default());
        }
        if let (Some(start), Some(len)) = (
            self.first(&node.ifd, JPEG_IF),
            self.first(&node.ifd, JPEG_IF_LENGTH),
        ) {
            out.push(self.data_range(start, len, "thumbnail")?);
        }
        for (_, child) in &node.children {
            self.collect_metadata(child, false, out)?;
        }
        Ok(())
    }

    /// Refuses a file whose metadata lies inside its image data: it could
    /// not be blanked without changing the picture.
    fn check_no_overlap(&self, image: &[Range<usize>]) -> Result<(), Error> {
        let mut sorted: Vec<Range<usize>> =
            image.iter().filter(|r| !r.is_empty()).cloned().collect();
        sorted.sort_by_key(|r| r.start);
        let mut merged: Vec<Range<usize>> = Vec::new();
        for r in sorted {
            match merged.last_mut() {
                Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
                _ => merged.push(r),
            }
        }
        for m in self.metadata_ranges()? {
            let i = merged.partition_point(|r| r.end <= m.start);
            if merged.get(i).is_some_and(|r| r.start < m.end) {
                return Err(Error::damaged(format!(
                    "TIFF metadata at bytes {}..{} lies inside the image data: it cannot be removed without changing the picture",
                    m.start, m.end
                )));
            }
        }
        Ok(())
    }

    /// Whether any directory holds camera raw data (DNG, CFA sensor data,
    /// a raw-only compression).
    fn looks_raw(&self) -> bool {
        self.chain[0].ifd.get(DNG_VERSION).is_some() || self.chain.iter().any(|n| self.raw_node(n))
    }

    fn raw_node(&self, node: &Node) -> bool {
        let has = |tag, values: &[u64]| {
            self.first(&node.ifd, tag)
                .is_some_and(|v| values.contains(&v))
        };
        has(PHOTOMETRIC, RAW_PHOTOMETRIC)
            || has(COMPRESSION, RAW_COMPRESSION)
            || node.sub_ifds().any(|s| self.raw_node(s))
    }
}

/// Reads the header: byte order, magic number, first directory offset.
fn header(data: &[u8], extra_magic: &[u16]) -> Result<(Order, u32), Error> {
    let order = match data.get(..2) {
        Some(b"II") => Order::Little,
        Some(b"MM") => Order::Big,
        _ if data.len() < 8 => {
            return Err(Error::damaged(
                "truncated: the file ends inside the TIFF header",
            ))
        }
        _ => return Err(Error::damaged("not a TIFF (no II/MM byte order mark)")),
    };
    let (magic, first) = match (order.u16(data, 2), order.u32(data, 4)) {
        (Some(m), Some(f)) => (m, f),
        _ => {
            return Err(Error::damaged(
                "truncated: the file ends inside the TIFF header",
            ))
        }
    };
    match magic {
        42 => Ok((order, first)),
        43 => Err(Error::Unsupported(
            "BigTIFF files are not supported: save the picture as a regular TIFF, JPEG or PNG"
                .into(),
        )),
        m if extra_magic.contains(&m) => Ok((order, first)),
        m => Err(Error::damaged(format!(
            "not a TIFF (magic number {m}, not 42)"
        ))),
    }
}

// ---------------------------------------------------------------------------
// Writing directories.

/// One entry to write, with its value bytes (already in the file's order).
struct OutEntry<'a> {
    tag: u16,
    typ: u16,
    count: u32,
    bytes: &'a [u8],
}

impl<'a> OutEntry<'a> {
    fn copy(e: &Entry, data: &'a [u8]) -> OutEntry<'a> {
        OutEntry {
            tag: e.tag,
            typ: e.typ,
            count: e.count,
            bytes: e.bytes(data),
        }
    }
}

/// A directory to write, with the sub-directories it points to.
#[derive(Default)]
struct OutIfd<'a> {
    entries: Vec<OutEntry<'a>>,
    children: Vec<(u16, OutIfd<'a>)>,
}

fn offset_u32(at: usize) -> Result<u32, Error> {
    u32::try_from(at).map_err(|_| {
        Error::damaged("the cleaned TIFF would be larger than 4 GB, past what a TIFF can address")
    })
}

fn patch_u32(out: &mut [u8], at: usize, value: u32, order: Order) {
    if let Some(slot) = out.get_mut(at..at + 4) {
        slot.copy_from_slice(&order.u32_bytes(value));
    }
}

/// What one entry of a directory being written holds.
enum Payload<'b, 'a> {
    Bytes(&'a [u8]),
    Child(&'b OutIfd<'a>),
}

/// One entry of a directory being written.
struct Slot<'b, 'a> {
    tag: u16,
    typ: u16,
    count: u32,
    payload: Payload<'b, 'a>,
}

/// The entries of `ifd` and the pointers to its sub-directories (LONG),
/// sorted by tag as TIFF requires.
fn slots<'b, 'a>(ifd: &'b OutIfd<'a>) -> Vec<Slot<'b, 'a>> {
    let values = ifd.entries.iter().map(|e| Slot {
        tag: e.tag,
        typ: e.typ,
        count: e.count,
        payload: Payload::Bytes(e.bytes),
    });
    let children = ifd.children.iter().map(|(tag, child)| Slot {
        tag: *tag,
        typ: 4,
        count: 1,
        payload: Payload::Child(child),
    });
    let mut slots: Vec<Slot> = values.chain(children).collect();
    slots.sort_by_key(|s| s.tag);
    slots
}

fn align(out: &mut Vec<u8>) {
    if out.len() % 2 == 1 {
        out.push(0);
    }
}

/// Writes one 12-byte entry; returns where its value field is if the value
/// is written later (out of line, or a sub-directory).
fn write_entry(out: &mut Vec<u8>, slot: &Slot, order: Order) -> Option<usize> {
    out.extend_from_slice(&order.u16_bytes(slot.tag));
    out.extend_from_slice(&order.u16_bytes(slot.typ));
    out.extend_from_slice(&order.u32_bytes(slot.count));
    let field = out.len();
    let mut inline = [0u8; 4];
    let later = match slot.payload {
        Payload::Bytes(bytes) if bytes.len() <= 4 => {
            inline[..bytes.len()].copy_from_slice(bytes);
            None
        }
        _ => Some(field),
    };
    out.extend_from_slice(&inline);
    later
}

/// Appends `ifd` (table, values, then sub-directories) at the end of `out`,
/// word-aligned. Returns its offset and where its next-IFD field is.
fn write_ifd(out: &mut Vec<u8>, ifd: &OutIfd, order: Order) -> Result<(u32, usize), Error> {
    let slots = slots(ifd);
    let count = u16::try_from(slots.len()).map_err(|_| Error::damaged("too many TIFF tags"))?;
    align(out);
    let start = offset_u32(out.len())?;
    out.extend_from_slice(&order.u16_bytes(count));
    let later: Vec<(usize, &Slot)> = slots
        .iter()
        .filter_map(|slot| Some((write_entry(out, slot, order)?, slot)))
        .collect();
    let next = out.len();
    out.extend_from_slice(&[0; 4]);
    for (field, slot) in later {
        let at = match slot.payload {
            Payload::Bytes(bytes) => {
                align(out);
                let at = offset_u32(out.len())?;
                out.extend_from_slice(bytes);
                at
            }
            Payload::Child(child) => write_ifd(out, child, order)?.0,
        };
        patch_u32(out, field, at, order);
    }
    Ok((start, next))
}

/// Appends the directories as a chain and points the header at the first.
/// Writes `ifds` as the chain of top-level directories; refuses values
/// that add up to more than the input's `input_len` allows (see
/// [`SHARED_VALUE_SLACK`]).
fn write_chain(
    out: &mut Vec<u8>,
    ifds: &[OutIfd],
    order: Order,
    input_len: usize,
) -> Result<(), Error> {
    let values: usize = ifds.iter().map(value_bytes).sum();
    if values > input_len.saturating_add(SHARED_VALUE_SLACK) {
        return Err(Error::damaged(format!(
            "the TIFF's tags point at {values} bytes of values in a {input_len}-byte file: many entries share the same bytes"
        )));
    }
    let mut link = 4;
    for ifd in ifds {
        let (at, next) = write_ifd(out, ifd, order)?;
        patch_u32(out, link, at, order);
        link = next;
    }
    Ok(())
}

/// The bytes of every value written for `ifd` and its sub-directories.
fn value_bytes(ifd: &OutIfd) -> usize {
    let own: usize = ifd.entries.iter().map(|e| e.bytes.len()).sum();
    own + ifd
        .children
        .iter()
        .map(|(_, c)| value_bytes(c))
        .sum::<usize>()
}

fn write_header(out: &mut [u8], order: Order) {
    if let Some(h) = out.get_mut(..4) {
        h[..2].copy_from_slice(order.mark());
        h[2..4].copy_from_slice(&order.u16_bytes(42));
    }
}

// ---------------------------------------------------------------------------
// Findings.

/// The block names for the directory at position `n` of the chain.
struct Names {
    /// The prefix handed to the EXIF scan.
    exif: String,
    /// The block of the directory's own tags.
    ifd: String,
    xmp: String,
    iptc: String,
    icc: String,
}

impl Names {
    fn new(n: usize) -> Names {
        if n == 0 {
            Names {
                exif: "EXIF".into(),
                ifd: "EXIF IFD0".into(),
                xmp: "XMP".into(),
                iptc: "IPTC".into(),
                icc: "ICC".into(),
            }
        } else {
            Names {
                exif: format!("EXIF IFD{n}"),
                ifd: format!("EXIF IFD{n}"),
                xmp: format!("XMP IFD{n}"),
                iptc: format!("IPTC IFD{n}"),
                icc: format!("ICC IFD{n}"),
            }
        }
    }

    fn exif_ifd(&self) -> String {
        format!("{} ExifIFD", self.exif)
    }

    fn gps(&self) -> String {
        format!("{} GPS", self.exif)
    }
}

/// The name the EXIF scan gives a TIFF-context tag.
fn kamadak_name(tag: u16, context: Context) -> String {
    let t = Tag(context, tag);
    if t.description().is_some() {
        t.to_string()
    } else {
        format!("0x{tag:04X}")
    }
}

/// A blob's printable size.
fn size(bytes: &[u8]) -> String {
    format!("{} bytes", bytes.len())
}

impl Tiff<'_> {
    /// Everything the file's metadata would tell, directory by directory.
    fn scan(&self) -> Result<Scan, Error> {
        let mut scan = Scan::default();
        for n in 0..self.chain.len() {
            scan.extend(self.scan_ifd(n)?);
        }
        Ok(scan)
    }

    fn scan_ifd(&self, n: usize) -> Result<Scan, Error> {
        let node = &self.chain[n];
        let names = Names::new(n);
        let mut scan = self.scan_exif(node, &names)?;
        for e in &node.ifd.entries {
            if let Some(block) = self.block_scan(e, &names)? {
                scan.extend(block);
            } else if e.tag == ICC {
                scan.push(Finding::new(
                    Category::Rendering,
                    &names.icc,
                    "ICC_Profile",
                    size(e.bytes(self.data)),
                ));
            }
        }
        scan.extend(self.scan_images(n, &names));
        Ok(scan)
    }

    /// The EXIF findings of one directory and its EXIF/GPS/Interop
    /// directories, read by kamadak-exif from a copy of just those.
    fn scan_exif(&self, node: &Node, names: &Names) -> Result<Scan, Error> {
        let mut scan = Exif::parse(&self.metadata_only(node)?)?.scan(&names.exif);
        let own = format!("{} IFD0", names.exif);
        let hidden: Vec<String> = STRUCTURE
            .iter()
            .chain(&[XMP, IPTC, PHOTOSHOP, SUB_IFDS])
            .map(|&t| kamadak_name(t, Context::Tiff))
            .collect();
        scan.findings.retain(|f| {
            f.block != own || f.category == Category::Rendering || !hidden.contains(&f.tag)
        });
        for f in &mut scan.findings {
            if f.block == own {
                f.block.clone_from(&names.ifd);
                rename(f);
            }
        }
        Ok(scan)
    }

    /// A small TIFF holding one directory with its EXIF, GPS and Interop
    /// directories, every value copied (strips and SubIFDs left out).
    fn metadata_only(&self, node: &Node) -> Result<Vec<u8>, Error> {
        let mut out = vec![0; 8];
        write_header(&mut out, self.order);
        write_chain(
            &mut out,
            &[self.copy_all(node)],
            self.order,
            self.data.len(),
        )?;
        Ok(out)
    }

    fn copy_all(&self, node: &Node) -> OutIfd<'_> {
        let pointers = [EXIF_IFD, GPS_IFD, INTEROP_IFD, SUB_IFDS];
        OutIfd {
            entries: node
                .ifd
                .entries
                .iter()
                .filter(|e| !pointers.contains(&e.tag))
                .map(|e| OutEntry::copy(e, self.data))
                .collect(),
            children: node
                .children
                .iter()
                .filter(|c| c.0 != SUB_IFDS)
                .map(|(tag, child)| (*tag, self.copy_all(child)))
                .collect(),
        }
    }

    /// The scan of an XMP, IPTC or Photoshop block entry; `None` for any
    /// other entry.
    fn block_scan(&self, e: &Entry, names: &Names) -> Result<Option<Scan>, Error> {
        let bytes = e.bytes(self.data);
        let damaged =
            |what: &str, why: String| Error::damaged(format!("{what} block is damaged ({why})"));
        Ok(Some(match e.tag {
            XMP => xmp::scan(bytes, &names.xmp),
            IPTC => iptc::scan_iptc(bytes, &names.iptc).map_err(|w| damaged("IPTC", w))?,
            PHOTOSHOP => {
                iptc::scan_photoshop(bytes, &names.iptc).map_err(|w| damaged("Photoshop", w))?
            }
            _ => return Ok(None),
        }))
    }

    /// Thumbnails and SubIFD images, reported as previews.
    fn scan_images(&self, n: usize, names: &Names) -> Scan {
        let mut scan = Scan::default();
        let node = &self.chain[n];
        if self.role(n) == Role::Reduced {
            let tag = if node.ifd.get(JPEG_IF).is_some() {
                "ThumbnailImage"
            } else {
                "ReducedImage"
            };
            scan.push(Finding::new(
                Category::Preview,
                &names.ifd,
                tag,
                self.describe_image(node),
            ));
        }
        for (i, sub) in node.sub_ifds().enumerate() {
            scan.push(Finding::new(
                Category::Preview,
                &format!("{} SubIFD{i}", names.ifd),
                "SubIFDImage",
                self.describe_image(sub),
            ));
        }
        scan
    }

    fn describe_image(&self, node: &Node) -> String {
        let get = |tag| self.first(&node.ifd, tag).unwrap_or(0);
        let bytes: usize = match self.strips(&node.ifd) {
            Ok(Some(strips)) => strips.iter().map(|r| r.len()).sum(),
            _ => self.first(&node.ifd, JPEG_IF_LENGTH).unwrap_or(0) as usize,
        };
        format!("{}x{}, {bytes} bytes", get(IMAGE_WIDTH), get(IMAGE_LENGTH))
    }
}

/// Names a tag kamadak-exif shows as a number, and moves it to its real
/// category where that is not the default.
fn rename(f: &mut Finding) {
    let Some(number) = f
        .tag
        .strip_prefix("0x")
        .and_then(|h| u16::from_str_radix(h, 16).ok())
    else {
        return;
    };
    if let Some((_, name, category)) = NAMED.iter().find(|n| n.0 == number) {
        f.tag = (*name).to_string();
        if let Some(c) = category {
            f.category = *c;
        }
    }
}

// ---------------------------------------------------------------------------
// Cleaning.

impl Tiff<'_> {
    /// The new directory of page `n`: image structure, ICC, and the tags
    /// and blocks of the categories `policy` keeps.
    fn clean_ifd(&self, n: usize, policy: &Policy) -> Result<OutIfd<'_>, Error> {
        let node = &self.chain[n];
        let names = Names::new(n);
        let scan = self.scan_ifd(n)?;
        let mut out = OutIfd::default();
        for e in &node.ifd.entries {
            let keep = if STRUCTURE.contains(&e.tag) {
                e.known_type
            } else if let Some(block) = self.block_scan(e, &names)? {
                policy.keeps_all(&block)
            } else {
                kept_category(e, Context::Tiff, &names.ifd, &scan, policy).is_some()
            };
            if keep {
                out.entries.push(OutEntry::copy(e, self.data));
            }
        }
        let subs = [
            (EXIF_IFD, Context::Exif, names.exif_ifd()),
            (GPS_IFD, Context::Gps, names.gps()),
        ];
        for (tag, context, block) in subs {
            let Some(child) = node.child(tag) else {
                continue;
            };
            let kept: Vec<(&Entry, Category)> = child
                .ifd
                .entries
                .iter()
                .filter_map(|e| Some((e, kept_category(e, context, &block, &scan, policy)?)))
                .collect();
            // Rendering tags alone (ExifVersion, ColorSpace…) do not change
            // how a TIFF is shown: no EXIF directory is written just for them.
            if kept.iter().any(|k| k.1 != Category::Rendering) {
                let entries = kept
                    .iter()
                    .map(|k| OutEntry::copy(k.0, self.data))
                    .collect();
                let children = Vec::new();
                out.children.push((tag, OutIfd { entries, children }));
            }
        }
        Ok(out)
    }
}

/// The category of a tag that is copied: plain data of a category the
/// policy keeps — a tag kamadak-exif knows, of a known type, not a maker
/// note or a pointer (those have no finding). `None`: not copied.
fn kept_category(
    e: &Entry,
    context: Context,
    block: &str,
    scan: &Scan,
    policy: &Policy,
) -> Option<Category> {
    if !e.known_type || e.tag == MAKER_NOTE || Tag(context, e.tag).description().is_none() {
        return None;
    }
    let name = kamadak_name(e.tag, context);
    let finding = scan
        .findings
        .iter()
        .find(|f| f.block == block && f.tag == name)?;
    policy.keeps(finding.category).then_some(finding.category)
}

/// Whether a JPEG-compressed strip or tile carries metadata segments of its
/// own before its scan: any APPn but JFIF (APP0), ICC (APP2) and Adobe
/// (APP14), or a comment.
fn jpeg_strip_has_metadata(strip: &[u8]) -> bool {
    if !strip.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut pos = 2;
    while let (Some(0xFF), Some(&marker)) = (strip.get(pos), strip.get(pos + 1)) {
        match marker {
            0xE0 | 0xE2 | 0xEE => {}
            0xE1..=0xEF | 0xFE => return true,
            0xDA | 0xD9 => return false,
            _ => {}
        }
        let Some(len) = Order::Big.u16(strip, pos + 2) else {
            return false;
        };
        pos += 2 + usize::from(len);
    }
    false
}

/// A copy of the file with every byte outside `image` zeroed, cut after
/// the last byte of image data.
fn blank_copy(data: &[u8], image: &[Range<usize>]) -> Vec<u8> {
    let end = image.iter().map(|r| r.end).max().unwrap_or(0).max(8);
    let mut out = vec![0; end];
    for r in image {
        out[r.clone()].copy_from_slice(&data[r.clone()]);
    }
    out
}

// ---------------------------------------------------------------------------
// The container contract.

/// Everything a TIFF's metadata would tell a stranger: EXIF, GPS, XMP,
/// IPTC and Photoshop blocks of every directory, thumbnails and SubIFDs.
pub fn scan(data: &[u8]) -> Result<Scan, Error> {
    Tiff::parse(data)?.scan()
}

/// The cleaned TIFF: image data in place, every other byte zeroed, new
/// allowlisted directories for each page appended. Refuses camera raws,
/// BigTIFF, old-style JPEG compression and metadata inside image data.
pub fn rebuild(data: &[u8], policy: &Policy) -> Result<Vec<u8>, Error> {
    if is_raw(data) {
        return Err(unsupported(Format::Raw));
    }
    let tiff = Tiff::parse(data)?;
    let image = tiff.image_ranges()?;
    tiff.check_no_overlap(&image)?;
    if image
        .iter()
        .any(|r| jpeg_strip_has_metadata(&data[r.clone()]))
    {
        return Err(Error::damaged(
            "a JPEG-compressed strip of this TIFF carries its own metadata (EXIF, XMP or a comment) inside the image data: it cannot be removed without changing the picture",
        ));
    }
    let ifds = tiff
        .pages()
        .into_iter()
        .map(|n| tiff.clean_ifd(n, policy))
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = blank_copy(data, &image);
    write_header(&mut out, tiff.order);
    write_chain(&mut out, &ifds, tiff.order, data.len())?;
    Ok(out)
}

/// The strips or tiles of every page, in order.
pub fn image_data(data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let tiff = Tiff::parse(data)?;
    Ok(tiff.image_ranges()?.into_iter().map(|r| &data[r]).collect())
}

/// Whether `data` is a camera raw file: by its signature (CR2, ORF, RW2,
/// RAF, CR3) or, for TIFF-structured files, by a DNGVersion tag in IFD0 or
/// a directory holding sensor (CFA / linear raw) data or a raw-only
/// compression (NEF, ARW, PEF, SRW, DCR…).
pub fn is_raw(data: &[u8]) -> bool {
    let starts = |m: &[u8]| data.starts_with(m);
    if starts(b"IIRO")
        || starts(b"IIRS")
        || starts(b"MMOR")
        || starts(b"IIU\0")
        || starts(b"FUJIFILMCCD-RAW")
        || data.get(4..12) == Some(b"ftypcrx ")
    {
        return true;
    }
    if !(starts(b"II*\0") || starts(b"MM\0*")) {
        return false;
    }
    data.get(8..10) == Some(b"CR") || Tiff::parse(data).is_ok_and(|t| t.looks_raw())
}

/// Everything a camera raw file would tell: TIFF-structured raws are read
/// like a TIFF (and Panasonic's embedded JPEG too); a Fujifilm RAF's
/// embedded JPEG is read like a JPEG.
pub fn scan_raw(data: &[u8]) -> Result<Scan, Error> {
    if data.starts_with(b"FUJIFILMCCD-RAW") {
        return scan_raf(data);
    }
    if data.get(4..12) == Some(b"ftypcrx ") {
        // Canon CR3 is ISOBMFF: read by the ISOBMFF reader once it is wired.
        return Err(Error::Unsupported(format!(
            "{}; Canon CR3 files cannot be checked yet either",
            unsupported(Format::Raw)
        )));
    }
    let tiff = Tiff::parse_with(data, RAW_MAGIC)?;
    let mut scan = tiff.scan()?;
    if let Some(e) = tiff.chain[0].ifd.get(RW2_JPEG) {
        let preview = e.bytes(data);
        if preview.starts_with(&[0xFF, 0xD8]) {
            scan.push(Finding::new(
                Category::Preview,
                "EXIF IFD0",
                "JpgFromRaw",
                size(preview),
            ));
            scan.extend(prefixed(jpeg::scan(preview)?, "JpgFromRaw "));
        }
    }
    Ok(scan)
}

fn prefixed(mut scan: Scan, prefix: &str) -> Scan {
    for f in &mut scan.findings {
        f.block.insert_str(0, prefix);
    }
    for l in &mut scan.locations {
        l.source.insert_str(0, prefix);
    }
    scan
}

/// Fujifilm RAF: a big-endian header with the camera model (32 bytes at 28)
/// and the offset (at 84) and length (at 88) of an embedded JPEG that holds
/// the EXIF.
fn scan_raf(data: &[u8]) -> Result<Scan, Error> {
    let be = |at: usize| Order::Big.u32(data, at).map(u64::from);
    let (Some(start), Some(len)) = (be(84), be(88)) else {
        return Err(Error::damaged(
            "truncated: the file ends inside the RAF header",
        ));
    };
    let jpeg = start
        .checked_add(len)
        .filter(|&end| end <= data.len() as u64)
        .map(|end| &data[start as usize..end as usize])
        .ok_or_else(|| Error::damaged("the RAF's embedded JPEG lies outside the file"))?;
    let mut scan = Scan::default();
    let model: String = data
        .get(28..60)
        .unwrap_or(&[])
        .iter()
        .take_while(|&&b| b != 0)
        .map(|&b| b as char)
        .collect();
    if !model.trim().is_empty() {
        scan.push(Finding::new(Category::Device, "RAF header", "Model", model));
    }
    scan.extend(jpeg::scan(jpeg)?);
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 4x2 8-bit grey TIFF in `order`, one strip, with an Artist tag.
    fn tiny(order: Order) -> Vec<u8> {
        tiny_with(order, &[10, 20, 30, 40, 50, 60, 70, 80])
    }

    /// Like [`tiny`], with `strip` as the 8 bytes of image data.
    fn tiny_with(order: Order, strip: &[u8; 8]) -> Vec<u8> {
        let mut out = vec![0; 8];
        write_header(&mut out, order);
        out.extend_from_slice(strip);
        let short = |v: u16| order.u16_bytes(v).to_vec();
        let long = |v: u32| order.u32_bytes(v).to_vec();
        let e = |tag, typ, count, bytes: Vec<u8>| (tag, typ, count, bytes);
        let entries = [
            e(IMAGE_WIDTH, 3, 1, short(4)),
            e(IMAGE_LENGTH, 3, 1, short(2)),
            e(0x0102, 3, 1, short(8)),
            e(PHOTOMETRIC, 3, 1, short(1)),
            e(STRIP_OFFSETS, 4, 1, long(8)),
            e(0x0115, 3, 1, short(1)),
            e(0x0116, 3, 1, short(2)),
            e(STRIP_BYTE_COUNTS, 4, 1, long(8)),
            e(0x013B, 2, 12, b"Jane Parent\0".to_vec()),
        ];
        let ifd = OutIfd {
            entries: entries
                .iter()
                .map(|(tag, typ, count, bytes)| OutEntry {
                    tag: *tag,
                    typ: *typ,
                    count: *count,
                    bytes,
                })
                .collect(),
            children: Vec::new(),
        };
        write_chain(&mut out, &[ifd], order, usize::MAX).unwrap();
        out
    }

    #[test]
    fn artist_is_found_and_removed_in_both_orders() {
        for order in [Order::Little, Order::Big] {
            let tiff = tiny(order);
            let found = scan(&tiff).unwrap();
            assert!(
                found.findings.iter().any(|f| f.tag == "Artist"),
                "{found:?}"
            );
            assert!(!found.findings.iter().any(|f| f.tag == "StripOffsets"));
            let clean = rebuild(&tiff, &Policy::default()).unwrap();
            assert!(scan(&clean).unwrap().findings.is_empty());
            assert_eq!(image_data(&clean).unwrap(), image_data(&tiff).unwrap());
            let kept = rebuild(&tiff, &Policy::keep(&[Category::People])).unwrap();
            assert!(scan(&kept)
                .unwrap()
                .findings
                .iter()
                .any(|f| f.tag == "Artist"));
        }
    }

    #[test]
    fn truncations_are_errors_not_panics() {
        let tiff = tiny(Order::Big);
        for len in 0..tiff.len() - 1 {
            assert!(
                rebuild(&tiff[..len], &Policy::default()).is_err(),
                "cut at {len}"
            );
            let _ = scan(&tiff[..len]);
        }
    }

    #[test]
    fn a_directory_loop_is_an_error() {
        let mut tiff = tiny(Order::Little);
        let first = Order::Little.u32(&tiff, 4).unwrap() as usize;
        let count = usize::from(Order::Little.u16(&tiff, first).unwrap());
        let next = first + 2 + 12 * count;
        tiff[next..next + 4].copy_from_slice(&(first as u32).to_le_bytes());
        let err = scan(&tiff).unwrap_err().to_string();
        assert!(err.contains("loop"), "{err}");
    }

    #[test]
    fn jpeg_strips_with_their_own_metadata_are_refused() {
        let exif = tiny_with(Order::Little, b"\xFF\xD8\xFF\xE1\0\x02\xFF\xDA");
        let err = rebuild(&exif, &Policy::default()).unwrap_err().to_string();
        assert!(err.contains("inside the image data"), "{err}");
        let jfif = tiny_with(Order::Little, b"\xFF\xD8\xFF\xE0\0\x02\xFF\xDA");
        assert!(rebuild(&jfif, &Policy::default()).is_ok());
    }

    #[test]
    fn dng_version_makes_a_raw() {
        let tiff = tiny(Order::Little);
        assert!(!is_raw(&tiff));
        assert!(is_raw(b"IIRO\x08\0\0\0"));
        assert!(is_raw(b"II*\0\x10\0\0\0CR\x02\0"));
    }
}
