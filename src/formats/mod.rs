//! Input formats: one module per format, and the normalization of a parsed
//! record into an [`Event`] by the access-log convention.
//!
//! A chunk (whole lines of one input) is parsed line by line: a line that
//! looks like a JSON object is scanned ([`json`]); a JSON line that breaks is
//! a diagnostic at its column; kernel capture lines (a `racetrail record`
//! header and everything after it, or a `perf script` event line) go to
//! [`capture`]; every other line is context. A record becomes
//! an access or lock event when it names an object (or lock) and an op.
//! Whole documents — STD traces, static analysers' findings
//! ([`static_findings`]) — are recognised before chunking and read whole.

pub mod capture;
pub mod console;
pub mod fields;
pub mod goruntime;
pub mod json;
pub mod klog;
pub mod lines;
pub mod logfmt;
pub mod static_findings;
pub mod std_trace;
pub mod time;
pub mod wrappers;

use std::borrow::Cow;

use crate::event::{Event, Kind, Mode, Op};
use crate::intern::{Interner, Sym};
use fields::{Concept, FieldTable};
use goruntime::dump::{self, Dump};
use goruntime::race::{self, RaceBlock};
use json::RawRecord;
use lines::Lines;

/// Formats seen in an input, as a bit set.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Formats(u16);

impl Formats {
    pub const JSON: Formats = Formats(1);
    pub const GO_RACE: Formats = Formats(2);
    pub const GO_DUMP: Formats = Formats(4);
    pub const CONSOLE: Formats = Formats(8);
    pub const LOGFMT: Formats = Formats(16);
    pub const KLOG: Formats = Formats(32);
    pub const DOCKER: Formats = Formats(64);
    pub const CRI: Formats = Formats(128);
    pub const KUBECTL: Formats = Formats(256);
    pub const STD: Formats = Formats(512);
    pub const SARIF: Formats = Formats(1024);
    pub const GO_VET: Formats = Formats(2048);
    pub const STATICCHECK: Formats = Formats(4096);
    /// A `racetrail record` capture.
    pub const CAPTURE: Formats = Formats(8192);
    /// Plain `perf script` text of racetrail's map probes.
    pub const PERF: Formats = Formats(16384);

    pub fn insert(&mut self, f: Formats) {
        self.0 |= f.0;
    }

    /// Whether any format of `f` is in the set.
    pub fn intersects(self, f: Formats) -> bool {
        self.0 & f.0 != 0
    }

    pub fn contains(self, f: Formats) -> bool {
        self.0 & f.0 == f.0
    }

    pub fn names(self) -> Vec<&'static str> {
        let mut v = Vec::new();
        for (bit, name) in [
            (Formats::DOCKER, "docker"),
            (Formats::CRI, "cri"),
            (Formats::KUBECTL, "kubectl"),
            (Formats::STD, "std"),
            (Formats::SARIF, "sarif"),
            (Formats::GO_VET, "go-vet-json"),
            (Formats::STATICCHECK, "staticcheck-json"),
            (Formats::CAPTURE, "capture"),
            (Formats::PERF, "perf"),
        ] {
            if self.0 & bit.0 != 0 {
                v.push(name);
            }
        }
        if self.0 & Formats::JSON.0 != 0 {
            v.push("json");
        }
        if self.0 & Formats::CONSOLE.0 != 0 {
            v.push("console");
        }
        if self.0 & Formats::LOGFMT.0 != 0 {
            v.push("logfmt");
        }
        if self.0 & Formats::KLOG.0 != 0 {
            v.push("klog");
        }
        if self.0 & Formats::GO_RACE.0 != 0 {
            v.push("go-race");
        }
        if self.0 & Formats::GO_DUMP.0 != 0 {
            v.push("go-dump");
        }
        v
    }
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A problem with one line, before the chunk's line base is known.
#[derive(Clone, Debug)]
pub struct LineDiag {
    /// 1-based line within the chunk.
    pub line: u32,
    /// 1-based byte column.
    pub col: u32,
    pub severity: Severity,
    pub message: String,
}

/// A line-record format (`--input-format` forces one).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    /// One JSON object per line (zap production, slog, logrus).
    Json,
    /// zap's development console encoder.
    Console,
    /// key=value pairs (slog text, logrus text).
    Logfmt,
}

