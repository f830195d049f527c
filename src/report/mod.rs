//! The report model — the wire types of `racetrail.report/v1` — built from an
//! [`Analysis`], and one renderer per output format.
//!
//! Everything here is sorted by content, never by hash-map order, so the same
//! inputs give byte-identical output.

pub mod baseline;
pub mod dot;
pub mod json;
pub mod jsonl;
pub mod locks;
pub mod merge;
pub mod mermaid;
pub mod runtime;
pub mod sarif;
pub mod table;
pub mod text;

use std::io::{self, Write};

use serde::Serialize;

use crate::formats::Severity;
use std::collections::BTreeMap;

use rustc_hash::FxHashSet;

use crate::intern::{Interner, Sym};
use crate::pipeline::Analysis;
use crate::replay::conflicts::SiteStats;
use crate::replay::windows::{Access, OPEN};

pub const SCHEMA: &str = "racetrail.report/v1";
/// At most this many trace ids are listed per conflict site.
const MAX_TRACES: usize = 20;
/// Trace ids kept per goroutine for the graph.
const GRAPH_TRACES: usize = 3;

/// The `n` smallest strings of a set of symbols, sorted, without decoding
/// the others (byte order is string order for UTF-8).
pub(crate) fn smallest(i: &Interner<'_>, syms: impl Iterator<Item = Sym>, n: usize) -> Vec<String> {
    let mut v: Vec<Sym> = syms.collect();
    if v.len() > n && n > 0 {
        v.select_nth_unstable_by(n - 1, |a, b| i.bytes(*a).cmp(i.bytes(*b)));
        v.truncate(n);
    } else if n == 0 {
        v.clear();
    }
    v.sort_unstable_by(|a, b| i.bytes(*a).cmp(i.bytes(*b)));
    v.into_iter().map(|s| i.str(s).into_owned()).collect()
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub inputs: Vec<InputReport>,
    pub summary: Summary,
    pub conflict_sites: Vec<ConflictSite>,
    pub conflicts: Vec<Conflict>,
    pub races: Vec<runtime::RaceSite>,
    pub crashes: Vec<runtime::Crash>,
    pub locks: Vec<locks::LockReport>,
    pub contention: Vec<locks::EdgeReport>,
    pub wait_chains: Vec<locks::ChainReport>,
    pub deadlocks: Vec<locks::DeadlockReport>,
    /// With `--mode hb`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hb: Option<HbReport>,
    pub diagnostics: Vec<DiagnosticReport>,
    /// Per (scope, object, actor) participation, for the graph renderers.
    #[serde(skip)]
    pub graph: Vec<GraphEdge>,
    /// Per (scope, actor): the trace ids of its conflicting accesses.
    #[serde(skip)]
    pub graph_actors: Vec<GraphActor>,
}

#[derive(Debug, Serialize)]
pub struct InputReport {
    pub path: String,
    pub formats: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression: Option<&'static str>,
    pub bytes: u64,
    pub lines: u64,
    pub records: u64,
    pub context: u64,
    pub parse_errors: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
}

#[derive(Debug, Serialize)]
pub struct Summary {
    pub events: u64,
    pub accesses: u64,
    pub open_accesses: u64,
    pub holds: u64,
    pub actors: u64,
    pub objects: u64,
    pub conflicts: u64,
    pub conflict_sites: u64,
    /// Race report blocks.
    pub races: u64,
    /// Deduplicated race sites (the entries of `races`).
    pub race_sites: u64,
    pub crashes: u64,
    /// Holder → waiter pairs with blamed wait time.
    pub contention_edges: u64,
    pub deadlocks: u64,
    pub parse_errors: u64,
    pub diagnostics: u64,
    /// With `--baseline`: findings it already has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_findings: Option<u64>,
}

#[derive(Debug, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Side {
    pub op: &'static str,
    pub site: String,
}

