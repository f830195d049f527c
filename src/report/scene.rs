//! Scenes: what the timelines draw, one per finding — a conflict example, a
//! crash with its other side, a deadlock's cycle. The report says which
//! findings (after `--trace`, `--object`, `--goroutine`); the analysis gives
//! every window, hold and wait of the goroutines involved around each one.
//! The terminal timeline and the HTML page draw the same scenes; the trace
//! export and the HTML page read the evidence lines through [`Views`].
//!
//! Times stay integer nanoseconds; an open window keeps [`OPEN`] as its end
//! and the renderers draw it to the edge of the axis.

use rustc_hash::FxHashMap;

use super::{Conflict, Filters, Report};
use crate::event::{Mode, Op};
use crate::intern::Sym;
use crate::pipeline::Analysis;
use crate::replay::windows::{Access, LockSpan, OPEN};
use crate::source::Input;

/// Context items kept per lane on the terminal, the nearest to the finding
/// first: enough to see what each goroutine was doing.
pub const LANE_ITEMS: usize = 16;
/// Log text longer than this is cut in the evidence lines.
const LINE_TEXT: usize = 400;

/// What the renderers that show more than the report need: the analysis
/// (windows, holds, waits) and the inputs' bytes (the evidence lines).
pub struct Views<'r, 'a> {
    pub an: &'r Analysis<'a>,
    pub inputs: &'r [Input],
    /// `--around`: time shown either side of a finding.
    pub around: Option<i64>,
    pub filters: &'r Filters,
}

/// One of a lane's intervals.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ItemKind {
    Access(Op),
    Hold(Mode),
    Wait,
}

/// A deadlock's goroutines, and per goroutine its wait with the hold it waits on.
pub type Cycle = (Vec<Sym>, Vec<(Option<Ref>, Ref)>);

/// What an item is in the analysis: an index into its windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ref {
    Access(u32),
    Hold(u32),
    Wait(u32),
}

#[derive(Clone, Debug)]
pub struct Item {
    pub kind: ItemKind,
    pub what: Ref,
    /// `write "GET /cart"`, `hold carts.mu`, `wait ledger.mu`.
    pub label: String,
    pub start: i64,
    /// [`OPEN`] when it never ended.
    pub end: i64,
    /// Part of the finding (a conflicting window, a crash's open access, a
    /// deadlock's wait or hold), not context.
    pub focus: bool,
    /// (input, line) of the begin (or single) record, and of the end record.
    pub source: (u32, u32),
    pub end_source: Option<(u32, u32)>,
    pub trace: Option<String>,
}

impl Item {
    pub fn is_open(&self) -> bool {
        self.end == OPEN
    }
}

#[derive(Clone, Debug)]
pub struct Lane {
    /// The goroutine id.
    pub actor: String,
    /// By start, then end.
    pub items: Vec<Item>,
    /// Context items left out (past [`LANE_ITEMS`]).
    pub hidden: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    Crash,
    Deadlock,
}

/// An instant on a lane: where a crash happened, when a cycle closed.
#[derive(Clone, Debug)]
pub struct Mark {
    pub kind: MarkKind,
    pub lane: usize,
    pub at: i64,
    pub label: String,
}

