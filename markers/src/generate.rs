//! Turning a payload into a printable QR code.
//!
//! Codes use error-correction level Q (recovers about 25 % damage; ISO/IEC
//! 18004 table 13), enough for scuffed shelf labels, and a quiet zone of
//! [`QUIET_ZONE_MODULES`] modules on every side, as the standard requires.

use qrcode::{EcLevel, QrCode};

use crate::error::ParameterError;
use crate::{LumaImage, MarkerError};

/// Quiet zone around the symbol, in modules (ISO/IEC 18004 §6.3.8 asks for 4).
pub const QUIET_ZONE_MODULES: usize = 4;

/// The error-correction level of every code we print.
pub const EC_LEVEL: EcLevel = EcLevel::Q;

/// The QR module matrix for `text`: `true` is a dark module, row-major,
/// without the quiet zone. Returns `(side_in_modules, modules)`.
///
/// # Errors
/// [`MarkerError::Encode`] when the text does not fit a version-40 code at level Q.
pub fn modules(text: &str) -> Result<(usize, Vec<bool>), MarkerError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EC_LEVEL)?;
    let side = code.width();
    let dark = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    Ok((side, dark))
}

/// Largest module size [`luma_image`] draws, pixels: a version-40 code at 64
/// px per module is already about 12,000 px square (150 MB of luma).
pub const MAX_MODULE_PX: usize = 64;

/// Renders `text` as a luma image: black modules on white, `module_px` pixels
/// per module, with the quiet zone. The side is
/// `(modules + 2 * QUIET_ZONE_MODULES) * module_px` pixels.
///
/// # Errors
/// [`MarkerError::Encode`] when the text does not fit;
/// [`MarkerError::Parameter`] when `module_px` is outside `1..=MAX_MODULE_PX`.
pub fn luma_image(text: &str, module_px: usize) -> Result<LumaImage, MarkerError> {
    if !(1..=MAX_MODULE_PX).contains(&module_px) {
        return Err(ParameterError::ModulePx {
            module_px,
            max: MAX_MODULE_PX,
        }
        .into());
    }
    let (side, dark) = modules(text)?;
    let full = (side + 2 * QUIET_ZONE_MODULES) * module_px;
    let mut data = vec![255u8; full * full];
    for my in 0..side {
        for mx in 0..side {
            if dark[my * side + mx] {
                let x0 = (mx + QUIET_ZONE_MODULES) * module_px;
                let y0 = (my + QUIET_ZONE_MODULES) * module_px;
                for y in y0..y0 + module_px {
                    data[y * full + x0..y * full + x0 + module_px].fill(0);
                }
            }
        }
    }
    LumaImage::new(full, full, data)
}

/// Renders `text` as an SVG document, one unit per module, quiet zone included,
/// scaled to `size_mm` millimetres on paper.
///
/// # Errors
/// [`MarkerError::Encode`] when the text does not fit;
/// [`MarkerError::Parameter`] when `size_mm` is not a positive number.
pub fn svg(text: &str, size_mm: f64) -> Result<String, MarkerError> {
    if !(size_mm.is_finite() && size_mm > 0.0) {
        return Err(ParameterError::SizeMm { size_mm }.into());
    }
    let (side, dark) = modules(text)?;
    let full = side + 2 * QUIET_ZONE_MODULES;
    let mut path = String::new();
    for my in 0..side {
        for mx in 0..side {
            if dark[my * side + mx] {
                path.push_str(&format!(
                    "M{} {}h1v1h-1z",
                    mx + QUIET_ZONE_MODULES,
                    my + QUIET_ZONE_MODULES
                ));
            }
        }
    }
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size_mm}mm\" height=\"{size_mm}mm\" \
         viewBox=\"0 0 {full} {full}\" shape-rendering=\"crispEdges\">\
         <rect width=\"{full}\" height=\"{full}\" fill=\"#fff\"/>\
         <path d=\"{path}\" fill=\"#000\"/></svg>"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_has_quiet_zone_and_finder() {
        let img = luma_image("https://example.org/m/ABCD", 3).unwrap();
        let q = QUIET_ZONE_MODULES * 3;
        assert!(img.view().row(0).iter().all(|&p| p == 255));
        // Top-left finder pattern starts right after the quiet zone.
        assert_eq!(img.view().get(q, q), 0);
        assert_eq!(img.view().get(q - 1, q), 255);
    }

    #[test]
    fn errors_keep_their_typed_source() {
        use std::error::Error as _;
        let err = modules(&"x".repeat(4000)).unwrap_err();
        assert_eq!(
            err,
            MarkerError::Encode(qrcode::types::QrError::DataTooLong)
        );
        assert!(err.source().is_some(), "{err}");
        assert!(matches!(
            luma_image("a", 0),
            Err(MarkerError::Parameter(ParameterError::ModulePx {
                module_px: 0,
                ..
            }))
        ));
    }

    #[test]
    fn svg_declares_physical_size() {
        let s = svg("https://example.org/m/ABCD", 30.0).unwrap();
        assert!(s.starts_with("<svg") && s.contains("width=\"30mm\""));
    }
}
