//! The plan file (`test-plans/*.yaml`): named tests made of steps. Plans are
//! data, never code: no step runs a command.

use super::profile::GridProfile;
use super::spans::Spans;
use serde::{Deserialize, Deserializer};
use std::path::PathBuf;

/// A validated plan (profiles it references already loaded).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub name: String,
    pub description: Option<String>,
    pub tests: Vec<TestSpec>,
    pub source: PathBuf,
    pub spans: Spans,
}

impl Plan {
    /// Where `key_path` (e.g. `tests[0].steps[3].set.voltage_v`) is written.
    pub fn location(&self, key_path: &str) -> super::Location {
        self.spans.location(key_path)
    }

    /// How long the plan takes by its own numbers (waits, ramps, expect
    /// timeouts, island points): simulated time on the emulated rig.
    pub fn nominal_duration_s(&self) -> f64 {
        super::plan_bounds::nominal_duration_s(self)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TestSpec {
    /// Unique within the plan.
    pub name: String,
    /// Clause of the standard this test gives evidence for.
    pub clause: Option<String>,
    pub steps: Vec<Step>,
    /// The test passes when one of its steps aborts on a device an
    /// injected fault is on, and the rest of the rig then reaches its safe
    /// state (README "Faults"); it needs a `fault:` step.
    pub expect_abort: bool,
}

/// One step. In YAML a single-key mapping: `- set: { … }`.
/// Serialized as the plan file writes it (`{"set": {...}}`), for the journal.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    Set(SetStep),
    Ramp(RampStep),
    Wait(WaitStep),
    WriteSettings(WriteSettingsStep),
    ReadSettings(ReadSettingsStep),
    BalanceLoad(BalanceLoadStep),
    Island(IslandStep),
    Trip(TripStep),
    Close(SwitchStep),
    Open(SwitchStep),
    Expect(ExpectStep),
    Ev(EvStep),
    EvLimits(EvLimitsStep),
    Flash(FlashStep),
    /// Injects a fault now (emulated rigs only).
    Fault(super::fault::FaultSpec),
    /// Ends injected faults.
    Clear(super::fault::ClearSpec),
    /// Asks the installer to do something (a site rig's physical actions).
    Installer(InstallerStep),
    /// Reads the device's identity and checks its serial.
    Identify(IdentifyStep),
    /// V2H backup at a site: the installer opens the main breaker, the
    /// charger must carry the home, then resynchronise when it closes.
    Backup(BackupStep),
    /// The site meter sees the charger's export and import with the right
    /// sign and magnitude (a reversed CT is the commonest field fault).
    MeterCheck(MeterCheckStep),
    /// The charger runs firmware the program approves (the site's firmware
    /// catalog); older firmware is updated, newer unknown firmware refused.
    FirmwareGate(FirmwareGateStep),
    /// OCPP (through the rig's csms): the charger connects and boots.
    BootNotification(super::plan_ocpp::BootNotificationStep),
    GetVariables(super::plan_ocpp::VariablesStep),
    SetVariables(super::plan_ocpp::VariablesStep),
    TriggerMessage(super::plan_ocpp::TriggerMessageStep),
    ChargingProfile(super::plan_ocpp::ChargingProfileStep),
    ClearChargingProfile(super::plan_ocpp::ClearChargingProfileStep),
    OcppExpect(super::plan_ocpp::OcppExpectStep),
}

/// Holds the charger to the firmware catalog the run's site file names
/// (`site.firmware_catalog`): approved and at or above the minimum passes;
/// below the minimum the newest approved image is flashed through the
/// charger's bootloader and the version read back; anything else fails
/// and nothing is flashed.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FirmwareGateStep {
    pub device: String,
    /// The site's catalog, bound with the site ([`Plan::bind_site`]).
    #[serde(skip)]
    pub catalog: Option<super::catalog::FirmwareCatalog>,
    /// The site file's charger (make, model): its approved image is
    /// checked against the rig before the run.
    #[serde(skip)]
    pub site_charger: Option<(String, String)>,
}

