//! Metadata items: user data, `keys`/`ilst`, XMP, 3GPP strings, and what category each is.

use super::*;

// ---------------------------------------------------------------------------
// Metadata items

/// The patches that turn a box into `free` space with a zeroed payload (its
/// size field, 32- or 64-bit, stays).
pub(super) fn free_patches(h: &BoxHeader) -> Vec<Patch> {
    let uuid = if h.uuid.is_some() { 16 } else { 0 };
    let zero_from = h.start + (h.header_len() - uuid);
    vec![
        Patch::Bytes {
            at: h.kind_offset(),
            bytes: b"free".to_vec(),
        },
        Patch::Zero {
            at: zero_from,
            len: h.end - zero_from,
        },
    ]
}

pub(super) fn free_space_block(place: &str, h: &BoxHeader) -> Block {
    Block::unknown(
        place,
        "FreeSpaceData",
        format!("{} bytes of leftover data in '{}'", h.body_len(), h.name()),
    )
    .patched(vec![Patch::Zero {
        at: h.body,
        len: h.body_len(),
    }])
}

pub(super) fn xmp_block(packet: &[u8]) -> Block {
    let scan = xmp::scan(packet, "XMP");
    if scan.findings.is_empty() {
        return Block::unknown("XMP", "XMP", format!("{} bytes", packet.len()));
    }
    let mut block = Block::default();
    for f in &scan.findings {
        block.also(f.category);
    }
    block.findings = scan.findings;
    block.locations = scan.locations;
    block
}

pub(super) fn xyz_block(place: &str, body: &[u8]) -> Block {
    let value = qt_text(body);
    let mut block = Block::one(Category::Location, place, "©xyz", value.clone());
    if let Some((lat, lon, alt)) = geo::parse_iso6709(&value) {
        block
            .locations
            .push(geo::location(lat, lon, alt, "QuickTime ©xyz"));
    }
    block
}

/// 3GPP `loci`: a place name, its role, longitude, latitude and altitude
/// as 16.16 fixed point, the astronomical body and notes.
pub(super) fn loci_block(place: &str, body: &[u8]) -> Block {
    let Some(loci) = parse_loci(body) else {
        return Block::one(
            Category::Location,
            place,
            "loci",
            format!("{} bytes", body.len()),
        );
    };
    let mut block = Block::one(
        Category::Location,
        place,
        "loci",
        format!("{:.6}, {:.6}", loci.lat, loci.lon),
    );
    for (tag, value) in [("LocationName", &loci.name), ("LocationNotes", &loci.notes)] {
        if !value.is_empty() {
            block.add(Category::Location, place, tag, value.clone());
        }
    }
    block.locations.push(geo::location(
        loci.lat,
        loci.lon,
        Some(loci.alt),
        "3GPP loci",
    ));
    block
}

pub(super) struct Loci {
    pub(super) name: String,
    pub(super) lon: f64,
    pub(super) lat: f64,
    pub(super) alt: f64,
    pub(super) notes: String,
}

pub(super) fn parse_loci(body: &[u8]) -> Option<Loci> {
    let fb = isobmff::full_box(body).ok()?;
    let mut r = Reader::new(fb.rest);
    r.skip(2).ok()?;
    let name = three_gpp_string(&mut r)?;
    r.u8().ok()?;
    let mut fixed = || r.u32().ok().map(|v| f64::from(v as i32) / 65536.0);
    let (lon, lat, alt) = (fixed()?, fixed()?, fixed()?);
    let _body = three_gpp_string(&mut r).unwrap_or_default();
    let notes = three_gpp_string(&mut r).unwrap_or_default();
    Some(Loci {
        name,
        lon,
        lat,
        alt,
        notes,
    })
}

/// A 3GPP string: UTF-8 ending in NUL, or UTF-16 starting with a byte-order
/// mark and ending in a 16-bit NUL.
pub(super) fn three_gpp_string(r: &mut Reader) -> Option<String> {
    if r.remaining() >= 2 && r.clone().bytes(2).ok()? == [0xFE, 0xFF] {
        r.skip(2).ok()?;
        let mut units = Vec::new();
        while let Ok(u) = r.u16() {
            if u == 0 {
                break;
            }
            units.push(u);
        }
        return Some(String::from_utf16_lossy(&units));
    }
    r.cstr()
        .ok()
        .map(|s| String::from_utf8_lossy(s).into_owned())
}

