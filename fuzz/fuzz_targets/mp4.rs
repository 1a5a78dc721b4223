//! The ISOBMFF/QuickTime video reader over bytes in memory: parse, scan,
//! patches under each policy, the patched copy and its verification — the
//! same steps `clean` takes on a file on disk, without the file.
#![no_main]

use libfuzzer_sys::fuzz_target;
use photoscrub::container::mp4::{self, Video};
use photoscrub::write;

fuzz_target!(|data: &[u8]| {
    let Ok(video) = Video::parse(data) else {
        return;
    };
    assert_eq!(video.size(), data.len() as u64);
    let _ = video.scan();
    for policy in photoscrub_fuzz::policies() {
        let Ok(patches) = video.patches(&policy) else {
            continue;
        };
        let mut out = data.to_vec();
        // patches() has checked every patch against the length.
        write::patch_bytes(&mut out, &patches).expect("a checked patch applies");
        let _ = mp4::verify(&video, out.as_slice(), &policy);
    }
    let _ = mp4::image_data(data);
});
