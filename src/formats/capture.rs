//! Kernel captures of map operations: `racetrail record`'s files and plain
//! `perf script` text of the probes `racetrail probe` defines.
//!
//! ```text
//! capture    = header clock *probe *perf-event [end]
//! header     = "racetrail-capture" SP "v1" *(SP name "=" value)   ; binary go build_id group goid_offset probes [pid]
//! clock      = "racetrail-clock" *(SP name "=" value)             ; monotonic_ns realtime_ns uncertainty_ns
//! probe      = "racetrail-probe" SP uprobe-definition
//! end        = "racetrail-end" *(SP name "=" value)               ; events lost_chunks [stopped] perf_status [signal]
//! perf-event = *SP comm 1*SP pid ["/" tid] 1*SP "[" cpu "]" 1*SP secs "." frac ":"
//!              1*SP group ":" event ":" [1*SP "(" hex ")"] *(SP name "=" value)
//! event      = func "__entry" | func "__ret" 1*DIGIT                ; func: a runtime map function
//! ```
//!
//! `perf-event` is what `perf script --ns -F trace:comm,pid,tid,cpu,time,event,trace`
//! prints (without `pid` perf prints only the thread id: such events get the
//! input as their scope). An entry event carries `h=` (the map header) and
//! `goid=`; a return event `goid=`. An entry becomes an access begin and a
//! return an access end, paired by (function, goroutine): the replay closes
//! the innermost open entry of that function on that goroutine. Pairing by
//! goroutine rather than thread also holds when the goroutine blocks inside
//! the call (a GC assist in `mapassign`) and resumes on another thread. The actor is
//! the goroutine id, the object the map address as crash dumps print it, the
//! caller the runtime function, the scope `pid=N` like a log record's.
//!
//! perf's times are CLOCK_MONOTONIC; the clock line (both clocks read
//! together) turns them into wall-clock nanoseconds. A capture is parsed
//! whole, so its clock line applies to every event after it. Plain perf text
//! has no clock: its events keep the kernel's times and their input as their
//! scope (they cannot meet the logs on one time axis), which a warning says.
//!
//! Inside a capture every line must parse; outside one, only a line with
//! the whole `perf-event` shape is taken, and a perf event that is not one of
//! racetrail's map probes is an error (a capture of something else).

use std::borrow::Cow;

use super::{ChunkOut, Formats, Severity};
use crate::capture::{self, MapFunc};
use crate::event::{Event, Kind, Mode};
use crate::intern::Sym;

const HEADER: &[u8] = b"racetrail-capture";
const CLOCK: &[u8] = b"racetrail-clock";
const PROBE: &[u8] = b"racetrail-probe";
const END: &[u8] = b"racetrail-end";

/// True when the input starts with a capture header: it is then parsed as
/// one chunk, so that its clock line reaches every event.
pub fn starts_capture(bytes: &[u8]) -> bool {
    bytes.starts_with(HEADER)
}

/// A line this module parses when no capture is under way: a racetrail
/// capture line, or a whole `perf script` event line.
pub fn looks_like_capture(line: &[u8]) -> bool {
    // JSON records, the bulk of most inputs, are never capture lines.
    if line.first() == Some(&b'{') {
        return false;
    }
    keyword(line).is_some() || perf_event(line).is_ok()
}

fn keyword(line: &[u8]) -> Option<&'static [u8]> {
    [HEADER, CLOCK, PROBE, END].into_iter().find(|k| {
        line.strip_prefix(*k)
            .is_some_and(|rest| rest.is_empty() || rest[0] == b' ')
    })
}

/// A parsed `perf-event`, borrowing the line.
#[derive(Debug, PartialEq, Eq)]
pub struct PerfEvent<'a> {
    pub pid: Option<&'a [u8]>,
    pub tid: &'a [u8],
    /// `secs.frac` in nanoseconds.
    pub time_ns: i64,
    pub group: &'a [u8],
    pub event: &'a [u8],
    /// Offset of `args` in the line.
    pub args_at: usize,
    pub args: &'a [u8],
}

