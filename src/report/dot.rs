//! `--format dot`: Graphviz. One cluster per scope; goroutines (labelled
//! with their trace ids) and maps as nodes; a red edge from a goroutine to a
//! map for its part in the conflicts there, labelled with its ops and the
//! number of conflicting pairs its accesses are in. Dashed blue edges point
//! from a lock's holder to the waiter it blocked; per lock only the costliest
//! are drawn, the rest folded into the lock's node. A crash points at the map
//! it crashed on (named from the logs), and the other side's goroutines
//! point there too. A legend (a node, not a cluster) explains what is drawn;
//! edge labels hang off their edges (`decorate`). A map, race edge or crash
//! that a static check flagged says which (`flagged: go vet copylocks`).
//! `--mode hb` example pairs are edges from the earlier access to the racy
//! one.

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

/// Holder → waiter edges drawn per lock; the smaller ones are folded into
/// the lock's node.
const EDGES_PER_LOCK: usize = 3;
/// An edge blamed for less than this share (percent) of its lock's blamed
/// time is folded.
const FOLD_BELOW_PERCENT: i64 = 10;

/// Node ids by (scope, actor) and (scope, object), for edges drawn outside
/// the scope's cluster (a crash's other side).
#[derive(Default)]
struct Nodes {
    actors: std::collections::BTreeMap<(String, String), String>,
    maps: std::collections::BTreeMap<(String, String), String>,
}

/// What the graph draws, for the legend.
#[derive(Default)]
struct Drawn {
    conflicts: bool,
    waits: bool,
    folded: bool,
    deadlocks: bool,
    races: bool,
    crashes: bool,
    crash_maps: bool,
    other_sides: bool,
    forks: bool,
    hb: bool,
}

impl Renderer for Dot {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "digraph racetrail {{")?;
        writeln!(
            out,
            "  graph [rankdir=LR, fontname=\"Helvetica\", fontsize=11, forcelabels=true];"
        )?;
        writeln!(out, "  node [fontname=\"Helvetica\", fontsize=10];")?;
        // Labels hang off their edge by a short line (decorate), so a label
        // is never mistaken for a neighbour's.
        writeln!(
            out,
            "  edge [fontname=\"Helvetica\", fontsize=9, decorate=true];"
        )?;
        let mut nodes = Nodes::default();
        let mut drawn = Drawn::default();
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
                nodes.maps.insert(
                    (scope.to_string(), object.to_string()),
                    format!("s{si}_m{oi}"),
                );
            }
            // Contention per lock: the costliest holder → waiter edges are
            // drawn, the small ones folded into the lock's node.
            let waits: Vec<_> = report
                .contention
                .iter()
                .filter(|e| e.scope == *scope)
                .collect();
            let mut lock_ids: Vec<&str> = waits.iter().map(|w| w.lock.as_str()).collect();
            lock_ids.sort_unstable();
            lock_ids.dedup();
            let mut kept: Vec<&super::locks::EdgeReport> = Vec::new();
            let mut folded: Vec<(&str, Option<&str>, usize, i64)> = Vec::new();
            for lock in &lock_ids {
                // `contention` is sorted by blamed time, largest first.
                let of: Vec<_> = waits.iter().filter(|w| w.lock == *lock).copied().collect();
                let total: i64 = of.iter().map(|w| w.blamed_ns).sum();
                let (keep, fold): (Vec<_>, Vec<_>) = of.iter().enumerate().partition(|(k, w)| {
                    *k == 0
                        || (*k < EDGES_PER_LOCK && w.blamed_ns * 100 >= total * FOLD_BELOW_PERCENT)
                });
                kept.extend(keep.into_iter().map(|(_, w)| *w));
                if !fold.is_empty() {
                    folded.push((
                        lock,
                        of[0].lock_name.as_deref(),
                        fold.len(),
                        fold.iter().map(|(_, w)| w.blamed_ns).sum(),
                    ));
                }
            }
            let deadlocks: Vec<_> = report
                .deadlocks
                .iter()
                .filter(|d| d.scope == *scope)
                .collect();
            let mut actors: Vec<&str> = edges
                .iter()
                .map(|e| e.actor.as_str())
                .chain(
                    kept.iter()
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
                nodes.actors.insert(
                    (scope.to_string(), actor.to_string()),
                    format!("s{si}_g{ai}"),
                );
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
                drawn.conflicts = true;
            }
            let node = |a: &str| actors.iter().position(|x| *x == a).unwrap_or(0);
            // Wait edges point from the holder to the waiter it blocked.
            for w in &kept {
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
                drawn.waits = true;
            }
            // One node per lock: its figures and the pairs folded into it;
            // deadlock cycles run through it.
            let mut lock_nodes: Vec<String> = Vec::new();
            let mut lock_node = |out: &mut dyn Write, id: &str, lines: Vec<String>, red: bool| {
                match lock_nodes.iter().position(|l| l == id) {
                    Some(i) => Ok(i),
                    None => {
                        lock_nodes.push(id.to_string());
                        let colour = if red { "red" } else { "steelblue" };
                        writeln!(
                            out,
                            "    s{si}_l{} [shape=box, style=\"rounded,dashed\", color={colour}, fontcolor={colour}, label={}];",
                            lock_nodes.len() - 1,
                            label(&lines)
                        )
                        .map(|_| lock_nodes.len() - 1)
                    }
                }
            };
            for (lock, name, n, ns) in &folded {
                let l = report
                    .locks
                    .iter()
                    .find(|l| l.scope == *scope && l.lock == *lock);
                let mut lines = match name {
                    Some(n) => vec![format!("lock {n}"), lock.to_string()],
                    None => vec![format!("lock {lock}")],
                };
                if let Some(l) = l {
                    lines.push(format!(
                        "{} waits, {} blamed",
                        l.waits,
                        super::table::human_ns(l.blamed_ns)
                    ));
                }
                lines.push(format!(
                    "+{n} smaller holder → waiter {} ({}), not drawn",
                    if *n == 1 { "pair" } else { "pairs" },
                    super::table::human_ns(*ns)
                ));
                let in_deadlock = deadlocks.iter().any(|d| {
                    d.locks
                        .iter()
                        .any(|x| Some(x.as_str()) == *name || x == lock)
                });
                lock_node(out, name.unwrap_or(lock), lines, in_deadlock)?;
                drawn.folded = true;
            }
            for d in &deadlocks {
                for (k, a) in d.actors.iter().enumerate() {
                    let lock = d.locks[k].as_str();
                    let li = lock_node(out, lock, vec![format!("lock {lock}")], true)?;
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
                    drawn.deadlocks = true;
                }
            }
            writeln!(out, "  }}")?;
        }
        drawn.races = !report.races.is_empty();
        races(report, out)?;
        crashes(report, &nodes, &mut drawn, out)?;
        drawn.hb = hb(report, out)?;
        legend(&drawn, out)?;
        writeln!(out, "}}")
    }
}

