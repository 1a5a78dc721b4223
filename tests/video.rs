//! Videos (MP4, MOV, 3GP): cleaned by patching a copy, same length, media
//! untouched. The oracles are ExifTool (`-ee`: nothing that says where,
//! who, which device or when is left, including in timed metadata tracks),
//! ffprobe (the output reads without errors) and ffmpeg (the video and
//! audio packets hash the same before and after).
//!
//! The fixtures are made by `fixtures/make-video.sh`; see
//! `fixtures/video/README.md`.

mod common;

use common::*;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Fixtures that must clean successfully.
const GOOD: &[&str] = &[
    "loci.mp4",
    "xyz.mov",
    "loci.3gp",
    "timecode.mov",
    "apple-keys.mov",
    "xmp.mp4",
    "xmp.mov",
    "gopro-gpmd.mp4",
    "apple-mebx.mov",
    "camm.mp4",
    "large-size.mp4",
    "size-zero.mov",
    "times-v1.mov",
    "pcm-audio.mov",
    "trailer.mp4",
];

/// Damaged fixtures and what their error must say.
const DAMAGED: &[(&str, &str)] = &[
    ("bad-past-end.mp4", "past the end of the file"),
    ("bad-size-zero-nested.mp4", "size 0"),
    ("bad-size-small.mp4", "shorter than its header"),
    ("bad-truncated-moov.mp4", "past the end of the file"),
    ("bad-gps-past-end.mp4", "outside the media data"),
    ("bad-gps-tables.mp4", "disagree"),
];

/// Strings in the fixtures that must not survive cleaning.
const VIDEO_SECRETS: &[&str] = &[
    "Jane Parent",
    "Emma",
    "Oak Street",
    "52.3702",
    "+52.37",
    "Haarlem",
    "iPhone 12",
    "C3141592653589",
    "HERO Test",
    "HD9.01.01.60.00",
    "Lavf",
    "Lavc",
    "location.ISO6709",
    "GPS5",
    "240902",
    "Galaxy",
];

fn video(name: &str) -> String {
    format!("video/{name}")
}

const INSTALL_FFMPEG: &str =
    "ffmpeg and ffprobe are required by the video tests: apt-get install ffmpeg";

fn require_ffmpeg() {
    for tool in ["ffmpeg", "ffprobe"] {
        let ok = Command::new(tool)
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(ok, "{INSTALL_FFMPEG} ({tool} does not run)");
    }
}

/// What ffprobe complains about when reading the whole file.
fn ffprobe_errors(path: &Path) -> String {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_format", "-show_streams"])
        .arg(path)
        .output()
        .expect(INSTALL_FFMPEG);
    let mut err = String::from_utf8_lossy(&out.stderr).into_owned();
    if !out.status.success() {
        err += &format!(" (exit {:?})", out.status.code());
    }
    err
}

/// ffprobe's streams, one `key=value` text per stream.
fn ffprobe_streams(path: &Path) -> Vec<String> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-show_streams"])
        .arg(path)
        .output()
        .expect(INSTALL_FFMPEG);
    String::from_utf8_lossy(&out.stdout)
        .split("[/STREAM]")
        .filter(|s| s.contains("[STREAM]"))
        .map(String::from)
        .collect()
}

