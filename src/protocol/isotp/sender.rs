//! The sending side of ISO 15765-2: segmentation and flow-control handling
//! (ISO 15765-2:2016 §9.6, N_Bs timing, unexpected N_PDU handling).

use super::pdu::{
    decode_st_min, parse, FlowStatus, Pdu, CF_DATA_LEN, FF_DATA_LEN, FF_DL_12BIT_MAX,
    FF_ESCAPE_DATA_LEN, SF_MAX_DL,
};
use super::{IsoTpConfig, IsoTpError, Timer};
use crate::protocol::can::CanFrame;
use std::time::Duration;

/// At most this many frames leave one `poll`; with BS = 0 and STmin = 0 the
/// next batch is due at once (`wake_at == Some(now)`), so a 4 GiB message
/// never builds one giant frame list.
const MAX_FRAMES_PER_POLL: usize = 1024;

/// What the sender wants done now.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SenderStep {
    /// Frames to put on the bus now, in order.
    pub frames: Vec<CanFrame>,
    /// Call `poll` again at this time (an STmin gap or the N_Bs deadline);
    /// `None` when nothing is pending.
    pub wake_at: Option<Duration>,
    /// The whole message has been handed out (or none is being sent).
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum State {
    Idle,
    /// A single frame or the first frame waits to go out.
    Start {
        frame: CanFrame,
        single: bool,
    },
    /// Waiting for a flow control until `deadline` (N_Bs).
    WaitFc {
        deadline: Duration,
        waits: u32,
    },
    /// Consecutive frames: next one not before `next_at`; `left` frames
    /// remain in this block (`None` = BS 0, no further flow control).
    Sending {
        next_at: Duration,
        left: Option<u8>,
    },
}

/// Segments one message at a time.
#[derive(Debug, Clone)]
pub struct Sender {
    config: IsoTpConfig,
    payload: Vec<u8>,
    offset: usize,
    sn: u8,
    /// BS and STmin of the first CTS flow control, kept for the whole
    /// message as the Linux kernel does (`net/can/isotp.c` isotp_rcv_fc:
    /// "get communication parameters only from the first FC frame").
    flow: Option<(u8, Duration)>,
    /// When the last consecutive frame left: STmin also separates the last
    /// CF of a block from the first of the next, however fast the FC came.
    last_cf_at: Option<Duration>,
    state: State,
}

impl Sender {
    pub fn new(config: IsoTpConfig) -> Self {
        Sender {
            config,
            payload: Vec::new(),
            offset: 0,
            sn: 0,
            flow: None,
            last_cf_at: None,
            state: State::Idle,
        }
    }

    pub fn config(&self) -> &IsoTpConfig {
        &self.config
    }

    /// True while a message is being sent.
    pub fn is_busy(&self) -> bool {
        self.state != State::Idle
    }

    /// Drops the message in progress.
    pub fn abort(&mut self) {
        self.state = State::Idle;
        self.payload = Vec::new();
    }

    /// Begins sending `payload` (1..=u32::MAX bytes); the frames come from
    /// [`poll`](Self::poll).
    pub fn start(&mut self, payload: &[u8]) -> Result<(), IsoTpError> {
        if self.is_busy() {
            return Err(IsoTpError::Busy);
        }
        let len = payload.len();
        if len == 0 || u32::try_from(len).is_err() {
            return Err(IsoTpError::BadLength(len));
        }
        let (frame, consumed, single) = if len <= SF_MAX_DL {
            // SF: PCI 0x0L (§9.6.2).
            (self.config.frame(&[len as u8], payload)?, len, true)
        } else if len <= FF_DL_12BIT_MAX {
            // FF: PCI 0x1H LL, 12-bit FF_DL (§9.6.3).
            let pci = [0x10 | (len >> 8) as u8, len as u8];
            let data = payload.get(..FF_DATA_LEN).unwrap_or(payload);
            (self.config.frame(&pci, data)?, FF_DATA_LEN, false)
        } else {
            // FF escape form: FF_DL = 0 then 32-bit length (§9.6.3).
            let l = (len as u32).to_be_bytes();
            let pci = [0x10, 0x00, l[0], l[1], l[2], l[3]];
            let data = payload.get(..FF_ESCAPE_DATA_LEN).unwrap_or(payload);
            (self.config.frame(&pci, data)?, FF_ESCAPE_DATA_LEN, false)
        };
        self.payload = payload.to_vec();
        self.offset = consumed;
        self.sn = 1;
        self.flow = None;
        self.last_cf_at = None;
        self.state = State::Start { frame, single };
        Ok(())
    }

