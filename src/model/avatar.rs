//! Avatar upload limits, shared by the dialog (which checks the size before
//! sending) and the server (which checks everything).

/// Largest file accepted.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;
/// Largest width and height accepted, in pixels.
pub const MAX_SIDE: u32 = 4096;
/// The stored avatar is a square of this side.
pub const STORED_SIDE: u32 = 256;

/// The refusal for a file over [`MAX_BYTES`].
pub fn too_large(bytes: u64) -> String {
    // Tenths of a MiB, rounded, in integers: float formatting would add
    // about 14 KB to the browser's WASM for this one message.
    let tenths = (bytes.saturating_mul(10) + 512 * 1024) / (1024 * 1024);
    format!(
        "The file is {}.{} MiB; the limit is 2 MiB.",
        tenths / 10,
        tenths % 10
    )
}

/// The refusal for an image over [`MAX_SIDE`] on either side.
pub fn too_many_pixels(width: u32, height: u32) -> String {
    format!("The image is {width}×{height} pixels; the limit is {MAX_SIDE}×{MAX_SIDE}.")
}

/// The refusal for anything that is not one of the accepted formats.
pub const NOT_AN_IMAGE: &str = "This file is not a PNG, JPEG, GIF or WebP image.";

/// The refusal for a file that starts like an image but cannot be decoded.
pub const DAMAGED: &str = "The image could not be read: the file is damaged or incomplete.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_limit() {
        assert_eq!(
            too_large(3 * 1024 * 1024),
            "The file is 3.0 MiB; the limit is 2 MiB."
        );
        assert_eq!(
            too_large(2 * 1024 * 1024 + 1),
            "The file is 2.0 MiB; the limit is 2 MiB."
        );
        assert_eq!(
            too_large(2_700_000),
            "The file is 2.6 MiB; the limit is 2 MiB."
        );
        assert!(too_many_pixels(5000, 10).contains("4096×4096"));
    }
}
