//! Files the user writes (rig, plan, site, grid profile): serde types plus
//! validation with located errors. Every error names file, line, column and
//! key path and says what would be valid; no input makes this module panic.
//!
//! Pipeline (src/model/load.rs): at most [`MAX_FILE_BYTES`] → UTF-8 check
//! (a leading BOM dropped) → a yaml-rust2 event pass that caps nesting at
//! [`MAX_DEPTH`] and alias expansion at [`MAX_ALIASES`] / [`MAX_NODES`],
//! refuses control characters ([`text`]), duplicate keys and second
//! documents, and records key path → location ([`Spans`]) → serde
//! (`deny_unknown_fields`) through serde_path_to_error for schema errors →
//! semantic validation that collects every error ([`ModelErrors`]).
//!
//! Choices where the schema brief was open:
//! - Steps are single-key mappings (`- set: {…}`); serde_yaml 0.9 reads
//!   externally tagged enums only from YAML tags, so the file form is a
//!   struct of optional step kinds and validation demands exactly one.
//! - `{ emulated: serial }` defaults `baud` to 115200; `{ serial: … }`
//!   requires `baud`; `tcp` forms refuse it.
//! - `safe_state` and each of its keys may be omitted (0 W, S3 closed, grid
//!   nominal). `plant.step_rate_hz` is a `u32`, default 20000.
//! - `options.channel` only on an island_switch, `options.unit_id` only on
//!   the charger (1..=247); `identity` and `emulation` only with an emulated
//!   transport, `emulation` only on the charger.
//! - [`load_rig`] also loads each emulated charger's `trip_profile`;
//!   [`parse_rig`] reads no other file (the embedded rig's caller embeds it).
//! - [`load_site`] also loads the firmware catalog `site.firmware_catalog`
//!   names (`Site::catalog`, skipped by serde like the profile).
//! - [`load_site`] loads the grid profile `site.grid_profile` names; the
//!   serialized [`Site`] carries the profile's name and path, the loaded
//!   profile is `Site::profile` (skipped by serde).
//! - A profile with `nominal.frequency_hz` different from the rig's is
//!   refused where it is used (rig trip profile, write/read settings).
//! - Input limits (README "Input limits"): test and step counts, step and
//!   plan durations in `plan_bounds`; the island load's ratings
//!   against `balance_load` and the sweep in `island_load`.

mod aliases;
pub mod catalog;
mod catalog_load;
mod check;
pub mod error;
pub mod fault;
mod island_load;
mod load;
mod ordered;
pub mod plan;
mod plan_bounds;
mod plan_check;
mod plan_gate;
mod plan_load;
pub mod plan_ocpp;
mod plan_site;
mod plan_steps;
pub mod profile;
pub mod rig;
pub mod rig_csms;
mod rig_load;
mod rig_meter;
mod rig_transport;
pub mod schema;
pub mod site;
mod site_load;
pub mod spans;
pub mod text;

pub use aliases::{MAX_ALIASES, MAX_NODES};
pub use catalog::{ApprovedImage, ApprovedModel, CatalogRef, FirmwareCatalog, Judgement};
pub use catalog_load::{load_catalog, parse_catalog, MAX_APPROVED_IMAGES, MAX_CATALOG_MODELS};
pub use error::{Location, ModelError, ModelErrors};
pub use fault::{ClearSpec, FaultKind, FaultSpec, ScheduledFault};
pub use load::MAX_FILE_BYTES;
pub use plan::*;
pub use plan_bounds::{
    show_duration, step_duration_s, sweep_extent, MAX_ENTER_SERVICE_DELAY_S, MAX_ISLAND_POINTS,
    MAX_PLAN_DURATION_S, MAX_RAMP_STEPS, MAX_STEPS, MAX_STEPS_PER_TEST, MAX_STEP_DURATION_S,
    MAX_TESTS, MIN_RAMP_STEP_S, RECORDER_PRE_TRIGGER_S,
};
pub use plan_check::check_plan_against_rig;
pub use plan_load::{load_plan, parse_plan};
pub use profile::{load_profile, parse_profile, GridProfile};
pub use rig::*;
pub use rig_load::{load_rig, load_rig_with, parse_rig, parse_rig_with};
pub use rig_transport::{DEFAULT_EMULATED_BAUD, STANDARD_BAUDS};
pub use site::{
    ChargerUnit, DateError, Installation, Installer, IsoDate, ProfileRef, Site, Vehicle,
};
pub use site_load::{load_site, parse_site, MAX_SITE_ID_CHARS, MAX_TEXT_CHARS, VIN_CHARS};
pub use spans::{Spans, MAX_DEPTH};
pub use text::MAX_LINE_CHARS;
