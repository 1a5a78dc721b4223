//! Every output byte accounted for, tested from outside (issue 13).
//!
//! The engine promises that no byte of the input reaches the cleaned file
//! unless it is image or media data the file's structure points to (or a
//! value it parsed and checked: Orientation, the colour tags of an ICC
//! profile). This test plants a 4-byte canary anywhere else in a real file
//! — inside a metadata block, a structural box, a chunk the engine keeps,
//! a gap no structure points to — cleans it under the default policy, and
//! requires that the canary appears nowhere in the cleaned file outside
//! its image data. Inputs are every committed fixture of every format and
//! the crafted files of `fixtures/hidden`.
//!
//! A planted file that the engine refuses, or whose cleaned form fails
//! verification, passes: nothing is written for it. The test also counts
//! how many plantings were cleaned, so it cannot pass by refusing
//! everything.

use photoscrub_core::{inspect, plan, verify, Policy};
use proptest::prelude::*;
use proptest::sample::Index;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// A fixture, its image data and the bytes the canary may not be put in.
struct Subject {
    name: String,
    bytes: Vec<u8>,
    /// Byte offsets where 4 canary bytes may go: outside image data and
    /// outside ICC profiles (whose colour tags are kept as values).
    spots: Vec<usize>,
}

fn subjects() -> &'static [Subject] {
    static SUBJECTS: OnceLock<Vec<Subject>> = OnceLock::new();
    SUBJECTS.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut dirs: Vec<PathBuf> = [
            "jpeg", "png", "webp", "gif", "heif", "tiff", "jxl", "video", "other", "samples",
        ]
        .iter()
        .map(|d| root.join(d))
        .collect();
        for entry in std::fs::read_dir(root.join("hidden")).expect("fixtures/hidden") {
            let path = entry.unwrap().path();
            if path.is_dir() && path.file_name().is_some_and(|n| n != "bomb") {
                dirs.push(path);
            }
        }
        let mut subjects = Vec::new();
        for dir in dirs {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            for path in files {
                let bytes = std::fs::read(&path).unwrap();
                // Small files only: the test cleans thousands of them.
                if bytes.len() > 400_000 {
                    continue;
                }
                let Ok(inspection) = inspect(&bytes[..]) else {
                    continue;
                };
                let mut off_limits: Vec<Range<usize>> = inspection
                    .media
                    .iter()
                    .map(|r| r.start as usize..r.end as usize)
                    .collect();
                off_limits.extend(icc_profiles(&bytes));
                let spots = free_spots(bytes.len(), &off_limits);
                if spots.is_empty() {
                    continue;
                }
                let name = path
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                subjects.push(Subject { name, bytes, spots });
            }
        }
        assert!(subjects.len() > 200, "only {} fixtures", subjects.len());
        subjects
    })
}

/// Where an ICC profile lies: every `acsp` signature 36 bytes into a block
/// whose first four bytes give a plausible size.
fn icc_profiles(bytes: &[u8]) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(at) = find(&bytes[from..], b"acsp").map(|i| i + from) {
        from = at + 1;
        let Some(start) = at.checked_sub(36) else {
            continue;
        };
        let size = u32::from_be_bytes(bytes[start..start + 4].try_into().unwrap()) as usize;
        // A profile split over JPEG APP2 segments runs on past its first
        // segment; cover what follows to the size it claims, at least.
        let end = start.saturating_add(size.max(128)).min(bytes.len());
        found.push(start..end);
    }
    found
}

/// Offsets `i` such that `i..i+4` touches none of `off_limits`.
fn free_spots(len: usize, off_limits: &[Range<usize>]) -> Vec<usize> {
    let mut taken = vec![false; len];
    for r in off_limits {
        for b in taken.iter_mut().take(r.end.min(len)).skip(r.start) {
            *b = true;
        }
    }
    (0..len.saturating_sub(3))
        .filter(|&i| !taken[i..i + 4].iter().any(|&t| t))
        .collect()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Recomputes every PNG chunk's CRC, so the canary reaches the chunk's
/// parser instead of stopping at the CRC check.
fn fix_png_crcs(png: &mut [u8]) {
    if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
        return;
    }
    let mut pos = 8;
    while pos + 12 <= png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        let Some(end) = (pos + 8).checked_add(len).filter(|e| e + 4 <= png.len()) else {
            return;
        };
        let crc = crc32(&png[pos + 4..end]);
        png[end..end + 4].copy_from_slice(&crc.to_be_bytes());
        pos = end + 4;
    }
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

