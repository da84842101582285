//! Inline SVG plots for the HTML report: an island event (PCC voltage,
//! inverter current and PCC frequency in panels of their own, S3-open and
//! cleared instants marked) and a charger's power against its setpoint. Waveforms are
//! reduced to a min/max pair per pixel column, so a peak is never lost to
//! the decimation.

use super::xml::esc;
use crate::evidence::waveform::push_fixed;
use std::fmt::Write;

const WIDTH: f64 = 720.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 64.0;
const TOP: f64 = 24.0;

/// A plot area: data ranges mapped onto pixel ranges.
struct Frame {
    x: (f64, f64),
    y: (f64, f64),
    px: (f64, f64),
    py: (f64, f64),
}

impl Frame {
    fn sx(&self, x: f64) -> f64 {
        self.px.0 + (x - self.x.0) / (self.x.1 - self.x.0) * (self.px.1 - self.px.0)
    }
    fn sy(&self, y: f64) -> f64 {
        self.py.1 - (y - self.y.0) / (self.y.1 - self.y.0) * (self.py.1 - self.py.0)
    }
}

/// Samples of the island CSV (`t_s,pcc_voltage_v,inverter_current_a,frequency_hz`).
struct Waveform {
    t: Vec<f64>,
    v: Vec<f64>,
    i: Vec<f64>,
    f: Vec<Option<f64>>,
}

fn parse_csv(text: &str) -> Waveform {
    let mut w = Waveform {
        t: Vec::new(),
        v: Vec::new(),
        i: Vec::new(),
        f: Vec::new(),
    };
    for line in text.lines().skip(1) {
        let mut cols = line.split(',');
        let mut num = || cols.next().and_then(|c| c.parse::<f64>().ok());
        if let (Some(t), Some(v), Some(i)) = (num(), num(), num()) {
            w.t.push(t);
            w.v.push(v);
            w.i.push(i);
            w.f.push(num().filter(|f| f.is_finite()));
        }
    }
    w
}

/// The island event's plot; `None` when the CSV has no samples.
pub fn island_plot(csv: &str, clearing_time_s: Option<f64>) -> Option<String> {
    event_plot(
        csv,
        &Event {
            title: "island event",
            start_label: "S3 open",
            start_s: 0.0,
            cleared_s: clearing_time_s,
            x_label: "time from S3 opening (s)",
        },
    )
}

/// What a waveform plot marks: the event's start and when it cleared, in
/// the CSV's time (seconds from the capture's trigger).
pub struct Event<'a> {
    pub title: &'a str,
    pub start_label: &'a str,
    pub start_s: f64,
    pub cleared_s: Option<f64>,
    pub x_label: &'a str,
}

/// A trip step's waveform: the grid's step at `t0_s` after the trigger,
/// cessation `clearing_time_s` after it.
pub fn trip_plot(csv: &str, t0_s: f64, clearing_time_s: Option<f64>, step: &str) -> Option<String> {
    event_plot(
        csv,
        &Event {
            title: "trip test",
            start_label: step,
            start_s: t0_s,
            cleared_s: clearing_time_s.map(|c| c + t0_s),
            x_label: "time from the recorder's trigger (s)",
        },
    )
}

