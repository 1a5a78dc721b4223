//! Offline map outlines: land, lakes and country borders for a map the
//! report draws itself (no tile server, no network).
//!
//! The outlines are `data/map.bin`, made by `data/make-map.py` from Natural
//! Earth (public domain): 1:50m for countries and the world, 1:10m
//! (simplified to 150 m) for a town or a region. This module reads them from a byte slice
//! (the embedded copy with the cargo feature `places`, or a copy the web
//! page loads on demand), and for a [`View`] returns the shapes clipped to
//! it and simplified to its pixel size, in pixel coordinates of the Web
//! Mercator projection (the one of every web map: north up, shapes true
//! locally), plus the labels of the largest towns in view from the place
//! table. [`demo_svg`] draws them as a plain SVG.

use crate::places::Places;
use std::f64::consts::PI;
use std::fmt::Write as _;

/// Why a byte slice is not a map outline file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapDataError(pub String);

impl std::fmt::Display for MapDataError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "not map outlines: {}", self.0)
    }
}

impl std::error::Error for MapDataError {}

const MAGIC: &[u8; 8] = b"PSMAPDAT";
const HEADER: usize = 16;
const PART_HEADER: usize = 26;

/// What a shape is, in the order they are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Land (continents, islands, islands in lakes): filled.
    Land,
    /// Lakes and the seas inside land (the Caspian): filled with water.
    Water,
    /// A country border on land: a line.
    Border,
}

#[derive(Clone, Copy, Debug)]
struct Part {
    kind: u8,
    /// 0: overview (1:50m), 1: detail (1:10m).
    level: u8,
    /// West, south, east, north in degrees.
    bbox: [f64; 4],
    points: usize,
    at: usize,
    len: usize,
}

/// The outlines: an index of the parts of `data/map.bin` (or a copy).
#[derive(Clone, Debug)]
pub struct MapData<'a> {
    data: &'a [u8],
    unit: f64,
    parts: Vec<Part>,
}

impl<'a> MapData<'a> {
    /// Reads the part headers (about 2000, no coordinates are decoded).
    pub fn parse(data: &'a [u8]) -> Result<MapData<'a>, MapDataError> {
        let err = |m: &str| Err(MapDataError(m.to_string()));
        if data.len() < HEADER || &data[..8] != MAGIC {
            return err("no PSMAPDAT header");
        }
        let u16_at = |at: usize| u16::from_le_bytes([data[at], data[at + 1]]);
        if u16_at(8) != 1 {
            return err("unknown version");
        }
        let unit = f64::from(u16_at(10).max(1));
        let count = u32::from_le_bytes([data[12], data[13], data[14], data[15]]) as usize;
        let mut parts = Vec::with_capacity(count.min(data.len() / PART_HEADER));
        let mut at = HEADER;
        for _ in 0..count {
            let Some(head) = data.get(at..at + PART_HEADER) else {
                return err("truncated part header");
            };
            let i32_at =
                |o: usize| i32::from_le_bytes([head[o], head[o + 1], head[o + 2], head[o + 3]]);
            let (kind, level) = (head[0], head[1]);
            if kind > 4 || level > 1 {
                return err("unknown part kind or level");
            }
            let bbox = [2, 6, 10, 14].map(|o| f64::from(i32_at(o)) / unit);
            let points = i32_at(18) as u32 as usize;
            let len = i32_at(22) as u32 as usize;
            at += PART_HEADER;
            if data.len() < at + len {
                return err("truncated part");
            }
            parts.push(Part {
                kind,
                level,
                bbox,
                points,
                at,
                len,
            });
            at += len;
        }
        if at != data.len() {
            return err("bytes after the last part");
        }
        Ok(MapData { data, unit, parts })
    }

    /// The outlines embedded in the binary (cargo feature `places`).
    #[cfg(feature = "places")]
    pub fn embedded() -> MapData<'static> {
        static DATA: &[u8] = include_bytes!("../data/map.bin");
        MapData::parse(DATA).expect("the embedded map outlines are valid")
    }

    /// Size of the outline data in bytes.
    pub fn size(&self) -> usize {
        self.data.len()
    }

