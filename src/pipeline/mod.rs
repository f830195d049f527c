//! The stages wired together, each a module whose types say what it takes
//! and gives, data flowing one way:
//!
//! ```text
//! ingest ──► merge ──► sort ──► replay ──► analyses ──► Analysis
//! inputs →   chunks →  each     by time    windows,     happens-before,
//! parsed     one run,  chunk               holds,       conflicts,
//! chunks     scopes                        waits        contention
//! ```
//!
//! [`ingest`] reads and parses (rayon over chunks), [`merge`] makes one run
//! of the chunks, [`stages`] replays and analyses. A run of one log goes
//! through ingest, merge and replay a few chunks at a time ([`stream`]): the
//! events of the whole log never exist at once. Several inputs, `--mode hb`
//! and a log found out of time order take every chunk first and replay them
//! through a merge of the sorted chunks. Problems of every stage go
//! to one [`Diagnostics`] sink that counts them all and keeps the first
//! [`Diagnostics::KEEP`]. [`analyze`] returns everything the report needs; it
//! borrows the inputs' bytes for the ids it interned.

pub mod ingest;
pub mod merge;
pub mod runtime;
pub mod stages;
pub mod stream;

use std::time::{Duration, Instant};

use crate::formats::goruntime::dump::Dump;
use crate::formats::goruntime::race::RaceBlock;
use crate::formats::{self, Formats, ParseOptions, Severity};
use crate::intern::{Interner, Sym};
use crate::replay::conflicts::{Conflicts, SweepOptions};
use crate::replay::contention::Contention;
use crate::replay::hb_input::HbScope;
use crate::replay::locksets::Locksets;
use crate::replay::lossy::Sampler;
use crate::replay::windows::{Losses, Windows};
use crate::source::Input;

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

/// What a scan looks for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Conflicts are access windows that overlap in time.
    #[default]
    Window,
    /// `--mode hb`: races are accesses no happens-before path orders.
    HappensBefore,
}

/// What the run does; `Default` is a plain `racetrail scan`.
#[derive(Clone, Debug)]
pub struct Settings {
    pub parse: ParseOptions,
    pub sweep: SweepOptions,
    pub one_process: bool,
    pub mode: Mode,
    /// `--since` / `--until`: the replay keeps `[since, until)`.
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// The log sampler whose drops are recognised; `None` declares the
    /// logs complete (`--sampler none`).
    pub sampler: Option<Sampler>,
    /// Run the conflict sweep and the lock analyses (`racetrail dumps`
    /// needs neither).
    pub find_conflicts: bool,
    /// The chunk size of the streamed path ([`stream`]); `None` replays
    /// every event at once (what the streamed path must equal).
    pub stream_chunk: Option<usize>,
}

impl Default for Settings {
    /// A plain `racetrail scan`.
    fn default() -> Self {
        Settings {
            parse: ParseOptions::default(),
            sweep: SweepOptions::default(),
            one_process: false,
            mode: Mode::Window,
            since: None,
            until: None,
            sampler: Some(Sampler::ZAP),
            find_conflicts: true,
            stream_chunk: Some(stream::CHUNK),
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
    /// Race sites and dump digests, analysed from `races` and `dumps`.
    pub runtime: runtime::RuntimeFindings,
    /// Wall time, resident memory and its anonymous part (heap and stacks;
    /// KiB, 0 when unknown) after each stage, for `--timings` (never in the
    /// report).
    pub timings: Vec<(&'static str, Duration, u64, u64)>,
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

/// The process's resident set in KiB, from /proc (0 elsewhere).
fn resident_kib() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("RssAnon:"))
}

/// Every problem of a run: all counted, the first [`Diagnostics::KEEP`] kept.
#[derive(Debug, Default)]
pub struct Diagnostics {
    kept: Vec<Diagnostic>,
    count: u64,
}

impl Diagnostics {
    /// Diagnostics kept for the report (each chunk also keeps at most
    /// `ParseOptions::max_diags` of its own).
    pub const KEEP: usize = 100_000;

    pub fn push(&mut self, d: Diagnostic) {
        self.count += 1;
        if self.kept.len() < Self::KEEP {
            self.kept.push(d);
        }
    }

    /// A problem at `line:col` of an input.
    pub fn line(&mut self, input: u32, line: u32, col: u32, severity: Severity, message: String) {
        self.push(Diagnostic {
            input,
            line,
            col,
            severity,
            message,
        });
    }

    /// A problem of a whole input.
    pub fn whole(&mut self, input: u32, severity: Severity, message: String) {
        self.line(input, 0, 0, severity, message);
    }

    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        for d in ds {
            self.push(d);
        }
    }

    /// Problems counted elsewhere and not kept.
    pub fn unkept(&mut self, n: u64) {
        self.count += n;
    }

    /// The kept ones, sorted, and the count of all.
    pub fn finish(mut self) -> (Vec<Diagnostic>, u64) {
        self.kept.sort();
        (self.kept, self.count)
    }
}

/// Wall time and resident memory after each stage, for `--timings`.
struct Clock {
    laps: Vec<(&'static str, Duration, u64, u64)>,
    last: Instant,
}

impl Clock {
    fn start() -> Clock {
        Clock {
            laps: Vec::new(),
            last: Instant::now(),
        }
    }

