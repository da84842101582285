//! The waveform CSV kept for each island event: PCC voltage, the
//! inverter's current and the PCC frequency from 0.5 s before S3 opened to
//! 0.5 s after the island cleared (or to the end of the capture when it did
//! not), at the recorder's sample rate, time 0 at S3 opening.

use crate::device::Capture;

/// Kept either side of the event (issue 5 §2).
pub const MARGIN_S: f64 = 0.5;

/// Frequency is only reported for cycles this close to nominal: the
/// ring-down of a de-energised RLC load is not a grid frequency.
const FREQUENCY_BAND: (f64, f64) = (0.5, 1.5);

/// `t_s,pcc_voltage_v,inverter_current_a,frequency_hz`, one row per sample;
/// `frequency_hz` is empty where no full cycle is known.
pub fn island_csv(capture: &Capture, clearing_time_s: Option<f64>, nominal_hz: f64) -> String {
    let fs = capture.sample_rate_hz;
    let n = capture.voltage_v.len().min(capture.current_a.len());
    let mut out = String::from("t_s,pcc_voltage_v,inverter_current_a,frequency_hz\n");
    if !(fs.is_finite() && fs > 0.0) || n == 0 {
        return out;
    }
    let trigger = capture.trigger_index.min(n) as f64;
    let index_at = |t_s: f64| (trigger + t_s * fs).round().clamp(0.0, n as f64) as usize;
    let first = index_at(-MARGIN_S);
    let last = match clearing_time_s {
        Some(t) if t.is_finite() => index_at(t + MARGIN_S),
        _ => n,
    };
    let trigger_at = capture.trigger_index.min(n);
    let reference_peak_v = capture.voltage_v[..trigger_at]
        .iter()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let frequency = cycle_frequency(&capture.voltage_v[..n], fs, nominal_hz, reference_peak_v);
    out.reserve(40 * (last.saturating_sub(first)));
    for i in first..last {
        let t_s = (i as f64 - trigger) / fs;
        push_fixed(&mut out, t_s, 6);
        out.push(',');
        push_fixed(&mut out, capture.voltage_v[i], 3);
        out.push(',');
        push_fixed(&mut out, capture.current_a[i], 4);
        out.push(',');
        if let Some(f) = frequency.get(i).copied().flatten() {
            push_fixed(&mut out, f, 4);
        }
        out.push('\n');
    }
    out
}

/// `x` with `decimals` digits after the point, as `format!("{x:.N}")`
/// writes it for the magnitudes a waveform has (|x| < 9e12), through
/// integers: a run writes millions of these. Non-finite values are empty.
pub fn push_fixed(out: &mut String, x: f64, decimals: u32) {
    use std::fmt::Write;
    let scale = 10i64.pow(decimals);
    let scaled = (x * scale as f64).round_ties_even();
    if !scaled.is_finite() || scaled.abs() >= 9.0e18 {
        return;
    }
    let n = scaled as i64;
    if n < 0 {
        out.push('-');
    }
    let (int, frac) = (
        n.unsigned_abs() / scale as u64,
        n.unsigned_abs() % scale as u64,
    );
    let _ = write!(out, "{int}");
    if decimals > 0 {
        let _ = write!(out, ".{frac:0width$}", width = decimals as usize);
    }
}

/// A cycle whose peak is below this share of the pre-island peak is a
/// de-energised island ringing down, not a frequency to report.
const ENERGISED_SHARE: f64 = 0.1;

