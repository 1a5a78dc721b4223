//! Issue 13, "every output byte accounted for": photoscrub against the
//! adversarial fixtures in `fixtures/hidden/` (made by
//! `fixtures/make-hidden.py`, described by `fixtures/hidden/manifest.json`).
//!
//! Every file plants canaries (`CANARY-xxxxxxNN`) and sometimes coordinates
//! in a block a cleaner keeps, does not understand or never reaches. The
//! judgement is the one `fixtures/judge-hidden.py` prints as a table:
//!
//! - ExifTool (`-a -u -G0:1 -ee3 -n`) on the output shows no canary, no
//!   planted coordinate and no tag of a removed category;
//! - a byte search of the output finds no canary or coordinate as UTF-8,
//!   UTF-16LE/BE, UTF-32LE/BE, hex, base64, EXIF rational or double, nor
//!   inside any zlib, gzip or raw deflate stream that inflates;
//! - the pixels are identical (ImageMagick, heif-convert, decoded ffmpeg
//!   streams; the codestream for JPEG XL), the Orientation and the ICC
//!   colour tags survive where the manifest asks, hidden HEIF pictures are
//!   gone (`heif-info`);
//! - `check` says the file would leak;
//! - `--keep people` still removes an address (it is location);
//! - the memory bombs stay within 64 MB plus the file size.
//!
//! Fixtures marked `stretch` in the manifest (data planted inside the coded
//! image or video data itself) are judged and their failures printed, but
//! they do not fail the test: see ARCHITECTURE.md for why they stay.
//! `the_hidden_fixtures_are_what_the_manifest_says` proves that every
//! canary is findable in its input, so a clean verdict means something.

mod common;

use common::*;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const MEMORY_SLACK: u64 = 64 << 20;
const INFLATE_CAP: usize = 64 << 20;

// ---------------------------------------------------------------------------
// The manifest
// ---------------------------------------------------------------------------

fn set_dir() -> PathBuf {
    fixture("hidden")
}

fn manifest() -> Vec<Value> {
    let text =
        fs::read_to_string(set_dir().join("manifest.json")).expect("fixtures/hidden/manifest.json");
    let v: Value = serde_json::from_str(&text).expect("manifest.json parses");
    v["files"].as_array().expect("files").clone()
}

fn s<'a>(e: &'a Value, key: &str) -> &'a str {
    e[key].as_str().unwrap_or("")
}

fn is_memory(e: &Value) -> bool {
    e["memory"].as_bool() == Some(true)
}

fn has_keep_people(e: &Value) -> bool {
    e["keep"]
        .as_array()
        .is_some_and(|k| k.iter().any(|x| x == "people"))
}

/// The bytes of an input: the committed file, or a generated bomb.
fn input_bytes(e: &Value) -> Vec<u8> {
    let g = &e["generate"];
    if g.is_object() {
        let seed = read(&set_dir().join(s(g, "seed")));
        let canary = s(&e["canaries"][0], "value");
        make_bomb(
            s(g, "kind"),
            g["count"].as_u64().unwrap() as usize,
            canary,
            &seed,
        )
    } else {
        read(&set_dir().join(s(e, "file")))
    }
}

/// Copies (or generates) the inputs of `entries` under `root`, keeping
/// their relative paths; returns their paths.
fn place(entries: &[&Value], root: &Path) -> HashMap<String, PathBuf> {
    let mut out = HashMap::new();
    for e in entries {
        let dst = root.join(s(e, "file"));
        fs::create_dir_all(dst.parent().unwrap()).unwrap();
        fs::write(&dst, input_bytes(e)).unwrap();
        out.insert(s(e, "file").to_string(), dst);
    }
    out
}

// ---------------------------------------------------------------------------
// Generated bombs (the same bytes as hiddenkit.make_bomb)
// ---------------------------------------------------------------------------

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(kind: &[u8], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
    out
}

