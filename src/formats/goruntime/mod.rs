//! What the Go runtime prints when concurrency goes wrong: race-detector
//! reports ([`race`]) and crash / goroutine dumps ([`dump`]).
//!
//! Both are built from the same stack grammar (Go 1.19 – 1.24):
//!
//! ```text
//! func_line  = FUNC "(" ARGS ")"                    ; ARGS "..." when inlined
//! file_line  = WS FILE ":" LINE [ " +0x" HEX ] [ " fp=0x" HEX " sp=0x" HEX " pc=0x" HEX ]
//! created_by = "created by " FUNC [ " in goroutine " N ]
//! elided     = "...additional frames elided..." | "..." N " frames elided..."
//! ```
//!
//! Strings are interned through [`Intern`], so the same parsers serve text
//! borrowed from a mapped input and text unescaped from a JSON field.

pub mod dump;
pub mod race;

use std::borrow::Cow;

use nom::bytes::complete::{tag, take_while1};
use nom::character::complete::digit1;
use nom::combinator::{all_consuming, opt};
use nom::sequence::preceded;
use nom::{IResult, Parser};

use crate::intern::{Interner, Sym};

/// Interns strings of lifetime `'b`.
pub trait Intern<'b> {
    fn sym(&mut self, s: &'b [u8]) -> Sym;
}

impl<'a> Intern<'a> for Interner<'a> {
    fn sym(&mut self, s: &'a [u8]) -> Sym {
        self.intern_borrowed(s)
    }
}

/// Interns by copying: for text that does not outlive the parse.
pub struct Owning<'i, 'a>(pub &'i mut Interner<'a>);

impl<'b> Intern<'b> for Owning<'_, '_> {
    fn sym(&mut self, s: &'b [u8]) -> Sym {
        match self.0.get(s) {
            Some(sym) => sym,
            None => self.0.intern(Cow::Owned(s.to_vec())),
        }
    }
}

/// One frame of a stack.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Frame {
    pub func: Sym,
    /// `NONE` when the file line is missing (truncated input).
    pub file: Sym,
    pub line: u32,
    /// The arguments as printed, kept only for `runtime.map*` frames (the
    /// map header is the second argument).
    pub args: Sym,
    /// Printed as `(...)`: inlined into the frame below.
    pub inlined: bool,
}

impl Frame {
    pub fn remap(&mut self, map: &impl Fn(Sym) -> Sym) {
        self.func = map(self.func);
        self.file = map(self.file);
        self.args = map(self.args);
    }
}

