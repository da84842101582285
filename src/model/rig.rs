//! The rig file (`rigs/*.yaml`): which devices are wired, by role, with
//! driver, transport, ratings; the rig's safety limits and safe state.

use super::spans::Spans;
use crate::der::AntiIslanding;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

/// What a device does on the rig; the runner drives devices by role.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    GridSimulator,
    IslandSwitch,
    IslandLoad,
    WaveformRecorder,
    Charger,
    /// Plays the vehicle on the charger's CHAdeMO CAN bus.
    EvSimulator,
    /// The home's loads on the V2H backed-up bus.
    HomeLoad,
    /// A SunSpec meter (models 201–204) at the site's service entrance.
    SiteMeter,
    /// The OCPP central system the charger connects to: played by the
    /// harness itself (it listens; the charger dials in).
    Csms,
}

impl Role {
    pub const ALL: [Role; 9] = [
        Role::GridSimulator,
        Role::IslandSwitch,
        Role::IslandLoad,
        Role::WaveformRecorder,
        Role::Charger,
        Role::EvSimulator,
        Role::HomeLoad,
        Role::SiteMeter,
        Role::Csms,
    ];

    /// The spelling used in rig files.
    pub fn name(self) -> &'static str {
        match self {
            Role::GridSimulator => "grid_simulator",
            Role::IslandSwitch => "island_switch",
            Role::IslandLoad => "island_load",
            Role::WaveformRecorder => "waveform_recorder",
            Role::Charger => "charger",
            Role::EvSimulator => "ev_simulator",
            Role::HomeLoad => "home_load",
            Role::SiteMeter => "site_meter",
            Role::Csms => "csms",
        }
    }

    /// "a charger", "an island_switch": for messages.
    pub fn with_article(self) -> String {
        let article = if self.name().starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {}", self.name())
    }

    /// Roles every lab rig must have exactly one of (the others: at most
    /// one). A site rig needs only its charger.
    pub fn required(self, kind: RigKind) -> bool {
        match kind {
            RigKind::Lab => matches!(
                self,
                Role::GridSimulator | Role::IslandSwitch | Role::Charger
            ),
            RigKind::Site => self == Role::Charger,
        }
    }

    /// Whether a site rig may have this role. The grid at a site is the
    /// utility's and is never commanded (no grid simulator, switch or
    /// load); the vehicle is the customer's, reached through the charger.
    pub fn allowed_on_site(self) -> bool {
        matches!(self, Role::Charger | Role::SiteMeter | Role::Csms)
    }
}

/// What kind of place the rig is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RigKind {
    /// A test rig: grid simulator, switch S3, loads, EV simulator.
    #[default]
    Lab,
    /// An installation: the charger (and a site meter) on the utility's
    /// grid, the customer's vehicle plugged in. Nothing commands the grid.
    Site,
}

impl RigKind {
    pub fn name(self) -> &'static str {
        match self {
            RigKind::Lab => "lab",
            RigKind::Site => "site",
        }
    }
}

/// What the emulator plays on an emulated site rig that a real site simply
/// has: the home's own loads, the customer's vehicle plugged into the
/// charger, and the installer's hands at the main breaker.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmulatedSite {
    /// The site's loads (behind the charger's transfer switch in V2H).
    #[serde(default)]
    pub home_load: SiteLoad,
    /// The vehicle plugged into the charger (CHAdeMO, discharge permitted).
    #[serde(default)]
    pub vehicle: VehicleSpec,
    /// How long after a prompt the emulated installer does what it asks.
    #[serde(default = "default_installer_reaction_s")]
    pub installer_reaction_s: f64,
}

/// A constant-impedance load: P and Q drawn at nominal voltage.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SiteLoad {
    #[serde(default)]
    pub p_w: f64,
    #[serde(default)]
    pub q_var: f64,
}

fn default_installer_reaction_s() -> f64 {
    3.0
}

