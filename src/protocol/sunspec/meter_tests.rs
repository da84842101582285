//! Meter blocks against the published layout (sunspec/models
//! json/model_201.json … model_204.json as bundled in pysunspec2 1.3.7;
//! offsets counted from ID = 0, read off the JSON point order and sizes).

use super::*;
use crate::protocol::sunspec::defs::meter as m;
use crate::protocol::sunspec::PointType;

#[test]
fn layout_matches_the_model_definitions() {
    // "L" = 105 in all four; A 2, A_SF 6, PhV 7, PPV 11, V_SF 15, Hz 16,
    // Hz_SF 17, W 18, W_SF 22, VA 23, VA_SF 27, VAR 28, VAR_SF 32, PF 33,
    // PF_SF 37, TotWhExp acc32 38, TotWhImp 46, TotWh_SF 54, Evt 105.
    assert_eq!(m::LEN, 105);
    assert_eq!(BLOCK_LEN, 107);
    assert_eq!((m::A.offset, m::A_SF.offset, m::PhV.offset), (2, 6, 7));
    assert_eq!(
        (m::PPV.offset, m::PhVphAB.offset, m::V_SF.offset),
        (11, 12, 15)
    );
    assert_eq!(
        (m::Hz.offset, m::Hz.ty, m::Hz_SF.offset),
        (16, PointType::Int16, 17)
    );
    assert_eq!((m::W.offset, m::WphA.offset, m::W_SF.offset), (18, 19, 22));
    assert_eq!((m::VA.offset, m::VA_SF.offset), (23, 27));
    assert_eq!((m::VAR.offset, m::VAR_SF.offset), (28, 32));
    assert_eq!((m::PF.offset, m::PF_SF.offset), (33, 37));
    assert_eq!((m::TotWhExp.offset, m::TotWhExp.ty), (38, PointType::Acc32));
    assert_eq!((m::TotWhImp.offset, m::TotWh_SF.offset), (46, 54));
    assert_eq!((m::Evt.offset, m::Evt.size), (105, 2));
    // Contiguous, ending at L + 2.
    let mut next = 0;
    for p in m::POINTS {
        assert_eq!(p.offset, next, "{}", p.name);
        next += p.size;
    }
    assert_eq!(usize::from(next), BLOCK_LEN);
}

/// A split-phase (202) meter at a 120/240 V service exporting 7.2 kW, as
/// registers written at the published offsets.
fn published_202() -> Vec<u16> {
    let mut r = vec![0x8000u16; BLOCK_LEN];
    r[0] = 202;
    r[1] = 105;
    r[2] = 6000; // A, A_SF -2: 60.00 A
    r[3] = 3000; // AphA
    r[4] = 3000; // AphB
    r[6] = (-2i16) as u16; // A_SF
    r[7] = 1200; // PhV, V_SF -1: 120.0 V
    r[8] = 1200;
    r[9] = 1201;
    r[11] = 2400; // PPV
    r[12] = 2401; // PhVphAB
    r[15] = (-1i16) as u16; // V_SF
    r[16] = 6000; // Hz, Hz_SF -2
    r[17] = (-2i16) as u16;
    r[18] = (-7200i16) as u16; // W: exporting
    r[19] = (-3600i16) as u16;
    r[20] = (-3600i16) as u16;
    r[22] = 0; // W_SF
               // VA, VAR, PF and their scale factors: not implemented (0x8000).
    r[38] = 0x0001; // TotWhExp = 0x000186A0 = 100000 Wh
    r[39] = 0x86A0;
    for acc in [40, 42, 44, 48, 50, 52] {
        r[acc] = 0;
        r[acc + 1] = 0;
    }
    r[46] = 0; // TotWhImp = 1234 Wh
    r[47] = 1234;
    r[54] = 0; // TotWh_SF
    for acc in (55..104).step_by(2).filter(|o| *o != 71) {
        r[acc] = 0;
        r[acc + 1] = 0;
    }
    r[105] = 0; // Evt: no events
    r[106] = 0;
    r
}

#[test]
fn decodes_a_published_202_block() {
    let b = decode(&published_202()).unwrap();
    assert_eq!(b.model, MeterModel::SplitPhase);
    let v = b.values;
    let close = |a: Option<f64>, b: f64| (a.unwrap() - b).abs() < 1e-9;
    assert!(close(v.current_a, 60.0));
    assert!(close(v.phase_current_a[0], 30.0) && close(v.phase_current_a[1], 30.0));
    assert_eq!(v.phase_current_a[2], None);
    assert!(close(v.voltage_ln_v, 120.0) && close(v.phase_voltage_v[1], 120.1));
    assert!(close(v.voltage_ll_v, 240.0) && close(v.line_voltage_v[0], 240.1));
    assert_eq!(v.line_voltage_v[1], None);
    assert!(close(v.frequency_hz, 60.0));
    assert!(close(v.power_w, -7200.0));
    assert!(close(v.phase_power_w[0], -3600.0));
    assert_eq!(
        (v.apparent_va, v.reactive_var, v.power_factor_pct),
        (None, None, None)
    );
    assert!(close(v.exported_wh, 100_000.0) && close(v.imported_wh, 1234.0));
    assert_eq!(v.events, Some(0));
}

