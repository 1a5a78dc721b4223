//! EXIF (TIFF-structured) metadata: findings, and the allowlist rewrite.
//!
//! Reading is done by kamadak-exif. Writing rebuilds a new EXIF block from
//! an allowlist of tags whose meaning and type are known, so no pointer-like
//! value of an unknown tag can be copied as a dangling number.

use crate::findings::{Category, Finding, Scan};
use crate::geo;
use crate::metadata::ifd::{self, Directories, EXIF_LIMITS};
use crate::policy::Policy;
use crate::Error;
use exif::{Context, Field, In, Rational, Tag, Value};
use std::io::Cursor;

/// The signature in front of EXIF data in a JPEG APP1 segment.
pub const JPEG_SIGNATURE: &[u8] = b"Exif\0\0";

/// The TIFF bytes of an EXIF payload that may or may not start with
/// `Exif\0\0` (PNG `eXIf` and WebP `EXIF` writers differ).
pub fn tiff_bytes(payload: &[u8]) -> &[u8] {
    payload.strip_prefix(JPEG_SIGNATURE).unwrap_or(payload)
}

/// A parsed EXIF block.
pub struct Exif {
    inner: exif::Exif,
    /// Thumbnails of the directories after IFD0: (directory number, bytes).
    previews: Vec<(usize, usize)>,
    /// Non-zero bytes of the block that no directory points to.
    unreferenced: usize,
}

/// What a rebuilt EXIF block must describe about its image.
#[derive(Clone, Copy, Debug, Default)]
pub struct ImageFacts {
    /// Pixel width and height, from the image data itself.
    pub dimensions: Option<(u32, u32)>,
    /// Whether the image carries an ICC profile (then ColorSpace is not sRGB).
    pub has_icc: bool,
    /// An Orientation found outside EXIF (XMP `tiff:Orientation`, a PNG
    /// "Raw profile type exif"), written into the rebuilt EXIF when the
    /// EXIF block has none, so the picture stays the right way up.
    pub orientation: Option<u32>,
}

impl Exif {
    /// Parses TIFF-structured EXIF data (the bytes after `Exif\0\0`).
    ///
    /// Any structural error — an offset pointing outside the block, a loop,
    /// a truncated directory — is an error: a block we cannot read with
    /// certainty is not cleaned by guesswork.
    pub fn parse(tiff: &[u8]) -> Result<Exif, Error> {
        let damaged =
            |e: &dyn std::fmt::Display| Error::Damaged(format!("EXIF block is damaged ({e})"));
        // Our walker first: it bounds what kamadak-exif will copy, and says
        // which bytes the directories account for.
        let dirs = ifd::read(tiff, &[], EXIF_LIMITS).map_err(|e| match e {
            Error::Damaged(why) => damaged(&why),
            other => other,
        })?;
        let (previews, referenced) = previews(tiff, &dirs);
        let unreferenced = ifd::unreferenced_nonzero(tiff, &referenced);
        let result = exif::Reader::new()
            .continue_on_error(true)
            .read_raw(tiff.to_vec());
        let inner = match result {
            Ok(inner) => inner,
            Err(exif::Error::PartialResult(partial)) => {
                let (inner, errors) = partial.into_inner();
                // A sub-directory that links to a "next" directory is a
                // harmless quirk of some writers: every byte was still read.
                match errors.iter().find(|e| !is_harmless(e)) {
                    Some(e) => return Err(damaged(e)),
                    None => inner,
                }
            }
            Err(e) => return Err(damaged(&e)),
        };
        Ok(Exif {
            inner,
            previews,
            unreferenced,
        })
    }

    /// Reads what can still be read of a block [`Exif::parse`] refused as
    /// damaged, for the report and for its Orientation only: nothing read
    /// this way is written back (the block is dropped whole). `None` when
    /// not even that can be read within the walker's limits.
    fn parse_lenient(tiff: &[u8]) -> Option<Exif> {
        let dirs = ifd::read_lenient(tiff, EXIF_LIMITS).ok()?;
        let inner = match exif::Reader::new()
            .continue_on_error(true)
            .read_raw(tiff.to_vec())
        {
            Ok(inner) => inner,
            Err(exif::Error::PartialResult(partial)) => partial.into_inner().0,
            Err(_) => return None,
        };
        Some(Exif {
            inner,
            previews: previews(tiff, &dirs).0,
            unreferenced: 0,
        })
    }

    /// Whether any tag of IFD0 was read.
    fn has_primary(&self) -> bool {
        self.inner.fields().any(|f| f.ifd_num == In::PRIMARY)
    }

    /// The Orientation value (1–8), if present and well-formed.
    pub fn orientation(&self) -> Option<u32> {
        self.inner
            .get_field(Tag::Orientation, In::PRIMARY)
            .filter(|f| well_formed(f))
            .and_then(|f| f.value.get_uint(0))
    }

