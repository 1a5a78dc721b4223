//! Inputs as the engine reads them: an open file is a
//! [`photoscrub_core::Source`] read at offsets, so a video is never read
//! whole.

use photoscrub_core::Source;
use std::fs::File;

/// A file read at offsets, with its length read once.
#[derive(Debug)]
pub struct FileSource<'a> {
    file: &'a File,
    len: u64,
}

impl<'a> FileSource<'a> {
    /// `file`'s length is read now; a file that cannot be measured reads as
    /// empty (and so fails to parse).
    pub fn new(file: &'a File) -> FileSource<'a> {
        FileSource {
            len: file.metadata().map(|m| m.len()).unwrap_or(0),
            file,
        }
    }
}

impl Source for FileSource<'_> {
    fn size(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
        if offset
            .checked_add(buf.len() as u64)
            .is_none_or(|end| end > self.len)
        {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        crate::sys::read_exact_at(self.file, buf, offset)
    }
}
