//! python-can's `CanutilsLogReader` (an independent reader of the candump log
//! format) must read our log back to the same frames. Needs python3 with
//! python-can (.ci/python-requirements.txt): without it the test skips
//! through `common::skip`, which fails it under CI=true.

mod common;

use std::process::Command;
use std::time::Duration;
use v2x_hil::transport::can::candump::{CandumpWriter, Direction, LogRecord};
use v2x_hil::transport::can::{CanFrame, CanId};

#[test]
fn python_can_reads_our_log() {
    let frames = [
        CanFrame::new(
            CanId::standard(0x123).unwrap(),
            &[0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88],
        )
        .unwrap(),
        CanFrame::new(CanId::standard(0x000).unwrap(), &[]).unwrap(),
        CanFrame::new(CanId::extended(0x18DA_F110).unwrap(), &[0x02, 0x10, 0x03]).unwrap(),
        CanFrame::new(CanId::extended(0x0000_0007).unwrap(), &[0xFF]).unwrap(),
        CanFrame::remote(CanId::standard(0x7FF).unwrap(), 0).unwrap(),
        CanFrame::remote(CanId::extended(0x1FFF_FFFF).unwrap(), 5).unwrap(),
    ];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trace.log");
    let mut w = CandumpWriter::new(std::fs::File::create(&path).unwrap());
    for (i, f) in frames.iter().enumerate() {
        w.write(&LogRecord {
            timestamp: Duration::new(1_700_000_000 + i as u64, 123_456_000),
            interface: "can0".into(),
            frame: *f,
            direction: Some(if i % 2 == 0 {
                Direction::Tx
            } else {
                Direction::Rx
            }),
        })
        .unwrap();
    }
    drop(w);

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/read_candump.py");
    let test = "python_can_reads_our_log";
    let Some(python) = common::python(test, &["can"]) else {
        return;
    };
    let out = Command::new(&python)
        .arg(script)
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if out.status.code() == Some(3) {
        common::skip(test, stdout.trim());
        return;
    }
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let got: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got.len(), frames.len());
    for (i, (g, f)) in got.iter().zip(&frames).enumerate() {
        assert_eq!(g["id"], f.id().raw(), "frame {i}");
        assert_eq!(g["extended"], f.id().is_extended(), "frame {i}");
        assert_eq!(g["remote"], f.is_remote(), "frame {i}");
        assert_eq!(g["dlc"], f.dlc(), "frame {i}");
        let hex: String = f.data().iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(g["data"], hex, "frame {i}");
        assert_eq!(g["channel"], "can0");
        assert_eq!(g["rx"], i % 2 == 1, "frame {i}");
        let ts = g["timestamp"].as_f64().unwrap();
        assert!(
            (ts - (1_700_000_000.123456 + i as f64)).abs() < 1e-6,
            "frame {i}: {ts}"
        );
    }
}
