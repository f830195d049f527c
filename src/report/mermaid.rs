//! `--format mermaid`: a Mermaid flowchart, the notation postmortem
//! documents embed. Per scope: goroutines and maps, conflict edges
//! (`goroutine -- "write: 27 pairs" --> map`), wait edges
//! (`holder -. "carts.mu 3.84ms" .-> waiter`), wait chains as paths
//! (`A[g1 acquire L] --> B[g2 wait 128ms]`) and deadlock cycles in red. A
//! map a static check flagged a conflict site of says which.

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
        for l in red {
            writeln!(out, "  linkStyle {l} stroke:#d00,stroke-width:3px")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_escaped() {
        assert_eq!(text("a\"b<c>#\x1b"), "a#quot;b#lt;c#gt;#35;");
    }
}
