//! `v2x-hil emulate [--rig RIG]`: runs the emulated instruments in real time
//! and serves them to outside programs — SCPI on TCP ports, the charger's
//! and the site meter's SunSpec Modbus TCP, and (with --pty) SCPI and
//! Modbus RTU on pseudo-terminals — until Ctrl-C.

use super::{output, rig_source, ExitCode};
use crate::emulator::rig::{EmulatedRig, LinkKind};
use crate::emulator::serve;
use crate::emulator::Instrument;
use crate::model::Role;
use clap::Args;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
pub struct EmulateArgs {
    /// Rig whose emulated devices to serve; the built-in emulated rig when omitted.
    #[arg(long)]
    pub rig: Option<PathBuf>,
    /// Address to listen on. Loopback by default: the emulators are for this machine.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// First TCP port for the SCPI instruments (one port each, in rig order);
    /// 0 gives each an ephemeral port.
    #[arg(long, default_value_t = 5025)]
    pub scpi_port: u16,
    /// TCP port of the charger's SunSpec Modbus TCP server (0: ephemeral).
    #[arg(long, default_value_t = 5020)]
    pub modbus_port: u16,
    /// TCP port of the site meter's SunSpec Modbus TCP server (0: ephemeral).
    #[arg(long, default_value_t = 5021)]
    pub meter_port: u16,
    /// Also serve every instrument on a pseudo-terminal (SCPI, Modbus RTU).
    #[arg(long)]
    pub pty: bool,
    /// Make the emulated charger's OCPP client dial this central system
    /// (`ws://HOST:PORT/ocpp/STATION-ID`, security profile 1), e.g. the one
    /// `v2x-hil run` plays. Needs `emulation.ocpp` on the rig's charger.
    #[arg(long, value_name = "URL")]
    pub csms: Option<String>,
    /// Serve the emulated charger's ISO 15118 SECC (SDP on UDP 15118, V2GTP
    /// over TCP and TLS 1.3) on this network interface, for a CCS vehicle
    /// on that link (a rig with `transport: { ethernet: IFACE }`). Needs a
    /// `ccs` ev_simulator in the rig.
    #[arg(long, value_name = "IFACE")]
    pub v2g_interface: Option<String>,
    /// Write the emulated SECC's V2G root certificate (PEM) here, for the
    /// vehicle's `v2g_root`. It is made fresh for each `emulate`.
    #[arg(long, value_name = "FILE", requires = "v2g_interface")]
    pub v2g_root: Option<PathBuf>,
}

type Factory = Arc<dyn Fn() -> Box<dyn Instrument> + Send + Sync>;

pub fn run(args: EmulateArgs) -> ExitCode {
    let rig = match rig_source::load(args.rig.as_deref()) {
        Ok(r) => r,
        Err(e) => {
            output::error(&e.render());
            return ExitCode::BadInput;
        }
    };
    if !rig.faults.is_empty() {
        output::warning(
            "the rig's `faults:` are injected by `run`, not by `emulate`: they are left out here",
        );
    }
    let emulated = match EmulatedRig::build_dialing(&rig, args.csms.as_deref()) {
        Ok(e) => Arc::new(e),
        Err(e) => {
            output::error(&e.to_string());
            return ExitCode::BadInput;
        }
    };
    // Check every factory once before serving anything.
    for (name, spec) in rig.devices_in_order() {
        if matches!(spec.role, Role::EvSimulator | Role::Csms) {
            continue;
        }
        if let Err(e) = emulated.instrument(name, spec, LinkKind::Tcp) {
            output::error(&e.to_string());
            return ExitCode::BadInput;
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            output::error(&format!("cannot start the async runtime: {e}"));
            return ExitCode::Aborted;
        }
    };
    runtime.block_on(serve_all(args, rig, emulated))
}

