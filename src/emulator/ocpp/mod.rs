//! The emulated charger's OCPP 2.0.1 / 2.1 client: a plant agent that
//! dials the rig's central system over the emulated network (a real
//! WebSocket handshake and frames over an in-memory pipe), boots, beats,
//! reports its transaction from the plant's DC session, and follows the
//! charging profiles it is sent by setting the plant's power.

mod device_model;
mod profiles;
mod station;

use crate::device::Identity;
use crate::emulator::bootloader::BootloaderStatus;
use crate::exec::clock::SIMULATED_EPOCH_UNIX_S;
use crate::model::rig_csms::{EmulatedOcpp, OcppVersion};
use crate::plant::{Agent, Plant};
use crate::protocol::ocpp::round_to_tenths;
use crate::protocol::ocpp::rpc::{self, Frame};
use crate::protocol::ocpp::time::rfc3339_ms;
use crate::transport::ws::{BasicAuth, MemoryConnector, WsClient, WsConnection};
use device_model::DeviceModel;
use profiles::Profiles;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often the client looks at its connection and the plant.
const TICK: Duration = Duration::from_millis(10);
/// Wait before dialling again after the connection ended (B01: a
/// station retries; the back-off is its own).
const RECONNECT_AFTER: Duration = Duration::from_secs(5);
/// Wait before repeating an unanswered or non-accepted BootNotification.
const BOOT_RETRY: Duration = Duration::from_secs(10);

/// How the client reaches its central system: the emulated rig's
/// in-memory network, or a real one over TCP (`emulate --csms ws://…`).
pub enum Dialer {
    Memory(MemoryConnector),
    /// `host:port` to connect to, and the URL the handshake names.
    Tcp {
        addr: String,
        url: String,
    },
}

/// How long one TCP dial may block the emulator's time loop.
const TCP_DIAL_TIMEOUT: Duration = Duration::from_millis(200);

impl Dialer {
    /// A `ws://host:port/…/<station id>` URL; wss is not dialled by the
    /// emulator (security profile 1 only).
    pub fn tcp(url: &str) -> Result<Dialer, String> {
        let rest = url.strip_prefix("ws://").ok_or_else(|| {
            format!("`{url}`: the emulated charger dials ws:// URLs (security profile 1)")
        })?;
        let addr = rest.split('/').next().unwrap_or_default();
        if addr.is_empty() || !addr.contains(':') {
            return Err(format!(
                "`{url}`: give host:port, e.g. ws://127.0.0.1:9000/ocpp/CP001"
            ));
        }
        Ok(Dialer::Tcp {
            addr: addr.to_string(),
            url: url.to_string(),
        })
    }

    fn dial(&self, station_id: &str) -> Option<(Box<dyn crate::transport::ws::Stream>, String)> {
        match self {
            Dialer::Memory(c) => Some((
                Box::new(c.connect()),
                format!("ws://csms.emulated/ocpp/{station_id}"),
            )),
            Dialer::Tcp { addr, url } => {
                use std::net::ToSocketAddrs;
                let sock = addr.to_socket_addrs().ok()?.next()?;
                let stream = std::net::TcpStream::connect_timeout(&sock, TCP_DIAL_TIMEOUT).ok()?;
                stream.set_nonblocking(true).ok()?;
                let _ = stream.set_nodelay(true);
                Some((Box::new(stream), url.clone()))
            }
        }
    }
}

enum Link {
    Idle { dial_at: Duration },
    Handshaking(WsClient),
    Open(WsConnection),
}

/// The transaction the plant's DC session is in.
struct Transaction {
    id: String,
    seq_no: u64,
}

