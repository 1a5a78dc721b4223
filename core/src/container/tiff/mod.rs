//! TIFF: a header, a chain of image file directories (IFDs), and data
//! anywhere in the file that the directories point to (read by the shared
//! walker, [`crate::metadata::ifd`]).
//!
//! Cleaning writes the file anew ([`plan`]): a new header, then the strips
//! or tiles of every kept page copied from the input (the only input bytes
//! in the output), then new directories written from validated values —
//! the image structure (each tag of its required type and count), a rebuilt
//! ICC profile, and the tags and blocks of the categories the policy keeps.
//! Old directories, EXIF/GPS, maker notes, thumbnails, SubIFD images and
//! every byte no directory points to are simply not written. Further full
//! pages are kept, each rebuilt the same way.
//!
//! Camera raw files built on TIFF are only scanned ([`raw`]).

mod raw;
mod write;

pub use raw::{is_raw, scan_raw};

use super::unsupported;
use crate::findings::{Category, Finding, Scan};
use crate::format::Format;
use crate::metadata::exif::Exif;
use crate::metadata::ifd::{
    self, Directories, Entry, Ifd, Node, Order, EXIF_IFD, GPS_IFD, INTEROP_IFD, SUB_IFDS,
    TIFF_LIMITS,
};
use crate::metadata::{icc, iptc, xmp};
use crate::plan::{Inspection, Pieces, Plan};
use crate::policy::Policy;
use crate::Error;
use exif::{Context, Tag};
use std::ops::Range;
use write::{OutEntry, OutIfd};

const NEW_SUBFILE_TYPE: u16 = 0x00FE;
const SUBFILE_TYPE: u16 = 0x00FF;
const IMAGE_WIDTH: u16 = 0x0100;
const IMAGE_LENGTH: u16 = 0x0101;
const BITS_PER_SAMPLE: u16 = 0x0102;
const COMPRESSION: u16 = 0x0103;
const PHOTOMETRIC: u16 = 0x0106;
const STRIP_OFFSETS: u16 = 0x0111;
const ORIENTATION: u16 = 0x0112;
const SAMPLES_PER_PIXEL: u16 = 0x0115;
const STRIP_BYTE_COUNTS: u16 = 0x0117;
const RESOLUTION_UNIT: u16 = 0x0128;
const PLANAR_CONFIGURATION: u16 = 0x011C;
const TILE_OFFSETS: u16 = 0x0144;
const TILE_BYTE_COUNTS: u16 = 0x0145;
const JPEG_TABLES: u16 = 0x015B;
const YCBCR_POSITIONING: u16 = 0x0213;
const JPEG_IF: u16 = 0x0201;
const JPEG_IF_LENGTH: u16 = 0x0202;
const XMP: u16 = 0x02BC;
const IPTC: u16 = 0x83BB;
const PHOTOSHOP: u16 = 0x8649;
const ICC: u16 = 0x8773;
const MAKER_NOTE: u16 = 0x927C;

