//! Locks in the report: per-lock wait figures, holder → waiter blame
//! (`contention`), wait chains and deadlocks, with names where a record gave
//! the lock one (`lock registered … name=carts.mu`).

use serde::{Deserialize, Serialize};

use crate::intern::Sym;
use crate::pipeline::Analysis;

#[derive(Debug, Serialize, Deserialize)]
pub struct LockReport {
    pub scope: String,
    pub lock: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub holds: u64,
    pub waits: u64,
    pub open_waits: u64,
    pub wait_ns: i64,
    pub max_wait_ns: i64,
    pub blamed_ns: i64,
    pub unattributed_ns: i64,
    pub max_hold_ns: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct EdgeReport {
    pub scope: String,
    pub lock: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lock_name: Option<String>,
    pub holder: String,
    pub waiter: String,
    pub waits: u64,
    pub blamed_ns: i64,
    pub max_ns: i64,
    /// Trace ids of the requests that held the lock meanwhile (at most 20).
    pub holder_traces: Vec<String>,
    /// Trace ids of the requests that waited (at most 20).
    pub waiter_traces: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ChainReport {
    pub scope: String,
    /// First waiter … last holder.
    pub actors: Vec<String>,
    pub locks: Vec<String>,
    pub wait_ns: i64,
    pub start_ns: i64,
    pub source: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct DeadlockReport {
    pub id: String,
    /// From the lock names when records give them, else the ids.
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub known: bool,
    pub scope: String,
    /// Each waits for the next, the last for the first.
    pub actors: Vec<String>,
    /// The lock each actor waits for.
    pub locks: Vec<String>,
    pub at_ns: i64,
    /// Still deadlocked when the input ends.
    pub open: bool,
    /// `path:line` of each actor's wait.
    pub sources: Vec<String>,
}

impl DeadlockReport {
    /// "goroutine 6 waits on ledger.mu held by goroutine 7; …", the whole cycle.
    pub fn cycle(&self) -> String {
        let n = self.actors.len();
        (0..n)
            .map(|i| {
                format!(
                    "goroutine {} waits on {} held by goroutine {}",
                    self.actors[i],
                    self.locks[i],
                    self.actors[(i + 1) % n]
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

fn s(an: &Analysis<'_>, sym: Sym) -> String {
    an.interner.str(sym).into_owned()
}

/// A lock as shown: its name when known, else its id.
pub fn lock_label(an: &Analysis<'_>, scope: u32, lock: Sym) -> String {
    an.name_of(scope, lock).unwrap_or_else(|| s(an, lock))
}

pub fn locks(an: &Analysis<'_>) -> Vec<LockReport> {
    let mut v: Vec<LockReport> = an
        .contention
        .locks
        .iter()
        .map(|l| LockReport {
            scope: an.scope_name(l.scope),
            lock: s(an, l.lock),
            name: an.name_of(l.scope, l.lock),
            holds: l.holds,
            waits: l.waits,
            open_waits: l.open_waits,
            wait_ns: l.wait_ns,
            max_wait_ns: l.max_wait_ns,
            blamed_ns: l.blamed_ns,
            unattributed_ns: l.unattributed_ns,
            max_hold_ns: l.max_hold_ns,
        })
        .collect();
    v.sort_by(|a, b| (&a.scope, &a.lock).cmp(&(&b.scope, &b.lock)));
    v
}

pub fn edges(an: &Analysis<'_>) -> Vec<EdgeReport> {
    let mut v: Vec<EdgeReport> = an
        .contention
        .edges
        .iter()
        .filter(|e| e.blamed_ns > 0)
        .map(|e| EdgeReport {
            scope: an.scope_name(e.scope),
            lock: s(an, e.lock),
            lock_name: an.name_of(e.scope, e.lock),
            holder: s(an, e.holder),
            waiter: s(an, e.waiter),
            waits: e.waits,
            blamed_ns: e.blamed_ns,
            max_ns: e.max_ns,
            holder_traces: super::smallest(&an.interner, e.holder_traces.iter().copied(), 20),
            waiter_traces: super::smallest(&an.interner, e.waiter_traces.iter().copied(), 20),
        })
        .collect();
    v.sort_by(|a, b| {
        b.blamed_ns.cmp(&a.blamed_ns).then_with(|| {
            (&a.scope, &a.lock, &a.holder, &a.waiter)
                .cmp(&(&b.scope, &b.lock, &b.holder, &b.waiter))
        })
    });
    v
}

/// Longest and costliest first; ties by names, so merged reports sort alike.
pub fn sort_chains(v: &mut [ChainReport]) {
    v.sort_by(|a, b| {
        (b.actors.len(), b.wait_ns)
            .cmp(&(a.actors.len(), a.wait_ns))
            .then_with(|| (&a.scope, &a.actors, &a.locks).cmp(&(&b.scope, &b.actors, &b.locks)))
    });
}

/// By scope, time and goroutines (names), so merged reports sort alike.
pub fn sort_deadlocks(v: &mut [DeadlockReport]) {
    v.sort_by(|a, b| (&a.scope, a.at_ns, &a.actors).cmp(&(&b.scope, b.at_ns, &b.actors)));
}

pub fn chains(an: &Analysis<'_>) -> Vec<ChainReport> {
    let mut v: Vec<ChainReport> = an
        .contention
        .chains
        .iter()
        .map(|c| ChainReport {
            scope: an.scope_name(c.scope),
            actors: c.actors.iter().map(|a| s(an, *a)).collect(),
            locks: c
                .locks
                .iter()
                .map(|l| lock_label(an, c.scope, *l))
                .collect(),
            wait_ns: c.wait_ns,
            start_ns: c.start,
            source: an.source(c.input, c.line),
        })
        .collect();
    sort_chains(&mut v);
    v
}

pub fn deadlocks(an: &Analysis<'_>) -> Vec<DeadlockReport> {
    let mut v: Vec<DeadlockReport> = an
        .contention
        .deadlocks
        .iter()
        .map(|d| {
            // Start the cycle at the smallest goroutine id, as people read it.
            let actors: Vec<String> = d.actors.iter().map(|a| s(an, *a)).collect();
            let k = (0..actors.len())
                .min_by_key(|&i| super::natural_key(&actors[i]))
                .unwrap_or(0);
            let rot =
                |v: Vec<String>| -> Vec<String> { v[k..].iter().chain(&v[..k]).cloned().collect() };
            let locks = d
                .locks
                .iter()
                .map(|l| lock_label(an, d.scope, *l))
                .collect();
            let sources = d.sources.iter().map(|(i, l)| an.source(*i, *l)).collect();
            let actors = rot(actors);
            let locks = rot(locks);
            let scope = an.scope_name(d.scope);
            let mut sorted: Vec<&str> = locks.iter().map(String::as_str).collect();
            sorted.sort_unstable();
            let mut fp = vec!["deadlock"];
            fp.extend(sorted);
            let fingerprint = format!("{:016x}", super::fnv1a(&fp));
            let mut key = vec!["deadlock", scope.as_str()];
            key.extend(actors.iter().map(String::as_str));
            DeadlockReport {
                id: format!("{:012x}", super::fnv1a(&key) >> 16),
                fingerprint,
                known: false,
                scope,
                actors,
                locks,
                at_ns: d.at_ns,
                open: d.open,
                sources: rot(sources),
            }
        })
        .collect();
    sort_deadlocks(&mut v);
    v
}
