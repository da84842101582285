//! Emulated SCPI instruments over the plant: grid simulator, island switch
//! S3, RLC island load and the PCC waveform recorder. Each speaks the same
//! bytes as the real instrument family, so the drivers in
//! `device::scpi` talk to these exactly as they talk to hardware.

pub mod core;
pub mod grid;
pub mod home_load;
pub mod load;
pub mod recorder;
pub mod switch;

use crate::device::Identity;
use crate::emulator::Instrument;
use crate::protocol::scpi::dialect::{
    grid_dialect, switch_dialect, HOME_LOAD_DRIVERS_LIST, LOAD_DRIVERS_LIST, RECORDER_DRIVERS_LIST,
};
use thiserror::Error;

pub use self::core::{ScpiDevice, ScpiInstrument, ERROR_QUEUE_LEN};

/// The instrument's ratings from the rig: settings beyond them are refused
/// with -222 "Data out of range" and do not act.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScpiRatings {
    /// Grid simulator: highest settable RMS voltage.
    pub voltage_max_v: f64,
    pub frequency_min_hz: f64,
    pub frequency_max_hz: f64,
    /// RLC load: largest real power P.
    pub power_max_w: f64,
    /// RLC load: largest QL and QC each.
    pub reactive_max_var: f64,
    /// Switch: the channel wired to S3 (`1001` on a 34980A).
    pub s3_channel: u32,
}

impl Default for ScpiRatings {
    fn default() -> Self {
        ScpiRatings {
            voltage_max_v: 300.0,
            frequency_min_hz: 40.0,
            frequency_max_hz: 70.0,
            power_max_w: crate::model::EMULATED_LOAD_POWER_W,
            reactive_max_var: crate::model::EMULATED_LOAD_REACTIVE_VAR,
            s3_channel: 1001,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("no emulated SCPI instrument for driver '{0}'")]
pub struct UnknownDriver(pub String);

/// Builds the emulated instrument for a rig's driver name (one of
/// `device::scpi::{GRID,SWITCH,LOAD,HOME_LOAD,RECORDER}_DRIVERS`).
pub fn emulated_instrument(
    driver: &str,
    identity: Identity,
    ratings: ScpiRatings,
) -> Result<Box<dyn Instrument>, UnknownDriver> {
    if let Some(d) = grid_dialect(driver) {
        return Ok(Box::new(ScpiInstrument::new(
            grid::GridDevice::new(d, ratings),
            identity,
        )));
    }
    if let Some(d) = switch_dialect(driver) {
        return Ok(Box::new(ScpiInstrument::new(
            switch::SwitchDevice::new(d, ratings.s3_channel),
            identity,
        )));
    }
    if LOAD_DRIVERS_LIST.contains(&driver) {
        return Ok(Box::new(ScpiInstrument::new(
            load::LoadDevice::new(ratings),
            identity,
        )));
    }
    if HOME_LOAD_DRIVERS_LIST.contains(&driver) {
        return Ok(Box::new(ScpiInstrument::new(
            home_load::HomeLoadDevice::new(ratings),
            identity,
        )));
    }
    if RECORDER_DRIVERS_LIST.contains(&driver) {
        return Ok(Box::new(ScpiInstrument::new(
            recorder::RecorderDevice::new(),
            identity,
        )));
    }
    Err(UnknownDriver(driver.to_string()))
}
