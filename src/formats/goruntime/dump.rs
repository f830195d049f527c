//! Crash and goroutine dumps.
//!
//! ```text
//! dump      = *message *( blank | goroutine | registers | "runtime stack:" frames )
//! message   = "fatal error: " TEXT | "panic: " TEXT | WS "panic: " TEXT   ; nested panic
//!           | "unexpected fault address " … | "[signal " … "]" | SIG ": " TEXT | "PC=0x" …
//! goroutine = header NL ( "goroutine running on other thread; stack unavailable"
//!                       | *( func_line [ file_line ] | elided ) [ created_by file_line ] )
//! header    = "goroutine " N [ " gp=0x" HEX " m=" ( N | "nil" ) [ " mp=0x" HEX ] ]
//!             " [" STATE *( ", " N " minutes" | ", locked to thread" | ", " WORD ) "]:"
//! ```
//!
//! The block ends at the first line that is none of these (a log record,
//! `exit status 2`, …), which is left to the caller.
//!
//! Dumps as people keep them parse like the original:
//!
//! - *Indented as a whole* (a test framework's failure message, a `> `
//!   quote): the white space and `>` marks before the first line, when the
//!   rest of it starts a dump, are the block's [`Indent`]; every line of the
//!   block carries it (a blank line may carry less) and loses it before
//!   parsing. It is found once per block, from its first line. An indented
//!   message opens a dump only when a goroutine follows ([`starts_dump_at`]).
//! - *Spaces for the tab* before `file_line` (pasted into an issue or a chat:
//!   tabs expanded, or collapsed to one space): a line led by spaces
//!   continues the dump when it is a `file_line`, a nested `panic: ` or the
//!   `stack unavailable` line; tab-led lines continue it as before.
//! - CRLF line ends are dropped (by [`Lines`]); a line of only white space
//!   is blank.
//! - *Appended crashes* (two processes' stderr in one supervisor log): a
//!   `fatal error: `, `panic: `, `unexpected fault address` or signal line
//!   after the dump has listed a goroutine ends the dump, and the caller
//!   starts a new one there, so goroutine ids are never merged across
//!   processes. Not after a `-----` section separator (the per-thread
//!   sections of one GOTRACEBACK=crash dump each repeat `SIGQUIT: quit`),
//!   and not when a frame line follows: a second thread of the same process
//!   printing its own `fatal error:` into the middle of the first one's
//!   list. (Such a line landing exactly between two goroutines cannot be
//!   told from an appended crash; the runtime prints it first in practice.)

use nom::bytes::complete::{tag, take_until, take_while1};
use nom::character::complete::digit1;
use nom::combinator::{all_consuming, opt};
use nom::sequence::preceded;
use nom::{IResult, Parser};

use super::{Frame, Intern, created_by, file_line, func_line, is_elided, is_map_func};
use crate::formats::lines::Lines;
use crate::intern::Sym;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Goroutine {
    pub id: u64,
    /// `chan receive`, `running`, `semacquire`, …
    pub state: Sym,
    pub wait_minutes: u32,
    pub locked: bool,
    pub frames: Vec<Frame>,
    pub created_by: Option<Frame>,
    /// The creating goroutine (`created by … in goroutine N`, Go 1.21+).
    pub parent: Option<u64>,
    pub elided: bool,
    /// `goroutine running on other thread; stack unavailable`.
    pub unavailable: bool,
    /// The header's line.
    pub line: u32,
}

/// One dump: the runtime's messages and every goroutine it listed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Dump {
    pub line: u32,
    pub end_line: u32,
    /// `fatal error: …`, `panic: …`, `[signal …]`, `SIGQUIT: quit`, as printed.
    pub messages: Vec<String>,
    pub goroutines: Vec<Goroutine>,
}

impl Dump {
    /// A crash: the runtime said why it stopped.
    pub fn is_crash(&self) -> bool {
        !self.messages.is_empty()
    }

    pub fn remap(&mut self, map: &impl Fn(Sym) -> Sym, line: &impl Fn(u32) -> u32) {
        self.line = line(self.line);
        self.end_line = line(self.end_line);
        for g in &mut self.goroutines {
            g.state = map(g.state);
            g.line = line(g.line);
            g.frames.iter_mut().for_each(|f| f.remap(map));
            if let Some(c) = &mut g.created_by {
                c.remap(map);
            }
        }
    }
}

