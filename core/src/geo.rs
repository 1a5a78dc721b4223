//! Coordinates: decoding, validity, and how they are shown.

use crate::findings::Location;

/// Builds a [`Location`] from decimal degrees, flagging coordinates that
/// cannot be a real place instead of placing them in the Atlantic.
pub fn location(lat: f64, lon: f64, alt: Option<f64>, source: &str) -> Location {
    Location {
        lat,
        lon,
        alt: alt.filter(|a| a.is_finite()),
        accuracy: None,
        place: None,
        source: source.to_string(),
        invalid: invalid_reason(lat, lon),
    }
}

/// Why `lat`, `lon` is not a usable position, or `None` if it is one.
pub fn invalid_reason(lat: f64, lon: f64) -> Option<String> {
    if !lat.is_finite() || !lon.is_finite() {
        Some("not a number (a zero denominator?)".into())
    } else if !(-90.0..=90.0).contains(&lat) {
        Some(format!("latitude {lat} is out of range"))
    } else if !(-180.0..=180.0).contains(&lon) {
        Some(format!("longitude {lon} is out of range"))
    } else if lat == 0.0 && lon == 0.0 {
        Some("0,0 is the placeholder of a device without a fix".into())
    } else {
        None
    }
}

/// Degrees, minutes and seconds to signed decimal degrees; `reference` is
/// `N`, `S`, `E` or `W` (south and west are negative).
pub fn from_dms(deg: f64, min: f64, sec: f64, reference: Option<char>) -> f64 {
    let value = deg + min / 60.0 + sec / 3600.0;
    match reference.map(|c| c.to_ascii_uppercase()) {
        Some('S') | Some('W') => -value,
        _ => value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dms_with_refs() {
        let lat = from_dms(52.0, 22.0, 12.72, Some('N'));
        assert!((lat - 52.3702).abs() < 1e-6);
        assert!((from_dms(4.0, 53.0, 42.72, Some('W')) + 4.8952).abs() < 1e-6);
        assert!(from_dms(33.0, 52.0, 0.0, Some('s')) < 0.0);
    }

    #[test]
    fn impossible_coordinates_are_flagged() {
        assert!(invalid_reason(52.37, 4.89).is_none());
        assert!(invalid_reason(0.0, 0.0).is_some());
        assert!(invalid_reason(91.0, 4.0).is_some());
        assert!(invalid_reason(10.0, 181.0).is_some());
        assert!(invalid_reason(f64::NAN, 4.0).is_some());
    }
}

/// Mean Earth radius in kilometres (IUGG).
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Great-circle distance between two points in kilometres (haversine).
///
/// ```
/// // Amsterdam to Haarlem is about 18 km.
/// let d = photoscrub_core::geo::distance_km((52.3702, 4.8952), (52.3808, 4.6368));
/// assert!((d - 17.6).abs() < 0.5);
/// ```
pub fn distance_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lat2) = (a.0.to_radians(), b.0.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.1 - a.1).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// Parses an ISO 6709 position as QuickTime and Apple write it:
/// `+52.3702+004.8952/`, `+52.3702+004.8952+012.500/`, also the
/// degrees-minutes (`+5222.21+00453.71/`) and degrees-minutes-seconds
/// (`+522212.7+0045342.7/`) forms. Returns latitude, longitude, altitude.
pub fn parse_iso6709(s: &str) -> Option<(f64, f64, Option<f64>)> {
    let s = s.trim().trim_end_matches('/');
    let s = s.split("CRS").next()?;
    let starts: Vec<usize> = s.match_indices(['+', '-']).map(|(i, _)| i).collect();
    if starts.len() < 2 || starts[0] != 0 {
        return None;
    }
    let part = |k: usize| s.get(starts[k]..starts.get(k + 1).copied().unwrap_or(s.len()));
    let lat = iso6709_angle(part(0)?, 2)?;
    let lon = iso6709_angle(part(1)?, 3)?;
    let alt = starts.get(2).and_then(|_| part(2)?.parse::<f64>().ok());
    Some((lat, lon, alt))
}

/// One signed ISO 6709 angle whose degrees take `degree_digits` digits.
fn iso6709_angle(s: &str, degree_digits: usize) -> Option<f64> {
    let (sign, digits) = s.split_at(1);
    let sign = if sign == "-" { -1.0 } else { 1.0 };
    let int_len = digits.find('.').unwrap_or(digits.len());
    let number: f64 = digits.parse().ok()?;
    let value = match int_len.checked_sub(degree_digits)? {
        0 => number,
        2 => (number / 100.0).trunc() + (number % 100.0) / 60.0,
        4 => {
            let (deg, rest) = ((number / 10_000.0).trunc(), number % 10_000.0);
            deg + (rest / 100.0).trunc() / 60.0 + (rest % 100.0) / 3600.0
        }
        _ => return None,
    };
    Some(sign * value)
}

