//! Every JPEG of the real-photo corpus, cleaned in one `clean --out` run and
//! checked with ExifTool and the image crate.
//!
//! The corpus is not part of the project: it is read from `PHOTOSCRUB_CORPUS`,
//! or from `../shared/corpus/real` beside the crate. The test is `#[ignore]`d;
//! `.ci/run` runs it with `--ignored` when the corpus exists. Run it by hand:
//!
//! ```sh
//! cargo test --release --test corpus -- --ignored
//! ```

mod common;

use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Corpus files photoscrub may fail (report `failed`) on, each with the
/// reason. Everything else must be cleaned.
const ALLOWED_FAILURES: &[(&str, &str)] = &[];

/// Tag-name fragments that give away a place, a person, a device's identity
/// or a hidden preview. None may be left in a cleaned file.
const LEAK_PATTERNS: &[&str] = &[
    "GPS",
    "Latitude",
    "Longitude",
    "City",
    "Country",
    "State",
    "Sub-location",
    "Artist",
    "Creator",
    "By-line",
    "Author",
    "Owner",
    "Copyright",
    "Rights",
    "Person",
    "RegionName",
    "Serial",
    "UniqueID",
    "ThumbnailImage",
    "PreviewImage",
    "MPImage",
];

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("PHOTOSCRUB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            crate_dir()
                .join("..")
                .join("shared")
                .join("corpus")
                .join("real")
        });
    assert!(
        dir.is_dir(),
        "the real-photo corpus is not at {} (set PHOTOSCRUB_CORPUS to its folder); \
         this test needs it and is only run with --ignored where the corpus exists",
        dir.display()
    );
    dir
}

/// The JPEG files of the corpus, by content (FF D8 FF), sorted.
fn corpus_jpegs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .filter(|p| {
            use std::io::Read;
            let mut head = [0u8; 3];
            std::fs::File::open(p)
                .and_then(|mut f| f.read_exact(&mut head))
                .is_ok()
                && head == [0xFF, 0xD8, 0xFF]
        })
        .collect();
    out.sort();
    out
}

