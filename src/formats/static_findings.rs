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

use std::collections::BTreeMap;

use serde::Deserialize;
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
    fn error(&mut self, at: (u32, u32), message: String) {
        self.diags.push((at.0, at.1, Severity::Error, message));
    }

    fn warn(&mut self, at: (u32, u32), message: String) {
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
struct LineIndex(Vec<usize>);

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
    fn at(&self, offset: usize) -> (u32, u32) {
        let line = self.0.partition_point(|&s| s <= offset).max(1);
        (line as u32, (offset - self.0[line - 1]) as u32 + 1)
    }
}

/// The offset of a borrowed raw value inside the document.
fn offset_of(doc: &[u8], raw: &RawValue) -> usize {
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
        Kind::Sarif => sarif(bytes, &index, input, &mut out),
        Kind::GoVet => vet(bytes, &index, input, &mut out),
        Kind::StaticcheckJson => staticcheck_json(bytes, input, &mut out),
    }
    out.context = out
        .context
        .min(out.lines - out.parse_errors().min(out.lines));
    out
}

/// A serde_json error at `base` (the offset its parse started from).
fn json_error(index: &LineIndex, bytes: &[u8], base: usize, e: &serde_json::Error) -> (u32, u32) {
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

// ---- SARIF ------------------------------------------------------------------

#[derive(Deserialize)]
struct SarifLog<'a> {
    #[serde(borrow)]
    runs: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    #[serde(default)]
    original_uri_base_ids: BTreeMap<String, ArtifactLocation>,
    #[serde(default)]
    artifacts: Vec<Artifact>,
    #[serde(default)]
    invocations: Vec<Invocation>,
    #[serde(default, borrow)]
    results: Option<Vec<&'a RawValue>>,
}

#[derive(Deserialize)]
struct Tool {
    driver: Driver,
}

#[derive(Deserialize)]
struct Driver {
    name: String,
    #[serde(default)]
    rules: Vec<Rule>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: Option<String>,
    short_description: Option<Message>,
}

#[derive(Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: Option<String>,
    uri_base_id: Option<String>,
    index: Option<usize>,
}

#[derive(Deserialize)]
struct Artifact {
    location: Option<ArtifactLocation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    working_directory: Option<ArtifactLocation>,
}

#[derive(Deserialize, Clone, Default)]
struct Message {
    text: Option<String>,
    id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: Option<String>,
    rule_index: Option<usize>,
    rule: Option<RuleRef>,
    #[serde(default)]
    message: Message,
    kind: Option<String>,
    #[serde(default)]
    locations: Vec<Location>,
    #[serde(default)]
    suppressions: Vec<Suppression>,
}

#[derive(Deserialize)]
struct RuleRef {
    id: Option<String>,
    index: Option<usize>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: Option<PhysicalLocation>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: Option<ArtifactLocation>,
    region: Option<Region>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: Option<u32>,
    start_column: Option<u32>,
}

#[derive(Deserialize)]
struct Suppression {
    status: Option<String>,
}

/// A `file:` URI or a path as a path: scheme and host dropped,
/// percent-escapes decoded, backslashes as slashes.
pub fn uri_path(uri: &str) -> String {
    let rest = match uri.strip_prefix("file://") {
        Some(r) => match r.find('/') {
            // `file:///abs` or `file://host/abs`
            Some(i) => &r[i..],
            None => r,
        },
        None => uri.strip_prefix("file:").unwrap_or(uri),
    };
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    let hex = |b: &u8| (*b as char).to_digit(16);
    while i < bytes.len() {
        match bytes[i] {
            b'%' => match (
                bytes.get(i + 1).and_then(hex),
                bytes.get(i + 2).and_then(hex),
            ) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            b'\\' => out.push(b'/'),
            b => out.push(b),
        }
        i += 1;
    }
    let mut path = String::from_utf8_lossy(&out).into_owned();
    // `/C:/src/x.go` (a Windows file URI) → `C:/src/x.go`.
    if path.len() > 3 && path.as_bytes()[0] == b'/' && path.as_bytes()[2] == b':' {
        path.remove(0);
    }
    path
}

fn is_absolute(uri: &str) -> bool {
    uri.starts_with('/')
        || uri.contains("://")
        || uri.starts_with("file:")
        || (uri.len() > 2 && uri.as_bytes()[1] == b':')
}

fn join(base: &str, rel: &str) -> String {
    let base = base.trim_end_matches('/');
    let rel = rel.trim_start_matches("./");
    if base.is_empty() {
        rel.to_string()
    } else {
        format!("{base}/{rel}")
    }
}

