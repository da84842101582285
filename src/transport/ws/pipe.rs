//! An in-memory, non-blocking duplex byte pipe: the emulated rig's "network"
//! between the CSMS and the emulated charger.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};

/// Bytes one direction may hold unread. A writer beyond it gets
/// `WouldBlock`, as a full socket buffer would give it, so a peer that stops
/// reading cannot make us queue without bound.
pub const PIPE_CAPACITY: usize = 1 << 20;

#[derive(Default)]
struct Channel {
    bytes: VecDeque<u8>,
    writer_gone: bool,
    reader_gone: bool,
}

/// One end of a [`memory_pipe`]. Reading an empty pipe gives
/// `ErrorKind::WouldBlock`, or `Ok(0)` once the other end is dropped; writes
/// never block.
pub struct MemoryStream {
    rx: Arc<Mutex<Channel>>,
    tx: Arc<Mutex<Channel>>,
}

/// Two connected ends.
pub fn memory_pipe() -> (MemoryStream, MemoryStream) {
    let ab = Arc::new(Mutex::new(Channel::default()));
    let ba = Arc::new(Mutex::new(Channel::default()));
    (
        MemoryStream {
            rx: ba.clone(),
            tx: ab.clone(),
        },
        MemoryStream { rx: ab, tx: ba },
    )
}

fn lock(c: &Mutex<Channel>) -> std::sync::MutexGuard<'_, Channel> {
    // A panic while holding the lock cannot leave a VecDeque half-updated in
    // a way that matters here; keep going rather than propagate the poison.
    c.lock().unwrap_or_else(|p| p.into_inner())
}

impl Read for MemoryStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut ch = lock(&self.rx);
        if ch.bytes.is_empty() {
            return if ch.writer_gone {
                Ok(0)
            } else {
                Err(io::ErrorKind::WouldBlock.into())
            };
        }
        let n = buf.len().min(ch.bytes.len());
        for (dst, src) in buf.iter_mut().zip(ch.bytes.drain(..n)) {
            *dst = src;
        }
        Ok(n)
    }
}

impl Write for MemoryStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut ch = lock(&self.tx);
        if ch.reader_gone {
            return Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the other end of the memory pipe is gone",
            ));
        }
        let room = PIPE_CAPACITY.saturating_sub(ch.bytes.len());
        if room == 0 && !buf.is_empty() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let n = buf.len().min(room);
        ch.bytes.extend(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for MemoryStream {
    fn drop(&mut self) {
        lock(&self.tx).writer_gone = true;
        lock(&self.rx).reader_gone = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_would_block_then_eof_after_drop() {
        let (mut a, mut b) = memory_pipe();
        let mut buf = [0u8; 8];
        assert_eq!(
            b.read(&mut buf).unwrap_err().kind(),
            io::ErrorKind::WouldBlock
        );
        a.write_all(b"hi").unwrap();
        assert_eq!(b.read(&mut buf).unwrap(), 2);
        drop(a);
        assert_eq!(b.read(&mut buf).unwrap(), 0);
        assert_eq!(b.write(b"x").unwrap_err().kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn full_pipe_would_block() {
        let (mut a, _b) = memory_pipe();
        let big = vec![0u8; PIPE_CAPACITY + 10];
        assert_eq!(a.write(&big).unwrap(), PIPE_CAPACITY);
        assert_eq!(a.write(b"x").unwrap_err().kind(), io::ErrorKind::WouldBlock);
    }
}
