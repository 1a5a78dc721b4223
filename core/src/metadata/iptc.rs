//! Photoshop image resources (the JPEG APP13 `Photoshop 3.0` block) and the
//! IPTC IIM records inside them, turned into findings.
//!
//! Both readers check every length against the bytes that are there and
//! return a clear error for a structure that runs past its end; they never
//! panic. Trailing zero padding after the last resource or dataset is
//! accepted, as writers commonly leave it.

use crate::findings::{Category, Finding, Scan};
use crate::metadata::xmp;
use crate::policy::Policy;
use std::borrow::Cow;

/// Signatures of image resource blocks: Photoshop's and those of other
/// writers (ImageReady, PhotoDeluxe, …).
const SIGNATURES: [&[u8; 4]; 4] = [b"8BIM", b"PHUT", b"DCSR", b"AgHg"];
/// IIM tag marker that starts every dataset.
const TAG_MARKER: u8 = 0x1C;
/// ISO 2022 escape sequence declaring UTF-8 (`ESC % G`) in dataset 1:90.
const UTF8_DECLARATION: [u8; 3] = [0x1B, 0x25, 0x47];
/// Image resource ids with a meaning of their own when filtering.
const IPTC_RESOURCE: u16 = 0x0404;
const XMP_RESOURCE: u16 = 0x0424;
const IPTC_DIGEST: u16 = 0x0425;

/// Reads a sequence of Photoshop image resource blocks (`irb` is the APP13
/// payload after its `Photoshop 3.0\0` signature) into findings: IPTC
/// (resource 0x0404) and XMP (0x0424) are decoded, thumbnails are reported
/// as `preview`, everything else briefly, one finding per resource.
///
/// Errors for a bad block signature or a block (or an IPTC dataset inside
/// one) that runs past the end of the data.
pub fn scan_photoshop(irb: &[u8], block: &str) -> Result<Scan, String> {
    let mut scan = Scan::default();
    let mut pos = 0;
    while pos < irb.len() {
        if irb[pos..].iter().all(|&b| b == 0) {
            break;
        }
        let resource = Resource::parse(irb, pos)?;
        scan.extend(resource.scan(block)?);
        pos = resource.next;
    }
    Ok(scan)
}

/// Reads IPTC IIM datasets (`0x1C`, record, dataset, length, value) into
/// findings, one per dataset (so one per keyword). Text is UTF-8 when
/// dataset 1:90 declares it or when it is valid UTF-8, else Latin-1.
///
/// Errors for a byte where a tag marker should be, a dataset header cut
/// short, an extended length of more than 4 bytes, or a value that runs past
/// the end of the data.
pub fn scan_iptc(data: &[u8], block: &str) -> Result<Scan, String> {
    let mut scan = Scan::default();
    let mut utf8 = false;
    let mut pos = 0;
    while pos < data.len() {
        if data[pos..].iter().all(|&b| b == 0) {
            break;
        }
        let dataset = Dataset::parse(data, pos)?;
        pos = dataset.next;
        if (dataset.record, dataset.number) == (1, 90) {
            utf8 = dataset.value.windows(3).any(|w| w == UTF8_DECLARATION);
        } else if let Some(finding) = dataset.finding(utf8, block) {
            scan.push(finding);
        }
    }
    Ok(scan)
}

/// The Photoshop image resources (`irb`, as for [`scan_photoshop`]) with
/// only what `policy` keeps, or `None` if nothing but rendering would be
/// left, or on any doubt (the caller then drops the whole block).
///
/// A resource is kept whole (with its name) if everything it says is of a
/// kept category — rendering resources like the ICC profile (0x040F) and the
/// resolution (0x03ED) always are. The IPTC record (0x0404) keeps only the
/// datasets of kept categories, plus the structure datasets 1:00, 1:90
/// (coded character set) and 2:00 (record version), each copied whole; the
/// XMP resource (0x0424) is cut down with [`xmp::filter`]. The IPTC digest
/// (0x0425, a hash of the original record) goes whenever the record changed.
/// Lengths and even padding are written anew. The result is read again
/// before it is returned: it must read without error and hold no finding
/// of a removed category.
pub fn filter_photoshop(irb: &[u8], policy: &Policy) -> Option<Vec<u8>> {
    let mut kept: Vec<(Resource, Cow<[u8]>)> = Vec::new();
    let mut iptc_changed = false;
    let mut pos = 0;
    while pos < irb.len() {
        if irb[pos..].iter().all(|&b| b == 0) {
            break;
        }
        let resource = Resource::parse(irb, pos).ok()?;
        pos = resource.next;
        let data = match resource.id {
            IPTC_RESOURCE => {
                let filtered = filter_iptc(resource.data, policy).ok()?;
                iptc_changed |= !matches!(filtered, Some(Cow::Borrowed(_)));
                filtered
            }
            XMP_RESOURCE => {
                let found = xmp::scan(resource.data, "IPTC XMP");
                if policy.keeps_all(&found) {
                    Some(Cow::Borrowed(resource.data))
                } else {
                    xmp::filter(resource.data, policy).map(Cow::Owned)
                }
            }
            _ => {
                let found = resource.scan("IPTC").ok()?;
                policy
                    .keeps_all(&found)
                    .then_some(Cow::Borrowed(resource.data))
            }
        };
        if let Some(data) = data {
            kept.push((resource, data));
        }
    }
    if iptc_changed {
        kept.retain(|(r, _)| r.id != IPTC_DIGEST);
    }
    let mut out = Vec::with_capacity(irb.len());
    for (resource, data) in &kept {
        resource.write(&mut out, data)?;
    }
    let rescan = scan_photoshop(&out, "IPTC").ok()?;
    let informative = rescan.has_any(|c| c != Category::Rendering);
    (informative && !rescan.has_any(|c| policy.removes(c))).then_some(out)
}

