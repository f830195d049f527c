//! The STD trace format of the predictive race-analysis literature, as
//! RAPID reads and writes it (`focs-lab/rapid`, `src/parse/std/Parse.java`
//! and `Event::toStandardFormat`): one event per line, three fields split
//! at `|`.
//!
//! ```text
//! trace     = *( line LF )          ; the last line may lack its LF; a CR before LF is dropped
//! line      = blank | event
//! blank     = *( SP | HTAB )        ; skipped, but counted as a line
//! event     = thread "|" op "|" loc *( SP | HTAB )
//! thread    = 1*( any byte but "|" )
//! op        = access | lock | thread_op | txn
//! access    = ( "r" | "w" ) "(" decor ")"
//! lock      = ( "acq" | "rel" ) "(" decor ")"
//! thread_op = ( "fork" | "join" ) "(" decor ")"        ; decor names a thread
//! txn       = ( "begin" | "end" ) [ "(" *( any byte but "|" ) ")" ]
//! decor     = 1*( any byte but "|" and white space )   ; runs to the field's last ")"
//! loc       = 1*DIGIT               ; a location id, at most 4294967295
//! ```
//!
//! RAPID writes `T0|begin|12` (no parentheses) and reads any op field that
//! starts with `begin`/`end`; both `begin` and `begin(...)` are accepted
//! here. The operand keeps what RAPID's `[^\s]+` keeps, brackets and dots
//! included: `w(V234.23[0])` writes the variable `V234.23[0]`. Stricter
//! than RAPID: an op that only starts with `begin`/`end` (`beginx`) and a
//! negative location (RAPID's `Integer.parseInt` takes `-1`) are
//! diagnostics; looser: blanks may follow the location.
//!
//! Names become dense ids in three spaces: threads (the acting thread and
//! every fork/join operand), variables (`r`/`w` operands) and locks
//! (`acq`/`rel` operands), each numbered from 0 in order of first
//! appearance. A malformed line is a diagnostic at its 1-based byte column
//! and is otherwise skipped; it never stops the parse.

use memchr::memchr_iter;
use nom::bytes::complete::{tag, take_till, take_till1};
use nom::character::complete::{alpha1, digit1, space0};
use nom::combinator::eof;
use nom::error::{ContextError, ErrorKind, ParseError, context};
use nom::{IResult, Parser};
use rustc_hash::FxHashMap;

/// Diagnostics kept in [`StdTrace::diagnostics`]; all are counted.
pub const MAX_DIAGNOSTICS: usize = 100;

/// The `target` of `begin`/`end`, which have no operand.
pub const NO_TARGET: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum StdOp {
    Read,
    Write,
    Acquire,
    Release,
    Fork,
    Join,
    Begin,
    End,
}

impl StdOp {
    /// The op as the format writes it.
    pub fn name(self) -> &'static str {
        match self {
            StdOp::Read => "r",
            StdOp::Write => "w",
            StdOp::Acquire => "acq",
            StdOp::Release => "rel",
            StdOp::Fork => "fork",
            StdOp::Join => "join",
            StdOp::Begin => "begin",
            StdOp::End => "end",
        }
    }

    pub fn is_access(self) -> bool {
        matches!(self, StdOp::Read | StdOp::Write)
    }
}

/// One event. `thread` is a thread id; `target` is a variable id for
/// `Read`/`Write`, a lock id for `Acquire`/`Release`, a thread id for
/// `Fork`/`Join` and [`NO_TARGET`] for `Begin`/`End`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StdEvent {
    pub thread: u32,
    pub op: StdOp,
    pub target: u32,
    pub loc: u32,
    /// 1-based line of the input.
    pub line: u32,
}

