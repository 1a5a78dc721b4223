//! IPTC IIM: datasets (`0x1C`, record, number, length, value).

use crate::findings::{Category, Finding};
use crate::policy::Policy;
use std::borrow::Cow;

/// IIM tag marker that starts every dataset.
pub(super) const TAG_MARKER: u8 = 0x1C;
/// ISO 2022 escape sequence declaring UTF-8 (`ESC % G`) in dataset 1:90.
pub(super) const UTF8_DECLARATION: [u8; 3] = [0x1B, 0x25, 0x47];
/// At most this many datasets are read from one record; the rest is
/// reported as unreadable.
const MAX_DATASETS: usize = 20_000;
/// The record version IIM 4 writes in datasets 1:00 and 2:00.
const RECORD_VERSION: [u8; 2] = [0, 4];

/// The datasets of one IPTC block, in order.
pub(super) struct Record<'a> {
    datasets: Vec<Dataset<'a>>,
    /// Dataset 1:90 declares UTF-8.
    utf8: bool,
}

impl<'a> Record<'a> {
    /// The datasets of `data`, and what keeps the rest from being read (if
    /// anything but zero padding is left).
    pub(super) fn parse(data: &'a [u8]) -> (Record<'a>, Option<String>) {
        let mut record = Record {
            datasets: Vec::new(),
            utf8: false,
        };
        let mut pos = 0;
        while pos < data.len() {
            if data[pos..].iter().all(|&b| b == 0) {
                break;
            }
            if record.datasets.len() == MAX_DATASETS {
                let left = data.len() - pos;
                return (
                    record,
                    Some(format!(
                        "more than {MAX_DATASETS} datasets ({left} bytes left)"
                    )),
                );
            }
            match Dataset::parse(data, pos) {
                Ok(dataset) => {
                    pos = dataset.next;
                    if (dataset.record, dataset.number) == (1, 90) {
                        record.utf8 = dataset.value.windows(3).any(|w| w == UTF8_DECLARATION);
                    }
                    record.datasets.push(dataset);
                }
                Err(e) => return (record, Some(format!("{e} ({} bytes)", data.len() - pos))),
            }
        }
        (record, None)
    }

    /// One finding per dataset that says something.
    pub(super) fn findings<'s>(&'s self, block: &'s str) -> impl Iterator<Item = Finding> + 's {
        self.datasets
            .iter()
            .filter_map(move |d| d.finding(self.utf8, block))
    }

    /// A new record with the datasets of kept categories, each written
    /// anew, in record order, after the record versions and the UTF-8
    /// declaration they need; `None` if no dataset is kept.
    pub(super) fn rebuild(&self, policy: &Policy) -> Option<Vec<u8>> {
        let kept: Vec<&Dataset> = self
            .datasets
            .iter()
            .filter(|d| {
                d.finding(self.utf8, "IPTC")
                    .is_some_and(|f| policy.keeps(f.category))
            })
            .collect();
        if kept.is_empty() {
            return None;
        }
        let mut out = Vec::new();
        for record in [1u8, 2] {
            let datasets: Vec<&&Dataset> = kept.iter().filter(|d| d.record == record).collect();
            let declare = record == 1 && self.utf8;
            if datasets.is_empty() && !declare {
                continue;
            }
            write_dataset(&mut out, record, 0, &RECORD_VERSION)?;
            if declare {
                write_dataset(&mut out, 1, 90, &UTF8_DECLARATION)?;
            }
            for d in datasets {
                write_dataset(&mut out, d.record, d.number, d.value)?;
            }
        }
        Some(out)
    }
}

/// One dataset: standard length up to 32767 bytes, else a 4-byte extended
/// length.
fn write_dataset(out: &mut Vec<u8>, record: u8, number: u8, value: &[u8]) -> Option<()> {
    out.extend_from_slice(&[TAG_MARKER, record, number]);
    match u16::try_from(value.len()) {
        Ok(len) if len < 0x8000 => out.extend_from_slice(&len.to_be_bytes()),
        _ => {
            out.extend_from_slice(&0x8004u16.to_be_bytes());
            out.extend_from_slice(&u32::try_from(value.len()).ok()?.to_be_bytes());
        }
    }
    out.extend_from_slice(value);
    Some(())
}

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
                None => (Cow::Owned(format!("IPTC 2:{number}")), Category::Unknown),
            };
            Some((name, category, binary))
        }
        _ => Some((
            Cow::Owned(format!("IPTC {record}:{number}")),
            Category::Unknown,
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
        _ => return (Cow::Owned(format!("IPTC 1:{number}")), Category::Unknown),
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
        (118, "Contact", Location),
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
pub(super) fn decode(bytes: &[u8], utf8: bool) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) if utf8 => String::from_utf8_lossy(bytes),
        Err(_) => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}