/// ExifTool tags (`-ee`, timed metadata included) that say where, who,
/// which device or when. Empty values and the zero date ExifTool prints
/// for a zeroed QuickTime time are not leaks.
fn leaks(tags: &Tags) -> Vec<String> {
    const WORDS: &[&str] = &[
        // location
        "GPS",
        "Latitude",
        "Longitude",
        "Location",
        "City",
        "Country",
        "Coordinates",
        "ISO6709",
        // people
        "Artist",
        "Author",
        "Creator",
        "Owner",
        "Copyright",
        "Person",
        // device
        "Serial",
        "UniqueID",
        "ContentIdentifier",
        "Make",
        "Model",
        "Software",
        "Encoder",
        "Firmware",
        "HandlerDescription",
        "CompressorName",
        "HostComputer",
        // time
        "Date",
        // text
        "Title",
        "Comment",
        "Description",
        "Keywords",
    ];
    tags.tags
        .iter()
        .filter(|t| !["File", "ExifTool"].contains(&t.family0.as_str()))
        .filter(|t| WORDS.iter().any(|w| t.name.contains(w)))
        .filter(|t| match &t.value {
            Value::String(s) => !s.is_empty() && !s.starts_with("0000:00:00 00:00:00"),
            Value::Number(n) => n.as_f64() != Some(0.0),
            Value::Null => false,
            _ => true,
        })
        .map(|t| format!("{} = {}", t.key, t.value))
        .collect()
}

/// Copies the fixtures into `dir/in` and cleans that folder into `dir/out`.
fn clean_fixtures(dir: &Path, names: &[&str], extra: &[&str]) -> Report {
    for n in names {
        copy_fixture(&video(n), &dir.join("in"));
    }
    let mut a = args!["clean", "--json", "--out", dir.join("out")];
    a.extend(extra.iter().map(std::ffi::OsString::from));
    a.push(dir.join("in").into_os_string());
    run_json(&a)
}

#[test]
fn fixtures_clean_to_playable_videos_with_nothing_left() {
    require_exiftool();
    require_ffmpeg();
    let tmp = tempfile::tempdir().unwrap();
    let report = clean_fixtures(tmp.path(), GOOD, &[]);
    report.assert_code(0);
    let mut problems = Vec::new();
    let mut pairs = Vec::new();
    for name in GOOD {
        let input = tmp.path().join("in").join(name);
        let status = report.status(name);
        if status != "cleaned" {
            problems.push(format!("{name}: {status}: {}", report.file(name)["error"]));
            continue;
        }
        let output = report.output(name).expect("a cleaned file has an output");
        assert_eq!(output, tmp.path().join("out").join(name));
        let (a, b) = (read(&input), read(&output));
        if a.len() != b.len() {
            problems.push(format!("{name}: length {} became {}", a.len(), b.len()));
        }
        let errors = ffprobe_errors(&output);
        if !errors.trim().is_empty() {
            problems.push(format!("{name}: ffprobe: {errors}"));
        }
        if stream_md5(&input) != stream_md5(&output) {
            problems.push(format!("{name}: the video/audio packets changed"));
        }
        for s in VIDEO_SECRETS {
            if contains(&a, s.as_bytes()) && contains(&b, s.as_bytes()) {
                problems.push(format!("{name}: {s:?} is still in the bytes"));
            }
        }
        pairs.push((name, input, output));
    }
    let paths: Vec<PathBuf> = pairs
        .iter()
        .flat_map(|(_, i, o)| [i.clone(), o.clone()])
        .collect();
    let tags = exiftool_many(&paths);
    for ((name, _, _), pair) in pairs.iter().zip(tags.chunks(2)) {
        if leaks(&pair[0]).is_empty() {
            problems.push(format!("{name}: ExifTool sees nothing in the input"));
        }
        let left = leaks(&pair[1]);
        if !left.is_empty() {
            problems.push(format!("{name}: ExifTool still sees {left:?}"));
        }
    }
    assert!(
        problems.is_empty(),
        "{}\n{}",
        problems.join("\n"),
        report.describe()
    );
}

/// The finding with this tag, or a panic listing them all.
#[track_caller]
fn finding<'a>(file: &'a Value, tag: &str) -> &'a Value {
    findings(file)
        .into_iter()
        .find(|f| f["tag"] == tag)
        .unwrap_or_else(|| panic!("no {tag} finding:\n{}", list_findings(file)))
}

