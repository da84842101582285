//! The blocking ISO-TP channel and the stepped node over the emulated CAN
//! bus in simulated time: round trips, back-to-back consecutive frames at
//! BS 0 / STmin 0, STmin pacing, N_Bs and receive timeouts.

mod isotp_harness;

use isotp_harness::Sim;
use std::time::Duration;
use v2x_hil::protocol::isotp::*;
use v2x_hil::transport::can::timing::frame_time;
use v2x_hil::transport::can::{CanFrame, CanId};

const TESTER: CanId = CanId::Standard(0x7E0);
const ECU: CanId = CanId::Standard(0x7E8);

fn echo_sim(bit_rate: u32, server_cfg: IsoTpConfig) -> Sim {
    let sim = Sim::new(bit_rate);
    sim.start_server(
        server_cfg,
        Box::new(|_, req: Vec<u8>| vec![(Duration::ZERO, req)]),
    );
    sim
}

struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn echo_round_trips_over_the_emulated_bus() {
    let mut rng = XorShift(0x0BAD_5EED_1234_5678);
    for (i, len) in [1usize, 7, 8, 62, 4095, 4096, 10_000]
        .into_iter()
        .enumerate()
    {
        let mut client_cfg = IsoTpConfig::new(TESTER, ECU);
        client_cfg.padding = [None, Some(0xCC), Some(0xAA)][i % 3];
        client_cfg.block_size = [0, 4, 16][i % 3];
        client_cfg.st_min = [Duration::ZERO, Duration::from_micros(300), Duration::ZERO][i % 3];
        client_cfg.max_receive_len = 20_000;
        let mut server_cfg = client_cfg.reversed();
        server_cfg.block_size = [0, 8, 1][i % 3];
        server_cfg.st_min = [Duration::ZERO, Duration::ZERO, Duration::from_millis(1)][i % 3];
        let sim = echo_sim(500_000, server_cfg);
        let mut ch = sim.client(client_cfg);
        let p: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        ch.send(&p).unwrap();
        let back = ch.recv(Duration::from_millis(100)).unwrap();
        assert_eq!(back, p, "len {len}");
        assert!(sim.server_errors().is_empty(), "{:?}", sim.server_errors());
    }
}

#[test]
fn consecutive_frames_go_back_to_back_at_bs0_stmin0() {
    let sim = echo_sim(500_000, IsoTpConfig::new(ECU, TESTER));
    let mut ch = sim.client(IsoTpConfig::new(TESTER, ECU));
    let len = 4095;
    let p = vec![0x5A; len];
    ch.send(&p).unwrap();
    let sent_at = sim.now();
    // Frames: FF + FC + ⌈(4095 − 6) / 7⌉ = 585 CFs, all full 8-byte frames
    // except the FC (3 bytes) and the last CF (1 + 1 bytes).
    let full = frame_time(&CanFrame::new(TESTER, &[0; 8]).unwrap(), 500_000);
    let fc = frame_time(&CanFrame::new(ECU, &[0x30, 0, 0]).unwrap(), 500_000);
    let last = frame_time(&CanFrame::new(TESTER, &[0x2B, 0]).unwrap(), 500_000);
    // send() returns once the last CF is queued: the FF and FC are on the
    // wire by then, the CFs are still queued.
    assert_eq!(sent_at, full + fc, "no waiting beyond the FC");
    assert_eq!(ch.tx_end_estimate(), full + fc + full * 584 + last);
    let back = ch.recv(Duration::from_secs(1)).unwrap();
    assert_eq!(back, p);
    let wire_one_way = full + fc + full * 584 + last;
    // The echo follows: its FF starts right after our last CF.
    // The echo follows at once: both ways back to back, nothing in between.
    assert_eq!(sim.now(), wire_one_way * 2);
    // ≥ 95 % of the ISO-TP limit (7 bytes per 135-bit frame).
    let rate_bps = (len * 8) as f64 / wire_one_way.as_secs_f64();
    assert!(
        rate_bps / max_payload_rate_bps(500_000) > 0.95,
        "{rate_bps}"
    );
}

