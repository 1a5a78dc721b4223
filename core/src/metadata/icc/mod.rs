//! ICC colour profiles (ICC.1, versions 2 and 4). A profile is kept — it
//! gives the picture its colours — but rebuilt: a new header with only the
//! fields a colour engine reads, and only the colour tags, each written
//! with the values its type defines (zeros after them, to its size). Private tags, text tags (description,
//! copyright, device names), the creator, device and date fields, reserved
//! bytes and bytes no tag points to are never written; the description is
//! replaced by a neutral one naming the colour space. One exception: a
//! published profile (colour tags and texts about itself only, every text
//! made of colour-profile words: [`published`]) is kept byte for byte.
//!
//! [`read`] parses strictly (every offset and length checked, every kept
//! tag's type known); a profile it cannot read is not rebuilt, and its
//! caller drops it as unreadable.

mod published;

use crate::findings::{Category, Finding, Scan};
use crate::Error;

const HEADER_LEN: usize = 128;
/// Where `acsp` sits in every ICC profile header.
const SIGNATURE_AT: usize = 36;
/// More tags than any real profile has (a few dozen at most).
const MAX_TAGS: usize = 256;

/// Tags a colour engine reads to convert colours: the white and black
/// points, colorants, tone curves, chromatic adaptation, chromaticities,
/// the lookup tables, luminance and the coding-independent code points.
const COLOUR_TAGS: &[&[u8; 4]] = &[
    b"wtpt", b"bkpt", b"rXYZ", b"gXYZ", b"bXYZ", b"rTRC", b"gTRC", b"bTRC", b"kTRC", b"chad",
    b"chrm", b"A2B0", b"A2B1", b"A2B2", b"B2A0", b"B2A1", b"B2A2", b"gamt", b"lumi", b"cicp",
];

/// Tags with fixed numeric content that no colour engine needs and that
/// say nothing about anyone: dropped without a word.
const HARMLESS_TAGS: &[&[u8; 4]] = &[
    b"meas", b"view", b"tech", b"pre0", b"pre1", b"pre2", b"ciis", b"rig0", b"rig2",
];

/// Text tags that name a person, a device or a place of work, with the
/// category of what they say and the name ExifTool shows.
const TEXT_TAGS: &[(&[u8; 4], Category, &str)] = &[
    (b"desc", Category::Text, "ProfileDescription"),
    (b"cprt", Category::People, "ProfileCopyright"),
    (b"dmnd", Category::Device, "DeviceMfgDesc"),
    (b"dmdd", Category::Device, "DeviceModelDesc"),
    (b"vued", Category::Text, "ViewingCondDesc"),
    (b"targ", Category::Text, "CharTarget"),
    (b"calt", Category::Time, "CalibrationDateTime"),
];

/// A tag: its signature and its data (type signature first).
type Tag<'a> = ([u8; 4], &'a [u8]);

/// A profile as read: the header fields that are kept, the colour tags
/// (type-checked) and what is dropped.
#[derive(Debug)]
pub struct Profile<'a> {
    version: [u8; 2],
    class: [u8; 4],
    space: [u8; 4],
    pcs: [u8; 4],
    intent: u32,
    illuminant: [u8; 12],
    /// Kept tags in table order: signature and data (type signature first),
    /// checked to be as long as their type needs.
    tags: Vec<Tag<'a>>,
    /// What the rebuilt profile no longer has.
    dropped: Vec<Finding>,
    /// The profile as it came, when it is kept whole (see [`IDENTITY`]).
    whole: Option<&'a [u8]>,
}

