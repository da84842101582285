//! Bounds on what a plan may ask for, so that no plan fills memory or runs
//! for ever: how many tests and steps, how long one step may take, and how
//! long the whole plan takes by its own numbers (README "Input limits").

use super::check::Checker;
use super::error::ModelErrors;
use super::plan::{IslandStep, Plan, Step, TestSpec, EXTEND_LIMIT_PCT};

/// Most tests in a plan (the shipped plans have at most six).
pub const MAX_TESTS: usize = 1_000;
/// Most steps in one test: a setpoint a minute for a week is 10 080.
pub const MAX_STEPS_PER_TEST: usize = 10_000;
/// Most steps in a plan, all tests together.
pub const MAX_STEPS: usize = 100_000;
/// Longest single wait, ramp (`over_s`), expect timeout (`within_s`) or
/// island `watch_s` / `settle_s`: a day, as a soak test needs.
pub const MAX_STEP_DURATION_S: f64 = 86_400.0;
/// Shortest ramp step: 1 ms, the runner's own floor (a grid simulator
/// takes a setpoint no faster than that).
pub const MIN_RAMP_STEP_S: f64 = 0.001;
/// Most setpoints one ramp sends (`over_s / step_s`).
pub const MAX_RAMP_STEPS: f64 = 100_000.0;
/// Most reactive-load points one island step lists.
pub const MAX_ISLAND_POINTS: usize = 1_000;
/// A trip step watches at least this long beyond its `max_clearing_time_s`:
/// the capture must show the current staying off (a nominal cycle at 50 Hz
/// is 20 ms) to call it ceased.
pub const CEASED_QUIET_S: f64 = 0.1;
/// Seconds the recorder captures before its trigger in `island` and `trip`.
pub const RECORDER_PRE_TRIGGER_S: f64 = 0.5;
/// The longest capture the emulated recorder takes (its timebase range, the
/// waveform history the plant keeps): pre-trigger plus watch must fit.
pub const EMULATED_RECORDER_MAX_CAPTURE_S: f64 = 10.0;
/// Longest a plan may take by its own numbers ([`Plan::nominal_duration_s`]).
pub const MAX_PLAN_DURATION_S: f64 = 7.0 * 86_400.0;
/// IEEE 1547-2018 §4.10.3 Table 4: the enter-service delay is adjustable
/// from 0 s to 600 s.
pub const MAX_ENTER_SERVICE_DELAY_S: f64 = 600.0;

/// Test and step counts, before anything else is looked at: a plan beyond
/// them is refused as a whole.
pub(crate) fn check_counts<T>(
    c: &mut Checker,
    tests: &[T],
    steps_of: impl Fn(&T) -> usize,
) -> Result<(), ModelErrors> {
    if tests.len() > MAX_TESTS {
        c.invalid(
            "tests",
            format!("{} tests is too many", tests.len()),
            format!("a plan has at most {MAX_TESTS} tests; split it into several plans"),
        );
        return Err(ModelErrors(std::mem::take(&mut c.errors)));
    }
    let mut total = 0usize;
    for (i, t) in tests.iter().enumerate() {
        let n = steps_of(t);
        total = total.saturating_add(n);
        if n > MAX_STEPS_PER_TEST {
            c.invalid(
                &format!("tests[{i}].steps"),
                format!("{n} steps is too many for one test"),
                format!(
                    "a test has at most {MAX_STEPS_PER_TEST} steps; use ramps, or split the test"
                ),
            );
        }
    }
    if total > MAX_STEPS {
        c.invalid(
            "tests",
            format!("{total} steps in all is too many"),
            format!("a plan has at most {MAX_STEPS} steps; split it into several plans"),
        );
    }
    if c.errors.is_empty() {
        Ok(())
    } else {
        Err(ModelErrors(std::mem::take(&mut c.errors)))
    }
}

