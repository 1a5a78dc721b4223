//! Property tests: whatever bytes come in, `scan` and `scrub` never panic, and
//! whenever `scrub` succeeds its output is a fixed point of `scrub`, holds
//! nothing the policy removes, and has exactly the input's image data.
//!
//! Inputs are arbitrary bytes, arbitrary bytes behind each format's magic
//! (so the format's parser is reached), and the committed fixtures of every
//! format with random damage done to them (bit flips, ranges overwritten with
//! 0x00 or 0xFF, truncation, inserted bytes, duplicated ranges). PNG chunks
//! get their CRCs recomputed after the damage half of the time, so the
//! damage reaches the chunk parsers and not just the CRC check.
//!
//! Case counts are tuned so the file runs in well under a minute in
//! `--release` on two cores; `PROPTEST_CASES` raises them for a longer run.

use photoscrub_core::{scan, scrub, Category, Format, Policy};
use proptest::prelude::*;
use proptest::sample::Index;
use std::path::PathBuf;
use std::sync::OnceLock;

// ---------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------

/// Every fixture file photoscrub recognises, with its bytes.
fn fixtures() -> &'static [(String, Vec<u8>)] {
    static FIXTURES: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    FIXTURES.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        let mut files = Vec::new();
        for dir in [
            "jpeg", "png", "webp", "gif", "heif", "tiff", "jxl", "video", "other", "samples",
        ] {
            let mut entries: Vec<_> = std::fs::read_dir(root.join(dir))
                .unwrap_or_else(|e| panic!("cannot list fixtures/{dir}: {e}"))
                .map(|e| e.unwrap().path())
                // Only the committed files: a sample run (README's first
                // command) writes a `cleaned/` folder next to them.
                .filter(|p| p.is_file())
                .collect();
            entries.sort();
            for path in entries {
                let bytes = std::fs::read(&path).unwrap();
                if photoscrub_core::detect(&bytes).is_ok() {
                    let name = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy());
                    files.push((name, bytes));
                }
            }
        }
        files
    })
}

/// The policies each property is checked under: the default and a few
/// `--keep` / `--only` choices.
fn policies() -> Vec<(&'static str, Policy)> {
    use Category::*;
    vec![
        ("default", Policy::default()),
        ("--keep time,device", Policy::keep(&[Time, Device])),
        ("--keep location,people", Policy::keep(&[Location, People])),
        ("--keep preview,text", Policy::keep(&[Preview, Text])),
        ("--only location", Policy::only(&[Location])),
        ("--only preview,text", Policy::only(&[Preview, Text])),
        (
            "--keep everything",
            Policy::keep(&[Location, People, Device, Time, Preview, Text]),
        ),
    ]
}

/// The first bytes of each format, enough for `sniff` to send the rest to
/// that format's parser.
const MAGICS: &[&[u8]] = &[
    b"\xFF\xD8\xFF",
    b"\xFF\xD8\xFF\xE1",
    b"\x89PNG\r\n\x1a\n",
    b"RIFF\x00\x10\x00\x00WEBP",
    b"GIF89a",
    b"GIF87a",
    b"\xFF\x0A",
    b"\0\0\0\x0CJXL \r\n\x87\n",
    b"II*\0\x08\0\0\0",
    b"MM\0*\0\0\0\x08",
    b"II+\0",
    b"\0\0\0\x18ftypheic\0\0\0\0mif1heic",
    b"\0\0\0\x18ftypavif\0\0\0\0mif1avif",
    b"\0\0\0\x18ftypisom\0\0\x02\0isommp41",
    b"\0\0\0\x14ftypqt  \0\0\0\0qt  ",
    b"\0\0\0\x08moov",
];

