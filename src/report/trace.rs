//! `--format trace`: the Trace Event Format (JSON object form) that Perfetto
//! and `chrome://tracing` open.
//!
//! - a process per scope (`pid` = scope number + 1) and a thread per
//!   goroutine (`tid` = the goroutine id; ids that are not numbers get
//!   numbers past the largest), named by `M` metadata events;
//! - a complete event (`"ph":"X"` with `dur`) for every access window
//!   (`cat` `access`, as many as `summary.accesses`), hold (`hold`) and
//!   wait (`wait`); one still open at the end of the input lasts to its
//!   scope's last record and says `"open":true`;
//! - flow events (`"s"` then `"f"` with `"bp":"e"`, one `id` per flow) from
//!   each conflicting access of the report's examples to its partner
//!   (`conflict`), from each hold to the wait it blocked (`contention`, for
//!   the holder → waiter pairs the report lists) and around deadlock cycles
//!   (`deadlock`). A flow point lies inside its slice and, where it can,
//!   outside the slices nested in it, so the viewer binds it to that slice;
//! - an instant event (`"ph":"i"`) on the crashing goroutine for each crash,
//!   after its process's last record (a dump has no times);
//! - findings with no time to place them at (race reports, happens-before
//!   pairs, crashes of a process without records) in `otherData`'s
//!   `untimed_findings`: kind, id, title and source of each.
//!
//! `ts` and `dur` are microseconds printed from integer nanoseconds
//! (`ns / 1000 "." ns % 1000`), rebased to the whole second before the first
//! event so that viewers keeping times as doubles lose nothing; the origin
//! is in `otherData`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use rustc_hash::FxHashMap;

use super::scene::{Index, Ref, Views};
use super::table::time;
use super::{Finding, Report, natural_key};
use crate::event::Mode;
use crate::intern::Sym;
use crate::replay::windows::OPEN;

pub struct Trace<'v, 'r, 'a> {
    pub views: &'v Views<'r, 'a>,
}

/// A JSON string.
fn js(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// Microseconds with three decimals from nanoseconds, exactly.
fn micros(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let n = ns.unsigned_abs();
    format!("{sign}{}.{:03}", n / 1000, n % 1000)
}

/// One output event and where it sorts: metadata first, then by time.
struct Ev {
    key: (u8, i64, u32, u32, u64),
    json: String,
}

struct Writer<'x, 'r, 'a> {
    ix: &'x Index<'r, 'a>,
    origin: i64,
    tids: FxHashMap<(u32, Sym), u32>,
    events: Vec<Ev>,
    seq: u64,
    flows: u64,
}

