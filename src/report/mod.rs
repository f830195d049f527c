//! The report model — the wire types of `racetrail.report/v1` — built from an
//! [`Analysis`], and one renderer per output format.
//!
//! Everything here is sorted by content, never by hash-map order, so the same
//! inputs give byte-identical output.

pub mod baseline;
pub mod dot;
pub mod html;
pub mod json;
pub mod jsonl;
pub mod locks;
pub mod merge;
pub mod mermaid;
pub mod runtime;
pub mod sarif;
pub mod scene;
pub mod static_join;
pub mod table;
pub mod text;
pub mod timeline;
pub mod trace;
pub mod wire;

use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use crate::formats::Severity;
use std::collections::BTreeMap;

use rayon::prelude::*;
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
    // The n smallest so far, in order: most symbols lose one comparison
    // with the largest of them and are never looked at again.
    let mut best: Vec<&[u8]> = Vec::with_capacity(n + 1);
    if n > 0 {
        for s in syms {
            let b = i.bytes(s);
            if best.len() == n && b >= best[n - 1] {
                continue;
            }
            let at = best.partition_point(|x| *x < b);
            best.insert(at, b);
            best.truncate(n);
        }
    }
    best.into_iter()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect()
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Report {
    #[serde(deserialize_with = "wire::schema")]
    pub schema: wire::Name,
    pub inputs: Vec<InputReport>,
    pub summary: Summary,
    pub conflict_sites: Vec<ConflictSite>,
    /// Conflicts with an uncertain side (records may be missing): counted,
    /// never findings.
    pub unconfirmed_sites: Vec<ConflictSite>,
    pub conflicts: Vec<Conflict>,
    pub races: Vec<runtime::RaceSite>,
    pub crashes: Vec<runtime::Crash>,
    /// Goroutine dumps that are not crashes: information, not findings.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dumps: Vec<runtime::Crash>,
    pub locks: Vec<locks::LockReport>,
    pub contention: Vec<locks::EdgeReport>,
    pub wait_chains: Vec<locks::ChainReport>,
    pub deadlocks: Vec<locks::DeadlockReport>,
    /// With `--mode hb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hb: Option<HbReport>,
    /// Findings of static analysers among the inputs, each with the runtime
    /// findings it was attached to.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub static_findings: Vec<static_join::StaticEntry>,
    pub diagnostics: Vec<DiagnosticReport>,
    /// Per (scope, object, actor) participation, for the graph renderers
    /// (not in the JSON: a report read back has none).
    #[serde(skip)]
    pub graph: Vec<GraphEdge>,
    /// Per (scope, actor): the trace ids of its conflicting accesses.
    #[serde(skip)]
    pub graph_actors: Vec<GraphActor>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct InputReport {
    pub path: String,
    #[serde(deserialize_with = "wire::formats")]
    pub formats: Vec<&'static str>,
    #[serde(
        default,
        deserialize_with = "wire::opt_compression",
        skip_serializing_if = "Option::is_none"
    )]
    pub compression: Option<wire::Name>,
    pub bytes: u64,
    pub lines: u64,
    pub records: u64,
    pub context: u64,
    pub parse_errors: u64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
    pub sampling: SamplingReport,
}

/// What an input shows of lost records; zero counts are left out.
#[derive(Debug, Serialize, Deserialize)]
pub struct SamplingReport {
    /// Records were lost or sampled away: counts from this input are lower
    /// bounds.
    pub lost_records: bool,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unmatched_ends: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unmatched_releases: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unended_accesses: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unacquired_waits: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub unreleased_holds: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub lossy_intervals: u64,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub pair_id_gaps: u64,
    /// `sample_rate` values below 1 that the access records log.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sample_rates: Vec<f64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl SamplingReport {
    fn of(s: &crate::pipeline::Sampling) -> SamplingReport {
        SamplingReport {
            lost_records: s.any(),
            unmatched_ends: s.losses.unmatched_ends,
            unmatched_releases: s.losses.unmatched_releases,
            unended_accesses: s.losses.unended_accesses,
            unacquired_waits: s.losses.unacquired_waits,
            unreleased_holds: s.losses.unreleased_holds,
            lossy_intervals: s.lossy_intervals,
            pair_id_gaps: s.pair_id_gaps,
            sample_rates: s.rates_ppm.iter().map(|&p| p as f64 / 1e6).collect(),
        }
    }

