//! Configuration of `pustaka-server serve`.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Settings for one running server. Tests build this directly (port 0, a temp dir).
#[derive(Debug, Clone, clap::Args)]
pub struct ServeConfig {
    /// Folder holding the SQLite database (`pustaka.db`) and the media store; created if missing.
    #[arg(long, env = "PUSTAKA_DATA_DIR_SERVER", default_value = "pustaka-data")]
    pub data_dir: PathBuf,
    /// Address to listen on, e.g. `127.0.0.1:8080`; port 0 picks a free port.
    #[arg(long, env = "PUSTAKA_BIND", default_value = "127.0.0.1:8080")]
    pub bind: SocketAddr,
    /// The public base URL printed in QR codes, e.g. `https://perpustakaan.example.id`.
    /// Defaults to `http://{bind}`.
    #[arg(long, env = "PUSTAKA_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Seed the demo library once (no effect when content already exists).
    #[arg(long)]
    pub demo: bool,
}

impl ServeConfig {
    /// A configuration for tests: loopback, port 0, the given data dir.
    pub fn for_tests(data_dir: PathBuf, demo: bool) -> Self {
        Self {
            data_dir,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            demo,
        }
    }
}
