//! Faults inside the runner's reach, made deterministic with stand-in
//! devices and links: a device that hangs does not stop the safe state
//! reaching the others; the vehicle's frame cadence never holds its state
//! while it waits on the bus; links give up on a peer that stops reading or
//! trickles; an interrupt is honoured inside a ramp and a flash.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};
use v2x_hil::device::{
    AcReading, Charger, ChargerStatus, DeviceError, EvCommand, EvSimulator, GridSimulator,
    Identity, IslandSwitch,
};
use v2x_hil::exec::clock::{Clock, WallClock};
use v2x_hil::exec::rig::{ConnectedRig, Devices, RigFacts, Role};
use v2x_hil::exec::safe_state::drive_to_safe_state;
use v2x_hil::exec::Runner;
use v2x_hil::transport::can::{CanBus, CanError, CanFrame, Received};
use v2x_hil::transport::tcp::TcpLink;
use v2x_hil::transport::ByteLink;

type Log = Arc<Mutex<Vec<String>>>;

/// A grid simulator that logs each command and, when `hang`, never returns.
struct Grid {
    log: Log,
    hang: bool,
}

impl Grid {
    fn act(&self, what: &str) -> Result<(), DeviceError> {
        self.log.lock().unwrap().push(format!("grid {what}"));
        if self.hang {
            // Blocked for good, as a driver stuck where no timeout reaches.
            loop {
                std::thread::park();
            }
        }
        Ok(())
    }
}

impl GridSimulator for Grid {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        Ok(Identity::default())
    }
    fn reset(&mut self) -> Result<(), DeviceError> {
        self.act("reset")
    }
    fn set_voltage_v(&mut self, _: f64) -> Result<(), DeviceError> {
        self.act("voltage")
    }
    fn set_frequency_hz(&mut self, _: f64) -> Result<(), DeviceError> {
        self.act("frequency")
    }
    fn set_output(&mut self, _: bool) -> Result<(), DeviceError> {
        self.act("output")
    }
    fn measure(&mut self) -> Result<AcReading, DeviceError> {
        Ok(AcReading::default())
    }
}

struct Switch(Log);

impl IslandSwitch for Switch {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        Ok(Identity::default())
    }
    fn open(&mut self) -> Result<(), DeviceError> {
        self.0.lock().unwrap().push("s3 open".into());
        Ok(())
    }
    fn close(&mut self) -> Result<(), DeviceError> {
        self.0.lock().unwrap().push("s3 close".into());
        Ok(())
    }
    fn is_closed(&mut self) -> Result<bool, DeviceError> {
        Ok(true)
    }
}

struct FakeCharger(Log);

impl Charger for FakeCharger {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        Ok(Identity::default())
    }
    fn rating_w(&mut self) -> Result<f64, DeviceError> {
        Ok(11500.0)
    }
    fn set_power_w(&mut self, p: f64) -> Result<(), DeviceError> {
        self.0.lock().unwrap().push(format!("charger {p}"));
        Ok(())
    }
    fn status(&mut self) -> Result<ChargerStatus, DeviceError> {
        Ok(ChargerStatus::default())
    }
    fn read_trip_settings(&mut self) -> Result<v2x_hil::der::TripSettings, DeviceError> {
        Err(unsupported())
    }
    fn write_trip_settings(&mut self, _: &v2x_hil::der::TripSettings) -> Result<(), DeviceError> {
        Err(unsupported())
    }
    fn anti_islanding_enabled(&mut self) -> Result<bool, DeviceError> {
        Ok(true)
    }
    fn set_anti_islanding(&mut self, _: bool) -> Result<(), DeviceError> {
        Ok(())
    }
    fn read_enter_service(&mut self) -> Result<v2x_hil::der::EnterService, DeviceError> {
        Err(unsupported())
    }
    fn write_enter_service(&mut self, _: &v2x_hil::der::EnterService) -> Result<(), DeviceError> {
        Err(unsupported())
    }
}

fn unsupported() -> DeviceError {
    DeviceError::Unsupported {
        device: "charger".into(),
        detail: "not in this test".into(),
    }
}

