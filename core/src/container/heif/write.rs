//! The cleaned file, planned from what is kept.
//!
//! Output: a new `ftyp`, a new `meta` box and the `mdat` boxes that hold
//! kept data, in their original order. Every box header and every value in
//! `meta` is written here from parsed, checked values; the only bytes
//! copied from the input are the kept image items' data and their decoder
//! configurations (`hvcC`, `av1C`, …), both reported as image data. The
//! payloads of `mdat` and `idat` keep their layout, so an item's data stays
//! at the same place inside them: what is not kept becomes zeros, and a
//! rebuilt EXIF or XMP item is written over its old bytes (or, when it no
//! longer fits, after the last `mdat`'s data). Offsets in `iloc` are written
//! for where each `mdat` now starts.

use super::pictures::KEPT_REFERENCES;
use super::*;
use crate::format::Format;
use crate::metadata::{exif, icc};
use crate::plan::{Inspection, Piece, Pieces, Plan};
use crate::policy::Policy;

/// Item properties that configure a decoder: copied as image data.
const DECODER_CONFIGS: &[&[u8; 4]] = &[
    b"hvcC", b"av1C", b"avcC", b"jpgC", b"j2kH", b"vvcC", b"lhvC", b"uncC", b"cmpd",
];

/// What a file says and where its image data is.
pub fn inspect(format: Format, data: &[u8]) -> Result<Inspection, Error> {
    let heif = Heif::parse(data)?;
    let shown = heif.shown()?;
    Ok(Inspection {
        format,
        scan: heif.scan(&shown)?,
        media: heif.media(&shown),
    })
}

/// How to clean a HEIF/AVIF file under `policy`.
pub fn plan(format: Format, data: &[u8], policy: &Policy) -> Result<Plan, Error> {
    let heif = Heif::parse(data)?;
    let shown = heif.shown()?;
    let input = Inspection {
        format,
        scan: heif.scan(&shown)?,
        media: heif.media(&shown),
    };
    let output = Cleaned::new(&heif, &shown, policy)?.pieces()?;
    Ok(Plan {
        input,
        input_len: data.len() as u64,
        output,
    })
}

/// The cleaned file in one buffer.
pub fn rebuild(data: &[u8], policy: &Policy) -> Result<Vec<u8>, Error> {
    plan(Format::Heif, data, policy)?.output.to_vec(data)
}

/// The image data, in the order it must appear in the cleaned file.
pub fn image_data(data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    let heif = Heif::parse(data)?;
    let shown = heif.shown()?;
    Ok(heif
        .media(&shown)
        .into_iter()
        .map(|r| &data[r.start as usize..r.end as usize])
        .collect())
}

impl Heif<'_> {
    /// The decoder configurations of the shown items (in `ipco` order),
    /// then the shown items' data (in `iinf` order).
    fn media(&self, shown: &HashSet<u32>) -> Vec<Range<u64>> {
        let used = self.used_properties(shown);
        let mut media: Vec<Range<u64>> = used
            .iter()
            .map(|&i| &self.properties[i])
            .filter(|p| DECODER_CONFIGS.contains(&&p.header.kind))
            .map(|p| p.header.body..p.header.end)
            .collect();
        for item in self.items.iter().filter(|i| shown.contains(&i.id)) {
            media.extend(
                item.extents
                    .iter()
                    .map(|e| e.range.start as u64..e.range.end as u64),
            );
        }
        media
    }

    /// The 0-based indices of the properties associated with `ids`, sorted.
    fn used_properties(&self, ids: &HashSet<u32>) -> Vec<usize> {
        let mut used: Vec<usize> = self
            .associations
            .iter()
            .filter(|(id, _)| ids.contains(id))
            .flat_map(|(_, list)| list.iter().filter_map(|&(_, i)| i.checked_sub(1)))
            .filter(|&i| i < self.properties.len())
            .collect();
        used.sort_unstable();
        used.dedup();
        used
    }
}

/// Where a kept item's data is in the cleaned file.
#[derive(Clone, Debug)]
enum Spot {
    /// At this range of the input's `mdat` or `idat`, which keep their layout.
    Kept(Range<usize>),
    /// At this range of the data appended after the last kept `mdat`.
    Appended(Range<usize>),
}

/// An item of the cleaned file.
struct KeptItem {
    id: u32,
    kind: [u8; 4],
    hidden: bool,
    /// The content type of a `mime` item.
    mime: Option<&'static str>,
    spots: Vec<Spot>,
}

