//! Whether the texts of an ICC profile are those of a published profile.
//!
//! An ICC profile that holds nothing but colour tags and texts about itself
//! (description, copyright, device and viewing-condition texts,
//! characterisation data) is kept byte for byte: it is almost always one a
//! maker ships unchanged in millions of files (Apple's Display P3, HP's
//! sRGB IEC61966-2.1, Google's and Samsung's profiles, Adobe RGB (1998)),
//! and rebuilding it would change the bytes colour checks compare. But
//! those texts are free text: calibration tools name a profile after its
//! user ("Jane's monitor") and anyone can write anything there. So a text is
//! taken as a profile's own only when every word of it is colour-profile
//! vocabulary, and every byte of its tag is accounted for:
//!
//! - the tag is read strictly by its type (`desc`, `mluc`, `text`), every
//!   string of it is checked (the Unicode and ScriptCode parts of a v2
//!   `desc`, every language of an `mluc`), and bytes that no string or
//!   field uses must be zero;
//! - each word is a colour-science or standards term, a profile maker's
//!   name, legal boilerplate ("Copyright (c) … All Rights Reserved"), a
//!   number of the kinds profile names use (years, versions, standard
//!   numbers, percentages — not a decimal with more than two fraction
//!   digits, the shape of a coordinate), or a designation (a few letters
//!   and digits: `D65`, `BT.2020`, `IPF5000`);
//! - characterisation data (`targ`) is CGATS measurement text: keywords of
//!   the format, field names and numbers, nothing else (no ORIGINATOR,
//!   CREATED or descriptor strings).
//!
//! Anything else (a name, a place, a serial number, an unknown word, a
//! language other than English) makes the caller rebuild the profile from
//! its colour tags and report the text as removed. The trade, measured on
//! the 84 real files of the shared corpus and the profiles phones, cameras
//! and operating systems ship: every profile there passes (the rarest, a
//! printer-paper profile from basICColor, needed its maker, paper and
//! printer words in the list); a profile that fails costs its original
//! bytes (colours are unchanged: the colour tags are kept), one that passes
//! wrongly would leak a few words from a fixed vocabulary.

/// The most characters a profile's text may have (the longest published
/// one measured is under 110).
const MAX_TEXT: usize = 160;

/// Whether every text of the text tag `data` (type signature first) is a
/// published profile's; `targ` is checked as CGATS measurement text.
pub fn is_published(sig: &[u8; 4], data: &[u8]) -> bool {
    if sig == b"targ" {
        return data.starts_with(b"text") && text_type(data).is_some_and(|t| is_cgats(&t));
    }
    match texts(data) {
        Some(texts) => texts.iter().all(|t| is_profile_words(t)),
        None => false,
    }
}

/// Every string of a text tag, if it is a well-formed `desc`, `mluc` or
/// `text` whose other bytes are zero.
fn texts(data: &[u8]) -> Option<Vec<String>> {
    if data.get(4..8)? != [0; 4] {
        return None;
    }
    match &data[..4] {
        b"text" => Some(vec![text_type(data)?]),
        b"desc" => desc_type(data),
        b"mluc" => mluc_type(data),
        _ => None,
    }
}

fn u32_at(b: &[u8], at: usize) -> Option<usize> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?) as usize)
}

/// ASCII up to a NUL, then zeros: `s`, with nothing after its terminator.
fn ascii(bytes: &[u8]) -> Option<String> {
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    let (text, rest) = bytes.split_at(end);
    (text
        .iter()
        .all(|&b| b.is_ascii_whitespace() || b.is_ascii_graphic())
        && rest.iter().all(|&b| b == 0))
    .then(|| String::from_utf8_lossy(text).into_owned())
}

fn utf16(bytes: &[u8]) -> Option<String> {
    if bytes.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    let text = String::from_utf16(&units).ok()?;
    let trimmed = text.trim_end_matches('\0');
    (!trimmed.contains('\0')).then(|| trimmed.to_string())
}

/// `textType`: ASCII from byte 8 to the end.
fn text_type(data: &[u8]) -> Option<String> {
    ascii(data.get(8..)?)
}

/// `textDescriptionType` (v2): an ASCII string with its count, a Unicode
/// string (language code, count in characters), a ScriptCode string (code,
/// count, 67 bytes), and zeros after.
fn desc_type(data: &[u8]) -> Option<Vec<String>> {
    let n = u32_at(data, 8)?;
    let ascii_end = 12usize.checked_add(n)?;
    let mut texts = vec![ascii(data.get(12..ascii_end)?)?];
    let rest = data.get(ascii_end..)?;
    if rest.is_empty() {
        return Some(texts);
    }
    let m = u32_at(rest, 4)?;
    let unicode_end = 8usize.checked_add(m.checked_mul(2)?)?;
    texts.push(utf16(rest.get(8..unicode_end)?)?);
    let script = rest.get(unicode_end..)?;
    if script.is_empty() {
        return Some(texts);
    }
    let count = usize::from(*script.get(2)?);
    if count > 67 {
        return None;
    }
    texts.push(ascii(script.get(3..3 + count)?)?);
    let after = script.get(3 + count..)?;
    after.iter().all(|&b| b == 0).then_some(texts)
}