impl Default for EmulatedSite {
    fn default() -> Self {
        EmulatedSite {
            home_load: SiteLoad::default(),
            vehicle: VehicleSpec::default(),
            installer_reaction_s: default_installer_reaction_s(),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Driver names `load_rig`/`parse_rig` accept per role until the caller
/// passes the real driver lists (`load_rig_with`).
pub fn default_drivers(role: Role) -> &'static [&'static str] {
    match role {
        Role::GridSimulator => &["ametek-asterion", "keysight-ac6900", "chroma-61800"],
        Role::IslandSwitch => &["keysight-34980a"],
        Role::IslandLoad => &["rlc-load"],
        Role::WaveformRecorder => &["keysight-infiniivision"],
        Role::Charger => &["sunspec"],
        Role::EvSimulator => &["chademo", "ccs"],
        Role::HomeLoad => &["chroma-63800"],
        Role::SiteMeter => &["sunspec-meter"],
        Role::Csms => &["ocpp"],
    }
}

/// Nominal grid voltage (RMS, line-neutral for single phase) and frequency.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Nominal {
    pub voltage_v: f64,
    pub frequency_hz: f64,
}

/// Plant integration settings (emulated rigs only).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlantSettings {
    /// Fixed integration step rate, Hz: at least 20 kHz (DESIGN.md "Time").
    #[serde(default = "default_step_rate_hz")]
    pub step_rate_hz: u32,
}

pub const MIN_STEP_RATE_HZ: u32 = 20_000;

fn default_step_rate_hz() -> u32 {
    MIN_STEP_RATE_HZ
}

impl Default for PlantSettings {
    fn default() -> Self {
        PlantSettings {
            step_rate_hz: MIN_STEP_RATE_HZ,
        }
    }
}

/// Limits no plan step may exceed; checked before anything is sent.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SafetyLimits {
    /// Grid-simulator voltage setpoints above this are refused.
    pub max_grid_voltage_v: f64,
    /// |f − nominal| above this is refused.
    pub max_frequency_deviation_hz: f64,
    /// |charger power setpoint| above this is refused.
    pub max_charger_power_w: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SwitchState {
    Closed,
    Open,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GridSafeState {
    /// Nominal voltage and frequency, output on.
    Nominal,
    /// Output off.
    Off,
}

/// What every abort path drives the rig to. Omitted keys take the safe
/// defaults: charger 0 W, S3 closed, grid nominal.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SafeState {
    #[serde(default)]
    pub charger_power_w: f64,
    #[serde(default = "default_switch")]
    pub island_switch: SwitchState,
    #[serde(default = "default_grid")]
    pub grid: GridSafeState,
}

fn default_switch() -> SwitchState {
    SwitchState::Closed
}

fn default_grid() -> GridSafeState {
    GridSafeState::Nominal
}

impl Default for SafeState {
    fn default() -> Self {
        SafeState {
            charger_power_w: 0.0,
            island_switch: SwitchState::Closed,
            grid: GridSafeState::Nominal,
        }
    }
}

/// How the harness reaches a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportSpec {
    /// In-memory link to an emulated instrument, timed at `baud`.
    EmulatedSerial {
        baud: u32,
    },
    /// In-memory link to an emulated instrument with no baud-rate timing.
    EmulatedTcp,
    Serial {
        port: String,
        baud: u32,
    },
    /// `host:port`, e.g. `192.0.2.10:5025`.
    Tcp {
        addr: String,
    },
    /// The emulated rig's CAN bus at `bit_rate`.
    EmulatedCan {
        bit_rate: u32,
    },
    /// A Linux SocketCAN interface (`can0`, `vcan0`); its bit rate is set with `ip link`.
    SocketCan {
        interface: String,
    },
    /// An Ethernet interface bound to a HomePlug Green PHY modem (`eth1`),
    /// for a CCS vehicle's V2G link: SDP and V2GTP over IPv6 link-local.
    Ethernet {
        interface: String,
    },
    /// An SLCAN (Lawicel) USB adapter on a serial port.
    Slcan {
        port: String,
        bit_rate: u32,
        baud: u32,
    },
}

impl TransportSpec {
    pub fn is_emulated(&self) -> bool {
        matches!(
            self,
            TransportSpec::EmulatedSerial { .. }
                | TransportSpec::EmulatedTcp
                | TransportSpec::EmulatedCan { .. }
        )
    }

    pub fn is_can(&self) -> bool {
        matches!(
            self,
            TransportSpec::EmulatedCan { .. }
                | TransportSpec::SocketCan { .. }
                | TransportSpec::Slcan { .. }
        )
    }
}

