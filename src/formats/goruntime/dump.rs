//! Crash and goroutine dumps.
//!
//! ```text
//! dump      = *message *( blank | goroutine | registers | "runtime stack:" frames )
//! message   = "fatal error: " TEXT | "panic: " TEXT | "[signal " … "]" | SIG ": " TEXT | "PC=0x" …
//! goroutine = header NL ( "goroutine running on other thread; stack unavailable"
//!                       | *( func_line [ file_line ] | elided ) [ created_by file_line ] )
//! header    = "goroutine " N [ " gp=0x" HEX " m=" ( N | "nil" ) [ " mp=0x" HEX ] ]
//!             " [" STATE *( ", " N " minutes" | ", locked to thread" | ", " WORD ) "]:"
//! ```
//!
//! The block ends at the first line that is none of these (a log record,
//! `exit status 2`, …), which is left to the caller.

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
    line.starts_with(b"fatal error: ")
        || line.starts_with(b"panic: ")
        || line.starts_with(b"[signal ")
        || line.starts_with(b"PC=0x")
        || line.starts_with(b"unexpected fault address")
        || is_signal_line(line)
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

/// True when `line` starts a dump.
pub fn starts_dump(line: &[u8]) -> bool {
    line.starts_with(b"fatal error: ")
        || line.starts_with(b"panic: ")
        || is_signal_line(line)
        || (line.starts_with(b"goroutine ") && header(line).is_some())
}

/// A line that can continue a dump.
fn continues(line: &[u8]) -> bool {
    line.is_empty()
        || is_message(line)
        || header(line).is_some()
        || line.starts_with(b"\t")
        || line.starts_with(b"created by ")
        || line.trim_ascii() == UNAVAILABLE
        || line == b"runtime stack:"
        || line == SECTION
        || is_elided(line)
        || is_register(line)
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
    let mut current: Option<Goroutine> = None;
    // Frames of the crashing M's system stack belong to no goroutine.
    let mut runtime_stack = false;
    // The created-by frame waits for its file line.
    let mut in_created_by = false;
    while let Some(line) = lines.peek() {
        if line.is_empty() {
            // A blank line ends a goroutine; the dump goes on only if more follows.
            let more = lines.peek2().is_some_and(|l| !l.is_empty() && continues(l));
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
        let (n, line) = lines.take().expect("peeked");
        dump.end_line = n;
        if let Some(h) = header(line) {
            if let Some(g) = current.take() {
                finish(g, &mut dump.goroutines, diags);
            }
            runtime_stack = false;
            in_created_by = false;
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
            let m = String::from_utf8_lossy(line).into_owned();
            if !dump.messages.contains(&m) {
                dump.messages.push(m);
            }
            continue;
        }
        if line == SECTION {
            if let Some(g) = current.take() {
                finish(g, &mut dump.goroutines, diags);
            }
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
}
