//! The place table names the town a person would use, for real photos.
//!
//! Positions are read from the photos by ExifTool (an independent reader),
//! from the repository's samples and the real corpus beside the repository;
//! a missing ExifTool or photo fails the test.

#![cfg(feature = "places")]

use photoscrub_core::places::Places;
use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus() -> PathBuf {
    let dir = std::env::var_os("PHOTOSCRUB_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real"));
    assert!(
        dir.is_dir(),
        "the real-photo corpus is not at {} (set PHOTOSCRUB_CORPUS)",
        dir.display()
    );
    dir
}

/// Latitude and longitude as ExifTool reads them (signed decimal degrees).
fn gps(path: &Path) -> (f64, f64) {
    let out = Command::new("exiftool")
        .args(["-n", "-q", "-q", "-p", "$GPSLatitude $GPSLongitude"])
        .arg(path)
        .output()
        .expect("exiftool must be installed");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace().map(|v| v.parse::<f64>());
    match (it.next(), it.next()) {
        (Some(Ok(lat)), Some(Ok(lon))) => (lat, lon),
        _ => panic!("no GPS in {}: {text:?}", path.display()),
    }
}

/// Photo, the name in English, the name in Dutch, whether the point lies
/// in the town (no distance said).
const KNOWN: &[(&str, &str, &str, bool)] = &[
    // The Eiffel Tower: Paris, not Neuilly-sur-Seine 3.4 km away.
    ("samples/IMG_20240728_154233.jpg", "Paris", "Parijs", true),
    (
        "samples/IMG_20240914_093012.jpg",
        "Haarlem",
        "Haarlem",
        true,
    ),
    (
        "LycheeOrg+Lychee__tests_Samples_aarhus.jpg",
        "Århus",
        "Århus",
        true,
    ),
    // Donner Pass: no town within reach; Truckee is 13 km away.
    (
        "AcademySoftwareFoundation+OpenImageIO-images__tahoe-gps.jpg",
        "13 km from Truckee",
        "13 km van Truckee",
        false,
    ),
    (
        "ianare+exif-samples__jpg_gps_DSCN0021.jpg",
        "Arezzo",
        "Arezzo",
        true,
    ),
    (
        "ianare+exif-samples__jpg_gps_DSCN0042.jpg",
        "Arezzo",
        "Arezzo",
        true,
    ),
    (
        "dsoprea+go-exif__assets_gps.jpg",
        "Lantana",
        "Lantana",
        true,
    ),
    // Belém: a district of Lisbon, not the parish of Ajuda.
    (
        "drewnoakes+metadata-extractor-images__heic_Issue 263 dotnet.heic",
        "Lisboa",
        "Lissabon",
        true,
    ),
    (
        "exiftool+exiftool__t_images_Apple.jpg",
        "Sheffield",
        "Sheffield",
        true,
    ),
    // Brooklyn: New York City holds its boroughs.
    (
        "exiftool+exiftool__t_images_GoPro.jpg",
        "New York City",
        "New York",
        true,
    ),
    (
        "Exiv2+exiv2__test_data_exiv2-bug2565.jpg",
        "San Francisco",
        "San Francisco",
        true,
    ),
    (
        "rwcarlsen+goexif__exif_sample1.jpg",
        "Beijing",
        "Peking",
        true,
    ),
    // Crystal Palace, south London.
    (
        "drewnoakes+metadata-extractor-images__mp4_with-gps.mp4",
        "London",
        "Londen",
        true,
    ),
    (
        "ianare+exif-samples__jpg_tests_87_OSError.jpg",
        "Firenze",
        "Florence",
        true,
    ),
    (
        "LycheeOrg+Lychee__tests_Samples_sewing-threads.heic",
        "Manresa",
        "Manresa",
        true,
    ),
    (
        "mapillary+mapillary_tools__tests_unit_data_test_exif.jpg",
        "Sliema",
        "Sliema",
        true,
    ),
    // Hardingstone, a village on the edge of Northampton.
    (
        "LycheeOrg+Lychee__tests_Samples_train.jpg",
        "Northampton",
        "Northampton",
        true,
    ),
    (
        "ianare+exif-samples__jpg_tests_67-0_length_string.jpg",
        "Gummersbach",
        "Gummersbach",
        true,
    ),
    (
        "bigcat88+pillow_heif__tests_images_heif_special_xiaomi.heic",
        "Rostov-on-Don",
        "Rostov aan de Don",
        true,
    ),
    (
        "drewnoakes+metadata-extractor-images__jpg_Apple iPhone 6 plus.jpg",
        "Cardiff",
        "Cardiff",
        true,
    ),
    (
        "MikeKovarik+exifr__test_fixtures_IMG_20180725_163423.jpg",
        "Benátky nad Jizerou",
        "Benátky nad Jizerou",
        true,
    ),
];

