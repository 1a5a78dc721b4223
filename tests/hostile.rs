//! Hostile files: tiny inputs built here, in Rust, that claim huge sizes and
//! counts, nest without end, loop, or declare XML entities. For each one
//! `scan` and `scrub` must return (a result or a clean error) quickly, without
//! panicking, and with bounded memory.
//!
//! The memory bound is measured independently of the code under test: this
//! test binary installs a counting global allocator that tracks the bytes
//! currently allocated and their peak. Each measurement holds a lock, so the
//! tests in this file are measured one at a time.

use photoscrub_core::container::mp4::Video;
use photoscrub_core::{scan, scrub, Error, Policy};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// The counting allocator
// ---------------------------------------------------------------------------

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = CURRENT.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(n: usize) {
    CURRENT.fetch_sub(n, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            if new_size > layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// One test at a time: the counter is global, so a test building its
/// inputs in another thread would count towards this one's peak.
static SERIAL: Mutex<()> = Mutex::new(());

/// Held for the whole of each test.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Most bytes processing one hostile input may have allocated at once.
const MEMORY_BOUND: usize = 64 << 20;
/// Longest processing one hostile input may take (in a debug build too).
const TIME_BOUND: Duration = Duration::from_secs(10);

/// Runs `f`, returning its result, the peak of bytes allocated while it ran
/// (above what was allocated before) and how long it took. The caller holds
/// [`serial`].
fn measure<T>(f: impl FnOnce() -> T) -> (T, usize, Duration) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let start = Instant::now();
    let out = f();
    let took = start.elapsed();
    let peak = PEAK.load(Ordering::Relaxed).saturating_sub(base);
    (out, peak, took)
}

/// What `scan` and `scrub` (default policy) made of a hostile input.
struct Outcome {
    scan: Result<photoscrub_core::Scan, Error>,
    scrub: Result<photoscrub_core::Scrubbed, Error>,
    peak: usize,
}

/// Scans and scrubs `bytes`, requiring each to finish within
/// [`TIME_BOUND`] and [`MEMORY_BOUND`].
#[track_caller]
fn hostile(name: &str, bytes: &[u8]) -> Outcome {
    hostile_within(name, bytes, MEMORY_BOUND)
}

#[track_caller]
fn hostile_within(name: &str, bytes: &[u8], bound: usize) -> Outcome {
    let (scanned, peak1, t1) = measure(|| scan(bytes));
    let (scrubbed, peak2, t2) = measure(|| scrub(bytes, &Policy::default()));
    for (what, peak, took) in [("scan", peak1, t1), ("scrub", peak2, t2)] {
        assert!(
            peak < bound,
            "{name} ({} bytes): {what} allocated {} MB at its peak (bound {} MB)",
            bytes.len(),
            peak >> 20,
            bound >> 20
        );
        assert!(
            took < TIME_BOUND,
            "{name} ({} bytes): {what} took {took:?}",
            bytes.len()
        );
    }
    Outcome {
        scan: scanned,
        scrub: scrubbed,
        peak: peak1.max(peak2),
    }
}

/// Requires a clean error (not `Ok`) from both `scan` and `scrub`.
#[track_caller]
fn assert_refused(name: &str, o: &Outcome) {
    assert!(o.scan.is_err(), "{name}: scan accepted a hostile file");
    assert!(o.scrub.is_err(), "{name}: scrub accepted a hostile file");
}

fn fixture(rel: &str) -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn zlib(bytes: &[u8]) -> Vec<u8> {
    miniz_oxide::deflate::compress_to_vec_zlib(bytes, 10)
}

/// zlib data that inflates to `n` zero bytes, built without holding `n`
/// bytes: stored in one piece per size, cached.
fn zlib_zeros(n: usize) -> Vec<u8> {
    zlib(&vec![0u8; n])
}

// ---------------------------------------------------------------------------
// XML entities ("billion laughs")
// ---------------------------------------------------------------------------

/// The text the entities would expand to, 10^8 times over.
const LAUGH: &str = "Haarlem Oak Street ";

/// An XMP packet whose DOCTYPE declares nested entities: `&i;` would expand
/// to 10^8 copies of [`LAUGH`] (1.9 GB).
fn billion_laughs() -> String {
    let mut doctype = format!("<!DOCTYPE x [<!ENTITY a \"{LAUGH}\">");
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
    for w in names.windows(2) {
        let refs = format!("&{};", w[0]).repeat(10);
        doctype.push_str(&format!("<!ENTITY {} \"{refs}\">", w[1]));
    }
    doctype.push_str("]>");
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>{doctype}\
         <x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\
         <rdf:Description rdf:about=\"\" xmlns:photoshop=\"http://ns.adobe.com/photoshop/1.0/\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\" photoshop:City=\"&i;\">\
         <dc:title><rdf:Alt><rdf:li xml:lang=\"x-default\">&i;</rdf:li></rdf:Alt></dc:title>\
         </rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end=\"w\"?>"
    )
}

/// Entities were not expanded: no finding and no output holds the text.
#[track_caller]
fn assert_not_expanded(name: &str, o: &Outcome) {
    let laugh = LAUGH.trim();
    if let Ok(s) = &o.scan {
        for f in &s.findings {
            assert!(
                !f.value.contains(laugh),
                "{name}: an entity was expanded into {} {}: {:?}",
                f.block,
                f.tag,
                f.value
            );
        }
    }
    if let Ok(out) = &o.scrub {
        assert!(
            !contains(&out.bytes, LAUGH.as_bytes()),
            "{name}: the output holds the entity's text"
        );
    }
    // Expanding even one level of ten would take far less than the bound;
    // all nine levels would take 1.9 GB.
    assert!(o.peak < 16 << 20, "{name}: {} MB allocated", o.peak >> 20);
}

// ---------------------------------------------------------------------------
// PNG
// ---------------------------------------------------------------------------

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut c = (payload.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(payload);
    c.extend_from_slice(&crc32(&c[4..]).to_be_bytes());
    c
}

