//! The emulated charger's bootloader: a UDS server (ISO 14229-1) over ISO-TP
//! (ISO 15765-2) on the emulated CAN bus, programming the emulated flash with
//! its real erase and program times. It runs as a plant agent: it answers
//! as soon as a request has arrived, sends 0x78 responsePending when the
//! flash work outlasts P2, and takes the image's version (V2XF header) as
//! its running firmware only after the check routine has verified it and the
//! ECU was reset. An interrupted update leaves it in the bootloader with no
//! valid application; the same update run again completes.

pub mod flash;
mod server;

pub use flash::{Flash, FlashError, FlashGeometry};
pub use server::{Bootloader, BootloaderConfig, BootloaderStatus};
