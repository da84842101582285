//! A plan checked against the rig it will run on: device references,
//! roles, and the rig's safety limits — before anything is sent.

use super::check::{list, Checker};
use super::error::{ModelError, ModelErrors};
use super::plan::*;
use super::rig::{DeviceSpec, Rig, RigKind, Role};

/// Every `device:` names a rig device of a role the step allows; `island`
/// finds its switch, recorder and charger; setpoints stay within the rig's
/// safety limits and the island load within its ratings (refused as
/// [`ModelError::SafetyLimit`] pointing at both the step and the limit's
/// declaration). Profiles were resolved at load.
pub fn check_plan_against_rig(plan: &Plan, rig: &Rig) -> Result<(), ModelErrors> {
    let mut c = Checker::new(&plan.spans);
    for (ti, t) in plan.tests.iter().enumerate() {
        for (si, step) in t.steps.iter().enumerate() {
            let sk = format!("tests[{ti}].steps[{si}]");
            check_step(&mut c, rig, &sk, step);
        }
    }
    super::island_load::check_island_load(&mut c, plan, rig);
    super::plan_site::check_site_steps(&mut c, plan, rig);
    super::plan_gate::check_gate_steps(&mut c, plan, rig);
    c.finish()
}

/// Roles a step kind may address.
fn allowed_roles(step: &Step) -> &'static [Role] {
    match step {
        Step::Set(_) => &[
            Role::GridSimulator,
            Role::Charger,
            Role::IslandLoad,
            Role::HomeLoad,
        ],
        Step::Ev(_) | Step::EvLimits(_) => &[Role::EvSimulator],
        Step::Flash(_) => &[Role::Charger],
        Step::Ramp(_) => &[Role::GridSimulator, Role::Charger],
        Step::WriteSettings(_) | Step::ReadSettings(_) => &[Role::Charger],
        Step::BalanceLoad(_) => &[Role::IslandLoad],
        Step::Trip(_) => &[Role::GridSimulator],
        Step::Close(_) | Step::Open(_) => &[Role::IslandSwitch],
        Step::Expect(_) => &[
            Role::GridSimulator,
            Role::Charger,
            Role::IslandLoad,
            Role::IslandSwitch,
            Role::EvSimulator,
            Role::HomeLoad,
            Role::SiteMeter,
        ],
        Step::Identify(_) | Step::Backup(_) | Step::FirmwareGate(_) => &[Role::Charger],
        Step::MeterCheck(_) => &[Role::SiteMeter],
        Step::BootNotification(_)
        | Step::GetVariables(_)
        | Step::SetVariables(_)
        | Step::TriggerMessage(_)
        | Step::ChargingProfile(_)
        | Step::ClearChargingProfile(_)
        | Step::OcppExpect(_) => &[Role::Csms],
        Step::Wait(_) | Step::Island(_) | Step::Fault(_) | Step::Clear(_) | Step::Installer(_) => {
            &[]
        }
    }
}

/// What to do about a step whose role the rig lacks: on a site rig, say
/// why it can never have it.
fn missing_role_hint(rig: &Rig, role: Role) -> String {
    if rig.kind == RigKind::Site && !role.allowed_on_site() {
        format!(
            "rig {} is a site rig: the grid there is the utility's and is never commanded, so it has no {role}; run this step on a lab rig",
            rig.source.display()
        )
    } else {
        format!("add a device with `role: {role}` to the rig")
    }
}

fn names_with_roles<'a>(rig: &'a Rig, roles: &[Role]) -> Vec<&'a str> {
    rig.device_order
        .iter()
        .filter(|n| {
            rig.devices
                .get(n.as_str())
                .is_some_and(|d| roles.contains(&d.role))
        })
        .map(|n| n.as_str())
        .collect()
}

