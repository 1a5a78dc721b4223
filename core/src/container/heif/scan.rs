//! Findings: what a HEIF/AVIF file would tell a stranger.

use super::*;
use crate::metadata::icc;

/// Everything a HEIF/AVIF file would tell a stranger: its EXIF and XMP
/// items, other metadata items, vendor boxes, leftover data, a trailer —
/// and, as rendering, the primary image's rotation, mirroring and colour.
pub fn scan(data: &[u8]) -> Result<Scan, Error> {
    let heif = Heif::parse(data)?;
    let shown = heif.shown()?;
    heif.scan(&shown)
}

impl Heif<'_> {
    /// Everything the file would tell, given which items render the picture.
    pub(super) fn scan(&self, shown: &HashSet<u32>) -> Result<Scan, Error> {
        let mut scan = self.scan_rendering();
        scan.extend(self.scan_items(shown)?);
        scan.extend(self.scan_hidden(shown));
        scan.extend(self.scan_properties());
        scan.extend(self.scan_boxes());
        scan.extend(self.scan_structure());
        Ok(scan)
    }

    /// The items' metadata, with at most [`MAX_ITEM_FINDINGS`] listed.
    pub(super) fn scan_items(&self, shown: &HashSet<u32>) -> Result<Scan, Error> {
        let heif = self;
        let mut scan = Scan::default();
        let mut more = [0usize; Category::ALL.len()];
        for item in &heif.items {
            let found = heif.scan_item(item, shown.contains(&item.id))?;
            for f in found.findings {
                if scan.findings.len() < MAX_ITEM_FINDINGS {
                    scan.push(f);
                } else {
                    more[f.category as usize] += 1;
                }
            }
            for l in found.locations {
                if scan.locations.len() < MAX_LOCATIONS && !scan.locations.contains(&l) {
                    scan.locations.push(l);
                }
            }
        }
        for c in Category::ALL {
            if more[c as usize] > 0 {
                let value = format!("and {} more found in the items", more[c as usize]);
                scan.push(finding(c, "HEIF items", "MoreFindings", value));
            }
        }
        Ok(scan)
    }
}

pub(super) fn finding(category: Category, block: &str, tag: &str, value: String) -> Finding {
    Finding::new(category, block, tag, value)
}

