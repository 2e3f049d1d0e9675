//! Anchoring cards on codes: each card is laid out flat by egui, then its
//! meshes are warped through the code's homography ([`super::anchor`]), so
//! it follows, scales and tilts with the printed code; the code's outline is
//! drawn under it. Cards keep clear of other codes, of the cards placed
//! before them and of the status bar.

use bevy::prelude::*;
use bevy_egui::egui::emath::TSTransform;
use bevy_egui::{EguiContexts, egui};
use pustaka_markers::payload::ScannedContent;
use pustaka_markers::pose::project_corners;

use super::anchor::{self, CARD_WIDTH, CardPlacement, Obstacles};
use super::cards::{card_contents, card_label, detail_for_tap};
use super::detail::Panel;
use super::preview::MainCamera;
use super::status::StatusBarRect;
use super::theme::{FOREIGN_OUTLINE, LIBRARY_OUTLINE};
use super::to_screen;
use crate::i18n::Locale;
use crate::net::Resolutions;
use crate::scan::tracking::{DEFAULT_CODE_SIDE_M, TrackedCode, TrackedCodes, assumed_intrinsics};

/// One card as drawn this frame.
#[derive(Debug, Clone, PartialEq)]
pub struct DrawnCard {
    /// The canonical library code, for a library code's card; `None` for a
    /// foreign code's chip (which opens nothing).
    pub code: Option<String>,
    /// What the card says to a screen reader ([`card_label`]).
    pub label: String,
    /// Where it was drawn, egui points, origin top-left of the window.
    pub rect: Rect,
}

/// The cards drawn in the newest egui pass, in drawing order: what a screen
/// reader mirror (the web page's hidden DOM) must say, read from here so it
/// always matches the picture.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct DrawnCards(pub Vec<DrawnCard>);

/// The code's outline in frame pixels: from the smoothed pose when there is
/// one (rigid: the card keeps its shape as the code turns), else the smoothed
/// corners. The projection is the same for any printed size (see
/// [`crate::scan::tracking::with_side`]), so the pose's own size is used.
fn code_outline(code: &TrackedCode, frame_size: UVec2) -> [Vec2; 4] {
    match &code.pose {
        Some(pose) => {
            let k = assumed_intrinsics(frame_size.x, frame_size.y);
            project_corners(pose, DEFAULT_CODE_SIDE_M, &k).map(|p| Vec2::new(p.x, p.y))
        }
        None => code.corners,
    }
}

pub(super) fn draw_cards(
    mut contexts: EguiContexts,
    tracked: Res<TrackedCodes>,
    resolutions: Res<Resolutions>,
    locale: Res<Locale>,
    mut panel: ResMut<Panel>,
    bar: Res<StatusBarRect>,
    mut drawn: ResMut<DrawnCards>,
    cameras: Query<(&Camera, &GlobalTransform), With<MainCamera>>,
) -> Result {
    let mut now_drawn = Vec::new();
    let result = draw_cards_into(
        &mut contexts,
        &tracked,
        &resolutions,
        &locale,
        &mut panel,
        &bar,
        &cameras,
        &mut now_drawn,
    );
    drawn.set_if_neq(DrawnCards(now_drawn));
    result
}

