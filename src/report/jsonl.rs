//! `--format jsonl`: one finding per line, for log pipelines. Each line is
//! the finding as in the JSON report with a leading `type`:
//! `conflict_site`, `race`, `crash`, `deadlock`, or `hb_race` (an example
//! pair of `--mode hb`).

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
        for s in &r.conflict_sites {
            line(out, "conflict_site", s)?;
        }
        for x in &r.races {
            line(out, "race", x)?;
        }
        for c in &r.crashes {
            line(out, "crash", c)?;
        }
        for d in &r.deadlocks {
            line(out, "deadlock", d)?;
        }
        if r.hb.is_some() {
            for c in r.conflicts.iter().filter(|c| c.a.start_ns.is_none()) {
                line(out, "hb_race", c)?;
            }
        }
        Ok(())
    }
}
