//! The ISOBMFF/QuickTime video reader over bytes in memory: parse, scan,
//! patches under each policy, the patched copy and its verification — the
//! same steps `clean` takes on a file on disk, without the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use photoscrub_core::container::mp4::{self, Video};

fuzz_target!(|data: &[u8]| {
    let Ok(video) = Video::parse(data) else {
        return;
    };
    assert_eq!(video.size(), data.len() as u64);
    let _ = video.scan();
    for policy in photoscrub_fuzz::policies() {
        let Ok(plan) = mp4::plan(data, &policy) else {
            continue;
        };
        // plan() has checked every patch against the length.
        let out = plan.output.to_vec(data).expect("a plan's pieces lie inside its input");
        let _ = photoscrub_core::verify(&plan, data, &out[..], &policy);
    }
    let _ = mp4::inspect(data);
});
