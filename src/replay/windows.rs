//! Access windows and lock holds from time-ordered events.
//!
//! A begin opens a window, closed by the innermost open begin with the same
//! pairing id, else the same (scope, actor, object, op, key); a single record
//! is a whole window. A hold runs from `lock_acquired` to the innermost
//! matching `lock_released` of the same (scope, actor, lock). Windows and
//! holds still open at the end of the input stay open (`OPEN`).
//!
//! Logs lose records (samplers, rotation), so what the replay cannot see
//! whole is *uncertain* and never confirms a finding. A goroutine does one
//! thing at a time: a window whose end is missing ends, at the latest, at the
//! actor's next record that is not a begin…end pair nested inside it, and a
//! wait whose acquire is missing at the actor's next record; both are then
//! uncertain. A hold whose release is missing while its actor acquires or
//! waits for the lock again ends there, uncertain; a release without its
//! acquire makes the actor's accesses since its previous event on that lock
//! uncertain (they may have been inside the lost hold). What stays open
//! because its actor logs nothing more (a crash, a real deadlock) is not
//! uncertain by itself.

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
    /// Index into the run's rate table: the producer kept this access with
    /// that probability (`sample_rate`); 0 when the log says nothing.
    pub rate: u8,
    /// Its window rests on incomplete evidence (see the module doc).
    pub uncertain: bool,
    /// Index into the run's [`Locksets`](super::locksets::Locksets).
    pub lockset: u32,
}

impl Access {
    pub fn is_open(&self) -> bool {
        self.end == OPEN
    }

    /// The window a begin opens (open until its end is found) or a single
    /// record is.
    fn of(ev: &Event) -> Access {
        let (start, end) = match ev.kind {
            Kind::AccessSpan => (ev.time, ev.aux.max(ev.time)),
            _ => (ev.time, OPEN),
        };
        Access {
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
            rate: ev.rate,
            uncertain: false,
            lockset: 0,
        }
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
    /// Its end rests on incomplete evidence: it builds no contention.
    pub uncertain: bool,
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
            uncertain: false,
        }
    }
}

/// Signs of lost records found by the replay, per input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Losses {
    /// Access ends without their begin.
    pub unmatched_ends: u64,
    /// Lock releases without their acquire.
    pub unmatched_releases: u64,
    /// Begins whose actor logs on without ending them.
    pub unended_accesses: u64,
    /// Waits whose actor logs on without acquiring.
    pub unacquired_waits: u64,
    /// Holds whose actor acquires or waits for the lock again unreleased.
    pub unreleased_holds: u64,
}

impl Losses {
    pub fn any(&self) -> bool {
        *self != Losses::default()
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
    /// Per input (indexed by input; shorter when the last inputs lost nothing).
    pub losses: Vec<Losses>,
}

impl Windows {
    fn loss(&mut self, input: u32) -> &mut Losses {
        let i = input as usize;
        if self.losses.len() <= i {
            self.losses.resize(i + 1, Losses::default());
        }
        &mut self.losses[i]
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum PairKey {
    Id(u32, Sym),
    Fields(u32, Sym, Sym, Op, Sym),
}

/// A list that is almost always empty or of one item, kept inline until a
/// second item comes: the replay opens one window a record and closes it a
/// few records later, and a `Vec` would allocate and free each time.
#[derive(Clone, Debug, Default)]
enum Few<T> {
    #[default]
    Empty,
    One(T),
    Many(Vec<T>),
}

impl<T> Few<T> {
    fn push(&mut self, x: T) {
        *self = match std::mem::take(self) {
            Few::Empty => Few::One(x),
            Few::One(a) => Few::Many(vec![a, x]),
            Few::Many(mut v) => {
                v.push(x);
                Few::Many(v)
            }
        };
    }

    fn pop(&mut self) -> Option<T> {
        match std::mem::take(self) {
            Few::Empty => None,
            Few::One(a) => Some(a),
            Few::Many(mut v) => {
                let x = v.pop();
                if !v.is_empty() {
                    *self = Few::Many(v);
                }
                x
            }
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Few::Empty)
    }

    fn as_mut_slice(&mut self) -> &mut [T] {
        match self {
            Few::Empty => &mut [],
            Few::One(a) => std::slice::from_mut(a),
            Few::Many(v) => v,
        }
    }

    fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        match std::mem::take(self) {
            Few::Empty => {}
            Few::One(a) => {
                let mut keep = keep;
                if keep(&a) {
                    *self = Few::One(a);
                }
            }
            Few::Many(mut v) => {
                v.retain(keep);
                if !v.is_empty() {
                    *self = Few::Many(v);
                }
            }
        }
    }
}

impl<T> IntoIterator for Few<T> {
    type Item = T;
    type IntoIter = std::iter::Chain<std::option::IntoIter<T>, std::vec::IntoIter<T>>;