/// ImageMagick's pixel signature and size, for files the image crate cannot decode.
fn magick_signature(p: &Path) -> Result<String, String> {
    let out = std::process::Command::new("identify")
        .args(["-format", "%# %wx%h\n"])
        .arg(p)
        .output()
        .map_err(|e| format!("cannot run ImageMagick identify: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "identify {}: {}",
            p.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn leaks(tags: &Tags) -> Vec<String> {
    let mut found = Vec::new();
    for t in &tags.tags {
        if t.family0 == "ICC_Profile" {
            continue; // the kept ICC profile has ProfileCopyright, ProfileCreator…
        }
        if t.family0 == "MakerNotes" {
            found.push(format!("MakerNotes group: {} = {}", t.key, short(&t.value)));
        } else if let Some(p) = LEAK_PATTERNS
            .iter()
            .find(|p| t.name.contains(*p) || t.family1.contains(*p))
        {
            found.push(format!("{} = {} (matches {p:?})", t.key, short(&t.value)));
        }
    }
    found
}

fn short(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        s.chars().take(80).collect::<String>() + "…"
    } else {
        s
    }
}

#[test]
#[ignore = "needs the real-photo corpus (../shared/corpus/real or PHOTOSCRUB_CORPUS); run with --ignored"]
fn corpus_jpegs_are_cleaned_losslessly() {
    require_exiftool();
    let dir = corpus_dir();
    let inputs = corpus_jpegs(&dir);
    assert!(
        !inputs.is_empty(),
        "no JPEG files in the corpus at {}",
        dir.display()
    );
    let originals: BTreeMap<PathBuf, Vec<u8>> =
        inputs.iter().map(|p| (p.clone(), read(p))).collect();

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut a = args!["clean", "--json", "--out", out];
    a.extend(inputs.iter().map(|p| p.clone().into_os_string()));
    let report = run_json(&a);

    let mut problems: Vec<String> = Vec::new();
    let mut failures: Vec<String> = Vec::new();
    let mut cleaned: Vec<(PathBuf, PathBuf)> = Vec::new();
    for input in &inputs {
        let name = input.file_name().unwrap().to_string_lossy().into_owned();
        let Some(f) = report
            .files
            .iter()
            .find(|f| f["path"].as_str() == Some(&input.to_string_lossy()))
        else {
            problems.push(format!("{name}: not in the report"));
            continue;
        };
        let status = f["status"].as_str().unwrap_or("");
        match status {
            "cleaned" | "already-clean" => {
                let Some(output) = f["output"].as_str().map(PathBuf::from) else {
                    problems.push(format!("{name}: {status} but no output path"));
                    continue;
                };
                if !output.is_file() {
                    problems.push(format!(
                        "{name}: output {} does not exist",
                        output.display()
                    ));
                    continue;
                }
                cleaned.push((input.clone(), output));
            }
            _ => {
                let line = format!("{name}: {status}: {}", f["error"].as_str().unwrap_or(""));
                if !ALLOWED_FAILURES.iter().any(|(n, _)| *n == name) {
                    problems.push(format!("not allowed to fail: {line}"));
                }
                failures.push(line);
                if !f["output"].is_null() || out.join(&name).exists() {
                    problems.push(format!("{name}: {status}, yet an output was written"));
                }
            }
        }
    }
    for (allowed, reason) in ALLOWED_FAILURES {
        if !failures
            .iter()
            .any(|l| l.starts_with(&format!("{allowed}:")))
        {
            problems.push(format!(
                "{allowed} is allowlisted ({reason}) but no longer fails: drop it from the list"
            ));
        }
    }

    if !cleaned.is_empty() {
        let ins: Vec<PathBuf> = cleaned.iter().map(|c| c.0.clone()).collect();
        let outs: Vec<PathBuf> = cleaned.iter().map(|c| c.1.clone()).collect();
        let tags_in = exiftool_many(&ins);
        let tags_out = exiftool_many(&outs);
        let icc_in = icc_colours_many(&ins);
        let icc_out = icc_colours_many(&outs);
        // The oracle itself: most corpus inputs do leak by these patterns.
        let leaky_inputs = tags_in.iter().filter(|t| !leaks(t).is_empty()).count();
        assert!(
            leaky_inputs * 2 > tags_in.len(),
            "only {leaky_inputs} of {} corpus inputs match the leak patterns: is ExifTool's output parsed right?",
            tags_in.len()
        );
        for (i, (input, output)) in cleaned.iter().enumerate() {
            let name = input.file_name().unwrap().to_string_lossy();
            for leak in leaks(&tags_out[i]) {
                problems.push(format!("{name}: left {leak}"));
            }
            for extra in allowlist_violations(&tags_out[i]) {
                problems.push(format!("{name}: {extra}"));
            }
            if tags_in[i].orientation() != tags_out[i].orientation() {
                problems.push(format!(
                    "{name}: Orientation {:?} became {:?}",
                    tags_in[i].orientation(),
                    tags_out[i].orientation()
                ));
            }
            if icc_in[i] != icc_out[i] {
                problems.push(format!(
                    "{name}: ICC colour tags differ ({:?} → {:?})",
                    icc_in[i], icc_out[i]
                ));
            }
            match decode(input) {
                Ok(_) => {
                    if let Some(why) = pixel_difference(input, output) {
                        problems.push(format!("{name}: {why}"));
                    }
                }
                Err(e) => match (magick_signature(input), magick_signature(output)) {
                    (Ok(a), Ok(b)) if a == b => {}
                    (Ok(a), Ok(b)) => problems.push(format!("{name}: ImageMagick signatures differ: {a} vs {b}")),
                    (a, b) => problems.push(format!(
                        "{name}: cannot compare pixels (image crate: {e}; ImageMagick: {a:?} / {b:?})"
                    )),
                },
            }
        }
    }

    for (path, bytes) in &originals {
        if read(path) != *bytes {
            problems.push(format!("{}: the original was modified", path.display()));
        }
    }

    eprintln!(
        "corpus: {} JPEG files, {} cleaned or already clean, {} failed{}",
        inputs.len(),
        cleaned.len(),
        failures.len(),
        if failures.is_empty() {
            String::new()
        } else {
            format!(":\n  {}", failures.join("\n  "))
        }
    );
    assert!(
        problems.is_empty(),
        "{} problems in the corpus run:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

/// `--verify decode` (decode both files, require identical pixels) works on
/// every corpus JPEG, including the 200-megapixel one.
#[test]
#[ignore = "needs the real-photo corpus (../shared/corpus/real or PHOTOSCRUB_CORPUS); run with --ignored"]
fn corpus_jpegs_pass_verify_decode() {
    let dir = corpus_dir();
    let inputs = corpus_jpegs(&dir);
    assert!(
        !inputs.is_empty(),
        "no JPEG files in the corpus at {}",
        dir.display()
    );
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut a = args!["clean", "--json", "--verify", "decode", "--jobs", "1", "--out", out];
    a.extend(inputs.iter().map(|p| p.clone().into_os_string()));
    let report = run_json(&a);
    let mut problems = Vec::new();
    for f in &report.files {
        let name = Path::new(f["path"].as_str().unwrap_or(""))
            .file_name()
            .map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_default();
        let status = f["status"].as_str().unwrap_or("");
        if !["cleaned", "already-clean"].contains(&status)
            && !ALLOWED_FAILURES.iter().any(|(n, _)| *n == name)
        {
            problems.push(format!(
                "{name}: {status}: {}",
                f["error"].as_str().unwrap_or("")
            ));
        }
    }
    assert_eq!(report.files.len(), inputs.len(), "{}", report.describe());
    assert!(
        problems.is_empty(),
        "{} corpus JPEGs fail with --verify decode:\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}