/// Parsed `header`.
#[derive(Debug, PartialEq, Eq)]
pub struct Header<'b> {
    pub id: u64,
    pub state: &'b str,
    pub wait_minutes: u32,
    pub locked: bool,
}

fn header_p(input: &str) -> IResult<&str, (&str, &str)> {
    all_consuming((
        preceded(tag("goroutine "), digit1),
        opt(preceded(tag(" "), take_until(" ["))),
        preceded(tag(" ["), take_until("]:")),
        tag("]:"),
    ))
    .map(|(id, _, state, _)| (id, state))
    .parse(input)
}

/// `header`.
pub fn header(line: &[u8]) -> Option<Header<'_>> {
    let text = std::str::from_utf8(line).ok()?.trim_end();
    let (_, (id, status)) = header_p(text).ok()?;
    let mut parts = status.split(", ");
    let state = parts.next().filter(|s| !s.is_empty())?;
    let mut h = Header {
        id: id.parse().ok()?,
        state,
        wait_minutes: 0,
        locked: false,
    };
    for p in parts {
        if p == "locked to thread" {
            h.locked = true;
        } else if let Some(n) = p.strip_suffix(" minutes").or(p.strip_suffix(" minute")) {
            h.wait_minutes = n.parse().unwrap_or(0);
        }
    }
    Some(h)
}

fn is_message(line: &[u8]) -> bool {
    starts_crash(line)
        || line.starts_with(b"[signal ")
        || line.starts_with(b"PC=0x")
        || nested_panic(line).is_some()
}

/// A message that opens a crash: `fatal error: `, `panic: `, a signal.
fn starts_crash(line: &[u8]) -> bool {
    line.starts_with(b"fatal error: ")
        || line.starts_with(b"panic: ")
        || line.starts_with(b"unexpected fault address")
        || is_signal_line(line)
}

/// `\tpanic: …`: a panic raised while an earlier one was running, which
/// the runtime prints under it; the message without its white space.
fn nested_panic(line: &[u8]) -> Option<&[u8]> {
    if !line.first().is_some_and(u8::is_ascii_whitespace) {
        return None;
    }
    let t = line.trim_ascii_start();
    t.starts_with(b"panic: ").then_some(t)
}

/// `SIGQUIT: quit`, `SIGSEGV: segmentation violation`, …
fn is_signal_line(line: &[u8]) -> bool {
    fn p(input: &str) -> IResult<&str, &str> {
        preceded(tag("SIG"), take_while1(|c: char| c.is_ascii_uppercase())).parse(input)
    }
    if !line.starts_with(b"SIG") {
        return false;
    }
    let head = &line[..line.len().min(16)];
    std::str::from_utf8(head)
        .ok()
        .and_then(|t| p(t).ok())
        .is_some_and(|(rest, _)| rest.starts_with(": "))
}

/// A register line of a crash dump: `rax    0x0`.
fn is_register(line: &[u8]) -> bool {
    let mut it = line.split(|&c| c == b' ').filter(|w| !w.is_empty());
    match (it.next(), it.next(), it.next()) {
        (Some(reg), Some(val), None) => {
            reg.len() <= 6
                && reg.iter().all(|c| c.is_ascii_alphanumeric())
                && val.starts_with(b"0x")
        }
        _ => false,
    }
}

/// Between the per-thread sections of a GOTRACEBACK=crash signal dump.
const SECTION: &[u8] = b"-----";

const UNAVAILABLE: &[u8] = b"goroutine running on other thread; stack unavailable";

/// What every line of a dump block starts with: empty for a dump as the
/// runtime printed it, white space (and `>` quote marks) for one indented
/// as a whole.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Indent<'b>(pub &'b [u8]);

