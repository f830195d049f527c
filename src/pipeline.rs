//! The stages wired together: open → chunk → parse (parallel) → merge ids
//! and scopes → sort → replay → conflicts. [`analyze`] returns everything
//! the report needs; it borrows the inputs' bytes for the ids it interned.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::event::Event;
use crate::formats::goruntime::dump::Dump;
use crate::formats::goruntime::race::RaceBlock;
use crate::formats::wrappers::Wrapper;
use crate::formats::{self, ChunkOut, Formats, ParseOptions, Severity};
use crate::intern::{Interner, Sym};
use crate::replay::conflicts::{self, Conflicts, SweepOptions};
use crate::replay::contention::{self, Contention};
use crate::replay::hb_input::{self, HbScope};
use crate::replay::locksets::{self, Locksets};
use crate::replay::lossy::{self, Lossy, Sampler};
use crate::replay::windows::{self, Losses, Windows};
use crate::source::{self, Input};

/// Chunks are at least this big; smaller ones cost more in merging than
/// they gain in parallelism.
const MIN_CHUNK: usize = 1 << 20;

/// Per-input accounting: lines = records + context + parse_errors.
#[derive(Clone, Debug, Default)]
pub struct InputStats {
    pub path: String,
    pub formats: Formats,
    pub compression: Option<&'static str>,
    pub bytes: u64,
    pub lines: u64,
    pub records: u64,
    pub context: u64,
    pub parse_errors: u64,
    /// Records of a line format (JSON, console, logfmt), and the access
    /// records among them.
    pub structured: u64,
    pub access_records: u64,
    /// Binary or otherwise unusable: skipped whole.
    pub skipped: bool,
}

/// A problem with an input or a line.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    pub input: u32,
    /// 0 when it concerns the whole input.
    pub line: u32,
    pub col: u32,
    pub severity: Severity,
    pub message: String,
}

/// Where events belong: one process.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ScopeKey {
    /// Events without process fields belong to their input.
    Input(u32),
    /// Joined process fields (`pid=12 host=a`).
    Fields(Sym),
    /// `--one-process`.
    All,
}

/// What the run does; `Default` is a plain `racetrail scan`.
#[derive(Clone, Debug)]
pub struct Settings {
    pub parse: ParseOptions,
    pub sweep: SweepOptions,
    pub one_process: bool,
    /// `--mode hb`: happens-before analysis of complete traces.
    pub hb: bool,
    /// `--since` / `--until`: the replay keeps `[since, until)`.
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// The log sampler whose drops are recognised; `None` declares the
    /// logs complete (`--sampler none`).
    pub sampler: Option<Sampler>,
    /// Run the conflict sweep and the lock analyses (`racetrail dumps`
    /// needs neither).
    pub find_conflicts: bool,
}

impl Default for Settings {
    /// A plain `racetrail scan`.
    fn default() -> Self {
        Settings {
            parse: ParseOptions::default(),
            sweep: SweepOptions::default(),
            one_process: false,
            hb: false,
            since: None,
            until: None,
            sampler: Some(Sampler::ZAP),
            find_conflicts: true,
        }
    }
}

/// What an input shows of lost records (`inputs[].sampling`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sampling {
    pub losses: Losses,
    /// Intervals in which the sampler was dropping a message.
    pub lossy_intervals: u64,
    /// Numbers missing from a sequence of numeric pairing ids.
    pub pair_id_gaps: u64,
    /// Distinct `sample_rate` values below 1, in parts per million.
    pub rates_ppm: Vec<u32>,
}

impl Sampling {
    pub fn lost_records(&self) -> bool {
        self.losses.any() || self.lossy_intervals > 0 || self.pair_id_gaps > 0
    }

    pub fn any(&self) -> bool {
        self.lost_records() || !self.rates_ppm.is_empty()
    }
}

