//! `fleet add`: each run folder verified exactly as `report verify` does
//! (`report::verify::verify_dir`: signature, every digest, no unsigned
//! file, the journal's chain, the report against the journal, the signer
//! the report names), with the key among the program's trusted installer
//! keys that the envelope names, then indexed. Folders are verified on
//! every core; the store is written from one thread.

use super::derive;
use super::record::RunRecord;
use super::store::{Added, Store, StoreError};
use crate::firmware::key::SigningPublicKey;
use crate::report::build::REPORT_JSON;
use crate::report::sign::{SignError, ENVELOPE_FILE};
use crate::report::verify::verify_dir;
use std::path::{Path, PathBuf};

/// At most this many trusted keys (a program has one per installer).
pub const MAX_TRUSTED_KEYS: usize = 10_000;

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("{path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error(
        "no trusted installer key given (--key PUB, a public key file or a folder of *.pub.pem)"
    )]
    None,
    #[error("more than {MAX_TRUSTED_KEYS} trusted keys")]
    TooMany,
}

/// One trusted installer key.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    pub keyid: String,
    pub pem: Vec<u8>,
    pub path: PathBuf,
}

/// The program's trusted installer keys, by key id.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: Vec<TrustedKey>,
}

impl TrustedKeys {
    /// Public key files, and folders whose `*.pub.pem` files are each one.
    pub fn load(paths: &[PathBuf]) -> Result<TrustedKeys, TrustError> {
        let mut files = Vec::new();
        for p in paths {
            if p.is_dir() {
                let read = std::fs::read_dir(p).map_err(|e| TrustError::Read {
                    path: p.clone(),
                    reason: e.to_string(),
                })?;
                let mut found: Vec<PathBuf> = read
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|f| f.to_string_lossy().ends_with(".pub.pem"))
                    .collect();
                found.sort();
                if found.is_empty() {
                    return Err(TrustError::Read {
                        path: p.clone(),
                        reason: "a folder with no *.pub.pem file".into(),
                    });
                }
                files.extend(found);
            } else {
                files.push(p.clone());
            }
            if files.len() > MAX_TRUSTED_KEYS {
                return Err(TrustError::TooMany);
            }
        }
        let mut keys = Vec::new();
        for path in files {
            let bad = |reason: String| TrustError::Read {
                path: path.clone(),
                reason,
            };
            let len = std::fs::metadata(&path)
                .map_err(|e| bad(e.to_string()))?
                .len();
            if len > 64 << 10 {
                return Err(bad("too large for a public key".into()));
            }
            let pem = std::fs::read(&path).map_err(|e| bad(e.to_string()))?;
            let key = SigningPublicKey::parse(&pem).map_err(|e| bad(e.to_string()))?;
            keys.push(TrustedKey {
                keyid: key.fingerprint(),
                pem,
                path,
            });
        }
        if keys.is_empty() {
            return Err(TrustError::None);
        }
        Ok(TrustedKeys { keys })
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn by_id(&self, keyid: &str) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| k.keyid == keyid)
    }
}

/// Why a folder was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Refused {
    /// `report verify` would fail (exit 4): the first thing that does not hold.
    #[error("does not verify: {0}")]
    Verify(String),
    /// Signed by a key that is not one of the program's.
    #[error("signed by key id {signed_by}, which is not one of the program's {trusted} trusted installer key(s)")]
    Untrusted { signed_by: String, trusted: usize },
    #[error("cannot be read: {0}")]
    Read(String),
    /// A run without `--site`: nothing to index it under.
    #[error("its report names no site (a run without --site is not an installation's record)")]
    NoSite,
}

/// A folder verified and reduced to its record.
pub fn verify_folder(dir: &Path, trusted: &TrustedKeys) -> Result<RunRecord, Refused> {
    let first = trusted.keys.first().ok_or(Refused::Untrusted {
        signed_by: "?".into(),
        trusted: 0,
    })?;
    if !dir.is_dir() {
        return Err(Refused::Read("not a folder".into()));
    }
    if !dir.join(ENVELOPE_FILE).is_file() {
        return Err(Refused::Verify(format!(
            "no {ENVELOPE_FILE}: the folder is not signed (`v2x-hil report sign` signs it)"
        )));
    }
    // The envelope names its signer; `verify_dir` with a key other than
    // the signer's says which key ids did sign (WrongKey): then verify with
    // the trusted key of that id, if there is one.
    let verified = match verify_dir(dir, &first.pem) {
        Err(SignError::WrongKey { signed_by, .. }) => {
            let key = signed_by
                .iter()
                .find_map(|id| trusted.by_id(id))
                .ok_or_else(|| Refused::Untrusted {
                    signed_by: signed_by.join(", "),
                    trusted: trusted.len(),
                })?;
            verify_dir(dir, &key.pem)
        }
        other => other,
    };
    let verified = verified.map_err(|e| match e {
        SignError::Verify(what) => Refused::Verify(derive::clean(&what)),
        SignError::WrongKey { .. } => Refused::Verify(derive::clean(&e.to_string())),
        e => Refused::Read(derive::clean(&e.to_string())),
    })?;
    // The record comes from the report as it was signed (its digest and
    // the journal's rebuild were just checked), not from a second read of
    // the folder.
    if verified.signed_report.is_null() {
        return Err(Refused::Read(format!(
            "{REPORT_JSON}: the signed statement carries no report (the folder had no readable {REPORT_JSON} when it was signed)"
        )));
    }
    let folder = std::path::absolute(dir)
        .unwrap_or_else(|_| dir.to_path_buf())
        .display()
        .to_string();
    derive::record(
        &verified.signed_report,
        verified.envelope_sha256,
        folder,
        verified.keyid,
    )
    .ok_or(Refused::NoSite)
}

/// What became of one folder.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Added { site_id: String, added: Added },
    Refused(Refused),
}

/// Verifies `dirs` (on `workers` threads; 0: one per core) and adds each
/// that verifies; `each` hears every folder's outcome in the order given.
/// A store error stops the work (what was added stays added).
pub fn add_dirs(
    store: &mut dyn Store,
    dirs: &[PathBuf],
    trusted: &TrustedKeys,
    workers: usize,
    mut each: impl FnMut(&Path, &Outcome),
) -> Result<Vec<Outcome>, StoreError> {
    let workers = match workers {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    }
    .min(dirs.len().max(1));
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Result<RunRecord, Refused>)>(64);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut outcomes: Vec<Option<Outcome>> = vec![None; dirs.len()];
    std::thread::scope(|scope| -> Result<(), StoreError> {
        for _ in 0..workers {
            let tx = tx.clone();
            let next = &next;
            scope.spawn(move || loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(dir) = dirs.get(i) else { break };
                if tx.send((i, verify_folder(dir, trusted))).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        let mut reported = 0;
        for (i, verified) in rx {
            let outcome = match verified {
                Ok(run) => match store.add_run(&run) {
                    Ok(added) => Outcome::Added {
                        site_id: run.site_id,
                        added,
                    },
                    Err(e) => {
                        // Stop the workers: nothing more is added.
                        next.store(usize::MAX / 2, std::sync::atomic::Ordering::Relaxed);
                        return Err(e);
                    }
                },
                Err(refused) => Outcome::Refused(refused),
            };
            outcomes[i] = Some(outcome);
            while let Some(Some(o)) = outcomes.get(reported) {
                each(&dirs[reported], o);
                reported += 1;
            }
        }
        Ok(())
    })?;
    Ok(outcomes.into_iter().flatten().collect())
}
