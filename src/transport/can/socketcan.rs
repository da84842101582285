//! [`SocketCanBus`]: Linux SocketCAN (`can0`, `vcan0`, `slcan0`) through the
//! `socketcan` crate. Receive time stamps are the kernel's software stamps
//! (SO_TIMESTAMPNS), as time since the UNIX epoch.

use super::{CanBus, CanError, CanFrame, CanId, Received};
use socketcan::{
    CanSocket, EmbeddedFrame, ExtendedId, Frame, Id, Socket, SocketOptions, StandardId,
};
use std::io;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a send may wait for room in the interface's transmit queue.
const SEND_TIMEOUT: Duration = Duration::from_millis(500);

/// The transmit queue is full for now (ENOBUFS, EAGAIN, a write timeout).
fn queue_full(e: &io::Error) -> bool {
    e.raw_os_error() == Some(libc::ENOBUFS)
        || matches!(
            e.kind(),
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
        )
}

pub struct SocketCanBus {
    socket: CanSocket,
    ifname: String,
}

/// Maps an open error to the plain causes an installer can act on.
pub fn map_open_error(ifname: &str, err: io::Error) -> CanError {
    match err.raw_os_error() {
        Some(libc::ENODEV) => CanError::NoSuchInterface(ifname.to_string()),
        Some(libc::EAFNOSUPPORT) => CanError::NoKernelSupport,
        _ => CanError::Io {
            link: format!("socketcan {ifname}"),
            source: err,
        },
    }
}

/// Whether the kernel offers PF_CAN raw sockets at all; checked first so a
/// kernel without CAN is reported as such rather than as a missing interface.
fn kernel_has_can() -> Result<(), io::Error> {
    // SAFETY: plain socket(2)/close(2) on a descriptor we own.
    let fd = unsafe {
        libc::socket(
            libc::PF_CAN,
            libc::SOCK_RAW | libc::SOCK_CLOEXEC,
            libc::CAN_RAW,
        )
    };
    if fd < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: fd was just returned by socket(2) and is closed once.
    unsafe { libc::close(fd) };
    Ok(())
}

impl SocketCanBus {
    pub fn open(ifname: &str) -> Result<Self, CanError> {
        kernel_has_can().map_err(|e| map_open_error(ifname, e))?;
        let socket = CanSocket::open(ifname).map_err(|e| map_open_error(ifname, e))?;
        socket
            .set_recv_timestamp(true)
            .map_err(|e| map_open_error(ifname, e))?;
        // A blocking write returns after this at the latest; `send` retries.
        socket
            .set_write_timeout(SEND_TIMEOUT)
            .map_err(|e| map_open_error(ifname, e))?;
        Ok(SocketCanBus {
            socket,
            ifname: ifname.to_string(),
        })
    }

    fn io(&self, source: io::Error) -> CanError {
        CanError::Io {
            link: self.describe(),
            source,
        }
    }
}

fn to_socketcan(frame: &CanFrame) -> Result<socketcan::CanFrame, CanError> {
    let id: Id = match frame.id() {
        CanId::Standard(id) => StandardId::new(id).map(Id::Standard),
        CanId::Extended(id) => ExtendedId::new(id).map(Id::Extended),
    }
    .ok_or_else(|| CanError::InvalidFrame(format!("identifier {} out of range", frame.id())))?;
    let built = if frame.is_remote() {
        socketcan::CanFrame::new_remote(id, usize::from(frame.dlc()))
    } else {
        socketcan::CanFrame::new(id, frame.data())
    };
    built.ok_or_else(|| CanError::InvalidFrame(frame.to_string()))
}

fn from_socketcan(frame: &socketcan::CanFrame) -> Option<CanFrame> {
    if frame.is_error_frame() {
        return None;
    }
    let id = match frame.id() {
        Id::Standard(id) => CanId::Standard(id.as_raw()),
        Id::Extended(id) => CanId::Extended(id.as_raw()),
    };
    if frame.is_remote_frame() {
        CanFrame::remote(id, frame.dlc().min(8) as u8).ok()
    } else {
        CanFrame::new(id, frame.data()).ok()
    }
}

impl CanBus for SocketCanBus {
    /// Retries while the kernel's queue is full (a bus with nobody
    /// acknowledging, or bus-off), up to [`SEND_TIMEOUT`].
    fn send(&mut self, frame: &CanFrame) -> Result<(), CanError> {
        let f = to_socketcan(frame)?;
        let deadline = std::time::Instant::now() + SEND_TIMEOUT;
        loop {
            match self.socket.write_frame(&f) {
                Ok(()) => return Ok(()),
                Err(e) if queue_full(&e) && std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(1));
                }
                Err(e) if queue_full(&e) => {
                    return Err(CanError::Timeout {
                        what: format!("{} to take a frame", self.describe()),
                        after: SEND_TIMEOUT,
                    })
                }
                Err(e) => return Err(self.io(e)),
            }
        }
    }

    fn recv(&mut self, timeout: Duration) -> Result<Option<Received>, CanError> {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let mut pfd = libc::pollfd {
                fd: std::os::fd::AsRawFd::as_raw_fd(&self.socket),
                events: libc::POLLIN,
                revents: 0,
            };
            let ms = left.as_millis().min(i32::MAX as u128) as i32;
            // SAFETY: one valid pollfd for the socket we own.
            let n = unsafe { libc::poll(&mut pfd, 1, ms) };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(self.io(e));
            }
            if n == 0 {
                return Ok(None);
            }
            let (frame, at) = self
                .socket
                .read_frame_with_timestamp()
                .map_err(|e| self.io(e))?;
            let timestamp = at.duration_since(UNIX_EPOCH).unwrap_or_else(|_| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .unwrap_or(Duration::ZERO)
            });
            // Error frames only arrive if error reporting is enabled; skip them.
            if let Some(frame) = from_socketcan(&frame) {
                return Ok(Some(Received { frame, timestamp }));
            }
        }
    }

    fn describe(&self) -> String {
        format!("socketcan {}", self.ifname)
    }
}
