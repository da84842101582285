//! Injected faults (README "Faults"): what an emulated rig's `faults:`
//! block schedules at simulated instants, and what a plan's `fault:` and
//! `clear:` steps do at their point of the plan. Only an emulated rig can
//! inject; on real hardware both are refused before anything is sent.

use super::check::{list, Checker};
use super::plan_bounds::MAX_STEP_DURATION_S;
use super::rig::{FlashMethod, Rig, Role, TransportSpec};
use super::text::one_line;
use serde::{Deserialize, Serialize};

/// The CHAdeMO bus between the charger and the EV simulator.
pub const VEHICLE_BUS: &str = "can0";
/// The charger's diagnostic bus (its bootloader).
pub const DIAGNOSTIC_BUS: &str = "can1";

/// What goes wrong.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// The instrument stops answering: writes are taken (and lost), no
    /// byte comes back.
    LinkSilent,
    /// The link reports closed (a pulled LAN cable, an unplugged adapter).
    LinkClosed,
    /// The instrument answers every command with an error: SCPI -240
    /// "Hardware error" on its queue (a query gets no reply), Modbus
    /// exception 04 (Server Device Failure).
    LinkErrors,
    /// A fraction `rate` of the frames on `bus` is lost: on the wire, but
    /// taken by no receiver (a receive FIFO that overran).
    CanLoss,
    /// A fraction `rate` of transmissions on `bus` is destroyed by a bit
    /// error: an error frame follows and the sender retransmits (ISO
    /// 11898-1); corrupted data is never delivered, the bus time is lost.
    CanCorrupt,
    /// The vehicle's controller hangs: its CAN frames stop.
    EvSilent,
    /// The grid simulator's own protection trips its output (off, latched
    /// until cleared).
    GridFault,
    /// The evidence folder's disk is full: every write fails (ENOSPC).
    DiskFull,
}

impl FaultKind {
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::LinkSilent => "link_silent",
            FaultKind::LinkClosed => "link_closed",
            FaultKind::LinkErrors => "link_errors",
            FaultKind::CanLoss => "can_loss",
            FaultKind::CanCorrupt => "can_corrupt",
            FaultKind::EvSilent => "ev_silent",
            FaultKind::GridFault => "grid_fault",
            FaultKind::DiskFull => "disk_full",
        }
    }

    /// A fault on an instrument's byte link.
    pub fn is_link(self) -> bool {
        matches!(
            self,
            FaultKind::LinkSilent | FaultKind::LinkClosed | FaultKind::LinkErrors
        )
    }

    /// A fault on a CAN bus, at a rate.
    pub fn is_can(self) -> bool {
        matches!(self, FaultKind::CanLoss | FaultKind::CanCorrupt)
    }
}

impl std::fmt::Display for FaultKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One fault: what, where, and for how long. A plan's `fault:` step; with
/// `at_s`, an entry of a rig's `faults:` block.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "fault")]
pub struct FaultSpec {
    pub kind: FaultKind,
    /// link_* (required), ev_silent and grid_fault (default: the rig's one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// can_loss, can_corrupt: `can0` or `can1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bus: Option<String>,
    /// can_loss, can_corrupt: the fraction of frames, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate: Option<f64>,
    /// The fault ends by itself this long after it began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_s: Option<f64>,
}

/// A `clear:` step: ends the active faults it selects (every one when it
/// names nothing), whoever injected them.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "clear")]
pub struct ClearSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<FaultKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bus: Option<String>,
}

impl ClearSpec {
    /// Whether an active fault is one this step ends.
    pub fn selects(&self, f: &FaultSpec) -> bool {
        self.kind.is_none_or(|k| k == f.kind)
            && self
                .device
                .as_ref()
                .is_none_or(|d| f.device.as_ref() == Some(d))
            && self.bus.as_ref().is_none_or(|b| f.bus.as_ref() == Some(b))
    }
}

