//! A loopback proxy in front of a server that counts what the browser
//! receives on the wire (status line, headers and body as sent, compressed
//! as served) per request, and can shape the link like a phone's network.
//!
//! Why a proxy and not the page's own network events: on a first visit the
//! app's service worker precaches the shell (the app's wasm among it) from
//! its own target, and the scan worker fetches its wasm from its own; the
//! page's CDP `Network` events then show the big files as zero bytes from
//! the cache, and `Network.emulateNetworkConditions` on the page does not
//! slow those fetches at all. Every connection of the browser goes through
//! this proxy, so both the counts and the shaping cover all of them.
//!
//! Plain HTTP/1.1 only (what Chromium speaks to `http://127.0.0.1`): each
//! response is attributed to the request sent before it on its connection
//! (Chromium does not pipeline).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// How the proxy shapes the link, modelled on Chrome `DevTools`' throttling:
/// each request waits `latency` before it is sent on, and each direction is
/// limited to its bytes per second, shared by every connection (one radio).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Link {
    /// Server → browser, bytes per second.
    pub down_bytes_per_s: f64,
    /// Browser → server, bytes per second.
    pub up_bytes_per_s: f64,
    /// Added before each request goes on.
    pub latency: Duration,
}

impl Link {
    /// Chrome `DevTools`' "Fast 4G" preset, as its source defines it
    /// (`Fast4GConditions` in devtools-frontend
    /// `front_end/core/sdk/NetworkManager.ts`): 9 Mbit/s down and 1.5 Mbit/s
    /// up, each × 0.9, and a 60 ms RTT × 2.75 = 165 ms request latency.
    pub const FAST_4G: Link = Link {
        down_bytes_per_s: 9.0 * 1000.0 * 1000.0 / 8.0 * 0.9,
        up_bytes_per_s: 1.5 * 1000.0 * 1000.0 / 8.0 * 0.9,
        latency: Duration::from_micros(60_000 * 11 / 4),
    };
}

/// One request and what came back for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exchange {
    /// The request's method.
    pub method: String,
    /// The request's target as sent (`/ar/app.1234.js`).
    pub path: String,
    /// The response's status, when its head arrived.
    pub status: Option<u16>,
    /// The response's `Content-Encoding` (`br`, `gzip`), if any.
    pub content_encoding: Option<String>,
    /// Bytes of the response on the wire: status line, headers and body.
    pub response_bytes: u64,
}

/// A running proxy ([`ProxyPort::forward`]); dropping it stops accepting
/// connections.
pub struct WireProxy {
    base: String,
    log: Arc<Mutex<Vec<Exchange>>>,
    task: tokio::task::JoinHandle<()>,
}

/// A rate limit shared by every connection of one direction: when the next
/// byte may go.
struct Pace {
    bytes_per_s: f64,
    next_free: Mutex<Option<Instant>>,
}

impl Pace {
    /// Waits until `n` more bytes fit in the limit.
    async fn take(&self, n: usize) {
        let wait_until = {
            let mut next = self.next_free.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let start = next.map_or(now, |t| t.max(now));
            let end = start + Duration::from_secs_f64(n as f64 / self.bytes_per_s);
            *next = Some(end);
            end
        };
        tokio::time::sleep_until(wait_until).await;
    }
}

/// A proxy's loopback port, bound but not yet forwarding: its URL can be
/// given to the server (its public URL, so that the media URLs the API
/// answers with go through the proxy too) before the server starts.
pub struct ProxyPort {
    listener: std::net::TcpListener,
    base: String,
}

impl ProxyPort {
    /// Binds a free loopback port.
    ///
    /// # Errors
    /// The port cannot be bound.
    pub fn bind() -> std::io::Result<Self> {
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let base = format!("http://{}", listener.local_addr()?);
        Ok(Self { listener, base })
    }

