//! Lock contention, wait chains and deadlocks.
//!
//! A wait (from `lock_wait`, or `lock_acquired` minus `waited_ns`, to
//! `lock_acquired`) is blamed on every hold of the same lock by another actor
//! whose mode conflicts with the waiter's (exclusive conflicts with all,
//! shared only with exclusive), for the nanoseconds the hold overlaps the
//! wait. Wait time covered by no such hold is the lock's `unattributed_ns`.
//! A wait never acquired blames nothing.
//!
//! Following a blamed holder to what it is itself waiting for during that
//! overlap, transitively, gives wait chains; a chain that comes back to its
//! first waiter while all its intervals still intersect is a cycle in the
//! wait-for relation at that instant: a deadlock. The waits still open at
//! the end of the input form a wait-for graph whose strongly connected
//! components (petgraph) are the goroutines deadlocked when the log ends.

use petgraph::algo::tarjan_scc;
use petgraph::graph::DiGraph;
use rustc_hash::{FxHashMap, FxHashSet};

use super::windows::{Hold, OPEN, Wait};
use crate::event::Mode;
use crate::intern::Sym;

/// Chains longer than this are not followed.
const MAX_CHAIN: usize = 16;
/// Chains reported, longest and costliest first.
const MAX_CHAINS: usize = 20;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockStats {
    pub scope: u32,
    pub lock: Sym,
    pub holds: u64,
    /// Every wait, acquired or not.
    pub waits: u64,
    pub open_waits: u64,
    /// Total time of acquired waits.
    pub wait_ns: i64,
    pub max_wait_ns: i64,
    /// Sum of every blame edge's nanoseconds (concurrent shared holders of
    /// one wait are each blamed in full).
    pub blamed_ns: i64,
    pub unattributed_ns: i64,
    pub max_hold_ns: i64,
}

/// Holder → waiter on one lock.
#[derive(Clone, Debug, Default)]
pub struct Edge {
    pub scope: u32,
    pub lock: Sym,
    pub holder: Sym,
    pub waiter: Sym,
    /// Waits of the waiter that this holder blocked.
    pub waits: u64,
    pub blamed_ns: i64,
    /// The most blamed on this holder in one wait.
    pub max_ns: i64,
    /// Requests (trace ids) of the blocking holds and of the blocked waits.
    pub holder_traces: FxHashSet<Sym>,
    pub waiter_traces: FxHashSet<Sym>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chain {
    pub scope: u32,
    /// First waiter … last holder.
    pub actors: Vec<Sym>,
    /// The lock each actor but the last waits for.
    pub locks: Vec<Sym>,
    /// How long the whole chain stood (to the end of the input when open).
    pub wait_ns: i64,
    pub start: i64,
    /// Where the first waiter's wait was logged.
    pub input: u32,
    pub line: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deadlock {
    pub scope: u32,
    /// The cycle, starting at its smallest actor: each waits for the next.
    pub actors: Vec<Sym>,
    /// The lock each actor waits for.
    pub locks: Vec<Sym>,
    /// When the cycle closed.
    pub at_ns: i64,
    /// Still deadlocked at the end of the input.
    pub open: bool,
    /// Where each actor's wait was logged: (input, line).
    pub sources: Vec<(u32, u32)>,
}

#[derive(Debug, Default)]
pub struct Contention {
    pub locks: Vec<LockStats>,
    pub edges: Vec<Edge>,
    pub chains: Vec<Chain>,
    pub deadlocks: Vec<Deadlock>,
}

/// Intervals sorted by start with the running maximum of their ends, to
/// find the ones overlapping a query without scanning them all.
struct Index {
    items: Vec<u32>,
    starts: Vec<i64>,
    max_end: Vec<i64>,
}

impl Index {
    fn build(mut items: Vec<u32>, span: impl Fn(u32) -> (i64, i64)) -> Index {
        items.sort_unstable_by_key(|&i| (span(i).0, i));
        let starts = items.iter().map(|&i| span(i).0).collect();
        let mut max = i64::MIN;
        let max_end = items
            .iter()
            .map(|&i| {
                max = max.max(span(i).1);
                max
            })
            .collect();
        Index {
            items,
            starts,
            max_end,
        }
    }

    /// Items with `start < to` and `end > from`, as candidates: the caller
    /// checks `end > from` itself.
    fn overlapping(&self, from: i64, to: i64) -> impl Iterator<Item = u32> + '_ {
        let hi = self.starts.partition_point(|&s| s < to);
        (0..hi)
            .rev()
            .take_while(move |&j| self.max_end[j] > from)
            .map(move |j| self.items[j])
    }
}

fn conflicts(a: Mode, b: Mode) -> bool {
    a == Mode::Exclusive || b == Mode::Exclusive
}

/// The end of a possibly open interval, for measuring.
fn close(end: i64, end_of_input: i64) -> i64 {
    if end == OPEN { end_of_input } else { end }
}

struct Ctx<'a> {
    holds: &'a [Hold],
    waits: &'a [Wait],
    by_lock: FxHashMap<(u32, Sym), Index>,
    waits_by_actor: FxHashMap<(u32, Sym), Index>,
    end_of_input: FxHashMap<u32, i64>,
}

