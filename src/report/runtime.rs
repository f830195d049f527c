//! Races and crashes in the report: race blocks deduplicated into race
//! sites, dumps summarised (crashing goroutine, states, stack buckets, fork
//! tree) and crashes joined to the access logs of their process.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::formats::goruntime::dump::{Dump, Goroutine};
use crate::formats::goruntime::race::{RaceAccess, RaceBlock};
use crate::formats::goruntime::{Frame, StdFrames, is_map_func, map_arg};
use crate::intern::{Interner, Sym};
use crate::pipeline::Analysis;
use crate::replay::windows::OPEN;

use super::fnv1a;

/// Goroutine ids listed per bucket.
const BUCKET_IDS: usize = 10;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct FrameOut {
    pub func: String,
    pub file: String,
    pub line: u32,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RaceSide {
    #[serde(deserialize_with = "super::wire::op")]
    pub op: super::wire::Name,
    /// `file:line` of the top user frame.
    pub site: String,
    pub func: String,
    /// What the `runtime.map*` frame on this side did, for map races.
    #[serde(
        default,
        deserialize_with = "super::wire::opt_op",
        skip_serializing_if = "Option::is_none"
    )]
    pub map_op: Option<super::wire::Name>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RaceAccessOut {
    #[serde(deserialize_with = "super::wire::op")]
    pub op: super::wire::Name,
    pub previous: bool,
    /// The race runtime's goroutine number, or "main"; never a runtime id.
    pub goroutine: String,
    pub stack: Vec<FrameOut>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RaceGoroutineOut {
    pub id: u64,
    pub state: String,
    pub created_at: Vec<FrameOut>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RaceReportOut {
    /// `path:line` of the block's first line.
    pub source: String,
    pub address: String,
    pub accesses: Vec<RaceAccessOut>,
    pub location: Option<String>,
    pub goroutines: Vec<RaceGoroutineOut>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct RaceSite {
    pub id: String,
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub known: bool,
    pub map: bool,
    pub blocks: u64,
    pub sides: Vec<RaceSide>,
    pub reports: Vec<RaceReportOut>,
    /// Static findings on either side's top user frame (same line or function).
    #[serde(rename = "static", default, skip_serializing_if = "Vec::is_empty")]
    pub static_findings: Vec<super::static_join::StaticRef>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Bucket {
    pub count: u64,
    pub state: String,
    /// The longest wait among the bucket's goroutines, in minutes.
    pub max_wait_minutes: u32,
    pub stack: Vec<FrameOut>,
    /// The first goroutine ids of the bucket.
    pub goroutines: Vec<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct GoroutineOut {
    pub id: u64,
    pub state: String,
    pub wait_minutes: u32,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub locked: bool,
    /// `file:line` of the top user frame.
    pub site: Option<String>,
    pub created_by: Option<FrameOut>,
    pub parent: Option<u64>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct OtherSide {
    pub actor: String,
    pub object: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_name: Option<String>,
    #[serde(deserialize_with = "super::wire::op")]
    pub op: super::wire::Name,
    pub key: Option<String>,
    pub trace: Option<String>,
    pub start_ns: i64,
    /// Set when the window closed: a kernel capture's map call that
    /// overlapped the one the crashing goroutine died in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_ns: Option<i64>,
    pub source: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Suspect {
    pub id: u64,
    pub state: String,
    pub site: Option<String>,
    /// Its `runtime.map*` frame shows the crashing goroutine's map header.
    pub same_map: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Crash {
    pub id: String,
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub known: bool,
    pub source: String,
    pub scope: String,
    pub messages: Vec<String>,
    /// The crashing goroutine: the first one running with a stack.
    pub goroutine: Option<u64>,
    /// Every goroutine the dump shows running (two map checks can fire at once).
    pub reporters: Vec<u64>,
    pub stack: Vec<FrameOut>,
    pub site: Option<String>,
    pub func: Option<String>,
    pub map_address: Option<String>,
    pub goroutines_total: u64,
    pub states: BTreeMap<String, u64>,
    pub buckets: Vec<Bucket>,
    pub goroutines: Vec<GoroutineOut>,
    /// Goroutines not running that stand at the crash site, or inside a
    /// `runtime.map*` call on the same map: candidates for the other side
    /// that the dump itself shows.
    pub suspects: Vec<Suspect>,
    /// Accesses still open when the process died, by other goroutines, on
    /// the map the crashing goroutine had open: the side the runtime never names.
    pub other_side: Vec<OtherSide>,
    /// Static findings on the crash site (same line or function).
    #[serde(rename = "static", default, skip_serializing_if = "Vec::is_empty")]
    pub static_findings: Vec<super::static_join::StaticRef>,
}

fn frame_out(i: &Interner<'_>, f: &Frame) -> FrameOut {
    FrameOut {
        func: i.str(f.func).into_owned(),
        file: i.str(f.file).into_owned(),
        line: f.line,
    }
}

/// The top user frame of a stack.
fn top_user<'f>(i: &Interner<'_>, std: &StdFrames, stack: &'f [Frame]) -> Option<&'f Frame> {
    stack
        .iter()
        .find(|f| !f.file.is_none() && !std.is_std(&i.str(f.func), &i.str(f.file)))
}

fn site_of(i: &Interner<'_>, f: &Frame) -> String {
    format!("{}:{}", i.str(f.file), f.line)
}

/// What a `runtime.map*` function does to the map.
fn map_op(func: &str) -> Option<&'static str> {
    let f = func.rsplit('.').next().unwrap_or(func);
    let f = f.to_ascii_lowercase();
    Some(if f.starts_with("mapassign") || f.starts_with("putslot") {
        "write"
    } else if f.starts_with("mapaccess") || f.starts_with("getwithkey") || f.starts_with("get") {
        "read"
    } else if f.starts_with("mapiter") || f.starts_with("iter") {
        "range"
    } else if f.starts_with("mapdelete") || f.starts_with("delete") {
        "delete"
    } else if f.starts_with("mapclear") || f.starts_with("clear") {
        "clear"
    } else {
        return None;
    })
}

/// Per input, the Go installation its frames show.
fn std_frames(an: &Analysis<'_>) -> Vec<StdFrames> {
    let mut out = vec![StdFrames::default(); an.inputs.len()];
    let mut learn = |input: u32, f: &Frame| {
        let s = &mut out[input as usize];
        if s.goroot.is_none() {
            s.learn(&an.interner.str(f.file));
        }
    };
    for (input, b) in &an.races {
        for a in &b.accesses {
            a.stack.iter().for_each(|f| learn(*input, f));
        }
    }
    for (input, d) in &an.dumps {
        for g in &d.goroutines {
            g.frames.iter().for_each(|f| learn(*input, f));
        }
    }
    out
}

/// A race block in its race-site group.
struct Member<'r> {
    sides: Vec<SideInfo>,
    block: &'r RaceBlock,
    input: u32,
}

struct SideInfo {
    op: &'static str,
    site: String,
    func: String,
    map_op: Option<&'static str>,
}

fn side_info(i: &Interner<'_>, std: &StdFrames, a: &RaceAccess) -> SideInfo {
    let top = top_user(i, std, &a.stack);
    SideInfo {
        op: if a.write { "write" } else { "read" },
        site: top.map_or_else(|| "?".to_string(), |f| site_of(i, f)),
        func: top.map_or_else(String::new, |f| i.str(f.func).into_owned()),
        map_op: a
            .stack
            .iter()
            .map(|f| i.str(f.func))
            .find(|f| is_map_func(f.as_bytes()))
            .and_then(|f| map_op(&f)),
    }
}

/// Race blocks deduplicated by the order-independent pair of top user
/// frames' `file:line`, across blocks, files and runs. Returns the sites and
/// the number of blocks.
pub fn races(an: &Analysis<'_>) -> (Vec<RaceSite>, u64) {
    let i = &an.interner;
    let stds = std_frames(an);
    let mut groups: BTreeMap<(String, String), Vec<Member<'_>>> = BTreeMap::new();
    for (input, b) in &an.races {
        let std = &stds[*input as usize];
        let mut sides: Vec<SideInfo> = b.accesses.iter().map(|a| side_info(i, std, a)).collect();
        while sides.len() < 2 {
            sides.push(SideInfo {
                op: "?",
                site: "?".into(),
                func: String::new(),
                map_op: None,
            });
        }
        sides.truncate(2);
        sides.sort_by(|x, y| (&x.site, x.op).cmp(&(&y.site, y.op)));
        let key = (sides[0].site.clone(), sides[1].site.clone());
        groups.entry(key).or_default().push(Member {
            sides,
            block: b,
            input: *input,
        });
    }
    let blocks = an.races.len() as u64;
    let sites = groups
        .into_values()
        .map(|members| {
            let map = members.iter().any(|m| !m.block.map_funcs.is_empty());
            // The sides as the map block shows them, when there is one.
            let lead = members
                .iter()
                .position(|m| !m.block.map_funcs.is_empty())
                .unwrap_or(0);
            let sides: Vec<RaceSide> = members[lead]
                .sides
                .iter()
                .map(|s| RaceSide {
                    op: s.op,
                    site: s.site.clone(),
                    func: s.func.clone(),
                    map_op: s.map_op,
                })
                .collect();
            let short: Vec<String> = sides.iter().map(|s| short_site(&s.site)).collect();
            let fingerprint = format!("{:016x}", fnv1a(&["race", &short[0], &short[1]]));
            let id = format!(
                "{:012x}",
                fnv1a(&["race", &sides[0].site, &sides[1].site]) >> 16
            );
            let reports = members
                .iter()
                .map(|m| race_report(an, m.input, m.block))
                .collect();
            RaceSite {
                id,
                fingerprint,
                known: false,
                map,
                blocks: members.len() as u64,
                sides,
                reports,
                static_findings: Vec::new(),
            }
        })
        .collect();
    (sites, blocks)
}

/// `dir/file.go:line`: what stays the same across machines and checkouts.
pub fn short_site(site: &str) -> String {
    let parts: Vec<&str> = site.rsplitn(3, '/').collect();
    match parts.len() {
        3 => format!("{}/{}", parts[1], parts[0]),
        _ => site.to_string(),
    }
}

fn race_report(an: &Analysis<'_>, input: u32, b: &RaceBlock) -> RaceReportOut {
    let i = &an.interner;
    RaceReportOut {
        source: an.source(input, b.line),
        address: b
            .accesses
            .first()
            .map_or_else(String::new, |a| i.str(a.address).into_owned()),
        accesses: b
            .accesses
            .iter()
            .map(|a| RaceAccessOut {
                op: if a.write { "write" } else { "read" },
                previous: a.previous,
                goroutine: a
                    .goroutine
                    .map_or_else(|| "main".to_string(), |g| g.to_string()),
                stack: a.stack.iter().map(|f| frame_out(i, f)).collect(),
            })
            .collect(),
        location: b.location.clone(),
        goroutines: b
            .goroutines
            .iter()
            .map(|g| RaceGoroutineOut {
                id: g.id,
                state: i.str(g.state).into_owned(),
                created_at: g.created_at.iter().map(|f| frame_out(i, f)).collect(),
            })
            .collect(),
        truncated: b.truncated,
    }
}

/// The goroutines of a dump, one entry per id: the second listing of a
/// reporter (its stack, after `stack unavailable`) replaces the first.
pub fn distinct_goroutines(d: &Dump) -> Vec<&Goroutine> {
    let mut by_id: FxHashMap<u64, usize> = FxHashMap::default();
    let mut out: Vec<&Goroutine> = Vec::with_capacity(d.goroutines.len());
    for g in &d.goroutines {
        match by_id.get(&g.id) {
            Some(&k) => {
                if out[k].frames.is_empty() && !g.frames.is_empty() {
                    out[k] = g;
                }
            }
            None => {
                by_id.insert(g.id, out.len());
                out.push(g);
            }
        }
    }
    out
}

/// Identical stacks (same state, same frames) bucketed by sorting, largest first.
pub fn buckets(i: &Interner<'_>, gs: &[&Goroutine]) -> Vec<Bucket> {
    let key = |f: &Frame| (f.func, f.file, f.line);
    let same = |a: &Goroutine, b: &Goroutine| {
        a.state == b.state && a.frames.iter().map(key).eq(b.frames.iter().map(key))
    };
    let mut order: Vec<usize> = (0..gs.len()).collect();
    order.sort_unstable_by(|&a, &b| {
        let (x, y) = (gs[a], gs[b]);
        x.state
            .cmp(&y.state)
            .then_with(|| x.frames.iter().map(key).cmp(y.frames.iter().map(key)))
            .then(a.cmp(&b))
    });
    let mut out: Vec<Bucket> = order
        .chunk_by(|&a, &b| same(gs[a], gs[b]))
        .map(|group| {
            let first = gs[group[0]];
            let mut ids: Vec<u64> = group.iter().map(|&m| gs[m].id).collect();
            ids.sort_unstable();
            Bucket {
                count: group.len() as u64,
                state: i.str(first.state).into_owned(),
                max_wait_minutes: group.iter().map(|&m| gs[m].wait_minutes).max().unwrap_or(0),
                stack: first.frames.iter().map(|f| frame_out(i, f)).collect(),
                goroutines: ids.into_iter().take(BUCKET_IDS).collect(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.goroutines.first().cmp(&b.goroutines.first()))
    });
    out
}

/// The Go installation a dump's own frames show, else the input's: a dump
/// is one process, and another appended to the same log may have run under
/// another Go.
fn dump_std(i: &Interner<'_>, d: &Dump, input: &StdFrames) -> StdFrames {
    let mut own = StdFrames::default();
    for f in d.goroutines.iter().flat_map(|g| &g.frames) {
        if memchr::memmem::find(i.bytes(f.file), b"/src/runtime/").is_some() {
            own.learn(&i.str(f.file));
            if own.goroot.is_some() {
                return own;
            }
        }
    }
    input.clone()
}

/// Everything `crashes` and `racetrail dumps` say about one dump.
pub fn crash(
    an: &Analysis<'_>,
    std: &StdFrames,
    input: u32,
    d: &Dump,
    scope: Option<u32>,
) -> Crash {
    let i = &an.interner;
    let std = &dump_std(i, d, std);
    let gs = distinct_goroutines(d);
    let running: Vec<&Goroutine> = gs
        .iter()
        .copied()
        .filter(|g| &*i.str(g.state) == "running")
        .collect();
    let crashing = running
        .iter()
        .find(|g| !g.frames.is_empty())
        .or(running.first())
        .copied();
    let stack: Vec<Frame> = crashing.map(|g| g.frames.clone()).unwrap_or_default();
    let top = top_user(i, std, &stack);
    let map_address = stack
        .iter()
        .filter(|f| is_map_func(i.bytes(f.func)))
        .find_map(|f| {
            map_arg(i.bytes(f.func), i.bytes(f.args))
                .map(|a| String::from_utf8_lossy(a).into_owned())
        });
    let mut states: BTreeMap<String, u64> = BTreeMap::new();
    for g in &gs {
        *states.entry(i.str(g.state).into_owned()).or_default() += 1;
    }
    let scope = scope.or_else(|| an.input_scope(input));
    let site = top.map(|f| site_of(i, f));
    let func = top.map(|f| i.str(f.func).into_owned());
    let messages: Vec<String> = d.messages.clone();
    let map_of = |g: &Goroutine| {
        g.frames
            .iter()
            .filter(|f| is_map_func(i.bytes(f.func)))
            .find_map(|f| map_arg(i.bytes(f.func), i.bytes(f.args)))
            .map(|a| String::from_utf8_lossy(a).into_owned())
    };
    let suspects: Vec<Suspect> = gs
        .iter()
        .filter(|g| !running.iter().any(|r| r.id == g.id))
        .filter_map(|g| {
            let gsite = top_user(i, std, &g.frames).map(|f| site_of(i, f));
            let same_map = map_address.is_some() && map_of(g) == map_address;
            let same_site = site.is_some() && gsite == site;
            (same_map || same_site).then(|| Suspect {
                id: g.id,
                state: i.str(g.state).into_owned(),
                site: gsite,
                same_map,
            })
        })
        .collect();
    let fp_site = site.as_deref().map(short_site).unwrap_or_default();
    let first_message = messages.first().map(String::as_str).unwrap_or("");
    let source = an.source(input, d.line);
    Crash {
        known: false,
        id: format!("{:012x}", fnv1a(&["crash", &source]) >> 16),
        fingerprint: format!("{:016x}", fnv1a(&["crash", first_message, &fp_site])),
        source,
        scope: scope.map_or_else(
            || an.inputs[input as usize].path.clone(),
            |s| an.scope_name(s),
        ),
        messages,
        goroutine: crashing.map(|g| g.id),
        reporters: running.iter().map(|g| g.id).collect(),
        stack: stack.iter().map(|f| frame_out(i, f)).collect(),
        site,
        func,
        map_address,
        goroutines_total: gs.len() as u64,
        states,
        suspects,
        buckets: buckets(i, &gs),
        goroutines: gs
            .iter()
            .map(|g| GoroutineOut {
                id: g.id,
                state: i.str(g.state).into_owned(),
                wait_minutes: g.wait_minutes,
                locked: g.locked,
                site: top_user(i, std, &g.frames).map(|f| site_of(i, f)),
                created_by: g.created_by.as_ref().map(|f| frame_out(i, f)),
                parent: g.parent,
            })
            .collect(),
        other_side: match (scope, crashing) {
            (Some(scope), Some(g)) => other_side(an, scope, g.id),
            _ => Vec::new(),
        },
        static_findings: Vec::new(),
    }
}

/// The crash happens after the scope's last record: the crashing
/// goroutine's accesses still open there name the map(s); the other
/// goroutines' accesses still open on them are the other side. With a kernel
/// capture, the map call the crashing goroutine died in is open too, and
/// every other goroutine's map call on that map that ended after it began
/// is the other side as well (the runtime saw it and threw).
fn other_side(an: &Analysis<'_>, scope: u32, goroutine: u64) -> Vec<OtherSide> {
    let i = &an.interner;
    let Some(actor) = i.get(goroutine.to_string().as_bytes()) else {
        return Vec::new();
    };
    let open = |a: &&crate::replay::windows::Access| a.scope == scope && a.end == OPEN;
    let accesses = &an.windows.accesses;
    let kernel = crate::capture::join::Kernel::new(&an.inputs, i);
    let mut maps: Vec<Sym> = accesses
        .iter()
        .filter(open)
        .filter(|a| a.actor == actor)
        .map(|a| a.object)
        .collect();
    maps.sort_unstable();
    maps.dedup();
    let died_in: Vec<(Sym, i64)> = accesses
        .iter()
        .filter(open)
        .filter(|a| a.actor == actor && kernel.is_kernel(a))
        .map(|a| (a.object, a.start))
        .collect();
    let overlaps_death = |a: &crate::replay::windows::Access| {
        a.scope == scope
            && kernel.is_kernel(a)
            && died_in.iter().any(|&(o, s)| a.object == o && a.end > s)
    };
    let mut out: Vec<OtherSide> = accesses
        .iter()
        .filter(|a| a.actor != actor)
        .filter(|a| (open(a) && maps.contains(&a.object)) || overlaps_death(a))
        .map(|a| OtherSide {
            actor: i.str(a.actor).into_owned(),
            object: i.str(a.object).into_owned(),
            object_name: an.name_of(scope, a.object),
            op: a.op.name(),
            key: Some(i.str(a.key).into_owned()).filter(|k| !k.is_empty()),
            trace: Some(i.str(a.trace).into_owned()).filter(|t| !t.is_empty()),
            start_ns: a.start,
            end_ns: (a.end != OPEN).then_some(a.end),
            source: an.source(a.input, a.line),
        })
        .collect();
    out.sort_by(|a, b| (a.start_ns, &a.source).cmp(&(b.start_ns, &b.source)));
    out
}

/// Crashes (dumps with a fatal error, panic or signal message).
pub fn crashes(an: &Analysis<'_>) -> Vec<Crash> {
    let stds = std_frames(an);
    an.dumps
        .iter()
        .zip(&an.dump_scopes)
        .filter(|((_, d), _)| d.is_crash())
        .map(|((input, d), scope)| crash(an, &stds[*input as usize], *input, d, *scope))
        .collect()
}

/// Goroutine dumps that are not crashes (no fatal error, panic or signal:
/// a `runtime.Stack` dump, often logged in a field): information, not
/// findings.
pub fn plain_dumps(an: &Analysis<'_>) -> Vec<Crash> {
    let stds = std_frames(an);
    an.dumps
        .iter()
        .zip(&an.dump_scopes)
        .filter(|((_, d), _)| !d.is_crash())
        .map(|((input, d), scope)| crash(an, &stds[*input as usize], *input, d, *scope))
        .collect()
}

/// Every dump, crash or not, for `racetrail dumps`.
pub fn all_dumps(an: &Analysis<'_>) -> Vec<Crash> {
    let stds = std_frames(an);
    an.dumps
        .iter()
        .zip(&an.dump_scopes)
        .map(|((input, d), scope)| crash(an, &stds[*input as usize], *input, d, *scope))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_ops_from_runtime_functions() {
        assert_eq!(map_op("runtime.mapassign_faststr"), Some("write"));
        assert_eq!(map_op("runtime.mapaccess2_faststr"), Some("read"));
        assert_eq!(map_op("runtime.mapiterinit"), Some("range"));
        assert_eq!(map_op("runtime.mapdelete_fast64"), Some("delete"));
        assert_eq!(map_op("runtime.growWork"), None);
    }

    #[test]
    fn short_sites() {
        assert_eq!(short_site("/build/src/app/x/main.go:19"), "x/main.go:19");
        assert_eq!(short_site("main.go:19"), "main.go:19");
    }
}