impl InputFormat {
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Json => "JSON",
            InputFormat::Console => "console",
            InputFormat::Logfmt => "logfmt",
        }
    }

    fn bit(self) -> Formats {
        match self {
            InputFormat::Json => Formats::JSON,
            InputFormat::Console => Formats::CONSOLE,
            InputFormat::Logfmt => Formats::LOGFMT,
        }
    }
}

/// The record format of a line, `None` for context. Detection is per line,
/// so one input may mix formats; a forced format takes every non-blank line.
pub(crate) fn line_format(line: &[u8], forced: Option<InputFormat>) -> Option<InputFormat> {
    if let Some(f) = forced {
        return (!line.trim_ascii().is_empty()).then_some(f);
    }
    if json::looks_like_object(line) {
        Some(InputFormat::Json)
    } else if console::looks_like_console(line) {
        Some(InputFormat::Console)
    } else if logfmt::looks_like_logfmt(line) {
        Some(InputFormat::Logfmt)
    } else {
        None
    }
}

/// Settings the parsers need.
#[derive(Clone, Debug)]
pub struct ParseOptions {
    pub fields: FieldTable,
    /// `--input-format`: every line is this format.
    pub format: Option<InputFormat>,
    /// Longer lines are diagnostics, not records.
    pub max_line_bytes: usize,
    /// Diagnostics kept per chunk (all are counted).
    pub max_diags: usize,
    /// Keep each record's (level, message) and time, for recognising a log
    /// sampler's drops (`--sampler none` turns it off).
    pub messages: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            fields: FieldTable::default(),
            format: None,
            max_line_bytes: 1 << 20,
            max_diags: 100,
            messages: true,
        }
    }
}

/// What parsing a chunk produced; symbols are chunk-local until absorbed.
#[derive(Debug, Default)]
pub struct ChunkOut<'a> {
    pub events: Vec<Event>,
    pub interner: Interner<'a>,
    pub lines: u32,
    pub records: u64,
    pub context: u64,
    pub parse_errors: u64,
    pub warnings: u64,
    /// Records of a line format (JSON, console, logfmt): runtime blocks excluded.
    pub structured: u64,
    /// Access records among them (begins, ends and single records).
    pub access_records: u64,
    pub diags: Vec<LineDiag>,
    pub formats: Formats,
    pub races: Vec<RaceBlock>,
    /// Crash and goroutine dumps, also those found inside JSON fields.
    pub dumps: Vec<Dump>,
    /// The distinct process-field symbols of the events (see `Event::scope`).
    pub scope_syms: Vec<Sym>,
    /// The chunk's rate table in parts per million; `Event::rate` n is
    /// `rates[n - 1]`.
    pub rates: Vec<u32>,
    /// Record times per (process fields, level and message), in file order.
    pub messages: Vec<MessageSeries>,
    message_ids: rustc_hash::FxHashMap<(u32, u64), u32>,
    /// Numeric pairing ids of begins per process-field symbol: a sequence
    /// with holes says records were lost.
    pub pair_ids: Vec<PairIds>,
}

/// The times of one (scope, level, message) in a chunk.
#[derive(Debug)]
pub struct MessageSeries {
    /// Chunk-local process-field symbol, 0 for none.
    pub scope: u32,
    /// A hash of the level and the message.
    pub hash: u64,
    /// While the chunk is parsed.
    pub times: Vec<i64>,
    /// Once it is.
    pub packed: crate::replay::lossy::PackedTimes,
}

/// Numeric pairing ids seen on begins: their range and count.
#[derive(Clone, Copy, Debug)]
pub struct PairIds {
    pub scope: u32,
    pub min: u64,
    pub max: u64,
    pub count: u64,
}