impl Ctx<'_> {
    /// Holds that block wait `w` during `[from, to)`: (hold, overlap start, overlap end).
    fn blockers(&self, w: &Wait, from: i64, to: i64) -> Vec<(u32, i64, i64)> {
        let Some(ix) = self.by_lock.get(&(w.scope, w.lock)) else {
            return Vec::new();
        };
        let mut out: Vec<(u32, i64, i64)> = ix
            .overlapping(from, to)
            .filter_map(|h| {
                let hold = &self.holds[h as usize];
                let (s, e) = (hold.start.max(from), hold.end.min(to));
                (hold.actor != w.actor && conflicts(w.mode, hold.mode) && s < e)
                    .then_some((h, s, e))
            })
            .collect();
        out.sort_unstable();
        out
    }

    fn eoi(&self, scope: u32) -> i64 {
        self.end_of_input.get(&scope).copied().unwrap_or(i64::MAX)
    }
}

pub fn analyze(holds: &[Hold], waits: &[Wait]) -> Contention {
    let mut end_of_input: FxHashMap<u32, i64> = FxHashMap::default();
    let mut see = |scope: u32, t: i64| {
        if t != OPEN {
            let e = end_of_input.entry(scope).or_insert(t);
            *e = (*e).max(t);
        }
    };
    for h in holds {
        see(h.scope, h.start);
        see(h.scope, h.end);
    }
    for w in waits {
        see(w.scope, w.start);
        see(w.scope, w.end);
    }
    let mut groups: FxHashMap<(u32, Sym), Vec<u32>> = FxHashMap::default();
    for (i, h) in holds.iter().enumerate() {
        groups.entry((h.scope, h.lock)).or_default().push(i as u32);
    }
    let by_lock = groups
        .into_iter()
        .map(|(k, v)| {
            let ix = Index::build(v, |i| (holds[i as usize].start, holds[i as usize].end));
            (k, ix)
        })
        .collect();
    let mut groups: FxHashMap<(u32, Sym), Vec<u32>> = FxHashMap::default();
    for (i, w) in waits.iter().enumerate() {
        groups.entry((w.scope, w.actor)).or_default().push(i as u32);
    }
    let waits_by_actor = groups
        .into_iter()
        .map(|(k, v)| {
            let ix = Index::build(v, |i| (waits[i as usize].start, waits[i as usize].end));
            (k, ix)
        })
        .collect();
    let ctx = Ctx {
        holds,
        waits,
        by_lock,
        waits_by_actor,
        end_of_input,
    };

    let mut locks: FxHashMap<(u32, Sym), LockStats> = FxHashMap::default();
    for h in holds {
        let s = locks.entry((h.scope, h.lock)).or_insert_with(|| LockStats {
            scope: h.scope,
            lock: h.lock,
            ..LockStats::default()
        });
        s.holds += 1;
        if h.end != OPEN {
            s.max_hold_ns = s.max_hold_ns.max(h.end.saturating_sub(h.start));
        }
    }
    let mut edges: FxHashMap<(u32, Sym, Sym, Sym), Edge> = FxHashMap::default();
    let mut chains: FxHashMap<(u32, Vec<Sym>, Vec<Sym>), Chain> = FxHashMap::default();
    let mut deadlocks: FxHashMap<(u32, Vec<Sym>, Vec<Sym>), Deadlock> = FxHashMap::default();
    for (wi, w) in waits.iter().enumerate() {
        let s = locks.entry((w.scope, w.lock)).or_insert_with(|| LockStats {
            scope: w.scope,
            lock: w.lock,
            ..LockStats::default()
        });
        s.waits += 1;
        if w.end == OPEN {
            s.open_waits += 1;
        } else {
            let dur = w.end.saturating_sub(w.start);
            s.wait_ns = s.wait_ns.saturating_add(dur);
            s.max_wait_ns = s.max_wait_ns.max(dur);
            let blockers = ctx.blockers(w, w.start, w.end);
            let mut per_holder: FxHashMap<Sym, (i64, Vec<Sym>)> = FxHashMap::default();
            let mut spans: Vec<(i64, i64)> = Vec::with_capacity(blockers.len());
            for &(h, a, b) in &blockers {
                let ns = b.saturating_sub(a);
                let hold = &holds[h as usize];
                let e = per_holder.entry(hold.actor).or_default();
                e.0 = e.0.saturating_add(ns);
                e.1.push(hold.trace);
                s.blamed_ns = s.blamed_ns.saturating_add(ns);
                spans.push((a, b));
            }
            spans.sort_unstable();
            let mut covered = 0;
            let mut reach = i64::MIN;
            for (a, b) in spans {
                let a = a.max(reach);
                if b > a {
                    covered = b.saturating_sub(a).saturating_add(covered);
                }
                reach = reach.max(b);
            }
            s.unattributed_ns = s
                .unattributed_ns
                .saturating_add(dur.saturating_sub(covered));
            for (holder, (ns, traces)) in per_holder {
                let e = edges
                    .entry((w.scope, w.lock, holder, w.actor))
                    .or_insert_with(|| Edge {
                        scope: w.scope,
                        lock: w.lock,
                        holder,
                        waiter: w.actor,
                        ..Edge::default()
                    });
                e.waits += 1;
                e.blamed_ns = e.blamed_ns.saturating_add(ns);
                e.max_ns = e.max_ns.max(ns);
                e.holder_traces
                    .extend(traces.into_iter().filter(|t| !t.is_none()));
                if !w.trace.is_none() {
                    e.waiter_traces.insert(w.trace);
                }
            }
        }
        // Chains and cycles, open waits included.
        let mut path = vec![(wi as u32, w.actor)];
        follow(&ctx, &mut path, w.start, w.end, &mut chains, &mut deadlocks);
    }

    // The goroutines deadlocked when the input ends: strongly connected
    // components of the wait-for graph of the waits still open.
    for d in end_of_input_deadlocks(&ctx) {
        let key = (d.scope, d.actors.clone(), d.locks.clone());
        deadlocks.entry(key).or_insert(d).open = true;
    }

    let mut locks: Vec<LockStats> = locks.into_values().collect();
    locks.sort_by_key(|l| (l.scope, l.lock));
    let mut edges: Vec<Edge> = edges.into_values().collect();
    edges.sort_by_key(|e| (e.scope, e.lock, e.holder, e.waiter));
    let mut chains: Vec<Chain> = chains.into_values().collect();
    chains.sort_by(|a, b| {
        (b.actors.len(), b.wait_ns)
            .cmp(&(a.actors.len(), a.wait_ns))
            .then_with(|| (a.scope, &a.actors, &a.locks).cmp(&(b.scope, &b.actors, &b.locks)))
    });
    chains.truncate(MAX_CHAINS);
    let mut deadlocks: Vec<Deadlock> = deadlocks.into_values().collect();
    deadlocks.sort_by(|a, b| (a.scope, a.at_ns, &a.actors).cmp(&(b.scope, b.at_ns, &b.actors)));
    Contention {
        locks,
        edges,
        chains,
        deadlocks,
    }
}

