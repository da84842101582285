//! What a commissioning run tells the installer as it goes: which step of
//! how many, what it is waiting for and for how long, and what the
//! installer is asked to do.

use crate::exec::operator::InstallerAction;
use crate::exec::RunEvent;
use crate::model::{Plan, Step};

pub struct Progress {
    tests: usize,
    current: usize,
}

impl Progress {
    pub fn new(plan: &Plan) -> Self {
        Progress {
            tests: plan.tests.len(),
            current: 0,
        }
    }

    pub fn on_event(&mut self, event: &RunEvent) {
        match event {
            RunEvent::TestStarted { .. } => {
                self.current += 1;
                println!("step {} of {}", self.current, self.tests);
            }
            RunEvent::Step { step, .. } => {
                if let Some(wait) = waiting_for(step) {
                    println!("  … {wait}");
                }
            }
            RunEvent::Installer { action, say } => match action {
                InstallerAction::Confirm => println!("  ? {say}"),
                _ => println!("  >>> INSTALLER: {say}"),
            },
            RunEvent::Identified { device, identity } => println!(
                "  {device}: {} {} serial {} firmware {}",
                identity.manufacturer, identity.model, identity.serial, identity.firmware
            ),
            RunEvent::FirmwareGate(g) => println!("  {}", gate_line(g)),
            RunEvent::MeterCheck(m) => println!(
                "  site meter: baseline {:.0} W; export {:.0} W read {:+.0} W; import {:.0} W read {:+.0} W{}",
                m.baseline_w,
                m.export.charger_w,
                m.export.meter_delta_w,
                -m.import.charger_w,
                m.import.meter_delta_w,
                m.reason.as_deref().map(|r| format!(" — {r}")).unwrap_or_default()
            ),
            RunEvent::Backup(b) => {
                let show = |x: Option<f64>, unit: &str| {
                    x.map_or("—".to_string(), |v| format!("{v:.2} {unit}"))
                };
                println!(
                    "  backup: transfer gap ≤ {} (poll {:.1} s), home {}–{}, {}–{}, load {}, reconnected {} after the utility returned (delay setting {} s)",
                    show(b.transfer_gap_s, "s"),
                    b.poll_s,
                    show(b.home_voltage_min_v, "V"),
                    show(b.home_voltage_max_v, "V"),
                    show(b.home_frequency_min_hz, "Hz"),
                    show(b.home_frequency_max_hz, "Hz"),
                    show(b.home_load_w, "W"),
                    show(b.reconnect_delay_s, "s"),
                    b.enter_service_delay_s
                );
            }
            _ => {}
        }
    }
}

/// What a step waits for, and at most how long, in words.
fn waiting_for(step: &Step) -> Option<String> {
    match step {
        Step::Wait(w) if w.s >= 1.0 => Some(format!("waiting {} s", w.s)),
        Step::Expect(e) if e.within_s >= 1.0 => Some(format!(
            "waiting up to {} s for {} {}",
            e.within_s,
            e.device,
            e.quantity.name()
        )),
        Step::Backup(b) => Some(format!(
            "V2H backup test: up to {} s for each of the installer's actions, then the charger's enter-service delay",
            b.wait_s
        )),
        Step::Flash(f) => Some(format!("flashing {} (minutes)", f.device)),
        Step::FirmwareGate(g) => Some(format!(
            "checking {}'s firmware against the program's catalog (an update takes minutes)",
            g.device
        )),
        _ => None,
    }
}

/// `firmware 1.0.0 → 1.1.0 (approved minimum 1.1.0)`: what the firmware
/// gate found and did, the version the charger now runs on screen (why a
/// refusal failed is the test's failure line, right after).
pub fn gate_line(g: &crate::exec::results::FirmwareGate) -> String {
    use crate::exec::results::GateDecision;
    let minimum = g.minimum_version.as_deref().unwrap_or("none");
    match (g.decision, &g.image) {
        (GateDecision::Update, Some(_)) => format!(
            "firmware {} → {} (approved minimum {minimum})",
            g.version_before, g.version_after
        ),
        (GateDecision::Approved, _) => {
            format!("firmware {} approved (minimum {minimum})", g.version_before)
        }
        (GateDecision::NoEntry, _) => format!(
            "firmware {}: {} {} is not in the catalog",
            g.version_before, g.make, g.model
        ),
        _ => format!(
            "firmware {} refused (approved {}; minimum {minimum})",
            g.version_before,
            g.approved.join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::gate_line;
    use crate::exec::results::{FirmwareGate, GateDecision, GateImage, Verdict};

    fn gate(decision: GateDecision, before: &str, after: &str) -> FirmwareGate {
        FirmwareGate {
            device: "charger".into(),
            catalog: "pilot".into(),
            catalog_file: "firmware.yaml".into(),
            make: "Example Power".into(),
            model: "BiDi 11 kW".into(),
            version_before: before.into(),
            minimum_version: Some("1.1.0".into()),
            approved: vec!["1.1.0".into()],
            decision,
            image: (decision == GateDecision::Update).then(|| GateImage {
                version: "1.1.0".into(),
                file: "fw.hex".into(),
                sha256: "00".into(),
            }),
            version_after: after.into(),
            verdict: Verdict::Pass,
            reason: None,
        }
    }

    #[test]
    fn the_line_shows_the_version_the_charger_now_runs() {
        assert_eq!(
            gate_line(&gate(GateDecision::Update, "1.0.0", "1.1.0")),
            "firmware 1.0.0 → 1.1.0 (approved minimum 1.1.0)"
        );
        assert_eq!(
            gate_line(&gate(GateDecision::Approved, "1.1.0", "1.1.0")),
            "firmware 1.1.0 approved (minimum 1.1.0)"
        );
        assert_eq!(
            gate_line(&gate(GateDecision::NotApproved, "9.9.0", "9.9.0")),
            "firmware 9.9.0 refused (approved 1.1.0; minimum 1.1.0)"
        );
    }
}
