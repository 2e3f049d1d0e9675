//! The egui layer, drawn over the camera picture after each frame's scan:
//!
//! - [`preview`](crate::ui::preview): the camera picture itself (a sprite filling the window);
//! - [`theme`](crate::ui::theme): fonts, text sizes and colours;
//! - [`status`](crate::ui::status): the status bar (app name, codes in view, language switch,
//!   offline banner, camera problem);
//! - [`cards`](crate::ui::cards): what a card says (title, cover, synopsis, featured titles;
//!   a foreign code's chip);
//! - [`placement`](crate::ui::placement): anchoring each card on its code ([`anchor`](crate::ui::anchor) does the
//!   geometry): laid out flat by egui, then warped through the code's
//!   homography, so a card follows, scales and tilts with the code;
//! - [`detail`](crate::ui::detail): the detail panel a tap opens;
//! - [`mirror`](crate::ui::mirror): the screen-reader description of what is drawn (the web
//!   page's hidden DOM).
//!
//! The ui reads the other stages (tracked codes, answers, media) and none of
//! them reads the ui.

pub mod anchor;
pub mod cards;
pub mod detail;
pub mod mirror;
pub mod placement;
pub mod preview;
pub mod status;
pub mod theme;

use bevy::prelude::*;
use bevy_egui::EguiPrimaryContextPass;

use preview::world_from_frame;

/// The UI plugin (needs a renderer and `bevy_egui`'s `EguiPlugin`).
pub fn plugin(app: &mut App) {
    app.add_plugins((preview::plugin, mirror::plugin));
    app.init_resource::<placement::DrawnCards>()
        .init_resource::<status::StatusBarRect>()
        .add_systems(
            EguiPrimaryContextPass,
            (
                theme::setup_fonts,
                status::draw_status,
                placement::draw_cards,
                detail::draw_detail,
            )
                .chain(),
        );
}

/// Screen position (egui points) of a frame pixel.
fn to_screen(
    p: Vec2,
    frame_size: Vec2,
    camera: &Camera,
    cam_tf: &GlobalTransform,
    ppp: f32,
) -> Option<Vec2> {
    let world = world_from_frame(p, frame_size);
    let s = camera.world_to_viewport(cam_tf, world.extend(0.0)).ok()?;
    Some(s / ppp)
}