    fn into_iter(self) -> Self::IntoIter {
        match self {
            Few::Empty => None.into_iter().chain(Vec::new()),
            Few::One(a) => Some(a).into_iter().chain(Vec::new()),
            Few::Many(v) => None.into_iter().chain(v),
        }
    }
}

/// Builds windows and holds; `events` must be in replay order. Each event
/// is looked at once, so the caller may free them as they are consumed.
pub fn build(events: impl IntoIterator<Item = Event>) -> Windows {
    let mut b = Builder::default();
    for ev in events {
        b.push(&ev);
    }
    b.finish()
}

/// The replay between events: what is open, and what would bound it.
#[derive(Default)]
pub struct Builder {
    w: Windows,
    open_access: FxHashMap<PairKey, Few<u32>>,
    locks: FxHashMap<(u32, Sym, Sym), LockState>,
    open_wait: FxHashMap<(u32, Sym, Sym), u32>,
    lost_holds: Vec<LostHold>,
    /// Per (scope, actor): its open windows and waits, each with what its
    /// actor did since, for ending it if it is never ended (see
    /// [`Builder::finish`]). Only what is open is kept.
    pending: FxHashMap<(u32, Sym), Few<Pending>>,
}

impl Builder {
    /// Replays one event; events must come in replay order.
    pub fn push(&mut self, ev: &Event) {
        if ev.kind == Kind::Name {
            self.w.names.entry((ev.scope, ev.object)).or_insert(ev.key);
            return;
        }
        self.w.events += 1;
        self.advance_pending(ev);
        match ev.kind {
            Kind::AccessSpan | Kind::AccessBegin => self.access(ev),
            Kind::AccessEnd => self.access_end(ev),
            Kind::LockAcquired => self.acquired(ev),
            Kind::LockReleased => self.released(ev),
            Kind::LockWait => self.wait(ev),
            Kind::Fork | Kind::Join | Kind::Name => {}
        }
    }

    /// The windows, holds and waits of the events pushed. Windows and waits
    /// whose end or acquire is missing end at their actor's next record
    /// (see the module doc); what stays open for lack of one stays open.
    pub fn finish(mut self) -> Windows {
        let w = &mut self.w;
        for p in self.pending.into_values().flatten() {
            match p {
                Pending::Access(i, bound) if w.accesses[i as usize].is_open() => {
                    let t = match bound {
                        Bound::Done(t) => t,
                        // The nested window never ended: it bounds this one.
                        Bound::Nested(b) if !is_closed(&w.accesses[b as usize]) => {
                            w.accesses[b as usize].start
                        }
                        Bound::Scan | Bound::Nested(_) => continue,
                    };
                    let a = &mut w.accesses[i as usize];
                    a.end = t.max(a.start);
                    a.uncertain = true;
                    let input = a.input;
                    w.loss(input).unended_accesses += 1;
                }
                Pending::Wait(i, Some(t)) if w.waits[i as usize].end == OPEN => {
                    let x = &mut w.waits[i as usize];
                    x.end = t.max(x.start);
                    x.uncertain = true;
                    let input = x.input;
                    w.loss(input).unacquired_waits += 1;
                }
                Pending::Access(..) | Pending::Wait(..) => {}
            }
        }
        mark_lost_holds(&mut self.w.accesses, &self.lost_holds);
        self.w
    }