impl Heif<'_> {
    /// What the primary image's properties say about how it is shown.
    pub(super) fn scan_rendering(&self) -> Scan {
        let mut scan = Scan::default();
        let Some(primary) = self.primary else {
            return scan;
        };
        for p in self.properties_of(primary) {
            let body = p.header.body(self.data);
            let described = match &p.header.kind {
                b"irot" => body.first().map(|a| match a & 3 {
                    0 => ("Rotation", "none".to_string()),
                    n => ("Rotation", format!("{}° anticlockwise", u32::from(n) * 90)),
                }),
                b"imir" => body.first().map(|a| {
                    let axis = if a & 1 == 0 { "vertical" } else { "horizontal" };
                    ("Mirror", format!("about the {axis} axis"))
                }),
                b"colr" if colour_is_icc(body) => {
                    for f in icc::scan(&body[4..], "HEIF colr").findings {
                        if !scan.findings.contains(&f) {
                            scan.push(f);
                        }
                    }
                    None
                }
                b"colr" => Some(("ColourInformation", describe_nclx(body))),
                b"clap" => Some(("CleanAperture", "cropped".to_string())),
                _ => None,
            };
            if let Some((tag, value)) = described {
                let f = finding(Category::Rendering, "HEIF properties", tag, value);
                if !scan.findings.contains(&f) {
                    scan.push(f);
                }
            }
        }
        scan
    }

    pub(super) fn scan_item(&self, item: &Item, shown: bool) -> Result<Scan, Error> {
        let mut scan = Scan::default();
        if !item.item_name.trim_matches(char::from(0)).is_empty() {
            scan.push(finding(
                Category::Text,
                &item.block(),
                "ItemName",
                item.item_name.clone(),
            ));
        }
        if item.role != Role::Image && item.is_blank(self.data) {
            return Ok(scan);
        }
        let bytes = || item.bytes(self.data);
        match item.role {
            Role::Image if shown => scan.extend(scan_jpeg_item(item, self.data)),
            // Reported once as a hidden picture.
            Role::Image => {}
            Role::Exif => {
                let bytes = bytes();
                let (tiff, _) = exif_tiff(&bytes, item.id)?;
                scan.extend(Exif::parse(tiff)?.scan("EXIF"));
                if !exif_header_is_plain(&bytes) {
                    scan.push(finding(
                        Category::Unknown,
                        &item.block(),
                        "ExifHeaderGap",
                        "bytes between the item's offset field and its TIFF header".into(),
                    ));
                }
            }
            Role::Xmp { deflated } => {
                scan.extend(xmp::scan(&xmp_packet(&bytes(), deflated)?, "XMP"))
            }
            Role::Iptc => match iptc::scan_iptc(&bytes(), "IPTC") {
                Ok(s) => scan.extend(s),
                Err(e) => scan.push(other_item_finding(item, &format!("unreadable IPTC: {e}"))),
            },
            Role::Other => scan.push(other_item_finding(item, "")),
        }
        Ok(scan)
    }

    /// Metadata properties (descriptions, times, vendor data).
    pub(super) fn scan_properties(&self) -> Scan {
        let mut scan = Scan::default();
        for p in &self.properties {
            let Some(category) = p.metadata else {
                continue;
            };
            let body = p.header.body(self.data);
            if is_zero(body) {
                continue;
            }
            scan.push(finding(
                category,
                "HEIF properties",
                &p.header.name(),
                describe_property(&p.header, body),
            ));
        }
        scan
    }

    /// Vendor boxes, motion photos, leftover data and the trailer.
    pub(super) fn scan_boxes(&self) -> Scan {
        let mut scan = Scan::default();
        for top in &self.tops {
            scan.findings.extend(self.scan_top(top));
        }
        for child in &self.meta_children {
            scan.findings.extend(self.scan_meta_child(child));
        }
        for gap in self.gaps() {
            if !is_zero(&self.data[gap.clone()]) {
                scan.push(finding(
                    Category::Unknown,
                    "HEIF mdat/idat",
                    "UnreferencedData",
                    format!("{} bytes not used by any item", gap.len()),
                ));
            }
        }
        if self.end < self.data.len() {
            scan.push(finding(
                Category::Preview,
                "trailer",
                "TrailerData",
                describe_trailer(&self.data[self.end..]),
            ));
        }
        scan
    }

    /// A top-level box other than `ftyp`, `meta` and `mdat`, if it holds
    /// anything.
    pub(super) fn scan_top(&self, top: &Top) -> Option<Finding> {
        let h = &top.header;
        let body = h.body(self.data);
        if is_zero(body) {
            return None;
        }
        let size = format!("{} bytes", body.len());
        match top.kind {
            TopKind::MotionPhoto => Some(finding(
                Category::Preview,
                "HEIF mpvd",
                "MotionPhotoVideo",
                size,
            )),
            TopKind::Other => Some(finding(
                Category::Unknown,
                "HEIF box",
                &h.name(),
                format!("{} ({size})", signature(body)),
            )),
            TopKind::Free => Some(leftover(&h.name(), body.len())),
            TopKind::Ftyp | TopKind::Meta | TopKind::Mdat => None,
        }
    }

    /// A child of `meta` that is not structure (or free space with data).
    pub(super) fn scan_meta_child(&self, child: &BoxHeader) -> Option<Finding> {
        let body = child.body(self.data);
        if is_zero(body) || META_STRUCTURE.contains(&&child.kind) {
            return None;
        }
        if child.is(b"free") || child.is(b"skip") {
            return Some(leftover(&child.name(), body.len()));
        }
        Some(finding(
            Category::Unknown,
            "HEIF meta",
            &child.name(),
            format!("{} ({} bytes)", signature(body), body.len()),
        ))
    }
}

pub(super) fn leftover(name: &str, len: usize) -> Finding {
    finding(
        Category::Unknown,
        &format!("HEIF {name}"),
        "LeftoverData",
        format!("{len} bytes of old data in free space"),
    )
}

pub(super) fn other_item_finding(item: &Item, note: &str) -> Finding {
    let mut what = item.name();
    if !item.content_type.is_empty() {
        what = format!("{what} {}", item.content_type);
    }
    if !item.content_encoding.is_empty() {
        what = format!("{what} ({})", item.content_encoding);
    }
    if !note.is_empty() {
        what = format!("{what}, {note}");
    }
    let category = if item
        .content_type
        .trim()
        .to_ascii_lowercase()
        .starts_with("text/")
    {
        Category::Text
    } else {
        Category::Unknown
    };
    finding(
        category,
        &item.block(),
        "MetadataItem",
        format!("{what} ({} bytes)", item.len()),
    )
}