/// From one item to another (lane, item): conflicting partners, holder to waiter.
#[derive(Clone, Copy, Debug)]
pub struct Arrow {
    pub from: (usize, usize),
    pub to: (usize, usize),
    pub at: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SceneKind {
    Conflict,
    Crash,
    Deadlock,
}

#[derive(Clone, Debug)]
pub struct Scene {
    pub kind: SceneKind,
    /// Unique within a report: `site-1`, `site-1-2` (second example), `crash-1`, `deadlock-1`.
    pub anchor: String,
    pub title: String,
    pub scope: String,
    /// Offsets on the axis are from here: the finding's first instant.
    pub zero: i64,
    pub from: i64,
    pub to: i64,
    pub lanes: Vec<Lane>,
    /// The interval to highlight, and what it is (`overlap`, `deadlocked`).
    pub band: Option<(i64, i64, &'static str)>,
    pub marks: Vec<Mark>,
    pub arrows: Vec<Arrow>,
    /// Why there is nothing to draw, when there is not.
    pub note: Option<String>,
}

/// Per (scope, actor): indices of its windows, holds and waits by start.
#[derive(Default)]
struct ActorItems {
    accesses: Vec<u32>,
    holds: Vec<u32>,
    waits: Vec<u32>,
    /// The longest closed interval, to bound range queries by start.
    longest: i64,
    /// Open ones reach every later time.
    open: Vec<Ref>,
}

/// The analysis indexed for scenes.
pub struct Index<'r, 'a> {
    pub an: &'r Analysis<'a>,
    by_actor: FxHashMap<(u32, Sym), ActorItems>,
    /// The last instant of each scope's records (a crash happens after it).
    pub scope_end: Vec<i64>,
    scope_ids: FxHashMap<String, u32>,
    input_ids: FxHashMap<&'r str, u32>,
    /// Context items kept per lane ([`LANE_ITEMS`] unless set).
    pub lane_items: usize,
}

fn span(s: &LockSpan) -> (i64, i64) {
    (s.start, s.end)
}

impl<'r, 'a> Index<'r, 'a> {
    pub fn new(an: &'r Analysis<'a>) -> Index<'r, 'a> {
        let w = &an.windows;
        let mut by_actor: FxHashMap<(u32, Sym), ActorItems> = FxHashMap::default();
        let mut scope_end = vec![i64::MIN; an.scopes.len()];
        let mut note = |scope: u32, s: i64, e: i64| {
            let end = &mut scope_end[scope as usize];
            *end = (*end).max(s);
            if e != OPEN {
                *end = (*end).max(e);
            }
        };
        for (i, a) in w.accesses.iter().enumerate() {
            note(a.scope, a.start, a.end);
            let it = by_actor.entry((a.scope, a.actor)).or_default();
            it.accesses.push(i as u32);
            if a.end == OPEN {
                it.open.push(Ref::Access(i as u32));
            } else {
                it.longest = it.longest.max(a.end - a.start);
            }
        }
        for (hold, spans) in [(true, &w.holds), (false, &w.waits)] {
            for (i, x) in spans.iter().enumerate() {
                note(x.scope, x.start, x.end);
                let it = by_actor.entry((x.scope, x.actor)).or_default();
                let (list, r) = if hold {
                    (&mut it.holds, Ref::Hold(i as u32))
                } else {
                    (&mut it.waits, Ref::Wait(i as u32))
                };
                list.push(i as u32);
                if x.end == OPEN {
                    it.open.push(r);
                } else {
                    it.longest = it.longest.max(x.end - x.start);
                }
            }
        }
        for it in by_actor.values_mut() {
            it.accesses
                .sort_by_key(|&i| (w.accesses[i as usize].start, i));
            it.holds.sort_by_key(|&i| (w.holds[i as usize].start, i));
            it.waits.sort_by_key(|&i| (w.waits[i as usize].start, i));
        }
        let scope_ids = (0..an.scopes.len() as u32)
            .map(|s| (an.scope_name(s), s))
            .collect();
        let input_ids = an
            .inputs
            .iter()
            .enumerate()
            .map(|(i, s)| (s.path.as_str(), i as u32))
            .collect();
        Index {
            an,
            by_actor,
            scope_end,
            scope_ids,
            input_ids,
            lane_items: LANE_ITEMS,
        }
    }

    pub fn scope_id(&self, name: &str) -> Option<u32> {
        self.scope_ids.get(name).copied()
    }

    /// `path:line` → (input, line).
    pub fn source_of(&self, source: &str) -> Option<(u32, u32)> {
        let (path, line) = source.rsplit_once(':')?;
        Some((*self.input_ids.get(path)?, line.parse().ok()?))
    }

    pub fn actor(&self, name: &str) -> Option<Sym> {
        self.an.interner.get(name.as_bytes())
    }

