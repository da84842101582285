//! The CCS EV simulator speaking DIN SPEC 70121 (`protocol: din70121`): a
//! DC charge, EIM (external payment), charge only. The flow (DIN 70121's
//! DC EIM message sequence):
//!
//! SDP (no TLS, TCP) → supportedAppProtocol offering only DIN →
//! SessionSetup → ServiceDiscovery → ServicePaymentSelection
//! (ExternalPayment, service 1) → ContractAuthentication (repeated until
//! EVSEProcessing = Finished) → *ready: waits for `start_charge`* →
//! ChargeParameterDiscovery (until Finished) → CableCheck (until Finished)
//! → PreCharge (until the EVSE's present voltage is within
//! [`PRECHARGE_TOLERANCE_V`] of the target) → PowerDelivery(ReadyToCharge)
//! → CurrentDemand every 100 ms → PowerDelivery(false) → WeldingDetection →
//! SessionStop.
//!
//! [`DinFlow`] is that sequence without I/O: it says which request comes
//! next, takes each response, and keeps DIN's timers. [`CcsEvDin`] is the
//! driver around it: the rig's link, V2GTP framing, the clock's cadence and
//! the evidence, as [`super::ccs_ev::CcsEv`] is for ISO 15118-20.
//!
//! DIN 70121 has no bidirectional power transfer: `start_discharge` is
//! refused, with that reason, before anything is sent.
//!
//! The vehicle has no sensors in the harness: its SoC is counted from the
//! EVSE's reported present voltage and current, as the -20 vehicle's is, and
//! its pack voltage (the PreCharge target) is estimated from the SoC,
//! linearly between its lowest discharge voltage and its top voltage.

use super::ccs_ev::{
    await_discovery, push_record, soc_after, write_some, FrameAt, V2gRecord, CYCLE,
};
use super::{DeviceError, EvCommand, EvLimitsUpdate, EvMessage, EvReading, EvSimulator, Identity};
use crate::exec::clock::{Clock, Periodic};
use crate::model::VehicleSpec;
use crate::protocol::din70121::{
    self as din, Body, DcEvChargeParameter, DcEvPowerDeliveryParameter, EvEnergyTransfer,
    EvErrorCode, EvStatus, EvseNotification, EvseProcessing, EvseStatusCode, PaymentOption,
    PhysicalValue, SelectedService, V2gMessage,
};
use crate::protocol::v2gtp::sdp::{SdpRequest, Security, Transport};
use crate::protocol::v2gtp::{FrameSplitter, Limits, Message as Frame, PayloadType};
use crate::transport::v2g::link::{LinkPoll, V2gLink};
use crate::transport::v2g::{read_available, Stream};
use iso15118::app_protocol::{SupportedAppProtocolReq, SupportedAppProtocolRes};
use iso15118::exi::ExiDocument;
use iso15118::{Protocol, Protocols};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// DIN SPEC 70121:2014 §9.6 timers, as the EVCC keeps them.
pub mod timers {
    use std::time::Duration;
    /// `V2G_EVCC_Msg_Timeout` (Table 75): every request but CurrentDemand.
    pub const MSG: Duration = Duration::from_secs(2);
    /// `V2G_EVCC_Msg_Timeout` for CurrentDemandReq (Table 75).
    pub const CURRENT_DEMAND: Duration = Duration::from_millis(250);
    /// `V2G_EVCC_CableCheck_Timeout` (Table 77), from the first CableCheckReq.
    pub const CABLE_CHECK: Duration = Duration::from_secs(40);
    /// `V2G_EVCC_PreCharge_Timeout` (Table 77), from the first PreChargeReq.
    pub const PRE_CHARGE: Duration = Duration::from_secs(7);
    /// `V2G_EVCC_CommunicationSetup_Timeout` (Table 77): from the
    /// supportedAppProtocolReq to SessionSetupRes.
    pub const COMMUNICATION_SETUP: Duration = Duration::from_secs(20);
}

/// PreCharge is done when the EVSE's output is this close to the target.
pub const PRECHARGE_TOLERANCE_V: f64 = 20.0;
/// The DIN charge service: ServiceID 1, the only one DIN defines.
const CHARGE_SERVICE_ID: u16 = 1;

/// Where the DIN vehicle is: the next request to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Unplugged,
    Discovering,
    Handshake,
    SessionSetup,
    ServiceDiscovery,
    ServicePaymentSelection,
    ContractAuthentication,
    /// Authorised; waiting for `start_charge`.
    Ready,
    ChargeParameterDiscovery,
    CableCheck,
    PreCharge,
    PowerDeliveryStart,
    CurrentDemand,
    PowerDeliveryStop,
    WeldingDetection,
    SessionStop,
    Ended,
}

/// What the vehicle is and wants now (the flow's inputs besides time).
#[derive(Debug, Clone, Copy)]
pub struct Car {
    pub vehicle: VehicleSpec,
    pub soc: f64,
    /// `Some(amps)` once the plan asked for a charge.
    pub charge_current_a: Option<f64>,
    pub stop_requested: bool,
}