/// A 1×1 greyscale PNG with `extra` (whole chunks or raw bytes) between
/// IHDR and IDAT.
fn png(extra: &[u8]) -> Vec<u8> {
    let mut p = b"\x89PNG\r\n\x1a\n".to_vec();
    p.extend(png_chunk(b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0]));
    p.extend_from_slice(extra);
    p.extend(png_chunk(b"IDAT", &zlib(&[0, 0])));
    p.extend(png_chunk(b"IEND", b""));
    p
}

#[test]
fn a_plain_png_cleans_within_the_bounds() {
    let _serial = serial();
    // The builder makes a valid file: the hostile cases below fail for
    // their hostility, not for a broken base.
    let o = hostile("1×1 PNG", &png(&png_chunk(b"tEXt", b"Comment\0Emma")));
    let out = o.scrub.expect("a plain PNG cleans");
    assert!(out.removed_anything());
    assert!(!contains(&out.bytes, b"Emma"));
}

#[test]
fn png_compressed_text_bombs_are_capped() {
    let _serial = serial();
    // 256 MB of zeros in about 250 KB; inflated in full, it would blow the
    // bound four times over.
    let bomb = zlib_zeros(256 << 20);
    let mut ztxt = b"Comment\0\0".to_vec();
    ztxt.extend_from_slice(&bomb);
    let mut itxt = b"XML:com.adobe.xmp\0\x01\0\0\0".to_vec();
    itxt.extend_from_slice(&bomb);
    let mut itxt_text = b"Description\0\x01\0en\0\0".to_vec();
    itxt_text.extend_from_slice(&bomb);
    for (name, chunk) in [
        ("zTXt bomb", png_chunk(b"zTXt", &ztxt)),
        ("iTXt XMP bomb", png_chunk(b"iTXt", &itxt)),
        ("iTXt text bomb", png_chunk(b"iTXt", &itxt_text)),
    ] {
        let o = hostile(name, &png(&chunk));
        // The cap is 8 MB; inflating to it may double a buffer once.
        assert!(o.peak < 24 << 20, "{name}: {} MB allocated", o.peak >> 20);
        let s = o.scan.as_ref().expect("a capped text chunk is reported");
        assert!(
            s.findings.iter().any(|f| f.value.contains("not read")),
            "{name}: the oversized text is not reported as unread: {:?}",
            s.findings
        );
        let out = o.scrub.expect("a PNG with an oversized text chunk cleans");
        assert!(out.bytes.len() < 1000, "{name}: the bomb was kept");
    }
}

#[test]
fn png_xmp_entities_are_never_expanded() {
    let _serial = serial();
    let mut itxt = b"XML:com.adobe.xmp\0\0\0\0\0".to_vec();
    itxt.extend_from_slice(billion_laughs().as_bytes());
    let o = hostile("PNG iTXt billion laughs", &png(&png_chunk(b"iTXt", &itxt)));
    assert!(o.scan.is_ok(), "{:?}", o.scan);
    assert_not_expanded("PNG iTXt", &o);
    // Compressed, too.
    let mut itxt = b"XML:com.adobe.xmp\0\x01\0\0\0".to_vec();
    itxt.extend(zlib(billion_laughs().as_bytes()));
    let o = hostile(
        "PNG zipped billion laughs",
        &png(&png_chunk(b"iTXt", &itxt)),
    );
    assert_not_expanded("PNG compressed iTXt", &o);
}

#[test]
fn png_chunk_lengths_that_lie_are_refused() {
    let _serial = serial();
    for len in [0x7FFF_FFFFu32, 0x8000_0000, 0xFFFF_FFFF, 0xFFFF_FFF4] {
        let mut lie = len.to_be_bytes().to_vec();
        lie.extend_from_slice(b"tEXtComment\0Emma");
        let o = hostile("PNG chunk length", &png(&lie));
        assert_refused(&format!("PNG chunk length {len:#x}"), &o);
    }
}

#[test]
fn png_with_thousands_of_text_chunks_stays_bounded() {
    let _serial = serial();
    let chunk = png_chunk(b"tEXt", b"Comment\0Emma");
    let o = hostile("20,000 tEXt chunks", &png(&chunk.repeat(20_000)));
    let out = o.scrub.expect("many small chunks are fine");
    assert!(!contains(&out.bytes, b"Emma"));
}

// ---------------------------------------------------------------------------
// JPEG
// ---------------------------------------------------------------------------

/// `fixtures/jpeg/clean.jpg` with `segments` right after SOI.
fn jpeg_with(segments: &[u8]) -> Vec<u8> {
    let base = fixture("jpeg/clean.jpg");
    let mut j = base[..2].to_vec();
    j.extend_from_slice(segments);
    j.extend_from_slice(&base[2..]);
    j
}

fn segment(marker: u8, payload: &[u8]) -> Vec<u8> {
    let mut s = vec![0xFF, marker];
    s.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    s.extend_from_slice(payload);
    s
}

#[test]
fn jpeg_xmp_entities_are_never_expanded() {
    let _serial = serial();
    let mut app1 = b"http://ns.adobe.com/xap/1.0/\0".to_vec();
    app1.extend_from_slice(billion_laughs().as_bytes());
    let o = hostile(
        "JPEG APP1 billion laughs",
        &jpeg_with(&segment(0xE1, &app1)),
    );
    assert!(o.scan.is_ok(), "{:?}", o.scan);
    assert_not_expanded("JPEG APP1", &o);
    let out = o.scrub.as_ref().expect("the JPEG cleans");
    assert!(!contains(&out.bytes, b"<!ENTITY"), "the DOCTYPE was kept");
}