fn make_bomb(kind: &str, count: usize, canary: &str, seed: &[u8]) -> Vec<u8> {
    let c = canary.as_bytes();
    let mut out = Vec::new();
    match kind {
        "jpeg-com" => {
            out.extend_from_slice(&seed[..2]);
            for _ in 0..count {
                out.extend_from_slice(b"\xff\xfe\x00\x02");
            }
            out.extend_from_slice(&[0xFF, 0xFE]);
            out.extend_from_slice(&((c.len() + 2) as u16).to_be_bytes());
            out.extend_from_slice(c);
            out.extend_from_slice(&seed[2..]);
        }
        "gif-ext" => {
            let flags = seed[10];
            let n = 13
                + if flags & 0x80 != 0 {
                    3 * (2usize << (flags & 7))
                } else {
                    0
                };
            out.extend_from_slice(&seed[..n]);
            for _ in 0..count {
                out.extend_from_slice(b"\x21\xfe\x00");
            }
            out.extend_from_slice(b"\x21\xfe");
            out.push(c.len() as u8);
            out.extend_from_slice(c);
            out.push(0);
            out.extend_from_slice(&seed[n..]);
        }
        "webp-chunks" => {
            let mut body = seed[12..].to_vec();
            for _ in 0..count {
                body.extend_from_slice(b"phsc\0\0\0\0");
            }
            body.extend_from_slice(b"HIDE");
            body.extend_from_slice(&(c.len() as u32).to_le_bytes());
            body.extend_from_slice(c);
            if c.len() % 2 == 1 {
                body.push(0);
            }
            out.extend_from_slice(b"RIFF");
            out.extend_from_slice(&((body.len() + 4) as u32).to_le_bytes());
            out.extend_from_slice(b"WEBP");
            out.extend_from_slice(&body);
        }
        "png-chunks" => {
            out.extend_from_slice(&seed[..33]);
            let empty = png_chunk(b"phSc", b"");
            for _ in 0..count {
                out.extend_from_slice(&empty);
            }
            let mut t = b"Comment\0".to_vec();
            t.extend_from_slice(c);
            out.extend_from_slice(&png_chunk(b"tEXt", &t));
            out.extend_from_slice(&seed[33..]);
        }
        "png-xmp-deep" => {
            let mut xml = format!(
                "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
<rdf:Description rdf:about=\"\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:description>{canary}</dc:description>"
            )
            .into_bytes();
            for _ in 0..count {
                xml.extend_from_slice(b"<a>");
            }
            for _ in 0..count {
                xml.extend_from_slice(b"</a>");
            }
            xml.extend_from_slice(b"</rdf:Description></rdf:RDF></x:xmpmeta>");
            let mut data = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
            data.extend_from_slice(&xml);
            out.extend_from_slice(&seed[..33]);
            out.extend_from_slice(&png_chunk(b"iTXt", &data));
            out.extend_from_slice(&seed[33..]);
        }
        "mp4-boxes" => {
            out.extend_from_slice(seed);
            for _ in 0..count {
                out.extend_from_slice(b"\0\0\0\x08free");
            }
            out.extend_from_slice(&((c.len() + 24) as u32).to_be_bytes());
            out.extend_from_slice(b"uuid");
            out.extend_from_slice(&[0x11; 16]);
            out.extend_from_slice(c);
        }
        other => panic!("unknown bomb kind {other}"),
    }
    out
}

// ---------------------------------------------------------------------------
// What to look for, in which forms
// ---------------------------------------------------------------------------

fn hex(b: &[u8], upper: bool) -> Vec<u8> {
    b.iter()
        .map(|x| {
            if upper {
                format!("{x:02X}")
            } else {
                format!("{x:02x}")
            }
        })
        .collect::<String>()
        .into_bytes()
}

fn base64(b: &[u8]) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    for ch in b.chunks(3) {
        let n = (ch[0] as u32) << 16
            | (*ch.get(1).unwrap_or(&0) as u32) << 8
            | *ch.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= ch.len() {
                out.push(A[(n >> (18 - 6 * i)) as usize & 63]);
            } else {
                out.push(b'=');
            }
        }
    }
    out
}

fn utf16(t: &str, be: bool) -> Vec<u8> {
    t.encode_utf16()
        .flat_map(|u| if be { u.to_be_bytes() } else { u.to_le_bytes() })
        .collect()
}

fn utf32(t: &str, be: bool) -> Vec<u8> {
    t.chars()
        .flat_map(|c| {
            if be {
                (c as u32).to_be_bytes()
            } else {
                (c as u32).to_le_bytes()
            }
        })
        .collect()
}

/// Every byte form of a planted text (as `text_forms` in the judge).
fn text_forms(t: &str) -> Vec<(String, Vec<u8>)> {
    let u8 = t.as_bytes().to_vec();
    let mut f = vec![
        ("utf-8".into(), u8.clone()),
        ("utf-16-le".into(), utf16(t, false)),
        ("utf-16-be".into(), utf16(t, true)),
        ("utf-32-le".into(), utf32(t, false)),
        ("utf-32-be".into(), utf32(t, true)),
        ("hex".into(), hex(&u8, false)),
        ("HEX".into(), hex(&u8, true)),
        ("hex-utf16be".into(), hex(&utf16(t, true), false)),
        ("hex-utf16le".into(), hex(&utf16(t, false), false)),
    ];
    for k in 0..3usize {
        let mut raw = vec![0u8; k];
        raw.extend_from_slice(&u8);
        let enc = base64(&raw);
        let (start, end) = ((k * 8).div_ceil(6), ((k + u8.len()) * 8) / 6);
        if end >= start + 8 {
            f.push((format!("base64/{k}"), enc[start..end].to_vec()));
        }
    }
    f
}

/// Byte forms of planted coordinates (as `coord_forms` in the judge).
fn coord_forms(lat: f64, lon: f64) -> Vec<(String, Vec<u8>)> {
    let mut f = Vec::new();
    for (name, v) in [("lat", lat), ("lon", lon)] {
        for (k, b) in text_forms(&format!("{v:.5}")) {
            f.push((format!("{name} {k}"), b));
        }
        let d = v.abs();
        let deg = d.trunc();
        let m = ((d - deg) * 60.0).trunc();
        let sec = (((d - deg) * 60.0 - m) * 60.0 * 10000.0).round() as u32;
        for (k, b) in text_forms(&format!("{},{:.6}", deg as i64, (d - deg) * 60.0)) {
            f.push((format!("{name} XMP {k}"), b));
        }
        let mut r = sec.to_be_bytes().to_vec();
        r.extend_from_slice(&10000u32.to_be_bytes());
        f.push((format!("{name} rational>"), r));
        let mut r = sec.to_le_bytes().to_vec();
        r.extend_from_slice(&10000u32.to_le_bytes());
        f.push((format!("{name} rational<"), r));
        f.push((format!("{name} double>"), v.to_be_bytes().to_vec()));
        f.push((format!("{name} double<"), v.to_le_bytes().to_vec()));
    }
    f
}

