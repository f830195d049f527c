//! Conflicting pairs, counted without enumerating them.
//!
//! Two accesses conflict when they touch the same object in the same scope,
//! come from different actors, at least one writes, their windows overlap
//! strictly (`a.start < b.end + slack && b.start < a.end + slack`), and no
//! common lock with an exclusive hold protects both.
//!
//! Per (scope, object), windows are swept in start order. Active windows are
//! aggregated by *class* — (site, lock set), where a site is (op, caller) —
//! with per-actor counts, so an arriving window learns how many earlier
//! windows of each class it conflicts with in O(classes). Each class also
//! records its arrivals (per actor too); when a window leaves, the arrivals
//! during its life tell how many later windows it conflicted with. Counts are
//! exact, the cost is O(n · classes · log n), and only `examples` pairs per
//! conflict site are ever materialised.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap};

use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use super::locksets::Locksets;
use super::windows::Access;
use crate::event::Op;
use crate::intern::Sym;

/// The conflict kind of a site pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConflictKind {
    WriteWrite,
    ReadWrite,
    RangeWrite,
}

impl ConflictKind {
    pub fn of(a: Op, b: Op) -> ConflictKind {
        if a.is_write() && b.is_write() {
            ConflictKind::WriteWrite
        } else if a == Op::Range || b == Op::Range {
            ConflictKind::RangeWrite
        } else {
            ConflictKind::ReadWrite
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ConflictKind::WriteWrite => "write/write",
            ConflictKind::ReadWrite => "read/write",
            ConflictKind::RangeWrite => "range/write",
        }
    }
}

/// One side of a conflict site: (op, caller).
pub type Site = (Op, Sym);

/// A conflict site: every conflicting pair between two sites on one object.
#[derive(Debug)]
pub struct SiteStats {
    pub scope: u32,
    pub object: Sym,
    /// The two sides, `sides[0] <= sides[1]`.
    pub sides: [Site; 2],
    pub kind: ConflictKind,
    pub pairs: u64,
    pub actors: FxHashSet<Sym>,
    pub traces: FxHashSet<Sym>,
    /// Earliest and latest start among the site's conflicting windows.
    pub first: i64,
    pub last: i64,
    /// Example pairs as access indices, earlier window first.
    pub examples: Vec<(u32, u32)>,
}

/// What one actor's windows on one object took part in.
#[derive(Debug)]
pub struct ActorStats {
    pub scope: u32,
    pub object: Sym,
    pub actor: Sym,
    /// Conflicting pairs that include one of the actor's windows.
    pub pairs: u64,
    pub ops: BTreeSet<Op>,
    pub traces: FxHashSet<Sym>,
}

#[derive(Debug, Default)]
pub struct Conflicts {
    pub sites: Vec<SiteStats>,
    pub actors: Vec<ActorStats>,
}

impl Conflicts {
    pub fn total_pairs(&self) -> u64 {
        self.sites.iter().map(|s| s.pairs).sum()
    }
}

#[derive(Clone, Copy, Debug)]
pub struct SweepOptions {
    pub slack: i64,
    pub examples: usize,
}

impl Default for SweepOptions {
    /// The CLI's defaults: no slack, three examples per site.
    fn default() -> Self {
        SweepOptions {
            slack: 0,
            examples: 3,
        }
    }
}

/// Finds the conflicts among `accesses` (with their lock sets assigned).
pub fn find(accesses: &[Access], locksets: &Locksets, opts: SweepOptions) -> Conflicts {
    let mut order: Vec<u32> = (0..accesses.len() as u32).collect();
    let key = |i: &u32| {
        let a = &accesses[*i as usize];
        let nonzero = a.end.saturating_add(opts.slack) > a.start;
        (a.scope, a.object, a.start, nonzero, a.input, a.line)
    };
    order.par_sort_unstable_by_key(key);
    let groups: Vec<&[u32]> = order
        .chunk_by(|x, y| {
            let (a, b) = (&accesses[*x as usize], &accesses[*y as usize]);
            (a.scope, a.object) == (b.scope, b.object)
        })
        .collect();
    let parts: Vec<Conflicts> = groups
        .par_iter()
        .map(|g| Sweep::new(accesses, g, locksets, opts).run())
        .collect();
    let mut out = Conflicts::default();
    for p in parts {
        out.sites.extend(p.sites);
        out.actors.extend(p.actors);
    }
    out
}