/// The place a person would name for a coordinate, from the place table
/// embedded in the library ([`crate::places`], GeoNames; no network).
#[derive(Clone, Debug, PartialEq)]
pub struct Nearest {
    /// The town, as locals write it ("Den Haag", "Köln").
    pub town: String,
    /// Its province or region, when the table knows it.
    pub region: String,
    pub country: String,
    /// From the point to the town's centre.
    pub distance_km: f64,
    /// The point lies within the town ("in Haarlem"): no distance is said.
    pub within: bool,
    /// The point lies on no land: it is at sea.
    pub at_sea: bool,
    /// The distance as the report gives it (whole kilometres, rounded
    /// further when large), or `None` when it does not help.
    pub said_km: Option<u32>,
}

impl Nearest {
    /// Plain words: "in Haarlem, Noord-Holland, Netherlands",
    /// "13 km from Truckee, California, United States", "at sea, 95 km
    /// from De Koog, …".
    pub fn describe(&self) -> String {
        let town = [
            self.town.as_str(),
            self.region.as_str(),
            self.country.as_str(),
        ]
        .iter()
        .filter(|s| !s.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
        match (self.at_sea, self.said_km) {
            (true, Some(km)) => format!("at sea, {km} km from {town}"),
            (true, None) => format!("at sea, off {town}"),
            (false, Some(km)) => format!("{km} km from {town}"),
            (false, None) => format!("in {town}"),
        }
    }
}

/// The place a person would name for `lat`, `lon`, or `None` for invalid
/// coordinates or with no place table (without the `places` feature).
pub fn nearest(lat: f64, lon: f64) -> Option<Nearest> {
    nearest_for(lat, lon, "en")
}

/// [`nearest`] with the names a reader of `lang` (`en`, `nl`) would use:
/// for Dutch, "Parijs, Île-de-France, Frankrijk".
pub fn nearest_for(lat: f64, lon: f64, lang: &str) -> Option<Nearest> {
    invalid_reason(lat, lon).is_none().then_some(())?;
    nearest_in_for(embedded_places()?, embedded_map(), lat, lon, lang)
}

/// [`nearest`] in a place table and map outlines the caller loaded (the
/// web page fetches them on demand).
pub fn nearest_in(
    places: &crate::places::Places,
    map: Option<&crate::mapdata::MapData>,
    lat: f64,
    lon: f64,
) -> Option<Nearest> {
    nearest_in_for(places, map, lat, lon, "en")
}

/// [`nearest_in`] with the names a reader of `lang` would use.
pub fn nearest_in_for(
    places: &crate::places::Places,
    map: Option<&crate::mapdata::MapData>,
    lat: f64,
    lon: f64,
    lang: &str,
) -> Option<Nearest> {
    invalid_reason(lat, lon).is_none().then_some(())?;
    let found = places.lookup(lat, lon)?;
    let place = found.place;
    let code = place.country_code();
    Some(Nearest {
        town: place.name(lang).to_string(),
        region: place.admin1(lang).unwrap_or_default().to_string(),
        country: country_name_in(code, lang).unwrap_or(code).to_string(),
        distance_km: found.distance_km,
        within: found.within,
        at_sea: map.is_some_and(|m| !m.is_land(lat, lon)),
        said_km: found.distance_helps().then(|| found.rounded_km()),
    })
}

#[cfg(feature = "places")]
fn embedded_places() -> Option<&'static crate::places::Places<'static>> {
    static PLACES: std::sync::OnceLock<crate::places::Places<'static>> = std::sync::OnceLock::new();
    Some(PLACES.get_or_init(crate::places::Places::embedded))
}

#[cfg(not(feature = "places"))]
fn embedded_places() -> Option<&'static crate::places::Places<'static>> {
    None
}

#[cfg(feature = "places")]
fn embedded_map() -> Option<&'static crate::mapdata::MapData<'static>> {
    static MAP: std::sync::OnceLock<crate::mapdata::MapData<'static>> = std::sync::OnceLock::new();
    Some(MAP.get_or_init(crate::mapdata::MapData::embedded))
}

#[cfg(not(feature = "places"))]
fn embedded_map() -> Option<&'static crate::mapdata::MapData<'static>> {
    None
}

/// A group of photos taken within [`CLUSTER_KM`] of each other.
#[derive(Clone, Debug, PartialEq)]
pub struct Cluster {
    pub lat: f64,
    pub lon: f64,
    /// Indices into the points given to [`clusters`].
    pub members: Vec<usize>,
    /// The distinct days (`YYYY-MM-DD`) the photos were taken on.
    pub days: Vec<String>,
}

impl Cluster {
    /// Photos from two or more different days: a place the family returns
    /// to — often home, school or a club.
    pub fn is_repeated(&self) -> bool {
        self.days.len() >= 2
    }
}

/// Photos closer than this are "the same place".
pub const CLUSTER_KM: f64 = 0.150;

/// A located photo: position and the day it was taken, if known.
#[derive(Clone, Debug)]
pub struct Point {
    pub lat: f64,
    pub lon: f64,
    pub day: Option<String>,
}

/// Groups points that are chained within [`CLUSTER_KM`] of each other
/// (single linkage). Every point is in exactly one cluster; clusters are
/// returned largest first.
pub fn clusters(points: &[Point]) -> Vec<Cluster> {
    let mut group = Groups::new(points.len());
    let grid = Grid::of(points);
    for (i, p) in points.iter().enumerate() {
        for j in grid.near(p.lat, p.lon).filter(|&j| j > i) {
            if group.root(i) != group.root(j)
                && distance_km((p.lat, p.lon), (points[j].lat, points[j].lon)) <= CLUSTER_KM
            {
                group.join(i, j);
            }
        }
    }
    let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..points.len() {
        by_root.entry(group.root(i)).or_default().push(i);
    }
    let mut out: Vec<Cluster> = by_root
        .into_values()
        .map(|m| cluster_of(points, m))
        .collect();
    out.sort_by_key(|c| std::cmp::Reverse(c.members.len()));
    out
}

/// Union-find over point indices.
struct Groups(Vec<usize>);

impl Groups {
    fn new(n: usize) -> Groups {
        Groups((0..n).collect())
    }

