//! Benchmark: the public API's throughput while strangers flood the login
//! form, against its throughput without the flood, in the same run.
//!
//! The flood is the worst case for the server: 16 clients each send login
//! attempts back to back, every one from a new loopback source address
//! (`127.1.x.y`) and for a new user name, so neither the per-address nor the
//! per-name throttle stops them and every attempt costs an argon2id check.
//! Meanwhile wrk loads `GET /api/v1/markers/BK0001`.
//!
//! Target (issue 20): the API keeps ≥ 50 % of its throughput without the
//! flood (password hashing runs on a bounded pool, not on the async workers).
//!
//! Run with `cargo bench -p pustaka-backend --bench login_flood`. Needs the
//! Debian package `wrk`; without it it prints why and exits successfully.
//! `PUSTAKA_BENCH_SECS` (default 10), `PUSTAKA_BENCH_CONNS` (default 64) and
//! `PUSTAKA_BENCH_ENFORCE=1` work as in `marker_resolve`.

mod support;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use support::{have, run_wrk, start_server, wait_ready, wrk_threads};

/// Concurrent flooding clients (the attack measured when the issue was filed).
const FLOODERS: u32 = 16;
/// Throughput target during the flood, relative to without.
const MIN_RATIO: f64 = 0.5;

/// One login attempt from a fresh source address; whether an answer came.
async fn attempt(port: u16, n: u64) -> bool {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let source = Ipv4Addr::new(127, 1, ((n >> 8) & 0xff) as u8, (n & 0xff) as u8);
    let token = "ab".repeat(32);
    let body = format!("_csrf={token}&username=flood{n}&password=tebak-tebakan-{n}");
    let req = format!(
        "POST /admin/login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Cookie: pustaka_login={token}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let exchange = async {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(SocketAddr::from((source, 0)))?;
        let mut s = socket
            .connect(SocketAddr::from(([127, 0, 0, 1], port)))
            .await?;
        s.write_all(req.as_bytes()).await?;
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).await?;
        Ok::<_, std::io::Error>(!buf.is_empty())
    };
    matches!(
        tokio::time::timeout(Duration::from_secs(30), exchange).await,
        Ok(Ok(true))
    )
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        println!(
            "login_flood: not run in test mode (cargo bench -p pustaka-backend --bench login_flood)"
        );
        return;
    }
    if !have("wrk", "--version") {
        println!("login_flood: SKIPPED: wrk is not installed (Debian package `wrk`)");
        return;
    }
    let secs = std::env::var("PUSTAKA_BENCH_SECS").unwrap_or_else(|_| "10".into());
    let conns = std::env::var("PUSTAKA_BENCH_CONNS").unwrap_or_else(|_| "64".into());
    let Ok(tmp) = tempfile::tempdir() else {
        println!("login_flood: FAILED: no temp dir");
        std::process::exit(1);
    };
    let server_bin = env!("CARGO_BIN_EXE_pustaka-server");
    let (_server, port) = match start_server(
        server_bin,
        tmp.path(),
        &["--max-connections-per-address", "0"],
    ) {
        Ok(s) => s,
        Err(e) => {
            println!("login_flood: FAILED: {e}");
            std::process::exit(1);
        }
    };
    let path = "/api/v1/markers/BK0001";
    if !wait_ready(port, path) {
        println!("login_flood: FAILED: the server did not answer {path}");
        std::process::exit(1);
    }
    let url = format!("http://127.0.0.1:{port}{path}");
    let _ = run_wrk(&url, "2", &conns, None);
    let Some(quiet) = run_wrk(&url, &secs, &conns, None) else {
        println!("login_flood: FAILED: could not parse wrk output");
        std::process::exit(1);
    };

    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicU64::new(0));
    let answered = Arc::new(AtomicU64::new(0));
    let flooders: Vec<_> = (0..FLOODERS)
        .map(|_| {
            let (stop, next, answered) = (stop.clone(), next.clone(), answered.clone());
            std::thread::spawn(move || {
                let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                else {
                    return;
                };
                rt.block_on(async {
                    while !stop.load(Ordering::Relaxed) {
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        if attempt(port, n).await {
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                });
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    let flood_start = Instant::now();
    let answered_before = answered.load(Ordering::Relaxed);
    let flooded = run_wrk(&url, &secs, &conns, None);
    let attempts_per_s = (answered.load(Ordering::Relaxed) - answered_before) as f64
        / flood_start.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for f in flooders {
        let _ = f.join();
    }
    let Some(flooded) = flooded else {
        println!("login_flood: FAILED: could not parse wrk output");
        std::process::exit(1);
    };
    let ratio = flooded.rps / quiet.rps;
    println!(
        "login_flood: GET {path}, {conns} connections, {secs} s, wrk -t{}; \
         flood: {FLOODERS} clients, a new address and name per attempt",
        wrk_threads()
    );
    println!(
        "  {:<24} {:>12} {:>10} {:>10}",
        "", "req/s", "p50 ms", "p99 ms"
    );
    for (name, l) in [("API alone", &quiet), ("API during the flood", &flooded)] {
        println!(
            "  {:<24} {:>12.0} {:>10.2} {:>10.2} {}",
            name, l.rps, l.p50_ms, l.p99_ms, l.errors
        );
    }
    println!("  login attempts answered during the flood: {attempts_per_s:.1}/s");
    let ok = ratio >= MIN_RATIO;
    println!(
        "  throughput during the flood {ratio:.2}× without (target ≥ {MIN_RATIO}×): {}",
        if ok { "ok" } else { "MISSED" }
    );
    if std::env::var("PUSTAKA_BENCH_ENFORCE").is_ok_and(|v| v == "1") && !ok {
        std::process::exit(1);
    }
}
