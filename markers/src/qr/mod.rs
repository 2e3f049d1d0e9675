//! The QR code standard (ISO/IEC 18004), one table or code per concept:
//! symbol versions and their block structure, where the function patterns
//! and data modules lie, the format information, Reed–Solomon error
//! correction and the data segments.
//!
//! Nothing here sees pixels or depends on the pipeline: the stages above
//! ([`crate::sample`], [`crate::decode`], [`crate::scan`]) sample a grid of
//! modules from a frame and ask these modules what it means.
//!
//! Grid convention for the whole crate: a [`ModuleGrid`] is addressed
//! `(row, column)`, row 0 at the top, column 0 at the left, `true` = dark
//! module, as the code is printed (not as it was seen: a code seen mirrored
//! reads as its transpose, see [`Transposed`]).

pub(crate) mod format;
pub(crate) mod layout;
pub(crate) mod reed_solomon;
pub(crate) mod segments;
pub(crate) mod version;

/// A square grid of modules (see the module docs for the convention).
pub(crate) trait ModuleGrid {
    /// Side of the grid in modules (21 for version 1, + 4 per version).
    fn size(&self) -> usize;
    /// Whether the module at `(row, col)` is dark; both must be `< size()`.
    fn dark(&self, row: usize, col: usize) -> bool;
}

/// rqrr's grids (its fallback passes sample them) use the same convention:
/// `BitGrid::bit(y, x)` is row `y`, column `x`.
impl<G: rqrr::BitGrid + ?Sized> ModuleGrid for G {
    fn size(&self) -> usize {
        rqrr::BitGrid::size(self)
    }

    fn dark(&self, row: usize, col: usize) -> bool {
        self.bit(row, col)
    }
}

/// A grid read directly (`on == false`) or transposed: a code seen mirrored
/// (through glass, from the back of a sheet) samples as the transpose of the
/// printed one.
pub(crate) struct Transposed<'a> {
    /// The grid as sampled.
    pub grid: &'a dyn ModuleGrid,
    /// Read `(row, col)` as `(col, row)`.
    pub on: bool,
}

impl ModuleGrid for Transposed<'_> {
    fn size(&self) -> usize {
        self.grid.size()
    }

    fn dark(&self, row: usize, col: usize) -> bool {
        if self.on {
            self.grid.dark(col, row)
        } else {
            self.grid.dark(row, col)
        }
    }
}
