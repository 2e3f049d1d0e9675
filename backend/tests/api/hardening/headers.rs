//! Security headers on every response; no CSRF token in a URL.

use crate::admin::{PASSWORD, login, send, staff_accounts};
use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn security_headers_on_every_response() {
    let app = spawn_app(true).await;
    for path in [
        "/",
        "/m/BK0001",
        "/admin/login",
        "/api/v1/markers/BK0001",
        "/nope",
    ] {
        let r = app.get(path).await;
        let h = r.headers().clone();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(
            h["referrer-policy"], "strict-origin-when-cross-origin",
            "{path}"
        );
        assert!(!h.contains_key("strict-transport-security"), "http: {path}");
        let html = h
            .get("content-type")
            .is_some_and(|c| c.to_str().unwrap().starts_with("text/html"));
        if !html {
            continue;
        }
        let csp = h["content-security-policy"].to_str().unwrap().to_owned();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("object-src 'none'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        // Every inline block of the page is allowed by its hash.
        let body = r.text().await.unwrap();
        let doc = scraper::Html::parse_document(&body);
        for tag in ["style", "script"] {
            let sel = scraper::Selector::parse(tag).unwrap();
            for el in doc.select(&sel) {
                if el.value().attr("src").is_some() {
                    continue;
                }
                let text: String = el.text().collect();
                use base64::Engine;
                use sha2::Digest;
                let hash = base64::engine::general_purpose::STANDARD
                    .encode(sha2::Sha256::digest(text.as_bytes()));
                assert!(
                    csp.contains(&format!("'sha256-{hash}'")),
                    "inline {tag} of {path} not in {csp}"
                );
            }
        }
    }
    // The upload page's script too, and no token in any form's URL.
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    for path in ["/admin/media", "/admin/import", "/admin/analytics"] {
        let r = send(&app, "GET", path, Some(&s), &[], true).await;
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        let body = r.text().await.unwrap();
        let doc = scraper::Html::parse_document(&body);
        let scripts = scraper::Selector::parse("script:not([src])").unwrap();
        let mut n = 0;
        for el in doc.select(&scripts) {
            use base64::Engine;
            use sha2::Digest;
            let text: String = el.text().collect();
            let hash = base64::engine::general_purpose::STANDARD
                .encode(sha2::Sha256::digest(text.as_bytes()));
            assert!(csp.contains(&format!("'sha256-{hash}'")), "{path}");
            n += 1;
        }
        let upload = path != "/admin/analytics";
        assert_eq!(n, usize::from(upload), "{path}'s scripts");
        assert!(!body.contains("_csrf="), "a token in a URL on {path}");
        // A style attribute would be blocked by the CSP (hashes cover blocks only).
        assert!(!body.contains(" style=\""), "a style attribute on {path}");
    }
    // Over https, HSTS.
    let tls = spawn_app_with(false, |c| {
        c.public_url = Some("https://perpustakaan.example.id".into());
    })
    .await;
    let r = tls.get("/healthz").await;
    assert_eq!(r.headers()["strict-transport-security"], "max-age=63072000");
}
