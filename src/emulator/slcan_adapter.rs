//! An emulated SLCAN USB-CAN adapter: answers host commands exactly as the
//! Lawicel CANUSB manual specifies (CR / BEL, `z`/`Z` after a transmit,
//! `Vhhff`, `Nxxxx`, `Fxx`, 4-digit time stamps with `Z1`), and bridges to an
//! in-process "far side" of the CAN bus through channels. [`serve_pty`] puts
//! it behind a real pseudo-terminal so [`crate::transport::can::slcan::SlcanBus`]
//! talks to it through the kernel's tty layer, as it would to a CANable.

use crate::protocol::slcan::{
    encode_reply, parse_command, Command, Line, LineSplitter, Reply, SlcanBitrate,
    TIMESTAMP_WRAP_MS,
};
use crate::transport::can::CanFrame;
use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{channel, Receiver, Sender, TryRecvError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Adapter clock for time stamps: time since the adapter powered up.
pub type AdapterClock = Box<dyn FnMut() -> Duration + Send>;

/// The adapter's state machine (no I/O).
pub struct SlcanAdapter {
    lines: LineSplitter,
    bitrate: Option<SlcanBitrate>,
    open: bool,
    timestamps: bool,
    status_flags: u8,
    version: String,
    serial: String,
    acknowledges: bool,
    clock: AdapterClock,
}

impl Default for SlcanAdapter {
    fn default() -> Self {
        Self::new()
    }
}

impl SlcanAdapter {
    /// Powered up, closed, no bit rate, time stamps off (CANUSB defaults).
    pub fn new() -> Self {
        let start = Instant::now();
        SlcanAdapter {
            lines: LineSplitter::new(),
            bitrate: None,
            open: false,
            timestamps: false,
            status_flags: 0,
            version: "1013".into(),
            serial: "V2XH".into(),
            acknowledges: true,
            clock: Box::new(move || start.elapsed()),
        }
    }

    /// Replaces the time-stamp clock (tests drive it by hand).
    pub fn with_clock(mut self, clock: AdapterClock) -> Self {
        self.clock = clock;
        self
    }

    /// `false` behaves as the original normaldotcom canable-fw: no CR, BEL or
    /// `z`/`Z` answers, only the answers to queries (V, N, F).
    pub fn with_acknowledgements(mut self, on: bool) -> Self {
        self.acknowledges = on;
        self
    }

    pub fn is_open(&self) -> bool {
        self.open
    }

    pub fn bitrate(&self) -> Option<SlcanBitrate> {
        self.bitrate
    }

    pub fn timestamps(&self) -> bool {
        self.timestamps
    }

    /// Sets the flags `F` reports (to emulate bus trouble).
    pub fn set_status_flags(&mut self, flags: u8) {
        self.status_flags = flags;
    }

    /// Bytes from the host: returns the reply bytes and the frames the host
    /// put on the bus.
    pub fn from_host(&mut self, bytes: &[u8]) -> (Vec<u8>, Vec<CanFrame>) {
        let mut out = Vec::new();
        let mut sent = Vec::new();
        for line in self.lines.push(bytes) {
            let reply = match line {
                // A stray BEL from the host is not a command; ignore it.
                Line::Bel => continue,
                Line::TooLong => Reply::Error,
                Line::Text(t) => match parse_command(&t) {
                    Ok(cmd) => self.execute(cmd, &mut sent),
                    Err(_) => Reply::Error,
                },
            };
            let ack = matches!(reply, Reply::Ok | Reply::Error | Reply::Transmitted { .. });
            if self.acknowledges || !ack {
                out.extend(encode_reply(&reply));
            }
        }
        (out, sent)
    }

    /// CANUSB manual state rules: S/Z only while closed, O only when closed
    /// with a bit rate set, C/t/T/r/R/F only while open.
    fn execute(&mut self, cmd: Command, sent: &mut Vec<CanFrame>) -> Reply {
        match cmd {
            Command::SetBitrate(b) if !self.open => {
                self.bitrate = Some(b);
                Reply::Ok
            }
            Command::Timestamps(on) if !self.open => {
                self.timestamps = on;
                Reply::Ok
            }
            Command::Open if !self.open && self.bitrate.is_some() => {
                self.open = true;
                Reply::Ok
            }
            Command::Close if self.open => {
                self.open = false;
                Reply::Ok
            }
            Command::Transmit(f) if self.open => {
                sent.push(f);
                Reply::Transmitted {
                    extended: f.id().is_extended(),
                }
            }
            Command::StatusFlags if self.open => Reply::StatusFlags(self.status_flags),
            Command::Version => Reply::Version(self.version.clone()),
            Command::SerialNumber => Reply::SerialNumber(self.serial.clone()),
            _ => Reply::Error,
        }
    }

    /// A frame from the far side of the bus: the bytes the host receives
    /// (nothing while the channel is closed, as a controller in reset mode).
    pub fn to_host(&mut self, frame: &CanFrame) -> Vec<u8> {
        if !self.open {
            return Vec::new();
        }
        let timestamp_ms = self
            .timestamps
            .then(|| ((self.clock)().as_millis() % u128::from(TIMESTAMP_WRAP_MS)) as u16);
        encode_reply(&Reply::Frame {
            frame: *frame,
            timestamp_ms,
        })
    }
}

/// The test's end of the bus: inject frames for the host, see what it sent.
pub struct FarSide {
    pub inject: Sender<CanFrame>,
    pub sent: Receiver<CanFrame>,
}

/// A running adapter behind a pty; stops and joins on drop.
pub struct PtyAdapter {
    /// Open this with `SlcanBus::open` (e.g. `/dev/pts/7`).
    pub path: PathBuf,
    pub far: FarSide,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for PtyAdapter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn check(rc: libc::c_int) -> io::Result<libc::c_int> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(rc)
    }
}