impl Writer<'_, '_, '_> {
    fn push(&mut self, phase: u8, ts: i64, pid: u32, tid: u32, json: String) {
        self.seq += 1;
        self.events.push(Ev {
            key: (phase, ts, pid, tid, self.seq),
            json,
        });
    }

    fn ts(&self, ns: i64) -> String {
        micros(ns - self.origin)
    }

    /// The end drawn for an interval: its own, or its scope's last record.
    fn end(&self, scope: u32, start: i64, end: i64) -> (i64, bool) {
        if end == OPEN {
            (self.ix.end_of(scope).max(start), true)
        } else {
            (end, false)
        }
    }

    fn complete(&mut self, r: Ref) {
        let an = self.ix.an;
        let w = &an.windows;
        let s = |x: Sym| an.interner.str(x).into_owned();
        let (scope, actor, start, end, name, cat, mut args) = match r {
            Ref::Access(i) => {
                let a = &w.accesses[i as usize];
                let object = self.ix.object_label(a.scope, a.object);
                let mut args = vec![("object", js(&s(a.object))), ("op", js(a.op.name()))];
                if !a.key.is_none() {
                    args.push(("key", js(&s(a.key))));
                }
                if !a.caller.is_none() {
                    args.push(("site", js(&s(a.caller))));
                }
                if a.end_line != 0 {
                    args.push(("end_source", js(&an.source(a.end_input, a.end_line))));
                }
                args.push(("source", js(&an.source(a.input, a.line))));
                if !a.trace.is_none() {
                    args.push(("trace", js(&s(a.trace))));
                }
                if a.uncertain {
                    args.push(("uncertain", "true".into()));
                }
                let name = format!("{} {object}", a.op.name());
                (a.scope, a.actor, a.start, a.end, name, "access", args)
            }
            Ref::Hold(i) | Ref::Wait(i) => {
                let (x, cat) = match r {
                    Ref::Hold(_) => (&w.holds[i as usize], "hold"),
                    _ => (&w.waits[i as usize], "wait"),
                };
                let lock = self.ix.object_label(x.scope, x.lock);
                let mode = match x.mode {
                    Mode::Exclusive => "exclusive",
                    Mode::Shared => "shared",
                };
                let mut args = vec![
                    ("lock", js(&s(x.lock))),
                    ("mode", js(mode)),
                    ("source", js(&an.source(x.input, x.line))),
                ];
                if !x.trace.is_none() {
                    args.push(("trace", js(&s(x.trace))));
                }
                if x.uncertain {
                    args.push(("uncertain", "true".into()));
                }
                (
                    x.scope,
                    x.actor,
                    x.start,
                    x.end,
                    format!("{cat} {lock}"),
                    cat,
                    args,
                )
            }
        };
        let (end, open) = self.end(scope, start, end);
        if open {
            args.push(("open", "true".into()));
        }
        args.push(("start", js(&time(start))));
        let pid = scope + 1;
        let tid = self.tids[&(scope, actor)];
        let args: Vec<String> = args.iter().map(|(k, v)| format!("\"{k}\":{v}")).collect();
        let json = format!(
            "{{\"name\":{},\"cat\":\"{cat}\",\"ph\":\"X\",\"ts\":{},\"dur\":{},\"pid\":{pid},\"tid\":{tid},\"args\":{{{}}}}}",
            js(&name),
            self.ts(start),
            micros(end - start),
            args.join(",")
        );
        self.push(1, start, pid, tid, json);
    }

    /// A time inside `r` within `[lo, hi]`, outside the slices of the same
    /// goroutine nested in `r` when there is such a time, so that a viewer
    /// binds a flow point there to `r` itself.
    fn point(&self, r: Ref, lo: i64, hi: i64) -> i64 {
        let (s, e) = self.ix.interval(r);
        let (scope, actor) = self.ix.owner(r).unwrap_or((0, Sym::NONE));
        let (e, _) = self.end(scope, s, e);
        // Strictly inside when the slice is wide enough: a point on an edge
        // may bind to a neighbour.
        let (inner_lo, inner_hi) = if e - s >= 2 { (s + 1, e - 1) } else { (s, e) };
        let lo = lo.max(inner_lo);
        let hi = hi.min(inner_hi);
        if lo > hi {
            // No common instant inside: the slice's nearest one.
            return lo.clamp(inner_lo, inner_hi.max(inner_lo));
        }
        let mut nested: Vec<(i64, i64)> = self
            .ix
            .around(scope, actor, lo, hi)
            .into_iter()
            .filter(|&x| x != r)
            .map(|x| {
                let (a, b) = self.ix.interval(x);
                (a, self.end(scope, a, b).0)
            })
            .filter(|&(a, b)| a >= s && b <= e)
            .collect();
        nested.sort_unstable();
        let mut t = lo;
        for (a, b) in nested {
            if a <= t && t <= b {
                t = b + 1;
            }
        }
        if t <= hi { t } else { lo + (hi - lo) / 2 }
    }

    fn flow(&mut self, cat: &str, name: &str, from: (Ref, i64), to: (Ref, i64)) {
        let place = |w: &Self, r: Ref| {
            let (scope, actor) = w.ix.owner(r)?;
            Some((scope + 1, *w.tids.get(&(scope, actor))?))
        };
        let (Some((pa, ta)), Some((pb, tb))) = (place(self, from.0), place(self, to.0)) else {
            return;
        };
        self.flows += 1;
        let id = self.flows;
        let name = js(name);
        let s = format!(
            "{{\"name\":{name},\"cat\":\"{cat}\",\"ph\":\"s\",\"id\":{id},\"ts\":{},\"pid\":{pa},\"tid\":{ta}}}",
            self.ts(from.1)
        );
        let f = format!(
            "{{\"name\":{name},\"cat\":\"{cat}\",\"ph\":\"f\",\"bp\":\"e\",\"id\":{id},\"ts\":{},\"pid\":{pb},\"tid\":{tb}}}",
            self.ts(to.1)
        );
        self.push(2, from.1, pa, ta, s);
        self.push(2, to.1, pb, tb, f);
    }
}

