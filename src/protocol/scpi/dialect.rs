//! Instrument dialects shared by drivers (which send the short form of each
//! template) and emulators (which accept every long/short/optional form).
//! Grid-simulator family differences live in ONE table, [`GRID_DIALECTS`].
//!
//! Templates are written as the manuals write them: `{}` is where the
//! parameter goes; `?` marks a query.

use super::command::Pattern;

/// One grid-simulator family's commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GridDialect {
    /// The rig's driver name.
    pub driver: &'static str,
    /// Family and the manual the templates come from.
    pub source: &'static str,
    pub set_voltage: &'static str,
    pub set_frequency: &'static str,
    /// `{}` is ON or OFF (Chroma accepts only ON|OFF, not 1|0).
    pub output: &'static str,
    pub measure_voltage: &'static str,
    pub measure_current: &'static str,
    pub measure_frequency: &'static str,
    pub measure_power: &'static str,
    pub measure_reactive: &'static str,
    pub reset: &'static str,
}

/// Grid simulators. All three reset to output OFF on `*RST`.
///
/// - AMETEK / California Instruments: Sequoia Series manual §4.5 (current)
///   and §4.9 (voltage): `MEASure[:SCALar]:VOLTage[:AC]?`, AC is the default
///   node; Asterion Series SCPI Programming Manual M330100-01 uses the same
///   CI command tree (source subsystem `[SOURce:]VOLTage[:LEVel]…`).
/// - Keysight AC6800B/AC6900 Operating guides, "FETCh and MEASure": the
///   default measurement node is DC (`CURRent[:DC]?`), so AC readings need
///   the explicit `:AC` node (`FETCh:CURRent:AC?`). Power/reactive templates
///   follow the same tree; not confirmed verbatim from the AC6900 guide.
/// - Chroma 61600/6404 manuals (61800 shares the tree): `MEASure:VOLTage:ACDC?`
///   for rms voltage, `MEASure:POWer:AC[:REAL]?`, `:POWer:AC:REACtive`;
///   `FREQ` has the optional `:CW` node (6404 §6.4). The setting node
///   `[SOURce:]VOLTage:AC` is from the 61500/61600 family (not confirmed
///   for 61800 from a stored manual).
pub const GRID_DIALECTS: &[GridDialect] = &[
    GridDialect {
        driver: "ametek-asterion",
        source: "AMETEK Asterion M330100 / CI Sequoia SCPI manual",
        set_voltage: "[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude][:AC] {}",
        set_frequency: "[SOURce:]FREQuency[:IMMediate] {}",
        output: "OUTPut[:STATe] {}",
        measure_voltage: "MEASure[:SCALar]:VOLTage[:AC]?",
        measure_current: "MEASure[:SCALar]:CURRent[:AC]?",
        measure_frequency: "MEASure[:SCALar]:FREQuency?",
        measure_power: "MEASure[:SCALar]:POWer[:AC][:REAL]?",
        measure_reactive: "MEASure[:SCALar]:POWer[:AC]:REACtive?",
        reset: "*RST",
    },
    GridDialect {
        driver: "keysight-ac6900",
        source: "Keysight AC6800B/AC6900 Operating and Programming Guide",
        set_voltage: "[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude] {}",
        set_frequency: "[SOURce:]FREQuency[:CW] {}",
        output: "OUTPut[:STATe] {}",
        measure_voltage: "MEASure[:SCALar]:VOLTage:AC?",
        measure_current: "MEASure[:SCALar]:CURRent:AC?",
        measure_frequency: "MEASure[:SCALar]:FREQuency?",
        measure_power: "MEASure[:SCALar]:POWer:AC[:REAL]?",
        measure_reactive: "MEASure[:SCALar]:POWer:AC:REACtive?",
        reset: "*RST",
    },
    GridDialect {
        driver: "chroma-61800",
        source: "Chroma 61600/6404 Programmable AC Source manuals",
        set_voltage: "[SOURce:]VOLTage:AC {}",
        set_frequency: "[SOURce:]FREQuency[:CW] {}",
        output: "OUTPut[:STATe] {}",
        measure_voltage: "MEASure[:SCALar]:VOLTage:ACDC?",
        measure_current: "MEASure[:SCALar]:CURRent:AC?",
        measure_frequency: "MEASure[:SCALar]:FREQuency?",
        measure_power: "MEASure[:SCALar]:POWer:AC[:REAL]?",
        measure_reactive: "MEASure[:SCALar]:POWer:AC:REACtive?",
        reset: "*RST",
    },
];

pub fn grid_dialect(driver: &str) -> Option<&'static GridDialect> {
    GRID_DIALECTS.iter().find(|d| d.driver == driver)
}

