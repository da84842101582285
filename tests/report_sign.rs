//! Signed run folders: `keys new`, `run --out --sign-key`, `report verify`;
//! every single changed byte of every file is caught (exit 4); any standard
//! Ed25519 verifier (OpenSSL) accepts the signature over the PAE bytes.

use base64::Engine;
use std::path::{Path, PathBuf};
use std::process::Command;
use v2x_hil::report::sign::{pae, verify_dir, ENVELOPE_FILE, PAYLOAD_TYPE};

mod cli_common;
mod common;
use cli_common::{report_verify, v2x};

fn signed_run(dir: &Path) -> PathBuf {
    let key = dir.join("signer");
    let out = v2x(&["keys", "new", key.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let run = dir.join("run");
    let out = v2x(&[
        "run",
        "fixtures/plans/tiny.yaml",
        "--out",
        run.to_str().unwrap(),
        "--sign-key",
        dir.join("signer.pem").to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    run
}

#[test]
fn keys_are_private_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("k");
    assert_eq!(
        v2x(&["keys", "new", key.to_str().unwrap()]).status.code(),
        Some(0)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("k.pem"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let again = v2x(&["keys", "new", key.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("never overwritten"));
}

#[test]
fn a_signed_run_verifies_and_every_changed_byte_fails() {
    let dir = tempfile::tempdir().unwrap();
    let run = signed_run(dir.path());
    let public = dir.path().join("signer.pub.pem");
    let out = report_verify(&run, &public);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pem = std::fs::read(&public).unwrap();
    let files: Vec<PathBuf> = std::fs::read_dir(&run)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(files.iter().any(|f| f.ends_with(ENVELOPE_FILE)));
    assert!(files.iter().any(|f| f.ends_with("journal.jsonl")));
    for file in &files {
        let good = std::fs::read(file).unwrap();
        for i in 0..good.len() {
            let mut bad = good.clone();
            bad[i] ^= 0x01;
            std::fs::write(file, &bad).unwrap();
            assert!(
                verify_dir(&run, &pem).is_err(),
                "{} byte {i} changed and verify passed",
                file.display()
            );
        }
        std::fs::write(file, &good).unwrap();
    }
    assert!(verify_dir(&run, &pem).is_ok());
    // A file added after signing, or one removed, is caught too.
    std::fs::write(run.join("extra.txt"), b"x").unwrap();
    assert!(verify_dir(&run, &pem).is_err());
    std::fs::remove_file(run.join("extra.txt")).unwrap();
    let report = std::fs::read(run.join("report.json")).unwrap();
    std::fs::remove_file(run.join("report.json")).unwrap();
    let out = report_verify(&run, &public);
    assert_eq!(out.status.code(), Some(4));
    std::fs::write(run.join("report.json"), report).unwrap();
    // Another key does not verify it.
    let other = dir.path().join("other");
    v2x(&["keys", "new", other.to_str().unwrap()]);
    let other_pem = std::fs::read(dir.path().join("other.pub.pem")).unwrap();
    assert!(verify_dir(&run, &other_pem).is_err());
}

#[test]
fn openssl_accepts_the_signature_over_the_pae() {
    if !common::tool(
        "openssl_accepts_the_signature_over_the_pae",
        "openssl",
        &["version"],
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let run = signed_run(dir.path());
    let env: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join(ENVELOPE_FILE)).unwrap()).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;
    let body = b64.decode(env["payload"].as_str().unwrap()).unwrap();
    let sig = b64
        .decode(env["signatures"][0]["sig"].as_str().unwrap())
        .unwrap();
    let pae_path = dir.path().join("pae.bin");
    let sig_path = dir.path().join("sig.bin");
    std::fs::write(&pae_path, pae(PAYLOAD_TYPE, &body)).unwrap();
    std::fs::write(&sig_path, sig).unwrap();
    let out = Command::new("openssl")
        .args(["pkeyutl", "-verify", "-pubin", "-inkey"])
        .arg(dir.path().join("signer.pub.pem"))
        .args(["-rawin", "-in"])
        .arg(&pae_path)
        .arg("-sigfile")
        .arg(&sig_path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
