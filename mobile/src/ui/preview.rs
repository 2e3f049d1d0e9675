//! The camera preview: the newest frame drawn as a sprite filling the window.
//!
//! World units equal frame pixels: the sprite is `width x height` units,
//! centred at the origin, so frame pixel `(x, y)` (y down) sits at world
//! `(x - w/2, h/2 - y)`. The 2D camera's `AutoMax` scaling keeps the aspect
//! ratio and fills the window, cropping the longer side (no stretching).

use bevy::asset::RenderAssetUsages;
use bevy::camera::ScalingMode;
use bevy::prelude::*;
use bevy::render::render_resource::{Extent3d, TextureDimension, TextureFormat};

use crate::AppSystems;
use crate::camera::LatestFrame;

/// The sprite showing the camera picture.
#[derive(Component)]
pub struct PreviewSprite {
    shown_seq: u64,
    /// The frame size the sprite and the camera's scaling were last set for.
    sized_for: Option<(u32, u32)>,
}

/// The app's 2D camera.
#[derive(Component)]
pub struct MainCamera;

/// The preview plugin.
pub fn plugin(app: &mut App) {
    app.add_systems(Startup, spawn_preview)
        .add_systems(Update, update_preview.in_set(AppSystems::Present));
}

fn spawn_preview(mut commands: Commands, mut images: ResMut<Assets<Image>>) {
    // No multisampling: the scene is one camera picture and egui, which
    // anti-aliases its own edges, so a 4x MSAA target would only cost memory
    // (4 samples x the window size, 15 MB at 1280x720) and fill rate.
    commands.spawn((Camera2d, Msaa::Off, MainCamera));
    let image = Image::new_fill(
        Extent3d {
            width: 1,
            height: 1,
            depth_or_array_layers: 1,
        },
        TextureDimension::D2,
        &[20, 20, 20, 255],
        TextureFormat::Rgba8UnormSrgb,
        RenderAssetUsages::RENDER_WORLD | RenderAssetUsages::MAIN_WORLD,
    );
    commands.spawn((
        Sprite::from_image(images.add(image)),
        PreviewSprite {
            shown_seq: 0,
            sized_for: None,
        },
    ));
}

/// Converts a frame pixel position (y down, origin top-left) to world coordinates.
pub fn world_from_frame(p: Vec2, frame_size: Vec2) -> Vec2 {
    Vec2::new(p.x - frame_size.x / 2.0, frame_size.y / 2.0 - p.y)
}

/// The 2D camera's scaling for a frame of `frame_size` pixels: the window
/// shows as much of the frame as fits at the window's own aspect ratio, so the
/// picture fills it, is never stretched, and the frame's longer side (relative
/// to the window) is cropped, in landscape and in portrait alike.
pub fn fill_window(frame_size: Vec2) -> ScalingMode {
    ScalingMode::AutoMax {
        max_width: frame_size.x,
        max_height: frame_size.y,
    }
}

fn update_preview(
    latest: Res<LatestFrame>,
    mut images: ResMut<Assets<Image>>,
    mut sprites: Query<(&mut Sprite, &mut PreviewSprite)>,
    mut cameras: Query<&mut Projection, With<MainCamera>>,
) {
    let Some(frame) = latest.newest() else { return };
    for (mut sprite, mut preview) in &mut sprites {
        if preview.shown_seq == frame.seq {
            continue;
        }
        preview.shown_seq = frame.seq;
        let Some(mut image) = images.get_mut(&sprite.image) else {
            continue;
        };
        let size = Extent3d {
            width: frame.width,
            height: frame.height,
            depth_or_array_layers: 1,
        };
        if image.texture_descriptor.size == size
            && let Some(data) = image.data.as_mut()
        {
            // Same size: copy into the existing buffer, no allocation per frame.
            data.copy_from_slice(&frame.rgba);
        } else {
            image.resize(size);
            image.data = Some(frame.rgba.clone());
        }
        // Sized by the first frame, even one as small as the 1x1 placeholder.
        if preview.sized_for != Some((frame.width, frame.height)) {
            preview.sized_for = Some((frame.width, frame.height));
            let frame_size = Vec2::new(frame.width as f32, frame.height as f32);
            sprite.custom_size = Some(frame_size);
            for mut projection in &mut cameras {
                if let Projection::Orthographic(ortho) = projection.as_mut() {
                    ortho.scaling_mode = fill_window(frame_size);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use bevy::camera::CameraProjection;

    use super::*;

    /// The frame area (world units = frame pixels) a window of `window`
    /// logical pixels shows.
    fn shown(frame: Vec2, window: Vec2) -> Rect {
        let mut ortho = OrthographicProjection::default_2d();
        ortho.scaling_mode = fill_window(frame);
        ortho.update(window.x, window.y);
        ortho.area
    }

    #[test]
    fn the_preview_fills_the_window_without_stretching() {
        let landscape = Vec2::new(1280.0, 720.0);
        let portrait = Vec2::new(720.0, 1280.0);
        for (frame, window) in [
            (landscape, portrait), // kiosk camera on a phone held upright
            (portrait, landscape), // phone camera on a wide screen
            (Vec2::new(640.0, 480.0), landscape),
            (landscape, landscape),
        ] {
            let area = shown(frame, window);
            // Same aspect as the window: one world unit is square on screen.
            let aspect = area.width() / area.height();
            assert!(
                (aspect - window.x / window.y).abs() < 1e-3,
                "{frame} in {window}: stretched to {area:?}"
            );
            // Inside the frame (no empty bars) and touching it on one axis.
            assert!(area.width() <= frame.x + 0.5 && area.height() <= frame.y + 0.5);
            assert!(
                (area.width() - frame.x).abs() < 0.5 || (area.height() - frame.y).abs() < 0.5,
                "{frame} in {window}: {area:?} does not fill"
            );
            // Centred on the frame, as the sprite is.
            assert!(area.center().length() < 0.5, "{area:?}");
        }
    }
}