/// For each sample, the frequency of the last full cycle ending at or
/// before it (rising zero crossings, linearly interpolated), as a
/// frequency meter holds its reading; None before the first cycle, for a
/// cycle below [`ENERGISED_SHARE`] of `reference_peak_v`, and after two
/// nominal periods without a crossing.
pub fn cycle_frequency(
    v: &[f64],
    fs: f64,
    nominal_hz: f64,
    reference_peak_v: f64,
) -> Vec<Option<f64>> {
    let mut out = vec![None; v.len()];
    let hold_samples = (2.0 * fs / nominal_hz.max(1.0)).ceil() as usize;
    let floor_v = ENERGISED_SHARE * reference_peak_v;
    let mut last_crossing: Option<f64> = None;
    let mut current: Option<f64> = None;
    let mut since_crossing = usize::MAX;
    let mut cycle_peak_v = 0.0f64;
    for i in 1..v.len() {
        let (a, b) = (v[i - 1], v[i]);
        cycle_peak_v = cycle_peak_v.max(b.abs());
        if a < 0.0 && b >= 0.0 {
            let at = (i - 1) as f64 + a / (a - b);
            if let Some(prev) = last_crossing {
                let f = fs / (at - prev);
                let in_band =
                    f >= nominal_hz * FREQUENCY_BAND.0 && f <= nominal_hz * FREQUENCY_BAND.1;
                current = (in_band && cycle_peak_v >= floor_v).then_some(f);
            }
            last_crossing = Some(at);
            since_crossing = 0;
            cycle_peak_v = 0.0;
        } else {
            since_crossing = since_crossing.saturating_add(1);
        }
        if since_crossing > hold_samples {
            current = None;
        }
        out[i] = current;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(f_hz: f64, fs: f64, seconds: f64, stop_at_s: f64) -> Capture {
        let n = (seconds * fs) as usize;
        let trigger = (0.5 * fs) as usize;
        let mut v = Vec::with_capacity(n);
        let mut i_a = Vec::with_capacity(n);
        for k in 0..n {
            let t = (k as f64 - trigger as f64) / fs;
            let on = t < stop_at_s;
            let w = (2.0 * std::f64::consts::PI * f_hz * t).sin();
            v.push(if on { 339.4 * w } else { 0.0 });
            i_a.push(if on { 67.8 * w } else { 0.0 });
        }
        Capture {
            sample_rate_hz: fs,
            trigger_index: trigger,
            voltage_v: v,
            current_a: i_a,
        }
    }

    #[test]
    fn window_runs_from_half_a_second_before_to_half_after_clearing() {
        let c = capture(60.0, 10_000.0, 3.0, 0.3);
        let csv = island_csv(&c, Some(0.3), 60.0);
        let rows: Vec<&str> = csv.lines().skip(1).collect();
        assert_eq!(rows.len(), 13_000, "-0.5 s .. 0.8 s at 10 kS/s");
        assert!(rows[0].starts_with("-0.500000,"));
        assert!(rows.last().unwrap().starts_with("0.799900,"));
        // Energised: 60 Hz measured; long after it ceased: no frequency.
        let mid: Vec<&str> = rows[4000].split(',').collect();
        let f: f64 = mid[3].parse().unwrap();
        assert!((f - 60.0).abs() < 0.01, "{f}");
        assert!(rows.last().unwrap().ends_with(','));
    }

    #[test]
    fn not_cleared_keeps_the_whole_capture_after() {
        let c = capture(60.5, 10_000.0, 2.5, 10.0);
        let csv = island_csv(&c, None, 60.0);
        assert_eq!(csv.lines().count(), 1 + 25_000);
        let last: Vec<&str> = csv.lines().last().unwrap().split(',').collect();
        assert!((last[3].parse::<f64>().unwrap() - 60.5).abs() < 0.01);
    }

    #[test]
    fn fixed_point_matches_format() {
        for &(x, d) in &[
            (0.0, 3),
            (-0.5, 6),
            (339.41125, 3),
            (-67.47599, 4),
            (60.000049, 4),
            (1e-7, 6),
            (-1e-7, 3),
            (123456.5, 0),
        ] {
            let mut s = String::new();
            push_fixed(&mut s, x, d);
            let want = format!("{x:.*}", d as usize);
            // `format!` keeps the sign of a negative value that rounds to 0.
            let want = if want
                .trim_start_matches('-')
                .chars()
                .all(|c| c == '0' || c == '.')
            {
                want.trim_start_matches('-').to_string()
            } else {
                want
            };
            assert_eq!(s, want, "{x} {d}");
        }
        let mut s = String::new();
        push_fixed(&mut s, f64::NAN, 3);
        assert!(s.is_empty());
    }

    #[test]
    fn empty_or_odd_captures_give_only_the_header() {
        let mut c = capture(60.0, 10_000.0, 0.0, 0.0);
        assert_eq!(island_csv(&c, Some(0.1), 60.0).lines().count(), 1);
        c.sample_rate_hz = f64::NAN;
        c.voltage_v = vec![1.0; 10];
        c.current_a = vec![1.0; 5];
        c.trigger_index = 99;
        assert_eq!(island_csv(&c, Some(f64::INFINITY), 60.0).lines().count(), 1);
        c.sample_rate_hz = 1000.0;
        assert_eq!(island_csv(&c, Some(-5.0), 60.0).lines().count(), 1);
    }
}
