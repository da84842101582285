//! The CCS EV simulator driver: plays the vehicle's side of ISO 15118-20 DC
//! BPT (bidirectional power transfer, Dynamic control mode) over V2GTP, with
//! the `iso15118` crate's sans-I/O EVCC engine (handshake, ordering, session
//! ids, timers, EXI). A periodic task on the rig's clock — an agent in
//! simulated time, a thread on hardware — reads what the SECC sent, sends the
//! next request of the flow, and runs the charge loop every 100 ms, so the
//! session keeps time while the plan does other things.
//!
//! Like the CHAdeMO driver, the vehicle has no sensors of its own in the
//! harness: its SoC is counted from the EVSE's reported present voltage and
//! current (ΔSoC = V·I·Δt / capacity, current into the vehicle positive).
//!
//! The link ([`V2gLink`]) is the emulated rig's in-memory network or an
//! Ethernet interface with a Green PHY modem (SDP over UDP, then TCP). SECC
//! discovery and the TCP connect wait on wall time on hardware, so they run
//! on the link's worker and the tick takes the outcome; -20 runs over TLS
//! 1.3 ([`NonBlockingTls`]), the SECC's chain checked against the V2G roots
//! the link trusts. The lock is held only over non-blocking work.

use super::{DeviceError, EvCommand, EvLimitsUpdate, EvReading, EvSimulator, Identity};
use crate::exec::clock::{Clock, Periodic, SIMULATED_EPOCH_UNIX_S};
use crate::model::VehicleSpec;
use crate::protocol::iso15118::{header, rational, to_f64, DC_BPT_SERVICE};
use crate::protocol::v2gtp::sdp::{SdpRequest, Security, Transport};
use crate::protocol::v2gtp::{FrameSplitter, Limits};
use crate::transport::v2g::link::{LinkPoll, Opened, V2gLink};
use crate::transport::v2g::nb_tls::NonBlockingTls;
use crate::transport::v2g::{client_config, read_available, Stream};
use iso15118::evcc::{Close, Evcc, EvccConfig, Event};
use iso15118::iso20::common::{DisplayParameters, Processing};
use iso15118::iso20::{dc, messages as cm};
use iso15118::message::Message;
use iso15118::session::Instant;
use iso15118::{Protocol, Protocols};
use std::collections::VecDeque;
use std::io::ErrorKind;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// The driver's cadence; also the charge loop's period.
pub const CYCLE: Duration = Duration::from_millis(100);

/// Where the vehicle is in the -20 DC flow: the next request to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Unplugged,
    /// SDP request sent; waiting for the SECC's answer and the connection.
    Discovering,
    /// `supportedAppProtocolReq` sent, waiting for the agreement.
    Handshake,
    SessionSetup,
    AuthorizationSetup,
    Authorization,
    ServiceDiscovery,
    /// Session set up, waiting for start_charge / start_discharge.
    Ready,
    ServiceSelection,
    ChargeParameterDiscovery,
    ScheduleExchange,
    CableCheck,
    PreCharge,
    PowerDeliveryStart,
    ChargeLoop,
    PowerDeliveryStop,
    WeldingDetection,
    SessionStop,
    Ended,
}

/// What the plan asked the vehicle to do.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Intent {
    Charge { current_a: f64 },
    Discharge,
}

/// One V2G message on the wire, for evidence.
#[derive(Debug, Clone, PartialEq)]
pub struct V2gRecord {
    pub at: Duration,
    /// `tx` from the vehicle, `rx` from the charger.
    pub direction: &'static str,
    /// The decoded message's name, e.g. `DC_ChargeLoopReq`.
    pub name: String,
    /// The V2GTP frame (header + EXI).
    pub bytes: Vec<u8>,
}

impl From<V2gRecord> for super::EvMessage {
    fn from(r: V2gRecord) -> Self {
        super::EvMessage {
            at_s: r.at.as_secs_f64(),
            direction: r.direction.to_string(),
            name: r.name,
            frame_hex: crate::firmware::verify::hex_lower(&r.bytes),
            frame: r.bytes,
        }
    }
}