/// How many values a structure tag holds.
#[derive(Clone, Copy, Debug)]
enum Count {
    Exactly(u32),
    /// One per sample (SamplesPerPixel), or a single value for all.
    PerSample,
    /// At most one per sample.
    AtMostPerSample,
    /// One of these multiples of 2^BitsPerSample (a curve or a colour map).
    Curve(&'static [u32]),
    /// Matched against another tag elsewhere (strip offsets and counts),
    /// or a block read on its own (JPEG tables, ICC).
    Any,
}

const SHORT: &[u16] = &[3];
const LONG: &[u16] = &[4];
const SHORT_LONG: &[u16] = &[3, 4];
const RATIONAL: &[u16] = &[5];
const BLOCK: &[u16] = &[1, 7];
const NUMBER: &[u16] = &[1, 3, 4, 5, 6, 8, 9, 10, 11, 12];

/// Tags that describe how to decode and show the image: always written
/// into the new directory of a page when they are of their required type
/// and count. (The ICC profile is rebuilt by its own reader.)
const STRUCTURE: &[(u16, &[u16], Count)] = &[
    (NEW_SUBFILE_TYPE, LONG, Count::Exactly(1)),
    (SUBFILE_TYPE, SHORT, Count::Exactly(1)),
    (IMAGE_WIDTH, SHORT_LONG, Count::Exactly(1)),
    (IMAGE_LENGTH, SHORT_LONG, Count::Exactly(1)),
    (BITS_PER_SAMPLE, SHORT, Count::PerSample),
    (COMPRESSION, SHORT, Count::Exactly(1)),
    (PHOTOMETRIC, SHORT, Count::Exactly(1)),
    (0x0107, SHORT, Count::Exactly(1)), // Threshholding
    (0x010A, SHORT, Count::Exactly(1)), // FillOrder
    (STRIP_OFFSETS, SHORT_LONG, Count::Any),
    (ORIENTATION, SHORT, Count::Exactly(1)),
    (SAMPLES_PER_PIXEL, SHORT, Count::Exactly(1)),
    (0x0116, SHORT_LONG, Count::Exactly(1)), // RowsPerStrip
    (STRIP_BYTE_COUNTS, SHORT_LONG, Count::Any),
    (0x0118, SHORT, Count::PerSample),     // MinSampleValue
    (0x0119, SHORT, Count::PerSample),     // MaxSampleValue
    (0x011A, RATIONAL, Count::Exactly(1)), // XResolution
    (0x011B, RATIONAL, Count::Exactly(1)), // YResolution
    (PLANAR_CONFIGURATION, SHORT, Count::Exactly(1)),
    (0x0122, SHORT, Count::Exactly(1)),  // GrayResponseUnit
    (0x0123, SHORT, Count::Curve(&[1])), // GrayResponseCurve
    (0x0124, LONG, Count::Exactly(1)),   // T4Options
    (0x0125, LONG, Count::Exactly(1)),   // T6Options
    (RESOLUTION_UNIT, SHORT, Count::Exactly(1)),
    (0x0129, SHORT, Count::Exactly(2)),      // PageNumber
    (0x012D, SHORT, Count::Curve(&[1, 3])),  // TransferFunction
    (0x013D, SHORT, Count::Exactly(1)),      // Predictor
    (0x013E, RATIONAL, Count::Exactly(2)),   // WhitePoint
    (0x013F, RATIONAL, Count::Exactly(6)),   // PrimaryChromaticities
    (0x0140, SHORT, Count::Curve(&[3])),     // ColorMap
    (0x0142, SHORT_LONG, Count::Exactly(1)), // TileWidth
    (0x0143, SHORT_LONG, Count::Exactly(1)), // TileLength
    (TILE_OFFSETS, SHORT_LONG, Count::Any),
    (TILE_BYTE_COUNTS, SHORT_LONG, Count::Any),
    (0x014C, SHORT, Count::Exactly(1)),      // InkSet
    (0x014E, SHORT, Count::Exactly(1)),      // NumberOfInks
    (0x0152, SHORT, Count::AtMostPerSample), // ExtraSamples
    (0x0153, SHORT, Count::PerSample),       // SampleFormat
    (0x0154, NUMBER, Count::PerSample),      // SMinSampleValue
    (0x0155, NUMBER, Count::PerSample),      // SMaxSampleValue
    (JPEG_TABLES, BLOCK, Count::Any),
    (0x0211, RATIONAL, Count::Exactly(3)), // YCbCrCoefficients
    (0x0212, SHORT, Count::Exactly(2)),    // YCbCrSubSampling
    (YCBCR_POSITIONING, SHORT, Count::Exactly(1)),
    (0x0214, RATIONAL, Count::Exactly(6)), // ReferenceBlackWhite
];

/// Structure tags the picture can be shown without: a malformed one is
/// left out (and reported); any other malformed one makes the file refused.
const DISPENSABLE: &[u16] = &[
    NEW_SUBFILE_TYPE,
    SUBFILE_TYPE,
    0x0107,
    ORIENTATION,
    0x0118,
    0x0119,
    0x011A,
    0x011B,
    0x0122,
    0x0123,
    RESOLUTION_UNIT,
    0x0129,
    0x012D,
    0x013E,
    0x013F,
    0x0154,
    0x0155,
    YCBCR_POSITIONING,
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
    (raw::DNG_VERSION, "DNGVersion", None),
    (0xC614, "UniqueCameraModel", None),
    (0xC615, "LocalizedCameraModel", None),
    (0xC62F, "CameraSerialNumber", None),
    (0xC634, "DNGPrivateData", None),
    (0xC68B, "OriginalRawFileName", None),
];

// ---------------------------------------------------------------------------
// The parsed file.

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
        let Directories { order, chain } = ifd::read(data, magic, TIFF_LIMITS)?;
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

