//! The desktop app's entry point (`pustaka-ar`): its command line, the
//! window and the plugins, and its headless mode. In the library, not in
//! `main.rs`, so the end-to-end tests (`tests/`) can build the same binary.

pub mod headless;

use std::path::PathBuf;

use crate::camera::{
    FrameError, FrameSource, ImageFolderSource, PendingSource, VideoFileSource, WebcamSource,
    is_video,
};
use crate::{AppConfig, AppPlugin};
use bevy::prelude::*;
use bevy::render::RenderPlugin;
use bevy::window::{ExitCondition, WindowResolution};
use bevy_egui::EguiPlugin;
use clap::Parser;
use headless::HeadlessRun;

/// Frames per second when replaying image files.
const FILE_SOURCE_FPS: f32 = 15.0;

/// Pustaka AR: point the camera at a library code.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// Content server base URL.
    #[arg(long, default_value = crate::config::DEFAULT_SERVER_URL)]
    server: String,
    /// `camera` (the webcam), an image file or folder of images to replay, or a
    /// video file (mp4, webm, mov, mkv; played with ffmpeg, looping).
    #[arg(long, default_value = "camera")]
    source: String,
    /// Another host whose `https://HOST/m/CODE` codes are this library's
    /// (repeatable). The host of --server always counts, as do the defaults in
    /// `AppConfig`.
    #[arg(long = "library-host", value_name = "HOST")]
    library_hosts: Vec<String>,
    /// Which webcam, when several (see --list-cameras).
    #[arg(long, default_value_t = 0)]
    camera: u32,
    /// List the cameras and exit.
    #[arg(long)]
    list_cameras: bool,
    /// Render offscreen-style for tests: run --frames frames, save --screenshot and --report, exit.
    #[arg(long)]
    headless: bool,
    /// Frames to run in headless mode.
    #[arg(long, default_value_t = 60)]
    frames: u32,
    /// Language of the interface: `id` (Bahasa Indonesia, default) or `en`.
    #[arg(long, default_value = "id", value_parser = ["id", "en"])]
    lang: String,
    /// Open the detail panel of this code as soon as it resolves (kiosk and screenshots).
    #[arg(long)]
    open: Option<String>,
    /// Folder for the offline cache and queued scan events (default:
    /// `pustaka-ar` in the platform's cache folder, e.g. `~/.cache/pustaka-ar`).
    #[arg(long)]
    cache_dir: Option<PathBuf>,
    /// Screenshot to save in headless mode (PNG).
    #[arg(long)]
    screenshot: Option<PathBuf>,
    /// JSON report to write in headless mode.
    #[arg(long)]
    report: Option<PathBuf>,
}

