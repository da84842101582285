//! Fault injection wired into an emulated rig as it is connected: a fault
//! handle on every instrument's link, a hang switch on the EV simulator's
//! CAN node, a fault hook on each emulated bus, the evidence disk, and the
//! journal's `fault` records; then the injector the runner receives.

use super::ConnectOptions;
use crate::emulator::faults::can::{install, seed_of, HungNode};
use crate::emulator::faults::{BusTarget, FaultNote, FaultTargets, Injector, LinkFault};
use crate::emulator::rig::EmulatedRig;
use crate::evidence::record::kind;
use crate::exec::faults::FaultInjector;
use crate::model::fault::{DIAGNOSTIC_BUS, VEHICLE_BUS};
use crate::model::{Rig, Role};
use crate::transport::can::CanBus;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// The handles the links and the EV's node are built with, and the
/// injector over them: started before any device is connected, so a rig
/// fault at `at_s: 0` is there from the first byte.
pub(super) struct Wiring {
    links: BTreeMap<String, LinkFault>,
    ev_hung: Arc<AtomicBool>,
    injector: Box<dyn FaultInjector>,
}

impl Wiring {
    pub(super) fn new(rig: &Rig, emulation: &EmulatedRig, options: &ConnectOptions) -> Self {
        let name_of = |role| rig.device_by_role(role).map(|(n, _)| n.to_string());
        let links: BTreeMap<String, LinkFault> = rig
            .devices_in_order()
            .filter(|(_, d)| d.role != Role::EvSimulator)
            .map(|(n, _)| (n.to_string(), LinkFault::default()))
            .collect();
        let ev_hung = Arc::new(AtomicBool::new(false));
        let mut buses = BTreeMap::new();
        let bus_devices = [
            (VEHICLE_BUS, emulation.can_bus(), name_of(Role::EvSimulator)),
            (
                DIAGNOSTIC_BUS,
                emulation.firmware_bus(),
                name_of(Role::Charger),
            ),
        ];
        for (bus_name, bus, device) in bus_devices {
            if let Some(bus) = bus {
                // Seeded from the rig and the bus: the same run draws the same frames.
                let rates = install(&bus, seed_of(&format!("{}/{bus_name}", rig.name)));
                let devices = device.into_iter().collect();
                buses.insert(bus_name.to_string(), BusTarget { rates, devices });
            }
        }
        let evidence = options.evidence.clone();
        let disk = evidence.clone().map(|e| {
            Arc::new(move |full: bool| e.set_disk_full(full)) as crate::emulator::faults::DiskSwitch
        });
        let log = evidence.map(|e| {
            Arc::new(move |n: &FaultNote| {
                e.record(
                    kind::FAULT,
                    serde_json::json!({ "action": n.action, "fault": n.fault, "by": n.by }),
                )
            }) as crate::emulator::faults::FaultLog
        });
        let targets = FaultTargets {
            links: links.clone(),
            ev: name_of(Role::EvSimulator).map(|n| (n, ev_hung.clone())),
            grid: name_of(Role::GridSimulator),
            buses,
            disk,
            log,
        };
        let injector = Injector::start(emulation.plant.clone(), targets, &rig.faults);
        Wiring {
            links,
            ev_hung,
            injector: Box::new(injector),
        }
    }

    /// The fault handle for an instrument's link.
    pub(super) fn link(&self, device: &str) -> Option<LinkFault> {
        self.links.get(device).cloned()
    }

    /// The EV simulator's node, able to hang.
    pub(super) fn ev_node(&self, bus: Box<dyn CanBus>) -> Box<dyn CanBus> {
        Box::new(HungNode::new(bus, self.ev_hung.clone()))
    }

    pub(super) fn into_injector(self) -> Box<dyn FaultInjector> {
        self.injector
    }
}
