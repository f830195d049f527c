//! Warnings for evidence that cannot carry the analysis, with the fix.
//!
//! A clean report must mean a clean log, not a log racetrail could not read.
//! After the replay, each input is checked for what makes "no conflicting
//! accesses" meaningless:
//!
//! - structured records but no access recognised (the fields have names the
//!   convention does not know);
//! - accesses, but none names its goroutine (all are one actor's: no
//!   conflict is possible);
//! - accesses of several ops that all have one caller (a logging helper's
//!   line: conflict sites cannot tell code paths apart);
//! - point accesses (no begin/end, no duration) of different goroutines
//!   within 1µs of each other at `--slack 0`, where points never overlap.
//!
//! Only when one of the first three holds is a second pass made, over the
//! first [`SAMPLE_RECORDS`] structured records of the input (the first
//! [`CALLER_SAMPLE_RECORDS`] for the one-caller warning, which a large sound
//! log may carry): every field the
//! convention does not know is judged by its values (op words, addresses and
//! ids that repeat, small integers that vary, times, pair ids seen exactly
//! twice, `file.go:line` sites), and the fields that look like the missing
//! concepts are suggested as `--field CONCEPT=NAME`. The normal path costs a
//! pass over the accesses and one over the point accesses, nothing else.
//!
//! Each warning is a diagnostic of a whole input (line 0; the point hint one
//! per process), so merged shard reports still equal one scan. For stderr,
//! inputs with the same warning and suggestion share one line, so a
//! directory of rotated files warns once.

use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, VecDeque};

use rustc_hash::FxHashMap;

use crate::event::Op;
use crate::formats::fields::{Concept, FieldOverride, FieldTable};
use crate::formats::json::{self, RawRecord, Value};
use crate::formats::lines::Lines;
use crate::formats::{
    self, InputFormat, OpClass, ParseOptions, Phase, Severity, console, logfmt, time,
};
use crate::intern::Sym;
use crate::pipeline::{Analysis, Diagnostic, Settings};
use crate::replay::locksets::Locksets;
use crate::replay::windows::Access;
use crate::report::table::thousands;
use crate::source::Input;

/// Structured records of an input read again when looking for field names.
pub const SAMPLE_RECORDS: usize = 20_000;
/// Records read again for the one-caller warning: a log that is otherwise
/// sound and may be large, and one field to find (the caller's).
pub const CALLER_SAMPLE_RECORDS: usize = 1_000;
/// Distinct values counted per field; a field with more is not an id that repeats.
const MAX_VALUES: usize = 50_000;
/// Longer values are never ids.
const MAX_VALUE_LEN: usize = 128;
/// Field names judged per input; a record of random keys adds no more.
const MAX_FIELDS: usize = 1_000;
/// Point accesses closer than this overlap at `--slack 1us`.
const NEAR_NS: i64 = 1_000;
/// Inputs named in a shared warning.
const PATHS_NAMED: usize = 3;
/// Times a field's values must fall in to look like times: 2000 to 2100.
const EPOCH_RANGE: std::ops::Range<i64> = 946_684_800_000_000_000..4_102_444_800_000_000_000;

/// The warnings, per input for the report, and grouped for stderr.
#[derive(Debug, Default)]
pub struct Advice {
    /// Whole-input warnings (line 0), one per input and finding (the point
    /// hint one per process): merged shard reports equal one scan.
    pub diagnostics: Vec<Diagnostic>,
    /// The same for stderr: a warning that several inputs share is one line.
    pub summary: Vec<String>,
}

impl Advice {
    /// Adds the warnings to the analysis's diagnostics, kept sorted.
    pub fn add_to(&mut self, an: &mut Analysis<'_>) {
        an.diagnostic_count += self.diagnostics.len() as u64;
        an.diagnostics.append(&mut self.diagnostics);
        an.diagnostics.sort();
    }
}

/// The warnings for an analysis of `inputs` under `settings`.
pub fn advise(an: &Analysis<'_>, inputs: &[Input], settings: &Settings) -> Advice {
    let mut advice = Advice::default();
    evidence_warnings(an, inputs, settings, &mut advice);
    if settings.mode == crate::pipeline::Mode::Window && settings.sweep.slack == 0 {
        near_points(an, &mut advice);
    }
    advice.diagnostics.sort();
    advice
}