#[test]
fn jpeg_segment_length_tricks_are_handled() {
    let _serial = serial();
    let base = fixture("jpeg/clean.jpg");
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("length 0", jpeg_with(&[0xFF, 0xE1, 0, 0, b'E', b'x'])),
        ("length 1", jpeg_with(&[0xFF, 0xE1, 0, 1, b'E', b'x'])),
        (
            "length past the end",
            jpeg_with(&[0xFF, 0xE1, 0xFF, 0xFF, b'E', b'x', b'i', b'f', 0, 0]),
        ),
        (
            "Exif shorter than its header",
            jpeg_with(&segment(0xE1, b"Exif\0")),
        ),
        ("SOI then nothing", base[..2].to_vec()),
        ("SOI then a marker", vec![0xFF, 0xD8, 0xFF]),
        (
            "fill bytes without end",
            [vec![0xFF, 0xD8], vec![0xFF; 3000]].concat(),
        ),
    ];
    // Ten thousand empty COM segments: a 40 KB file of nothing.
    cases.push((
        "10,000 empty COMs",
        jpeg_with(&[0xFF, 0xFE, 0, 2].repeat(10_000)),
    ));
    // Sixty thousand short comments: each one is a finding.
    cases.push((
        "60,000 short COMs",
        jpeg_with(&segment(0xFE, b"E").repeat(60_000)),
    ));
    for (name, bytes) in &cases {
        let o = hostile(name, bytes);
        if let Ok(out) = &o.scrub {
            assert!(
                out.bytes.len() <= base.len() + 64,
                "{name}: {} bytes out",
                out.bytes.len()
            );
        }
    }
    for name in [
        "length 0",
        "length 1",
        "length past the end",
        "SOI then nothing",
    ] {
        let (_, bytes) = cases.iter().find(|(n, _)| *n == name).unwrap();
        assert_refused(name, &hostile(name, bytes));
    }
}

// ---------------------------------------------------------------------------
// TIFF and EXIF
// ---------------------------------------------------------------------------

/// A little-endian TIFF: the header, then `body` from byte 8.
fn tiff(body: &[u8]) -> Vec<u8> {
    let mut t = b"II*\0\x08\0\0\0".to_vec();
    t.extend_from_slice(body);
    t
}

/// One IFD at `at` with `entries` (tag, type, count, value) and `next`.
fn ifd(entries: &[(u16, u16, u32, u32)], next: u32) -> Vec<u8> {
    let mut d = (entries.len() as u16).to_le_bytes().to_vec();
    for &(tag, kind, count, value) in entries {
        d.extend_from_slice(&tag.to_le_bytes());
        d.extend_from_slice(&kind.to_le_bytes());
        d.extend_from_slice(&count.to_le_bytes());
        d.extend_from_slice(&value.to_le_bytes());
    }
    d.extend_from_slice(&next.to_le_bytes());
    d
}

const SHORT: u16 = 3;
const LONG: u16 = 4;
const ASCII: u16 = 2;
const WIDTH: (u16, u16, u32, u32) = (0x0100, SHORT, 1, 1);

/// An IFD chain `n` long, each pointing to the next (18 bytes each).
fn ifd_chain(n: usize) -> Vec<u8> {
    let mut body = Vec::new();
    for i in 0..n {
        let next = if i + 1 == n {
            0
        } else {
            8 + 18 * (i as u32 + 1)
        };
        body.extend(ifd(&[WIDTH], next));
    }
    body
}

/// The hostile TIFF structures, as TIFF bodies (IFD0 at byte 8).
fn hostile_tiffs() -> Vec<(&'static str, Vec<u8>)> {
    let mut cases = vec![
        ("IFD chain 10,000 deep", ifd_chain(10_000)),
        // IFD0 → IFD at 26 → IFD0.
        (
            "IFD loop of two",
            [ifd(&[WIDTH], 26), ifd(&[WIDTH], 8)].concat(),
        ),
        ("IFD pointing at itself", ifd(&[WIDTH], 8)),
        // ExifIFD pointer to IFD0 itself.
        ("ExifIFD loop", ifd(&[WIDTH, (0x8769, LONG, 1, 8)], 0)),
        // IFD0 → ExifIFD at 26 whose own ExifIFD points back to 26.
        (
            "ExifIFD pointing at itself",
            [
                ifd(&[WIDTH, (0x8769, LONG, 1, 38)], 0),
                ifd(&[(0x8769, LONG, 1, 38)], 0),
            ]
            .concat(),
        ),
        ("GPS IFD loop", ifd(&[WIDTH, (0x8825, LONG, 1, 8)], 0)),
        // SubIFDs: 0xFFFFFFFF offsets to IFD0.
        (
            "SubIFDs count 2^32-1",
            ifd(&[WIDTH, (0x014A, LONG, u32::MAX, 8)], 0),
        ),
        // Strips: offsets and counts claimed 2^32-1 times.
        (
            "strip counts 2^32-1",
            ifd(
                &[
                    WIDTH,
                    (0x0111, LONG, u32::MAX, 8),
                    (0x0117, LONG, u32::MAX, 8),
                ],
                0,
            ),
        ),
        (
            "ImageDescription count 2^32-1",
            ifd(&[WIDTH, (0x010E, ASCII, u32::MAX, 8)], 0),
        ),
        (
            "Make count 2^31",
            ifd(&[WIDTH, (0x010F, ASCII, 0x8000_0000, 8)], 0),
        ),
    ];
    // 65535 entries announced, room for a few hundred.
    let mut many = 0xFFFFu16.to_le_bytes().to_vec();
    for _ in 0..300 {
        many.extend_from_slice(&[0x0E, 0x01, 2, 0, 0xFF, 0xFF, 0xFF, 0xFF, 8, 0, 0, 0]);
    }
    cases.push(("65535 entries", many));
    cases
}

#[test]
fn tiff_loops_deep_chains_and_huge_counts_are_bounded() {
    let _serial = serial();
    for (name, body) in hostile_tiffs() {
        let o = hostile(name, &tiff(&body));
        // None of them has image data that could be cleaned.
        assert!(o.scrub.is_err(), "{name}: scrub accepted it");
    }
}

