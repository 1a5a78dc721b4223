//! Every input in `fixtures/fuzz/` once crashed, hung or exhausted memory in
//! a fuzz target (see `fuzz/README.md`), or is a hand-made input of the
//! kind fuzzers find (truncated, zero-length boxes, 0xFFFFFFFF sizes).
//! Each must now give an answer — Ok or Err — without panicking, and
//! quickly.
//!
//! A file is named `<target>-<what>.bin`; `<target>` is the fuzz target
//! that found it, and its entry points are called as that target calls
//! them, besides `photoscrub_core::scan` and `photoscrub_core::scrub`.

use photoscrub_core::container::{self, heif, mp4, tiff};
use photoscrub_core::metadata::exif::{self, Exif, ImageFacts};
use photoscrub_core::metadata::{iptc, mpf, xmp};
use photoscrub_core::{Category, Format, Policy};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The bound on one input. Generous for a debug build of inputs of a few
/// kilobytes; a hang, an exponential walk or a 4 GB allocation misses it
/// by far.
const LIMIT: Duration = Duration::from_secs(2);

fn policies() -> [Policy; 3] {
    [
        Policy::default(),
        Policy::keep(&[Category::Time, Category::Device]),
        Policy::only(&[Category::Location]),
    ]
}

fn inputs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fuzz");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} must exist: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "{} holds no regression inputs",
        dir.display()
    );
    files
}

/// The pipeline as a library user calls it: it may refuse, never panic.
fn pipeline(data: &[u8]) {
    let _ = photoscrub_core::scan(data);
    for policy in policies() {
        if let Ok(once) = photoscrub_core::scrub(data, &policy) {
            // What the scrub target asserts: cleaning is idempotent.
            let twice = photoscrub_core::scrub(&once.bytes, &policy)
                .unwrap_or_else(|e| panic!("scrubbing the output fails: {e}"));
            assert!(!twice.removed_anything(), "a second scrub removed more");
            assert!(
                twice.bytes == once.bytes,
                "a second scrub changed the bytes"
            );
        }
    }
}

/// A container module called directly, as the format targets do.
fn container(format: Format, data: &[u8]) {
    let _ = container::scan(format, data);
    let _ = container::image_data(format, data);
    let _ = container::inspect_photo(format, data);
    for policy in policies() {
        if let Ok(out) = container::rebuild(format, data, &policy) {
            let _ = container::inspect_photo(format, &out);
        }
        if let Ok(plan) = container::plan_photo(format, data, &policy) {
            let output = plan
                .output
                .to_vec(data)
                .expect("a plan's pieces lie inside its input");
            let _ = photoscrub_core::verify(&plan, data, &output[..], &policy);
        }
    }
}

/// The video reader over bytes in memory, as the `mp4` target calls it.
fn video(data: &[u8]) {
    let Ok(video) = mp4::Video::parse(data) else {
        return;
    };
    let _ = video.scan();
    for policy in policies() {
        if let Ok(plan) = mp4::plan(data, &policy) {
            let out = plan
                .output
                .to_vec(data)
                .expect("a plan's pieces lie inside its input");
            let _ = photoscrub_core::verify(&plan, data, &out[..], &policy);
        }
    }
    let _ = mp4::inspect(data);
}

/// The metadata readers; the first byte picks one, as in the `metadata` target.
fn metadata(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    match which % 4 {
        0 => {
            if let Ok(e) = Exif::parse(exif::tiff_bytes(rest)) {
                let _ = e.scan("EXIF");
                for p in &policies() {
                    let facts = ImageFacts {
                        dimensions: Some((640, 480)),
                        has_icc: false,
                        orientation: None,
                    };
                    if let Ok(out) = e.rebuild(p, facts) {
                        Exif::parse(&out).expect("rebuilt EXIF parses");
                    }
                }
            }
        }
        1 => {
            let _ = xmp::scan(rest, "XMP");
            for p in &policies() {
                let _ = xmp::filter(rest, p);
            }
        }
        2 => {
            let _ = iptc::scan_photoshop(rest, "Photoshop");
            let _ = iptc::scan_iptc(rest, "IPTC");
            for p in &policies() {
                let _ = iptc::filter_photoshop(rest, p);
            }
        }
        _ => {
            let _ = mpf::entries(rest);
        }
    }
}

/// Runs the entry points of the target named in the file name.
fn exercise(name: &str, data: &[u8]) {
    let target = name.split('-').next().unwrap_or_default();
    match target {
        "jpeg" => container(Format::Jpeg, data),
        "png" => container(Format::Png, data),
        "webp" => container(Format::Webp, data),
        "gif" => container(Format::Gif, data),
        "jxl" => container(Format::Jxl, data),
        "heif" => {
            container(Format::Heif, data);
            let _ = heif::scan_cr3(data);
        }
        "tiff" => {
            container(Format::Tiff, data);
            let _ = tiff::scan_raw(data);
        }
        "mp4" => video(data),
        "metadata" => metadata(data),
        "scrub" => {}
        other => panic!("{name}: no fuzz target is called '{other}'"),
    }
    if target != "metadata" {
        pipeline(data);
    }
}

#[test]
fn every_fuzz_finding_returns_quickly_without_panicking() {
    let mut failures = Vec::new();
    for path in inputs() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&path).unwrap();
        let (tx, rx) = mpsc::channel();
        let started = Instant::now();
        let worker_name = name.clone();
        std::thread::spawn(move || {
            let outcome = std::panic::catch_unwind(|| exercise(&worker_name, &data));
            let _ = tx.send(outcome.is_ok());
        });
        match rx.recv_timeout(LIMIT) {
            Ok(true) => {}
            Ok(false) => failures.push(format!("{name}: panicked")),
            // The thread is left running; the test fails anyway.
            Err(_) => failures.push(format!(
                "{name}: still running after {:?}",
                started.elapsed()
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