impl Car {
    fn soc_pct(&self) -> u8 {
        (self.soc * 100.0).floor().clamp(0.0, 100.0) as u8
    }

    fn status(&self) -> EvStatus {
        EvStatus {
            ready: true,
            cabin_conditioning: None,
            ress_conditioning: None,
            error_code: EvErrorCode::NoError,
            ress_soc_pct: self.soc_pct(),
        }
    }

    /// The pack voltage as the BMS would give it (see the module doc).
    pub fn pack_voltage_v(&self) -> f64 {
        let v = &self.vehicle;
        v.min_discharge_voltage_v + self.soc * (v.max_battery_voltage_v - v.min_discharge_voltage_v)
    }

    /// What to ask in CurrentDemand: the plan's current within the
    /// vehicle's limit, nothing when full.
    fn target_current_a(&self) -> f64 {
        if self.soc >= 1.0 {
            return 0.0;
        }
        let max = self.vehicle.max_charge_current_a;
        self.charge_current_a.unwrap_or(max).min(max).max(0.0)
    }
}

/// What a response did to the session.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Continue,
    /// The EVSE present values it reported (volts, amps into the vehicle).
    Measured {
        voltage_v: f64,
        current_a: Option<f64>,
    },
    /// The charger refused or stopped: the reason. The flow goes on to
    /// close the session where it still can.
    ChargerStopped(String),
    /// SessionStopRes: the connection can close.
    Ended,
}

/// The DIN vehicle's sequence and timers, without I/O.
#[derive(Debug, Clone)]
pub struct DinFlow {
    pub stage: Stage,
    session_id: Vec<u8>,
    /// The request sent and not yet answered: its name, when, its timeout.
    awaiting: Option<(&'static str, Duration, Duration)>,
    setup_since: Duration,
    cable_check_since: Option<Duration>,
    precharge_since: Option<Duration>,
    precharge_target_v: f64,
    next_demand_at: Duration,
}

impl DinFlow {
    /// A flow whose handshake was sent at `now`.
    pub fn new(now: Duration) -> Self {
        DinFlow {
            stage: Stage::Handshake,
            session_id: vec![0; 8],
            awaiting: None,
            setup_since: now,
            cable_check_since: None,
            precharge_since: None,
            precharge_target_v: 0.0,
            next_demand_at: Duration::ZERO,
        }
    }

    /// The supportedAppProtocolReq offering DIN 70121 only (its EXI).
    pub fn handshake() -> Result<Vec<u8>, String> {
        SupportedAppProtocolReq::advertising(Protocols::only(Protocol::Din70121))
            .to_vec()
            .map_err(|e| format!("supportedAppProtocolReq: {e}"))
    }

    /// The charger's supportedAppProtocolRes.
    pub fn on_handshake(&mut self, exi: &[u8]) -> Result<(), String> {
        let res = SupportedAppProtocolRes::from_bytes(exi)
            .map_err(|e| format!("supportedAppProtocolRes: {e}"))?;
        if !res.response_code.is_ok() {
            return Err(
                "the charger does not speak DIN 70121 (supportedAppProtocolRes: \
                        Failed_NoNegotiation)"
                    .into(),
            );
        }
        self.stage = Stage::SessionSetup;
        Ok(())
    }

    /// A request is out and its answer not in.
    pub fn awaiting(&self) -> bool {
        self.awaiting.is_some()
    }

    /// Why the session must end now, if a DIN timer ran out.
    pub fn overdue(&self, now: Duration) -> Option<String> {
        if let Some((name, sent, limit)) = self.awaiting {
            if now.saturating_sub(sent) > limit {
                return Some(format!(
                    "no answer to {name} within {} ms (DIN 70121 Table 75, V2G_EVCC_Msg_Timeout)",
                    limit.as_millis()
                ));
            }
        }
        let over = |since: Option<Duration>, limit: Duration| {
            since.is_some_and(|t| now.saturating_sub(t) > limit)
        };
        let setup = matches!(self.stage, Stage::Handshake | Stage::SessionSetup);
        if setup && now.saturating_sub(self.setup_since) > timers::COMMUNICATION_SETUP {
            return Some(
                "no session within 20 s (DIN 70121 Table 77, V2G_EVCC_CommunicationSetup_Timeout)"
                    .into(),
            );
        }
        if self.stage == Stage::CableCheck && over(self.cable_check_since, timers::CABLE_CHECK) {
            return Some(
                "CableCheck took over 40 s (DIN 70121 Table 77, V2G_EVCC_CableCheck_Timeout)"
                    .into(),
            );
        }
        if self.stage == Stage::PreCharge && over(self.precharge_since, timers::PRE_CHARGE) {
            return Some(format!(
                "PreCharge did not reach {:.0} V within 7 s (DIN 70121 Table 77, V2G_EVCC_PreCharge_Timeout)",
                self.precharge_target_v
            ));
        }
        None
    }

