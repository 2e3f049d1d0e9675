//! Library marker codes for Pustaka AR: the payload format, code generation,
//! the scanner that finds codes in camera frames, and pose estimation and
//! tracking for the overlays anchored to them.
//!
//! A library code is a QR code holding the URL `https://{host}/m/{code}`, where
//! `code` is a short Crockford base-32 id (see [`payload`]). The scanner takes
//! an 8-bit luma frame ([`LumaView`]) and returns every code it reads
//! ([`Detection`]).
//!
//! - [`payload`]: the code format and the classification of scanned content;
//!   [`text`]: payload bytes → Unicode (the charset an ECI designator
//!   names; without one, UTF-8, Shift-JIS or Latin-1 as the bytes suggest).
//! - [`generate`]: SVG and luma images of one code; `sheet` (feature `pdf`):
//!   A4 label sheets and posters as PDF.
//! - [`scan`]: the [`Scanner`] pipeline, reporting each code as a [`Detection`].
//! - [`geometry`], [`pose`], [`track`]: points and homographies, 6-DoF pose
//!   from the corners, and the tracker that keeps overlays steady across frames.
//!
//! Inside, the QR standard (ISO/IEC 18004: versions, function patterns,
//! format information, Reed–Solomon, segments) has its own module, `qr`,
//! that sees no pixels; the pipeline stages sit above it and import
//! downwards only: `geometry` → `qr` → `decode` (a module grid to bytes) →
//! `text` → `detection` → `binarize`, `finder`, `sample` (the fast path) →
//! `scan` (the passes) → `pose` → `track`.
//!
//! Features (none on by default): `pdf` (printpdf) for `sheet`, and `cli`
//! (the `pustaka-markers` binary: clap, serde, anyhow). Without them the
//! library needs only rqrr, qrcode, image, glam, `encoding_rs` and thiserror.
//!
//! # Example: generate a code, then scan it back
//! ```
//! use pustaka_markers::{generate, payload::MarkerCode, Scanner};
//!
//! let code = MarkerCode::parse("7K3M9Q").unwrap();
//! let url = code.url("perpustakaan.metrokota.go.id");
//! let image = generate::luma_image(&url, 6).unwrap();
//! let found = Scanner::default().scan(&image.view()).unwrap();
//! assert_eq!(found[0].text.as_deref(), Some(url.as_str()));
//! ```
#![deny(missing_docs)]

mod binarize;
mod decode;
pub mod detection;
pub mod error;
mod finder;
pub mod generate;
pub mod geometry;
pub mod image;
pub mod payload;
pub mod pose;
mod qr;
mod sample;
pub mod scan;
#[cfg(feature = "pdf")]
pub mod sheet;
pub mod text;
pub mod track;

pub use detection::Detection;
pub use error::MarkerError;
pub use geometry::Point;
pub use image::{LumaImage, LumaView};
pub use scan::{Scanner, ScannerConfig};
pub use text::TextEncoding;