/// What goes into an `mdat` or `idat` range: the input's bytes, or new ones.
struct Fill {
    range: Range<usize>,
    bytes: Option<Vec<u8>>,
}

/// A kept property: a whole box written new, or a decoder configuration
/// whose payload is copied.
enum Prop {
    New(Vec<u8>),
    Config([u8; 4], Range<usize>),
}

impl Prop {
    fn len(&self) -> usize {
        match self {
            Prop::New(b) => b.len(),
            Prop::Config(_, r) => 8 + r.len(),
        }
    }
}

/// The cleaned file, decided.
struct Cleaned<'h, 'a> {
    heif: &'h Heif<'a>,
    items: Vec<KeptItem>,
    fills: Vec<Fill>,
    appended: Vec<u8>,
    /// Kept properties in `ipco` order, by their old 0-based index.
    props: Vec<(usize, Prop)>,
    /// Item id → (essential, new 1-based property index), sorted by id.
    associations: Vec<(u32, Vec<(bool, usize)>)>,
    refs: Vec<Reference>,
}

/// Where things land in the cleaned file: the new start of each kept
/// `mdat`'s payload (by index in `tops`) and of the appended data.
#[derive(Default)]
struct Layout {
    mdat_bodies: Vec<(usize, usize)>,
    appended_at: usize,
}

impl<'h, 'a> Cleaned<'h, 'a> {
    fn new(
        heif: &'h Heif<'a>,
        shown: &HashSet<u32>,
        policy: &Policy,
    ) -> Result<Cleaned<'h, 'a>, Error> {
        let mut cleaned = Cleaned {
            heif,
            items: Vec::new(),
            fills: Vec::new(),
            appended: Vec::new(),
            props: Vec::new(),
            associations: Vec::new(),
            refs: Vec::new(),
        };
        let facts = heif.facts();
        for item in &heif.items {
            if shown.contains(&item.id) {
                cleaned.keep_image(item)?;
            } else if cleaned.describes(item, shown) {
                cleaned.keep_metadata(item, policy, facts)?;
            }
        }
        cleaned.keep_properties(shown)?;
        cleaned.keep_references();
        Ok(cleaned)
    }

    fn keep_image(&mut self, item: &Item) -> Result<(), Error> {
        if !scan_jpeg_item(item, self.heif.data).findings.is_empty() {
            return Err(unsupported(format!(
                "the JPEG image item {} carries its own metadata, which cannot be removed without changing the image",
                item.id
            )));
        }
        for e in &item.extents {
            self.fills.push(Fill {
                range: e.range.clone(),
                bytes: None,
            });
        }
        self.items.push(KeptItem {
            id: item.id,
            kind: item.kind,
            hidden: item.hidden,
            mime: None,
            spots: item
                .extents
                .iter()
                .map(|e| Spot::Kept(e.range.clone()))
                .collect(),
        });
        Ok(())
    }

    /// Whether `item` is EXIF or XMP describing a shown item (`cdsc`).
    fn describes(&self, item: &Item, shown: &HashSet<u32>) -> bool {
        matches!(item.role, Role::Exif | Role::Xmp { .. })
            && !item.is_blank(self.heif.data)
            && self.heif.refs.iter().any(|r| {
                &r.kind == b"cdsc" && r.from == item.id && r.to.iter().any(|t| shown.contains(t))
            })
    }

    /// Rebuilds an EXIF or XMP item; keeps it if anything is left to say.
    fn keep_metadata(
        &mut self,
        item: &Item,
        policy: &Policy,
        facts: ImageFacts,
    ) -> Result<(), Error> {
        let bytes = item.bytes(self.heif.data);
        let (payload, mime) = match item.role {
            Role::Exif => (rebuilt_exif(&bytes, item.id, policy, facts)?, None),
            Role::Xmp { deflated } => (
                xmp::filter(&xmp_packet(&bytes, deflated)?, policy),
                Some("application/rdf+xml"),
            ),
            _ => return Ok(()),
        };
        let Some(payload) = payload else {
            return Ok(());
        };
        let spots = self.place(item, payload);
        self.items.push(KeptItem {
            id: item.id,
            kind: item.kind,
            hidden: item.hidden,
            mime,
            spots,
        });
        Ok(())
    }