struct Session {
    stream: Box<dyn Stream>,
    /// Bytes the stream has not taken yet.
    outbox: Vec<u8>,
    evcc: Evcc,
    awaiting: bool,
    /// The charger's bytes cut into V2GTP frames, so each response is
    /// recorded with its own frame (the engine's events carry no bytes).
    rx: FrameSplitter,
    rx_frames: VecDeque<Vec<u8>>,
    /// Where the charger's last whole frame sat in its byte stream, and
    /// its number (from 1), to locate a message the engine refuses.
    rx_last: Option<FrameAt>,
    rx_count: u64,
    rx_stream_bytes: u64,
}

struct Shared {
    link: Box<dyn V2gLink>,
    vehicle: VehicleSpec,
    session: Option<Session>,
    stage: Stage,
    intent: Option<Intent>,
    stop_requested: bool,
    silent: bool,
    precharged: bool,
    next_loop_at: Duration,
    last_tick: Option<Duration>,
    soc: f64,
    /// The EVSE's reported present values; current into the vehicle positive.
    evse_voltage_v: f64,
    evse_current_a: f64,
    peak_discharge_current_a: f64,
    charger_stopped: bool,
    stop_cause: Option<String>,
    /// Every message since the last `take_records`.
    records: Vec<V2gRecord>,
}

impl Session {
    /// Writes what the stream takes now; the rest waits for the next tick.
    fn send_some(&mut self) -> std::io::Result<()> {
        write_some(&mut *self.stream, &mut self.outbox)
    }
}

/// Writes what `stream` takes of `outbox` now (the DIN vehicle's too).
pub(super) fn write_some(stream: &mut dyn Stream, outbox: &mut Vec<u8>) -> std::io::Result<()> {
    while !outbox.is_empty() {
        match stream.write(outbox) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => {
                outbox.drain(..n);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    match stream.flush() {
        Err(e) if e.kind() != ErrorKind::WouldBlock => Err(e),
        _ => Ok(()),
    }
}

/// Appends a record, bounded: a caller that never drains keeps the last
/// hour at 10 Hz.
pub(super) fn push_record(
    records: &mut Vec<V2gRecord>,
    at: Duration,
    direction: &'static str,
    name: &str,
    bytes: &[u8],
) {
    if records.len() >= 72_000 {
        records.remove(0);
    }
    records.push(V2gRecord {
        at,
        direction,
        name: name.to_string(),
        bytes: bytes.to_vec(),
    });
}

/// The SoC after `dt` at the EVSE's reported `volts` × `amps` (into the
/// vehicle positive): the vehicle has no sensors of its own.
pub(super) fn soc_after(soc: f64, volts: f64, amps: f64, dt: Duration, capacity_kwh: f64) -> f64 {
    let wh = volts * amps * dt.as_secs_f64() / 3600.0;
    let capacity_wh = capacity_kwh * 1000.0;
    if capacity_wh > 0.0 && wh.is_finite() {
        (soc + wh / capacity_wh).clamp(0.0, 1.0)
    } else {
        soc
    }
}

/// One frame of the charger's stream, for locating an error in it.
#[derive(Debug, Clone, Copy)]
pub(super) struct FrameAt {
    pub(super) number: u64,
    pub(super) payload_type: u16,
    pub(super) start: u64,
    pub(super) len: usize,
}

impl std::fmt::Display for FrameAt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the charger's message {} (V2GTP payload type 0x{:04X}, stream bytes {}..{})",
            self.number,
            self.payload_type,
            self.start,
            self.start + self.len as u64
        )
    }
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|p| p.into_inner())
}

pub struct CcsEv {
    shared: Arc<Mutex<Shared>>,
    _cadence: Periodic,
    clock: Arc<dyn Clock>,
    name: String,
}

/// The longest a plug-in waits for discovery and the connection: the SDP
/// retry policy's whole schedule, the TCP connect, and a margin.
pub(super) fn discovery_deadline() -> Duration {
    crate::transport::v2g::SdpRetryPolicy::ISO15118.total()
        + crate::transport::v2g::link::CONNECT_TIMEOUT
        + Duration::from_secs(1)
}