/// Checks the site meter against the charger: a short export, then a short
/// import, at a small power; the meter's change from its baseline must be
/// the charger's power, the other way round (the meter reads import
/// positive), within the tolerance, on every leg the same way.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "meter_check")]
pub struct MeterCheckStep {
    /// The site meter.
    pub device: String,
    /// The charger that exports and imports.
    pub charger: String,
    /// The test power, W (exported, then imported); or
    pub power_w: Option<f64>,
    /// percent of the site's permitted export (`site.export_limit_w`),
    /// bound to `power_w` before the run.
    pub site_export_pct: Option<f64>,
    /// How far the meter's change may be from the charger's power, percent.
    #[serde(default = "default_meter_tolerance_pct")]
    pub tolerance_pct: f64,
    /// Time for the charger and the meter's averaging to settle at each level.
    #[serde(default = "default_meter_settle_s")]
    pub settle_s: f64,
}

fn default_meter_tolerance_pct() -> f64 {
    10.0
}

fn default_meter_settle_s() -> f64 {
    5.0
}

/// Asks the person at the site; the emulator plays them on an emulated site.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "installer")]
pub struct InstallerStep {
    pub action: crate::exec::operator::InstallerAction,
    /// What the installer is told, in plain words.
    pub say: String,
}

/// `serial:` is a literal serial or `site` (the site file's `charger.serial`,
/// bound when the run has a site).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IdentifyStep {
    pub device: String,
    /// The serial the device must report; `None` records without checking.
    pub serial: Option<String>,
    /// The plan asked for the site's serial (`serial: site`).
    #[serde(skip)]
    pub serial_from_site: bool,
}

/// The V2H backup test at a site (IEEE 1547-2018 §8.2 intentional
/// islanding, as an installer can check it without a grid simulator): the
/// installer opens the main breaker; the gap until the charger forms the
/// home's supply, the home's voltage, frequency and load, the site meter
/// reading no backfeed; the installer closes it; the delay until the
/// charger reconnects (its enter-service delay, §4.10.3).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "backup")]
pub struct BackupStep {
    /// The charger.
    pub device: String,
    /// The site meter at the service entrance, when the rig has one.
    pub meter: Option<String>,
    /// Longest acceptable gap from losing the utility to the home's supply.
    pub max_transfer_gap_s: f64,
    /// How long the home is carried before the breaker is closed again.
    #[serde(default = "default_backup_hold_s")]
    pub hold_s: f64,
    /// Home voltage and frequency must stay within these of nominal.
    #[serde(default = "default_backup_voltage_pct")]
    pub voltage_tolerance_pct: f64,
    #[serde(default = "default_backup_frequency_hz")]
    pub frequency_tolerance_hz: f64,
    /// How long to wait for each of the installer's actions to show, and
    /// for reconnection beyond the enter-service delay.
    #[serde(default = "default_backup_wait_s")]
    pub wait_s: f64,
}

fn default_backup_hold_s() -> f64 {
    10.0
}

fn default_backup_voltage_pct() -> f64 {
    5.0
}

fn default_backup_frequency_hz() -> f64 {
    0.5
}

fn default_backup_wait_s() -> f64 {
    120.0
}

/// Updates the charger's firmware through its bootloader, as `v2x-hil flash`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FlashStep {
    pub device: String,
    /// Resolved relative to the plan file.
    pub image: PathBuf,
    pub expect_sha256: Option<String>,
}

