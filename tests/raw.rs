//! Camera raw files are check-only: `clean` refuses them with a message
//! that says to export a JPEG or HEIC first, and `check` reports what they
//! hold. Tested on the synthetic `fixtures/tiff/tiny.dng`, on raws built
//! here from it (ORF, RW2 and RAF layouts) and on the real DNG and CR3
//! files of the shared corpus (read from `PHOTOSCRUB_CORPUS`, or from
//! `../shared/corpus/real` beside the crate).

mod common;

use common::*;
use photoscrub_core::container::tiff::{is_raw, scan_raw};
use photoscrub_core::{Category, Policy, Scan};
use std::path::{Path, PathBuf};

const REFUSAL: &str =
    "camera raw files cannot be cleaned: export a JPEG or HEIC from your photo app first";

/// The corpus raws, with the location each must report (if any).
const CORPUS: &[(&str, Option<(f64, f64)>)] = &[
    ("derived__Canon_350D_gps.dng", Some((37.786, -122.391))),
    ("exiftool+exiftool__t_images_DNG.dng", None),
];
const CORPUS_CR3: &[&str] = &[
    "derived__Canon_M50_gps.cr3",
    "exiftool+exiftool__t_images_CanonRaw.cr3",
];

fn tiny_dng() -> Vec<u8> {
    read(&fixture("tiff/tiny.dng"))
}

fn corpus(name: &str) -> PathBuf {
    let dir = std::env::var_os("PHOTOSCRUB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir().join("../shared/corpus/real"));
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "corpus file {} is missing (set PHOTOSCRUB_CORPUS or put the corpus at ../shared/corpus/real)",
        path.display()
    );
    path
}

fn has_tag(scan: &Scan, tag: &str) -> bool {
    scan.findings.iter().any(|f| f.tag == tag)
}

/// Asserts that `clean` refuses `path` with the raw message and no output.
#[track_caller]
fn assert_clean_refused(path: &Path) {
    let tmp = tempfile::tempdir().unwrap();
    let name = path.file_name().unwrap().to_str().unwrap();
    let input = tmp.path().join("in").join(name);
    std::fs::create_dir_all(input.parent().unwrap()).unwrap();
    std::fs::copy(path, &input).unwrap();
    let out_dir = tmp.path().join("out");
    let report = run_json(args!["clean", "--json", "--out", out_dir, input]);
    report.assert_code(3);
    let file = report.file(name);
    assert_eq!(file["status"], "refused", "{}", report.describe());
    // Every raw, CR3 included, is refused with the same advice.
    let error = file["error"].as_str().unwrap_or("");
    assert!(error.starts_with(REFUSAL), "{}", report.describe());
    assert!(file["output"].is_null());
    assert!(!out_dir.join(name).exists(), "an output was written");
    assert_eq!(read(&input), read(path), "the input was modified");
}

/// Runs `check --json` on `path`: exit 1, and the file object.
fn check(path: &Path) -> serde_json::Value {
    let report = run_json(args!["check", "--json", path]);
    report.assert_code(1);
    let name = path.file_name().unwrap().to_str().unwrap();
    let file = report.file(name).clone();
    assert_eq!(file["status"], "leaks", "{}", report.describe());
    assert_eq!(file["format"], "raw", "{}", report.describe());
    file
}

// ---------------------------------------------------------------------------
// Recognising raws.

#[test]
fn raws_are_recognised_and_tiffs_are_not() {
    assert!(is_raw(&tiny_dng()), "DNGVersion in IFD0 makes a DNG");
    assert!(is_raw(b"II*\0\x10\0\0\0CR\x02\0\0\0\0\0\0"), "CR2 marker");
    for magic in [
        &b"IIRO"[..],
        b"IIRS",
        b"MMOR",
        b"IIU\0",
        b"FUJIFILMCCD-RAW 0201",
    ] {
        assert!(is_raw(magic), "{magic:?}");
    }
    assert!(is_raw(b"\0\0\0\x18ftypcrx \0\0\0\x01"));
    for name in [
        "full.tif",
        "lzw.tif",
        "tiled.tif",
        "big-endian.tif",
        "two-page.tif",
        "thumbnail.tif",
        "clean.tif",
    ] {
        assert!(!is_raw(&read(&fixture(&format!("tiff/{name}")))), "{name}");
    }
}

