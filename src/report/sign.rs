//! Signs a run's output folder as a DSSE envelope (github.com/secure-systems-lab/dsse,
//! protocol.md) over an in-toto Statement v1 whose subjects are every
//! evidence and report file with its SHA-256, and verifies it offline:
//! signature, every subject's digest, and the journal's hash chain.
//!
//! PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body,
//! lengths in ASCII decimal; the Ed25519 signature is over the PAE bytes.
//! Verification is in `verify`.

pub use super::verify::{verify_dir, verify_envelope, Verification};
use crate::firmware::verify::sha256_hex;
use base64::Engine;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signer, SigningKey};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The predicate is `report.json`: the commissioning report.
pub const PREDICATE_TYPE: &str = "urn:v2x-hil:commissioning-report:v1";
pub const ENVELOPE_FILE: &str = "report.dsse.json";

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0} already exists: keys are never overwritten")]
    Exists(PathBuf),
    #[error("{path}: not an Ed25519 private key in PKCS#8 PEM: {reason}")]
    BadKey { path: PathBuf, reason: String },
    /// `report verify` was given a private key.
    #[error("this is a private key; `report verify` takes the report-signing *public* key, its NAME.pub.pem half")]
    PrivateKeyGiven,
    #[error("the public key: {0}")]
    BadPublicKey(String),
    /// The folder has no envelope.
    #[error("{} is not signed (it has no {ENVELOPE_FILE}): sign it with `v2x-hil report sign {} --key NAME`", .0.display(), .0.display())]
    Unsigned(PathBuf),
    /// Verification failed: the first thing that does not hold.
    #[error("verification failed: {0}")]
    Verify(String),
    /// The envelope carries no signature of the given key: who did sign it.
    #[error("verification failed: {ENVELOPE_FILE} is signed by key id {}, not by the key given, key id {given}", .signed_by.join(", "))]
    WrongKey {
        given: String,
        signed_by: Vec<String>,
    },
    /// The report names the key its run was to be signed with; another
    /// key would make the signed page name the wrong signer.
    #[error("{dir}: its report names signer key id {named} (the run's --sign-key), but {key} is key id {given}: sign it with that key")]
    NotTheNamedSigner {
        dir: PathBuf,
        named: String,
        key: PathBuf,
        given: String,
    },
}

pub(super) fn io(path: &Path) -> impl Fn(std::io::Error) -> SignError + '_ {
    move |source| SignError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// DSSE's pre-authentication encoding.
pub fn pae(payload_type: &str, body: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body);
    out
}

/// The DSSE `keyid` of a key: the first 16 hex digits of SHA-256 over the
/// raw 32-byte Ed25519 public key (RFC 8032 §5.1.5), the same name
/// `firmware::key::SigningPublicKey::fingerprint` gives it.
pub fn key_id(key: &ed25519_dalek::VerifyingKey) -> String {
    sha256_hex(key.as_bytes())[..16].to_string()
}

/// The key id of a private key file (what its signatures will carry).
pub fn private_key_id(path: &Path) -> Result<String, SignError> {
    Ok(key_id(&load_private(path)?.verifying_key()))
}

/// A key pair `keys new` wrote.
#[derive(Debug, Clone)]
pub struct NewKeyPair {
    pub private: PathBuf,
    pub public: PathBuf,
    pub keyid: String,
}

/// `keys new NAME`: NAME.pem (private, PKCS#8, mode 0600) and NAME.pub.pem.
pub fn new_key_pair(name: &Path) -> Result<NewKeyPair, SignError> {
    let private = name.with_extension("pem");
    let public = name.with_extension("pub.pem");
    for p in [&private, &public] {
        if p.exists() {
            return Err(SignError::Exists(p.clone()));
        }
    }
    let mut seed = [0u8; 32];
    let random = Path::new("/dev/urandom");
    {
        use std::io::Read;
        let mut f = std::fs::File::open(random).map_err(io(random))?;
        f.read_exact(&mut seed).map_err(io(random))?;
    }
    let key = SigningKey::from_bytes(&seed);
    let pem = key
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| SignError::BadKey {
            path: private.clone(),
            reason: e.to_string(),
        })?;
    let pub_pem = key
        .verifying_key()
        .to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| SignError::BadKey {
            path: public.clone(),
            reason: e.to_string(),
        })?;
    write_new(&private, pem.as_bytes(), 0o600)?;
    write_new(&public, pub_pem.as_bytes(), 0o644)?;
    Ok(NewKeyPair {
        private,
        public,
        keyid: key_id(&key.verifying_key()),
    })
}

