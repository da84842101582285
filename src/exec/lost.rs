//! What stands in a role once its device has been given up on (it did not
//! finish its safe-state actions within their deadline and its driver is
//! still blocked somewhere): every call fails at once, naming the device,
//! so nothing waits on it again this run.

use crate::device::DeviceError;

pub(crate) struct Lost {
    device: String,
}

impl Lost {
    pub(crate) fn new(device: &str) -> Self {
        Lost {
            device: device.to_string(),
        }
    }

    fn error(&self) -> DeviceError {
        DeviceError::Unresponsive {
            device: format!("device `{}`", self.device),
            detail:
                "given up on after it did not answer in the safe state; not used again this run"
                    .into(),
        }
    }
}

/// Implements a role trait for [`Lost`]: every method fails at once.
macro_rules! lost {
    ($role:ident { $(fn $method:ident(&mut self $(, $arg:ident: $ty:ty)*) -> $out:ty;)* }) => {
        impl crate::device::$role for Lost {
            $(fn $method(&mut self $(, _: $ty)*) -> Result<$out, DeviceError> {
                Err(self.error())
            })*
        }
    };
}

crate::device::for_each_role!(lost);