struct Needle {
    name: String,
    forms: Vec<(String, Vec<u8>)>,
}

/// The values of entry `e` that must be gone when `allowed` categories are
/// kept: its canaries and (unless location is kept) its coordinates.
fn needles(e: &Value, allowed: &[&str]) -> Vec<Needle> {
    let mut out = Vec::new();
    for c in e["canaries"].as_array().unwrap() {
        if allowed.contains(&s(c, "category")) {
            continue;
        }
        out.push(Needle {
            name: s(c, "value").to_string(),
            forms: text_forms(s(c, "value")),
        });
    }
    if !allowed.contains(&"location") {
        for c in coords(e) {
            out.push(Needle {
                name: format!("coordinates {:.5},{:.5}", c.0, c.1),
                forms: coord_forms(c.0, c.1),
            });
        }
    }
    out
}

fn coords(e: &Value) -> Vec<(f64, f64)> {
    e["coordinates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["lat"].as_f64().unwrap(), c["lon"].as_f64().unwrap()))
        .collect()
}

// ---------------------------------------------------------------------------
// Byte search, plain and inflated
// ---------------------------------------------------------------------------

fn inflate_from(data: &[u8], zlib_header: bool, limit: usize) -> Option<Vec<u8>> {
    use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
    use miniz_oxide::inflate::TINFLStatus;
    let mut state = DecompressorOxide::new();
    let mut out = vec![0u8; 1 << 16];
    let mut out_pos = 0usize;
    let mut in_pos = 0usize;
    let base = if zlib_header {
        inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
    } else {
        0
    };
    loop {
        let flags = base
            | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF
            | inflate_flags::TINFL_FLAG_HAS_MORE_INPUT;
        let (status, consumed, written) =
            decompress(&mut state, &data[in_pos..], &mut out, out_pos, flags);
        in_pos += consumed;
        out_pos += written;
        match status {
            TINFLStatus::Done => break,
            TINFLStatus::HasMoreOutput if out.len() < limit => {
                let n = (out.len() * 2).min(limit);
                out.resize(n, 0);
            }
            TINFLStatus::HasMoreOutput | TINFLStatus::NeedsMoreInput => break,
            _ => {
                if out_pos < 8 {
                    return None;
                }
                break;
            }
        }
    }
    if out_pos < 8 {
        return None;
    }
    out.truncate(out_pos);
    Some(out)
}

/// `(needle, form, where)` for every needle found in `data`, plain or in a
/// stream that inflates (zlib/gzip headers anywhere; raw deflate at every
/// offset of outputs up to 4 MB, not inside inflated data).
fn search(
    data: &[u8],
    needles: &[Needle],
    depth: usize,
    place: &str,
) -> Vec<(String, String, String)> {
    let mut hits = Vec::new();
    let mut found: BTreeSet<String> = BTreeSet::new();
    for n in needles {
        for (fname, f) in &n.forms {
            if !f.is_empty() && contains(data, f) {
                hits.push((n.name.clone(), fname.clone(), place.to_string()));
                found.insert(n.name.clone());
            }
        }
    }
    if depth > 1 || data.len() < 3 {
        return hits;
    }
    let raw_ok = depth == 0 && data.len() <= 4 << 20;
    for i in 0..data.len() - 2 {
        let (b0, b1) = (data[i], data[i + 1]);
        let mut tries: Vec<(&str, usize, bool)> = Vec::new();
        if b0 & 0x0F == 8 && b0 >> 4 <= 7 && ((b0 as u32) << 8 | b1 as u32) % 31 == 0 {
            tries.push(("zlib", i, true));
        }
        if b0 == 0x1F && b1 == 0x8B && data.len() > i + 10 && data[i + 2] == 8 {
            // gzip: skip the 10-byte header (no optional fields expected)
            tries.push(("gzip", i + 10, false));
        }
        if raw_ok {
            tries.push(("deflate", i, false));
        }
        for (kind, at, zh) in tries {
            let window = if kind == "deflate" {
                &data[at..data.len().min(at + (1 << 20))]
            } else {
                &data[at..]
            };
            let Some(inflated) = inflate_from(
                window,
                zh,
                if kind == "deflate" {
                    1 << 20
                } else {
                    INFLATE_CAP
                },
            ) else {
                continue;
            };
            let rest: Vec<Needle> = needles
                .iter()
                .filter(|n| !found.contains(&n.name))
                .map(|n| Needle {
                    name: n.name.clone(),
                    forms: n.forms.clone(),
                })
                .collect();
            if rest.is_empty() {
                return hits;
            }
            for h in search(
                &inflated,
                &rest,
                depth + 1,
                &format!("{place} > {kind}@{i}"),
            ) {
                found.insert(h.0.clone());
                hits.push(h);
            }
        }
    }
    hits
}

// ---------------------------------------------------------------------------
// ExifTool
// ---------------------------------------------------------------------------

/// `exiftool -j -a -u -G0:1 -ee3 -n` for each path, keyed by the path.
fn exiftool_dumps(paths: &[PathBuf]) -> HashMap<PathBuf, Value> {
    require_exiftool();
    let mut out = HashMap::new();
    for chunk in paths.chunks(200) {
        let o = Command::new("exiftool")
            .args([
                "-j",
                "-a",
                "-u",
                "-G0:1",
                "-ee3",
                "-n",
                "-api",
                "largefilesupport=1",
            ])
            .args(chunk)
            .output()
            .expect("exiftool runs");
        let v: Value = serde_json::from_slice(&o.stdout).unwrap_or(Value::Array(vec![]));
        for d in v.as_array().cloned().unwrap_or_default() {
            let p = PathBuf::from(s(&d, "SourceFile"));
            out.insert(p, d);
        }
    }
    out
}

fn lc_has(name: &str, words: &[&str]) -> bool {
    let l = name.to_ascii_lowercase();
    words.iter().any(|w| l.contains(w))
}

/// The removed category a tag name belongs to (the same lists as
/// `category_of` in judge-hidden.py), or None.
fn category_of(key: &str) -> Option<&'static str> {
    let parts: Vec<&str> = key.split(':').collect();
    let mut g0 = parts[0];
    if g0.starts_with("Doc") && parts.len() > 1 {
        g0 = parts[1];
    }
    let name = *parts.last().unwrap();
    const IGNORE: &[&str] = &[
        "Composite",
        "ExifTool",
        "File",
        "SourceFile",
        "System",
        "ICC_Profile",
        "JFIF",
        "APP14",
    ];
    const BENIGN: &[&str] = &[
        "HandlerDescription",
        "HandlerType",
        "HandlerClass",
        "HandlerVendorID",
        "TextFace",
        "TextSize",
        "TextColor",
        "TextFont",
        "FontName",
        "OtherFormat",
        "PixelAspectRatio",
        "Encoder",
        "ProfileDescription",
        "ProfileCopyright",
        "MediaLanguageCode",
        "GraphicsMode",
        "SampleGroupDescription",
        "ChapterListTrackID",
    ];
    if IGNORE.contains(&g0) || BENIGN.contains(&name) {
        return None;
    }
    let l = name.to_ascii_lowercase();
    let city = l
        .match_indices("city")
        .any(|(i, _)| i == 0 || !l.as_bytes()[i - 1].is_ascii_alphabetic());
    if city
        || name == "State"
        || l.starts_with("ciadr")
        || lc_has(
            name,
            &[
                "gps",
                "latitude",
                "longitude",
                "location",
                "country",
                "province",
                "sublocation",
                "sub-location",
                "iso6709",
                "geotag",
                "coordinates",
                "address",
                "postal",
                "tiepoint",
                "geoascii",
                "geokey",
            ],
        )
    {
        return Some("location");
    }
    let creator = l
        .match_indices("creator")
        .any(|(i, _)| !l[i + 7..].starts_with("tool"));
    let copyright = l
        .match_indices("copyright")
        .any(|(i, _)| !l[..i].ends_with("profile"));
    let region_name = l.find("region").is_some_and(|i| l[i..].contains("name"));
    if creator
        || copyright
        || region_name
        || l.starts_with("ciemail")
        || l.starts_with("citel")
        || lc_has(
            name,
            &[
                "artist",
                "byline",
                "by-line",
                "author",
                "owner",
                "rights",
                "person",
                "credit",
                "contact",
                "writer",
                "photographer",
            ],
        )
    {
        return Some("people");
    }
    if [
        "make",
        "model",
        "software",
        "lensmake",
        "lensmodel",
        "lensinfo",
        "lensid",
    ]
    .contains(&l.as_str())
        || lc_has(
            name,
            &[
                "serial",
                "uniqueid",
                "uniquecameramodel",
                "hostcomputer",
                "makernote",
                "creatortool",
            ],
        )
    {
        return Some("device");
    }
    let mpimage = l
        .match_indices("mpimage")
        .any(|(i, _)| l.as_bytes().get(i + 7).is_some_and(|c| c.is_ascii_digit()));
    if mpimage
        || l.ends_with("thumbnail")
        || l.ends_with("thumbnails")
        || lc_has(
            name,
            &[
                "thumbnailimage",
                "previewimage",
                "jpgfromraw",
                "otherimage",
                "thumbnailtiff",
                "previewtiff",
                "coverart",
            ],
        )
    {
        return Some("preview");
    }
    if lc_has(
        name,
        &[
            "datetime",
            "createdate",
            "modifydate",
            "datecreated",
            "timecreated",
            "creationdate",
            "subsectime",
            "offsettime",
            "digitalcreation",
        ],
    ) {
        return Some("time");
    }
    if l == "name"
        || l.ends_with("text")
        || lc_has(
            name,
            &[
                "comment",
                "description",
                "caption",
                "title",
                "headline",
                "keywords",
                "subject",
                "label",
                "instructions",
                "chapter",
                "note",
            ],
        )
    {
        return Some("text");
    }
    None
}