    /// Decodes one part's points as (longitude, latitude) degrees; stops at
    /// the first malformed varint.
    fn points(&self, part: &Part) -> Vec<(f64, f64)> {
        let bytes = &self.data[part.at..part.at + part.len];
        let mut pos = 0;
        let mut next = || -> Option<i64> {
            let mut v: u64 = 0;
            for shift in (0..64).step_by(7) {
                let b = *bytes.get(pos)?;
                pos += 1;
                v |= u64::from(b & 0x7F) << shift;
                if b & 0x80 == 0 {
                    return Some((v >> 1) as i64 ^ -((v & 1) as i64));
                }
            }
            None
        };
        let (mut x, mut y) = (
            (part.bbox[0] * self.unit).round() as i64,
            (part.bbox[1] * self.unit).round() as i64,
        );
        let mut out = Vec::with_capacity(part.points);
        for _ in 0..part.points {
            let (Some(dx), Some(dy)) = (next(), next()) else {
                break;
            };
            x += dx;
            y += dy;
            out.push((x as f64 / self.unit, y as f64 / self.unit));
        }
        out
    }

    /// The shapes in `view`, clipped to it, simplified to its pixels and in
    /// drawing order (land, water, borders).
    pub fn shapes(&self, view: &View) -> Vec<Shape> {
        let level = u8::from(view.metres_per_pixel() < DETAIL_BELOW_M_PER_PX);
        let mut out = Vec::new();
        for part in self.parts.iter().filter(|p| p.level == level) {
            for shift in [-360.0, 0.0, 360.0] {
                let [w, s, e, n] = part.bbox;
                if e + shift < view.west
                    || w + shift > view.east
                    || n < view.south
                    || s > view.north
                {
                    continue;
                }
                let kind = match part.kind {
                    0 | 3 => Kind::Land,
                    1 | 2 => Kind::Water,
                    _ => Kind::Border,
                };
                let projected = simplify(
                    self.points(part)
                        .into_iter()
                        .map(|(lon, lat)| view.project_raw(lat, lon + shift)),
                    SIMPLIFY_PX,
                );
                let (w, h) = (f64::from(view.width), f64::from(view.height));
                let clipped = if kind == Kind::Border {
                    clip_line(&projected, w, h)
                } else {
                    clip_ring(&projected, w, h).into_iter().collect()
                };
                out.extend(clipped.into_iter().map(|points| {
                    Shape {
                        kind,
                        points: points
                            .into_iter()
                            .map(|(x, y)| (x as f32, y as f32))
                            .collect(),
                    }
                }));
            }
        }
        // Land first, then water on it, then borders on top; stable.
        out.sort_by_key(|s| match s.kind {
            Kind::Land => 0,
            Kind::Water => 1,
            Kind::Border => 2,
        });
        out
    }

    /// Whether a point lies on land (not at sea and not in a lake).
    pub fn is_land(&self, lat: f64, lon: f64) -> bool {
        let mut land = false;
        let detail = self.parts.iter().any(|p| p.level == 1);
        let level = u8::from(detail);
        for part in self.parts.iter().filter(|p| p.kind < 4 && p.level == level) {
            let [w, s, e, n] = part.bbox;
            if lon < w || lon > e || lat < s || lat > n {
                continue;
            }
            if inside(&self.points(part), lon, lat) {
                // Land and islands make land; holes and lakes take it away.
                land = part.kind == 0 || part.kind == 3;
            }
        }
        land
    }
}

/// Ray casting: whether (x, y) is inside the closed ring.
fn inside(ring: &[(f64, f64)], x: f64, y: f64) -> bool {
    let mut c = false;
    let mut j = ring.len().wrapping_sub(1);
    for (i, &(xi, yi)) in ring.iter().enumerate() {
        let (xj, yj) = ring[j];
        if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
            c = !c;
        }
        j = i;
    }
    c
}

/// Views finer than this (metres per pixel) draw the detail level: 1:50m
/// outlines are good to about 2 km; the 1:10m ones to about 200 m.
const DETAIL_BELOW_M_PER_PX: f64 = 1000.0;

/// Drop points closer than this many pixels to the last one kept.
const SIMPLIFY_PX: f64 = 0.8;

fn simplify(points: impl Iterator<Item = (f64, f64)>, tolerance: f64) -> Vec<(f64, f64)> {
    let mut out: Vec<(f64, f64)> = Vec::new();
    for p in points {
        match out.last() {
            Some(&(x, y)) if (p.0 - x).powi(2) + (p.1 - y).powi(2) < tolerance * tolerance => {}
            _ => out.push(p),
        }
    }
    out
}