    /// `http://127.0.0.1:PORT` of the proxy, no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Starts forwarding every connection to `upstream` (`host:port`),
    /// shaping the link when `link` is given. Call it inside a tokio runtime.
    ///
    /// # Errors
    /// The port cannot be handed to tokio.
    pub fn forward(self, upstream: &str, link: Option<Link>) -> std::io::Result<WireProxy> {
        let listener = TcpListener::from_std(self.listener)?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let upstream = upstream.to_string();
        let paces = link.map(|l| {
            (
                Arc::new(Pace {
                    bytes_per_s: l.down_bytes_per_s,
                    next_free: Mutex::new(None),
                }),
                Arc::new(Pace {
                    bytes_per_s: l.up_bytes_per_s,
                    next_free: Mutex::new(None),
                }),
                l.latency,
            )
        });
        let shared = log.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let log = shared.clone();
                let paces = paces.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(&upstream).await {
                        relay(client, server, log, paces).await;
                    }
                });
            }
        });
        Ok(WireProxy {
            base: self.base,
            log,
            task,
        })
    }
}

impl WireProxy {
    /// `http://127.0.0.1:PORT` of the proxy, no trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base
    }

    /// Every request so far, in the order they were sent.
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Bytes received by the browser so far, over every request.
    pub fn received_bytes(&self) -> u64 {
        self.exchanges().iter().map(|e| e.response_bytes).sum()
    }
}

impl Drop for WireProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Paces = Option<(Arc<Pace>, Arc<Pace>, Duration)>;

/// Copies both ways until either side closes, logging each request and the
/// bytes of its response.
async fn relay(client: TcpStream, server: TcpStream, log: Arc<Mutex<Vec<Exchange>>>, paces: Paces) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    // The log index of the request whose response is coming back now.
    let current: Arc<Mutex<Option<usize>>> = Arc::new(Mutex::new(None));
    let up_current = current.clone();
    let up_log = log.clone();
    let up_paces = paces.clone();
    let up = async move {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = match client_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if let Some((method, path)) = request_line(&buf[..n]) {
                if let Some((_, _, latency)) = &up_paces {
                    tokio::time::sleep(*latency).await;
                }
                let index = {
                    let mut log = up_log.lock().unwrap_or_else(|e| e.into_inner());
                    log.push(Exchange {
                        method,
                        path,
                        status: None,
                        content_encoding: None,
                        response_bytes: 0,
                    });
                    log.len() - 1
                };
                *up_current.lock().unwrap_or_else(|e| e.into_inner()) = Some(index);
            }
            if let Some((_, pace, _)) = &up_paces {
                pace.take(n).await;
            }
            if server_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let down = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if let Some((pace, _, _)) = &paces {
                pace.take(n).await;
            }
            let index = *current.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(i) = index {
                let mut log = log.lock().unwrap_or_else(|e| e.into_inner());
                if let Some(e) = log.get_mut(i) {
                    if e.response_bytes == 0 {
                        let (status, encoding) = response_head(&buf[..n]);
                        e.status = status;
                        e.content_encoding = encoding;
                    }
                    e.response_bytes += n as u64;
                }
            }
            if client_write.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = client_write.shutdown().await;
    };
    tokio::join!(up, down);
}

/// `(method, target)` when `chunk` starts with an HTTP/1.1 request line.
fn request_line(chunk: &[u8]) -> Option<(String, String)> {
    let end = chunk.windows(2).position(|w| w == b"\r\n")?;
    let line = std::str::from_utf8(&chunk[..end]).ok()?;
    let mut parts = line.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    let is_method = !method.is_empty() && method.bytes().all(|b| b.is_ascii_uppercase());
    (is_method && version.starts_with("HTTP/1.") && parts.next().is_none())
        .then(|| (method.to_string(), target.to_string()))
}

