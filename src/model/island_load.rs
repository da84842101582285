//! Whether the rig's island load can take what the plan will ask of it.
//!
//! IEEE 1547.1-2020 §5.10: the RLC load is balanced to the charger's output
//! with quality factor Qf = √(QL·QC) / P; at balance R takes the charger's
//! real power P and L and C each take QL = QC = Qf·P. The island sweep then
//! scales the inductive branch to each `reactive_load_pct` point (the runner
//! keeps C balanced), so the largest point asks QL = Qf·P·pct/100. A load
//! asked beyond its rating answers SCPI −222 (data out of range) in the
//! middle of a run; here it is refused before anything is sent, naming the
//! step and the rating.

use super::check::Checker;
use super::error::ModelError;
use super::plan::{Plan, Step};
use super::plan_bounds::sweep_extent;
use super::rig::{DeviceSpec, Rig, Role, EMULATED_LOAD_POWER_W, EMULATED_LOAD_REACTIVE_VAR};

/// What the plan has asked of the charger and the load so far, in run order
/// (the runner keeps both across tests).
struct Asked {
    /// Last charger setpoint the plan commanded, W; `None` before any.
    charger_w: Option<f64>,
    /// QL = QC = Qf·P of the last balance the load can take, var, and where it was asked.
    balanced_var: Option<(f64, String)>,
}

/// Checks every `balance_load`, every `island` after one and every `set` of
/// the island load against the load's `ratings` (`power_w`;
/// `reactive_var`, else `power_w`, for QL and QC each; an emulated load
/// without ratings has the emulated instrument's own).
pub(crate) fn check_island_load(c: &mut Checker, plan: &Plan, rig: &Rig) {
    let Some((load_name, load)) = rig.device_by_role(Role::IslandLoad) else {
        return; // a step naming a missing load is refused by the role checks
    };
    let charger_rating_w = rig
        .device_by_role(Role::Charger)
        .and_then(|(_, d)| d.ratings.power_w);
    // Before any setpoint the charger may export up to its rating and the limit.
    let charger_max_w = charger_rating_w
        .unwrap_or(f64::INFINITY)
        .min(rig.safety_limits.max_charger_power_w);
    let rating = Rating::of(rig, load_name, load);
    let mut asked = Asked {
        charger_w: None,
        balanced_var: None,
    };
    for (ti, t) in plan.tests.iter().enumerate() {
        for (si, step) in t.steps.iter().enumerate() {
            let sk = format!("tests[{ti}].steps[{si}]");
            let role = step
                .device()
                .and_then(|d| rig.devices.get(d))
                .map(|d| d.role);
            match step {
                Step::Set(s) if role == Some(Role::Charger) => {
                    let pct = s
                        .power_pct
                        .zip(charger_rating_w)
                        .map(|(p, r)| p / 100.0 * r);
                    asked.charger_w = s.power_w.or(pct).or(asked.charger_w);
                }
                Step::Ramp(r) if role == Some(Role::Charger) => {
                    asked.charger_w = r.power_w.or(asked.charger_w);
                }
                // A load the rig gives no rating for takes what the plan
                // sets explicitly unchecked; balance_load needs the rating.
                Step::Set(s) if role == Some(Role::IslandLoad) && rating.reactive.is_some() => {
                    let k = |f: &str| format!("{sk}.set.{f}");
                    if let Some(p) = s.p_w {
                        rating.real(c, &k("p_w"), p, format!("P = {p} W"));
                    }
                    for (f, q) in [("ql_var", s.ql_var), ("qc_var", s.qc_var)] {
                        if let Some(q) = q {
                            rating.reactive(c, &k(f), q, format!("{q} var"));
                        }
                    }
                }
                Step::BalanceLoad(b) if role == Some(Role::IslandLoad) => {
                    let bk = format!("{sk}.balance_load");
                    let p = asked.charger_w.unwrap_or(charger_max_w).max(0.0);
                    let q = b.quality_factor * p;
                    let whence = match asked.charger_w {
                        Some(_) => "the charger's setpoint",
                        None => "the most the charger may export: no setpoint comes before",
                    };
                    let qk = format!("{bk}.quality_factor");
                    let q_what = format!(
                        "QL = QC = Qf·P = {} × {p} W = {q} var (P: {whence})",
                        b.quality_factor
                    );
                    // Unrated: one error, from the reactive check.
                    let ok_p = rating.reactive.is_none()
                        || rating.real(c, &bk, p, format!("P = {p} W ({whence})"));
                    let ok_q = rating.reactive(c, &qk, q, q_what);
                    asked.balanced_var = (ok_p && ok_q).then_some((q, bk));
                }
                Step::Island(i) => {
                    let Some((q, bk)) = &asked.balanced_var else {
                        continue;
                    };
                    let (_, top_pct) = sweep_extent(i);
                    if top_pct > 100.0 {
                        let ql = q * top_pct / 100.0;
                        rating.reactive(
                            c,
                            &format!("{sk}.island.reactive_load_pct"),
                            ql,
                            format!(
                                "the sweep's {top_pct} % point: QL = {top_pct} % of {q} var (balanced at {bk}) = {ql} var"
                            ),
                        );
                    }
                }
                _ => {}
            }
        }
    }
}