/// One kind of damage done to a file.
#[derive(Clone, Debug)]
enum Mutation {
    /// Flips one bit.
    Flip(Index, u8),
    /// Overwrites up to `len` bytes with `byte` (0x00 or 0xFF).
    Fill(Index, usize, u8),
    /// Cuts the file short.
    Truncate(Index),
    /// Inserts bytes.
    Insert(Index, Vec<u8>),
    /// Copies a range of the file to another place (inserted there).
    Duplicate(Index, usize, Index),
    /// Sets a 32-bit big- or little-endian word to a boundary value
    /// (lengths, counts and offsets live in such words).
    Word(Index, u32, bool),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let boundary = prop_oneof![
        Just(0u32),
        Just(1),
        Just(8),
        Just(0x7FFF_FFFF),
        Just(0xFFFF_FFFF),
        Just(0xFFFF),
        any::<u32>(),
    ];
    prop_oneof![
        3 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        2 => (any::<Index>(), 1usize..64, prop_oneof![Just(0u8), Just(0xFF)])
            .prop_map(|(i, n, b)| Mutation::Fill(i, n, b)),
        1 => any::<Index>().prop_map(Mutation::Truncate),
        2 => (any::<Index>(), prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(i, v)| Mutation::Insert(i, v)),
        1 => (any::<Index>(), 1usize..256, any::<Index>())
            .prop_map(|(i, n, j)| Mutation::Duplicate(i, n, j)),
        2 => (any::<Index>(), boundary, any::<bool>()).prop_map(|(i, v, be)| Mutation::Word(i, v, be)),
    ]
}

/// Where a mutation lands: anywhere, or (half the time) in the first 1 KiB,
/// where most headers and metadata blocks are.
fn at(i: &Index, len: usize, head: bool) -> usize {
    let span = if head { len.min(1024) } else { len };
    if span == 0 {
        0
    } else {
        i.index(span)
    }
}

fn apply(data: &mut Vec<u8>, m: &Mutation, head: bool) {
    let len = data.len();
    match m {
        Mutation::Flip(i, bit) if len > 0 => data[at(i, len, head)] ^= 1 << bit,
        Mutation::Fill(i, n, byte) if len > 0 => {
            let s = at(i, len, head);
            let e = (s + n).min(len);
            data[s..e].fill(*byte);
        }
        Mutation::Truncate(i) => data.truncate(at(i, len + 1, head)),
        Mutation::Insert(i, bytes) => {
            let s = at(i, len + 1, head);
            data.splice(s..s, bytes.iter().copied());
        }
        Mutation::Duplicate(i, n, j) if len > 0 => {
            let s = at(i, len, head);
            let copy = data[s..(s + n).min(len)].to_vec();
            let to = at(j, len + 1, head);
            data.splice(to..to, copy);
        }
        Mutation::Word(i, v, be) if len >= 4 => {
            let s = at(i, len - 3, head);
            let w = if *be {
                v.to_be_bytes()
            } else {
                v.to_le_bytes()
            };
            data[s..s + 4].copy_from_slice(&w);
        }
        _ => {}
    }
}

/// Recomputes the CRC of every whole PNG chunk, so damage inside a chunk
/// reaches the chunk's parser instead of stopping at the CRC check.
fn fix_png_crcs(png: &mut [u8]) {
    let mut pos = 8;
    while pos + 12 <= png.len() {
        let len = u32::from_be_bytes(png[pos..pos + 4].try_into().unwrap()) as usize;
        let Some(end) = pos.checked_add(12).and_then(|e| e.checked_add(len)) else {
            return;
        };
        if end > png.len() {
            return;
        }
        let crc = crc32(&png[pos + 4..end - 4]);
        png[end - 4..end].copy_from_slice(&crc.to_be_bytes());
        pos = end;
    }
}

/// CRC-32 as PNG defines it (ISO 3309, reflected, polynomial 0xEDB88320).
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
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

// ---------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------