pub struct OcppClientAgent {
    dialer: Dialer,
    /// The charger's bootloader, when emulated: the application it runs
    /// is the firmware the boot reports, and a new one reboots the client.
    bootloader: Option<Arc<Mutex<BootloaderStatus>>>,
    link: Link,
    identity: Identity,
    station_id: String,
    version: OcppVersion,
    password: Option<String>,
    next_wake: Duration,
    next_id: u64,
    /// Our CALLs not yet answered: id → action.
    pending: BTreeMap<String, String>,
    booted: bool,
    boot_reason: &'static str,
    next_boot: Duration,
    next_heartbeat: Duration,
    model: DeviceModel,
    transactions_started: u64,
    transaction: Option<Transaction>,
    next_tx_update: Duration,
    profiles: Profiles,
    /// Energy through the AC terminals, Wh (import, export).
    energy_wh: (f64, f64),
    last_energy_t: Duration,
}

impl OcppClientAgent {
    pub fn new(
        dialer: Dialer,
        spec: &EmulatedOcpp,
        identity: Identity,
        bootloader: Option<Arc<Mutex<BootloaderStatus>>>,
    ) -> Self {
        OcppClientAgent {
            dialer,
            bootloader,
            link: Link::Idle {
                dial_at: Duration::ZERO,
            },
            identity,
            station_id: spec.station_id.clone(),
            version: spec.version,
            password: spec.password.clone(),
            next_wake: Duration::ZERO,
            next_id: 1,
            pending: BTreeMap::new(),
            booted: false,
            boot_reason: "PowerUp",
            next_boot: Duration::ZERO,
            next_heartbeat: Duration::MAX,
            model: DeviceModel::new(60, 60, spec.version == OcppVersion::V21),
            transactions_started: 0,
            transaction: None,
            next_tx_update: Duration::MAX,
            profiles: Profiles::default(),
            energy_wh: (0.0, 0.0),
            last_energy_t: Duration::ZERO,
        }
    }

    fn timestamp(now: Duration) -> String {
        rfc3339_ms(Duration::from_secs(SIMULATED_EPOCH_UNIX_S) + now)
    }

    fn send_call(&mut self, action: &str, payload: Value) {
        let Link::Open(conn) = &mut self.link else {
            return;
        };
        let id = format!("cp-{}", self.next_id);
        self.next_id += 1;
        let frame = Frame::Call {
            message_id: id.clone(),
            action: action.to_string(),
            payload,
        };
        if conn.send(&frame.encode()).is_ok() {
            self.pending.insert(id, action.to_string());
        }
    }

    fn send_frame(&mut self, frame: Frame) {
        if let Link::Open(conn) = &mut self.link {
            let _ = conn.send(&frame.encode());
        }
    }

    fn drive_link(&mut self, now: Duration) {
        match &mut self.link {
            Link::Idle { dial_at } if now >= *dial_at => {
                let Some((stream, url)) = self.dialer.dial(&self.station_id) else {
                    self.link = Link::Idle {
                        dial_at: now + RECONNECT_AFTER,
                    };
                    return;
                };
                let auth = self.password.as_ref().map(|p| BasicAuth {
                    username: self.station_id.clone(),
                    password: p.clone(),
                });
                // A 2.1 station offers 2.0.1 as its fallback (OCPP-J §3.1.2);
                // a 2.0.1 station knows nothing newer.
                let protocols: &[&str] = match self.version {
                    OcppVersion::V21 => &["ocpp2.1", "ocpp2.0.1"],
                    OcppVersion::V201 => &["ocpp2.0.1"],
                };
                self.link =
                    Link::Handshaking(WsClient::start(stream, &url, protocols, auth.as_ref()));
            }
            Link::Idle { .. } => {}
            Link::Handshaking(client) => match client.poll() {
                Ok(Some(conn)) => {
                    if let Some(v) = OcppVersion::from_subprotocol(conn.subprotocol()) {
                        self.version = v;
                    }
                    self.link = Link::Open(conn);
                    self.booted = false;
                    self.next_boot = now;
                    self.pending.clear();
                }
                Ok(None) => {}
                Err(_) => {
                    self.link = Link::Idle {
                        dial_at: now + RECONNECT_AFTER,
                    }
                }
            },
            Link::Open(_) => {}
        }
    }