/// A parsed trace: events in input order and the names behind the ids.
#[derive(Clone, Debug, Default)]
pub struct StdTrace {
    pub events: Vec<StdEvent>,
    /// Thread names by thread id.
    pub threads: Vec<String>,
    /// Variable names by variable id.
    pub variables: Vec<String>,
    /// Lock names by lock id.
    pub locks: Vec<String>,
    /// (line, 1-based byte column, message), the first [`MAX_DIAGNOSTICS`].
    pub diagnostics: Vec<(u32, u32, String)>,
    /// Malformed lines, all of them (each skipped).
    pub malformed: u64,
    /// Lines in the input, blank ones included.
    pub lines: u32,
}

/// An event as written, borrowing the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawEvent<'a> {
    pub thread: &'a [u8],
    pub op: StdOp,
    /// Empty for `begin`/`end`.
    pub operand: &'a [u8],
    pub loc: u32,
}

/// Where a line stops matching the grammar, and what was expected there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Expected<'a> {
    /// The input from the failing position on.
    pub at: &'a [u8],
    pub what: &'static str,
}

impl<'a> ParseError<&'a [u8]> for Expected<'a> {
    fn from_error_kind(input: &'a [u8], _: ErrorKind) -> Self {
        Expected {
            at: input,
            what: "",
        }
    }

    fn append(_: &'a [u8], _: ErrorKind, other: Self) -> Self {
        other
    }
}

impl<'a> ContextError<&'a [u8]> for Expected<'a> {
    /// The innermost context names the failure best.
    fn add_context(_: &'a [u8], ctx: &'static str, mut other: Self) -> Self {
        if other.what.is_empty() {
            other.what = ctx;
        }
        other
    }
}

type PResult<'a, T> = IResult<&'a [u8], T, Expected<'a>>;

fn fail<'a, T>(at: &'a [u8], what: &'static str) -> PResult<'a, T> {
    Err(nom::Err::Error(Expected { at, what }))
}

const OPS: &str = "an operation: r, w, acq, rel, fork, join, begin or end";

/// `thread`: `T0` in `T0|r(V1)|12`.
fn thread(i: &[u8]) -> PResult<'_, &[u8]> {
    context("a thread name", take_till1(|c| c == b'|')).parse(i)
}

/// `decor`: `V1)` after `r(`; the operand runs to the field's last `)`.
fn decor(i: &[u8]) -> PResult<'_, &[u8]> {
    let Some(inner) = i.strip_suffix(b")") else {
        return fail(&i[i.len()..], "`)` closing the operand");
    };
    if inner.is_empty() {
        return fail(i, "an operand name");
    }
    if let Some(p) = inner.iter().position(u8::is_ascii_whitespace) {
        return fail(&inner[p..], "an operand without white space");
    }
    Ok((&i[i.len()..], inner))
}

/// `txn` after its keyword: nothing, or `(...)` to the end of the field.
fn txn_rest(i: &[u8]) -> PResult<'_, ()> {
    if i.is_empty() || (i[0] == b'(' && i.ends_with(b")") && i.len() >= 2) {
        return Ok((&i[i.len()..], ()));
    }
    if i[0] == b'(' {
        return fail(&i[i.len()..], "`)` closing the operand");
    }
    fail(i, "`(` or `|` after the operation")
}

/// `op`: the whole field between the bars, `r(V1)` or `begin`.
fn op(field: &[u8]) -> PResult<'_, (StdOp, &[u8])> {
    let (rest, word) = context(OPS, alpha1).parse(field)?;
    let kind = match word {
        b"r" => StdOp::Read,
        b"w" => StdOp::Write,
        b"acq" => StdOp::Acquire,
        b"rel" => StdOp::Release,
        b"fork" => StdOp::Fork,
        b"join" => StdOp::Join,
        b"begin" | b"end" => {
            let kind = if word == b"begin" {
                StdOp::Begin
            } else {
                StdOp::End
            };
            let (rest, ()) = txn_rest(rest)?;
            return Ok((rest, (kind, &[][..])));
        }
        _ => return fail(field, OPS),
    };
    let (rest, _) = context("`(` after the operation", tag("(")).parse(rest)?;
    let (rest, operand) = decor(rest)?;
    Ok((rest, (kind, operand)))
}

