//! Offline place names a person would use: "Paris", not the nearest village.
//!
//! The table is `data/places.bin`, made by `data/make-places.py` from
//! GeoNames (CC BY 4.0): every place with at least 1000 inhabitants, with
//! its population, its name as the country writes it (Den Haag, Köln,
//! København; names in other scripts stay romanised), a Dutch name where
//! Dutch has its own (Parijs, Londen, Keulen), its admin-1 region and its
//! country. The format is described in that script; this module reads it
//! straight from a byte slice, with no parsing step and no I/O, so the same
//! code serves the embedded copy (feature `places`) and a copy the web page
//! loads on demand.
//!
//! [`Places::lookup`] names the town a point lies in. Each town reaches
//! [`reach_km`] from its centre, a radius that grows with its population
//! (Haarlem about 3 km, Paris about 7 km). Of the towns whose reach holds
//! the point, the one that holds it best, weighted by population, wins; a
//! small place that lies within a much larger city's reach is named by
//! that city (the Eiffel Tower is in Paris, not in "Paris 16 Passy" or
//! Neuilly). A point that no town holds is named by the nearest town
//! relative to its size, with the distance.

use std::fmt;

/// Why a byte slice is not a place table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacesError(pub String);

impl fmt::Display for PlacesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a place table: {}", self.0)
    }
}

impl std::error::Error for PlacesError {}

const MAGIC: &[u8; 8] = b"PSPLACES";
const HEADER: usize = 32;
const BANDS: usize = 181;
const RECORD: usize = 14;
const ADMIN1: usize = 6;
const DUTCH: usize = 7;
const NONE24: usize = 0xFF_FFFF;
const LON_UNITS: f64 = (1u32 << 24) as f64;

/// Mean Earth radius in kilometres (IUGG), as in `geo`.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Kilometres of reach for a town of population `p` are
/// `REACH_FACTOR * p^REACH_POWER`: about 0.5 km for a village of 1000,
/// 3 km for Haarlem (162 000), 7.4 km for Paris (2.1 million), 12 km for
/// London. Tuned on real points: a city proper's area grows more slowly
/// than its population, so the power is below the 0.5 of constant density.
const REACH_FACTOR: f64 = 0.045;
const REACH_POWER: f64 = 0.35;

/// A place this many times smaller than a city whose reach (times
/// [`PART_OF_REACH`]) holds it is a part of that city.
const PART_OF_RATIO: u32 = 20;
const PART_OF_REACH: f64 = 1.5;

/// Points held by no town are named by the nearest town (relative to its
/// reach) within this distance, or else by the nearest town at all.
const NEAR_KM: f64 = 60.0;

/// How far a town reaches from its centre, in kilometres.
pub fn reach_km(population: u32) -> f64 {
    REACH_FACTOR * f64::from(population.max(1000)).powf(REACH_POWER)
}

/// Great-circle distance in kilometres (haversine).
fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.1 - a.1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

fn u16_at(b: &[u8], at: usize) -> usize {
    usize::from(u16::from_le_bytes([b[at], b[at + 1]]))
}

fn u24_at(b: &[u8], at: usize) -> usize {
    usize::from(b[at]) | usize::from(b[at + 1]) << 8 | usize::from(b[at + 2]) << 16
}

fn u32_at(b: &[u8], at: usize) -> usize {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
}

/// The place table: a view of `data/places.bin` (or a copy of it).
#[derive(Clone, Copy)]
pub struct Places<'a> {
    data: &'a [u8],
    places: usize,
    countries: usize,
    admin1: usize,
    dutch: usize,
    bands_at: usize,
    countries_at: usize,
    admin1_at: usize,
    places_at: usize,
    dutch_at: usize,
    strings_at: usize,
}

impl fmt::Debug for Places<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Places({} places, {} bytes)",
            self.places,
            self.data.len()
        )
    }
}