/// What the replay saw of one input's accesses.
#[derive(Clone, Copy, Default)]
struct Facts {
    accesses: u64,
    with_actor: u64,
    /// The one caller of every access, `None` once two differ.
    caller: Option<Sym>,
    callers_differ: bool,
    /// Bit set of the ops seen.
    ops: u8,
    lock_spans: u64,
    runtime: bool,
}

/// What is wrong with one input's evidence.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    /// No access recognised in the structured records.
    NoAccess,
    /// Accesses, none with a goroutine.
    NoActor,
    /// Accesses of several ops, all with this caller.
    OneCaller(String),
}

impl Kind {
    /// The warning for `count` records or accesses; `of` names the inputs
    /// when several share it, `advice` is the suggestion.
    fn message(&self, count: u64, of: &str, advice: &str) -> String {
        let n = thousands(count);
        match self {
            Kind::NoAccess => format!("no map accesses recognised in {n} records{of}{advice}"),
            Kind::NoActor => format!(
                "{n} map accesses{of} but none names its goroutine: all count as one \
                 goroutine's, so no conflict is possible; {advice}"
            ),
            Kind::OneCaller(caller) => format!(
                "all {n} map accesses{of} have one caller, {caller} (a logging helper's \
                 line?): conflict sites cannot tell code paths apart; {advice}"
            ),
        }
    }
}

fn op_bit(op: Op) -> u8 {
    1 << op as u8
}

fn evidence_warnings(an: &Analysis<'_>, inputs: &[Input], settings: &Settings, out: &mut Advice) {
    let mut facts = vec![Facts::default(); an.inputs.len()];
    for a in &an.windows.accesses {
        let f = &mut facts[a.input as usize];
        f.accesses += 1;
        f.with_actor += u64::from(!a.actor.is_none());
        f.ops |= op_bit(a.op);
        match f.caller {
            _ if f.callers_differ => {}
            None => f.caller = Some(a.caller),
            Some(c) if c != a.caller => f.callers_differ = true,
            Some(_) => {}
        }
    }
    for s in an.windows.holds.iter().chain(&an.windows.waits) {
        facts[s.input as usize].lock_spans += 1;
    }
    for (i, _) in &an.races {
        facts[*i as usize].runtime = true;
    }
    for (i, _) in &an.dumps {
        facts[*i as usize].runtime = true;
    }

    // (kind, suggestion) → (input, count) of the inputs that have it.
    let mut groups: BTreeMap<(Kind, String), Vec<(u32, u64)>> = BTreeMap::new();
    for (n, st) in an.inputs.iter().enumerate() {
        if st.structured == 0 || st.skipped {
            continue;
        }
        let f = facts[n];
        let input = inputs.get(n);
        let take =
            |limit| input.map_or_else(Sample::default, |i| Sample::of(i, &settings.parse, limit));
        // Read once, and only for a warning.
        let mut sampled: Option<Sample<'_>> = None;
        let mut found = |kind: Kind, count: u64, text: String| {
            groups
                .entry((kind, text))
                .or_default()
                .push((n as u32, count));
        };
        if st.access_records == 0 {
            let s = sampled.get_or_insert_with(|| take(SAMPLE_RECORDS));
            let has_time = input.is_some_and(|i| i.wrapper_times.is_some());
            let advice = s.no_access_advice(has_time);
            // A lock trace or a crash log with a few records is no renamed
            // access log, unless its fields say it is one.
            let other_evidence = f.lock_spans > 0 || f.runtime;
            if advice.found_required || !other_evidence {
                found(Kind::NoAccess, st.structured, advice.text);
            }
            continue;
        }
        if f.accesses > 0 && f.with_actor == 0 {
            let s = sampled.get_or_insert_with(|| take(SAMPLE_RECORDS));
            let text = match s.suggest(Concept::Actor) {
                Some(name) => format!("a field that looks like one: --field actor={name}"),
                None => "name the goroutine field with --field actor=NAME".to_string(),
            };
            found(Kind::NoActor, f.accesses, text);
        }
        if let Some(caller) = f.caller
            && f.accesses >= 2
            && !f.callers_differ
            && !caller.is_none()
            && f.ops.count_ones() >= 2
        {
            let s = sampled.get_or_insert_with(|| take(CALLER_SAMPLE_RECORDS));
            let text = match s.suggest(Concept::Caller) {
                Some(name) => format!("a field that looks like the caller: --field caller={name}"),
                None => "log the helper's caller (zap.AddCallerSkip(1)) or name the caller's \
                         field with --field caller=NAME"
                    .to_string(),
            };
            let caller = an.interner.str(caller).into_owned();
            found(Kind::OneCaller(caller), f.accesses, text);
        }
    }

    for ((kind, text), members) in groups {
        for &(input, count) in &members {
            out.diagnostics
                .push(whole_input(input, kind.message(count, "", &text)));
        }
        let total = members.iter().map(|m| m.1).sum();
        out.summary.push(match members.as_slice() {
            [(input, _)] => format!(
                "{}: {}",
                an.inputs[*input as usize].path,
                kind.message(total, "", &text)
            ),
            _ => kind.message(total, &of_inputs(an, &members), &text),
        });
    }
}

