//! A UDS (ISO 14229-1) client over an ISO-TP channel: the services a
//! firmware update needs, with P2/P2* response timing (ISO 14229-2:2013
//! session timing: P2 for the first answer, P2* after each NRC 0x78
//! responsePending) and typed results.

mod security;

pub use security::{KeyedXorRotate, SecurityAlgorithm};

use crate::protocol::isotp::IsoTpError;
use crate::protocol::uds::{did, MemoryLocation, Nrc, Positive, Request, Response, SessionTiming};
use crate::transport::can::isotp::IsoTpChannel;
use std::time::Duration;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UdsError {
    /// The server refused with a negative response.
    #[error("UDS service 0x{service:02X} refused: NRC {nrc}")]
    Negative { service: u8, nrc: Nrc },
    /// No (final) response in time.
    #[error("no response to UDS service 0x{service:02X} within {after:?}")]
    Timeout { service: u8, after: Duration },
    /// The caller asked to stop (between transfer blocks of a download).
    #[error("stopped on request")]
    Stopped,
    /// The response did not make sense for the request.
    #[error("UDS protocol error: {0}")]
    Protocol(String),
    #[error(transparent)]
    IsoTp(#[from] IsoTpError),
}

/// Client timing and limits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UdsClientConfig {
    /// Server timing until a DSC response reports the real values
    /// (ISO 14229-2:2013 defaults 50 ms / 5000 ms).
    pub timing: SessionTiming,
    /// ΔP2 added to the server's P2/P2* for network and tester latency
    /// (ISO 14229-2:2013: P2client_max = P2server_max + ΔP2).
    pub delta_p2: Duration,
    /// Take P2/P2* from DSC responses.
    pub adopt_server_timing: bool,
    /// NRC 0x78 answers accepted for one request before giving up.
    pub max_response_pending: u32,
    /// The longest one request may take, responsePending extensions
    /// included: a server that keeps answering 0x78 is given up on too.
    pub request_deadline: Duration,
}

impl Default for UdsClientConfig {
    fn default() -> Self {
        UdsClientConfig {
            timing: SessionTiming::DEFAULT,
            delta_p2: Duration::from_millis(100),
            adopt_server_timing: true,
            max_response_pending: 1000,
            // A mass erase of a large flash takes tens of seconds.
            request_deadline: Duration::from_secs(120),
        }
    }
}

/// Unrelated responses (e.g. late answers to an earlier, timed-out request)
/// skipped while waiting for one answer before it counts as a protocol error.
const MAX_STALE_RESPONSES: u32 = 16;

/// Told of each request and its final answer (none when it timed out or
/// the positive answer was suppressed), for the run's journal.
pub type ExchangeLog = Box<dyn FnMut(&[u8], Option<&[u8]>) + Send>;

/// The tester side of a UDS link.
pub struct UdsClient {
    channel: IsoTpChannel,
    config: UdsClientConfig,
    timing: SessionTiming,
    pending_total: u64,
    exchange_log: Option<ExchangeLog>,
}

impl UdsClient {
    pub fn new(channel: IsoTpChannel, config: UdsClientConfig) -> Self {
        UdsClient {
            channel,
            timing: config.timing,
            config,
            pending_total: 0,
            exchange_log: None,
        }
    }

    pub fn set_exchange_log(&mut self, log: ExchangeLog) {
        self.exchange_log = Some(log);
    }

    /// Sends `req` and waits for its final answer, telling the exchange
    /// log what was asked and answered.
    pub fn request(&mut self, req: &Request) -> Result<Option<Positive>, UdsError> {
        let encoded = req.encode();
        let mut answer = None;
        let result = self.request_inner(req, &encoded, &mut answer);
        if let Some(log) = self.exchange_log.as_mut() {
            log(&encoded, answer.as_deref());
        }
        result
    }

    /// The server timing in force.
    pub fn timing(&self) -> SessionTiming {
        self.timing
    }

