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

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The code every request resolves (a demo book).
const CODE: &str = "BK0001";
/// wrk threads: one per core on the 2-core reference machine.
const WRK_THREADS: &str = "2";
/// Throughput target relative to nginx.
const MIN_RATIO: f64 = 0.8;
/// p99 latency target, milliseconds.
const MAX_P99_MS: f64 = 10.0;
/// Idle resident memory target, megabytes.
const MAX_IDLE_RSS_MB: f64 = 50.0;

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn find_nginx() -> Option<&'static str> {
    ["nginx", "/usr/sbin/nginx"]
        .into_iter()
        .find(|n| have(n, "-v"))
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18080)
}

/// One HTTP/1.0 GET; returns the body.
fn http_get(port: u16, path: &str) -> Option<Vec<u8>> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let ok = buf.starts_with(b"HTTP/1.") && buf.get(9..12) == Some(b"200".as_slice());
    ok.then(|| buf[split + 4..].to_vec())
}

fn wait_ready(port: u16, path: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if http_get(port, path).is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

struct Load {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: String,
}

fn parse_ms(s: &str) -> Option<f64> {
    let (num, unit) = s
        .find(|c: char| c.is_ascii_alphabetic())
        .map(|i| s.split_at(i))?;
    let v: f64 = num.parse().ok()?;
    Some(match unit {
        "us" => v / 1000.0,
        "ms" => v,
        "s" => v * 1000.0,
        _ => return None,
    })
}

fn run_wrk(port: u16, secs: &str, conns: &str, script: Option<&Path>) -> Option<Load> {
    let url = format!("http://127.0.0.1:{port}/api/v1/markers/{CODE}");
    let mut wrk = Command::new("wrk");
    if let Some(s) = script {
        wrk.arg("-s").arg(s);
    }
    let out = wrk
        .args([
            "-t",
            WRK_THREADS,
            "-c",
            conns,
            "-d",
            &format!("{secs}s"),
            "--latency",
            &url,
        ])
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
    };
    let errors = text
        .lines()
        .filter(|l| l.contains("Socket errors") || l.contains("Non-2xx"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ");
    Some(Load {
        rps: field("Requests/sec:")?.parse().ok()?,
        p50_ms: parse_ms(&field("50%")?)?,
        p99_ms: parse_ms(&field("99%")?)?,
        errors,
    })
}

/// nginx workers run as an unprivileged user when started by root: let them
/// read the static copy (the temp dir is private by default).
fn world_readable(root: &Path, file: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644))?;
    let mut dir = file.parent();
    while let Some(d) = dir {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755))?;
        if d == root {
            break;
        }
        dir = d.parent();
    }
    Ok(())
}

fn start_nginx(nginx: &str, root: &Path, port: u16) -> Option<Killed> {
    let conf = root.join("nginx.conf");
    let www = root.join("www");
    std::fs::write(
        &conf,
        format!(
            "worker_processes auto;\ndaemon off;\npid {pid};\nerror_log {err} warn;\n\
             events {{ worker_connections 4096; }}\n\
             http {{\n  access_log off;\n  sendfile on;\n  tcp_nopush on;\n  keepalive_requests 100000;\n\
               client_body_temp_path {tmp};\n  proxy_temp_path {tmp};\n  fastcgi_temp_path {tmp};\n\
               uwsgi_temp_path {tmp};\n  scgi_temp_path {tmp};\n\
               server {{\n    listen 127.0.0.1:{port};\n    root {www};\n\
                 location / {{ default_type application/json; etag on; add_header Cache-Control \"public, max-age=60\"; }}\n  }}\n}}\n",
            pid = root.join("nginx.pid").display(),
            err = root.join("nginx.err").display(),
            tmp = root.display(),
            www = www.display(),
        ),
    )
    .ok()?;
    let child = Command::new(nginx)
        .args(["-p"])
        .arg(root)
        .arg("-c")
        .arg(&conf)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    Some(Killed(child))
}

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

    // Our server, seeded with the demo library.
    let mut server = match Command::new(server_bin)
        .args(["serve", "--demo", "--bind", "127.0.0.1:0", "--data-dir"])
        .arg(tmp.path().join("data"))
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            println!("marker_resolve: FAILED: cannot start {server_bin}: {e}");
            std::process::exit(1);
        }
    };
    let port = server.stderr.take().and_then(|err| {
        BufReader::new(err)
            .lines()
            .map_while(Result::ok)
            .find_map(|l| {
                l.strip_prefix("pustaka-server listening on http://127.0.0.1:")
                    .and_then(|p| p.trim().parse::<u16>().ok())
            })
    });
    let server = Killed(server);
    let Some(port) = port else {
        println!("marker_resolve: FAILED: the server did not report its port");
        std::process::exit(1);
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
    let _ = run_wrk(nginx_port, "2", &conns, script);
    let _ = run_wrk(port, "2", &conns, script);
    let (Some(base), Some(ours)) = (
        run_wrk(nginx_port, &secs, &conns, script),
        run_wrk(port, &secs, &conns, script),
    ) else {
        println!("marker_resolve: FAILED: could not parse wrk output");
        std::process::exit(1);
    };
    let loaded_rss = rss_mb(server.0.id());
    let ratio = ours.rps / base.rps;
    println!(
        "marker_resolve: GET {path} ({} bytes), {conns} connections, {secs} s, wrk -t{WRK_THREADS}{}",
        json.len(),
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