/// Waits for discovery on `link` (its name, for the error) to end:
/// `outcome` reads the driver's state (`None` while discovery is under
/// way). On hardware discovery waits on the network and the cadence takes
/// its outcome, so the lock is taken only to look, never held across the
/// wait.
pub(super) fn await_discovery<S>(
    clock: &dyn Clock,
    shared: &Mutex<S>,
    link: &str,
    outcome: impl Fn(&S) -> Option<Result<(), String>>,
) -> Result<(), String> {
    let started = clock.now();
    loop {
        if let Some(done) = outcome(&shared.lock().unwrap_or_else(|p| p.into_inner())) {
            return done;
        }
        if clock.now().saturating_sub(started) > discovery_deadline() {
            return Err(format!(
                "no SECC found on {link} within {:?}",
                discovery_deadline()
            ));
        }
        clock.sleep(CYCLE);
    }
}

fn at(now: Duration) -> Instant {
    Instant::from_millis(now.as_millis() as u64)
}

impl CcsEv {
    pub fn start(
        link: Box<dyn V2gLink>,
        clock: Arc<dyn Clock>,
        vehicle: VehicleSpec,
        name: &str,
    ) -> Self {
        let shared = Arc::new(Mutex::new(Shared {
            link,
            vehicle,
            session: None,
            stage: Stage::Unplugged,
            intent: None,
            stop_requested: false,
            silent: false,
            precharged: false,
            next_loop_at: Duration::ZERO,
            last_tick: None,
            soc: (vehicle.initial_soc_pct / 100.0).clamp(0.0, 1.0),
            evse_voltage_v: 0.0,
            evse_current_a: 0.0,
            peak_discharge_current_a: 0.0,
            charger_stopped: false,
            stop_cause: None,
            records: Vec::new(),
        }));
        let state = shared.clone();
        let cadence = clock.clone().every(
            Duration::ZERO,
            CYCLE,
            Box::new(move |now| lock(&state).tick(now)),
        );
        CcsEv {
            shared,
            _cadence: cadence,
            clock,
            name: name.to_string(),
        }
    }

    fn shared(&self) -> MutexGuard<'_, Shared> {
        lock(&self.shared)
    }

    /// The messages exchanged since the last call (evidence).
    pub fn take_records(&self) -> Vec<V2gRecord> {
        std::mem::take(&mut self.shared().records)
    }

    /// Where the session is.
    pub fn stage(&self) -> Stage {
        self.shared().stage
    }
}

impl Shared {
    fn tick(&mut self, now: Duration) {
        let dt = self
            .last_tick
            .map_or(Duration::ZERO, |t| now.saturating_sub(t));
        self.last_tick = Some(now);
        self.count_energy(dt);
        if self.silent {
            return;
        }
        if self.stage == Stage::Discovering {
            let outcome = self.link.poll();
            self.on_link(now, outcome);
        }
        let Some(mut s) = self.session.take() else {
            return;
        };
        let (bytes, ended) = read_available(&mut *s.stream);
        if let Some(Some(e)) = &ended {
            self.stop_cause.get_or_insert_with(|| {
                format!(
                    "the link to the charger failed ({}): {e}",
                    self.link.describe()
                )
            });
        }
        let gone = ended.is_some();
        if !bytes.is_empty() {
            s.rx.push(&bytes);
            while let Some(item) = s.rx.next_message() {
                match item {
                    Ok(frame) => {
                        let encoded = frame.encode().unwrap_or_default();
                        s.rx_count += 1;
                        s.rx_last = Some(FrameAt {
                            number: s.rx_count,
                            payload_type: frame.payload_type.to_u16(),
                            start: s.rx_stream_bytes,
                            len: encoded.len(),
                        });
                        s.rx_stream_bytes += encoded.len() as u64;
                        s.rx_frames.push_back(encoded);
                    }
                    // The splitter's error names the stream byte.
                    Err(e) => {
                        self.stop_cause
                            .get_or_insert_with(|| format!("the charger's V2GTP stream: {e}"));
                        break;
                    }
                }
            }
            if let Err(e) = s.evcc.handle_input(at(now), &bytes) {
                let at = s
                    .rx_last
                    .map_or_else(|| "the charger's bytes".to_string(), |f| f.to_string());
                self.stop_cause.get_or_insert_with(|| format!("{at}: {e}"));
            }
        }
        if s.evcc.poll_timeout().is_some_and(|t| t <= at(now)) {
            s.evcc.handle_timeout(at(now));
        }
        while let Some(event) = s.evcc.poll_event() {
            match event {
                Event::ProtocolAgreed(_) => {
                    // The handshake's answer is not a Response event.
                    let frame = s.rx_frames.pop_front().unwrap_or_default();
                    self.record(now, "rx", "supportedAppProtocolRes", &frame);
                    self.stage = Stage::SessionSetup;
                }
                Event::Response(m) => {
                    s.awaiting = false;
                    let frame = s.rx_frames.pop_front().unwrap_or_default();
                    self.record(now, "rx", m.name(), &frame);
                    self.on_response(&m);
                }
                Event::Failed => {
                    self.charger_stopped = true;
                    self.stage = Stage::SessionStop;
                }
                Event::Closed(why) => {
                    if why != Close::Normal {
                        self.stop_cause.get_or_insert_with(|| why.to_string());
                        self.charger_stopped = true;
                    }
                    self.stage = Stage::Ended;
                }
                _ => {}
            }
        }
        if gone && self.stage != Stage::Ended {
            self.stop_cause
                .get_or_insert_with(|| "the charger closed the connection".into());
            self.charger_stopped = true;
            self.stage = Stage::Ended;
        }
        if self.stage == Stage::Ended || s.evcc.is_closed() {
            self.stage = Stage::Ended;
            self.evse_current_a = 0.0;
            return; // dropping the stream closes the connection
        }
        if !s.awaiting {
            if let Some(req) = self.next_request(now) {
                let name = req.name();
                match s.evcc.request(at(now), req) {
                    Ok(()) => s.awaiting = true,
                    Err(e) => {
                        self.stop_cause = Some(format!("{name}: {e}"));
                        self.stage = Stage::Ended;
                        return;
                    }
                }
            }
        }
        let out = s.evcc.take_transmit();
        if !out.is_empty() && s.awaiting && self.stage != Stage::Handshake {
            let name = self.stage_request_name();
            self.record(now, "tx", name, &out);
        }
        s.outbox.extend_from_slice(&out);
        if let Err(e) = s.send_some() {
            self.stop_cause = Some(format!("the connection to the charger broke: {e}"));
            self.stage = Stage::Ended;
            return;
        }
        self.session = Some(s);
    }