fn fake_rig(log: &Log, grid_hangs: bool) -> ConnectedRig {
    let roles = BTreeMap::from([
        ("grid".to_string(), Role::GridSimulator),
        ("s3".to_string(), Role::IslandSwitch),
        ("charger".to_string(), Role::Charger),
    ]);
    ConnectedRig {
        devices: Devices {
            grid: Some(Box::new(Grid {
                log: log.clone(),
                hang: grid_hangs,
            })),
            island_switch: Some(Box::new(Switch(log.clone()))),
            load: None,
            recorder: None,
            charger: Box::new(FakeCharger(log.clone())),
            ev: None,
            home_load: None,
            flasher: None,
            site_meter: None,
            csms: None,
        },
        clock: Arc::new(WallClock::new()),
        facts: RigFacts {
            name: "fake".into(),
            nominal_voltage_v: 240.0,
            nominal_frequency_hz: 60.0,
            charger_rating_w: 11500.0,
            kind: v2x_hil::model::RigKind::Lab,
            safe_state: v2x_hil::model::SafeState {
                charger_power_w: 0.0,
                island_switch: v2x_hil::model::SwitchState::Closed,
                grid: v2x_hil::model::GridSafeState::Nominal,
            },
            roles,
            firmware: None,
        },
        faults: None,
        evidence: None,
        operator: None,
    }
}

/// Runs the safe state on its own thread; fails if it does not end.
fn safe_state_bounded(mut rig: ConnectedRig) -> Vec<String> {
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    std::thread::spawn(move || {
        let errors = drive_to_safe_state(&mut rig, true);
        let _ = tx.send(errors);
    });
    let errors = rx
        .recv_timeout(Duration::from_secs(20))
        .expect("the safe state ends although the grid simulator hangs");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    errors
}

#[test]
fn a_hung_grid_simulator_does_not_hang_the_safe_state_nor_get_s3_closed_onto_it() {
    let log = Log::default();
    let errors = safe_state_bounded(fake_rig(&log, true));
    let log = log.lock().unwrap().clone();
    // Charger first, then the grid (given up on after its first action);
    // S3 is not closed onto a grid whose setting nobody confirmed.
    assert_eq!(log, ["charger 0", "grid voltage"]);
    let text = errors.join("\n");
    assert!(text.contains("device `grid`"), "{text}");
    assert!(
        text.contains("grid frequency"),
        "the skipped actions are named: {text}"
    );
    assert!(
        text.contains("device `s3`: left as it was, not closed"),
        "{text}"
    );
}

#[test]
fn a_safe_state_that_opens_s3_still_opens_it_when_the_grid_hangs() {
    let log = Log::default();
    let mut rig = fake_rig(&log, true);
    rig.facts.safe_state.island_switch = v2x_hil::model::SwitchState::Open;
    safe_state_bounded(rig);
    assert_eq!(
        *log.lock().unwrap(),
        ["charger 0", "grid voltage", "s3 open"]
    );
}

#[test]
fn the_safe_state_of_a_healthy_rig_runs_every_action_in_order() {
    let log = Log::default();
    let mut rig = fake_rig(&log, false);
    let errors = drive_to_safe_state(&mut rig, true);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        *log.lock().unwrap(),
        [
            "charger 0",
            "grid voltage",
            "grid frequency",
            "grid output",
            "s3 close"
        ]
    );
}

/// A CAN bus whose every send takes `send_time` (an SLCAN adapter waiting
/// for acknowledgements that do not come) and says when one started.
struct SlowBus {
    send_time: Duration,
    started: mpsc::Sender<()>,
}

impl CanBus for SlowBus {
    fn send(&mut self, _: &CanFrame) -> Result<(), CanError> {
        let _ = self.started.send(());
        std::thread::sleep(self.send_time);
        Err(CanError::Timeout {
            what: "the adapter's acknowledgement".into(),
            after: self.send_time,
        })
    }
    fn recv(&mut self, _: Duration) -> Result<Option<Received>, CanError> {
        Ok(None)
    }
    fn describe(&self) -> String {
        "slow bus".into()
    }
}

