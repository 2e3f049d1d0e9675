//! The markers crate's error type, grouped by fault.

use thiserror::Error;

/// Everything that can go wrong in this crate.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum MarkerError {
    /// The luma buffer does not match its stated shape.
    #[error("invalid image: {width}x{height} with stride {stride} needs {needed} bytes, got {len}")]
    InvalidImage {
        /// Width in pixels.
        width: usize,
        /// Height in pixels.
        height: usize,
        /// Bytes from the start of one row to the next.
        stride: usize,
        /// Bytes the shape needs.
        needed: usize,
        /// Bytes actually given.
        len: usize,
    },
    /// A marker code or URL could not be parsed.
    #[error("invalid marker code: {0}")]
    Payload(String),
    /// No pose fits: bad side length or intrinsics, degenerate corners, or a
    /// solution behind the camera.
    #[error("cannot estimate pose: {0}")]
    Pose(String),
    /// Label-sheet or poster layout failed (e.g. the font could not be read).
    #[error("cannot lay out the page: {0}")]
    Layout(String),
    /// The text is too long to fit in a QR code at the chosen error correction level.
    #[error("cannot encode as QR code: {0}")]
    Encode(String),
}
