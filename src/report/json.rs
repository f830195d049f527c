//! `--format json`: the report as one pretty-printed JSON document
//! (`racetrail.report/v1`; the names are in DESIGN.md and [`super::Report`]).
//! serde_json escapes every control character, so log text is safe here.

use std::io::{self, Write};

use super::{Renderer, Report};

pub struct Json;

impl Renderer for Json {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, report).map_err(io::Error::other)?;
        out.write_all(b"\n")
    }
}
