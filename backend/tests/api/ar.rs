//! The AR web app under `/ar/` (`serve --web-app DIR`), the page shown when
//! it is not installed, the links to it from the web pages, and HTTPS
//! (`serve --tls-cert --tls-key`) on loopback with a certificate made here.

use std::path::Path;

use pustaka_backend::{Application, ServeConfig};
use scraper::{Html, Selector};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// A fake bundle: an index page, a hashed wasm with its brotli and gzip
/// copies (contents that tell which one was sent), a hashed script, the
/// service worker and the manifest.
fn write_bundle(dir: &Path) {
    let files: &[(&str, &[u8])] = &[
        ("index.html", b"<!doctype html><title>Pustaka AR</title>"),
        ("app.0123abcd89.wasm", b"\0asm raw"),
        ("app.0123abcd89.wasm.br", b"brotli bytes"),
        ("app.0123abcd89.wasm.gz", b"gzip bytes"),
        ("app.0123abcd89.js", b"console.log(1)"),
        ("sw.js", b"self.addEventListener('fetch', () => {})"),
        ("manifest.webmanifest", b"{\"name\": \"Pustaka AR\"}"),
    ];
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

async fn spawn_with_bundle() -> (TestApp, tempfile::TempDir) {
    let bundle = tempfile::tempdir().unwrap();
    write_bundle(bundle.path());
    let dir = bundle.path().to_path_buf();
    let app = spawn_app_with(false, move |c| c.web_app = Some(dir)).await;
    (app, bundle)
}

fn header<'a>(r: &'a reqwest::Response, name: &str) -> &'a str {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap())
        .unwrap_or("")
}

async fn get_encoded(app: &TestApp, path: &str, accept_encoding: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.base))
        .header("Accept-Encoding", accept_encoding)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_bundle_is_served_with_types_caching_and_precompressed_copies() {
    let (app, _bundle) = spawn_with_bundle().await;

    let index = app.get("/ar/?code=BK0001&lang=en").await;
    assert_eq!(index.status(), 200);
    assert!(header(&index, "content-type").starts_with("text/html"));
    assert_eq!(header(&index, "cache-control"), "no-cache");
    assert!(
        index
            .text()
            .await
            .unwrap()
            .contains("<title>Pustaka AR</title>")
    );

    // `/ar` without the slash: relative URLs in the page need it.
    let no_slash = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/ar?code=BK0001", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(no_slash.status(), 308);
    assert_eq!(header(&no_slash, "location"), "/ar/?code=BK0001");

    let wasm = "/ar/app.0123abcd89.wasm";
    for (accept, body, encoding) in [
        ("br, gzip", "brotli bytes", "br"),
        ("gzip", "gzip bytes", "gzip"),
        ("identity", "\0asm raw", ""),
    ] {
        let r = get_encoded(&app, wasm, accept).await;
        assert_eq!(r.status(), 200, "{accept}");
        assert_eq!(header(&r, "content-type"), "application/wasm", "{accept}");
        assert_eq!(header(&r, "content-encoding"), encoding, "{accept}");
        assert_eq!(header(&r, "cache-control"), IMMUTABLE, "{accept}");
        assert!(header(&r, "vary").contains("Accept-Encoding"), "{accept}");
        assert_eq!(r.text().await.unwrap(), body, "{accept}");
    }
    let script = app.get("/ar/app.0123abcd89.js").await;
    assert!(header(&script, "content-type").contains("javascript"));
    assert_eq!(header(&script, "cache-control"), IMMUTABLE);

    let sw = app.get("/ar/sw.js").await;
    assert_eq!(sw.status(), 200);
    assert!(header(&sw, "content-type").contains("javascript"));
    assert_eq!(header(&sw, "cache-control"), "no-cache");
    assert_eq!(header(&sw, "service-worker-allowed"), "/ar/");

    let manifest = app.get("/ar/manifest.webmanifest").await;
    assert_eq!(
        header(&manifest, "content-type"),
        "application/manifest+json"
    );
    assert_eq!(header(&manifest, "cache-control"), "no-cache");

    // A changed file is picked up: no-cache files revalidate by date.
    let modified = header(&sw, "last-modified").to_owned();
    assert!(!modified.is_empty());
    let again = app
        .client
        .get(format!("{}/ar/sw.js", app.base))
        .header("If-Modified-Since", &modified)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);

    let missing = app.get("/ar/nothing.0123abcd.js").await;
    assert_eq!(missing.status(), 404);
    assert_eq!(header(&missing, "cache-control"), "no-cache");
    // Nothing outside the bundle folder is reachable.
    assert_eq!(app.get("/ar/../Cargo.toml").await.status(), 404);
    assert_eq!(app.get("/ar/%2e%2e/pustaka.db").await.status(), 404);
}

