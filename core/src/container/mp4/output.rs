//! The cleaned video as pieces. Every byte is one of: a media sample the
//! sample tables point to (copied from the input, at its own offset), a
//! field photoscrub read and kept (box headers, table entries, codec
//! configuration, metadata the policy keeps), a change photoscrub made
//! (a box turned into `free`), or zero. Nothing moves, so no chunk offset
//! changes; bytes after the last box are not written.

use super::*;
use std::collections::BTreeMap;

/// What one layer writes over a range of the output.
#[derive(Clone, Copy)]
enum Paint<'a> {
    /// The input's bytes, copied as media data.
    Media,
    /// The input's bytes, written as values photoscrub read.
    Kept,
    /// Bytes photoscrub wrote (from this offset of the range on).
    Bytes(&'a [u8]),
    Zero,
}

impl Video {
    /// The cleaned video under `policy`.
    pub(super) fn output<R: Source + ?Sized>(
        &self,
        src: &R,
        policy: &Policy,
    ) -> Result<Pieces, Error> {
        let (keep, patches) = self.changes(policy)?;
        let mut layers: Vec<(Range<u64>, Paint)> = Vec::new();
        for r in &self.protected {
            layers.push((r.clone(), Paint::Media));
        }
        for r in &keep {
            if overlaps(&self.protected, r) {
                return Err(unsupported(format!(
                    "structure at bytes {}..{} shares bytes with the video or audio data",
                    r.start, r.end
                )));
            }
            layers.push((r.clone(), Paint::Kept));
        }
        for p in &patches {
            layers.push(match p {
                Patch::Bytes { bytes, .. } => (p.range(), Paint::Bytes(bytes)),
                Patch::Zero { .. } => (p.range(), Paint::Zero),
            });
        }
        let painted = paint(&layers, self.end);
        let mut out = Pieces::default();
        let mut at = 0;
        for (start, (end, paint, skip)) in painted {
            out.push_zeros(start - at);
            match paint {
                Paint::Media => out.push_input(start..end),
                Paint::Kept => out.push_new(&self.read_kept(src, start..end)?),
                Paint::Bytes(b) => out.push_new(&b[skip as usize..(skip + end - start) as usize]),
                Paint::Zero => out.push_zeros(end - start),
            }
            at = end;
        }
        out.push_zeros(self.end - at);
        Ok(out)
    }

    /// The input bytes the output keeps under `policy`, and the changes to
    /// make on top of them; none touches a media sample.
    fn changes(&self, policy: &Policy) -> Result<(Vec<Range<u64>>, Vec<Patch>), Error> {
        let mut keep = self.kept.clone();
        let mut patches = self.always.clone();
        let mut removed = Vec::new();
        for e in &self.entries {
            match e {
                Entry::Block(b) if b.goes(policy) => removed.extend(b.patches.iter().cloned()),
                Entry::Block(b) => keep.extend(b.keep.iter().cloned()),
                Entry::Meta(m) if m.items.iter().all(|i| i.goes(policy)) => {
                    removed.extend(m.free.iter().cloned())
                }
                Entry::Meta(m) => {
                    keep.extend(m.structure.iter().cloned());
                    for i in &m.items {
                        if i.goes(policy) {
                            removed.extend(i.patches.iter().cloned());
                        } else {
                            keep.extend(i.keep.iter().cloned());
                        }
                    }
                }
            }
        }
        patches.extend(normalize(removed));
        for p in &patches {
            let r = p.range();
            if r.end > self.len {
                return Err(Error::damaged(format!(
                    "a change at byte {} would run past the end of the file",
                    r.start
                )));
            }
            if overlaps(&self.protected, &r) {
                return Err(unsupported(format!(
                    "metadata at bytes {}..{} shares bytes with the video or audio data: it cannot be removed safely",
                    r.start, r.end
                )));
            }
        }
        Ok((merge(keep), patches))
    }

    /// Kept input bytes: from the `moov` box read at parse time, or read
    /// again from `src` (small metadata boxes, kept metadata samples).
    fn read_kept<R: Source + ?Sized>(&self, src: &R, r: Range<u64>) -> Result<Vec<u8>, Error> {
        if self.moov.start <= r.start && r.end <= self.moov.end {
            let from = (r.start - self.moov.start) as usize;
            let to = (r.end - self.moov.start) as usize;
            return Ok(self.moov_buf[from..to].to_vec());
        }
        crate::source::read_range(src, r.clone()).map_err(read_failed(r.start))
    }
}

/// The layers painted in order over `0..end`, a later layer winning where
/// two overlap: start → (end, paint, offset into the paint's bytes).
fn paint<'a>(layers: &[(Range<u64>, Paint<'a>)], end: u64) -> BTreeMap<u64, (u64, Paint<'a>, u64)> {
    let mut map: BTreeMap<u64, (u64, Paint<'a>, u64)> = BTreeMap::new();
    for (r, p) in layers {
        let r = r.start.min(end)..r.end.min(end);
        if r.is_empty() {
            continue;
        }
        let hit: Vec<u64> = map
            .range(..r.end)
            .rev()
            .take_while(|(_, (e, ..))| *e > r.start)
            .map(|(&s, _)| s)
            .collect();
        for start in hit {
            let (e, old, skip) = map.remove(&start).expect("just found");
            if start < r.start {
                map.insert(start, (r.start, old, skip));
            }
            if e > r.end {
                map.insert(r.end, (e, old, skip + (r.end - start)));
            }
        }
        map.insert(r.start, (r.end, *p, 0));
    }
    map
}