/// Switch units: `ROUTe:CLOSe (@sccc)` (Keysight 34980A, 4-digit channels,
/// slots 1–8) and `(@scc)` (34970A, slots 1–3). `*RST` opens all channels
/// (Keysight/Agilent switch manuals: "*RST Condition: All channels open").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SwitchDialect {
    pub driver: &'static str,
    pub channel_digits: u32,
    pub max_slot: u32,
}

pub const SWITCH_DIALECTS: &[SwitchDialect] = &[
    SwitchDialect {
        driver: "keysight-34980a",
        channel_digits: 3,
        max_slot: 8,
    },
    SwitchDialect {
        driver: "keysight-34970a",
        channel_digits: 2,
        max_slot: 3,
    },
];

pub fn switch_dialect(driver: &str) -> Option<&'static SwitchDialect> {
    SWITCH_DIALECTS.iter().find(|d| d.driver == driver)
}

impl SwitchDialect {
    /// Slot and channel of a channel number, if it names one.
    pub fn split_channel(&self, channel: u32) -> Option<(u32, u32)> {
        let base = 10u32.pow(self.channel_digits);
        let (slot, ch) = (channel / base, channel % base);
        (slot >= 1 && slot <= self.max_slot && ch >= 1).then_some((slot, ch))
    }
}

pub const SWITCH_CLOSE: &str = "ROUTe:CLOSe {}";
pub const SWITCH_OPEN: &str = "ROUTe:OPEN {}";
pub const SWITCH_CLOSE_QUERY: &str = "ROUTe:CLOSe? {}";
pub const SWITCH_OPEN_QUERY: &str = "ROUTe:OPEN? {}";
pub const SWITCH_OPEN_ALL: &str = "ROUTe:OPEN:ALL";

/// The RLC island-load dialect. No stored manual of a programmable
/// parallel-RLC anti-islanding load was found (Chroma 63800's "RLC" mode
/// models a rectifier load, not a parallel RLC). This dialect is our own,
/// modelled on SCPI conventions and Chroma 63800's `[LOAD:]` tree:
///
/// | command | meaning |
/// |---|---|
/// | `[LOAD:]RLC:POWer[:REAL] <W>` / `?` | real power P at nominal V, f |
/// | `[LOAD:]RLC:POWer:INDuctive <VAR>` / `?` | inductive QL |
/// | `[LOAD:]RLC:POWer:CAPacitive <VAR>` / `?` | capacitive QC |
/// | `[LOAD:]RLC:POWer:ALL <W>,<VAR>,<VAR>` / `?` | all three at once |
/// | `LOAD[:STATe] ON\|OFF` / `?` | connect the branches |
/// | `MEASure[:SCALar]:VOLTage[:AC]?` etc. | V, I, f, P, Q at the load |
///
/// `*RST`: input OFF, all settings 0. Zero means that branch is open.
pub const LOAD_DRIVERS_LIST: &[&str] = &["rlc-load"];
pub const LOAD_SET_ALL: &str = "[LOAD:]RLC:POWer:ALL {}";
pub const LOAD_SET_P: &str = "[LOAD:]RLC:POWer[:REAL] {}";
pub const LOAD_SET_QL: &str = "[LOAD:]RLC:POWer:INDuctive {}";
pub const LOAD_SET_QC: &str = "[LOAD:]RLC:POWer:CAPacitive {}";
pub const LOAD_INPUT: &str = "LOAD[:STATe] {}";
pub const LOAD_MEAS_VOLTAGE: &str = "MEASure[:SCALar]:VOLTage[:AC]?";
pub const LOAD_MEAS_CURRENT: &str = "MEASure[:SCALar]:CURRent[:AC]?";
pub const LOAD_MEAS_FREQUENCY: &str = "MEASure[:SCALar]:FREQuency?";
pub const LOAD_MEAS_POWER: &str = "MEASure[:SCALar]:POWer[:REAL]?";
pub const LOAD_MEAS_REACTIVE: &str = "MEASure[:SCALar]:POWer:REACtive?";

/// Keysight InfiniiVision oscilloscopes (2000/3000/4000 X-Series
/// Programmer's Guides).
pub const RECORDER_DRIVERS_LIST: &[&str] = &["keysight-infiniivision"];

/// Splits a template into its header pattern and parameter part.
pub fn template_header(template: &str) -> (&str, &str) {
    template.split_once(' ').unwrap_or((template, ""))
}

/// The shortest command a driver sends for `template`, with `param`
/// substituted for `{}` (common commands pass through unchanged).
pub fn render(template: &str, param: &str) -> String {
    let (head, rest) = template_header(template);
    let head = if head.starts_with('*') {
        head.to_string()
    } else {
        Pattern::parse(head).short_form()
    };
    if rest.is_empty() {
        head
    } else {
        format!("{head} {}", rest.replace("{}", param))
    }
}