fn numbers_in(v: &Value) -> Vec<f64> {
    match v {
        Value::Number(n) => n.as_f64().into_iter().collect(),
        Value::Array(a) => a.iter().flat_map(numbers_in).collect(),
        Value::String(t) => {
            // decimals with at least four digits after the point
            let mut out = Vec::new();
            let b = t.as_bytes();
            let mut i = 0;
            while i < b.len() {
                if b[i].is_ascii_digit() {
                    let st = i;
                    while i < b.len() && b[i].is_ascii_digit() {
                        i += 1;
                    }
                    if i < b.len() && b[i] == b'.' {
                        let dot = i;
                        i += 1;
                        while i < b.len() && b[i].is_ascii_digit() {
                            i += 1;
                        }
                        if i - dot > 4 {
                            if let Ok(x) = t[st..i].parse() {
                                out.push(x);
                            }
                        }
                    }
                } else {
                    i += 1;
                }
            }
            out
        }
        _ => vec![],
    }
}

fn exiftool_findings(
    dump: &Value,
    needles: &[Needle],
    cs: &[(f64, f64)],
    allowed: &[&str],
) -> Vec<String> {
    let mut bad = Vec::new();
    let Some(map) = dump.as_object() else {
        return bad;
    };
    for (key, val) in map {
        if key == "SourceFile" {
            continue;
        }
        let text = val.to_string();
        for n in needles.iter().filter(|n| n.name.starts_with("CANARY-")) {
            if text.contains(&n.name) {
                bad.push(format!("ExifTool shows {} in {key}", n.name));
            }
        }
        for x in numbers_in(val) {
            if cs
                .iter()
                .any(|(la, lo)| (x.abs() - la).abs() < 2e-5 || (x.abs() - lo).abs() < 2e-5)
            {
                bad.push(format!(
                    "ExifTool shows a planted coordinate in {key} = {val}"
                ));
            }
        }
        let Some(cat) = category_of(key) else {
            continue;
        };
        if allowed.contains(&cat) {
            continue;
        }
        let trivial = match val {
            Value::Null => true,
            Value::String(t) => t.is_empty() || t == "0" || t.starts_with("0000:00:00 00:00:00"),
            Value::Number(n) => n.as_f64() == Some(0.0),
            Value::Array(a) => a.is_empty(),
            _ => false,
        };
        if !trivial {
            bad.push(format!(
                "ExifTool shows a {cat} tag: {key} = {}",
                text.chars().take(80).collect::<String>()
            ));
        }
    }
    bad
}

