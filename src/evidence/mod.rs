//! Evidence a run leaves in its output folder. So far the journal; CAN
//! traces are written by `transport::can` (candump), the rest of issue 5
//! (pcapng, serial transcripts, waveform CSVs, reports) builds on this.

pub mod journal;
