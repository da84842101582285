//! What the journal keeps of a run: the record kinds the runner's events
//! become, and the files they refer to. The report is rebuilt from these
//! records alone (`report::build`), so everything a report shows is here.

use super::waveform::island_csv;
use super::Evidence;
use crate::exec::RunEvent;
use serde_json::{json, Value};

/// Record kinds, shared with the report's reader.
pub mod kind {
    pub const RUN_STARTED: &str = "run_started";
    pub const EQUIPMENT: &str = "equipment";
    pub const TEST_STARTED: &str = "test_started";
    pub const STEP: &str = "step";
    pub const EXCHANGE: &str = "exchange";
    pub const ISLAND: &str = "island";
    pub const TRIP: &str = "trip";
    pub const EXPECTATION: &str = "expectation";
    pub const SETTINGS: &str = "settings";
    pub const FLASH: &str = "flash";
    pub const POWER: &str = "power";
    pub const TEST_FINISHED: &str = "test_finished";
    pub const SAFE_STATE: &str = "safe_state";
    pub const ABORTED: &str = "aborted";
    pub const RUN_FINISHED: &str = "run_finished";
    /// A fault injected into or cleared from an emulated rig.
    pub const FAULT: &str = "fault";
    /// An `expect_abort` test's abort, as it expected.
    pub const EXPECTED_ABORT: &str = "expected_abort";
    /// `commission --resume` went on with an interrupted run.
    pub const RESUMED: &str = "resumed";
    /// One charger of several finished its commissioning; the next follows.
    pub const UNIT_FINISHED: &str = "unit_finished";
    /// The installer was asked to do something (site rigs).
    pub const INSTALLER: &str = "installer";
    /// An `identify` step's answer.
    pub const IDENTIFIED: &str = "identified";
    /// A V2H backup test at a site.
    pub const BACKUP: &str = "backup";
    /// A site meter checked against the charger.
    pub const METER_CHECK: &str = "meter_check";
    /// A charger's firmware held to the program's catalog (its update, if
    /// any, is the `flash` record before it).
    pub const FIRMWARE_GATE: &str = "firmware_gate";
    /// An OCPP step's outcome.
    pub const OCPP_CHECK: &str = "ocpp_check";
    /// One OCPP-J frame between the central system and the charger, whole
    /// (frames are bounded to 64 KiB before they are read).
    pub const OCPP_FRAME: &str = "ocpp_frame";
    /// One V2G message of a CCS vehicle: name and V2GTP frame (hex).
    pub const V2G_MESSAGE: &str = "v2g_message";
}

/// Turns runner events into journal records and evidence files.
pub struct RunRecorder {
    evidence: Evidence,
    nominal_frequency_hz: f64,
    islands: usize,
    trips: usize,
    /// `v2g.pcapng`, opened with a CCS vehicle's first message.
    v2g: Option<super::v2g_capture::V2gCapture<super::sink::SideFile>>,
}

impl RunRecorder {
    pub fn new(evidence: Evidence, nominal_frequency_hz: f64) -> Self {
        RunRecorder {
            evidence,
            nominal_frequency_hz,
            v2g: None,
            islands: 0,
            trips: 0,
        }
    }

