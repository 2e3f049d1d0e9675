//! The markers crate's errors, grouped by fault (as image-rs does): bad
//! input (an image buffer, a marker code), a parameter out of range, a
//! limit of the QR standard, and the two geometric and layout tasks that
//! can find no answer. Each variant keeps its typed source, and carries
//! the limits its message names, so this module imports none of the others.

use thiserror::Error;

/// Everything that can go wrong in this crate.
#[derive(Debug, Error, Clone, PartialEq)]
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
    Payload(#[from] PayloadError),
    /// A drawing parameter is out of range (the caller's choice, not the data).
    #[error(transparent)]
    Parameter(#[from] ParameterError),
    /// The text is too long to fit in a QR code at the chosen error correction
    /// level (or holds what the encoder cannot write).
    #[error("cannot encode as QR code: {0}")]
    Encode(#[from] qrcode::types::QrError),
    /// No pose fits: bad side length or intrinsics, degenerate corners, or a
    /// solution behind the camera.
    #[error("cannot estimate pose: {0}")]
    Pose(#[from] PoseError),
    /// Label-sheet or poster layout failed (e.g. the font could not be read).
    #[error("cannot lay out the page: {0}")]
    Layout(#[from] LayoutError),
}

/// Why a marker code is not valid ([`crate::payload::MarkerCode`]).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum PayloadError {
    /// A character outside the Crockford base-32 alphabet (e.g. `U`).
    #[error("{symbol:?} is not a Crockford base-32 symbol")]
    Symbol {
        /// The offending character, upper-cased.
        symbol: char,
    },
    /// Too few or too many symbols.
    #[error("a code has {min} to {max} symbols, got {len}")]
    Length {
        /// Symbols given (hyphens not counted).
        len: usize,
        /// The fewest symbols a code has.
        min: usize,
        /// The most symbols a code has.
        max: usize,
    },
    /// A number does not fit the requested code length.
    #[error("{value} needs more than {len} symbols")]
    TooLarge {
        /// The number.
        value: u64,
        /// The requested length in symbols.
        len: usize,
    },
}

/// A drawing parameter out of range ([`crate::generate`]).
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ParameterError {
    /// Pixels per module outside `1..=max`.
    #[error("{module_px} pixels per module: choose 1 to {max}")]
    ModulePx {
        /// The size asked for.
        module_px: usize,
        /// The largest size drawn.
        max: usize,
    },
    /// A printed size that is not a positive number of millimetres.
    #[error("printed size {size_mm} mm: give a positive number of millimetres")]
    SizeMm {
        /// The size asked for.
        size_mm: f64,
    },
}

/// Why no pose could be estimated ([`crate::pose`]).
#[derive(Debug, Error, Clone, PartialEq)]
pub enum PoseError {
    /// The printed side is zero, negative or not finite.
    #[error("side length {side_m} m is not positive")]
    Side {
        /// The side given, metres.
        side_m: f64,
    },
    /// A focal length is zero, negative or not finite.
    #[error("focal lengths must be positive")]
    FocalLength,
    /// Three of the corners are (nearly) on one line.
    #[error("corners are degenerate (three in a line)")]
    DegenerateCorners,
    /// The closed-form start puts the code behind the camera.
    #[error("the code would be behind the camera")]
    BehindCamera,
    /// The refined solution is behind the camera or not finite.
    #[error("no valid pose fits these corners")]
    NoFit,
}

/// Why a label sheet or poster could not be laid out ([`crate::sheet`],
/// feature `pdf`).
#[derive(Debug, Error, Clone, PartialEq)]
pub enum LayoutError {
    /// The list of labels is empty.
    #[error("no labels to print")]
    NoLabels,
    /// A layout with no column or no row.
    #[error("a sheet needs at least one column and one row of labels, got {columns} × {rows}")]
    EmptyGrid {
        /// Labels across.
        columns: usize,
        /// Labels down.
        rows: usize,
    },
    /// The labels are too small for a readable code and its text.
    #[error(
        "{columns} × {rows} labels on A4 are {width_mm:.0} × {height_mm:.0} mm each, too small for a {min_code_mm} mm code and its text: use fewer columns or rows"
    )]
    LabelsTooSmall {
        /// Labels across.
        columns: usize,
        /// Labels down.
        rows: usize,
        /// Width of one label, mm.
        width_mm: f32,
        /// Height of one label, mm.
        height_mm: f32,
        /// The smallest code box, mm.
        min_code_mm: f32,
    },
    /// A label's text column cannot hold even the human-readable code and
    /// the instruction at the smallest type size.
    #[error(
        "a label's text column of {width_mm:.1} × {height_mm:.1} mm is too small for the code and the instruction: use fewer columns or rows"
    )]
    TextTooBig {
        /// Width of the column, mm.
        width_mm: f32,
        /// Height of the column, mm.
        height_mm: f32,
    },
    /// The embedded font could not be parsed.
    #[error("cannot read the {name} font")]
    Font {
        /// Which face: `"regular"` or `"bold"`.
        name: &'static str,
    },
}
