//! Integration tests: one binary, one module per area.

mod harness;

mod cli;
mod corpus;
mod filters;
mod formats;
mod goruntime;
mod hb;
mod hostile;
mod locks;
mod nightly;
mod pasted_dumps;
mod regressions;
mod render;
mod report_fixes;
mod sampling;
mod static_findings;
mod sweep_prop;