    /// Everything this block would tell a stranger. `block` prefixes the
    /// names of the directories (`EXIF` gives `EXIF IFD0`, `EXIF GPS`, …).
    pub fn scan(&self, block: &str) -> Scan {
        let mut scan = Scan::default();
        for field in self.inner.fields() {
            if let Some(category) = category(field) {
                let value = display(field);
                scan.push(Finding::new(
                    category,
                    &ifd_name(block, field),
                    &tag_name(field.tag),
                    value,
                ));
            }
        }
        for &(n, size) in &self.previews {
            scan.push(Finding::new(
                Category::Preview,
                &format!("{block} IFD{n}"),
                "ThumbnailImage",
                format!("{size} bytes"),
            ));
        }
        if self.unreferenced > 0 {
            scan.push(Finding::new(
                Category::Unknown,
                block,
                "UnreferencedData",
                format!(
                    "{} bytes that no directory points to (left by an editor, or hidden)",
                    self.unreferenced
                ),
            ));
        }
        scan.locations
            .extend(self.location(&format!("{block} GPS")));
        scan
    }

    /// The embedded thumbnail JPEG, if there is one inside the block.
    pub fn thumbnail(&self) -> Option<&[u8]> {
        let get = |tag| self.inner.get_field(tag, In::THUMBNAIL)?.value.get_uint(0);
        let offset = get(Tag::JPEGInterchangeFormat)? as usize;
        let len = get(Tag::JPEGInterchangeFormatLength)? as usize;
        self.inner.buf().get(offset..offset.checked_add(len)?)
    }

    fn location(&self, source: &str) -> Option<crate::Location> {
        // The GPS directory usually hangs off IFD0, but some cameras (FLIR)
        // link it from IFD1: read it wherever the latitude is.
        let ifd = self
            .inner
            .fields()
            .find(|f| f.tag == Tag::GPSLatitude)?
            .ifd_num;
        let get = |tag| self.inner.get_field(tag, ifd).map(|f| &f.value);
        let lat = degrees(get(Tag::GPSLatitude)?, get(Tag::GPSLatitudeRef))?;
        let lon = degrees(get(Tag::GPSLongitude)?, get(Tag::GPSLongitudeRef))?;
        let alt = get(Tag::GPSAltitude).and_then(first_rational).map(|a| {
            let below = get(Tag::GPSAltitudeRef).and_then(|v| v.get_uint(0)) == Some(1);
            if below {
                -a
            } else {
                a
            }
        });
        let mut location = geo::location(lat, lon, alt, source);
        location.accuracy = get(Tag::GPSHPositioningError).and_then(first_rational);
        Some(location)
    }

    /// Builds a new EXIF block (TIFF bytes, without the `Exif\0\0` signature)
    /// from scratch: the rendering tags of IFD0, each of its required type
    /// and count (a malformed one is replaced by a default or left out), the
    /// Interop index if it is a well-formed `R98`/`THM`, and the plain tags
    /// of every category `policy` keeps. Maker notes, unknown tags, IFD1's
    /// tags and any byte no directory reached are never written; the
    /// thumbnail JPEG only when the policy keeps previews.
    pub fn rebuild(&self, policy: &Policy, facts: ImageFacts) -> Result<Vec<u8>, Error> {
        let mut fields: Vec<Field> = self
            .inner
            .fields()
            .filter(|f| is_copied(f, policy))
            .cloned()
            .collect();
        add_rendering_defaults(&mut fields, facts);
        let thumbnail = self.thumbnail().filter(|_| policy.keeps(Category::Preview));
        write(&fields, thumbnail, self.inner.little_endian())
    }
}

/// What a damaged EXIF block still says, for the report: `why` it could
/// not be read (the message of [`Exif::parse`]'s error) (one `unknown` finding: the block is removed whole),
/// whatever could be read of it leniently, and a sentence in
/// [`Scan::damage`] saying whether its Orientation was read.
pub fn scan_damaged(tiff: &[u8], block: &str, why: &str) -> Scan {
    let mut scan = Scan::default();
    scan.push(Finding::new(
        Category::Unknown,
        block,
        "DamagedBlock",
        format!("{why}: removed whole"),
    ));
    let lenient = Exif::parse_lenient(tiff);
    let orientation = match lenient.as_ref().map(Exif::orientation) {
        Some(Some(o)) => format!("its Orientation ({o}) was kept"),
        Some(None) if lenient.as_ref().is_some_and(Exif::has_primary) => {
            "it held no Orientation".to_string()
        }
        _ => "its Orientation could not be read: if the photo shows turned, turn it in a photo app"
            .to_string(),
    };
    if let Some(exif) = lenient {
        scan.extend(exif.scan(block));
    }
    scan.note_damage(format!("{why}: it was removed whole and {orientation}"));
    scan
}

/// The Orientation of a damaged EXIF block, read leniently (see
/// [`scan_damaged`]): the one value of it the cleaned file keeps.
pub fn damaged_orientation(tiff: &[u8]) -> Option<u32> {
    Exif::parse_lenient(tiff)?.orientation()
}