/// The category of a user-data or iTunes item type; `None` if unknown.
pub(super) fn item_category(kind: &[u8; 4]) -> Option<Category> {
    Some(match kind {
        b"\xa9xyz" | b"loci" => Category::Location,
        b"\xa9ART" | b"\xa9aut" | b"auth" | b"\xa9wrt" | b"\xa9dir" | b"\xa9prd" | b"\xa9prf"
        | b"\xa9cpy" | b"cprt" | b"perf" | b"\xa9PRD" | b"aART" | b"\xa9com" | b"\xa9con"
        | b"\xa9own" | b"ownr" | b"\xa9arg" | b"\xa9ard" | b"\xa9src" | b"\xa9phg" => {
            Category::People
        }
        b"\xa9mak" | b"\xa9mod" | b"\xa9swr" | b"\xa9too" | b"\xa9enc" | b"\xa9hst"
        | b"\xa9fmt" | b"\xa9req" | b"\xa9swf" | b"FIRM" | b"LENS" | b"CAME" | b"SETT"
        | b"MUID" | b"HMMT" | b"BCID" | b"GUMI" | b"GPMF" | b"smta" | b"sefd" | b"SDLN"
        | b"smrd" | b"Xtra" | b"hnti" | b"hinf" | b"manu" | b"modl" | b"tool" => Category::Device,
        b"\xa9day" | b"yrrc" | b"\xa9dte" | b"date" => Category::Time,
        b"\xa9nam" | b"\xa9cmt" | b"\xa9des" | b"desc" | b"ldes" | b"\xa9inf" | b"titl"
        | b"dscp" | b"kywd" | b"gnre" | b"\xa9gen" | b"\xa9alb" | b"albm" | b"\xa9key"
        | b"\xa9lyr" | b"\xa9grp" | b"name" | b"rtng" | b"clsf" | b"tvsh" | b"keyw" | b"catg" => {
            Category::Text
        }
        b"covr" | b"thmb" | b"PICT" | b"pnot" | b"thum" => Category::Preview,
        [0xa9, ..] => Category::Text,
        _ => return None,
    })
}

/// The category of a QuickTime metadata key (`com.apple.quicktime.make`…),
/// and whether the key is known.
pub(super) fn key_category(name: &str) -> (Category, bool) {
    let n = name.to_ascii_lowercase();
    // "quicktime" itself holds "time".
    let bare = n.replace("quicktime", "");
    let has = |words: &[&str]| words.iter().any(|w| bare.contains(w));
    let category = if RENDERING_KEYS.contains(&n.as_str()) {
        Category::Rendering
    } else if has(&["location", "gps", "iso6709"]) {
        Category::Location
    } else if has(&[
        "make",
        "model",
        "software",
        "camera",
        "lens",
        "serial",
        "identifier",
        "android.version",
        "manufacturer",
        "device",
        "firmware",
        "encoder",
        "host",
    ]) {
        Category::Device
    } else if has(&["date", "time"]) {
        Category::Time
    } else if has(&[
        "author",
        "artist",
        "copyright",
        "owner",
        "publisher",
        "producer",
        "director",
        "performer",
        "creator",
        "face",
    ]) {
        Category::People
    } else if has(&[
        "title",
        "displayname",
        "description",
        "comment",
        "keywords",
        "information",
        "album",
        "genre",
        "caption",
    ]) {
        Category::Text
    } else if has(&["artwork"]) {
        Category::Preview
    } else {
        return (Category::Device, false);
    };
    (category, true)
}

/// A key of a QuickTime `keys` box: its name and where the name is.
pub(super) struct Key {
    pub(super) name: String,
    pub(super) name_at: Range<u64>,
}

pub(super) fn parse_keys(buf: &[u8], keys: &BoxHeader) -> Result<Vec<Key>, Error> {
    let body = keys.body_range();
    let fb = isobmff::full_box(keys.body(buf))?;
    let count = Reader::new(fb.rest)
        .u32()
        .map_err(|_| Error::damaged("the 'keys' box is cut short"))?;
    let mut pos = body.start + 8;
    let mut out = Vec::new();
    for _ in 0..count {
        let size = be32(buf, pos) as usize;
        if size < 8 || pos + size > body.end {
            return Err(Error::damaged("a key in the 'keys' box is cut short"));
        }
        out.push(Key {
            name: text(&buf[pos + 8..pos + size]),
            name_at: (pos + 8) as u64..(pos + size) as u64,
        });
        pos += size;
    }
    Ok(out)
}

