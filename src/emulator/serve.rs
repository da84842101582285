//! Serving emulated instruments to outside programs in real time: over TCP
//! (one instrument per connection) and over a pseudo-terminal (a serial
//! port that lab scripts open like /dev/ttyUSB0), while [`run_realtime`]
//! advances the plant to wall-clock time.

use super::{lock_plant, Instrument, SharedPlant};
use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Makes a fresh instrument (its own framing state) for each client.
pub type MakeInstrument = Arc<dyn Fn() -> Box<dyn Instrument> + Send + Sync>;

/// Simulated time advanced under one lock of the plant, so requests are
/// never kept waiting behind a long integration.
const MAX_CHUNK: Duration = Duration::from_millis(10);

/// Accepts connections forever; each gets its own instrument. Bytes in →
/// lock plant → `receive` → reply written back. Returns only if `accept` fails.
pub async fn serve_tcp(
    listener: TcpListener,
    make_instrument: MakeInstrument,
    plant: SharedPlant,
) -> io::Result<()> {
    loop {
        let (mut stream, _) = listener.accept().await?;
        let mut instrument = make_instrument();
        let plant = plant.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 2048];
            loop {
                let n = match stream.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => n,
                };
                let reply = {
                    let mut p = lock_plant(&plant);
                    instrument.receive(buf.get(..n).unwrap_or(&[]), &mut p)
                };
                if !reply.is_empty() {
                    tokio::time::sleep(instrument.reply_latency()).await;
                    if stream.write_all(&reply).await.is_err() {
                        return;
                    }
                }
            }
        });
    }
}

/// Keeps the plant at wall-clock time since this call, checking every
/// `tick`, in chunks of at most 10 ms of simulated time with a yield between
/// them. Runs until its task is dropped or aborted.
pub async fn run_realtime(plant: SharedPlant, tick: Duration) {
    let start = Instant::now();
    let t0 = lock_plant(&plant).now();
    let mut interval = tokio::time::interval(tick.max(Duration::from_micros(100)));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let target = t0 + start.elapsed();
        loop {
            let done = {
                let mut p = lock_plant(&plant);
                let before = p.now();
                if before >= target {
                    true
                } else {
                    let next = (before + MAX_CHUNK).min(target);
                    p.advance_to(next);
                    // Sub-step remainders round to no progress: stop there.
                    p.now() >= target || p.now() == before
                }
            };
            if done {
                break;
            }
            tokio::task::yield_now().await;
        }
    }
}

fn ptsname(master: &OwnedFd) -> io::Result<String> {
    let mut name = [0 as libc::c_char; 128];
    // SAFETY: the buffer is valid for its length; ptsname_r NUL-terminates.
    let rc = unsafe { libc::ptsname_r(master.as_raw_fd(), name.as_mut_ptr(), name.len()) };
    if rc != 0 {
        return Err(io::Error::from_raw_os_error(rc));
    }
    // SAFETY: ptsname_r succeeded, so `name` holds a NUL-terminated string.
    let cstr = unsafe { CStr::from_ptr(name.as_ptr()) };
    Ok(cstr.to_string_lossy().into_owned())
}

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(())
    }
}

fn open_slave(path: &str) -> io::Result<OwnedFd> {
    let c =
        std::ffi::CString::new(path).map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
    // SAFETY: a valid C string; the returned fd is owned below.
    let fd = unsafe { libc::open(c.as_ptr(), libc::O_RDWR | libc::O_NOCTTY) };
    check(fd)?;
    // SAFETY: `fd` was just opened and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// Opens a pseudo-terminal pair; the slave is put in raw mode (no echo, no
/// line discipline) so binary frames pass unchanged. Returns the master and
/// the slave's path (e.g. /dev/pts/3) for the outside program to open.
pub fn open_pty() -> io::Result<(OwnedFd, String)> {
    // SAFETY: plain libc calls on a descriptor we own.
    let fd = unsafe { libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY) };
    check(fd)?;
    // SAFETY: `fd` is a fresh descriptor owned by nobody else.
    let master = unsafe { OwnedFd::from_raw_fd(fd) };
    // SAFETY: valid pty master descriptor.
    check(unsafe { libc::grantpt(master.as_raw_fd()) })?;
    // SAFETY: valid pty master descriptor.
    check(unsafe { libc::unlockpt(master.as_raw_fd()) })?;
    let path = ptsname(&master)?;
    let slave = open_slave(&path)?;
    // SAFETY: termios is plain data; tcgetattr fills it.
    let mut tio: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: valid descriptor and termios pointer.
    check(unsafe { libc::tcgetattr(slave.as_raw_fd(), &mut tio) })?;
    // SAFETY: valid termios pointer.
    unsafe { libc::cfmakeraw(&mut tio) };
    // SAFETY: valid descriptor and termios pointer.
    check(unsafe { libc::tcsetattr(slave.as_raw_fd(), libc::TCSANOW, &tio) })?;
    Ok((master, path))
}

/// Serves one instrument on the pty `master` from a std thread (blocking
/// reads on a pty fd are simplest there). The thread holds the slave open
/// too, so the master never sees a hang-up between client sessions; it runs
/// until the process exits or the master fails.
pub fn serve_pty(
    master: OwnedFd,
    make_instrument: MakeInstrument,
    plant: SharedPlant,
) -> io::Result<std::thread::JoinHandle<io::Result<()>>> {
    let keep_slave_open = open_slave(&ptsname(&master)?)?;
    let mut instrument = make_instrument();
    std::thread::Builder::new()
        .name("pty-instrument".into())
        .spawn(move || {
            use std::io::{Read, Write};
            let _slave = keep_slave_open;
            let mut file = std::fs::File::from(master);
            let mut buf = [0u8; 2048];
            loop {
                let n = match file.read(&mut buf) {
                    // Nothing read (no client yet): poll again shortly.
                    Ok(0) => {
                        std::thread::sleep(Duration::from_millis(5));
                        continue;
                    }
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                };
                let reply = {
                    let mut p = lock_plant(&plant);
                    instrument.receive(buf.get(..n).unwrap_or(&[]), &mut p)
                };
                if !reply.is_empty() {
                    std::thread::sleep(instrument.reply_latency());
                    file.write_all(&reply)?;
                }
            }
        })
}
