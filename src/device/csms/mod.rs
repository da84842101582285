//! The central-system role: the harness plays the OCPP 2.0.1 / 2.1 CSMS a
//! charger connects to (OCPP-J over WebSocket), so a plan can check what
//! the charger reports about itself and dispatch it as a program would.
//!
//! The driver ([`OcppCsms`]) services its connection from a periodic task
//! on the rig's clock that never blocks: it answers the charger's own
//! messages (BootNotification, Heartbeat, StatusNotification,
//! TransactionEvent, MeterValues, …) whenever they come, and the runner's
//! requests wait for their answers on the same clock.

mod answers;
mod driver;
mod requests;
mod session;

pub use driver::{CsmsOptions, OcppCsms};
pub use session::Session;
pub use session::{Direction, OcppExchange};

use crate::model::rig_csms::OcppVersion;
use serde::Serialize;
use std::time::Duration;

/// What the charger said of itself in its BootNotification (OCPP 2.0.1
/// B01: `chargingStation` vendorName, model, serialNumber, firmwareVersion).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct StationBoot {
    /// The station identity in its URL (and its Basic-auth user).
    pub station_id: String,
    /// The subprotocol agreed: `ocpp2.0.1` or `ocpp2.1`.
    pub version: String,
    pub vendor: String,
    pub model: String,
    pub serial: Option<String>,
    pub firmware: Option<String>,
    /// B01 `reason`: PowerUp, Triggered, …
    pub reason: String,
    /// Where it connected from ("127.0.0.1:53412", "tls …", "emulated").
    pub peer: String,
}

/// A device-model variable (OCPP 2.0.1 Part 1 §4, Part 2 Appendix 3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct VariableRef {
    pub component: String,
    pub variable: String,
}

/// One GetVariables/SetVariables result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct VariableResult {
    pub component: String,
    pub variable: String,
    /// Accepted, Rejected, UnknownComponent, UnknownVariable, NotSupportedAttributeType, RebootRequired.
    pub status: String,
    /// The value read (GetVariables only).
    pub value: Option<String>,
}

/// A discharge/charge instruction sent as a SetChargingProfile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DispatchProfile {
    pub profile_id: i32,
    /// Harness convention: positive exports (discharges the vehicle into
    /// the grid), negative imports. OCPP's sign is the opposite.
    pub export_w: f64,
    pub duration: Duration,
    /// The OCPP 2.1 V2X operation mode (CentralSetpoint) instead of a
    /// 2.0.1 limit; only on a 2.1 connection.
    pub setpoint: bool,
    /// The EVSE it applies to (1 on a single-outlet charger).
    pub evse_id: i32,
}

/// A message the charger sent us (a CALL it made).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StationMessage {
    /// Order of arrival since the connection began, from 1.
    pub seq: u64,
    /// Run time it arrived, s.
    pub at_s: f64,
    pub action: String,
    pub payload: serde_json::Value,
}

/// The harness's view of the central system, independent of how the
/// charger reached it.
pub trait CentralSystem: Send {
    /// The connected charger as BootNotification described it.
    fn identify(&mut self) -> Result<crate::device::Identity, crate::device::DeviceError>;
    /// Waits up to `timeout` for a charger to connect and boot (answered
    /// Accepted); a boot already received is returned at once.
    fn wait_boot(&mut self, timeout: Duration) -> Result<StationBoot, crate::device::DeviceError>;
    fn get_variables(
        &mut self,
        variables: &[VariableRef],
    ) -> Result<Vec<VariableResult>, crate::device::DeviceError>;
    fn set_variables(
        &mut self,
        variables: &[(VariableRef, String)],
    ) -> Result<Vec<VariableResult>, crate::device::DeviceError>;
    /// TriggerMessage; returns the charger's status (Accepted, Rejected, NotImplemented).
    fn trigger_message(&mut self, message: &str) -> Result<String, crate::device::DeviceError>;
    /// SetChargingProfile; returns the charger's status (Accepted, Rejected).
    fn set_charging_profile(
        &mut self,
        profile: &DispatchProfile,
    ) -> Result<String, crate::device::DeviceError>;
    /// ClearChargingProfile (every profile this harness set when `None`).
    fn clear_charging_profile(
        &mut self,
        profile_id: Option<i32>,
    ) -> Result<String, crate::device::DeviceError>;
    /// Messages the charger sent after `after_seq`.
    fn received(
        &mut self,
        after_seq: u64,
    ) -> Result<Vec<StationMessage>, crate::device::DeviceError>;
    /// Every frame in and out since the last call (for the journal).
    fn take_log(&mut self) -> Result<Vec<OcppExchange>, crate::device::DeviceError>;
    /// Where chargers connect: `ws://0.0.0.0:9000/ocpp/<station id>`.
    fn listening(&mut self) -> Result<String, crate::device::DeviceError>;
    /// The OCPP version of the connection (none before a charger connected).
    fn version(&mut self) -> Result<Option<OcppVersion>, crate::device::DeviceError>;
}