    /// How many NRC 0x78 responsePending answers this client has seen.
    pub fn response_pending_count(&self) -> u64 {
        self.pending_total
    }

    pub fn channel_mut(&mut self) -> &mut IsoTpChannel {
        &mut self.channel
    }

    pub fn into_channel(self) -> IsoTpChannel {
        self.channel
    }

    /// Sends `req` and waits for its final answer: `Ok(None)` when the
    /// request suppresses a positive response (no answer is awaited then),
    /// `Negative` for an NRC other than 0x78.
    fn request_inner(
        &mut self,
        req: &Request,
        encoded: &[u8],
        answer: &mut Option<Vec<u8>>,
    ) -> Result<Option<Positive>, UdsError> {
        let service = req.service();
        self.channel.clear();
        self.channel.send(encoded)?;
        if req.suppresses_positive_response() {
            return Ok(None);
        }
        let mut wait = self.timing.p2_server_max + self.config.delta_p2;
        let deadline = self.channel.now() + self.config.request_deadline;
        let mut pending = 0u32;
        let mut stale = 0u32;
        loop {
            let left = deadline.saturating_sub(self.channel.now());
            if left.is_zero() {
                return Err(UdsError::Timeout {
                    service,
                    after: self.config.request_deadline,
                });
            }
            let bytes = match self.channel.recv(wait.min(left)) {
                Ok(b) => b,
                Err(IsoTpError::NoMessage { .. }) => {
                    return Err(UdsError::Timeout {
                        service,
                        after: if left < wait {
                            self.config.request_deadline
                        } else {
                            wait
                        },
                    })
                }
                Err(e) => return Err(e.into()),
            };
            let resp = Response::decode(&bytes).map_err(|e| {
                UdsError::Protocol(format!("undecodable response {bytes:02X?}: {e}"))
            })?;
            *answer = Some(bytes.clone());
            match resp {
                Response::Negative {
                    service: s,
                    nrc: Nrc::ResponsePending,
                } if s == service => {
                    pending += 1;
                    self.pending_total += 1;
                    if pending > self.config.max_response_pending {
                        return Err(UdsError::Protocol(format!(
                            "more than {} responsePending answers to service 0x{service:02X}",
                            self.config.max_response_pending
                        )));
                    }
                    // ISO 14229-2:2013: after 0x78 the client waits P2*.
                    wait = self.timing.p2_star_server_max + self.config.delta_p2;
                }
                Response::Negative { service: s, nrc } if s == service => {
                    return Err(UdsError::Negative { service, nrc })
                }
                Response::Positive(p) if p.service() == service => return Ok(Some(p)),
                other => {
                    stale += 1;
                    tracing::debug!(?other, "UDS: skipping a response to another service");
                    if stale > MAX_STALE_RESPONSES {
                        return Err(UdsError::Protocol(format!(
                            "responses to other services while waiting for 0x{service:02X}"
                        )));
                    }
                }
            }
        }
    }

    fn expect(&mut self, req: &Request) -> Result<Positive, UdsError> {
        self.request(req)?.ok_or_else(|| {
            UdsError::Protocol("a positive response was suppressed but is needed".into())
        })
    }

    /// DiagnosticSessionControl 0x10; adopts the P2/P2* the server reports.
    pub fn diagnostic_session_control(&mut self, session: u8) -> Result<SessionTiming, UdsError> {
        let req = Request::DiagnosticSessionControl {
            session,
            suppress_positive: false,
        };
        match self.expect(&req)? {
            Positive::DiagnosticSessionControl { session: s, timing } if s == session & 0x7F => {
                if let (Some(t), true) = (timing, self.config.adopt_server_timing) {
                    self.timing = t;
                }
                Ok(self.timing)
            }
            other => Err(mismatch(&req, &other)),
        }
    }

