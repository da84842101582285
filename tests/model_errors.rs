//! Bad input of every kind gives located errors, never a panic.

use std::path::{Path, PathBuf};
use v2x_hil::model::*;

const RIG: &str = include_str!("../fixtures/model/rig.yaml");

fn rig_file() -> PathBuf {
    PathBuf::from("fixtures/model/rig.yaml")
}

fn rig_errs(text: &str) -> ModelErrors {
    match parse_rig(&rig_file(), text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(e) => e,
    }
}

fn plan_errs(text: &str) -> ModelErrors {
    match parse_plan(Path::new("fixtures/model/plan.yaml"), text) {
        Ok(_) => panic!("expected errors for:\n{text}"),
        Err(e) => e,
    }
}

/// (line, column, key path) of the only error.
fn one(e: &ModelErrors) -> (usize, usize, String) {
    assert_eq!(
        e.len(),
        1,
        "expected exactly one error, got:\n{}",
        e.render()
    );
    let err = &e.0[0];
    let at = err.location();
    (at.line, at.column, err.key_path().to_string())
}

fn find<'a>(e: &'a ModelErrors, key_path: &str) -> &'a ModelError {
    e.iter()
        .find(|x| x.key_path() == key_path)
        .unwrap_or_else(|| panic!("no error at {key_path} in:\n{}", e.render()))
}

#[test]
fn empty_file_is_a_located_schema_error() {
    for text in ["", "\n\n", "# only a comment\n", "~\n"] {
        let e = rig_errs(text);
        assert_eq!(one(&e), (1, 1, String::new()));
        assert!(matches!(e.0[0], ModelError::Schema { .. }));
        assert!(e.render().contains("the file is empty"), "{}", e.render());
        assert!(
            e.render().contains("safety_limits"),
            "lists the keys: {}",
            e.render()
        );
    }
}

#[test]
fn binary_and_invalid_utf8_name_the_byte_position() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bin.yaml");
    std::fs::write(&p, b"rig: lab\nnominal: \xff\xfe\x00\x01").unwrap();
    let e = load_rig(&p).unwrap_err();
    assert_eq!(one(&e), (2, 10, String::new()));
    assert!(
        matches!(&e.0[0], ModelError::Syntax { at, message } if at.file == p && message.contains("not UTF-8"))
    );
    let p2 = dir.path().join("bin2.yaml");
    std::fs::write(&p2, [0u8, 159, 146, 150, 0xc3]).unwrap();
    assert!(load_plan(&p2).is_err());
    assert!(load_profile(&p2).is_err());
}

#[test]
fn missing_file_is_an_io_error() {
    let e = load_rig(Path::new("fixtures/model/does-not-exist.yaml")).unwrap_err();
    assert!(matches!(e.0[0], ModelError::Io { .. }));
    assert!(e
        .render()
        .starts_with("fixtures/model/does-not-exist.yaml: cannot read"));
}

#[test]
fn deep_nesting_is_refused_without_recursing() {
    let e = rig_errs(&"[".repeat(100_000));
    let (line, _, path) = one(&e);
    assert_eq!((line, path.as_str()), (1, ""));
    assert!(
        e.render().contains("nesting deeper than 64"),
        "{}",
        e.render()
    );

    let deep_map = "{a: ".repeat(100_000);
    assert!(rig_errs(&deep_map)
        .render()
        .contains("nesting deeper than 64"));

    // Block nesting: level 65 starts on line 65.
    let mut block = String::new();
    for i in 0..80 {
        block.push_str(&"  ".repeat(i));
        block.push_str("a:\n");
    }
    block.push_str(&"  ".repeat(80));
    block.push_str("1\n");
    let e = rig_errs(&block);
    let (line, _, _) = one(&e);
    assert!(matches!(e.0[0], ModelError::Syntax { .. }));
    assert!((64..=66).contains(&line), "line {line}: {}", e.render());
}