/// A JPEG image item is pixels, but may carry its own APPn metadata, which
/// cannot be removed without changing the item's bytes.
pub(super) fn scan_jpeg_item(item: &Item, data: &[u8]) -> Scan {
    let mut scan = Scan::default();
    if &item.kind != b"jpeg" {
        return scan;
    }
    for marker in jpeg_metadata_markers(&item.head(data, JPEG_HEADERS)) {
        let what = if marker == 0xFE {
            "COM".to_string()
        } else {
            format!("APP{}", marker - 0xE0)
        };
        scan.push(finding(
            Category::Device,
            &item.block(),
            "EmbeddedJPEGMetadata",
            format!("{what} segment inside the JPEG image item"),
        ));
    }
    scan
}

/// Markers of metadata segments (APPn other than JFIF, ICC and Adobe; COM)
/// before the first scan of a JPEG bitstream.
pub(super) fn jpeg_metadata_markers(bytes: &[u8]) -> Vec<u8> {
    let mut found = Vec::new();
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return found;
    }
    let mut pos = 2;
    for _ in 0..4096 {
        let (Some(0xFF), Some(&marker)) = (bytes.get(pos), bytes.get(pos + 1)) else {
            break;
        };
        if marker == 0xDA || marker == 0xD9 {
            break;
        }
        let Some(len) = bytes.get(pos + 2..pos + 4) else {
            break;
        };
        if matches!(marker, 0xE1 | 0xE3..=0xED | 0xEF | 0xFE) {
            found.push(marker);
        }
        pos += 2 + usize::from(u16::from_be_bytes([len[0], len[1]]));
    }
    found
}

pub(super) fn describe_nclx(body: &[u8]) -> String {
    let mut r = Reader::new(body);
    let kind = r.array::<4>().unwrap_or_default();
    let (p, t, m) = (r.u16(), r.u16(), r.u16());
    match (p, t, m) {
        (Ok(p), Ok(t), Ok(m)) if &kind == b"nclx" => {
            format!("nclx primaries {p}, transfer {t}, matrix {m}")
        }
        _ => format!("'{}'", isobmff::kind_name(kind)),
    }
}

/// The text of a metadata property: `udes` strings, `altt` text, times.
pub(super) fn describe_property(header: &BoxHeader, body: &[u8]) -> String {
    let rest = body.get(4..).unwrap_or(&[]);
    match &header.kind {
        b"udes" | b"altt" => rest
            .split(|&b| b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect::<Vec<_>>()
            .join(", "),
        b"crtt" | b"mdft" => match Reader::new(rest).u64() {
            Ok(us) => format!("{us} µs since 1904"),
            Err(_) => format!("{} bytes", body.len()),
        },
        _ => format!("{} ({} bytes)", signature(body), body.len()),
    }
}

/// The printable start of a block, which often names its kind.
pub(super) fn signature(bytes: &[u8]) -> String {
    let sig: String = bytes
        .iter()
        .skip_while(|&&b| !b.is_ascii_graphic())
        .take(24)
        .take_while(|&&b| b.is_ascii_graphic() || b == b' ')
        .map(|&b| b as char)
        .collect();
    if sig.is_empty() {
        "unnamed".into()
    } else {
        format!("'{sig}'")
    }
}

pub(super) fn describe_trailer(bytes: &[u8]) -> String {
    let kind = if is_zero(bytes) {
        "padding"
    } else if memchr::memmem::find(bytes, b"ftyp").is_some() {
        "motion-photo video"
    } else if bytes.ends_with(b"SEFT") {
        "Samsung trailer"
    } else {
        "unknown data"
    };
    format!("{kind}, {} bytes", bytes.len())
}

/// An EXIF item: a 32-bit offset to the TIFF header, then (after that many
/// bytes, usually `Exif\0\0` or none) the TIFF structure. Returns the TIFF
/// bytes and the prefix worth keeping in a rewrite.
pub(super) fn exif_tiff(bytes: &[u8], id: u32) -> Result<(&[u8], &'static [u8]), Error> {
    let bad = |what: &str| Error::damaged(format!("EXIF item {id} is damaged ({what})"));
    let offset = bytes
        .get(..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| bad("too short"))?;
    let mut start = usize::try_from(offset)
        .ok()
        .and_then(|o| o.checked_add(4))
        .filter(|&s| s <= bytes.len())
        .ok_or_else(|| bad("its offset points past its end"))?;
    // Some writers point at `Exif\0\0` instead of the TIFF header after it.
    if bytes[start..].starts_with(b"Exif\0\0") {
        start += 6;
    }
    let tiff = &bytes[start..];
    if !(tiff.starts_with(b"II*\0") || tiff.starts_with(b"MM\0*")) {
        return Err(bad("no TIFF header where its offset points"));
    }
    let prefix: &'static [u8] = if bytes[4..start] == *b"Exif\0\0" {
        b"Exif\0\0"
    } else {
        b""
    };
    Ok((tiff, prefix))
}

