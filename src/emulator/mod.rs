//! Protocol servers over the plant: the emulated instruments speak the same
//! bytes as the real ones (SCPI text, SunSpec Modbus frames), so the drivers
//! that talk to them are the drivers that talk to hardware.

pub mod bootloader;
pub mod ccs_secc;
mod ccs_secc_din;
pub mod chademo_charger;
pub mod faults;
pub mod link;
pub mod ocpp;
pub mod rig;
pub mod scpi;
pub mod serve;
pub mod serve_v2g;
pub mod service;
pub mod site;
pub mod slcan_adapter;
pub mod sunspec;
pub mod v2g_pki;

use crate::plant::Plant;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub use link::{SimClock, SimLink};

/// The plant shared by every emulated instrument of one rig.
pub type SharedPlant = Arc<Mutex<Plant>>;

/// An emulated instrument: bytes in, bytes out, acting on the plant.
///
/// `receive` is called with whatever bytes reached the instrument (possibly a
/// partial frame, possibly several); it keeps its own framing state and
/// returns the bytes it sends back, in order. It never panics on any input.
pub trait Instrument: Send {
    fn receive(&mut self, bytes: &[u8], plant: &mut Plant) -> Vec<u8>;
    /// Time from the end of a request to the first byte of the reply.
    fn reply_latency(&self) -> Duration {
        Duration::from_micros(500)
    }
    /// An injected hardware failure (README "Faults", `link_errors`): while
    /// on, the instrument answers what it is asked with its protocol's
    /// error. Instruments without one ignore it.
    fn set_hardware_fault(&mut self, _on: bool) {}
}

/// Locks the plant even if a previous holder panicked: the plant's state is
/// plain numbers and stays usable.
pub fn lock_plant(plant: &SharedPlant) -> std::sync::MutexGuard<'_, Plant> {
    plant
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
