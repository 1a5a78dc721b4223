//! Which image items render the picture, and which are hidden pictures.
//!
//! The picture a viewer shows is the primary item, the items it is derived
//! from (`dimg`: grid tiles, overlay layers, …) and its alpha plane (an
//! auxiliary image, `auxl`, whose `auxC` type is alpha), each with what it
//! is derived from in turn. Every other image item is a hidden picture: a
//! thumbnail (`thmb`), a depth map or an HDR gain map (auxiliary images of
//! other types, `tmap` derivations) or a second top-level image. They can
//! show more than the picture (the uncropped original, the outline of a
//! child), so they are reported as previews, one finding per picture, and
//! removed.

use super::*;

/// The `auxC` types of alpha planes (MPEG-B CICP for AV1 and others, HEVC's
/// own for HEIC).
pub(super) const ALPHA_TYPES: &[&str] = &[
    "urn:mpeg:mpegB:cicp:systems:auxiliary:alpha",
    "urn:mpeg:hevc:2015:auxid:1",
];

/// References that a kept item keeps when their targets are kept too.
pub(super) const KEPT_REFERENCES: &[&[u8; 4]] = &[b"dimg", b"auxl", b"cdsc", b"prem", b"base"];

impl Heif<'_> {
    /// The ids of the image items that render the picture.
    pub(super) fn shown(&self) -> Result<HashSet<u32>, Error> {
        let primary = self
            .primary
            .ok_or_else(|| Error::damaged("the file names no primary image ('pitm')"))?;
        match self.items.iter().find(|i| i.id == primary) {
            Some(item) if item.role == Role::Image => {}
            Some(_) => return Err(unsupported("the primary item is not an image")),
            None => {
                return Err(Error::damaged(format!(
                    "the primary item {primary} does not exist"
                )))
            }
        }
        let mut shown = HashSet::from([primary]);
        // Each round adds at least one item, or stops.
        loop {
            let before = shown.len();
            for r in &self.refs {
                let derived = (&r.kind == b"dimg" || &r.kind == b"base") && shown.contains(&r.from);
                let alpha = &r.kind == b"auxl"
                    && r.to.iter().any(|t| shown.contains(t))
                    && self.is_alpha(r.from);
                if derived {
                    shown.extend(r.to.iter().copied());
                }
                if alpha {
                    shown.insert(r.from);
                }
            }
            if shown.len() == before {
                break;
            }
        }
        if let Some(id) = shown.iter().find(|id| {
            !self
                .items
                .iter()
                .any(|i| i.id == **id && i.role == Role::Image)
        }) {
            return Err(Error::damaged(format!(
                "the picture is built from item {id}, which is not an image"
            )));
        }
        Ok(shown)
    }

    /// Whether item `id` is an alpha plane (by its `auxC` property).
    pub(super) fn is_alpha(&self, id: u32) -> bool {
        self.aux_type(id).is_some_and(|t| is_alpha_type(&t))
    }

    /// The `auxC` type of item `id`, if it has one.
    pub(super) fn aux_type(&self, id: u32) -> Option<String> {
        let aux = self
            .properties_of(id)
            .into_iter()
            .find(|p| p.header.is(b"auxC"))?;
        let rest = isobmff::full_box(aux.header.body(self.data)).ok()?.rest;
        let end = rest.iter().position(|&b| b == 0)?;
        Some(String::from_utf8_lossy(&rest[..end]).into_owned())
    }

    /// One finding per hidden picture (the tiles of a hidden grid are part
    /// of it, not pictures of their own).
    pub(super) fn scan_hidden(&self, shown: &HashSet<u32>) -> Scan {
        let hidden: Vec<&Item> = self
            .items
            .iter()
            .filter(|i| i.role == Role::Image && !shown.contains(&i.id))
            .collect();
        let is_hidden = |id: u32| hidden.iter().any(|h| h.id == id);
        // Tiles of a hidden grid and planes of a hidden picture.
        let is_part = |id: u32| {
            self.refs.iter().any(|r| {
                (&r.kind == b"dimg" && r.to.contains(&id) && is_hidden(r.from))
                    || (&r.kind == b"auxl" && r.from == id && r.to.iter().any(|&t| is_hidden(t)))
            })
        };
        let mut scan = Scan::default();
        for item in hidden.iter().filter(|i| !is_part(i.id)) {
            if scan.findings.len() >= MAX_ITEM_FINDINGS {
                break;
            }
            let (tag, what) = self.picture_kind(item);
            scan.push(finding(
                Category::Preview,
                &item.block(),
                tag,
                format!("{what}{}, {} bytes", self.size_of(item.id), item.len()),
            ));
        }
        scan
    }

    /// What a hidden picture is, as a tag and in words.
    pub(super) fn picture_kind(&self, item: &Item) -> (&'static str, String) {
        let refers = |kind: &[u8; 4]| {
            self.refs
                .iter()
                .any(|r| &r.kind == kind && r.from == item.id)
        };
        if refers(b"thmb") {
            return ("ThumbnailImage", "thumbnail".into());
        }
        if &item.kind == b"tmap" {
            return ("GainMapImage", "tone-mapped (HDR) image".into());
        }
        if refers(b"auxl") {
            let kind = self.aux_type(item.id).unwrap_or_default();
            let lower = kind.to_ascii_lowercase();
            return if lower.contains("depth") || lower.contains("disparity") {
                ("DepthImage", "depth map".into())
            } else if lower.contains("gainmap") {
                ("GainMapImage", "HDR gain map".into())
            } else {
                ("AuxiliaryImage", format!("auxiliary image '{kind}'"))
            };
        }
        ("OtherImage", format!("second image ({})", item.name()))
    }

    /// " 640×480" from the item's `ispe`, or nothing.
    pub(super) fn size_of(&self, id: u32) -> String {
        self.properties_of(id)
            .into_iter()
            .find(|p| p.header.is(b"ispe"))
            .and_then(|p| {
                let mut r = Reader::new(p.header.body(self.data).get(4..)?);
                Some(format!(" {}×{}", r.u32().ok()?, r.u32().ok()?))
            })
            .unwrap_or_default()
    }
}

/// Whether an `auxC` type names an alpha plane.
pub(super) fn is_alpha_type(aux_type: &str) -> bool {
    ALPHA_TYPES.contains(&aux_type)
}
