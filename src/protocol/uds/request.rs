//! UDS requests (client → server), ISO 14229-1:2013 §9–§14.

use super::{
    be16, length, routine, sid, MemoryLocation, UdsCodecError, SUPPRESS_POSITIVE_RESPONSE,
};

/// One request of the services a flashing session uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// 0x10 (§9.2): `10 session`.
    DiagnosticSessionControl {
        session: u8,
        suppress_positive: bool,
    },
    /// 0x11 (§9.3): `11 resetType`.
    EcuReset {
        reset_type: u8,
        suppress_positive: bool,
    },
    /// 0x27 (§9.4): odd `level` = requestSeed (with an optional
    /// securityAccessDataRecord in `data`), even = sendKey (`data` = key).
    SecurityAccess { level: u8, data: Vec<u8> },
    /// 0x22 (§10.2): `22 DID [DID …]`.
    ReadDataByIdentifier { dids: Vec<u16> },
    /// 0x31 (§13.2): `31 type routineId optionRecord`.
    RoutineControl {
        control: u8,
        routine_id: u16,
        option: Vec<u8>,
        suppress_positive: bool,
    },
    /// 0x34 (§14.2): `34 dataFormatIdentifier ALFID address size`.
    RequestDownload {
        /// High nibble compression, low nibble encryption method; 0x00 = plain.
        data_format: u8,
        memory: MemoryLocation,
    },
    /// 0x36 (§14.4): `36 blockSequenceCounter data`.
    TransferData { counter: u8, data: Vec<u8> },
    /// 0x37 (§14.5): `37 transferRequestParameterRecord`.
    RequestTransferExit { params: Vec<u8> },
    /// 0x3E (§9.6): `3E 00` (or `3E 80` suppressed).
    TesterPresent { suppress_positive: bool },
}

fn sub(b: u8, suppress: bool) -> u8 {
    if suppress {
        b | SUPPRESS_POSITIVE_RESPONSE
    } else {
        b & !SUPPRESS_POSITIVE_RESPONSE
    }
}

impl Request {
    /// RoutineControl start eraseMemory (0xFF00) with ALFID + address + size
    /// as its option record (ISO 14229-1:2013 Annex F.1; the layout is the
    /// one bootloaders use, e.g. AUTOSAR FBL and udsoncan examples).
    pub fn erase_memory(memory: MemoryLocation) -> Self {
        let mut option = Vec::new();
        memory.encode_into(&mut option);
        Request::RoutineControl {
            control: routine::START,
            routine_id: routine::ERASE_MEMORY,
            option,
            suppress_positive: false,
        }
    }

    /// RoutineControl start checkProgrammingDependencies (0xFF01) with a
    /// vendor-defined record (e.g. a CRC or digest of the image).
    pub fn check_programming_dependencies(record: &[u8]) -> Self {
        Request::RoutineControl {
            control: routine::START,
            routine_id: routine::CHECK_PROGRAMMING_DEPENDENCIES,
            option: record.to_vec(),
            suppress_positive: false,
        }
    }

    /// The service identifier.
    pub fn service(&self) -> u8 {
        match self {
            Request::DiagnosticSessionControl { .. } => sid::DIAGNOSTIC_SESSION_CONTROL,
            Request::EcuReset { .. } => sid::ECU_RESET,
            Request::SecurityAccess { .. } => sid::SECURITY_ACCESS,
            Request::ReadDataByIdentifier { .. } => sid::READ_DATA_BY_IDENTIFIER,
            Request::RoutineControl { .. } => sid::ROUTINE_CONTROL,
            Request::RequestDownload { .. } => sid::REQUEST_DOWNLOAD,
            Request::TransferData { .. } => sid::TRANSFER_DATA,
            Request::RequestTransferExit { .. } => sid::REQUEST_TRANSFER_EXIT,
            Request::TesterPresent { .. } => sid::TESTER_PRESENT,
        }
    }

    /// Whether the server must stay silent on success.
    pub fn suppresses_positive_response(&self) -> bool {
        match self {
            Request::DiagnosticSessionControl {
                suppress_positive, ..
            }
            | Request::EcuReset {
                suppress_positive, ..
            }
            | Request::RoutineControl {
                suppress_positive, ..
            }
            | Request::TesterPresent { suppress_positive } => *suppress_positive,
            _ => false,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.service()];
        match self {
            Request::DiagnosticSessionControl {
                session,
                suppress_positive,
            } => out.push(sub(*session, *suppress_positive)),
            Request::EcuReset {
                reset_type,
                suppress_positive,
            } => out.push(sub(*reset_type, *suppress_positive)),
            Request::SecurityAccess { level, data } => {
                out.push(*level & 0x7F);
                out.extend_from_slice(data);
            }
            Request::ReadDataByIdentifier { dids } => {
                for d in dids {
                    out.extend_from_slice(&d.to_be_bytes());
                }
            }
            Request::RoutineControl {
                control,
                routine_id,
                option,
                suppress_positive,
            } => {
                out.push(sub(*control, *suppress_positive));
                out.extend_from_slice(&routine_id.to_be_bytes());
                out.extend_from_slice(option);
            }
            Request::RequestDownload {
                data_format,
                memory,
            } => {
                out.push(*data_format);
                memory.encode_into(&mut out);
            }
            Request::TransferData { counter, data } => {
                out.push(*counter);
                out.extend_from_slice(data);
            }
            Request::RequestTransferExit { params } => out.extend_from_slice(params),
            Request::TesterPresent { suppress_positive } => out.push(sub(0, *suppress_positive)),
        }
        out
    }

