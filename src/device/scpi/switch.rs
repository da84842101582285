//! Island switch S3 on a Keysight 34980A/34970A channel
//! (`ROUT:OPEN (@1001)`, `ROUT:CLOS (@1001)`, `ROUT:CLOS? (@1001)`).

use super::session::ScpiSession;
use crate::device::{DeviceError, Identity, IslandSwitch};
use crate::protocol::scpi::dialect::{
    render, SwitchDialect, SWITCH_CLOSE, SWITCH_CLOSE_QUERY, SWITCH_OPEN,
};

pub struct ScpiIslandSwitch {
    session: ScpiSession,
    /// `(@1001)`
    list: String,
}

impl ScpiIslandSwitch {
    pub fn new(
        session: ScpiSession,
        dialect: &'static SwitchDialect,
        channel: &str,
    ) -> Result<Self, DeviceError> {
        let valid = channel
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|c| dialect.split_channel(*c).is_some());
        let Some(ch) = valid else {
            return Err(DeviceError::Unsupported {
                device: session.name().to_string(),
                detail: format!(
                    "channel '{channel}' is not a {} channel (slot 1-{} then {} digits)",
                    dialect.driver, dialect.max_slot, dialect.channel_digits
                ),
            });
        };
        Ok(ScpiIslandSwitch {
            session,
            list: format!("(@{ch})"),
        })
    }
}

impl IslandSwitch for ScpiIslandSwitch {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        self.session.identify()
    }

    fn open(&mut self) -> Result<(), DeviceError> {
        self.session.command(&render(SWITCH_OPEN, &self.list))
    }

    fn close(&mut self) -> Result<(), DeviceError> {
        self.session.command(&render(SWITCH_CLOSE, &self.list))
    }

    fn is_closed(&mut self) -> Result<bool, DeviceError> {
        self.session
            .query_bool(&render(SWITCH_CLOSE_QUERY, &self.list))
    }
}
