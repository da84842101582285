//! CRC-16/MODBUS (Modbus over Serial Line V1.02 §6.2.2): reflected polynomial
//! 0xA001, initial value 0xFFFF, sent low byte first.

/// Running CRC, fed a byte at a time.
#[derive(Debug, Clone, Copy)]
pub struct Crc16(u16);

impl Default for Crc16 {
    fn default() -> Self {
        Crc16(0xFFFF)
    }
}

impl Crc16 {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn update(&mut self, b: u8) {
        let mut crc = self.0 ^ u16::from(b);
        for _ in 0..8 {
            if crc & 1 != 0 {
                crc = (crc >> 1) ^ 0xA001;
            } else {
                crc >>= 1;
            }
        }
        self.0 = crc;
    }

    pub fn value(&self) -> u16 {
        self.0
    }
}

/// CRC of `bytes` as the 16-bit value; put on the wire as `to_le_bytes()`.
pub fn crc16(bytes: &[u8]) -> u16 {
    let mut crc = Crc16::new();
    for &b in bytes {
        crc.update(b);
    }
    crc.value()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_examples() {
        // Serial Line V1.02 §6.2.2 / Application Protocol example frame
        // `01 03 00 00 00 0A C5 CD`: CRC low byte C5 first.
        assert_eq!(
            crc16(&[0x01, 0x03, 0x00, 0x00, 0x00, 0x0A]).to_le_bytes(),
            [0xC5, 0xCD]
        );
        // Check value of CRC-16/MODBUS over "123456789" is 0x4B37.
        assert_eq!(crc16(b"123456789"), 0x4B37);
    }
}
