//! Place lookup speed: `cargo bench --bench places`.
//!
//! `first_lookup` opens the embedded table and names one point, as the
//! first photo of a run does (the table is read in place: nothing is
//! parsed or indexed up front); `lookup` names points with an open table;
//! `old_nearest` is `geo::nearest` (reverse_geocoder) on a warm table.

use photoscrub_core::places::Places;

fn main() {
    divan::main();
}

/// Cities, villages, open sea and a pole.
const POINTS: &[(f64, f64)] = &[
    (48.8584, 2.2945),
    (52.3808, 4.6368),
    (52.3081, 4.7642),
    (39.3068, -120.3351),
    (40.6584, -73.9934),
    (56.1538, 10.1993),
    (53.5, 3.5),
    (-16.75, -179.99),
];

#[divan::bench]
fn first_lookup() -> Option<f64> {
    let places = Places::embedded();
    let (lat, lon) = divan::black_box(POINTS[0]);
    places.lookup(lat, lon).map(|f| f.distance_km)
}

#[divan::bench(args = POINTS)]
fn lookup(point: &(f64, f64)) -> Option<f64> {
    let places = Places::embedded();
    places.lookup(point.0, point.1).map(|f| f.distance_km)
}

#[divan::bench(args = [(90.0, 0.0), (0.0, -150.0)])]
fn lookup_far_from_anything(point: &(f64, f64)) -> Option<f64> {
    Places::embedded()
        .lookup(point.0, point.1)
        .map(|f| f.distance_km)
}

#[divan::bench(args = POINTS)]
fn old_nearest(bencher: divan::Bencher, point: &(f64, f64)) {
    photoscrub_core::geo::nearest(0.0, 1.0);
    bencher.bench(|| photoscrub_core::geo::nearest(point.0, point.1));
}