type ChainKey = (u32, Vec<Sym>, Vec<Sym>);

/// Follows the blockers of the last wait on `path` during `[from, to)`.
fn follow(
    ctx: &Ctx<'_>,
    path: &mut Vec<(u32, Sym)>,
    from: i64,
    to: i64,
    chains: &mut FxHashMap<ChainKey, Chain>,
    deadlocks: &mut FxHashMap<ChainKey, Deadlock>,
) {
    let (wi, _) = *path.last().expect("a path starts with a wait");
    let w = &ctx.waits[wi as usize];
    for (h, a, b) in ctx.blockers(w, from, to) {
        let holder = ctx.holds[h as usize].actor;
        let first = &ctx.waits[path[0].0 as usize];
        if holder == first.actor {
            record_cycle(ctx, path, a, b, deadlocks);
            continue;
        }
        if path.iter().any(|(_, actor)| *actor == holder) || path.len() >= MAX_CHAIN {
            continue;
        }
        // What the holder is itself waiting for meanwhile.
        let Some(ix) = ctx.waits_by_actor.get(&(w.scope, holder)) else {
            if path.len() >= 2 {
                record_chain(ctx, path, holder, a, b, chains);
            }
            continue;
        };
        let mut waited = false;
        for w2 in ix.overlapping(a, b) {
            let next = &ctx.waits[w2 as usize];
            let (a2, b2) = (a.max(next.start), b.min(next.end));
            if a2 >= b2 {
                continue;
            }
            waited = true;
            path.push((w2, holder));
            follow(ctx, path, a2, b2, chains, deadlocks);
            path.pop();
        }
        if !waited && path.len() >= 2 {
            record_chain(ctx, path, holder, a, b, chains);
        }
    }
}