/// Everything the report is built from.
pub struct Analysis<'a> {
    pub inputs: Vec<InputStats>,
    pub interner: Interner<'a>,
    pub scopes: Vec<ScopeKey>,
    pub events: usize,
    pub windows: Windows,
    pub locksets: Locksets,
    pub conflicts: Conflicts,
    /// With sampling rates: the conflicting pairs of one key, per key and site.
    pub same_key: Option<Conflicts>,
    pub contention: Contention,
    pub diagnostics: Vec<Diagnostic>,
    /// Race reports, with the input each came from, in input order.
    pub races: Vec<(u32, RaceBlock)>,
    /// `--mode hb`: one result per STD trace and per scope of the logs.
    pub hb: Option<Vec<HbScope>>,
    /// Crash and goroutine dumps, with their input, in input order.
    pub dumps: Vec<(u32, Dump)>,
    /// The process of each dump: that of the records just before it in its
    /// input (zap and the runtime share stderr), if the input has records.
    pub dump_scopes: Vec<Option<u32>>,
    /// All diagnostics, including those not kept in `diagnostics`.
    pub diagnostic_count: u64,
    /// Per input: what it shows of lost records.
    pub sampling: Vec<Sampling>,
    /// The run's rate table in parts per million (`Access::rate` n is
    /// `rates[n - 1]`).
    pub rates: Vec<u32>,
    /// Findings of static analysers (SARIF, `go vet -json`), in input order.
    pub statics: Vec<formats::static_findings::StaticFinding>,
    /// Wall time and resident memory (KiB, 0 when unknown) after each stage,
    /// for `--timings` (never in the report).
    pub timings: Vec<(&'static str, Duration, u64)>,
}

impl Analysis<'_> {
    /// A scope's display name.
    pub fn scope_name(&self, scope: u32) -> String {
        match &self.scopes[scope as usize] {
            ScopeKey::Input(i) => self.inputs[*i as usize].path.clone(),
            ScopeKey::Fields(s) => self.interner.str(*s).into_owned(),
            ScopeKey::All => "all inputs".to_string(),
        }
    }

    /// The scope of an input's records without process fields.
    pub fn input_scope(&self, input: u32) -> Option<u32> {
        self.scopes
            .iter()
            .position(|s| *s == ScopeKey::Input(input) || *s == ScopeKey::All)
            .map(|i| i as u32)
    }

    /// The name a record gave an object or lock, if any.
    pub fn name_of(&self, scope: u32, object: Sym) -> Option<String> {
        let name = self.windows.names.get(&(scope, object))?;
        Some(self.interner.str(*name).into_owned())
    }

    /// `path:line` of a record.
    pub fn source(&self, input: u32, line: u32) -> String {
        format!("{}:{}", self.inputs[input as usize].path, line)
    }

    pub fn parse_errors(&self) -> u64 {
        self.inputs.iter().map(|i| i.parse_errors).sum()
    }
}

/// True when the input's first non-blank line is an STD trace event.
fn first_line_is_std(bytes: &[u8]) -> bool {
    bytes
        .split(|&c| c == b'\n')
        .find(|l| !l.trim_ascii().is_empty())
        .is_some_and(formats::std_trace::looks_like_std)
}

/// How one chunk's events are renumbered into the run's ids.
struct Renumbering {
    /// Global rate index of each chunk-local one (index 0 stays 0).
    rates: Vec<u8>,
    /// Lines of the input before the chunk.
    base: u32,
    input: usize,
    /// Global symbol of each chunk-local symbol.
    remap: Vec<Sym>,
    /// Scope of events without process fields.
    plain: u32,
    /// Scope of each chunk-local process-field symbol.
    fielded: Vec<(Sym, u32)>,
}

