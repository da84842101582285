//! A SCPI conversation over a byte link, the way lab scripts hold one:
//! write a line, read a reply (block-aware) with a timeout, `*OPC?` to
//! sync, and after every setting drain `SYST:ERR?` until `0,"No error"`.

use crate::device::{DeviceError, Identity};
use crate::protocol::scpi::message::find_message_end;
use crate::protocol::scpi::response::{decode_block, parse_bool, parse_number, BlockError};
use crate::protocol::scpi::ErrorEntry;
use crate::transport::{ByteLink, TransportError};
use std::time::{Duration, Instant};

/// Replies larger than this are refused as malformed (a 10 s capture at
/// 10 kS/s in WORD is 200 kB).
const MAX_REPLY_BYTES: usize = 64 * 1024 * 1024;
/// Bound on `SYST:ERR?` reads per drain: the queue holds at most ~20.
const MAX_ERROR_DRAIN: usize = 64;
/// A whole reply may take this many reply timeouts (60 s at the default
/// 2 s): a 200 kB capture over 115 200 baud takes 17 s, and a device that
/// trickles bytes without ever ending its message is given up on.
const REPLY_TIME_FACTOR: u32 = 30;

pub struct ScpiSession {
    link: Box<dyn ByteLink>,
    name: String,
    timeout: Duration,
    rx: Vec<u8>,
}