/// The EXIF block to write back in a format that can do without one: rebuilt
/// from the allowlist when its Orientation turns the picture or the policy
/// keeps something in it, else `None` (dropping it loses nothing).
pub fn rebuilt_when_needed(
    exif: Option<&Exif>,
    policy: &Policy,
    facts: ImageFacts,
) -> Result<Option<Vec<u8>>, Error> {
    let Some(exif) = exif else {
        return Ok(None);
    };
    let rotated = exif.orientation().is_some_and(|o| o != 1);
    if rotated || policy.keeps_some(&exif.scan("EXIF")) {
        exif.rebuild(policy, facts).map(Some)
    } else {
        Ok(None)
    }
}

/// A minimal valid EXIF block for an image without one: only rendering tags,
/// with `orientation`. Returns TIFF bytes without the `Exif\0\0` signature.
pub fn minimal(orientation: u32, facts: ImageFacts) -> Result<Vec<u8>, Error> {
    let facts = ImageFacts {
        orientation: Some(orientation),
        ..facts
    };
    let mut fields = Vec::new();
    add_rendering_defaults(&mut fields, facts);
    write(&fields, None, false)
}

fn is_harmless(error: &exif::Error) -> bool {
    matches!(error, exif::Error::InvalidFormat("Unexpected next IFD"))
}

fn write(
    fields: &[Field],
    thumbnail: Option<&[u8]>,
    little_endian: bool,
) -> Result<Vec<u8>, Error> {
    let mut writer = exif::experimental::Writer::new();
    for f in fields {
        writer.push_field(f);
    }
    if let Some(jpeg) = thumbnail {
        writer.set_jpeg(jpeg, In::THUMBNAIL);
    }
    let mut out = Cursor::new(Vec::new());
    writer
        .write(&mut out, little_endian)
        .map_err(|e| Error::Damaged(format!("cannot write the new EXIF block ({e})")))?;
    Ok(out.into_inner())
}

/// Whether an original field's value goes into the rebuilt block (where
/// kamadak-exif writes it anew from the parsed value).
fn is_copied(field: &Field, policy: &Policy) -> bool {
    if field.ifd_num != In::PRIMARY {
        // Thumbnail structure is written by `set_jpeg` together with the image.
        return false;
    }
    match category(field) {
        Some(Category::Rendering) => {
            field.tag.context() != Context::Interop || field.tag == Tag::InteroperabilityIndex
        }
        Some(Category::Unknown) | None => false,
        Some(c) => policy.keeps(c) && is_plain_data(field),
    }
}

/// Tags whose value is plain data at a known type: safe to write again.
/// Maker notes hold offsets into the original block and are never copied;
/// text is one string (nothing hidden after a NUL).
fn is_plain_data(field: &Field) -> bool {
    field.tag.description().is_some()
        && field.tag != Tag::MakerNote
        && match &field.value {
            Value::Unknown(..) => false,
            Value::Ascii(strings) => strings.len() <= 1,
            _ => true,
        }
}

/// Whether a rendering tag has the type, count and values the EXIF and
/// TIFF specifications give it. A rendering tag that does not is not
/// rendering: it is reported as unknown and never written.
fn well_formed(field: &Field) -> bool {
    use Value::*;
    let short1 = |ok: fn(u16) -> bool| matches!(&field.value, Short(v) if v.len() == 1 && ok(v[0]));
    let rationals = |n: usize| matches!(&field.value, Rational(v) if v.len() == n && v.iter().all(|r| r.denom != 0));
    let version = || matches!(&field.value, Undefined(b, _) if b.len() == 4 && b.iter().all(u8::is_ascii_digit));
    match field.tag {
        Tag::Orientation => short1(|v| (1..=8).contains(&v)),
        Tag::ResolutionUnit => short1(|v| (1..=3).contains(&v)),
        Tag::YCbCrPositioning => short1(|v| v == 1 || v == 2),
        Tag::ColorSpace => short1(|v| matches!(v, 1 | 2 | 0xFFFF)),
        Tag::XResolution | Tag::YResolution | Tag::Gamma => rationals(1),
        Tag::WhitePoint => rationals(2),
        Tag::YCbCrCoefficients => rationals(3),
        Tag::PrimaryChromaticities | Tag::ReferenceBlackWhite => rationals(6),
        Tag::YCbCrSubSampling => {
            matches!(&field.value, Short(v) if v.len() == 2 && v.iter().all(|s| matches!(s, 1 | 2 | 4)))
        }
        Tag::TransferFunction => matches!(&field.value, Short(v) if v.len() == 3 * 256),
        Tag::ExifVersion | Tag::FlashpixVersion | Tag::InteroperabilityVersion => version(),
        Tag::ComponentsConfiguration => {
            matches!(&field.value, Undefined(b, _) if b.len() == 4 && b.iter().all(|&c| c <= 6))
        }
        Tag::PixelXDimension
        | Tag::PixelYDimension
        | Tag::RelatedImageWidth
        | Tag::RelatedImageLength => {
            matches!(&field.value, Short(v) if v.len() == 1)
                || matches!(&field.value, Long(v) if v.len() == 1)
        }
        Tag::InteroperabilityIndex => {
            matches!(&field.value, Ascii(v) if v.len() == 1 && matches!(v[0].as_slice(), b"R98" | b"THM"))
        }
        _ => false,
    }
}

