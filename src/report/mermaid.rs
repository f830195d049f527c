//! `--format mermaid`: a Mermaid flowchart, the notation postmortem
//! documents embed. Per scope: goroutines and maps, conflict edges
//! (`goroutine -- "write: 27 pairs" --> map`), wait edges
//! (`holder -. "carts.mu 3.84ms" .-> waiter`), wait chains as paths
//! (`A[g1 acquire L] --> B[g2 wait 128ms]`) and deadlock cycles in red. A
//! map a static check flagged a conflict site of says which. Race sites as
//! edges between their top user frames; each crash in a subgraph of its
//! own: the crashing goroutine, the map (its name from the logs), the
//! goroutines the dump shows beside it, and the other side's open accesses
//! pointing at the map; `--mode hb` example pairs. The output is checked
//! with Mermaid's own parser (`tests/mermaid/`).

use std::io::{self, Write};

use super::table::human_ns;
use super::{Renderer, Report};

pub struct Mermaid;

/// The node number of goroutine `a`, numbered as they first appear.
fn actor(a: &str, names: &mut Vec<String>) -> usize {
    match names.iter().position(|x| x == a) {
        Some(i) => i,
        None => {
            names.push(a.to_string());
            names.len() - 1
        }
    }
}

/// Text for a quoted Mermaid label: quotes and markup characters as
/// entities, control characters dropped.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

impl Renderer for Mermaid {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "flowchart LR")?;
        let mut scopes: Vec<&str> = r
            .graph
            .iter()
            .map(|e| e.scope.as_str())
            .chain(r.contention.iter().map(|e| e.scope.as_str()))
            .chain(r.wait_chains.iter().map(|c| c.scope.as_str()))
            .chain(r.deadlocks.iter().map(|d| d.scope.as_str()))
            .collect();
        scopes.sort_unstable();
        scopes.dedup();
        let mut links = 0usize;
        let mut red = Vec::new();
        for (si, scope) in scopes.iter().enumerate() {
            writeln!(out, "  subgraph s{si}[\"{}\"]", text(scope))?;
            let mut names: Vec<String> = Vec::new();
            let mut maps: Vec<&str> = Vec::new();
            for e in r.graph.iter().filter(|e| e.scope == *scope) {
                let ai = actor(&e.actor, &mut names);
                let mi = match maps.iter().position(|m| *m == e.object) {
                    Some(i) => i,
                    None => {
                        maps.push(&e.object);
                        let name = e.object_name.as_deref().unwrap_or(&e.object);
                        let flagged: Vec<super::static_join::StaticRef> = r
                            .conflict_sites
                            .iter()
                            .filter(|s| s.scope == *scope && s.object == e.object)
                            .flat_map(|s| s.static_findings.iter().cloned())
                            .collect();
                        let flagged = super::static_join::labels(&flagged);
                        let flagged = if flagged.is_empty() {
                            String::new()
                        } else {
                            format!(" · flagged: {}", flagged.join(", "))
                        };
                        writeln!(
                            out,
                            "    s{si}_m{}[[\"map {}\"]]",
                            maps.len() - 1,
                            text(&format!("{name}{flagged}"))
                        )?;
                        maps.len() - 1
                    }
                };
                writeln!(
                    out,
                    "    s{si}_g{ai} -- \"{}: {} {}\" --> s{si}_m{mi}",
                    text(&e.ops.join("/")),
                    e.pairs,
                    if e.pairs == 1 { "pair" } else { "pairs" }
                )?;
                links += 1;
            }
            for e in r.contention.iter().filter(|e| e.scope == *scope) {
                let (h, w) = (actor(&e.holder, &mut names), actor(&e.waiter, &mut names));
                writeln!(
                    out,
                    "    s{si}_g{h} -. \"{} {}\" .-> s{si}_g{w}",
                    text(e.lock_name.as_deref().unwrap_or(&e.lock)),
                    human_ns(e.blamed_ns)
                )?;
                links += 1;
            }
            for (ci, c) in r
                .wait_chains
                .iter()
                .filter(|c| c.scope == *scope)
                .enumerate()
            {
                // A chain as its own path of steps.
                for (k, a) in c.actors.iter().enumerate() {
                    let step = match c.locks.get(k) {
                        Some(l) => format!("goroutine {a} waits for {l}"),
                        None => format!("goroutine {a} holds {}", c.locks[k - 1]),
                    };
                    writeln!(out, "    s{si}_c{ci}_{k}[\"{}\"]", text(&step))?;
                    if k > 0 {
                        writeln!(out, "    s{si}_c{ci}_{} --> s{si}_c{ci}_{k}", k - 1)?;
                        links += 1;
                    }
                }
                writeln!(
                    out,
                    "    s{si}_c{ci}_0 ~~~ s{si}_c{ci}_t([\"{}\"])",
                    human_ns(c.wait_ns)
                )?;
                links += 1;
            }
            for d in r.deadlocks.iter().filter(|d| d.scope == *scope) {
                for (k, a) in d.actors.iter().enumerate() {
                    let next = &d.actors[(k + 1) % d.actors.len()];
                    let (x, y) = (actor(a, &mut names), actor(next, &mut names));
                    writeln!(
                        out,
                        "    s{si}_g{x} == \"deadlock: waits for {}\" ==> s{si}_g{y}",
                        text(&d.locks[k])
                    )?;
                    red.push(links);
                    links += 1;
                }
            }
            for (i, a) in names.iter().enumerate() {
                writeln!(out, "    s{si}_g{i}([\"goroutine {}\"])", text(a))?;
            }
            writeln!(out, "  end")?;
        }
        races(r, out, &mut links)?;
        for (ci, c) in r.crashes.iter().enumerate() {
            crash(ci, c, out, &mut links, &mut red)?;
        }
        hb(r, out, &mut links)?;
        if scopes.is_empty() && r.races.is_empty() && r.crashes.is_empty() && r.hb.is_none() {
            writeln!(out, "  none([\"no findings\"])")?;
        }
        for l in red {
            writeln!(out, "  linkStyle {l} stroke:#d00,stroke-width:3px")?;
        }
        Ok(())
    }
}