#[test]
fn the_report_decodes_where_who_which_device_and_when() {
    let mut a = args!["check", "--json"];
    a.extend(GOOD.iter().map(|n| fixture(&video(n)).into_os_string()));
    let report = run_json(&a);
    report.assert_code(1);
    let location = |name: &str, source: &str| {
        let loc = &report.file(name)["location"];
        assert_eq!(loc["source"], source, "{name}: {loc}");
        let (lat, lon) = (loc["lat"].as_f64().unwrap(), loc["lon"].as_f64().unwrap());
        assert!(
            (lat - 52.3702).abs() < 1e-4 && (lon - 4.8952).abs() < 1e-4,
            "{name}: {lat},{lon}"
        );
        assert!(
            loc["place"].as_str().unwrap_or("").contains("Amsterdam"),
            "{name}: {loc}"
        );
        loc.clone()
    };
    location("loci.mp4", "3GPP loci");
    location("loci.3gp", "3GPP loci");
    location("large-size.mp4", "3GPP loci");
    location("size-zero.mov", "QuickTime keys");
    location("xyz.mov", "QuickTime ©xyz");
    location("times-v1.mov", "QuickTime ©xyz");
    location("pcm-audio.mov", "QuickTime ©xyz");
    location("trailer.mp4", "3GPP loci");
    assert_eq!(
        finding(report.file("trailer.mp4"), "TrailerData")["value"],
        "59 bytes after the last box"
    );
    location("xmp.mp4", "XMP");
    let keys = location("apple-keys.mov", "QuickTime keys");
    assert_eq!(keys["alt"], 12.0);
    let gopro = location("gopro-gpmd.mp4", "GoPro GPS track");
    assert_eq!(gopro["alt"], 12.5);
    location("apple-mebx.mov", "Apple location track");
    location("camm.mp4", "CAMM GPS track");

    let f = report.file("apple-keys.mov");
    assert_eq!(
        finding(f, "com.apple.quicktime.model")["value"],
        "iPhone 12"
    );
    assert_eq!(
        finding(f, "com.apple.quicktime.model")["category"],
        "device"
    );
    assert_eq!(
        finding(f, "com.apple.quicktime.author")["category"],
        "people"
    );
    assert_eq!(
        finding(f, "com.apple.quicktime.creationdate")["category"],
        "time"
    );
    let f = report.file("gopro-gpmd.mp4");
    assert_eq!(finding(f, "CameraSerialNumber")["value"], "C3141592653589");
    assert_eq!(finding(f, "GPSTrack")["value"], "6 GPS fixes");
    assert_eq!(finding(f, "GPSDateTime")["value"], "2024:09:02 08:15:30");
    let f = report.file("apple-mebx.mov");
    assert_eq!(finding(f, "GPSTrack")["value"], "3 positions in 3 samples");
    assert_eq!(
        finding(report.file("camm.mp4"), "GPSTrack")["value"],
        "4 GPS fixes in 4 samples"
    );
    assert_eq!(
        finding(report.file("timecode.mov"), "TimeCode")["value"],
        "08:15:30:00"
    );
    let f = report.file("xyz.mov");
    assert_eq!(finding(f, "©ART")["value"], "Jane Parent");
    assert_eq!(finding(f, "©ART")["category"], "people");
    assert_eq!(finding(f, "CreateDate")["value"], "2024:09:02 08:15:30");
    assert_eq!(
        finding(report.file("times-v1.mov"), "TrackCreateDate")["value"],
        "2045:06:01 10:00:00"
    );
    assert_eq!(
        finding(report.file("xmp.mp4"), "photoshop:City")["value"],
        "Haarlem"
    );
    assert_eq!(
        report.summary["serials"],
        serde_json::json!(["C3141592653589"])
    );
}

#[test]
fn damaged_videos_fail_with_no_output() {
    assert_damaged_fixtures_fail("video", DAMAGED);
}

#[test]
fn a_track_of_unknown_kind_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let report = clean_fixtures(tmp.path(), &["bad-unknown-track.mp4"], &[]);
    report.assert_code(3);
    let f = report.file("bad-unknown-track.mp4");
    assert_eq!(f["status"], "refused", "{}", report.describe());
    assert!(f["error"].as_str().unwrap().contains("zzzz"), "{f}");
    assert!(f["output"].is_null());
    assert!(!tmp.path().join("out/bad-unknown-track.mp4").exists());
}

