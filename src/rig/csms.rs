//! The csms device: the harness's OCPP central system, listening where the
//! rig file says (a TCP port, with TLS for security profile 2) or on the
//! emulated rig's in-memory network, serviced on the rig's clock.

use super::ConnectError;
use crate::device::csms::{CentralSystem, CsmsOptions, OcppCsms};
use crate::device::DeviceError;
use crate::emulator::rig::EmulatedRig;
use crate::exec::clock::Clock;
use crate::model::{DeviceSpec, TransportSpec};
use crate::transport::ws::{TlsFiles, WsServer};
use std::sync::Arc;
use std::time::Duration;

/// How long the charger may take to answer one of our requests (OCPP-J
/// leaves it to the implementation; 30 s is the common message timeout).
const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(30);

pub(super) fn open_csms(
    name: &str,
    spec: &DeviceSpec,
    emulation: Option<&EmulatedRig>,
    clock: &Arc<dyn Clock>,
) -> Result<Box<dyn CentralSystem>, ConnectError> {
    let unsupported = |detail: String| ConnectError::Device {
        device: name.to_string(),
        source: DeviceError::Unsupported {
            device: format!("device `{name}`"),
            detail,
        },
    };
    let csms = spec
        .csms
        .as_ref()
        .ok_or_else(|| unsupported("no csms settings".into()))?;
    let config = crate::emulator::ocpp::csms_config(csms).map_err(unsupported)?;
    let (server, listening) = match (&spec.transport, emulation) {
        (TransportSpec::EmulatedTcp, Some(e)) => {
            let server = e
                .take_csms_server()
                .ok_or_else(|| unsupported("the emulated network was already taken".into()))?;
            (server, "the emulated network".to_string())
        }
        (TransportSpec::Tcp { addr }, None) => {
            let tls = csms.tls.as_ref().map(|t| TlsFiles {
                cert_pem: t.cert.clone(),
                key_pem: t.key.clone(),
            });
            let scheme = if tls.is_some() { "wss" } else { "ws" };
            let server = WsServer::bind_tcp(addr, tls, config)
                .map_err(|e| unsupported(format!("cannot listen on {addr}: {e}")))?;
            let bound = server
                .local_addr()
                .map_or(addr.clone(), |a| a.to_string());
            (server, format!("{scheme}://{bound}/ocpp/<station id>"))
        }
        (t, _) => {
            return Err(unsupported(format!(
                "a central system listens on {{ tcp: \"0.0.0.0:9000\" }} or {{ emulated: tcp }}, not {}",
                super::describe_transport(t)
            )))
        }
    };
    let options = CsmsOptions {
        versions: csms.versions.clone(),
        expected_station: csms.station_id.clone(),
        heartbeat_interval_s: csms.heartbeat_interval_s,
        call_timeout: spec
            .options
            .timeout_ms
            .map_or(DEFAULT_CALL_TIMEOUT, Duration::from_millis),
        listening,
    };
    Ok(Box::new(OcppCsms::start(
        server,
        clock.clone(),
        options,
        &format!("device `{name}`"),
    )))
}