/// The process's resident set in KiB, from /proc (0 elsewhere).
fn resident_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Runs the pipeline over opened inputs. `progress` is told the input and
/// the bytes of each chunk as it is parsed.
pub fn analyze<'a>(
    inputs: &'a [Input],
    settings: &Settings,
    progress: &(dyn Fn(u32, u64) + Sync),
) -> Analysis<'a> {
    let mut timings = Vec::new();
    let mut clock = Instant::now();
    let mut lap = |name: &'static str| {
        let now = Instant::now();
        timings.push((name, now - clock, resident_kib()));
        clock = now;
    };
    let mut stats: Vec<InputStats> = inputs
        .iter()
        .map(|i| InputStats {
            path: i.path.clone(),
            compression: i.compression,
            bytes: i.bytes().len() as u64,
            ..InputStats::default()
        })
        .collect();
    let mut diagnostics = Vec::new();
    for (n, input) in inputs.iter().enumerate() {
        diagnostics.extend(
            input
                .wrapper_diags
                .iter()
                .map(|(line, message)| Diagnostic {
                    input: n as u32,
                    line: *line,
                    col: 1,
                    severity: Severity::Warning,
                    message: message.clone(),
                }),
        );
        if let Some(err) = &input.error {
            diagnostics.push(Diagnostic {
                input: n as u32,
                line: 0,
                col: 0,
                severity: Severity::Error,
                message: err.clone(),
            });
        }
        if let Some(w) = input.wrapper {
            stats[n].formats.insert(match w {
                Wrapper::Docker => Formats::DOCKER,
                Wrapper::Cri => Formats::CRI,
                Wrapper::Kubectl => Formats::KUBECTL,
            });
        }
    }
    let total: usize = inputs.iter().map(|i| i.bytes().len()).sum();
    let mut std_scopes: Vec<HbScope> = Vec::new();
    let mut statics = Vec::new();
    let mut unkept_diagnostics = 0u64;
    let target = (total / (rayon::current_num_threads() * 8).max(1)).max(MIN_CHUNK);
    let mut jobs: Vec<(u32, std::ops::Range<usize>)> = Vec::new();
    for (n, input) in inputs.iter().enumerate() {
        let bytes = input.bytes();
        if bytes.is_empty() {
            diagnostics.push(Diagnostic {
                input: n as u32,
                line: 0,
                col: 0,
                severity: Severity::Warning,
                message: "empty input".into(),
            });
            continue;
        }
        if source::looks_binary(bytes) {
            stats[n].skipped = true;
            diagnostics.push(Diagnostic {
                input: n as u32,
                line: 0,
                col: 0,
                severity: Severity::Warning,
                message: "binary data (NUL bytes), not a log; input skipped".into(),
            });
            continue;
        }
        // Static analysers' findings are whole documents, read whole.
        if let Some(unkept) = formats::static_findings::read_input(
            bytes,
            n as u32,
            |l| input.original_line(l),
            &mut stats[n],
            &mut diagnostics,
            &mut statics,
            settings.parse.max_diags,
        ) {
            unkept_diagnostics += unkept;
            continue;
        }
        if settings.hb && first_line_is_std(bytes) {
            let trace = formats::std_trace::parse(bytes);
            let st = &mut stats[n];
            st.formats.insert(Formats::STD);
            st.lines = trace.lines as u64;
            st.records = trace.events.len() as u64;
            st.parse_errors = trace.malformed;
            st.context = st.lines - st.records - st.parse_errors;
            unkept_diagnostics += trace.malformed - trace.diagnostics.len() as u64;
            diagnostics.extend(trace.diagnostics.iter().map(|(line, col, msg)| Diagnostic {
                input: n as u32,
                line: *line,
                col: *col,
                severity: Severity::Error,
                message: msg.clone(),
            }));
            std_scopes.push(hb_input::from_std(
                &input.path,
                n as u32,
                &trace,
                settings.sweep.examples,
            ));
            continue;
        }
        if !settings.hb && first_line_is_std(bytes) {
            diagnostics.push(Diagnostic {
                input: n as u32,
                line: 0,
                col: 0,
                severity: Severity::Warning,
                message: "looks like an STD trace: --mode hb analyses it".into(),
            });
        }
        if input.line_map.is_some() || formats::capture::starts_capture(bytes) {
            // Unwrapped container logs parse whole: their wrapper times are
            // indexed by line; so do kernel captures, whose clock line
            // converts every event's time.
            jobs.push((n as u32, 0..bytes.len()));
            continue;
        }
        jobs.extend(
            source::chunks(bytes, target)
                .into_iter()
                .map(|r| (n as u32, r)),
        );
    }

    let outs: Vec<ChunkOut<'a>> = jobs
        .par_iter()
        .map(|(n, range)| {
            let input = &inputs[*n as usize];
            let out = formats::parse_chunk(
                &input.bytes()[range.clone()],
                *n,
                &settings.parse,
                input.wrapper_times.as_deref(),
            );
            progress(*n, range.len() as u64);
            out
        })
        .collect();
    lap("parse");

    // Merge, in chunk order: accounting, diagnostics, global ids, scopes.
    let mut outs = outs;
    let mut interner = Interner::new();
    let mut scopes: Vec<ScopeKey> = Vec::new();
    let mut scope_ids: FxHashMap<ScopeKey, u32> = FxHashMap::default();
    let mut scope_of = |key: ScopeKey| match scope_ids.get(&key) {
        Some(&id) => id,
        None => {
            let id = scopes.len() as u32;
            scopes.push(key.clone());
            scope_ids.insert(key, id);
            id
        }
    };
    let mut line_base: Vec<u32> = vec![0; inputs.len()];
    let mut diagnostic_count = diagnostics.len() as u64 + unkept_diagnostics;
    let mut races = Vec::new();
    let mut dumps = Vec::new();
    let mut plans: Vec<Renumbering> = Vec::with_capacity(outs.len());
    let mut rates: Vec<u32> = Vec::new();
    let mut messages: FxHashMap<(ScopeKey, u64), (u32, Vec<i64>)> = FxHashMap::default();
    let mut pair_ids: FxHashMap<ScopeKey, (u32, u64, u64, u64)> = FxHashMap::default();
    let mut stats_lossy: Vec<u64> = vec![0; inputs.len()];
    for ((n, _), out) in jobs.iter().zip(outs.iter_mut()) {
        let n = *n as usize;
        let base = line_base[n];
        let input = &inputs[n];
        let line_of = |l: u32| input.original_line(base + l);
        let st = &mut stats[n];
        st.lines += out.lines as u64;
        st.records += out.records;
        st.context += out.context;
        st.parse_errors += out.parse_errors;
        st.structured += out.structured;
        st.access_records += out.access_records;
        st.formats.insert(out.formats);
        diagnostic_count += out.parse_errors + out.warnings;
        diagnostics.extend(out.diags.drain(..).map(|d| Diagnostic {
            input: n as u32,
            line: line_of(d.line),
            col: d.col,
            severity: d.severity,
            message: d.message,
        }));
        line_base[n] += out.lines;
        let remap = interner.absorb(std::mem::take(&mut out.interner));
        let map = |s: Sym| remap[s.0 as usize];
        races.extend(out.races.drain(..).map(|mut b| {
            b.remap(&map, &line_of);
            (n as u32, b)
        }));
        dumps.extend(out.dumps.drain(..).map(|mut d| {
            d.remap(&map, &line_of);
            (n as u32, d)
        }));
        let key = |fields: Sym| {
            if settings.one_process {
                ScopeKey::All
            } else if fields.is_none() {
                ScopeKey::Input(n as u32)
            } else {
                ScopeKey::Fields(fields)
            }
        };
        let key_of = |local: u32| {
            key(if local == 0 {
                Sym::NONE
            } else {
                map(Sym(local))
            })
        };
        for m in out.messages.drain(..) {
            let entry = messages
                .entry((key_of(m.scope), m.hash))
                .or_insert_with(|| (n as u32, Vec::new()));
            if entry.1.is_empty() {
                entry.1 = m.times;
            } else {
                entry.1.extend_from_slice(&m.times);
            }
        }
        for p in out.pair_ids.drain(..) {
            let e = pair_ids
                .entry(key_of(p.scope))
                .or_insert((n as u32, u64::MAX, 0, 0));
            e.1 = e.1.min(p.min);
            e.2 = e.2.max(p.max);
            e.3 += p.count;
        }
        let rate_map = std::iter::once(0)
            .chain(
                out.rates
                    .iter()
                    .map(|&ppm| match rates.iter().position(|&r| r == ppm) {
                        Some(i) => i as u8 + 1,
                        None if rates.len() < 255 => {
                            rates.push(ppm);
                            rates.len() as u8
                        }
                        None => 0,
                    }),
            )
            .collect();
        let plain = if out.events.is_empty() {
            0
        } else {
            scope_of(key(Sym::NONE))
        };
        let fielded = out
            .scope_syms
            .iter()
            .map(|&local| (local, scope_of(key(map(local)))))
            .collect();
        plans.push(Renumbering {
            rates: rate_map,
            base,
            input: n,
            remap,
            plain,
            fielded,
        });
    }
    // Then the events of all chunks are renumbered in parallel.
    outs.par_iter_mut()
        .zip(plans.par_iter())
        .for_each(|(out, plan)| {
            let map = |s: Sym| plan.remap[s.0 as usize];
            for ev in &mut out.events {
                ev.actor = map(ev.actor);
                ev.object = map(ev.object);
                ev.trace = map(ev.trace);
                ev.key = map(ev.key);
                ev.caller = map(ev.caller);
                ev.pair = map(ev.pair);
                ev.rate = plan.rates[ev.rate as usize];
                ev.line = inputs[plan.input].original_line(plan.base + ev.line);
                ev.scope = if ev.scope == 0 {
                    plan.plain
                } else {
                    plan.fielded
                        .iter()
                        .find(|(l, _)| l.0 == ev.scope)
                        .map_or(plan.plain, |(_, id)| *id)
                };
            }
        });
    drop(plans);
    let mut events: Vec<Event> = Vec::with_capacity(outs.iter().map(|o| o.events.len()).sum());
    for out in &mut outs {
        events.append(&mut out.events);
        out.events = Vec::new();
    }
    drop(outs);
    // Events are still in input and line order here.
    let mut dump_scopes: Vec<Option<u32>> = dumps
        .iter()
        .map(|(input, d)| {
            let at = events.partition_point(|e| (e.input, e.line) < (*input, d.line));
            let before = at
                .checked_sub(1)
                .map(|i| &events[i])
                .filter(|e| e.input == *input);
            let after = events.get(at).filter(|e| e.input == *input);
            before.or(after).map(|e| e.scope)
        })
        .collect();

    lap("merge");
    // (time, input, line) is unique per event, so an unstable sort is stable
    // here, and it sorts in place.
    events.par_sort_unstable_by_key(Event::order_key);

    lap("sort");
    let hb = settings.hb.then(|| {
        let mut scopes_out = std_scopes;
        let mut by_scope: Vec<Vec<&Event>> = vec![Vec::new(); scopes.len()];
        // --since/--until select the events of the analysis, as they cut
        // the windows; STD traces have no times and are kept whole.
        let (from, to) = (
            settings.since.unwrap_or(i64::MIN),
            settings.until.unwrap_or(i64::MAX),
        );
        for ev in events.iter().filter(|e| from <= e.time && e.time < to) {
            by_scope[ev.scope as usize].push(ev);
        }
        let scope_label = |k: &ScopeKey| match k {
            ScopeKey::Input(i) => inputs[*i as usize].path.clone(),
            ScopeKey::Fields(s) => interner.str(*s).into_owned(),
            ScopeKey::All => "all inputs".to_string(),
        };
        let name = |s: Sym| interner.str(s).into_owned();
        for (k, evs) in scopes.iter().zip(by_scope) {
            if !evs.is_empty() {
                scopes_out.push(hb_input::from_events(
                    scope_label(k),
                    &evs,
                    &name,
                    settings.sweep.examples,
                ));
            }
        }
        scopes_out
    });
    let mut windows = windows::build(&events);
    drop(events);
    let lossy = settings.sampler.map_or_else(Lossy::default, |sampler| {
        lossy_intervals(messages, &scope_ids, sampler, &mut stats_lossy)
    });
    windows.mark_lossy(&lossy);
    for u in &windows.unmatched {
        diagnostic_count += 1;
        diagnostics.push(Diagnostic {
            input: u.input,
            line: u.line,
            col: 1,
            severity: Severity::Warning,
            message: u.message.to_string(),
        });
    }
    if settings.since.is_some() || settings.until.is_some() {
        windows.clip(
            settings.since.unwrap_or(i64::MIN),
            settings.until.unwrap_or(windows::OPEN),
        );
    }
    lap("windows");
    // Kernel capture windows: their rules, then no lock protection.
    let kernel = crate::capture::join::Kernel::new(&stats, &interner);
    let (kernel_diags, n) =
        crate::capture::join::apply(&kernel, &mut windows, &interner, &dumps, &mut dump_scopes);
    diagnostic_count += n;
    diagnostics.extend(kernel_diags);
    let (locksets, conflicts, same_key, contention) = if settings.find_conflicts {
        analyses(
            &mut windows,
            &kernel,
            settings.sweep,
            !rates.is_empty(),
            &mut lap,
        )
    } else {
        Default::default()
    };
    let sampling = input_sampling(
        inputs.len(),
        &windows,
        &stats_lossy,
        &pair_ids,
        &rates,
        &scope_ids,
    );
    diagnostics.sort();
    Analysis {
        inputs: stats,
        interner,
        scopes,
        events: windows.events,
        windows,
        locksets,
        conflicts,
        same_key,
        contention,
        diagnostics,
        races,
        hb,
        dumps,
        dump_scopes,
        diagnostic_count,
        sampling,
        rates,
        statics,
        timings,
    }
}

