//! Emulated V2H home load: a Chroma 63800-series AC electronic load on the
//! home bus, in the dialect documented at
//! [`HOME_LOAD_DRIVERS_LIST`](crate::protocol::scpi::dialect::HOME_LOAD_DRIVERS_LIST).
//!
//! The instrument's constant-current/-power/-resistance settings become the
//! plant's home load as the real and reactive power they draw at nominal
//! voltage (the plant models the home load as constant impedance, so a CC
//! or CP setting is exact at nominal voltage only). Input OFF hands the
//! plant a zero load and keeps the settings.

use super::core::ScpiDevice;
use super::ScpiRatings;
use crate::plant::Plant;
use crate::protocol::scpi::command::{boolean, none, numeric, single, Pattern};
use crate::protocol::scpi::dialect::*;
use crate::protocol::scpi::message::{Param, ProgramUnit};
use crate::protocol::scpi::response::{format_bool, format_nr3};
use crate::protocol::scpi::ErrorCode;

/// `[LOAD:]MODE`: the constant load modes of AC load simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadMode {
    Current,
    Power,
    Resistance,
}

/// `SYSTem:SETup:CFPF:MODE`: whether CC/CP take the PF setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CfPfMode {
    Cf,
    Pf,
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmd {
    Input,
    Mode,
    Current,
    Power,
    Resistance,
    PFactor,
    CfPfMode,
    MeasVoltage,
    MeasCurrent,
    MeasFrequency,
    MeasPower,
    MeasApparent,
    MeasReactive,
    MeasPFactor,
}

const SETTINGS: [(&str, Cmd); 7] = [
    (HOME_LOAD_INPUT, Cmd::Input),
    (HOME_LOAD_MODE, Cmd::Mode),
    (HOME_LOAD_CURRENT, Cmd::Current),
    (HOME_LOAD_POWER, Cmd::Power),
    (HOME_LOAD_RESISTANCE, Cmd::Resistance),
    (HOME_LOAD_PFACTOR, Cmd::PFactor),
    (HOME_LOAD_CFPF_MODE, Cmd::CfPfMode),
];

const MEASUREMENTS: [(&str, Cmd); 7] = [
    (HOME_LOAD_MEAS_VOLTAGE, Cmd::MeasVoltage),
    (HOME_LOAD_MEAS_CURRENT, Cmd::MeasCurrent),
    (HOME_LOAD_MEAS_FREQUENCY, Cmd::MeasFrequency),
    (HOME_LOAD_MEAS_POWER, Cmd::MeasPower),
    (HOME_LOAD_MEAS_APPARENT, Cmd::MeasApparent),
    (HOME_LOAD_MEAS_REACTIVE, Cmd::MeasReactive),
    (HOME_LOAD_MEAS_PFACTOR, Cmd::MeasPFactor),
];

pub struct HomeLoadDevice {
    power_max_w: f64,
    commands: Vec<Cmd>,
    on: bool,
    mode: LoadMode,
    current_a: f64,
    power_w: f64,
    resistance_ohm: f64,
    /// Signed: positive leads (capacitive), negative lags (Chroma datasheet).
    pf: f64,
    cfpf: CfPfMode,
}

impl HomeLoadDevice {
    /// `ratings.power_max_w` is the load's power rating (a 63804 is 4.5 kW;
    /// paralleled units add up).
    pub fn new(ratings: ScpiRatings) -> Self {
        let commands = SETTINGS
            .iter()
            .chain(MEASUREMENTS.iter())
            .chain(MEASUREMENTS.iter())
            .map(|(_, c)| *c)
            .collect();
        HomeLoadDevice {
            power_max_w: ratings.power_max_w,
            commands,
            on: false,
            mode: LoadMode::Current,
            current_a: 0.0,
            power_w: 0.0,
            resistance_ohm: HOME_LOAD_RESISTANCE_MAX_OHM,
            pf: 1.0,
            cfpf: CfPfMode::Cf,
        }
    }

    /// The emulator's `*RST` state (not documented by the manual).
    fn clear(&mut self) {
        self.on = false;
        self.mode = LoadMode::Current;
        self.current_a = 0.0;
        self.power_w = 0.0;
        self.resistance_ohm = HOME_LOAD_RESISTANCE_MAX_OHM;
        self.pf = 1.0;
        self.cfpf = CfPfMode::Cf;
    }

    pub fn is_on(&self) -> bool {
        self.on
    }

