//! `v2x-hil fleet` on run folders made by `commission` (the emulated home
//! and depot twins) and `run --site`, against both stores: every test runs
//! once on a SQLite file and once on PostgreSQL (the server named by
//! `V2X_HIL_TEST_POSTGRES_URL`, which `.ci/run` starts; without it the
//! PostgreSQL half skips through tests/common, a failure under CI=true).
//! Each PostgreSQL test works in a schema of its own.

mod cli_common;
mod common;
use cli_common::{ok, root};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const PG_ENV: &str = "V2X_HIL_TEST_POSTGRES_URL";

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn v2x(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .env_remove("V2X_HIL_FLEET_DB")
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The run folders every test indexes, made once per test binary.
struct Runs {
    trusted: PathBuf,
    other_key: PathBuf,
    /// `commission` of sites/example-home.yaml on its emulated twin.
    home: PathBuf,
    /// `commission` of sites/example-depot.yaml (two chargers).
    depot: PathBuf,
    /// `run` of a short settings plan with the test site, twice, the
    /// second at least a second later: the older and the newer run of
    /// TEST-SITE-0001 (no firmware gate: it stops at `installed`).
    settings_old: PathBuf,
    settings_new: PathBuf,
    /// A run without --site.
    no_site: PathBuf,
    /// A settings run signed by a key the program does not trust.
    untrusted: PathBuf,
}

fn runs() -> &'static Runs {
    static RUNS: OnceLock<Runs> = OnceLock::new();
    RUNS.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fleet-runs");
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        ok(&v2x(&["keys", "new", s(&dir.join("installer"))]));
        ok(&v2x(&["keys", "new", s(&dir.join("stranger"))]));
        let key = dir.join("installer.pem");
        let commission = |site: &str, out: &Path| {
            Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
                .args(["commission", "--site", site, "--out", s(out)])
                .args(["--sign-key", s(&key), "--yes"])
                .current_dir(root())
                .env("NO_COLOR", "1")
                .stdin(std::process::Stdio::null())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        // The two commissioning runs side by side (the home's takes longest).
        let home = commission("sites/example-home.yaml", &dir.join("home"));
        let depot = commission("sites/example-depot.yaml", &dir.join("depot"));
        let settings = |out: &Path, site: bool, key: &Path| {
            let mut args = vec!["run", "fixtures/plans/commissioning-settings.yaml"];
            if site {
                args.extend(["--site", "fixtures/sites/emulated-home.yaml"]);
            }
            args.extend(["--out", s(out), "--sign-key", s(key)]);
            ok(&v2x(&args));
        };
        settings(&dir.join("settings-old"), true, &key);
        std::thread::sleep(std::time::Duration::from_millis(1100));
        settings(&dir.join("settings-new"), true, &key);
        settings(&dir.join("no-site"), false, &key);
        settings(&dir.join("untrusted"), true, &dir.join("stranger.pem"));
        ok(&home.wait_with_output().unwrap());
        ok(&depot.wait_with_output().unwrap());
        Runs {
            trusted: dir.join("installer.pub.pem"),
            other_key: dir.join("stranger.pub.pem"),
            home: dir.join("home"),
            depot: dir.join("depot"),
            settings_old: dir.join("settings-old"),
            settings_new: dir.join("settings-new"),
            no_site: dir.join("no-site"),
            untrusted: dir.join("untrusted"),
        }
    })
}

#[derive(Clone, Copy)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh, empty store for one test: a SQLite file in `dir`, or a schema
/// of its own on the test server. `None` (after a skip) without a server.
fn store(backend: Backend, dir: &Path, test: &str) -> Option<String> {
    match backend {
        Backend::Sqlite => Some(dir.join("fleet.db").display().to_string()),
        Backend::Postgres => {
            let Some(url) = std::env::var(PG_ENV).ok().filter(|u| !u.is_empty()) else {
                common::skip(
                    test,
                    &format!("{PG_ENV} is not set: no PostgreSQL server (scripts/postgres-test-server.sh starts one)"),
                );
                return None;
            };
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .subsec_nanos();
            let schema = format!(
                "fleet_test_{}_{}_{nanos}",
                std::process::id(),
                N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            );
            let mut client = ::postgres::Client::connect(&url, ::postgres::NoTls)
                .unwrap_or_else(|e| panic!("{PG_ENV}: {e}"));
            client
                .batch_execute(&format!("CREATE SCHEMA {schema}"))
                .unwrap();
            let sep = if url.contains('?') { '&' } else { '?' };
            Some(format!("{url}{sep}options=-c%20search_path%3D{schema}"))
        }
    }
}

