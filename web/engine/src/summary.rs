//! What a whole batch would have told a stranger: the places photos were
//! taken, grouped, with the places returned to on different days (often
//! home, school or a club) — as the command line's summary says it.

use photoscrub_core::geo;
use photoscrub_core::mapdata::MapData;
use photoscrub_core::places::Places;
use serde::{Deserialize, Serialize};

/// A located photo, as the page sends it.
#[derive(Clone, Debug, Deserialize)]
pub struct Located {
    pub lat: f64,
    pub lon: f64,
    pub day: Option<String>,
}

/// A place photos were taken at.
#[derive(Clone, Debug, Serialize)]
pub struct Place {
    pub lat: f64,
    pub lon: f64,
    /// "in Haarlem, Noord-Holland, Netherlands", or the coordinates.
    pub name: String,
    pub link: String,
    /// Indices of the photos taken there.
    pub members: Vec<usize>,
    pub days: Vec<String>,
    /// Photos from two or more days: a place the family returns to.
    pub repeated: bool,
}

/// The places of `points`, those returned to first, then the largest.
pub fn places(points: &[Located], places: Option<&Places>, map: Option<&MapData>) -> Vec<Place> {
    let points: Vec<geo::Point> = points
        .iter()
        .map(|p| geo::Point {
            lat: p.lat,
            lon: p.lon,
            day: p.day.clone(),
        })
        .collect();
    let mut found: Vec<Place> = geo::clusters(&points)
        .into_iter()
        .map(|c| {
            let name = places
                .and_then(|t| geo::nearest_in(t, map, c.lat, c.lon))
                .map(|n| n.describe())
                .unwrap_or_else(|| format!("{:.6}, {:.6}", c.lat, c.lon));
            Place {
                lat: c.lat,
                lon: c.lon,
                name,
                link: geo::location(c.lat, c.lon, None, "").osm_link(),
                repeated: c.is_repeated(),
                members: c.members,
                days: c.days,
            }
        })
        .collect();
    found.sort_by_key(|p| (!p.repeated, std::cmp::Reverse(p.members.len())));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_and_places_returned_to() {
        let at = |lat, day: &str| Located {
            lat,
            lon: 4.9,
            day: Some(day.into()),
        };
        // Two photos 50 m apart on two days, one 10 km away.
        let found = places(
            &[
                at(52.37, "2024-01-01"),
                at(52.3704, "2024-02-01"),
                at(52.46, "2024-01-01"),
            ],
            None,
            None,
        );
        assert_eq!(found.len(), 2);
        assert!(found[0].repeated && found[0].members == vec![0, 1]);
        assert!(!found[1].repeated && found[1].members == vec![2]);
        assert!(found[1].name.starts_with("52.46"));
    }
}
