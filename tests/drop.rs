//! Drag-and-drop that forgives: what happens when a parent drops the same
//! folder again, its parent, its `cleaned/` folder, a folder and a file in
//! it, files that are not photos, or a folder that cannot be written.
//!
//! Each test runs the binary as a drop does (`photoscrub PATH...`, no
//! options) with `HOME` set to a folder of the test's own, so the Pictures
//! folder is the test's. The read-only folder is a real read-only tmpfs
//! mount (as a locked memory card gives): tests run as root in CI, and
//! root ignores file permissions, but not a read-only filesystem. Mounting
//! needs root; a failed mount fails the test, it is never skipped.

mod common;

use common::*;
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

/// A test's own home folder with a configured Pictures folder, and a
/// folder of photos in it.
struct Desk {
    tmp: tempfile::TempDir,
}

impl Desk {
    fn new() -> Desk {
        let desk = Desk {
            tmp: tempfile::tempdir().unwrap(),
        };
        fs::create_dir_all(desk.home().join(".config")).unwrap();
        fs::create_dir_all(desk.home().join("Bilder")).unwrap();
        // As xdg-user-dirs writes it (here in Dutch: the folder is not
        // called Pictures).
        fs::write(
            desk.home().join(".config/user-dirs.dirs"),
            "# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR=\"$HOME/Bureaublad\"\nXDG_PICTURES_DIR=\"$HOME/Bilder\"\n",
        )
        .unwrap();
        desk
    }

    fn home(&self) -> PathBuf {
        self.tmp.path().join("home")
    }

    fn pictures(&self) -> PathBuf {
        self.home().join("Bilder")
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.tmp.path().join(rel)
    }

    /// `Holiday/` with the four sample photos.
    fn holiday(&self) -> PathBuf {
        let dir = self.path("Holiday");
        for name in SAMPLES {
            copy_fixture_to(&format!("samples/{name}"), &dir.join(name));
        }
        dir
    }

