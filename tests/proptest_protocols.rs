//! Property tests of the wire codecs (issue 9): encode→decode round trips
//! of generated values, "never panics" on arbitrary bytes with the check
//! that whatever decodes re-encodes consistently, and bounded memory where
//! a length field could make a decoder allocate. The fuzz targets in
//! `fuzz/` assert the same properties for hours; these run in `cargo test`
//! with moderate case counts.

mod proptest_common;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest_common::config;
use std::time::Duration;
use v2x_hil::protocol::chademo::Message;
use v2x_hil::protocol::isotp::{decode_st_min, IsoTpConfig, IsoTpError, Receiver, Sender};
use v2x_hil::protocol::modbus::pdu::{ExceptionCode, Request as MbRequest, Response as MbResponse};
use v2x_hil::protocol::modbus::{rtu, tcp};
use v2x_hil::protocol::scpi::response::{decode_block, encode_block, BlockError};
use v2x_hil::protocol::slcan::{self, Command, Reply, CR};
use v2x_hil::protocol::uds::{MemoryLocation, Request as UdsRequest, Response as UdsResponse};
use v2x_hil::protocol::v2gtp::sdp::{SdpRequest, SdpResponse};
use v2x_hil::protocol::v2gtp::{
    FrameSplitter, Limits as V2gtpLimits, Message as V2gtpMessage, PayloadType,
};
use v2x_hil::transport::can::candump::{
    format_record, parse_line, parse_log, Direction, LogRecord,
};
use v2x_hil::transport::can::pcapng::{parse_capture, PcapngWriter};
use v2x_hil::transport::can::{CanFrame, CanId};

// ---------- generators ----------

fn can_id() -> impl Strategy<Value = CanId> {
    prop_oneof![
        (0u16..=0x7FF).prop_map(CanId::Standard),
        (0u32..=0x1FFF_FFFF).prop_map(CanId::Extended),
    ]
}

fn can_frame() -> impl Strategy<Value = CanFrame> {
    prop_oneof![
        3 => (can_id(), vec(any::<u8>(), 0..=8))
            .prop_map(|(id, d)| CanFrame::new(id, &d).expect("valid frame")),
        1 => (can_id(), 0u8..=8).prop_map(|(id, dlc)| CanFrame::remote(id, dlc).expect("valid frame")),
    ]
}

fn direction() -> impl Strategy<Value = Option<Direction>> {
    prop_oneof![
        Just(None),
        Just(Some(Direction::Tx)),
        Just(Some(Direction::Rx))
    ]
}

fn mb_request() -> impl Strategy<Value = MbRequest> {
    prop_oneof![
        (any::<u16>(), 1u16..=125).prop_map(|(address, quantity)| {
            MbRequest::ReadHoldingRegisters { address, quantity }
        }),
        (any::<u16>(), any::<u16>())
            .prop_map(|(address, value)| MbRequest::WriteSingleRegister { address, value }),
        (any::<u16>(), vec(any::<u16>(), 1..=123))
            .prop_map(|(address, values)| MbRequest::WriteMultipleRegisters { address, values }),
    ]
}

fn mb_response() -> impl Strategy<Value = MbResponse> {
    let code = prop_oneof![
        Just(ExceptionCode::IllegalFunction),
        Just(ExceptionCode::IllegalDataAddress),
        Just(ExceptionCode::IllegalDataValue),
        Just(ExceptionCode::ServerDeviceFailure),
        Just(ExceptionCode::ServerDeviceBusy),
    ];
    prop_oneof![
        vec(any::<u16>(), 1..=125).prop_map(|values| MbResponse::ReadHoldingRegisters { values }),
        (any::<u16>(), any::<u16>())
            .prop_map(|(address, value)| MbResponse::WriteSingleRegister { address, value }),
        (any::<u16>(), any::<u16>()).prop_map(|(address, quantity)| {
            MbResponse::WriteMultipleRegisters { address, quantity }
        }),
        (0u8..0x80, code).prop_map(|(function, code)| MbResponse::Exception { function, code }),
    ]
}

fn memory_location() -> impl Strategy<Value = MemoryLocation> {
    (1u8..=8, 1u8..=8, any::<u64>(), any::<u64>()).prop_map(|(al, sl, a, s)| {
        let cut = |v: u64, n: u8| {
            if n == 8 {
                v
            } else {
                v & ((1u64 << (8 * n)) - 1)
            }
        };
        MemoryLocation::new(cut(a, al), cut(s, sl), al, sl).expect("values cut to their widths")
    })
}

