//! RLC island-load driver (dialect documented at
//! [`LOAD_DRIVERS_LIST`](crate::protocol::scpi::dialect::LOAD_DRIVERS_LIST)).

use super::session::{nrf, ScpiSession};
use crate::device::{AcReading, DeviceError, Identity, IslandLoad, RlcSetting};
use crate::protocol::scpi::dialect::*;

pub struct ScpiIslandLoad {
    session: ScpiSession,
}

impl ScpiIslandLoad {
    pub fn new(session: ScpiSession) -> Self {
        ScpiIslandLoad { session }
    }
}

impl IslandLoad for ScpiIslandLoad {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        self.session.identify()
    }

    fn set_load(&mut self, setting: RlcSetting) -> Result<(), DeviceError> {
        // All three in one command so the island never sees a half-tuned load.
        let p = nrf(&self.session, "p_w", setting.p_w)?;
        let ql = nrf(&self.session, "ql_var", setting.ql_var)?;
        let qc = nrf(&self.session, "qc_var", setting.qc_var)?;
        self.session
            .command(&render(LOAD_SET_ALL, &format!("{p},{ql},{qc}")))
    }

    fn set_input(&mut self, on: bool) -> Result<(), DeviceError> {
        self.session
            .command(&render(LOAD_INPUT, if on { "ON" } else { "OFF" }))
    }

    fn measure(&mut self) -> Result<AcReading, DeviceError> {
        let mut q = |t: &str| self.session.query_number(&render(t, ""));
        Ok(AcReading {
            voltage_v: q(LOAD_MEAS_VOLTAGE)?,
            current_a: q(LOAD_MEAS_CURRENT)?,
            frequency_hz: q(LOAD_MEAS_FREQUENCY)?,
            power_w: q(LOAD_MEAS_POWER)?,
            reactive_var: q(LOAD_MEAS_REACTIVE)?,
        })
    }
}
