//! `v2x-hil keys new NAME`: an Ed25519 key pair for signing reports,
//! NAME.pem (PKCS#8, mode 0600) and NAME.pub.pem; never overwrites.

use super::{output, ExitCode};
use std::path::Path;

pub fn new(name: &Path) -> ExitCode {
    match crate::report::sign::new_key_pair(name) {
        Ok((private, public)) => {
            println!(
                "private key {} (mode 0600), public key {}",
                private.display(),
                public.display()
            );
            ExitCode::Pass
        }
        Err(e) => {
            output::error(&e.to_string());
            ExitCode::BadInput
        }
    }
}
