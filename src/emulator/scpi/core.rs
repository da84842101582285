//! What every emulated SCPI instrument shares: line framing, the header
//! path, IEEE 488.2 common commands, the error queue and the standard
//! event status register. Instrument-specific commands go to a
//! [`ScpiDevice`].

use crate::device::Identity;
use crate::emulator::Instrument;
use crate::plant::Plant;
use crate::protocol::scpi::command::{none, PathResolver, Pattern};
use crate::protocol::scpi::message::{find_message_end, parse_message, Header, ProgramUnit};
use crate::protocol::scpi::response::format_nr1;
use crate::protocol::scpi::{ErrorCode, ErrorEntry};
use std::collections::VecDeque;
use std::time::Duration;

/// Error-queue depth; Keysight instruments keep 20 entries (34980A,
/// InfiniiVision); on overflow the newest entry becomes -350
/// (SCPI-99 Vol. 2 §21.8.1).
pub const ERROR_QUEUE_LEN: usize = 20;
/// Input buffer size; a longer message is dropped with -363.
pub const INPUT_BUFFER_LEN: usize = 64 * 1024;

/// One instrument's own command set.
pub trait ScpiDevice: Send {
    /// Header patterns; `execute` receives the index of the one matched.
    fn table(&self) -> Vec<Pattern>;
    /// Runs one unit. A query appends its response data to `out`.
    fn execute(
        &mut self,
        index: usize,
        unit: &ProgramUnit,
        plant: &mut Plant,
        out: &mut Vec<u8>,
    ) -> Result<(), ErrorCode>;
    /// `*RST`: the instrument's documented reset state.
    fn reset(&mut self, plant: &mut Plant);
    /// Called before each message, to follow the plant (e.g. triggers).
    fn poll(&mut self, _plant: &mut Plant) {}
    /// Time the instrument takes to answer.
    fn reply_latency(&self) -> Duration {
        Duration::from_micros(500)
    }
}

/// The SCPI-99 required SYSTem commands, appended after the device's table.
const SYSTEM_COMMANDS: [&str; 3] = [
    "SYSTem:ERRor[:NEXT]?",
    "SYSTem:ERRor:COUNt?",
    "SYSTem:VERSion?",
];

/// An emulated SCPI instrument: bytes in, bytes out.
pub struct ScpiInstrument<D: ScpiDevice> {
    device: D,
    identity: Identity,
    table: Vec<Pattern>,
    device_len: usize,
    rx: Vec<u8>,
    errors: VecDeque<ErrorEntry>,
    resolver: PathResolver,
    /// Standard Event Status Register (IEEE 488.2 §11.5.1).
    esr: u8,
    /// An injected hardware failure: every instrument command fails with
    /// -240 "Hardware error" (SCPI-99 §21.8.10: a legal command that could
    /// not be executed because of a hardware problem); the common and
    /// SYSTem commands, which the interface answers, still work, so the
    /// error queue can be read.
    hardware_fault: bool,
}

impl<D: ScpiDevice> ScpiInstrument<D> {
    pub fn new(device: D, identity: Identity) -> Self {
        let mut table = device.table();
        let device_len = table.len();
        table.extend(SYSTEM_COMMANDS.iter().map(|p| Pattern::parse(p)));
        ScpiInstrument {
            device,
            identity,
            table,
            device_len,
            rx: Vec::new(),
            errors: VecDeque::new(),
            resolver: PathResolver::default(),
            esr: 0,
            hardware_fault: false,
        }
    }

    pub fn device(&self) -> &D {
        &self.device
    }

    fn push_error(&mut self, e: ErrorCode) {
        // ESR bits: 5 command, 4 execution, 3 device-dependent, 2 query error.
        self.esr |= match e.code {
            -199..=-100 => 0x20,
            -299..=-200 => 0x10,
            -399..=-300 => 0x08,
            -499..=-400 => 0x04,
            _ => 0,
        };
        if self.errors.len() >= ERROR_QUEUE_LEN {
            if let Some(last) = self.errors.back_mut() {
                *last = ErrorCode::QUEUE_OVERFLOW.entry();
            }
        } else {
            self.errors.push_back(e.entry());
        }
    }

