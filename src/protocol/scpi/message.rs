//! Program messages: framing, program message units and their parameters
//! (IEEE 488.2 §7; SCPI-99 Vol. 1 §6–7). Pure, never panics.

use super::error::ErrorCode;

/// One header node: mnemonic in upper case plus an optional numeric suffix
/// (`CHAN2` → `CHAN`, `Some(2)`; SCPI-99 §6.2.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub mnemonic: String,
    pub suffix: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Header {
    /// `*IDN?`, `*RST`: name without the star, upper case (IEEE 488.2 §10).
    Common { name: String, query: bool },
    /// `:SOUR:VOLT`, `MEAS:VOLT?`; `rooted` when it starts with a colon.
    Instrument {
        rooted: bool,
        nodes: Vec<Node>,
        query: bool,
    },
}

impl Header {
    pub fn is_query(&self) -> bool {
        match self {
            Header::Common { query, .. } | Header::Instrument { query, .. } => *query,
        }
    }
}

/// An inclusive channel range `1001:1004` (a single channel has first == last).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelRange {
    pub first: u32,
    pub last: u32,
}

/// A program data element (IEEE 488.2 §7.7).
#[derive(Debug, Clone, PartialEq)]
pub enum Param {
    /// Decimal numeric data with an optional suffix (`10 MS` → 10, "MS").
    Numeric { value: f64, suffix: Option<String> },
    /// Character data (`ON`, `MAX`, `EXT`, `CHAN1`), upper case.
    Char(String),
    /// String data, quotes removed and doubled quotes undone.
    Str(String),
    /// SCPI channel list `(@1001,1003:1005)` (SCPI-99 Vol. 1 §8.3.2).
    Channels(Vec<ChannelRange>),
    /// Definite or indefinite length arbitrary block.
    Block(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProgramUnit {
    pub header: Header,
    pub params: Vec<Param>,
}

/// Upper bound on channels expanded from one list, so `(@1:4000000000)`
/// cannot exhaust memory.
pub const MAX_CHANNELS: usize = 4096;

/// Where the message that starts `buf` ends: the index of its `\n`
/// terminator. Definite-length blocks are skipped (their data may hold
/// `\n`); `None` means more bytes are needed. A NL inside a quoted string
/// still terminates, so a stray quote cannot swallow the stream.
pub fn find_message_end(buf: &[u8]) -> Option<usize> {
    let mut i = 0usize;
    while i < buf.len() {
        match buf.get(i).copied() {
            Some(b'\n') => return Some(i),
            Some(b'#') => match block_extent(buf, i) {
                BlockExtent::Complete(end) => i = end,
                BlockExtent::Incomplete => return None,
                BlockExtent::Indefinite | BlockExtent::NotABlock => i += 1,
            },
            _ => i += 1,
        }
    }
    None
}

enum BlockExtent {
    /// Index just past the block data.
    Complete(usize),
    Incomplete,
    Indefinite,
    NotABlock,
}

/// Looks at a `#` at `start`: `#<n><len><data>` (IEEE 488.2 §7.7.6.2).
fn block_extent(buf: &[u8], start: usize) -> BlockExtent {
    let Some(&n) = buf.get(start + 1) else {
        return BlockExtent::Incomplete;
    };
    if n == b'0' {
        return BlockExtent::Indefinite;
    }
    if !(b'1'..=b'9').contains(&n) {
        return BlockExtent::NotABlock;
    }
    let digits = usize::from(n - b'0');
    let Some(len_bytes) = buf.get(start + 2..start + 2 + digits) else {
        return BlockExtent::Incomplete;
    };
    let mut len = 0usize;
    for &d in len_bytes {
        if !d.is_ascii_digit() {
            return BlockExtent::NotABlock;
        }
        len = len * 10 + usize::from(d - b'0');
    }
    let end = start + 2 + digits + len;
    if end > buf.len() {
        BlockExtent::Incomplete
    } else {
        BlockExtent::Complete(end)
    }
}

/// Splits `msg` (no terminator) at separators `sep` that are outside quoted
/// strings, channel lists and blocks.
fn split_outside(msg: &[u8], sep: u8) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut start = 0usize;
    let mut i = 0usize;
    let mut quote: Option<u8> = None;
    let mut depth = 0usize;
    while i < msg.len() {
        let b = msg.get(i).copied().unwrap_or(0);
        if let Some(q) = quote {
            if b == q {
                quote = None;
            }
            i += 1;
            continue;
        }
        match b {
            b'"' | b'\'' => quote = Some(b),
            b'(' => depth += 1,
            b')' => depth = depth.saturating_sub(1),
            b'#' => {
                if let BlockExtent::Complete(end) = block_extent(msg, i) {
                    i = end;
                    continue;
                }
                if let BlockExtent::Indefinite = block_extent(msg, i) {
                    break; // an indefinite block runs to the end of the message
                }
            }
            _ if b == sep && depth == 0 => {
                parts.push(msg.get(start..i).unwrap_or_default());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    parts.push(msg.get(start..).unwrap_or_default());
    parts
}

fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if first.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    while let [rest @ .., last] = s {
        if last.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    s
}

/// Parses one program message (without its terminator; a trailing `\r` is
/// tolerated) into its units. Each unit parses independently, so one bad
/// unit does not hide the others (IEEE 488.2 §6.1.6).
pub fn parse_message(msg: &[u8]) -> Vec<Result<ProgramUnit, ErrorCode>> {
    split_outside(msg, b';')
        .into_iter()
        .map(trim)
        .filter(|u| !u.is_empty())
        .map(parse_unit)
        .collect()
}

/// Parses one program message unit: header, whitespace, parameters.
pub fn parse_unit(unit: &[u8]) -> Result<ProgramUnit, ErrorCode> {
    let unit = trim(unit);
    let header_len = unit
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .unwrap_or(unit.len());
    let (head, rest) = unit.split_at(header_len);
    let header = parse_header(head)?;
    let rest = trim(rest);
    let params = if rest.is_empty() {
        Vec::new()
    } else {
        split_outside(rest, b',')
            .into_iter()
            .map(|p| parse_param(trim(p)))
            .collect::<Result<Vec<_>, _>>()?
    };
    Ok(ProgramUnit { header, params })
}

fn parse_header(head: &[u8]) -> Result<Header, ErrorCode> {
    let (body, query) = match head {
        [body @ .., b'?'] => (body, true),
        _ => (head, false),
    };
    if let [b'*', name @ ..] = body {
        if name.is_empty() || !name.iter().all(u8::is_ascii_alphabetic) {
            return Err(ErrorCode::SYNTAX_ERROR);
        }
        return Ok(Header::Common {
            name: ascii_upper(name),
            query,
        });
    }
    let (rooted, body) = match body {
        [b':', rest @ ..] => (true, rest),
        _ => (false, body),
    };
    if body.is_empty() {
        return Err(ErrorCode::SYNTAX_ERROR);
    }
    let nodes = body
        .split(|&b| b == b':')
        .map(parse_node)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Header::Instrument {
        rooted,
        nodes,
        query,
    })
}

/// `VOLT`, `CHAN2`: letters (and `_`) then an optional decimal suffix.
fn parse_node(text: &[u8]) -> Result<Node, ErrorCode> {
    let alpha_len = text
        .iter()
        .position(|b| !(b.is_ascii_alphabetic() || *b == b'_'))
        .unwrap_or(text.len());
    let (name, digits) = text.split_at(alpha_len);
    if name.is_empty() || !name.first().is_some_and(u8::is_ascii_alphabetic) {
        return Err(if text.iter().all(u8::is_ascii_graphic) {
            ErrorCode::SYNTAX_ERROR
        } else {
            ErrorCode::INVALID_CHARACTER
        });
    }
    let suffix = if digits.is_empty() {
        None
    } else {
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(ErrorCode::SYNTAX_ERROR);
        }
        let s = std::str::from_utf8(digits).map_err(|_| ErrorCode::SYNTAX_ERROR)?;
        Some(
            s.parse::<u32>()
                .map_err(|_| ErrorCode::HEADER_SUFFIX_OUT_OF_RANGE)?,
        )
    };
    Ok(Node {
        mnemonic: ascii_upper(name),
        suffix,
    })
}

fn ascii_upper(b: &[u8]) -> String {
    b.iter()
        .map(|c| char::from(c.to_ascii_uppercase()))
        .collect()
}

fn parse_param(p: &[u8]) -> Result<Param, ErrorCode> {
    match p.first().copied() {
        None => Err(ErrorCode::MISSING_PARAMETER),
        Some(q @ (b'"' | b'\'')) => parse_quoted(p, q)
            .map(Param::Str)
            .ok_or(ErrorCode::STRING_DATA_ERROR),
        Some(b'(') => parse_channel_list(p).map(Param::Channels),
        Some(b'#') => parse_block(p).map(Param::Block),
        Some(b) if b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.') => {
            let (value, used) = lex_number(p).ok_or(ErrorCode::NUMERIC_DATA_ERROR)?;
            let rest = trim(p.get(used..).unwrap_or_default());
            if !value.is_finite() {
                return Err(ErrorCode::DATA_OUT_OF_RANGE);
            }
            if rest.is_empty() {
                return Ok(Param::Numeric {
                    value,
                    suffix: None,
                });
            }
            if !rest
                .iter()
                .all(|b| b.is_ascii_alphabetic() || matches!(b, b'/' | b'.'))
            {
                return Err(ErrorCode::INVALID_SUFFIX);
            }
            Ok(Param::Numeric {
                value,
                suffix: Some(ascii_upper(rest)),
            })
        }
        Some(b) if b.is_ascii_alphabetic() => {
            if p.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_') {
                Ok(Param::Char(ascii_upper(p)))
            } else {
                Err(ErrorCode::CHARACTER_DATA_ERROR)
            }
        }
        Some(_) => Err(ErrorCode::INVALID_CHARACTER),
    }
}

