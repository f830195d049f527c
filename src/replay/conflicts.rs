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
//! counts its arrivals (per actor too), and an arriving window notes those
//! counters; when it leaves, their growth is how many later windows it
//! conflicted with. What a window's pairs show (actors, traces, first and
//! last) is added up as they are counted, so nothing of the sweep outlives
//! the active windows but the sites. Counts are exact, the cost is
//! O(n · (classes + log n)), and only `examples` pairs per conflict site are
//! ever materialised.
//!
//! A class also carries whether its windows are uncertain (incomplete
//! evidence) and the rate they were sampled at: a pair with an uncertain
//! side counts in an *unconfirmed* site, and sites keep their pairs per
//! pair of rates for the estimate of access-sampled logs. Logs without
//! either have exactly the classes they had before.

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
    /// A side of every pair is uncertain: not a finding.
    pub unconfirmed: bool,
    /// Pairs per pair of rate indices (side 0's, side 1's), when the
    /// accesses log a sampling rate.
    pub rated: Vec<((u8, u8), u64)>,
    /// With rates: per key, the pairs its accesses take part in (a pair of
    /// one key counts twice), sorted — the spread of the estimate.
    pub key_spread: Vec<u64>,
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
    /// Confirmed pairs.
    pub fn total_pairs(&self) -> u64 {
        self.sites
            .iter()
            .filter(|s| !s.unconfirmed)
            .map(|s| s.pairs)
            .sum()
    }

    /// Pairs with an uncertain side.
    pub fn unconfirmed_pairs(&self) -> u64 {
        self.sites
            .iter()
            .filter(|s| s.unconfirmed)
            .map(|s| s.pairs)
            .sum()
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
    find_grouped(accesses, locksets, opts, false)
}

/// The conflicting pairs whose two accesses have the same key, per site
/// (one entry per key and site): what an access-sampled log's estimate
/// weighs differently, since one key is kept or dropped as a whole.
pub fn find_same_key(accesses: &[Access], locksets: &Locksets, opts: SweepOptions) -> Conflicts {
    find_grouped(accesses, locksets, opts, true)
}