/// An entry of a rig's `faults:` block: a fault at a simulated instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduledFault {
    /// Simulated seconds from the start of the run.
    pub at_s: f64,
    pub fault: FaultSpec,
}

/// The rig file's form of [`ScheduledFault`] (serde cannot flatten under
/// `deny_unknown_fields`).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields, rename = "fault")]
#[schemars(
    description = "A fault the emulator injects `at_s` seconds into the run: `kind`, and where it acts."
)]
pub(crate) struct RawScheduledFault {
    at_s: f64,
    kind: FaultKind,
    device: Option<String>,
    bus: Option<String>,
    rate: Option<f64>,
    for_s: Option<f64>,
}

const FAULT_FORMS: &str = "link_silent|link_closed|link_errors with `device`; can_loss|can_corrupt with `bus` (can0, can1) and `rate` (0 to 1); ev_silent; grid_fault; disk_full; any with `for_s`";

/// What a fault's fields must be, without a rig: `key` is where the fault
/// is written (`faults[2]`, `tests[0].steps[3].fault`).
pub(crate) fn validate_fields(c: &mut Checker, key: &str, f: &FaultSpec) {
    let k = |field: &str| format!("{key}.{field}");
    let kind = f.kind;
    let refuse = |c: &mut Checker, field: &str| {
        c.invalid(
            &k(field),
            format!("`{field}` does not apply to {kind}"),
            FAULT_FORMS,
        )
    };
    match &f.device {
        Some(_) if kind.is_can() || kind == FaultKind::DiskFull => refuse(c, "device"),
        Some(d) if d.trim().is_empty() => c.invalid(
            &k("device"),
            "empty device name",
            "name a device of the rig",
        ),
        Some(d) => {
            one_line(c, &k("device"), d);
        }
        None if kind.is_link() => c.invalid(
            key,
            format!("{kind} needs `device`"),
            "name the instrument whose link fails, e.g. `device: grid`",
        ),
        None => {}
    }
    match (&f.bus, kind.is_can()) {
        (Some(b), true) if b != VEHICLE_BUS && b != DIAGNOSTIC_BUS => c.invalid(
            &k("bus"),
            format!("no bus `{b}`"),
            format!("{VEHICLE_BUS} (the CHAdeMO bus) or {DIAGNOSTIC_BUS} (the charger's diagnostic bus)"),
        ),
        (Some(_), false) => refuse(c, "bus"),
        (None, true) => c.invalid(
            key,
            format!("{kind} needs `bus`"),
            format!("e.g. `bus: {VEHICLE_BUS}`"),
        ),
        _ => {}
    }
    match (f.rate, kind.is_can()) {
        (Some(r), true) => {
            c.within(&k("rate"), r, 0.0, 1.0, "");
        }
        (Some(_), false) => refuse(c, "rate"),
        (None, true) => c.invalid(
            key,
            format!("{kind} needs `rate`"),
            "the fraction of frames, e.g. `rate: 0.05`",
        ),
        (None, false) => {}
    }
    if let Some(s) = f.for_s {
        if c.positive(&k("for_s"), s) && s > MAX_STEP_DURATION_S {
            c.invalid(
                &k("for_s"),
                format!("{s} s is longer than a fault may last"),
                format!("expected at most {MAX_STEP_DURATION_S} s (24 h)"),
            );
        }
    }
}

/// A `clear:` step's fields, without a rig.
pub(crate) fn validate_clear(c: &mut Checker, key: &str, s: &ClearSpec) {
    if let Some(d) = &s.device {
        if d.trim().is_empty() {
            c.invalid(
                &format!("{key}.device"),
                "empty device name",
                "name a device of the rig, or leave `device` out",
            );
        } else {
            one_line(c, &format!("{key}.device"), d);
        }
    }
    if let Some(b) = &s.bus {
        if b != VEHICLE_BUS && b != DIAGNOSTIC_BUS {
            c.invalid(
                &format!("{key}.bus"),
                format!("no bus `{b}`"),
                format!("{VEHICLE_BUS} or {DIAGNOSTIC_BUS}"),
            );
        }
    }
}