impl ChunkOut<'_> {
    fn note_message(&mut self, scope: u32, level: &[u8], msg: &[u8], time: i64) {
        use std::hash::Hasher;
        let mut h = rustc_hash::FxHasher::default();
        h.write(level);
        h.write_u8(0xff);
        h.write(msg);
        let hash = h.finish();
        let next = self.messages.len() as u32;
        let id = *self.message_ids.entry((scope, hash)).or_insert(next);
        if id == next {
            self.messages.push(MessageSeries {
                scope,
                hash,
                times: Vec::new(),
                packed: Default::default(),
            });
        }
        self.messages[id as usize].times.push(time);
    }

    fn note_pair_id(&mut self, scope: u32, id: u64) {
        match self.pair_ids.iter_mut().find(|p| p.scope == scope) {
            Some(p) => {
                p.min = p.min.min(id);
                p.max = p.max.max(id);
                p.count += 1;
            }
            None => self.pair_ids.push(PairIds {
                scope,
                min: id,
                max: id,
                count: 1,
            }),
        }
    }

    /// The chunk-local index (1-based) of a rate in parts per million.
    fn rate_index(&mut self, ppm: u32) -> u8 {
        match self.rates.iter().position(|&r| r == ppm) {
            Some(i) => i as u8 + 1,
            None if self.rates.len() < 255 => {
                self.rates.push(ppm);
                self.rates.len() as u8
            }
            None => 0,
        }
    }
}

/// A sampling rate as parts per million, from decimal text (`0.25`, `1`,
/// `1e-1`): `None` outside (0, 1].
pub fn rate_ppm(text: &[u8]) -> Option<u32> {
    let s = std::str::from_utf8(text).ok()?.trim();
    let (mant, exp) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], s[i + 1..].parse::<i32>().ok()?),
        None => (s, 0),
    };
    let (int, frac) = mant.split_once('.').unwrap_or((mant, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().chain(frac.bytes()).all(|c| c.is_ascii_digit()) {
        return None;
    }
    // digits × 10^(exp − frac.len()) × 10^6, rounded down.
    let digits: String = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    let shift = exp - frac.len() as i32 + 6;
    let ppm: u128 = if digits.is_empty() {
        0
    } else if shift >= 0 {
        if digits.len() as i32 + shift > 12 {
            return None;
        }
        digits.parse::<u128>().ok()? * 10u128.pow(shift as u32)
    } else {
        let cut = (-shift) as usize;
        if cut >= digits.len() {
            0
        } else {
            digits[..digits.len() - cut].parse::<u128>().ok()?
        }
    };
    (ppm > 0 && ppm <= 1_000_000).then_some(ppm as u32)
}

impl ChunkOut<'_> {
    /// Block problems are warnings: what parsed of the block is kept.
    fn flush_block_diags(&mut self, max: usize, diags: &mut Vec<(u32, String)>) {
        for (line, msg) in diags.drain(..) {
            self.diag(max, line, 1, Severity::Warning, msg);
        }
    }

    fn diag(&mut self, max: usize, line: u32, col: u32, severity: Severity, message: String) {
        if severity == Severity::Error {
            self.parse_errors += 1;
        } else {
            self.warnings += 1;
        }
        if self.diags.len() < max {
            self.diags.push(LineDiag {
                line,
                col,
                severity,
                message,
            });
        }
    }
}