/// Scans and scrubs `input` (panics propagate to proptest, which shrinks
/// them); when scrubbing succeeds, checks the output. Returns whether it
/// succeeded.
fn check(input: &[u8], policy_name: &str, policy: &Policy) -> bool {
    let scanned = scan(input);
    let Ok(out) = scrub(input, policy) else {
        return false;
    };
    let scanned = scanned.unwrap_or_else(|e| {
        panic!("scrub succeeded under {policy_name} but scan of the same input failed: {e}")
    });
    assert_eq!(
        scanned.findings.len(),
        out.scan.findings.len(),
        "scrub's report and scan disagree on how much the input holds"
    );

    // Nothing the policy removes is left in the output.
    let after = scan(&out.bytes)
        .unwrap_or_else(|e| panic!("the output of scrub under {policy_name} does not scan: {e}"));
    let left: Vec<String> = after
        .clone()
        .judge(policy)
        .findings
        .iter()
        .filter(|f| f.removed)
        .map(|f| format!("{} {} {} = {:?}", f.category, f.block, f.tag, f.value))
        .collect();
    assert!(
        left.is_empty(),
        "the output of scrub under {policy_name} still holds what that policy removes:\n  {}",
        left.join("\n  ")
    );
    assert!(
        !after.has_any(|c| policy.removes(c)),
        "the output under {policy_name} still has a removed category"
    );
    // The image data is byte-for-byte the input's.
    let before_data = image_data(input).unwrap_or_else(|e| {
        panic!("scrub succeeded but the input's image data is unreadable: {e}")
    });
    let after_data = image_data(&out.bytes)
        .unwrap_or_else(|e| panic!("the output's image data is unreadable: {e}"));
    assert!(
        before_data == after_data,
        "the image data changed under {policy_name} ({} pieces, {} bytes before; {} pieces, {} bytes after)",
        before_data.len(),
        before_data.iter().map(|p| p.len()).sum::<usize>(),
        after_data.len(),
        after_data.iter().map(|p| p.len()).sum::<usize>()
    );

    // Scrubbing again changes nothing and removes nothing.
    let again = scrub(&out.bytes, policy).unwrap_or_else(|e| {
        panic!("scrub under {policy_name} succeeded once but not on its own output: {e}")
    });
    assert_eq!(again.format, out.format);
    assert!(
        again.bytes == out.bytes,
        "scrub under {policy_name} is not idempotent: {} bytes became {}",
        out.bytes.len(),
        again.bytes.len()
    );
    let removed: Vec<String> = again
        .scan
        .findings
        .iter()
        .filter(|f| f.removed)
        .map(|f| format!("{} {} {}", f.category, f.block, f.tag))
        .collect();
    assert!(
        !again.removed_anything(),
        "scrub under {policy_name} removed something from its own output: {removed:?}"
    );
    true
}

/// The image or media data of `bytes`, in the pieces the engine compares.
fn image_data(bytes: &[u8]) -> Result<Vec<&[u8]>, photoscrub_core::Error> {
    let media = photoscrub_core::inspect(bytes)?.media;
    Ok(media
        .into_iter()
        .map(|r| &bytes[r.start as usize..r.end as usize])
        .collect())
}

/// `cases` cases, or more if `PROPTEST_CASES` asks for more.
fn config(cases: u32) -> ProptestConfig {
    let default = ProptestConfig::default();
    ProptestConfig {
        cases: cases.max(default.cases),
        // Shrinking a failure from a 10 KB fixture takes many steps.
        max_shrink_iters: 20_000,
        ..default
    }
}

// ---------------------------------------------------------------------------
// Deterministic: every fixture, every policy
// ---------------------------------------------------------------------------

#[test]
fn the_fixtures_cover_every_format() {
    let formats: Vec<Format> = fixtures()
        .iter()
        .map(|(_, b)| photoscrub_core::detect(b).unwrap())
        .collect();
    for f in [
        Format::Jpeg,
        Format::Png,
        Format::Webp,
        Format::Gif,
        Format::Heif,
        Format::Avif,
        Format::Jxl,
        Format::Tiff,
        Format::Video,
    ] {
        assert!(formats.contains(&f), "no fixture of format {f}");
    }
}