    fn sym(&self, s: Sym) -> String {
        self.an.interner.str(s).into_owned()
    }

    /// The scope's last instant (0 when it has no records).
    pub fn end_of(&self, scope: u32) -> i64 {
        self.scope_end
            .get(scope as usize)
            .copied()
            .filter(|&e| e != i64::MIN)
            .unwrap_or(0)
    }

    /// The access of `actor` starting at `start` whose begin record is `at`.
    pub fn find_access(&self, scope: u32, actor: Sym, start: i64, at: (u32, u32)) -> Option<u32> {
        let it = self.by_actor.get(&(scope, actor))?;
        let acc = &self.an.windows.accesses;
        let from = it
            .accesses
            .partition_point(|&i| acc[i as usize].start < start);
        it.accesses[from..]
            .iter()
            .take_while(|&&i| acc[i as usize].start == start)
            .copied()
            .find(|&i| (acc[i as usize].input, acc[i as usize].line) == at)
    }

    /// Everything of (scope, actor) that meets `[from, to]`, by start.
    pub fn around(&self, scope: u32, actor: Sym, from: i64, to: i64) -> Vec<Ref> {
        let Some(it) = self.by_actor.get(&(scope, actor)) else {
            return Vec::new();
        };
        let w = &self.an.windows;
        let lo = from.saturating_sub(it.longest);
        let mut out: Vec<Ref> = Vec::new();
        let meets = |(s, e): (i64, i64)| s <= to && (e >= from || e == OPEN);
        let mut take = |list: &[u32], at: &dyn Fn(u32) -> (i64, i64), wrap: fn(u32) -> Ref| {
            let first = list.partition_point(|&i| at(i).0 < lo);
            for &i in &list[first..] {
                let se = at(i);
                if se.0 > to {
                    break;
                }
                if se.1 != OPEN && meets(se) {
                    out.push(wrap(i));
                }
            }
        };
        take(
            &it.accesses,
            &|i| {
                let a = &w.accesses[i as usize];
                (a.start, a.end)
            },
            Ref::Access,
        );
        take(&it.holds, &|i| span(&w.holds[i as usize]), Ref::Hold);
        take(&it.waits, &|i| span(&w.waits[i as usize]), Ref::Wait);
        out.extend(
            it.open
                .iter()
                .copied()
                .filter(|r| self.interval(*r).0 <= to),
        );
        out
    }

    pub fn interval(&self, r: Ref) -> (i64, i64) {
        let w = &self.an.windows;
        match r {
            Ref::Access(i) => {
                let a = &w.accesses[i as usize];
                (a.start, a.end)
            }
            Ref::Hold(i) => span(&w.holds[i as usize]),
            Ref::Wait(i) => span(&w.waits[i as usize]),
        }
    }

    /// `path:line` of a record.
    pub fn source(&self, (input, line): (u32, u32)) -> String {
        self.an.source(input, line)
    }

    /// The label of an access: its op, the map when it is not the
    /// finding's, and its key.
    pub fn access_label(&self, a: &Access, focus_object: Option<Sym>) -> String {
        let mut label = a.op.name().to_string();
        if focus_object != Some(a.object) {
            label.push(' ');
            label.push_str(&self.object_label(a.scope, a.object));
        }
        let key = self.an.interner.str(a.key);
        if !key.is_empty() {
            label.push_str(&format!(" {key:?}"));
        }
        if a.uncertain {
            // Records of it may be missing (a sampled log): not evidence.
            label.push_str(" (uncertain)");
        }
        label
    }

    /// A map or lock as people know it: its name when a record gave one.
    pub fn object_label(&self, scope: u32, object: Sym) -> String {
        self.an
            .name_of(scope, object)
            .unwrap_or_else(|| self.sym(object))
    }

