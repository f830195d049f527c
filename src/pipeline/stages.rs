//! Replay and analyses: the time-ordered events become windows, holds and
//! waits (with what incomplete evidence leaves uncertain), cut to
//! `--since`/`--until` before anything uses them; then happens-before, the
//! conflict sweep and the lock analyses, each only when asked for.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::merge::{Merged, MessageTimes, PairIds};
use super::{Diagnostics, Sampling, ScopeKey, Settings};
use crate::capture::join::Kernel;
use crate::event::Event;
use crate::formats::Severity;
use crate::intern::Sym;
use crate::replay::conflicts::{self, Conflicts, SweepOptions};
use crate::replay::contention::{self, Contention};
use crate::replay::hb_input::{self, HbScope};
use crate::replay::locksets::{self, Locksets};
use crate::replay::lossy::{self, Lossy, PackedTimes, Sampler};
use crate::replay::windows::{self, Windows};
use crate::source::Input;

/// `--mode hb`: one result per STD trace and per scope of the logs, over
/// the events of `[since, until)` (STD traces have no times: kept whole).
pub fn happens_before(
    m: &mut Merged<'_>,
    inputs: &[Input],
    settings: &Settings,
    std_scopes: Vec<HbScope>,
) -> Vec<HbScope> {
    m.flatten();
    let m = &*m;
    let events = m.chunks.first().map_or(&[][..], Vec::as_slice);
    let mut out = std_scopes;
    let mut by_scope: Vec<Vec<&Event>> = vec![Vec::new(); m.scopes.len()];
    let (from, to) = (
        settings.since.unwrap_or(i64::MIN),
        settings.until.unwrap_or(i64::MAX),
    );
    for ev in events.iter().filter(|e| from <= e.time && e.time < to) {
        by_scope[ev.scope as usize].push(ev);
    }
    let label = |k: &ScopeKey| match k {
        ScopeKey::Input(i) => inputs[*i as usize].path.clone(),
        ScopeKey::Fields(s) => m.interner.str(*s).into_owned(),
        ScopeKey::All => "all inputs".to_string(),
    };
    let name = |s: Sym| m.interner.str(s).into_owned();
    for (k, evs) in m.scopes.iter().zip(by_scope) {
        if !evs.is_empty() {
            out.push(hb_input::from_events(
                label(k),
                &evs,
                &name,
                settings.sweep.examples,
            ));
        }
    }
    out
}

/// Kernel capture windows: their rules (joined to the logs and dumps of the
/// same process), before lock sets; [`analyses`] then lifts their locks.
pub fn kernel(
    stats: &[super::InputStats],
    m: &mut Merged<'_>,
    windows: &mut Windows,
    diags: &mut Diagnostics,
) -> Kernel {
    let kernel = Kernel::new(stats, &m.interner);
    let (found, n) =
        crate::capture::join::apply(&kernel, windows, &m.interner, &m.dumps, &mut m.dump_scopes);
    diags.unkept(n.saturating_sub(found.len() as u64));
    diags.extend(found);
    kernel
}

/// What the replay adds once every event is in: what overlaps a lossy
/// interval is uncertain, the records it could not use are diagnostics,
/// and everything is cut to `--since`/`--until`.
pub fn finish_replay(
    mut windows: Windows,
    messages: MessageTimes,
    scope_ids: &FxHashMap<ScopeKey, u32>,
    settings: &Settings,
    lossy_per_input: &mut [u64],
    diags: &mut Diagnostics,
) -> Windows {
    let lossy = settings.sampler.map_or_else(Lossy::default, |sampler| {
        lossy_intervals(messages, scope_ids, sampler, lossy_per_input)
    });
    windows.mark_lossy(&lossy);
    for u in &windows.unmatched {
        diags.line(u.input, u.line, 1, Severity::Warning, u.message.to_string());
    }
    if settings.since.is_some() || settings.until.is_some() {
        windows.clip(
            settings.since.unwrap_or(i64::MIN),
            settings.until.unwrap_or(windows::OPEN),
        );
    }
    windows
}