fn uds_request() -> impl Strategy<Value = UdsRequest> {
    prop_oneof![
        (0u8..0x80, any::<bool>()).prop_map(|(session, suppress_positive)| {
            UdsRequest::DiagnosticSessionControl {
                session,
                suppress_positive,
            }
        }),
        (0u8..0x80, any::<bool>()).prop_map(|(reset_type, suppress_positive)| {
            UdsRequest::EcuReset {
                reset_type,
                suppress_positive,
            }
        }),
        (1u8..0x7F, vec(any::<u8>(), 1..16))
            .prop_map(|(level, data)| UdsRequest::SecurityAccess { level, data }),
        vec(any::<u16>(), 1..8).prop_map(|dids| UdsRequest::ReadDataByIdentifier { dids }),
        (
            1u8..=3,
            any::<u16>(),
            vec(any::<u8>(), 0..16),
            any::<bool>()
        )
            .prop_map(|(control, routine_id, option, suppress_positive)| {
                UdsRequest::RoutineControl {
                    control,
                    routine_id,
                    option,
                    suppress_positive,
                }
            }),
        (any::<u8>(), memory_location()).prop_map(|(data_format, memory)| {
            UdsRequest::RequestDownload {
                data_format,
                memory,
            }
        }),
        (any::<u8>(), vec(any::<u8>(), 0..64))
            .prop_map(|(counter, data)| UdsRequest::TransferData { counter, data }),
        vec(any::<u8>(), 0..8).prop_map(|params| UdsRequest::RequestTransferExit { params }),
        any::<bool>().prop_map(|suppress_positive| UdsRequest::TesterPresent { suppress_positive }),
    ]
}

/// Bytes that start with a SID (or a PDU's function code) the codecs know,
/// most of the time, so the random-bytes properties reach past the first byte.
fn biased_bytes(firsts: &'static [u8], max: usize) -> impl Strategy<Value = Vec<u8>> {
    (
        any::<prop::sample::Index>(),
        any::<bool>(),
        vec(any::<u8>(), 0..max),
    )
        .prop_map(move |(i, bias, mut bytes)| {
            if bias {
                if let Some(b) = bytes.first_mut() {
                    *b = firsts[i.index(firsts.len())];
                }
            }
            bytes
        })
}

const UDS_SIDS: &[u8] = &[
    0x10, 0x11, 0x22, 0x27, 0x31, 0x34, 0x36, 0x37, 0x3E, 0x50, 0x51, 0x62, 0x67, 0x71, 0x74, 0x76,
    0x77, 0x7E, 0x7F,
];
const MODBUS_FUNCTIONS: &[u8] = &[0x03, 0x06, 0x10, 0x83, 0x86, 0x90];

/// Sender → Receiver in virtual time; the message that came out.
fn isotp_transfer(payload: &[u8], tx: IsoTpConfig, rx: IsoTpConfig) -> Result<Vec<u8>, String> {
    let mut s = Sender::new(tx);
    let mut r = Receiver::new(rx);
    s.start(payload).map_err(|e| e.to_string())?;
    let mut now = Duration::ZERO;
    let mut got = None;
    for _ in 0..4 * (payload.len() + 8) {
        let step = s.poll(now).map_err(|e| e.to_string())?;
        for f in &step.frames {
            let ev = r.on_frame(now, f);
            if let Some(e) = ev.error {
                return Err(e.to_string());
            }
            if let Some(fc) = ev.flow_control {
                s.on_flow_control(now, &fc).map_err(|e| e.to_string())?;
            }
            if let Some(m) = ev.completed {
                got = Some(m);
            }
        }
        if step.done {
            return got.ok_or_else(|| "sender done, nothing received".into());
        }
        if step.frames.is_empty() {
            now = step.wake_at.ok_or("a pending sender has no deadline")?;
        }
    }
    Err("transfer did not finish".into())
}

fn isotp_config() -> IsoTpConfig {
    IsoTpConfig::new(CanId::Standard(0x7E0), CanId::Standard(0x7E8))
}

// ---------- round trips ----------