    fn root(&mut self, mut i: usize) -> usize {
        while self.0[i] != i {
            self.0[i] = self.0[self.0[i]];
            i = self.0[i];
        }
        i
    }

    fn join(&mut self, a: usize, b: usize) {
        let (a, b) = (self.root(a), self.root(b));
        self.0[a] = b;
    }
}

/// Points bucketed in cells at least [`CLUSTER_KM`] wide and high, so every
/// point within that distance of another is in its cell or a neighbouring
/// one: clustering a year of photos compares neighbours, not all pairs.
struct Grid {
    cells: std::collections::HashMap<(i64, i64), Vec<usize>>,
}

/// Degrees of latitude per cell: a degree is at least 110.5 km, so 110
/// leaves a margin.
const CELL_LAT: f64 = CLUSTER_KM / 110.0;

impl Grid {
    fn of(points: &[Point]) -> Grid {
        let mut cells: std::collections::HashMap<(i64, i64), Vec<usize>> = Default::default();
        for (i, p) in points.iter().enumerate() {
            let row = Grid::row(p.lat);
            cells
                .entry((row, Grid::column(row, p.lon)))
                .or_default()
                .push(i);
        }
        Grid { cells }
    }

    fn row(lat: f64) -> i64 {
        (lat / CELL_LAT).floor() as i64
    }

    /// How many columns row `row` has: cells at least [`CLUSTER_KM`] wide
    /// at the row's poleward edge; near the poles one column.
    fn columns(row: i64) -> i64 {
        let edge = ((row as f64).abs() + 1.0) * CELL_LAT;
        if edge >= 85.0 {
            return 1;
        }
        let cell_lon = CLUSTER_KM / (110.0 * edge.to_radians().cos());
        ((360.0 / cell_lon).floor() as i64).max(1)
    }

    fn column(row: i64, lon: f64) -> i64 {
        let n = Grid::columns(row);
        (((lon + 180.0) / 360.0 * n as f64).floor() as i64).clamp(0, n - 1)
    }

    /// The points in the cells around `lat`, `lon` (wrapping at ±180°).
    fn near(&self, lat: f64, lon: f64) -> impl Iterator<Item = usize> + '_ {
        let row = Grid::row(lat);
        let mut keys = Vec::with_capacity(9);
        for r in row - 1..=row + 1 {
            let n = Grid::columns(r);
            let c = Grid::column(r, lon);
            for dc in -1..=1 {
                let key = (r, (c + dc).rem_euclid(n));
                if !keys.contains(&key) {
                    keys.push(key);
                }
            }
        }
        keys.into_iter()
            .filter_map(|k| self.cells.get(&k))
            .flatten()
            .copied()
    }
}

