//! The emulated charger's SECC for DIN SPEC 70121, beside the ISO 15118-20
//! one in [`super::ccs_secc`], on the same plant and with the same policy:
//! the DC contactor closes on `PowerDeliveryReq(ReadyToChargeState=true)`,
//! the DC side is bounded by what the vehicle asks (its `EVTargetCurrent`
//! and maximum current and power) and the station's own rating, and it opens
//! on `PowerDeliveryReq(false)`, `SessionStopReq`, a lost connection or the
//! 1 s silence watchdog ([`super::ccs_secc::VEHICLE_SILENCE_TIMEOUT`]).
//!
//! Every new connection first waits here for its `supportedAppProtocolReq`
//! (the EVCC's first message in DIN 70121 as in ISO 15118). The
//! protocol is chosen from it with the `iso15118` crate's `app_protocol`
//! (the vehicle's priorities among DIN 70121 and ISO 15118-20, which this
//! SECC speaks): DIN stays here, answered by this responder; anything else
//! goes, with the bytes read so far, to the crate's -20 engine.
//!
//! DIN has no bidirectional power transfer: a DIN session never allows a
//! discharge current (`max_discharge_current_a` stays 0).
//!
//! Timing: answers go out on the SECC's next wake (every 50 ms), within
//! DIN's `V2G_SECC_Msg_Performance_Time` (DIN 70121 §9.6.2: 1.5 s, 25 ms
//! for CurrentDemandRes, which an emulated charger on simulated time takes
//! as "next wake"). `V2G_SECC_Sequence_Timeout` (60 s, Table 77) closes a
//! session whose vehicle sends nothing.

use super::ccs_secc::{battery_voltage, DcView, VEHICLE_SILENCE_TIMEOUT};
use crate::exec::clock::SIMULATED_EPOCH_UNIX_S;
use crate::plant::{DcLimits, Plant};
use crate::protocol::din70121::{
    self as din, Body, ChargeService, DcEvseChargeParameter, EvseNotification, EvseProcessing,
    EvseStatus, EvseStatusCode, EvseVoltageRes, IsolationLevel, PMaxEntry, PaymentOption,
    PhysicalValue, ResponseCode, SaScheduleTuple, ServiceCategory, ServiceTag, V2gMessage,
};
use crate::protocol::v2gtp::{FrameSplitter, Limits, Message as Frame, PayloadType};
use crate::transport::v2g::{read_available, Stream};
use iso15118::app_protocol::{SupportedAppProtocolReq, SupportedAppProtocolRes};
use iso15118::exi::ExiDocument;
use iso15118::{Protocol, Protocols};
use std::io::Write;
use std::time::Duration;

/// `V2G_SECC_Sequence_Timeout` (DIN 70121 Table 77).
pub const SEQUENCE_TIMEOUT: Duration = Duration::from_secs(60);
/// The DIN charge service: ServiceID 1, EVCharging.
pub const CHARGE_SERVICE_ID: u16 = 1;
/// The emulated DC stage's voltage range and how fast it ramps in PreCharge.
const EVSE_MAX_VOLTAGE_V: f64 = 500.0;
const EVSE_MIN_VOLTAGE_V: f64 = 150.0;
const PRECHARGE_STEP_V: f64 = 100.0;

/// A connection whose protocol is not chosen yet.
struct Pending {
    stream: Box<dyn Stream>,
    bytes: Vec<u8>,
}

/// What the dispatcher decided for a connection.
pub(super) enum Chosen {
    /// ISO 15118-20 (or nothing this SECC speaks, for the -20 engine to
    /// refuse): the stream and every byte read from it so far.
    Iso20 {
        stream: Box<dyn Stream>,
        bytes: Vec<u8>,
    },
}

/// What the vehicle asked for in ChargeParameterDiscovery and CurrentDemand.
#[derive(Debug, Clone, Copy, Default)]
struct EvAsk {
    target_current_a: f64,
    max_current_a: f64,
    max_power_w: Option<f64>,
}

struct DinConn {
    stream: Box<dyn Stream>,
    rx: FrameSplitter,
    session_id: Option<[u8; 8]>,
    ev: EvAsk,
    contactor: bool,
    in_loop: bool,
    last_loop_at: Duration,
    last_request_at: Duration,
    tripped: bool,
    cable_checks: u32,
    /// The last request answered OK, for the sequence check.
    last: Option<&'static str>,
    precharge_v: f64,
    closing: bool,
}