/// The thumbnails of the directories after IFD0 — a JPEG (the EXIF way) or
/// uncompressed strips — by directory number and size, and every range of
/// `tiff` the directories account for.
fn previews(tiff: &[u8], dirs: &Directories) -> (Vec<(usize, usize)>, Vec<std::ops::Range<usize>>) {
    const STRIP_OFFSETS: u16 = 0x0111;
    const STRIP_BYTE_COUNTS: u16 = 0x0117;
    const JPEG_IF: u16 = 0x0201;
    const JPEG_IF_LENGTH: u16 = 0x0202;
    let mut referenced = dirs.structure();
    let mut previews = Vec::new();
    let order = dirs.order;
    for (n, node) in dirs.chain.iter().enumerate() {
        let ints = |tag| {
            node.ifd
                .get(tag)
                .and_then(|e| e.uints(tiff, order).ok())
                .unwrap_or_default()
        };
        let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
        let jpeg = ints(JPEG_IF).into_iter().zip(ints(JPEG_IF_LENGTH));
        let strips = ints(STRIP_OFFSETS).into_iter().zip(ints(STRIP_BYTE_COUNTS));
        for (start, len) in jpeg.chain(strips) {
            let (Ok(start), Ok(len)) = (usize::try_from(start), usize::try_from(len)) else {
                continue;
            };
            let end = start.saturating_add(len).min(tiff.len());
            ranges.push(start.min(end)..end);
        }
        let size: usize = ranges.iter().map(|r| r.len()).sum();
        if n > 0 && size > 0 {
            previews.push((n, size));
        }
        referenced.extend(ranges);
    }
    (previews, referenced)
}

fn field(tag: Tag, value: Value) -> Field {
    Field {
        tag,
        ifd_num: In::PRIMARY,
        value,
    }
}

/// Tags that make a rebuilt block validate cleanly, when the original lacks them.
fn add_rendering_defaults(fields: &mut Vec<Field>, facts: ImageFacts) {
    let rational = |n| Value::Rational(vec![Rational { num: n, denom: 1 }]);
    let colour_space = if facts.has_icc { 0xFFFF } else { 1 };
    let mut defaults = Vec::new();
    if let Some(o) = facts.orientation.and_then(|o| u16::try_from(o).ok()) {
        if (1..=8).contains(&o) {
            defaults.push(field(Tag::Orientation, Value::Short(vec![o])));
        }
    }
    defaults.extend([
        field(Tag::XResolution, rational(72)),
        field(Tag::YResolution, rational(72)),
        field(Tag::ResolutionUnit, Value::Short(vec![2])),
        field(Tag::YCbCrPositioning, Value::Short(vec![1])),
        field(Tag::ExifVersion, Value::Undefined(b"0232".to_vec(), 0)),
        field(
            Tag::ComponentsConfiguration,
            Value::Undefined(vec![1, 2, 3, 0], 0),
        ),
        field(Tag::FlashpixVersion, Value::Undefined(b"0100".to_vec(), 0)),
        field(Tag::ColorSpace, Value::Short(vec![colour_space])),
    ]);
    if let Some((w, h)) = facts.dimensions {
        // The image data is the truth; replace whatever the old block said.
        fields.retain(|f| f.tag != Tag::PixelXDimension && f.tag != Tag::PixelYDimension);
        defaults.push(field(Tag::PixelXDimension, Value::Long(vec![w])));
        defaults.push(field(Tag::PixelYDimension, Value::Long(vec![h])));
    }
    for d in defaults {
        if !fields
            .iter()
            .any(|f| f.tag == d.tag && f.ifd_num == In::PRIMARY)
        {
            fields.push(d);
        }
    }
}

/// Degrees, minutes, seconds as rationals (signed ones too: some cameras,
/// FLIR among them, write SRATIONAL) to signed decimal degrees.
fn degrees(value: &Value, reference: Option<&Value>) -> Option<f64> {
    let parts: Vec<f64> = match value {
        Value::Rational(v) => v.iter().map(Rational::to_f64).collect(),
        Value::SRational(v) => v.iter().map(|r| r.to_f64()).collect(),
        Value::Ascii(v) => ascii_dms(v.first()?)?,
        _ => return None,
    };
    let part = |i: usize| parts.get(i).copied().unwrap_or(0.0);
    if parts.is_empty() {
        return None;
    }
    let reference = match reference {
        Some(Value::Ascii(v)) => v.first().and_then(|s| s.first()).map(|&b| b as char),
        _ => None,
    };
    Some(geo::from_dms(part(0), part(1), part(2), reference))
}

/// Degrees written as text by some phones: `52,50,34.01` or, with decimal
/// commas, `52,00000,50,00000,34,01180` (52° 50' 34.0118").
fn ascii_dms(text: &[u8]) -> Option<Vec<f64>> {
    let text = std::str::from_utf8(text).ok()?;
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    let numbers: Vec<String> = match parts.len() {
        6 => parts
            .chunks(2)
            .map(|p| format!("{}.{}", p[0], p[1]))
            .collect(),
        1..=3 => parts.iter().map(|p| p.to_string()).collect(),
        _ => return None,
    };
    numbers.iter().map(|n| n.parse::<f64>().ok()).collect()
}