/// Three panels over the same time axis: PCC voltage, inverter current,
/// and the PCC frequency while the charger energised the PCC. The
/// frequency stops at the cleared instant: what follows is the load's
/// ring-down, not a frequency the charger held.
pub fn event_plot(csv: &str, e: &Event) -> Option<String> {
    let w = parse_csv(csv);
    let (t0, t1) = (*w.t.first()?, *w.t.last()?);
    if t1 <= t0 {
        return None;
    }
    let height = 440.0;
    let peak = |xs: &[f64]| xs.iter().fold(0.0f64, |m, x| m.max(x.abs())).max(1e-9);
    let (v_peak, i_peak) = (peak(&w.v) * 1.1, peak(&w.i) * 1.1);
    let panel = |y: (f64, f64), py: (f64, f64)| Frame {
        x: (t0, t1),
        y,
        px: (LEFT, WIDTH - RIGHT),
        py,
    };
    let voltage = panel((-v_peak, v_peak), (TOP, 130.0));
    let current = panel((-i_peak, i_peak), (145.0, 250.0));
    let cleared = e.cleared_s.filter(|c| c.is_finite() && *c <= t1);
    let energised = |t: f64| cleared.is_none_or(|c| t <= c);
    let f: Vec<(f64, f64)> =
        w.t.iter()
            .zip(&w.f)
            .filter_map(|(t, f)| f.filter(|_| energised(*t)).map(|f| (*t, f)))
            .collect();
    let (f_lo, f_hi) = match (
        f.iter().map(|p| p.1).reduce(f64::min),
        f.iter().map(|p| p.1).reduce(f64::max),
    ) {
        (Some(lo), Some(hi)) => {
            let pad = ((hi - lo) * 0.1).max(0.05);
            (lo - pad, hi + pad)
        }
        _ => (59.0, 61.0),
    };
    let frequency = panel((f_lo, f_hi), (265.0, 365.0));
    let mut s = open_svg(height, e.title);
    axes(&mut s, &voltage, "V", true);
    axes(&mut s, &current, "A", true);
    axes(&mut s, &frequency, "Hz", true);
    x_axis(&mut s, &frequency, e.x_label);
    let v: Vec<(f64, f64)> = w.t.iter().copied().zip(w.v.iter().copied()).collect();
    let i: Vec<(f64, f64)> = w.t.iter().copied().zip(w.i.iter().copied()).collect();
    polyline(
        &mut s,
        &voltage,
        &min_max_columns(&v, &voltage),
        "#1f77b4",
        "",
    );
    polyline(
        &mut s,
        &current,
        &min_max_columns(&i, &current),
        "#d62728",
        "",
    );
    polyline(
        &mut s,
        &frequency,
        &min_max_columns(&f, &frequency),
        "#2ca02c",
        "",
    );
    marker(
        &mut s,
        &voltage,
        &frequency,
        e.start_s,
        e.start_label,
        "#444",
    );
    match cleared {
        Some(c) => marker(
            &mut s,
            &voltage,
            &frequency,
            c,
            &format!("cleared {:.3} s", c - e.start_s),
            "#9467bd",
        ),
        None => {
            let _ = write!(
                s,
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#b00\">not cleared: still energised at the end of the capture</text>",
                voltage.px.1,
                voltage.py.0 - 6.0
            );
        }
    }
    legend(
        &mut s,
        &[
            ("#1f77b4", "PCC voltage"),
            ("#d62728", "inverter current"),
            ("#2ca02c", "PCC frequency while energised"),
        ],
        height - 8.0,
    );
    s.push_str("</svg>");
    Some(s)
}

/// Measured AC power against the setpoint, over the test's time; `None`
/// with fewer than two samples.
pub fn power_plot(samples: &[(f64, f64, f64)]) -> Option<String> {
    if samples.len() < 2 {
        return None;
    }
    let (t0, t1) = (samples[0].0, samples[samples.len() - 1].0);
    if t1 <= t0 {
        return None;
    }
    let lo = samples.iter().fold(0.0f64, |m, s| m.min(s.1).min(s.2));
    let hi = samples.iter().fold(0.0f64, |m, s| m.max(s.1).max(s.2));
    let pad = ((hi - lo) * 0.08).max(100.0);
    let height = 250.0;
    let frame = Frame {
        x: (t0, t1),
        y: (lo - pad, hi + pad),
        px: (LEFT, WIDTH - RIGHT),
        py: (TOP, 200.0),
    };
    let mut s = open_svg(height, "charger power against setpoint");
    axes(&mut s, &frame, "W", true);
    x_axis(&mut s, &frame, "run time (s)");
    // The setpoint holds until the next command: drawn as steps.
    let mut steps = Vec::new();
    for (k, (t, set, _)) in samples.iter().enumerate() {
        if k > 0 {
            steps.push((*t, samples[k - 1].1));
        }
        steps.push((*t, *set));
    }
    polyline(&mut s, &frame, &steps, "#ff7f0e", "6 4");
    let measured: Vec<(f64, f64)> = samples.iter().map(|(t, _, m)| (*t, *m)).collect();
    polyline(&mut s, &frame, &measured, "#1f77b4", "");
    legend(
        &mut s,
        &[("#ff7f0e", "setpoint"), ("#1f77b4", "measured")],
        height - 8.0,
    );
    s.push_str("</svg>");
    Some(s)
}

