//! Valid rig, plan and shipped profiles load with the right values.

use std::path::{Path, PathBuf};
use v2x_hil::der::{EnterService, TripFunction, TripSetting, TripSettings};
use v2x_hil::model::*;

#[test]
fn valid_rig_loads_with_its_values() {
    let rig = load_rig(Path::new("fixtures/model/rig.yaml")).unwrap();
    assert_eq!(rig.name, "emulated-test");
    assert_eq!(
        rig.nominal,
        Nominal {
            voltage_v: 240.0,
            frequency_hz: 60.0
        }
    );
    assert_eq!(rig.plant.step_rate_hz, 20_000);
    assert_eq!(rig.safety_limits.max_grid_voltage_v, 276.0);
    assert_eq!(rig.safety_limits.max_frequency_deviation_hz, 3.0);
    assert_eq!(rig.safety_limits.max_charger_power_w, 11500.0);
    assert_eq!(rig.safe_state, SafeState::default());
    assert_eq!(rig.device_order, ["grid", "s3", "load", "scope", "charger"]);
    let grid = &rig.devices["grid"];
    assert_eq!(grid.role, Role::GridSimulator);
    assert_eq!(grid.driver, "ametek-asterion");
    assert_eq!(
        grid.transport,
        TransportSpec::EmulatedSerial { baud: 115_200 }
    );
    assert_eq!(grid.ratings.voltage_max_v, Some(300.0));
    assert_eq!(rig.devices["s3"].options.channel.as_deref(), Some("1001"));
    assert_eq!(rig.devices["s3"].transport, TransportSpec::EmulatedTcp);
    let (name, charger) = rig.device_by_role(Role::Charger).unwrap();
    assert_eq!(name, "charger");
    assert_eq!(charger.options.unit_id, Some(1));
    assert_eq!(
        charger.identity.as_ref().unwrap().serial.as_deref(),
        Some("SN0001")
    );
    let emu = charger.emulation.as_ref().unwrap();
    assert_eq!(
        emu.trip_profile.as_deref(),
        Some(Path::new(
            "fixtures/model/../../test-plans/profiles/ieee1547-2018-cat-ii.yaml"
        ))
    );
    // Omitted anti-islanding keys take der::AntiIslanding's defaults.
    assert_eq!(emu.anti_islanding.cf0, 0.03);
    assert_eq!(emu.anti_islanding.k_per_hz, 0.05);
    assert!(emu.anti_islanding.enabled);
    assert!(rig.any_emulated());
    // Spans point at declarations.
    let at = rig.location("safety_limits.max_grid_voltage_v");
    assert_eq!((at.line, at.column), (6, 3));
    let at = rig.location("devices.charger.options.unit_id");
    assert_eq!((at.line, at.column), (37, 16));
    // Unknown paths fall back to the nearest written ancestor.
    assert_eq!(
        rig.location("devices.charger.options.timeout_ms"),
        rig.location("devices.charger.options")
    );
}

#[test]
fn real_transports_parse() {
    let text = std::fs::read_to_string("fixtures/model/rig.yaml")
        .unwrap()
        .replace("transport: { emulated: serial, baud: 115200 }\n    ratings: { voltage_max_v", "transport: { serial: /dev/ttyUSB0, baud: 9600 }\n    ratings: { voltage_max_v")
        .replace("driver: keysight-34980a\n    transport: { emulated: tcp }", "driver: keysight-34980a\n    transport: { tcp: \"192.0.2.10:5025\" }")
        .replace("    identity: { manufacturer: Example, model: V2X-11, serial: SN0001, firmware: \"1.0.0\" }\n", "");
    let rig = parse_rig(Path::new("rigs/x.yaml"), &text).unwrap();
    assert_eq!(
        rig.devices["grid"].transport,
        TransportSpec::Serial {
            port: "/dev/ttyUSB0".into(),
            baud: 9600
        }
    );
    assert_eq!(
        rig.devices["s3"].transport,
        TransportSpec::Tcp {
            addr: "192.0.2.10:5025".into()
        }
    );
    assert_eq!(rig.source, PathBuf::from("rigs/x.yaml"));
}

