//! Inputs of the happens-before mode: STD traces as they are, and complete
//! access logs turned into the same events — per scope, in time order:
//! accesses (at their begin or single record), lock acquires and releases,
//! forks and joins — with threads, variables, locks and locations (callers)
//! numbered densely.

use rustc_hash::FxHashMap;

use super::hb::{self, HbEvent, HbResult};
use crate::event::{Event, Kind};
use crate::formats::std_trace::{StdOp, StdTrace};
use crate::intern::Sym;

/// One racy pair, for the report: (thread, op, variable, location, input, line) per side.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HbSide {
    pub thread: String,
    pub op: &'static str,
    pub variable: String,
    pub loc: String,
    pub input: u32,
    pub line: u32,
}

/// The happens-before result of one scope or trace.
#[derive(Clone, Debug)]
pub struct HbScope {
    pub scope: String,
    pub result: HbResult,
    pub examples: Vec<(HbSide, HbSide)>,
    /// Names of location ids (callers, for logs); empty for traces, whose
    /// location ids are their own names.
    pub locations: Vec<String>,
}

impl HbScope {
    pub fn location_name(&self, loc: u32) -> String {
        self.locations
            .get(loc as usize)
            .cloned()
            .unwrap_or_else(|| loc.to_string())
    }
}

/// An STD trace's analysis.
pub fn from_std(path: &str, input: u32, trace: &StdTrace, examples: usize) -> HbScope {
    let result = hb::analyze(&trace.events, examples);
    let side = |i: usize| {
        let e = &trace.events[i];
        HbSide {
            thread: trace.threads[e.thread as usize].clone(),
            op: e.op.name(),
            variable: trace
                .variables
                .get(e.target as usize)
                .cloned()
                .unwrap_or_default(),
            loc: e.loc.to_string(),
            input,
            line: e.line,
        }
    };
    HbScope {
        scope: path.to_string(),
        examples: result
            .examples
            .iter()
            .map(|&(a, b)| (side(a), side(b)))
            .collect(),
        result,
        locations: Vec::new(),
    }
}

struct Ids(FxHashMap<Sym, u32>);

impl Ids {
    fn of(&mut self, s: Sym) -> u32 {
        let n = self.0.len() as u32;
        *self.0.entry(s).or_insert(n)
    }
}

/// Access logs: the events of one scope (time-ordered) as a trace.
pub fn from_events(
    scope: String,
    events: &[&Event],
    name: &dyn Fn(Sym) -> String,
    examples: usize,
) -> HbScope {
    let (mut threads, mut vars, mut locks, mut locs) = (
        Ids(FxHashMap::default()),
        Ids(FxHashMap::default()),
        Ids(FxHashMap::default()),
        Ids(FxHashMap::default()),
    );
    let mut trace: Vec<HbEvent> = Vec::with_capacity(events.len());
    let mut origin: Vec<&Event> = Vec::with_capacity(events.len());
    for ev in events {
        let (op, target) = match ev.kind {
            Kind::AccessBegin | Kind::AccessSpan => {
                let op = if ev.op.is_write() {
                    StdOp::Write
                } else {
                    StdOp::Read
                };
                (op, vars.of(ev.object))
            }
            Kind::LockAcquired => (StdOp::Acquire, locks.of(ev.object)),
            Kind::LockReleased => (StdOp::Release, locks.of(ev.object)),
            Kind::Fork => (StdOp::Fork, threads.of(ev.object)),
            Kind::Join => (StdOp::Join, threads.of(ev.object)),
            _ => continue,
        };
        trace.push(HbEvent {
            thread: threads.of(ev.actor),
            op,
            target,
            loc: locs.of(ev.caller),
        });
        origin.push(ev);
    }
    let result = hb::analyze(&trace, examples);
    let side = |i: usize| {
        let e = origin[i];
        HbSide {
            thread: name(e.actor),
            op: e.op.name(),
            variable: name(e.object),
            loc: name(e.caller),
            input: e.input,
            line: e.line,
        }
    };
    let mut locations = vec![String::new(); locs.0.len()];
    for (sym, id) in &locs.0 {
        locations[*id as usize] = name(*sym);
    }
    HbScope {
        scope,
        examples: result
            .examples
            .iter()
            .map(|&(a, b)| (side(a), side(b)))
            .collect(),
        result,
        locations,
    }
}
