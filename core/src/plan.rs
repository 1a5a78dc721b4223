//! A cleaned file, described rather than built.
//!
//! Every container parses its input once and returns a [`Plan`]: the
//! output as a list of [`Piece`]s — bytes photoscrub wrote, ranges of the
//! input copied unchanged (the image and media data), and runs of zeros —
//! together with what the input said and where its image data is. The
//! caller turns the pieces into a file: the command line with
//! `copy_file_range` from the open input, the browser as a `Blob` of slices
//! of the dropped file. A 4 GB video is never held in memory.

use crate::findings::Scan;
use crate::format::Format;
use crate::source::Source;
use crate::Error;
use std::ops::Range;

/// A cleaned file as the pieces it is written from.
///
/// ```
/// use photoscrub_core::{Piece, Pieces};
/// let input = b"..header..IMAGE DATA";
/// let mut out = Pieces::default();
/// out.push_new(b"new header");
/// out.push_input(10..15);
/// out.push_input(15..20); // joins the range before it
/// out.push_zeros(2);
/// assert_eq!(out.pieces(), &[Piece::New(b"new header".to_vec()), Piece::Input(10..20), Piece::Zeros(2)]);
/// assert_eq!(out.to_vec(&input[..]).unwrap(), b"new headerIMAGE DATA\0\0");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pieces(Vec<Piece>);

/// One piece of a cleaned file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Bytes photoscrub wrote.
    New(Vec<u8>),
    /// Bytes copied unchanged from this range of the input.
    Input(Range<u64>),
    /// This many zero bytes (removed data whose space must stay).
    Zeros(u64),
}