#[test]
fn huge_numbers_nan_and_inf_are_located() {
    let t = RIG.replace("voltage_v: 240", "voltage_v: 1e400");
    let e = rig_errs(&t);
    assert_eq!(one(&e), (3, 23, "nominal.voltage_v".into()));
    assert!(e.render().contains("expected f64"), "{}", e.render());

    let t = RIG.replace("voltage_v: 240", "voltage_v: 99999999999999999999999");
    let e = rig_errs(&t);
    let v = find(&e, "nominal.voltage_v");
    assert_eq!((v.location().line, v.location().column), (3, 12));
    assert!(
        v.to_string().contains("expected 100 V to 480 V"),
        "{}",
        e.render()
    );

    let t = RIG.replace(
        "step_rate_hz: 20000",
        "step_rate_hz: 99999999999999999999999",
    );
    assert_eq!(one(&rig_errs(&t)), (4, 24, "plant.step_rate_hz".into()));

    let t = RIG.replace("frequency_hz: 60 }", "frequency_hz: .nan }");
    let e = rig_errs(&t);
    assert_eq!(one(&e), (3, 28, "nominal.frequency_hz".into()));
    assert!(e.render().contains("NaN Hz"), "{}", e.render());

    let t = RIG.replace("max_charger_power_w: 11500", "max_charger_power_w: .inf");
    let e = rig_errs(&t);
    assert_eq!(one(&e), (8, 3, "safety_limits.max_charger_power_w".into()));
    assert!(e.render().contains("finite"), "{}", e.render());

    let t = RIG.replace("unit_id: 1 }", "unit_id: 300 }");
    assert_eq!(one(&rig_errs(&t)).2, "devices.charger.options.unit_id");
}

#[test]
fn wrong_types_are_schema_errors_with_key_path() {
    let e = rig_errs("rig: [1, 2]\n");
    assert_eq!(one(&e), (1, 6, "rig".into()));
    assert!(e.render().contains("expected a string"));

    let e = rig_errs("- a\n- b\n");
    assert_eq!(one(&e), (1, 1, String::new()));
    assert!(
        e.render().contains("expected a mapping (rig)"),
        "{}",
        e.render()
    );

    let t = RIG.replace(
        "max_frequency_deviation_hz: 3.0",
        "max_frequency_deviation_hz: lots",
    );
    let e = rig_errs(&t);
    assert_eq!(
        one(&e),
        (7, 31, "safety_limits.max_frequency_deviation_hz".into())
    );
}

#[test]
fn unknown_keys_list_the_valid_keys() {
    let e = load_rig(Path::new("fixtures/model/rig-unknown-key.yaml")).unwrap_err();
    assert_eq!(one(&e), (11, 5, "devices.grid.transprot".into()));
    let text = e.render();
    for k in [
        "role",
        "driver",
        "transport",
        "ratings",
        "options",
        "identity",
        "emulation",
    ] {
        assert!(text.contains(&format!("`{k}`")), "{text}");
    }

    let t = RIG.replace(
        "  max_charger_power_w: 11500",
        "  max_charger_power_w: 11500\n  max_current_a: 50",
    );
    let e = rig_errs(&t);
    assert_eq!(one(&e), (9, 3, "safety_limits.max_current_a".into()));
}

#[test]
fn bad_enum_lists_the_variants() {
    let t = RIG.replace("role: island_load", "role: load_bank");
    let e = rig_errs(&t);
    assert_eq!(one(&e).2, "devices.load.role");
    let text = e.render();
    for v in [
        "grid_simulator",
        "island_switch",
        "island_load",
        "waveform_recorder",
        "charger",
    ] {
        assert!(text.contains(v), "{text}");
    }
}

#[test]
fn duplicate_keys_name_both_places() {
    let e = load_rig(Path::new("fixtures/model/rig-duplicate-key.yaml")).unwrap_err();
    assert_eq!(one(&e), (2, 1, "rig".into()));
    assert!(e.render().contains("first written at line 1 column 1"));

    let t = RIG.replace("  scope:\n", "  grid:\n");
    let e = rig_errs(&t);
    assert_eq!(one(&e), (28, 3, "devices.grid".into()));
}

#[test]
fn several_documents_are_refused() {
    let e = rig_errs("rig: a\n---\nrig: b\n");
    assert_eq!(one(&e), (2, 1, String::new()));
}