/// The status and `Content-Encoding` of a response head at the start of `chunk`.
fn response_head(chunk: &[u8]) -> (Option<u16>, Option<String>) {
    let head_end = chunk
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(chunk.len());
    let head = String::from_utf8_lossy(&chunk[..head_end]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok());
    let encoding = lines.find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.trim()
            .eq_ignore_ascii_case("content-encoding")
            .then(|| value.trim().to_string())
    });
    (status, encoding)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_lines_are_read_and_bodies_are_not() {
        assert_eq!(
            request_line(b"GET /ar/app.js HTTP/1.1\r\nHost: x\r\n\r\n"),
            Some(("GET".into(), "/ar/app.js".into()))
        );
        assert_eq!(request_line(b"{\"code\":\"BK0001\"}"), None);
        assert_eq!(request_line(b"GET /a HTTP/1.1"), None, "no line end yet");
        assert_eq!(request_line(b"get /a HTTP/1.1\r\n"), None);
    }

    #[test]
    fn response_heads_give_status_and_encoding() {
        assert_eq!(
            response_head(
                b"HTTP/1.1 200 OK\r\ncontent-type: x\r\nContent-Encoding: br\r\n\r\nbody"
            ),
            (Some(200), Some("br".into()))
        );
        assert_eq!(
            response_head(b"HTTP/1.1 304 Not Modified\r\n\r\n"),
            (Some(304), None)
        );
    }

    #[test]
    fn fast_4g_is_devtools_preset() {
        assert_eq!(Link::FAST_4G.down_bytes_per_s, 1_012_500.0);
        assert_eq!(Link::FAST_4G.up_bytes_per_s, 168_750.0);
        assert_eq!(Link::FAST_4G.latency, Duration::from_millis(165));
    }

    #[tokio::test]
    async fn counts_what_the_server_sends_per_request() {
        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let (mut s, _) = server.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            for body in ["hello", "world!!"] {
                let _ = s.read(&mut buf).await.unwrap();
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                s.write_all(answer.as_bytes()).await.unwrap();
            }
        });
        let proxy = ProxyPort::bind().unwrap().forward(&addr, None).unwrap();
        let mut c = TcpStream::connect(proxy.base_url().trim_start_matches("http://"))
            .await
            .unwrap();
        let mut sizes = Vec::new();
        for path in ["/a", "/b"] {
            c.write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
                .await
                .unwrap();
            let mut buf = [0u8; 1024];
            sizes.push(c.read(&mut buf).await.unwrap() as u64);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
        let log = proxy.exchanges();
        assert_eq!(log.len(), 2);
        assert_eq!(log[0].path, "/a");
        assert_eq!(log[1].path, "/b");
        assert_eq!(log[0].status, Some(200));
        assert_eq!(log[0].content_encoding.as_deref(), Some("gzip"));
        assert_eq!(
            [log[0].response_bytes, log[1].response_bytes],
            [sizes[0], sizes[1]]
        );
        assert_eq!(proxy.received_bytes(), sizes.iter().sum::<u64>());
    }

    #[tokio::test]
    async fn a_shaped_link_takes_its_time() {
        let server = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = server.local_addr().unwrap().to_string();
        tokio::spawn(async move {
            let (mut s, _) = server.accept().await.unwrap();
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await.unwrap();
            s.write_all(&[b'x'; 20_000]).await.unwrap();
        });
        let link = Link {
            down_bytes_per_s: 100_000.0,
            up_bytes_per_s: 100_000.0,
            latency: Duration::from_millis(100),
        };
        let proxy = ProxyPort::bind()
            .unwrap()
            .forward(&addr, Some(link))
            .unwrap();
        let start = std::time::Instant::now();
        let mut c = TcpStream::connect(proxy.base_url().trim_start_matches("http://"))
            .await
            .unwrap();
        c.write_all(b"GET / HTTP/1.1\r\n\r\n").await.unwrap();
        let mut got = 0;
        let mut buf = [0u8; 4096];
        while got < 20_000 {
            got += c.read(&mut buf).await.unwrap();
        }
        // 100 ms latency + 20 kB at 100 kB/s = 300 ms at least.
        assert!(
            start.elapsed() >= Duration::from_millis(290),
            "{:?}",
            start.elapsed()
        );
    }
}
