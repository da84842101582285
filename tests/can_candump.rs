//! candump log format: lines as can-utils writes them, round trips, located
//! errors, never panicking on random bytes, and RecordingBus.

use std::collections::VecDeque;
use std::time::Duration;
use v2x_hil::transport::can::candump::{
    format_frame, format_record, parse_frame, parse_line, parse_log, CandumpWriter, Direction,
    LogRecord,
};
use v2x_hil::transport::can::{CanBus, CanError, CanFrame, CanId, Received, RecordingBus};

fn std_id(id: u16) -> CanId {
    CanId::standard(id).unwrap()
}
fn ext_id(id: u32) -> CanId {
    CanId::extended(id).unwrap()
}

#[test]
fn frame_text_matches_sprint_canframe() {
    // Examples from can-utils lib.h (parse_canframe / sprint_canframe docs).
    let f = CanFrame::new(std_id(0x123), &[0xDE, 0xAD, 0xBE, 0xEF]).unwrap();
    assert_eq!(format_frame(&f), "123#DEADBEEF");
    let f = CanFrame::new(ext_id(0x1234_5678), &[0x11, 0x22, 0x33]).unwrap();
    assert_eq!(format_frame(&f), "12345678#112233");
    assert_eq!(
        format_frame(&CanFrame::new(std_id(0x5AA), &[]).unwrap()),
        "5AA#"
    );
    assert_eq!(
        format_frame(&CanFrame::remote(std_id(0x123), 0).unwrap()),
        "123#R"
    );
    assert_eq!(
        format_frame(&CanFrame::remote(ext_id(0x1234_5678), 5).unwrap()),
        "12345678#R5"
    );
    // Extended ids keep 8 digits even when small.
    assert_eq!(
        format_frame(&CanFrame::new(ext_id(0x7), &[1]).unwrap()),
        "00000007#01"
    );
}

