//! `--verify decode`, and formats this version refuses.

mod common;

use common::*;

#[test]
fn verify_decode_succeeds_on_every_valid_fixture() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    for name in VALID_JPEGS {
        copy_fixture(&format!("jpeg/{name}"), &dir);
    }
    let out = tmp.path().join("out");
    let r = run_json(args![
        "clean", "--json", "--verify", "decode", "--out", out, dir
    ]);
    r.assert_code(0);
    for name in VALID_JPEGS {
        let f = r.file(name);
        let expected = if ALREADY_CLEAN_JPEGS.contains(name) {
            "already-clean"
        } else {
            "cleaned"
        };
        assert_eq!(f["status"], expected, "{name}: {f}");
        assert_same_pixels(&fixture(&format!("jpeg/{name}")), &out.join(name));
    }
}

#[test]
fn verify_decode_still_fails_bad_files() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    for name in BAD_JPEGS {
        copy_fixture(&format!("jpeg/{name}"), &dir);
    }
    let out = tmp.path().join("out");
    let r = run_json(args![
        "clean", "--json", "--verify", "decode", "--out", out, dir
    ]);
    r.assert_code(3);
    for name in BAD_JPEGS {
        assert_eq!(r.status(name), "failed", "{}", r.describe());
    }
    assert!(files_under(&out).is_empty());
}

/// A format this version may not support yet: either refused (exit 3,
/// "not supported", nothing written) or, once its support lands, cleaned
/// losslessly (same pixels, no GPS per ExifTool).
fn assert_refused_or_lossless(input: &std::path::Path, name: &str, format: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let original = read(input);
    let out = tmp.path().join("out");
    for extra in [&[][..], &["--verify", "decode"][..]] {
        let mut a = args!["clean", "--json", "--out", out];
        a.extend(extra.iter().map(std::ffi::OsString::from));
        a.push(input.into());
        let r = run_json(&a);
        let f = r.file(name);
        assert_eq!(f["format"], format, "{}", r.describe());
        match f["status"].as_str().unwrap_or("") {
            "refused" => {
                r.assert_code(3);
                assert!(f["output"].is_null(), "{}", r.describe());
                let error = f["error"].as_str().unwrap_or("");
                assert!(
                    error.contains("not supported"),
                    "the error should say \"not supported\": {error:?}"
                );
                assert_eq!(r.summary["refused"], 1, "{}", r.summary);
                assert!(
                    files_under(&out).is_empty(),
                    "output written for a refused file"
                );
            }
            "cleaned" | "already-clean" => {
                r.assert_code(0);
                let output = out.join(name);
                assert_eq!(
                    r.output(name).as_deref(),
                    Some(output.as_path()),
                    "{}",
                    r.describe()
                );
                assert_same_pixels_any_decoder(input, &output);
                require_exiftool();
                let tags = exiftool(&output);
                let gps = tags.find(|t| t.in_group("GPS") || t.name.starts_with("GPS"));
                assert!(gps.is_empty(), "GPS left in {name}: {gps:?}");
            }
            other => panic!(
                "{name}: status {other:?}: neither refused nor cleaned\n{}",
                r.describe()
            ),
        }
    }
    assert_eq!(read(input), original, "the input was modified");
}

/// Same pixels per the image crate, or per ImageMagick where the image crate
/// cannot decode the format (HEIC).
fn assert_same_pixels_any_decoder(original: &std::path::Path, cleaned: &std::path::Path) {
    if decode(original).is_ok() {
        return assert_same_pixels(original, cleaned);
    }
    let sig = |p: &std::path::Path| {
        let out = std::process::Command::new("identify")
            .args(["-format", "%# %wx%h\n"])
            .arg(p)
            .output()
            .unwrap_or_else(|e| {
                panic!(
                    "ImageMagick identify is needed to compare {}: {e}",
                    p.display()
                )
            });
        assert!(
            out.status.success(),
            "identify {} failed: {}",
            p.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(
        sig(original),
        sig(cleaned),
        "pixel signatures differ: {}",
        cleaned.display()
    );
}

#[test]
fn png_is_refused_or_cleaned_losslessly() {
    let tmp = tempfile::tempdir().unwrap();
    let input = copy_fixture("other/tiny.png", tmp.path());
    assert_refused_or_lossless(&input, "tiny.png", "png");
}

#[test]
fn heic_is_refused_or_cleaned_losslessly() {
    let tmp = tempfile::tempdir().unwrap();
    let input = copy_fixture("other/tiny.heic", tmp.path());
    assert_refused_or_lossless(&input, "tiny.heic", "heif");
}

/// A 1×1 GIF89a made here (GIF cleaning is not implemented yet).
const TINY_GIF: &[u8] = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\x00\x00\x00\x00\xff,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";

#[test]
fn gif_is_refused_or_cleaned_losslessly() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("tiny.gif");
    std::fs::write(&input, TINY_GIF).unwrap();
    assert!(decode(&input).is_ok(), "the test GIF itself decodes");
    assert_refused_or_lossless(&input, "tiny.gif", "gif");
}

/// Format comes from the content, not the name: a JPEG named .png is cleaned
/// as a JPEG, a PNG named .jpg is refused as a PNG.
#[test]
fn format_is_sniffed_not_guessed_from_the_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("in");
    copy_fixture_to("jpeg/full.jpg", &dir.join("photo.png"));
    copy_fixture_to("other/tiny.png", &dir.join("picture.jpg"));
    let out = tmp.path().join("out");
    let r = run_json(args!["clean", "--json", "--out", out, dir]);
    assert_eq!(r.status("photo.png"), "cleaned", "{}", r.describe());
    assert_eq!(r.file("photo.png")["format"], "jpeg");
    assert_eq!(r.file("picture.jpg")["format"], "png", "{}", r.describe());
    assert_ne!(
        r.status("picture.jpg"),
        "failed",
        "a PNG named .jpg is a PNG, not a broken JPEG\n{}",
        r.describe()
    );
    assert_same_pixels(&fixture("jpeg/full.jpg"), &out.join("photo.png"));
}
