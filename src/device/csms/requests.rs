//! The central system's requests to the charger and the reading of their
//! answers. Each payload is built as JSON and read back through its
//! `ocpp-types` request type before it is sent, so nothing leaves that the
//! version's schema would refuse; each answer is read through its response
//! type.

use super::{DispatchProfile, VariableRef, VariableResult};
use crate::model::rig_csms::OcppVersion;
use crate::protocol::ocpp::payload::decode_payload;
use serde_json::{json, Value};

/// A request checked against the schema of the connection's version.
macro_rules! checked {
    ($version:expr, $action:literal, $ty:ident, $payload:expr) => {{
        let payload: Value = $payload;
        match $version {
            OcppVersion::V201 => {
                decode_payload::<ocpp_types::v201::$ty>($action, &payload).map(|_| ())
            }
            OcppVersion::V21 => {
                decode_payload::<ocpp_types::v21::$ty>($action, &payload).map(|_| ())
            }
        }
        .map(|()| payload)
        .map_err(|e| {
            format!(
                "{} would not conform to OCPP {}: {e}",
                $action,
                version_name($version)
            )
        })
    }};
}

fn version_name(v: OcppVersion) -> &'static str {
    match v {
        OcppVersion::V201 => "2.0.1",
        OcppVersion::V21 => "2.1",
    }
}

pub(super) fn get_variables(v: OcppVersion, vars: &[VariableRef]) -> Result<Value, String> {
    let data: Vec<Value> = vars
        .iter()
        .map(|r| json!({"component": {"name": r.component}, "variable": {"name": r.variable}}))
        .collect();
    checked!(
        v,
        "GetVariables",
        GetVariablesRequest,
        json!({"getVariableData": data})
    )
}

pub(super) fn set_variables(
    v: OcppVersion,
    vars: &[(VariableRef, String)],
) -> Result<Value, String> {
    let data: Vec<Value> = vars
        .iter()
        .map(|(r, value)| {
            json!({"attributeValue": value, "component": {"name": r.component}, "variable": {"name": r.variable}})
        })
        .collect();
    checked!(
        v,
        "SetVariables",
        SetVariablesRequest,
        json!({"setVariableData": data})
    )
}

pub(super) fn trigger_message(v: OcppVersion, message: &str) -> Result<Value, String> {
    checked!(
        v,
        "TriggerMessage",
        TriggerMessageRequest,
        json!({"requestedMessage": message})
    )
}

/// A SetChargingProfile starting now (`start_time`, RFC 3339) for the
/// profile's duration. 2.0.1 (K01): a limit in W, negative to discharge —
/// the convention 2.1 keeps for older systems (2.1 Part 2 K01, `limit`).
/// 2.1 with `setpoint`: operation mode CentralSetpoint, whose setpoint is
/// negative to discharge (2.1 Q08 V2X control). Within a transaction it is
/// a TxProfile for that transaction (K01.FR.03), else a TxDefaultProfile.
pub(super) fn set_charging_profile(
    v: OcppVersion,
    p: &DispatchProfile,
    start_time: &str,
    transaction_id: Option<&str>,
) -> Result<Value, String> {
    let ocpp_w = crate::protocol::ocpp::round_to_tenths(-p.export_w);
    let seconds = p.duration.as_secs().clamp(1, i32::MAX as u64);
    let period = if p.setpoint {
        if v != OcppVersion::V21 {
            return Err(
                "a CentralSetpoint (V2X operation mode) needs an OCPP 2.1 connection".into(),
            );
        }
        json!({"startPeriod": 0, "operationMode": "CentralSetpoint", "setpoint": ocpp_w})
    } else {
        json!({"startPeriod": 0, "limit": ocpp_w})
    };
    let mut profile = json!({
        "id": p.profile_id,
        "stackLevel": 0,
        "chargingProfilePurpose": if transaction_id.is_some() { "TxProfile" } else { "TxDefaultProfile" },
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [{
            "id": p.profile_id,
            "startSchedule": start_time,
            "duration": seconds,
            "chargingRateUnit": "W",
            "chargingSchedulePeriod": [period],
        }],
    });
    if let Some(t) = transaction_id {
        profile["transactionId"] = json!(t);
    }
    checked!(
        v,
        "SetChargingProfile",
        SetChargingProfileRequest,
        json!({"evseId": p.evse_id, "chargingProfile": profile})
    )
}

pub(super) fn clear_charging_profile(v: OcppVersion, profile_id: i32) -> Result<Value, String> {
    checked!(
        v,
        "ClearChargingProfile",
        ClearChargingProfileRequest,
        json!({"chargingProfileId": profile_id})
    )
}

