//! Sample tables: where each chunk of samples lies (`stsc`, `stsz`/`stz2`, `stco`/`co64`).

use super::*;

// ---------------------------------------------------------------------------
// Sample tables

pub(super) enum SizeTable<'a> {
    Fixed(u32),
    /// Packed sizes of `bits` bits each.
    Packed {
        data: &'a [u8],
        bits: u8,
    },
}

impl SizeTable<'_> {
    pub(super) fn get(&self, i: u64) -> Option<u64> {
        match self {
            SizeTable::Fixed(s) => Some(u64::from(*s)),
            SizeTable::Packed { data, bits } => {
                let i = usize::try_from(i).ok()?;
                Some(match bits {
                    4 => {
                        let b = *data.get(i / 2)?;
                        u64::from(if i % 2 == 0 { b >> 4 } else { b & 0xF })
                    }
                    8 => u64::from(*data.get(i)?),
                    16 => {
                        let b = data.get(i * 2..i * 2 + 2)?;
                        u64::from(u16::from_be_bytes([b[0], b[1]]))
                    }
                    _ => {
                        let b = data.get(i * 4..i * 4 + 4)?;
                        u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
                    }
                })
            }
        }
    }
}

/// A track's sample tables, borrowed from the `moov` buffer.
pub(super) struct Tables<'a> {
    pub(super) sizes: SizeTable<'a>,
    pub(super) count: u64,
    /// Chunk offsets, 4 or 8 bytes each.
    pub(super) offsets: &'a [u8],
    pub(super) wide: bool,
    /// Sample-to-chunk entries, 12 bytes each.
    pub(super) stsc: &'a [u8],
}

