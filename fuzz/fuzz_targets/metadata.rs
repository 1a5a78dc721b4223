//! The readers of what is inside a block: EXIF (and its allowlist
//! rewrite), XMP, IPTC/Photoshop resources and the MPF index. The first
//! byte picks the reader so one corpus serves all of them.
#![no_main]

use libfuzzer_sys::fuzz_target;
use photoscrub_core::metadata::exif::{self, Exif, ImageFacts};
use photoscrub_core::metadata::{iptc, mpf, xmp};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let policies = photoscrub_fuzz::policies();
    match which % 4 {
        0 => {
            let Ok(e) = Exif::parse(exif::tiff_bytes(rest)) else {
                return;
            };
            let _ = e.orientation();
            let _ = e.scan("EXIF");
            let _ = e.thumbnail();
            for p in &policies {
                let facts = ImageFacts {
                    dimensions: Some((640, 480)),
                    has_icc: false,
                    orientation: None,
                };
                if let Ok(out) = e.rebuild(p, facts) {
                    // What we write must read back.
                    if let Err(err) = Exif::parse(&out) {
                        panic!("rebuilt EXIF does not parse: {err}");
                    }
                }
            }
        }
        1 => {
            let _ = xmp::scan(rest, "XMP");
            for p in &policies {
                if let Some(out) = xmp::filter(rest, p) {
                    let _ = xmp::scan(&out, "XMP");
                }
            }
        }
        2 => {
            let _ = iptc::scan_photoshop(rest, "Photoshop");
            let _ = iptc::scan_iptc(rest, "IPTC");
            for p in &policies {
                if let Some(out) = iptc::filter_photoshop(rest, p) {
                    let _ = iptc::scan_photoshop(&out, "Photoshop");
                }
            }
        }
        _ => {
            if let Ok(entries) = mpf::entries(rest) {
                for e in entries {
                    let _ = e.kind();
                }
            }
        }
    }
});
