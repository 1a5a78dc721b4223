//! Encodings: a packet's bytes as text.
//!
//! XML readers must accept UTF-8 and UTF-16 (XML 1.0, 4.3.3), and XMP
//! writers use them; ExifTool also reads UTF-32. Every one is decoded for
//! the scan (with or without a byte order mark), but only UTF-8 and UTF-16
//! that decode without a single error count as read; anything else is
//! reported as a problem, and the packet is then unreadable.

use std::borrow::Cow;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Utf8,
    Utf16 { big_endian: bool },
    Utf32 { big_endian: bool },
}

/// The packet as text, and what keeps it from being read with certainty.
pub(super) fn decode(bytes: &[u8]) -> (Cow<'_, str>, Option<&'static str>) {
    let (encoding, bom) = detect(bytes);
    let body = &bytes[bom..];
    match encoding {
        Encoding::Utf8 => match std::str::from_utf8(body) {
            Ok(text) => (Cow::Borrowed(text), None),
            Err(_) => (String::from_utf8_lossy(body), Some("not valid UTF-8")),
        },
        Encoding::Utf16 { big_endian } => {
            let units = body.chunks_exact(2).map(|p| {
                let pair = [p[0], p[1]];
                if big_endian {
                    u16::from_be_bytes(pair)
                } else {
                    u16::from_le_bytes(pair)
                }
            });
            let mut clean = body.len() % 2 == 0;
            let text = char::decode_utf16(units)
                .map(|c| {
                    c.unwrap_or_else(|_| {
                        clean = false;
                        char::REPLACEMENT_CHARACTER
                    })
                })
                .collect();
            (Cow::Owned(text), (!clean).then_some("not valid UTF-16"))
        }
        Encoding::Utf32 { big_endian } => {
            let text = body
                .chunks_exact(4)
                .map(|q| {
                    let quad = [q[0], q[1], q[2], q[3]];
                    let code = if big_endian {
                        u32::from_be_bytes(quad)
                    } else {
                        u32::from_le_bytes(quad)
                    };
                    char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
                })
                .collect();
            (Cow::Owned(text), Some("encoded as UTF-32"))
        }
    }
}

/// The encoding, from a byte order mark or the zero bytes around the first
/// character, and the length of the mark.
fn detect(bytes: &[u8]) -> (Encoding, usize) {
    let utf16 = |big_endian| Encoding::Utf16 { big_endian };
    let utf32 = |big_endian| Encoding::Utf32 { big_endian };
    match bytes {
        [0xEF, 0xBB, 0xBF, ..] => (Encoding::Utf8, 3),
        [0, 0, 0xFE, 0xFF, ..] => (utf32(true), 4),
        [0xFF, 0xFE, 0, 0, ..] => (utf32(false), 4),
        [0xFE, 0xFF, ..] => (utf16(true), 2),
        [0xFF, 0xFE, ..] => (utf16(false), 2),
        [0, 0, 0, a, ..] if *a != 0 => (utf32(true), 0),
        [a, 0, 0, 0, ..] if *a != 0 => (utf32(false), 0),
        [0, a, ..] if *a != 0 => (utf16(true), 0),
        [a, 0, ..] if *a != 0 => (utf16(false), 0),
        _ => (Encoding::Utf8, 0),
    }
}