// ---------------------------------------------------------------------------
// The synthetic DNG.

#[test]
fn tiny_dng_clean_is_refused() {
    assert_clean_refused(&fixture("tiff/tiny.dng"));
    let err = photoscrub_core::scrub(&tiny_dng(), &Policy::default()).unwrap_err();
    assert!(
        matches!(err, photoscrub_core::Error::Unsupported(_)),
        "{err}"
    );
    assert_eq!(err.to_string(), REFUSAL);
}

#[test]
fn tiny_dng_check_reports_location_and_camera() {
    let file = check(&fixture("tiff/tiny.dng"));
    let location = &file["location"];
    assert!(
        (location["lat"].as_f64().unwrap() - 52.3702).abs() < 1e-4,
        "{file}"
    );
    assert!(
        (location["lon"].as_f64().unwrap() - 4.8952).abs() < 1e-4,
        "{file}"
    );
    let tags: Vec<&str> = findings(&file)
        .into_iter()
        .map(|f| f["tag"].as_str().unwrap())
        .collect();
    for tag in [
        "Make",
        "DNGVersion",
        "UniqueCameraModel",
        "BodySerialNumber",
    ] {
        assert!(tags.contains(&tag), "no {tag}\n{}", list_findings(&file));
    }
    for f in findings(&file) {
        assert_eq!(f["removed"], f["category"] != "rendering", "{f}");
    }
}

#[test]
fn scan_raw_reads_a_dng_like_a_tiff() {
    let scan = scan_raw(&tiny_dng()).unwrap();
    assert!(has_tag(&scan, "GPSLatitude") && has_tag(&scan, "UniqueCameraModel"));
    assert_eq!(scan.locations.len(), 1);
}

// ---------------------------------------------------------------------------
// Other raw layouts, built from the DNG or from JPEG fixtures.

/// The DNG with another TIFF-style magic: Olympus ORF or Panasonic RW2.
fn with_magic(magic: &[u8; 4]) -> Vec<u8> {
    let mut bytes = tiny_dng();
    bytes[..4].copy_from_slice(magic);
    bytes
}

#[test]
fn orf_and_rw2_are_scanned_and_refused() {
    for magic in [b"IIRO", b"IIRS", b"IIU\0"] {
        let bytes = with_magic(magic);
        assert!(is_raw(&bytes));
        let scan = scan_raw(&bytes).unwrap();
        assert!(
            has_tag(&scan, "GPSLatitude"),
            "{magic:?}: {:?}",
            scan.findings
        );
        let err =
            photoscrub_core::container::tiff::rebuild(&bytes, &Policy::default()).unwrap_err();
        assert_eq!(err.to_string(), REFUSAL);
    }
    // Sniffed as raw already: the library's scan and scrub take the raw path.
    let orf = with_magic(b"IIRO");
    assert!(photoscrub_core::scan(&orf)
        .unwrap()
        .valid_location()
        .is_some());
    assert_eq!(
        photoscrub_core::scrub(&orf, &Policy::default())
            .unwrap_err()
            .to_string(),
        REFUSAL
    );
}

/// A little-endian RW2 (`IIU\0`) whose IFD0 holds Make and a JpgFromRaw
/// (tag 0x002E) preview: `jpeg`.
fn rw2_with_preview(jpeg: &[u8]) -> Vec<u8> {
    let make = b"Panasonic\0";
    let ifd_len = 2 + 2 * 12 + 4;
    let make_at = 8 + ifd_len;
    let jpeg_at = make_at + make.len();
    let mut out = b"IIU\0\x08\0\0\0".to_vec();
    out.extend_from_slice(&2u16.to_le_bytes());
    for (tag, typ, count, at) in [
        (0x002Eu16, 7u16, jpeg.len(), jpeg_at),
        (0x010F, 2, make.len(), make_at),
    ] {
        out.extend_from_slice(&tag.to_le_bytes());
        out.extend_from_slice(&typ.to_le_bytes());
        out.extend_from_slice(&(count as u32).to_le_bytes());
        out.extend_from_slice(&(at as u32).to_le_bytes());
    }
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(make);
    out.extend_from_slice(jpeg);
    out
}