/// Where a line stopped parsing and what was expected there.
#[derive(Debug, PartialEq, Eq)]
pub struct Expected {
    pub offset: usize,
    pub what: &'static str,
}

fn expected(offset: usize, what: &'static str) -> Expected {
    Expected { offset, what }
}

fn digits_len(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

fn spaces_len(b: &[u8]) -> usize {
    b.iter().take_while(|&&c| c == b' ' || c == b'\t').count()
}

/// `pid ["/" tid]`.
fn pid_tid(tok: &[u8]) -> Option<(Option<&[u8]>, &[u8])> {
    let all_digits = |b: &[u8]| !b.is_empty() && b.iter().all(u8::is_ascii_digit);
    match tok.iter().position(|&c| c == b'/') {
        Some(at) if all_digits(&tok[..at]) && all_digits(&tok[at + 1..]) => {
            Some((Some(&tok[..at]), &tok[at + 1..]))
        }
        None if all_digits(tok) => Some((None, tok)),
        _ => None,
    }
}

/// `"[" cpu "]"` preceded by `pid ["/" tid]`: the start of the bracket and the
/// pid token's bounds. The comm before may hold spaces and brackets, so the
/// first bracket that fits is taken.
fn cpu_bracket(line: &[u8]) -> Option<(usize, usize, usize)> {
    let mut from = 0;
    while let Some(rel) = memchr::memchr(b'[', &line[from..]) {
        let open = from + rel;
        from = open + 1;
        let n = digits_len(&line[open + 1..]);
        if n == 0 || line.get(open + 1 + n) != Some(&b']') || open == 0 || line[open - 1] != b' ' {
            continue;
        }
        let head = line[..open].trim_ascii_end();
        let start = head
            .iter()
            .rposition(|&c| c == b' ' || c == b'\t')
            .map_or(0, |p| p + 1);
        if pid_tid(&head[start..]).is_some() {
            return Some((open, start, head.len()));
        }
    }
    None
}

/// `perf-event`.
pub fn perf_event(line: &[u8]) -> Result<PerfEvent<'_>, Expected> {
    let (open, pid_start, pid_end) =
        cpu_bracket(line).ok_or_else(|| expected(0, "`COMM PID/TID [CPU]` of a perf event"))?;
    let (pid, tid) = pid_tid(&line[pid_start..pid_end]).expect("checked by cpu_bracket");
    let close = open + 1 + digits_len(&line[open + 1..]);
    let mut at = close + 1;
    at += spaces_len(&line[at..]);
    let secs = digits_len(&line[at..]);
    if secs == 0 || line.get(at + secs) != Some(&b'.') {
        return Err(expected(at, "a time `SECONDS.NANOSECONDS:`"));
    }
    let frac_at = at + secs + 1;
    let frac = digits_len(&line[frac_at..]);
    if frac == 0 || frac > 9 || line.get(frac_at + frac) != Some(&b':') {
        return Err(expected(frac_at, "the fraction of a second and `:`"));
    }
    let secs_v: i64 = std::str::from_utf8(&line[at..at + secs])
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|&s: &i64| s < i64::MAX / 1_000_000_000)
        .ok_or_else(|| expected(at, "a time in range"))?;
    let mut frac_v: i64 = std::str::from_utf8(&line[frac_at..frac_at + frac])
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    for _ in frac..9 {
        frac_v *= 10;
    }
    at = frac_at + frac + 1;
    at += spaces_len(&line[at..]);
    let name_end = at
        + line[at..]
            .iter()
            .position(|&c| c == b' ' || c == b'\t')
            .unwrap_or(line.len() - at);
    let name = &line[at..name_end];
    let Some(name) = name.strip_suffix(b":") else {
        return Err(expected(name_end, "an event name `GROUP:EVENT:`"));
    };
    let Some(colon) = name.iter().position(|&c| c == b':') else {
        return Err(expected(at, "an event name `GROUP:EVENT:`"));
    };
    let (group, event) = (&name[..colon], &name[colon + 1..]);
    if group.is_empty() || event.is_empty() {
        return Err(expected(at, "an event name `GROUP:EVENT:`"));
    }
    let mut args_at = name_end + spaces_len(&line[name_end..]);
    // The probe address perf prints first: `(41020a)`.
    if line.get(args_at) == Some(&b'(')
        && let Some(close) = line[args_at..].iter().position(|&c| c == b')')
    {
        args_at += close + 1;
        args_at += spaces_len(&line[args_at..]);
    }
    Ok(PerfEvent {
        pid,
        tid,
        time_ns: secs_v * 1_000_000_000 + frac_v,
        group,
        event,
        args_at,
        args: &line[args_at..],
    })
}

