//! `photoscrub web`: serves the web page (`web/`), bundled into this
//! program when it was built, on 127.0.0.1 only, and opens it in the
//! browser. The page does all the cleaning itself; this server only hands
//! out its files and never sees a photo.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};

/// The page's files, from `web/dist/` at build time (see build.rs).
const FILES: &[(&str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/web_files.rs"));

/// The port tried first: the same address every time, so the browser's
/// offline copy of the page (its service worker) is found again.
pub const DEFAULT_PORT: u16 = 8737;

/// The same rules as the page's own meta tag, plus those only a header
/// can set.
const CSP: &str = "default-src 'self'; connect-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
worker-src 'self'; img-src 'self' blob:; media-src 'self' blob:; style-src 'self'; object-src 'none'; \
base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const NOT_BUILT: &str = "this photoscrub was built without its web page.
To build it: web/build.sh (needs `rustup target add wasm32-unknown-unknown`),
then cargo build --release again. Or serve web/dist/ from any static web server.";

/// Serves the page until the process is stopped; an error if there is no
/// page or no port.
pub fn run(port: Option<u16>, open: bool) -> io::Result<()> {
    if FILES.is_empty() {
        return Err(io::Error::new(io::ErrorKind::NotFound, NOT_BUILT));
    }
    let listener = match port {
        Some(port) => TcpListener::bind((Ipv4Addr::LOCALHOST, port))?,
        None => TcpListener::bind((Ipv4Addr::LOCALHOST, DEFAULT_PORT))
            .or_else(|_| TcpListener::bind((Ipv4Addr::LOCALHOST, 0)))?,
    };
    let port = listener.local_addr()?.port();
    let url = format!("http://127.0.0.1:{port}/");
    println!("photoscrub's page is at {url}");
    println!("Your photos stay in the browser; this only serves the page. Ctrl+C stops it.");
    io::stdout().flush()?;
    if open {
        if let Err(e) = crate::sys::open_with_default_app(std::path::Path::new(&url)) {
            eprintln!("photoscrub: cannot open a browser ({e}); open {url} yourself");
        }
    }
    for stream in listener.incoming().flatten() {
        std::thread::spawn(move || {
            let _ = serve(stream, port);
        });
    }
    Ok(())
}

/// Answers one request and closes the connection.
fn serve(stream: TcpStream, port: u16) -> io::Result<()> {
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?).take(16 << 10);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    let mut host = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("host") {
                host = value.trim().to_string();
            }
        }
    }
    let mut out = stream;
    let mut parts = request.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    // Only this machine's own names: another site cannot reach the server
    // through a name of its own that resolves here (DNS rebinding).
    if ![format!("127.0.0.1:{port}"), format!("localhost:{port}")].contains(&host) {
        return respond(
            &mut out,
            "403 Forbidden",
            "text/plain",
            b"wrong host\n",
            true,
        );
    }
    if method != "GET" && method != "HEAD" {
        return respond(
            &mut out,
            "405 Method Not Allowed",
            "text/plain",
            b"GET only\n",
            true,
        );
    }
    match file(target) {
        Some((name, bytes)) => respond(
            &mut out,
            "200 OK",
            content_type(name),
            bytes,
            method == "GET",
        ),
        None => respond(
            &mut out,
            "404 Not Found",
            "text/plain",
            b"not found\n",
            true,
        ),
    }
}

/// The bundled file a request path names (`/` is the page).
fn file(target: &str) -> Option<(&'static str, &'static [u8])> {
    let path = target.split(['?', '#']).next().unwrap_or("");
    let name = match path.trim_start_matches('/') {
        "" => "index.html",
        name => name,
    };
    FILES.iter().find(|(n, _)| *n == name).copied()
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

fn respond(
    out: &mut TcpStream,
    status: &str,
    kind: &str,
    body: &[u8],
    with_body: bool,
) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Content-Security-Policy: {CSP}\r\nX-Content-Type-Options: nosniff\r\n\
         Referrer-Policy: no-referrer\r\nCross-Origin-Opener-Policy: same-origin\r\n\
         Cache-Control: no-cache\r\nConnection: close\r\n\r\n",
        body.len()
    );
    out.write_all(head.as_bytes())?;
    if with_body {
        out.write_all(body)?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_bundled_files_and_nothing_else() {
        assert_eq!(content_type("engine.wasm"), "application/wasm");
        assert!(file("/../Cargo.toml").is_none());
        assert!(file("/nope.js").is_none());
        if !FILES.is_empty() {
            assert_eq!(file("/").map(|f| f.0), Some("index.html"));
            assert_eq!(file("/app.js?v=1").map(|f| f.0), Some("app.js"));
        }
    }
}
