//! The status bar at the top: the app's name, how many codes are in view,
//! the language switch, the offline banner and the camera's problem.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};
use pustaka_api::Lang;

use super::preview::MainCamera;
use super::theme::WARNING_TEXT;
use super::to_screen;
use crate::camera::CaptureStatus;
use crate::i18n::Locale;
use crate::net::{NetStatus, Resolution, Resolutions};
use crate::scan::tracking::TrackedCodes;

/// Where the status bar (app name, language switch, offline banner, camera
/// problem) was drawn this frame, in egui points; cards are placed around it
/// as around a card already placed, so the banner never covers a card's top.
#[derive(Resource, Debug, Default, Clone, Copy, PartialEq)]
pub struct StatusBarRect(pub Option<Rect>);

pub(super) fn draw_status(
    mut contexts: EguiContexts,
    tracked: Res<TrackedCodes>,
    net_status: Res<NetStatus>,
    resolutions: Res<Resolutions>,
    capture: Option<Res<CaptureStatus>>,
    mut locale: ResMut<Locale>,
    mut bar: ResMut<StatusBarRect>,
    cameras: Query<(&Camera, &GlobalTransform), With<MainCamera>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let camera_problem = capture.and_then(|c| c.problem());
    // Only codes the visitor can see count: a code on a part of the frame
    // the window crops away gets no card (see anchor::place_card), so it is
    // not announced either.
    let frame_size = tracked.frame_size.as_vec2();
    // Codes seen in the newest scan; one held through a dropout is not.
    let seen = tracked.codes.iter().filter(|c| c.visible);
    let screen = ctx.content_rect();
    let ppp = ctx.pixels_per_point();
    let in_view = match cameras.single() {
        Ok((camera, cam_tf)) => seen
            .filter(|c| {
                let centre = c.corners.iter().copied().sum::<Vec2>() / 4.0;
                to_screen(centre, frame_size, camera, cam_tf, ppp)
                    .is_some_and(|p| screen.contains(egui::pos2(p.x, p.y)))
            })
            .count(),
        Err(_) => seen.count(),
    };
    let shown = egui::Area::new(egui::Id::new("status"))
        .anchor(egui::Align2::CENTER_TOP, [0.0, 8.0])
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.heading(locale.t("app-name"));
                    ui.label(locale.t("scan-hint"));
                    ui.label(locale.t1("codes-in-view", "count", in_view));
                    ui.separator();
                    let mut lang = locale.lang;
                    ui.selectable_value(&mut lang, Lang::Id, "ID")
                        .on_hover_text("Bahasa Indonesia");
                    ui.selectable_value(&mut lang, Lang::En, "EN")
                        .on_hover_text("English");
                    if lang != locale.lang {
                        locale.lang = lang;
                    }
                });
                if net_status.offline {
                    // Say "showing saved content" only when something saved is shown.
                    let key = if resolutions
                        .0
                        .values()
                        .any(|r| matches!(r, Resolution::Offline(_)))
                    {
                        "offline-banner"
                    } else {
                        "no-connection"
                    };
                    ui.colored_label(WARNING_TEXT, locale.t(key));
                }
                if let Some(problem) = &camera_problem {
                    ui.colored_label(WARNING_TEXT, locale.t("camera-lost"));
                    // The source's own words (which device, what failed), for staff.
                    ui.small(problem);
                }
            });
        });
    let r = shown.response.rect;
    bar.0 = Some(Rect::new(r.min.x, r.min.y, r.max.x, r.max.y));
    Ok(())
}
