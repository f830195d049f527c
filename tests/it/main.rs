//! Integration tests: one binary, one module per area.

mod harness;

mod cli;
mod corpus;
mod render;
mod sweep_prop;