/// A `func_line`: the function and its argument text.
pub fn func_line(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let body = line.strip_suffix(b")")?;
    if body.is_empty() || line[0].is_ascii_whitespace() {
        return None;
    }
    // The argument list's "(" matches the final ")": scan back by depth,
    // since the function itself may hold parentheses: main.(*T).M(…).
    let mut depth = 0usize;
    for i in (0..body.len()).rev() {
        match body[i] {
            b')' => depth += 1,
            b'(' if depth == 0 => {
                let func = &body[..i];
                if func.is_empty() || func.contains(&b' ') {
                    return None;
                }
                return Some((func, &body[i + 1..]));
            }
            b'(' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// A `file_line`: (file, line). Leading white space is required.
pub fn file_line(line: &[u8]) -> Option<(&[u8], u32)> {
    if !line.first().is_some_and(|c| *c == b'\t' || *c == b' ') {
        return None;
    }
    let text = std::str::from_utf8(line).ok()?.trim_start();
    let end = [" +0x", " fp=", " pc="]
        .iter()
        .filter_map(|m| text.find(m))
        .min()
        .unwrap_or(text.len());
    let loc = &text[..end];
    let (file, n) = loc.rsplit_once(':')?;
    if file.is_empty() {
        return None;
    }
    let n: u32 = n.parse().ok()?;
    let start = line.len() - text.len();
    Some((&line[start..start + file.len()], n))
}

fn created_by_p(input: &str) -> IResult<&str, (&str, Option<&str>)> {
    all_consuming((
        preceded(tag("created by "), take_while1(|c: char| c != ' ')),
        opt(preceded(tag(" in goroutine "), digit1)),
    ))
    .parse(input)
}

/// `created_by`: (the creating function, the parent goroutine when printed).
pub fn created_by(line: &[u8]) -> Option<(&[u8], Option<u64>)> {
    let text = std::str::from_utf8(line).ok()?.trim_end();
    let (_, (func, parent)) = created_by_p(text).ok()?;
    let start = "created by ".len();
    Some((
        &line[start..start + func.len()],
        parent.and_then(|p| p.parse().ok()),
    ))
}

/// `elided`: the marker for frames the runtime left out.
pub fn is_elided(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    t == b"...additional frames elided..."
        || (t.starts_with(b"...") && t.ends_with(b" frames elided..."))
}

/// The map header address a map function's arguments show: the second
/// argument of `runtime.map*(type, map, key)`, the receiver (first) of the
/// swiss-table methods `internal/runtime/maps.(*Map).…` (Go 1.24+).
pub fn map_arg<'a>(func: &[u8], args: &'a [u8]) -> Option<&'a [u8]> {
    let receiver = memchr::memmem::find(func, b".(*Map).").is_some();
    let arg = args
        .split(|&c| c == b',')
        .nth(if receiver { 0 } else { 1 })?
        .trim_ascii();
    let arg = arg.strip_suffix(b"?").unwrap_or(arg);
    let hex = arg.strip_prefix(b"0x")?;
    (!hex.is_empty() && hex.iter().all(u8::is_ascii_hexdigit)).then_some(arg)
}

/// Functions of the runtime's map implementation (all Go versions).
pub fn is_map_func(func: &[u8]) -> bool {
    func.starts_with(b"runtime.map")
        || func.starts_with(b"internal/runtime/maps.")
        || func.starts_with(b"runtime.evacuate")
        || func == b"runtime.growWork"
}

/// Top-level packages of the standard library (for `-trimpath` builds,
/// where files do not show the Go installation).
const STD_ROOTS: &[&str] = &[
    "archive",
    "bufio",
    "bytes",
    "cmp",
    "compress",
    "container",
    "context",
    "crypto",
    "database",
    "debug",
    "embed",
    "encoding",
    "errors",
    "expvar",
    "flag",
    "fmt",
    "go",
    "hash",
    "html",
    "image",
    "index",
    "internal",
    "io",
    "iter",
    "log",
    "maps",
    "math",
    "mime",
    "net",
    "os",
    "path",
    "plugin",
    "reflect",
    "regexp",
    "runtime",
    "slices",
    "sort",
    "strconv",
    "strings",
    "structs",
    "sync",
    "syscall",
    "testing",
    "text",
    "time",
    "unicode",
    "unique",
    "unsafe",
    "weak",
];

/// The package of a function name: `app/pkg.(*T).M` → `app/pkg`.
pub fn package_of(func: &str) -> &str {
    let slash = func.rfind('/').map_or(0, |i| i + 1);
    match func[slash..].find('.') {
        Some(dot) => &func[..slash + dot],
        None => func,
    }
}

/// Tells runtime and standard-library frames from user frames.
#[derive(Clone, Debug, Default)]
pub struct StdFrames {
    /// The Go installation (the directory holding `src/runtime/`), when a
    /// frame shows it.
    pub goroot: Option<String>,
}

impl StdFrames {
    /// Learns the Go installation from any frame file under `…/src/runtime/`.
    pub fn learn(&mut self, file: &str) {
        if self.goroot.is_none()
            && let Some(i) = file.find("/src/runtime/")
        {
            self.goroot = Some(file[..i].to_string());
        }
    }

    pub fn is_std(&self, func: &str, file: &str) -> bool {
        if let Some(root) = &self.goroot
            && file.len() > root.len() + 5
            && file.starts_with(root.as_str())
            && file[root.len()..].starts_with("/src/")
        {
            return true;
        }
        if file == "<autogenerated>" {
            return true;
        }
        let pkg = package_of(func);
        let first = pkg.split('/').next().unwrap_or(pkg);
        // With the installation known, user files are all the others; its
        // absence (trimpath) leaves the package name to decide.
        (self.goroot.is_none() || !file.starts_with('/')) && STD_ROOTS.contains(&first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn func_lines() {
        assert_eq!(
            func_line(b"main.(*TTLCache).Get()"),
            Some((&b"main.(*TTLCache).Get"[..], &b""[..]))
        );
        assert_eq!(
            func_line(b"runtime.mapaccess1_fast32(0x49c6e0, 0xc00007c450, 0xa00ba00)"),
            Some((
                &b"runtime.mapaccess1_fast32"[..],
                &b"0x49c6e0, 0xc00007c450, 0xa00ba00"[..]
            ))
        );
        assert_eq!(func_line(b"main.applyDelta(...)").unwrap().1, b"...");
        assert_eq!(
            func_line(b"runtime.goexit({})").unwrap().0,
            b"runtime.goexit"
        );
        assert_eq!(func_line(b"  main.f()"), None);
        assert_eq!(func_line(b"created by main.main"), None);
        assert_eq!(func_line(b"goroutine 1 [running]:"), None);
    }

    #[test]
    fn file_lines() {
        assert_eq!(
            file_line(b"\t/build/src/app/x/main.go:19 +0xbb"),
            Some((&b"/build/src/app/x/main.go"[..], 19))
        );
        assert_eq!(
            file_line(b"\t/usr/lib/go-1.23/src/runtime/panic.go:1088 +0x48 fp=0xc000042f80 sp=0xc000042f50 pc=0x431b08"),
            Some((&b"/usr/lib/go-1.23/src/runtime/panic.go"[..], 1088))
        );
        assert_eq!(
            file_line(b"      /build/src/app/x/main.go:52 +0x84"),
            Some((&b"/build/src/app/x/main.go"[..], 52))
        );
        assert_eq!(
            file_line(b"\t/build/src/app/x/main.go:55 fp=0xc0000437e0 sp=0xc0000437d8 pc=0x48fe00"),
            Some((&b"/build/src/app/x/main.go"[..], 55))
        );
        assert_eq!(
            file_line(b"\t<autogenerated>:1 +0x2a").unwrap().0,
            b"<autogenerated>"
        );
        assert_eq!(file_line(b"/no/indent.go:1"), None);
    }

    #[test]
    fn created_by_lines() {
        assert_eq!(
            created_by(b"created by main.main in goroutine 1"),
            Some((&b"main.main"[..], Some(1)))
        );
        assert_eq!(
            created_by(b"created by main.main"),
            Some((&b"main.main"[..], None))
        );
        assert_eq!(created_by(b"created by"), None);
    }

    #[test]
    fn map_args_and_packages() {
        assert_eq!(
            map_arg(
                b"runtime.mapaccess1_fast32",
                b"0x49c6e0, 0xc00007c450, 0xa00ba00"
            ),
            Some(&b"0xc00007c450"[..])
        );
        assert_eq!(
            map_arg(
                b"runtime.mapassign_fast32",
                b"0x49c6e0?, 0xc00007c450?, 0xa01b400"
            ),
            Some(&b"0xc00007c450"[..])
        );
        assert_eq!(map_arg(b"runtime.mapassign", b"..."), None);
        assert_eq!(
            map_arg(
                b"internal/runtime/maps.(*Map).putSlotSmall",
                b"0xc000012345, 0x4a1b20, 0x7"
            ),
            Some(&b"0xc000012345"[..])
        );
        assert_eq!(
            package_of("app/datarace_gotest.(*Ledger).ApplyBatch"),
            "app/datarace_gotest"
        );
        assert_eq!(package_of("sync.(*Mutex).Lock"), "sync");
        let mut s = StdFrames::default();
        s.learn("/usr/lib/go-1.19/src/runtime/map.go");
        assert!(s.is_std("testing.tRunner", "/usr/lib/go-1.19/src/testing/testing.go"));
        assert!(!s.is_std("main.main", "/build/src/app/x/main.go"));
        let trimmed = StdFrames::default();
        assert!(trimmed.is_std("sync.(*Mutex).Lock", "sync/mutex.go"));
        assert!(!trimmed.is_std("main.main", "app/main.go"));
    }
}
