//! Access windows and lock holds from time-ordered events.
//!
//! A begin opens a window, closed by the innermost open begin with the same
//! pairing id, else the same (scope, actor, object, op, key); a single record
//! is a whole window. A hold runs from `lock_acquired` to the innermost
//! matching `lock_released` of the same (scope, actor, lock). Windows and
//! holds still open at the end of the input stay open (`OPEN`).

use rustc_hash::FxHashMap;

use crate::event::{Event, Kind, Mode, Op};
use crate::intern::Sym;

/// The end of a window or hold that never closed.
pub const OPEN: i64 = i64::MAX;

/// One access window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    pub start: i64,
    /// `OPEN` when the access never ended.
    pub end: i64,
    pub scope: u32,
    pub object: Sym,
    pub actor: Sym,
    pub trace: Sym,
    pub key: Sym,
    pub caller: Sym,
    /// Where the begin (or single) record is.
    pub input: u32,
    pub line: u32,
    /// Where the end record is; `end_line` 0 when there is none.
    pub end_input: u32,
    pub end_line: u32,
    pub op: Op,
    /// Index into the run's [`Locksets`](super::locksets::Locksets).
    pub lockset: u32,
}

impl Access {
    pub fn is_open(&self) -> bool {
        self.end == OPEN
    }
}

/// One actor's interval on one lock: a hold (`lock_acquired` to the
/// matching `lock_released`) or a wait (from `lock_wait`, or `lock_acquired`
/// minus `waited_ns`, to `lock_acquired`). `end` is `OPEN` when it never ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockSpan {
    pub start: i64,
    pub end: i64,
    pub scope: u32,
    pub actor: Sym,
    /// The request the actor served (`trace_id` of the record).
    pub trace: Sym,
    pub lock: Sym,
    pub mode: Mode,
    pub input: u32,
    pub line: u32,
}

pub type Hold = LockSpan;
pub type Wait = LockSpan;

impl LockSpan {
    /// The span of `ev`'s actor on `ev`'s lock, evidence at `ev`.
    fn of(ev: &Event, start: i64, end: i64) -> LockSpan {
        LockSpan {
            start,
            end,
            scope: ev.scope,
            actor: ev.actor,
            trace: ev.trace,
            lock: ev.object,
            mode: ev.mode,
            input: ev.input,
            line: ev.line,
        }
    }
}

/// A record the replay could not use (an end without a begin, …).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unmatched {
    pub input: u32,
    pub line: u32,
    pub message: &'static str,
}

