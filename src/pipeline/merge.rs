//! Merge: the parsed chunks, in chunk order, become one run — per-input
//! accounting and diagnostics, chunk interners absorbed into one, scopes
//! assigned, runtime blocks and sampler signatures gathered — then every
//! chunk's events are renumbered into the run's ids in parallel. The chunks
//! stay apart: each is sorted on its own and [`InOrder`] replays them as one
//! run, freeing each as it is used up.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::ingest::{Ingested, Job};
use super::{Diagnostics, InputStats, ScopeKey, Settings};
use crate::event::Event;
use crate::formats::ChunkOut;
use crate::formats::goruntime::dump::Dump;
use crate::formats::goruntime::race::RaceBlock;
use crate::intern::{Interner, Sym};
use crate::replay::lossy::PackedTimes;
use crate::source::Input;

/// Times of one (scope, level, message), the first input that had it; kept
/// as each chunk's piece, packed, and unpacked one series at a time when
/// the lossy intervals are worked out.
pub type MessageTimes = FxHashMap<(ScopeKey, u64), (u32, Vec<PackedTimes>)>;
/// Numeric pairing ids per scope: (first input, min, max, count).
pub type PairIds = FxHashMap<ScopeKey, (u32, u64, u64, u64)>;

/// One run's events and what came with them.
pub struct Merged<'a> {
    pub interner: Interner<'a>,
    pub scopes: Vec<ScopeKey>,
    pub scope_ids: FxHashMap<ScopeKey, u32>,
    /// The events of each chunk that has any, in input and line order
    /// until [`Merged::sort`].
    pub chunks: Vec<Vec<Event>>,
    pub races: Vec<(u32, RaceBlock)>,
    pub dumps: Vec<(u32, Dump)>,
    pub dump_scopes: Vec<Option<u32>>,
    /// The run's sampling rates in parts per million.
    pub rates: Vec<u32>,
    pub messages: MessageTimes,
    pub pair_ids: PairIds,
}

/// How one chunk's events are renumbered into the run's ids.
struct Renumbering {
    /// Global rate index of each chunk-local one (index 0 stays 0).
    rates: Vec<u8>,
    /// Lines of the input before the chunk.
    base: u32,
    input: usize,
    /// Global symbol of each chunk-local symbol.
    remap: Vec<Sym>,
    /// Scope of events without process fields.
    plain: u32,
    /// Scope of each chunk-local process-field symbol.
    fielded: Vec<(Sym, u32)>,
}

/// Merges the chunks of `ing` (whose accounting lands in `ing.stats`; its
/// chunks are used up).
pub fn merge<'a>(
    inputs: &'a [Input],
    settings: &Settings,
    ing: &mut Ingested<'a>,
    diags: &mut Diagnostics,
) -> Merged<'a> {
    let mut merger = Merger::new(inputs.len());
    let outs = std::mem::take(&mut ing.outs);
    // Kept per chunk: one vector of them all would double them for a while.
    let chunks = merger.add(inputs, settings, &mut ing.stats, &ing.jobs, outs, diags);
    let mut m = merger.finish();
    m.chunks = chunks.into_iter().filter(|c| !c.is_empty()).collect();
    m
}

/// Merges parsed chunks as they come, in input and byte order.
pub struct Merger<'a> {
    m: Merged<'a>,
    /// Per input: its lines in the chunks merged so far, and the scope of
    /// its last event.
    line_base: Vec<u32>,
    last_scope: Vec<Option<u32>>,
    /// Dumps (indices into `m.dumps`) with no event before them in their
    /// input: the input's next event gives their scope.
    waiting: Vec<usize>,
}