/// A table of what the colours and arrows mean, for what the graph draws.
fn legend(d: &Drawn, out: &mut dyn Write) -> io::Result<()> {
    let mut rows: Vec<(&str, &str, &str)> = Vec::new();
    if d.conflicts {
        rows.push((
            "red",
            "──→",
            "goroutine → map: its accesses in conflicting pairs (ops, pairs)",
        ));
    }
    if d.waits {
        rows.push((
            "steelblue",
            "- - →",
            "holder → waiter: the holder's hold blocked the waiter (blamed time, waits)",
        ));
    }
    if d.folded {
        rows.push(("steelblue", "[lock]", "dashed box: a lock's waits and blamed time, its smaller holder → waiter pairs folded in"));
    }
    if d.deadlocks {
        rows.push((
            "red",
            "━━→",
            "deadlock: goroutine waits for a lock held by the next",
        ));
    }
    if d.races {
        rows.push((
            "red",
            "←──→",
            "map race between two top user frames (orange: a data race)",
        ));
    }
    if d.crashes {
        rows.push((
            "red",
            "[crash]",
            "double octagon: a crash, its message and the crashing goroutine",
        ));
    }
    if d.crash_maps {
        rows.push(("red", "━━→", "crash → the map it crashed on"));
    }
    if d.other_sides {
        rows.push((
            "red",
            "━━→",
            "the other side: goroutine → map, an access still open when it crashed (from the logs)",
        ));
    }
    if d.forks {
        rows.push(("gray40", "- - →", "created by: parent goroutine → child"));
    }
    if d.hb {
        rows.push((
            "red",
            "──→",
            "happens-before race: earlier access → the racy access no lock, fork or join orders after it",
        ));
    }
    if rows.is_empty() {
        return Ok(());
    }
    // A node, not a cluster: clusters are scopes, races and crashes.
    let mut html = String::from(
        "<<table border=\"1\" color=\"gray70\" style=\"rounded\" cellborder=\"0\" cellspacing=\"1\" cellpadding=\"2\">\
         <tr><td colspan=\"2\"><font color=\"gray40\">legend</font></td></tr>",
    );
    for (colour, mark, text) in rows {
        html.push_str(&format!(
            "<tr><td align=\"right\"><font color=\"{colour}\">{}</font></td><td align=\"left\">{}</td></tr>",
            html_text(mark),
            html_text(text)
        ));
    }
    html.push_str("</table>>");
    writeln!(out, "  legend [shape=plaintext, fontsize=9, label={html}];")
}

