//! HEIF: not cleaned yet; every call is refused with a clear message.

use super::unsupported;
use crate::findings::Scan;
use crate::policy::Policy;
use crate::sniff::Format;
use crate::Error;

const FORMAT: Format = Format::Heif;

pub fn scan(_data: &[u8]) -> Result<Scan, Error> {
    Err(unsupported(FORMAT))
}

pub fn rebuild(_data: &[u8], _policy: &Policy) -> Result<Vec<u8>, Error> {
    Err(unsupported(FORMAT))
}

pub fn image_data(_data: &[u8]) -> Result<Vec<&[u8]>, Error> {
    Err(unsupported(FORMAT))
}
