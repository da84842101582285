//! memoryAddress / memorySize with their addressAndLengthFormatIdentifier
//! (ALFID): bits 7–4 = bytes of memorySize, bits 3–0 = bytes of
//! memoryAddress (ISO 14229-1:2013, RequestDownload §14.2 and its ALFID examples annex). Used by
//! RequestDownload 0x34 and the eraseMemory routine 0xFF00.

use super::{be_uint, min_len, put_be, UdsCodecError};

/// A memory range with the field widths it travels in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryLocation {
    pub address: u64,
    pub size: u64,
    /// Bytes of memoryAddress on the wire (1..=8 here; ISO allows 15).
    pub address_len: u8,
    /// Bytes of memorySize on the wire (1..=8).
    pub size_len: u8,
}

impl MemoryLocation {
    /// With explicit widths; errors if a value does not fit its width.
    pub fn new(address: u64, size: u64, address_len: u8, size_len: u8) -> Result<Self, String> {
        let fits = |v: u64, n: u8| (1..=8).contains(&n) && min_len(v) <= usize::from(n);
        if !fits(address, address_len) || !fits(size, size_len) {
            return Err(format!(
                "address 0x{address:X} / size {size} do not fit {address_len} / {size_len} bytes"
            ));
        }
        Ok(MemoryLocation {
            address,
            size,
            address_len,
            size_len,
        })
    }

    /// 32-bit address and 32-bit size (ALFID 0x44), the usual choice of
    /// 32-bit microcontroller bootloaders.
    pub fn u32(address: u32, size: u32) -> Self {
        MemoryLocation {
            address: u64::from(address),
            size: u64::from(size),
            address_len: 4,
            size_len: 4,
        }
    }

    /// The ALFID byte.
    pub fn format(&self) -> u8 {
        ((self.size_len & 0x0F) << 4) | (self.address_len & 0x0F)
    }

    /// Appends ALFID, memoryAddress and memorySize.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(self.format());
        put_be(out, self.address, usize::from(self.address_len));
        put_be(out, self.size, usize::from(self.size_len));
    }

    /// Reads ALFID + address + size from the front of `b`; returns the
    /// rest. Widths of 0 or above 8 are out of range (NRC 0x31).
    pub fn decode(service: u8, b: &[u8]) -> Result<(Self, &[u8]), UdsCodecError> {
        let (&alfid, rest) = b
            .split_first()
            .ok_or_else(|| super::length(service, "missing addressAndLengthFormatIdentifier"))?;
        let address_len = alfid & 0x0F;
        let size_len = alfid >> 4;
        if !(1..=8).contains(&address_len) || !(1..=8).contains(&size_len) {
            return Err(UdsCodecError::OutOfRange {
                service,
                detail: format!("addressAndLengthFormatIdentifier 0x{alfid:02X}"),
            });
        }
        let (a, rest) = split(service, rest, address_len)?;
        let (s, rest) = split(service, rest, size_len)?;
        Ok((
            MemoryLocation {
                address: be_uint(a),
                size: be_uint(s),
                address_len,
                size_len,
            },
            rest,
        ))
    }
}

fn split(service: u8, b: &[u8], n: u8) -> Result<(&[u8], &[u8]), UdsCodecError> {
    let n = usize::from(n);
    if b.len() < n {
        return Err(super::length(
            service,
            format!("{} bytes where {n} were announced", b.len()),
        ));
    }
    Ok(b.split_at(n))
}