/// What a profile says about itself, not about a person: the maker's
/// signatures and date in the header, its description, copyright, device
/// and viewing-condition texts, characterisation data. A profile that holds
/// nothing else beyond its colour data (no private or unknown tag, no stray
/// bytes) and whose texts are all colour-profile vocabulary (see
/// [`published`]: why, and what it costs) is a published one (sRGB,
/// Display P3, a camera maker's) and is kept byte for byte, these fields
/// reported as rendering; any other is rebuilt without them, its texts
/// reported as removed.
const IDENTITY: &[&str] = &[
    "ProfileCMMType",
    "ProfileDateTime",
    "PrimaryPlatform",
    "DeviceManufacturer",
    "DeviceModel",
    "ProfileCreator",
    "ProfileDescription",
    "ProfileCopyright",
    "DeviceMfgDesc",
    "DeviceModelDesc",
    "ViewingCondDesc",
    "CharTarget",
    "CalibrationDateTime",
];

/// What a profile says: one rendering finding for the profile, and one for
/// each thing the rebuild drops (text, device fields, private tags). A
/// profile that cannot be read is one `unknown` finding: it is removed.
pub fn scan(profile: &[u8], block: &str) -> Scan {
    let mut scan = Scan::default();
    match read(profile) {
        Ok(p) => {
            scan.push(Finding::new(
                Category::Rendering,
                block,
                "ICC_Profile",
                format!("{} {} profile", p.class_name(), space_name(&p.space)),
            ));
            for f in p.dropped {
                scan.push(Finding {
                    block: block.into(),
                    ..f
                });
            }
        }
        Err(e) => scan.push(Finding::new(
            Category::Unknown,
            block,
            "ICC_Profile",
            format!("unreadable metadata, removed ({e})"),
        )),
    }
    scan
}

/// The profile photoscrub writes in place of `profile`.
pub fn rebuild(profile: &[u8]) -> Result<Vec<u8>, Error> {
    Ok(read(profile)?.write())
}

/// Parses a whole profile strictly.
pub fn read(profile: &[u8]) -> Result<Profile<'_>, Error> {
    let mut p = read_header(profile)?;
    let mut published = true;
    for (sig, data) in tag_table(profile)? {
        if sig == *b"desc" || TEXT_TAGS.iter().any(|(s, ..)| **s == sig) {
            published &= published::is_published(&sig, data);
        }
        if COLOUR_TAGS.contains(&&sig) {
            let len = colour_tag(&sig, data)?;
            if data[len..].iter().any(|&b| b != 0) {
                p.dropped.push(found(
                    Category::Unknown,
                    "TrailingData",
                    format!("bytes after the data of tag '{}'", printable(&sig)),
                ));
            }
            p.tags.push((sig, data));
        } else if HARMLESS_TAGS.contains(&&sig) {
            // Measurement and viewing conditions, previews: nothing to
            // tell, nothing an engine needs.
        } else if sig != *b"desc" {
            p.dropped.push(dropped_tag(&sig, data));
        } else if let Some(f) = description_finding(data, &p.space) {
            p.dropped.push(f);
        }
    }
    if p.tags.is_empty() {
        return Err(damaged("it has no colour tags"));
    }
    if unreferenced(profile)? {
        p.dropped.push(found(
            Category::Unknown,
            "UnreferencedData",
            "bytes no tag points to".into(),
        ));
    }
    if published && p.dropped.iter().all(|f| IDENTITY.contains(&f.tag.as_str())) {
        p.whole = Some(profile);
        for f in &mut p.dropped {
            f.category = Category::Rendering;
        }
    }
    Ok(p)
}

fn damaged(what: &str) -> Error {
    Error::damaged(format!("ICC profile is damaged ({what})"))
}