    fn read_frames(&mut self, now: Duration, plant: &mut Plant) {
        for _ in 0..64 {
            let Link::Open(conn) = &mut self.link else {
                return;
            };
            let text = match conn.poll_recv() {
                Ok(Some(t)) => t,
                Ok(None) => return,
                Err(_) => {
                    self.link = Link::Idle {
                        dial_at: now + RECONNECT_AFTER,
                    };
                    return;
                }
            };
            match rpc::decode(&text) {
                Ok(Frame::Call {
                    message_id,
                    action,
                    payload,
                }) => self.on_call(now, plant, message_id, &action, &payload),
                Ok(Frame::CallResult {
                    message_id,
                    payload,
                }) => self.on_result(now, &message_id, &payload),
                Ok(Frame::CallError { message_id, .. })
                | Ok(Frame::CallResultError { message_id, .. }) => {
                    if self.pending.remove(&message_id).as_deref() == Some("BootNotification") {
                        self.next_boot = now + BOOT_RETRY;
                    }
                }
                Ok(Frame::Send { .. }) => {}
                Err(e) => {
                    if let Some(id) = e.message_id() {
                        self.send_frame(Frame::CallError {
                            message_id: id.to_string(),
                            code: e.reply_code(),
                            description: "malformed".into(),
                            details: json!({}),
                        });
                    }
                }
            }
        }
    }

    fn on_result(&mut self, now: Duration, id: &str, payload: &Value) {
        if self.pending.remove(id).as_deref() != Some("BootNotification") {
            return;
        }
        let accepted = payload.get("status").and_then(Value::as_str) == Some("Accepted");
        let interval = payload.get("interval").and_then(Value::as_u64).unwrap_or(0);
        if accepted {
            self.booted = true;
            if interval > 0 {
                let _ = self
                    .model
                    .set("OCPPCommCtrlr", "HeartbeatInterval", &interval.to_string());
            }
            self.schedule_heartbeat(now);
            // B01.FR.06 / G01: after boot, each connector's status.
            self.send_status(now);
        } else {
            // Pending or Rejected: ask again after the interval (B02/B03).
            self.next_boot = now + Duration::from_secs(interval.clamp(1, 3600)).max(BOOT_RETRY);
        }
    }

    fn schedule_heartbeat(&mut self, now: Duration) {
        let s = self
            .model
            .integer("OCPPCommCtrlr", "HeartbeatInterval", 60)
            .max(1);
        self.next_heartbeat = now + Duration::from_secs(u64::from(s));
    }

    fn send_boot(&mut self, now: Duration) {
        let payload = json!({
            "reason": self.boot_reason,
            "chargingStation": {
                "vendorName": self.identity.manufacturer,
                "model": self.identity.model,
                "serialNumber": self.identity.serial,
                "firmwareVersion": self.identity.firmware,
            }
        });
        self.send_call("BootNotification", payload);
        self.boot_reason = "PowerUp";
        self.next_boot = now + BOOT_RETRY;
    }

    fn send_status(&mut self, now: Duration) {
        let status = if self.transaction.is_some() {
            "Occupied"
        } else {
            "Available"
        };
        let payload = json!({
            "timestamp": Self::timestamp(now),
            "connectorStatus": status,
            "evseId": 1,
            "connectorId": 1,
        });
        self.send_call("StatusNotification", payload);
    }

    fn account_energy(&mut self, now: Duration, plant: &Plant) {
        let dt_h = (now.saturating_sub(self.last_energy_t)).as_secs_f64() / 3600.0;
        self.last_energy_t = now;
        let p = plant.measure().inverter_power_w;
        if p >= 0.0 {
            self.energy_wh.1 += p * dt_h;
        } else {
            self.energy_wh.0 += -p * dt_h;
        }
    }