    fn common(
        &mut self,
        name: &str,
        query: bool,
        unit: &ProgramUnit,
        plant: &mut Plant,
        out: &mut Vec<u8>,
    ) -> Result<(), ErrorCode> {
        match (name, query) {
            ("IDN", true) => {
                none(&unit.params)?;
                let id = &self.identity;
                // IEEE 488.2 §10.14: four comma-separated fields, no quotes.
                let text = format!(
                    "{},{},{},{}",
                    id.manufacturer, id.model, id.serial, id.firmware
                );
                out.extend(text.bytes().filter(|b| !matches!(b, b'\n' | b';')));
            }
            ("RST", false) => {
                none(&unit.params)?;
                self.device.reset(plant);
            }
            ("CLS", false) => {
                none(&unit.params)?;
                self.errors.clear();
                self.esr = 0;
            }
            ("OPC", false) => {
                none(&unit.params)?;
                self.esr |= 0x01; // operations are sequential: complete at once
            }
            ("OPC", true) => {
                none(&unit.params)?;
                out.push(b'1');
            }
            ("WAI", false) => none(&unit.params)?,
            ("ESR", true) => {
                none(&unit.params)?;
                out.extend(format_nr1(i64::from(self.esr)).bytes());
                self.esr = 0;
            }
            ("TST", true) => {
                none(&unit.params)?;
                out.push(b'0');
            }
            _ => return Err(ErrorCode::UNDEFINED_HEADER),
        }
        Ok(())
    }

    fn system(
        &mut self,
        which: usize,
        unit: &ProgramUnit,
        out: &mut Vec<u8>,
    ) -> Result<(), ErrorCode> {
        none(&unit.params)?;
        match which {
            0 => {
                let e = self
                    .errors
                    .pop_front()
                    .unwrap_or_else(|| ErrorCode::NO_ERROR.entry());
                out.extend(e.to_string().bytes());
            }
            1 => out.extend(self.errors.len().to_string().bytes()),
            _ => out.extend(b"1999.0"), // SCPI-99 §21.21
        }
        Ok(())
    }

    fn run_message(&mut self, msg: &[u8], plant: &mut Plant) -> Vec<u8> {
        self.device.poll(plant);
        self.resolver.reset();
        let mut responses: Vec<Vec<u8>> = Vec::new();
        for unit in parse_message(msg) {
            let unit = match unit {
                Ok(u) => u,
                Err(e) => {
                    self.push_error(e);
                    continue;
                }
            };
            let mut out = Vec::new();
            let result = match &unit.header {
                Header::Common { name, query } => {
                    let name = name.clone();
                    self.common(&name, *query, &unit, plant, &mut out)
                }
                header => match self.resolver.resolve(header, &self.table) {
                    Ok(r) if r.index < self.device_len && self.hardware_fault => {
                        Err(ErrorCode::HARDWARE_ERROR)
                    }
                    Ok(r) if r.index < self.device_len => {
                        self.device.execute(r.index, &unit, plant, &mut out)
                    }
                    Ok(r) => self.system(r.index - self.device_len, &unit, &mut out),
                    Err(e) => Err(e),
                },
            };
            match result {
                Ok(()) if unit.header.is_query() => responses.push(out),
                Ok(()) => {}
                Err(e) => self.push_error(e),
            }
        }
        if responses.is_empty() {
            return Vec::new();
        }
        // IEEE 488.2 §8.4.1: response message units joined by ';', ended by NL.
        let mut reply = responses.join(&b';');
        reply.push(b'\n');
        reply
    }
}

impl<D: ScpiDevice> Instrument for ScpiInstrument<D> {
    fn receive(&mut self, bytes: &[u8], plant: &mut Plant) -> Vec<u8> {
        let mut reply = Vec::new();
        self.rx.extend_from_slice(bytes);
        while let Some(end) = find_message_end(&self.rx) {
            let msg: Vec<u8> = self.rx.drain(..=end).collect();
            let body = msg.get(..end).unwrap_or_default();
            let body = body.strip_suffix(b"\r").unwrap_or(body);
            reply.extend(self.run_message(body, plant));
        }
        if self.rx.len() > INPUT_BUFFER_LEN {
            self.rx.clear();
            self.push_error(ErrorCode::INPUT_BUFFER_OVERRUN);
        }
        reply
    }

    fn reply_latency(&self) -> Duration {
        self.device.reply_latency()
    }

    fn set_hardware_fault(&mut self, on: bool) {
        self.hardware_fault = on;
    }
}
