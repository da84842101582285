//! The Lawicel SLCAN ASCII protocol (CANUSB / CAN232 and the CANable, USBtin
//! and similar USB adapters), pure encode/decode.
//!
//! Sources: Lawicel "CANUSB manual" (canusb_manual.pdf, ASCII command set)
//! and CAN232 v3 manual; normaldotcom/canable-fw `src/slcan.c`; the Linux
//! driver drivers/net/can/slcan; python-can `can/interfaces/slcan.py`.
//! Every command ends with CR (0x0D). The adapter answers CR for OK and BEL
//! (0x07) for an error; a transmit answers `z` CR (t, r) or `Z` CR (T, R);
//! received frames arrive as `tiiildd..[ssss]` CR etc., `ssss` being the
//! 4-hex-digit millisecond time stamp (0000–EA5F, wraps at 60000) when `Z1`
//! is on.

use crate::protocol::can::{CanFrame, CanId};
use thiserror::Error;

pub const CR: u8 = 0x0D;
pub const BEL: u8 = 0x07;
/// Time stamps count milliseconds modulo 60 000 (CANUSB manual, `Zn`).
pub const TIMESTAMP_WRAP_MS: u16 = 60_000;
/// Longest line an adapter produces: `T1111222281122334455667788EA5F`
/// (canable-fw `SLCAN_MTU`); anything longer is garbage.
pub const MAX_LINE: usize = 30;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SlcanError {
    #[error("empty SLCAN line")]
    Empty,
    #[error("unknown SLCAN command {0:?}")]
    UnknownCommand(char),
    #[error("malformed SLCAN line {line:?}: {reason}")]
    Malformed { line: String, reason: &'static str },
    #[error("SLCAN line longer than {MAX_LINE} bytes")]
    TooLong,
}

/// The standard bit rates of `Sn` (CANUSB manual). S7 is 800 kbit/s in
/// Lawicel's table; canable-fw and python-can map S7 to 750 kbit/s instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SlcanBitrate {
    S0 = 0,
    S1,
    S2,
    S3,
    S4,
    S5,
    S6,
    S7,
    S8,
}

const BITRATES: [(SlcanBitrate, u32); 9] = [
    (SlcanBitrate::S0, 10_000),
    (SlcanBitrate::S1, 20_000),
    (SlcanBitrate::S2, 50_000),
    (SlcanBitrate::S3, 100_000),
    (SlcanBitrate::S4, 125_000),
    (SlcanBitrate::S5, 250_000),
    (SlcanBitrate::S6, 500_000),
    (SlcanBitrate::S7, 800_000),
    (SlcanBitrate::S8, 1_000_000),
];

impl SlcanBitrate {
    pub fn from_bps(bps: u32) -> Option<Self> {
        BITRATES.iter().find(|(_, b)| *b == bps).map(|(s, _)| *s)
    }
    pub fn from_code(code: u8) -> Option<Self> {
        BITRATES.get(usize::from(code)).map(|(s, _)| *s)
    }
    pub fn code(self) -> u8 {
        self as u8
    }
    pub fn bps(self) -> u32 {
        BITRATES.get(self as usize).map_or(0, |(_, b)| *b)
    }
}

/// Host → adapter commands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Open,
    Close,
    SetBitrate(SlcanBitrate),
    Timestamps(bool),
    Version,
    SerialNumber,
    StatusFlags,
    Transmit(CanFrame),
}

/// Adapter → host lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// CR alone.
    Ok,
    /// BEL.
    Error,
    /// `z` (standard) / `Z` (extended) after a transmit.
    Transmitted { extended: bool },
    Frame {
        frame: CanFrame,
        timestamp_ms: Option<u16>,
    },
    /// `Vhhff`: the four characters after V.
    Version(String),
    /// `Nxxxx`: the characters after N.
    SerialNumber(String),
    /// `Fxx`: the status flag byte (bit 0 RX FIFO full, 1 TX FIFO full,
    /// 2 error warning, 3 data overrun, 5 error passive, 6 arbitration lost,
    /// 7 bus error — CANUSB manual `F`).
    StatusFlags(u8),
}

fn hex_digit(n: u8) -> u8 {
    b"0123456789ABCDEF"[usize::from(n & 0xF)]
}

fn push_hex(out: &mut Vec<u8>, value: u32, digits: u32) {
    for i in (0..digits).rev() {
        out.push(hex_digit((value >> (4 * i)) as u8));
    }
}