#[test]
fn the_live_photo_track_stays_and_the_location_track_goes() {
    require_ffmpeg();
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let report = clean_fixtures(tmp.path(), &["apple-mebx.mov"], &[]);
    report.assert_code(0);
    let output = report.output("apple-mebx.mov").unwrap();
    let input = tmp.path().join("in/apple-mebx.mov");
    assert_eq!(ffprobe_streams(&input).len(), 4);
    assert_eq!(
        ffprobe_streams(&output).len(),
        3,
        "only the location track goes"
    );
    let tags = exiftool(&output);
    assert!(tags.has_name_anywhere("StillImageTime"), "{}", tags.dump());
    assert!(!tags.has_name_anywhere("GPSLatitude"), "{}", tags.dump());
}

#[test]
fn the_timecode_track_stays_but_reads_midnight() {
    require_ffmpeg();
    let tmp = tempfile::tempdir().unwrap();
    let report = clean_fixtures(tmp.path(), &["timecode.mov"], &[]);
    let output = report.output("timecode.mov").unwrap();
    let before = ffprobe_streams(&tmp.path().join("in/timecode.mov")).join("");
    let after = ffprobe_streams(&output).join("");
    // ffmpeg writes the frames with one digit at 10 frames per second.
    assert!(before.contains("timecode=08:15:30:0\n"), "{before}");
    assert!(after.contains("timecode=00:00:00:0\n"), "{after}");
}

#[test]
fn the_policy_decides_what_goes() {
    require_exiftool();
    let tmp = tempfile::tempdir().unwrap();
    let only = clean_fixtures(&tmp.path().join("a"), &["xyz.mov"], &["--only", "location"]);
    only.assert_code(0);
    let tags = exiftool(&only.output("xyz.mov").unwrap());
    assert!(!tags.has_name_anywhere("GPSCoordinates"), "{}", tags.dump());
    assert_eq!(
        tags.get("UserData", "Artist"),
        Some(&Value::from("Jane Parent"))
    );
    assert_eq!(
        tags.get("QuickTime", "CreateDate"),
        Some(&Value::from("2024:09:02 08:15:30"))
    );
    let f = only.file("xyz.mov");
    assert_eq!(finding(f, "©xyz")["removed"], true);
    assert_eq!(finding(f, "©ART")["removed"], false);

    let keep = clean_fixtures(&tmp.path().join("b"), &["xyz.mov"], &["--keep", "time"]);
    let tags = exiftool(&keep.output("xyz.mov").unwrap());
    assert_eq!(
        tags.get("Track1", "TrackCreateDate"),
        Some(&Value::from("2024:09:02 08:15:30"))
    );
    assert!(!tags.has_name_anywhere("Artist"), "{}", tags.dump());
    assert_eq!(
        finding(keep.file("xyz.mov"), "CreateDate")["removed"],
        false
    );

    // A GPS track carries time stamps: it stays only if location and time
    // both do.
    let keep = clean_fixtures(
        &tmp.path().join("c"),
        &["gopro-gpmd.mp4"],
        &["--keep", "location,time"],
    );
    let tags = exiftool(&keep.output("gopro-gpmd.mp4").unwrap());
    assert!(tags.has_name_anywhere("GPSLatitude"), "{}", tags.dump());
    assert!(
        !tags.has_name_anywhere("CameraSerialNumber"),
        "{}",
        tags.dump()
    );
    let f = keep.file("gopro-gpmd.mp4");
    assert_eq!(finding(f, "GPSTrack")["removed"], false);
    assert_eq!(finding(f, "CameraSerialNumber")["removed"], true);
    let keep = clean_fixtures(
        &tmp.path().join("d"),
        &["gopro-gpmd.mp4"],
        &["--keep", "location"],
    );
    let f = keep.file("gopro-gpmd.mp4");
    assert_eq!(
        finding(f, "GPSTrack")["removed"],
        true,
        "{}",
        list_findings(f)
    );
}

