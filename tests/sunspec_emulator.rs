//! The emulated charger at the byte level: unit ids, broadcast, garbage.

use std::sync::{Arc, Mutex};
use v2x_hil::der::{AntiIslanding, EnterService, TripSettings};
use v2x_hil::device::Identity;
use v2x_hil::emulator::sunspec::{charger_instrument, Framing};
use v2x_hil::emulator::{lock_plant, Instrument};
use v2x_hil::plant::{InverterConfig, Plant, PlantConfig};
use v2x_hil::protocol::modbus::pdu::{Request, Response};
use v2x_hil::protocol::modbus::{rtu, tcp};

fn plant() -> Plant {
    Plant::new(PlantConfig {
        nominal_voltage_v: 240.0,
        nominal_frequency_hz: 60.0,
        step_rate_hz: 20_000.0,
        inverter: InverterConfig {
            rating_w: 11500.0,
            trip: TripSettings::ieee1547_cat_ii(),
            enter_service: EnterService::ieee1547_default(),
            anti_islanding: AntiIslanding::default(),
        },
    })
}

fn rtu_req(unit: u8, req: &Request) -> Vec<u8> {
    rtu::encode_adu(unit, &req.to_bytes())
}

fn read_marker() -> Request {
    Request::ReadHoldingRegisters {
        address: 40000,
        quantity: 4,
    }
}

#[test]
fn rtu_answers_only_its_unit_id() {
    let mut p = plant();
    let mut inst = charger_instrument(Framing::Rtu { unit_id: 7 }, Identity::default());
    assert!(inst.receive(&rtu_req(1, &read_marker()), &mut p).is_empty());
    let reply = inst.receive(&rtu_req(7, &read_marker()), &mut p);
    let (unit, pdu) = rtu::decode_adu(&reply).unwrap();
    assert_eq!(unit, 7);
    assert_eq!(
        Response::decode(pdu).unwrap(),
        Response::ReadHoldingRegisters {
            values: vec![0x5375, 0x6E53, 1, 66]
        }
    );
    // Model 1 DA reports the unit id.
    let da = Request::ReadHoldingRegisters {
        address: 40002 + 66,
        quantity: 1,
    };
    let reply = inst.receive(&rtu_req(7, &da), &mut p);
    assert_eq!(
        Response::decode(rtu::decode_adu(&reply).unwrap().1).unwrap(),
        Response::ReadHoldingRegisters { values: vec![7] }
    );
    // A corrupted CRC gets no answer (Serial Line V1.02 §2.4.1).
    let mut bad = rtu_req(7, &read_marker());
    bad[3] ^= 0x10;
    assert!(inst.receive(&bad, &mut p).is_empty());
}

#[test]
fn rtu_broadcast_writes_execute_silently_and_reads_are_ignored() {
    let mut p = plant();
    let mut inst = charger_instrument(Framing::Rtu { unit_id: 1 }, Identity::default());
    assert!(inst.receive(&rtu_req(0, &read_marker()), &mut p).is_empty());
    // 704 AntiIslEna sits at 40296 + 52.
    let off = Request::WriteSingleRegister {
        address: 40296 + 52,
        value: 0,
    };
    assert!(inst.receive(&rtu_req(0, &off), &mut p).is_empty());
    assert!(!p.anti_islanding().enabled);
}

#[test]
fn tcp_echoes_transaction_and_unit_and_rejects_unknown_functions() {
    let mut p = plant();
    let mut inst = charger_instrument(Framing::Tcp, Identity::default());
    let reply = inst.receive(
        &tcp::encode_adu(0xBEEF, 3, &read_marker().to_bytes()),
        &mut p,
    );
    let f = tcp::decode_adu(&reply).unwrap();
    assert_eq!((f.transaction_id, f.unit_id), (0xBEEF, 3));
    // Function 0x04 (input registers) is not served: exception 01.
    let reply = inst.receive(&tcp::encode_adu(1, 1, &[0x04, 0x9C, 0x40, 0, 1]), &mut p);
    assert_eq!(tcp::decode_adu(&reply).unwrap().pdu, vec![0x84, 0x01]);
    // 126 registers is beyond the read limit: exception 03.
    let reply = inst.receive(&tcp::encode_adu(2, 1, &[0x03, 0x9C, 0x40, 0, 126]), &mut p);
    assert_eq!(tcp::decode_adu(&reply).unwrap().pdu, vec![0x83, 0x03]);
}

fn xorshift(s: &mut u64) -> u64 {
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    *s
}

