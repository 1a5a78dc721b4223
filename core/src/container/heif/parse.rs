//! Parsing: the top-level boxes, the `meta` box and its items, checked.

use super::*;

impl<'a> Heif<'a> {
    pub(super) fn parse(data: &'a [u8]) -> Result<Heif<'a>, Error> {
        let (tops, end) = parse_top(data)?;
        let mut metas = tops.iter().filter(|t| t.kind == TopKind::Meta);
        let meta = metas
            .next()
            .ok_or_else(|| Error::damaged("not a HEIF image: there is no 'meta' box"))?
            .header;
        if metas.next().is_some() {
            return Err(unsupported(
                "a HEIF file with two 'meta' boxes is not supported",
            ));
        }
        let version = isobmff::full_box(meta.body(data))?.version;
        if version != 0 {
            return Err(Error::damaged(format!(
                "'meta' box of unknown version {version}"
            )));
        }
        let meta_children = isobmff::children(data, &meta, 4).collect::<Result<Vec<_>, _>>()?;
        let mut heif = Heif {
            data,
            tops,
            end,
            meta_children,
            primary: None,
            refs: Vec::new(),
            items: Vec::new(),
            properties: Vec::new(),
            associations: Vec::new(),
        };
        heif.parse_meta()?;
        Ok(heif)
    }

    pub(super) fn child(&self, kind: &[u8; 4]) -> Result<Option<BoxHeader>, Error> {
        let mut found = self.meta_children.iter().filter(|c| c.is(kind));
        let first = found.next().copied();
        if found.next().is_some() {
            return Err(Error::damaged(format!(
                "the 'meta' box has two '{}' boxes",
                isobmff::kind_name(*kind)
            )));
        }
        Ok(first)
    }

    pub(super) fn parse_meta(&mut self) -> Result<(), Error> {
        let data = self.data;
        let hdlr = self
            .child(b"hdlr")?
            .ok_or_else(|| Error::damaged("the 'meta' box has no handler ('hdlr') box"))?;
        check_handler(hdlr.body(data))?;
        if self.meta_children.iter().any(|c| c.is(b"ipro")) {
            return Err(unsupported(
                "protected (encrypted) HEIF items are not supported",
            ));
        }
        self.primary = self
            .child(b"pitm")?
            .map(|p| parse_pitm(p.body(data)))
            .transpose()?;
        let refs = match self.child(b"iref")? {
            Some(iref) => parse_iref(data, &iref)?,
            None => Vec::new(),
        };
        if let Some(iprp) = self.child(b"iprp")? {
            self.parse_iprp(&iprp)?;
        }
        let infos = match self.child(b"iinf")? {
            Some(iinf) => parse_iinf(data, &iinf)?,
            None => Vec::new(),
        };
        let locations = match self.child(b"iloc")? {
            Some(iloc) => parse_iloc(data, &iloc)?,
            None => Vec::new(),
        };
        self.items = self.resolve(infos, locations, &refs)?;
        self.refs = refs;
        check_overlaps(&self.items)
    }

    pub(super) fn parse_iprp(&mut self, iprp: &BoxHeader) -> Result<(), Error> {
        let data = self.data;
        for child in isobmff::children(data, iprp, 0) {
            let child = child?;
            match &child.kind {
                b"ipco" => {
                    for p in isobmff::children(data, &child, 0) {
                        self.properties.push(classify_property(p?));
                    }
                }
                b"ipma" => self.associations.extend(parse_ipma(child.body(data))?),
                _ => {
                    return Err(unsupported(format!(
                        "unknown '{}' box among the item properties",
                        child.name()
                    )))
                }
            }
        }
        for (_, list) in &self.associations {
            for &(essential, index) in list {
                if index == 0 {
                    continue;
                }
                let property = self.properties.get_mut(index - 1).ok_or_else(|| {
                    Error::damaged(format!(
                        "an item refers to property {index}, which does not exist"
                    ))
                })?;
                property.essential |= essential;
            }
        }
        if let Some(p) = self
            .properties
            .iter()
            .find(|p| p.essential && p.metadata.is_some())
        {
            return Err(unsupported(format!(
                "the item property '{}' is marked essential but is not a known image property",
                p.header.name()
            )));
        }
        Ok(())
    }

    /// Joins item infos with their locations, checks where the data lies
    /// and decides each item's role.
    pub(super) fn resolve(
        &self,
        infos: Vec<Info>,
        locations: Vec<Location>,
        refs: &[Reference],
    ) -> Result<Vec<Item>, Error> {
        let mut ids = HashSet::new();
        if let Some(dup) = infos.iter().find(|i| !ids.insert(i.id)) {
            return Err(Error::damaged(format!("two items have the id {}", dup.id)));
        }
        let mut located = HashMap::new();
        for loc in &locations {
            if located.insert(loc.id, loc).is_some() {
                return Err(Error::damaged(format!("item {} is located twice", loc.id)));
            }
            if !ids.contains(&loc.id) {
                return Err(unsupported(format!(
                    "item {} has data but no item information",
                    loc.id
                )));
            }
        }
        let image_like = self.image_like_ids(refs);
        infos
            .into_iter()
            .map(|info| {
                let extents = match located.get(&info.id) {
                    Some(loc) => self.place(loc)?,
                    None => Vec::new(),
                };
                let role = role(&info, image_like.contains(&info.id))?;
                Ok(Item {
                    id: info.id,
                    kind: info.kind,
                    item_name: info.name,
                    hidden: info.hidden,
                    content_type: info.content_type,
                    content_encoding: info.content_encoding,
                    role,
                    extents,
                })
            })
            .collect()
    }

    /// Items that are shown or used to show one: the primary item, items
    /// with properties, and every item in a reference other than as the
    /// metadata side of `cdsc`.
    pub(super) fn image_like_ids(&self, refs: &[Reference]) -> HashSet<u32> {
        let mut ids: HashSet<u32> = self.primary.into_iter().collect();
        for (id, list) in &self.associations {
            if list.iter().any(|&(_, index)| index != 0) {
                ids.insert(*id);
            }
        }
        for r in refs {
            ids.extend(r.to.iter().copied());
            if &r.kind != b"cdsc" {
                ids.insert(r.from);
            }
        }
        ids
    }

    /// The absolute extents of an item, checked to lie inside a media data
    /// box (method 0) or the `idat` box (method 1).
    pub(super) fn place(&self, loc: &Location) -> Result<Vec<Extent>, Error> {
        if loc.data_reference != 0 && !self.self_contained(loc.data_reference)? {
            return Err(unsupported(format!(
                "item {}'s data is in another file",
                loc.id
            )));
        }
        let (areas, origin, limit) = self.data_areas(loc)?;
        let place = |raw: &RawExtent| {
            let range = raw.resolve(origin, limit).ok_or_else(|| {
                Error::damaged(format!(
                    "item {}'s data runs past the end of the file",
                    loc.id
                ))
            })?;
            if !areas
                .iter()
                .any(|a| a.start <= range.start && range.end <= a.end)
            {
                return Err(Error::damaged(format!(
                    "item {}'s data (bytes {}..{}) lies outside the media data",
                    loc.id, range.start, range.end
                )));
            }
            Ok(Extent { range })
        };
        loc.extents.iter().map(place).collect()
    }

    /// Where an item's data may lie, where its offsets count from and where
    /// they must end: the `mdat` payloads and the file (method 0), or the
    /// `idat` payload (method 1).
    pub(super) fn data_areas(
        &self,
        loc: &Location,
    ) -> Result<(Vec<Range<usize>>, usize, usize), Error> {
        match loc.method {
            0 => Ok((
                self.mdats().map(|t| t.header.body_range()).collect(),
                0,
                self.data.len(),
            )),
            1 => match self.child(b"idat")? {
                Some(idat) => {
                    let body = idat.body_range();
                    Ok((vec![body.clone()], body.start, body.end))
                }
                None => Err(Error::damaged(format!(
                    "item {} is in an 'idat' box that does not exist",
                    loc.id
                ))),
            },
            m => Err(unsupported(format!(
                "item {} is built with construction method {m}, which is not supported",
                loc.id
            ))),
        }
    }

    /// Whether data reference `index` (1-based, in `dinf`/`dref`) means
    /// "this file".
    pub(super) fn self_contained(&self, index: u16) -> Result<bool, Error> {
        let Some(dinf) = self.child(b"dinf")? else {
            return Ok(false);
        };
        let Some(dref) = isobmff::find(isobmff::children(self.data, &dinf, 0), b"dref")? else {
            return Ok(false);
        };
        let entry = isobmff::children(self.data, &dref, 8)
            .nth(usize::from(index) - 1)
            .transpose()?;
        Ok(entry
            .is_some_and(|e| isobmff::full_box(e.body(self.data)).is_ok_and(|f| f.flags & 1 == 1)))
    }

    pub(super) fn mdats(&self) -> impl Iterator<Item = &Top> {
        self.tops.iter().filter(|t| t.kind == TopKind::Mdat)
    }

    /// Where item data may lie: the `mdat` payloads, then the `idat` one.
    pub(super) fn areas(&self) -> Vec<Range<usize>> {
        let mut areas: Vec<Range<usize>> = self.mdats().map(|t| t.header.body_range()).collect();
        if let Ok(Some(idat)) = self.child(b"idat") {
            areas.push(idat.body_range());
        }
        areas
    }

    /// Bytes of media data that no item uses.
    pub(super) fn gaps(&self) -> Vec<Range<usize>> {
        let mut used: Vec<Range<usize>> = self
            .items
            .iter()
            .flat_map(|i| i.extents.iter().map(|e| e.range.clone()))
            .collect();
        used.sort_by_key(|r| r.start);
        let mut gaps = Vec::new();
        for body in self.areas() {
            let mut at = body.start;
            for r in used
                .iter()
                .filter(|r| r.start >= body.start && r.end <= body.end)
            {
                if r.start > at {
                    gaps.push(at..r.start);
                }
                at = at.max(r.end);
            }
            if body.end > at {
                gaps.push(at..body.end);
            }
        }
        gaps
    }

    /// The properties of item `id`, in order.
    pub(super) fn properties_of(&self, id: u32) -> Vec<&Property> {
        self.associations
            .iter()
            .filter(|(item, _)| *item == id)
            .flat_map(|(_, list)| list.iter())
            .filter_map(|&(_, index)| self.properties.get(index.checked_sub(1)?))
            .collect()
    }

    pub(super) fn facts(&self) -> ImageFacts {
        let Some(primary) = self.primary else {
            return ImageFacts::default();
        };
        let props = self.properties_of(primary);
        let dimensions = props.iter().find(|p| p.header.is(b"ispe")).and_then(|p| {
            let body = p.header.body(self.data);
            let mut r = Reader::new(body.get(4..)?);
            Some((r.u32().ok()?, r.u32().ok()?))
        });
        let has_icc = props
            .iter()
            .any(|p| p.header.is(b"colr") && colour_is_icc(p.header.body(self.data)));
        ImageFacts {
            dimensions,
            has_icc,
            orientation: None,
        }
    }
}

/// Reads the top-level boxes; returns them and where the trailer starts.
pub(super) fn parse_top(data: &[u8]) -> Result<(Vec<Top>, usize), Error> {
    let mut tops: Vec<Top> = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let seen_meta = tops.iter().any(|t| t.kind == TopKind::Meta);
        let header = match isobmff::read_box(data, pos, data.len(), true) {
            Ok(h) => h,
            Err(_) if seen_meta && !is_known_top(data.get(pos + 4..pos + 8)) => break,
            Err(e) => return Err(e),
        };
        let kind = match &header.kind {
            b"ftyp" if pos == 0 => TopKind::Ftyp,
            // A second file appended to this one (a motion-photo video).
            b"ftyp" if seen_meta => break,
            b"ftyp" => return Err(Error::damaged("two 'ftyp' boxes before the 'meta' box")),
            _ if pos == 0 => {
                return Err(Error::damaged(
                    "not a HEIF file: it does not start with an 'ftyp' box",
                ))
            }
            b"meta" => TopKind::Meta,
            b"mdat" => TopKind::Mdat,
            b"free" | b"skip" => TopKind::Free,
            b"mpvd" => TopKind::MotionPhoto,
            b"moov" => {
                return Err(unsupported(
                    "HEIF image sequences and animations (with a 'moov' box) are not supported",
                ))
            }
            _ => TopKind::Other,
        };
        pos = header.range().end;
        tops.push(Top { header, kind });
    }
    Ok((tops, pos))
}