impl<'a> Places<'a> {
    /// Checks the header and the size of every section; O(1), no copy.
    pub fn parse(data: &'a [u8]) -> Result<Places<'a>, PlacesError> {
        let err = |m: &str| Err(PlacesError(m.to_string()));
        if data.len() < HEADER || &data[..8] != MAGIC {
            return err("no PSPLACES header");
        }
        if u16_at(data, 8) != 1 {
            return err("unknown version");
        }
        let countries = u16_at(data, 10);
        let places = u32_at(data, 12);
        let admin1 = u32_at(data, 16);
        let dutch = u32_at(data, 20);
        let strings_len = u32_at(data, 24);
        let bands_at = HEADER;
        let countries_at = bands_at + BANDS * 4;
        let admin1_at = countries_at + countries * 2;
        let places_at = admin1_at + admin1 * ADMIN1;
        let dutch_at = places_at + places * RECORD;
        let strings_at = dutch_at + dutch * DUTCH;
        if strings_at + strings_len != data.len() {
            return err("sections do not add up to the file size");
        }
        let table = Places {
            data,
            places,
            countries,
            admin1,
            dutch,
            bands_at,
            countries_at,
            admin1_at,
            places_at,
            dutch_at,
            strings_at,
        };
        let mut last = 0;
        for band in 0..BANDS {
            let start = table.band_start(band);
            if start < last || start > places {
                return err("latitude bands out of order");
            }
            last = start;
        }
        if last != places {
            return err("latitude bands do not cover the places");
        }
        Ok(table)
    }

    /// The table embedded in the binary (cargo feature `places`).
    #[cfg(feature = "places")]
    pub fn embedded() -> Places<'static> {
        static DATA: &[u8] = include_bytes!("../data/places.bin");
        Places::parse(DATA).expect("the embedded place table is valid")
    }

    /// Number of places.
    pub fn len(&self) -> usize {
        self.places
    }

    pub fn is_empty(&self) -> bool {
        self.places == 0
    }

    /// Size of the table in bytes.
    pub fn size(&self) -> usize {
        self.data.len()
    }

    fn band_start(&self, band: usize) -> usize {
        u32_at(self.data, self.bands_at + band * 4)
    }

    fn lon24(&self, index: usize) -> usize {
        u24_at(self.data, self.places_at + index * RECORD + 2)
    }

