//! Emulated Keysight InfiniiVision oscilloscope recording the PCC: CHAN1 is
//! the PCC voltage, CHAN2 the charger current, EXT the S3 auxiliary contact.
//!
//! Commands (InfiniiVision 2000/3000/4000 X-Series Programmer's Guides):
//! `:SINGle`, `:STOP`, `:TER?`, `:OPERegister:CONDition?` (bit 3 Run, bit 5
//! Wait Trig), `:TIMebase:RANGe|SCALe|POSition|REFerence`,
//! `:TRIGger[:EDGE]:SOURce|SLOPe`, `:TRIGger:FORCe`, `:WAVeform:SOURce|FORMat|BYTeorder|
//! UNSigned|POINts|POINts:MODE|PREamble?|DATA?`.
//!
//! The capture window follows the scope's timebase: the screen spans
//! `range` seconds, the reference point sits at 10 %/50 %/90 % of it
//! (LEFT/CENTer/RIGHt: one division in from the edge, or the centre), and
//! `:TIM:POS` is the time from the trigger to the reference point. So the
//! window is `[T + pos − ref·range, T + pos + (1 − ref)·range]`; it must
//! contain the trigger (else -222). The capture is complete once the plant
//! time has passed its end. Data queries before that push -230.

use super::core::ScpiDevice;
use crate::plant::{PccSample, Plant};
use crate::protocol::scpi::command::{boolean, none, numeric, single, Pattern};
use crate::protocol::scpi::message::{Param, ProgramUnit};
use crate::protocol::scpi::response::{encode_block, format_nr3};
use crate::protocol::scpi::ErrorCode;
use std::time::Duration;

/// Acquisition rate target; the plant's step rate is decimated to it.
pub const TARGET_SAMPLE_RATE_HZ: f64 = 10_000.0;
/// The plant keeps at least 10 s of history.
pub const MAX_RANGE_S: f64 = 10.0;
/// Vertical scales for WORD: ±655 V at 20 mV, ±131 A at 4 mA per LSB —
/// ±500 V / ±100 A fit with margin.
pub const WORD_Y_INCREMENT: [f64; 2] = [0.02, 0.004];
/// BYTE: ±635 V at 5 V, ±127 A at 1 A per LSB.
pub const BYTE_Y_INCREMENT: [f64; 2] = [5.0, 1.0];

#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Byte,
    Word,
    Ascii,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum State {
    Stopped,
    Armed { since: Duration },
    Triggered { at: Duration },
    Complete { at: Duration },
}

pub struct RecorderDevice {
    range_s: f64,
    position_s: f64,
    reference: f64,
    trigger_ext: bool,
    source: usize,
    format: Format,
    lsb_first: bool,
    unsigned: bool,
    points: Option<usize>,
    state: State,
    ter: bool,
    /// Window fixed at `:SING`: seconds before and after the trigger.
    window: (f64, f64),
}

const TABLE: [&str; 17] = [
    "SINGle",
    "STOP",
    "TER?",
    "OPERegister:CONDition?",
    "TIMebase:RANGe",
    "TIMebase:SCALe",
    "TIMebase:POSition",
    "TIMebase:REFerence",
    "TRIGger[:EDGE]:SOURce",
    "TRIGger[:EDGE]:SLOPe",
    "WAVeform:SOURce",
    "WAVeform:FORMat",
    "WAVeform:BYTeorder",
    "WAVeform:UNSigned",
    "WAVeform:POINts",
    "WAVeform:PREamble?",
    "WAVeform:DATA?",
];
const POINTS_MODE: &str = "WAVeform:POINts:MODE";
/// "Causes an acquisition to be captured even though the trigger condition
/// has not been met" (InfiniiVision 3000 X-Series Programmer's Guide,
/// :TRIGger:FORCe): the trigger instant of a test whose event has no
/// contact to wire to EXT, such as a grid simulator's step.
const FORCE: &str = "TRIGger:FORCe";

impl Default for RecorderDevice {
    fn default() -> Self {
        Self::new()
    }
}

impl RecorderDevice {
    /// `*RST` state: 100 µs/div (1 ms range), centred, CHAN1, BYTE, MSB first.
    pub fn new() -> Self {
        RecorderDevice {
            range_s: 1e-3,
            position_s: 0.0,
            reference: 0.5,
            trigger_ext: false,
            source: 0,
            format: Format::Byte,
            lsb_first: false,
            unsigned: false,
            points: None,
            state: State::Stopped,
            ter: false,
            window: (0.5e-3, 0.5e-3),
        }
    }

