//! Parser tests with the manuals' own examples.

use super::command::{numeric, Numeric};
use super::dialect::{render, GRID_DIALECTS};
use super::message::*;
use super::response::*;
use super::*;

fn units(msg: &str) -> Vec<ProgramUnit> {
    parse_message(msg.as_bytes())
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn keysight_ac6800_multi_command_example() {
    // AC6800B guide: "FREQuency 100,90,110;:OUTPut ON"
    let u = units("FREQuency 100,90,110;:OUTPut ON");
    assert_eq!(u.len(), 2);
    assert_eq!(
        u[0].params,
        vec![
            Param::Numeric {
                value: 100.0,
                suffix: None
            },
            Param::Numeric {
                value: 90.0,
                suffix: None
            },
            Param::Numeric {
                value: 110.0,
                suffix: None
            },
        ]
    );
    assert!(
        matches!(&u[1].header, Header::Instrument { rooted: true, nodes, .. } if nodes[0].mnemonic == "OUTPUT")
    );
    assert_eq!(u[1].params, vec![Param::Char("ON".into())]);
}

#[test]
fn chroma_6404_path_examples() {
    // Chroma 6404 manual §6.4 "Traversal of the Command Tree".
    let table: Vec<Pattern> = [
        "[SOURce:]VOLTage[:LEVel][:IMMediate][:AMPLitude]",
        "[SOURce:]VOLTage:RANGe",
        "[SOURce:]VOLTage:LIMit",
        "[SOURce:]CURRent:PEAK",
        "[SOURce:]FREQuency[:CW]",
    ]
    .iter()
    .map(|p| Pattern::parse(p))
    .collect();
    let run = |msg: &str| -> Vec<Result<usize, ErrorCode>> {
        let mut r = PathResolver::default();
        parse_message(msg.as_bytes())
            .into_iter()
            .map(|u| {
                let u = u?;
                if let Header::Common { .. } = u.header {
                    return Ok(99);
                }
                r.resolve(&u.header, &table).map(|m| m.index)
            })
            .collect()
    };
    assert_eq!(run("VOLT:RANG 150;LIM 140"), vec![Ok(1), Ok(2)]);
    assert_eq!(
        run("CURR:PEAK 8;VOLT 110"),
        vec![Ok(3), Err(ErrorCode::UNDEFINED_HEADER)]
    );
    assert_eq!(run("CURR:PEAK 8;:VOLT 110"), vec![Ok(3), Ok(0)]);
    assert_eq!(
        run("VOLT:RANG 300;*ESE 32;LIM 250"),
        vec![Ok(1), Ok(99), Ok(2)]
    );
    assert_eq!(run("FREQ 120;VOLT 110"), vec![Ok(4), Ok(0)]);
    assert_eq!(run("VOLT:LEV 110;RANG 150"), vec![Ok(0), Ok(1)]);
    // long/short forms, any case; "OUT" is neither (AC6800B guide)
    assert_eq!(run("sour:voltage:level:imm:ampl 5"), vec![Ok(0)]);
    assert_eq!(run("VOLTA 5"), vec![Err(ErrorCode::UNDEFINED_HEADER)]);
}

#[test]
fn numbers_units_and_keywords() {
    let p = |s: &str| units(&format!("X {s}")).remove(0).params.remove(0);
    assert_eq!(numeric(&p("120"), "V"), Ok(Numeric::Value(120.0)));
    assert_eq!(numeric(&p("1.2E+2 V"), "V"), Ok(Numeric::Value(120.0)));
    assert_eq!(numeric(&p("-.5e1"), "V"), Ok(Numeric::Value(-5.0)));
    assert_eq!(numeric(&p("100 mV"), "V"), Ok(Numeric::Value(0.1)));
    assert_eq!(numeric(&p("10MS"), "S"), Ok(Numeric::Value(0.01)));
    assert_eq!(numeric(&p("1MHZ"), "HZ"), Ok(Numeric::Value(1e6)));
    assert_eq!(numeric(&p("60HZ"), "V"), Err(ErrorCode::INVALID_SUFFIX));
    assert_eq!(numeric(&p("MAX"), "V"), Ok(Numeric::Max));
    assert_eq!(numeric(&p("minimum"), "V"), Ok(Numeric::Min));
    assert_eq!(numeric(&p("DEF"), "V"), Ok(Numeric::Default));
    assert_eq!(boolean(&p("ON")), Ok(true));
    assert_eq!(boolean(&p("0")), Ok(false));
    assert!(boolean(&p("MAYBE")).is_err());
    assert_eq!(p("'it''s'"), Param::Str("it's".into()));
    assert_eq!(
        parse_message(b"X 1E").remove(0),
        Err(ErrorCode::NUMERIC_DATA_ERROR)
    );
    assert_eq!(
        parse_message(b"X 1E999").remove(0),
        Err(ErrorCode::DATA_OUT_OF_RANGE)
    );
}

#[test]
fn channel_lists() {
    // 34980A style; Keithley 2001 "(@ 1:5,7)".
    let u = units("ROUT:CLOS (@1001,1002:1004)");
    let Param::Channels(list) = &u[0].params[0] else {
        panic!()
    };
    assert_eq!(expand_channels(list), vec![1001, 1002, 1003, 1004]);
    let u = units("ROUT:CLOS? (@ 1:5,7)");
    let Param::Channels(list) = &u[0].params[0] else {
        panic!()
    };
    assert_eq!(expand_channels(list), vec![1, 2, 3, 4, 5, 7]);
    assert!(u[0].header.is_query());
    assert_eq!(
        parse_message(b"ROUT:CLOS (@1:4000000000)").remove(0),
        Err(ErrorCode::DATA_OUT_OF_RANGE)
    );
    assert_eq!(
        parse_message(b"ROUT:CLOS (1001)").remove(0),
        Err(ErrorCode::SYNTAX_ERROR)
    );
}

#[test]
fn header_suffix_and_common() {
    let u = units(":WAV:SOUR CHAN1;*OPC?");
    assert_eq!(u[0].params, vec![Param::Char("CHAN1".into())]);
    assert_eq!(
        u[1].header,
        Header::Common {
            name: "OPC".into(),
            query: true
        }
    );
    let u = units("MEAS2:VOLT?");
    let Header::Instrument { nodes, .. } = &u[0].header else {
        panic!()
    };
    assert_eq!(nodes[0].suffix, Some(2));
}

#[test]
fn nr3_and_bool_formatting() {
    assert_eq!(format_nr3(240.0), "+2.40000000E+02");
    assert_eq!(format_nr3(-0.00125), "-1.25000000E-03");
    assert_eq!(format_nr3(0.0), "+0.00000000E+00");
    assert_eq!(format_nr3(f64::NAN), "+9.91000000E+37");
    assert_eq!(parse_number("+2.40000000E+02"), Some(240.0));
    assert_eq!(parse_number("+1"), Some(1.0));
    assert_eq!(parse_number("1.0 V"), None);
    assert_eq!(format_bool(true), "1");
    assert_eq!(parse_bool("0"), Some(false));
}

#[test]
fn blocks_round_trip() {
    // IEEE 488.2 §8.7.9 example layout: #<n><len><data>
    assert_eq!(encode_block(b"ABC"), b"#13ABC".to_vec());
    assert_eq!(encode_block(&[]), b"#10".to_vec());
    let data: Vec<u8> = (0..=255).collect();
    let enc = encode_block(&data);
    assert_eq!(&enc[..5], b"#3256");
    assert_eq!(decode_block(&enc), Ok((&data[..], enc.len())));
    assert!(matches!(
        decode_block(b"#3256AB"),
        Err(BlockError::Incomplete { .. })
    ));
    assert_eq!(decode_block(b"#A12"), Err(BlockError::BadHeader));
    // a block holding NL does not end the message
    let mut msg = b"#12\n\n".to_vec();
    msg.push(b'\n');
    assert_eq!(find_message_end(&msg), Some(5));
    assert_eq!(find_message_end(b"#15\n\n"), None);
    assert_eq!(find_message_end(b"*IDN?\r\n"), Some(6));
}

#[test]
fn error_entries() {
    let e = ErrorCode::UNDEFINED_HEADER.entry();
    assert_eq!(e.to_string(), "-113,\"Undefined header\"");
    assert_eq!(ErrorEntry::parse("-113,\"Undefined header\""), Some(e));
    assert_eq!(
        ErrorEntry::parse("+0,\"No error\""),
        Some(ErrorCode::NO_ERROR.entry())
    );
    assert_eq!(
        ErrorEntry::parse("-222,\"Data out of range;VOLT 400\"")
            .unwrap()
            .message,
        "Data out of range;VOLT 400"
    );
    assert_eq!(ErrorEntry::parse("garbage"), None);
}

#[test]
fn dialect_templates_render_and_match() {
    let a = &GRID_DIALECTS[0];
    assert_eq!(render(a.set_voltage, "240"), "VOLT 240");
    assert_eq!(render(a.measure_voltage, ""), "MEAS:VOLT?");
    assert_eq!(
        render(GRID_DIALECTS[1].measure_voltage, ""),
        "MEAS:VOLT:AC?"
    );
    assert_eq!(render(GRID_DIALECTS[2].set_voltage, "120"), "VOLT:AC 120");
    assert_eq!(render("*RST", ""), "*RST");
    for d in GRID_DIALECTS {
        for t in [d.set_voltage, d.measure_power, d.measure_reactive, d.output] {
            let sent = render(t, "1");
            let unit = parse_message(sent.as_bytes()).remove(0).unwrap();
            let mut r = PathResolver::default();
            let table = [dialect::pattern(t)];
            assert!(
                r.resolve(&unit.header, &table).is_ok(),
                "{} {}",
                d.driver,
                sent
            );
        }
    }
    // Keysight's MEAS:VOLT? is DC, so the AC template must not accept it.
    let unit = parse_message(b"MEAS:VOLT?").remove(0).unwrap();
    let table = [dialect::pattern(GRID_DIALECTS[1].measure_voltage)];
    assert!(PathResolver::default()
        .resolve(&unit.header, &table)
        .is_err());
}

/// Random bytes (biased to SCPI's own characters): a message end found is a
/// NL, no more units than bytes, channel lists bounded, and a block that
/// decodes is a slice of the input that encodes and decodes back to itself;
/// a block we encode, with anything after it, decodes to exactly its data.
#[test]
fn random_bytes_parse_to_what_they_hold() {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let alphabet = b"#0123456789:;,?*() @'\"\nABCDEFVOLTMEASabc.+-eE\r\t\xff";
    let mut blocks = 0;
    for i in 0..20_000 {
        let len = (x % 40) as usize;
        let mut buf = Vec::with_capacity(len);
        for _ in 0..len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            buf.push(if x.is_multiple_of(3) {
                (x >> 24) as u8
            } else {
                alphabet[(x >> 8) as usize % alphabet.len()]
            });
        }
        if i % 8 == 0 {
            // One input in eight is a block we framed, with bytes after it.
            let (data, junk) = buf.split_at(len / 2);
            let framed = [encode_block(data), junk.to_vec()].concat();
            assert_eq!(
                decode_block(&framed),
                Ok((data, framed.len() - junk.len())),
                "{framed:02x?}"
            );
            buf = framed;
        }
        if let Some(end) = find_message_end(&buf) {
            assert_eq!(buf.get(end), Some(&b'\n'), "{buf:02x?}");
        }
        let units = parse_message(&buf);
        assert!(units.len() <= buf.len().max(1), "{buf:02x?}");
        for u in units.into_iter().flatten() {
            for p in &u.params {
                let _ = numeric(p, "V");
                let _ = boolean(p);
                if let Param::Channels(list) = p {
                    assert!(expand_channels(list).len() <= MAX_CHANNELS);
                }
            }
        }
        if let Ok((block, used)) = decode_block(&buf) {
            assert!(used <= buf.len() && block.len() <= used, "{buf:02x?}");
            assert_eq!(buf.get(used - block.len()..used), Some(block));
            let again = encode_block(block);
            assert_eq!(decode_block(&again), Ok((block, again.len())));
            blocks += 1;
        }
        let text = String::from_utf8_lossy(&buf);
        if let Some(v) = parse_number(&text) {
            // Only a number's own characters make a number (§7.7.2).
            let number = |b: u8| b.is_ascii_digit() || b"+-.eE ".contains(&b);
            assert!(!v.is_nan() && text.trim().bytes().all(number), "{text:?}");
        }
        let _ = ErrorEntry::parse(&text);
        let _ = split_list(&text);
        let _ = Pattern::parse(&text).short_form();
    }
    assert!(blocks >= 2_500, "{blocks} inputs were blocks");
}