impl<'a> Merger<'a> {
    pub fn new(inputs: usize) -> Merger<'a> {
        Merger {
            m: Merged {
                interner: Interner::new(),
                scopes: Vec::new(),
                scope_ids: FxHashMap::default(),
                chunks: Vec::new(),
                races: Vec::new(),
                dumps: Vec::new(),
                dump_scopes: Vec::new(),
                rates: Vec::new(),
                messages: FxHashMap::default(),
                pair_ids: FxHashMap::default(),
            },
            line_base: vec![0; inputs],
            last_scope: vec![None; inputs],
            waiting: Vec::new(),
        }
    }

    /// Takes the parse `outs` of `jobs` (the next chunks, in order): their
    /// accounting lands in `stats`, their ids become the run's; returns each
    /// chunk's events, renumbered, in line order.
    pub fn add(
        &mut self,
        inputs: &'a [Input],
        settings: &Settings,
        stats: &mut [InputStats],
        jobs: &[Job],
        mut outs: Vec<ChunkOut<'a>>,
        diags: &mut Diagnostics,
    ) -> Vec<Vec<Event>> {
        let mut plans = Vec::with_capacity(outs.len());
        let mut dumps = Vec::with_capacity(outs.len());
        for ((n, _), out) in jobs.iter().zip(outs.iter_mut()) {
            let n = *n as usize;
            let base = self.line_base[n];
            self.line_base[n] += out.lines;
            account(&mut stats[n], n as u32, out, &inputs[n], base, diags);
            let from = self.m.dumps.len();
            plans.push(
                self.m
                    .absorb(out, n, base, &inputs[n], settings.one_process),
            );
            dumps.push(from..self.m.dumps.len());
        }
        renumber(&mut outs, &plans, inputs);
        drop(plans);
        // The rest of each chunk's parse is spent: it goes now.
        let chunks: Vec<Vec<Event>> = outs.into_iter().map(|out| out.events).collect();
        self.m.dump_scopes.resize(self.m.dumps.len(), None);
        for (((n, _), events), dumps) in jobs.iter().zip(&chunks).zip(dumps) {
            self.dump_scopes(*n, events, dumps);
        }
        chunks
    }

    /// The process of each dump of a chunk: that of the records just before
    /// it in its input (zap and the runtime share stderr), else just after.
    /// `events` are the chunk's, in line order.
    fn dump_scopes(&mut self, input: u32, events: &[Event], dumps: std::ops::Range<usize>) {
        if let Some(first) = events.first() {
            let m = &mut self.m;
            self.waiting.retain(|&i| {
                let mine = m.dumps[i].0 == input;
                if mine {
                    m.dump_scopes[i] = Some(first.scope);
                }
                !mine
            });
        }
        for i in dumps {
            let line = self.m.dumps[i].1.line;
            let at = events.partition_point(|e| e.line < line);
            let before = at.checked_sub(1).map(|j| events[j].scope);
            let after = events.get(at).map(|e| e.scope);
            match before.or(self.last_scope[input as usize]).or(after) {
                Some(scope) => self.m.dump_scopes[i] = Some(scope),
                None => self.waiting.push(i),
            }
        }
        if let Some(last) = events.last() {
            self.last_scope[input as usize] = Some(last.scope);
        }
    }

    /// The run merged so far (its `chunks` empty: [`Merger::add`] gave them).
    pub fn finish(self) -> Merged<'a> {
        self.m
    }
}

/// A chunk's figures and diagnostics, added to its input's.
fn account(
    st: &mut InputStats,
    n: u32,
    out: &mut ChunkOut<'_>,
    input: &Input,
    base: u32,
    diags: &mut Diagnostics,
) {
    st.lines += out.lines as u64;
    st.records += out.records;
    st.context += out.context;
    st.parse_errors += out.parse_errors;
    st.structured += out.structured;
    st.access_records += out.access_records;
    st.formats.insert(out.formats);
    let kept = out.diags.len() as u64;
    diags.unkept((out.parse_errors + out.warnings).saturating_sub(kept));
    for d in out.diags.drain(..) {
        let line = input.original_line(base + d.line);
        diags.line(n, line, d.col, d.severity, d.message);
    }
}

impl<'a> Merged<'a> {
    fn scope_of(&mut self, key: ScopeKey) -> u32 {
        match self.scope_ids.get(&key) {
            Some(&id) => id,
            None => {
                let id = self.scopes.len() as u32;
                self.scopes.push(key.clone());
                self.scope_ids.insert(key, id);
                id
            }
        }
    }