    /// `ev` is the next record of its actor: what it bounds of the actor's
    /// open windows and waits.
    fn advance_pending(&mut self, ev: &Event) {
        let Some(list) = self.pending.get_mut(&(ev.scope, ev.actor)) else {
            return;
        };
        let accesses = &self.w.accesses;
        for p in list.as_mut_slice() {
            match p {
                Pending::Access(_, bound) => bound.advance(ev, accesses),
                Pending::Wait(_, bound) => {
                    bound.get_or_insert(ev.time);
                }
            }
        }
    }

    /// `ev`'s window or wait `p` is open: keeps it pending.
    fn open(&mut self, ev: &Event, p: Pending) {
        self.pending
            .entry((ev.scope, ev.actor))
            .or_default()
            .push(p);
    }

    /// The window or wait `p` of `scope`/`actor` ended: no longer pending.
    fn close(&mut self, scope: u32, actor: Sym, p: Pending) {
        let key = (scope, actor);
        let Some(list) = self.pending.get_mut(&key) else {
            return;
        };
        list.retain(|q| !q.same(&p));
        if list.is_empty() {
            self.pending.remove(&key);
        }
    }

    fn access(&mut self, ev: &Event) {
        let idx = self.w.accesses.len() as u32;
        let a = Access::of(ev);
        let end = a.end;
        self.w.accesses.push(a);
        if end == OPEN {
            self.open(ev, Pending::Access(idx, Bound::Scan));
        }
        if ev.kind == Kind::AccessBegin {
            // Under both keys: an end may carry the id or only fields.
            let open = &mut self.open_access;
            open.entry(fields_key(ev)).or_default().push(idx);
            if !ev.pair.is_none() {
                open.entry(PairKey::Id(ev.scope, ev.pair))
                    .or_default()
                    .push(idx);
            }
        }
    }

    fn access_end(&mut self, ev: &Event) {
        let w = &mut self.w;
        match end_match(&mut self.open_access, &w.accesses, ev) {
            Some(idx) => {
                let a = &mut w.accesses[idx as usize];
                a.end = ev.time.max(a.start);
                a.end_input = ev.input;
                a.end_line = ev.line;
                if !a.is_open() {
                    let (scope, actor) = (a.scope, a.actor);
                    self.close(scope, actor, Pending::Access(idx, Bound::Scan));
                }
            }
            None => {
                w.loss(ev.input).unmatched_ends += 1;
                w.unmatched.push(Unmatched {
                    input: ev.input,
                    line: ev.line,
                    message: "access end without a matching begin; ignored",
                })
            }
        }
    }

    fn acquired(&mut self, ev: &Event) {
        let w = &mut self.w;
        let key = (ev.scope, ev.actor, ev.object);
        let state = self.locks.entry(key).or_default();
        state.last = ev.time;
        release_unreleased(w, &mut state.holds, ev);
        let idx = w.holds.len() as u32;
        state.holds.push(idx);
        match self.open_wait.remove(&key) {
            Some(i) => {
                let x = &mut w.waits[i as usize];
                x.end = ev.time.max(x.start);
                if x.end != OPEN {
                    self.close(ev.scope, ev.actor, Pending::Wait(i, None));
                }
            }
            None if ev.aux != i64::MIN => {
                w.waits.push(LockSpan::of(ev, ev.aux.min(ev.time), ev.time))
            }
            None => {}
        }
        self.w.holds.push(LockSpan::of(ev, ev.time, OPEN));
    }

