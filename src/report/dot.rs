//! `--format dot`: Graphviz. One cluster per scope; goroutines (labelled
//! with their trace ids) and maps as nodes; a red edge from a goroutine to a
//! map for its part in the conflicts there, labelled with its ops and the
//! number of conflicting pairs its accesses are in. A map, race edge or
//! crash that a static check flagged says which (`flagged: go vet copylocks`).

use std::io::{self, Write};

use super::{Renderer, Report};

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
        let mut scopes: Vec<&str> = report
            .graph
            .iter()
            .map(|e| e.scope.as_str())
            .chain(report.contention.iter().map(|e| e.scope.as_str()))
            .chain(report.deadlocks.iter().map(|d| d.scope.as_str()))
            .collect();
        scopes.sort_unstable();
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
                let flagged: Vec<super::static_join::StaticRef> = report
                    .conflict_sites
                    .iter()
                    .filter(|s| s.scope == *scope && s.object == *object)
                    .flat_map(|s| s.static_findings.iter().cloned())
                    .collect();
                lines.extend(
                    super::static_join::labels(&flagged)
                        .into_iter()
                        .map(|l| format!("flagged: {l}")),
                );
                writeln!(
                    out,
                    "    s{si}_m{oi} [shape=box, style=filled, fillcolor=\"#fde0dd\", label={}];",
                    label(&lines)
                )?;
            }
            let waits: Vec<_> = report
                .contention
                .iter()
                .filter(|e| e.scope == *scope)
                .collect();
            let deadlocks: Vec<_> = report
                .deadlocks
                .iter()
                .filter(|d| d.scope == *scope)
                .collect();
            let mut actors: Vec<&str> = edges
                .iter()
                .map(|e| e.actor.as_str())
                .chain(
                    waits
                        .iter()
                        .flat_map(|w| [w.holder.as_str(), w.waiter.as_str()]),
                )
                .chain(
                    deadlocks
                        .iter()
                        .flat_map(|d| d.actors.iter().map(String::as_str)),
                )
                .collect();
            actors.sort_by_key(|a| super::natural_key(a));
            actors.dedup();
            for (ai, actor) in actors.iter().enumerate() {
                let info = report
                    .graph_actors
                    .iter()
                    .find(|g| g.scope == *scope && g.actor == *actor);
                let mut lines = vec![format!("goroutine {actor}")];
                if let Some(info) = info {
                    lines.extend(info.traces.iter().map(|t| format!("trace {}", short(t))));
                    let shown = info.traces.len() as u64;
                    if info.trace_count > shown {
                        lines.push(format!("+{} more traces", info.trace_count - shown));
                    }
                }
                writeln!(
                    out,
                    "    s{si}_g{ai} [shape=ellipse, label={}];",
                    label(&lines)
                )?;
            }
            for e in &edges {
                let ai = actors.iter().position(|a| *a == e.actor).unwrap_or(0);
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
            let node = |a: &str| actors.iter().position(|x| *x == a).unwrap_or(0);
            // Wait edges: the holder blocked the waiter for this long.
            for w in &waits {
                let lock = w.lock_name.as_deref().unwrap_or(&w.lock);
                writeln!(
                    out,
                    "    s{si}_g{} -> s{si}_g{} [style=dashed, color=steelblue, fontcolor=steelblue, label={}];",
                    node(&w.holder),
                    node(&w.waiter),
                    label(&[
                        format!("{lock}: {}", super::table::human_ns(w.blamed_ns)),
                        format!(
                            "{} {}",
                            w.waits,
                            if w.waits == 1 { "wait" } else { "waits" }
                        ),
                    ])
                )?;
            }
            // Deadlock cycles through their locks: each goroutine waits for a
            // lock that the next one holds.
            let mut lock_nodes: Vec<&str> = Vec::new();
            for d in &deadlocks {
                for (k, a) in d.actors.iter().enumerate() {
                    let lock = d.locks[k].as_str();
                    let li = match lock_nodes.iter().position(|l| *l == lock) {
                        Some(i) => i,
                        None => {
                            lock_nodes.push(lock);
                            writeln!(
                                out,
                                "    s{si}_l{} [shape=hexagon, color=red, fontcolor=red, label={}];",
                                lock_nodes.len() - 1,
                                label(&[format!("lock {lock}")])
                            )?;
                            lock_nodes.len() - 1
                        }
                    };
                    let next = &d.actors[(k + 1) % d.actors.len()];
                    writeln!(
                        out,
                        "    s{si}_g{} -> s{si}_l{li} [color=red, penwidth=3, fontcolor=red, label=\"deadlock: waits for\"];",
                        node(a)
                    )?;
                    writeln!(
                        out,
                        "    s{si}_l{li} -> s{si}_g{} [color=red, penwidth=3, fontcolor=red, label=\"held by\"];",
                        node(next)
                    )?;
                }
            }
            writeln!(out, "  }}")?;
        }
        races(report, out)?;
        crashes(report, out)?;
        writeln!(out, "}}")
    }
}

