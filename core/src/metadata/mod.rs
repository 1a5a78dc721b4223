//! What is inside a metadata block, turned into findings, and the blocks
//! photoscrub writes back: rebuilt from parsed, checked values, never copied.

pub mod exif;
pub mod icc;
pub(crate) mod ifd;
pub mod iptc;
pub mod mpf;
pub mod xmp;
