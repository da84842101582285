//! Evidence taps on the rig's links: a transcript and `exchange` journal
//! records per byte link, and each CAN bus as a candump log and pcapng.

use super::{ConnectError, ConnectOptions};
use crate::model::DeviceSpec;
use crate::transport::can::candump::{CandumpWriter, Direction, LogRecord};
use crate::transport::can::emulated::EmulatedCanBus;
use crate::transport::can::recording::PcapngSink;
use crate::transport::can::{CanBus, RecordingBus};
use crate::transport::ByteLink;
use std::io::BufWriter;

/// The link, keeping its traffic when the run keeps evidence.
pub(super) fn transcript(
    link: Box<dyn ByteLink>,
    name: &str,
    spec: &DeviceSpec,
    options: &ConnectOptions,
) -> Result<Box<dyn ByteLink>, ConnectError> {
    let Some(evidence) = &options.evidence else {
        return Ok(link);
    };
    let tapped = crate::evidence::tap::TappedLink::new(link, name, spec.role.name(), evidence)
        .map_err(|source| ConnectError::Transcript {
            device: name.to_string(),
            source,
        })?;
    Ok(Box::new(tapped))
}

/// `<bus>.log` (candump) and `<bus>.pcapng` of the same frames.
pub(super) type Trace = (Box<dyn std::io::Write + Send>, PcapngSink);

/// The trace files of one bus, when the run keeps evidence.
pub(super) fn open_traces(
    options: &ConnectOptions,
    interface: &str,
) -> Result<Option<Trace>, ConnectError> {
    let Some(dir) = &options.can_log_dir else {
        return Ok(None);
    };
    let name = |ext: &str| match &options.evidence {
        Some(e) => e.side_file(interface, ext),
        None => format!("{interface}.{ext}"),
    };
    // With evidence: buffered side files the evidence flushes at each
    // commit; without (a CAN log alone), a buffered file flushed per frame.
    let create = |ext: &str| -> Result<Box<dyn std::io::Write + Send>, ConnectError> {
        let path = dir.join(name(ext));
        let opened: std::io::Result<Box<dyn std::io::Write + Send>> = match &options.evidence {
            Some(e) => e.side_writer(&path).map(|w| Box::new(w) as _),
            None => std::fs::File::create(&path).map(|f| Box::new(BufWriter::new(f)) as _),
        };
        opened.map_err(|e| ConnectError::Log { path, source: e })
    };
    let candump = create("log")?;
    let path = dir.join(name("pcapng"));
    let pcapng = crate::transport::can::pcapng::PcapngWriter::new(create("pcapng")?, interface)
        .map_err(|e| ConnectError::Log { path, source: e })?;
    Ok(Some((candump, pcapng)))
}

/// Every frame on an emulated bus, once, dated on the calendar from the
/// run's start (simulated time zero is when the session began), and marked
/// as the harness sees it: sent by `harness_node` (its port) is TX,
/// anything else RX, in the candump log and the pcapng's epb_flags.
pub(super) fn record_whole_wire(
    bus: &EmulatedCanBus,
    options: &ConnectOptions,
    harness_node: &str,
) -> Result<(), ConnectError> {
    let Some((candump, mut pcapng)) = open_traces(options, bus.name())? else {
        return Ok(());
    };
    let mut writer = CandumpWriter::new(candump);
    let interface = bus.name().to_string();
    let evidence = options.evidence.clone();
    let anchor = evidence.as_ref().map_or_else(
        || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
        },
        |e| e.session_started_unix(),
    );
    let harness_node = harness_node.to_string();
    bus.set_monitor(Some(Box::new(
        move |r: &crate::transport::can::Received, sender: &str| {
            // The emulated full disk (disk_full) takes these writes too.
            if evidence.as_ref().is_some_and(|e| e.disk_space().is_err()) {
                return;
            }
            let direction = if sender == harness_node {
                Direction::Tx
            } else {
                Direction::Rx
            };
            let timestamp = anchor + r.timestamp;
            let _ = writer.write(&LogRecord {
                timestamp,
                interface: interface.clone(),
                frame: r.frame,
                direction: Some(direction),
            });
            let _ = pcapng.write(timestamp, &r.frame, Some(direction));
        },
    )));
    Ok(())
}

/// A hardware bus, recorded to `trace` (its candump log and pcapng) when
/// the run keeps evidence; stamped with wall-clock time since the epoch.
pub(super) fn recorded<B: CanBus + 'static>(
    bus: B,
    trace: Option<Trace>,
    interface: &str,
) -> Box<dyn CanBus> {
    match trace {
        None => Box::new(bus),
        Some((candump, pcapng)) => Box::new(
            RecordingBus::new(
                bus,
                candump,
                interface,
                Box::new(|| {
                    std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .unwrap_or_default()
                }),
            )
            .with_pcapng(pcapng),
        ),
    }
}