    pub fn mode(&self) -> LoadMode {
        self.mode
    }

    /// Real and reactive power (inductive positive) the present settings
    /// draw at `nominal_v`, whether or not the input is on.
    pub fn setting_pq(&self, nominal_v: f64) -> (f64, f64) {
        let pf = match (self.mode, self.cfpf) {
            (LoadMode::Resistance, _) | (_, CfPfMode::Cf) => 1.0,
            _ => self.pf,
        };
        let pf_abs = pf.abs().clamp(HOME_LOAD_PF_MIN, 1.0);
        // Lagging (negative PF) current draws inductive, positive Q.
        let q_sign = if pf < 0.0 { 1.0 } else { -1.0 };
        let sin = (1.0 - pf_abs * pf_abs).max(0.0).sqrt();
        match self.mode {
            LoadMode::Current => {
                let s = nominal_v * self.current_a;
                (s * pf_abs, q_sign * s * sin)
            }
            LoadMode::Power => (self.power_w, q_sign * self.power_w * sin / pf_abs),
            LoadMode::Resistance if self.resistance_ohm > 0.0 => {
                (nominal_v * nominal_v / self.resistance_ohm, 0.0)
            }
            LoadMode::Resistance => (0.0, 0.0),
        }
    }

    fn apply(&self, plant: &mut Plant) {
        let (p, q) = if self.on {
            self.setting_pq(plant.config().nominal_voltage_v)
        } else {
            (0.0, 0.0)
        };
        plant.set_home_load(p, q);
    }

    /// A numeric setting inside `min..=max` (MIN/MAX/DEF resolve to the
    /// limits, DEF to `min`); -222 outside.
    fn value(p: &Param, unit: &str, min: f64, max: f64) -> Result<f64, ErrorCode> {
        let v = numeric(p, unit)?.or_limits(min, max, min);
        if !(min..=max).contains(&v) {
            return Err(ErrorCode::DATA_OUT_OF_RANGE);
        }
        Ok(v)
    }

    fn set(&mut self, cmd: Cmd, p: &Param, plant: &Plant) -> Result<(), ErrorCode> {
        let nominal_v = plant.config().nominal_voltage_v;
        match cmd {
            Cmd::Input => self.on = boolean(p)?,
            Cmd::Mode => self.mode = parse_mode(p)?,
            Cmd::Current => {
                // The rated current (manual OCP row), and no more than the
                // power rating at nominal voltage (OPP) at PF 1.
                let mut max = self.power_max_w / HOME_LOAD_W_PER_A;
                if nominal_v > 0.0 {
                    max = max.min(self.power_max_w / nominal_v);
                }
                self.current_a = Self::value(p, "A", 0.0, max)?;
            }
            Cmd::Power => self.power_w = Self::value(p, "W", 0.0, self.power_max_w)?,
            Cmd::Resistance => {
                // The power rating bounds the smallest resistance at nominal V.
                let min = if self.power_max_w > 0.0 {
                    nominal_v * nominal_v / self.power_max_w
                } else {
                    HOME_LOAD_RESISTANCE_MAX_OHM
                };
                let min = min.min(HOME_LOAD_RESISTANCE_MAX_OHM);
                self.resistance_ohm = Self::value(p, "OHM", min, HOME_LOAD_RESISTANCE_MAX_OHM)?;
            }
            Cmd::PFactor => {
                if let Param::Numeric {
                    suffix: Some(_), ..
                } = p
                {
                    return Err(ErrorCode::INVALID_SUFFIX);
                }
                let v = Self::value(p, "", -1.0, 1.0)?;
                if v.abs() < HOME_LOAD_PF_MIN {
                    return Err(ErrorCode::DATA_OUT_OF_RANGE);
                }
                self.pf = v;
            }
            Cmd::CfPfMode => {
                self.cfpf = match p {
                    Param::Char(c) if c == "CF" => CfPfMode::Cf,
                    Param::Char(c) if c == "PF" => CfPfMode::Pf,
                    Param::Char(c) if c == "BOTH" => CfPfMode::Both,
                    Param::Char(_) => return Err(ErrorCode::ILLEGAL_PARAMETER_VALUE),
                    _ => return Err(ErrorCode::DATA_TYPE_ERROR),
                }
            }
            _ => return Err(ErrorCode::UNDEFINED_HEADER),
        }
        Ok(())
    }

