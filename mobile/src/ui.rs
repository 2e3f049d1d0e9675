//! The egui layer: a status bar and one card per detected code, anchored to it.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use pustaka_markers::payload::ScannedContent;

use crate::net::{NetStatus, Resolution, Resolutions};
use crate::preview::{MainCamera, world_from_frame};
use crate::scanning::Detections;

/// The UI plugin.
pub fn plugin(app: &mut App) {
    app.add_systems(EguiPrimaryContextPass, draw_overlays);
}

fn draw_overlays(
    mut contexts: EguiContexts,
    detections: Res<Detections>,
    resolutions: Res<Resolutions>,
    net_status: Res<NetStatus>,
    cameras: Query<(&Camera, &GlobalTransform), With<MainCamera>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    egui::Area::new(egui::Id::new("status"))
        .anchor(egui::Align2::CENTER_TOP, [0.0, 8.0])
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.heading("Pustaka AR");
                    ui.label(format!(
                        "Arahkan kamera ke kode QR · {} kode terlihat",
                        detections.codes.len()
                    ));
                });
                if net_status.offline {
                    ui.colored_label(
                        egui::Color32::from_rgb(255, 200, 80),
                        "Luring: menampilkan konten tersimpan",
                    );
                }
            });
        });
    let Ok((camera, cam_tf)) = cameras.single() else {
        return Ok(());
    };
    let frame_size = detections.frame_size.as_vec2();
    for (i, seen) in detections.codes.iter().enumerate() {
        let centre = seen.corners.iter().copied().sum::<Vec2>() / 4.0;
        let top = seen
            .corners
            .iter()
            .map(|c| c.y)
            .fold(f32::INFINITY, f32::min);
        let anchor = world_from_frame(Vec2::new(centre.x, top), frame_size);
        let Ok(screen) = camera.world_to_viewport(cam_tf, anchor.extend(0.0)) else {
            continue;
        };
        let ppp = ctx.pixels_per_point();
        let pos = egui::pos2(screen.x / ppp, screen.y / ppp);
        egui::Area::new(egui::Id::new(("card", i)))
            .fixed_pos(pos)
            .pivot(egui::Align2::CENTER_BOTTOM)
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.set_max_width(260.0);
                    card_contents(ui, &seen.content, &resolutions);
                });
            });
    }
    Ok(())
}

fn card_contents(ui: &mut egui::Ui, content: &ScannedContent, resolutions: &Resolutions) {
    match content {
        ScannedContent::Library { code, .. } => match resolutions.0.get(code.as_str()) {
            Some(Resolution::Ready(o) | Resolution::Offline(o)) => {
                ui.strong(&o.title);
                if let Some(s) = &o.subtitle {
                    ui.label(s);
                }
                if let Some(b) = &o.body {
                    ui.label(egui::RichText::new(b).small());
                }
            }
            Some(Resolution::NotFound) => {
                ui.label(format!("Kode {code} tidak ditemukan"));
            }
            Some(Resolution::Failed(_)) => {
                ui.label("Tidak bisa terhubung ke server");
            }
            _ => {
                ui.label(format!("Memuat {code}…"));
            }
        },
        ScannedContent::ForeignUrl { domain, .. } => {
            ui.label(format!("Bukan kode perpustakaan · {domain}"));
        }
        ScannedContent::Text(_) | ScannedContent::Binary(_) => {
            ui.label("Bukan kode perpustakaan");
        }
    }
}