/// The vehicle an EV simulator plays (CHAdeMO 0x100/0x101/0x102/0x200), and
/// on the emulated rig the battery behind it.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VehicleSpec {
    #[serde(default = "vehicle_defaults::capacity_kwh")]
    pub capacity_kwh: f64,
    #[serde(default = "vehicle_defaults::initial_soc_pct")]
    pub initial_soc_pct: f64,
    #[serde(default = "vehicle_defaults::max_charge_current_a")]
    pub max_charge_current_a: f64,
    #[serde(default = "vehicle_defaults::max_discharge_current_a")]
    pub max_discharge_current_a: f64,
    #[serde(default = "vehicle_defaults::min_discharge_voltage_v")]
    pub min_discharge_voltage_v: f64,
    #[serde(default = "vehicle_defaults::min_discharge_soc_pct")]
    pub min_discharge_soc_pct: f64,
    #[serde(default = "vehicle_defaults::max_battery_voltage_v")]
    pub max_battery_voltage_v: f64,
}

/// A 62 kWh CHAdeMO V2G vehicle (Nissan Leaf e+ class).
mod vehicle_defaults {
    pub fn capacity_kwh() -> f64 {
        62.0
    }
    pub fn initial_soc_pct() -> f64 {
        60.0
    }
    pub fn max_charge_current_a() -> f64 {
        125.0
    }
    pub fn max_discharge_current_a() -> f64 {
        30.0
    }
    pub fn min_discharge_voltage_v() -> f64 {
        310.0
    }
    pub fn min_discharge_soc_pct() -> f64 {
        20.0
    }
    pub fn max_battery_voltage_v() -> f64 {
        410.0
    }
}

impl Default for VehicleSpec {
    fn default() -> Self {
        VehicleSpec {
            capacity_kwh: vehicle_defaults::capacity_kwh(),
            initial_soc_pct: vehicle_defaults::initial_soc_pct(),
            max_charge_current_a: vehicle_defaults::max_charge_current_a(),
            max_discharge_current_a: vehicle_defaults::max_discharge_current_a(),
            min_discharge_voltage_v: vehicle_defaults::min_discharge_voltage_v(),
            min_discharge_soc_pct: vehicle_defaults::min_discharge_soc_pct(),
            max_battery_voltage_v: vehicle_defaults::max_battery_voltage_v(),
        }
    }
}

/// The V2G protocol a CCS vehicle speaks on its V2GTP link.
///
/// ISO 15118-20 (DC, bidirectional power transfer, the default) or DIN SPEC
/// 70121 (DC charge only, no TLS: the first CCS cars).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EvProtocol {
    #[default]
    Iso15118_20,
    Din70121,
}

impl EvProtocol {
    /// The names a rig file may give, as the standard spells them.
    pub const NAMES: &'static [&'static str] = &["iso15118-20", "din70121"];

    pub fn name(self) -> &'static str {
        match self {
            EvProtocol::Iso15118_20 => "iso15118-20",
            EvProtocol::Din70121 => "din70121",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "iso15118-20" => Some(EvProtocol::Iso15118_20),
            "din70121" => Some(EvProtocol::Din70121),
            _ => None,
        }
    }
}

/// V2H backup of an emulated charger.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackupSpec {
    pub enabled: bool,
    /// From ceasing on the grid to forming the home bus.
    #[serde(default = "default_transfer_time_s")]
    pub transfer_time_s: f64,
}

fn default_transfer_time_s() -> f64 {
    0.5
}

/// Optional ratings; each present one must be finite and positive.
#[derive(Debug, Clone, Copy, PartialEq, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ratings {
    pub voltage_max_v: Option<f64>,
    pub current_max_a: Option<f64>,
    /// Charger: rated real power. Island load: largest resistive load P.
    pub power_w: Option<f64>,
    pub frequency_min_hz: Option<f64>,
    pub frequency_max_hz: Option<f64>,
    /// Island load: largest inductive (QL) and capacitive (QC) load, each.
    pub reactive_var: Option<f64>,
}

/// The emulated RLC island load's largest P when the rig gives no
/// `ratings.power_w` (a 15 kW load covers an 11.5 kW charger at Qf 1.0
/// through a 125 % sweep point).
pub const EMULATED_LOAD_POWER_W: f64 = 15_000.0;
/// The emulated RLC island load's largest QL and QC, each, without ratings.
pub const EMULATED_LOAD_REACTIVE_VAR: f64 = 15_000.0;

