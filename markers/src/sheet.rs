//! Printable PDFs: A4 sheets of shelf/spine labels and single-code posters.
//!
//! Page coordinates here are millimetres from the page's **top-left** corner,
//! x right, y down (converted to PDF's bottom-left origin at the last moment).
//! Text is set in Atkinson Hyperlegible (Braille Institute, SIL Open Font
//! Licence 1.1; `assets/fonts/`), embedded in the PDF, because labels are read
//! by visitors with low vision too.
//!
//! Every code is drawn as vector squares at error-correction level
//! [`crate::generate::EC_LEVEL`] with the full quiet zone, so the printed
//! symbol side (recorded for pose estimation) is exactly
//! [`SheetLayout::symbol_side_mm`] / [`poster_symbol_side_mm`].

use printpdf::{
    Color, FontId, Greyscale, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Pt, Rect, TextItem,
};

use crate::MarkerError;
use crate::error::LayoutError;
use crate::generate::{self, QUIET_ZONE_MODULES};
use crate::payload::MarkerCode;

/// The regular weight of the label font.
const FONT_REGULAR: &[u8] = include_bytes!("../../assets/fonts/AtkinsonHyperlegible-Regular.ttf");
/// The bold weight of the label font.
const FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/AtkinsonHyperlegible-Bold.ttf");

/// The one-line instruction printed on every label (Bahasa Indonesia: "Scan
/// with a phone camera"); the code is a plain URL, so any camera app opens it.
pub const INSTRUCTION_ID: &str = "Pindai dengan kamera ponsel";

/// A4 portrait, millimetres (ISO 216).
pub const A4_MM: (f32, f32) = (210.0, 297.0);

/// Points per millimetre (1 pt = 1/72 in = 25.4/72 mm).
const PT_PER_MM: f32 = 72.0 / 25.4;

/// One label: the code and what it stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The marker code.
    pub code: MarkerCode,
    /// Title (book, shelf or event name); shortened with "…" to fit two lines.
    pub title: String,
    /// Call number (e.g. `899.221 PRA b`); may be empty.
    pub call_number: String,
}

/// Grid of labels on an A4 page. [`SheetLayout::default`] is 2 × 6 labels of
/// 95 × 45 mm, which fits shelf edges; spine labels want more, narrower ones.
#[derive(Debug, Clone, PartialEq)]
pub struct SheetLayout {
    /// Labels across.
    pub columns: usize,
    /// Labels down.
    pub rows: usize,
    /// Page margin on every side, mm (most office printers need ≥ 5 mm).
    pub margin_mm: f32,
    /// Space between labels, mm.
    pub gap_mm: f32,
}

impl Default for SheetLayout {
    fn default() -> Self {
        Self {
            columns: 2,
            rows: 6,
            margin_mm: 8.0,
            gap_mm: 4.0,
        }
    }
}

impl SheetLayout {
    /// Size of one label, mm (width, height).
    pub fn label_mm(&self) -> (f32, f32) {
        let (c, r) = (self.columns.max(1) as f32, self.rows.max(1) as f32);
        (
            (A4_MM.0 - 2.0 * self.margin_mm - (c - 1.0) * self.gap_mm) / c,
            (A4_MM.1 - 2.0 * self.margin_mm - (r - 1.0) * self.gap_mm) / r,
        )
    }

    /// Side of the square given to the code on each label, quiet zone
    /// included, mm: the label height less a small inner padding, and never
    /// more than half the label width (the text needs the rest).
    pub fn code_box_mm(&self) -> f32 {
        let (w, h) = self.label_mm();
        (h - 2.0 * LABEL_PADDING_MM).min(w / 2.0)
    }

    /// The printed side of the symbol itself (without the quiet zone) for
    /// `text` on this layout, mm: what pose estimation needs as the side length.
    ///
    /// # Errors
    /// [`MarkerError::Encode`] when the text does not fit a QR code.
    pub fn symbol_side_mm(&self, text: &str) -> Result<f32, MarkerError> {
        let (side, _) = generate::modules(text)?;
        Ok(self.code_box_mm() * side as f32 / (side + 2 * QUIET_ZONE_MODULES) as f32)
    }
}

/// Padding inside a label's cut line, mm.
const LABEL_PADDING_MM: f32 = 2.0;
/// Title size, points (bold): large enough for a shelf edge at arm's length.
const TITLE_PT: f32 = 11.0;
/// Call number size, points.
const CALL_NUMBER_PT: f32 = 10.0;
/// Human-readable code size, points (bold), for typing when scanning fails.
const CODE_PT: f32 = 12.0;
/// Instruction size, points.
const INSTRUCTION_PT: f32 = 8.0;
/// Line height as a multiple of the font size.
const LINE_HEIGHT: f32 = 1.25;
/// Grey of the cut lines around labels (0 black … 1 white).
const CUT_LINE_GREY: f32 = 0.75;