/// Parses whole lines of input `input`; `data` ends at a line boundary.
/// `fallback_times[n - 1]`, when given, is the time of records on line `n`
/// that carry none (a container wrapper's); `data` is then the whole input.
pub fn parse_chunk<'a>(
    data: &'a [u8],
    input: u32,
    opts: &ParseOptions,
    fallback_times: Option<&[i64]>,
) -> ChunkOut<'a> {
    let mut out = ChunkOut {
        // Room for the ids of a log like the benchmark's (a trace id every
        // ~3 kB); growing the table by doubling costs more than the guess.
        interner: Interner::with_capacity(data.len() / 2048),
        // An event per ~300 bytes; capacity not used is never touched.
        events: Vec::with_capacity(data.len() / 256),
        ..ChunkOut::default()
    };
    let mut rec = RawRecord::default();
    let mut scratch = Vec::new();
    let mut lines = Lines::new(data);
    let mut block_diags: Vec<(u32, String)> = Vec::new();
    let mut kernel = capture::CaptureState::default();
    while let Some(first) = lines.peek() {
        // Records start with `{`; only other lines may open a runtime block.
        let maybe_block = !matches!(first.first(), Some(b'{') | None);
        if maybe_block && race::starts_race(first, || lines.peek2()) {
            let from = lines.line_no;
            let block = race::parse(&mut lines, &mut out.interner, &mut block_diags);
            out.records += (lines.line_no - from) as u64;
            out.formats.insert(Formats::GO_RACE);
            out.races.push(block);
            out.flush_block_diags(opts.max_diags, &mut block_diags);
            continue;
        }
        if maybe_block && dump::starts_dump_at(&lines) {
            let from = lines.line_no;
            let d = dump::parse(&mut lines, &mut out.interner, &mut block_diags);
            out.records += (lines.line_no - from) as u64;
            out.formats.insert(Formats::GO_DUMP);
            out.dumps.push(d);
            out.flush_block_diags(opts.max_diags, &mut block_diags);
            continue;
        }
        let (line_no, line) = lines.take().expect("peeked");
        if line.len() > opts.max_line_bytes {
            let msg = format!(
                "line of {} bytes is longer than the limit of {} bytes (--max-line-bytes); skipped",
                line.len(),
                opts.max_line_bytes
            );
            out.diag(opts.max_diags, line_no, 1, Severity::Error, msg);
            continue;
        }
        if opts.format.is_none() && (kernel.active() || capture::looks_like_capture(line)) {
            kernel.line(line, line_no, input, &mut out, opts.max_diags);
            continue;
        }
        let Some(format) = line_format(line, opts.format) else {
            out.context += 1;
            if opts.format.is_none() && klog::looks_like_klog(line) {
                out.formats.insert(Formats::KLOG);
            }
            continue;
        };
        rec.clear();
        let scanned = match format {
            InputFormat::Json => json::scan_object(line, &opts.fields, &mut rec),
            InputFormat::Console => console::scan(line, &opts.fields, &mut rec),
            InputFormat::Logfmt => logfmt::scan(line, &opts.fields, &mut rec),
        };
        if let Err(e) = scanned {
            let msg = format!("invalid {} record: expected {}", format.name(), e.expected);
            out.diag(
                opts.max_diags,
                line_no,
                e.offset as u32 + 1,
                Severity::Error,
                msg,
            );
            continue;
        }
        out.records += 1;
        out.structured += 1;
        out.formats.insert(format.bit());
        if let Some(stack) = rec.get(Concept::Stack) {
            embedded_dump(&stack.value, line_no, &mut out, &mut block_diags);
            out.flush_block_diags(opts.max_diags, &mut block_diags);
        }
        let fallback = fallback_times
            .and_then(|t| t.get(line_no as usize - 1))
            .copied()
            .filter(|&t| t != i64::MIN);
        let mut noted = None;
        match normalize(
            &rec,
            &opts.fields,
            &mut out.interner,
            &mut scratch,
            fallback,
        ) {
            Ok(Some(mut ev)) => {
                if matches!(
                    ev.kind,
                    Kind::AccessBegin | Kind::AccessEnd | Kind::AccessSpan
                ) {
                    out.access_records += 1;
                }
                ev.input = input;
                ev.line = line_no;
                if ev.scope != 0 && !out.scope_syms.contains(&Sym(ev.scope)) {
                    out.scope_syms.push(Sym(ev.scope));
                }
                if matches!(ev.kind, Kind::AccessBegin | Kind::AccessSpan) {
                    sampling_fields(&rec, &mut ev, &mut out);
                }
                let t = if ev.kind == Kind::AccessSpan {
                    ev.aux
                } else {
                    ev.time
                };
                noted = Some((ev.scope, t));
                out.events.push(ev);
            }
            Ok(None) => {}
            Err(msg) => out.diag(opts.max_diags, line_no, 1, Severity::Warning, msg),
        }
        // What a log sampler counts, for the access and lock records: the
        // (level, message) of each and its time.
        if opts.messages
            && let Some((scope, t)) = noted
            && let Some(msg) = rec.get(Concept::Msg)
        {
            let level = rec.get(Concept::Level).map(|l| l.value.text());
            let level: &[u8] = level.as_deref().unwrap_or(b"");
            out.note_message(scope, level, &msg.value.text(), t);
        }
    }
    kernel.finish(&mut out, opts.max_diags);
    out.lines = lines.line_no;
    // The times are kept until the end of the run: packed.
    for m in &mut out.messages {
        m.packed = crate::replay::lossy::PackedTimes::pack(&std::mem::take(&mut m.times));
    }
    out
}