#[test]
fn valid_plan_loads_with_profiles_resolved() {
    let plan = load_plan(Path::new("fixtures/model/plan.yaml")).unwrap();
    assert_eq!(plan.name, "islanding smoke");
    assert_eq!(plan.tests.len(), 2);
    let t = &plan.tests[0];
    assert_eq!(t.clause.as_deref(), Some("IEEE 1547.1-2020 §5.10"));
    assert_eq!(t.steps.len(), 14);
    match &t.steps[0] {
        Step::Set(s) => {
            assert_eq!(s.device, "grid");
            assert_eq!(
                (s.voltage_v, s.frequency_hz, s.output),
                (Some(240.0), Some(60.0), Some(true))
            );
        }
        other => panic!("{other:?}"),
    }
    match &t.steps[1] {
        Step::WriteSettings(w) => {
            let p = w.profile.as_ref().unwrap();
            assert_eq!(
                p.trip.of1,
                Some(TripSetting {
                    pickup: 66.0,
                    clearing_time_s: 1000.0
                })
            );
            assert_eq!(p.trip.uv1.unwrap().pickup, 0.0);
            assert_eq!(w.anti_islanding, Some(true));
            assert_eq!(w.enter_service_delay_s, Some(2.0));
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&t.steps[2], Step::ReadSettings(r) if r.compare_profile.is_some()));
    assert!(matches!(&t.steps[4], Step::Set(s) if s.input == Some(false) && s.p_w == Some(0.0)));
    assert!(
        matches!(&t.steps[5], Step::Ramp(r) if r.frequency_hz == Some(60.5) && r.step_s == 0.1)
    );
    assert!(matches!(&t.steps[7], Step::Wait(w) if w.s == 2.0));
    match &t.steps[9] {
        Step::Island(i) => {
            assert_eq!(i.reactive_load_pct, [99.0, 100.0, 101.0]);
            assert_eq!(
                (i.watch_s, i.max_clearing_time_s, i.settle_s),
                (3.0, 2.0, 1.0)
            );
            assert!(i.extend_while_rising);
            assert_eq!(i.rerun_longest, 1);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(&t.steps[10], Step::Close(s) if s.device == "s3"));
    assert!(matches!(&t.steps[11], Step::Open(s) if s.device == "s3"));
    match &t.steps[13] {
        Step::Expect(e) => {
            assert_eq!(e.quantity, Quantity::Energized);
            assert_eq!((e.equals, e.within_s), (Some(false), 0.5));
        }
        other => panic!("{other:?}"),
    }
    let at = plan.location("tests[0].steps[9].island.watch_s");
    assert_eq!((at.line, at.column), (19, 11));
    let rig = load_rig(Path::new("fixtures/model/rig.yaml")).unwrap();
    check_plan_against_rig(&plan, &rig).unwrap();
}

#[test]
fn island_defaults() {
    let plan = parse_plan(
        Path::new("p.yaml"),
        "plan: p\ntests:\n  - name: t\n    steps:\n      - island: { watch_s: 3, max_clearing_time_s: 2 }\n      - balance_load: { device: load }\n",
    )
    .unwrap();
    match &plan.tests[0].steps[0] {
        Step::Island(i) => {
            assert_eq!(i.reactive_load_pct, [100.0]);
            assert_eq!(
                (i.settle_s, i.extend_while_rising, i.rerun_longest),
                (1.0, false, 0)
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(&plan.tests[0].steps[1], Step::BalanceLoad(b) if b.quality_factor == 1.0 && b.max_residual_pu == 0.02)
    );
}

fn profile(name: &str) -> GridProfile {
    load_profile(&Path::new("test-plans/profiles").join(name))
        .unwrap_or_else(|e| panic!("{}", e.render()))
}

#[test]
fn shipped_profiles_all_load_and_validate() {
    let mut n = 0;
    for entry in std::fs::read_dir("test-plans/profiles").unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "yaml") {
            let prof = load_profile(&p).unwrap_or_else(|e| panic!("{}", e.render()));
            assert!(!prof.source_note.is_empty());
            n += 1;
        }
    }
    assert!(n >= 4);
}

#[test]
fn cat_ii_matches_the_der_defaults() {
    let p = profile("ieee1547-2018-cat-ii.yaml");
    assert_eq!(p.trip, TripSettings::ieee1547_cat_ii());
    assert_eq!(p.enter_service, Some(EnterService::ieee1547_default()));
    assert!(p.unconfirmed.is_empty());
}

#[test]
fn cat_iii_values() {
    let p = profile("ieee1547-2018-cat-iii.yaml");
    let s = |f| p.trip.get(f).unwrap();
    assert_eq!(
        s(TripFunction::Ov1),
        TripSetting {
            pickup: 1.10,
            clearing_time_s: 13.0
        }
    );
    assert_eq!(
        s(TripFunction::Uv1),
        TripSetting {
            pickup: 0.88,
            clearing_time_s: 21.0
        }
    );
    assert_eq!(
        s(TripFunction::Uv2),
        TripSetting {
            pickup: 0.50,
            clearing_time_s: 2.0
        }
    );
    assert_eq!(
        s(TripFunction::Of2),
        TripSetting {
            pickup: 62.0,
            clearing_time_s: 0.16
        }
    );
}

#[test]
fn islanding_profile_widens_frequency_and_disables_uv() {
    let p = profile("ieee1547-1-islanding-widened.yaml");
    for f in [TripFunction::Of1, TripFunction::Of2] {
        assert_eq!(p.trip.get(f).unwrap().pickup, 66.0);
    }
    for f in [TripFunction::Uf1, TripFunction::Uf2] {
        assert_eq!(p.trip.get(f).unwrap().pickup, 50.0);
    }
    for f in [TripFunction::Uv1, TripFunction::Uv2] {
        assert_eq!(p.trip.get(f).unwrap().pickup, 0.0);
    }
    assert_eq!(p.trip.ov2, TripSettings::ieee1547_cat_ii().ov2);
}

#[test]
fn iso_ne_marks_what_is_unconfirmed() {
    let p = profile("iso-ne-srd.yaml");
    assert_eq!(
        p.trip.of1,
        Some(TripSetting {
            pickup: 61.2,
            clearing_time_s: 300.0
        })
    );
    assert_eq!(
        p.trip.of2,
        Some(TripSetting {
            pickup: 62.0,
            clearing_time_s: 0.16
        })
    );
    assert!(p.unconfirmed.iter().any(|u| u == "uv1.pickup"));
    assert!(!p.unconfirmed.iter().any(|u| u.starts_with("of")));
}

#[test]
fn display_and_render_format() {
    let e = ModelError::SafetyLimit {
        at: Location {
            file: "rigs/lab.yaml".into(),
            line: 12,
            column: 5,
        },
        key_path: "steps[3].set.voltage_v".into(),
        message: "300 V is above the rig's safety limit max_grid_voltage_v = 276 V".into(),
        limit_at: Location {
            file: "rigs/lab.yaml".into(),
            line: 40,
            column: 3,
        },
        limit_key: "safety_limits.max_grid_voltage_v".into(),
    };
    assert_eq!(
        e.to_string(),
        "rigs/lab.yaml:12:5: steps[3].set.voltage_v: 300 V is above the rig's safety limit max_grid_voltage_v = 276 V (declared at rigs/lab.yaml:40:3)"
    );
    let all = ModelErrors(vec![
        e,
        ModelError::Syntax {
            at: Location {
                file: "a.yaml".into(),
                line: 1,
                column: 2,
            },
            message: "bad".into(),
        },
    ]);
    assert_eq!(all.render().lines().count(), 2);
    assert!(all.render().ends_with("a.yaml:1:2: bad\n"));
    assert_eq!(all.to_string().lines().count(), 2);
}