/// Label lines joined by Mermaid's line break, each escaped.
fn lines(parts: &[String]) -> String {
    parts
        .iter()
        .map(|p| text(p))
        .collect::<Vec<_>>()
        .join("<br/>")
}

/// Race sites: each top user frame a node, each site pair a two-way edge.
fn races(r: &Report, out: &mut dyn Write, links: &mut usize) -> io::Result<()> {
    if r.races.is_empty() {
        return Ok(());
    }
    writeln!(out, "  subgraph races[\"Go race detector\"]")?;
    let frames = r.race_frames();
    for (i, (site, func)) in frames.iter().enumerate() {
        writeln!(
            out,
            "    race_f{i}[\"{}\"]",
            lines(&[func.to_string(), super::runtime::short_site(site)])
        )?;
    }
    let node = |site: &str| frames.iter().position(|f| f.0 == site).unwrap_or(0);
    for x in &r.races {
        let (Some(a), Some(b)) = (x.sides.first(), x.sides.get(1)) else {
            continue;
        };
        let op = |s: &super::runtime::RaceSide| s.map_op.unwrap_or(s.op);
        let kind = if x.map { "map race" } else { "data race" };
        let mut label = vec![format!(
            "{kind}: {} × {}, {} blocks",
            op(a),
            op(b),
            x.blocks
        )];
        label.extend(
            super::static_join::labels(&x.static_findings)
                .into_iter()
                .map(|l| format!("flagged: {l}")),
        );
        writeln!(
            out,
            "    race_f{} <-- \"{}\" --> race_f{}",
            node(&a.site),
            lines(&label),
            node(&b.site)
        )?;
        *links += 1;
    }
    writeln!(out, "  end")
}

