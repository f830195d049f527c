//! `--format dot`: Graphviz. One cluster per scope; goroutines (labelled
//! with their trace ids) and maps as nodes; a red edge from a goroutine to a
//! map for its part in the conflicts there, labelled with its ops and the
//! number of conflicting pairs its accesses are in.

use std::io::{self, Write};

use super::{Renderer, Report};

/// Trace ids shown per goroutine node.
const TRACES_SHOWN: usize = 3;

pub struct Dot;

/// A DOT double-quoted string: quotes and backslashes escaped, control
/// characters dropped.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A label with line breaks (DOT's `\n` escape), each line quoted safely.
fn label(lines: &[String]) -> String {
    let joined: Vec<String> = lines
        .iter()
        .map(|l| {
            let q = quote(l);
            q[1..q.len() - 1].to_string()
        })
        .collect();
    format!("\"{}\"", joined.join("\\n"))
}

fn short(trace: &str) -> &str {
    trace.get(..12).unwrap_or(trace)
}

impl Renderer for Dot {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "digraph racetrail {{")?;
        writeln!(
            out,
            "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11];"
        )?;
        writeln!(out, "  node [fontname=\"Helvetica\", fontsize=10];")?;
        writeln!(out, "  edge [fontname=\"Helvetica\", fontsize=9];")?;
        let mut scopes: Vec<&str> = report.graph.iter().map(|e| e.scope.as_str()).collect();
        scopes.dedup();
        for (si, scope) in scopes.iter().enumerate() {
            writeln!(out, "  subgraph cluster_{si} {{")?;
            writeln!(out, "    label={};", quote(scope))?;
            writeln!(out, "    style=rounded; color=gray50;")?;
            let edges: Vec<_> = report.graph.iter().filter(|e| e.scope == *scope).collect();
            let mut objects: Vec<&str> = edges.iter().map(|e| e.object.as_str()).collect();
            objects.sort_unstable();
            objects.dedup();
            for (oi, object) in objects.iter().enumerate() {
                let name = edges
                    .iter()
                    .find(|e| e.object == *object)
                    .and_then(|e| e.object_name.as_deref());
                let mut lines = match name {
                    Some(n) => vec![format!("map {n}"), object.to_string()],
                    None => vec![format!("map {object}")],
                };
                let pairs: u64 = report
                    .conflict_sites
                    .iter()
                    .filter(|s| s.scope == *scope && s.object == *object)
                    .map(|s| s.conflicts)
                    .sum();
                lines.push(format!(
                    "{pairs} conflicting {}",
                    if pairs == 1 { "pair" } else { "pairs" }
                ));
                writeln!(
                    out,
                    "    s{si}_m{oi} [shape=box, style=filled, fillcolor=\"#fde0dd\", label={}];",
                    label(&lines)
                )?;
            }
            let mut actors: Vec<(&str, Vec<&str>)> = Vec::new();
            for e in &edges {
                match actors.iter_mut().find(|(a, _)| *a == e.actor) {
                    Some((_, t)) => t.extend(e.traces.iter().map(String::as_str)),
                    None => actors.push((&e.actor, e.traces.iter().map(String::as_str).collect())),
                }
            }
            for (ai, (actor, traces)) in actors.iter_mut().enumerate() {
                traces.sort_unstable();
                traces.dedup();
                let mut lines = vec![format!("goroutine {actor}")];
                lines.extend(
                    traces
                        .iter()
                        .take(TRACES_SHOWN)
                        .map(|t| format!("trace {}", short(t))),
                );
                if traces.len() > TRACES_SHOWN {
                    lines.push(format!("+{} more traces", traces.len() - TRACES_SHOWN));
                }
                writeln!(
                    out,
                    "    s{si}_g{ai} [shape=ellipse, label={}];",
                    label(&lines)
                )?;
            }
            for e in &edges {
                let ai = actors.iter().position(|(a, _)| *a == e.actor).unwrap_or(0);
                let oi = objects.iter().position(|o| *o == e.object).unwrap_or(0);
                writeln!(
                    out,
                    "    s{si}_g{ai} -> s{si}_m{oi} [color=red, fontcolor=red, label={}];",
                    label(&[format!(
                        "{} ({} {})",
                        e.ops.join("/"),
                        e.pairs,
                        if e.pairs == 1 { "pair" } else { "pairs" }
                    )])
                )?;
            }
            writeln!(out, "  }}")?;
        }
        writeln!(out, "}}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_is_safe() {
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\cd\"");
    }
}