/// The race sites: each top user frame a node, each site pair an edge.
fn races(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.races.is_empty() {
        return Ok(());
    }
    writeln!(out, "  subgraph cluster_races {{")?;
    writeln!(out, "    label=\"Go race detector\";")?;
    writeln!(out, "    style=rounded; color=gray50;")?;
    let mut frames: Vec<(&str, &str)> = report
        .races
        .iter()
        .flat_map(|r| r.sides.iter().map(|s| (s.site.as_str(), s.func.as_str())))
        .collect();
    frames.sort_unstable();
    frames.dedup_by_key(|f| f.0);
    for (i, (site, func)) in frames.iter().enumerate() {
        writeln!(
            out,
            "    race_f{i} [shape=box, label={}];",
            label(&[func.to_string(), super::runtime::short_site(site)])
        )?;
    }
    let node = |site: &str| frames.iter().position(|f| f.0 == site).unwrap_or(0);
    for r in &report.races {
        let [a, b] = [&r.sides[0], &r.sides[1]];
        let kind = if r.map { "map race" } else { "data race" };
        let ops = |s: &super::runtime::RaceSide| s.map_op.unwrap_or(s.op).to_string();
        writeln!(
            out,
            "    race_f{} -> race_f{} [dir=both, color={}, fontcolor={}, label={}];",
            node(&a.site),
            node(&b.site),
            if r.map { "red" } else { "darkorange" },
            if r.map { "red" } else { "darkorange" },
            label(
                &[
                    format!("{kind}: {} × {}", ops(a), ops(b)),
                    format!(
                        "{} {}",
                        r.blocks,
                        if r.blocks == 1 { "block" } else { "blocks" }
                    ),
                ]
                .into_iter()
                .chain(
                    super::static_join::labels(&r.static_findings)
                        .into_iter()
                        .map(|l| format!("flagged: {l}"))
                )
                .collect::<Vec<_>>()
            )
        )?;
    }
    writeln!(out, "  }}")
}

/// Each crash: the crashing goroutine, the goroutines that created it (a
/// fork chain, when the dump names parents), and the other side from the logs.
fn crashes(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for (ci, c) in report.crashes.iter().enumerate() {
        writeln!(out, "  subgraph cluster_crash{ci} {{")?;
        writeln!(
            out,
            "    label={};",
            quote(&format!("crash at {}", c.source))
        )?;
        writeln!(out, "    style=rounded; color=red;")?;
        let mut title = c.messages.clone();
        if let Some(g) = c.goroutine {
            title.push(format!("goroutine {g} [running]"));
        }
        if let (Some(f), Some(s)) = (&c.func, &c.site) {
            title.push(f.clone());
            title.push(super::runtime::short_site(s));
        }
        if let Some(m) = &c.map_address {
            title.push(format!("map {m}"));
        }
        title.extend(
            super::static_join::labels(&c.static_findings)
                .into_iter()
                .map(|l| format!("flagged: {l}")),
        );
        writeln!(
            out,
            "    crash{ci} [shape=doubleoctagon, color=red, fontcolor=red, label={}];",
            label(&title)
        )?;
        // The chain of creators, as far as the dump names parents.
        let mut child = c.goroutine;
        let mut seen = Vec::new();
        while let Some(id) = child {
            let Some(g) = c.goroutines.iter().find(|g| g.id == id) else {
                break;
            };
            let (Some(parent), Some(by)) = (g.parent, &g.created_by) else {
                break;
            };
            if seen.contains(&parent) {
                break;
            }
            seen.push(parent);
            let from = format!("crash{ci}_g{parent}");
            let to = if Some(id) == c.goroutine {
                format!("crash{ci}")
            } else {
                format!("crash{ci}_g{id}")
            };
            let state = c
                .goroutines
                .iter()
                .find(|g| g.id == parent)
                .map_or("", |g| g.state.as_str());
            writeln!(
                out,
                "    {from} [shape=ellipse, label={}];",
                label(&[format!("goroutine {parent} [{state}]")])
            )?;
            writeln!(
                out,
                "    {from} -> {to} [style=dashed, color=gray40, label={}];",
                label(&[format!("created by {}", by.func)])
            )?;
            child = Some(parent);
        }
        for (oi, o) in c.other_side.iter().enumerate() {
            writeln!(
                out,
                "    crash{ci}_o{oi} [shape=ellipse, color=red, label={}];",
                label(&[
                    format!("goroutine {} {} (open)", o.actor, o.op),
                    format!("map {}", o.object),
                    o.source.clone(),
                ])
            )?;
            writeln!(
                out,
                "    crash{ci} -> crash{ci}_o{oi} [color=red, penwidth=2, label=\"other side\"];"
            )?;
        }
        writeln!(out, "  }}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_is_safe() {
        assert_eq!(quote("a\"b\\c\nd"), "\"a\\\"b\\\\cd\"");
    }
}
