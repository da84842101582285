//! Classic CAN frames (ISO 11898-1 data and remote frames, up to 8 data
//! bytes) and identifiers: pure data, shared by the protocols that ride on
//! CAN (CHAdeMO, ISO-TP, SLCAN) and the transports that carry them
//! (`transport::can`, which re-exports them).

pub mod timing;

/// A frame or identifier that classic CAN cannot carry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CAN frame: {0}")]
pub struct InvalidFrame(pub String);

/// Largest 11-bit identifier (ISO 11898-1 base format).
pub const STANDARD_ID_MAX: u16 = 0x7FF;
/// Largest 29-bit identifier (ISO 11898-1 extended format).
pub const EXTENDED_ID_MAX: u32 = 0x1FFF_FFFF;
/// Classic CAN carries at most 8 data bytes.
pub const MAX_DATA_LEN: usize = 8;

/// A CAN identifier. Build it with [`CanId::standard`] / [`CanId::extended`]
/// so the range is checked; frames re-check it because the variants are public.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CanId {
    Standard(u16),
    Extended(u32),
}

impl CanId {
    pub fn standard(id: u16) -> Result<Self, InvalidFrame> {
        if id > STANDARD_ID_MAX {
            return Err(InvalidFrame(format!("standard id 0x{id:X} is above 0x7FF")));
        }
        Ok(CanId::Standard(id))
    }

    pub fn extended(id: u32) -> Result<Self, InvalidFrame> {
        if id > EXTENDED_ID_MAX {
            return Err(InvalidFrame(format!(
                "extended id 0x{id:X} is above 0x1FFFFFFF"
            )));
        }
        Ok(CanId::Extended(id))
    }

    /// The numeric identifier (without any format flag).
    pub fn raw(&self) -> u32 {
        match *self {
            CanId::Standard(id) => u32::from(id),
            CanId::Extended(id) => id,
        }
    }

    pub fn is_extended(&self) -> bool {
        matches!(self, CanId::Extended(_))
    }

    /// Whether the value fits its format (the variants can be built directly).
    pub fn is_valid(&self) -> bool {
        match *self {
            CanId::Standard(id) => id <= STANDARD_ID_MAX,
            CanId::Extended(id) => id <= EXTENDED_ID_MAX,
        }
    }

    fn checked(self) -> Result<Self, InvalidFrame> {
        match self {
            CanId::Standard(id) => CanId::standard(id),
            CanId::Extended(id) => CanId::extended(id),
        }
    }
}

impl std::fmt::Display for CanId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            CanId::Standard(id) => write!(f, "0x{id:03X}"),
            CanId::Extended(id) => write!(f, "0x{id:08X}"),
        }
    }
}

/// A classic CAN data or remote frame. Bytes beyond `dlc` are always zero, so
/// derived equality compares only what is on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CanFrame {
    id: CanId,
    rtr: bool,
    dlc: u8,
    data: [u8; 8],
}

impl CanFrame {
    /// A data frame; `data` may be 0..=8 bytes.
    pub fn new(id: CanId, data: &[u8]) -> Result<Self, InvalidFrame> {
        let id = id.checked()?;
        if data.len() > MAX_DATA_LEN {
            return Err(InvalidFrame(format!(
                "{} data bytes; classic CAN carries at most 8",
                data.len()
            )));
        }
        let mut buf = [0u8; 8];
        buf[..data.len()].copy_from_slice(data);
        Ok(CanFrame {
            id,
            rtr: false,
            dlc: data.len() as u8,
            data: buf,
        })
    }

    /// A remote (RTR) frame requesting `dlc` bytes; it carries no data.
    pub fn remote(id: CanId, dlc: u8) -> Result<Self, InvalidFrame> {
        let id = id.checked()?;
        if usize::from(dlc) > MAX_DATA_LEN {
            return Err(InvalidFrame(format!("remote frame dlc {dlc} is above 8")));
        }
        Ok(CanFrame {
            id,
            rtr: true,
            dlc,
            data: [0; 8],
        })
    }

    pub fn id(&self) -> CanId {
        self.id
    }

    pub fn is_remote(&self) -> bool {
        self.rtr
    }

    pub fn dlc(&self) -> u8 {
        self.dlc
    }

    /// The data bytes: `dlc` of them for a data frame, none for a remote frame.
    pub fn data(&self) -> &[u8] {
        if self.rtr {
            &[]
        } else {
            &self.data[..usize::from(self.dlc.min(8))]
        }
    }
}

impl std::fmt::Display for CanFrame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]", self.id, self.dlc)?;
        if self.rtr {
            return write!(f, " remote request");
        }
        for b in self.data() {
            write!(f, " {b:02X}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_ranges_are_checked() {
        assert!(CanId::standard(0x7FF).is_ok());
        assert!(CanId::standard(0x800).is_err());
        assert!(CanId::extended(0x1FFF_FFFF).is_ok());
        assert!(CanId::extended(0x2000_0000).is_err());
        assert_eq!(CanId::extended(0x18DA_F110).unwrap().raw(), 0x18DA_F110);
    }

    #[test]
    fn frames_check_ids_built_directly() {
        assert!(CanFrame::new(CanId::Standard(0x800), &[]).is_err());
        assert!(CanFrame::remote(CanId::Extended(0xFFFF_FFFF), 0).is_err());
    }

    #[test]
    fn data_length_rules() {
        let id = CanId::standard(0x123).unwrap();
        let f = CanFrame::new(id, &[1, 2, 3]).unwrap();
        assert_eq!(f.dlc(), 3);
        assert_eq!(f.data(), &[1, 2, 3]);
        assert!(!f.is_remote());
        assert!(CanFrame::new(id, &[0; 9]).is_err());
        let r = CanFrame::remote(id, 4).unwrap();
        assert!(r.is_remote());
        assert_eq!(r.dlc(), 4);
        assert!(r.data().is_empty());
        assert!(CanFrame::remote(id, 9).is_err());
    }

    #[test]
    fn display_is_readable() {
        let f = CanFrame::new(CanId::Standard(0x1A), &[0xDE, 0xAD]).unwrap();
        assert_eq!(f.to_string(), "0x01A [2] DE AD");
    }
}