fn record_chain(
    ctx: &Ctx<'_>,
    path: &[(u32, Sym)],
    last: Sym,
    from: i64,
    to: i64,
    chains: &mut FxHashMap<ChainKey, Chain>,
) {
    let first = &ctx.waits[path[0].0 as usize];
    let mut actors: Vec<Sym> = path.iter().map(|p| p.1).collect();
    actors.push(last);
    let locks: Vec<Sym> = path.iter().map(|p| ctx.waits[p.0 as usize].lock).collect();
    let ns = close(to, ctx.eoi(first.scope)).saturating_sub(from);
    let c = chains
        .entry((first.scope, actors.clone(), locks.clone()))
        .or_insert_with(|| Chain {
            scope: first.scope,
            actors,
            locks,
            wait_ns: 0,
            start: from,
            input: first.input,
            line: first.line,
        });
    if ns > c.wait_ns {
        c.wait_ns = ns;
        c.start = from;
        c.input = first.input;
        c.line = first.line;
    }
}

fn record_cycle(
    ctx: &Ctx<'_>,
    path: &[(u32, Sym)],
    from: i64,
    to: i64,
    deadlocks: &mut FxHashMap<ChainKey, Deadlock>,
) {
    let scope = ctx.waits[path[0].0 as usize].scope;
    // Rotate so the smallest actor leads: one entry per cycle.
    let k = (0..path.len()).min_by_key(|&i| path[i].1).unwrap_or(0);
    let rot: Vec<(u32, Sym)> = path[k..].iter().chain(&path[..k]).copied().collect();
    let actors: Vec<Sym> = rot.iter().map(|p| p.1).collect();
    let locks: Vec<Sym> = rot.iter().map(|p| ctx.waits[p.0 as usize].lock).collect();
    let sources = rot
        .iter()
        .map(|p| {
            let w = &ctx.waits[p.0 as usize];
            (w.input, w.line)
        })
        .collect();
    let d = deadlocks
        .entry((scope, actors.clone(), locks.clone()))
        .or_insert(Deadlock {
            scope,
            actors,
            locks,
            at_ns: from,
            open: false,
            sources,
        });
    d.at_ns = d.at_ns.min(from);
    d.open |= to == OPEN;
}

