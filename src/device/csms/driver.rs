//! The `ocpp` driver of the csms role: a WebSocket server (TCP, TLS or the
//! emulated rig's in-memory network) serviced by a periodic task on the
//! rig's clock. The task never blocks (non-blocking sockets), so it runs
//! inside simulated time as an agent and on hardware as a 10 ms thread;
//! the lock it shares with the runner is held only for non-blocking work.

use super::requests;
use super::session::{CallOutcome, Direction, OcppExchange, Session};
use super::{
    CentralSystem, DispatchProfile, StationBoot, StationMessage, VariableRef, VariableResult,
};
use crate::device::{DeviceError, Identity};
use crate::exec::clock::{Clock, ClockKind, Periodic, SIMULATED_EPOCH_UNIX_S};
use crate::model::rig_csms::OcppVersion;
use crate::transport::ws::{WsConnection, WsServer};
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

/// How often the connection is serviced.
const SERVICE_PERIOD: Duration = Duration::from_millis(10);
/// Frames taken per service tick (a flood cannot starve the runner).
const FRAMES_PER_TICK: usize = 64;

struct Shared {
    server: WsServer,
    conn: Option<WsConnection>,
    /// The last connection's session: its boot and messages stay readable
    /// after it closed, until a charger connects again.
    session: Option<Session>,
    versions: Vec<OcppVersion>,
    expected_station: Option<String>,
    heartbeat_interval_s: u32,
    epoch_unix_s: u64,
    /// Frames of sessions that ended, and refused connections, not yet journalled.
    spill: Vec<OcppExchange>,
}

fn lock(shared: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    shared.lock().unwrap_or_else(|p| p.into_inner())
}

fn rfc3339(epoch_unix_s: u64, at: Duration) -> String {
    crate::protocol::ocpp::time::rfc3339_ms(Duration::from_secs(epoch_unix_s) + at)
}

impl Shared {
    fn service(&mut self, now: Duration) {
        if self.conn.is_none() {
            self.accept(now);
        }
        let Some(conn) = self.conn.as_mut() else {
            return;
        };
        let Some(session) = self.session.as_mut() else {
            return;
        };
        let current_time = rfc3339(self.epoch_unix_s, now);
        for _ in 0..FRAMES_PER_TICK {
            match conn.poll_recv() {
                Ok(Some(text)) => {
                    for reply in session.on_frame(now.as_secs_f64(), &text, &current_time) {
                        if conn.send(&reply).is_err() {
                            break;
                        }
                    }
                }
                Ok(None) => return,
                Err(e) => {
                    self.spill.push(OcppExchange {
                        at_s: now.as_secs_f64(),
                        station_id: session.station_id.clone(),
                        direction: Direction::Rx,
                        frame: String::new(),
                        refused: Some(format!("connection ended: {e}")),
                    });
                    self.spill.extend(session.take_log());
                    self.conn = None;
                    return;
                }
            }
        }
    }

    fn accept(&mut self, now: Duration) {
        let Some(accepted) = self.server.poll_accept() else {
            return;
        };
        let refuse = |spill: &mut Vec<OcppExchange>, who: String, why: String| {
            spill.push(OcppExchange {
                at_s: now.as_secs_f64(),
                station_id: who,
                direction: Direction::Rx,
                frame: String::new(),
                refused: Some(why),
            })
        };
        match accepted {
            Ok(mut conn) => {
                let station = conn.station_id().to_string();
                if let Some(want) = &self.expected_station {
                    if *want != station {
                        refuse(
                            &mut self.spill,
                            station.clone(),
                            format!("station `{station}` is not the rig's `{want}`"),
                        );
                        conn.close();
                        return;
                    }
                }
                let Some(version) = OcppVersion::from_subprotocol(conn.subprotocol())
                    .filter(|v| self.versions.contains(v))
                else {
                    refuse(
                        &mut self.spill,
                        station,
                        format!("subprotocol `{}` not offered", conn.subprotocol()),
                    );
                    conn.close();
                    return;
                };
                let mut seq = 0;
                if let Some(old) = self.session.as_mut() {
                    self.spill.extend(old.take_log());
                    seq = old.last_seq();
                }
                let mut session =
                    Session::new(version, &station, &conn.peer(), self.heartbeat_interval_s);
                session.continue_after(seq);
                self.session = Some(session);
                self.conn = Some(conn);
            }
            Err(e) => refuse(&mut self.spill, String::new(), e.to_string()),
        }
    }
}

pub struct OcppCsms {
    shared: Arc<Mutex<Shared>>,
    clock: Arc<dyn Clock>,
    _service: Periodic,
    call_timeout: Duration,
    /// Profiles this run set (cleared in the safe state).
    profiles_set: BTreeSet<i32>,
    /// Where chargers connect, for messages.
    listening: String,
    device: String,
}

