//! TLS server configuration for OCPP security profile 2 (OCPP 2.0.1 Part 2
//! §A00.FR.3xx: TLS with a CSMS server certificate, the station
//! authenticated by HTTP Basic auth). TLS 1.2 is the minimum the profile
//! allows; rustls' safe defaults offer 1.2 and 1.3.

use super::WsError;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The server's certificate chain (leaf first) and private key, PEM.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert_pem: PathBuf,
    pub key_pem: PathBuf,
}

fn open(path: &Path) -> Result<std::io::BufReader<std::fs::File>, WsError> {
    std::fs::File::open(path)
        .map(std::io::BufReader::new)
        .map_err(|e| WsError::TlsFile {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
}

fn file_err(path: &Path, reason: impl ToString) -> WsError {
    WsError::TlsFile {
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Builds a rustls server config from PEM files; errors name the file.
pub fn load_server_config(files: &TlsFiles) -> Result<Arc<rustls::ServerConfig>, WsError> {
    let certs: Vec<CertificateDer<'static>> = rustls_pemfile::certs(&mut open(&files.cert_pem)?)
        .collect::<Result<_, _>>()
        .map_err(|e| file_err(&files.cert_pem, e))?;
    if certs.is_empty() {
        return Err(file_err(&files.cert_pem, "no CERTIFICATE block in it"));
    }
    let key: PrivateKeyDer<'static> = rustls_pemfile::private_key(&mut open(&files.key_pem)?)
        .map_err(|e| file_err(&files.key_pem, e))?
        .ok_or_else(|| file_err(&files.key_pem, "no PRIVATE KEY block in it"))?;
    // An explicit provider: no dependence on a process-wide default.
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| WsError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| file_err(&files.key_pem, format!("does not fit the certificate: {e}")))?;
    Ok(Arc::new(cfg))
}
