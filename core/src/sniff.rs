//! The format of a file, from its first bytes — never from its name.

pub use crate::format::Format;

/// How many leading bytes [`sniff`] needs at most.
pub const SNIFF_LEN: usize = 32;

/// Recognises a format from the first bytes of a file.
///
/// ```
/// use photoscrub_core::sniff::{sniff, Format};
/// assert_eq!(sniff(b"\xFF\xD8\xFF\xE0\0\x10JFIF\0"), Some(Format::Jpeg));
/// assert_eq!(sniff(b"hello"), None);
/// ```
pub fn sniff(head: &[u8]) -> Option<Format> {
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(b"\xFF\xD8\xFF") {
        Some(Format::Jpeg)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some(Format::Png)
    } else if starts(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        Some(Format::Webp)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some(Format::Gif)
    } else if starts(b"\xFF\x0A") || starts(b"\0\0\0\x0CJXL \r\n\x87\n") {
        Some(Format::Jxl)
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Some(tiff_kind(head))
    } else if starts(b"II+\0") || starts(b"MM\0+") {
        // BigTIFF: the TIFF module refuses it with a clear message.
        Some(Format::Tiff)
    } else if starts(b"IIRO")
        || starts(b"IIRS")
        || starts(b"MMOR")
        || starts(b"IIU\0")
        || starts(b"FUJIFILMCCD-RAW")
    {
        Some(Format::Raw)
    } else if head.get(4..8) == Some(b"ftyp") {
        Some(isobmff_kind(head))
    } else if matches!(
        head.get(4..8),
        Some(b"moov" | b"mdat" | b"wide" | b"free" | b"skip")
    ) {
        Some(Format::Video)
    } else {
        None
    }
}

/// CR2 is a TIFF with `CR` at byte 8; DNG, NEF, ARW… are TIFFs whose
/// directories hold sensor data (`container::tiff::is_raw`).
fn tiff_kind(head: &[u8]) -> Format {
    if head.get(8..10) == Some(b"CR") || crate::container::tiff::is_raw(head) {
        Format::Raw
    } else {
        Format::Tiff
    }
}

fn isobmff_kind(head: &[u8]) -> Format {
    match head.get(8..12) {
        Some(
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" | b"mif1" | b"msf1" | b"mif2",
        ) => Format::Heif,
        Some(b"avif" | b"avis") => Format::Avif,
        Some(b"crx ") => Format::Raw,
        _ => Format::Video,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_magic_bytes() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Some(Format::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(Format::Webp));
        assert_eq!(sniff(b"GIF89a"), Some(Format::Gif));
        assert_eq!(sniff(b"\0\0\0\x18ftypheic\0\0\0\0"), Some(Format::Heif));
        assert_eq!(sniff(b"\0\0\0\x18ftypavif\0\0\0\0"), Some(Format::Avif));
        assert_eq!(sniff(b"\0\0\0\x18ftypcrx \0\0\0\0"), Some(Format::Raw));
        assert_eq!(sniff(b"\0\0\0\x18ftypisom\0\0\0\0"), Some(Format::Video));
        assert_eq!(sniff(b"II*\0\x08\0\0\0CR\x02\0"), Some(Format::Raw));
        assert_eq!(sniff(b"MM\0*\0\0\0\x08"), Some(Format::Tiff));
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(b"\xFF\xD8"), None);
    }
}