    /// The image data of every page, page by page, in order.
    fn page_strips(&self) -> Result<Vec<Vec<Range<usize>>>, Error> {
        let mut pages = Vec::new();
        for n in self.pages() {
            let ifd = &self.chain[n].ifd;
            if self.first(ifd, COMPRESSION) == Some(6) {
                return Err(Error::Unsupported(
                    "old-style JPEG-compressed TIFF (compression 6) cannot be cleaned safely"
                        .into(),
                ));
            }
            match self.strips(ifd)? {
                Some(strips) => pages.push(strips),
                None => {
                    return Err(Error::damaged(format!(
                        "TIFF page {} has no strips or tiles",
                        n + 1
                    )))
                }
            }
        }
        Ok(pages)
    }

    /// The image data of every page, in order.
    fn image_ranges(&self) -> Result<Vec<Range<usize>>, Error> {
        Ok(self.page_strips()?.into_iter().flatten().collect())
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
        out.extend(node.ifd.ranges());
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

    /// Every range some directory points to: the header, directories,
    /// values, strips and tiles of every image, thumbnails. What lies
    /// outside these no reader of the file sees, but a byte search does.
    fn referenced(&self) -> Vec<Range<usize>> {
        let dirs = Directories {
            order: self.order,
            chain: self.chain.clone(),
        };
        let mut ranges = dirs.structure();
        for node in dirs.all() {
            if let Ok(Some(strips)) = self.strips(&node.ifd) {
                ranges.extend(strips);
            }
            if let (Some(start), Some(len)) = (
                self.first(&node.ifd, JPEG_IF),
                self.first(&node.ifd, JPEG_IF_LENGTH),
            ) {
                ranges.extend(self.data_range(start, len, "thumbnail").ok());
            }
        }
        ranges
    }

    /// Refuses a file whose metadata lies inside its image data: it could
    /// not be removed without changing the picture.
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

    /// An entry's value as it is to be written again.
    fn copy(&self, e: &Entry) -> OutEntry {
        OutEntry {
            tag: e.tag,
            typ: e.typ,
            count: e.count,
            bytes: e.bytes(self.data).to_vec(),
        }
    }
}

// ---------------------------------------------------------------------------
// Structure tags.

impl Tiff<'_> {
    /// Whether structure entry `e` of `ifd` has its required type, count
    /// and values; `None` if `e` is not a structure tag.
    fn well_formed(&self, ifd: &Ifd, e: &Entry) -> Option<bool> {
        let (_, types, count) = STRUCTURE.iter().find(|s| s.0 == e.tag)?;
        if !e.known_type || !types.contains(&e.typ) {
            return Some(false);
        }
        let samples = self.first(ifd, SAMPLES_PER_PIXEL).unwrap_or(1);
        let bits = self.first(ifd, BITS_PER_SAMPLE).unwrap_or(1).min(16);
        let n = u64::from(e.count);
        let count_ok = match count {
            Count::Exactly(k) => n == u64::from(*k),
            Count::PerSample => n == samples || n == 1,
            Count::AtMostPerSample => n <= samples,
            Count::Curve(multiples) => multiples.iter().any(|&m| n == u64::from(m) << bits),
            Count::Any => true,
        };
        let value = self.first(ifd, e.tag);
        let value_ok = match e.tag {
            ORIENTATION => value.is_some_and(|v| (1..=8).contains(&v)),
            RESOLUTION_UNIT => value.is_some_and(|v| (1..=3).contains(&v)),
            PLANAR_CONFIGURATION | YCBCR_POSITIONING => value.is_some_and(|v| v == 1 || v == 2),
            JPEG_TABLES => jpeg_tables_ok(e.bytes(self.data)),
            _ => true,
        };
        Some(count_ok && value_ok)
    }