impl Run<'_> {
    /// The path of an artifact location, resolved against its base.
    fn resolve(&self, loc: &ArtifactLocation) -> Option<String> {
        let mut loc = loc.clone();
        if loc.uri.is_none() {
            let a = self.artifacts.get(loc.index?)?.location.clone()?;
            loc = a;
        }
        let uri = loc.uri.clone()?;
        if is_absolute(&uri) {
            return Some(uri_path(&uri));
        }
        let mut path = uri_path(&uri);
        let mut base = loc.uri_base_id.clone();
        // Bases may chain; a cycle or a long chain stops the walk.
        for _ in 0..8 {
            let Some(b) = base.take().and_then(|b| self.original_uri_base_ids.get(&b)) else {
                break;
            };
            if let Some(u) = &b.uri {
                path = join(&uri_path(u), &path);
                if is_absolute(u) {
                    return Some(path);
                }
            }
            base = b.uri_base_id.clone();
        }
        // An undefined base (staticcheck's `%SRCROOT%`) or none: the run's
        // working directory is the best guess.
        match self
            .invocations
            .iter()
            .find_map(|i| i.working_directory.as_ref()?.uri.clone())
        {
            Some(wd) => Some(join(&uri_path(&wd), &path)),
            None => Some(path),
        }
    }
}

fn sarif(bytes: &[u8], index: &LineIndex, input: u32, out: &mut Parsed) {
    let log: SarifLog<'_> = match serde_json::from_slice(bytes) {
        Ok(l) => l,
        Err(e) => {
            let at = json_error(index, bytes, 0, &e);
            out.error(at, format!("invalid SARIF: {e}"));
            return;
        }
    };
    for raw in log.runs {
        let at = index.at(offset_of(bytes, raw));
        let run: Run<'_> = match serde_json::from_str(raw.get()) {
            Ok(r) => r,
            Err(e) => {
                let at = json_error(index, bytes, offset_of(bytes, raw), &e);
                out.error(at, format!("invalid SARIF run: {e}"));
                continue;
            }
        };
        let tool = run.tool.driver.name.clone();
        if tool.eq_ignore_ascii_case("racetrail") {
            out.warn(
                at,
                "racetrail's own SARIF output, not a static analyser's; run skipped".into(),
            );
            continue;
        }
        for raw in run.results.iter().flatten() {
            let start = offset_of(bytes, raw);
            let at = index.at(start);
            let r: SarifResult = match serde_json::from_str(raw.get()) {
                Ok(r) => r,
                Err(e) => {
                    let at = json_error(index, bytes, start, &e);
                    out.error(at, format!("invalid SARIF result: {e}"));
                    continue;
                }
            };
            if matches!(
                r.kind.as_deref(),
                Some("pass" | "notApplicable" | "informational")
            ) {
                continue;
            }
            let rule_at = |i: usize| run.tool.driver.rules.get(i);
            let rule_index = r.rule_index.or(r.rule.as_ref().and_then(|x| x.index));
            let rule = r
                .rule_id
                .clone()
                .or_else(|| r.rule.as_ref().and_then(|x| x.id.clone()))
                .or_else(|| rule_index.and_then(rule_at).and_then(|x| x.id.clone()))
                .unwrap_or_default();
            let message = r
                .message
                .text
                .clone()
                .or_else(|| {
                    let desc = rule_index.and_then(rule_at).or_else(|| {
                        run.tool
                            .driver
                            .rules
                            .iter()
                            .find(|x| x.id.as_deref() == Some(&rule))
                    });
                    desc.and_then(|d| d.short_description.clone()?.text)
                })
                .or(r.message.id.clone())
                .unwrap_or_default();
            let suppressed = r
                .suppressions
                .iter()
                .any(|s| s.status.as_deref().is_none_or(|s| s == "accepted"));
            let located = r.locations.iter().find_map(|l| {
                let p = l.physical_location.as_ref()?;
                let path = run.resolve(p.artifact_location.as_ref()?)?;
                let region = p.region.as_ref();
                let line = region.and_then(|r| r.start_line).filter(|&l| l > 0)?;
                let col = region.and_then(|r| r.start_column).unwrap_or(0);
                Some((path, line, col))
            });
            let Some((path, line, col)) = located else {
                out.warn(
                    at,
                    format!("SARIF result {rule:?} has no file and line; not joined"),
                );
                continue;
            };
            out.findings.push(StaticFinding {
                path,
                line,
                col,
                tool: tool.clone(),
                rule,
                message,
                suppressed,
                input,
                input_line: at.0,
                input_col: at.1,
            });
        }
    }
}

// ---- go vet -json -------------------------------------------------------------

#[derive(Deserialize)]
struct VetDiagnostic {
    posn: String,
    message: String,
}

#[derive(Deserialize)]
struct VetError {
    error: String,
}