/// The emulator's header pattern for `template`.
pub fn pattern(template: &str) -> Pattern {
    Pattern::parse(template_header(template).0)
}

/// The V2H home load: a Chroma 63800-series programmable AC/DC electronic
/// load (63802 1.8 kW / 18 A, 63803 3.6 kW / 36 A, 63804 4.5 kW / 45 A:
/// the OCP/OPP rows of `[LOAD:]PROTect?`, 63800 Series Operation &
/// Programming Manual §8). Sources, since no complete stored copy of the
/// manual's command chapter was found:
/// - manual p. 8-13 (stored): `[LOAD:]MODE 0|CURR, 1|POW, 2|VOLT, 3|RES,
///   4|RLC, 5|RLCP, 6|INRUSH, 7|RECT`, query answers `CURR, POW, …`;
///   p. 8-2: Boolean data is `ON|OFF`; p. 8-6: `*IDN?` → `Chroma,63804,0,1.00`.
/// - a published 63804 driver header written against manual v2.4: `LOAD
///   ON|OFF`, `CURR`, `POW`, `RES`, `PFAC` (-1..+1), `MEAS:VOLT?`,
///   `MEAS:CURR?`, `MEAS:FREQ?`, `MEAS:POW?`, `MEAS:POW:APP?`,
///   `MEAS:POW:PFAC?`, `MEAS:POW:REAC?`.
/// - a lab script for a 63802: `SYST:SET:CFPF:MODE CF|PF|BOTH` before
///   `PFAC`, `LOAD:POW`, `MEAS:POW:REAL?`.
///
/// Long forms (`POWer`, `PFACtor`, `SYSTem:SETup`, `REACtive`,
/// `APParent`) follow the Chroma 61600 tree and SCPI short-form rules; not
/// confirmed verbatim. PF sign: Chroma's 63800 datasheet says a positive
/// PF makes the current LEAD the voltage (capacitive) and a negative one
/// makes it LAG (inductive); the driver header above states the opposite.
/// We follow the manufacturer's datasheet.
///
/// The emulator models CC, CP and CR (the "constant load modes"); CC and
/// CP take the PF when the CF/PF mode is PF or BOTH, CR is always PF 1
/// (datasheet). `*RST` (emulator's choice, not documented): input OFF, mode
/// CURR, levels 0, PF 1, CF/PF mode CF.
pub const HOME_LOAD_DRIVERS_LIST: &[&str] = &["chroma-63800"];
pub const HOME_LOAD_INPUT: &str = "LOAD[:STATe] {}";
pub const HOME_LOAD_MODE: &str = "[LOAD:]MODE {}";
pub const HOME_LOAD_CURRENT: &str = "[LOAD:]CURRent {}";
pub const HOME_LOAD_POWER: &str = "[LOAD:]POWer {}";
pub const HOME_LOAD_RESISTANCE: &str = "[LOAD:]RESistance {}";
pub const HOME_LOAD_PFACTOR: &str = "[LOAD:]PFACtor {}";
pub const HOME_LOAD_CFPF_MODE: &str = "SYSTem:SETup:CFPF:MODE {}";
pub const HOME_LOAD_MEAS_VOLTAGE: &str = "MEASure[:SCALar]:VOLTage?";
pub const HOME_LOAD_MEAS_CURRENT: &str = "MEASure[:SCALar]:CURRent?";
pub const HOME_LOAD_MEAS_FREQUENCY: &str = "MEASure[:SCALar]:FREQuency?";
pub const HOME_LOAD_MEAS_POWER: &str = "MEASure[:SCALar]:POWer[:REAL]?";
pub const HOME_LOAD_MEAS_APPARENT: &str = "MEASure[:SCALar]:POWer:APParent?";
pub const HOME_LOAD_MEAS_REACTIVE: &str = "MEASure[:SCALar]:POWer:REACtive?";
pub const HOME_LOAD_MEAS_PFACTOR: &str = "MEASure[:SCALar]:POWer:PFACtor?";
/// `[LOAD:]MODE` parameters the driver sends.
pub const HOME_LOAD_MODE_POWER: &str = "POW";
pub const HOME_LOAD_CFPF_PF: &str = "PF";
/// Smallest |PF| the 63800 can draw: Table 3-1, CF 5.0 at 200 Vrms.
pub const HOME_LOAD_PF_MIN: f64 = 0.055;
/// Rated power over rated current is 100 V on all three models (see above):
/// the emulator derives its current rating from the power rating with it.
pub const HOME_LOAD_W_PER_A: f64 = 100.0;
/// CR range of the 63804 (driver header: 1.11–2500 Ω); the lower bound is
/// enforced through the power rating instead.
pub const HOME_LOAD_RESISTANCE_MAX_OHM: f64 = 2500.0;