    /// The link's outcome once discovery is under way: a session on the
    /// connection (TLS wrapped when the SECC gave TLS), or the reason none.
    fn on_link(&mut self, now: Duration, outcome: LinkPoll) {
        match outcome {
            LinkPoll::Pending => {}
            LinkPoll::Failed { reason, sdp_answer } => {
                if let Some(answer) = sdp_answer {
                    self.record(now, "rx", "SECCDiscoveryRes", &answer);
                }
                self.stop_cause = Some(reason);
                self.stage = Stage::Ended;
            }
            LinkPoll::Opened(o) => {
                self.record(now, "rx", "SECCDiscoveryRes", &o.sdp_answer);
                if let Err(reason) = self.open_session(now, o) {
                    self.stop_cause = Some(reason);
                    self.stage = Stage::Ended;
                }
            }
        }
    }

    fn open_session(&mut self, now: Duration, o: Opened) -> Result<(), String> {
        let tls = o.offer.security == Security::Tls;
        let stream: Box<dyn Stream> = if tls {
            let config = client_config(&self.link.v2g_roots()).map_err(|e| e.to_string())?;
            let server = rustls::pki_types::ServerName::IpAddress(o.peer.ip().into());
            let conn = rustls::ClientConnection::new(config, server)
                .map_err(|e| format!("TLS with the SECC: {e}"))?;
            Box::new(NonBlockingTls::new(conn, o.stream))
        } else {
            o.stream
        };
        let mut evcc = Evcc::new(EvccConfig {
            protocols: Protocols::only(Protocol::Iso20),
            security: if tls {
                iso15118::session::Security::Tls
            } else {
                iso15118::session::Security::None
            },
            ..EvccConfig::default()
        });
        evcc.start(at(now)).map_err(|e| e.to_string())?;
        let out = evcc.take_transmit();
        self.record(now, "tx", "supportedAppProtocolReq", &out);
        let mut session = Session {
            stream,
            outbox: out,
            evcc,
            awaiting: false,
            rx: FrameSplitter::new(Limits::default()),
            rx_frames: VecDeque::new(),
            rx_last: None,
            rx_count: 0,
            rx_stream_bytes: 0,
        };
        session
            .send_some()
            .map_err(|e| format!("cannot reach the charger: {e}"))?;
        self.session = Some(session);
        self.stage = Stage::Handshake;
        Ok(())
    }