/// Box types that, when their header is broken, mean a damaged file rather
/// than the start of appended data.
pub(super) fn is_known_top(kind: Option<&[u8]>) -> bool {
    matches!(
        kind,
        Some(
            b"ftyp" | b"meta" | b"mdat" | b"moov" | b"free" | b"skip" | b"mpvd" | b"uuid" | b"idat"
        )
    )
}

pub(super) fn check_handler(body: &[u8]) -> Result<(), Error> {
    let fb = isobmff::full_box(body)?;
    let handler = fb
        .rest
        .get(4..8)
        .ok_or_else(|| Error::damaged("the 'hdlr' box is cut short"))?;
    if handler != b"pict" {
        return Err(unsupported(format!(
            "the 'meta' box handler is '{}', not 'pict': not a HEIF image",
            String::from_utf8_lossy(handler)
        )));
    }
    Ok(())
}

pub(super) fn parse_pitm(body: &[u8]) -> Result<u32, Error> {
    let fb = isobmff::full_box(body)?;
    let mut r = Reader::new(fb.rest);
    let e = cut("primary item box");
    match fb.version {
        0 => Ok(u32::from(r.u16().map_err(e)?)),
        _ => r.u32().map_err(e),
    }
}

/// An item id of 16 bits (version 0) or 32 bits.
pub(super) fn read_id(r: &mut Reader, wide: bool) -> Result<u32, Short> {
    if wide {
        r.u32()
    } else {
        r.u16().map(u32::from)
    }
}

