//! v2x-hil: hardware-in-the-loop test harness and commissioning tool for
//! bidirectional (V2G / V2H) EV chargers.
//!
//! Layers, top to bottom (arrows only point down): `cli` → `rig` (connects a
//! rig file's devices, real or emulated) → `exec` → `device` → `protocol` →
//! `transport`; `emulator` serves the protocols over `plant`.

pub mod cli;
pub mod der;
pub mod device;
pub mod emulator;
pub mod evidence;
pub mod exec;
pub mod firmware;
pub mod fleet;
pub mod input;
pub mod model;
pub mod plant;
pub mod protocol;
pub mod report;
pub mod rig;
pub mod transport;
