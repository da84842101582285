//! Device roles the runner drives, as small traits. Drivers implement them
//! over a protocol and a [`ByteLink`](crate::transport::ByteLink); the runner
//! never knows which protocol or transport sits underneath.

pub mod ccs_ev;
pub mod ccs_ev_din;
pub mod chademo_ev;
pub mod csms;
mod error;
pub mod flasher;
#[cfg(feature = "probe-rs")]
pub mod probe;
pub mod scpi;
pub mod sunspec;
pub mod uds;

use crate::der::{EnterService, TripSettings};
use std::time::Duration;

pub use csms::CentralSystem;
pub use error::{DeviceError, DeviceLabel};
pub use flasher::Flasher;

/// What a device says it is (*IDN?, SunSpec model 1).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Identity {
    pub manufacturer: String,
    pub model: String,
    pub serial: String,
    pub firmware: String,
}

/// RMS measurements at an instrument's terminals.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct AcReading {
    pub voltage_v: f64,
    pub current_a: f64,
    pub frequency_hz: f64,
    /// Power out of the instrument into the PCC (grid sim: positive when supplying).
    pub power_w: f64,
    pub reactive_var: f64,
}

/// Grid simulator: an AC source with settable voltage and frequency.
pub trait GridSimulator: Send {
    fn identify(&mut self) -> Result<Identity, DeviceError>;
    fn reset(&mut self) -> Result<(), DeviceError>;
    fn set_voltage_v(&mut self, voltage_v: f64) -> Result<(), DeviceError>;
    fn set_frequency_hz(&mut self, frequency_hz: f64) -> Result<(), DeviceError>;
    fn set_output(&mut self, on: bool) -> Result<(), DeviceError>;
    fn measure(&mut self) -> Result<AcReading, DeviceError>;
}

/// Switch S3 between the grid simulator and the PCC.
pub trait IslandSwitch: Send {
    fn identify(&mut self) -> Result<Identity, DeviceError>;
    fn open(&mut self) -> Result<(), DeviceError>;
    fn close(&mut self) -> Result<(), DeviceError>;
    fn is_closed(&mut self) -> Result<bool, DeviceError>;
}

/// Real and reactive power an RLC load draws at nominal voltage and frequency.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct RlcSetting {
    pub p_w: f64,
    pub ql_var: f64,
    pub qc_var: f64,
}

/// The RLC island load at the PCC.
pub trait IslandLoad: Send {
    fn identify(&mut self) -> Result<Identity, DeviceError>;
    fn set_load(&mut self, setting: RlcSetting) -> Result<(), DeviceError>;
    fn set_input(&mut self, on: bool) -> Result<(), DeviceError>;
    fn measure(&mut self) -> Result<AcReading, DeviceError>;
}

/// What the charger reports about itself.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct ChargerStatus {
    /// AC active power, export positive.
    pub power_w: f64,
    pub voltage_v: f64,
    pub frequency_hz: f64,
    /// True while it energises the PCC.
    pub energized: bool,
    /// Alarm bits set (a trip or an islanding detection).
    pub tripped: bool,
    /// Connected to the grid (SunSpec 701 ConnSt); false while a V2H
    /// charger has its transfer switch open.
    pub connected: bool,
}

/// The bidirectional charger (the EUT), as a DER.
pub trait Charger: Send {
    fn identify(&mut self) -> Result<Identity, DeviceError>;
    fn rating_w(&mut self) -> Result<f64, DeviceError>;
    /// Active-power setpoint, export positive, import negative.
    fn set_power_w(&mut self, power_w: f64) -> Result<(), DeviceError>;
    fn status(&mut self) -> Result<ChargerStatus, DeviceError>;
    fn read_trip_settings(&mut self) -> Result<TripSettings, DeviceError>;
    fn write_trip_settings(&mut self, trip: &TripSettings) -> Result<(), DeviceError>;
    fn anti_islanding_enabled(&mut self) -> Result<bool, DeviceError>;
    fn set_anti_islanding(&mut self, enabled: bool) -> Result<(), DeviceError>;
    fn read_enter_service(&mut self) -> Result<EnterService, DeviceError>;
    fn write_enter_service(&mut self, es: &EnterService) -> Result<(), DeviceError>;
}

/// A waveform capture of PCC voltage and charger current.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Capture {
    pub sample_rate_hz: f64,
    /// Index of the sample at the trigger instant (S3 opening).
    pub trigger_index: usize,
    pub voltage_v: Vec<f64>,
    pub current_a: Vec<f64>,
}

/// A triggered recorder at the PCC (oscilloscope / DAQ), triggered by S3's
/// auxiliary contact.
pub trait WaveformRecorder: Send {
    fn identify(&mut self) -> Result<Identity, DeviceError>;
    /// Arm a single capture: `pre` before the trigger, `post` after.
    fn arm(&mut self, pre: Duration, post: Duration) -> Result<(), DeviceError>;
    /// Triggers the armed capture now, whatever its trigger source: the
    /// time origin of an event without a contact to wire to the trigger
    /// input (a grid simulator's step).
    fn force_trigger(&mut self) -> Result<(), DeviceError>;
    /// Whether the armed capture has triggered and filled.
    fn is_complete(&mut self) -> Result<bool, DeviceError>;
    fn fetch(&mut self) -> Result<Capture, DeviceError>;
}