    pub fn on_event(&mut self, event: &RunEvent) {
        let value = |v: serde_json::Result<Value>| v.unwrap_or(Value::Null);
        if let RunEvent::EvMessages(messages) = event {
            for m in messages.iter() {
                self.evidence
                    .record(kind::V2G_MESSAGE, value(serde_json::to_value(m)));
                self.capture_v2g(m);
            }
            return;
        }
        if let RunEvent::OcppFrames(frames) = event {
            for f in frames.iter() {
                self.evidence
                    .record(kind::OCPP_FRAME, value(serde_json::to_value(f)));
            }
            return;
        }
        let (k, data) = match event {
            RunEvent::OcppFrames(_) | RunEvent::EvMessages(_) => return,
            RunEvent::Ocpp(c) => (kind::OCPP_CHECK, value(serde_json::to_value(c))),
            RunEvent::TestStarted { name, clause } => (
                kind::TEST_STARTED,
                json!({ "name": name, "clause": clause }),
            ),
            RunEvent::Step { index, step } => (
                kind::STEP,
                json!({ "index": index, "step": value(serde_json::to_value(step)) }),
            ),
            RunEvent::Island {
                measurement,
                capture,
            } => {
                self.islands += 1;
                let file = self
                    .evidence
                    .side_file(&format!("waveforms/island-{:03}", self.islands), "csv");
                let waveform = self.write_waveform(&file, measurement.clearing_time_s, capture);
                (
                    kind::ISLAND,
                    json!({
                        "measurement": value(serde_json::to_value(measurement)),
                        "waveform": waveform,
                    }),
                )
            }
            RunEvent::Trip {
                measurement,
                capture,
                t0_s,
            } => {
                self.trips += 1;
                let file = self
                    .evidence
                    .side_file(&format!("waveforms/trip-{:03}", self.trips), "csv");
                // The file's time 0 is the capture's trigger; the step is at t0_s.
                let end_s = measurement.clearing_time_s.map(|t| t + t0_s);
                let waveform = self.write_waveform(&file, end_s, capture);
                (
                    kind::TRIP,
                    json!({
                        "measurement": value(serde_json::to_value(measurement)),
                        "t0_s": t0_s,
                        "waveform": waveform,
                    }),
                )
            }
            RunEvent::Expectation(e) => (kind::EXPECTATION, value(serde_json::to_value(e))),
            RunEvent::Settings(s) => (kind::SETTINGS, value(serde_json::to_value(s))),
            RunEvent::Flash(f) => (kind::FLASH, value(serde_json::to_value(f))),
            RunEvent::Power {
                setpoint_w,
                measured_w,
            } => (
                kind::POWER,
                json!({ "setpoint_w": setpoint_w, "measured_w": measured_w }),
            ),
            RunEvent::TestFinished(t) => {
                if t.verdict == crate::exec::results::Verdict::Aborted {
                    // The abort itself, before the test's record carries it.
                    self.evidence
                        .record(kind::ABORTED, json!({ "test": t.name, "reason": t.reason }));
                }
                (kind::TEST_FINISHED, value(serde_json::to_value(t)))
            }
            RunEvent::SafeState { errors } => (kind::SAFE_STATE, json!({ "errors": errors })),
            RunEvent::Installer { action, say } => {
                (kind::INSTALLER, json!({ "action": action, "say": say }))
            }
            RunEvent::Identified { device, identity } => (
                kind::IDENTIFIED,
                json!({ "device": device, "identity": value(serde_json::to_value(identity)) }),
            ),
            RunEvent::Backup(b) => (kind::BACKUP, value(serde_json::to_value(b))),
            RunEvent::MeterCheck(m) => (kind::METER_CHECK, value(serde_json::to_value(m))),
            RunEvent::FirmwareGate(g) => (kind::FIRMWARE_GATE, value(serde_json::to_value(g))),
            RunEvent::ExpectedAbort { test, reason } => (
                kind::EXPECTED_ABORT,
                json!({ "test": test, "reason": reason }),
            ),
        };
        self.evidence.record(k, data);
        // What the console shows (or a prompt waits on) is on disk first;
        // steps and power samples ride with the next group.
        if !matches!(event, RunEvent::Step { .. } | RunEvent::Power { .. }) {
            self.evidence.commit();
        }
    }

    /// Appends a V2G message to `v2g.pcapng` (created on the first).
    fn capture_v2g(&mut self, m: &crate::device::EvMessage) {
        let file = self.evidence.side_file("v2g", "pcapng");
        if self.v2g.is_none() {
            match self.evidence.side_writer(&self.evidence.dir().join(&file)) {
                Ok(f) => self.v2g = Some(super::v2g_capture::V2gCapture::new(f)),
                Err(e) => {
                    self.evidence.note_error(format!("{file}: {e}"));
                    return;
                }
            }
        }
        let at = std::time::Duration::try_from_secs_f64(m.at_s).unwrap_or_default();
        if let Some(c) = self.v2g.as_mut() {
            if let Err(e) = c.message(at, m.direction == "tx", &m.frame) {
                self.evidence.note_error(format!("{file}: {e}"));
            }
        }
    }

    /// `waveforms/island-NNN.csv` or `trip-NNN.csv`, written and synced
    /// before the record that names it and its digest; `end_s` (after the
    /// trigger) is when the event cleared.
    fn write_waveform(
        &mut self,
        file: &str,
        end_s: Option<f64>,
        capture: &crate::device::Capture,
    ) -> Value {
        let csv = island_csv(capture, end_s, self.nominal_frequency_hz);
        match self.evidence.write_file(file, csv.as_bytes()) {
            Ok(sha256) => json!({ "file": file, "sha256": sha256 }),
            Err(e) => {
                self.evidence.note_error(format!("{file}: {e}"));
                Value::Null
            }
        }
    }
}