// ---------------------------------------------------------------------------
// Pixels, ICC, hidden HEIF pictures
// ---------------------------------------------------------------------------

fn tool(cmd: &str, args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| {
            panic!("{cmd} is required by this test and does not run ({e}); .ci/run installs it")
        })
}

fn jxl_codestream(d: &[u8]) -> Option<Vec<u8>> {
    if d.starts_with(&[0xFF, 0x0A]) {
        return Some(d.to_vec());
    }
    let mut out = Vec::new();
    let mut pos = 0usize;
    while pos + 8 <= d.len() {
        let mut size = u32::from_be_bytes(d[pos..pos + 4].try_into().unwrap()) as u64;
        let kind = &d[pos + 4..pos + 8];
        let mut hdr = 8u64;
        if size == 1 {
            size = u64::from_be_bytes(d.get(pos + 8..pos + 16)?.try_into().unwrap());
            hdr = 16;
        } else if size == 0 {
            size = (d.len() - pos) as u64;
        }
        if size < hdr {
            return None;
        }
        // Like fixtures/judge-hidden.py: a box that claims more than the
        // file holds (bytes after the last box) gives what there is.
        let end = (pos as u64).saturating_add(size).min(d.len() as u64) as usize;
        let body = d.get(pos + hdr as usize..end).unwrap_or(&[]);
        if kind == b"jxlc" {
            out.extend_from_slice(body);
        } else if kind == b"jxlp" {
            out.extend_from_slice(body.get(4..).unwrap_or(&[]));
        }
        pos = end.max(pos + 1);
    }
    (!out.is_empty()).then_some(out)
}

/// A signature of the decoded picture (or sound and picture), or None if it
/// does not decode.
fn pixel_sig(path: &Path, format: &str, scratch: &Path) -> Option<String> {
    match format {
        "mp4" | "mov" => {
            let o = tool(
                "ffmpeg",
                &[
                    "-v".as_ref(),
                    "error".as_ref(),
                    "-nostdin".as_ref(),
                    "-i".as_ref(),
                    path.as_os_str(),
                    "-map".as_ref(),
                    "0:V".as_ref(),
                    "-map".as_ref(),
                    "0:a?".as_ref(),
                    "-f".as_ref(),
                    "md5".as_ref(),
                    "-".as_ref(),
                ],
            );
            let t = String::from_utf8_lossy(&o.stdout).trim().to_string();
            (o.status.success() && t.starts_with("MD5=")).then_some(t)
        }
        "jxl" => jxl_codestream(&read(path))
            .map(|c| format!("codestream {}", String::from_utf8_lossy(&hex(&c, false)))),
        "heic" | "avif" => {
            fs::create_dir_all(scratch).ok();
            let png = scratch.join(format!(
                "{}.png",
                path.file_name().unwrap().to_string_lossy()
            ));
            let _ = fs::remove_file(&png);
            // heif-convert numbers its outputs when a file holds several images
            let first = png.with_file_name(format!(
                "{}-1.png",
                path.file_name().unwrap().to_string_lossy()
            ));
            let _ = fs::remove_file(&first);
            let o = tool("heif-convert", &[path.as_os_str(), png.as_os_str()]);
            if !o.status.success() {
                return None;
            }
            identify(if png.exists() { &png } else { &first })
        }
        _ => identify(path),
    }
}

