//! What is inside a metadata block, turned into findings.

pub mod exif;
pub mod iptc;
pub mod mpf;
pub mod xmp;