    /// The next request, if one is due now (none while one is awaited).
    pub fn next_request(&mut self, now: Duration, car: &Car) -> Option<V2gMessage> {
        use Stage as S;
        if self.awaiting.is_some() {
            return None;
        }
        if car.stop_requested {
            match self.stage {
                S::CurrentDemand | S::PowerDeliveryStart => self.stage = S::PowerDeliveryStop,
                S::Ready | S::ChargeParameterDiscovery | S::CableCheck | S::PreCharge => {
                    self.stage = S::SessionStop
                }
                _ => {}
            }
        }
        if self.stage == S::Ready && car.charge_current_a.is_some() {
            self.stage = S::ChargeParameterDiscovery;
        }
        let v = car.vehicle;
        let body = match self.stage {
            S::SessionSetup => Body::SessionSetupReq(din::SessionSetupReq {
                // A locally administered MAC for the simulated vehicle.
                evcc_id: vec![0x02, 0x56, 0x32, 0x58, 0x00, 0x01],
            }),
            S::ServiceDiscovery => Body::ServiceDiscoveryReq(din::ServiceDiscoveryReq {
                service_scope: None,
                service_category: Some(din::ServiceCategory::EvCharging),
            }),
            S::ServicePaymentSelection => {
                Body::ServicePaymentSelectionReq(din::ServicePaymentSelectionReq {
                    selected_payment_option: PaymentOption::ExternalPayment,
                    selected_services: vec![SelectedService {
                        service_id: CHARGE_SERVICE_ID,
                        parameter_set_id: None,
                    }],
                })
            }
            S::ContractAuthentication => {
                Body::ContractAuthenticationReq(din::ContractAuthenticationReq::default())
            }
            S::ChargeParameterDiscovery => {
                let capacity_wh = v.capacity_kwh * 1000.0;
                Body::ChargeParameterDiscoveryReq(din::ChargeParameterDiscoveryReq {
                    requested_energy_transfer: EvEnergyTransfer::DcExtended,
                    dc_ev_charge_parameter: DcEvChargeParameter {
                        ev_status: car.status(),
                        ev_maximum_current_limit: PhysicalValue::amps(v.max_charge_current_a),
                        ev_maximum_power_limit: None,
                        ev_maximum_voltage_limit: PhysicalValue::volts(v.max_battery_voltage_v),
                        ev_energy_capacity: Some(PhysicalValue::watt_hours(capacity_wh)),
                        ev_energy_request: Some(PhysicalValue::watt_hours(
                            (1.0 - car.soc).max(0.0) * capacity_wh,
                        )),
                        full_soc_pct: Some(100),
                        bulk_soc_pct: Some(80),
                    },
                })
            }
            S::CableCheck => {
                self.cable_check_since.get_or_insert(now);
                Body::CableCheckReq {
                    ev_status: car.status(),
                }
            }
            S::PreCharge => {
                self.precharge_since.get_or_insert(now);
                self.precharge_target_v = car.pack_voltage_v();
                Body::PreChargeReq(din::PreChargeReq {
                    ev_status: car.status(),
                    ev_target_voltage: PhysicalValue::volts(self.precharge_target_v),
                    // A small precharge current: the EVSE only charges the link up.
                    ev_target_current: PhysicalValue::amps(2.0),
                })
            }
            S::PowerDeliveryStart | S::PowerDeliveryStop => {
                Body::PowerDeliveryReq(din::PowerDeliveryReq {
                    ready_to_charge: self.stage == S::PowerDeliveryStart,
                    dc_ev_power_delivery_parameter: Some(DcEvPowerDeliveryParameter {
                        ev_status: car.status(),
                        bulk_charging_complete: None,
                        charging_complete: car.soc >= 1.0,
                    }),
                })
            }
            S::CurrentDemand => {
                if now < self.next_demand_at {
                    return None;
                }
                self.next_demand_at = now + CYCLE;
                Body::CurrentDemandReq(din::CurrentDemandReq {
                    ev_status: car.status(),
                    ev_target_current: PhysicalValue::amps(car.target_current_a()),
                    ev_maximum_voltage_limit: Some(PhysicalValue::volts(v.max_battery_voltage_v)),
                    ev_maximum_current_limit: Some(PhysicalValue::amps(v.max_charge_current_a)),
                    ev_maximum_power_limit: None,
                    bulk_charging_complete: None,
                    charging_complete: car.soc >= 1.0,
                    remaining_time_to_full_soc: None,
                    remaining_time_to_bulk_soc: None,
                    ev_target_voltage: PhysicalValue::volts(v.max_battery_voltage_v),
                })
            }
            S::WeldingDetection => Body::WeldingDetectionReq {
                ev_status: car.status(),
            },
            S::SessionStop => Body::SessionStopReq,
            S::Unplugged | S::Discovering | S::Handshake | S::Ready | S::Ended => return None,
        };
        let limit = if self.stage == S::CurrentDemand {
            timers::CURRENT_DEMAND
        } else {
            timers::MSG
        };
        self.awaiting = Some((body.name(), now, limit));
        Some(V2gMessage {
            header: din::Header::new(&self.session_id),
            body,
        })
    }