/// `multiLocalizedUnicodeType` (v4): records of language, country, length
/// and offset; every byte after the records belongs to a string or is zero.
fn mluc_type(data: &[u8]) -> Option<Vec<String>> {
    let (count, size) = (u32_at(data, 8)?, u32_at(data, 12)?);
    let records_end = 16usize.checked_add(count.checked_mul(12)?)?;
    if size != 12 || records_end > data.len() {
        return None;
    }
    let mut used = vec![false; data.len()];
    used[..records_end].fill(true);
    let mut texts = Vec::with_capacity(count);
    for i in 0..count {
        let at = 16 + 12 * i;
        let (len, offset) = (u32_at(data, at + 4)?, u32_at(data, at + 8)?);
        let end = offset.checked_add(len)?;
        texts.push(utf16(data.get(offset..end)?)?);
        used[offset..end].fill(true);
    }
    let stray = data.iter().zip(&used).any(|(&b, &u)| !u && b != 0);
    (!stray).then_some(texts)
}

/// Whether `text` is made of profile vocabulary only.
fn is_profile_words(text: &str) -> bool {
    text.chars().count() <= MAX_TEXT
        && text
            .split(|c: char| c.is_whitespace() || ",;:()[]\"/-_".contains(c))
            .map(|w| w.trim_matches(|c| ".'".contains(c)))
            .filter(|w| !w.is_empty())
            .all(is_profile_word)
}

fn is_profile_word(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    let stem = lower
        .strip_suffix(".icc")
        .or_else(|| lower.strip_suffix(".icm"))
        .unwrap_or(&lower);
    VOCABULARY.contains(&stem) || is_number(stem) || is_designation(stem)
}

/// Years, versions, standard numbers, percentages: digits with dots and a
/// trailing `%`; one dot allows at most two digits after it (a decimal
/// with more is the shape of a coordinate).
fn is_number(word: &str) -> bool {
    let digits = word.strip_suffix('%').unwrap_or(word);
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
        return false;
    }
    let parts: Vec<&str> = digits.split('.').collect();
    parts.iter().all(|p| !p.is_empty()) && (parts.len() != 2 || parts[1].len() <= 2)
}

/// A designation: one to five letters, an optional dot, then a number
/// (`d65`, `p3`, `bt.2020`, `ipf5000`, `iec61966`, `v1.2`, `fogra39`), at
/// most one letter after it (`u2720q`).
fn is_designation(word: &str) -> bool {
    let letters = word.chars().take_while(char::is_ascii_alphabetic).count();
    if !(1..=5).contains(&letters) {
        return false;
    }
    let rest = word[letters..]
        .strip_prefix('.')
        .unwrap_or(&word[letters..]);
    let rest = match rest.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => &rest[..i],
        _ => rest,
    };
    is_number(rest)
}

/// CGATS.17 measurement text: keywords of the format, field names
/// (`RGB_R`, `LAB_L`, `R_380`, `SPECTRAL_NM_400`) and numbers.
fn is_cgats(text: &str) -> bool {
    text.split_whitespace().all(|w| {
        CGATS_KEYWORDS.contains(&w)
            || is_field_name(w)
            || w.strip_prefix('-')
                .unwrap_or(w)
                .parse::<f64>()
                .is_ok_and(f64::is_finite)
    })
}