fn fleet(db: &str, args: &[&str]) -> Output {
    let mut all = vec!["fleet", "--db", db];
    all.extend_from_slice(args);
    v2x(&all)
}

fn add(db: &str, dirs: &[&Path]) -> Output {
    let mut args = vec!["add"];
    args.extend(dirs.iter().map(|d| s(d)));
    args.extend(["--key", s(&runs().trusted)]);
    fleet(db, &args)
}

fn status_json(db: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["status", "--json"];
    args.extend_from_slice(extra);
    let out = fleet(db, &args);
    ok(&out);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["sites"].as_array().unwrap().clone()
}

fn site<'a>(sites: &'a [Value], id: &str) -> &'a Value {
    sites
        .iter()
        .find(|s| s["site_id"] == id)
        .unwrap_or_else(|| panic!("no site {id} in {sites:?}"))
}

/// A copy of a run folder (same files, another path).
fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

/// Flips one byte of `file` in the middle of it.
fn tamper(file: &Path) {
    let mut bytes = std::fs::read(file).unwrap();
    let i = bytes.len() / 2;
    bytes[i] ^= 0x01;
    std::fs::write(file, bytes).unwrap();
}

fn adds_commissioned_sites_with_their_stage_and_readds_idempotently(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = store(b, dir.path(), "fleet::adds_commissioned_sites") else {
        return;
    };
    let r = runs();
    let out = add(&db, &[&r.home, &r.depot, &r.settings_new]);
    ok(&out);
    assert!(
        text(&out).contains("3 added, 0 already indexed, 0 refused"),
        "{}",
        text(&out)
    );
    let sites = status_json(&db, &[]);
    assert_eq!(sites.len(), 3);

    let home = site(&sites, "NE-V2X-0042");
    assert_eq!(home["segment"], "home");
    assert_eq!(home["utility"], "Eversource");
    assert_eq!(home["chargers"], "EP11-2026-000731");
    assert_eq!(home["charger_models"], "Example Power BiDi 11 kW");
    // The firmware gate updated it from 1.0.0 to the approved 1.1.0.
    assert_eq!(home["firmware"], "1.1.0");
    assert_eq!(home["backup_test"], "pass");
    assert_eq!(home["verdict"], "pass");
    assert_eq!(home["rig_kind"], "emulated");
    // Every stage passed, but an emulated run is not a field record.
    assert_eq!(home["stage"], "backup_test");
    assert!(
        home["blocked"].as_str().unwrap().contains("EMULATED"),
        "{home}"
    );
    assert_eq!(home["export_limit_w"], 7600.0);
    assert!(home["last_run"].as_str().unwrap().ends_with('Z'));

    let depot = site(&sites, "DEPOT-7.bus-v2g");
    assert_eq!(depot["segment"], "depot");
    assert_eq!(depot["utility"], "National Grid");
    assert_eq!(depot["chargers"], "000418, 000419");
    assert_eq!(depot["backup_test"], "not applicable");
    assert_eq!(depot["stage"], "functional_test");

    // A plan without a firmware gate: the site is installed, and says why
    // it goes no further; the site file states no segment.
    let test_site = site(&sites, "TEST-SITE-0001");
    assert_eq!(test_site["stage"], "installed");
    assert_eq!(test_site["segment"], Value::Null);
    assert!(
        test_site["blocked"]
            .as_str()
            .unwrap()
            .starts_with("firmware:"),
        "{test_site}"
    );

    // A program's dry run counts the emulated runs as field records.
    let dry = status_json(&db, &["--include-emulated"]);
    assert_eq!(site(&dry, "NE-V2X-0042")["stage"], "signed");
    assert_eq!(site(&dry, "NE-V2X-0042")["blocked"], Value::Null);
    assert_eq!(site(&dry, "DEPOT-7.bus-v2g")["stage"], "signed");

    // Again, and a copy of the same folder elsewhere: the same signed run.
    let again = dir.path().join("home-copy");
    copy(&r.home, &again);
    let out = add(&db, &[&r.home, &again]);
    ok(&out);
    assert!(
        text(&out).contains("0 added, 2 already indexed, 0 refused"),
        "{}",
        text(&out)
    );
    let after = status_json(&db, &[]);
    assert_eq!(after.len(), 3);
    assert_eq!(site(&after, "NE-V2X-0042")["runs"], 1);

    // The table for people says the same.
    let out = fleet(&db, &["status"]);
    ok(&out);
    let t = text(&out);
    assert!(t.contains("NE-V2X-0042"), "{t}");
    assert!(t.contains("blocked: firmware:"), "{t}");
    assert!(t.contains("not stated"), "{t}");
}