    fn pre_post(&self) -> (f64, f64) {
        let pre = self.reference * self.range_s - self.position_s;
        (pre, self.range_s - pre)
    }

    fn decimation(plant: &Plant) -> usize {
        let d = (plant.config().step_rate_hz / TARGET_SAMPLE_RATE_HZ).round();
        if d.is_finite() && d >= 1.0 {
            d as usize
        } else {
            1
        }
    }

    /// The captured samples, thinned to `:WAV:POIN`, and their spacing.
    fn capture(&self, plant: &Plant) -> Result<(Vec<PccSample>, f64, Duration), ErrorCode> {
        let State::Complete { at } = self.state else {
            return Err(ErrorCode::DATA_STALE);
        };
        let dec = Self::decimation(plant);
        let dt = dec as f64 / plant.config().step_rate_hz;
        let (pre, post) = self.window;
        // Window edges snapped to whole sample intervals, in nanoseconds,
        // so float noise in the timebase cannot shift the first sample.
        let dt_ns = (dt * 1e9).round().max(1.0) as u64;
        let n_pre = (pre / dt).round().max(0.0) as u64;
        let n_post = (post / dt).round().max(0.0) as u64;
        let from = at.saturating_sub(Duration::from_nanos(n_pre.saturating_mul(dt_ns)));
        let to = at + Duration::from_nanos(n_post.saturating_mul(dt_ns));
        let n = usize::try_from(n_pre + n_post).unwrap_or(usize::MAX);
        let (samples, k) = thin(plant.history(from, to, dec), n, self.points);
        Ok((samples, dt * k as f64, at))
    }

    fn y_increment(&self) -> f64 {
        let table = if self.format == Format::Byte {
            BYTE_Y_INCREMENT
        } else {
            WORD_Y_INCREMENT
        };
        table.get(self.source).copied().unwrap_or(1.0)
    }

    fn y_reference(&self) -> i64 {
        match (self.format, self.unsigned) {
            (Format::Word, true) => 32768,
            (Format::Byte, true) => 128,
            _ => 0,
        }
    }

    fn value(&self, s: &PccSample) -> f64 {
        if self.source == 0 {
            s.v_pcc_v
        } else {
            s.i_inverter_a
        }
    }

    fn preamble(&self, plant: &Plant) -> Result<String, ErrorCode> {
        let (samples, xinc, at) = self.capture(plant)?;
        let xorigin = samples
            .first()
            .map_or(-self.window.0, |s| s.t.as_secs_f64() - at.as_secs_f64());
        let format = match self.format {
            Format::Byte => 0,
            Format::Word => 1,
            Format::Ascii => 4,
        };
        // format, type (0 normal), points, count, xincrement, xorigin,
        // xreference, yincrement, yorigin, yreference
        Ok(format!(
            "{format},0,{},1,{},{},0,{},{},{}",
            samples.len(),
            format_nr3(xinc),
            format_nr3(xorigin),
            format_nr3(self.y_increment()),
            format_nr3(0.0),
            self.y_reference()
        ))
    }

    fn data(&self, plant: &Plant) -> Result<Vec<u8>, ErrorCode> {
        let (samples, _, _) = self.capture(plant)?;
        Ok(encode_block(&self.encode(&samples)))
    }

    /// Sample codes in the current `:WAV:FORM`, `:WAV:BYT` and `:WAV:UNS`.
    fn encode(&self, samples: &[PccSample]) -> Vec<u8> {
        let yinc = self.y_increment();
        let yref = self.y_reference() as f64;
        let mut body = Vec::new();
        for (i, s) in samples.iter().enumerate() {
            let v = self.value(s);
            match self.format {
                Format::Ascii => {
                    if i > 0 {
                        body.push(b',');
                    }
                    body.extend(format_nr3(v).bytes());
                }
                Format::Word => {
                    let (lo, hi) = if self.unsigned {
                        (0.0, 65535.0)
                    } else {
                        (-32768.0, 32767.0)
                    };
                    let code = (v / yinc + yref).round().clamp(lo, hi) as i64;
                    let bytes = (code as u16).to_be_bytes();
                    if self.lsb_first {
                        body.extend(bytes.iter().rev());
                    } else {
                        body.extend(bytes);
                    }
                }
                Format::Byte => {
                    let (lo, hi) = if self.unsigned {
                        (0.0, 255.0)
                    } else {
                        (-128.0, 127.0)
                    };
                    let code = (v / yinc + yref).round().clamp(lo, hi) as i64;
                    body.push(code as u8);
                }
            }
        }
        body
    }

