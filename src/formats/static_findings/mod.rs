//! Findings of static analysers: SARIF 2.1.0 (staticcheck `-f sarif`,
//! golangci-lint, gosec, CodeQL), `go vet -json` and staticcheck `-f json`.
//! They are whole documents, not log lines, so an input is recognised as one
//! by its content before it is split into chunks ([`detect`]), and read whole.
//!
//! ```text
//! sarif       = { "version"?, "$schema"?, "runs": [ run ] }      first key one of those three
//! run         = { "tool": { "driver": { "name", "rules"?: [ { "id", "shortDescription"? } ] } },
//!                 "originalUriBaseIds"?, "artifacts"?, "invocations"?: [ { "workingDirectory"? } ],
//!                 "results"?: [ result ] }
//! result      = { "ruleId"? | "rule"?: { "id"?, "index"? } | "ruleIndex"?, "message": { "text" },
//!                 "kind"?, "locations"?: [ { "physicalLocation": { "artifactLocation":
//!                 { "uri"?, "uriBaseId"?, "index"? }, "region"?: { "startLine", "startColumn"? } } } ],
//!                 "suppressions"? }
//! go-vet-json = ( "# " package NL | vet-tree )*
//! vet-tree    = { package: { analyzer: [ { "posn": "file:line:col", "message", … } ] | { "error" } } }
//! sc-json     = one object per line: { "code", "severity", "location": { "file", "line", "column" },
//!               "message", … }
//! ```
//!
//! A relative SARIF URI is resolved against its `uriBaseId` (through
//! `originalUriBaseIds`), else against the run's working directory
//! (staticcheck names `%SRCROOT%` without defining it). Results of kind
//! `pass`, `notApplicable` or `informational` are not findings. Results with
//! an accepted suppression are kept and marked: the check did flag the line.
//! A run of racetrail's own SARIF is not a static analyser's and is skipped.
//! Anything malformed is a diagnostic at its `line:col`, never fatal.

mod sarif;
mod vet;

use serde_json::value::RawValue;

use super::{Formats, Severity};
use crate::pipeline::{Diagnostic, InputStats};

/// One finding of a static analyser.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct StaticFinding {
    /// The Go file it flags, as the tool named it (resolved against its base).
    pub path: String,
    pub line: u32,
    /// 0 when the tool gives none.
    pub col: u32,
    /// `go vet`, `staticcheck`, or the SARIF driver's name.
    pub tool: String,
    /// The analyzer (vet) or rule id (SARIF, staticcheck).
    pub rule: String,
    pub message: String,
    /// An accepted SARIF suppression (`//lint:ignore`, `// nolint`, …).
    pub suppressed: bool,
    /// The input, line and column it was read from.
    pub input: u32,
    pub input_line: u32,
    pub input_col: u32,
}

/// Which static-analysis document an input is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Sarif,
    GoVet,
    StaticcheckJson,
}

impl Kind {
    pub fn bit(self) -> Formats {
        match self {
            Kind::Sarif => Formats::SARIF,
            Kind::GoVet => Formats::GO_VET,
            Kind::StaticcheckJson => Formats::STATICCHECK,
        }
    }
}

/// What reading one document gave.
#[derive(Debug, Default)]
pub struct Parsed {
    pub findings: Vec<StaticFinding>,
    pub lines: u32,
    /// `#` package lines, blank lines, and lines skipped after a syntax error.
    pub context: u32,
    /// (line, col, severity, message); syntax errors are `Error`.
    pub diags: Vec<(u32, u32, Severity, String)>,
}

impl Parsed {
    pub(super) fn error(&mut self, at: (u32, u32), message: String) {
        self.diags.push((at.0, at.1, Severity::Error, message));
    }

    pub(super) fn warn(&mut self, at: (u32, u32), message: String) {
        self.diags.push((at.0, at.1, Severity::Warning, message));
    }