#[test]
fn ev_commands_do_not_wait_for_the_cadence_blocked_on_its_bus() {
    let (started, sends) = mpsc::channel();
    let bus = SlowBus {
        send_time: Duration::from_millis(1500),
        started,
    };
    let clock: Arc<dyn Clock> = Arc::new(WallClock::new());
    let mut ev = v2x_hil::device::chademo_ev::ChademoEv::start(
        Box::new(bus),
        clock,
        v2x_hil::model::VehicleSpec::default(),
        "ev",
    );
    let _ = ev.command(EvCommand::Plug);
    sends
        .recv_timeout(Duration::from_secs(5))
        .expect("the plugged vehicle sends frames");
    std::thread::sleep(Duration::from_millis(50));
    let t = Instant::now();
    let _ = ev.command(EvCommand::Stop);
    let _ = ev.status();
    assert!(
        t.elapsed() < Duration::from_millis(500),
        "the EV's state was held for {:?} while a frame was being sent",
        t.elapsed()
    );
}

/// Runs `f` on a thread; its result, or `None` if it did not return within `bound`.
fn bounded<T: Send + 'static>(
    bound: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(bound).ok()
}

#[test]
fn a_tcp_write_to_a_peer_that_never_reads_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let mut link = TcpLink::connect(&addr, Duration::from_secs(2)).unwrap();
    let (_peer, _) = listener.accept().unwrap();
    let result = bounded(Duration::from_secs(20), move || {
        link.write_all(&vec![0u8; 256 << 20])
    })
    .expect("the write gives up");
    assert!(
        matches!(result, Err(v2x_hil::transport::TransportError::Timeout(_))),
        "{result:?}"
    );
}

/// A peer that answers every connection with one byte every 20 ms, forever.
fn trickler() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        let (mut s, _) = listener.accept().unwrap();
        while s.write_all(b"1").is_ok() {
            std::thread::sleep(Duration::from_millis(20));
        }
    });
    addr
}

#[test]
fn a_scpi_reply_that_never_ends_times_out() {
    let link = TcpLink::connect(&trickler(), Duration::from_secs(2)).unwrap();
    let mut session = v2x_hil::device::scpi::ScpiSession::new(Box::new(link), "grid")
        .with_timeout(Duration::from_millis(50));
    let result = bounded(Duration::from_secs(15), move || session.query("*IDN?"))
        .expect("the query gives up");
    assert!(result.is_err(), "{result:?}");
}

#[test]
fn a_modbus_reply_that_never_completes_times_out() {
    let link = TcpLink::connect(&trickler(), Duration::from_secs(2)).unwrap();
    let mut client = v2x_hil::device::sunspec::ModbusClient::new(
        Box::new(link),
        v2x_hil::device::sunspec::Framing::Tcp,
        "charger",
    );
    client.response_timeout = Duration::from_millis(200);
    let t = Instant::now();
    let result =
        bounded(Duration::from_secs(15), move || client.read(40000, 2)).expect("the read gives up");
    assert!(result.is_err(), "{result:?}");
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
}

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn emulated_rig() -> v2x_hil::model::Rig {
    v2x_hil::model::load_rig(&root().join("rigs/emulated.yaml")).unwrap()
}

fn plan(text: &str) -> v2x_hil::model::Plan {
    v2x_hil::model::parse_plan(&root().join("test-plans/inline.yaml"), text).unwrap()
}

/// The grid simulator, slowed so a ramp's commands overrun its schedule,
/// raising the interrupt at its third frequency command.
struct InterruptingGrid {
    inner: Box<dyn GridSimulator>,
    clock: Arc<dyn Clock>,
    calls: Arc<AtomicUsize>,
    interrupt: Arc<AtomicBool>,
}

impl GridSimulator for InterruptingGrid {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        self.inner.identify()
    }
    fn reset(&mut self) -> Result<(), DeviceError> {
        self.inner.reset()
    }
    fn set_voltage_v(&mut self, v: f64) -> Result<(), DeviceError> {
        self.inner.set_voltage_v(v)
    }
    fn set_frequency_hz(&mut self, f: f64) -> Result<(), DeviceError> {
        if self.calls.fetch_add(1, Ordering::SeqCst) == 2 {
            self.interrupt.store(true, Ordering::SeqCst);
        }
        self.clock.sleep(Duration::from_millis(5));
        self.inner.set_frequency_hz(f)
    }
    fn set_output(&mut self, on: bool) -> Result<(), DeviceError> {
        self.inner.set_output(on)
    }
    fn measure(&mut self) -> Result<AcReading, DeviceError> {
        self.inner.measure()
    }
}