/// The IPTC datasets of kept categories (and the structure datasets), each
/// copied whole; `Ok(None)` if none of kept information is left; the input
/// itself if nothing was left out. Errors as [`scan_iptc`].
fn filter_iptc<'a>(data: &'a [u8], policy: &Policy) -> Result<Option<Cow<'a, [u8]>>, String> {
    let mut out = Vec::with_capacity(data.len());
    let mut utf8 = false;
    let mut informative = false;
    let mut dropped = false;
    let mut pos = 0;
    while pos < data.len() {
        if data[pos..].iter().all(|&b| b == 0) {
            break;
        }
        let dataset = Dataset::parse(data, pos)?;
        let keep = match (dataset.record, dataset.number) {
            (1, 90) => {
                utf8 = dataset.value.windows(3).any(|w| w == UTF8_DECLARATION);
                true
            }
            (1, 0) | (2, 0) => true,
            _ => match dataset.finding(utf8, "IPTC") {
                Some(finding) if policy.keeps(finding.category) => {
                    informative = true;
                    true
                }
                _ => false,
            },
        };
        if keep {
            out.extend_from_slice(&data[pos..dataset.next]);
        } else {
            dropped = true;
        }
        pos = dataset.next;
    }
    Ok(match (informative, dropped) {
        (false, _) => None,
        (true, false) => Some(Cow::Borrowed(data)),
        (true, true) => Some(Cow::Owned(out)),
    })
}

// ---------------------------------------------------------------------------
// Photoshop image resources.

/// One image resource block.
struct Resource<'a> {
    signature: &'a [u8],
    id: u16,
    name: String,
    /// The name's bytes as written.
    raw_name: &'a [u8],
    data: &'a [u8],
    /// Offset of the next block.
    next: usize,
}

