//! Shared helpers for the integration tests: run photoscrub, read its JSON
//! report, and check its outputs against independent oracles — ExifTool for
//! what metadata is left, the `image` crate for the pixels.
//!
//! ExifTool is required. A test that needs it and does not find it fails with
//! a message saying how to install it; it never skips.

#![allow(dead_code)]

use assert_cmd::Command;
use serde_json::Value;
use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/// The crate's root folder.
pub fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `fixtures/<rel>`.
pub fn fixture(rel: &str) -> PathBuf {
    crate_dir().join("fixtures").join(rel)
}

/// The valid JPEG fixtures in `fixtures/jpeg` (each must clean successfully).
pub const VALID_JPEGS: &[&str] = &[
    "full.jpg",
    "gps-south-west.jpg",
    "gps-west.jpg",
    "gps-zero.jpg",
    "gps-bad-rational.jpg",
    "mpf.jpg",
    "motion.jpg",
    "trailer.jpg",
    "cmyk.jpg",
    "progressive.jpg",
    "vendor.jpg",
    "makernote.jpg",
    "extended-xmp.jpg",
    "photoshop-thumb.jpg",
    "clean.jpg",
    "orientation-only.jpg",
];

/// Fixtures whose cleaned form is the file itself, byte for byte.
/// (`orientation-only.jpg` holds nothing identifying, but its EXIF is not
/// in the rebuilt form: it is rewritten, and removes nothing.)
pub const ALREADY_CLEAN_JPEGS: &[&str] = &["clean.jpg"];

/// The damaged files in `fixtures/jpeg` that cannot be cleaned (each must
/// fail, with no output). `truncated.jpg` (cut in its image data) and
/// `exif-bad-offset.jpg` (a damaged EXIF block) are salvaged: see
/// `tests/salvage.rs`.
pub const BAD_JPEGS: &[&str] = &[
    "empty.jpg",
    "random.jpg",
    "truncated-header.jpg",
    "segment-past-end.jpg",
];

/// Strings that identify a person, a place or a device in the fixtures. Where
/// an input holds one, the cleaned output must not hold it anywhere.
pub const SECRETS: &[&str] = &[
    "52.3702",
    "4.8952",
    "Jane Parent",
    "Oak Street",
    "Haarlem",
    "Noord-Holland",
    "Netherlands",
    "Leiden",
    "Utrecht",
    "Berlin",
    "Emma",
    "Noah",
    "BODY123456",
    "LENS987654",
    "KDK-000417",
    "VENDORTRAILER",
    "Canon",
    "Pixel 7",
    "Firmware Version",
    "PhotoApp",
    "school",
    "ftyp",
    "GCamera",
    "MicroVideo",
    "Photoshop 3.0",
    "http://ns.adobe.com/xap/1.0/",
    "http://ns.adobe.com/xmp/extension/",
    "FLIR",
    "SCALADO",
    "RMETA",
    "PrintIM",
    "Ducky",
    "[picture info]",
    "JFXX",
    "AROT",
    "jumb",
    "Samsung text",
];

/// Copies `fixtures/<rel>` into `dir` (created if needed) under its own file
/// name and returns the copy's path.
pub fn copy_fixture(rel: &str, dir: &Path) -> PathBuf {
    let src = fixture(rel);
    fs::create_dir_all(dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let dst = dir.join(src.file_name().unwrap());
    fs::copy(&src, &dst)
        .unwrap_or_else(|e| panic!("cannot copy {} to {}: {e}", src.display(), dst.display()));
    dst
}

/// Copies `fixtures/<rel>` to exactly `dst` (parents created).
pub fn copy_fixture_to(rel: &str, dst: &Path) -> PathBuf {
    let src = fixture(rel);
    if let Some(parent) = dst.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::copy(&src, dst)
        .unwrap_or_else(|e| panic!("cannot copy {} to {}: {e}", src.display(), dst.display()));
    dst.to_path_buf()
}

/// Reads a file, with its name in the panic message.
pub fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Every regular file under `dir`, recursively, sorted (symlinks not followed).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// Whether `needle` occurs in `hay`.
pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

// ---------------------------------------------------------------------------
// Running photoscrub
// ---------------------------------------------------------------------------

/// A `Vec<OsString>` of command-line arguments from `&str`s, paths, strings.
#[macro_export]
macro_rules! args {
    ($($a:expr),* $(,)?) => {
        vec![$(::std::ffi::OsString::from(::std::convert::AsRef::<::std::ffi::OsStr>::as_ref(&$a))),*]
    };
}

/// What one run of photoscrub did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
    pub args: Vec<String>,
}

