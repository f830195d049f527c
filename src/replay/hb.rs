//! Exact happens-before race detection over a complete trace (docs/design.md,
//! "Happens-before mode").
//!
//! Happens-before is the transitive closure of program order, release →
//! every later acquire of the same lock, fork → the child's events after
//! the fork, and join → the joiner's events from the join on (from the
//! joined thread's events before the join). A fork also orders before a
//! later join of the same thread when that thread has no events in
//! between: its start and end are implicit events of its own (as in
//! RAPID, where the joiner takes the child's clock, which holds the
//! forker's). A racy event is an access that conflicts with some earlier
//! access (same variable, other thread, at least one a write) not ordered
//! before it.
//!
//! Each thread `t` keeps a vector clock `C_t`; `C_t[t]` is its local time,
//! starting at 1 and incremented right after every event that publishes
//! the clock (a release, a fork, being joined). So the events of `u` with
//! local time `k` end at a publication, and an event `f` of `u` at time `k`
//! happens before a later event `e` of another thread iff `C_e[u] >= k`.
//! Per variable and thread the local time (and event index) of the
//! thread's last read and last write are kept: by program order the last
//! one is unordered before `e` iff some earlier one is, so the check is
//! exact and every racy event is counted (FastTrack's single last-write
//! epoch would miss a race with a write older than the last one).
//!
//! Cost: O(events × threads) time; T² clock entries for T threads (4 bytes
//! each), one clock per released lock, one small entry per (variable,
//! accessing thread). Local times are `u32`: fewer than 2³² events.
//! Begin/end create no order. Unusual traces are taken as written: an
//! acquire of a lock never released orders nothing, a release without an
//! acquire still orders before later acquires (every release is joined
//! into the lock's clock, not just the last), forking or joining a thread
//! that never runs (or the acting thread itself) is harmless, and a
//! thread's events after it was joined are not ordered before the joiner.

use rustc_hash::FxHashSet;

use crate::formats::std_trace::{StdEvent, StdOp};

/// One event for the analysis; ids as in [`StdEvent`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HbEvent {
    pub thread: u32,
    pub op: StdOp,
    /// Variable (r/w), lock (acq/rel) or thread (fork/join); ignored for
    /// begin/end.
    pub target: u32,
    pub loc: u32,
}

/// What [`analyze`] reads of an event, so parsed events need no copy.
pub trait AsHbEvent {
    fn hb_event(&self) -> HbEvent;
}

impl AsHbEvent for HbEvent {
    #[inline]
    fn hb_event(&self) -> HbEvent {
        *self
    }
}

impl AsHbEvent for StdEvent {
    #[inline]
    fn hb_event(&self) -> HbEvent {
        HbEvent {
            thread: self.thread,
            op: self.op,
            target: self.target,
            loc: self.loc,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HbResult {
    pub racy_events: u64,
    pub racy_locations: u64,
    /// The distinct locations of racy events, ascending.
    pub racy_location_ids: Vec<u32>,
    /// (earlier conflicting unordered access, racy event), as event
    /// indices, for the first racy events in trace order.
    pub examples: Vec<(usize, usize)>,
    /// 1 + the largest thread id (actor or fork/join operand).
    pub threads: usize,
    pub events: u64,
}

/// A thread's last read and last write of one variable.
#[derive(Clone, Copy, Debug)]
struct Last {
    thread: u32,
    /// Local times, 0 for none.
    read: u32,
    write: u32,
    read_at: usize,
    write_at: usize,
}

/// `dst[i] = max(dst[i], src[i])`.
#[inline]
fn join_into(dst: &mut [u32], src: &[u32]) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = (*d).max(s);
    }
}

/// Vector clocks of all threads, one row each.
struct Clocks {
    n: usize,
    rows: Vec<u32>,
}

impl Clocks {
    fn new(n: usize) -> Self {
        let mut rows = vec![0; n * n];
        for t in 0..n {
            rows[t * n + t] = 1;
        }
        Clocks { n, rows }
    }

    #[inline]
    fn row(&self, t: usize) -> &[u32] {
        &self.rows[t * self.n..(t + 1) * self.n]
    }

    #[inline]
    fn row_mut(&mut self, t: usize) -> &mut [u32] {
        &mut self.rows[t * self.n..(t + 1) * self.n]
    }

