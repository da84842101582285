//! Modbus client over a [`ByteLink`]: RTU (unit id, CRC check, 3.5-character
//! silence before each request, response timeout) or TCP (MBAP transaction
//! ids). Splits reads and writes at the spec's 125/123-register limits.

use crate::device::DeviceError;
use crate::protocol::modbus::pdu::{Request, Response, MAX_READ_REGISTERS, MAX_WRITE_REGISTERS};
use crate::protocol::modbus::rtu::{self, RtuSplitter, Side};
use crate::protocol::modbus::tcp::{self, TcpSplitter};
use crate::protocol::modbus::Framing;
use crate::transport::{ByteLink, TransportError};
use std::time::{Duration, Instant};

/// Serial Line V1.02 §2.5.1.1: above 19200 baud t3.5 is fixed at 1.75 ms.
pub const RTU_INTER_FRAME_GAP: Duration = Duration::from_micros(1750);
pub const DEFAULT_RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);

pub struct ModbusClient {
    link: Box<dyn ByteLink>,
    framing: Framing,
    transaction_id: u16,
    pub response_timeout: Duration,
    pub inter_frame_gap: Duration,
    name: String,
}

impl ModbusClient {
    pub fn new(link: Box<dyn ByteLink>, framing: Framing, name: &str) -> Self {
        ModbusClient {
            link,
            framing,
            transaction_id: 0,
            response_timeout: DEFAULT_RESPONSE_TIMEOUT,
            inter_frame_gap: RTU_INTER_FRAME_GAP,
            name: name.to_string(),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    fn protocol(&self, detail: impl Into<String>) -> DeviceError {
        DeviceError::Protocol {
            device: self.name.clone(),
            detail: detail.into(),
        }
    }

    /// Waits for the line to be silent for t3.5, dropping stale bytes.
    fn wait_silence(&mut self) -> Result<(), DeviceError> {
        let mut scratch = [0u8; 256];
        for _ in 0..64 {
            match self.link.read(&mut scratch, self.inter_frame_gap) {
                Err(TransportError::Timeout(_)) => return Ok(()),
                Err(e) => return Err(e.into()),
                Ok(_) => continue,
            }
        }
        Err(self.protocol("line never went silent"))
    }

    /// Sends one request and returns its response (an exception becomes
    /// `DeviceError::Instrument`).
    pub fn transact(&mut self, req: &Request) -> Result<Response, DeviceError> {
        let pdu = req.to_bytes();
        match self.framing {
            Framing::Rtu { unit_id } => {
                self.wait_silence()?;
                self.link.clear_input()?;
                self.link.write_all(&rtu::encode_adu(unit_id, &pdu))?;
                let mut s = RtuSplitter::new(Side::Responses);
                let frame = self.read_until(|bytes| {
                    s.push(bytes);
                    while let Some(f) = s.next_frame() {
                        if let Ok(f) = f {
                            if f.unit_id == unit_id {
                                return Some(f.pdu);
                            }
                        }
                    }
                    None
                })?;
                // The journal keeps PDUs; the transcript keeps the framing.
                self.link.exchanged(&pdu, Some(&frame));
                self.check(req, &frame)
            }
            Framing::Tcp => {
                self.transaction_id = self.transaction_id.wrapping_add(1);
                let tid = self.transaction_id;
                self.link.clear_input()?;
                self.link.write_all(&tcp::encode_adu(tid, 1, &pdu))?;
                let mut s = TcpSplitter::new();
                let frame = self.read_until(|bytes| {
                    s.push(bytes);
                    while let Some(f) = s.next_frame() {
                        // Replies to earlier, timed-out transactions are skipped.
                        if let Ok(f) = f {
                            if f.transaction_id == tid {
                                return Some(f.pdu);
                            }
                        }
                    }
                    None
                })?;
                self.link.exchanged(&pdu, Some(&frame));
                self.check(req, &frame)
            }
        }
    }

    /// Reads until `feed` has the response. Each read waits up to the
    /// response timeout, and none starts once that much wall time has
    /// passed since the first (a response is at most 260 bytes: 270 ms at
    /// 9600 baud), so an endless trickle is given up on within twice the
    /// timeout. Each read is given the whole timeout so that on the
    /// emulated rig, whose links wait in simulated time, runs stay
    /// deterministic.
    fn read_until(
        &mut self,
        mut feed: impl FnMut(&[u8]) -> Option<Vec<u8>>,
    ) -> Result<Vec<u8>, DeviceError> {
        let mut buf = [0u8; 512];
        let deadline = Instant::now() + self.response_timeout;
        loop {
            if Instant::now() >= deadline {
                return Err(TransportError::Timeout(self.response_timeout).into());
            }
            let n = self.link.read(&mut buf, self.response_timeout)?;
            if let Some(pdu) = feed(buf.get(..n).unwrap_or(&[])) {
                return Ok(pdu);
            }
        }
    }

    fn check(&self, req: &Request, pdu: &[u8]) -> Result<Response, DeviceError> {
        let resp = Response::decode(pdu).map_err(|e| self.protocol(e.to_string()))?;
        if let Response::Exception { code, .. } = resp {
            return Err(DeviceError::Instrument {
                device: self.name.clone(),
                code: i32::from(code.code()),
                message: format!("Modbus exception {:02}: {}", code.code(), code.describe()),
            });
        }
        let ok = match (req, &resp) {
            (
                Request::ReadHoldingRegisters { quantity, .. },
                Response::ReadHoldingRegisters { values },
            ) => values.len() == usize::from(*quantity),
            (
                Request::WriteSingleRegister { address, value },
                Response::WriteSingleRegister {
                    address: a,
                    value: v,
                },
            ) => a == address && v == value,
            (
                Request::WriteMultipleRegisters { address, values },
                Response::WriteMultipleRegisters {
                    address: a,
                    quantity,
                },
            ) => a == address && usize::from(*quantity) == values.len(),
            _ => false,
        };
        if !ok {
            return Err(self.protocol(format!("reply {resp:?} does not answer {req:?}")));
        }
        Ok(resp)
    }

    /// Reads `count` holding registers from `address`, in spec-sized pieces.
    pub fn read(&mut self, address: u16, count: u16) -> Result<Vec<u16>, DeviceError> {
        let mut out = Vec::with_capacity(usize::from(count));
        let mut done = 0u16;
        while done < count {
            let n = (count - done).min(MAX_READ_REGISTERS);
            let addr = address
                .checked_add(done)
                .ok_or_else(|| self.protocol("read past register 65535"))?;
            let req = Request::ReadHoldingRegisters {
                address: addr,
                quantity: n,
            };
            if let Response::ReadHoldingRegisters { values } = self.transact(&req)? {
                out.extend(values);
            }
            done += n;
        }
        Ok(out)
    }

    /// Writes `values` from `address` with function 0x10 (0x06 for one register).
    pub fn write(&mut self, address: u16, values: &[u16]) -> Result<(), DeviceError> {
        for (i, chunk) in values.chunks(usize::from(MAX_WRITE_REGISTERS)).enumerate() {
            let addr = address
                .checked_add((i * usize::from(MAX_WRITE_REGISTERS)) as u16)
                .ok_or_else(|| self.protocol("write past register 65535"))?;
            let req = match chunk {
                [v] => Request::WriteSingleRegister {
                    address: addr,
                    value: *v,
                },
                _ => Request::WriteMultipleRegisters {
                    address: addr,
                    values: chunk.to_vec(),
                },
            };
            self.transact(&req)?;
        }
        Ok(())
    }
}