impl<'b> Indent<'b> {
    /// The indentation of a block whose first line is `first`: its leading
    /// white space and `>` marks when the rest starts a dump, else none.
    pub fn of(first: &'b [u8]) -> Indent<'b> {
        let n = indent_len(first);
        if n > 0 && starts_unindented(&first[n..]) {
            Indent(&first[..n])
        } else {
            Indent(b"")
        }
    }

    /// `line` without the indentation; a blank line (only white space
    /// after the indentation, or less of the indentation than the others)
    /// is empty. `None`: the line is not the block's.
    pub fn strip(self, line: &'b [u8]) -> Option<&'b [u8]> {
        match line.strip_prefix(self.0) {
            // The text keeps its own trailing white space (`panic: ` of an
            // empty string is a message, `panic:` is not).
            Some(rest) if rest.first().is_some_and(|c| !c.is_ascii_whitespace()) => Some(rest),
            Some(rest) if rest.iter().all(u8::is_ascii_whitespace) => Some(b""),
            Some(rest) => Some(rest),
            None if self.0.starts_with(line.trim_ascii_end()) => Some(b""),
            None => None,
        }
    }
}

fn indent_len(line: &[u8]) -> usize {
    line.iter()
        .position(|&c| !matches!(c, b' ' | b'\t' | b'>'))
        .unwrap_or(line.len())
}

fn starts_unindented(line: &[u8]) -> bool {
    starts_crash(line) || (line.starts_with(b"goroutine ") && header(line).is_some())
}

/// True when `line` starts a dump, indented or not.
pub fn starts_dump(line: &[u8]) -> bool {
    starts_unindented(&line[indent_len(line)..])
}

/// True when a dump starts at the cursor: [`starts_dump`] holds for the
/// next line and, for an indented dump that opens with a message, the
/// messages lead to a goroutine or the runtime stack, so that an indented
/// `panic: ` in ordinary text opens no dump.
pub fn starts_dump_at(lines: &Lines<'_>) -> bool {
    let Some(first) = lines.peek() else {
        return false;
    };
    if !starts_dump(first) {
        return false;
    }
    let indent = Indent::of(first);
    if indent.0.is_empty() || header(&first[indent.0.len()..]).is_some() {
        return true;
    }
    let mut ahead = lines.clone();
    ahead.take();
    // The messages of a dump are a few lines; a longer run is no dump.
    for _ in 0..16 {
        match ahead.take().and_then(|(_, l)| indent.strip(l)) {
            Some(l) if l.is_empty() || is_message(l) => continue,
            Some(l) => return header(l).is_some() || l == b"runtime stack:",
            None => return false,
        }
    }
    false
}

/// A line that can continue a dump (its indentation stripped).
fn continues(line: &[u8]) -> bool {
    line.is_empty()
        || is_message(line)
        || header(line).is_some()
        || line.starts_with(b"\t")
        || (line.starts_with(b" ") && spaced_stack_line(line))
        || line.starts_with(b"created by ")
        || line == b"runtime stack:"
        || line == SECTION
        || is_elided(line)
        || is_register(line)
        || func_line(line).is_some()
}

/// A stack line whose leading tab became spaces.
fn spaced_stack_line(line: &[u8]) -> bool {
    file_line(line).is_some() || line.trim_ascii() == UNAVAILABLE
}

/// A frame's line: where a message line inside a dump is another thread's
/// print landing in this one's list, not a new crash.
fn is_frame_line(line: &[u8]) -> bool {
    (line.first().is_some_and(u8::is_ascii_whitespace) && file_line(line).is_some())
        || func_line(line).is_some()
}

/// Parses a dump whose first line is next in `lines`. Problems are pushed
/// to `diags` as (line, message).
pub fn parse<'b, I: Intern<'b>>(
    lines: &mut Lines<'b>,
    intern: &mut I,
    diags: &mut Vec<(u32, String)>,
) -> Dump {
    let mut dump = Dump {
        line: lines.line_no + 1,
        ..Dump::default()
    };
    let indent = lines.peek().map(Indent::of).unwrap_or_default();
    let mut current: Option<Goroutine> = None;
    // Frames of the crashing M's system stack belong to no goroutine.
    let mut runtime_stack = false;
    // The created-by frame waits for its file line.
    let mut in_created_by = false;
    // Just after a `-----` separator: the next thread's section follows.
    let mut after_section = false;
    while let Some(raw) = lines.peek() {
        let Some(line) = indent.strip(raw) else {
            break;
        };
        let next = || lines.peek2().and_then(|l| indent.strip(l));
        if line.is_empty() {
            // A blank line ends a goroutine; the dump goes on only if more follows.
            let more = next().is_some_and(|l| !l.is_empty() && continues(l));
            if !more {
                break;
            }
            lines.take();
            runtime_stack = false;
            continue;
        }
        if !continues(line) {
            break;
        }
        if starts_crash(line)
            && !after_section
            && (current.is_some() || !dump.goroutines.is_empty())
            && !next().is_some_and(is_frame_line)
        {
            // Another process's crash, appended: the caller starts it anew.
            break;
        }
        let (n, _) = lines.take().expect("peeked");
        dump.end_line = n;
        if let Some(h) = header(line) {
            if let Some(g) = current.take() {
                finish(g, &mut dump.goroutines, diags);
            }
            runtime_stack = false;
            in_created_by = false;
            after_section = false;
            current = Some(Goroutine {
                id: h.id,
                state: intern.sym(h.state.as_bytes()),
                wait_minutes: h.wait_minutes,
                locked: h.locked,
                frames: Vec::new(),
                created_by: None,
                parent: None,
                elided: false,
                unavailable: false,
                line: n,
            });
            continue;
        }
        if is_message(line) {
            let text = nested_panic(line).unwrap_or(line);
            let m = String::from_utf8_lossy(text).into_owned();
            if !dump.messages.contains(&m) {
                dump.messages.push(m);
            }
            continue;
        }
        if line == SECTION {
            if let Some(g) = current.take() {
                finish(g, &mut dump.goroutines, diags);
            }
            after_section = true;
            continue;
        }
        if line == b"runtime stack:" {
            runtime_stack = true;
            continue;
        }
        if runtime_stack || is_register(line) {
            continue;
        }
        let Some(g) = current.as_mut() else {
            diags.push((n, "stack line outside any goroutine".into()));
            continue;
        };
        if line.trim_ascii() == UNAVAILABLE {
            g.unavailable = true;
        } else if is_elided(line) {
            g.elided = true;
        } else if let Some((func, parent)) = created_by(line) {
            g.created_by = Some(Frame {
                func: intern.sym(func),
                file: Sym::NONE,
                line: 0,
                args: Sym::NONE,
                inlined: false,
            });
            g.parent = parent;
            in_created_by = true;
        } else if let Some((file, no)) = file_line(line) {
            let frame = if in_created_by {
                g.created_by.as_mut()
            } else {
                g.frames.last_mut()
            };
            match frame {
                Some(f) if f.file.is_none() => {
                    f.file = intern.sym(file);
                    f.line = no;
                }
                _ => diags.push((n, "file line without a function line".into())),
            }
        } else if let Some((func, args)) = func_line(line) {
            if in_created_by {
                diags.push((n, "frame after `created by`".into()));
            }
            let map = is_map_func(func);
            g.frames.push(Frame {
                func: intern.sym(func),
                file: Sym::NONE,
                line: 0,
                args: if map { intern.sym(args) } else { Sym::NONE },
                inlined: args == b"...",
            });
        }
    }
    if let Some(g) = current.take() {
        finish(g, &mut dump.goroutines, diags);
    }
    if dump.end_line == 0 {
        // Nothing was taken (the caller checks `starts_dump` first).
        dump.end_line = lines.line_no;
        dump.line = lines.line_no;
    }
    dump
}

fn finish(g: Goroutine, out: &mut Vec<Goroutine>, diags: &mut Vec<(u32, String)>) {
    if g.frames.iter().any(|f| f.file.is_none()) {
        diags.push((
            g.line,
            format!(
                "goroutine {}: a frame has no file line (truncated dump?)",
                g.id
            ),
        ));
    }
    out.push(g);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intern::Interner;

    #[test]
    fn headers_of_every_version() {
        let h = header(b"goroutine 12 [running]:").unwrap();
        assert_eq!(
            (h.id, h.state, h.wait_minutes, h.locked),
            (12, "running", 0, false)
        );
        let h = header(b"goroutine 7 gp=0xc0000076c0 m=2 mp=0xc000046708 [running]:").unwrap();
        assert_eq!((h.id, h.state), (7, "running"));
        let h = header(b"goroutine 1 gp=0xc0000061c0 m=nil [runnable]:").unwrap();
        assert_eq!(h.state, "runnable");
        let h = header(b"goroutine 20 [chan receive, 5 minutes, locked to thread]:").unwrap();
        assert_eq!(
            (h.state, h.wait_minutes, h.locked),
            ("chan receive", 5, true)
        );
        let h = header(b"goroutine 3 [select (no cases)]:").unwrap();
        assert_eq!(h.state, "select (no cases)");
        assert_eq!(header(b"goroutine x [running]:"), None);
        assert_eq!(header(b"goroutine 1 [running]"), None);
    }

    #[test]
    fn two_goroutines_with_created_by() {
        let text = b"fatal error: concurrent map writes\n\ngoroutine 12 [running]:\nmain.applyDelta(...)\n\t/b/main.go:19\nmain.ingest(0x1, 0x0?)\n\t/b/main.go:25 +0xbb\ncreated by main.main in goroutine 1\n\t/b/main.go:57 +0xbf\n\ngoroutine 1 [select (no cases)]:\nmain.main()\n\t/b/main.go:59 +0x17d\nexit status 2\n";
        let mut i = Interner::new();
        let mut lines = Lines::new(text);
        let mut diags = Vec::new();
        let d = parse(&mut lines, &mut i, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(d.messages, ["fatal error: concurrent map writes"]);
        assert_eq!(d.goroutines.len(), 2);
        let g = &d.goroutines[0];
        assert_eq!((g.id, &*i.str(g.state), g.parent), (12, "running", Some(1)));
        assert_eq!(g.frames.len(), 2);
        assert!(g.frames[0].inlined);
        assert_eq!(
            (&*i.str(g.frames[1].file), g.frames[1].line),
            ("/b/main.go", 25)
        );
        assert_eq!(g.created_by.unwrap().line, 57);
        assert_eq!(
            lines.peek(),
            Some(&b"exit status 2"[..]),
            "the trailer is not the dump's"
        );
    }

    #[test]
    fn truncated_dump_is_a_diagnostic() {
        let text = b"goroutine 1 [running]:\nmain.main()\n";
        let mut i = Interner::new();
        let mut diags = Vec::new();
        let d = parse(&mut Lines::new(text), &mut i, &mut diags);
        assert_eq!(d.goroutines.len(), 1);
        assert_eq!(diags.len(), 1);
    }

    fn parse_all(text: &[u8]) -> (Vec<Dump>, Vec<(u32, String)>, Interner<'_>) {
        let mut i = Interner::new();
        let mut lines = Lines::new(text);
        let mut diags = Vec::new();
        let mut out = Vec::new();
        while lines.peek().is_some() {
            if starts_dump_at(&lines) {
                out.push(parse(&mut lines, &mut i, &mut diags));
            } else {
                lines.take();
            }
        }
        (out, diags, i)
    }

    #[test]
    fn indentation_is_found_once_and_stripped() {
        assert_eq!(Indent::of(b"    goroutine 1 [running]:"), Indent(b"    "));
        assert_eq!(Indent::of(b"> > panic: x"), Indent(b"> > "));
        assert_eq!(
            Indent::of(b"\tmain.main()"),
            Indent(b""),
            "no dump starts there"
        );
        assert_eq!(Indent::of(b"fatal error: x"), Indent(b""));
        let q = Indent(b"> ");
        assert_eq!(q.strip(b"> \t/b/main.go:1"), Some(&b"\t/b/main.go:1"[..]));
        assert_eq!(q.strip(b">  \t "), Some(&b""[..]));
        assert_eq!(q.strip(b">"), Some(&b""[..]), "a quoted blank line");
        assert_eq!(q.strip(b""), Some(&b""[..]));
        assert_eq!(q.strip(b"exit status 2"), None);
        assert!(starts_dump(b"\tgoroutine 7 [chan receive]:"));
        assert!(!starts_dump(b"    created by main.main"));
    }

    #[test]
    fn an_indented_message_needs_a_goroutine() {
        let lone = b"    panic: x\n\nmore text\n";
        assert!(!starts_dump_at(&Lines::new(lone)));
        let dump =
            b"    panic: x\n    \n    goroutine 1 [running]:\n    main.main()\n    \t/b/m.go:3\n";
        assert!(starts_dump_at(&Lines::new(dump)));
        let (ds, diags, i) = parse_all(dump);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].messages, ["panic: x"]);
        assert_eq!(&*i.str(ds[0].goroutines[0].frames[0].file), "/b/m.go");
    }

    /// Frames of cgo stubs without line information print as `??:0` (Go
    /// up to 1.6, e.g. `net._C2func_getaddrinfo`).
    #[test]
    fn unknown_locations_with_tabs_or_spaces() {
        for sep in [&b"\t"[..], b"        ", b" "] {
            let mut text = b"goroutine 103 [syscall, locked to thread]:\nnet._C2func_getaddrinfo(0x7ffcec0008c0, 0x0)\n".to_vec();
            text.extend_from_slice(sep);
            text.extend_from_slice(b"??:0 +0x55 fp=0xc82121f1e8 sp=0xc82121f188\nnet.cgoLookupIPCNAME(0x7fffb17208ab, 0x12)\n");
            text.extend_from_slice(sep);
            text.extend_from_slice(b"/usr/local/go/src/net/cgo_unix.go:96 +0x1b8\n");
            let (ds, diags, i) = parse_all(&text);
            assert!(diags.is_empty(), "{diags:?}");
            let g = &ds[0].goroutines[0];
            let frames: Vec<(String, u32)> = g
                .frames
                .iter()
                .map(|f| (i.str(f.file).into_owned(), f.line))
                .collect();
            assert_eq!(
                frames,
                [
                    ("??".to_string(), 0),
                    ("/usr/local/go/src/net/cgo_unix.go".to_string(), 96)
                ]
            );
        }
    }

    /// `panic("")` prints `panic: ` with its trailing space: a dump start
    /// that the parser must take, or the chunk parser would stand still.
    #[test]
    fn a_start_is_always_taken() {
        for (indent, first) in [
            ("", "panic: "),
            ("    ", "panic: "),
            ("> ", "fatal error: "),
            ("", "SIGQUIT: "),
        ] {
            let text: String = [
                first,
                "",
                "goroutine 1 [running]:",
                "main.main()",
                "\t/b/m.go:3",
            ]
            .iter()
            .map(|l| format!("{indent}{l}\n"))
            .collect();
            let mut lines = Lines::new(text.as_bytes());
            assert!(starts_dump_at(&lines), "{text:?}");
            let d = parse(&mut lines, &mut Interner::new(), &mut Vec::new());
            assert_eq!((d.line, d.end_line, d.goroutines.len()), (1, 5, 1));
            assert_eq!(d.messages, [first]);
        }
    }

    #[test]
    fn nested_panics_are_messages() {
        let text = b"panic: first [recovered]\n\tpanic: second\n\ngoroutine 1 [running]:\nmain.main()\n\t/b/m.go:3 +0x1\n";
        let (ds, diags, _) = parse_all(text);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(
            ds[0].messages,
            ["panic: first [recovered]", "panic: second"]
        );
    }

    #[test]
    fn a_crash_after_a_complete_dump_is_another_dump() {
        let text = b"fatal error: a\n\ngoroutine 1 [running]:\nmain.main()\n\t/b/m.go:3 +0x1\nfatal error: b\n\ngoroutine 1 [running]:\nmain.main()\n\t/b/m.go:4 +0x1\n";
        let (ds, diags, _) = parse_all(text);
        assert!(diags.is_empty(), "{diags:?}");
        let got: Vec<(u32, u32, &[String], usize)> = ds
            .iter()
            .map(|d| (d.line, d.end_line, &d.messages[..], d.goroutines.len()))
            .collect();
        assert_eq!(
            got,
            [
                (1, 5, &["fatal error: a".to_string()][..], 1),
                (6, 10, &["fatal error: b".to_string()][..], 1)
            ]
        );
    }

    /// A second thread's `fatal error:` printed into the middle of the first
    /// one's goroutine list: a frame line follows it, so it is the same
    /// process.
    #[test]
    fn a_message_inside_a_stack_is_the_same_dump() {
        let text = b"fatal error: a\n\ngoroutine 1 [running]:\nmain.main()\n\t/b/m.go:3 +0x1\n\ngoroutine 2 [runnable]:\nfatal error: a\nmain.f()\n\t/b/m.go:9 +0x1\n";
        let (ds, diags, _) = parse_all(text);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(ds.len(), 1);
        assert_eq!(ds[0].goroutines.len(), 2);
        assert_eq!(ds[0].goroutines[1].frames.len(), 1);
    }
}
