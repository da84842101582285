//! `v2x-hil rig check [RIG]`: connect to every device, identify it, print
//! what answered. Sends only identification queries: nothing is energised.

use super::{output, rig_source, ExitCode};
use crate::model::{Rig, Role};
use crate::rig::{connect, identify_all, reach_each};
use colored::Colorize;
use std::path::Path;

pub fn run(rig_path: Option<&Path>, json: bool) -> ExitCode {
    let rig = match rig_source::load(rig_path) {
        Ok(r) => r,
        Err(e) => {
            output::error(&e.render());
            return ExitCode::BadInput;
        }
    };
    // A depot's chargers are reached one at a time (each with the rest of
    // the rig), as commissioning takes them.
    let chargers: Vec<String> = rig
        .devices_with_role(Role::Charger)
        .into_iter()
        .map(|(n, _)| n.to_string())
        .collect();
    let parts: Vec<Rig> = if chargers.len() > 1 {
        chargers.iter().filter_map(|n| rig.for_unit(n, n)).collect()
    } else {
        vec![rig.clone()]
    };
    let mut answers = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let mut connected = match connect(part) {
            Ok(c) => c,
            Err(e) => {
                output::error(&e.to_string());
                print_reach(part, json);
                return ExitCode::Aborted;
            }
        };
        answers.extend(
            identify_all(&mut connected)
                .into_iter()
                .filter(|a| i == 0 || a.role == Role::Charger.name()),
        );
    }
    let order = |name: &str| rig.device_order.iter().position(|n| n == name);
    answers.sort_by_key(|a| order(&a.device));
    let all_ok = answers.iter().all(|a| a.identity.is_ok());
    if json {
        let doc: Vec<_> = answers
            .iter()
            .map(|a| {
                serde_json::json!({
                    "device": a.device,
                    "role": a.role,
                    "driver": a.driver,
                    "transport": a.transport,
                    "identity": a.identity.as_ref().ok(),
                    "error": a.identity.as_ref().err(),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "rig": rig.name, "devices": doc }))
                .unwrap_or_default()
        );
    } else {
        println!("rig `{}`", rig.name.bold());
        for a in &answers {
            match &a.identity {
                Ok(id) => println!(
                    "  {} {:<10} {:<18} {:<24} {} {} (serial {}, firmware {})",
                    "ok".green().bold(),
                    a.device,
                    a.role,
                    a.transport,
                    id.manufacturer,
                    id.model,
                    id.serial,
                    id.firmware
                ),
                Err(e) => println!(
                    "  {} {:<10} {:<18} {:<24} {}",
                    "no answer".red().bold(),
                    a.device,
                    a.role,
                    a.transport,
                    e
                ),
            }
        }
    }
    if all_ok {
        ExitCode::Pass
    } else {
        ExitCode::Aborted
    }
}

/// After a failed connect: every device of the rig tried on its own, so
/// that each dead one is named (a table, or JSON with `--json`).
fn print_reach(rig: &Rig, json: bool) {
    let reached = reach_each(rig);
    if reached.is_empty() {
        return;
    }
    let transport = |name: &str| {
        rig.devices
            .get(name)
            .map(|d| crate::rig::describe_transport(&d.transport))
            .unwrap_or_default()
    };
    if json {
        let doc: Vec<_> = reached
            .iter()
            .map(|(name, r)| {
                serde_json::json!({
                    "device": name,
                    "transport": transport(name),
                    "reachable": r.is_ok(),
                    "error": r.as_ref().err().map(ToString::to_string),
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "rig": rig.name, "devices": doc }))
                .unwrap_or_default()
        );
        return;
    }
    println!("each device on its own:");
    for (name, r) in &reached {
        match r {
            Ok(()) => println!(
                "  {} {:<10} {}",
                "reachable".green().bold(),
                name,
                transport(name)
            ),
            Err(e) => println!(
                "  {} {:<10} {:<24} {}",
                "unreachable".red().bold(),
                name,
                transport(name),
                e
            ),
        }
    }
}
