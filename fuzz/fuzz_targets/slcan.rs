//! SLCAN (Lawicel) lines both ways: a parsed command or reply encodes to a
//! CR-terminated line that parses back to the same value (a reply's
//! free text keeps only printable ASCII, as the encoder documents); the
//! stream splitters never keep more than a line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v2x_hil::protocol::slcan::{
    encode_command, encode_reply, parse_command, parse_reply, Line, LineSplitter, Reply,
    ReplyParser, BEL, CR, MAX_LINE,
};

/// What a reply is after encoding drops what it cannot carry.
fn normalised(r: Reply) -> Reply {
    let graphic = |s: String| s.chars().filter(|c| c.is_ascii_graphic()).collect();
    match r {
        Reply::Version(v) => Reply::Version(graphic(v)),
        Reply::SerialNumber(s) => Reply::SerialNumber(graphic(s)),
        other => other,
    }
}

fn strip_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(&[CR]).expect("encoded lines end in CR")
}

fuzz_target!(|data: &[u8]| {
    if let Ok(cmd) = parse_command(data) {
        let line = encode_command(&cmd);
        assert!(line.len() <= MAX_LINE + 1);
        assert_eq!(parse_command(strip_cr(&line)), Ok(cmd));
    }
    if let Ok(reply) = parse_reply(data) {
        let line = encode_reply(&reply);
        let back = if line == [BEL] {
            Ok(Reply::Error)
        } else {
            parse_reply(strip_cr(&line))
        };
        assert_eq!(back, Ok(normalised(reply)));
    }
    let mut lines = LineSplitter::new();
    for item in lines.push(data) {
        if let Line::Text(t) = item {
            assert!(t.len() <= MAX_LINE);
        }
    }
    let mut replies = ReplyParser::new();
    for chunk in data.chunks(7) {
        let _ = replies.push(chunk);
    }
});
