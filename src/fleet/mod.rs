//! The fleet roll-up: an index of verified run folders, one current run per
//! site, for a program administrator (`v2x-hil fleet`). The run folder
//! stays the unit of evidence: the store keeps what its verified report
//! says and where the folder is, never a copy of the evidence.
//!
//! - `index`: `fleet add` (verify as `report verify` does, then index);
//! - `derive`: the record and the stage a verified report gives;
//! - `store`: the trait both stores implement, the schema and migrations;
//!   `sqlite` (the default, a file) and `postgres` (a server);
//! - `status`: the per-site view, its filters, text, CSV and JSON;
//! - `dashboard`: the self-contained HTML page of `fleet report`.

pub mod dashboard;
pub mod derive;
pub mod index;
pub mod postgres;
pub mod record;
pub mod sqlite;
pub mod status;
pub mod store;

use std::path::PathBuf;
pub use store::{Store, StoreError};

/// The environment variable naming the store when `--db` is not given.
pub const DB_ENV: &str = "V2X_HIL_FLEET_DB";
/// The store when neither `--db` nor the variable names one: a SQLite file
/// in the current folder.
pub const DEFAULT_DB: &str = "fleet.db";

/// Where the store is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Db {
    Sqlite(PathBuf),
    /// A `postgres://` or `postgresql://` URL (libpq's form).
    Postgres(String),
}

impl Db {
    pub fn parse(text: &str) -> Db {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Db::Postgres(text.to_string())
        } else {
            Db::Sqlite(PathBuf::from(text))
        }
    }

    /// `--db` when given, else `$V2X_HIL_FLEET_DB`, else `fleet.db`.
    pub fn choose(given: Option<&str>) -> Db {
        let env = std::env::var(DB_ENV).ok().filter(|v| !v.is_empty());
        Db::parse(given.or(env.as_deref()).unwrap_or(DEFAULT_DB))
    }

    /// For people: a path, or the URL without its password.
    pub fn shown(&self) -> String {
        match self {
            Db::Sqlite(p) => p.display().to_string(),
            Db::Postgres(url) => postgres::shown_url(url),
        }
    }

    /// Opens the store, applying any migration it lacks.
    pub fn open(&self) -> Result<Box<dyn Store>, StoreError> {
        Ok(match self {
            Db::Sqlite(path) => Box::new(sqlite::SqliteStore::open(path)?),
            Db::Postgres(url) => Box::new(postgres::PostgresStore::open(url)?),
        })
    }
}

pub(crate) fn now_utc() -> String {
    crate::report::time::utc_now_rfc3339()
}