    /// Lines with an error (several errors on one line count once, so that
    /// lines = records + context + parse_errors holds).
    pub fn parse_errors(&self) -> u32 {
        let mut lines: Vec<u32> = self
            .diags
            .iter()
            .filter(|d| d.2 == Severity::Error)
            .map(|d| d.0)
            .collect();
        lines.sort_unstable();
        lines.dedup();
        (lines.len() as u32).min(self.lines)
    }
}

/// Byte offsets of line starts, for `line:col` of an offset.
pub(super) struct LineIndex(pub(super) Vec<usize>);

impl LineIndex {
    fn new(bytes: &[u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        if starts.last() == Some(&bytes.len()) && !bytes.is_empty() {
            starts.pop();
        }
        LineIndex(starts)
    }

    fn lines(&self) -> u32 {
        self.0.len() as u32
    }

    /// 1-based line and byte column of an offset.
    pub(super) fn at(&self, offset: usize) -> (u32, u32) {
        let line = self.0.partition_point(|&s| s <= offset).max(1);
        (line as u32, (offset - self.0[line - 1]) as u32 + 1)
    }
}

/// The offset of a borrowed raw value inside the document.
pub(super) fn offset_of(doc: &[u8], raw: &RawValue) -> usize {
    (raw.get().as_ptr() as usize).saturating_sub(doc.as_ptr() as usize)
}

fn skip_ws(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let n = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    &bytes[n..]
}

pub use sarif::uri_path;
pub use vet::split_posn;

/// The static-analysis format of a whole input, if it is one.
pub fn detect(bytes: &[u8]) -> Option<Kind> {
    let start = skip_ws(bytes);
    if start.first() == Some(&b'{') {
        let key = skip_ws(&start[1..]);
        let head = &bytes[..bytes.len().min(1 << 16)];
        if [&b"\"version\""[..], b"\"$schema\"", b"\"runs\""]
            .iter()
            .any(|k| key.starts_with(k))
            && memchr::memmem::find(head, b"\"runs\"").is_some()
        {
            return Some(Kind::Sarif);
        }
        if key.starts_with(b"\"code\"") {
            let first = start.split(|&b| b == b'\n').next().unwrap_or(start);
            if memchr::memmem::find(first, b"\"location\":{\"file\"").is_some() {
                return Some(Kind::StaticcheckJson);
            }
        }
    }
    // go vet -json: `# package` lines, then a tree per package.
    let mut lines = start
        .split(|&b| b == b'\n')
        .map(|l| l.trim_ascii())
        .filter(|l| !l.is_empty());
    let mut first = lines.next()?;
    let mut comments = 0;
    while first.starts_with(b"# ") {
        comments += 1;
        first = lines.next()?;
    }
    let tree = match first {
        b"{}" => comments > 0,
        b"{" => lines.next().is_some_and(|l| {
            l.len() >= 5
                && l.starts_with(b"\"")
                && l.ends_with(b": {")
                && !l[1..l.len() - 4].contains(&b'"')
        }),
        _ => false,
    };
    tree.then_some(Kind::GoVet)
}

/// Reads a whole static-analysis document.
pub fn parse(bytes: &[u8], kind: Kind, input: u32) -> Parsed {
    let index = LineIndex::new(bytes);
    let mut out = Parsed {
        lines: index.lines(),
        ..Parsed::default()
    };
    match kind {
        Kind::Sarif => sarif::parse(bytes, &index, input, &mut out),
        Kind::GoVet => vet::parse(bytes, &index, input, &mut out),
        Kind::StaticcheckJson => vet::staticcheck_json(bytes, input, &mut out),
    }
    out.context = out
        .context
        .min(out.lines - out.parse_errors().min(out.lines));
    out
}

/// A serde_json error at `base` (the offset its parse started from).
pub(super) fn json_error(
    index: &LineIndex,
    bytes: &[u8],
    base: usize,
    e: &serde_json::Error,
) -> (u32, u32) {
    if e.line() == 0 {
        return index.at(base.min(bytes.len().saturating_sub(1)));
    }
    let (l0, c0) = index.at(base);
    if e.line() == 1 {
        (l0, c0 + e.column().saturating_sub(1) as u32)
    } else {
        (l0 + e.line() as u32 - 1, e.column().max(1) as u32)
    }
}

/// Reads input `n` when it is a static-analysis document: its accounting,
/// diagnostics (at most `max_diags` kept; returns how many were not) and
/// findings. `None` when it is not one.
pub fn read_input(
    bytes: &[u8],
    n: u32,
    original_line: impl Fn(u32) -> u32,
    stats: &mut InputStats,
    diagnostics: &mut Vec<Diagnostic>,
    findings: &mut Vec<StaticFinding>,
    max_diags: usize,
) -> Option<u64> {
    let kind = detect(bytes)?;
    let parsed = parse(bytes, kind, n);
    stats.formats.insert(kind.bit());
    stats.lines = parsed.lines as u64;
    stats.parse_errors = parsed.parse_errors() as u64;
    stats.context = parsed.context as u64;
    stats.records = stats.lines - stats.parse_errors - stats.context;
    let unkept = parsed.diags.len().saturating_sub(max_diags) as u64;
    diagnostics.extend(parsed.diags.into_iter().take(max_diags).map(
        |(line, col, severity, message)| Diagnostic {
            input: n,
            line: original_line(line),
            col,
            severity,
            message,
        },
    ));
    findings.extend(parsed.findings.into_iter().map(|mut f| {
        f.input_line = original_line(f.input_line);
        f
    }));
    Some(unkept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(
            detect(br#"{"version":"2.1.0","runs":[]}"#),
            Some(Kind::Sarif)
        );
        assert_eq!(
            detect(b"{\n  \"$schema\": \"x\",\n  \"runs\": []\n}"),
            Some(Kind::Sarif)
        );
        assert_eq!(detect(b"# app/x\n{}\n"), Some(Kind::GoVet));
        assert_eq!(
            detect(b"# app/x\n{\n\t\"app/x\": {\n\t\t\"copylocks\": []}}\n"),
            Some(Kind::GoVet)
        );
        assert_eq!(
            detect(br#"{"code":"SA2001","severity":"error","location":{"file":"/a.go","line":3,"column":2},"message":"m"}"#),
            Some(Kind::StaticcheckJson)
        );
        // Logs are not static findings.
        assert_eq!(detect(br#"{"level":"info","ts":1,"msg":"runs"}"#), None);
        assert_eq!(detect(br#"{"version":"1","msg":"no runs here"}"#), None);
        assert_eq!(detect(b"# a comment\nplain text\n"), None);
        assert_eq!(detect(b"{}\n"), None);
        assert_eq!(detect(b"{\n\": {\n"), None);
        assert_eq!(detect(b""), None);
    }

    #[test]
    fn errors_count_lines_once() {
        let p = parse(br#"{"a": {"x": 5, "y": {"z": 1}}}"#, Kind::GoVet, 0);
        assert_eq!(p.diags.len(), 2, "{:?}", p.diags);
        assert_eq!(p.parse_errors(), 1);
        assert_eq!(p.lines, 1);
    }

    #[test]
    fn broken_documents_are_diagnosed() {
        let p = parse(b"{\"runs\": [ {\"tool\": ", Kind::Sarif, 0);
        assert_eq!(p.parse_errors(), 1);
        assert_eq!((p.diags[0].0, p.diags[0].1), (1, 20));
        let vet = b"# a\n{\n\t\"a\": {\n\t\t\"copylocks\": [\n\t\t\t{\"posn\": \"/x.go:3:1\", \"message\": \"m\"},\n\t\t\t{\"posn\": 7\n# b\n{\n\t\"b\": {\n\t\t\"loopclosure\": [\n\t\t\t{\"posn\": \"/y.go:9:2\", \"message\": \"n\"}\n\t\t]\n\t}\n}\n";
        let p = parse(vet, Kind::GoVet, 0);
        assert_eq!(p.parse_errors(), 1, "{:?}", p.diags);
        assert_eq!(p.diags[0].0, 7);
        assert_eq!(p.findings.len(), 1);
        assert_eq!(
            (p.findings[0].path.as_str(), p.findings[0].line),
            ("/y.go", 9)
        );
        assert_eq!(p.findings[0].input_line, 11);
    }
}
