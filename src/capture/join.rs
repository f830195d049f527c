//! Kernel windows among the log's: what the replay does with them once
//! windows are built ([`apply`]), and once lock sets are assigned
//! ([`Kernel::unlock`]), before conflicts are swept.
//!
//! - A kernel window is an access of a capture input whose caller is a
//!   runtime map function ([`Kernel::is_kernel`]).
//! - Operations on a nil map (`h=0x0`) touch no shared header: dropped.
//! - A call that never returned (a panic unwound it, or perf lost the
//!   return) while its goroutine went on to another map call ends where that
//!   call starts: a goroutine does one thing at a time. A call still open at
//!   the end of the capture stays open (the process crashed inside it).
//! - No lock protects a kernel window: two runtime-level windows on one map
//!   overlap only when no lock ordered them, so their lock set is emptied.
//! - A kernel window takes the trace id of its goroutine's log record (an
//!   access window, lock hold or wait of the same scope and goroutine) whose
//!   window contains it — the innermost — else of the nearest in time.
//! - A crash dump whose input has no records of its own joins the capture
//!   scope where its crashing goroutine's map call is still open (on the
//!   map the dump's `runtime.map*` frame names, when it names one), so that
//!   the crash gains the other side's window.

use rustc_hash::{FxHashMap, FxHashSet};

use super::MAP_FUNCS;
use crate::formats::goruntime::dump::Dump;
use crate::formats::goruntime::{is_map_func, map_arg};
use crate::formats::{Formats, Severity};
use crate::intern::{Interner, Sym};
use crate::pipeline::{Diagnostic, InputStats};
use crate::replay::windows::{Access, OPEN, Windows};

/// Diagnostics kept of the calls that never returned (all are counted).
const MAX_KEPT: usize = 100;

/// What tells kernel windows from log windows.
pub struct Kernel {
    inputs: Vec<bool>,
    /// Caller symbol → index into [`MAP_FUNCS`].
    funcs: FxHashMap<Sym, usize>,
}

impl Kernel {
    pub fn new(inputs: &[InputStats], interner: &Interner<'_>) -> Kernel {
        Kernel {
            inputs: inputs
                .iter()
                .map(|i| i.formats.contains(Formats::CAPTURE) || i.formats.contains(Formats::PERF))
                .collect(),
            funcs: MAP_FUNCS
                .iter()
                .enumerate()
                .filter_map(|(n, f)| Some((interner.get(f.name.as_bytes())?, n)))
                .collect(),
        }
    }

    /// The map function of a kernel window, `None` for a log window.
    fn func(&self, a: &Access) -> Option<usize> {
        if !self.inputs.get(a.input as usize).copied().unwrap_or(false) {
            return None;
        }
        self.funcs.get(&a.caller).copied()
    }

    pub fn is_kernel(&self, a: &Access) -> bool {
        self.func(a).is_some()
    }

    /// Whether any input is a capture.
    pub fn any(&self) -> bool {
        !self.funcs.is_empty() && self.inputs.iter().any(|&k| k)
    }

    /// Empties the lock set of every kernel window: call it after lock
    /// sets are assigned, before conflicts are swept.
    pub fn unlock(&self, accesses: &mut [Access]) {
        if !self.any() {
            return;
        }
        for a in accesses.iter_mut() {
            if self.is_kernel(a) {
                a.lockset = 0;
            }
        }
    }
}

/// Applies the rules of the module but the lock one ([`Kernel::unlock`]) to
/// `windows`, once they are built and clipped; returns the diagnostics and
/// how many there were.
pub fn apply(
    kernel: &Kernel,
    windows: &mut Windows,
    interner: &Interner<'_>,
    dumps: &[(u32, Dump)],
    dump_scopes: &mut [Option<u32>],
) -> (Vec<Diagnostic>, u64) {
    if !kernel.any() {
        return (Vec::new(), 0);
    }
    if let Some(nil) = interner.get(b"0x0") {
        windows
            .accesses
            .retain(|a| !(a.object == nil && kernel.is_kernel(a)));
    }
    let diags = bound_abandoned(&mut windows.accesses, kernel);
    join_traces(windows, kernel);
    adopt_dumps(&windows.accesses, kernel, interner, dumps, dump_scopes);
    let count = diags.len() as u64;
    (diags.into_iter().take(MAX_KEPT).collect(), count)
}

