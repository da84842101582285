//! Charging profiles the emulated charger holds, and the power they
//! command (K01 SetChargingProfile, K10 ClearChargingProfile). The
//! profile in force sets the plant's power; when none is, the charger
//! goes back to 0 W once.

use crate::exec::clock::SIMULATED_EPOCH_UNIX_S;
use crate::plant::Plant;
use crate::protocol::ocpp::time::parse_rfc3339;
use serde_json::Value;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
struct Period {
    start: Duration,
    /// Export positive (the harness's sign; OCPP's is the opposite).
    export_w: f64,
}

#[derive(Debug, Clone, PartialEq)]
struct Profile {
    id: i64,
    stack_level: i64,
    /// TxProfile: only within this transaction.
    transaction_id: Option<String>,
    start: Duration,
    end: Duration,
    periods: Vec<Period>,
}

#[derive(Debug, Default)]
pub struct Profiles {
    held: Vec<Profile>,
    /// The setpoint last applied by a profile (None: no profile governs).
    applied: Option<f64>,
}

/// Profiles one charger keeps (its SmartChargingCtrlr limits its memory).
const MAX_PROFILES: usize = 16;

impl Profiles {
    /// Reads and installs a SetChargingProfile request; `Err` says why it
    /// is Rejected. `nominal_v` converts an ampere schedule to watts.
    pub fn install(
        &mut self,
        now: Duration,
        request: &Value,
        transaction: Option<&str>,
        nominal_v: f64,
        v2x: bool,
    ) -> Result<(), String> {
        let p = request.get("chargingProfile").ok_or("no chargingProfile")?;
        let id = p.get("id").and_then(Value::as_i64).ok_or("no profile id")?;
        let stack_level = p.get("stackLevel").and_then(Value::as_i64).unwrap_or(0);
        let purpose = p
            .get("chargingProfilePurpose")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let transaction_id = match purpose {
            // K01.FR.03/.FR.09: a TxProfile names a running transaction.
            "TxProfile" => {
                let t = p
                    .get("transactionId")
                    .and_then(Value::as_str)
                    .ok_or("TxProfile without transactionId")?;
                if Some(t) != transaction {
                    return Err(format!("transaction {t} is not running"));
                }
                Some(t.to_string())
            }
            "TxDefaultProfile" | "ChargingStationMaxProfile" => None,
            other => return Err(format!("purpose {other} is not supported")),
        };
        let schedule = p
            .get("chargingSchedule")
            .and_then(Value::as_array)
            .and_then(|s| s.first())
            .ok_or("no chargingSchedule")?;
        let per_w = match schedule.get("chargingRateUnit").and_then(Value::as_str) {
            Some("W") => 1.0,
            Some("A") => nominal_v,
            _ => return Err("chargingRateUnit must be W or A".into()),
        };
        let start = match p.get("chargingProfileKind").and_then(Value::as_str) {
            Some("Absolute") => {
                let at = schedule
                    .get("startSchedule")
                    .and_then(Value::as_str)
                    .and_then(parse_rfc3339)
                    .ok_or("Absolute schedule without a readable startSchedule")?;
                at.saturating_sub(Duration::from_secs(SIMULATED_EPOCH_UNIX_S))
            }
            Some("Relative") => now,
            _ => return Err("chargingProfileKind must be Absolute or Relative".into()),
        };
        let duration = schedule
            .get("duration")
            .and_then(Value::as_u64)
            .map_or(Duration::MAX, Duration::from_secs);
        let mut periods = Vec::new();
        for period in schedule
            .get("chargingSchedulePeriod")
            .and_then(Value::as_array)
            .ok_or("no chargingSchedulePeriod")?
        {
            let offset = period
                .get("startPeriod")
                .and_then(Value::as_u64)
                .ok_or("period without startPeriod")?;
            let mode = period
                .get("operationMode")
                .and_then(Value::as_str)
                .unwrap_or("ChargingOnly");
            let ocpp_w = match mode {
                // 2.1 V2X: follow the setpoint (negative discharges).
                "CentralSetpoint" if v2x => period
                    .get("setpoint")
                    .and_then(Value::as_f64)
                    .ok_or("CentralSetpoint without setpoint")?,
                // 2.0.1 limit; negative discharges (the convention 2.1 keeps for older systems).
                "ChargingOnly" => period
                    .get("limit")
                    .and_then(Value::as_f64)
                    .ok_or("period without limit")?,
                other => return Err(format!("operation mode {other} is not supported")),
            };
            periods.push(Period {
                start: Duration::from_secs(offset),
                export_w: -ocpp_w * per_w,
            });
        }
        if periods.is_empty() || periods.first().is_some_and(|p| p.start != Duration::ZERO) {
            return Err("the first period must start at 0".into());
        }
        self.held.retain(|h| h.id != id);
        if self.held.len() >= MAX_PROFILES {
            return Err("no room for another profile".into());
        }
        self.held.push(Profile {
            id,
            stack_level,
            transaction_id,
            start,
            end: start.saturating_add(duration),
            periods,
        });
        Ok(())
    }