/// Pixels beyond the view edge that clipped shapes may reach, so no clipped
/// edge of land is drawn inside the view.
const CLIP_MARGIN: f64 = 4.0;

/// Sutherland–Hodgman: the ring clipped to the view (with a margin).
fn clip_ring(ring: &[(f64, f64)], width: f64, height: f64) -> Option<Vec<(f64, f64)>> {
    let (lo_x, lo_y) = (-CLIP_MARGIN, -CLIP_MARGIN);
    let (hi_x, hi_y) = (width + CLIP_MARGIN, height + CLIP_MARGIN);
    let mut poly = ring.to_vec();
    type Edge = (fn(&(f64, f64), f64) -> bool, bool, f64);
    let edges: [Edge; 4] = [
        (|p, v| p.0 >= v, true, lo_x),
        (|p, v| p.0 <= v, true, hi_x),
        (|p, v| p.1 >= v, false, lo_y),
        (|p, v| p.1 <= v, false, hi_y),
    ];
    for (keep, vertical, v) in edges {
        if poly.is_empty() {
            break;
        }
        let mut next = Vec::with_capacity(poly.len());
        let mut prev = *poly.last().unwrap_or(&(0.0, 0.0));
        for &cur in &poly {
            let (ci, pi) = (keep(&cur, v), keep(&prev, v));
            if ci != pi {
                next.push(cross(prev, cur, vertical, v));
            }
            if ci {
                next.push(cur);
            }
            prev = cur;
        }
        poly = next;
    }
    (poly.len() >= 3).then_some(poly)
}

/// Where the segment a–b crosses x = v (vertical) or y = v.
fn cross(a: (f64, f64), b: (f64, f64), vertical: bool, v: f64) -> (f64, f64) {
    if vertical {
        let t = (v - a.0) / (b.0 - a.0);
        (v, a.1 + t * (b.1 - a.1))
    } else {
        let t = (v - a.1) / (b.1 - a.1);
        (a.0 + t * (b.0 - a.0), v)
    }
}

/// Liang–Barsky per segment: the polylines of `line` inside the view.
fn clip_line(line: &[(f64, f64)], width: f64, height: f64) -> Vec<Vec<(f64, f64)>> {
    let (lo, hi_x, hi_y) = (-CLIP_MARGIN, width + CLIP_MARGIN, height + CLIP_MARGIN);
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for w in line.windows(2) {
        let (a, b) = (w[0], w[1]);
        let (dx, dy) = (b.0 - a.0, b.1 - a.1);
        let (mut t0, mut t1) = (0.0f64, 1.0f64);
        let mut visible = true;
        for (p, q) in [
            (-dx, a.0 - lo),
            (dx, hi_x - a.0),
            (-dy, a.1 - lo),
            (dy, hi_y - a.1),
        ] {
            if p == 0.0 {
                if q < 0.0 {
                    visible = false;
                }
            } else {
                let r = q / p;
                if p < 0.0 {
                    t0 = t0.max(r);
                } else {
                    t1 = t1.min(r);
                }
            }
        }
        if !visible || t0 > t1 {
            if current.len() >= 2 {
                out.push(std::mem::take(&mut current));
            }
            current.clear();
            continue;
        }
        let start = (a.0 + t0 * dx, a.1 + t0 * dy);
        let end = (a.0 + t1 * dx, a.1 + t1 * dy);
        if current.last() != Some(&start) {
            if current.len() >= 2 {
                out.push(std::mem::take(&mut current));
            }
            current.clear();
            current.push(start);
        }
        current.push(end);
        if t1 < 1.0 {
            out.push(std::mem::take(&mut current));
        }
    }
    if current.len() >= 2 {
        out.push(current);
    }
    out
}

/// A shape in pixel coordinates: a closed ring (land, water) or a line.
#[derive(Clone, Debug, PartialEq)]
pub struct Shape {
    pub kind: Kind,
    pub points: Vec<(f32, f32)>,
}

