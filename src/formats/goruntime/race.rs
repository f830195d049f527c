//! Race-detector reports.
//!
//! ```text
//! block     = SEP NL "WARNING: DATA RACE" NL section *( NL section ) SEP
//! SEP       = "=================="
//! section   = access | created | location
//! access    = [ "Previous " ] [ "Atomic " ] ( "read" | "write" | "Read" | "Write" )
//!             [ " of size " N ] " at 0x" HEX " by " ( "goroutine " N | "main goroutine" ) ":"
//!             NL frames
//! created   = "Goroutine " N " (" ( "running" | "finished" ) ") created at:" NL frames
//! location  = ( "Heap block of size" | "Global var" | "Location is" ) TEXT
//! frames    = *( "  " func_line NL "      " file_line | "  [failed to restore the stack]" )
//! ```
//!
//! Race goroutine numbers are the race runtime's, not runtime goroutine ids.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_until, take_while1};
use nom::character::complete::digit1;
use nom::combinator::{all_consuming, opt, value};
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

use super::{Frame, Intern, file_line, func_line, is_map_func};
use crate::formats::lines::Lines;
use crate::intern::Sym;

pub const SEPARATOR: &[u8] = b"==================";
pub const WARNING: &[u8] = b"WARNING: DATA RACE";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaceAccess {
    pub write: bool,
    pub atomic: bool,
    /// `Previous read/write`: the earlier of the two accesses.
    pub previous: bool,
    /// `None` for `by main goroutine`.
    pub goroutine: Option<u64>,
    pub address: Sym,
    pub stack: Vec<Frame>,
    /// `[failed to restore the stack]`.
    pub stack_lost: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RaceGoroutine {
    pub id: u64,
    /// `running` or `finished`.
    pub state: Sym,
    pub created_at: Vec<Frame>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RaceBlock {
    pub line: u32,
    pub end_line: u32,
    pub accesses: Vec<RaceAccess>,
    pub location: Option<String>,
    pub goroutines: Vec<RaceGoroutine>,
    /// Ended before its closing separator.
    pub truncated: bool,
    /// Functions of `runtime.map*` frames on either access's stack.
    pub map_funcs: Vec<Sym>,
}

impl RaceBlock {
    pub fn remap(&mut self, map: &impl Fn(Sym) -> Sym, line: &impl Fn(u32) -> u32) {
        self.line = line(self.line);
        self.end_line = line(self.end_line);
        for a in &mut self.accesses {
            a.address = map(a.address);
            a.stack.iter_mut().for_each(|f| f.remap(map));
        }
        for g in &mut self.goroutines {
            g.state = map(g.state);
            g.created_at.iter_mut().for_each(|f| f.remap(map));
        }
        self.map_funcs.iter_mut().for_each(|f| *f = map(*f));
    }
}

/// Parsed `access` header: (previous, atomic, write, address, goroutine).
type AccessHeader<'s> = (bool, bool, bool, &'s str, Option<u64>);

fn access_p(input: &str) -> IResult<&str, AccessHeader<'_>> {
    all_consuming((
        opt(tag("Previous ")).map(|p| p.is_some()),
        opt(alt((tag("Atomic "), tag("atomic ")))).map(|a| a.is_some()),
        alt((
            value(false, alt((tag("Read"), tag("read")))),
            value(true, alt((tag("Write"), tag("write")))),
        )),
        opt((tag(" of size "), digit1)),
        preceded(tag(" at "), take_while1(|c: char| c != ' ')),
        preceded(
            tag(" by "),
            alt((
                value(None, tag("main goroutine")),
                preceded(tag("goroutine "), digit1).map(|n: &str| n.parse().ok()),
            )),
        ),
        tag(":"),
    ))
    .map(|(prev, atomic, write, _, addr, g, _)| (prev, atomic, write, addr, g))
    .parse(input)
}

/// `access` header line.
pub fn access_header(line: &str) -> Option<AccessHeader<'_>> {
    access_p(line.trim_end()).ok().map(|(_, h)| h)
}

