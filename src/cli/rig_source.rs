//! Where the rig comes from: a file, or the emulated rig built into the
//! binary (the same file as rigs/emulated.yaml), so an installed binary run
//! from any folder still has it.

use crate::model::{self, ModelErrors, Rig};
use std::path::Path;

pub const BUILTIN_RIG_NAME: &str = "rigs/emulated.yaml (built in)";
pub const BUILTIN_RIG: &str = include_str!("../../rigs/emulated.yaml");

pub fn load(path: Option<&Path>) -> Result<Rig, ModelErrors> {
    match path {
        Some(p) => model::load_rig_with(p, &crate::device::drivers_for),
        None => model::parse_rig_with(
            Path::new(BUILTIN_RIG_NAME),
            BUILTIN_RIG,
            &crate::device::drivers_for,
        ),
    }
}