fn whole_input(input: u32, message: String) -> Diagnostic {
    Diagnostic {
        input,
        line: 0,
        col: 0,
        severity: Severity::Warning,
        message,
    }
}

/// ` of 3 inputs (a, b, c)` for a warning shared by several inputs.
fn of_inputs(an: &Analysis<'_>, members: &[(u32, u64)]) -> String {
    let names: Vec<&str> = members
        .iter()
        .take(PATHS_NAMED)
        .map(|(i, _)| an.inputs[*i as usize].path.as_str())
        .collect();
    let more = members.len().saturating_sub(PATHS_NAMED);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(" of {} inputs ({}{tail})", members.len(), names.join(", "))
}

/// What the values of one field look like, over the sample.
#[derive(Default)]
struct FieldStats<'a> {
    /// Records with the field, and those of them that are access-like or lock-like.
    n: u32,
    n_access: u32,
    n_lock: u32,
    access_words: u32,
    lock_words: u32,
    hex: u32,
    small_int: u32,
    times: u32,
    sites: u32,
    level_words: u32,
    values: FxHashMap<Cow<'a, [u8]>, u32>,
    /// Values too many or too long to count.
    uncounted: u32,
}

impl FieldStats<'_> {
    fn most(&self, k: u32) -> bool {
        self.n > 0 && u64::from(k) * 10 >= u64::from(self.n) * 9
    }

    fn distinct(&self) -> usize {
        self.values.len() + self.uncounted as usize
    }
}

/// The sample of one input: per unknown field name, its values' stats.
#[derive(Default)]
struct Sample<'a> {
    fields: BTreeMap<&'a [u8], FieldStats<'a>>,
    /// Records with an access op word (in any field), with a lock op word.
    access: u32,
    lock: u32,
    /// Access-like records with a begin or end phase.
    phased: u32,
    /// Access-like records on which the convention finds each concept.
    known: [u32; formats::fields::N_CONCEPTS],
    /// Lock-like records with a lock field the convention knows.
    known_lock: u32,
}

/// A record's fields the convention does not know.
fn unknown_members<'a>(
    line: &'a [u8],
    format: InputFormat,
    table: &FieldTable,
    out: &mut Vec<(&'a [u8], Value<'a>)>,
) {
    out.clear();
    let mut keep = |k: &'a [u8], v: Value<'a>| {
        if table.lookup(k).is_none() {
            out.push((k, v));
        }
    };
    let _ = match format {
        InputFormat::Json => json::scan_members(line, &mut keep),
        InputFormat::Logfmt => logfmt::scan_pairs(line, &mut keep),
        InputFormat::Console => match console::columns(line) {
            Ok(c) => c
                .fields
                .map_or(Ok(()), |f| json::scan_members(f, &mut keep)),
            Err(e) => Err(e),
        },
    };
}

fn is_access_word(v: &[u8]) -> bool {
    matches!(formats::op_class(v), OpClass::Access(_))
}

fn is_lock_word(v: &[u8]) -> bool {
    matches!(formats::op_class(v), OpClass::Lock(_))
}

fn is_hex_address(v: &[u8]) -> bool {
    v.len() > 2
        && (v.starts_with(b"0x") || v.starts_with(b"0X"))
        && v[2..].iter().all(u8::is_ascii_hexdigit)
}

/// A goroutine id: digits, and below a billion.
fn is_small_int(v: &[u8]) -> bool {
    !v.is_empty() && v.len() <= 9 && v.iter().all(u8::is_ascii_digit)
}

fn is_time(v: &[u8], is_string: bool) -> bool {
    time::time_value_ns(v, is_string, false).is_some_and(|t| EPOCH_RANGE.contains(&t))
}