/// Ends each open kernel window whose goroutine later made another map call
/// (not one its function makes itself) where that call starts.
fn bound_abandoned(accesses: &mut [Access], kernel: &Kernel) -> Vec<Diagnostic> {
    let mut by_actor: FxHashMap<(u32, Sym), Vec<u32>> = FxHashMap::default();
    for (i, a) in accesses.iter().enumerate() {
        if kernel.is_kernel(a) {
            by_actor
                .entry((a.scope, a.actor))
                .or_default()
                .push(i as u32);
        }
    }
    let mut groups: Vec<Vec<u32>> = by_actor.into_values().collect();
    groups.sort_unstable();
    let mut diags = Vec::new();
    for mut idx in groups {
        idx.sort_by_key(|&i| (accesses[i as usize].start, accesses[i as usize].line));
        for (n, &i) in idx.iter().enumerate() {
            let a = accesses[i as usize];
            if a.end != OPEN {
                continue;
            }
            let Some(f) = kernel.func(&a) else { continue };
            let calls = MAP_FUNCS[f].calls;
            let next = idx[n + 1..]
                .iter()
                .map(|&j| &accesses[j as usize])
                .find(|b| {
                    b.start > a.start
                        && kernel
                            .func(b)
                            .is_some_and(|g| !calls.contains(&MAP_FUNCS[g].name))
                });
            if let Some(next) = next {
                let (end, name) = (next.start, MAP_FUNCS[f].name);
                accesses[i as usize].end = end;
                diags.push(Diagnostic {
                    input: a.input,
                    line: a.line,
                    col: 1,
                    severity: Severity::Warning,
                    message: format!(
                        "{name} never returned before its goroutine's next map call (a panic \
                         unwound it, or perf lost the return): its window ends there"
                    ),
                });
            }
        }
    }
    diags
}

/// One log interval of a goroutine that names a request.
#[derive(Clone, Copy)]
struct Traced {
    start: i64,
    end: i64,
    trace: Sym,
}

/// Gives each kernel window without a trace its goroutine's trace.
fn join_traces(windows: &mut Windows, kernel: &Kernel) {
    let mut logs: FxHashMap<(u32, Sym), Vec<Traced>> = FxHashMap::default();
    let mut push = |scope: u32, actor: Sym, start: i64, end: i64, trace: Sym| {
        if !trace.is_none() && !actor.is_none() {
            logs.entry((scope, actor))
                .or_default()
                .push(Traced { start, end, trace });
        }
    };
    for a in windows.accesses.iter().filter(|a| !kernel.is_kernel(a)) {
        push(a.scope, a.actor, a.start, a.end, a.trace);
    }
    for h in windows.holds.iter().chain(&windows.waits) {
        push(h.scope, h.actor, h.start, h.end, h.trace);
    }
    if logs.is_empty() {
        return;
    }
    let index: FxHashMap<(u32, Sym), Timeline> = logs
        .into_iter()
        .map(|(k, v)| (k, Timeline::new(v)))
        .collect();
    for a in windows.accesses.iter_mut() {
        if !a.trace.is_none() || !kernel.is_kernel(a) {
            continue;
        }
        if let Some(t) = index.get(&(a.scope, a.actor)) {
            a.trace = t.trace_for(a.start, a.end);
        }
    }
}

/// One goroutine's traced intervals, sorted by start, with the running
/// maximum of their ends (and which interval has it).
struct Timeline {
    items: Vec<Traced>,
    reach: Vec<(i64, u32)>,
}