fn cluster_of(points: &[Point], members: Vec<usize>) -> Cluster {
    let n = members.len() as f64;
    let lat = members.iter().map(|&i| points[i].lat).sum::<f64>() / n;
    let lon = members.iter().map(|&i| points[i].lon).sum::<f64>() / n;
    let mut days: Vec<String> = members
        .iter()
        .filter_map(|&i| points[i].day.clone())
        .collect();
    days.sort();
    days.dedup();
    Cluster {
        lat,
        lon,
        members,
        days,
    }
}

/// The short name of an ISO 3166-1 alpha-2 country code for a reader of
/// `lang`: Dutch for `nl` where Dutch names the country differently
/// ("Duitsland"), English otherwise.
pub fn country_name_in(code: &str, lang: &str) -> Option<&'static str> {
    let dutch = lang.get(..2).is_some_and(|l| l.eq_ignore_ascii_case("nl"));
    let own = || {
        DUTCH_COUNTRIES
            .binary_search_by(|(c, _)| c.cmp(&code))
            .ok()
            .map(|i| DUTCH_COUNTRIES[i].1)
    };
    dutch.then(own).flatten().or_else(|| country_name(code))
}

/// The English short name of an ISO 3166-1 alpha-2 country code.
pub fn country_name(code: &str) -> Option<&'static str> {
    COUNTRIES
        .binary_search_by(|(c, _)| c.cmp(&code))
        .ok()
        .map(|i| COUNTRIES[i].1)
}