/// `'it''s'` → `it's`. `None` unless the whole slice is one quoted string.
pub(crate) fn parse_quoted(p: &[u8], q: u8) -> Option<String> {
    let inner = p.strip_prefix(&[q])?.strip_suffix(&[q])?;
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0usize;
    while i < inner.len() {
        let b = inner.get(i).copied()?;
        if b == q {
            // must be doubled
            if inner.get(i + 1).copied() != Some(q) {
                return None;
            }
            i += 1;
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Lexes IEEE 488.2 §7.7.2 decimal numeric program data at the start of
/// `p`: `[+|-] digits [. digits] [E [+|-] digits]` (a mantissa needs at
/// least one digit). Returns the value and the bytes used.
pub(crate) fn lex_number(p: &[u8]) -> Option<(f64, usize)> {
    let at = |i: usize| p.get(i).copied().unwrap_or(0);
    let mut i = 0usize;
    if matches!(at(i), b'+' | b'-') {
        i += 1;
    }
    let int_start = i;
    while at(i).is_ascii_digit() {
        i += 1;
    }
    let mut mantissa_digits = i - int_start;
    if at(i) == b'.' {
        i += 1;
        let frac_start = i;
        while at(i).is_ascii_digit() {
            i += 1;
        }
        mantissa_digits += i - frac_start;
    }
    if mantissa_digits == 0 {
        return None;
    }
    let mut end = i;
    // exponent: E, optional whitespace, sign, digits (§7.7.2.2)
    if matches!(at(i), b'e' | b'E') {
        let mut j = i + 1;
        while at(j) == b' ' {
            j += 1;
        }
        if matches!(at(j), b'+' | b'-') {
            j += 1;
        }
        let exp_start = j;
        while at(j).is_ascii_digit() {
            j += 1;
        }
        if j > exp_start {
            end = j;
        } else if !at(i + 1).is_ascii_alphabetic() {
            // "1E" or "1E+" is malformed; "1EX" would be a suffix "EX" (exa)
            return None;
        }
    }
    let text: String = p
        .get(..end)?
        .iter()
        .filter(|b| **b != b' ')
        .map(|b| char::from(*b))
        .collect();
    let value: f64 = text.parse().ok()?;
    Some((value, end))
}

fn parse_channel_list(p: &[u8]) -> Result<Vec<ChannelRange>, ErrorCode> {
    let inner = p
        .strip_prefix(b"(")
        .and_then(|s| s.strip_suffix(b")"))
        .map(trim)
        .and_then(|s| s.strip_prefix(b"@"))
        .ok_or(ErrorCode::SYNTAX_ERROR)?;
    let mut out = Vec::new();
    let mut total = 0usize;
    for entry in inner.split(|&b| b == b',') {
        let entry = trim(entry);
        let mut ends = entry.split(|&b| b == b':').map(|s| parse_u32(trim(s)));
        let first = ends.next().flatten().ok_or(ErrorCode::SYNTAX_ERROR)?;
        let last = match ends.next() {
            None => first,
            Some(v) => v.ok_or(ErrorCode::SYNTAX_ERROR)?,
        };
        if ends.next().is_some() {
            return Err(ErrorCode::SYNTAX_ERROR);
        }
        let (lo, hi) = (first.min(last), first.max(last));
        total = total.saturating_add(usize::try_from(hi - lo).unwrap_or(usize::MAX));
        if total >= MAX_CHANNELS {
            return Err(ErrorCode::DATA_OUT_OF_RANGE);
        }
        out.push(ChannelRange { first, last });
    }
    Ok(out)
}

fn parse_u32(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(s).ok()?.parse().ok()
}

fn parse_block(p: &[u8]) -> Result<Vec<u8>, ErrorCode> {
    match super::response::decode_block(p) {
        Ok((data, used)) if used == p.len() => Ok(data.to_vec()),
        _ => Err(ErrorCode::BLOCK_DATA_ERROR),
    }
}

impl ChannelRange {
    /// The channels of the range in the order written (`1004:1001` counts down).
    pub fn channels(self) -> impl Iterator<Item = u32> {
        let (lo, hi) = (self.first.min(self.last), self.first.max(self.last));
        let down = self.first > self.last;
        (lo..=hi).map(move |c| if down { hi - (c - lo) } else { c })
    }
}

/// Every channel of a list, in order.
pub fn expand_channels(list: &[ChannelRange]) -> Vec<u32> {
    list.iter()
        .flat_map(|r| r.channels())
        .take(MAX_CHANNELS)
        .collect()
}
