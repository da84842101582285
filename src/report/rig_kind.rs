//! Whether a run was on an emulated rig, from what its journal records,
//! never from a guess: every record names its clock (`simulated` exists
//! only on an emulated rig, DESIGN.md "Time"), and the `equipment` record
//! names each device's transport (`emulated LAN`, `emulated CAN @ …`).
//! Any sign of emulation makes the run emulated: a report that is partly
//! emulated is not a field record either.

use super::model::{Equipment, RigKind};
use crate::evidence::journal::Record;

pub fn rig_kind(records: &[Record], equipment: &[Equipment]) -> RigKind {
    if records.is_empty() {
        return RigKind::Unknown;
    }
    let simulated = records.iter().any(|r| r.clock != "wall")
        || records
            .iter()
            .filter_map(|r| r.data.get("clock").and_then(|c| c.as_str()))
            .any(|c| c == "simulated");
    let emulated_device = equipment
        .iter()
        .any(|e| e.transport.trim_start().starts_with("emulated"));
    if simulated || emulated_device {
        RigKind::Emulated
    } else {
        RigKind::Hardware
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(clock: &str, data: serde_json::Value) -> Record {
        Record {
            seq: 0,
            prev: String::new(),
            t_s: 0.0,
            clock: clock.into(),
            kind: "run_started".into(),
            data,
        }
    }

    fn device(transport: &str) -> Equipment {
        Equipment {
            name: "charger".into(),
            role: "charger".into(),
            driver: "sunspec".into(),
            transport: transport.into(),
            identity: None,
            error: None,
        }
    }

    #[test]
    fn the_journal_decides() {
        assert_eq!(rig_kind(&[], &[]), RigKind::Unknown);
        let wall = [record("wall", json!({"clock": "wall"}))];
        assert_eq!(
            rig_kind(&wall, &[device("serial /dev/ttyUSB1 @ 115200")]),
            RigKind::Hardware
        );
        assert_eq!(
            rig_kind(&[record("simulated", json!({}))], &[]),
            RigKind::Emulated
        );
        // A wall-clock journal that lists an emulated device is not a field record.
        assert_eq!(
            rig_kind(&wall, &[device("emulated LAN")]),
            RigKind::Emulated
        );
    }
}