    /// Malformed structure tags of a page, reported as not understood.
    fn scan_structure(&self, node: &Node, names: &Names) -> Scan {
        let mut scan = Scan::default();
        for e in &node.ifd.entries {
            if self.well_formed(&node.ifd, e) == Some(false) {
                scan.push(Finding::new(
                    Category::Unknown,
                    &names.ifd,
                    &kamadak_name(e.tag, Context::Tiff),
                    format!(
                        "type {}, {} values: not what this tag holds",
                        e.typ, e.count
                    ),
                ));
            }
        }
        scan
    }
}

/// JPEG tables hold quantisation and Huffman tables only: SOI, DQT, DHT
/// (and DRI) segments, EOI — no application segment or comment.
fn jpeg_tables_ok(bytes: &[u8]) -> bool {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return false;
    }
    let mut pos = 2;
    loop {
        match (bytes.get(pos), bytes.get(pos + 1)) {
            (Some(0xFF), Some(0xD9)) => return bytes[pos + 2..].iter().all(|&b| b == 0),
            (Some(0xFF), Some(0xDB | 0xC4 | 0xDD)) => {
                let Some(len) = Order::Big.u16(bytes, pos + 2) else {
                    return false;
                };
                pos += 2 + usize::from(len);
            }
            _ => return false,
        }
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
    /// Everything the file's metadata would tell, directory by directory,
    /// and the bytes no directory points to.
    fn scan(&self) -> Result<Scan, Error> {
        let mut scan = Scan::default();
        for n in 0..self.chain.len() {
            scan.extend(self.scan_ifd(n)?);
        }
        let unreferenced = ifd::unreferenced_nonzero(self.data, &self.referenced());
        if unreferenced > 0 {
            scan.push(Finding::new(
                Category::Unknown,
                "TIFF",
                "UnreferencedData",
                format!("{unreferenced} bytes that no directory points to (an old directory left by an editor, or hidden data)"),
            ));
        }
        Ok(scan)
    }

    fn scan_ifd(&self, n: usize) -> Result<Scan, Error> {
        let node = &self.chain[n];
        let names = Names::new(n);
        let mut scan = self.scan_exif(node, &names)?;
        if self.role(n) == Role::Page {
            scan.extend(self.scan_structure(node, &names));
        }
        for e in &node.ifd.entries {
            if let Some(block) = self.block_scan(e, &names)? {
                scan.extend(block);
            } else if e.tag == ICC {
                scan.extend(icc::scan(e.bytes(self.data), &names.icc));
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
            .map(|s| s.0)
            .chain([XMP, IPTC, PHOTOSHOP, SUB_IFDS, ICC])
            .map(|t| kamadak_name(t, Context::Tiff))
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
        write::directories_only(&[self.copy_all(node)], self.order)
    }

    fn copy_all(&self, node: &Node) -> OutIfd {
        let pointers = [EXIF_IFD, GPS_IFD, INTEROP_IFD, SUB_IFDS];
        OutIfd {
            entries: node
                .ifd
                .entries
                .iter()
                .filter(|e| !pointers.contains(&e.tag))
                .map(|e| self.copy(e))
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
// ---------------------------------------------------------------------------
// Cleaning.

impl Tiff<'_> {
    /// The new directory of page `n`: image structure of its required types,
    /// a rebuilt ICC profile, and the tags and blocks of the categories
    /// `policy` keeps, each written anew. `scan` is the file's scan.
    fn clean_ifd(&self, n: usize, policy: &Policy, scan: &Scan) -> Result<OutIfd, Error> {
        let node = &self.chain[n];
        let names = Names::new(n);
        let mut out = OutIfd::default();
        for e in &node.ifd.entries {
            let bytes = e.bytes(self.data);
            let block = |typ: u16, bytes: Vec<u8>| OutEntry {
                tag: e.tag,
                typ,
                count: bytes.len() as u32,
                bytes,
            };
            let written = match (e.tag, self.well_formed(&node.ifd, e)) {
                (_, Some(true)) => Some(self.copy(e)),
                (_, Some(false)) if DISPENSABLE.contains(&e.tag) => None,
                (tag, Some(false)) => {
                    return Err(Error::damaged(format!(
                        "TIFF tag {tag} (type {}, {} values) is not what the picture needs to be shown: it cannot be cleaned with certainty",
                        e.typ, e.count
                    )))
                }
                (ICC, None) => icc::rebuild(bytes).ok().map(|p| block(7, p)),
                // A block is cut down only if the policy keeps something
                // in it beyond rendering (which a TIFF's own tags carry).
                (XMP | PHOTOSHOP | IPTC, None) if !self.keeps_some(e, &names, policy)? => None,
                (XMP, None) => xmp::filter(bytes, policy).map(|p| block(block_type(e), p)),
                (PHOTOSHOP, None) => {
                    iptc::filter_photoshop(bytes, policy).map(|p| block(block_type(e), p))
                }
                (IPTC, None) => filter_iim(bytes, policy).map(|p| block(7, p)),
                (_, None) => kept_category(e, self.data, Context::Tiff, &names.ifd, scan, policy)
                    .map(|_| self.copy(e)),
            };
            out.entries.extend(written);
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
                .filter_map(|e| {
                    let category = kept_category(e, self.data, context, &block, scan, policy)?;
                    Some((e, category))
                })
                .collect();
            // Rendering tags alone (ExifVersion, ColorSpace…) do not change
            // how a TIFF is shown: no EXIF directory is written just for them.
            if kept.iter().any(|k| k.1 != Category::Rendering) {
                let entries = kept.iter().map(|k| self.copy(k.0)).collect();
                let children = Vec::new();
                out.children.push((tag, OutIfd { entries, children }));
            }
        }
        Ok(out)
    }
}

impl Tiff<'_> {
    /// Whether `policy` keeps anything beyond rendering in block entry `e`.
    fn keeps_some(&self, e: &Entry, names: &Names, policy: &Policy) -> Result<bool, Error> {
        Ok(self
            .block_scan(e, names)?
            .is_some_and(|block| policy.keeps_some(&block)))
    }
}

/// The type a block entry is written with: its own if it is BYTE or
/// UNDEFINED, else BYTE.
fn block_type(e: &Entry) -> u16 {
    if e.typ == 7 {
        7
    } else {
        1
    }
}

/// An IPTC IIM record cut down to what `policy` keeps, by the Photoshop
/// filter (the record wrapped as resource 0x0404 and unwrapped again).
fn filter_iim(iim: &[u8], policy: &Policy) -> Option<Vec<u8>> {
    let len = u32::try_from(iim.len()).ok()?;
    let mut irb = b"8BIM\x04\x04\0\0".to_vec();
    irb.extend_from_slice(&len.to_be_bytes());
    irb.extend_from_slice(iim);
    if irb.len() % 2 == 1 {
        irb.push(0);
    }
    let filtered = iptc::filter_photoshop(&irb, policy)?;
    // The one resource left: signature, id, empty name, length, record.
    if filtered.get(..8)? != b"8BIM\x04\x04\0\0" {
        return None;
    }
    let len = Order::Big.u32(&filtered, 8)? as usize;
    filtered
        .get(12..12usize.checked_add(len)?)
        .map(<[u8]>::to_vec)
}

/// The category of a tag that is copied: plain data of a category the
/// policy keeps — a tag kamadak-exif knows, of a known type, not a maker
/// note or a pointer (those have no finding), text with nothing after its
/// end. `None`: not copied.
fn kept_category(
    e: &Entry,
    data: &[u8],
    context: Context,
    block: &str,
    scan: &Scan,
    policy: &Policy,
) -> Option<Category> {
    if !e.known_type || e.tag == MAKER_NOTE || Tag(context, e.tag).description().is_none() {
        return None;
    }
    if e.typ == 2 {
        let bytes = e.bytes(data);
        let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
        if bytes[end..].iter().any(|&b| b != 0) {
            return None;
        }
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

/// Points the strip or tile offsets of `ifd` at `offsets` (LONG).
fn set_offsets(ifd: &mut OutIfd, offsets: &[u32], order: Order) {
    for e in &mut ifd.entries {
        if e.tag == STRIP_OFFSETS || e.tag == TILE_OFFSETS {
            e.typ = 4;
            e.count = offsets.len() as u32;
            e.bytes = offsets.iter().flat_map(|&o| order.u32_bytes(o)).collect();
        }
    }
}

fn offset_u32(at: usize) -> Result<u32, Error> {
    u32::try_from(at).map_err(|_| {
        Error::damaged("the cleaned TIFF would be larger than 4 GB, past what a TIFF can address")
    })
}

fn to_u64(ranges: &[Range<usize>]) -> Vec<Range<u64>> {
    ranges
        .iter()
        .map(|r| r.start as u64..r.end as u64)
        .collect()
}

// ---------------------------------------------------------------------------
// The container contract.

/// Everything a TIFF's metadata would tell a stranger: EXIF, GPS, XMP,
/// IPTC and Photoshop blocks of every directory, thumbnails and SubIFDs,
/// malformed structure and bytes no directory points to.
pub fn scan(data: &[u8]) -> Result<Scan, Error> {
    Tiff::parse(data)?.scan()
}

/// What a TIFF says, and the strips or tiles of its pages.
pub fn inspect(data: &[u8]) -> Result<Inspection, Error> {
    let tiff = Tiff::parse(data)?;
    Ok(Inspection {
        format: Format::Tiff,
        scan: tiff.scan()?,
        media: to_u64(&tiff.image_ranges()?),
    })
}

/// The cleaned TIFF as pieces: a new header, the strips or tiles of every
/// page copied from the input one after the other, then new directories
/// (their strip offsets pointing at the copies). Nothing else of the input
/// is copied. Refuses camera raws, BigTIFF, old-style JPEG compression,
/// malformed image structure and metadata inside image data.
pub fn plan(data: &[u8], policy: &Policy) -> Result<Plan, Error> {
    if is_raw(data) {
        return Err(unsupported(Format::Raw));
    }
    let tiff = Tiff::parse(data)?;
    let scan = tiff.scan()?;
    let pages = tiff.page_strips()?;
    let image: Vec<Range<usize>> = pages.iter().flatten().cloned().collect();
    tiff.check_no_overlap(&image)?;
    if image
        .iter()
        .any(|r| jpeg_strip_has_metadata(&data[r.clone()]))
    {
        return Err(Error::damaged(
            "a JPEG-compressed strip of this TIFF carries its own metadata (EXIF, XMP or a comment) inside the image data: it cannot be removed without changing the picture",
        ));
    }
    let mut ifds = Vec::new();
    let mut at = 8usize;
    for (n, strips) in tiff.pages().into_iter().zip(&pages) {
        let node = &tiff.chain[n];
        if node.ifd.get(STRIP_OFFSETS).is_some() && node.ifd.get(TILE_OFFSETS).is_some() {
            return Err(Error::damaged(format!(
                "TIFF page {} has both strips and tiles",
                n + 1
            )));
        }
        let mut ifd = tiff.clean_ifd(n, policy, &scan)?;
        let mut offsets = Vec::with_capacity(strips.len());
        for r in strips {
            offsets.push(offset_u32(at)?);
            at += r.len();
        }
        set_offsets(&mut ifd, &offsets, tiff.order);
        ifds.push(ifd);
    }
    let mut directories = write::Writer::new(at, tiff.order);
    let first = directories.chain(&ifds)?;
    let mut output = Pieces::default();
    output.push_new(&write::header(tiff.order, first));
    for r in &image {
        output.push_input(r.start as u64..r.end as u64);
    }
    output.push_new(&directories.out);
    Ok(Plan {
        input: Inspection {
            format: Format::Tiff,
            scan,
            media: to_u64(&image),
        },
        input_len: data.len() as u64,
        output,
    })
}

/// The cleaned TIFF in one buffer.
pub fn rebuild(data: &[u8], policy: &Policy) -> Result<Vec<u8>, Error> {
    plan(data, policy)?.output.to_vec(data)
}

/// The strips or tiles of every page.
pub fn image_data(data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let tiff = Tiff::parse(data)?;
    Ok(tiff.image_ranges()?.into_iter().map(|r| &data[r]).collect())
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
        let short = |v: u16| order.u16_bytes(v).to_vec();
        let long = |v: u32| order.u32_bytes(v).to_vec();
        let e = |tag, typ, count, bytes: Vec<u8>| OutEntry {
            tag,
            typ,
            count,
            bytes,
        };
        let entries = vec![
            e(IMAGE_WIDTH, 3, 1, short(4)),
            e(IMAGE_LENGTH, 3, 1, short(2)),
            e(BITS_PER_SAMPLE, 3, 1, short(8)),
            e(PHOTOMETRIC, 3, 1, short(1)),
            e(STRIP_OFFSETS, 4, 1, long(8)),
            e(SAMPLES_PER_PIXEL, 3, 1, short(1)),
            e(0x0116, 3, 1, short(2)),
            e(STRIP_BYTE_COUNTS, 4, 1, long(8)),
            e(0x013B, 2, 12, b"Jane Parent\0".to_vec()),
        ];
        let ifd = OutIfd {
            entries,
            children: Vec::new(),
        };
        let mut w = write::Writer::new(16, order);
        let first = w.chain(&[ifd]).unwrap();
        let mut out = write::header(order, first).to_vec();
        out.extend_from_slice(strip);
        out.extend_from_slice(&w.out);
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
    fn the_plan_copies_only_the_strip() {
        let tiff = tiny(Order::Little);
        let plan = plan(&tiff, &Policy::default()).unwrap();
        let inputs: Vec<_> = plan
            .output
            .pieces()
            .iter()
            .filter_map(|p| match p {
                crate::plan::Piece::Input(r) => Some(r.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(inputs, vec![8..16]);
    }

    #[test]
    fn bytes_nobody_points_to_are_reported_and_not_copied() {
        let mut tiff = tiny(Order::Little);
        tiff.extend_from_slice(b"CANARY after the last directory");
        let found = scan(&tiff).unwrap();
        assert!(
            found
                .findings
                .iter()
                .any(|f| f.category == Category::Unknown && f.tag == "UnreferencedData"),
            "{found:?}"
        );
        let clean = rebuild(&tiff, &Policy::default()).unwrap();
        assert!(!clean.windows(6).any(|w| w == b"CANARY"));
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
    fn jpeg_tables_hold_tables_only() {
        assert!(jpeg_tables_ok(b"\xFF\xD8\xFF\xDB\0\x03\x00\xFF\xD9"));
        assert!(!jpeg_tables_ok(b"\xFF\xD8\xFF\xFE\0\x03\x00\xFF\xD9"));
        assert!(!jpeg_tables_ok(b"\xFF\xD8\xFF\xD9CANARY"));
    }

    #[test]
    fn dng_version_makes_a_raw() {
        let tiff = tiny(Order::Little);
        assert!(!is_raw(&tiff));
        assert!(is_raw(b"IIRO\x08\0\0\0"));
        assert!(is_raw(b"II*\0\x10\0\0\0CR\x02\0"));
    }
}
