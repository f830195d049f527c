//! `--format sarif`: SARIF 2.1.0 for code-scanning tools. One result per
//! conflict site, race site, crash and deadlock, located at the Go source
//! the finding names (callers, top user frames) with the log records as
//! related locations; rule ids per kind; fingerprints as
//! `partialFingerprints`, and `baselineState` when a baseline was given.
//! Static analysers' findings on a finding's site (see
//! [`super::static_join`]) are related locations too.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::locks::DeadlockReport;
use super::runtime::{Crash, RaceSite};
use super::{Conflict, ConflictSite, Finding, Renderer, Report};

pub struct Sarif;

const RULES: [(&str, &str, &str); 11] = [
    (
        "map-conflict/write-write",
        "Concurrent map writes",
        "Two goroutines wrote the same map in overlapping windows without a common lock.",
    ),
    (
        "map-conflict/read-write",
        "Concurrent map read and write",
        "One goroutine read a map while another wrote it, in overlapping windows without a common lock.",
    ),
    (
        "map-conflict/range-write",
        "Map iterated while written",
        "One goroutine ranged over a map while another wrote it, without a common lock.",
    ),
    (
        "race/map",
        "Data race on a map",
        "The Go race detector reported conflicting accesses to a map.",
    ),
    (
        "race/data",
        "Data race",
        "The Go race detector reported conflicting accesses to memory.",
    ),
    (
        "crash/concurrent-map",
        "Crash: concurrent map access",
        "The Go runtime aborted on a concurrent map access.",
    ),
    (
        "crash/fatal",
        "Crash: fatal error",
        "The Go runtime aborted with a fatal error.",
    ),
    ("crash/panic", "Crash: panic", "The program panicked."),
    (
        "crash/signal",
        "Crash: signal",
        "The program died on a signal (with its goroutine dump).",
    ),
    (
        "deadlock",
        "Deadlock",
        "Goroutines waited for locks held by each other.",
    ),
    (
        "race/happens-before",
        "Happens-before race",
        "Two accesses to one variable, at least one a write, that no lock, fork or join orders (--mode hb).",
    ),
];

/// `file:line` → a SARIF physical location; `None` when it is no such thing.
fn location(site: &str, message: Option<&str>) -> Option<Value> {
    let (file, line) = site.rsplit_once(':')?;
    let line: u64 = line.parse().ok().filter(|&l| l > 0)?;
    if file.is_empty() || file == "?" {
        return None;
    }
    let uri = if file.starts_with('/') {
        format!("file://{file}")
    } else {
        file.to_string()
    };
    let mut loc = json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri },
            "region": { "startLine": line }
        }
    });
    if let Some(m) = message {
        loc["message"] = json!({ "text": m });
    }
    Some(loc)
}

/// The static findings on a runtime finding, as related locations.
fn static_related(refs: &[super::static_join::StaticRef]) -> impl Iterator<Item = Value> + '_ {
    refs.iter().filter_map(|r| {
        let how = if r.by == "line" {
            "this line"
        } else {
            "this function"
        };
        let mut loc = location(
            &r.source,
            Some(&format!(
                "{} {} flagged {how}{}: {}",
                r.tool,
                r.rule,
                if r.suppressed { " (suppressed)" } else { "" },
                r.message
            )),
        )?;
        if r.column > 0 {
            loc["physicalLocation"]["region"]["startColumn"] = json!(r.column);
        }
        Some(loc)
    })
}

fn result(
    rule: &str,
    message: String,
    locations: Vec<Value>,
    related: Vec<Value>,
    fingerprint: &str,
    known: bool,
    baseline: bool,
) -> Value {
    // Without a Go source location, the first log record stands in.
    let mut locations = locations;
    if locations.is_empty() {
        locations.extend(related.first().cloned());
    }
    let index = RULES.iter().position(|r| r.0 == rule).unwrap_or(0);
    let mut r = json!({
        "ruleId": rule,
        "ruleIndex": index,
        "level": "error",
        "message": { "text": message },
        "locations": locations,
        "partialFingerprints": { "racetrail/v1": fingerprint },
    });
    if !related.is_empty() {
        r["relatedLocations"] = Value::Array(related);
    }
    if baseline {
        r["baselineState"] = json!(if known { "unchanged" } else { "new" });
    }
    r
}

/// `--mode hb`: one result per example pair, at the racy access (its
/// `file:line` when the location is one, else its trace line), with both
/// trace lines related; the message carries the scope's figures.
fn hb_result(report: &Report, c: &Conflict, fingerprint: &str, baseline: bool) -> Value {
    let scope = report
        .hb
        .iter()
        .flat_map(|h| &h.scopes)
        .find(|s| s.scope == c.scope);
    let figures = scope.map_or_else(String::new, |s| {
        format!(
            "; {} racy event(s) at {} location(s) in {}",
            s.racy_events, s.racy_locations, s.scope
        )
    });
    let message = format!(
        "happens-before race on {}: {} {} at location {} and {} {} at location {} are ordered by no lock, fork or join{figures}",
        c.object, c.a.actor, c.a.op, c.a.site, c.b.actor, c.b.op, c.b.site
    );
    let locs: Vec<Value> = location(&c.b.site, Some(c.b.op))
        .or_else(|| location(&c.b.source, Some(c.b.op)))
        .into_iter()
        .collect();
    let related: Vec<Value> = [&c.a, &c.b]
        .iter()
        .filter_map(|x| location(&x.source, Some(&format!("{} {}", x.actor, x.op))))
        .collect();
    result(
        "race/happens-before",
        message,
        locs,
        related,
        fingerprint,
        false,
        baseline,
    )
}