    /// ECUReset 0x11.
    pub fn ecu_reset(&mut self, reset_type: u8) -> Result<(), UdsError> {
        let req = Request::EcuReset {
            reset_type,
            suppress_positive: false,
        };
        match self.expect(&req)? {
            Positive::EcuReset { reset_type: r, .. } if r == reset_type & 0x7F => Ok(()),
            other => Err(mismatch(&req, &other)),
        }
    }

    /// SecurityAccess requestSeed (odd `level`).
    pub fn request_seed(&mut self, level: u8) -> Result<Vec<u8>, UdsError> {
        if level.is_multiple_of(2) {
            return Err(UdsError::Protocol(format!(
                "requestSeed level {level} must be odd"
            )));
        }
        let req = Request::SecurityAccess {
            level,
            data: Vec::new(),
        };
        match self.expect(&req)? {
            Positive::SecurityAccess { level: l, seed } if l == level => Ok(seed),
            other => Err(mismatch(&req, &other)),
        }
    }

    /// SecurityAccess sendKey (even `level`).
    pub fn send_key(&mut self, level: u8, key: &[u8]) -> Result<(), UdsError> {
        let req = Request::SecurityAccess {
            level,
            data: key.to_vec(),
        };
        match self.expect(&req)? {
            Positive::SecurityAccess { level: l, .. } if l == level => Ok(()),
            other => Err(mismatch(&req, &other)),
        }
    }

    /// Seed, key through `algorithm`, sendKey on `level + 1`. An all-zero
    /// seed means the level is already unlocked (ISO 14229-1:2013 §9.4).
    pub fn unlock(&mut self, level: u8, algorithm: &dyn SecurityAlgorithm) -> Result<(), UdsError> {
        let seed = self.request_seed(level)?;
        if seed.iter().all(|&b| b == 0) {
            return Ok(());
        }
        let key = algorithm.key(level, &seed);
        self.send_key(level.wrapping_add(1), &key)
    }

    /// RoutineControl 0x31 with `control` (start/stop/results); returns the
    /// routine status record.
    pub fn routine_control(
        &mut self,
        control: u8,
        routine_id: u16,
        option: &[u8],
    ) -> Result<Vec<u8>, UdsError> {
        let req = Request::RoutineControl {
            control,
            routine_id,
            option: option.to_vec(),
            suppress_positive: false,
        };
        self.routine(&req)
    }

    fn routine(&mut self, req: &Request) -> Result<Vec<u8>, UdsError> {
        let Request::RoutineControl {
            control,
            routine_id,
            ..
        } = req
        else {
            return Err(UdsError::Protocol("not a routine request".into()));
        };
        match self.expect(req)? {
            Positive::RoutineControl {
                control: c,
                routine_id: r,
                status,
            } if c == control & 0x7F && r == *routine_id => Ok(status),
            other => Err(mismatch(req, &other)),
        }
    }

    /// Starts eraseMemory (0xFF00) over `memory`.
    pub fn erase_memory(&mut self, memory: MemoryLocation) -> Result<Vec<u8>, UdsError> {
        self.routine(&Request::erase_memory(memory))
    }

    /// Starts checkProgrammingDependencies (0xFF01) with `record`.
    pub fn check_programming_dependencies(&mut self, record: &[u8]) -> Result<Vec<u8>, UdsError> {
        self.routine(&Request::check_programming_dependencies(record))
    }

    /// RequestDownload 0x34; returns maxNumberOfBlockLength (the largest
    /// TransferData request, SID and counter included).
    pub fn request_download(
        &mut self,
        data_format: u8,
        memory: MemoryLocation,
    ) -> Result<u64, UdsError> {
        let req = Request::RequestDownload {
            data_format,
            memory,
        };
        match self.expect(&req)? {
            Positive::RequestDownload { max_block_len } => Ok(max_block_len),
            other => Err(mismatch(&req, &other)),
        }
    }

