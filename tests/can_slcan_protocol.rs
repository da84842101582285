//! SLCAN encode/decode against the Lawicel CANUSB manual's command strings,
//! the adapter emulator's state rules, and random-byte robustness.

use v2x_hil::emulator::slcan_adapter::SlcanAdapter;
use v2x_hil::protocol::slcan::{
    encode_command, encode_reply, parse_command, parse_reply, Command, Line, LineSplitter, Reply,
    ReplyParser, SlcanBitrate, SlcanError,
};
use v2x_hil::transport::can::{CanFrame, CanId};

fn std_frame(id: u16, data: &[u8]) -> CanFrame {
    CanFrame::new(CanId::standard(id).unwrap(), data).unwrap()
}
fn ext_frame(id: u32, data: &[u8]) -> CanFrame {
    CanFrame::new(CanId::extended(id).unwrap(), data).unwrap()
}

#[test]
fn bitrate_table() {
    // CANUSB manual "Sn": S0 10k … S8 1M.
    let want = [
        10_000, 20_000, 50_000, 100_000, 125_000, 250_000, 500_000, 800_000, 1_000_000,
    ];
    for (code, bps) in want.iter().enumerate() {
        let b = SlcanBitrate::from_code(code as u8).unwrap();
        assert_eq!(b.bps(), *bps);
        assert_eq!(SlcanBitrate::from_bps(*bps), Some(b));
        assert_eq!(b.code(), code as u8);
    }
    assert_eq!(SlcanBitrate::from_code(9), None);
    assert_eq!(SlcanBitrate::from_bps(83_300), None);
}

#[test]
fn commands_encode_as_in_the_manual() {
    // Manual examples: "t10021133[CR]" sends id 0x100, DLC 2, data 11 33;
    // "T0000010021133[CR]" the same with a 29-bit id; "r1003", "R000001003".
    let cases: Vec<(Command, &[u8])> = vec![
        (Command::Open, b"O\r"),
        (Command::Close, b"C\r"),
        (Command::SetBitrate(SlcanBitrate::S6), b"S6\r"),
        (Command::Timestamps(true), b"Z1\r"),
        (Command::Timestamps(false), b"Z0\r"),
        (Command::Version, b"V\r"),
        (Command::SerialNumber, b"N\r"),
        (Command::StatusFlags, b"F\r"),
        (
            Command::Transmit(std_frame(0x100, &[0x11, 0x33])),
            b"t10021133\r",
        ),
        (
            Command::Transmit(ext_frame(0x100, &[0x11, 0x33])),
            b"T0000010021133\r",
        ),
        (
            Command::Transmit(CanFrame::remote(CanId::Standard(0x100), 3).unwrap()),
            b"r1003\r",
        ),
        (
            Command::Transmit(CanFrame::remote(CanId::Extended(0x100), 3).unwrap()),
            b"R000001003\r",
        ),
        (Command::Transmit(std_frame(0x7FF, &[])), b"t7FF0\r"),
    ];
    for (cmd, bytes) in cases {
        assert_eq!(encode_command(&cmd), bytes, "{cmd:?}");
        let line = &bytes[..bytes.len() - 1];
        assert_eq!(parse_command(line), Ok(cmd));
    }
    // Lower-case hex is accepted from hosts.
    assert_eq!(
        parse_command(b"t1ab1ff"),
        Ok(Command::Transmit(std_frame(0x1AB, &[0xFF])))
    );
}