    /// `C_dst ⊔= C_src` for two different threads.
    fn join(&mut self, dst: usize, src: usize) {
        let n = self.n;
        if dst < src {
            let (a, b) = self.rows.split_at_mut(src * n);
            join_into(&mut a[dst * n..(dst + 1) * n], &b[..n]);
        } else {
            let (a, b) = self.rows.split_at_mut(dst * n);
            join_into(&mut b[..n], &a[src * n..(src + 1) * n]);
        }
    }

    #[inline]
    fn tick(&mut self, t: usize) {
        self.rows[t * self.n + t] += 1;
    }
}

/// Happens-before races of `events`, with up to `examples` example pairs.
pub fn analyze<E: AsHbEvent>(events: &[E], examples: usize) -> HbResult {
    let (mut n_threads, mut n_vars, mut n_locks) = (0usize, 0usize, 0usize);
    for e in events {
        let e = e.hb_event();
        n_threads = n_threads.max(e.thread as usize + 1);
        let slot = match e.op {
            StdOp::Read | StdOp::Write => &mut n_vars,
            StdOp::Acquire | StdOp::Release => &mut n_locks,
            StdOp::Fork | StdOp::Join => &mut n_threads,
            StdOp::Begin | StdOp::End => continue,
        };
        *slot = (*slot).max(e.target as usize + 1);
    }

    let mut clocks = Clocks::new(n_threads);
    // Join of every release so far; empty until the first release.
    let mut locks: Vec<Vec<u32>> = vec![Vec::new(); n_locks];
    let mut vars: Vec<Vec<Last>> = vec![Vec::new(); n_vars];
    let mut racy_events = 0u64;
    let mut racy_locs: FxHashSet<u32> = FxHashSet::default();
    let mut pairs = Vec::with_capacity(examples.min(1024));

    for (i, e) in events.iter().enumerate() {
        let e = e.hb_event();
        let t = e.thread as usize;
        match e.op {
            StdOp::Read | StdOp::Write => {
                let write = e.op == StdOp::Write;
                let row = clocks.row(t);
                let now = row[t];
                let lasts = &mut vars[e.target as usize];
                let mut own = None;
                // The latest unordered conflicting access, if any.
                let mut partner: Option<usize> = None;
                for (k, l) in lasts.iter().enumerate() {
                    if l.thread == e.thread {
                        own = Some(k);
                        continue;
                    }
                    let seen = row[l.thread as usize];
                    if l.write > seen {
                        partner = partner.max(Some(l.write_at));
                    }
                    if write && l.read > seen {
                        partner = partner.max(Some(l.read_at));
                    }
                }
                let k = own.unwrap_or_else(|| {
                    lasts.push(Last {
                        thread: e.thread,
                        read: 0,
                        write: 0,
                        read_at: 0,
                        write_at: 0,
                    });
                    lasts.len() - 1
                });
                let mine = &mut lasts[k];
                if write {
                    mine.write = now;
                    mine.write_at = i;
                } else {
                    mine.read = now;
                    mine.read_at = i;
                }
                if let Some(p) = partner {
                    racy_events += 1;
                    racy_locs.insert(e.loc);
                    if pairs.len() < examples {
                        pairs.push((p, i));
                    }
                }
            }
            StdOp::Acquire => {
                let lock = &locks[e.target as usize];
                if !lock.is_empty() {
                    join_into(clocks.row_mut(t), lock);
                }
            }
            StdOp::Release => {
                let lock = &mut locks[e.target as usize];
                if lock.is_empty() {
                    lock.resize(n_threads, 0);
                }
                join_into(lock, clocks.row(t));
                clocks.tick(t);
            }
            StdOp::Fork => {
                let child = e.target as usize;
                if child != t {
                    clocks.join(child, t);
                }
                clocks.tick(t);
            }
            StdOp::Join => {
                let joined = e.target as usize;
                if joined != t {
                    clocks.join(t, joined);
                }
                clocks.tick(joined);
            }
            StdOp::Begin | StdOp::End => {}
        }
    }

    let mut racy_location_ids: Vec<u32> = racy_locs.into_iter().collect();
    racy_location_ids.sort_unstable();
    HbResult {
        racy_events,
        racy_locations: racy_location_ids.len() as u64,
        racy_location_ids,
        examples: pairs,
        threads: n_threads,
        events: events.len() as u64,
    }
}
