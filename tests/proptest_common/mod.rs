//! Shared by the proptest files: the case counts stay moderate so the whole
//! `cargo test` stays quick on two cores.

use proptest::prelude::ProptestConfig;

/// `cases` cases, short shrinking, no regression files (a failure prints
/// its minimal input).
pub fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}