    /// The string at `offset` in the pool, or "" if the table is damaged.
    fn string(&self, offset: usize) -> &'a str {
        let pool = &self.data[self.strings_at..];
        let Some(&len) = pool.get(offset) else {
            return "";
        };
        pool.get(offset + 1..offset + 1 + usize::from(len))
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or("")
    }

    /// The place at `index` (0 ≤ index < [`len`](Self::len)).
    pub fn get(&self, index: usize) -> Option<Place<'a>> {
        if index >= self.places {
            return None;
        }
        let band = (0..BANDS - 1)
            .rev()
            .find(|&b| self.band_start(b) <= index)
            .unwrap_or(0);
        Some(self.place_in_band(index, band))
    }

    fn place_in_band(&self, index: usize, band: usize) -> Place<'a> {
        let at = self.places_at + index * RECORD;
        let d = self.data;
        let lat = band as f64 - 90.0 + u16_at(d, at) as f64 / 65536.0;
        let lon = u24_at(d, at + 2) as f64 / LON_UNITS * 360.0 - 180.0;
        Place {
            table: *self,
            index,
            lat,
            lon,
            population: u24_at(d, at + 5) as u32,
        }
    }

    /// Calls `f` with every place within `radius_km` of `lat`, `lon` and its
    /// distance. Handles the poles and the antimeridian.
    pub fn for_each_near(
        &self,
        lat: f64,
        lon: f64,
        radius_km: f64,
        mut f: impl FnMut(Place<'a>, f64),
    ) {
        let dlat = radius_km / 110.5;
        let (south, north) = (lat - dlat, lat + dlat);
        let first = ((south.max(-90.0).floor() + 90.0) as usize).min(BANDS - 2);
        let last = ((north.min(90.0).floor() + 90.0) as usize).min(BANDS - 2);
        // Longitude half-width at the band edge nearest a pole.
        let widest = south.abs().max(north.abs()).min(90.0);
        let cos = widest.to_radians().cos();
        let half = if north >= 89.0 || south <= -89.0 || cos < 1e-6 {
            360.0
        } else {
            radius_km / (111.32 * cos)
        };
        let mut spans: [(f64, f64); 2] = [(0.0, -1.0); 2];
        if half >= 180.0 {
            spans[0] = (-180.0, 180.0);
        } else {
            let (west, east) = (lon - half, lon + half);
            spans[0] = (west.max(-180.0), east.min(180.0));
            if west < -180.0 {
                spans[1] = (west + 360.0, 180.0);
            } else if east > 180.0 {
                spans[1] = (-180.0, east - 360.0);
            }
        }
        for band in first..=last {
            let (start, end) = (self.band_start(band), self.band_start(band + 1));
            for &(west, east) in spans.iter().filter(|s| s.0 <= s.1) {
                let w = ((west + 180.0) / 360.0 * LON_UNITS).floor().max(0.0) as usize;
                let e = ((east + 180.0) / 360.0 * LON_UNITS).ceil() as usize;
                let from = start + partition(start, end, |i| self.lon24(i) < w);
                for i in from..end {
                    if self.lon24(i) > e {
                        break;
                    }
                    let place = self.place_in_band(i, band);
                    // Latitude alone rules out most of a band cheaply.
                    if (place.lat - lat).abs() > dlat {
                        continue;
                    }
                    let d = distance_km((lat, lon), (place.lat, place.lon));
                    if d <= radius_km {
                        f(place, d);
                    }
                }
            }
        }
    }

    /// The places within `radius_km`, nearest first.
    pub fn near(&self, lat: f64, lon: f64, radius_km: f64) -> Vec<(Place<'a>, f64)> {
        let mut out = Vec::new();
        self.for_each_near(lat, lon, radius_km, |p, d| out.push((p, d)));
        out.sort_by(|a, b| a.1.total_cmp(&b.1));
        out
    }

    /// The places inside a latitude/longitude box, largest first. `west` may
    /// be greater than `east` for a box across the antimeridian.
    pub fn in_box(&self, south: f64, west: f64, north: f64, east: f64) -> Vec<Place<'a>> {
        let mut out = Vec::new();
        let first = ((south.max(-90.0).floor() + 90.0) as usize).min(BANDS - 2);
        let last = ((north.min(90.0).floor() + 90.0) as usize).min(BANDS - 2);
        let spans = if west <= east {
            [(west, east), (0.0, -1.0)]
        } else {
            [(west, 180.0), (-180.0, east)]
        };
        for band in first..=last {
            let (start, end) = (self.band_start(band), self.band_start(band + 1));
            for &(w, e) in spans.iter().filter(|s| s.0 <= s.1) {
                let w24 = ((w + 180.0) / 360.0 * LON_UNITS).floor().max(0.0) as usize;
                let e24 = ((e + 180.0) / 360.0 * LON_UNITS).ceil() as usize;
                let from = start + partition(start, end, |i| self.lon24(i) < w24);
                for i in from..end {
                    if self.lon24(i) > e24 {
                        break;
                    }
                    let p = self.place_in_band(i, band);
                    if p.lat >= south && p.lat <= north {
                        out.push(p);
                    }
                }
            }
        }
        out.sort_by_key(|p| std::cmp::Reverse(p.population));
        out
    }

    /// The town a person would name for `lat`, `lon`; `None` for a position
    /// that cannot be real (out of range, not a number) or an empty table.
    pub fn lookup(&self, lat: f64, lon: f64) -> Option<Found<'a>> {
        if !lat.is_finite() || !lon.is_finite() || lat.abs() > 90.0 || lon.abs() > 180.0 {
            return None;
        }
        let widest = reach_km(1 << 24);
        let mut held: Option<(Place<'a>, f64, f64)> = None;
        let mut near: Option<(Place<'a>, f64, f64)> = None;
        // First within the widest reach (no town further away can hold the
        // point), then, if none does, out to NEAR_KM for the nearest.
        for radius in [widest, NEAR_KM] {
            self.for_each_near(lat, lon, radius, |p, d| {
                let depth = d / p.reach_km();
                if depth <= 1.0 {
                    // Held: the deeper inside and the larger, the better.
                    let score = f64::from(p.population) * (1.0 - depth * depth);
                    if held.is_none_or(|h| score > h.2) {
                        held = Some((p, d, score));
                    }
                } else if near.is_none_or(|n| depth < n.2) {
                    near = Some((p, d, depth));
                }
            });
            if held.is_some() {
                break;
            }
        }
        let (place, distance, within) = match (held, near) {
            (Some((p, d, _)), _) => (p, d, true),
            (None, Some((p, d, _))) => (p, d, false),
            (None, None) => {
                let (p, d) = self.nearest(lat, lon)?;
                (p, d, false)
            }
        };
        // A part of a much larger city is named by that city.
        let parent = place.part_of();
        Some(match parent {
            Some(city) => Found {
                place: city,
                distance_km: distance_km((lat, lon), (city.lat, city.lon)),
                within,
            },
            None => Found {
                place,
                distance_km: distance,
                within,
            },
        })
    }

    /// The nearest place at any distance.
    pub fn nearest(&self, lat: f64, lon: f64) -> Option<(Place<'a>, f64)> {
        let mut radius = NEAR_KM;
        loop {
            let mut best: Option<(Place<'a>, f64)> = None;
            self.for_each_near(lat, lon, radius, |p, d| {
                if best.is_none_or(|b| d < b.1) {
                    best = Some((p, d));
                }
            });
            if best.is_some() || radius > 2.0 * std::f64::consts::PI * EARTH_RADIUS_KM {
                return best;
            }
            radius *= 4.0;
        }
    }
}

/// The first index in `start..end` for which `before` is false, minus
/// `start` (`before` is true for a prefix of the range).
fn partition(start: usize, end: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (start, end);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo - start
}

/// One place of the table.
#[derive(Clone, Copy)]
pub struct Place<'a> {
    table: Places<'a>,
    index: usize,
    lat: f64,
    lon: f64,
    population: u32,
}

