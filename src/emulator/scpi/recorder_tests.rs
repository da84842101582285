//! Unit tests of the recorder's windowing and encoding.

use super::*;
use crate::device::scpi::recorder::Preamble;

fn samples(n: u64, step_us: u64) -> Vec<PccSample> {
    (0..n)
        .map(|i| PccSample {
            t: Duration::from_micros(i * step_us),
            v_pcc_v: i as f64,
            i_inverter_a: -(i as f64),
        })
        .collect()
}

#[test]
fn thinning_keeps_window_length_and_points() {
    let (s, k) = thin(samples(7001, 100), 7000, None);
    assert_eq!((s.len(), k), (7000, 1));
    let (s, k) = thin(samples(7001, 100), 7000, Some(1000));
    assert_eq!((s.len(), k), (1000, 7));
    assert_eq!(s[1].v_pcc_v, 7.0);
    let (s, _) = thin(Vec::new(), 7000, Some(10));
    assert!(s.is_empty());
}

#[test]
fn word_codes_cover_500_v_and_100_a() {
    let mut r = RecorderDevice::new();
    r.format = Format::Word;
    assert!(500.0 / r.y_increment() < 32767.0);
    r.source = 1;
    assert!(100.0 / r.y_increment() < 32767.0);
    assert!(r.y_increment() <= 0.005);
}

#[test]
fn timebase_window_follows_reference_and_position() {
    let mut r = RecorderDevice::new();
    r.set_timebase(0.7, 0.15, 0.5).unwrap();
    let (pre, post) = r.pre_post();
    assert!((pre - 0.2).abs() < 1e-12 && (post - 0.5).abs() < 1e-12);
    r.set_timebase(1.0, 0.0, 0.1).unwrap();
    let (pre, post) = r.pre_post();
    assert!((pre - 0.1).abs() < 1e-12 && (post - 0.9).abs() < 1e-12);
    assert!(r.set_timebase(1.0, 0.5, 0.1).is_err());
    assert!(r.set_timebase(20.0, 0.0, 0.5).is_err());
}

#[test]
fn encodings_decode_back_through_the_driver_preamble() {
    let s = samples(5, 100);
    let mut r = RecorderDevice::new();
    for (format, code, unsigned, lsb) in [
        (Format::Word, 1, false, true),
        (Format::Word, 1, false, false),
        (Format::Byte, 0, false, false),
        (Format::Ascii, 4, false, false),
    ] {
        (r.format, r.unsigned, r.lsb_first) = (format, unsigned, lsb);
        let pre = Preamble {
            format: code,
            points: s.len(),
            x_increment_s: 1e-4,
            x_origin_s: 0.0,
            x_reference: 0.0,
            y_increment: r.y_increment(),
            y_origin: 0.0,
            y_reference: r.y_reference() as f64,
        };
        let got = pre.decode(&r.encode(&s), lsb, unsigned).unwrap();
        for (g, want) in got.iter().zip(&s) {
            assert!(
                (g - want.v_pcc_v).abs() <= r.y_increment() / 2.0,
                "{format:?}"
            );
        }
    }
    // out-of-range values clip to the code range instead of wrapping
    r.format = Format::Word;
    let big = [PccSample {
        t: Duration::ZERO,
        v_pcc_v: 1e6,
        i_inverter_a: 0.0,
    }];
    assert_eq!(r.encode(&big), vec![0x7F, 0xFF]);
}