#[test]
fn rw2_embedded_jpeg_is_scanned() {
    let jpeg = read(&fixture("jpeg/full.jpg"));
    let scan = scan_raw(&rw2_with_preview(&jpeg)).unwrap();
    assert!(has_tag(&scan, "JpgFromRaw"), "{:?}", scan.findings);
    assert!(
        scan.findings
            .iter()
            .any(|f| f.block == "JpgFromRaw EXIF GPS" && f.category == Category::Location),
        "{:?}",
        scan.findings
    );
    let loc = scan.valid_location().expect("the preview's GPS");
    assert!((loc.lat - 52.3702).abs() < 1e-4 && (loc.lon - 4.8952).abs() < 1e-4);
    assert_eq!(loc.source, "JpgFromRaw EXIF GPS");
}

/// A Fujifilm RAF header (model at byte 28, JPEG offset and length at 84
/// and 88, big-endian) followed by `jpeg`.
fn raf(jpeg: &[u8], declared_len: u32) -> Vec<u8> {
    let mut out = vec![0u8; 160];
    out[..28].copy_from_slice(b"FUJIFILMCCD-RAW 0201FF383501");
    out[28..37].copy_from_slice(b"X-T3 TEST");
    out[84..88].copy_from_slice(&160u32.to_be_bytes());
    out[88..92].copy_from_slice(&declared_len.to_be_bytes());
    out.extend_from_slice(jpeg);
    out
}

#[test]
fn raf_embedded_jpeg_is_scanned_and_the_file_refused() {
    let jpeg = read(&fixture("jpeg/full.jpg"));
    let bytes = raf(&jpeg, jpeg.len() as u32);
    let scan = photoscrub_core::scan(&bytes).unwrap();
    let loc = scan.valid_location().expect("the embedded JPEG's GPS");
    assert!((loc.lat - 52.3702).abs() < 1e-4);
    assert!(scan
        .findings
        .iter()
        .any(|f| f.block == "RAF header" && f.value == "X-T3 TEST"));
    assert!(has_tag(&scan, "Artist"));
    assert_eq!(
        photoscrub_core::scrub(&bytes, &Policy::default())
            .unwrap_err()
            .to_string(),
        REFUSAL
    );
    let past_end = raf(&jpeg, jpeg.len() as u32 + 1);
    let err = scan_raw(&past_end).unwrap_err().to_string();
    assert!(err.contains("outside the file"), "{err}");
    assert!(scan_raw(&bytes[..90]).is_err());
}

#[test]
fn truncated_raws_are_errors_never_panics() {
    let dng = tiny_dng();
    for len in (0..dng.len()).step_by(5) {
        let _ = scan_raw(&dng[..len]);
        let _ = is_raw(&dng[..len]);
    }
    let raf = raf(&read(&fixture("jpeg/full.jpg")), 100);
    for len in 0..200 {
        let _ = scan_raw(&raf[..len]);
    }
}

// ---------------------------------------------------------------------------
// The real corpus.

#[test]
fn corpus_dngs_are_refused_by_clean_and_reported_by_check() {
    for (name, location) in CORPUS {
        let path = corpus(name);
        assert!(is_raw(&read(&path)), "{name}");
        assert_clean_refused(&path);
        let file = check(&path);
        if let Some((lat, lon)) = location {
            let l = &file["location"];
            assert!(
                (l["lat"].as_f64().unwrap() - lat).abs() < 1e-3,
                "{name}: {file}"
            );
            assert!(
                (l["lon"].as_f64().unwrap() - lon).abs() < 1e-3,
                "{name}: {file}"
            );
        }
        let scan = scan_raw(&read(&path)).unwrap();
        for tag in ["Make", "CameraSerialNumber", "DateTimeOriginal"] {
            assert!(has_tag(&scan, tag), "{name}: no {tag}");
        }
    }
}

#[test]
fn corpus_cr3s_are_refused_by_clean() {
    for name in CORPUS_CR3 {
        assert_clean_refused(&corpus(name));
    }
}

#[test]
fn corpus_cr3_check_reports_its_location() {
    // SOURCES.csv: the M50 sample was given GPS 37.786, -122.391.
    let file = check(&corpus("derived__Canon_M50_gps.cr3"));
    let l = &file["location"];
    assert!((l["lat"].as_f64().unwrap() - 37.786).abs() < 1e-2, "{file}");
    assert!(
        (l["lon"].as_f64().unwrap() + 122.391).abs() < 1e-2,
        "{file}"
    );
}