#[derive(Debug, Serialize)]
pub struct ConflictSite {
    pub id: String,
    pub fingerprint: String,
    /// In the `--baseline` report: not new.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub known: bool,
    pub kind: &'static str,
    pub scope: String,
    pub object: String,
    /// The object's name when a record named it (`map registered … name=carts`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object_name: Option<String>,
    pub sides: [Side; 2],
    pub conflicts: u64,
    pub actors: u64,
    pub traces: Vec<String>,
    /// Distinct trace ids, also those past the 20 listed.
    pub trace_count: u64,
    pub first_ns: i64,
    pub last_ns: i64,
    pub examples: Vec<Conflict>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Conflict {
    pub object: String,
    pub scope: String,
    pub kind: &'static str,
    /// Null when both windows are open.
    pub overlap_ns: Option<i64>,
    pub a: ConflictSide,
    pub b: ConflictSide,
}

#[derive(Clone, Debug, Serialize)]
pub struct ConflictSide {
    pub actor: String,
    pub trace: Option<String>,
    pub op: &'static str,
    pub key: Option<String>,
    /// Null for happens-before examples from traces without times.
    pub start_ns: Option<i64>,
    pub end_ns: Option<i64>,
    pub site: String,
    pub source: String,
    pub end_source: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct DiagnosticReport {
    pub source: String,
    pub severity: Severity,
    pub message: String,
    /// A warning about a whole input (no line): the table shows these
    /// first, under "warnings".
    #[serde(skip)]
    pub whole_input: bool,
}

/// One actor's part in the conflicts on one object.
#[derive(Debug)]
pub struct GraphEdge {
    pub scope: String,
    pub object: String,
    pub object_name: Option<String>,
    pub actor: String,
    pub ops: Vec<&'static str>,
    pub pairs: u64,
}

/// An actor of the graph and the trace ids of its conflicting accesses.
#[derive(Debug)]
pub struct GraphActor {
    pub scope: String,
    pub actor: String,
    pub trace_count: u64,
    /// The smallest few, in order.
    pub traces: Vec<String>,
}

/// Happens-before results: racy events (accesses that conflict with an
/// earlier access not ordered before them) and their distinct locations.
#[derive(Debug, Serialize)]
pub struct HbReport {
    pub racy_events: u64,
    pub racy_locations: u64,
    pub events: u64,
    pub scopes: Vec<HbScopeReport>,
}

#[derive(Debug, Serialize)]
pub struct HbScopeReport {
    pub scope: String,
    pub events: u64,
    pub threads: u64,
    pub racy_events: u64,
    pub racy_locations: u64,
    /// Location ids (trace) or callers (logs) of racy events, at most 100.
    pub racy_location_ids: Vec<String>,
}

/// `--trace`, `--object`, `--goroutine`: which findings the report shows.
/// They select after the replay, so lock protection is never lost.
#[derive(Clone, Debug, Default)]
pub struct Filters {
    pub trace: Option<String>,
    /// A map or lock id, or the name a record gave it.
    pub object: Option<String>,
    pub goroutine: Option<String>,
}

/// Filters resolved against the run's symbols.
struct Selection<'r, 'a> {
    an: &'r Analysis<'a>,
    filters: &'r Filters,
    trace: Option<Sym>,
    goroutine: Option<Sym>,
}

impl<'r, 'a> Selection<'r, 'a> {
    fn new(an: &'r Analysis<'a>, filters: &'r Filters) -> Self {
        // A value the logs never mention matches nothing: Sym::NONE never
        // appears in the sets it is looked up in.
        let find = |v: &Option<String>| {
            v.as_ref()
                .map(|s| an.interner.get(s.as_bytes()).unwrap_or(Sym(u32::MAX)))
        };
        Selection {
            an,
            filters,
            trace: find(&filters.trace),
            goroutine: find(&filters.goroutine),
        }
    }

    fn object(&self, scope: u32, object: Sym) -> bool {
        match &self.filters.object {
            None => true,
            Some(want) => {
                *self.an.interner.str(object) == **want
                    || self.an.name_of(scope, object).as_deref() == Some(want)
            }
        }
    }

    fn site(&self, s: &SiteStats) -> bool {
        self.trace.is_none_or(|t| s.traces.contains(&t))
            && self.goroutine.is_none_or(|g| s.actors.contains(&g))
            && self.object(s.scope, s.object)
    }

    fn example(&self, a: &Access, b: &Access) -> bool {
        self.trace.is_none_or(|t| a.trace == t || b.trace == t)
            && self.goroutine.is_none_or(|g| a.actor == g || b.actor == g)
    }

    fn actor_object(&self, scope: u32, object: Sym, actor: Sym) -> bool {
        self.goroutine.is_none_or(|g| actor == g) && self.object(scope, object)
    }