impl Timeline {
    fn new(mut items: Vec<Traced>) -> Timeline {
        items.sort_by_key(|t| (t.start, t.end, t.trace));
        let mut best = (i64::MIN, 0u32);
        let reach = items
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if t.end >= best.0 {
                    best = (t.end, i as u32);
                }
                best
            })
            .collect();
        Timeline { items, reach }
    }

    /// The trace of the innermost interval containing `[start, end]`, else
    /// of the nearest one.
    fn trace_for(&self, start: i64, end: i64) -> Sym {
        let (v, reach) = (&self.items, &self.reach);
        let p = v.partition_point(|t| t.start <= start);
        for i in (0..p).rev() {
            if reach[i].0 < end {
                break;
            }
            if v[i].end >= end {
                return v[i].trace;
            }
        }
        let before = p.checked_sub(1).map(|i| {
            (
                start.saturating_sub(reach[i].0).max(0),
                v[reach[i].1 as usize].trace,
            )
        });
        let after = v
            .get(p)
            .map(|t| (t.start.saturating_sub(end).max(0), t.trace));
        match (before, after) {
            (Some(b), Some(a)) if a.0 < b.0 => a.1,
            (Some(b), _) => b.1,
            (None, Some(a)) => a.1,
            (None, None) => Sym::NONE,
        }
    }
}

/// Gives a crash dump without a scope the capture scope of its crash.
fn adopt_dumps(
    accesses: &[Access],
    kernel: &Kernel,
    interner: &Interner<'_>,
    dumps: &[(u32, Dump)],
    dump_scopes: &mut [Option<u32>],
) {
    for ((_, d), scope) in dumps.iter().zip(dump_scopes.iter_mut()) {
        if scope.is_some() || !d.is_crash() {
            continue;
        }
        let Some(g) = d
            .goroutines
            .iter()
            .filter(|g| interner.bytes(g.state) == b"running")
            .find(|g| !g.frames.is_empty())
        else {
            continue;
        };
        let Some(actor) = interner.get(g.id.to_string().as_bytes()) else {
            continue;
        };
        let address = g
            .frames
            .iter()
            .filter(|f| is_map_func(interner.bytes(f.func)))
            .find_map(|f| map_arg(interner.bytes(f.func), interner.bytes(f.args)))
            .map(|a| interner.get(a));
        let scopes: FxHashSet<u32> = accesses
            .iter()
            .filter(|a| a.end == OPEN && a.actor == actor && kernel.is_kernel(a))
            .filter(|a| address.is_none_or(|m| Some(a.object) == m))
            .map(|a| a.scope)
            .collect();
        if scopes.len() == 1 {
            *scope = scopes.into_iter().next();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(start: i64, end: i64, trace: u32) -> Traced {
        Traced {
            start,
            end,
            trace: Sym(trace),
        }
    }

    #[test]
    fn the_innermost_containing_window_names_the_trace() {
        let tl = Timeline::new(vec![t(0, 100, 1), t(10, 50, 2), t(60, 70, 3)]);
        assert_eq!(tl.trace_for(20, 30), Sym(2));
        assert_eq!(tl.trace_for(62, 65), Sym(3));
        assert_eq!(tl.trace_for(55, 58), Sym(1));
    }

    #[test]
    fn else_the_nearest_in_time() {
        let tl = Timeline::new(vec![t(0, 10, 1), t(100, 110, 2)]);
        assert_eq!(tl.trace_for(20, 25), Sym(1));
        assert_eq!(tl.trace_for(90, 95), Sym(2));
        assert_eq!(tl.trace_for(200, 210), Sym(2));
        assert_eq!(tl.trace_for(5, 8), Sym(1));
        let tl = Timeline::new(vec![t(100, 110, 2)]);
        assert_eq!(tl.trace_for(20, 25), Sym(2));
    }
}
