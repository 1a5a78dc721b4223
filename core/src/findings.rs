//! What would have leaked: the report's model.
//!
//! Every container and metadata reader turns what it sees into [`Finding`]s.
//! A finding names its [`Category`], where it was found (`block`), the tag and
//! a printable value. Whether it was removed is decided later by the
//! [`Policy`](crate::Policy), and recorded in `removed`.

use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// What kind of information a piece of metadata gives away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// GPS coordinates and place names.
    Location,
    /// Names of people: authors, owners, people shown.
    People,
    /// Camera make, model, software, serial numbers, maker notes, settings.
    Device,
    /// When the photo was taken or edited.
    Time,
    /// Embedded images: thumbnails, secondary images, motion-photo videos.
    Preview,
    /// Comments, titles, descriptions, keywords.
    Text,
    /// What is needed to show the picture right: Orientation, ICC profile.
    Rendering,
    /// Metadata photoscrub cannot read with certainty (an unknown block, a
    /// packet it cannot parse, bytes no structure points to). What it
    /// holds cannot be known, so it is always removed and never kept.
    Unknown,
}

impl Category {
    /// Every category, in report order.
    pub const ALL: [Category; 8] = [
        Category::Location,
        Category::People,
        Category::Device,
        Category::Time,
        Category::Preview,
        Category::Text,
        Category::Unknown,
        Category::Rendering,
    ];

    /// The name used on the command line, in JSON and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Category::Location => "location",
            Category::People => "people",
            Category::Device => "device",
            Category::Time => "time",
            Category::Preview => "preview",
            Category::Text => "text",
            Category::Rendering => "rendering",
            Category::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Category {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!(
                    "unknown category '{s}' (expected one of: location, people, device, time, preview, text, unknown, rendering)"
                )
            })
    }
}

/// One piece of metadata that would tell a stranger something.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub category: Category,
    /// Where it was: `EXIF IFD0`, `EXIF GPS`, `XMP`, `IPTC`, `COM`,
    /// `MPF image 2 EXIF GPS`, `trailer`, …
    pub block: String,
    /// The tag or property name, e.g. `GPSLatitude`, `photoshop:City`.
    pub tag: String,
    /// A printable value, shortened if long.
    pub value: String,
    /// Whether the cleaned file no longer has it (for `check`: would not).
    pub removed: bool,
}

impl Finding {
    /// A finding not yet judged by a policy.
    pub fn new(category: Category, block: &str, tag: &str, value: impl Into<String>) -> Finding {
        Finding {
            category,
            block: block.to_string(),
            tag: tag.to_string(),
            value: shorten(value.into()),
            removed: false,
        }
    }
}

/// A location found in a file, decoded to decimal degrees.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Location {
    pub lat: f64,
    pub lon: f64,
    /// Metres above sea level, when known.
    pub alt: Option<f64>,
    /// Horizontal accuracy in metres, when the file says.
    pub accuracy: Option<f64>,
    /// Nearest place name (filled in by the report when known).
    pub place: Option<String>,
    /// The block it came from, e.g. `EXIF GPS` or `XMP`.
    pub source: String,
    /// Why the coordinates cannot be a real place (0,0, out of range…), if so.
    pub invalid: Option<String>,
}

impl Location {
    /// A link to the point on OpenStreetMap.
    pub fn osm_link(&self) -> String {
        format!(
            "https://www.openstreetmap.org/?mlat={:.6}&mlon={:.6}#map=16/{:.6}/{:.6}",
            self.lat, self.lon, self.lat, self.lon
        )
    }
}

/// Everything one file would have told a stranger.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Scan {
    /// At most [`MAX_LISTED`] findings; the rest are counted in `omitted`.
    pub findings: Vec<Finding>,
    pub locations: Vec<Location>,
    /// How many findings of each category were found but not listed (a
    /// hostile file can hold millions of tiny blocks).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub omitted: BTreeMap<Category, usize>,
    /// What was damaged in the file and what photoscrub did about it, one
    /// sentence each: a block dropped whole because it could not be read,
    /// a photo or video that is cut short. Empty for an intact file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub damage: Vec<String>,
}

/// The most findings a scan lists; the rest are counted by category.
pub const MAX_LISTED: usize = 2000;

/// The most locations a scan keeps.
pub const MAX_LOCATIONS: usize = 1000;

impl Scan {
    /// The day the photo was taken: DateTimeOriginal (or XMP DateCreated)
    /// first, then any date it holds.
    pub fn day_taken(&self) -> Option<String> {
        let times = || {
            self.findings
                .iter()
                .filter(|f| f.category == Category::Time)
        };
        times()
            .filter(|f| f.tag.contains("DateTimeOriginal") || f.tag.contains("DateCreated"))
            .chain(times())
            .find_map(|f| day_of(&f.value))
    }

    /// Adds another block's scan to this one.
    pub fn extend(&mut self, other: Scan) {
        for f in other.findings {
            self.push(f);
        }
        for l in other.locations {
            self.push_location(l);
        }
        for (c, n) in other.omitted {
            *self.omitted.entry(c).or_default() += n;
        }
        for d in other.damage {
            self.note_damage(d);
        }
    }