/// An XMP item's packet, inflated if it is stored compressed.
pub(super) fn xmp_packet(bytes: &[u8], deflated: bool) -> Result<Vec<u8>, Error> {
    if !deflated {
        return Ok(bytes.to_vec());
    }
    miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(bytes, MAX_INFLATED).map_err(|e| {
        Error::damaged(format!(
            "compressed XMP item cannot be inflated ({:?})",
            e.status
        ))
    })
}

/// Whether an EXIF item holds nothing between its offset field and its TIFF
/// header but an optional `Exif\0\0`.
pub(super) fn exif_header_is_plain(bytes: &[u8]) -> bool {
    let Some(offset) = bytes
        .get(..4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    else {
        return false;
    };
    let between = bytes.get(4..4 + offset as usize).unwrap_or(&[]);
    between.is_empty() || between == b"Exif\0\0"
}

/// Brands of the HEIF, AVIF and ISO base media specifications.
pub(super) const KNOWN_BRANDS: &[&[u8; 4]] = &[
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs", b"mif1", b"mif2",
    b"mif3", b"msf1", b"miaf", b"avif", b"avis", b"avio", b"MA1A", b"MA1B", b"MiHA", b"MiHB",
    b"MiHE", b"MiPr", b"MiAC", b"MiCm", b"MiHX", b"iso8", b"isom", b"unif", b"1pic", b"tmap",
    b"jpeg", b"jpgs", b"vvic", b"avci", b"avcs",
];

/// What an `ftyp` box says.
pub(super) struct FileType {
    pub(super) major: [u8; 4],
    pub(super) minor: u32,
    pub(super) brands: Vec<[u8; 4]>,
}

/// Reads an `ftyp` payload: major brand, minor version, compatible brands.
pub(super) fn parse_ftyp(body: &[u8]) -> Result<FileType, Error> {
    let mut r = Reader::new(body);
    let e = cut("file type box");
    let major = r.array::<4>().map_err(e)?;
    let minor = r.u32().map_err(e)?;
    if r.remaining() % 4 != 0 {
        return Err(Error::damaged("the file type box has a partial brand"));
    }
    let mut brands = Vec::new();
    while r.remaining() > 0 {
        brands.push(r.array::<4>().map_err(e)?);
    }
    Ok(FileType {
        major,
        minor,
        brands,
    })
}

impl Heif<'_> {
    /// Free text and unknown values in the structure itself: the handler
    /// name, data reference URLs, unknown brands.
    pub(super) fn scan_structure(&self) -> Scan {
        let mut scan = Scan::default();
        if let Ok(Some(hdlr)) = self.child(b"hdlr") {
            let name = hdlr.body(self.data).get(24..).unwrap_or(&[]);
            if !is_zero(name) {
                let text = String::from_utf8_lossy(name)
                    .trim_matches(char::from(0))
                    .to_string();
                scan.push(finding(Category::Text, "HEIF hdlr", "HandlerName", text));
            }
        }
        if let Ok(Some(dinf)) = self.child(b"dinf") {
            let body = dinf.body(self.data);
            // Anything beyond one empty self-contained `url ` entry.
            let plain: &[u8] = b"\0\0\0\x1cdref\0\0\0\0\0\0\0\x01\0\0\0\x0curl \0\0\0\x01";
            if body != plain {
                scan.push(finding(
                    Category::Unknown,
                    "HEIF dinf",
                    "DataReference",
                    signature(body),
                ));
            }
        }
        for top in self.tops.iter().filter(|t| t.kind == TopKind::Ftyp) {
            let known = parse_ftyp(top.header.body(self.data))
                .is_ok_and(|t| t.minor == 0 && t.brands.iter().all(|b| KNOWN_BRANDS.contains(&b)));
            if !known {
                scan.push(finding(
                    Category::Unknown,
                    "HEIF ftyp",
                    "FileTypeBrands",
                    "unknown brands or a minor version".into(),
                ));
            }
        }
        scan
    }
}