#[test]
fn bad_commands_are_refused() {
    for bad in [
        &b""[..],
        b"S9",
        b"S",
        b"Z2",
        b"O1",
        b"t800",
        b"t1009",
        b"t1002113",
        b"t10021133FF",
        b"T2000000000",
        b"tXYZ0",
        b"Q",
        b"T0000010021133AABBCCDDEEFF0011223344",
    ] {
        assert!(
            parse_command(bad).is_err(),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    assert_eq!(parse_command(b"q"), Err(SlcanError::UnknownCommand('q')));
}

#[test]
fn replies_decode_from_the_stream() {
    let mut p = ReplyParser::new();
    let mut got = p.push(b"\r\x07z\rZ\rV1013\rNA123\rF0");
    got.extend(p.push(b"4\rt1230\rt12380102030405060708EA5F\rR123456788\r"));
    let got: Vec<Reply> = got.into_iter().map(|r| r.unwrap()).collect();
    assert_eq!(
        got,
        vec![
            Reply::Ok,
            Reply::Error,
            Reply::Transmitted { extended: false },
            Reply::Transmitted { extended: true },
            Reply::Version("1013".into()),
            Reply::SerialNumber("A123".into()),
            Reply::StatusFlags(0x04),
            Reply::Frame {
                frame: std_frame(0x123, &[]),
                timestamp_ms: None
            },
            Reply::Frame {
                frame: std_frame(0x123, &[1, 2, 3, 4, 5, 6, 7, 8]),
                timestamp_ms: Some(59_999)
            },
            Reply::Frame {
                frame: CanFrame::remote(CanId::Extended(0x1234_5678), 8).unwrap(),
                timestamp_ms: None
            },
        ]
    );
    // Time stamps at or above 60000 (EA60) do not exist.
    assert!(parse_reply(b"t1230EA60").is_err());
}

#[test]
fn replies_round_trip() {
    let replies = [
        Reply::Ok,
        Reply::Error,
        Reply::Transmitted { extended: true },
        Reply::Version("1013".into()),
        Reply::SerialNumber("V2XH".into()),
        Reply::StatusFlags(0xA5),
        Reply::Frame {
            frame: ext_frame(0x1FFF_FFFF, &[0xFF; 8]),
            timestamp_ms: Some(0),
        },
        Reply::Frame {
            frame: CanFrame::remote(CanId::Standard(0x7FF), 0).unwrap(),
            timestamp_ms: Some(12_345),
        },
    ];
    let mut stream = Vec::new();
    for r in &replies {
        stream.extend(encode_reply(r));
    }
    // Feed one byte at a time: framing must survive any split.
    let mut p = ReplyParser::new();
    let got: Vec<Reply> = stream
        .chunks(1)
        .flat_map(|c| p.push(c))
        .map(|r| r.unwrap())
        .collect();
    assert_eq!(got, replies);
}

#[test]
fn splitter_drops_overlong_lines_and_recovers() {
    let mut s = LineSplitter::new();
    let mut input = vec![b'x'; 100];
    input.extend(b"\rO\r");
    assert_eq!(
        s.push(&input),
        vec![Line::TooLong, Line::Text(b"O".to_vec())]
    );
}

#[test]
fn adapter_follows_the_manual_state_rules() {
    let mut a = SlcanAdapter::new();
    let run = |a: &mut SlcanAdapter, cmd: &[u8]| a.from_host(cmd).0;
    assert_eq!(run(&mut a, b"O\r"), b"\x07", "open needs a bit rate first");
    assert_eq!(run(&mut a, b"C\r"), b"\x07", "already closed");
    assert_eq!(run(&mut a, b"t1000\r"), b"\x07", "closed: cannot transmit");
    assert_eq!(run(&mut a, b"S6\rZ1\rO\r"), b"\r\r\r");
    assert!(a.is_open() && a.timestamps());
    assert_eq!(a.bitrate(), Some(SlcanBitrate::S6));
    assert_eq!(run(&mut a, b"S4\r"), b"\x07", "bit rate only while closed");
    assert_eq!(
        run(&mut a, b"Z0\r"),
        b"\x07",
        "time stamps only while closed"
    );
    let (reply, sent) = a.from_host(b"t10021133\rT0000010021133\rr1003\rR000001003\r");
    assert_eq!(reply, b"z\rZ\rz\rZ\r");
    assert_eq!(sent.len(), 4);
    assert_eq!(sent[0], std_frame(0x100, &[0x11, 0x33]));
    a.set_status_flags(0x08);
    assert_eq!(run(&mut a, b"F\rV\rN\r"), b"F08\rV1013\rNV2XH\r");
    assert_eq!(run(&mut a, b"hello\r"), b"\x07");
    assert_eq!(run(&mut a, b"C\r"), b"\r");
    assert!(
        a.to_host(&std_frame(1, &[])).is_empty(),
        "closed: nothing reaches the host"
    );
}

#[test]
fn adapter_stamps_frames_with_its_clock_modulo_60000() {
    let mut a =
        SlcanAdapter::new().with_clock(Box::new(|| std::time::Duration::from_millis(125_000)));
    a.from_host(b"S8\rZ1\rO\r");
    // 125 000 ms mod 60 000 = 5 000 = 0x1388.
    assert_eq!(a.to_host(&std_frame(0x123, &[0xAB])), b"t1231AB1388\r");
}

#[test]
fn never_panics_on_random_bytes() {
    let mut s: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = || {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s
    };
    let alphabet = b"tTrRzZOCSVNF0123456789ABCDEFabcdef\r\x07\n";
    let mut parser = ReplyParser::new();
    let mut adapter = SlcanAdapter::new();
    let mut frames = 0;
    for _ in 0..50_000 {
        let len = (next() % 40) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                let r = next();
                if r % 5 == 0 {
                    r as u8
                } else {
                    alphabet[(r >> 8) as usize % alphabet.len()]
                }
            })
            .collect();
        for r in parser.push(&bytes).into_iter().flatten() {
            if let Reply::Frame { .. } = r {
                frames += 1;
            }
        }
        let (reply, sent) = adapter.from_host(&bytes);
        // Every reply is CR-terminated or BEL; every frame sent is valid.
        assert!(reply.is_empty() || matches!(reply.last(), Some(b'\r') | Some(0x07)));
        for f in sent {
            assert!(f.id().is_valid() && f.dlc() <= 8);
        }
        let _ = parse_command(&bytes);
        let _ = parse_reply(&bytes);
    }
    // Valid lines with a few mutated bytes exercise the accepting paths.
    for _ in 0..20_000 {
        let mut line = b"T12345678801020304050607081388\r".to_vec();
        for _ in 0..(next() % 3) {
            let at = (next() as usize) % line.len();
            line[at] = alphabet[(next() as usize) % alphabet.len()];
        }
        for r in parser.push(&line).into_iter().flatten() {
            if let Reply::Frame { frame, .. } = r {
                frames += 1;
                assert!(frame.id().is_valid());
            }
        }
        let _ = adapter.from_host(&line);
    }
    assert!(frames > 1000, "only {frames} frames decoded");
}