/// `dir/file.go:123`.
fn is_site(v: &[u8]) -> bool {
    let Some(colon) = v.iter().rposition(|&c| c == b':') else {
        return false;
    };
    v[..colon].ends_with(b".go") && is_small_int(&v[colon + 1..])
}

fn is_level_word(v: &[u8]) -> bool {
    const LEVELS: [&[u8]; 9] = [
        b"debug", b"info", b"warn", b"warning", b"error", b"dpanic", b"panic", b"fatal", b"trace",
    ];
    LEVELS.iter().any(|l| v.eq_ignore_ascii_case(l))
}

impl<'a> Sample<'a> {
    /// Reads the first `limit` structured records of `input`.
    fn of(input: &'a Input, opts: &ParseOptions, limit: usize) -> Sample<'a> {
        let table = &opts.fields;
        let mut s = Sample::default();
        let mut lines = Lines::new(input.bytes());
        let mut rec = RawRecord::default();
        let mut members = Vec::new();
        let mut records = 0;
        while let Some((_, line)) = lines.take() {
            if records >= limit {
                break;
            }
            if line.len() > opts.max_line_bytes {
                continue;
            }
            let Some(format) = formats::line_format(line, opts.format) else {
                continue;
            };
            rec.clear();
            let scanned = match format {
                InputFormat::Json => json::scan_object(line, table, &mut rec),
                InputFormat::Console => console::scan(line, table, &mut rec),
                InputFormat::Logfmt => logfmt::scan(line, table, &mut rec),
            };
            if scanned.is_err() {
                continue;
            }
            records += 1;
            unknown_members(line, format, table, &mut members);
            s.add(&rec, &members);
        }
        s
    }

    fn add(&mut self, rec: &RawRecord<'a>, members: &[(&'a [u8], Value<'a>)]) {
        let known_op = rec.get(Concept::Op).map(|s| s.value.text());
        let words = |f: fn(&[u8]) -> bool| {
            known_op.as_deref().is_some_and(f)
                || members.iter().any(|(_, v)| v.is_string() && f(&v.text()))
        };
        let access = words(is_access_word);
        let lock = words(is_lock_word);
        if access {
            self.access += 1;
            for c in Concept::ALL {
                let known = match c {
                    // The op counts only when it holds the access word.
                    Concept::Op => known_op.as_deref().is_some_and(is_access_word),
                    Concept::Time => {
                        rec.get(Concept::Time).is_some() || rec.get(Concept::TimeNs).is_some()
                    }
                    _ => rec.get(c).is_some(),
                };
                self.known[c as usize] += u32::from(known);
            }
            let phase = match rec.get(Concept::Phase) {
                Some(p) => formats::phase_word(&p.value.text()),
                None => rec.get(Concept::Msg).and_then(|m| {
                    m.value
                        .text()
                        .rsplit(|&c| c == b' ')
                        .next()
                        .and_then(formats::phase_word)
                }),
            };
            if matches!(phase, Some(Phase::Begin | Phase::End)) {
                self.phased += 1;
            }
        }
        if lock {
            self.lock += 1;
            self.known_lock += u32::from(rec.get(Concept::Lock).is_some());
        }
        for (key, value) in members {
            if self.fields.len() >= MAX_FIELDS && !self.fields.contains_key(key) {
                continue;
            }
            let f = self.fields.entry(key).or_default();
            f.n += 1;
            f.n_access += u32::from(access);
            f.n_lock += u32::from(lock);
            let text = value.text();
            let v: &[u8] = &text;
            if value.is_string() {
                f.access_words += u32::from(is_access_word(v));
                f.lock_words += u32::from(is_lock_word(v));
                f.level_words += u32::from(is_level_word(v));
            }
            f.hex += u32::from(is_hex_address(v));
            f.small_int += u32::from(is_small_int(v));
            f.times += u32::from(is_time(v, value.is_string()));
            f.sites += u32::from(is_site(v));
            if matches!(value, Value::Nested(_)) || v.len() > MAX_VALUE_LEN {
                f.uncounted += 1;
            } else if let Some(c) = f.values.get_mut(v) {
                *c += 1;
            } else if f.values.len() < MAX_VALUES {
                f.values.insert(text, 1);
            } else {
                f.uncounted += 1;
            }
        }
    }

    /// Present on at least 90% of `of` records counted by `k`.
    fn on_most(k: u32, of: u32) -> bool {
        of > 0 && u64::from(k) * 10 >= u64::from(of) * 9
    }

    /// The convention misses `c` on most access-like records.
    fn missing(&self, c: Concept) -> bool {
        self.access > 0 && self.known[c as usize] * 2 < self.access
    }

    /// The unknown field that looks most like concept `c`, skipping `taken`.
    fn best(&self, c: Concept, taken: &[&[u8]]) -> Option<&'a [u8]> {
        let on_access = |f: &FieldStats| Self::on_most(f.n_access, self.access);
        let id_like = |f: &FieldStats| {
            (f.most(f.hex) && f.distinct() * 2 <= f.n as usize)
                || (f.small_int == 0
                    && f.level_words == 0
                    && f.times == 0
                    && f.sites == 0
                    && f.access_words == 0
                    && f.lock_words == 0
                    && f.distinct() > 0
                    && f.distinct() * 4 <= f.n as usize)
        };
        // Each candidate's rank, lower is better; ties go to the first name.
        let rank = |f: &FieldStats| -> Option<Rank> {
            match c {
                Concept::Op => {
                    let fits = f.most(f.access_words + f.lock_words)
                        && (f.access_words > 0 && f.access_words * 2 >= self.access
                            || self.access == 0 && f.lock_words > 0);
                    fits.then(|| (0, u64::MAX - u64::from(f.access_words), 0))
                }
                Concept::Object => (on_access(f) && id_like(f)).then(|| {
                    // Addresses first, then the field most specific to accesses.
                    let specific = u64::from(f.n_access) * 1000 / u64::from(f.n);
                    (
                        u8::from(!f.most(f.hex)),
                        1000 - specific,
                        u64::MAX - f.distinct() as u64,
                    )
                }),
                Concept::Actor => (on_access(f)
                    && f.most(f.small_int)
                    && f.distinct() >= 2
                    && f.distinct() * 2 <= f.n as usize
                    && !pair_like(f))
                .then(|| (0, u64::MAX - u64::from(f.n_access), 0)),
                Concept::Pair => (Self::on_most(f.n_access, self.phased) && pair_like(f))
                    .then(|| (0, u64::MAX - u64::from(f.n_access), 0)),
                Concept::Time => (on_access(f) && f.most(f.times))
                    .then(|| (0, u64::MAX - u64::from(f.n_access), 0)),
                Concept::Lock => (Self::on_most(f.n_lock, self.lock) && id_like(f)).then(|| {
                    let specific = u64::from(f.n_lock) * 1000 / u64::from(f.n);
                    (u8::from(!f.most(f.hex)), 1000 - specific, 0)
                }),
                Concept::Caller => (on_access(f) && f.most(f.sites) && f.distinct() >= 2)
                    .then(|| (0, u64::MAX - f.distinct() as u64, 0)),
                _ => None,
            }
        };
        self.fields
            .iter()
            .filter(|(key, _)| !taken.contains(key))
            .filter_map(|(&key, f)| Some((rank(f)?, key)))
            .min_by_key(|(r, _)| *r)
            .map(|(_, key)| key)
    }