    fn set_timebase(
        &mut self,
        range_s: f64,
        position_s: f64,
        reference: f64,
    ) -> Result<(), ErrorCode> {
        let ok_range = range_s.is_finite() && range_s > 0.0 && range_s <= MAX_RANGE_S;
        let pre = reference * range_s - position_s;
        if !ok_range || !(0.0..=range_s).contains(&pre) {
            return Err(ErrorCode::DATA_OUT_OF_RANGE);
        }
        (self.range_s, self.position_s, self.reference) = (range_s, position_s, reference);
        Ok(())
    }
}

/// Keeps the first `n` samples of the window (the capture's length at
/// the acquisition rate), then every `k`th so at most `points` remain.
fn thin(mut samples: Vec<PccSample>, n: usize, points: Option<usize>) -> (Vec<PccSample>, usize) {
    samples.truncate(n);
    let k = match points {
        Some(p) if p > 0 && p < samples.len() => samples.len().div_ceil(p),
        _ => 1,
    };
    (samples.into_iter().step_by(k).collect(), k)
}

fn char_param(unit: &ProgramUnit) -> Result<&str, ErrorCode> {
    match single(&unit.params)? {
        Param::Char(c) => Ok(c.as_str()),
        _ => Err(ErrorCode::DATA_TYPE_ERROR),
    }
}

fn query_text(out: &mut Vec<u8>, unit: &ProgramUnit, text: &str) -> Result<(), ErrorCode> {
    none(&unit.params)?;
    out.extend(text.bytes());
    Ok(())
}

impl ScpiDevice for RecorderDevice {
    fn table(&self) -> Vec<Pattern> {
        let mut t: Vec<Pattern> = TABLE.iter().map(|p| Pattern::parse(p)).collect();
        t.push(Pattern::parse(POINTS_MODE));
        t.push(Pattern::parse(FORCE));
        t
    }

    fn poll(&mut self, plant: &mut Plant) {
        if let State::Armed { since } = self.state {
            if self.trigger_ext {
                let first = plant
                    .island_events()
                    .iter()
                    .map(|e| e.s3_opened_at)
                    .find(|t| *t >= since);
                if let Some(at) = first {
                    self.state = State::Triggered { at };
                    self.ter = true;
                }
            }
        }
        if let State::Triggered { at } = self.state {
            if plant.now() >= at + Duration::from_secs_f64(self.window.1.max(0.0)) {
                self.state = State::Complete { at };
            }
        }
    }

