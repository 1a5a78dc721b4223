//! Sink: values in, findings out.

use super::names::QName;
use super::rules::{classify, rule, Rule};
use super::values::{binary_size, embedded_image, parse_coordinate, parse_number};
use super::{bit, MAX_FINDINGS, MAX_FIXES, MAX_PER_TAG};
use crate::findings::{Category, Finding, Scan};
use crate::geo;
use std::collections::{BTreeMap, HashSet};

/// At most this many distinct values are remembered to drop duplicates and
/// count long lists; past it every value is only counted (bounded memory
/// for packets of millions of tiny properties).
const MAX_SEEN: usize = 8 * MAX_FINDINGS;

/// Coordinates gathered from the fields of one structure (or the top level).
#[derive(Default)]
struct Fix {
    /// The property path of the enclosing structure.
    key: String,
    lat: Option<f64>,
    lon: Option<f64>,
    alt: Option<f64>,
    below_sea_level: bool,
    accuracy: Option<f64>,
}

/// Collects findings: deduplicated, capped per tag, with summaries for
/// develop settings, regions and motion-photo directories.
pub(super) struct Sink<'b> {
    pub(super) block: &'b str,
    scan: Scan,
    seen: HashSet<(Category, String, String)>,
    /// Tag → (category, findings seen), to cap and summarise long lists.
    per_tag: BTreeMap<String, (Category, usize)>,
    /// Findings left out because the packet had more than [`MAX_FINDINGS`].
    dropped: BTreeMap<Category, usize>,
    fixes: Vec<Fix>,
    develop_settings: usize,
    /// Region property (`mwg-rs:Regions`, `MP:RegionInfo`) → regions and
    /// face regions seen.
    regions: BTreeMap<String, (usize, usize)>,
    /// Fields of the open `Container:Directory` item.
    container_item: Vec<String>,
    /// When filtering: the categories (one bit each) of the values of the
    /// property being read, including those left out of the findings.
    pub(super) mark: Option<u8>,
}

impl<'b> Sink<'b> {
    pub(super) fn new(block: &'b str) -> Self {
        Sink {
            block,
            scan: Scan::default(),
            seen: HashSet::new(),
            per_tag: BTreeMap::new(),
            dropped: BTreeMap::new(),
            fixes: Vec::new(),
            develop_settings: 0,
            regions: BTreeMap::new(),
            container_item: Vec::new(),
            mark: None,
        }
    }

    /// Notes that the property being read holds a value of `category`.
    fn mark(&mut self, category: Category) {
        if let Some(mark) = &mut self.mark {
            *mark |= bit(category);
        }
    }

    /// One property value; `path` runs from the top-level property to it.
    pub(super) fn leaf(&mut self, path: &[QName], value: &str) {
        let value = value.trim();
        let (Some(top), Some(leaf)) = (path.first(), path.last()) else {
            return;
        };
        if value.is_empty() {
            return;
        }
        if top.prefix == "crs" {
            self.mark(Category::Device);
            self.develop_settings += 1;
        } else if top.is("Container", "Directory") {
            self.mark(Category::Preview);
            if self.container_item.len() < MAX_PER_TAG {
                self.container_item
                    .push(format!("{}={}", leaf.local, value));
            }
        } else if top.is("mwg-rs", "Regions") || top.is("MP", "RegionInfo") {
            // The region count is reported as `device`.
            self.mark(Category::Device);
            if let Rule::Is(Category::People) = rule(leaf) {
                self.push(Category::People, &leaf.tag(), value);
            } else if leaf.is("mwg-rs", "Type") && value.eq_ignore_ascii_case("face") {
                self.regions.entry(top.tag()).or_default().1 += 1;
            }
        } else if let Some(image) = embedded_image(value) {
            self.push(Category::Preview, &leaf.tag(), &image);
        } else if let Some(category) = classify(path) {
            if category == Category::Location {
                self.note_coordinate(path, value);
            }
            match binary_size(value) {
                Some(size) => self.push(
                    category,
                    &leaf.tag(),
                    &format!("binary data, about {size} bytes"),
                ),
                None => self.push(category, &leaf.tag(), value),
            }
        }
    }

    /// The end of an array item that was a structure.
    pub(super) fn item_end(&mut self, path: &[QName]) {
        let (Some(top), Some(list)) = (path.first(), path.last()) else {
            return;
        };
        if top.is("Container", "Directory") {
            self.flush_container_item();
        }
        if list.is("mwg-rs", "RegionList") || list.is("MPRI", "Regions") {
            self.regions.entry(top.tag()).or_default().0 += 1;
        }
    }

