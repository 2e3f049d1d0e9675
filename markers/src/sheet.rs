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
    PdfSaveOptions, Pt, RawImage, RawImageData, RawImageFormat, Rect, TextItem, XObjectTransform,
};

use unicode_normalization::UnicodeNormalization;

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

    /// The cut rectangle of the label in `column`, `row` (0-based) on every
    /// page, mm from the page's top-left: `(x, y, width, height)`. Nothing a
    /// label prints leaves it.
    pub fn label_rect_mm(&self, column: usize, row: usize) -> (f32, f32, f32, f32) {
        let (w, h) = self.label_mm();
        (
            self.margin_mm + column as f32 * (w + self.gap_mm),
            self.margin_mm + row as f32 * (h + self.gap_mm),
            w,
            h,
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
    let units: f32 = text.chars().map(|c| advance_units(font, c)).sum();
    units / upem * size_pt / PT_PER_MM
}

/// Width of the glyph for `c` in font units: the font's own advance, or
/// one em for a character the font lacks (the PDF's default glyph width,
/// which viewers use for the box they draw instead).
fn advance_units(font: &ParsedFont, c: char) -> f32 {
    let upem = f32::from(font.units_per_em.max(1));
    font.codepoint_to_glyph
        .get(&u32::from(c))
        .and_then(|g| font.glyph_widths.get(g))
        .map_or(upem, |&w| f32::from(w))
}

/// `text` as the label font can draw it: composed (NFC), and a letter the
/// font lacks replaced by its base letter (`ṅ` → `n`, by canonical
/// decomposition), so readers see a near letter rather than an empty box.
/// A character without a drawable base is kept (drawn as a box, measured
/// as one em by [`advance_units`]).
fn drawable(font: &ParsedFont, text: &str) -> String {
    let has = |c: char| font.codepoint_to_glyph.contains_key(&u32::from(c));
    text.nfc()
        .map(|c| {
            if has(c) || c.is_whitespace() {
                return c;
            }
            std::iter::once(c)
                .nfd()
                .next()
                .filter(|&base| has(base))
                .unwrap_or(c)
        })
        .collect()
}

/// Punctuation dropped before an ellipsis ("Laskar Pelangi:" + "…" reads
/// worse than "Laskar Pelangi…").
const TRAILING_PUNCTUATION: &[char] = &[':', ';', ',', '.', '-', '–', '—', '/', '(', '='];

/// Splits a word wider than `width_mm` into pieces that each fit (a long
/// call number or an unbroken title word), at character boundaries.
fn split_wide_word(font: &ParsedFont, word: &str, size_pt: f32, width_mm: f32) -> Vec<String> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    for c in word.chars() {
        current.push(c);
        if text_width_mm(font, &current, size_pt) > width_mm && current.chars().count() > 1 {
            current.pop();
            pieces.push(std::mem::take(&mut current));
            current.push(c);
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// `text` broken into lines of at most `width_mm` (words kept whole where
/// they fit, a word wider than a line split), and whether it needed more
/// than `max_lines` lines. When it did, the last kept line ends with "…"
/// after the last whole word that leaves room for it (a single word is cut
/// inside only when it is the line's only word). Every returned line fits
/// `width_mm`, unless even "…" alone does not.
fn wrap(
    font: &ParsedFont,
    text: &str,
    size_pt: f32,
    width_mm: f32,
    max_lines: usize,
) -> (Vec<String>, bool) {
    let text = drawable(font, text);
    let words: Vec<String> = text
        .split_whitespace()
        .flat_map(|w| split_wide_word(font, w, size_pt, width_mm))
        .collect();
    let mut lines: Vec<Vec<String>> = Vec::new();
    let mut current: Vec<String> = Vec::new();
    for w in words {
        let mut candidate = current.join(" ");
        if !candidate.is_empty() {
            candidate.push(' ');
        }
        candidate.push_str(&w);
        if current.is_empty() || text_width_mm(font, &candidate, size_pt) <= width_mm {
            current.push(w);
        } else {
            lines.push(std::mem::replace(&mut current, vec![w]));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    let shortened = lines.len() > max_lines;
    lines.truncate(max_lines.max(1));
    let mut out: Vec<String> = lines.iter().map(|l| l.join(" ")).collect();
    if shortened && let (Some(words), Some(last)) = (lines.last_mut(), out.last_mut()) {
        let fits = |s: &str| text_width_mm(font, &format!("{s}…"), size_pt) <= width_mm;
        // Drop whole words from the end until the ellipsis fits.
        while words.len() > 1 && !fits(words.join(" ").trim_end_matches(TRAILING_PUNCTUATION)) {
            words.pop();
        }
        let mut kept = words
            .join(" ")
            .trim_end_matches(TRAILING_PUNCTUATION)
            .to_owned();
        // A lone word still too wide: cut inside it.
        while !kept.is_empty() && !fits(&kept) {
            kept.pop();
        }
        kept.push('…');
        *last = kept;
    }
    (out, shortened)
}

/// One line of text set on a label.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    bold: bool,
    size_pt: f32,
    /// Left edge, mm from the page's left.
    x: f32,
    /// Baseline, mm from the page's top.
    baseline: f32,
    text: String,
}

/// Font sizes of a label's text at full scale, points: title (bold), call
/// number, human-readable code (bold), instruction.
const LABEL_SIZES_PT: [f32; 4] = [TITLE_PT, CALL_NUMBER_PT, CODE_PT, INSTRUCTION_PT];
/// The scales tried, largest first, until everything fits; the smallest
/// keeps the instruction at 5.2 pt, about the smallest type an office laser
/// printer sets crisply.
const LABEL_SCALES: [f32; 8] = [1.0, 0.92, 0.85, 0.78, 0.72, 0.68, 0.65, 0.6];
/// Most lines a title may take on a label.
const MAX_TITLE_LINES: usize = 3;
/// A title that must be shortened gets at least this many lines when a
/// smaller size gives them ("Sefer…" alone tells a reader little).
const MIN_CUT_TITLE_LINES: usize = 2;
/// Most lines a call number may take.
const MAX_CALL_NUMBER_LINES: usize = 2;
/// Most lines of the instruction.
const MAX_INSTRUCTION_LINES: usize = 2;

/// Height of one line of text at `size_pt`, mm.
fn line_mm(size_pt: f32) -> f32 {
    size_pt * LINE_HEIGHT / PT_PER_MM
}

/// The font's ascent and descent (positive) as fractions of the size.
fn extents(font: &ParsedFont) -> (f32, f32) {
    let upem = f32::from(font.units_per_em.max(1));
    let m = &font.font_metrics;
    (
        (f32::from(m.ascent) / upem).max(0.8),
        (f32::from(m.descent).abs() / upem).max(0.2),
    )
}

/// Space kept between the top block (title, call number) and the bottom
/// block (code, instruction), mm.
const BLOCK_GAP_MM: f32 = 0.8;
/// Space below the human-readable code's baseline, as a fraction of its
/// size: capitals and digits only, whose lowest ink is the tail of a `Q`.
const CODE_DESCENT: f32 = 0.15;

/// Sets a label's text in the column at `(x, y)` of `w` × `h` mm: the title
/// (up to three lines) and call number (up to two) from the top, the
/// human-readable code and the instruction (up to two lines) from the
/// bottom. Sizes shrink together through [`LABEL_SCALES`] until the code,
/// the whole instruction, the whole call number and at least one line of
/// title fit; titles (and, at the smallest scale, call numbers) that still
/// do not fit are shortened at a word boundary with "…". Vertical room is
/// counted with the font's ascent and descent, so no glyph's ink leaves
/// the column.
///
/// # Errors
/// [`LayoutError::TextTooBig`] when not even the code and the instruction fit.
fn label_text(
    fonts: &Fonts,
    label: &Label,
    (x, y, w, h): (f32, f32, f32, f32),
) -> Result<Vec<Line>, LayoutError> {
    let code_text = human_readable(&label.code);
    let (ascent, descent) = extents(&fonts.bold);
    let mm = |pt: f32| pt / PT_PER_MM;
    for (i, scale) in LABEL_SCALES.iter().enumerate() {
        let last_try = i + 1 == LABEL_SCALES.len();
        let [title_pt, call_pt, code_pt, instr_pt] = LABEL_SIZES_PT.map(|s| s * scale);
        if text_width_mm(&fonts.bold, &code_text, code_pt) > w {
            continue;
        }
        let (instruction, cut) = wrap(
            &fonts.regular,
            INSTRUCTION_ID,
            instr_pt,
            w,
            MAX_INSTRUCTION_LINES,
        );
        if cut
            || instruction
                .iter()
                .any(|l| text_width_mm(&fonts.regular, l, instr_pt) > w)
        {
            continue;
        }
        let (call, call_cut) = if label.call_number.trim().is_empty() {
            (Vec::new(), false)
        } else {
            wrap(
                &fonts.regular,
                &label.call_number,
                call_pt,
                w,
                MAX_CALL_NUMBER_LINES,
            )
        };
        if call_cut && !last_try {
            continue;
        }
        let n_instr = instruction.len().max(1) as f32;
        let bottom_block = mm(instr_pt) * descent
            + (n_instr - 1.0) * line_mm(instr_pt)
            + mm(instr_pt) * ascent
            + mm(code_pt) * (CODE_DESCENT + ascent);
        let call_block = if call.is_empty() {
            0.0
        } else {
            mm(call_pt) * ascent
                + (call.len() as f32 - 1.0) * line_mm(call_pt)
                + mm(call_pt) * descent
        };
        // Title lines that fit above the call number and the bottom block.
        let fixed = bottom_block + BLOCK_GAP_MM + call_block + mm(title_pt) * (ascent + descent);
        if fixed > h {
            continue;
        }
        let title_lines =
            (1 + ((h - fixed) / line_mm(title_pt)).floor() as usize).min(MAX_TITLE_LINES);
        let (title, title_cut) = wrap(&fonts.bold, &label.title, title_pt, w, title_lines);
        // A title cut to one line at this size may show more at the next.
        if title_cut && title_lines < MIN_CUT_TITLE_LINES && !last_try {
            continue;
        }
        let mut out = Vec::new();
        let mut baseline = y + mm(title_pt) * ascent;
        for text in title {
            out.push(Line {
                bold: true,
                size_pt: title_pt,
                x,
                baseline,
                text,
            });
            baseline += line_mm(title_pt);
        }
        baseline += mm(title_pt) * descent + mm(call_pt) * ascent - line_mm(title_pt);
        for text in call {
            out.push(Line {
                bold: false,
                size_pt: call_pt,
                x,
                baseline,
                text,
            });
            baseline += line_mm(call_pt);
        }
        let mut baseline = y + h - mm(instr_pt) * descent;
        for text in instruction.into_iter().rev() {
            out.push(Line {
                bold: false,
                size_pt: instr_pt,
                x,
                baseline,
                text,
            });
            baseline -= line_mm(instr_pt);
        }
        let code_baseline =
            baseline + line_mm(instr_pt) - mm(instr_pt) * ascent - mm(code_pt) * CODE_DESCENT;
        out.push(Line {
            bold: true,
            size_pt: code_pt,
            x,
            baseline: code_baseline,
            text: code_text,
        });
        return Ok(out);
    }
    Err(LayoutError::TextTooBig {
        width_mm: w,
        height_mm: h,
    })
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
/// right), each label holding its code for `{base_url}/m/{code}`
/// ([`MarkerCode::url_at`]; `base_url` is the server's public URL), the
/// title, the call number, the human-readable code and [`INSTRUCTION_ID`].
///
/// # Errors
/// [`MarkerError::Layout`] for an empty list or a layout with no room for a
/// code; [`MarkerError::Encode`] when a URL does not fit a QR code.
pub fn label_sheet_pdf(
    labels: &[Label],
    base_url: &str,
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
            let (x, y, _, _) = layout.label_rect_mm(col, row);
            page.outline(x, y, lw, lh);
            let url = label.code.url_at(base_url);
            page.code(
                &url,
                x + LABEL_PADDING_MM,
                y + (lh - code_side) / 2.0,
                code_side,
            )?;
            // Text column right of the code, inside the padding.
            let tx = x + LABEL_PADDING_MM + code_side + LABEL_PADDING_MM;
            let column = (
                tx,
                y + LABEL_PADDING_MM,
                lw - (tx - x) - LABEL_PADDING_MM,
                lh - 2.0 * LABEL_PADDING_MM,
            );
            for line in label_text(&fonts, label, column)? {
                let font = if line.bold {
                    &fonts.bold_id
                } else {
                    &fonts.regular_id
                };
                page.text(font, line.size_pt, line.x, line.baseline, &line.text);
            }
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

/// Poster: side of the code's square (quiet zone included), mm. Read from
/// about a metre and a half away, and leaves room for a picture.
pub const POSTER_CODE_BOX_MM: f32 = 120.0;
/// Poster margin on every side, mm.
pub const POSTER_MARGIN_MM: f32 = 15.0;
/// Poster title size, points (bold).
const POSTER_TITLE_PT: f32 = 30.0;
/// Size of a poster's detail lines (date and time, place), points.
const POSTER_DETAIL_PT: f32 = 17.0;
/// Poster human-readable code size, points (bold).
const POSTER_CODE_PT: f32 = 20.0;
/// Poster instruction size, points.
const POSTER_TEXT_PT: f32 = 18.0;
/// Most lines of a poster's title.
const POSTER_TITLE_LINES: usize = 3;
/// Most lines of each detail.
const POSTER_DETAIL_LINES: usize = 2;
/// Space between a poster's blocks, mm.
const POSTER_GAP_MM: f32 = 6.0;
/// A picture squeezed below this height is left out, mm.
const POSTER_MIN_PICTURE_MM: f32 = 25.0;
/// Widest picture embedded, pixels: 180 mm at about 170 dpi, plenty for
/// an office printer and a small PDF.
const POSTER_PICTURE_MAX_PX: u32 = 1200;

/// The printed side of a poster's symbol (without quiet zone) for `text`, mm.
///
/// # Errors
/// [`MarkerError::Encode`] when the text does not fit a QR code.
pub fn poster_symbol_side_mm(text: &str) -> Result<f32, MarkerError> {
    let (side, _) = generate::modules(text)?;
    Ok(POSTER_CODE_BOX_MM * side as f32 / (side + 2 * QUIET_ZONE_MODULES) as f32)
}

/// What an A4 poster shows: a title, detail lines under it (an event's
/// date and time in WIB, its place), a picture when there is one, and the
/// code with its instruction.
#[derive(Debug, Clone)]
pub struct Poster {
    /// The marker code.
    pub code: MarkerCode,
    /// The headline; wrapped to three lines, shortened with "…" after that.
    pub title: String,
    /// Lines under the title, each wrapped to two lines.
    pub details: Vec<String>,
    /// The poster picture, fitted between the text and the code.
    pub picture: Option<image::RgbImage>,
}

impl From<&Label> for Poster {
    fn from(label: &Label) -> Self {
        Self {
            code: label.code.clone(),
            title: label.title.clone(),
            details: (!label.call_number.trim().is_empty())
                .then(|| label.call_number.clone())
                .into_iter()
                .collect(),
            picture: None,
        }
    }
}

/// Centred lines of `text` from `y` (top of the first line's ink), mm;
/// returns the bottom of the last line's ink.
fn centred(
    page: &mut Page,
    font: &ParsedFont,
    id: &FontId,
    size_pt: f32,
    lines: &[String],
    y: f32,
) -> f32 {
    let (ascent, descent) = extents(font);
    let mut baseline = y + size_pt * ascent / PT_PER_MM;
    for line in lines {
        let w = text_width_mm(font, line, size_pt);
        page.text(id, size_pt, (A4_MM.0 - w) / 2.0, baseline, line);
        baseline += line_mm(size_pt);
    }
    baseline - line_mm(size_pt) + size_pt * descent / PT_PER_MM
}

/// One A4 page with one large code, for event posters and entrances: the
/// title, the details and the picture (scaled to fit, never cropped)
/// above; the code ([`POSTER_CODE_BOX_MM`]), the human-readable code and
/// [`INSTRUCTION_ID`] below, all inside a [`POSTER_MARGIN_MM`] margin.
///
/// # Errors
/// [`MarkerError::Encode`] when the URL does not fit;
/// [`MarkerError::Layout`] when the font cannot be read.
pub fn poster_pdf(poster: &Poster, base_url: &str) -> Result<Vec<u8>, MarkerError> {
    let code = &poster.code;
    let mut doc = PdfDocument::new("Poster kode perpustakaan");
    let fonts = Fonts::load(&mut doc)?;
    let mut page = Page::new();
    let width = A4_MM.0 - 2.0 * POSTER_MARGIN_MM;
    let (title, _) = wrap(
        &fonts.bold,
        &poster.title,
        POSTER_TITLE_PT,
        width,
        POSTER_TITLE_LINES,
    );
    let mut y = centred(
        &mut page,
        &fonts.bold,
        &fonts.bold_id,
        POSTER_TITLE_PT,
        &title,
        POSTER_MARGIN_MM,
    );
    for (i, detail) in poster.details.iter().enumerate() {
        let (lines, _) = wrap(
            &fonts.regular,
            detail,
            POSTER_DETAIL_PT,
            width,
            POSTER_DETAIL_LINES,
        );
        // The first detail (an event's time) in bold.
        let (font, id) = if i == 0 {
            (&fonts.bold, &fonts.bold_id)
        } else {
            (&fonts.regular, &fonts.regular_id)
        };
        y = centred(
            &mut page,
            font,
            id,
            POSTER_DETAIL_PT,
            &lines,
            y + POSTER_GAP_MM / 2.0,
        );
    }
    // From the bottom: instruction, human-readable code, the code.
    let (ascent, descent) = extents(&fonts.bold);
    let (instruction, _) = wrap(&fonts.regular, INSTRUCTION_ID, POSTER_TEXT_PT, width, 2);
    let text_block = POSTER_CODE_PT * (ascent + descent) / PT_PER_MM
        + instruction.len() as f32 * line_mm(POSTER_TEXT_PT);
    let text_top = A4_MM.1 - POSTER_MARGIN_MM - text_block;
    let code_top = text_top - POSTER_CODE_BOX_MM;
    centred(
        &mut page,
        &fonts.bold,
        &fonts.bold_id,
        POSTER_CODE_PT,
        &[human_readable(code)],
        text_top,
    );
    centred(
        &mut page,
        &fonts.regular,
        &fonts.regular_id,
        POSTER_TEXT_PT,
        &instruction,
        text_top + POSTER_CODE_PT * (ascent + descent) / PT_PER_MM + 1.0,
    );
    page.code(
        &code.url_at(base_url),
        (A4_MM.0 - POSTER_CODE_BOX_MM) / 2.0,
        code_top,
        POSTER_CODE_BOX_MM,
    )?;
    // The picture between the text and the code (the code's quiet zone
    // is already white space).
    if let Some(picture) = &poster.picture {
        let top = y + POSTER_GAP_MM;
        let room_h = code_top - top;
        if room_h >= POSTER_MIN_PICTURE_MM && picture.width() > 0 && picture.height() > 0 {
            let aspect = picture.width() as f32 / picture.height() as f32;
            let (w, h) = if width / aspect <= room_h {
                (width, width / aspect)
            } else {
                (room_h * aspect, room_h)
            };
            let scaled = if picture.width() > POSTER_PICTURE_MAX_PX {
                image::imageops::thumbnail(
                    picture,
                    POSTER_PICTURE_MAX_PX,
                    (POSTER_PICTURE_MAX_PX as f32 / aspect).max(1.0) as u32,
                )
            } else {
                picture.clone()
            };
            let (pw, ph) = (scaled.width(), scaled.height());
            let raw = RawImage {
                pixels: RawImageData::U8(scaled.into_raw()),
                width: pw as usize,
                height: ph as usize,
                data_format: RawImageFormat::RGB8,
                tag: Vec::new(),
            };
            let id = doc.add_image(&raw);
            let x = (A4_MM.0 - w) / 2.0;
            // At 72 dpi one pixel is one point before scaling.
            page.ops.push(Op::UseXobject {
                id,
                transform: XObjectTransform {
                    translate_x: Some(Pt(x * PT_PER_MM)),
                    translate_y: Some(Pt((A4_MM.1 - top - h) * PT_PER_MM)),
                    scale_x: Some(w * PT_PER_MM / pw as f32),
                    scale_y: Some(h * PT_PER_MM / ph as f32),
                    dpi: Some(72.0),
                    ..XObjectTransform::default()
                },
            });
        }
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
        let (lines, shortened) = wrap(&fonts.bold, title, TITLE_PT, 40.0, 2);
        assert!(shortened);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'));
        assert!(
            lines
                .iter()
                .all(|l| text_width_mm(&fonts.bold, l, TITLE_PT) <= 40.0)
        );
        // Shortened after a whole word of the title, never inside one.
        let kept = lines.join(" ");
        let kept = kept.trim_end_matches('…');
        let words: Vec<&str> = title.split(' ').collect();
        let n = kept.split(' ').count();
        assert_eq!(
            kept,
            words[..n].join(" ").trim_end_matches(TRAILING_PUNCTUATION)
        );
    }

    #[test]
    fn an_unbroken_word_is_split_and_every_line_fits() {
        let mut doc = PdfDocument::new("t");
        let fonts = Fonts::load(&mut doc).unwrap();
        let word = "W".repeat(40);
        let (lines, shortened) = wrap(&fonts.regular, &word, CALL_NUMBER_PT, 18.0, 2);
        assert!(shortened);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'));
        for l in &lines {
            assert!(
                text_width_mm(&fonts.regular, l, CALL_NUMBER_PT) <= 18.0,
                "{l}"
            );
        }
    }

    #[test]
    fn every_layout_sets_the_instruction_whole() {
        let mut doc = PdfDocument::new("t");
        let fonts = Fonts::load(&mut doc).unwrap();
        let label = Label {
            code: MarkerCode::parse("WWWWWWWW").unwrap(),
            title: "W".repeat(200),
            call_number: "899.221 WWWWWWWWWWWW WWWWWWWWWWWWW b".into(),
        };
        for (columns, rows) in [(2, 6), (3, 8), (4, 10)] {
            let layout = SheetLayout {
                columns,
                rows,
                ..SheetLayout::default()
            };
            let (lw, lh) = layout.label_mm();
            let column = (
                0.0,
                0.0,
                lw - layout.code_box_mm() - 3.0 * LABEL_PADDING_MM,
                lh - 2.0 * LABEL_PADDING_MM,
            );
            let mut lines = label_text(&fonts, &label, column).unwrap();
            lines.sort_by(|a, b| a.baseline.total_cmp(&b.baseline));
            let instruction: Vec<&str> = lines
                .iter()
                .filter(|l| !l.bold && INSTRUCTION_ID.contains(l.text.as_str()))
                .map(|l| l.text.as_str())
                .collect();
            assert_eq!(instruction.join(" "), INSTRUCTION_ID, "{columns}×{rows}");
        }
    }

    #[test]
    fn letters_the_font_lacks_lose_their_accent_not_their_place() {
        let mut doc = PdfDocument::new("t");
        let fonts = Fonts::load(&mut doc).unwrap();
        let has = |c| fonts.bold.codepoint_to_glyph.contains_key(&u32::from(c));
        assert!(!has('ṅ'), "the test needs a letter the font lacks");
        assert_eq!(drawable(&fonts.bold, "naṅ chos"), "nan chos");
        // Decomposed input is composed first: "é" as e + U+0301 stays é.
        assert_eq!(drawable(&fonts.bold, "Caf\u{65}\u{301}"), "Café");
    }

    #[test]
    fn empty_sheet_is_an_error() {
        assert!(label_sheet_pdf(&[], "https://h", &SheetLayout::default()).is_err());
    }
}
