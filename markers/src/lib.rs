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
//! - [`generate`]: SVG and luma images of one code; `sheet` (feature `pdf`,
//!   on by default): A4 label sheets and posters as PDF.
//! - [`scan`]: the [`Scanner`] pipeline around rqrr.
//! - [`geometry`], [`pose`], [`track`]: homographies, 6-DoF pose from the
//!   corners, and the tracker that keeps overlays steady across frames.
//!
//! Features: `pdf` (printpdf) and `cli` (the `pustaka-markers` binary: clap,
//! serde, anyhow) are on by default; with `default-features = false` the
//! library needs only rqrr, qrcode, image, `encoding_rs` and thiserror.
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
pub mod error;
mod finder;
pub mod generate;
pub mod geometry;
pub mod image;
pub mod payload;
pub mod pose;
mod sample;
pub mod scan;
#[cfg(feature = "pdf")]
pub mod sheet;
pub mod text;
pub mod track;

pub use error::MarkerError;
pub use image::{LumaImage, LumaView};
pub use scan::{Detection, Point, Scanner, ScannerConfig};
pub use text::TextEncoding;