    /// Where rebuilt bytes go: over the item's extents in order if they fit
    /// (metadata items share no byte with any other item), else appended.
    fn place(&mut self, item: &Item, payload: Vec<u8>) -> Vec<Spot> {
        if payload.len() > item.len() {
            let start = self.appended.len();
            self.appended.extend_from_slice(&payload);
            return vec![Spot::Appended(start..self.appended.len())];
        }
        let mut spots = Vec::new();
        let mut rest = &payload[..];
        for e in &item.extents {
            if rest.is_empty() {
                break;
            }
            let (now, later) = rest.split_at(rest.len().min(e.range.len()));
            let range = e.range.start..e.range.start + now.len();
            self.fills.push(Fill {
                range: range.clone(),
                bytes: Some(now.to_vec()),
            });
            spots.push(Spot::Kept(range));
            rest = later;
        }
        spots
    }

    /// The properties of the shown items, rebuilt, and their associations.
    fn keep_properties(&mut self, shown: &HashSet<u32>) -> Result<(), Error> {
        let heif = self.heif;
        let mut new_index = HashMap::new();
        for old in heif.used_properties(shown) {
            if let Some(prop) = rebuild_property(heif.data, &heif.properties[old].header)? {
                self.props.push((old, prop));
                new_index.insert(old + 1, self.props.len());
            }
        }
        let mut by_id: std::collections::BTreeMap<u32, Vec<(bool, usize)>> = Default::default();
        for (id, list) in heif
            .associations
            .iter()
            .filter(|(id, _)| shown.contains(id))
        {
            let entry = by_id.entry(*id).or_default();
            for &(essential, old) in list.iter().filter(|(_, old)| *old != 0) {
                match new_index.get(&old) {
                    Some(&new) => entry.push((essential, new)),
                    None if essential => {
                        return Err(unsupported(format!(
                            "item {id} needs the property '{}', which photoscrub cannot rebuild",
                            heif.properties[old - 1].header.name()
                        )))
                    }
                    None => {}
                }
            }
        }
        self.associations = by_id.into_iter().filter(|(_, l)| !l.is_empty()).collect();
        Ok(())
    }

    /// References between kept items.
    fn keep_references(&mut self) {
        let kept: HashSet<u32> = self.items.iter().map(|i| i.id).collect();
        for r in &self.heif.refs {
            if !KEPT_REFERENCES.contains(&&r.kind) || !kept.contains(&r.from) {
                continue;
            }
            let to: Vec<u32> = r.to.iter().copied().filter(|t| kept.contains(t)).collect();
            if !to.is_empty() {
                self.refs.push(Reference {
                    kind: r.kind,
                    from: r.from,
                    to,
                });
            }
        }
    }

    // -----------------------------------------------------------------------
    // Writing

    /// The kept `mdat` boxes (indices into `tops`): those with kept data,
    /// and the last one if data is appended.
    fn kept_mdats(&self) -> Vec<usize> {
        let tops = &self.heif.tops;
        let mut kept: Vec<usize> = (0..tops.len())
            .filter(|&i| {
                tops[i].kind == TopKind::Mdat && {
                    let body = tops[i].header.body_range();
                    self.fills.iter().any(|f| inside(&f.range, &body))
                }
            })
            .collect();
        if !self.appended.is_empty() && kept.is_empty() {
            if let Some(last) = (0..tops.len())
                .rev()
                .find(|&i| tops[i].kind == TopKind::Mdat)
            {
                kept.push(last);
            }
        }
        kept
    }

