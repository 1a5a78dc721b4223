//! The HTML report, rendered in a real browser (headless Chromium).
//!
//! The page is loaded from a file with every network request routed to a
//! proxy that is a listener of this test: if the page asked for anything
//! (a script, a font, a map tile), the listener would see it. Chromium makes
//! a few requests of its own (time and update checks to Google) whatever the
//! page; those are learnt from a blank page first and told apart by host.
//! The rendered DOM is then counted: one thumbnail per photo and one map
//! marker per place. Chromium is required (`apt-get install
//! chromium`); without it the test fails, it does not skip.

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};

fn chromium() -> PathBuf {
    [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
    .expect("headless Chromium is needed for the HTML report test: apt-get install chromium")
}

/// A proxy that records the host of every request (and never answers).
fn recording_proxy() -> (u16, Arc<Mutex<BTreeSet<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let hosts = Arc::new(Mutex::new(BTreeSet::new()));
    let seen = hosts.clone();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            stream
                .set_read_timeout(Some(std::time::Duration::from_secs(2)))
                .ok();
            let mut head = [0u8; 512];
            let n = stream.read(&mut head).unwrap_or(0);
            seen.lock()
                .unwrap()
                .insert(request_host(&String::from_utf8_lossy(&head[..n])));
        }
    });
    (port, hosts)
}

/// `GET http://host/path HTTP/1.1` or `CONNECT host:443 HTTP/1.1` → host.
fn request_host(request: &str) -> String {
    let target = request.split_whitespace().nth(1).unwrap_or("?");
    let target = target
        .trim_start_matches("http://")
        .trim_start_matches("https://");
    target.split(['/', ':']).next().unwrap_or("?").to_string()
}

fn hosts_contacted(page: &Path, profile: &Path) -> BTreeSet<String> {
    let (port, hosts) = recording_proxy();
    browse(
        page,
        port,
        profile,
        &["--dump-dom", "--virtual-time-budget=3000"],
    );
    std::thread::sleep(std::time::Duration::from_millis(500));
    let hosts = hosts.lock().unwrap().clone();
    hosts
}

/// Runs headless Chromium on `page` with `extra` arguments; returns stdout.
fn browse(page: &Path, proxy_port: u16, profile: &Path, extra: &[&str]) -> String {
    let out = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--allow-file-access-from-files",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--proxy-server=http://127.0.0.1:{proxy_port}"))
        .arg("--proxy-bypass-list=<-loopback>")
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn html_report_renders_offline_with_a_thumbnail_per_photo_and_a_marker_per_place() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let photos = common::fixture("samples");
    let out = common::run([
        "check",
        "--html",
        page.to_str().unwrap(),
        photos.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "samples have leaks: {}", out.stderr);
    let html = std::fs::read_to_string(&page).unwrap();

    // The page itself names no external resource: only links to OSM.
    for attr in [
        "src=\"http",
        "href=\"//",
        "@import",
        "url(",
        "<script",
        "<link",
    ] {
        assert!(
            !html.contains(attr),
            "page must be self-contained, found {attr}"
        );
    }

    let blank = dir.path().join("blank.html");
    std::fs::write(&blank, "<!DOCTYPE html><html><body>blank</body></html>").unwrap();
    let chromium_own = hosts_contacted(&blank, &dir.path().join("profile0"));
    let from_report = hosts_contacted(&page, &dir.path().join("profile1"));
    let extra: Vec<_> = from_report.difference(&chromium_own).collect();
    assert!(extra.is_empty(), "opening the report contacted {extra:?}");
    for host in &from_report {
        assert!(
            !html.contains(host.as_str()),
            "the page names {host}, which was contacted"
        );
    }

    let (port, _) = recording_proxy();
    let dom = browse(
        &page,
        port,
        &dir.path().join("profile2"),
        &["--dump-dom", "--virtual-time-budget=3000"],
    );
    let screenshot = dir.path().join("shot.png");
    browse(
        &page,
        port,
        &dir.path().join("profile3"),
        &[
            &format!("--screenshot={}", screenshot.display()),
            "--window-size=1100,1600",
        ],
    );

    let count = |needle: &str| dom.matches(needle).count();
    // Four sample photos, all decodable: four thumbnails.
    assert_eq!(count("class=\"thumb\""), 4, "one thumbnail per photo");
    // Three of them carry GPS, two at the same place: two markers on the
    // map, holding three photos between them, drawn over land.
    assert_eq!(count("class=\"marker\""), 2, "one marker per place");
    let photos: usize = dom
        .split("data-photos=\"")
        .skip(1)
        .map(|rest| rest.split('"').next().unwrap().parse::<usize>().unwrap())
        .sum();
    assert_eq!(photos, 3, "the markers count every located photo");
    assert!(
        dom.contains("class=\"land\" d=\"M"),
        "the map draws land, not a blank box"
    );
    // Two were taken ~30 m apart on different days: one repeated place, circled.
    assert_eq!(
        count("class=\"repeated\""),
        1,
        "the repeated place is circled"
    );
    assert!(
        dom.contains("A place you return to"),
        "the warning stands in the page"
    );
    assert!(
        dom.contains("openstreetmap.org/?mlat=52.38"),
        "points link to OpenStreetMap"
    );

    let shot = image::open(&screenshot)
        .expect("chromium wrote a screenshot")
        .to_rgb8();
    assert_eq!(shot.width(), 1100);
    let distinct: std::collections::HashSet<_> = shot.pixels().step_by(97).map(|p| p.0).collect();
    assert!(
        distinct.len() > 50,
        "the screenshot shows a rendered page, not a blank one"
    );
}

#[test]
fn html_report_works_for_clean_and_lists_failures() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    for name in ["full.jpg", "truncated.jpg", "clean.jpg"] {
        std::fs::copy(common::fixture(&format!("jpeg/{name}")), input.join(name)).unwrap();
    }
    let page = dir.path().join("report.html");
    let out_dir = dir.path().join("out");
    let out = common::run([
        "clean",
        "--out",
        out_dir.to_str().unwrap(),
        "--html",
        page.to_str().unwrap(),
        input.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 3, "the truncated file fails");
    let html = std::fs::read_to_string(&page).unwrap();
    assert_eq!(
        html.matches("<section class=\"card\">").count(),
        3,
        "every file has a card"
    );
    assert!(html.contains("truncated"), "the failure is listed");
    assert!(
        html.contains("in Amsterdam"),
        "full.jpg's place is named: {}",
        &html[..html.len().min(3000)]
    );
    assert!(
        html.contains("class=\"removed\""),
        "findings say they were removed"
    );
}
