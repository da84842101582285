//! The emulated charger's program flash: sectors that must be erased (to
//! 0xFF) before they are programmed, with erase and program times taken from
//! a typical automotive MCU's data sheet class (e.g. 4 KiB sectors erased in
//! a few ms, 64-bit words programmed in ~10 µs). Programming a byte that is
//! not erased fails, as on real NOR flash (bits only go 1 → 0).

use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlashGeometry {
    pub base: u32,
    pub size: u32,
    pub sector_size: u32,
    /// Time to erase one sector.
    pub erase_per_sector: Duration,
    /// Time to program one 8-byte word.
    pub program_per_word: Duration,
}

impl FlashGeometry {
    /// 1 MiB at 0x0800_0000 in 4 KiB sectors: 2 ms per sector erase, 10 µs
    /// per 64-bit word program (same order as STM32G4 / S32K data sheets).
    pub fn emulated_charger() -> Self {
        FlashGeometry {
            base: 0x0800_0000,
            size: 1 << 20,
            sector_size: 4096,
            erase_per_sector: Duration::from_millis(2),
            program_per_word: Duration::from_micros(10),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlashError {
    #[error("address range 0x{start:08X}+{len} is outside flash")]
    OutOfRange { start: u32, len: u32 },
    #[error("erase range 0x{start:08X}+{len} is not sector aligned")]
    Unaligned { start: u32, len: u32 },
    #[error("programming 0x{address:08X}, which is not erased")]
    NotErased { address: u32 },
}

pub struct Flash {
    geometry: FlashGeometry,
    cells: Vec<u8>,
}

impl Flash {
    /// Starts fully erased.
    pub fn new(geometry: FlashGeometry) -> Self {
        Flash {
            cells: vec![0xFF; geometry.size as usize],
            geometry,
        }
    }

    pub fn geometry(&self) -> FlashGeometry {
        self.geometry
    }

    fn offset(&self, start: u32, len: u32) -> Result<std::ops::Range<usize>, FlashError> {
        let g = self.geometry;
        let end = u64::from(start) + u64::from(len);
        if start < g.base || end > u64::from(g.base) + u64::from(g.size) {
            return Err(FlashError::OutOfRange { start, len });
        }
        let off = (start - g.base) as usize;
        Ok(off..off + len as usize)
    }

    /// Erases whole sectors; returns how long it takes.
    pub fn erase(&mut self, start: u32, len: u32) -> Result<Duration, FlashError> {
        let range = self.offset(start, len)?;
        let s = self.geometry.sector_size;
        if !(start - self.geometry.base).is_multiple_of(s) || !len.is_multiple_of(s) {
            return Err(FlashError::Unaligned { start, len });
        }
        self.cells[range].fill(0xFF);
        Ok(self.geometry.erase_per_sector * (len / s))
    }

    /// Programs bytes into erased cells; returns how long it takes.
    pub fn program(&mut self, start: u32, data: &[u8]) -> Result<Duration, FlashError> {
        let len = u32::try_from(data.len()).map_err(|_| FlashError::OutOfRange {
            start,
            len: u32::MAX,
        })?;
        let range = self.offset(start, len)?;
        let cells = &mut self.cells[range];
        if let Some(i) = cells
            .iter()
            .zip(data)
            .position(|(c, d)| *c != 0xFF && *d != 0xFF)
        {
            return Err(FlashError::NotErased {
                address: start + i as u32,
            });
        }
        cells.copy_from_slice(data);
        Ok(self.geometry.program_per_word * len.div_ceil(8))
    }

    pub fn read(&self, start: u32, len: u32) -> Result<&[u8], FlashError> {
        let range = self.offset(start, len)?;
        Ok(&self.cells[range])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_needs_erase_and_takes_time() {
        let g = FlashGeometry::emulated_charger();
        let mut f = Flash::new(g);
        let t = f.program(g.base, &[1, 2, 3, 4, 5, 6, 7, 8, 9]).unwrap();
        assert_eq!(t, Duration::from_micros(20));
        assert_eq!(
            f.program(g.base, &[0]),
            Err(FlashError::NotErased { address: g.base })
        );
        assert_eq!(f.erase(g.base, 8192).unwrap(), Duration::from_millis(4));
        assert_eq!(f.read(g.base, 2).unwrap(), &[0xFF, 0xFF]);
        assert!(matches!(
            f.erase(g.base + 1, 4096),
            Err(FlashError::Unaligned { .. })
        ));
        assert!(matches!(
            f.program(g.base + g.size - 1, &[0, 0]),
            Err(FlashError::OutOfRange { .. })
        ));
    }
}