/// The rig file's `faults:` entries, fields checked.
pub(crate) fn rig_faults(c: &mut Checker, raw: Vec<RawScheduledFault>) -> Vec<ScheduledFault> {
    let mut out = Vec::new();
    for (i, r) in raw.into_iter().enumerate() {
        let key = format!("faults[{i}]");
        if c.non_negative(&format!("{key}.at_s"), r.at_s)
            && r.at_s > super::plan_bounds::MAX_PLAN_DURATION_S
        {
            c.invalid(
                &format!("{key}.at_s"),
                format!("{} s is beyond the longest plan", r.at_s),
                format!(
                    "expected at most {} s (7 days)",
                    super::plan_bounds::MAX_PLAN_DURATION_S
                ),
            );
        }
        let fault = FaultSpec {
            kind: r.kind,
            device: r.device,
            bus: r.bus,
            rate: r.rate,
            for_s: r.for_s,
        };
        validate_fields(c, &key, &fault);
        out.push(ScheduledFault {
            at_s: r.at_s,
            fault,
        });
    }
    out
}

/// Whether every device of the rig is emulated: only then can faults be
/// injected (the emulators are where they happen).
pub fn can_inject(rig: &Rig) -> bool {
    !rig.devices.is_empty() && rig.devices.values().all(|d| d.transport.is_emulated())
}

/// The emulated buses a rig has: `can0` with an emulated EV simulator,
/// `can1` with an emulated bootloader.
pub fn emulated_buses(rig: &Rig) -> Vec<&'static str> {
    let mut buses = Vec::new();
    let ev = rig.device_by_role(Role::EvSimulator);
    if ev.is_some_and(|(_, d)| matches!(d.transport, TransportSpec::EmulatedCan { .. })) {
        buses.push(VEHICLE_BUS);
    }
    let charger = rig.device_by_role(Role::Charger);
    let fw = charger.and_then(|(_, d)| d.firmware.as_ref());
    if fw.is_some_and(|f| {
        matches!(
            f.method,
            FlashMethod::Uds(TransportSpec::EmulatedCan { .. })
        )
    }) {
        buses.push(DIAGNOSTIC_BUS);
    }
    buses
}

/// The rig's `faults:` against the rig itself.
pub(crate) fn check_rig_faults(c: &mut Checker, rig: &Rig) {
    if rig.faults.is_empty() {
        return;
    }
    if !can_inject(rig) {
        c.invalid(
            "faults",
            "only an emulated rig can inject faults; this rig has real devices",
            "remove `faults:`, or make every device emulated",
        );
        return;
    }
    for (i, f) in rig.faults.iter().enumerate() {
        check_against_rig(c, rig, &format!("faults[{i}]"), &f.fault);
    }
}

/// A fault's device and bus against the rig it is injected on; `key` is
/// where the fault is written.
pub(crate) fn check_against_rig(c: &mut Checker, rig: &Rig, key: &str, f: &FaultSpec) {
    if !can_inject(rig) {
        c.invalid(
            key,
            format!(
                "rig {} is real hardware: faults can only be injected on an emulated rig",
                rig.source.display()
            ),
            "run the plan on an emulated rig (e.g. rigs/emulated-faults.yaml), or remove the step",
        );
        return;
    }
    let kind = f.kind;
    let wants: Option<&[Role]> = match kind {
        k if k.is_link() => Some(&[
            Role::GridSimulator,
            Role::IslandSwitch,
            Role::IslandLoad,
            Role::WaveformRecorder,
            Role::Charger,
            Role::HomeLoad,
            Role::SiteMeter,
        ]),
        FaultKind::EvSilent => Some(&[Role::EvSimulator]),
        FaultKind::GridFault => Some(&[Role::GridSimulator]),
        _ => None,
    };
    if let Some(roles) = wants {
        check_device(c, rig, key, kind, f.device.as_deref(), roles);
    }
    if let Some(bus) = &f.bus {
        check_bus(c, rig, &format!("{key}.bus"), bus);
    }
}

