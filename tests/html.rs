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
    for name in ["full.jpg", "truncated-header.jpg", "clean.jpg"] {
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

// ---------------------------------------------------------------------------
// Layout in a real browser, driven over WebDriver (chromedriver)
// ---------------------------------------------------------------------------

/// A headless Chromium session behind chromedriver, spoken to over plain
/// HTTP/JSON (the WebDriver protocol); the process ends with the value.
struct Browser {
    driver: std::process::Child,
    port: u16,
    session: String,
}

impl Browser {
    fn start(width: u32, height: u32) -> Browser {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let driver = std::process::Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("chromedriver is required (apt-get install chromium-driver)");
        let mut browser = Browser {
            driver,
            port,
            session: String::new(),
        };
        let mut options = serde_json::json!({
            "binary": "/usr/bin/chromium",
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                     "--hide-scrollbars", format!("--window-size={width},{height}")]
        });
        // A desktop window is at least 500 px wide: a phone is emulated.
        if width < 500 {
            options["mobileEmulation"] = serde_json::json!({
                "deviceMetrics": {"width": width, "height": height, "pixelRatio": 1.0}
            });
        }
        let caps = serde_json::json!({"capabilities": {"alwaysMatch": {
            "goog:chromeOptions": options
        }}});
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let reply = browser.call("POST", "/session", &caps);
        browser.session = reply["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no WebDriver session: {reply}"))
            .to_string();
        browser
    }

    fn call(&self, method: &str, path: &str, body: &serde_json::Value) -> serde_json::Value {
        use std::io::{Read, Write};
        let body = body.to_string();
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        // chromedriver keeps the connection open: read the head, then
        // exactly Content-Length bytes.
        let mut reader = std::io::BufReader::new(stream);
        let mut length = 0;
        loop {
            let mut line = String::new();
            std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap();
                }
            }
        }
        let mut json = vec![0; length];
        reader.read_exact(&mut json).unwrap();
        serde_json::from_slice(&json)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&json)))
    }

    fn open(&self, page: &Path) {
        let url = format!("file://{}", page.display());
        self.call(
            "POST",
            &format!("/session/{}/url", self.session),
            &serde_json::json!({ "url": url }),
        );
    }

    fn eval(&self, script: &str) -> serde_json::Value {
        self.call(
            "POST",
            &format!("/session/{}/execute/sync", self.session),
            &serde_json::json!({"script": script, "args": []}),
        )["value"]
            .clone()
    }

    /// A PNG of the viewport.
    fn screenshot(&self) -> Vec<u8> {
        let reply = self.call(
            "GET",
            &format!("/session/{}/screenshot", self.session),
            &serde_json::json!({}),
        );
        base64_decode(reply["value"].as_str().expect("a screenshot"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        _ => 63,
    };
    let digits: Vec<u8> = text
        .bytes()
        .filter(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
        .map(value)
        .collect();
    digits
        .chunks(4)
        .flat_map(|c| {
            let n = c
                .iter()
                .enumerate()
                .fold(0u32, |n, (i, &d)| n | (u32::from(d) << (18 - 6 * i)));
            let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
            bytes.into_iter().take(c.len().saturating_sub(1))
        })
        .collect()
}

/// The report at a desktop width and at a phone's: both screenshots are
/// taken (and kept in the test's folder while it runs), the map is drawn,
/// and at 390 px nothing is wider than the screen.
#[test]
fn html_report_fits_a_phone_screen_and_a_desktop() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    let photos = common::fixture("samples");
    let out = common::run([
        "check",
        "--html",
        page.to_str().unwrap(),
        photos.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    for width in [1280u32, 390] {
        let browser = Browser::start(width, 900);
        browser.open(&page);
        let widths = browser.eval(
            "return [document.documentElement.scrollWidth, window.innerWidth, \
             document.querySelectorAll('#map path.land').length, \
             document.querySelectorAll('.card').length]",
        );
        let [scroll, inner, land, cards] = [0, 1, 2, 3].map(|i| widths[i].as_u64().unwrap());
        assert_eq!(inner, u64::from(width), "the window is {width} px wide");
        assert!(
            scroll <= inner,
            "at {width} px the page is {scroll} px wide: it overflows"
        );
        assert_eq!(land, 1, "the map draws land");
        assert_eq!(cards, 4, "one card per photo");
        let shot = browser.screenshot();
        let picture = image::load_from_memory(&shot).expect("the screenshot is a PNG");
        assert_eq!(picture.width(), width);
        std::fs::write(dir.path().join(format!("report-{width}.png")), &shot).unwrap();
    }
}

/// Where screenshots are kept for a person to look at.
fn screenshot_dir() -> PathBuf {
    let dir = common::crate_dir()
        .join("target")
        .join("report-screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The height of `page` in CSS pixels at `width`, and its horizontal
/// overflow; a screenshot of the top is kept as `name-WIDTH.png`.
fn measure(page: &Path, width: u32, name: &str) -> (u64, bool) {
    let browser = Browser::start(width, 900);
    browser.open(page);
    let sizes = browser.eval(
        "return [document.documentElement.scrollHeight, \
         document.documentElement.scrollWidth, window.innerWidth]",
    );
    let [height, scroll, inner] = [0, 1, 2].map(|i| sizes[i].as_u64().unwrap());
    let shot = browser.screenshot();
    std::fs::write(screenshot_dir().join(format!("{name}-{width}.png")), &shot).unwrap();
    (height, scroll > inner)
}

/// The Dutch report on a phone: in Dutch, nothing wider than the screen;
/// the screenshot is kept in target/report-screenshots/.
#[test]
fn html_report_in_dutch_fits_a_phone() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("rapport.html");
    let photos = common::fixture("samples");
    let out = common::run([
        "check",
        "--lang",
        "nl",
        "--html",
        page.to_str().unwrap(),
        photos.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let html = std::fs::read_to_string(&page).unwrap();
    assert!(html.contains("<html lang=\"nl\">"));
    let (_, overflows) = measure(&page, 390, "samples-nl");
    assert!(!overflows, "the Dutch page is wider than a phone");
}

/// The page-length bound per photo, summary and map included, on a
/// desktop (cards side by side) and on a phone (one card per row).
/// Measured on the corpus: 119 and 295 px (the report before compact
/// cards: 1,800 px per photo at 1280 px).
const CORPUS_PAGE_PX_PER_CARD: [(u32, u64); 2] = [(1280, 140), (390, 330)];

/// The report of the whole real corpus (84 files) stays a page a parent
/// scrolls through (see [`CORPUS_PAGE_PX_PER_CARD`]).
#[test]
#[ignore = "needs the real-photo corpus (../shared/corpus/real or PHOTOSCRUB_CORPUS); run with --ignored"]
fn html_report_of_the_corpus_is_compact() {
    let corpus = std::env::var_os("PHOTOSCRUB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::crate_dir().join("../shared/corpus/real"));
    assert!(corpus.is_dir(), "no corpus at {}", corpus.display());
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("corpus.html");
    common::run([
        "check",
        "--lang",
        "nl",
        "--html",
        page.to_str().unwrap(),
        corpus.to_str().unwrap(),
    ]);
    let html = std::fs::read_to_string(&page).unwrap();
    let cards = html.matches("<section class=\"card\"").count() as u64;
    assert!(cards >= 80, "{cards} cards");
    for (width, per_card) in CORPUS_PAGE_PX_PER_CARD {
        let (height, overflows) = measure(&page, width, "corpus-nl");
        eprintln!("corpus report at {width} px: {height} px tall for {cards} cards");
        assert!(!overflows, "at {width} px the page overflows");
        assert!(
            height <= cards * per_card,
            "at {width} px the page is {height} px tall for {cards} photos"
        );
    }
}
