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