/// `loc`: `12`, a u32.
fn loc(i: &[u8]) -> PResult<'_, u32> {
    let (rest, digits) = context("a location id (decimal digits)", digit1).parse(i)?;
    let mut v: u32 = 0;
    for &d in digits {
        match v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u32::from(d - b'0')))
        {
            Some(n) => v = n,
            None => return fail(digits, "a location id of at most 4294967295"),
        }
    }
    Ok((rest, v))
}

/// `event`: one whole line without its terminator, `T0|r(V1)|12`.
pub fn event(line: &[u8]) -> PResult<'_, RawEvent<'_>> {
    let (i, thread) = thread(line)?;
    let (i, _) = context("`|` after the thread name", tag("|")).parse(i)?;
    let (i, field) = take_till(|c| c == b'|').parse(i)?;
    let (_, (op, operand)) = op(field)?;
    let (i, _) = context("`|` before the location id", tag("|")).parse(i)?;
    let (i, loc) = loc(i)?;
    let (i, _) = space0(i)?;
    let (i, _) = context("the end of the line after the location id", eof).parse(i)?;
    Ok((
        i,
        RawEvent {
            thread,
            op,
            operand,
            loc,
        },
    ))
}

/// Format detection: the line (without its terminator) is an STD event,
/// `T..|op(..)|digits`.
pub fn looks_like_std(line: &[u8]) -> bool {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    event(line).is_ok()
}

/// Names to dense ids in order of first appearance, borrowing the input.
/// Short names are looked up by value, packed in a `u128`, so a lookup does
/// not chase a pointer back into the input (a cache miss per event on
/// traces with many variables).
#[derive(Default)]
struct Names<'a> {
    short: FxHashMap<u128, u32>,
    long: FxHashMap<&'a [u8], u32>,
    names: Vec<&'a [u8]>,
}

/// The bytes of a name of at most 15 bytes, and its length in the last byte.
#[inline]
fn packed(name: &[u8]) -> Option<u128> {
    if name.len() > 15 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..name.len()].copy_from_slice(name);
    buf[15] = name.len() as u8;
    Some(u128::from_le_bytes(buf))
}

impl<'a> Names<'a> {
    #[inline]
    fn id(&mut self, name: &'a [u8]) -> u32 {
        let next = self.names.len() as u32;
        let id = match packed(name) {
            Some(key) => *self.short.entry(key).or_insert(next),
            None => *self.long.entry(name).or_insert(next),
        };
        if id == next {
            self.names.push(name);
        }
        id
    }

    fn into_strings(self) -> Vec<String> {
        self.names
            .into_iter()
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .collect()
    }
}

/// What one chunk of whole lines parses to; ids and lines are chunk-local.
#[derive(Default)]
struct Chunk<'a> {
    /// Events written to the front of the chunk's slice.
    events: usize,
    threads: Names<'a>,
    variables: Names<'a>,
    locks: Names<'a>,
    diagnostics: Vec<(u32, u32, String)>,
    malformed: u64,
    lines: u32,
}

/// The lines of `data`, a last one without its LF included.
fn line_count(data: &[u8]) -> usize {
    memchr_iter(b'\n', data).count() + usize::from(data.last().is_some_and(|&c| c != b'\n'))
}

