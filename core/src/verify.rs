//! The cleaned output is checked against the input before anything is
//! committed: it re-parses (with our parser and, for JPEG, with img-parts),
//! its image data is the input's, a re-scan finds nothing the policy
//! removes, and cleaning it again would change nothing.

use crate::findings::Scan;
use crate::format::Format;
use crate::plan::{Piece, Plan};
use crate::policy::Policy;
use crate::source::Source;
use crate::Error;
use std::ops::Range;

/// Verifies `output` — what was written from `plan.output`, read back —
/// as the cleaned form of `input` under `policy`; returns the scan of the
/// output.
pub fn verify<I: Source + ?Sized, O: Source + ?Sized>(
    plan: &Plan,
    input: &I,
    output: &O,
    policy: &Policy,
) -> Result<Scan, Error> {
    let fail = |what: String| Error::Unverified(what);
    copies_only_media(plan)?;
    if output.size() != plan.output.len() {
        return Err(fail(format!(
            "{} of {} bytes were written",
            output.size(),
            plan.output.len()
        )));
    }
    // The re-parse takes the output's image data as it is (a PNG's zlib
    // stream is not inflated again): `same_media` below requires it to be
    // the input's, byte for byte, and the input's parse checked that.
    let again = crate::plan_output(output, policy)
        .map_err(|e| fail(format!("it does not re-parse ({e})")))?;
    let format = plan.input.format;
    if again.input.format != format {
        return Err(fail(format!(
            "it reads as {}, not {format}",
            again.input.format
        )));
    }
    second_opinion(format, output)?;
    same_media(plan, input, &again.input.media, output)?;
    if let Some((category, tag, block)) = again.input.scan.first_removed_by(policy) {
        return Err(fail(format!(
            "it still holds {category} data ({tag} in {block})"
        )));
    }
    if !again.is_identity(output) {
        return Err(fail("cleaning it again would still change it".into()));
    }
    Ok(again.input.scan)
}

/// Formats whose plans still copy input bytes other than image data
/// (blocks they keep whole); every other format is held to the rule.
const NOT_YET_ACCOUNTED: &[Format] = &[];

/// Every input byte the plan copies must be image or media data that the
/// input's structure points to; everything else in the output photoscrub
/// wrote itself (or zeros). A plan that copies anything else is a bug,
/// caught here before anything is written.
fn copies_only_media(plan: &Plan) -> Result<(), Error> {
    if NOT_YET_ACCOUNTED.contains(&plan.input.format) {
        return Ok(());
    }
    let media = merged(&plan.input.media);
    for piece in plan.output.pieces() {
        if let Piece::Input(r) = piece {
            if !covers(&media, r) {
                return Err(Error::Unverified(format!(
                    "the cleaned file would copy bytes {}..{} of the original, which are not image data",
                    r.start, r.end
                )));
            }
        }
    }
    Ok(())
}

/// `ranges` sorted, with touching and overlapping ranges joined.
fn merged(ranges: &[Range<u64>]) -> Vec<Range<u64>> {
    let mut sorted: Vec<Range<u64>> = ranges.iter().filter(|r| r.start < r.end).cloned().collect();
    sorted.sort_unstable_by_key(|r| r.start);
    let mut out: Vec<Range<u64>> = Vec::with_capacity(sorted.len());
    for r in sorted {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// The output's image data (`media`, ranges of `output`) must be the
/// input's, range for range. A range that the plan copied from the same
/// offset of the input (a video's samples, which never move) is the same
/// by construction and is not read again.
fn same_media<I: Source + ?Sized, O: Source + ?Sized>(
    plan: &Plan,
    input: &I,
    media: &[Range<u64>],
    output: &O,
) -> Result<(), Error> {
    let fail = || Error::Unverified("its image data differs from the original's".into());
    let before = &plan.input.media;
    if before.len() != media.len()
        || before
            .iter()
            .zip(media)
            .any(|(a, b)| a.end - a.start != b.end - b.start)
    {
        return Err(fail());
    }
    let copied = copied_in_place(plan);
    for (a, b) in before.iter().zip(media) {
        if a == b && covers(&copied, b) {
            continue;
        }
        if !same_bytes(input, a, output, b)? {
            return Err(fail());
        }
    }
    Ok(())
}

/// The output ranges that the plan copies from the same offsets of the
/// input, in order.
fn copied_in_place(plan: &Plan) -> Vec<Range<u64>> {
    let mut at = 0;
    let mut ranges = Vec::new();
    for piece in plan.output.pieces() {
        if let Piece::Input(r) = piece {
            if r.start == at {
                ranges.push(r.clone());
            }
        }
        at += piece.len();
    }
    ranges
}

/// Whether `r` lies inside one of the sorted `ranges`.
fn covers(ranges: &[Range<u64>], r: &Range<u64>) -> bool {
    let i = ranges.partition_point(|x| x.end < r.end);
    ranges
        .get(i)
        .is_some_and(|x| x.start <= r.start && r.end <= x.end)
}

fn sub<'a>(bytes: &'a [u8], r: &Range<u64>) -> Option<&'a [u8]> {
    bytes.get(usize::try_from(r.start).ok()?..usize::try_from(r.end).ok()?)
}

