//! TLS for V2G (ISO 15118-20 §7.7.3: TLS 1.3 is mandatory for -20; -2's
//! optional TLS 1.2 uses cipher suites rustls does not implement, so only
//! TLS 1.3 is offered here).
//!
//! The EVCC authenticates the SECC by its certificate chain (SECC leaf →
//! CPO sub-CA(s) → V2G root): the chain must lead to one of the V2G roots
//! the vehicle holds. The SECC is reached by the address SDP gave, so no
//! host name is matched against the leaf (as in the open implementations
//! of ISO 15118; the leaf names the SECC ID, not a host).

use super::V2gTransportError;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::path::Path;
use std::sync::Arc;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    // An explicit provider: no dependence on a process-wide default.
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Checks that the SECC's chain leads to a trusted V2G root; no name check.
#[derive(Debug)]
struct V2gRootVerifier {
    roots: Arc<RootCertStore>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for V2gRootVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let cert = ParsedCertificate::try_from(end_entity)?;
        rustls::client::verify_server_cert_signed_by_trust_anchor(
            &cert,
            &self.roots,
            intermediates,
            now,
            self.algorithms.all,
        )?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The EVCC's TLS 1.3 client configuration trusting `v2g_roots` (DER).
/// No client certificate is sent (mutual TLS for Plug & Charge is not
/// here yet).
pub fn client_config(
    v2g_roots: &[CertificateDer<'static>],
) -> Result<Arc<rustls::ClientConfig>, V2gTransportError> {
    if v2g_roots.is_empty() {
        return Err(V2gTransportError::TlsConfig(
            "no V2G root certificate to trust".into(),
        ));
    }
    let mut roots = RootCertStore::empty();
    for (i, root) in v2g_roots.iter().enumerate() {
        roots.add(root.clone()).map_err(|e| {
            V2gTransportError::TlsConfig(format!("V2G root certificate {}: {e}", i + 1))
        })?;
    }
    let provider = provider();
    let verifier = V2gRootVerifier {
        roots: Arc::new(roots),
        algorithms: provider.signature_verification_algorithms,
    };
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| V2gTransportError::TlsConfig(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(Arc::new(cfg))
}

/// An SECC's TLS 1.3 server configuration: its chain (leaf first, then
/// the sub-CA certificates) and the leaf's private key. For the emulated
/// SECC and tests.
pub fn secc_server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, V2gTransportError> {
    let cfg = rustls::ServerConfig::builder_with_provider(provider())
        .with_protocol_versions(&[&rustls::version::TLS13])
        .map_err(|e| V2gTransportError::TlsConfig(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| V2gTransportError::TlsConfig(format!("SECC certificate and key: {e}")))?;
    Ok(Arc::new(cfg))
}

/// Reads the certificates of a PEM file (V2G roots, a chain); errors name
/// the file.
pub fn load_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, V2gTransportError> {
    let file_err = |reason: String| V2gTransportError::TlsFile {
        path: path.to_path_buf(),
        reason,
    };
    let file = std::fs::File::open(path).map_err(|e| file_err(e.to_string()))?;
    let certs: Vec<CertificateDer<'static>> =
        rustls_pemfile::certs(&mut std::io::BufReader::new(file))
            .collect::<Result<_, _>>()
            .map_err(|e| file_err(e.to_string()))?;
    if certs.is_empty() {
        return Err(file_err("no CERTIFICATE block in it".into()));
    }
    Ok(certs)
}
