//! What goes wrong with a device, and the label that names it for people:
//! its rig-file name, its driver and the transport it is reached over.

use crate::transport::TransportError;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum DeviceError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The reply could not be understood.
    #[error("{device}: malformed reply: {detail}")]
    Protocol { device: String, detail: String },
    /// The instrument reported an error (SCPI error queue, Modbus exception).
    #[error("{device} reported error {code}: {message}")]
    Instrument {
        device: String,
        code: i32,
        message: String,
    },
    /// The device cannot do what was asked (missing model, out of range).
    #[error("{device}: {detail}")]
    Unsupported { device: String, detail: String },
    /// The device stopped answering (its link is dead, or it was given up
    /// on after a deadline): it is not waited on.
    #[error("{device}: {detail}")]
    Unresponsive { device: String, detail: String },
    /// The device acknowledged a write and kept its own value (read back
    /// at once): it answers, so the rig can go on, but it did not do what
    /// was asked — the device under test failed, not the rig.
    #[error("{device}: {detail}")]
    NotApplied { device: String, detail: String },
    /// The operation was stopped on request (an interrupt) part way.
    #[error("{device}: stopped: {detail}")]
    Stopped { device: String, detail: String },
    /// An error of one device, with the device named as the rig file
    /// names it, its driver and its transport.
    #[error("{label}: {}", .source.detail())]
    At {
        label: Box<DeviceLabel>,
        #[source]
        source: Box<DeviceError>,
    },
}

impl DeviceError {
    /// The message without the device's name (for a caller that names it).
    pub fn detail(&self) -> String {
        match self {
            DeviceError::Transport(e) => e.to_string(),
            DeviceError::Protocol { detail, .. } => format!("malformed reply: {detail}"),
            DeviceError::Instrument { code, message, .. } => {
                format!("reported error {code}: {message}")
            }
            DeviceError::Unsupported { detail, .. }
            | DeviceError::Unresponsive { detail, .. }
            | DeviceError::NotApplied { detail, .. } => detail.clone(),
            DeviceError::Stopped { detail, .. } => format!("stopped: {detail}"),
            DeviceError::At { source, .. } => source.detail(),
        }
    }

    /// The rig-file name of the device, when the error is labelled with it.
    pub fn device_name(&self) -> Option<&str> {
        match self {
            DeviceError::At { label, .. } => Some(&label.name),
            _ => None,
        }
    }

    /// Whether the device answered but did not apply what it was asked.
    pub fn is_not_applied(&self) -> bool {
        match self {
            DeviceError::NotApplied { .. } => true,
            DeviceError::At { source, .. } => source.is_not_applied(),
            _ => false,
        }
    }

    /// Whether the device did not answer at all (timeout, closed or failed
    /// link): asking it again would only wait again.
    pub fn is_unresponsive(&self) -> bool {
        match self {
            DeviceError::Transport(_) | DeviceError::Unresponsive { .. } => true,
            DeviceError::At { source, .. } => source.is_unresponsive(),
            _ => false,
        }
    }
}

/// A device as people know it: `grid` (ametek-asterion over tcp 192.0.2.10:5025).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceLabel {
    /// The name the rig file gives it.
    pub name: String,
    pub driver: String,
    /// Where it is reached: "tcp 192.0.2.10:5025", "/dev/ttyUSB0 @ 115200 baud".
    pub transport: String,
}

impl DeviceLabel {
    /// `e`, naming this device (once: an error already named is kept).
    pub fn wrap(&self, e: DeviceError) -> DeviceError {
        match e {
            e @ DeviceError::At { .. } => e,
            e => DeviceError::At {
                label: Box::new(self.clone()),
                source: Box::new(e),
            },
        }
    }
}

impl std::fmt::Display for DeviceLabel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "device `{}` ({} over {})",
            self.name, self.driver, self.transport
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_error_says_the_device_once() {
        let label = DeviceLabel {
            name: "grid".into(),
            driver: "ametek-asterion".into(),
            transport: "tcp 127.0.0.1:5025".into(),
        };
        let e = label.wrap(TransportError::Closed.into());
        assert_eq!(
            e.to_string(),
            "device `grid` (ametek-asterion over tcp 127.0.0.1:5025): the link closed"
        );
        let e = label.wrap(label.wrap(DeviceError::Protocol {
            device: "grid".into(),
            detail: "VOLT?".into(),
        }));
        assert_eq!(
            e.to_string(),
            "device `grid` (ametek-asterion over tcp 127.0.0.1:5025): malformed reply: VOLT?"
        );
        assert!(!e.is_unresponsive());
    }
}
