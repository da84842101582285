//! A rig whose devices are connected: one driver per role, the clock they
//! share, and what the rig file says about nominal values and the safe state.

use super::clock::Clock;
use crate::device::{
    Charger, EvSimulator, GridSimulator, HomeLoad, IslandLoad, IslandSwitch, SiteMeter,
    WaveformRecorder,
};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The role a device plays on the rig (mirrors `model::Role`).
pub use crate::model::Role;

pub struct Devices {
    pub grid: Box<dyn GridSimulator>,
    pub island_switch: Box<dyn IslandSwitch>,
    pub load: Option<Box<dyn IslandLoad>>,
    pub recorder: Option<Box<dyn WaveformRecorder>>,
    pub charger: Box<dyn Charger>,
    pub ev: Option<Box<dyn EvSimulator>>,
    pub home_load: Option<Box<dyn HomeLoad>>,
    /// The charger's bootloader, when the rig says how to reach it.
    pub flasher: Option<Box<dyn crate::device::flasher::Flasher>>,
    /// The SunSpec meter at the service entrance, on a site rig that has one.
    pub site_meter: Option<Box<dyn SiteMeter>>,
}

/// What the runner needs to know of the rig besides the drivers.
#[derive(Debug, Clone)]
pub struct RigFacts {
    pub name: String,
    pub nominal_voltage_v: f64,
    pub nominal_frequency_hz: f64,
    pub charger_rating_w: f64,
    pub safe_state: crate::model::SafeState,
    /// Device name → role, as the rig file declares them.
    pub roles: BTreeMap<String, Role>,
    /// The charger's bootloader and flash, for `flash` steps.
    pub firmware: Option<crate::model::FirmwareSpec>,
}

pub struct ConnectedRig {
    pub devices: Devices,
    pub clock: Arc<dyn Clock>,
    pub facts: RigFacts,
    /// Fault injection, on an emulated rig (`fault:` and `clear:` steps).
    pub faults: Option<Box<dyn super::faults::FaultInjector>>,
    /// The run's evidence, when it keeps any: the runner stops once it
    /// can no longer be written.
    pub evidence: Option<Arc<dyn super::faults::EvidenceHealth>>,
}
