//! The SunSpec charger driver against an arbitrary register map: discovery
//! ('SunS' at 0/40000/50000, then ID/L pairs to 0xFFFF) and every Charger
//! call decode whatever the map holds without panicking. The map is served
//! over Modbus TCP bytes by an in-memory link; the input either patches the
//! emulator's model skeleton (ids and lengths right, contents fuzzed) or is
//! the raw map.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::collections::VecDeque;
use std::time::Duration;
use v2x_hil::device::sunspec::{connect, Framing};
use v2x_hil::device::Charger;
use v2x_hil::emulator::sunspec::map::{register_map, BASE_ADDRESS};
use v2x_hil::protocol::modbus::pdu::{ExceptionCode, Request, Response};
use v2x_hil::protocol::modbus::tcp::{decode_adu, encode_adu};
use v2x_hil::protocol::sunspec::{BASE_ADDRESSES, SUNS_MARKER};
use v2x_hil::transport::{ByteLink, TransportError};

/// A Modbus TCP server over a 64 Ki-register array.
struct MapLink {
    regs: Vec<u16>,
    pending: VecDeque<u8>,
}

impl MapLink {
    fn answer(&mut self, req: &Request) -> Response {
        let range = |a: u16, n: usize| usize::from(a)..usize::from(a) + n;
        let bad = |function| Response::Exception {
            function,
            code: ExceptionCode::IllegalDataAddress,
        };
        match req {
            Request::ReadHoldingRegisters { address, quantity } => {
                match self.regs.get(range(*address, usize::from(*quantity))) {
                    Some(v) => Response::ReadHoldingRegisters { values: v.to_vec() },
                    None => bad(req.function()),
                }
            }
            Request::WriteSingleRegister { address, value } => {
                match self.regs.get_mut(usize::from(*address)) {
                    Some(slot) => {
                        *slot = *value;
                        Response::WriteSingleRegister {
                            address: *address,
                            value: *value,
                        }
                    }
                    None => bad(req.function()),
                }
            }
            Request::WriteMultipleRegisters { address, values } => {
                match self.regs.get_mut(range(*address, values.len())) {
                    Some(slots) => {
                        slots.copy_from_slice(values);
                        Response::WriteMultipleRegisters {
                            address: *address,
                            quantity: values.len() as u16,
                        }
                    }
                    None => bad(req.function()),
                }
            }
        }
    }
}

impl ByteLink for MapLink {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        let frame = decode_adu(bytes).map_err(|_| TransportError::Closed)?;
        let req = Request::decode(&frame.pdu).map_err(|_| TransportError::Closed)?;
        let resp = self.answer(&req);
        self.pending.extend(encode_adu(
            frame.transaction_id,
            frame.unit_id,
            &resp.to_bytes(),
        ));
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        let mut n = 0;
        while n < buf.len() {
            let Some(b) = self.pending.pop_front() else {
                break;
            };
            buf[n] = b;
            n += 1;
        }
        if n == 0 {
            return Err(TransportError::Timeout(timeout));
        }
        Ok(n)
    }

    fn clear_input(&mut self) -> Result<(), TransportError> {
        self.pending.clear();
        Ok(())
    }

    fn describe(&self) -> String {
        "fuzzed SunSpec map".into()
    }
}

fn be16(b: &[u8]) -> u16 {
    u16::from_be_bytes([b[0], b.get(1).copied().unwrap_or(0)])
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut regs = vec![0xFFFFu16; 0x1_0000];
    if mode & 1 == 0 {
        // The emulator's skeleton at 40000, then (offset, value) patches.
        let base = usize::from(BASE_ADDRESS);
        regs[base] = SUNS_MARKER[0];
        regs[base + 1] = SUNS_MARKER[1];
        for (id, addr, len) in register_map() {
            let at = usize::from(addr);
            regs[at] = id;
            regs[at + 1] = len;
            for r in regs.iter_mut().skip(at + 2).take(usize::from(len)) {
                *r = 0;
            }
        }
        for patch in rest.chunks_exact(4) {
            let at = base + usize::from(be16(&patch[..2]));
            if let Some(slot) = regs.get_mut(at) {
                *slot = be16(&patch[2..]);
            }
        }
    } else {
        // The raw map after 'SunS' at one of the three bases.
        let base = usize::from(BASE_ADDRESSES[usize::from(mode >> 1) % 3]);
        regs[base] = SUNS_MARKER[0];
        regs[base + 1] = SUNS_MARKER[1];
        for (slot, pair) in regs.iter_mut().skip(base + 2).zip(rest.chunks(2)) {
            *slot = be16(pair);
        }
    }
    let link = MapLink {
        regs,
        pending: VecDeque::new(),
    };
    let Ok(mut charger) = connect(Box::new(link), Framing::Tcp, "fuzz") else {
        return;
    };
    assert!(charger.models().len() <= 65);
    let _ = charger.identify();
    let _ = charger.rating_w();
    let _ = charger.status();
    if let Ok(trip) = charger.read_trip_settings() {
        let _ = charger.write_trip_settings(&trip);
    }
    if let Ok(on) = charger.anti_islanding_enabled() {
        let _ = charger.set_anti_islanding(!on);
    }
    if let Ok(es) = charger.read_enter_service() {
        let _ = charger.write_enter_service(&es);
    }
    let power = f64::from(i16::from_be_bytes([mode, mode.rotate_left(3)])) * 10.0;
    let _ = charger.set_power_w(power);
});