/// What an access record says about sampling: the producer's keep rate,
/// and a numeric pairing id (a sequence whose holes are lost records).
fn sampling_fields(rec: &RawRecord<'_>, ev: &mut Event, out: &mut ChunkOut<'_>) {
    if let Some(r) = rec.get(Concept::SampleRate)
        && let Some(ppm) = rate_ppm(&r.value.text())
    {
        ev.rate = out.rate_index(ppm);
    }
    if ev.kind != Kind::AccessBegin {
        return;
    }
    // Read once by `normalize` when the id is a plain decimal below 2^31.
    let id = if ev.pair.0 & crate::event::NUMERIC_PAIR != 0 {
        Some(u64::from(ev.pair.0 & !crate::event::NUMERIC_PAIR))
    } else {
        rec.get(Concept::Pair).and_then(|p| {
            std::str::from_utf8(&p.value.text())
                .ok()?
                .parse::<u64>()
                .ok()
        })
    };
    if let Some(id) = id {
        out.note_pair_id(ev.scope, id);
    }
}

/// A goroutine dump logged inside a JSON string field (`runtime.Stack(buf,
/// true)` under `stack` or `stacktrace`): every line of it is the record's.
fn embedded_dump<'a>(
    value: &json::Value<'a>,
    line_no: u32,
    out: &mut ChunkOut<'a>,
    diags: &mut Vec<(u32, String)>,
) {
    let text = value.text();
    let Some(at) = memchr::memmem::find(&text, b"goroutine ") else {
        return;
    };
    let mut lines = Lines::new(&text[at..]);
    if !lines.peek().is_some_and(dump::starts_dump) {
        return;
    }
    let mut local = Vec::new();
    let mut d = dump::parse(
        &mut lines,
        &mut goruntime::Owning(&mut out.interner),
        &mut local,
    );
    d.line = line_no;
    d.end_line = line_no;
    for g in &mut d.goroutines {
        g.line = line_no;
    }
    diags.extend(
        local
            .into_iter()
            .map(|(_, m)| (line_no, format!("in the embedded dump: {m}"))),
    );
    if !d.goroutines.is_empty() {
        out.formats.insert(Formats::GO_DUMP);
        out.dumps.push(d);
    }
}

pub(crate) enum OpClass {
    Access(Op),
    Lock(Kind),
    /// `go`/`fork` or `join`, with the other goroutine in the child field.
    Thread(Kind),
    Other,
}

pub(crate) fn op_class(text: &[u8]) -> OpClass {
    let mut buf = [0u8; 16];
    if text.len() > buf.len() {
        return OpClass::Other;
    }
    let lower = &mut buf[..text.len()];
    lower.copy_from_slice(text);
    lower.make_ascii_lowercase();
    match &*lower {
        b"read" | b"get" | b"load" | b"lookup" => OpClass::Access(Op::Read),
        b"write" | b"set" | b"put" | b"store" | b"insert" | b"update" => OpClass::Access(Op::Write),
        b"delete" | b"del" | b"remove" => OpClass::Access(Op::Delete),
        b"range" | b"iterate" | b"iter" => OpClass::Access(Op::Range),
        b"clear" => OpClass::Access(Op::Clear),
        b"lock_wait" | b"wait" | b"lock wait" => OpClass::Lock(Kind::LockWait),
        b"lock_acquired" | b"acquire" | b"acquired" | b"lock" | b"lock acquired" => {
            OpClass::Lock(Kind::LockAcquired)
        }
        b"lock_released" | b"release" | b"unlock" | b"released" | b"lock released" => {
            OpClass::Lock(Kind::LockReleased)
        }
        b"go" | b"fork" => OpClass::Thread(Kind::Fork),
        b"join" => OpClass::Thread(Kind::Join),
        _ => OpClass::Other,
    }
}

