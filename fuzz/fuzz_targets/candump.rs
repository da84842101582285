//! candump logs: errors name a line and column inside the input; a record
//! that parses formats back to a line that parses to the same record (the
//! timestamp cut to microseconds, as candump prints it).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::time::Duration;
use v2x_hil::transport::can::candump::{format_record, parse_line, parse_log};

fuzz_target!(|data: &[u8]| {
    let lines: Vec<&[u8]> = data.split(|&c| c == b'\n').collect();
    for item in parse_log(data) {
        match item {
            Ok(mut record) => {
                let text = format_record(&record).expect("a parsed interface name formats");
                let again = parse_line(text.as_bytes(), 1).expect("a formatted record parses");
                let t = record.timestamp;
                record.timestamp = Duration::new(t.as_secs(), t.subsec_micros() * 1000);
                assert_eq!(again, record, "{text}");
            }
            Err(e) => {
                let line = lines
                    .get(e.line.wrapping_sub(1))
                    .expect("error line in input");
                assert!(
                    e.column >= 1 && e.column <= line.len() + 1,
                    "column {} of a {}-byte line: {e}",
                    e.column,
                    line.len()
                );
            }
        }
    }
});