impl Run {
    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// stdout and stderr together (for the human report).
    pub fn text(&self) -> String {
        format!("{}\n{}", self.stdout_str(), self.stderr)
    }

    /// A description of the run for assertion messages.
    pub fn describe(&self) -> String {
        let mut stdout = self.stdout_str();
        if stdout.chars().count() > 6000 {
            stdout = stdout.chars().take(6000).collect::<String>() + "…";
        }
        format!(
            "photoscrub {}\n  exit code: {}\n  stdout: {}\n  stderr: {}",
            self.args.join(" "),
            self.code,
            stdout,
            self.stderr
        )
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) {
        assert_eq!(self.code, code, "unexpected exit code\n{}", self.describe());
    }
}

/// A `photoscrub` command for the binary under test, speaking English
/// whatever the locale of the machine running the tests.
pub fn photoscrub() -> Command {
    let mut cmd =
        Command::cargo_bin("photoscrub").expect("the photoscrub binary is built by cargo test");
    cmd.env("LC_ALL", "C.UTF-8");
    cmd
}

fn finish(mut cmd: Command, args: Vec<String>) -> Run {
    let out = cmd.output().expect("photoscrub runs");
    Run {
        code: out
            .status
            .code()
            .unwrap_or_else(|| panic!("photoscrub {} was killed by a signal", args.join(" "))),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        args,
    }
}

fn arg_strings<I, S>(args: I) -> (Vec<std::ffi::OsString>, Vec<String>)
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let os: Vec<std::ffi::OsString> = args
        .into_iter()
        .map(|a| a.as_ref().to_os_string())
        .collect();
    let shown = os
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    (os, shown)
}

/// Runs photoscrub with `args` (no standard input).
pub fn run<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let (os, shown) = arg_strings(args);
    let mut cmd = photoscrub();
    cmd.args(&os).write_stdin(Vec::new());
    finish(cmd, shown)
}

/// Runs photoscrub with `args` in the working folder `dir`.
pub fn run_in<I, S>(dir: &Path, args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let (os, shown) = arg_strings(args);
    let mut cmd = photoscrub();
    cmd.current_dir(dir).args(&os).write_stdin(Vec::new());
    finish(cmd, shown)
}

/// Runs photoscrub with `args` and `input` on standard input.
pub fn run_stdin<I, S>(args: I, input: &[u8]) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let (os, shown) = arg_strings(args);
    let mut cmd = photoscrub();
    cmd.args(&os).write_stdin(input.to_vec());
    finish(cmd, shown)
}

/// A parsed JSON Lines report.
#[derive(Debug)]
pub struct Report {
    pub run: Run,
    /// The per-file objects, in order.
    pub files: Vec<Value>,
    /// The closing `"type":"summary"` object.
    pub summary: Value,
}

/// Parses JSON Lines: every non-empty line is a JSON object; the last one is
/// the only `"type":"summary"` object; the `"type":"file"` ones are the
/// files.
pub fn parse_json_lines(text: &str, context: &str) -> (Vec<Value>, Value) {
    let mut objects = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).unwrap_or_else(|e| {
            panic!(
                "line {} of the JSON report does not parse ({e}): {line}\n{context}",
                i + 1
            )
        });
        assert!(
            v.is_object(),
            "line {} is not a JSON object: {line}\n{context}",
            i + 1
        );
        objects.push(v);
    }
    let summary = objects
        .pop()
        .unwrap_or_else(|| panic!("the JSON report is empty\n{context}"));
    assert_eq!(
        summary["type"], "summary",
        "the last JSON line must be the summary object\n{context}"
    );
    for o in &objects {
        assert_ne!(
            o["type"], "summary",
            "only the last line may be a summary\n{context}"
        );
    }
    // `skipped` and `note` lines (clean, check) are not files.
    objects.retain(|o| o["type"] == "file");
    (objects, summary)
}

/// Runs photoscrub with `args` (which should include `--json`) and parses
/// the JSON Lines on stdout.
pub fn run_json<I, S>(args: I) -> Report
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let run = run(args);
    let (files, summary) = parse_json_lines(&run.stdout_str(), &run.describe());
    Report {
        run,
        files,
        summary,
    }
}

