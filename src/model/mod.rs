//! Files the user writes (rig, plan, grid profile): serde types plus
//! validation with located errors. Every error names file, line, column and
//! key path and says what would be valid; no input makes this module panic.

mod check;
pub mod error;
mod load;
mod ordered;
pub mod plan;
mod plan_check;
mod plan_load;
pub mod profile;
pub mod rig;
mod rig_load;
pub mod spans;

pub use error::{Location, ModelError, ModelErrors};
pub use plan::*;
pub use plan_check::check_plan_against_rig;
pub use plan_load::{load_plan, parse_plan};
pub use profile::{load_profile, parse_profile, GridProfile};
pub use rig::*;
pub use rig_load::{
    load_rig, load_rig_with, parse_rig, parse_rig_with, DEFAULT_EMULATED_BAUD, STANDARD_BAUDS,
};
pub use spans::{Spans, MAX_DEPTH};
