//! ICC profiles in JPEGs are rebuilt (issue 13): the private, text and
//! unknown parts are gone, and the colours are unchanged. The colour oracle
//! is ImageMagick with Little CMS: it converts the original and the cleaned
//! file from their embedded profiles into a third profile, and the pixels
//! must be equal — while the same conversion of the original without its
//! profile gives other pixels (so the test sees a lost or broken profile).

mod common;

use common::*;
use photoscrub_core::{plan, verify, Policy};
use std::path::Path;
use std::process::Command;

/// Cleans `bytes` with the engine under the default policy, verified.
fn clean(bytes: &[u8]) -> Vec<u8> {
    let policy = Policy::default();
    let plan = plan(bytes, &policy).unwrap();
    let out = plan.output.to_vec(bytes).unwrap();
    verify(&plan, bytes, &out[..], &policy).unwrap();
    out
}

fn xyz(v: [f64; 3]) -> Vec<u8> {
    let mut d = b"XYZ \0\0\0\0".to_vec();
    for x in v {
        d.extend_from_slice(&((x * 65536.0).round() as i32).to_be_bytes());
    }
    d
}

/// A v2 RGB display profile with a linear tone curve and wide primaries:
/// far enough from the test profiles that a conversion moves every colour.
fn target_profile() -> Vec<u8> {
    let linear = b"curv\0\0\0\0\0\0\0\0".to_vec();
    let mut desc = b"desc\0\0\0\0\0\0\0\x07target\0".to_vec();
    desc.extend_from_slice(&[0; 79]);
    let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"desc", desc),
        (b"wtpt", xyz([0.9642, 1.0, 0.8249])),
        (b"rXYZ", xyz([0.6734, 0.2790, -0.0019])),
        (b"gXYZ", xyz([0.1656, 0.6753, 0.0300])),
        (b"bXYZ", xyz([0.1251, 0.0457, 0.7970])),
        (b"rTRC", linear.clone()),
        (b"gTRC", linear.clone()),
        (b"bTRC", linear),
    ];
    let table_end = 132 + 12 * tags.len();
    let (mut table, mut body) = ((tags.len() as u32).to_be_bytes().to_vec(), Vec::new());
    for (sig, data) in &tags {
        table.extend_from_slice(*sig);
        table.extend_from_slice(&((table_end + body.len()) as u32).to_be_bytes());
        table.extend_from_slice(&(data.len() as u32).to_be_bytes());
        body.extend_from_slice(data);
        body.resize(body.len().next_multiple_of(4), 0);
    }
    let mut h = vec![0u8; 128];
    h[0..4].copy_from_slice(&((table_end + body.len()) as u32).to_be_bytes());
    h[8] = 2;
    h[9] = 0x10;
    h[12..24].copy_from_slice(b"mntrRGB XYZ ");
    h[36..40].copy_from_slice(b"acsp");
    h[68..80].copy_from_slice(&xyz([0.9642, 1.0, 0.8249])[8..]);
    [h, table, body].concat()
}

/// The pixels of `jpeg` converted from its embedded profile into `target`
/// (ImageMagick with Little CMS), as a binary PPM.
fn managed_pixels(dir: &Path, name: &str, jpeg: &[u8], target: &Path) -> Vec<u8> {
    let input = dir.join(name);
    std::fs::write(&input, jpeg).unwrap();
    let out = Command::new("convert")
        .arg(&input)
        .arg("-profile")
        .arg(target)
        .arg("ppm:-")
        .output()
        .expect("ImageMagick's convert is needed (apt-get install imagemagick)");
    assert!(
        out.status.success(),
        "convert {name}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// `jpeg` without its APP2 ICC segments (before the first scan).
fn without_icc(jpeg: &[u8]) -> Vec<u8> {
    let mut out = jpeg[..2].to_vec();
    let mut i = 2;
    while jpeg[i + 1] != 0xDA {
        let len = 2 + usize::from(u16::from_be_bytes([jpeg[i + 2], jpeg[i + 3]]));
        if !(jpeg[i + 1] == 0xE2 && jpeg[i + 4..].starts_with(b"ICC_PROFILE\0")) {
            out.extend_from_slice(&jpeg[i..i + len]);
        }
        i += len;
    }
    out.extend_from_slice(&jpeg[i..]);
    out
}

#[test]
fn rebuilt_profiles_give_the_same_colours_without_their_secrets() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("target.icc");
    std::fs::write(&target, target_profile()).unwrap();
    for name in [
        "icc-private-tag.jpg",
        "icc-mluc-v4.jpg",
        "icc-two-chunks.jpg",
        "icc-gap.jpg",
        "icc-header-reserved.jpg",
    ] {
        let original = read(&fixture(&format!("hidden/jpeg/{name}")));
        let cleaned = clean(&original);
        assert!(!contains(&cleaned, b"CANARY"), "{name}: a canary survived");
        assert!(
            contains(&cleaned, b"ICC_PROFILE\0"),
            "{name}: the profile is gone"
        );
        let before = managed_pixels(tmp.path(), "before.jpg", &original, &target);
        let after = managed_pixels(tmp.path(), "after.jpg", &cleaned, &target);
        let unmanaged = managed_pixels(tmp.path(), "none.jpg", &without_icc(&original), &target);
        assert_ne!(
            before, unmanaged,
            "{name}: the oracle cannot see the profile"
        );
        assert!(before == after, "{name}: colours changed");
    }
}

#[test]
fn a_profile_with_a_private_tag_is_reported() {
    let report = run_json(args![
        "check",
        "--json",
        fixture("hidden/jpeg/icc-private-tag.jpg")
    ]);
    report.assert_code(1);
    let file = report.file("icc-private-tag.jpg");
    let listed = list_findings(file);
    assert!(listed.contains("ICC tag 'phsc'"), "{listed}");
    assert!(listed.contains("unknown"), "{listed}");
}
