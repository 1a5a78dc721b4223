//! What the parent (or a script) reads: human text and JSON Lines.

use crate::batch::{Batch, FileReport, Status};
use crate::findings::{Category, Finding, Location};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// How much the human report says per file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Failures only.
    Quiet,
    /// One line per category with its values.
    Normal,
    /// Every finding with its block and tag.
    Verbose,
}

/// The JSON object for one file (one line of JSON Lines).
pub fn file_json(file: &FileReport) -> Value {
    json!({
        "type": "file",
        "path": file.path.to_string_lossy(),
        "format": file.format.map(|f| f.name()),
        "status": file.status,
        "output": file.output.as_ref().map(|p| p.to_string_lossy()),
        "error": file.error,
        "findings": file.scan.findings,
        "location": main_location(file),
        "locations": file.scan.locations,
    })
}

/// The location a file shows: the first valid one, else the first at all.
fn main_location(file: &FileReport) -> Option<&Location> {
    file.scan.valid_location().or(file.scan.locations.first())
}

/// The closing JSON object of a run.
pub fn summary_json(batch: &Batch) -> Value {
    let s = Summary::of(batch);
    let places: Vec<Value> = s
        .places
        .iter()
        .map(|p| json!({"lat": p.lat, "lon": p.lon, "osm": p.link, "files": p.files}))
        .collect();
    json!({
        "type": "summary",
        "files": batch.files.len(),
        "cleaned": s.count(Status::Cleaned),
        "already_clean": s.count(Status::AlreadyClean),
        "leaks": s.count(Status::Leaks),
        "refused": s.count(Status::Refused),
        "failed": s.count(Status::Failed),
        "skipped": batch.skipped,
        "with_location": s.with_location,
        "invalid_locations": s.invalid_locations,
        "locations": places,
        "names": s.names,
        "serials": s.serials,
        "dates": s.dates.as_ref().map(|(a, b)| json!({"first": a, "last": b})),
        "previews": s.previews,
        "removed": s.removed,
        "kept": s.kept,
    })
}

/// Writes the report as JSON Lines: one object per file, then the summary.
pub fn write_json(batch: &Batch, out: &mut impl Write) -> io::Result<()> {
    for file in &batch.files {
        writeln!(out, "{}", file_json(file))?;
    }
    writeln!(out, "{}", summary_json(batch))
}

/// Writes the human report: a block per file, then the summary.
pub fn write_human(batch: &Batch, detail: Detail, out: &mut impl Write) -> io::Result<()> {
    for file in &batch.files {
        write_file(file, detail, out)?;
    }
    write_summary(batch, out)
}

fn write_file(file: &FileReport, detail: Detail, out: &mut impl Write) -> io::Result<()> {
    let path = file.path.display();
    match (file.status, &file.error) {
        (_, Some(error)) => return writeln!(out, "{path}: {}: {error}", status_word(file.status)),
        _ if detail == Detail::Quiet => return Ok(()),
        (_, None) => match &file.output {
            Some(output) => writeln!(
                out,
                "{path}: {} -> {}",
                status_word(file.status),
                output.display()
            )?,
            None => writeln!(out, "{path}: {}", status_word(file.status))?,
        },
    }
    if detail == Detail::Verbose {
        for f in &file.scan.findings {
            let fate = if f.removed { "removed" } else { "kept" };
            writeln!(
                out,
                "    {:<9} {} {} = {} ({fate})",
                f.category.name(),
                f.block,
                f.tag,
                f.value
            )?;
        }
        return Ok(());
    }
    for category in Category::ALL {
        let found: Vec<&Finding> = file
            .scan
            .findings
            .iter()
            .filter(|f| f.category == category)
            .collect();
        if let Some(line) = category_line(category, &found, file) {
            writeln!(out, "    {:<9} {line}", category.name())?;
        }
    }
    Ok(())
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Cleaned => "cleaned",
        Status::AlreadyClean => "already clean",
        Status::Leaks => "would leak",
        Status::Refused => "refused",
        Status::Failed => "failed",
    }
}

