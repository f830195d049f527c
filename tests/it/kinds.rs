//! Every kind of finding in every format (issue 11): for each kind of
//! `FindingKind::ALL` a real fixture that produces it, and for each renderer
//! a check that the finding is visibly there — by its id or fingerprint, its
//! evidence line `path:line`, its map, lock or variable, or its message.
//! Unconfirmed conflicts are counted (table, JSON) but are no findings
//! (never in JSONL or SARIF).
//!
//! The matches on `FindingKind` and `Finding` below have no wildcard: a new
//! kind does not compile here until it has a fixture and its marks.

use racetrail::report::{Finding, FindingKind, FindingRef, Report};

use crate::harness::{path_str, run, tempdir};

/// Every `--format` value.
const FORMATS: [&str; 9] = [
    "table", "json", "jsonl", "sarif", "dot", "mermaid", "html", "trace", "timeline",
];

/// An STD trace from the format's definition (as in `hb.rs`): T1 is forked
/// and writes V1 while T0 does, with no lock, fork or join between.
const STD_TRACE: &str = "T0|fork(T1)|1\nT0|w(V1)|2\nT1|w(V1)|3\nT1|acq(L1)|4\nT1|w(V2)|5\nT1|rel(L1)|6\nT0|acq(L1)|7\nT0|r(V2)|8\nT0|rel(L1)|9\nT0|join(T1)|10\nT0|w(V1)|11\n";

/// The arguments of `racetrail scan` whose report has a finding of `kind`.
fn fixture(kind: FindingKind, std_trace: &str) -> Vec<String> {
    let v: Vec<&str> = match kind {
        FindingKind::Conflict => vec!["tests/fixtures/zap_json.jsonl"],
        FindingKind::KernelConflict => vec![
            "tests/fixtures/capture/kmaps.capture",
            "tests/fixtures/capture/kmaps.stderr",
        ],
        FindingKind::Race => vec!["tests/fixtures/go/race_global_var.stderr"],
        // The zap log of the crashing run: the crash has times and its other
        // side (tests/it/goruntime.rs).
        FindingKind::Crash => vec!["tests/fixtures/go/zap_crash.jsonl"],
        FindingKind::Deadlock => vec!["tests/fixtures/go/deadlock_locks.jsonl"],
        FindingKind::HappensBefore => vec!["--mode", "hb", std_trace],
    };
    v.into_iter().map(String::from).collect()
}

/// What a finding can be recognised by in an output.
struct Marks {
    /// The id of the JSON report (a happens-before pair has none there).
    id: Option<String>,
    /// SARIF's `partialFingerprints`.
    fingerprint: String,
    /// `path:line` of its first evidence line.
    source: String,
    /// The map, lock or variable it is on (a crash: its message).
    object: String,
}

fn marks(f: &FindingRef<'_>) -> Marks {
    let (id, fingerprint, object) = match f.finding {
        Finding::Site(s) => (
            Some(s.id.clone()),
            s.fingerprint.clone(),
            s.object_name.clone().unwrap_or_else(|| s.object.clone()),
        ),
        Finding::Race(r) => (
            Some(r.id.clone()),
            r.fingerprint.clone(),
            r.sides[0].func.clone(),
        ),
        Finding::Crash(c) => (
            Some(c.id.clone()),
            c.fingerprint.clone(),
            c.messages[0].clone(),
        ),
        Finding::Deadlock(d) => (
            Some(d.id.clone()),
            d.fingerprint.clone(),
            d.locks[0].clone(),
        ),
        Finding::HappensBefore(c) => (None, f.id.clone(), c.object.clone()),
    };
    assert!(!f.source.is_empty(), "{:?} has no source", f.kind);
    Marks {
        id,
        fingerprint,
        source: f.source.clone(),
        object,
    }
}

/// The strings `format` must show of a finding of `kind`.
fn expected(kind: FindingKind, format: &str, m: &Marks) -> Vec<String> {
    let id = || m.id.clone().unwrap_or_else(|| m.fingerprint.clone());
    let untimed = matches!(kind, FindingKind::Race | FindingKind::HappensBefore);
    match format {
        // The documents carry everything of the finding.
        "json" | "jsonl" => {
            let mut v = vec![m.source.clone(), m.object.clone()];
            v.extend(m.id.clone());
            v
        }
        "sarif" => vec![m.fingerprint.clone(), m.object.clone()],
        "html" => vec![m.source.clone(), m.object.clone()],
        "table" => vec![m.source.clone(), m.object.clone()],
        // The graphs show what it is on; the hb pairs their trace lines.
        "dot" | "mermaid" => match kind {
            FindingKind::HappensBefore => vec![m.object.clone(), m.source.clone()],
            FindingKind::Conflict
            | FindingKind::KernelConflict
            | FindingKind::Race
            | FindingKind::Crash
            | FindingKind::Deadlock => vec![m.object.clone()],
        },
        // Without times, listed by id; else drawn on the object.
        "trace" | "timeline" if untimed => vec![id(), m.source.clone()],
        "trace" | "timeline" => vec![m.object.clone()],
        other => panic!("no expectation for --format {other}"),
    }
}