pub(super) fn parse_iref(data: &[u8], iref: &BoxHeader) -> Result<Vec<Reference>, Error> {
    let version = isobmff::full_box(iref.body(data))?.version;
    if version > 1 {
        return Err(unsupported(format!(
            "'iref' box of unknown version {version}"
        )));
    }
    let mut refs = Vec::new();
    for child in isobmff::children(data, iref, 4) {
        let child = child?;
        let mut r = Reader::new(child.body(data));
        let e = cut("item reference box");
        let from = read_id(&mut r, version == 1).map_err(e)?;
        let count = r.u16().map_err(e)?;
        let to = (0..count)
            .map(|_| read_id(&mut r, version == 1).map_err(e))
            .collect::<Result<_, _>>()?;
        refs.push(Reference {
            kind: child.kind,
            from,
            to,
        });
    }
    Ok(refs)
}

/// Per item id: (essential, 1-based property index) for each property.
pub(super) type Associations = Vec<(u32, Vec<(bool, usize)>)>;

pub(super) fn parse_ipma(body: &[u8]) -> Result<Associations, Error> {
    let fb = isobmff::full_box(body)?;
    let mut r = Reader::new(fb.rest);
    let e = cut("property association box");
    let count = r.u32().map_err(e)?;
    let mut out = Vec::new();
    for _ in 0..count {
        let id = read_id(&mut r, fb.version >= 1).map_err(e)?;
        let n = r.u8().map_err(e)?;
        let mut list = Vec::new();
        for _ in 0..n {
            let (essential, index) = if fb.flags & 1 == 1 {
                let v = r.u16().map_err(e)?;
                (v & 0x8000 != 0, usize::from(v & 0x7FFF))
            } else {
                let v = r.u8().map_err(e)?;
                (v & 0x80 != 0, usize::from(v & 0x7F))
            };
            list.push((essential, index));
        }
        out.push((id, list));
    }
    Ok(out)
}