#[test]
fn random_bytes_never_panic_and_rtu_recovers() {
    let shared = Arc::new(Mutex::new(plant()));
    for framing in [Framing::Rtu { unit_id: 1 }, Framing::Tcp] {
        let mut inst: Box<dyn Instrument> = charger_instrument(framing, Identity::default());
        let mut seed = 0x2545_F491_4F6C_DD1Du64;
        for i in 0..1500 {
            let len = (xorshift(&mut seed) % 64) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| xorshift(&mut seed) as u8).collect();
            // Now and then a well-formed frame with random contents, so the
            // register and write paths see random addresses and values too.
            if i % 3 == 0 && len >= 6 {
                let fc = [0x03, 0x06, 0x10][(i / 3) % 3];
                // Addresses land in the map (0x9C40 = 40000 and up) half the time.
                let hi = if bytes[0].is_multiple_of(2) {
                    0x9C + bytes[1] % 2
                } else {
                    bytes[1]
                };
                let mut pdu = vec![fc, hi, bytes[2], 0, 1 + bytes[3] % 3];
                if fc == 0x10 {
                    let n = pdu[4];
                    pdu.push(2 * n);
                    pdu.extend(bytes.iter().cycle().take(2 * usize::from(n)));
                }
                bytes = match framing {
                    Framing::Rtu { .. } => rtu::encode_adu(1, &pdu),
                    Framing::Tcp => tcp::encode_adu(i as u16, 1, &pdu),
                };
            }
            let mut p = lock_plant(&shared);
            let _ = inst.receive(&bytes, &mut p);
        }
        if let Framing::Rtu { .. } = framing {
            // After the noise and a silent gap's worth of junk, a valid request is answered.
            let mut p = lock_plant(&shared);
            let mut reply = Vec::new();
            for _ in 0..300 {
                reply = inst.receive(&rtu_req(1, &read_marker()), &mut p);
                if !reply.is_empty() {
                    break;
                }
            }
            assert!(rtu::decode_adu(&reply).is_ok(), "no answer after noise");
        }
    }
}

fn tcp_write(
    inst: &mut Box<dyn Instrument>,
    p: &mut Plant,
    address: u16,
    values: Vec<u16>,
) -> Vec<u8> {
    let req = Request::WriteMultipleRegisters { address, values };
    let reply = inst.receive(&tcp::encode_adu(1, 1, &req.to_bytes()), p);
    tcp::decode_adu(&reply).unwrap().pdu
}

#[test]
fn percent_setpoint_and_enter_service_enable() {
    let mut p = plant();
    let mut inst = charger_instrument(Framing::Tcp, Identity::default());
    // 704 at 40296: WSetEna (22), WSetMod (23) = W_MAX_PCT; WSetRvrt (26) is
    // not writable here, so a block over 22..=28 is refused whole.
    let pdu = tcp_write(&mut inst, &mut p, 40296 + 22, vec![1, 0, 0, 0, 0, 0, 5000]);
    assert_eq!(pdu, vec![0x90, 0x02]);
    assert_eq!(p.inverter_status().power_setpoint_w, 0.0);
    let pdu = tcp_write(&mut inst, &mut p, 40296 + 22, vec![1, 0]);
    assert_eq!(pdu[0], 0x10, "write refused: {pdu:?}");
    // WSetPct (28) at WSetPct_SF -2: 5000 = 50.00 % of WMax 11500 W.
    tcp_write(&mut inst, &mut p, 40296 + 28, vec![5000]);
    assert_eq!(p.inverter_status().power_setpoint_w, 5750.0);
    // Negative percent imports (704 WSetEna comment: may be negative for charging).
    tcp_write(&mut inst, &mut p, 40296 + 28, vec![(-2500i16) as u16]);
    assert_eq!(p.inverter_status().power_setpoint_w, -2875.0);
    // 703 at 40277: ES = 0 (disabled) holds the charger at 0 W; re-enabling restores.
    tcp_write(&mut inst, &mut p, 40277 + 2, vec![0]);
    assert_eq!(p.inverter_status().power_setpoint_w, 0.0);
    tcp_write(&mut inst, &mut p, 40277 + 2, vec![1]);
    assert_eq!(p.inverter_status().power_setpoint_w, -2875.0);
    // 101 % is out of range: exception 03, setpoint unchanged.
    let pdu = tcp_write(&mut inst, &mut p, 40296 + 28, vec![10_100]);
    assert_eq!(pdu, vec![0x90, 0x03]);
    assert_eq!(p.inverter_status().power_setpoint_w, -2875.0);
}