/// What the driver needs besides its server.
pub struct CsmsOptions {
    pub versions: Vec<OcppVersion>,
    pub expected_station: Option<String>,
    pub heartbeat_interval_s: u32,
    pub call_timeout: Duration,
    /// "ws://0.0.0.0:9000", "wss://…", "emulated".
    pub listening: String,
}

impl OcppCsms {
    pub fn start(
        server: WsServer,
        clock: Arc<dyn Clock>,
        options: CsmsOptions,
        device: &str,
    ) -> Self {
        let epoch_unix_s = match clock.kind() {
            ClockKind::Simulated => SIMULATED_EPOCH_UNIX_S,
            ClockKind::Wall => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.saturating_sub(clock.now()).as_secs())
                .unwrap_or(0),
        };
        let shared = Arc::new(Mutex::new(Shared {
            server,
            conn: None,
            session: None,
            versions: options.versions,
            expected_station: options.expected_station,
            heartbeat_interval_s: options.heartbeat_interval_s,
            epoch_unix_s,
            spill: Vec::new(),
        }));
        let task_shared = shared.clone();
        let service = clock.every(
            Duration::ZERO,
            SERVICE_PERIOD,
            Box::new(move |now| lock(&task_shared).service(now)),
        );
        OcppCsms {
            shared,
            clock,
            _service: service,
            call_timeout: options.call_timeout,
            profiles_set: BTreeSet::new(),
            listening: options.listening,
            device: device.to_string(),
        }
    }

    fn unresponsive(&self, detail: String) -> DeviceError {
        DeviceError::Unresponsive {
            device: self.device.clone(),
            detail,
        }
    }

    fn protocol(&self, detail: String) -> DeviceError {
        DeviceError::Protocol {
            device: self.device.clone(),
            detail,
        }
    }

    fn connected_version(&self) -> Result<OcppVersion, DeviceError> {
        let s = lock(&self.shared);
        match (&s.conn, &s.session) {
            (Some(_), Some(session)) => Ok(session.version),
            _ => Err(self.unresponsive(format!(
                "no charger is connected (listening on {})",
                self.listening
            ))),
        }
    }

    /// Sends a CALL and waits on the rig's clock for its answer.
    fn call(
        &mut self,
        action: &str,
        payload: serde_json::Value,
    ) -> Result<serde_json::Value, DeviceError> {
        let id = {
            let mut s = lock(&self.shared);
            let at_s = self.clock.now().as_secs_f64();
            let Shared { conn, session, .. } = &mut *s;
            let (Some(conn), Some(session)) = (conn.as_mut(), session.as_mut()) else {
                return Err(self.unresponsive(format!(
                    "no charger is connected (listening on {})",
                    self.listening
                )));
            };
            let (id, frame) = session.call(at_s, action, payload);
            conn.send(&frame)
                .map_err(|e| self.unresponsive(format!("{action} could not be sent: {e}")))?;
            id
        };
        let deadline = self.clock.now() + self.call_timeout;
        loop {
            {
                let mut s = lock(&self.shared);
                let outcome = s.session.as_mut().and_then(|x| x.take_outcome(&id));
                match outcome {
                    Some(CallOutcome::Result(v)) => return Ok(v),
                    Some(CallOutcome::Error { code, description }) => {
                        return Err(DeviceError::Instrument {
                            device: self.device.clone(),
                            code: 0,
                            message: format!("{action} answered CALLERROR {code}: {description}"),
                        })
                    }
                    None if s.conn.is_none() => {
                        return Err(self.unresponsive(format!(
                            "the charger disconnected before answering {action}"
                        )))
                    }
                    None => {}
                }
                if self.clock.now() >= deadline {
                    if let Some(x) = s.session.as_mut() {
                        x.abandon(&id);
                    }
                    return Err(self.unresponsive(format!(
                        "no answer to {action} within {:?}",
                        self.call_timeout
                    )));
                }
            }
            self.clock.sleep(Duration::from_millis(5));
        }
    }
}

impl Drop for OcppCsms {
    /// The run is over: the charger gets a WebSocket close (1001 Going
    /// Away), not a dropped TCP connection.
    fn drop(&mut self) {
        if let Some(conn) = lock(&self.shared).conn.as_mut() {
            conn.go_away();
        }
    }
}

