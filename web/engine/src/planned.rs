//! A cleaned video as its plan describes it, read in ranges: new bytes from
//! the plan, zeros, and ranges of the dropped file read through the page.
//!
//! The page's `Blob` is made of exactly these pieces (`web/page/engine.js`,
//! `assemble`), so verifying this view verifies the bytes the page offers
//! without reading them back through the browser's Blob store.

use photoscrub_core::{Piece, Pieces, Source};
use std::io;

/// The output of a plan over `input`, read piece by piece.
pub struct Planned<'a, S: Source + ?Sized> {
    pieces: &'a [Piece],
    /// Where each piece starts in the output.
    starts: Vec<u64>,
    size: u64,
    input: &'a S,
}

impl<'a, S: Source + ?Sized> Planned<'a, S> {
    pub fn new(output: &'a Pieces, input: &'a S) -> Planned<'a, S> {
        let mut starts = Vec::with_capacity(output.pieces().len());
        let mut at = 0;
        for piece in output.pieces() {
            starts.push(at);
            at += piece.len();
        }
        Planned {
            pieces: output.pieces(),
            starts,
            size: at,
            input,
        }
    }
}

impl<S: Source + ?Sized> Source for Planned<'_, S> {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let end = offset.checked_add(buf.len() as u64);
        if end.is_none_or(|end| end > self.size) {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        // The first piece that ends after `offset`.
        let mut i = self
            .starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1);
        let mut done = 0;
        while done < buf.len() {
            let (piece, start) = (&self.pieces[i], self.starts[i]);
            let skip = offset + done as u64 - start;
            let n = (piece.len() - skip).min((buf.len() - done) as u64) as usize;
            let out = &mut buf[done..done + n];
            match piece {
                Piece::New(bytes) => out.copy_from_slice(&bytes[skip as usize..skip as usize + n]),
                Piece::Input(range) => self.input.read_exact_at(out, range.start + skip)?,
                Piece::Zeros(_) => out.fill(0),
            }
            done += n;
            i += 1;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_any_range_as_the_assembled_file() {
        let input: &[u8] = b"0123456789abcdef";
        let mut out = Pieces::default();
        out.push_new(b"NEW");
        out.push_input(4..10);
        out.push_zeros(3);
        out.push_new(b"xy");
        out.push_input(12..16);
        let whole = out.to_vec(input).unwrap();
        let planned = Planned::new(&out, input);
        assert_eq!(planned.size(), whole.len() as u64);
        for start in 0..whole.len() {
            for end in start..=whole.len() {
                let mut buf = vec![0xEE; end - start];
                planned.read_exact_at(&mut buf, start as u64).unwrap();
                assert_eq!(buf, whole[start..end], "{start}..{end}");
            }
        }
        let mut past = [0u8; 2];
        assert!(planned
            .read_exact_at(&mut past, whole.len() as u64 - 1)
            .is_err());
    }
}