    fn record(&mut self, at: Duration, direction: &'static str, name: &str, bytes: &[u8]) {
        push_record(&mut self.records, at, direction, name, bytes);
    }

    fn count_energy(&mut self, dt: Duration) {
        let (v, i) = (self.evse_voltage_v, self.evse_current_a);
        self.soc = soc_after(self.soc, v, i, dt, self.vehicle.capacity_kwh);
    }

    fn on_response(&mut self, m: &Message) {
        use Stage as S;
        let processing_done = |p: &Processing| matches!(p, Processing::Finished);
        match m {
            Message::Iso20(doc) => match &**doc {
                cm::Document::SessionSetupRes(_) => self.stage = S::AuthorizationSetup,
                cm::Document::AuthorizationSetupRes(_) => self.stage = S::Authorization,
                cm::Document::AuthorizationRes(r) if processing_done(&r.evse_processing) => {
                    self.stage = S::ServiceDiscovery;
                }
                cm::Document::ServiceDiscoveryRes(r) => {
                    let bpt = r
                        .energy_transfer_service_list
                        .service
                        .iter()
                        .any(|s| s.service_id == DC_BPT_SERVICE);
                    if bpt {
                        self.stage = S::Ready;
                    } else {
                        self.stop_cause = Some("the charger offers no DC_BPT service".into());
                        self.stage = S::SessionStop;
                    }
                }
                cm::Document::ServiceSelectionRes(_) => self.stage = S::ChargeParameterDiscovery,
                cm::Document::ScheduleExchangeRes(r) if processing_done(&r.evse_processing) => {
                    self.stage = S::CableCheck;
                }
                cm::Document::PowerDeliveryRes(_) => {
                    self.stage = if self.stage == S::PowerDeliveryStart {
                        S::ChargeLoop
                    } else {
                        S::WeldingDetection
                    };
                }
                cm::Document::SessionStopRes(_) => self.stage = S::Ended,
                _ => {}
            },
            Message::Iso20Dc(doc) => match &**doc {
                dc::Document::DCChargeParameterDiscoveryRes(_) => self.stage = S::ScheduleExchange,
                dc::Document::DCCableCheckRes(r) if processing_done(&r.evse_processing) => {
                    self.stage = S::PreCharge;
                }
                dc::Document::DCPreChargeRes(r) => {
                    self.evse_voltage_v = to_f64(&r.evse_present_voltage);
                    if self.precharged {
                        self.stage = S::PowerDeliveryStart;
                    }
                    // The next request says Finished: the EVSE has matched.
                    self.precharged = true;
                }
                dc::Document::DCChargeLoopRes(r) => {
                    self.evse_voltage_v = to_f64(&r.evse_present_voltage);
                    self.evse_current_a = to_f64(&r.evse_present_current);
                    self.peak_discharge_current_a =
                        self.peak_discharge_current_a.max(-self.evse_current_a);
                }
                dc::Document::DCWeldingDetectionRes(_) => {
                    self.evse_current_a = 0.0;
                    self.stage = S::SessionStop;
                }
                _ => {}
            },
            _ => {}
        }
        if self.stop_requested {
            match self.stage {
                S::ChargeLoop => self.stage = S::PowerDeliveryStop,
                S::Ready
                | S::ServiceSelection
                | S::ChargeParameterDiscovery
                | S::ScheduleExchange
                | S::CableCheck
                | S::PreCharge
                | S::PowerDeliveryStart => self.stage = S::SessionStop,
                _ => {}
            }
        }
    }