#[test]
fn exif_loops_deep_chains_and_huge_counts_are_bounded() {
    let _serial = serial();
    for (name, body) in hostile_tiffs() {
        let mut exif = b"Exif\0\0".to_vec();
        exif.extend(tiff(&body));
        exif.truncate(65533);
        let bytes = jpeg_with(&segment(0xE1, &exif));
        let o = hostile(name, &bytes);
        if let Ok(out) = &o.scrub {
            assert!(
                out.bytes.len() < fixture("jpeg/clean.jpg").len() + 1024,
                "{name}: the hostile EXIF was kept"
            );
        }
    }
}

// ---------------------------------------------------------------------------
// ISOBMFF: HEIF and video
// ---------------------------------------------------------------------------

/// A box tree just deep enough to replace a box and fix its parents' sizes.
enum Node {
    Leaf([u8; 4], Vec<u8>),
    /// Kind, the bytes before the children (version and flags), children.
    Parent([u8; 4], Vec<u8>, Vec<Node>),
    /// Bytes put in as they are (no sizes fixed inside).
    Raw(Vec<u8>),
}

const PARENTS: &[&[u8; 4]] = &[
    b"moov", b"trak", b"mdia", b"minf", b"stbl", b"dinf", b"udta", b"edts", b"meta", b"iprp",
    b"ipco",
];

fn parse(mut d: &[u8]) -> Vec<Node> {
    let mut nodes = Vec::new();
    while d.len() >= 8 {
        let size = u32::from_be_bytes(d[..4].try_into().unwrap()) as usize;
        let size = if size == 0 { d.len() } else { size };
        assert!(
            size >= 8 && size <= d.len(),
            "the fixture has a box this parser cannot read"
        );
        let kind: [u8; 4] = d[4..8].try_into().unwrap();
        let body = &d[8..size];
        nodes.push(if PARENTS.contains(&&kind) {
            let pre = if &kind == b"meta" { 4 } else { 0 };
            Node::Parent(kind, body[..pre].to_vec(), parse(&body[pre..]))
        } else {
            Node::Leaf(kind, body.to_vec())
        });
        d = &d[size..];
    }
    nodes
}

fn serialize(nodes: &[Node]) -> Vec<u8> {
    let mut out = Vec::new();
    for n in nodes {
        let (kind, body) = match n {
            Node::Raw(bytes) => {
                out.extend_from_slice(bytes);
                continue;
            }
            Node::Leaf(k, b) => (k, b.clone()),
            Node::Parent(k, pre, children) => (k, [pre.clone(), serialize(children)].concat()),
        };
        out.extend(bx(kind, &body));
    }
    out
}

fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut b = ((body.len() + 8) as u32).to_be_bytes().to_vec();
    b.extend_from_slice(kind);
    b.extend_from_slice(body);
    b
}

fn full(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
    bx(kind, &[&[version, 0, 0, 0], body].concat())
}

/// Replaces the first box at `path` with `new` (put in as it is).
fn replace(nodes: &mut [Node], path: &[&[u8; 4]], new: &[u8]) {
    for node in nodes.iter_mut() {
        match node {
            Node::Leaf(k, _) if k == path[0] && path.len() == 1 => {}
            Node::Parent(k, _, _) if k == path[0] && path.len() == 1 => {}
            Node::Raw(b) if b.get(4..8) == Some(&path[0][..]) && path.len() == 1 => {}
            Node::Parent(k, _, children) if k == path[0] => {
                return replace(children, &path[1..], new);
            }
            _ => continue,
        }
        *node = Node::Raw(new.to_vec());
        return;
    }
    panic!(
        "no box {:?} in the fixture",
        String::from_utf8_lossy(path[0])
    );
}

fn with_box(file: &[u8], path: &[&[u8; 4]], new: &[u8]) -> Vec<u8> {
    let mut tree = parse(file);
    replace(&mut tree, path, new);
    serialize(&tree)
}

/// `n` boxes of `kind` nested inside one another, innermost holding `core`.
fn nested(kind: &[u8; 4], n: usize, core: &[u8]) -> Vec<u8> {
    // Built from the inside out with sizes computed up front: no recursion.
    let total = core.len() + 8 * n;
    let mut out = Vec::with_capacity(total);
    for i in 0..n {
        out.extend_from_slice(&((total - 8 * i) as u32).to_be_bytes());
        out.extend_from_slice(kind);
    }
    out.extend_from_slice(core);
    out
}

/// `xmp-deflate.heic` with its (last, compressed) XMP item's bytes replaced
/// by `compressed`: the iloc extent and `mdat` are resized to match.
fn heif_with_xmp_item(compressed: &[u8]) -> Vec<u8> {
    let mut h = fixture("heif/xmp-deflate.heic");
    let (start, len) = (0x4F5usize, 0x197u32);
    assert_eq!(start + len as usize, h.len(), "the fixture changed");
    // iloc v1 item 3: base offset, one extent at offset 0 of `len` bytes.
    let entry = [
        &(start as u32).to_be_bytes()[..],
        &[0, 1, 0, 0, 0, 0],
        &len.to_be_bytes(),
    ]
    .concat();
    let at = h
        .windows(entry.len())
        .position(|w| w == entry.as_slice())
        .expect("the XMP item's extent in iloc")
        + 10;
    h[at..at + 4].copy_from_slice(&(compressed.len() as u32).to_be_bytes());
    h.truncate(start);
    h.extend_from_slice(compressed);
    let mdat = h.windows(4).position(|w| w == b"mdat").unwrap() - 4;
    let mdat_len = (h.len() - mdat) as u32;
    h[mdat..mdat + 4].copy_from_slice(&mdat_len.to_be_bytes());
    h
}

#[test]
fn heif_builder_makes_a_file_that_cleans() {
    let _serial = serial();
    let packet = "<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"><rdf:Description xmlns:photoshop=\"http://ns.adobe.com/photoshop/1.0/\" photoshop:City=\"Leiden\"/></rdf:RDF></x:xmpmeta>";
    let o = hostile(
        "HEIF with a new XMP",
        &heif_with_xmp_item(&zlib(packet.as_bytes())),
    );
    let s = o.scan.expect("the rebuilt HEIF scans");
    assert!(
        s.findings.iter().any(|f| f.value.contains("Leiden")),
        "{:?}",
        s.findings
    );
    o.scrub.expect("the rebuilt HEIF cleans");
}

