//! The report on the real-photo corpus: every photo with valid GPS gets a
//! place name, and its coordinates agree with the ones the corpus's own
//! SOURCES.csv records (an independent reading made when it was collected).

mod common;

use common::run_json;
use std::collections::HashMap;
use std::path::PathBuf;

fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("PHOTOSCRUB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| common::crate_dir().join("../shared/corpus/real"));
    assert!(
        dir.is_dir(),
        "the real-photo corpus is not at {} (set PHOTOSCRUB_CORPUS)",
        dir.display()
    );
    dir
}

/// Splits one CSV line, honouring double quotes.
fn csv_fields(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// file name → (lat, lon) for the corpus files whose GPS SOURCES.csv records.
fn recorded_gps(corpus: &std::path::Path) -> HashMap<String, (f64, f64)> {
    let csv = std::fs::read_to_string(corpus.join("../SOURCES.csv"))
        .expect("SOURCES.csv next to the corpus");
    let mut lines = csv.lines();
    let header = csv_fields(lines.next().unwrap());
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (file, lat, lon) = (col("file"), col("gps_lat"), col("gps_lon"));
    lines
        .map(csv_fields)
        .filter_map(|f| {
            Some((
                f.get(file)?.clone(),
                (f.get(lat)?.parse().ok()?, f.get(lon)?.parse().ok()?),
            ))
        })
        .collect()
}

#[test]
#[ignore = "needs the real-photo corpus (../shared/corpus/real or PHOTOSCRUB_CORPUS); run with --ignored"]
fn every_located_corpus_photo_gets_a_place_and_the_recorded_coordinates() {
    let corpus = corpus_dir();
    let recorded = recorded_gps(&corpus);
    assert!(
        recorded.len() > 20,
        "SOURCES.csv records GPS for many files"
    );
    let report = run_json(args!["check", "--json", &corpus]);
    let mut located = 0;
    for file in &report.files {
        let name = PathBuf::from(file["path"].as_str().unwrap());
        let name = name.file_name().unwrap().to_string_lossy().into_owned();
        let loc = &file["location"];
        if let Some(&(lat, lon)) = recorded.get(&name) {
            if file["status"] == "failed" || file["status"] == "refused" {
                // Videos are scanned by the video container; nothing else may fail.
                assert!(
                    file["format"] == "video",
                    "{name} failed: {}",
                    file["error"]
                );
                continue;
            }
            assert!(
                loc.is_object(),
                "{name}: SOURCES.csv has GPS, the report none: {file}"
            );
            let (got_lat, got_lon) = (loc["lat"].as_f64().unwrap(), loc["lon"].as_f64().unwrap());
            // This phone wrote the degrees as text with decimal commas,
            // "52,00000,50,00000,34,01180": ExifTool (which made SOURCES.csv)
            // reads 52, 0, 50; photoscrub reads 52° 50' 34.0118".
            let (lat, lon) = match name.as_str() {
                "rwcarlsen+goexif__exif_samples_geodegrees_as_string.jpg" => (52.842781, 11.182856),
                _ => (lat, lon),
            };
            assert!(
                (got_lat - lat).abs() < 1e-3 && (got_lon - lon).abs() < 1e-3,
                "{name}: report {got_lat},{got_lon}, SOURCES.csv {lat},{lon}"
            );
        }
        if loc.is_object() && loc["invalid"].is_null() {
            located += 1;
            let place = loc["place"].as_str().unwrap_or("");
            let km_from = place
                .split_once(" km from ")
                .is_some_and(|(km, _)| km.parse::<u32>().is_ok());
            assert!(
                place.starts_with("in ") || km_from || place.starts_with("at sea, "),
                "{name}: no plausible place: {place:?}"
            );
            assert!(
                place.contains(", "),
                "{name}: the place names a region or country: {place}"
            );
        }
    }
    assert!(
        located >= recorded.len() / 2,
        "most recorded locations were found ({located})"
    );
    let places = report.summary["locations"].as_array().unwrap();
    assert!(places
        .iter()
        .all(|p| p["place"].as_str().is_some_and(|s| !s.is_empty())));
}

#[test]
fn tahoe_photo_is_placed_near_truckee() {
    // A fixed point with a known answer: the OpenImageIO sample was taken at
    // 39.3068, -120.3351, on the road between Truckee and Lake Tahoe.
    let nearest = photoscrub_core::geo::nearest(39.3067777777778, -120.335069444444).unwrap();
    assert_eq!(nearest.country, "United States");
    assert_eq!(nearest.region, "California");
    assert!(nearest.distance_km < 25.0, "{nearest:?}");
}

/// The names and serial numbers the summary lists for the whole corpus are
/// values a person can read (the rule in `report::push_unique`): no empty
/// parts, no binary data, no placeholders.
#[test]
#[ignore = "needs the real-photo corpus (../shared/corpus/real or PHOTOSCRUB_CORPUS); run with --ignored"]
fn the_corpus_summary_lists_only_readable_names_and_serials() {
    let corpus = corpus_dir();
    let report = run_json(args!["check", "--json", &corpus]);
    let placeholders = ["unknown", "none", "n/a", "null", "true", "false", "default"];
    for key in ["names", "serials"] {
        let values = report.summary[key].as_array().unwrap();
        assert!(!values.is_empty(), "the corpus has {key}");
        for value in values {
            let v = value.as_str().unwrap();
            let first = v.chars().next().unwrap_or(' ');
            assert!(
                v == v.trim()
                    && v.chars().any(char::is_alphanumeric)
                    && !v.chars().any(|c| c.is_control() || c == '\u{fffd}')
                    && v.split(',').all(|part| !part.trim().is_empty())
                    && !(v.chars().count() > 1 && v.chars().all(|c| c == first))
                    && !placeholders.iter().any(|p| v.eq_ignore_ascii_case(p)),
                "{key}: {v:?} is not a value a person can read"
            );
        }
    }
}