    /// Takes a chunk's symbols, blocks and sampler signatures into the run;
    /// returns how its events are to be renumbered.
    fn absorb(
        &mut self,
        out: &mut ChunkOut<'a>,
        n: usize,
        base: u32,
        input: &Input,
        one_process: bool,
    ) -> Renumbering {
        let line_of = |l: u32| input.original_line(base + l);
        let remap = self.interner.absorb(std::mem::take(&mut out.interner));
        let map = |s: Sym| remap[s.0 as usize];
        self.races.extend(out.races.drain(..).map(|mut b| {
            b.remap(&map, &line_of);
            (n as u32, b)
        }));
        self.dumps.extend(out.dumps.drain(..).map(|mut d| {
            d.remap(&map, &line_of);
            (n as u32, d)
        }));
        let key = |fields: Sym| {
            if one_process {
                ScopeKey::All
            } else if fields.is_none() {
                ScopeKey::Input(n as u32)
            } else {
                ScopeKey::Fields(fields)
            }
        };
        let key_of = |local: u32| {
            key(if local == 0 {
                Sym::NONE
            } else {
                map(Sym(local))
            })
        };
        self.signatures(out, n as u32, &key_of);
        let rates = self.rate_map(&out.rates);
        let plain = if out.events.is_empty() {
            0
        } else {
            self.scope_of(key(Sym::NONE))
        };
        let fielded = out
            .scope_syms
            .iter()
            .map(|&local| (local, self.scope_of(key(map(local)))))
            .collect();
        Renumbering {
            rates,
            base,
            input: n,
            remap,
            plain,
            fielded,
        }
    }

    /// What a log sampler leaves behind: message times and pair-id ranges.
    fn signatures(&mut self, out: &mut ChunkOut<'_>, n: u32, key_of: &dyn Fn(u32) -> ScopeKey) {
        for msg in out.messages.drain(..) {
            let entry = self
                .messages
                .entry((key_of(msg.scope), msg.hash))
                .or_insert_with(|| (n, Vec::new()));
            if !msg.packed.is_empty() {
                entry.1.push(msg.packed);
            }
        }
        for p in out.pair_ids.drain(..) {
            let e = self
                .pair_ids
                .entry(key_of(p.scope))
                .or_insert((n, u64::MAX, 0, 0));
            e.1 = e.1.min(p.min);
            e.2 = e.2.max(p.max);
            e.3 += p.count;
        }
    }

    /// The run's index of each of a chunk's rates (at most 255 rates).
    fn rate_map(&mut self, local: &[u32]) -> Vec<u8> {
        let mut v = vec![0];
        for &ppm in local {
            v.push(match self.rates.iter().position(|&r| r == ppm) {
                Some(i) => i as u8 + 1,
                None if self.rates.len() < 255 => {
                    self.rates.push(ppm);
                    self.rates.len() as u8
                }
                None => 0,
            });
        }
        v
    }
}

/// Every chunk's events renumbered into the run's ids, in parallel.
fn renumber(outs: &mut [ChunkOut<'_>], plans: &[Renumbering], inputs: &[Input]) {
    outs.par_iter_mut()
        .zip(plans.par_iter())
        .for_each(|(out, plan)| {
            let map = |s: Sym| plan.remap[s.0 as usize];
            for ev in &mut out.events {
                ev.actor = map(ev.actor);
                ev.object = map(ev.object);
                ev.trace = map(ev.trace);
                ev.key = map(ev.key);
                ev.caller = map(ev.caller);
                if ev.pair.0 & crate::event::NUMERIC_PAIR == 0 {
                    ev.pair = map(ev.pair);
                }
                ev.rate = plan.rates[ev.rate as usize];
                ev.line = inputs[plan.input].original_line(plan.base + ev.line);
                ev.scope = if ev.scope == 0 {
                    plan.plain
                } else {
                    plan.fielded
                        .iter()
                        .find(|(l, _)| l.0 == ev.scope)
                        .map_or(plan.plain, |(_, id)| *id)
                };
            }
        });
}

impl Merged<'_> {
    /// Sorts each chunk into replay order, (time, input, line), in place;
    /// chunks of a log are nearly in time order already. The key is unique
    /// per event, so an unstable sort is stable here.
    pub fn sort(&mut self) {
        self.chunks
            .par_iter_mut()
            .for_each(|c| c.sort_unstable_by_key(Event::order_key));
    }

    /// Makes the sorted chunks one (for the analyses that need them all at
    /// once).
    pub fn flatten(&mut self) {
        if self.chunks.len() > 1 {
            let n = self.chunks.iter().map(Vec::len).sum();
            let mut all = Vec::with_capacity(n);
            all.extend(InOrder::new(std::mem::take(&mut self.chunks)));
            self.chunks = vec![all];
        }
    }
}

