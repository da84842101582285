//! SCPI (IEEE 488.2) message encode/decode.
