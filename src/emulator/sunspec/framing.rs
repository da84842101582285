//! The server side of Modbus framing, shared by the emulated SunSpec
//! devices: RTU (a unit id, bad CRCs dropped silently, broadcast writes
//! executed and not answered; Serial Line V1.02 §2.4.1, §2.1) or TCP (MBAP,
//! the reply echoing the transaction and unit ids).

use super::Framing;
use crate::protocol::modbus::rtu::{self, RtuSplitter, Side};
use crate::protocol::modbus::tcp::{self, TcpSplitter};

pub enum Splitter {
    Rtu { unit_id: u8, s: RtuSplitter },
    Tcp(TcpSplitter),
}

impl Default for Splitter {
    fn default() -> Self {
        Splitter::Tcp(TcpSplitter::new())
    }
}

impl Splitter {
    pub fn new(framing: Framing) -> Self {
        match framing {
            Framing::Rtu { unit_id } => Splitter::Rtu {
                unit_id,
                s: RtuSplitter::new(Side::Requests),
            },
            Framing::Tcp => Splitter::Tcp(TcpSplitter::new()),
        }
    }

    /// Takes in `bytes`; each complete request PDU addressed to this
    /// device goes to `handle`, and its reply, framed, is returned in order.
    pub fn serve(
        &mut self,
        bytes: &[u8],
        mut handle: impl FnMut(&[u8]) -> Option<Vec<u8>>,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        match self {
            Splitter::Rtu { s, .. } => s.push(bytes),
            Splitter::Tcp(s) => s.push(bytes),
        }
        loop {
            match self {
                Splitter::Rtu { unit_id, s } => {
                    let unit_id = *unit_id;
                    let Some(frame) = s.next_frame() else { break };
                    // Bad CRC: discarded without reply (Serial Line V1.02 §2.4.1).
                    let Ok(frame) = frame else { continue };
                    if frame.unit_id == rtu::BROADCAST {
                        // Broadcast: writes are executed, nothing is answered.
                        if frame.pdu.first().is_some_and(|&f| f == 0x06 || f == 0x10) {
                            let _ = handle(&frame.pdu);
                        }
                    } else if frame.unit_id == unit_id {
                        if let Some(reply) = handle(&frame.pdu) {
                            out.extend(rtu::encode_adu(unit_id, &reply));
                        }
                    }
                }
                Splitter::Tcp(s) => {
                    let Some(frame) = s.next_frame() else { break };
                    let Ok(frame) = frame else { continue };
                    if let Some(reply) = handle(&frame.pdu) {
                        out.extend(tcp::encode_adu(frame.transaction_id, frame.unit_id, &reply));
                    }
                }
            }
        }
        out
    }
}