#[test]
fn st_min_paces_the_sender() {
    let mut server_cfg = IsoTpConfig::new(ECU, TESTER);
    server_cfg.st_min = Duration::from_millis(2);
    server_cfg.block_size = 4;
    let sim = echo_sim(500_000, server_cfg);
    let mut client_cfg = IsoTpConfig::new(TESTER, ECU);
    client_cfg.st_min = Duration::from_micros(500); // 0xF5 for the echo
    let mut ch = sim.client(client_cfg);
    let p: Vec<u8> = (0..6 + 7 * 20).map(|i| i as u8).collect(); // FF + 20 CFs
    ch.send(&p).unwrap();
    // 20 CFs with ≥ 2 ms between them: at least 19 × 2 ms.
    assert!(sim.now() >= Duration::from_millis(38), "{:?}", sim.now());
    assert_eq!(ch.recv(Duration::from_secs(1)).unwrap(), p);
}

#[test]
fn n_bs_expires_without_a_receiver() {
    let sim = Sim::new(500_000);
    let _silent = sim.bus.port("nobody");
    let mut ch = sim.client(IsoTpConfig::new(TESTER, ECU));
    let err = ch.send(&[0u8; 100]).unwrap_err();
    assert_eq!(
        err,
        IsoTpError::Timeout {
            timer: Timer::NBs,
            after: Duration::from_millis(1000)
        }
    );
    let t = sim.now();
    assert!(
        t >= Duration::from_millis(1000) && t < Duration::from_millis(1001),
        "{t:?}"
    );
    // The channel is usable again; nothing arrives: NoMessage after the wait.
    assert_eq!(
        ch.recv(Duration::from_millis(50)),
        Err(IsoTpError::NoMessage {
            after: Duration::from_millis(50)
        })
    );
    assert!(sim.now() >= t + Duration::from_millis(50));
}

#[test]
fn overflow_from_a_small_receiver_is_reported() {
    let mut server_cfg = IsoTpConfig::new(ECU, TESTER);
    server_cfg.max_receive_len = 64;
    let sim = echo_sim(500_000, server_cfg);
    let mut ch = sim.client(IsoTpConfig::new(TESTER, ECU));
    assert_eq!(ch.send(&[1u8; 65]), Err(IsoTpError::Overflow));
    ch.send(&[2u8; 64]).unwrap();
    assert_eq!(ch.recv(Duration::from_millis(100)).unwrap(), vec![2u8; 64]);
}

#[test]
fn extended_ids_and_padding() {
    let tester = CanId::Extended(0x18DA_10F1);
    let ecu = CanId::Extended(0x18DA_F110);
    let mut cfg = IsoTpConfig::new(ecu, tester);
    cfg.padding = Some(0xAA);
    let sim = echo_sim(250_000, cfg.clone());
    let mut ch = sim.client(cfg.reversed());
    let p: Vec<u8> = (0..300).map(|i| (i * 7) as u8).collect();
    ch.send(&p).unwrap();
    assert_eq!(ch.recv(Duration::from_millis(100)).unwrap(), p);
}

/// A bus whose transmit queue takes `delay` to accept each frame.
struct SlowBus {
    inner: v2x_hil::transport::can::emulated::EmulatedCanPort,
    time: std::sync::Arc<std::sync::atomic::AtomicU64>,
    delay: Duration,
}

impl v2x_hil::transport::can::CanBus for SlowBus {
    fn send(&mut self, frame: &CanFrame) -> Result<(), v2x_hil::transport::can::CanError> {
        self.time.fetch_add(
            self.delay.as_nanos() as u64,
            std::sync::atomic::Ordering::SeqCst,
        );
        self.inner.send(frame)
    }
    fn recv(
        &mut self,
        timeout: Duration,
    ) -> Result<Option<v2x_hil::transport::can::Received>, v2x_hil::transport::can::CanError> {
        self.inner.recv(timeout)
    }
    fn describe(&self) -> String {
        "slow".into()
    }
}

#[test]
fn n_as_expires_when_the_bus_does_not_take_a_frame() {
    let sim = Sim::new(500_000);
    let slow = SlowBus {
        inner: sim.bus.port("client"),
        time: sim.time.clone(),
        delay: Duration::from_millis(1500),
    };
    let mut ch = v2x_hil::transport::can::isotp::IsoTpChannel::new(
        Box::new(slow),
        IsoTpConfig::new(TESTER, ECU),
        sim.clock(),
    );
    assert_eq!(
        ch.send(&[0x3E, 0x00]),
        Err(IsoTpError::Timeout {
            timer: Timer::NAs,
            after: Duration::from_millis(1000)
        })
    );
}