impl Piece {
    /// How many bytes of the cleaned file this piece is.
    pub fn len(&self) -> u64 {
        match self {
            Piece::New(bytes) => bytes.len() as u64,
            Piece::Input(range) => range.end - range.start,
            Piece::Zeros(n) => *n,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Pieces {
    /// Appends bytes photoscrub wrote.
    pub fn push_new(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some(Piece::New(last)) => last.extend_from_slice(bytes),
            _ => self.0.push(Piece::New(bytes.to_vec())),
        }
    }

    /// Appends a range of the input, joined to the range before it when the
    /// two are contiguous.
    pub fn push_input(&mut self, range: Range<u64>) {
        if range.start >= range.end {
            return;
        }
        match self.0.last_mut() {
            Some(Piece::Input(last)) if last.end == range.start => last.end = range.end,
            _ => self.0.push(Piece::Input(range)),
        }
    }

    /// Appends `n` zero bytes.
    pub fn push_zeros(&mut self, n: u64) {
        if n == 0 {
            return;
        }
        match self.0.last_mut() {
            Some(Piece::Zeros(last)) => *last += n,
            _ => self.0.push(Piece::Zeros(n)),
        }
    }

    pub fn pieces(&self) -> &[Piece] {
        &self.0
    }

    /// The length of the cleaned file.
    pub fn len(&self) -> u64 {
        self.0.iter().map(Piece::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The input of `len` bytes with `patches` applied in order (a later
    /// patch wins where two overlap): the input ranges between them are
    /// copied, so nothing moves.
    pub fn patched(len: u64, patches: &[Patch]) -> Result<Pieces, Error> {
        // Non-overlapping changed ranges by start: (end, patch, offset into it).
        let mut changed: std::collections::BTreeMap<u64, (u64, &Patch, u64)> = Default::default();
        for p in patches {
            let r = p.range();
            if r.end > len {
                return Err(Error::damaged(format!(
                    "a change at byte {} would run past the end of the file",
                    r.start
                )));
            }
            if r.is_empty() {
                continue;
            }
            let hit: Vec<u64> = changed
                .range(..r.end)
                .filter(|(_, (end, ..))| *end > r.start)
                .map(|(&start, _)| start)
                .collect();
            for start in hit {
                let (end, old, skip) = changed.remove(&start).expect("just found");
                if start < r.start {
                    changed.insert(start, (r.start, old, skip));
                }
                if end > r.end {
                    changed.insert(r.end, (end, old, skip + (r.end - start)));
                }
            }
            changed.insert(r.start, (r.end, p, 0));
        }
        let mut out = Pieces::default();
        let mut at = 0;
        for (start, (end, p, skip)) in changed {
            out.push_input(at..start);
            match p {
                Patch::Bytes { bytes, .. } => {
                    out.push_new(&bytes[skip as usize..(skip + end - start) as usize])
                }
                Patch::Zero { .. } => out.push_zeros(end - start),
            }
            at = end;
        }
        out.push_input(at..len);
        Ok(out)
    }

    /// The cleaned file in one buffer (for callers that want bytes).
    pub fn to_vec<S: Source + ?Sized>(&self, input: &S) -> Result<Vec<u8>, Error> {
        let len = usize::try_from(self.len())
            .map_err(|_| Error::Unsupported("the cleaned file is too large for memory".into()))?;
        let mut out = Vec::with_capacity(len);
        for piece in &self.0 {
            match piece {
                Piece::New(bytes) => out.extend_from_slice(bytes),
                Piece::Input(range) => {
                    let start = out.len();
                    out.resize(start + (range.end - range.start) as usize, 0);
                    input
                        .read_exact_at(&mut out[start..], range.start)
                        .map_err(|e| {
                            Error::io_because(
                                format!("cannot read the input at byte {}", range.start),
                                e,
                            )
                        })?;
                }
                Piece::Zeros(n) => out.resize(out.len() + *n as usize, 0),
            }
        }
        Ok(out)
    }
}

impl From<Vec<u8>> for Pieces {
    fn from(bytes: Vec<u8>) -> Pieces {
        let mut out = Pieces::default();
        out.push_new(&bytes);
        out
    }
}

/// One change to a file of the same length: bytes written or zeroed at an
/// offset (how videos are cleaned without moving a byte).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Patch {
    /// Write `bytes` at `at`.
    Bytes { at: u64, bytes: Vec<u8> },
    /// Zero `len` bytes from `at`.
    Zero { at: u64, len: u64 },
}

impl Patch {
    /// The bytes the patch changes.
    pub fn range(&self) -> Range<u64> {
        match self {
            Patch::Bytes { at, bytes } => *at..at.saturating_add(bytes.len() as u64),
            Patch::Zero { at, len } => *at..at.saturating_add(*len),
        }
    }
}

/// What a file says and where its image data is: the result of parsing it
/// once, without cleaning.
#[derive(Clone, Debug)]
pub struct Inspection {
    pub format: Format,
    /// Everything the file would tell a stranger.
    pub scan: Scan,
    /// The image or media data, in order: input ranges whose bytes must be
    /// identical, and in the same order, in the cleaned file.
    pub media: Vec<Range<u64>>,
}

/// How to clean one file: the parse of the input and the output's pieces.
#[derive(Clone, Debug)]
pub struct Plan {
    /// What the input says and where its image data is.
    pub input: Inspection,
    /// The length of the input.
    pub input_len: u64,
    /// The cleaned file.
    pub output: Pieces,
}

impl Plan {
    /// Whether the cleaned file would be byte for byte the input ("already
    /// clean"): every piece is either the input at its own offset or new
    /// bytes equal to the input's there.
    pub fn is_identity<S: Source + ?Sized>(&self, input: &S) -> bool {
        if self.output.len() != self.input_len {
            return false;
        }
        let mut at = 0u64;
        for piece in self.output.pieces() {
            let same = match piece {
                Piece::Input(range) => range.start == at,
                Piece::New(bytes) => {
                    let mut buf = vec![0; bytes.len()];
                    input.read_exact_at(&mut buf, at).is_ok() && buf == *bytes
                }
                Piece::Zeros(n) => is_zero_range(input, at, *n),
            };
            if !same {
                return false;
            }
            at += piece.len();
        }
        true
    }
}

fn is_zero_range<S: Source + ?Sized>(input: &S, at: u64, n: u64) -> bool {
    let mut buf = vec![0u8; n.min(1 << 16) as usize];
    let mut done = 0;
    while done < n {
        let k = (n - done).min(buf.len() as u64) as usize;
        if input.read_exact_at(&mut buf[..k], at + done).is_err()
            || buf[..k].iter().any(|&b| b != 0)
        {
            return false;
        }
        done += k as u64;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_become_pieces() {
        let input = b"abcdefghij".to_vec();
        let pieces = Pieces::patched(
            10,
            &[
                Patch::Zero { at: 6, len: 2 },
                Patch::Bytes {
                    at: 1,
                    bytes: b"XY".to_vec(),
                },
            ],
        )
        .unwrap();
        assert_eq!(pieces.to_vec(&input).unwrap(), b"aXYdef\0\0ij");
        assert_eq!(pieces.len(), 10);
        // A later patch wins where two overlap, as if applied in order.
        let overlapping = [
            Patch::Zero { at: 1, len: 5 },
            Patch::Bytes {
                at: 3,
                bytes: b"XY".to_vec(),
            },
            Patch::Bytes {
                at: 0,
                bytes: b"QR".to_vec(),
            },
        ];
        let pieces = Pieces::patched(10, &overlapping).unwrap();
        assert_eq!(pieces.to_vec(&input).unwrap(), b"QR\0XY\0ghij");
        assert!(Pieces::patched(10, &[Patch::Zero { at: 9, len: 2 }]).is_err());
    }

    #[test]
    fn identity_means_the_same_bytes() {
        let input = b"ab\0\0cd".to_vec();
        let plan = |output: Pieces| Plan {
            input: Inspection {
                format: Format::Jpeg,
                scan: Scan::default(),
                media: Vec::new(),
            },
            input_len: 6,
            output,
        };
        let mut same = Pieces::default();
        same.push_new(b"ab");
        same.push_zeros(2);
        same.push_input(4..6);
        assert!(plan(same).is_identity(&input));
        let mut moved = Pieces::default();
        moved.push_input(0..2);
        moved.push_input(4..6);
        moved.push_zeros(2);
        assert!(!plan(moved).is_identity(&input));
    }
}