    fn stage_request_name(&self) -> &'static str {
        use Stage as S;
        match self.stage {
            S::SessionSetup => "SessionSetupReq",
            S::AuthorizationSetup => "AuthorizationSetupReq",
            S::Authorization => "AuthorizationReq",
            S::ServiceDiscovery => "ServiceDiscoveryReq",
            S::ServiceSelection => "ServiceSelectionReq",
            S::ChargeParameterDiscovery => "DC_ChargeParameterDiscoveryReq",
            S::ScheduleExchange => "ScheduleExchangeReq",
            S::CableCheck => "DC_CableCheckReq",
            S::PreCharge => "DC_PreChargeReq",
            S::PowerDeliveryStart | S::PowerDeliveryStop => "PowerDeliveryReq",
            S::ChargeLoop => "DC_ChargeLoopReq",
            S::WeldingDetection => "DC_WeldingDetectionReq",
            S::SessionStop => "SessionStopReq",
            S::Unplugged | S::Discovering | S::Handshake | S::Ready | S::Ended => {
                "supportedAppProtocolReq"
            }
        }
    }

    /// The vehicle's BPT limits now: the rig's vehicle, the plan's updates,
    /// what was asked (charge only, or both ways) and the SoC floor. The
    /// powers are the currents at the battery's top voltage, so the current
    /// is the limit that binds.
    fn bpt_limits(&self) -> (f64, f64, f64, f64) {
        let v = &self.vehicle;
        let charge_a = match self.intent {
            Some(Intent::Charge { current_a }) => current_a.min(v.max_charge_current_a),
            _ => v.max_charge_current_a,
        };
        let full = self.soc >= 1.0;
        let charge_a = if full { 0.0 } else { charge_a.max(0.0) };
        let floor = self.soc * 100.0 <= v.min_discharge_soc_pct;
        let discharge_a = match self.intent {
            Some(Intent::Discharge) if !floor => v.max_discharge_current_a.max(0.0),
            _ => 0.0,
        };
        (
            charge_a,
            charge_a * v.max_battery_voltage_v,
            discharge_a,
            discharge_a * v.max_battery_voltage_v,
        )
    }

    fn next_request(&mut self, now: Duration) -> Option<Message> {
        use Stage as S;
        let h = || header(SIMULATED_EPOCH_UNIX_S + now.as_secs());
        let r = rational;
        let v = self.vehicle;
        let capacity_wh = v.capacity_kwh * 1000.0;
        let common = |d: cm::Document| Some(Message::Iso20(Box::new(d)));
        let dcm = |d: dc::Document| Some(Message::Iso20Dc(Box::new(d)));
        let (charge_a, charge_w, discharge_a, discharge_w) = self.bpt_limits();
        match self.stage {
            S::SessionSetup => common(cm::Document::SessionSetupReq(cm::SessionSetupReq {
                header: h(),
                evcc_id: "V2XHILCCS000001".into(),
            })),
            S::AuthorizationSetup => common(cm::Document::AuthorizationSetupReq(
                cm::AuthorizationSetupReq { header: h() },
            )),
            S::Authorization => common(cm::Document::AuthorizationReq(cm::AuthorizationReq {
                header: h(),
                selected_authorization_service: cm::Authorization::EIM,
                choice: cm::AuthorizationReqChoice::EIMAReqAuthorizationMode(
                    cm::EIMAReqAuthorizationMode,
                ),
            })),
            S::ServiceDiscovery => {
                common(cm::Document::ServiceDiscoveryReq(cm::ServiceDiscoveryReq {
                    header: h(),
                    supported_service_i_ds: None,
                }))
            }
            S::Ready => {
                if self.stop_requested {
                    self.stage = S::SessionStop;
                    return self.next_request(now);
                }
                if self.intent.is_some() {
                    self.stage = S::ServiceSelection;
                    return self.next_request(now);
                }
                None
            }
            S::ServiceSelection => {
                common(cm::Document::ServiceSelectionReq(cm::ServiceSelectionReq {
                    header: h(),
                    selected_energy_transfer_service: cm::SelectedService {
                        service_id: DC_BPT_SERVICE,
                        parameter_set_id: 1,
                    },
                    selected_vas_list: None,
                }))
            }
            S::ChargeParameterDiscovery => dcm(dc::Document::DCChargeParameterDiscoveryReq(
                dc::DCChargeParameterDiscoveryReq {
                    header: h(),
                    choice: dc::DCChargeParameterDiscoveryReqChoice::BPTDCCPDReqEnergyTransferMode(
                        dc::BPTDCCPDReqEnergyTransferMode {
                            ev_maximum_charge_power: r(charge_w),
                            ev_minimum_charge_power: r(0.0),
                            ev_maximum_charge_current: r(charge_a),
                            ev_minimum_charge_current: r(0.0),
                            ev_maximum_voltage: r(v.max_battery_voltage_v),
                            ev_minimum_voltage: r(v.min_discharge_voltage_v),
                            target_soc: Some(100),
                            ev_maximum_discharge_power: r(discharge_w),
                            ev_minimum_discharge_power: r(0.0),
                            ev_maximum_discharge_current: r(discharge_a),
                            ev_minimum_discharge_current: r(0.0),
                        },
                    ),
                },
            )),
            S::ScheduleExchange => {
                common(cm::Document::ScheduleExchangeReq(cm::ScheduleExchangeReq {
                    header: h(),
                    maximum_supporting_points: 12,
                    choice: cm::ScheduleExchangeReqChoice::DynamicSEReqControlMode(
                        cm::DynamicSEReqControlMode {
                            departure_time: 12 * 3600,
                            minimum_soc: Some(v.min_discharge_soc_pct.round() as u8),
                            target_soc: Some(100),
                            ev_target_energy_request: r((1.0 - self.soc) * capacity_wh),
                            ev_maximum_energy_request: r((1.0 - self.soc) * capacity_wh),
                            ev_minimum_energy_request: r(0.0),
                            ev_maximum_v2_x_energy_request: Some(r(self.v2x_energy_wh())),
                            ev_minimum_v2_x_energy_request: Some(r(0.0)),
                        },
                    ),
                }))
            }
            S::CableCheck => dcm(dc::Document::DCCableCheckReq(dc::DCCableCheckReq {
                header: h(),
            })),
            S::PreCharge => dcm(dc::Document::DCPreChargeReq(dc::DCPreChargeReq {
                header: h(),
                ev_processing: if self.precharged {
                    Processing::Finished
                } else {
                    Processing::Ongoing
                },
                ev_present_voltage: r(self.evse_voltage_v),
                ev_target_voltage: r(if self.evse_voltage_v > 0.0 {
                    self.evse_voltage_v
                } else {
                    v.max_battery_voltage_v * 0.9
                }),
            })),
            S::PowerDeliveryStart | S::PowerDeliveryStop => {
                common(cm::Document::PowerDeliveryReq(cm::PowerDeliveryReq {
                    header: h(),
                    ev_processing: Processing::Finished,
                    charge_progress: if self.stage == S::PowerDeliveryStart {
                        cm::ChargeProgress::Start
                    } else {
                        cm::ChargeProgress::Stop
                    },
                    ev_power_profile: None,
                    bpt_channel_selection: None,
                }))
            }
            S::ChargeLoop => {
                if self.stop_requested {
                    self.stage = S::PowerDeliveryStop;
                    return self.next_request(now);
                }
                if now < self.next_loop_at {
                    return None;
                }
                self.next_loop_at = now + CYCLE;
                dcm(dc::Document::DCChargeLoopReq(dc::DCChargeLoopReq {
                    header: h(),
                    display_parameters: Some(DisplayParameters {
                        present_soc: Some((self.soc * 100.0).floor() as u8),
                        minimum_soc: Some(v.min_discharge_soc_pct.round() as u8),
                        ..DisplayParameters::minimal()
                    }),
                    meter_info_requested: false,
                    ev_present_voltage: r(self.evse_voltage_v),
                    choice: dc::DCChargeLoopReqChoice::BPTDynamicDCCLReqControlMode(
                        dc::BPTDynamicDCCLReqControlMode {
                            departure_time: None,
                            ev_target_energy_request: r((1.0 - self.soc) * capacity_wh),
                            ev_maximum_energy_request: r((1.0 - self.soc) * capacity_wh),
                            ev_minimum_energy_request: r(0.0),
                            ev_maximum_charge_power: r(charge_w),
                            ev_minimum_charge_power: r(0.0),
                            ev_maximum_charge_current: r(charge_a),
                            ev_maximum_voltage: r(v.max_battery_voltage_v),
                            ev_minimum_voltage: r(v.min_discharge_voltage_v),
                            ev_maximum_discharge_power: r(discharge_w),
                            ev_minimum_discharge_power: r(0.0),
                            ev_maximum_discharge_current: r(discharge_a),
                            ev_maximum_v2_x_energy_request: Some(r(self.v2x_energy_wh())),
                            ev_minimum_v2_x_energy_request: Some(r(0.0)),
                        },
                    ),
                }))
            }
            S::WeldingDetection => dcm(dc::Document::DCWeldingDetectionReq(
                dc::DCWeldingDetectionReq {
                    header: h(),
                    ev_processing: Processing::Finished,
                },
            )),
            S::SessionStop => common(cm::Document::SessionStopReq(cm::SessionStopReq {
                header: h(),
                charging_session: cm::ChargingSession::Terminate,
                ev_termination_code: None,
                ev_termination_explanation: None,
            })),
            S::Unplugged | S::Discovering | S::Handshake | S::Ended => None,
        }
    }

    /// Energy the vehicle would give before its SoC floor.
    fn v2x_energy_wh(&self) -> f64 {
        let floor = self.vehicle.min_discharge_soc_pct / 100.0;
        ((self.soc - floor) * self.vehicle.capacity_kwh * 1000.0).max(0.0)
    }

    /// Starts SECC discovery (ISO 15118-2 §7.10.1, the same in -20) asking
    /// for TLS, which ISO 15118-20 requires (§7.7.3). A link that answers at
    /// once (the emulated one) is taken now, so a missing SECC fails the
    /// plug-in itself.
    fn plug(&mut self, now: Duration) -> Result<(), String> {
        self.unplug();
        self.peak_discharge_current_a = 0.0;
        self.charger_stopped = false;
        self.stop_cause = None;
        let request = SdpRequest {
            security: Security::Tls,
            transport: Transport::Tcp,
        };
        self.record(now, "tx", "SECCDiscoveryReq", &request.encode());
        self.link.open(request);
        self.stage = Stage::Discovering;
        let outcome = self.link.poll();
        self.on_link(now, outcome);
        match (&self.stage, &self.stop_cause) {
            (Stage::Ended, Some(reason)) => Err(reason.clone()),
            _ => Ok(()),
        }
    }

    fn unplug(&mut self) {
        self.session = None;
        self.stage = Stage::Unplugged;
        self.intent = None;
        self.stop_requested = false;
        self.precharged = false;
        self.evse_current_a = 0.0;
        self.evse_voltage_v = 0.0;
    }
}