#[tokio::test]
async fn without_a_bundle_ar_says_so_in_the_visitors_language() {
    let app = spawn_app(true).await;
    let r = app.get("/ar/?code=bk0001").await;
    assert_eq!(r.status(), 404);
    assert_eq!(header(&r, "cache-control"), "no-cache");
    let doc = Html::parse_document(&r.text().await.unwrap());
    let h1 = text(&doc, "h1");
    assert!(h1.contains("belum tersedia"), "{h1}");
    let links = hrefs(&doc, "main a");
    assert_eq!(
        links,
        [
            format!("{}/m/BK0001?lang=id", app.base),
            format!("{}/?lang=id", app.base)
        ]
    );

    let r = app.get("/ar/?lang=en").await;
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert!(text(&doc, "h1").contains("not available"));
    assert_eq!(hrefs(&doc, "main a"), [format!("{}/?lang=en", app.base)]);
    // A made-up code is not linked to.
    let r = app.get("/ar/some/file.js?code=%3Cscript%3E").await;
    assert_eq!(r.status(), 404);
    let doc = Html::parse_document(&r.text().await.unwrap());
    assert_eq!(hrefs(&doc, "main a"), [format!("{}/?lang=id", app.base)]);
}

#[tokio::test]
async fn web_pages_link_to_the_ar_camera() {
    let app = spawn_app(true).await;
    for (path, lang, label) in [
        ("/m/BK0001", "id", "Lihat dengan kamera AR"),
        ("/m/BK0001?lang=en", "en", "View with the AR camera"),
    ] {
        let doc = Html::parse_document(&app.get(path).await.text().await.unwrap());
        let link = format!("{}/ar/?code=BK0001&lang={lang}", app.base);
        assert!(
            links_named(&doc, label).contains(&link),
            "{path}: no link {label:?} → {link}"
        );
    }
    let doc = Html::parse_document(&app.get("/?lang=en").await.text().await.unwrap());
    assert_eq!(
        links_named(&doc, "View with the AR camera"),
        [format!("{}/ar/?lang=en", app.base)]
    );
}

#[tokio::test]
async fn a_web_app_folder_without_index_html_is_refused_at_start() {
    let empty = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let config = ServeConfig {
        web_app: Some(empty.path().to_path_buf()),
        ..ServeConfig::for_tests(data.path().to_path_buf(), false)
    };
    let e = Application::build(config).await.err().expect("refused");
    let msg = format!("{e:#}");
    assert!(
        msg.contains("no index.html") && msg.contains("cargo xtask web"),
        "{msg}"
    );
}

#[tokio::test]
async fn https_with_the_librarys_own_certificate() {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let files = tempfile::tempdir().unwrap();
    let (cert_pem, key_pem) = (files.path().join("cert.pem"), files.path().join("key.pem"));
    std::fs::write(&cert_pem, cert.cert.pem()).unwrap();
    std::fs::write(&key_pem, cert.signing_key.serialize_pem()).unwrap();

    let data = tempfile::tempdir().unwrap();
    let mut config = ServeConfig::for_tests(data.path().to_path_buf(), true);
    config.tls.tls_cert = Some(cert_pem.clone());
    config.tls.tls_key = Some(key_pem.clone());
    let app = Application::build(config).await.expect("server builds");
    assert!(app.is_https());
    let addr = app.local_addr();
    assert_eq!(
        &*app.state().public_url,
        format!("https://{addr}"),
        "links in pages point at https"
    );
    tokio::spawn(app.run_until_stopped());

    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap())
        .resolve("localhost", addr)
        .build()
        .unwrap();
    let url = |path: &str| format!("https://localhost:{}{path}", addr.port());
    let r = trusting.get(url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let page = trusting.get(url("/m/BK0001")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Si Kancil"));

    // Plain HTTP on the HTTPS port gets no page, and a client that does not
    // trust the certificate refuses it.
    let plain = reqwest::get(format!("http://{addr}/healthz")).await;
    assert!(plain.map(|r| !r.status().is_success()).unwrap_or(true));
    let strict = reqwest::Client::builder()
        .resolve("localhost", addr)
        .build()
        .unwrap();
    assert!(strict.get(url("/healthz")).send().await.is_err());

    // Files that do not hold what they should are named in the error.
    let data = tempfile::tempdir().unwrap();
    let mut config = ServeConfig::for_tests(data.path().to_path_buf(), false);
    config.tls.tls_cert = Some(key_pem.clone());
    config.tls.tls_key = Some(key_pem.clone());
    let msg = format!(
        "{:#}",
        Application::build(config).await.err().expect("refused")
    );
    assert!(
        msg.contains("key.pem") && msg.contains("no certificate"),
        "{msg}"
    );
    let other = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let other_key = files.path().join("other-key.pem");
    std::fs::write(&other_key, other.signing_key.serialize_pem()).unwrap();
    let data = tempfile::tempdir().unwrap();
    let mut config = ServeConfig::for_tests(data.path().to_path_buf(), false);
    config.tls.tls_cert = Some(cert_pem);
    config.tls.tls_key = Some(other_key);
    let msg = format!(
        "{:#}",
        Application::build(config).await.err().expect("refused")
    );
    assert!(msg.contains("does not fit"), "{msg}");
}

fn text(doc: &Html, css: &str) -> String {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}

fn hrefs(doc: &Html, css: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr("href").map(str::to_owned))
        .collect()
}

fn links_named(doc: &Html, name: &str) -> Vec<String> {
    let sel = Selector::parse("a").unwrap();
    doc.select(&sel)
        .filter(|e| e.text().collect::<String>().trim() == name)
        .filter_map(|e| e.value().attr("href").map(str::to_owned))
        .collect()
}
