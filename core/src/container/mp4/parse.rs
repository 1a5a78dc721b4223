//! Reading a video: the top-level boxes, `moov` and its tracks, user data and `meta` boxes.

use super::*;

// ---------------------------------------------------------------------------
// Parsing

pub(super) struct Parser<'s, R: ?Sized> {
    pub(super) src: &'s R,
    pub(super) len: u64,
    /// The payloads of the `mdat` boxes.
    pub(super) mdats: Vec<Range<u64>>,
    pub(super) entries: Vec<Entry>,
    pub(super) tracks: Vec<Track>,
    pub(super) chunk_budget: usize,
    /// Input bytes kept whatever the policy (see [`Video`]).
    pub(super) kept: Vec<Range<u64>>,
    /// Changes made whatever the policy.
    pub(super) always: Vec<Patch>,
    /// Where the last `mdat` says it ends, when the file ends before (a
    /// video cut short).
    pub(super) cut: Option<u64>,
}

impl Video {
    /// Reads the structure and metadata of a video from `src`: the box
    /// headers, `moov`, small metadata boxes, the samples of metadata
    /// tracks and the bytes of `mdat` no track uses.
    pub fn parse<R: Source + ?Sized>(src: &R) -> Result<Video, Error> {
        let TopLevel {
            boxes: tops,
            trailer,
            cut,
        } = top_level(src)?;
        if tops.iter().any(|t| t.is(b"moof")) {
            return Err(unsupported(
                "fragmented videos (with 'moof' boxes) are not supported",
            ));
        }
        let mut moovs = tops.iter().filter(|t| t.is(b"moov"));
        let moov = *moovs.next().ok_or_else(|| {
            Error::damaged("there is no movie box ('moov'): the video is incomplete or not a video")
        })?;
        if moovs.next().is_some() {
            return Err(unsupported(
                "a video with two movie boxes ('moov') is not supported",
            ));
        }
        let mut p = Parser {
            src,
            len: src.size(),
            mdats: tops
                .iter()
                .filter(|t| t.is(b"mdat"))
                .map(BoxHeader::body_span)
                .collect(),
            entries: Vec::new(),
            tracks: Vec::new(),
            chunk_budget: MAX_CHUNKS,
            kept: Vec::new(),
            always: Vec::new(),
            cut,
        };
        for top in &tops {
            p.top(top)?;
        }
        if let Some(t) = trailer {
            if p.has_data(t.clone())? {
                let value = format!("{} bytes after the last box", t.end - t.start);
                let patch = Patch::Zero {
                    at: t.start,
                    len: t.end - t.start,
                };
                p.push(Block::unknown("QuickTime", "TrailerData", value).patched(vec![patch]));
            }
        }
        let buf = isobmff::read_whole(src, &moov, MAX_MOOV)?;
        p.moov(&buf, moov.start)?;
        // Bytes after the last box are written as zeros (the file keeps
        // its length; the zeros read as free space).
        let end = p.len;
        p.finish(end, moov.span(), buf)
    }

    /// The length of the file it was read from.
    pub fn size(&self) -> u64 {
        self.len
    }

    /// Everything the video would tell a stranger (each finding once; at
    /// most [`MAX_FINDINGS`], the rest counted by category).
    pub fn scan(&self) -> Scan {
        let mut scan = Scan::default();
        let mut seen = HashSet::new();
        let mut more: Vec<(Category, usize)> = Vec::new();
        for b in self.blocks() {
            for f in &b.findings {
                let key = (f.category, f.block.clone(), f.tag.clone(), f.value.clone());
                if !seen.insert(key) {
                    continue;
                }
                if scan.findings.len() < MAX_FINDINGS {
                    scan.push(f.clone());
                } else if let Some(m) = more.iter_mut().find(|(c, _)| *c == f.category) {
                    m.1 += 1;
                } else {
                    more.push((f.category, 1));
                }
            }
            for l in &b.locations {
                if scan.locations.len() < MAX_LOCATIONS && !scan.locations.contains(l) {
                    scan.locations.push(l.clone());
                }
            }
        }
        for (category, n) in more {
            scan.push(Finding::new(
                category,
                "QuickTime",
                "MoreFindings",
                format!("{n} more"),
            ));
        }
        if let Some(declared) = self.cut {
            scan.note_damage(format!(
                "the video is incomplete: the file ends after {} bytes, but its media data runs to byte {declared} (an interrupted copy or download); its metadata was cleaned, and the cleaned copy is just as incomplete",
                self.len
            ));
        }
        scan
    }

    pub(super) fn blocks(&self) -> impl Iterator<Item = &Block> {
        self.entries.iter().flat_map(|e| match e {
            Entry::Block(b) => std::slice::from_ref(b).iter(),
            Entry::Meta(m) => m.items.iter(),
        })
    }