    pub fn item(&self, r: Ref, focus_object: Option<Sym>) -> Item {
        let w = &self.an.windows;
        let opt = |s: Sym| Some(self.sym(s)).filter(|t| !t.is_empty());
        match r {
            Ref::Access(i) => {
                let a = &w.accesses[i as usize];
                Item {
                    kind: ItemKind::Access(a.op),
                    what: r,
                    label: self.access_label(a, focus_object),
                    start: a.start,
                    end: a.end,
                    focus: false,
                    source: (a.input, a.line),
                    end_source: (a.end_line != 0).then_some((a.end_input, a.end_line)),
                    trace: opt(a.trace),
                }
            }
            Ref::Hold(i) | Ref::Wait(i) => {
                let (s, kind, verb) = match r {
                    Ref::Hold(_) => {
                        let h = &w.holds[i as usize];
                        let verb = match h.mode {
                            Mode::Exclusive => "hold",
                            Mode::Shared => "rhold",
                        };
                        (h, ItemKind::Hold(h.mode), verb)
                    }
                    _ => (&w.waits[i as usize], ItemKind::Wait, "wait"),
                };
                Item {
                    kind,
                    what: r,
                    label: format!(
                        "{verb} {}{}",
                        self.object_label(s.scope, s.lock),
                        if s.uncertain { " (uncertain)" } else { "" }
                    ),
                    start: s.start,
                    end: s.end,
                    focus: false,
                    source: (s.input, s.line),
                    end_source: None,
                    trace: opt(s.trace),
                }
            }
        }
    }

    /// The lanes of `actors` over `[from, to]`, the `focus` items marked.
    fn lanes(
        &self,
        scope: u32,
        actors: &[Sym],
        focus: &[Ref],
        object: Option<Sym>,
        (from, to, zero): (i64, i64, i64),
    ) -> Vec<Lane> {
        actors
            .iter()
            .map(|&actor| {
                let mut refs = self.around(scope, actor, from, to);
                for f in focus {
                    if self.owner(*f) == Some((scope, actor)) && !refs.contains(f) {
                        refs.push(*f);
                    }
                }
                // The nearest context first, every focus item kept.
                let near = |r: &Ref| {
                    let (s, e) = self.interval(*r);
                    let e = if e == OPEN { to } else { e };
                    if e < zero {
                        zero - e
                    } else {
                        (s - zero).max(0)
                    }
                };
                refs.sort_by_key(|r| (!focus.contains(r), near(r), *r));
                let kept = refs.len().min(self.lane_items.max(focus.len()));
                let hidden = refs.len() - kept;
                refs.truncate(kept);
                let mut items: Vec<Item> = refs
                    .iter()
                    .map(|r| {
                        let mut it = self.item(*r, object);
                        it.focus = focus.contains(r);
                        it
                    })
                    .collect();
                items.sort_by_key(|i| (i.start, i.end, i.what));
                Lane {
                    actor: self.sym(actor),
                    items,
                    hidden,
                }
            })
            .collect()
    }

    /// A deadlock's goroutines, and for each its wait with the hold (by the
    /// next goroutine) of the lock it waits for, when the logs show it.
    pub fn cycle(&self, scope: u32, d: &super::locks::DeadlockReport) -> Option<Cycle> {
        let w = &self.an.windows;
        let actors: Vec<Sym> = d.actors.iter().filter_map(|a| self.actor(a)).collect();
        if actors.len() != d.actors.len() || actors.is_empty() {
            return None;
        }
        let mut pairs = Vec::new();
        for (i, src) in d.sources.iter().enumerate() {
            let Some(at) = self.source_of(src) else {
                continue;
            };
            let Some(it) = self.by_actor.get(&(scope, actors[i])) else {
                continue;
            };
            let Some(wi) = it
                .waits
                .iter()
                .copied()
                .find(|&x| (w.waits[x as usize].input, w.waits[x as usize].line) == at)
            else {
                continue;
            };
            let holder = actors[(i + 1) % actors.len()];
            let lock = w.waits[wi as usize].lock;
            let hold = self.by_actor.get(&(scope, holder)).and_then(|it| {
                it.holds.iter().rev().copied().find(|&h| {
                    let h = &w.holds[h as usize];
                    h.lock == lock && h.start <= d.at_ns && (h.end == OPEN || h.end >= d.at_ns)
                })
            });
            pairs.push((hold.map(Ref::Hold), Ref::Wait(wi)));
        }
        Some((actors, pairs))
    }

