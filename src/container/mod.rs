//! One module per container format. Each finds its metadata blocks and its
//! image data, and rebuilds the file under a policy.

pub mod jpeg;

use crate::findings::Scan;
use crate::policy::Policy;
use crate::sniff::Format;
use crate::Error;

/// Everything the file's metadata blocks would tell.
pub fn scan(format: Format, data: &[u8]) -> Result<Scan, Error> {
    match format {
        Format::Jpeg => jpeg::scan(data),
        other => Err(unsupported(other)),
    }
}

/// The cleaned file.
pub fn rebuild(format: Format, data: &[u8], policy: &Policy) -> Result<Vec<u8>, Error> {
    match format {
        Format::Jpeg => jpeg::rebuild(data, policy),
        other => Err(unsupported(other)),
    }
}

/// The image data, in pieces whose concatenation must not change.
pub fn image_data(format: Format, data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    match format {
        Format::Jpeg => jpeg::image_data(data),
        other => Err(unsupported(other)),
    }
}

fn unsupported(format: Format) -> Error {
    Error::Unsupported(match format {
        Format::Raw => {
            "camera raw files cannot be cleaned: export a JPEG or HEIC from your photo app first"
                .into()
        }
        other => format!(
            "{} files are not supported yet: this version of photoscrub cleans JPEG photos",
            other.name().to_uppercase()
        ),
    })
}