fn created_p(input: &str) -> IResult<&str, (&str, &str)> {
    all_consuming((
        preceded(tag("Goroutine "), digit1),
        delimited(tag(" ("), take_until(")"), tag(") created at:")),
    ))
    .parse(input)
}

/// `created` header line: (goroutine, state).
pub fn created_header(line: &str) -> Option<(u64, &str)> {
    let (_, (id, state)) = created_p(line.trim_end()).ok()?;
    Some((id.parse().ok()?, state))
}

fn is_location(line: &[u8]) -> bool {
    line.starts_with(b"Heap block of size")
        || line.starts_with(b"Global var ")
        || line.starts_with(b"Location is ")
}

enum Section {
    None,
    Access,
    Created,
    Location,
}

/// True when the next lines start a race block.
pub fn starts_race<'b>(line: &[u8], next: impl FnOnce() -> Option<&'b [u8]>) -> bool {
    line == WARNING || (line == SEPARATOR && next() == Some(WARNING))
}

/// Parses a race block whose first line (the separator or the warning) is
/// next in `lines`.
pub fn parse<'b, I: Intern<'b>>(
    lines: &mut Lines<'b>,
    intern: &mut I,
    diags: &mut Vec<(u32, String)>,
) -> RaceBlock {
    let mut block = RaceBlock {
        line: lines.line_no + 1,
        truncated: true,
        ..RaceBlock::default()
    };
    let mut section = Section::None;
    let mut seen_warning = false;
    while let Some(line) = lines.peek() {
        if line == SEPARATOR {
            if seen_warning {
                block.end_line = lines.take().expect("peeked").0;
                block.truncated = false;
                break;
            }
            lines.take();
            continue;
        }
        // Anything that is not part of a report ends it: a log record, a
        // test line. Indented lines and headers are ours.
        let ours = line == WARNING
            || line.is_empty()
            || line.starts_with(b"  ")
            || line.starts_with(b"Goroutine ")
            || is_location(line)
            || std::str::from_utf8(line)
                .ok()
                .and_then(access_header)
                .is_some();
        if !ours {
            break;
        }
        let (n, line) = lines.take().expect("peeked");
        block.end_line = n;
        if line == WARNING {
            seen_warning = true;
            continue;
        }
        if line.is_empty() {
            section = Section::None;
            continue;
        }
        let Ok(text) = std::str::from_utf8(line) else {
            diags.push((n, "race report line is not UTF-8".into()));
            continue;
        };
        if let Some((previous, atomic, write, addr, goroutine)) = access_header(text) {
            block.accesses.push(RaceAccess {
                write,
                atomic,
                previous,
                goroutine,
                address: intern.sym(addr.as_bytes()),
                stack: Vec::new(),
                stack_lost: false,
            });
            section = Section::Access;
            continue;
        }
        if let Some((id, state)) = created_header(text) {
            block.goroutines.push(RaceGoroutine {
                id,
                state: intern.sym(state.as_bytes()),
                created_at: Vec::new(),
            });
            section = Section::Created;
            continue;
        }
        if is_location(line) {
            block.location = Some(text.to_string());
            section = Section::Location;
            continue;
        }
        let stack = match section {
            Section::Access => block.accesses.last_mut().map(|a| &mut a.stack),
            Section::Created => block.goroutines.last_mut().map(|g| &mut g.created_at),
            Section::Location => continue,
            Section::None => None,
        };
        let Some(stack) = stack else {
            diags.push((n, "race report line outside any section".into()));
            continue;
        };
        if line.trim_ascii() == b"[failed to restore the stack]" {
            if let Some(a) = block.accesses.last_mut() {
                a.stack_lost = true;
            }
        } else if let Some((file, no)) = file_line(line) {
            match stack.last_mut() {
                Some(f) if f.file.is_none() => {
                    f.file = intern.sym(file);
                    f.line = no;
                }
                _ => diags.push((n, "file line without a function line".into())),
            }
        } else if let Some((func, args)) = func_line(line.trim_ascii_start()) {
            let f = intern.sym(func);
            if is_map_func(func) && !block.map_funcs.contains(&f) {
                block.map_funcs.push(f);
            }
            stack.push(Frame {
                func: f,
                file: Sym::NONE,
                line: 0,
                args: Sym::NONE,
                inlined: args == b"...",
            });
        } else {
            diags.push((n, "unrecognised line in a race report".into()));
        }
    }
    if block.end_line == 0 {
        if lines.line_no < block.line {
            // Nothing was taken (the caller checks `starts_race` first).
            block.line = lines.line_no;
            block.end_line = lines.line_no;
            return block;
        }
        // Only separators were taken.
        block.end_line = lines.line_no;
    }
    if block.truncated {
        diags.push((
            block.line,
            "race report ends before its closing separator".into(),
        ));
    }
    if block.accesses.len() != 2 {
        diags.push((
            block.line,
            format!(
                "race report with {} accesses, expected 2",
                block.accesses.len()
            ),
        ));
    }
    block
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intern::Interner;

    #[test]
    fn access_headers() {
        assert_eq!(
            access_header("Read at 0x00c00009a180 by goroutine 10:"),
            Some((false, false, false, "0x00c00009a180", Some(10)))
        );
        assert_eq!(
            access_header("Previous write at 0x0000005dc640 by goroutine 7:"),
            Some((true, false, true, "0x0000005dc640", Some(7)))
        );
        assert_eq!(
            access_header("Write at 0x00c00009a150 by main goroutine:"),
            Some((false, false, true, "0x00c00009a150", None))
        );
        assert_eq!(
            access_header("Previous atomic read of size 8 at 0x00c000010000 by goroutine 3:"),
            Some((true, true, false, "0x00c000010000", Some(3)))
        );
        assert_eq!(access_header("Read at somewhere"), None);
        assert_eq!(
            created_header("Goroutine 8 (running) created at:"),
            Some((8, "running"))
        );
    }

    #[test]
    fn a_whole_block() {
        let text = b"==================\nWARNING: DATA RACE\nWrite at 0x00c00009a150 by main goroutine:\n  runtime.mapassign_faststr()\n      /usr/lib/go-1.19/src/runtime/map_faststr.go:203 +0x0\n  main.main()\n      /b/main.go:39 +0x20e\n\nPrevious read at 0x00c00009a150 by goroutine 7:\n  runtime.mapiterinit()\n      /usr/lib/go-1.19/src/runtime/map.go:815 +0x0\n  main.f()\n      /b/main.go:19 +0x84\n\nGoroutine 7 (finished) created at:\n  main.main()\n      /b/main.go:37 +0x1d6\n==================\nFound 1 data race(s)\n";
        let mut i = Interner::new();
        let mut lines = Lines::new(text);
        let mut diags = Vec::new();
        let b = parse(&mut lines, &mut i, &mut diags);
        assert!(diags.is_empty(), "{diags:?}");
        assert!(!b.truncated);
        assert_eq!((b.line, b.end_line), (1, 18));
        assert_eq!(b.accesses.len(), 2);
        assert_eq!(b.accesses[0].goroutine, None);
        assert_eq!(b.accesses[1].stack.len(), 2);
        assert_eq!(b.goroutines[0].created_at[0].line, 37);
        assert_eq!(b.map_funcs.len(), 2);
        assert_eq!(lines.peek(), Some(&b"Found 1 data race(s)"[..]));
    }

    #[test]
    fn truncated_block() {
        let text =
            b"==================\nWARNING: DATA RACE\nRead at 0x1 by goroutine 8:\n  main.f()\n";
        let mut diags = Vec::new();
        let b = parse(&mut Lines::new(text), &mut Interner::new(), &mut diags);
        assert!(b.truncated);
        assert_eq!(diags.len(), 2);
    }
}