/// Runs the desktop app with the process's command line; the exit code says
/// whether it ran (and, headless, saved what it was asked to).
pub fn main() -> AppExit {
    tune_malloc();
    let cli = Cli::parse();
    if cli.list_cameras {
        match WebcamSource::list() {
            Ok(list) if list.is_empty() => eprintln!("Tidak ada kamera / no camera found"),
            Ok(list) => list.iter().for_each(|l| println!("{l}")),
            Err(e) => {
                eprintln!("cannot list cameras: {e}");
                return AppExit::error();
            }
        }
        return AppExit::Success;
    }
    let server_ok = reqwest::Url::parse(&cli.server)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if !server_ok {
        eprintln!(
            "pustaka-ar: --server must be an http:// or https:// URL, e.g. {}; got {:?}",
            crate::config::DEFAULT_SERVER_URL,
            cli.server
        );
        return AppExit::error();
    }
    if let Some(code) = &cli.open
        && let Err(e) = pustaka_markers::payload::MarkerCode::parse(code)
    {
        eprintln!("pustaka-ar: --open {code:?} is not a marker code (e.g. BK0001): {e}");
        return AppExit::error();
    }
    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    if !has_display {
        eprintln!(
            "pustaka-ar: no display found (DISPLAY/WAYLAND_DISPLAY unset). Run it under a virtual display:\n\n    \
             xvfb-run -a pustaka-ar --headless --source assets/demo --screenshot out.png --report out.json\n\n\
             or use `cargo xtask demo --headless`."
        );
        return AppExit::error();
    }
    let source = if cli.source == "camera" {
        let index = cli.camera;
        PendingSource::new(move || Ok(WebcamSource::new(index)))
    } else {
        // Open once here so a wrong path is reported before a window opens.
        let path = PathBuf::from(&cli.source);
        if is_video(&path) {
            if let Err(e) = VideoFileSource::open(&path, true) {
                eprintln!("pustaka-ar: {e}");
                return AppExit::error();
            }
            PendingSource::new(move || VideoFileSource::open(&path, true))
        } else {
            if let Err(e) = probe_images(&path) {
                eprintln!("pustaka-ar: {e}");
                return AppExit::error();
            }
            PendingSource::new(move || ImageFolderSource::open(&path, FILE_SOURCE_FPS))
        }
    };
    let mut config = AppConfig {
        server_url: cli.server.trim_end_matches('/').to_string(),
        cache_dir: cli
            .cache_dir
            .clone()
            .or_else(crate::config::default_cache_dir),
        ..default()
    };
    // Codes printed by this server carry its host (its --public-url usually
    // shares it), so they are library codes too.
    if let Some(host) = reqwest::Url::parse(&cli.server)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
    {
        config.add_library_host(&host);
    }
    for host in &cli.library_hosts {
        config.add_library_host(host);
    }
    let mut app = App::new();
    app.add_plugins(
        DefaultPlugins
            .set(WindowPlugin {
                primary_window: Some(Window {
                    title: "Pustaka AR".into(),
                    resolution: WindowResolution::new(1280, 720),
                    ..default()
                }),
                exit_condition: ExitCondition::OnPrimaryClosed,
                ..default()
            })
            .set(RenderPlugin {
                // Compile shaders before the first frame, so headless screenshots are never black.
                synchronous_pipeline_compilation: cli.headless,
                ..default()
            }),
    )
    .add_plugins(EguiPlugin::default())
    .insert_resource(config)
    .insert_resource(source)
    .add_plugins(AppPlugin {
        with_rendering: true,
    });
    if cli.lang == "en" {
        app.world_mut().resource_mut::<crate::i18n::Locale>().lang = pustaka_api::Lang::En;
    }
    if let Some(code) = &cli.open {
        app.insert_resource(crate::ui::detail::Panel::detail(code));
    }
    if cli.headless {
        app.add_plugins(headless::plugin(HeadlessRun {
            frames: cli.frames,
            screenshot: cli.screenshot,
            report: cli.report,
        }));
    }
    app.run()
}

/// Fixes glibc's mmap threshold at 1 MiB, so every buffer of a megabyte or more
/// (camera frames: 1.2 MB of luma and 3.7-4.9 MB of RGBA at 720p-960p, made
/// ~30 times a second; the copies that go to the GPU; lavapipe's textures) is
/// its own mapping, handed back to the kernel when freed.
///
/// Without it glibc raises the threshold each time such a block is freed (up to
/// 32 MiB, see `M_MMAP_THRESHOLD` in mallopt(3)), after which frames come from
/// the per-thread arenas, which keep the freed memory. Measured on the demo
/// scene under xvfb (release build, 60 s): RSS 294 MB with glibc's default,
/// 268 MB with the threshold fixed.
/// Other C libraries (musl) and platforms are left alone.
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[allow(unsafe_code)]
    // SAFETY: mallopt only changes allocator parameters; it is called first
    // thing in main, before any other thread exists. A zero return (the value
    // was refused) leaves glibc's defaults, which is harmless.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// Checks that at least one image at `path` decodes, naming each one that does not.
fn probe_images(path: &std::path::Path) -> Result<(), String> {
    // A high rate so the probe does not wait between frames.
    let mut probe = ImageFolderSource::open(path, 1000.0).map_err(|e| e.to_string())?;
    loop {
        match probe.next_frame() {
            Ok(_) => return Ok(()),
            Err(FrameError::End) => {
                return Err(format!("no readable image at {}", path.display()));
            }
            Err(e) => eprintln!("pustaka-ar: skipping {e}"),
        }
    }
}
