//! Photoshop image resources: signature, id, Pascal name, sized data.

use super::iim::decode;
use super::{scan_iptc, IPTC_RESOURCE, XMP_RESOURCE};
use crate::findings::{Category, Finding, Scan};
use crate::metadata::xmp;

/// Signatures of image resource blocks: Photoshop's and those of other
/// writers (ImageReady, PhotoDeluxe, …).
const SIGNATURES: [&[u8; 4]; 4] = [b"8BIM", b"PHUT", b"DCSR", b"AgHg"];
/// At most this many resources are read from one block (each is at least
/// 12 bytes; a hostile block of millions of them is cut off, the rest
/// reported as unreadable).
const MAX_RESOURCES: usize = 10_000;

/// The resources of a block, and what keeps the rest from being read (if
/// anything but zero padding is left).
pub(super) fn parse_all(irb: &[u8]) -> (Vec<Resource<'_>>, Option<String>) {
    let mut resources = Vec::new();
    let mut pos = 0;
    while pos < irb.len() {
        if irb[pos..].iter().all(|&b| b == 0) {
            break;
        }
        if resources.len() == MAX_RESOURCES {
            let left = irb.len() - pos;
            return (
                resources,
                Some(format!(
                    "more than {MAX_RESOURCES} resources ({left} bytes left)"
                )),
            );
        }
        match Resource::parse(irb, pos) {
            Ok(resource) => {
                pos = resource.next;
                resources.push(resource);
            }
            Err(e) => return (resources, Some(format!("{e} ({} bytes)", irb.len() - pos))),
        }
    }
    (resources, None)
}

/// One image resource block.
pub(super) struct Resource<'a> {
    signature: &'a [u8],
    pub(super) id: u16,
    pub(super) name: String,
    pub(super) data: &'a [u8],
    /// Offset of the next block.
    pub(super) next: usize,
}

impl<'a> Resource<'a> {
    /// The block at `pos`: signature, id, Pascal name padded to an even
    /// length, u32 size, data padded to an even length.
    pub(super) fn parse(irb: &'a [u8], pos: usize) -> Result<Resource<'a>, String> {
        let truncated = || format!("image resource header at offset {pos} is cut short");
        let signature = irb.get(pos..pos + 4).ok_or_else(truncated)?;
        if !SIGNATURES.iter().any(|s| &s[..] == signature) {
            let shown = String::from_utf8_lossy(signature);
            return Err(format!(
                "bad image resource signature {shown:?} at offset {pos} (expected \"8BIM\")"
            ));
        }
        let id = read_u16(irb, pos + 4).ok_or_else(truncated)?;
        let name_len = usize::from(*irb.get(pos + 6).ok_or_else(truncated)?);
        let size_at = pos + 6 + ((name_len + 2) & !1);
        let size = read_u32(irb, size_at).ok_or_else(truncated)? as usize;
        let start = size_at + 4;
        let end = start.checked_add(size).filter(|&end| end <= irb.len()).ok_or_else(|| {
            let left = irb.len() - start;
            format!("image resource 0x{id:04X} at offset {pos} declares {size} bytes but only {left} remain")
        })?;
        let name = decode(&irb[pos + 7..pos + 7 + name_len], false).into_owned();
        let next = (end + (size & 1)).min(irb.len());
        Ok(Resource {
            signature,
            id,
            name,
            data: &irb[start..end],
            next,
        })
    }

    /// Writes this resource with `data` (its own, or a rebuilt version):
    /// an empty name, lengths and padding anew. `None` if too long.
    pub(super) fn write(&self, out: &mut Vec<u8>, data: &[u8]) -> Option<()> {
        out.extend_from_slice(self.signature);
        out.extend_from_slice(&self.id.to_be_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&u32::try_from(data.len()).ok()?.to_be_bytes());
        out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            out.push(0);
        }
        Some(())
    }

    /// `Photoshop 0x040C thumbnail`.
    fn tag(&self) -> String {
        match resource_name(self.id) {
            Some(name) => format!("Photoshop 0x{:04X} {name}", self.id),
            None => format!("Photoshop 0x{:04X}", self.id),
        }
    }