impl ScpiSession {
    pub fn new(link: Box<dyn ByteLink>, name: &str) -> Self {
        ScpiSession {
            link,
            name: name.to_string(),
            timeout: Duration::from_secs(2),
            rx: Vec::new(),
        }
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn protocol_error(&self, detail: impl Into<String>) -> DeviceError {
        DeviceError::Protocol {
            device: self.name.clone(),
            detail: detail.into(),
        }
    }

    fn write_line(&mut self, line: &str) -> Result<(), DeviceError> {
        tracing::trace!(device = %self.name, %line, "scpi >");
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        self.link.write_all(&bytes)?;
        Ok(())
    }

    /// One response message, terminator stripped. Each read waits up to
    /// the reply timeout; none starts once `REPLY_TIME_FACTOR` of them have
    /// passed in wall time (reads are not shortened to fit: on the emulated
    /// rig a link waits in simulated time, and runs stay deterministic).
    fn read_message(&mut self) -> Result<Vec<u8>, DeviceError> {
        let mut buf = [0u8; 4096];
        let whole = self.timeout.saturating_mul(REPLY_TIME_FACTOR);
        let deadline = Instant::now() + whole;
        loop {
            if let Some(end) = find_message_end(&self.rx) {
                let mut msg: Vec<u8> = self.rx.drain(..=end).collect();
                msg.pop();
                // A CR before the LF is a CRLF terminator, unless it is the
                // last data byte of a block that ends the message.
                let block_ends_here =
                    matches!(decode_block(&msg), Ok((_, used)) if used == msg.len());
                if msg.last() == Some(&b'\r') && !block_ends_here {
                    msg.pop();
                }
                return Ok(msg);
            }
            if self.rx.len() > MAX_REPLY_BYTES {
                self.rx.clear();
                return Err(self.protocol_error("reply too long"));
            }
            if Instant::now() >= deadline {
                return Err(TransportError::Timeout(whole).into());
            }
            let n = self.link.read(&mut buf, self.timeout)?;
            if n == 0 {
                return Err(TransportError::Closed.into());
            }
            self.rx.extend_from_slice(buf.get(..n).unwrap_or_default());
        }
    }

    fn begin(&mut self) -> Result<(), DeviceError> {
        self.rx.clear();
        self.link.clear_input()?;
        Ok(())
    }

    /// Sends a query and returns the raw reply. If none comes, the error
    /// queue usually says why (a query error sends no reply).
    pub fn query_raw(&mut self, query: &str) -> Result<Vec<u8>, DeviceError> {
        self.begin()?;
        self.write_line(query)?;
        match self.read_message() {
            Ok(reply) => {
                self.link.exchanged(query.as_bytes(), Some(&reply));
                Ok(reply)
            }
            Err(DeviceError::Transport(TransportError::Timeout(t))) => {
                self.link.exchanged(query.as_bytes(), None);
                self.check_errors()?;
                Err(DeviceError::Transport(TransportError::Timeout(t)))
            }
            Err(e) => Err(e),
        }
    }

    pub fn query(&mut self, query: &str) -> Result<String, DeviceError> {
        let raw = self.query_raw(query)?;
        let text = String::from_utf8(raw)
            .map_err(|_| self.protocol_error(format!("{query}: reply is not text")))?;
        tracing::trace!(device = %self.name, %text, "scpi <");
        Ok(text)
    }

    pub fn query_number(&mut self, query: &str) -> Result<f64, DeviceError> {
        let text = self.query(query)?;
        parse_number(&text)
            .ok_or_else(|| self.protocol_error(format!("{query}: not a number: {text:?}")))
    }

    pub fn query_bool(&mut self, query: &str) -> Result<bool, DeviceError> {
        let text = self.query(query)?;
        parse_bool(&text)
            .ok_or_else(|| self.protocol_error(format!("{query}: not a boolean: {text:?}")))
    }

    /// A query answered with a definite-length block.
    pub fn query_block(&mut self, query: &str) -> Result<Vec<u8>, DeviceError> {
        let raw = self.query_raw(query)?;
        match decode_block(&raw) {
            Ok((data, used)) if used == raw.len() => Ok(data.to_vec()),
            Ok(_) => Err(self.protocol_error(format!("{query}: bytes after the block"))),
            Err(
                e @ (BlockError::NotABlock | BlockError::BadHeader | BlockError::Incomplete { .. }),
            ) => Err(self.protocol_error(format!("{query}: {e}"))),
        }
    }

    /// Sends a setting, then drains the error queue.
    pub fn command(&mut self, command: &str) -> Result<(), DeviceError> {
        self.begin()?;
        self.write_line(command)?;
        self.link.exchanged(command.as_bytes(), None);
        self.check_errors()
    }

    /// Reads `SYST:ERR?` until `0`; the first error found becomes
    /// `DeviceError::Instrument` (the rest are drained and logged).
    pub fn check_errors(&mut self) -> Result<(), DeviceError> {
        let mut first: Option<ErrorEntry> = None;
        for _ in 0..MAX_ERROR_DRAIN {
            self.rx.clear();
            self.write_line("SYST:ERR?")?;
            let raw = self.read_message()?;
            self.link.exchanged(b"SYST:ERR?", Some(&raw));
            let text = String::from_utf8_lossy(&raw).into_owned();
            let entry = ErrorEntry::parse(&text)
                .ok_or_else(|| self.protocol_error(format!("SYST:ERR?: {text:?}")))?;
            if entry.is_no_error() {
                break;
            }
            tracing::debug!(device = %self.name, code = entry.code, message = %entry.message, "instrument error");
            first.get_or_insert(entry);
        }
        match first {
            None => Ok(()),
            Some(e) => Err(DeviceError::Instrument {
                device: self.name.clone(),
                code: e.code,
                message: e.message,
            }),
        }
    }

    /// `*OPC?`: waits until the instrument has finished what it was sent.
    pub fn sync(&mut self) -> Result<(), DeviceError> {
        let reply = self.query("*OPC?")?;
        if parse_number(&reply) == Some(1.0) {
            Ok(())
        } else {
            Err(self.protocol_error(format!("*OPC?: {reply:?}")))
        }
    }

    /// `*IDN?` → manufacturer, model, serial, firmware (IEEE 488.2 §10.14).
    pub fn identify(&mut self) -> Result<Identity, DeviceError> {
        let reply = self.query("*IDN?")?;
        let mut fields = reply.splitn(4, ',').map(|f| f.trim().to_string());
        let (Some(manufacturer), Some(model), Some(serial), Some(firmware)) =
            (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(self.protocol_error(format!("*IDN?: {reply:?}")));
        };
        Ok(Identity {
            manufacturer,
            model,
            serial,
            firmware,
        })
    }
}

/// A finite number as program data (plain decimal; NRf).
pub(crate) fn nrf(session: &ScpiSession, what: &str, v: f64) -> Result<String, DeviceError> {
    if v.is_finite() {
        Ok(format!("{v}"))
    } else {
        Err(DeviceError::Unsupported {
            device: session.name().to_string(),
            detail: format!("{what} must be a finite number, got {v}"),
        })
    }
}
