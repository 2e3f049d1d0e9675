//! Where a code's card goes on screen: in the code's own plane, so that it
//! follows, scales and tilts with the printed code.
//!
//! Coordinates:
//! - **Code units** `(u, v)`: the printed code's plane, `u` along its top edge
//!   (top-left → top-right), `v` down its left edge, the code itself being the
//!   unit square `[0, 1]²`. The card is a rectangle in this plane, just above
//!   the code (or just below it when there is no room above).
//! - **Card points**: the card's own layout, egui points, origin at its
//!   top-left corner, `[0, w] × [0, h]`.
//! - **Screen points**: egui points, origin at the window's top-left, y down.
//!
//! The code's four screen corners fix a homography from code units to the
//! screen (a plane seen through a pinhole camera is exactly a homography), so
//! the card gets the same perspective as the code. The caller chooses where
//! those corners come from: the tracker's smoothed pose projected through the
//! camera intrinsics (rigid, the usual case) or the smoothed corners.

use bevy::math::{Rect, Vec2};
use pustaka_markers::geometry::Homography;

/// Card width in points at scale 1 (its layout width).
pub const CARD_WIDTH: f32 = 260.0;
/// The card's width on screen is this many times the code's width on screen…
pub const CARD_PER_CODE_WIDTH: f32 = 1.6;
/// …kept within these multiples of [`CARD_WIDTH`], so it stays readable far
/// away and never fills the screen up close.
pub const CARD_SCALE_RANGE: (f32, f32) = (0.75, 1.4);
/// Gap between the code and its card, in screen points (converted to code
/// units at the code's apparent size).
pub const CARD_GAP: f32 = 8.0;

/// Where one card is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CardPlacement {
    /// The card's corners on screen, points: top-left, top-right,
    /// bottom-right, bottom-left of the card as laid out.
    pub quad: [Vec2; 4],
    /// Maps card points to screen points.
    pub card_to_screen: Homography,
    /// True when the card lies in the code's plane (perspective); false for
    /// the upright fallback used when the code's outline is degenerate or its
    /// plane would put the card behind the camera.
    pub in_code_plane: bool,
    /// Which side of the code the card sits on.
    pub side: Side,
}

/// The side of its code a card sits on, in the code's own plane (for the
/// upright fallback, on screen). Preferred in this order: above, below,
/// right, left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// Above the code's top edge: the usual place.
    Above,
    /// Below the code's bottom edge.
    Below,
    /// Right of the code's right edge, centred on the code.
    Right,
    /// Left of the code's left edge, centred on the code.
    Left,
}

/// What a card should not cover, as axis-aligned screen rectangles (points).
#[derive(Debug, Clone, Copy, Default)]
pub struct Obstacles<'a> {
    /// The other codes in view: a card over one hides it from the visitor.
    pub codes: &'a [Rect],
    /// Cards already placed this frame.
    pub cards: &'a [Rect],
}

/// How much worse a point² of card off screen or over another code is than a
/// point² over another card: a card may overlap a card a little to keep every
/// code and every card on screen.
const HARD_OVERLAP_WEIGHT: f32 = 4.0;

impl CardPlacement {
    /// Maps a card point to the screen.
    pub fn map(&self, p: Vec2) -> Vec2 {
        let [x, y] = self.card_to_screen.map(f64::from(p.x), f64::from(p.y));
        Vec2::new(x as f32, y as f32)
    }

    /// The uniform scale and translation that best approximate the placement
    /// (for egui's layer transform, which drives hit-testing and the AccessKit
    /// bounds): scale = √(quad area / card area); the card's centre goes to the
    /// quad's centroid.
    pub fn approx_scale_translation(&self, card_size: Vec2) -> (f32, Vec2) {
        let area = polygon_area(&self.quad).abs();
        let scale = (area / (card_size.x * card_size.y).max(1.0))
            .sqrt()
            .max(0.01);
        let centre = self.quad.iter().copied().sum::<Vec2>() / 4.0;
        (scale, centre - card_size * scale / 2.0)
    }

