//! The cleaned output is checked against the input before anything is
//! written: it re-parses (with our parser and with img-parts), its image
//! data is byte-identical, and a re-scan finds nothing the policy removes.

use crate::container;
use crate::findings::Scan;
use crate::policy::Policy;
use crate::sniff::Format;
use crate::Error;

/// Verifies `output` as the cleaned form of an input whose image data is
/// `image_data`; returns the scan of the output.
pub fn verify(
    format: Format,
    output: &[u8],
    image_data: &[&[u8]],
    policy: &Policy,
) -> Result<Scan, Error> {
    let fail = |what: String| Error::Unverified(what);
    let after = container::inspect(format, output)
        .map_err(|e| fail(format!("it does not re-parse ({e})")))?;
    second_opinion(format, output)?;
    if image_data != after.image_data {
        return Err(fail("its image data differs from the original's".into()));
    }
    if let Some(left) = after
        .scan
        .findings
        .iter()
        .find(|f| policy.removes(f.category))
    {
        return Err(fail(format!(
            "it still holds {} data ({} in {})",
            left.category, left.tag, left.block
        )));
    }
    Ok(after.scan)
}

/// An independent parser must read the output the same way ours does.
fn second_opinion(format: Format, output: &[u8]) -> Result<(), Error> {
    if format != Format::Jpeg {
        return Ok(());
    }
    let (ours, headers_end) = container::jpeg::header_markers(output)?;
    // Only the headers are copied; img-parts needs some bytes after them.
    let mut headers = output[..headers_end].to_vec();
    headers.extend_from_slice(&[0xFF, 0xD9]);
    let theirs = img_parts::jpeg::Jpeg::from_bytes(headers.into())
        .map_err(|e| Error::Unverified(format!("img-parts cannot read it ({e})")))?;
    let theirs: Vec<u8> = theirs.segments().iter().map(|s| s.marker()).collect();
    if ours != theirs {
        return Err(Error::Unverified(
            "img-parts sees different segments".into(),
        ));
    }
    Ok(())
}

/// Decodes both files with the `image` crate and requires identical pixels.
///
/// Formats the `image` crate cannot decode (HEIF, AVIF, JPEG XL) are left
/// to the byte-for-byte comparison of their coded image data, which
/// [`verify`] has already done.
pub fn decode_identical(format: Format, input: &[u8], output: &[u8]) -> Result<(), Error> {
    if !matches!(
        format,
        Format::Jpeg | Format::Png | Format::Webp | Format::Gif | Format::Tiff
    ) {
        return Ok(());
    }
    let (a, b) = (decode(input, "original")?, decode(output, "cleaned file")?);
    if a.width() != b.width() || a.height() != b.height() || a.as_bytes() != b.as_bytes() {
        return Err(Error::Unverified(
            "decoded pixels differ from the original's".into(),
        ));
    }
    Ok(())
}

/// Decodes without the default memory limit: a 200-megapixel phone photo
/// is a real photo, and the user asked for this check.
fn decode(bytes: &[u8], which: &str) -> Result<image::DynamicImage, Error> {
    let fail =
        |e: &dyn std::fmt::Display| Error::Unverified(format!("the {which} does not decode ({e})"));
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| fail(&e))?;
    reader.no_limits();
    reader.decode().map_err(|e| fail(&e))
}