/// The conflict sweep (with the same-key sweep of access-sampled logs) and
/// the lock analyses, over the replayed windows.
pub fn analyses(
    windows: &mut Windows,
    kernel: &Kernel,
    sweep: SweepOptions,
    rated: bool,
    lap: &mut dyn FnMut(&'static str),
) -> (Locksets, Conflicts, Option<Conflicts>, Contention) {
    let Windows {
        accesses,
        holds,
        waits,
        ..
    } = windows;
    // The lock analyses need only holds and waits: they run beside the sweep.
    let ((locksets, conflicts, same_key), contention) = rayon::join(
        || {
            let locksets = locksets::assign(accesses, holds);
            // No lock lets two runtime-level windows on one map overlap.
            kernel.unlock(accesses);
            let conflicts = conflicts::find(accesses, &locksets, sweep);
            // Access-sampled logs: pairs of one key are kept or dropped together.
            let same_key = rated.then(|| {
                let opts = SweepOptions {
                    examples: 0,
                    ..sweep
                };
                conflicts::find_same_key(accesses, &locksets, opts)
            });
            (locksets, conflicts, same_key)
        },
        || {
            let certain = |v: &[windows::LockSpan]| -> Vec<windows::LockSpan> {
                v.iter().filter(|s| !s.uncertain).copied().collect()
            };
            if holds.iter().chain(waits.iter()).any(|s| s.uncertain) {
                // Contention, chains and deadlocks rest on certain spans only.
                contention::analyze(&certain(holds), &certain(waits))
            } else {
                contention::analyze(holds, waits)
            }
        },
    );
    lap("analyses");
    (locksets, conflicts, same_key, contention)
}

/// The lossy intervals of every (scope, level, message) series whose scope
/// has events; counts them per input in `per_input`.
fn lossy_intervals(
    messages: MessageTimes,
    scope_ids: &FxHashMap<ScopeKey, u32>,
    sampler: Sampler,
    per_input: &mut [u64],
) -> Lossy {
    let series: Vec<(u32, u32, Vec<PackedTimes>)> = messages
        .into_iter()
        .filter(|(_, (_, t))| {
            t.iter().map(PackedTimes::len).sum::<usize>() >= sampler.first as usize
        })
        .filter_map(|((key, _), (input, t))| Some((*scope_ids.get(&key)?, input, t)))
        .collect();
    // (scope, input, intervals)
    type Found = (u32, u32, Vec<(i64, i64)>);
    let found: Vec<Found> = series
        .into_par_iter()
        .map(|(scope, input, pieces)| {
            let mut v = Vec::new();
            let in_order = pieces.iter().flat_map(PackedTimes::iter);
            if lossy::intervals_in_order(in_order, sampler, &mut v).is_none() {
                let mut times: Vec<i64> = pieces.iter().flat_map(PackedTimes::iter).collect();
                times.sort_unstable();
                lossy::intervals(&times, sampler, &mut v);
            }
            (scope, input, v)
        })
        .collect();
    let mut by_scope: FxHashMap<u32, Vec<(i64, i64)>> = FxHashMap::default();
    for (scope, input, v) in found {
        per_input[input as usize] += v.len() as u64;
        by_scope.entry(scope).or_default().extend(v);
    }
    Lossy::new(by_scope)
}

/// What each input shows of lost records and sampling rates.
pub fn input_sampling(
    n: usize,
    windows: &Windows,
    lossy: &[u64],
    pair_ids: &PairIds,
    rates: &[u32],
    scope_ids: &FxHashMap<ScopeKey, u32>,
) -> Vec<Sampling> {
    let mut out: Vec<Sampling> = (0..n)
        .map(|i| Sampling {
            losses: windows.losses.get(i).cloned().unwrap_or_default(),
            lossy_intervals: lossy[i],
            ..Sampling::default()
        })
        .collect();
    for (key, &(input, min, max, count)) in pair_ids {
        // A sequence: at least half the numbers of its range are used.
        let span = max.saturating_sub(min).saturating_add(1);
        if scope_ids.contains_key(key) && count <= span && span <= count.saturating_mul(2) {
            out[input as usize].pair_id_gaps += span - count;
        }
    }
    let mut seen: Vec<Vec<u32>> = vec![Vec::new(); n];
    for a in windows.accesses.iter().filter(|a| a.rate != 0) {
        let ppm = rates[a.rate as usize - 1];
        let v = &mut seen[a.input as usize];
        if ppm < 1_000_000 && !v.contains(&ppm) {
            v.push(ppm);
        }
    }
    for (s, mut v) in out.iter_mut().zip(seen) {
        v.sort_unstable();
        s.rates_ppm = v;
    }
    out
}
