//! The whole pipeline as a library user sees it: sniff, scan, scrub
//! (clean + verify) under three policies. A successful scrub must be
//! idempotent: cleaning the output again succeeds, removes nothing and
//! returns the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = photoscrub_core::scan(data);
    for policy in photoscrub_fuzz::policies() {
        let Ok(once) = photoscrub_core::scrub(data, &policy) else {
            continue;
        };
        let twice = match photoscrub_core::scrub(&once.bytes, &policy) {
            Ok(t) => t,
            Err(e) => panic!("scrubbing a scrubbed {} file fails: {e}", once.format),
        };
        assert_eq!(twice.format, once.format, "the format changed");
        let removed: Vec<_> = twice.scan.findings.iter().filter(|f| f.removed).collect();
        assert!(
            removed.is_empty(),
            "a second scrub removed more: {removed:?}"
        );
        assert!(
            twice.bytes == once.bytes,
            "a second scrub changed the bytes ({} -> {} bytes)",
            once.bytes.len(),
            twice.bytes.len()
        );
    }
});
