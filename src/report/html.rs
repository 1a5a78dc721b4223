//! One self-contained HTML page: a thumbnail and the findings of each photo,
//! and an SVG map of every located photo. Inline CSS and SVG only — no
//! script, font, image or tile is fetched from anywhere, so opening the page
//! tells nobody anything.

use super::{category_text, describe_location, main_location, status_code, status_text, Summary};
use crate::batch::{Batch, FileReport, Status};
use photoscrub_core::mapdata::View;
use photoscrub_core::Category;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Writes the whole page for a finished batch.
pub fn write_html(batch: &Batch, out: &mut impl Write) -> io::Result<()> {
    let mut cards = Cards::new()?;
    for file in &batch.files {
        cards.add(file)?;
    }
    cards.finish(&Summary::of(batch), out)
}

/// The photo cards of a page in the making, spooled to an unnamed temporary
/// file as files finish, so a report of thousands of photos never holds
/// their thumbnails in memory. The summary and the map, which need every
/// file, are written in front of them by [`Cards::finish`].
pub struct Cards {
    spool: io::BufWriter<std::fs::File>,
}

impl Cards {
    pub fn new() -> io::Result<Cards> {
        Ok(Cards {
            spool: io::BufWriter::new(tempfile::tempfile()?),
        })
    }

    /// Adds the card of one file.
    pub fn add(&mut self, file: &FileReport) -> io::Result<()> {
        let mut card = String::with_capacity(16 * 1024);
        photo_card(&mut card, file);
        self.spool.write_all(card.as_bytes())
    }

    /// Writes the page: head, summary, map, then the spooled cards.
    pub fn finish(self, summary: &Summary, out: &mut impl Write) -> io::Result<()> {
        use std::io::Seek;
        let mut page = String::with_capacity(64 * 1024);
        head(&mut page);
        summary_section(&mut page, summary);
        map_section(&mut page, summary);
        let _ = write!(
            page,
            "<h2>{}</h2><div class=\"cards\">",
            esc(&t!("html-photos"))
        );
        out.write_all(page.as_bytes())?;
        let mut spool = self.spool.into_inner().map_err(|e| e.into_error())?;
        spool.rewind()?;
        io::copy(&mut spool, out)?;
        out.write_all(b"</div></main></body></html>\n")
    }
}

/// The page's head and heading, in the reader's language.
fn head(page: &mut String) {
    let _ = writeln!(
        page,
        "{}{}{}{}{}<h1>{}</h1>",
        DOCTYPE,
        crate::i18n::current().code(),
        HEAD_META,
        esc(&t!("html-title")),
        STYLE,
        esc(&t!("html-heading"))
    );
}

const DOCTYPE: &str = "<!DOCTYPE html>\n<html lang=\"";
const HEAD_META: &str = r#""><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>"#;

