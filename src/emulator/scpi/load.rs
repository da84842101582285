//! Emulated RLC island load, in the dialect documented at
//! [`LOAD_DRIVERS_LIST`](crate::protocol::scpi::dialect::LOAD_DRIVERS_LIST).

use super::core::ScpiDevice;
use super::ScpiRatings;
use crate::plant::{Plant, RlcLoad};
use crate::protocol::scpi::command::{boolean, none, numeric, single, Pattern};
use crate::protocol::scpi::dialect::*;
use crate::protocol::scpi::message::{Param, ProgramUnit};
use crate::protocol::scpi::response::{format_bool, format_nr3};
use crate::protocol::scpi::ErrorCode;
use std::f64::consts::PI;

pub struct LoadDevice {
    ratings: ScpiRatings,
    p_w: f64,
    ql_var: f64,
    qc_var: f64,
    on: bool,
}

impl LoadDevice {
    pub fn new(ratings: ScpiRatings) -> Self {
        LoadDevice {
            ratings,
            p_w: 0.0,
            ql_var: 0.0,
            qc_var: 0.0,
            on: false,
        }
    }

    fn apply(&self, plant: &mut Plant) {
        let load = if self.on {
            let c = plant.config();
            RlcLoad::from_pq(
                self.p_w,
                self.ql_var,
                self.qc_var,
                c.nominal_voltage_v,
                c.nominal_frequency_hz,
            )
        } else {
            RlcLoad::default()
        };
        plant.set_load(load);
    }

    fn value(&self, p: &Param, unit: &str, max: f64) -> Result<f64, ErrorCode> {
        let v = numeric(p, unit)?.or_limits(0.0, max, 0.0);
        if !(0.0..=max).contains(&v) {
            return Err(ErrorCode::DATA_OUT_OF_RANGE);
        }
        Ok(v)
    }
}

/// P, QL, QC drawn by the load at the PCC's actual voltage and frequency.
fn drawn(plant: &Plant) -> (f64, f64, f64, f64, f64) {
    let m = plant.measure();
    let (v, f) = (m.pcc_voltage_rms_v, m.pcc_frequency_hz);
    let w = 2.0 * PI * f;
    let load = plant.load();
    let p = load.r_ohm.filter(|r| *r > 0.0).map_or(0.0, |r| v * v / r);
    let ql = load
        .l_h
        .filter(|l| *l > 0.0 && w > 0.0)
        .map_or(0.0, |l| v * v / (w * l));
    let qc = load.c_f.map_or(0.0, |c| v * v * w * c);
    (v, f, p, ql, qc)
}

impl ScpiDevice for LoadDevice {
    fn table(&self) -> Vec<Pattern> {
        [
            LOAD_SET_ALL,
            LOAD_SET_P,
            LOAD_SET_QL,
            LOAD_SET_QC,
            LOAD_INPUT,
            LOAD_MEAS_VOLTAGE,
            LOAD_MEAS_CURRENT,
            LOAD_MEAS_FREQUENCY,
            LOAD_MEAS_POWER,
            LOAD_MEAS_REACTIVE,
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
        let q = unit.header.is_query();
        let (max_p, max_q) = (self.ratings.power_max_w, self.ratings.reactive_max_var);
        match (index, q) {
            (0, false) => {
                let [p, ql, qc] = unit.params.as_slice() else {
                    return Err(if unit.params.len() < 3 {
                        ErrorCode::MISSING_PARAMETER
                    } else {
                        ErrorCode::PARAMETER_NOT_ALLOWED
                    });
                };
                let (p, ql, qc) = (
                    self.value(p, "W", max_p)?,
                    self.value(ql, "VAR", max_q)?,
                    self.value(qc, "VAR", max_q)?,
                );
                (self.p_w, self.ql_var, self.qc_var) = (p, ql, qc);
                self.apply(plant);
            }
            (0, true) => {
                none(&unit.params)?;
                let text = [self.p_w, self.ql_var, self.qc_var]
                    .map(format_nr3)
                    .join(",");
                out.extend(text.bytes());
            }
            (1..=3, false) => {
                let (unit_name, max) = if index == 1 {
                    ("W", max_p)
                } else {
                    ("VAR", max_q)
                };
                let v = self.value(single(&unit.params)?, unit_name, max)?;
                match index {
                    1 => self.p_w = v,
                    2 => self.ql_var = v,
                    _ => self.qc_var = v,
                }
                self.apply(plant);
            }
            (1..=3, true) => {
                none(&unit.params)?;
                let v = [self.p_w, self.ql_var, self.qc_var]
                    .get(index - 1)
                    .copied()
                    .unwrap_or(0.0);
                out.extend(format_nr3(v).bytes());
            }
            (4, false) => {
                self.on = boolean(single(&unit.params)?)?;
                self.apply(plant);
            }
            (4, true) => {
                none(&unit.params)?;
                out.extend(format_bool(self.on).bytes());
            }
            (5..=9, _) => {
                none(&unit.params)?;
                let (v, f, p, ql, qc) = drawn(plant);
                let q_var = ql - qc;
                let value = match index {
                    5 => v,
                    6 if v > 0.0 => p.hypot(q_var) / v,
                    6 => 0.0,
                    7 => f,
                    8 => p,
                    _ => q_var,
                };
                out.extend(format_nr3(value).bytes());
            }
            _ => return Err(ErrorCode::UNDEFINED_HEADER),
        }
        Ok(())
    }

    /// `*RST`: input off and all settings zero (this dialect's definition).
    fn reset(&mut self, plant: &mut Plant) {
        (self.p_w, self.ql_var, self.qc_var, self.on) = (0.0, 0.0, 0.0, false);
        self.apply(plant);
    }
}