/// The conflict sweep (with the same-key sweep of access-sampled logs) and
/// the lock analyses, over the replayed windows.
fn analyses(
    windows: &mut Windows,
    kernel: &crate::capture::join::Kernel,
    sweep: SweepOptions,
    rated: bool,
    lap: &mut dyn FnMut(&'static str),
) -> (Locksets, Conflicts, Option<Conflicts>, Contention) {
    let locksets = locksets::assign(&mut windows.accesses, &windows.holds);
    // No lock lets two runtime-level windows on one map overlap.
    kernel.unlock(&mut windows.accesses);
    lap("locksets");
    let conflicts = conflicts::find(&windows.accesses, &locksets, sweep);
    // Access-sampled logs: pairs of one key are kept or dropped together.
    let same_key = rated.then(|| {
        let opts = SweepOptions {
            examples: 0,
            ..sweep
        };
        conflicts::find_same_key(&windows.accesses, &locksets, opts)
    });
    lap("conflicts");
    let contention = if windows.any_uncertain() {
        // Contention, chains and deadlocks rest on certain spans only.
        let certain = |v: &[windows::LockSpan]| -> Vec<windows::LockSpan> {
            v.iter().filter(|s| !s.uncertain).copied().collect()
        };
        contention::analyze(&certain(&windows.holds), &certain(&windows.waits))
    } else {
        contention::analyze(&windows.holds, &windows.waits)
    };
    lap("contention");
    (locksets, conflicts, same_key, contention)
}

/// The lossy intervals of every (scope, level, message) series whose scope
/// has events; counts them per input in `per_input`.
fn lossy_intervals(
    messages: FxHashMap<(ScopeKey, u64), (u32, Vec<i64>)>,
    scope_ids: &FxHashMap<ScopeKey, u32>,
    sampler: Sampler,
    per_input: &mut [u64],
) -> Lossy {
    let series: Vec<(u32, u32, Vec<i64>)> = messages
        .into_iter()
        .filter(|(_, (_, t))| t.len() >= sampler.first as usize)
        .filter_map(|((key, _), (input, t))| Some((*scope_ids.get(&key)?, input, t)))
        .collect();
    // (scope, input, intervals)
    type Found = (u32, u32, Vec<(i64, i64)>);
    let found: Vec<Found> = series
        .into_par_iter()
        .map(|(scope, input, mut times)| {
            if !times.is_sorted() {
                times.sort_unstable();
            }
            let mut v = Vec::new();
            lossy::intervals(&times, sampler, &mut v);
            (scope, input, v)
        })
        .collect();
    let mut by_scope: FxHashMap<u32, Vec<(i64, i64)>> = FxHashMap::default();
    for (scope, input, v) in found {
        per_input[input as usize] += v.len() as u64;
        by_scope.entry(scope).or_default().extend(v);
    }
    Lossy::new(by_scope)
}

/// What each input shows of lost records and sampling rates.
fn input_sampling(
    n: usize,
    windows: &Windows,
    lossy: &[u64],
    pair_ids: &FxHashMap<ScopeKey, (u32, u64, u64, u64)>,
    rates: &[u32],
    scope_ids: &FxHashMap<ScopeKey, u32>,
) -> Vec<Sampling> {
    let mut out: Vec<Sampling> = (0..n)
        .map(|i| Sampling {
            losses: windows.losses.get(i).cloned().unwrap_or_default(),
            lossy_intervals: lossy[i],
            ..Sampling::default()
        })
        .collect();
    for (key, &(input, min, max, count)) in pair_ids {
        // A sequence: at least half the numbers of its range are used.
        let span = max.saturating_sub(min).saturating_add(1);
        if scope_ids.contains_key(key) && count <= span && span <= count.saturating_mul(2) {
            out[input as usize].pair_id_gaps += span - count;
        }
    }
    let mut seen: Vec<Vec<u32>> = vec![Vec::new(); n];
    for a in windows.accesses.iter().filter(|a| a.rate != 0) {
        let ppm = rates[a.rate as usize - 1];
        let v = &mut seen[a.input as usize];
        if ppm < 1_000_000 && !v.contains(&ppm) {
            v.push(ppm);
        }
    }
    for (s, mut v) in out.iter_mut().zip(seen) {
        v.sort_unstable();
        s.rates_ppm = v;
    }
    out
}
