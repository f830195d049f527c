//! Static findings next to runtime findings: did a compile-time check flag
//! the code that conflicted at run time, and which runtime findings escaped
//! every check?
//!
//! Each finding of a static analyser (SARIF, `go vet -json`, staticcheck) is
//! attached to the runtime findings — conflict sites (either side's caller),
//! race sites (either side's top user frame) and crashes (the crashing
//! goroutine's top user frame) — that stand
//!
//! - on the same line of the same file (`"match": "line"`), or
//! - in the same top-level function of the same file (`"match": "function"`;
//!   a goroutine's closure belongs to the function it is written in, as
//!   staticcheck's SA2000 flags the `wg.Add` inside it).
//!
//! The same file: build roots differ between CI and production, so two paths
//! name one file when they share their longest common suffix of path
//! components — at least the file and its directory, unless one side names
//! the file alone — and no other static path shares a longer one. Function
//! extents come from the Go source (gofmt'ed: a top-level `func` runs to the
//! next line that is just `}`), found at the static finding's path, at the
//! runtime path, or under a `--source-root` by the longest suffix that
//! exists there; without the source only line matches are made.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::Report;
use crate::formats::Formats;
use crate::formats::static_findings::StaticFinding;
use crate::pipeline::Analysis;

/// A static finding on a runtime finding's site.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct StaticRef {
    /// `path:line` of the Go code the check flagged.
    pub source: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub column: u32,
    pub tool: String,
    pub rule: String,
    pub message: String,
    /// `line` (the same line) or `function` (the same top-level function).
    #[serde(rename = "match", deserialize_with = "super::wire::by")]
    pub by: super::wire::Name,
    /// An accepted suppression: the check flagged it and someone silenced it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
    /// `path:line:col` of the finding in the analyser's output.
    pub evidence: String,
}

/// A static finding of the inputs, with the runtime findings it is on.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StaticEntry {
    pub source: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub column: u32,
    pub tool: String,
    pub rule: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suppressed: bool,
    pub evidence: String,
    /// Ids of the conflict sites, races and crashes it was attached to.
    pub findings: Vec<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Path components, `.` and empty ones dropped.
fn components(path: &str) -> Vec<&str> {
    path.split(['/', '\\'])
        .filter(|c| !c.is_empty() && *c != ".")
        .collect()
}

/// Trailing components two paths share.
fn common_suffix(a: &[&str], b: &[&str]) -> usize {
    a.iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y)
        .count()
}

/// `file:line` → (file, line).
fn split_site(site: &str) -> Option<(&str, u32)> {
    let (file, line) = site.rsplit_once(':')?;
    let line = line.parse().ok().filter(|&l| l > 0)?;
    (!file.is_empty() && file != "?").then_some((file, line))
}

/// Top-level function extents of gofmt'ed Go source, as 1-based line ranges.
pub fn func_extents(src: &str) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut open: Option<u32> = None;
    for (i, line) in src.lines().enumerate() {
        let n = i as u32 + 1;
        let line = line.trim_end();
        if line.starts_with("func ") || line.starts_with("func(") {
            // A trailing comment does not make a one-line function longer.
            let code = line.split(" //").next().unwrap_or(line).trim_end();
            if code.ends_with('}') && code.contains('{') {
                out.push((n, n));
                open = None;
            } else {
                // A previous `func` without a body is replaced.
                open = Some(n);
            }
        } else if line == "}"
            && let Some(start) = open.take()
        {
            out.push((start, n));
        }
    }
    out
}

/// Go sources looked up by path, each read once.
struct Sources<'r> {
    roots: &'r [PathBuf],
    cache: BTreeMap<String, Option<Vec<(u32, u32)>>>,
}

