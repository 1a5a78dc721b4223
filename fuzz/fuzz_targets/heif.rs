//! The ISOBMFF still-image module (HEIC, AVIF, and the Canon CR3 reader
//! that shares it), called directly whatever the brand says.
#![no_main]

use libfuzzer_sys::fuzz_target;
use photoscrub_core::container::heif;
use photoscrub_core::Format;

fuzz_target!(|data: &[u8]| {
    // Heif and Avif take the same code path; one of them is enough.
    photoscrub_fuzz::container(Format::Heif, data);
    let _ = heif::scan_cr3(data);
});