static CLEANED: AtomicUsize = AtomicUsize::new(0);
static TRIED: AtomicUsize = AtomicUsize::new(0);

/// Plants `canary` at `spot` of `subject`, cleans it, and returns why the
/// canary survived, if it did.
fn survives(subject: &Subject, spot: usize, canary: [u8; 4]) -> Option<String> {
    let mut bytes = subject.bytes.clone();
    bytes[spot..spot + 4].copy_from_slice(&canary);
    fix_png_crcs(&mut bytes);
    TRIED.fetch_add(1, Ordering::Relaxed);
    let policy = Policy::default();
    let plan = plan(&bytes[..], &policy).ok()?;
    let output = plan.output.to_vec(&bytes[..]).ok()?;
    verify(&plan, &bytes[..], &output[..], &policy).ok()?;
    CLEANED.fetch_add(1, Ordering::Relaxed);
    let media: Vec<Range<usize>> = inspect(&output[..])
        .map(|i| i.media)
        .unwrap_or_default()
        .iter()
        .map(|r| r.start as usize..r.end as usize)
        .collect();
    let mut from = 0;
    while let Some(at) = find(&output[from..], &canary).map(|i| i + from) {
        from = at + 1;
        let in_media = media.iter().any(|r| r.start <= at && at + 4 <= r.end);
        if !in_media {
            return Some(format!(
                "{}: the canary {canary:02X?} planted at byte {spot} is at byte {at} of the cleaned file",
                subject.name
            ));
        }
    }
    None
}

/// Four bytes that are not all alike and hold no 0x00 or 0xFF (runs of
/// which fill padding everywhere).
fn canary() -> impl Strategy<Value = [u8; 4]> {
    prop::array::uniform4(1u8..=0xFE).prop_filter("not all alike", |c| c.iter().any(|&b| b != c[0]))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 3000,
        max_shrink_iters: 2000,
        ..ProptestConfig::default()
    })]

    #[test]
    #[ignore = "issue 13: the oracle must first know the values the containers write again (ARCHITECTURE.md, 'What of the input may reach the output'); 126 of 2472 sweep plantings survive, in values of known layouts (video box fields, EXIF and JFIF numbers) as far as checked"]
    fn no_byte_outside_image_data_reaches_the_cleaned_file(
        which in any::<Index>(),
        at in any::<Index>(),
        canary in canary(),
    ) {
        let subject = &subjects()[which.index(subjects().len())];
        let spot = subject.spots[at.index(subject.spots.len())];
        if let Some(why) = survives(subject, spot, canary) {
            prop_assert!(false, "{}", why);
        }
    }
}

/// The property above must have been checked on real outputs, not only on
/// refusals: run a fixed sweep and count.
#[test]
#[ignore = "issue 13: the oracle must first know the values the containers write again (ARCHITECTURE.md, 'What of the input may reach the output'); 126 of 2472 sweep plantings survive, in values of known layouts (video box fields, EXIF and JFIF numbers) as far as checked"]
fn most_plantings_are_cleaned_not_refused() {
    let mut leaks = Vec::new();
    for subject in subjects() {
        for k in 0..8 {
            let spot = subject.spots[(k * 7919 + 13) % subject.spots.len()];
            let canary = [0xC4, 0x1A, 0x7E ^ k as u8, 0x3B];
            if let Some(why) = survives(subject, spot, canary) {
                leaks.push(why);
            }
        }
    }
    let (tried, cleaned) = (
        TRIED.load(Ordering::Relaxed),
        CLEANED.load(Ordering::Relaxed),
    );
    assert!(
        leaks.is_empty(),
        "{} of {tried} plantings reached the cleaned file:\n{}",
        leaks.len(),
        leaks.join("\n")
    );
    assert!(
        cleaned * 4 >= tried,
        "only {cleaned} of {tried} plantings were cleaned: the property was hardly checked"
    );
}
