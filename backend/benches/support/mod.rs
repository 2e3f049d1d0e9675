//! Helpers the wrk-based benchmarks share: child processes, a tiny HTTP
//! client, wrk runs, and an nginx baseline serving static files.

#![allow(dead_code, reason = "each bench uses its own subset")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The core the load generator runs on (the machine's last), when there are
/// two or more and `taskset` exists: the servers under test share the other
/// cores, so wrk never competes with them for a core.
pub fn load_cpu() -> Option<String> {
    let n = std::thread::available_parallelism().map_or(1, usize::from);
    (n >= 2 && have("taskset", "--version")).then(|| (n - 1).to_string())
}

/// The cores the servers under test (ours and nginx) may use: every core but
/// [`load_cpu`]'s; `None` when nothing is pinned.
pub fn server_cpus() -> Option<String> {
    let n = std::thread::available_parallelism().map_or(1, usize::from);
    load_cpu().map(|_| {
        if n == 2 {
            "0".into()
        } else {
            format!("0-{}", n - 2)
        }
    })
}

/// wrk threads: one on its pinned core, else one per core of the 2-core
/// reference machine.
pub fn wrk_threads() -> &'static str {
    if load_cpu().is_some() { "1" } else { "2" }
}

/// A command for a server under test, pinned to [`server_cpus`] when there
/// is a core to spare for the load generator.
pub fn server_command(bin: &str) -> Command {
    match server_cpus() {
        Some(cpus) => {
            let mut c = Command::new("taskset");
            c.args(["-c", &cpus, bin]);
            c
        }
        None => Command::new(bin),
    }
}

/// A child process killed when dropped.
pub struct Killed(pub Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn have(tool: &str, arg: &str) -> bool {
    Command::new(tool)
        .arg(arg)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

pub fn find_nginx() -> Option<&'static str> {
    ["nginx", "/usr/sbin/nginx"]
        .into_iter()
        .find(|n| have(n, "-v"))
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(18080)
}

/// One HTTP/1.0 GET; returns the body.
pub fn http_get(port: u16, path: &str) -> Option<Vec<u8>> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(s, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).ok()?;
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let ok = buf.starts_with(b"HTTP/1.") && buf.get(9..12) == Some(b"200".as_slice());
    ok.then(|| buf[split + 4..].to_vec())
}

pub fn wait_ready(port: u16, path: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if http_get(port, path).is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

pub fn rss_mb(pid: u32) -> Option<f64> {
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

/// What wrk measured.
pub struct Load {
    /// Requests per second.
    pub rps: f64,
    /// Median latency, ms.
    pub p50_ms: f64,
    /// 99th percentile latency, ms.
    pub p99_ms: f64,
    /// wrk's error lines, if any.
    pub errors: String,
}

pub fn parse_ms(s: &str) -> Option<f64> {
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

/// Runs wrk against `url` with [`wrk_threads`] threads on [`load_cpu`];
/// `None` when its output cannot be read.
pub fn run_wrk(url: &str, secs: &str, conns: &str, script: Option<&Path>) -> Option<Load> {
    run_wrk_with(url, secs, conns, script, None)
}

/// [`run_wrk`] with one extra request header (`"Range: bytes=0-65535"`).
pub fn run_wrk_with(
    url: &str,
    secs: &str,
    conns: &str,
    script: Option<&Path>,
    header: Option<&str>,
) -> Option<Load> {
    let mut wrk = match load_cpu() {
        Some(cpu) => {
            let mut c = Command::new("taskset");
            c.args(["-c", &cpu, "wrk"]);
            c
        }
        None => Command::new("wrk"),
    };
    if let Some(s) = script {
        wrk.arg("-s").arg(s);
    }
    if let Some(h) = header {
        wrk.args(["-H", h]);
    }
    let out = wrk
        .args([
            "-t",
            wrk_threads(),
            "-c",
            conns,
            "-d",
            &format!("{secs}s"),
            "--latency",
            url,
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
pub fn world_readable(root: &Path, file: &Path) -> std::io::Result<()> {
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

pub fn start_nginx(nginx: &str, root: &Path, port: u16) -> Option<Killed> {
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
    let child = server_command(nginx)
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

/// Starts `pustaka-server serve --demo` on a free port with `extra` flags and
/// a data dir under `root`; returns the process and its port, or why not.
pub fn start_server(
    server_bin: &str,
    root: &Path,
    extra: &[&str],
) -> Result<(Killed, u16), String> {
    let mut server = server_command(server_bin)
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .args(extra)
        .arg("--data-dir")
        .arg(root.join("data"))
        .env("RUST_LOG", "warn")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {server_bin}: {e}"))?;
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
    let port = port.ok_or("the server did not report its port")?;
    Ok((server, port))
}
