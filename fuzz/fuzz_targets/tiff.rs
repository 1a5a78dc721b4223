//! The TIFF module, called directly, and its camera-raw scanner (DNG, NEF…).
#![no_main]

use libfuzzer_sys::fuzz_target;
use photoscrub_core::container::tiff;
use photoscrub_core::Format;

fuzz_target!(|data: &[u8]| {
    photoscrub_fuzz::container(Format::Tiff, data);
    let _ = tiff::is_raw(data);
    let _ = tiff::scan_raw(data);
});
