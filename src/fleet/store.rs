//! The fleet's store, behind one small trait: the commands never know
//! whether it is a SQLite file (`sqlite.rs`, the default) or a PostgreSQL
//! server (`postgres.rs`). Both hold the same schema, versioned by the same
//! numbered migrations (`schema_migrations`), applied when the store is
//! opened.

use super::record::RunRecord;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the fleet store {db}: {reason}")]
    Open { db: String, reason: String },
    #[error("the fleet store {db}: {reason}")]
    Query { db: String, reason: String },
    /// The store was written by a newer version of the tool.
    #[error("the fleet store {db} has schema version {found}; this version of v2x-hil knows up to {known}: use a newer v2x-hil")]
    TooNew { db: String, found: i64, known: i64 },
}

/// What adding a run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Added {
    /// A new run, now the site's current one; `superseded` names the run
    /// folder it replaces as current (still kept).
    Current { superseded: Option<String> },
    /// A new run, kept, but the site has a newer one (by the run's start).
    Older { current: String },
    /// This very run (same signed envelope) is already in the store.
    AlreadyIndexed { folder: String },
}

/// One site as `fleet status` shows it: its current run and how many runs
/// the store holds for it.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteRow {
    pub run: RunRecord,
    pub runs: i64,
}

/// The schema, one step a migration. Each backend gives its own SQL text
/// for each step (types and keys differ), for the same tables and columns.
pub const SCHEMA_VERSION: i64 = 1;

/// The columns of `runs`, in the order both backends write and read them.
pub const RUN_COLUMNS: &str = "envelope_sha256, folder, site_id, segment, utility, program, \
     chargers, charger_models, firmware, export_limit_w, reached, blocked, backup, rig_kind, \
     status, verdict, started_utc, signer_keyid, added_utc";

pub trait Store: Send {
    /// `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;
    /// The schema version the store is at (after the migrations on open).
    fn schema_version(&mut self) -> Result<i64, StoreError>;
    /// Adds a run (idempotent on its envelope's digest) and makes it its
    /// site's current run when it started later than the current one.
    fn add_run(&mut self, run: &RunRecord) -> Result<Added, StoreError>;
    /// Every site's current run, by site id.
    fn sites(&mut self) -> Result<Vec<SiteRow>, StoreError>;
    /// Every run of one site, newest first.
    fn runs_of(&mut self, site_id: &str) -> Result<Vec<RunRecord>, StoreError>;
}

/// The key a site's runs are ordered by: the run's start (UTC, ISO 8601,
/// so it sorts as text), a run without one first.
pub fn order_key(run: &RunRecord) -> String {
    run.started_utc.clone().unwrap_or_default()
}

/// The migrations, in order: step N brings the schema to version N. `{id}`
/// is the backend's auto-numbered key type; everything else is the same
/// SQL on both.
pub const MIGRATIONS: &[&str] = &[
    // 1: runs (every verified run folder added), sites (each site's
    // current run: the one that started last; how many runs it has).
    "CREATE TABLE runs (
        id {id},
        envelope_sha256 TEXT NOT NULL UNIQUE,
        folder TEXT NOT NULL,
        site_id TEXT NOT NULL,
        segment TEXT,
        utility TEXT,
        program TEXT,
        chargers TEXT,
        charger_models TEXT,
        firmware TEXT,
        export_limit_w DOUBLE PRECISION,
        reached TEXT NOT NULL,
        blocked TEXT,
        backup TEXT NOT NULL,
        rig_kind TEXT NOT NULL,
        status TEXT NOT NULL,
        verdict TEXT NOT NULL,
        started_utc TEXT,
        signer_keyid TEXT NOT NULL,
        added_utc TEXT NOT NULL
    );
    CREATE INDEX runs_site_id ON runs (site_id);
    CREATE TABLE sites (
        site_id TEXT PRIMARY KEY,
        run_id BIGINT NOT NULL REFERENCES runs (id),
        order_key TEXT NOT NULL,
        runs BIGINT NOT NULL
    );",
];

/// The migrations a store at schema version `at` still needs (1-based);
/// a store from a newer tool is refused.
pub fn pending(at: i64, db: &str) -> Result<std::ops::RangeInclusive<usize>, StoreError> {
    if at > SCHEMA_VERSION {
        return Err(StoreError::TooNew {
            db: db.to_string(),
            found: at,
            known: SCHEMA_VERSION,
        });
    }
    Ok((at.max(0) as usize + 1)..=MIGRATIONS.len())
}

/// The statements of migration `n` (1-based) for a backend.
pub fn migration_sql(n: usize, id_type: &str) -> String {
    MIGRATIONS[n - 1].replace("{id}", id_type)
}

/// A row of `runs` (the `RUN_COLUMNS`, in order) as each backend reads it.
pub trait RowGet {
    fn text(&self, i: usize) -> Result<Option<String>, String>;
    fn real(&self, i: usize) -> Result<Option<f64>, String>;
}

pub fn run_from_row(r: &impl RowGet) -> Result<RunRecord, String> {
    let req = |i: usize| -> Result<String, String> { Ok(r.text(i)?.unwrap_or_default()) };
    Ok(RunRecord {
        envelope_sha256: req(0)?,
        folder: req(1)?,
        site_id: req(2)?,
        segment: r.text(3)?,
        utility: r.text(4)?,
        program: r.text(5)?,
        chargers: r.text(6)?,
        charger_models: r.text(7)?,
        firmware: r.text(8)?,
        export_limit_w: r.real(9)?,
        reached: super::record::Stage::parse(&req(10)?).unwrap_or(super::record::Stage::Installed),
        blocked: r.text(11)?,
        backup: req(12)?,
        rig_kind: req(13)?,
        status: req(14)?,
        verdict: req(15)?,
        started_utc: r.text(16)?,
        signer_keyid: req(17)?,
        added_utc: req(18)?,
    })
}

/// Whether a new run (its order key and id) comes after the current one.
pub fn is_newer(key: &str, id: i64, current_key: &str, current_id: i64) -> bool {
    (key, id) > (current_key, current_id)
}