    fn released(&mut self, ev: &Event) {
        let w = &mut self.w;
        let state = self
            .locks
            .entry((ev.scope, ev.actor, ev.object))
            .or_default();
        let since = std::mem::replace(&mut state.last, ev.time);
        match state.holds.pop() {
            Some(idx) => {
                let h = &mut w.holds[idx as usize];
                h.end = ev.time.max(h.start);
            }
            None => {
                // The acquire was lost: what the actor did since its
                // previous event on this lock may have been inside.
                self.lost_holds.push(LostHold {
                    scope: ev.scope,
                    actor: ev.actor,
                    from: since,
                    to: ev.time,
                });
                w.loss(ev.input).unmatched_releases += 1;
                w.unmatched.push(Unmatched {
                    input: ev.input,
                    line: ev.line,
                    message: "lock released without a matching acquire; ignored",
                })
            }
        }
    }

    fn wait(&mut self, ev: &Event) {
        let w = &mut self.w;
        let state = self
            .locks
            .entry((ev.scope, ev.actor, ev.object))
            .or_default();
        state.last = ev.time;
        release_unreleased(w, &mut state.holds, ev);
        let i = w.waits.len() as u32;
        w.waits.push(LockSpan::of(ev, ev.time, OPEN));
        if self
            .open_wait
            .insert((ev.scope, ev.actor, ev.object), i)
            .is_some()
        {
            // The first one's acquire was lost; its bound ends it.
            w.unmatched.push(Unmatched {
                input: ev.input,
                line: ev.line,
                message: "a second lock wait before the first was acquired",
            });
        }
        self.open(ev, Pending::Wait(i, None));
    }
}

/// A window (by access index) or a wait (by wait index) still open, with
/// what would end it if it is never ended.
#[derive(Clone, Copy)]
enum Pending {
    Access(u32, Bound),
    /// The time of the actor's next record, once seen.
    Wait(u32, Option<i64>),
}

impl Pending {
    fn same(&self, other: &Pending) -> bool {
        match (self, other) {
            (Pending::Access(a, _), Pending::Access(b, _)) => a == b,
            (Pending::Wait(a, _), Pending::Wait(b, _)) => a == b,
            _ => false,
        }
    }
}

/// Where the search for an open window's bound stands: the actor's next
/// record that is not a begin…end pair nested inside it.
#[derive(Clone, Copy)]
enum Bound {
    /// No record of the actor since (or since the nested pair's end).
    Scan,
    /// The actor's next record began window `b`: if `b` ends, the search
    /// goes on after `b`'s end record; if not, `b`'s begin is the bound.
    Nested(u32),
    /// Found: the record's time.
    Done(i64),
}

impl Bound {
    fn advance(&mut self, ev: &Event, accesses: &[Access]) {
        if let Bound::Nested(b) = *self {
            let a = &accesses[b as usize];
            // Until `b` ends, what its actor does may lie inside it.
            if !is_closed(a) || ev.order_key() <= (a.end, a.end_input, a.end_line) {
                return;
            }
            *self = Bound::Scan;
        }
        if let Bound::Scan = *self {
            *self = if ev.kind == Kind::AccessBegin {
                // The window `ev` begins is the one just pushed.
                Bound::Nested(accesses.len() as u32)
            } else {
                Bound::Done(ev.time)
            };
        }
    }
}

/// A window that ended by its end record (not still open).
fn is_closed(a: &Access) -> bool {
    a.end_line != 0 && !a.is_open()
}

/// One actor's state on one lock during the replay.
struct LockState {
    /// Open holds, innermost last.
    holds: Vec<u32>,
    /// The time of its latest event on the lock (`i64::MIN` before any).
    last: i64,
}

impl Default for LockState {
    fn default() -> Self {
        LockState {
            holds: Vec::new(),
            last: i64::MIN,
        }
    }
}

/// A hold whose acquire was lost: its actor, and the time range in which
/// the acquire must lie and the hold must end.
struct LostHold {
    scope: u32,
    actor: Sym,
    from: i64,
    to: i64,
}

/// Go's mutexes are not reentrant: an actor that acquires or waits for a
/// lock it still holds (exclusively, or wants it exclusively) released it in
/// a record that was lost. Its open holds end here, uncertain.
fn release_unreleased(w: &mut Windows, stack: &mut Vec<u32>, ev: &Event) {
    if stack.is_empty() {
        return;
    }
    let exclusive = ev.mode == Mode::Exclusive
        || stack
            .iter()
            .any(|&h| w.holds[h as usize].mode == Mode::Exclusive);
    if !exclusive {
        return; // read locks may nest
    }
    for h in stack.drain(..) {
        let h = &mut w.holds[h as usize];
        h.end = ev.time.max(h.start);
        h.uncertain = true;
    }
    w.loss(ev.input).unreleased_holds += 1;
}

/// Marks the accesses that may have been inside a hold whose acquire was lost.
fn mark_lost_holds(accesses: &mut [Access], lost: &[LostHold]) {
    if lost.is_empty() {
        return;
    }
    let mut by_actor: FxHashMap<(u32, Sym), Vec<(i64, i64)>> = FxHashMap::default();
    for l in lost {
        by_actor
            .entry((l.scope, l.actor))
            .or_default()
            .push((l.from, l.to));
    }
    for a in accesses.iter_mut() {
        if let Some(spans) = by_actor.get(&(a.scope, a.actor))
            && spans.iter().any(|&(f, t)| a.start <= t && a.end >= f)
        {
            a.uncertain = true;
        }
    }
}

impl Windows {
    /// Marks what overlaps a lossy interval of its scope as uncertain.
    pub fn mark_lossy(&mut self, lossy: &super::lossy::Lossy) {
        if lossy.is_empty() {
            return;
        }
        for a in &mut self.accesses {
            if lossy.overlaps(a.scope, a.start, a.end) {
                a.uncertain = true;
            }
        }
        for s in self.holds.iter_mut().chain(self.waits.iter_mut()) {
            if lossy.overlaps(s.scope, s.start, s.end) {
                s.uncertain = true;
            }
        }
    }