    /// Runs `photoscrub ARGS` as a drop would, with this desk's home.
    fn drop_on<I, S>(&self, args: I) -> Outcome
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let args: Vec<std::ffi::OsString> =
            args.into_iter().map(|a| a.as_ref().to_owned()).collect();
        let mut cmd = photoscrub();
        cmd.env("HOME", self.home())
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("XDG_PICTURES_DIR")
            .env("NO_COLOR", "1")
            .args(&args);
        let out = cmd.output().unwrap();
        Outcome {
            code: out.status.code().expect("not killed"),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

const SAMPLES: [&str; 4] = [
    "IMG_20240728_154233.jpg",
    "IMG_20240914_093012.jpg",
    "IMG_20240921_081547.jpg",
    "IMG_20241005_170405.jpg",
];

struct Outcome {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Outcome {
    fn describe(&self) -> String {
        format!(
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }

    /// The JSON lines of a `--json` run.
    fn lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    fn of_type(&self, kind: &str) -> Vec<Value> {
        self.lines()
            .into_iter()
            .filter(|l| l["type"] == kind)
            .collect()
    }

    fn summary(&self) -> Value {
        let mut summaries = self.of_type("summary");
        assert_eq!(summaries.len(), 1, "{}", self.describe());
        summaries.remove(0)
    }
}

/// Every file under `dir`, relative to it, sorted.
fn tree(dir: &Path) -> Vec<String> {
    files_under(dir)
        .iter()
        .map(|p| p.strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect()
}

/// What ExifTool reads in `path`: the named tags, as JSON.
fn exiftool_tags(path: &Path) -> Value {
    require_exiftool();
    let out = Process::new("exiftool")
        .args(["-j", "-G", "-a"])
        .arg(path)
        .output()
        .unwrap();
    let all: Value = serde_json::from_slice(&out.stdout).unwrap();
    all[0].clone()
}

fn has_tag(tags: &Value, suffix: &str) -> bool {
    tags.as_object()
        .unwrap()
        .keys()
        .any(|k| k.ends_with(&format!(":{suffix}")))
}

fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path).unwrap().ino()
}

// ---------------------------------------------------------------------------
// The same folder again
// ---------------------------------------------------------------------------

/// A photo edited after its folder was cleaned (turned upright, and a
/// name added): dropping the folder again replaces photoscrub's own older
/// copy, without `--force`, exit 0. The new copy has the new orientation
/// and no name.
#[test]
fn a_changed_photo_replaces_its_own_older_copy() {
    let desk = Desk::new();
    let holiday = desk.holiday();
    let first = desk.drop_on([&holiday]);
    assert_eq!(first.code, 0, "{}", first.describe());
    let copy = holiday.join("cleaned").join(SAMPLES[0]);
    let old_copy = fs::read(&copy).unwrap();

    let photo = holiday.join(SAMPLES[0]);
    let edit = Process::new("exiftool")
        .args([
            "-q",
            "-overwrite_original",
            "-Orientation#=6",
            "-Artist=Grandma Edit",
        ])
        .arg(&photo)
        .status()
        .unwrap();
    assert!(edit.success());
    let again = desk.drop_on(["--json".as_ref(), holiday.as_os_str()]);
    assert_eq!(again.code, 0, "{}", again.describe());
    let summary = again.summary();
    assert_eq!(summary["files"], 4, "{summary}");
    assert_eq!(summary["failed"], 0, "{summary}");
    let new_copy = fs::read(&copy).unwrap();
    assert!(new_copy != old_copy, "the copy was replaced");
    let tags = exiftool_tags(&copy);
    assert_eq!(tags["EXIF:Orientation"], "Rotate 90 CW", "{tags}");
    assert!(!has_tag(&tags, "Artist"), "{tags}");
    assert!(!has_tag(&tags, "GPSLatitude"), "{tags}");
    // The three other copies were identical and left as they were.
    assert_eq!(
        tree(&holiday.join("cleaned")).len(),
        5,
        "4 copies and the marker"
    );
}

/// Dropping an unchanged folder again writes nothing: the copies keep
/// their inodes, exit 0, the marker list does not grow.
#[test]
fn dropping_an_unchanged_folder_again_changes_nothing() {
    let desk = Desk::new();
    let holiday = desk.holiday();
    assert_eq!(desk.drop_on([&holiday]).code, 0);
    let cleaned = holiday.join("cleaned");
    let inodes: Vec<u64> = SAMPLES.iter().map(|n| inode(&cleaned.join(n))).collect();
    let marker = fs::read(cleaned.join(".photoscrub")).unwrap();
    let again = desk.drop_on([&holiday]);
    assert_eq!(again.code, 0, "{}", again.describe());
    let after: Vec<u64> = SAMPLES.iter().map(|n| inode(&cleaned.join(n))).collect();
    assert_eq!(inodes, after, "no copy was rewritten");
    assert_eq!(fs::read(cleaned.join(".photoscrub")).unwrap(), marker);
    assert!(
        again.stdout.contains("4 files: 4 cleaned"),
        "{}",
        again.describe()
    );
    let said = format!(
        "The cleaned copies are in {}",
        fs::canonicalize(&cleaned).unwrap().display()
    );
    assert!(again.stdout.contains(&said), "{}", again.describe());
}

/// A file in `cleaned/` that photoscrub did not write (or that was
/// edited after) is never replaced: that photo fails with advice, the
/// file stays byte for byte, the rest of the folder is cleaned.
#[test]
fn a_file_photoscrub_did_not_write_is_never_replaced() {
    let desk = Desk::new();
    let holiday = desk.holiday();
    assert_eq!(desk.drop_on([&holiday]).code, 0);
    let cleaned = holiday.join("cleaned");
    // One copy swapped for a parent's own file, one edited after cleaning.
    fs::write(cleaned.join(SAMPLES[1]), b"my own picture").unwrap();
    let edited = cleaned.join(SAMPLES[2]);
    let mut bytes = fs::read(&edited).unwrap();
    bytes.extend_from_slice(b"an editor's extra bytes");
    fs::write(&edited, &bytes).unwrap();
    for name in &SAMPLES[..3] {
        let photo = holiday.join(name);
        let status = Process::new("exiftool")
            .args(["-q", "-overwrite_original", "-Orientation#=3"])
            .arg(&photo)
            .status()
            .unwrap();
        assert!(status.success());
    }
    let again = desk.drop_on(["--json".as_ref(), holiday.as_os_str()]);
    assert_eq!(again.code, 3, "{}", again.describe());
    assert_eq!(
        fs::read(cleaned.join(SAMPLES[1])).unwrap(),
        b"my own picture"
    );
    assert_eq!(fs::read(&edited).unwrap(), bytes);
    let files = again.of_type("file");
    let failed: Vec<&Value> = files.iter().filter(|f| f["status"] == "failed").collect();
    assert_eq!(failed.len(), 2, "{}", again.describe());
    for f in failed {
        assert_eq!(f["error_kind"], "io", "{f}");
        let advice = f["advice"].as_str().unwrap();
        assert!(advice.contains("photoscrub did not make it"), "{f}");
        assert!(advice.contains("Move or rename that file"), "{f}");
    }
    // The first photo's own copy was replaced.
    let tags = exiftool_tags(&cleaned.join(SAMPLES[0]));
    assert_eq!(tags["EXIF:Orientation"], "Rotate 180", "{tags}");
    // In the text report: the advice, not the technical detail.
    let text = desk.drop_on([&holiday]);
    assert!(
        text.stdout.contains("did not make it"),
        "{}",
        text.describe()
    );
    assert!(!text.stdout.contains("--force"), "{}", text.describe());
    let verbose = desk.drop_on(["-v".as_ref(), holiday.as_os_str()]);
    assert!(
        verbose.stdout.contains("detail: ") && verbose.stdout.contains("already exists"),
        "{}",
        verbose.describe()
    );
}

// ---------------------------------------------------------------------------
// Folders of cleaned copies
// ---------------------------------------------------------------------------

/// Dropping the parent of a cleaned folder never walks into
/// `Holiday/cleaned/` (no `cleaned/Holiday/cleaned/`): it is named as
/// skipped, and only the 4 originals are counted.
#[test]
fn a_parent_dropped_after_its_child_was_cleaned_does_not_nest() {
    let desk = Desk::new();
    let holiday = desk.holiday();
    assert_eq!(desk.drop_on([&holiday]).code, 0);
    let trips = desk.path("");
    let run = desk.drop_on(["--json".as_ref(), trips.as_os_str()]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert_eq!(run.summary()["files"], 4, "{}", run.describe());
    let skipped = run.of_type("skipped");
    assert!(
        skipped.iter().any(|s| s["reason"] == "cleaned-folder"
            && s["path"].as_str().unwrap().ends_with("Holiday/cleaned")),
        "{}",
        run.describe()
    );
    let outer: Vec<String> = tree(&trips.join("cleaned"));
    let expected: Vec<String> = std::iter::once(".photoscrub".to_string())
        .chain(SAMPLES.iter().map(|n| format!("Holiday/{n}")))
        .collect();
    assert_eq!(outer, expected);
}

/// Dropping a `cleaned/` folder (or a copy in it) cleans nothing again
/// and makes no `cleaned/cleaned/`; each is named with its reason; exit 0.
#[test]
fn a_cleaned_folder_dropped_does_not_nest() {
    let desk = Desk::new();
    let holiday = desk.holiday();
    assert_eq!(desk.drop_on([&holiday]).code, 0);
    let cleaned = holiday.join("cleaned");
    let before = tree(&cleaned);
    let copy = cleaned.join(SAMPLES[0]);
    let run = desk.drop_on(["--json".as_ref(), cleaned.as_os_str(), copy.as_os_str()]);
    assert_eq!(run.code, 0, "{}", run.describe());
    assert_eq!(tree(&cleaned), before, "nothing written in cleaned/");
    let skipped = run.of_type("skipped");
    let reasons: Vec<&str> = skipped
        .iter()
        .map(|s| s["reason"].as_str().unwrap())
        .collect();
    assert_eq!(
        reasons,
        ["cleaned-folder", "in-cleaned-folder"],
        "{}",
        run.describe()
    );
    assert_eq!(run.summary()["files"], 0);
    let text = desk.drop_on([&cleaned]);
    assert!(
        text.stdout
            .contains("cleaned copies photoscrub made before"),
        "{}",
        text.describe()
    );
    // `check` still reads them: a parent may want to see they are clean.
    let check = desk.drop_on(["check".as_ref(), "--json".as_ref(), cleaned.as_os_str()]);
    assert_eq!(check.code, 0, "{}", check.describe());
    assert_eq!(check.summary()["already_clean"], 4, "{}", check.describe());
}

// ---------------------------------------------------------------------------
// A file reached twice
// ---------------------------------------------------------------------------

/// A folder and a photo inside it: 4 photos, not 5; the second path is
/// named as a duplicate of the first.
#[test]
fn a_folder_and_a_file_inside_it_count_the_file_once() {
    let desk = Desk::new();
    let holiday = desk.holiday();
    let photo = holiday.join(SAMPLES[2]);
    let run = desk.drop_on(["--json".as_ref(), holiday.as_os_str(), photo.as_os_str()]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let summary = run.summary();
    assert_eq!(summary["files"], 4, "{summary}");
    assert_eq!(summary["cleaned"], 4, "{summary}");
    let skipped = run.of_type("skipped");
    assert_eq!(skipped.len(), 1, "{}", run.describe());
    assert_eq!(skipped[0]["reason"], "duplicate");
    assert!(skipped[0]["same_as"]
        .as_str()
        .unwrap()
        .ends_with(SAMPLES[2]));
    let text = desk.drop_on([&photo, &holiday]);
    assert!(
        text.stdout.contains("4 files: 4 cleaned; 1 skipped"),
        "{}",
        text.describe()
    );
}

/// The same folder twice (once through a symlink, once with a trailing
/// `/.`), and a hard link to a photo inside it: 4 photos cleaned once.
#[test]
fn the_same_folder_twice_and_hard_links_are_done_once() {
    let desk = Desk::new();
    let holiday = desk.holiday();
    fs::hard_link(holiday.join(SAMPLES[0]), holiday.join("zz-same-photo.jpg")).unwrap();
    let link = desk.path("Holiday-link");
    std::os::unix::fs::symlink(&holiday, &link).unwrap();
    let run = desk.drop_on([
        "--json".as_ref(),
        holiday.as_os_str(),
        link.as_os_str(),
        holiday.join(".").as_os_str(),
    ]);
    assert_eq!(run.code, 0, "{}", run.describe());
    let summary = run.summary();
    assert_eq!(summary["files"], 4, "{summary}");
    assert_eq!(summary["cleaned"], 4, "{summary}");
    assert_eq!(summary["skipped"], 3, "{summary}");
    assert!(run
        .of_type("skipped")
        .iter()
        .all(|s| s["reason"] == "duplicate"));
    assert_eq!(
        tree(&holiday.join("cleaned")).len(),
        5,
        "4 copies and the marker"
    );
}

// ---------------------------------------------------------------------------
// Files that are not photos
// ---------------------------------------------------------------------------

/// A PDF, a text file, a ZIP and unknown bytes dropped alone: each named
/// with its reason in the text and in JSON; exit 0 (nothing failed); the
/// end of the run says no copies were made.
#[test]
fn files_that_are_not_photos_are_named_with_their_reason() {
    let desk = Desk::new();
    let inbox = desk.path("inbox");
    fs::create_dir_all(&inbox).unwrap();
    let files = [
        (
            "form.pdf",
            b"%PDF-1.7\n%\xe2\xe3\n".to_vec(),
            "a PDF document",
        ),
        ("notes.txt", b"pick up at 3\n".to_vec(), "a text file"),
        (
            "photos.zip",
            b"PK\x03\x04\x14\x00\x00\x00".to_vec(),
            "a ZIP archive",
        ),
        (
            "blob",
            vec![0x42; 64],
            "not a photo or video photoscrub knows",
        ),
    ];
    let paths: Vec<PathBuf> = files
        .iter()
        .map(|(name, bytes, _)| {
            let p = inbox.join(name);
            fs::write(&p, bytes).unwrap();
            p
        })
        .collect();
    let text = desk.drop_on(&paths);
    assert_eq!(text.code, 0, "{}", text.describe());
    for (path, (_, _, kind)) in paths.iter().zip(&files) {
        let line = format!("{}: skipped — ", path.display());
        let said = text.stdout.lines().find(|l| l.starts_with(&line));
        assert!(
            said.is_some_and(|l| l.contains(kind)),
            "{kind}\n{}",
            text.describe()
        );
    }
    assert!(
        text.stdout.contains("No cleaned copies were made."),
        "{}",
        text.describe()
    );
    assert!(!inbox.join("cleaned").exists());

    let mut args = vec![std::ffi::OsString::from("--json")];
    args.extend(paths.iter().map(|p| p.as_os_str().to_owned()));
    let json = desk.drop_on(&args);
    assert_eq!(json.code, 0, "{}", json.describe());
    let skipped = json.of_type("skipped");
    assert_eq!(skipped.len(), 4, "{}", json.describe());
    for (event, (name, _, kind)) in skipped.iter().zip(&files) {
        assert!(event["path"].as_str().unwrap().ends_with(name), "{event}");
        assert_eq!(event["reason"], "not-a-photo", "{event}");
        assert_eq!(event["schema"], 1, "{event}");
        assert!(event["message"].as_str().unwrap().contains(kind), "{event}");
    }
    assert_eq!(json.summary()["skipped"], 4);
    assert_eq!(json.summary()["output_folders"], serde_json::json!([]));
}

// ---------------------------------------------------------------------------
// A folder that cannot be written
// ---------------------------------------------------------------------------

/// A tmpfs mounted for one test; unmounted when dropped.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(at: &Path) -> Mount {
        fs::create_dir_all(at).unwrap();
        let out = Process::new("mount")
            .args(["-t", "tmpfs", "-o", "size=4m", "tmpfs"])
            .arg(at)
            .output()
            .unwrap_or_else(|e| panic!("cannot run mount (this test needs root): {e}"));
        assert!(
            out.status.success(),
            "mounting a tmpfs failed (this test needs root): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Mount(at.to_path_buf())
    }

    fn read_only(&self) {
        let out = Process::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Process::new("umount").arg(&self.0).status();
    }
}

/// A locked memory card: its folder cannot be written. The copies go to
/// `photoscrub-cleaned/DCIM` in the Pictures folder (found through
/// `user-dirs.dirs`), a note says so before the files and the end says
/// where they are; exit 0, no option typed. Dropped again, the same
/// folder is used.
#[test]
fn a_read_only_folder_sends_the_copies_to_pictures_and_says_so() {
    let desk = Desk::new();
    let card = desk.path("card");
    let mount = Mount::tmpfs(&card);
    let dcim = card.join("DCIM");
    for name in SAMPLES {
        copy_fixture_to(&format!("samples/{name}"), &dcim.join(name));
    }
    mount.read_only();
    let target = desk.pictures().join("photoscrub-cleaned/DCIM");

    let text = desk.drop_on([&dcim]);
    assert_eq!(text.code, 0, "{}", text.describe());
    let note = format!(
        "The folder {} can't be changed (it may be on a locked memory card or a phone) — the cleaned copies are in {} instead.",
        dcim.display(),
        target.display()
    );
    assert!(text.stdout.starts_with(&note), "{}", text.describe());
    let end = format!("The cleaned copies are in {}", target.display());
    assert!(
        text.stdout.trim_end().ends_with(&end),
        "{}",
        text.describe()
    );
    for name in SAMPLES {
        let tags = exiftool_tags(&target.join(name));
        assert!(!has_tag(&tags, "GPSLatitude"), "{name}: {tags}");
        assert_eq!(
            fs::read(dcim.join(name)).unwrap(),
            read(&fixture(&format!("samples/{name}")))
        );
    }

    let json = desk.drop_on(["--json".as_ref(), dcim.as_os_str()]);
    assert_eq!(json.code, 0, "{}", json.describe());
    let notes = json.of_type("note");
    assert_eq!(notes.len(), 1, "{}", json.describe());
    assert_eq!(notes[0]["message"], note.as_str());
    let summary = json.summary();
    assert_eq!(summary["files"], 4, "{summary}");
    assert_eq!(summary["output_folders"][0], target.to_str().unwrap());
    for file in json.of_type("file") {
        let output = file["output"].as_str().unwrap();
        assert!(Path::new(output).starts_with(&target), "{file}");
    }
    assert_eq!(
        fs::read_dir(desk.pictures().join("photoscrub-cleaned"))
            .unwrap()
            .count(),
        1,
        "the second drop used the same folder"
    );
}

// ---------------------------------------------------------------------------
// Messages for people
// ---------------------------------------------------------------------------

/// A damaged photo says what happened and what to do; the byte-level
/// detail is shown with --verbose and is in JSON (`error`).
#[test]
fn a_damaged_photo_says_what_to_do_and_keeps_the_detail_for_verbose() {
    let desk = Desk::new();
    let inbox = desk.path("inbox");
    fs::create_dir_all(&inbox).unwrap();
    // A JPEG whose first segment claims more bytes than the file has.
    let photo = inbox.join("cut.jpg");
    fs::write(&photo, b"\xFF\xD8\xFF\xE1\x2A\x6F\x45\x78\x69\x66\x00\x00").unwrap();
    let text = desk.drop_on([&photo]);
    assert_eq!(text.code, 3, "{}", text.describe());
    assert!(
        text.stdout.contains("This photo is damaged")
            && text
                .stdout
                .contains("copy it from your phone or camera again"),
        "{}",
        text.describe()
    );
    assert!(!text.stdout.contains("detail:"), "{}", text.describe());
    let verbose = desk.drop_on(["-v".as_ref(), photo.as_os_str()]);
    assert!(
        verbose.stdout.contains("detail: "),
        "{}",
        verbose.describe()
    );
    let json = desk.drop_on(["--json".as_ref(), photo.as_os_str()]);
    let file = &json.of_type("file")[0];
    assert_eq!(file["error_kind"], "damaged", "{file}");
    assert!(!file["error"].as_str().unwrap().is_empty());
    assert!(
        file["advice"].as_str().unwrap().contains("damaged"),
        "{file}"
    );
}

/// The sentences of a drop are said in the chosen language: a text file
/// skipped and a damaged photo, with `--lang nl` and with `--lang en`;
/// JSON stays English under `--lang nl`.
#[test]
fn skipped_and_damaged_files_are_explained_in_the_chosen_language() {
    let desk = Desk::new();
    let inbox = desk.path("inbox");
    fs::create_dir_all(&inbox).unwrap();
    let note = inbox.join("boodschappen.txt");
    fs::write(&note, b"melk, brood\n").unwrap();
    let photo = inbox.join("cut.jpg");
    fs::write(&photo, b"\xFF\xD8\xFF\xE1\x2A\x6F\x45\x78\x69\x66\x00\x00").unwrap();
    let said_in = |lang: &str| {
        let run = desk.drop_on([
            "--lang".as_ref(),
            lang.as_ref(),
            note.as_os_str(),
            photo.as_os_str(),
        ]);
        assert_eq!(run.code, 3, "{}", run.describe());
        run
    };
    let dutch = said_in("nl");
    for sentence in [
        "geen foto of video (een tekstbestand); met rust gelaten",
        "Deze foto is beschadigd",
        "Kopieer hem opnieuw van je telefoon of camera",
        "Er zijn geen opgeschoonde kopieën gemaakt.",
    ] {
        assert!(
            dutch.stdout.contains(sentence),
            "{sentence}\n{}",
            dutch.describe()
        );
    }
    assert!(
        !dutch.stdout.contains("This photo is damaged"),
        "{}",
        dutch.describe()
    );
    let english = said_in("en");
    for sentence in [
        "not a photo or video (a text file); left as it is",
        "This photo is damaged",
        "No cleaned copies were made.",
    ] {
        assert!(
            english.stdout.contains(sentence),
            "{sentence}\n{}",
            english.describe()
        );
    }
    assert!(
        !english.stdout.contains("beschadigd"),
        "{}",
        english.describe()
    );
    let json = desk.drop_on(
        ["--lang", "nl", "--json"]
            .iter()
            .map(std::ffi::OsStr::new)
            .chain([note.as_os_str(), photo.as_os_str()]),
    );
    let skip = &json.of_type("skipped")[0];
    assert_eq!(
        skip["message"], "not a photo or video (a text file); left as it is",
        "{skip}"
    );
    let file = &json.of_type("file")[0];
    assert!(
        file["advice"]
            .as_str()
            .unwrap()
            .starts_with("This photo is damaged"),
        "{file}"
    );
}