fn draw_cards_into(
    contexts: &mut EguiContexts,
    tracked: &TrackedCodes,
    resolutions: &Resolutions,
    locale: &Locale,
    panel: &mut Panel,
    bar: &StatusBarRect,
    cameras: &Query<(&Camera, &GlobalTransform), With<MainCamera>>,
    drawn: &mut Vec<DrawnCard>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Ok((camera, cam_tf)) = cameras.single() else {
        return Ok(());
    };
    let frame_size = tracked.frame_size.as_vec2();
    let ppp = ctx.pixels_per_point();
    // Every code's outline on screen, so no card is placed over another code.
    let outlines: Vec<(u64, [Vec2; 4])> = tracked
        .codes
        .iter()
        .filter_map(|c| {
            let pts = code_outline(c, tracked.frame_size)
                .map(|p| to_screen(p, frame_size, camera, cam_tf, ppp));
            Some((c.id, [pts[0]?, pts[1]?, pts[2]?, pts[3]?]))
        })
        .collect();
    // Library codes first, so a foreign code's chip gives way to a book's card;
    // each card avoids the codes and the cards placed before it.
    let mut order: Vec<&TrackedCode> = tracked.codes.iter().collect();
    order.sort_by_key(|c| (!matches!(c.content, ScannedContent::Library { .. }), c.id));
    // The status bar counts as a card already placed: the offline banner
    // under it must not cover the top of a card.
    let mut placed: Vec<Rect> = Vec::with_capacity(order.len() + 1);
    placed.extend(bar.0);
    for seen in order {
        let Some(&(_, outline)) = outlines.iter().find(|(id, _)| *id == seen.id) else {
            continue;
        };
        let codes: Vec<Rect> = outlines
            .iter()
            .filter(|(id, _)| *id != seen.id)
            .map(|(_, q)| anchor::bounds(q))
            .collect();
        let avoid = Obstacles {
            codes: &codes,
            cards: &placed,
        };
        let style = CardStyle {
            held: !seen.visible,
            outline: match seen.content {
                ScannedContent::Library { .. } => LIBRARY_OUTLINE,
                _ => FOREIGN_OUTLINE,
            },
            label: card_label(seen, resolutions, locale),
        };
        let shown = show_card(ctx, seen.id, outline, &avoid, &style, |ui| {
            card_contents(ui, seen, resolutions, locale);
        });
        if let Some(shown) = shown {
            let rect = anchor::bounds(&shown.placement.quad);
            placed.push(rect);
            drawn.push(DrawnCard {
                code: detail_for_tap(&seen.content),
                label: style.label.clone(),
                rect,
            });
        }
        if let Some(shown) = shown
            && shown.clicked
            && let Some(code) = detail_for_tap(&seen.content)
        {
            *panel = Panel::Detail { code };
        }
    }
    Ok(())
}

/// How one card looks apart from its contents.
#[derive(Debug, Clone)]
pub struct CardStyle {
    /// Held through a dropout: drawn faded, the outline thinner.
    pub held: bool,
    /// Colour of the code's outline (green: library code; amber: foreign).
    pub outline: egui::Color32,
    /// What a screen reader announces for the card (it is a button).
    pub label: String,
}

/// What [`show_card`] drew.
#[derive(Debug, Clone, Copy)]
pub struct ShownCard {
    /// Where the card went.
    pub placement: CardPlacement,
    /// The card was tapped, clicked, or activated from the keyboard.
    pub clicked: bool,
}