impl CentralSystem for OcppCsms {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        let boot = self.wait_boot(Duration::ZERO)?;
        Ok(Identity {
            manufacturer: boot.vendor,
            model: boot.model,
            serial: boot.serial.unwrap_or_default(),
            firmware: boot.firmware.unwrap_or_default(),
        })
    }

    fn wait_boot(&mut self, timeout: Duration) -> Result<StationBoot, DeviceError> {
        let deadline = self.clock.now() + timeout;
        loop {
            // Only a connected charger's boot: one that dropped (a reboot
            // after a firmware update) has not booted again yet.
            let boot = {
                let s = lock(&self.shared);
                s.conn
                    .as_ref()
                    .and(s.session.as_ref())
                    .and_then(|x| x.boot.clone())
            };
            if let Some(b) = boot {
                return Ok(b);
            }
            if self.clock.now() >= deadline {
                return Err(self.unresponsive(format!(
                    "no charger has connected and booted (listening on {})",
                    self.listening
                )));
            }
            self.clock.sleep(SERVICE_PERIOD);
        }
    }

    fn get_variables(
        &mut self,
        variables: &[VariableRef],
    ) -> Result<Vec<VariableResult>, DeviceError> {
        let v = self.connected_version()?;
        let payload = requests::get_variables(v, variables).map_err(|e| self.protocol(e))?;
        let answer = self.call("GetVariables", payload)?;
        requests::variable_results(v, true, &answer).map_err(|e| self.protocol(e))
    }

    fn set_variables(
        &mut self,
        variables: &[(VariableRef, String)],
    ) -> Result<Vec<VariableResult>, DeviceError> {
        let v = self.connected_version()?;
        let payload = requests::set_variables(v, variables).map_err(|e| self.protocol(e))?;
        let answer = self.call("SetVariables", payload)?;
        requests::variable_results(v, false, &answer).map_err(|e| self.protocol(e))
    }

    fn trigger_message(&mut self, message: &str) -> Result<String, DeviceError> {
        let v = self.connected_version()?;
        let payload = requests::trigger_message(v, message).map_err(|e| self.protocol(e))?;
        let answer = self.call("TriggerMessage", payload)?;
        requests::status("TriggerMessage", v, &answer).map_err(|e| self.protocol(e))
    }

    fn set_charging_profile(&mut self, profile: &DispatchProfile) -> Result<String, DeviceError> {
        let v = self.connected_version()?;
        let (start, tx) = {
            let s = lock(&self.shared);
            (
                rfc3339(s.epoch_unix_s, self.clock.now()),
                s.session.as_ref().and_then(|x| x.transaction_id.clone()),
            )
        };
        let payload =
            requests::set_charging_profile(v, profile, &start, tx.as_deref()).map_err(|e| {
                DeviceError::Unsupported {
                    device: self.device.clone(),
                    detail: e,
                }
            })?;
        let answer = self.call("SetChargingProfile", payload)?;
        let status =
            requests::status("SetChargingProfile", v, &answer).map_err(|e| self.protocol(e))?;
        if status == "Accepted" {
            self.profiles_set.insert(profile.profile_id);
        }
        Ok(status)
    }

    fn clear_charging_profile(&mut self, profile_id: Option<i32>) -> Result<String, DeviceError> {
        let ids: Vec<i32> = match profile_id {
            Some(id) => vec![id],
            None => self.profiles_set.iter().copied().collect(),
        };
        if ids.is_empty() {
            // Nothing of ours to clear (no charger need be connected).
            return Ok("Accepted".into());
        }
        let v = self.connected_version()?;
        let mut last = "Accepted".to_string();
        for id in ids {
            let payload = requests::clear_charging_profile(v, id).map_err(|e| self.protocol(e))?;
            let answer = self.call("ClearChargingProfile", payload)?;
            last = requests::status("ClearChargingProfile", v, &answer)
                .map_err(|e| self.protocol(e))?;
            self.profiles_set.remove(&id);
        }
        Ok(last)
    }

    fn received(&mut self, after_seq: u64) -> Result<Vec<StationMessage>, DeviceError> {
        Ok(lock(&self.shared)
            .session
            .as_ref()
            .map(|s| s.received_after(after_seq))
            .unwrap_or_default())
    }

    fn take_log(&mut self) -> Result<Vec<OcppExchange>, DeviceError> {
        let mut s = lock(&self.shared);
        let mut log = std::mem::take(&mut s.spill);
        if let Some(x) = s.session.as_mut() {
            log.extend(x.take_log());
        }
        log.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        Ok(log)
    }

    fn listening(&mut self) -> Result<String, DeviceError> {
        Ok(self.listening.clone())
    }

    fn version(&mut self) -> Result<Option<OcppVersion>, DeviceError> {
        Ok(lock(&self.shared).session.as_ref().map(|s| s.version))
    }
}
