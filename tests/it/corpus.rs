//! The real zapsvc logs of the corpus against the corpus oracle
//! (`tests/fixtures/truth/*.json`, written by the corpus's brute-force
//! `oracle.py`): per-map pair counts, totals, and every example pair.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::harness::{
    ZAP_JSON, ZAP_SINGLE, fixture_lines, report_counts_for, scan_json, sites, split_source, str_of,
    truth, truth_counts,
};

/// Default `--examples`.
const EXAMPLES: u64 = 3;
/// At most this many trace ids are listed per site (docs/design.md).
const MAX_TRACES: usize = 20;

const WRITES: [&str; 3] = ["write", "delete", "clear"];

fn is_write(op: &str) -> bool {
    WRITES.contains(&op)
}

/// One side of an oracle pair, as the report identifies a window:
/// (goroutine, line of the begin record).
fn oracle_side(side: &Value) -> (String, u64) {
    (
        side["goroutine"].to_string(),
        side["lines"][0].as_u64().expect("oracle lines"),
    )
}

fn report_side(side: &Value, path: &str) -> (String, u64) {
    let (p, line) = split_source(str_of(&side["source"]));
    assert_eq!(p, path, "example source is in the scanned file: {side}");
    (str_of(&side["actor"]).to_string(), line)
}

fn unordered<T: Ord>(a: T, b: T) -> (T, T) {
    if a <= b { (a, b) } else { (b, a) }
}

/// (map, unordered pair of (goroutine, begin line))
type PairKey = (String, ((String, u64), (String, u64)));

/// The oracle's pairs, keyed by [`PairKey`].
fn oracle_pairs(truth: &Value) -> BTreeMap<PairKey, &Value> {
    let mut out = BTreeMap::new();
    for p in truth["pairs"].as_array().expect("truth has pairs") {
        let key = (
            str_of(&p["map"]).to_string(),
            unordered(oracle_side(&p["a"]), oracle_side(&p["b"])),
        );
        assert!(out.insert(key, p).is_none(), "oracle pairs are distinct");
    }
    out
}

/// The `caller` of the record on `line` (1-based) of the log.
fn caller_at(lines: &[String], line: u64) -> String {
    let rec: Value = serde_json::from_str(&lines[line as usize - 1]).expect("corpus line is JSON");
    str_of(&rec["caller"]).to_string()
}

#[derive(Debug, Default, PartialEq, Eq)]
struct SiteTruth {
    kind: &'static str,
    pairs: u64,
    actors: BTreeSet<String>,
    traces: BTreeSet<String>,
    first: i64,
    last: i64,
}

type SiteKey = (String, ((String, String), (String, String)));

/// Conflict sites rebuilt from the oracle's pair list: grouped by (map,
/// unordered pair of (op, caller of the begin record)), with the actors,
/// traces and earliest/latest start of the windows that take part.
fn oracle_sites(truth: &Value, log: &[String]) -> BTreeMap<SiteKey, SiteTruth> {
    let mut out: BTreeMap<SiteKey, SiteTruth> = BTreeMap::new();
    for p in truth["pairs"].as_array().expect("truth has pairs") {
        let side = |s: &Value| {
            let op = str_of(&s["op"]).to_string();
            let caller = caller_at(log, s["lines"][0].as_u64().expect("lines"));
            (op, caller)
        };
        let (a, b) = (&p["a"], &p["b"]);
        let key = (str_of(&p["map"]).to_string(), unordered(side(a), side(b)));
        let (oa, ob) = (str_of(&a["op"]), str_of(&b["op"]));
        let kind = if is_write(oa) && is_write(ob) {
            "write/write"
        } else if oa == "range" || ob == "range" {
            "range/write"
        } else {
            "read/write"
        };
        let s = out.entry(key).or_insert_with(|| SiteTruth {
            kind,
            first: i64::MAX,
            last: i64::MIN,
            ..SiteTruth::default()
        });
        assert_eq!(s.kind, kind);
        s.pairs += 1;
        for w in [a, b] {
            s.actors.insert(w["goroutine"].to_string());
            if let Some(t) = w["trace_id"].as_str() {
                s.traces.insert(t.to_string());
            }
            let start = w["start_ns"].as_i64().expect("start_ns");
            s.first = s.first.min(start);
            s.last = s.last.max(start);
        }
    }
    out
}

