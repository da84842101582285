//! The run's evidence folder as the drivers, the runner and the CLI share
//! it: one journal (records stamped on the rig's clock), plus the files that
//! sit beside it (transcripts, waveforms). Cloned freely; every clone
//! appends to the same chain.

use super::journal::{JournalError, JournalWriter};
use crate::exec::clock::{Clock, ClockKind};
use crate::firmware::verify::{hex_lower, sha256_hex};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

pub const JOURNAL_FILE: &str = "journal.jsonl";

/// A shared handle on the evidence folder of one run.
#[derive(Clone)]
pub struct Evidence {
    inner: Arc<Inner>,
}

struct Inner {
    dir: PathBuf,
    journal: Mutex<JournalWriter>,
    /// Set once the rig is connected; records before that are at t = 0.
    clock: OnceLock<Arc<dyn Clock>>,
    clock_kind: ClockKind,
    /// When the folder was created (RFC 3339, UTC): time zero of a wall clock.
    started_utc: String,
    /// When this session began, since the Unix epoch: where simulated time
    /// zero sits on the calendar (CAN traces are dated from it).
    session_started_unix: std::time::Duration,
    /// The first write that failed: the runner stops the run at its next
    /// check (README "Faults": a run whose evidence cannot be kept stops).
    first_error: Mutex<Option<String>>,
    /// The emulated `disk_full` fault: while set, every evidence write
    /// fails with ENOSPC, as on a full disk.
    disk_full: AtomicBool,
    /// 0 for the run that made the folder; n for its n-th resumption
    /// (`commission --resume`): side files get `.session-n` in their names.
    session: u32,
    /// Where this session's clock starts on the journal's time line: the
    /// last record's time, so a resumed journal's times never go back.
    t_offset_s: f64,
    /// Transcripts and CAN traces, buffered; flushed at each commit.
    side_files: Mutex<Vec<SideFile>>,
}

/// A side file (transcript, CAN trace) written through a buffer that the
/// evidence flushes at each [`Evidence::commit`], before the journal is
/// synced: a killed run keeps every line up to the last thing it showed,
/// without a write per line. `flush` on it is a no-op for that reason (the
/// candump and pcapng writers flush per frame; the commit decides).
#[derive(Clone)]
pub struct SideFile {
    inner: Arc<Mutex<std::io::BufWriter<std::fs::File>>>,
}

impl SideFile {
    fn flush_now(&self) -> std::io::Result<()> {
        match self.inner.lock() {
            Ok(mut w) => w.flush(),
            Err(_) => Err(std::io::Error::other("a side file's lock was poisoned")),
        }
    }
}

impl Write for SideFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self.inner.lock() {
            Ok(mut w) => w.write(buf),
            Err(_) => Err(std::io::Error::other("a side file's lock was poisoned")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        if let Ok(files) = self.side_files.lock() {
            for f in files.iter() {
                let _ = f.flush_now();
            }
        }
    }
}

impl std::fmt::Debug for Evidence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Evidence({})", self.inner.dir.display())
    }
}

impl Evidence {
    /// Creates `dir/journal.jsonl` (never over an existing one).
    pub fn create(dir: &Path, clock_kind: ClockKind) -> Result<Self, JournalError> {
        let journal = JournalWriter::create(&dir.join(JOURNAL_FILE))?;
        Ok(Evidence {
            inner: Arc::new(Inner {
                dir: dir.to_path_buf(),
                journal: Mutex::new(journal),
                clock: OnceLock::new(),
                clock_kind,
                started_utc: crate::report::time::utc_now_rfc3339(),
                session_started_unix: unix_now(),
                first_error: Mutex::new(None),
                disk_full: AtomicBool::new(false),
                session: 0,
                t_offset_s: 0.0,
                side_files: Mutex::new(Vec::new()),
            }),
        })
    }

    /// Reopens the folder of an interrupted run to go on appending to its
    /// journal (a torn last line is cut, see [`JournalWriter::reopen`]).
    /// The records so far come back for the caller to decide what is done.
    pub fn resume(dir: &Path) -> Result<(Self, super::journal::Reopened), JournalError> {
        let (journal, reopened) = JournalWriter::reopen(&dir.join(JOURNAL_FILE))?;
        let first = reopened.records.first();
        let clock_kind = match first.map(|r| r.clock.as_str()) {
            Some("wall") => ClockKind::Wall,
            _ => ClockKind::Simulated,
        };
        let started_utc = first
            .and_then(|r| r.data["started_utc"].as_str())
            .map(str::to_string)
            .unwrap_or_else(crate::report::time::utc_now_rfc3339);
        let session = 1 + reopened
            .records
            .iter()
            .filter(|r| r.kind == super::record::kind::RESUMED)
            .count() as u32;
        let t_offset_s = reopened.records.iter().map(|r| r.t_s).fold(0.0, f64::max);
        Ok((
            Evidence {
                inner: Arc::new(Inner {
                    dir: dir.to_path_buf(),
                    journal: Mutex::new(journal),
                    clock: OnceLock::new(),
                    clock_kind,
                    started_utc,
                    session_started_unix: unix_now(),
                    first_error: Mutex::new(None),
                    disk_full: AtomicBool::new(false),
                    session,
                    t_offset_s,
                    side_files: Mutex::new(Vec::new()),
                }),
            },
            reopened,
        ))
    }