    /// Removes profile `id` (every profile when `None`); whether any was held.
    pub fn clear(&mut self, id: Option<i64>) -> bool {
        let before = self.held.len();
        self.held.retain(|h| id.is_some_and(|id| h.id != id));
        self.held.len() != before
    }

    /// The export the profiles command now, if any governs.
    fn in_force(&self, now: Duration, transaction: Option<&str>) -> Option<f64> {
        self.held
            .iter()
            .filter(|p| p.start <= now && now < p.end)
            .filter(|p| p.transaction_id.is_none() || p.transaction_id.as_deref() == transaction)
            // A TxProfile overrides a TxDefaultProfile; then the higher stack level (K01).
            .max_by_key(|p| (p.transaction_id.is_some(), p.stack_level))
            .and_then(|p| {
                let offset = now - p.start;
                p.periods
                    .iter()
                    .rev()
                    .find(|q| q.start <= offset)
                    .map(|q| q.export_w)
            })
    }

    /// Holds the plant's power at what is in force (within the charger's
    /// rating: a setpoint written another way does not outlast the tick);
    /// back to 0 W once, when the last profile ends.
    pub fn apply(&mut self, now: Duration, plant: &mut Plant, transaction: Option<&str>) {
        self.held.retain(|p| now < p.end);
        let rating = plant.config().inverter.rating_w;
        let target = self
            .in_force(now, transaction)
            .map(|w| w.clamp(-rating, rating));
        match target {
            Some(w) if plant.inverter_status().power_setpoint_w != w => {
                plant.set_power_setpoint_w(w)
            }
            None if self.applied.is_some() => plant.set_power_setpoint_w(0.0),
            _ => {}
        }
        self.applied = target;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn request(purpose: &str, limit: f64, start: &str, duration: u64) -> Value {
        json!({"evseId": 1, "chargingProfile": {"id": 1, "stackLevel": 0, "chargingProfilePurpose": purpose,
            "chargingProfileKind": "Absolute", "transactionId": "T-1",
            "chargingSchedule": [{"id": 1, "startSchedule": start, "duration": duration, "chargingRateUnit": "W",
                "chargingSchedulePeriod": [{"startPeriod": 0, "limit": limit}]}]}})
    }

    #[test]
    fn a_negative_limit_exports_for_its_duration() {
        let mut p = Profiles::default();
        p.install(
            Duration::ZERO,
            &request("TxDefaultProfile", -5000.0, "2026-01-01T00:00:10.000Z", 60),
            None,
            240.0,
            false,
        )
        .unwrap();
        assert_eq!(p.in_force(Duration::from_secs(9), None), None);
        assert_eq!(p.in_force(Duration::from_secs(10), None), Some(5000.0));
        assert_eq!(p.in_force(Duration::from_secs(70), None), None);
    }

    #[test]
    fn a_tx_profile_needs_its_transaction() {
        let mut p = Profiles::default();
        let r = request("TxProfile", -1000.0, "2026-01-01T00:00:00Z", 60);
        assert!(p.install(Duration::ZERO, &r, None, 240.0, false).is_err());
        assert!(p
            .install(Duration::ZERO, &r, Some("T-1"), 240.0, false)
            .is_ok());
        assert!(p.clear(Some(1)));
        assert!(!p.clear(None));
    }
}