/// Parses `data` into `slots`, which has room for one event per line.
fn parse_chunk<'a>(data: &'a [u8], slots: &mut [StdEvent]) -> Chunk<'a> {
    let mut out = Chunk::default();
    // Consecutive events of one thread are common: skip the hash lookup.
    let mut last_thread: (&[u8], u32) = (&[], 0);
    let mut line_no: u32 = 0;
    let mut start = 0;
    // A last line without its LF ends at the end of the data.
    let tail = data.last().is_some_and(|&c| c != b'\n');
    let ends = memchr_iter(b'\n', data).chain(tail.then_some(data.len()));
    for end in ends {
        let mut line = &data[start..end];
        start = end + 1;
        line_no += 1;
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        let err = match event(line) {
            Ok((_, raw)) => {
                let thread = if raw.thread == last_thread.0 && !last_thread.0.is_empty() {
                    last_thread.1
                } else {
                    let id = out.threads.id(raw.thread);
                    last_thread = (raw.thread, id);
                    id
                };
                let target = match raw.op {
                    StdOp::Read | StdOp::Write => out.variables.id(raw.operand),
                    StdOp::Acquire | StdOp::Release => out.locks.id(raw.operand),
                    StdOp::Fork | StdOp::Join => out.threads.id(raw.operand),
                    StdOp::Begin | StdOp::End => NO_TARGET,
                };
                slots[out.events] = StdEvent {
                    thread,
                    op: raw.op,
                    target,
                    loc: raw.loc,
                    line: line_no,
                };
                out.events += 1;
                continue;
            }
            Err(_) if line.iter().all(|&c| c == b' ' || c == b'\t') => continue,
            Err(nom::Err::Error(e) | nom::Err::Failure(e)) => e,
            // complete parsers never ask for more
            Err(nom::Err::Incomplete(_)) => Expected {
                at: &line[line.len()..],
                what: "",
            },
        };
        out.malformed += 1;
        if out.diagnostics.len() < MAX_DIAGNOSTICS {
            let offset = (err.at.as_ptr() as usize).wrapping_sub(line.as_ptr() as usize);
            let col = offset.min(line.len()) as u32 + 1;
            let what = if err.what.is_empty() { OPS } else { err.what };
            out.diagnostics
                .push((line_no, col, format!("expected {what}")));
        }
    }
    out.lines = line_no;
    out
}

/// The global ids of a chunk's names, adding the new ones.
fn remap<'a>(global: &mut Names<'a>, local: &Names<'a>) -> Vec<u32> {
    local.names.iter().map(|n| global.id(n)).collect()
}

/// How a chunk's ids and lines become global.
struct Remap {
    threads: Vec<u32>,
    variables: Vec<u32>,
    locks: Vec<u32>,
    line_base: u32,
}

impl Remap {
    fn apply(&self, events: &mut [StdEvent]) {
        for e in events {
            e.thread = self.threads[e.thread as usize];
            e.target = match e.op {
                StdOp::Read | StdOp::Write => self.variables[e.target as usize],
                StdOp::Acquire | StdOp::Release => self.locks[e.target as usize],
                StdOp::Fork | StdOp::Join => self.threads[e.target as usize],
                StdOp::Begin | StdOp::End => NO_TARGET,
            };
            e.line += self.line_base;
        }
    }
}

/// Inputs at least this large are parsed in chunks in parallel.
const PARALLEL_BYTES: usize = 4 << 20;

/// Splits `data` into about `n` pieces of whole lines.
fn split_lines(data: &[u8], n: usize) -> Vec<&[u8]> {
    let mut pieces = Vec::with_capacity(n);
    let step = data.len() / n.max(1) + 1;
    let mut start = 0;
    while start < data.len() {
        let from = (start + step).min(data.len());
        let end = match memchr::memchr(b'\n', &data[from..]) {
            Some(k) => from + k + 1,
            None => data.len(),
        };
        pieces.push(&data[start..end]);
        start = end;
    }
    pieces
}