/// Thread ids: the goroutine id when it is a number a viewer keeps (u31),
/// else numbers past the largest such id, in name order.
fn thread_ids(
    an: &crate::pipeline::Analysis<'_>,
    pairs: &[(u32, Sym)],
) -> FxHashMap<(u32, Sym), u32> {
    let mut out = FxHashMap::default();
    let num = |s: Sym| {
        an.interner
            .str(s)
            .parse::<u32>()
            .ok()
            .filter(|&n| n <= i32::MAX as u32)
    };
    let mut next = pairs
        .iter()
        .filter_map(|&(_, a)| num(a))
        .max()
        .map_or(1, |m| m.saturating_add(1));
    let mut others: Vec<(u32, String, Sym)> = Vec::new();
    for &(scope, a) in pairs {
        match num(a) {
            Some(n) => {
                out.insert((scope, a), n);
            }
            None => others.push((scope, an.interner.str(a).into_owned(), a)),
        }
    }
    others.sort();
    for (scope, _, a) in others {
        out.insert((scope, a), next);
        next = next.saturating_add(1);
    }
    out
}

impl super::Renderer for Trace<'_, '_, '_> {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let an = self.views.an;
        let ix = Index::new(an);
        let w = &an.windows;
        let first = w
            .accesses
            .iter()
            .map(|a| a.start)
            .chain(w.holds.iter().map(|h| h.start))
            .chain(w.waits.iter().map(|x| x.start))
            .min()
            .unwrap_or(0);
        let origin = first.div_euclid(1_000_000_000) * 1_000_000_000;

        // Every (scope, goroutine) with a window, and the crashing goroutines.
        let mut pairs: Vec<(u32, Sym)> = w
            .accesses
            .iter()
            .map(|a| (a.scope, a.actor))
            .chain(w.holds.iter().map(|h| (h.scope, h.actor)))
            .chain(w.waits.iter().map(|x| (x.scope, x.actor)))
            .collect();
        let crash_threads: Vec<Option<(u32, Sym)>> = report
            .crashes
            .iter()
            .map(|c| {
                let scope = ix.scope_id(&c.scope)?;
                let g = an.interner.get(c.goroutine?.to_string().as_bytes())?;
                Some((scope, g))
            })
            .collect();
        pairs.extend(crash_threads.iter().flatten().copied());
        pairs.sort_unstable();
        pairs.dedup();
        let tids = thread_ids(an, &pairs);

        let mut wr = Writer {
            ix: &ix,
            origin,
            tids,
            events: Vec::with_capacity(w.accesses.len() + w.holds.len() + w.waits.len() + 64),
            seq: 0,
            flows: 0,
        };
        // Metadata: process and thread names, in scope and goroutine order.
        let mut scopes: Vec<u32> = pairs.iter().map(|p| p.0).collect();
        scopes.dedup();
        for &scope in &scopes {
            let pid = scope + 1;
            wr.push(0, 0, pid, 0, format!(
                "{{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":{pid},\"tid\":0,\"args\":{{\"name\":{}}}}}",
                js(&an.scope_name(scope))
            ));
            wr.push(0, 0, pid, 0, format!(
                "{{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":{pid},\"tid\":0,\"args\":{{\"sort_index\":{pid}}}}}"
            ));
        }
        let mut threads: Vec<(u32, u32, String)> = pairs
            .iter()
            .map(|&(scope, a)| {
                (
                    scope + 1,
                    wr.tids[&(scope, a)],
                    an.interner.str(a).into_owned(),
                )
            })
            .collect();
        threads.sort_by(|x, y| (x.0, natural_key(&x.2)).cmp(&(y.0, natural_key(&y.2))));
        for (pid, tid, name) in &threads {
            wr.push(0, 0, *pid, *tid, format!(
                "{{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":{pid},\"tid\":{tid},\"args\":{{\"name\":{}}}}}",
                js(&format!("goroutine {name}"))
            ));
            wr.push(0, 0, *pid, *tid, format!(
                "{{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":{pid},\"tid\":{tid},\"args\":{{\"sort_index\":{tid}}}}}"
            ));
        }

        for i in 0..w.accesses.len() as u32 {
            wr.complete(Ref::Access(i));
        }
        for i in 0..w.holds.len() as u32 {
            wr.complete(Ref::Hold(i));
        }
        for i in 0..w.waits.len() as u32 {
            wr.complete(Ref::Wait(i));
        }

        // Conflicting accesses: the report's examples, partner to partner.
        for c in &report.conflicts {
            let Some(scope) = ix.scope_id(&c.scope) else {
                continue;
            };
            let find = |s: &super::ConflictSide| {
                let actor = ix.actor(&s.actor)?;
                let at = ix.source_of(&s.source)?;
                ix.find_access(scope, actor, s.start_ns?, at)
                    .map(Ref::Access)
            };
            let (Some(a), Some(b)) = (find(&c.a), find(&c.b)) else {
                continue;
            };
            let (sa, ea) = ix.interval(a);
            let (sb, eb) = ix.interval(b);
            let lo = sa.max(sb);
            let hi = wr.end(scope, sa, ea).0.min(wr.end(scope, sb, eb).0).max(lo);
            let pa = wr.point(a, lo, hi);
            let pb = wr.point(b, pa, hi);
            let object = match a {
                Ref::Access(i) => ix.object_label(scope, w.accesses[i as usize].object),
                _ => c.object.clone(),
            };
            let name = format!("{} {object}", c.kind);
            wr.flow("conflict", &name, (a, pa), (b, pb));
        }

        // Holder → waiter: each hold that blocked a wait, for the pairs the
        // report lists.
        let mut listed: FxHashMap<(u32, String, String, String), ()> = FxHashMap::default();
        for e in &report.contention {
            if let Some(scope) = ix.scope_id(&e.scope) {
                listed.insert(
                    (scope, e.lock.clone(), e.holder.clone(), e.waiter.clone()),
                    (),
                );
            }
        }
        if !listed.is_empty() {
            let mut holds: BTreeMap<(u32, Sym), Vec<u32>> = BTreeMap::new();
            for (i, h) in w.holds.iter().enumerate() {
                holds.entry((h.scope, h.lock)).or_default().push(i as u32);
            }
            let mut longest: FxHashMap<(u32, Sym), i64> = FxHashMap::default();
            for (k, v) in holds.iter_mut() {
                v.sort_by_key(|&i| (w.holds[i as usize].start, i));
                let l = v
                    .iter()
                    .map(|&i| {
                        let h = &w.holds[i as usize];
                        wr.end(h.scope, h.start, h.end).0 - h.start
                    })
                    .max()
                    .unwrap_or(0);
                longest.insert(*k, l);
            }
            let s = |x: Sym| an.interner.str(x).into_owned();
            for (wi, x) in w.waits.iter().enumerate() {
                if x.end == OPEN || x.end <= x.start {
                    continue;
                }
                let Some(list) = holds.get(&(x.scope, x.lock)) else {
                    continue;
                };
                let from = x.start - longest[&(x.scope, x.lock)];
                let first = list.partition_point(|&i| w.holds[i as usize].start < from);
                for &hk in &list[first..] {
                    let h = &w.holds[hk as usize];
                    if h.start >= x.end {
                        break;
                    }
                    let (he, _) = wr.end(h.scope, h.start, h.end);
                    let blocks = h.actor != x.actor
                        && he > x.start
                        && (h.mode == Mode::Exclusive || x.mode == Mode::Exclusive);
                    if !blocks
                        || !listed.contains_key(&(x.scope, s(x.lock), s(h.actor), s(x.actor)))
                    {
                        continue;
                    }
                    let lo = h.start.max(x.start);
                    let hi = he.min(x.end);
                    let (hold, wait) = (Ref::Hold(hk), Ref::Wait(wi as u32));
                    let pa = wr.point(hold, lo, hi);
                    let pb = wr.point(wait, pa, hi);
                    let name = format!("blocked on {}", ix.object_label(x.scope, x.lock));
                    wr.flow("contention", &name, (hold, pa), (wait, pb));
                }
            }
        }

        // Deadlock cycles: each hold to the wait it never let go.
        for d in &report.deadlocks {
            let Some(scope) = ix.scope_id(&d.scope) else {
                continue;
            };
            let Some((_, pairs)) = ix.cycle(scope, d) else {
                continue;
            };
            for (h, x) in pairs {
                let Some(h) = h else { continue };
                let end = ix.end_of(scope).max(d.at_ns);
                let pa = wr.point(h, d.at_ns, end);
                let pb = wr.point(x, d.at_ns, end);
                wr.flow("deadlock", "deadlock", (h, pa), (x, pb));
            }
        }

        // Crashes: after the process's last record, on the crashing goroutine.
        let mut drawn_crashes: Vec<&str> = Vec::new();
        for (c, thread) in report.crashes.iter().zip(&crash_threads) {
            let Some(scope) = ix.scope_id(&c.scope) else {
                continue;
            };
            if ix
                .scope_end
                .get(scope as usize)
                .is_none_or(|&e| e == i64::MIN)
            {
                continue;
            }
            drawn_crashes.push(&c.id);
            let at = ix.end_of(scope);
            let pid = scope + 1;
            let mut args = vec![
                format!("\"source\":{}", js(&c.source)),
                format!(
                    "\"messages\":{}",
                    serde_json::to_string(&c.messages).unwrap_or_default()
                ),
            ];
            if let Some(site) = &c.site {
                args.push(format!("\"site\":{}", js(site)));
            }
            if let Some(g) = c.goroutine {
                args.push(format!("\"goroutine\":{g}"));
            }
            let name = js(c.messages.first().map_or("crash", String::as_str));
            let (tid, scope_kind) = match thread {
                Some(t) => (wr.tids[t], "t"),
                None => (0, "p"),
            };
            let json = format!(
                "{{\"name\":{name},\"cat\":\"crash\",\"ph\":\"i\",\"s\":\"{scope_kind}\",\"ts\":{},\"pid\":{pid},\"tid\":{tid},\"args\":{{{}}}}}",
                wr.ts(at),
                args.join(",")
            );
            wr.push(3, at, pid, tid, json);
        }

        let mut events = std::mem::take(&mut wr.events);
        // Metadata in the order written, then by time: slices before the
        // flow points and instants at the same time.
        events.sort_unstable_by_key(|e| {
            let (phase, ts, _, _, seq) = e.key;
            if phase == 0 {
                (0, 0, 0, seq)
            } else {
                (1, ts, phase, seq)
            }
        });
        // Findings without times have no event: `otherData` lists them.
        let untimed: Vec<String> = report
            .findings()
            .iter()
            .filter(|f| match f.finding {
                Finding::Site(_) | Finding::Deadlock(_) => false,
                Finding::Crash(c) => !drawn_crashes.contains(&c.id.as_str()),
                Finding::Race(_) | Finding::HappensBefore(_) => true,
            })
            .map(|f| {
                format!(
                    "{{\"kind\":{},\"id\":{},\"title\":{},\"source\":{}}}",
                    js(f.kind.name()),
                    js(&f.id),
                    js(&f.title),
                    js(&f.source)
                )
            })
            .collect();
        let untimed = if untimed.is_empty() {
            String::new()
        } else {
            format!(",\"untimed_findings\":[{}]", untimed.join(","))
        };
        write!(
            out,
            "{{\"displayTimeUnit\":\"ns\",\"otherData\":{{\"generator\":\"racetrail {}\",\"origin\":{},\"origin_ns\":\"{origin}\",\"ts_unit\":\"microseconds since origin\"{untimed}}},\"traceEvents\":[",
            env!("CARGO_PKG_VERSION"),
            js(&time(origin)),
        )?;
        for (k, e) in events.iter().enumerate() {
            out.write_all(if k == 0 { b"\n" } else { b",\n" })?;
            out.write_all(e.json.as_bytes())?;
        }
        out.write_all(b"\n]}\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn microseconds_are_exact() {
        assert_eq!(micros(0), "0.000");
        assert_eq!(micros(1), "0.001");
        assert_eq!(micros(875_316_209), "875316.209");
        assert_eq!(micros(-1_500), "-1.500");
        // Epoch nanoseconds would keep every digit too (no f64 on the way).
        assert_eq!(micros(1_795_702_702_450_876_123), "1795702702450876.123");
    }
}