/// One bound on the island load: its value and what the rig says of it.
struct Limit {
    max: f64,
    /// How messages name it: `ratings.reactive_var = 15000 var`, …
    name: String,
    /// Where the rig declares it (key path).
    key: String,
}

/// The island load's bounds on P and on QL and QC each.
struct Rating<'a> {
    rig: &'a Rig,
    /// `devices.NAME`: where an unrated load is declared.
    device_key: String,
    power: Option<Limit>,
    reactive: Option<Limit>,
}

impl<'a> Rating<'a> {
    /// Declared ratings; `reactive_var` defaults to `power_w`; an emulated
    /// load the rig gives no rating has the emulated instrument's own.
    fn of(rig: &'a Rig, name: &str, load: &DeviceSpec) -> Self {
        let dk = format!("devices.{name}");
        let r = &load.ratings;
        let emulated = load.transport.is_emulated();
        let declared = |max: f64, key: &str, note: &str| Limit {
            max,
            name: format!("ratings.{key} = {max}{note}"),
            key: format!("{dk}.ratings.{key}"),
        };
        let builtin = |max: f64| Limit {
            max,
            name: format!("{max}, the emulated load's own rating (the rig gives none)"),
            key: dk.clone(),
        };
        let power = match r.power_w {
            Some(p) => Some(declared(p, "power_w", " W")),
            None => emulated.then(|| builtin(EMULATED_LOAD_POWER_W)),
        };
        let reactive = match (r.reactive_var, r.power_w) {
            (Some(q), _) => Some(declared(q, "reactive_var", " var")),
            (None, Some(p)) => Some(declared(
                p,
                "power_w",
                ", which bounds QL and QC too when the rig gives no reactive_var",
            )),
            (None, None) => emulated.then(|| builtin(EMULATED_LOAD_REACTIVE_VAR)),
        };
        Rating {
            rig,
            device_key: dk,
            power,
            reactive,
        }
    }

    fn real(&self, c: &mut Checker, key: &str, p_w: f64, what: String) -> bool {
        self.within(c, key, p_w, self.power.as_ref(), what)
    }

    fn reactive(&self, c: &mut Checker, key: &str, q_var: f64, what: String) -> bool {
        self.within(c, key, q_var, self.reactive.as_ref(), what)
    }

    fn within(
        &self,
        c: &mut Checker,
        key: &str,
        value: f64,
        limit: Option<&Limit>,
        what: String,
    ) -> bool {
        let (message, limit_key) = match limit {
            Some(l) if value <= l.max => return true,
            Some(l) => (
                format!("the island load would take {what}, beyond its rating {}", l.name),
                l.key.clone(),
            ),
            None => (
                format!(
                    "the island load must take {what}, and the rig gives it no rating to check that against \
                     (add `ratings: {{ power_w: …, reactive_var: … }}` to the load)"
                ),
                self.device_key.clone(),
            ),
        };
        c.errors.push(ModelError::SafetyLimit {
            at: c.spans.location(key),
            key_path: key.to_string(),
            message,
            limit_at: self.rig.location(&limit_key),
            limit_key,
        });
        false
    }
}
