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
use crate::replay::windows::{self, Windows};
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
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub parse: ParseOptions,
    pub sweep: SweepOptions,
    pub one_process: bool,
    /// `--mode hb`: happens-before analysis of complete traces.
    pub hb: bool,
    /// `--since` / `--until`: the replay keeps `[since, until)`.
    pub since: Option<i64>,
    pub until: Option<i64>,
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
        for ev in &events {
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
    let locksets = locksets::assign(&mut windows.accesses, &windows.holds);
    kernel.unlock(&mut windows.accesses);
    lap("locksets");
    let conflicts = conflicts::find(&windows.accesses, &locksets, settings.sweep);
    lap("conflicts");
    let contention = contention::analyze(&windows.holds, &windows.waits);
    lap("contention");
    diagnostics.sort();
    Analysis {
        inputs: stats,
        interner,
        scopes,
        events: windows.events,
        windows,
        locksets,
        conflicts,
        contention,
        diagnostics,
        races,
        hb,
        dumps,
        dump_scopes,
        diagnostic_count,
        timings,
    }
}
