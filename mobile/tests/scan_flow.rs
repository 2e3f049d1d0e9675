//! Headless app tests without a server: a camera that fails and recovers,
//! and a stalled network. (Scans resolved against a real server are the
//! end-to-end tests' work: `tests/tests/app_scan_flow.rs`.)

use std::time::Duration;

use bevy::prelude::*;
use pustaka_mobile::camera::{CaptureStatus, Frame, FrameError, FrameSource, PendingSource};
use pustaka_mobile::config::NetTimeouts;
use pustaka_mobile::net::Resolution;
use pustaka_mobile::{AppConfig, AppPlugin};
use pustaka_test_support::bevy::run_until;
use pustaka_test_support::peers::StalledServer;

/// Timeouts short enough that a test of a stalled link does not wait out
/// the app's real ones (seconds), long enough for a loaded loopback.
fn short_timeouts() -> NetTimeouts {
    NetTimeouts {
        connect: Duration::from_millis(500),
        read: Duration::from_millis(300),
        request: Duration::from_millis(800),
        ..NetTimeouts::default()
    }
}

/// A camera that is missing at first and then appears (plugged in): the
/// problem is shown while it lasts and cleared by the first frame, and the
/// capture loop survives it.
#[test]
fn a_failing_camera_is_reported_then_cleared() {
    struct LateCamera {
        failures_left: u32,
    }
    impl FrameSource for LateCamera {
        fn describe(&self) -> String {
            "late camera".into()
        }
        fn next_frame(&mut self) -> Result<Frame, FrameError> {
            std::thread::sleep(Duration::from_millis(20));
            if self.failures_left > 0 {
                self.failures_left -= 1;
                return Err(FrameError::Source("kamera 5: could not open device".into()));
            }
            Frame::from_rgb(1, 4, 4, &[90; 48])
        }
    }
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(AppConfig {
            server_url: "http://127.0.0.1:9".into(),
            ..default()
        })
        .insert_resource(PendingSource::new(|| Ok(LateCamera { failures_left: 3 })))
        .add_plugins(AppPlugin {
            with_rendering: false,
        });
    let status = |app: &App| app.world().resource::<CaptureStatus>().problem();
    let mut seen_problem = None;
    run_until(
        &mut app,
        "the camera's problem to show, then clear",
        Duration::from_secs(20),
        |app| match status(app) {
            Some(p) => {
                seen_problem = Some(p);
                None
            }
            None => seen_problem.is_some().then_some(()),
        },
    );
    assert!(
        seen_problem.is_some_and(|p| p.contains("kamera 5")),
        "the source's own words are kept"
    );
}

/// A stalled server and no saved copy: one request, then "cannot connect"
/// (the card's "retrying" comes from the code being asked again later),
/// not three requests that each wait out the read timeout.
#[test]
fn a_stalled_server_is_not_retried_at_once() {
    let stalled = StalledServer::start();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let timeouts = short_timeouts();
    let client = pustaka_mobile::net::http_client(&timeouts).unwrap();
    let (got, reached) = rt.block_on(pustaka_mobile::net::resolve_with_cache(
        &client,
        &timeouts,
        None,
        "BK0001",
        pustaka_api::Lang::Id,
        &format!("{}/api/v1/markers/BK0001", stalled.base_url),
    ));
    assert!(matches!(got, Resolution::Failed(_)), "{got:?}");
    assert!(!reached, "a stalled server is not an answer");
    assert_eq!(stalled.accepted(), 1, "retried at once");
}