/// A lock event told by its message alone: only the three messages of the
/// convention (a message `lock` says nothing about which event it is).
fn lock_message(msg: &[u8]) -> Option<Kind> {
    let m = msg.trim_ascii();
    if m.eq_ignore_ascii_case(b"lock wait") {
        Some(Kind::LockWait)
    } else if m.eq_ignore_ascii_case(b"lock acquired") {
        Some(Kind::LockAcquired)
    } else if m.eq_ignore_ascii_case(b"lock released") {
        Some(Kind::LockReleased)
    } else {
        None
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Begin,
    End,
    Single,
}

pub(crate) fn phase_word(word: &[u8]) -> Option<Phase> {
    let mut buf = [0u8; 8];
    if word.len() > buf.len() {
        return None;
    }
    let lower = &mut buf[..word.len()];
    lower.copy_from_slice(word);
    lower.make_ascii_lowercase();
    match &*lower {
        b"begin" | b"start" => Some(Phase::Begin),
        b"end" | b"done" | b"finish" => Some(Phase::End),
        _ => None,
    }
}

fn intern_value<'a>(interner: &mut Interner<'a>, v: Option<&json::Slot<'a>>) -> Sym {
    match v {
        None => Sym::NONE,
        Some(s) if s.value.is_null() => Sym::NONE,
        Some(s) => match s.value.text() {
            Cow::Borrowed(b) => interner.intern_borrowed(b),
            owned => interner.intern(owned),
        },
    }
}

fn time_of(rec: &RawRecord<'_>) -> Result<Option<i64>, String> {
    let (slot, ns) = match (rec.get(Concept::TimeNs), rec.get(Concept::Time)) {
        (Some(s), _) => (s, true),
        (None, Some(s)) => (s, s.ns),
        (None, None) => return Ok(None),
    };
    let text = slot.value.text();
    time::time_value_ns(&text, slot.value.is_string(), ns)
        .map(Some)
        .ok_or_else(|| format!("unreadable time {:?}", String::from_utf8_lossy(&text)))
}