fn refuses_tampered_untrusted_and_siteless_folders_with_the_reason(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = store(b, dir.path(), "fleet::refuses_tampered") else {
        return;
    };
    let r = runs();
    let journal = dir.path().join("journal-tampered");
    copy(&r.depot, &journal);
    tamper(&journal.join("journal.jsonl"));
    let report = dir.path().join("report-tampered");
    copy(&r.depot, &report);
    tamper(&report.join("report.json"));
    let out = add(
        &db,
        &[&journal, &r.settings_new, &report, &r.untrusted, &r.no_site],
    );
    assert_eq!(out.status.code(), Some(4), "{}", text(&out));
    let t = text(&out);
    assert!(t.contains("1 added, 0 already indexed, 4 refused"), "{t}");
    assert!(
        t.contains(&format!(
            "REFUSED {}: does not verify: journal.jsonl: SHA-256",
            journal.display()
        )),
        "{t}"
    );
    assert!(
        t.contains(&format!(
            "REFUSED {}: does not verify: report.json: SHA-256",
            report.display()
        )),
        "{t}"
    );
    assert!(
        t.contains("which is not one of the program's 1 trusted installer key(s)"),
        "{t}"
    );
    assert!(t.contains("its report names no site"), "{t}");
    // Listed again at the end, on stderr.
    assert!(String::from_utf8_lossy(&out.stderr).contains("4 folder(s) refused"));
    let sites = status_json(&db, &[]);
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0]["site_id"], "TEST-SITE-0001");

    // Trusting the other key too, its folder verifies.
    let out = fleet(
        &db,
        &[
            "add",
            s(&r.untrusted),
            "--key",
            s(&r.trusted),
            "--key",
            s(&r.other_key),
        ],
    );
    ok(&out);
}

fn a_newer_run_supersedes_an_older_one_and_both_are_kept(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let r = runs();
    // Newer first: the older one is kept but does not become current.
    let Some(db) = store(
        b,
        &dir.path().join("a").tap_mkdir(),
        "fleet::a_newer_run_supersedes",
    ) else {
        return;
    };
    ok(&add(&db, &[&r.settings_new]));
    let out = add(&db, &[&r.settings_old]);
    ok(&out);
    assert!(text(&out).contains("kept; not current"), "{}", text(&out));
    let started = |d: &Path| -> Value {
        let rep: Value =
            serde_json::from_slice(&std::fs::read(d.join("report.json")).unwrap()).unwrap();
        rep["started_utc"].clone()
    };
    assert_ne!(started(&r.settings_old), started(&r.settings_new));
    let sites = status_json(&db, &[]);
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0]["runs"], 2);
    assert_eq!(sites[0]["last_run"], started(&r.settings_new));
    assert_eq!(
        sites[0]["folder"],
        s(&std::path::absolute(&r.settings_new).unwrap())
    );

    // Older first: the newer one supersedes it.
    let Some(db) = store(
        b,
        &dir.path().join("b").tap_mkdir(),
        "fleet::a_newer_run_supersedes",
    ) else {
        return;
    };
    ok(&add(&db, &[&r.settings_old]));
    let out = add(&db, &[&r.settings_new]);
    ok(&out);
    assert!(
        text(&out).contains("its current run; supersedes"),
        "{}",
        text(&out)
    );
    let sites = status_json(&db, &[]);
    assert_eq!(sites[0]["runs"], 2);
    assert_eq!(sites[0]["last_run"], started(&r.settings_new));
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for PathBuf {
    fn tap_mkdir(self) -> Self {
        std::fs::create_dir_all(&self).unwrap();
        self
    }
}

