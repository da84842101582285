//! Finding V2GTP messages in a TCP byte stream. V2GTP has no delimiter: the
//! header's length field is the only framing, so once a header is bad the
//! stream cannot be resynchronised and the connection must be closed
//! (ISO 15118-2 [V2G2-065..V2G2-067]: a node that receives a header it
//! cannot process closes the TCP connection).

use super::{Header, Limits, Message, V2gtpError, HEADER_LEN};
use thiserror::Error;

/// A header fault found in a stream, located at the stream offset where
/// the offending frame begins.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("V2GTP stream byte {}: {error}", self.stream_offset())]
pub struct StreamError {
    /// Offset in the stream of the first byte of the offending frame.
    pub frame_start: u64,
    pub error: V2gtpError,
}

impl StreamError {
    /// Offset in the stream of the offending byte itself.
    pub fn stream_offset(&self) -> u64 {
        self.frame_start
            .saturating_add(u64::try_from(self.error.offset()).unwrap_or(u64::MAX))
    }
}

/// Accumulates a TCP byte stream and yields whole V2GTP messages.
///
/// Never holds more than one announced frame plus what has been pushed
/// beyond it, because a header announcing more than
/// [`Limits::max_payload_len`] is refused as soon as its length field has
/// arrived. After an error the splitter is *failed*: it discards all input
/// and yields nothing, since the stream is out of step for good.
#[derive(Debug, Clone, Default)]
pub struct FrameSplitter {
    buf: Vec<u8>,
    limits: Limits,
    /// Stream offset of `buf[0]`.
    offset: u64,
    failed: bool,
}

impl FrameSplitter {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    pub fn push(&mut self, bytes: &[u8]) {
        if !self.failed {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// Bytes received but not yet returned as a message.
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Whether a header error has ended the stream.
    pub fn is_failed(&self) -> bool {
        self.failed
    }

    /// How many more bytes the next message needs (at least one while a
    /// header is incomplete), or 0 when one is ready or the stream failed.
    pub fn needed(&self) -> usize {
        if self.failed {
            return 0;
        }
        if self.buf.len() < HEADER_LEN {
            return HEADER_LEN - self.buf.len();
        }
        match Header::parse(&self.buf, &self.limits) {
            Ok(h) => h.frame_len().saturating_sub(self.buf.len()),
            Err(_) => 0,
        }
    }

    /// Next whole message; `None` if more input is needed (or the stream
    /// has failed); an error once, when a header is bad.
    pub fn next_message(&mut self) -> Option<Result<Message, StreamError>> {
        if self.failed {
            return None;
        }
        let header = if self.buf.len() < HEADER_LEN {
            // Refuse a stream out of step as early as its first bytes show it.
            Header::check_versions(&self.buf).map(|()| None)
        } else {
            Header::parse(&self.buf, &self.limits).map(Some)
        };
        let header = match header {
            Ok(Some(h)) => h,
            Ok(None) => return None,
            Err(error) => return Some(Err(self.fail(error))),
        };
        let total = header.frame_len();
        if self.buf.len() < total {
            return None;
        }
        let payload = self.buf.get(HEADER_LEN..total).unwrap_or(&[]).to_vec();
        self.buf.drain(..total);
        self.offset = self
            .offset
            .saturating_add(u64::try_from(total).unwrap_or(u64::MAX));
        Some(Ok(Message {
            payload_type: header.payload_type,
            payload,
        }))
    }

    fn fail(&mut self, error: V2gtpError) -> StreamError {
        self.failed = true;
        self.buf = Vec::new();
        StreamError {
            frame_start: self.offset,
            error,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::PayloadType;
    use super::*;

    fn frame(t: PayloadType, payload: &[u8]) -> Vec<u8> {
        Message::new(t, payload).encode().unwrap()
    }

    #[test]
    fn splits_frames_across_arbitrary_chunks() {
        let a = frame(PayloadType::Exi, &[0x80, 0x40, 0x00, 0x40]);
        let b = frame(PayloadType::Iso20Dc, &[1, 2, 3, 4, 5, 6, 7]);
        let c = frame(PayloadType::Iso20Main, &[]);
        let stream: Vec<u8> = [a.clone(), b.clone(), c.clone()].concat();
        for piece in 1..=stream.len() {
            let mut s = FrameSplitter::new(Limits::default());
            let mut got = Vec::new();
            for chunk in stream.chunks(piece) {
                s.push(chunk);
                while let Some(m) = s.next_message() {
                    got.push(m.unwrap().encode().unwrap());
                }
            }
            assert_eq!(got, vec![a.clone(), b.clone(), c.clone()], "piece {piece}");
            assert_eq!(s.buffered(), 0);
            assert_eq!(s.needed(), HEADER_LEN);
        }
    }

    #[test]
    fn partial_input_needs_more() {
        let a = frame(PayloadType::Exi, &[0xAA; 10]);
        let mut s = FrameSplitter::new(Limits::default());
        s.push(&a[..5]);
        assert!(s.next_message().is_none());
        assert_eq!(s.needed(), 3);
        s.push(&a[5..12]);
        assert!(s.next_message().is_none());
        assert_eq!(s.needed(), 6);
        s.push(&a[12..]);
        assert_eq!(s.needed(), 0);
        assert_eq!(s.next_message().unwrap().unwrap().payload, vec![0xAA; 10]);
    }

    #[test]
    fn bad_header_fails_the_stream_with_its_location() {
        let a = frame(PayloadType::Exi, &[1, 2, 3]);
        let mut s = FrameSplitter::new(Limits::default());
        s.push(&a);
        s.push(&[0x01, 0xEF]); // second frame: inverse version wrong
        assert!(s.next_message().unwrap().is_ok());
        let e = s.next_message().unwrap().unwrap_err();
        assert_eq!(e.error, V2gtpError::InverseVersion { found: 0xEF });
        assert_eq!(e.frame_start, 11);
        assert_eq!(e.stream_offset(), 12);
        assert!(
            e.to_string().starts_with("V2GTP stream byte 12: byte 1"),
            "{e}"
        );
        assert!(s.is_failed());
        s.push(&a);
        assert!(s.next_message().is_none());
        assert_eq!(s.buffered(), 0);
    }

    #[test]
    fn oversized_length_is_refused_before_the_payload_arrives() {
        let mut s = FrameSplitter::new(Limits::with_max_payload_len(16));
        s.push(&[0x01, 0xFE, 0x80, 0x01, 0x00, 0x00, 0x00, 0x11]);
        let e = s.next_message().unwrap().unwrap_err();
        assert_eq!(e.error, V2gtpError::PayloadTooLong { len: 17, max: 16 });
        assert_eq!(e.stream_offset(), 4);
        // Exactly the limit is fine.
        let mut s = FrameSplitter::new(Limits::with_max_payload_len(16));
        s.push(&frame(PayloadType::Exi, &[0; 16]));
        assert!(s.next_message().unwrap().is_ok());
    }

    #[test]
    fn garbage_is_refused_at_its_first_byte() {
        let mut s = FrameSplitter::new(Limits::default());
        s.push(b"G");
        let e = s.next_message().unwrap().unwrap_err();
        assert_eq!(e.error, V2gtpError::Version { found: b'G' });
        assert_eq!(e.stream_offset(), 0);
    }
}