#[test]
fn cleaning_a_cleaned_video_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let first = clean_fixtures(tmp.path(), GOOD, &[]);
    first.assert_code(0);
    let second = run_json(args![
        "clean",
        "--json",
        "--out",
        tmp.path().join("again"),
        tmp.path().join("out")
    ]);
    second.assert_code(0);
    for name in GOOD {
        assert_eq!(
            second.status(name),
            "already-clean",
            "{}",
            second.describe()
        );
        assert_eq!(
            read(&tmp.path().join("out").join(name)),
            read(&tmp.path().join("again").join(name)),
            "{name}: an already-clean video is copied as it is"
        );
    }
    // Cleaning into the same folder again finds identical files there.
    let third = clean_fixtures(tmp.path(), &[], &[]);
    third.assert_code(0);

    let clean = clean_fixtures(&tmp.path().join("clean"), &["clean.mp4"], &[]);
    clean.assert_code(0);
    assert_eq!(clean.status("clean.mp4"), "already-clean");
    assert_eq!(
        read(&clean.output("clean.mp4").unwrap()),
        read(&fixture(&video("clean.mp4")))
    );
    let check = run_json(args!["check", "--json", fixture(&video("clean.mp4"))]);
    check.assert_code(0);
}

#[test]
fn check_reads_and_never_writes() {
    let tmp = tempfile::tempdir().unwrap();
    let input = copy_fixture(&video("gopro-gpmd.mp4"), tmp.path());
    let before = read(&input);
    let report = run_json(args!["check", "--json", &input]);
    report.assert_code(1);
    assert_eq!(report.status("gopro-gpmd.mp4"), "leaks");
    assert_eq!(read(&input), before);
    assert_eq!(files_under(tmp.path()), vec![input]);
}

#[test]
fn in_place_replaces_the_original_with_a_verified_patched_copy() {
    require_ffmpeg();
    let tmp = tempfile::tempdir().unwrap();
    let input = copy_fixture(&video("apple-keys.mov"), tmp.path());
    set_mode(&input, 0o640);
    set_mtime(&input, 1_600_000_000);
    let md5 = stream_md5(&input);
    let len = read(&input).len();
    let report = run_json(args!["clean", "--json", "--in-place", &input]);
    report.assert_code(0);
    assert_eq!(report.status("apple-keys.mov"), "cleaned");
    assert_eq!(mode(&input), 0o640);
    assert_eq!(mtime(&input), 1_600_000_000);
    assert_eq!(read(&input).len(), len);
    assert_eq!(stream_md5(&input), md5);
    assert!(!contains(&read(&input), b"iPhone 12"));
    assert_eq!(
        files_under(tmp.path()),
        vec![input.clone()],
        "no temporary file is left"
    );
    let again = run_json(args!["clean", "--json", "--in-place", &input]);
    again.assert_code(0);
    assert_eq!(again.status("apple-keys.mov"), "already-clean");
    assert_eq!(mtime(&input), 1_600_000_000);
}

#[test]
fn an_existing_different_output_is_not_replaced_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out/loci.mp4");
    fs::create_dir_all(out.parent().unwrap()).unwrap();
    fs::write(&out, b"someone else's file").unwrap();
    let report = clean_fixtures(tmp.path(), &["loci.mp4"], &[]);
    report.assert_code(3);
    assert_eq!(read(&out), b"someone else's file");
    assert_eq!(files_under(&tmp.path().join("out")), vec![out.clone()]);
    let forced = clean_fixtures(tmp.path(), &[], &["--force"]);
    forced.assert_code(0);
    assert_eq!(read(&out).len(), read(&fixture(&video("loci.mp4"))).len());
}

