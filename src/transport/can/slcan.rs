//! [`SlcanBus`]: a CANable/CANUSB-style SLCAN adapter on a serial port
//! (`/dev/ttyACM0`, a pty in tests). Protocol in [`crate::protocol::slcan`].

use super::{CanBus, CanError, CanFrame, Received};
use crate::protocol::slcan::{
    encode_command, Command, Reply, ReplyParser, SlcanBitrate, TIMESTAMP_WRAP_MS,
};
use std::collections::VecDeque;
use std::io::Read;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone)]
pub struct SlcanConfig {
    pub bitrate: SlcanBitrate,
    /// Serial baud (ignored by USB CDC adapters and ptys, which run at USB speed).
    pub serial_baud: u32,
    /// Ask for adapter time stamps (`Z1`); otherwise frames are stamped on arrival at the host.
    pub timestamps: bool,
    /// How long to wait for the adapter's answer to a command.
    pub reply_timeout: Duration,
    /// Whether the adapter answers every command (CR / BEL, `z`/`Z` after a
    /// transmit), as the Lawicel CANUSB manual specifies and CANable 2.x
    /// firmware does. The original normaldotcom canable-fw answers nothing
    /// but queries (its `slcan_parse_str` only returns a status): set `false`
    /// and commands are sent without waiting (errors then go unreported).
    pub acknowledges: bool,
}

impl Default for SlcanConfig {
    fn default() -> Self {
        SlcanConfig {
            bitrate: SlcanBitrate::S6,
            serial_baud: 115_200,
            timestamps: false,
            reply_timeout: Duration::from_millis(500),
            acknowledges: true,
        }
    }
}

/// Turns the adapter's 16-bit millisecond counter (mod 60 000) into a time
/// since the UNIX epoch: anchored to host time at the first stamped frame,
/// then advanced by the adapter's deltas; the host clock decides how many
/// whole 60 s wraps passed between two frames.
#[derive(Debug, Default)]
pub struct TimestampUnwrapper {
    state: Option<UnwrapState>,
}

#[derive(Debug)]
struct UnwrapState {
    base: Duration,
    last_ms: u16,
    total_ms: u64,
    last_host: Instant,
}

impl TimestampUnwrapper {
    pub fn unwrap(&mut self, ms: u16, now_epoch: Duration, now: Instant) -> Duration {
        let ms = ms % TIMESTAMP_WRAP_MS;
        let wrap = u64::from(TIMESTAMP_WRAP_MS);
        match &mut self.state {
            None => {
                let base = now_epoch.saturating_sub(Duration::from_millis(u64::from(ms)));
                self.state = Some(UnwrapState {
                    base,
                    last_ms: ms,
                    total_ms: u64::from(ms),
                    last_host: now,
                });
                base + Duration::from_millis(u64::from(ms))
            }
            Some(s) => {
                let delta = (u64::from(ms) + wrap - u64::from(s.last_ms)) % wrap;
                let gap_ms = now.saturating_duration_since(s.last_host).as_millis() as u64;
                // Whole wraps the 16-bit counter cannot show, rounded to the nearest.
                let wraps = gap_ms.saturating_sub(delta).saturating_add(wrap / 2) / wrap;
                s.total_ms += delta + wraps * wrap;
                s.last_ms = ms;
                s.last_host = now;
                s.base + Duration::from_millis(s.total_ms)
            }
        }
    }
}

fn epoch_now() -> Duration {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
}

pub struct SlcanBus {
    port: Box<dyn serialport::SerialPort>,
    path: String,
    config: SlcanConfig,
    parser: ReplyParser,
    /// Frames that arrived while waiting for a command's answer.
    pending: VecDeque<Received>,
    /// Answers (not frames) not yet claimed.
    answers: VecDeque<Reply>,
    clock: TimestampUnwrapper,
}

impl SlcanBus {
    /// Opens the port and brings the adapter on the bus: `C` (an already
    /// closed adapter answers BEL, which is fine), `Sn`, `Z0`/`Z1`, `O`.
    pub fn open(path: &str, config: SlcanConfig) -> Result<Self, CanError> {
        let port = serialport::new(path, config.serial_baud)
            .timeout(Duration::from_millis(10))
            .open()
            .map_err(|e| CanError::Open {
                port: path.to_string(),
                reason: e.to_string(),
            })?;
        let mut bus = SlcanBus {
            port,
            path: path.to_string(),
            config,
            parser: ReplyParser::new(),
            pending: VecDeque::new(),
            answers: VecDeque::new(),
            clock: TimestampUnwrapper::default(),
        };
        let _ = bus.port.clear(serialport::ClearBuffer::Input);
        match bus.command(&Command::Close) {
            Ok(_) | Err(CanError::Adapter(_)) => {}
            Err(e) => return Err(e),
        }
        bus.command(&Command::SetBitrate(bus.config.bitrate))?;
        bus.command(&Command::Timestamps(bus.config.timestamps))?;
        bus.command(&Command::Open)?;
        Ok(bus)
    }

    /// `V`: hardware and firmware version (`1013` = hw 1.0, fw 1.3).
    pub fn version(&mut self) -> Result<String, CanError> {
        match self.command(&Command::Version)? {
            Reply::Version(v) => Ok(v),
            other => Err(unexpected("V", &other)),
        }
    }

    /// `N`: the adapter's serial number.
    pub fn serial_number(&mut self) -> Result<String, CanError> {
        match self.command(&Command::SerialNumber)? {
            Reply::SerialNumber(s) => Ok(s),
            other => Err(unexpected("N", &other)),
        }
    }