    /// `stem.ext`, or `stem.session-n.ext` in a resumed session: a side
    /// file of an earlier session is never written over.
    pub fn side_file(&self, stem: &str, ext: &str) -> String {
        match self.inner.session {
            0 => format!("{stem}.{ext}"),
            n => format!("{stem}.session-{n}.{ext}"),
        }
    }

    /// 0 for the run that made the folder, n for its n-th resumption.
    pub fn session(&self) -> u32 {
        self.inner.session
    }

    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    pub fn clock_kind(&self) -> ClockKind {
        self.inner.clock_kind
    }

    pub fn started_utc(&self) -> &str {
        &self.inner.started_utc
    }

    /// When this session began, since the Unix epoch.
    pub fn session_started_unix(&self) -> std::time::Duration {
        self.inner.session_started_unix
    }

    /// The rig's clock, once it exists.
    pub fn attach_clock(&self, clock: Arc<dyn Clock>) {
        let _ = self.inner.clock.set(clock);
    }

    /// Time on the journal's time line, in seconds: the rig's clock, after
    /// the time of the sessions before this one.
    pub fn now_s(&self) -> f64 {
        self.inner.t_offset_s
            + self
                .inner
                .clock
                .get()
                .map(|c| c.now().as_secs_f64())
                .unwrap_or(0.0)
    }

    /// Puts every record so far on disk; before the user is shown what
    /// they say (see [`super::journal`]). A failure is noted like a failed
    /// write.
    pub fn commit(&self) {
        // The side files first: a record never precedes the lines it sums up.
        if let Ok(files) = self.inner.side_files.lock() {
            for f in files.iter() {
                if let Err(e) = f.flush_now() {
                    self.note_error(format!("a transcript or CAN trace: {e}"));
                }
            }
        }
        let result = match self.inner.journal.lock() {
            Ok(mut j) => j
                .sync()
                .map_err(|e| format!("{JOURNAL_FILE}: {}", io_detail(&e))),
            Err(_) => Err("the journal's lock was poisoned".to_string()),
        };
        if let Err(e) = result {
            self.note_error(e);
        }
    }

    /// Appends one record (written whole before this returns; synced with
    /// its group, or by [`Evidence::commit`]).
    pub fn record(&self, kind: &str, data: Value) {
        let clock = match self.inner.clock_kind {
            ClockKind::Simulated => "simulated",
            ClockKind::Wall => "wall",
        };
        let t_s = self.now_s();
        let result = match self.inner.journal.lock() {
            Ok(mut j) => match self.disk_space() {
                Err(e) => {
                    let e = format!("{JOURNAL_FILE}: {e}");
                    j.fail(e.clone());
                    Err(e)
                }
                Ok(()) => j
                    .append(t_s, clock, kind, data)
                    .map_err(|e| format!("{JOURNAL_FILE}: {}", io_detail(&e))),
            },
            Err(_) => Err("the journal's lock was poisoned".to_string()),
        };
        if let Err(e) = result {
            self.note_error(e);
        }
    }

    /// One request/reply on a device's byte link.
    pub fn exchange(&self, device: &str, request: &[u8], reply: Option<&[u8]>) {
        let mut data = serde_json::json!({ "device": device, "request": payload(request) });
        if let (Some(map), Some(reply)) = (data.as_object_mut(), reply) {
            map.insert("reply".into(), payload(reply));
        }
        self.record("exchange", data);
    }