fn found(category: Category, tag: &str, value: String) -> Finding {
    Finding::new(category, "", tag, value)
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

fn sig_at(b: &[u8], at: usize) -> [u8; 4] {
    b[at..at + 4].try_into().expect("four bytes")
}

/// The header fields a colour engine reads, checked; the others are
/// reported if they say anything, and dropped.
fn read_header(profile: &[u8]) -> Result<Profile<'_>, Error> {
    if profile.len() < HEADER_LEN + 4 {
        return Err(damaged("shorter than its header"));
    }
    if &profile[SIGNATURE_AT..SIGNATURE_AT + 4] != b"acsp" {
        return Err(damaged("no 'acsp' signature"));
    }
    if u32_at(profile, 0) != Some(profile.len() as u32) {
        return Err(damaged("its size field is not its length"));
    }
    if !matches!(profile[8], 2 | 4) || profile[10..12] != [0, 0] {
        return Err(damaged("not a version 2 or 4 profile"));
    }
    let (class, space, pcs) = (
        sig_at(profile, 12),
        sig_at(profile, 16),
        sig_at(profile, 20),
    );
    if space_name(&space).is_empty() || !is_class(&class) || !is_pcs(&class, &pcs) {
        return Err(damaged("unknown class or colour space"));
    }
    let intent = u32_at(profile, 64).unwrap_or(u32::MAX);
    if intent > 3 {
        return Err(damaged("unknown rendering intent"));
    }
    Ok(Profile {
        version: [profile[8], profile[9]],
        class,
        space,
        pcs,
        intent,
        illuminant: profile[68..80].try_into().expect("twelve bytes"),
        tags: Vec::new(),
        dropped: header_findings(profile),
        whole: None,
    })
}

fn is_class(class: &[u8; 4]) -> bool {
    matches!(
        class,
        b"scnr" | b"mntr" | b"prtr" | b"link" | b"spac" | b"abst" | b"nmcl"
    )
}

/// The profile connection space: XYZ or Lab, or for a device link the
/// colour space of its output.
fn is_pcs(class: &[u8; 4], pcs: &[u8; 4]) -> bool {
    matches!(pcs, b"XYZ " | b"Lab ") || (class == b"link" && !space_name(pcs).is_empty())
}

/// A short name of a colour space signature, empty if unknown.
fn space_name(space: &[u8; 4]) -> &'static str {
    match space {
        b"XYZ " => "XYZ",
        b"Lab " => "Lab",
        b"Luv " => "Luv",
        b"YCbr" => "YCbCr",
        b"Yxy " => "Yxy",
        b"RGB " => "RGB",
        b"GRAY" => "Gray",
        b"HSV " => "HSV",
        b"HLS " => "HLS",
        b"CMYK" => "CMYK",
        b"CMY " => "CMY",
        [n @ b'2'..=b'9' | n @ b'A'..=b'F', b'C', b'L', b'R'] => match n {
            b'2' => "2-colour",
            b'3' => "3-colour",
            b'4' => "4-colour",
            b'5' => "5-colour",
            b'6' => "6-colour",
            b'7' => "7-colour",
            b'8' => "8-colour",
            b'9' => "9-colour",
            b'A' => "10-colour",
            b'B' => "11-colour",
            b'C' => "12-colour",
            b'D' => "13-colour",
            b'E' => "14-colour",
            _ => "15-colour",
        },
        _ => "",
    }
}

/// Header fields that identify a device, a program or a date, when set.
fn header_findings(profile: &[u8]) -> Vec<Finding> {
    let fields: [(usize, usize, Category, &str); 7] = [
        (4, 8, Category::Device, "ProfileCMMType"),
        (24, 36, Category::Time, "ProfileDateTime"),
        (40, 44, Category::Device, "PrimaryPlatform"),
        (48, 52, Category::Device, "DeviceManufacturer"),
        (52, 56, Category::Device, "DeviceModel"),
        (80, 84, Category::Device, "ProfileCreator"),
        (100, 128, Category::Unknown, "Reserved"),
    ];
    fields
        .iter()
        .filter(|(from, to, ..)| profile[*from..*to].iter().any(|&b| b != 0))
        .map(|&(from, to, category, tag)| found(category, tag, printable(&profile[from..to])))
        .collect()
}