impl Step {
    /// The YAML key of this step kind.
    pub fn kind(&self) -> &'static str {
        match self {
            Step::Set(_) => "set",
            Step::Ramp(_) => "ramp",
            Step::Wait(_) => "wait",
            Step::WriteSettings(_) => "write_settings",
            Step::ReadSettings(_) => "read_settings",
            Step::BalanceLoad(_) => "balance_load",
            Step::Island(_) => "island",
            Step::Trip(_) => "trip",
            Step::Close(_) => "close",
            Step::Open(_) => "open",
            Step::Expect(_) => "expect",
            Step::Ev(_) => "ev",
            Step::EvLimits(_) => "ev_limits",
            Step::Flash(_) => "flash",
            Step::Fault(_) => "fault",
            Step::Clear(_) => "clear",
            Step::Installer(_) => "installer",
            Step::Identify(_) => "identify",
            Step::Backup(_) => "backup",
            Step::MeterCheck(_) => "meter_check",
            Step::FirmwareGate(_) => "firmware_gate",
            Step::BootNotification(_) => "boot_notification",
            Step::GetVariables(_) => "get_variables",
            Step::SetVariables(_) => "set_variables",
            Step::TriggerMessage(_) => "trigger_message",
            Step::ChargingProfile(_) => "charging_profile",
            Step::ClearChargingProfile(_) => "clear_charging_profile",
            Step::OcppExpect(_) => "ocpp_expect",
        }
    }

    /// The device the step names (`island` and `wait` name none; `fault`
    /// and `clear` are checked against the rig on their own).
    pub fn device(&self) -> Option<&str> {
        match self {
            Step::Set(s) => Some(&s.device),
            Step::Ramp(s) => Some(&s.device),
            Step::WriteSettings(s) => Some(&s.device),
            Step::ReadSettings(s) => Some(&s.device),
            Step::BalanceLoad(s) => Some(&s.device),
            Step::Close(s) | Step::Open(s) => Some(&s.device),
            Step::Expect(s) => Some(&s.device),
            Step::Ev(s) => Some(&s.device),
            Step::EvLimits(s) => Some(&s.device),
            Step::Flash(s) => Some(&s.device),
            Step::Trip(s) => Some(&s.device),
            Step::Identify(s) => Some(&s.device),
            Step::Backup(s) => Some(&s.device),
            Step::MeterCheck(s) => Some(&s.device),
            Step::FirmwareGate(s) => Some(&s.device),
            Step::BootNotification(s) => Some(&s.device),
            Step::GetVariables(s) | Step::SetVariables(s) => Some(&s.device),
            Step::TriggerMessage(s) => Some(&s.device),
            Step::ChargingProfile(s) => Some(&s.device),
            Step::ClearChargingProfile(s) => Some(&s.device),
            Step::OcppExpect(s) => Some(&s.device),
            Step::Installer(_) => None,
            Step::Wait(_) | Step::Island(_) | Step::Fault(_) | Step::Clear(_) => None,
        }
    }
}

/// Accepts `on`/`off`/`true`/`false` (YAML 1.2 reads `on` as a string).
fn on_off<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct OnOff;
    impl serde::de::Visitor<'_> for OnOff {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("on, off, true or false")
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
            match v {
                "on" | "On" | "ON" | "true" => Ok(Some(true)),
                "off" | "Off" | "OFF" | "false" => Ok(Some(false)),
                _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
            }
        }
    }
    d.deserialize_any(OnOff)
}

/// What [`on_off`] reads.
fn on_off_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "description": "on or off (true and false are taken too)",
        "oneOf": [
            { "type": "boolean" },
            { "type": "string", "enum": ["on", "On", "ON", "off", "Off", "OFF", "true", "false"] },
            { "type": "null" },
        ],
    })
}

/// Set quantities on one device. Which keys apply depends on the device's
/// role (checked against the rig): grid simulator `voltage_v`,
/// `frequency_hz`, `output`; charger exactly one of `power_w`, `power_pct`
/// (of its rating); island load `p_w`, `ql_var`, `qc_var`, `input`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "set")]
pub struct SetStep {
    pub device: String,
    pub voltage_v: Option<f64>,
    pub frequency_hz: Option<f64>,
    #[serde(default, deserialize_with = "on_off")]
    #[schemars(schema_with = "on_off_schema")]
    pub output: Option<bool>,
    /// Export positive, import negative.
    pub power_w: Option<f64>,
    pub power_pct: Option<f64>,
    /// Charger: percent of the site's permitted export (`site.export_limit_w`
    /// of the run's site file); bound to `power_w` before the run.
    pub site_export_pct: Option<f64>,
    pub p_w: Option<f64>,
    pub ql_var: Option<f64>,
    pub qc_var: Option<f64>,
    /// Home load: reactive power (inductive positive).
    pub q_var: Option<f64>,
    #[serde(default, deserialize_with = "on_off")]
    #[schemars(schema_with = "on_off_schema")]
    pub input: Option<bool>,
}

/// What the plan makes the simulated vehicle do (CHAdeMO session).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EvAction {
    /// Connector in; the vehicle starts talking.
    Plug,
    StartCharge,
    StartDischarge,
    /// Normal stop request, then contactors open.
    Stop,
    Unplug,
    /// Stop sending frames (the vehicle-silence test).
    GoSilent,
    Resume,
}

#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "ev")]
pub struct EvStep {
    pub device: String,
    pub action: EvAction,
    /// Charge current the vehicle requests (start_charge); default its maximum.
    pub charge_current_a: Option<f64>,
}

/// Changes the vehicle's limits mid-session; omitted keys keep their value.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "ev_limits")]
pub struct EvLimitsStep {
    pub device: String,
    pub max_charge_current_a: Option<f64>,
    pub max_discharge_current_a: Option<f64>,
    pub min_discharge_soc_pct: Option<f64>,
    pub min_discharge_voltage_v: Option<f64>,
}