/// The DIN side of the emulated SECC and its protocol dispatcher.
#[derive(Default)]
pub(super) struct DinSecc {
    pending: Vec<Pending>,
    conn: Option<DinConn>,
    sessions: u64,
}

impl DinSecc {
    /// A new connection: its protocol is chosen from its first message.
    pub fn accept(&mut self, stream: Box<dyn Stream>) {
        self.pending.push(Pending {
            stream,
            bytes: Vec::new(),
        });
    }

    /// Whether a DIN session holds the DC side.
    pub fn active(&self) -> bool {
        self.conn.is_some()
    }

    /// Reads the pending connections; a DIN one becomes this SECC's session
    /// (its handshake answered), the others are handed back.
    pub fn dispatch(&mut self) -> Vec<Chosen> {
        let mut out = Vec::new();
        let mut still = Vec::new();
        for mut p in std::mem::take(&mut self.pending) {
            let (bytes, ended) = read_available(&mut *p.stream);
            p.bytes.extend_from_slice(&bytes);
            let mut split = FrameSplitter::new(Limits::default());
            split.push(&p.bytes);
            match split.next_message() {
                None if ended.is_none() => still.push(p),
                None => {} // closed before saying anything
                Some(Err(_)) => out.push(Chosen::Iso20 {
                    stream: p.stream,
                    bytes: p.bytes,
                }),
                Some(Ok(frame)) => {
                    let offered = SupportedAppProtocolReq::from_bytes(&frame.payload).ok();
                    let ours = Protocols::only(Protocol::Iso20).with(Protocol::Din70121);
                    match offered.and_then(|req| req.negotiate(ours)) {
                        Some(n) if n.protocol == Protocol::Din70121 => {
                            let rest = p.bytes.get(frame.payload.len() + 8..).unwrap_or(&[]);
                            self.open(p.stream, SupportedAppProtocolRes::accept(n), rest);
                        }
                        _ => out.push(Chosen::Iso20 {
                            stream: p.stream,
                            bytes: p.bytes,
                        }),
                    }
                }
            }
        }
        self.pending = still;
        out
    }

    fn open(&mut self, stream: Box<dyn Stream>, res: SupportedAppProtocolRes, rest: &[u8]) {
        self.sessions += 1;
        let mut conn = DinConn {
            stream,
            rx: FrameSplitter::new(Limits::default()),
            session_id: None,
            ev: EvAsk::default(),
            contactor: false,
            in_loop: false,
            last_loop_at: Duration::ZERO,
            last_request_at: Duration::ZERO,
            tripped: false,
            cable_checks: 0,
            last: None,
            precharge_v: 0.0,
            closing: false,
        };
        conn.rx.push(rest);
        match res.to_vec() {
            Ok(exi) => conn.send(&exi),
            Err(_) => conn.closing = true,
        }
        self.conn = Some(conn);
    }

    /// One wake: reads the vehicle's requests, answers each, keeps the
    /// watchdog and the sequence timeout.
    pub fn wake(&mut self, now: Duration, dc: &DcView, rating_w: f64, max_current_a: f64) {
        let sessions = self.sessions;
        let Some(c) = self.conn.as_mut() else {
            return;
        };
        if c.last_request_at == Duration::ZERO {
            c.last_request_at = now;
        }
        let (bytes, ended) = read_available(&mut *c.stream);
        c.rx.push(&bytes);
        while let Some(item) = c.rx.next_message() {
            let Ok(frame) = item else {
                c.closing = true;
                break;
            };
            c.last_request_at = now;
            let answer = match din::decode(&frame.payload) {
                Ok(req) => c.answer(&req, now, dc, rating_w, max_current_a, sessions),
                // An undecodable request ends the session; the vehicle
                // sees the connection close.
                Err(_) => None,
            };
            match answer.and_then(|m| din::encode(&m).ok()) {
                Some(exi) => c.send(&exi),
                None => c.closing = true,
            }
        }
        if c.in_loop && !c.tripped && now.saturating_sub(c.last_loop_at) > VEHICLE_SILENCE_TIMEOUT {
            c.tripped = true;
            c.contactor = false;
        }
        if now.saturating_sub(c.last_request_at) > SEQUENCE_TIMEOUT {
            c.closing = true;
        }
        if ended.is_some() || c.closing {
            self.conn = None;
        }
    }

