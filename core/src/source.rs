//! Where the engine reads a file from.
//!
//! The engine never opens files. A caller hands it a [`Source`]: a byte
//! slice, a file it opened, or a browser `Blob`. Photos are read whole (they
//! are small and every byte is looked at); videos are read in ranges, so a
//! 4 GB video costs a few megabytes of memory.

use std::io;

/// Bytes that can be read at any offset without reading them all.
///
/// ```
/// use photoscrub_core::Source;
/// let bytes: &[u8] = b"0123456789";
/// let mut buf = [0u8; 3];
/// bytes.read_exact_at(&mut buf, 4).unwrap();
/// assert_eq!(&buf, b"456");
/// assert!(bytes.read_exact_at(&mut buf, 8).is_err());
/// assert_eq!(bytes.size(), 10);
/// ```
pub trait Source {
    /// The total length in bytes.
    fn size(&self) -> u64;

    /// Fills `buf` with the bytes at `offset`; errors if they run past the
    /// end.
    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()>;

    /// All the bytes, when they are already in memory (no copy is made).
    fn as_slice(&self) -> Option<&[u8]> {
        None
    }
}

impl Source for [u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let start = usize::try_from(offset).ok();
        let bytes = start
            .and_then(|s| self.get(s..s.checked_add(buf.len())?))
            .ok_or_else(|| io::Error::from(io::ErrorKind::UnexpectedEof))?;
        buf.copy_from_slice(bytes);
        Ok(())
    }

    fn as_slice(&self) -> Option<&[u8]> {
        Some(self)
    }
}

impl Source for Vec<u8> {
    fn size(&self) -> u64 {
        self.as_slice().size()
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.as_slice().read_exact_at(buf, offset)
    }

    fn as_slice(&self) -> Option<&[u8]> {
        Some(self)
    }
}

impl<S: Source + ?Sized> Source for &S {
    fn size(&self) -> u64 {
        (**self).size()
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        (**self).read_exact_at(buf, offset)
    }

    fn as_slice(&self) -> Option<&[u8]> {
        (**self).as_slice()
    }
}

/// Reads `range` of `src` into a new buffer.
pub fn read_range<S: Source + ?Sized>(src: &S, range: std::ops::Range<u64>) -> io::Result<Vec<u8>> {
    let len = usize::try_from(range.end.saturating_sub(range.start))
        .map_err(|_| io::Error::from(io::ErrorKind::OutOfMemory))?;
    let mut buf = vec![0; len];
    src.read_exact_at(&mut buf, range.start)?;
    Ok(buf)
}
