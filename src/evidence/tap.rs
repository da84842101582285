//! A [`ByteLink`] wrapper that keeps a device's traffic as evidence: every
//! chunk written or read goes to a timestamped transcript
//! (`<device>.transcript`), and every request/reply the driver completes
//! goes to the journal as one `exchange` record.
//!
//! Transcript lines: `<t_s> TX|RX "<escaped text>"` for printable traffic
//! (SCPI), `<t_s> TX|RX hex <bytes>` otherwise (Modbus RTU/TCP ADUs), with
//! `t_s` on the rig's clock (simulated or wall seconds since the run
//! started, as the header line says).

use super::sink::Evidence;
use crate::firmware::verify::hex_lower;
use crate::transport::{ByteLink, TransportError};
use std::io::Write;
use std::time::Duration;

pub struct TappedLink {
    inner: Box<dyn ByteLink>,
    device: String,
    evidence: Evidence,
    transcript: Option<super::sink::SideFile>,
}

impl TappedLink {
    /// Creates `<dir>/<device>.transcript` and wraps the link.
    pub fn new(
        inner: Box<dyn ByteLink>,
        device: &str,
        role: &str,
        evidence: &Evidence,
    ) -> Result<Self, std::io::Error> {
        let path = evidence
            .dir()
            .join(evidence.side_file(device, "transcript"));
        let mut file = evidence.side_writer(&path)?;
        let clock = match evidence.clock_kind() {
            crate::exec::clock::ClockKind::Simulated => "simulated",
            crate::exec::clock::ClockKind::Wall => "wall-clock",
        };
        writeln!(
            file,
            "# v2x-hil transcript of `{device}` ({role}, {}); times are {clock} seconds since the run started ({})",
            inner.describe(),
            evidence.started_utc()
        )?;
        Ok(TappedLink {
            inner,
            device: device.to_string(),
            evidence: evidence.clone(),
            transcript: Some(file),
        })
    }

    fn log(&mut self, direction: &str, bytes: &[u8]) {
        let Some(file) = self.transcript.as_mut() else {
            return;
        };
        let line = format!(
            "{:.6} {direction} {}\n",
            self.evidence.now_s(),
            transcript_bytes(bytes)
        );
        // Buffered; the evidence flushes it at each commit, so a killed run
        // keeps every line up to the last thing the run showed.
        let written = self
            .evidence
            .disk_space()
            .and_then(|()| file.write_all(line.as_bytes()));
        if let Err(e) = written {
            self.evidence
                .note_error(format!("transcript of {}: {e}", self.device));
            self.transcript = None;
        }
    }
}

/// `"text"` with C-style escapes when every byte is printable or a line
/// terminator, `hex …` otherwise.
pub fn transcript_bytes(bytes: &[u8]) -> String {
    let texty = bytes
        .iter()
        .all(|&b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\r' || b == b'\t');
    if !texty {
        return format!("hex {}", hex_lower(bytes));
    }
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for &b in bytes {
        match b {
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            _ => out.push(char::from(b)),
        }
    }
    out.push('"');
    out
}

impl ByteLink for TappedLink {
    fn write_all(&mut self, bytes: &[u8]) -> Result<(), TransportError> {
        self.inner.write_all(bytes)?;
        self.log("TX", bytes);
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> Result<usize, TransportError> {
        let n = self.inner.read(buf, timeout)?;
        if let Some(got) = buf.get(..n) {
            if !got.is_empty() {
                let got = got.to_vec();
                self.log("RX", &got);
            }
        }
        Ok(n)
    }

    fn clear_input(&mut self) -> Result<(), TransportError> {
        self.inner.clear_input()
    }

    fn describe(&self) -> String {
        self.inner.describe()
    }

    fn exchanged(&mut self, request: &[u8], reply: Option<&[u8]>) {
        self.evidence.exchange(&self.device, request, reply);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_binary_is_hex() {
        assert_eq!(transcript_bytes(b"VOLT 240\n"), "\"VOLT 240\\n\"");
        assert_eq!(
            transcript_bytes(b"0,\"No error\"\r\n"),
            "\"0,\\\"No error\\\"\\r\\n\""
        );
        assert_eq!(transcript_bytes(&[1, 3, 0x9c, 0x40]), "hex 01039c40");
    }
}
