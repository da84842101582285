//! Signs a run's output folder as a DSSE envelope (github.com/secure-systems-lab/dsse,
//! protocol.md) over an in-toto Statement v1 whose subjects are every
//! evidence and report file with its SHA-256, and verifies it offline:
//! signature, every subject's digest, and the journal's hash chain.
//!
//! PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body,
//! lengths in ASCII decimal; the Ed25519 signature is over the PAE bytes.

use crate::evidence::journal;
use crate::firmware::key::SigningPublicKey;
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
    /// Verification failed: the first thing that does not hold.
    #[error("verification failed: {0}")]
    Verify(String),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> SignError + '_ {
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

/// `keys new NAME`: NAME.pem (private, PKCS#8, mode 0600) and NAME.pub.pem.
pub fn new_key_pair(name: &Path) -> Result<(PathBuf, PathBuf), SignError> {
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
    Ok((private, public))
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
fn evidence_files(dir: &Path) -> Result<Vec<(String, PathBuf)>, SignError> {
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
fn is_plain_relative(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && name
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

fn sha256_file(path: &Path) -> Result<String, SignError> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    Ok(sha256_hex(&bytes))
}

/// Signs DIR: `report.dsse.json` with every other file as a subject and
/// the report (`report.json`, when present) as the predicate.
pub fn sign_dir(dir: &Path, key_path: &Path) -> Result<PathBuf, SignError> {
    let key = load_private(key_path)?;
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
    // The same name `firmware::key::SigningPublicKey::fingerprint` gives it.
    let keyid = sha256_hex(key.verifying_key().as_bytes())[..16].to_string();
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

/// What a successful verification covered.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub subjects: usize,
    pub journal_records: Option<usize>,
    /// report.json was rebuilt from the journal and is identical.
    pub report_rebuilt: bool,
}

/// Checks a DSSE envelope's signature with `key` and returns the signed
/// body. Pure (bytes in, bytes out) so it can be fuzzed and reused: only
/// an entry whose keyid is this key's and whose Ed25519 signature over
/// PAE(payloadType, body) verifies counts.
pub fn verify_envelope(envelope: &[u8], key: &SigningPublicKey) -> Result<Vec<u8>, SignError> {
    let fail = |m: String| SignError::Verify(m);
    let envelope: Value = serde_json::from_slice(envelope)
        .map_err(|e| fail(format!("{ENVELOPE_FILE} is not JSON: {e}")))?;
    if envelope["payloadType"] != PAYLOAD_TYPE {
        return Err(fail(format!(
            "{ENVELOPE_FILE}: payloadType is not {PAYLOAD_TYPE}"
        )));
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let body = envelope["payload"]
        .as_str()
        .and_then(|p| b64.decode(p).ok())
        .ok_or_else(|| fail(format!("{ENVELOPE_FILE}: payload is not base64")))?;
    let sigs = envelope["signatures"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    let pae = pae(PAYLOAD_TYPE, &body);
    // The keyid names the key: a signature entry whose keyid is not this
    // key's does not count (so an edited keyid is caught too).
    let keyid = key.fingerprint();
    let good = sigs.iter().any(|s| {
        s["keyid"].as_str() == Some(keyid.as_str())
            && s["sig"]
                .as_str()
                .and_then(|t| b64.decode(t).ok())
                .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
                .is_some_and(|sig| key.verify(&pae, &sig))
    });
    if !good {
        return Err(fail(format!(
            "{ENVELOPE_FILE}: no signature verifies with key {keyid}"
        )));
    }
    Ok(body)
}

/// Checks the envelope's signature with the public key, every subject's
/// digest, that no evidence file is unsigned, and the journal's chain.
pub fn verify_dir(dir: &Path, public_key_pem: &[u8]) -> Result<Verification, SignError> {
    let fail = |m: String| SignError::Verify(m);
    let key = SigningPublicKey::parse(public_key_pem)
        .map_err(|e| fail(format!("the public key: {e}")))?;
    let env_path = dir.join(ENVELOPE_FILE);
    let env_bytes = std::fs::read(&env_path).map_err(io(&env_path))?;
    let body = verify_envelope(&env_bytes, &key)?;
    let statement: Value = serde_json::from_slice(&body)
        .map_err(|e| fail(format!("the signed statement is not JSON: {e}")))?;
    let subjects = statement["subject"].as_array().cloned().unwrap_or_default();
    let mut named = std::collections::BTreeSet::new();
    for s in &subjects {
        let name = s["name"].as_str().unwrap_or_default();
        let want = s["digest"]["sha256"].as_str().unwrap_or_default();
        if !is_plain_relative(name) {
            return Err(fail(format!(
                "subject name `{name}` is not a file of the folder"
            )));
        }
        let got = sha256_file(&dir.join(name))
            .map_err(|_| fail(format!("{name}: signed but missing")))?;
        if got != want {
            return Err(fail(format!(
                "{name}: SHA-256 {got} is not the signed {want}"
            )));
        }
        named.insert(name.to_string());
    }
    for (name, _) in evidence_files(dir)? {
        if !named.contains(&name) {
            return Err(fail(format!("{name}: in the folder but not signed")));
        }
    }
    let journal_path = dir.join("journal.jsonl");
    let mut report_rebuilt = false;
    let journal_records = if journal_path.exists() {
        // A torn last line (a killed run) is evidence too: it is signed
        // like the rest and the report says the run is incomplete.
        let v = journal::verify(&journal_path).map_err(|e| fail(format!("journal: {e}")))?;
        report_rebuilt = check_report_matches_journal(dir).map_err(fail)?;
        Some(v.records.len())
    } else {
        None
    };
    Ok(Verification {
        subjects: subjects.len(),
        journal_records,
        report_rebuilt,
    })
}

/// The signed report must be what the journal says: a signer cannot vouch
/// for a report its own evidence does not support. Checked on
/// `report.json` when it was written by this version of the tool (another
/// version may lay the report out differently); returns whether it was.
fn check_report_matches_journal(dir: &Path) -> Result<bool, String> {
    use super::build::{render_all, REPORT_JSON};
    let Ok(got) = std::fs::read(dir.join(REPORT_JSON)) else {
        return Ok(false);
    };
    let written_by: Value = serde_json::from_slice(&got).unwrap_or(Value::Null);
    if written_by["tool"]["version"] != env!("CARGO_PKG_VERSION") {
        return Ok(false);
    }
    let rendered = render_all(dir).map_err(|e| format!("rebuilding the report: {e}"))?;
    let want = rendered
        .iter()
        .find(|(name, _)| *name == REPORT_JSON)
        .map(|(_, text)| text.as_bytes())
        .unwrap_or_default();
    if got != want {
        return Err(format!(
            "{REPORT_JSON} is not the report its journal gives (`v2x-hil report build` on a copy shows it)"
        ));
    }
    Ok(true)
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