pub(super) fn classify_property(header: BoxHeader) -> Property {
    let metadata = if RENDERING_PROPERTIES.contains(&&header.kind) {
        None
    } else {
        Some(match &header.kind {
            b"udes" | b"altt" => Category::Text,
            b"crtt" | b"mdft" => Category::Time,
            _ => Category::Unknown,
        })
    };
    Property {
        header,
        metadata,
        essential: false,
    }
}

/// What `infe` says about an item.
#[derive(Clone, Debug)]
pub(super) struct Info {
    id: u32,
    kind: [u8; 4],
    name: String,
    hidden: bool,
    content_type: String,
    content_encoding: String,
}

pub(super) fn parse_iinf(data: &[u8], iinf: &BoxHeader) -> Result<Vec<Info>, Error> {
    let fb = isobmff::full_box(iinf.body(data))?;
    let count_len = if fb.version == 0 { 2 } else { 4 };
    if fb.rest.len() < count_len {
        return Err(Error::damaged("the item information box is cut short"));
    }
    let body = iinf.body_range();
    let first = body.start + 4 + count_len;
    let mut infos = Vec::new();
    for child in isobmff::boxes_in(data, first..body.end) {
        let child = child?;
        if !child.is(b"infe") {
            return Err(Error::damaged(format!(
                "unexpected '{}' box in the item information box",
                child.name()
            )));
        }
        infos.push(parse_infe(child.body(data))?);
    }
    Ok(infos)
}