    /// The field for `c` alone.
    fn suggest(&self, c: Concept) -> Option<String> {
        self.best(c, &[])
            .map(|k| String::from_utf8_lossy(k).into_owned())
    }

    /// The `--field` flags that would make accesses of these records, and
    /// whether they cover what recognition needs (op, object, time).
    fn no_access_advice(&self, has_time: bool) -> NoAccessAdvice {
        let mut taken: Vec<&[u8]> = Vec::new();
        let mut flags: Vec<FieldOverride> = Vec::new();
        let mut unfound: Vec<&str> = Vec::new();
        let lock_missing = self.lock > 0 && self.known_lock * 2 < self.lock;
        let wanted = [
            (
                Concept::Op,
                self.access == 0 || self.missing(Concept::Op),
                true,
            ),
            (
                Concept::Object,
                self.access == 0 || self.missing(Concept::Object),
                true,
            ),
            (Concept::Actor, self.missing(Concept::Actor), false),
            (
                Concept::Pair,
                self.phased > 0 && self.missing(Concept::Pair),
                false,
            ),
            (
                Concept::Time,
                !has_time && self.missing(Concept::Time),
                true,
            ),
            (Concept::Lock, lock_missing, false),
        ];
        let mut found_required = false;
        for (c, missing, required) in wanted {
            if !missing {
                continue;
            }
            match self.best(c, &taken) {
                Some(k) => {
                    taken.push(k);
                    found_required |= required;
                    flags.push(FieldOverride {
                        concept: c,
                        name: String::from_utf8_lossy(k).into_owned(),
                    });
                }
                None if required => unfound.push(match c {
                    Concept::Op => "an access op (read, write, …)",
                    Concept::Object => "a map id",
                    _ => "a time",
                }),
                None => {}
            }
        }
        let flags_text: Vec<String> = flags.iter().map(|f| format!("--field {f}")).collect();
        let text = match (flags.is_empty(), unfound.is_empty()) {
            (false, true) => format!("; fields that look like them: {}", flags_text.join(" ")),
            (false, false) => format!(
                "; fields that look like them: {}; none looks like {}",
                flags_text.join(" "),
                unfound.join(" or ")
            ),
            (true, _) => format!(
                ", and no field looks like {}: name them with --field CONCEPT=NAME",
                if unfound.is_empty() {
                    "an access op and a map id".to_string()
                } else {
                    unfound.join(" or ")
                }
            ),
        };
        NoAccessAdvice {
            text,
            found_required,
        }
    }
}