fn open_svg(height: f64, label: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" \
         width=\"{WIDTH}\" height=\"{height}\" role=\"img\" aria-label=\"{}\" \
         font-family=\"sans-serif\" font-size=\"11\">",
        esc(label)
    )
}

/// At most two points (min and max, in time order) per pixel column.
fn min_max_columns(points: &[(f64, f64)], frame: &Frame) -> Vec<(f64, f64)> {
    let columns = (frame.px.1 - frame.px.0).max(1.0) as usize;
    if points.len() <= 2 * columns {
        return points.to_vec();
    }
    let mut out = Vec::with_capacity(2 * columns);
    // (pixel column, lowest point, highest point) of the column being filled.
    type Column = (usize, (f64, f64), (f64, f64));
    let mut bucket: Option<Column> = None;
    for &(t, y) in points {
        let col = ((frame.sx(t) - frame.px.0).max(0.0) as usize).min(columns);
        match bucket.as_mut() {
            Some((c, lo, hi)) if *c == col => {
                if y < lo.1 {
                    *lo = (t, y);
                }
                if y > hi.1 {
                    *hi = (t, y);
                }
            }
            _ => {
                if let Some((_, lo, hi)) = bucket.take() {
                    push_pair(&mut out, lo, hi);
                }
                bucket = Some((col, (t, y), (t, y)));
            }
        }
    }
    if let Some((_, lo, hi)) = bucket {
        push_pair(&mut out, lo, hi);
    }
    out
}

fn push_pair(out: &mut Vec<(f64, f64)>, a: (f64, f64), b: (f64, f64)) {
    if a.0 <= b.0 {
        out.push(a);
        out.push(b);
    } else {
        out.push(b);
        out.push(a);
    }
}

fn polyline(s: &mut String, frame: &Frame, points: &[(f64, f64)], colour: &str, dash: &str) {
    if points.is_empty() {
        return;
    }
    let mut d = String::with_capacity(14 * points.len());
    for (t, y) in points {
        push_fixed(&mut d, frame.sx(*t), 1);
        d.push(',');
        push_fixed(&mut d, frame.sy(*y), 1);
        d.push(' ');
    }
    let dash = if dash.is_empty() {
        String::new()
    } else {
        format!(" stroke-dasharray=\"{dash}\"")
    };
    let _ = write!(
        s,
        "<polyline fill=\"none\" stroke=\"{colour}\" stroke-width=\"1\"{dash} points=\"{}\"/>",
        d.trim_end()
    );
}

/// Box, horizontal grid and left tick labels.
fn axes(s: &mut String, f: &Frame, unit: &str, grid: bool) {
    let _ = write!(
        s,
        "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"none\" stroke=\"#999\"/>",
        f.px.0,
        f.py.0,
        f.px.1 - f.px.0,
        f.py.1 - f.py.0
    );
    for y in ticks(f.y.0, f.y.1) {
        let py = f.sy(y);
        if grid {
            let _ = write!(
                s,
                "<line x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{py:.1}\" y2=\"{py:.1}\" stroke=\"#eee\"/>",
                f.px.0, f.px.1
            );
        }
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{} {unit}</text>",
            f.px.0 - 4.0,
            py + 4.0,
            label(y)
        );
    }
}

fn x_axis(s: &mut String, f: &Frame, title: &str) {
    for x in ticks(f.x.0, f.x.1) {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            f.sx(x),
            f.py.1 + 13.0,
            label(x)
        );
    }
    let _ = write!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        (f.px.0 + f.px.1) / 2.0,
        f.py.1 + 26.0,
        esc(title)
    );
}

/// A vertical line through both panels, labelled at the top.
fn marker(s: &mut String, top: &Frame, bottom: &Frame, t: f64, text: &str, colour: &str) {
    let x = top.sx(t);
    let _ = write!(
        s,
        "<line x1=\"{x:.1}\" x2=\"{x:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{colour}\" stroke-dasharray=\"3 3\"/>\
         <text x=\"{:.1}\" y=\"{:.1}\" fill=\"{colour}\">{}</text>",
        top.py.0,
        bottom.py.1,
        x + 3.0,
        top.py.0 - 6.0,
        esc(text)
    );
}

