//! The WEBP container module, called directly: the input reaches the
//! parser even when sniffing would not call it WEBP.
#![no_main]

use libfuzzer_sys::fuzz_target;
use photoscrub_core::Format;

fuzz_target!(|data: &[u8]| {
    photoscrub_fuzz::container(Format::Webp, data);
});