    /// What the video says, and its samples in order (an open-ended
    /// chunk, whose end is not known exactly, up to the next chunk).
    pub(super) fn inspection(&self) -> Inspection {
        let media = self
            .media
            .iter()
            .flat_map(|t| t.chunks.iter().cloned())
            .collect();
        Inspection {
            format: Format::Video,
            scan: self.scan(),
            media,
        }
    }
}

impl<R: Source + ?Sized> Parser<'_, R> {
    pub(super) fn push(&mut self, block: Block) {
        self.entries.push(Entry::Block(block));
    }

    /// Whether any byte in `range` is not zero (read in bounded pieces).
    pub(super) fn has_data(&self, range: Range<u64>) -> Result<bool, Error> {
        let mut buf = vec![0u8; (range.end - range.start).min(BUFFER) as usize];
        let mut at = range.start;
        while at < range.end {
            let n = (range.end - at).min(BUFFER) as usize;
            self.src
                .read_exact_at(&mut buf[..n], at)
                .map_err(read_failed(at))?;
            if !is_zero(&buf[..n]) {
                return Ok(true);
            }
            at += n as u64;
        }
        Ok(false)
    }

    pub(super) fn top(&mut self, top: &BoxHeader) -> Result<(), Error> {
        match &top.kind {
            b"ftyp" => self.ftyp(top)?,
            b"mdat" => self.keep(top.start..top.body),
            b"moov" => {}
            // A zeroed trailer reads as a size-0 box of type 0.
            b"free" | b"skip" | b"wide" | [0, 0, 0, 0] => {
                if top.kind != [0; 4] {
                    self.keep(top.start..top.body);
                }
                if self.has_data(top.body_span())? {
                    self.push(free_space_block("QuickTime", top));
                }
            }
            b"uuid" if top.uuid == Some(XMP_UUID) => {
                let buf = isobmff::read_whole(self.src, top, MAX_MOOV)?;
                let h = isobmff::read_box(&buf, 0, buf.len(), true)?;
                self.uuid_box(&buf, top.start, &h, "QuickTime");
            }
            b"meta" => {
                let buf = isobmff::read_whole(self.src, top, MAX_MOOV)?;
                let h = isobmff::read_box(&buf, 0, buf.len(), true)?;
                self.meta(&buf, top.start, &h, "QuickTime")?;
            }
            b"pnot" | b"PICT" | b"thum" => {
                let value = format!("{} bytes", top.body_len());
                let b = Block::one(Category::Preview, "QuickTime", &top.name(), value);
                self.push(b.patched(free_patches(top)).keeping(top.span()));
            }
            _ => self.unknown_box(0, top, "QuickTime"),
        }
        Ok(())
    }

    /// Keeps `range` of the input whatever the policy.
    pub(super) fn keep(&mut self, range: Range<u64>) {
        if range.start < range.end {
            self.kept.push(range);
        }
    }

    /// Keeps the header of `h` (read from a buffer at `base`).
    pub(super) fn keep_header(&mut self, base: u64, h: &BoxHeader) {
        self.keep(base + h.start..base + h.body);
    }

    /// Keeps the header of `h` and the fields at `fields` (offsets into its
    /// payload, cut at its end); the rest of the payload is zero.
    pub(super) fn keep_fields(&mut self, base: u64, h: &BoxHeader, fields: &[Range<u64>]) {
        self.keep_header(base, h);
        let body = base + h.body;
        for f in fields {
            let end = (body + f.end).min(base + h.end);
            self.keep(body + f.start..end.max(body + f.start));
        }
    }

    /// Keeps the header of `h` and the first `len` bytes of its payload.
    pub(super) fn keep_prefix(&mut self, base: u64, h: &BoxHeader, len: u64) {
        self.keep_fields(base, h, std::slice::from_ref(&(0..len)));
    }

    /// The file type box: brands are kept when they are printable codes,
    /// the minor version when it looks like one; the rest is zeroed.
    fn ftyp(&mut self, top: &BoxHeader) -> Result<(), Error> {
        let buf = isobmff::read_whole(self.src, top, 4096)?;
        let h = isobmff::read_box(&buf, 0, buf.len(), true)?;
        let body = h.body(&buf);
        self.keep_header(top.start, &h);
        // The minor version: a small number, or QuickTime's 0x20YYMM00.
        let minor = be32(body, 4);
        if minor <= 0xFFFF || (minor >> 24 == 0x20 && minor & 0xFF == 0) {
            self.keep(top.body + 4..(top.body + 8).min(top.end));
        }
        for (i, brand) in body.chunks(4).enumerate() {
            let printable =
                brand.len() == 4 && brand.iter().all(|b| b.is_ascii_graphic() || *b == b' ');
            if printable && i != 1 {
                let at = top.body + 4 * i as u64;
                self.keep(at..at + 4);
            }
        }
        Ok(())
    }

    pub(super) fn unknown_box(&mut self, base: u64, h: &BoxHeader, place: &str) {
        let abs = h.shifted(base);
        let value = match h.uuid {
            Some(u) => format!("uuid {}, {} bytes", hex(&u), h.body_len()),
            None => format!("{} bytes", h.body_len()),
        };
        self.push(Block::unknown(place, &h.name(), value).patched(free_patches(&abs)));
    }

    pub(super) fn free_space(&mut self, buf: &[u8], base: u64, h: &BoxHeader, place: &str) {
        self.keep_header(base, h);
        if !is_zero(h.body(buf)) {
            self.push(free_space_block(place, &h.shifted(base)));
        }
    }

    pub(super) fn uuid_box(&mut self, buf: &[u8], base: u64, h: &BoxHeader, place: &str) {
        if h.uuid == Some(XMP_UUID) {
            let abs = h.shifted(base);
            let block = xmp_block(h.body(buf))
                .patched(free_patches(&abs))
                .keeping(abs.span());
            self.push(block);
        } else {
            self.unknown_box(base, h, place);
        }
    }

    // -- moov ---------------------------------------------------------------

    pub(super) fn moov(&mut self, buf: &[u8], base: u64) -> Result<(), Error> {
        let moov = isobmff::read_box(buf, 0, buf.len(), true)?;
        self.keep_header(base, &moov);
        let mut number = 0;
        for child in isobmff::children(buf, &moov, 0) {
            let child = child?;
            match &child.kind {
                b"mvhd" => self.times(
                    buf,
                    base,
                    &child,
                    "QuickTime movie header",
                    ["CreateDate", "ModifyDate"],
                )?,
                b"trak" => {
                    number += 1;
                    self.trak(buf, base, &child, number)?;
                }
                b"udta" => self.udta(buf, base, &child, "QuickTime udta")?,
                b"meta" => self.meta(buf, base, &child, "QuickTime")?,
                b"uuid" => self.uuid_box(buf, base, &child, "QuickTime moov"),
                b"free" | b"skip" | b"wide" => self.free_space(buf, base, &child, "QuickTime moov"),
                b"iods" | b"mvex" | b"pssh" => self.leaf(buf, base, &child, "QuickTime moov"),
                b"cmov" => {
                    return Err(unsupported(
                        "this video's header is compressed ('cmov'), which is not supported",
                    ))
                }
                _ => self.unknown_box(base, &child, "QuickTime moov"),
            }
        }
        Ok(())
    }

    /// The creation and modification times of `mvhd`, `tkhd` or `mdhd`.
    pub(super) fn times(
        &mut self,
        buf: &[u8],
        base: u64,
        h: &BoxHeader,
        place: &str,
        tags: [&str; 2],
    ) -> Result<(), Error> {
        let body = h.body(buf);
        let fb = isobmff::full_box(body)?;
        let width = match fb.version {
            0 => 4,
            1 => 8,
            v => {
                return Err(unsupported(format!(
                    "'{}' box of unknown version {v}",
                    h.name()
                )))
            }
        };
        let raw = body
            .get(4..4 + 2 * width)
            .ok_or_else(|| Error::damaged(format!("the '{}' box is cut short", h.name())))?;
        self.leaf(buf, base, h, place);
        if is_zero(raw) {
            return Ok(());
        }
        let mut block = Block::default();
        for (i, tag) in tags.iter().enumerate() {
            let v = raw[i * width..(i + 1) * width]
                .iter()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
            if v != 0 {
                block.add(Category::Time, place, tag, qt_date(v));
            }
        }
        let at = base + h.body + 4;
        let len = 2 * width as u64;
        self.push(
            block
                .keeping(at..at + len)
                .patched(vec![Patch::Zero { at, len }]),
        );
        Ok(())
    }

    /// The name of a handler (`hdlr`): which software or device wrote it.
    pub(super) fn handler_name(&mut self, buf: &[u8], base: u64, h: &BoxHeader, place: &str) {
        self.leaf(buf, base, h, place);
        let Some(name) = h.body(buf).get(24..) else {
            return;
        };
        if is_zero(name) {
            return;
        }
        let shown = match name {
            [n, rest @ ..]
                if usize::from(*n) == rest.len() || usize::from(*n) + 1 == rest.len() =>
            {
                text(rest.get(..usize::from(*n)).unwrap_or(rest))
            }
            _ => text(name),
        };
        let at = base + h.body + 24;
        let block = Block::one(Category::Device, place, "HandlerName", shown);
        self.push(block.patched(vec![Patch::Zero {
            at,
            len: name.len() as u64,
        }]));
    }

    pub(super) fn trak(
        &mut self,
        buf: &[u8],
        base: u64,
        trak: &BoxHeader,
        number: usize,
    ) -> Result<(), Error> {
        let place = format!("QuickTime track {number}");
        let mut track = Track {
            number,
            id: 0,
            trak: trak.shifted(base),
            handler: [0; 4],
            format: [0; 4],
            external: false,
            open_ended: false,
            chunks: Vec::new(),
            sizes: None,
            keys: Vec::new(),
            frames: 0,
        };
        self.keep_header(base, trak);
        let mut mdia = None;
        for child in isobmff::children(buf, trak, 0) {
            let child = child?;
            match &child.kind {
                b"tkhd" => {
                    self.times(
                        buf,
                        base,
                        &child,
                        &format!("{place} header"),
                        ["TrackCreateDate", "TrackModifyDate"],
                    )?;
                    track.id = track_id(child.body(buf));
                }
                b"mdia" => mdia = Some(child),
                _ => self.track_child(buf, base, &child, &place, true)?,
            }
        }
        let mdia = mdia
            .ok_or_else(|| Error::damaged(format!("track {number} has no media box ('mdia')")))?;
        self.keep_header(base, &mdia);
        let mut minf = None;
        for child in isobmff::children(buf, &mdia, 0) {
            let child = child?;
            match &child.kind {
                b"mdhd" => self.times(
                    buf,
                    base,
                    &child,
                    &format!("{place} media header"),
                    ["MediaCreateDate", "MediaModifyDate"],
                )?,
                b"hdlr" => {
                    if let Some(t) = child.body(buf).get(8..12) {
                        track.handler.copy_from_slice(t);
                    }
                    self.handler_name(buf, base, &child, &format!("{place} hdlr"));
                }
                b"minf" => minf = Some(child),
                _ => self.track_child(buf, base, &child, &place, false)?,
            }
        }
        if let Some(minf) = minf {
            self.minf(buf, base, &minf, &mut track, &place)?;
        }
        self.tracks.push(track);
        Ok(())
    }

    /// A box inside a track other than its headers: metadata is collected,
    /// structure kept; unknown boxes directly in `trak` are freed.
    pub(super) fn track_child(
        &mut self,
        buf: &[u8],
        base: u64,
        h: &BoxHeader,
        place: &str,
        in_trak: bool,
    ) -> Result<(), Error> {
        match &h.kind {
            b"udta" => self.udta(buf, base, h, &format!("{place} udta"))?,
            b"meta" => self.meta(buf, base, h, place)?,
            b"uuid" => self.uuid_box(buf, base, h, place),
            b"free" | b"skip" => self.free_space(buf, base, h, place),
            b"edts" | b"tref" | b"gmhd" | b"tmcd" => self.container(buf, base, h, place)?,
            k if in_trak && !TRACK_STRUCTURE.contains(&k) => self.unknown_box(base, h, place),
            _ => self.leaf(buf, base, h, place),
        }
        Ok(())
    }

    /// A structural box of known children (edit lists, track references,
    /// QuickTime's base media header): its header, and each child's fields.
    fn container(
        &mut self,
        buf: &[u8],
        base: u64,
        h: &BoxHeader,
        place: &str,
    ) -> Result<(), Error> {
        self.keep_header(base, h);
        for child in isobmff::children(buf, h, 0) {
            let child = child?;
            if h.is(b"tref") {
                // A list of track ids.
                let n = child.body_len() / 4 * 4;
                self.keep_prefix(base, &child, n);
            } else if child.is(b"tmcd") {
                self.container(buf, base, &child, place)?;
            } else if h.is(b"gmhd") && child.is(b"text") {
                // The text media's display matrix: players do without it,
                // and ExifTool reads it as the track's "Text".
                self.always.extend(free_patches(&child.shifted(base)));
            } else {
                self.track_child(buf, base, &child, place, false)?;
            }
        }
        Ok(())
    }

    /// A structural leaf box: its fields are kept, the rest zeroed; a box
    /// photoscrub has no layout for is removed (reported as unknown).
    pub(super) fn leaf(&mut self, buf: &[u8], base: u64, h: &BoxHeader, place: &str) {
        match structure::leaf_fields(&h.kind, h.body(buf)) {
            Some(fields) => self.keep_fields(base, h, &fields),
            None => self.unknown_box(base, h, place),
        }
    }

    pub(super) fn minf(
        &mut self,
        buf: &[u8],
        base: u64,
        minf: &BoxHeader,
        track: &mut Track,
        place: &str,
    ) -> Result<(), Error> {
        self.keep_header(base, minf);
        let mut local = Vec::new();
        let mut stbl = None;
        let mut dref = None;
        for child in isobmff::children(buf, minf, 0) {
            let child = child?;
            match &child.kind {
                b"hdlr" => self.handler_name(buf, base, &child, &format!("{place} hdlr")),
                b"dinf" => {
                    self.keep_header(base, &child);
                    for d in isobmff::children(buf, &child, 0) {
                        let d = d?;
                        if d.is(b"dref") {
                            local = data_references(buf, &d)?;
                            dref = Some(d);
                        } else {
                            self.unknown_box(base, &d, place);
                        }
                    }
                }
                b"stbl" => stbl = Some(child),
                _ => self.track_child(buf, base, &child, place, false)?,
            }
        }
        let Some(stbl) = stbl else {
            if let Some(d) = dref {
                self.data_reference(buf, base, &d, &[])?;
            }
            return Ok(());
        };
        self.keep_header(base, &stbl);
        let children: Vec<BoxHeader> =
            isobmff::children(buf, &stbl, 0).collect::<Result<_, _>>()?;
        let find = |kind: &[u8; 4]| children.iter().find(|c| c.is(kind));
        for c in children.iter().filter(|c| !c.is(b"stsd")) {
            match &c.kind {
                b"free" | b"skip" => self.free_space(buf, base, c, place),
                _ => self.leaf(buf, base, c, place),
            }
        }
        let mut used = Vec::new();
        if let Some(stsd) = find(b"stsd") {
            self.keep_prefix(base, stsd, 8);
            for entry in isobmff::children(buf, stsd, 8) {
                let entry = entry?;
                self.sample_entry(buf, base, &entry, &track.handler, place)?;
                if track.format == [0; 4] {
                    track.format = entry.kind;
                }
                let body = entry.body(buf);
                let reference = body
                    .get(6..8)
                    .map_or(1, |b| u16::from_be_bytes([b[0], b[1]]));
                used.push(reference);
                if !local.is_empty() {
                    match local.get(usize::from(reference).wrapping_sub(1)) {
                        Some(true) => {}
                        Some(false) => track.external = true,
                        None => {
                            return Err(Error::damaged(format!(
                            "track {} refers to data reference {reference}, which does not exist",
                            track.number
                        )))
                        }
                    }
                }
                match &entry.kind {
                    b"mebx" => track.keys.extend(mebx_keys(buf, &entry)),
                    b"tmcd" => track.frames = body.get(24).copied().unwrap_or(0),
                    _ => {}
                }
                if &track.handler == b"vide" {
                    self.compressor_name(buf, base, &entry, place);
                }
            }
        }
        if let Some(d) = dref {
            self.data_reference(buf, base, &d, &used)?;
        }
        let tables = Tables::parse(buf, &children, track.number)?;
        if let Some(tables) = tables {
            let sound = matches!(tables.sizes, SizeTable::Fixed(_)) && &track.handler == b"soun";
            // One sound description, or the sizes are not certain.
            let ratio = match find(b"stsd").map(|d| isobmff::children(buf, d, 8)) {
                Some(entries) if sound => {
                    let entries: Vec<BoxHeader> = entries.map_while(Result::ok).collect();
                    match entries.as_slice() {
                        [e] => sound_bytes(&e.kind, e.body(buf)),
                        _ => None,
                    }
                }
                _ => None,
            };
            let exact = tables.chunks(
                track.number,
                ratio,
                &mut track.chunks,
                &mut self.chunk_budget,
            )?;
            track.open_ended = sound && !exact;
            let metadata = matches!(
                track.role(),
                Ok(Role::Metadata | Role::Timecode | Role::Text)
            );
            if metadata {
                track.sizes = Some(tables.owned_sizes());
            }
        }
        Ok(())
    }

    /// The compressor name of a visual sample entry (`H.264`, `GoPro AVC
    /// encoder`, the encoder's version).
    pub(super) fn compressor_name(
        &mut self,
        buf: &[u8],
        base: u64,
        entry: &BoxHeader,
        place: &str,
    ) {
        let Some(name) = entry.body(buf).get(42..74) else {
            return;
        };
        if is_zero(name) {
            return;
        }
        let n = usize::from(name[0]).min(31);
        let value = match text(&name[1..1 + n]) {
            v if v.is_empty() => text(name),
            v => v,
        };
        let block = Block::one(
            Category::Device,
            &format!("{place} stsd"),
            "CompressorName",
            value,
        );
        let at = base + entry.body + 42;
        self.push(
            block
                .keeping(at..at + 32)
                .patched(vec![Patch::Zero { at, len: 32 }]),
        );
    }

    /// A sample entry: its fields by the track's handler, its codec
    /// configuration boxes; any other box inside it is removed.
    fn sample_entry(
        &mut self,
        buf: &[u8],
        base: u64,
        entry: &BoxHeader,
        handler: &[u8; 4],
        place: &str,
    ) -> Result<(), Error> {
        let body = entry.body(buf);
        let (end, fields) = structure::sample_entry_fields(handler, &entry.kind, body);
        self.keep_fields(base, entry, &fields);
        let Ok(start) = usize::try_from(entry.body + end) else {
            return Ok(());
        };
        if start >= entry.end as usize {
            return Ok(());
        }
        let mut children = isobmff::boxes_in(buf, start..entry.end as usize);
        loop {
            let at = children.position();
            let child = match children.next() {
                None => break,
                Some(Ok(child)) => child,
                Some(Err(_)) => {
                    self.unreadable_tail(buf, base, at as u64..entry.end, place);
                    break;
                }
            };
            match &child.kind {
                b"avcC" => {
                    let len = structure::avcc_len(child.body(buf)).ok_or_else(|| {
                        Error::damaged(format!("{place}'s 'avcC' configuration is cut short"))
                    })?;
                    self.keep_prefix(base, &child, len);
                }
                k if structure::CODEC_BOXES.contains(&k) => {
                    self.keep_prefix(base, &child, child.body_len());
                }
                b"free" | b"skip" => self.free_space(buf, base, &child, place),
                _ => self.unknown_box(base, &child, &format!("{place} sample entry")),
            }
        }
        Ok(())
    }

    /// Bytes at the end of a sample entry that are not boxes: not written;
    /// eight or more become a `free` box, so the entry still reads.
    fn unreadable_tail(&mut self, buf: &[u8], base: u64, r: Range<u64>, place: &str) {
        let len = r.end - r.start;
        if is_zero(buf.get(r.start as usize..r.end as usize).unwrap_or(&[])) {
            return;
        }
        let mut block = Block::unknown(
            &format!("{place} sample entry"),
            "UnreadableData",
            format!("{len} bytes"),
        );
        if len >= 8 && len <= u64::from(u32::MAX) {
            let mut header = (len as u32).to_be_bytes().to_vec();
            header.extend_from_slice(b"free");
            block.patches.push(Patch::Bytes {
                at: base + r.start,
                bytes: header,
            });
        }
        self.push(block);
    }

    /// The data references: a local one is kept as "this file"; one that
    /// names another file is kept only if a sample entry uses it, and is
    /// otherwise made local (its URL not written).
    fn data_reference(
        &mut self,
        buf: &[u8],
        base: u64,
        dref: &BoxHeader,
        used: &[u16],
    ) -> Result<(), Error> {
        self.keep_prefix(base, dref, 8);
        for (i, e) in isobmff::children(buf, dref, 8).enumerate() {
            let e = e?;
            let local = isobmff::full_box(e.body(buf)).is_ok_and(|f| f.flags & 1 == 1);
            let needed = used.iter().any(|&u| usize::from(u) == i + 1);
            if local || !needed {
                self.keep_prefix(base, &e, 1);
                self.always.push(Patch::Bytes {
                    at: base + e.body + 1,
                    bytes: vec![0, 0, 1],
                });
                if !local && e.body_len() > 4 {
                    let value = text(&e.body(buf)[4..]);
                    self.push(Block::unknown(place_of(dref), "DataReference", value));
                }
            } else {
                self.keep_prefix(base, &e, e.body_len());
            }
        }
        Ok(())
    }

    // -- user data ----------------------------------------------------------

    pub(super) fn udta(
        &mut self,
        buf: &[u8],
        base: u64,
        udta: &BoxHeader,
        place: &str,
    ) -> Result<(), Error> {
        self.keep_header(base, udta);
        for child in isobmff::children(buf, udta, 0) {
            let child = child?;
            let abs = child.shifted(base);
            let body = child.body(buf);
            let block = match &child.kind {
                b"free" | b"skip" => {
                    self.free_space(buf, base, &child, place);
                    continue;
                }
                b"meta" => {
                    self.meta(buf, base, &child, place)?;
                    continue;
                }
                b"uuid" => {
                    self.uuid_box(buf, base, &child, place);
                    continue;
                }
                b"XMP_" => xmp_block(body),
                b"\xa9xyz" => xyz_block(place, body),
                b"loci" => loci_block(place, body),
                b"GPMF" => gpmf_block(place, body),
                kind => {
                    let value = match udta_value(kind, buf, &child) {
                        v if v.is_empty() => format!("{} bytes", child.body_len()),
                        v => v,
                    };
                    match item_category(kind) {
                        Some(c) => Block::one(c, place, &child.name(), value),
                        None => Block::unknown(place, &child.name(), value),
                    }
                }
            };
            self.push(block.patched(free_patches(&abs)).keeping(abs.span()));
        }
        Ok(())
    }

    /// A `meta` box: QuickTime (`keys` + `ilst`), iTunes (`ilst`) or
    /// anything else (freed whole).
    pub(super) fn meta(
        &mut self,
        buf: &[u8],
        base: u64,
        meta: &BoxHeader,
        place: &str,
    ) -> Result<(), Error> {
        let skip = isobmff::meta_header_len(meta.body(buf));
        let children: Vec<BoxHeader> =
            isobmff::children(buf, meta, skip).collect::<Result<_, _>>()?;
        let free = free_patches(&meta.shifted(base));
        let handler = children
            .iter()
            .find(|c| c.is(b"hdlr"))
            .and_then(|h| h.body(buf).get(8..12))
            .map(|t| [t[0], t[1], t[2], t[3]])
            .unwrap_or([0; 4]);
        let ilst = children.iter().find(|c| c.is(b"ilst"));
        let Some(ilst) = ilst.filter(|_| matches!(&handler, b"mdta" | b"mdir" | [0, 0, 0, 0]))
        else {
            let value = format!(
                "handler '{}', {} bytes",
                isobmff::kind_name(handler),
                meta.body_len()
            );
            self.push(Block::unknown(&format!("{place} meta"), "meta", value).patched(free));
            return Ok(());
        };
        let keys = match children.iter().find(|c| c.is(b"keys")) {
            Some(k) if &handler == b"mdta" => parse_keys(buf, k)?,
            _ => Vec::new(),
        };
        let mut structure = Vec::new();
        structure.push(meta.start + base..meta.body + base + skip as u64);
        for child in &children {
            let abs = child.shifted(base);
            match &child.kind {
                b"hdlr" => {
                    structure.push(abs.start..(abs.body + 12).min(abs.end));
                }
                b"keys" => {
                    structure.push(abs.start..(abs.body + 8).min(abs.end));
                    for k in &keys {
                        structure.push(base + k.name_at.start - 8..base + k.name_at.start);
                    }
                }
                b"ilst" => structure.push(abs.start..abs.body),
                b"free" | b"skip" => self.free_space(buf, base, child, place),
                _ => self.unknown_box(base, child, &format!("{place} meta")),
            }
        }
        let mut items = Vec::new();
        for item in isobmff::children(buf, ilst, 0) {
            let item = item?;
            if item.is(b"free") || item.is(b"skip") {
                self.free_space(buf, base, &item, place);
                continue;
            }
            let block = if &handler == b"mdta" {
                keyed_item(buf, base, &item, &keys)
            } else {
                itunes_item(buf, &item)
            };
            let abs = item.shifted(base);
            items.push(block.patched(free_patches(&abs)).keeping(abs.span()));
        }
        // The horizontal accuracy belongs to the location of the same box.
        let accuracy = items.iter().find_map(|i| {
            i.findings
                .iter()
                .find(|f| f.tag.ends_with("location.accuracy.horizontal"))
                .and_then(|f| f.value.parse::<f64>().ok())
        });
        for item in &mut items {
            for loc in &mut item.locations {
                loc.accuracy = loc.accuracy.or(accuracy);
            }
        }
        self.entries.push(Entry::Meta(MetaBox {
            free,
            structure,
            items,
        }));
        Ok(())
    }
}

