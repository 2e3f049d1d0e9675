//! The connection loop of `serve`: accepts TCP connections and serves each one
//! with hyper under limits, so that slow or idle clients cannot hold the server.
//!
//! Connections speak HTTP/1.1 (see [`serve`] for why not cleartext HTTP/2).
//!
//! What it enforces (defaults in [`ConnectionLimits`], each a `serve` flag):
//! - **header read timeout**: the request line and headers must arrive within
//!   it, counted from when the server starts waiting for them; hyper starts the
//!   same timer while a keep-alive connection waits for its next request, so
//!   it is also the **idle keep-alive timeout**. A slowloris client (headers a
//!   byte at a time) or an idle socket is closed when it runs out;
//! - **body read timeout**: a request body that sends nothing for this long
//!   fails (the handler sees a body error and answers `400`; the connection is
//!   closed), applied by tower-http's `RequestBodyTimeoutLayer` in
//!   [`crate::startup::build_router`];
//! - **connection caps**: at most `max_connections` open at once, and at most
//!   `max_connections_per_address` from one client address (IPv6 counted per
//!   /64, the block one subscriber gets). A connection over a cap is answered
//!   at once with `503 Service Unavailable`, `Retry-After` and
//!   `Connection: close` (written without waiting on the client) and closed,
//!   so one client cannot use up the process's file descriptors.
//! - **HTTPS** (`serve --tls-cert --tls-key`): the same loop, with the TLS
//!   handshake done in the connection's own task under the header timeout, so
//!   a client that never finishes its handshake holds a slot no longer than
//!   one that never sends its headers.

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Default of [`ConnectionLimits::header_timeout_secs`]: Apache httpd's
/// `RequestReadTimeout header=20`.
pub const DEFAULT_HEADER_TIMEOUT_SECS: u64 = 20;
/// Default of [`ConnectionLimits::body_timeout_secs`]: nginx's
/// `client_body_timeout 60s`.
pub const DEFAULT_BODY_TIMEOUT_SECS: u64 = 60;
/// Default of [`ConnectionLimits::max_connections`]: nginx's compiled-in
/// `worker_connections 512`.
pub const DEFAULT_MAX_CONNECTIONS: u32 = 512;
/// Default of [`ConnectionLimits::max_connections_per_address`]: a quarter of
/// [`DEFAULT_MAX_CONNECTIONS`].
pub const DEFAULT_MAX_CONNECTIONS_PER_ADDRESS: u32 = 128;

/// Limits on connections and on how long a client may take; `serve` flags.
///
/// The defaults follow what widely deployed servers ship with: Apache httpd's
/// `RequestReadTimeout header=20` (seconds to send the headers), nginx's
/// `client_body_timeout 60s` (seconds between two reads of a body) and its
/// compiled-in `worker_connections 512`. Per address, a quarter of the total:
/// a library's Wi-Fi puts many visitors behind one address, and a browser
/// opens at most six connections to a host.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct ConnectionLimits {
    /// Seconds a client has to send a request's headers; also how long an
    /// idle keep-alive connection is kept open.
    #[arg(
        long = "header-timeout-secs",
        env = "PUSTAKA_HEADER_TIMEOUT_SECS",
        default_value_t = DEFAULT_HEADER_TIMEOUT_SECS,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub header_timeout_secs: u64,
    /// Seconds a request body may send nothing before the request fails.
    #[arg(
        long = "body-timeout-secs",
        env = "PUSTAKA_BODY_TIMEOUT_SECS",
        default_value_t = DEFAULT_BODY_TIMEOUT_SECS,
        value_parser = clap::value_parser!(u64).range(1..)
    )]
    pub body_timeout_secs: u64,
    /// Most connections open at once; more are answered `503` and closed.
    /// Keep it well below the open-file limit (`ulimit -n`, often 1024).
    #[arg(
        long = "max-connections",
        env = "PUSTAKA_MAX_CONNECTIONS",
        default_value_t = DEFAULT_MAX_CONNECTIONS,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub max_connections: u32,
    /// Most connections open at once from one client address (IPv6: one
    /// /64); `0` turns the cap off, which a server behind a reverse proxy
    /// needs (every connection then comes from the proxy).
    #[arg(
        long = "max-connections-per-address",
        env = "PUSTAKA_MAX_CONNECTIONS_PER_ADDRESS",
        default_value_t = DEFAULT_MAX_CONNECTIONS_PER_ADDRESS
    )]
    pub max_connections_per_address: u32,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_timeout_secs: DEFAULT_HEADER_TIMEOUT_SECS,
            body_timeout_secs: DEFAULT_BODY_TIMEOUT_SECS,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_address: DEFAULT_MAX_CONNECTIONS_PER_ADDRESS,
        }
    }
}

impl ConnectionLimits {
    /// The header read (and keep-alive idle) timeout.
    pub fn header_timeout(&self) -> Duration {
        Duration::from_secs(self.header_timeout_secs)
    }