impl fmt::Debug for Place<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Place")
            .field("name", &self.local_name())
            .field("country", &self.country_code())
            .field("lat", &self.lat)
            .field("lon", &self.lon)
            .field("population", &self.population)
            .finish()
    }
}

impl PartialEq for Place<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && std::ptr::eq(self.table.data, other.table.data)
    }
}

impl<'a> Place<'a> {
    /// Position of the place in the table.
    pub fn index(&self) -> usize {
        self.index
    }

    pub fn lat(&self) -> f64 {
        self.lat
    }

    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// Inhabitants (GeoNames; capped at 16 777 215).
    pub fn population(&self) -> u32 {
        self.population
    }

    /// The city this place is a part of, if any: a city that holds it
    /// within [`PART_OF_REACH`] times its reach and is [`PART_OF_RATIO`]
    /// times larger (Neuilly-sur-Seine in Paris, Crystal Palace in London),
    /// or whose name it starts with ("Paris 15 Vaugirard", "Brussel
    /// (Elsene)"). The largest such city.
    pub fn part_of(&self) -> Option<Place<'a>> {
        let widest = reach_km(1 << 24) * PART_OF_REACH;
        let name = self.local_name();
        let mut parent: Option<Place<'a>> = None;
        self.table
            .for_each_near(self.lat, self.lon, widest, |c, d| {
                if c.population <= self.population || d > c.reach_km() * PART_OF_REACH {
                    return;
                }
                let city = c.local_name();
                let named = name.len() > city.len()
                    && name.starts_with(city)
                    && name[city.len()..].starts_with([' ', '-', '(']);
                if (named || c.population >= self.population.saturating_mul(PART_OF_RATIO))
                    && parent.is_none_or(|p| c.population > p.population)
                {
                    parent = Some(c);
                }
            });
        parent
    }

    /// How far the town reaches from its centre ([`reach_km`]).
    pub fn reach_km(&self) -> f64 {
        reach_km(self.population)
    }

    fn record(&self) -> usize {
        self.table.places_at + self.index * RECORD
    }

    /// The name as the country writes it: "Den Haag", "Köln", "Aarhus".
    pub fn local_name(&self) -> &'a str {
        self.table
            .string(u24_at(self.table.data, self.record() + 8))
    }

    /// The Dutch name where Dutch has its own: "Parijs", "Keulen".
    pub fn dutch_name(&self) -> Option<&'a str> {
        let t = &self.table;
        let entry = |k: usize| t.dutch_at + k * DUTCH;
        let k = partition(0, t.dutch, |k| u32_at(t.data, entry(k)) < self.index);
        (k < t.dutch && u32_at(t.data, entry(k)) == self.index)
            .then(|| t.string(u24_at(t.data, entry(k) + 4)))
    }

    /// The name for a reader of `lang` (a language tag such as `nl`,
    /// `nl-BE`, `en`): the Dutch name for Dutch where there is one,
    /// otherwise the local name.
    pub fn name(&self, lang: &str) -> &'a str {
        if is_dutch(lang) {
            if let Some(nl) = self.dutch_name() {
                return nl;
            }
        }
        self.local_name()
    }

    /// ISO 3166-1 alpha-2 code of the country: "NL".
    pub fn country_code(&self) -> &'a str {
        let c = usize::from(self.table.data[self.record() + 13]);
        if c >= self.table.countries {
            return "";
        }
        let at = self.table.countries_at + c * 2;
        std::str::from_utf8(&self.table.data[at..at + 2]).unwrap_or("")
    }

    /// The province, state or region ("Noord-Holland", "Île-de-France"),
    /// in Dutch for `nl` where Dutch names it differently ("Beieren").
    pub fn admin1(&self, lang: &str) -> Option<&'a str> {
        let a = u16_at(self.table.data, self.record() + 11);
        if a >= self.table.admin1 {
            return None;
        }
        let at = self.table.admin1_at + a * ADMIN1;
        let local = u24_at(self.table.data, at);
        let dutch = u24_at(self.table.data, at + 3);
        let offset = if is_dutch(lang) && dutch != NONE24 {
            dutch
        } else {
            local
        };
        Some(self.table.string(offset)).filter(|s| !s.is_empty())
    }
}