/// Like [`run_json`], in the working folder `dir`.
pub fn run_json_in<I, S>(dir: &Path, args: I) -> Report
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let run = run_in(dir, args);
    let (files, summary) = parse_json_lines(&run.stdout_str(), &run.describe());
    Report {
        run,
        files,
        summary,
    }
}

impl Report {
    /// The one file object whose `path` ends with `name` (whole components).
    #[track_caller]
    pub fn file(&self, name: &str) -> &Value {
        let found: Vec<&Value> = self
            .files
            .iter()
            .filter(|f| {
                f["path"]
                    .as_str()
                    .is_some_and(|p| Path::new(p).ends_with(name))
            })
            .collect();
        match found.as_slice() {
            [one] => one,
            _ => panic!(
                "expected exactly one file object whose path ends with {name:?}, found {}\n{}",
                found.len(),
                self.run.describe()
            ),
        }
    }

    /// Whether a file object's path ends with `name`.
    pub fn has_file(&self, name: &str) -> bool {
        self.files.iter().any(|f| {
            f["path"]
                .as_str()
                .is_some_and(|p| Path::new(p).ends_with(name))
        })
    }

    /// The `status` of the file ending with `name`.
    #[track_caller]
    pub fn status(&self, name: &str) -> String {
        self.file(name)["status"]
            .as_str()
            .unwrap_or("<no status>")
            .to_string()
    }

    /// The `output` of the file ending with `name`, if any.
    #[track_caller]
    pub fn output(&self, name: &str) -> Option<PathBuf> {
        self.file(name)["output"].as_str().map(PathBuf::from)
    }

    #[track_caller]
    pub fn assert_code(&self, code: i32) {
        self.run.assert_code(code)
    }

    pub fn describe(&self) -> String {
        self.run.describe()
    }
}

/// The findings of a file object.
pub fn findings(file: &Value) -> Vec<&Value> {
    file["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("findings is not an array: {file}"))
        .iter()
        .collect()
}

/// A short listing of findings for messages.
pub fn list_findings(file: &Value) -> String {
    let mut s = String::new();
    for f in findings(file) {
        let _ = writeln!(
            s,
            "  {} | {} | {} | {} | removed={}",
            f["category"].as_str().unwrap_or("?"),
            f["block"].as_str().unwrap_or("?"),
            f["tag"].as_str().unwrap_or("?"),
            f["value"]
                .as_str()
                .unwrap_or("?")
                .chars()
                .take(80)
                .collect::<String>(),
            f["removed"]
        );
    }
    s
}

// ---------------------------------------------------------------------------
// ExifTool: the independent reader
// ---------------------------------------------------------------------------

const INSTALL_EXIFTOOL: &str =
    "exiftool is required by these tests and was not found or does not run: \
install libimage-exiftool-perl (apt-get install libimage-exiftool-perl)";

/// Panics with install instructions if exiftool cannot be run.
pub fn require_exiftool() {
    match std::process::Command::new("exiftool").arg("-ver").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "{INSTALL_EXIFTOOL} (exiftool -ver: {})",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("{INSTALL_EXIFTOOL} ({e})"),
    }
}

/// One tag as ExifTool reports it with `-G3:0:1`.
#[derive(Clone, Debug)]
pub struct Tag {
    /// The embedded document (`Doc1`, `Doc2`, …), `None` for the main one.
    pub doc: Option<String>,
    /// Family 0 group, e.g. `EXIF`, `XMP`, `MakerNotes`, `File`.
    pub family0: String,
    /// Family 1 group, e.g. `IFD0`, `GPS`, `XMP-dc`, `Canon`.
    pub family1: String,
    pub name: String,
    pub value: Value,
    pub key: String,
}

impl Tag {
    /// Whether this tag is in group `g` (family 0 or 1).
    pub fn in_group(&self, g: &str) -> bool {
        self.family0 == g || self.family1 == g
    }
}

/// Everything ExifTool reports for one file.
#[derive(Clone, Debug)]
pub struct Tags {
    pub source: String,
    pub tags: Vec<Tag>,
}