fn check_step(c: &mut Checker, rig: &Rig, sk: &str, step: &Step) {
    let kind = step.kind();
    match step {
        Step::Fault(f) => {
            return super::fault::check_against_rig(c, rig, &format!("{sk}.fault"), f);
        }
        Step::Clear(x) => {
            return super::fault::check_clear_against_rig(c, rig, &format!("{sk}.clear"), x);
        }
        _ => {}
    }
    let needs: &[Role] = match step {
        Step::Island(_) => &[Role::IslandSwitch, Role::WaveformRecorder, Role::Charger],
        Step::Trip(_) => &[Role::WaveformRecorder, Role::Charger],
        _ => &[],
    };
    for role in needs {
        if rig.device_by_role(*role).is_none() {
            c.invalid(
                &format!("{sk}.{kind}"),
                format!(
                    "the {kind} step needs {}, and rig {} has none",
                    role.with_article(),
                    rig.source.display()
                ),
                missing_role_hint(rig, *role),
            );
        }
    }
    if let Step::Ev(e) = step {
        check_din_discharge(c, rig, sk, e);
    }
    let watch_s = match step {
        Step::Island(i) => Some((i.watch_s, "watch_s")),
        Step::Trip(t) => Some((
            t.watch_s(),
            if t.watch_s.is_some() {
                "watch_s"
            } else {
                "max_clearing_time_s"
            },
        )),
        _ => None,
    };
    if let (Some((watch_s, key)), Some((_, recorder))) =
        (watch_s, rig.device_by_role(Role::WaveformRecorder))
    {
        let most = super::plan_bounds::EMULATED_RECORDER_MAX_CAPTURE_S
            - super::plan_bounds::RECORDER_PRE_TRIGGER_S;
        if recorder.transport.is_emulated() && watch_s > most {
            c.invalid(
                &format!("{sk}.{kind}.{key}"),
                format!("a {watch_s} s watch is longer than the emulated recorder captures"),
                format!(
                    "the emulated recorder keeps {} s, {} s of it before the trigger: watch at most {most} s",
                    super::plan_bounds::EMULATED_RECORDER_MAX_CAPTURE_S,
                    super::plan_bounds::RECORDER_PRE_TRIGGER_S
                ),
            );
        }
    }
    if let Step::Island(_) = step {
        return;
    }
    // Second devices a step names: the right role on this rig.
    let second: Option<(&str, &str, Role)> = match step {
        Step::MeterCheck(m) => Some(("charger", m.charger.as_str(), Role::Charger)),
        Step::Backup(b) => b.meter.as_deref().map(|m| ("meter", m, Role::SiteMeter)),
        _ => None,
    };
    if let Some((key, name, role)) = second {
        if rig.devices.get(name).map(|d| d.role) != Some(role) {
            c.invalid(
                &format!("{sk}.{kind}.{key}"),
                format!(
                    "`{name}` is not {} of rig {}",
                    role.with_article(),
                    rig.source.display()
                ),
                format!(
                    "name the rig's {role}: {}",
                    list(&names_with_roles(rig, &[role]))
                ),
            );
        }
    }
    if let Some(w) = match step {
        Step::MeterCheck(m) => m.power_w,
        Step::ChargingProfile(p) => p.power_w,
        _ => None,
    } {
        limit_power(c, rig, &format!("{sk}.{kind}.power_w"), w, None);
    }
    let Some(name) = step.device() else { return };
    let roles = allowed_roles(step);
    let dk = format!("{sk}.{kind}.device");
    let role_names: Vec<&str> = roles.iter().map(|r| r.name()).collect();
    let Some(dev) = rig.devices.get(name) else {
        let able = names_with_roles(rig, roles);
        let hint = match roles.iter().find(|r| !r.allowed_on_site()) {
            Some(role) if able.is_empty() && rig.kind == RigKind::Site => {
                missing_role_hint(rig, *role)
            }
            _ => format!(
                "devices that can take `{kind}` ({}): {}",
                role_names.join(", "),
                list(&able)
            ),
        };
        c.invalid(
            &dk,
            format!("no device `{name}` in rig {}", rig.source.display()),
            hint,
        );
        return;
    };
    if !roles.contains(&dev.role) {
        c.invalid(
            &dk,
            format!(
                "`{name}` is {}, which cannot take `{kind}`",
                dev.role.with_article()
            ),
            format!(
                "devices that can take `{kind}` ({}): {}",
                role_names.join(", "),
                list(&names_with_roles(rig, roles))
            ),
        );
        return;
    }
    match step {
        Step::Set(s) => check_set(c, rig, sk, dev, s),
        Step::Ramp(r) => {
            let k = |f: &str| format!("{sk}.ramp.{f}");
            if dev.role == Role::Charger {
                wrong_keys(
                    c,
                    &k(""),
                    dev.role,
                    &[
                        ("voltage_v", r.voltage_v.is_some()),
                        ("frequency_hz", r.frequency_hz.is_some()),
                    ],
                    "power_w",
                );
                if let Some(p) = r.power_w {
                    limit_power(c, rig, &k("power_w"), p, None);
                }
            } else {
                wrong_keys(
                    c,
                    &k(""),
                    dev.role,
                    &[("power_w", r.power_w.is_some())],
                    "voltage_v, frequency_hz",
                );
                if let Some(v) = r.voltage_v {
                    limit_voltage(c, rig, &k("voltage_v"), v);
                }
                if let Some(f) = r.frequency_hz {
                    limit_frequency(c, rig, &k("frequency_hz"), f);
                }
            }
        }
        Step::WriteSettings(w) => {
            if let Some(p) = &w.profile {
                check_profile_nominal(c, rig, &format!("{sk}.write_settings.profile"), p);
            }
        }
        Step::ReadSettings(r) => {
            if let Some(p) = &r.compare_profile {
                check_profile_nominal(c, rig, &format!("{sk}.read_settings.compare_profile"), p);
            }
        }
        Step::Trip(t) => {
            if let Some(v) = t.voltage_v {
                limit_voltage(c, rig, &format!("{sk}.trip.voltage_v"), v);
            }
            if let Some(f) = t.frequency_hz {
                limit_frequency(c, rig, &format!("{sk}.trip.frequency_hz"), f);
            }
        }
        Step::Expect(e) => {
            let valid = Quantity::for_role(dev.role);
            if !valid.contains(&e.quantity) {
                let names: Vec<&str> = valid.iter().map(|q| q.name()).collect();
                c.invalid(
                    &format!("{sk}.expect.quantity"),
                    format!(
                        "{} does not measure {}",
                        dev.role.with_article(),
                        e.quantity.name()
                    ),
                    format!(
                        "quantities of {}: {}",
                        dev.role.with_article(),
                        list(&names)
                    ),
                );
            }
        }
        _ => {}
    }
}