    fn lock(&self, id: &str, name: Option<&str>) -> bool {
        match &self.filters.object {
            None => true,
            Some(want) => id == want || name == Some(want.as_str()),
        }
    }

    fn locks<'s>(&self, mut names: impl Iterator<Item = &'s String>) -> bool {
        self.filters
            .object
            .as_ref()
            .is_none_or(|w| names.any(|n| n == w))
    }

    fn traces<'s>(&self, mut ids: impl Iterator<Item = &'s String>) -> bool {
        self.filters
            .trace
            .as_ref()
            .is_none_or(|t| ids.any(|i| i == t))
    }

    fn goroutines<'s>(&self, mut ids: impl Iterator<Item = &'s String>) -> bool {
        self.filters
            .goroutine
            .as_ref()
            .is_none_or(|g| ids.any(|i| i == g))
    }
}

/// Where the report goes and how it looks.
pub trait Renderer {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()>;
}

/// 64-bit FNV-1a: a stable hash for ids and fingerprints (not for security).
pub(crate) fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in p.as_bytes().iter().chain(std::iter::once(&0u8)) {
            h ^= b as u64;
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// An object id that is an address or hash rather than a name: it changes
/// between runs, so it stays out of fingerprints.
fn is_address_like(s: &str) -> bool {
    let hex = s.strip_prefix("0x").unwrap_or(s);
    !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
        && (s.starts_with("0x") || hex.len() >= 8 || hex.bytes().all(|b| b.is_ascii_digit()))
}

fn opt(s: std::borrow::Cow<'_, str>) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s.into_owned())
    }
}

impl Report {
    pub fn build(an: &Analysis<'_>) -> Report {
        Report::build_filtered(an, &Filters::default())
    }