    pub fn owner(&self, r: Ref) -> Option<(u32, Sym)> {
        let w = &self.an.windows;
        Some(match r {
            Ref::Access(i) => {
                let a = w.accesses.get(i as usize)?;
                (a.scope, a.actor)
            }
            Ref::Hold(i) => {
                let h = w.holds.get(i as usize)?;
                (h.scope, h.actor)
            }
            Ref::Wait(i) => {
                let x = w.waits.get(i as usize)?;
                (x.scope, x.actor)
            }
        })
    }
}

/// Where `r` is among the lanes.
fn locate(lanes: &[Lane], r: Ref) -> Option<(usize, usize)> {
    lanes
        .iter()
        .enumerate()
        .find_map(|(l, lane)| lane.items.iter().position(|i| i.what == r).map(|k| (l, k)))
}

/// The axis around a finding that spans `[s, e]`.
fn axis(around: Option<i64>, s: i64, e: i64) -> (i64, i64) {
    let pad = around.unwrap_or(((e - s) / 2).max(1_000));
    (s.saturating_sub(pad), e.saturating_add(pad))
}

impl Views<'_, '_> {
    /// The scenes of the report's findings: each conflict site's first
    /// example (every kept example when a filter selects), each crash,
    /// each deadlock.
    pub fn scenes(&self, report: &Report, index: &Index<'_, '_>) -> Vec<Scene> {
        let filtered = self.filters.trace.is_some()
            || self.filters.goroutine.is_some()
            || self.filters.object.is_some();
        let mut out = Vec::new();
        for (k, site) in report.conflict_sites.iter().enumerate() {
            let take = if filtered { site.examples.len() } else { 1 };
            for (j, c) in site.examples.iter().take(take).enumerate() {
                let anchor = if j == 0 {
                    format!("site-{}", k + 1)
                } else {
                    format!("site-{}-{}", k + 1, j + 1)
                };
                let object = match &site.object_name {
                    Some(n) => format!("{n} {}", site.object),
                    None => site.object.clone(),
                };
                let title = format!(
                    "#{} {} on {object}{}",
                    k + 1,
                    site.kind,
                    if j > 0 {
                        format!(" (example {})", j + 1)
                    } else {
                        String::new()
                    }
                );
                if let Some(s) = self.conflict_scene(index, c, anchor, title) {
                    out.push(s);
                }
            }
        }
        for (k, c) in report.crashes.iter().enumerate() {
            if self.crash_selected(c) {
                out.push(self.crash_scene(index, k, c));
            }
        }
        for (k, d) in report.deadlocks.iter().enumerate() {
            out.push(self.deadlock_scene(index, k, d));
        }
        out
    }

    fn conflict_scene(
        &self,
        ix: &Index<'_, '_>,
        c: &Conflict,
        anchor: String,
        title: String,
    ) -> Option<Scene> {
        let scope = ix.scope_id(&c.scope)?;
        let find = |s: &super::ConflictSide| {
            let actor = ix.actor(&s.actor)?;
            let at = ix.source_of(&s.source)?;
            Some((actor, ix.find_access(scope, actor, s.start_ns?, at)?))
        };
        let ((actor_a, a), (actor_b, b)) = (find(&c.a)?, find(&c.b)?);
        let acc = &ix.an.windows.accesses;
        let (xa, xb) = (&acc[a as usize], &acc[b as usize]);
        let end = ix.end_of(scope);
        let close = |e: i64| if e == OPEN { end } else { e };
        let s = xa.start.min(xb.start);
        let e = close(xa.end).max(close(xb.end)).max(s);
        let (from, to) = axis(self.around, s, e);
        let focus = [Ref::Access(a), Ref::Access(b)];
        let lanes = ix.lanes(
            scope,
            &[actor_a, actor_b],
            &focus,
            Some(xa.object),
            (from, to, s),
        );
        let band_s = xa.start.max(xb.start);
        // Both still open: they overlap from the later start on, past the edge.
        let band_e = match (xa.end, xb.end) {
            (OPEN, OPEN) => to,
            (OPEN, e) | (e, OPEN) => e,
            (x, y) => x.min(y),
        };
        let arrows = match (locate(&lanes, focus[0]), locate(&lanes, focus[1])) {
            (Some(x), Some(y)) => vec![Arrow {
                from: x,
                to: y,
                at: band_s,
            }],
            _ => Vec::new(),
        };
        Some(Scene {
            kind: SceneKind::Conflict,
            anchor,
            title,
            scope: c.scope.clone(),
            zero: s,
            from,
            to,
            lanes,
            band: (band_s <= band_e).then_some((band_s, band_e, "overlap")),
            marks: Vec::new(),
            arrows,
            note: None,
        })
    }

