//! Every input is bounded before it is used (issue 9, defect 8): file size,
//! alias expansion, test and step counts, step and plan durations. Each
//! case is refused quickly, with a located error, never by running out of
//! memory or time.

use std::path::Path;
use v2x_hil::model::*;

const PLAN_FILE: &str = "fixtures/model/plan.yaml";

fn plan_errs(text: &str) -> ModelErrors {
    match parse_plan(Path::new(PLAN_FILE), text) {
        Ok(_) => panic!("expected errors for a plan of {} bytes", text.len()),
        Err(e) => e,
    }
}

/// The error at `key_path`, with its (line, column).
fn at<'a>(e: &'a ModelErrors, key_path: &str) -> (&'a ModelError, (usize, usize)) {
    let err = e
        .iter()
        .find(|x| x.key_path() == key_path)
        .unwrap_or_else(|| panic!("no error at {key_path} in:\n{}", e.render()));
    let l = err.location();
    (err, (l.line, l.column))
}

/// `steps` of `- wait: { s: 0 }` (five nodes each), indented for a test.
fn waits(steps: usize) -> String {
    "      - wait: { s: 0 }\n".repeat(steps)
}

/// A plan whose first test's steps are anchored `&st` and every other test
/// is `steps: *st`: small as text, `tests × steps` steps once expanded.
fn alias_plan(tests: usize, steps: usize) -> String {
    let mut t = format!(
        "plan: aliases\ntests:\n  - name: t0\n    steps: &st\n{}",
        waits(steps)
    );
    for i in 1..tests {
        t.push_str(&format!("  - name: t{i}\n    steps: *st\n"));
    }
    t
}

/// The line `steps: *st` of test `i` is on in [`alias_plan`].
fn alias_line(steps: usize, i: usize) -> usize {
    4 + steps + 2 * i
}

#[test]
fn the_alias_bomb_is_refused_at_the_first_alias_beyond_the_cap() {
    // The 609 KB plan: 1000 steps in 20 000 tests, 20 million once expanded.
    let text = alias_plan(20_000, 1000);
    assert!(text.len() > 600_000, "{}", text.len());
    let started = std::time::Instant::now();
    let e = plan_errs(&text);
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    // Test 0 holds the anchor; test i the i-th alias.
    let key = format!("tests[{}].steps", MAX_ALIASES + 1);
    let (err, pos) = at(&e, &key);
    assert_eq!(
        pos,
        (alias_line(1000, MAX_ALIASES + 1), 12),
        "{}",
        e.render()
    );
    let text = err.to_string();
    assert!(text.contains("alias `*st`"), "{text}");
    assert!(
        text.contains(&format!("at most {MAX_ALIASES} aliases")),
        "{text}"
    );
}

#[test]
fn few_aliases_that_stand_for_millions_of_nodes_are_refused_too() {
    // 199 aliases (under the alias cap) of 10 000 steps: 2 million steps.
    let e = plan_errs(&alias_plan(200, 10_000));
    assert_eq!(e.len(), 1, "{}", e.render());
    let err = &e.0[0];
    assert!(err.to_string().contains("more than 2000000"), "{err}");
    // Located at the alias that crosses the cap: 5 nodes a step, 50 000 an
    // alias, and test 0 holds the 50 000 of the anchor itself.
    let n = (MAX_NODES / 50_000) as usize - 1;
    assert_eq!(err.key_path(), format!("tests[{n}].steps"));
    assert_eq!(err.location().line, alias_line(10_000, n));
}

#[test]
fn test_and_step_counts_are_capped() {
    // 101 × 1000 steps through aliases: under the node cap, over MAX_STEPS.
    let e = plan_errs(&alias_plan(101, 1000));
    let (err, pos) = at(&e, "tests");
    assert_eq!(pos, (2, 1));
    assert!(err.to_string().contains("101000 steps in all"), "{err}");
    assert!(err.to_string().contains(&MAX_STEPS.to_string()), "{err}");

    let text = format!(
        "plan: long test\ntests:\n  - name: a\n    steps:\n{}",
        waits(MAX_STEPS_PER_TEST + 1)
    );
    let e = plan_errs(&text);
    let (err, pos) = at(&e, "tests[0].steps");
    assert_eq!(pos, (4, 5));
    assert!(err.to_string().contains("10001 steps"), "{err}");

    let mut text = String::from("plan: many tests\ntests:\n");
    for i in 0..=MAX_TESTS {
        text.push_str(&format!(
            "  - {{ name: t{i}, steps: [{{ wait: {{ s: 0 }} }}] }}\n"
        ));
    }
    let e = plan_errs(&text);
    assert_eq!(e.len(), 1, "{}", e.render());
    assert!(e.render().contains("1001 tests"), "{}", e.render());

    // At the caps exactly: fine.
    let text = format!(
        "plan: at the cap\ntests:\n  - name: a\n    steps:\n{}",
        waits(MAX_STEPS_PER_TEST)
    );
    parse_plan(Path::new(PLAN_FILE), &text).unwrap();
}