impl Tags {
    fn parse(obj: &Value) -> Tags {
        let map = obj.as_object().expect("exiftool -j gives objects");
        let source = map
            .get("SourceFile")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let mut tags = Vec::new();
        for (key, value) in map {
            let mut parts: Vec<&str> = key.split(':').collect();
            let Some(name) = parts.pop() else { continue };
            if parts.is_empty() {
                continue; // SourceFile
            }
            let doc = if parts[0].starts_with("Doc")
                && parts[0][3..].starts_with(|c: char| c.is_ascii_digit())
            {
                Some(parts.remove(0).to_string())
            } else {
                None
            };
            if parts.is_empty() {
                continue;
            }
            let family0 = parts[0].to_string();
            let family1 = parts.get(1).copied().unwrap_or(parts[0]).to_string();
            tags.push(Tag {
                doc,
                family0,
                family1,
                name: name.to_string(),
                value: value.clone(),
                key: key.clone(),
            });
        }
        Tags { source, tags }
    }

    /// The value of `name` in group `group` (family 0 or 1) of the main document.
    pub fn get(&self, group: &str, name: &str) -> Option<&Value> {
        self.tags
            .iter()
            .find(|t| t.doc.is_none() && t.in_group(group) && t.name == name)
            .map(|t| &t.value)
    }

    /// Whether the main document has `name` in `group`.
    pub fn has(&self, group: &str, name: &str) -> bool {
        self.get(group, name).is_some()
    }

    /// Whether any document has a tag named `name` (in any group).
    pub fn has_name_anywhere(&self, name: &str) -> bool {
        self.tags.iter().any(|t| t.name == name)
    }

    /// All tags matching `pred`.
    pub fn find(&self, pred: impl Fn(&Tag) -> bool) -> Vec<&Tag> {
        self.tags.iter().filter(|t| pred(t)).collect()
    }

    /// IFD0 Orientation of the main image, as a number.
    pub fn orientation(&self) -> Option<i64> {
        self.get("IFD0", "Orientation").and_then(Value::as_i64)
    }

    /// A listing of all tags, for messages.
    pub fn dump(&self) -> String {
        let mut s = String::new();
        for t in &self.tags {
            if t.family0 == "File" && t.family1 == "System" {
                continue;
            }
            let mut v = t.value.to_string();
            if v.len() > 100 {
                v = v.chars().take(100).collect::<String>() + "…";
            }
            let _ = writeln!(s, "    {} = {v}", t.key);
        }
        s
    }
}

