//! OCPP steps: the charger as its central system sees it. Anything the
//! charger does not do — boot with the wrong serial, refuse a profile,
//! stay silent — fails the test (the device under test failed, the rig
//! is fine); an interrupt still aborts.

use super::results::{OcppCheck, Verdict};
use super::runner::{Runner, StepError, POLL};
use crate::device::csms::{CentralSystem, DispatchProfile, StationMessage, VariableRef};
use crate::device::DeviceError;
use crate::model::plan_ocpp::*;
use crate::model::Step;
use serde_json::{json, Value};
use std::time::Duration;

/// What one OCPP step found: what it observed, and why it failed if it did.
type Found = (Value, Option<String>);

impl Runner<'_> {
    fn csms(&mut self) -> Result<&mut Box<dyn CentralSystem>, StepError> {
        self.rig
            .devices
            .csms
            .as_mut()
            .ok_or_else(|| StepError::Abort("the rig has no csms".into()))
    }

    /// Runs an OCPP step; `None` for other steps.
    pub(crate) fn ocpp_step(
        &mut self,
        index: usize,
        step: &Step,
    ) -> Option<Result<OcppCheck, StepError>> {
        let (message, found) = match step {
            Step::BootNotification(s) => ("BootNotification", self.boot_notification(s)),
            Step::GetVariables(s) => ("GetVariables", self.variables(s, false)),
            Step::SetVariables(s) => ("SetVariables", self.variables(s, true)),
            Step::TriggerMessage(s) => ("TriggerMessage", self.trigger(s)),
            Step::ChargingProfile(s) => ("SetChargingProfile", self.charging_profile(s)),
            Step::ClearChargingProfile(s) => ("ClearChargingProfile", self.clear_profile(s)),
            Step::OcppExpect(s) => (s.message.as_str(), self.ocpp_expect(s)),
            _ => return None,
        };
        let (observed, reason) = match found {
            Ok(f) => f,
            Err(e) => return Some(Err(e)),
        };
        Some(Ok(OcppCheck {
            step: index,
            message: message.to_string(),
            at_s: self.rig.clock.now().as_secs_f64(),
            observed,
            verdict: if reason.is_none() {
                Verdict::Pass
            } else {
                Verdict::Fail
            },
            reason,
        }))
    }

    /// Waits for `found` to give a value, polling on the rig's clock (an
    /// interrupt aborts).
    fn ocpp_wait<T>(
        &mut self,
        within: Duration,
        mut found: impl FnMut(&mut Box<dyn CentralSystem>) -> Result<Option<T>, DeviceError>,
    ) -> Result<Result<Option<T>, DeviceError>, StepError> {
        let deadline = self.rig.clock.now() + within;
        loop {
            match found(self.csms()?) {
                Ok(Some(x)) => return Ok(Ok(Some(x))),
                Ok(None) => {}
                Err(e) => return Ok(Err(e)),
            }
            let now = self.rig.clock.now();
            if now >= deadline {
                return Ok(Ok(None));
            }
            self.sleep((deadline - now).min(POLL))?;
        }
    }

    fn boot_notification(&mut self, s: &BootNotificationStep) -> Result<Found, StepError> {
        let within = Duration::from_secs_f64(s.within_s);
        let boot = self.ocpp_wait(within, |c| match c.wait_boot(Duration::ZERO) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.is_unresponsive() => Ok(None),
            Err(e) => Err(e),
        })?;
        let boot = match boot {
            Ok(Some(b)) => b,
            Ok(None) => {
                return Ok((
                    Value::Null,
                    Some(format!(
                        "no charger connected and booted within {} s",
                        s.within_s
                    )),
                ))
            }
            Err(e) => return Ok((Value::Null, Some(e.to_string()))),
        };
        let mut wrong = Vec::new();
        let mut check = |what: &str, want: &Option<String>, got: Option<&str>| {
            if let Some(w) = want {
                if got != Some(w.as_str()) {
                    wrong.push(format!(
                        "{what} is {:?}, the {} says {w:?}",
                        got.unwrap_or(""),
                        if s.expect_from_site {
                            "site file"
                        } else {
                            "plan"
                        }
                    ));
                }
            }
        };
        check("vendorName", &s.expect.vendor, Some(&boot.vendor));
        check("model", &s.expect.model, Some(&boot.model));
        check("serialNumber", &s.expect.serial, boot.serial.as_deref());
        check(
            "firmwareVersion",
            &s.expect.firmware,
            boot.firmware.as_deref(),
        );
        if let Some(approved) = &s.approved_firmware {
            let running = boot.firmware.as_deref().unwrap_or("");
            if !approved.iter().any(|v| v == running) {
                wrong.push(format!(
                    "firmwareVersion {running:?} is not approved by the program (approved: {})",
                    if approved.is_empty() {
                        "none for this model".to_string()
                    } else {
                        approved.join(", ")
                    }
                ));
            }
        }
        let observed = serde_json::to_value(&boot).unwrap_or(Value::Null);
        Ok((observed, (!wrong.is_empty()).then(|| wrong.join("; "))))
    }

    fn variables(&mut self, s: &VariablesStep, set: bool) -> Result<Found, StepError> {
        let refs: Vec<VariableRef> = s
            .variables
            .iter()
            .map(|v| VariableRef {
                component: v.component.clone(),
                variable: v.variable.clone(),
            })
            .collect();
        let answer = if set {
            let writes: Vec<(VariableRef, String)> = refs
                .iter()
                .cloned()
                .zip(
                    s.variables
                        .iter()
                        .map(|v| v.value.clone().unwrap_or_default()),
                )
                .collect();
            self.csms()?.set_variables(&writes)
        } else {
            self.csms()?.get_variables(&refs)
        };
        let results = match answer {
            Ok(r) => r,
            Err(e) => return Ok((Value::Null, Some(e.to_string()))),
        };
        let mut wrong = Vec::new();
        for want in &s.variables {
            let name = format!("{}.{}", want.component, want.variable);
            match results
                .iter()
                .find(|r| r.component == want.component && r.variable == want.variable)
            {
                None => wrong.push(format!("{name}: no result")),
                Some(r) if r.status != "Accepted" => wrong.push(format!("{name}: {}", r.status)),
                Some(r) => {
                    if let Some(e) = &want.expect {
                        if r.value.as_deref() != Some(e.as_str()) {
                            wrong.push(format!(
                                "{name} reads {:?}, expected {e:?}",
                                r.value.as_deref().unwrap_or("")
                            ));
                        }
                    }
                }
            }
        }
        let observed = serde_json::to_value(&results).unwrap_or(Value::Null);
        Ok((observed, (!wrong.is_empty()).then(|| wrong.join("; "))))
    }

    fn trigger(&mut self, s: &TriggerMessageStep) -> Result<Found, StepError> {
        let after = self.last_ocpp_seq()?;
        let status = match self.csms()?.trigger_message(&s.message) {
            Ok(st) => st,
            Err(e) => return Ok((Value::Null, Some(e.to_string()))),
        };
        if status != "Accepted" {
            return Ok((
                json!({"status": status}),
                Some(format!("TriggerMessage {} answered {status}", s.message)),
            ));
        }
        let message = s.message.clone();
        let arrived = self.ocpp_wait(Duration::from_secs_f64(s.within_s), |c| {
            Ok(c.received(after)?.into_iter().find(|m| m.action == message))
        })?;
        Ok(match arrived {
            Ok(Some(m)) => (json!({"status": status, "received": summary(&m)}), None),
            Ok(None) => (
                json!({"status": status}),
                Some(format!(
                    "{} did not arrive within {} s of being triggered",
                    s.message, s.within_s
                )),
            ),
            Err(e) => (json!({"status": status}), Some(e.to_string())),
        })
    }

    fn charging_profile(&mut self, s: &ChargingProfileStep) -> Result<Found, StepError> {
        let Some(export_w) = s.power_w else {
            return Err(StepError::Abort(
                "charging_profile has no power (site_export_pct without a site)".into(),
            ));
        };
        self.confirm_power(export_w)?;
        let profile = DispatchProfile {
            profile_id: s.profile_id,
            export_w,
            duration: Duration::from_secs_f64(s.duration_s),
            setpoint: s.setpoint,
            evse_id: s.evse_id,
        };
        let status = match self.csms()?.set_charging_profile(&profile) {
            Ok(st) => st,
            Err(e) => return Ok((Value::Null, Some(e.to_string()))),
        };
        self.power_commanded = true;
        self.charger_setpoint_w = export_w;
        let observed = json!({"status": status, "export_w": export_w, "duration_s": s.duration_s, "setpoint": s.setpoint});
        Ok((
            observed,
            (status != "Accepted").then(|| format!("SetChargingProfile answered {status}")),
        ))
    }

    fn clear_profile(&mut self, s: &ClearChargingProfileStep) -> Result<Found, StepError> {
        Ok(match self.csms()?.clear_charging_profile(s.profile_id) {
            Ok(st) if st == "Accepted" => {
                self.charger_setpoint_w = 0.0;
                (json!({"status": st}), None)
            }
            Ok(st) => (
                json!({"status": st}),
                Some(format!("ClearChargingProfile answered {st}")),
            ),
            Err(e) => (Value::Null, Some(e.to_string())),
        })
    }

    fn ocpp_expect(&mut self, s: &OcppExpectStep) -> Result<Found, StepError> {
        let after = if s.new {
            self.last_ocpp_seq()?
        } else {
            self.ocpp_seq_at_test_start
        };
        let matches = |m: &StationMessage| -> bool {
            m.action == s.message
                && s.event_type
                    .as_deref()
                    .is_none_or(|t| m.payload.get("eventType").and_then(Value::as_str) == Some(t))
                && match (&s.measurand, s.value) {
                    (Some(name), Some(want)) => measurand(&m.payload, name)
                        .is_some_and(|got| (got - want).abs() <= s.tolerance.unwrap_or(0.0)),
                    _ => true,
                }
        };
        let found = self.ocpp_wait(Duration::from_secs_f64(s.within_s), |c| {
            Ok(c.received(after)?.into_iter().rev().find(|m| matches(m)))
        })?;
        Ok(match found {
            Ok(Some(m)) => (summary(&m), None),
            Ok(None) => {
                let last = self
                    .csms()?
                    .received(after)
                    .ok()
                    .and_then(|ms| ms.into_iter().rev().find(|m| m.action == s.message));
                let what = match (&s.measurand, s.value, &last) {
                    (Some(name), Some(want), Some(m)) => format!(
                        "no {} with {name} = {want} ± {} within {} s (last: {})",
                        s.message,
                        s.tolerance.unwrap_or(0.0),
                        s.within_s,
                        measurand(&m.payload, name)
                            .map_or("not reported".to_string(), |v| v.to_string())
                    ),
                    _ => format!(
                        "no {}{} within {} s",
                        s.message,
                        s.event_type
                            .as_deref()
                            .map(|t| format!(" ({t})"))
                            .unwrap_or_default(),
                        s.within_s
                    ),
                };
                (
                    last.as_ref().map(summary).unwrap_or(Value::Null),
                    Some(what),
                )
            }
            Err(e) => (Value::Null, Some(e.to_string())),
        })
    }

    fn last_ocpp_seq(&mut self) -> Result<u64, StepError> {
        Ok(self
            .csms()?
            .received(0)
            .ok()
            .and_then(|m| m.last().map(|m| m.seq))
            .unwrap_or(0))
    }

    /// Where a test's `ocpp_expect` starts looking: the messages before it
    /// belong to earlier tests.
    pub(crate) fn mark_ocpp_test_start(&mut self) {
        self.ocpp_seq_at_test_start = match self.rig.devices.csms.as_mut() {
            Some(c) => c
                .received(0)
                .ok()
                .and_then(|m| m.last().map(|m| m.seq))
                .unwrap_or(0),
            None => 0,
        };
    }

    /// Every OCPP frame since the last call goes to the observers (the
    /// journal keeps each one).
    pub(crate) fn journal_ocpp(&mut self) {
        let Some(c) = self.rig.devices.csms.as_mut() else {
            return;
        };
        if let Ok(log) = c.take_log() {
            if !log.is_empty() {
                self.emit(super::runner::RunEvent::OcppFrames(&log));
            }
        }
    }
}

/// The first sampled value of `name` in a TransactionEvent's or
/// MeterValues' meterValue list (OCPP 2.0.1 MeterValueType).
fn measurand(payload: &Value, name: &str) -> Option<f64> {
    payload
        .get("meterValue")?
        .as_array()?
        .iter()
        .filter_map(|mv| mv.get("sampledValue")?.as_array())
        .flatten()
        // An absent measurand is Energy.Active.Import.Register (2.0.1 SampledValueType).
        .find(|sv| {
            sv.get("measurand")
                .and_then(Value::as_str)
                .unwrap_or("Energy.Active.Import.Register")
                == name
        })
        .and_then(|sv| sv.get("value")?.as_f64())
}

fn summary(m: &StationMessage) -> Value {
    json!({"seq": m.seq, "at_s": m.at_s, "action": m.action, "payload": m.payload})
}
