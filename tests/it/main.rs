//! Integration tests: one binary, one module per area.

mod harness;

mod cli;
mod corpus;
mod goruntime;
mod hostile;
mod render;
mod sweep_prop;
mod locks;
mod formats;
mod filters;
