//! Grid-simulator driver for the families in
//! [`GRID_DIALECTS`](crate::protocol::scpi::dialect::GRID_DIALECTS).

use super::session::{nrf, ScpiSession};
use crate::device::{AcReading, DeviceError, GridSimulator, Identity};
use crate::protocol::scpi::dialect::{render, GridDialect};

pub struct ScpiGridSimulator {
    session: ScpiSession,
    dialect: &'static GridDialect,
}

impl ScpiGridSimulator {
    pub fn new(session: ScpiSession, dialect: &'static GridDialect) -> Self {
        ScpiGridSimulator { session, dialect }
    }
}

impl GridSimulator for ScpiGridSimulator {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        self.session.identify()
    }

    fn reset(&mut self) -> Result<(), DeviceError> {
        self.session.command(&render(self.dialect.reset, ""))?;
        self.session.sync()
    }

    fn set_voltage_v(&mut self, voltage_v: f64) -> Result<(), DeviceError> {
        let v = nrf(&self.session, "voltage_v", voltage_v)?;
        self.session.command(&render(self.dialect.set_voltage, &v))
    }

    fn set_frequency_hz(&mut self, frequency_hz: f64) -> Result<(), DeviceError> {
        let f = nrf(&self.session, "frequency_hz", frequency_hz)?;
        self.session
            .command(&render(self.dialect.set_frequency, &f))
    }

    fn set_output(&mut self, on: bool) -> Result<(), DeviceError> {
        // ON/OFF: Chroma accepts only these forms of boolean.
        let state = if on { "ON" } else { "OFF" };
        self.session.command(&render(self.dialect.output, state))
    }

    fn measure(&mut self) -> Result<AcReading, DeviceError> {
        let d = self.dialect;
        let mut q = |t: &str| self.session.query_number(&render(t, ""));
        Ok(AcReading {
            voltage_v: q(d.measure_voltage)?,
            current_a: q(d.measure_current)?,
            frequency_hz: q(d.measure_frequency)?,
            power_w: q(d.measure_power)?,
            reactive_var: q(d.measure_reactive)?,
        })
    }
}