#[test]
fn parses_the_lib_h_examples() {
    let eight = [0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
    let cases: &[(&str, CanFrame)] = &[
        (
            "123#DEADBEEF",
            CanFrame::new(std_id(0x123), &[0xDE, 0xAD, 0xBE, 0xEF]).unwrap(),
        ),
        ("5AA#", CanFrame::new(std_id(0x5AA), &[]).unwrap()),
        (
            "1F334455#1122334455667788",
            CanFrame::new(ext_id(0x1F33_4455), &eight).unwrap(),
        ),
        ("123#R", CanFrame::remote(std_id(0x123), 0).unwrap()),
        ("00000123#R3", CanFrame::remote(ext_id(0x123), 3).unwrap()),
        (
            "123#11.22.33.44.55.66.77.88",
            CanFrame::new(std_id(0x123), &eight).unwrap(),
        ),
        (
            "1aB#de.ad",
            CanFrame::new(std_id(0x1AB), &[0xDE, 0xAD]).unwrap(),
        ),
        ("123#r", CanFrame::remote(std_id(0x123), 0).unwrap()),
    ];
    for (text, want) in cases {
        assert_eq!(parse_frame(text.as_bytes()).as_ref(), Ok(want), "{text}");
    }
}

#[test]
fn refuses_what_classic_can_cannot_carry() {
    for bad in [
        "123##1112233",              // CAN FD
        "20000080#0000000000000000", // error frame (CAN_ERR_FLAG)
        "800#00",                    // 11-bit id above 0x7FF
        "1234#00",                   // 4 digits
        "123#112233445566778899",    // 9 bytes
        "123#1",                     // odd digits
        "123#R9",                    // RTR dlc above 8
        "12G#00",
        "123",
    ] {
        assert!(
            parse_frame(bad.as_bytes()).is_err(),
            "{bad} should not parse"
        );
    }
}

#[test]
fn parses_candump_l_lines() {
    // Shape of candump -l output (candump.c "(%010lu.%06lu) %*s %s%s").
    let r = parse_line(b"(1436509053.850870) can0 123#1122334455667788", 1).unwrap();
    assert_eq!(r.timestamp, Duration::new(1_436_509_053, 850_870_000));
    assert_eq!(r.interface, "can0");
    assert_eq!(
        r.frame.data(),
        &[0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]
    );
    assert_eq!(r.direction, None);
    // -x adds a direction flag; candump pads interface names with spaces.
    let r = parse_line(b"(0000000001.000001)  vcan0 12345678#R T", 2).unwrap();
    assert_eq!(r.direction, Some(Direction::Tx));
    assert_eq!(r.timestamp, Duration::new(1, 1_000));
    // python-can's CanutilsLogWriter docs show "(0.0) vcan0 001#8d00100100820100".
    let r = parse_line(b"(0.5) vcan0 001#8d00100100820100 R\r", 3).unwrap();
    assert_eq!(r.direction, Some(Direction::Rx));
    assert_eq!(r.timestamp, Duration::from_millis(500));
    assert_eq!(r.frame.data()[0], 0x8D);
}

#[test]
fn errors_point_at_the_problem() {
    let e = parse_line(b"(1.000000) can0 123#11G2", 7).unwrap_err();
    assert_eq!((e.line, e.column), (7, 23));
    let e = parse_line(b"1.000000 can0 123#11", 2).unwrap_err();
    assert_eq!((e.line, e.column), (2, 1));
    let e = parse_line(b"(1.0) can0 123#11 X", 4).unwrap_err();
    assert_eq!((e.line, e.column), (4, 19));
    let e = parse_line(b"(1.0) can0", 5).unwrap_err();
    assert!(e.to_string().starts_with("line 5, column 1:"), "{e}");
    let all: Vec<_> = parse_log(b"(1.0) can0 123#\n\n(x) can0 123#\n").collect();
    assert_eq!(all.len(), 2);
    assert!(all[0].is_ok());
    assert_eq!(all[1].as_ref().unwrap_err().line, 3);
}

#[test]
fn writer_round_trips_every_kind_of_frame() {
    let frames = [
        CanFrame::new(std_id(0x000), &[]).unwrap(),
        CanFrame::new(std_id(0x7FF), &[0xFF; 8]).unwrap(),
        CanFrame::new(ext_id(0x1FFF_FFFF), &[0, 1, 2]).unwrap(),
        CanFrame::remote(std_id(0x100), 0).unwrap(),
        CanFrame::remote(ext_id(0x18DA_F110), 8).unwrap(),
    ];
    let mut w = CandumpWriter::new(Vec::new());
    for (i, f) in frames.iter().enumerate() {
        let rec = LogRecord {
            timestamp: Duration::new(1_700_000_000 + i as u64, 123_456_000),
            interface: "can0".into(),
            frame: *f,
            direction: [None, Some(Direction::Tx), Some(Direction::Rx)][i % 3],
        };
        w.write(&rec).unwrap();
    }
    let text = String::from_utf8(w.into_inner()).unwrap();
    assert!(
        text.starts_with(
            "(1700000000.123456) can0 000#\n(1700000001.123456) can0 7FF#FFFFFFFFFFFFFFFF T\n"
        ),
        "{text}"
    );
    let back: Vec<LogRecord> = parse_log(text.as_bytes()).map(|r| r.unwrap()).collect();
    assert_eq!(back.iter().map(|r| r.frame).collect::<Vec<_>>(), frames);
    assert_eq!(back[2].direction, Some(Direction::Rx));
    // Seconds are zero-padded to 10 digits like candump.
    let rec = LogRecord {
        timestamp: Duration::from_micros(1_500_000),
        interface: "x".into(),
        frame: frames[0],
        direction: None,
    };
    assert_eq!(format_record(&rec).unwrap(), "(0000000001.500000) x 000#");
    let bad = LogRecord {
        interface: "can 0".into(),
        ..rec
    };
    assert!(format_record(&bad).is_err());
}

#[test]
fn never_panics_on_random_bytes() {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let alphabet = b"()0123456789abcdefABCDEFR#.rT xcan\r\n\t\xff";
    let mut accepted = 0;
    for _ in 0..20_000 {
        let len = (next() % 60) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                let r = next();
                if r % 4 == 0 {
                    r as u8
                } else {
                    alphabet[(r >> 8) as usize % alphabet.len()]
                }
            })
            .collect();
        for rec in parse_log(&bytes).flatten() {
            // Anything accepted must be writable and read back the same.
            accepted += 1;
            let line = format_record(&rec).unwrap();
            assert_eq!(parse_line(line.as_bytes(), 1).unwrap().frame, rec.frame);
        }
        let _ = parse_frame(&bytes);
    }
    // Structured lines, mutated: exercises the accepting paths too.
    for _ in 0..20_000 {
        let mut line = b"(1700000000.123456) can0 12345678#1122334455667788 T".to_vec();
        for _ in 0..(next() % 4) {
            let at = (next() as usize) % line.len();
            line[at] = alphabet[(next() as usize) % alphabet.len()];
        }
        if let Ok(rec) = parse_line(&line, 1) {
            accepted += 1;
            let again = format_record(&rec).unwrap();
            assert_eq!(parse_line(again.as_bytes(), 1).unwrap(), rec);
        }
    }
    assert!(accepted > 100, "only {accepted} lines accepted");
}

/// A bus that replays queued frames and remembers what was sent.
struct Loop {
    incoming: VecDeque<CanFrame>,
    sent: Vec<CanFrame>,
}

impl CanBus for Loop {
    fn send(&mut self, frame: &CanFrame) -> Result<(), CanError> {
        self.sent.push(*frame);
        Ok(())
    }
    fn recv(&mut self, _timeout: Duration) -> Result<Option<Received>, CanError> {
        Ok(self.incoming.pop_front().map(|frame| Received {
            frame,
            timestamp: Duration::ZERO,
        }))
    }
    fn describe(&self) -> String {
        "loop".into()
    }
}

#[test]
fn recording_bus_logs_both_directions_with_its_clock() {
    let rx = CanFrame::new(std_id(0x108), &[0, 1, 2, 3, 4, 5, 6, 7]).unwrap();
    let tx = CanFrame::new(std_id(0x100), &[9]).unwrap();
    let inner = Loop {
        incoming: VecDeque::from([rx]),
        sent: Vec::new(),
    };
    let mut t = Duration::from_secs(1_700_000_000);
    let clock = Box::new(move || {
        t += Duration::from_millis(100);
        t
    });
    let mut bus = RecordingBus::new(inner, Vec::new(), "ev", clock);
    bus.send(&tx).unwrap();
    assert_eq!(bus.recv(Duration::ZERO).unwrap().unwrap().frame, rx);
    assert!(bus.recv(Duration::ZERO).unwrap().is_none());
    assert!(bus.describe().contains("loop"));
    let (inner, log) = bus.into_parts();
    assert_eq!(inner.sent, vec![tx]);
    assert_eq!(
        String::from_utf8(log).unwrap(),
        "(1700000000.100000) ev 100#09 T\n(1700000000.200000) ev 108#0001020304050607 R\n"
    );
}
