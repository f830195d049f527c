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
mod locks;
mod nightly;
mod regressions;
mod render;
mod sweep_prop;
