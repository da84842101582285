//! What the central system answers each message a charger may send it.
//! Every request is first read into its type from `ocpp-types` (generated
//! from the OCA JSON schemas) for the connection's version, so a payload
//! the schema refuses is answered with the CALLERROR code OCPP-J §4.2.3
//! gives for it, naming the field.

use super::StationBoot;
use crate::model::rig_csms::OcppVersion;
use crate::protocol::ocpp::payload::decode_payload;
use crate::protocol::ocpp::rpc::ErrorCode;
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

/// The answer to send, and the boot the message reported (if it was one).
pub(super) struct Answer {
    pub payload: Value,
    pub boot: Option<StationBoot>,
}

type Refusal = (ErrorCode, String);

fn read<T: DeserializeOwned>(action: &str, payload: &Value) -> Result<T, Refusal> {
    decode_payload::<T>(action, payload).map_err(|e| (e.reply_code(), e.to_string()))
}

/// Checks `payload` against the request type of `action` in `version`.
/// `Ok(false)`: an action this central system does not implement.
macro_rules! schema_check {
    ($version:expr, $action:expr, $payload:expr, [$($name:literal => $ty:ident),* $(,)?]) => {
        match ($version, $action) {
            $(
                (OcppVersion::V201, $name) => read::<ocpp_types::v201::$ty>($action, $payload).map(|_| true),
                (OcppVersion::V21, $name) => read::<ocpp_types::v21::$ty>($action, $payload).map(|_| true),
            )*
            _ => Ok(false),
        }
    };
}

/// The answer to a CALL `action` from the charger.
pub(super) fn answer(
    version: OcppVersion,
    action: &str,
    payload: &Value,
    current_time: &str,
    heartbeat_interval_s: u32,
) -> Result<Answer, Refusal> {
    let known = schema_check!(version, action, payload, [
        "BootNotification" => BootNotificationRequest,
        "Heartbeat" => HeartbeatRequest,
        "StatusNotification" => StatusNotificationRequest,
        "TransactionEvent" => TransactionEventRequest,
        "MeterValues" => MeterValuesRequest,
        "Authorize" => AuthorizeRequest,
        "NotifyReport" => NotifyReportRequest,
        "NotifyEvent" => NotifyEventRequest,
        "SecurityEventNotification" => SecurityEventNotificationRequest,
        "FirmwareStatusNotification" => FirmwareStatusNotificationRequest,
        "LogStatusNotification" => LogStatusNotificationRequest,
        "NotifyChargingLimit" => NotifyChargingLimitRequest,
        "ClearedChargingLimit" => ClearedChargingLimitRequest,
        "ReportChargingProfiles" => ReportChargingProfilesRequest,
        "NotifyEVChargingNeeds" => NotifyEVChargingNeedsRequest,
        "NotifyEVChargingSchedule" => NotifyEVChargingScheduleRequest,
        "NotifyMonitoringReport" => NotifyMonitoringReportRequest,
        "DataTransfer" => DataTransferRequest,
    ])?;
    let v21_known = match (version, action) {
        // OCPP 2.1 DER control (R04) and start/stop notifications.
        (OcppVersion::V21, "NotifyDERAlarm") => {
            read::<ocpp_types::v21::NotifyDERAlarmRequest>(action, payload).map(|_| true)?
        }
        (OcppVersion::V21, "NotifyDERStartStop") => {
            read::<ocpp_types::v21::NotifyDERStartStopRequest>(action, payload).map(|_| true)?
        }
        _ => false,
    };
    if !known && !v21_known {
        return Err((
            ErrorCode::NotImplemented,
            format!("{action} is not implemented by this central system"),
        ));
    }
    let mut boot = None;
    let out = match action {
        "BootNotification" => {
            boot = Some(boot_of(payload));
            // B01.FR.03: Accepted, with the heartbeat interval and our time.
            json!({"currentTime": current_time, "interval": heartbeat_interval_s, "status": "Accepted"})
        }
        "Heartbeat" => json!({"currentTime": current_time}),
        "Authorize" => json!({"idTokenInfo": {"status": "Accepted"}}),
        "TransactionEvent" if payload.get("idToken").is_some() => {
            json!({"idTokenInfo": {"status": "Accepted"}})
        }
        "NotifyEVChargingNeeds" => json!({"status": "Accepted"}),
        // P01: a vendor we do not know.
        "DataTransfer" => json!({"status": "UnknownVendorId"}),
        _ => json!({}),
    };
    Ok(Answer { payload: out, boot })
}

fn boot_of(payload: &Value) -> StationBoot {
    let cs = payload.get("chargingStation");
    let text = |key: &str| {
        cs.and_then(|c| c.get(key))
            .and_then(Value::as_str)
            .map(String::from)
    };
    StationBoot {
        station_id: String::new(),
        version: String::new(),
        vendor: text("vendorName").unwrap_or_default(),
        model: text("model").unwrap_or_default(),
        serial: text("serialNumber"),
        firmware: text("firmwareVersion"),
        reason: payload
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string(),
        peer: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_reads_as_its_response_type() {
        let now = "2026-01-01T00:00:00Z";
        let boot = json!({"reason":"PowerUp","chargingStation":{"model":"M","vendorName":"V","serialNumber":"S1","firmwareVersion":"1.2.3"}});
        let a = answer(OcppVersion::V201, "BootNotification", &boot, now, 60).unwrap();
        read::<ocpp_types::v201::BootNotificationResponse>("BootNotification", &a.payload).unwrap();
        let b = a.boot.unwrap();
        assert_eq!(
            (b.serial.as_deref(), b.firmware.as_deref()),
            (Some("S1"), Some("1.2.3"))
        );
        let a = answer(OcppVersion::V21, "Heartbeat", &json!({}), now, 60).unwrap();
        read::<ocpp_types::v21::HeartbeatResponse>("Heartbeat", &a.payload).unwrap();
        let status =
            json!({"timestamp": now, "connectorStatus":"Available","evseId":1,"connectorId":1});
        let a = answer(OcppVersion::V201, "StatusNotification", &status, now, 60).unwrap();
        read::<ocpp_types::v201::StatusNotificationResponse>("StatusNotification", &a.payload)
            .unwrap();
    }

    #[test]
    fn a_payload_the_schema_refuses_names_its_field() {
        let bad = json!({"reason":"PowerUp","chargingStation":{"model":"M"}});
        let (code, why) = answer(OcppVersion::V201, "BootNotification", &bad, "t", 60)
            .err()
            .unwrap();
        assert!(why.contains("vendorName"), "{why}");
        assert_ne!(code, ErrorCode::NotImplemented);
    }
}
