//! The plan runner: steps, assertions, safety interlocks, safe state, clock.

pub mod analysis;
mod backup;
mod balance;
pub mod clock;
mod expect;
mod expect_abort;
pub mod faults;
pub mod firmware;
mod firmware_gate;
mod gate_result;
mod island;
mod lost;
mod meter_check;
mod ocpp;
pub mod operator;
pub mod results;
pub mod rig;
pub mod runner;
pub mod safe_state;
mod setpoints;
pub mod settings;
mod site_steps;
mod trip;

pub use results::{RunResult, Verdict};
pub use runner::{RunEvent, Runner};