/// The top-level boxes of a video, as [`top_level`] reads them.
pub(super) struct TopLevel {
    pub(super) boxes: Vec<BoxHeader>,
    /// The bytes after the last box that are not a box (a vendor trailer).
    pub(super) trailer: Option<Range<u64>>,
    /// For a video cut short inside its last `mdat`: where that box says
    /// it ends.
    pub(super) cut: Option<u64>,
}

/// The top-level boxes, read header by header. Bytes after the last box
/// are a trailer only once `moov` and `mdat` have been seen, and an `mdat`
/// after `moov` may be cut short with the file; any other damage to `moov`
/// or `mdat` is an error.
pub(super) fn top_level<R: Source + ?Sized>(src: &R) -> Result<TopLevel, Error> {
    let mut tops: Vec<BoxHeader> = Vec::new();
    let mut pos = 0;
    while pos < src.size() {
        if tops.len() == isobmff::MAX_BOXES {
            return Err(Error::damaged(format!(
                "more than {} top-level boxes",
                isobmff::MAX_BOXES
            )));
        }
        match isobmff::header_at(src, pos, src.size(), true) {
            Ok(h) => {
                pos = h.end;
                tops.push(h);
            }
            Err(Error::Damaged(_))
                if tops.iter().any(|t| t.is(b"moov")) && tops.iter().any(|t| t.is(b"mdat")) =>
            {
                return Ok(TopLevel {
                    boxes: tops,
                    trailer: Some(pos..src.size()),
                    cut: None,
                });
            }
            Err(Error::Damaged(why)) => {
                let Some((mdat, declared)) = cut_mdat(src, pos, &tops)? else {
                    return Err(Error::Damaged(why));
                };
                tops.push(mdat);
                return Ok(TopLevel {
                    boxes: tops,
                    trailer: None,
                    cut: Some(declared),
                });
            }
            Err(e) => return Err(e),
        }
    }
    Ok(TopLevel {
        boxes: tops,
        trailer: None,
        cut: None,
    })
}