/// The home's loads on the backed-up bus (V2H): a programmable AC load.
pub trait HomeLoad: Send {
    fn identify(&mut self) -> Result<Identity, DeviceError>;
    /// Real and reactive power drawn at nominal voltage (constant-impedance load).
    fn set_load(&mut self, p_w: f64, q_var: f64) -> Result<(), DeviceError>;
    fn set_input(&mut self, on: bool) -> Result<(), DeviceError>;
    fn measure(&mut self) -> Result<AcReading, DeviceError>;
}

/// What the plan makes the simulated vehicle do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EvCommand {
    Plug,
    StartCharge {
        current_a: Option<f64>,
    },
    StartDischarge,
    Stop,
    Unplug,
    /// Stop sending frames, as a vehicle whose controller hung.
    GoSilent,
    Resume,
}

/// Vehicle limits to change mid-session; `None` keeps the present value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EvLimitsUpdate {
    pub max_charge_current_a: Option<f64>,
    pub max_discharge_current_a: Option<f64>,
    pub min_discharge_soc_pct: Option<f64>,
    pub min_discharge_voltage_v: Option<f64>,
}

/// The session as the simulated vehicle sees it.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct EvReading {
    pub phase: String,
    pub soc_pct: f64,
    /// What the charger reports; discharge positive.
    pub dc_current_a: f64,
    pub dc_voltage_v: f64,
    pub energy_transfer: bool,
    /// The charger reported a stop or a malfunction.
    pub charger_stopped: bool,
    pub peak_discharge_current_a: f64,
    pub stop_cause: Option<String>,
}

/// Plays the vehicle on the charger's CHAdeMO CAN bus, keeping the 100 ms
/// cadence in the background while the plan does other things.
pub trait EvSimulator: Send {
    fn identify(&mut self) -> Result<Identity, DeviceError>;
    fn command(&mut self, command: EvCommand) -> Result<(), DeviceError>;
    fn set_limits(&mut self, limits: EvLimitsUpdate) -> Result<(), DeviceError>;
    fn status(&mut self) -> Result<EvReading, DeviceError>;
    /// The vehicle's V2G messages since the last call, for the journal (a
    /// CCS vehicle; CHAdeMO's frames are in the CAN traces, so none).
    fn take_messages(&mut self) -> Result<Vec<EvMessage>, DeviceError>;
}

/// One V2G message a vehicle sent (`tx`) or received (`rx`): its decoded
/// name and its V2GTP frame (header + EXI) in hex.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EvMessage {
    pub at_s: f64,
    pub direction: String,
    pub name: String,
    pub frame_hex: String,
    /// The same frame's bytes (for the packet capture).
    #[serde(skip)]
    pub frame: Vec<u8>,
}

/// One phase (leg) of a site meter; `None` where the meter does not
/// implement the point.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct PhaseReading {
    /// Line to neutral.
    pub voltage_v: Option<f64>,
    /// Signed like `power_w` on meters that sign their currents.
    pub current_a: Option<f64>,
    /// Import positive, like [`MeterReading::power_w`].
    pub power_w: Option<f64>,
}

/// What a service-entrance meter reads.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct MeterReading {
    /// The SunSpec meter model it answered with (201–204).
    pub model: u16,
    /// The service voltage: line to neutral on 201 (AN) and 203, line to
    /// line on 202 (L1–L2, the 240 V a charger is wired across), 201 (AB)
    /// and 204.
    pub voltage_v: f64,
    /// The meter's total current (SunSpec `A`).
    pub current_a: f64,
    pub frequency_hz: f64,
    /// Real power, IMPORT POSITIVE: from the utility into the site, as a
    /// service meter is read (SunSpec 201–204 `W`, see
    /// `protocol::sunspec::meter`). A site exporting reads negative; the
    /// charger's own [`ChargerStatus::power_w`] is the other way round.
    pub power_w: f64,
    /// Reactive power, same reference direction; `None` if not implemented.
    pub reactive_var: Option<f64>,
    /// Each phase (leg) the model meters: 1 (201), 2 (202), 3 (203, 204).
    pub phases: Vec<PhaseReading>,
}

/// The meter at the site's service entrance, between the utility and the
/// site: what the site imports or exports, whoever is behind it.
pub trait SiteMeter: Send {
    fn identify(&mut self) -> Result<Identity, DeviceError>;
    fn measure(&mut self) -> Result<MeterReading, DeviceError>;
}