    /// The DC side's bounds while the DIN session holds it.
    pub fn limits(&self, plant: &Plant, max_current_a: f64) -> (bool, DcLimits) {
        let Some(c) = self.conn.as_ref().filter(|c| c.contactor && !c.tripped) else {
            return (false, DcLimits::NONE);
        };
        let v = battery_voltage(plant);
        let power_a = c.ev.max_power_w.map_or(f64::INFINITY, |w| w / v);
        let charge_a =
            c.ev.target_current_a
                .min(c.ev.max_current_a)
                .min(power_a)
                .min(max_current_a)
                .max(0.0);
        (
            true,
            DcLimits {
                max_charge_current_a: charge_a,
                // DIN 70121 has no bidirectional power transfer.
                max_discharge_current_a: 0.0,
                min_discharge_voltage_v: 0.0,
                min_discharge_soc: 0.0,
                max_charge_soc: 1.0,
            },
        )
    }
}

/// Whether `next` may follow `last` (the last request answered OK) in a
/// DIN DC EIM session: the order of the message set, the looping requests
/// (ContractAuthentication, ChargeParameterDiscovery, CableCheck, PreCharge,
/// CurrentDemand, WeldingDetection) repeated, SessionStop at any point once
/// set up. Anything else is answered FAILED_SequenceError.
fn in_sequence(last: Option<&str>, next: &str) -> bool {
    const ORDER: [&str; 10] = [
        "SessionSetupReq",
        "ServiceDiscoveryReq",
        "ServicePaymentSelectionReq",
        "ContractAuthenticationReq",
        "ChargeParameterDiscoveryReq",
        "CableCheckReq",
        "PreChargeReq",
        "PowerDeliveryReq",
        "CurrentDemandReq",
        "WeldingDetectionReq",
    ];
    const LOOPING: [&str; 6] = [
        "ContractAuthenticationReq",
        "ChargeParameterDiscoveryReq",
        "CableCheckReq",
        "PreChargeReq",
        "CurrentDemandReq",
        "WeldingDetectionReq",
    ];
    let Some(last) = last else {
        return next == "SessionSetupReq";
    };
    if next == "SessionStopReq" || next == "SessionSetupReq" {
        return true;
    }
    if last == next {
        return LOOPING.contains(&next);
    }
    match (last, next) {
        // PowerDelivery(false) ends the loop; welding detection follows it.
        ("CurrentDemandReq", "PowerDeliveryReq") => true,
        ("PowerDeliveryReq", "WeldingDetectionReq") => true,
        _ => {
            let at = |n: &str| ORDER.iter().position(|o| *o == n);
            matches!((at(last), at(next)), (Some(a), Some(b)) if b == a + 1)
        }
    }
}

fn status(isolation: IsolationLevel, code: EvseStatusCode) -> EvseStatus {
    EvseStatus {
        isolation: Some(isolation),
        status_code: code,
        notification_max_delay: 0,
        notification: EvseNotification::None,
    }
}

impl DinConn {
    fn send(&mut self, exi: &[u8]) {
        let frame = Frame::new(PayloadType::Exi, exi.to_vec()).encode();
        match frame {
            Ok(bytes) if self.stream.write_all(&bytes).is_ok() => {
                let _ = self.stream.flush();
            }
            _ => self.closing = true,
        }
    }

    fn evse_status(&self) -> EvseStatus {
        let isolation = if self.cable_checks > 1 {
            IsolationLevel::Valid
        } else {
            IsolationLevel::Invalid
        };
        let code = if self.tripped {
            EvseStatusCode::Shutdown
        } else {
            EvseStatusCode::Ready
        };
        status(isolation, code)
    }

