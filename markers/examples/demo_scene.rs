//! Builds the bundled demo scenes: the demo library's codes composited in
//! perspective into a real shelf photo, as a phone camera would see labels
//! stuck on the shelf edge.
//!
//! Usage: `cargo run -p pustaka-markers --example demo_scene -- PHOTO OUT.jpg [CODE@x0,y0,x1,y1,x2,y2,x3,y3 ...]`
//! where the eight numbers are the code's corners (TL, TR, BR, BL) as
//! fractions (0..1) of the output frame's width and height. Without a photo
//! argument it writes a flat page with the codes (no real photo needed).
//! The output frame is [`OUT_WIDTH`] pixels wide, aspect kept.

use pustaka_markers::geometry::Homography;
use pustaka_markers::{LumaImage, generate, payload::MarkerCode};

/// Output frame width in pixels (a 720p-class camera frame).
const OUT_WIDTH: u32 = 1280;
/// The demo server's public host, as printed in the demo codes.
const DEMO_HOST: &str = "perpustakaan.metrokota.go.id";
/// Printed paper is not pure white, ink not pure black (sRGB values).
const PAPER: f32 = 238.0;
const INK: f32 = 28.0;

type Quad = [(f32, f32); 4];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(photo), Some(out)) = (args.first(), args.get(1)) else {
        return Err("usage: demo_scene PHOTO OUT.jpg [CODE@x0,y0,...,y3 ...]".into());
    };
    let src = image::open(photo)?.to_rgb8();
    let out_h = (src.height() as f64 * OUT_WIDTH as f64 / src.width() as f64).round() as u32;
    let mut frame = image::imageops::resize(
        &src,
        OUT_WIDTH,
        out_h,
        image::imageops::FilterType::Triangle,
    );
    for spec in &args[2..] {
        let (code, quad) = parse_spec(spec, OUT_WIDTH as f32, out_h as f32)?;
        let url = MarkerCode::parse(code)?.url(DEMO_HOST);
        let label = generate::luma_image(&url, 8)?;
        paste(&mut frame, &label, quad)?;
    }
    frame.save(out)?;
    eprintln!("wrote {out} ({OUT_WIDTH}x{out_h})");
    Ok(())
}

fn parse_spec(spec: &str, w: f32, h: f32) -> Result<(&str, Quad), Box<dyn std::error::Error>> {
    let (code, nums) = spec.split_once('@').ok_or("expected CODE@x0,y0,...")?;
    let v: Vec<f32> = nums.split(',').map(str::parse).collect::<Result<_, _>>()?;
    if v.len() != 8 {
        return Err(format!("{spec}: need 8 numbers").into());
    }
    Ok((
        code,
        [
            (v[0] * w, v[1] * h),
            (v[2] * w, v[3] * h),
            (v[4] * w, v[5] * h),
            (v[6] * w, v[7] * h),
        ],
    ))
}

/// Draws `label` into `frame` so that its corners land on `quad` (TL, TR, BR,
/// BL), sampling through the inverse homography with bilinear filtering and
/// keeping the photo's lighting.
fn paste(
    frame: &mut image::RgbImage,
    label: &LumaImage,
    quad: Quad,
) -> Result<(), Box<dyn std::error::Error>> {
    let (lw, lh) = (label.width() as f32, label.height() as f32);
    let src: Quad = [(0.0, 0.0), (lw, 0.0), (lw, lh), (0.0, lh)];
    // Maps frame pixels back to label pixels.
    let pts = |q: Quad| q.map(|(x, y)| [f64::from(x), f64::from(y)]);
    let h = Homography::from_points(pts(quad), pts(src)).ok_or("degenerate quad")?;
    let xs = quad.iter().map(|p| p.0);
    let ys = quad.iter().map(|p| p.1);
    let x0 = xs.clone().fold(f32::INFINITY, f32::min).floor().max(0.0) as u32;
    let x1 = xs
        .fold(0.0, f32::max)
        .ceil()
        .min(frame.width() as f32 - 1.0) as u32;
    let y0 = ys.clone().fold(f32::INFINITY, f32::min).floor().max(0.0) as u32;
    let y1 = ys
        .fold(0.0, f32::max)
        .ceil()
        .min(frame.height() as f32 - 1.0) as u32;
    for y in y0..=y1 {
        for x in x0..=x1 {
            let [u, v] = h.map(f64::from(x) + 0.5, f64::from(y) + 0.5);
            let (u, v) = (u as f32, v as f32);
            if u < 0.0 || v < 0.0 || u >= lw - 1.0 || v >= lh - 1.0 {
                continue;
            }
            let t = bilinear(label, u, v) / 255.0;
            let px = frame.get_pixel_mut(x, y);
            let light = (px.0.iter().map(|&c| c as f32).sum::<f32>() / 765.0).clamp(0.35, 1.0);
            let value = (INK + (PAPER - INK) * t) * (0.55 + 0.45 * light);
            px.0 = [value as u8, value as u8, (value * 0.97) as u8];
        }
    }
    Ok(())
}

fn bilinear(img: &LumaImage, u: f32, v: f32) -> f32 {
    let (x, y) = (u.floor() as usize, v.floor() as usize);
    let (fx, fy) = (u - x as f32, v - y as f32);
    let w = img.width();
    let p = |xx: usize, yy: usize| img.data()[yy * w + xx] as f32;
    let top = p(x, y) * (1.0 - fx) + p(x + 1, y) * fx;
    let bottom = p(x, y + 1) * (1.0 - fx) + p(x + 1, y + 1) * fx;
    top * (1.0 - fy) + bottom * fy
}