/// Creates a file that must not exist yet, with `mode` from the start (the
/// private key is never readable by others, not even for an instant).
fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), SignError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut f = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            SignError::Exists(path.to_path_buf())
        } else {
            io(path)(e)
        }
    })?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

/// Checks a signing key loads, before a run that will need it.
pub fn check_private_key(path: &Path) -> Result<(), SignError> {
    load_private(path).map(|_| ())
}

fn load_private(path: &Path) -> Result<SigningKey, SignError> {
    let text = std::fs::read_to_string(path).map_err(io(path))?;
    SigningKey::from_pkcs8_pem(&text).map_err(|e| SignError::BadKey {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Every regular file of the folder and its subfolders (waveforms/) but
/// the envelope, by relative `/`-separated name, sorted. Symbolic links
/// are not followed: what is signed is what is in the folder.
pub(super) fn evidence_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, SignError> {
    let mut out = Vec::new();
    let mut pending = vec![(String::new(), dir.to_path_buf())];
    while let Some((prefix, folder)) = pending.pop() {
        for entry in std::fs::read_dir(&folder).map_err(io(&folder))? {
            let entry = entry.map_err(io(&folder))?;
            let path = entry.path();
            let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
            let kind = entry.file_type().map_err(io(&path))?;
            if kind.is_dir() {
                pending.push((format!("{name}/"), path));
            } else if kind.is_file() && name != ENVELOPE_FILE {
                out.push((name, path));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A subject name that stays inside the folder.
pub(super) fn is_plain_relative(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && name
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

pub(super) fn sha256_file(path: &Path) -> Result<String, SignError> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    Ok(sha256_hex(&bytes))
}

/// Signs DIR: `report.dsse.json` with every other file as a subject and
/// the report (`report.json`, when present) as the predicate.
pub fn sign_dir(dir: &Path, key_path: &Path) -> Result<PathBuf, SignError> {
    let key = load_private(key_path)?;
    let keyid = key_id(&key.verifying_key());
    if let Some(named) = named_signer(dir).filter(|named| *named != keyid) {
        return Err(SignError::NotTheNamedSigner {
            dir: dir.to_path_buf(),
            named,
            key: key_path.to_path_buf(),
            given: keyid,
        });
    }
    let mut subjects = Vec::new();
    for (name, path) in evidence_files(dir)? {
        subjects.push(json!({ "name": name, "digest": { "sha256": sha256_file(&path)? } }));
    }
    let report = dir.join(super::build::REPORT_JSON);
    let predicate: Value = match std::fs::read(&report) {
        Ok(b) => serde_json::from_slice(&b).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    let statement = json!({
        "_type": STATEMENT_TYPE,
        "subject": subjects,
        "predicateType": PREDICATE_TYPE,
        "predicate": predicate,
    });
    let body = serde_json::to_vec(&statement).map_err(|e| SignError::Io {
        path: dir.to_path_buf(),
        source: std::io::Error::other(e),
    })?;
    let sig = key.sign(&pae(PAYLOAD_TYPE, &body));
    let b64 = base64::engine::general_purpose::STANDARD;
    let envelope = json!({
        "payloadType": PAYLOAD_TYPE,
        "payload": b64.encode(&body),
        "signatures": [{ "keyid": keyid, "sig": b64.encode(sig.to_bytes()) }],
    });
    let out = dir.join(ENVELOPE_FILE);
    let text = serde_json::to_string_pretty(&envelope).unwrap_or_default() + "\n";
    std::fs::write(&out, text).map_err(io(&out))?;
    Ok(out)
}

/// The signer key id DIR's `report.json` names (`signer.keyid`), if any.
pub fn named_signer(dir: &Path) -> Option<String> {
    let bytes = std::fs::read(dir.join(super::build::REPORT_JSON)).ok()?;
    let report: Value = serde_json::from_slice(&bytes).ok()?;
    report["signer"]["keyid"].as_str().map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_the_dsse_spec_example() {
        // DSSE protocol.md: PAE("http://example.com/HelloWorld", "hello world").
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }
}