/// A part of the world drawn at a size: a latitude/longitude box and the
/// Web Mercator projection that fits it into `width` × `height` pixels.
/// `east` may exceed 180 for a view across the antimeridian.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct View {
    pub south: f64,
    pub west: f64,
    pub north: f64,
    pub east: f64,
    pub width: u32,
    pub height: u32,
    /// Pixels per unit of Mercator x (the world is 1 unit wide).
    scale: f64,
    x0: f64,
    y0: f64,
}

/// Web Mercator stops at this latitude (the square world of web maps).
const MAX_LAT: f64 = 85.051_128_78;

fn mercator(lat: f64, lon: f64) -> (f64, f64) {
    let phi = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    let x = (lon + 180.0) / 360.0;
    let y = (1.0 - (phi.tan() + 1.0 / phi.cos()).ln() / PI) / 2.0;
    (x, y)
}

fn inverse_lat(y: f64) -> f64 {
    (PI * (1.0 - 2.0 * y)).sinh().atan().to_degrees()
}

impl View {
    /// The view of a box, widened on one side so it fills the pixels.
    pub fn new(south: f64, west: f64, north: f64, east: f64, width: u32, height: u32) -> View {
        let (width, height) = (width.max(1), height.max(1));
        let east = if east < west { east + 360.0 } else { east };
        let (xa, yb) = mercator(south, west);
        let (xb, ya) = mercator(north, east);
        let (w, h) = (f64::from(width), f64::from(height));
        let scale = (w / (xb - xa).max(1e-9)).min(h / (yb - ya).max(1e-9));
        // Centre the box; the pixels around it show more of the world.
        let x0 = (xa + xb) / 2.0 - w / scale / 2.0;
        let y0 = ((ya + yb) / 2.0 - h / scale / 2.0).max(0.0);
        let west = x0 * 360.0 - 180.0;
        let east = (x0 + w / scale) * 360.0 - 180.0;
        let north = inverse_lat(y0);
        let south = inverse_lat((y0 + h / scale).min(1.0));
        View {
            south,
            west,
            north,
            east,
            width,
            height,
            scale,
            x0,
            y0,
        }
    }

    /// A view that shows every point with a margin, at least `min_km`
    /// across (a single photo gets a town-sized map), across the
    /// antimeridian when that is shorter.
    pub fn fit(points: &[(f64, f64)], min_km: f64, width: u32, height: u32) -> View {
        if points.is_empty() {
            return View::new(-60.0, -180.0, 80.0, 180.0, width, height);
        }
        let south = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let north = points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
        // The shortest longitude span: the circle minus its largest gap.
        let mut lons: Vec<f64> = points.iter().map(|p| p.1).collect();
        lons.sort_by(f64::total_cmp);
        let mut gap = (lons[0] + 360.0 - lons[lons.len() - 1], lons[lons.len() - 1]);
        for w in lons.windows(2) {
            if w[1] - w[0] > gap.0 {
                gap = (w[1] - w[0], w[0]);
            }
        }
        let west = gap.1 + gap.0 - if gap.1 + gap.0 > 180.0 { 360.0 } else { 0.0 };
        let span = 360.0 - gap.0;
        let east = west + span;
        let mid = (south + north) / 2.0;
        let min_lat = min_km / 111.2;
        let min_lon = min_km / (111.32 * mid.to_radians().cos().max(0.05));
        let pad = |lo: f64, hi: f64, min: f64| {
            let size = (hi - lo).max(min) * 1.3;
            let c = (lo + hi) / 2.0;
            (c - size / 2.0, c + size / 2.0)
        };
        let (s, n) = pad(south, north, min_lat);
        let (w, e) = pad(west, east, min_lon);
        View::new(s.max(-MAX_LAT), w, n.min(MAX_LAT), e, width, height)
    }

    /// Pixel position of a point (x right, y down); a longitude west of
    /// the view is taken once round the world (views across 180°).
    pub fn project(&self, lat: f64, lon: f64) -> (f64, f64) {
        let lon = if lon < self.west - 1e-9 {
            lon + 360.0
        } else {
            lon
        };
        self.project_raw(lat, lon)
    }

    fn project_raw(&self, lat: f64, lon: f64) -> (f64, f64) {
        let (x, y) = mercator(lat, lon);
        ((x - self.x0) * self.scale, (y - self.y0) * self.scale)
    }

    /// Metres per pixel at the view's middle latitude.
    pub fn metres_per_pixel(&self) -> f64 {
        let mid = ((self.south + self.north) / 2.0).to_radians();
        40_075_016.7 * mid.cos() / self.scale
    }
}

