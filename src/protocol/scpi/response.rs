//! Response data: NR3 numbers, booleans, strings and definite-length
//! arbitrary blocks (IEEE 488.2 §8.7), formatted by instruments and parsed
//! by drivers. Pure, never panics.

use thiserror::Error;

/// SCPI-99 Vol. 1 §7.2.1.4–5: +INF, -INF and NAN are sent as these numbers.
pub const SCPI_INF: f64 = 9.9e37;
pub const SCPI_NAN: f64 = 9.91e37;

/// NR3 (IEEE 488.2 §8.7.4): `+2.40000000E+02`, nine significant digits.
pub fn format_nr3(v: f64) -> String {
    let v = if v.is_nan() {
        SCPI_NAN
    } else if v.is_infinite() {
        SCPI_INF.copysign(v)
    } else {
        v
    };
    let s = format!("{v:.8E}");
    let (mantissa, exp) = s.split_once('E').unwrap_or((s.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let mantissa = mantissa.trim_start_matches('-');
    let sign = if v.is_sign_negative() && v != 0.0 {
        '-'
    } else {
        '+'
    };
    let esign = if exp < 0 { '-' } else { '+' };
    format!("{sign}{mantissa}E{esign}{:02}", exp.unsigned_abs())
}

/// NR1 (IEEE 488.2 §8.7.2).
pub fn format_nr1(v: i64) -> String {
    v.to_string()
}

/// Boolean response data is always NR1 `1` or `0` (SCPI-99 §7.3).
pub fn format_bool(b: bool) -> &'static str {
    if b {
        "1"
    } else {
        "0"
    }
}

/// String response data in double quotes, embedded quotes doubled
/// (IEEE 488.2 §8.7.8).
pub fn format_string(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `#<n><len><data>`: definite-length arbitrary block response data
/// (IEEE 488.2 §8.7.9). An empty block is `#10`.
pub fn encode_block(data: &[u8]) -> Vec<u8> {
    let len = data.len().to_string();
    let mut out = Vec::with_capacity(2 + len.len() + data.len());
    out.push(b'#');
    // len has at most 20 digits; block headers allow 1..=9, so longer data
    // is not representable and is cut to the 9-digit maximum.
    let (len, data) = if len.len() > 9 {
        (
            "999999999".to_string(),
            data.get(..999_999_999).unwrap_or(data),
        )
    } else {
        (len, data)
    };
    out.extend_from_slice(len.len().to_string().as_bytes());
    out.extend_from_slice(len.as_bytes());
    out.extend_from_slice(data);
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BlockError {
    #[error("block does not start with '#'")]
    NotABlock,
    #[error("block header is malformed")]
    BadHeader,
    #[error("block needs {needed} bytes, {available} present")]
    Incomplete { needed: usize, available: usize },
}

/// Decodes a block at the start of `buf`: the data and the bytes used.
/// `#0` (indefinite length) takes the rest of `buf` up to a final NL.
pub fn decode_block(buf: &[u8]) -> Result<(&[u8], usize), BlockError> {
    let rest = buf.strip_prefix(b"#").ok_or(BlockError::NotABlock)?;
    let (&n, rest) = rest.split_first().ok_or(BlockError::Incomplete {
        needed: 2,
        available: buf.len(),
    })?;
    if n == b'0' {
        let data = rest.strip_suffix(b"\n").unwrap_or(rest);
        return Ok((data, 2 + data.len()));
    }
    if !(b'1'..=b'9').contains(&n) {
        return Err(BlockError::BadHeader);
    }
    let digits = usize::from(n - b'0');
    let len_text = rest.get(..digits).ok_or(BlockError::Incomplete {
        needed: 2 + digits,
        available: buf.len(),
    })?;
    if !len_text.iter().all(u8::is_ascii_digit) {
        return Err(BlockError::BadHeader);
    }
    let len = len_text
        .iter()
        .fold(0usize, |acc, d| acc * 10 + usize::from(d - b'0'));
    let data = rest
        .get(digits..digits + len)
        .ok_or(BlockError::Incomplete {
            needed: 2 + digits + len,
            available: buf.len(),
        })?;
    Ok((data, 2 + digits + len))
}

/// Parses NR1/NR2/NR3 response data (also with a leading `+`).
pub fn parse_number(text: &str) -> Option<f64> {
    let t = text.trim().as_bytes();
    let (v, used) = super::message::lex_number(t)?;
    (used == t.len()).then_some(v)
}

/// `1`/`0` (and `ON`/`OFF`, which some instruments return).
pub fn parse_bool(text: &str) -> Option<bool> {
    match text.trim().to_ascii_uppercase().as_str() {
        "1" | "+1" | "ON" => Some(true),
        "0" | "+0" | "OFF" => Some(false),
        _ => None,
    }
}

/// A double- or single-quoted string response.
pub fn parse_string(text: &str) -> Option<String> {
    let t = text.trim().as_bytes();
    let q = *t.first()?;
    if q != b'"' && q != b'\'' {
        return None;
    }
    super::message::parse_quoted(t, q)
}

/// Splits a response message unit's comma-separated data elements,
/// respecting quoted strings.
pub fn split_list(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0usize;
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == ',' => {
                parts.push(text.get(start..i).unwrap_or("").trim());
                start = i + 1;
            }
            None => {}
        }
    }
    parts.push(text.get(start..).unwrap_or("").trim());
    parts
}
