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
    /// Upload caps of the back office (defaults; an administrator can change
    /// them on the settings page, which then wins).
    #[command(flatten)]
    pub upload_caps: UploadCapsConfig,
    /// Connection timeouts and caps (see [`crate::server`]).
    #[command(flatten)]
    pub limits: crate::server::ConnectionLimits,
    /// How long staff sessions last.
    #[command(flatten)]
    pub staff_sessions: StaffSessionConfig,
    /// The built AR web app (the folder `cargo xtask web` writes), served at
    /// `/ar/`. Without it, `/ar/` answers a page saying the web app is not
    /// installed here, with links to the web pages.
    #[arg(long, env = "PUSTAKA_WEB_APP")]
    pub web_app: Option<PathBuf>,
    /// HTTPS with the library's own certificate (phones open the camera only
    /// on https pages).
    #[command(flatten)]
    pub tls: TlsConfig,
}

/// Lifetimes of a staff session, as OWASP ASVS 4.0 (V3.3.2, level 2) asks,
/// with NIST SP 800-63B's numbers for AAL2: log in again after at most 12
/// hours, and after 30 minutes without a request.
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct StaffSessionConfig {
    /// Seconds without a request after which a staff session ends.
    #[arg(
        long = "staff-session-idle-secs",
        env = "PUSTAKA_STAFF_SESSION_IDLE_SECS",
        default_value_t = 30 * 60,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub idle_secs: u32,
    /// Seconds after login after which a staff session ends however active.
    #[arg(
        long = "staff-session-max-secs",
        env = "PUSTAKA_STAFF_SESSION_MAX_SECS",
        default_value_t = 12 * 60 * 60,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub max_secs: u32,
}

impl Default for StaffSessionConfig {
    fn default() -> Self {
        Self {
            idle_secs: 30 * 60,
            max_secs: 12 * 60 * 60,
        }
    }
}

/// `serve --tls-cert FILE --tls-key FILE`: serve HTTPS instead of plain HTTP.
/// Both or neither. Behind a reverse proxy that ends TLS (docs/deploy.md),
/// leave both out.
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct TlsConfig {
    /// The certificate chain, PEM (the server's certificate first, then its
    /// intermediates), e.g. Let's Encrypt's `fullchain.pem`.
    #[arg(long, env = "PUSTAKA_TLS_CERT", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// The certificate's private key, PEM (PKCS#8, PKCS#1 or SEC1), e.g.
    /// Let's Encrypt's `privkey.pem`.
    #[arg(long, env = "PUSTAKA_TLS_KEY", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
}

impl TlsConfig {
    /// The certificate and key files, when HTTPS is asked for.
    pub fn files(&self) -> Option<(&std::path::Path, &std::path::Path)> {
        Some((self.tls_cert.as_deref()?, self.tls_key.as_deref()?))
    }
}

/// Default of [`UploadCapsConfig::image_mb`].
pub const DEFAULT_IMAGE_CAP_MB: u64 = 20;
/// Default of [`UploadCapsConfig::video_mb`].
pub const DEFAULT_VIDEO_CAP_MB: u64 = 500;
/// Default of [`UploadCapsConfig::audio_mb`].
pub const DEFAULT_AUDIO_CAP_MB: u64 = 50;
/// Default of [`UploadCapsConfig::catalog_mb`].
pub const DEFAULT_CATALOG_CAP_MB: u64 = 50;

/// Default upload caps, in megabytes (1 MB = 1 000 000 bytes, as file
/// managers show sizes).
#[derive(Debug, Clone, PartialEq, Eq, clap::Args)]
pub struct UploadCapsConfig {
    /// Largest image upload (cover, poster, badge), MB.
    #[arg(
        long = "upload-cap-image-mb",
        env = "PUSTAKA_UPLOAD_CAP_IMAGE_MB",
        default_value_t = DEFAULT_IMAGE_CAP_MB
    )]
    pub image_mb: u64,
    /// Largest video upload (trailer, promo), MB.
    #[arg(
        long = "upload-cap-video-mb",
        env = "PUSTAKA_UPLOAD_CAP_VIDEO_MB",
        default_value_t = DEFAULT_VIDEO_CAP_MB
    )]
    pub video_mb: u64,
    /// Largest audio upload (narration), MB.
    #[arg(
        long = "upload-cap-audio-mb",
        env = "PUSTAKA_UPLOAD_CAP_AUDIO_MB",
        default_value_t = DEFAULT_AUDIO_CAP_MB
    )]
    pub audio_mb: u64,
    /// Largest catalogue file (MARC21, MARCXML, CSV) for the back-office import, MB.
    #[arg(
        long = "upload-cap-catalog-mb",
        env = "PUSTAKA_UPLOAD_CAP_CATALOG_MB",
        default_value_t = DEFAULT_CATALOG_CAP_MB
    )]
    pub catalog_mb: u64,
}