proptest! {
    #![proptest_config(config(256))]

    #[test]
    fn modbus_pdus_round_trip(req in mb_request(), resp in mb_response()) {
        let bytes = req.to_bytes();
        prop_assert_eq!(MbRequest::decode(&bytes), Ok(req));
        let bytes = resp.to_bytes();
        prop_assert_eq!(MbResponse::decode(&bytes), Ok(resp));
    }

    #[test]
    fn modbus_rtu_adus_round_trip_and_split(
        reqs in vec((1u8..=247, mb_request()), 1..6),
        piece in 1usize..40,
    ) {
        let mut stream = Vec::new();
        for (unit, r) in &reqs {
            let adu = rtu::encode_adu(*unit, &r.to_bytes());
            let (u, pdu) = rtu::decode_adu(&adu).expect("own ADU decodes");
            prop_assert_eq!((u, MbRequest::decode(pdu)), (*unit, Ok(r.clone())));
            stream.extend_from_slice(&adu);
        }
        // The same frames come out of the stream however it is cut.
        let mut s = rtu::RtuSplitter::new(rtu::Side::Requests);
        let mut got = Vec::new();
        for chunk in stream.chunks(piece) {
            s.push(chunk);
            while let Some(f) = s.next_frame() {
                let f = f.expect("no error in a clean stream");
                got.push((f.unit_id, MbRequest::decode(&f.pdu).expect("PDU decodes")));
            }
        }
        prop_assert_eq!(got, reqs);
        prop_assert_eq!(s.buffered(), 0);
    }

    #[test]
    fn modbus_tcp_adus_round_trip_and_split(
        resps in vec((any::<u16>(), any::<u8>(), mb_response()), 1..6),
        piece in 1usize..40,
    ) {
        let mut stream = Vec::new();
        for (tid, unit, r) in &resps {
            let adu = tcp::encode_adu(*tid, *unit, &r.to_bytes());
            let f = tcp::decode_adu(&adu).expect("own ADU decodes");
            prop_assert_eq!((f.transaction_id, f.unit_id), (*tid, *unit));
            prop_assert_eq!(MbResponse::decode(&f.pdu), Ok(r.clone()));
            stream.extend_from_slice(&adu);
        }
        let mut s = tcp::TcpSplitter::new();
        let mut got = Vec::new();
        for chunk in stream.chunks(piece) {
            s.push(chunk);
            while let Some(f) = s.next_frame() {
                let f = f.expect("no error in a clean stream");
                let r = MbResponse::decode(&f.pdu).expect("PDU decodes");
                got.push((f.transaction_id, f.unit_id, r));
            }
        }
        prop_assert_eq!(got, resps);
    }

    #[test]
    fn v2gtp_messages_round_trip_and_split(
        msgs in vec((any::<u16>(), vec(any::<u8>(), 0..64)), 1..6),
        piece in 1usize..40,
    ) {
        let limits = V2gtpLimits::default();
        let mut stream = Vec::new();
        let mut want = Vec::new();
        for (t, payload) in &msgs {
            let m = V2gtpMessage::new(PayloadType::from_u16(*t), payload.clone());
            let frame = m.encode().expect("small payload");
            prop_assert_eq!(V2gtpMessage::decode(&frame, &limits), Ok(m.clone()));
            stream.extend_from_slice(&frame);
            want.push(m);
        }
        let mut s = FrameSplitter::new(limits);
        let mut got = Vec::new();
        for chunk in stream.chunks(piece) {
            s.push(chunk);
            while let Some(m) = s.next_message() {
                got.push(m.expect("no error in a clean stream"));
            }
        }
        prop_assert_eq!(got, want);
        prop_assert_eq!(s.buffered(), 0);
    }

    #[test]
    fn v2gtp_and_sdp_bytes_re_encode_consistently(bytes in vec(any::<u8>(), 0..40), ty in 0u16..4) {
        // Start most inputs with a valid version pair and an SDP or EXI type.
        let mut data = vec![0x01, 0xFE, 0x90, ty as u8];
        data.extend_from_slice(&bytes);
        for d in [&data[..], &bytes[..]] {
            if let Ok(m) = V2gtpMessage::decode(d, &V2gtpLimits::default()) {
                prop_assert_eq!(m.encode().expect("fits"), d.to_vec());
            }
            if let Ok(r) = SdpRequest::decode(d) {
                prop_assert_eq!(r.encode(), d.to_vec());
            }
            if let Ok(r) = SdpResponse::decode(d) {
                prop_assert_eq!(r.encode(), d.to_vec());
            }
        }
    }

    #[test]
    fn uds_requests_round_trip(req in uds_request()) {
        prop_assert_eq!(UdsRequest::decode(&req.encode()), Ok(req));
    }

    #[test]
    fn uds_responses_re_encode_consistently(bytes in biased_bytes(UDS_SIDS, 24)) {
        if let Ok(resp) = UdsResponse::decode(&bytes) {
            prop_assert_eq!(UdsResponse::decode(&resp.encode()), Ok(resp));
        }
    }

    #[test]
    fn slcan_frames_round_trip(frame in can_frame(), ts in prop::option::of(0u16..60_000)) {
        let line = slcan::encode_command(&Command::Transmit(frame));
        let body = line.strip_suffix(&[CR]).expect("CR-terminated");
        prop_assert_eq!(slcan::parse_command(body), Ok(Command::Transmit(frame)));
        let reply = Reply::Frame { frame, timestamp_ms: ts };
        let line = slcan::encode_reply(&reply);
        let body = line.strip_suffix(&[CR]).expect("CR-terminated");
        prop_assert_eq!(slcan::parse_reply(body), Ok(reply));
    }

    #[test]
    fn chademo_frames_re_encode_consistently(
        id in prop::sample::select(Message::IDS.to_vec()),
        data in any::<[u8; 8]>(),
    ) {
        if let Ok(m) = Message::decode(id, &data) {
            let (out_id, bytes) = m.encode();
            prop_assert_eq!(out_id, id);
            prop_assert_eq!(Message::decode(out_id, &bytes), Ok(m));
        }
    }

    #[test]
    fn candump_lines_round_trip(
        secs in 0u64..100_000_000_000,
        micros in 0u32..1_000_000,
        interface in "[a-z][a-z0-9_.-]{0,14}",
        frame in can_frame(),
        direction in direction(),
    ) {
        let record = LogRecord {
            timestamp: Duration::new(secs, micros * 1000),
            interface,
            frame,
            direction,
        };
        let line = format_record(&record).expect("a valid interface name");
        prop_assert_eq!(parse_line(line.as_bytes(), 1), Ok(record));
    }

    #[test]
    fn pcapng_captures_round_trip(
        packets in vec((0u64..u64::MAX, can_frame(), direction()), 0..20),
    ) {
        let mut w = PcapngWriter::new(Vec::new(), "can0").expect("in memory");
        for (ns, frame, dir) in &packets {
            w.write(Duration::from_nanos(*ns), frame, *dir).expect("in memory");
        }
        let capture = parse_capture(&w.into_inner()).expect("own capture reads");
        prop_assert_eq!(capture.interfaces.len(), 1);
        let got: Vec<_> = capture
            .packets
            .iter()
            .map(|p| (p.timestamp.as_nanos() as u64, p.frame, p.direction))
            .collect();
        prop_assert_eq!(got, packets);
    }

    #[test]
    fn scpi_blocks_round_trip(data in vec(any::<u8>(), 0..2000), junk in vec(any::<u8>(), 0..8)) {
        let mut bytes = encode_block(&data);
        let used = bytes.len();
        bytes.extend_from_slice(&junk);
        prop_assert_eq!(decode_block(&bytes), Ok((data.as_slice(), used)));
    }
}