/// Ramp one quantity linearly to a target: grid `voltage_v` or
/// `frequency_hz`, charger `power_w` (exactly one).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "ramp")]
pub struct RampStep {
    pub device: String,
    pub voltage_v: Option<f64>,
    pub frequency_hz: Option<f64>,
    pub power_w: Option<f64>,
    pub over_s: f64,
    pub step_s: f64,
}

#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "wait")]
pub struct WaitStep {
    pub s: f64,
}

/// Write charger settings; any non-empty subset.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct WriteSettingsStep {
    pub device: String,
    /// Loaded from the path (relative to the plan file) at plan load time,
    /// or the site's (`profile: site`) once the run's site is bound.
    #[serde(serialize_with = "profile_name")]
    pub profile: Option<GridProfile>,
    /// `profile: site`: the run's site file names the profile.
    #[serde(skip)]
    pub profile_from_site: bool,
    pub anti_islanding: Option<bool>,
    pub enter_service_delay_s: Option<f64>,
}

/// Read charger settings, optionally comparing them with a profile.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReadSettingsStep {
    pub device: String,
    #[serde(serialize_with = "profile_name")]
    pub compare_profile: Option<GridProfile>,
    /// `compare_profile: site`.
    #[serde(skip)]
    pub profile_from_site: bool,
}

/// A step's profile is journalled by name; its values are in the plan's
/// profile file, whose digest the run records.
fn profile_name<S: serde::Serializer>(p: &Option<GridProfile>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_some(&p.as_ref().map(|p| &p.name))
}

/// Tune the RLC load to the charger's output (IEEE 1547.1-2020 §5.10.2).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "balance_load")]
pub struct BalanceLoadStep {
    pub device: String,
    /// Qf of the RLC load; §5.10 uses 1.0.
    #[serde(default = "default_qf")]
    pub quality_factor: f64,
    /// Max |P|, |Q| through S3 after balancing, per unit of rating; §5.10: 0.02.
    #[serde(default = "default_residual")]
    pub max_residual_pu: f64,
}

fn default_qf() -> f64 {
    1.0
}

fn default_residual() -> f64 {
    0.02
}

/// How far beyond 95–105 % a sweep with `extend_while_rising` may go: the
/// runner extends each end by 1 % points up to 100 ± (5 + this) %.
pub const EXTEND_LIMIT_PCT: f64 = 20.0;

/// Open S3 and measure clearing time at each reactive-load point.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "island")]
pub struct IslandStep {
    /// Percent of the balanced reactive load; 50..150.
    #[serde(default = "default_points")]
    pub reactive_load_pct: Vec<f64>,
    /// How long after S3 opens to watch; ≥ 0.5 s.
    pub watch_s: f64,
    /// Pass limit (IEEE 1547-2018 §8.1.2: 2 s).
    pub max_clearing_time_s: f64,
    #[serde(default = "default_settle")]
    pub settle_s: f64,
    /// Sandia-style: extend the sweep while clearing time still rises at the ends.
    #[serde(default)]
    pub extend_while_rising: bool,
    /// Rerun the N longest points twice.
    #[serde(default)]
    pub rerun_longest: u32,
    /// Close S3 again after each point (default). `false` leaves the grid
    /// lost after a single point, for the V2H backup tests.
    #[serde(default = "default_reclose")]
    pub reclose: bool,
}

fn default_reclose() -> bool {
    true
}

fn default_points() -> Vec<f64> {
    vec![100.0]
}

fn default_settle() -> f64 {
    1.0
}

/// A step of the grid to an abnormal voltage or frequency, with the
/// charger's cessation timed from the recorder's capture: IEEE 1547.1-2020
/// §5.4.2/§5.4.3 (over/undervoltage trip) and §5.5.2/§5.5.3 (over/under-
/// frequency trip), "the clearing time shall be measured from the time t0
/// to tc" (Annex A.3), to the recorder's resolution rather than a poll's.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "trip")]
pub struct TripStep {
    /// The grid simulator.
    pub device: String,
    /// The abnormal value; exactly one of `voltage_v`, `frequency_hz`.
    pub voltage_v: Option<f64>,
    pub frequency_hz: Option<f64>,
    /// The charger must have ceased to energise within this of the step
    /// (its clearing-time setting plus the tolerance the plan allows).
    pub max_clearing_time_s: f64,
    /// …and not before this (ride-through up to it); 0 by default.
    #[serde(default)]
    pub min_clearing_time_s: f64,
    /// How long the recorder watches after the step; by default 1.5 × the
    /// longest clearing time (1547.1 §5.4.2 h): "hold … not less than 1.5
    /// times the clearing time setting"), at least 0.5 s.
    pub watch_s: Option<f64>,
    /// Return the grid to its value before the step after the watch.
    #[serde(default = "default_reclose")]
    pub restore: bool,
}