const STYLE: &str = r#"</title>
<style>
*{box-sizing:border-box}
body{font-family:system-ui,sans-serif;margin:0;background:#f6f6f4;color:#222;line-height:1.4}
main{max-width:1100px;margin:auto;padding:1rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}h3{margin:0;font-size:.95rem;overflow-wrap:anywhere}
a{overflow-wrap:anywhere}li{overflow-wrap:anywhere}
.warn{background:#fde8e8;border-left:5px solid #c0392b;padding:.6rem 1rem;margin:.5rem 0}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,330px),1fr));gap:.6rem}
.card{display:flex;gap:.7rem;background:#fff;border-radius:8px;padding:.6rem;box-shadow:0 1px 3px #0002;min-width:0;font-size:.92rem}
.card img,.noimg{width:96px;flex:none;height:auto;max-height:128px;object-fit:contain;align-self:flex-start;border-radius:4px}
.noimg{height:96px;background:#e4e4e0;display:flex;flex-direction:column;align-items:center;justify-content:center;color:#555;font-size:.65rem;line-height:1.2;text-align:center;padding:4px}
.noimg b{font-size:1.1rem;color:#333}
.told i{font-style:normal;display:inline-block;background:#fdecea;border-radius:9px;padding:0 .45rem;margin:1px 0;font-size:.8rem}
.body{flex:1 1 auto;min-width:0}.body p{margin:.2rem 0}
details table{margin-top:.3rem}
.status{font-weight:600}.status.leaks,.status.failed{color:#c0392b}.status.cleaned,.status.already-clean{color:#1a7f37}
.place{font-weight:600}
details summary{cursor:pointer;color:#555;font-size:.9rem}.scroll{overflow-x:auto}
table{border-collapse:collapse;font-size:.85rem;width:100%}td,th{text-align:left;padding:2px 6px;border-bottom:1px solid #eee;vertical-align:top}
td.v{word-break:break-all}.removed{color:#1a7f37}.kept{color:#9a6700}
svg{background:#e8f1f8;border-radius:8px;width:100%;max-width:900px;height:auto}
svg text{font-size:12px;font-family:sans-serif}svg text.count{font-weight:bold}svg text.credit{font-size:10px;fill:#555}
.note{font-size:.85rem;color:#555}
</style></head><body><main>"#;

fn summary_section(page: &mut String, s: &Summary) {
    for place in s.places.iter().filter(|p| p.repeated) {
        let _ = write!(
            page,
            "<p class=\"warn\"><strong>{}</strong> ({}) — <a href=\"{}\">{}</a></p>",
            esc(&super::return_place_line(place)),
            esc(&place.days.join(", ")),
            esc(&place.link),
            esc(&t!("html-map-link"))
        );
    }
    page.push_str("<ul>");
    let _ = write!(page, "<li>{}</li>", esc(&s.counts_line()));
    if s.with_location > 0 {
        let located = t!("summary-located", photos = s.with_location);
        let _ = write!(page, "<li>{}<ul>", esc(&located));
        for place in &s.places {
            let _ = write!(
                page,
                "<li>{} — {} — <a href=\"{}\">{:.6}, {:.6}</a></li>",
                esc(&place.name),
                esc(&t!("n-photos", photos = place.files.len())),
                esc(&place.link),
                place.lat,
                place.lon
            );
        }
        page.push_str("</ul></li>");
    }
    if s.invalid_locations > 0 {
        let invalid = t!("summary-invalid", photos = s.invalid_locations);
        let _ = write!(page, "<li>{}</li>", esc(&invalid));
    }
    list_item(page, &t!("summary-names"), &s.names);
    if !s.texts.is_empty() {
        let quoted: Vec<String> = s.texts.iter().map(|t| super::quote(t)).collect();
        list_item(page, &t!("summary-texts"), &quoted);
    }
    list_item(page, &t!("summary-serials"), &s.serials);
    if s.previews > 0 {
        let previews = t!("summary-previews", previews = s.previews);
        let _ = write!(page, "<li>{}</li>", esc(&previews));
    }
    if s.unreadable > 0 {
        let unreadable = t!("summary-unreadable", blocks = s.unreadable);
        let _ = write!(page, "<li>{}</li>", esc(&unreadable));
    }
    if let Some(dates) = super::dates_line(s) {
        let _ = write!(page, "<li>{}</li>", esc(&dates));
    }
    let _ = write!(
        page,
        "</ul><p>{}</p>",
        code_spans(&esc(&super::fate_line(s)))
    );
}

fn list_item(page: &mut String, label: &str, items: &[String]) {
    if !items.is_empty() {
        let _ = write!(page, "<li>{}: {}</li>", esc(label), esc(&items.join(", ")));
    }
}

const MAP_W: u32 = 900;
const MAP_H: u32 = 500;
/// Markers closer than this on screen are drawn as one, with the sum.
const MARKER_MERGE_PX: f64 = 26.0;

/// One marker on the map: a place, or places too close to draw apart.
struct Marker {
    x: f64,
    y: f64,
    photos: usize,
    repeated: bool,
    names: Vec<String>,
    link: String,
}

/// The map, drawn offline from the data built into photoscrub: land, lakes
/// and borders (Natural Earth) at a zoom that fits every place, the largest
/// towns in view named (GeoNames), one marker per place with its number of
/// photos — places too close to tell apart merge into one marker with the
/// sum — the places you return to ringed, and a scale bar. Markers link to
/// OpenStreetMap, which is the only thing on the page that goes online, and
/// only when clicked.
fn map_section(page: &mut String, s: &Summary) {
    if s.places.is_empty() {
        return;
    }
    let points: Vec<(f64, f64)> = s.places.iter().map(|p| (p.lat, p.lon)).collect();
    let view = View::fit(&points, 2.0, MAP_W, MAP_H);
    let _ = write!(page, "<h2>{}</h2>", esc(&t!("html-map")));
    let _ = write!(
        page,
        "<svg id=\"map\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{MAP_W}\" height=\"{MAP_H}\" viewBox=\"0 0 {MAP_W} {MAP_H}\" role=\"img\" aria-label=\"{}\"><rect width=\"100%\" height=\"100%\" fill=\"#a9cfe8\"/>",
        esc(&t!("html-map-label"))
    );
    let markers = markers(&view, &s.places);
    background(page, &view, &markers);
    for m in &markers {
        marker(page, m);
    }
    scale_bar(page, &view);
    let _ = write!(
        page,
        "<text class=\"credit\" x=\"{}\" y=\"{}\" text-anchor=\"end\">Natural Earth · GeoNames</text></svg>",
        MAP_W - 6,
        MAP_H - 6
    );
    let _ = write!(page, "<p class=\"note\">{}</p>", esc(&t!("html-map-note")));
}

/// Places as markers, merging those that would overlap on screen (the
/// places come most important first: a merged marker keeps the first one's
/// position and link).
fn markers(view: &View, places: &[super::Place]) -> Vec<Marker> {
    let mut out: Vec<Marker> = Vec::new();
    for place in places {
        let (x, y) = view.project(place.lat, place.lon);
        let near = out
            .iter_mut()
            .find(|m| (m.x - x).hypot(m.y - y) < MARKER_MERGE_PX);
        match near {
            Some(m) => {
                m.photos += place.files.len();
                m.repeated |= place.repeated;
                m.names.push(place.name.clone());
            }
            None => out.push(Marker {
                x,
                y,
                photos: place.files.len(),
                repeated: place.repeated,
                names: vec![place.name.clone()],
                link: place.link.clone(),
            }),
        }
    }
    out
}

fn marker(page: &mut String, m: &Marker) {
    let (x, y) = (m.x, m.y);
    let r = if m.photos > 9 { 13.0 } else { 11.0 };
    if m.repeated {
        let _ = write!(
            page,
            "<circle class=\"repeated\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{:.1}\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"3\"/>",
            r + 7.0
        );
    }
    let title = format!(
        "{} — {}",
        m.names.join("; "),
        t!("n-photos", photos = m.photos)
    );
    let _ = write!(
        page,
        "<a href=\"{}\"><circle class=\"marker\" data-photos=\"{}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{r:.1}\" fill=\"#1f6feb\" stroke=\"#fff\" stroke-width=\"2\"><title>{}</title></circle><text class=\"count\" x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#fff\">{}</text></a>",
        esc(&m.link),
        m.photos,
        esc(&title),
        y + 4.0,
        m.photos
    );
}

/// Land, lakes, borders and town names under the markers.
#[cfg(feature = "places")]
fn background(page: &mut String, view: &View, markers: &[Marker]) {
    use photoscrub_core::mapdata::{self, Kind, MapData};
    use photoscrub_core::places::Places;
    let mut paths = [String::new(), String::new(), String::new()];
    for shape in MapData::embedded().shapes(view) {
        let (slot, closed) = match shape.kind {
            Kind::Land => (0, true),
            Kind::Water => (1, true),
            Kind::Border => (2, false),
        };
        path_data(&mut paths[slot], &shape.points, closed);
    }
    let [land, water, borders] = paths;
    let _ = write!(
        page,
        "<path class=\"land\" d=\"{land}\" fill=\"#f2efe6\" stroke=\"#8aa9bd\" stroke-width=\"0.8\"/><path class=\"water\" d=\"{water}\" fill=\"#a9cfe8\" stroke=\"#8aa9bd\" stroke-width=\"0.6\"/><path class=\"border\" d=\"{borders}\" fill=\"none\" stroke=\"#9b7fa6\" stroke-width=\"1.2\" stroke-dasharray=\"4 2\"/>"
    );
    let avoid: Vec<(f32, f32)> = markers.iter().map(|m| (m.x as f32, m.y as f32)).collect();
    page.push_str("<g class=\"towns\">");
    let lang = crate::i18n::current().code();
    for l in mapdata::labels(&Places::embedded(), view, lang, 12, &avoid) {
        let _ = write!(
            page,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"2\" fill=\"#555\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#333\" stroke=\"#fff\" stroke-width=\"3\" paint-order=\"stroke\">{}</text>",
            l.x,
            l.y,
            l.text_x,
            l.text_y,
            esc(l.name)
        );
    }
    page.push_str("</g>");
}

/// Without the built-in map data: the sea-blue box alone.
#[cfg(not(feature = "places"))]
fn background(_page: &mut String, _view: &View, _markers: &[Marker]) {}

#[cfg(feature = "places")]
fn path_data(d: &mut String, points: &[(f32, f32)], closed: bool) {
    for (i, (x, y)) in points.iter().enumerate() {
        let _ = write!(d, "{}{:.1} {:.1}", if i == 0 { "M" } else { "L" }, x, y);
    }
    if closed {
        d.push('Z');
    }
}

/// A bar of a round length (10 m … 5000 km) about 150 pixels long.
fn scale_bar(page: &mut String, view: &View) {
    let km_per_px = view.metres_per_pixel() / 1000.0;
    let target = km_per_px * 150.0;
    let nice = [
        0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0,
        1000.0, 2000.0, 5000.0,
    ];
    let km = nice
        .iter()
        .copied()
        .rfind(|&k| k <= target)
        .unwrap_or(nice[0]);
    let px = km / km_per_px;
    let label = if km < 1.0 {
        format!("{:.0} m", km * 1000.0)
    } else {
        format!("{km:.0} km")
    };
    let (x, y) = (20.0, f64::from(MAP_H) - 20.0);
    let _ = write!(
        page,
        "<g class=\"scale\"><line x1=\"{x}\" y1=\"{y}\" x2=\"{:.1}\" y2=\"{y}\" stroke=\"#222\" stroke-width=\"3\"/><text x=\"{x}\" y=\"{:.1}\">{label}</text></g>",
        x + px,
        y - 6.0
    );
}

/// In place of a thumbnail: the file's type in large letters and why there
/// is no picture (HEIC, AVIF and videos need decoders photoscrub does not
/// have; a failed file may not be a picture at all) — never a broken image.
fn no_picture(page: &mut String, file: &FileReport) {
    let kind = file
        .format
        .map(|f| f.name().to_uppercase())
        .or_else(|| {
            let ext = file.path.extension()?.to_string_lossy().to_uppercase();
            Some(ext)
        })
        .unwrap_or_else(|| "?".into());
    let _ = write!(
        page,
        "<div class=\"noimg\" role=\"img\" aria-label=\"{}\"><b>{}</b><span>{}</span></div>",
        esc(&t!("html-no-preview-of", kind = kind.as_str())),
        esc(&kind),
        esc(&t!("html-no-preview"))
    );
}

/// One compact card: the picture, its name and status, the place, what it
/// would have told a stranger in plain words, and every detail folded away.
fn photo_card(page: &mut String, file: &FileReport) {
    page.push_str("<section class=\"card\">");
    match &file.thumbnail {
        Some(jpeg) => {
            let _ = write!(
                page,
                "<img class=\"thumb\" alt=\"\" src=\"data:image/jpeg;base64,{}\">",
                base64(jpeg)
            );
        }
        None => no_picture(page, file),
    }
    page.push_str("<div class=\"body\">");
    let name = file
        .path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_else(|| file.path.to_string_lossy());
    let _ = write!(
        page,
        "<h3 title=\"{}\">{}</h3><p class=\"status {}\">{}</p>",
        esc(&file.path.to_string_lossy()),
        esc(&name),
        status_code(file.status),
        esc(&status_text(file.status))
    );
    if let Some(error) = &file.error {
        let _ = write!(
            page,
            "<p>{}</p><details><summary>{}</summary><p>{}</p></details>",
            esc(&error.advice.text(crate::i18n::current())),
            esc(&t!("html-error-details")),
            esc(&error.message)
        );
    }
    if let Some(loc) = main_location(file) {
        // The place in words; the coordinates are in the details.
        let words = match loc.invalid {
            None => super::place_words(loc.lat, loc.lon),
            Some(_) => None,
        };
        let place = words.unwrap_or_else(|| describe_location(loc));
        let _ = write!(page, "<p class=\"place\">{}</p>", esc(&place));
    }
    told(page, file);
    findings_table(page, file);
    page.push_str("</div></section>");
}

/// What the file would have told a stranger, by kind, in plain words.
fn told(page: &mut String, file: &FileReport) {
    let mut kinds: Vec<String> = Vec::new();
    for category in Category::ALL {
        let word = match category {
            Category::Location => t!("told-location"),
            Category::People => t!("told-people"),
            Category::Device => t!("told-device"),
            Category::Time => t!("told-time"),
            Category::Preview => t!("told-preview"),
            Category::Text => t!("told-text"),
            Category::Unknown => t!("told-unknown"),
            Category::Rendering => continue,
        };
        if file
            .scan
            .findings
            .iter()
            .any(|f| f.category == category && f.removed)
        {
            kinds.push(word);
        }
    }
    if kinds.is_empty() {
        return;
    }
    let lead = match file.status {
        Status::Cleaned => t!("told-removed"),
        _ => t!("told-would-tell"),
    };
    let _ = write!(page, "<p class=\"told\">{}: ", esc(&lead));
    for kind in &kinds {
        let _ = write!(page, "<i>{}</i> ", esc(kind));
    }
    page.push_str("</p>");
}

/// Every finding, folded away under a one-line summary.
fn findings_table(page: &mut String, file: &FileReport) {
    if file.scan.findings.is_empty() {
        return;
    }
    let (removed_word, kept_word) = match file.status {
        Status::Cleaned => (t!("fate-removed"), t!("fate-kept")),
        Status::Leaks | Status::AlreadyClean => (t!("fate-would-remove"), t!("fate-would-keep")),
        _ => (t!("fate-not-removed"), t!("fate-not-removed")),
    };
    let _ = write!(
        page,
        "<details><summary>{}</summary><div class=\"scroll\"><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th></th></tr>",
        esc(&t!("html-details", findings = file.scan.findings.len())),
        esc(&t!("html-column-category")),
        esc(&t!("html-column-where")),
        esc(&t!("html-column-tag")),
        esc(&t!("html-column-value")),
    );
    for f in &file.scan.findings {
        let (class, fate) = if f.removed {
            ("removed", &removed_word)
        } else {
            ("kept", &kept_word)
        };
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"v\">{}</td><td class=\"{class}\">{}</td></tr>",
            esc(&category_text(f.category)),
            esc(&f.block),
            esc(&f.tag),
            esc(&f.value),
            esc(fate)
        );
    }
    page.push_str("</table></div></details>");
}

/// `command` in escaped text as <code>command</code>.
fn code_spans(escaped: &str) -> String {
    let mut out = String::with_capacity(escaped.len() + 16);
    for (i, part) in escaped.split('`').enumerate() {
        match i % 2 {
            1 => {
                let _ = write!(out, "<code>{part}</code>");
            }
            _ => out.push_str(part),
        }
    }
    out
}

/// Escapes text for HTML element content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 (RFC 4648) with padding.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    fn place(lat: f64, lon: f64, photos: usize, repeated: bool) -> super::super::Place {
        super::super::Place {
            lat,
            lon,
            name: format!("{lat}, {lon}"),
            name_en: String::new(),
            link: String::new(),
            files: vec![String::new(); photos],
            days: Vec::new(),
            repeated,
        }
    }

    #[test]
    fn markers_of_places_too_close_to_tell_apart_merge_with_their_sum() {
        // Haarlem twice 30 m apart, Paris once: two markers on a map of both.
        let places = [
            place(52.3812, 4.6368, 2, true),
            place(52.3814, 4.6370, 1, false),
            place(48.8584, 2.2945, 1, false),
        ];
        let points: Vec<_> = places.iter().map(|p| (p.lat, p.lon)).collect();
        let view = View::fit(&points, 2.0, MAP_W, MAP_H);
        let markers = markers(&view, &places);
        assert_eq!(markers.len(), 2);
        assert_eq!((markers[0].photos, markers[0].repeated), (3, true));
        assert_eq!(markers[1].photos, 1);
        for m in &markers {
            assert!(
                (0.0..=f64::from(MAP_W)).contains(&m.x) && (0.0..=f64::from(MAP_H)).contains(&m.y)
            );
        }
        // North is up.
        assert!(markers[0].y < markers[1].y);
    }

    #[cfg(feature = "places")]
    #[test]
    fn the_map_draws_land_borders_and_towns() {
        let summary = Summary {
            places: vec![
                place(52.3812, 4.6368, 2, true),
                place(50.8503, 4.3517, 1, false),
            ],
            ..Summary::default()
        };
        let mut page = String::new();
        map_section(&mut page, &summary);
        let d_of = |class: &str| {
            let at = page.find(&format!("class=\"{class}\" d=\"")).unwrap() + class.len() + 12;
            page[at..].split('"').next().unwrap().len()
        };
        assert!(d_of("land") > 100, "land is drawn");
        assert!(d_of("border") > 20, "the Dutch-Belgian border is drawn");
        assert_eq!(page.matches("class=\"marker\"").count(), 2);
        assert_eq!(page.matches("class=\"repeated\"").count(), 1);
        assert!(
            page.contains(">Amsterdam<")
                || page.contains(">Antwerpen<")
                || page.contains(">Antwerp<"),
            "a large town is named"
        );
    }
}
