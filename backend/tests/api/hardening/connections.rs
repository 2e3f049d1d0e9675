//! Slow and idle connections end; connection caps refuse politely while
//! other visitors keep being served.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

use crate::helpers::{TestApp, spawn_app_with};

/// Longest any connection test waits for the server to act (a hang guard,
/// well above the 1–3 s timeouts the tests configure).
const HANG_GUARD: Duration = Duration::from_secs(8);

/// A server with short timeouts (`header_secs` for headers and idle
/// connections, 1 s for bodies) and small connection caps.
async fn strict_app(header_secs: u64, max_connections: u32, per_address: u32) -> TestApp {
    spawn_app_with(false, |c| {
        c.limits.header_timeout_secs = header_secs;
        c.limits.body_timeout_secs = 1;
        c.limits.max_connections = max_connections;
        c.limits.max_connections_per_address = per_address;
    })
    .await
}

fn addr(app: &TestApp) -> SocketAddr {
    app.base.trim_start_matches("http://").parse().unwrap()
}

/// A TCP connection to the app from a given loopback source address.
async fn connect_from(app: &TestApp, from: [u8; 4]) -> TcpStream {
    let s = TcpSocket::new_v4().unwrap();
    s.bind(SocketAddr::from((from, 0))).unwrap();
    s.connect(addr(app)).await.unwrap()
}

/// Reads until the server closes the connection; `None` when it is still
/// open after [`HANG_GUARD`].
async fn read_until_closed(s: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    match tokio::time::timeout(HANG_GUARD, s.read_to_end(&mut buf)).await {
        Ok(_) => Some(String::from_utf8_lossy(&buf).into_owned()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn slowloris_headers_and_idle_sockets_are_closed_after_the_timeout() {
    let app = strict_app(1, 64, 16).await;
    // Headers a line at a time, one every 200 ms, never finished.
    let mut slow = TcpStream::connect(addr(&app)).await.unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let trickle = async {
        let mut buf = [0u8; 512];
        loop {
            tokio::select! {
                r = slow.read(&mut buf) => match r {
                    Ok(0) | Err(_) => return true,
                    Ok(_) => {}
                },
                () = tokio::time::sleep(Duration::from_millis(200)) => {
                    if slow.write_all(b"X-Slow: a\r\n").await.is_err() {
                        return true;
                    }
                }
            }
        }
    };
    assert!(
        tokio::time::timeout(HANG_GUARD, trickle).await.is_ok(),
        "a slowloris connection is still open after {HANG_GUARD:?}"
    );
    // A socket that never sends anything.
    let mut idle = TcpStream::connect(addr(&app)).await.unwrap();
    assert!(
        read_until_closed(&mut idle).await.is_some(),
        "idle socket kept"
    );
    // A keep-alive connection idle after its first answer.
    let mut kept = TcpStream::connect(addr(&app)).await.unwrap();
    kept.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let answer = read_until_closed(&mut kept)
        .await
        .expect("an idle keep-alive connection is closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn a_stalled_request_body_fails_after_the_body_timeout() {
    let app = strict_app(1, 64, 16).await;
    let mut s = TcpStream::connect(addr(&app)).await.unwrap();
    s.write_all(
        b"POST /api/v1/scans HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
          Content-Length: 1000\r\n\r\n{\"scans\": [",
    )
    .await
    .unwrap();
    let answer = read_until_closed(&mut s)
        .await
        .expect("a stalled body ends the request");
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
}

#[tokio::test]
async fn connection_caps_refuse_politely_and_normal_visitors_keep_being_served() {
    // Idle sockets live 3 s here: long enough to fill the caps on a busy
    // test machine before the first of them times out.
    let app = strict_app(3, 40, 8).await;
    let normal = reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, 1]))
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let health = format!("{}/healthz", app.base);
    // One address opens as many idle sockets as it may ...
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(connect_from(&app, [127, 0, 0, 2]).await);
    }
    // ... and the next one is answered 503 and closed at once.
    let mut over = connect_from(&app, [127, 0, 0, 2]).await;
    let answer = read_until_closed(&mut over).await.expect("refused at once");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("Retry-After"), "{answer}");
    // Other visitors are served meanwhile.
    for _ in 0..5 {
        let r = normal.get(&health).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    // Filling the server's total cap from many addresses: new connections
    // are refused, and served again once the idle ones time out.
    for last in 3..=6 {
        for _ in 0..8 {
            held.push(connect_from(&app, [127, 0, 0, last]).await);
        }
    }
    let mut over = connect_from(&app, [127, 0, 0, 9]).await;
    let answer = read_until_closed(&mut over).await.expect("refused at once");
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    tokio::time::sleep(Duration::from_millis(3500)).await;
    for _ in 0..5 {
        let r = normal.get(&health).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    drop(held);
}
