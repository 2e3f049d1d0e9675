//! Benchmark of the scan hot path, `GET /api/v1/markers/{code}`, under `wrk`
//! on loopback, side by side in the same run with nginx serving the same JSON
//! as a static file. Also reports the server's idle resident memory.
//!
//! Targets (issue 4): ≥ 0.8× nginx's requests/s and p99 ≤ 10 ms at 256
//! connections; idle RSS ≤ 50 MB.
//!
//! Run with `cargo bench -p pustaka-backend --bench marker_resolve` (part of
//! `cargo bench --workspace`, hence `cargo xtask bench`). Needs the Debian
//! packages `wrk` and `nginx-light` (or `nginx`); without them it prints why
//! and exits successfully, so a bench run elsewhere is not blocked. Set
//! `PUSTAKA_BENCH_ENFORCE=1` to exit non-zero when a target is missed.
//! `PUSTAKA_BENCH_SECS` (default 10) and `PUSTAKA_BENCH_CONNS` (default 256)
//! change the load.
//!
//! By default wrk saturates both servers (a closed loop: each connection sends
//! its next request as soon as the answer arrives), so by Little's law the
//! mean latency is about connections ÷ throughput: 256 connections at 25,000
//! req/s already mean ≈ 10 ms. `PUSTAKA_BENCH_PACE_MS=n` adds an n ms pause
//! between a connection's requests (wrk's Lua `delay`), which caps the offered
//! load near `connections × 1000 / n` req/s for both servers alike, and so
//! measures latency below saturation.

mod support;

use support::{
    find_nginx, free_port, have, http_get, rss_mb, run_wrk, start_nginx, start_server, wait_ready,
    world_readable, wrk_threads,
};

