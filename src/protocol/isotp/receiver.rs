//! The receiving side of ISO 15765-2: reassembly, flow control and N_Cr
//! (ISO 15765-2:2016 §9.6, network layer timing, unexpected N_PDU handling).

use super::pdu::{encode_st_min, parse, FlowStatus, Pdu, CF_DATA_LEN};
use super::{IsoTpConfig, IsoTpError, Timer};
use crate::protocol::can::CanFrame;
use std::time::Duration;

/// Most bytes reserved up front for a message; longer ones grow as they
/// arrive, so a forged first frame cannot make us allocate 4 GiB.
const MAX_PREALLOC: usize = 64 * 1024;

/// What one received frame led to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RxEvent {
    /// Send this flow control now (after a first frame or a full block).
    pub flow_control: Option<CanFrame>,
    /// A message completed.
    pub completed: Option<Vec<u8>>,
    /// A reception was aborted (it may coexist with `completed` when a
    /// single frame interrupts a multi-frame message: ISO 15765-2 unexpected N_PDU handling).
    pub error: Option<IsoTpError>,
}

#[derive(Debug, Clone)]
struct InProgress {
    len: usize,
    buf: Vec<u8>,
    next_sn: u8,
    in_block: u8,
    deadline: Duration,
}

/// Reassembles the messages the peer sends on `rx_id`.
#[derive(Debug, Clone)]
pub struct Receiver {
    config: IsoTpConfig,
    rx: Option<InProgress>,
}

impl Receiver {
    pub fn new(config: IsoTpConfig) -> Self {
        Receiver { config, rx: None }
    }

    pub fn config(&self) -> &IsoTpConfig {
        &self.config
    }

    /// True while a multi-frame message is being received.
    pub fn is_receiving(&self) -> bool {
        self.rx.is_some()
    }

    /// When N_Cr runs out for the message in progress.
    pub fn deadline(&self) -> Option<Duration> {
        self.rx.as_ref().map(|r| r.deadline)
    }

    /// Aborts the reception in progress if N_Cr has run out.
    pub fn check_timeout(&mut self, now: Duration) -> Option<IsoTpError> {
        let late = self.rx.as_ref().is_some_and(|r| now >= r.deadline);
        if late {
            self.rx = None;
            return Some(IsoTpError::Timeout {
                timer: Timer::NCr,
                after: self.config.n_cr,
            });
        }
        None
    }

    /// Handles one frame. Frames on other ids, remote frames, flow controls
    /// (the sender's business) and malformed PDUs are ignored.
    pub fn on_frame(&mut self, now: Duration, frame: &CanFrame) -> RxEvent {
        let mut ev = RxEvent::default();
        if frame.id() != self.config.rx_id || frame.is_remote() {
            return ev;
        }
        if let Some(e) = self.check_timeout(now) {
            ev.error = Some(e);
        }
        let Ok(pdu) = parse(frame.data()) else {
            return ev;
        };
        match pdu {
            Pdu::Single { data } => {
                if self.rx.take().is_some() {
                    ev.error = Some(IsoTpError::Interrupted);
                }
                ev.completed = Some(data.to_vec());
            }
            Pdu::First { len, data } => {
                if self.rx.take().is_some() {
                    ev.error = Some(IsoTpError::Interrupted);
                }
                if len > self.config.max_receive_len {
                    ev.flow_control = self.flow_control(FlowStatus::Overflow);
                    ev.error = Some(IsoTpError::IncomingTooLong {
                        len,
                        max: self.config.max_receive_len,
                    });
                    return ev;
                }
                let len = len as usize;
                let mut buf = Vec::with_capacity(len.min(MAX_PREALLOC));
                buf.extend_from_slice(data.get(..len.min(data.len())).unwrap_or(data));
                self.rx = Some(InProgress {
                    len,
                    buf,
                    next_sn: 1,
                    in_block: 0,
                    deadline: now.saturating_add(self.config.n_cr),
                });
                ev.flow_control = self.flow_control(FlowStatus::ClearToSend);
            }
            Pdu::Consecutive { sn, data } => self.on_consecutive(now, sn, data, &mut ev),
            Pdu::FlowControl { .. } => {}
        }
        ev
    }

    fn on_consecutive(&mut self, now: Duration, sn: u8, data: &[u8], ev: &mut RxEvent) {
        // A CF outside a reception is ignored (unexpected N_PDU handling).
        let Some(rx) = self.rx.as_mut() else {
            return;
        };
        if sn != rx.next_sn {
            let expected = rx.next_sn;
            self.rx = None;
            ev.error = Some(IsoTpError::WrongSequenceNumber { expected, got: sn });
            return;
        }
        let remaining = rx.len.saturating_sub(rx.buf.len());
        let take = remaining.min(CF_DATA_LEN);
        let Some(chunk) = data.get(..take) else {
            self.rx = None;
            ev.error = Some(IsoTpError::Malformed(format!(
                "consecutive frame carries {} bytes, {take} expected",
                data.len()
            )));
            return;
        };
        rx.buf.extend_from_slice(chunk);
        rx.next_sn = (rx.next_sn + 1) & 0x0F;
        rx.deadline = now.saturating_add(self.config.n_cr);
        if rx.buf.len() >= rx.len {
            ev.completed = self.rx.take().map(|r| r.buf);
            return;
        }
        let bs = self.config.block_size;
        if bs != 0 {
            rx.in_block = rx.in_block.saturating_add(1);
            if rx.in_block >= bs {
                rx.in_block = 0;
                ev.flow_control = self.flow_control(FlowStatus::ClearToSend);
            }
        }
    }

    /// FC: PCI 0x3S, BS, STmin (§9.6.5).
    fn flow_control(&self, status: FlowStatus) -> Option<CanFrame> {
        let pci = [
            0x30 | status.nibble(),
            self.config.block_size,
            encode_st_min(self.config.st_min),
        ];
        self.config.frame(&pci, &[]).ok()
    }
}
