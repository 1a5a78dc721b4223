//! MPF (CIPA DC-007 Multi-Picture Format): the index of the extra images a
//! camera or phone appends after a JPEG's end — gain maps, depth maps,
//! large previews. Each of those images carries its own EXIF.

use crate::Error;

/// The signature in front of MPF data in a JPEG APP2 segment.
pub const SIGNATURE: &[u8] = b"MPF\0";

/// One image listed in the MP Index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MpEntry {
    pub attribute: u32,
    pub size: u32,
    /// Offset from the start of the MPF TIFF header (0 for the first image).
    pub offset: u32,
}

impl MpEntry {
    /// A readable name of the image type (CIPA DC-007 table 4).
    pub fn kind(&self) -> &'static str {
        match self.attribute & 0x00FF_FFFF {
            0x03_0000 => "primary image",
            0x01_0001 => "large thumbnail (VGA)",
            0x01_0002 => "large thumbnail (full HD)",
            0x01_0003 => "large thumbnail (4K)",
            0x01_0004 => "large thumbnail (8K)",
            0x01_0005 => "large thumbnail (16K)",
            0x02_0001 => "panorama frame",
            0x02_0002 => "disparity (3D) image",
            0x02_0003 => "multi-angle image",
            _ => "secondary image",
        }
    }
}

/// Reads the MP entries from MPF data (the bytes after `MPF\0`).
pub fn entries(tiff: &[u8]) -> Result<Vec<MpEntry>, Error> {
    let bad = |what: &str| Error::Damaged(format!("MPF index is damaged ({what})"));
    let little = match tiff.get(0..4) {
        Some(b"II*\0") => true,
        Some(b"MM\0*") => false,
        _ => return Err(bad("no TIFF header")),
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = tiff.get(at..at + 2)?.try_into().ok()?;
        Some(if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = tiff.get(at..at + 4)?.try_into().ok()?;
        Some(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    };
    let ifd = u32_at(4).ok_or_else(|| bad("truncated header"))? as usize;
    let count = u16_at(ifd).ok_or_else(|| bad("index directory outside the block"))? as usize;
    for i in 0..count {
        let entry = ifd + 2 + 12 * i;
        if u16_at(entry).ok_or_else(|| bad("truncated directory"))? != 0xB002 {
            continue;
        }
        let len = u32_at(entry + 4).ok_or_else(|| bad("truncated entry"))? as usize;
        let at = u32_at(entry + 8).ok_or_else(|| bad("truncated entry"))? as usize;
        if at.checked_add(len).is_none_or(|end| end > tiff.len()) {
            return Err(bad("MP entries outside the block"));
        }
        let entry_at = |k: usize| -> MpEntry {
            let base = at + 16 * k;
            MpEntry {
                attribute: u32_at(base).unwrap_or(0),
                size: u32_at(base + 4).unwrap_or(0),
                offset: u32_at(base + 8).unwrap_or(0),
            }
        };
        return Ok((0..len / 16).map(entry_at).collect());
    }
    Err(bad("no MP entry list"))
}