    fn query(&self, cmd: Cmd, plant: &Plant) -> String {
        let m = plant.home_measure();
        let apparent = m.power_w.hypot(m.reactive_var);
        match cmd {
            Cmd::Input => format_bool(self.on).to_string(),
            Cmd::Mode => match self.mode {
                LoadMode::Current => "CURR",
                LoadMode::Power => "POW",
                LoadMode::Resistance => "RES",
            }
            .to_string(),
            Cmd::Current => nr2(self.current_a),
            Cmd::Power => nr2(self.power_w),
            Cmd::Resistance => nr2(self.resistance_ohm),
            Cmd::PFactor => nr2(self.pf),
            Cmd::CfPfMode => match self.cfpf {
                CfPfMode::Cf => "CF",
                CfPfMode::Pf => "PF",
                CfPfMode::Both => "BOTH",
            }
            .to_string(),
            Cmd::MeasVoltage => nr2(m.voltage_rms_v),
            Cmd::MeasCurrent => nr2(m.current_rms_a),
            Cmd::MeasFrequency => nr2(m.frequency_hz),
            Cmd::MeasPower => nr2(m.power_w),
            Cmd::MeasApparent => nr2(apparent),
            Cmd::MeasReactive => nr2(m.reactive_var),
            Cmd::MeasPFactor if apparent > 0.0 => {
                // Same sign convention as the PF setting: lagging negative.
                let pf = (m.power_w / apparent).abs();
                nr2(if m.reactive_var > 0.0 { -pf } else { pf })
            }
            Cmd::MeasPFactor => nr2(0.0),
        }
    }
}

/// `[LOAD:]MODE` parameter (manual p. 8-13). VOLT and RECT are DC-mode
/// modes and RLC/RLCP/INRUSH are not emulated: -221 Settings conflict.
fn parse_mode(p: &Param) -> Result<LoadMode, ErrorCode> {
    let code = match p {
        Param::Numeric {
            value,
            suffix: None,
        } if value.fract() == 0.0 && (0.0..=7.0).contains(value) => *value as u8,
        Param::Char(c) => match c.as_str() {
            "CURR" | "CURRENT" => 0,
            "POW" | "POWER" => 1,
            "VOLT" | "VOLTAGE" => 2,
            "RES" | "RESISTANCE" => 3,
            "RLC" => 4,
            "RLCP" => 5,
            "INRUSH" => 6,
            "RECT" => 7,
            _ => return Err(ErrorCode::ILLEGAL_PARAMETER_VALUE),
        },
        Param::Numeric { .. } => return Err(ErrorCode::ILLEGAL_PARAMETER_VALUE),
        _ => return Err(ErrorCode::DATA_TYPE_ERROR),
    };
    match code {
        0 => Ok(LoadMode::Current),
        1 => Ok(LoadMode::Power),
        3 => Ok(LoadMode::Resistance),
        _ => Err(ErrorCode::SETTINGS_CONFLICT),
    }
}

/// NR2 response data (manual §8.3.2: the AC load answers NR1/NR2).
fn nr2(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.4}")
    } else {
        format_nr3(v)
    }
}

impl ScpiDevice for HomeLoadDevice {
    fn table(&self) -> Vec<Pattern> {
        let settings = SETTINGS.iter().map(|(t, _)| pattern(t));
        let meas = MEASUREMENTS.iter().map(|(t, _)| pattern(t));
        // FETCh returns the last reading without a new acquisition; on the
        // emulated plant both read the same last-cycle values.
        let fetch = MEASUREMENTS
            .iter()
            .map(|(t, _)| pattern(&t.replacen("MEASure", "FETCh", 1)));
        settings.chain(meas).chain(fetch).collect()
    }

    fn execute(
        &mut self,
        index: usize,
        unit: &ProgramUnit,
        plant: &mut Plant,
        out: &mut Vec<u8>,
    ) -> Result<(), ErrorCode> {
        let cmd = *self
            .commands
            .get(index)
            .ok_or(ErrorCode::UNDEFINED_HEADER)?;
        if unit.header.is_query() {
            none(&unit.params)?;
            out.extend(self.query(cmd, plant).bytes());
            return Ok(());
        }
        let p = single(&unit.params)?;
        self.set(cmd, p, plant)?;
        self.apply(plant);
        Ok(())
    }

    fn reset(&mut self, plant: &mut Plant) {
        self.clear();
        self.apply(plant);
    }
}
