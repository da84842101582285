//! What the emulated charger answers the central system's requests.

use super::OcppClientAgent;
use crate::model::rig_csms::OcppVersion;
use crate::plant::Plant;
use crate::protocol::ocpp::rpc::{ErrorCode, Frame};
use serde_json::{json, Value};
use std::time::Duration;

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

impl OcppClientAgent {
    pub(super) fn on_call(
        &mut self,
        now: Duration,
        plant: &mut Plant,
        id: String,
        action: &str,
        payload: &Value,
    ) {
        let answer = match action {
            "GetVariables" => Ok(self.get_variables(payload)),
            "SetVariables" => Ok(self.set_variables(now, payload)),
            "TriggerMessage" => {
                let requested = text(payload, "/requestedMessage").to_string();
                let status = match requested.as_str() {
                    "BootNotification" | "Heartbeat" | "StatusNotification" | "MeterValues" => {
                        "Accepted"
                    }
                    "TransactionEvent" if self.transaction.is_some() => "Accepted",
                    "TransactionEvent" => "Rejected",
                    _ => "NotImplemented",
                };
                // F06.FR.04: the answer goes first, then the message asked for.
                self.send_frame(Frame::CallResult {
                    message_id: id,
                    payload: json!({"status": status}),
                });
                if status == "Accepted" {
                    self.send_triggered(now, plant, &requested);
                }
                return;
            }
            "SetChargingProfile" => {
                let tx = self.transaction.as_ref().map(|t| t.id.clone());
                let v2x = self.version == OcppVersion::V21;
                let nominal_v = plant.config().nominal_voltage_v;
                Ok(
                    match self
                        .profiles
                        .install(now, payload, tx.as_deref(), nominal_v, v2x)
                    {
                        Ok(()) => {
                            self.profiles.apply(now, plant, tx.as_deref());
                            json!({"status": "Accepted"})
                        }
                        Err(why) => {
                            json!({"status": "Rejected", "statusInfo": {"reasonCode": "InvalidSchedule", "additionalInfo": crate::protocol::ocpp::clip(&why, 512)}})
                        }
                    },
                )
            }
            "ClearChargingProfile" => {
                let id = payload.get("chargingProfileId").and_then(Value::as_i64);
                let cleared = self.profiles.clear(id);
                let tx = self.transaction.as_ref().map(|t| t.id.clone());
                self.profiles.apply(now, plant, tx.as_deref());
                Ok(json!({"status": if cleared { "Accepted" } else { "Unknown" }}))
            }
            "Reset" => Ok(json!({"status": "Rejected"})),
            _ => Err(ErrorCode::NotImplemented),
        };
        let frame = match answer {
            Ok(payload) => Frame::CallResult {
                message_id: id,
                payload,
            },
            Err(code) => Frame::CallError {
                message_id: id,
                code,
                description: format!("{action} is not implemented by the emulated charger"),
                details: json!({}),
            },
        };
        self.send_frame(frame);
    }

    fn get_variables(&self, payload: &Value) -> Value {
        let results: Vec<Value> = payload
            .get("getVariableData")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|item| {
                        let (c, v) = (text(item, "/component/name"), text(item, "/variable/name"));
                        let o = self.model.get(c, v);
                        let mut r = json!({"attributeStatus": o.status, "component": {"name": c}, "variable": {"name": v}});
                        if let Some(value) = o.value {
                            r["attributeValue"] = json!(value);
                        }
                        r
                    })
                    .collect()
            })
            .unwrap_or_default();
        json!({"getVariableResult": results})
    }

    fn set_variables(&mut self, now: Duration, payload: &Value) -> Value {
        let mut results = Vec::new();
        for item in payload
            .get("setVariableData")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let (c, v) = (text(item, "/component/name"), text(item, "/variable/name"));
            let o = self.model.set(c, v, text(item, "/attributeValue"));
            results.push(json!({"attributeStatus": o.status, "component": {"name": c}, "variable": {"name": v}}));
            if o.status == "Accepted" {
                match (c, v) {
                    ("OCPPCommCtrlr", "HeartbeatInterval") => self.schedule_heartbeat(now),
                    ("SampledDataCtrlr", "TxUpdatedInterval") if self.transaction.is_some() => {
                        self.schedule_tx_update(now)
                    }
                    _ => {}
                }
            }
        }
        json!({"setVariableResult": results})
    }

    fn send_triggered(&mut self, now: Duration, plant: &Plant, message: &str) {
        match message {
            "BootNotification" => {
                self.boot_reason = "Triggered";
                self.send_boot(now);
            }
            "Heartbeat" => self.send_call("Heartbeat", json!({})),
            "StatusNotification" => self.send_status(now),
            "MeterValues" => {
                let mv = self.meter_value(now, plant, "Trigger");
                self.send_call("MeterValues", json!({"evseId": 1, "meterValue": [mv]}));
            }
            "TransactionEvent" => self.transaction_event(now, plant, "Updated", "Trigger"),
            _ => {}
        }
    }
}
