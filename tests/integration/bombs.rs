//! Uploads built to blow up a decoder: small files that inflate to far
//! more than the picture they carry.

use std::io::{Cursor, Write};

/// A 16×16 PNG carrying a colour profile (`iCCP`) that inflates to
/// `inflated_mib` MiB of zeros, from about a thousandth of that.
pub fn iccp_bomb(inflated_mib: usize) -> Vec<u8> {
    let pixels = image::RgbaImage::from_pixel(16, 16, image::Rgba([200, 40, 40, 255]));
    let mut base = Cursor::new(Vec::new());
    pixels
        .write_to(&mut base, image::ImageFormat::Png)
        .expect("encode");
    let base = base.into_inner();

    let mut profile = b"bomb\0\0".to_vec(); // name, then method 0 (zlib)
    let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..inflated_mib {
        zlib.write_all(&zeros).expect("deflate");
    }
    profile.extend(zlib.finish().expect("deflate"));

    let mut chunk = Vec::with_capacity(profile.len() + 12);
    chunk.extend((profile.len() as u32).to_be_bytes());
    chunk.extend(b"iCCP");
    chunk.extend(&profile);
    let crc = crc32fast::hash(&chunk[4..]);
    chunk.extend(crc.to_be_bytes());

    // The signature (8 bytes) and IHDR (25) come first; the profile must
    // come before the pixels.
    let mut out = base[..33].to_vec();
    out.extend(chunk);
    out.extend(&base[33..]);
    out
}