/// The code every request resolves (a demo book).
const CODE: &str = "BK0001";
/// Throughput target relative to nginx.
const MIN_RATIO: f64 = 0.8;
/// p99 latency target, milliseconds.
const MAX_P99_MS: f64 = 10.0;
/// Idle resident memory target, megabytes.
const MAX_IDLE_RSS_MB: f64 = 50.0;

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --all-targets` runs this
    // binary without it, and a debug build under test load measures nothing.
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "marker_resolve: not run in test mode (cargo bench -p pustaka-backend --bench marker_resolve)"
        );
        return;
    }
    let server_bin = env!("CARGO_BIN_EXE_pustaka-server");
    if !have("wrk", "--version") {
        println!("marker_resolve: SKIPPED: wrk is not installed (Debian package `wrk`)");
        return;
    }
    let Some(nginx) = find_nginx() else {
        println!("marker_resolve: SKIPPED: nginx is not installed (Debian package `nginx-light`)");
        return;
    };
    let secs = std::env::var("PUSTAKA_BENCH_SECS").unwrap_or_else(|_| "10".into());
    let conns = std::env::var("PUSTAKA_BENCH_CONNS").unwrap_or_else(|_| "256".into());
    let Ok(tmp) = tempfile::tempdir() else {
        println!("marker_resolve: FAILED: no temp dir");
        std::process::exit(1);
    };

    // Our server, seeded with the demo library. wrk's connections all come
    // from one address: no per-address cap.
    let (server, port) = match start_server(
        server_bin,
        tmp.path(),
        &["--max-connections-per-address", "0"],
    ) {
        Ok(s) => s,
        Err(e) => {
            println!("marker_resolve: FAILED: {e}");
            std::process::exit(1);
        }
    };
    let path = format!("/api/v1/markers/{CODE}");
    if !wait_ready(port, &path) {
        println!("marker_resolve: FAILED: the server did not answer {path}");
        std::process::exit(1);
    }
    let idle_rss = rss_mb(server.0.id());

    // nginx serving the very same bytes as a static file.
    let Some(json) = http_get(port, &path) else {
        println!("marker_resolve: FAILED: cannot fetch the overlay JSON");
        std::process::exit(1);
    };
    let www = tmp.path().join("www/api/v1/markers");
    if std::fs::create_dir_all(&www)
        .and_then(|()| std::fs::write(www.join(CODE), &json))
        .and_then(|()| world_readable(tmp.path(), &www.join(CODE)))
        .is_err()
    {
        println!("marker_resolve: FAILED: cannot write the static copy");
        std::process::exit(1);
    }
    let nginx_port = free_port();
    let Some(_nginx) = start_nginx(nginx, tmp.path(), nginx_port) else {
        println!("marker_resolve: FAILED: cannot start nginx");
        std::process::exit(1);
    };
    if !wait_ready(nginx_port, &path) {
        println!("marker_resolve: FAILED: nginx did not answer");
        std::process::exit(1);
    }

    // Optional pacing (see the module docs).
    let pace_ms: Option<u32> = std::env::var("PUSTAKA_BENCH_PACE_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|ms| *ms > 0);
    let script = tmp.path().join("pace.lua");
    let script = match pace_ms {
        Some(ms) => {
            if std::fs::write(&script, format!("function delay()\n  return {ms}\nend\n")).is_err() {
                println!("marker_resolve: FAILED: cannot write the wrk script");
                std::process::exit(1);
            }
            Some(script.as_path())
        }
        None => None,
    };

    // Warm both, then measure nginx first and the server second.
    let url = |port: u16| format!("http://127.0.0.1:{port}{path}");
    let _ = run_wrk(&url(nginx_port), "2", &conns, script);
    let _ = run_wrk(&url(port), "2", &conns, script);
    let (Some(base), Some(ours)) = (
        run_wrk(&url(nginx_port), &secs, &conns, script),
        run_wrk(&url(port), &secs, &conns, script),
    ) else {
        println!("marker_resolve: FAILED: could not parse wrk output");
        std::process::exit(1);
    };
    let loaded_rss = rss_mb(server.0.id());
    let ratio = ours.rps / base.rps;
    println!(
        "marker_resolve: GET {path} ({} bytes), {conns} connections, {secs} s, wrk -t{}{}",
        json.len(),
        wrk_threads(),
        pace_ms.map_or(String::new(), |ms| format!(
            ", paced {ms} ms between a connection's requests"
        ))
    );
    println!(
        "  {:<16} {:>12} {:>10} {:>10}",
        "", "req/s", "p50 ms", "p99 ms"
    );
    println!(
        "  {:<16} {:>12.0} {:>10.2} {:>10.2} {}",
        "nginx (static)", base.rps, base.p50_ms, base.p99_ms, base.errors
    );
    println!(
        "  {:<16} {:>12.0} {:>10.2} {:>10.2} {}",
        "pustaka-server", ours.rps, ours.p50_ms, ours.p99_ms, ours.errors
    );
    let verdict = |ok: bool| if ok { "ok" } else { "MISSED" };
    let ratio_ok = ratio >= MIN_RATIO;
    let p99_ok = ours.p99_ms <= MAX_P99_MS;
    let rss_ok = idle_rss.is_some_and(|r| r <= MAX_IDLE_RSS_MB);
    println!(
        "  throughput ratio {ratio:.2}× nginx (target ≥ {MIN_RATIO}×): {}",
        verdict(ratio_ok)
    );
    println!(
        "  p99 {:.2} ms (target ≤ {MAX_P99_MS} ms): {}",
        ours.p99_ms,
        verdict(p99_ok)
    );
    println!(
        "  RSS idle {} MB, after load {} MB (target idle ≤ {MAX_IDLE_RSS_MB} MB): {}",
        idle_rss.map_or("?".into(), |r| format!("{r:.1}")),
        loaded_rss.map_or("?".into(), |r| format!("{r:.1}")),
        verdict(rss_ok)
    );
    let enforce = std::env::var("PUSTAKA_BENCH_ENFORCE").is_ok_and(|v| v == "1");
    if enforce && !(ratio_ok && p99_ok && rss_ok) {
        std::process::exit(1);
    }
}