    /// What the resource says: its data ([`Self::scan_data`]) and its name
    /// (`unknown`: free text no reader shows as metadata, never written).
    pub(super) fn scan(&self, block: &str) -> Scan {
        let mut scan = self.scan_data(block);
        if !self.name.trim().is_empty() {
            let tag = format!("{} name", self.tag());
            scan.push(Finding::new(
                Category::Unknown,
                block,
                &tag,
                self.name.trim(),
            ));
        }
        scan
    }

    /// What the resource's data says: IPTC and XMP decoded, the rest one
    /// finding.
    pub(super) fn scan_data(&self, block: &str) -> Scan {
        let size = self.data.len();
        let (category, value) = match self.id {
            IPTC_RESOURCE => return scan_iptc(self.data, block).unwrap_or_default(),
            XMP_RESOURCE => return xmp::scan(self.data, &format!("{block} XMP")),
            0x0409 | 0x040C => (Category::Preview, thumbnail(self.data)),
            0x0422 | 0x0423 => (
                Category::Device,
                format!("EXIF inside Photoshop block, {size} bytes"),
            ),
            0x040F if icc_header_fits(self.data) => {
                (Category::Rendering, format!("ICC profile, {size} bytes"))
            }
            0x03ED if size == 16 => (Category::Rendering, format!("{size} bytes")),
            0x040F | 0x03ED => (Category::Unknown, format!("malformed, {size} bytes")),
            0x03F0 => (Category::Text, pascal_string(self.data)),
            0x040B => (
                Category::Text,
                String::from_utf8_lossy(self.data).into_owned(),
            ),
            0x041B | 0x043E => (
                Category::Text,
                unicode_string(self.data, 0).map_or_else(String::new, |(s, _)| s),
            ),
            0x041E => (Category::Text, url_list(self.data).unwrap_or_default()),
            0x0425 => (Category::Device, format!("MD5 {}", hex(self.data))),
            _ => (Category::Device, format!("{size} bytes")),
        };
        let value = if value.trim().is_empty() {
            format!("{size} bytes")
        } else {
            value
        };
        let mut scan = Scan::default();
        scan.push(Finding::new(category, block, &self.tag(), value));
        scan
    }
}

/// An ICC profile whose header gives its own length and the `acsp` magic.
fn icc_header_fits(data: &[u8]) -> bool {
    read_u32(data, 0).is_some_and(|len| len as usize == data.len())
        && data.get(36..40) == Some(b"acsp")
}

/// "160x120 JPEG thumbnail, 5123 bytes" from a thumbnail resource (a 28-byte
/// header: format, width, height, row bytes, sizes, bits, planes; then JFIF).
fn thumbnail(data: &[u8]) -> String {
    match (read_u32(data, 0), read_u32(data, 4), read_u32(data, 8)) {
        (Some(format), Some(width), Some(height)) if data.len() >= 28 => {
            let kind = if format == 1 { "JPEG" } else { "raw" };
            format!(
                "{width}x{height} {kind} thumbnail, {} bytes",
                data.len() - 28
            )
        }
        _ => format!("thumbnail, {} bytes", data.len()),
    }
}

/// The URLs of a URL list resource: a u32 count, then per URL a u32, a u32
/// id and a Unicode string.
fn url_list(data: &[u8]) -> Option<String> {
    let count = read_u32(data, 0)?;
    let mut pos = 4;
    let mut urls = Vec::new();
    for _ in 0..count.min(1000) {
        let (url, next) = unicode_string(data, pos + 8)?;
        urls.push(url);
        pos = next;
    }
    Some(urls.join(", "))
}