async fn serve_all(
    args: EmulateArgs,
    rig: crate::model::Rig,
    emulated: Arc<EmulatedRig>,
) -> ExitCode {
    let plant = emulated.plant.clone();
    let mut tasks = Vec::new();
    let mut scpi_port = args.scpi_port;
    println!("emulating rig `{}` in real time (Ctrl-C to stop)", rig.name);
    // Keeps the SLCAN bridge alive until Ctrl-C.
    let mut adapters = Vec::new();
    for (name, spec) in rig.devices_in_order() {
        if spec.role == Role::Csms {
            // The central system is the harness (`run`, `commission`), not
            // an instrument; the charger dials it when told where.
            match &args.csms {
                Some(url) => println!("  {name:<10} {:<20} charger dials {url}", "OCPP central system"),
                None => println!(
                    "  {name:<10} {:<20} not served: the harness plays it; give --csms ws://HOST:PORT/ocpp/ID to make the charger dial it",
                    "OCPP central system"
                ),
            }
            continue;
        }
        if spec.role == Role::EvSimulator && spec.driver == "ccs" {
            if let Err(e) = serve_ccs(name, &args, &emulated) {
                output::error(&format!("cannot serve the SECC for `{name}`: {e}"));
                return ExitCode::Aborted;
            }
            continue;
        }
        if spec.role == Role::EvSimulator {
            // The vehicle is played by whoever opens this adapter (python-can,
            // slcand + can-utils): the charger's CHAdeMO side answers there.
            match serve_charger_can(&emulated) {
                Ok(Some(adapter)) => {
                    println!(
                        "  {name:<10} {:<20} pty {}",
                        "CHAdeMO CAN (SLCAN)",
                        adapter.path.display()
                    );
                    adapters.push(adapter);
                }
                Ok(None) => {}
                Err(e) => {
                    output::error(&format!("cannot serve the CAN bus for `{name}`: {e}"));
                    return ExitCode::Aborted;
                }
            }
            continue;
        }
        let factory = |link: LinkKind| -> Factory {
            let emulated = emulated.clone();
            let (name, spec) = (name.to_string(), spec.clone());
            Arc::new(move || match emulated.instrument(&name, &spec, link) {
                Ok(i) => i,
                // Checked at start; a failure here cannot happen for the same spec.
                Err(_) => unreachable_instrument(),
            })
        };
        let modbus = matches!(spec.role, Role::Charger | Role::SiteMeter);
        let (port, what) = match spec.role {
            Role::Charger => (args.modbus_port, "SunSpec Modbus TCP"),
            Role::SiteMeter => (args.meter_port, "SunSpec Modbus TCP"),
            _ => {
                let p = scpi_port;
                if scpi_port != 0 {
                    scpi_port = scpi_port.saturating_add(1);
                }
                (p, "SCPI")
            }
        };
        let addr = format!("{}:{port}", args.host);
        let listener = match tokio::net::TcpListener::bind(&addr).await {
            Ok(l) => l,
            Err(e) => {
                let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
                    let flag = match spec.role {
                        Role::Charger => "--modbus-port",
                        Role::SiteMeter => "--meter-port",
                        _ => "--scpi-port",
                    };
                    format!(
                        " (another `emulate`, or another server, has it: give {flag} another port, or 0 for any free one)"
                    )
                } else {
                    String::new()
                };
                output::error(&format!("cannot listen on {addr} for `{name}`: {e}{hint}"));
                return ExitCode::Aborted;
            }
        };
        let bound = listener.local_addr().map(|a| a.to_string()).unwrap_or(addr);
        println!("  {name:<10} {what:<20} tcp {bound}");
        tasks.push(tokio::spawn(serve::serve_tcp(
            listener,
            factory(LinkKind::Tcp),
            plant.clone(),
        )));
        if args.pty {
            match serve::open_pty() {
                Ok((master, path)) => {
                    let what = if modbus { "SunSpec Modbus RTU" } else { "SCPI" };
                    println!("  {name:<10} {what:<20} pty {path}");
                    // A std thread per pty, for as long as the process runs.
                    if let Err(e) =
                        serve::serve_pty(master, factory(LinkKind::Serial), plant.clone())
                    {
                        output::error(&format!("cannot serve {path} for `{name}`: {e}"));
                        return ExitCode::Aborted;
                    }
                }
                Err(e) => {
                    output::error(&format!("cannot open a pseudo-terminal for `{name}`: {e}"));
                    return ExitCode::Aborted;
                }
            }
        }
    }
    let ticker = tokio::spawn(serve::run_realtime(plant, Duration::from_millis(5)));
    let _ = tokio::signal::ctrl_c().await;
    println!("stopping");
    ticker.abort();
    for t in tasks {
        t.abort();
    }
    ExitCode::Pass
}

