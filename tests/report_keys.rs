//! Report-signing keys (issue 10 §3): a bare key name lives in the per-user
//! keys folder (here `V2X_HIL_CONFIG_DIR`, so no test touches the real
//! home), never the current directory; `keys new` prints the key id the
//! envelope carries and report.html names; `report verify` prints the
//! signer's key id, and with the wrong key names who did sign (exit 4).

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

mod cli_common;
use cli_common::{ok, root};

/// `v2x-hil ARGS` from `cwd`, with the config folder at `config`.
fn v2x_in(cwd: &Path, config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("V2X_HIL_CONFIG_DIR", config)
        .env_remove("XDG_CONFIG_HOME")
        .output()
        .unwrap()
}

/// The key id `keys new` printed (`key id 0123456789abcdef`).
fn printed_keyid(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout);
    let id = text
        .lines()
        .find_map(|l| l.strip_prefix("key id "))
        .unwrap_or_else(|| panic!("no key id in {text}"))
        .trim()
        .to_string();
    assert_eq!(id.len(), 16, "{id}");
    assert!(id.chars().all(|c| c.is_ascii_hexdigit()), "{id}");
    id
}

#[test]
fn a_bare_name_goes_in_the_keys_folder_and_nothing_in_the_cwd() {
    let cwd = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    let config = config.path().join("cfg");
    let out = v2x_in(cwd.path(), &config, &["keys", "new", "installer"]);
    ok(&out);
    let keys = config.join("keys");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains(keys.join("installer.pem").to_str().unwrap()),
        "where it was written: {said}"
    );
    assert!(keys.join("installer.pem").is_file() && keys.join("installer.pub.pem").is_file());
    assert_eq!(
        std::fs::read_dir(cwd.path()).unwrap().count(),
        0,
        "nothing written in the current directory"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&keys), 0o700);
        assert_eq!(mode(&keys.join("installer.pem")), 0o600);
    }
    // Never overwritten, in the folder either.
    let again = v2x_in(cwd.path(), &config, &["keys", "new", "installer"]);
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn an_explicit_path_is_used_as_given() {
    let cwd = tempfile::tempdir().unwrap();
    let config = tempfile::tempdir().unwrap();
    ok(&v2x_in(cwd.path(), config.path(), &["keys", "new", "./k"]));
    std::fs::create_dir(cwd.path().join("dir")).unwrap();
    ok(&v2x_in(
        cwd.path(),
        config.path(),
        &["keys", "new", "dir/k"],
    ));
    assert!(cwd.path().join("k.pem").is_file());
    assert!(cwd.path().join("dir/k.pub.pem").is_file());
    assert!(!config.path().join("keys").exists());
}

#[test]
fn named_keys_sign_and_verify_and_the_key_id_is_everywhere() {
    let config = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let repo = root();
    let created = v2x_in(&repo, config.path(), &["keys", "new", "signer"]);
    ok(&created);
    let keyid = printed_keyid(&created);
    let run = work.path().join("run");
    ok(&v2x_in(
        &repo,
        config.path(),
        &[
            "run",
            "fixtures/plans/tiny.yaml",
            "--out",
            run.to_str().unwrap(),
            "--sign-key",
            "signer",
        ],
    ));
    let envelope: Value =
        serde_json::from_slice(&std::fs::read(run.join("report.dsse.json")).unwrap()).unwrap();
    assert_eq!(envelope["signatures"][0]["keyid"], keyid.as_str());
    let report: Value =
        serde_json::from_slice(&std::fs::read(run.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["signer"]["keyid"], keyid.as_str());
    let html = std::fs::read_to_string(run.join("report.html")).unwrap();
    assert!(html.contains(&format!("key id <code>{keyid}</code>")));
    let junit = std::fs::read_to_string(run.join("junit.xml")).unwrap();
    assert!(junit.contains(&format!(
        "<property name=\"signer.keyid\" value=\"{keyid}\"/>"
    )));

    let verified = v2x_in(
        &repo,
        config.path(),
        &["report", "verify", run.to_str().unwrap(), "--key", "signer"],
    );
    ok(&verified);
    let said = String::from_utf8_lossy(&verified.stdout);
    assert!(
        said.contains(&format!("signed by key id {keyid}")),
        "{said}"
    );

    // Another key: exit 4, naming the key that did sign and the one given.
    let other = v2x_in(&repo, config.path(), &["keys", "new", "other"]);
    ok(&other);
    let other_id = printed_keyid(&other);
    let wrong = v2x_in(
        &repo,
        config.path(),
        &["report", "verify", run.to_str().unwrap(), "--key", "other"],
    );
    assert_eq!(wrong.status.code(), Some(4));
    let err = String::from_utf8_lossy(&wrong.stderr);
    assert!(
        err.contains(&format!("signed by key id {keyid}"))
            && err.contains(&format!("key id {other_id}"))
            && err.contains("other.pub.pem"),
        "{err}"
    );

    // Re-signing with a key the report does not name is refused: the
    // signed page would name the wrong signer.
    let resign = v2x_in(
        &repo,
        config.path(),
        &["report", "sign", run.to_str().unwrap(), "--key", "other"],
    );
    assert_eq!(resign.status.code(), Some(2));
    let err = String::from_utf8_lossy(&resign.stderr);
    assert!(err.contains(&keyid) && err.contains(&other_id), "{err}");
}

#[test]
fn a_report_naming_another_signer_fails_verification() {
    // The folder signed by the key the report names, then report.json and
    // report.html edited to name another key and the folder re-signed by it:
    // the report files are no longer what the journal gives.
    let config = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let repo = root();
    let a = printed_keyid(&v2x_in(&repo, config.path(), &["keys", "new", "a"]));
    let b = printed_keyid(&v2x_in(&repo, config.path(), &["keys", "new", "b"]));
    let run = work.path().join("run");
    ok(&v2x_in(
        &repo,
        config.path(),
        &[
            "run",
            "fixtures/plans/tiny.yaml",
            "--out",
            run.to_str().unwrap(),
            "--sign-key",
            "a",
        ],
    ));
    for f in ["report.json", "report.html", "junit.xml"] {
        let text = std::fs::read_to_string(run.join(f)).unwrap();
        std::fs::write(run.join(f), text.replace(&a, &b)).unwrap();
    }
    ok(&v2x_in(
        &repo,
        config.path(),
        &["report", "sign", run.to_str().unwrap(), "--key", "b"],
    ));
    let out = v2x_in(
        &repo,
        config.path(),
        &["report", "verify", run.to_str().unwrap(), "--key", "b"],
    );
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not the report its journal gives"), "{err}");
}

#[test]
fn a_key_found_nowhere_names_both_places() {
    let config = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let out = v2x_in(
        &root(),
        config.path(),
        &[
            "run",
            "fixtures/plans/tiny.yaml",
            "--out",
            work.path().join("run").to_str().unwrap(),
            "--sign-key",
            "nosuch",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let here = root().join("nosuch");
    let folder = config.path().join("keys").join("nosuch.pem");
    assert!(
        err.contains(here.to_str().unwrap()) && err.contains(folder.to_str().unwrap()),
        "{err}"
    );
    assert!(!work.path().join("run").exists(), "refused before the run");
}