/// One line for one category: its values (a location as coordinates),
/// and whether they were removed.
fn category_line(category: Category, found: &[&Finding], file: &FileReport) -> Option<String> {
    if found.is_empty() {
        return None;
    }
    let values = if category == Category::Rendering {
        let mut tags: Vec<&str> = Vec::new();
        for f in found {
            if !tags.contains(&f.tag.as_str()) {
                tags.push(&f.tag);
            }
        }
        tags.join(", ")
    } else {
        sample_values(category, found, file)
    };
    Some(format!("{values} [{}]", fate(found, file.status)))
}

/// Up to four values, a location first as coordinates.
fn sample_values(category: Category, found: &[&Finding], file: &FileReport) -> String {
    let mut values: Vec<String> = match (category, main_location(file)) {
        (Category::Location, Some(loc)) => vec![describe_location(loc)],
        _ => Vec::new(),
    };
    let described = !values.is_empty();
    for f in found.iter().take_while(|_| !described) {
        let value = format!("{}: {}", f.tag, f.value);
        if values.len() < 4 && !values.contains(&value) {
            values.push(value);
        }
    }
    let more = found.len().saturating_sub(values.len());
    match more {
        0 => values.join("; "),
        n => format!("{} and {n} more", values.join("; ")),
    }
}

/// Whether a category's findings were (or would be) removed.
fn fate(found: &[&Finding], status: Status) -> String {
    let removed = found.iter().filter(|f| f.removed).count();
    let checking = matches!(status, Status::Leaks | Status::AlreadyClean);
    match (removed, checking) {
        (0, _) => "kept".into(),
        (n, true) if n == found.len() => "would be removed".into(),
        (n, true) => format!("{n} of {} would be removed", found.len()),
        (n, false) if n == found.len() => "removed".into(),
        (n, false) => format!("{n} of {} removed", found.len()),
    }
}

fn describe_location(loc: &Location) -> String {
    if let Some(why) = &loc.invalid {
        return format!("invalid coordinates ({why})");
    }
    let mut s = format!("{:.6}, {:.6}", loc.lat, loc.lon);
    if let Some(alt) = loc.alt {
        s += &format!(", altitude {alt:.0} m");
    }
    if let Some(acc) = loc.accuracy {
        s += &format!(", accurate to {acc:.0} m");
    }
    s
}

fn write_summary(batch: &Batch, out: &mut impl Write) -> io::Result<()> {
    let s = Summary::of(batch);
    writeln!(out)?;
    writeln!(out, "{}", s.counts_line(batch))?;
    if s.is_empty() {
        return Ok(());
    }
    writeln!(out, "\nWhat these photos would have told a stranger:")?;
    if s.with_location > 0 {
        let photos = plural(s.with_location, "photo", "photos");
        writeln!(out, "  {photos} showed where they were taken:")?;
        for place in &s.places {
            writeln!(
                out,
                "    {:.6}, {:.6}  {}",
                place.lat, place.lon, place.link
            )?;
            writeln!(out, "        {}", place.files.join(", "))?;
        }
    }
    if s.invalid_locations > 0 {
        let photos = plural(s.invalid_locations, "photo", "photos");
        writeln!(
            out,
            "  {photos} had GPS data that is not a real place (0,0 or broken values)"
        )?;
    }
    list_line(out, "Names of people", &s.names)?;
    list_line(out, "Device serial numbers", &s.serials)?;
    if let Some((first, last)) = &s.dates {
        writeln!(out, "  Dates: {first} to {last}")?;
    }
    if s.previews > 0 {
        let previews = plural(
            s.previews,
            "hidden preview image or video",
            "hidden preview images or videos",
        );
        writeln!(
            out,
            "  {previews} (they can show more than the posted picture)"
        )?;
    }
    let (removed, kept) = if batch.checked {
        ("Would remove", "Would keep")
    } else {
        ("Removed", "Kept")
    };
    writeln!(out, "  {}", counts_by_category(removed, &s.removed))?;
    writeln!(out, "  {}", counts_by_category(kept, &s.kept))
}

fn list_line(out: &mut impl Write, label: &str, items: &[String]) -> io::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    writeln!(out, "  {label}: {}", items.join(", "))
}

