//! Never panics: random, corrupted and out-of-order frames, random commands,
//! clocks that jump or run backwards and absurd DC measurements, fed to both
//! session cores (deterministic xorshift).

mod chademo_session_common;

use std::time::Duration;

use chademo_session_common::*;
use v2x_hil::protocol::chademo::session::*;
use v2x_hil::protocol::chademo::Message;
use v2x_hil::transport::can::{CanFrame, CanId};

const WEIRD: [f64; 8] = [
    0.0,
    -1.0,
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    1e300,
    -1e300,
    400.0,
];

fn random_f64(rng: &mut XorShift) -> f64 {
    if rng.below(3) == 0 {
        WEIRD[rng.below(WEIRD.len() as u64) as usize]
    } else {
        (rng.below(2000) as f64) - 500.0
    }
}

fn random_frame(rng: &mut XorShift) -> CanFrame {
    let mut data = [0u8; 8];
    for b in &mut data {
        *b = rng.next() as u8;
    }
    let len = if rng.below(4) == 0 {
        rng.below(9) as usize
    } else {
        8
    };
    let id = match rng.below(6) {
        0 => CanId::Standard((rng.below(0x800)) as u16),
        1 => CanId::Extended(Message::IDS[rng.below(9) as usize] as u32),
        _ => CanId::Standard(Message::IDS[rng.below(9) as usize]),
    };
    if rng.below(10) == 0 {
        CanFrame::remote(id, rng.below(9) as u8).unwrap()
    } else {
        CanFrame::new(id, &data[..len]).unwrap()
    }
}

fn corrupt(rng: &mut XorShift, f: &CanFrame) -> CanFrame {
    let mut data = [0u8; 8];
    let src = f.data();
    data[..src.len()].copy_from_slice(src);
    let i = rng.below(8) as usize;
    data[i] ^= 1 << rng.below(8);
    CanFrame::new(f.id(), &data[..src.len()]).unwrap()
}

fn check(ev: &EvSession, ch: &ChargerSession, tick: &ChargerTick) {
    let s = ev.status();
    assert!((0.0..=1.0).contains(&s.soc), "soc {}", s.soc);
    assert!(s.charger_reported_voltage_v.is_finite());
    assert!(s.charger_reported_current_a.is_finite());
    let l = tick.limits;
    for a in [l.max_charge_current_a, l.max_discharge_current_a] {
        assert!(!a.is_nan() && a >= 0.0, "limit {a}");
    }
    assert!(!l.min_discharge_soc.is_nan() && !l.max_charge_soc.is_nan());
    if !tick.contactor_closed {
        assert_eq!(l.max_charge_current_a, 0.0);
        assert_eq!(l.max_discharge_current_a, 0.0);
    }
    let _ = ch.status();
}

#[test]
fn random_frames_and_commands_never_panic() {
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    for round in 0..40 {
        let mut v = vehicle();
        if round % 3 == 0 {
            v.capacity_kwh = random_f64(&mut rng);
            v.initial_soc = random_f64(&mut rng);
            v.max_discharge_current_a = random_f64(&mut rng);
            v.target_voltage_v = Some(random_f64(&mut rng));
            v.protocol_number = rng.below(5) as u8;
        }
        let mut c = charger();
        if round % 4 == 1 {
            c.available_voltage_v = random_f64(&mut rng);
            c.available_current_a = random_f64(&mut rng);
            c.max_discharge_current_a = random_f64(&mut rng);
            c.protocol_number = rng.below(5) as u8;
        }
        let mut ev = EvSession::new(v);
        let mut ch = ChargerSession::new(c);
        let mut now = Duration::ZERO;
        for _ in 0..600 {
            match rng.below(40) {
                0 => ev.plug(),
                1 => ev.unplug(),
                2 => ev.start(TransferRequest::Discharge),
                3 => ev.start(TransferRequest::Charge {
                    current_a: random_f64(&mut rng),
                }),
                4 => ev.stop(),
                5 => ev.go_silent(rng.below(2) == 0),
                6 => ev.set_limits(RuntimeLimits {
                    max_charge_current_a: random_f64(&mut rng),
                    max_discharge_current_a: random_f64(&mut rng),
                    min_discharge_soc: random_f64(&mut rng),
                    min_discharge_voltage_v: random_f64(&mut rng),
                }),
                _ => {}
            }
            now = match rng.below(20) {
                0 => now.saturating_sub(Duration::from_millis(rng.below(5000))),
                1 => now.saturating_add(Duration::from_secs(rng.below(100_000))),
                2 => Duration::MAX - Duration::from_millis(rng.below(1000)),
                _ => now.saturating_add(CYCLE),
            };
            let dc = DcSideView {
                battery_voltage_v: random_f64(&mut rng),
                dc_current_a: random_f64(&mut rng),
                ac_power_setpoint_w: random_f64(&mut rng),
            };
            for f in ev.tick(now) {
                let f = if rng.below(8) == 0 {
                    corrupt(&mut rng, &f)
                } else {
                    f
                };
                if rng.below(10) != 0 {
                    ch.on_frame(now, &f);
                }
            }
            for _ in 0..rng.below(3) {
                let f = random_frame(&mut rng);
                ch.on_frame(now, &f);
                ev.on_frame(now, &f);
            }
            let tick = ch.tick(now, dc);
            for f in &tick.frames {
                let f = if rng.below(8) == 0 {
                    corrupt(&mut rng, f)
                } else {
                    *f
                };
                if rng.below(10) != 0 {
                    ev.on_frame(now, &f);
                }
            }
            check(&ev, &ch, &tick);
        }
    }
}

#[test]
fn clean_loop_with_random_commands_stays_consistent() {
    // Without corruption: the vehicle's contactors are never closed while
    // the charger's limits permit current and the vehicle is unplugged.
    let mut rng = XorShift(12345);
    let mut rig = Rig::new(vehicle(), charger());
    let mut transferring = 0;
    for _ in 0..3000 {
        match rng.below(60) {
            0 => rig.ev.plug(),
            1 => rig.ev.unplug(),
            2 => rig.ev.start(TransferRequest::Discharge),
            3 => rig.ev.start(TransferRequest::Charge { current_a: 20.0 }),
            4 => rig.ev.stop(),
            5 => rig.ev.go_silent(rng.below(3) == 0),
            _ => {}
        }
        rig.setpoint_w = (rng.below(20_000) as f64) - 10_000.0;
        rig.step();
        let l = rig.last.limits;
        if l.max_charge_current_a > 0.0 || l.max_discharge_current_a > 0.0 {
            transferring += 1;
            assert!(rig.last.contactor_closed);
            assert!(matches!(
                rig.ch.status().phase,
                v2x_hil::protocol::chademo::Phase::EnergyTransfer(_)
                    | v2x_hil::protocol::chademo::Phase::CurrentRampDown
            ));
        }
        assert!(rig.current_a <= l.max_discharge_current_a + 1e-9);
        assert!(-rig.current_a <= l.max_charge_current_a + 1e-9);
    }
    assert!(transferring > 100, "only {transferring} transfer cycles");
}
