//! In-memory scrub speed: `cargo bench --bench scrub`.
//!
//! Builds a 12-megapixel JPEG (about 4 MB) once, adds phone-like metadata
//! (EXIF with GPS and a thumbnail, XMP, a comment, a trailer), and times
//! `scan` and `scrub` on it; then times `scrub` of one committed fixture with
//! metadata per container format (PNG, WebP, GIF, HEIC, AVIF, TIFF, JPEG XL,
//! MP4), which shows each parser's fixed cost per file. No disk I/O is
//! measured here: `benches/batch.py` times whole batches on disk.

use photoscrub_core::Policy;
use std::io::Cursor;
use std::sync::OnceLock;

fn main() {
    divan::main();
}

fn photo() -> &'static [u8] {
    static PHOTO: OnceLock<Vec<u8>> = OnceLock::new();
    PHOTO.get_or_init(|| {
        let (w, h) = (4000, 3000);
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            // Smooth gradients plus some grain: about 4 MB at the encoder's quality.
            let grain = ((x.wrapping_mul(2654435761) ^ y.wrapping_mul(40503)) >> 7) as u8 & 0x1F;
            image::Rgb([
                (x / 16) as u8 + grain,
                (y / 12) as u8 + grain,
                ((x + y) / 28) as u8,
            ])
        });
        let mut jpeg = Cursor::new(Vec::new());
        img.write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
        let jpeg = jpeg.into_inner();
        let full = std::fs::read("fixtures/jpeg/full.jpg").expect("run from the crate root");
        let photo = with_metadata_of(&full, &jpeg);
        eprintln!("benchmark photo: {w}x{h}, {} bytes", photo.len());
        photo
    })
}

/// The metadata segments of `donor` in front of the image segments of `image`,
/// plus a 64 KB trailer.
fn with_metadata_of(donor: &[u8], image: &[u8]) -> Vec<u8> {
    let mut out = vec![0xFF, 0xD8];
    let mut at = 2;
    while donor[at] == 0xFF && (0xE0..=0xEF).contains(&donor[at + 1]) || donor[at + 1] == 0xFE {
        let len = u16::from_be_bytes([donor[at + 2], donor[at + 3]]) as usize;
        out.extend_from_slice(&donor[at..at + 2 + len]);
        at += 2 + len;
    }
    out.extend_from_slice(&image[2..]);
    out.extend(std::iter::repeat_n(0x5Au8, 64 * 1024));
    out
}

#[divan::bench]
fn scan_4mb_jpeg(bencher: divan::Bencher) {
    let photo = photo();
    bencher
        .counter(divan::counter::BytesCount::of_slice(photo))
        .bench(|| photoscrub_core::scan(divan::black_box(photo)).unwrap());
}

#[divan::bench]
fn scrub_4mb_jpeg(bencher: divan::Bencher) {
    let photo = photo();
    let policy = Policy::default();
    bencher
        .counter(divan::counter::BytesCount::of_slice(photo))
        .bench(|| photoscrub_core::scrub(divan::black_box(photo), &policy).unwrap());
}

/// Every container format, from a committed fixture with metadata.
const FIXTURES: &[&str] = &[
    "jpeg/full.jpg",
    "png/full.png",
    "webp/lossy.webp",
    "gif/animated.gif",
    "heif/exif-xmp.heic",
    "heif/avif-gps.avif",
    "tiff/full.tif",
    "jxl/boxes.jxl",
    "video/gopro-gpmd.mp4",
];

#[divan::bench(args = FIXTURES)]
fn scrub_fixture(bencher: divan::Bencher, name: &str) {
    let bytes = std::fs::read(format!("fixtures/{name}")).expect("run from the crate root");
    let policy = Policy::default();
    // Every fixture has something to remove: a benchmark of a refusal would
    // measure nothing.
    assert!(photoscrub_core::scrub(&bytes, &policy)
        .unwrap()
        .removed_anything());
    bencher
        .counter(divan::counter::BytesCount::of_slice(&bytes))
        .bench(|| photoscrub_core::scrub(divan::black_box(&bytes), &policy).unwrap());
}
