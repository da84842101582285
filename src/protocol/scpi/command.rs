//! Command headers as the manuals write them (`[SOURce:]VOLTage[:LEVel]`),
//! matched case-insensitively in long or short form (SCPI-99 Vol. 1
//! §6.2.1), and the header-path rules for `;`-joined units (§6.2.4,
//! IEEE 488.2 §A.1.1). Also typed access to parameters.

use super::error::ErrorCode;
use super::message::{Header, Node, Param};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Element {
    long: String,
    short: String,
    optional: bool,
    /// `#` in the pattern: the node takes a numeric suffix.
    suffixed: bool,
}

/// A header pattern in manual notation: upper-case letters are the short
/// form, `[...]` optional nodes, a trailing `#` a numeric suffix, a
/// trailing `?` a query-only header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    elements: Vec<Element>,
    pub query: bool,
}

/// Which received node matched which element (None: omitted optional).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    map: Vec<Option<usize>>,
    suffixes: Vec<Option<u32>>,
}

impl Match {
    /// Suffix given on the `index`th pattern element, if any.
    pub fn suffix(&self, index: usize) -> Option<u32> {
        self.suffixes.get(index).copied().flatten()
    }
}

impl Pattern {
    /// Parses manual notation. Never panics; a malformed pattern yields
    /// one that matches nothing useful (patterns are program constants).
    pub fn parse(text: &str) -> Pattern {
        let (body, query) = match text.strip_suffix('?') {
            Some(b) => (b, true),
            None => (text, false),
        };
        let mut elements = Vec::new();
        let mut rest = body.trim_start_matches(':');
        while !rest.is_empty() {
            let (optional, token, tail) = if let Some(inner) = rest.strip_prefix('[') {
                let close = inner.find(']').unwrap_or(inner.len());
                let (tok, tail) = inner.split_at(close);
                (true, tok, tail.strip_prefix(']').unwrap_or(tail))
            } else {
                let stop = rest.find([':', '[']).unwrap_or(rest.len());
                let (tok, tail) = rest.split_at(stop);
                (false, tok, tail)
            };
            let token = token.trim_matches(':');
            if !token.is_empty() {
                let (name, suffixed) = match token.strip_suffix('#') {
                    Some(n) => (n, true),
                    None => (token, false),
                };
                let short: String = name
                    .chars()
                    .filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                elements.push(Element {
                    long: name.to_ascii_uppercase(),
                    short,
                    optional,
                    suffixed,
                });
            }
            rest = tail.trim_start_matches(':');
        }
        Pattern { elements, query }
    }

    /// The shortest header a driver sends: required nodes in short form.
    pub fn short_form(&self) -> String {
        let mut s = self
            .elements
            .iter()
            .filter(|e| !e.optional)
            .map(|e| e.short.as_str())
            .collect::<Vec<_>>()
            .join(":");
        if self.query {
            s.push('?');
        }
        s
    }

    /// Matches absolute header nodes.
    pub fn matches(&self, nodes: &[Node]) -> Option<Match> {
        let mut map = vec![None; self.elements.len()];
        if self.match_from(0, 0, nodes, &mut map) {
            let suffixes = map
                .iter()
                .map(|m| m.and_then(|i| nodes.get(i)).and_then(|n| n.suffix))
                .collect();
            Some(Match { map, suffixes })
        } else {
            None
        }
    }

    fn match_from(&self, pi: usize, ni: usize, nodes: &[Node], map: &mut [Option<usize>]) -> bool {
        let Some(el) = self.elements.get(pi) else {
            return ni == nodes.len();
        };
        if let Some(node) = nodes.get(ni) {
            let name_ok = node.mnemonic == el.short || node.mnemonic == el.long;
            let suffix_ok = el.suffixed || node.suffix.is_none() || node.suffix == Some(1);
            if name_ok && suffix_ok {
                if let Some(slot) = map.get_mut(pi) {
                    *slot = Some(ni);
                }
                if self.match_from(pi + 1, ni + 1, nodes, map) {
                    return true;
                }
            }
        }
        if let Some(slot) = map.get_mut(pi) {
            *slot = None;
        }
        el.optional && self.match_from(pi + 1, ni, nodes, map)
    }

    /// The header path after this command ran: the sent nodes less the
    /// leaf (the last one sent), keeping only those matched to required
    /// elements. Optional nodes never alter the path (Chroma 6404 manual
    /// §6.4: "FREQ 120;VOLT 110" stays at root, "VOLT:LEV 110;RANG 150"
    /// sets the range).
    fn path_after(&self, m: &Match, nodes: &[Node]) -> Vec<Node> {
        let leaf = nodes.len().saturating_sub(1);
        self.elements
            .iter()
            .enumerate()
            .filter(|(_, e)| !e.optional)
            .filter_map(|(i, _)| m.map.get(i).copied().flatten())
            .filter(|&ni| ni != leaf)
            .filter_map(|ni| nodes.get(ni).cloned())
            .collect()
    }
}

/// Tracks the current header path across the units of one message.
#[derive(Debug, Default, Clone)]
pub struct PathResolver {
    path: Vec<Node>,
}

