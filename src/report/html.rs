//! One self-contained HTML page: a thumbnail and the findings of each photo,
//! and an SVG map of every located photo. Inline CSS and SVG only — no
//! script, font, image or tile is fetched from anywhere, so opening the page
//! tells nobody anything.

use super::{describe_location, main_location, status_word, Summary};
use crate::batch::{Batch, FileReport};
use photoscrub_core::geo;
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
    located: usize,
}

impl Cards {
    pub fn new() -> io::Result<Cards> {
        Ok(Cards {
            spool: io::BufWriter::new(tempfile::tempfile()?),
            located: 0,
        })
    }

    /// Adds the card of one file; located files are numbered from 1 in
    /// report order, as on the map.
    pub fn add(&mut self, file: &FileReport) -> io::Result<()> {
        let number = main_location(file)
            .filter(|l| l.invalid.is_none())
            .map(|_| {
                self.located += 1;
                self.located
            });
        let mut card = String::with_capacity(16 * 1024);
        photo_card(&mut card, file, number);
        self.spool.write_all(card.as_bytes())
    }

    /// Writes the page: head, summary, map, then the spooled cards.
    pub fn finish(self, summary: &Summary, out: &mut impl Write) -> io::Result<()> {
        use std::io::Seek;
        let mut page = String::with_capacity(64 * 1024);
        page.push_str(HEAD);
        summary_section(&mut page, summary);
        map_section(&mut page, summary);
        page.push_str("<h2>Photos</h2>");
        out.write_all(page.as_bytes())?;
        let mut spool = self.spool.into_inner().map_err(|e| e.into_error())?;
        spool.rewind()?;
        io::copy(&mut spool, out)?;
        out.write_all(b"</main></body></html>\n")
    }
}

