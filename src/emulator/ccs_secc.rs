//! The emulated charger's CCS side: an ISO 15118-20 SECC (the `iso15118`
//! crate's sans-I/O engine) over the emulated V2GTP link, woken every 50 ms
//! as a plant agent. It answers with the plant's DC values (present voltage
//! and current of the EV battery behind the DC contactor), closes the
//! contactor on `PowerDeliveryReq(Start)`, bounds the DC side by the
//! vehicle's BPT limits (maximum charge/discharge current and power) as a
//! real charger's firmware would, and opens on `PowerDeliveryReq(Stop)`,
//! `SessionStopReq` or a lost connection. The AC side stays governed by the
//! SunSpec setpoint, as with CHAdeMO.
//!
//! A vehicle that stops sending `DC_ChargeLoopReq` for more than
//! [`VEHICLE_SILENCE_TIMEOUT`] has its energy transfer stopped, and its next
//! request is answered `FAILED`. That 1 s watchdog is this emulated
//! charger's policy (mirroring CHAdeMO's), not an ISO 15118-20 timer: the
//! standard's own `V2G_SECC_Sequence_Timeout` is 60 s.
//!
//! Each connection's protocol is chosen from its `supportedAppProtocolReq`
//! first ([`super::ccs_secc_din`]): a DIN SPEC 70121 vehicle is answered by
//! the DIN responder there, on the same plant, limits and watchdog.

use crate::exec::clock::SIMULATED_EPOCH_UNIX_S;
use crate::plant::{Agent, DcLimits, Plant};
use crate::protocol::iso15118::{header, rational, to_f64, DC_BPT_SERVICE};
use crate::transport::v2g::{read_available, EmulatedV2gNet, Stream};
use iso15118::iso20::common::{Processing, ResponseCode};
use iso15118::iso20::{dc, messages as cm};
use iso15118::message::Message;
use iso15118::secc::{Event, Secc, SeccConfig};
use iso15118::session::{Instant, SessionId};
use iso15118::{Protocol, Protocols};
use std::io::Write;
use std::time::Duration;

const CYCLE: Duration = Duration::from_millis(50);
/// Offset from the vehicle's cadence, so the two do not wake together.
const PHASE: Duration = Duration::from_millis(25);
pub const VEHICLE_SILENCE_TIMEOUT: Duration = Duration::from_secs(1);

/// What the vehicle said it can take and give (BPT charge parameters and
/// charge loop).
#[derive(Debug, Clone, Copy, Default)]
struct EvBpt {
    max_charge_current_a: f64,
    max_charge_power_w: f64,
    max_discharge_current_a: f64,
    max_discharge_power_w: f64,
    min_voltage_v: f64,
}

struct Conn {
    stream: Box<dyn Stream>,
    secc: Secc,
    ev: EvBpt,
    contactor: bool,
    in_loop: bool,
    last_loop_at: Duration,
    tripped: bool,
    closed: bool,
}

pub struct CcsSeccAgent {
    net: EmulatedV2gNet,
    conn: Option<Conn>,
    /// Chooses each connection's protocol; the DIN 70121 side.
    din: super::ccs_secc_din::DinSecc,
    sessions: u64,
    /// The DC stage's current and power capability.
    max_current_a: f64,
    rating_w: f64,
    next: Duration,
}

impl CcsSeccAgent {
    /// An SECC for an inverter of `rating_w` whose DC stage covers the
    /// rating at `floor_v` (the vehicle's lowest discharge voltage).
    pub fn new(net: EmulatedV2gNet, rating_w: f64, floor_v: f64) -> Self {
        CcsSeccAgent {
            net,
            conn: None,
            din: Default::default(),
            sessions: 0,
            max_current_a: (rating_w / floor_v.max(100.0)).ceil().max(1.0),
            rating_w,
            next: PHASE,
        }
    }

    fn accept(&mut self, stream: Box<dyn Stream>, now: Instant) {
        self.sessions += 1;
        // Deterministic on the emulated rig, and never zero [V2G2-750].
        let id = 0x5632_4848_494c_0000u64 | self.sessions;
        let mut secc = Secc::new(SeccConfig {
            protocols: Protocols::only(Protocol::Iso20),
            session_id: SessionId::new(id.to_be_bytes()),
            ..SeccConfig::default()
        });
        secc.opened(now);
        self.conn = Some(Conn {
            stream,
            secc,
            ev: EvBpt::default(),
            contactor: false,
            in_loop: false,
            last_loop_at: Duration::ZERO,
            tripped: false,
            closed: false,
        });
    }