    /// The body read timeout (between two pieces of a body).
    pub fn body_timeout(&self) -> Duration {
        Duration::from_secs(self.body_timeout_secs)
    }
}

/// How long open connections may finish their requests after a shutdown
/// signal before the server exits anyway.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);

/// The answer to a connection over a cap.
const BUSY_RESPONSE: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\n\
Retry-After: 5\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n\
Content-Length: 34\r\n\r\nServer busy; please retry shortly.";

/// The key under which a client address is counted (connection cap, login
/// throttling): IPv4 as is (IPv4-mapped IPv6 too), IPv6 by its /64, the block
/// one subscriber gets.
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

/// Open connections per address; an entry leaves when its count drops to 0.
#[derive(Default)]
struct PerAddress(Mutex<HashMap<IpAddr, u32>>);

/// One connection's place in [`PerAddress`], given back when dropped.
struct AddressSlot {
    table: Arc<PerAddress>,
    key: IpAddr,
}

impl PerAddress {
    fn take(self: &Arc<Self>, ip: IpAddr, cap: u32) -> Option<AddressSlot> {
        let key = address_key(ip);
        let mut map = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = map.entry(key).or_insert(0);
        if cap != 0 && *n >= cap {
            return None;
        }
        *n += 1;
        Some(AddressSlot {
            table: self.clone(),
            key,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut map = self
            .table
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.key);
            }
        }
    }
}

/// Refusals since the last warning, and when that was (Unix seconds): a
/// flood of refused connections writes one log line a second, not one each.
static REFUSALS: (AtomicU64, AtomicU64) = (AtomicU64::new(0), AtomicU64::new(0));

/// Refuses a connection over a cap: the `503` is written only if the socket
/// takes it at once (never waiting on the client), then the socket is closed.
/// Logged as a warning at most once a second, with the count since the last.
fn refuse(stream: TcpStream, peer: SocketAddr) {
    REFUSALS.0.fetch_add(1, Ordering::Relaxed);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let last = REFUSALS.1.load(Ordering::Relaxed);
    if now > last
        && REFUSALS
            .1
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        let count = REFUSALS.0.swap(0, Ordering::Relaxed);
        tracing::warn!(%peer, count, "connections refused: connection cap reached");
    }
    let _ = stream.try_write(BUSY_RESPONSE);
}

/// Serves `router` on `listener` under `limits` until `shutdown` completes,
/// then lets open connections finish for up to [`SHUTDOWN_GRACE`]. With
/// `tls`, each connection speaks HTTPS (see [`crate::tls::server_config`]).
/// Handlers can read the client's address with `ConnectInfo<SocketAddr>`.
///
/// # Errors
/// None today: accept errors (such as running out of file descriptors) are
/// logged and retried after a short pause, as axum's own loop does.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: &ConnectionLimits,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let tls = tls.map(tokio_rustls::TlsAcceptor::from);
    let handshake_timeout = limits.header_timeout();
    // HTTP/1.1 only: telling HTTP/2's preface apart would read the first
    // bytes with no timeout at all (an idle socket would stay open), and
    // nginx too serves HTTP/2 only when told to (`http2 on`), in practice
    // over TLS.
    let mut builder = auto::Builder::new(TokioExecutor::new()).http1_only();
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout());
    let slots = Arc::new(Semaphore::new(limits.max_connections as usize));
    let per_address = Arc::new(PerAddress::default());
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            refuse(stream, peer);
            continue;
        };
        let Some(slot) = per_address.take(peer.ip(), limits.max_connections_per_address) else {
            refuse(stream, peer);
            continue;
        };
        // TCP_NODELAY: answers are small and latency matters more than packet
        // count (nginx sets it for keep-alive connections too).
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo(peer));
            let router = router.clone();
            async move { router.oneshot(req).await }
        });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let tls = tls.clone();
        tokio::spawn(async move {
            let served = match tls {
                None => {
                    let conn = builder.serve_connection(TokioIo::new(stream), service);
                    watcher.watch(conn.into_owned()).await
                }
                Some(acceptor) => {
                    match tokio::time::timeout(handshake_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => {
                            let conn = builder.serve_connection(TokioIo::new(stream), service);
                            watcher.watch(conn.into_owned()).await
                        }
                        Ok(Err(e)) => {
                            tracing::debug!(error = %e, %peer, "TLS handshake failed");
                            Ok(())
                        }
                        Err(_) => {
                            tracing::debug!(%peer, "TLS handshake timed out");
                            Ok(())
                        }
                    }
                }
            };
            if let Err(e) = served {
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(slot);
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!("connections still open after the shutdown grace period");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::address_key;
    use std::net::IpAddr;

    #[test]
    fn ipv6_addresses_count_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), "192.0.2.7".parse::<IpAddr>().unwrap());
    }
}
