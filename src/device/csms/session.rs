//! One charger's OCPP-J session as the central system sees it, without
//! I/O: frames in, frames out. It answers the charger's CALLs (OCPP-J
//! §4.2: every CALL gets a CALLRESULT or a CALLERROR with the same id),
//! matches our CALLs to their answers, and keeps what arrived for the plan.

use super::answers::{answer, Answer};
use super::{StationBoot, StationMessage};
use crate::model::rig_csms::OcppVersion;
use crate::protocol::ocpp::clip;
use crate::protocol::ocpp::rpc::{self, Frame};
use serde::Serialize;
use std::collections::BTreeMap;

/// Messages kept for `received` (the oldest go first beyond it): a day of
/// 10 s meter values is 8640.
const MAX_INBOX: usize = 20_000;
/// Frames kept for the journal between two drains.
const MAX_LOG: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// From the charger.
    Rx,
    /// To the charger.
    Tx,
}

/// One frame on the wire, for the evidence journal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OcppExchange {
    pub at_s: f64,
    pub station_id: String,
    pub direction: Direction,
    /// The frame as sent or received (OCPP-J text).
    pub frame: String,
    /// Why a received frame was refused, if it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

/// The charger's answer to one of our CALLs.
#[derive(Debug, Clone, PartialEq)]
pub enum CallOutcome {
    Result(serde_json::Value),
    Error { code: String, description: String },
}

pub struct Session {
    pub(super) version: OcppVersion,
    pub(super) station_id: String,
    peer: String,
    heartbeat_interval_s: u32,
    next_id: u64,
    pending: BTreeMap<String, String>,
    outcomes: BTreeMap<String, CallOutcome>,
    inbox: Vec<StationMessage>,
    seq: u64,
    pub(super) boot: Option<StationBoot>,
    /// The transaction the charger last reported started and not ended.
    pub(super) transaction_id: Option<String>,
    log: Vec<OcppExchange>,
    dropped_log: u64,
}

impl Session {
    pub fn new(
        version: OcppVersion,
        station_id: &str,
        peer: &str,
        heartbeat_interval_s: u32,
    ) -> Self {
        Session {
            version,
            station_id: station_id.to_string(),
            peer: peer.to_string(),
            heartbeat_interval_s,
            next_id: 1,
            pending: BTreeMap::new(),
            outcomes: BTreeMap::new(),
            inbox: Vec::new(),
            seq: 0,
            boot: None,
            transaction_id: None,
            log: Vec::new(),
            dropped_log: 0,
        }
    }

    fn record(&mut self, at_s: f64, direction: Direction, frame: &str, refused: Option<String>) {
        if self.log.len() >= MAX_LOG {
            self.dropped_log += 1;
            return;
        }
        self.log.push(OcppExchange {
            at_s,
            station_id: self.station_id.clone(),
            direction,
            frame: frame.to_string(),
            refused,
        });
    }

    /// A frame from the charger; returns the frames to send back.
    /// `current_time` is the RFC 3339 instant BootNotification and
    /// Heartbeat answers carry.
    pub fn on_frame(&mut self, at_s: f64, text: &str, current_time: &str) -> Vec<String> {
        let frame = match rpc::decode(text) {
            Ok(f) => f,
            Err(e) => {
                self.record(at_s, Direction::Rx, text, Some(e.to_string()));
                // OCPP-J §4.2.3: a CALL we cannot read is answered with a
                // CALLERROR when its id can be read; anything else is dropped.
                return match e.message_id() {
                    Some(id) if looks_like_call(text) => {
                        let reply = Frame::CallError {
                            message_id: id.to_string(),
                            code: e.reply_code(),
                            description: clip(&e.to_string(), 255).to_string(),
                            details: serde_json::json!({}),
                        }
                        .encode();
                        self.record(at_s, Direction::Tx, &reply, None);
                        vec![reply]
                    }
                    _ => Vec::new(),
                };
            }
        };
        match frame {
            Frame::Call {
                message_id,
                action,
                payload,
            } => {
                let reply = match answer(
                    self.version,
                    &action,
                    &payload,
                    current_time,
                    self.heartbeat_interval_s,
                ) {
                    Ok(Answer { payload: out, boot }) => {
                        self.record(at_s, Direction::Rx, text, None);
                        if let Some(b) = boot {
                            self.boot = Some(StationBoot {
                                station_id: self.station_id.clone(),
                                version: self.version.subprotocol().to_string(),
                                peer: self.peer.clone(),
                                ..b
                            });
                        }
                        self.note_transaction(&action, &payload);
                        self.push_inbox(at_s, &action, payload);
                        Frame::CallResult {
                            message_id,
                            payload: out,
                        }
                    }
                    Err((code, description)) => {
                        self.record(at_s, Direction::Rx, text, Some(description.clone()));
                        Frame::CallError {
                            message_id,
                            code,
                            description: clip(&description, 255).to_string(),
                            details: serde_json::json!({}),
                        }
                    }
                };
                let reply = reply.encode();
                self.record(at_s, Direction::Tx, &reply, None);
                vec![reply]
            }
            Frame::Send {
                action, payload, ..
            } => {
                // OCPP 2.1 SEND: unconfirmed, never answered.
                self.record(at_s, Direction::Rx, text, None);
                self.push_inbox(at_s, &action, payload);
                Vec::new()
            }
            Frame::CallResult {
                message_id,
                payload,
            } => self.on_answer(at_s, text, message_id, CallOutcome::Result(payload)),
            Frame::CallError {
                message_id,
                code,
                description,
                ..
            }
            | Frame::CallResultError {
                message_id,
                code,
                description,
                ..
            } => {
                let outcome = CallOutcome::Error {
                    code: code.as_str().to_string(),
                    description,
                };
                self.on_answer(at_s, text, message_id, outcome)
            }
        }
    }