    fn crash_selected(&self, c: &super::runtime::Crash) -> bool {
        let f = self.filters;
        f.goroutine.as_ref().is_none_or(|g| {
            c.goroutine.map(|x| x.to_string()).as_ref() == Some(g)
                || c.other_side.iter().any(|o| &o.actor == g)
        }) && f.object.as_ref().is_none_or(|o| {
            c.map_address.as_ref() == Some(o)
                || c.other_side
                    .iter()
                    .any(|x| &x.object == o || x.object_name.as_ref() == Some(o))
        }) && f
            .trace
            .as_ref()
            .is_none_or(|t| c.other_side.iter().any(|x| x.trace.as_ref() == Some(t)))
    }

    fn crash_scene(&self, ix: &Index<'_, '_>, k: usize, c: &super::runtime::Crash) -> Scene {
        let message = c.messages.first().cloned().unwrap_or_default();
        let mut scene = Scene {
            kind: SceneKind::Crash,
            anchor: format!("crash-{}", k + 1),
            title: format!("crash {}: {message}", c.source),
            scope: c.scope.clone(),
            zero: 0,
            from: 0,
            to: 0,
            lanes: Vec::new(),
            band: None,
            marks: Vec::new(),
            arrows: Vec::new(),
            note: None,
        };
        let scope = ix.scope_id(&c.scope);
        let crasher = c.goroutine.map(|g| g.to_string());
        let Some(scope) = scope else {
            scene.note = Some(
                "no access records of this process among the inputs: the dump has no times to draw"
                    .into(),
            );
            return scene;
        };
        let at = ix.end_of(scope);
        let w = &ix.an.windows;
        let Some(crasher) = crasher else {
            // No goroutine was running (all asleep): what each goroutine of
            // the dump still had open when the process died.
            let mut actors: Vec<Sym> = Vec::new();
            let mut focus: Vec<Ref> = Vec::new();
            let mut ids: Vec<u64> = c.goroutines.iter().map(|g| g.id).collect();
            ids.sort_unstable();
            for id in ids {
                let Some(g) = ix.actor(&id.to_string()) else {
                    continue;
                };
                if let Some(it) = ix.by_actor.get(&(scope, g))
                    && !it.open.is_empty()
                {
                    actors.push(g);
                    focus.extend(it.open.iter().copied());
                }
            }
            if actors.is_empty() {
                scene.note = Some("the dump shows no running goroutine to draw".into());
                return scene;
            }
            let s = focus
                .iter()
                .map(|r| ix.interval(*r).0)
                .min()
                .unwrap_or(at)
                .min(at);
            let (from, to) = axis(self.around, s, at);
            scene.zero = s;
            scene.from = from;
            scene.to = to;
            scene.lanes = ix.lanes(scope, &actors, &focus, None, (from, to, s));
            scene.marks.push(Mark {
                kind: MarkKind::Crash,
                lane: 0,
                at,
                label: message,
            });
            return scene;
        };
        let crasher_sym = ix.actor(&crasher);
        // The crashing goroutine's accesses still open, and the other side's.
        let mut focus: Vec<Ref> = Vec::new();
        let mut maps: Vec<Sym> = Vec::new();
        if let Some(g) = crasher_sym
            && let Some(it) = ix.by_actor.get(&(scope, g))
        {
            for r in &it.open {
                if let Ref::Access(i) = r {
                    focus.push(*r);
                    maps.push(w.accesses[*i as usize].object);
                }
            }
        }
        let mut actors: Vec<Sym> = crasher_sym.into_iter().collect();
        for o in &c.other_side {
            let (Some(actor), Some(src)) = (ix.actor(&o.actor), ix.source_of(&o.source)) else {
                continue;
            };
            if let Some(i) = ix.find_access(scope, actor, o.start_ns, src) {
                focus.push(Ref::Access(i));
                if !actors.contains(&actor) {
                    actors.push(actor);
                }
            }
        }
        if actors.is_empty() {
            scene.note = Some(format!(
                "goroutine {crasher} has no records in the logs of this process"
            ));
            return scene;
        }
        let s = focus
            .iter()
            .map(|r| ix.interval(*r).0)
            .min()
            .unwrap_or(at)
            .min(at);
        let (from, to) = axis(self.around, s, at);
        let object = maps.first().copied();
        scene.zero = s;
        scene.from = from;
        scene.to = to;
        scene.lanes = ix.lanes(scope, &actors, &focus, object, (from, to, s));
        let latest = focus.iter().map(|r| ix.interval(*r).0).max().unwrap_or(at);
        if focus.len() > 1 {
            // Open until the crash, which comes at some time after `at`.
            scene.band = Some((latest, to, "all open"));
        }
        scene.marks.push(Mark {
            kind: MarkKind::Crash,
            lane: 0,
            at,
            label: message,
        });
        if let Some(mine) = focus.first().and_then(|r| locate(&scene.lanes, *r)) {
            scene.arrows = focus
                .iter()
                .skip(1)
                .filter_map(|r| locate(&scene.lanes, *r))
                .filter(|x| x.0 != mine.0)
                .map(|x| Arrow {
                    from: x,
                    to: mine,
                    at,
                })
                .collect();
        }
        if scene.lanes.iter().all(|l| l.items.is_empty()) {
            scene.note = Some(format!("goroutine {crasher} has no records near the crash"));
        }
        scene
    }

