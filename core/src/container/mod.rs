//! One module per container format. Each parses its input once and
//! returns a [`Plan`]: what the metadata would tell, where the image data
//! is, and the cleaned file as pieces.
//!
//! Every photo format is planned from one parse ([`inspect_photo`],
//! [`plan_photo`]); videos are read as a [`Source`](crate::Source) by
//! `mp4`. [`scan`], [`rebuild`] and [`image_data`] are thin views of the
//! same parse, kept for the fuzz targets.

pub mod cr3;
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
use crate::format::Format;
use crate::plan::{Inspection, Plan};
use crate::policy::Policy;
use crate::Error;

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
        Format::Raw if cr3::is_cr3(data) => cr3::scan_cr3(data),
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
        Format::Video | Format::Raw => Err(unsupported(format)),
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
        Format::Video | Format::Raw => Err(unsupported(format)),
    }
}

/// What a photo says and where its image data is, from one parse.
pub fn inspect_photo(format: Format, data: &[u8]) -> Result<Inspection, Error> {
    match format {
        Format::Jpeg => jpeg::inspect(data),
        Format::Tiff => tiff::inspect(data),
        Format::Heif | Format::Avif => heif::inspect(format, data),
        Format::Png => png::inspect(data),
        Format::Gif => gif::inspect(data),
        Format::Webp => webp::inspect(data),
        Format::Jxl => jxl::inspect(data),
        Format::Video => Err(Error::Unsupported("videos are read as a source".into())),
        Format::Raw => Ok(Inspection {
            format,
            scan: scan(format, data)?,
            media: Vec::new(),
        }),
    }
}

/// [`plan_photo`] for the verifier's re-parse of a cleaned photo: image
/// data that the verifier then compares byte for byte with the input's is
/// not decoded again (only PNG decodes it while parsing: its zlib stream).
pub fn plan_output_photo(format: Format, data: &[u8], policy: &Policy) -> Result<Plan, Error> {
    match format {
        Format::Png => png::plan_output(data, policy),
        _ => plan_photo(format, data, policy),
    }
}

/// How to clean a photo under `policy`.
pub fn plan_photo(format: Format, data: &[u8], policy: &Policy) -> Result<Plan, Error> {
    match format {
        Format::Jpeg => jpeg::plan(data, policy),
        Format::Tiff => tiff::plan(data, policy),
        Format::Heif | Format::Avif => heif::plan(format, data, policy),
        Format::Png => png::plan(data, policy),
        Format::Gif => gif::plan(data, policy),
        Format::Webp => webp::plan(data, policy),
        Format::Jxl => jxl::plan(data, policy),
        Format::Video | Format::Raw => Err(unsupported(format)),
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
