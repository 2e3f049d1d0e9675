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
    #[arg(long, env = "PUSTAKA_PUBLIC_URL", value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// Where media blobs are stored: default the `media` folder of the data dir;
    /// or a URL: `file:///abs/path`, or `s3://bucket/prefix` in a build with the
    /// `s3` feature (credentials, region and endpoint from `AWS_*` variables).
    /// Ingest scratch space stays in the data dir.
    #[arg(long, env = "PUSTAKA_MEDIA_STORE")]
    pub media_store: Option<String>,
    /// Seed the demo library once (no effect when content already exists).
    #[arg(long)]
    pub demo: bool,
    /// Seed the demo without its trailer video (which ffmpeg makes at seed
    /// time, a few seconds of CPU). The field is true unless the flag is given.
    #[arg(long = "no-demo-trailer", action = clap::ArgAction::SetFalse)]
    pub demo_trailer: bool,
}

impl ServeConfig {
    /// A configuration for tests: loopback, port 0, the given data dir, and no
    /// demo trailer (each would cost two ffmpeg encodes; the trailer's own
    /// tests set `demo_trailer`).
    pub fn for_tests(data_dir: PathBuf, demo: bool) -> Self {
        Self {
            data_dir,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            public_url: None,
            media_store: None,
            demo,
            demo_trailer: false,
        }
    }
}

/// Checks a `--public-url`: it is printed into every QR code, so it must be an
/// absolute `http://` or `https://` URL with a host. Returns it without a trailing slash.
///
/// # Errors
/// A message saying what is wrong, shown by clap.
pub fn parse_public_url(s: &str) -> Result<String, String> {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or_else(|| format!("{s:?} must start with https:// (or http:// for testing)"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || s.chars().any(char::is_whitespace) {
        return Err(format!(
            "{s:?} has no host name, e.g. https://perpustakaan.example.id"
        ));
    }
    Ok(s.trim_end_matches('/').to_string())
}

#[cfg(test)]
mod tests {
    use super::parse_public_url;

    #[test]
    fn public_url_must_be_absolute_http() {
        assert_eq!(
            parse_public_url("https://lib.example.id/").as_deref(),
            Ok("https://lib.example.id")
        );
        assert!(parse_public_url("notaurl").is_err());
        assert!(parse_public_url("https://").is_err());
        assert!(parse_public_url("ftp://x").is_err());
        assert!(parse_public_url("https://a b").is_err());
    }
}