/// How well a field fits a concept: a class, then two measures; lower wins.
type Rank = (u8, u64, u64);

/// At least 90% of the distinct values appear exactly twice: a begin and its end.
fn pair_like(f: &FieldStats) -> bool {
    let twice = f.values.values().filter(|&&c| c == 2).count();
    f.uncounted == 0 && f.values.len() >= 2 && twice * 10 >= f.values.len() * 9
}

struct NoAccessAdvice {
    /// The tail of the message, from `; fields that look like them` on.
    text: String,
    /// A field was found for op, object or time.
    found_required: bool,
}

/// Point accesses near each other on one object: the sweep's state.
#[derive(Default)]
struct Near {
    recent: VecDeque<u32>,
    /// Lock set → (points, writes) among `recent`.
    by_set: FxHashMap<u32, (u64, u64)>,
    /// (lock set, actor) → (points, writes) among `recent`.
    by_set_actor: FxHashMap<(u32, Sym), (u64, u64)>,
    pairs: u64,
    example: Option<(u32, u32)>,
}

impl Near {
    fn add(&mut self, a: &Access) {
        let w = u64::from(a.op.is_write());
        for e in [
            self.by_set.entry(a.lockset).or_default(),
            self.by_set_actor.entry((a.lockset, a.actor)).or_default(),
        ] {
            e.0 += 1;
            e.1 += w;
        }
    }

    fn remove(&mut self, a: &Access) {
        fn take<K: std::hash::Hash + Eq>(m: &mut FxHashMap<K, (u64, u64)>, k: K, w: u64) {
            if let Entry::Occupied(mut e) = m.entry(k) {
                let v = e.get_mut();
                v.0 -= 1;
                v.1 -= w;
                if v.0 == 0 {
                    e.remove();
                }
            }
        }
        let w = u64::from(a.op.is_write());
        take(&mut self.by_set, a.lockset, w);
        take(&mut self.by_set_actor, (a.lockset, a.actor), w);
    }

    /// Takes point `i` (in start order): counts the earlier points within
    /// [`NEAR_NS`] it would conflict with at `--slack 1us`.
    fn arrive(&mut self, acc: &[Access], locksets: &Locksets, i: u32) {
        let a = &acc[i as usize];
        while let Some(&f) = self.recent.front() {
            if a.start.saturating_sub(acc[f as usize].start) < NEAR_NS {
                break;
            }
            self.recent.pop_front();
            self.remove(&acc[f as usize]);
        }
        let mut new = 0;
        for (&set, &(all, writes)) in &self.by_set {
            if locksets.protects(a.lockset, set) {
                continue;
            }
            let (same, same_w) = self
                .by_set_actor
                .get(&(set, a.actor))
                .copied()
                .unwrap_or_default();
            new += if a.op.is_write() {
                all - same
            } else {
                writes - same_w
            };
        }
        if new > 0 && self.example.is_none() {
            self.example = self
                .recent
                .iter()
                .find(|&&f| {
                    let b = &acc[f as usize];
                    b.actor != a.actor
                        && (a.op.is_write() || b.op.is_write())
                        && !locksets.protects(a.lockset, b.lockset)
                })
                .map(|&f| (f, i));
        }
        self.pairs += new;
        self.recent.push_back(i);
        self.add(a);
    }
}

