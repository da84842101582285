//! `run --out` writes `<bus>.pcapng` next to `<bus>.log`: the same frames
//! at the same times, readable by our reader and by Wireshark's tshark
//! (without tshark the test skips through `common::skip`, which fails it
//! under CI=true).

mod cli_common;
mod common;
use cli_common::root;
use std::collections::VecDeque;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use v2x_hil::transport::can::candump::{parse_log, Direction, LogRecord};
use v2x_hil::transport::can::pcapng::{parse_capture, PcapngWriter, LINKTYPE_CAN_SOCKETCAN};
use v2x_hil::transport::can::{CanBus, CanError, CanFrame, CanId, Received, RecordingBus};

/// tshark's field rows (tab-separated) for every packet of `file`.
fn tshark_fields(file: &Path, fields: &[&str], filter: Option<&str>) -> Vec<Vec<String>> {
    let mut cmd = Command::new("tshark");
    cmd.arg("-n").arg("-r").arg(file).args(["-T", "fields"]);
    for f in fields {
        cmd.args(["-e", f]);
    }
    if let Some(f) = filter {
        cmd.args(["-Y", f]);
    }
    let out = cmd.output().expect("tshark runs");
    assert!(
        out.status.success(),
        "tshark failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn v2g_run_writes_a_pcapng_matching_the_candump_log() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_v2x-hil"))
        .args(["run", "test-plans/v2g-dispatch.yaml", "--json", "--out"])
        .arg(dir.path())
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("binary runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let log = std::fs::read(dir.path().join("can0.log")).expect("can0.log written");
    let records: Vec<LogRecord> = parse_log(&log).collect::<Result<_, _>>().expect("candump");
    assert!(records.len() > 100, "{} frames", records.len());
    let pcap_path = dir.path().join("can0.pcapng");
    let capture = parse_capture(&std::fs::read(&pcap_path).expect("can0.pcapng written"))
        .expect("valid pcapng");
    assert_eq!(capture.interfaces.len(), 1);
    assert_eq!(capture.interfaces[0].link_type, LINKTYPE_CAN_SOCKETCAN);
    assert_eq!(capture.interfaces[0].name.as_deref(), Some("can0"));
    assert_eq!(capture.packets.len(), records.len());
    for (p, r) in capture.packets.iter().zip(&records) {
        assert_eq!(p.frame, r.frame);
        // The candump line keeps microseconds; the pcapng keeps nanoseconds.
        assert_eq!(p.timestamp.as_secs(), r.timestamp.as_secs());
        assert_eq!(p.timestamp.subsec_micros(), r.timestamp.subsec_micros());
        // Marked as the harness (the vehicle) sees the wire: its own
        // frames (CHAdeMO 0x100–0x102, 0x200) sent, the charger's
        // (0x108/0x109, 0x208/0x209) received, the same in both files.
        assert_eq!(p.direction, r.direction);
        let want = match r.frame.id().raw() {
            0x100..=0x107 | 0x200..=0x207 => Some(Direction::Tx),
            _ => Some(Direction::Rx),
        };
        assert_eq!(r.direction, want, "{:#x}", r.frame.id().raw());
    }
    // Dated on the calendar from the run's start, not from 1970.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    let first = records[0].timestamp;
    assert!(
        first <= now && now - first < Duration::from_secs(3600),
        "first frame at {first:?} since the epoch"
    );

    if !common::tshark("v2g_run_writes_a_pcapng_matching_the_candump_log") {
        return;
    }
    let fields = [
        "frame.interface_name",
        "frame.time_epoch",
        "can.id",
        "can.len",
        "can.flags.xtd",
        "can.flags.rtr",
        "data.data",
    ];
    let rows = tshark_fields(&pcap_path, &fields, None);
    assert_eq!(rows.len(), records.len(), "tshark saw another frame count");
    for (i, (row, r)) in rows.iter().zip(&records).enumerate() {
        let f = &r.frame;
        let data = if f.is_remote() {
            String::new()
        } else {
            hex(f.data())
        };
        let (secs, nanos) = row[1].split_once('.').expect("epoch seconds.fraction");
        let want = [
            "can0".to_string(),
            r.timestamp.as_secs().to_string(),
            f.id().raw().to_string(),
            f.dlc().to_string(),
            u8::from(f.id().is_extended()).to_string(),
            u8::from(f.is_remote()).to_string(),
            data,
        ];
        let got = [
            row[0].clone(),
            secs.to_string(),
            row[2].clone(),
            row[3].clone(),
            row[4].clone(),
            row[5].clone(),
            row.get(6).cloned().unwrap_or_default(),
        ];
        assert_eq!(got, want, "line {}", i + 1);
        let micros: u32 = nanos.get(..6).and_then(|m| m.parse().ok()).expect("µs");
        assert_eq!(micros, r.timestamp.subsec_micros(), "line {}", i + 1);
    }
    let malformed = tshark_fields(&pcap_path, &["frame.number"], Some("_ws.malformed"));
    assert!(malformed.is_empty(), "tshark flags frames {malformed:?}");
}