#[test]
fn real_photos_get_the_town_a_person_would_name() {
    let places = Places::embedded();
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut wrong = Vec::new();
    for &(file, en, nl, within) in KNOWN {
        let path = if file.starts_with("samples/") {
            fixtures.join(file)
        } else {
            corpus().join(file)
        };
        let (lat, lon) = gps(&path);
        let found = places.lookup(lat, lon).expect("a real position");
        let got = (found.describe("en"), found.describe("nl"), found.within);
        if got != (en.to_string(), nl.to_string(), within) {
            wrong.push(format!("{file} ({lat}, {lon}): got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn local_and_dutch_names() {
    let places = Places::embedded();
    let name = |lat, lon, lang| places.lookup(lat, lon).unwrap().place.name(lang);
    assert_eq!(name(52.0800, 4.3130, "en"), "Den Haag");
    assert_eq!(name(50.9413, 6.9583, "en"), "Köln");
    assert_eq!(name(50.9413, 6.9583, "nl"), "Keulen");
    assert_eq!(name(55.6761, 12.5683, "en"), "København");
    assert_eq!(name(55.6761, 12.5683, "nl"), "Kopenhagen");
    assert_eq!(name(50.8467, 4.3525, "nl"), "Brussel");
    // Liège keeps its French name in Belgium; Dutch readers get Luik.
    assert_eq!(name(50.6412, 5.5718, "en"), "Liège");
    assert_eq!(name(50.6412, 5.5718, "nl"), "Luik");
    assert_eq!(name(51.5081, -0.0759, "nl"), "Londen");
    let haarlem = places.lookup(52.3808, 4.6368).unwrap().place;
    assert_eq!(haarlem.admin1("en"), Some("Noord-Holland"));
    assert_eq!(haarlem.country_code(), "NL");
    assert!(haarlem.population() > 100_000);
}

#[test]
fn towns_next_to_a_city_keep_their_name() {
    let places = Places::embedded();
    let name = |lat, lon| places.lookup(lat, lon).unwrap().describe("nl");
    assert_eq!(name(52.3570, 4.6200), "Heemstede");
    assert_eq!(name(52.3030, 4.8600), "Amstelveen");
    assert_eq!(name(52.3700, 4.5250), "Zandvoort");
    assert_eq!(name(52.3990, 4.9200), "Amsterdam", "Amsterdam-Noord");
    // Schiphol lies in no town: Hoofddorp, the main town of the
    // municipality of Haarlemmermeer, is the nearest for its size.
    assert_eq!(name(52.3081, 4.7642), "5 km van Hoofddorp");
}

#[test]
fn sea_poles_and_antimeridian() {
    let places = Places::embedded();
    let north_sea = places.lookup(53.5, 3.5).unwrap();
    assert!(!north_sea.within && north_sea.distance_helps());
    assert_eq!(north_sea.place.country_code(), "NL");
    assert!((80.0..120.0).contains(&north_sea.distance_km));
    let pacific = places.lookup(0.0, -150.0).unwrap();
    assert!(pacific.distance_km > 500.0 && pacific.describe("en").contains(" km from "));
    let north = places.lookup(90.0, 0.0).unwrap();
    assert_eq!(north.place.name("en"), "Longyearbyen");
    assert!((north.distance_km - 1310.0).abs() < 10.0);
    let south = places.lookup(-90.0, 0.0).unwrap();
    assert!(south.distance_km > 3000.0, "{south:?}");
    // Both sides of the antimeridian east of Fiji find Savusavu at 179.3° E.
    for lon in [179.99, -179.99] {
        let fiji = places.lookup(-16.75, lon).unwrap();
        assert_eq!(fiji.place.name("en"), "Savusavu", "{lon}");
        assert!(fiji.distance_km < 75.0, "{lon}: {fiji:?}");
    }
    // Within a band, every place within the radius is found whichever side
    // of the antimeridian the centre is on.
    let east = places.near(65.0, 179.9, 300.0);
    let west = places.near(65.0, -179.9, 300.0);
    assert!(east.iter().any(|(p, _)| p.name("en") == "Anadyr"));
    assert!(west.iter().any(|(p, _)| p.name("en") == "Anadyr"));
    assert!(places.lookup(f64::NAN, 1.0).is_none());
}

#[test]
fn the_table_is_complete_and_sorted() {
    let places = Places::embedded();
    assert!(places.len() > 140_000, "{}", places.len());
    let mut previous = (-91.0f64, -181.0f64);
    for i in (0..places.len()).step_by(97) {
        let p = places.get(i).unwrap();
        assert!(!p.local_name().is_empty(), "{i}");
        assert_eq!(p.country_code().len(), 2, "{i}");
        assert!(p.population() >= 1000, "{p:?}");
        // Sorted by 1-degree band, then longitude.
        if p.lat().floor() == previous.0.floor() {
            assert!(p.lon() >= previous.1, "{p:?}");
        } else {
            assert!(p.lat().floor() > previous.0.floor());
        }
        previous = (p.lat(), p.lon());
    }
}