#[test]
fn an_unimplemented_scale_factor_counts_as_zero() {
    let mut r = published_202();
    r[17] = 0x8000; // Hz_SF is optional: Hz in whole hertz
    r[16] = 60;
    let v = decode(&r).unwrap().values;
    assert_eq!(v.frequency_hz, Some(60.0));
}

#[test]
fn round_trips_every_meter_model() {
    let scales = Scales {
        a: -2,
        v: -1,
        hz: -2,
        w: 0,
        va: 0,
        var: 0,
        pf: -1,
        wh: 1,
    };
    for model in MeterModel::ALL {
        let n = model.phases();
        let per = |x: f64| {
            let mut p = [None; 3];
            for (i, slot) in p.iter_mut().enumerate().take(n) {
                *slot = Some(x + i as f64);
            }
            p
        };
        let values = MeterValues {
            current_a: Some(41.25),
            phase_current_a: per(-20.5),
            voltage_ln_v: Some(230.1),
            phase_voltage_v: per(229.5),
            voltage_ll_v: Some(398.4),
            line_voltage_v: per(398.0),
            frequency_hz: Some(49.98),
            power_w: Some(-9500.0),
            phase_power_w: per(-3200.0),
            apparent_va: Some(9600.0),
            phase_apparent_va: per(3200.0),
            reactive_var: Some(-1200.0),
            phase_reactive_var: per(-400.0),
            power_factor_pct: Some(-98.9),
            phase_power_factor_pct: per(-98.0),
            exported_wh: Some(123_450.0),
            imported_wh: Some(9_876_540.0),
            events: Some(1 << 7),
        };
        let regs = encode(model, &values, &scales);
        assert_eq!(regs.len(), BLOCK_LEN);
        assert_eq!((regs[0], regs[1]), (model.id(), 105));
        let back = decode(&regs).unwrap();
        assert_eq!(back.model, model);
        let (a, b) = (format!("{:.6?}", back.values), format!("{values:.6?}"));
        assert_eq!(a, b, "model {}", model.id());
    }
}

#[test]
fn encoding_never_writes_not_implemented_by_accident() {
    let scales = Scales {
        a: 0,
        v: 0,
        hz: 0,
        w: 0,
        va: 0,
        var: 0,
        pf: 0,
        wh: 0,
    };
    let values = MeterValues {
        power_w: Some(-1.0e9),
        reactive_var: Some(1.0e9),
        current_a: Some(f64::NAN),
        ..Default::default()
    };
    let r = encode(MeterModel::SinglePhase, &values, &scales);
    assert_eq!(r[usize::from(m::W.offset)], (-32767i16) as u16);
    assert_eq!(r[usize::from(m::VAR.offset)], 32767);
    assert_eq!(r[usize::from(m::A.offset)], 0x8000);
    assert_eq!(r[usize::from(m::Evt.offset)..][..2], [0xFFFF, 0xFFFF]);
    let v = decode(&r).unwrap().values;
    assert_eq!(
        (v.power_w, v.current_a, v.events),
        (Some(-32767.0), None, None)
    );
}

#[test]
fn malformed_blocks_are_errors() {
    let good = published_202();
    assert_eq!(decode(&good[..106]), Err(MeterError::Short { got: 106 }));
    assert_eq!(decode(&[]), Err(MeterError::Short { got: 0 }));
    let mut r = good.clone();
    r[0] = 701;
    assert_eq!(decode(&r), Err(MeterError::NotAMeter(701)));
    let mut r = good.clone();
    r[1] = 104;
    assert_eq!(
        decode(&r),
        Err(MeterError::Length {
            model: 202,
            len: 104
        })
    );
    let mut r = good.clone();
    r[22] = 0x7FFF; // W_SF out of range
    assert_eq!(
        decode(&r),
        Err(MeterError::ScaleFactor {
            point: "W_SF",
            value: 0x7FFF
        })
    );
    // A bad scale factor of an unimplemented group is never used.
    let mut r = good;
    r[27] = 0x7FFF; // VA_SF, VA not implemented
    assert!(decode(&r).is_ok());
}

#[test]
fn random_registers_never_panic() {
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    for i in 0..2000 {
        let len = (next() % 130) as usize;
        let mut regs: Vec<u16> = (0..len).map(|_| next() as u16).collect();
        if i % 2 == 0 && len >= 2 {
            regs[0] = 201 + (i % 4) as u16;
            regs[1] = 105;
        }
        if let Ok(b) = decode(&regs) {
            assert!(b.values.power_w.is_none_or(f64::is_finite));
        }
    }
}