#[test]
fn semantic_rig_errors_are_all_collected() {
    let e = load_rig(Path::new("fixtures/model/rig-bad.yaml")).unwrap_err();
    let f = |k: &str| {
        let err = find(&e, k);
        let at = err.location();
        (at.line, at.column)
    };
    assert_eq!(f("nominal.frequency_hz"), (2, 28));
    assert_eq!(f("safety_limits.max_grid_voltage_v"), (4, 3));
    assert_eq!(f("devices.grid.driver"), (10, 5));
    assert_eq!(f("devices.grid.transport.baud"), (11, 40));
    assert_eq!(f("devices.charger.emulation"), (16, 5));
    assert_eq!(f("devices"), (7, 1));
    let text = e.render();
    assert!(
        text.contains(
            "valid drivers for grid_simulator: ametek-asterion, keysight-ac6900, chroma-61800"
        ),
        "{text}"
    );
    assert!(text.contains("the rig has no island_switch"), "{text}");
    assert!(
        !text.contains("the rig has no grid_simulator"),
        "no cascade: {text}"
    );
    assert_eq!(text.lines().count(), e.len());
}

#[test]
fn rig_role_and_transport_rules() {
    let t = RIG
        .replace("role: island_load", "role: grid_simulator")
        .replace("driver: rlc-load", "driver: chroma-61800");
    let e = rig_errs(&t);
    assert_eq!(one(&e).2, "devices.load.role");
    assert!(e
        .render()
        .contains("a second grid_simulator (`grid` is already one)"));

    let t = RIG.replace(
        "transport: { emulated: tcp }\n    options: { channel",
        "transport: { emulated: tcp, tcp: \"h:1\" }\n    options: { channel",
    );
    assert_eq!(one(&rig_errs(&t)).2, "devices.s3.transport");

    let t = RIG.replace(
        "driver: keysight-34980a\n    transport: { emulated: tcp }",
        "driver: keysight-34980a\n    transport: { tcp: \"no-port\" }",
    );
    assert_eq!(one(&rig_errs(&t)).2, "devices.s3.transport.tcp");

    let t = RIG.replace(
        "options: { unit_id: 1 }",
        "options: { unit_id: 1, channel: \"1\" }",
    );
    assert_eq!(one(&rig_errs(&t)).2, "devices.charger.options.channel");
}

#[test]
fn driver_lists_come_from_the_caller() {
    fn only_mine(role: Role) -> &'static [&'static str] {
        match role {
            Role::Charger => &["my-charger"],
            other => default_drivers(other),
        }
    }
    let e = parse_rig_with(&rig_file(), RIG, &only_mine).unwrap_err();
    assert_eq!(one(&e).2, "devices.charger.driver");
    assert!(e.render().contains("valid drivers for charger: my-charger"));
    let t = RIG.replace("driver: sunspec", "driver: my-charger");
    assert!(parse_rig_with(&rig_file(), &t, &only_mine).is_ok());
}

#[test]
fn rig_trip_profile_must_load() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("rig.yaml");
    std::fs::write(
        &p,
        RIG.replace(
            "../../test-plans/profiles/ieee1547-2018-cat-ii.yaml",
            "nope.yaml",
        ),
    )
    .unwrap();
    let e = load_rig(&p).unwrap_err();
    assert_eq!(one(&e).2, "devices.charger.emulation.trip_profile");
    assert!(e.render().contains("cannot read profile"), "{}", e.render());
    // parse_rig does not read the profile.
    assert!(parse_rig(&p, &std::fs::read_to_string(&p).unwrap()).is_ok());
}

#[test]
fn duplicate_test_names_and_step_shape() {
    let e = load_plan(Path::new("fixtures/model/plan-bad-refs.yaml")).unwrap_err();
    assert_eq!(one(&e), (8, 5, "tests[1].name".into()));
    assert!(e
        .render()
        .contains("duplicate test name `refs` (also tests[0] at line 3 column 5)"));

    let e = plan_errs("plan: p\ntests:\n  - name: t\n    steps:\n      - set: { device: grid, voltage_v: 1 }\n        wait: { s: 1 }\n");
    assert_eq!(one(&e), (5, 9, "tests[0].steps[0]".into()));
    assert!(e.render().contains("several kinds: set, wait"));

    let e = plan_errs("plan: p\ntests:\n  - name: t\n    steps:\n      - sett: { device: grid }\n");
    assert_eq!(one(&e), (5, 9, "tests[0].steps[0].sett".into()));
    assert!(
        e.render().contains("`island`"),
        "lists step kinds: {}",
        e.render()
    );

    let e = plan_errs("plan: p\ntests:\n  - name: t\n    steps: []\n");
    assert_eq!(one(&e).2, "tests[0].steps");
}