impl<'a> Resource<'a> {
    /// The block at `pos`: signature, id, Pascal name padded to an even
    /// length, u32 size, data padded to an even length.
    fn parse(irb: &'a [u8], pos: usize) -> Result<Resource<'a>, String> {
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
        let raw_name = &irb[pos + 7..pos + 7 + name_len];
        let name = String::from_utf8_lossy(raw_name).into_owned();
        let next = (end + (size & 1)).min(irb.len());
        Ok(Resource {
            signature,
            id,
            name,
            raw_name,
            data: &irb[start..end],
            next,
        })
    }

    /// Writes this resource with `data` (its own, or a filtered version),
    /// lengths and padding anew. The IPTC and XMP resources are written
    /// without their name, which no report shows. `None` if too long.
    fn write(&self, out: &mut Vec<u8>, data: &[u8]) -> Option<()> {
        let name = match self.id {
            IPTC_RESOURCE | XMP_RESOURCE => &[][..],
            _ => self.raw_name,
        };
        out.extend_from_slice(self.signature);
        out.extend_from_slice(&self.id.to_be_bytes());
        out.push(u8::try_from(name.len()).ok()?);
        out.extend_from_slice(name);
        if name.len() % 2 == 0 {
            out.push(0);
        }
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

    fn scan(&self, block: &str) -> Result<Scan, String> {
        let size = self.data.len();
        let (category, value) = match self.id {
            0x0404 => {
                return scan_iptc(self.data, block)
                    .map_err(|e| format!("IPTC record (resource 0x0404): {e}"));
            }
            0x0424 => return Ok(xmp::scan(self.data, &format!("{block} XMP"))),
            0x0409 | 0x040C => (Category::Preview, thumbnail(self.data)),
            0x0422 | 0x0423 => (
                Category::Device,
                format!("EXIF inside Photoshop block, {size} bytes"),
            ),
            0x040F => (Category::Rendering, format!("ICC profile, {size} bytes")),
            0x03ED => (Category::Rendering, format!("{size} bytes")),
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
        let value = match self.name.trim() {
            "" => value,
            name => format!("{value} (named {name:?})"),
        };
        let mut scan = Scan::default();
        scan.push(Finding::new(category, block, &self.tag(), value));
        Ok(scan)
    }
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

// ---------------------------------------------------------------------------
// IPTC IIM.

/// One IIM dataset.
struct Dataset<'a> {
    record: u8,
    number: u8,
    value: &'a [u8],
    /// Offset of the next dataset.
    next: usize,
}

impl<'a> Dataset<'a> {
    /// The dataset at `pos`. A length with its high bit set is an extended
    /// length: its low 15 bits count the length bytes that follow (1 to 4).
    fn parse(data: &'a [u8], pos: usize) -> Result<Dataset<'a>, String> {
        let byte = data[pos];
        if byte != TAG_MARKER {
            return Err(format!(
                "unexpected byte 0x{byte:02X} at offset {pos} (expected IPTC tag marker 0x1C)"
            ));
        }
        let header = data
            .get(pos..pos + 5)
            .ok_or_else(|| format!("IPTC dataset header at offset {pos} is cut short"))?;
        let (record, number) = (header[1], header[2]);
        let length = u16::from_be_bytes([header[3], header[4]]);
        let mut start = pos + 5;
        let size = if length & 0x8000 == 0 {
            usize::from(length)
        } else {
            let count = usize::from(length & 0x7FFF);
            if !(1..=4).contains(&count) {
                return Err(format!("IPTC dataset {record}:{number} has a {count}-byte extended length (1 to 4 allowed)"));
            }
            let bytes = data.get(start..start + count).ok_or_else(|| {
                format!("IPTC dataset {record}:{number} extended length is cut short")
            })?;
            start += count;
            bytes
                .iter()
                .fold(0usize, |size, &b| (size << 8) | usize::from(b))
        };
        let end = start.checked_add(size).filter(|&end| end <= data.len()).ok_or_else(|| {
            let left = data.len() - start;
            format!("IPTC dataset {record}:{number} at offset {pos} declares {size} bytes but only {left} remain")
        })?;
        Ok(Dataset {
            record,
            number,
            value: &data[start..end],
            next: end,
        })
    }

    /// The finding for this dataset, or `None` for structure and empty values.
    fn finding(&self, utf8: bool, block: &str) -> Option<Finding> {
        let (name, category, binary) = describe(self.record, self.number)?;
        let value = if binary {
            binary_value(self.value)
        } else {
            decode(self.value, utf8).into_owned()
        };
        Some(Finding::new(category, block, &name, value)).filter(|f| !f.value.is_empty())
    }
}

/// Name, category and whether the value is binary, for a dataset; `None`
/// for datasets that are structure only (record versions, character set).
fn describe(record: u8, number: u8) -> Option<(Cow<'static, str>, Category, bool)> {
    let binary = matches!(
        (record, number),
        (1, 20) | (1, 22) | (2, 125) | (2, 200) | (2, 201) | (2, 202)
    );
    match (record, number) {
        (1, 0) | (1, 90) | (2, 0) => None,
        (1, _) => {
            let (name, category) = envelope_dataset(number);
            Some((name, category, binary))
        }
        (2, _) => {
            let found = APPLICATION_DATASETS.iter().find(|(n, _, _)| *n == number);
            let (name, category) = match found {
                Some((_, name, category)) => (Cow::Borrowed(*name), *category),
                None => (Cow::Owned(format!("IPTC 2:{number}")), Category::Text),
            };
            Some((name, category, binary))
        }
        _ => Some((
            Cow::Owned(format!("IPTC {record}:{number}")),
            Category::Device,
            true,
        )),
    }
}

/// Record 1 (envelope): routing data of news agencies; its send date and
/// time are `time`, the rest `device`.
fn envelope_dataset(number: u8) -> (Cow<'static, str>, Category) {
    let name = match number {
        5 => "Destination",
        20 => "FileFormat",
        22 => "FileVersion",
        30 => "ServiceIdentifier",
        40 => "EnvelopeNumber",
        50 => "ProductID",
        60 => "EnvelopePriority",
        70 => return (Cow::Borrowed("DateSent"), Category::Time),
        80 => return (Cow::Borrowed("TimeSent"), Category::Time),
        100 => "UniqueObjectName",
        120 => "ARMIdentifier",
        122 => "ARMVersion",
        _ => return (Cow::Owned(format!("IPTC 1:{number}")), Category::Device),
    };
    (Cow::Borrowed(name), Category::Device)
}

/// Record 2 (application) datasets: number, IIM name, category.
const APPLICATION_DATASETS: &[(u8, &str, Category)] = {
    use Category::*;
    &[
        (3, "ObjectTypeReference", Text),
        (4, "ObjectAttributeReference", Text),
        (5, "ObjectName", Text),
        (7, "EditStatus", Text),
        (8, "EditorialUpdate", Text),
        (10, "Urgency", Text),
        (12, "SubjectReference", Text),
        (15, "Category", Text),
        (20, "SupplementalCategories", Text),
        (22, "FixtureIdentifier", Text),
        (25, "Keywords", Text),
        (26, "ContentLocationCode", Location),
        (27, "ContentLocationName", Location),
        (30, "ReleaseDate", Time),
        (35, "ReleaseTime", Time),
        (37, "ExpirationDate", Time),
        (38, "ExpirationTime", Time),
        (40, "SpecialInstructions", Text),
        (42, "ActionAdvised", Text),
        (45, "ReferenceService", Text),
        (47, "ReferenceDate", Time),
        (50, "ReferenceNumber", Text),
        (55, "DateCreated", Time),
        (60, "TimeCreated", Time),
        (62, "DigitalCreationDate", Time),
        (63, "DigitalCreationTime", Time),
        (65, "OriginatingProgram", Device),
        (70, "ProgramVersion", Device),
        (75, "ObjectCycle", Text),
        (80, "By-line", People),
        (85, "By-lineTitle", People),
        (90, "City", Location),
        (92, "Sub-location", Location),
        (95, "Province-State", Location),
        (100, "Country-PrimaryLocationCode", Location),
        (101, "Country-PrimaryLocationName", Location),
        (103, "OriginalTransmissionReference", Text),
        (105, "Headline", Text),
        (110, "Credit", People),
        (115, "Source", People),
        (116, "CopyrightNotice", People),
        (118, "Contact", People),
        (120, "Caption-Abstract", Text),
        (121, "LocalCaption", Text),
        (122, "Writer-Editor", People),
        (125, "RasterizedCaption", Text),
        (130, "ImageType", Text),
        (131, "ImageOrientation", Text),
        (135, "LanguageIdentifier", Text),
        (184, "JobID", Text),
        (185, "MasterDocumentID", Device),
        (186, "ShortDocumentID", Device),
        (187, "UniqueDocumentID", Device),
        (188, "OwnerID", People),
        (200, "ObjectPreviewFileFormat", Preview),
        (201, "ObjectPreviewFileVersion", Preview),
        (202, "ObjectPreviewData", Preview),
        (221, "Prefs", Device),
        (225, "ClassifyState", Text),
        (228, "SimilarityIndex", Text),
        (230, "DocumentNotes", Text),
        (231, "DocumentHistory", Text),
        (232, "ExifCameraInfo", Device),
        (255, "CatalogSets", Text),
    ]
};

/// A binary value: its number if it is a short integer, else its size.
fn binary_value(bytes: &[u8]) -> String {
    match bytes.len() {
        1..=4 => bytes
            .iter()
            .fold(0u32, |n, &b| (n << 8) | u32::from(b))
            .to_string(),
        n => format!("{n} bytes"),
    }
}

/// Text as UTF-8 when valid (or declared, then lossy), else as Latin-1.
fn decode(bytes: &[u8], utf8: bool) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) if utf8 => String::from_utf8_lossy(bytes),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dataset(record: u8, number: u8, value: &[u8]) -> Vec<u8> {
        let mut out = vec![TAG_MARKER, record, number];
        out.extend_from_slice(&(value.len() as u16).to_be_bytes());
        out.extend_from_slice(value);
        out
    }

    fn resource(id: u16, name: &str, data: &[u8]) -> Vec<u8> {
        let mut out = b"8BIM".to_vec();
        out.extend_from_slice(&id.to_be_bytes());
        out.push(name.len() as u8);
        out.extend_from_slice(name.as_bytes());
        if (1 + name.len()) % 2 == 1 {
            out.push(0);
        }
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(data);
        if data.len() % 2 == 1 {
            out.push(0);
        }
        out
    }

    fn iim() -> Vec<u8> {
        [
            dataset(1, 90, &UTF8_DECLARATION),
            dataset(2, 0, &[0, 4]),
            dataset(2, 90, "Haarlem".as_bytes()),
            dataset(2, 80, "Anna de Vries".as_bytes()),
            dataset(2, 25, b"beach"),
            dataset(2, 25, b"school"),
            dataset(2, 92, "Kleine Houtstraat 1".as_bytes()),
            dataset(2, 55, b"20240501"),
            dataset(2, 65, b"Photo Mechanic"),
            dataset(2, 120, "Emma's first day".as_bytes()),
            dataset(2, 105, b"\0\0 "),
        ]
        .concat()
    }

    fn irb() -> Vec<u8> {
        let mut thumb = Vec::new();
        for word in [1u32, 160, 120, 480, 57_600, 5] {
            thumb.extend_from_slice(&word.to_be_bytes());
        }
        thumb.extend_from_slice(&[0, 24, 0, 1]);
        thumb.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xD9, 0]);
        let xmp = br#"<rdf:RDF><rdf:Description photoshop:Country="Nederland"/></rdf:RDF>"#;
        [
            resource(
                0x03ED,
                "",
                &[0, 72, 0, 0, 0, 1, 0, 1, 0, 72, 0, 0, 0, 1, 0, 1],
            ),
            resource(0x0404, "", &iim()),
            resource(0x040C, "", &thumb),
            resource(0x0424, "", xmp),
            resource(0x0422, "", b"MM\0*"),
            resource(0x040F, "", &[0; 12]),
            resource(0x0FA5, "odd", &[1, 2, 3]),
        ]
        .concat()
    }

