//! Benchmark of the two other public hot paths under `wrk` on loopback, side
//! by side in the same run with nginx serving the very same bytes as static
//! files:
//!
//! - `GET /m/{code}`, the web page of a code (rendered once, then reused from
//!   `rendered::RenderedCache` until its TTL or a publish), also against the
//!   API's `GET /api/v1/markers/{code}` of the same run (before the page
//!   cache, the page managed about an eighth of the API's requests/s);
//! - `GET /media/{sha256}.mp4` with `Range: bytes=0-65535` (a video player's
//!   64 KiB range), served from memory by `media::hot::HotMedia` (before it,
//!   one blocking file read per request).
//!
//! wrk runs on its own core (`taskset`, the machine's last core), the servers
//! on the others (see `support::load_cpu`).
//!
//! Run with `cargo bench -p pustaka-backend --bench media_and_pages` (part of
//! `cargo xtask bench`). Needs the Debian packages `wrk` and `nginx-light`
//! (or `nginx`) and ffmpeg (the demo trailer); without them it prints why and
//! exits successfully. `PUSTAKA_BENCH_SECS` (default 10) and
//! `PUSTAKA_BENCH_CONNS` (default 64) change the load.

mod support;

use support::{
    Load, find_nginx, free_port, have, http_get, run_wrk, run_wrk_with, start_nginx, start_server,
    wait_ready, world_readable, wrk_threads,
};

/// The code whose page and trailer are requested (a demo book with a trailer).
const CODE: &str = "BK0001";
/// The range a video player asks for.
const RANGE: &str = "Range: bytes=0-65535";

fn fail(why: &str) -> ! {
    println!("media_and_pages: FAILED: {why}");
    std::process::exit(1);
}

/// The first `/media/{sha256}.mp4` path in an overlay's JSON.
fn trailer_path(json: &str) -> Option<String> {
    json.match_indices("/media/").find_map(|(at, prefix)| {
        let name = json.get(at + prefix.len()..at + prefix.len() + 64 + ".mp4".len())?;
        let (hash, ext) = name.split_at(64);
        (ext == ".mp4" && hash.bytes().all(|b| b.is_ascii_hexdigit()))
            .then(|| format!("{prefix}{name}"))
    })
}

/// Writes `bytes` at `www/{path}` for nginx.
fn static_copy(root: &std::path::Path, path: &str, bytes: &[u8]) {
    let file = root.join("www").join(path.trim_start_matches('/'));
    let ok = file
        .parent()
        .map(|dir| std::fs::create_dir_all(dir).is_ok())
        .unwrap_or(false)
        && std::fs::write(&file, bytes).is_ok()
        && world_readable(root, &file).is_ok();
    if !ok {
        fail(&format!("cannot write the static copy of {path}"));
    }
}

fn row(name: &str, l: &Load) {
    println!(
        "  {:<28} {:>10.0} {:>9.2} {:>9.2} {}",
        name, l.rps, l.p50_ms, l.p99_ms, l.errors
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "media_and_pages: not run in test mode (cargo bench -p pustaka-backend --bench media_and_pages)"
        );
        return;
    }
    let server_bin = env!("CARGO_BIN_EXE_pustaka-server");
    for (tool, arg, package) in [
        ("wrk", "--version", "wrk"),
        ("ffmpeg", "-version", "ffmpeg"),
    ] {
        if !have(tool, arg) {
            println!(
                "media_and_pages: SKIPPED: {tool} is not installed (Debian package `{package}`)"
            );
            return;
        }
    }
    let Some(nginx) = find_nginx() else {
        println!("media_and_pages: SKIPPED: nginx is not installed (Debian package `nginx-light`)");
        return;
    };
    let secs = std::env::var("PUSTAKA_BENCH_SECS").unwrap_or_else(|_| "10".into());
    let conns = std::env::var("PUSTAKA_BENCH_CONNS").unwrap_or_else(|_| "64".into());
    let Ok(tmp) = tempfile::tempdir() else {
        fail("no temp dir")
    };

    let (server, port) = start_server(
        server_bin,
        tmp.path(),
        &["--max-connections-per-address", "0"],
    )
    .unwrap_or_else(|e| fail(&e));
    let api = format!("/api/v1/markers/{CODE}");
    let page = format!("/m/{CODE}");
    if !wait_ready(port, &api) {
        fail("the server did not answer");
    }
    let overlay = http_get(port, &api).unwrap_or_else(|| fail("no overlay"));
    let trailer = trailer_path(&String::from_utf8_lossy(&overlay))
        .unwrap_or_else(|| fail("the demo book has no trailer in its overlay"));
    let html = http_get(port, &page).unwrap_or_else(|| fail("no page"));
    let video = http_get(port, &trailer).unwrap_or_else(|| fail("no trailer"));
    static_copy(tmp.path(), &page, &html);
    static_copy(tmp.path(), &trailer, &video);

    let nginx_port = free_port();
    let Some(_nginx) = start_nginx(nginx, tmp.path(), nginx_port) else {
        fail("cannot start nginx")
    };
    if !wait_ready(nginx_port, &page) {
        fail("nginx did not answer");
    }
    let url = |port: u16, path: &str| format!("http://127.0.0.1:{port}{path}");

    // Warm every path once, then measure each pair back to back.
    for (p, path, header) in [
        (port, &page, None),
        (nginx_port, &page, None),
        (port, &api, None),
        (port, &trailer, Some(RANGE)),
        (nginx_port, &trailer, Some(RANGE)),
    ] {
        let _ = run_wrk_with(&url(p, path), "2", &conns, None, header);
    }
    let measure = |p: u16, path: &str, header: Option<&str>| {
        run_wrk_with(&url(p, path), &secs, &conns, None, header)
            .unwrap_or_else(|| fail("could not parse wrk output"))
    };
    let page_nginx = measure(nginx_port, &page, None);
    let page_ours = measure(port, &page, None);
    let api_ours = run_wrk(&url(port, &api), &secs, &conns, None)
        .unwrap_or_else(|| fail("could not parse wrk output"));
    let media_nginx = measure(nginx_port, &trailer, Some(RANGE));
    let media_ours = measure(port, &trailer, Some(RANGE));
    drop(server);

    println!(
        "media_and_pages: {conns} connections, {secs} s, wrk -t{} {}; page {} bytes, trailer {} bytes",
        wrk_threads(),
        support::load_cpu().map_or("unpinned".into(), |c| format!(
            "pinned to core {c}, servers on {}",
            support::server_cpus().unwrap_or_default()
        )),
        html.len(),
        video.len()
    );
    println!(
        "  {:<28} {:>10} {:>9} {:>9}",
        "", "req/s", "p50 ms", "p99 ms"
    );
    row(&format!("nginx GET {page}"), &page_nginx);
    row(&format!("pustaka GET {page}"), &page_ours);
    row(&format!("pustaka GET {api}"), &api_ours);
    row("nginx GET trailer, 64 KiB range", &media_nginx);
    row("pustaka GET trailer, 64 KiB", &media_ours);
    println!(
        "  page: {:.2}× nginx, {:.2}× the API; media range: {:.2}× nginx",
        page_ours.rps / page_nginx.rps,
        page_ours.rps / api_ours.rps,
        media_ours.rps / media_nginx.rps
    );
}
