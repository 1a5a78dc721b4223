//! photoscrub-core finds and removes the metadata in family photos and
//! videos that would tell a stranger where a child lives, plays and goes to
//! school — and says what would have leaked.
//!
//! It works on bytes and has no I/O of its own: no files, no threads, no
//! platform calls. A caller hands it a [`Source`] (a byte slice, a file, a
//! browser `Blob`) and gets back:
//! - [`inspect`]: what the file would tell a stranger, and where its image
//!   data is;
//! - [`plan`]: how to clean it under a [`Policy`] — new bytes, ranges of the
//!   input and zeros ([`Pieces`]), which the caller writes however it
//!   likes;
//! - [`verify`]: the check of what was written, before the caller commits
//!   it — it re-parses, its image data is the input's, a re-scan finds
//!   nothing the policy removes, and cleaning it again changes nothing.
//!
//! [`scrub`] does all three in memory:
//!
//! ```
//! use photoscrub_core::{scrub, Category, Policy};
//! # let photo = std::fs::read("../fixtures/jpeg/full.jpg").unwrap();
//! let cleaned = scrub(&photo, &Policy::default()).unwrap();
//! assert!(cleaned.scan.findings.iter().any(|f| f.category == Category::Location && f.removed));
//! assert!(photoscrub_core::scan(&cleaned.bytes).unwrap().locations.is_empty());
//! ```

#![forbid(unsafe_code)]

pub mod container;
mod error;
pub mod findings;
pub mod format;
pub mod geo;
pub mod mapdata;
pub mod metadata;
pub mod places;
mod plan;
pub mod policy;
pub mod sniff;
mod source;
pub mod verify;

pub use error::Error;
pub use findings::{Category, Finding, Location, Scan};
pub use format::Format;
pub use plan::{Inspection, Patch, Piece, Pieces, Plan};
pub use policy::Policy;
pub use source::{read_range, Source};
pub use verify::verify;

/// The largest photo read whole into memory. Photos are parsed in memory;
/// videos are read in ranges whatever their size.
pub const MAX_PHOTO: u64 = 1 << 30;

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

/// The format of a file from its first bytes, or an error saying what it
/// is not.
pub fn detect(head: &[u8]) -> Result<Format, Error> {
    sniff::sniff(head)
        .ok_or_else(|| Error::Unsupported("not a photo or video photoscrub knows".into()))
}

/// The format of `src`, from its first bytes (from all of them where they
/// are in memory: a camera raw is a TIFF whose first directory says so).
pub fn detect_source<S: Source + ?Sized>(src: &S) -> Result<Format, Error> {
    if let Some(bytes) = src.as_slice() {
        return detect(bytes);
    }
    let mut head = [0u8; sniff::SNIFF_LEN];
    let n = (src.size().min(head.len() as u64)) as usize;
    src.read_exact_at(&mut head[..n], 0)
        .map_err(|e| Error::io_because("cannot read the start of the file", e))?;
    detect(&head[..n])
}

/// Everything a file would tell a stranger. `removed` is false throughout:
/// nothing has been removed yet (see [`Scan::judge`]).
pub fn scan(bytes: &[u8]) -> Result<Scan, Error> {
    Ok(inspect(bytes)?.scan)
}

/// What the file in `src` says and where its image data is, from one parse.
pub fn inspect<S: Source + ?Sized>(src: &S) -> Result<Inspection, Error> {
    match detect_source(src)? {
        Format::Video => container::mp4::inspect(src),
        _ => with_bytes(src, |bytes| container::inspect_photo(detect(bytes)?, bytes)),
    }
}

/// [`plan`] of a cleaned output, for [`verify`], which compares its image
/// data byte for byte with the input's: what the input's parse decoded to
/// check (a PNG's zlib stream) is not decoded again.
pub(crate) fn plan_output<S: Source + ?Sized>(src: &S, policy: &Policy) -> Result<Plan, Error> {
    match detect_source(src)? {
        Format::Video => container::mp4::plan(src, policy),
        _ => with_bytes(src, |bytes| {
            container::plan_output_photo(detect(bytes)?, bytes, policy)
        }),
    }
}

/// How to clean the file in `src` under `policy`, from one parse.
pub fn plan<S: Source + ?Sized>(src: &S, policy: &Policy) -> Result<Plan, Error> {
    match detect_source(src)? {
        Format::Video => container::mp4::plan(src, policy),
        _ => with_bytes(src, |bytes| {
            container::plan_photo(detect(bytes)?, bytes, policy)
        }),
    }
}

/// Calls `f` with all the bytes of `src`: borrowed when they are in
/// memory, else read (photos only; they are at most [`MAX_PHOTO`]).
fn with_bytes<S: Source + ?Sized, T>(
    src: &S,
    f: impl FnOnce(&[u8]) -> Result<T, Error>,
) -> Result<T, Error> {
    if let Some(bytes) = src.as_slice() {
        return f(bytes);
    }
    if src.size() > MAX_PHOTO {
        return Err(Error::Unsupported(format!(
            "photos larger than {} MB are not supported",
            MAX_PHOTO >> 20
        )));
    }
    let bytes =
        read_range(src, 0..src.size()).map_err(|e| Error::io_because("cannot read the file", e))?;
    f(&bytes)
}

/// Cleans `bytes` under `policy` and verifies the result before returning
/// it.
pub fn scrub(bytes: &[u8], policy: &Policy) -> Result<Scrubbed, Error> {
    let plan = plan(bytes, policy)?;
    let output = plan.output.to_vec(bytes)?;
    let after = verify(&plan, bytes, &output[..], policy)?;
    Ok(Scrubbed {
        format: plan.input.format,
        scan: plan.input.scan.marked_against(&after),
        bytes: output,
    })
}
