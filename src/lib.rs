//! photoscrub finds and removes the metadata in family photos that would tell
//! a stranger where a child lives, plays and goes to school — and shows what
//! would have leaked.
//!
//! The library works on bytes: [`scan`] reports what a file would tell,
//! [`scrub`] returns a cleaned copy that has been checked against the input
//! (it re-parses, its image data is byte-identical, and a re-scan finds
//! nothing the [`Policy`] removes).
//!
//! ```
//! use photoscrub::{scrub, Category, Policy};
//! # let photo = std::fs::read("fixtures/jpeg/full.jpg").unwrap();
//! let cleaned = scrub(&photo, &Policy::default()).unwrap();
//! assert!(cleaned.scan.findings.iter().any(|f| f.category == Category::Location && f.removed));
//! assert!(photoscrub::scan(&cleaned.bytes).unwrap().locations.is_empty());
//! ```

pub mod batch;
pub mod container;
pub mod findings;
pub mod geo;
pub mod mapdata;
pub mod metadata;
pub mod places;
pub mod policy;
pub mod report;
pub mod sniff;
pub mod verify;
pub mod watch;
pub mod write;

pub use findings::{Category, Finding, Location, Scan};
pub use policy::Policy;
pub use sniff::Format;

use std::fmt;

/// Why a file could not be scanned or cleaned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// Not a format photoscrub can clean (yet); reported as `refused`.
    Unsupported(String),
    /// The file is damaged or not what it claims; reported as `failed`.
    Malformed(String),
    /// The cleaned output did not pass verification; nothing is written.
    Unverified(String),
    /// Reading or writing failed.
    Io(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unsupported(m) | Error::Malformed(m) | Error::Io(m) => f.write_str(m),
            Error::Unverified(m) => write!(f, "cleaned output failed verification: {m}"),
        }
    }
}

impl std::error::Error for Error {}

impl Error {
    /// A damaged file: `what` says where and how.
    pub fn malformed(what: impl Into<String>) -> Error {
        Error::Malformed(what.into())
    }
}

/// A cleaned file and the exact report of what was removed.
#[derive(Debug, Clone)]
pub struct Scrubbed {
    pub format: Format,
    /// The cleaned file.
    pub bytes: Vec<u8>,
    /// Everything found in the input; `removed` is true for each finding
    /// that the re-scan of the output no longer finds.
    pub scan: Scan,
}

impl Scrubbed {
    /// Whether cleaning removed anything at all.
    pub fn removed_anything(&self) -> bool {
        self.scan.findings.iter().any(|f| f.removed)
    }
}

/// The format of `bytes`, or an error saying what it is not.
pub fn detect(bytes: &[u8]) -> Result<Format, Error> {
    sniff::sniff(bytes)
        .ok_or_else(|| Error::Unsupported("not a photo or video photoscrub knows".into()))
}

/// Everything a file would tell a stranger. `removed` is false throughout:
/// nothing has been removed yet (see [`Scan::judge`]).
pub fn scan(bytes: &[u8]) -> Result<Scan, Error> {
    container::scan(detect(bytes)?, bytes)
}

/// Cleans `bytes` under `policy` and verifies the result before returning it.
pub fn scrub(bytes: &[u8], policy: &Policy) -> Result<Scrubbed, Error> {
    let format = detect(bytes)?;
    let cleaned = container::clean(format, bytes, policy)?;
    let output = cleaned.output.to_vec(bytes);
    let after = verify::verify(format, &output, &cleaned.image_data, policy)?;
    Ok(Scrubbed {
        format,
        scan: cleaned.before.marked_against(&after),
        bytes: output,
    })
}
