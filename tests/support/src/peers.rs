//! Stand-ins for a bad network on loopback: a server that accepts and never
//! answers (a stalled Wi-Fi link), and one that gives every request the same
//! raw HTTP answer (a captive portal, a proxy's error page). Plain threads
//! and std sockets, so tests of the app's network code need no server crate.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A server that accepts every connection and never sends a byte.
pub struct StalledServer {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    accepted: Arc<AtomicUsize>,
}

impl StalledServer {
    /// Starts one on `127.0.0.1:0`; it holds every connection open until
    /// the test process ends.
    ///
    /// # Panics
    /// When no loopback port can be bound.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let base_url = format!("http://{}", listener.local_addr().expect("its address"));
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming().flatten() {
                count.fetch_add(1, Ordering::SeqCst);
                held.push(conn);
            }
        });
        Self { base_url, accepted }
    }

    /// How many connections it has accepted so far.
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

/// Starts a loopback server that reads each request and answers it with
/// `answer`, raw bytes as written (status line, headers, body); returns its
/// address.
///
/// # Panics
/// When no loopback port can be bound.
pub fn canned_server(answer: &'static str) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let addr = listener.local_addr().expect("its address");
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(answer.as_bytes());
        }
    });
    addr
}