    /// The charger's answer to the request awaited.
    pub fn on_response(&mut self, m: &V2gMessage) -> Result<Outcome, String> {
        use Stage as S;
        let Some((asked, _, _)) = self.awaiting.take() else {
            return Err(format!("{} without a request", m.body.name()));
        };
        let expected = asked.replace("Req", "Res");
        if m.body.name() != expected {
            return Err(format!("{} in answer to {asked}", m.body.name()));
        }
        if let Some(code) = m.body.response_code().filter(|c| !c.is_ok()) {
            let reason = format!("{expected}: {code:?}");
            if matches!(self.stage, S::SessionStop) {
                self.stage = S::Ended;
                return Ok(Outcome::Ended);
            }
            self.stage = match self.stage {
                S::CurrentDemand | S::PowerDeliveryStart => S::PowerDeliveryStop,
                S::PowerDeliveryStop | S::WeldingDetection => S::SessionStop,
                _ => S::SessionStop,
            };
            return Ok(Outcome::ChargerStopped(reason));
        }
        let finished = |p: EvseProcessing| p == EvseProcessing::Finished;
        let mut outcome = Outcome::Continue;
        match &m.body {
            Body::SessionSetupRes(_) => {
                self.session_id = m.header.session_id.clone();
                self.stage = S::ServiceDiscovery;
            }
            Body::ServiceDiscoveryRes(r) => {
                let ok = r.payment_options.contains(&PaymentOption::ExternalPayment)
                    && r.charge_service.service_tag.service_id == CHARGE_SERVICE_ID;
                if !ok {
                    self.stage = S::SessionStop;
                    return Ok(Outcome::ChargerStopped(
                        "the charger offers no DC charge service with external payment".into(),
                    ));
                }
                self.stage = S::ServicePaymentSelection;
            }
            Body::ServicePaymentSelectionRes { .. } => self.stage = S::ContractAuthentication,
            Body::ContractAuthenticationRes {
                evse_processing, ..
            } if finished(*evse_processing) => self.stage = S::Ready,
            Body::ChargeParameterDiscoveryRes(r) if finished(r.evse_processing) => {
                self.stage = S::CableCheck;
            }
            Body::CableCheckRes(r) if finished(r.evse_processing) => self.stage = S::PreCharge,
            Body::PreChargeRes(r) => {
                let v = r.evse_present_voltage.to_f64();
                if (v - self.precharge_target_v).abs() <= PRECHARGE_TOLERANCE_V {
                    self.stage = S::PowerDeliveryStart;
                }
                outcome = Outcome::Measured {
                    voltage_v: v,
                    current_a: None,
                };
            }
            Body::PowerDeliveryRes(_) => {
                self.stage = match self.stage {
                    S::PowerDeliveryStart => S::CurrentDemand,
                    _ => S::WeldingDetection,
                };
            }
            Body::CurrentDemandRes(r) => {
                let stopping = r.evse_status.status_code != EvseStatusCode::Ready
                    || r.evse_status.notification == EvseNotification::StopCharging;
                if stopping {
                    self.stage = S::PowerDeliveryStop;
                    return Ok(Outcome::ChargerStopped(format!(
                        "the charger stopped: {:?}, {:?}",
                        r.evse_status.status_code, r.evse_status.notification
                    )));
                }
                outcome = Outcome::Measured {
                    voltage_v: r.evse_present_voltage.to_f64(),
                    current_a: Some(r.evse_present_current.to_f64()),
                };
            }
            Body::WeldingDetectionRes(_) => self.stage = S::SessionStop,
            Body::SessionStopRes { .. } => {
                self.stage = S::Ended;
                outcome = Outcome::Ended;
            }
            // Ongoing: the same request again.
            _ => {}
        }
        Ok(outcome)
    }
}

struct Conn {
    stream: Box<dyn Stream>,
    outbox: Vec<u8>,
    rx: FrameSplitter,
    /// Frames and bytes taken from the charger, to locate an error.
    rx_count: u64,
    rx_stream_bytes: u64,
}

impl Conn {
    /// Queues a V2GTP frame and writes what the stream takes now.
    fn send(&mut self, exi: Vec<u8>) -> Result<Vec<u8>, String> {
        let frame = Frame::new(PayloadType::Exi, exi)
            .encode()
            .map_err(|e| e.to_string())?;
        self.outbox.extend_from_slice(&frame);
        self.flush()?;
        Ok(frame)
    }