/// The tag table: signature and data of each tag, every one inside the
/// profile, after the table, at least a type signature long, and named once.
fn tag_table(profile: &[u8]) -> Result<Vec<Tag<'_>>, Error> {
    let count = u32_at(profile, HEADER_LEN).unwrap_or(0) as usize;
    let table_end = HEADER_LEN + 4 + 12 * count.min(MAX_TAGS + 1);
    if count > MAX_TAGS || table_end > profile.len() {
        return Err(damaged("its tag table does not fit"));
    }
    let mut tags: Vec<Tag> = Vec::with_capacity(count);
    for i in 0..count {
        let at = HEADER_LEN + 4 + 12 * i;
        let sig = sig_at(profile, at);
        let (offset, size) = (
            u32_at(profile, at + 4).unwrap_or(0) as usize,
            u32_at(profile, at + 8).unwrap_or(0) as usize,
        );
        let data = offset
            .checked_add(size)
            .filter(|&end| offset >= table_end && size >= 8 && end <= profile.len())
            .map(|end| &profile[offset..end])
            .ok_or_else(|| damaged("a tag lies outside the profile"))?;
        if tags.iter().any(|(s, _)| *s == sig) {
            return Err(damaged("a tag is listed twice"));
        }
        tags.push((sig, data));
    }
    Ok(tags)
}

/// Whether any non-zero byte after the tag table lies outside every tag.
fn unreferenced(profile: &[u8]) -> Result<bool, Error> {
    let count = u32_at(profile, HEADER_LEN).unwrap_or(0) as usize;
    let mut covered = vec![false; profile.len()];
    for i in 0..count {
        let at = HEADER_LEN + 4 + 12 * i;
        let offset = u32_at(profile, at + 4).unwrap_or(0) as usize;
        let size = u32_at(profile, at + 8).unwrap_or(0) as usize;
        covered[offset..offset + size].fill(true);
    }
    let table_end = HEADER_LEN + 4 + 12 * count;
    Ok((table_end..profile.len()).any(|i| !covered[i] && profile[i] != 0))
}

/// The length a colour tag's type defines for its data; an unknown type or
/// a tag too short for what its type says is an error.
fn colour_tag(sig: &[u8; 4], data: &[u8]) -> Result<usize, Error> {
    defined_len(data).ok_or_else(|| {
        damaged(&format!(
            "colour tag '{}' has an unknown type or is cut short",
            printable(sig)
        ))
    })
}

/// The length of a tag's data as its type defines it, if the type is one a
/// colour engine reads and the data is that long.
fn defined_len(data: &[u8]) -> Option<usize> {
    let u8_at = |at: usize| data.get(at).map(|&b| usize::from(b));
    let u16_at = |at: usize| -> Option<usize> {
        Some(usize::from(u16::from_be_bytes(
            data.get(at..at + 2)?.try_into().ok()?,
        )))
    };
    let len = match &data[..4] {
        b"XYZ " => 8 + 12 * ((data.len() - 8) / 12).max(1),
        b"curv" => 12 + 2 * u32_at(data, 8)? as usize,
        b"para" => 12 + 4 * [1, 3, 4, 5, 7].get(u16_at(8)?)?,
        b"sf32" => 8 + 4 * ((data.len() - 8) / 4).max(1),
        b"chrm" => 12 + 8 * u16_at(8)?,
        b"cicp" => 12,
        b"mft1" => {
            let (i, o, g) = (u8_at(8)?, u8_at(9)?, u8_at(10)?);
            48usize.checked_add(256 * i + g.checked_pow(i as u32)?.checked_mul(o)? + 256 * o)?
        }
        b"mft2" => {
            let (i, o, g) = (u8_at(8)?, u8_at(9)?, u8_at(10)?);
            let (n, m) = (u16_at(48)?, u16_at(50)?);
            let entries = (n * i).checked_add(g.checked_pow(i as u32)?.checked_mul(o)?)? + m * o;
            52usize.checked_add(2 * entries)?
        }
        // Curves, matrix and grid at offsets of their own: read whole.
        b"mAB " | b"mBA " => data.len(),
        _ => return None,
    };
    (len <= data.len()).then_some(len)
}

