//! Seed/key algorithms for SecurityAccess 0x27. Real ECUs use vendor
//! algorithms; the trait lets a rig plug one in. [`KeyedXorRotate`] is the
//! documented algorithm of the emulated charger's bootloader.

/// Computes the key for a seed (ISO 14229-1:2013 §9.4: the server sends a
/// seed for an odd `level`, the client answers with the key on `level + 1`).
pub trait SecurityAlgorithm: Send {
    /// `level` is the odd requestSeed level the seed came from.
    fn key(&self, level: u8, seed: &[u8]) -> Vec<u8>;
}

/// The emulated charger bootloader's seed/key algorithm: a byte-wise keyed
/// XOR/rotate chain over a 16-byte secret from the rig file. For seed
/// bytes `s[i]`, secret `k[0..16]`, and `acc` starting at `level`:
///
/// ```text
/// x      = rotl8(s[i] ^ k[i mod 16], k[(i + 5) mod 16] mod 8) + acc   (mod 256)
/// key[i] = x ^ k[(i + level) mod 16]
/// acc    = key[i]
/// ```
///
/// The key has as many bytes as the seed. Like most vendor seed/key
/// schemes this is obfuscation against accidental flashing, not
/// cryptography: anyone with the secret (or enough seed/key pairs) can
/// compute keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedXorRotate {
    pub secret: [u8; 16],
}

impl KeyedXorRotate {
    pub fn new(secret: [u8; 16]) -> Self {
        KeyedXorRotate { secret }
    }

    fn k(&self, i: usize) -> u8 {
        self.secret.get(i % 16).copied().unwrap_or(0)
    }
}

impl SecurityAlgorithm for KeyedXorRotate {
    fn key(&self, level: u8, seed: &[u8]) -> Vec<u8> {
        let mut acc = level;
        seed.iter()
            .enumerate()
            .map(|(i, &s)| {
                let x = (s ^ self.k(i))
                    .rotate_left(u32::from(self.k(i + 5) % 8))
                    .wrapping_add(acc);
                let key = x ^ self.k(i + usize::from(level));
                acc = key;
                key
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example() {
        // secret 00 01 … 0F, level 1, seed 11 22 33 44:
        // i=0: (11^00)=11 rotl(k5=5)=0x22 +1=0x23 ^k1=01 → 0x22
        // i=1: (22^01)=23 rotl(k6=6)=0xC8 +22=0xEA ^k2=02 → 0xE8
        // i=2: (33^02)=31 rotl(k7=7)=0x98 +E8=0x80 ^k3=03 → 0x83
        // i=3: (44^03)=47 rotl(k8=0)=0x47 +83=0xCA ^k4=04 → 0xCE
        let secret: [u8; 16] = core::array::from_fn(|i| i as u8);
        let a = KeyedXorRotate::new(secret);
        assert_eq!(
            a.key(1, &[0x11, 0x22, 0x33, 0x44]),
            [0x22, 0xE8, 0x83, 0xCE]
        );
        assert!(a.key(1, &[]).is_empty());
        assert_ne!(a.key(3, &[0x11, 0x22]), a.key(1, &[0x11, 0x22]));
    }
}