/// Keys present that the device's role does not take.
/// DIN SPEC 70121 has no bidirectional power transfer: a discharge asked of
/// a DIN vehicle is refused here, before anything is energised (the driver
/// refuses it too, for a plan that reaches it another way).
fn check_din_discharge(c: &mut Checker, rig: &Rig, sk: &str, e: &EvStep) {
    let din = rig
        .devices
        .get(&e.device)
        .is_some_and(|d| d.protocol == Some(super::rig::EvProtocol::Din70121));
    if din && e.action == EvAction::StartDischarge {
        c.invalid(
            &format!("{sk}.ev.action"),
            format!(
                "`{}` speaks DIN SPEC 70121, which has no bidirectional power transfer: \
                 it can only charge",
                e.device
            ),
            "use action: start_charge, or a vehicle with protocol: iso15118-20",
        );
    }
}

fn wrong_keys(c: &mut Checker, prefix: &str, role: Role, present: &[(&str, bool)], valid: &str) {
    for (key, is) in present {
        if *is {
            c.invalid(
                &format!("{prefix}{key}"),
                format!("`{key}` does not apply to {}", role.with_article()),
                format!("valid for {}: {valid}", role.with_article()),
            );
        }
    }
}

fn check_set(c: &mut Checker, rig: &Rig, sk: &str, dev: &DeviceSpec, s: &SetStep) {
    let p = format!("{sk}.set.");
    let k = |f: &str| format!("{sk}.set.{f}");
    let grid = [
        ("voltage_v", s.voltage_v.is_some()),
        ("frequency_hz", s.frequency_hz.is_some()),
        ("output", s.output.is_some()),
    ];
    let charger = [
        ("power_w", s.power_w.is_some()),
        ("power_pct", s.power_pct.is_some()),
    ];
    let load = [
        ("p_w", s.p_w.is_some()),
        ("ql_var", s.ql_var.is_some()),
        ("qc_var", s.qc_var.is_some()),
        ("input", s.input.is_some()),
    ];
    let home = [("q_var", s.q_var.is_some())];
    match dev.role {
        Role::GridSimulator => {
            wrong_keys(c, &p, dev.role, &charger, "voltage_v, frequency_hz, output");
            wrong_keys(c, &p, dev.role, &load, "voltage_v, frequency_hz, output");
            wrong_keys(c, &p, dev.role, &home, "voltage_v, frequency_hz, output");
            if let Some(v) = s.voltage_v {
                limit_voltage(c, rig, &k("voltage_v"), v);
            }
            if let Some(f) = s.frequency_hz {
                limit_frequency(c, rig, &k("frequency_hz"), f);
            }
        }
        Role::Charger => {
            wrong_keys(c, &p, dev.role, &grid, "power_w or power_pct");
            wrong_keys(c, &p, dev.role, &load, "power_w or power_pct");
            wrong_keys(c, &p, dev.role, &home, "power_w or power_pct");
            // An unbound `site_export_pct` is refused on its own.
            if s.power_w.is_none() && s.power_pct.is_none() && s.site_export_pct.is_none() {
                c.invalid(
                    &format!("{sk}.set"),
                    "a charger set needs power_w or power_pct",
                    "give exactly one of power_w, power_pct",
                );
            }
            if let Some(w) = s.power_w {
                limit_power(c, rig, &k("power_w"), w, None);
            }
            if let Some(pct) = s.power_pct {
                match dev.ratings.power_w {
                    Some(rating) => {
                        limit_power(c, rig, &k("power_pct"), pct / 100.0 * rating, Some(pct))
                    }
                    None => c.invalid(
                        &k("power_pct"),
                        "power_pct needs the charger's ratings.power_w in the rig",
                        "add `ratings: { power_w: … }` to the charger, or use power_w",
                    ),
                }
            }
        }
        Role::IslandLoad => {
            wrong_keys(c, &p, dev.role, &grid, "p_w, ql_var, qc_var, input");
            wrong_keys(c, &p, dev.role, &charger, "p_w, ql_var, qc_var, input");
            wrong_keys(c, &p, dev.role, &home, "p_w, ql_var, qc_var, input");
        }
        Role::HomeLoad => {
            let rlc = [
                ("ql_var", s.ql_var.is_some()),
                ("qc_var", s.qc_var.is_some()),
            ];
            wrong_keys(c, &p, dev.role, &grid, "p_w, q_var, input");
            wrong_keys(c, &p, dev.role, &charger, "p_w, q_var, input");
            wrong_keys(c, &p, dev.role, &rlc, "p_w, q_var, input");
        }
        _ => {}
    }
}