/// Cycles among the waits still open at the end: petgraph's SCCs of the
/// graph waiter → holder (open holds of the awaited lock).
fn end_of_input_deadlocks(ctx: &Ctx<'_>) -> Vec<Deadlock> {
    let mut graph: DiGraph<(u32, Sym), u32> = DiGraph::new();
    let mut nodes: FxHashMap<(u32, Sym), petgraph::graph::NodeIndex> = FxHashMap::default();
    let mut node = |g: &mut DiGraph<(u32, Sym), u32>, k: (u32, Sym)| {
        *nodes.entry(k).or_insert_with(|| g.add_node(k))
    };
    let mut open_wait_of: FxHashMap<(u32, Sym), u32> = FxHashMap::default();
    for (wi, w) in ctx.waits.iter().enumerate() {
        if w.end != OPEN {
            continue;
        }
        open_wait_of.insert((w.scope, w.actor), wi as u32);
        for (h, _, b) in ctx.blockers(w, w.start, OPEN) {
            if b != OPEN {
                continue;
            }
            let holder = ctx.holds[h as usize].actor;
            let (x, y) = (
                node(&mut graph, (w.scope, w.actor)),
                node(&mut graph, (w.scope, holder)),
            );
            graph.add_edge(x, y, wi as u32);
        }
    }
    let mut out = Vec::new();
    for scc in tarjan_scc(&graph) {
        if scc.len() < 2 {
            continue;
        }
        let mut members: Vec<(u32, Sym)> = scc.iter().map(|&n| graph[n]).collect();
        members.sort_unstable();
        let scope = members[0].0;
        // A shortest cycle through the smallest member (breadth first inside
        // the component): every member of a strongly connected component
        // lies on one, and each step is a real wait-for edge.
        let start = nodes[&members[0]];
        let mut parent: FxHashMap<petgraph::graph::NodeIndex, petgraph::graph::NodeIndex> =
            FxHashMap::default();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut last = None;
        while let Some(u) = queue.pop_front() {
            let mut next: Vec<_> = graph.neighbors(u).filter(|n| scc.contains(n)).collect();
            next.sort_by_key(|n| graph[*n]);
            next.dedup();
            if next.contains(&start) {
                last = Some(u);
                break;
            }
            for v in next {
                if v != start && !parent.contains_key(&v) {
                    parent.insert(v, u);
                    queue.push_back(v);
                }
            }
        }
        let Some(mut cur) = last else { continue };
        let mut path = vec![cur];
        while cur != start {
            cur = parent[&cur];
            path.push(cur);
        }
        path.reverse();
        let actors: Vec<Sym> = path.iter().map(|n| graph[*n].1).collect();
        let waits: Vec<&Wait> = actors
            .iter()
            .filter_map(|a| open_wait_of.get(&(scope, *a)))
            .map(|&i| &ctx.waits[i as usize])
            .collect();
        out.push(Deadlock {
            scope,
            locks: waits.iter().map(|w| w.lock).collect(),
            at_ns: waits.iter().map(|w| w.start).max().unwrap_or(0),
            open: true,
            sources: waits.iter().map(|w| (w.input, w.line)).collect(),
            actors,
        });
    }
    out
}