pub(super) fn parse_infe(body: &[u8]) -> Result<Info, Error> {
    let fb = isobmff::full_box(body)?;
    let mut r = Reader::new(fb.rest);
    let e = cut("item information entry");
    let id = match fb.version {
        2 => u32::from(r.u16().map_err(e)?),
        3 => r.u32().map_err(e)?,
        v => {
            return Err(unsupported(format!(
                "item information entries of version {v} are not supported"
            )))
        }
    };
    if r.u16().map_err(e)? != 0 {
        return Err(unsupported(format!("item {id} is encrypted")));
    }
    let kind: [u8; 4] = r.array().map_err(e)?;
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    let name = text(r.cstr().map_err(e)?);
    let (content_type, content_encoding) = if &kind == b"mime" {
        let t = text(r.cstr().map_err(e)?);
        let enc = if r.remaining() > 0 {
            text(r.cstr().map_err(e)?)
        } else {
            String::new()
        };
        (t, enc)
    } else if &kind == b"uri " {
        (text(r.cstr().map_err(e)?), String::new())
    } else {
        (String::new(), String::new())
    };
    Ok(Info {
        id,
        kind,
        name,
        hidden: fb.flags & 1 == 1,
        content_type,
        content_encoding,
    })
}

pub(super) fn role(info: &Info, image_like: bool) -> Result<Role, Error> {
    let role = match &info.kind {
        k if IMAGE_TYPES.contains(&k) => return Ok(Role::Image),
        b"Exif" => Role::Exif,
        b"mime"
            if info
                .content_type
                .trim()
                .eq_ignore_ascii_case("application/rdf+xml") =>
        {
            match info.content_encoding.as_str() {
                "" => Role::Xmp { deflated: false },
                "deflate" => Role::Xmp { deflated: true },
                other => {
                    return Err(unsupported(format!(
                        "item {}'s XMP is encoded as '{other}', which is not supported",
                        info.id
                    )))
                }
            }
        }
        b"iptc" => Role::Iptc,
        _ => Role::Other,
    };
    if image_like {
        return Err(unsupported(format!(
            "item {} of type '{}' is used as an image, but is not a known image type",
            info.id,
            isobmff::kind_name(info.kind)
        )));
    }
    Ok(role)
}