fn site_result(s: &ConflictSite, baseline: bool) -> Value {
    let rule = format!("map-conflict/{}", s.kind.replace('/', "-"));
    let name = s.object_name.as_deref().unwrap_or(&s.object);
    let message = format!(
        "{} conflicting access pairs on map {name}: {} at {} and {} at {}, by {} goroutines",
        s.conflicts, s.sides[0].op, s.sides[0].site, s.sides[1].op, s.sides[1].site, s.actors
    );
    let mut locs: Vec<Value> = s
        .sides
        .iter()
        .filter_map(|x| location(&x.site, Some(x.op)))
        .collect();
    locs.dedup();
    let related: Vec<Value> = s
        .examples
        .iter()
        .flat_map(|e| [&e.a, &e.b])
        .filter_map(|x| location(&x.source, Some(&format!("goroutine {} {}", x.actor, x.op))))
        .chain(static_related(&s.static_findings))
        .collect();
    result(
        &rule,
        message,
        locs,
        related,
        &s.fingerprint,
        s.known,
        baseline,
    )
}

fn race_result(r: &RaceSite, baseline: bool) -> Value {
    let rule = if r.map { "race/map" } else { "race/data" };
    let sides: Vec<String> = r
        .sides
        .iter()
        .map(|x| format!("{} in {} at {}", x.op, x.func, x.site))
        .collect();
    let message = format!(
        "data race{}: {} ({} report blocks)",
        if r.map { " on a map" } else { "" },
        sides.join(" × "),
        r.blocks
    );
    let mut locs: Vec<Value> = r
        .sides
        .iter()
        .filter_map(|x| location(&x.site, Some(&x.func)))
        .collect();
    locs.dedup();
    let related: Vec<Value> = r
        .reports
        .iter()
        .filter_map(|x| location(&x.source, Some("race report")))
        .chain(static_related(&r.static_findings))
        .collect();
    result(
        rule,
        message,
        locs,
        related,
        &r.fingerprint,
        r.known,
        baseline,
    )
}

fn crash_result(c: &Crash, baseline: bool) -> Value {
    let first = c.messages.first().map(String::as_str).unwrap_or("");
    let rule = if first.starts_with("fatal error: concurrent map") {
        "crash/concurrent-map"
    } else if first.starts_with("fatal error") {
        "crash/fatal"
    } else if first.starts_with("panic") {
        "crash/panic"
    } else {
        "crash/signal"
    };
    let mut message = first.to_string();
    if let (Some(g), Some(f)) = (c.goroutine, &c.func) {
        message.push_str(&format!(" in goroutine {g} at {f}"));
    }
    if !c.other_side.is_empty() {
        let others: Vec<String> = c
            .other_side
            .iter()
            .map(|o| format!("goroutine {} {}", o.actor, o.op))
            .collect();
        message.push_str(&format!("; the other side: {}", others.join(", ")));
    }
    let locs: Vec<Value> = c
        .site
        .as_deref()
        .and_then(|s| location(s, c.func.as_deref()))
        .into_iter()
        .collect();
    let mut related: Vec<Value> = location(&c.source, Some("the dump")).into_iter().collect();
    related.extend(c.other_side.iter().filter_map(|o| {
        location(
            &o.source,
            Some(&format!("goroutine {} {} still open", o.actor, o.op)),
        )
    }));
    related.extend(static_related(&c.static_findings));
    result(
        rule,
        message,
        locs,
        related,
        &c.fingerprint,
        c.known,
        baseline,
    )
}

fn deadlock_result(d: &DeadlockReport, baseline: bool) -> Value {
    let locs: Vec<Value> = d
        .sources
        .iter()
        .filter_map(|s| location(s, Some("lock wait")))
        .collect();
    result(
        "deadlock",
        format!("deadlock: {}", d.cycle()),
        locs,
        Vec::new(),
        &d.fingerprint,
        d.known,
        baseline,
    )
}

impl Renderer for Sarif {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let baseline = report.summary.known_findings.is_some();
        let results: Vec<Value> = report
            .findings()
            .iter()
            .map(|f| match f.finding {
                Finding::Site(s) => site_result(s, baseline),
                Finding::Race(r) => race_result(r, baseline),
                Finding::Crash(c) => crash_result(c, baseline),
                Finding::Deadlock(d) => deadlock_result(d, baseline),
                Finding::HappensBefore(c) => hb_result(report, c, &f.id, baseline),
            })
            .collect();
        let rules: Vec<Value> = RULES
            .iter()
            .map(|(id, name, text)| {
                json!({
                    "id": id,
                    "name": name,
                    "shortDescription": { "text": name },
                    "fullDescription": { "text": text },
                    "defaultConfiguration": { "level": "error" }
                })
            })
            .collect();
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "racetrail",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules
                }},
                "results": results
            }]
        });
        serde_json::to_writer_pretty(&mut *out, &doc).map_err(crate::report::json::io_error)?;
        out.write_all(b"\n")
    }
}