#[test]
fn plan_value_checks() {
    let e = plan_errs(
        "plan: p\ntests:\n  - name: t\n    steps:\n      - island: { watch_s: 0.1, max_clearing_time_s: 2, reactive_load_pct: [10, 100] }\n      - expect: { device: c, quantity: energized, value: 1, tolerance: 1 }\n      - set: { device: grid, output: maybe }\n",
    );
    assert_eq!(one(&e), (7, 38, "tests[0].steps[2].set.output".into()));
    assert!(
        e.render().contains("on, off, true or false"),
        "{}",
        e.render()
    );

    let e = plan_errs(
        "plan: p\ntests:\n  - name: t\n    steps:\n      - island: { watch_s: 0.1, max_clearing_time_s: 2, reactive_load_pct: [10, 100] }\n      - expect: { device: c, quantity: energized, value: 1, tolerance: 1 }\n",
    );
    find(&e, "tests[0].steps[0].island.watch_s");
    find(&e, "tests[0].steps[0].island.max_clearing_time_s");
    let pct = find(&e, "tests[0].steps[0].island.reactive_load_pct[0]");
    assert_eq!((pct.location().line, pct.location().column), (5, 77));
    find(&e, "tests[0].steps[1].expect.quantity");
    find(&e, "tests[0].steps[1].expect.value");
}

#[test]
fn plan_profile_references_are_checked_at_load() {
    let e = plan_errs("plan: p\ntests:\n  - name: t\n    steps:\n      - write_settings: { device: charger, profile: missing.yaml }\n");
    assert_eq!(
        one(&e),
        (5, 44, "tests[0].steps[0].write_settings.profile".into())
    );
    assert!(
        e.render().contains("fixtures/model/missing.yaml"),
        "{}",
        e.render()
    );

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.yaml"),
        "profile: x\nsource: y\ntrip:\n  ov1: { pickup: 0.9, clearing_time_s: 1 }\n",
    )
    .unwrap();
    let plan = dir.path().join("plan.yaml");
    std::fs::write(&plan, "plan: p\ntests:\n  - name: t\n    steps:\n      - read_settings: { device: charger, compare_profile: bad.yaml }\n").unwrap();
    let e = load_plan(&plan).unwrap_err();
    assert_eq!(e.len(), 2, "{}", e.render());
    find(&e, "tests[0].steps[0].read_settings.compare_profile");
    let inner = find(&e, "trip.ov1.pickup");
    assert_eq!(inner.location().file, dir.path().join("bad.yaml"));
    assert_eq!((inner.location().line, inner.location().column), (4, 10));
}

#[test]
fn unknown_device_lists_the_rigs_devices_of_the_right_role() {
    let rig = load_rig(&rig_file()).unwrap();
    let plan = parse_plan(
        Path::new("fixtures/model/p.yaml"),
        "plan: p\ntests:\n  - name: t\n    steps:\n      - set: { device: gird, voltage_v: 240 }\n      - close: { device: charger }\n      - expect: { device: s3, quantity: power_w, value: 1, tolerance: 1 }\n      - set: { device: grid, power_w: 10 }\n",
    )
    .unwrap();
    let e = check_plan_against_rig(&plan, &rig).unwrap_err();
    let text = e.render();
    let unknown = find(&e, "tests[0].steps[0].set.device");
    assert_eq!(
        (unknown.location().line, unknown.location().column),
        (5, 16)
    );
    assert!(
        text.contains("no device `gird` in rig fixtures/model/rig.yaml"),
        "{text}"
    );
    assert!(text.contains("devices that can take `set` (grid_simulator, charger, island_load, home_load): grid, load, charger"), "{text}");
    assert!(
        text.contains("`charger` is a charger, which cannot take `close`"),
        "{text}"
    );
    assert!(
        text.contains("devices that can take `close` (island_switch): s3"),
        "{text}"
    );
    assert!(
        text.contains("a island_switch does not measure power_w")
            || text.contains("an island_switch does not measure power_w")
            || text.contains("island_switch does not measure power_w"),
        "{text}"
    );
    assert!(
        text.contains("quantities of a island_switch: closed") || text.contains("closed"),
        "{text}"
    );
    find(&e, "tests[0].steps[3].set.power_w");
    assert_eq!(e.len(), 4, "{text}");
}