/// An item of a QuickTime `ilst` (its type is a 1-based index into `keys`).
pub(super) fn keyed_item(buf: &[u8], base: u64, item: &BoxHeader, keys: &[Key]) -> Block {
    let index = u32::from_be_bytes(item.kind) as usize;
    let value = data_value(buf, item);
    let Some(key) = index.checked_sub(1).and_then(|i| keys.get(i)) else {
        return Block::unknown("QuickTime keys", &format!("item {index}"), value);
    };
    let (category, known) = key_category(&key.name);
    let mut block = Block::one(category, "QuickTime keys", &key.name, value.clone());
    block.always = !known;
    if key.name.to_ascii_lowercase().ends_with("iso6709") {
        if let Some((lat, lon, alt)) = geo::parse_iso6709(&value) {
            block
                .locations
                .push(geo::location(lat, lon, alt, "QuickTime keys"));
        }
    }
    block.patched(vec![Patch::Zero {
        at: base + key.name_at.start,
        len: key.name_at.end - key.name_at.start,
    }])
}

/// An item of an iTunes-style `ilst` (its type says what it is).
pub(super) fn itunes_item(buf: &[u8], item: &BoxHeader) -> Block {
    let value = data_value(buf, item);
    let mut tag = item.name();
    if item.is(b"----") {
        let name = isobmff::children(buf, item, 0)
            .map_while(Result::ok)
            .find(|c| c.is(b"name"))
            .map(|c| text(c.body(buf).get(4..).unwrap_or(&[])));
        tag = format!("----:{}", name.unwrap_or_default());
    }
    match item_category(&item.kind) {
        Some(Category::Location) => {
            let mut block = Block::one(Category::Location, "QuickTime ilst", &tag, value.clone());
            if let Some((lat, lon, alt)) = geo::parse_iso6709(&value) {
                block
                    .locations
                    .push(geo::location(lat, lon, alt, "QuickTime ilst"));
            }
            block
        }
        Some(c) => Block::one(c, "QuickTime ilst", &tag, value),
        None if item.is(b"----") => Block::one(Category::Text, "QuickTime ilst", &tag, value),
        None => Block::unknown("QuickTime ilst", &tag, value),
    }
}

/// The values of the `data` boxes in an `ilst` item, as text.
pub(super) fn data_value(buf: &[u8], item: &BoxHeader) -> String {
    let mut values = Vec::new();
    for d in isobmff::children(buf, item, 0).map_while(Result::ok) {
        if !d.is(b"data") {
            continue;
        }
        let body = d.body(buf);
        let kind = be32(body, 0) & 0x00FF_FFFF;
        let v = body.get(8..).unwrap_or(&[]);
        let int = |signed: bool| -> String {
            let raw = v.iter().take(8).fold(0u64, |a, &b| (a << 8) | u64::from(b));
            let bits = 8 * v.len().min(8) as u32;
            if signed && bits > 0 && bits < 64 && raw >> (bits - 1) == 1 {
                (raw as i64 - (1i64 << bits)).to_string()
            } else if signed && bits == 64 {
                (raw as i64).to_string()
            } else {
                raw.to_string()
            }
        };
        values.push(match kind {
            1 | 4 => text(v),
            2 | 5 => {
                let units: Vec<u16> = v
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                String::from_utf16_lossy(&units)
            }
            21 => int(true),
            22 => int(false),
            23 if v.len() == 4 => f32::from_be_bytes([v[0], v[1], v[2], v[3]]).to_string(),
            24 if v.len() == 8 => f64::from_be_bytes(v.try_into().unwrap_or([0; 8])).to_string(),
            13 | 14 | 27 => format!("image, {} bytes", v.len()),
            _ => text(v),
        });
    }
    if values.is_empty() {
        return text(item.body(buf));
    }
    values.join(", ")
}

/// The value of a user-data box, as text.
pub(super) fn udta_value(kind: &[u8; 4], buf: &[u8], h: &BoxHeader) -> String {
    let body = h.body(buf);
    if body.get(4..8) == Some(b"data") {
        return data_value(buf, h);
    }
    if kind[0] == 0xA9 {
        return qt_text(body);
    }
    if THREE_GPP.contains(&kind) {
        let rest = body.get(4..).unwrap_or(&[]);
        return match kind {
            b"yrrc" => rest
                .get(..2)
                .map(|b| u16::from_be_bytes([b[0], b[1]]).to_string())
                .unwrap_or_default(),
            b"rtng" => text(rest.get(10..).unwrap_or(&[])),
            b"clsf" => text(rest.get(8..).unwrap_or(&[])),
            _ => text(rest.get(2..).unwrap_or(&[])),
        };
    }
    text(body)
}

/// A QuickTime user-data text item: 16-bit length, 16-bit language, text.
pub(super) fn qt_text(body: &[u8]) -> String {
    let mut r = Reader::new(body);
    match (r.u16(), r.u16()) {
        (Ok(len), Ok(_)) => match r.bytes(usize::from(len)) {
            Ok(s) => text(s),
            Err(_) => text(body),
        },
        _ => text(body),
    }
}