    /// Whether any window, hold or wait is uncertain.
    pub fn any_uncertain(&self) -> bool {
        self.accesses.iter().any(|a| a.uncertain)
            || self.holds.iter().chain(&self.waits).any(|s| s.uncertain)
    }

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
    open: &mut FxHashMap<PairKey, Few<u32>>,
    accesses: &[Access],
    ev: &Event,
) -> Option<u32> {
    // Only what is open stays in the map: a stack emptied goes (pair ids
    // are used once, and a log with a million of them must not keep them).
    let mut pop = |key: PairKey| {
        let stack = open.get_mut(&key)?;
        let mut found = None;
        while let Some(i) = stack.pop() {
            if accesses[i as usize].end_line == 0 {
                found = Some(i);
                break;
            }
        }
        if stack.is_empty() {
            open.remove(&key);
        }
        found
    };
    if !ev.pair.is_none()
        && let Some(i) = pop(PairKey::Id(ev.scope, ev.pair))
    {
        return Some(i);
    }
    pop(fields_key(ev))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The replay as it was: all events kept, a second walk for what
    /// stayed open. The streaming builder must agree with it.
    mod two_pass {
        use super::super::*;

        /// Builds windows and holds; `events` must be in replay order.
        pub(super) fn reference(events: &[Event]) -> Windows {
            let mut w = Windows::default();
            let mut open_access: FxHashMap<PairKey, Few<u32>> = FxHashMap::default();
            let mut locks: FxHashMap<(u32, Sym, Sym), LockState> = FxHashMap::default();
            let mut open_wait: FxHashMap<(u32, Sym, Sym), u32> = FxHashMap::default();
            let mut lost_holds: Vec<LostHold> = Vec::new();
            for ev in events {
                if ev.kind != Kind::Name {
                    w.events += 1;
                }
                match ev.kind {
                    Kind::AccessSpan | Kind::AccessBegin => {
                        let idx = w.accesses.len() as u32;
                        w.accesses.push(Access::of(ev));
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
                        None => {
                            w.loss(ev.input).unmatched_ends += 1;
                            w.unmatched.push(Unmatched {
                                input: ev.input,
                                line: ev.line,
                                message: "access end without a matching begin; ignored",
                            })
                        }
                    },
                    Kind::LockAcquired => {
                        let key = (ev.scope, ev.actor, ev.object);
                        let state = locks.entry(key).or_default();
                        state.last = ev.time;
                        release_unreleased(&mut w, &mut state.holds, ev);
                        let idx = w.holds.len() as u32;
                        state.holds.push(idx);
                        match open_wait.remove(&key) {
                            Some(i) => {
                                w.waits[i as usize].end = ev.time.max(w.waits[i as usize].start)
                            }
                            None if ev.aux != i64::MIN => {
                                w.waits.push(LockSpan::of(ev, ev.aux.min(ev.time), ev.time))
                            }
                            None => {}
                        }
                        w.holds.push(LockSpan::of(ev, ev.time, OPEN));
                    }
                    Kind::LockReleased => {
                        let state = locks.entry((ev.scope, ev.actor, ev.object)).or_default();
                        let since = std::mem::replace(&mut state.last, ev.time);
                        match state.holds.pop() {
                            Some(idx) => {
                                let h = &mut w.holds[idx as usize];
                                h.end = ev.time.max(h.start);
                            }
                            None => {
                                // The acquire was lost: what the actor did since its
                                // previous event on this lock may have been inside.
                                lost_holds.push(LostHold {
                                    scope: ev.scope,
                                    actor: ev.actor,
                                    from: since,
                                    to: ev.time,
                                });
                                w.loss(ev.input).unmatched_releases += 1;
                                w.unmatched.push(Unmatched {
                                    input: ev.input,
                                    line: ev.line,
                                    message: "lock released without a matching acquire; ignored",
                                })
                            }
                        }
                    }
                    Kind::LockWait => {
                        let state = locks.entry((ev.scope, ev.actor, ev.object)).or_default();
                        state.last = ev.time;
                        release_unreleased(&mut w, &mut state.holds, ev);
                        let i = w.waits.len() as u32;
                        w.waits.push(LockSpan::of(ev, ev.time, OPEN));
                        if open_wait
                            .insert((ev.scope, ev.actor, ev.object), i)
                            .is_some()
                        {
                            // The first one's acquire was lost; the bound below ends it.
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
            bound_unended(&mut w, events);
            mark_lost_holds(&mut w.accesses, &lost_holds);
            w
        }

        /// One record of an actor, for bounding what it left open.
        #[derive(Clone, Copy)]
        struct ActorRecord {
            /// (time, input, line)
            key: (i64, u32, u32),
            kind: Kind,
        }

        /// Ends windows and waits whose end or acquire is missing at their actor's
        /// next record (see the module doc). Costs nothing when nothing is open.
        pub(super) fn bound_unended(w: &mut Windows, events: &[Event]) {
            let mut actors: FxHashMap<(u32, Sym), Vec<ActorRecord>> = FxHashMap::default();
            for a in w.accesses.iter().filter(|a| a.is_open()) {
                actors.entry((a.scope, a.actor)).or_default();
            }
            for x in w.waits.iter().filter(|x| x.end == OPEN) {
                actors.entry((x.scope, x.actor)).or_default();
            }
            if actors.is_empty() {
                return;
            }
            // Open things by their record, to find them in the second walk.
            let open_accesses: FxHashMap<(u32, u32), u32> = (0..w.accesses.len() as u32)
                .filter(|&i| w.accesses[i as usize].is_open())
                .map(|i| {
                    (
                        (w.accesses[i as usize].input, w.accesses[i as usize].line),
                        i,
                    )
                })
                .collect();
            let open_waits: FxHashMap<(u32, u32), usize> = (0..w.waits.len())
                .filter(|&i| w.waits[i].end == OPEN)
                .map(|i| ((w.waits[i].input, w.waits[i].line), i))
                .collect();
            let mut access_at: Vec<(u32, (u32, Sym), usize)> = Vec::new();
            let mut wait_at: Vec<(usize, (u32, Sym), usize)> = Vec::new();
            let mut begin_of: FxHashMap<(u32, u32), u32> = FxHashMap::default();
            for ev in events {
                if ev.kind == Kind::Name {
                    continue;
                }
                let Some(list) = actors.get_mut(&(ev.scope, ev.actor)) else {
                    continue;
                };
                let at = (ev.input, ev.line);
                if matches!(ev.kind, Kind::AccessBegin | Kind::AccessSpan) {
                    if let Some(&i) = open_accesses.get(&at) {
                        access_at.push((i, (ev.scope, ev.actor), list.len()));
                    } else if ev.kind == Kind::AccessBegin {
                        begin_of.insert(at, list.len() as u32);
                    }
                }
                if ev.kind == Kind::LockWait
                    && let Some(&i) = open_waits.get(&at)
                {
                    wait_at.push((i, (ev.scope, ev.actor), list.len()));
                }
                list.push(ActorRecord {
                    key: ev.order_key(),
                    kind: ev.kind,
                });
            }
            // Closed windows by their begin record, for skipping nested pairs.
            let closed: FxHashMap<(u32, u32), (i64, u32, u32)> = if begin_of.is_empty() {
                FxHashMap::default()
            } else {
                w.accesses
                    .iter()
                    .filter(|a| a.end_line != 0 && begin_of.contains_key(&(a.input, a.line)))
                    .map(|a| ((a.input, a.line), (a.end, a.end_input, a.end_line)))
                    .collect()
            };
            for (idx, key, pos) in access_at {
                let list = &actors[&key];
                let mut j = pos + 1;
                let bound = loop {
                    let Some(r) = list.get(j) else { break None };
                    if r.kind == Kind::AccessBegin
                        && let Some(&end) = closed.get(&(r.key.1, r.key.2))
                    {
                        // A nested begin…end pair: skip past its end record.
                        while list.get(j).is_some_and(|r| r.key <= end) {
                            j += 1;
                        }
                        continue;
                    }
                    break Some(r.key.0);
                };
                if let Some(t) = bound {
                    let a = &mut w.accesses[idx as usize];
                    a.end = t.max(a.start);
                    a.uncertain = true;
                    let input = a.input;
                    w.loss(input).unended_accesses += 1;
                }
            }
            for (i, key, pos) in wait_at {
                if w.waits[i].end != OPEN {
                    continue;
                }
                if let Some(r) = actors[&key].get(pos + 1) {
                    let x = &mut w.waits[i];
                    x.end = r.key.0.max(x.start);
                    x.uncertain = true;
                    let input = x.input;
                    w.loss(input).unacquired_waits += 1;
                }
            }
        }
    }

    fn arb_event() -> impl Strategy<Value = (i64, u32, u8, u32, u32, u8, bool, i64)> {
        (
            0i64..4,
            0u32..3,
            0u8..9,
            1u32..3,
            0u32..3,
            0u8..3,
            any::<bool>(),
            0i64..5,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn streaming_replay_matches_the_two_pass_one(
            raw in proptest::collection::vec(arb_event(), 0..40)
        ) {
            let mut t = 0;
            let evs: Vec<Event> = raw
                .iter()
                .enumerate()
                .map(|(i, &(dt, g, k, obj, pair, op, shared, wait))| {
                    use Kind::*;
                    t += dt;
                    let kind = [AccessBegin, AccessEnd, AccessSpan, LockWait,
                        LockAcquired, LockReleased, Fork, Name, AccessBegin][k as usize];
                    let mut e = ev(t, g, kind, i as u32 + 1);
                    e.object = Sym(obj);
                    e.pair = if pair == 0 { Sym::NONE } else { Sym(10 + pair) };
                    e.op = [Op::Read, Op::Write, Op::Range][op as usize];
                    e.mode = if shared { Mode::Shared } else { Mode::Exclusive };
                    e.aux = match kind {
                        AccessSpan => t + wait - 1,
                        LockAcquired if wait > 0 => t - wait,
                        _ => i64::MIN,
                    };
                    e
                })
                .collect();
            let a = build(evs.iter().copied());
            let b = two_pass::reference(&evs);
            prop_assert_eq!(&a.accesses, &b.accesses);
            prop_assert_eq!(&a.holds, &b.holds);
            prop_assert_eq!(&a.waits, &b.waits);
            prop_assert_eq!(&a.unmatched, &b.unmatched);
            prop_assert_eq!(&a.names, &b.names);
            prop_assert_eq!(a.events, b.events);
            prop_assert_eq!(&a.losses, &b.losses);
        }
    }

    /// An event of actor `g` at `t` on object 1 (a map, or a lock for lock kinds).
    fn ev(t: i64, g: u32, kind: Kind, line: u32) -> Event {
        Event {
            time: t,
            aux: if kind == Kind::AccessSpan {
                t
            } else {
                i64::MIN
            },
            input: 0,
            line,
            scope: 0,
            actor: Sym(g),
            object: Sym(1),
            trace: Sym::NONE,
            key: Sym::NONE,
            caller: Sym::NONE,
            pair: Sym::NONE,
            kind,
            op: Op::Write,
            mode: Mode::Exclusive,
            rate: 0,
        }
    }

    fn replay(evs: &[Event]) -> Windows {
        build(evs.iter().copied())
    }

    #[test]
    fn a_lost_end_ends_at_the_actors_next_record_uncertain() {
        use Kind::*;
        let mut nested = ev(20, 7, AccessBegin, 2);
        nested.object = Sym(2);
        let mut nested_end = ev(30, 7, AccessEnd, 3);
        nested_end.object = Sym(2);
        let w = replay(&[
            ev(10, 7, AccessBegin, 1),
            nested,
            nested_end,
            ev(40, 7, AccessSpan, 4),
        ]);
        let a = w.accesses[0];
        assert_eq!((a.start, a.end, a.uncertain), (10, 40, true));
        assert!(!w.accesses[1].uncertain, "the nested pair is whole");
        assert_eq!(w.losses[0].unended_accesses, 1);
    }

    #[test]
    fn what_stays_open_for_lack_of_later_records_is_certain() {
        use Kind::*;
        let w = replay(&[ev(10, 7, AccessBegin, 1), ev(12, 8, AccessSpan, 2)]);
        assert!(w.accesses[0].is_open());
        assert!(!w.accesses[0].uncertain);
        assert!(w.losses.iter().all(|l| !l.any()));
    }

    #[test]
    fn a_lost_release_ends_the_hold_at_the_next_acquire() {
        use Kind::*;
        let w = replay(&[
            ev(10, 7, LockAcquired, 1),
            ev(20, 7, LockWait, 2),
            ev(30, 7, LockAcquired, 3),
            ev(40, 7, LockReleased, 4),
        ]);
        assert_eq!((w.holds[0].end, w.holds[0].uncertain), (20, true));
        assert_eq!((w.holds[1].end, w.holds[1].uncertain), (40, false));
        assert_eq!(w.losses[0].unreleased_holds, 1);
    }

    #[test]
    fn a_lost_acquire_makes_the_accesses_since_the_last_lock_event_uncertain() {
        use Kind::*;
        let mut access = ev(15, 7, AccessSpan, 3);
        access.object = Sym(2);
        let mut before = ev(5, 7, AccessSpan, 1);
        before.object = Sym(2);
        let w = replay(&[
            before,
            ev(8, 7, LockReleased, 2),
            access,
            ev(20, 7, LockReleased, 4),
        ]);
        // The first release has no acquire either: everything before it.
        assert!(w.accesses[0].uncertain);
        assert!(w.accesses[1].uncertain, "inside the lost hold (8, 20]");
        assert_eq!(w.losses[0].unmatched_releases, 2);
    }

    #[test]
    fn a_lost_acquire_of_a_wait_ends_it_at_the_next_record() {
        use Kind::*;
        let mut other = ev(25, 7, AccessSpan, 2);
        other.object = Sym(2);
        let w = replay(&[ev(10, 7, LockWait, 1), other]);
        assert_eq!((w.waits[0].end, w.waits[0].uncertain), (25, true));
    }
}
