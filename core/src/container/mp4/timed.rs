//! Timed tracks after `moov` is read: metadata (GoPro GPMF, Google CAMM, Apple `mebx`), timecode, and the media data no track uses.

use super::*;

impl<R: Source + ?Sized> Parser<'_, R> {
    // -- after moov -----------------------------------------------------------

    pub(super) fn finish(
        mut self,
        end: u64,
        moov: Range<u64>,
        moov_buf: Vec<u8>,
    ) -> Result<Video, Error> {
        let tracks = std::mem::take(&mut self.tracks);
        let mut roles = Vec::with_capacity(tracks.len());
        for t in &tracks {
            roles.push(t.role()?);
        }
        let mut starts: Vec<u64> = tracks
            .iter()
            .filter(|t| !t.external)
            .flat_map(|t| t.chunks.iter().map(|c| c.range.start))
            .collect();
        starts.sort_unstable();
        starts.dedup();
        let mut tracks = tracks;
        for t in tracks.iter_mut().filter(|t| !t.external) {
            if let Some(declared) = self.cut {
                cut_chunks(&mut t.chunks, self.len, declared);
            }
            for c in &mut t.chunks {
                let i = self.mdats.partition_point(|m| m.end <= c.range.start);
                let mdat = self.mdats.get(i).filter(|m| m.start <= c.range.start);
                if t.open_ended {
                    let end = mdat.map_or(c.range.start, |m| m.end);
                    let i = starts.partition_point(|&s| s <= c.range.start);
                    c.range.end = starts.get(i).map_or(end, |&next| next.min(end));
                }
                let inside = mdat.is_some_and(|m| c.range.end <= m.end);
                if !c.range.is_empty() && !inside {
                    return Err(Error::damaged(format!(
                        "track {}'s samples (bytes {}..{}) lie outside the media data",
                        t.number, c.range.start, c.range.end
                    )));
                }
            }
        }
        let media: Vec<MediaTrack> = tracks
            .iter()
            .zip(&roles)
            .filter(|(t, &r)| r == Role::Media && !t.external)
            .map(|(t, _)| MediaTrack {
                chunks: t.chunks.iter().map(|c| c.range.clone()).collect(),
            })
            .collect();
        let protected = merge(
            media
                .iter()
                .flat_map(|t| t.chunks.iter().cloned())
                .collect(),
        );
        for (t, role) in tracks.iter().zip(&roles) {
            if *role == Role::Media || t.external {
                continue;
            }
            if let Some(c) = t.chunks.iter().find(|c| overlaps(&protected, &c.range)) {
                return Err(unsupported(format!(
                    "track {}'s metadata samples (bytes {}..{}) share bytes with the video or audio",
                    t.number, c.range.start, c.range.end
                )));
            }
        }
        for (t, role) in tracks.iter().zip(&roles) {
            let block = match role {
                Role::Media => continue,
                Role::Timecode => self.timecode_track(t)?,
                Role::Metadata => self.metadata_track(t)?,
                Role::Text => self.text_track(t)?,
            };
            let samples = if t.external {
                Vec::new()
            } else {
                merge(t.chunks.iter().map(|c| c.range.clone()).collect())
            };
            match block {
                // Its samples are written only while it stays.
                Some(mut b) => {
                    b.keep.extend(samples);
                    self.push(b);
                }
                // Kept on purpose (Live Photo timing).
                None => self.kept.extend(samples),
            }
        }
        let used = merge(
            tracks
                .iter()
                .filter(|t| !t.external)
                .flat_map(|t| t.chunks.iter().map(|c| c.range.clone()))
                .collect(),
        );
        self.unused_media_data(&used)?;
        Ok(Video {
            len: self.len,
            end,
            entries: self.entries,
            media,
            protected,
            kept: merge(self.kept),
            always: self.always,
            moov,
            moov_buf,
            cut: self.cut,
        })
    }

    /// Visits the samples of `track` (up to the read limits) in order.
    pub(super) fn samples(
        &self,
        track: &Track,
        mut visit: impl FnMut(&[u8]),
    ) -> Result<u64, Error> {
        let (Some(sizes), false) = (&track.sizes, track.external) else {
            return Ok(0);
        };
        let mut buf = Vec::new();
        let (mut read, mut visited) = (0u64, 0u64);
        for chunk in &track.chunks {
            let mut at = chunk.range.start;
            for i in 0..chunk.samples {
                visited += 1;
                if visited > MAX_SAMPLES_VISITED {
                    return Ok(visited);
                }
                let size = sizes.get(chunk.first_sample + i).unwrap_or(0);
                if at + size > chunk.range.end {
                    break; // a chunk cut short with the file
                }
                if size <= MAX_SAMPLE_READ && read + size <= MAX_TRACK_READ {
                    buf.resize(size as usize, 0);
                    self.src
                        .read_exact_at(&mut buf, at)
                        .map_err(read_failed(at))?;
                    visit(&buf);
                    read += size;
                }
                at += size;
            }
        }
        Ok(visited)
    }

    pub(super) fn sample_count(track: &Track) -> u64 {
        track.chunks.iter().map(|c| c.samples).sum()
    }

    /// The patches that blank a track's samples and free its `trak`.
    pub(super) fn blank_track(track: &Track) -> Vec<Patch> {
        let mut patches: Vec<Patch> = if track.external {
            Vec::new()
        } else {
            merge(track.chunks.iter().map(|c| c.range.clone()).collect())
                .into_iter()
                .map(|r| Patch::Zero {
                    at: r.start,
                    len: r.end - r.start,
                })
                .collect()
        };
        patches.extend(free_patches(&track.trak));
        patches
    }

    pub(super) fn metadata_track(&self, t: &Track) -> Result<Option<Block>, Error> {
        let place = format!("QuickTime track {} ({})", t.number, t.name());
        let samples = Self::sample_count(t);
        let mut block = match &t.format {
            b"gpmd" => {
                let mut g = Gpmf::default();
                self.samples(t, |s| gpmf(s, 0, &mut g))?;
                let mut b = g.block(&place, "GoPro GPS track");
                b.also(Category::Location);
                if b.findings.is_empty() {
                    b.add(
                        Category::Device,
                        &place,
                        "GoProTelemetry",
                        format!("{samples} samples"),
                    );
                }
                b
            }
            b"fdsc" => Block::one(
                Category::Device,
                &place,
                "GoProCameraData",
                format!("{samples} samples of firmware and camera details"),
            ),
            b"camm" => {
                let mut fixes = (0u64, None);
                self.samples(t, |s| camm(s, &mut fixes))?;
                let mut b = Block::one(
                    Category::Location,
                    &place,
                    "GPSTrack",
                    format!("{} GPS fixes in {samples} samples", fixes.0),
                );
                if let Some((lat, lon, alt)) = fixes.1 {
                    b.locations
                        .push(geo::location(lat, lon, Some(alt), "CAMM GPS track"));
                }
                b
            }
            b"mebx" => match self.mebx_track(t, &place, samples)? {
                Some(b) => b,
                None => return Ok(None),
            },
            _ => Block::unknown(
                &place,
                "TimedMetadata",
                format!("'{}' track, {samples} samples", t.name()),
            ),
        };
        block.patches = Self::blank_track(t);
        Ok(Some(block))
    }

    /// An Apple timed-metadata track: kept if its keys are all harmless.
    pub(super) fn mebx_track(
        &self,
        t: &Track,
        place: &str,
        samples: u64,
    ) -> Result<Option<Block>, Error> {
        let names: Vec<&str> = t.keys.iter().map(|(_, n)| n.as_str()).collect();
        if !names.is_empty() && names.iter().all(|n| HARMLESS_TIMED_KEYS.contains(n)) {
            return Ok(None);
        }
        let mut block = Block::default();
        let location_ids: Vec<u32> = t
            .keys
            .iter()
            .filter(|(_, n)| key_category(n).0 == Category::Location)
            .map(|(id, _)| *id)
            .collect();
        for name in names.iter().filter(|n| !HARMLESS_TIMED_KEYS.contains(n)) {
            let (category, known) = key_category(name);
            if category == Category::Location {
                continue;
            }
            block.add(category, place, name, format!("{samples} samples"));
            block.always |= !known;
        }
        if names.is_empty() {
            block = Block::unknown(place, "TimedMetadata", format!("{samples} samples"));
        }
        if !location_ids.is_empty() {
            let mut fixes = 0u64;
            let mut first = None;
            self.samples(t, |s| {
                for b in isobmff::boxes_in(s, 0..s.len()).map_while(Result::ok) {
                    if location_ids.contains(&u32::from_be_bytes(b.kind)) {
                        fixes += 1;
                        if first.is_none() {
                            first = geo::parse_iso6709(&text(b.body(s)));
                        }
                    }
                }
            })?;
            block.add(
                Category::Location,
                place,
                "GPSTrack",
                format!("{fixes} positions in {samples} samples"),
            );
            if let Some((lat, lon, alt)) = first {
                block
                    .locations
                    .push(geo::location(lat, lon, alt, "Apple location track"));
            }
        }
        Ok(Some(block))
    }

    /// A timecode track: its samples may be the time of day the video was
    /// shot; zeroed (the track stays) under `time`.
    pub(super) fn timecode_track(&self, t: &Track) -> Result<Option<Block>, Error> {
        let mut first = None;
        let mut data = false;
        self.samples(t, |s| {
            if !is_zero(s) {
                data = true;
                if first.is_none() && s.len() >= 4 {
                    first = Some(u32::from_be_bytes([s[0], s[1], s[2], s[3]]));
                }
            }
        })?;
        if !data {
            return Ok(None);
        }
        let value = match (first, t.frames) {
            (Some(f), n) if n > 0 => {
                let n = u32::from(n);
                let secs = f / n;
                format!(
                    "{:02}:{:02}:{:02}:{:02}",
                    secs / 3600,
                    secs / 60 % 60,
                    secs % 60,
                    f % n
                )
            }
            (Some(f), _) => format!("frame {f}"),
            (None, _) => "present".to_string(),
        };
        let place = format!("QuickTime track {} (tmcd)", t.number);
        let patches = merge(t.chunks.iter().map(|c| c.range.clone()).collect())
            .into_iter()
            .map(|r| Patch::Zero {
                at: r.start,
                len: r.end - r.start,
            })
            .collect();
        Ok(Some(
            Block::one(Category::Time, &place, "TimeCode", value).patched(patches),
        ))
    }

    /// Bytes inside `mdat` that no track uses (vendor headers, leftovers of
    /// earlier edits): zeroed when they hold anything.
    pub(super) fn unused_media_data(&mut self, used: &[Range<u64>]) -> Result<(), Error> {
        let mut gaps = Vec::new();
        for m in &self.mdats {
            let mut at = m.start;
            let first = used.partition_point(|u| u.end <= m.start);
            for u in used[first..].iter().take_while(|u| u.start < m.end) {
                if u.start > at {
                    gaps.push(at..u.start);
                }
                at = at.max(u.end);
            }
            if m.end > at {
                gaps.push(at..m.end);
            }
        }
        let mut with_data = Vec::new();
        for g in gaps {
            if self.has_data(g.clone())? {
                with_data.push(g);
            }
        }
        if with_data.is_empty() {
            return Ok(());
        }
        let total: u64 = with_data.iter().map(|g| g.end - g.start).sum();
        let value = format!(
            "{total} bytes in {} place(s) that no track uses",
            with_data.len()
        );
        let patches = with_data
            .into_iter()
            .map(|g| Patch::Zero {
                at: g.start,
                len: g.end - g.start,
            })
            .collect();
        self.push(Block::unknown("QuickTime mdat", "UnusedMediaData", value).patched(patches));
        Ok(())
    }
}

