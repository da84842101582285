//! The run's journal: JSON lines, append-only, each record carrying the
//! SHA-256 of the previous record's line, each written whole in one write,
//! so a run killed at any point leaves a journal whose records up to the
//! last completed write all verify (DESIGN.md "Evidence and reports").
//!
//! Records reach the disk (fdatasync) in groups: before anything is shown
//! to the user ([`JournalWriter::sync`], which the recorder calls for every
//! event the console prints), and otherwise every [`SYNC_EVERY_RECORDS`]
//! records or [`SYNC_EVERY`] of wall time, and when the writer is dropped.
//! A killed process loses nothing it wrote (the kernel has it); a power cut
//! loses at most the records since the last sync, none of them shown.
//!
//! A line is `{"seq":N,"prev":"<hex>","t_s":…,"clock":"simulated|wall","kind":"…","data":{…}}`.
//! `prev` of the first record is 64 zeros; every other `prev` is the
//! SHA-256 of the previous line's bytes (without its newline).

use crate::firmware::verify::sha256_hex;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Most records written between two syncs.
pub const SYNC_EVERY_RECORDS: u32 = 256;
/// Longest wall time between a record's write and its sync.
pub const SYNC_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {reason}")]
    Broken {
        path: PathBuf,
        line: usize,
        reason: String,
    },
}

/// One record as read back.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    pub seq: u64,
    pub prev: String,
    pub t_s: f64,
    pub clock: String,
    pub kind: String,
    pub data: serde_json::Value,
}

/// Appends records, each in one write, synced in groups (module docs).
/// After a failed append it takes no more: what reached the disk is the
/// journal, a verifiable prefix (a torn last line at worst), and a later
/// record glued to a torn one would break the chain.
pub struct JournalWriter {
    file: File,
    path: PathBuf,
    seq: u64,
    prev: String,
    /// Why an append failed, once one has.
    failed: Option<String>,
    /// Records written since the last sync, and when the first of them was.
    unsynced: u32,
    unsynced_since: Option<std::time::Instant>,
}

