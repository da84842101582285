//! The candump log format of linux-can/can-utils: what `candump -l` writes
//! and `canplayer` reads, one frame per line:
//!
//! `(1700000000.123456) can0 123#1122334455667788`
//!
//! Layout from can-utils: candump.c prints `"(%010lu.%06lu) %*s %s%s\n"`
//! (seconds, microseconds, interface, frame, optional `" T"`/`" R"` direction
//! with `-x`); lib.c `sprint_canframe` prints the frame as `%03X#` (standard)
//! or `%08X#` (extended) then `%02X` per data byte, or `R` / `R<dlc>` for a
//! remote frame with a non-zero DLC; `parse_canframe` also accepts lower-case
//! hex, `r`, and `.` between data bytes. CAN FD (`##`) and error frames
//! (CAN_ERR_FLAG in an 8-digit id) are outside classic CAN and are refused.

use super::frame::{CanFrame, CanId};
use std::io::{self, Write};
use std::time::Duration;
use thiserror::Error;

/// `-x` direction flag: `T` a frame this node sent, `R` one it received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Tx,
    Rx,
}

/// One log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRecord {
    /// Since the UNIX epoch for live captures (candump uses gettimeofday or
    /// the socket timestamp); any origin is valid for replay.
    pub timestamp: Duration,
    pub interface: String,
    pub frame: CanFrame,
    pub direction: Option<Direction>,
}

/// A line that is not candump log format, with where it went wrong (1-based).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}, column {column}: {reason}")]
pub struct CandumpError {
    pub line: usize,
    pub column: usize,
    pub reason: String,
}

/// The frame part, as lib.c `sprint_canframe` prints it (no separators).
pub fn format_frame(frame: &CanFrame) -> String {
    let mut s = match frame.id() {
        CanId::Standard(id) => format!("{id:03X}#"),
        CanId::Extended(id) => format!("{id:08X}#"),
    };
    if frame.is_remote() {
        s.push('R');
        if frame.dlc() > 0 {
            s.push(char::from(b'0' + frame.dlc()));
        }
        return s;
    }
    for b in frame.data() {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

/// A whole line without the newline. Fails if `interface` is empty or has
/// whitespace (the reader splits fields on spaces).
pub fn format_record(record: &LogRecord) -> io::Result<String> {
    if !valid_interface(&record.interface) {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "interface name {:?} is empty or has whitespace",
                record.interface
            ),
        ));
    }
    let mut line = format!(
        "({:010}.{:06}) {} {}",
        record.timestamp.as_secs(),
        record.timestamp.subsec_micros(),
        record.interface,
        format_frame(&record.frame)
    );
    match record.direction {
        Some(Direction::Tx) => line.push_str(" T"),
        Some(Direction::Rx) => line.push_str(" R"),
        None => {}
    }
    Ok(line)
}

/// Interface names are one field: non-empty, no whitespace of any kind.
fn valid_interface(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(char::is_whitespace)
}

/// Writes records one per line and flushes each, so a crash loses nothing
/// already logged.
pub struct CandumpWriter<W: Write> {
    out: W,
}

impl<W: Write> CandumpWriter<W> {
    pub fn new(out: W) -> Self {
        CandumpWriter { out }
    }