/// A bus that records what is sent and hands out queued frames.
struct Loop {
    incoming: VecDeque<Received>,
}

impl CanBus for Loop {
    fn send(&mut self, _frame: &CanFrame) -> Result<(), CanError> {
        Ok(())
    }
    fn recv(&mut self, _timeout: Duration) -> Result<Option<Received>, CanError> {
        Ok(self.incoming.pop_front())
    }
    fn describe(&self) -> String {
        "loop".into()
    }
}

#[test]
fn recording_bus_marks_directions_in_both_traces() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("can0.pcapng");
    let sink = Box::new(std::fs::File::create(&path).unwrap()) as Box<dyn std::io::Write + Send>;
    let tx = CanFrame::new(CanId::Standard(0x100), &[9]).unwrap();
    let rx = CanFrame::new(CanId::Extended(0x18DA_F110), &[1, 2, 3, 4, 5, 6, 7, 8]).unwrap();
    let rtr = CanFrame::remote(CanId::Standard(0x7DF), 3).unwrap();
    let incoming = [rx, rtr].map(|frame| Received {
        frame,
        timestamp: Duration::ZERO,
    });
    let inner = Loop {
        incoming: VecDeque::from(incoming),
    };
    let mut t = Duration::from_secs(1_700_000_000);
    let clock = Box::new(move || {
        t += Duration::from_millis(100);
        t
    });
    let mut bus = RecordingBus::new(inner, Vec::new(), "can0", clock)
        .with_pcapng(PcapngWriter::new(sink, "can0").unwrap());
    bus.send(&tx).unwrap();
    assert_eq!(bus.recv(Duration::ZERO).unwrap().unwrap().frame, rx);
    assert_eq!(bus.recv(Duration::ZERO).unwrap().unwrap().frame, rtr);
    let (_, log) = bus.into_parts();
    // The candump log is what it was before the pcapng existed.
    assert_eq!(
        String::from_utf8(log).unwrap(),
        "(1700000000.100000) can0 100#09 T\n\
         (1700000000.200000) can0 18DAF110#0102030405060708 R\n\
         (1700000000.300000) can0 7DF#R3 R\n"
    );
    let capture = parse_capture(&std::fs::read(&path).unwrap()).unwrap();
    let got: Vec<_> = capture
        .packets
        .iter()
        .map(|p| (p.timestamp, p.frame, p.direction))
        .collect();
    let at = |ms| Duration::from_secs(1_700_000_000) + Duration::from_millis(ms);
    assert_eq!(
        got,
        vec![
            (at(100), tx, Some(Direction::Tx)),
            (at(200), rx, Some(Direction::Rx)),
            (at(300), rtr, Some(Direction::Rx)),
        ]
    );

    if !common::tshark("recording_bus_marks_directions_in_both_traces") {
        return;
    }
    let rows = tshark_fields(
        &path,
        &[
            "frame.packet_flags_direction",
            "can.id",
            "can.len",
            "can.flags.xtd",
            "can.flags.rtr",
            "frame.time_epoch",
        ],
        None,
    );
    let rows: Vec<Vec<&str>> = rows
        .iter()
        .map(|r| r.iter().map(String::as_str).collect())
        .collect();
    // pcapng §4.3.1: 2 = outbound, 1 = inbound; 417001744 = 0x18DAF110.
    assert_eq!(
        rows,
        vec![
            vec!["0x00000002", "256", "1", "0", "0", "1700000000.100000000"],
            vec![
                "0x00000001",
                "417001744",
                "8",
                "1",
                "0",
                "1700000000.200000000"
            ],
            vec!["0x00000001", "2015", "3", "0", "1", "1700000000.300000000"],
        ]
    );
}