// ---------------------------------------------------------------------------
// Timed metadata: GoPro GPMF, Google CAMM

/// What a GPMF stream (GoPro's key-length-value telemetry) holds.
#[derive(Default)]
pub(super) struct Gpmf {
    pub(super) fixes: u64,
    pub(super) first_fix: Option<(f64, f64, Option<f64>)>,
    pub(super) first_time: Option<String>,
    pub(super) strings: Vec<(&'static str, String)>,
}

impl Gpmf {
    pub(super) fn block(&self, place: &str, source: &str) -> Block {
        let mut b = Block::default();
        for (tag, value) in &self.strings {
            b.add(Category::Device, place, tag, value.clone());
        }
        if self.fixes > 0 {
            b.add(
                Category::Location,
                place,
                "GPSTrack",
                format!("{} GPS fixes", self.fixes),
            );
        }
        if let Some((lat, lon, alt)) = self.first_fix {
            b.locations.push(geo::location(lat, lon, alt, source));
        }
        if let Some(t) = &self.first_time {
            b.add(Category::Time, place, "GPSDateTime", t.clone());
        }
        b
    }
}

/// GPMF strings that identify the camera.
pub(super) const GPMF_STRINGS: &[(&[u8; 4], &str)] = &[
    (b"CASN", "CameraSerialNumber"),
    (b"MINF", "Model"),
    (b"FMWR", "FirmwareVersion"),
    (b"LINF", "LensSerialNumber"),
];

/// Walks GPMF key-length-value data: a four-character key, a type, a
/// structure size, a repeat count, the data padded to 4 bytes; type 0 nests.
pub(super) fn gpmf(data: &[u8], depth: usize, out: &mut Gpmf) {
    let mut scale: Vec<f64> = Vec::new();
    let mut fix = true;
    let mut pos = 0;
    while pos + 8 <= data.len() {
        let key: [u8; 4] = [data[pos], data[pos + 1], data[pos + 2], data[pos + 3]];
        let (kind, size) = (data[pos + 4], usize::from(data[pos + 5]));
        let repeat = usize::from(u16::from_be_bytes([data[pos + 6], data[pos + 7]]));
        let len = size * repeat;
        let Some(payload) = data.get(pos + 8..pos + 8 + len) else {
            break;
        };
        if key == [0; 4] {
            break;
        }
        match (&key, kind) {
            (_, 0) if depth < 8 => gpmf(payload, depth + 1, out),
            (b"SCAL", _) => scale = gpmf_numbers(kind, payload),
            (b"GPSF", _) => fix = gpmf_numbers(kind, payload).first() != Some(&0.0),
            (b"GPSU", b'U' | b'c') if out.first_time.is_none() => {
                out.first_time = gpmf_time(payload);
            }
            (b"GPS5" | b"GPS9", _) if size >= 12 => {
                out.fixes += repeat as u64;
                if out.first_fix.is_none() && fix {
                    let s = |i: usize| match scale.get(i).or(scale.first()) {
                        Some(&v) if v != 0.0 => v,
                        _ => 1.0,
                    };
                    let v = |i: usize| f64::from(be32(payload, i * 4) as i32) / s(i);
                    let (lat, lon) = (v(0), v(1));
                    if lat != 0.0 || lon != 0.0 {
                        out.first_fix = Some((lat, lon, Some(v(2))));
                    }
                }
            }
            (k, b'c') => {
                if let Some((_, tag)) = GPMF_STRINGS.iter().find(|(g, _)| *g == k) {
                    let value = text(payload);
                    if !value.is_empty() && out.strings.len() < 64 {
                        out.strings.push((*tag, value));
                    }
                }
            }
            _ => {}
        }
        pos += 8 + len.div_ceil(4) * 4;
    }
}

pub(super) fn gpmf_numbers(kind: u8, payload: &[u8]) -> Vec<f64> {
    let width = match kind {
        b'b' | b'B' => 1,
        b's' | b'S' => 2,
        b'l' | b'L' | b'f' => 4,
        b'd' => 8,
        _ => return Vec::new(),
    };
    payload
        .chunks_exact(width)
        .map(|c| match kind {
            b'b' => f64::from(c[0] as i8),
            b'B' => f64::from(c[0]),
            b's' => f64::from(i16::from_be_bytes([c[0], c[1]])),
            b'S' => f64::from(u16::from_be_bytes([c[0], c[1]])),
            b'l' => f64::from(i32::from_be_bytes([c[0], c[1], c[2], c[3]])),
            b'L' => f64::from(u32::from_be_bytes([c[0], c[1], c[2], c[3]])),
            b'f' => f64::from(f32::from_be_bytes([c[0], c[1], c[2], c[3]])),
            _ => f64::from_be_bytes(c.try_into().unwrap_or([0; 8])),
        })
        .collect()
}

/// GPMF UTC time `yymmddhhmmss.sss` as `20yy:mm:dd hh:mm:ss`.
pub(super) fn gpmf_time(payload: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(payload.get(..12)?).ok()?;
    if !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(format!(
        "20{}:{}:{} {}:{}:{}",
        &s[0..2],
        &s[2..4],
        &s[4..6],
        &s[6..8],
        &s[8..10],
        &s[10..12]
    ))
}

/// A CAMM sample (little-endian): 16 reserved bits, a 16-bit type, data.
/// Types 5 (position) and 6 (GPS) hold coordinates.
pub(super) fn camm(sample: &[u8], out: &mut (u64, Option<(f64, f64, f64)>)) {
    let f64_at = |at: usize| {
        sample
            .get(at..at + 8)
            .map(|b| f64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    };
    let kind = sample.get(2..4).map(|b| u16::from_le_bytes([b[0], b[1]]));
    let fix = match kind {
        Some(5) => f64_at(4).zip(f64_at(12)).zip(f64_at(20)),
        Some(6) => f64_at(16).zip(f64_at(24)).map(|ll| {
            let alt = sample.get(32..36).map_or(0.0, |b| {
                f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            });
            (ll, alt)
        }),
        _ => None,
    };
    if let Some(((lat, lon), alt)) = fix {
        out.0 += 1;
        if out.1.is_none() && (lat != 0.0 || lon != 0.0) {
            out.1 = Some((lat, lon, alt));
        }
    }
}

pub(super) fn gpmf_block(place: &str, body: &[u8]) -> Block {
    let mut g = Gpmf::default();
    gpmf(body, 0, &mut g);
    let mut b = g.block(place, "GoPro GPMF");
    b.add(
        Category::Device,
        place,
        "GPMF",
        format!("{} bytes of camera settings", body.len()),
    );
    b
}

/// The chunks of a track in a video cut short at `len`, inside an `mdat`
/// that says it ends at `declared`: chunks past the end are gone, one
/// across it keeps the bytes that are there. Chunks past `declared` are
/// left for the caller to refuse.
fn cut_chunks(chunks: &mut Vec<Chunk>, len: u64, declared: u64) {
    chunks.retain(|c| c.range.start < len || c.range.end > declared);
    for c in chunks.iter_mut() {
        if c.range.start < len && len < c.range.end && c.range.end <= declared {
            c.range.end = len;
        }
    }
}