fn dropped_tag(sig: &[u8; 4], data: &[u8]) -> Finding {
    match TEXT_TAGS.iter().find(|(s, ..)| *s == sig) {
        Some(&(_, category, name)) => found(category, name, text_of(data)),
        None => found(
            Category::Unknown,
            &format!("ICC tag '{}'", printable(sig)),
            format!("{} bytes", data.len()),
        ),
    }
}

/// The description as a finding, unless it is the one photoscrub writes.
fn description_finding(data: &[u8], space: &[u8; 4]) -> Option<Finding> {
    let text = text_of(data);
    (text != neutral_description(space)).then(|| found(Category::Text, "ProfileDescription", text))
}

/// The description photoscrub writes: what the profile is, nothing else.
fn neutral_description(space: &[u8; 4]) -> String {
    format!("{} colour profile", space_name(space))
}

/// The text of a `desc`, `text` or `mluc` tag (the first record), or its
/// size for other types.
fn text_of(data: &[u8]) -> String {
    match &data[..4] {
        b"desc" => printable(data.get(12..).unwrap_or(&[])),
        b"text" => printable(&data[8..]),
        b"mluc" => {
            let len = u32_at(data, 20).unwrap_or(0) as usize;
            let at = u32_at(data, 24).unwrap_or(0) as usize;
            let units: Vec<u16> = data
                .get(at..at.saturating_add(len))
                .unwrap_or(&[])
                .chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            String::from_utf16_lossy(&units)
                .trim_end_matches('\0')
                .to_string()
        }
        _ => format!("{} bytes", data.len()),
    }
}

fn printable(bytes: &[u8]) -> String {
    let text: String = bytes
        .iter()
        .take_while(|&&b| b != 0)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    if text.is_empty() && bytes.iter().any(|&b| b != 0) {
        format!("{} bytes", bytes.len())
    } else {
        text
    }
}