    pub fn write(&mut self, record: &LogRecord) -> io::Result<()> {
        let mut line = format_record(record)?;
        line.push('\n');
        self.out.write_all(line.as_bytes())?;
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'A'..=b'F' => Some(c - b'A' + 10),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// Parses the frame part (`123#11.22`, `12345678#R5`); errors carry the
/// 0-based byte offset inside `text`.
pub fn parse_frame(text: &[u8]) -> Result<CanFrame, (usize, String)> {
    let Some(hash) = text.iter().position(|&c| c == b'#') else {
        return Err((0, "no '#' between identifier and data".into()));
    };
    let id_text = text.get(..hash).unwrap_or_default();
    let mut raw: u32 = 0;
    for (i, &c) in id_text.iter().enumerate() {
        let n = nibble(c).ok_or((i, format!("{:?} is not a hex digit", char::from(c))))?;
        raw = (raw << 4) | u32::from(n);
    }
    let id = match id_text.len() {
        3 => CanId::standard(raw as u16).map_err(|e| (0, e.to_string()))?,
        8 if raw & 0x2000_0000 != 0 => {
            return Err((
                0,
                "error frames (CAN_ERR_FLAG) are not classic data frames".into(),
            ))
        }
        8 => CanId::extended(raw).map_err(|e| (0, e.to_string()))?,
        n => {
            return Err((
                0,
                format!("identifier has {n} hex digits; candump uses 3 (standard) or 8 (extended)"),
            ))
        }
    };
    let rest = text.get(hash + 1..).unwrap_or_default();
    let at = hash + 1;
    match rest.first() {
        Some(b'#') => return Err((at, "CAN FD frames ('##') are not supported".into())),
        Some(b'R') | Some(b'r') => {
            let dlc = match rest.get(1..).unwrap_or_default() {
                [] => 0,
                [d] => match nibble(*d) {
                    Some(n) if n <= 8 => n,
                    _ => return Err((at + 1, "remote frame length must be 0-8".into())),
                },
                _ => return Err((at + 2, "unexpected text after remote frame length".into())),
            };
            return CanFrame::remote(id, dlc).map_err(|e| (at, e.to_string()));
        }
        _ => {}
    }
    let mut data = Vec::with_capacity(8);
    let mut i = 0;
    while i < rest.len() {
        if rest.get(i) == Some(&b'.') {
            i += 1;
            continue;
        }
        let hi = rest.get(i).copied().and_then(nibble);
        let lo = rest.get(i + 1).copied().and_then(nibble);
        match (hi, lo) {
            (Some(h), Some(l)) => data.push((h << 4) | l),
            (None, _) => return Err((at + i, "expected a hex digit".into())),
            (Some(_), None) => return Err((at + i + 1, "odd number of hex digits".into())),
        }
        if data.len() > 8 {
            return Err((at + i, "more than 8 data bytes".into()));
        }
        i += 2;
    }
    CanFrame::new(id, &data).map_err(|e| (at, e.to_string()))
}

fn parse_timestamp(text: &[u8]) -> Result<Duration, (usize, String)> {
    let inner = match (text.first(), text.last()) {
        (Some(b'('), Some(b')')) if text.len() >= 2 => {
            text.get(1..text.len() - 1).unwrap_or_default()
        }
        _ => return Err((0, "timestamp must be '(seconds.fraction)'".into())),
    };
    let dot = inner.iter().position(|&c| c == b'.').unwrap_or(inner.len());
    let (secs_text, frac_text) = (
        inner.get(..dot).unwrap_or_default(),
        inner.get(dot + 1..).unwrap_or_default(),
    );
    if secs_text.is_empty() || frac_text.len() > 9 {
        return Err((
            1,
            "timestamp must be seconds and up to 9 fraction digits".into(),
        ));
    }
    let mut secs: u64 = 0;
    for (i, &c) in secs_text.iter().enumerate() {
        let d = c
            .checked_sub(b'0')
            .filter(|d| *d <= 9)
            .ok_or((1 + i, "expected a digit".to_string()))?;
        secs = secs
            .checked_mul(10)
            .and_then(|s| s.checked_add(u64::from(d)))
            .ok_or((1 + i, "timestamp too large".to_string()))?;
    }
    let mut nanos: u32 = 0;
    for (i, &c) in frac_text.iter().enumerate() {
        let d = c
            .checked_sub(b'0')
            .filter(|d| *d <= 9)
            .ok_or((2 + dot + i, "expected a digit".to_string()))?;
        nanos = nanos * 10 + u32::from(d);
    }
    nanos *= 10u32.pow(9 - frac_text.len() as u32);
    Ok(Duration::new(secs, nanos))
}

/// Parses one line (without its newline; a trailing CR is tolerated).
/// `line_no` is used in the error.
pub fn parse_line(line: &[u8], line_no: usize) -> Result<LogRecord, CandumpError> {
    let err = |col: usize, reason: String| CandumpError {
        line: line_no,
        column: col + 1,
        reason,
    };
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    // Fields with their byte offsets, split on runs of spaces/tabs.
    let mut fields: Vec<(usize, &[u8])> = Vec::with_capacity(4);
    let mut start = None;
    for (i, &c) in line
        .iter()
        .enumerate()
        .chain(std::iter::once((line.len(), &b' ')))
    {
        let blank = c.is_ascii_whitespace();
        match (blank, start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                fields.push((s, line.get(s..i).unwrap_or_default()));
                start = None;
            }
            _ => {}
        }
    }
    let direction = match fields.len() {
        3 => None,
        4 => match fields.get(3) {
            Some((_, b"T")) => Some(Direction::Tx),
            Some((_, b"R")) => Some(Direction::Rx),
            Some((at, _)) => return Err(err(*at, "direction flag must be T or R".into())),
            None => None,
        },
        n => {
            return Err(err(
                0,
                format!("expected '(timestamp) interface frame [T|R]', found {n} fields"),
            ))
        }
    };
    let (ts_at, ts) = fields.first().copied().unwrap_or((0, b""));
    let (_, iface) = fields.get(1).copied().unwrap_or((0, b""));
    let (fr_at, fr) = fields.get(2).copied().unwrap_or((0, b""));
    let timestamp = parse_timestamp(ts).map_err(|(c, r)| err(ts_at + c, r))?;
    let interface = std::str::from_utf8(iface)
        .ok()
        .filter(|s| valid_interface(s))
        .ok_or_else(|| {
            err(
                ts_at + ts.len() + 1,
                "interface name is not UTF-8 without spaces".into(),
            )
        })?
        .to_string();
    let frame = parse_frame(fr).map_err(|(c, r)| err(fr_at + c, r))?;
    Ok(LogRecord {
        timestamp,
        interface,
        frame,
        direction,
    })
}

/// Parses a whole log; blank lines are skipped. Never panics on any bytes.
pub fn parse_log(bytes: &[u8]) -> impl Iterator<Item = Result<LogRecord, CandumpError>> + '_ {
    bytes
        .split(|&c| c == b'\n')
        .enumerate()
        .filter(|(_, l)| l.iter().any(|c| !c.is_ascii_whitespace()))
        .map(|(i, l)| parse_line(l, i + 1))
}
