//! SunSpec discovery (SunSpec Modbus Specification §4.1): the 'SunS'
//! marker at base 0, 40000 or 50000, then the model directory, `ID` and `L`
//! pairs from the first model to the end model (0xFFFF). Shared by every
//! SunSpec driver: a charger and a meter are found the same way.

use super::client::ModbusClient;
use super::unsupported;
use crate::device::DeviceError;
use crate::protocol::sunspec::{BASE_ADDRESSES, END_MODEL_ID, SUNS_MARKER};

/// At most this many models are scanned (a corrupt map cannot loop forever).
const MAX_MODELS: usize = 64;

/// `(model id, address of its ID register, L)` in map order.
pub type Directory = Vec<(u16, u16, u16)>;

/// The map's base address and its models.
pub fn discover(client: &mut ModbusClient, name: &str) -> Result<(u16, Directory), DeviceError> {
    let mut base = None;
    let mut last_err = None;
    for b in BASE_ADDRESSES {
        match client.read(b, 2) {
            Ok(r) if r == SUNS_MARKER => {
                base = Some(b);
                break;
            }
            Ok(_) => {}
            Err(e) => last_err = Some(e),
        }
    }
    let Some(base) = base else {
        return Err(DeviceError::Unsupported {
            device: name.to_string(),
            detail: format!(
                "no SunSpec map ('SunS') at 0, 40000 or 50000{}",
                last_err
                    .map(|e| format!(" (last error: {e})"))
                    .unwrap_or_default()
            ),
        });
    };
    let mut models = Vec::new();
    let mut addr = u32::from(base) + 2;
    loop {
        let a = u16::try_from(addr).map_err(|_| unsupported(name, "model scan ran past 65535"))?;
        let id = *client.read(a, 1)?.first().unwrap_or(&END_MODEL_ID);
        if id == END_MODEL_ID {
            break;
        }
        let len = *client
            .read(
                a.checked_add(1)
                    .ok_or_else(|| unsupported(name, "map past 65535"))?,
                1,
            )?
            .first()
            .unwrap_or(&0);
        models.push((id, a, len));
        if models.len() > MAX_MODELS {
            return Err(unsupported(name, "more than 64 models: no end model"));
        }
        addr += 2 + u32::from(len);
    }
    Ok((base, models))
}