    /// True when the screen point lies inside the card's quad.
    pub fn contains(&self, p: Vec2) -> bool {
        let sign = polygon_area(&self.quad).signum();
        (0..4).all(|i| {
            let (a, b) = (self.quad[i], self.quad[(i + 1) % 4]);
            (b - a).perp_dot(p - a) * sign >= 0.0
        })
    }
}

/// Places a card of `card_size` (points, as laid out) for a code whose corners
/// are at `code` on screen (points; top-left, top-right, bottom-right,
/// bottom-left of the printed code).
///
/// The card is centred over the code in the code's plane, `CARD_GAP` above it,
/// sized so that its on-screen width is [`CARD_PER_CODE_WIDTH`] × the code's
/// (within [`CARD_SCALE_RANGE`]), and shifted sideways to stay on `screen`.
/// When that spot leaves the screen or covers one of the `avoid` obstacles,
/// the card goes below, right or left of the code instead, whichever covers
/// least (area off screen or over codes counts `HARD_OVERLAP_WEIGHT` times
/// area over other cards; ties go to the earlier side in [`Side`]'s order).
///
/// Returns `None` for an unusable outline (a non-finite point, or a code
/// narrower than one point) and for a code whose centre is off `screen` (on a
/// part of the camera frame that the window crops away): no card points at
/// something the visitor cannot see.
pub fn place_card(
    code: [Vec2; 4],
    card_size: Vec2,
    screen: Rect,
    avoid: &Obstacles<'_>,
) -> Option<CardPlacement> {
    if code.iter().any(|p| !p.is_finite()) || card_size.min_element() <= 0.0 {
        return None;
    }
    let code_w = ((code[1] - code[0]).length() + (code[2] - code[3]).length()) / 2.0;
    if code_w < 1.0 || !screen.contains(code.iter().sum::<Vec2>() / 4.0) {
        return None;
    }
    let card_w = (code_w * CARD_PER_CODE_WIDTH).clamp(
        CARD_WIDTH * CARD_SCALE_RANGE.0,
        CARD_WIDTH * CARD_SCALE_RANGE.1,
    );
    let unit = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
    let plane = Homography::from_points(unit, code.map(|p| [f64::from(p.x), f64::from(p.y)]));
    let in_plane = plane.and_then(|h| {
        let cw = f64::from(card_w / code_w);
        let ch = cw * f64::from(card_size.y / card_size.x);
        let gap = f64::from(CARD_GAP / code_w);
        let orientation = polygon_area(&code).signum();
        let candidate = |u0: f64, v0: f64, side: Side| -> Option<CardPlacement> {
            let mut u0 = u0;
            let mut placed = None;
            // Two passes: place, then shift sideways by the overflow (the
            // shift is exact for an upright code and close otherwise). Cards
            // beside the code are not shifted: that would push them onto it.
            for _ in 0..2 {
                let corners = [[u0, v0], [u0 + cw, v0], [u0 + cw, v0 + ch], [u0, v0 + ch]];
                let quad = map_in_front(&h, corners, orientation)?;
                let (min_x, max_x) = min_max(quad.iter().map(|p| p.x));
                let shift = if matches!(side, Side::Left | Side::Right) {
                    0.0
                } else if min_x < screen.min.x {
                    screen.min.x - min_x
                } else if max_x > screen.max.x {
                    (screen.max.x - max_x).max(screen.min.x - min_x)
                } else {
                    0.0
                };
                placed = Some(quad);
                if shift == 0.0 {
                    break;
                }
                u0 += f64::from(shift / code_w);
            }
            let quad = placed?;
            let card_to_screen = card_homography(card_size, quad)?;
            Some(CardPlacement {
                quad,
                card_to_screen,
                in_code_plane: true,
                side,
            })
        };
        let centred = 0.5 - cw / 2.0;
        choose(
            [
                candidate(centred, -gap - ch, Side::Above),
                candidate(centred, 1.0 + gap, Side::Below),
                candidate(1.0 + gap, 0.5 - ch / 2.0, Side::Right),
                candidate(-gap - cw, 0.5 - ch / 2.0, Side::Left),
            ],
            screen,
            avoid,
        )
    });
    in_plane.or_else(|| upright(code, card_size, card_w, screen, avoid))
}