/// Parses a whole STD trace. Never fails: malformed lines become
/// diagnostics. Large inputs are split at line boundaries and the pieces
/// parsed in parallel (rayon) straight into the final event vector; the
/// result is that of a sequential parse (ids in order of first appearance,
/// events in input order).
pub fn parse(data: &[u8]) -> StdTrace {
    use rayon::prelude::*;

    let workers = rayon::current_num_threads();
    let pieces = if data.len() < PARALLEL_BYTES || workers < 2 {
        vec![data]
    } else {
        split_lines(data, workers * 2)
    };
    let sizes: Vec<usize> = pieces.par_iter().map(|p| line_count(p)).collect();
    // One slot per line, each piece's events packed at the front of its
    // range, then the ranges closed up: no second copy of the events.
    let blank = StdEvent {
        thread: 0,
        op: StdOp::Begin,
        target: NO_TARGET,
        loc: 0,
        line: 0,
    };
    let mut events = vec![blank; sizes.iter().sum()];
    let mut chunks: Vec<Chunk<'_>> = pieces
        .into_par_iter()
        .zip(split_sizes(&mut events, &sizes))
        .map(|(piece, slots)| parse_chunk(piece, slots))
        .collect();
    let mut first = if chunks.is_empty() {
        Chunk::default()
    } else {
        chunks.remove(0)
    };
    // Chunk 0's ids are the global ones; later chunks' ids are renumbered,
    // their new names appended in their order of first appearance.
    let mut lines = first.lines;
    let mut plans = Vec::with_capacity(chunks.len());
    for c in &chunks {
        plans.push(Remap {
            threads: remap(&mut first.threads, &c.threads),
            variables: remap(&mut first.variables, &c.variables),
            locks: remap(&mut first.locks, &c.locks),
            line_base: lines,
        });
        lines += c.lines;
    }
    split_sizes(&mut events, &sizes)
        .into_par_iter()
        .skip(1)
        .zip(chunks.par_iter().zip(&plans))
        .for_each(|(slots, (c, plan))| plan.apply(&mut slots[..c.events]));
    let mut len = first.events;
    let mut from = sizes.first().copied().unwrap_or(0);
    for ((c, plan), size) in chunks.into_iter().zip(&plans).zip(sizes.iter().skip(1)) {
        events.copy_within(from..from + c.events, len);
        len += c.events;
        from += size;
        first.malformed += c.malformed;
        for (line, col, msg) in c.diagnostics {
            if first.diagnostics.len() < MAX_DIAGNOSTICS {
                first.diagnostics.push((line + plan.line_base, col, msg));
            }
        }
    }
    events.truncate(len);
    if events.capacity() > 2 * len + 1024 {
        events.shrink_to_fit();
    }
    StdTrace {
        events,
        threads: first.threads.into_strings(),
        variables: first.variables.into_strings(),
        locks: first.locks.into_strings(),
        diagnostics: first.diagnostics,
        malformed: first.malformed,
        lines,
    }
}

/// `slots` cut into consecutive ranges of the given sizes.
fn split_sizes<'s>(mut slots: &'s mut [StdEvent], sizes: &[usize]) -> Vec<&'s mut [StdEvent]> {
    let mut out = Vec::with_capacity(sizes.len());
    for &n in sizes {
        let (head, tail) = std::mem::take(&mut slots).split_at_mut(n);
        out.push(head);
        slots = tail;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn productions() {
        let (_, e) = event(b"T0|w(V234.23[0])|456").unwrap();
        assert_eq!(
            e,
            RawEvent {
                thread: b"T0",
                op: StdOp::Write,
                operand: b"V234.23[0]",
                loc: 456
            }
        );
        assert_eq!(event(b"T2|begin|9").unwrap().1.op, StdOp::Begin);
        assert_eq!(event(b"T2|end()|9").unwrap().1.op, StdOp::End);
        assert_eq!(event(b"T2|w(f(x))|9").unwrap().1.operand, b"f(x)");
        assert!(event(b"T2|x(V)|9").is_err());
        assert!(event(b"T2|r(V)|4294967296").is_err());
        assert_eq!(event(b"T2|r(V)|4294967295").unwrap().1.loc, u32::MAX);
    }
}
