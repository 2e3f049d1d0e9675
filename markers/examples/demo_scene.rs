//! Writes the bundled demo scene: the demo library's codes on a plain page,
//! as a camera would see them. Run: `cargo run -p pustaka-markers --example demo_scene -- OUT.png`.

use pustaka_markers::{generate, payload::MarkerCode};

/// The demo server's public host, as printed in the demo codes.
const DEMO_HOST: &str = "127.0.0.1";
/// The demo library's codes (see `pustaka_backend::demo::DEMO_CODES`).
const CODES: [&str; 3] = ["BK0001", "RK0001", "EV0001"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "assets/demo/scene-01.png".into());
    let (w, h) = (1280usize, 720usize);
    let mut canvas = vec![225u8; w * h];
    for (i, code) in CODES.iter().enumerate() {
        let url = MarkerCode::parse(code)?.url(DEMO_HOST);
        let img = generate::luma_image(&url, 6)?;
        let x0 = 60 + i * 400;
        let y0 = 200;
        for y in 0..img.height() {
            let row = &img.data()[y * img.width()..(y + 1) * img.width()];
            canvas[(y0 + y) * w + x0..(y0 + y) * w + x0 + img.width()].copy_from_slice(row);
        }
    }
    image::GrayImage::from_raw(w as u32, h as u32, canvas)
        .ok_or("canvas size")?
        .save(&out)?;
    eprintln!("wrote {out}");
    Ok(())
}
