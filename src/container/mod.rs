//! One module per container format. Each finds its metadata blocks and its
//! image data, and rebuilds the file under a policy.
//!
//! Every module offers the same three functions:
//! - `scan(data) -> Result<Scan, Error>`: what its metadata would tell;
//! - `rebuild(data, policy) -> Result<Vec<u8>, Error>`: the cleaned file;
//! - `image_data(data) -> Result<Vec<&[u8]>, Error>`: the pieces of image
//!   data whose bytes must be identical in the input and the output.

pub mod gif;
pub mod heif;
pub mod isobmff;
pub mod jpeg;
pub mod jxl;
pub mod mp4;
pub mod png;
pub mod tiff;
pub mod webp;

use crate::findings::Scan;
use crate::policy::Policy;
use crate::sniff::Format;
use crate::Error;
use std::ops::Range;

/// Everything the file's metadata blocks would tell.
pub fn scan(format: Format, data: &[u8]) -> Result<Scan, Error> {
    match format {
        Format::Jpeg => jpeg::scan(data),
        Format::Png => png::scan(data),
        Format::Webp => webp::scan(data),
        Format::Gif => gif::scan(data),
        Format::Heif | Format::Avif => heif::scan(data),
        Format::Jxl => jxl::scan(data),
        Format::Tiff => tiff::scan(data),
        Format::Raw if heif::is_cr3(data) => heif::scan_cr3(data),
        Format::Raw => tiff::scan_raw(data),
        Format::Video => mp4::scan(data),
    }
}

/// The cleaned file.
pub fn rebuild(format: Format, data: &[u8], policy: &Policy) -> Result<Vec<u8>, Error> {
    match format {
        Format::Jpeg => jpeg::rebuild(data, policy),
        Format::Png => png::rebuild(data, policy),
        Format::Webp => webp::rebuild(data, policy),
        Format::Gif => gif::rebuild(data, policy),
        Format::Heif | Format::Avif => heif::rebuild(data, policy),
        Format::Jxl => jxl::rebuild(data, policy),
        Format::Tiff => tiff::rebuild(data, policy),
        Format::Video => mp4::rebuild(data, policy),
        Format::Raw => Err(unsupported(format)),
    }
}

/// The image data, in pieces whose concatenation must not change.
pub fn image_data(format: Format, data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    match format {
        Format::Jpeg => jpeg::image_data(data),
        Format::Png => png::image_data(data),
        Format::Webp => webp::image_data(data),
        Format::Gif => gif::image_data(data),
        Format::Heif | Format::Avif => heif::image_data(data),
        Format::Jxl => jxl::image_data(data),
        Format::Tiff => tiff::image_data(data),
        Format::Video => mp4::image_data(data),
        Format::Raw => Err(unsupported(format)),
    }
}

/// A cleaned file together with what the input said and its image data.
pub struct Cleaned<'a> {
    pub before: Scan,
    pub output: Pieces,
    pub image_data: Vec<&'a [u8]>,
}

/// A cleaned file as the pieces it is written from: new bytes, and ranges
/// of the input that are copied unchanged (above all the image data). A
/// cleaned photo is never assembled in memory on its way to disk: the
/// writer sends new bytes with `write` and input ranges with
/// `copy_file_range` ([`crate::write::write_pieces`]).
///
/// ```
/// use photoscrub::container::{Piece, Pieces};
/// let input = b"..header..IMAGE DATA";
/// let mut out = Pieces::default();
/// out.push_new(b"new header");
/// out.push_input(10..15);
/// out.push_input(15..20); // joins the range before it
/// assert_eq!(out.pieces(), &[Piece::New(b"new header".to_vec()), Piece::Input(10..20)]);
/// assert_eq!(out.to_vec(input), b"new headerIMAGE DATA");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Pieces(Vec<Piece>);

/// One piece of a cleaned file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    /// Bytes made by the cleaner.
    New(Vec<u8>),
    /// Bytes copied unchanged from this range of the input.
    Input(Range<usize>),
}

impl Pieces {
    /// Appends new bytes.
    pub fn push_new(&mut self, bytes: &[u8]) {
        match self.0.last_mut() {
            Some(Piece::New(last)) => last.extend_from_slice(bytes),
            _ => self.0.push(Piece::New(bytes.to_vec())),
        }
    }

    /// Appends a range of the input, joined to the range before it when the
    /// two are contiguous.
    pub fn push_input(&mut self, range: Range<usize>) {
        if range.is_empty() {
            return;
        }
        match self.0.last_mut() {
            Some(Piece::Input(last)) if last.end == range.start => last.end = range.end,
            _ => self.0.push(Piece::Input(range)),
        }
    }

    pub fn pieces(&self) -> &[Piece] {
        &self.0
    }

    /// The length of the cleaned file.
    pub fn len(&self) -> usize {
        self.0.iter().map(Piece::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cleaned file in one buffer (for callers that want bytes).
    pub fn to_vec(&self, input: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len());
        for piece in &self.0 {
            match piece {
                Piece::New(bytes) => out.extend_from_slice(bytes),
                Piece::Input(range) => out.extend_from_slice(&input[range.clone()]),
            }
        }
        out
    }
}

impl Piece {
    /// How many bytes of the cleaned file this piece is.
    pub fn len(&self) -> usize {
        match self {
            Piece::New(bytes) => bytes.len(),
            Piece::Input(range) => range.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl From<Vec<u8>> for Pieces {
    fn from(bytes: Vec<u8>) -> Pieces {
        Pieces(vec![Piece::New(bytes)])
    }
}

/// What a file says and its image data.
pub struct Inspected<'a> {
    pub scan: Scan,
    pub image_data: Vec<&'a [u8]>,
}

/// Scans and rebuilds `data`; formats that can do both from one parse do.
pub fn clean<'a>(format: Format, data: &'a [u8], policy: &Policy) -> Result<Cleaned<'a>, Error> {
    match format {
        Format::Jpeg => jpeg::clean(data, policy),
        Format::Video => mp4::clean(data, policy),
        Format::Raw => Err(unsupported(format)),
        _ => Ok(Cleaned {
            before: scan(format, data)?,
            output: rebuild(format, data, policy)?.into(),
            image_data: image_data(format, data)?,
        }),
    }
}

/// Scans `data` and finds its image data; from one parse where possible.
pub fn inspect(format: Format, data: &[u8]) -> Result<Inspected<'_>, Error> {
    match format {
        Format::Jpeg => jpeg::inspect(data),
        Format::Video => mp4::inspect(data),
        _ => Ok(Inspected {
            scan: scan(format, data)?,
            image_data: image_data(format, data)?,
        }),
    }
}

/// The refusal for a format that cannot be cleaned (yet).
pub fn unsupported(format: Format) -> Error {
    Error::Unsupported(match format {
        Format::Raw => {
            "camera raw files cannot be cleaned: export a JPEG or HEIC from your photo app first"
                .into()
        }
        other => format!(
            "{} files cannot be cleaned this way",
            other.name().to_uppercase()
        ),
    })
}