fn find_grouped(
    accesses: &[Access],
    locksets: &Locksets,
    opts: SweepOptions,
    by_key: bool,
) -> Conflicts {
    let key = |i: &u32| {
        let a = &accesses[*i as usize];
        let nonzero = a.end.saturating_add(opts.slack) > a.start;
        (a.start, nonzero, a.input, a.line)
    };
    // Accesses come from the replay in start order, so each group is
    // usually in sweep order already: grouping is one pass, and only a
    // group found out of order is sorted.
    let mut ids: FxHashMap<(u32, Sym, Sym), usize> = FxHashMap::default();
    let mut groups: Vec<((u32, Sym, Sym), Vec<u32>)> = Vec::new();
    for (i, a) in accesses.iter().enumerate() {
        let k = (a.scope, a.object, if by_key { a.key } else { Sym::NONE });
        let g = *ids.entry(k).or_insert_with(|| {
            groups.push((k, Vec::new()));
            groups.len() - 1
        });
        groups[g].1.push(i as u32);
    }
    drop(ids);
    groups.sort_unstable_by_key(|(k, _)| *k);
    groups.par_iter_mut().for_each(|(_, g)| {
        if !g.is_sorted_by_key(key) {
            g.sort_unstable_by_key(key);
        }
    });
    let groups: Vec<&[u32]> = groups.iter().map(|(_, g)| g.as_slice()).collect();
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

/// What besides site and lock set tells classes apart: uncertainty and rate.
type Tag = (bool, u8);

struct Class {
    site: u32,
    lockset: u32,
    tag: Tag,
    active: u32,
    /// Windows of the class that have arrived.
    arrived: u64,
    /// Per actor: (active windows, windows arrived).
    by_actor: FxHashMap<Sym, (u32, u64)>,
    /// Active windows in arrival order, with departed ones removed lazily.
    members: Vec<u32>,
    departed: usize,
}

/// Pairs of one site pair, accumulated during the sweep, with what the
/// windows that take part in them show.
struct SiteAcc {
    pairs: u64,
    examples: Vec<(u32, u32)>,
    /// Per (rate of the lower site's side, of the other's).
    rated: FxHashMap<(u8, u8), u64>,
    actors: FxHashSet<Sym>,
    traces: FxHashSet<Sym>,
    first: i64,
    last: i64,
}

/// A site pair, lower site first, and whether it is unconfirmed.
type PairKey = ((u32, u32), bool);

/// An active window: its class and, per compatible class that existed when
/// it arrived, that class's arrivals then (all, and its own actor's), so
/// that when it leaves the windows that arrived during its life are a
/// difference of counters.
struct Live {
    class: u32,
    snap: Vec<(u32, u64, u64)>,
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
    class_ids: FxHashMap<(u32, u32, Tag), u32>,
    /// `compat[i][j]`: windows of classes i and j can conflict.
    compat: Vec<Vec<bool>>,
    gone: Vec<bool>,
    pairs: FxHashMap<PairKey, SiteAcc>,
    /// The group has sampling rates: pairs are also counted per key.
    rated: bool,
    /// Per (site pair, key): the pairs its accesses take part in.
    spread: FxHashMap<(PairKey, Sym), u64>,
    actors: FxHashMap<Sym, ActorStats>,
    /// Slots of active windows, and the free ones.
    live: Vec<Live>,
    free: Vec<u32>,
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
            gone: vec![false; idx.len()],
            pairs: FxHashMap::default(),
            rated: idx.iter().any(|&i| acc[i as usize].rate != 0),
            spread: FxHashMap::default(),
            actors: FxHashMap::default(),
            live: Vec::new(),
            free: Vec::new(),
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
        let tag = (a.uncertain, a.rate);
        if let Some(&c) = self.class_ids.get(&(site, a.lockset, tag)) {
            return c;
        }
        let c = self.classes.len() as u32;
        self.classes.push(Class {
            site,
            lockset: a.lockset,
            tag,
            active: 0,
            arrived: 0,
            by_actor: FxHashMap::default(),
            members: Vec::new(),
            departed: 0,
        });
        self.class_ids.insert((site, a.lockset, tag), c);
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
        // (end + slack, sweep position, live slot)
        let mut heap: BinaryHeap<Reverse<(i64, u32, u32)>> = BinaryHeap::new();
        for pos in 0..n {
            let a = self.access(pos);
            while let Some(&Reverse((end, b, slot))) = heap.peek() {
                if end > a.start {
                    break;
                }
                heap.pop();
                self.leave(b, slot);
            }
            let c = self.class_for(a);
            self.arrive(pos, c);
            let class = &mut self.classes[c as usize];
            class.active += 1;
            class.arrived += 1;
            let mine = class.by_actor.entry(a.actor).or_default();
            mine.0 += 1;
            mine.1 += 1;
            class.members.push(pos);
            let snap = self.compat[c as usize]
                .iter()
                .enumerate()
                .filter(|&(_, &ok)| ok)
                .map(|(k, _)| {
                    let class = &self.classes[k];
                    let same = class.by_actor.get(&a.actor).map_or(0, |v| v.1);
                    (k as u32, class.arrived, same)
                })
                .collect();
            let live = Live { class: c, snap };
            let slot = match self.free.pop() {
                Some(s) => {
                    self.live[s as usize] = live;
                    s
                }
                None => {
                    self.live.push(live);
                    self.live.len() as u32 - 1
                }
            };
            heap.push(Reverse((a.end.saturating_add(self.opts.slack), pos, slot)));
        }
        while let Some(Reverse((_, b, slot))) = heap.pop() {
            self.leave(b, slot);
        }
        self.finish()
    }

    /// Counts the active windows `pos` conflicts with, per partner class.
    fn arrive(&mut self, pos: u32, c: u32) {
        let a = self.access(pos);
        let (my_site, my_tag) = {
            let me = &self.classes[c as usize];
            (me.site, me.tag)
        };
        for k in 0..self.classes.len() {
            let class = &self.classes[k];
            if class.active == 0 || !self.compat[c as usize][k] {
                continue;
            }
            let same = class.by_actor.get(&a.actor).map_or(0, |v| v.0);
            let n = (class.active - same) as u64;
            if n == 0 {
                continue;
            }
            let (partner, partner_tag) = (class.site, class.tag);
            let unconfirmed = my_tag.0 || partner_tag.0;
            let key = (ordered(my_site, partner), unconfirmed);
            let want = self.opts.examples;
            let site_acc = self.pairs.entry(key).or_insert_with(|| SiteAcc {
                pairs: 0,
                examples: Vec::new(),
                rated: FxHashMap::default(),
                actors: FxHashSet::default(),
                traces: FxHashSet::default(),
                first: i64::MAX,
                last: i64::MIN,
            });
            site_acc.pairs += n;
            if my_tag.1 != 0 || partner_tag.1 != 0 {
                let rates = rates_in_order(my_site, my_tag.1, partner, partner_tag.1);
                *site_acc.rated.entry(rates).or_default() += n;
            }
            if site_acc.examples.len() < want {
                for &b in &self.classes[k].members {
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
            self.took_part(a, key, n);
        }
    }

    /// Removes `pos` from the active set, counting the windows that arrived
    /// while it was active and conflict with it.
    fn leave(&mut self, pos: u32, slot: u32) {
        let a = self.access(pos);
        let Live { class: c, snap } = std::mem::replace(
            &mut self.live[slot as usize],
            Live {
                class: 0,
                snap: Vec::new(),
            },
        );
        self.free.push(slot);
        let c = c as usize;
        let mine = self.classes[c].tag.0;
        let my_site = self.classes[c].site;
        let mut snap = snap.into_iter().peekable();
        for k in 0..self.classes.len() {
            if !self.compat[c][k] {
                continue;
            }
            // A class made after `pos` arrived has all its arrivals after it.
            let (then, then_same) = match snap.next_if(|s| s.0 as usize == k) {
                Some((_, all, same)) => (all, same),
                None => (0, 0),
            };
            let class = &self.classes[k];
            let total = class.arrived - then;
            if total == 0 {
                continue;
            }
            let same = class.by_actor.get(&a.actor).map_or(0, |v| v.1) - then_same;
            if total > same {
                let key = (ordered(my_site, class.site), mine || class.tag.0);
                self.took_part(a, key, total - same);
            }
        }
        let class = &mut self.classes[c];
        class.active -= 1;
        if let Some(v) = class.by_actor.get_mut(&a.actor) {
            v.0 -= 1;
        }
        self.gone[pos as usize] = true;
        class.departed += 1;
        if class.departed > 64 && class.departed * 2 > class.members.len() {
            let gone = &self.gone;
            class.members.retain(|&m| !gone[m as usize]);
            class.departed = 0;
        }
    }

    /// `a` takes part in `n` pairs of the site pair `key`.
    fn took_part(&mut self, a: &Access, key: PairKey, n: u64) {
        let s = self
            .pairs
            .get_mut(&key)
            .expect("a window takes part only in counted site pairs");
        s.actors.insert(a.actor);
        if !a.trace.is_none() {
            s.traces.insert(a.trace);
        }
        s.first = s.first.min(a.start);
        s.last = s.last.max(a.start);
        if self.rated {
            *self.spread.entry((key, a.key)).or_default() += n;
        }
        if key.1 {
            return;
        }
        let first = self.access(0);
        let st = self.actors.entry(a.actor).or_insert_with(|| ActorStats {
            scope: first.scope,
            object: first.object,
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

    fn finish(self) -> Conflicts {
        let first = self.access(0);
        let (scope, object) = (first.scope, first.object);
        let mut stats: FxHashMap<PairKey, SiteStats> = FxHashMap::default();
        for (key, acc) in self.pairs {
            let ((k0, k1), unconfirmed) = key;
            let (s0, s1) = (self.sites[k0 as usize], self.sites[k1 as usize]);
            let sides = if s0 <= s1 { [s0, s1] } else { [s1, s0] };
            let mut rated: Vec<((u8, u8), u64)> = acc
                .rated
                .into_iter()
                .map(|((r0, r1), n)| {
                    if s0 <= s1 {
                        ((r0, r1), n)
                    } else {
                        ((r1, r0), n)
                    }
                })
                .collect();
            rated.sort_unstable();
            stats.insert(
                key,
                SiteStats {
                    scope,
                    object,
                    sides,
                    kind: ConflictKind::of(s0.0, s1.0),
                    pairs: acc.pairs,
                    actors: acc.actors,
                    traces: acc.traces,
                    first: acc.first,
                    last: acc.last,
                    examples: acc.examples,
                    unconfirmed,
                    rated,
                    key_spread: Vec::new(),
                },
            );
        }
        for ((site, _), n) in self.spread {
            let s = stats.get_mut(&site).expect("counted");
            // Only the pairs of a site with rates make an estimate.
            if !s.rated.is_empty() {
                s.key_spread.push(n);
            }
        }
        for s in stats.values_mut() {
            s.key_spread.sort_unstable();
        }
        // Each pair was counted once per side in `actors`; the per-actor
        // figure is "pairs that include one of this actor's windows".
        Conflicts {
            sites: stats.into_values().collect(),
            actors: self.actors.into_values().collect(),
        }
    }
}

/// The rates of a pair in the order of its sites (lower site first; for one
/// site with itself, lower rate first).
fn rates_in_order(site_a: u32, rate_a: u8, site_b: u32, rate_b: u8) -> (u8, u8) {
    if site_a < site_b || (site_a == site_b && rate_a <= rate_b) {
        (rate_a, rate_b)
    } else {
        (rate_b, rate_a)
    }
}

fn ordered(a: u32, b: u32) -> (u32, u32) {
    if a <= b { (a, b) } else { (b, a) }
}
