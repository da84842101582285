//! V2H home-load driver for a Chroma 63800-series AC electronic load
//! (dialect documented at
//! [`HOME_LOAD_DRIVERS_LIST`](crate::protocol::scpi::dialect::HOME_LOAD_DRIVERS_LIST)).
//!
//! A (P, Q) setting becomes constant-power mode with a power factor:
//! `MODE POW` and `SYST:SET:CFPF:MODE PF` once, then `PFAC <pf>;:POW <P>`
//! per step. The unit must already be in its AC setup (the AC/DC setup
//! choice, `SYST:SETU:MODE AC` in a published driver; left alone here).
//! If the load is reset behind the driver's back (front panel, `*RST`),
//! make a new driver: the CP/PF mode is sent only once per driver.

use super::session::{nrf, ScpiSession};
use crate::device::{AcReading, DeviceError, HomeLoad, Identity};
use crate::protocol::scpi::dialect::*;

pub struct ScpiHomeLoad {
    session: ScpiSession,
    /// CP mode and PF mode were set once; not repeated on every step.
    configured: bool,
}

impl ScpiHomeLoad {
    pub fn new(session: ScpiSession) -> Self {
        ScpiHomeLoad {
            session,
            configured: false,
        }
    }

    fn unsupported(&self, detail: String) -> DeviceError {
        DeviceError::Unsupported {
            device: self.session.name().to_string(),
            detail,
        }
    }
}

/// The signed power factor the 63800 takes for (P, Q): |PF| = P/S, negative
/// when the current lags (inductive, Q > 0), per Chroma's datasheet.
/// `None` when no PF can express it (Q without P).
pub fn power_factor(p_w: f64, q_var: f64) -> Option<f64> {
    if q_var == 0.0 {
        return Some(1.0);
    }
    if p_w <= 0.0 {
        return None;
    }
    let pf = p_w / p_w.hypot(q_var);
    Some(if q_var > 0.0 { -pf } else { pf })
}

impl HomeLoad for ScpiHomeLoad {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        self.session.identify()
    }

    fn set_load(&mut self, p_w: f64, q_var: f64) -> Result<(), DeviceError> {
        let p = nrf(&self.session, "p_w", p_w)?;
        nrf(&self.session, "q_var", q_var)?;
        if p_w < 0.0 {
            return Err(self.unsupported(format!("a load cannot export: p_w = {p_w}")));
        }
        let pf = power_factor(p_w, q_var).ok_or_else(|| {
            self.unsupported(format!(
                "constant-power mode cannot draw q_var = {q_var} with p_w = 0"
            ))
        })?;
        if pf.abs() < HOME_LOAD_PF_MIN {
            return Err(self.unsupported(format!(
                "power factor {pf:.4} below the 63800's {HOME_LOAD_PF_MIN} (Q/P too large)"
            )));
        }
        if !self.configured {
            let s = &mut self.session;
            s.command(&render(HOME_LOAD_MODE, HOME_LOAD_MODE_POWER))?;
            s.command(&render(HOME_LOAD_CFPF_MODE, HOME_LOAD_CFPF_PF))?;
            self.configured = true;
        }
        // PF and P in one program message (IEEE 488.2 `;:`), so a load step
        // never passes through the new PF at the old power or vice versa.
        let pf = nrf(&self.session, "power factor", pf)?;
        self.session.command(&format!(
            "{};:{}",
            render(HOME_LOAD_PFACTOR, &pf),
            render(HOME_LOAD_POWER, &p)
        ))
    }

    fn set_input(&mut self, on: bool) -> Result<(), DeviceError> {
        self.session
            .command(&render(HOME_LOAD_INPUT, if on { "ON" } else { "OFF" }))
    }

    fn measure(&mut self) -> Result<AcReading, DeviceError> {
        let mut q = |t: &str| self.session.query_number(&render(t, ""));
        Ok(AcReading {
            voltage_v: q(HOME_LOAD_MEAS_VOLTAGE)?,
            current_a: q(HOME_LOAD_MEAS_CURRENT)?,
            frequency_hz: q(HOME_LOAD_MEAS_FREQUENCY)?,
            power_w: q(HOME_LOAD_MEAS_POWER)?,
            reactive_var: q(HOME_LOAD_MEAS_REACTIVE)?,
        })
    }
}