const ACCESS_OPS: [&str; 5] = ["read", "range", "write", "delete", "clear"];
const LOCK_OPS: [&str; 3] = ["lock_wait", "lock_acquired", "lock_released"];

#[derive(Default)]
struct Census {
    /// Access and lock records.
    events: u64,
    /// Goroutines with an access or a lock record.
    actors: BTreeSet<String>,
    /// Maps with an access record.
    maps: BTreeSet<String>,
}

/// Counts the zapsvc log's access and lock records (README: `op` with `map`
/// or with `lock`).
fn census(log: &[String]) -> Census {
    let mut c = Census::default();
    for line in log {
        let rec: Value = serde_json::from_str(line).expect("corpus line is JSON");
        let op = rec["op"].as_str().unwrap_or("");
        let access = ACCESS_OPS.contains(&op) && rec.get("map").is_some();
        let lock = LOCK_OPS.contains(&op) && rec.get("lock").is_some();
        if access || lock {
            c.events += 1;
            c.actors.insert(rec["goroutine"].to_string());
        }
        if access {
            c.maps.insert(str_of(&rec["map"]).to_string());
        }
    }
    c
}

fn check_log(path: &str, truth_name: &str) {
    let truth = truth(truth_name);
    let (report, code) = scan_json(&[path]);
    assert_eq!(code, 1, "conflicts are findings: exit 1");

    // Per-map counts, split by kind.
    let want = truth_counts(&truth);
    let got = report_counts_for(&report, &truth);
    assert_eq!(got, want, "per-map pair counts (all, w/w, r/w)");
    for (id, c) in &want {
        if c.pairs == 0 {
            assert!(
                sites(&report).iter().all(|s| s["object"] != id.as_str()),
                "map {id} is protected by its lock: no conflict site"
            );
        }
    }

    // Totals.
    let s = &report["summary"];
    assert_eq!(s["accesses"], truth["accesses"], "summary.accesses");
    assert_eq!(s["holds"], truth["holds"], "summary.holds");
    assert_eq!(s["open_accesses"], truth["open_accesses"], "open accesses");
    assert_eq!(
        s["conflicts"], truth["total_conflict_pairs"],
        "summary.conflicts"
    );
    assert_eq!(report["inputs"][0]["records"], truth["records"]);
    assert_eq!(report["inputs"].as_array().map(Vec::len), Some(1));
    assert_eq!(report["inputs"][0]["path"], path);
    assert_eq!(s["parse_errors"], 0);

    // Events, goroutines and maps, counted from the log's records.
    let log = fixture_lines(path);
    let census = census(&log);
    assert_eq!(s["events"].as_u64(), Some(census.events), "summary.events");
    assert_eq!(s["actors"].as_u64(), Some(census.actors.len() as u64));
    assert_eq!(s["objects"].as_u64(), Some(census.maps.len() as u64));
    assert_eq!(census.maps.len(), want.len(), "every map is in the truth");

    // Sites: counts, actors, traces and first/last start, rebuilt from the pairs.
    let want_sites = oracle_sites(&truth, &log);
    assert_eq!(
        s["conflict_sites"].as_u64(),
        Some(want_sites.len() as u64),
        "summary.conflict_sites"
    );
    assert_eq!(sites(&report).len(), want_sites.len());
    for site in sites(&report) {
        assert_eq!(site["scope"], path, "one input, one scope");
        let side = |i: usize| {
            (
                str_of(&site["sides"][i]["op"]).to_string(),
                str_of(&site["sides"][i]["site"]).to_string(),
            )
        };
        let key = (
            str_of(&site["object"]).to_string(),
            unordered(side(0), side(1)),
        );
        let want = want_sites
            .get(&key)
            .unwrap_or_else(|| panic!("site {key:?} is not in the oracle's pairs"));
        assert_eq!(site["kind"], want.kind, "{key:?}");
        assert_eq!(site["conflicts"].as_u64(), Some(want.pairs), "{key:?}");
        assert_eq!(
            site["actors"].as_u64(),
            Some(want.actors.len() as u64),
            "{key:?} actors"
        );
        let traces: Vec<&str> = want
            .traces
            .iter()
            .map(String::as_str)
            .take(MAX_TRACES)
            .collect();
        let got: Vec<&str> = site["traces"]
            .as_array()
            .expect("traces")
            .iter()
            .map(str_of)
            .collect();
        assert_eq!(got, traces, "{key:?} traces: sorted, at most {MAX_TRACES}");
        if let Some(n) = site.get("trace_count") {
            assert_eq!(
                n.as_u64(),
                Some(want.traces.len() as u64),
                "{key:?} trace_count"
            );
        }
        assert_eq!(site["first_ns"].as_i64(), Some(want.first), "{key:?}");
        assert_eq!(site["last_ns"].as_i64(), Some(want.last), "{key:?}");
        let examples = site["examples"].as_array().expect("examples");
        assert_eq!(
            examples.len() as u64,
            want.pairs.min(EXAMPLES),
            "{key:?}: --examples 3 per site"
        );
        for e in examples {
            let ops = unordered(
                str_of(&e["a"]["op"]).to_string(),
                str_of(&e["b"]["op"]).to_string(),
            );
            assert_eq!(ops, unordered(key.1.0.0.clone(), key.1.1.0.clone()));
            assert_eq!(e["object"], site["object"]);
            assert_eq!(e["kind"], site["kind"]);
        }
    }

    // Every kept example is one of the oracle's pairs, with its evidence.
    let pairs = oracle_pairs(&truth);
    let conflicts = report["conflicts"].as_array().expect("conflicts");
    let kept: usize = sites(&report)
        .iter()
        .map(|s| s["examples"].as_array().map_or(0, Vec::len))
        .sum();
    assert_eq!(conflicts.len(), kept, "conflicts lists the kept examples");
    assert!(!conflicts.is_empty());
    let mut seen = BTreeSet::new();
    for c in conflicts {
        let object = str_of(&c["object"]).to_string();
        let (a, b) = (report_side(&c["a"], path), report_side(&c["b"], path));
        let key = (object, unordered(a.clone(), b.clone()));
        assert!(seen.insert(key.clone()), "example {key:?} kept twice");
        let p = pairs
            .get(&key)
            .unwrap_or_else(|| panic!("example {c} is not an oracle pair"));
        assert_eq!(c["overlap_ns"], p["overlap_ns"], "overlap of {key:?}");
        assert_eq!(c["scope"], path);
        // Both sides carry the oracle's window and evidence.
        for (side, ours) in [(&c["a"], &a), (&c["b"], &b)] {
            let theirs = if oracle_side(&p["a"]) == *ours {
                &p["a"]
            } else {
                &p["b"]
            };
            assert_eq!(side["op"], theirs["op"]);
            assert_eq!(side["start_ns"], theirs["start_ns"]);
            assert_eq!(side["end_ns"], theirs["end_ns"]);
            assert_eq!(side["trace"], theirs["trace_id"]);
            let key = theirs["key"].as_str().filter(|k| !k.is_empty());
            assert_eq!(side["key"].as_str(), key, "key (empty means none)");
            let lines = theirs["lines"].as_array().expect("lines");
            match lines.get(1) {
                Some(end) => {
                    let (p, l) = split_source(str_of(&side["end_source"]));
                    assert_eq!(p, path);
                    assert_eq!(Some(l), end.as_u64(), "end record line");
                }
                None => assert!(side["end_source"].is_null(), "single record: {side}"),
            }
        }
    }
}

#[test]
fn zap_json_matches_the_oracle() {
    check_log(ZAP_JSON, "zap_json");
}

#[test]
fn zap_single_matches_the_oracle() {
    check_log(ZAP_SINGLE, "zap_single");
}

/// Every record line of a fixture is accounted for.
#[test]
fn fixture_lines_are_all_records() {
    for (path, name) in [(ZAP_JSON, "zap_json"), (ZAP_SINGLE, "zap_single")] {
        let t = truth(name);
        let (r, _) = scan_json(&[path]);
        let input = &r["inputs"][0];
        let lines = fixture_lines(path).len() as u64;
        assert_eq!(input["lines"].as_u64(), Some(lines));
        assert_eq!(
            input["context"].as_u64(),
            t["non_record_lines"].as_u64(),
            "{path}"
        );
        assert_eq!(
            input["bytes"].as_u64(),
            Some(
                std::fs::metadata(crate::harness::fixture(path))
                    .unwrap()
                    .len()
            )
        );
    }
}