/// A step's duration: finite, ≥ 0 and at most [`MAX_STEP_DURATION_S`].
pub(crate) fn duration(c: &mut Checker, key: &str, value_s: f64) -> bool {
    if !c.non_negative(key, value_s) {
        return false;
    }
    if value_s > MAX_STEP_DURATION_S {
        c.invalid(
            key,
            format!(
                "{value_s} s ({}) is longer than one step may take",
                show_duration(value_s)
            ),
            format!("expected at most {MAX_STEP_DURATION_S} s (24 h); split longer runs into several steps"),
        );
        return false;
    }
    true
}

/// A ramp's step (already finite and positive): at least
/// [`MIN_RAMP_STEP_S`], and with a valid `over_s` at most [`MAX_RAMP_STEPS`]
/// of them.
pub(crate) fn ramp(c: &mut Checker, step_key: &str, over_s: Option<f64>, step_s: f64) {
    if step_s < MIN_RAMP_STEP_S {
        c.invalid(
            step_key,
            format!("a {step_s} s step is shorter than a setpoint takes"),
            format!("expected at least {MIN_RAMP_STEP_S} s"),
        );
        return;
    }
    let Some(over_s) = over_s else { return };
    if (over_s / step_s).ceil() > MAX_RAMP_STEPS {
        c.invalid(
            step_key,
            format!(
                "{over_s} s in steps of {step_s} s is {} setpoints",
                (over_s / step_s).ceil()
            ),
            format!("a ramp sends at most {MAX_RAMP_STEPS} setpoints: lengthen step_s"),
        );
    }
}

/// The points an island step can visit: how many at most, and the highest
/// reactive-load percentage (of the balanced inductive load). With `extend_while_rising` the runner adds 1 %
/// points beyond each end while clearing time still rises, staying within
/// 100 ± (5 + [`EXTEND_LIMIT_PCT`]) %; `rerun_longest` reruns points twice.
pub fn sweep_extent(step: &IslandStep) -> (usize, f64) {
    let listed: &[f64] = match step.reactive_load_pct.as_slice() {
        [] => &[100.0],
        l => l,
    };
    let hi = listed.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let lo = listed.iter().copied().fold(f64::INFINITY, f64::min);
    let (mut points, mut top) = (listed.len(), hi);
    if step.extend_while_rising && listed.len() >= 2 {
        let reach = 5.0 + EXTEND_LIMIT_PCT;
        for (mut edge, dir) in [(lo, -1.0), (hi, 1.0)] {
            while (edge + dir - 100.0).abs() <= reach {
                edge += dir;
                points += 1;
            }
            if dir > 0.0 {
                top = top.max(edge);
            }
        }
    }
    let reruns = 2 * (step.rerun_longest as usize).min(points);
    (points + reruns, top)
}

/// How long a step takes by its own numbers: a wait, a ramp's `over_s`, an
/// expect's `within_s` (at most), island points × (`settle_s` + `watch_s`).
/// Device exchanges, load balancing and the charger's return to service
/// between island points come on top.
pub fn step_duration_s(step: &Step) -> f64 {
    // Clamped as validation bounds them, so a plan total is not refused
    // again for a step already refused on its own.
    let s = |v: f64| v.clamp(0.0, MAX_STEP_DURATION_S);
    match step {
        Step::Wait(w) => s(w.s),
        Step::Ramp(r) => s(r.over_s),
        Step::Expect(e) => s(e.within_s),
        Step::Island(i) => sweep_extent(i).0 as f64 * (s(i.settle_s) + s(i.watch_s)),
        Step::Trip(t) => s(t.watch_s()),
        // At most: each installer action and the reconnection may take
        // `wait_s`, and the home is carried for `hold_s`.
        Step::Backup(b) => 3.0 * s(b.wait_s) + s(b.hold_s),
        // Baseline, export, import, each settled.
        Step::MeterCheck(m) => 3.0 * s(m.settle_s),
        Step::BootNotification(b) => s(b.within_s),
        Step::TriggerMessage(t) => s(t.within_s),
        Step::OcppExpect(e) => s(e.within_s),
        _ => 0.0,
    }
}

