//! Verifies a firmware image against what the rig says of the charger's
//! flash (memory map, signing key): shared by `v2x-hil flash` and the plan's
//! `flash` step, so both refuse the same images before anything is erased.

use crate::firmware::key::SigningPublicKey;
use crate::firmware::read::ReadOptions;
use crate::firmware::verify::{verify, ImageFile, VerifiedImage, VerifyPolicy};
use crate::model::{FirmwareSpec, KeySource};
use std::path::Path;

/// Every check of issue 4 §1; the error says which one failed.
pub fn verify_for_rig(
    firmware: &FirmwareSpec,
    image: &Path,
    expect_sha256: Option<String>,
    base_address: Option<u32>,
) -> Result<VerifiedImage, String> {
    let signing_key = match &firmware.signing_key {
        None => None,
        Some(source) => {
            let (text, whence) = match source {
                KeySource::Pem(p) => (
                    p.clone().into_bytes(),
                    "the rig's inline signing key".to_string(),
                ),
                KeySource::File(path) => (
                    crate::input::read_bounded(
                        path,
                        crate::firmware::read::MAX_KEY_FILE_BYTES,
                        "key files",
                    )
                    .map_err(|e| format!("cannot read the signing key {}: {e}", path.display()))?,
                    path.display().to_string(),
                ),
            };
            Some(SigningPublicKey::parse(&text).map_err(|e| format!("{whence}: {e}"))?)
        }
    };
    let file = ImageFile::load(image).map_err(|e| format!("cannot read the image: {e}"))?;
    let policy = VerifyPolicy {
        memory_map: firmware.memory_map(),
        expect_sha256,
        signing_key,
        read: ReadOptions {
            format: None,
            base_address,
        },
    };
    verify(&file, &policy).map_err(|e| format!("{}: {e}", image.display()))
}

/// Checks every `flash` step's image, and the image each `firmware_gate`
/// would flash, against the rig before a run starts.
pub fn preflight(plan: &crate::model::Plan, rig: &crate::model::Rig) -> Result<(), String> {
    use crate::model::{Role, Step};
    for test in &plan.tests {
        for step in &test.steps {
            if let Step::Flash(f) = step {
                let fw = rig
                    .devices_with_role(Role::Charger)
                    .first()
                    .and_then(|(_, d)| d.firmware.clone())
                    .ok_or_else(|| {
                        format!(
                            "test `{}`: a flash step needs the rig's charger to have a `firmware:` block",
                            test.name
                        )
                    })?;
                verify_for_rig(&fw, &f.image, f.expect_sha256.clone(), None)
                    .map_err(|e| format!("test `{}`: flash step: {e}", test.name))?;
            }
            if let Step::FirmwareGate(g) = step {
                super::firmware_gate::preflight(g, rig)
                    .map_err(|e| format!("test `{}`: firmware gate: {e}", test.name))?;
            }
        }
    }
    Ok(())
}