fn scan(format: &str, args: &[String]) -> String {
    let mut all = vec!["scan", "--format", format];
    all.extend(args.iter().map(String::as_str));
    let r = run(&all, None);
    assert_eq!(r.code, 1, "scan --format {format} {args:?}: {}", r.stderr);
    r.text()
}

/// The report of `args` read back from its JSON, and the JSON text.
fn report(args: &[String]) -> (Report, String) {
    let text = scan("json", args);
    (
        serde_json::from_str(&text).expect("the JSON report reads back"),
        text,
    )
}

#[test]
fn every_kind_of_finding_shows_in_every_format() {
    let dir = tempdir();
    let std = dir.path().join("race.std");
    std::fs::write(&std, STD_TRACE).unwrap();
    let mut missing = Vec::new();
    for kind in FindingKind::ALL {
        let args = fixture(kind, path_str(&std));
        let (r, _) = report(&args);
        let findings = r.findings();
        let f = findings
            .iter()
            .find(|f| f.kind == kind)
            .unwrap_or_else(|| panic!("{args:?} has no {}", kind.name()));
        let m = marks(f);
        for format in FORMATS {
            let out = scan(format, &args);
            for want in expected(kind, format, &m) {
                if !out.contains(&want) {
                    missing.push(format!("{} in --format {format}: {want:?}", kind.name()));
                }
            }
        }
        // JSONL: one line of the kind's type per finding of the kind.
        let lines = scan("jsonl", &args);
        let typed = lines
            .lines()
            .filter(|l| {
                l.contains(&format!("\"type\":\"{}\"", kind.jsonl_type()))
                    && m.id.as_ref().is_none_or(|id| l.contains(id.as_str()))
            })
            .count();
        assert!(typed >= 1, "{}: no JSONL line of its type", kind.name());
    }
    assert!(
        missing.is_empty(),
        "findings missing:\n{}",
        missing.join("\n")
    );
}

/// Kernel conflict sites are told from log ones: both sides are runtime
/// map calls of the capture.
#[test]
fn kernel_conflicts_are_their_own_kind() {
    let args = fixture(FindingKind::KernelConflict, "");
    let (r, _) = report(&args);
    let kinds: Vec<FindingKind> = r.findings().iter().map(|f| f.kind).collect();
    assert!(kinds.contains(&FindingKind::KernelConflict), "{kinds:?}");
    assert!(kinds.contains(&FindingKind::Conflict), "{kinds:?}");
    for f in r.findings() {
        let Finding::Site(s) = f.finding else {
            continue;
        };
        let both = s.sides.iter().all(|x| x.site.starts_with("runtime.map"));
        assert_eq!(f.kind == FindingKind::KernelConflict, both, "{}", s.id);
    }
}

/// Unconfirmed conflicts are counted in the table and the JSON, and are no
/// findings: not in `findings()`, JSONL or SARIF.
#[test]
fn unconfirmed_conflicts_are_counted_not_found() {
    let args = vec!["tests/fixtures/sampling/sampled.jsonl".to_string()];
    let (r, json) = report(&args);
    assert!(r.summary.unconfirmed > 0 && !r.unconfirmed_sites.is_empty());
    assert_eq!(
        r.summary.unconfirmed_sites,
        r.unconfirmed_sites.len() as u64
    );
    let table = scan("table", &args);
    assert!(
        table.contains(&format!(
            "at {} unconfirmed",
            if r.summary.unconfirmed_sites == 1 {
                "1 site".to_string()
            } else {
                format!("{} sites", r.summary.unconfirmed_sites)
            }
        )),
        "{table}"
    );
    let (jsonl, sarif) = (scan("jsonl", &args), scan("sarif", &args));
    let findings = r.findings();
    // An unconfirmed site can share its id with a confirmed one (same
    // sides): those are told apart by count.
    assert_eq!(findings.len(), r.conflict_sites.len());
    assert_eq!(jsonl.lines().count(), r.conflict_sites.len());
    let results: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(
        results["runs"][0]["results"].as_array().unwrap().len(),
        r.conflict_sites.len()
    );
    let mut only_unconfirmed = 0;
    for u in &r.unconfirmed_sites {
        assert!(json.contains(&u.id), "{} not in the JSON", u.id);
        if r.conflict_sites.iter().any(|s| s.id == u.id) {
            continue;
        }
        only_unconfirmed += 1;
        assert!(!findings.iter().any(|f| f.id == u.id), "{}", u.id);
        assert!(!jsonl.contains(&u.id), "unconfirmed {} in JSONL", u.id);
        assert!(
            !sarif.contains(&u.fingerprint),
            "unconfirmed {} in SARIF",
            u.fingerprint
        );
    }
    assert!(
        only_unconfirmed > 0,
        "the fixture has unconfirmed-only sites"
    );
    let site = &r.conflict_sites[0];
    assert!(jsonl.contains(&site.id) && sarif.contains(&site.fingerprint));
}
