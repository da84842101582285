//! pcapng reader on arbitrary bytes: never panics; the CAN packets of a
//! capture it accepts, written again with the pcapng writer, read back as
//! the same frames, directions and (nanosecond) timestamps.
#![no_main]

use libfuzzer_sys::fuzz_target;
use v2x_hil::transport::can::pcapng::{parse_capture, PcapngWriter};

fuzz_target!(|data: &[u8]| {
    let Ok(capture) = parse_capture(data) else {
        return;
    };
    let mut w = PcapngWriter::new(Vec::new(), "can0").expect("writes to memory");
    // Past u64 nanoseconds (year 2554) the writer saturates: not comparable.
    let fits = |t: std::time::Duration| t.as_nanos() < u128::from(u64::MAX);
    let kept: Vec<_> = capture
        .packets
        .iter()
        .filter(|p| fits(p.timestamp))
        .collect();
    for p in &kept {
        w.write(p.timestamp, &p.frame, p.direction)
            .expect("writes to memory");
    }
    let again = parse_capture(&w.into_inner()).expect("our own capture reads back");
    assert_eq!(again.packets.len(), kept.len());
    for (a, b) in again.packets.iter().zip(&kept) {
        assert_eq!(
            (a.timestamp, &a.frame, a.direction),
            (b.timestamp, &b.frame, b.direction)
        );
    }
});