    fn lap(&mut self, name: &'static str) {
        let now = Instant::now();
        let (rss, anon) = resident_kib();
        self.laps.push((name, now - self.last, rss, anon));
        self.last = now;
    }
}

/// What ingest, merge and the replay hand the analyses, by either path.
pub struct Replayed<'a> {
    pub ing: ingest::Ingested<'a>,
    pub merged: merge::Merged<'a>,
    /// Before [`stages::finish_replay`].
    pub windows: Windows,
    pub diags: Diagnostics,
    /// `--mode hb`: one result per STD trace and per scope of the logs.
    pub hb: Option<Vec<HbScope>>,
}

/// Ingest, merge, happens-before and the replay of every event at once:
/// for several inputs, `--mode hb`, and logs out of time order.
fn whole<'a>(
    inputs: &'a [Input],
    settings: &Settings,
    progress: &(dyn Fn(u32, u64) + Sync),
    clock: &mut Clock,
) -> Replayed<'a> {
    let mut diags = Diagnostics::default();
    let mut ing = ingest::ingest(inputs, settings, &mut diags, progress);
    clock.lap("parse");
    let mut m = merge::merge(inputs, settings, &mut ing, &mut diags);
    clock.lap("merge");
    m.sort();
    clock.lap("sort");
    let hb = (settings.mode == Mode::HappensBefore).then(|| {
        let std_scopes = std::mem::take(&mut ing.std_scopes);
        stages::happens_before(&mut m, inputs, settings, std_scopes)
    });
    let windows = crate::replay::windows::build(merge::InOrder::new(std::mem::take(&mut m.chunks)));
    Replayed {
        ing,
        merged: m,
        windows,
        diags,
        hb,
    }
}

/// Runs the pipeline over opened inputs. `progress` is told the input and
/// the bytes of each chunk as it is parsed.
pub fn analyze<'a>(
    inputs: &'a [Input],
    settings: &Settings,
    progress: &(dyn Fn(u32, u64) + Sync),
) -> Analysis<'a> {
    let mut clock = Clock::start();
    let mut lossy = vec![0; inputs.len()];
    let replayed = match stream::run(inputs, settings, progress) {
        Some(r) => {
            clock.lap("stream");
            r
        }
        None => whole(inputs, settings, progress, &mut clock),
    };
    let Replayed {
        ing,
        merged: mut m,
        windows,
        mut diags,
        hb,
    } = replayed;
    let messages = std::mem::take(&mut m.messages);
    let mut windows = stages::finish_replay(
        windows,
        messages,
        &m.scope_ids,
        settings,
        &mut lossy,
        &mut diags,
    );
    clock.lap("windows");
    let kernel = stages::kernel(&ing.stats, &mut m, &mut windows, &mut diags);
    let (locksets, conflicts, same_key, contention) = if settings.find_conflicts {
        let rated = !m.rates.is_empty();
        stages::analyses(&mut windows, &kernel, settings.sweep, rated, &mut |s| {
            clock.lap(s)
        })
    } else {
        Default::default()
    };
    let sampling = stages::input_sampling(
        inputs.len(),
        &windows,
        &lossy,
        &m.pair_ids,
        &m.rates,
        &m.scope_ids,
    );
    let (diagnostics, diagnostic_count) = diags.finish();
    let mut an = Analysis {
        inputs: ing.stats,
        interner: m.interner,
        scopes: m.scopes,
        events: windows.events,
        windows,
        locksets,
        conflicts,
        same_key,
        contention,
        diagnostics,
        races: m.races,
        hb,
        dumps: m.dumps,
        dump_scopes: m.dump_scopes,
        diagnostic_count,
        sampling,
        rates: m.rates,
        statics: ing.statics,
        runtime: runtime::RuntimeFindings::default(),
        timings: clock.laps,
    };
    an.runtime = runtime::RuntimeFindings::of(&an);
    an
}
