//! PCC waveform recorder on a Keysight InfiniiVision oscilloscope: CHAN1
//! PCC voltage, CHAN2 charger current, external trigger from S3's auxiliary
//! contact. Programmer's Guide flow: `:TRIG:EDGE:SOUR EXT`, timebase,
//! `:SING`, poll `:OPER:COND?` (bit 3 "Run" clears when the single
//! acquisition is done), then `:WAV:PRE?` + `:WAV:DATA?` per channel.

use super::session::{nrf, ScpiSession};
use crate::device::{Capture, DeviceError, Identity, WaveformRecorder};
use crate::protocol::scpi::response::{parse_number, split_list};
use std::time::Duration;

/// `:OPERegister:CONDition?` bit 3: the oscilloscope is running.
const OPER_RUN_BIT: u32 = 1 << 3;

/// `:WAVeform:PREamble?` fields (Programmer's Guide, ":WAVeform:PREamble").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Preamble {
    /// 0 BYTE, 1 WORD, 4 ASCii.
    pub format: u32,
    pub points: usize,
    pub x_increment_s: f64,
    pub x_origin_s: f64,
    pub x_reference: f64,
    pub y_increment: f64,
    pub y_origin: f64,
    pub y_reference: f64,
}

impl Preamble {
    pub fn parse(text: &str) -> Option<Preamble> {
        let f: Vec<f64> = split_list(text)
            .into_iter()
            .map(parse_number)
            .collect::<Option<_>>()?;
        let [format, _type, points, _count, xinc, xorg, xref, yinc, yorg, yref] = f.as_slice()
        else {
            return None;
        };
        (points.is_finite() && *points >= 0.0 && *xinc > 0.0).then_some(Preamble {
            format: *format as u32,
            points: *points as usize,
            x_increment_s: *xinc,
            x_origin_s: *xorg,
            x_reference: *xref,
            y_increment: *yinc,
            y_origin: *yorg,
            y_reference: *yref,
        })
    }

    /// Converts raw codes: value = (code − yref)·yinc + yorigin. `lsb_first`
    /// and `unsigned` are what `:WAV:BYT` and `:WAV:UNS` were set to.
    pub fn decode(&self, data: &[u8], lsb_first: bool, unsigned: bool) -> Option<Vec<f64>> {
        let scale = |code: f64| (code - self.y_reference) * self.y_increment + self.y_origin;
        match self.format {
            0 => Some(
                data.iter()
                    .map(|&b| {
                        scale(if unsigned {
                            f64::from(b)
                        } else {
                            f64::from(b as i8)
                        })
                    })
                    .collect(),
            ),
            1 => {
                if !data.len().is_multiple_of(2) {
                    return None;
                }
                Some(
                    data.chunks_exact(2)
                        .map(|c| {
                            let pair = [c.first().copied()?, c.get(1).copied()?];
                            let raw = if lsb_first {
                                u16::from_le_bytes(pair)
                            } else {
                                u16::from_be_bytes(pair)
                            };
                            let code = if unsigned {
                                f64::from(raw)
                            } else {
                                f64::from(raw as i16)
                            };
                            Some(scale(code))
                        })
                        .collect::<Option<Vec<f64>>>()?,
                )
            }
            4 => {
                let text = std::str::from_utf8(data).ok()?;
                if text.trim().is_empty() {
                    return Some(Vec::new());
                }
                split_list(text).into_iter().map(parse_number).collect()
            }
            _ => None,
        }
    }

    /// Index of the first sample at or after the trigger instant (time 0):
    /// sample i lies at (i − xreference)·xincrement + xorigin.
    pub fn trigger_index(&self) -> usize {
        // a millionth of a sample of slack absorbs float noise in xorigin
        let i = (-self.x_origin_s / self.x_increment_s + self.x_reference - 1e-6).ceil();
        if i.is_finite() && i > 0.0 {
            (i as usize).min(self.points)
        } else {
            0
        }
    }
}

pub struct ScpiWaveformRecorder {
    session: ScpiSession,
    armed: bool,
}

impl ScpiWaveformRecorder {
    pub fn new(session: ScpiSession) -> Self {
        ScpiWaveformRecorder {
            session,
            armed: false,
        }
    }

    fn channel(&mut self, chan: &str) -> Result<(Preamble, Vec<f64>), DeviceError> {
        self.session.command(&format!(":WAV:SOUR {chan}"))?;
        let text = self.session.query(":WAV:PRE?")?;
        let pre = Preamble::parse(&text)
            .ok_or_else(|| self.session.protocol_error(format!(":WAV:PRE?: {text:?}")))?;
        let data = self.session.query_block(":WAV:DATA?")?;
        let values = pre
            .decode(&data, true, false)
            .ok_or_else(|| self.session.protocol_error(":WAV:DATA?: bad sample data"))?;
        if values.len() != pre.points {
            return Err(self.session.protocol_error(format!(
                "{chan}: preamble says {} points, data holds {}",
                pre.points,
                values.len()
            )));
        }
        Ok((pre, values))
    }
}

impl WaveformRecorder for ScpiWaveformRecorder {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        self.session.identify()
    }

    fn arm(&mut self, pre: Duration, post: Duration) -> Result<(), DeviceError> {
        let (pre_s, post_s) = (pre.as_secs_f64(), post.as_secs_f64());
        let range = nrf(&self.session, "range", pre_s + post_s)?;
        // Reference at the centre; POS is trigger → reference, so the
        // window starts pre_s before the trigger.
        let position = nrf(&self.session, "position", (post_s - pre_s) / 2.0)?;
        for cmd in [
            ":TRIG:EDGE:SOUR EXT".to_string(),
            ":TIM:REF CENT".to_string(),
            format!(":TIM:RANG {range}"),
            format!(":TIM:POS {position}"),
            ":WAV:FORM WORD".to_string(),
            ":WAV:BYT LSBF".to_string(),
            ":WAV:UNS 0".to_string(),
            ":WAV:POIN:MODE RAW".to_string(),
            ":WAV:POIN MAX".to_string(),
            ":SING".to_string(),
        ] {
            self.session.command(&cmd)?;
        }
        self.armed = true;
        Ok(())
    }

    fn force_trigger(&mut self) -> Result<(), DeviceError> {
        self.session.command(":TRIG:FORC")
    }

    fn is_complete(&mut self) -> Result<bool, DeviceError> {
        if !self.armed {
            return Ok(false);
        }
        let cond = self.session.query_number(":OPER:COND?")?;
        Ok((cond as u32) & OPER_RUN_BIT == 0)
    }

    fn fetch(&mut self) -> Result<Capture, DeviceError> {
        let (pre_v, voltage_v) = self.channel("CHAN1")?;
        let (_, current_a) = self.channel("CHAN2")?;
        Ok(Capture {
            sample_rate_hz: 1.0 / pre_v.x_increment_s,
            trigger_index: pre_v.trigger_index(),
            voltage_v,
            current_a,
        })
    }
}