struct Fonts {
    regular: ParsedFont,
    bold: ParsedFont,
    regular_id: FontId,
    bold_id: FontId,
}

impl Fonts {
    fn load(doc: &mut PdfDocument) -> Result<Self, MarkerError> {
        let parse = |bytes: &[u8], name: &'static str| {
            ParsedFont::from_bytes(bytes, 0, &mut Vec::new()).ok_or(LayoutError::Font { name })
        };
        let regular = parse(FONT_REGULAR, "regular")?;
        let bold = parse(FONT_BOLD, "bold")?;
        let regular_id = doc.add_font(&regular);
        let bold_id = doc.add_font(&bold);
        Ok(Self {
            regular,
            bold,
            regular_id,
            bold_id,
        })
    }
}

/// Width of `text` set in `font` at `size_pt`, mm.
fn text_width_mm(font: &ParsedFont, text: &str, size_pt: f32) -> f32 {
    let upem = f32::from(font.units_per_em.max(1));
    let units: f32 = text
        .chars()
        .map(|c| {
            font.codepoint_to_glyph
                .get(&u32::from(c))
                .and_then(|g| font.glyph_widths.get(g))
                .map_or(upem / 2.0, |&w| f32::from(w))
        })
        .sum();
    units / upem * size_pt / PT_PER_MM
}

/// Breaks `text` into at most `max_lines` lines of at most `width_mm`,
/// ending the last with "…" when the text is longer.
fn wrap(
    font: &ParsedFont,
    text: &str,
    size_pt: f32,
    width_mm: f32,
    max_lines: usize,
) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut i = 0;
    while i < words.len() {
        let candidate = if current.is_empty() {
            words[i].to_string()
        } else {
            format!("{current} {}", words[i])
        };
        if text_width_mm(font, &candidate, size_pt) <= width_mm || current.is_empty() {
            current = candidate;
            i += 1;
        } else {
            lines.push(std::mem::take(&mut current));
            if lines.len() == max_lines {
                break;
            }
        }
    }
    if !current.is_empty() && lines.len() < max_lines {
        lines.push(current);
    }
    let truncated = i < words.len();
    if let Some(last) = lines.last_mut()
        && (truncated || text_width_mm(font, last, size_pt) > width_mm)
    {
        while !last.is_empty() && text_width_mm(font, &format!("{last}…"), size_pt) > width_mm {
            last.pop();
        }
        last.push('…');
    }
    lines
}

/// Page drawing in top-left millimetres.
struct Page {
    ops: Vec<Op>,
}

impl Page {
    fn new() -> Self {
        Self {
            ops: vec![Op::SetFillColor {
                col: Color::Greyscale(Greyscale::new(0.0, None)),
            }],
        }
    }

    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let mut rectangle = Rect::from_xywh(
            Pt(x * PT_PER_MM),
            Pt((A4_MM.1 - y - h) * PT_PER_MM),
            Pt(w * PT_PER_MM),
            Pt(h * PT_PER_MM),
        );
        // Without an explicit mode printpdf only builds the path.
        rectangle.mode = Some(PaintMode::Fill);
        self.ops.push(Op::DrawRectangle { rectangle });
    }

    /// Text with its baseline at `y` mm from the top.
    fn text(&mut self, font: &FontId, size_pt: f32, x: f32, y: f32, s: &str) {
        self.ops.extend([
            Op::StartTextSection,
            Op::SetFont {
                font: PdfFontHandle::External(font.clone()),
                size: Pt(size_pt),
            },
            Op::SetTextCursor {
                pos: printpdf::Point::new(Mm(x), Mm(A4_MM.1 - y)),
            },
            Op::ShowText {
                items: vec![TextItem::Text(s.to_string())],
            },
            Op::EndTextSection,
        ]);
    }

    /// A code of `text` in a `side` mm square (quiet zone included) at `(x, y)`.
    fn code(&mut self, text: &str, x: f32, y: f32, side: f32) -> Result<(), MarkerError> {
        let (n, dark) = generate::modules(text)?;
        let full = (n + 2 * QUIET_ZONE_MODULES) as f32;
        let m = side / full;
        let q = QUIET_ZONE_MODULES as f32;
        // One rectangle per horizontal run of dark modules: fewer operators
        // and no hairline seams between neighbouring modules.
        for row in 0..n {
            let mut col = 0;
            while col < n {
                if !dark[row * n + col] {
                    col += 1;
                    continue;
                }
                let start = col;
                while col < n && dark[row * n + col] {
                    col += 1;
                }
                self.rect(
                    x + (q + start as f32) * m,
                    y + (q + row as f32) * m,
                    (col - start) as f32 * m,
                    m,
                );
            }
        }
        Ok(())
    }

    /// A thin grey rectangle outline (cut line), as four bars.
    fn outline(&mut self, x: f32, y: f32, w: f32, h: f32) {
        const LINE_MM: f32 = 0.15;
        self.ops.push(Op::SetFillColor {
            col: Color::Greyscale(Greyscale::new(CUT_LINE_GREY, None)),
        });
        self.rect(x, y, w, LINE_MM);
        self.rect(x, y + h - LINE_MM, w, LINE_MM);
        self.rect(x, y, LINE_MM, h);
        self.rect(x + w - LINE_MM, y, LINE_MM, h);
        self.ops.push(Op::SetFillColor {
            col: Color::Greyscale(Greyscale::new(0.0, None)),
        });
    }
}