    fn pieces(&self) -> Result<Pieces, Error> {
        let ftyp = self.ftyp()?;
        let meta_len = self.meta(&Layout::default())?.len() as usize;
        let kept = self.kept_mdats();
        let last = kept.last().copied();
        // Where each kept mdat's payload now starts.
        let mut layout = Layout::default();
        let mut at = ftyp.len();
        let mut bodies = Vec::new();
        for (i, top) in self.heif.tops.iter().enumerate() {
            match top.kind {
                TopKind::Meta => at += meta_len,
                TopKind::Mdat if kept.contains(&i) => {
                    let extra = if Some(i) == last {
                        self.appended.len()
                    } else {
                        0
                    };
                    let len = top.header.body_range().len() + extra;
                    let head = mdat_header(len);
                    layout.mdat_bodies.push((i, at + head.len()));
                    if Some(i) == last {
                        layout.appended_at = at + head.len() + top.header.body_range().len();
                    }
                    bodies.push((i, head));
                    at += head_len_plus(len);
                }
                _ => {}
            }
        }
        let trailing_mdat = last.is_none() && !self.appended.is_empty();
        if trailing_mdat {
            layout.appended_at = at + mdat_header(self.appended.len()).len();
        }
        let meta = self.meta(&layout)?;
        if meta.len() as usize != meta_len {
            return Err(Error::Unverified("the new 'meta' box changed size".into()));
        }
        let mut out = Pieces::default();
        out.push_new(&ftyp);
        for (i, top) in self.heif.tops.iter().enumerate() {
            match top.kind {
                TopKind::Meta => append(&mut out, &meta),
                TopKind::Mdat => {
                    if let Some((_, head)) = bodies.iter().find(|(j, _)| *j == i) {
                        out.push_new(head);
                        append(&mut out, &self.area(top.header.body_range()));
                        if Some(i) == last {
                            out.push_new(&self.appended);
                        }
                    }
                }
                _ => {}
            }
        }
        if trailing_mdat {
            out.push_new(&mdat_header(self.appended.len()));
            out.push_new(&self.appended);
        }
        Ok(out)
    }

    /// An `mdat` or `idat` payload: kept data copied, rebuilt items
    /// written, everything else zeros.
    fn area(&self, body: Range<usize>) -> Pieces {
        let mut fills: Vec<&Fill> = self
            .fills
            .iter()
            .filter(|f| inside(&f.range, &body))
            .collect();
        fills.sort_by_key(|f| f.range.start);
        let mut out = Pieces::default();
        let mut at = body.start;
        for f in fills {
            if f.range.start > at {
                out.push_zeros((f.range.start - at) as u64);
                at = f.range.start;
            }
            match &f.bytes {
                // Image items may share bytes: copy what is not yet copied.
                None if f.range.end > at => out.push_input(at as u64..f.range.end as u64),
                None => {}
                Some(bytes) => out.push_new(bytes),
            }
            at = at.max(f.range.end);
        }
        out.push_zeros((body.end - at) as u64);
        out
    }

    fn ftyp(&self) -> Result<Vec<u8>, Error> {
        let top = self.heif.tops.first().filter(|t| t.kind == TopKind::Ftyp);
        let top = top.ok_or_else(|| Error::damaged("there is no 'ftyp' box"))?;
        let FileType { major, brands, .. } = parse_ftyp(top.header.body(self.heif.data))?;
        if !KNOWN_BRANDS.contains(&&major) {
            return Err(unsupported(format!(
                "the file's brand '{}' is not a known HEIF brand",
                isobmff::kind_name(major)
            )));
        }
        let mut body = major.to_vec();
        body.extend_from_slice(&[0; 4]);
        for b in brands.iter().filter(|b| KNOWN_BRANDS.contains(b)) {
            body.extend_from_slice(b);
        }
        Ok(boxed(b"ftyp", &body))
    }

    /// The new `meta` box, with `iloc` offsets for `layout`.
    fn meta(&self, layout: &Layout) -> Result<Pieces, Error> {
        let mut children = Pieces::default();
        children.push_new(&hdlr());
        if self.heif.child(b"dinf")?.is_some() {
            children.push_new(&dinf());
        }
        let primary = self.heif.primary.unwrap_or_default();
        children.push_new(&full(
            b"pitm",
            u8::from(primary > 0xFFFF),
            0,
            &id_bytes(primary, primary > 0xFFFF),
        ));
        children.push_new(&self.iinf());
        children.push_new(&self.iloc(layout)?);
        if !self.refs.is_empty() {
            children.push_new(&self.iref());
        }
        append(&mut children, &self.iprp());
        if let Some(idat) = self.idat()? {
            append(&mut children, &idat);
        }
        let mut out = Pieces::default();
        out.push_new(&box_header(b"meta", 4 + children.len() as usize));
        out.push_new(&[0; 4]);
        append(&mut out, &children);
        Ok(out)
    }

    fn wide(&self) -> bool {
        self.items.iter().any(|i| i.id > 0xFFFF)
    }

