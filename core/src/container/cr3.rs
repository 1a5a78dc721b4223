//! Canon CR3 raw files (ISO base media boxes with brand `crx `): read for
//! `check` only. Raw files are never cleaned.

use super::isobmff::{self, BoxHeader};
use crate::findings::{Category, Finding, Scan};
use crate::metadata::exif::Exif;
use crate::metadata::xmp;
use crate::Error;

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

fn finding(category: Category, block: &str, tag: &str, value: String) -> Finding {
    Finding::new(category, block, tag, value)
}

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

    #[test]
    fn rewrap_makes_a_sub_directory_readable() {
        // The smallest valid TIFF: one IFD holding only Orientation.
        let mut tiff = b"MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x01".to_vec();
        tiff.extend_from_slice(&[0; 6]);
        let wrapped = rewrap(&tiff, 0x8825).unwrap();
        assert!(Exif::parse(&wrapped).is_ok());
    }
}
