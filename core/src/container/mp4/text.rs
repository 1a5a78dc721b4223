//! Text tracks: subtitles (`tx3g`, WebVTT `wvtt`, CEA-608 `c608`),
//! chapter titles (QuickTime `text` tracks a `chap` reference points to)
//! and other timed text. Players show them on screen; drones write their
//! flight log into them (`GPS(lon,lat,alt)`, a home point). Their samples
//! are read for the report, and blanked when the policy removes text (or
//! location, when they hold coordinates).

use super::*;

/// At most this many characters of a track's text are shown in the report.
const MAX_SHOWN: usize = 200;

/// What a text track says.
#[derive(Default)]
struct Said {
    first: String,
    texts: u64,
    positions: u64,
    first_position: Option<(f64, f64, Option<f64>)>,
}

impl<R: Source + ?Sized> Parser<'_, R> {
    /// A text track: reported, and its samples zeroed when it goes. A
    /// `tx3g` or QuickTime `text` sample of zeros is an empty subtitle
    /// (16-bit length 0); other formats' tracks are freed whole.
    pub(super) fn text_track(&self, t: &Track) -> Result<Option<Block>, Error> {
        let place = format!("QuickTime track {} ({})", t.number, t.name());
        let mut said = Said::default();
        let samples = Self::sample_count(t);
        self.samples(t, |s| {
            let text = sample_text(&t.format, s);
            if text.is_empty() {
                return;
            }
            said.texts += 1;
            if said.first.is_empty() {
                said.first = text.chars().take(MAX_SHOWN).collect();
            }
            let found = coordinates(&text);
            said.positions += found.len() as u64;
            if said.first_position.is_none() {
                said.first_position = found.first().copied();
            }
        })?;
        let mut block = Block::default();
        block.also(Category::Text);
        let tag = if &t.handler == b"text" && t.format == *b"text" {
            "TextTrack"
        } else {
            "Subtitles"
        };
        if said.texts > 0 {
            let value = format!(
                "{} ({} of {samples} samples hold text)",
                said.first, said.texts
            );
            block.add(Category::Text, &place, tag, value);
        }
        if said.positions > 0 {
            block.add(
                Category::Location,
                &place,
                "GPSTrack",
                format!("{} positions in {samples} samples", said.positions),
            );
            if let Some((lat, lon, alt)) = said.first_position {
                block
                    .locations
                    .push(geo::location(lat, lon, alt, "subtitle track"));
            }
        }
        if block.findings.is_empty() {
            return Ok(None);
        }
        block.patches = if matches!(&t.format, b"tx3g" | b"text") {
            zeros(t)
        } else {
            Self::blank_track(t)
        };
        Ok(Some(block))
    }
}

/// Zero patches over a track's samples.
fn zeros(t: &Track) -> Vec<Patch> {
    if t.external {
        return Vec::new();
    }
    merge(t.chunks.iter().map(|c| c.range.clone()).collect())
        .into_iter()
        .map(|r| Patch::Zero {
            at: r.start,
            len: r.end - r.start,
        })
        .collect()
}

/// The text of one sample: a 16-bit length and the text for `tx3g` and
/// QuickTime `text`; the printable runs of anything else (WebVTT cues,
/// caption byte pairs, TTML).
fn sample_text(format: &[u8; 4], sample: &[u8]) -> String {
    if matches!(format, b"tx3g" | b"text") && sample.len() >= 2 {
        let n = usize::from(u16::from_be_bytes([sample[0], sample[1]]));
        if let Some(s) = sample.get(2..2 + n) {
            let t = text(s);
            if !t.ends_with(" bytes") || n == 0 {
                return t;
            }
        }
    }
    let mut out = String::new();
    let mut run = String::new();
    for &b in sample {
        let c = b & 0x7F; // CEA-608 bytes carry a parity bit
        if c.is_ascii_graphic() || c == b' ' {
            run.push(c as char);
        } else {
            if run.trim().len() >= 3 {
                out.push_str(run.trim());
                out.push(' ');
            }
            run.clear();
        }
    }
    if run.trim().len() >= 3 {
        out.push_str(run.trim());
    }
    out.trim().to_string()
}

/// Coordinates in text: `GPS(lon,lat,alt)` and `HOME(lon,lat)` (as DJI
/// drones write them, longitude first), and any other pair of decimal
/// numbers with a fraction read as latitude, longitude.
pub(super) fn coordinates(text: &str) -> Vec<(f64, f64, Option<f64>)> {
    let numbers = decimals(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i + 1 < numbers.len() {
        let (a, b) = (&numbers[i], &numbers[i + 1]);
        let between = &text[a.end..b.start];
        let paired = between.len() <= 3 && between.chars().all(|c| matches!(c, ',' | ' ' | ';'));
        if !(paired && a.fraction && b.fraction) {
            i += 1;
            continue;
        }
        let before = text[..a.start].to_ascii_uppercase();
        let tail = &before[before.len().saturating_sub(8)..];
        let lon_first = tail.contains("GPS") || tail.contains("HOME");
        let (lat, lon) = if lon_first {
            (b.value, a.value)
        } else {
            (a.value, b.value)
        };
        let alt = numbers
            .get(i + 2)
            .filter(|c| text[b.end..c.start].len() <= 3)
            .map(|c| c.value);
        if lat.abs() <= 90.0 && lon.abs() <= 180.0 && (lat != 0.0 || lon != 0.0) {
            out.push((lat, lon, alt.filter(|_| lon_first)));
            i += 2;
        } else {
            i += 1;
        }
    }
    out
}

struct Decimal {
    start: usize,
    end: usize,
    value: f64,
    /// Written with at least two digits after the point.
    fraction: bool,
}

fn decimals(text: &str) -> Vec<Decimal> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        if bytes[i] == b'-' || bytes[i] == b'+' {
            i += 1;
        }
        let digits = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        if i == digits {
            i = start + 1;
            continue;
        }
        let mut fraction = false;
        if i < bytes.len() && bytes[i] == b'.' {
            let point = i;
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            fraction = i - point > 2;
        }
        if let Ok(value) = text[start..i].parse::<f64>() {
            out.push(Decimal {
                start,
                end: i,
                value,
                fraction,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drone_subtitles_give_longitude_first() {
        let found = coordinates("F/2.8, SS 1000 GPS (4.6442, 52.3344, 12) HOME(4.6440,52.3340)");
        assert_eq!(found.len(), 2);
        assert!((found[0].0 - 52.3344).abs() < 1e-9 && (found[0].1 - 4.6442).abs() < 1e-9);
        assert_eq!(found[0].2, Some(12.0));
        assert!((found[1].0 - 52.3340).abs() < 1e-9);
    }

    #[test]
    fn plain_pairs_are_latitude_first() {
        let found = coordinates("we are at 52.37022, 4.89517 today");
        assert_eq!(found, vec![(52.37022, 4.89517, None)]);
        assert!(coordinates("1.5 2.5 and 12:30").is_empty());
        assert!(coordinates("version 1.25, 3.75").len() == 1);
    }

    #[test]
    fn subtitle_samples_read_as_text() {
        assert_eq!(sample_text(b"tx3g", b"\0\x05Hello"), "Hello");
        assert_eq!(sample_text(b"tx3g", b"\0\0"), "");
        assert_eq!(
            sample_text(b"wvtt", b"\0\0\0\x14vttc\0\0\0\x0cpaylHi there"),
            "vttc paylHi there"
        );
    }
}