    fn iinf(&self) -> Vec<u8> {
        let wide = self.items.len() > 0xFFFF;
        let mut body = if wide {
            (self.items.len() as u32).to_be_bytes().to_vec()
        } else {
            (self.items.len() as u16).to_be_bytes().to_vec()
        };
        for item in &self.items {
            let big = item.id > 0xFFFF;
            let mut infe = id_bytes(item.id, big);
            infe.extend_from_slice(&[0, 0]);
            infe.extend_from_slice(&item.kind);
            infe.push(0);
            if let Some(mime) = item.mime {
                infe.extend_from_slice(mime.as_bytes());
                infe.push(0);
            }
            body.extend(full(
                b"infe",
                if big { 3 } else { 2 },
                u32::from(item.hidden),
                &infe,
            ));
        }
        full(b"iinf", u8::from(wide), 0, &body)
    }

    /// `iloc` version 1 (2 with 32-bit ids): no base offsets, 32-bit
    /// offsets and lengths unless the file needs 64.
    fn iloc(&self, layout: &Layout) -> Result<Vec<u8>, Error> {
        let wide = self.wide();
        let big = self.heif.data.len() + self.appended.len() + (1 << 20) > u32::MAX as usize;
        let size: u8 = if big { 8 } else { 4 };
        let mut body = vec![(size << 4) | size, 0];
        let located: Vec<&KeptItem> = self.items.iter().filter(|i| !i.spots.is_empty()).collect();
        if wide {
            body.extend_from_slice(&(located.len() as u32).to_be_bytes());
        } else {
            body.extend_from_slice(&(located.len() as u16).to_be_bytes());
        }
        let idat = self.heif.child(b"idat")?.map(|b| b.body_range());
        for item in located {
            let in_idat = |r: &Range<usize>| idat.as_ref().is_some_and(|b| inside(r, b));
            let method = match &item.spots[0] {
                Spot::Kept(r) if in_idat(r) => 1u16,
                _ => 0,
            };
            body.extend(id_bytes(item.id, wide));
            body.extend_from_slice(&method.to_be_bytes());
            body.extend_from_slice(&[0, 0]); // data reference: this file
            body.extend_from_slice(&(item.spots.len() as u16).to_be_bytes());
            for spot in &item.spots {
                let (offset, len) = match spot {
                    Spot::Kept(r) if method == 1 => {
                        (r.start - idat.as_ref().map_or(0, |b| b.start), r.len())
                    }
                    Spot::Kept(r) => (self.moved(r, layout), r.len()),
                    Spot::Appended(r) => (layout.appended_at + r.start, r.len()),
                };
                uint(&mut body, offset as u64, size);
                uint(&mut body, len as u64, size);
            }
        }
        Ok(full(b"iloc", if wide { 2 } else { 1 }, 0, &body))
    }

    /// Where the input range `r` (inside a kept `mdat`) is in the output.
    fn moved(&self, r: &Range<usize>, layout: &Layout) -> usize {
        for &(i, new_body) in &layout.mdat_bodies {
            let body = self.heif.tops[i].header.body_range();
            if inside(r, &body) {
                return r.start - body.start + new_body;
            }
        }
        0
    }

    fn iref(&self) -> Vec<u8> {
        let wide = self.wide();
        let mut body = Vec::new();
        for r in &self.refs {
            let mut child = id_bytes(r.from, wide);
            child.extend_from_slice(&(r.to.len() as u16).to_be_bytes());
            for &t in &r.to {
                child.extend(id_bytes(t, wide));
            }
            body.extend(boxed(&r.kind, &child));
        }
        full(b"iref", u8::from(wide), 0, &body)
    }

    fn iprp(&self) -> Pieces {
        let mut ipco = Pieces::default();
        for (_, prop) in &self.props {
            match prop {
                Prop::New(bytes) => ipco.push_new(bytes),
                Prop::Config(kind, body) => {
                    ipco.push_new(&box_header(kind, body.len()));
                    ipco.push_input(body.start as u64..body.end as u64);
                }
            }
        }
        let wide_index = self.props.len() > 0x7F;
        let wide_id = self.wide();
        let mut ipma = (self.associations.len() as u32).to_be_bytes().to_vec();
        for (id, list) in &self.associations {
            ipma.extend(id_bytes(*id, wide_id));
            ipma.push(list.len() as u8);
            for &(essential, index) in list {
                if wide_index {
                    ipma.extend_from_slice(
                        &((u16::from(essential) << 15) | index as u16).to_be_bytes(),
                    );
                } else {
                    ipma.push((u8::from(essential) << 7) | index as u8);
                }
            }
        }
        let ipma = full(b"ipma", u8::from(wide_id), u32::from(wide_index), &ipma);
        let ipco_len: usize = self.props.iter().map(|(_, p)| p.len()).sum();
        let mut out = Pieces::default();
        out.push_new(&box_header(b"iprp", 8 + ipco_len + ipma.len()));
        out.push_new(&box_header(b"ipco", ipco_len));
        append(&mut out, &ipco);
        out.push_new(&ipma);
        out
    }

