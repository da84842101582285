//! The default store: one SQLite file (rusqlite with its bundled SQLite,
//! nothing to install or start). WAL journal, so `fleet status` reads while
//! an `add` writes; each add is one transaction.

use super::record::RunRecord;
use super::store::{
    is_newer, migration_sql, order_key, pending, run_from_row, Added, RowGet, SiteRow, Store,
    StoreError, RUN_COLUMNS, SCHEMA_VERSION,
};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;

pub struct SqliteStore {
    conn: Connection,
    name: String,
}

impl SqliteStore {
    /// Opens (creating) the file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let name = path.display().to_string();
        let open_err = |e: rusqlite::Error| StoreError::Open {
            db: name.clone(),
            reason: e.to_string(),
        };
        let conn = Connection::open(path).map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(10))
            .map_err(open_err)?;
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
        )
        .map_err(open_err)?;
        let mut store = SqliteStore { conn, name };
        store.migrate()?;
        Ok(store)
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
        move |e| StoreError::Query {
            db: self.name.clone(),
            reason: e.to_string(),
        }
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        // Up to date (every open but the first after an upgrade): nothing to
        // write, so `status` takes no write lock.
        let at: Option<i64> = self
            .conn
            .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
                r.get(0)
            })
            .ok()
            .flatten();
        if at == Some(SCHEMA_VERSION) {
            return Ok(());
        }
        let name = self.name.clone();
        let err = |e: rusqlite::Error| StoreError::Open {
            db: name.clone(),
            reason: format!("applying the schema: {e}"),
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        tx.execute_batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_utc TEXT NOT NULL);",
        )
        .map_err(err)?;
        let at: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                [],
                |r| r.get(0),
            )
            .map_err(err)?;
        for n in pending(at, &name)? {
            tx.execute_batch(&migration_sql(n, "INTEGER PRIMARY KEY"))
                .map_err(err)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_utc) VALUES (?1, ?2)",
                params![n as i64, super::now_utc()],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }
}

struct Row<'a, 'b>(&'a rusqlite::Row<'b>);

impl RowGet for Row<'_, '_> {
    fn text(&self, i: usize) -> Result<Option<String>, String> {
        self.0.get(i).map_err(|e| e.to_string())
    }
    fn real(&self, i: usize) -> Result<Option<f64>, String> {
        self.0.get(i).map_err(|e| e.to_string())
    }
}

fn read_run(row: &rusqlite::Row<'_>) -> rusqlite::Result<RunRecord> {
    run_from_row(&Row(row)).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, e.into())
    })
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn schema_version(&mut self) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
                r.get(0)
            })
            .map_err(self.err())
    }

    fn add_run(&mut self, run: &RunRecord) -> Result<Added, StoreError> {
        let name = self.name.clone();
        let err = |e: rusqlite::Error| StoreError::Query {
            db: name.clone(),
            reason: e.to_string(),
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(err)?;
        let id: Option<i64> = tx
            .query_row(
                &format!(
                    "INSERT INTO runs ({RUN_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)
                     ON CONFLICT (envelope_sha256) DO NOTHING RETURNING id"
                ),
                params![
                    run.envelope_sha256,
                    run.folder,
                    run.site_id,
                    run.segment,
                    run.utility,
                    run.program,
                    run.chargers,
                    run.charger_models,
                    run.firmware,
                    run.export_limit_w,
                    run.reached.key(),
                    run.blocked,
                    run.backup,
                    run.rig_kind,
                    run.status,
                    run.verdict,
                    run.started_utc,
                    run.signer_keyid,
                    run.added_utc,
                ],
                |r| r.get(0),
            )
            .optional()
            .map_err(err)?;
        let Some(id) = id else {
            let folder: String = tx
                .query_row(
                    "SELECT folder FROM runs WHERE envelope_sha256 = ?1",
                    params![run.envelope_sha256],
                    |r| r.get(0),
                )
                .map_err(err)?;
            return Ok(Added::AlreadyIndexed { folder });
        };
        let key = order_key(run);
        let current: Option<(i64, String, String)> = tx
            .query_row(
                "SELECT s.run_id, s.order_key, r.folder FROM sites s JOIN runs r ON r.id = s.run_id WHERE s.site_id = ?1",
                params![run.site_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .map_err(err)?;
        let added = match current {
            None => {
                tx.execute(
                    "INSERT INTO sites (site_id, run_id, order_key, runs) VALUES (?1, ?2, ?3, 1)",
                    params![run.site_id, id, key],
                )
                .map_err(err)?;
                Added::Current { superseded: None }
            }
            Some((cur_id, cur_key, folder)) if is_newer(&key, id, &cur_key, cur_id) => {
                tx.execute(
                    "UPDATE sites SET run_id = ?2, order_key = ?3, runs = runs + 1 WHERE site_id = ?1",
                    params![run.site_id, id, key],
                )
                .map_err(err)?;
                Added::Current {
                    superseded: Some(folder),
                }
            }
            Some((_, _, folder)) => {
                tx.execute(
                    "UPDATE sites SET runs = runs + 1 WHERE site_id = ?1",
                    params![run.site_id],
                )
                .map_err(err)?;
                Added::Older { current: folder }
            }
        };
        tx.commit().map_err(err)?;
        Ok(added)
    }

    fn sites(&mut self) -> Result<Vec<SiteRow>, StoreError> {
        let cols = prefixed(RUN_COLUMNS, "r.");
        let sql = format!(
            "SELECT {cols}, s.runs
             FROM sites s JOIN runs r ON r.id = s.run_id ORDER BY s.site_id"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(self.err())?;
        let rows = stmt
            .query_map([], |row| {
                Ok(SiteRow {
                    run: read_run(row)?,
                    runs: row.get(19)?,
                })
            })
            .map_err(self.err())?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r.map_err(self.err())?);
        }
        Ok(out)
    }

    fn runs_of(&mut self, site_id: &str) -> Result<Vec<RunRecord>, StoreError> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE site_id = ?1 ORDER BY COALESCE(started_utc, '') DESC, id DESC"
        );
        let mut stmt = self.conn.prepare(&sql).map_err(self.err())?;
        let rows = stmt
            .query_map(params![site_id], read_run)
            .map_err(self.err())?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r.map_err(self.err())?);
        }
        Ok(out)
    }
}

/// `a, b` → `r.a, r.b`.
pub(super) fn prefixed(columns: &str, prefix: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{prefix}{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}
