//! A point of a SunSpec model: where it sits, its type, whether it is
//! writable, and its scale-factor point.

/// SunSpec point types used by models 1, 201–204 and 701–710.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PointType {
    Uint16,
    Int16,
    Uint32,
    Int32,
    Uint64,
    /// Accumulator (meter energy counters); 0 means not accumulated.
    Acc32,
    Enum16,
    Bitfield16,
    Bitfield32,
    Sunssf,
    String,
    Pad,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    pub name: &'static str,
    /// Registers from the model's ID register.
    pub offset: u16,
    /// Registers.
    pub size: u16,
    pub ty: PointType,
    /// `access: RW` in the model definition.
    pub writable: bool,
    /// Name of the scale-factor point, if any.
    pub sf: Option<&'static str>,
}

impl Point {
    /// The registers this point holds when not implemented.
    pub fn not_implemented(&self) -> Vec<u16> {
        use super::ni;
        let size = usize::from(self.size);
        match self.ty {
            PointType::Uint16 => vec![ni::UINT16],
            PointType::Int16 => vec![ni::INT16],
            PointType::Enum16 => vec![ni::ENUM16],
            PointType::Bitfield16 => vec![ni::BITFIELD16],
            PointType::Sunssf => vec![ni::SUNSSF],
            PointType::Pad => vec![ni::PAD],
            PointType::Uint32 => super::u32_regs(ni::UINT32).to_vec(),
            PointType::Int32 => super::u32_regs(ni::INT32).to_vec(),
            PointType::Bitfield32 => super::u32_regs(ni::BITFIELD32).to_vec(),
            PointType::Uint64 => vec![0xFFFF; 4],
            PointType::Acc32 => super::u32_regs(ni::ACC32).to_vec(),
            PointType::String => vec![0; size],
        }
    }

    /// Whether `regs` (this point's registers) hold the not-implemented value.
    pub fn is_not_implemented(&self, regs: &[u16]) -> bool {
        regs == self.not_implemented().as_slice()
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        usize::from(self.offset)..usize::from(self.offset) + usize::from(self.size)
    }
}