/// The candidate that covers least, in [`Side`] order on ties (see
/// [`place_card`]); `None` when there is none.
fn choose<const N: usize>(
    candidates: [Option<CardPlacement>; N],
    screen: Rect,
    avoid: &Obstacles<'_>,
) -> Option<CardPlacement> {
    let mut best: Option<(f32, CardPlacement)> = None;
    for c in candidates.into_iter().flatten() {
        let cost = covering_cost(&c.quad, screen, avoid);
        // Half a point² of slack, so rounding never flips a tie.
        if best.is_none_or(|(b, _)| cost < b - 0.5) {
            best = Some((cost, c));
        }
    }
    best.map(|(_, c)| c)
}

/// The weighted area (points²) a card's bounds would cover: off `screen` or
/// over a code counts `HARD_OVERLAP_WEIGHT` times, over a card once.
pub fn covering_cost(quad: &[Vec2; 4], screen: Rect, avoid: &Obstacles<'_>) -> f32 {
    let r = bounds(quad);
    let off_screen = area(r) - area(r.intersect(screen));
    let over = |rects: &[Rect]| rects.iter().map(|o| area(r.intersect(*o))).sum::<f32>();
    HARD_OVERLAP_WEIGHT * (off_screen + over(avoid.codes)) + over(avoid.cards)
}

/// Area of a rectangle, 0 when empty.
fn area(r: Rect) -> f32 {
    r.width().max(0.0) * r.height().max(0.0)
}

/// The upright fallback: the card as an axis-aligned rectangle above (or
/// below) the code's bounding box, on screen.
fn upright(
    code: [Vec2; 4],
    card_size: Vec2,
    card_w: f32,
    screen: Rect,
    avoid: &Obstacles<'_>,
) -> Option<CardPlacement> {
    let b = bounds(&code);
    let size = card_size * (card_w / card_size.x);
    let x = (b.center().x - size.x / 2.0)
        .clamp(screen.min.x, (screen.max.x - size.x).max(screen.min.x));
    let make = |y: f32, side: Side| {
        let quad = [
            Vec2::new(x, y),
            Vec2::new(x + size.x, y),
            Vec2::new(x + size.x, y + size.y),
            Vec2::new(x, y + size.y),
        ];
        card_homography(card_size, quad).map(|card_to_screen| CardPlacement {
            quad,
            card_to_screen,
            in_code_plane: false,
            side,
        })
    };
    choose(
        [
            make(b.min.y - CARD_GAP - size.y, Side::Above),
            make((b.max.y + CARD_GAP).min(screen.max.y - size.y), Side::Below),
        ],
        screen,
        avoid,
    )
}

/// The homography from the card's layout rectangle to `quad`.
fn card_homography(card_size: Vec2, quad: [Vec2; 4]) -> Option<Homography> {
    let (w, h) = (f64::from(card_size.x), f64::from(card_size.y));
    Homography::from_points(
        [[0.0, 0.0], [w, 0.0], [w, h], [0.0, h]],
        quad.map(|p| [f64::from(p.x), f64::from(p.y)]),
    )
}

/// Maps code-unit corners to the screen, or `None` when any of them is on or
/// beyond the horizon line (behind the camera), or the result is not a convex
/// quadrilateral with the code's own winding (the plane folded over).
fn map_in_front(h: &Homography, corners: [[f64; 2]; 4], orientation: f32) -> Option<[Vec2; 4]> {
    let m = &h.h;
    let mut quad = [Vec2::ZERO; 4];
    for (q, [u, v]) in quad.iter_mut().zip(corners) {
        // w > 0 on the code's side of the horizon (h8 = 1 at the code's top-left corner).
        let w = m[6] * u + m[7] * v + m[8];
        if w <= 1e-3 {
            return None;
        }
        let [x, y] = h.map(u, v);
        *q = Vec2::new(x as f32, y as f32);
        if !q.is_finite() {
            return None;
        }
    }
    let convex = (0..4).all(|i| {
        let (a, b, c) = (quad[i], quad[(i + 1) % 4], quad[(i + 2) % 4]);
        (b - a).perp_dot(c - b) * orientation > 0.0
    });
    convex.then_some(quad)
}

