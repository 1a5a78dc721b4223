//! What the fuzz targets share: the policies they try and one routine that
//! drives a container module through all of its entry points.
//!
//! A fuzz input may be rejected (`Err`) anywhere; it must never panic, hang
//! or make photoscrub allocate without bound.

use photoscrub_core::container;
use photoscrub_core::{Category, Format, Policy};

/// The default policy and two user choices (`--keep time,device`,
/// `--only location`) that take different paths through the rebuilders.
pub fn policies() -> [Policy; 3] {
    [
        Policy::default(),
        Policy::keep(&[Category::Time, Category::Device]),
        Policy::only(&[Category::Location]),
    ]
}

/// Drives the container module for `format` over `data` as if sniffing had
/// said it is that format: scan, image data, rebuild under each policy,
/// the one-parse `clean`/`inspect` paths and the verifier on the output.
pub fn container(format: Format, data: &[u8]) {
    let _ = container::scan(format, data);
    let _ = container::image_data(format, data);
    let _ = container::inspect_photo(format, data);
    for policy in policies() {
        if let Ok(out) = container::rebuild(format, data, &policy) {
            // The output of a rebuild is parsed again by verify.
            let _ = container::inspect_photo(format, &out);
        }
        if let Ok(plan) = container::plan_photo(format, data, &policy) {
            let output = plan.output.to_vec(data).expect("a plan's pieces lie inside its input");
            let _ = photoscrub_core::verify(&plan, data, &output[..], &policy);
        }
    }
}
