//! The plan runner: steps, assertions, safety interlocks, safe state, clock.

pub mod clock;