#[test]
fn heif_xmp_entities_are_never_expanded() {
    let _serial = serial();
    let bytes = heif_with_xmp_item(&zlib(billion_laughs().as_bytes()));
    let o = hostile("HEIF billion laughs", &bytes);
    assert!(o.scan.is_ok(), "{:?}", o.scan);
    assert_not_expanded("HEIF XMP", &o);
}

#[test]
fn heif_compressed_xmp_bombs_are_capped() {
    let _serial = serial();
    let bytes = heif_with_xmp_item(&zlib_zeros(256 << 20));
    let o = hostile("HEIF XMP bomb", &bytes);
    // The cap is 16 MB; inflating to it may double a buffer once.
    assert!(o.peak < 40 << 20, "{} MB allocated", o.peak >> 20);
    assert_refused("HEIF XMP bomb", &o);
    if let Ok(out) = &o.scrub {
        assert!(out.bytes.len() < bytes.len() + 4096);
    }
}

#[test]
fn heif_huge_item_counts_are_refused() {
    let _serial = serial();
    let base = fixture("heif/clean.heic");
    let cases = [
        // iloc version 2: 32-bit item count; offset/length sizes 4, no base.
        (
            "iloc v2 items 2^32-1",
            full(
                b"iloc",
                2,
                &[&[0x44, 0x00][..], &u32::MAX.to_be_bytes(), &[0; 16]].concat(),
            ),
        ),
        // iloc version 1: 16-bit count of items, each with 65535 extents.
        (
            "iloc extents 65535",
            full(
                b"iloc",
                1,
                &[
                    &[0x44, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00][..],
                    &[0xFF, 0xFF],
                    &[0; 16],
                ]
                .concat(),
            ),
        ),
        (
            "iinf v1 entries 2^32-1",
            full(
                b"iinf",
                1,
                &[&u32::MAX.to_be_bytes()[..], &[0; 16]].concat(),
            ),
        ),
        (
            "iinf v0 entries 65535",
            full(b"iinf", 0, &[&[0xFF, 0xFF][..], &[0; 16]].concat()),
        ),
    ];
    for (name, new) in cases {
        let kind: [u8; 4] = new[4..8].try_into().unwrap();
        let bytes = with_box(&base, &[b"meta", &kind], &new);
        assert!(bytes.len() < 4096);
        assert_refused(name, &hostile(name, &bytes));
    }
    // ipma: 2^32-1 associations.
    let ipma = full(b"ipma", 0, &[&u32::MAX.to_be_bytes()[..], &[0; 8]].concat());
    let bytes = with_box(&base, &[b"meta", b"iprp", b"ipma"], &ipma);
    assert_refused("ipma entries 2^32-1", &hostile("ipma", &bytes));
}

#[test]
fn isobmff_nesting_thousands_deep_is_refused_or_blanked() {
    let _serial = serial();
    let heif = fixture("heif/clean.heic");
    let deep_ipco = bx(b"iprp", &nested(b"ipco", 50_000, b""));
    let deep_meta = nested(b"meta", 50_000, &[0; 4]);
    let deep_dinf = nested(b"dinf", 50_000, b"");
    for (name, bytes) in [
        (
            "iprp/ipco×50,000",
            with_box(&heif, &[b"meta", b"iprp"], &deep_ipco),
        ),
        (
            "meta×50,000 in meta",
            with_box(&heif, &[b"meta", b"idat"], &deep_meta),
        ),
        (
            "meta×50,000 at the top",
            [heif[..28].to_vec(), deep_meta.clone()].concat(),
        ),
        (
            "dinf×50,000 in meta",
            with_box(&heif, &[b"meta", b"idat"], &deep_dinf),
        ),
    ] {
        assert_refused(name, &hostile(name, &bytes));
    }

    // A video with a moov/udta to put the nest in (clean.mp4 has none).
    let video = fixture("video/loci.mp4");
    for kind in [b"udta", b"trak", b"moov", b"meta", b"mdia", b"edts"] {
        let deep = nested(kind, 50_000, b"");
        let bytes = with_box(&video, &[b"moov", b"udta"], &deep);
        let name = format!("moov/{}×50,000", String::from_utf8_lossy(kind));
        let o = hostile(&name, &bytes);
        // The video parser descends only into the boxes it knows, at the
        // depths it knows them: a nest is refused or blanked as a whole.
        if let Ok(out) = &o.scrub {
            let left = out.bytes.windows(4).filter(|w| w == kind).count();
            assert!(left <= 2, "{name}: {left} nested boxes left in the output");
        }
        let (_, peak, _) = measure(|| Video::parse(&bytes[..]).map(|v| v.scan()));
        assert!(peak < MEMORY_BOUND, "{name}: Video::parse allocated {peak}");
    }
}

/// The children of each `trak` in `moov`.
fn traks(tree: &mut [Node]) -> Vec<&mut Vec<Node>> {
    let mut out = Vec::new();
    for node in tree.iter_mut() {
        if let Node::Parent(k, _, moov) = node {
            if k == b"moov" {
                for trak in moov.iter_mut() {
                    match trak {
                        Node::Parent(k, _, children) if k == b"trak" => out.push(children),
                        _ => {}
                    }
                }
            }
        }
    }
    out
}

/// A sample table box with `count` claimed entries and a few bytes of them.
fn table(kind: &[u8; 4], fields: &[u32], count: u32) -> Vec<u8> {
    let mut body = Vec::new();
    for f in fields {
        body.extend_from_slice(&f.to_be_bytes());
    }
    body.extend_from_slice(&count.to_be_bytes());
    body.extend_from_slice(&[0; 24]);
    full(kind, 0, &body)
}

