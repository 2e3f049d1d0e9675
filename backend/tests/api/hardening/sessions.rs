//! Staff sessions end: on a password reset or deactivation, when idle, and
//! after their lifetime.

use std::time::Duration;

use reqwest::StatusCode;

use crate::admin::{PASSWORD, login, send, staff_accounts};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// Whether a staff session still opens the dashboard.
async fn still_in(app: &TestApp, s: &crate::admin::StaffSession) -> bool {
    send(app, "GET", "/admin", Some(s), &[], true)
        .await
        .status()
        == StatusCode::OK
}

#[tokio::test]
async fn a_password_reset_or_deactivation_ends_every_session() {
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let admin = login(&app.base, "admin1", PASSWORD).await;
    let lib_a = login(&app.base, "librarian1", PASSWORD).await;
    let lib_b = login(&app.base, "librarian1", PASSWORD).await;
    let vol = login(&app.base, "volunteer1", PASSWORD).await;
    let id = |name: &'static str| {
        let db = app.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT id FROM staff_users WHERE username = ?")
                .bind(name)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    // A role change alone keeps the sessions.
    let lib = id("librarian1").await;
    let path = format!("/admin/staff/{lib}");
    let keep = crate::admin::fields(&[("role", "librarian"), ("active", "1")]);
    let r = send(&app, "POST", &path, Some(&admin), &keep, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(still_in(&app, &lib_a).await && still_in(&app, &lib_b).await);
    let reset = crate::admin::fields(&[
        ("role", "librarian"),
        ("active", "1"),
        ("password", "kata-sandi-baru-123"),
    ]);
    let r = send(&app, "POST", &path, Some(&admin), &reset, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(!still_in(&app, &lib_a).await, "old session after a reset");
    assert!(!still_in(&app, &lib_b).await, "old session after a reset");
    login(&app.base, "librarian1", "kata-sandi-baru-123").await;
    // Deactivated and reactivated: the old session stays over.
    let vol_path = format!("/admin/staff/{}", id("volunteer1").await);
    let off = crate::admin::fields(&[("role", "volunteer")]);
    let on = crate::admin::fields(&[("role", "volunteer"), ("active", "1")]);
    send(&app, "POST", &vol_path, Some(&admin), &off, true).await;
    send(&app, "POST", &vol_path, Some(&admin), &on, true).await;
    assert!(
        !still_in(&app, &vol).await,
        "session survived a deactivation"
    );
    assert!(still_in(&app, &admin).await);
}

#[tokio::test]
async fn staff_sessions_end_when_idle_and_after_their_lifetime() {
    // Idle: 4 s without a request ends it; requests 2 s apart keep it alive
    // past those 4 s.
    let app = spawn_app_with(false, |c| {
        c.staff_sessions.idle_secs = 4;
        c.staff_sessions.max_secs = 3600;
    })
    .await;
    staff_accounts(&app).await;
    let busy = login(&app.base, "librarian1", PASSWORD).await;
    for _ in 0..3 {
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(still_in(&app, &busy).await, "a session in use ended");
    }
    tokio::time::sleep(Duration::from_secs(5)).await;
    assert!(!still_in(&app, &busy).await, "an idle session lives on");
    // Lifetime: over after 3 s however recently used.
    let app = spawn_app_with(false, |c| {
        c.staff_sessions.idle_secs = 3600;
        c.staff_sessions.max_secs = 3;
    })
    .await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(still_in(&app, &s).await);
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(!still_in(&app, &s).await, "a session outlived its lifetime");
}