fn first_rational(value: &Value) -> Option<f64> {
    match value {
        Value::Rational(v) => v.first().map(Rational::to_f64),
        Value::SRational(v) => v.first().map(|r| r.to_f64()),
        _ => None,
    }
}

fn ifd_name(block: &str, field: &Field) -> String {
    let ifd = match (field.ifd_num, field.tag.context()) {
        (In::PRIMARY, Context::Tiff) => "IFD0".to_string(),
        (_, Context::Exif) => "ExifIFD".to_string(),
        (_, Context::Gps) => "GPS".to_string(),
        (_, Context::Interop) => "Interop".to_string(),
        (In(n), _) => format!("IFD{n}"),
    };
    format!("{block} {ifd}")
}

fn tag_name(tag: Tag) -> String {
    if tag.description().is_some() {
        tag.to_string()
    } else {
        format!("0x{:04X}", tag.number())
    }
}

/// A printable value; binary blobs are shown by size only.
fn display(field: &Field) -> String {
    match &field.value {
        Value::Undefined(bytes, _) | Value::Byte(bytes) if bytes.len() > 64 => {
            format!("{} bytes", bytes.len())
        }
        Value::Undefined(..) | Value::Byte(..) if is_xp_tag(field.tag) => xp_string(&field.value),
        Value::Undefined(bytes, _) if field.tag == Tag::UserComment => user_comment(bytes),
        Value::Ascii(lines) => lines
            .iter()
            .map(|l| utf8_or_latin1(l))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Rational(r) if field.tag == Tag::ExposureTime && r.len() == 1 => {
            exposure(r[0].num, r[0].denom).unwrap_or_else(|| field.display_value().to_string())
        }
        Value::Unknown(kind, count, _) => format!("{count} values of unknown type {kind}"),
        _ => field.display_value().with_unit(()).to_string(),
    }
}