#[test]
fn island_needs_switch_recorder_and_charger() {
    let rig_text = RIG.replace("  scope:\n    role: waveform_recorder\n    driver: keysight-infiniivision\n    transport: { emulated: tcp }\n", "");
    let rig = parse_rig(&rig_file(), &rig_text).unwrap();
    let plan = parse_plan(Path::new("p.yaml"), "plan: p\ntests:\n  - name: t\n    steps:\n      - island: { watch_s: 3, max_clearing_time_s: 2 }\n").unwrap();
    let e = check_plan_against_rig(&plan, &rig).unwrap_err();
    assert_eq!(one(&e), (5, 9, "tests[0].steps[0].island".into()));
    assert!(e
        .render()
        .contains("needs a waveform_recorder, and rig fixtures/model/rig.yaml has none"));
}

#[test]
fn steps_over_safety_limits_are_refused_naming_the_limit() {
    let rig = load_rig(&rig_file()).unwrap();
    let plan = load_plan(Path::new("fixtures/model/plan-over-limit.yaml")).unwrap();
    let e = check_plan_against_rig(&plan, &rig).unwrap_err();
    assert_eq!(e.len(), 4, "{}", e.render());
    let lines: Vec<String> = e.iter().map(|x| x.to_string()).collect();
    assert_eq!(
        lines[0],
        "fixtures/model/plan-over-limit.yaml:6:30: tests[0].steps[1].set.voltage_v: 300 V is above the rig's safety limit max_grid_voltage_v = 276 V (declared at fixtures/model/rig.yaml:6:3)"
    );
    match &e.0[1] {
        ModelError::SafetyLimit {
            key_path,
            limit_key,
            limit_at,
            at,
            ..
        } => {
            assert_eq!(key_path, "tests[0].steps[2].set.frequency_hz");
            assert_eq!(limit_key, "safety_limits.max_frequency_deviation_hz");
            assert_eq!((limit_at.line, limit_at.column), (7, 3));
            assert_eq!(limit_at.file, rig_file());
            assert_eq!((at.line, at.column), (7, 30));
        }
        other => panic!("{other}"),
    }
    assert!(lines[2].contains("-12000 W is beyond the rig's safety limit max_charger_power_w = 11500 W (declared at fixtures/model/rig.yaml:8:3)"));
    assert!(lines[3].contains("tests[0].steps[4].ramp.voltage_v: 290 V"));

    // power_pct is checked against rating × pct.
    let rig = parse_rig(
        &rig_file(),
        &RIG.replace("ratings: { power_w: 11500 }", "ratings: { power_w: 15000 }"),
    )
    .unwrap();
    let plan = parse_plan(Path::new("p.yaml"), "plan: p\ntests:\n  - name: t\n    steps:\n      - set: { device: charger, power_pct: 90 }\n").unwrap();
    let e = check_plan_against_rig(&plan, &rig).unwrap_err();
    assert!(
        matches!(&e.0[0], ModelError::SafetyLimit { limit_key, .. } if limit_key == "safety_limits.max_charger_power_w")
    );
    assert!(
        e.render()
            .contains("90 % of the charger's rating is 13500 W"),
        "{}",
        e.render()
    );
}

#[test]
fn profile_validation() {
    let e = parse_profile(
        Path::new("p.yaml"),
        "profile: x\nsource: y\ntrip:\n  ov1: { pickup: 1.2, clearing_time_s: 2 }\n  ov2: { pickup: 1.1, clearing_time_s: -1 }\n  uv1: { pickup: 1.1, clearing_time_s: 2 }\n  of1: { pickup: 45, clearing_time_s: .nan }\nunconfirmed: [ov1.pickup, xx.pickup]\n",
    )
    .unwrap_err();
    let ov2 = find(&e, "trip.ov2.pickup");
    assert_eq!((ov2.location().line, ov2.location().column), (5, 10));
    assert!(ov2
        .to_string()
        .contains("OV2 pickup 1.1 is not at or above OV1 pickup 1.2"));
    find(&e, "trip.ov2.clearing_time_s");
    find(&e, "trip.uv1.pickup");
    find(&e, "trip.of1.pickup");
    find(&e, "trip.of1.clearing_time_s");
    let u = find(&e, "unconfirmed[1]");
    assert_eq!((u.location().line, u.location().column), (8, 27));
    assert_eq!(e.len(), 6, "{}", e.render());

    let e = parse_profile(
        Path::new("p.yaml"),
        "profile: x\nsource: y\ntrip:\n  ov3: { pickup: 1.2, clearing_time_s: 2 }\n",
    )
    .unwrap_err();
    assert_eq!(one(&e), (4, 3, "trip.ov3".into()));
    assert!(e.render().contains("`uf2`"));
}

