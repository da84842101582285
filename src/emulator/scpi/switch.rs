//! Emulated switch unit (Keysight 34980A / 34970A `ROUTe` subsystem): one
//! channel is wired to S3; the others are plain relays kept in memory.

use super::core::ScpiDevice;
use crate::plant::Plant;
use crate::protocol::scpi::command::{none, single, Pattern};
use crate::protocol::scpi::dialect::{
    pattern, SwitchDialect, SWITCH_CLOSE, SWITCH_OPEN, SWITCH_OPEN_ALL,
};
use crate::protocol::scpi::message::{expand_channels, Param, ProgramUnit};
use crate::protocol::scpi::ErrorCode;
use std::collections::BTreeSet;

pub struct SwitchDevice {
    dialect: &'static SwitchDialect,
    s3_channel: u32,
    /// Closed channels other than S3.
    closed: BTreeSet<u32>,
}

impl SwitchDevice {
    pub fn new(dialect: &'static SwitchDialect, s3_channel: u32) -> Self {
        SwitchDevice {
            dialect,
            s3_channel,
            closed: BTreeSet::new(),
        }
    }

    /// The channels of the unit's list, all validated before anything acts.
    fn channels(&self, unit: &ProgramUnit) -> Result<Vec<u32>, ErrorCode> {
        let Param::Channels(list) = single(&unit.params)? else {
            return Err(ErrorCode::DATA_TYPE_ERROR);
        };
        let chans = expand_channels(list);
        if chans
            .iter()
            .any(|&c| self.dialect.split_channel(c).is_none())
        {
            return Err(ErrorCode::DATA_OUT_OF_RANGE);
        }
        Ok(chans)
    }

    fn is_closed(&self, ch: u32, plant: &Plant) -> bool {
        if ch == self.s3_channel {
            plant.s3_closed()
        } else {
            self.closed.contains(&ch)
        }
    }

    fn set(&mut self, ch: u32, close: bool, plant: &mut Plant) {
        if ch == self.s3_channel {
            if close {
                plant.close_s3();
            } else {
                plant.open_s3();
            }
        } else if close {
            self.closed.insert(ch);
        } else {
            self.closed.remove(&ch);
        }
    }
}

impl ScpiDevice for SwitchDevice {
    fn table(&self) -> Vec<Pattern> {
        [SWITCH_CLOSE, SWITCH_OPEN, SWITCH_OPEN_ALL]
            .iter()
            .map(|t| pattern(t))
            .collect()
    }

    fn execute(
        &mut self,
        index: usize,
        unit: &ProgramUnit,
        plant: &mut Plant,
        out: &mut Vec<u8>,
    ) -> Result<(), ErrorCode> {
        match index {
            0 | 1 => {
                let close = index == 0;
                let chans = self.channels(unit)?;
                if unit.header.is_query() {
                    // "1" where the state asked about holds, per channel.
                    let states: Vec<&str> = chans
                        .iter()
                        .map(|&c| {
                            if self.is_closed(c, plant) == close {
                                "1"
                            } else {
                                "0"
                            }
                        })
                        .collect();
                    out.extend(states.join(",").bytes());
                } else {
                    for c in chans {
                        self.set(c, close, plant);
                    }
                }
            }
            2 => {
                if unit.header.is_query() {
                    return Err(ErrorCode::UNDEFINED_HEADER);
                }
                // optional slot parameter is accepted and ignored: all open
                if unit.params.len() > 1 {
                    return Err(ErrorCode::PARAMETER_NOT_ALLOWED);
                }
                self.reset(plant);
            }
            _ => {
                none(&unit.params)?;
                return Err(ErrorCode::UNDEFINED_HEADER);
            }
        }
        Ok(())
    }

    /// `*RST`: all channels open (Keysight switch manuals), S3 included.
    fn reset(&mut self, plant: &mut Plant) {
        self.closed.clear();
        plant.open_s3();
    }
}