    /// One sampled meter value (2.0.1 MeterValueType) at the AC terminals.
    fn meter_value(&self, now: Duration, plant: &Plant, context: &str) -> Value {
        let p = plant.measure().inverter_power_w;
        let mut sampled = vec![
            json!({"value": round_to_tenths(p.min(0.0).abs()), "context": context, "measurand": "Power.Active.Import", "unitOfMeasure": {"unit": "W"}}),
            json!({"value": round_to_tenths(p.max(0.0)), "context": context, "measurand": "Power.Active.Export", "unitOfMeasure": {"unit": "W"}}),
            json!({"value": round_to_tenths(self.energy_wh.0), "context": context, "measurand": "Energy.Active.Import.Register", "unitOfMeasure": {"unit": "Wh"}}),
            json!({"value": round_to_tenths(self.energy_wh.1), "context": context, "measurand": "Energy.Active.Export.Register", "unitOfMeasure": {"unit": "Wh"}}),
        ];
        if let Some(b) = plant.ev_battery() {
            sampled.push(json!({"value": round_to_tenths(b.soc * 100.0), "context": context, "measurand": "SoC", "location": "EV", "unitOfMeasure": {"unit": "Percent"}}));
        }
        json!({"timestamp": Self::timestamp(now), "sampledValue": sampled})
    }

    fn transaction_event(&mut self, now: Duration, plant: &Plant, event: &str, trigger: &str) {
        let Some(tx) = self.transaction.as_mut() else {
            return;
        };
        let seq = tx.seq_no;
        tx.seq_no += 1;
        let id = tx.id.clone();
        let context = match event {
            "Started" => "Transaction.Begin",
            "Ended" => "Transaction.End",
            _ if trigger == "Trigger" => "Trigger",
            _ => "Sample.Periodic",
        };
        let mut info = json!({"transactionId": id, "chargingState": if event == "Ended" { "Idle" } else { "Charging" }});
        if event == "Ended" {
            info["stoppedReason"] = json!("EVDisconnected");
        }
        let payload = json!({
            "eventType": event,
            "timestamp": Self::timestamp(now),
            "triggerReason": trigger,
            "seqNo": seq,
            "transactionInfo": info,
            "evse": {"id": 1, "connectorId": 1},
            "meterValue": [self.meter_value(now, plant, context)],
        });
        self.send_call("TransactionEvent", payload);
    }

    /// The plant's DC session is the transaction (E01/E06: started when
    /// energy can flow, ended when the session stops).
    fn follow_transaction(&mut self, now: Duration, plant: &Plant) {
        let active = plant.dc_contactor();
        match (active, self.transaction.is_some()) {
            (true, false) => {
                self.transactions_started += 1;
                self.transaction = Some(Transaction {
                    id: format!("{}-{}", self.station_id, self.transactions_started),
                    seq_no: 0,
                });
                self.transaction_event(now, plant, "Started", "ChargingStateChanged");
                self.send_status(now);
                self.schedule_tx_update(now);
            }
            (false, true) => {
                self.transaction_event(now, plant, "Ended", "EVCommunicationLost");
                self.transaction = None;
                self.next_tx_update = Duration::MAX;
                self.send_status(now);
            }
            (true, true) if now >= self.next_tx_update => {
                self.transaction_event(now, plant, "Updated", "MeterValuePeriodic");
                self.schedule_tx_update(now);
            }
            _ => {}
        }
    }

    fn schedule_tx_update(&mut self, now: Duration) {
        let s = self
            .model
            .integer("SampledDataCtrlr", "TxUpdatedInterval", 60);
        self.next_tx_update = if s == 0 {
            Duration::MAX
        } else {
            now + Duration::from_secs(u64::from(s))
        };
    }
}

impl OcppClientAgent {
    /// Whether the application runs (false while in the bootloader, when
    /// the station is offline). Once a new version runs, the station
    /// reboots: the connection ends and it boots again (L01 FirmwareUpdate).
    fn follow_firmware(&mut self, now: Duration) -> bool {
        let Some(status) = &self.bootloader else {
            return true;
        };
        let running = status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .running_version
            .clone();
        match running {
            None => {
                if !matches!(self.link, Link::Idle { .. }) {
                    if let Link::Open(conn) = &mut self.link {
                        conn.close();
                    }
                    self.link = Link::Idle { dial_at: now };
                }
                false
            }
            Some(v) if v != self.identity.firmware => {
                self.identity.firmware = v;
                self.boot_reason = "FirmwareUpdate";
                if let Link::Open(conn) = &mut self.link {
                    conn.close();
                }
                self.link = Link::Idle { dial_at: now };
                true
            }
            Some(_) => true,
        }
    }
}