pub(super) fn be32(b: &[u8], at: usize) -> u32 {
    b.get(at..at + 4)
        .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

impl<'a> Tables<'a> {
    /// The tables among the children of `stbl`; `None` if the track has no
    /// samples described here.
    pub(super) fn parse(
        buf: &'a [u8],
        stbl: &[BoxHeader],
        track: usize,
    ) -> Result<Option<Tables<'a>>, Error> {
        let find = |kinds: &[&[u8; 4]]| stbl.iter().find(|c| kinds.contains(&&c.kind));
        let sizes = find(&[b"stsz", b"stz2"]);
        let offsets = find(&[b"stco", b"co64"]);
        let stsc = find(&[b"stsc"]);
        let cut = |what: &str| Error::damaged(format!("track {track}'s {what} table is cut short"));
        let (sizes, count) = match sizes {
            None => {
                if offsets.is_some() || stsc.is_some() {
                    return Err(Error::damaged(format!(
                        "track {track} has chunks but no sample size table"
                    )));
                }
                return Ok(None);
            }
            Some(h) => {
                let fb = isobmff::full_box(h.body(buf))?;
                let mut r = Reader::new(fb.rest);
                if h.is(b"stsz") {
                    let size = r.u32().map_err(|_| cut("sample size"))?;
                    let count = r.u32().map_err(|_| cut("sample size"))?;
                    if size != 0 {
                        (SizeTable::Fixed(size), u64::from(count))
                    } else {
                        let data = r
                            .bytes(count as usize * 4)
                            .map_err(|_| cut("sample size"))?;
                        (SizeTable::Packed { data, bits: 32 }, u64::from(count))
                    }
                } else {
                    r.skip(3).map_err(|_| cut("compact sample size"))?;
                    let bits = r.u8().map_err(|_| cut("compact sample size"))?;
                    let count = r.u32().map_err(|_| cut("compact sample size"))?;
                    if !matches!(bits, 4 | 8 | 16) {
                        return Err(Error::damaged(format!(
                            "track {track}'s compact sample sizes are {bits} bits wide"
                        )));
                    }
                    let len = (count as usize * bits as usize).div_ceil(8);
                    let data = r.bytes(len).map_err(|_| cut("compact sample size"))?;
                    (SizeTable::Packed { data, bits }, u64::from(count))
                }
            }
        };
        let (Some(offsets), Some(stsc)) = (offsets, stsc) else {
            if count == 0 {
                return Ok(None);
            }
            return Err(Error::damaged(format!(
                "track {track} has samples but no chunk table"
            )));
        };
        let wide = offsets.is(b"co64");
        let fb = isobmff::full_box(offsets.body(buf))?;
        let mut r = Reader::new(fb.rest);
        let n = r.u32().map_err(|_| cut("chunk offset"))? as usize;
        let offsets = r
            .bytes(n * if wide { 8 } else { 4 })
            .map_err(|_| cut("chunk offset"))?;
        let fb = isobmff::full_box(stsc.body(buf))?;
        let mut r = Reader::new(fb.rest);
        let n = r.u32().map_err(|_| cut("sample-to-chunk"))? as usize;
        let stsc = r.bytes(n * 12).map_err(|_| cut("sample-to-chunk"))?;
        Ok(Some(Tables {
            sizes,
            count,
            offsets,
            wide,
            stsc,
        }))
    }

    pub(super) fn chunk_count(&self) -> u64 {
        (self.offsets.len() / if self.wide { 8 } else { 4 }) as u64
    }

    pub(super) fn chunk_offset(&self, i: u64) -> u64 {
        let i = i as usize;
        if self.wide {
            self.offsets
                .get(i * 8..i * 8 + 8)
                .map_or(0, |b| u64::from_be_bytes(b.try_into().unwrap_or([0; 8])))
        } else {
            u64::from(be32(self.offsets, i * 4))
        }
    }

    /// Every chunk with its byte range; errors if the tables disagree.
    ///
    /// `sound` is QuickTime's bytes per samples (`bytes`, `samples`) for
    /// sound with a constant sample size, whose `stsz` size does not count
    /// bytes. Returns whether every chunk's length is exact (it is not when
    /// `sound` is `None` or does not divide a chunk's samples).
    pub(super) fn chunks(
        &self,
        track: usize,
        sound: Option<(u64, u64)>,
        out: &mut Vec<Chunk>,
        budget: &mut usize,
    ) -> Result<bool, Error> {
        let mut exact = sound.is_some() || !matches!(self.sizes, SizeTable::Fixed(_));
        let bad = |what: String| {
            Error::damaged(format!("track {track}'s sample tables disagree: {what}"))
        };
        let n_chunks = self.chunk_count();
        let n_entries = self.stsc.len() / 12;
        if n_entries == 0 && (n_chunks > 0 || self.count > 0) {
            return Err(bad("there is no sample-to-chunk entry".into()));
        }
        let mut sample = 0u64;
        let mut previous = 0u64;
        for e in 0..n_entries {
            let first = u64::from(be32(self.stsc, e * 12));
            let per_chunk = u64::from(be32(self.stsc, e * 12 + 4));
            if first <= previous || (e == 0 && first != 1) {
                return Err(bad(format!(
                    "sample-to-chunk entry {} starts at chunk {first}",
                    e + 1
                )));
            }
            if first > n_chunks {
                return Err(bad(format!(
                    "a sample-to-chunk entry starts at chunk {first}, but there are {n_chunks} chunks"
                )));
            }
            previous = first;
            let next = if e + 1 < n_entries {
                u64::from(be32(self.stsc, (e + 1) * 12))
            } else {
                n_chunks + 1
            };
            let last = next.saturating_sub(1).min(n_chunks);
            for c in first..=last {
                if per_chunk > self.count - sample {
                    return Err(bad(format!(
                        "the chunks hold more samples than the {} in the size table",
                        self.count
                    )));
                }
                let offset = self.chunk_offset(c - 1);
                let len = match self.sizes {
                    SizeTable::Fixed(s) => match sound {
                        Some((bytes, samples)) if per_chunk % samples == 0 => {
                            per_chunk / samples * bytes
                        }
                        _ => {
                            exact = false;
                            u64::from(s) * per_chunk
                        }
                    },
                    _ => {
                        let mut len = 0u64;
                        for i in sample..sample + per_chunk {
                            len += self.sizes.get(i).unwrap_or(0);
                        }
                        len
                    }
                };
                let end = offset
                    .checked_add(len)
                    .ok_or_else(|| bad(format!("chunk {c} ends past 2^64")))?;
                *budget = budget.checked_sub(1).ok_or_else(|| {
                    unsupported(format!(
                        "the video has more than {MAX_CHUNKS} chunks, more than photoscrub tracks"
                    ))
                })?;
                out.push(Chunk {
                    range: offset..end,
                    first_sample: sample,
                    samples: per_chunk,
                });
                sample += per_chunk;
            }
        }
        if sample != self.count {
            return Err(bad(format!(
                "the chunks hold {sample} samples, the size table {}",
                self.count
            )));
        }
        Ok(exact)
    }

    pub(super) fn owned_sizes(&self) -> Sizes {
        match self.sizes {
            SizeTable::Fixed(s) => Sizes::Fixed(s),
            _ => Sizes::List(
                (0..self.count)
                    .map(|i| self.sizes.get(i).unwrap_or(0) as u32)
                    .collect(),
            ),
        }
    }
}