    fn flush(&mut self) -> Result<(), String> {
        write_some(&mut *self.stream, &mut self.outbox)
            .map_err(|e| format!("the connection to the charger broke: {e}"))
    }
}

struct Shared {
    link: Box<dyn V2gLink>,
    vehicle: VehicleSpec,
    flow: Option<DinFlow>,
    conn: Option<Conn>,
    discovering: bool,
    charge_current_a: Option<f64>,
    stop_requested: bool,
    silent: bool,
    last_tick: Option<Duration>,
    soc: f64,
    evse_voltage_v: f64,
    /// Into the vehicle positive.
    evse_current_a: f64,
    charger_stopped: bool,
    stop_cause: Option<String>,
    records: Vec<V2gRecord>,
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|p| p.into_inner())
}

/// The DIN 70121 CCS vehicle driver.
pub struct CcsEvDin {
    shared: Arc<Mutex<Shared>>,
    _cadence: Periodic,
    clock: Arc<dyn Clock>,
    name: String,
}

impl CcsEvDin {
    pub fn start(
        link: Box<dyn V2gLink>,
        clock: Arc<dyn Clock>,
        vehicle: VehicleSpec,
        name: &str,
    ) -> Self {
        let shared = Arc::new(Mutex::new(Shared {
            link,
            vehicle,
            flow: None,
            conn: None,
            discovering: false,
            charge_current_a: None,
            stop_requested: false,
            silent: false,
            last_tick: None,
            soc: (vehicle.initial_soc_pct / 100.0).clamp(0.0, 1.0),
            evse_voltage_v: 0.0,
            evse_current_a: 0.0,
            charger_stopped: false,
            stop_cause: None,
            records: Vec::new(),
        }));
        let state = shared.clone();
        let cadence = clock.every(
            Duration::ZERO,
            CYCLE,
            Box::new(move |now| lock(&state).tick(now)),
        );
        CcsEvDin {
            shared,
            _cadence: cadence,
            clock,
            name: name.to_string(),
        }
    }

    fn shared(&self) -> MutexGuard<'_, Shared> {
        lock(&self.shared)
    }

    /// Where the session is.
    pub fn stage(&self) -> Stage {
        let s = self.shared();
        match (&s.flow, s.discovering) {
            (Some(f), _) => f.stage,
            (None, true) => Stage::Discovering,
            (None, false) => Stage::Unplugged,
        }
    }
}

impl Shared {
    fn car(&self) -> Car {
        Car {
            vehicle: self.vehicle,
            soc: self.soc,
            charge_current_a: self.charge_current_a,
            stop_requested: self.stop_requested,
        }
    }

    fn record(&mut self, at: Duration, direction: &'static str, name: &str, bytes: &[u8]) {
        push_record(&mut self.records, at, direction, name, bytes);
    }

    fn end(&mut self, cause: Option<String>) {
        if let Some(c) = cause {
            self.stop_cause.get_or_insert(c);
            self.charger_stopped = true;
        }
        if let Some(f) = self.flow.as_mut() {
            f.stage = Stage::Ended;
        }
        self.conn = None; // closes the connection
        self.evse_current_a = 0.0;
    }

    fn tick(&mut self, now: Duration) {
        let dt = self
            .last_tick
            .map_or(Duration::ZERO, |t| now.saturating_sub(t));
        self.last_tick = Some(now);
        let (v, i) = (self.evse_voltage_v, self.evse_current_a);
        self.soc = soc_after(self.soc, v, i, dt, self.vehicle.capacity_kwh);
        if self.silent {
            return;
        }
        if self.discovering && !self.poll_discovery(now) {
            return;
        }
        if let Err(cause) = self.exchange(now) {
            self.end(Some(cause));
        }
    }

    /// Takes discovery's outcome when it is there; whether the session is
    /// open and may exchange messages.
    fn poll_discovery(&mut self, now: Duration) -> bool {
        match self.link.poll() {
            LinkPoll::Pending => false,
            LinkPoll::Failed { reason, sdp_answer } => {
                if let Some(a) = sdp_answer {
                    self.record(now, "rx", "SECCDiscoveryRes", &a);
                }
                self.discovering = false;
                self.stop_cause = Some(reason);
                false
            }
            LinkPoll::Opened(o) => {
                self.discovering = false;
                self.record(now, "rx", "SECCDiscoveryRes", &o.sdp_answer);
                if let Err(e) = self.open(now, o.stream) {
                    self.stop_cause = Some(e);
                    return false;
                }
                true
            }
        }
    }

    fn open(&mut self, now: Duration, stream: Box<dyn Stream>) -> Result<(), String> {
        let mut conn = Conn {
            stream,
            outbox: Vec::new(),
            rx: FrameSplitter::new(Limits::default()),
            rx_count: 0,
            rx_stream_bytes: 0,
        };
        let frame = conn.send(DinFlow::handshake()?)?;
        self.record(now, "tx", "supportedAppProtocolReq", &frame);
        self.conn = Some(conn);
        self.flow = Some(DinFlow::new(now));
        Ok(())
    }