impl Agent for OcppClientAgent {
    fn next_wake(&self) -> Duration {
        self.next_wake
    }

    fn wake(&mut self, plant: &mut Plant) {
        let now = plant.now();
        self.next_wake = now + TICK;
        self.account_energy(now, plant);
        if !self.follow_firmware(now) {
            return;
        }
        self.drive_link(now);
        if !matches!(self.link, Link::Open(_)) {
            return;
        }
        self.read_frames(now, plant);
        if !self.booted {
            if now >= self.next_boot && !self.pending.values().any(|a| a == "BootNotification") {
                self.send_boot(now);
            }
            // B02.FR.02: nothing else before the boot is accepted.
            return;
        }
        if now >= self.next_heartbeat {
            self.send_call("Heartbeat", json!({}));
            self.schedule_heartbeat(now);
        }
        self.follow_transaction(now, plant);
        let tx = self.transaction.as_ref().map(|t| t.id.clone());
        self.profiles.apply(now, plant, tx.as_deref());
    }
}

/// The emulated rig's network between its charger and its central system:
/// the server end for the csms driver, and (when the charger's emulation
/// has an `ocpp` block) its client agent in the plant, dialling it.
pub fn start_emulated_network(
    rig: &crate::model::Rig,
    charger: &crate::model::DeviceSpec,
    identity: &Identity,
    plant: &super::SharedPlant,
    bootloader: &Option<Arc<Mutex<BootloaderStatus>>>,
    dial: Option<&str>,
) -> Result<Option<crate::transport::ws::WsServer>, super::rig::EmulatorError> {
    use crate::model::Role;
    let ocpp = charger.emulation.as_ref().and_then(|e| e.ocpp.as_ref());
    if let Some(url) = dial {
        // `emulate --csms URL`: the charger dials a real central system.
        let ocpp = ocpp.ok_or_else(|| {
            super::rig::EmulatorError::Profile(
                "--csms: the rig's charger has no `emulation.ocpp` block (its station id and password)".into(),
            )
        })?;
        let dialer = Dialer::tcp(url).map_err(super::rig::EmulatorError::Profile)?;
        let agent = OcppClientAgent::new(dialer, ocpp, identity.clone(), bootloader.clone());
        super::lock_plant(plant).add_agent(Box::new(agent));
        return Ok(None);
    }
    let Some((_, csms)) = rig
        .devices_in_order()
        .find(|(_, d)| d.role == Role::Csms && d.transport.is_emulated())
    else {
        return Ok(None);
    };
    let Some(spec) = csms.csms.as_ref() else {
        return Ok(None);
    };
    let config = csms_config(spec).map_err(super::rig::EmulatorError::Profile)?;
    let bootloader = bootloader.clone();
    let (server, connector) = crate::transport::ws::WsServer::memory(config);
    if let Some(ocpp) = ocpp {
        let agent = OcppClientAgent::new(
            Dialer::Memory(connector),
            ocpp,
            identity.clone(),
            bootloader,
        );
        super::lock_plant(plant).add_agent(Box::new(agent));
    }
    Ok(Some(server))
}

/// The WebSocket server settings a csms device asks for.
pub fn csms_config(
    spec: &crate::model::rig_csms::CsmsSpec,
) -> Result<crate::transport::ws::WsConfig, String> {
    let basic_auth = match &spec.password {
        Some(p) => Some(BasicAuth {
            username: spec.station_id.clone().unwrap_or_default(),
            password: p.resolve()?,
        }),
        None => None,
    };
    Ok(crate::transport::ws::WsConfig {
        subprotocols: spec
            .versions
            .iter()
            .map(|v| v.subprotocol().to_string())
            .collect(),
        basic_auth,
        max_frame_bytes: crate::protocol::ocpp::rpc::MAX_FRAME_BYTES,
    })
}