const HEAD: &str = r#"<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<title>photoscrub report</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f6f6f4;color:#222}
main{max-width:1100px;margin:auto;padding:1rem 1.5rem}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem}
.warn{background:#fde8e8;border-left:5px solid #c0392b;padding:.6rem 1rem;margin:.5rem 0}
.card{display:flex;gap:1rem;background:#fff;border-radius:8px;padding:1rem;margin:1rem 0;box-shadow:0 1px 3px #0002}
.card img{width:200px;height:auto;object-fit:contain;align-self:flex-start}
.noimg{width:200px;height:120px;background:#ddd;display:flex;align-items:center;justify-content:center;color:#666}
.num{display:inline-block;background:#1f6feb;color:#fff;border-radius:50%;width:1.6rem;height:1.6rem;text-align:center;line-height:1.6rem;margin-right:.4rem}
table{border-collapse:collapse;font-size:.85rem;width:100%}td,th{text-align:left;padding:2px 6px;border-bottom:1px solid #eee;vertical-align:top}
td.v{word-break:break-all}.removed{color:#1a7f37}.kept{color:#9a6700}
svg{background:#e8f1f8;border-radius:8px;max-width:100%;height:auto}
svg text{font-size:12px;font-family:sans-serif}
</style></head><body><main>
<h1>What these photos would have told a stranger</h1>
"#;

fn summary_section(page: &mut String, s: &Summary) {
    for place in s.places.iter().filter(|p| p.repeated) {
        let _ = write!(
            page,
            "<p class=\"warn\"><strong>A place you return to — often home, school or a club:</strong> {} photos on {} different days ({}), {} — <a href=\"{}\">map</a></p>",
            place.files.len(),
            place.days.len(),
            esc(&place.days.join(", ")),
            esc(&place.name),
            esc(&place.link)
        );
    }
    page.push_str("<ul>");
    let _ = write!(page, "<li>{}</li>", esc(&s.counts_line()));
    let _ = write!(
        page,
        "<li>{} photos showed where they were taken",
        s.with_location
    );
    if !s.places.is_empty() {
        page.push_str(":<ul>");
        for place in &s.places {
            let _ = write!(
                page,
                "<li>{} — {} photo(s) — <a href=\"{}\">{:.6}, {:.6}</a></li>",
                esc(&place.name),
                place.files.len(),
                esc(&place.link),
                place.lat,
                place.lon
            );
        }
        page.push_str("</ul>");
    }
    page.push_str("</li>");
    if s.invalid_locations > 0 {
        let _ = write!(
            page,
            "<li>{} photos had GPS data that is not a real place</li>",
            s.invalid_locations
        );
    }
    list_item(page, "Names of people", &s.names);
    list_item(page, "Device serial numbers", &s.serials);
    if let Some((a, b)) = &s.dates {
        let _ = write!(page, "<li>Taken between {} and {}</li>", esc(a), esc(b));
    }
    if s.previews > 0 {
        let _ = write!(
            page,
            "<li>{} hidden previews that can show more than the posted picture</li>",
            s.previews
        );
    }
    let counts = |m: &std::collections::BTreeMap<String, usize>| {
        m.iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (removed, kept) = if s.checked {
        ("Would remove", "Would keep")
    } else {
        ("Removed", "Kept")
    };
    let _ = write!(page, "<li>Found: {}</li>", esc(&counts(&s.found)));
    let _ = write!(page, "<li>{removed}: {}</li>", esc(&counts(&s.removed)));
    let _ = write!(page, "<li>{kept}: {}</li></ul>", esc(&counts(&s.kept)));
}

fn list_item(page: &mut String, label: &str, items: &[String]) {
    if !items.is_empty() {
        let _ = write!(page, "<li>{label}: {}</li>", esc(&items.join(", ")));
    }
}

const MAP_W: f64 = 900.0;
const MAP_H: f64 = 500.0;
const MARGIN: f64 = 40.0;

/// An equirectangular projection of the points' bounding box (longitude
/// scaled by the cosine of the middle latitude), a scale bar, one numbered
/// point per located photo linking to OpenStreetMap, and a red ring around
/// each repeated place.
fn map_section(page: &mut String, s: &Summary) {
    if s.located.is_empty() {
        return;
    }
    let project = Projection::fit(s.located.iter().map(|(p, _)| (p.lat, p.lon)));
    page.push_str("<h2>Map</h2>");
    let _ = write!(
        page,
        "<svg id=\"map\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{MAP_W}\" height=\"{MAP_H}\" viewBox=\"0 0 {MAP_W} {MAP_H}\" role=\"img\" aria-label=\"map of photo locations\">"
    );
    for place in s.places.iter().filter(|p| p.repeated) {
        let (x, y) = project.xy(place.lat, place.lon);
        let _ = write!(
            page,
            "<a href=\"{}\"><circle class=\"repeated\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"22\" fill=\"none\" stroke=\"#c0392b\" stroke-width=\"3\"><title>{}</title></circle></a>",
            esc(&place.link),
            esc(&place.name)
        );
    }
    for (i, (point, path)) in s.located.iter().enumerate() {
        let (n, lat, lon) = (i + 1, point.lat, point.lon);
        let (x, y) = project.xy(lat, lon);
        let link = geo::location(lat, lon, None, "").osm_link();
        let _ = write!(
            page,
            "<a href=\"{}\"><circle class=\"point\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"9\" fill=\"#1f6feb\"><title>{} — {}</title></circle><text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#fff\">{n}</text></a>",
            esc(&link),
            n,
            esc(path),
            y + 4.0
        );
    }
    scale_bar(page, &project);
    page.push_str("</svg>");
}

fn scale_bar(page: &mut String, project: &Projection) {
    let km_per_px = project.km_per_px();
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
    let (x, y) = (MARGIN / 2.0, MAP_H - MARGIN / 2.0);
    let _ = write!(
        page,
        "<g class=\"scale\"><line x1=\"{x}\" y1=\"{y}\" x2=\"{:.1}\" y2=\"{y}\" stroke=\"#222\" stroke-width=\"3\"/><text x=\"{x}\" y=\"{:.1}\">{label}</text></g>",
        x + px,
        y - 6.0
    );
}

/// Maps latitude/longitude onto the SVG canvas.
struct Projection {
    lat0: f64,
    lon0: f64,
    scale: f64,
    cos: f64,
}

impl Projection {
    fn fit(points: impl Iterator<Item = (f64, f64)> + Clone) -> Projection {
        let (mut lat_min, mut lat_max, mut lon_min, mut lon_max) =
            (90.0f64, -90.0f64, 180.0f64, -180.0f64);
        for (lat, lon) in points {
            (lat_min, lat_max) = (lat_min.min(lat), lat_max.max(lat));
            (lon_min, lon_max) = (lon_min.min(lon), lon_max.max(lon));
        }
        let cos = ((lat_min + lat_max) / 2.0).to_radians().cos().max(0.01);
        // At least ~1 km across, so a single point gets a sensible scale.
        let width = ((lon_max - lon_min) * cos).max(0.01);
        let height = (lat_max - lat_min).max(0.01);
        let scale = ((MAP_W - 2.0 * MARGIN) / width).min((MAP_H - 2.0 * MARGIN) / height);
        Projection {
            lat0: (lat_min + lat_max) / 2.0,
            lon0: (lon_min + lon_max) / 2.0,
            scale,
            cos,
        }
    }

    fn xy(&self, lat: f64, lon: f64) -> (f64, f64) {
        let x = MAP_W / 2.0 + (lon - self.lon0) * self.cos * self.scale;
        let y = MAP_H / 2.0 - (lat - self.lat0) * self.scale;
        (x, y)
    }

    /// Kilometres per pixel (one degree of latitude is ~111.2 km).
    fn km_per_px(&self) -> f64 {
        geo::distance_km((self.lat0, self.lon0), (self.lat0 + 1.0, self.lon0)) / self.scale
    }
}

fn photo_card(page: &mut String, file: &FileReport, number: Option<usize>) {
    page.push_str("<section class=\"card\">");
    match &file.thumbnail {
        Some(jpeg) => {
            let _ = write!(
                page,
                "<img class=\"thumb\" alt=\"\" src=\"data:image/jpeg;base64,{}\">",
                base64(jpeg)
            );
        }
        None => page.push_str("<div class=\"noimg\">no preview</div>"),
    }
    page.push_str("<div>");
    let num = number
        .map(|n| format!("<span class=\"num\">{n}</span>"))
        .unwrap_or_default();
    let _ = write!(
        page,
        "<h3>{num}{} — {}</h3>",
        esc(&file.path.to_string_lossy()),
        status_word(file.status)
    );
    if let Some(error) = &file.error {
        let _ = write!(page, "<p>{}</p>", esc(&error.message));
    }
    if let Some(loc) = main_location(file) {
        let _ = write!(page, "<p>Location: {}</p>", esc(&describe_location(loc)));
    }
    findings_table(page, file);
    page.push_str("</div></section>");
}

fn findings_table(page: &mut String, file: &FileReport) {
    if file.scan.findings.is_empty() {
        return;
    }
    page.push_str(
        "<table><tr><th>category</th><th>where</th><th>tag</th><th>value</th><th></th></tr>",
    );
    for f in &file.scan.findings {
        let (class, fate) = if f.removed {
            ("removed", "removed")
        } else {
            ("kept", "kept")
        };
        let _ = write!(
            page,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"v\">{}</td><td class=\"{class}\">{fate}</td></tr>",
            f.category.name(),
            esc(&f.block),
            esc(&f.tag),
            esc(&f.value)
        );
    }
    page.push_str("</table>");
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

    #[test]
    fn projection_keeps_points_on_the_canvas() {
        let points = [(52.38, 4.63), (48.85, 2.29)];
        let p = Projection::fit(points.iter().copied());
        for (lat, lon) in points {
            let (x, y) = p.xy(lat, lon);
            assert!(
                (0.0..=MAP_W).contains(&x) && (0.0..=MAP_H).contains(&y),
                "{x},{y}"
            );
        }
        // North is up: the northern point is higher on the page.
        assert!(p.xy(52.38, 4.63).1 < p.xy(48.85, 2.29).1);
    }
}