fn is_dutch(lang: &str) -> bool {
    let l = lang.as_bytes();
    l.len() >= 2
        && l[..2].eq_ignore_ascii_case(b"nl")
        && (l.len() == 2 || !l[2].is_ascii_alphabetic())
}

/// The answer of [`Places::lookup`].
#[derive(Clone, Copy, Debug)]
pub struct Found<'a> {
    /// The town a person would name.
    pub place: Place<'a>,
    /// From the point to the town's centre.
    pub distance_km: f64,
    /// The point lies within the town's reach: "in Haarlem".
    pub within: bool,
}

/// Below this, "2 km from X" tells a reader nothing that "X" does not.
const DISTANCE_HELPS_KM: f64 = 2.0;

impl<'a> Found<'a> {
    /// Whether saying the distance helps: only for points outside the town.
    pub fn distance_helps(&self) -> bool {
        !self.within && self.distance_km >= DISTANCE_HELPS_KM
    }

    /// The distance as a reader wants it: whole kilometres, and to the
    /// nearest 5 or 10 when it is large.
    pub fn rounded_km(&self) -> u32 {
        let d = self.distance_km;
        let step = if d >= 100.0 {
            10.0
        } else if d >= 20.0 {
            5.0
        } else {
            1.0
        };
        ((d / step).round() * step).max(1.0) as u32
    }