    /// Reads the charger's frames, answers the flow, sends what is due.
    fn exchange(&mut self, now: Duration) -> Result<(), String> {
        let (Some(mut conn), Some(mut flow)) = (self.conn.take(), self.flow.take()) else {
            return Ok(());
        };
        let result = self.exchange_on(now, &mut conn, &mut flow);
        let ended = flow.stage == Stage::Ended;
        self.flow = Some(flow);
        if !ended && result.is_ok() {
            self.conn = Some(conn);
        }
        if ended {
            self.evse_current_a = 0.0;
        }
        result
    }

    fn exchange_on(
        &mut self,
        now: Duration,
        conn: &mut Conn,
        flow: &mut DinFlow,
    ) -> Result<(), String> {
        let (bytes, ended) = read_available(&mut *conn.stream);
        conn.rx.push(&bytes);
        while let Some(item) = conn.rx.next_message() {
            // The splitter's error names the stream byte.
            let frame = item.map_err(|e| format!("the charger's V2GTP stream: {e}"))?;
            let raw = frame.encode().unwrap_or_default();
            conn.rx_count += 1;
            let at = FrameAt {
                number: conn.rx_count,
                payload_type: frame.payload_type.to_u16(),
                start: conn.rx_stream_bytes,
                len: raw.len(),
            };
            conn.rx_stream_bytes += raw.len() as u64;
            if flow.stage == Stage::Handshake {
                self.record(now, "rx", "supportedAppProtocolRes", &raw);
                flow.on_handshake(&frame.payload)
                    .map_err(|e| format!("{at}: {e}"))?;
                continue;
            }
            let m = match din::decode(&frame.payload) {
                Ok(m) => m,
                Err(e) => {
                    self.record(now, "rx", "undecodable", &raw);
                    return Err(format!("{at}: {e}"));
                }
            };
            self.record(now, "rx", m.body.name(), &raw);
            match flow.on_response(&m)? {
                Outcome::Continue => {}
                Outcome::Measured {
                    voltage_v,
                    current_a,
                } => {
                    self.evse_voltage_v = voltage_v;
                    self.evse_current_a = current_a.unwrap_or(0.0);
                }
                Outcome::ChargerStopped(reason) => {
                    self.charger_stopped = true;
                    self.evse_current_a = 0.0;
                    self.stop_cause.get_or_insert(reason);
                }
                Outcome::Ended => return Ok(()),
            }
        }
        if let Some(e) = ended {
            let why = e.map_or("the charger closed the connection".to_string(), |e| {
                format!("the connection to the charger broke: {e}")
            });
            return Err(why);
        }
        if let Some(why) = flow.overdue(now) {
            return Err(why);
        }
        if flow.stage != Stage::CurrentDemand {
            self.evse_current_a = 0.0;
        }
        if let Some(req) = flow.next_request(now, &self.car()) {
            let exi = din::encode(&req).map_err(|e| format!("{}: {e}", req.body.name()))?;
            let frame = conn.send(exi)?;
            self.record(now, "tx", req.body.name(), &frame);
        } else {
            conn.flush()?;
        }
        Ok(())
    }

    /// Starts SECC discovery (the SDP of ISO 15118-2 §7.10.1, which DIN
    /// 70121 uses without TLS); a link that answers at once
    /// (the emulated one) is taken now, so a missing SECC fails the plug-in.
    fn plug(&mut self) -> Result<(), String> {
        self.unplug();
        // DIN 70121 has no TLS: SDP asks for plain TCP.
        let request = SdpRequest {
            security: Security::NoTls,
            transport: Transport::Tcp,
        };
        let now = self.last_tick.unwrap_or_default();
        self.record(now, "tx", "SECCDiscoveryReq", &request.encode());
        self.link.open(request);
        self.discovering = true;
        self.charger_stopped = false;
        self.stop_cause = None;
        self.poll_discovery(now);
        match (self.discovering, &self.stop_cause) {
            (false, Some(reason)) => Err(reason.clone()),
            _ => Ok(()),
        }
    }

    fn unplug(&mut self) {
        self.conn = None;
        self.flow = None;
        self.discovering = false;
        self.charge_current_a = None;
        self.stop_requested = false;
        self.evse_current_a = 0.0;
        self.evse_voltage_v = 0.0;
    }
}

/// Why a DIN vehicle refuses `start_discharge`.
pub const NO_DISCHARGE: &str = "DIN SPEC 70121 has no bidirectional power transfer: a DIN \
     vehicle only charges (a discharge needs protocol: iso15118-20)";