/// The frame body without terminator: `t12321122`, `R123456784`.
fn encode_frame(out: &mut Vec<u8>, frame: &CanFrame) {
    let (lower, digits) = match frame.id() {
        CanId::Standard(_) => (true, 3),
        CanId::Extended(_) => (false, 8),
    };
    let c = match (frame.is_remote(), lower) {
        (false, true) => b't',
        (false, false) => b'T',
        (true, true) => b'r',
        (true, false) => b'R',
    };
    out.push(c);
    push_hex(out, frame.id().raw(), digits);
    out.push(hex_digit(frame.dlc()));
    for b in frame.data() {
        push_hex(out, u32::from(*b), 2);
    }
}

pub fn encode_command(cmd: &Command) -> Vec<u8> {
    let mut out = Vec::with_capacity(MAX_LINE);
    match cmd {
        Command::Open => out.push(b'O'),
        Command::Close => out.push(b'C'),
        Command::SetBitrate(b) => out.extend_from_slice(&[b'S', b'0' + b.code()]),
        Command::Timestamps(on) => out.extend_from_slice(if *on { b"Z1" } else { b"Z0" }),
        Command::Version => out.push(b'V'),
        Command::SerialNumber => out.push(b'N'),
        Command::StatusFlags => out.push(b'F'),
        Command::Transmit(f) => encode_frame(&mut out, f),
    }
    out.push(CR);
    out
}

pub fn encode_reply(reply: &Reply) -> Vec<u8> {
    let mut out = Vec::with_capacity(MAX_LINE + 1);
    match reply {
        Reply::Ok => {}
        Reply::Error => return vec![BEL],
        Reply::Transmitted { extended } => out.push(if *extended { b'Z' } else { b'z' }),
        Reply::Frame {
            frame,
            timestamp_ms,
        } => {
            encode_frame(&mut out, frame);
            if let Some(ms) = timestamp_ms {
                push_hex(&mut out, u32::from(*ms % TIMESTAMP_WRAP_MS), 4);
            }
        }
        Reply::Version(v) => {
            out.push(b'V');
            out.extend(v.bytes().filter(|c| c.is_ascii_graphic()));
        }
        Reply::SerialNumber(s) => {
            out.push(b'N');
            out.extend(s.bytes().filter(|c| c.is_ascii_graphic()));
        }
        Reply::StatusFlags(f) => {
            out.push(b'F');
            push_hex(&mut out, u32::from(*f), 2);
        }
    }
    out.push(CR);
    out
}

fn malformed(line: &[u8], reason: &'static str) -> SlcanError {
    SlcanError::Malformed {
        line: String::from_utf8_lossy(line).into_owned(),
        reason,
    }
}

fn parse_hex(line: &[u8], range: std::ops::Range<usize>) -> Result<u32, SlcanError> {
    let digits = line
        .get(range)
        .ok_or_else(|| malformed(line, "too short"))?;
    digits.iter().try_fold(0u32, |acc, &c| {
        let n = (c as char)
            .to_digit(16)
            .ok_or_else(|| malformed(line, "not a hex digit"))?;
        Ok((acc << 4) | n)
    })
}

/// Parses a frame line (`t`/`T`/`r`/`R`, no terminator). `timestamp`: whether
/// 4 trailing time-stamp digits may follow (adapter → host only).
fn parse_frame(line: &[u8], timestamp: bool) -> Result<(CanFrame, Option<u16>), SlcanError> {
    let kind = *line.first().ok_or(SlcanError::Empty)?;
    let (id_len, remote) = match kind {
        b't' => (3, false),
        b'T' => (8, false),
        b'r' => (3, true),
        b'R' => (8, true),
        other => return Err(SlcanError::UnknownCommand(char::from(other))),
    };
    let raw = parse_hex(line, 1..1 + id_len)?;
    let id = if id_len == 3 {
        CanId::standard(raw as u16)
    } else {
        CanId::extended(raw)
    }
    .map_err(|_| malformed(line, "identifier out of range"))?;
    let dlc_at = 1 + id_len;
    let dlc = parse_hex(line, dlc_at..dlc_at + 1)? as u8;
    if dlc > 8 {
        return Err(malformed(line, "DLC above 8"));
    }
    let data_len = if remote { 0 } else { usize::from(dlc) };
    let body = dlc_at + 1 + 2 * data_len;
    let ts = match line.len() {
        n if n == body => None,
        n if timestamp && n == body + 4 => {
            let ms = parse_hex(line, body..body + 4)?;
            if ms >= u32::from(TIMESTAMP_WRAP_MS) {
                return Err(malformed(line, "time stamp above EA5F"));
            }
            Some(ms as u16)
        }
        _ => return Err(malformed(line, "length does not match DLC")),
    };
    let frame = if remote {
        CanFrame::remote(id, dlc)
    } else {
        let mut data = [0u8; 8];
        for (i, b) in data.iter_mut().take(data_len).enumerate() {
            *b = parse_hex(line, dlc_at + 1 + 2 * i..dlc_at + 3 + 2 * i)? as u8;
        }
        CanFrame::new(id, data.get(..data_len).unwrap_or_default())
    }
    .map_err(|_| malformed(line, "invalid frame"))?;
    Ok((frame, ts))
}