    /// Records what was damaged (each sentence once).
    pub fn note_damage(&mut self, what: impl Into<String>) {
        let what = what.into();
        if !self.damage.contains(&what) && self.damage.len() < MAX_LOCATIONS {
            self.damage.push(what);
        }
    }

    /// Whether the file was damaged (see [`Scan::damage`]).
    pub fn is_damaged(&self) -> bool {
        !self.damage.is_empty()
    }

    /// Adds one finding (counted, not listed, past [`MAX_LISTED`]).
    pub fn push(&mut self, finding: Finding) {
        if self.findings.len() < MAX_LISTED {
            self.findings.push(finding);
        } else {
            *self.omitted.entry(finding.category).or_default() += 1;
        }
    }

    /// Adds one location (dropped past [`MAX_LOCATIONS`]).
    pub fn push_location(&mut self, location: Location) {
        if self.locations.len() < MAX_LOCATIONS {
            self.locations.push(location);
        }
    }

    /// Whether any finding's category, listed or not, satisfies `pred`.
    pub fn has_any(&self, mut pred: impl FnMut(Category) -> bool) -> bool {
        self.findings.iter().any(|f| pred(f.category)) || self.omitted.keys().any(|&c| pred(c))
    }

    /// Marks every finding as removed or not by what `policy` would remove
    /// (the `check` view: nothing has been written).
    pub fn judge(mut self, policy: &crate::Policy) -> Scan {
        for f in &mut self.findings {
            f.removed = policy.removes(f.category);
        }
        self
    }

    /// Marks each finding of this (input) scan as removed unless the scan of
    /// the cleaned output still has it — the exact report of what happened.
    pub fn marked_against(mut self, output: &Scan) -> Scan {
        let mut left: Vec<&Finding> = output.findings.iter().collect();
        for f in &mut self.findings {
            let same = left
                .iter()
                .position(|o| o.category == f.category && o.tag == f.tag && o.value == f.value);
            f.removed = same.is_none();
            if let Some(i) = same {
                left.swap_remove(i);
            }
        }
        self
    }

    /// Whether any finding is marked removed.
    pub fn any_removed(&self) -> bool {
        self.findings.iter().any(|f| f.removed)
    }

    /// The first finding, listed or counted, that `policy` removes: its
    /// category, tag and block (for counted ones, "(not listed)").
    pub fn first_removed_by(&self, policy: &crate::Policy) -> Option<(Category, &str, &str)> {
        self.findings
            .iter()
            .find(|f| policy.removes(f.category))
            .map(|f| (f.category, f.tag.as_str(), f.block.as_str()))
            .or_else(|| {
                self.omitted
                    .keys()
                    .find(|&&c| policy.removes(c))
                    .map(|&c| (c, "(not listed)", "(not listed)"))
            })
    }

    /// The first location that is a real place.
    pub fn valid_location(&self) -> Option<&Location> {
        self.locations.iter().find(|l| l.invalid.is_none())
    }
}

const MAX_VALUE: usize = 200;

fn shorten(mut s: String) -> String {
    s.retain(|c| !c.is_control() || c == ' ');
    let trimmed = s.trim();
    if trimmed.len() != s.len() {
        s = trimmed.to_string();
    }
    if s.chars().count() > MAX_VALUE {
        let mut cut: String = s.chars().take(MAX_VALUE).collect();
        cut.push('…');
        return cut;
    }
    s
}

/// `YYYY-MM-DD` from a value that starts with a date (`2024:09:14 …`,
/// `2024-09-14T…`); `None` for anything else or the all-zero date.
pub fn day_of(value: &str) -> Option<String> {
    let day: String = value
        .trim()
        .chars()
        .take(10)
        .map(|c| if c == ':' { '-' } else { c })
        .collect();
    let b = day.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let ok = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && digits(0..4)
        && digits(5..7)
        && digits(8..10);
    (ok && !day.starts_with("0000")).then_some(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_from_exif_and_xmp_dates() {
        assert_eq!(day_of("2024:09:14 09:30:12").as_deref(), Some("2024-09-14"));
        assert_eq!(
            day_of("2024-09-14T09:30:12+02:00").as_deref(),
            Some("2024-09-14")
        );
        assert_eq!(day_of("0000:00:00 00:00:00"), None);
        assert_eq!(day_of("09:30:12"), None);
        assert_eq!(day_of("yesterday"), None);
    }

    #[test]
    fn category_names_round_trip() {
        for c in Category::ALL {
            assert_eq!(c.name().parse::<Category>().unwrap(), c);
        }
        assert!("gps".parse::<Category>().is_err());
    }

    #[test]
    fn long_values_are_shortened_and_controls_dropped() {
        let f = Finding::new(
            Category::Text,
            "COM",
            "Comment",
            "a\0b".to_string() + &"x".repeat(500),
        );
        assert!(f.value.starts_with("ab"));
        assert_eq!(f.value.chars().count(), MAX_VALUE + 1);
    }
}