#[test]
fn an_interrupt_stops_a_ramp_between_its_steps() {
    let mut c = v2x_hil::rig::connect(&emulated_rig()).unwrap();
    let interrupt = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicUsize::new(0));
    let inner = c.rig.devices.grid.take().unwrap();
    c.rig.devices.grid = Some(Box::new(InterruptingGrid {
        inner,
        clock: c.rig.clock.clone(),
        calls: calls.clone(),
        interrupt: interrupt.clone(),
    }));
    let plan = plan(
        "plan: ramp\ntests:\n  - name: ramp\n    steps:\n      \
         - ramp: { device: grid, frequency_hz: 61.0, over_s: 10, step_s: 0.001 }\n",
    );
    let mut ignore = |_: v2x_hil::exec::RunEvent| {};
    let result = Runner::new(&mut c, &interrupt, &mut ignore).run(&plan);
    assert!(
        result
            .aborted
            .as_deref()
            .is_some_and(|a| a.contains("interrupted")),
        "{:?}",
        result.aborted
    );
    // The safe state sets the frequency once more; the ramp stopped at once.
    assert!(
        calls.load(Ordering::SeqCst) <= 5,
        "{} commands",
        calls.load(Ordering::SeqCst)
    );
}

/// The charger's bootloader, raising the interrupt once programming begins.
struct InterruptingFlasher {
    inner: Box<dyn v2x_hil::device::Flasher>,
    interrupt: Arc<AtomicBool>,
}

impl v2x_hil::device::Flasher for InterruptingFlasher {
    fn identify(&mut self) -> Result<Identity, DeviceError> {
        self.inner.identify()
    }
    fn flash(
        &mut self,
        image: &v2x_hil::firmware::verify::VerifiedImage,
        progress: &mut dyn FnMut(
            v2x_hil::device::flasher::FlashProgress,
        ) -> std::ops::ControlFlow<()>,
    ) -> Result<v2x_hil::device::flasher::FlashReport, DeviceError> {
        let interrupt = self.interrupt.clone();
        self.inner.flash(image, &mut |p| {
            if p.phase == v2x_hil::device::flasher::FlashPhase::Program {
                interrupt.store(true, Ordering::SeqCst);
            }
            progress(p)
        })
    }
}

#[test]
fn an_interrupt_stops_a_flash_between_blocks_and_leaves_the_bootloader() {
    let options = v2x_hil::rig::ConnectOptions {
        open_flasher: true,
        ..Default::default()
    };
    let mut c = v2x_hil::rig::connect_with(&emulated_rig(), &options).unwrap();
    let interrupt = Arc::new(AtomicBool::new(false));
    let inner = c.rig.devices.flasher.take().unwrap();
    c.rig.devices.flasher = Some(Box::new(InterruptingFlasher {
        inner,
        interrupt: interrupt.clone(),
    }));
    let image = root().join("fixtures/firmware/v2x-charger-1.1.0.hex");
    let plan = plan(&format!(
        "plan: flash\ntests:\n  - name: update\n    steps:\n      \
         - flash: {{ device: charger, image: {} }}\n",
        image.display()
    ));
    let mut ignore = |_: v2x_hil::exec::RunEvent| {};
    let result = Runner::new(&mut c, &interrupt, &mut ignore).run(&plan);
    let aborted = result.aborted.unwrap_or_default();
    assert!(
        aborted.contains("steps[0] (flash): interrupted"),
        "{aborted}"
    );
    let status = c.emulation.as_ref().unwrap().bootloader.clone().unwrap();
    let s = status.lock().unwrap();
    assert_eq!(s.running_version, None, "left in the bootloader");
    assert!(s.bytes_programmed > 0, "programming had begun");
    let total = std::fs::metadata(&image).unwrap().len();
    assert!(
        s.bytes_programmed < total,
        "{} of the image programmed",
        s.bytes_programmed
    );
}