/// Parses one host command line (terminator already removed).
pub fn parse_command(line: &[u8]) -> Result<Command, SlcanError> {
    if line.len() > MAX_LINE {
        return Err(SlcanError::TooLong);
    }
    let first = *line.first().ok_or(SlcanError::Empty)?;
    let rest = line.get(1..).unwrap_or_default();
    let bare = |cmd: Command| {
        if rest.is_empty() {
            Ok(cmd)
        } else {
            Err(malformed(line, "unexpected characters after command"))
        }
    };
    match first {
        b'O' => bare(Command::Open),
        b'C' => bare(Command::Close),
        b'V' => bare(Command::Version),
        b'N' => bare(Command::SerialNumber),
        b'F' => bare(Command::StatusFlags),
        b'S' => match rest {
            [d] => d
                .checked_sub(b'0')
                .and_then(SlcanBitrate::from_code)
                .map(Command::SetBitrate)
                .ok_or_else(|| malformed(line, "bit rate code must be 0-8")),
            _ => Err(malformed(line, "S takes one digit")),
        },
        b'Z' => match rest {
            b"0" => Ok(Command::Timestamps(false)),
            b"1" => Ok(Command::Timestamps(true)),
            _ => Err(malformed(line, "Z takes 0 or 1")),
        },
        b't' | b'T' | b'r' | b'R' => parse_frame(line, false).map(|(f, _)| Command::Transmit(f)),
        other => Err(SlcanError::UnknownCommand(char::from(other))),
    }
}

/// Parses one adapter line (terminator removed; BEL is handled by the splitter).
pub fn parse_reply(line: &[u8]) -> Result<Reply, SlcanError> {
    let Some(&first) = line.first() else {
        return Ok(Reply::Ok);
    };
    let rest = line.get(1..).unwrap_or_default();
    let text = || String::from_utf8_lossy(rest).into_owned();
    match first {
        b'z' | b'Z' if rest.is_empty() => Ok(Reply::Transmitted {
            extended: first == b'Z',
        }),
        b't' | b'T' | b'r' | b'R' => {
            parse_frame(line, true).map(|(frame, timestamp_ms)| Reply::Frame {
                frame,
                timestamp_ms,
            })
        }
        b'V' => Ok(Reply::Version(text())),
        b'N' => Ok(Reply::SerialNumber(text())),
        b'F' if rest.len() == 2 => Ok(Reply::StatusFlags(parse_hex(line, 1..3)? as u8)),
        other => Err(SlcanError::UnknownCommand(char::from(other))),
    }
}

/// Splits a byte stream into lines at CR, and reports BEL as its own item.
/// Keeps partial input between calls; drops lines longer than [`MAX_LINE`].
#[derive(Debug, Default)]
pub struct LineSplitter {
    buf: Vec<u8>,
    overlong: bool,
}

/// One item of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// The bytes before a CR (LF and NUL stripped).
    Text(Vec<u8>),
    Bel,
    /// A line longer than [`MAX_LINE`] ended here; its bytes were dropped.
    TooLong,
}

impl LineSplitter {
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds bytes and returns every complete item, in order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Line> {
        let mut out = Vec::new();
        for &b in bytes {
            match b {
                CR => {
                    if std::mem::take(&mut self.overlong) {
                        out.push(Line::TooLong);
                    } else {
                        out.push(Line::Text(std::mem::take(&mut self.buf)));
                    }
                    self.buf.clear();
                }
                BEL => out.push(Line::Bel),
                b'\n' | 0 => {}
                _ if self.overlong => {}
                _ if self.buf.len() >= MAX_LINE => {
                    self.overlong = true;
                    self.buf.clear();
                }
                _ => self.buf.push(b),
            }
        }
        out
    }
}

/// Decodes the adapter → host stream into replies.
#[derive(Debug, Default)]
pub struct ReplyParser {
    lines: LineSplitter,
}

impl ReplyParser {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<Reply, SlcanError>> {
        self.lines
            .push(bytes)
            .into_iter()
            .map(|line| match line {
                Line::Bel => Ok(Reply::Error),
                Line::TooLong => Err(SlcanError::TooLong),
                Line::Text(t) => parse_reply(&t),
            })
            .collect()
    }
}