/// Text for a Graphviz HTML-like label.
fn html_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// `--mode hb`: the example pairs, each access a node (thread, op,
/// variable, location, trace line) and an edge from the earlier to the racy
/// one. Whether it drew any.
fn hb(report: &Report, out: &mut dyn Write) -> io::Result<bool> {
    let Some(hb) = &report.hb else {
        return Ok(false);
    };
    let pairs: Vec<&super::Conflict> = report.hb_pairs().collect();
    if pairs.is_empty() {
        return Ok(false);
    }
    writeln!(out, "  subgraph cluster_hb {{")?;
    writeln!(
        out,
        "    label={};",
        quote(&format!(
            "happens-before: {} racy event{} at {} location{}",
            hb.racy_events,
            if hb.racy_events == 1 { "" } else { "s" },
            hb.racy_locations,
            if hb.racy_locations == 1 { "" } else { "s" },
        ))
    )?;
    writeln!(out, "    style=rounded; color=red;")?;
    for (i, c) in pairs.iter().enumerate() {
        for (tag, s) in [("a", &c.a), ("b", &c.b)] {
            writeln!(
                out,
                "    hb{i}_{tag} [shape=ellipse, label={}];",
                label(&c.hb_side_lines(s))
            )?;
        }
        writeln!(
            out,
            "    hb{i}_a -> hb{i}_b [color=red, fontcolor=red, label={}];",
            quote(&format!("{}: not ordered", c.kind))
        )?;
    }
    writeln!(out, "  }}")?;
    Ok(true)
}

/// The race sites: each top user frame a node, each site pair an edge.
fn races(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    if report.races.is_empty() {
        return Ok(());
    }
    writeln!(out, "  subgraph cluster_races {{")?;
    writeln!(out, "    label=\"Go race detector\";")?;
    writeln!(out, "    style=rounded; color=gray50;")?;
    let frames = report.race_frames();
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
/// fork chain, when the dump names parents), the map it crashed on (by the
/// name the logs gave it), and the other side from the logs: each access
/// still open on that map, an edge from its goroutine (the scope's node
/// when the graph has one) to the map (the scope's node when it has one).
fn crashes(
    report: &Report,
    nodes: &Nodes,
    drawn: &mut Drawn,
    out: &mut dyn Write,
) -> io::Result<()> {
    for (ci, c) in report.crashes.iter().enumerate() {
        drawn.crashes = true;
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
            drawn.forks = true;
            child = Some(parent);
        }
        // The map: the scope's node for it, else one here, named from the
        // logs when they named it, with the header address the dump shows.
        let object = c.other_side.first().map(|o| o.object.as_str());
        let name = c.other_side.iter().find_map(|o| o.object_name.as_deref());
        let map = match object {
            Some(o) => match nodes.maps.get(&(c.scope.clone(), o.to_string())) {
                Some(id) => Some(id.clone()),
                None => {
                    let mut lines = vec![format!("map {}", name.unwrap_or(o))];
                    if name.is_some() {
                        lines.push(o.to_string());
                    }
                    writeln!(
                        out,
                        "    crash{ci}_m [shape=box, style=filled, fillcolor=\"#fde0dd\", label={}];",
                        label(&lines)
                    )?;
                    Some(format!("crash{ci}_m"))
                }
            },
            None => c.map_address.as_ref().map(|a| {
                let _ = writeln!(
                    out,
                    "    crash{ci}_m [shape=box, style=filled, fillcolor=\"#fde0dd\", label={}];",
                    label(&[format!("map {a}")])
                );
                format!("crash{ci}_m")
            }),
        };
        if let Some(m) = &map {
            drawn.crash_maps = true;
            let what = c
                .messages
                .first()
                .map_or("crashed", |m| m.strip_prefix("fatal error: ").unwrap_or(m));
            writeln!(
                out,
                "    crash{ci} -> {m} [color=red, penwidth=2, fontcolor=red, label={}];",
                label(&[what.to_string()])
            )?;
        }
        // The crashing goroutine's own node in the scope, when it has one.
        if let Some(g) = c.goroutine
            && let Some(id) = nodes.actors.get(&(c.scope.clone(), g.to_string()))
        {
            writeln!(
                out,
                "    {id} -> crash{ci} [style=dotted, color=red, arrowhead=none, label=\"crashed\"];"
            )?;
        }
        for (oi, o) in c.other_side.iter().enumerate() {
            let from = match nodes.actors.get(&(c.scope.clone(), o.actor.clone())) {
                Some(id) => id.clone(),
                None => {
                    writeln!(
                        out,
                        "    crash{ci}_o{oi} [shape=ellipse, color=red, label={}];",
                        label(&[format!("goroutine {}", o.actor)])
                    )?;
                    format!("crash{ci}_o{oi}")
                }
            };
            let Some(m) = &map else { continue };
            drawn.other_sides = true;
            let mut lines = vec![format!(
                "other side: {} on {} (open)",
                o.op,
                o.object_name.as_deref().unwrap_or(&o.object)
            )];
            lines.push(o.source.clone());
            writeln!(
                out,
                "    {from} -> {m} [color=red, penwidth=2, fontcolor=red, label={}];",
                label(&lines)
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