    /// TransferData 0x36; checks the echoed counter.
    pub fn transfer_data(&mut self, counter: u8, data: &[u8]) -> Result<Vec<u8>, UdsError> {
        let req = Request::TransferData {
            counter,
            data: data.to_vec(),
        };
        match self.expect(&req)? {
            Positive::TransferData { counter: c, data } if c == counter => Ok(data),
            other => Err(mismatch(&req, &other)),
        }
    }

    /// RequestTransferExit 0x37.
    pub fn request_transfer_exit(&mut self, params: &[u8]) -> Result<Vec<u8>, UdsError> {
        let req = Request::RequestTransferExit {
            params: params.to_vec(),
        };
        match self.expect(&req)? {
            Positive::RequestTransferExit { params } => Ok(params),
            other => Err(mismatch(&req, &other)),
        }
    }

    /// RequestDownload, TransferData blocks, RequestTransferExit. Blocks
    /// carry `maxNumberOfBlockLength − 2` bytes; the blockSequenceCounter
    /// starts at 0x01 and wraps 0xFF → 0x00 (ISO 14229-1:2013 §14.4).
    /// `progress(sent, total)` runs after each block; `Break` stops the
    /// download there (`UdsError::Stopped`: the server is left mid-download,
    /// as after a pulled cable).
    pub fn download(
        &mut self,
        data_format: u8,
        memory: MemoryLocation,
        data: &[u8],
        progress: &mut dyn FnMut(usize, usize) -> std::ops::ControlFlow<()>,
    ) -> Result<(), UdsError> {
        let max = self.request_download(data_format, memory)?;
        // ISO-TP carries up to 2^32 − 1 bytes per message (escape form).
        let per_block = usize::try_from(max.saturating_sub(2).min(u64::from(u32::MAX) - 2))
            .unwrap_or(usize::MAX);
        if per_block == 0 {
            return Err(UdsError::Protocol(format!(
                "maxNumberOfBlockLength {max} leaves no room for data"
            )));
        }
        let mut counter: u8 = 1;
        let mut sent = 0;
        for block in data.chunks(per_block) {
            self.transfer_data(counter, block)?;
            counter = counter.wrapping_add(1);
            sent += block.len();
            if progress(sent, data.len()).is_break() {
                return Err(UdsError::Stopped);
            }
        }
        self.request_transfer_exit(&[])?;
        Ok(())
    }

    /// ReadDataByIdentifier 0x22 for one DID.
    pub fn read_data_by_identifier(&mut self, id: u16) -> Result<Vec<u8>, UdsError> {
        let req = Request::ReadDataByIdentifier { dids: vec![id] };
        match self.expect(&req)? {
            Positive::ReadDataByIdentifier { did, data } if did == id => Ok(data),
            other => Err(mismatch(&req, &other)),
        }
    }

    /// DID 0xF189, as text (trailing NULs and spaces trimmed).
    pub fn software_version(&mut self) -> Result<String, UdsError> {
        Ok(text(&self.read_data_by_identifier(did::SOFTWARE_VERSION)?))
    }

    /// DID 0xF18C, as text.
    pub fn serial_number(&mut self) -> Result<String, UdsError> {
        Ok(text(&self.read_data_by_identifier(did::SERIAL_NUMBER)?))
    }

    /// TesterPresent 0x3E keeps a non-default session alive (S3server).
    pub fn tester_present(&mut self, suppress_positive: bool) -> Result<(), UdsError> {
        let req = Request::TesterPresent { suppress_positive };
        match self.request(&req)? {
            None | Some(Positive::TesterPresent) => Ok(()),
            Some(other) => Err(mismatch(&req, &other)),
        }
    }
}

fn mismatch(req: &Request, got: &Positive) -> UdsError {
    UdsError::Protocol(format!(
        "response {got:?} does not answer request {:02X?}",
        req.encode().get(..req.encode().len().min(8)).unwrap_or(&[])
    ))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .trim_end_matches(['\0', ' '])
        .to_string()
}