    fn find<'a>(scan: &'a Scan, tag: &str) -> &'a Finding {
        scan.findings
            .iter()
            .find(|f| f.tag == tag)
            .unwrap_or_else(|| panic!("no {tag} in {:#?}", scan.findings))
    }

    #[test]
    fn photoshop_block_with_iptc_thumbnail_and_xmp() {
        let scan = scan_photoshop(&irb(), "IPTC").unwrap();
        let city = find(&scan, "City");
        assert_eq!(
            (city.category, city.value.as_str(), city.block.as_str()),
            (Category::Location, "Haarlem", "IPTC")
        );
        assert_eq!(find(&scan, "By-line").category, Category::People);
        assert_eq!(find(&scan, "By-line").value, "Anna de Vries");
        assert_eq!(find(&scan, "Sub-location").category, Category::Location);
        assert_eq!(find(&scan, "DateCreated").category, Category::Time);
        assert_eq!(find(&scan, "OriginatingProgram").category, Category::Device);
        assert_eq!(find(&scan, "Caption-Abstract").category, Category::Text);
        let keywords: Vec<&str> = scan
            .findings
            .iter()
            .filter(|f| f.tag == "Keywords")
            .map(|f| f.value.as_str())
            .collect();
        assert_eq!(keywords, ["beach", "school"]);
        assert!(scan
            .findings
            .iter()
            .all(|f| !f.tag.contains("Version") && !f.tag.contains("1:90")));
        assert!(scan
            .findings
            .iter()
            .all(|f| f.tag != "Headline" && !f.value.is_empty()));

        let thumb = find(&scan, "Photoshop 0x040C thumbnail");
        assert_eq!(thumb.category, Category::Preview);
        assert_eq!(thumb.value, "160x120 JPEG thumbnail, 5 bytes");
        let country = find(&scan, "photoshop:Country");
        assert_eq!(
            (country.category, country.block.as_str()),
            (Category::Location, "IPTC XMP")
        );
        assert_eq!(
            find(&scan, "Photoshop 0x0422 EXIF data").category,
            Category::Device
        );
        assert_eq!(
            find(&scan, "Photoshop 0x040F ICC profile").category,
            Category::Rendering
        );
        assert_eq!(find(&scan, "Photoshop 0x03ED resolution").value, "16 bytes");
        assert_eq!(
            find(&scan, "Photoshop 0x0FA5 plug-in data").value,
            "3 bytes (named \"odd\")"
        );
    }

    #[test]
    fn damaged_photoshop_blocks_are_errors() {
        let mut bytes = irb();
        bytes.truncate(bytes.len() - 4);
        let err = scan_photoshop(&bytes, "IPTC").unwrap_err();
        assert!(
            err.contains("0x0FA5") && err.contains("declares 3 bytes"),
            "{err}"
        );

        let iptc = resource(0x0404, "", &iim());
        let err = scan_photoshop(&iptc[..iptc.len() - 10], "IPTC").unwrap_err();
        assert!(err.contains("0x0404"), "{err}");

        let bad = [
            resource(0x0404, "", &dataset(2, 90, b"x")),
            b"8BIX\x04\x04\0\0\0\0\0\0".to_vec(),
        ]
        .concat();
        let err = scan_photoshop(&bad, "IPTC").unwrap_err();
        assert!(err.contains("signature \"8BIX\" at offset 18"), "{err}");
        let mut inner = resource(0x0404, "", &[TAG_MARKER, 2, 90, 0, 50, b'x']);
        inner.extend([0; 6]);
        let err = scan_photoshop(&inner, "IPTC").unwrap_err();
        assert!(
            err.contains("IPTC dataset 2:90") && err.contains("declares 50 bytes"),
            "{err}"
        );

        let mut padded = irb();
        padded.extend([0; 7]);
        assert!(scan_photoshop(&padded, "IPTC").is_ok());
        assert_eq!(scan_photoshop(&[], "IPTC").unwrap(), Scan::default());
    }

    #[test]
    fn truncations_never_panic() {
        let bytes = irb();
        for len in 0..bytes.len() {
            let _ = scan_photoshop(&bytes[..len], "IPTC");
            let _ = scan_photoshop(&bytes[len..], "IPTC");
            let _ = scan_iptc(&bytes[len..], "IPTC");
        }
        let mut edited = bytes.clone();
        for i in 0..edited.len() {
            edited[i] ^= 0xA5;
            let _ = scan_photoshop(&edited, "IPTC");
            edited[i] ^= 0xA5;
        }
    }

    #[test]
    fn extended_lengths() {
        let preview = vec![0xAB; 70_000];
        let mut data = vec![TAG_MARKER, 2, 202, 0x80, 0x04];
        data.extend_from_slice(&(preview.len() as u32).to_be_bytes());
        data.extend_from_slice(&preview);
        data.extend(dataset(2, 90, b"Leiden"));
        let scan = scan_iptc(&data, "IPTC").unwrap();
        let preview = find(&scan, "ObjectPreviewData");
        assert_eq!(
            (preview.category, preview.value.as_str()),
            (Category::Preview, "70000 bytes")
        );
        assert_eq!(find(&scan, "City").value, "Leiden");

        let err = scan_iptc(&[TAG_MARKER, 2, 202, 0x80, 0x05, 0, 0, 0, 0, 1], "IPTC").unwrap_err();
        assert!(err.contains("extended length"), "{err}");
        assert!(scan_iptc(&[TAG_MARKER, 2, 202, 0x80, 0x02, 0x01], "IPTC").is_err());
        assert!(scan_iptc(&[TAG_MARKER, 2, 202, 0x80, 0x02, 0x01, 0x00], "IPTC").is_err());
        assert!(scan_iptc(&[TAG_MARKER, 2, 25], "IPTC").is_err());
        assert!(scan_iptc(b"\x1c\x02\x19\x00\x01x garbage", "IPTC").is_err());
    }

    #[test]
    fn character_sets() {
        let latin1 = dataset(2, 90, b"Z\xfcrich");
        assert_eq!(
            find(&scan_iptc(&latin1, "IPTC").unwrap(), "City").value,
            "Zürich"
        );
        let utf8 = dataset(2, 90, "Zürich".as_bytes());
        assert_eq!(
            find(&scan_iptc(&utf8, "IPTC").unwrap(), "City").value,
            "Zürich"
        );
        let declared = [
            dataset(1, 90, &UTF8_DECLARATION),
            dataset(2, 90, b"Z\xfcrich"),
        ]
        .concat();
        assert_eq!(
            find(&scan_iptc(&declared, "IPTC").unwrap(), "City").value,
            "Z\u{fffd}rich"
        );
    }

    #[test]
    fn envelope_and_other_records() {
        let data = [
            dataset(1, 0, &[0, 4]),
            dataset(1, 20, &[0, 1]),
            dataset(1, 70, b"20240501"),
            dataset(3, 20, &[1, 2, 3, 4, 5]),
        ]
        .concat();
        let scan = scan_iptc(&data, "IPTC").unwrap();
        assert_eq!(scan.findings.len(), 3, "{:#?}", scan.findings);
        assert_eq!(find(&scan, "FileFormat").value, "1");
        assert_eq!(find(&scan, "DateSent").category, Category::Time);
        assert_eq!(find(&scan, "IPTC 3:20").value, "5 bytes");
    }

    #[test]
    fn url_resources_are_text() {
        let mut list = 1u32.to_be_bytes().to_vec();
        list.extend([0, 0, 0, 0, 0, 0, 0, 7]);
        let url: Vec<u16> = "https://example.org/x".encode_utf16().collect();
        list.extend((url.len() as u32).to_be_bytes());
        list.extend(url.iter().flat_map(|u| u.to_be_bytes()));
        let bytes = [
            resource(0x041E, "", &list),
            resource(0x040B, "", b"http://a.example/"),
        ]
        .concat();
        let scan = scan_photoshop(&bytes, "IPTC").unwrap();
        let list = find(&scan, "Photoshop 0x041E URL list");
        assert_eq!(
            (list.category, list.value.as_str()),
            (Category::Text, "https://example.org/x")
        );
        assert_eq!(
            find(&scan, "Photoshop 0x040B URL").value,
            "http://a.example/"
        );
    }

    // -----------------------------------------------------------------------
    // filter_photoshop

    /// The findings of `scan` whose category `policy` keeps.
    fn kept(scan: &Scan, policy: &Policy) -> Vec<Finding> {
        scan.findings
            .iter()
            .filter(|f| policy.keeps(f.category))
            .cloned()
            .collect()
    }

    /// The resources of a filtered block: id, name and data.
    fn resources(irb: &[u8]) -> Vec<(u16, String, Vec<u8>)> {
        let mut out = Vec::new();
        let mut pos = 0;
        while pos < irb.len() {
            let r = Resource::parse(irb, pos).unwrap();
            assert_eq!(pos % 2, 0, "resource at an odd offset");
            out.push((r.id, r.name.clone(), r.data.to_vec()));
            pos = r.next;
        }
        assert_eq!(pos, irb.len(), "no padding after the last resource");
        out
    }

    fn data_of(irb: &[u8], id: u16) -> Option<Vec<u8>> {
        resources(irb).into_iter().find(|r| r.0 == id).map(|r| r.2)
    }

    #[test]
    fn only_location_keeps_everything_else_exactly() {
        let policy = Policy::only(&[Category::Location]);
        let before = scan_photoshop(&irb(), "IPTC").unwrap();
        let out = filter_photoshop(&irb(), &policy).unwrap();
        let after = scan_photoshop(&out, "IPTC").unwrap();
        assert_eq!(after.findings, kept(&before, &policy));
        let ids: Vec<u16> = resources(&out).iter().map(|r| r.0).collect();
        // The XMP resource held only a place: it is gone.
        assert_eq!(ids, [0x03ED, 0x0404, 0x040C, 0x0422, 0x040F, 0x0FA5]);
        let odd = &resources(&out)[5];
        assert_eq!(
            (odd.1.as_str(), odd.2.as_slice()),
            ("odd", &[1u8, 2, 3][..])
        );
        // Structure datasets are kept, each dataset whole.
        let iptc = data_of(&out, 0x0404).unwrap();
        let expected = [
            dataset(1, 90, &UTF8_DECLARATION),
            dataset(2, 0, &[0, 4]),
            dataset(2, 80, "Anna de Vries".as_bytes()),
            dataset(2, 25, b"beach"),
            dataset(2, 25, b"school"),
            dataset(2, 55, b"20240501"),
            dataset(2, 65, b"Photo Mechanic"),
            dataset(2, 120, "Emma's first day".as_bytes()),
        ]
        .concat();
        assert_eq!(iptc, expected);
        // Filtering again changes nothing.
        assert_eq!(filter_photoshop(&out, &policy).unwrap(), out);
    }

    #[test]
    fn keeping_one_category_keeps_it_and_rendering() {
        let policy = Policy::keep(&[Category::People]);
        let out = filter_photoshop(&irb(), &policy).unwrap();
        let after = scan_photoshop(&out, "IPTC").unwrap();
        let tags: Vec<(&str, Category)> = after
            .findings
            .iter()
            .map(|f| (f.tag.as_str(), f.category))
            .collect();
        assert_eq!(
            tags,
            [
                ("Photoshop 0x03ED resolution", Category::Rendering),
                ("By-line", Category::People),
                ("Photoshop 0x040F ICC profile", Category::Rendering),
            ]
        );
    }

    #[test]
    fn nothing_but_rendering_left_is_none() {
        assert_eq!(filter_photoshop(&irb(), &Policy::default()), None);
        let places = [
            resource(0x03ED, "", &[0; 16]),
            resource(
                0x0404,
                "",
                &[dataset(2, 0, &[0, 4]), dataset(2, 90, b"Haarlem")].concat(),
            ),
        ]
        .concat();
        assert_eq!(
            filter_photoshop(&places, &Policy::only(&[Category::Location])),
            None
        );
        assert_eq!(
            filter_photoshop(&[], &Policy::only(&[Category::Location])),
            None
        );
    }

    #[test]
    fn xmp_inside_is_filtered_too() {
        let xmp = br#"<rdf:RDF><rdf:Description photoshop:Country="Nederland" dc:creator="Kim"/></rdf:RDF>"#;
        let bytes = resource(0x0424, "", xmp);
        let out = filter_photoshop(&bytes, &Policy::only(&[Category::Location])).unwrap();
        let packet = String::from_utf8(data_of(&out, 0x0424).unwrap()).unwrap();
        assert!(packet.contains("<dc:creator>Kim</dc:creator>"), "{packet}");
        assert!(!packet.contains("Nederland"), "{packet}");
    }

    #[test]
    fn the_digest_goes_when_the_record_changes() {
        let digest = resource(0x0425, "", &[0xAB; 16]);
        let record = [dataset(2, 80, b"Kim"), dataset(2, 90, b"Leiden")].concat();
        let bytes = [resource(0x0404, "", &record), digest.clone()].concat();
        let out = filter_photoshop(&bytes, &Policy::only(&[Category::Location])).unwrap();
        assert_eq!(data_of(&out, 0x0404).unwrap(), dataset(2, 80, b"Kim"));
        assert_eq!(data_of(&out, 0x0425), None);
        // A record kept whole keeps its digest (when device is kept).
        let out = filter_photoshop(&bytes, &Policy::only(&[Category::Time])).unwrap();
        assert_eq!(out, bytes);
        let out = filter_photoshop(&bytes, &Policy::only(&[Category::Device])).unwrap();
        assert_eq!(data_of(&out, 0x0404).unwrap(), record);
        assert_eq!(data_of(&out, 0x0425), None);
    }

    #[test]
    fn lengths_and_padding_are_written_anew() {
        // An odd-length record, an odd name, an extended-length dataset,
        // trailing padding, another writer's signature.
        let mut record = [dataset(1, 90, &UTF8_DECLARATION), dataset(2, 90, b"Leiden")].concat();
        record.extend([TAG_MARKER, 2, 202, 0x80, 0x04, 0, 1, 0x11, 0x70]);
        record.extend(vec![0xAB; 70_000]);
        record.extend(dataset(2, 25, b"odd"));
        record.extend([0, 0, 0]);
        let mut bytes = resource(0x0404, "n", &record);
        let mut other = resource(0x0FA5, "abc", &[7; 5]);
        other[..4].copy_from_slice(b"PHUT");
        bytes.extend(other);
        bytes.extend([0; 4]);
        let policy = Policy::only(&[Category::Preview]);
        let out = filter_photoshop(&bytes, &policy).unwrap();
        let list = resources(&out);
        assert_eq!(list.len(), 2);
        assert_eq!((list[0].0, list[0].1.as_str()), (0x0404, ""));
        assert_eq!(
            list[0].2,
            [
                dataset(1, 90, &UTF8_DECLARATION),
                dataset(2, 90, b"Leiden"),
                dataset(2, 25, b"odd")
            ]
            .concat()
        );
        assert_eq!(list[1], (0x0FA5, "abc".to_string(), vec![7; 5]));
        assert_eq!(&out[out.len() - 20..out.len() - 16], b"PHUT");
        let before = scan_photoshop(&bytes, "IPTC").unwrap();
        let after = scan_photoshop(&out, "IPTC").unwrap();
        assert_eq!(after.findings, kept(&before, &policy));
        // Keeping previews keeps the long dataset whole.
        let out = filter_photoshop(&bytes, &Policy::only(&[Category::Location])).unwrap();
        assert_eq!(data_of(&out, 0x0404).unwrap().len(), 8 + 9 + 70_000 + 8);
    }

    #[test]
    fn damaged_blocks_are_none() {
        let policy = Policy::only(&[Category::Location]);
        let mut bytes = irb();
        bytes.truncate(bytes.len() - 4);
        assert_eq!(filter_photoshop(&bytes, &policy), None);
        let bad = resource(0x0404, "", &[TAG_MARKER, 2, 80, 0, 50, b'x']);
        assert_eq!(filter_photoshop(&bad, &policy), None);
        let bytes = irb();
        for len in 0..bytes.len() {
            for part in [&bytes[..len], &bytes[len..]] {
                if let Some(out) = filter_photoshop(part, &policy) {
                    let after = scan_photoshop(&out, "IPTC").unwrap();
                    assert!(!after.has_any(|c| c == Category::Location));
                }
            }
        }
        let mut edited = bytes.clone();
        for i in 0..edited.len() {
            edited[i] ^= 0x5A;
            if let Some(out) = filter_photoshop(&edited, &policy) {
                let after = scan_photoshop(&out, "IPTC").unwrap();
                assert!(!after.has_any(|c| c == Category::Location));
            }
            edited[i] ^= 0x5A;
        }
    }

    /// In a JPEG, resources split over two APP13 segments are filtered
    /// joined and written back as one segment where the first was.
    #[test]
    fn split_jpeg_blocks_are_joined_and_filtered() {
        use crate::container::jpeg;
        let img =
            image::RgbImage::from_fn(8, 8, |x, y| image::Rgb([x as u8 * 30, y as u8 * 30, 9]));
        let mut tiny = std::io::Cursor::new(Vec::new());
        img.write_to(&mut tiny, image::ImageFormat::Jpeg).unwrap();
        let tiny = tiny.into_inner();
        let irb = irb();
        let (a, b) = irb.split_at(40);
        let mut file = tiny[..2].to_vec();
        for part in [a, b] {
            let len = (2 + 14 + part.len()) as u16;
            file.extend([0xFF, 0xED]);
            file.extend(len.to_be_bytes());
            file.extend(b"Photoshop 3.0\0");
            file.extend(part);
        }
        file.extend(&tiny[2..]);

        let policy = Policy::only(&[Category::Location]);
        let before = jpeg::scan(&file).unwrap();
        let clean = jpeg::rebuild(&file, &policy).unwrap();
        let markers = jpeg::markers(&clean).unwrap();
        assert_eq!(markers.iter().filter(|&&m| m == 0xED).count(), 1);
        assert_eq!(markers[0], 0xED);
        let after = jpeg::scan(&clean).unwrap();
        assert_eq!(after.findings, kept(&before, &policy));
        assert_eq!(
            jpeg::image_data(&clean).unwrap(),
            jpeg::image_data(&file).unwrap()
        );
        // The default policy drops the block.
        let clean = jpeg::rebuild(&file, &Policy::default()).unwrap();
        assert!(!jpeg::markers(&clean).unwrap().contains(&0xED));
    }
}