fn identify(path: &Path) -> Option<String> {
    let mut arg = path.as_os_str().to_os_string();
    arg.push("[0]");
    let o = tool(
        "identify",
        &[
            "-quiet".as_ref(),
            "-format".as_ref(),
            "%#\n".as_ref(),
            arg.as_os_str(),
        ],
    );
    let t = String::from_utf8_lossy(&o.stdout);
    let first = t.lines().next().unwrap_or("").to_string();
    (o.status.success() && first.len() == 64).then_some(first)
}

fn icc_tags(p: &[u8]) -> HashMap<[u8; 4], Vec<u8>> {
    let mut out = HashMap::new();
    if p.len() < 132 {
        return out;
    }
    let n = u32::from_be_bytes(p[128..132].try_into().unwrap()).min(200) as usize;
    for i in 0..n {
        let at = 132 + 12 * i;
        let Some(e) = p.get(at..at + 12) else { break };
        let sig: [u8; 4] = e[..4].try_into().unwrap();
        let off = u32::from_be_bytes(e[4..8].try_into().unwrap()) as usize;
        let len = u32::from_be_bytes(e[8..12].try_into().unwrap()) as usize;
        out.insert(
            sig,
            p.get(off..off.saturating_add(len)).unwrap_or(&[]).to_vec(),
        );
    }
    out
}

const COLOUR_TAGS: &[&[u8; 4]] = &[
    b"wtpt", b"bkpt", b"rXYZ", b"gXYZ", b"bXYZ", b"rTRC", b"gTRC", b"bTRC", b"kTRC", b"chad",
    b"A2B0", b"A2B1", b"A2B2", b"B2A0", b"B2A1", b"B2A2", b"gamt", b"chrm",
];

fn icc_of(path: &Path) -> Vec<u8> {
    tool(
        "exiftool",
        &["-b".as_ref(), "-ICC_Profile".as_ref(), path.as_os_str()],
    )
    .stdout
}

fn heif_hidden(path: &Path) -> BTreeSet<&'static str> {
    let t = String::from_utf8_lossy(&tool("heif-info", &[path.as_os_str()]).stdout).into_owned();
    let mut found = BTreeSet::new();
    if t.lines().any(|l| l.trim_start().starts_with("thumbnail:")) {
        found.insert("heif-thumbnail");
    }
    if t.contains("depth channel: yes") {
        found.insert("heif-depth");
    }
    if t.lines().filter(|l| l.starts_with("image:")).count() > 1 {
        found.insert("heif-extra-image");
    }
    found
}

// ---------------------------------------------------------------------------
// The judgement of one output
// ---------------------------------------------------------------------------

/// What is wrong with `dst` as the cleaning of entry `e` (input `src`) when
/// `allowed` categories are kept. Empty: fine.
fn judge(
    e: &Value,
    src: &Path,
    dst: &Path,
    dump: Option<&Value>,
    allowed: &[&str],
    scratch: &Path,
) -> Vec<String> {
    let mut bad = Vec::new();
    if !dst.exists() {
        if s(e, "expect") == "clean" {
            bad.push("no output (expect: clean)".into());
        }
        return bad;
    }
    let data = read(dst);
    let ns = needles(e, allowed);
    for (n, form, place) in search(&data, &ns, 0, "bytes") {
        bad.push(format!("LEAK {n} as {form} in {place}"));
    }
    let cs = if allowed.contains(&"location") {
        vec![]
    } else {
        coords(e)
    };
    if let Some(d) = dump {
        for x in exiftool_findings(d, &ns, &cs, allowed) {
            bad.push(format!("LEAK {x}"));
        }
    }
    let format = s(e, "format");
    if let Some(absent) = e["absent"].as_array() {
        let left = heif_hidden(dst);
        for a in absent {
            if left.contains(a.as_str().unwrap()) {
                bad.push(format!("LEAK heif-info still lists {a}"));
            }
        }
    }
    let (si, so) = (
        pixel_sig(src, format, scratch),
        pixel_sig(dst, format, scratch),
    );
    match so {
        None => bad.push("DAMAGED the output does not decode".into()),
        Some(o) if Some(&o) != si.as_ref() => bad.push("DAMAGED pixels changed".into()),
        _ => {}
    }
    if let Some(want) = e["orientation"].as_i64() {
        let got = dump.and_then(|d| d["EXIF:IFD0:Orientation"].as_i64());
        if got != Some(want) && !(want == 1 && got.is_none()) {
            bad.push(format!("DAMAGED Orientation {got:?}, expected {want}"));
        }
    }
    if e["icc"].as_bool() == Some(true) {
        let (ti, to) = (icc_tags(&icc_of(src)), icc_tags(&icc_of(dst)));
        if to.is_empty() {
            bad.push("DAMAGED ICC profile lost".into());
        } else {
            for sig in COLOUR_TAGS {
                if let Some(v) = ti.get(*sig) {
                    if to.get(*sig) != Some(v) {
                        bad.push(format!(
                            "DAMAGED ICC colour tag {} changed",
                            String::from_utf8_lossy(*sig)
                        ));
                    }
                }
            }
        }
    }
    bad
}