    /// The report of the findings that `filters` select.
    pub fn build_filtered(an: &Analysis<'_>, filters: &Filters) -> Report {
        let f = Selection::new(an, filters);
        let sym = |s: Sym| an.interner.str(s).into_owned();
        let site_name = |s: Sym| {
            if s.is_none() { "?".to_string() } else { sym(s) }
        };
        let accesses = &an.windows.accesses;
        let side = |a: &Access| ConflictSide {
            actor: sym(a.actor),
            trace: opt(an.interner.str(a.trace)),
            op: a.op.name(),
            key: opt(an.interner.str(a.key)),
            start_ns: Some(a.start),
            end_ns: (a.end != OPEN).then_some(a.end),
            site: site_name(a.caller),
            source: an.source(a.input, a.line),
            end_source: (a.end_line != 0).then(|| an.source(a.end_input, a.end_line)),
        };
        let example = |s: &SiteStats, (x, y): (u32, u32)| {
            let (a, b) = (&accesses[x as usize], &accesses[y as usize]);
            let overlap = match (a.end.min(b.end), a.start.max(b.start)) {
                (OPEN, _) => None,
                (end, start) => Some(end - start),
            };
            Conflict {
                object: sym(s.object),
                scope: an.scope_name(s.scope),
                kind: s.kind.name(),
                overlap_ns: overlap,
                a: side(a),
                b: side(b),
            }
        };

        let mut sites: Vec<ConflictSite> = an
            .conflicts
            .sites
            .iter()
            .filter(|s| f.site(s))
            .map(|s| {
                let scope = an.scope_name(s.scope);
                let object = sym(s.object);
                let sides = s.sides.map(|(op, caller)| Side {
                    op: op.name(),
                    site: site_name(caller),
                });
                let mut fp = vec![
                    "conflict",
                    sides[0].op,
                    &sides[0].site,
                    sides[1].op,
                    &sides[1].site,
                ];
                // The map's name is stable between runs; its address is not.
                let object_name = an.name_of(s.scope, s.object);
                match &object_name {
                    Some(n) => fp.push(n),
                    None if !is_address_like(&object) => fp.push(&object),
                    None => {}
                }
                let fingerprint = format!("{:016x}", fnv1a(&fp));
                let id = format!(
                    "{:012x}",
                    fnv1a(&[
                        &scope,
                        &object,
                        sides[0].op,
                        &sides[0].site,
                        sides[1].op,
                        &sides[1].site
                    ]) >> 16
                );
                let traces = smallest(&an.interner, s.traces.iter().copied(), MAX_TRACES);
                ConflictSite {
                    id,
                    fingerprint,
                    known: false,
                    kind: s.kind.name(),
                    object_name,
                    scope,
                    object,
                    sides,
                    conflicts: s.pairs,
                    actors: s.actors.len() as u64,
                    trace_count: s.traces.len() as u64,
                    traces,
                    first_ns: s.first,
                    last_ns: s.last,
                    examples: s
                        .examples
                        .iter()
                        .filter(|&&(x, y)| f.example(&accesses[x as usize], &accesses[y as usize]))
                        .map(|&e| example(s, e))
                        .collect(),
                }
            })
            .collect();
        sites.sort_by(|a, b| {
            b.conflicts
                .cmp(&a.conflicts)
                .then_with(|| (&a.scope, &a.object, &a.sides).cmp(&(&b.scope, &b.object, &b.sides)))
        });
        let mut conflicts: Vec<Conflict> = sites
            .iter()
            .flat_map(|s| s.examples.iter().cloned())
            .collect();
        let hb = an
            .hb
            .as_ref()
            .map(|scopes| hb_report(an, scopes, &mut conflicts));

        let mut graph: Vec<GraphEdge> = an
            .conflicts
            .actors
            .iter()
            .filter(|st| f.actor_object(st.scope, st.object, st.actor))
            .map(|st| GraphEdge {
                scope: an.scope_name(st.scope),
                object: sym(st.object),
                object_name: an.name_of(st.scope, st.object),
                actor: sym(st.actor),
                ops: st.ops.iter().map(|o| o.name()).collect(),
                pairs: st.pairs,
            })
            .collect();
        graph.sort_by(|a, b| {
            (&a.scope, &a.object, natural_key(&a.actor)).cmp(&(
                &b.scope,
                &b.object,
                natural_key(&b.actor),
            ))
        });
        let mut by_actor: BTreeMap<(u32, Sym), FxHashSet<Sym>> = BTreeMap::new();
        for st in &an.conflicts.actors {
            by_actor
                .entry((st.scope, st.actor))
                .or_default()
                .extend(st.traces.iter().copied());
        }
        let graph_actors = by_actor
            .into_iter()
            .map(|((scope, actor), traces)| GraphActor {
                scope: an.scope_name(scope),
                actor: sym(actor),
                trace_count: traces.len() as u64,
                traces: smallest(&an.interner, traces.into_iter(), GRAPH_TRACES),
            })
            .collect();

        let mut actors: Vec<(u32, Sym)> = accesses.iter().map(|a| (a.scope, a.actor)).collect();
        actors.extend(an.windows.holds.iter().map(|h| (h.scope, h.actor)));
        actors.sort_unstable();
        actors.dedup();
        let mut objects: Vec<(u32, Sym)> = accesses.iter().map(|a| (a.scope, a.object)).collect();
        objects.sort_unstable();
        objects.dedup();

        let (races, race_blocks) = runtime::races(an);
        let crashes = runtime::crashes(an);
        let locks = locks::locks(an)
            .into_iter()
            .filter(|l| f.lock(&l.lock, l.name.as_deref()))
            .collect();
        let contention: Vec<locks::EdgeReport> = locks::edges(an)
            .into_iter()
            .filter(|e| {
                f.lock(&e.lock, e.lock_name.as_deref())
                    && f.goroutines([&e.holder, &e.waiter].into_iter())
                    && f.traces(e.holder_traces.iter().chain(&e.waiter_traces))
            })
            .collect();
        let wait_chains = locks::chains(an)
            .into_iter()
            .filter(|c| f.goroutines(c.actors.iter()) && f.locks(c.locks.iter()))
            .collect();
        let deadlocks: Vec<locks::DeadlockReport> = locks::deadlocks(an)
            .into_iter()
            .filter(|d| f.goroutines(d.actors.iter()) && f.locks(d.locks.iter()))
            .collect();
        let summary = Summary {
            events: an.events as u64,
            accesses: accesses.len() as u64,
            open_accesses: accesses.iter().filter(|a| a.is_open()).count() as u64,
            holds: an.windows.holds.len() as u64,
            actors: actors.len() as u64,
            objects: objects.len() as u64,
            conflicts: sites.iter().map(|s| s.conflicts).sum(),
            conflict_sites: sites.len() as u64,
            races: race_blocks,
            race_sites: races.len() as u64,
            crashes: crashes.len() as u64,
            contention_edges: contention.len() as u64,
            deadlocks: deadlocks.len() as u64,
            parse_errors: an.parse_errors(),
            diagnostics: an.diagnostic_count,
            known_findings: None,
        };
        let inputs = an
            .inputs
            .iter()
            .map(|i| InputReport {
                path: i.path.clone(),
                formats: i.formats.names(),
                compression: i.compression,
                bytes: i.bytes,
                lines: i.lines,
                records: i.records,
                context: i.context,
                parse_errors: i.parse_errors,
                skipped: i.skipped,
            })
            .collect();
        let diagnostics = an
            .diagnostics
            .iter()
            .map(|d| DiagnosticReport {
                source: if d.line == 0 {
                    an.inputs[d.input as usize].path.clone()
                } else {
                    format!("{}:{}:{}", an.inputs[d.input as usize].path, d.line, d.col)
                },
                severity: d.severity,
                message: d.message.clone(),
                whole_input: d.line == 0 && d.severity == Severity::Warning,
            })
            .collect();
        Report {
            schema: SCHEMA,
            inputs,
            summary,
            conflict_sites: sites,
            conflicts,
            races,
            crashes,
            locks,
            contention,
            wait_chains,
            deadlocks,
            hb,
            diagnostics,
            graph,
            graph_actors,
        }
    }