    /// `F`: status flags (see [`Reply::StatusFlags`]).
    pub fn status_flags(&mut self) -> Result<u8, CanError> {
        match self.command(&Command::StatusFlags)? {
            Reply::StatusFlags(f) => Ok(f),
            other => Err(unexpected("F", &other)),
        }
    }

    /// `C`: takes the adapter off the bus (also done on drop).
    pub fn close(&mut self) -> Result<(), CanError> {
        self.command(&Command::Close).map(|_| ())
    }

    fn io(&self, source: std::io::Error) -> CanError {
        CanError::Io {
            link: self.describe(),
            source,
        }
    }

    /// Writes a command, within the time its answer is allowed.
    fn write(&mut self, bytes: &[u8]) -> Result<(), CanError> {
        let timeout = self.config.reply_timeout;
        match crate::transport::serial::write_within(self.port.as_mut(), bytes, timeout) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => Err(CanError::Timeout {
                what: format!("{} to take a command", self.path),
                after: timeout,
            }),
            Err(e) => Err(self.io(e)),
        }
    }

    /// Reads what is there (waiting up to `wait`), sorting frames into
    /// `pending` and everything else into `answers`.
    fn pump(&mut self, wait: Duration) -> Result<(), CanError> {
        let mut buf = [0u8; 256];
        self.port
            .set_timeout(wait.max(Duration::from_millis(1)))
            .map_err(|e| self.io(std::io::Error::other(e)))?;
        let n = match self.port.read(&mut buf) {
            Ok(0) => return Err(CanError::Closed),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Ok(()),
            Err(e) => return Err(self.io(e)),
        };
        let (now_epoch, now) = (epoch_now(), Instant::now());
        for item in self.parser.push(buf.get(..n).unwrap_or_default()) {
            match item {
                Ok(Reply::Frame {
                    frame,
                    timestamp_ms,
                }) => {
                    let timestamp = match timestamp_ms {
                        Some(ms) if self.config.timestamps => self.clock.unwrap(ms, now_epoch, now),
                        _ => now_epoch,
                    };
                    self.pending.push_back(Received { frame, timestamp });
                }
                Ok(reply) => self.answers.push_back(reply),
                Err(e) => tracing::warn!("{}: ignoring adapter line: {e}", self.path),
            }
        }
        Ok(())
    }

    /// Sends a command and waits for its answer; BEL becomes `CanError::Adapter`.
    fn command(&mut self, cmd: &Command) -> Result<Reply, CanError> {
        self.answers.clear();
        let bytes = encode_command(cmd);
        self.write(&bytes)?;
        let query = matches!(
            cmd,
            Command::Version | Command::SerialNumber | Command::StatusFlags
        );
        if !self.config.acknowledges && !query {
            return Ok(Reply::Ok);
        }
        let deadline = Instant::now() + self.config.reply_timeout;
        loop {
            if let Some(reply) = self.answers.pop_front() {
                return match reply {
                    Reply::Error => Err(CanError::Adapter(format!(
                        "{} refused {:?} (BEL)",
                        self.path,
                        String::from_utf8_lossy(bytes.strip_suffix(b"\r").unwrap_or(&bytes))
                    ))),
                    other => Ok(other),
                };
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(CanError::Timeout {
                    what: format!("{}'s answer to {cmd:?}", self.path),
                    after: self.config.reply_timeout,
                });
            }
            self.pump(left)?;
        }
    }
}

fn unexpected(cmd: &str, reply: &Reply) -> CanError {
    CanError::Adapter(format!("unexpected answer to {cmd}: {reply:?}"))
}

impl CanBus for SlcanBus {
    fn send(&mut self, frame: &CanFrame) -> Result<(), CanError> {
        let cmd = Command::Transmit(*frame);
        match self.command(&cmd)? {
            Reply::Transmitted { .. } | Reply::Ok => Ok(()),
            other => Err(unexpected("a transmit", &other)),
        }
    }

    fn recv(&mut self, timeout: Duration) -> Result<Option<Received>, CanError> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(r) = self.pending.pop_front() {
                return Ok(Some(r));
            }
            // An unsolicited BEL means the adapter dropped something (e.g. a late
            // transmit failure); late acks are harmless.
            while let Some(a) = self.answers.pop_front() {
                if a == Reply::Error {
                    return Err(CanError::Adapter(format!(
                        "{} reported an error (BEL)",
                        self.path
                    )));
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(None);
            }
            self.pump(left)?;
        }
    }

    fn describe(&self) -> String {
        format!(
            "slcan {} @ {} kbit/s",
            self.path,
            self.config.bitrate.bps() / 1000
        )
    }
}

impl Drop for SlcanBus {
    fn drop(&mut self) {
        // Best effort: leave the adapter off the bus.
        let _ = self.write(&encode_command(&Command::Close));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unwrap_follows_adapter_deltas_across_the_wrap() {
        let mut u = TimestampUnwrapper::default();
        let t0 = Instant::now();
        let epoch = Duration::from_secs(1_700_000_000);
        let a = u.unwrap(59_990, epoch, t0);
        assert_eq!(a, epoch);
        let b = u.unwrap(
            5,
            epoch + Duration::from_millis(16),
            t0 + Duration::from_millis(16),
        );
        assert_eq!(b - a, Duration::from_millis(15));
    }

    #[test]
    fn unwrap_counts_wraps_the_counter_cannot_show() {
        let mut u = TimestampUnwrapper::default();
        let t0 = Instant::now();
        let epoch = Duration::from_secs(100);
        let a = u.unwrap(1_000, epoch, t0);
        // 130 s later by the host clock, the adapter shows 1 000 + 130 000 mod 60 000 = 11 000.
        let b = u.unwrap(11_000, epoch, t0 + Duration::from_millis(130_020));
        assert_eq!(b - a, Duration::from_secs(130));
    }
}