/// Whether `a` of `x` and `b` of `y` (of equal lengths) hold the same bytes.
fn same_bytes<X: Source + ?Sized, Y: Source + ?Sized>(
    x: &X,
    a: &Range<u64>,
    y: &Y,
    b: &Range<u64>,
) -> Result<bool, Error> {
    if let (Some(x), Some(y)) = (x.as_slice(), y.as_slice()) {
        return Ok(matches!((sub(x, a), sub(y, b)), (Some(p), Some(q)) if p == q));
    }
    const CHUNK: u64 = 1 << 20;
    let (mut bx, mut by) = (Vec::new(), Vec::new());
    let mut done = 0;
    let len = a.end - a.start;
    while done < len {
        let n = (len - done).min(CHUNK) as usize;
        bx.resize(n, 0);
        by.resize(n, 0);
        let read = |e| Error::io_because("cannot read the image data back", e);
        x.read_exact_at(&mut bx, a.start + done).map_err(read)?;
        y.read_exact_at(&mut by, b.start + done).map_err(read)?;
        if bx != by {
            return Ok(false);
        }
        done += n as u64;
    }
    Ok(true)
}

/// An independent parser must read the output the same way ours does.
fn second_opinion<O: Source + ?Sized>(format: Format, output: &O) -> Result<(), Error> {
    if format != Format::Jpeg {
        return Ok(());
    }
    let Some(output) = output.as_slice() else {
        return Ok(());
    };
    let (ours, headers_end) = crate::container::jpeg::header_markers(output)?;
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
#[cfg(feature = "decode")]
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

#[cfg(feature = "decode")]
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::{Inspection, Pieces};

    fn plan(media: Vec<Range<u64>>, output: Pieces) -> Plan {
        Plan {
            input: Inspection {
                format: Format::Png,
                scan: Scan::default(),
                media,
            },
            input_len: 100,
            output,
        }
    }

    #[test]
    fn a_plan_may_copy_image_data_only() {
        let mut ok = Pieces::default();
        ok.push_new(b"header");
        ok.push_input(10..30); // spans two touching media ranges
        ok.push_zeros(4);
        ok.push_input(50..60);
        assert!(copies_only_media(&plan(vec![10..20, 20..30, 40..60], ok)).is_ok());
        let mut bad = Pieces::default();
        bad.push_input(10..31);
        let err = copies_only_media(&plan(vec![10..20, 20..30], bad)).unwrap_err();
        assert!(matches!(err, Error::Unverified(_)), "{err}");
    }

    #[test]
    fn covers_needs_one_range_around() {
        let ranges = merged(&[5..10, 0..3, 2..4, 10..12]);
        assert_eq!(ranges, vec![0..4, 5..12]);
        assert!(covers(&ranges, &(5..12)));
        assert!(covers(&ranges, &(1..2)));
        assert!(!covers(&ranges, &(3..6)));
        assert!(!covers(&ranges, &(11..13)));
    }
}