/// A Photoshop Unicode string at `pos` (u32 count of UTF-16BE units, then
/// the units) and the offset after it.
fn unicode_string(data: &[u8], pos: usize) -> Option<(String, usize)> {
    let units = read_u32(data, pos)? as usize;
    let start = pos + 4;
    let end = units
        .checked_mul(2)?
        .checked_add(start)
        .filter(|&end| end <= data.len())?;
    let utf16: Vec<u16> = data[start..end]
        .chunks_exact(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]))
        .collect();
    Some((
        String::from_utf16_lossy(&utf16)
            .trim_end_matches('\0')
            .to_string(),
        end,
    ))
}

fn pascal_string(data: &[u8]) -> String {
    let len = usize::from(data.first().copied().unwrap_or(0));
    let bytes = data
        .get(1..1 + len)
        .unwrap_or(data.get(1..).unwrap_or_default());
    decode(bytes, false).into_owned()
}

fn hex(data: &[u8]) -> String {
    data.iter().take(32).map(|b| format!("{b:02x}")).collect()
}

/// Names of well-known image resources.
fn resource_name(id: u16) -> Option<&'static str> {
    Some(match id {
        0x03E8 => "channels and mode",
        0x03E9 | 0x042F | 0x043A => "print info",
        0x03ED => "resolution",
        0x03EE | 0x0415 => "alpha channel names",
        0x03EF | 0x0435 => "display info",
        0x03F0 => "caption",
        0x03F1 => "border",
        0x03F2 => "background colour",
        0x03F3 | 0x2710 => "print flags",
        0x03F4..=0x03F6 | 0x0413 => "halftoning",
        0x03F7..=0x03F9 => "transfer function",
        0x03FA => "duotone image info",
        0x03FB => "black and white values",
        0x03FD => "EPS options",
        0x03FE => "quick mask",
        0x0400 => "layer state",
        0x0401 => "working path",
        0x0402 | 0x0430 => "layer groups",
        0x0404 => "IPTC-NAA",
        0x0405 => "raw image mode",
        0x0406 => "JPEG quality",
        0x0408 => "grid and guides",
        0x0409 | 0x040C => "thumbnail",
        0x040A => "copyright flag",
        0x040B => "URL",
        0x040D => "global angle",
        0x040F => "ICC profile",
        0x0410 => "watermark",
        0x0411 => "ICC untagged",
        0x0412 => "effects visible",
        0x0414 => "document ID seed",
        0x0416 => "indexed colour count",
        0x0417 => "transparency index",
        0x0419 => "global altitude",
        0x041A => "slices",
        0x041B => "workflow URL",
        0x041C => "jump to XPEP",
        0x041D => "alpha identifiers",
        0x041E => "URL list",
        0x0421 => "version info",
        0x0422 | 0x0423 => "EXIF data",
        0x0424 => "XMP",
        0x0425 => "IPTC digest",
        0x0426 => "print scale",
        0x0428 => "pixel aspect ratio",
        0x0429 => "layer comps",
        0x042A | 0x042B => "alternate colours",
        0x042D => "layer selection IDs",
        0x042E => "HDR toning",
        0x0431 => "colour samplers",
        0x0432 => "measurement scale",
        0x0433 => "timeline",
        0x0434 => "sheet disclosure",
        0x0436 => "onion skins",
        0x0438 => "count info",
        0x043B => "print style",
        0x043C => "Mac print info",
        0x043D => "Windows DEVMODE",
        0x043E => "auto-save file path",
        0x043F => "auto-save format",
        0x0440 => "path selection state",
        0x07D0..=0x0BB6 => "path",
        0x0BB7 => "clipping path name",
        0x0BB8 => "origin path info",
        0x0FA0..=0x1387 => "plug-in data",
        0x1B58..=0x1B5E => "ImageReady data",
        0x1F40 => "Lightroom workflow",
        _ => return None,
    })
}

fn read_u16(data: &[u8], pos: usize) -> Option<u16> {
    let bytes = data.get(pos..pos.checked_add(2)?)?;
    Some(u16::from_be_bytes([bytes[0], bytes[1]]))
}

fn read_u32(data: &[u8], pos: usize) -> Option<u32> {
    let bytes = data.get(pos..pos.checked_add(4)?)?;
    Some(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
}