impl TripStep {
    /// The watch the step runs: `watch_s`, or its default.
    pub fn watch_s(&self) -> f64 {
        self.watch_s
            .unwrap_or((1.5 * self.max_clearing_time_s).max(0.5))
    }
}

/// Close or open the island switch.
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "switch step")]
pub struct SwitchStep {
    pub device: String,
}

/// What a step can measure, per role (see [`Quantity::roles`]).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
#[schemars(
    description = "What a step can measure; which quantities a device has depends on its role."
)]
pub enum Quantity {
    VoltageV,
    FrequencyHz,
    PowerW,
    CurrentA,
    Energized,
    Tripped,
    Closed,
    /// Charger: connected to the grid (SunSpec 701 ConnSt; V2H: MID closed).
    Connected,
    /// EV: state of charge the vehicle reports, percent.
    SocPct,
    /// EV: DC current the charger reports, discharge positive.
    DcCurrentA,
    /// EV: DC voltage the charger reports.
    DcVoltageV,
    /// EV: the session is transferring energy.
    EnergyTransfer,
    /// EV: the charger reported a stop or a fault.
    ChargerStopped,
    /// EV: largest discharge current the charger reported this session.
    PeakDischargeCurrentA,
}

impl Quantity {
    pub fn name(self) -> &'static str {
        match self {
            Quantity::VoltageV => "voltage_v",
            Quantity::FrequencyHz => "frequency_hz",
            Quantity::PowerW => "power_w",
            Quantity::CurrentA => "current_a",
            Quantity::Energized => "energized",
            Quantity::Tripped => "tripped",
            Quantity::Closed => "closed",
            Quantity::Connected => "connected",
            Quantity::SocPct => "soc_pct",
            Quantity::DcCurrentA => "dc_current_a",
            Quantity::DcVoltageV => "dc_voltage_v",
            Quantity::EnergyTransfer => "energy_transfer",
            Quantity::ChargerStopped => "charger_stopped",
            Quantity::PeakDischargeCurrentA => "peak_discharge_current_a",
        }
    }

    /// Boolean quantities are checked with `equals`, numeric with `value` ± `tolerance`.
    pub fn is_bool(self) -> bool {
        matches!(
            self,
            Quantity::Energized
                | Quantity::Tripped
                | Quantity::Closed
                | Quantity::Connected
                | Quantity::EnergyTransfer
                | Quantity::ChargerStopped
        )
    }

    /// Quantities each role can measure.
    pub fn for_role(role: super::Role) -> &'static [Quantity] {
        use super::Role::*;
        use Quantity::*;
        match role {
            GridSimulator => &[VoltageV, FrequencyHz, PowerW, CurrentA],
            Charger => &[PowerW, VoltageV, FrequencyHz, Energized, Tripped, Connected],
            IslandLoad => &[VoltageV, PowerW, CurrentA],
            IslandSwitch => &[Closed],
            // What a csms observes is checked with ocpp_expect.
            WaveformRecorder | Csms => &[],
            EvSimulator => &[
                SocPct,
                DcCurrentA,
                DcVoltageV,
                EnergyTransfer,
                ChargerStopped,
                PeakDischargeCurrentA,
            ],
            HomeLoad => &[VoltageV, FrequencyHz, PowerW, CurrentA],
            // Power import positive (utility into the site).
            SiteMeter => &[VoltageV, FrequencyHz, PowerW, CurrentA],
        }
    }
}

/// Check a measurement: numeric `value` ± `tolerance`, or boolean `equals`
/// (validated: exactly one form, matching the quantity's kind).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "expect")]
pub struct ExpectStep {
    pub device: String,
    pub quantity: Quantity,
    pub value: Option<f64>,
    /// Instead of `value`: percent of the site's permitted export, bound
    /// to `value` before the run.
    pub site_export_pct: Option<f64>,
    pub tolerance: Option<f64>,
    pub equals: Option<bool>,
    /// Keep polling up to this long; 0 = checked once.
    #[serde(default)]
    pub within_s: f64,
}
