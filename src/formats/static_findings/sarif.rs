//! SARIF 2.1.0 logs: every run's results with a file and line, resolved
//! against `originalUriBaseIds` or the run's working directory.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{LineIndex, Parsed, StaticFinding, json_error, offset_of};

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

pub(super) fn parse(bytes: &[u8], index: &LineIndex, input: u32, out: &mut Parsed) {
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

#[cfg(test)]
mod tests {
    use super::super::{Kind, detect, parse};
    use super::*;
    use crate::formats::Severity;

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
}
