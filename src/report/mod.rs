//! The commissioning report: folded from the run's journal (`model`),
//! written as canonical JSON, a self-contained HTML page with SVG plots and
//! JUnit XML (`build`), and signed as a DSSE envelope over every file of
//! the run folder (`sign`).

pub mod build;
pub mod canonical;
pub mod fold;
pub mod html;
pub mod junit;
pub mod model;
pub mod sign;
pub mod svg;
pub mod time;
pub mod xml;
