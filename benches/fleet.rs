//! `fleet add` and `fleet status` at program scale: signed site folders
//! generated from real `commission` runs of the emulated depot and home
//! twins (release binary), each a site of its own — its journal's
//! `run_started` record given another site id, utility, segment, export
//! limit, start time and the bench key as signer, the journal's hash chain
//! redone, the report rebuilt from it (`report build`'s code) and the folder
//! signed (`report sign`'s code) — so each verifies in full. The other
//! evidence files (transcripts, CAN traces) are hard links to the
//! template's: verified (hashed) like any file, stored once on disk.
//!
//! Then: `fleet add` on all of them (verification on every core, one
//! SQLite file), the folders per second; `fleet status` on the resulting
//! store (in process, and the release binary end to end); and the same on
//! PostgreSQL when `V2X_HIL_TEST_POSTGRES_URL` names a server.
//!
//! `cargo bench --bench fleet` — short: 300 depot-sized and 20 home-sized
//! folders. `V2X_HIL_BENCH_FULL=1`: 10 000 depot-sized (depots and
//! commercial sites) and 200 home-sized (each home journal is ~5 MB: the
//! V2H test polls through a 300 s enter-service delay).
//! Goals (issue 13): add ≥ 200 folders/s including verification, status on
//! 10 000 sites < 100 ms. Prints figures; asserts only that every folder
//! was added.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use v2x_hil::fleet::index::{add_dirs, Outcome, TrustedKeys};
use v2x_hil::fleet::status::{self, Filter, Policy};
use v2x_hil::fleet::Db;

const UTILITIES: [&str; 3] = ["Eversource", "National Grid", "Unitil"];

fn v2x(args: &[&str]) {
    let out = Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "{args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `"key":"value"` in `line` given a new value (the first occurrence).
fn set(line: &str, key: &str, value: &str) -> String {
    let pat = format!("\"{key}\":\"");
    let Some(at) = line.find(&pat) else {
        return line.to_string();
    };
    let start = at + pat.len();
    let end = start + line[start..].find('"').expect("a closed string");
    format!("{}{value}{}", &line[..start], &line[end..])
}

/// `"export_limit_w":N` given a new N.
fn set_number(line: &str, key: &str, value: f64) -> String {
    let pat = format!("\"{key}\":");
    let Some(at) = line.find(&pat) else {
        return line.to_string();
    };
    let start = at + pat.len();
    let end = start + line[start..].find([',', '}']).expect("a number");
    format!("{}{value:.1}{}", &line[..start], &line[end..])
}

struct Site<'a> {
    id: String,
    utility: &'a str,
    segment: &'a str,
    export_w: f64,
    started: String,
}

/// A site folder from a template run folder: see the module comment.
fn generate(template: &Path, out: &Path, site: &Site, keyid: &str, key: &Path) {
    std::fs::create_dir_all(out).unwrap();
    for e in std::fs::read_dir(template).unwrap().flatten() {
        let name = e.file_name();
        let n = name.to_string_lossy();
        if n == "journal.jsonl" || n.starts_with("report.") || n == "junit.xml" {
            continue;
        }
        std::fs::hard_link(e.path(), out.join(&name)).unwrap();
    }
    let journal = std::fs::read_to_string(template.join("journal.jsonl")).unwrap();
    let mut text = String::with_capacity(journal.len());
    let mut prev = "0".repeat(64);
    for (i, line) in journal.lines().enumerate() {
        let mut line = line.to_string();
        if i == 0 {
            // run_started: the site file's values and the signer.
            line = set(&line, "id", &site.id);
            line = set(&line, "utility", site.utility);
            line = set(&line, "segment", site.segment);
            line = set_number(&line, "export_limit_w", site.export_w);
            line = set(&line, "keyid", keyid);
        }
        if line.contains("\"started_utc\":\"") {
            line = set(&line, "started_utc", &site.started);
        }
        line = set(&line, "prev", &prev);
        prev = v2x_hil::firmware::verify::sha256_hex(line.as_bytes());
        text.push_str(&line);
        text.push('\n');
    }
    std::fs::write(out.join("journal.jsonl"), text).unwrap();
    v2x_hil::report::build::build_dir(out).expect("the report builds");
    v2x_hil::report::sign::sign_dir(out, key).expect("the folder signs");
}

