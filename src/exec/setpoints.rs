//! The steps that command setpoints: `set` (grid, charger, island and
//! home loads) and `ramp` (grid voltage or frequency, charger power, in
//! steps on a schedule from the ramp's start).

use super::rig::Role;
use super::runner::{Runner, StepError};
use crate::device::RlcSetting;
use crate::model;
use std::time::Duration;

impl Runner<'_> {
    pub(crate) fn set(&mut self, s: &model::SetStep) -> Result<(), StepError> {
        let role = self.role_of(&s.device)?;
        let d = &mut self.rig.devices;
        match role {
            Role::GridSimulator => {
                if let Some(v) = s.voltage_v {
                    d.grid()?.set_voltage_v(v)?;
                    self.grid_voltage_v = v;
                }
                if let Some(f) = s.frequency_hz {
                    d.grid()?.set_frequency_hz(f)?;
                    self.grid_frequency_hz = f;
                }
                if let Some(on) = s.output {
                    d.grid()?.set_output(on)?;
                }
            }
            Role::Charger => {
                let rating = self.rig.facts.charger_rating_w;
                let p = match (s.power_w, s.power_pct) {
                    (Some(p), _) => Some(p),
                    (None, Some(pct)) => Some(pct / 100.0 * rating),
                    (None, None) => None,
                };
                if let Some(p) = p {
                    self.confirm_power(p)?;
                    self.rig.devices.charger.set_power_w(p)?;
                    self.charger_setpoint_w = p;
                    self.power_commanded = true;
                    self.sample_power()?;
                }
            }
            Role::IslandLoad => {
                let load = self
                    .rig
                    .devices
                    .load
                    .as_mut()
                    .ok_or_else(|| StepError::Abort("the rig has no island load".into()))?;
                if s.p_w.is_some() || s.ql_var.is_some() || s.qc_var.is_some() {
                    load.set_load(RlcSetting {
                        p_w: s.p_w.unwrap_or(0.0),
                        ql_var: s.ql_var.unwrap_or(0.0),
                        qc_var: s.qc_var.unwrap_or(0.0),
                    })?;
                }
                if let Some(on) = s.input {
                    load.set_input(on)?;
                }
            }
            Role::HomeLoad => {
                let home = self
                    .rig
                    .devices
                    .home_load
                    .as_mut()
                    .ok_or_else(|| StepError::Abort("the rig has no home load".into()))?;
                if s.p_w.is_some() || s.q_var.is_some() {
                    home.set_load(s.p_w.unwrap_or(0.0), s.q_var.unwrap_or(0.0))?;
                }
                if let Some(on) = s.input {
                    home.set_input(on)?;
                }
            }
            Role::IslandSwitch
            | Role::WaveformRecorder
            | Role::EvSimulator
            | Role::SiteMeter
            | Role::Csms => {
                return Err(StepError::Abort(format!(
                    "`set` does not apply to device `{}`",
                    s.device
                )))
            }
        }
        Ok(())
    }

    pub(crate) fn ramp(&mut self, s: &model::RampStep) -> Result<(), StepError> {
        let role = self.role_of(&s.device)?;
        let (from, to) = match role {
            Role::GridSimulator => match (s.voltage_v, s.frequency_hz) {
                (Some(v), _) => (self.grid_voltage_v, v),
                (None, Some(f)) => (self.grid_frequency_hz, f),
                _ => return Err(StepError::Abort("ramp needs a target".into())),
            },
            Role::Charger => match s.power_w {
                Some(p) => {
                    self.confirm_power(p)?;
                    (self.charger_setpoint_w, p)
                }
                None => return Err(StepError::Abort("ramp needs power_w".into())),
            },
            _ => return Err(StepError::Abort("ramp applies to grid or charger".into())),
        };
        let over = s.over_s.max(0.0);
        let step_s = s.step_s.max(1e-3);
        let n = ((over / step_s).ceil() as usize).max(1);
        // Steps keep their schedule from the ramp's start, whatever time
        // the commands and power samples take on the link.
        let started = self.rig.clock.now();
        for k in 1..=n {
            // Also where the link takes longer than the schedule and no
            // sleep comes between two steps.
            self.check_interrupt()?;
            let x = from + (to - from) * k as f64 / n as f64;
            match role {
                Role::GridSimulator if s.voltage_v.is_some() => {
                    self.rig.devices.grid()?.set_voltage_v(x)?;
                    self.grid_voltage_v = x;
                }
                Role::GridSimulator => {
                    self.rig.devices.grid()?.set_frequency_hz(x)?;
                    self.grid_frequency_hz = x;
                }
                _ => {
                    self.rig.devices.charger.set_power_w(x)?;
                    self.charger_setpoint_w = x;
                    self.power_commanded = true;
                    self.sample_power()?;
                }
            }
            if k < n {
                let next = started + Duration::from_secs_f64(over * k as f64 / n as f64);
                let now = self.rig.clock.now();
                if next > now {
                    self.sleep(next - now)?;
                }
            }
        }
        Ok(())
    }
}