fn refuse(c: &mut Checker, rig: &Rig, key: &str, message: String, limit_key: &str) {
    let limit_key = format!("safety_limits.{limit_key}");
    c.errors.push(ModelError::SafetyLimit {
        at: c.spans.location(key),
        key_path: key.to_string(),
        message,
        limit_at: rig.location(&limit_key),
        limit_key,
    });
}

fn limit_voltage(c: &mut Checker, rig: &Rig, key: &str, v: f64) {
    let max = rig.safety_limits.max_grid_voltage_v;
    if v > max {
        refuse(
            c,
            rig,
            key,
            format!("{v} V is above the rig's safety limit max_grid_voltage_v = {max} V"),
            "max_grid_voltage_v",
        );
    }
}

fn limit_frequency(c: &mut Checker, rig: &Rig, key: &str, f: f64) {
    let max = rig.safety_limits.max_frequency_deviation_hz;
    let nominal = rig.nominal.frequency_hz;
    let dev = (f - nominal).abs();
    if dev > max {
        refuse(
            c,
            rig,
            key,
            format!("{f} Hz is {dev:.3} Hz from nominal {nominal} Hz, beyond the rig's safety limit max_frequency_deviation_hz = {max} Hz"),
            "max_frequency_deviation_hz",
        );
    }
}

fn limit_power(c: &mut Checker, rig: &Rig, key: &str, w: f64, pct: Option<f64>) {
    let max = rig.safety_limits.max_charger_power_w;
    if w.abs() > max {
        let what = match pct {
            Some(p) => format!("{p} % of the charger's rating is {w} W, which"),
            None => format!("{w} W"),
        };
        refuse(
            c,
            rig,
            key,
            format!("{what} is beyond the rig's safety limit max_charger_power_w = {max} W"),
            "max_charger_power_w",
        );
    }
}

/// A profile written for another grid frequency (its frequency pickups are
/// absolute hertz) would make the charger trip at once or never.
pub(crate) fn check_profile_nominal(c: &mut Checker, rig: &Rig, key: &str, p: &super::GridProfile) {
    if let Some(n) = p.nominal {
        if n.frequency_hz != rig.nominal.frequency_hz {
            c.invalid(
                key,
                format!(
                    "profile {} is for a {} Hz grid but the rig is {} Hz",
                    p.path.display(),
                    n.frequency_hz,
                    rig.nominal.frequency_hz
                ),
                "use a profile written for the rig's nominal frequency",
            );
        }
    }
}
