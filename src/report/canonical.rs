//! Canonical JSON per RFC 8785 (JCS): no whitespace, object members sorted
//! by their names' UTF-16 code units (§3.2.3), strings with the minimal
//! escapes (§3.2.2.2), numbers as ECMAScript's Number.prototype.toString
//! writes an IEEE 754 double (§3.2.2.3). The same report always gives the
//! same bytes, so its digest means something.

use serde_json::Value;

pub fn to_canonical_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            // Integers beyond 2^53 are not exact as doubles; JCS numbers are
            // doubles, so they go through the double like any other.
            (Some(i), _, _) if i.unsigned_abs() <= 1 << 53 => out.push_str(&i.to_string()),
            (_, Some(u), _) if u <= 1 << 53 => out.push_str(&u.to_string()),
            (_, _, Some(f)) => out.push_str(&es_number(f)),
            _ => out.push_str("null"),
        },
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            members.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, v)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_value(v, out);
            }
            out.push('}');
        }
    }
}

/// §3.2.2.2: `"` and `\` escaped, U+0000..U+001F as the two-character
/// forms where JSON has them and `\u00xx` (lowercase) otherwise; nothing
/// else escaped.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{09}' => out.push_str("\\t"),
            '\u{0a}' => out.push_str("\\n"),
            '\u{0c}' => out.push_str("\\f"),
            '\u{0d}' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// ECMA-262 Number::toString(x) for a finite double: the shortest digits
/// that round-trip (Rust's `{:e}` gives the same digits), laid out plainly
/// for exponents in [-7, 21) and in exponent form otherwise.
pub fn es_number(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        // -0 is "0"; non-finite numbers cannot be in JSON at all.
        return "0".into();
    }
    let sci = format!("{:e}", x.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let k = digits.len() as i32;
    let n = exponent.parse::<i32>().unwrap_or(0) + 1;
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', (n - k) as usize));
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(n as usize);
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-n) as usize));
        out.push_str(&digits);
    } else {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if n > 0 { '+' } else { '-' });
        out.push_str(&(n - 1).abs().to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// RFC 8785 Appendix B's IEEE 754 → JSON table (checked against
    /// node's JSON.stringify), plus a few everyday values.
    #[test]
    fn numbers_as_ecmascript_writes_them() {
        let table = [
            ("0000000000000000", "0"),
            ("8000000000000000", "0"),
            ("0000000000000001", "5e-324"),
            ("8000000000000001", "-5e-324"),
            ("7fefffffffffffff", "1.7976931348623157e+308"),
            ("ffefffffffffffff", "-1.7976931348623157e+308"),
            ("4340000000000000", "9007199254740992"),
            ("c340000000000000", "-9007199254740992"),
            ("4430000000000000", "295147905179352830000"),
            ("44b52d02c7e14af5", "9.999999999999997e+22"),
            ("44b52d02c7e14af6", "1e+23"),
            ("44b52d02c7e14af7", "1.0000000000000001e+23"),
            ("444b1ae4d6e2ef4e", "999999999999999700000"),
            ("444b1ae4d6e2ef4f", "999999999999999900000"),
            ("444b1ae4d6e2ef50", "1e+21"),
            ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
            ("3eb0c6f7a0b5ed8d", "0.000001"),
            ("41b3de4355555553", "333333333.3333332"),
            ("41b3de4355555555", "333333333.3333333"),
            ("3ff0000000000000", "1"),
            ("bff8000000000000", "-1.5"),
            ("3fb999999999999a", "0.1"),
        ];
        for (bits, want) in table {
            let x = f64::from_bits(u64::from_str_radix(bits, 16).unwrap());
            assert_eq!(es_number(x), want, "{bits}");
        }
    }

    #[test]
    fn objects_sorted_strings_minimally_escaped() {
        let v = json!({
            "b": [1, 2.5, true, null],
            "a": { "z": "x\"y\\\n\u{1}é€", "\u{e000}": 1, "\u{1f600}": 2 },
            "c": 1e21,
        });
        assert_eq!(
            to_canonical_string(&v),
            "{\"a\":{\"z\":\"x\\\"y\\\\\\n\\u0001é€\",\"\u{1f600}\":2,\"\u{e000}\":1},\
             \"b\":[1,2.5,true,null],\"c\":1e+21}"
        );
    }
}
