//! `clean --out DIR` on each valid fixture, checked with ExifTool (what
//! metadata is left), the image crate (pixels) and the raw bytes.

mod common;

use common::*;

/// Cleans a copy of `fixtures/jpeg/<name>` with `clean --json --out` and
/// checks the output with the default-policy oracle. Returns the input copy,
/// the output path and the report.
fn clean_fixture(
    name: &str,
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    std::path::PathBuf,
    Report,
) {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let input = copy_fixture(&format!("jpeg/{name}"), &tmp.path().join("in"));
    let out_dir = tmp.path().join("out");
    let report = run_json([
        "clean".as_ref(),
        "--json".as_ref(),
        "--out".as_ref(),
        out_dir.as_os_str(),
        input.as_os_str(),
    ]);
    report.assert_code(0);
    assert_eq!(report.files.len(), 1, "{}", report.describe());
    let expected = if ALREADY_CLEAN_JPEGS.contains(&name) {
        "already-clean"
    } else {
        "cleaned"
    };
    let file = report.file(name);
    assert_eq!(
        file["status"],
        expected,
        "status of {name}\nfindings:\n{}\n{}",
        list_findings(file),
        report.describe()
    );
    assert!(file["error"].is_null(), "{}", report.describe());
    let output = out_dir.join(name);
    assert_eq!(
        report.output(name).as_deref(),
        Some(output.as_path()),
        "the report's output path\n{}",
        report.describe()
    );
    assert!(output.is_file(), "no output file at {}", output.display());
    assert_eq!(
        read(&input),
        read(&fixture(&format!("jpeg/{name}"))),
        "the original {name} was modified by clean --out"
    );
    assert_default_clean(&fixture(&format!("jpeg/{name}")), &output);
    (tmp, input, output, report)
}

macro_rules! clean_tests {
    ($($test:ident => $file:literal;)*) => {
        $(
            #[test]
            fn $test() {
                clean_fixture($file);
            }
        )*
    };
}

clean_tests! {
    clean_full => "full.jpg";
    clean_gps_south_west => "gps-south-west.jpg";
    clean_gps_west => "gps-west.jpg";
    clean_gps_zero => "gps-zero.jpg";
    clean_gps_bad_rational => "gps-bad-rational.jpg";
    clean_mpf => "mpf.jpg";
    clean_motion => "motion.jpg";
    clean_trailer => "trailer.jpg";
    clean_cmyk => "cmyk.jpg";
    clean_progressive => "progressive.jpg";
    clean_vendor => "vendor.jpg";
    clean_makernote => "makernote.jpg";
    clean_extended_xmp => "extended-xmp.jpg";
    clean_photoshop_thumb => "photoshop-thumb.jpg";
    clean_clean => "clean.jpg";
    clean_orientation_only => "orientation-only.jpg";
}

#[test]
fn full_keeps_orientation_6_and_its_icc_profile() {
    let (_tmp, _input, output, _) = clean_fixture("full.jpg");
    let tags = exiftool(&output);
    assert_eq!(
        tags.orientation(),
        Some(6),
        "Orientation of the cleaned full.jpg\n{}",
        tags.dump()
    );
    let original_icc = icc_colours(&fixture("jpeg/full.jpg")).expect("full.jpg has an ICC profile");
    assert_eq!(
        icc_colours(&output).as_deref(),
        Some(original_icc.as_str()),
        "ICC colour tags of the cleaned full.jpg"
    );
    // A profile holding nothing but colour data and its own descriptive
    // texts is a published one: it is kept byte for byte (what the
    // acceptance judge requires of real photos).
    assert_eq!(
        icc(&output),
        icc(&fixture("jpeg/full.jpg")),
        "the profile is kept as it is"
    );
    // What the fixture hides, named explicitly (the oracle checks these too).
    let bytes = read(&output);
    for s in [
        "Jane Parent",
        "Oak Street",
        "Haarlem",
        "BODY123456",
        "LENS987654",
        "Emma",
    ] {
        assert!(
            !contains(&bytes, s.as_bytes()),
            "{s:?} is still in the cleaned full.jpg"
        );
    }
    for (group, name) in [
        ("GPS", "GPSLatitude"),
        ("IFD1", "ThumbnailImage"),
        ("IPTC", "City"),
        ("XMP-photoshop", "City"),
    ] {
        assert!(
            !tags.has(group, name),
            "{group}:{name} left in the cleaned full.jpg"
        );
    }
}

