//! The small upright picture of each photo shown in the HTML report. Made
//! by the batch while the photo's bytes are at hand (reading them again
//! for the report would cost a second read of every photo), and kept apart
//! from the report so that the batch does not depend on the report.

const THUMBNAIL_PX: u32 = 200;

/// A small JPEG of the picture, turned upright per its Orientation; `None`
/// if the `image` crate cannot decode the format.
pub fn thumbnail(bytes: &[u8]) -> Option<Vec<u8>> {
    use image::ImageDecoder;
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    reader.no_limits();
    let mut decoder = reader.into_decoder().ok()?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut picture = image::DynamicImage::from_decoder(decoder).ok()?;
    picture.apply_orientation(orientation);
    let small = picture.thumbnail(THUMBNAIL_PX, THUMBNAIL_PX).to_rgb8();
    let mut out = std::io::Cursor::new(Vec::new());
    small.write_to(&mut out, image::ImageFormat::Jpeg).ok()?;
    Some(out.into_inner())
}
