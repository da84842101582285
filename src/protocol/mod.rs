//! Pure encode/decode of the instruments' protocols: no I/O, no panics on any
//! input. Each module offers a checked view of the bytes and a validated
//! representation, as smoltcp's `wire` module does.

pub mod can;
pub mod chademo;
pub mod din70121;
pub mod iso15118;
pub mod isotp;
pub mod modbus;
pub mod ocpp;
pub mod scpi;
pub mod slcan;
pub mod sunspec;
pub mod uds;
pub mod v2gtp;