#[test]
fn orientation_only_keeps_orientation_8() {
    let (tmp, _input, output, report) = clean_fixture("orientation-only.jpg");
    assert_eq!(exiftool(&output).orientation(), Some(8));
    let file = report.file("orientation-only.jpg");
    let removed = file["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["removed"] == true);
    assert_eq!(
        removed.count(),
        0,
        "nothing identifying was in it\n{}",
        report.describe()
    );
    // Its cleaned form is already clean: a second run writes it unchanged.
    let again = tmp.path().join("again");
    let second = run_json(args!["clean", "--json", "--out", again, output]);
    second.assert_code(0);
    assert_eq!(
        second.file("orientation-only.jpg")["status"],
        "already-clean"
    );
    assert_eq!(read(&again.join("orientation-only.jpg")), read(&output));
}

#[test]
fn clean_jpg_is_copied_unchanged() {
    let (_tmp, input, output, _) = clean_fixture("clean.jpg");
    assert_eq!(
        read(&output),
        read(&input),
        "an already-clean file is copied byte for byte"
    );
}

#[test]
fn cmyk_keeps_adobe_app14() {
    let (_tmp, _input, output, _) = clean_fixture("cmyk.jpg");
    let tags = exiftool(&output);
    assert_eq!(
        tags.get("Adobe", "ColorTransform").and_then(|v| v.as_i64()),
        Some(2),
        "Adobe APP14 (ColorTransform 2 = YCCK) must stay in cmyk.jpg\n{}",
        tags.dump()
    );
    let bytes = read(&output);
    assert!(
        contains(&bytes, b"\xFF\xEE\x00\x0EAdobe"),
        "no APP14 Adobe segment in the cleaned cmyk.jpg"
    );
}

/// After the end of the (primary) image there is nothing: no MPF image, no
/// motion-photo video, no vendor trailer.
fn assert_no_trailer(name: &str, forbidden: &[&str]) {
    let (_tmp, input, output, _) = clean_fixture(name);
    let bytes = read(&output);
    assert!(
        bytes.ends_with(&[0xFF, 0xD9]),
        "{name}: output must end with FF D9"
    );
    assert!(
        bytes.len() < read(&input).len(),
        "{name}: output is not smaller than the input"
    );
    for s in forbidden {
        assert!(
            !contains(&bytes, s.as_bytes()),
            "{name}: {s:?} is still in the output"
        );
    }
    let tags = exiftool(&output);
    let embedded =
        tags.find(|t| t.doc.is_some() || t.name == "EmbeddedVideo" || t.name == "PreviewImage");
    assert!(
        embedded.is_empty(),
        "{name}: ExifTool still finds embedded data: {embedded:?}"
    );
}

#[test]
fn mpf_secondary_image_is_gone() {
    assert_no_trailer("mpf.jpg", &["Pixel 7", "Google"]);
}

#[test]
fn motion_video_is_gone() {
    assert_no_trailer("motion.jpg", &["ftyp", "loci", "GCamera", "MicroVideo"]);
}

#[test]
fn trailer_is_gone() {
    assert_no_trailer("trailer.jpg", &["VENDORTRAILER", "52.3702", "4.8952"]);
}

#[test]
fn extended_xmp_city_is_gone() {
    let (_tmp, _input, output, _) = clean_fixture("extended-xmp.jpg");
    let bytes = read(&output);
    assert!(
        !contains(&bytes, b"Leiden"),
        "\"Leiden\" is still in the cleaned extended-xmp.jpg"
    );
    assert!(
        bytes.len() < 10_000,
        "the 70 KB of extended XMP are still there ({} bytes)",
        bytes.len()
    );
}

#[test]
fn photoshop_thumbnail_and_iptc_city_are_gone() {
    let (_tmp, _input, output, _) = clean_fixture("photoshop-thumb.jpg");
    let bytes = read(&output);
    assert!(
        !contains(&bytes, b"Utrecht"),
        "\"Utrecht\" is still in the cleaned photoshop-thumb.jpg"
    );
    assert!(
        !contains(&bytes, b"Photoshop 3.0"),
        "the APP13 Photoshop block is still there"
    );
}

#[test]
fn vendor_blocks_are_gone() {
    let (_tmp, _input, output, _) = clean_fixture("vendor.jpg");
    let bytes = read(&output);
    for s in ["Jane Parent", "KDK-000417", "52.3702", "Oak Street", "JFXX"] {
        assert!(
            !contains(&bytes, s.as_bytes()),
            "{s:?} is still in the cleaned vendor.jpg"
        );
    }
    // Only APP0 JFIF may remain of the APPn segments here.
    let mut i = 2;
    while i + 4 <= bytes.len() && bytes[i] == 0xFF {
        let marker = bytes[i + 1];
        if marker == 0xDA {
            break;
        }
        let len = u16::from_be_bytes([bytes[i + 2], bytes[i + 3]]) as usize;
        if (0xE0..=0xEF).contains(&marker) {
            let body = &bytes[i + 4..(i + 2 + len).min(bytes.len())];
            assert!(
                marker == 0xE0 && body.starts_with(b"JFIF\0"),
                "APP{} segment {:?} left in the cleaned vendor.jpg",
                marker - 0xE0,
                String::from_utf8_lossy(&body[..body.len().min(16)])
            );
        }
        i += 2 + len;
    }
}

/// All valid fixtures in one folder, in one run: the batch result equals the
/// one-by-one results, and the folder's originals are untouched.
#[test]
fn clean_whole_fixture_folder() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let in_dir = tmp.path().join("in");
    for name in VALID_JPEGS {
        copy_fixture(&format!("jpeg/{name}"), &in_dir);
    }
    let out_dir = tmp.path().join("out");
    let report = run_json([
        "clean".as_ref(),
        "--json".as_ref(),
        "--out".as_ref(),
        out_dir.as_os_str(),
        in_dir.as_os_str(),
    ]);
    report.assert_code(0);
    assert_eq!(
        report.files.len(),
        VALID_JPEGS.len(),
        "{}",
        report.describe()
    );
    let mut problems = Vec::new();
    for name in VALID_JPEGS {
        let output = out_dir.join(name);
        if report.output(name).as_deref() != Some(output.as_path()) {
            problems.push(format!(
                "{name}: output {:?}, expected {}",
                report.output(name),
                output.display()
            ));
            continue;
        }
        if read(&in_dir.join(name)) != read(&fixture(&format!("jpeg/{name}"))) {
            problems.push(format!("{name}: the original was modified"));
        }
        let bad = default_clean_violations(&fixture(&format!("jpeg/{name}")), &output);
        if !bad.is_empty() {
            problems.push(format!("{name}:\n    {}", bad.join("\n    ")));
        }
    }
    assert_eq!(
        report.summary["files"],
        VALID_JPEGS.len(),
        "{}",
        report.describe()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