    /// The `idat` box, kept with its layout when a kept item lies in it.
    fn idat(&self) -> Result<Option<Pieces>, Error> {
        let Some(idat) = self.heif.child(b"idat")? else {
            return Ok(None);
        };
        let body = idat.body_range();
        if !self.fills.iter().any(|f| inside(&f.range, &body)) {
            return Ok(None);
        }
        let mut out = Pieces::default();
        out.push_new(&box_header(b"idat", body.len()));
        append(&mut out, &self.area(body));
        Ok(Some(out))
    }
}

/// The rebuilt EXIF item (offset field, `Exif\0\0` if the original had it,
/// allowlisted TIFF), or `None` when dropping it loses nothing.
fn rebuilt_exif(
    bytes: &[u8],
    id: u32,
    policy: &Policy,
    facts: ImageFacts,
) -> Result<Option<Vec<u8>>, Error> {
    let (tiff, prefix) = exif_tiff(bytes, id)?;
    let parsed = Exif::parse(tiff)?;
    let Some(tiff) = exif::rebuilt_when_needed(Some(&parsed), policy, facts)? else {
        return Ok(None);
    };
    let mut payload = (prefix.len() as u32).to_be_bytes().to_vec();
    payload.extend_from_slice(prefix);
    payload.extend_from_slice(&tiff);
    Ok(Some(payload))
}

/// A kept property rebuilt from its parsed values, or `None` to drop it
/// (an unknown or malformed property that nothing needs to be shown).
fn rebuild_property(data: &[u8], header: &BoxHeader) -> Result<Option<Prop>, Error> {
    let body = header.body(data);
    let kind = header.kind;
    if DECODER_CONFIGS.contains(&&kind) {
        return Ok(Some(Prop::Config(kind, header.body_range())));
    }
    let fixed = |len: usize| (body.len() == len).then(|| Prop::New(boxed(&kind, body)));
    let full_fixed = |len: usize| {
        (body.len() == len && body[..4] == [0; 4]).then(|| Prop::New(boxed(&kind, body)))
    };
    Ok(match &kind {
        b"ispe" => {
            let sizes = full_fixed(12).filter(|_| words(&body[4..]).all(plausible));
            Some(
                sizes.ok_or_else(|| {
                    Error::damaged("an image size property ('ispe') is malformed")
                })?,
            )
        }
        b"pixi" => {
            let n = body.get(4).copied().unwrap_or(0) as usize;
            let depths = body.get(5..).unwrap_or(&[]);
            full_fixed(5 + n).filter(|_| n > 0 && depths.iter().all(|&d| (1..=32).contains(&d)))
        }
        b"colr" => rebuild_colour(body)?,
        b"irot" => fixed(1).map(|_| Prop::New(boxed(&kind, &[body[0] & 3]))),
        b"imir" => fixed(1).map(|_| Prop::New(boxed(&kind, &[body[0] & 1]))),
        b"a1op" => fixed(1),
        b"lsel" => fixed(2),
        b"clli" => fixed(4).filter(|_| halves(body).all(|v| v <= 10_000)),
        b"pasp" => fixed(8).filter(|_| words(body).all(plausible)),
        b"mdcv" => fixed(24).filter(|_| halves(&body[..16]).all(|v| v <= 50_000)),
        b"clap" => fixed(32).filter(|_| words(body).all(|w| plausible(w.wrapping_abs()))),
        b"rloc" => full_fixed(12).filter(|_| words(&body[4..]).all(plausible)),
        b"a1lx" => {
            let large = body.first().is_some_and(|f| f & 1 == 1);
            fixed(1 + 3 * if large { 4 } else { 2 }).map(|_| {
                let mut b = body.to_vec();
                b[0] &= 1;
                Prop::New(boxed(&kind, &b))
            })
        }
        b"auxC" => {
            let rest = isobmff::full_box(body)?.rest;
            let urn = rest.split(|&b| b == 0).next().unwrap_or(&[]);
            let alpha = super::pictures::is_alpha_type(&String::from_utf8_lossy(urn));
            alpha.then(|| {
                let mut b = urn.to_vec();
                b.push(0);
                Prop::New(full(b"auxC", 0, 0, &b))
            })
        }
        _ => None,
    })
}

