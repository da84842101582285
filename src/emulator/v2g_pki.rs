//! A throwaway V2G PKI for the emulated charger's TLS server: V2G root CA
//! → CPO sub-CA → SECC leaf (the chain shape of ISO 15118-2 Annex F and
//! ISO 15118-20 Annex B), made fresh for each emulated rig and never
//! written anywhere. The emulated vehicle trusts this root; a real vehicle
//! or SECC never sees it.
//!
//! The keys are ECDSA P-384 (CAs) and P-256 (leaf): ISO 15118-20 names
//! secp521r1 and Ed448 for its certificates, which the `ring` backend
//! rustls uses here cannot verify, so the emulated chain keeps the shape
//! and the TLS 1.3 handshake but not those curves (README "CCS vehicles").

use rcgen::{
    BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    SignatureAlgorithm, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;

/// The PKI and the SECC's TLS 1.3 server configuration built on it.
#[derive(Clone)]
pub struct EmulatedV2gPki {
    pub root: CertificateDer<'static>,
    /// SECC leaf, then the sub-CA.
    pub chain: Vec<CertificateDer<'static>>,
    pub leaf_key: Arc<PrivateKeyDer<'static>>,
    pub server_config: Arc<rustls::ServerConfig>,
}

fn ca_params(cn: &str, path_len: u8) -> Result<CertificateParams, rcgen::Error> {
    let mut p = CertificateParams::new(Vec::<String>::new())?;
    p.distinguished_name.push(DnType::CommonName, cn);
    p.distinguished_name
        .push(DnType::OrganizationName, "v2x-hil emulated V2G PKI");
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(path_len));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    Ok(p)
}

fn key(alg: &'static SignatureAlgorithm) -> Result<KeyPair, rcgen::Error> {
    KeyPair::generate_for(alg)
}

impl EmulatedV2gPki {
    /// A PKI under a root named "V2G Root CA".
    pub fn generate() -> Result<Self, String> {
        Self::generate_named("V2G Root CA")
    }

    /// A PKI whose root has the common name `root_cn` (tests make two
    /// unrelated ones).
    pub fn generate_named(root_cn: &str) -> Result<Self, String> {
        let e = |what: &str, err: rcgen::Error| format!("emulated V2G PKI, {what}: {err}");
        let root_key = key(&PKCS_ECDSA_P384_SHA384).map_err(|x| e("root key", x))?;
        let root_params = ca_params(root_cn, 1).map_err(|x| e("root", x))?;
        let root = root_params
            .self_signed(&root_key)
            .map_err(|x| e("root", x))?;
        let root_issuer = Issuer::new(root_params, root_key);

        let sub_key = key(&PKCS_ECDSA_P384_SHA384).map_err(|x| e("sub-CA key", x))?;
        let sub_params = ca_params("CPO Sub-CA", 0).map_err(|x| e("sub-CA", x))?;
        let sub = sub_params
            .signed_by(&sub_key, &root_issuer)
            .map_err(|x| e("sub-CA", x))?;
        let sub_issuer = Issuer::new(sub_params, sub_key);

        // An SECC certificate names the SECC ID and carries no host name
        // or extended key usage (ISO 15118-2 Table F.1).
        let leaf_key = key(&PKCS_ECDSA_P256_SHA256).map_err(|x| e("SECC key", x))?;
        let mut leaf_params =
            CertificateParams::new(Vec::<String>::new()).map_err(|x| e("SECC", x))?;
        leaf_params
            .distinguished_name
            .push(DnType::CommonName, "US*V2X*E0001*SECC");
        leaf_params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyAgreement,
        ];
        leaf_params.use_authority_key_identifier_extension = true;
        let leaf = leaf_params
            .signed_by(&leaf_key, &sub_issuer)
            .map_err(|x| e("SECC", x))?;
        let chain = vec![leaf.der().clone(), sub.der().clone()];
        let leaf_key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
        let server_config =
            crate::transport::v2g::secc_server_config(chain.clone(), leaf_key.clone_key())
                .map_err(|x| x.to_string())?;
        Ok(EmulatedV2gPki {
            root: root.der().clone(),
            chain,
            leaf_key: Arc::new(leaf_key),
            server_config,
        })
    }
}

/// A PEM block (RFC 7468): `label` and the DER, base64 in 64-column lines.
pub fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