/// A map probe's event: the function and whether it is the entry.
pub fn map_probe(event: &[u8]) -> Option<(&'static MapFunc, bool)> {
    let ev = std::str::from_utf8(event).ok()?;
    if let Some(f) = ev.strip_suffix("__entry") {
        return Some((capture::by_short_name(f)?, true));
    }
    let (f, n) = ev.rsplit_once("__ret")?;
    (!n.is_empty() && n.bytes().all(|c| c.is_ascii_digit())).then_some(())?;
    Some((capture::by_short_name(f)?, false))
}

/// The value of `name=` in `args` and its offset there.
fn arg<'a>(args: &'a [u8], name: &[u8]) -> Option<(&'a [u8], usize)> {
    let mut at = 0;
    for tok in args.split(|&c| c == b' ') {
        if let Some(v) = tok.strip_prefix(name).and_then(|t| t.strip_prefix(b"="))
            && !v.is_empty()
        {
            return Some((v, at + name.len() + 1));
        }
        at += tok.len() + 1;
    }
    None
}

/// `name=value` of a racetrail line, parsed as an integer.
fn field_int(line: &[u8], name: &[u8]) -> Option<i64> {
    let (v, _) = arg(line, name)?;
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// The capture being read in one chunk.
#[derive(Debug, Default)]
pub struct CaptureState<'a> {
    /// A header was read: every later line is a capture line.
    header: bool,
    /// The probe group the header names.
    group: Option<&'a [u8]>,
    /// Wall-clock minus monotonic, from the clock line.
    offset: Option<i64>,
    end: bool,
    events: u64,
    /// The first event line, and the last line read.
    first_event: u32,
    last_line: u32,
    scratch: Vec<u8>,
}

impl<'a> CaptureState<'a> {
    /// True while inside a capture (after its header).
    pub fn active(&self) -> bool {
        self.header
    }

