//! The embedded map outlines draw a map: land where land is, water where
//! water is, borders, town labels; checked with ImageMagick as an
//! independent SVG renderer (a missing ImageMagick fails the test).

#![cfg(feature = "places")]

use photoscrub_core::mapdata::{demo_svg, labels, Kind, MapData, View};
use photoscrub_core::places::Places;
use std::process::Command;

#[test]
fn land_sea_and_lakes() {
    let map = MapData::embedded();
    for (lat, lon, land, what) in [
        (52.3808, 4.6368, true, "Haarlem"),
        (48.8584, 2.2945, true, "Paris"),
        (56.1538, 10.1993, true, "Aarhus"),
        (-33.87, 151.20, true, "Sydney"),
        (53.5, 3.5, false, "the North Sea"),
        (45.0, -35.0, false, "the Atlantic"),
        (52.75, 5.40, false, "the IJsselmeer (a lake)"),
        (42.0, 50.5, false, "the Caspian Sea"),
        (46.45, 6.55, false, "Lake Geneva"),
        (-85.0, 0.0, true, "Antarctica"),
    ] {
        assert_eq!(map.is_land(lat, lon), land, "{what}");
    }
}

fn counts(svg: &str, needle: &str) -> usize {
    svg.matches(needle).count()
}

/// Share of pixels of a colour in the PNG ImageMagick renders of `svg`.
fn colour_shares(svg: &str, name: &str, colours: &[&str]) -> Vec<f64> {
    let dir = std::env::temp_dir().join(format!("photoscrub-map-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (svg_path, png_path) = (
        dir.join(format!("{name}.svg")),
        dir.join(format!("{name}.png")),
    );
    std::fs::write(&svg_path, svg).unwrap();
    let ok = Command::new("convert")
        .arg(&svg_path)
        .arg(&png_path)
        .status()
        .expect("ImageMagick's convert must be installed");
    assert!(ok.success());
    let out = Command::new("convert")
        .arg(&png_path)
        .args(["-format", "%c", "histogram:info:-"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut total = 0.0;
    let mut found = vec![0.0; colours.len()];
    for line in text.lines() {
        let n: f64 = line.split(':').next().unwrap().trim().parse().unwrap();
        total += n;
        for (i, c) in colours.iter().enumerate() {
            if line.contains(c) {
                found[i] += n;
            }
        }
    }
    std::fs::remove_dir_all(&dir).ok();
    found.into_iter().map(|n| n / total).collect()
}

const LAND: &str = "242,239,230";
const WATER: &str = "169,207,232";

#[test]
fn haarlem_map_has_coast_towns_and_points() {
    let (map, places) = (MapData::embedded(), Places::embedded());
    let points = [(52.3808, 4.6368), (52.37, 4.525), (52.3081, 4.7642)];
    let svg = demo_svg(&map, &places, &points, 800, 600, "nl");
    assert_eq!(counts(&svg, r#"class="point""#), 3);
    for town in ["Haarlem", "Zandvoort", "Hoofddorp", "Heemstede"] {
        assert!(svg.contains(&format!(">{town}</text>")), "{town} labelled");
    }
    // The North Sea on the left, land on the right.
    let shares = colour_shares(&svg, "haarlem", &[LAND, WATER]);
    assert!(shares[0] > 0.6 && shares[1] > 0.03, "{shares:?}");
}

#[test]
fn paris_map_names_paris_not_its_arrondissements() {
    let (map, places) = (MapData::embedded(), Places::embedded());
    let svg = demo_svg(&map, &places, &[(48.8584, 2.2945)], 800, 600, "nl");
    assert!(svg.contains(">Parijs</text>"));
    assert!(!svg.contains(">Paris 1"), "no arrondissements: {svg}");
    let shares = colour_shares(&svg, "paris", &[LAND, WATER]);
    assert!(shares[0] > 0.9, "inland: {shares:?}");
}

#[test]
fn world_map_has_continents_and_borders() {
    let (map, places) = (MapData::embedded(), Places::embedded());
    let points = [
        (48.8584, 2.2945),
        (37.786, -122.391),
        (39.9156, 116.3908),
        (-20.4435, 57.3156),
        (-33.8688, 151.2093),
    ];
    let view = View::fit(&points, 10.0, 1000, 600);
    let shapes = map.shapes(&view);
    let land = shapes.iter().filter(|s| s.kind == Kind::Land).count();
    let borders = shapes.iter().filter(|s| s.kind == Kind::Border).count();
    assert!(
        land > 100 && borders > 100,
        "{land} land, {borders} borders"
    );
    for s in &shapes {
        for &(x, y) in &s.points {
            assert!(
                (-5.0..=1005.0).contains(&x) && (-5.0..=605.0).contains(&y),
                "{x},{y}"
            );
        }
    }
    let names: Vec<_> = labels(&places, &view, "en", 10, &[])
        .into_iter()
        .map(|l| l.name)
        .collect();
    assert!(names.len() >= 8, "{names:?}");
    let svg = demo_svg(&map, &places, &points, 1000, 600, "en");
    assert_eq!(counts(&svg, r#"class="point""#), 5);
    let shares = colour_shares(&svg, "world", &[LAND, WATER]);
    assert!(shares[0] > 0.2 && shares[1] > 0.4, "{shares:?}");
}

#[test]
fn a_view_across_the_antimeridian() {
    let map = MapData::embedded();
    // Fiji's Vanua Levu and Taveuni lie on both sides of 180°.
    let view = View::fit(&[(-16.6, 179.3), (-16.8, -179.9)], 10.0, 600, 400);
    let land: Vec<_> = map
        .shapes(&view)
        .into_iter()
        .filter(|s| s.kind == Kind::Land)
        .collect();
    let xs: Vec<f32> = land
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    assert!(
        xs.iter().any(|&x| x > 0.0 && x < 200.0),
        "land west of 180°"
    );
    assert!(
        xs.iter().any(|&x| x > 400.0 && x < 600.0),
        "land east of 180°"
    );
}
