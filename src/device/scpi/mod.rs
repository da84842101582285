//! SCPI drivers for the rig's grid simulator, island switch S3, RLC island
//! load and PCC waveform recorder, over any [`ByteLink`] (serial, raw TCP
//! port 5025, or the emulated link).

pub mod grid;
pub mod home_load;
pub mod load;
pub mod recorder;
pub mod session;
pub mod switch;

use crate::device::{
    DeviceError, GridSimulator, HomeLoad, IslandLoad, IslandSwitch, WaveformRecorder,
};
use crate::protocol::scpi::dialect::{
    grid_dialect, switch_dialect, HOME_LOAD_DRIVERS_LIST, LOAD_DRIVERS_LIST, RECORDER_DRIVERS_LIST,
};
use crate::transport::ByteLink;

pub use session::ScpiSession;

/// Valid `driver:` names per role, for the rig validator. Kept equal to the
/// dialect tables (a test checks).
pub const GRID_DRIVERS: &[&str] = &["ametek-asterion", "keysight-ac6900", "chroma-61800"];
pub const SWITCH_DRIVERS: &[&str] = &["keysight-34980a", "keysight-34970a"];
pub const LOAD_DRIVERS: &[&str] = LOAD_DRIVERS_LIST;
pub const RECORDER_DRIVERS: &[&str] = RECORDER_DRIVERS_LIST;
pub const HOME_LOAD_DRIVERS: &[&str] = HOME_LOAD_DRIVERS_LIST;

fn unknown(name: &str, driver: &str, valid: &[&str]) -> DeviceError {
    DeviceError::Unsupported {
        device: name.to_string(),
        detail: format!("unknown driver '{driver}'; valid: {}", valid.join(", ")),
    }
}

pub fn grid_simulator(
    driver: &str,
    link: Box<dyn ByteLink>,
    name: &str,
) -> Result<Box<dyn GridSimulator>, DeviceError> {
    let dialect = grid_dialect(driver).ok_or_else(|| unknown(name, driver, GRID_DRIVERS))?;
    Ok(Box::new(grid::ScpiGridSimulator::new(
        ScpiSession::new(link, name),
        dialect,
    )))
}

/// `channel`: the switch channel wired to S3, e.g. "1001".
pub fn island_switch(
    driver: &str,
    link: Box<dyn ByteLink>,
    name: &str,
    channel: &str,
) -> Result<Box<dyn IslandSwitch>, DeviceError> {
    let dialect = switch_dialect(driver).ok_or_else(|| unknown(name, driver, SWITCH_DRIVERS))?;
    Ok(Box::new(switch::ScpiIslandSwitch::new(
        ScpiSession::new(link, name),
        dialect,
        channel,
    )?))
}

pub fn island_load(
    driver: &str,
    link: Box<dyn ByteLink>,
    name: &str,
) -> Result<Box<dyn IslandLoad>, DeviceError> {
    if !LOAD_DRIVERS.contains(&driver) {
        return Err(unknown(name, driver, LOAD_DRIVERS));
    }
    Ok(Box::new(load::ScpiIslandLoad::new(ScpiSession::new(
        link, name,
    ))))
}

/// The V2H home load on the home bus (`chroma-63800`).
pub fn home_load(
    driver: &str,
    link: Box<dyn ByteLink>,
    name: &str,
) -> Result<Box<dyn HomeLoad>, DeviceError> {
    if !HOME_LOAD_DRIVERS.contains(&driver) {
        return Err(unknown(name, driver, HOME_LOAD_DRIVERS));
    }
    Ok(Box::new(home_load::ScpiHomeLoad::new(ScpiSession::new(
        link, name,
    ))))
}

pub fn waveform_recorder(
    driver: &str,
    link: Box<dyn ByteLink>,
    name: &str,
) -> Result<Box<dyn WaveformRecorder>, DeviceError> {
    if !RECORDER_DRIVERS.contains(&driver) {
        return Err(unknown(name, driver, RECORDER_DRIVERS));
    }
    Ok(Box::new(recorder::ScpiWaveformRecorder::new(
        ScpiSession::new(link, name),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::scpi::dialect::{GRID_DIALECTS, SWITCH_DIALECTS};

    #[test]
    fn driver_lists_match_dialect_tables() {
        let grid: Vec<&str> = GRID_DIALECTS.iter().map(|d| d.driver).collect();
        assert_eq!(grid, GRID_DRIVERS);
        let sw: Vec<&str> = SWITCH_DIALECTS.iter().map(|d| d.driver).collect();
        assert_eq!(sw, SWITCH_DRIVERS);
    }

    #[test]
    fn preamble_parse_and_trigger_index() {
        let p = recorder::Preamble::parse(
            "+1,+0,+1000,+1,+1.00000000E-04,-5.00000000E-02,+0,+2.00000000E-02,+0.0E+00,+0",
        )
        .unwrap();
        assert_eq!(p.points, 1000);
        assert_eq!(p.trigger_index(), 500);
        assert_eq!(
            p.decode(&[0x10, 0x27, 0xF0, 0xD8], true, false),
            Some(vec![200.0, -200.0])
        );
        assert_eq!(p.decode(&[0x27, 0x10], false, false), Some(vec![200.0]));
        assert_eq!(p.decode(&[0x27], false, false), None);
        assert!(recorder::Preamble::parse("1,2,3").is_none());
        // trigger between two samples: the first one after it
        let half = recorder::Preamble {
            x_origin_s: -0.05005,
            ..p
        };
        assert_eq!(half.trigger_index(), 501);
        let late = recorder::Preamble {
            x_origin_s: 0.01,
            ..p
        };
        assert_eq!(late.trigger_index(), 0);
    }
}