impl Ratings {
    /// An island load's largest QL and QC: `reactive_var`, else `power_w`
    /// (RLC test loads are commonly rated alike in R, L and C).
    pub fn reactive_max_var(&self) -> Option<f64> {
        self.reactive_var.or(self.power_w)
    }
}

/// Driver-specific options.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceOptions {
    /// Switch-matrix channel of S3 (island_switch only), e.g. "1001".
    pub channel: Option<String>,
    /// Modbus unit id (charger and site_meter), 1..=247 (Modbus application protocol §4.1).
    pub unit_id: Option<u8>,
    /// Per-command response timeout.
    pub timeout_ms: Option<u64>,
}

/// What an emulated device answers to identification queries.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentitySpec {
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
    pub firmware: Option<String>,
}

/// Emulated-device behaviour (only for an emulated charger or site_meter).
#[derive(Debug, Clone, PartialEq)]
pub struct EmulationSpec {
    /// Trip-settings profile the emulated charger starts with, resolved
    /// relative to the rig file's folder.
    pub trip_profile: Option<PathBuf>,
    pub anti_islanding: AntiIslanding,
    pub backup: Option<BackupSpec>,
    /// Acknowledges writes of its grid-protection settings and keeps its
    /// own (a charger commissioning must fail).
    pub settings_locked: bool,
    /// Site meter: current transformers installed backwards.
    pub ct_reversed: CtReversed,
    /// Site meter: the SunSpec model it serves (201 or 202; 202 when omitted).
    pub meter_model: Option<u16>,
    /// Charger: its OCPP client, dialling the rig's emulated csms.
    pub ocpp: Option<super::rig_csms::EmulatedOcpp>,
}

/// Which of an emulated site meter's current transformers are installed
/// backwards (the commonest CT-meter fault in the field): each reversed
/// one flips its leg's current and power sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CtReversed {
    #[default]
    None,
    L1,
    L2,
    Both,
}

impl CtReversed {
    /// Whether leg `i` (0: L1, 1: L2) reads reversed.
    pub fn leg(self, i: usize) -> bool {
        matches!(
            (self, i),
            (CtReversed::L1, 0) | (CtReversed::L2, 1) | (CtReversed::Both, 0 | 1)
        )
    }
}

/// One device of the rig.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceSpec {
    pub role: Role,
    pub driver: String,
    pub transport: TransportSpec,
    pub ratings: Ratings,
    pub options: DeviceOptions,
    pub identity: Option<IdentitySpec>,
    pub emulation: Option<EmulationSpec>,
    /// Only for an ev_simulator.
    pub vehicle: Option<VehicleSpec>,
    /// Only for a `ccs` ev_simulator: the V2G protocol it speaks.
    pub protocol: Option<EvProtocol>,
    /// Only for a `ccs` ev_simulator on Ethernet: the PEM file of the V2G
    /// root certificate(s) the vehicle trusts for the SECC's TLS chain.
    pub v2g_root: Option<std::path::PathBuf>,
    /// Only for the charger: how its firmware is updated.
    pub firmware: Option<FirmwareSpec>,
    /// Only for the csms: what the central system offers the charger.
    pub csms: Option<super::rig_csms::CsmsSpec>,
}

/// One flash region of the charger's memory map (images must fit inside).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlashRegionSpec {
    pub name: String,
    pub start: u32,
    pub length: u32,
    pub sector_size: u32,
}

impl FirmwareSpec {
    /// The 16-byte security secret (validated as 32 hex digits); zeros when absent.
    pub fn secret(&self) -> [u8; 16] {
        let mut secret = [0u8; 16];
        if let Some(hex) = &self.security_secret {
            for (i, b) in secret.iter_mut().enumerate() {
                *b = hex
                    .get(2 * i..2 * i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .unwrap_or(0);
            }
        }
        secret
    }

    pub fn memory_map(&self) -> crate::firmware::verify::MemoryMap {
        crate::firmware::verify::MemoryMap {
            regions: self
                .memory_map
                .iter()
                .map(|r| crate::firmware::verify::FlashRegion {
                    name: r.name.clone(),
                    start: r.start,
                    length: r.length,
                    sector_size: r.sector_size,
                })
                .collect(),
        }
    }
}

/// UDS over CAN to the charger's bootloader, or a debug probe on its MCU.
#[derive(Debug, Clone, PartialEq)]
pub enum FlashMethod {
    /// A CAN transport (emulated, socketcan or slcan) to the bootloader.
    Uds(TransportSpec),
    /// A probe-rs debug probe (CMSIS-DAP, ST-Link, J-Link…) on the target chip.
    Probe {
        /// probe-rs target name, e.g. `STM32G474RETx`.
        chip: String,
        /// `VID:PID[:serial]` when several probes are attached.
        selector: Option<String>,
    },
}

/// A key given as a file (relative to the rig file) or inline PEM text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    File(PathBuf),
    Pem(String),
}