    /// Parses a request as a server receives it.
    pub fn decode(b: &[u8]) -> Result<Self, UdsCodecError> {
        let (&service, rest) = b.split_first().ok_or(UdsCodecError::Empty)?;
        let need_sub = || -> Result<(u8, bool), UdsCodecError> {
            let s = *rest
                .first()
                .ok_or_else(|| length(service, "missing sub-function"))?;
            Ok((s & 0x7F, s & SUPPRESS_POSITIVE_RESPONSE != 0))
        };
        let exact = |n: usize| {
            if rest.len() == n {
                Ok(())
            } else {
                Err(length(
                    service,
                    format!("{} bytes after the SID, expected {n}", rest.len()),
                ))
            }
        };
        match service {
            sid::DIAGNOSTIC_SESSION_CONTROL => {
                exact(1)?;
                let (session, suppress_positive) = need_sub()?;
                Ok(Request::DiagnosticSessionControl {
                    session,
                    suppress_positive,
                })
            }
            sid::ECU_RESET => {
                exact(1)?;
                let (reset_type, suppress_positive) = need_sub()?;
                Ok(Request::EcuReset {
                    reset_type,
                    suppress_positive,
                })
            }
            sid::SECURITY_ACCESS => {
                let (level, _) = need_sub()?;
                // 0x00 and 0x7F are ISOSAEReserved (§9.4).
                if level == 0 || level == 0x7F {
                    return Err(UdsCodecError::SubFunction {
                        service,
                        sub: level,
                    });
                }
                let data = rest.get(1..).unwrap_or(&[]).to_vec();
                if level % 2 == 0 && data.is_empty() {
                    return Err(length(service, "sendKey without a key"));
                }
                Ok(Request::SecurityAccess { level, data })
            }
            sid::READ_DATA_BY_IDENTIFIER => {
                if rest.is_empty() || rest.len() % 2 != 0 {
                    return Err(length(service, "DIDs are two bytes each"));
                }
                let dids = rest
                    .chunks_exact(2)
                    .map(|c| u16::from_be_bytes([c[0], c[1]]))
                    .collect();
                Ok(Request::ReadDataByIdentifier { dids })
            }
            sid::ROUTINE_CONTROL => {
                let (control, suppress_positive) = need_sub()?;
                let routine_id =
                    be16(rest, 1).ok_or_else(|| length(service, "missing routineIdentifier"))?;
                if !(routine::START..=routine::REQUEST_RESULTS).contains(&control) {
                    return Err(UdsCodecError::SubFunction {
                        service,
                        sub: control,
                    });
                }
                Ok(Request::RoutineControl {
                    control,
                    routine_id,
                    option: rest.get(3..).unwrap_or(&[]).to_vec(),
                    suppress_positive,
                })
            }
            sid::REQUEST_DOWNLOAD => {
                let (&data_format, tail) = rest
                    .split_first()
                    .ok_or_else(|| length(service, "missing dataFormatIdentifier"))?;
                let (memory, extra) = MemoryLocation::decode(service, tail)?;
                if !extra.is_empty() {
                    return Err(length(service, "bytes after memorySize"));
                }
                Ok(Request::RequestDownload {
                    data_format,
                    memory,
                })
            }
            sid::TRANSFER_DATA => {
                let (&counter, data) = rest
                    .split_first()
                    .ok_or_else(|| length(service, "missing blockSequenceCounter"))?;
                Ok(Request::TransferData {
                    counter,
                    data: data.to_vec(),
                })
            }
            sid::REQUEST_TRANSFER_EXIT => Ok(Request::RequestTransferExit {
                params: rest.to_vec(),
            }),
            sid::TESTER_PRESENT => {
                exact(1)?;
                let (zero, suppress_positive) = need_sub()?;
                if zero != 0 {
                    return Err(UdsCodecError::SubFunction { service, sub: zero });
                }
                Ok(Request::TesterPresent { suppress_positive })
            }
            other => Err(UdsCodecError::UnknownService(other)),
        }
    }
}