#[derive(Debug, Default)]
pub struct Windows {
    pub accesses: Vec<Access>,
    pub holds: Vec<Hold>,
    pub waits: Vec<Wait>,
    pub unmatched: Vec<Unmatched>,
    /// Names given to objects and locks: (scope, object) → name.
    pub names: FxHashMap<(u32, Sym), Sym>,
    /// Access and lock events replayed (records that only name things excluded).
    pub events: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum PairKey {
    Id(u32, Sym),
    Fields(u32, Sym, Sym, Op, Sym),
}

/// Builds windows and holds; `events` must be in replay order.
pub fn build(events: &[Event]) -> Windows {
    let mut w = Windows::default();
    let mut open_access: FxHashMap<PairKey, Vec<u32>> = FxHashMap::default();
    let mut open_hold: FxHashMap<(u32, Sym, Sym), Vec<u32>> = FxHashMap::default();
    let mut open_wait: FxHashMap<(u32, Sym, Sym), u32> = FxHashMap::default();
    for ev in events {
        if ev.kind != Kind::Name {
            w.events += 1;
        }
        match ev.kind {
            Kind::AccessSpan | Kind::AccessBegin => {
                let (start, end) = match ev.kind {
                    Kind::AccessSpan => (ev.time, ev.aux.max(ev.time)),
                    _ => (ev.time, OPEN),
                };
                let idx = w.accesses.len() as u32;
                w.accesses.push(Access {
                    start,
                    end,
                    scope: ev.scope,
                    object: ev.object,
                    actor: ev.actor,
                    trace: ev.trace,
                    key: ev.key,
                    caller: ev.caller,
                    input: ev.input,
                    line: ev.line,
                    end_input: ev.input,
                    end_line: 0,
                    op: ev.op,
                    lockset: 0,
                });
                if ev.kind == Kind::AccessBegin {
                    // Under both keys: an end may carry the id or only fields.
                    open_access.entry(fields_key(ev)).or_default().push(idx);
                    if !ev.pair.is_none() {
                        open_access
                            .entry(PairKey::Id(ev.scope, ev.pair))
                            .or_default()
                            .push(idx);
                    }
                }
            }
            Kind::AccessEnd => match end_match(&mut open_access, &w.accesses, ev) {
                Some(idx) => {
                    let a = &mut w.accesses[idx as usize];
                    a.end = ev.time.max(a.start);
                    a.end_input = ev.input;
                    a.end_line = ev.line;
                }
                None => w.unmatched.push(Unmatched {
                    input: ev.input,
                    line: ev.line,
                    message: "access end without a matching begin; ignored",
                }),
            },
            Kind::LockAcquired => {
                let key = (ev.scope, ev.actor, ev.object);
                match open_wait.remove(&key) {
                    Some(i) => w.waits[i as usize].end = ev.time.max(w.waits[i as usize].start),
                    None if ev.aux != i64::MIN => {
                        w.waits.push(LockSpan::of(ev, ev.aux.min(ev.time), ev.time))
                    }
                    None => {}
                }
                let idx = w.holds.len() as u32;
                w.holds.push(LockSpan::of(ev, ev.time, OPEN));
                open_hold
                    .entry((ev.scope, ev.actor, ev.object))
                    .or_default()
                    .push(idx);
            }
            Kind::LockReleased => {
                match open_hold
                    .get_mut(&(ev.scope, ev.actor, ev.object))
                    .and_then(Vec::pop)
                {
                    Some(idx) => {
                        let h = &mut w.holds[idx as usize];
                        h.end = ev.time.max(h.start);
                    }
                    None => w.unmatched.push(Unmatched {
                        input: ev.input,
                        line: ev.line,
                        message: "lock released without a matching acquire; ignored",
                    }),
                }
            }
            Kind::LockWait => {
                let i = w.waits.len() as u32;
                w.waits.push(LockSpan::of(ev, ev.time, OPEN));
                if let Some(old) = open_wait.insert((ev.scope, ev.actor, ev.object), i) {
                    // Its acquisition was never logged: it blames nothing.
                    let old = &mut w.waits[old as usize];
                    old.end = old.start;
                    w.unmatched.push(Unmatched {
                        input: ev.input,
                        line: ev.line,
                        message: "a second lock wait before the first was acquired",
                    });
                }
            }
            Kind::Fork | Kind::Join => {}
            Kind::Name => {
                w.names.entry((ev.scope, ev.object)).or_insert(ev.key);
            }
        }
    }
    w
}

impl Windows {
    /// Keeps what lies in `[from, to)`, cut at the bounds: windows, holds and
    /// waits that reach past a bound end (or start) there.
    pub fn clip(&mut self, from: i64, to: i64) {
        let inside = |s: i64, e: i64| s < to && (e > from || (e == s && s >= from));
        // What never ended stays open: an open wait blames nothing and an
        // open access is still the other side of a crash.
        let cut = |s: &mut i64, e: &mut i64| {
            *s = (*s).max(from);
            if *e != OPEN {
                *e = (*e).min(to);
            }
        };
        self.accesses.retain_mut(|a| {
            let keep = inside(a.start, a.end);
            cut(&mut a.start, &mut a.end);
            keep
        });
        self.holds.retain_mut(|h| {
            let keep = inside(h.start, h.end);
            cut(&mut h.start, &mut h.end);
            keep
        });
        self.waits.retain_mut(|w| {
            let keep = inside(w.start, w.end);
            cut(&mut w.start, &mut w.end);
            keep
        });
    }
}

fn fields_key(ev: &Event) -> PairKey {
    PairKey::Fields(ev.scope, ev.actor, ev.object, ev.op, ev.key)
}

/// The open begin an end closes: by its pairing id when it has one and a
/// begin carries it, else by (scope, actor, object, op, key); innermost
/// first. Begins already closed under their other key are skipped.
fn end_match(
    open: &mut FxHashMap<PairKey, Vec<u32>>,
    accesses: &[Access],
    ev: &Event,
) -> Option<u32> {
    let mut pop = |key: PairKey| {
        let stack = open.get_mut(&key)?;
        while let Some(i) = stack.pop() {
            if accesses[i as usize].end_line == 0 {
                return Some(i);
            }
        }
        None
    };
    if !ev.pair.is_none()
        && let Some(i) = pop(PairKey::Id(ev.scope, ev.pair))
    {
        return Some(i);
    }
    pop(fields_key(ev))
}
