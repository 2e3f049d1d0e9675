//! Covers and posters: which picture each overlay shows, downloaded through
//! the media cache, decoded off the main thread and uploaded as egui textures.
//!
//! The egui side is read-only for the drawing code: each frame the uploaded
//! textures are published into the egui context's data ([`PictureTextures`]),
//! so a card or panel draws its picture with [`show_picture`] without needing
//! any Bevy resource of its own.

use std::collections::HashMap;
use std::sync::Arc;

use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, futures::check_ready};
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use pustaka_api::{MarkerOverlay, MediaRef, MediaRole};

use super::{MediaSystems, Spotlight};
use crate::AppSystems;
use crate::net::Net;
use crate::net::Resolutions;
use crate::net::media::{Media, MediaBytes, MediaStatus};

/// Longest side of an uploaded picture, in pixels: cards show covers about
/// 100 points tall and the panel about 260, so 512 stays sharp on a 2× screen
/// while a camera-sized poster does not cost 30 MB of GPU memory.
pub const MAX_PICTURE_SIDE_PX: u32 = 512;

/// The picture an overlay shows, and its text alternative.
#[derive(Debug, Clone, PartialEq)]
pub struct PicturePick {
    /// The URL to download (a media URL, `…/media/{sha256}.{ext}`).
    pub url: String,
    /// Alternative text for screen readers: the media's `alt`, else the title.
    pub alt: String,
}

/// The role of the picture shown for `o`: a title's cover, an event's poster.
fn picture_ref(o: &MarkerOverlay) -> Option<&MediaRef> {
    o.media.iter().find(|m| {
        matches!(
            m.role,
            MediaRole::Cover | MediaRole::Poster | MediaRole::Badge
        ) && m.kind == pustaka_api::MediaKind::Image
    })
}

fn pick(o: &MarkerOverlay, m: &MediaRef, url: &str) -> PicturePick {
    PicturePick {
        url: url.to_string(),
        alt: m
            .alt
            .clone()
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| o.title.clone()),
    }
}

/// The small picture on a card: the cover's (or poster's) preview when the
/// server made one, else the full image.
pub fn card_picture(o: &MarkerOverlay) -> Option<PicturePick> {
    let m = picture_ref(o)?;
    Some(pick(o, m, m.preview_url.as_deref().unwrap_or(&m.url)))
}

/// The large picture in the detail panel: the full cover or poster.
pub fn detail_picture(o: &MarkerOverlay) -> Option<PicturePick> {
    let m = picture_ref(o)?;
    Some(pick(o, m, &m.url))
}

/// One picture's progress.
enum Picture {
    /// Being decoded on the async compute pool.
    Decoding(Task<Result<egui::ColorImage, String>>),
    /// Decoded, waiting for the egui pass to upload it.
    Decoded(egui::ColorImage),
    /// Uploaded.
    Ready(egui::TextureHandle),
    /// Could not be decoded (logged once); a placeholder is drawn instead.
    Failed,
}

/// Every picture asked for, by URL.
#[derive(Resource, Default)]
pub struct Pictures {
    by_url: HashMap<String, Picture>,
}

/// The uploaded pictures as the drawing code sees them: URL → texture and size
/// in pixels. Published into the egui context's temporary data every frame.
#[derive(Clone, Default, Debug)]
pub struct PictureTextures(pub Arc<HashMap<String, (egui::TextureId, egui::Vec2)>>);

impl PictureTextures {
    fn id() -> egui::Id {
        egui::Id::new("pustaka-picture-textures")
    }

    /// The textures published into `ctx`, if any.
    pub fn get(ctx: &egui::Context) -> Self {
        ctx.data(|d| d.get_temp::<Self>(Self::id()))
            .unwrap_or_default()
    }
}

impl Pictures {
    /// The texture of `url`, once uploaded.
    pub fn texture(&self, url: &str) -> Option<egui::TextureId> {
        match self.by_url.get(url)? {
            Picture::Ready(h) => Some(h.id()),
            _ => None,
        }
    }

    /// True when `url` is decoded or uploaded.
    pub fn is_decoded(&self, url: &str) -> bool {
        matches!(
            self.by_url.get(url),
            Some(Picture::Decoded(_) | Picture::Ready(_))
        )
    }

    /// True when `url` could not be decoded.
    pub fn failed(&self, url: &str) -> bool {
        matches!(self.by_url.get(url), Some(Picture::Failed))
    }