/// `status` of a TriggerMessage, SetChargingProfile or ClearChargingProfile answer.
pub(super) fn status(action: &str, v: OcppVersion, answer: &Value) -> Result<String, String> {
    let read = match (v, action) {
        (OcppVersion::V201, "TriggerMessage") => {
            decode_payload::<ocpp_types::v201::TriggerMessageResponse>(action, answer).map(|_| ())
        }
        (OcppVersion::V21, "TriggerMessage") => {
            decode_payload::<ocpp_types::v21::TriggerMessageResponse>(action, answer).map(|_| ())
        }
        (OcppVersion::V201, "SetChargingProfile") => {
            decode_payload::<ocpp_types::v201::SetChargingProfileResponse>(action, answer)
                .map(|_| ())
        }
        (OcppVersion::V21, "SetChargingProfile") => {
            decode_payload::<ocpp_types::v21::SetChargingProfileResponse>(action, answer)
                .map(|_| ())
        }
        (OcppVersion::V201, _) => {
            decode_payload::<ocpp_types::v201::ClearChargingProfileResponse>(action, answer)
                .map(|_| ())
        }
        (OcppVersion::V21, _) => {
            decode_payload::<ocpp_types::v21::ClearChargingProfileResponse>(action, answer)
                .map(|_| ())
        }
    };
    read.map_err(|e| e.to_string())?;
    Ok(answer
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string())
}

/// The results of a GetVariables (`get`) or SetVariables answer.
pub(super) fn variable_results(
    v: OcppVersion,
    get: bool,
    answer: &Value,
) -> Result<Vec<VariableResult>, String> {
    let action = if get { "GetVariables" } else { "SetVariables" };
    match (v, get) {
        (OcppVersion::V201, true) => {
            decode_payload::<ocpp_types::v201::GetVariablesResponse>(action, answer).map(|_| ())
        }
        (OcppVersion::V21, true) => {
            decode_payload::<ocpp_types::v21::GetVariablesResponse>(action, answer).map(|_| ())
        }
        (OcppVersion::V201, false) => {
            decode_payload::<ocpp_types::v201::SetVariablesResponse>(action, answer).map(|_| ())
        }
        (OcppVersion::V21, false) => {
            decode_payload::<ocpp_types::v21::SetVariablesResponse>(action, answer).map(|_| ())
        }
    }
    .map_err(|e| e.to_string())?;
    let key = if get {
        "getVariableResult"
    } else {
        "setVariableResult"
    };
    let text = |r: &Value, path: &str| r.pointer(path).and_then(Value::as_str).map(String::from);
    Ok(answer
        .get(key)
        .and_then(Value::as_array)
        .map(|rs| {
            rs.iter()
                .map(|r| VariableResult {
                    component: text(r, "/component/name").unwrap_or_default(),
                    variable: text(r, "/variable/name").unwrap_or_default(),
                    status: text(r, "/attributeStatus").unwrap_or_default(),
                    value: text(r, "/attributeValue"),
                })
                .collect()
        })
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn profile(setpoint: bool) -> DispatchProfile {
        DispatchProfile {
            profile_id: 7,
            export_w: 7000.0,
            duration: Duration::from_secs(120),
            setpoint,
            evse_id: 1,
        }
    }

    #[test]
    fn a_201_discharge_is_a_negative_limit() {
        let p = set_charging_profile(
            OcppVersion::V201,
            &profile(false),
            "2026-01-01T00:00:00Z",
            Some("T-1"),
        )
        .unwrap();
        let period = &p["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"][0];
        assert_eq!(period["limit"], -7000.0);
        assert_eq!(p["chargingProfile"]["chargingProfilePurpose"], "TxProfile");
        assert_eq!(p["chargingProfile"]["transactionId"], "T-1");
    }

    #[test]
    fn a_21_setpoint_uses_the_v2x_operation_mode() {
        let p = set_charging_profile(
            OcppVersion::V21,
            &profile(true),
            "2026-01-01T00:00:00Z",
            None,
        )
        .unwrap();
        let period = &p["chargingProfile"]["chargingSchedule"][0]["chargingSchedulePeriod"][0];
        assert_eq!(period["operationMode"], "CentralSetpoint");
        assert_eq!(period["setpoint"], -7000.0);
        assert!(set_charging_profile(OcppVersion::V201, &profile(true), "t", None).is_err());
    }

    #[test]
    fn variables_round_trip_through_their_types() {
        let r = VariableRef {
            component: "OCPPCommCtrlr".into(),
            variable: "HeartbeatInterval".into(),
        };
        get_variables(OcppVersion::V201, std::slice::from_ref(&r)).unwrap();
        set_variables(OcppVersion::V21, &[(r, "30".into())]).unwrap();
        let answer = json!({"getVariableResult":[{"attributeStatus":"Accepted","attributeValue":"30","component":{"name":"OCPPCommCtrlr"},"variable":{"name":"HeartbeatInterval"}}]});
        let rs = variable_results(OcppVersion::V201, true, &answer).unwrap();
        assert_eq!(rs[0].value.as_deref(), Some("30"));
        assert_eq!(rs[0].status, "Accepted");
    }
}
