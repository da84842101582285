//! Byte-level helpers shared by the frame views: checked construction,
//! little-endian 16-bit fields and the `0xFF - A` current offset.

use super::ChademoError;

/// Every CHAdeMO frame carries exactly eight data bytes (IEEE 2030.1.1
/// Annex A CAN tables; all open implementations send DLC 8).
pub const DATA_LEN: usize = 8;

/// Checks the CAN id and the payload length of one frame.
pub(crate) fn check(expected: u16, id: u16, data: &[u8]) -> Result<(), ChademoError> {
    if id != expected {
        return Err(ChademoError::WrongId { expected, got: id });
    }
    if data.len() != DATA_LEN {
        return Err(ChademoError::Length {
            id,
            len: data.len(),
        });
    }
    Ok(())
}

/// Byte `i`, or 0 where the buffer is short (only reachable through
/// `new_unchecked`; keeps every getter panic-free).
pub(crate) fn byte(data: &[u8], i: usize) -> u8 {
    data.get(i).copied().unwrap_or(0)
}

/// Multi-byte CHAdeMO values are little-endian: low byte first. Verified
/// against every open implementation (chademo-rs `u16::from_le_bytes`,
/// Battery-Emulator `(d[i+1] << 8) | d[i]`, furdog, OpenInverter) and the
/// Nissan Leaf log in rand12345/chademo-rs (`B3 01` = 435 V max voltage).
pub(crate) fn u16_le(data: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([byte(data, i), byte(data, i + 1)])
}

pub(crate) fn put_u16_le(out: &mut [u8; DATA_LEN], i: usize, value: u16) {
    let [lo, hi] = value.to_le_bytes();
    if let Some(b) = out.get_mut(i) {
        *b = lo;
    }
    if let Some(b) = out.get_mut(i + 1) {
        *b = hi;
    }
}

/// Currents of the discharge frames (H'200.0, H'208.0, H'208.3) travel as
/// `0xFF - A`, so that the "unset" initial value 0 A is 0xFF on the wire.
/// The map is its own inverse and a bijection on `u8`, so it never fails.
pub const fn encode_inverted_current(current_a: u8) -> u8 {
    0xFF - current_a
}

/// Inverse of [`encode_inverted_current`] (the same subtraction).
pub const fn decode_inverted_current(raw: u8) -> u8 {
    0xFF - raw
}

/// Declares a checked view over the eight data bytes of one frame
/// (smoltcp `wire` style).
macro_rules! frame_view {
    ($(#[$meta:meta])* $name:ident, $id:expr) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name<T: AsRef<[u8]>> {
            buffer: T,
        }

        impl<T: AsRef<[u8]>> $name<T> {
            /// The 11-bit CAN identifier of this frame.
            pub const ID: u16 = $id;

            /// Wraps a buffer without checks; getters then read missing
            /// bytes as 0 rather than panic.
            pub const fn new_unchecked(buffer: T) -> Self {
                Self { buffer }
            }

            /// Wraps the data of a received frame after checking its id and
            /// that it carries exactly eight bytes.
            pub fn new_checked(id: u16, buffer: T) -> Result<Self, $crate::protocol::chademo::ChademoError> {
                $crate::protocol::chademo::field::check($id, id, buffer.as_ref())?;
                Ok(Self { buffer })
            }

            /// Gives the buffer back.
            pub fn into_inner(self) -> T {
                self.buffer
            }

            fn byte(&self, i: usize) -> u8 {
                $crate::protocol::chademo::field::byte(self.buffer.as_ref(), i)
            }

            #[allow(dead_code)]
            fn u16_le(&self, i: usize) -> u16 {
                $crate::protocol::chademo::field::u16_le(self.buffer.as_ref(), i)
            }
        }
    };
}
pub(crate) use frame_view;