#[test]
fn stdin_and_the_library_give_the_bytes_of_the_file_path() {
    let tmp = tempfile::tempdir().unwrap();
    let report = clean_fixtures(tmp.path(), &["gopro-gpmd.mp4", "apple-keys.mov"], &[]);
    for name in ["gopro-gpmd.mp4", "apple-keys.mov"] {
        let input = read(&fixture(&video(name)));
        let from_file = read(&report.output(name).unwrap());
        let piped = run_stdin(args!["clean", "-"], &input);
        piped.assert_code(0);
        assert!(piped.stdout == from_file, "{name}: stdin output differs");
        let scrubbed = photoscrub_core::scrub(&input, &photoscrub_core::Policy::default()).unwrap();
        assert!(
            scrubbed.bytes == from_file,
            "{name}: library output differs"
        );
        assert_eq!(scrubbed.format, photoscrub_core::Format::Video);
        let scan = photoscrub_core::scan(&from_file).unwrap();
        assert!(scan.findings.is_empty(), "{name}: {:?}", scan.findings);
    }
}

#[test]
fn truncations_and_bit_flips_never_panic() {
    let data = read(&fixture(&video("gopro-gpmd.mp4")));
    let policy = photoscrub_core::Policy::default();
    for len in (0..data.len()).step_by(7) {
        let _ = photoscrub_core::scan(&data[..len]);
        let _ = photoscrub_core::scrub(&data[..len], &policy);
    }
    let mut state = 0x2545_f491_u32;
    for _ in 0..3000 {
        let mut d = data.clone();
        for _ in 0..4 {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let at = state as usize % d.len();
            d[at] ^= (state >> 24) as u8 | 1;
        }
        if let Ok(s) = photoscrub_core::scrub(&d, &policy) {
            assert_eq!(s.bytes.len(), d.len());
        }
    }
}

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("PHOTOSCRUB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate_dir().join("../shared/corpus/real"));
    assert!(
        dir.is_dir(),
        "the real-photo corpus is not at {} (set PHOTOSCRUB_CORPUS)",
        dir.display()
    );
    dir
}

#[test]
#[ignore = "needs the real-photo corpus (../shared/corpus/real or PHOTOSCRUB_CORPUS); run with --ignored"]
fn corpus_videos_clean_and_play() {
    require_exiftool();
    require_ffmpeg();
    let dir = corpus_dir();
    let mut inputs: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
            ["mp4", "mov", "3gp", "m4v"].contains(&ext.to_ascii_lowercase().as_str())
        })
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty(), "no videos in {}", dir.display());
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let mut a = args!["clean", "--json", "--out", out];
    a.extend(inputs.iter().map(|p| p.clone().into_os_string()));
    let report = run_json(&a);
    report.assert_code(0);
    let mut problems = Vec::new();
    for input in &inputs {
        let name = input.file_name().unwrap().to_str().unwrap();
        let file = report.file(name);
        assert_eq!(file["status"], "cleaned", "{}", report.describe());
        assert!(file["location"].is_object(), "{name}: no location found");
        let output = out.join(name);
        if read(input).len() != read(&output).len() {
            problems.push(format!("{name}: the length changed"));
        }
        let errors = ffprobe_errors(&output);
        if !errors.trim().is_empty() {
            problems.push(format!("{name}: ffprobe: {errors}"));
        }
        if stream_md5(input) != stream_md5(&output) {
            problems.push(format!("{name}: the video/audio packets changed"));
        }
        let left = leaks(&exiftool(&output));
        if !left.is_empty() {
            problems.push(format!("{name}: ExifTool still sees {left:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
#[ignore = "writes a 2 GB sparse video and runs benches/video-memory.sh; run with --ignored"]
fn a_two_gigabyte_video_is_cleaned_in_constant_memory() {
    let script = crate_dir().join("benches/video-memory.sh");
    let out = Command::new("bash")
        .arg(&script)
        .env("PHOTOSCRUB", env!("CARGO_BIN_EXE_photoscrub"))
        .output()
        .expect("bash runs");
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
