//! 8-bit luma images: the scanner's input.
//!
//! Layout: row-major, one byte per pixel (0 = black, 255 = white), rows
//! `stride` bytes apart (`stride >= width`; the padding bytes are ignored).
//! Pixel `(x, y)` is at byte `y * stride + x`; the origin is the top-left
//! corner, x grows to the right and y grows downwards.

use crate::MarkerError;

/// A borrowed luma frame (see the module docs for the layout).
#[derive(Debug, Clone, Copy)]
pub struct LumaView<'a> {
    width: usize,
    height: usize,
    stride: usize,
    data: &'a [u8],
}

impl<'a> LumaView<'a> {
    /// Checks the shape and borrows `data`.
    ///
    /// # Errors
    /// [`MarkerError::InvalidImage`] when width or height is zero, the stride is
    /// smaller than the width, or `data` is shorter than
    /// `stride * (height - 1) + width` bytes.
    pub fn new(
        width: usize,
        height: usize,
        stride: usize,
        data: &'a [u8],
    ) -> Result<Self, MarkerError> {
        let needed = stride
            .checked_mul(height.saturating_sub(1))
            .and_then(|n| n.checked_add(width));
        let bad = |needed: usize| MarkerError::InvalidImage {
            width,
            height,
            stride,
            needed,
            len: data.len(),
        };
        match needed {
            Some(needed) if width > 0 && height > 0 && stride >= width && data.len() >= needed => {
                Ok(Self {
                    width,
                    height,
                    stride,
                    data,
                })
            }
            Some(needed) => Err(bad(needed)),
            None => Err(bad(usize::MAX)),
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// Bytes between the starts of consecutive rows.
    pub fn stride(&self) -> usize {
        self.stride
    }

    /// Row `y` as `width` bytes. `y` must be `< height`.
    pub fn row(&self, y: usize) -> &'a [u8] {
        let start = y * self.stride;
        &self.data[start..start + self.width]
    }

    /// The pixel at `(x, y)`; both must be in range.
    pub fn get(&self, x: usize, y: usize) -> u8 {
        self.data[y * self.stride + x]
    }
}

/// An owned, tightly packed luma image (`stride == width`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LumaImage {
    width: usize,
    height: usize,
    data: Vec<u8>,
}

impl LumaImage {
    /// Wraps `data` (`width * height` bytes, row-major).
    ///
    /// # Errors
    /// [`MarkerError::InvalidImage`] when the length does not match or a side is zero.
    pub fn new(width: usize, height: usize, data: Vec<u8>) -> Result<Self, MarkerError> {
        LumaView::new(width, height, width, &data)?;
        Ok(Self {
            width,
            height,
            data,
        })
    }

    /// Converts any image the `image` crate decoded to luma (ITU-R BT.601 weights).
    pub fn from_dynamic(img: &image::DynamicImage) -> Self {
        let gray = img.to_luma8();
        let (w, h) = gray.dimensions();
        Self {
            width: w as usize,
            height: h as usize,
            data: gray.into_raw(),
        }
    }

    /// Width in pixels.
    pub fn width(&self) -> usize {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> usize {
        self.height
    }

    /// The pixel bytes, row-major, `width * height` long.
    pub fn data(&self) -> &[u8] {
        &self.data
    }

    /// Borrows the image as a [`LumaView`].
    pub fn view(&self) -> LumaView<'_> {
        LumaView {
            width: self.width,
            height: self.height,
            stride: self.width,
            data: &self.data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_inconsistent_buffers() {
        assert!(LumaView::new(0, 10, 10, &[0; 100]).is_err());
        assert!(LumaView::new(10, 10, 9, &[0; 100]).is_err());
        assert!(LumaView::new(10, 10, 10, &[0; 99]).is_err());
        assert!(LumaView::new(usize::MAX, 3, usize::MAX, &[0; 4]).is_err());
        // The last row needs no padding.
        let v = LumaView::new(10, 2, 16, &[7; 26]).unwrap();
        assert_eq!(v.row(1).len(), 10);
    }
}
