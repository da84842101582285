//! Modbus PDUs (Application Protocol V1.1b3): function codes 0x03, 0x06,
//! 0x10 and exception responses (§7). Checked decode from bytes, encode to
//! bytes; never panics.

use thiserror::Error;

pub const READ_HOLDING_REGISTERS: u8 = 0x03;
pub const WRITE_SINGLE_REGISTER: u8 = 0x06;
pub const WRITE_MULTIPLE_REGISTERS: u8 = 0x10;
/// §6.3: quantity of registers 1 to 125 (0x7D).
pub const MAX_READ_REGISTERS: u16 = 125;
/// §6.12: quantity of registers 1 to 123 (0x7B).
pub const MAX_WRITE_REGISTERS: u16 = 123;

/// Exception codes (§7), those a register server produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExceptionCode {
    IllegalFunction,
    IllegalDataAddress,
    IllegalDataValue,
    ServerDeviceFailure,
    ServerDeviceBusy,
}

impl ExceptionCode {
    pub fn code(self) -> u8 {
        match self {
            ExceptionCode::IllegalFunction => 1,
            ExceptionCode::IllegalDataAddress => 2,
            ExceptionCode::IllegalDataValue => 3,
            ExceptionCode::ServerDeviceFailure => 4,
            ExceptionCode::ServerDeviceBusy => 6,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            1 => ExceptionCode::IllegalFunction,
            2 => ExceptionCode::IllegalDataAddress,
            3 => ExceptionCode::IllegalDataValue,
            4 => ExceptionCode::ServerDeviceFailure,
            6 => ExceptionCode::ServerDeviceBusy,
            _ => return None,
        })
    }

    pub fn describe(self) -> &'static str {
        match self {
            ExceptionCode::IllegalFunction => "illegal function",
            ExceptionCode::IllegalDataAddress => "illegal data address",
            ExceptionCode::IllegalDataValue => "illegal data value",
            ExceptionCode::ServerDeviceFailure => "server device failure",
            ExceptionCode::ServerDeviceBusy => "server device busy",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PduError {
    #[error("empty PDU")]
    Empty,
    #[error("function 0x{function:02X}: PDU is {got} bytes, expected {expected}")]
    Length {
        function: u8,
        expected: usize,
        got: usize,
    },
    #[error("unsupported function code 0x{0:02X}")]
    IllegalFunction(u8),
    #[error("register quantity {0} out of range")]
    Quantity(u16),
    #[error("byte count {byte_count} does not match quantity {quantity}")]
    ByteCount { quantity: u16, byte_count: u8 },
    #[error("unknown exception code {0}")]
    UnknownException(u8),
}

impl PduError {
    /// The exception a server answers this malformed request with (§7 and
    /// the per-function state diagrams in §6): unknown function → 01,
    /// bad quantity or byte count → 03. Framing errors get no answer.
    pub fn exception(&self) -> Option<ExceptionCode> {
        match self {
            PduError::IllegalFunction(_) => Some(ExceptionCode::IllegalFunction),
            PduError::Quantity(_) | PduError::ByteCount { .. } => {
                Some(ExceptionCode::IllegalDataValue)
            }
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    ReadHoldingRegisters { address: u16, quantity: u16 },
    WriteSingleRegister { address: u16, value: u16 },
    WriteMultipleRegisters { address: u16, values: Vec<u16> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    ReadHoldingRegisters { values: Vec<u16> },
    WriteSingleRegister { address: u16, value: u16 },
    WriteMultipleRegisters { address: u16, quantity: u16 },
    Exception { function: u8, code: ExceptionCode },
}

fn be16(bytes: &[u8], at: usize) -> u16 {
    match (bytes.get(at), bytes.get(at + 1)) {
        (Some(&h), Some(&l)) => u16::from_be_bytes([h, l]),
        _ => 0,
    }
}

fn check_len(function: u8, pdu: &[u8], expected: usize) -> Result<(), PduError> {
    if pdu.len() != expected {
        return Err(PduError::Length {
            function,
            expected,
            got: pdu.len(),
        });
    }
    Ok(())
}

fn words(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect()
}

impl Request {
    pub fn function(&self) -> u8 {
        match self {
            Request::ReadHoldingRegisters { .. } => READ_HOLDING_REGISTERS,
            Request::WriteSingleRegister { .. } => WRITE_SINGLE_REGISTER,
            Request::WriteMultipleRegisters { .. } => WRITE_MULTIPLE_REGISTERS,
        }
    }

    /// Decodes one whole request PDU (function code first).
    pub fn decode(pdu: &[u8]) -> Result<Request, PduError> {
        let &function = pdu.first().ok_or(PduError::Empty)?;
        match function {
            READ_HOLDING_REGISTERS => {
                check_len(function, pdu, 5)?;
                let quantity = be16(pdu, 3);
                if !(1..=MAX_READ_REGISTERS).contains(&quantity) {
                    return Err(PduError::Quantity(quantity));
                }
                Ok(Request::ReadHoldingRegisters {
                    address: be16(pdu, 1),
                    quantity,
                })
            }
            WRITE_SINGLE_REGISTER => {
                check_len(function, pdu, 5)?;
                Ok(Request::WriteSingleRegister {
                    address: be16(pdu, 1),
                    value: be16(pdu, 3),
                })
            }
            WRITE_MULTIPLE_REGISTERS => {
                let byte_count = pdu.get(5).copied().unwrap_or(0);
                check_len(function, pdu, 6 + usize::from(byte_count))?;
                let quantity = be16(pdu, 3);
                if !(1..=MAX_WRITE_REGISTERS).contains(&quantity) {
                    return Err(PduError::Quantity(quantity));
                }
                if usize::from(byte_count) != 2 * usize::from(quantity) {
                    return Err(PduError::ByteCount {
                        quantity,
                        byte_count,
                    });
                }
                Ok(Request::WriteMultipleRegisters {
                    address: be16(pdu, 1),
                    values: words(pdu.get(6..).unwrap_or(&[])),
                })
            }
            other => Err(PduError::IllegalFunction(other)),
        }
    }

    /// Appends the PDU bytes. Quantities beyond the spec's limits are the
    /// caller's to avoid; the bytes are still well formed.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.function());
        match self {
            Request::ReadHoldingRegisters { address, quantity } => {
                out.extend_from_slice(&address.to_be_bytes());
                out.extend_from_slice(&quantity.to_be_bytes());
            }
            Request::WriteSingleRegister { address, value } => {
                out.extend_from_slice(&address.to_be_bytes());
                out.extend_from_slice(&value.to_be_bytes());
            }
            Request::WriteMultipleRegisters { address, values } => {
                let n = values.len().min(usize::from(MAX_WRITE_REGISTERS));
                out.extend_from_slice(&address.to_be_bytes());
                out.extend_from_slice(&(n as u16).to_be_bytes());
                out.push((2 * n) as u8);
                for v in values.iter().take(n) {
                    out.extend_from_slice(&v.to_be_bytes());
                }
            }
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

impl Response {
    /// Decodes one whole response PDU.
    pub fn decode(pdu: &[u8]) -> Result<Response, PduError> {
        let &function = pdu.first().ok_or(PduError::Empty)?;
        if function & 0x80 != 0 {
            check_len(function, pdu, 2)?;
            let raw = pdu.get(1).copied().unwrap_or(0);
            let code = ExceptionCode::from_code(raw).ok_or(PduError::UnknownException(raw))?;
            return Ok(Response::Exception {
                function: function & 0x7F,
                code,
            });
        }
        match function {
            READ_HOLDING_REGISTERS => {
                let byte_count = pdu.get(1).copied().unwrap_or(0);
                check_len(function, pdu, 2 + usize::from(byte_count))?;
                let quantity = u16::from(byte_count / 2);
                if byte_count % 2 != 0 || !(1..=MAX_READ_REGISTERS).contains(&quantity) {
                    return Err(PduError::ByteCount {
                        quantity,
                        byte_count,
                    });
                }
                Ok(Response::ReadHoldingRegisters {
                    values: words(pdu.get(2..).unwrap_or(&[])),
                })
            }
            WRITE_SINGLE_REGISTER => {
                check_len(function, pdu, 5)?;
                Ok(Response::WriteSingleRegister {
                    address: be16(pdu, 1),
                    value: be16(pdu, 3),
                })
            }
            WRITE_MULTIPLE_REGISTERS => {
                check_len(function, pdu, 5)?;
                Ok(Response::WriteMultipleRegisters {
                    address: be16(pdu, 1),
                    quantity: be16(pdu, 3),
                })
            }
            other => Err(PduError::IllegalFunction(other)),
        }
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Response::ReadHoldingRegisters { values } => {
                let n = values.len().min(usize::from(MAX_READ_REGISTERS));
                out.push(READ_HOLDING_REGISTERS);
                out.push((2 * n) as u8);
                for v in values.iter().take(n) {
                    out.extend_from_slice(&v.to_be_bytes());
                }
            }
            Response::WriteSingleRegister { address, value } => {
                out.push(WRITE_SINGLE_REGISTER);
                out.extend_from_slice(&address.to_be_bytes());
                out.extend_from_slice(&value.to_be_bytes());
            }
            Response::WriteMultipleRegisters { address, quantity } => {
                out.push(WRITE_MULTIPLE_REGISTERS);
                out.extend_from_slice(&address.to_be_bytes());
                out.extend_from_slice(&quantity.to_be_bytes());
            }
            Response::Exception { function, code } => {
                out.push(function | 0x80);
                out.push(code.code());
            }
        }
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode(&mut out);
        out
    }
}

/// How long a PDU is, judged from its first bytes, as an RTU receiver must
/// (Serial Line V1.02 has no length field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PduLen {
    /// Not enough bytes yet to tell.
    NeedMore,
    Known(usize),
    /// A function code whose length rule this side does not know.
    Unknown,
}

/// Length of a request PDU from its prefix.
pub fn request_len(prefix: &[u8]) -> PduLen {
    match prefix.first() {
        None => PduLen::NeedMore,
        Some(&READ_HOLDING_REGISTERS) | Some(&WRITE_SINGLE_REGISTER) => PduLen::Known(5),
        Some(&WRITE_MULTIPLE_REGISTERS) => match prefix.get(5) {
            Some(&n) => PduLen::Known(6 + usize::from(n)),
            None => PduLen::NeedMore,
        },
        Some(_) => PduLen::Unknown,
    }
}

/// Length of a response PDU from its prefix.
pub fn response_len(prefix: &[u8]) -> PduLen {
    match prefix.first() {
        None => PduLen::NeedMore,
        Some(&f) if f & 0x80 != 0 => PduLen::Known(2),
        Some(&READ_HOLDING_REGISTERS) => match prefix.get(1) {
            Some(&n) => PduLen::Known(2 + usize::from(n)),
            None => PduLen::NeedMore,
        },
        Some(&WRITE_SINGLE_REGISTER) | Some(&WRITE_MULTIPLE_REGISTERS) => PduLen::Known(5),
        Some(_) => PduLen::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_examples() {
        // Application Protocol V1.1b3 §6.3: read registers 108–110.
        let req = Request::decode(&[0x03, 0x00, 0x6B, 0x00, 0x03]).unwrap();
        assert_eq!(
            req,
            Request::ReadHoldingRegisters {
                address: 0x6B,
                quantity: 3
            }
        );
        let resp = [0x03, 0x06, 0x02, 0x2B, 0x00, 0x00, 0x00, 0x64];
        assert_eq!(
            Response::decode(&resp).unwrap(),
            Response::ReadHoldingRegisters {
                values: vec![0x022B, 0x0000, 0x0064]
            }
        );
        // §6.6: write register 2 to 0x0003.
        let req6 = [0x06, 0x00, 0x01, 0x00, 0x03];
        assert_eq!(
            Request::decode(&req6).unwrap(),
            Request::WriteSingleRegister {
                address: 1,
                value: 3
            }
        );
        // §6.12: write registers 2 and 3 to 00 0A and 01 02.
        let req16 = [0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00, 0x0A, 0x01, 0x02];
        let r = Request::decode(&req16).unwrap();
        assert_eq!(r.to_bytes(), req16);
        assert_eq!(
            Response::decode(&[0x10, 0x00, 0x01, 0x00, 0x02]).unwrap(),
            Response::WriteMultipleRegisters {
                address: 1,
                quantity: 2
            }
        );
        // §7: exception example, function 01 → 0x81, code 02.
        assert_eq!(
            Response::decode(&[0x81, 0x02]).unwrap(),
            Response::Exception {
                function: 1,
                code: ExceptionCode::IllegalDataAddress
            }
        );
    }

    #[test]
    fn limits_and_errors() {
        assert_eq!(
            Request::decode(&[0x03, 0, 0, 0, 126]),
            Err(PduError::Quantity(126))
        );
        assert!(Request::decode(&[0x03, 0, 0, 0, 125]).is_ok());
        assert_eq!(
            Request::decode(&[0x03, 0, 0, 0, 0]),
            Err(PduError::Quantity(0))
        );
        let mut w = vec![0x10, 0, 0, 0, 124, 248];
        w.extend(std::iter::repeat_n(0u8, 248));
        assert_eq!(Request::decode(&w), Err(PduError::Quantity(124)));
        assert_eq!(
            Request::decode(&[0x10, 0, 0, 0, 2, 2, 0, 1])
                .unwrap_err()
                .exception(),
            Some(ExceptionCode::IllegalDataValue)
        );
        assert_eq!(
            Request::decode(&[0x2B, 0x0E]).unwrap_err().exception(),
            Some(ExceptionCode::IllegalFunction)
        );
        assert_eq!(
            Response::decode(&[0x83, 0x05]),
            Err(PduError::UnknownException(5))
        );
    }

    #[test]
    fn round_trips() {
        for r in [
            Response::ReadHoldingRegisters {
                values: (0..125).collect(),
            },
            Response::WriteSingleRegister {
                address: 40002,
                value: 0xFFFF,
            },
            Response::Exception {
                function: 0x10,
                code: ExceptionCode::ServerDeviceBusy,
            },
        ] {
            assert_eq!(Response::decode(&r.to_bytes()).unwrap(), r);
        }
        let w = Request::WriteMultipleRegisters {
            address: 7,
            values: (0..123).collect(),
        };
        assert_eq!(Request::decode(&w.to_bytes()).unwrap(), w);
    }
}
