//! Evidence a run leaves in its output folder: the hash-chained journal
//! and the handle the run shares on it ([`Evidence`]), device transcripts
//! (a tap on each byte link), and a waveform CSV per island event. CAN
//! traces are written by `transport::can` (candump, pcapng).

pub mod journal;
pub mod record;
pub mod sink;
pub mod tap;
pub mod v2g_capture;
pub mod waveform;

pub use sink::Evidence;