/// Turns a record into an access or lock event, `None` for other records.
fn normalize<'a>(
    rec: &RawRecord<'a>,
    table: &FieldTable,
    interner: &mut Interner<'a>,
    scratch: &mut Vec<u8>,
    fallback_time: Option<i64>,
) -> Result<Option<Event>, String> {
    let op_text = rec.get(Concept::Op).map(|s| s.value.text());
    let class = op_text.as_deref().map_or(OpClass::Other, op_class);
    let msg = rec.get(Concept::Msg).map(|s| s.value.text());
    let (kind, op, object) = match class {
        OpClass::Lock(kind) if rec.get(Concept::Lock).is_some() => (kind, Op::Write, Concept::Lock),
        OpClass::Access(op) if rec.get(Concept::Object).is_some() => {
            let phase = match rec.get(Concept::Phase) {
                Some(p) => phase_word(&p.value.text()),
                None => msg
                    .as_deref()
                    .and_then(|m| m.rsplit(|&c| c == b' ').next())
                    .and_then(phase_word),
            };
            let kind = match phase.unwrap_or(Phase::Single) {
                Phase::Begin => Kind::AccessBegin,
                Phase::End => Kind::AccessEnd,
                Phase::Single => Kind::AccessSpan,
            };
            (kind, op, Concept::Object)
        }
        OpClass::Other if rec.get(Concept::Lock).is_some() => {
            match msg.as_deref().map(lock_message) {
                Some(Some(kind)) => (kind, Op::Write, Concept::Lock),
                _ if rec.get(Concept::Name).is_some() && rec.get(Concept::Op).is_none() => {
                    (Kind::Name, Op::Write, Concept::Lock)
                }
                _ => return Ok(None),
            }
        }
        OpClass::Thread(kind) if rec.get(Concept::Child).is_some() => {
            (kind, Op::Write, Concept::Child)
        }
        OpClass::Other
            if rec.get(Concept::Object).is_some()
                && rec.get(Concept::Name).is_some()
                && rec.get(Concept::Op).is_none() =>
        {
            (Kind::Name, Op::Write, Concept::Object)
        }
        _ => return Ok(None),
    };
    if kind == Kind::Name {
        return Ok(Some(Event {
            time: time_of(rec)
                .ok()
                .flatten()
                .or(fallback_time)
                .unwrap_or(i64::MIN),
            aux: 0,
            input: 0,
            line: 0,
            scope: scope_sym(rec, table, interner, scratch).0,
            actor: Sym::NONE,
            object: intern_value(interner, rec.get(object)),
            trace: Sym::NONE,
            key: intern_value(interner, rec.get(Concept::Name)),
            caller: Sym::NONE,
            pair: Sym::NONE,
            kind,
            op,
            mode: Mode::Exclusive,
            rate: 0,
        }));
    }
    let time = time_of(rec)?.or(fallback_time);
    let mut ev = Event {
        time: 0,
        aux: i64::MIN,
        input: 0,
        line: 0,
        scope: scope_sym(rec, table, interner, scratch).0,
        actor: intern_value(interner, rec.get(Concept::Actor)),
        object: intern_value(interner, rec.get(object)),
        trace: intern_value(interner, rec.get(Concept::Trace)),
        key: Sym::NONE,
        caller: intern_value(interner, rec.get(Concept::Caller)),
        pair: Sym::NONE,
        kind,
        op,
        mode: Mode::Exclusive,
        rate: 0,
    };
    match kind {
        Kind::AccessSpan => {
            ev.key = intern_value(interner, rec.get(Concept::Key));
            let start = match rec.get(Concept::Start) {
                Some(s) => Some(
                    time::time_value_ns(&s.value.text(), s.value.is_string(), s.ns)
                        .ok_or("unreadable start time")?,
                ),
                None => None,
            };
            let dur = match rec.get(Concept::Duration) {
                Some(s) => Some(
                    time::duration_value_ns(&s.value.text(), s.value.is_string(), s.ns)
                        .ok_or("unreadable duration")?,
                ),
                None => None,
            };
            let (s, e) = match (start, dur, time) {
                (Some(s), Some(d), _) => (s, s.saturating_add(d.max(0))),
                (Some(s), None, Some(t)) => (s, t.max(s)),
                (Some(s), None, None) => (s, s),
                (None, Some(d), Some(t)) => (t.saturating_sub(d.max(0)), t),
                (None, None, Some(t)) => (t, t),
                (None, _, None) => return Err("access record without a time".into()),
            };
            // A window sorts by its start: that is when it begins to matter.
            ev.time = s;
            ev.aux = e;
        }
        Kind::AccessBegin | Kind::AccessEnd => {
            ev.key = intern_value(interner, rec.get(Concept::Key));
            ev.pair = match rec.get(Concept::Pair) {
                Some(p) if !p.value.is_null() => crate::event::numeric_pair(&p.value.text())
                    .unwrap_or_else(|| intern_value(interner, Some(p))),
                _ => Sym::NONE,
            };
            ev.time = time.ok_or("access record without a time")?;
        }
        Kind::Name => {}
        Kind::Fork | Kind::Join => {
            ev.time = time.ok_or("fork or join record without a time")?;
        }
        Kind::LockWait | Kind::LockAcquired | Kind::LockReleased => {
            ev.time = time.ok_or("lock record without a time")?;
            ev.mode = match rec.get(Concept::Mode).map(|m| m.value.text()) {
                Some(m) if is_shared(&m) => Mode::Shared,
                _ => Mode::Exclusive,
            };
            if kind == Kind::LockAcquired
                && let Some(w) = rec.get(Concept::Waited)
                && let Some(waited) =
                    time::duration_value_ns(&w.value.text(), w.value.is_string(), w.ns)
            {
                ev.aux = ev.time.saturating_sub(waited.max(0));
            }
        }
    }
    Ok(Some(ev))
}

fn is_shared(mode: &[u8]) -> bool {
    mode.eq_ignore_ascii_case(b"r")
        || mode.eq_ignore_ascii_case(b"read")
        || mode.eq_ignore_ascii_case(b"shared")
}

/// The joined process fields (`pid=12 host=a`), `NONE` when the record has none.
fn scope_sym<'a>(
    rec: &RawRecord<'a>,
    table: &FieldTable,
    interner: &mut Interner<'a>,
    scratch: &mut Vec<u8>,
) -> Sym {
    if rec.scope.iter().all(Option::is_none) {
        return Sym::NONE;
    }
    scratch.clear();
    for (name, v) in table.scope_names.iter().zip(rec.scope.iter()) {
        if let Some(v) = v {
            if !scratch.is_empty() {
                scratch.push(b' ');
            }
            scratch.extend_from_slice(name.as_bytes());
            scratch.push(b'=');
            scratch.extend_from_slice(&v.text());
        }
    }
    match interner.get(scratch) {
        Some(s) => s,
        None => interner.intern(Cow::Owned(scratch.clone())),
    }
}
