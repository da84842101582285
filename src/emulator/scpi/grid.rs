//! Emulated grid simulator: the plant's grid source behind S3, driven by
//! one family's dialect from [`GRID_DIALECTS`](crate::protocol::scpi::dialect::GRID_DIALECTS).
//!
//! Its output protection (an injected `grid_fault`) is modelled on the
//! latch of AC sources such as the AMETEK Asterion / California
//! Instruments and Chroma 61800 series: when it trips the output goes off
//! and the questionable condition register shows it (bit 1, the current
//! bit: the emulator's choice, not a documented bit of one family); every
//! setting is then refused with -300 "Device-specific error;output
//! protection tripped" on the error queue until `OUTPut:PROTection:CLEar`
//! or `*RST` clears the latch, and the output stays off until switched on.
//! Measurements and `OUTPut OFF` still work. The error is queued by the
//! refused setting, not at the trip itself, so a trip cleared before the
//! instrument is next told anything leaves no stale error behind.

use super::core::ScpiDevice;
use super::ScpiRatings;
use crate::plant::Plant;
use crate::protocol::scpi::command::{boolean, none, numeric, single, Pattern};
use crate::protocol::scpi::dialect::{pattern, GridDialect};
use crate::protocol::scpi::message::ProgramUnit;
use crate::protocol::scpi::response::{format_bool, format_nr3};
use crate::protocol::scpi::ErrorCode;

/// Clears the output protection latch (the same command in the three
/// families' trees; not confirmed verbatim for the Chroma 61800).
pub const PROTECTION_CLEAR: &str = "OUTPut:PROTection:CLEar";
/// SCPI-99's questionable status condition register.
pub const QUESTIONABLE_CONDITION: &str = "STATus:QUEStionable:CONDition?";
/// The questionable-condition bit a tripped protection sets.
pub const PROTECTION_TRIPPED_BIT: u16 = 1 << 1;
/// SCPI-99 §21.8.11: a device-dependent condition, with the detail after ';'.
const TRIPPED: ErrorCode = ErrorCode::new(-300, "Device-specific error;output protection tripped");

pub struct GridDevice {
    dialect: &'static GridDialect,
    ratings: ScpiRatings,
}

impl GridDevice {
    pub fn new(dialect: &'static GridDialect, ratings: ScpiRatings) -> Self {
        GridDevice { dialect, ratings }
    }

    /// Reads a setting or, for `VOLT? MAX` style queries, a limit.
    fn setting(
        unit: &ProgramUnit,
        unit_name: &str,
        (min, max, default): (f64, f64, f64),
        current: f64,
        out: &mut Vec<u8>,
    ) -> Result<Option<f64>, ErrorCode> {
        if unit.header.is_query() {
            let v = match unit.params.as_slice() {
                [] => current,
                [p] => numeric(p, unit_name)?.or_limits(min, max, default),
                _ => return Err(ErrorCode::PARAMETER_NOT_ALLOWED),
            };
            out.extend(format_nr3(v).bytes());
            return Ok(None);
        }
        let v = numeric(single(&unit.params)?, unit_name)?.or_limits(min, max, default);
        // Out-of-rating settings are refused, not clamped (-222).
        if !(min..=max).contains(&v) {
            return Err(ErrorCode::DATA_OUT_OF_RANGE);
        }
        Ok(Some(v))
    }
}

impl ScpiDevice for GridDevice {
    fn table(&self) -> Vec<Pattern> {
        let d = self.dialect;
        [
            d.set_voltage,
            d.set_frequency,
            d.output,
            d.measure_voltage,
            d.measure_current,
            d.measure_frequency,
            d.measure_power,
            d.measure_reactive,
            PROTECTION_CLEAR,
            QUESTIONABLE_CONDITION,
        ]
        .iter()
        .map(|t| pattern(t))
        .collect()
    }

    fn execute(
        &mut self,
        index: usize,
        unit: &ProgramUnit,
        plant: &mut Plant,
        out: &mut Vec<u8>,
    ) -> Result<(), ErrorCode> {
        let r = &self.ratings;
        let nominal_v = plant.config().nominal_voltage_v;
        let nominal_hz = plant.config().nominal_frequency_hz;
        let setting = !unit.header.is_query();
        if plant.grid_protection_tripped() && setting && index <= 2 {
            // Only switching the output off is taken while tripped.
            let off = index == 2 && matches!(single(&unit.params).map(boolean), Ok(Ok(false)));
            if !off {
                return Err(TRIPPED);
            }
        }
        match index {
            0 => {
                let limits = (0.0, r.voltage_max_v, nominal_v.min(r.voltage_max_v));
                let now = plant.grid_voltage_v();
                if let Some(v) = Self::setting(unit, "V", limits, now, out)? {
                    plant.set_grid_voltage_v(v);
                }
            }
            1 => {
                let limits = (r.frequency_min_hz, r.frequency_max_hz, nominal_hz);
                let now = plant.grid_frequency_hz();
                if let Some(f) = Self::setting(unit, "HZ", limits, now, out)? {
                    plant.set_grid_frequency_hz(f);
                }
            }
            2 => {
                if unit.header.is_query() {
                    none(&unit.params)?;
                    out.extend(format_bool(plant.grid_output()).bytes());
                } else {
                    plant.set_grid_output(boolean(single(&unit.params)?)?);
                }
            }
            8 => {
                none(&unit.params)?;
                plant.clear_grid_protection();
            }
            9 => {
                none(&unit.params)?;
                let bits = if plant.grid_protection_tripped() {
                    PROTECTION_TRIPPED_BIT
                } else {
                    0
                };
                out.extend(bits.to_string().bytes());
            }
            3..=7 => {
                none(&unit.params)?;
                // The grid simulator's own meter, at its terminals.
                let t = crate::emulator::service::service_point(plant);
                let v = match index {
                    3 => t.voltage_v,
                    4 => t.current_a,
                    5 => t.frequency_hz,
                    6 => t.power_w,
                    _ => t.reactive_var,
                };
                out.extend(format_nr3(v).bytes());
            }
            _ => return Err(ErrorCode::UNDEFINED_HEADER),
        }
        Ok(())
    }

    /// `*RST`: output off (all three families' manuals), voltage 0 V,
    /// frequency nominal. The 0 V / nominal-frequency values are our
    /// choice of a safe state, not confirmed per family.
    fn reset(&mut self, plant: &mut Plant) {
        plant.clear_grid_protection();
        plant.set_grid_output(false);
        plant.set_grid_voltage_v(0.0);
        let f = plant
            .config()
            .nominal_frequency_hz
            .clamp(self.ratings.frequency_min_hz, self.ratings.frequency_max_hz);
        plant.set_grid_frequency_hz(f);
    }
}
