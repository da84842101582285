//! The store on a PostgreSQL server, for a program whose installers add
//! runs from many laptops: the same schema and migrations as the SQLite
//! file (`store.rs`), through the synchronous `postgres` client (pure
//! Rust). Migrations run under an advisory lock, so two laptops opening a
//! new database at once do not both apply them. Connections are plain TCP
//! or a Unix socket (no TLS yet: see the README).

use super::record::RunRecord;
use super::sqlite::prefixed;
use super::store::{
    is_newer, migration_sql, order_key, pending, run_from_row, Added, RowGet, SiteRow, Store,
    StoreError, RUN_COLUMNS, SCHEMA_VERSION,
};
use postgres::{Client, NoTls};

pub struct PostgresStore {
    client: Client,
    name: String,
}

/// Any number, so long as every v2x-hil uses the same one.
const MIGRATION_LOCK: i64 = 0x7632_785f_666c_6565; // "v2x_flee"

/// A URL as it may be shown: without its password.
pub fn shown_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}@{host}")
        }
        None => url.to_string(),
    }
}

fn reason(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{}: {}", db.severity(), db.message()),
        None => e.to_string(),
    }
}

impl PostgresStore {
    pub fn open(url: &str) -> Result<PostgresStore, StoreError> {
        let name = shown_url(url);
        let client = Client::connect(url, NoTls).map_err(|e| StoreError::Open {
            db: name.clone(),
            reason: reason(&e),
        })?;
        let mut store = PostgresStore { client, name };
        // An add's commit does not wait for the server's WAL flush: a server
        // crash may lose the last adds (never corrupt the store); adding
        // again is idempotent, and the run folders are the evidence.
        store
            .client
            .batch_execute("SET synchronous_commit = off")
            .map_err(|e| StoreError::Open {
                db: store.name.clone(),
                reason: reason(&e),
            })?;
        store.migrate()?;
        Ok(store)
    }

    fn err(&self) -> impl Fn(postgres::Error) -> StoreError + '_ {
        move |e| StoreError::Query {
            db: self.name.clone(),
            reason: reason(&e),
        }
    }

    fn migrate(&mut self) -> Result<(), StoreError> {
        // Up to date (every open but the first after an upgrade): no lock,
        // no transaction, one round trip.
        let at: Option<i64> = self
            .client
            .query_one("SELECT MAX(version)::BIGINT FROM schema_migrations", &[])
            .ok()
            .and_then(|r| r.get(0));
        if at == Some(SCHEMA_VERSION) {
            return Ok(());
        }
        let name = self.name.clone();
        let err = |e: postgres::Error| StoreError::Open {
            db: name.clone(),
            reason: format!("applying the schema: {}", reason(&e)),
        };
        let mut tx = self.client.transaction().map_err(err)?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .map_err(err)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_utc TEXT NOT NULL);",
        )
        .map_err(err)?;
        let at: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations",
                &[],
            )
            .map_err(err)?
            .get(0);
        for n in pending(at, &name)? {
            tx.batch_execute(&migration_sql(n, "BIGSERIAL PRIMARY KEY"))
                .map_err(err)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_utc) VALUES ($1, $2)",
                &[&(n as i64), &super::now_utc()],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }
}

struct Row<'a>(&'a postgres::Row);

impl RowGet for Row<'_> {
    fn text(&self, i: usize) -> Result<Option<String>, String> {
        self.0.try_get(i).map_err(|e| e.to_string())
    }
    fn real(&self, i: usize) -> Result<Option<f64>, String> {
        self.0.try_get(i).map_err(|e| e.to_string())
    }
}

impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn schema_version(&mut self) -> Result<i64, StoreError> {
        let name = self.name.clone();
        let row = self
            .client
            .query_one("SELECT MAX(version)::BIGINT FROM schema_migrations", &[])
            .map_err(|e| StoreError::Query {
                db: name,
                reason: reason(&e),
            })?;
        Ok(row.get(0))
    }

    fn add_run(&mut self, run: &RunRecord) -> Result<Added, StoreError> {
        let name = self.name.clone();
        let err = |e: postgres::Error| StoreError::Query {
            db: name.clone(),
            reason: reason(&e),
        };
        let mut tx = self.client.transaction().map_err(err)?;
        let inserted = tx
            .query_opt(
                &format!(
                    "INSERT INTO runs ({RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
                     ON CONFLICT (envelope_sha256) DO NOTHING RETURNING id"
                ),
                &[
                    &run.envelope_sha256,
                    &run.folder,
                    &run.site_id,
                    &run.segment,
                    &run.utility,
                    &run.program,
                    &run.chargers,
                    &run.charger_models,
                    &run.firmware,
                    &run.export_limit_w,
                    &run.reached.key(),
                    &run.blocked,
                    &run.backup,
                    &run.rig_kind,
                    &run.status,
                    &run.verdict,
                    &run.started_utc,
                    &run.signer_keyid,
                    &run.added_utc,
                ],
            )
            .map_err(err)?;
        let Some(inserted) = inserted else {
            let row = tx
                .query_one(
                    "SELECT folder FROM runs WHERE envelope_sha256 = $1",
                    &[&run.envelope_sha256],
                )
                .map_err(err)?;
            tx.commit().map_err(err)?;
            return Ok(Added::AlreadyIndexed { folder: row.get(0) });
        };
        let id: i64 = inserted.get(0);
        let key = order_key(run);
        // The first run of a site; or, under the row's lock, the current
        // one compared (another laptop may be adding to the same site).
        let first = tx
            .execute(
                "INSERT INTO sites (site_id, run_id, order_key, runs) VALUES ($1, $2, $3, 1) ON CONFLICT (site_id) DO NOTHING",
                &[&run.site_id, &id, &key],
            )
            .map_err(err)?;
        let added = if first == 1 {
            Added::Current { superseded: None }
        } else {
            let row = tx
                .query_one(
                    "SELECT s.run_id, s.order_key, r.folder FROM sites s JOIN runs r ON r.id = s.run_id WHERE s.site_id = $1 FOR UPDATE OF s",
                    &[&run.site_id],
                )
                .map_err(err)?;
            let (cur_id, cur_key, folder): (i64, String, String) =
                (row.get(0), row.get(1), row.get(2));
            if is_newer(&key, id, &cur_key, cur_id) {
                tx.execute(
                    "UPDATE sites SET run_id = $2, order_key = $3, runs = runs + 1 WHERE site_id = $1",
                    &[&run.site_id, &id, &key],
                )
                .map_err(err)?;
                Added::Current {
                    superseded: Some(folder),
                }
            } else {
                tx.execute(
                    "UPDATE sites SET runs = runs + 1 WHERE site_id = $1",
                    &[&run.site_id],
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
             FROM sites s JOIN runs r ON r.id = s.run_id ORDER BY s.site_id COLLATE \"C\""
        );
        let rows = self.client.query(&sql, &[]).map_err(self.err())?;
        let name = self.name.clone();
        let bad = |reason: String| StoreError::Query {
            db: name.clone(),
            reason,
        };
        rows.iter()
            .map(|row| {
                Ok(SiteRow {
                    run: run_from_row(&Row(row)).map_err(bad)?,
                    runs: row.try_get(19).map_err(|e| bad(e.to_string()))?,
                })
            })
            .collect()
    }

    fn runs_of(&mut self, site_id: &str) -> Result<Vec<RunRecord>, StoreError> {
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM runs WHERE site_id = $1 ORDER BY COALESCE(started_utc, '') COLLATE \"C\" DESC, id DESC"
        );
        let rows = self.client.query(&sql, &[&site_id]).map_err(self.err())?;
        let name = self.name.clone();
        rows.iter()
            .map(|row| {
                run_from_row(&Row(row)).map_err(|reason| StoreError::Query {
                    db: name.clone(),
                    reason,
                })
            })
            .collect()
    }
}
