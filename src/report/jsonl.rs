//! `--format jsonl`: one finding per line, for log pipelines. Each line is
//! the finding as in the JSON report with a leading `type`:
//! `conflict_site` (also a kernel conflict site), `race`, `crash`,
//! `deadlock`, or `hb_race` (an example pair of `--mode hb`): the findings
//! of [`Report::findings`], so every kind has its lines. Unconfirmed sites
//! are not findings and have none.

use std::io::{self, Write};

use serde::Serialize;
use serde_json::{Map, Value};

use super::{Renderer, Report};

pub struct Jsonl;

fn line(out: &mut dyn Write, kind: &str, finding: &impl Serialize) -> io::Result<()> {
    let mut obj = Map::new();
    obj.insert("type".into(), Value::from(kind));
    if let Value::Object(fields) =
        serde_json::to_value(finding).map_err(crate::report::json::io_error)?
    {
        obj.extend(fields);
    }
    serde_json::to_writer(&mut *out, &obj).map_err(crate::report::json::io_error)?;
    out.write_all(b"\n")
}

impl Renderer for Jsonl {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        for f in r.findings() {
            line(out, f.kind.jsonl_type(), &f.finding)?;
        }
        Ok(())
    }
}
