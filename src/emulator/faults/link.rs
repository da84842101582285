//! A byte link's injected fault, shared between the injector and the
//! [`SimLink`](crate::emulator::SimLink) that carries the instrument's bytes.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;

/// What the link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMode {
    Up,
    /// Writes are taken and lost; nothing comes back.
    Silent,
    /// Every read and write fails: the link closed.
    Closed,
    /// The instrument answers with its protocol's error.
    Errors,
}

/// A handle on one link's mode; clones share it.
#[derive(Debug, Clone, Default)]
pub struct LinkFault(Arc<AtomicU8>);

impl LinkFault {
    pub fn set(&self, mode: LinkMode) {
        let v = match mode {
            LinkMode::Up => 0,
            LinkMode::Silent => 1,
            LinkMode::Closed => 2,
            LinkMode::Errors => 3,
        };
        self.0.store(v, Ordering::SeqCst);
    }

    pub fn mode(&self) -> LinkMode {
        match self.0.load(Ordering::SeqCst) {
            1 => LinkMode::Silent,
            2 => LinkMode::Closed,
            3 => LinkMode::Errors,
            _ => LinkMode::Up,
        }
    }
}
