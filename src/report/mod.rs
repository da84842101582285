//! The commissioning report: folded from the run's journal (`model`),
//! written as canonical JSON, a self-contained HTML page with SVG plots and
//! JUnit XML (`build`), and signed as a DSSE envelope over every file of
//! the run folder (`sign`, checked by `verify`) with a key from the
//! per-user keys folder (`keystore`).

pub mod build;
pub mod canonical;
pub mod compliance;
pub mod der;
pub mod fold;
pub mod html;
pub mod junit;
pub mod keystore;
pub mod model;
pub mod rig_kind;
pub mod sign;
pub mod svg;
pub mod time;
pub mod verify;
pub mod xml;