/// An `mdat` at `pos` that runs past the end of the file, after a `moov`
/// (a copy cut short): the box as far as the file goes, and where it says
/// it ends. `None` for any other damage.
fn cut_mdat<R: Source + ?Sized>(
    src: &R,
    pos: u64,
    tops: &[BoxHeader],
) -> Result<Option<(BoxHeader, u64)>, Error> {
    if !tops.iter().any(|t| t.is(b"moov")) {
        return Ok(None);
    }
    let mut head = [0u8; 16];
    let n = src.size().saturating_sub(pos).min(head.len() as u64) as usize;
    src.read_exact_at(&mut head[..n], pos)
        .map_err(read_failed(pos))?;
    let Ok(h) = isobmff::parse_header(&head[..n], pos, u64::MAX, true) else {
        return Ok(None);
    };
    let declared = h.end;
    let cut = h.is(b"mdat") && h.body <= src.size() && declared > src.size();
    Ok(cut.then_some((
        BoxHeader {
            end: src.size(),
            ..h
        },
        declared,
    )))
}

pub(super) fn track_id(tkhd: &[u8]) -> u32 {
    let at = if tkhd.first() == Some(&1) { 20 } else { 12 };
    tkhd.get(at..at + 4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// How many bytes how many samples of QuickTime sound take, from its sound
/// description (whose `stsz` sample size then counts samples, not bytes):
/// version 2 gives bytes and frames per packet, version 1 bytes per frame
/// and samples per packet, version 0 uncompressed sound its channels and
/// bits. `None` when the description does not say.
pub(super) fn sound_bytes(format: &[u8; 4], body: &[u8]) -> Option<(u64, u64)> {
    let u16_at = |at: usize| {
        body.get(at..at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
    };
    let u32_at = |at: usize| Some(be32(body.get(at..at + 4)?, 0));
    let ratio = match u16_at(8)? {
        2 => (u64::from(u32_at(56)?), u64::from(u32_at(60)?)),
        1 => (u64::from(u32_at(36)?), u64::from(u32_at(28)?)),
        0 if matches!(
            format,
            b"twos" | b"sowt" | b"raw " | b"in24" | b"in32" | b"fl32" | b"fl64" | b"lpcm" | b"NONE"
        ) =>
        {
            let (channels, bits) = (u16_at(16)?, u16_at(18)?);
            (u64::from(channels) * u64::from(bits) / 8, 1)
        }
        _ => return None,
    };
    (ratio.0 > 0 && ratio.1 > 0).then_some(ratio)
}

/// For each data reference (1-based), whether it means "this file".
pub(super) fn data_references(buf: &[u8], dref: &BoxHeader) -> Result<Vec<bool>, Error> {
    isobmff::children(buf, dref, 8)
        .map(|e| {
            let e = e?;
            Ok(isobmff::full_box(e.body(buf)).is_ok_and(|f| f.flags & 1 == 1))
        })
        .collect()
}

/// The keys of an Apple `mebx` sample entry: local id and name.
pub(super) fn mebx_keys(buf: &[u8], entry: &BoxHeader) -> Vec<(u32, String)> {
    let body = entry.body_range();
    let mut keys = Vec::new();
    let start = body.start.saturating_add(8).min(body.end);
    for b in isobmff::boxes_in(buf, start..body.end).map_while(Result::ok) {
        if !b.is(b"keys") {
            continue;
        }
        for k in isobmff::children(buf, &b, 0).map_while(Result::ok) {
            let name = isobmff::children(buf, &k, 0)
                .map_while(Result::ok)
                .find(|d| d.is(b"keyd"))
                .map(|d| text(d.body(buf).get(4..).unwrap_or(&[])))
                .unwrap_or_default();
            keys.push((u32::from_be_bytes(k.kind), name));
        }
    }
    keys
}

fn place_of(_dref: &BoxHeader) -> &'static str {
    "QuickTime dref"
}
