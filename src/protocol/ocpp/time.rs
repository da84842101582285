//! OCPP timestamps: RFC 3339 in UTC (OCPP 2.0.1 Part 2 §2.1.3 "dateTime",
//! "SHALL be in UTC with 'Z'"), written with milliseconds, read with or
//! without fractions. Pure, no panics on any text.

use std::time::Duration;

/// Days since 1970-01-01 of a civil date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `t` since the UNIX epoch as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn rfc3339_ms(t: Duration) -> String {
    let base = crate::report::time::rfc3339_utc(t.as_secs());
    match base.strip_suffix('Z') {
        Some(s) => format!("{s}.{:03}Z", t.subsec_millis()),
        None => base,
    }
}

/// Reads `YYYY-MM-DDTHH:MM:SS[.fff…](Z|±HH:MM)` to time since the UNIX
/// epoch; `None` for anything else or an instant before 1970.
pub fn parse_rfc3339(s: &str) -> Option<Duration> {
    let b = s.as_bytes();
    if b.len() < 20 || b.len() > 40 {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = b.get(from..from + len)?;
        part.iter().all(u8::is_ascii_digit).then(|| {
            part.iter()
                .fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0'))
        })
    };
    let sep = |i: usize, c: u8| b.get(i) == Some(&c);
    if !(sep(4, b'-')
        && sep(7, b'-')
        && (sep(10, b'T') || sep(10, b't'))
        && sep(13, b':')
        && sep(16, b':'))
    {
        return None;
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut i = 19;
    let mut nanos: u64 = 0;
    if sep(i, b'.') {
        i += 1;
        let mut scale = 100_000_000u64;
        let start = i;
        while let Some(c) = b.get(i).filter(|c| c.is_ascii_digit()) {
            nanos += u64::from(c - b'0') * scale;
            scale /= 10;
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset_s: i64 = match b.get(i) {
        Some(b'Z') | Some(b'z') if i + 1 == b.len() => 0,
        Some(&c @ (b'+' | b'-')) if i + 6 == b.len() && sep(i + 3, b':') => {
            let (oh, om) = (num(i + 1, 2)?, num(i + 4, 2)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if c == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    let days = days_from_civil(y, mo as u32, d as u32);
    let secs = days * 86_400 + h * 3600 + mi * 60 + sec - offset_s;
    u64::try_from(secs)
        .ok()
        .map(|s| Duration::new(s, nanos.min(999_999_999) as u32))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_milliseconds() {
        let t = Duration::from_millis(1_767_225_600_123);
        let s = rfc3339_ms(t);
        assert_eq!(s, "2026-01-01T00:00:00.123Z");
        assert_eq!(parse_rfc3339(&s), Some(t));
    }

    #[test]
    fn the_specs_example_and_offsets() {
        // OCPP-J 2.0.1 §4.2.2's example answer carries "2013-02-01T20:53:32.486Z".
        let t = parse_rfc3339("2013-02-01T20:53:32.486Z").unwrap();
        assert_eq!(t, Duration::from_millis(1_359_752_012_486));
        assert_eq!(parse_rfc3339("2013-02-01T21:53:32.486+01:00"), Some(t));
        assert_eq!(
            parse_rfc3339("2013-02-01T20:53:32Z"),
            Some(Duration::from_secs(1_359_752_012))
        );
    }

    #[test]
    fn anything_else_is_none_not_a_panic() {
        for s in [
            "",
            "2013-02-01",
            "2013-13-01T00:00:00Z",
            "2013-02-01T20:53:32.Z",
            "1969-12-31T23:59:59Z",
            "2013-02-01T20:53:32+01",
            "２０１３-02-01T20:53:32Z",
            "2013-02-01T20:53:32.486Zjunk",
        ] {
            assert_eq!(parse_rfc3339(s), None, "{s}");
        }
        for n in 0..64u8 {
            let s: String = (0..25)
                .map(|i| char::from(b'0'.wrapping_add(n.wrapping_mul(i + 7) % 60)))
                .collect();
            let _ = parse_rfc3339(&s);
        }
    }
}
