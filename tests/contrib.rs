//! The files that make photoscrub something a parent can drop photos on:
//! the Linux desktop entry, the macOS droplet's settings, and the licence
//! notices of the release archives. (The Windows side of drag-and-drop is
//! tests/console.rs and tests/wine/console.sh.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{command:?} failed:\n{text}");
    text
}

#[test]
fn the_desktop_entry_is_valid_and_opens_a_terminal_with_the_dropped_files() {
    let entry = repo().join("contrib/linux/photoscrub.desktop");
    let said = run(Command::new("desktop-file-validate").arg(&entry));
    assert!(said.trim().is_empty(), "warnings: {said}");
    let text = std::fs::read_to_string(&entry).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.contains(&"Exec=photoscrub %F"), "{text}");
    assert!(lines.contains(&"Terminal=true"), "{text}");
}

#[test]
fn the_droplet_sets_exactly_the_keys_of_its_plist() {
    let dir = repo().join("contrib/macos");
    let script = "import plistlib, sys\n\
         d = plistlib.load(open(sys.argv[1], 'rb'))\n\
         assert all(isinstance(v, str) and v for v in d.values()), d\n\
         assert d['CFBundleShortVersionString'] == 'VERSION', d\n\
         print(' '.join(d))";
    let keys = run(Command::new("python3")
        .args(["-c", script])
        .arg(dir.join("droplet-keys.plist")));
    let maker = std::fs::read_to_string(dir.join("make-droplet.sh")).unwrap();
    let line = maker
        .lines()
        .find_map(|l| l.strip_prefix("KEYS=\""))
        .expect("make-droplet.sh has a KEYS line");
    assert_eq!(line.trim_end_matches('"'), keys.trim());
    let applescript = std::fs::read_to_string(dir.join("droplet.applescript")).unwrap();
    assert!(applescript.contains("on open droppedItems"));
    // Every path reaches the shell quoted.
    assert!(applescript.contains("quoted form of POSIX path of anItem"));
}

#[test]
fn release_notices_name_the_data_and_every_crate_built_in_for_windows() {
    let out = tempfile::tempdir().unwrap();
    let notices = out.path().join("LICENCES.txt");
    run(Command::new("python3")
        .arg(repo().join("contrib/notices.py"))
        .arg("x86_64-pc-windows-gnu")
        .arg(&notices)
        .current_dir(repo()));
    let text = std::fs::read_to_string(&notices).unwrap();
    assert!(text.contains("GeoNames") && text.contains("CC BY 4.0"));
    assert!(text.contains("Natural Earth") && text.contains("public domain"));
    let listed = |name: &str| {
        text.lines()
            .any(|l| l.starts_with(&format!("{name} ")) && l.contains(": "))
    };
    // Built in for Windows: the crates of the program and windows-sys.
    for name in ["clap", "kamadak-exif", "photoscrub-core", "windows-sys"] {
        assert!(listed(name), "{name} missing");
    }
    // Not built in: test-only crates.
    for name in ["assert_cmd", "proptest", "divan"] {
        assert!(!listed(name), "{name} is a dev-dependency");
    }
    assert!(text.contains("\r\n"), "Windows line ends, for Notepad");
    assert!(
        text.contains("Apache License"),
        "licence texts are included"
    );
    assert!(Path::new(&notices).metadata().unwrap().len() > 50_000);
}