#[test]
fn profile_for_another_grid_frequency_is_refused() {
    let rig = parse_rig(
        &rig_file(),
        &RIG.replace("frequency_hz: 60 }", "frequency_hz: 50 }")
            .replace("voltage_v: 240,", "voltage_v: 230,"),
    )
    .unwrap();
    let plan = load_plan(Path::new("fixtures/model/plan.yaml")).unwrap();
    let e = check_plan_against_rig(&plan, &rig).unwrap_err();
    let w = find(&e, "tests[0].steps[1].write_settings.profile");
    assert!(
        w.to_string()
            .contains("is for a 60 Hz grid but the rig is 50 Hz"),
        "{w}"
    );
    find(&e, "tests[0].steps[2].read_settings.compare_profile");
}

#[test]
fn a_trip_step_is_checked_before_the_run() {
    let bad = plan_errs(
        "plan: p\ntests:\n  - name: t\n    steps:\n      - trip: { device: grid, voltage_v: 96, frequency_hz: 62.5, max_clearing_time_s: 0.2 }\n      - trip: { device: grid, frequency_hz: 62.5, max_clearing_time_s: 0.2, min_clearing_time_s: 0.3 }\n      - trip: { device: grid, frequency_hz: 62.5, max_clearing_time_s: 0.2, watch_s: 0.25 }\n      - trip: { device: grid, frequency_hz: 62.5, max_clearing_time_s: -1 }\n",
    );
    let text = bad.render();
    assert!(
        find(&bad, "tests[0].steps[0].trip")
            .to_string()
            .contains("give exactly one of voltage_v, frequency_hz"),
        "{text}"
    );
    assert!(
        find(&bad, "tests[0].steps[1].trip.min_clearing_time_s")
            .to_string()
            .contains("longer than max_clearing_time_s"),
        "{text}"
    );
    let watch = find(&bad, "tests[0].steps[2].trip.watch_s");
    assert_eq!((watch.location().line, watch.location().column), (7, 77));
    find(&bad, "tests[0].steps[3].trip.max_clearing_time_s");
    assert_eq!(bad.len(), 4, "{text}");

    // Against the rig: the grid's role, the safety limits, the recorder's
    // capture, and a recorder on the rig at all.
    let rig = load_rig(&rig_file()).unwrap();
    let plan = parse_plan(
        Path::new("p.yaml"),
        "plan: p\ntests:\n  - name: t\n    steps:\n      - trip: { device: charger, frequency_hz: 62.5, max_clearing_time_s: 0.2 }\n      - trip: { device: grid, frequency_hz: 64, max_clearing_time_s: 0.2 }\n      - trip: { device: grid, voltage_v: 96, max_clearing_time_s: 10 }\n",
    )
    .unwrap();
    let e = check_plan_against_rig(&plan, &rig).unwrap_err();
    let text = e.render();
    assert!(
        text.contains("`charger` is a charger, which cannot take `trip`"),
        "{text}"
    );
    assert!(
        matches!(
            find(&e, "tests[0].steps[1].trip.frequency_hz"),
            ModelError::SafetyLimit { .. }
        ),
        "{text}"
    );
    assert!(
        find(&e, "tests[0].steps[2].trip.max_clearing_time_s")
            .to_string()
            .contains("longer than the emulated recorder captures"),
        "{text}"
    );
    let no_scope = RIG.replace("  scope:\n    role: waveform_recorder\n    driver: keysight-infiniivision\n    transport: { emulated: tcp }\n", "");
    let rig = parse_rig(&rig_file(), &no_scope).unwrap();
    let plan = parse_plan(
        Path::new("p.yaml"),
        "plan: p\ntests:\n  - name: t\n    steps:\n      - trip: { device: grid, frequency_hz: 62.5, max_clearing_time_s: 0.2 }\n",
    )
    .unwrap();
    let e = check_plan_against_rig(&plan, &rig).unwrap_err();
    assert!(
        e.render()
            .contains("the trip step needs a waveform_recorder"),
        "{}",
        e.render()
    );
}