    /// Short words for the report: "Haarlem" or "13 km from Truckee"
    /// ("13 km van Truckee" in Dutch), in the reader's language.
    pub fn describe(&self, lang: &str) -> String {
        let name = self.place.name(lang);
        if !self.distance_helps() {
            return name.to_string();
        }
        let km = self.rounded_km();
        if is_dutch(lang) {
            format!("{km} km van {name}")
        } else {
            format!("{km} km from {name}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Name, Dutch name, lat, lon, population, country.
    type Spec<'s> = (&'s str, Option<&'s str>, f64, f64, u32, &'s str);
    /// Band, longitude, latitude fraction, population, name, Dutch name, country.
    type Row = (usize, usize, u16, u32, usize, Option<usize>, u8);

    /// A table of the given places, in the layout the script writes.
    fn table(places: &[Spec]) -> Vec<u8> {
        let mut strings: Vec<u8> = Vec::new();
        let mut intern = |s: &str| {
            let at = strings.len();
            strings.push(s.len() as u8);
            strings.extend_from_slice(s.as_bytes());
            at
        };
        let mut countries: Vec<&str> = Vec::new();
        let mut rows: Vec<Row> = Vec::new();
        let admin = (intern("Noord-Holland"), NONE24);
        for &(name, nl, lat, lon, pop, cc) in places {
            let band = ((lat.floor() + 90.0) as usize).min(179);
            let frac =
                (((lat - (band as f64 - 90.0)) * 65536.0).round() as usize).min(65535) as u16;
            let lon24 = (((lon + 180.0) / 360.0 * LON_UNITS).round() as usize).min((1 << 24) - 1);
            let c = countries.iter().position(|&x| x == cc).unwrap_or_else(|| {
                countries.push(cc);
                countries.len() - 1
            });
            rows.push((
                band,
                lon24,
                frac,
                pop,
                intern(name),
                nl.map(&mut intern),
                c as u8,
            ));
        }
        rows.sort_by_key(|r| (r.0, r.1));
        let mut bands = [0u32; BANDS];
        for r in &rows {
            bands[r.0 + 1] += 1;
        }
        for b in 0..BANDS - 1 {
            bands[b + 1] += bands[b];
        }
        let mut out = MAGIC.to_vec();
        let dutch: Vec<(usize, usize)> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.5.map(|o| (i, o)))
            .collect();
        for v in [1u16, countries.len() as u16] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for v in [rows.len(), 1, dutch.len(), strings.len(), 1000] {
            out.extend_from_slice(&(v as u32).to_le_bytes());
        }
        for b in bands {
            out.extend_from_slice(&b.to_le_bytes());
        }
        for c in &countries {
            out.extend_from_slice(c.as_bytes());
        }
        out.extend_from_slice(&(admin.0 as u32).to_le_bytes()[..3]);
        out.extend_from_slice(&(admin.1 as u32).to_le_bytes()[..3]);
        for r in &rows {
            out.extend_from_slice(&r.2.to_le_bytes());
            out.extend_from_slice(&(r.1 as u32).to_le_bytes()[..3]);
            out.extend_from_slice(&r.3.to_le_bytes()[..3]);
            out.extend_from_slice(&(r.4 as u32).to_le_bytes()[..3]);
            out.extend_from_slice(&0u16.to_le_bytes());
            out.push(r.6);
        }
        for (i, o) in dutch {
            out.extend_from_slice(&(i as u32).to_le_bytes());
            out.extend_from_slice(&(o as u32).to_le_bytes()[..3]);
        }
        out.extend_from_slice(&strings);
        out
    }

    fn sample() -> Vec<u8> {
        table(&[
            ("Paris", Some("Parijs"), 48.85341, 2.3488, 2_138_551, "FR"),
            ("Paris 16 Passy", None, 48.8637, 2.2769, 159_386, "FR"),
            ("Neuilly-sur-Seine", None, 48.8846, 2.2697, 61_300, "FR"),
            ("Haarlem", None, 52.38084, 4.63683, 162_543, "NL"),
            ("Heemstede", None, 52.3583, 4.6194, 25_562, "NL"),
            ("Truckee", None, 39.32796, -120.18325, 16_299, "US"),
            ("Suva", None, -18.14161, 178.44149, 77_366, "FJ"),
            ("Taveuni", None, -16.85, -179.95, 9_000, "FJ"),
            ("Longyearbyen", None, 78.2232, 15.6267, 2_060, "SJ"),
            ("McMurdo", None, -77.846, 166.676, 1_200, "AQ"),
        ])
    }

    #[test]
    fn damaged_tables_are_refused() {
        let good = sample();
        assert!(Places::parse(&good).is_ok());
        assert!(Places::parse(&good[..good.len() - 1]).is_err());
        assert!(Places::parse(b"PSPLACES").is_err());
        let mut bad = good.clone();
        bad[0] = b'X';
        assert!(Places::parse(&bad).is_err());
        let mut bands = good.clone();
        bands[HEADER + 4 * 100..HEADER + 4 * 101].copy_from_slice(&0xFFFFu32.to_le_bytes());
        assert!(Places::parse(&bands).is_err());
    }

    #[test]
    fn records_round_trip() {
        let data = sample();
        let t = Places::parse(&data).unwrap();
        assert_eq!(t.len(), 10);
        let paris = (0..t.len())
            .filter_map(|i| t.get(i))
            .find(|p| p.local_name() == "Paris")
            .unwrap();
        assert!((paris.lat() - 48.85341).abs() < 1e-4);
        assert!((paris.lon() - 2.3488).abs() < 1e-4);
        assert_eq!(paris.population(), 2_138_551);
        assert_eq!(paris.country_code(), "FR");
        assert_eq!(paris.dutch_name(), Some("Parijs"));
        assert_eq!(paris.name("nl"), "Parijs");
        assert_eq!(paris.name("nl-BE"), "Parijs");
        assert_eq!(paris.name("en"), "Paris");
        assert_eq!(paris.name("nld"), "Paris", "not a Dutch tag");
        assert_eq!(paris.admin1("en"), Some("Noord-Holland"));
        assert!(t.get(10).is_none());
    }

    #[test]
    fn the_larger_town_holds_its_districts() {
        let data = sample();
        let t = Places::parse(&data).unwrap();
        let eiffel = t.lookup(48.8584, 2.2945).unwrap();
        assert_eq!(eiffel.place.local_name(), "Paris");
        assert!(eiffel.within && !eiffel.distance_helps());
        assert_eq!(eiffel.describe("nl"), "Parijs");
        // Neuilly is 29 times smaller than Paris and within its reach.
        assert_eq!(
            t.lookup(48.8846, 2.2697).unwrap().place.local_name(),
            "Paris"
        );
        let find = |name: &str| {
            (0..t.len())
                .filter_map(|i| t.get(i))
                .find(|p| p.local_name() == name)
                .unwrap()
        };
        // Only 13 times smaller than Paris, but named as a part of it.
        let passy = find("Paris 16 Passy").part_of().unwrap();
        assert_eq!(passy.local_name(), "Paris");
        assert_eq!(find("Neuilly-sur-Seine").part_of(), Some(find("Paris")));
        assert_eq!(find("Heemstede").part_of(), None);
        assert_eq!(find("Paris").part_of(), None);
        // Heemstede is a town of its own next to Haarlem.
        assert_eq!(
            t.lookup(52.3570, 4.6200).unwrap().place.local_name(),
            "Heemstede"
        );
        assert_eq!(t.lookup(52.3808, 4.6368).unwrap().describe("en"), "Haarlem");
    }

    #[test]
    fn far_points_say_how_far() {
        let data = sample();
        let t = Places::parse(&data).unwrap();
        let tahoe = t.lookup(39.3068, -120.3351).unwrap();
        assert_eq!(tahoe.place.local_name(), "Truckee");
        assert!(!tahoe.within);
        assert_eq!(tahoe.describe("en"), "13 km from Truckee");
        assert_eq!(tahoe.describe("nl"), "13 km van Truckee");
        // Mid-Atlantic: the nearest place at any distance, with the distance.
        let sea = t.lookup(45.0, -35.0).unwrap();
        assert_eq!(sea.place.country_code(), "FR");
        assert!(!sea.within && sea.distance_km > 2500.0, "{sea:?}");
        let expected = format!("{} km from {}", sea.rounded_km(), sea.place.local_name());
        assert_eq!(sea.describe("en"), expected);
    }

    #[test]
    fn poles_and_antimeridian() {
        let data = sample();
        let t = Places::parse(&data).unwrap();
        // 0.1 degree east of the antimeridian: Taveuni lies 20 km away
        // on the other side.
        let across = t.lookup(-16.85, 179.85).unwrap();
        assert_eq!(across.place.local_name(), "Taveuni");
        assert!(
            (across.distance_km - 21.3).abs() < 1.0,
            "{}",
            across.distance_km
        );
        let back = t.lookup(-16.9, -179.99).unwrap();
        assert_eq!(back.place.local_name(), "Taveuni");
        let north = t.lookup(90.0, 0.0).unwrap();
        assert_eq!(north.place.local_name(), "Longyearbyen");
        assert!(
            (north.distance_km - 1308.0).abs() < 5.0,
            "{}",
            north.distance_km
        );
        let south = t.lookup(-90.0, 45.0).unwrap();
        assert_eq!(south.place.local_name(), "McMurdo");
        assert!(t.lookup(f64::NAN, 0.0).is_none());
        assert!(t.lookup(91.0, 0.0).is_none());
        assert!(t.lookup(0.0, 180.5).is_none());
    }

    #[test]
    fn rounding_and_wording() {
        let data = sample();
        let t = Places::parse(&data).unwrap();
        let p = t.get(0).unwrap();
        let at = |d: f64, within| Found {
            place: p,
            distance_km: d,
            within,
        };
        assert_eq!(at(0.04, false).describe("en"), p.local_name());
        assert_eq!(at(1.9, false).describe("en"), p.local_name());
        assert_eq!(at(7.0, true).describe("en"), p.local_name());
        assert_eq!(at(2.4, false).rounded_km(), 2);
        assert_eq!(at(23.0, false).rounded_km(), 25);
        assert_eq!(at(986.0, false).rounded_km(), 990);
    }

    #[test]
    fn reach_grows_slower_than_population() {
        assert!((reach_km(1000) - 0.5).abs() < 0.05);
        assert!((reach_km(162_543) - 3.0).abs() < 0.2);
        assert!((reach_km(2_138_551) - 7.4).abs() < 0.3);
        assert!(reach_km(0) == reach_km(1000));
    }

    #[test]
    fn dutch_tags() {
        assert!(is_dutch("nl") && is_dutch("NL") && is_dutch("nl-NL") && is_dutch("nl_BE"));
        assert!(!is_dutch("en") && !is_dutch("nld") && !is_dutch("n"));
    }
}