/// Draws one card in the plane of the code whose screen outline (points;
/// top-left, top-right, bottom-right, bottom-left) is `outline`.
///
/// The card is laid out flat by egui in its own [`egui::Area`] (so text,
/// focus and AccessKit work as for any widget), then its tessellated meshes
/// are mapped through the card → screen homography from [`anchor::place_card`]:
/// the card follows, scales and tilts with the code. The area's layer
/// transform is the closest scale + translation, so hit-testing and the
/// accessibility bounds sit on the card; a click counts only inside the
/// tilted card itself. The outline is drawn under the card, in the same layer.
///
/// Returns `None` when the outline is unusable (see [`anchor::place_card`]).
pub fn show_card(
    ctx: &egui::Context,
    key: u64,
    outline: [Vec2; 4],
    avoid: &Obstacles<'_>,
    style: &CardStyle,
    add_contents: impl FnOnce(&mut egui::Ui),
) -> Option<ShownCard> {
    let id = egui::Id::new(("card", key));
    // The size laid out last frame (a first guess before that); corrected
    // below once this frame's layout is known.
    let guess = ctx
        .memory(|m| m.area_rect(id))
        .map_or(Vec2::new(CARD_WIDTH, 110.0), |r| {
            Vec2::new(r.width(), r.height())
        });
    let screen = ctx.content_rect();
    let screen_rect = Rect::new(screen.min.x, screen.min.y, screen.max.x, screen.max.y);
    let placement = anchor::place_card(outline, guess, screen_rect, avoid)?;
    let (scale, origin) = placement.approx_scale_translation(guess);
    let area = egui::Area::new(id)
        .order(egui::Order::Background)
        .fixed_pos(egui::Pos2::ZERO)
        .constrain(false);
    let layer = area.layer();
    let transform = TSTransform::new(egui::vec2(origin.x, origin.y), scale);
    ctx.set_transform_layer(layer, transform);
    let response = area
        .show(ctx, |ui| {
            if style.held {
                // Held through a dropout: faded, so a card about to go does not look current.
                ui.set_opacity(0.45);
            }
            egui::Frame::popup(ui.style())
                .show(ui, |ui| {
                    ui.set_max_width(CARD_WIDTH);
                    add_contents(ui);
                })
                .response
        })
        .inner
        .interact(egui::Sense::click());
    let label = style.label.clone();
    response.widget_info(|| egui::WidgetInfo::labeled(egui::WidgetType::Button, true, &label));
    let laid_out = Vec2::new(response.rect.width(), response.rect.height());
    let placement = if (laid_out - guess).abs().max_element() > 0.5 {
        anchor::place_card(outline, laid_out, screen_rect, avoid).unwrap_or(placement)
    } else {
        placement
    };
    // Take the flat card's shapes out of the layer and put them back warped.
    let flat: Vec<egui::epaint::ClippedShape> = ctx.graphics_mut(|g| {
        let list = g.entry(layer);
        let shapes = list
            .all_entries()
            .map(|c| egui::epaint::ClippedShape {
                clip_rect: egui::Rect::EVERYTHING,
                shape: c.shape.clone(),
            })
            .collect();
        *list = egui::layers::PaintList::default();
        shapes
    });
    let to_layer = transform.inverse();
    // The screen, in the layer's coordinates (not intersected with the
    // painter's default clip, which is the screen in *global* coordinates).
    let mut painter = ctx.layer_painter(layer);
    painter.set_clip_rect(to_layer * screen);
    let outline_pts: Vec<egui::Pos2> = outline
        .iter()
        .map(|p| to_layer * egui::pos2(p.x, p.y))
        .collect();
    painter.add(egui::Shape::closed_line(
        outline_pts,
        egui::Stroke::new((if style.held { 1.5 } else { 3.0 }) / scale, style.outline),
    ));
    for prim in ctx.tessellate(flat, ctx.pixels_per_point()) {
        if let egui::epaint::Primitive::Mesh(mut mesh) = prim.primitive {
            for v in &mut mesh.vertices {
                let s = placement.map(Vec2::new(v.pos.x, v.pos.y));
                v.pos = to_layer * egui::pos2(s.x, s.y);
            }
            painter.add(egui::Shape::mesh(mesh));
        }
    }
    // The pointer position comes in the layer's coordinates.
    let pointer_inside = response.interact_pointer_pos().is_none_or(|p| {
        let p = transform * p;
        placement.contains(Vec2::new(p.x, p.y))
    });
    Some(ShownCard {
        placement,
        clicked: response.clicked() && pointer_inside,
    })
}

#[cfg(test)]
mod tests {
    use bevy_egui::egui::accesskit::Role;

    use super::*;

    const SCREEN: egui::Vec2 = egui::vec2(1280.0, 720.0);

    fn style() -> CardStyle {
        CardStyle {
            held: false,
            outline: egui::Color32::GREEN,
            label: "Si Kancil dan Buaya. Ketuk untuk selengkapnya".into(),
        }
    }

    /// Runs one egui pass per entry of `passes` (with those input events)
    /// after a first pass that lays the card out; returns the last card (with
    /// `clicked` set if any pass clicked it) and the last pass's output.
    fn run_passes(
        ctx: &egui::Context,
        outline: [Vec2; 4],
        passes: Vec<Vec<egui::Event>>,
    ) -> (ShownCard, egui::FullOutput) {
        let mut shown: Option<ShownCard> = None;
        let mut clicked = false;
        let mut out = None;
        for events in std::iter::once(vec![]).chain(passes) {
            let mut o = ctx.run_ui(screen_input(events), |ui| {
                shown = show_card(
                    ui.ctx(),
                    7,
                    outline,
                    &Obstacles::default(),
                    &style(),
                    |ui| {
                        ui.label("Si Kancil dan Buaya");
                        ui.label("Cerita Rakyat Nusantara");
                    },
                );
            });
            clicked |= shown.is_some_and(|s| s.clicked);
            // No renderer here to upload the font atlas to.
            o.textures_delta.clear();
            out = Some(o);
        }
        let mut shown = shown.expect("card shown");
        shown.clicked = clicked;
        (shown, out.expect("ran"))
    }