impl EvSimulator for CcsEv {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        Ok(Identity {
            manufacturer: "v2x-hil".into(),
            model: format!("CCS EV simulator `{}` (ISO 15118-20 DC BPT)", self.name),
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
            let now = self.shared().last_tick.unwrap_or_default();
            self.shared().plug(now).map_err(unresponsive)?;
            let link = self.shared().link.describe();
            let outcome = await_discovery(&*self.clock, &self.shared, &link, |s| {
                match (s.stage, &s.stop_cause) {
                    (Stage::Discovering, _) => None,
                    (Stage::Ended, Some(reason)) => Some(Err(reason.clone())),
                    _ => Some(Ok(())),
                }
            });
            return outcome.map_err(unresponsive);
        }
        let mut s = self.shared();
        match command {
            EvCommand::Plug => {}
            EvCommand::StartCharge { current_a } => {
                let max = s.vehicle.max_charge_current_a;
                s.intent = Some(Intent::Charge {
                    current_a: current_a.unwrap_or(max),
                });
                s.stop_requested = false;
            }
            EvCommand::StartDischarge => {
                s.intent = Some(Intent::Discharge);
                s.stop_requested = false;
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
        let v = &mut s.vehicle;
        if let Some(a) = l.max_charge_current_a {
            v.max_charge_current_a = a;
        }
        if let Some(a) = l.max_discharge_current_a {
            v.max_discharge_current_a = a;
        }
        if let Some(p) = l.min_discharge_soc_pct {
            v.min_discharge_soc_pct = p;
        }
        if let Some(volts) = l.min_discharge_voltage_v {
            v.min_discharge_voltage_v = volts;
        }
        Ok(())
    }

    fn take_messages(&mut self) -> Result<Vec<super::EvMessage>, DeviceError> {
        Ok(self
            .take_records()
            .into_iter()
            .map(super::EvMessage::from)
            .collect())
    }

    fn status(&mut self) -> Result<EvReading, DeviceError> {
        let s = self.shared();
        Ok(EvReading {
            phase: format!("{:?}", s.stage),
            soc_pct: s.soc * 100.0,
            dc_current_a: -s.evse_current_a,
            dc_voltage_v: s.evse_voltage_v,
            energy_transfer: s.stage == Stage::ChargeLoop && !s.charger_stopped,
            charger_stopped: s.charger_stopped,
            peak_discharge_current_a: s.peak_discharge_current_a,
            stop_cause: s.stop_cause.clone(),
        })
    }
}
