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
    /// None on a site rig: the grid there is the utility's.
    pub grid: Option<Box<dyn GridSimulator>>,
    /// None on a site rig.
    pub island_switch: Option<Box<dyn IslandSwitch>>,
    pub load: Option<Box<dyn IslandLoad>>,
    pub recorder: Option<Box<dyn WaveformRecorder>>,
    pub charger: Box<dyn Charger>,
    pub ev: Option<Box<dyn EvSimulator>>,
    pub home_load: Option<Box<dyn HomeLoad>>,
    /// The charger's bootloader, when the rig says how to reach it.
    pub flasher: Option<Box<dyn crate::device::flasher::Flasher>>,
    /// The SunSpec meter at the service entrance, on a site rig that has one.
    pub site_meter: Option<Box<dyn SiteMeter>>,
    /// The harness's OCPP central system, when the rig has a csms.
    pub csms: Option<Box<dyn crate::device::csms::CentralSystem>>,
}

/// A step reached a role the rig does not have (`plan check` refuses such
/// plans first: this is the backstop).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingRole(pub Role);

impl std::fmt::Display for MissingRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the rig has no {}", self.0)
    }
}

impl Devices {
    pub fn grid(&mut self) -> Result<&mut Box<dyn GridSimulator>, MissingRole> {
        self.grid.as_mut().ok_or(MissingRole(Role::GridSimulator))
    }

    pub fn island_switch(&mut self) -> Result<&mut Box<dyn IslandSwitch>, MissingRole> {
        self.island_switch
            .as_mut()
            .ok_or(MissingRole(Role::IslandSwitch))
    }
}

/// What the runner needs to know of the rig besides the drivers.
#[derive(Debug, Clone)]
pub struct RigFacts {
    pub name: String,
    pub nominal_voltage_v: f64,
    pub nominal_frequency_hz: f64,
    pub charger_rating_w: f64,
    /// A site rig: nothing may command its grid.
    pub kind: crate::model::RigKind,
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
    /// Whoever is at the site for `installer` steps: the emulator on an
    /// emulated site; the CLI puts a person at the terminal on a real one.
    pub operator: Option<Box<dyn super::operator::Operator>>,
}
