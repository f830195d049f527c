//! `--format json`: the report as one pretty-printed JSON document
//! (`racetrail.report/v1`; the names are in docs/design.md and [`super::Report`]).
//! serde_json escapes every control character, so log text is safe here.

use std::io::{self, Write};

use super::{Renderer, Report};

pub struct Json;

/// A serde_json error as an I/O error of the same kind, so a closed pipe
/// stays a `BrokenPipe` the binary can recognise.
pub fn io_error(e: serde_json::Error) -> io::Error {
    match e.io_error_kind() {
        Some(kind) => io::Error::new(kind, e),
        None => io::Error::other(e),
    }
}

impl Renderer for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, report).map_err(io_error)?;
        out.write_all(b"\n")
    }
}