proptest! {
    // Each case moves up to 4095 bytes through both state machines.
    #![proptest_config(config(64))]

    #[test]
    fn isotp_segments_and_reassembles(
        payload in vec(any::<u8>(), 1..=4095),
        padding in prop::option::of(any::<u8>()),
        block_size in prop::sample::select(vec![0u8, 1, 2, 8, 255]),
        st_min in prop::sample::select(vec![0u8, 1, 5, 0xF1, 0xF9]),
    ) {
        let mut tx = isotp_config();
        tx.padding = padding;
        let mut rx = tx.reversed();
        rx.block_size = block_size;
        rx.st_min = decode_st_min(st_min);
        prop_assert_eq!(isotp_transfer(&payload, tx, rx), Ok(payload));
    }
}

// ---------- arbitrary bytes: no panic, and what decodes is consistent ----------

proptest! {
    #![proptest_config(config(512))]

    #[test]
    fn modbus_decoders_on_any_bytes(bytes in biased_bytes(MODBUS_FUNCTIONS, 300)) {
        if let Ok(r) = MbRequest::decode(&bytes) {
            prop_assert_eq!(r.to_bytes(), bytes.clone());
        }
        if let Ok(r) = MbResponse::decode(&bytes) {
            prop_assert_eq!(r.to_bytes(), bytes.clone());
        }
        if let Ok((unit, pdu)) = rtu::decode_adu(&bytes) {
            prop_assert_eq!(rtu::encode_adu(unit, pdu), bytes.clone());
        }
        if let Ok(f) = tcp::decode_adu(&bytes) {
            prop_assert_eq!(tcp::encode_adu(f.transaction_id, f.unit_id, &f.pdu), bytes.clone());
        }
        let mut s = rtu::RtuSplitter::new(rtu::Side::Responses);
        s.push(&bytes);
        let mut n = 0;
        while s.next_frame().is_some() {
            n += 1;
            prop_assert!(n <= bytes.len(), "the RTU splitter does not advance");
        }
    }

    #[test]
    fn uds_decoders_on_any_bytes(bytes in biased_bytes(UDS_SIDS, 40)) {
        if let Ok(r) = UdsRequest::decode(&bytes) {
            prop_assert_eq!(UdsRequest::decode(&r.encode()), Ok(r));
        }
        if let Ok(r) = UdsResponse::decode(&bytes) {
            prop_assert_eq!(UdsResponse::decode(&r.encode()), Ok(r));
        }
    }

    #[test]
    fn isotp_receiver_on_any_frames(
        frames in vec((any::<bool>(), vec(any::<u8>(), 0..=8), 0u64..3000), 0..60),
        max in 8u32..512,
    ) {
        let mut c = isotp_config();
        c.max_receive_len = max;
        c.block_size = 2;
        let mut r = Receiver::new(c.reversed());
        let mut now = Duration::ZERO;
        for (ours, data, dt) in frames {
            now += Duration::from_micros(dt);
            let id = if ours { c.tx_id } else { c.rx_id };
            let ev = r.on_frame(now, &CanFrame::new(id, &data).expect("≤ 8 bytes"));
            if let Some(m) = ev.completed {
                prop_assert!(!m.is_empty() && m.len() <= max as usize);
            }
        }
    }

    #[test]
    fn slcan_parsers_on_any_line(line in vec(any::<u8>(), 0..40)) {
        if let Ok(c) = slcan::parse_command(&line) {
            let out = slcan::encode_command(&c);
            prop_assert_eq!(slcan::parse_command(out.strip_suffix(&[CR]).unwrap_or(&out)), Ok(c));
        }
        if let Ok(r) = slcan::parse_reply(&line) {
            let keep = |s: &str| s.chars().filter(|c| c.is_ascii_graphic()).collect::<String>();
            let want = match r.clone() {
                Reply::Version(v) => Reply::Version(keep(&v)),
                Reply::SerialNumber(s) => Reply::SerialNumber(keep(&s)),
                other => other,
            };
            let out = slcan::encode_reply(&r);
            let back = match out.strip_suffix(&[CR]) {
                Some(body) => slcan::parse_reply(body),
                None => Ok(Reply::Error),
            };
            prop_assert_eq!(back, Ok(want));
        }
    }

    #[test]
    fn chademo_decoder_on_any_bytes(id in any::<u16>(), data in vec(any::<u8>(), 0..12)) {
        if let Ok(m) = Message::decode(id, &data) {
            let (out_id, bytes) = m.encode();
            prop_assert_eq!(Message::decode(out_id, &bytes), Ok(m));
        }
    }

    #[test]
    fn candump_parser_on_any_bytes(bytes in vec(any::<u8>(), 0..200)) {
        let lines: Vec<&[u8]> = bytes.split(|&c| c == b'\n').collect();
        for item in parse_log(&bytes) {
            match item {
                Ok(record) => {
                    let line = format_record(&record).expect("parsed interface formats");
                    prop_assert!(parse_line(line.as_bytes(), 1).is_ok());
                }
                Err(e) => {
                    let line = lines.get(e.line - 1).expect("error line exists");
                    prop_assert!(e.column >= 1 && e.column <= line.len() + 1);
                }
            }
        }
    }

    #[test]
    fn pcapng_reader_on_any_bytes(bytes in vec(any::<u8>(), 0..300)) {
        // What it accepts writes back and reads the same (as fuzz/pcapng).
        if let Ok(capture) = parse_capture(&bytes) {
            let fits = |t: Duration| t.as_nanos() < u128::from(u64::MAX);
            let kept: Vec<_> = capture.packets.iter().filter(|p| fits(p.timestamp)).collect();
            let mut w = PcapngWriter::new(Vec::new(), "can0").expect("in memory");
            for p in &kept {
                w.write(p.timestamp, &p.frame, p.direction).expect("in memory");
            }
            let again = parse_capture(&w.into_inner()).expect("own capture reads");
            let again: Vec<_> = again.packets.iter().map(|p| (p.timestamp, p.frame, p.direction)).collect();
            let kept: Vec<_> = kept.iter().map(|p| (p.timestamp, p.frame, p.direction)).collect();
            prop_assert_eq!(again, kept);
        }
    }

    #[test]
    fn scpi_blocks_on_any_bytes(bytes in vec(any::<u8>(), 0..64)) {
        if let Ok((data, used)) = decode_block(&bytes) {
            prop_assert!(used <= bytes.len());
            prop_assert_eq!(bytes.get(used - data.len()..used), Some(data));
        }
    }
}

