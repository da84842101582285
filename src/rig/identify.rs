//! What each connected device answers to identification (`*IDN?`, SunSpec
//! model 1), for `rig check` and the run's equipment record.

use super::Connection;
use crate::device::{DeviceError, Identity};
use crate::model::Role;

/// What one device answered to identification.
pub struct DeviceAnswer {
    pub device: String,
    pub role: String,
    pub driver: String,
    pub transport: String,
    pub identity: Result<Identity, String>,
}

pub fn identify_all(c: &mut Connection) -> Vec<DeviceAnswer> {
    let infos = c.devices.clone();
    let d = &mut c.rig.devices;
    infos
        .into_iter()
        .map(|info| {
            let identity = match info.role {
                Role::GridSimulator => match d.grid.as_mut() {
                    Some(g) => g.identify(),
                    None => continue_missing(),
                },
                Role::IslandSwitch => match d.island_switch.as_mut() {
                    Some(s) => s.identify(),
                    None => continue_missing(),
                },
                Role::IslandLoad => match d.load.as_mut() {
                    Some(l) => l.identify(),
                    None => continue_missing(),
                },
                Role::WaveformRecorder => match d.recorder.as_mut() {
                    Some(r) => r.identify(),
                    None => continue_missing(),
                },
                Role::Charger => d.charger.identify(),
                Role::EvSimulator => match d.ev.as_mut() {
                    Some(e) => e.identify(),
                    None => continue_missing(),
                },
                Role::HomeLoad => match d.home_load.as_mut() {
                    Some(h) => h.identify(),
                    None => continue_missing(),
                },
                Role::SiteMeter => match d.site_meter.as_mut() {
                    Some(m) => m.identify(),
                    None => continue_missing(),
                },
                // The charger that connected to it, as its boot described it.
                Role::Csms => match d.csms.as_mut() {
                    Some(c) => c.identify(),
                    None => continue_missing(),
                },
            };
            DeviceAnswer {
                device: info.name,
                role: info.role.name().to_string(),
                driver: info.driver,
                transport: info.transport,
                identity: identity.map_err(|e| e.detail()),
            }
        })
        .collect()
}

fn continue_missing() -> Result<Identity, DeviceError> {
    Err(DeviceError::Unsupported {
        device: "rig".into(),
        detail: "device declared but not connected".into(),
    })
}