fn generate_many(
    template: &Path,
    root: &Path,
    prefix: &str,
    count: usize,
    segments: &[&str],
    keyid: &str,
    key: &Path,
) -> Vec<PathBuf> {
    let dirs: Vec<PathBuf> = (0..count)
        .map(|i| root.join(format!("{prefix}-{i:05}")))
        .collect();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    std::thread::scope(|s| {
        for w in 0..workers {
            let dirs = &dirs;
            s.spawn(move || {
                for (i, dir) in dirs.iter().enumerate().skip(w).step_by(workers) {
                    let segment = segments[i % segments.len()];
                    let site = Site {
                        id: format!("{}-{prefix}-{i:05}", &segment[..3].to_ascii_uppercase()),
                        utility: UTILITIES[i % UTILITIES.len()],
                        segment,
                        export_w: 7_600.0 + 100.0 * (i % 25) as f64,
                        started: format!(
                            "2026-{:02}-{:02}T{:02}:{:02}:00Z",
                            1 + i % 12,
                            1 + i % 28,
                            i % 24,
                            i % 60
                        ),
                    };
                    generate(template, dir, &site, keyid, key);
                }
            });
        }
    });
    dirs
}

fn bench_store(name: &str, db: &Db, dirs: &[PathBuf], trusted: &TrustedKeys, bytes: u64) {
    let mut store = db.open().expect("the store opens");
    let start = Instant::now();
    let outcomes = add_dirs(store.as_mut(), dirs, trusted, 0, |_, _| {}).expect("the store works");
    let secs = start.elapsed().as_secs_f64();
    let added = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Added { .. }))
        .count();
    assert_eq!(
        added,
        dirs.len(),
        "every generated folder verifies: {:?}",
        outcomes.first()
    );
    println!(
        "  {name}: fleet add {} folder(s) ({:.0} MB of evidence, every file hashed, every journal chained and its report rebuilt) in {secs:.2} s: {:.0} folders/s ({:.0} MB/s)",
        dirs.len(),
        bytes as f64 / 1e6,
        dirs.len() as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
}

fn bench_status(name: &str, db: &Db) {
    // In process: open the store, read every site's current run, stage it.
    let mut best = f64::MAX;
    let mut sites = 0;
    for _ in 0..5 {
        let start = Instant::now();
        let mut store = db.open().expect("the store opens");
        let rows = status::select(
            store.sites().expect("sites"),
            Policy::default(),
            &Filter::default(),
        );
        best = best.min(start.elapsed().as_secs_f64());
        sites = rows.len();
        std::hint::black_box(rows);
    }
    println!(
        "  {name}: {sites} site(s) read and staged in process (open, query, stage): {:.1} ms (best of 5)",
        best * 1e3
    );
    // The release binary end to end, as an administrator runs it.
    for format in [None, Some("--csv"), Some("--json")] {
        let mut best = f64::MAX;
        for _ in 0..3 {
            let db = db_arg(db);
            let mut args = vec!["fleet", "--db", &db, "status"];
            args.extend(format);
            let start = Instant::now();
            let out = Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
                .args(&args)
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            assert!(out.status.success());
            best = best.min(start.elapsed().as_secs_f64());
        }
        println!(
            "  {name}: `v2x-hil fleet status{}` on {sites} site(s), release binary end to end: {:.1} ms (best of 3)",
            format.map(|f| format!(" {f}")).unwrap_or_default(),
            best * 1e3
        );
    }
}