/// Applies `$apply!` to each role trait's method list, for code that
/// stands in front of any role (`rig::named` labels errors, `exec::lost`
/// stands in for a device given up on). Types are written in full so the
/// expansion compiles anywhere.
macro_rules! for_each_role {
    ($apply:ident) => {
        $apply!(GridSimulator {
            fn identify(&mut self) -> $crate::device::Identity;
            fn reset(&mut self) -> ();
            fn set_voltage_v(&mut self, voltage_v: f64) -> ();
            fn set_frequency_hz(&mut self, frequency_hz: f64) -> ();
            fn set_output(&mut self, on: bool) -> ();
            fn measure(&mut self) -> $crate::device::AcReading;
        });
        $apply!(IslandSwitch {
            fn identify(&mut self) -> $crate::device::Identity;
            fn open(&mut self) -> ();
            fn close(&mut self) -> ();
            fn is_closed(&mut self) -> bool;
        });
        $apply!(IslandLoad {
            fn identify(&mut self) -> $crate::device::Identity;
            fn set_load(&mut self, setting: $crate::device::RlcSetting) -> ();
            fn set_input(&mut self, on: bool) -> ();
            fn measure(&mut self) -> $crate::device::AcReading;
        });
        $apply!(Charger {
            fn identify(&mut self) -> $crate::device::Identity;
            fn rating_w(&mut self) -> f64;
            fn set_power_w(&mut self, power_w: f64) -> ();
            fn status(&mut self) -> $crate::device::ChargerStatus;
            fn read_trip_settings(&mut self) -> $crate::der::TripSettings;
            fn write_trip_settings(&mut self, trip: &$crate::der::TripSettings) -> ();
            fn anti_islanding_enabled(&mut self) -> bool;
            fn set_anti_islanding(&mut self, enabled: bool) -> ();
            fn read_enter_service(&mut self) -> $crate::der::EnterService;
            fn write_enter_service(&mut self, es: &$crate::der::EnterService) -> ();
        });
        $apply!(WaveformRecorder {
            fn identify(&mut self) -> $crate::device::Identity;
            fn arm(&mut self, pre: std::time::Duration, post: std::time::Duration) -> ();
            fn force_trigger(&mut self) -> ();
            fn is_complete(&mut self) -> bool;
            fn fetch(&mut self) -> $crate::device::Capture;
        });
        $apply!(HomeLoad {
            fn identify(&mut self) -> $crate::device::Identity;
            fn set_load(&mut self, p_w: f64, q_var: f64) -> ();
            fn set_input(&mut self, on: bool) -> ();
            fn measure(&mut self) -> $crate::device::AcReading;
        });
        $apply!(EvSimulator {
            fn identify(&mut self) -> $crate::device::Identity;
            fn command(&mut self, command: $crate::device::EvCommand) -> ();
            fn set_limits(&mut self, limits: $crate::device::EvLimitsUpdate) -> ();
            fn status(&mut self) -> $crate::device::EvReading;
            fn take_messages(&mut self) -> Vec<$crate::device::EvMessage>;
        });
        $apply!(SiteMeter {
            fn identify(&mut self) -> $crate::device::Identity;
            fn measure(&mut self) -> $crate::device::MeterReading;
        });
        $apply!(CentralSystem {
            fn identify(&mut self) -> $crate::device::Identity;
            fn wait_boot(&mut self, timeout: std::time::Duration) -> $crate::device::csms::StationBoot;
            fn get_variables(&mut self, variables: &[$crate::device::csms::VariableRef]) -> Vec<$crate::device::csms::VariableResult>;
            fn set_variables(&mut self, variables: &[($crate::device::csms::VariableRef, String)]) -> Vec<$crate::device::csms::VariableResult>;
            fn trigger_message(&mut self, message: &str) -> String;
            fn set_charging_profile(&mut self, profile: &$crate::device::csms::DispatchProfile) -> String;
            fn clear_charging_profile(&mut self, profile_id: Option<i32>) -> String;
            fn received(&mut self, after_seq: u64) -> Vec<$crate::device::csms::StationMessage>;
            fn take_log(&mut self) -> Vec<$crate::device::csms::OcppExchange>;
            fn listening(&mut self) -> String;
            fn version(&mut self) -> Option<$crate::model::rig_csms::OcppVersion>;
        });
    };
}
pub(crate) use for_each_role;

/// The driver names each role accepts in a rig file: the rig validator's
/// list comes from the drivers themselves.
pub fn drivers_for(role: crate::model::Role) -> &'static [&'static str] {
    use crate::model::Role;
    match role {
        Role::GridSimulator => scpi::GRID_DRIVERS,
        Role::IslandSwitch => scpi::SWITCH_DRIVERS,
        Role::IslandLoad => scpi::LOAD_DRIVERS,
        Role::WaveformRecorder => scpi::RECORDER_DRIVERS,
        Role::HomeLoad => scpi::HOME_LOAD_DRIVERS,
        Role::Charger => &["sunspec"],
        Role::EvSimulator => &["chademo", "ccs"],
        Role::SiteMeter => sunspec::METER_DRIVERS,
        Role::Csms => &["ocpp"],
    }
}

#[cfg(test)]
mod tests {
    /// The model's fallback table (used where no caller passes the device
    /// lists) must not accept a driver the factories do not have.
    #[test]
    fn model_default_drivers_exist() {
        for role in crate::model::Role::ALL {
            for d in crate::model::default_drivers(role) {
                assert!(super::drivers_for(role).contains(d), "{role}: {d}");
            }
        }
    }
}