/// `file:line:col` or `file:line`; `None` for `-` and other positionless forms.
pub fn split_posn(posn: &str) -> Option<(&str, u32, u32)> {
    let (rest, last) = posn.rsplit_once(':')?;
    let last: u32 = last.parse().ok()?;
    match rest.rsplit_once(':') {
        Some((file, line)) if !file.is_empty() => match line.parse::<u32>() {
            Ok(line) => Some((file, line, last)),
            Err(_) => Some((rest, last, 0)),
        },
        _ if !rest.is_empty() => Some((rest, last, 0)),
        _ => None,
    }
    .filter(|&(_, line, _)| line > 0)
}

fn vet(bytes: &[u8], index: &LineIndex, input: u32, out: &mut Parsed) {
    let mut pos = 0;
    while pos < bytes.len() {
        let line_end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |n| pos + n + 1);
        let line = bytes[pos..line_end].trim_ascii();
        if line.is_empty() || line.starts_with(b"#") {
            out.context += 1;
            pos = line_end;
            continue;
        }
        if !line.starts_with(b"{") {
            // Build errors and other tool output between the trees.
            out.context += 1;
            pos = line_end;
            continue;
        }
        let mut stream =
            serde_json::Deserializer::from_slice(&bytes[pos..]).into_iter::<&RawValue>();
        match stream.next() {
            Some(Ok(raw)) => {
                let end = pos + stream.byte_offset();
                vet_tree(bytes, index, raw, input, out);
                // The rest of the value's last line is part of it.
                pos = memchr::memchr(b'\n', &bytes[end..]).map_or(bytes.len(), |n| end + n + 1);
            }
            Some(Err(e)) => {
                let at = json_error(index, bytes, pos, &e);
                out.error(at, format!("invalid go vet -json output: {e}"));
                // Resume at the next package line or tree after the error;
                // the broken value's other lines are context.
                let next = index.0[(at.0 as usize).min(index.0.len())..]
                    .iter()
                    .copied()
                    .find(|&s| matches!(bytes.get(s), Some(b'#' | b'{')))
                    .unwrap_or(bytes.len());
                let first = index.at(pos).0;
                let last = index.at(next.saturating_sub(1).max(pos)).0;
                out.context += last - first;
                pos = next.max(line_end);
            }
            None => break,
        }
    }
}

fn vet_tree(bytes: &[u8], index: &LineIndex, raw: &RawValue, input: u32, out: &mut Parsed) {
    let at = index.at(offset_of(bytes, raw));
    let tree: BTreeMap<String, BTreeMap<String, &RawValue>> = match serde_json::from_str(raw.get())
    {
        Ok(t) => t,
        Err(e) => {
            out.error(
                at,
                format!("go vet -json: expected {{package: {{analyzer: [...]}}}}: {e}"),
            );
            return;
        }
    };
    for analyzers in tree.values() {
        for (analyzer, result) in analyzers {
            let rat = index.at(offset_of(bytes, result));
            if let Ok(e) = serde_json::from_str::<VetError>(result.get()) {
                out.warn(rat, format!("go vet {analyzer} failed: {}", e.error));
                continue;
            }
            let diags: Vec<&RawValue> = match serde_json::from_str(result.get()) {
                Ok(d) => d,
                Err(e) => {
                    out.error(rat, format!("go vet {analyzer}: expected a list: {e}"));
                    continue;
                }
            };
            for d in diags {
                let dat = index.at(offset_of(bytes, d));
                let diag: VetDiagnostic = match serde_json::from_str(d.get()) {
                    Ok(x) => x,
                    Err(e) => {
                        out.error(dat, format!("go vet {analyzer}: invalid diagnostic: {e}"));
                        continue;
                    }
                };
                let Some((file, line, col)) = split_posn(&diag.posn) else {
                    out.warn(
                        dat,
                        format!(
                            "go vet {analyzer}: position {:?} is not file:line:col; not joined",
                            diag.posn
                        ),
                    );
                    continue;
                };
                out.findings.push(StaticFinding {
                    path: file.to_string(),
                    line,
                    col,
                    tool: "go vet".into(),
                    rule: analyzer.clone(),
                    message: diag.message,
                    suppressed: false,
                    input,
                    input_line: dat.0,
                    input_col: dat.1,
                });
            }
        }
    }
}

// ---- staticcheck -f json --------------------------------------------------------

#[derive(Deserialize)]
struct ScProblem {
    code: String,
    location: ScLocation,
    message: String,
}

#[derive(Deserialize)]
struct ScLocation {
    file: String,
    line: u32,
    column: u32,
}