    fn limits(&self, plant: &Plant) -> (bool, DcLimits) {
        let Some(c) = self.conn.as_ref().filter(|c| c.contactor && !c.tripped) else {
            return (false, DcLimits::NONE);
        };
        let v = battery_voltage(plant);
        let cap = |a: f64, w: f64| a.min(w / v).min(self.max_current_a).max(0.0);
        (
            true,
            DcLimits {
                max_charge_current_a: cap(c.ev.max_charge_current_a, c.ev.max_charge_power_w),
                max_discharge_current_a: cap(
                    c.ev.max_discharge_current_a,
                    c.ev.max_discharge_power_w,
                ),
                min_discharge_voltage_v: c.ev.min_voltage_v,
                // The vehicle governs its SoC window through its requests.
                min_discharge_soc: 0.0,
                max_charge_soc: 1.0,
            },
        )
    }
}

impl Agent for CcsSeccAgent {
    fn next_wake(&self) -> Duration {
        self.next
    }

    fn wake(&mut self, plant: &mut Plant) {
        let now = plant.now();
        let at = Instant::from_millis(now.as_millis() as u64);
        self.next += CYCLE;
        while let Some(stream) = self.net.accept() {
            self.din.accept(stream);
        }
        // The protocol comes from each connection's supportedAppProtocolReq:
        // DIN 70121 stays with `self.din`, the rest goes to the -20 engine.
        for super::ccs_secc_din::Chosen::Iso20 { stream, bytes } in self.din.dispatch() {
            self.accept(stream, at);
            if let Some(c) = self.conn.as_mut() {
                c.closed |= c.secc.handle_input(at, &bytes).is_err();
            }
        }
        let view = DcView::of(plant);
        let (rating_w, max_current_a) = (self.rating_w, self.max_current_a);
        if let Some(c) = self.conn.as_mut() {
            let (bytes, ended) = read_available(&mut *c.stream);
            let gone = ended.is_some();
            if !bytes.is_empty() && c.secc.handle_input(at, &bytes).is_err() {
                c.closed = true;
            }
            if c.secc.poll_timeout().is_some_and(|t| t <= at) {
                c.secc.handle_timeout(at);
            }
            if c.in_loop
                && !c.tripped
                && now.saturating_sub(c.last_loop_at) > VEHICLE_SILENCE_TIMEOUT
            {
                c.tripped = true;
                c.contactor = false;
            }
            while let Some(event) = c.secc.poll_event() {
                let answer = match event {
                    Event::Request(req) => {
                        Some(answer(c, &req, now, &view, rating_w, max_current_a))
                    }
                    Event::Refused {
                        message,
                        response_code,
                        ..
                    }
                    | Event::Overdue {
                        message,
                        response_code,
                        ..
                    } => message.refusal(response_code),
                    Event::Closed(_) => {
                        c.closed = true;
                        None
                    }
                    _ => None,
                };
                if let Some(res) = answer {
                    if c.secc.respond(at, res).is_err() {
                        c.closed = true;
                    }
                }
            }
            let out = c.secc.take_transmit();
            if !out.is_empty() && c.stream.write_all(&out).is_err() {
                c.closed = true;
            }
            if gone || c.closed || c.secc.is_closed() {
                self.conn = None;
            }
        }
        self.din.wake(now, &view, rating_w, max_current_a);
        let (closed, limits) = if self.din.active() {
            self.din.limits(plant, max_current_a)
        } else {
            self.limits(plant)
        };
        plant.set_dc_limits(limits);
        plant.set_dc_contactor(closed);
    }
}

/// The EV battery's terminal voltage, at least 1 V (a power bound divides
/// by it).
pub(super) fn battery_voltage(plant: &Plant) -> f64 {
    plant
        .ev_battery()
        .map_or(0.0, |b| b.terminal_voltage_v)
        .max(1.0)
}

/// The plant's DC side as the charger measures it.
pub(super) struct DcView {
    /// At the EV battery's terminals.
    pub(super) voltage_v: f64,
    /// Into the vehicle positive (charging), out of it negative.
    pub(super) current_a: f64,
    pub(super) contactor: bool,
}

impl DcView {
    fn of(plant: &Plant) -> Self {
        let b = plant.ev_battery();
        DcView {
            voltage_v: b.map_or(0.0, |b| b.terminal_voltage_v),
            current_a: b.map_or(0.0, |b| -b.current_a),
            contactor: plant.dc_contactor(),
        }
    }
}