/// One `iloc` entry, before its extents are placed in the file.
#[derive(Clone, Debug)]
pub(super) struct Location {
    id: u32,
    method: u8,
    data_reference: u16,
    extents: Vec<RawExtent>,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct RawExtent {
    /// Base offset plus extent offset.
    offset: u64,
    /// 0 means "to the end of the data".
    length: u64,
}

impl RawExtent {
    /// The extent as offsets in the file, given where its data starts and
    /// ends; `None` if it does not fit.
    pub(super) fn resolve(&self, origin: usize, limit: usize) -> Option<Range<usize>> {
        let start = origin.checked_add(usize::try_from(self.offset).ok()?)?;
        let end = if self.length == 0 {
            limit
        } else {
            start.checked_add(usize::try_from(self.length).ok()?)?
        };
        (start <= end && end <= limit).then_some(start..end)
    }
}

/// The field sizes of an `iloc` box: offset, length, base offset, index.
pub(super) struct IlocSizes {
    offset: usize,
    length: usize,
    base: usize,
    index: usize,
}

pub(super) fn parse_iloc(data: &[u8], iloc: &BoxHeader) -> Result<Vec<Location>, Error> {
    let fb = isobmff::full_box(iloc.body(data))?;
    let v = fb.version;
    if v > 2 {
        return Err(unsupported(format!("'iloc' box of unknown version {v}")));
    }
    let mut r = Reader::new(fb.rest);
    let e = cut("item location box");
    let packed = r.u16().map_err(e)?;
    let nibble = |shift: u16| usize::from((packed >> shift) & 0xF);
    let sizes = IlocSizes {
        offset: nibble(12),
        length: nibble(8),
        base: nibble(4),
        index: if v == 0 { 0 } else { nibble(0) },
    };
    for s in [sizes.offset, sizes.length, sizes.base, sizes.index] {
        if !matches!(s, 0 | 4 | 8) {
            return Err(Error::damaged(format!(
                "'iloc' field size {s} is not 0, 4 or 8"
            )));
        }
    }
    let count = if v < 2 {
        u32::from(r.u16().map_err(e)?)
    } else {
        r.u32().map_err(e)?
    };
    let mut out = Vec::new();
    for _ in 0..count {
        out.push(parse_iloc_entry(&mut r, v, &sizes).map_err(e)?);
    }
    Ok(out)
}

pub(super) fn parse_iloc_entry(
    r: &mut Reader,
    version: u8,
    sizes: &IlocSizes,
) -> Result<Location, Short> {
    let id = read_id(r, version == 2)?;
    let method = if version == 0 {
        0
    } else {
        (r.u16()? & 0xF) as u8
    };
    let data_reference = r.u16()?;
    let base = r.uint(sizes.base)?;
    let count = r.u16()?;
    let mut extents = Vec::new();
    for _ in 0..count {
        r.skip(sizes.index)?;
        let offset = r.uint(sizes.offset)?;
        let length = r.uint(sizes.length)?;
        extents.push(RawExtent {
            offset: base.checked_add(offset).ok_or(Short)?,
            length,
        });
    }
    Ok(Location {
        id,
        method,
        data_reference,
        extents,
    })
}

/// Metadata items are zeroed or overwritten: none may share a byte with an
/// image item, nor with another metadata item (or another extent of its
/// own): rewriting one would change the other behind its back.
pub(super) fn check_overlaps(items: &[Item]) -> Result<(), Error> {
    let mut image: Vec<(Range<usize>, u32)> = items
        .iter()
        .filter(|i| i.role == Role::Image)
        .flat_map(|i| i.extents.iter().map(move |e| (e.range.clone(), i.id)))
        .collect();
    image.sort_by_key(|(r, _)| r.start);
    // Running maximum of the ends, to find any image range reaching `start`.
    let mut max_end = Vec::with_capacity(image.len());
    let mut m = 0;
    for (r, _) in &image {
        m = m.max(r.end);
        max_end.push(m);
    }
    for item in items.iter().filter(|i| i.role != Role::Image) {
        for e in &item.extents {
            let before = image.partition_point(|(r, _)| r.start < e.range.end);
            if before > 0 && max_end[before - 1] > e.range.start && !e.range.is_empty() {
                return Err(unsupported(format!(
                    "metadata item {} shares bytes with an image item",
                    item.id
                )));
            }
        }
    }
    let mut metadata: Vec<(Range<usize>, u32)> = items
        .iter()
        .filter(|i| i.role != Role::Image)
        .flat_map(|i| i.extents.iter().map(move |e| (e.range.clone(), i.id)))
        .filter(|(r, _)| !r.is_empty())
        .collect();
    metadata.sort_by_key(|(r, _)| r.start);
    for pair in metadata.windows(2) {
        // Sorted by start and non-empty: if no neighbours overlap, no two do.
        let ((a, a_id), (b, b_id)) = (&pair[0], &pair[1]);
        if b.start < a.end {
            return Err(Error::damaged(format!(
                "metadata items {a_id} and {b_id} share bytes"
            )));
        }
    }
    Ok(())
}

pub(super) fn colour_is_icc(body: &[u8]) -> bool {
    matches!(body.get(..4), Some(b"prof" | b"rICC"))
}

pub(super) fn is_zero(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| b == 0)
}