/// Judges many (entry, input, output, allowed) cases on two threads.
fn judge_all(
    cases: Vec<(&Value, PathBuf, PathBuf, Vec<&'static str>)>,
    scratch: &Path,
) -> Vec<String> {
    let outs: Vec<PathBuf> = cases
        .iter()
        .filter(|c| c.2.exists())
        .map(|c| c.2.clone())
        .collect();
    let dumps = if outs.is_empty() {
        HashMap::new()
    } else {
        exiftool_dumps(&outs)
    };
    let half = cases.len().div_ceil(2);
    let mut failures = Vec::new();
    std::thread::scope(|sc| {
        let handles: Vec<_> = cases
            .chunks(half.max(1))
            .enumerate()
            .map(|(k, chunk)| {
                let dumps = &dumps;
                let scratch = scratch.join(format!("t{k}"));
                fs::create_dir_all(&scratch).unwrap();
                sc.spawn(move || {
                    let mut f = Vec::new();
                    for (e, src, dst, allowed) in chunk {
                        let bad = judge(e, src, dst, dumps.get(dst), allowed, &scratch);
                        if !bad.is_empty() {
                            let policy = if allowed.is_empty() {
                                String::new()
                            } else {
                                format!(" (--keep {})", allowed.join(","))
                            };
                            f.push(format!("{}{policy}: {}", s(e, "file"), bad.join("; ")));
                        }
                    }
                    f
                })
            })
            .collect();
        for h in handles {
            failures.extend(h.join().unwrap());
        }
    });
    failures.sort();
    failures
}

// ---------------------------------------------------------------------------
// Peak memory of one run
// ---------------------------------------------------------------------------

/// Runs photoscrub with `args` (output discarded: the JSON of a bomb can be
/// hundreds of MB); returns (exit code, peak RSS in bytes) from wait4.
/// std spawns with posix_spawn (vfork), so the test's own memory is never
/// counted as the child's.
#[allow(clippy::zombie_processes)] // reaped by wait4 below, which also gives the peak memory
fn run_measured(args: &[&std::ffi::OsStr]) -> (i32, u64) {
    let bin = assert_cmd::cargo::cargo_bin("photoscrub");
    let child = Command::new(bin)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("photoscrub starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid value for wait4 to fill in.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; status and ru are valid pointers.
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    assert_eq!(rc, pid, "wait4 failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    (code, ru.ru_maxrss as u64 * 1024)
}

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

/// The fixtures are what the manifest says: every file exists and decodes
/// is checked by make-hidden.py; here, every canary and coordinate must be
/// findable in its input (byte search or ExifTool), canaries are unique to
/// their file, HEIF hidden pictures are listed by heif-info, and the
/// generated bombs are as large as described. Without this a "clean"
/// verdict would mean nothing.
#[test]
fn the_hidden_fixtures_are_what_the_manifest_says() {
    let entries = manifest();
    assert!(entries.len() >= 150, "only {} fixtures", entries.len());
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    let committed: Vec<&Value> = entries
        .iter()
        .filter(|e| !e["generate"].is_object())
        .collect();
    let paths: Vec<PathBuf> = committed
        .iter()
        .filter(|e| !is_memory(e))
        .map(|e| set_dir().join(s(e, "file")))
        .collect();
    let dumps = exiftool_dumps(&paths);
    for e in &entries {
        for c in e["canaries"].as_array().unwrap() {
            assert!(
                seen.insert(s(c, "value").to_string()),
                "canary {} used twice",
                s(c, "value")
            );
        }
        for key in [
            "file", "format", "class", "planted", "why", "expect", "check",
        ] {
            assert!(!s(e, key).is_empty(), "{}: no {key}", s(e, "file"));
        }
        let data = input_bytes(e);
        if let Some(g) = e["generate"].as_object() {
            let count = g["count"].as_u64().unwrap() as usize;
            assert!(
                data.len() > count,
                "{}: the generated bomb is too small",
                s(e, "file")
            );
        }
        let ns = needles(e, &[]);
        let found: BTreeSet<String> = search(&data, &ns, 0, "input")
            .into_iter()
            .map(|h| h.0)
            .collect();
        let path = set_dir().join(s(e, "file"));
        let dump = dumps.get(&path);
        let et = dump
            .map(|d| exiftool_findings(d, &ns, &coords(e), &[]))
            .unwrap_or_default();
        for n in &ns {
            let by_exiftool = et.iter().any(|x| {
                if n.name.starts_with("CANARY-") {
                    x.contains(&n.name)
                } else {
                    x.contains("planted coordinate")
                }
            });
            if !found.contains(&n.name) && !by_exiftool {
                problems.push(format!(
                    "{}: {} is not findable in the input",
                    s(e, "file"),
                    n.name
                ));
            }
        }
        if let Some(absent) = e["absent"].as_array() {
            let listed = heif_hidden(&path);
            for a in absent {
                if !listed.contains(a.as_str().unwrap()) {
                    problems.push(format!(
                        "{}: heif-info does not list {a} in the input",
                        s(e, "file")
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "fixtures/hidden does not match its manifest:\n  {}",
        problems.join("\n  ")
    );
}

/// Every fixture (but the memory bombs) cleaned with the default policy,
/// and the `keep` ones again with `--keep people`; `check` must flag all.
#[test]
fn every_hidden_fixture_is_cleaned_without_a_trace() {
    let entries = manifest();
    let tmp = tempfile::tempdir().unwrap();
    let (inp, out, kin, kout) = (
        tmp.path().join("in"),
        tmp.path().join("out"),
        tmp.path().join("in-keep"),
        tmp.path().join("out-keep"),
    );
    let scratch = tmp.path().join("scratch");
    let normal: Vec<&Value> = entries.iter().filter(|e| !is_memory(e)).collect();
    let keep: Vec<&Value> = normal
        .iter()
        .copied()
        .filter(|e| has_keep_people(e))
        .collect();
    let inputs = place(&normal, &inp);
    let kinputs = place(&keep, &kin);

    let clean = run_json(args!["clean", "--json", "--out", out, inp]);
    let _ = run_json(args![
        "clean", "--json", "--keep", "people", "--out", kout, kin
    ]);
    let check = run_json(args!["check", "--json", inp]);

    let mut cases = Vec::new();
    for e in &normal {
        let f = s(e, "file");
        cases.push((*e, inputs[f].clone(), out.join(f), vec![]));
    }
    for e in &keep {
        let f = s(e, "file");
        cases.push((*e, kinputs[f].clone(), kout.join(f), vec!["people"]));
    }
    let mut failures = judge_all(cases, &scratch);
    for e in &normal {
        let f = s(e, "file");
        let status = if check.has_file(f) {
            check.status(f)
        } else {
            "<missing>".into()
        };
        if matches!(status.as_str(), "already-clean" | "cleaned" | "<missing>") {
            failures.push(format!("{f}: check-missed (check says {status})"));
        }
    }
    // Stretch fixtures plant data inside the coded image or video data
    // itself (a VP8 partition's tail, an H.264 SEI message): beyond the
    // promise of the core set, like the judge's "core" score. Their
    // failures are printed, not hidden, and do not fail the test.
    let stretch: BTreeSet<&str> = normal
        .iter()
        .filter(|e| e["stretch"].as_bool() == Some(true))
        .map(|e| s(e, "file"))
        .collect();
    let (beyond, failures): (Vec<String>, Vec<String>) = failures.into_iter().partition(|f| {
        stretch
            .iter()
            .any(|name| f.starts_with(&format!("{name}:")))
    });
    for f in &beyond {
        eprintln!("stretch fixture, known limit: {f}");
    }
    assert!(
        failures.is_empty(),
        "{} of {} hidden fixtures leak, are damaged or are missed by check (clean exit {}, check exit {}):\n  {}",
        failures.len(),
        normal.len(),
        clean.run.code,
        check.run.code,
        failures.join("\n  ")
    );
}

/// The memory bombs: `check` and `clean` each within 64 MB plus the file's
/// size, and an output (if any) judged like the others.
#[test]
fn memory_bombs_stay_within_bounds_and_leak_nothing() {
    let entries = manifest();
    let tmp = tempfile::tempdir().unwrap();
    let scratch = tmp.path().join("scratch");
    let bombs: Vec<&Value> = entries.iter().filter(|e| is_memory(e)).collect();
    assert!(bombs.len() >= 5);
    let inputs = place(&bombs, &tmp.path().join("in"));
    let mut failures = Vec::new();
    let mut cases = Vec::new();
    for e in &bombs {
        let f = s(e, "file");
        let src = &inputs[f];
        let size = fs::metadata(src).unwrap().len();
        let out_dir = tmp.path().join("out").join(Path::new(f).parent().unwrap());
        fs::create_dir_all(&out_dir).unwrap();
        let (c1, m1) = run_measured(&["check".as_ref(), "--json".as_ref(), src.as_os_str()]);
        let (_, m2) = run_measured(&[
            "clean".as_ref(),
            "--json".as_ref(),
            "--out".as_ref(),
            out_dir.as_os_str(),
            src.as_os_str(),
        ]);
        let bound = MEMORY_SLACK + size;
        for (what, m) in [("check", m1), ("clean", m2)] {
            if m > bound {
                failures.push(format!(
                    "{f}: {what} peaked at {} MB, over {} MB",
                    m >> 20,
                    bound >> 20
                ));
            }
        }
        if c1 == 0 {
            failures.push(format!("{f}: check-missed (exit {c1})"));
        }
        cases.push((
            *e,
            src.clone(),
            out_dir.join(Path::new(f).file_name().unwrap()),
            vec![],
        ));
    }
    // ExifTool takes minutes on millions of blocks: the bombs are judged by
    // bytes, pixels and memory only.
    for (e, src, dst, allowed) in &cases {
        let bad = judge(e, src, dst, None, allowed, &scratch);
        if !bad.is_empty() {
            failures.push(format!("{}: {}", s(e, "file"), bad.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "memory bombs:\n  {}",
        failures.join("\n  ")
    );
}