/// A town name placed on the map: the town at (x, y), its name's baseline
/// starting at (text_x, text_y).
#[derive(Clone, Debug, PartialEq)]
pub struct Label<'a> {
    pub x: f32,
    pub y: f32,
    pub text_x: f32,
    pub text_y: f32,
    pub name: &'a str,
    pub population: u32,
}

/// Height of label text in pixels; the width is estimated from it.
pub const LABEL_PX: f32 = 12.0;

/// The largest towns in view, at most `max`, placed so that no two labels
/// overlap and none covers a point of `avoid` (pixel positions).
pub fn labels<'p>(
    places: &Places<'p>,
    view: &View,
    lang: &str,
    max: usize,
    avoid: &[(f32, f32)],
) -> Vec<Label<'p>> {
    let mut out: Vec<Label<'p>> = Vec::new();
    let mut boxes: Vec<[f32; 4]> = avoid
        .iter()
        .map(|&(x, y)| [x - 8.0, y - 8.0, x + 8.0, y + 8.0])
        .collect();
    let candidates = if view.east > 180.0 {
        let mut c = places.in_box(view.south, view.west, view.north, view.east - 360.0);
        c.sort_by_key(|p| std::cmp::Reverse(p.population()));
        c
    } else {
        places.in_box(view.south, view.west, view.north, view.east)
    };
    for place in candidates {
        if out.len() >= max {
            break;
        }
        // "Paris 16 Passy" and Neuilly are Paris on a map of Paris.
        if place.part_of().is_some() {
            continue;
        }
        let (x, y) = view.project(place.lat(), place.lon());
        let (x, y) = (x as f32, y as f32);
        let name = place.name(lang);
        let w = LABEL_PX * 0.55 * name.chars().count() as f32;
        let h = LABEL_PX;
        // Right of the town's dot, then left, above and below: the first
        // place where the text fits in the view and covers no other text,
        // town or point (a town under a point still gets its name).
        let spots = [
            (x + 11.0, y + h * 0.35),
            (x - 11.0 - w, y + h * 0.35),
            (x - w / 2.0, y - 12.0),
            (x - w / 2.0, y + 10.0 + h),
        ];
        let (vw, vh) = (view.width as f32, view.height as f32);
        let dot = [x - 3.0, y - 3.0, x + 3.0, y + 3.0];
        let free = |b: &[f32; 4]| {
            !boxes
                .iter()
                .any(|o| b[0] < o[2] && o[0] < b[2] && b[1] < o[3] && o[1] < b[3])
        };
        let spot = spots.iter().find(|&&(tx, ty)| {
            let b = [tx - 1.0, ty - h, tx + w + 1.0, ty + 3.0];
            b[0] >= 0.0 && b[1] >= 0.0 && b[2] <= vw && b[3] <= vh && free(&b)
        });
        let Some(&(tx, ty)) = spot else {
            continue;
        };
        boxes.push(dot);
        boxes.push([tx - 1.0, ty - h, tx + w + 1.0, ty + 3.0]);
        out.push(Label {
            x,
            y,
            text_x: tx,
            text_y: ty,
            name,
            population: place.population(),
        });
    }
    out
}

