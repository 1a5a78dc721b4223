//! ICC colour profiles. A profile is kept — it gives the picture its
//! colours — but rebuilt: the header fields a colour engine reads and the
//! tags it needs, never the profile's private or free-text tags.
//!
//! (This first version checks the header and returns the profile as it is;
//! the rebuild from colour tags replaces it.)

use crate::findings::{Category, Finding, Scan};
use crate::Error;

/// Where `acsp` sits in every ICC profile header.
const SIGNATURE_AT: usize = 36;
const HEADER_LEN: usize = 128;

/// What a profile says: its size, as a rendering finding.
pub fn scan(profile: &[u8], block: &str) -> Scan {
    let mut scan = Scan::default();
    scan.push(Finding::new(
        Category::Rendering,
        block,
        "ICC_Profile",
        format!("{} bytes", profile.len()),
    ));
    scan
}

/// The profile photoscrub writes in place of `profile`.
pub fn rebuild(profile: &[u8]) -> Result<Vec<u8>, Error> {
    let damaged = |what: &str| Error::damaged(format!("ICC profile is damaged ({what})"));
    if profile.len() < HEADER_LEN {
        return Err(damaged("shorter than its header"));
    }
    if &profile[SIGNATURE_AT..SIGNATURE_AT + 4] != b"acsp" {
        return Err(damaged("no 'acsp' signature"));
    }
    let size = u32::from_be_bytes([profile[0], profile[1], profile[2], profile[3]]) as usize;
    if size != profile.len() {
        return Err(damaged("its size field is not its length"));
    }
    Ok(profile.to_vec())
}