    /// Parses one capture line into `out`.
    pub(super) fn line(
        &mut self,
        line: &'a [u8],
        line_no: u32,
        input: u32,
        out: &mut ChunkOut<'a>,
        max_diags: usize,
    ) {
        self.last_line = line_no;
        if line.trim_ascii().is_empty() {
            out.context += 1;
            return;
        }
        let err = |out: &mut ChunkOut<'a>, col: usize, msg: String| {
            out.diag(max_diags, line_no, col as u32 + 1, Severity::Error, msg);
        };
        match keyword(line) {
            Some(HEADER) => {
                let version = line[HEADER.len()..].trim_ascii_start();
                if !version.starts_with(b"v1") {
                    let at = line.len() - version.len();
                    return err(out, at, "unsupported capture version: expected `v1`".into());
                }
                if self.header {
                    self.end = false;
                }
                self.header = true;
                self.group = arg(line, b"group").map(|(g, _)| g);
                out.context += 1;
                out.formats.insert(Formats::CAPTURE);
            }
            Some(CLOCK) => {
                match (
                    field_int(line, b"monotonic_ns"),
                    field_int(line, b"realtime_ns"),
                ) {
                    (Some(m), Some(r)) => {
                        self.offset = Some(r.saturating_sub(m));
                        out.context += 1;
                    }
                    _ => err(
                        out,
                        CLOCK.len(),
                        "invalid clock line: expected `monotonic_ns=N realtime_ns=N`".into(),
                    ),
                }
            }
            Some(PROBE) => out.context += 1,
            Some(_) => {
                self.end = true;
                out.context += 1;
                if let Some(lost) = field_int(line, b"lost_chunks").filter(|&l| l > 0) {
                    out.diag(
                        max_diags,
                        line_no,
                        1,
                        Severity::Warning,
                        format!(
                            "perf lost {lost} chunks of events while recording: some windows \
                             are missing or never closed, so kernel findings are a lower bound"
                        ),
                    );
                }
            }
            None => self.event(line, line_no, input, out, max_diags),
        }
    }

    fn event(
        &mut self,
        line: &'a [u8],
        line_no: u32,
        input: u32,
        out: &mut ChunkOut<'a>,
        max_diags: usize,
    ) {
        let mut err = |col: usize, msg: String| {
            out.diag(max_diags, line_no, col as u32 + 1, Severity::Error, msg);
        };
        let pe = match perf_event(line) {
            Ok(pe) => pe,
            Err(e) => {
                let cut = if e.offset >= line.len() {
                    " (the line is cut short)"
                } else {
                    ""
                };
                return err(
                    e.offset,
                    format!("invalid capture line: expected {}{cut}", e.what),
                );
            }
        };
        let name_at = pe.args_at.min(line.len());
        let Some((func, entry)) = map_probe(pe.event) else {
            return err(
                0,
                format!(
                    "perf event `{}:{}` is not a racetrail map probe (a capture of another \
                     binary or tool?)",
                    String::from_utf8_lossy(pe.group),
                    String::from_utf8_lossy(pe.event)
                ),
            );
        };
        if let Some(g) = self.group
            && g != pe.group
        {
            return err(
                0,
                format!(
                    "event of probe group `{}` in a capture of group `{}` (another run or \
                     binary)",
                    String::from_utf8_lossy(pe.group),
                    String::from_utf8_lossy(g)
                ),
            );
        }
        let Some((goid, _)) =
            arg(pe.args, b"goid").filter(|(g, _)| g.iter().all(u8::is_ascii_digit))
        else {
            return err(name_at, "expected `goid=N` (the goroutine id)".into());
        };
        let map = if entry {
            match arg(pe.args, b"h") {
                Some((h, _))
                    if h.starts_with(b"0x") && h[2..].iter().all(u8::is_ascii_hexdigit) =>
                {
                    Some(h)
                }
                _ => return err(name_at, "expected `h=0x…` (the map header address)".into()),
            }
        } else {
            None
        };
        let time = match self.offset {
            Some(off) => pe.time_ns.saturating_add(off),
            None => pe.time_ns,
        };
        let interner = &mut out.interner;
        // Without the clock, times do not compare with the logs': the events
        // then stay in their input's scope, apart from the process's logs.
        let scope = match pe.pid.filter(|_| self.offset.is_some()) {
            Some(pid) => {
                self.scratch.clear();
                self.scratch.extend_from_slice(b"pid=");
                self.scratch.extend_from_slice(pid);
                owned_sym(interner, &self.scratch)
            }
            None => Sym::NONE,
        };
        // Pairs an entry with the return of the same function on the same goroutine.
        self.scratch.clear();
        self.scratch.extend_from_slice(func.short().as_bytes());
        self.scratch.push(b'@');
        self.scratch.extend_from_slice(goid);
        let pair = owned_sym(interner, &self.scratch);
        let ev = Event {
            time,
            aux: i64::MIN,
            input,
            line: line_no,
            scope: scope.0,
            actor: interner.intern_borrowed(goid),
            object: map.map_or(Sym::NONE, |m| interner.intern_borrowed(m)),
            trace: Sym::NONE,
            key: Sym::NONE,
            caller: interner.intern_borrowed(func.name.as_bytes()),
            pair,
            kind: if entry {
                Kind::AccessBegin
            } else {
                Kind::AccessEnd
            },
            op: func.op,
            mode: Mode::Exclusive,
            rate: 0,
        };
        if !scope.is_none() && !out.scope_syms.contains(&scope) {
            out.scope_syms.push(scope);
        }
        out.events.push(ev);
        out.records += 1;
        out.formats.insert(if self.header {
            Formats::CAPTURE
        } else {
            Formats::PERF
        });
        self.events += 1;
        if self.first_event == 0 {
            self.first_event = line_no;
        }
    }

    /// Problems only the whole chunk shows: no clock, no end line.
    pub(super) fn finish(&self, out: &mut ChunkOut<'a>, max_diags: usize) {
        if self.events > 0 && self.offset.is_none() {
            out.diag(
                max_diags,
                self.first_event,
                1,
                Severity::Warning,
                "perf event times are the kernel's monotonic clock, not wall-clock time: with no \
                 racetrail-clock line they cannot be lined up with the logs, so these events stay \
                 in this input's scope (racetrail record writes the clock line)"
                    .into(),
            );
        }
        if self.header && !self.end {
            out.diag(
                max_diags,
                self.last_line,
                1,
                Severity::Warning,
                "the capture has no racetrail-end line: it was cut short (racetrail record \
                 killed, or the file truncated)"
                    .into(),
            );
        }
    }
}

