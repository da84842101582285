//! UDS responses (server → client): positive responses of the flashing
//! services and the negative response `7F SID NRC` (ISO 14229-1:2013).

use super::{be16, be_uint, length, min_len, put_be, reset, sid, Nrc, UdsCodecError};
use std::time::Duration;

/// Session timing the server reports in its DSC response
/// (ISO 14229-1:2013 §9.2, resolutions per ISO 14229-2:2013:
/// P2server_max in 1 ms, P2*server_max in 10 ms, both 16-bit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTiming {
    pub p2_server_max: Duration,
    pub p2_star_server_max: Duration,
}

impl SessionTiming {
    /// The default-session values of ISO 14229-2:2013: 50 ms / 5000 ms.
    pub const DEFAULT: SessionTiming = SessionTiming {
        p2_server_max: Duration::from_millis(50),
        p2_star_server_max: Duration::from_millis(5000),
    };

    fn encode_into(&self, out: &mut Vec<u8>) {
        let p2 = self.p2_server_max.as_millis().min(0xFFFF) as u16;
        let p2s = (self.p2_star_server_max.as_millis() / 10).min(0xFFFF) as u16;
        out.extend_from_slice(&p2.to_be_bytes());
        out.extend_from_slice(&p2s.to_be_bytes());
    }

    fn decode(b: &[u8]) -> Option<Self> {
        Some(SessionTiming {
            p2_server_max: Duration::from_millis(u64::from(be16(b, 0)?)),
            p2_star_server_max: Duration::from_millis(10 * u64::from(be16(b, 2)?)),
        })
    }
}

/// A positive response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Positive {
    /// `50 session P2(2) P2*(2)`; pre-2013 servers may omit the timing.
    DiagnosticSessionControl {
        session: u8,
        timing: Option<SessionTiming>,
    },
    /// `51 resetType [powerDownTime]` (powerDownTime only for type 0x04, in s).
    EcuReset {
        reset_type: u8,
        power_down_time_s: Option<u8>,
    },
    /// `67 level seed…`; after a sendKey (even level) the seed is empty.
    /// An all-zero seed means "already unlocked" (§9.4).
    SecurityAccess { level: u8, seed: Vec<u8> },
    /// `62 DID data…` for one DID (the length of several cannot be known
    /// without a DID table, so a client asks for one at a time).
    ReadDataByIdentifier { did: u16, data: Vec<u8> },
    /// `71 type routineId statusRecord…`.
    RoutineControl {
        control: u8,
        routine_id: u16,
        status: Vec<u8>,
    },
    /// `74 LFID maxNumberOfBlockLength`: the largest TransferData request
    /// the server takes, SID and counter included (§14.2).
    RequestDownload { max_block_len: u64 },
    /// `76 counter [transferResponseParameterRecord]`.
    TransferData { counter: u8, data: Vec<u8> },
    /// `77 [transferResponseParameterRecord]`.
    RequestTransferExit { params: Vec<u8> },
    /// `7E 00`.
    TesterPresent,
}

/// A response as the client receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Response {
    Positive(Positive),
    /// `7F SID NRC`.
    Negative {
        service: u8,
        nrc: Nrc,
    },
}

impl Positive {
    /// The request SID this answers.
    pub fn service(&self) -> u8 {
        match self {
            Positive::DiagnosticSessionControl { .. } => sid::DIAGNOSTIC_SESSION_CONTROL,
            Positive::EcuReset { .. } => sid::ECU_RESET,
            Positive::SecurityAccess { .. } => sid::SECURITY_ACCESS,
            Positive::ReadDataByIdentifier { .. } => sid::READ_DATA_BY_IDENTIFIER,
            Positive::RoutineControl { .. } => sid::ROUTINE_CONTROL,
            Positive::RequestDownload { .. } => sid::REQUEST_DOWNLOAD,
            Positive::TransferData { .. } => sid::TRANSFER_DATA,
            Positive::RequestTransferExit { .. } => sid::REQUEST_TRANSFER_EXIT,
            Positive::TesterPresent => sid::TESTER_PRESENT,
        }
    }
}