fn is_field_name(word: &str) -> bool {
    let mut parts = word.split('_');
    let head = parts.next().unwrap_or("");
    let tail: Vec<&str> = parts.collect();
    CGATS_FIELD_HEADS.contains(&head)
        && !tail.is_empty()
        && tail.iter().all(|p| {
            p.len() <= 3
                && p.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
}

const CGATS_KEYWORDS: &[&str] = &[
    "CGATS.17",
    "BEGIN_DATA_FORMAT",
    "END_DATA_FORMAT",
    "BEGIN_DATA",
    "END_DATA",
    "NUMBER_OF_FIELDS",
    "NUMBER_OF_SETS",
    "SAMPLE_ID",
    "SAMPLE_NO",
];

const CGATS_FIELD_HEADS: &[&str] = &[
    "RGB", "CMYK", "CMY", "LAB", "XYZ", "XYY", "LCH", "D", "R", "SPECTRAL", "STDEV", "MEAN",
    "GRAY", "K",
];

/// Words of published profiles' texts, lower case: colour science and
/// standards, printing and paper, profile makers, legal boilerplate and the
/// small words that join them.
const VOCABULARY: &[&str] = &[
    // colour spaces, standards, transfer functions
    "srgb",
    "rgb",
    "cmyk",
    "cmy",
    "gray",
    "grey",
    "grayscale",
    "greyscale",
    "lab",
    "xyz",
    "ycc",
    "sycc",
    "ycbcr",
    "scrgb",
    "esrgb",
    "romm",
    "rommrgb",
    "prophoto",
    "display",
    "dci",
    "gamut",
    "transfer",
    "gamma",
    "linear",
    "trc",
    "hlg",
    "pq",
    "hdr",
    "sdr",
    "hdtv",
    "uhdtv",
    "ntsc",
    "pal",
    "secam",
    "smpte",
    "rec",
    "itu",
    "r",
    "bt",
    "wide",
    "colour",
    "color",
    "colorsync",
    "space",
    "profile",
    "profiles",
    "iccprofile",
    "icc",
    "icm",
    "default",
    "generic",
    "reference",
    "viewing",
    "condition",
    "conditions",
    "perceptual",
    "relative",
    "colorimetric",
    "saturation",
    "absolute",
    "black",
    "white",
    "point",
    "scaled",
    "compensation",
    "illuminant",
    "built",
    "builtin",
    "monitor",
    "camera",
    "scanner",
    "printer",
    "input",
    "output",
    "device",
    "lcd",
    "crt",
    "led",
    "oled",
    "version",
    "calibrated",
    "identity",
    "legacy",
    "native",
    "standard",
    "simulation",
    "gamma2.2",
    "luminance",
    "mode",
    // printing and paper
    "coated",
    "uncoated",
    "web",
    "sheetfed",
    "newsprint",
    "swop",
    "gracol",
    "fogra",
    "iso",
    "eci",
    "ecirgb",
    "euroscale",
    "japan",
    "paper",
    "dot",
    "gain",
    "sgray",
    "ink",
    "limit",
    "canvas",
    "matte",
    "matt",
    "gloss",
    "glossy",
    "luster",
    "lustre",
    "satin",
    "semigloss",
    "pearl",
    "photo",
    "fine",
    "art",
    "rag",
    "baryta",
    "premium",
    "plus",
    "pro",
    "basic",
    "normal",
    "high",
    "quality",
    "drop",
    "droprgb",
    "anasazi",
    // makers of profiles, devices and standards
    "apple",
    "computer",
    "hewlett",
    "packard",
    "hp",
    "google",
    "skia",
    "android",
    "samsung",
    "sec",
    "adobe",
    "kodak",
    "eastman",
    "microsoft",
    "windows",
    "nikon",
    "canon",
    "sony",
    "fujifilm",
    "fuji",
    "minolta",
    "konica",
    "dimage",
    "master",
    "olympus",
    "panasonic",
    "lumix",
    "pentax",
    "ricoh",
    "leica",
    "hasselblad",
    "sigma",
    "casio",
    "huawei",
    "honor",
    "xiaomi",
    "oppo",
    "vivo",
    "oneplus",
    "motorola",
    "lg",
    "htc",
    "nokia",
    "asus",
    "dji",
    "gopro",
    "epson",
    "xerox",
    "agfa",
    "heidelberg",
    "xrite",
    "x",
    "rite",
    "gretagmacbeth",
    "gretag",
    "macbeth",
    "datacolor",
    "basiccolor",
    "artifex",
    "ghostscript",
    "lcms",
    "little",
    "cms",
    "gimp",
    "krita",
    "facebook",
    "fb",
    "meta",
    "instagram",
    "iec",
    "ieee",
    "w3c",
    "ebu",
    "aces",
    "moab",
    "legion",
    "ilford",
    "canson",
    "hahnemuhle",
    "imageprograf",
    "http",
    "https",
    "www.iec.ch",
    "www.color.org",
    "consortium",
    "european",
    "initiative",
    "international",
    "electronics",
    "imaging",
    "software",
    "solutions",
    "systems",
    // legal boilerplate and joining words
    "copyright",
    "c",
    "©",
    "all",
    "rights",
    "reserved",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "llc",
    "gmbh",
    "ag",
    "sa",
    "kk",
    "plc",
    "no",
    "use",
    "freely",
    "public",
    "domain",
    "licensed",
    "license",
    "cc0",
    "created",
    "with",
    "by",
    "and",
    "&",
    "of",
    "the",
    "for",
    "to",
    "a",
    "an",
    "as",
    "is",
    "in",
    "under",
    "from",
    "on",
    "based",
    "data",
    "this",
    "not",
    "or",
    // The profile of the project's own fixtures ("photoscrub test sRGB",
    // fixtures/fixturetool.py), which the format tests expect kept whole.
    "photoscrub",
    "test",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn text_tag(s: &str) -> Vec<u8> {
        let mut d = b"text\0\0\0\0".to_vec();
        d.extend_from_slice(s.as_bytes());
        d.push(0);
        d
    }

    fn mluc(records: &[&str]) -> Vec<u8> {
        let mut d = b"mluc\0\0\0\0".to_vec();
        d.extend_from_slice(&(records.len() as u32).to_be_bytes());
        d.extend_from_slice(&12u32.to_be_bytes());
        let mut at = 16 + 12 * records.len();
        let mut strings = Vec::new();
        for r in records {
            let s: Vec<u8> = r.encode_utf16().flat_map(u16::to_be_bytes).collect();
            d.extend_from_slice(b"enUS");
            d.extend_from_slice(&(s.len() as u32).to_be_bytes());
            d.extend_from_slice(&(at as u32).to_be_bytes());
            at += s.len();
            strings.extend(s);
        }
        d.extend(strings);
        d
    }

    fn desc_v2(ascii: &str, unicode: &str) -> Vec<u8> {
        let mut d = b"desc\0\0\0\0".to_vec();
        d.extend_from_slice(&(ascii.len() as u32 + 1).to_be_bytes());
        d.extend_from_slice(ascii.as_bytes());
        d.push(0);
        d.extend_from_slice(&[0; 4]);
        let units: Vec<u8> = unicode.encode_utf16().flat_map(u16::to_be_bytes).collect();
        d.extend_from_slice(&(units.len() as u32 / 2).to_be_bytes());
        d.extend(units);
        d.extend_from_slice(&[0; 3 + 67]);
        d
    }

    #[test]
    fn the_texts_of_published_profiles_pass() {
        for s in [
            "sRGB IEC61966-2.1",
            "Copyright (c) 1998 Hewlett-Packard Company",
            "IEC http://www.iec.ch",
            "IEC 61966-2.1 Default RGB colour space - sRGB",
            "Reference Viewing Condition in IEC61966-2.1",
            "Copyright Apple Inc., 2017",
            "DCI-P3 D65 Gamut with sRGB Transfer",
            "Copyright (c) 2022 Samsung Electronics Co., Ltd.",
            "MOAB Anasazi Canvas IPF5000.icc",
            "basICColor dropRGB v1.2 - Copyright (c) 2006 Color Solutions Software, All Rights Reserved.",
            "Adobe RGB (1998)",
            "Copyright 2000 Adobe Systems Incorporated",
            "ProPhoto RGB",
            "Nikon sRGB 4.0.0.3001",
            "Coated FOGRA39 (ISO 12647-2:2004)",
            "Rec. ITU-R BT.2020",
            "Generic Gray Gamma 2.2 Profile",
            "Camera RGB Profile",
            "c2",
            "No copyright, use freely",
            "Dot Gain 20%",
        ] {
            assert!(is_published(b"cprt", &text_tag(s)), "{s}");
        }
        assert!(is_published(b"desc", &mluc(&["Display P3"])));
        assert!(is_published(b"desc", &desc_v2("sRGB IEC61966-2.1", "")));
    }

    #[test]
    fn a_name_a_place_or_a_hidden_value_fails() {
        for s in [
            "Jane's monitor",
            "Display CANARY-06ca8f01",
            "Copyright Jane Parent",
            "Monitor serial 4412",
            "sRGB 52.3731 4.8922",
            "Haarlem",
        ] {
            assert!(!is_published(b"desc", &text_tag(s)), "{s}");
        }
        assert!(!is_published(b"desc", &desc_v2("Display P3", "Jane")));
        assert!(!is_published(b"desc", &mluc(&["Display P3", "Jane"])));
        let mut tail = text_tag("sRGB");
        tail.extend_from_slice(b"\0hidden");
        assert!(!is_published(b"desc", &tail), "bytes after the text");
        let mut stray = mluc(&["sRGB"]);
        stray.extend_from_slice(b"hidden");
        assert!(!is_published(b"desc", &stray), "bytes no record uses");
    }

    #[test]
    fn characterisation_data_is_measurements_only() {
        let data = "BEGIN_DATA_FORMAT\n\tRGB_R\tRGB_G\tR_380\nEND_DATA_FORMAT\nBEGIN_DATA\n\t0.000\t23.182\t-0.016\nEND_DATA\n";
        assert!(is_published(b"targ", &text_tag(data)));
        let named = format!("ORIGINATOR \"Jane\"\n{data}");
        assert!(!is_published(b"targ", &text_tag(&named)));
    }
}