#[test]
fn mp4_huge_sample_counts_are_bounded() {
    let _serial = serial();
    let cases = [
        ("stsz sizes 2^32-1", b"stsz", table(b"stsz", &[0], u32::MAX)),
        // A constant sample size: no table, 2^32-1 samples of 1 byte.
        (
            "stsz constant 2^32-1",
            b"stsz",
            table(b"stsz", &[1], u32::MAX),
        ),
        ("stco 2^32-1", b"stco", table(b"stco", &[], u32::MAX)),
        ("stsc 2^32-1", b"stsc", table(b"stsc", &[], u32::MAX)),
        ("stts 2^32-1", b"stts", table(b"stts", &[], u32::MAX)),
    ];
    for file in ["video/clean.mp4", "video/gopro-gpmd.mp4", "video/camm.mp4"] {
        let video = fixture(file);
        let tracks = traks(&mut parse(&video)).len();
        for (name, kind, new) in &cases {
            for track in 0..tracks {
                // Replace the table of the track'th trak only.
                let mut tree = parse(&video);
                replace(
                    traks(&mut tree)[track],
                    &[b"mdia", b"minf", b"stbl", kind],
                    new,
                );
                let bytes = serialize(&tree);
                let name = format!("{file} track {track}: {name}");
                let o = hostile(&name, &bytes);
                if let Ok(out) = &o.scrub {
                    assert_eq!(out.bytes.len(), bytes.len(), "{name}");
                }
                let (parsed, peak, took) = measure(|| Video::parse(&bytes[..]).map(|v| v.scan()));
                assert!(peak < MEMORY_BOUND, "{name}: Video::parse allocated {peak}");
                assert!(took < TIME_BOUND, "{name}: Video::parse took {took:?}");
                drop(parsed);
            }
        }
    }
}

#[test]
fn mp4_box_sizes_that_lie_are_refused() {
    let _serial = serial();
    let video = fixture("video/clean.mp4");
    let moov = video.windows(4).position(|w| w == b"moov").unwrap() - 4;
    for size in [u32::MAX, 0x7FFF_FFFF, 7] {
        let mut bytes = video.clone();
        bytes[moov..moov + 4].copy_from_slice(&size.to_be_bytes());
        let name = format!("moov size {size:#x}");
        assert_refused(&name, &hostile(&name, &bytes));
    }
    // A 64-bit size of 2^64-1 on moov.
    let mut bytes = video[..moov].to_vec();
    bytes.extend_from_slice(&1u32.to_be_bytes());
    bytes.extend_from_slice(b"moov");
    bytes.extend_from_slice(&u64::MAX.to_be_bytes());
    bytes.extend_from_slice(&video[moov + 8..]);
    assert_refused("moov largesize 2^64-1", &hostile("moov largesize", &bytes));
}

// ---------------------------------------------------------------------------
// JPEG XL
// ---------------------------------------------------------------------------

/// A JPEG XL container around `fixtures/jxl/bare.jxl`'s codestream with
/// `boxes` before the codestream.
fn jxl_with(boxes: &[u8]) -> Vec<u8> {
    let mut j = b"\0\0\0\x0CJXL \r\n\x87\n".to_vec();
    j.extend(bx(b"ftyp", b"jxl \0\0\0\0jxl "));
    j.extend_from_slice(boxes);
    j.extend(bx(b"jxlc", &fixture("jxl/bare.jxl")));
    j
}

#[test]
fn jxl_brob_boxes_are_never_decompressed() {
    let _serial = serial();
    // Brotli can reach ratios far beyond deflate's; these bytes would be
    // a bomb if anything decompressed them. Nothing does: memory stays tiny.
    let mut payload = b"Exif".to_vec();
    payload.extend_from_slice(&[0x1B, 0xFF, 0xFF, 0xFF, 0x00, 0x00].repeat(500));
    let xml = [&b"xml "[..], &[0x8B; 3000]].concat();
    let bytes = jxl_with(&[bx(b"brob", &payload), bx(b"brob", &xml)].concat());
    let o = hostile("JXL brob", &bytes);
    assert!(o.peak < 1 << 20, "{} KB allocated", o.peak >> 10);
    let s = o.scan.as_ref().expect("brob boxes are reported");
    let brobs: Vec<_> = s
        .findings
        .iter()
        .filter(|f| f.tag == "CompressedBox")
        .collect();
    assert_eq!(brobs.len(), 2, "{:?}", s.findings);
    assert!(brobs.iter().all(|f| f.value.contains("not decompressed")));
    let out = o.scrub.expect("the JPEG XL cleans");
    assert!(!contains(&out.bytes, b"brob"), "a brob box was kept");
}

#[test]
fn jxl_box_sizes_that_lie_are_refused() {
    let _serial = serial();
    let mut lie = u32::MAX.to_be_bytes().to_vec();
    lie.extend_from_slice(b"Exif\0\0\0\0");
    assert_refused("JXL box size 2^32-1", &hostile("JXL size", &jxl_with(&lie)));
    let mut lie = 1u32.to_be_bytes().to_vec();
    lie.extend_from_slice(b"brob");
    lie.extend_from_slice(&u64::MAX.to_be_bytes());
    lie.extend_from_slice(b"Exif");
    assert_refused(
        "JXL largesize 2^64-1",
        &hostile("JXL largesize", &jxl_with(&lie)),
    );
    // Fifty thousand empty boxes.
    let many = bx(b"free", b"").repeat(50_000);
    hostile("50,000 JXL boxes", &jxl_with(&many));
}

// ---------------------------------------------------------------------------
// GIF
// ---------------------------------------------------------------------------

/// A 1×1 GIF89a (global table of two colours, one LZW-coded pixel) with
/// `blocks` before the image.
fn gif_with(blocks: &[u8]) -> Vec<u8> {
    let mut g = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff".to_vec();
    g.extend_from_slice(blocks);
    g.extend_from_slice(b",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;");
    g
}