    /// The charger's answer to one of our CALLs; one nobody waits for is
    /// only logged. Answers are never answered (OCPP-J §4.2).
    fn on_answer(
        &mut self,
        at_s: f64,
        text: &str,
        id: String,
        outcome: CallOutcome,
    ) -> Vec<String> {
        let known = self.pending.remove(&id).is_some();
        let refused = (!known).then(|| "answers no pending request".to_string());
        self.record(at_s, Direction::Rx, text, refused);
        if known {
            self.outcomes.insert(id, outcome);
        }
        Vec::new()
    }

    fn push_inbox(&mut self, at_s: f64, action: &str, payload: serde_json::Value) {
        self.seq += 1;
        if self.inbox.len() >= MAX_INBOX {
            self.inbox.remove(0);
        }
        self.inbox.push(StationMessage {
            seq: self.seq,
            at_s,
            action: action.to_string(),
            payload,
        });
    }

    /// Keeps the open transaction's id (TxProfile needs it, K01.FR.03).
    fn note_transaction(&mut self, action: &str, payload: &serde_json::Value) {
        if action != "TransactionEvent" {
            return;
        }
        let id = payload
            .pointer("/transactionInfo/transactionId")
            .and_then(|v| v.as_str())
            .map(String::from);
        match payload.get("eventType").and_then(|v| v.as_str()) {
            Some("Started") | Some("Updated") => self.transaction_id = id,
            Some("Ended") => self.transaction_id = None,
            _ => {}
        }
    }

    /// A CALL of ours: its id and the frame to send.
    pub fn call(
        &mut self,
        at_s: f64,
        action: &str,
        payload: serde_json::Value,
    ) -> (String, String) {
        // Ids are unique per connection (OCPP-J §4.1.4), at most 36 characters.
        let id = format!("csms-{}", self.next_id);
        self.next_id += 1;
        let frame = Frame::Call {
            message_id: id.clone(),
            action: action.to_string(),
            payload,
        }
        .encode();
        self.pending.insert(id.clone(), action.to_string());
        self.record(at_s, Direction::Tx, &frame, None);
        (id, frame)
    }

    /// Numbers messages on from a previous connection's last, so a plan's
    /// "after message n" survives a reconnection.
    pub fn continue_after(&mut self, seq: u64) {
        self.seq = seq;
    }

    pub fn last_seq(&self) -> u64 {
        self.seq
    }

    /// Forgets a CALL given up on (its late answer is then logged as unexpected).
    pub fn abandon(&mut self, id: &str) {
        self.pending.remove(id);
    }

    pub fn take_outcome(&mut self, id: &str) -> Option<CallOutcome> {
        self.outcomes.remove(id)
    }

    pub fn received_after(&self, after_seq: u64) -> Vec<StationMessage> {
        self.inbox
            .iter()
            .filter(|m| m.seq > after_seq)
            .cloned()
            .collect()
    }

    /// The frames since the last call; frames that found the log full
    /// are counted in one last entry, so the journal says they existed.
    pub fn take_log(&mut self) -> Vec<OcppExchange> {
        let mut log = std::mem::take(&mut self.log);
        if self.dropped_log > 0 {
            log.push(OcppExchange {
                at_s: log.last().map_or(0.0, |e| e.at_s),
                station_id: self.station_id.clone(),
                direction: Direction::Rx,
                frame: String::new(),
                refused: Some(format!(
                    "{} frames not kept: more than {MAX_LOG} between two steps",
                    self.dropped_log
                )),
            });
            self.dropped_log = 0;
        }
        log
    }
}

