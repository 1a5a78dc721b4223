//! Values: coordinates, numbers and base64 data in property values.

use crate::geo;

/// `"52,22.2N"`, `"52,22,12.72N"`, `"4,53.712W"`, `"+52.3702"` or
/// `"52/1,22/1,12/1"` to signed decimal degrees.
pub(super) fn parse_coordinate(value: &str) -> Option<f64> {
    let value = value.trim();
    let last = value.chars().last()?;
    let (body, reference) = if "NSEWnsew".contains(last) {
        (&value[..value.len() - 1], Some(last))
    } else {
        (value, None)
    };
    let mut parts = body
        .split([',', ' '])
        .filter(|p| !p.is_empty())
        .map(parse_number);
    let deg = parts.next()??;
    let min = parts.next().unwrap_or(Some(0.0))?;
    let sec = parts.next().unwrap_or(Some(0.0))?;
    if parts.next().is_some() {
        return None;
    }
    Some(geo::from_dms(deg, min, sec, reference))
}

/// A decimal (`"12.5"`, `"+3"`) or a rational (`"1234/10"`).
pub(super) fn parse_number(value: &str) -> Option<f64> {
    let value = value.trim();
    match value.split_once('/') {
        Some((n, d)) => Some(n.trim().parse::<f64>().ok()? / d.trim().parse::<f64>().ok()?),
        None => value.parse().ok(),
    }
}

/// "JPEG image, about 5120 bytes" if `value` is base64 of an image or video.
pub(super) fn embedded_image(value: &str) -> Option<String> {
    if value.len() < 64 {
        return None;
    }
    let head = base64_prefix(value, 12)?;
    let kind = match head.as_slice() {
        [0xFF, 0xD8, 0xFF, ..] => "JPEG image",
        [0x89, b'P', b'N', b'G', ..] => "PNG image",
        [b'G', b'I', b'F', b'8', ..] => "GIF image",
        [b'R', b'I', b'F', b'F', ..] => "RIFF (WebP) image",
        [b'I', b'I', 42, 0, ..] | [b'M', b'M', 0, 42, ..] => "TIFF image",
        [_, _, _, _, b'f', b't', b'y', b'p', ..] => "HEIF/AVIF image or MP4 video",
        _ => return None,
    };
    Some(format!(
        "embedded {kind}, about {} bytes",
        base64_decoded_len(value)
    ))
}

/// The decoded size of a long value that looks like base64 data.
pub(super) fn binary_size(value: &str) -> Option<usize> {
    let base64 = value.len() > 512
        && value
            .bytes()
            .all(|b| base64_digit(b).is_some() || b == b'=' || b.is_ascii_whitespace());
    base64.then(|| base64_decoded_len(value))
}

fn base64_decoded_len(value: &str) -> usize {
    value.bytes().filter(|&b| base64_digit(b).is_some()).count() * 3 / 4
}

/// The first `n` bytes that the base64 text `value` decodes to (whitespace
/// ignored); `None` if it is not base64.
fn base64_prefix(value: &str, n: usize) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(n);
    let (mut bits, mut count) = (0u32, 0u32);
    for b in value.bytes().filter(|b| !b.is_ascii_whitespace()) {
        if out.len() >= n || b == b'=' {
            break;
        }
        bits = (bits << 6) | u32::from(base64_digit(b)?);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

fn base64_digit(b: u8) -> Option<u8> {
    match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'+' | b'-' => Some(62),
        b'/' | b'_' => Some(63),
        _ => None,
    }
}
