//! The dropped file, read through the page.
//!
//! The page imports `ps_read(offset, ptr, len)`: it reads `len` bytes at
//! `offset` of the file being cleaned with `FileReaderSync` and copies them
//! to `ptr`.

use photoscrub_core::Source;
use std::io;

/// The file the page is cleaning, read in ranges.
pub struct BlobSource {
    size: u64,
}

impl BlobSource {
    pub fn new(size: u64) -> BlobSource {
        BlobSource { size }
    }
}

impl Source for BlobSource {
    fn size(&self) -> u64 {
        self.size
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        let end = offset.checked_add(buf.len() as u64);
        if end.is_none_or(|end| end > self.size) {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        if buf.is_empty() || host::read(offset, buf) {
            Ok(())
        } else {
            Err(io::Error::other("the browser could not read the file"))
        }
    }
}

#[cfg(target_arch = "wasm32")]
#[allow(unsafe_code)] // calling the page's import is the one unsafe call
mod host {
    #[link(wasm_import_module = "photoscrub")]
    extern "C" {
        fn ps_read(offset: f64, ptr: *mut u8, len: usize) -> u32;
    }

    /// Fills `buf` from `offset` of the file; false if the page could not.
    pub fn read(offset: u64, buf: &mut [u8]) -> bool {
        // SAFETY: the page writes exactly `buf.len()` bytes at `buf`'s
        // address (inside this buffer) and keeps no reference to it.
        // Offsets are below 2^53, exact in an f64.
        unsafe { ps_read(offset as f64, buf.as_mut_ptr(), buf.len()) == 0 }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod host {
    /// Outside the browser there is no page to read from.
    pub fn read(_offset: u64, _buf: &mut [u8]) -> bool {
        false
    }
}
