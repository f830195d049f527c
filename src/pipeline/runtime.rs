//! The Go runtime's own findings, analysed: race blocks deduplicated into
//! race sites (by the pair of top user frames as `file:line`), dumps
//! summarised (crashing goroutine, states, stack buckets, fork tree) and
//! crashes joined to the access logs of their process (the other side).
//! The report shows what this stage made.

use std::collections::BTreeMap;

use rustc_hash::FxHashMap;

use crate::formats::goruntime::dump::{Dump, Goroutine};
use crate::formats::goruntime::race::{RaceAccess, RaceBlock};
use crate::formats::goruntime::{Frame, StdFrames, is_map_func, map_arg};
use crate::intern::{Interner, Sym};
use crate::pipeline::Analysis;
use crate::replay::windows::OPEN;
use crate::report::fnv1a;
use crate::report::runtime::{
    Bucket, Crash, FrameOut, GoroutineOut, OtherSide, RaceAccessOut, RaceGoroutineOut,
    RaceReportOut, RaceSide, RaceSite, Suspect, short_site,
};

/// Goroutine ids listed per bucket.
const BUCKET_IDS: usize = 10;

/// What the runtime's output says, analysed once per run.
#[derive(Debug, Default)]
pub struct RuntimeFindings {
    /// Deduplicated race sites.
    pub races: Vec<RaceSite>,
    /// Race report blocks.
    pub race_blocks: u64,
    /// Every dump's digest in input order, with whether it is a crash.
    pub dumps: Vec<(bool, Crash)>,
}

impl RuntimeFindings {
    /// Races and dump digests of a finished analysis.
    pub fn of(an: &Analysis<'_>) -> RuntimeFindings {
        let (races, race_blocks) = races(an);
        let stds = std_frames(an);
        let dumps = an
            .dumps
            .iter()
            .zip(&an.dump_scopes)
            .map(|((input, d), scope)| {
                (
                    d.is_crash(),
                    crash(an, &stds[*input as usize], *input, d, *scope),
                )
            })
            .collect();
        RuntimeFindings {
            races,
            race_blocks,
            dumps,
        }
    }

    /// The digests of the crashes (`true`) or of the other dumps.
    pub fn dumps_where(&self, crash: bool) -> Vec<Crash> {
        self.dumps
            .iter()
            .filter(|(c, _)| *c == crash)
            .map(|(_, d)| d.clone())
            .collect()
    }
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
fn races(an: &Analysis<'_>) -> (Vec<RaceSite>, u64) {
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
    let suspects = suspects(
        i,
        std,
        &gs,
        &running,
        map_address.as_deref(),
        site.as_deref(),
    );
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
        goroutines: gs.iter().map(|g| goroutine_out(i, std, g)).collect(),
        other_side: match (scope, crashing) {
            (Some(scope), Some(g)) => other_side(an, scope, g.id),
            _ => Vec::new(),
        },
        static_findings: Vec::new(),
    }
}

/// The goroutines that did not crash but were at the crash's map (the map
/// argument of a runtime map function on their stack) or at its site.
fn suspects(
    i: &Interner<'_>,
    std: &StdFrames,
    gs: &[&Goroutine],
    running: &[&Goroutine],
    map_address: Option<&str>,
    site: Option<&str>,
) -> Vec<Suspect> {
    let map_of = |g: &Goroutine| {
        g.frames
            .iter()
            .filter(|f| is_map_func(i.bytes(f.func)))
            .find_map(|f| map_arg(i.bytes(f.func), i.bytes(f.args)))
            .map(|a| String::from_utf8_lossy(a).into_owned())
    };
    gs.iter()
        .filter(|g| !running.iter().any(|r| r.id == g.id))
        .filter_map(|g| {
            let gsite = top_user(i, std, &g.frames).map(|f| site_of(i, f));
            let same_map = map_address.is_some() && map_of(g).as_deref() == map_address;
            let same_site = site.is_some() && gsite.as_deref() == site;
            (same_map || same_site).then(|| Suspect {
                id: g.id,
                state: i.str(g.state).into_owned(),
                site: gsite,
                same_map,
            })
        })
        .collect()
}

/// One goroutine of a dump, as the report lists it.
fn goroutine_out(i: &Interner<'_>, std: &StdFrames, g: &Goroutine) -> GoroutineOut {
    GoroutineOut {
        id: g.id,
        state: i.str(g.state).into_owned(),
        wait_minutes: g.wait_minutes,
        locked: g.locked,
        site: top_user(i, std, &g.frames).map(|f| site_of(i, f)),
        created_by: g.created_by.as_ref().map(|f| frame_out(i, f)),
        parent: g.parent,
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
}
