//! Any upload offered as an avatar: decoding never panics nor runs past its
//! memory limits, and what it accepts comes out as the stored square PNG.
#![no_main]

use account_settings::model::avatar::STORED_SIDE;
use account_settings::server::http::avatar;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(png) = avatar::process(data) {
        let image = image::load_from_memory_with_format(&png, image::ImageFormat::Png)
            .expect("the stored avatar is a PNG");
        assert_eq!((image.width(), image.height()), (STORED_SIDE, STORED_SIDE));
    }
});
