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
        _ => None,
    }
}