impl Sources<'_> {
    /// The extents of the file a static finding at `path` names; `runtime`
    /// is the runtime's path of the same file.
    fn extents(&mut self, path: &str, runtime: &str) -> Option<&Vec<(u32, u32)>> {
        if !self.cache.contains_key(path) {
            let found = self.find(path, runtime).and_then(|p| {
                std::fs::read(&p)
                    .ok()
                    .map(|b| func_extents(&String::from_utf8_lossy(&b)))
            });
            self.cache.insert(path.to_string(), found);
        }
        self.cache.get(path).and_then(Option::as_ref)
    }

    fn find(&self, path: &str, runtime: &str) -> Option<PathBuf> {
        let comps = components(path);
        let min = comps.len().min(2);
        let suffixes = (min..=comps.len())
            .rev()
            .map(|k| comps[comps.len() - k..].join("/"));
        let under_roots = suffixes
            .flat_map(|s| self.roots.iter().map(move |r| r.join(&s)))
            .collect::<Vec<_>>();
        [PathBuf::from(path), PathBuf::from(runtime)]
            .into_iter()
            .chain(under_roots)
            .find(|p| p.is_file())
    }
}

/// Static paths that name the same file as a runtime path: those that share
/// the longest common suffix with it, and those that are a suffix of it (or
/// it of them: a relative path names its file wherever the root is).
fn same_file<'s>(runtime: &str, statics: &'s [String]) -> Vec<&'s str> {
    let r = components(runtime);
    let scored: Vec<(usize, bool, &str)> = statics
        .iter()
        .filter_map(|s| {
            let c = components(s);
            let need = 2.min(r.len()).min(c.len()).max(1);
            let n = common_suffix(&r, &c);
            (n >= need).then_some((n, n == c.len() || n == r.len(), s.as_str()))
        })
        .collect();
    let best = scored.iter().map(|x| x.0).max().unwrap_or(0);
    scored
        .into_iter()
        .filter(|&(n, whole, _)| n == best || whole)
        .map(|(_, _, s)| s)
        .collect()
}

/// Whether any input was a static analyser's output.
pub fn has_static_inputs(an: &Analysis<'_>) -> bool {
    let mut mask = Formats::default();
    for bit in [Formats::SARIF, Formats::GO_VET, Formats::STATICCHECK] {
        mask.insert(bit);
    }
    an.inputs.iter().any(|i| i.formats.intersects(mask))
}