fn looks_like_call(text: &str) -> bool {
    text.trim_start()
        .strip_prefix('[')
        .is_some_and(|r| r.trim_start().starts_with('2'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-01-01T00:00:00Z";

    fn session() -> Session {
        Session::new(OcppVersion::V201, "CP001", "emulated", 60)
    }

    #[test]
    fn a_boot_is_accepted_and_remembered() {
        let mut s = session();
        let out = s.on_frame(
            1.0,
            r#"[2,"19223201","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"SingleSocketCharger","vendorName":"VendorX"}}]"#,
            NOW,
        );
        assert_eq!(out.len(), 1);
        let reply: serde_json::Value = serde_json::from_str(&out[0]).unwrap();
        assert_eq!(reply[0], 3);
        assert_eq!(reply[1], "19223201");
        assert_eq!(reply[2]["status"], "Accepted");
        assert_eq!(reply[2]["interval"], 60);
        assert_eq!(reply[2]["currentTime"], NOW);
        let boot = s.boot.clone().unwrap();
        assert_eq!(boot.vendor, "VendorX");
        assert_eq!(boot.model, "SingleSocketCharger");
        assert_eq!(boot.serial, None);
        assert_eq!(s.received_after(0).len(), 1);
    }

    #[test]
    fn a_malformed_call_gets_a_call_error_with_its_id() {
        let mut s = session();
        // vendorName longer than its 50-character bound.
        let long = "V".repeat(51);
        let text = format!(
            r#"[2,"7","BootNotification",{{"reason":"PowerUp","chargingStation":{{"model":"M","vendorName":"{long}"}}}}]"#
        );
        let out = s.on_frame(1.0, &text, NOW);
        let reply: serde_json::Value = serde_json::from_str(&out[0]).unwrap();
        assert_eq!(reply[0], 4);
        assert_eq!(reply[1], "7");
        assert!(s.boot.is_none());
        assert!(s.received_after(0).is_empty());
        assert!(s.take_log()[0].refused.is_some());
    }

    #[test]
    fn an_unknown_action_is_not_implemented() {
        let mut s = session();
        let out = s.on_frame(1.0, r#"[2,"9","FlyToTheMoon",{}]"#, NOW);
        let reply: serde_json::Value = serde_json::from_str(&out[0]).unwrap();
        assert_eq!(reply[0], 4);
        assert_eq!(reply[2], "NotImplemented");
    }

    #[test]
    fn our_calls_are_matched_to_their_answers() {
        let mut s = session();
        let (id, frame) = s.call(
            0.0,
            "TriggerMessage",
            serde_json::json!({"requestedMessage":"Heartbeat"}),
        );
        assert!(frame.starts_with(&format!("[2,\"{id}\",\"TriggerMessage\"")));
        assert!(s.take_outcome(&id).is_none());
        s.on_frame(0.1, &format!(r#"[3,"{id}",{{"status":"Accepted"}}]"#), NOW);
        assert_eq!(
            s.take_outcome(&id),
            Some(CallOutcome::Result(
                serde_json::json!({"status":"Accepted"})
            ))
        );
        // A second answer to the same id answers nothing.
        s.on_frame(0.2, &format!(r#"[3,"{id}",{{"status":"Accepted"}}]"#), NOW);
        assert!(s.take_outcome(&id).is_none());
    }

    #[test]
    fn garbage_never_panics_and_is_logged() {
        let mut s = session();
        for text in [
            "",
            "[",
            "[2",
            "[2,\"x\"",
            "{}",
            "[9,\"1\",{}]",
            "\u{0}\u{1}",
            "[2,\"1\",\"Heartbeat\",[]]",
        ] {
            let _ = s.on_frame(0.0, text, NOW);
        }
        assert_eq!(
            s.take_log()
                .iter()
                .filter(|e| e.direction == Direction::Rx)
                .count(),
            8
        );
    }

    #[test]
    fn transactions_are_followed() {
        let mut s = session();
        let started = r#"[2,"1","TransactionEvent",{"eventType":"Started","timestamp":"2026-01-01T00:00:01Z","triggerReason":"CablePluggedIn","seqNo":0,"transactionInfo":{"transactionId":"T-1"}}]"#;
        let out = s.on_frame(1.0, started, NOW);
        assert!(out[0].starts_with("[3,"), "{}", out[0]);
        assert_eq!(s.transaction_id.as_deref(), Some("T-1"));
        let ended = r#"[2,"2","TransactionEvent",{"eventType":"Ended","timestamp":"2026-01-01T00:00:09Z","triggerReason":"EVCommunicationLost","seqNo":1,"transactionInfo":{"transactionId":"T-1"}}]"#;
        s.on_frame(9.0, ended, NOW);
        assert_eq!(s.transaction_id, None);
    }
}