/// Opens a pty pair in raw mode; returns (master, slave kept open, slave path).
/// Holding a slave descriptor keeps the master from seeing EIO/hang-up
/// while no host has the port open.
fn open_pty() -> io::Result<(OwnedFd, OwnedFd, PathBuf)> {
    // SAFETY: posix_openpt returns a new descriptor we take ownership of.
    let master = unsafe {
        let fd = check(libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY))?;
        OwnedFd::from_raw_fd(fd)
    };
    let mfd = master.as_raw_fd();
    // SAFETY: plain calls on the valid master descriptor.
    unsafe {
        check(libc::grantpt(mfd))?;
        check(libc::unlockpt(mfd))?;
    }
    let mut name = [0 as libc::c_char; 128];
    // SAFETY: name is writable for its full length, which we pass.
    let rc = unsafe { libc::ptsname_r(mfd, name.as_mut_ptr(), name.len()) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    // SAFETY: ptsname_r NUL-terminated the buffer on success.
    let path = unsafe { CStr::from_ptr(name.as_ptr()) }
        .to_string_lossy()
        .into_owned();
    let cpath = std::ffi::CString::new(path.clone()).map_err(io::Error::other)?;
    // SAFETY: open(2) with a valid C string; the descriptor becomes owned.
    let slave = unsafe {
        let fd = check(libc::open(cpath.as_ptr(), libc::O_RDWR | libc::O_NOCTTY))?;
        OwnedFd::from_raw_fd(fd)
    };
    // Raw mode: no echo, no CR/LF translation, byte-at-a-time reads.
    // SAFETY: termios is plain data filled by tcgetattr before use.
    unsafe {
        let mut t: libc::termios = std::mem::zeroed();
        check(libc::tcgetattr(slave.as_raw_fd(), &mut t))?;
        libc::cfmakeraw(&mut t);
        check(libc::tcsetattr(slave.as_raw_fd(), libc::TCSANOW, &t))?;
        let flags = check(libc::fcntl(mfd, libc::F_GETFL))?;
        check(libc::fcntl(mfd, libc::F_SETFL, flags | libc::O_NONBLOCK))?;
    }
    Ok((master, slave, PathBuf::from(path)))
}

fn write_all(fd: libc::c_int, mut bytes: &[u8]) -> io::Result<()> {
    while !bytes.is_empty() {
        // SAFETY: bytes is a valid readable slice of the given length.
        let n = unsafe { libc::write(fd, bytes.as_ptr().cast(), bytes.len()) };
        if n < 0 {
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(1));
                    continue;
                }
                _ => return Err(e),
            }
        }
        bytes = bytes.get(n as usize..).unwrap_or_default();
    }
    Ok(())
}

/// Runs `adapter` on the master side of a new pty in a thread.
pub fn serve_pty(mut adapter: SlcanAdapter) -> io::Result<PtyAdapter> {
    let (master, slave, path) = open_pty()?;
    let (inject, inject_rx) = channel::<CanFrame>();
    let (sent_tx, sent) = channel::<CanFrame>();
    let stop = Arc::new(AtomicBool::new(false));
    let stop_flag = stop.clone();
    let thread = std::thread::Builder::new()
        .name("slcan-adapter".into())
        .spawn(move || {
            let _slave = slave;
            let fd = master.as_raw_fd();
            let mut buf = [0u8; 512];
            while !stop_flag.load(Ordering::Relaxed) {
                let mut pfd = libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: one valid pollfd.
                let ready = unsafe { libc::poll(&mut pfd, 1, 2) };
                if ready > 0 && pfd.revents & libc::POLLIN != 0 {
                    // SAFETY: buf is writable for its length.
                    let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
                    if n > 0 {
                        let (reply, frames) =
                            adapter.from_host(buf.get(..n as usize).unwrap_or_default());
                        if write_all(fd, &reply).is_err() {
                            break;
                        }
                        for f in frames {
                            let _ = sent_tx.send(f);
                        }
                    }
                }
                loop {
                    match inject_rx.try_recv() {
                        Ok(frame) => {
                            let bytes = adapter.to_host(&frame);
                            if write_all(fd, &bytes).is_err() {
                                return;
                            }
                        }
                        Err(TryRecvError::Empty) => break,
                        Err(TryRecvError::Disconnected) => break,
                    }
                }
            }
        })?;
    Ok(PtyAdapter {
        path,
        far: FarSide { inject, sent },
        stop,
        thread: Some(thread),
    })
}