fn legend(s: &mut String, items: &[(&str, &str)], y: f64) {
    let mut x = LEFT;
    for (colour, text) in items {
        let _ = write!(
            s,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"12\" height=\"3\" fill=\"{colour}\"/>\
             <text x=\"{:.1}\" y=\"{y:.1}\">{}</text>",
            y - 4.0,
            x + 16.0,
            esc(text)
        );
        x += 24.0 + 7.0 * text.len() as f64;
    }
}

/// About five round values (1, 2 or 5 × 10^k apart) within `[lo, hi]`.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    if !(lo.is_finite() && hi.is_finite()) || hi <= lo {
        return Vec::new();
    }
    let raw = (hi - lo) / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    // Multiples of the step (not a running sum, which drifts: 0.30000000000000004).
    let first = (lo / step).ceil() as i64;
    (first..first + 20)
        .map(|k| k as f64 * step)
        .take_while(|v| *v <= hi + step * 1e-9)
        .collect()
}

fn label(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round() {
        assert_eq!(ticks(0.0, 10.0), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        assert_eq!(ticks(-0.5, 1.2), [-0.5, 0.0, 0.5, 1.0]);
        let labels: Vec<String> = ticks(0.0, 0.35).into_iter().map(label).collect();
        assert_eq!(labels, ["0", "0.1", "0.2", "0.3"]);
        assert!(ticks(1.0, 1.0).is_empty());
        assert!(ticks(f64::NAN, 1.0).is_empty());
    }

    #[test]
    fn decimation_keeps_the_extremes_of_each_column() {
        let pts: Vec<(f64, f64)> = (0..100_000)
            .map(|k| {
                (
                    k as f64 / 100_000.0,
                    if k == 50_123 { 9.0 } else { (k % 7) as f64 },
                )
            })
            .collect();
        let f = Frame {
            x: (0.0, 1.0),
            y: (0.0, 10.0),
            px: (0.0, 500.0),
            py: (0.0, 100.0),
        };
        let d = min_max_columns(&pts, &f);
        assert!(d.len() <= 2 * 501);
        assert!(d.iter().any(|p| p.1 == 9.0), "the spike survives");
    }

    #[test]
    fn an_island_plot_marks_both_instants() {
        let mut csv = String::from("t_s,pcc_voltage_v,inverter_current_a,frequency_hz\n");
        for k in 0..2000 {
            let t = -0.5 + k as f64 * 0.0005;
            let on = t < 0.3;
            let w = (2.0 * std::f64::consts::PI * 60.0 * t).sin();
            let f = if on && t > -0.48 { "60.0" } else { "" };
            csv.push_str(&format!(
                "{t},{},{},{f}\n",
                if on { 339.0 * w } else { 0.0 },
                if on { 67.0 * w } else { 0.0 }
            ));
        }
        let svg = island_plot(&csv, Some(0.3)).unwrap();
        assert!(svg.contains(">S3 open<"));
        // Three panels, each its own axis box.
        assert_eq!(svg.matches("fill=\"none\" stroke=\"#999\"").count(), 3);
        assert!(svg.contains(">cleared 0.300 s<"));
        assert_eq!(svg.matches("<polyline").count(), 3);
        // A ring-down after cessation measured as ~51 Hz: not plotted, so
        // the frequency axis stays around the energised island's 60 Hz.
        let ringing = csv
            .lines()
            .map(|l| match l.split(',').collect::<Vec<_>>()[..] {
                [t, v, i, ""] if t.parse::<f64>().is_ok_and(|t| t > 0.31) => {
                    format!("{t},{v},{i},51.0")
                }
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n");
        let svg = island_plot(&ringing, Some(0.3)).unwrap();
        assert!(svg.contains(" Hz<"), "{svg}");
        assert!(
            !svg.contains(">51 Hz<") && !svg.contains(">52 Hz<"),
            "{svg}"
        );
        let ran_on = island_plot(&csv, None).unwrap();
        assert!(ran_on.contains("not cleared") && !ran_on.contains(">cleared"));
        assert!(island_plot("t_s\n", None).is_none());
        assert!(island_plot("garbage\n1,2\n,,,\n", None).is_none());
    }
}