fn db_arg(db: &Db) -> String {
    match db {
        Db::Sqlite(p) => p.display().to_string(),
        Db::Postgres(url) => url.clone(),
    }
}

fn folder_bytes(dirs: &[PathBuf]) -> u64 {
    dirs.iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap().flatten())
        .map(|e| e.metadata().unwrap().len())
        .sum()
}

fn postgres_schema(url: &str) -> Option<Db> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).ok()?;
    let schema = format!("fleet_bench_{}", std::process::id());
    client
        .batch_execute(&format!(
            "DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"
        ))
        .ok()?;
    let sep = if url.contains('?') { '&' } else { '?' };
    Some(Db::Postgres(format!(
        "{url}{sep}options=-c%20search_path%3D{schema}"
    )))
}

fn main() {
    if std::env::args().any(|a| a == "--test" || a == "--list") {
        return;
    }
    let full = std::env::var_os("V2X_HIL_BENCH_FULL").is_some();
    let (depots, homes) = if full { (10_000, 200) } else { (300, 20) };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let key_base = root.join("bench-installer");
    v2x(&["keys", "new", key_base.to_str().unwrap()]);
    let key = root.join("bench-installer.pem");
    let public = root.join("bench-installer.pub.pem");
    let keyid = v2x_hil::report::sign::private_key_id(&key).unwrap();
    let trusted = TrustedKeys::load(std::slice::from_ref(&public)).unwrap();

    let start = Instant::now();
    let depot_t = root.join("template-depot");
    let home_t = root.join("template-home");
    for (site, out) in [
        ("sites/example-depot.yaml", &depot_t),
        ("sites/example-home.yaml", &home_t),
    ] {
        v2x(&[
            "commission",
            "--site",
            site,
            "--out",
            out.to_str().unwrap(),
            "--sign-key",
            key.to_str().unwrap(),
            "--yes",
        ]);
    }
    println!(
        "templates: the emulated depot and home commissioned in {:.1} s",
        start.elapsed().as_secs_f64()
    );
    let start = Instant::now();
    let depot_dirs = generate_many(
        &depot_t,
        &root.join("sites"),
        "d",
        depots,
        &["depot", "commercial"],
        &keyid,
        &key,
    );
    let home_dirs = generate_many(
        &home_t,
        &root.join("sites"),
        "h",
        homes,
        &["home"],
        &keyid,
        &key,
    );
    println!(
        "generated {} depot/commercial and {} home site folders (rebuilt, re-signed) in {:.1} s",
        depots,
        homes,
        start.elapsed().as_secs_f64()
    );

    let depot_bytes = folder_bytes(&depot_dirs);
    let home_bytes = folder_bytes(&home_dirs);
    let mut stores = vec![("sqlite".to_string(), Db::Sqlite(root.join("fleet.db")))];
    if let Ok(url) = std::env::var("V2X_HIL_TEST_POSTGRES_URL") {
        match postgres_schema(&url) {
            Some(db) => stores.push(("postgres".into(), db)),
            None => println!("(V2X_HIL_TEST_POSTGRES_URL is set but the server did not answer: PostgreSQL skipped)"),
        }
    }
    for (name, db) in &stores {
        println!("{name}:");
        bench_store(
            &format!("{name}, depot/commercial-sized"),
            db,
            &depot_dirs,
            &trusted,
            depot_bytes,
        );
        bench_store(
            &format!("{name}, home-sized"),
            db,
            &home_dirs,
            &trusted,
            home_bytes,
        );
        bench_status(name, db);
        let again = Instant::now();
        let mut store = db.open().unwrap();
        let n = depot_dirs.len().min(200);
        add_dirs(store.as_mut(), &depot_dirs[..n], &trusted, 0, |_, _| {}).unwrap();
        println!(
            "  {name}: re-adding {n} indexed folder(s) (verified again, nothing changed): {:.0} folders/s",
            n as f64 / again.elapsed().as_secs_f64()
        );
    }
}