/// The charger's SECC for a CCS vehicle: on the interface asked for, its
/// V2G root written where asked; otherwise said how to serve it.
fn serve_ccs(name: &str, args: &EmulateArgs, emulated: &EmulatedRig) -> Result<(), String> {
    let what = "ISO 15118 SECC";
    let (Some(interface), Some(net)) = (&args.v2g_interface, emulated.v2g_net()) else {
        println!(
            "  {name:<10} {what:<20} not served: give --v2g-interface IFACE to serve it on a network interface"
        );
        return Ok(());
    };
    let at = crate::emulator::serve_v2g::serve_secc(net.clone(), interface, None)
        .map_err(|e| e.to_string())?;
    if let (Some(path), Some(root)) = (&args.v2g_root, net.v2g_root()) {
        std::fs::write(path, crate::emulator::v2g_pki::pem("CERTIFICATE", &root))
            .map_err(|e| format!("cannot write the V2G root to {}: {e}", path.display()))?;
    }
    let tls = at
        .tls_port
        .map(|p| format!("TLS [{}%{interface}]:{p}, ", at.address))
        .unwrap_or_default();
    println!(
        "  {name:<10} {what:<20} ethernet {interface}: SDP on UDP {}, {tls}TCP [{}%{interface}]:{}",
        at.sdp_port, at.address, at.tcp_port
    );
    Ok(())
}

/// The charger's CHAdeMO bus behind an emulated SLCAN adapter on a
/// pseudo-terminal, bridged to the emulated bus every millisecond of wall time.
fn serve_charger_can(
    emulated: &EmulatedRig,
) -> std::io::Result<Option<crate::emulator::slcan_adapter::PtyAdapter>> {
    use crate::transport::can::CanBus;
    let Some(bus) = emulated.can_bus() else {
        return Ok(None);
    };
    let mut adapter = crate::emulator::slcan_adapter::serve_pty(
        crate::emulator::slcan_adapter::SlcanAdapter::new(),
    )?;
    let mut port = bus.port("slcan");
    let inject = adapter.far.inject.clone();
    // The bridge owns the adapter's outgoing queue; the adapter keeps a dead one.
    let (_unused, placeholder) = std::sync::mpsc::channel();
    let sent = std::mem::replace(&mut adapter.far.sent, placeholder);
    std::thread::spawn(move || loop {
        while let Ok(frame) = sent.try_recv() {
            if port.send(&frame).is_err() {
                return;
            }
        }
        while let Ok(Some(r)) = port.recv(Duration::ZERO) {
            if inject.send(r.frame).is_err() {
                return;
            }
        }
        std::thread::sleep(Duration::from_millis(1));
    });
    Ok(Some(adapter))
}

/// An instrument that answers nothing; only reachable if the rig changed
/// under a running server, which it cannot.
fn unreachable_instrument() -> Box<dyn Instrument> {
    struct Silent;
    impl Instrument for Silent {
        fn receive(&mut self, _: &[u8], _: &mut crate::plant::Plant) -> Vec<u8> {
            Vec::new()
        }
    }
    Box::new(Silent)
}