fn unix_s(now: Duration) -> u64 {
    SIMULATED_EPOCH_UNIX_S + now.as_secs()
}

/// The station's answer: the only part that is policy rather than protocol.
fn answer(
    c: &mut Conn,
    req: &Message,
    now: Duration,
    dc_side: &DcView,
    rating_w: f64,
    max_current_a: f64,
) -> Message {
    let h = || header(unix_s(now));
    match req {
        Message::Iso20(doc) => {
            use cm::Document as D;
            let body = match &**doc {
                D::SessionSetupReq(_) => D::SessionSetupRes(cm::SessionSetupRes {
                    header: h(),
                    response_code: ResponseCode::OKNewSessionEstablished,
                    evse_id: "US*V2X*E0001".into(),
                }),
                D::AuthorizationSetupReq(_) => {
                    D::AuthorizationSetupRes(cm::AuthorizationSetupRes {
                        header: h(),
                        response_code: ResponseCode::OK,
                        authorization_services: vec![cm::Authorization::EIM],
                        certificate_installation_service: false,
                        choice: cm::AuthorizationSetupResChoice::EIMASResAuthorizationMode(
                            cm::EIMASResAuthorizationMode,
                        ),
                    })
                }
                D::AuthorizationReq(_) => D::AuthorizationRes(cm::AuthorizationRes {
                    header: h(),
                    response_code: ResponseCode::OK,
                    evse_processing: Processing::Finished,
                }),
                D::ServiceDiscoveryReq(_) => D::ServiceDiscoveryRes(cm::ServiceDiscoveryRes {
                    header: h(),
                    response_code: ResponseCode::OK,
                    service_renegotiation_supported: false,
                    energy_transfer_service_list: cm::ServiceList {
                        service: vec![cm::Service {
                            service_id: DC_BPT_SERVICE,
                            free_service: true,
                        }],
                    },
                    vas_list: None,
                }),
                D::ServiceSelectionReq(r) => D::ServiceSelectionRes(cm::ServiceSelectionRes {
                    header: h(),
                    response_code: if r.selected_energy_transfer_service.service_id
                        == DC_BPT_SERVICE
                    {
                        ResponseCode::OK
                    } else {
                        ResponseCode::FAILEDServiceSelectionInvalid
                    },
                }),
                D::ScheduleExchangeReq(_) => D::ScheduleExchangeRes(cm::ScheduleExchangeRes {
                    header: h(),
                    response_code: ResponseCode::OK,
                    evse_processing: Processing::Finished,
                    go_to_pause: None,
                    choice: cm::ScheduleExchangeResChoice::DynamicSEResControlMode(
                        cm::DynamicSEResControlMode {
                            departure_time: None,
                            minimum_soc: None,
                            target_soc: None,
                            choice: None,
                        },
                    ),
                }),
                D::PowerDeliveryReq(r) => {
                    let start = matches!(r.charge_progress, cm::ChargeProgress::Start);
                    c.contactor = start && !c.tripped;
                    c.in_loop = start;
                    c.last_loop_at = now;
                    D::PowerDeliveryRes(cm::PowerDeliveryRes {
                        header: h(),
                        response_code: ResponseCode::OK,
                        evse_status: None,
                    })
                }
                D::SessionStopReq(_) => {
                    c.contactor = false;
                    c.in_loop = false;
                    D::SessionStopRes(cm::SessionStopRes {
                        header: h(),
                        response_code: ResponseCode::OK,
                    })
                }
                _ => {
                    return req
                        .refusal(ResponseCode::FAILED as u8)
                        .unwrap_or_else(|| req.clone())
                }
            };
            Message::Iso20(Box::new(body))
        }
        Message::Iso20Dc(doc) => {
            use dc::Document as D;
            let r = rational;
            let body = match &**doc {
                D::DCChargeParameterDiscoveryReq(q) => {
                    if let dc::DCChargeParameterDiscoveryReqChoice::BPTDCCPDReqEnergyTransferMode(
                        m,
                    ) = &q.choice
                    {
                        c.ev = EvBpt {
                            max_charge_current_a: to_f64(&m.ev_maximum_charge_current),
                            max_charge_power_w: to_f64(&m.ev_maximum_charge_power),
                            max_discharge_current_a: to_f64(&m.ev_maximum_discharge_current),
                            max_discharge_power_w: to_f64(&m.ev_maximum_discharge_power),
                            min_voltage_v: to_f64(&m.ev_minimum_voltage),
                        };
                    }
                    D::DCChargeParameterDiscoveryRes(dc::DCChargeParameterDiscoveryRes {
                        header: h(),
                        response_code: ResponseCode::OK,
                        choice:
                            dc::DCChargeParameterDiscoveryResChoice::BPTDCCPDResEnergyTransferMode(
                                dc::BPTDCCPDResEnergyTransferMode {
                                    evse_maximum_charge_power: r(rating_w),
                                    evse_minimum_charge_power: r(0.0),
                                    evse_maximum_charge_current: r(max_current_a),
                                    evse_minimum_charge_current: r(0.0),
                                    evse_maximum_voltage: r(500.0),
                                    evse_minimum_voltage: r(150.0),
                                    evse_power_ramp_limitation: None,
                                    evse_maximum_discharge_power: r(rating_w),
                                    evse_minimum_discharge_power: r(0.0),
                                    evse_maximum_discharge_current: r(max_current_a),
                                    evse_minimum_discharge_current: r(0.0),
                                },
                            ),
                    })
                }
                D::DCCableCheckReq(_) => D::DCCableCheckRes(dc::DCCableCheckRes {
                    header: h(),
                    response_code: ResponseCode::OK,
                    evse_processing: Processing::Finished,
                }),
                D::DCPreChargeReq(_) => D::DCPreChargeRes(dc::DCPreChargeRes {
                    header: h(),
                    response_code: ResponseCode::OK,
                    // The DC stage has matched the battery it will connect to.
                    evse_present_voltage: r(dc_side.voltage_v),
                }),
                D::DCChargeLoopReq(q) => {
                    c.last_loop_at = now;
                    if let dc::DCChargeLoopReqChoice::BPTDynamicDCCLReqControlMode(m) = &q.choice {
                        c.ev = EvBpt {
                            max_charge_current_a: to_f64(&m.ev_maximum_charge_current),
                            max_charge_power_w: to_f64(&m.ev_maximum_charge_power),
                            max_discharge_current_a: to_f64(&m.ev_maximum_discharge_current),
                            max_discharge_power_w: to_f64(&m.ev_maximum_discharge_power),
                            min_voltage_v: to_f64(&m.ev_minimum_voltage),
                        };
                    }
                    let (v, i) = if dc_side.contactor {
                        (dc_side.voltage_v, dc_side.current_a)
                    } else {
                        (0.0, 0.0)
                    };
                    D::DCChargeLoopRes(dc::DCChargeLoopRes {
                        header: h(),
                        response_code: if c.tripped {
                            ResponseCode::FAILED
                        } else {
                            ResponseCode::OK
                        },
                        evse_status: None,
                        meter_info: None,
                        receipt: None,
                        evse_present_current: r(i),
                        evse_present_voltage: r(v),
                        evse_power_limit_achieved: false,
                        evse_current_limit_achieved: false,
                        evse_voltage_limit_achieved: false,
                        choice: dc::DCChargeLoopResChoice::BPTDynamicDCCLResControlMode(
                            dc::BPTDynamicDCCLResControlMode {
                                departure_time: None,
                                minimum_soc: None,
                                target_soc: None,
                                ack_max_delay: None,
                                evse_maximum_charge_power: r(rating_w),
                                evse_minimum_charge_power: r(0.0),
                                evse_maximum_charge_current: r(max_current_a),
                                evse_maximum_voltage: r(500.0),
                                evse_maximum_discharge_power: r(rating_w),
                                evse_minimum_discharge_power: r(0.0),
                                evse_maximum_discharge_current: r(max_current_a),
                                evse_minimum_voltage: r(150.0),
                            },
                        ),
                    })
                }
                D::DCWeldingDetectionReq(_) => {
                    D::DCWeldingDetectionRes(dc::DCWeldingDetectionRes {
                        header: h(),
                        response_code: ResponseCode::OK,
                        evse_present_voltage: r(0.0),
                    })
                }
                _ => {
                    return req
                        .refusal(ResponseCode::FAILED as u8)
                        .unwrap_or_else(|| req.clone())
                }
            };
            Message::Iso20Dc(Box::new(body))
        }
        other => other
            .refusal(ResponseCode::FAILED as u8)
            .unwrap_or_else(|| other.clone()),
    }
}