impl Default for UploadCapsConfig {
    fn default() -> Self {
        Self {
            image_mb: DEFAULT_IMAGE_CAP_MB,
            video_mb: DEFAULT_VIDEO_CAP_MB,
            audio_mb: DEFAULT_AUDIO_CAP_MB,
            catalog_mb: DEFAULT_CATALOG_CAP_MB,
        }
    }
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
            upload_caps: UploadCapsConfig::default(),
            limits: crate::server::ConnectionLimits::default(),
            staff_sessions: StaffSessionConfig::default(),
            web_app: None,
            tls: TlsConfig::default(),
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
    use clap::{CommandFactory, Parser};

    use super::{ServeConfig, TlsConfig, UploadCapsConfig, parse_public_url};
    use crate::server::ConnectionLimits;

    #[derive(Debug, Parser)]
    struct Cli {
        #[command(flatten)]
        serve: ServeConfig,
    }

    #[test]
    fn upload_caps_default_as_documented_and_take_flags() {
        Cli::command().debug_assert();
        let cli = Cli::try_parse_from(["serve"]).unwrap();
        assert_eq!(cli.serve.upload_caps, UploadCapsConfig::default());
        assert_eq!(
            (
                cli.serve.upload_caps.image_mb,
                cli.serve.upload_caps.video_mb
            ),
            (20, 500)
        );
        let cli = Cli::try_parse_from(["serve", "--upload-cap-video-mb", "700"]).unwrap();
        assert_eq!(cli.serve.upload_caps.video_mb, 700);
    }

    #[test]
    fn connection_limits_default_as_documented_and_take_flags() {
        let cli = Cli::try_parse_from(["serve"]).unwrap();
        assert_eq!(cli.serve.limits, ConnectionLimits::default());
        assert_eq!(
            cli.serve.staff_sessions,
            super::StaffSessionConfig::default()
        );
        assert_eq!(cli.serve.staff_sessions.idle_secs, 1800);
        let cli = Cli::try_parse_from([
            "serve",
            "--header-timeout-secs",
            "5",
            "--max-connections-per-address",
            "0",
        ])
        .unwrap();
        assert_eq!(cli.serve.limits.header_timeout_secs, 5);
        assert_eq!(cli.serve.limits.max_connections_per_address, 0);
        assert!(Cli::try_parse_from(["serve", "--header-timeout-secs", "0"]).is_err());
    }

    #[test]
    fn tls_takes_both_files_or_neither_and_web_app_a_folder() {
        let cli = Cli::try_parse_from(["serve"]).unwrap();
        assert_eq!(cli.serve.tls, TlsConfig::default());
        assert_eq!(cli.serve.web_app, None);
        let cli = Cli::try_parse_from([
            "serve",
            "--tls-cert",
            "c.pem",
            "--tls-key",
            "k.pem",
            "--web-app",
            "dist",
        ])
        .unwrap();
        let (cert, key) = cli.serve.tls.files().unwrap();
        assert_eq!(
            (cert.to_str(), key.to_str()),
            (Some("c.pem"), Some("k.pem"))
        );
        assert_eq!(
            cli.serve.web_app.as_deref(),
            Some(std::path::Path::new("dist"))
        );
        for half in [
            ["serve", "--tls-cert", "c.pem"],
            ["serve", "--tls-key", "k.pem"],
        ] {
            let e = Cli::try_parse_from(half).unwrap_err();
            assert_eq!(
                e.kind(),
                clap::error::ErrorKind::MissingRequiredArgument,
                "{e}"
            );
        }
    }

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