fn run_exiftool(options: &[&str], paths: &[PathBuf]) -> Vec<Value> {
    assert!(!paths.is_empty());
    let out = std::process::Command::new("exiftool")
        .args(options)
        .args(paths)
        .output()
        .unwrap_or_else(|e| panic!("{INSTALL_EXIFTOOL} ({e})"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let parsed: Vec<Value> = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "exiftool {} {:?} gave no JSON ({e}).\nstdout: {stdout}\nstderr: {}",
            options.join(" "),
            paths,
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(
        parsed.len(),
        paths.len(),
        "exiftool reported {} files for {} paths\nstderr: {}",
        parsed.len(),
        paths.len(),
        String::from_utf8_lossy(&out.stderr)
    );
    parsed
}

/// `exiftool -j -a -G3:0:1 -n -ee` on each of `paths` (one exiftool run).
/// `-G3:0:1` is `-G1` plus the family 0 group (for `MakerNotes`, `XMP`) and
/// the embedded document (`Doc2:` for an MPF image, so it is not merged into
/// the main image's tags).
pub fn exiftool_many(paths: &[PathBuf]) -> Vec<Tags> {
    run_exiftool(&["-j", "-a", "-G3:0:1", "-n", "-ee"], paths)
        .iter()
        .map(Tags::parse)
        .collect()
}

/// [`exiftool_many`] for one file.
pub fn exiftool(path: &Path) -> Tags {
    exiftool_many(&[path.to_path_buf()]).remove(0)
}

/// The ICC profile of each file (`exiftool -b -ICC_Profile`, base64 in JSON),
/// or `None` when it has none.
pub fn icc_many(paths: &[PathBuf]) -> Vec<Option<String>> {
    run_exiftool(&["-j", "-b", "-ICC_Profile"], paths)
        .iter()
        .map(|o| {
            o.get("ICC_Profile").map(|v| {
                v.as_str()
                    .map(String::from)
                    .unwrap_or_else(|| v.to_string())
            })
        })
        .collect()
}

/// [`icc_many`] for one file.
pub fn icc(path: &Path) -> Option<String> {
    icc_many(&[path.to_path_buf()]).remove(0)
}

/// Whether ExifTool's ICC tag `name` is one a colour engine reads: the
/// header fields that select a conversion, white and black points,
/// colorants, tone curves, chromatic adaptation, chromaticities and lookup
/// tables. (photoscrub rebuilds profiles: their text, private tags and
/// device fields go, so the bytes differ but these must not.)
fn is_icc_colour_tag(name: &str) -> bool {
    const NAMES: &[&str] = &[
        "ProfileVersion",
        "ProfileClass",
        "ColorSpaceData",
        "ProfileConnectionSpace",
        "RenderingIntent",
        "ConnectionSpaceIlluminant",
        "MediaWhitePoint",
        "MediaBlackPoint",
        "RedMatrixColumn",
        "GreenMatrixColumn",
        "BlueMatrixColumn",
        "RedTRC",
        "GreenTRC",
        "BlueTRC",
        "GrayTRC",
        "ChromaticAdaptation",
        "Luminance",
        "Gamut",
    ];
    NAMES.contains(&name)
        || ["AToB", "BToA", "Chromaticity"]
            .iter()
            .any(|p| name.starts_with(p))
}

/// The colour tags of each file's ICC profile as ExifTool reads them (see
/// [`is_icc_colour_tag`]), as one comparable text, or `None` when it has
/// no profile.
pub fn icc_colours_many(paths: &[PathBuf]) -> Vec<Option<String>> {
    run_exiftool(&["-j", "-b", "-ICC_Profile:all"], paths)
        .iter()
        .map(|o| {
            let tags = o.as_object()?;
            let colours: Vec<String> = tags
                .iter()
                .filter(|(k, _)| is_icc_colour_tag(k))
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            (!colours.is_empty()).then(|| colours.join("\n"))
        })
        .collect()
}

/// [`icc_colours_many`] for one file.
pub fn icc_colours(path: &Path) -> Option<String> {
    icc_colours_many(&[path.to_path_buf()]).remove(0)
}

// ---------------------------------------------------------------------------
// Pixels: the image crate as the independent decoder
// ---------------------------------------------------------------------------

/// Decodes `bytes` (format from the content) to RGB8, with no size limit.
pub fn decode_bytes(bytes: &[u8]) -> Result<image::RgbImage, String> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    reader.no_limits();
    reader
        .decode()
        .map(|i| i.to_rgb8())
        .map_err(|e| e.to_string())
}

/// Decodes the file at `path` to RGB8.
pub fn decode(path: &Path) -> Result<image::RgbImage, String> {
    decode_bytes(&read(path)).map_err(|e| format!("{}: {e}", path.display()))
}

/// Panics unless both files decode to the same dimensions and pixels.
#[track_caller]
pub fn assert_same_pixels(original: &Path, cleaned: &Path) {
    if let Some(why) = pixel_difference(original, cleaned) {
        panic!("{why}");
    }
}

/// Why the two files' pixels differ, or `None` if they are identical.
pub fn pixel_difference(original: &Path, cleaned: &Path) -> Option<String> {
    let a = match decode(original) {
        Ok(a) => a,
        Err(e) => {
            return Some(format!(
                "the original does not decode with the image crate: {e}"
            ))
        }
    };
    let b = match decode(cleaned) {
        Ok(b) => b,
        Err(e) => {
            return Some(format!(
                "the cleaned file does not decode with the image crate: {e}"
            ))
        }
    };
    if a.dimensions() != b.dimensions() {
        return Some(format!(
            "dimensions differ: original {:?}, cleaned {:?} ({})",
            a.dimensions(),
            b.dimensions(),
            cleaned.display()
        ));
    }
    if a.as_raw() != b.as_raw() {
        let first = a
            .as_raw()
            .iter()
            .zip(b.as_raw())
            .position(|(x, y)| x != y)
            .unwrap_or(0);
        return Some(format!(
            "pixels differ (first at byte {first} of {}): {} vs {}",
            a.as_raw().len(),
            original.display(),
            cleaned.display()
        ));
    }
    None
}

// ---------------------------------------------------------------------------
// The default-policy oracle
// ---------------------------------------------------------------------------

/// Family 0 groups a default-cleaned JPEG may still have, per ExifTool.
const ALLOWED_FAMILY0: &[&str] = &[
    "ExifTool",
    "File",
    "JFIF",
    "EXIF",
    "ICC_Profile",
    "APP14",
    "Composite",
];

/// EXIF IFDs a cleaned JPEG may have (no GPS, no IFD1 thumbnail).
const ALLOWED_EXIF_IFDS: &[&str] = &["IFD0", "ExifIFD", "InteropIFD"];

/// EXIF tags that only help show the picture right (the allowlist).
pub const ALLOWED_EXIF_TAGS: &[&str] = &[
    "Orientation",
    "XResolution",
    "YResolution",
    "ResolutionUnit",
    "YCbCrPositioning",
    "YCbCrCoefficients",
    "YCbCrSubSampling",
    "ReferenceBlackWhite",
    "WhitePoint",
    "PrimaryChromaticities",
    "Gamma",
    "ExifVersion",
    "ComponentsConfiguration",
    "FlashpixVersion",
    "ColorSpace",
    "ExifImageWidth",
    "ExifImageHeight",
    "InteropIndex",
    "InteropVersion",
];

/// Tags that must not be anywhere in a default-cleaned file.
const FORBIDDEN_NAMES: &[&str] = &[
    "Make",
    "Model",
    "Software",
    "Artist",
    "Copyright",
    "SerialNumber",
    "LensSerialNumber",
    "InternalSerialNumber",
    "OwnerName",
    "CameraOwnerName",
    "ImageUniqueID",
    "DateTimeOriginal",
    "CreateDate",
    "ModifyDate",
    "Comment",
    "ImageDescription",
    "UserComment",
    "ThumbnailImage",
    "PreviewImage",
    "EmbeddedVideo",
    "MakerNote",
];

/// Groups (family 0 or 1) that must not be anywhere in a default-cleaned file.
const FORBIDDEN_GROUPS: &[&str] = &[
    "GPS",
    "IFD1",
    "IPTC",
    "Photoshop",
    "MakerNotes",
    "MPF",
    "XMP",
    "JFXX",
];

/// What ExifTool still finds in a default-cleaned file that the allowlist
/// does not allow: embedded documents, groups other than JFIF / minimal EXIF /
/// ICC / Adobe APP14, identifying tags, EXIF tags not needed for rendering.
pub fn allowlist_violations(tout: &Tags) -> Vec<String> {
    let mut bad = Vec::new();
    for t in &tout.tags {
        if t.family0 == "ICC_Profile" {
            continue;
        }
        if let Some(doc) = &t.doc {
            bad.push(format!(
                "embedded document {doc} left: {} = {}",
                t.key, t.value
            ));
            continue;
        }
        if !ALLOWED_FAMILY0.contains(&t.family0.as_str()) {
            bad.push(format!(
                "group {} is not allowlisted: {} = {}",
                t.family0, t.key, t.value
            ));
        }
        if FORBIDDEN_GROUPS.iter().any(|g| t.in_group(g)) || t.family1.starts_with("XMP-") {
            bad.push(format!("tag in a forbidden group: {} = {}", t.key, t.value));
        }
        if FORBIDDEN_NAMES.contains(&t.name.as_str()) || t.name.starts_with("GPS") {
            bad.push(format!("identifying tag left: {} = {}", t.key, t.value));
        }
        if t.family0 == "EXIF" {
            if !ALLOWED_EXIF_IFDS.contains(&t.family1.as_str()) {
                bad.push(format!("EXIF IFD {} left: {}", t.family1, t.key));
            } else if !ALLOWED_EXIF_TAGS.contains(&t.name.as_str()) {
                bad.push(format!(
                    "EXIF tag not needed for rendering left: {} = {}",
                    t.key, t.value
                ));
            }
        }
        if t.family0 == "APP14" && t.family1 != "Adobe" {
            bad.push(format!("non-Adobe APP14 left: {}", t.key));
        }
    }
    bad
}

/// What is wrong with `output` as the default-policy cleaning of `original`:
/// checked with ExifTool (metadata left, Orientation, ICC, Adobe APP14), the
/// image crate (pixels) and the raw bytes (JPEG end, identifying strings).
pub fn default_clean_violations(original: &Path, output: &Path) -> Vec<String> {
    let mut bad = Vec::new();
    let orig_bytes = read(original);
    let out_bytes = read(output);
    let both = [original.to_path_buf(), output.to_path_buf()];
    let mut tags = exiftool_many(&both);
    let (tin, tout) = (tags.remove(0), tags.remove(0));

    bad.extend(allowlist_violations(&tout));

    if tin.orientation() != tout.orientation() {
        bad.push(format!(
            "Orientation changed: input {:?}, output {:?}",
            tin.orientation(),
            tout.orientation()
        ));
    }
    for name in ["ColorTransform", "DCTEncodeVersion"] {
        let (a, b) = (tin.get("Adobe", name), tout.get("Adobe", name));
        if a != b {
            bad.push(format!(
                "Adobe APP14 {name} changed: input {a:?}, output {b:?}"
            ));
        }
    }
    let mut iccs = icc_colours_many(&both);
    let (icc_in, icc_out) = (iccs.remove(0), iccs.remove(0));
    if icc_in != icc_out {
        bad.push(format!(
            "ICC profile colours differ: input {icc_in:?}, output {icc_out:?}"
        ));
    }

    if let Some(why) = pixel_difference(original, output) {
        bad.push(why);
    }
    if !out_bytes.starts_with(&[0xFF, 0xD8]) {
        bad.push("output does not start with FF D8".into());
    }
    if !out_bytes.ends_with(&[0xFF, 0xD9]) {
        bad.push(format!(
            "output does not end with FF D9 (last bytes {:02X?})",
            &out_bytes[out_bytes.len().saturating_sub(8)..]
        ));
    }
    for s in SECRETS {
        if contains(&orig_bytes, s.as_bytes()) && contains(&out_bytes, s.as_bytes()) {
            bad.push(format!("the string {s:?} is still in the output bytes"));
        }
    }
    if !bad.is_empty() {
        bad.push(format!("ExifTool on the output:\n{}", tout.dump()));
    }
    bad
}

/// Panics unless `output` is a correct default-policy cleaning of `original`.
#[track_caller]
pub fn assert_default_clean(original: &Path, output: &Path) {
    let bad = default_clean_violations(original, output);
    assert!(
        bad.is_empty(),
        "{} is not a correct cleaning of {}:\n  - {}",
        output.display(),
        original.display(),
        bad.join("\n  - ")
    );
}

// ---------------------------------------------------------------------------
// Findings vs. ExifTool
// ---------------------------------------------------------------------------

/// The ExifTool (group, name) that a finding of photoscrub's report stands
/// for, where the mapping is certain. `None`: not checked.
pub fn exiftool_key_for(finding: &Value) -> Option<(String, String)> {
    let block = finding["block"].as_str()?;
    let tag = finding["tag"].as_str()?;
    if block.starts_with("MPF") || block.contains("trailer") {
        return None;
    }
    let exif_name = |t: &str| -> String {
        match t {
            "DateTime" => "ModifyDate",
            "DateTimeDigitized" => "CreateDate",
            "BodySerialNumber" => "SerialNumber",
            "CameraOwnerName" => "OwnerName",
            "PixelXDimension" => "ExifImageWidth",
            "PixelYDimension" => "ExifImageHeight",
            "ThumbnailImage" | "JPEGInterchangeFormat" => "ThumbnailImage",
            other => other,
        }
        .to_string()
    };
    if let Some(ifd) = block.strip_prefix("EXIF ") {
        let group = match ifd {
            "IFD0" | "ExifIFD" | "GPS" | "IFD1" | "InteropIFD" => ifd.to_string(),
            "Exif" | "EXIF" => "ExifIFD".to_string(),
            "Interop" => "InteropIFD".to_string(),
            "Thumbnail" => "IFD1".to_string(),
            _ => return None,
        };
        if tag == "MakerNote" {
            return Some(("MakerNotes".into(), "*".into()));
        }
        return Some((group, exif_name(tag)));
    }
    if block == "COM" && tag == "Comment" {
        return Some(("File".into(), "Comment".into()));
    }
    if block.starts_with("XMP") {
        let (prefix, local) = tag.split_once(':')?;
        let prefix = match prefix {
            "Iptc4xmpCore" => "iptcCore",
            "Iptc4xmpExt" => "iptcExt",
            p => p,
        };
        let mut name = local.to_string();
        if let Some(first) = name.get(0..1) {
            name = first.to_uppercase() + &name[1..];
        }
        return Some((format!("XMP-{prefix}"), name));
    }
    if block.starts_with("IPTC") {
        return Some(("IPTC".into(), tag.to_string()));
    }
    None
}

/// Whether `tags` has the tag a finding maps to.
fn tags_have(tags: &Tags, group: &str, name: &str) -> bool {
    if name == "*" {
        return tags
            .tags
            .iter()
            .any(|t| t.doc.is_none() && t.in_group(group));
    }
    tags.has(group, name)
}

/// Checks every finding that maps to an ExifTool tag present in the input:
/// `removed: true` ⇒ ExifTool no longer sees it in the output, `removed:
/// false` ⇒ ExifTool still sees it. Returns the mismatches and how many
/// findings were checked.
pub fn removed_flag_mismatches(file: &Value, input: &Tags, output: &Tags) -> (Vec<String>, usize) {
    let mut bad = Vec::new();
    let mut checked = 0;
    for f in findings(file) {
        let Some((group, name)) = exiftool_key_for(f) else {
            continue;
        };
        if !tags_have(input, &group, &name) {
            continue;
        }
        checked += 1;
        let removed = f["removed"].as_bool().expect("removed is a bool");
        let present = tags_have(output, &group, &name);
        if removed == present {
            bad.push(format!(
                "finding {} {} ({}) says removed={removed}, but ExifTool {} {group}:{name} in the output",
                f["block"], f["tag"], f["category"],
                if present { "still sees" } else { "no longer sees" }
            ));
        }
    }
    (bad, checked)
}

// ---------------------------------------------------------------------------
// File metadata
// ---------------------------------------------------------------------------

/// Sets a file's modification (and access) time to `secs` since the epoch.
pub fn set_mtime(path: &Path, secs: i64) {
    let t = filetime::FileTime::from_unix_time(secs, 0);
    filetime::set_file_times(path, t, t)
        .unwrap_or_else(|e| panic!("cannot set times of {}: {e}", path.display()));
}

/// A file's modification time, as seconds since the epoch.
pub fn mtime(path: &Path) -> i64 {
    let meta = fs::metadata(path).unwrap_or_else(|e| panic!("cannot stat {}: {e}", path.display()));
    filetime::FileTime::from_last_modification_time(&meta).unix_seconds()
}

/// A file's permission bits.
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("cannot stat {}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

/// Sets a file's permission bits.
pub fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// Cleans each damaged fixture `folder/name` with `--json` and requires, for
/// each: exit code 3, status `failed`, an error that says `why`, and no
/// output file.
#[track_caller]
pub fn assert_damaged_fixtures_fail(folder: &str, cases: &[(&str, &str)]) {
    let tmp = tempfile::tempdir().unwrap();
    let out_dir = tmp.path().join("out");
    for (name, why) in cases {
        let input = copy_fixture(&format!("{folder}/{name}"), &tmp.path().join("in"));
        let report = run_json(args!["clean", "--json", "--out", out_dir, input]);
        report.assert_code(3);
        let file = report.file(name);
        assert_eq!(file["status"], "failed", "{name}\n{}", report.describe());
        let error = file["error"].as_str().unwrap_or("");
        assert!(
            error.contains(why),
            "{name}: error {error:?} should say {why:?}"
        );
        assert!(file["output"].is_null(), "{name}: {file}");
        assert!(
            !out_dir.join(name).exists(),
            "{name}: an output was written"
        );
    }
}

/// Each secret string that the original held and the output still holds.
pub fn secrets_left<'a>(
    original: &[u8],
    output: &[u8],
    secrets: impl IntoIterator<Item = &'a &'a str>,
) -> Vec<String> {
    secrets
        .into_iter()
        .filter(|s| contains(original, s.as_bytes()) && contains(output, s.as_bytes()))
        .map(|s| format!("the string {s:?} is still in the output"))
        .collect()
}

/// Fails with every violation listed, if there is any.
#[track_caller]
pub fn assert_no_violations(original: &Path, output: &Path, bad: &[String]) {
    assert!(
        bad.is_empty(),
        "{} is not a correct cleaning of {}:\n  - {}",
        output.display(),
        original.display(),
        bad.join("\n  - ")
    );
}

/// The MD5 of the video and audio packets (stream copy: nothing decoded).
pub fn stream_md5(path: &Path) -> String {
    let out = std::process::Command::new("ffmpeg")
        .args(["-v", "error", "-nostdin", "-i"])
        .arg(path)
        .args([
            "-map", "0:v?", "-map", "0:a?", "-c", "copy", "-f", "md5", "-",
        ])
        .output()
        .expect("ffmpeg is required: apt-get install ffmpeg");
    let md5 = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        md5.starts_with("MD5="),
        "ffmpeg gave no stream hash for {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    md5
}