fn filters_csv_and_json(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = store(b, dir.path(), "fleet::filters_csv_and_json") else {
        return;
    };
    let r = runs();
    ok(&add(&db, &[&r.home, &r.depot, &r.settings_new]));
    let ids = |extra: &[&str]| -> Vec<String> {
        status_json(&db, extra)
            .iter()
            .map(|s| s["site_id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&["--utility", "national grid"]), ["DEPOT-7.bus-v2g"]);
    assert_eq!(
        ids(&["--utility", "Eversource"]),
        ["NE-V2X-0042", "TEST-SITE-0001"]
    );
    assert_eq!(ids(&["--segment", "home"]), ["NE-V2X-0042"]);
    assert_eq!(ids(&["--stage", "installed"]), ["TEST-SITE-0001"]);
    assert_eq!(ids(&["--stage", "backup test"]), ["NE-V2X-0042"]);
    assert!(ids(&["--stage", "signed"]).is_empty());
    assert_eq!(
        ids(&["--stage", "signed", "--include-emulated"]),
        ["DEPOT-7.bus-v2g", "NE-V2X-0042"]
    );
    assert_eq!(
        ids(&["--utility", "Eversource", "--segment", "depot"]),
        Vec::<String>::new()
    );
    let bad = fleet(&db, &["status", "--stage", "energised"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad).contains("not a stage"), "{}", text(&bad));

    // JSON: the stages in order, and every field of every site.
    let out = fleet(&db, &["status", "--json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["stages"],
        serde_json::json!([
            "installed",
            "firmware_approved",
            "settings_compliant",
            "functional_test",
            "backup_test",
            "signed"
        ])
    );
    let keys: Vec<&String> = doc["sites"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 18, "{keys:?}");

    // CSV: a header, then one record per site, each with every column
    // (quoted where a field holds a comma).
    let out = fleet(&db, &["status", "--csv"]);
    ok(&out);
    let csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(
        lines[0].starts_with("site_id,segment,utility,program,chargers,"),
        "{csv}"
    );
    for line in &lines {
        assert_eq!(csv_fields(line).len(), 18, "{line}");
    }
    let depot = lines.iter().find(|l| l.starts_with("DEPOT-7")).unwrap();
    let f = csv_fields(depot);
    assert_eq!(f[4], "000418, 000419");
    assert_eq!(f[7], "functional_test");
    assert_eq!(f[14], "10000");
    let test_site = lines
        .iter()
        .find(|l| l.starts_with("TEST-SITE-0001"))
        .unwrap();
    assert_eq!(csv_fields(test_site)[1], "", "no segment stated: empty");
}

/// The fields of one RFC 4180 record.
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', false) => quoted = true,
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            ('"', true) => quoted = false,
            (',', false) => out.push(String::new()),
            (c, _) => out.last_mut().unwrap().push(c),
        }
    }
    out
}

fn the_dashboard_has_the_totals_and_the_blocked_sites(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = store(b, dir.path(), "fleet::the_dashboard") else {
        return;
    };
    let r = runs();
    ok(&add(&db, &[&r.home, &r.depot, &r.settings_new]));
    let out_dir = dir.path().join("dash");
    let out = fleet(
        &db,
        &[
            "report",
            "--out",
            s(&out_dir),
            "--target-kw",
            "1500",
            "--include-emulated",
        ],
    );
    ok(&out);
    let html = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert!(!html.to_ascii_lowercase().contains("<script"), "no script");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "nothing fetched"
    );
    // 7.6 kW (the home) + 10 kW (the depot), signed; against 1500 kW.
    assert!(
        html.contains("<strong id=\"commissioned-kw\">17.6 kW</strong>"),
        "{html}"
    );
    assert!(
        html.contains("<strong id=\"target-kw\">1500.0 kW</strong>: 1.2 %"),
        "{html}"
    );
    // Totals by utility and segment.
    assert!(html.contains("<h2>By utility</h2>"));
    assert!(
        html.contains("<tr><td>Eversource</td><td>2</td><td>1</td><td>1</td><td>7.6</td></tr>"),
        "{html}"
    );
    assert!(
        html.contains("<tr><td>National Grid</td><td>1</td><td>1</td><td>0</td><td>10.0</td></tr>"),
        "{html}"
    );
    assert!(html.contains("<h2>By segment</h2>"));
    assert!(
        html.contains("<tr><td>depot</td><td>1</td><td>1</td><td>0</td><td>10.0</td></tr>"),
        "{html}"
    );
    assert!(
        html.contains("<tr><td>not stated</td><td>1</td><td>0</td><td>1</td><td>0.0</td></tr>"),
        "{html}"
    );
    assert!(
        html.contains("<tr><th>all</th><td>3</td><td>2</td><td>1</td><td>17.6</td></tr>"),
        "{html}"
    );
    // The blocked site and why.
    let blocked = html.split("id=\"blocked\"").nth(1).unwrap();
    let blocked = blocked.split("<h2>").next().unwrap();
    assert!(blocked.contains("(1)"), "{blocked}");
    assert!(blocked.contains("<td>TEST-SITE-0001</td>"), "{blocked}");
    assert!(
        blocked.contains("firmware: the run has no firmware gate"),
        "{blocked}"
    );
    // The exports beside it are what status prints.
    let csv = std::fs::read_to_string(out_dir.join("fleet.csv")).unwrap();
    let status_csv = fleet(&db, &["status", "--csv", "--include-emulated"]);
    assert_eq!(csv.as_bytes(), status_csv.stdout.as_slice());
    let json: Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("fleet.json")).unwrap()).unwrap();
    assert_eq!(json["sites"].as_array().unwrap().len(), 3);

    // Without --include-emulated nothing is commissioned, and the emulated
    // sites are listed as blocked, saying so.
    let out = fleet(&db, &["report", "--out", s(&out_dir)]);
    ok(&out);
    let html = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert!(
        html.contains("<strong id=\"commissioned-kw\">0.0 kW</strong>"),
        "{html}"
    );
    assert!(html.contains("no target given"), "{html}");
    let blocked = html.split("id=\"blocked\"").nth(1).unwrap();
    assert!(blocked.contains("(3)"));
    assert!(blocked.contains("<td>NE-V2X-0042</td>"));
    assert!(blocked.contains("EMULATED rig"));
}