    fn deadlock_scene(
        &self,
        ix: &Index<'_, '_>,
        k: usize,
        d: &super::locks::DeadlockReport,
    ) -> Scene {
        let mut scene = Scene {
            kind: SceneKind::Deadlock,
            anchor: format!("deadlock-{}", k + 1),
            title: format!("deadlock: {}", d.cycle()),
            scope: d.scope.clone(),
            zero: d.at_ns,
            from: d.at_ns,
            to: d.at_ns,
            lanes: Vec::new(),
            band: None,
            marks: Vec::new(),
            arrows: Vec::new(),
            note: None,
        };
        let Some(scope) = ix.scope_id(&d.scope) else {
            scene.note = Some("scope not found".into());
            return scene;
        };
        let Some((actors, pairs)) = ix.cycle(scope, d) else {
            scene.note = Some("goroutines not found".into());
            return scene;
        };
        let mut focus: Vec<Ref> = Vec::new();
        for (h, w) in &pairs {
            focus.push(*w);
            focus.extend(*h);
        }
        let pairs: Vec<(Ref, Ref)> = pairs
            .iter()
            .filter_map(|(h, w)| Some(((*h)?, *w)))
            .collect();
        let end = ix.end_of(scope).max(d.at_ns);
        let s = focus
            .iter()
            .map(|r| ix.interval(*r).0)
            .min()
            .unwrap_or(d.at_ns)
            .min(d.at_ns);
        let (from, to) = axis(self.around, s, end);
        scene.zero = s;
        scene.from = from;
        scene.to = to;
        scene.lanes = ix.lanes(scope, &actors, &focus, None, (from, to, s));
        scene.band = Some((d.at_ns, if d.open { to } else { end }, "deadlocked"));
        scene.marks.push(Mark {
            kind: MarkKind::Deadlock,
            lane: 0,
            at: d.at_ns,
            label: if d.open {
                "deadlock (never resolved)".into()
            } else {
                "deadlock".into()
            },
        });
        scene.arrows = pairs
            .iter()
            .filter_map(|(h, x)| {
                Some(Arrow {
                    from: locate(&scene.lanes, *h)?,
                    to: locate(&scene.lanes, *x)?,
                    at: d.at_ns,
                })
            })
            .collect();
        scene
    }