#[test]
fn gif_sub_block_chains_are_bounded() {
    let _serial = serial();
    let plain = hostile("1×1 GIF", &gif_with(b"!\xfe\x04Emma\x00"));
    let out = plain.scrub.expect("the GIF builder makes a valid file");
    assert!(!contains(&out.bytes, b"Emma"));

    // A comment of 100,000 one-byte sub-blocks.
    let mut chain = b"!\xfe".to_vec();
    chain.extend_from_slice(&b"\x01E".repeat(100_000));
    chain.push(0);
    let o = hostile("100,000 sub-blocks", &gif_with(&chain));
    if let Ok(out) = &o.scrub {
        assert!(out.bytes.len() < 100, "the comment was kept");
    }
    // A chain that never ends.
    let mut open = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xfe".to_vec();
    open.extend_from_slice(&[0xFF; 4000]);
    assert_refused("unterminated sub-blocks", &hostile("unterminated", &open));
    // An XMP application extension with entities.
    let mut xmp = b"!\xff\x0bXMP DataXMP".to_vec();
    xmp.extend_from_slice(billion_laughs().as_bytes());
    xmp.push(1);
    xmp.extend((0..=255u8).rev());
    xmp.extend_from_slice(&[0, 0]);
    let o = hostile("GIF XMP billion laughs", &gif_with(&xmp));
    assert_not_expanded("GIF XMP", &o);
}

// ---------------------------------------------------------------------------
// WebP
// ---------------------------------------------------------------------------

#[test]
fn webp_size_lies_are_handled() {
    let _serial = serial();
    let base = fixture("webp/lossy.webp");
    let mut cases = Vec::new();
    for riff in [u32::MAX, 0xFFFF_FFF0, 4, 0] {
        let mut b = base.clone();
        b[4..8].copy_from_slice(&riff.to_le_bytes());
        cases.push((format!("RIFF size {riff:#x}"), b));
    }
    for chunk in [u32::MAX, 0x7FFF_FFFF, 0xFFFF_FFFE] {
        let mut b = base.clone();
        b[16..20].copy_from_slice(&chunk.to_le_bytes());
        cases.push((format!("first chunk size {chunk:#x}"), b));
    }
    // An extended file whose EXIF chunk claims 2 GB.
    let mut vp8x = b"RIFF\0\0\0\0WEBPVP8X\x0a\0\0\0\x08\0\0\0\0\0\0\0\0\0EXIF".to_vec();
    vp8x.extend_from_slice(&0x7FFF_FFF0u32.to_le_bytes());
    vp8x.extend_from_slice(b"II*\0\x08\0\0\0");
    let len = (vp8x.len() - 8) as u32;
    vp8x[4..8].copy_from_slice(&len.to_le_bytes());
    cases.push(("EXIF chunk size 2 GB".into(), vp8x));
    for (name, bytes) in &cases {
        let o = hostile(name, bytes);
        if name.contains("chunk") {
            assert_refused(name, &o);
        }
    }
    // Fifty thousand empty unknown chunks before the image.
    let mut many = base[..12].to_vec();
    many.extend_from_slice(&b"JUNK\0\0\0\0".repeat(50_000));
    many.extend_from_slice(&base[12..]);
    let len = (many.len() - 8) as u32;
    many[4..8].copy_from_slice(&len.to_le_bytes());
    let o = hostile("50,000 JUNK chunks", &many);
    if let Ok(out) = &o.scrub {
        assert!(out.bytes.len() <= base.len(), "the junk was kept");
    }
}

/// A chain of `depth` tiny JPEGs, one after another's end, each with an
/// MPF index of `fan` entries all pointing at the rest of the chain: a
/// reader that scans each entry's image, and each image's own entries,
/// does `fan^depth` scans.
fn mpf_chain(depth: usize, fan: usize) -> Vec<u8> {
    let mut rest: Vec<u8> = vec![0xFF, 0xD8, 0xFF, 0xD9];
    for _ in 0..depth {
        // MPF data: big-endian TIFF header, one IFD with the MP entry tag.
        let list_at = 8 + 2 + 12 + 4;
        let mut mpf = b"MPF\0MM\0*\0\0\0\x08\0\x01\xB0\x02\0\x07".to_vec();
        mpf.extend_from_slice(&((16 * fan) as u32).to_be_bytes());
        mpf.extend_from_slice(&(list_at as u32).to_be_bytes());
        mpf.extend_from_slice(&[0; 4]);
        let segment_len = 2 + mpf.len() + 16 * fan;
        // From the TIFF header (after FFD8, FFE2, length, "MPF\0") to the
        // next image (after this one's FFD9).
        let offset = (segment_len - 2 - 4 + 2) as u32;
        for _ in 0..fan {
            mpf.extend_from_slice(&0x0001_0002u32.to_be_bytes());
            mpf.extend_from_slice(&(rest.len() as u32).to_be_bytes());
            mpf.extend_from_slice(&offset.to_be_bytes());
            mpf.extend_from_slice(&[0; 4]);
        }
        let mut level = vec![0xFF, 0xD8];
        level.extend(segment(0xE2, &mpf));
        level.extend_from_slice(&[0xFF, 0xD9]);
        level.extend(rest);
        rest = level;
    }
    rest
}

#[test]
fn jpeg_mpf_images_inside_mpf_images_are_bounded() {
    let _serial = serial();
    // Checks the builder: one level, one entry, found as an MPF image.
    let one = mpf_chain(1, 1);
    let s = scan(&one).expect("one MPF level scans");
    assert!(
        s.findings.iter().any(|f| f.block == "MPF image 1"),
        "{:?}",
        s.findings
    );
    // Twenty levels of two entries each: 2^20 scans if each listed image's
    // own index were read too.
    let bytes = mpf_chain(20, 2);
    assert!(bytes.len() < 4096);
    let o = hostile("MPF 2^20", &bytes);
    let images = o.scan.expect("the chain scans").findings.len();
    assert!(images < 100, "{images} findings");

    // One index of 4,000 entries over the same 16 KB image: only the first
    // MAX_MPF_IMAGES (64) are read.
    let big = [
        vec![0xFF, 0xD8],
        segment(0xFE, &[b'x'; 16_000]),
        vec![0xFF, 0xD9],
    ]
    .concat();
    let mut fan = mpf_chain(1, 4000);
    let tail = fan.len() - 4;
    fan.truncate(tail);
    // Entries name the old 4-byte image's size: make them name the new one.
    let size = (big.len() as u32).to_be_bytes();
    for e in 0..4000 {
        let at = 2 + 4 + 4 + 26 + 16 * e + 4;
        fan[at..at + 4].copy_from_slice(&size);
    }
    fan.extend(big);
    let o = hostile("MPF 4000 entries", &fan);
    let s = o.scan.expect("a wide index scans");
    let read = s
        .findings
        .iter()
        .filter(|f| f.tag.starts_with("MPImage"))
        .count();
    assert_eq!(read, 64, "MPF images read");
}