fn one_step(step: &str) -> String {
    format!("plan: p\ntests:\n  - name: a\n    steps:\n      - {step}\n")
}

/// Where `key:` is in [`one_step`]'s step line (line 5, after `      - `).
fn key_at(step: &str, key: &str) -> (usize, usize) {
    let i = step.find(&format!("{key}:")).unwrap();
    (5, 9 + step[..i].chars().count())
}

#[test]
fn a_step_cannot_ask_for_more_than_a_day() {
    for (step, key) in [
        ("wait: { s: 1e12 }", "wait.s"),
        ("wait: { s: 86401 }", "wait.s"),
        (
            "ramp: { device: grid, frequency_hz: 61, over_s: 1e9, step_s: 1 }",
            "ramp.over_s",
        ),
        (
            "expect: { device: charger, quantity: power_w, value: 0, tolerance: 1, within_s: 1e6 }",
            "expect.within_s",
        ),
        (
            "island: { watch_s: 1e5, max_clearing_time_s: 2 }",
            "island.watch_s",
        ),
        (
            "island: { watch_s: 3, max_clearing_time_s: 2, settle_s: 1e9 }",
            "island.settle_s",
        ),
    ] {
        let e = plan_errs(&one_step(step));
        let (err, pos) = at(&e, &format!("tests[0].steps[0].{key}"));
        let last = key.rsplit('.').next().unwrap();
        assert_eq!(pos, key_at(step, last), "{step}: {}", e.render());
        assert!(err.to_string().contains("86400 s"), "{err}");
    }
    // A day exactly is a valid soak.
    parse_plan(Path::new(PLAN_FILE), &one_step("wait: { s: 86400 }")).unwrap();
}

#[test]
fn ramps_have_a_shortest_step_and_a_most_setpoints() {
    let e = plan_errs(&one_step(
        "ramp: { device: grid, frequency_hz: 61, step_s: 1e-9, over_s: 1e9 }",
    ));
    let (err, _) = at(&e, "tests[0].steps[0].ramp.step_s");
    assert!(err.to_string().contains("at least 0.001 s"), "{err}");
    at(&e, "tests[0].steps[0].ramp.over_s");

    let step = "ramp: { device: grid, frequency_hz: 61, step_s: 0.001, over_s: 3600 }";
    let e = plan_errs(&one_step(step));
    let (err, pos) = at(&e, "tests[0].steps[0].ramp.step_s");
    assert_eq!(pos, key_at(step, "step_s"));
    assert!(err.to_string().contains("3600000 setpoints"), "{err}");
    parse_plan(
        Path::new(PLAN_FILE),
        &one_step("ramp: { device: grid, frequency_hz: 61, step_s: 0.001, over_s: 100 }"),
    )
    .unwrap();
}

#[test]
fn enter_service_delays_stay_in_ieee_1547_table_4() {
    let e = plan_errs(&one_step(
        "write_settings: { device: charger, enter_service_delay_s: 601 }",
    ));
    let (err, _) = at(&e, "tests[0].steps[0].write_settings.enter_service_delay_s");
    assert!(err.to_string().contains("0 s to 600 s"), "{err}");
    let profile = include_str!("../test-plans/profiles/ieee1547-2018-cat-ii.yaml")
        .replace("delay_s: 300", "delay_s: 1e9");
    let e = parse_profile(Path::new("p.yaml"), &profile).unwrap_err();
    assert!(
        e.render().contains("enter_service.delay_s"),
        "{}",
        e.render()
    );
}