    fn execute(
        &mut self,
        index: usize,
        unit: &ProgramUnit,
        plant: &mut Plant,
        out: &mut Vec<u8>,
    ) -> Result<(), ErrorCode> {
        let q = unit.header.is_query();
        match (index, q) {
            (0, false) => {
                none(&unit.params)?;
                self.window = self.pre_post();
                self.state = State::Armed { since: plant.now() };
                self.ter = false;
                self.poll(plant);
            }
            (1, false) => {
                none(&unit.params)?;
                if !matches!(self.state, State::Complete { .. }) {
                    self.state = State::Stopped;
                }
            }
            (2, true) => {
                query_text(out, unit, if self.ter { "+1" } else { "+0" })?;
                self.ter = false;
            }
            (3, true) => {
                let run = matches!(self.state, State::Armed { .. } | State::Triggered { .. });
                let wait = matches!(self.state, State::Armed { .. });
                let v = (u8::from(run) << 3) | (u8::from(wait) << 5);
                query_text(out, unit, &format!("+{v}"))?;
            }
            (4..=6, true) => {
                let v = match index {
                    4 => self.range_s,
                    5 => self.range_s / 10.0,
                    _ => self.position_s,
                };
                query_text(out, unit, &format_nr3(v))?;
            }
            (4..=6, false) => {
                let v = numeric(single(&unit.params)?, "S")?.or_limits(
                    0.0,
                    MAX_RANGE_S,
                    if index == 6 { 0.0 } else { 1e-3 },
                );
                match index {
                    4 => self.set_timebase(v, self.position_s, self.reference)?,
                    5 => self.set_timebase(v * 10.0, self.position_s, self.reference)?,
                    _ => self.set_timebase(self.range_s, v, self.reference)?,
                }
            }
            (7, true) => {
                let r = match self.reference {
                    x if x < 0.3 => "LEFT",
                    x if x > 0.7 => "RIGH",
                    _ => "CENT",
                };
                query_text(out, unit, r)?;
            }
            (7, false) => {
                let r = match char_param(unit)? {
                    "LEFT" => 0.1,
                    "CENT" | "CENTER" => 0.5,
                    "RIGH" | "RIGHT" => 0.9,
                    _ => return Err(ErrorCode::ILLEGAL_PARAMETER_VALUE),
                };
                self.set_timebase(self.range_s, self.position_s, r)?;
            }
            (8, true) => query_text(out, unit, if self.trigger_ext { "EXT" } else { "CHAN1" })?,
            (8, false) => {
                self.trigger_ext = match char_param(unit)? {
                    "EXT" | "EXTERNAL" => true,
                    "CHAN1" | "CHANNEL1" | "CHAN2" | "CHANNEL2" => false,
                    _ => return Err(ErrorCode::ILLEGAL_PARAMETER_VALUE),
                };
            }
            (9, true) => query_text(out, unit, "NEG")?,
            (9, false) => match char_param(unit)? {
                "POS" | "POSITIVE" | "NEG" | "NEGATIVE" | "EITH" | "EITHER" => {}
                _ => return Err(ErrorCode::ILLEGAL_PARAMETER_VALUE),
            },
            (10, true) => query_text(out, unit, if self.source == 0 { "CHAN1" } else { "CHAN2" })?,
            (10, false) => {
                self.source = match char_param(unit)? {
                    "CHAN1" | "CHANNEL1" => 0,
                    "CHAN2" | "CHANNEL2" => 1,
                    _ => return Err(ErrorCode::ILLEGAL_PARAMETER_VALUE),
                };
            }
            (11, true) => {
                let f = match self.format {
                    Format::Byte => "BYTE",
                    Format::Word => "WORD",
                    Format::Ascii => "ASC",
                };
                query_text(out, unit, f)?;
            }
            (11, false) => {
                self.format = match char_param(unit)? {
                    "BYTE" => Format::Byte,
                    "WORD" => Format::Word,
                    "ASC" | "ASCII" => Format::Ascii,
                    _ => return Err(ErrorCode::ILLEGAL_PARAMETER_VALUE),
                };
            }
            (12, true) => query_text(out, unit, if self.lsb_first { "LSBF" } else { "MSBF" })?,
            (12, false) => {
                self.lsb_first = match char_param(unit)? {
                    "LSBF" | "LSBFIRST" => true,
                    "MSBF" | "MSBFIRST" => false,
                    _ => return Err(ErrorCode::ILLEGAL_PARAMETER_VALUE),
                };
            }
            (13, true) => query_text(out, unit, if self.unsigned { "1" } else { "0" })?,
            (13, false) => self.unsigned = boolean(single(&unit.params)?)?,
            (14, true) => {
                let n = match self.capture(plant) {
                    Ok((s, _, _)) => s.len(),
                    Err(_) => self.points.unwrap_or(0),
                };
                query_text(out, unit, &n.to_string())?;
            }
            (14, false) => {
                self.points = match single(&unit.params)? {
                    Param::Char(c) if c == "MAX" || c == "MAXIMUM" => None,
                    Param::Numeric {
                        value,
                        suffix: None,
                    } if *value >= 1.0 && *value <= 8e6 => Some(*value as usize),
                    _ => return Err(ErrorCode::DATA_OUT_OF_RANGE),
                };
            }
            (15, true) => {
                none(&unit.params)?;
                out.extend(self.preamble(plant)?.bytes());
            }
            (16, true) => {
                none(&unit.params)?;
                out.extend(self.data(plant)?);
            }
            (17, false) => match char_param(unit)? {
                "NORM" | "NORMAL" | "MAX" | "MAXIMUM" | "RAW" => {}
                _ => return Err(ErrorCode::ILLEGAL_PARAMETER_VALUE),
            },
            (17, true) => query_text(out, unit, "RAW")?,
            (18, false) => {
                none(&unit.params)?;
                // Only an armed acquisition can be forced; otherwise ignored.
                if let State::Armed { .. } = self.state {
                    self.state = State::Triggered { at: plant.now() };
                    self.ter = true;
                    self.poll(plant);
                }
            }
            _ => return Err(ErrorCode::UNDEFINED_HEADER),
        }
        Ok(())
    }

    fn reset(&mut self, _plant: &mut Plant) {
        *self = RecorderDevice::new();
    }
}

#[cfg(test)]
#[path = "recorder_tests.rs"]
mod tests;