    /// Uploads decoded pictures as textures of `ctx` and publishes every
    /// uploaded one as [`PictureTextures`]. Returns how many were uploaded now.
    pub fn upload(&mut self, ctx: &egui::Context) -> usize {
        let mut uploaded = 0;
        for (url, p) in &mut self.by_url {
            if let Picture::Decoded(img) = p {
                let img = std::mem::take(img);
                let handle = ctx.load_texture(url.clone(), img, egui::TextureOptions::LINEAR);
                *p = Picture::Ready(handle);
                uploaded += 1;
            }
        }
        let published: HashMap<_, _> = self
            .by_url
            .iter()
            .filter_map(|(url, p)| match p {
                Picture::Ready(h) => Some((url.clone(), (h.id(), h.size_vec2()))),
                _ => None,
            })
            .collect();
        ctx.data_mut(|d| {
            d.insert_temp(PictureTextures::id(), PictureTextures(Arc::new(published)))
        });
        uploaded
    }

    fn decode(&mut self, url: &str, bytes: MediaBytes) {
        let task = AsyncComputeTaskPool::get().spawn(async move { color_image_from(&bytes) });
        self.by_url.insert(url.to_string(), Picture::Decoding(task));
    }
}

/// Decodes a PNG or JPEG into an egui image no larger than
/// [`MAX_PICTURE_SIDE_PX`] on either side.
///
/// # Errors
/// A message when the file cannot be read or decoded.
pub fn color_image_from(bytes: &MediaBytes) -> Result<egui::ColorImage, String> {
    let data = bytes.read().map_err(|e| e.to_string())?;
    let img = image::load_from_memory(&data).map_err(|e| e.to_string())?;
    let img = if img.width().max(img.height()) > MAX_PICTURE_SIDE_PX {
        img.thumbnail(MAX_PICTURE_SIDE_PX, MAX_PICTURE_SIDE_PX)
    } else {
        img
    };
    let rgba = img.to_rgba8();
    let size = [rgba.width() as usize, rgba.height() as usize];
    Ok(egui::ColorImage::from_rgba_unmultiplied(
        size,
        rgba.as_raw(),
    ))
}

/// The pictures plugin: download and decode in `Update` (works headless),
/// upload in the egui pass (only runs with a renderer).
pub fn plugin(app: &mut App) {
    app.init_resource::<Pictures>()
        .add_systems(
            Update,
            (request_pictures, finish_decoding)
                .chain()
                .in_set(AppSystems::Present)
                .in_set(MediaSystems),
        )
        .add_systems(EguiPrimaryContextPass, upload_pictures);
}

/// Asks the media cache for the card picture of every resolved code and the
/// detail picture of the one in the [`Spotlight`] (the open panel's), and
/// starts decoding what has arrived.
fn request_pictures(
    net: Option<Res<Net>>,
    media: Option<ResMut<Media>>,
    resolutions: Res<Resolutions>,
    spotlight: Res<Spotlight>,
    mut pictures: ResMut<Pictures>,
) {
    let (Some(net), Some(mut media)) = (net, media) else {
        return;
    };
    let mut wanted: Vec<String> = Vec::new();
    for (code, r) in &resolutions.0 {
        let Some(o) = r.overlay() else { continue };
        wanted.extend(card_picture(o).map(|p| p.url));
        if spotlight.0.as_deref() == Some(code.as_str()) {
            wanted.extend(detail_picture(o).map(|p| p.url));
        }
    }
    for url in wanted {
        if pictures.by_url.contains_key(&url) {
            continue;
        }
        if let MediaStatus::Ready(bytes) = media.request(&net, &url) {
            pictures.decode(&url, bytes);
        }
    }
}

fn finish_decoding(mut pictures: ResMut<Pictures>) {
    for (url, p) in &mut pictures.by_url {
        let Picture::Decoding(task) = p else { continue };
        let Some(result) = check_ready(task) else {
            continue;
        };
        *p = match result {
            Ok(img) => Picture::Decoded(img),
            Err(e) => {
                warn!(media.url = %url, error = %e, "cannot decode picture");
                Picture::Failed
            }
        };
    }
}

fn upload_pictures(mut contexts: EguiContexts, mut pictures: ResMut<Pictures>) -> Result {
    let ctx = contexts.ctx_mut()?;
    pictures.upload(ctx);
    Ok(())
}