/// A HEIF with `n` JPEG-coded image items, every one of them the whole of
/// one `mdat` of `mdat_len` bytes (a JPEG with `segments` of metadata,
/// then zeros).
fn heif_jpeg_items(n: usize, mdat_len: usize) -> Vec<u8> {
    let base = fixture("heif/clean.heic");
    let ftyp = &base[..28];
    let mut tree = parse(&base[28..]);
    let mut iinf = vec![0, 0, 0, 0];
    iinf.extend_from_slice(&(n as u16).to_be_bytes());
    for id in 1..=n {
        let mut infe = (id as u16).to_be_bytes().to_vec();
        infe.extend_from_slice(b"\0\0jpeg\0");
        iinf.extend(full(b"infe", 2, &infe));
    }
    // The mdat's place is known once meta's size is: iloc's size does not
    // depend on the offsets in it.
    let iloc = |offset: u32| {
        let mut body = vec![0x44, 0x00];
        body.extend_from_slice(&(n as u16).to_be_bytes());
        for id in 1..=n {
            body.extend_from_slice(&(id as u16).to_be_bytes());
            body.extend_from_slice(&[0, 0, 0, 1]);
            body.extend_from_slice(&offset.to_be_bytes());
            body.extend_from_slice(&(mdat_len as u32).to_be_bytes());
        }
        full(b"iloc", 0, &body)
    };
    replace(&mut tree, &[b"meta", b"iinf"], &bx(b"iinf", &iinf));
    replace(&mut tree, &[b"meta", b"iloc"], &iloc(0));
    let meta_len = serialize(&tree).len();
    replace(
        &mut tree,
        &[b"meta", b"iloc"],
        &iloc((28 + meta_len + 8) as u32),
    );
    let mut mdat = vec![0xFF, 0xD8];
    mdat.extend(segment(0xFE, b"Emma").repeat(100));
    mdat.resize(mdat_len, 0);
    let mut h = ftyp.to_vec();
    h.extend(serialize(&tree));
    h.extend(bx(b"mdat", &mdat));
    h
}

#[test]
fn heif_many_items_over_the_same_bytes_are_bounded() {
    let _serial = serial();
    // Checks the builder: two items, each reporting the JPEG's comments.
    let s = scan(&heif_jpeg_items(2, 1024)).expect("two JPEG items scan");
    let embedded = |s: &photoscrub_core::Scan| {
        s.findings
            .iter()
            .filter(|f| f.tag == "EmbeddedJPEGMetadata")
            .count()
    };
    assert_eq!(embedded(&s), 200, "{:?}", &s.findings[..4]);

    // 700 KB naming 20,000 items: 2 million findings (455 MB) if listed.
    let bytes = heif_jpeg_items(20_000, 1024);
    let o = hostile("20,000 JPEG items", &bytes);
    let s = o.scan.expect("many items scan");
    assert!(s.findings.len() <= 2100, "{} findings", s.findings.len());
    // Past the cap, findings are counted, not listed: by the HEIF reader
    // ("MoreFindings") or by the scan itself (`omitted`).
    let more = s.findings.iter().find(|f| f.tag == "MoreFindings");
    let omitted: usize = s.omitted.values().sum();
    assert!(
        omitted > 0
            || more.is_some_and(|m| m.value.contains(&(2_000_000 - embedded(&s)).to_string())),
        "the findings past the cap are counted: {:?} {more:?}",
        s.omitted
    );
    // A JPEG item's own metadata cannot be removed: refused.
    assert!(
        matches!(o.scrub, Err(Error::Unsupported(_))),
        "{:?}",
        o.scrub.err()
    );

    // The same over 1 MB of media data: time stays bounded.
    hostile(
        "20,000 JPEG items of 1 MB",
        &heif_jpeg_items(20_000, 1 << 20),
    );
}
/// IFD0 of `n` ImageDescription entries all pointing at one `len`-byte
/// value, as a TIFF body.
fn shared_values(n: usize, len: usize) -> Vec<u8> {
    let value_at = 8 + 2 + 12 * n + 4;
    let mut body = (n as u16).to_le_bytes().to_vec();
    for _ in 0..n {
        body.extend_from_slice(&0x010Eu16.to_le_bytes());
        body.extend_from_slice(&ASCII.to_le_bytes());
        body.extend_from_slice(&(len as u32).to_le_bytes());
        body.extend_from_slice(&(value_at as u32).to_le_bytes());
    }
    body.extend_from_slice(&[0; 4]);
    body.extend(std::iter::repeat_n(b'a', len));
    body
}

#[test]
fn tiff_entries_sharing_one_value_are_bounded() {
    let _serial = serial();
    // 112 KB asking for 100 MB of copied values; 980 KB asking for 20 GB.
    for (n, len) in [(1000, 100_000), (40_000, 500_000)] {
        let name = format!("TIFF {n} entries over one {len}-byte value");
        let o = hostile(&name, &tiff(&shared_values(n, len)));
        assert_refused(&name, &o);
    }
    // In JPEG EXIF: 2,500 entries over one 30 KB value.
    let mut exif = b"Exif\0\0".to_vec();
    exif.extend(tiff(&shared_values(2500, 30_000)));
    hostile(
        "EXIF entries over one value",
        &jpeg_with(&segment(0xE1, &exif)),
    );
}