/// A unit resolved against a command table.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    /// Index into the table.
    pub index: usize,
    pub matched: Match,
    pub query: bool,
}

impl PathResolver {
    /// Call at the start of every program message (a terminator resets the
    /// path to the root, IEEE 488.2 §A.1.1).
    pub fn reset(&mut self) {
        self.path.clear();
    }

    /// Finds the table entry this instrument header means, updating the
    /// path. Common commands do not touch the path and return `None` here.
    pub fn resolve(&mut self, header: &Header, table: &[Pattern]) -> Result<Resolved, ErrorCode> {
        let Header::Instrument {
            rooted,
            nodes,
            query,
        } = header
        else {
            return Err(ErrorCode::UNDEFINED_HEADER);
        };
        let mut absolute = if *rooted {
            Vec::new()
        } else {
            self.path.clone()
        };
        absolute.extend(nodes.iter().cloned());
        for (index, pattern) in table.iter().enumerate() {
            if pattern.query && !query {
                continue;
            }
            if let Some(matched) = pattern.matches(&absolute) {
                self.path = pattern.path_after(&matched, &absolute);
                return Ok(Resolved {
                    index,
                    matched,
                    query: *query,
                });
            }
        }
        Err(ErrorCode::UNDEFINED_HEADER)
    }
}

/// SI prefixes of IEEE 488.2 §7.7.3.4 Table 7-1 (`M` is milli; `MA` mega).
const PREFIXES: [(&str, f64); 12] = [
    ("EX", 1e18),
    ("PE", 1e15),
    ("T", 1e12),
    ("G", 1e9),
    ("MA", 1e6),
    ("K", 1e3),
    ("M", 1e-3),
    ("U", 1e-6),
    ("N", 1e-9),
    ("P", 1e-12),
    ("F", 1e-15),
    ("A", 1e-18),
];

/// A numeric parameter in base units, or one of SCPI-99 §7.2.1's keywords.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Numeric {
    Value(f64),
    Min,
    Max,
    Default,
}

impl Numeric {
    /// Resolves MIN/MAX/DEF against the instrument's limits.
    pub fn or_limits(self, min: f64, max: f64, default: f64) -> f64 {
        match self {
            Numeric::Value(v) => v,
            Numeric::Min => min,
            Numeric::Max => max,
            Numeric::Default => default,
        }
    }
}

/// Reads a numeric parameter whose base unit is `unit` (e.g. "V", "HZ",
/// "S"); accepts the bare unit, a prefixed unit (`MS`, `KHZ`) or none.
/// `MHZ` and `MOHM` are mega (IEEE 488.2 §7.7.3.4 note).
pub fn numeric(param: &Param, unit: &str) -> Result<Numeric, ErrorCode> {
    match param {
        Param::Numeric { value, suffix } => {
            let Some(suffix) = suffix else {
                return Ok(Numeric::Value(*value));
            };
            if suffix == unit {
                return Ok(Numeric::Value(*value));
            }
            if (suffix == "MHZ" && unit == "HZ") || (suffix == "MOHM" && unit == "OHM") {
                return Ok(Numeric::Value(value * 1e6));
            }
            let Some(prefix) = suffix.strip_suffix(unit) else {
                return Err(ErrorCode::INVALID_SUFFIX);
            };
            PREFIXES
                .iter()
                .find(|(p, _)| *p == prefix)
                .map(|(_, m)| Numeric::Value(value * m))
                .ok_or(ErrorCode::INVALID_SUFFIX)
        }
        Param::Char(c) => match c.as_str() {
            "MIN" | "MINIMUM" => Ok(Numeric::Min),
            "MAX" | "MAXIMUM" => Ok(Numeric::Max),
            "DEF" | "DEFAULT" => Ok(Numeric::Default),
            _ => Err(ErrorCode::DATA_TYPE_ERROR),
        },
        _ => Err(ErrorCode::DATA_TYPE_ERROR),
    }
}

/// Boolean program data: ON/OFF or a number rounded to 0/1 (SCPI-99 §7.3).
pub fn boolean(param: &Param) -> Result<bool, ErrorCode> {
    match param {
        Param::Char(c) if c == "ON" => Ok(true),
        Param::Char(c) if c == "OFF" => Ok(false),
        Param::Numeric {
            value,
            suffix: None,
        } => Ok(value.round() != 0.0),
        _ => Err(ErrorCode::DATA_TYPE_ERROR),
    }
}

/// The only parameter of a unit; -109 if none, -108 if more.
pub fn single(params: &[Param]) -> Result<&Param, ErrorCode> {
    match params {
        [p] => Ok(p),
        [] => Err(ErrorCode::MISSING_PARAMETER),
        _ => Err(ErrorCode::PARAMETER_NOT_ALLOWED),
    }
}

/// A unit that takes no parameters.
pub fn none(params: &[Param]) -> Result<(), ErrorCode> {
    if params.is_empty() {
        Ok(())
    } else {
        Err(ErrorCode::PARAMETER_NOT_ALLOWED)
    }
}
