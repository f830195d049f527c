//! Integration tests: one binary, one module per area.

mod harness;

mod capture;
mod capture_live;
mod cli;
mod corpus;
mod filters;
mod formats;
mod goruntime;
mod hb;
mod hostile;
mod kinds;
mod locks;
mod nightly;
mod pasted_dumps;
mod regressions;
mod render;
mod report_fixes;
mod sampling;
mod static_findings;
mod stream;
mod suggest;
mod sweep_prop;
mod views;