fn counts_by_category(label: &str, counts: &BTreeMap<String, usize>) -> String {
    if counts.is_empty() {
        return format!("{label}: nothing");
    }
    let parts: Vec<String> = counts.iter().map(|(c, n)| format!("{c} {n}")).collect();
    format!("{label}: {}", parts.join(", "))
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One place and the photos that showed it.
struct Place {
    lat: f64,
    lon: f64,
    link: String,
    files: Vec<String>,
}

/// What the whole run found, for the closing summary.
#[derive(Default)]
struct Summary {
    statuses: Vec<Status>,
    with_location: usize,
    invalid_locations: usize,
    places: Vec<Place>,
    names: Vec<String>,
    serials: Vec<String>,
    dates: Option<(String, String)>,
    previews: usize,
    removed: BTreeMap<String, usize>,
    kept: BTreeMap<String, usize>,
}

impl Summary {
    fn of(batch: &Batch) -> Summary {
        let mut s = Summary::default();
        for file in &batch.files {
            s.statuses.push(file.status);
            s.add_location(file);
            for f in &file.scan.findings {
                s.add_finding(f);
            }
        }
        s
    }

    fn add_location(&mut self, file: &FileReport) {
        let Some(first) = main_location(file) else {
            return;
        };
        if first.invalid.is_some() {
            self.invalid_locations += 1;
            return;
        }
        self.with_location += 1;
        let name = file.path.to_string_lossy().into_owned();
        let key = |lat: f64, lon: f64| (format!("{lat:.6}"), format!("{lon:.6}"));
        for loc in file.scan.locations.iter().filter(|l| l.invalid.is_none()) {
            match self
                .places
                .iter_mut()
                .find(|p| key(p.lat, p.lon) == key(loc.lat, loc.lon))
            {
                Some(place) if place.files.contains(&name) => {}
                Some(place) => place.files.push(name.clone()),
                None => self.places.push(Place {
                    lat: loc.lat,
                    lon: loc.lon,
                    link: loc.osm_link(),
                    files: vec![name.clone()],
                }),
            }
        }
    }

    fn add_finding(&mut self, f: &Finding) {
        let counts = if f.removed {
            &mut self.removed
        } else {
            &mut self.kept
        };
        *counts.entry(f.category.name().to_string()).or_default() += 1;
        match f.category {
            Category::People => push_unique(&mut self.names, &f.value),
            Category::Device if f.tag.contains("Serial") || f.tag.contains("UniqueID") => {
                push_unique(&mut self.serials, &f.value)
            }
            Category::Time => self.add_date(&f.value),
            Category::Preview => self.previews += 1,
            _ => {}
        }
    }

    /// Dates as `YYYY-MM-DD`, from values that start with one.
    fn add_date(&mut self, value: &str) {
        let digits: String = value
            .chars()
            .take(10)
            .map(|c| if c == ':' { '-' } else { c })
            .collect();
        let b = digits.as_bytes();
        let is_date = b.len() == 10 && b[4] == b'-' && b[7] == b'-' && !digits.starts_with("0000");
        if !is_date || !digits.replace('-', "").chars().all(|c| c.is_ascii_digit()) {
            return;
        }
        self.dates = Some(match self.dates.take() {
            None => (digits.clone(), digits),
            Some((a, b)) => (a.min(digits.clone()), b.max(digits)),
        });
    }

    fn count(&self, status: Status) -> usize {
        self.statuses.iter().filter(|&&s| s == status).count()
    }

    fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.kept.is_empty() && self.with_location == 0
    }

    fn counts_line(&self, batch: &Batch) -> String {
        let mut parts = Vec::new();
        for status in [
            Status::Cleaned,
            Status::Leaks,
            Status::AlreadyClean,
            Status::Refused,
            Status::Failed,
        ] {
            let n = self.count(status);
            if n > 0 {
                parts.push(format!("{n} {}", status_word(status)));
            }
        }
        let files = plural(batch.files.len(), "file", "files");
        let mut line = format!(
            "{files}: {}",
            if parts.is_empty() {
                "none".into()
            } else {
                parts.join(", ")
            }
        );
        if batch.skipped > 0 {
            line += &format!("; {} skipped (not photos)", batch.skipped);
        }
        line
    }
}

fn push_unique(list: &mut Vec<String>, value: &str) {
    if !value.is_empty() && !list.iter().any(|v| v == value) {
        list.push(value.to_string());
    }
}