fn path_data(points: &[(f32, f32)], closed: bool) -> String {
    let mut d = String::with_capacity(points.len() * 12);
    for (i, (x, y)) in points.iter().enumerate() {
        let _ = write!(d, "{}{:.1} {:.1}", if i == 0 { "M" } else { "L" }, x, y);
    }
    if closed {
        d.push('Z');
    }
    d
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A plain SVG map of `points` (latitude, longitude): land, lakes, borders,
/// the largest towns and the points, `width` × `height` pixels. A demo of
/// the data API; the report draws its own.
pub fn demo_svg(
    map: &MapData,
    places: &Places,
    points: &[(f64, f64)],
    width: u32,
    height: u32,
    lang: &str,
) -> String {
    let view = View::fit(points, 12.0, width, height);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}"><rect width="100%" height="100%" fill="#a9cfe8"/>"##
    );
    let mut land = String::new();
    let mut water = String::new();
    let mut borders = String::new();
    for shape in map.shapes(&view) {
        match shape.kind {
            Kind::Land => land.push_str(&path_data(&shape.points, true)),
            Kind::Water => water.push_str(&path_data(&shape.points, true)),
            Kind::Border => borders.push_str(&path_data(&shape.points, false)),
        }
    }
    let _ = write!(
        svg,
        r##"<path class="land" d="{land}" fill="#f2efe6" stroke="#8aa9bd" stroke-width="0.8"/><path class="water" d="{water}" fill="#a9cfe8" stroke="#8aa9bd" stroke-width="0.6"/><path class="border" d="{borders}" fill="none" stroke="#9b7fa6" stroke-width="1.2" stroke-dasharray="4 2"/>"##
    );
    let dots: Vec<(f32, f32)> = points
        .iter()
        .map(|&(lat, lon)| {
            let (x, y) = view.project(lat, lon);
            (x as f32, y as f32)
        })
        .collect();
    svg.push_str(r##"<g font-family="sans-serif" font-size="12" fill="#333">"##);
    for l in labels(places, &view, lang, 14, &dots) {
        let _ = write!(
            svg,
            r##"<circle cx="{:.1}" cy="{:.1}" r="2" fill="#555"/><text x="{:.1}" y="{:.1}" stroke="#fff" stroke-width="3" paint-order="stroke">{}</text>"##,
            l.x,
            l.y,
            l.text_x,
            l.text_y,
            escape(l.name)
        );
    }
    svg.push_str("</g>");
    for (x, y) in dots {
        let _ = write!(
            svg,
            r##"<circle class="point" cx="{x:.1}" cy="{y:.1}" r="6" fill="#d62828" stroke="#fff" stroke-width="2"/>"##
        );
    }
    let km = view.metres_per_pixel() * f64::from(width) / 1000.0;
    let _ = write!(
        svg,
        r##"<text x="6" y="{}" font-family="sans-serif" font-size="10" fill="#555">{km:.0} km across · Natural Earth · GeoNames</text></svg>"##,
        height - 6
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file with one square island (kind 0) from (lon 4, lat 52) to
    /// (5, 53), a lake in it and a border line across it.
    fn sample() -> Vec<u8> {
        fn varint(v: i64, out: &mut Vec<u8>) {
            let mut v = ((v << 1) ^ (v >> 63)) as u64;
            loop {
                let b = (v & 0x7F) as u8;
                v >>= 7;
                if v == 0 {
                    out.push(b);
                    return;
                }
                out.push(b | 0x80);
            }
        }
        fn part(kind: u8, pts: &[(i64, i64)], out: &mut Vec<u8>) {
            let unit = 1024;
            let q: Vec<(i64, i64)> = pts
                .iter()
                .map(|&(x, y)| (x * unit / 10, y * unit / 10))
                .collect();
            let (w, s) = (
                q.iter().map(|p| p.0).min().unwrap(),
                q.iter().map(|p| p.1).min().unwrap(),
            );
            let (e, n) = (
                q.iter().map(|p| p.0).max().unwrap(),
                q.iter().map(|p| p.1).max().unwrap(),
            );
            let mut body = Vec::new();
            let (mut px, mut py) = (w, s);
            for &(x, y) in &q {
                varint(x - px, &mut body);
                varint(y - py, &mut body);
                (px, py) = (x, y);
            }
            out.push(kind);
            out.push(1);
            for v in [w, s, e, n] {
                out.extend_from_slice(&(v as i32).to_le_bytes());
            }
            out.extend_from_slice(&(q.len() as u32).to_le_bytes());
            out.extend_from_slice(&(body.len() as u32).to_le_bytes());
            out.extend_from_slice(&body);
        }
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&1u16.to_le_bytes());
        out.extend_from_slice(&1024u16.to_le_bytes());
        out.extend_from_slice(&3u32.to_le_bytes());
        // Degrees times ten.
        part(0, &[(40, 520), (50, 520), (50, 530), (40, 530)], &mut out);
        part(2, &[(42, 522), (44, 522), (44, 524), (42, 524)], &mut out);
        part(4, &[(45, 515), (45, 535)], &mut out);
        out
    }

    #[test]
    fn parse_and_refuse() {
        let data = sample();
        let map = MapData::parse(&data).unwrap();
        assert_eq!(map.parts.len(), 3);
        assert_eq!(map.points(&map.parts[0]).len(), 4);
        assert_eq!(map.points(&map.parts[0])[2], (5.0, 53.0));
        assert!(MapData::parse(&data[..data.len() - 1]).is_err());
        let mut extra = data.clone();
        extra.push(0);
        assert!(MapData::parse(&extra).is_err());
        assert!(MapData::parse(b"PSMAPDATxxxxxxxx").is_err());
    }

    #[test]
    fn land_lakes_and_sea() {
        let data = sample();
        let map = MapData::parse(&data).unwrap();
        assert!(map.is_land(52.5, 4.8));
        assert!(!map.is_land(52.3, 4.3), "in the lake");
        assert!(!map.is_land(51.5, 4.5), "at sea");
    }

    #[test]
    fn shapes_are_clipped_to_the_view() {
        let data = sample();
        let map = MapData::parse(&data).unwrap();
        // A view of the island's middle: the land fills it, the border
        // crosses it from top to bottom.
        let view = View::new(52.4, 4.3, 52.6, 4.7, 400, 300);
        let shapes = map.shapes(&view);
        let land: Vec<_> = shapes.iter().filter(|s| s.kind == Kind::Land).collect();
        assert_eq!(land.len(), 1);
        for &(x, y) in &land[0].points {
            assert!(
                (-4.5..=404.5).contains(&x) && (-4.5..=304.5).contains(&y),
                "{x},{y}"
            );
        }
        let border: Vec<_> = shapes.iter().filter(|s| s.kind == Kind::Border).collect();
        assert_eq!(border.len(), 1);
        let ys: Vec<f32> = border[0].points.iter().map(|p| p.1).collect();
        assert!(
            ys.iter().any(|&y| y < 0.0) && ys.iter().any(|&y| y > 300.0),
            "{ys:?}"
        );
        assert_eq!(
            shapes.last().unwrap().kind,
            Kind::Border,
            "borders drawn last"
        );
        // A view far away shows nothing.
        assert!(map
            .shapes(&View::new(10.0, 10.0, 11.0, 11.0, 100, 100))
            .is_empty());
    }

    #[test]
    fn projection_and_fit() {
        let view = View::new(-85.0, -180.0, 85.0, 180.0, 512, 512);
        let (x, y) = view.project(0.0, 0.0);
        assert!(
            (x - 256.0).abs() < 1.0 && (y - 256.0).abs() < 3.0,
            "{x},{y}"
        );
        // One point: a view about 12 km across centred on it.
        let one = View::fit(&[(52.3808, 4.6368)], 12.0, 600, 400);
        let (x, y) = one.project(52.3808, 4.6368);
        assert!((x - 300.0).abs() < 1.0 && (y - 200.0).abs() < 1.0);
        let km = one.metres_per_pixel() * 600.0 / 1000.0;
        assert!((15.0..40.0).contains(&km), "{km}");
        // Across the antimeridian the short way round.
        let fiji = View::fit(&[(-17.0, 179.5), (-16.5, -179.5)], 10.0, 400, 400);
        assert!(fiji.east - fiji.west < 5.0, "{fiji:?}");
        let (xa, _) = fiji.project(-17.0, 179.5);
        let (xb, _) = fiji.project(-16.5, -179.5);
        assert!(xa < xb && xa > 0.0 && xb < 400.0, "{xa} {xb}");
    }

    #[test]
    fn clipping_helpers() {
        let ring = [(-10.0, -10.0), (50.0, -10.0), (50.0, 50.0), (-10.0, 50.0)];
        let c = clip_ring(&ring, 20.0, 20.0).unwrap();
        assert!(c
            .iter()
            .all(|p| p.0 >= -4.0 && p.0 <= 24.0 && p.1 >= -4.0 && p.1 <= 24.0));
        assert!(clip_ring(
            &[(100.0, 100.0), (120.0, 100.0), (110.0, 120.0)],
            20.0,
            20.0
        )
        .is_none());
        let line = [(-50.0, 10.0), (10.0, 10.0), (10.0, 100.0)];
        let parts = clip_line(&line, 20.0, 20.0);
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].first(), Some(&(-4.0, 10.0)));
        assert_eq!(parts[0].last(), Some(&(10.0, 24.0)));
        assert_eq!(
            simplify([(0.0, 0.0), (0.1, 0.1), (5.0, 5.0)].into_iter(), 0.8).len(),
            2
        );
    }
}