    /// Findings decide the exit status: conflicts, races, crashes and
    /// deadlocks. Contention is information, not a finding.
    pub fn has_findings(&self) -> bool {
        self.summary.conflicts > 0
            || self.summary.races > 0
            || self.summary.crashes > 0
            || self.summary.deadlocks > 0
            || self.hb.as_ref().is_some_and(|h| h.racy_events > 0)
    }
}

/// The `hb` section; its example pairs join `conflicts`.
fn hb_report(
    an: &Analysis<'_>,
    scopes: &[crate::replay::hb_input::HbScope],
    conflicts: &mut Vec<Conflict>,
) -> HbReport {
    let op = |o: &'static str| match o {
        "r" => "read",
        "w" => "write",
        other => other,
    };
    let side = |s: &crate::replay::hb_input::HbSide| ConflictSide {
        actor: s.thread.clone(),
        trace: None,
        op: op(s.op),
        key: None,
        start_ns: None,
        end_ns: None,
        site: s.loc.clone(),
        source: an.source(s.input, s.line),
        end_source: None,
    };
    for sc in scopes {
        for (a, b) in &sc.examples {
            let write = |o: &'static str| matches!(op(o), "write" | "delete" | "clear");
            conflicts.push(Conflict {
                object: a.variable.clone(),
                scope: sc.scope.clone(),
                kind: if write(a.op) && write(b.op) {
                    "write/write"
                } else {
                    "read/write"
                },
                overlap_ns: None,
                a: side(a),
                b: side(b),
            });
        }
    }
    HbReport {
        racy_events: scopes.iter().map(|s| s.result.racy_events).sum(),
        racy_locations: scopes.iter().map(|s| s.result.racy_locations).sum(),
        events: scopes.iter().map(|s| s.result.events).sum(),
        scopes: scopes
            .iter()
            .map(|s| HbScopeReport {
                scope: s.scope.clone(),
                events: s.result.events,
                threads: s.result.threads as u64,
                racy_events: s.result.racy_events,
                racy_locations: s.result.racy_locations,
                racy_location_ids: s
                    .result
                    .racy_location_ids
                    .iter()
                    .take(100)
                    .map(|l| s.location_name(*l))
                    .collect(),
            })
            .collect(),
    }
}

/// Sorts goroutine ids numerically and other ids as text.
pub(crate) fn natural_key(s: &str) -> (u8, u64, &str) {
    match s.parse::<u64>() {
        Ok(n) => (0, n, ""),
        Err(_) => (1, 0, s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_not_names() {
        assert!(is_address_like("0xc000076e70"));
        assert!(is_address_like("deadbeefcafe"));
        assert!(is_address_like("12345"));
        assert!(!is_address_like("reqCounters"));
        assert!(!is_address_like("cafe"));
    }

    #[test]
    fn fnv_is_stable() {
        assert_eq!(fnv1a(&["a", "b"]), fnv1a(&["a", "b"]));
        assert_ne!(fnv1a(&["ab", ""]), fnv1a(&["a", "b"]));
    }
}