struct Class {
    site: u32,
    lockset: u32,
    active: u32,
    active_by_actor: FxHashMap<Sym, u32>,
    /// Active windows in arrival order, with departed ones removed lazily.
    members: Vec<u32>,
    departed: usize,
    arrivals: Vec<u32>,
    arrivals_by_actor: FxHashMap<Sym, Vec<u32>>,
}

/// Pairs of one site pair, accumulated during the sweep.
struct SiteAcc {
    pairs: u64,
    examples: Vec<(u32, u32)>,
}

struct Sweep<'a> {
    acc: &'a [Access],
    /// Global access index by sweep position.
    idx: &'a [u32],
    locksets: &'a Locksets,
    opts: SweepOptions,
    sites: Vec<Site>,
    site_ids: FxHashMap<Site, u32>,
    classes: Vec<Class>,
    class_ids: FxHashMap<(u32, u32), u32>,
    /// `compat[i][j]`: windows of classes i and j can conflict.
    compat: Vec<Vec<bool>>,
    class_of: Vec<u32>,
    gone: Vec<bool>,
    pairs: FxHashMap<(u32, u32), SiteAcc>,
    /// (sweep position, partner site, partner count)
    partners: Vec<(u32, u32, u64)>,
}

impl<'a> Sweep<'a> {
    fn new(acc: &'a [Access], idx: &'a [u32], locksets: &'a Locksets, opts: SweepOptions) -> Self {
        Sweep {
            acc,
            idx,
            locksets,
            opts,
            sites: Vec::new(),
            site_ids: FxHashMap::default(),
            classes: Vec::new(),
            class_ids: FxHashMap::default(),
            compat: Vec::new(),
            class_of: Vec::with_capacity(idx.len()),
            gone: vec![false; idx.len()],
            pairs: FxHashMap::default(),
            partners: Vec::new(),
        }
    }