impl Profile<'_> {
    fn class_name(&self) -> &'static str {
        match &self.class {
            b"scnr" => "input",
            b"mntr" => "display",
            b"prtr" => "output",
            b"link" => "device link",
            b"spac" => "colour space",
            b"abst" => "abstract",
            _ => "named colour",
        }
    }

    /// What the rebuild drops, as findings without a block name.
    pub fn dropped(&self) -> &[Finding] {
        &self.dropped
    }

    /// The rebuilt profile: a new header, the colour tags (tags that shared
    /// their data still share it) and a neutral description.
    pub fn write(&self) -> Vec<u8> {
        if let Some(profile) = self.whole {
            return profile.to_vec();
        }
        let description = self.description();
        let mut tags: Vec<Tag> = self.tags.clone();
        tags.push((*b"desc", &description));
        let table_end = HEADER_LEN + 4 + 12 * tags.len();
        let mut body: Vec<u8> = Vec::new();
        let mut table: Vec<u8> = (tags.len() as u32).to_be_bytes().to_vec();
        let mut written: Vec<(&[u8], usize)> = Vec::new();
        for (sig, data) in &tags {
            let offset = match written
                .iter()
                .find(|(d, _)| d.as_ptr() == data.as_ptr() && d.len() == data.len())
            {
                Some(&(_, offset)) => offset,
                None => {
                    let offset = table_end + body.len();
                    // Type, reserved zeros, the values the type defines,
                    // and zeros to the tag's size (often padded).
                    let len = defined_len(data).unwrap_or(data.len());
                    body.extend_from_slice(&data[..4]);
                    body.extend_from_slice(&[0; 4]);
                    body.extend_from_slice(&data[8..len]);
                    body.resize(body.len() + data.len() - len, 0);
                    body.resize(body.len().next_multiple_of(4), 0);
                    written.push((data, offset));
                    offset
                }
            };
            table.extend_from_slice(sig);
            table.extend_from_slice(&(offset as u32).to_be_bytes());
            table.extend_from_slice(&(data.len() as u32).to_be_bytes());
        }
        let mut out = self.header(table_end + body.len());
        out.extend_from_slice(&table);
        out.extend_from_slice(&body);
        out
    }

    fn header(&self, size: usize) -> Vec<u8> {
        let mut h = vec![0u8; HEADER_LEN];
        h[0..4].copy_from_slice(&(size as u32).to_be_bytes());
        h[8..10].copy_from_slice(&self.version);
        h[12..16].copy_from_slice(&self.class);
        h[16..20].copy_from_slice(&self.space);
        h[20..24].copy_from_slice(&self.pcs);
        h[36..40].copy_from_slice(b"acsp");
        h[64..68].copy_from_slice(&self.intent.to_be_bytes());
        h[68..80].copy_from_slice(&self.illuminant);
        h
    }

    /// The neutral description, as the type of this profile version wants
    /// it: `textDescriptionType` (v2) or `multiLocalizedUnicodeType` (v4).
    fn description(&self) -> Vec<u8> {
        let text = neutral_description(&self.space);
        let mut d = Vec::new();
        if self.version[0] == 2 {
            d.extend_from_slice(b"desc\0\0\0\0");
            d.extend_from_slice(&(text.len() as u32 + 1).to_be_bytes());
            d.extend_from_slice(text.as_bytes());
            // NUL, no Unicode (language, count), no ScriptCode (code,
            // count, 67 bytes).
            d.extend_from_slice(&[0; 1 + 8 + 3 + 67]);
        } else {
            let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
            d.extend_from_slice(b"mluc\0\0\0\0");
            for n in [1u32, 12] {
                d.extend_from_slice(&n.to_be_bytes());
            }
            d.extend_from_slice(b"enUS");
            d.extend_from_slice(&(utf16.len() as u32).to_be_bytes());
            d.extend_from_slice(&28u32.to_be_bytes());
            d.extend_from_slice(&utf16);
        }
        d
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn xyz(x: u32, y: u32, z: u32) -> Vec<u8> {
        let mut d = b"XYZ \0\0\0\0".to_vec();
        for v in [x, y, z] {
            d.extend_from_slice(&v.to_be_bytes());
        }
        d
    }

    fn text(tag: &[u8; 4], s: &str) -> Vec<u8> {
        let mut d = tag.to_vec();
        d.extend_from_slice(&[0; 4]);
        d.extend_from_slice(&(s.len() as u32 + 1).to_be_bytes());
        d.extend_from_slice(s.as_bytes());
        d.extend_from_slice(&[0; 80]);
        d
    }

    /// A small RGB display profile (v2) with `extra` tags after the colour
    /// tags, `gap` bytes between two tags and `reserved` in the header.
    pub(crate) fn profile(extra: &[(&[u8; 4], Vec<u8>)], gap: &[u8], reserved: &[u8]) -> Vec<u8> {
        let curve = b"curv\0\0\0\0\0\0\0\x01\x02\x33".to_vec();
        let mut tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
            (b"desc", text(b"desc", "Jane's monitor")),
            (b"wtpt", xyz(0xF6D6, 0x1_0000, 0xD32D)),
            (b"rXYZ", xyz(0x6FA2, 0x38F5, 0x0390)),
            (b"gXYZ", xyz(0x6299, 0xB785, 0x18DA)),
            (b"bXYZ", xyz(0x24A0, 0x0F84, 0xB6CF)),
            (b"rTRC", curve.clone()),
            (b"gTRC", curve.clone()),
            (b"bTRC", curve),
        ];
        tags.extend(extra.iter().cloned());
        let table_end = 132 + 12 * tags.len();
        let (mut table, mut body) = ((tags.len() as u32).to_be_bytes().to_vec(), Vec::new());
        for (i, (sig, data)) in tags.iter().enumerate() {
            table.extend_from_slice(*sig);
            table.extend_from_slice(&((table_end + body.len()) as u32).to_be_bytes());
            table.extend_from_slice(&(data.len() as u32).to_be_bytes());
            body.extend_from_slice(data);
            body.resize(body.len().next_multiple_of(4), 0);
            if i == 3 {
                body.extend_from_slice(gap);
                body.resize(body.len().next_multiple_of(4), 0);
            }
        }
        let mut h = vec![0u8; 128];
        h[0..4].copy_from_slice(&((table_end + body.len()) as u32).to_be_bytes());
        h[4..8].copy_from_slice(b"lcms");
        h[8] = 2;
        h[9] = 0x10;
        h[12..24].copy_from_slice(b"mntrRGB XYZ ");
        h[36..40].copy_from_slice(b"acsp");
        h[68..80].copy_from_slice(&xyz(0xF6D6, 0x1_0000, 0xD32D)[8..]);
        h[80..84].copy_from_slice(b"phsc");
        h[100..100 + reserved.len()].copy_from_slice(reserved);
        [h, table, body].concat()
    }

    fn contains(hay: &[u8], needle: &[u8]) -> bool {
        hay.windows(needle.len()).any(|w| w == needle)
    }

    fn tag<'a>(profile: &'a [u8], sig: &[u8; 4]) -> Option<&'a [u8]> {
        tag_table(profile)
            .ok()?
            .into_iter()
            .find(|(s, _)| s == sig)
            .map(|t| t.1)
    }

    #[test]
    fn rebuild_keeps_colour_tags_and_nothing_else() {
        let original = profile(
            &[
                (b"phsc", b"priv\0\0\0\0CANARY-1".to_vec()),
                (b"cprt", text(b"text", "CANARY-2")),
            ],
            b"CANARY-3",
            b"CANARY-4",
        );
        let rebuilt = rebuild(&original).unwrap();
        for canary in [&b"CANARY"[..], b"Jane", b"phsc", b"lcms"] {
            assert!(
                !contains(&rebuilt, canary),
                "{}",
                String::from_utf8_lossy(canary)
            );
        }
        for sig in COLOUR_TAGS.iter().filter(|s| tag(&original, s).is_some()) {
            assert_eq!(
                tag(&original, sig),
                tag(&rebuilt, sig),
                "{}",
                printable(*sig)
            );
        }
        assert_eq!(&rebuilt[8..24], &original[8..24]);
        assert_eq!(
            rebuild(&rebuilt).unwrap(),
            rebuilt,
            "a rebuilt profile rebuilds to itself"
        );
    }

    #[test]
    fn scan_reports_what_is_dropped() {
        let original = profile(&[(b"phsc", b"priv\0\0\0\0data".to_vec())], b"gap!", b"");
        let scan = scan(&original, "APP2");
        let has = |c: Category, tag: &str| {
            scan.findings
                .iter()
                .any(|f| f.category == c && f.tag == tag)
        };
        assert!(has(Category::Text, "ProfileDescription"), "{scan:?}");
        assert!(has(Category::Unknown, "ICC tag 'phsc'"), "{scan:?}");
        assert!(has(Category::Unknown, "UnreferencedData"), "{scan:?}");
        assert!(has(Category::Device, "ProfileCreator"), "{scan:?}");
        let clean = super::scan(&rebuild(&original).unwrap(), "APP2");
        assert_eq!(clean.findings.len(), 1, "{clean:?}");
        assert_eq!(clean.findings[0].category, Category::Rendering);
    }

    #[test]
    fn damaged_profiles_are_errors() {
        let good = profile(&[], b"", b"");
        let mut bad_offset = good.clone();
        bad_offset[136..140].copy_from_slice(&u32::MAX.to_be_bytes());
        let mut bad_curve = good.clone();
        let at = good.len() - 16 + 8;
        bad_curve[at..at + 4].copy_from_slice(&1000u32.to_be_bytes());
        for bad in [&good[..100], &bad_offset, &bad_curve] {
            assert!(rebuild(bad).is_err());
            assert_eq!(scan(bad, "x").findings[0].category, Category::Unknown);
        }
    }
}