    /// Why counts are lower bounds, in a few words.
    pub fn reasons(&self) -> Vec<String> {
        let mut v = Vec::new();
        let mut say = |n: u64, what: &str| {
            if n > 0 {
                v.push(format!("{n} {what}"));
            }
        };
        say(
            self.lossy_intervals,
            "intervals where a log sampler dropped records",
        );
        say(self.unended_accesses, "accesses whose end is missing");
        say(self.unmatched_ends, "access ends without their begin");
        say(
            self.unmatched_releases,
            "lock releases without their acquire",
        );
        say(self.unacquired_waits, "lock waits whose acquire is missing");
        say(self.unreleased_holds, "holds whose release is missing");
        say(self.pair_id_gaps, "access ids missing from their sequence");
        v
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
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
    /// Goroutine dumps that are not crashes (information).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dumps: u64,
    /// Holder → waiter pairs with blamed wait time.
    pub contention_edges: u64,
    pub deadlocks: u64,
    pub parse_errors: u64,
    pub diagnostics: u64,
    /// An input shows lost records: every count is a lower bound.
    pub sampled: bool,
    /// Conflicting pairs with an uncertain side (in `unconfirmed_sites`).
    pub unconfirmed: u64,
    pub unconfirmed_sites: u64,
    /// Access-sampled logs: the estimated true number of conflicting pairs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimated_conflicts: Option<u64>,
    /// With `--baseline`: findings it already has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub known_findings: Option<u64>,
    /// With static analysers' outputs among the inputs: their findings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub static_findings: Option<u64>,
    /// With static analysers' outputs among the inputs: conflict sites,
    /// races and crashes that no static check flagged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unflagged: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Side {
    #[serde(deserialize_with = "wire::op")]
    pub op: wire::Name,
    pub site: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ConflictSite {
    pub id: String,
    pub fingerprint: String,
    /// In the `--baseline` report: not new.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub known: bool,
    #[serde(deserialize_with = "wire::kind")]
    pub kind: wire::Name,
    pub scope: String,
    pub object: String,
    /// The object's name when a record named it (`map registered … name=carts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_name: Option<String>,
    pub sides: [Side; 2],
    pub conflicts: u64,
    pub actors: u64,
    pub traces: Vec<String>,
    /// Distinct trace ids, also those past the 20 listed.
    pub trace_count: u64,
    pub first_ns: i64,
    pub last_ns: i64,
    /// Access-sampled logs: the site's estimated true pair count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate: Option<Estimate>,
    pub examples: Vec<Conflict>,
    /// Static findings on either side's caller (same line or function).
    #[serde(rename = "static", default, skip_serializing_if = "Vec::is_empty")]
    pub static_findings: Vec<static_join::StaticRef>,
}

/// The true pair count of a site estimated from an access-sampled log: each
/// kept pair weighs 1/P(both kept) — P = min(rate_a, rate_b) for one key
/// (kept or dropped as a whole), rate_a·rate_b for two — with an interval of
/// about 95% from the spread of the pairs over keys.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Estimate {
    pub conflicts: u64,
    pub low: u64,
    pub high: u64,
    /// The rates the site's accesses were kept at.
    pub rates: Vec<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Conflict {
    pub object: String,
    pub scope: String,
    #[serde(deserialize_with = "wire::kind")]
    pub kind: wire::Name,
    /// Null when both windows are open.
    pub overlap_ns: Option<i64>,
    pub a: ConflictSide,
    pub b: ConflictSide,
}

impl Conflict {
    /// A happens-before example pair (`--mode hb`): its accesses have no
    /// times, unlike every window's.
    pub fn is_happens_before(&self) -> bool {
        self.a.start_ns.is_none()
    }

    /// The lines a graph shows for one side of a happens-before pair.
    pub(crate) fn hb_side_lines(&self, s: &ConflictSide) -> [String; 3] {
        [
            format!("{} {} {}", s.actor, s.op, self.object),
            format!("location {}", s.site),
            s.source.clone(),
        ]
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ConflictSide {
    pub actor: String,
    pub trace: Option<String>,
    #[serde(deserialize_with = "wire::op")]
    pub op: wire::Name,
    pub key: Option<String>,
    /// Null for happens-before examples from traces without times.
    pub start_ns: Option<i64>,
    pub end_ns: Option<i64>,
    pub site: String,
    pub source: String,
    pub end_source: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
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
#[derive(Debug, Serialize, Deserialize)]
pub struct HbReport {
    pub racy_events: u64,
    pub racy_locations: u64,
    pub events: u64,
    pub scopes: Vec<HbScopeReport>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct HbScopeReport {
    pub scope: String,
    pub events: u64,
    pub threads: u64,
    pub racy_events: u64,
    pub racy_locations: u64,
    /// Location ids (trace) or callers (logs) of racy events, at most 100.
    pub racy_location_ids: Vec<String>,
}

/// The kinds of finding: what fails a run (see [`Report::has_findings`]).
/// Unconfirmed conflicts, contention, goroutine dumps without a crash and
/// static analysers' findings are information, never findings. Every
/// renderer that lists findings walks [`Report::findings`] and matches on
/// [`Finding`] without a wildcard, so a new kind does not compile until each
/// renders it; `tests/it/kinds.rs` checks every kind in every format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FindingKind {
    /// A conflict site of log windows (at least one side a log record).
    Conflict,
    /// A conflict site whose both sides are kernel windows of a capture
    /// (runtime map calls): no lock can make those overlap.
    KernelConflict,
    /// A race site of the Go race detector.
    Race,
    /// A crash dump (fatal error, panic, signal).
    Crash,
    /// A cycle of lock waits.
    Deadlock,
    /// An example pair of `--mode hb`.
    HappensBefore,
}

impl FindingKind {
    pub const ALL: [FindingKind; 6] = [
        FindingKind::Conflict,
        FindingKind::KernelConflict,
        FindingKind::Race,
        FindingKind::Crash,
        FindingKind::Deadlock,
        FindingKind::HappensBefore,
    ];

    /// In words, for people.
    pub fn name(self) -> &'static str {
        match self {
            FindingKind::Conflict => "conflict site",
            FindingKind::KernelConflict => "kernel conflict site",
            FindingKind::Race => "race site",
            FindingKind::Crash => "crash",
            FindingKind::Deadlock => "deadlock",
            FindingKind::HappensBefore => "happens-before race",
        }
    }

    /// The `type` of its JSON lines (`--format jsonl`): a kernel conflict
    /// site is a conflict site there, as in the JSON report.
    pub fn jsonl_type(self) -> &'static str {
        match self {
            FindingKind::Conflict | FindingKind::KernelConflict => "conflict_site",
            FindingKind::Race => "race",
            FindingKind::Crash => "crash",
            FindingKind::Deadlock => "deadlock",
            FindingKind::HappensBefore => "hb_race",
        }
    }
}

// `ALL` lists every kind once, in declaration order.
const _: () = {
    let mut i = 0;
    while i < FindingKind::ALL.len() {
        assert!(FindingKind::ALL[i] as usize == i);
        i += 1;
    }
    assert!(FindingKind::HappensBefore as usize + 1 == FindingKind::ALL.len());
};

/// One finding of a report, borrowed from its section.
#[derive(Clone, Copy, Debug)]
pub enum Finding<'r> {
    /// A conflict site, of log or kernel windows.
    Site(&'r ConflictSite),
    Race(&'r runtime::RaceSite),
    Crash(&'r runtime::Crash),
    Deadlock(&'r locks::DeadlockReport),
    /// An example pair of `--mode hb` (in `conflicts`, without times).
    HappensBefore(&'r Conflict),
}

impl Serialize for Finding<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Finding::Site(x) => x.serialize(s),
            Finding::Race(x) => x.serialize(s),
            Finding::Crash(x) => x.serialize(s),
            Finding::Deadlock(x) => x.serialize(s),
            Finding::HappensBefore(x) => x.serialize(s),
        }
    }
}

/// A finding with what every renderer can say of it.
#[derive(Clone, Debug)]
pub struct FindingRef<'r> {
    pub kind: FindingKind,
    /// The finding's id; a happens-before pair's fingerprint.
    pub id: String,
    /// One line: what happened, where.
    pub title: String,
    /// `path:line` of its first evidence line (empty when it has none).
    pub source: String,
    pub finding: Finding<'r>,
}

/// Whether a conflict site's side is a kernel window: a runtime map call
/// (a log record names its Go caller, never the runtime).
pub fn is_kernel_site(site: &str) -> bool {
    crate::capture::by_name(site.as_bytes()).is_some()
}

impl ConflictSite {
    /// Both sides are kernel windows.
    pub fn is_kernel(&self) -> bool {
        self.sides.iter().all(|s| is_kernel_site(&s.site))
    }
}

/// The fingerprint of a happens-before pair, stable between runs: the
/// variable when it is a name, the ops and locations.
pub fn hb_fingerprint(c: &Conflict) -> String {
    let object = if is_address_like(&c.object) {
        ""
    } else {
        c.object.as_str()
    };
    format!(
        "{:016x}",
        fnv1a(&[
            "hb",
            object,
            c.a.op,
            &runtime::short_site(&c.a.site),
            c.b.op,
            &runtime::short_site(&c.b.site),
        ])
    )
}

impl Report {
    /// Every finding, in the order of the report's sections: conflict
    /// sites (log and kernel), races, crashes, deadlocks, happens-before
    /// pairs. Unconfirmed sites are not findings and are not here.
    pub fn findings(&self) -> Vec<FindingRef<'_>> {
        let mut v = Vec::new();
        for s in &self.conflict_sites {
            let name = s.object_name.as_deref().unwrap_or(&s.object);
            v.push(FindingRef {
                kind: if s.is_kernel() {
                    FindingKind::KernelConflict
                } else {
                    FindingKind::Conflict
                },
                id: s.id.clone(),
                title: format!(
                    "{} on map {name}: {} at {} × {} at {}",
                    s.kind, s.sides[0].op, s.sides[0].site, s.sides[1].op, s.sides[1].site
                ),
                source: s
                    .examples
                    .first()
                    .map(|e| e.a.source.clone())
                    .unwrap_or_default(),
                finding: Finding::Site(s),
            });
        }
        for r in &self.races {
            let sides: Vec<String> = r
                .sides
                .iter()
                .map(|x| format!("{} at {}", x.op, x.site))
                .collect();
            v.push(FindingRef {
                kind: FindingKind::Race,
                id: r.id.clone(),
                title: format!(
                    "{}: {}",
                    if r.map { "map race" } else { "data race" },
                    sides.join(" × ")
                ),
                source: r
                    .reports
                    .first()
                    .map(|x| x.source.clone())
                    .unwrap_or_default(),
                finding: Finding::Race(r),
            });
        }
        for c in &self.crashes {
            let mut title = c.messages.first().cloned().unwrap_or_default();
            if let Some(site) = &c.site {
                title.push_str(&format!(" at {site}"));
            }
            v.push(FindingRef {
                kind: FindingKind::Crash,
                id: c.id.clone(),
                title,
                source: c.source.clone(),
                finding: Finding::Crash(c),
            });
        }
        for d in &self.deadlocks {
            v.push(FindingRef {
                kind: FindingKind::Deadlock,
                id: d.id.clone(),
                title: format!("deadlock: {}", d.cycle()),
                source: d.sources.first().cloned().unwrap_or_default(),
                finding: Finding::Deadlock(d),
            });
        }
        if self.hb.is_some() {
            for c in self.hb_pairs() {
                v.push(FindingRef {
                    kind: FindingKind::HappensBefore,
                    id: hb_fingerprint(c),
                    title: format!(
                        "happens-before race on {}: {} {} at {} × {} {} at {}",
                        c.object, c.a.actor, c.a.op, c.a.site, c.b.actor, c.b.op, c.b.site
                    ),
                    source: c.b.source.clone(),
                    finding: Finding::HappensBefore(c),
                });
            }
        }
        v
    }
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

    /// A note for each filter whose value the logs never show: such a filter
    /// selects nothing, and a report without findings must not look clean.
    fn unmatched(&self) -> Vec<DiagnosticReport> {
        let an = self.an;
        let w = &an.windows;
        let spans = || w.holds.iter().chain(&w.waits);
        let mut out = Vec::new();
        let mut note = |flag: &str, value: &str, what: &str| {
            out.push(DiagnosticReport {
                source: format!("--{flag} {value}"),
                severity: Severity::Warning,
                message: format!("matched no {what} in the logs: no finding can involve it"),
                whole_input: true,
            })
        };
        if let (Some(v), Some(g)) = (&self.filters.goroutine, self.goroutine) {
            let id: Option<u64> = v.parse().ok();
            let seen = w.accesses.iter().any(|a| a.actor == g)
                || spans().any(|h| h.actor == g)
                || an
                    .dumps
                    .iter()
                    .any(|(_, d)| d.goroutines.iter().any(|x| Some(x.id) == id));
            if !seen {
                note("goroutine", v, "goroutine");
            }
        }
        if let (Some(v), Some(t)) = (&self.filters.trace, self.trace) {
            let seen = w.accesses.iter().any(|a| a.trace == t) || spans().any(|h| h.trace == t);
            if !seen {
                note("trace", v, "trace id");
            }
        }
        if let Some(v) = &self.filters.object {
            let seen = w.accesses.iter().any(|a| self.object(a.scope, a.object))
                || spans().any(|h| self.object(h.scope, h.lock));
            if !seen {
                note("object", v, "map or lock");
            }
        }
        out
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

/// What the summary counts among the windows.
struct WindowCounts {
    actors: u64,
    objects: u64,
    open_accesses: u64,
}

impl WindowCounts {
    /// Counted through sets: a few distinct among every window and hold.
    fn of(an: &Analysis<'_>) -> WindowCounts {
        let accesses = &an.windows.accesses;
        let actors: FxHashSet<(u32, Sym)> = accesses
            .iter()
            .map(|a| (a.scope, a.actor))
            .chain(an.windows.holds.iter().map(|h| (h.scope, h.actor)))
            .collect();
        let objects: FxHashSet<(u32, Sym)> = accesses.iter().map(|a| (a.scope, a.object)).collect();
        WindowCounts {
            actors: actors.len() as u64,
            objects: objects.len() as u64,
            open_accesses: accesses.iter().filter(|a| a.is_open()).count() as u64,
        }
    }
}

/// The goroutine → map graph of the selected conflicts, and its goroutines.
fn graph_of(an: &Analysis<'_>, f: &Selection<'_, '_>) -> (Vec<GraphEdge>, Vec<GraphActor>) {
    let sym = |s: Sym| an.interner.str(s).into_owned();
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
    let mut by_actor: BTreeMap<(u32, Sym), Vec<&FxHashSet<Sym>>> = BTreeMap::new();
    for st in &an.conflicts.actors {
        by_actor
            .entry((st.scope, st.actor))
            .or_default()
            .push(&st.traces);
    }
    let graph_actors = by_actor
        .into_iter()
        .map(|((scope, actor), sets)| {
            // Most goroutines touch one map: its set needs no union.
            let union: FxHashSet<Sym>;
            let traces = match sets.as_slice() {
                [one] => *one,
                _ => {
                    union = sets.iter().flat_map(|s| s.iter().copied()).collect();
                    &union
                }
            };
            GraphActor {
                scope: an.scope_name(scope),
                actor: sym(actor),
                trace_count: traces.len() as u64,
                traces: smallest(&an.interner, traces.iter().copied(), GRAPH_TRACES),
            }
        })
        .collect();
    (graph, graph_actors)
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
            // `a` is the site's side A (its first side), so the evidence
            // reads in the order of the table; equal sides stay earlier first.
            let (a, b) = (&accesses[x as usize], &accesses[y as usize]);
            let (a, b) = if (a.op, a.caller) != s.sides[0] && (b.op, b.caller) == s.sides[0] {
                (b, a)
            } else {
                (a, b)
            };
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

        let same_key = same_key_pairs(an);
        let site_of = |s: &SiteStats| {
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
                estimate: estimate(an, s, &same_key),
                examples: s
                    .examples
                    .iter()
                    .filter(|&&(x, y)| f.example(&accesses[x as usize], &accesses[y as usize]))
                    .map(|&e| example(s, e))
                    .collect(),
                static_findings: Vec::new(),
            }
        };
        let order = |a: &ConflictSite, b: &ConflictSite| {
            b.conflicts
                .cmp(&a.conflicts)
                .then_with(|| (&a.scope, &a.object, &a.sides).cmp(&(&b.scope, &b.object, &b.sides)))
        };
        let (confirmed, unconfirmed): (Vec<&SiteStats>, Vec<&SiteStats>) = an
            .conflicts
            .sites
            .iter()
            .filter(|s| f.site(s))
            .partition(|s| !s.unconfirmed);
        // The sites, the graph and the window counts are independent: each
        // walks sets of a log's size, so they are built side by side.
        let ((mut sites, mut unconfirmed_sites), ((graph, graph_actors), counts)) = rayon::join(
            || {
                rayon::join(
                    || confirmed.into_par_iter().map(site_of).collect::<Vec<_>>(),
                    || unconfirmed.into_par_iter().map(site_of).collect::<Vec<_>>(),
                )
            },
            || rayon::join(|| graph_of(an, &f), || WindowCounts::of(an)),
        );
        sites.sort_by(order);
        unconfirmed_sites.sort_by(order);
        let mut conflicts: Vec<Conflict> = sites
            .iter()
            .flat_map(|s| s.examples.iter().cloned())
            .collect();
        let hb = an
            .hb
            .as_ref()
            .map(|scopes| hb_report(an, scopes, &mut conflicts));

        let (races, race_blocks) = runtime::races(an);
        let crashes = runtime::crashes(an);
        let dumps = runtime::plain_dumps(an);
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
        // The counts of the lists are set by `count_findings` below.
        let summary = Summary {
            events: an.events as u64,
            accesses: accesses.len() as u64,
            open_accesses: counts.open_accesses,
            holds: an.windows.holds.len() as u64,
            actors: counts.actors,
            objects: counts.objects,
            races: race_blocks,
            parse_errors: an.parse_errors(),
            diagnostics: an.diagnostic_count,
            sampled: an.sampling.iter().any(|s| s.any()),
            ..Summary::default()
        };
        let inputs = an
            .inputs
            .iter()
            .zip(&an.sampling)
            .map(|(i, sampling)| InputReport {
                path: i.path.clone(),
                formats: i.formats.names(),
                compression: i.compression,
                bytes: i.bytes,
                lines: i.lines,
                records: i.records,
                context: i.context,
                parse_errors: i.parse_errors,
                skipped: i.skipped,
                sampling: SamplingReport::of(sampling),
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
        let mut diagnostics: Vec<DiagnosticReport> = diagnostics;
        let unmatched = f.unmatched();
        let summary = Summary {
            diagnostics: summary.diagnostics + unmatched.len() as u64,
            ..summary
        };
        diagnostics.extend(unmatched);
        let mut report = Report {
            schema: SCHEMA,
            inputs,
            summary,
            conflict_sites: sites,
            unconfirmed_sites,
            conflicts,
            races,
            crashes,
            dumps,
            locks,
            contention,
            wait_chains,
            deadlocks,
            hb,
            static_findings: Vec::new(),
            diagnostics,
            graph,
            graph_actors,
        };
        report.count_findings();
        static_join::join(&mut report, an, &[]);
        report
    }

    /// The happens-before example pairs (after the sites' examples).
    pub fn hb_pairs(&self) -> impl Iterator<Item = &Conflict> {
        self.conflicts.iter().filter(|c| c.is_happens_before())
    }

    /// The distinct top user frames of the race sites as (site, function),
    /// in site order: the race nodes of the graphs.
    pub(crate) fn race_frames(&self) -> Vec<(&str, &str)> {
        let mut frames: Vec<(&str, &str)> = self
            .races
            .iter()
            .flat_map(|r| r.sides.iter().map(|s| (s.site.as_str(), s.func.as_str())))
            .collect();
        frames.sort_unstable();
        frames.dedup_by_key(|f| f.0);
        frames
    }

    /// Sets the summary's counts of what the report lists (one scan or a
    /// merge of several): sites, pairs, crashes, dumps, edges, deadlocks.
    pub(crate) fn count_findings(&mut self) {
        let sites = &self.conflict_sites;
        let s = &mut self.summary;
        s.conflicts = sites.iter().map(|x| x.conflicts).sum();
        s.conflict_sites = sites.len() as u64;
        s.race_sites = self.races.len() as u64;
        s.crashes = self.crashes.len() as u64;
        s.dumps = self.dumps.len() as u64;
        s.contention_edges = self.contention.len() as u64;
        s.deadlocks = self.deadlocks.len() as u64;
        s.unconfirmed = self.unconfirmed_sites.iter().map(|x| x.conflicts).sum();
        s.unconfirmed_sites = self.unconfirmed_sites.len() as u64;
        s.estimated_conflicts = sites.iter().any(|x| x.estimate.is_some()).then(|| {
            sites
                .iter()
                .map(|x| x.estimate.as_ref().map_or(x.conflicts, |e| e.conflicts))
                .sum()
        });
    }

    /// Joins the static findings again, with Go sources also looked up
    /// under `roots` (`--source-root`) for same-function matches.
    pub fn join_static(&mut self, an: &Analysis<'_>, roots: &[std::path::PathBuf]) {
        static_join::join(self, an, roots);
    }

    /// The inputs had lines (or were skipped as binary) but not one record
    /// racetrail understands: a log it cannot read must never pass as clean.
    /// Empty inputs alone are not this.
    pub fn nothing_read(&self) -> bool {
        !self.inputs.is_empty()
            && self.inputs.iter().all(|i| i.records == 0)
            && self.inputs.iter().any(|i| i.skipped || i.lines > 0)
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

/// A site's identity across the sweeps: scope, object, sides, unconfirmed.
type SiteIdent = (u32, Sym, [crate::replay::conflicts::Site; 2], bool);

/// Same-key pairs per site and pair of rates (access-sampled logs).
fn same_key_pairs(an: &Analysis<'_>) -> BTreeMap<SiteIdent, BTreeMap<(u8, u8), u64>> {
    let mut m: BTreeMap<SiteIdent, BTreeMap<(u8, u8), u64>> = BTreeMap::new();
    for s in an.same_key.iter().flat_map(|c| &c.sites) {
        let e = m
            .entry((s.scope, s.object, s.sides, s.unconfirmed))
            .or_default();
        for &(r, n) in &s.rated {
            *e.entry(r).or_default() += n;
        }
    }
    m
}

/// The estimated true pair count of a site of an access-sampled log.
fn estimate(
    an: &Analysis<'_>,
    s: &SiteStats,
    same_key: &BTreeMap<SiteIdent, BTreeMap<(u8, u8), u64>>,
) -> Option<Estimate> {
    if s.rated.is_empty() || s.pairs == 0 {
        return None;
    }
    let rate = |i: u8| {
        if i == 0 {
            1.0
        } else {
            an.rates[i as usize - 1] as f64 / 1e6
        }
    };
    let same = same_key.get(&(s.scope, s.object, s.sides, s.unconfirmed));
    let mut est = 0.0;
    let mut rates: Vec<u8> = Vec::new();
    let mut unrated = s.pairs;
    for &((i, j), n) in &s.rated {
        unrated -= n;
        let one_key = same.and_then(|m| m.get(&(i, j))).copied().unwrap_or(0);
        let (ri, rj) = (rate(i), rate(j));
        est += one_key as f64 / ri.min(rj) + (n - one_key) as f64 / (ri * rj);
        rates.extend([i, j]);
    }
    est += unrated as f64;
    rates.sort_unstable();
    rates.dedup();
    let p = rates.iter().map(|&i| rate(i)).fold(1.0, f64::min);
    // Keys are the clusters of the sample: each key's pairs, weighted,
    // vary together with the key's keep decision.
    let mean_weight = est / s.pairs as f64;
    let var: f64 = s
        .key_spread
        .iter()
        .map(|&m| (1.0 - p) * (m as f64 / 2.0 * mean_weight).powi(2))
        .sum();
    let half = 1.96 * var.sqrt();
    Some(Estimate {
        conflicts: est.round() as u64,
        low: ((est - half).round() as u64).max(s.pairs),
        high: (est + half).round() as u64,
        rates: rates.into_iter().map(rate).collect(),
    })
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
    use proptest::prelude::*;

    proptest! {
        /// The few smallest ids, in order: what sorting all of them gives.
        #[test]
        fn smallest_is_the_head_of_the_sorted_ids(
            ids in proptest::collection::btree_set("[0-9a-f]{0,6}", 0..60),
            n in 0usize..25,
        ) {
            let mut interner = Interner::new();
            let syms: Vec<Sym> = ids.iter().map(|s| interner.intern_borrowed(s.as_bytes())).collect();
            let want: Vec<String> = ids.iter().take(n).cloned().collect();
            prop_assert_eq!(smallest(&interner, syms.into_iter(), n), want);
        }
    }

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