/// A crash: the crashing goroutine and where it was, the map it crashed on
/// (by name when the logs gave one), the goroutines the dump shows at the
/// crash site or on the same map, and the other side from the logs: the
/// accesses still open on that map, each an edge to it.
fn crash(
    ci: usize,
    c: &super::runtime::Crash,
    out: &mut dyn Write,
    links: &mut usize,
    red: &mut Vec<usize>,
) -> io::Result<()> {
    let title = c
        .messages
        .first()
        .cloned()
        .unwrap_or_else(|| "crash".into());
    writeln!(
        out,
        "  subgraph crash{ci}[\"{}\"]",
        lines(&[format!("{title} · {}", c.source)])
    )?;
    let mut me = vec![match c.goroutine {
        Some(g) => format!("goroutine {g} crashing"),
        None => "crash".to_string(),
    }];
    if let (Some(f), Some(s)) = (&c.func, &c.site) {
        me.push(f.clone());
        me.push(super::runtime::short_site(s));
    }
    me.extend(
        super::static_join::labels(&c.static_findings)
            .into_iter()
            .map(|l| format!("flagged: {l}")),
    );
    writeln!(out, "    crash{ci}_g{{{{\"{}\"}}}}", lines(&me))?;
    // The map: its header address from the dump, its name from the logs.
    let name = c.other_side.iter().find_map(|o| o.object_name.clone());
    let object = c.other_side.first().map(|o| o.object.clone());
    let map = match (&name, &c.map_address, &object) {
        (Some(n), Some(a), _) => Some(vec![format!("map {n}"), a.clone()]),
        (Some(n), None, Some(o)) => Some(vec![format!("map {n}"), o.clone()]),
        (None, Some(a), _) => Some(vec![format!("map {a}")]),
        (None, None, Some(o)) => Some(vec![format!("map {o}")]),
        (_, None, None) => None,
    };
    if let Some(m) = &map {
        writeln!(out, "    crash{ci}_m[[\"{}\"]]", lines(m))?;
        writeln!(
            out,
            "    crash{ci}_g == \"{}\" ==> crash{ci}_m",
            text(&title.replace("fatal error: ", ""))
        )?;
        red.push(*links);
        *links += 1;
    }
    for (si, g) in c.suspects.iter().enumerate() {
        let why = if g.same_map {
            "in a map call on the same map"
        } else {
            "at the crash site"
        };
        writeln!(
            out,
            "    crash{ci}_s{si}([\"{}\"])",
            lines(&[
                format!("goroutine {} [{}]", g.id, g.state),
                g.site
                    .as_deref()
                    .map(super::runtime::short_site)
                    .unwrap_or_default(),
            ])
        )?;
        let to = if g.same_map && map.is_some() {
            format!("crash{ci}_m")
        } else {
            format!("crash{ci}_g")
        };
        writeln!(out, "    crash{ci}_s{si} -. \"{}\" .- {to}", text(why))?;
        *links += 1;
    }
    for (oi, o) in c.other_side.iter().enumerate() {
        let mut label = vec![format!("goroutine {}", o.actor), o.source.clone()];
        if let Some(t) = &o.trace {
            label.push(format!("trace {}", t.get(..12).unwrap_or(t)));
        }
        writeln!(out, "    crash{ci}_o{oi}([\"{}\"])", lines(&label))?;
        writeln!(
            out,
            "    crash{ci}_o{oi} -- \"{} (open): the other side\" --> crash{ci}_m",
            text(o.op)
        )?;
        red.push(*links);
        *links += 1;
    }
    writeln!(out, "  end")
}

/// `--mode hb`: per scope, the example pairs of accesses no happens-before
/// path orders, as edges between the two accesses.
fn hb(r: &Report, out: &mut dyn Write, links: &mut usize) -> io::Result<()> {
    let Some(hb) = &r.hb else {
        return Ok(());
    };
    writeln!(
        out,
        "  subgraph hb[\"{}\"]",
        text(&format!(
            "happens-before: {} racy event{} at {} location{}",
            hb.racy_events,
            if hb.racy_events == 1 { "" } else { "s" },
            hb.racy_locations,
            if hb.racy_locations == 1 { "" } else { "s" },
        ))
    )?;
    for (i, c) in r.hb_pairs().enumerate() {
        for (tag, s) in [("a", &c.a), ("b", &c.b)] {
            writeln!(out, "    hb{i}_{tag}([\"{}\"])", lines(&c.hb_side_lines(s)))?;
        }
        writeln!(
            out,
            "    hb{i}_a -- \"{}: not ordered\" --> hb{i}_b",
            text(c.kind)
        )?;
        *links += 1;
    }
    writeln!(out, "  end")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        assert_eq!(text("a\"b<c>#\x1b"), "a#quot;b#lt;c#gt;#35;");
    }
}