/// ISO 3166-1 alpha-2 codes and short names, sorted by code.
#[rustfmt::skip]
const COUNTRIES: &[(&str, &str)] = &[
    ("AD", "Andorra"), ("AE", "United Arab Emirates"), ("AF", "Afghanistan"), ("AG", "Antigua and Barbuda"),
    ("AI", "Anguilla"), ("AL", "Albania"), ("AM", "Armenia"), ("AO", "Angola"), ("AQ", "Antarctica"),
    ("AR", "Argentina"), ("AS", "American Samoa"), ("AT", "Austria"), ("AU", "Australia"), ("AW", "Aruba"),
    ("AX", "Åland Islands"), ("AZ", "Azerbaijan"), ("BA", "Bosnia and Herzegovina"), ("BB", "Barbados"),
    ("BD", "Bangladesh"), ("BE", "Belgium"), ("BF", "Burkina Faso"), ("BG", "Bulgaria"), ("BH", "Bahrain"),
    ("BI", "Burundi"), ("BJ", "Benin"), ("BL", "Saint Barthélemy"), ("BM", "Bermuda"), ("BN", "Brunei"),
    ("BO", "Bolivia"), ("BQ", "Caribbean Netherlands"), ("BR", "Brazil"), ("BS", "Bahamas"), ("BT", "Bhutan"),
    ("BV", "Bouvet Island"), ("BW", "Botswana"), ("BY", "Belarus"), ("BZ", "Belize"), ("CA", "Canada"),
    ("CC", "Cocos (Keeling) Islands"), ("CD", "DR Congo"), ("CF", "Central African Republic"), ("CG", "Congo"),
    ("CH", "Switzerland"), ("CI", "Côte d'Ivoire"), ("CK", "Cook Islands"), ("CL", "Chile"), ("CM", "Cameroon"),
    ("CN", "China"), ("CO", "Colombia"), ("CR", "Costa Rica"), ("CU", "Cuba"), ("CV", "Cabo Verde"),
    ("CW", "Curaçao"), ("CX", "Christmas Island"), ("CY", "Cyprus"), ("CZ", "Czechia"), ("DE", "Germany"),
    ("DJ", "Djibouti"), ("DK", "Denmark"), ("DM", "Dominica"), ("DO", "Dominican Republic"), ("DZ", "Algeria"),
    ("EC", "Ecuador"), ("EE", "Estonia"), ("EG", "Egypt"), ("EH", "Western Sahara"), ("ER", "Eritrea"),
    ("ES", "Spain"), ("ET", "Ethiopia"), ("FI", "Finland"), ("FJ", "Fiji"), ("FK", "Falkland Islands"),
    ("FM", "Micronesia"), ("FO", "Faroe Islands"), ("FR", "France"), ("GA", "Gabon"), ("GB", "United Kingdom"),
    ("GD", "Grenada"), ("GE", "Georgia"), ("GF", "French Guiana"), ("GG", "Guernsey"), ("GH", "Ghana"),
    ("GI", "Gibraltar"), ("GL", "Greenland"), ("GM", "Gambia"), ("GN", "Guinea"), ("GP", "Guadeloupe"),
    ("GQ", "Equatorial Guinea"), ("GR", "Greece"), ("GS", "South Georgia"), ("GT", "Guatemala"), ("GU", "Guam"),
    ("GW", "Guinea-Bissau"), ("GY", "Guyana"), ("HK", "Hong Kong"), ("HM", "Heard and McDonald Islands"),
    ("HN", "Honduras"), ("HR", "Croatia"), ("HT", "Haiti"), ("HU", "Hungary"), ("ID", "Indonesia"),
    ("IE", "Ireland"), ("IL", "Israel"), ("IM", "Isle of Man"), ("IN", "India"),
    ("IO", "British Indian Ocean Territory"), ("IQ", "Iraq"), ("IR", "Iran"), ("IS", "Iceland"), ("IT", "Italy"),
    ("JE", "Jersey"), ("JM", "Jamaica"), ("JO", "Jordan"), ("JP", "Japan"), ("KE", "Kenya"), ("KG", "Kyrgyzstan"),
    ("KH", "Cambodia"), ("KI", "Kiribati"), ("KM", "Comoros"), ("KN", "Saint Kitts and Nevis"),
    ("KP", "North Korea"), ("KR", "South Korea"), ("KW", "Kuwait"), ("KY", "Cayman Islands"), ("KZ", "Kazakhstan"),
    ("LA", "Laos"), ("LB", "Lebanon"), ("LC", "Saint Lucia"), ("LI", "Liechtenstein"), ("LK", "Sri Lanka"),
    ("LR", "Liberia"), ("LS", "Lesotho"), ("LT", "Lithuania"), ("LU", "Luxembourg"), ("LV", "Latvia"),
    ("LY", "Libya"), ("MA", "Morocco"), ("MC", "Monaco"), ("MD", "Moldova"), ("ME", "Montenegro"),
    ("MF", "Saint Martin"), ("MG", "Madagascar"), ("MH", "Marshall Islands"), ("MK", "North Macedonia"),
    ("ML", "Mali"), ("MM", "Myanmar"), ("MN", "Mongolia"), ("MO", "Macao"), ("MP", "Northern Mariana Islands"),
    ("MQ", "Martinique"), ("MR", "Mauritania"), ("MS", "Montserrat"), ("MT", "Malta"), ("MU", "Mauritius"),
    ("MV", "Maldives"), ("MW", "Malawi"), ("MX", "Mexico"), ("MY", "Malaysia"), ("MZ", "Mozambique"),
    ("NA", "Namibia"), ("NC", "New Caledonia"), ("NE", "Niger"), ("NF", "Norfolk Island"), ("NG", "Nigeria"),
    ("NI", "Nicaragua"), ("NL", "Netherlands"), ("NO", "Norway"), ("NP", "Nepal"), ("NR", "Nauru"), ("NU", "Niue"),
    ("NZ", "New Zealand"), ("OM", "Oman"), ("PA", "Panama"), ("PE", "Peru"), ("PF", "French Polynesia"),
    ("PG", "Papua New Guinea"), ("PH", "Philippines"), ("PK", "Pakistan"), ("PL", "Poland"),
    ("PM", "Saint Pierre and Miquelon"), ("PN", "Pitcairn Islands"), ("PR", "Puerto Rico"), ("PS", "Palestine"),
    ("PT", "Portugal"), ("PW", "Palau"), ("PY", "Paraguay"), ("QA", "Qatar"), ("RE", "Réunion"), ("RO", "Romania"),
    ("RS", "Serbia"), ("RU", "Russia"), ("RW", "Rwanda"), ("SA", "Saudi Arabia"), ("SB", "Solomon Islands"),
    ("SC", "Seychelles"), ("SD", "Sudan"), ("SE", "Sweden"), ("SG", "Singapore"), ("SH", "Saint Helena"),
    ("SI", "Slovenia"), ("SJ", "Svalbard and Jan Mayen"), ("SK", "Slovakia"), ("SL", "Sierra Leone"),
    ("SM", "San Marino"), ("SN", "Senegal"), ("SO", "Somalia"), ("SR", "Suriname"), ("SS", "South Sudan"),
    ("ST", "São Tomé and Príncipe"), ("SV", "El Salvador"), ("SX", "Sint Maarten"), ("SY", "Syria"),
    ("SZ", "Eswatini"), ("TC", "Turks and Caicos Islands"), ("TD", "Chad"), ("TF", "French Southern Territories"),
    ("TG", "Togo"), ("TH", "Thailand"), ("TJ", "Tajikistan"), ("TK", "Tokelau"), ("TL", "Timor-Leste"),
    ("TM", "Turkmenistan"), ("TN", "Tunisia"), ("TO", "Tonga"), ("TR", "Türkiye"), ("TT", "Trinidad and Tobago"),
    ("TV", "Tuvalu"), ("TW", "Taiwan"), ("TZ", "Tanzania"), ("UA", "Ukraine"), ("UG", "Uganda"),
    ("UM", "U.S. Outlying Islands"), ("US", "United States"), ("UY", "Uruguay"), ("UZ", "Uzbekistan"),
    ("VA", "Vatican City"), ("VC", "Saint Vincent and the Grenadines"), ("VE", "Venezuela"),
    ("VG", "British Virgin Islands"), ("VI", "U.S. Virgin Islands"), ("VN", "Vietnam"), ("VU", "Vanuatu"),
    ("WF", "Wallis and Futuna"), ("WS", "Samoa"), ("XK", "Kosovo"), ("YE", "Yemen"), ("YT", "Mayotte"),
    ("ZA", "South Africa"), ("ZM", "Zambia"), ("ZW", "Zimbabwe"),
];