/// An event's place in the replay, (time, input, line).
type OrderKey = (i64, u32, u32);

/// The events of sorted chunks in replay order, merged as they are taken;
/// each chunk is freed once used up. The chunks of a log are nearly in time
/// order, so the chunk with the smallest head usually gives many events in
/// a row: it is drained without the heap while its events sort before every
/// other chunk's head.
pub struct InOrder {
    chunks: Vec<std::vec::IntoIter<Event>>,
    /// The next event's key of each chunk not used up and not draining.
    heads: BinaryHeap<Reverse<(OrderKey, usize)>>,
    /// The chunk draining, and the smallest head of the others.
    run: Option<(usize, OrderKey)>,
}

impl InOrder {
    pub fn new(chunks: Vec<Vec<Event>>) -> InOrder {
        let heads = chunks
            .iter()
            .enumerate()
            .filter_map(|(i, c)| Some(Reverse((c.first()?.order_key(), i))))
            .collect();
        InOrder {
            chunks: chunks.into_iter().map(Vec::into_iter).collect(),
            heads,
            run: None,
        }
    }
}

impl Iterator for InOrder {
    type Item = Event;

    fn next(&mut self) -> Option<Event> {
        if let Some((i, bound)) = self.run {
            match self.chunks[i].as_slice().first() {
                Some(next) if next.order_key() < bound => return self.chunks[i].next(),
                Some(next) => self.heads.push(Reverse((next.order_key(), i))),
                None => self.chunks[i] = Vec::new().into_iter(),
            }
            self.run = None;
        }
        let Reverse((_, i)) = self.heads.pop()?;
        let bound = self
            .heads
            .peek()
            .map_or((i64::MAX, u32::MAX, u32::MAX), |r| r.0.0);
        self.run = Some((i, bound));
        self.chunks[i].next()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Kind, Mode, Op};
    use proptest::prelude::*;

    fn event(time: i64, input: u32, line: u32) -> Event {
        Event {
            time,
            aux: i64::MIN,
            input,
            line,
            scope: 0,
            actor: Sym::NONE,
            object: Sym::NONE,
            trace: Sym::NONE,
            key: Sym::NONE,
            caller: Sym::NONE,
            pair: Sym::NONE,
            kind: Kind::AccessSpan,
            op: Op::Read,
            mode: Mode::Exclusive,
            rate: 0,
        }
    }

    proptest! {
        /// Sorted chunks come out as one sorted run, overlapping or not.
        #[test]
        fn chunks_merge_into_replay_order(
            chunks in proptest::collection::vec(
                proptest::collection::vec(0i64..40, 0..30), 0..6),
        ) {
            let mut line = 0;
            let mut all = Vec::new();
            let chunks: Vec<Vec<Event>> = chunks
                .iter()
                .map(|times| {
                    let mut c: Vec<Event> = times
                        .iter()
                        .map(|&t| {
                            line += 1;
                            event(t, line % 2, line)
                        })
                        .collect();
                    c.sort_unstable_by_key(Event::order_key);
                    all.extend(c.iter().map(Event::order_key));
                    c
                })
                .collect();
            all.sort_unstable();
            let merged: Vec<_> = InOrder::new(chunks).map(|e| e.order_key()).collect();
            prop_assert_eq!(merged, all);
        }
    }
}