    fn access(&self, pos: u32) -> &'a Access {
        &self.acc[self.idx[pos as usize] as usize]
    }

    fn class_for(&mut self, a: &Access) -> u32 {
        let site = (a.op, a.caller);
        let next = self.sites.len() as u32;
        let site = *self.site_ids.entry(site).or_insert_with(|| {
            self.sites.push(site);
            next
        });
        if let Some(&c) = self.class_ids.get(&(site, a.lockset)) {
            return c;
        }
        let c = self.classes.len() as u32;
        self.classes.push(Class {
            site,
            lockset: a.lockset,
            active: 0,
            active_by_actor: FxHashMap::default(),
            members: Vec::new(),
            departed: 0,
            arrivals: Vec::new(),
            arrivals_by_actor: FxHashMap::default(),
        });
        self.class_ids.insert((site, a.lockset), c);
        let write = |k: &Class, sites: &[Site]| sites[k.site as usize].0.is_write();
        let new = &self.classes[c as usize];
        let row: Vec<bool> = self
            .classes
            .iter()
            .map(|k| {
                (write(k, &self.sites) || write(new, &self.sites))
                    && !self.locksets.protects(k.lockset, new.lockset)
            })
            .collect();
        for (i, r) in self.compat.iter_mut().enumerate() {
            r.push(row[i]);
        }
        self.compat.push(row);
        c
    }

    fn run(mut self) -> Conflicts {
        let n = self.idx.len() as u32;
        let mut heap: BinaryHeap<Reverse<(i64, u32)>> = BinaryHeap::new();
        for pos in 0..n {
            let a = self.access(pos);
            while let Some(&Reverse((end, b))) = heap.peek() {
                if end > a.start {
                    break;
                }
                heap.pop();
                self.leave(b);
            }
            let c = self.class_for(a);
            self.class_of.push(c);
            self.arrive(pos, c);
            let class = &mut self.classes[c as usize];
            class.active += 1;
            *class.active_by_actor.entry(a.actor).or_default() += 1;
            class.members.push(pos);
            class.arrivals.push(pos);
            class
                .arrivals_by_actor
                .entry(a.actor)
                .or_default()
                .push(pos);
            heap.push(Reverse((a.end.saturating_add(self.opts.slack), pos)));
        }
        while let Some(Reverse((_, b))) = heap.pop() {
            self.leave(b);
        }
        self.finish()
    }

    /// Counts the active windows `pos` conflicts with, per partner class.
    fn arrive(&mut self, pos: u32, c: u32) {
        let a = self.access(pos);
        let my_site = self.classes[c as usize].site;
        for k in 0..self.classes.len() {
            let class = &self.classes[k];
            if class.active == 0 || !self.compat[c as usize][k] {
                continue;
            }
            let same = class.active_by_actor.get(&a.actor).copied().unwrap_or(0);
            let n = (class.active - same) as u64;
            if n == 0 {
                continue;
            }
            let key = ordered(my_site, class.site);
            let want = self.opts.examples;
            let site_acc = self.pairs.entry(key).or_insert(SiteAcc {
                pairs: 0,
                examples: Vec::new(),
            });
            site_acc.pairs += n;
            if site_acc.examples.len() < want {
                for &b in &class.members {
                    if site_acc.examples.len() >= want {
                        break;
                    }
                    if self.gone[b as usize] {
                        continue;
                    }
                    let bi = self.idx[b as usize];
                    if self.acc[bi as usize].actor != a.actor {
                        site_acc.examples.push((bi, self.idx[pos as usize]));
                    }
                }
            }
            self.partners.push((pos, class.site, n));
        }
    }

    /// Removes `pos` from the active set, counting the windows that arrived
    /// while it was active and conflict with it.
    fn leave(&mut self, pos: u32) {
        let a = self.access(pos);
        let c = self.class_of[pos as usize] as usize;
        for k in 0..self.classes.len() {
            if !self.compat[c][k] {
                continue;
            }
            let class = &self.classes[k];
            let after = |v: &[u32]| (v.len() - v.partition_point(|&x| x <= pos)) as u64;
            let total = after(&class.arrivals);
            if total == 0 {
                continue;
            }
            let same = class
                .arrivals_by_actor
                .get(&a.actor)
                .map_or(0, |v| after(v));
            if total > same {
                self.partners.push((pos, class.site, total - same));
            }
        }
        let class = &mut self.classes[c];
        class.active -= 1;
        if let Some(v) = class.active_by_actor.get_mut(&a.actor) {
            *v -= 1;
        }
        self.gone[pos as usize] = true;
        class.departed += 1;
        if class.departed > 64 && class.departed * 2 > class.members.len() {
            let gone = &self.gone;
            class.members.retain(|&m| !gone[m as usize]);
            class.departed = 0;
        }
    }

    fn finish(mut self) -> Conflicts {
        let first = self.access(0);
        let (scope, object) = (first.scope, first.object);
        let mut stats: FxHashMap<(u32, u32), SiteStats> = FxHashMap::default();
        for (key, acc) in self.pairs.drain() {
            let (s0, s1) = (self.sites[key.0 as usize], self.sites[key.1 as usize]);
            let sides = if s0 <= s1 { [s0, s1] } else { [s1, s0] };
            stats.insert(
                key,
                SiteStats {
                    scope,
                    object,
                    sides,
                    kind: ConflictKind::of(s0.0, s1.0),
                    pairs: acc.pairs,
                    actors: FxHashSet::default(),
                    traces: FxHashSet::default(),
                    first: i64::MAX,
                    last: i64::MIN,
                    examples: acc.examples,
                },
            );
        }
        let mut actors: FxHashMap<Sym, ActorStats> = FxHashMap::default();
        self.partners.sort_unstable();
        for group in self.partners.chunk_by(|x, y| (x.0, x.1) == (y.0, y.1)) {
            let (pos, partner, _) = group[0];
            let n: u64 = group.iter().map(|g| g.2).sum();
            let a = self.access(pos);
            let my_site = self.classes[self.class_of[pos as usize] as usize].site;
            let s = stats
                .get_mut(&ordered(my_site, partner))
                .expect("a partner count implies a counted site pair");
            s.actors.insert(a.actor);
            if !a.trace.is_none() {
                s.traces.insert(a.trace);
            }
            s.first = s.first.min(a.start);
            s.last = s.last.max(a.start);
            let st = actors.entry(a.actor).or_insert_with(|| ActorStats {
                scope,
                object,
                actor: a.actor,
                pairs: 0,
                ops: BTreeSet::new(),
                traces: FxHashSet::default(),
            });
            st.pairs += n;
            st.ops.insert(a.op);
            if !a.trace.is_none() {
                st.traces.insert(a.trace);
            }
        }
        // Each pair was counted once per side in `actors`; the per-actor
        // figure is "pairs that include one of this actor's windows".
        Conflicts {
            sites: stats.into_values().collect(),
            actors: actors.into_values().collect(),
        }
    }
}

fn ordered(a: u32, b: u32) -> (u32, u32) {
    if a <= b { (a, b) } else { (b, a) }
}