/// Attaches the analysis's static findings to the report's runtime
/// findings, replacing what an earlier join attached.
pub fn join(report: &mut Report, an: &Analysis<'_>, roots: &[PathBuf]) {
    let present = has_static_inputs(an);
    // The same finding from two outputs of one tool (SARIF and JSON) once.
    let mut findings: Vec<&StaticFinding> = an.statics.iter().collect();
    findings.sort_by(|a, b| {
        (
            &a.path,
            a.line,
            a.col,
            a.tool.to_lowercase(),
            &a.rule,
            &a.message,
        )
            .cmp(&(
                &b.path,
                b.line,
                b.col,
                b.tool.to_lowercase(),
                &b.rule,
                &b.message,
            ))
            .then((a.input, a.input_line).cmp(&(b.input, b.input_line)))
    });
    findings.dedup_by(|b, a| {
        (&a.path, a.line, a.col, &a.rule, &a.message)
            == (&b.path, b.line, b.col, &b.rule, &b.message)
            && a.tool.eq_ignore_ascii_case(&b.tool)
    });
    let mut paths: Vec<String> = findings.iter().map(|f| f.path.clone()).collect();
    paths.dedup();
    let mut by_path: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, f) in findings.iter().enumerate() {
        by_path.entry(f.path.as_str()).or_default().push(i);
    }
    let mut sources = Sources {
        roots,
        cache: BTreeMap::new(),
    };
    let evidence =
        |f: &StaticFinding| format!("{}:{}", an.source(f.input, f.input_line), f.input_col);
    let mut attached: Vec<Vec<String>> = vec![Vec::new(); findings.len()];

    // The static findings on a set of runtime sites, and their indexes.
    let mut on_sites = |sites: &[&str], id: &str| -> Vec<StaticRef> {
        let mut hits: BTreeMap<usize, &'static str> = BTreeMap::new();
        for site in sites {
            let Some((file, line)) = split_site(site) else {
                continue;
            };
            for path in same_file(file, &paths) {
                for &i in &by_path[path] {
                    let f = findings[i];
                    let by = if f.line == line {
                        "line"
                    } else if sources.extents(path, file).is_some_and(|ext| {
                        ext.iter()
                            .any(|&(a, b)| (a..=b).contains(&f.line) && (a..=b).contains(&line))
                    }) {
                        "function"
                    } else {
                        continue;
                    };
                    let e = hits.entry(i).or_insert(by);
                    if by == "line" {
                        *e = "line";
                    }
                }
            }
        }
        hits.into_iter()
            .map(|(i, by)| {
                let f = findings[i];
                if !attached[i].iter().any(|x| x == id) {
                    attached[i].push(id.to_string());
                }
                StaticRef {
                    source: format!("{}:{}", f.path, f.line),
                    column: f.col,
                    tool: f.tool.clone(),
                    rule: f.rule.clone(),
                    message: f.message.clone(),
                    by,
                    suppressed: f.suppressed,
                    evidence: evidence(f),
                }
            })
            .collect()
    };
    for s in &mut report.conflict_sites {
        let sites = [s.sides[0].site.as_str(), s.sides[1].site.as_str()];
        s.static_findings = on_sites(&sites, &s.id);
    }
    for r in &mut report.races {
        let sites: Vec<&str> = r.sides.iter().map(|x| x.site.as_str()).collect();
        r.static_findings = on_sites(&sites, &r.id);
    }
    for c in &mut report.crashes {
        let sites: Vec<&str> = c.site.iter().map(String::as_str).collect();
        c.static_findings = on_sites(&sites, &c.id);
    }
    report.static_findings = findings
        .iter()
        .zip(attached)
        .map(|(f, ids)| StaticEntry {
            source: format!("{}:{}", f.path, f.line),
            column: f.col,
            tool: f.tool.clone(),
            rule: f.rule.clone(),
            message: f.message.clone(),
            suppressed: f.suppressed,
            evidence: evidence(f),
            findings: ids,
        })
        .collect();
    if present {
        let unflagged = report
            .conflict_sites
            .iter()
            .filter(|s| s.static_findings.is_empty())
            .count()
            + report
                .races
                .iter()
                .filter(|r| r.static_findings.is_empty())
                .count()
            + report
                .crashes
                .iter()
                .filter(|c| c.static_findings.is_empty())
                .count();
        report.summary.static_findings = Some(findings.len() as u64);
        report.summary.unflagged = Some(unflagged as u64);
    }
}

/// `tool rule` for labels: `go vet copylocks`, `Staticcheck SA2001`.
pub fn label(r: &StaticRef) -> String {
    format!("{} {}", r.tool, r.rule)
}

/// The distinct `tool rule` labels of a list, in order.
pub fn labels(refs: &[StaticRef]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in refs {
        let l = label(r);
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes_pick_the_same_file() {
        let statics = vec![
            "/tmp/ci/build/src/app/static_copylock/main.go".to_string(),
            "/tmp/ci/build/src/app/static_emptycs/main.go".to_string(),
            "static_emptycs/main.go".to_string(),
        ];
        assert_eq!(
            same_file("/build/src/app/static_copylock/main.go", &statics),
            vec!["/tmp/ci/build/src/app/static_copylock/main.go"]
        );
        // Two static outputs of one file from different roots: both.
        assert_eq!(
            same_file("/build/src/app/static_emptycs/main.go", &statics),
            vec![
                "/tmp/ci/build/src/app/static_emptycs/main.go",
                "static_emptycs/main.go"
            ]
        );
        // The file name alone is not enough when both sides say more.
        assert!(same_file("/build/src/app/other/main.go", &statics).is_empty());
        // A bare file name matches its file.
        assert_eq!(same_file("main.go", &statics).len(), 3);
    }

    #[test]
    fn gofmt_function_extents() {
        let src = "package main\n\nfunc a() {} // one line\n\nfunc (s *S) b(\n\tx int,\n) {\n\tgo func() {\n\t}()\n}\n\ntype T struct {\n}\n\nfunc c()\n\nfunc d() {\n\treturn\n}\n";
        assert_eq!(func_extents(src), vec![(3, 3), (5, 10), (17, 19)]);
    }
}