impl Response {
    /// The request SID this answers.
    pub fn service(&self) -> u8 {
        match self {
            Response::Positive(p) => p.service(),
            Response::Negative { service, .. } => *service,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let p = match self {
            Response::Negative { service, nrc } => {
                return vec![sid::NEGATIVE_RESPONSE, *service, nrc.code()]
            }
            Response::Positive(p) => p,
        };
        let mut out = vec![p.service() | sid::POSITIVE_OFFSET];
        match p {
            Positive::DiagnosticSessionControl { session, timing } => {
                out.push(*session & 0x7F);
                if let Some(t) = timing {
                    t.encode_into(&mut out);
                }
            }
            Positive::EcuReset {
                reset_type,
                power_down_time_s,
            } => {
                out.push(*reset_type & 0x7F);
                out.extend(power_down_time_s.iter());
            }
            Positive::SecurityAccess { level, seed } => {
                out.push(*level & 0x7F);
                out.extend_from_slice(seed);
            }
            Positive::ReadDataByIdentifier { did, data } => {
                out.extend_from_slice(&did.to_be_bytes());
                out.extend_from_slice(data);
            }
            Positive::RoutineControl {
                control,
                routine_id,
                status,
            } => {
                out.push(*control & 0x7F);
                out.extend_from_slice(&routine_id.to_be_bytes());
                out.extend_from_slice(status);
            }
            Positive::RequestDownload { max_block_len } => {
                // lengthFormatIdentifier: bits 7–4 = bytes of the length (§14.2).
                let n = min_len(*max_block_len);
                out.push((n as u8) << 4);
                put_be(&mut out, *max_block_len, n);
            }
            Positive::TransferData { counter, data } => {
                out.push(*counter);
                out.extend_from_slice(data);
            }
            Positive::RequestTransferExit { params } => out.extend_from_slice(params),
            Positive::TesterPresent => out.push(0),
        }
        out
    }

    /// Parses a response as a client receives it.
    pub fn decode(b: &[u8]) -> Result<Self, UdsCodecError> {
        let (&first, rest) = b.split_first().ok_or(UdsCodecError::Empty)?;
        if first == sid::NEGATIVE_RESPONSE {
            return match rest {
                [service, nrc] => Ok(Response::Negative {
                    service: *service,
                    nrc: Nrc::from_u8(*nrc),
                }),
                _ => Err(length(first, "a negative response is 7F SID NRC")),
            };
        }
        let service = first.wrapping_sub(sid::POSITIVE_OFFSET);
        let sub = || {
            rest.first()
                .map(|s| s & 0x7F)
                .ok_or_else(|| length(service, "missing sub-function echo"))
        };
        let p = match service {
            sid::DIAGNOSTIC_SESSION_CONTROL => {
                let timing = match rest.len() {
                    1 => None,
                    5 => SessionTiming::decode(rest.get(1..).unwrap_or(&[])),
                    n => return Err(length(service, format!("{n} bytes, expected 1 or 5"))),
                };
                Positive::DiagnosticSessionControl {
                    session: sub()?,
                    timing,
                }
            }
            sid::ECU_RESET => {
                let reset_type = sub()?;
                let power_down_time_s = if reset_type == reset::ENABLE_RAPID_POWER_SHUTDOWN {
                    rest.get(1).copied()
                } else {
                    None
                };
                Positive::EcuReset {
                    reset_type,
                    power_down_time_s,
                }
            }
            sid::SECURITY_ACCESS => Positive::SecurityAccess {
                level: sub()?,
                seed: rest.get(1..).unwrap_or(&[]).to_vec(),
            },
            sid::READ_DATA_BY_IDENTIFIER => Positive::ReadDataByIdentifier {
                did: be16(rest, 0).ok_or_else(|| length(service, "missing DID"))?,
                data: rest.get(2..).unwrap_or(&[]).to_vec(),
            },
            sid::ROUTINE_CONTROL => Positive::RoutineControl {
                control: sub()?,
                routine_id: be16(rest, 1)
                    .ok_or_else(|| length(service, "missing routineIdentifier"))?,
                status: rest.get(3..).unwrap_or(&[]).to_vec(),
            },
            sid::REQUEST_DOWNLOAD => {
                let (&lfid, len) = rest
                    .split_first()
                    .ok_or_else(|| length(service, "missing lengthFormatIdentifier"))?;
                let n = usize::from(lfid >> 4);
                if !(1..=8).contains(&n) || len.len() != n {
                    return Err(length(
                        service,
                        format!(
                            "lengthFormatIdentifier 0x{lfid:02X} with {} bytes",
                            len.len()
                        ),
                    ));
                }
                Positive::RequestDownload {
                    max_block_len: be_uint(len),
                }
            }
            sid::TRANSFER_DATA => {
                let (&counter, data) = rest
                    .split_first()
                    .ok_or_else(|| length(service, "missing blockSequenceCounter"))?;
                Positive::TransferData {
                    counter,
                    data: data.to_vec(),
                }
            }
            sid::REQUEST_TRANSFER_EXIT => Positive::RequestTransferExit {
                params: rest.to_vec(),
            },
            sid::TESTER_PRESENT => {
                if sub()? != 0 {
                    return Err(length(service, "TesterPresent echoes sub-function 0"));
                }
                Positive::TesterPresent
            }
            _ => return Err(UdsCodecError::UnknownService(first)),
        };
        Ok(Response::Positive(p))
    }
}