fn test_duration_s(t: &TestSpec) -> f64 {
    t.steps.iter().map(step_duration_s).sum()
}

/// How long a plan takes by its own numbers ([`step_duration_s`]): simulated
/// time on the emulated rig, wall-clock time on a real one.
pub fn nominal_duration_s(plan: &Plan) -> f64 {
    plan.tests.iter().map(test_duration_s).sum()
}

/// Refuses a plan whose [`nominal_duration_s`] exceeds [`MAX_PLAN_DURATION_S`],
/// located at its longest test.
pub(crate) fn check_total_duration(c: &mut Checker, tests: &[TestSpec]) {
    let total: f64 = tests.iter().map(test_duration_s).sum();
    if total <= MAX_PLAN_DURATION_S {
        return;
    }
    let longest = tests
        .iter()
        .map(test_duration_s)
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let (key, which) = match longest {
        Some((i, d)) => (
            format!("tests[{i}]"),
            format!(
                "; the longest test, `{}`, takes {}",
                tests.get(i).map_or("", |t| t.name.as_str()),
                show_duration(d)
            ),
        ),
        None => ("tests".to_string(), String::new()),
    };
    c.invalid(
        &key,
        format!(
            "the plan takes {} by its waits, ramps, timeouts and island points{which}",
            show_duration(total)
        ),
        format!(
            "a plan may take at most {} ({MAX_PLAN_DURATION_S} s); split it into several plans",
            show_duration(MAX_PLAN_DURATION_S)
        ),
    );
}

/// `2.5 s`, `4 min 10 s`, `3 h 05 min`, `8 d 2 h`.
pub fn show_duration(s: f64) -> String {
    if !s.is_finite() {
        return super::check::show(s);
    }
    if s < 60.0 {
        let r = (s * 10.0).round() / 10.0;
        return format!("{r} s");
    }
    let total = s.round() as u64;
    let (d, h, m, sec) = (
        total / 86_400,
        total / 3600 % 24,
        total / 60 % 60,
        total % 60,
    );
    if d > 0 && h == 0 {
        format!("{d} d")
    } else if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m:02} min")
    } else {
        format!("{m} min {sec:02} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn island(points: &[f64], extend: bool, reruns: u32) -> IslandStep {
        IslandStep {
            reactive_load_pct: points.to_vec(),
            watch_s: 3.0,
            max_clearing_time_s: 2.0,
            settle_s: 1.0,
            extend_while_rising: extend,
            rerun_longest: reruns,
            reclose: true,
        }
    }

    #[test]
    fn a_sandia_sweep_extends_to_75_and_125_percent() {
        let pts: Vec<f64> = (95..=105).map(f64::from).collect();
        assert_eq!(sweep_extent(&island(&pts, false, 0)), (11, 105.0));
        // 20 more points each side, three reruns twice.
        assert_eq!(sweep_extent(&island(&pts, true, 3)), (11 + 40 + 6, 125.0));
        assert_eq!(sweep_extent(&island(&[130.0, 140.0], true, 0)), (2, 140.0));
        assert_eq!(
            sweep_extent(&island(&[80.0, 90.0], true, 0)),
            (2 + 5 + 35, 125.0)
        );
        assert_eq!(sweep_extent(&island(&[], false, 0)), (1, 100.0));
    }

    #[test]
    fn durations_read_as_people_say_them() {
        assert_eq!(show_duration(2.54), "2.5 s");
        assert_eq!(show_duration(250.0), "4 min 10 s");
        assert_eq!(show_duration(3.0 * 3600.0 + 300.0), "3 h 05 min");
        assert_eq!(show_duration(MAX_PLAN_DURATION_S + 7200.0), "7 d 2 h");
        assert_eq!(show_duration(MAX_PLAN_DURATION_S), "7 d");
    }
}