impl JournalWriter {
    /// Creates the journal; refuses to overwrite one (evidence is never
    /// silently replaced).
    pub fn create(path: &Path) -> Result<Self, JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_path_buf(),
            source,
        };
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(io)?;
        Ok(JournalWriter {
            file,
            path: path.to_path_buf(),
            seq: 0,
            prev: GENESIS.to_string(),
            failed: None,
            unsynced: 0,
            unsynced_since: None,
        })
    }

    /// Opens an existing journal to go on appending (`commission
    /// --resume`): the chain is verified first and continues from its last
    /// complete record. A torn last line (a crash mid-write) is not a
    /// record: it is cut off, and [`Reopened::torn_tail`] says what was cut,
    /// for the record that marks the resumption.
    pub fn reopen(path: &Path) -> Result<(Self, Reopened), JournalError> {
        let io = |source| JournalError::Io {
            path: path.to_path_buf(),
            source,
        };
        let bytes = std::fs::read(path).map_err(io)?;
        let verified = verify_bytes(path, &bytes)?;
        let kept = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let torn_tail = (kept < bytes.len()).then(|| TornTail {
            bytes: bytes.len() - kept,
            sha256: sha256_hex(bytes.get(kept..).unwrap_or(&[])),
        });
        let file = OpenOptions::new().write(true).open(path).map_err(io)?;
        file.set_len(kept as u64).map_err(io)?;
        file.sync_all().map_err(io)?;
        drop(file);
        let file = OpenOptions::new().append(true).open(path).map_err(io)?;
        let writer = JournalWriter {
            file,
            path: path.to_path_buf(),
            seq: verified.records.len() as u64,
            prev: verified.head.clone(),
            failed: None,
            unsynced: 0,
            unsynced_since: None,
        };
        Ok((
            writer,
            Reopened {
                records: verified.records,
                torn_tail,
            },
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one record and syncs it to disk.
    pub fn append(
        &mut self,
        t_s: f64,
        clock: &str,
        kind: &str,
        data: serde_json::Value,
    ) -> Result<(), JournalError> {
        if let Some(why) = &self.failed {
            return Err(JournalError::Io {
                path: self.path.clone(),
                source: std::io::Error::other(format!(
                    "the journal ends at its last complete record after a failed write ({why})"
                )),
            });
        }
        let result = self.write_record(t_s, clock, kind, data);
        if let Err(e) = &result {
            self.failed = Some(e.to_string());
        }
        result
    }

    /// Puts every record written so far on disk (fdatasync). Called before
    /// anything the records say is shown to the user.
    pub fn sync(&mut self) -> Result<(), JournalError> {
        if self.unsynced == 0 {
            return Ok(());
        }
        self.file.sync_data().map_err(|source| JournalError::Io {
            path: self.path.clone(),
            source,
        })?;
        self.unsynced = 0;
        self.unsynced_since = None;
        Ok(())
    }

    /// Refuses every later append, as after a failed write: `reason` is
    /// why (the emulated disk_full fault uses it).
    pub fn fail(&mut self, reason: String) {
        self.failed.get_or_insert(reason);
    }

    fn write_record(
        &mut self,
        t_s: f64,
        clock: &str,
        kind: &str,
        data: serde_json::Value,
    ) -> Result<(), JournalError> {
        let record = Record {
            seq: self.seq,
            prev: self.prev.clone(),
            t_s: if t_s.is_finite() { t_s } else { 0.0 },
            clock: clock.to_string(),
            kind: kind.to_string(),
            data,
        };
        let line = serde_json::to_string(&record).map_err(|e| JournalError::Io {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        let io = |source| JournalError::Io {
            path: self.path.clone(),
            source,
        };
        // One write of the whole line: a crash leaves either the whole
        // record or a torn last line, which `read` reports as such.
        let mut bytes = line.clone().into_bytes();
        bytes.push(b'\n');
        self.file.write_all(&bytes).map_err(io)?;
        self.prev = sha256_hex(line.as_bytes());
        self.seq += 1;
        self.unsynced += 1;
        let since = *self
            .unsynced_since
            .get_or_insert_with(std::time::Instant::now);
        if self.unsynced >= SYNC_EVERY_RECORDS || since.elapsed() >= SYNC_EVERY {
            self.sync()?;
        }
        Ok(())
    }
}

impl Drop for JournalWriter {
    fn drop(&mut self) {
        // The last group; an error here has nobody left to report to.
        let _ = self.sync();
    }
}

/// A journal reopened to append to.
#[derive(Debug, Clone, PartialEq)]
pub struct Reopened {
    /// Every complete record, verified.
    pub records: Vec<Record>,
    /// The torn last line that was cut off, if there was one.
    pub torn_tail: Option<TornTail>,
}

/// What a crash left half-written at the end of a journal.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TornTail {
    pub bytes: usize,
    pub sha256: String,
}

/// What reading a journal found.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub records: Vec<Record>,
    /// A last line cut short by a crash (not counted, not an error).
    pub torn_tail: bool,
    /// SHA-256 of the last complete line (the head of the chain).
    pub head: String,
}

/// Reads and checks the chain: every line parses, `seq` counts from 0,
/// every `prev` is the hash of the line before. A torn final line (no
/// newline, as a crash mid-write leaves) is reported, not fatal; anything
/// else that does not hold is an error naming the line.
pub fn verify(path: &Path) -> Result<Verified, JournalError> {
    let bytes = std::fs::read(path).map_err(|source| JournalError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    verify_bytes(path, &bytes)
}

pub fn verify_bytes(path: &Path, bytes: &[u8]) -> Result<Verified, JournalError> {
    let broken = |line: usize, reason: String| JournalError::Broken {
        path: path.to_path_buf(),
        line,
        reason,
    };
    let mut records = Vec::new();
    let mut prev = GENESIS.to_string();
    let mut rest = bytes;
    let mut line_no = 0;
    let mut torn_tail = false;
    while !rest.is_empty() {
        line_no += 1;
        let Some(end) = rest.iter().position(|&b| b == b'\n') else {
            torn_tail = true;
            break;
        };
        let line = &rest[..end];
        rest = &rest[end + 1..];
        let record: Record = serde_json::from_slice(line)
            .map_err(|e| broken(line_no, format!("not a journal record: {e}")))?;
        if record.seq != records.len() as u64 {
            return Err(broken(
                line_no,
                format!(
                    "record number {} where {} was due",
                    record.seq,
                    records.len()
                ),
            ));
        }
        if record.prev != prev {
            return Err(broken(
                line_no,
                "its `prev` is not the SHA-256 of the line before: the chain is broken".into(),
            ));
        }
        prev = sha256_hex(line);
        records.push(record);
    }
    Ok(Verified {
        records,
        torn_tail,
        head: prev,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn journal(dir: &Path, n: usize) -> PathBuf {
        let path = dir.join("journal.jsonl");
        let mut w = JournalWriter::create(&path).unwrap();
        for k in 0..n {
            w.append(
                k as f64 * 0.5,
                "simulated",
                "measurement",
                json!({ "k": k }),
            )
            .unwrap();
        }
        path
    }

    #[test]
    fn a_written_journal_verifies_and_refuses_to_be_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = journal(dir.path(), 5);
        let v = verify(&path).unwrap();
        assert_eq!(v.records.len(), 5);
        assert!(!v.torn_tail);
        assert_eq!(v.records[0].prev, GENESIS);
        assert_eq!(v.records[4].data, json!({ "k": 4 }));
        assert!(JournalWriter::create(&path).is_err());
    }

    #[test]
    fn every_single_byte_change_is_caught() {
        let dir = tempfile::tempdir().unwrap();
        let path = journal(dir.path(), 4);
        let good = std::fs::read(&path).unwrap();
        let head = verify_bytes(&path, &good).unwrap().head;
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x01;
            match verify_bytes(&path, &bad) {
                Err(_) => {}
                // A flipped bit in the last line leaves the chain intact up
                // to it, but the head (which the signed report carries) moves.
                Ok(v) => assert!(
                    v.torn_tail || v.head != head || v.records.len() != 4,
                    "byte {i} changed and nothing noticed"
                ),
            }
        }
    }

    #[test]
    fn a_torn_last_line_is_reported_and_the_rest_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let path = journal(dir.path(), 3);
        let mut bytes = std::fs::read(&path).unwrap();
        let cut = bytes.len() - 10;
        bytes.truncate(cut);
        let v = verify_bytes(&path, &bytes).unwrap();
        assert_eq!(v.records.len(), 2);
        assert!(v.torn_tail);
    }

    #[test]
    fn a_removed_record_breaks_the_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = journal(dir.path(), 3);
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let without_middle = format!("{}\n{}\n", lines[0], lines[2]);
        let e = verify_bytes(&path, without_middle.as_bytes()).unwrap_err();
        assert!(e.to_string().contains(":2:"), "{e}");
    }

    /// Random bytes never verify: alone, they fail on line 1 or (without a
    /// newline) are a torn tail with no record; after a real journal, the
    /// real records and head survive and the random line is the one named.
    #[test]
    fn random_bytes_never_verify() {
        let dir = tempfile::tempdir().unwrap();
        let good = std::fs::read(journal(dir.path(), 3)).unwrap();
        let good_head = verify_bytes(Path::new("good"), &good).unwrap().head;
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut failed = 0;
        for i in 0..2000 {
            let mut bytes = Vec::new();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            for _ in 0..(x % 300) {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                bytes.push(if x.is_multiple_of(5) {
                    b'\n'
                } else {
                    (x >> 8) as u8
                });
            }
            let after_good = i % 2 == 1;
            let (input, first_line, records, head) = if after_good {
                ([good.as_slice(), &bytes].concat(), 4, 3, good_head.as_str())
            } else {
                (bytes.clone(), 1, 0, GENESIS)
            };
            match verify_bytes(Path::new("fuzz"), &input) {
                Ok(v) => {
                    assert!(
                        !bytes.contains(&b'\n'),
                        "random line verified: {bytes:02x?}"
                    );
                    assert_eq!(v.records.len(), records);
                    assert_eq!(v.head, head);
                    assert_eq!(v.torn_tail, !bytes.is_empty());
                }
                Err(JournalError::Broken { line, .. }) => {
                    assert_eq!(line, first_line, "{bytes:02x?}");
                    failed += 1;
                }
                Err(e) => panic!("{e}"),
            }
        }
        // Most inputs hold a newline (one byte in five), so most fail.
        assert!(failed > 1500, "{failed}");
    }

    #[test]
    fn a_reopened_journal_cuts_a_torn_line_and_the_chain_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let path = journal(dir.path(), 3);
        let mut bytes = std::fs::read(&path).unwrap();
        let whole = bytes.len();
        bytes.extend_from_slice(b"{\"seq\":3,\"prev\":\"ab");
        std::fs::write(&path, &bytes).unwrap();
        let (mut w, reopened) = JournalWriter::reopen(&path).unwrap();
        assert_eq!(reopened.records.len(), 3);
        let torn = reopened.torn_tail.unwrap();
        assert_eq!(torn.bytes, bytes.len() - whole);
        w.append(9.0, "simulated", "resumed", json!({})).unwrap();
        let v = verify(&path).unwrap();
        assert_eq!(v.records.len(), 4);
        assert!(!v.torn_tail);
        assert_eq!(v.records[3].kind, "resumed");
        assert_eq!(v.records[3].seq, 3);
    }

    #[test]
    fn a_broken_journal_is_not_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let path = journal(dir.path(), 3);
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("\"k\":1", "\"k\":7");
        std::fs::write(&path, text).unwrap();
        assert!(JournalWriter::reopen(&path).is_err());
    }
}