    /// One item of a Google/Android container directory (motion-photo
    /// video, gain map, depth map, …); the primary image itself is skipped.
    fn flush_container_item(&mut self) {
        let fields = std::mem::take(&mut self.container_item);
        if !fields.is_empty() && !fields.iter().any(|f| f == "Semantic=Primary") {
            self.push(Category::Preview, "Container:Directory", &fields.join(", "));
        }
    }

    pub(super) fn push(&mut self, category: Category, tag: &str, value: &str) {
        self.mark(category);
        let finding = Finding::new(category, self.block, tag, value);
        if finding.value.is_empty() {
            return;
        }
        if self.seen.len() >= MAX_SEEN {
            *self.dropped.entry(category).or_default() += 1;
            return;
        }
        let key = (category, finding.tag.clone(), finding.value.clone());
        if !self.seen.insert(key) {
            return;
        }
        let count = &mut self
            .per_tag
            .entry(finding.tag.clone())
            .or_insert((category, 0))
            .1;
        *count += 1;
        if *count > MAX_PER_TAG {
            return;
        }
        if self.scan.findings.len() < MAX_FINDINGS {
            self.scan.push(finding);
        } else {
            *self.dropped.entry(category).or_default() += 1;
        }
    }

    /// Remembers a coordinate part (latitude, longitude, altitude, …).
    fn note_coordinate(&mut self, path: &[QName], value: &str) {
        let Some(leaf) = path.last() else { return };
        let name = leaf.local.to_ascii_lowercase();
        let part = name.strip_prefix("gps").unwrap_or(&name);
        let key: Vec<String> = path[..path.len() - 1].iter().map(QName::tag).collect();
        let key = key.join("/");
        let is_lat = part == "latitude";
        let is_lon = part == "longitude" || part == "longtitude";
        let is_alt = part == "altitude" || part == "absolutealtitude";
        let is_ref = part == "altituderef";
        let is_acc = part == "hpositioningerror";
        if !(is_lat || is_lon || is_alt || is_ref || is_acc) {
            return;
        }
        let Some(fix) = self.fix_for(&key, is_lat, is_lon) else {
            return;
        };
        if is_lat {
            fix.lat = parse_coordinate(value);
        } else if is_lon {
            fix.lon = parse_coordinate(value);
        } else if is_alt {
            fix.alt = parse_number(value);
        } else if is_ref {
            fix.below_sea_level = value.trim() == "1";
        } else {
            fix.accuracy = parse_number(value);
        }
    }

    /// The open coordinate set for `key`; a second latitude (or longitude)
    /// for the same key starts a new set.
    fn fix_for(&mut self, key: &str, is_lat: bool, is_lon: bool) -> Option<&mut Fix> {
        let open = self.fixes.iter().rposition(|f| f.key == key);
        let taken = open.is_some_and(|i| {
            (is_lat && self.fixes[i].lat.is_some()) || (is_lon && self.fixes[i].lon.is_some())
        });
        match open {
            Some(i) if !taken => self.fixes.get_mut(i),
            _ if self.fixes.len() < MAX_FIXES => {
                self.fixes.push(Fix {
                    key: key.to_string(),
                    ..Fix::default()
                });
                self.fixes.last_mut()
            }
            _ => None,
        }
    }

    pub(super) fn finish(mut self) -> Scan {
        self.flush_container_item();
        if self.develop_settings > 0 {
            let value = format!(
                "{} Camera Raw / Lightroom develop settings",
                self.develop_settings
            );
            self.push(Category::Device, "crs:*", &value);
        }
        for (tag, (regions, faces)) in std::mem::take(&mut self.regions) {
            let noun = if regions == 1 { "region" } else { "regions" };
            let value = match faces {
                0 => format!("{regions} image {noun}"),
                _ => format!("{regions} image {noun} ({faces} faces)"),
            };
            self.push(Category::Device, &tag, &value);
        }
        for fix in std::mem::take(&mut self.fixes) {
            let (Some(lat), Some(lon)) = (fix.lat, fix.lon) else {
                continue;
            };
            let alt = fix
                .alt
                .map(|a| if fix.below_sea_level { -a.abs() } else { a });
            let mut location = geo::location(lat, lon, alt, self.block);
            location.accuracy = fix.accuracy.filter(|a| a.is_finite());
            self.scan.locations.push(location);
        }
        for (tag, (category, count)) in std::mem::take(&mut self.per_tag) {
            if count > MAX_PER_TAG {
                let more = format!("and {} more values", count - MAX_PER_TAG);
                self.scan
                    .push(Finding::new(category, self.block, &tag, more));
            }
        }
        for (category, count) in std::mem::take(&mut self.dropped) {
            let more = format!("and {count} more {category} properties");
            self.scan.push(Finding::new(
                category,
                self.block,
                "(more properties)",
                more,
            ));
        }
        self.scan
    }
}