/// Draws `pick` like [`show_picture`]; until it is ready, `stand_in` (the
/// card's smaller preview of the same picture, usually decoded already)
/// scaled to fit in its place, so a panel that has just opened shows its
/// cover at once instead of an empty box.
pub fn show_picture_or(
    ui: &mut egui::Ui,
    pick: &PicturePick,
    stand_in: Option<&PicturePick>,
    max_size: egui::Vec2,
) -> egui::Response {
    let textures = PictureTextures::get(ui.ctx());
    let preview = stand_in
        .filter(|_| !textures.0.contains_key(&pick.url))
        .and_then(|s| textures.0.get(&s.url).copied());
    match preview {
        Some((id, size)) if size.x > 0.0 && size.y > 0.0 => {
            let scale = (max_size.x / size.x).min(max_size.y / size.y);
            ui.add(
                egui::Image::new(egui::load::SizedTexture::new(id, size * scale))
                    .corner_radius(4.0)
                    .alt_text(pick.alt.clone()),
            )
        }
        _ => show_picture(ui, pick, max_size),
    }
}

/// Draws `pick` fitted into `max_size` points (aspect kept), with its alt text
/// for screen readers; a neutral placeholder of the same size until it is
/// ready or when it failed.
pub fn show_picture(ui: &mut egui::Ui, pick: &PicturePick, max_size: egui::Vec2) -> egui::Response {
    let textures = PictureTextures::get(ui.ctx());
    match textures.0.get(&pick.url) {
        Some(&(id, size)) => ui.add(
            egui::Image::new(egui::load::SizedTexture::new(id, size))
                .max_size(max_size)
                .corner_radius(4.0)
                .alt_text(pick.alt.clone()),
        ),
        None => {
            let (rect, response) = ui.allocate_exact_size(max_size, egui::Sense::hover());
            ui.painter()
                .rect_filled(rect, 4.0, ui.visuals().faint_bg_color);
            let alt = pick.alt.clone();
            response.widget_info(|| {
                egui::WidgetInfo::labeled(egui::WidgetType::Image, true, alt.clone())
            });
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The image meshes `ctx` painted in its last pass, by texture.
    fn painted_textures(output: &egui::FullOutput) -> Vec<egui::TextureId> {
        output
            .shapes
            .iter()
            .filter_map(|s| match &s.shape {
                egui::Shape::Mesh(m) => Some(m.texture_id),
                egui::Shape::Rect(r) => Some(r.fill_texture_id()),
                _ => None,
            })
            .filter(|id| *id != egui::TextureId::default())
            .collect()
    }

    #[test]
    fn the_panel_shows_the_card_preview_until_the_full_picture_is_ready() {
        let ctx = egui::Context::default();
        let preview = ctx.load_texture(
            "preview",
            egui::ColorImage::filled([20, 30], egui::Color32::RED),
            egui::TextureOptions::LINEAR,
        );
        let full = PicturePick {
            url: "http://x/media/full.jpg".into(),
            alt: "Sampul".into(),
        };
        let small = PicturePick {
            url: "http://x/media/small.jpg".into(),
            alt: "Sampul".into(),
        };
        let publish = |map: HashMap<String, (egui::TextureId, egui::Vec2)>| {
            ctx.data_mut(|d| d.insert_temp(PictureTextures::id(), PictureTextures(Arc::new(map))));
        };
        let draw = |ctx: &egui::Context| {
            let mut size = egui::Vec2::ZERO;
            let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
                size = show_picture_or(ui, &full, Some(&small), egui::vec2(100.0, 150.0))
                    .rect
                    .size();
            });
            // No renderer takes the uploads here.
            out.textures_delta.clear();
            (painted_textures(&out), size)
        };
        // Nothing uploaded: the placeholder box, no picture.
        publish(HashMap::new());
        let (textures, _) = draw(&ctx);
        assert!(textures.is_empty(), "{textures:?}");
        // Only the preview: it stands in, scaled up to the panel's size.
        publish(HashMap::from([(
            small.url.clone(),
            (preview.id(), preview.size_vec2()),
        )]));
        let (textures, size) = draw(&ctx);
        assert_eq!(textures, [preview.id()]);
        assert_eq!(size, egui::vec2(100.0, 150.0));
        // The full picture once ready.
        let big = ctx.load_texture(
            "full",
            egui::ColorImage::filled([200, 300], egui::Color32::BLUE),
            egui::TextureOptions::LINEAR,
        );
        publish(HashMap::from([
            (small.url.clone(), (preview.id(), preview.size_vec2())),
            (full.url.clone(), (big.id(), big.size_vec2())),
        ]));
        let (textures, _) = draw(&ctx);
        assert_eq!(textures, [big.id()]);
    }
}