fn check_device(
    c: &mut Checker,
    rig: &Rig,
    key: &str,
    kind: FaultKind,
    device: Option<&str>,
    roles: &[Role],
) {
    let names: Vec<&str> = rig
        .devices_in_order()
        .filter(|(_, d)| roles.contains(&d.role))
        .map(|(n, _)| n)
        .collect();
    let hint = if kind.is_link() {
        format!(
            "devices on a byte link: {} (the EV simulator's CAN: use ev_silent, or can_loss on {VEHICLE_BUS})",
            list(&names)
        )
    } else {
        format!("devices that can take {kind}: {}", list(&names))
    };
    match device {
        None if names.is_empty() => c.invalid(
            key,
            format!(
                "{kind} needs {}, and the rig has none",
                roles[0].with_article()
            ),
            format!("add one to rig {}", rig.source.display()),
        ),
        None => {}
        Some(d) => match rig.devices.get(d) {
            None => c.invalid(
                &format!("{key}.device"),
                format!("no device `{d}` in rig {}", rig.source.display()),
                hint,
            ),
            Some(spec) if !roles.contains(&spec.role) => c.invalid(
                &format!("{key}.device"),
                format!(
                    "`{d}` is {}, which cannot take {kind}",
                    spec.role.with_article()
                ),
                hint,
            ),
            Some(_) => {}
        },
    }
}

fn check_bus(c: &mut Checker, rig: &Rig, key: &str, bus: &str) {
    let buses = emulated_buses(rig);
    if (bus == VEHICLE_BUS || bus == DIAGNOSTIC_BUS) && !buses.contains(&bus) {
        c.invalid(
            key,
            format!("rig {} has no emulated bus `{bus}`", rig.source.display()),
            format!(
                "{VEHICLE_BUS} needs an emulated ev_simulator, {DIAGNOSTIC_BUS} the charger's emulated bootloader; this rig has: {}",
                list(&buses)
            ),
        );
    }
}

/// A `clear:` step's device and bus against the rig.
pub(crate) fn check_clear_against_rig(c: &mut Checker, rig: &Rig, key: &str, s: &ClearSpec) {
    if !can_inject(rig) {
        c.invalid(
            key,
            format!(
                "rig {} is real hardware: it has no injected fault to clear",
                rig.source.display()
            ),
            "run the plan on an emulated rig, or remove the step",
        );
        return;
    }
    if let Some(d) = &s.device {
        if !rig.devices.contains_key(d) {
            let names: Vec<&str> = rig.devices_in_order().map(|(n, _)| n).collect();
            c.invalid(
                &format!("{key}.device"),
                format!("no device `{d}` in rig {}", rig.source.display()),
                format!("devices: {}", list(&names)),
            );
        }
    }
    if let Some(b) = &s.bus {
        check_bus(c, rig, &format!("{key}.bus"), b);
    }
}

/// `expect_abort: true` needs a fault to expect the abort from: a `fault:`
/// step other than disk_full (a run whose evidence cannot be written
/// always stops: that abort is never expected).
pub(crate) fn check_expect_abort(c: &mut Checker, key: &str, steps: &[super::plan::Step]) {
    let faults: Vec<FaultKind> = steps
        .iter()
        .filter_map(|s| match s {
            super::plan::Step::Fault(f) => Some(f.kind),
            _ => None,
        })
        .collect();
    if faults.is_empty() {
        c.invalid(
            key,
            "a test that expects an abort injects no fault",
            "add a `fault:` step before the step that should abort, or remove `expect_abort`",
        );
    } else if faults.iter().all(|k| *k == FaultKind::DiskFull) {
        c.invalid(
            key,
            "a disk_full abort is never expected: a run whose evidence cannot be written stops",
            "inject an instrument fault (link_silent, link_closed, link_errors, grid_fault), or remove `expect_abort`",
        );
    }
}