/// EXIF ASCII text as written: UTF-8 when it is valid UTF-8 (as phones
/// write it), else Latin-1 (as older cameras and editors did: "Würdehoff",
/// not "W\u{fffd}rdehoff").
fn utf8_or_latin1(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// An exposure time as photographers write it: "1/120 s" below a second
/// (the denominator rounded: 1/120.048 is 1/120), "2 s" or "2.5 s" above;
/// `None` for a zero denominator.
fn exposure(num: u32, denom: u32) -> Option<String> {
    if denom == 0 {
        return None;
    }
    let seconds = f64::from(num) / f64::from(denom);
    Some(match seconds {
        s if s > 0.0 && s < 1.0 => format!("1/{} s", (1.0 / s).round()),
        s => format!("{} s", (s * 10.0).round() / 10.0),
    })
}

/// UserComment: an 8-byte character code, then the text.
fn user_comment(bytes: &[u8]) -> String {
    let (code, text) = bytes.split_at(bytes.len().min(8));
    let text = if code.starts_with(b"UNICODE") {
        let units: Vec<u16> = text
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(text).into_owned()
    };
    text.trim_end_matches(['\0', ' ']).to_string()
}

/// Windows XP tags hold UTF-16LE text in BYTE arrays.
fn is_xp_tag(tag: Tag) -> bool {
    tag.context() == Context::Tiff && (0x9C9B..=0x9C9F).contains(&tag.number())
}

fn xp_string(value: &Value) -> String {
    let (Value::Byte(b) | Value::Undefined(b, _)) = value else {
        return String::new();
    };
    let units: Vec<u16> = b
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
        .trim_end_matches('\0')
        .to_string()
}

/// The category of a field; `None` for structure (directory pointers,
/// thumbnail layout) that tells nothing by itself. A rendering tag that is
/// not well-formed is `Unknown`: whatever it holds is not rendering.
fn category(field: &Field) -> Option<Category> {
    let tag = field.tag;
    let category = match tag.context() {
        Context::Gps => Some(gps_category(tag)),
        Context::Interop => Some(interop_category(tag)),
        Context::Tiff if field.ifd_num != In::PRIMARY && is_thumbnail_layout(tag) => {
            return (!is_numeric(&field.value)).then_some(Category::Unknown);
        }
        _ => tiff_category(tag),
    };
    match category {
        Some(Category::Rendering) if !well_formed(field) => Some(Category::Unknown),
        other => other,
    }
}

/// The Interop directory only indexes the file's format; a file name of a
/// related image is text, anything else is not understood.
fn interop_category(tag: Tag) -> Category {
    match tag {
        Tag::InteroperabilityIndex
        | Tag::InteroperabilityVersion
        | Tag::RelatedImageWidth
        | Tag::RelatedImageLength => Category::Rendering,
        Tag::RelatedImageFileFormat => Category::Text,
        _ => Category::Unknown,
    }
}

/// Tags that lay out a thumbnail in the directories after IFD0 (the
/// thumbnail itself is reported as a preview).
fn is_thumbnail_layout(tag: Tag) -> bool {
    matches!(
        tag.number(),
        0x00FE | 0x0100..=0x0103 | 0x0106 | 0x0111 | 0x0112 | 0x0115..=0x011C | 0x0128
            | 0x0201 | 0x0202 | 0x0211..=0x0214
    )
}

fn is_numeric(value: &Value) -> bool {
    matches!(
        value,
        Value::Short(_) | Value::Long(_) | Value::Rational(_) | Value::Byte(_)
    )
}

fn gps_category(tag: Tag) -> Category {
    match tag {
        Tag::GPSTimeStamp | Tag::GPSDateStamp => Category::Time,
        _ => Category::Location,
    }
}

fn tiff_category(tag: Tag) -> Option<Category> {
    use Category::*;
    let category = match tag {
        Tag::ExifIFDPointer | Tag::GPSInfoIFDPointer | Tag::InteropIFDPointer => return None,
        Tag::JPEGInterchangeFormat | Tag::JPEGInterchangeFormatLength => return None,
        Tag::Orientation
        | Tag::XResolution
        | Tag::YResolution
        | Tag::ResolutionUnit
        | Tag::YCbCrPositioning
        | Tag::YCbCrSubSampling
        | Tag::YCbCrCoefficients
        | Tag::ReferenceBlackWhite
        | Tag::WhitePoint
        | Tag::PrimaryChromaticities
        | Tag::TransferFunction
        | Tag::ColorSpace
        | Tag::ExifVersion
        | Tag::FlashpixVersion
        | Tag::ComponentsConfiguration
        | Tag::PixelXDimension
        | Tag::PixelYDimension
        | Tag::Gamma => Rendering,
        Tag::Artist | Tag::Copyright | Tag::CameraOwnerName => People,
        Tag::DateTime
        | Tag::DateTimeOriginal
        | Tag::DateTimeDigitized
        | Tag::SubSecTime
        | Tag::SubSecTimeOriginal
        | Tag::SubSecTimeDigitized
        | Tag::OffsetTime
        | Tag::OffsetTimeOriginal
        | Tag::OffsetTimeDigitized => Time,
        Tag::ImageDescription | Tag::UserComment => Text,
        _ => return Some(by_number(tag)),
    };
    Some(category)
}

/// Tags kamadak-exif has no name for, by number.
fn by_number(tag: Tag) -> Category {
    match tag.number() {
        0x9C9D => Category::People,                          // XPAuthor
        0x9C9B | 0x9C9C | 0x9C9E | 0x9C9F => Category::Text, // XPTitle, XPComment, XPKeywords, XPSubject
        0x010D | 0x011D => Category::Text,                   // DocumentName, PageName
        _ => Category::Device,
    }
}

#[cfg(test)]
mod tests {
    use super::{exposure, utf8_or_latin1};

    #[test]
    fn exposure_times_read_as_photographers_write_them() {
        assert_eq!(exposure(1, 120).as_deref(), Some("1/120 s"));
        // 1/120.048…: a camera's rational of 833/100000.
        assert_eq!(exposure(833, 100_000).as_deref(), Some("1/120 s"));
        assert_eq!(exposure(10, 957).as_deref(), Some("1/96 s"));
        assert_eq!(exposure(5, 2).as_deref(), Some("2.5 s"));
        assert_eq!(exposure(2, 1).as_deref(), Some("2 s"));
        assert_eq!(exposure(1, 0), None);
    }

    #[test]
    fn ascii_text_is_utf8_or_latin1() {
        assert_eq!(utf8_or_latin1("Würdehoff".as_bytes()), "Würdehoff");
        assert_eq!(utf8_or_latin1(b"W\xfcrdehoff"), "Würdehoff");
        assert_eq!(utf8_or_latin1(b"(C)Hendrik"), "(C)Hendrik");
    }

    use super::*;

    fn sample() -> Vec<u8> {
        let fields = [
            field(Tag::Orientation, Value::Short(vec![6])),
            field(Tag::Make, Value::Ascii(vec![b"Acme".to_vec()])),
            field(Tag::Artist, Value::Ascii(vec![b"Jane Parent".to_vec()])),
            field(
                Tag::DateTimeOriginal,
                Value::Ascii(vec![b"2024:09:14 09:30:12".to_vec()]),
            ),
            field(Tag::BodySerialNumber, Value::Ascii(vec![b"SN123".to_vec()])),
            field(Tag::GPSLatitudeRef, Value::Ascii(vec![b"S".to_vec()])),
            field(
                Tag::GPSLatitude,
                Value::Rational(vec![
                    Rational { num: 33, denom: 1 },
                    Rational { num: 52, denom: 1 },
                    Rational {
                        num: 768,
                        denom: 100,
                    },
                ]),
            ),
            field(Tag::GPSLongitudeRef, Value::Ascii(vec![b"E".to_vec()])),
            field(
                Tag::GPSLongitude,
                Value::Rational(vec![
                    Rational { num: 151, denom: 1 },
                    Rational { num: 12, denom: 1 },
                    Rational {
                        num: 3348,
                        denom: 100,
                    },
                ]),
            ),
        ];
        write(&fields, None, false).unwrap()
    }

    #[test]
    fn scan_decodes_gps_and_categorises() {
        let exif = Exif::parse(&sample()).unwrap();
        let scan = exif.scan("EXIF");
        let loc = scan.valid_location().expect("a location");
        assert!((loc.lat + 33.8688).abs() < 1e-4, "{}", loc.lat);
        assert!((loc.lon - 151.2093).abs() < 1e-4, "{}", loc.lon);
        let cat = |tag: &str| {
            scan.findings
                .iter()
                .find(|f| f.tag == tag)
                .map(|f| f.category)
        };
        assert_eq!(cat("Artist"), Some(Category::People));
        assert_eq!(cat("Make"), Some(Category::Device));
        assert_eq!(cat("BodySerialNumber"), Some(Category::Device));
        assert_eq!(cat("DateTimeOriginal"), Some(Category::Time));
        assert_eq!(cat("GPSLatitude"), Some(Category::Location));
        assert_eq!(cat("Orientation"), Some(Category::Rendering));
    }

    #[test]
    fn rebuild_keeps_only_rendering_by_default() {
        let exif = Exif::parse(&sample()).unwrap();
        let facts = ImageFacts {
            dimensions: Some((64, 48)),
            has_icc: false,
            orientation: None,
        };
        let rebuilt = Exif::parse(&exif.rebuild(&Policy::default(), facts).unwrap()).unwrap();
        assert_eq!(rebuilt.orientation(), Some(6));
        let scan = rebuilt.scan("EXIF");
        assert!(
            scan.findings
                .iter()
                .all(|f| f.category == Category::Rendering),
            "{scan:?}"
        );
        assert!(scan.locations.is_empty());
    }

    #[test]
    fn rebuild_keeps_what_the_policy_keeps() {
        let exif = Exif::parse(&sample()).unwrap();
        let policy = Policy::keep(&[Category::Time]);
        let rebuilt = Exif::parse(&exif.rebuild(&policy, ImageFacts::default()).unwrap()).unwrap();
        let scan = rebuilt.scan("EXIF");
        assert!(scan.findings.iter().any(|f| f.tag == "DateTimeOriginal"));
        assert!(!scan
            .findings
            .iter()
            .any(|f| f.category == Category::Location));
    }

    #[test]
    fn zero_denominators_are_invalid_not_a_crash() {
        let fields = [
            field(
                Tag::GPSLatitude,
                Value::Rational(vec![Rational { num: 0, denom: 0 }; 3]),
            ),
            field(
                Tag::GPSLongitude,
                Value::Rational(vec![Rational { num: 5, denom: 0 }; 3]),
            ),
        ];
        let exif = Exif::parse(&write(&fields, None, true).unwrap()).unwrap();
        let scan = exif.scan("EXIF");
        assert_eq!(scan.locations.len(), 1);
        assert!(scan.locations[0].invalid.is_some());
    }

    const CANARY: &[u8] = b"CANARY-e1f2";

    fn has_canary(bytes: &[u8]) -> bool {
        bytes.windows(CANARY.len()).any(|w| w == CANARY)
    }

    /// Rebuilds `block` under the default policy; returns the scan of the
    /// original and the rebuilt bytes.
    fn clean(block: &[u8]) -> (Scan, Vec<u8>) {
        let exif = Exif::parse(block).unwrap();
        let out = exif
            .rebuild(&Policy::default(), ImageFacts::default())
            .unwrap();
        (exif.scan("EXIF"), out)
    }

    fn unknown(scan: &Scan, tag: &str) -> bool {
        scan.findings
            .iter()
            .any(|f| f.tag == tag && f.category == Category::Unknown)
    }

    #[test]
    fn malformed_rendering_tags_are_unknown_and_replaced() {
        let long_version = [b"0231".as_slice(), CANARY].concat();
        let fields = [
            field(Tag::Orientation, Value::Short(vec![6])),
            field(Tag::ExifVersion, Value::Undefined(long_version, 0)),
            field(Tag::YCbCrPositioning, Value::Ascii(vec![CANARY.to_vec()])),
            field(Tag::WhitePoint, Value::Long(vec![0x1234_5678])),
        ];
        let (scan, out) = clean(&write(&fields, None, false).unwrap());
        for tag in ["ExifVersion", "YCbCrPositioning", "WhitePoint"] {
            assert!(unknown(&scan, tag), "{tag}: {scan:?}");
        }
        assert!(!has_canary(&out));
        let rebuilt = Exif::parse(&out).unwrap();
        assert_eq!(rebuilt.orientation(), Some(6));
        let version = rebuilt.inner.get_field(Tag::ExifVersion, In::PRIMARY);
        assert!(version.is_some_and(well_formed), "the default replaces it");
        assert!(rebuilt
            .inner
            .get_field(Tag::WhitePoint, In::PRIMARY)
            .is_none());
    }

    #[test]
    fn interop_keeps_only_a_well_formed_index() {
        let interop = |tag, value| Field {
            tag,
            ifd_num: In::PRIMARY,
            value,
        };
        let good = [
            field(Tag::Orientation, Value::Short(vec![3])),
            interop(
                Tag::InteroperabilityIndex,
                Value::Ascii(vec![b"R98".to_vec()]),
            ),
            interop(
                Tag::RelatedImageFileFormat,
                Value::Ascii(vec![CANARY.to_vec()]),
            ),
            interop(
                Tag(Context::Interop, 0xBEEF),
                Value::Undefined(CANARY.to_vec(), 0),
            ),
        ];
        let (scan, out) = clean(&write(&good, None, true).unwrap());
        assert!(unknown(&scan, "0xBEEF"), "{scan:?}");
        assert!(!has_canary(&out));
        let rebuilt = Exif::parse(&out).unwrap();
        let index = rebuilt
            .inner
            .get_field(Tag::InteroperabilityIndex, In::PRIMARY);
        assert!(index.is_some_and(well_formed));
        let bad = [interop(
            Tag::InteroperabilityIndex,
            Value::Ascii(vec![b"R98".to_vec(), CANARY.to_vec()]),
        )];
        let (scan, out) = clean(&write(&bad, None, true).unwrap());
        assert!(unknown(&scan, "InteroperabilityIndex"), "{scan:?}");
        assert!(!has_canary(&out));
    }

    #[test]
    fn ifd1_text_is_reported_and_never_written() {
        let fields = [
            field(Tag::Orientation, Value::Short(vec![8])),
            Field {
                tag: Tag::ImageDescription,
                ifd_num: In::THUMBNAIL,
                value: Value::Ascii(vec![CANARY.to_vec()]),
            },
            Field {
                tag: Tag::Artist,
                ifd_num: In::THUMBNAIL,
                value: Value::Ascii(vec![b"Jane Parent".to_vec()]),
            },
        ];
        let (scan, out) = clean(&write(&fields, None, false).unwrap());
        let found = |tag: &str, c| {
            scan.findings
                .iter()
                .any(|f| f.block == "EXIF IFD1" && f.tag == tag && f.category == c)
        };
        assert!(found("ImageDescription", Category::Text), "{scan:?}");
        assert!(found("Artist", Category::People), "{scan:?}");
        assert!(!has_canary(&out) && !out.windows(4).any(|w| w == b"Jane"));
    }

    #[test]
    fn bytes_no_directory_reaches_are_unknown_and_not_written() {
        let fields = [field(Tag::Orientation, Value::Short(vec![6]))];
        let mut block = write(&fields, None, false).unwrap();
        // An old GPS directory nobody links to any more, then padding.
        block.extend_from_slice(b"\0\x01\x00\x01\x00\x02\x00\x00\x00\x02N\0\0");
        block.extend_from_slice(CANARY);
        block.extend_from_slice(&[0; 16]);
        let (scan, out) = clean(&block);
        assert!(unknown(&scan, "UnreferencedData"), "{scan:?}");
        assert!(!has_canary(&out));
        let (scan, _) = clean(&write(&fields, None, false).unwrap());
        assert!(!unknown(&scan, "UnreferencedData"), "{scan:?}");
    }

    #[test]
    fn damaged_offsets_are_an_error() {
        let mut bytes = sample();
        // The IFD0 offset in the header points far outside the block.
        bytes[4..8].copy_from_slice(&0x00FF_FFF0u32.to_be_bytes());
        assert!(Exif::parse(&bytes).is_err());
        let scan = scan_damaged(&bytes, "EXIF", "EXIF block is damaged");
        assert!(unknown(&scan, "DamagedBlock"), "{scan:?}");
        assert!(scan.damage[0].contains("Orientation could not be read"));
        assert_eq!(damaged_orientation(&bytes), None);
    }

    /// [`sample`] with the value of its Make tag pointing past the block.
    fn with_make_past_the_block() -> Vec<u8> {
        let mut b = sample();
        let ifd0 = u32::from_be_bytes(b[4..8].try_into().unwrap()) as usize;
        let n = usize::from(u16::from_be_bytes([b[ifd0], b[ifd0 + 1]]));
        let entry = (0..n)
            .map(|i| ifd0 + 2 + 12 * i)
            .find(|&e| b[e..e + 2] == [0x01, 0x0F])
            .unwrap();
        b[entry + 8..entry + 12].copy_from_slice(&0x00FF_FF00u32.to_be_bytes());
        b
    }

    #[test]
    fn a_damaged_block_is_still_read_for_the_report_and_its_orientation() {
        let bytes = with_make_past_the_block();
        let Err(Error::Damaged(why)) = Exif::parse(&bytes) else {
            panic!("the block must be refused as damaged");
        };
        let scan = scan_damaged(&bytes, "EXIF", &why);
        assert!(unknown(&scan, "DamagedBlock"), "{scan:?}");
        let loc = scan.valid_location().expect("GPS is still readable");
        assert!((loc.lat + 33.8688).abs() < 1e-4, "{}", loc.lat);
        assert!(scan.findings.iter().any(|f| f.tag == "Artist"));
        assert!(!scan.findings.iter().any(|f| f.tag == "Make"));
        assert!(
            scan.damage[0].contains("Orientation (6) was kept"),
            "{:?}",
            scan.damage
        );
        assert_eq!(damaged_orientation(&bytes), Some(6));
    }
}