    /// Writes a new evidence file (never over an existing one), synced, and
    /// returns its SHA-256 for the journal record that refers to it.
    /// Creates `path` (never over an existing file) as a buffered side file
    /// flushed at each commit.
    pub fn side_writer(&self, path: &Path) -> Result<SideFile, std::io::Error> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)?;
        let side = SideFile {
            inner: Arc::new(Mutex::new(std::io::BufWriter::with_capacity(
                64 * 1024,
                file,
            ))),
        };
        if let Ok(mut files) = self.inner.side_files.lock() {
            files.push(side.clone());
        }
        Ok(side)
    }

    pub fn write_file(&self, relative: &str, bytes: &[u8]) -> Result<String, std::io::Error> {
        self.disk_space()?;
        let path = self.inner.dir.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        Ok(sha256_hex(bytes))
    }

    pub fn note_error(&self, e: String) {
        if let Ok(mut first) = self.inner.first_error.lock() {
            first.get_or_insert(e);
        }
    }

    pub fn first_error(&self) -> Option<String> {
        self.inner.first_error.lock().ok().and_then(|e| e.clone())
    }

    /// The emulated full disk on or off (the `disk_full` fault). Writes
    /// that failed meanwhile stay failed: the journal takes no record after
    /// a failed one.
    pub fn set_disk_full(&self, full: bool) {
        self.inner.disk_full.store(full, Ordering::SeqCst);
    }

    /// `Err(ENOSPC)` while the emulated disk is full.
    pub fn disk_space(&self) -> Result<(), std::io::Error> {
        if self.inner.disk_full.load(Ordering::SeqCst) {
            Err(std::io::Error::from_raw_os_error(libc::ENOSPC))
        } else {
            Ok(())
        }
    }
}

fn unix_now() -> std::time::Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

/// A journal error without the folder's path: the reason is the same
/// wherever the folder is (and `--json` stays the same with any `--out`).
fn io_detail(e: &super::journal::JournalError) -> String {
    match e {
        super::journal::JournalError::Io { source, .. } => source.to_string(),
        e => e.to_string(),
    }
}

impl crate::exec::faults::EvidenceHealth for Evidence {
    fn write_error(&self) -> Option<String> {
        self.first_error().or_else(|| {
            self.disk_space()
                .err()
                .map(|e| format!("{JOURNAL_FILE}: {e}"))
        })
    }
}

/// Longest payload the journal keeps verbatim; longer ones (a waveform
/// block) are kept as length + digest, the bytes being in the transcript.
const INLINE_MAX_BYTES: usize = 256;

/// Text when it is printable ASCII (SCPI), hex otherwise (Modbus PDUs).
pub fn payload(bytes: &[u8]) -> Value {
    if bytes.len() > INLINE_MAX_BYTES {
        return serde_json::json!({ "bytes": bytes.len(), "sha256": sha256_hex(bytes) });
    }
    if bytes.iter().all(|b| (0x20..0x7f).contains(b)) {
        Value::String(String::from_utf8_lossy(bytes).into_owned())
    } else {
        serde_json::json!({ "hex": hex_lower(bytes) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_text_hex_or_digest() {
        assert_eq!(payload(b"VOLT 240"), Value::String("VOLT 240".into()));
        assert_eq!(
            payload(&[0x03, 0x9c, 0x40]),
            serde_json::json!({"hex": "039c40"})
        );
        let big = vec![b'#'; 1000];
        let p = payload(&big);
        assert_eq!(p["bytes"], 1000);
        assert_eq!(p["sha256"], sha256_hex(&big));
    }

    #[test]
    fn records_and_files_land_in_the_folder() {
        let dir = tempfile::tempdir().unwrap();
        let ev = Evidence::create(dir.path(), ClockKind::Wall).unwrap();
        ev.exchange("grid", b"*IDN?", Some(b"ACME,1,2,3"));
        let digest = ev.write_file("waveforms/a.csv", b"t_s\n").unwrap();
        assert_eq!(digest, sha256_hex(b"t_s\n"));
        assert!(
            ev.write_file("waveforms/a.csv", b"x").is_err(),
            "never overwrites"
        );
        let v = super::super::journal::verify(&dir.path().join(JOURNAL_FILE)).unwrap();
        assert_eq!(v.records.len(), 1);
        assert_eq!(v.records[0].kind, "exchange");
        assert_eq!(v.records[0].data["reply"], "ACME,1,2,3");
        assert!(Evidence::create(dir.path(), ClockKind::Wall).is_err());
    }

    #[test]
    fn a_full_disk_stops_every_write_and_the_journal_after_it() {
        use crate::exec::faults::EvidenceHealth;
        let dir = tempfile::tempdir().unwrap();
        let ev = Evidence::create(dir.path(), ClockKind::Wall).unwrap();
        ev.record("one", serde_json::json!({}));
        assert_eq!(ev.write_error(), None);
        ev.set_disk_full(true);
        let full = "journal.jsonl: No space left on device (os error 28)";
        assert_eq!(ev.write_error().as_deref(), Some(full));
        ev.record("two", serde_json::json!({}));
        assert!(ev.write_file("waveforms/a.csv", b"x").is_err());
        // Space again: the journal still takes nothing after its failed record.
        ev.set_disk_full(false);
        ev.record("three", serde_json::json!({}));
        assert_eq!(ev.write_error().as_deref(), Some(full));
        let v = super::super::journal::verify(&dir.path().join(JOURNAL_FILE)).unwrap();
        let kinds: Vec<&str> = v.records.iter().map(|r| r.kind.as_str()).collect();
        assert_eq!(kinds, ["one"]);
    }
}
