//! Camera raw files built on TIFF (DNG, CR2, NEF, ARW, ORF, RW2…) and
//! Fujifilm RAF: recognised, and scanned for `check`; never cleaned.

use super::{Tiff, COMPRESSION, PHOTOMETRIC};
use crate::container::{jpeg, unsupported};
use crate::findings::{Category, Finding, Scan};
use crate::format::Format;
use crate::metadata::ifd::{Node, Order};
use crate::Error;

pub(super) const DNG_VERSION: u16 = 0xC612;
/// Panasonic RW2: the embedded JPEG preview (with its own EXIF).
const RW2_JPEG: u16 = 0x002E;

/// Photometric interpretations and compressions only camera raw files use.
const RAW_PHOTOMETRIC: &[u64] = &[32803, 34892];
const RAW_COMPRESSION: &[u64] = &[32767, 32769, 32770, 32867, 34316, 34713, 65000, 65535];
/// Magic numbers of TIFF-structured raws: Panasonic RW2, Olympus ORF.
const RAW_MAGIC: &[u16] = &[0x0055, 0x4F52, 0x5352];

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
    data.get(8..10) == Some(b"CR") || Tiff::parse(data).is_ok_and(|t| looks_raw(&t))
}

/// Whether any directory holds camera raw data (DNG, CFA sensor data,
/// a raw-only compression).
fn looks_raw(tiff: &Tiff) -> bool {
    tiff.chain[0].ifd.get(DNG_VERSION).is_some() || tiff.chain.iter().any(|n| raw_node(tiff, n))
}

fn raw_node(tiff: &Tiff, node: &Node) -> bool {
    let has = |tag, values: &[u64]| {
        tiff.first(&node.ifd, tag)
            .is_some_and(|v| values.contains(&v))
    };
    has(PHOTOMETRIC, RAW_PHOTOMETRIC)
        || has(COMPRESSION, RAW_COMPRESSION)
        || node.sub_ifds().any(|s| raw_node(tiff, s))
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
                super::size(preview),
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