/// The most pixels a side of an image may have, and the largest value other
/// numeric properties may hold. Real values are far smaller; anything
/// larger is not a value but planted bytes (a 32-bit field whose top byte
/// is not zero), and is not copied.
const MAX_VALUE: i32 = 1 << 20;

fn plausible(v: i32) -> bool {
    (0..=MAX_VALUE).contains(&v)
}

/// The 32-bit big-endian values in `bytes`.
fn words(bytes: &[u8]) -> impl Iterator<Item = i32> + '_ {
    bytes
        .chunks_exact(4)
        .map(|c| i32::from_be_bytes([c[0], c[1], c[2], c[3]]))
}

/// The 16-bit big-endian values in `bytes`.
fn halves(bytes: &[u8]) -> impl Iterator<Item = u16> + '_ {
    bytes
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
}

/// `colr`: `nclx` values, or an ICC profile rebuilt by [`icc::rebuild`].
fn rebuild_colour(body: &[u8]) -> Result<Option<Prop>, Error> {
    Ok(match body.get(..4) {
        // CICP code points are below 256.
        Some(b"nclx") if body.len() == 11 && halves(&body[4..10]).all(|v| v < 256) => {
            let mut b = body.to_vec();
            b[10] &= 0x80;
            Some(Prop::New(boxed(b"colr", &b)))
        }
        Some(kind @ (b"prof" | b"rICC")) => {
            let mut b = kind.to_vec();
            b.extend(icc::rebuild(&body[4..])?);
            Some(Prop::New(boxed(b"colr", &b)))
        }
        _ => None,
    })
}

fn hdlr() -> Vec<u8> {
    let mut body = [0u8; 4].to_vec();
    body.extend_from_slice(b"pict");
    body.extend_from_slice(&[0; 13]); // reserved, and an empty name
    full(b"hdlr", 0, 0, &body)
}

/// One data reference: this file (a `url ` box with the self-contained flag
/// and no URL).
fn dinf() -> Vec<u8> {
    let url = full(b"url ", 0, 1, &[]);
    let mut dref = 1u32.to_be_bytes().to_vec();
    dref.extend(url);
    boxed(b"dinf", &full(b"dref", 0, 0, &dref))
}

fn mdat_header(body_len: usize) -> Vec<u8> {
    box_header(b"mdat", body_len)
}

fn head_len_plus(body_len: usize) -> usize {
    mdat_header(body_len).len() + body_len
}

/// A box header for a payload of `body_len` bytes (64-bit size if needed).
fn box_header(kind: &[u8; 4], body_len: usize) -> Vec<u8> {
    match u32::try_from(body_len + 8) {
        Ok(size) => {
            let mut h = size.to_be_bytes().to_vec();
            h.extend_from_slice(kind);
            h
        }
        Err(_) => {
            let mut h = 1u32.to_be_bytes().to_vec();
            h.extend_from_slice(kind);
            h.extend_from_slice(&(body_len as u64 + 16).to_be_bytes());
            h
        }
    }
}

fn boxed(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut out = box_header(kind, body.len());
    out.extend_from_slice(body);
    out
}

fn full(kind: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
    let mut b = ((u32::from(version) << 24) | (flags & 0xFF_FFFF))
        .to_be_bytes()
        .to_vec();
    b.extend_from_slice(body);
    boxed(kind, &b)
}

fn id_bytes(id: u32, wide: bool) -> Vec<u8> {
    if wide {
        id.to_be_bytes().to_vec()
    } else {
        (id as u16).to_be_bytes().to_vec()
    }
}

fn uint(out: &mut Vec<u8>, value: u64, size: u8) {
    out.extend_from_slice(&value.to_be_bytes()[8 - size as usize..]);
}

fn inside(r: &Range<usize>, area: &Range<usize>) -> bool {
    area.start <= r.start && r.end <= area.end
}

fn append(out: &mut Pieces, more: &Pieces) {
    for piece in more.pieces() {
        match piece {
            Piece::New(b) => out.push_new(b),
            Piece::Input(r) => out.push_input(r.clone()),
            Piece::Zeros(n) => out.push_zeros(*n),
        }
    }
}