fn owned_sym<'a>(interner: &mut crate::intern::Interner<'a>, text: &[u8]) -> Sym {
    match interner.get(text) {
        Some(s) => s,
        None => interner.intern(Cow::Owned(text.to_vec())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &[u8] = b"           kmaps 18340/18342 [001]   625.729610265: \
        racetrail_7:mapassign_faststr__entry: (41020a) h=0xc00008c000 goid=18";

    #[test]
    fn a_perf_entry_event() {
        let pe = perf_event(ENTRY).unwrap();
        assert_eq!(pe.pid, Some(&b"18340"[..]));
        assert_eq!(pe.tid, b"18342");
        assert_eq!(pe.time_ns, 625_729_610_265);
        assert_eq!(pe.group, b"racetrail_7");
        assert_eq!(pe.event, b"mapassign_faststr__entry");
        assert_eq!(pe.args, b"h=0xc00008c000 goid=18");
        assert_eq!(arg(pe.args, b"goid"), Some((&b"18"[..], 20)));
        let (f, entry) = map_probe(pe.event).unwrap();
        assert_eq!((f.name, entry), ("runtime.mapassign_faststr", true));
    }

    #[test]
    fn comm_with_spaces_and_brackets_and_no_pid() {
        let pe = perf_event(b"my [2] prog 77 [000] 1.5: g:mapclear__ret3: (4010) goid=1").unwrap();
        assert_eq!((pe.pid, pe.tid), (None, &b"77"[..]));
        assert_eq!(pe.time_ns, 1_500_000_000);
        assert_eq!(
            map_probe(pe.event).map(|(f, e)| (f.name, e)),
            Some(("runtime.mapclear", false))
        );
    }

    #[test]
    fn cut_lines_say_where() {
        let at = memchr::memmem::find(ENTRY, b"9610265").unwrap();
        let e = perf_event(&ENTRY[..at]).unwrap_err();
        assert_eq!(e.what, "the fraction of a second and `:`");
        let at = memchr::memmem::find(ENTRY, b"__entry").unwrap();
        let e = perf_event(&ENTRY[..at]).unwrap_err();
        assert_eq!((e.what, e.offset), ("an event name `GROUP:EVENT:`", at));
        assert!(perf_event(b"{\"ts\":1}").is_err());
        assert!(!looks_like_capture(b"2024-01-01 12:00:00 [12] started"));
        assert!(looks_like_capture(ENTRY));
        assert!(looks_like_capture(b"racetrail-end events=0"));
        assert!(!looks_like_capture(b"racetrail-endless"));
    }

    #[test]
    fn map_probe_names() {
        assert!(map_probe(b"mapaccess1_fast64__ret12").is_some());
        assert!(map_probe(b"mapaccess1_fast64__ret").is_none());
        assert!(map_probe(b"sched_switch").is_none());
        assert!(map_probe(b"growWork__entry").is_none());
    }
}