/// Signed area (shoelace); positive for clockwise-on-screen (y down) corners
/// in top-left, top-right, bottom-right, bottom-left order.
fn polygon_area(q: &[Vec2; 4]) -> f32 {
    (0..4).map(|i| q[i].perp_dot(q[(i + 1) % 4])).sum::<f32>() / 2.0
}

fn min_max(it: impl Iterator<Item = f32>) -> (f32, f32) {
    it.fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

/// The axis-aligned bounds of a quadrilateral.
pub fn bounds(q: &[Vec2; 4]) -> Rect {
    let (x0, x1) = min_max(q.iter().map(|p| p.x));
    let (y0, y1) = min_max(q.iter().map(|p| p.y));
    Rect::new(x0, y0, x1, y1)
}

#[cfg(test)]
mod tests {
    use pustaka_markers::pose::{Intrinsics, Pose, project_corners};

    use super::*;

    const SCREEN: Rect = Rect {
        min: Vec2::ZERO,
        max: Vec2::new(1280.0, 720.0),
    };
    const CARD: Vec2 = Vec2::new(260.0, 120.0);

    fn square(x: f32, y: f32, side: f32) -> [Vec2; 4] {
        [
            Vec2::new(x, y),
            Vec2::new(x + side, y),
            Vec2::new(x + side, y + side),
            Vec2::new(x, y + side),
        ]
    }

    /// Screen corners of a 5 cm code at `distance` metres, turned `yaw` radians
    /// about its vertical axis (and `roll` in its plane), seen by a 1280×720 camera.
    fn seen(yaw: f64, roll: f64, distance: f64) -> [Vec2; 4] {
        let k = Intrinsics {
            fx: 1000.0,
            fy: 1000.0,
            cx: 640.0,
            cy: 400.0,
        };
        let (cy, sy) = (yaw.cos(), yaw.sin());
        let (cr, sr) = (roll.cos(), roll.sin());
        // R = R_y(yaw) · R_z(roll).
        let rz = [[cr, -sr, 0.0], [sr, cr, 0.0], [0.0, 0.0, 1.0]];
        let ry = [[cy, 0.0, sy], [0.0, 1.0, 0.0], [-sy, 0.0, cy]];
        let mut rotation = [[0.0; 3]; 3];
        for (i, row) in rotation.iter_mut().enumerate() {
            for (j, x) in row.iter_mut().enumerate() {
                *x = (0..3).map(|k| ry[i][k] * rz[k][j]).sum();
            }
        }
        let pose = Pose {
            rotation,
            translation: [0.0, 0.0, distance],
            reprojection_error_px: 0.0,
        };
        project_corners(&pose, 0.05, &k).map(|p| Vec2::new(p.x, p.y))
    }

    fn edge(q: &[Vec2; 4], a: usize, b: usize) -> f32 {
        (q[b] - q[a]).length()
    }

    #[test]
    fn head_on_card_is_an_upright_rectangle_centred_above_the_code() {
        let code = square(540.0, 400.0, 150.0);
        let p = place_card(code, CARD, SCREEN, &Obstacles::default()).unwrap();
        assert!(p.in_code_plane && p.side == Side::Above);
        let [tl, tr, br, bl] = p.quad;
        // 1.6 × 150 = 240 points wide, the layout's aspect kept.
        assert!((tr.x - tl.x - 240.0).abs() < 0.01, "{:?}", p.quad);
        assert!((bl.y - tl.y - 240.0 * 120.0 / 260.0).abs() < 0.01);
        assert!((tl.y - tr.y).abs() < 0.01 && (bl.x - tl.x).abs() < 0.01);
        // Centred over the code, CARD_GAP above it.
        assert!(((tl.x + tr.x) / 2.0 - 615.0).abs() < 0.01);
        assert!((400.0 - br.y - CARD_GAP).abs() < 0.01);
        // Card points map onto the quad.
        assert!((p.map(CARD) - br).length() < 0.01);
    }

    #[test]
    fn a_code_turned_away_tilts_its_card_the_same_way() {
        // Turned 50° about the vertical axis, right edge away from the camera:
        // it is farther away and looks shorter than the left edge.
        let code = seen(-50f64.to_radians(), 0.0, 0.15);
        let code_ratio = edge(&code, 1, 2) / edge(&code, 0, 3);
        assert!(code_ratio < 0.85, "the test pose is tilted: {code_ratio}");
        let p = place_card(code, CARD, SCREEN, &Obstacles::default()).unwrap();
        assert!(p.in_code_plane);
        let card_ratio = edge(&p.quad, 1, 2) / edge(&p.quad, 0, 3);
        assert!(card_ratio < 0.9, "card right/left edge {card_ratio}");
        // Foreshortened horizontally like the code: narrower than it is tall
        // relative to the upright layout.
        let upright =
            place_card(seen(0.0, 0.0, 0.15), CARD, SCREEN, &Obstacles::default()).unwrap();
        assert!(p.quad[1].x - p.quad[0].x < upright.quad[1].x - upright.quad[0].x);
        // The card's left and right edges point at the same vanishing point as
        // the code's: they converge on the same side.
        let code_converge = (code[3].y - code[0].y) - (code[2].y - code[1].y);
        let card_converge = (p.quad[3].y - p.quad[0].y) - (p.quad[2].y - p.quad[1].y);
        assert!(code_converge > 0.0 && card_converge > 0.0);
    }

    #[test]
    fn a_code_rolled_in_its_plane_rolls_its_card() {
        let code = seen(0.0, 30f64.to_radians(), 0.4);
        let p = place_card(code, CARD, SCREEN, &Obstacles::default()).unwrap();
        let top = p.quad[1] - p.quad[0];
        let angle = top.y.atan2(top.x).to_degrees();
        assert!((angle - 30.0).abs() < 1.0, "card top edge at {angle}°");
        // Still "above" the code in the code's own up direction.
        let code_up = code[0] - code[3];
        let to_card =
            p.quad.iter().copied().sum::<Vec2>() / 4.0 - code.iter().copied().sum::<Vec2>() / 4.0;
        assert!(code_up.dot(to_card) > 0.0);
    }

    #[test]
    fn no_room_above_puts_the_card_below() {
        let p = place_card(
            square(540.0, 20.0, 150.0),
            CARD,
            SCREEN,
            &Obstacles::default(),
        )
        .unwrap();
        assert_eq!(p.side, Side::Below);
        assert!(p.quad.iter().all(|q| q.y >= 170.0));
    }

    #[test]
    fn the_card_avoids_covering_another_code() {
        let other = Rect::new(560.0, 250.0, 660.0, 350.0);
        let p = place_card(
            square(540.0, 400.0, 150.0),
            CARD,
            SCREEN,
            &Obstacles {
                codes: &[other],
                cards: &[],
            },
        )
        .unwrap();
        assert_eq!(p.side, Side::Below);
    }

    #[test]
    fn neighbouring_codes_get_cards_that_do_not_overlap() {
        // Two codes side by side, 40 points apart: their cards above would
        // overlap (each is 240 wide), so the second goes elsewhere.
        let a = square(300.0, 400.0, 150.0);
        let b = square(490.0, 400.0, 150.0);
        let codes_a = [bounds(&b)];
        let first = place_card(
            a,
            CARD,
            SCREEN,
            &Obstacles {
                codes: &codes_a,
                cards: &[],
            },
        )
        .unwrap();
        assert_eq!(first.side, Side::Above);
        let above_b = place_card(b, CARD, SCREEN, &Obstacles::default()).unwrap();
        assert!(
            !bounds(&above_b.quad)
                .intersect(bounds(&first.quad))
                .is_empty(),
            "the test needs cards that would overlap above"
        );
        let codes_b = [bounds(&a)];
        let cards = [bounds(&first.quad)];
        let second = place_card(
            b,
            CARD,
            SCREEN,
            &Obstacles {
                codes: &codes_b,
                cards: &cards,
            },
        )
        .unwrap();
        assert_ne!(second.side, Side::Above);
        let r = bounds(&second.quad);
        assert!(
            r.intersect(cards[0]).is_empty(),
            "{r:?} over {:?}",
            cards[0]
        );
        assert!(
            r.intersect(codes_b[0]).is_empty(),
            "{r:?} over code {:?}",
            codes_b[0]
        );
        assert!(covering_cost(&second.quad, SCREEN, &Obstacles::default()) == 0.0);
    }

    #[test]
    fn with_no_room_above_or_below_the_card_goes_beside_the_code() {
        // A code filling most of the screen's height, other codes above and
        // below it: the card goes to its right, centred on it.
        let code = square(200.0, 150.0, 300.0);
        let others = [
            Rect::new(150.0, 0.0, 650.0, 140.0),
            Rect::new(150.0, 460.0, 650.0, 720.0),
        ];
        let p = place_card(
            code,
            CARD,
            SCREEN,
            &Obstacles {
                codes: &others,
                cards: &[],
            },
        )
        .unwrap();
        assert_eq!(p.side, Side::Right);
        let r = bounds(&p.quad);
        assert!(r.min.x >= 500.0 + CARD_GAP - 0.01, "{r:?}");
        assert!((r.center().y - 300.0).abs() < 0.5, "{r:?}");
    }

    #[test]
    fn a_card_near_the_edge_is_shifted_onto_the_screen() {
        let p = place_card(
            square(1200.0, 400.0, 70.0),
            CARD,
            SCREEN,
            &Obstacles::default(),
        )
        .unwrap();
        let b = bounds(&p.quad);
        assert!(b.max.x <= SCREEN.max.x + 0.5, "{b:?}");
        assert!(b.min.x >= SCREEN.min.x);
    }

    #[test]
    fn small_and_huge_codes_keep_readable_cards() {
        let far = place_card(
            square(600.0, 400.0, 20.0),
            CARD,
            SCREEN,
            &Obstacles::default(),
        )
        .unwrap();
        assert!((edge(&far.quad, 0, 1) - CARD_WIDTH * CARD_SCALE_RANGE.0).abs() < 0.01);
        let near = place_card(
            square(400.0, 400.0, 300.0),
            CARD,
            SCREEN,
            &Obstacles::default(),
        )
        .unwrap();
        assert!((edge(&near.quad, 0, 1) - CARD_WIDTH * CARD_SCALE_RANGE.1).abs() < 0.01);
    }

    #[test]
    fn degenerate_outlines_fall_back_or_give_none() {
        // Three corners on a line: no homography, the upright card is used.
        let line = [
            Vec2::new(100.0, 400.0),
            Vec2::new(200.0, 400.0),
            Vec2::new(300.0, 400.0),
            Vec2::new(100.0, 500.0),
        ];
        let p = place_card(line, CARD, SCREEN, &Obstacles::default()).unwrap();
        assert!(!p.in_code_plane);
        assert!(place_card([Vec2::NAN; 4], CARD, SCREEN, &Obstacles::default()).is_none());
        assert!(place_card([Vec2::ZERO; 4], CARD, SCREEN, &Obstacles::default()).is_none());
    }

    #[test]
    fn the_hit_test_follows_the_tilted_quad() {
        let p = place_card(
            seen(-50f64.to_radians(), 0.0, 0.4),
            CARD,
            SCREEN,
            &Obstacles::default(),
        )
        .unwrap();
        let centre = p.quad.iter().copied().sum::<Vec2>() / 4.0;
        assert!(p.contains(centre));
        assert!(!p.contains(centre + Vec2::new(2000.0, 0.0)));
        let (scale, origin) = p.approx_scale_translation(CARD);
        assert!(scale > 0.3 && scale < 2.0, "{scale}");
        assert!(bounds(&p.quad).contains(origin + CARD * scale / 2.0));
    }

    #[test]
    fn a_code_cropped_off_the_screen_gets_no_card() {
        let none = Obstacles::default();
        // A 4:3 frame shown in a 16:9 window loses its top and bottom: a code
        // up there is scanned but not seen, so it gets no card.
        assert!(place_card(square(500.0, -200.0, 120.0), CARD, SCREEN, &none).is_none());
        assert!(place_card(square(1300.0, 300.0, 120.0), CARD, SCREEN, &none).is_none());
        // Half a code at the edge is still a code the visitor sees.
        assert!(place_card(square(-50.0, 300.0, 120.0), CARD, SCREEN, &none).is_some());
    }
}