/// The code as people type it: groups of four, e.g. `7K3M-9Q`.
pub fn human_readable(code: &MarkerCode) -> String {
    let chars: Vec<char> = code.as_str().chars().collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Lays out `labels` on as many A4 pages as needed (row by row, left to
/// right), each label holding its code for `https://{host}/m/{code}`, the
/// title, the call number, the human-readable code and [`INSTRUCTION_ID`].
///
/// # Errors
/// [`MarkerError::Layout`] for an empty list or a layout with no room for a
/// code; [`MarkerError::Encode`] when a URL does not fit a QR code.
pub fn label_sheet_pdf(
    labels: &[Label],
    host: &str,
    layout: &SheetLayout,
) -> Result<Vec<u8>, MarkerError> {
    if labels.is_empty() {
        return Err(LayoutError::NoLabels.into());
    }
    if layout.columns == 0 || layout.rows == 0 {
        return Err(LayoutError::EmptyGrid {
            columns: layout.columns,
            rows: layout.rows,
        }
        .into());
    }
    let (lw, lh) = layout.label_mm();
    let code_side = layout.code_box_mm();
    if code_side < MIN_CODE_BOX_MM || lw <= code_side {
        return Err(LayoutError::LabelsTooSmall {
            columns: layout.columns,
            rows: layout.rows,
            width_mm: lw,
            height_mm: lh,
            min_code_mm: MIN_CODE_BOX_MM,
        }
        .into());
    }
    let mut doc = PdfDocument::new("Label kode perpustakaan");
    let fonts = Fonts::load(&mut doc)?;
    let per_page = layout.columns.max(1) * layout.rows.max(1);
    let mut pages = Vec::new();
    for chunk in labels.chunks(per_page) {
        let mut page = Page::new();
        for (i, label) in chunk.iter().enumerate() {
            let (col, row) = (i % layout.columns.max(1), i / layout.columns.max(1));
            let x = layout.margin_mm + col as f32 * (lw + layout.gap_mm);
            let y = layout.margin_mm + row as f32 * (lh + layout.gap_mm);
            page.outline(x, y, lw, lh);
            let url = label.code.url(host);
            page.code(
                &url,
                x + LABEL_PADDING_MM,
                y + (lh - code_side) / 2.0,
                code_side,
            )?;
            // Text column right of the code.
            let tx = x + LABEL_PADDING_MM + code_side + LABEL_PADDING_MM;
            let tw = lw - (tx - x) - LABEL_PADDING_MM;
            let mut ty = y + LABEL_PADDING_MM + TITLE_PT / PT_PER_MM;
            for line in wrap(&fonts.bold, &label.title, TITLE_PT, tw, 2) {
                page.text(&fonts.bold_id, TITLE_PT, tx, ty, &line);
                ty += TITLE_PT * LINE_HEIGHT / PT_PER_MM;
            }
            if !label.call_number.is_empty() {
                let line = wrap(&fonts.regular, &label.call_number, CALL_NUMBER_PT, tw, 1);
                if let Some(l) = line.first() {
                    page.text(&fonts.regular_id, CALL_NUMBER_PT, tx, ty, l);
                }
            }
            let bottom = y + lh - LABEL_PADDING_MM;
            page.text(
                &fonts.regular_id,
                INSTRUCTION_PT,
                tx,
                bottom,
                INSTRUCTION_ID,
            );
            let code_y = bottom - INSTRUCTION_PT * LINE_HEIGHT / PT_PER_MM;
            page.text(
                &fonts.bold_id,
                CODE_PT,
                tx,
                code_y,
                &human_readable(&label.code),
            );
        }
        pages.push(PdfPage::new(Mm(A4_MM.0), Mm(A4_MM.1), page.ops));
    }
    Ok(doc
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut Vec::new()))
}

/// A code smaller than this (quiet zone included) is hard to scan from a
/// shelf at arm's length with a phone camera.
pub const MIN_CODE_BOX_MM: f32 = 20.0;

/// Poster: side of the code's square (quiet zone included), mm.
const POSTER_CODE_BOX_MM: f32 = 170.0;
/// Poster title size, points.
const POSTER_TITLE_PT: f32 = 28.0;
/// Poster instruction and code size, points.
const POSTER_TEXT_PT: f32 = 18.0;

/// The printed side of a poster's symbol (without quiet zone) for `text`, mm.
///
/// # Errors
/// [`MarkerError::Encode`] when the text does not fit a QR code.
pub fn poster_symbol_side_mm(text: &str) -> Result<f32, MarkerError> {
    let (side, _) = generate::modules(text)?;
    Ok(POSTER_CODE_BOX_MM * side as f32 / (side + 2 * QUIET_ZONE_MODULES) as f32)
}

/// One A4 page with one large code (for event posters and entrances): the
/// title above, the code centred, the human-readable code and
/// [`INSTRUCTION_ID`] below.
///
/// # Errors
/// [`MarkerError::Encode`] when the URL does not fit; [`MarkerError::Layout`]
/// when the font cannot be read.
pub fn poster_pdf(label: &Label, host: &str) -> Result<Vec<u8>, MarkerError> {
    let mut doc = PdfDocument::new("Poster kode perpustakaan");
    let fonts = Fonts::load(&mut doc)?;
    let mut page = Page::new();
    let width = A4_MM.0 - 30.0;
    let mut y = 25.0;
    for line in wrap(&fonts.bold, &label.title, POSTER_TITLE_PT, width, 2) {
        let w = text_width_mm(&fonts.bold, &line, POSTER_TITLE_PT);
        page.text(
            &fonts.bold_id,
            POSTER_TITLE_PT,
            (A4_MM.0 - w) / 2.0,
            y,
            &line,
        );
        y += POSTER_TITLE_PT * LINE_HEIGHT / PT_PER_MM;
    }
    let code_y = 62.0;
    page.code(
        &label.code.url(host),
        (A4_MM.0 - POSTER_CODE_BOX_MM) / 2.0,
        code_y,
        POSTER_CODE_BOX_MM,
    )?;
    let mut y = code_y + POSTER_CODE_BOX_MM + 14.0;
    for line in [human_readable(&label.code), INSTRUCTION_ID.to_string()] {
        let w = text_width_mm(&fonts.bold, &line, POSTER_TEXT_PT);
        page.text(
            &fonts.bold_id,
            POSTER_TEXT_PT,
            (A4_MM.0 - w) / 2.0,
            y,
            &line,
        );
        y += POSTER_TEXT_PT * LINE_HEIGHT / PT_PER_MM;
    }
    let pages = vec![PdfPage::new(Mm(A4_MM.0), Mm(A4_MM.1), page.ops)];
    Ok(doc
        .with_pages(pages)
        .save(&PdfSaveOptions::default(), &mut Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_layout_fits_a4() {
        let l = SheetLayout::default();
        let (w, h) = l.label_mm();
        assert!(
            (w - 95.0).abs() < 0.01 && (h - 43.5).abs() < 0.01,
            "{w} × {h}"
        );
        assert!(l.code_box_mm() >= MIN_CODE_BOX_MM);
        let side = l
            .symbol_side_mm("https://perpustakaan.metrokota.go.id/m/7K3M9Q")
            .unwrap();
        assert!(side > 25.0 && side < l.code_box_mm(), "{side}");
    }

    #[test]
    fn human_readable_groups_by_four() {
        assert_eq!(
            human_readable(&MarkerCode::parse("7K3M9Q").unwrap()),
            "7K3M-9Q"
        );
        assert_eq!(human_readable(&MarkerCode::parse("ABCD").unwrap()), "ABCD");
    }

    #[test]
    fn long_titles_are_shortened_to_fit() {
        let mut doc = PdfDocument::new("t");
        let fonts = Fonts::load(&mut doc).unwrap();
        let title = "Laskar Pelangi: edisi khusus ulang tahun kedua puluh dengan ilustrasi baru";
        let lines = wrap(&fonts.bold, title, TITLE_PT, 40.0, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'));
        assert!(
            lines
                .iter()
                .all(|l| text_width_mm(&fonts.bold, l, TITLE_PT) <= 40.0)
        );
    }

    #[test]
    fn empty_sheet_is_an_error() {
        assert!(label_sheet_pdf(&[], "h", &SheetLayout::default()).is_err());
    }
}
