//! HTTPS with the library's own certificate (`serve --tls-cert --tls-key`):
//! rustls with ring's cryptography (aws-lc-rs would need cmake), HTTP/2 and
//! HTTP/1.1 offered by ALPN.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// Reads a PEM certificate chain and its private key into a server config.
///
/// # Errors
/// A file that cannot be read, holds no certificate or no private key, or a
/// key that does not belong to the certificate; each message names the file.
pub fn server_config(cert: &Path, key: &Path) -> anyhow::Result<Arc<ServerConfig>> {
    let chain = CertificateDer::pem_file_iter(cert)
        .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
        .with_context(|| format!("cannot read the certificate {}", cert.display()))?;
    if chain.is_empty() {
        anyhow::bail!(
            "{} holds no certificate (a PEM block `BEGIN CERTIFICATE`)",
            cert.display()
        );
    }
    let private_key = PrivateKeyDer::from_pem_file(key).with_context(|| {
        format!(
            "cannot read a private key (PEM: PKCS#8, PKCS#1 or SEC1) from {}",
            key.display()
        )
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("rustls has no TLS version in common with ring")?
        .with_no_client_auth()
        .with_single_cert(chain, private_key)
        .with_context(|| {
            format!(
                "the key {} does not fit the certificate {} (or its type is not supported)",
                key.display(),
                cert.display()
            )
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