    /// Frames due at `now` and when to come back. An N_Bs expiry aborts the
    /// message and returns the error.
    pub fn poll(&mut self, now: Duration) -> Result<SenderStep, IsoTpError> {
        let mut step = SenderStep::default();
        match self.state.clone() {
            State::Idle => step.done = true,
            State::Start { frame, single } => {
                step.frames.push(frame);
                if single {
                    self.finish();
                    step.done = true;
                } else {
                    let deadline = now.saturating_add(self.config.n_bs);
                    self.state = State::WaitFc { deadline, waits: 0 };
                    step.wake_at = Some(deadline);
                }
            }
            State::WaitFc { deadline, .. } => {
                if now >= deadline {
                    self.abort();
                    return Err(IsoTpError::Timeout {
                        timer: Timer::NBs,
                        after: self.config.n_bs,
                    });
                }
                step.wake_at = Some(deadline);
            }
            State::Sending { next_at, mut left } => {
                if now < next_at {
                    step.wake_at = Some(next_at);
                    return Ok(step);
                }
                let st_min = self.flow.map(|(_, st)| st).unwrap_or_default();
                self.last_cf_at = Some(now);
                loop {
                    step.frames.push(self.next_cf()?);
                    if self.offset >= self.payload.len() {
                        self.finish();
                        step.done = true;
                        break;
                    }
                    if let Some(l) = left.as_mut() {
                        *l = l.saturating_sub(1);
                        if *l == 0 {
                            let deadline = now.saturating_add(self.config.n_bs);
                            self.state = State::WaitFc { deadline, waits: 0 };
                            step.wake_at = Some(deadline);
                            break;
                        }
                    }
                    if !st_min.is_zero() || step.frames.len() >= MAX_FRAMES_PER_POLL {
                        let next_at = now.saturating_add(st_min);
                        self.state = State::Sending { next_at, left };
                        step.wake_at = Some(next_at);
                        break;
                    }
                }
            }
        }
        Ok(step)
    }

    /// Handles a frame from the peer. Anything but a flow control on
    /// `rx_id` while one is awaited is ignored (ISO 15765-2: an unexpected FC is
    /// ignored). OVERFLOW, a reserved flow status or too many WAITs abort
    /// the message and return the error.
    pub fn on_flow_control(&mut self, now: Duration, frame: &CanFrame) -> Result<(), IsoTpError> {
        if frame.id() != self.config.rx_id || frame.is_remote() {
            return Ok(());
        }
        let State::WaitFc { waits, .. } = self.state else {
            return Ok(());
        };
        let Ok(Pdu::FlowControl {
            status,
            block_size,
            st_min,
        }) = parse(frame.data())
        else {
            return Ok(());
        };
        match status {
            FlowStatus::ClearToSend => {
                let (bs, st) = *self.flow.get_or_insert((block_size, decode_st_min(st_min)));
                let gap_end = self.last_cf_at.map_or(now, |t| t.saturating_add(st));
                self.state = State::Sending {
                    next_at: now.max(gap_end),
                    left: (bs != 0).then_some(bs),
                };
                Ok(())
            }
            FlowStatus::Wait => {
                let waits = waits.saturating_add(1);
                if waits > u32::from(self.config.max_wait_frames) {
                    self.abort();
                    return Err(IsoTpError::TooManyWaits {
                        waits,
                        max: self.config.max_wait_frames,
                    });
                }
                // A WAIT restarts N_Bs (ISO 15765-2 network layer timing).
                self.state = State::WaitFc {
                    deadline: now.saturating_add(self.config.n_bs),
                    waits,
                };
                Ok(())
            }
            FlowStatus::Overflow => {
                self.abort();
                Err(IsoTpError::Overflow)
            }
            FlowStatus::Reserved(fs) => {
                self.abort();
                Err(IsoTpError::InvalidFlowStatus(fs))
            }
        }
    }

    fn next_cf(&mut self) -> Result<CanFrame, IsoTpError> {
        let end = self
            .offset
            .saturating_add(CF_DATA_LEN)
            .min(self.payload.len());
        let data = self.payload.get(self.offset..end).unwrap_or(&[]);
        // CF: PCI 0x2N, SN counts 1, 2, … 15, 0, 1 … (§9.6.4).
        let frame = self.config.frame(&[0x20 | self.sn], data)?;
        self.offset = end;
        self.sn = (self.sn + 1) & 0x0F;
        Ok(frame)
    }

    fn finish(&mut self) {
        self.state = State::Idle;
        self.payload = Vec::new();
    }
}
