//! Reports of a run and their signatures. So far the DSSE signing and
//! offline verification of a run's output folder; the report files
//! themselves (HTML, JUnit, canonical JSON) are issue 5's next part.

pub mod sign;