/// The charger's bootloader: UDS (ISO 14229) over ISO-TP (ISO 15765-2) on
/// its diagnostic CAN bus, and what an image must satisfy before it is sent.
#[derive(Debug, Clone, PartialEq)]
pub struct FirmwareSpec {
    /// How the image gets onto the charger.
    pub method: FlashMethod,
    /// Physical request id (tester → ECU), e.g. 0x7E0.
    pub request_id: u32,
    /// Response id (ECU → tester), e.g. 0x7E8.
    pub response_id: u32,
    pub memory_map: Vec<FlashRegionSpec>,
    /// Ed25519 public key that must have signed the image (`IMAGE.sig`).
    pub signing_key: Option<KeySource>,
    /// Security access secret (hex) of the seed/key algorithm, level 1.
    pub security_secret: Option<String>,
}

/// A validated rig.
#[derive(Debug, Clone, PartialEq)]
pub struct Rig {
    pub name: String,
    pub kind: RigKind,
    /// Only on an emulated site rig.
    pub emulated_site: Option<EmulatedSite>,
    pub nominal: Nominal,
    pub plant: PlantSettings,
    pub safety_limits: SafetyLimits,
    pub safe_state: SafeState,
    pub devices: BTreeMap<String, DeviceSpec>,
    /// Device names in file order.
    pub device_order: Vec<String>,
    /// Faults the emulated rig injects at simulated instants (README "Faults").
    pub faults: Vec<super::fault::ScheduledFault>,
    pub source: PathBuf,
    pub spans: Spans,
}

impl Rig {
    /// Where `key_path` (e.g. `safety_limits.max_grid_voltage_v`) is written.
    pub fn location(&self, key_path: &str) -> super::Location {
        self.spans.location(key_path)
    }

    /// Every device, in file order.
    pub fn devices_in_order(&self) -> impl Iterator<Item = (&str, &DeviceSpec)> {
        self.device_order
            .iter()
            .filter_map(|n| self.devices.get(n).map(|d| (n.as_str(), d)))
    }

    /// Devices with `role`, in file order.
    pub fn devices_with_role(&self, role: Role) -> Vec<(&str, &DeviceSpec)> {
        self.device_order
            .iter()
            .filter_map(|n| self.devices.get(n).map(|d| (n.as_str(), d)))
            .filter(|(_, d)| d.role == role)
            .collect()
    }

    /// The device with `role` (validation guarantees at most one).
    pub fn device_by_role(&self, role: Role) -> Option<(&str, &DeviceSpec)> {
        self.devices_with_role(role).into_iter().next()
    }

    /// The rig as one of its chargers' commissioning sees it: that charger,
    /// under the name `as_name` the plan gives it, and every device that
    /// is not a charger; the other chargers are left alone (idle). `None`
    /// when `device` is not a charger of the rig.
    pub fn for_unit(&self, device: &str, as_name: &str) -> Option<Rig> {
        let unit = self
            .devices
            .get(device)
            .filter(|d| d.role == Role::Charger)?;
        let mut rig = self.clone();
        rig.devices.retain(|_, d| d.role != Role::Charger);
        rig.devices.insert(as_name.to_string(), unit.clone());
        // The central system expects this charger's station id.
        for d in rig.devices.values_mut() {
            if let Some(csms) = d.csms.as_mut() {
                if let Some(id) = csms.stations.get(device) {
                    csms.station_id = Some(id.clone());
                }
            }
        }
        rig.device_order = self
            .device_order
            .iter()
            .filter_map(|n| {
                if n == device {
                    Some(as_name.to_string())
                } else {
                    (self.devices.get(n).map(|d| d.role) != Some(Role::Charger)).then(|| n.clone())
                }
            })
            .collect();
        Some(rig)
    }

    /// Whether any device is emulated (the plant is needed).
    pub fn any_emulated(&self) -> bool {
        self.devices.values().any(|d| d.transport.is_emulated())
    }
}
