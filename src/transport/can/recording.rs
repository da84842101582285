//! A [`CanBus`] wrapper that logs every frame passing through it to a
//! candump log (and optionally a pcapng trace), so any backend's traffic can
//! be kept as evidence, replayed, and opened in Wireshark.

use super::candump::{CandumpWriter, Direction, LogRecord};
use super::pcapng::PcapngWriter;
use super::{CanBus, CanError, CanFrame, Received};
use std::io::Write;
use std::time::Duration;

/// Time source for log lines: since the UNIX epoch on hardware, or since the
/// run started / simulated time on the emulated rig.
pub type Timestamper = Box<dyn FnMut() -> Duration + Send>;

/// Where the pcapng copy of the trace goes (any sink; a file in practice).
pub type PcapngSink = PcapngWriter<Box<dyn Write + Send>>;

pub struct RecordingBus<B: CanBus, W: Write + Send> {
    inner: B,
    log: CandumpWriter<W>,
    pcapng: Option<PcapngSink>,
    interface: String,
    clock: Timestamper,
}

impl<B: CanBus, W: Write + Send> RecordingBus<B, W> {
    /// `interface` is the name written in each line (`can0`, `ev`); sent
    /// frames are marked `T`, received ones `R` (candump `-x` style).
    pub fn new(inner: B, out: W, interface: &str, clock: Timestamper) -> Self {
        RecordingBus {
            inner,
            log: CandumpWriter::new(out),
            pcapng: None,
            interface: interface.to_string(),
            clock,
        }
    }

    /// Also writes each frame to `trace` with the same timestamp as its
    /// candump line, marked outbound (sent) or inbound (received).
    pub fn with_pcapng(mut self, trace: PcapngSink) -> Self {
        self.pcapng = Some(trace);
        self
    }

    /// Gives back the bus and the log sink.
    pub fn into_parts(self) -> (B, W) {
        (self.inner, self.log.into_inner())
    }

    pub fn inner_mut(&mut self) -> &mut B {
        &mut self.inner
    }

    fn record(&mut self, frame: &CanFrame, direction: Direction) -> Result<(), CanError> {
        let record = LogRecord {
            timestamp: (self.clock)(),
            interface: self.interface.clone(),
            frame: *frame,
            direction: Some(direction),
        };
        self.log.write(&record).map_err(|source| CanError::Io {
            link: format!("candump log of {}", self.interface),
            source,
        })?;
        match &mut self.pcapng {
            None => Ok(()),
            Some(trace) => trace
                .write(record.timestamp, frame, Some(direction))
                .map_err(|source| CanError::Io {
                    link: format!("pcapng trace of {}", self.interface),
                    source,
                }),
        }
    }
}

impl<B: CanBus, W: Write + Send> CanBus for RecordingBus<B, W> {
    fn send(&mut self, frame: &CanFrame) -> Result<(), CanError> {
        self.inner.send(frame)?;
        self.record(frame, Direction::Tx)
    }

    fn recv(&mut self, timeout: Duration) -> Result<Option<Received>, CanError> {
        let got = self.inner.recv(timeout)?;
        if let Some(r) = &got {
            self.record(&r.frame, Direction::Rx)?;
        }
        Ok(got)
    }

    fn describe(&self) -> String {
        format!("{} (recorded as {})", self.inner.describe(), self.interface)
    }
}