/// Pairs of point accesses by different goroutines, at least one a write
/// and no common lock, within 1µs on one object: they never overlap at
/// `--slack 0` and would all conflict at `--slack 1us`. Counted in one
/// pass over the points in start order, never enumerated; one warning per
/// process.
fn near_points(an: &Analysis<'_>, out: &mut Advice) {
    let acc = &an.windows.accesses;
    let mut points: Vec<u32> = (0..acc.len() as u32)
        .filter(|&i| {
            let a = &acc[i as usize];
            a.start == a.end && !a.is_open()
        })
        .collect();
    if points.len() < 2 {
        return;
    }
    if !points.is_sorted_by_key(|&i| acc[i as usize].start) {
        points.sort_by_key(|&i| {
            let a = &acc[i as usize];
            (a.start, a.input, a.line)
        });
    }
    let mut near: FxHashMap<(u32, Sym), Near> = FxHashMap::default();
    for &i in &points {
        let a = &acc[i as usize];
        near.entry((a.scope, a.object))
            .or_default()
            .arrive(acc, &an.locksets, i);
    }
    // Per scope: pairs, maps, and the map with most pairs (ties: the
    // earlier example), in scope order.
    let mut scopes: BTreeMap<u32, Vec<(Sym, &Near)>> = BTreeMap::new();
    for ((scope, object), n) in &near {
        if n.pairs > 0 {
            scopes.entry(*scope).or_default().push((*object, n));
        }
    }
    let map_name = |scope: u32, object: Sym| match an.name_of(scope, object) {
        Some(n) => format!("{n} {}", an.interner.str(object)),
        None => an.interner.str(object).into_owned(),
    };
    let mut all = NearSummary::default();
    for (scope, maps) in scopes {
        let Some(&(object, top)) = maps
            .iter()
            .max_by_key(|(_, n)| (n.pairs, std::cmp::Reverse(n.example)))
        else {
            continue;
        };
        let Some((x, y)) = top.example else {
            continue;
        };
        let pairs: u64 = maps.iter().map(|(_, n)| n.pairs).sum();
        let summary = NearSummary {
            pairs,
            maps: maps.len(),
            scopes: 1,
            top: (top.pairs, map_name(scope, object)),
            example: (
                (acc[x as usize].input, acc[x as usize].line),
                (acc[y as usize].input, acc[y as usize].line),
            ),
        };
        out.diagnostics
            .push(whole_input(acc[x as usize].input, summary.message(an)));
        all.add(summary);
    }
    if all.scopes == 1 {
        let input = &an.inputs[all.example.0.0 as usize].path;
        out.summary.push(format!("{input}: {}", all.message(an)));
    } else if all.scopes > 1 {
        out.summary.push(all.message(an));
    }
}

/// Near point pairs of one process, or of all.
#[derive(Default)]
struct NearSummary {
    pairs: u64,
    maps: usize,
    scopes: usize,
    /// The map with most pairs: its pairs and name.
    top: (u64, String),
    /// The first pair on that map: (input, line) of each.
    example: ((u32, u32), (u32, u32)),
}

impl NearSummary {
    fn add(&mut self, s: NearSummary) {
        self.pairs += s.pairs;
        self.maps += s.maps;
        self.scopes += s.scopes;
        if self.scopes == 1 || s.top.0 > self.top.0 {
            self.top = s.top;
            self.example = s.example;
        }
    }