// ---------- bounded memory: a declared length allocates nothing ----------

proptest! {
    #![proptest_config(config(64))]

    /// A first frame announcing up to 4 GiB: refused beyond the receiver's
    /// limit, and below it reassembly starts without reserving the length.
    #[test]
    fn isotp_first_frame_length_is_not_an_allocation(len in 4096u32..=u32::MAX) {
        let c = isotp_config();
        let l = len.to_be_bytes();
        // From the peer: the receivers below listen on `c`'s tx id.
        let ff = CanFrame::new(c.tx_id, &[0x10, 0, l[0], l[1], l[2], l[3], 1, 2])
            .expect("8 bytes");
        let mut bounded = Receiver::new(c.reversed());
        let ev = bounded.on_frame(Duration::ZERO, &ff);
        if len > c.max_receive_len {
            let refused = matches!(ev.error, Some(IsoTpError::IncomingTooLong { .. }));
            prop_assert!(refused);
            prop_assert!(!bounded.is_receiving());
        }
        let mut open = isotp_config();
        open.max_receive_len = u32::MAX;
        let mut r = Receiver::new(open.reversed());
        let ev = r.on_frame(Duration::ZERO, &ff);
        prop_assert!(ev.completed.is_none() && r.is_receiving());
    }

    /// An SCPI block header declaring up to 999,999,999 bytes is incomplete,
    /// not a read of that many.
    #[test]
    fn scpi_block_length_is_not_an_allocation(len in 100u64..=999_999_999, have in 0usize..64) {
        let digits = len.to_string();
        let mut bytes = format!("#{}{digits}", digits.len()).into_bytes();
        bytes.extend(std::iter::repeat_n(b'x', have));
        let incomplete = matches!(decode_block(&bytes), Err(BlockError::Incomplete { .. }));
        prop_assert!(incomplete);
    }

    /// A pcapng block whose total length claims up to 4 GiB is an error.
    #[test]
    fn pcapng_block_length_is_not_an_allocation(total in 28u32..=u32::MAX) {
        let mut w = PcapngWriter::new(Vec::new(), "can0").expect("in memory");
        let f = CanFrame::new(CanId::Standard(0x100), &[1, 2, 3]).expect("valid");
        w.write(Duration::from_secs(1), &f, None).expect("in memory");
        let mut bytes = w.into_inner();
        let epb = bytes.len() - 48;
        let real = u32::from_le_bytes(bytes[epb + 4..epb + 8].try_into().expect("4 bytes"));
        prop_assume!(total != real);
        bytes[epb + 4..epb + 8].copy_from_slice(&total.to_le_bytes());
        prop_assert!(parse_capture(&bytes).is_err());
    }

    /// UDS sizes are values, not allocations: a RequestDownload of 2^64-1
    /// bytes decodes as such.
    #[test]
    fn uds_memory_size_is_not_an_allocation(size in any::<u64>()) {
        let memory = MemoryLocation::new(0x0800_0000, size, 4, 8).expect("fits");
        let req = UdsRequest::RequestDownload { data_format: 0, memory };
        prop_assert_eq!(UdsRequest::decode(&req.encode()), Ok(req));
    }
}