    fn run(
        ctx: &egui::Context,
        outline: [Vec2; 4],
        events: Vec<egui::Event>,
    ) -> (ShownCard, egui::FullOutput) {
        run_passes(ctx, outline, vec![events])
    }

    fn context() -> egui::Context {
        let ctx = egui::Context::default();
        // No shadow, so the painted extent is the card itself.
        ctx.all_styles_mut(|s| s.visuals.popup_shadow = egui::Shadow::NONE);
        ctx
    }

    /// One frame's input on the test screen.
    fn screen_input(events: Vec<egui::Event>) -> egui::RawInput {
        egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, SCREEN)),
            events,
            ..Default::default()
        }
    }

    /// Pass `pass` of a finger's tap at `at`, one event per pass as a tap
    /// arrives: 0 nothing (lays the card out), 1 move, 2 press, 3 release.
    fn tap_pass(pass: usize, at: egui::Pos2) -> Vec<egui::Event> {
        let button = |pressed| egui::Event::PointerButton {
            pos: at,
            button: egui::PointerButton::Primary,
            pressed,
            modifiers: egui::Modifiers::NONE,
        };
        match pass {
            1 => vec![egui::Event::PointerMoved(at)],
            2 => vec![button(true)],
            3 => vec![button(false)],
            _ => vec![],
        }
    }

    /// A code turned away to the right: its right edge is shorter.
    const TILTED: [Vec2; 4] = [
        Vec2::new(560.0, 400.0),
        Vec2::new(680.0, 420.0),
        Vec2::new(680.0, 500.0),
        Vec2::new(560.0, 520.0),
    ];

    fn vertices(ctx: &egui::Context, out: egui::FullOutput) -> Vec<egui::Pos2> {
        ctx.tessellate(out.shapes, out.pixels_per_point)
            .into_iter()
            .filter_map(|p| match p.primitive {
                egui::epaint::Primitive::Mesh(m) => Some(m.vertices),
                egui::epaint::Primitive::Callback(_) => None,
            })
            .flatten()
            .map(|v| v.pos)
            .collect()
    }

    #[test]
    fn a_tilted_code_gets_a_card_painted_in_its_perspective() {
        let ctx = context();
        let (shown, out) = run(&ctx, TILTED, vec![]);
        let quad = shown.placement.quad;
        assert!(shown.placement.in_code_plane);
        // Everything painted (card and outline) lies within the card's quad
        // and the code's outline, give or take the strokes' feathering.
        let b = anchor::bounds(&quad).union(anchor::bounds(&TILTED));
        let pts = vertices(&ctx, out);
        assert!(pts.len() > 50, "{} vertices", pts.len());
        for p in &pts {
            assert!(
                p.x >= b.min.x - 3.0 && p.x <= b.max.x + 3.0,
                "{p:?} outside {b:?}"
            );
            assert!(p.y >= b.min.y - 3.0 && p.y <= b.max.y + 3.0);
        }
        // The card's painted left side is taller than its right side, in the
        // code's proportion: it was warped, not just scaled. (The card is
        // wider than the code, so its side edges are clear of the outline.)
        // (The code's outline lies between x = 560 and 680, clear of the
        // card's side edges.)
        let card_pts = &pts;
        let extent = |near: f32| {
            let ys: Vec<f32> = card_pts
                .iter()
                .filter(|p| (p.x - near).abs() < 6.0)
                .map(|p| p.y)
                .collect();
            ys.iter().copied().fold(f32::MIN, f32::max)
                - ys.iter().copied().fold(f32::MAX, f32::min)
        };
        let (left, right) = (extent(quad[0].x), extent(quad[1].x));
        let expected = (quad[2].y - quad[1].y) / (quad[3].y - quad[0].y);
        assert!(expected < 0.8, "the test outline is tilted: {expected}");
        assert!(
            (right / left - expected).abs() < 0.1,
            "painted right/left {right}/{left}, quad {expected}"
        );
    }

    #[test]
    fn the_outline_is_drawn_when_the_card_goes_below() {
        let ctx = context();
        let near_top = [
            Vec2::new(888.0, 12.0),
            Vec2::new(1031.0, 16.0),
            Vec2::new(1033.0, 151.0),
            Vec2::new(887.0, 147.0),
        ];
        let (shown, out) = run(&ctx, near_top, vec![]);
        assert_eq!(shown.placement.side, anchor::Side::Below);
        let pts = vertices(&ctx, out);
        for corner in near_top {
            assert!(
                pts.iter()
                    .any(
                        |p| (egui::vec2(p.x, p.y) - egui::vec2(corner.x, corner.y)).length() < 4.0
                    ),
                "no outline near {corner:?}"
            );
        }
    }

    #[test]
    fn a_card_is_a_button_for_screen_readers_with_its_text() {
        let ctx = context();
        ctx.enable_accesskit();
        let (_, out) = run(&ctx, TILTED, vec![]);
        let update = out
            .platform_output
            .accesskit_update
            .expect("AccessKit tree update");
        let texts: Vec<(Role, String)> = update
            .nodes
            .iter()
            .map(|(_, n)| {
                let text = [n.label(), n.value()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(" ");
                (n.role(), text)
            })
            .collect();
        assert!(
            texts
                .iter()
                .any(|(r, t)| *r == Role::Button && t.contains("Si Kancil dan Buaya")),
            "{texts:?}"
        );
        assert!(
            texts
                .iter()
                .any(|(_, t)| t.contains("Cerita Rakyat Nusantara")),
            "{texts:?}"
        );
    }

    #[test]
    fn a_tap_on_the_card_opens_it_and_a_tap_elsewhere_does_not() {
        // Move, press, release: one pass each, as a finger's tap arrives.
        let tap = |p: egui::Pos2| (1..4).map(|n| tap_pass(n, p)).collect::<Vec<_>>();
        let ctx = context();
        let (first, _) = run(&ctx, TILTED, vec![]);
        let c = first.placement.quad.iter().copied().sum::<Vec2>() / 4.0;
        let (on, _) = run_passes(&ctx, TILTED, tap(egui::pos2(c.x, c.y)));
        assert!(on.clicked);
        let ctx = context();
        let (off, _) = run_passes(&ctx, TILTED, tap(egui::pos2(50.0, 680.0)));
        assert!(!off.clicked);
    }

    /// A foreign code's chip is tapped: nothing opens, neither the detail
    /// panel nor a link; the same tap on a library card opens its panel.
    #[test]
    fn a_tap_on_a_foreign_code_opens_nothing() {
        use pustaka_markers::payload::{MarkerCode, classify};
        let hosts = ["perpustakaan.metrokota.go.id"];
        let phishing = classify(Some("https://hadiah-gratis.example/login"), b"", &hosts);
        assert!(matches!(phishing, ScannedContent::ForeignUrl { .. }));
        let book_url = MarkerCode::parse("BK0001").unwrap().url(hosts[0]);
        let book = classify(Some(&book_url), b"", &hosts);
        let locale = Locale::default();
        let resolutions = Resolutions::default();
        for (content, opens) in [(phishing, None), (book, Some("BK0001".to_string()))] {
            let seen = TrackedCode {
                id: 3,
                content,
                corners: TILTED,
                pose: None,
                visible: true,
            };
            let ctx = context();
            let mut centre = egui::Pos2::ZERO;
            let mut clicked = false;
            let mut commands = Vec::new();
            for pass in 0..4 {
                let input = screen_input(tap_pass(pass, centre));
                let mut out = ctx.run_ui(input, |ui| {
                    let shown = show_card(
                        ui.ctx(),
                        seen.id,
                        TILTED,
                        &Obstacles::default(),
                        &style(),
                        |ui| card_contents(ui, &seen, &resolutions, &locale),
                    )
                    .expect("card shown");
                    let c = shown.placement.quad.iter().copied().sum::<Vec2>() / 4.0;
                    centre = egui::pos2(c.x, c.y);
                    clicked |= shown.clicked;
                });
                // No renderer here to upload the font atlas to.
                out.textures_delta.clear();
                commands.extend(out.platform_output.commands);
            }
            assert!(clicked, "the tap did not land on the card");
            assert_eq!(detail_for_tap(&seen.content), opens);
            assert!(
                !commands
                    .iter()
                    .any(|c| matches!(c, egui::OutputCommand::OpenUrl(_))),
                "{commands:?}"
            );
        }
    }

    /// A tap on the detail panel lands on the panel, not on a card that the
    /// panel covers (egui hit-tests the topmost layer; cards are background).
    #[test]
    fn a_tap_on_the_panel_does_not_reach_the_card_behind_it() {
        let ctx = context();
        let mut centre = egui::Pos2::ZERO;
        let mut clicked = false;
        let mut panel = egui::Rect::NOTHING;
        for pass in 0..4 {
            let input = screen_input(tap_pass(pass, centre));
            let mut out = ctx.run_ui(input, |ui| {
                let shown = show_card(ui.ctx(), 7, TILTED, &Obstacles::default(), &style(), |ui| {
                    ui.label("Si Kancil dan Buaya");
                })
                .expect("card shown");
                let c = shown.placement.quad.iter().copied().sum::<Vec2>() / 4.0;
                centre = egui::pos2(c.x, c.y);
                clicked |= shown.clicked;
                // The detail panel as draw_detail opens it, tall enough to
                // cover the card.
                if let Some(r) = egui::Window::new("Si Kancil dan Buaya")
                    .id(egui::Id::new("detail"))
                    .collapsible(false)
                    .resizable(false)
                    .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
                    .default_width(480.0)
                    .show(ui.ctx(), |ui| ui.add_space(500.0))
                {
                    panel = r.response.rect;
                }
            });
            out.textures_delta.clear();
        }
        assert!(
            panel.contains(centre),
            "the panel {panel:?} misses {centre:?}"
        );
        assert!(!clicked, "the tap went through the panel to the card");
    }

    /// A code just under the status bar: the card that would go above it
    /// (and under the offline banner) goes below it instead once the bar is
    /// an obstacle, as `draw_cards` makes it.
    #[test]
    fn a_card_keeps_clear_of_the_status_bar() {
        // The bar with its offline banner, as draw_status draws it centred at the top.
        let bar = Rect::new(400.0, 8.0, 880.0, 100.0);
        let code = [
            Vec2::new(565.0, 150.0),
            Vec2::new(715.0, 150.0),
            Vec2::new(715.0, 300.0),
            Vec2::new(565.0, 300.0),
        ];
        let place = |cards: &[Rect]| {
            let ctx = context();
            let mut quad = None;
            for _ in 0..2 {
                let mut out = ctx.run_ui(screen_input(vec![]), |ui| {
                    let avoid = Obstacles { codes: &[], cards };
                    quad = show_card(ui.ctx(), 7, code, &avoid, &style(), |ui| {
                        ui.label("Si Kancil dan Buaya");
                        ui.label("Cerita Rakyat Nusantara");
                    })
                    .map(|s| anchor::bounds(&s.placement.quad));
                });
                out.textures_delta.clear();
            }
            quad.expect("card shown")
        };
        let without = place(&[]);
        assert!(
            !without.intersect(bar).is_empty(),
            "the test's card {without:?} should reach the bar {bar:?} when it is not avoided"
        );
        let with = place(&[bar]);
        assert!(
            with.intersect(bar).is_empty(),
            "card {with:?} under the status bar {bar:?}"
        );
        assert!(with.min.y >= 300.0, "card {with:?} not below its code");
    }
}