/// Dutch short names where they differ from the English ones, sorted by
/// code (the rest are written the same in both).
#[rustfmt::skip]
const DUTCH_COUNTRIES: &[(&str, &str)] = &[
    ("AE", "Verenigde Arabische Emiraten"), ("AG", "Antigua en Barbuda"), ("AL", "Albanië"),
    ("AM", "Armenië"), ("AS", "Amerikaans-Samoa"), ("AT", "Oostenrijk"), ("AU", "Australië"), ("AX", "Åland"),
    ("AZ", "Azerbeidzjan"), ("BA", "Bosnië en Herzegovina"), ("BE", "België"), ("BG", "Bulgarije"),
    ("BL", "Saint-Barthélemy"), ("BQ", "Caribisch Nederland"), ("BR", "Brazilië"), ("BS", "Bahama's"),
    ("BV", "Bouveteiland"), ("CC", "Cocoseilanden"), ("CD", "Congo-Kinshasa"),
    ("CF", "Centraal-Afrikaanse Republiek"), ("CG", "Congo-Brazzaville"), ("CH", "Zwitserland"),
    ("CI", "Ivoorkust"), ("CK", "Cookeilanden"), ("CM", "Kameroen"), ("CV", "Kaapverdië"),
    ("CX", "Christmaseiland"), ("CZ", "Tsjechië"), ("DE", "Duitsland"), ("DK", "Denemarken"),
    ("DO", "Dominicaanse Republiek"), ("DZ", "Algerije"), ("EE", "Estland"), ("EG", "Egypte"),
    ("EH", "Westelijke Sahara"), ("ES", "Spanje"), ("ET", "Ethiopië"), ("FK", "Falklandeilanden"),
    ("FO", "Faeröer"), ("FR", "Frankrijk"), ("GB", "Verenigd Koninkrijk"), ("GE", "Georgië"),
    ("GF", "Frans-Guyana"), ("GL", "Groenland"), ("GN", "Guinee"), ("GQ", "Equatoriaal-Guinea"),
    ("GR", "Griekenland"), ("GS", "Zuid-Georgia"), ("GW", "Guinee-Bissau"),
    ("HM", "Heard en McDonaldeilanden"), ("HR", "Kroatië"), ("HT", "Haïti"), ("HU", "Hongarije"),
    ("ID", "Indonesië"), ("IE", "Ierland"), ("IM", "Man"), ("IO", "Brits Indische Oceaanterritorium"),
    ("IQ", "Irak"), ("IS", "IJsland"), ("IT", "Italië"), ("JO", "Jordanië"), ("KG", "Kirgizië"),
    ("KH", "Cambodja"), ("KM", "Comoren"), ("KN", "Saint Kitts en Nevis"), ("KP", "Noord-Korea"),
    ("KR", "Zuid-Korea"), ("KW", "Koeweit"), ("KY", "Kaaimaneilanden"), ("KZ", "Kazachstan"),
    ("LB", "Libanon"), ("LT", "Litouwen"), ("LU", "Luxemburg"), ("LV", "Letland"), ("LY", "Libië"),
    ("MA", "Marokko"), ("MD", "Moldavië"), ("MF", "Sint-Maarten (Frans deel)"), ("MH", "Marshalleilanden"),
    ("MK", "Noord-Macedonië"), ("MN", "Mongolië"), ("MP", "Noordelijke Marianen"), ("MR", "Mauritanië"),
    ("MV", "Maldiven"), ("MY", "Maleisië"), ("NC", "Nieuw-Caledonië"), ("NF", "Norfolk"), ("NL", "Nederland"),
    ("NO", "Noorwegen"), ("NZ", "Nieuw-Zeeland"), ("PF", "Frans-Polynesië"), ("PG", "Papoea-Nieuw-Guinea"),
    ("PH", "Filipijnen"), ("PL", "Polen"), ("PM", "Saint-Pierre en Miquelon"), ("PN", "Pitcairneilanden"),
    ("PS", "Palestina"), ("RO", "Roemenië"), ("RS", "Servië"), ("RU", "Rusland"), ("SA", "Saoedi-Arabië"),
    ("SB", "Salomonseilanden"), ("SC", "Seychellen"), ("SD", "Soedan"), ("SE", "Zweden"),
    ("SH", "Sint-Helena"), ("SI", "Slovenië"), ("SJ", "Spitsbergen en Jan Mayen"), ("SK", "Slowakije"),
    ("SO", "Somalië"), ("SS", "Zuid-Soedan"), ("ST", "Sao Tomé en Principe"), ("SY", "Syrië"),
    ("TC", "Turks- en Caicoseilanden"), ("TD", "Tsjaad"), ("TF", "Franse Zuidelijke Gebieden"),
    ("TJ", "Tadzjikistan"), ("TL", "Oost-Timor"), ("TN", "Tunesië"), ("TR", "Turkije"),
    ("TT", "Trinidad en Tobago"), ("UA", "Oekraïne"),
    ("UM", "Kleine afgelegen eilanden van de Verenigde Staten"), ("US", "Verenigde Staten"),
    ("UZ", "Oezbekistan"), ("VA", "Vaticaanstad"), ("VC", "Saint Vincent en de Grenadines"),
    ("VG", "Britse Maagdeneilanden"), ("VI", "Amerikaanse Maagdeneilanden"), ("WF", "Wallis en Futuna"),
    ("YE", "Jemen"), ("ZA", "Zuid-Afrika"),
];