#[test]
fn a_plan_longer_than_a_week_by_its_own_numbers_is_refused_at_its_longest_test() {
    let mut text = String::from("plan: soak\ntests:\n");
    for i in 0..8 {
        let wait = if i == 5 { 86_400 } else { 80_000 };
        text.push_str(&format!(
            "  - name: day {i}\n    steps:\n      - wait: {{ s: {wait} }}\n"
        ));
    }
    let e = plan_errs(&text);
    assert_eq!(e.len(), 1, "{}", e.render());
    let (err, pos) = at(&e, "tests[5]");
    assert_eq!(pos, (18, 5));
    let msg = err.to_string();
    assert!(msg.contains("takes 7 d 11 h"), "{msg}");
    assert!(msg.contains("`day 5`, takes 1 d"), "{msg}");
    assert!(msg.contains("at most 7 d (604800 s)"), "{msg}");

    // Island points count: 1000 points × (settle + watch) of a day each.
    let points = vec!["100"; MAX_ISLAND_POINTS].join(", ");
    let e = plan_errs(&one_step(&format!(
        "island: {{ reactive_load_pct: [{points}], watch_s: 43200, max_clearing_time_s: 2, settle_s: 43200 }}"
    )));
    at(&e, "tests[0]");
}

#[test]
fn the_nominal_duration_sums_waits_ramps_timeouts_and_island_points() {
    let plan = parse_plan(
        Path::new(PLAN_FILE),
        "plan: p\ntests:\n  - name: a\n    steps:\n\
         \x20     - wait: { s: 10 }\n\
         \x20     - ramp: { device: grid, frequency_hz: 61, over_s: 20, step_s: 1 }\n\
         \x20     - expect: { device: grid, quantity: power_w, value: 0, tolerance: 1, within_s: 5 }\n\
         \x20     - island: { reactive_load_pct: [99, 100, 101], watch_s: 3, settle_s: 1, max_clearing_time_s: 2, rerun_longest: 1 }\n",
    )
    .unwrap();
    // 3 points and one rerun twice, 4 s each.
    assert_eq!(plan.nominal_duration_s(), 10.0 + 20.0 + 5.0 + 5.0 * 4.0);
    assert_eq!(show_duration(plan.nominal_duration_s()), "55 s");
}

#[test]
fn files_beyond_4_mib_are_refused_before_they_are_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let header = "plan: padded\ntests:\n  - name: a\n    steps: [{ wait: { s: 0 } }]\n";
    let padded = |len: usize| {
        let mut t = String::from(header);
        while t.len() < len {
            let line = "# padding padding padding padding padding padding padding padding\n";
            t.push_str(&line[..line.len().min(len - t.len())]);
        }
        t
    };
    let at_cap = dir.path().join("at-cap.yaml");
    std::fs::write(&at_cap, padded(MAX_FILE_BYTES as usize)).unwrap();
    load_plan(&at_cap).unwrap();
    let over = dir.path().join("over.yaml");
    std::fs::write(&over, padded(MAX_FILE_BYTES as usize + 1)).unwrap();
    for e in [
        load_plan(&over).unwrap_err(),
        load_rig(&over).unwrap_err(),
        load_site(&over).unwrap_err(),
        load_profile(&over).unwrap_err(),
    ] {
        assert!(matches!(e.0[0], ModelError::Io { .. }), "{}", e.render());
        assert!(e.render().contains("larger than 4 MiB"), "{}", e.render());
    }
}

#[cfg(target_os = "linux")]
#[test]
fn devices_are_refused_without_reading_them() {
    for dev in ["/dev/zero", "/dev/urandom"] {
        let p = Path::new(dev);
        for e in [
            load_plan(p).unwrap_err(),
            load_rig(p).unwrap_err(),
            load_site(p).unwrap_err(),
            load_profile(p).unwrap_err(),
        ] {
            assert!(
                e.render().contains("a character device, not a file"),
                "{}",
                e.render()
            );
        }
    }
    // A plan naming /dev/zero as a profile: located at the key.
    let step = "write_settings: { device: charger, profile: /dev/zero }";
    let e = plan_errs(&one_step(step));
    let (err, pos) = at(&e, "tests[0].steps[0].write_settings.profile");
    assert_eq!(pos, key_at(step, "profile"));
    assert!(err.to_string().contains("character device"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_fifo_that_never_ends_stops_at_the_cap() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("endless.yaml");
    let c_path = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) }, 0);
    let writer_path = fifo.clone();
    let writer = std::thread::spawn(move || {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .open(writer_path)
            .unwrap();
        let line = [b'#'; 4096];
        // Ends when the reader closes its end (EPIPE; SIGPIPE is ignored).
        while f.write_all(&line).is_ok() {}
    });
    let e = load_plan(&fifo).unwrap_err();
    assert!(e.render().contains("larger than 4 MiB"), "{}", e.render());
    writer.join().unwrap();
}