impl EvSimulator for CcsEvDin {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        Ok(Identity {
            manufacturer: "v2x-hil".into(),
            model: format!(
                "CCS EV simulator `{}` (DIN SPEC 70121 DC, charge only)",
                self.name
            ),
            serial: self.shared().link.describe(),
            firmware: env!("CARGO_PKG_VERSION").into(),
        })
    }

    fn command(&mut self, command: EvCommand) -> Result<(), DeviceError> {
        let unresponsive = |detail| DeviceError::Unresponsive {
            device: self.name.clone(),
            detail,
        };
        if command == EvCommand::Plug {
            self.shared().plug().map_err(unresponsive)?;
            let link = self.shared().link.describe();
            let outcome = await_discovery(&*self.clock, &self.shared, &link, |s| {
                match (s.discovering, &s.stop_cause) {
                    (true, _) => None,
                    (false, Some(reason)) => Some(Err(reason.clone())),
                    (false, None) => Some(Ok(())),
                }
            });
            return outcome.map_err(unresponsive);
        }
        let mut s = self.shared();
        match command {
            EvCommand::Plug => {}
            EvCommand::StartCharge { current_a } => {
                let max = s.vehicle.max_charge_current_a;
                s.charge_current_a = Some(current_a.unwrap_or(max));
                s.stop_requested = false;
            }
            EvCommand::StartDischarge => {
                return Err(DeviceError::Unsupported {
                    device: self.name.clone(),
                    detail: NO_DISCHARGE.into(),
                })
            }
            EvCommand::Stop => s.stop_requested = true,
            EvCommand::Unplug => s.unplug(),
            EvCommand::GoSilent => s.silent = true,
            EvCommand::Resume => s.silent = false,
        }
        Ok(())
    }

    fn set_limits(&mut self, l: EvLimitsUpdate) -> Result<(), DeviceError> {
        let mut s = self.shared();
        if let Some(a) = l.max_charge_current_a {
            s.vehicle.max_charge_current_a = a;
        }
        if l.max_discharge_current_a.is_some_and(|a| a > 0.0) {
            return Err(DeviceError::Unsupported {
                device: self.name.clone(),
                detail: NO_DISCHARGE.into(),
            });
        }
        Ok(())
    }

    fn take_messages(&mut self) -> Result<Vec<EvMessage>, DeviceError> {
        let records = std::mem::take(&mut self.shared().records);
        Ok(records.into_iter().map(EvMessage::from).collect())
    }

    fn status(&mut self) -> Result<EvReading, DeviceError> {
        let stage = self.stage();
        let s = self.shared();
        Ok(EvReading {
            phase: format!("{stage:?}"),
            soc_pct: s.soc * 100.0,
            dc_current_a: -s.evse_current_a,
            dc_voltage_v: s.evse_voltage_v,
            energy_transfer: stage == Stage::CurrentDemand && !s.charger_stopped,
            charger_stopped: s.charger_stopped,
            peak_discharge_current_a: 0.0,
            stop_cause: s.stop_cause.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::ccs_ev::discovery_deadline;
    use crate::exec::clock::{ClockKind, PeriodicTask};
    use rustls::pki_types::CertificateDer;
    use std::sync::atomic::AtomicBool;

    /// Time that moves only when slept, running the cadence on the way.
    #[derive(Default)]
    struct SteppedClock {
        now: Mutex<Duration>,
        /// (next, period, task)
        tasks: Mutex<Vec<(Duration, Duration, PeriodicTask)>>,
    }

    impl Clock for SteppedClock {
        fn now(&self) -> Duration {
            *self.now.lock().unwrap()
        }
        fn sleep(&self, d: Duration) {
            let end = self.now() + d;
            let mut tasks = self.tasks.lock().unwrap();
            while let Some(task) = tasks.iter_mut().filter(|t| t.0 <= end).min_by_key(|t| t.0) {
                let at = task.0;
                task.0 += task.1;
                *self.now.lock().unwrap() = at;
                (task.2)(at);
            }
            *self.now.lock().unwrap() = end;
        }
        fn kind(&self) -> ClockKind {
            ClockKind::Simulated
        }
        fn every(&self, phase: Duration, period: Duration, task: PeriodicTask) -> Periodic {
            let next = self.now() + phase;
            self.tasks.lock().unwrap().push((next, period, task));
            Periodic::new(Arc::new(AtomicBool::new(false)), None)
        }
    }

    /// A network where no SECC answers (`None`: discovery never ends, as
    /// on an interface with nothing behind it) or discovery fails at once.
    struct DeadLink {
        fails_with: Option<String>,
        opened: bool,
    }

    impl V2gLink for DeadLink {
        fn open(&mut self, _: SdpRequest) {
            self.opened = true;
        }
        fn poll(&mut self) -> LinkPoll {
            match &self.fails_with {
                Some(reason) if self.opened => LinkPoll::Failed {
                    reason: reason.clone(),
                    sdp_answer: None,
                },
                _ => LinkPoll::Pending,
            }
        }
        fn v2g_roots(&self) -> Vec<CertificateDer<'static>> {
            Vec::new()
        }
        fn describe(&self) -> String {
            "eth9".into()
        }
    }

    fn vehicle_on(link: DeadLink) -> (CcsEvDin, Arc<SteppedClock>) {
        let clock = Arc::new(SteppedClock::default());
        let ev = CcsEvDin::start(Box::new(link), clock.clone(), VehicleSpec::default(), "ev");
        (ev, clock)
    }

    #[test]
    fn a_plug_in_waits_for_discovery_and_fails_when_no_secc_answers() {
        let (mut ev, clock) = vehicle_on(DeadLink {
            fails_with: None,
            opened: false,
        });
        let err = ev.command(EvCommand::Plug).unwrap_err().to_string();
        assert!(err.contains("no SECC found on eth9 within 15.5s"), "{err}");
        assert!(
            clock.now() > discovery_deadline(),
            "it waited the whole deadline"
        );
        assert!(clock.now() < discovery_deadline() + 2 * CYCLE);

        let (mut ev, clock) = vehicle_on(DeadLink {
            fails_with: Some("no SECC answered on eth9: 50 SDP request(s) sent 250ms apart".into()),
            opened: false,
        });
        let err = ev.command(EvCommand::Plug).unwrap_err().to_string();
        assert!(err.contains("50 SDP request(s)"), "{err}");
        assert_eq!(
            clock.now(),
            Duration::ZERO,
            "a failure that is there at once is taken at once"
        );
        let sent = ev.take_messages().unwrap();
        assert_eq!(sent.len(), 1, "the SDP request is recorded: {sent:?}");
    }

    fn car(soc: f64, charge: Option<f64>) -> Car {
        Car {
            vehicle: VehicleSpec::default(),
            soc,
            charge_current_a: charge,
            stop_requested: false,
        }
    }

    fn answer(flow: &mut DinFlow, body: Body) -> Outcome {
        let m = V2gMessage {
            header: din::Header::new(&[7; 8]),
            body,
        };
        flow.on_response(&m).unwrap()
    }

    #[test]
    fn the_flow_waits_for_a_charge_then_precharges_to_the_pack_voltage() {
        let t = Duration::from_millis;
        let mut f = DinFlow::new(t(0));
        f.stage = Stage::ContractAuthentication;
        let idle = car(0.6, None);
        let req = f.next_request(t(0), &idle).unwrap();
        assert_eq!(req.body.name(), "ContractAuthenticationReq");
        assert!(f.next_request(t(100), &idle).is_none(), "one at a time");
        answer(
            &mut f,
            Body::ContractAuthenticationRes {
                response_code: din::ResponseCode::Ok,
                evse_processing: EvseProcessing::Finished,
            },
        );
        assert_eq!(f.stage, Stage::Ready);
        assert!(
            f.next_request(t(200), &idle).is_none(),
            "waits for start_charge"
        );
        let charging = car(0.6, Some(20.0));
        let req = f.next_request(t(300), &charging).unwrap();
        assert_eq!(req.body.name(), "ChargeParameterDiscoveryReq");
        // An answer of the wrong kind is refused.
        let wrong = V2gMessage {
            header: din::Header::new(&[7; 8]),
            body: Body::SessionStopRes {
                response_code: din::ResponseCode::Ok,
            },
        };
        assert!(f.on_response(&wrong).is_err());
        // Timers: 2 s for most requests, 250 ms for CurrentDemand.
        f.stage = Stage::CurrentDemand;
        f.awaiting = None;
        f.next_request(t(1000), &charging).unwrap();
        assert!(f.overdue(t(1250)).is_none());
        let why = f.overdue(t(1251)).unwrap();
        assert!(
            why.contains("CurrentDemandReq") && why.contains("250 ms"),
            "{why}"
        );
        // PreCharge's target is the pack voltage estimate.
        f.awaiting = None;
        f.stage = Stage::PreCharge;
        let v = charging.pack_voltage_v();
        let Some(V2gMessage {
            body: Body::PreChargeReq(p),
            ..
        }) = f.next_request(t(2000), &charging)
        else {
            panic!()
        };
        assert!((p.ev_target_voltage.to_f64() - v).abs() < 0.1);
        let res = |volts: f64| {
            Body::PreChargeRes(din::EvseVoltageRes {
                response_code: din::ResponseCode::Ok,
                evse_status: din::EvseStatus {
                    isolation: Some(din::IsolationLevel::Valid),
                    status_code: EvseStatusCode::Ready,
                    notification_max_delay: 0,
                    notification: EvseNotification::None,
                },
                evse_present_voltage: PhysicalValue::volts(volts),
            })
        };
        answer(&mut f, res(v - 50.0));
        assert_eq!(f.stage, Stage::PreCharge, "50 V short: again");
        f.next_request(t(2100), &charging).unwrap();
        answer(&mut f, res(v - 10.0));
        assert_eq!(f.stage, Stage::PowerDeliveryStart);
    }
}
