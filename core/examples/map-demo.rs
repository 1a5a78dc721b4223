//! Draws the offline map demo: `cargo run --example map-demo -- OUT_DIR`
//! writes haarlem.svg, paris.svg and world.svg (open them in a browser, or
//! `chromium --headless --screenshot` them).

use photoscrub_core::mapdata::{demo_svg, MapData};
use photoscrub_core::places::Places;

/// Name, points (latitude, longitude), width, height.
type Demo<'a> = (&'a str, &'a [(f64, f64)], u32, u32);

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| ".".into());
    let map = MapData::embedded();
    let places = Places::embedded();
    let views: [Demo; 3] = [
        // The two Haarlem samples, Zandvoort beach and Schiphol.
        (
            "haarlem",
            &[
                (52.3808, 4.6368),
                (52.381, 4.6371),
                (52.37, 4.525),
                (52.3081, 4.7642),
            ],
            800,
            600,
        ),
        // The Eiffel Tower (two photos) and La Défense.
        (
            "paris",
            &[(48.8584, 2.2945), (48.8578, 2.297), (48.8925, 2.2364)],
            800,
            600,
        ),
        // Photos of the corpus on five continents.
        (
            "world",
            &[
                (48.8584, 2.2945),
                (52.3808, 4.6368),
                (56.1538, 10.1993),
                (37.786, -122.391),
                (40.6584, -73.9934),
                (39.9156, 116.3908),
                (23.1779, 113.3943),
                (-20.4435, 57.3156),
                (38.6995, -9.2077),
                (47.2273, 39.7),
                (26.5867, -80.0536),
                (-33.8688, 151.2093),
            ],
            1000,
            600,
        ),
    ];
    for (name, points, w, h) in views {
        let t = std::time::Instant::now();
        let svg = demo_svg(&map, &places, points, w, h, "nl");
        let path = format!("{out}/{name}.svg");
        std::fs::write(&path, &svg).expect("write the SVG");
        println!("{path}: {} bytes in {:?}", svg.len(), t.elapsed());
    }
}