    /// The station's answer to one request.
    fn answer(
        &mut self,
        req: &V2gMessage,
        now: Duration,
        dc: &DcView,
        rating_w: f64,
        max_current_a: f64,
        sessions: u64,
    ) -> Option<V2gMessage> {
        use Body as B;
        let ok = ResponseCode::Ok;
        // Session: set up by the first SessionSetupReq, then every request
        // must carry its id, else FAILED_UnknownSession.
        let known = match (&req.body, self.session_id) {
            (B::SessionSetupReq(_), _) => true,
            (_, Some(id)) => req.header.session_id == id,
            (_, None) => false,
        };
        let failed = if !known {
            Some(ResponseCode::FailedUnknownSession)
        } else if !in_sequence(self.last, req.body.name()) {
            Some(ResponseCode::FailedSequenceError)
        } else if self.tripped && !matches!(req.body, B::SessionStopReq) {
            Some(ResponseCode::Failed)
        } else {
            None
        };
        let code = failed.unwrap_or(ok);
        if failed.is_none() {
            self.last = Some(req.body.name());
        }
        let body = match &req.body {
            B::SessionSetupReq(_) => {
                // Deterministic on the emulated rig, never zero.
                let id = (0x4449_4E37_3031_0000u64 | sessions).to_be_bytes();
                self.session_id = Some(id);
                B::SessionSetupRes(din::SessionSetupRes {
                    response_code: ResponseCode::OkNewSessionEstablished,
                    evse_id: b"V2XEMU".to_vec(),
                    date_time_now: i64::try_from(SIMULATED_EPOCH_UNIX_S + now.as_secs()).ok(),
                })
            }
            B::ServiceDiscoveryReq(_) => B::ServiceDiscoveryRes(din::ServiceDiscoveryRes {
                response_code: code,
                payment_options: vec![PaymentOption::ExternalPayment],
                charge_service: ChargeService {
                    service_tag: ServiceTag {
                        service_id: CHARGE_SERVICE_ID,
                        service_name: None,
                        service_category: ServiceCategory::EvCharging,
                        service_scope: None,
                    },
                    free_service: false,
                    energy_transfer: din::EvseEnergyTransfer::DcExtended,
                },
                service_list: None,
            }),
            B::ServicePaymentSelectionReq(r) => {
                let response_code = if failed.is_some() {
                    code
                } else if r.selected_payment_option != PaymentOption::ExternalPayment {
                    ResponseCode::FailedPaymentSelectionInvalid
                } else if !r
                    .selected_services
                    .iter()
                    .any(|s| s.service_id == CHARGE_SERVICE_ID)
                {
                    ResponseCode::FailedServiceSelectionInvalid
                } else {
                    ok
                };
                B::ServicePaymentSelectionRes { response_code }
            }
            B::ContractAuthenticationReq(_) => B::ContractAuthenticationRes {
                response_code: code,
                evse_processing: EvseProcessing::Finished,
            },
            B::ChargeParameterDiscoveryReq(r) => {
                let p = &r.dc_ev_charge_parameter;
                self.ev.max_current_a = p.ev_maximum_current_limit.to_f64();
                self.ev.max_power_w = p.ev_maximum_power_limit.map(|w| w.to_f64());
                let pmax = rating_w.clamp(0.0, f64::from(i16::MAX)) as i16;
                B::ChargeParameterDiscoveryRes(din::ChargeParameterDiscoveryRes {
                    response_code: code,
                    evse_processing: EvseProcessing::Finished,
                    sa_schedule_list: Some(vec![SaScheduleTuple {
                        sa_schedule_tuple_id: 1,
                        pmax_schedule_id: 1,
                        entries: vec![PMaxEntry {
                            start_s: 0,
                            duration_s: Some(86_400),
                            pmax,
                        }],
                    }]),
                    dc_evse_charge_parameter: DcEvseChargeParameter {
                        evse_status: self.evse_status(),
                        evse_maximum_current_limit: PhysicalValue::amps(max_current_a),
                        evse_maximum_power_limit: Some(PhysicalValue::watts(rating_w)),
                        evse_maximum_voltage_limit: PhysicalValue::volts(EVSE_MAX_VOLTAGE_V),
                        evse_minimum_current_limit: PhysicalValue::amps(0.0),
                        evse_minimum_voltage_limit: PhysicalValue::volts(EVSE_MIN_VOLTAGE_V),
                        evse_current_regulation_tolerance: Some(PhysicalValue::amps(1.0)),
                        evse_peak_current_ripple: PhysicalValue::amps(2.0),
                        evse_energy_to_be_delivered: None,
                    },
                })
            }
            B::CableCheckReq { .. } => {
                // The isolation monitor takes one round (Ongoing), then
                // reports the insulation valid.
                self.cable_checks += 1;
                let done = self.cable_checks > 1;
                let mut s = self.evse_status();
                if !done {
                    s.status_code = EvseStatusCode::IsolationMonitoringActive;
                }
                B::CableCheckRes(din::CableCheckRes {
                    response_code: code,
                    evse_status: s,
                    evse_processing: if done {
                        EvseProcessing::Finished
                    } else {
                        EvseProcessing::Ongoing
                    },
                })
            }
            B::PreChargeReq(r) => {
                // The DC stage ramps towards the vehicle's target.
                let target = r.ev_target_voltage.to_f64().clamp(0.0, EVSE_MAX_VOLTAGE_V);
                let step = (target - self.precharge_v).clamp(-PRECHARGE_STEP_V, PRECHARGE_STEP_V);
                self.precharge_v += step;
                B::PreChargeRes(EvseVoltageRes {
                    response_code: code,
                    evse_status: self.evse_status(),
                    evse_present_voltage: PhysicalValue::volts(self.precharge_v),
                })
            }
            B::PowerDeliveryReq(r) => {
                let start = r.ready_to_charge && failed.is_none();
                self.contactor = start && !self.tripped;
                self.in_loop = start;
                self.last_loop_at = now;
                B::PowerDeliveryRes(din::PowerDeliveryRes {
                    response_code: code,
                    dc_evse_status: self.evse_status(),
                })
            }
            B::CurrentDemandReq(r) => {
                self.last_loop_at = now;
                self.ev.target_current_a = r.ev_target_current.to_f64();
                if let Some(a) = r.ev_maximum_current_limit {
                    self.ev.max_current_a = a.to_f64();
                }
                if let Some(w) = r.ev_maximum_power_limit {
                    self.ev.max_power_w = Some(w.to_f64());
                }
                let (v, i) = if dc.contactor {
                    (dc.voltage_v, dc.current_a)
                } else {
                    (0.0, 0.0)
                };
                B::CurrentDemandRes(din::CurrentDemandRes {
                    response_code: code,
                    evse_status: self.evse_status(),
                    evse_present_voltage: PhysicalValue::volts(v),
                    evse_present_current: PhysicalValue::amps(i),
                    evse_current_limit_achieved: i >= max_current_a - 0.5,
                    evse_voltage_limit_achieved: v >= EVSE_MAX_VOLTAGE_V,
                    evse_power_limit_achieved: v * i >= rating_w,
                    evse_maximum_voltage_limit: Some(PhysicalValue::volts(EVSE_MAX_VOLTAGE_V)),
                    evse_maximum_current_limit: Some(PhysicalValue::amps(max_current_a)),
                    evse_maximum_power_limit: Some(PhysicalValue::watts(rating_w)),
                })
            }
            B::WeldingDetectionReq { .. } => B::WeldingDetectionRes(EvseVoltageRes {
                response_code: code,
                evse_status: self.evse_status(),
                evse_present_voltage: PhysicalValue::volts(if dc.contactor {
                    dc.voltage_v
                } else {
                    0.0
                }),
            }),
            B::SessionStopReq => {
                self.contactor = false;
                self.in_loop = false;
                B::SessionStopRes { response_code: ok }
            }
            // A response from a vehicle: not a request this SECC answers.
            _ => return None,
        };
        let session_id = self.session_id.map_or(vec![0; 8], |id| id.to_vec());
        Some(V2gMessage {
            header: din::Header::new(&session_id),
            body,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::in_sequence;

    #[test]
    fn requests_follow_the_din_order() {
        assert!(in_sequence(None, "SessionSetupReq"));
        assert!(!in_sequence(None, "ServiceDiscoveryReq"));
        assert!(in_sequence(Some("SessionSetupReq"), "ServiceDiscoveryReq"));
        assert!(!in_sequence(Some("SessionSetupReq"), "CableCheckReq"));
        assert!(in_sequence(Some("CableCheckReq"), "CableCheckReq"));
        assert!(!in_sequence(
            Some("ServiceDiscoveryReq"),
            "ServiceDiscoveryReq"
        ));
        assert!(in_sequence(Some("PreChargeReq"), "PowerDeliveryReq"));
        assert!(in_sequence(Some("PowerDeliveryReq"), "CurrentDemandReq"));
        assert!(in_sequence(Some("CurrentDemandReq"), "PowerDeliveryReq"));
        assert!(in_sequence(Some("PowerDeliveryReq"), "WeldingDetectionReq"));
        assert!(in_sequence(
            Some("ContractAuthenticationReq"),
            "SessionStopReq"
        ));
        assert!(!in_sequence(
            Some("ContractAuthenticationReq"),
            "CurrentDemandReq"
        ));
    }
}
