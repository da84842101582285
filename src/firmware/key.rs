//! Firmware-signing public keys and detached signatures (Ed25519, RFC 8032).
//!
//! Keys: a PEM "PUBLIC KEY" (SubjectPublicKeyInfo, RFC 8410 §4, as
//! `openssl pkey -pubout` writes it) or the raw 32-byte key as 64 hex digits.
//! Signatures: 64 raw bytes, or the same as base64 (RFC 4648 §4) text.

use ed25519_dalek::pkcs8::DecodePublicKey;
use ed25519_dalek::{Signature, VerifyingKey, PUBLIC_KEY_LENGTH, SIGNATURE_LENGTH};
use sha2::{Digest, Sha256};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum KeyError {
    #[error("this is a private key; give the firmware-signing *public* key")]
    PrivateKey,
    #[error("PEM public key is not an Ed25519 SubjectPublicKeyInfo: {0}")]
    BadPem(String),
    #[error("not a PEM \"PUBLIC KEY\" nor 64 hex digits of a raw Ed25519 key")]
    Unrecognised,
    #[error("the 32 key bytes are not a valid Ed25519 point")]
    BadPoint,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureFormatError {
    #[error("signature is {0} bytes: want 64 raw bytes or their base64")]
    BadLength(usize),
    #[error("signature text is not base64: {0}")]
    BadBase64(&'static str),
}

/// An Ed25519 public key that firmware must be signed with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningPublicKey {
    key: VerifyingKey,
}

impl SigningPublicKey {
    /// Accepts PEM "PUBLIC KEY" (text before the BEGIN line, such as a
    /// comment, is ignored as RFC 7468 §5.2 allows) or 64 hex digits.
    pub fn parse(text: &[u8]) -> Result<SigningPublicKey, KeyError> {
        let s = String::from_utf8_lossy(text);
        if s.contains("PRIVATE KEY-----") {
            return Err(KeyError::PrivateKey);
        }
        if let Some(begin) = s.find("-----BEGIN PUBLIC KEY-----") {
            let pem = s.get(begin..).unwrap_or_default();
            let end_tag = "-----END PUBLIC KEY-----";
            let pem = match pem.find(end_tag) {
                Some(e) => pem.get(..e + end_tag.len()).unwrap_or(pem),
                None => pem,
            };
            let pem = format!("{}\n", pem.trim());
            let key = VerifyingKey::from_public_key_pem(&pem)
                .map_err(|e| KeyError::BadPem(e.to_string()))?;
            return Ok(SigningPublicKey { key });
        }
        let hex = s.trim();
        if hex.len() == 2 * PUBLIC_KEY_LENGTH {
            if let Some(raw) = decode_hex(hex) {
                let arr: [u8; PUBLIC_KEY_LENGTH] =
                    raw.try_into().map_err(|_| KeyError::Unrecognised)?;
                let key = VerifyingKey::from_bytes(&arr).map_err(|_| KeyError::BadPoint)?;
                return Ok(SigningPublicKey { key });
            }
        }
        Err(KeyError::Unrecognised)
    }

    /// The raw 32 key bytes (RFC 8032 §5.1.5 encoding).
    pub fn to_bytes(&self) -> [u8; PUBLIC_KEY_LENGTH] {
        self.key.to_bytes()
    }

    /// First 8 bytes of SHA-256 over the raw key, hex: names the key in messages.
    pub fn fingerprint(&self) -> String {
        let d = Sha256::digest(self.key.as_bytes());
        crate::firmware::verify::hex_lower(&d[..8])
    }

    /// Strict RFC 8032 verification (rejects non-canonical and small-order
    /// encodings) of `signature` over `message`.
    pub fn verify(&self, message: &[u8], signature: &[u8; SIGNATURE_LENGTH]) -> bool {
        let sig = Signature::from_bytes(signature);
        self.key.verify_strict(message, &sig).is_ok()
    }
}

/// Decodes a detached signature file: 64 raw bytes, or base64 text of them.
pub fn parse_signature(bytes: &[u8]) -> Result<[u8; SIGNATURE_LENGTH], SignatureFormatError> {
    if let Ok(raw) = <[u8; SIGNATURE_LENGTH]>::try_from(bytes) {
        return Ok(raw);
    }
    let decoded = decode_base64(bytes.trim_ascii())?;
    let n = decoded.len();
    decoded
        .try_into()
        .map_err(|_| SignatureFormatError::BadLength(n))
}

pub(crate) fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks_exact(2)
        .map(|p| {
            let h = (*p.first()? as char).to_digit(16)?;
            let l = (*p.get(1)? as char).to_digit(16)?;
            Some((h * 16 + l) as u8)
        })
        .collect()
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// RFC 4648 §4 base64; line breaks and spaces are skipped, '=' padding optional.
pub fn decode_base64(text: &[u8]) -> Result<Vec<u8>, SignatureFormatError> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    let mut padding = 0;
    for &c in text {
        if c.is_ascii_whitespace() {
            continue;
        }
        if c == b'=' {
            padding += 1;
            continue;
        }
        if padding > 0 {
            return Err(SignatureFormatError::BadBase64("data after '=' padding"));
        }
        let v = B64
            .iter()
            .position(|&b| b == c)
            .ok_or(SignatureFormatError::BadBase64(
                "character outside the alphabet",
            ))?;
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    // Leftover bits must be zero and fewer than a byte (RFC 4648 §3.5).
    if bits >= 6 || acc & ((1 << bits) - 1) != 0 || padding > 2 {
        return Err(SignatureFormatError::BadBase64("bad length or padding"));
    }
    Ok(out)
}

/// RFC 4648 §4 base64 with padding, no line breaks.
pub fn encode_base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_rfc4648_vectors() {
        // RFC 4648 §10 test vectors.
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode_base64(plain.as_bytes()), enc);
            assert_eq!(decode_base64(enc.as_bytes()).unwrap(), plain.as_bytes());
        }
        assert!(decode_base64(b"Zm9v!").is_err());
        assert!(decode_base64(b"Zh==").is_err()); // non-zero leftover bits
        assert!(decode_base64(b"Z").is_err());
        assert!(decode_base64(b"Zg==Zg").is_err());
    }

    #[test]
    fn signature_forms() {
        let raw: [u8; 64] = core::array::from_fn(|i| i as u8);
        assert_eq!(parse_signature(&raw).unwrap(), raw);
        let text = format!("{}\n", encode_base64(&raw));
        assert_eq!(parse_signature(text.as_bytes()).unwrap(), raw);
        assert_eq!(
            parse_signature(&raw[..63]),
            Err(SignatureFormatError::BadBase64(
                "character outside the alphabet"
            ))
        );
        assert_eq!(
            parse_signature(encode_base64(&raw[..63]).as_bytes()),
            Err(SignatureFormatError::BadLength(63))
        );
    }

    #[test]
    fn rfc8032_test_1_key_and_signature() {
        // RFC 8032 §7.1 TEST 1: empty message.
        let key = SigningPublicKey::parse(
            b"d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a\n",
        )
        .unwrap();
        let sig: [u8; 64] = decode_hex(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        )
        .unwrap()
        .try_into()
        .unwrap();
        assert!(key.verify(b"", &sig));
        assert!(!key.verify(b"x", &sig));
        assert_eq!(key.fingerprint().len(), 16);
    }

    #[test]
    fn key_forms_refused() {
        assert_eq!(
            SigningPublicKey::parse(
                b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
            ),
            Err(KeyError::PrivateKey)
        );
        assert_eq!(
            SigningPublicKey::parse(b"nonsense"),
            Err(KeyError::Unrecognised)
        );
        assert!(matches!(
            SigningPublicKey::parse(
                b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
            ),
            Err(KeyError::BadPem(_))
        ));
    }
}