#[cfg(test)]
mod place_tests {
    use super::*;

    #[test]
    fn country_table_is_sorted_for_binary_search() {
        assert!(COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(country_name("NL"), Some("Netherlands"));
        assert_eq!(country_name("ZZ"), None);
    }

    #[test]
    fn distance_is_in_kilometres() {
        // One degree of latitude is about 111.2 km.
        assert!((distance_km((0.0, 0.0), (1.0, 0.0)) - 111.2).abs() < 0.1);
        assert!(distance_km((52.0, 4.0), (52.0, 4.0)) < 1e-9);
        // Paris to London, about 344 km.
        assert!((distance_km((48.8566, 2.3522), (51.5074, -0.1278)) - 343.5).abs() < 2.0);
    }

    #[test]
    fn iso6709_forms() {
        let (lat, lon, alt) = parse_iso6709("+52.3702+004.8952/").unwrap();
        assert!((lat - 52.3702).abs() < 1e-9 && (lon - 4.8952).abs() < 1e-9 && alt.is_none());
        let (lat, lon, alt) = parse_iso6709("-33.8688+151.2093+012.5/").unwrap();
        assert!(lat < 0.0 && lon > 151.0 && alt == Some(12.5));
        let (lat, lon, _) = parse_iso6709("+5222.212-00453.712/").unwrap();
        assert!((lat - 52.3702).abs() < 1e-4 && (lon + 4.8952).abs() < 1e-4);
        let (lat, _, _) = parse_iso6709("+522212.72+0045342.72/").unwrap();
        assert!((lat - 52.3702).abs() < 1e-6);
        assert!(parse_iso6709("garbage").is_none());
        assert!(parse_iso6709("+5+4/").is_none());
    }

    #[cfg(feature = "places")]
    #[test]
    fn nearest_town_and_wording() {
        let haarlem = nearest(52.3808, 4.6368).unwrap();
        assert_eq!(haarlem.town, "Haarlem");
        assert_eq!(haarlem.country, "Netherlands");
        assert_eq!(
            haarlem.describe(),
            "in Haarlem, Noord-Holland, Netherlands",
            "{haarlem:?}"
        );
        // The Eiffel Tower is in Paris, not in the nearest suburb.
        assert_eq!(nearest(48.8584, 2.2945).unwrap().town, "Paris");
        // Middle of the North Atlantic.
        let sea = nearest(45.0, -35.0).unwrap();
        assert!(
            sea.at_sea && sea.describe().starts_with("at sea, "),
            "{}",
            sea.describe()
        );
        assert!(nearest(0.0, 0.0).is_none());
    }

    #[cfg(feature = "places")]
    #[test]
    fn nearest_in_dutch_uses_dutch_names() {
        let paris = nearest_for(48.8584, 2.2945, "nl").unwrap();
        assert_eq!(
            (paris.town.as_str(), paris.country.as_str()),
            ("Parijs", "Frankrijk")
        );
        let haarlem = nearest_for(52.3808, 4.6368, "nl-NL").unwrap();
        assert_eq!(haarlem.country, "Nederland");
        assert_eq!(nearest_for(48.8584, 2.2945, "en").unwrap().town, "Paris");
    }

    #[test]
    fn dutch_country_names_are_sorted_known_and_different() {
        assert!(DUTCH_COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0));
        for (code, dutch) in DUTCH_COUNTRIES {
            assert_ne!(country_name(code), Some(*dutch), "{code}");
            assert!(country_name(code).is_some(), "{code}");
        }
        assert_eq!(country_name_in("BE", "nl"), Some("België"));
        assert_eq!(country_name_in("BE", "en"), Some("Belgium"));
        assert_eq!(country_name_in("PE", "nl"), Some("Peru"));
    }