fn the_schema_is_versioned_and_migrated_on_open(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = store(b, dir.path(), "fleet::the_schema_is_versioned") else {
        return;
    };
    let db = v2x_hil::fleet::Db::parse(&db);
    let mut store = db.open().unwrap();
    assert_eq!(store.schema_version().unwrap(), 1);
    assert_eq!(
        store.backend(),
        match b {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    );
    assert!(store.sites().unwrap().is_empty());
    drop(store);
    // Opening again applies nothing twice.
    let mut store = db.open().unwrap();
    assert_eq!(store.schema_version().unwrap(), 1);
    // A store from a newer version of the tool is refused, not misread.
    match &db {
        v2x_hil::fleet::Db::Sqlite(path) => {
            let conn = rusqlite::Connection::open(path).unwrap();
            conn.execute(
                "INSERT INTO schema_migrations (version, applied_utc) VALUES (99, 'later')",
                [],
            )
            .unwrap();
        }
        v2x_hil::fleet::Db::Postgres(url) => {
            let mut client = ::postgres::Client::connect(url, ::postgres::NoTls).unwrap();
            client
                .execute(
                    "INSERT INTO schema_migrations (version, applied_utc) VALUES (99, 'later')",
                    &[],
                )
                .unwrap();
        }
    }
    let err = db.open().err().expect("a newer schema is refused");
    assert!(err.to_string().contains("has schema version 99"), "{err}");
}

fn runs_of_a_site_newest_first(b: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let Some(db) = store(b, dir.path(), "fleet::runs_of_a_site") else {
        return;
    };
    let r = runs();
    ok(&add(&db, &[&r.settings_old, &r.settings_new]));
    let mut store = v2x_hil::fleet::Db::parse(&db).open().unwrap();
    let all = store.runs_of("TEST-SITE-0001").unwrap();
    assert_eq!(all.len(), 2);
    assert!(all[0].started_utc > all[1].started_utc);
    assert!(store.runs_of("NO-SUCH-SITE").unwrap().is_empty());
}

macro_rules! on_both_stores {
    ($($name:ident),* $(,)?) => {
        mod on_sqlite {
            $(#[test] fn $name() { super::$name(super::Backend::Sqlite) })*
        }
        mod on_postgres {
            $(#[test] fn $name() { super::$name(super::Backend::Postgres) })*
        }
    };
}

on_both_stores!(
    adds_commissioned_sites_with_their_stage_and_readds_idempotently,
    refuses_tampered_untrusted_and_siteless_folders_with_the_reason,
    a_newer_run_supersedes_an_older_one_and_both_are_kept,
    filters_csv_and_json,
    the_dashboard_has_the_totals_and_the_blocked_sites,
    the_schema_is_versioned_and_migrated_on_open,
    runs_of_a_site_newest_first,
);