fn staticcheck_json(bytes: &[u8], input: u32, out: &mut Parsed) {
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = n as u32 + 1;
        if line_no > out.lines {
            break;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.trim_ascii().is_empty() {
            out.context += 1;
            continue;
        }
        let p: ScProblem = match serde_json::from_slice(line) {
            Ok(p) => p,
            Err(e) => {
                out.error(
                    (line_no, e.column().max(1) as u32),
                    format!("invalid staticcheck -f json line: {e}"),
                );
                continue;
            }
        };
        if p.code == "compile" || p.location.line == 0 {
            out.warn(
                (line_no, 1),
                format!("staticcheck {}: {} (not joined)", p.code, p.message),
            );
            continue;
        }
        out.findings.push(StaticFinding {
            path: p.location.file,
            line: p.location.line,
            col: p.location.column,
            tool: "staticcheck".into(),
            rule: p.code,
            message: p.message,
            suppressed: false,
            input,
            input_line: line_no,
            input_col: 1,
        });
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
    fn uris_become_paths() {
        assert_eq!(
            uri_path("file:///tmp/ci/a%20b/main.go"),
            "/tmp/ci/a b/main.go"
        );
        assert_eq!(uri_path("file://host/src/x.go"), "/src/x.go");
        assert_eq!(uri_path("file:///C:/src/x.go"), "C:/src/x.go");
        assert_eq!(uri_path("pkg\\x.go"), "pkg/x.go");
        assert_eq!(uri_path("100%"), "100%");
        assert_eq!(uri_path("a%2"), "a%2");
    }

    #[test]
    fn vet_positions() {
        assert_eq!(split_posn("/a/b.go:19:9"), Some(("/a/b.go", 19, 9)));
        assert_eq!(split_posn("b.go:19"), Some(("b.go", 19, 0)));
        assert_eq!(split_posn("C:/a/b.go:3:1"), Some(("C:/a/b.go", 3, 1)));
        assert_eq!(split_posn("-"), None);
        assert_eq!(split_posn("b.go:0:0"), None);
    }

    /// SARIF as golangci-lint, gosec and CodeQL write it, built from the
    /// SARIF 2.1.0 definition (no real output of those tools is available
    /// here): a base id defined in `originalUriBaseIds`, an artifact index, a
    /// rule given by index, a suppressed result and a passing one.
    #[test]
    fn sarif_bases_indexes_and_suppressions() {
        let doc = br#"{
  "runs": [{
    "tool": {"driver": {"name": "gosec", "rules": [{"id": "G104", "shortDescription": {"text": "Errors unhandled"}}]}},
    "originalUriBaseIds": {"SRC": {"uri": "file:///home/ci/work/"}},
    "artifacts": [{"location": {"uri": "svc/store.go", "uriBaseId": "SRC"}}],
    "results": [
      {"ruleIndex": 0, "message": {}, "locations": [{"physicalLocation": {"artifactLocation": {"index": 0}, "region": {"startLine": 55, "startColumn": 3}}}]},
      {"ruleId": "G101", "message": {"text": "creds"}, "suppressions": [{"kind": "inSource"}],
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "svc/main.go", "uriBaseId": "SRC"}, "region": {"startLine": 7}}}]},
      {"ruleId": "G102", "kind": "pass", "message": {"text": "ok"},
       "locations": [{"physicalLocation": {"artifactLocation": {"uri": "svc/main.go"}, "region": {"startLine": 9}}}]},
      {"ruleId": "G103", "message": {"text": "nowhere"}}
    ]
  }],
  "version": "2.1.0"
}"#;
        assert_eq!(detect(doc), Some(Kind::Sarif));
        let p = parse(doc, Kind::Sarif, 0);
        let got: Vec<(&str, u32, &str, &str, bool)> = p
            .findings
            .iter()
            .map(|f| {
                (
                    f.path.as_str(),
                    f.line,
                    f.rule.as_str(),
                    f.message.as_str(),
                    f.suppressed,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "/home/ci/work/svc/store.go",
                    55,
                    "G104",
                    "Errors unhandled",
                    false
                ),
                ("/home/ci/work/svc/main.go", 7, "G101", "creds", true),
            ]
        );
        assert_eq!(p.findings[0].input_line, 7);
        // The located-nowhere result is a warning at its own line.
        assert_eq!(p.diags.len(), 1);
        assert_eq!((p.diags[0].0, p.diags[0].2), (12, Severity::Warning));
        assert_eq!(p.parse_errors(), 0);
    }

    #[test]
    fn own_sarif_is_skipped() {
        let doc = br#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"racetrail"}},"results":[{"ruleId":"race/map","message":{"text":"x"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"a.go"},"region":{"startLine":3}}}]}]}]}"#;
        let p = parse(doc, Kind::Sarif, 0);
        assert!(p.findings.is_empty());
        assert_eq!(p.diags.len(), 1);
        assert!(p.diags[0].3.contains("racetrail's own"), "{:?}", p.diags);
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
