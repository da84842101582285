//! `v2x-hil keys new NAME`: an Ed25519 key pair for signing reports,
//! NAME.pem (PKCS#8, mode 0600) and NAME.pub.pem; never overwrites. A bare
//! NAME goes in the per-user keys folder (`report::keystore`), a path is
//! used as given. Prints the key id the DSSE envelopes will carry.

use super::{output, ExitCode};
use crate::report::keystore;
use std::path::Path;

pub fn new(name: &Path) -> ExitCode {
    let base = match keystore::new_key_base(name) {
        Ok(b) => b,
        Err(e) => {
            output::error(&e.to_string());
            return ExitCode::BadInput;
        }
    };
    match crate::report::sign::new_key_pair(&base) {
        Ok(pair) => {
            println!("key id {}", pair.keyid);
            println!("private key {} (mode 0600)", pair.private.display());
            println!("public key  {}", pair.public.display());
            if keystore::is_bare_name(name) {
                println!(
                    "(in the keys folder: `--sign-key {0}` and `report verify … --key {0}` find them by name)",
                    name.display()
                );
            }
            ExitCode::Pass
        }
        Err(e) => {
            output::error(&e.to_string());
            ExitCode::BadInput
        }
    }
}