    #[test]
    fn distance_only_when_it_helps() {
        let mut place = Nearest {
            town: "X".into(),
            region: "R".into(),
            country: "C".into(),
            distance_km: 40.2,
            within: false,
            at_sea: false,
            said_km: Some(40),
        };
        assert_eq!(place.describe(), "40 km from X, R, C");
        place.said_km = None;
        place.within = true;
        assert_eq!(place.describe(), "in X, R, C");
    }

    fn point(lat: f64, lon: f64, day: &str) -> Point {
        Point {
            lat,
            lon,
            day: Some(day.into()),
        }
    }

    #[test]
    fn same_place_on_different_days_is_a_repeated_place() {
        let points = [
            point(52.38080, 4.63680, "2024-09-14"),
            point(52.38100, 4.63710, "2024-09-21"), // ~30 m away, another day
            point(48.85840, 2.29450, "2024-07-28"), // Paris
        ];
        let found = clusters(&points);
        assert_eq!(found.len(), 2);
        assert_eq!(found[0].members, vec![0, 1]);
        assert!(found[0].is_repeated());
        assert!(!found[1].is_repeated());
    }

    #[test]
    fn same_day_or_far_apart_is_not_repeated() {
        let same_day = [
            point(52.3808, 4.6368, "2024-09-14"),
            point(52.3809, 4.6369, "2024-09-14"),
        ];
        assert!(!clusters(&same_day)[0].is_repeated());
        let far = [
            point(52.3808, 4.6368, "2024-09-14"),
            point(52.3908, 4.6368, "2024-09-21"),
        ];
        assert_eq!(
            clusters(&far).len(),
            2,
            "1.1 km apart is not the same place"
        );
    }

    /// The clusters of the all-pairs single linkage, as sorted member lists:
    /// the definition the grid must agree with.
    fn all_pairs(points: &[Point]) -> Vec<Vec<usize>> {
        let mut group = Groups::new(points.len());
        for i in 0..points.len() {
            for j in i + 1..points.len() {
                let (a, b) = (
                    (points[i].lat, points[i].lon),
                    (points[j].lat, points[j].lon),
                );
                if distance_km(a, b) <= CLUSTER_KM {
                    group.join(i, j);
                }
            }
        }
        let mut by_root: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
        for i in 0..points.len() {
            by_root.entry(group.root(i)).or_default().push(i);
        }
        let mut out: Vec<Vec<usize>> = by_root.into_values().collect();
        out.sort();
        out
    }

    #[test]
    fn grid_clusters_equal_all_pairs_linkage() {
        // A small deterministic generator: chains and clumps around places
        // in the middle latitudes, across the antimeridian and near a pole.
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        let centres = [
            (52.37, 4.89),
            (-33.87, 151.21),
            (0.5, 179.9995),
            (0.5, -179.9995),
            (89.9, 10.0),
            (-87.0, -120.0),
        ];
        let mut points = Vec::new();
        for _ in 0..1500 {
            let (lat, lon) = centres[(next() * centres.len() as f64) as usize];
            // Within about ±1 km, most pairs near the 150 m threshold.
            let lat = (lat + (next() - 0.5) * 0.018).clamp(-90.0, 90.0);
            let mut lon = lon + (next() - 0.5) * 0.018 / lat.to_radians().cos().max(0.05);
            if lon > 180.0 {
                lon -= 360.0;
            } else if lon < -180.0 {
                lon += 360.0;
            }
            points.push(point(lat, lon, "2024-01-01"));
        }
        let mut grid: Vec<Vec<usize>> = clusters(&points).into_iter().map(|c| c.members).collect();
        grid.sort();
        let expected = all_pairs(&points);
        assert!(
            expected.len() > 20 && expected.len() < 1400,
            "{} clusters: a test with no linkage proves little",
            expected.len()
        );
        assert_eq!(grid, expected);
    }
}
