//! `report verify`: offline checks of a signed run folder — the DSSE
//! signature (github.com/secure-systems-lab/dsse protocol.md: Ed25519 over
//! PAE(payloadType, payload)), every subject's SHA-256, no unsigned file,
//! the journal's hash chain, that the report files are what the journal
//! gives, and that the signer the report names is the key that signed.

use super::build::{render_verified, REPORT_HTML, REPORT_JSON};
use super::sign::{
    evidence_files, io, is_plain_relative, pae, sha256_file, SignError, ENVELOPE_FILE, PAYLOAD_TYPE,
};
use crate::evidence::journal;
use crate::firmware::key::SigningPublicKey;
use base64::Engine;
use serde_json::Value;
use std::path::Path;

/// What a successful verification covered.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub subjects: usize,
    pub journal_records: Option<usize>,
    /// The report files were rebuilt from the journal and are identical.
    pub report_rebuilt: bool,
    /// The key id whose signature verified.
    pub keyid: String,
    /// SHA-256 of `report.dsse.json` as it verified: the run's identity
    /// (`fleet add` indexes by it).
    pub envelope_sha256: String,
    /// The signed statement's predicate: the report (`report.json`) as it
    /// was signed; `Null` when the folder had none then.
    pub signed_report: Value,
}

/// Checks a DSSE envelope's signature with `key` and returns the signed
/// body. Pure (bytes in, bytes out) so it can be fuzzed and reused: only
/// an entry whose keyid is this key's and whose Ed25519 signature over
/// PAE(payloadType, body) verifies counts. With no entry of this key, the
/// error names the key ids the envelope does carry.
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
    // The keyid names the key: a signature entry whose keyid is not this
    // key's does not count (so an edited keyid is caught too).
    let keyid = key.fingerprint();
    let mine: Vec<&Value> = sigs
        .iter()
        .filter(|s| s["keyid"].as_str() == Some(keyid.as_str()))
        .collect();
    if mine.is_empty() {
        let mut signed_by: Vec<String> = sigs
            .iter()
            .map(|s| shown_keyid(s["keyid"].as_str()))
            .collect();
        if signed_by.is_empty() {
            signed_by.push("(none: the envelope has no signature)".into());
        }
        return Err(SignError::WrongKey {
            given: keyid,
            signed_by,
        });
    }
    let pae = pae(PAYLOAD_TYPE, &body);
    let good = mine.iter().any(|s| {
        s["sig"]
            .as_str()
            .and_then(|t| b64.decode(t).ok())
            .and_then(|b| <[u8; 64]>::try_from(b.as_slice()).ok())
            .is_some_and(|sig| key.verify(&pae, &sig))
    });
    if !good {
        return Err(fail(format!(
            "{ENVELOPE_FILE}: no signature verifies with key {keyid} (the envelope was changed after it was signed)"
        )));
    }
    Ok(body)
}

/// An envelope's keyid as printable text: it comes from the file, so
/// nothing in it may act on a terminal.
fn shown_keyid(id: Option<&str>) -> String {
    match id {
        None => "(no keyid)".into(),
        Some(id) => {
            let shown: String = id.chars().take(64).flat_map(char::escape_default).collect();
            if shown.is_empty() {
                "(empty keyid)".into()
            } else {
                shown
            }
        }
    }
}

/// Checks the envelope's signature with the public key, every subject's
/// digest, that no evidence file is unsigned, the journal's chain, the
/// report against the journal, and the signer the report names.
pub fn verify_dir(dir: &Path, public_key_pem: &[u8]) -> Result<Verification, SignError> {
    let fail = |m: String| SignError::Verify(m);
    let key = SigningPublicKey::parse(public_key_pem).map_err(|e| match e {
        crate::firmware::key::KeyError::PrivateKey => SignError::PrivateKeyGiven,
        e => SignError::BadPublicKey(e.to_string()),
    })?;
    let env_path = dir.join(ENVELOPE_FILE);
    if !env_path.exists() && dir.is_dir() {
        return Err(SignError::Unsigned(dir.to_path_buf()));
    }
    let env_bytes = std::fs::read(&env_path).map_err(io(&env_path))?;
    let body = verify_envelope(&env_bytes, &key)?;
    let mut statement: Value = serde_json::from_slice(&body)
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
    let keyid = key.fingerprint();
    check_named_signer(dir, &keyid).map_err(fail)?;
    let journal_path = dir.join("journal.jsonl");
    let mut report_rebuilt = false;
    let journal_records = if journal_path.exists() {
        // A torn last line (a killed run) is evidence too: it is signed
        // like the rest and the report says the run is incomplete.
        let v = journal::verify(&journal_path).map_err(|e| fail(format!("journal: {e}")))?;
        let records = v.records.len();
        report_rebuilt = check_report_matches_journal(dir, v).map_err(fail)?;
        Some(records)
    } else {
        None
    };
    Ok(Verification {
        subjects: subjects.len(),
        journal_records,
        report_rebuilt,
        keyid,
        envelope_sha256: crate::firmware::verify::sha256_hex(&env_bytes),
        signed_report: statement
            .get_mut("predicate")
            .map(Value::take)
            .unwrap_or(Value::Null),
    })
}

/// The report names the key its run was signed with (report.json's
/// `signer.keyid`, printed in report.html): it must be the key whose
/// signature verified, or the signed page names the wrong signer.
fn check_named_signer(dir: &Path, keyid: &str) -> Result<(), String> {
    let Some(named) = super::sign::named_signer(dir) else {
        return Ok(());
    };
    if named != keyid {
        return Err(format!(
            "{REPORT_JSON} names signer key id {}, but {ENVELOPE_FILE} is signed by key id {keyid}",
            shown_keyid(Some(&named))
        ));
    }
    let html = std::fs::read_to_string(dir.join(REPORT_HTML)).unwrap_or_default();
    if !html.contains(&named) {
        return Err(format!(
            "{REPORT_HTML} does not name the signer key id {keyid} that {REPORT_JSON} names"
        ));
    }
    Ok(())
}

/// The signed report must be what the journal says: a signer cannot vouch
/// for a report its own evidence does not support. Checked on every report
/// file (`report.json`, `report.html`, `junit.xml`) when `report.json` was
/// written by this version of the tool (another version may lay the report
/// out differently); returns whether it was.
fn check_report_matches_journal(dir: &Path, journal: journal::Verified) -> Result<bool, String> {
    let Ok(json) = std::fs::read(dir.join(REPORT_JSON)) else {
        return Ok(false);
    };
    let written_by: Value = serde_json::from_slice(&json).unwrap_or(Value::Null);
    if written_by["tool"]["version"] != env!("CARGO_PKG_VERSION") {
        return Ok(false);
    }
    let rendered =
        render_verified(dir, journal).map_err(|e| format!("rebuilding the report: {e}"))?;
    for (name, want) in rendered {
        // A report file that is missing is not checked (an aborted build);
        // one that is there must be exactly the journal's.
        let Ok(got) = std::fs::read(dir.join(name)) else {
            if name == REPORT_JSON {
                return Ok(false);
            }
            continue;
        };
        if got != want.as_bytes() {
            return Err(format!(
                "{name} is not the report its journal gives (`v2x-hil report build` on a copy shows it)"
            ));
        }
    }
    Ok(true)
}