#[test]
fn every_fixture_under_every_policy_keeps_the_properties() {
    let mut cleaned = 0;
    for (name, bytes) in fixtures() {
        for (pname, policy) in policies() {
            let ok = std::panic::catch_unwind(|| check(bytes, pname, &policy))
                .unwrap_or_else(|_| panic!("{name} under {pname}: see the panic above"));
            cleaned += ok as usize;
        }
    }
    // Most fixtures are valid files: the properties must have been checked
    // on real outputs, not only on refusals.
    assert!(
        cleaned >= 5 * policies().len() * 9,
        "only {cleaned} fixture/policy pairs cleaned"
    );
}

// ---------------------------------------------------------------------------
// Random
// ---------------------------------------------------------------------------

proptest! {
    #![proptest_config(config(4000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = scan(&bytes);
        check(&bytes, "default", &Policy::default());
    }

    #[test]
    fn arbitrary_bytes_behind_a_magic_never_panic(
        magic in prop::sample::select(MAGICS),
        rest in prop::collection::vec(any::<u8>(), 0..1024),
        policy in prop::sample::select(policies()),
    ) {
        let mut bytes = magic.to_vec();
        bytes.extend_from_slice(&rest);
        check(&bytes, policy.0, &policy.1);
    }
}

/// A fixture, the damage done to it, where the damage lands, whether PNG
/// CRCs are fixed afterwards, and the policy.
type Damage = (Index, Vec<Mutation>, bool, bool, (&'static str, Policy));

fn damage() -> impl Strategy<Value = Damage> {
    (
        any::<Index>(),
        prop::collection::vec(mutation(), 1..5),
        any::<bool>(),
        any::<bool>(),
        prop::sample::select(policies()),
    )
}

fn damaged((which, mutations, head, fix_crcs, _): &Damage) -> (&'static str, Vec<u8>) {
    let (name, original) = &fixtures()[which.index(fixtures().len())];
    let mut bytes = original.clone();
    for m in mutations {
        apply(&mut bytes, m, *head);
    }
    if *fix_crcs && name.starts_with("png/") {
        fix_png_crcs(&mut bytes);
    }
    (name, bytes)
}

/// Run by hand rather than with `proptest!` so it can count how many
/// damaged files still clean: the properties must be checked on real
/// outputs, not only on refusals.
#[test]
fn damaged_fixtures_never_panic_and_clean_correctly() {
    let mut config = config(20_000);
    config.failure_persistence = Some(Box::new(
        proptest::test_runner::FileFailurePersistence::Direct(
            "proptest-regressions/damaged-fixtures.txt",
        ),
    ));
    config.source_file = Some(file!());
    let cases = config.cases;
    let mut runner = proptest::test_runner::TestRunner::new(config);
    let cleaned = std::sync::atomic::AtomicU32::new(0);
    let result = runner.run(&damage(), |d| {
        let (_, bytes) = damaged(&d);
        let (pname, policy) = d.4;
        if check(&bytes, pname, &policy) {
            cleaned.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    });
    if let Err(e) = result {
        let detail = match &e {
            proptest::test_runner::TestError::Fail(_, d) => {
                let (name, bytes) = damaged(d);
                format!(
                    "\nfixture {name}, policy {}, damaged bytes ({}): {bytes:02X?}",
                    d.4 .0,
                    bytes.len()
                )
            }
            _ => String::new(),
        };
        panic!("{e}{detail}");
    }
    let cleaned = cleaned.into_inner();
    assert!(
        cleaned * 10 >= cases,
        "only {cleaned} of {cases} damaged fixtures cleaned: the properties were hardly checked"
    );
}

#[test]
fn crc32_matches_the_png_specification() {
    // The CRC of the IEND chunk type, as in every PNG file.
    assert_eq!(crc32(b"IEND"), 0xAE42_6082);
}