    fn message(&self, an: &Analysis<'_>) -> String {
        let (top, name) = &self.top;
        let on = match (self.maps, self.scopes) {
            (1, _) => format!("on map {name}"),
            (m, 1) => format!("on {m} maps, most ({}) on map {name}", thousands(*top)),
            (m, p) => format!(
                "on {m} maps of {p} processes, most ({}) on map {name}",
                thousands(*top)
            ),
        };
        let (x, y) = &self.example;
        format!(
            "{} pairs of point accesses (no begin/end, no duration) by different goroutines, \
             at least one a write, lie within 1µs of each other {on}; they never overlap at \
             --slack 0: try --slack 1us (first pair: {} and {})",
            thousands(self.pairs),
            an.source(x.0, x.1),
            an.source(y.0, y.1),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fixture's text with some keys renamed (`"from":` → `"to":`).
    fn renamed(fixture: &str, renames: &[(&str, &str)]) -> Input {
        let path = format!("{}/tests/fixtures/{fixture}", env!("CARGO_MANIFEST_DIR"));
        let mut text = std::fs::read_to_string(&path).unwrap();
        for (from, to) in renames {
            text = text.replace(&format!("\"{from}\":"), &format!("\"{to}\":"));
        }
        Input::from_bytes(fixture, text.into_bytes())
    }

    fn advice_for(input: &Input) -> String {
        Sample::of(input, &ParseOptions::default(), SAMPLE_RECORDS)
            .no_access_advice(false)
            .text
    }

    #[test]
    fn every_missing_concept_is_named_from_the_values() {
        // zapsvc's log in another team's schema, the lock id renamed too.
        let input = renamed(
            "zap_json.jsonl",
            &[
                ("goroutine", "routine"),
                ("map", "mapRef"),
                ("op", "operation"),
                ("lock", "mutexRef"),
            ],
        );
        assert_eq!(
            advice_for(&input),
            "; fields that look like them: --field op=operation --field object=mapRef \
             --field actor=routine --field lock=mutexRef"
        );
        // Without its times: the nanosecond field under a new name.
        let input = renamed("zap_json.jsonl", &[("ts", "x_ts"), ("ts_ns", "stamp")]);
        let s = Sample::of(&input, &ParseOptions::default(), SAMPLE_RECORDS);
        assert!(s.missing(Concept::Time));
        assert_eq!(s.best(Concept::Time, &[b"x_ts"]), Some(&b"stamp"[..]));
        // A field of sites: the caller.
        let input = renamed("zap_json.jsonl", &[("caller", "site")]);
        let s = Sample::of(&input, &ParseOptions::default(), SAMPLE_RECORDS);
        assert_eq!(s.suggest(Concept::Caller).as_deref(), Some("site"));
        // The same in logfmt (slog text) and zap's console encoding.
        let input = renamed("logfmt.log", &[]);
        let text = String::from_utf8(input.bytes().to_vec())
            .unwrap()
            .replace(" map=", " cache=")
            .replace(" goroutine=", " worker=");
        let input = Input::from_bytes("logfmt.log", text.into_bytes());
        assert_eq!(
            advice_for(&input),
            "; fields that look like them: --field object=cache --field actor=worker"
        );
        let input = renamed("zap_console.log", &[("map", "m"), ("op", "kind")]);
        assert_eq!(
            advice_for(&input),
            "; fields that look like them: --field op=kind --field object=m"
        );
    }

    #[test]
    fn pair_ids_are_values_seen_twice() {
        let mut lines = Vec::new();
        for (i, op) in ["read", "write", "read", "write"].iter().enumerate() {
            for phase in ["begin", "end"] {
                lines.push(format!(
                    r#"{{"ts_ns":{},"goroutine":{},"map":"0xc000010000","op":"{op}","phase":"{phase}","span":"s{i}"}}"#,
                    1_795_697_153_869_000_000u64 + i as u64,
                    i % 2 + 1
                ));
            }
        }
        let input = Input::from_bytes("pairs", lines.join("\n").into_bytes());
        let s = Sample::of(&input, &ParseOptions::default(), SAMPLE_RECORDS);
        assert!(s.missing(Concept::Pair));
        assert_eq!(s.suggest(Concept::Pair).as_deref(), Some("span"));
        assert_eq!(s.suggest(Concept::Actor), None, "known already");
    }

    #[test]
    fn value_shapes() {
        assert!(is_hex_address(b"0xc000076e70"));
        assert!(!is_hex_address(b"0x"));
        assert!(!is_hex_address(b"0xzz"));
        assert!(is_small_int(b"12"));
        assert!(!is_small_int(b"-1"));
        assert!(!is_small_int(b"1795697153869130593"));
        assert!(is_time(b"1795697153.869133", false));
        assert!(is_time(b"1795697153869130593", false));
        assert!(is_time(b"2026-11-26T12:45:53.869Z", true));
        assert!(!is_time(b"12", false));
        assert!(is_site(b"zapsvc/store.go:55"));
        assert!(!is_site(b"10.20.1.17:40049"));
        assert!(is_access_word(b"WRITE"));
        assert!(is_lock_word(b"lock_acquired"));
        assert!(!is_access_word(b"GET /cart"));
    }
}