    /// The text of each wanted record line (`path:line` as the report
    /// prints it), read from the inputs in memory, cut at [`LINE_TEXT`]
    /// characters. Lines of an unwrapped container log are the entries
    /// inside it.
    pub fn line_texts(&self, wanted: &[(u32, u32)]) -> FxHashMap<(u32, u32), String> {
        let mut by_input: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        for &(i, l) in wanted {
            by_input.entry(i).or_default().push(l);
        }
        let mut out = FxHashMap::default();
        for (input, mut lines) in by_input {
            let Some(inp) = self.inputs.get(input as usize) else {
                continue;
            };
            // Original line → line of `bytes()`.
            let inner = |l: u32| -> u32 {
                match &inp.line_map {
                    Some(m) => m.partition_point(|&o| o < l) as u32 + 1,
                    None => l,
                }
            };
            lines.sort_unstable();
            lines.dedup();
            let mut want: Vec<(u32, u32)> = lines.iter().map(|&l| (inner(l), l)).collect();
            want.sort_unstable();
            let bytes = inp.bytes();
            let mut at = 0usize;
            let mut line = 1u32;
            for (target, original) in want {
                while line < target {
                    match memchr::memchr(b'\n', &bytes[at..]) {
                        Some(p) => {
                            at += p + 1;
                            line += 1;
                        }
                        None => {
                            at = bytes.len();
                            break;
                        }
                    }
                }
                if line != target || at >= bytes.len() {
                    continue;
                }
                let rest = &bytes[at..];
                let text = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
                let text = String::from_utf8_lossy(text);
                let text = text.trim_end_matches('\r');
                let mut t: String = text.chars().take(LINE_TEXT).collect();
                if t.len() < text.len() {
                    t.push('…');
                }
                out.insert((input, original), t);
            }
        }
        out
    }
}

/// A duration, exactly: `0`, `750ns`, `1.5µs`, `20µs`, `2.25ms`, `3s`.
pub fn exact(ns: i64) -> String {
    let sign = if ns < 0 { "-" } else { "" };
    let n = ns.unsigned_abs();
    let (unit, div) = match n {
        0 => return "0".into(),
        1..1_000 => ("ns", 1),
        1_000..1_000_000 => ("µs", 1_000),
        1_000_000..1_000_000_000 => ("ms", 1_000_000),
        _ => ("s", 1_000_000_000),
    };
    let (whole, frac) = (n / div, n % div);
    if frac == 0 {
        return format!("{sign}{whole}{unit}");
    }
    let digits = div.ilog10() as usize;
    let f = format!("{frac:0digits$}");
    format!("{sign}{whole}.{}{unit}", f.trim_end_matches('0'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_durations() {
        assert_eq!(exact(0), "0");
        assert_eq!(exact(750), "750ns");
        assert_eq!(exact(1_500), "1.5µs");
        assert_eq!(exact(20_000), "20µs");
        assert_eq!(exact(-2_250_000), "-2.25ms");
        assert_eq!(exact(3_000_000_000), "3s");
        assert_eq!(exact(1_000_001), "1.000001ms");
    }

    #[test]
    fn axis_pads_half_the_span() {
        assert_eq!(axis(None, 100_000, 180_000), (60_000, 220_000));
        assert_eq!(axis(None, 5_000, 5_000), (4_000, 6_000));
        assert_eq!(axis(Some(10), 5_000, 6_000), (4_990, 6_010));
    }
}
