//! Incomplete evidence on real logs of one run (tests/fixtures/sampling,
//! docs/fixtures.md): the same records written complete, through zap's
//! production sampler, and with whole accesses kept by a hash of map and
//! key. The sampled log must confirm no pair the complete log lacks; the
//! complete log must stay exact and never be called sampled; estimates from
//! `sample_rate` must come within 10% of the complete counts.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::harness::{read_fixture, run, scan_json};

const DIR: &str = "tests/fixtures/sampling";
/// Maps whose every access the program guards with a mutex.
const GUARDED: [&str; 3] = ["carts", "tokens", "quotas"];

fn path(name: &str) -> String {
    format!("{DIR}/{name}")
}

fn truth(name: &str) -> Value {
    serde_json::from_str(&read_fixture(&path(name))).expect("truth is JSON")
}

/// The complete log's pairs as (map, lower acc_id, higher acc_id).
fn complete_pairs() -> BTreeSet<(String, u64, u64)> {
    let t = truth("truth_complete.json");
    let mut out = BTreeSet::new();
    for (map, pairs) in t["pairs_by_acc_id"].as_object().unwrap() {
        for p in pairs.as_array().unwrap() {
            let (a, b) = (p[0].as_u64().unwrap(), p[1].as_u64().unwrap());
            out.insert((map.clone(), a.min(b), a.max(b)));
        }
    }
    out
}

/// `acc_id` of the record a `path:line` source names.
fn acc_id(lines: &[&str], source: &str) -> u64 {
    let line: usize = source.rsplit(':').next().unwrap().parse().unwrap();
    let rec: Value = serde_json::from_str(lines[line - 1]).unwrap();
    rec["acc_id"].as_u64().expect("access records carry acc_id")
}

/// Every confirmed pair of a report made with `--examples` above the count.
fn confirmed_pairs(report: &Value, log: &str) -> BTreeSet<(String, u64, u64)> {
    let text = read_fixture(&path(log));
    let lines: Vec<&str> = text.lines().collect();
    let mut out = BTreeSet::new();
    for site in report["conflict_sites"].as_array().unwrap() {
        let map = site["object_name"].as_str().unwrap().to_string();
        let ex = site["examples"].as_array().unwrap();
        assert_eq!(ex.len() as u64, site["conflicts"].as_u64().unwrap());
        for e in ex {
            let a = acc_id(&lines, e["a"]["source"].as_str().unwrap());
            let b = acc_id(&lines, e["b"]["source"].as_str().unwrap());
            assert!(out.insert((map.clone(), a.min(b), a.max(b))), "pair twice");
        }
    }
    out
}

fn per_map(report: &Value, key: &str) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for s in report[key].as_array().unwrap() {
        *m.entry(s["object_name"].as_str().unwrap().to_string())
            .or_default() += s["conflicts"].as_u64().unwrap();
    }
    m
}

#[test]
fn the_sampled_log_confirms_only_pairs_of_the_complete_log() {
    let (r, code) = scan_json(&["--examples", "100000", &path("sampled.jsonl")]);
    let got = confirmed_pairs(&r, "sampled.jsonl");
    let complete = complete_pairs();
    let invented: Vec<_> = got.difference(&complete).collect();
    assert!(
        invented.is_empty(),
        "pairs the complete log lacks: {invented:?}"
    );
    // Something is still confirmed: the rule is not "confirm nothing".
    assert!(got.len() > 100, "{} confirmed", got.len());
    assert_eq!(code, 1);

    let complete_by_map = truth("truth_complete.json")["maps"].clone();
    for (map, n) in per_map(&r, "conflict_sites") {
        let whole = complete_by_map[&map]["pairs"].as_u64().unwrap();
        assert!(
            n <= whole,
            "{map}: {n} confirmed, the complete log has {whole}"
        );
        assert!(
            !GUARDED.contains(&map.as_str()),
            "{map} is guarded: {n} pairs"
        );
    }
    // The lost records show up as unconfirmed pairs, also on guarded maps.
    let unconfirmed = per_map(&r, "unconfirmed_sites");
    assert!(
        GUARDED.iter().any(|m| unconfirmed.contains_key(*m)),
        "{unconfirmed:?}"
    );
    let s = &r["summary"];
    assert_eq!(s["sampled"], true);
    assert_eq!(
        s["unconfirmed"].as_u64().unwrap(),
        unconfirmed.values().sum::<u64>()
    );
    assert_eq!(s["deadlocks"], 0, "the program ran to completion");
    assert!(r["deadlocks"].as_array().unwrap().is_empty());
    let sampling = &r["inputs"][0]["sampling"];
    assert_eq!(sampling["lost_records"], true);
    assert!(
        sampling["lossy_intervals"].as_u64().unwrap() > 0,
        "{sampling}"
    );
}

#[test]
fn the_complete_log_is_exact_and_not_sampled() {
    let t = truth("truth_complete.json");
    for log in ["complete.jsonl", "access_rate_1.jsonl"] {
        let (r, _) = scan_json(&["--examples", "100000", &path(log)]);
        assert_eq!(r["summary"]["sampled"], false, "{log}");
        assert_eq!(r["summary"]["unconfirmed"], 0, "{log}");
        assert_eq!(r["inputs"][0]["sampling"]["lost_records"], false, "{log}");
        assert_eq!(r["summary"]["conflicts"], t["total_pairs"], "{log}");
        let maps = per_map(&r, "conflict_sites");
        for (map, m) in t["maps"].as_object().unwrap() {
            let want = m["pairs"].as_u64().unwrap();
            assert_eq!(maps.get(map).copied().unwrap_or(0), want, "{log} {map}");
        }
    }
    let (r, _) = scan_json(&["--examples", "100000", &path("complete.jsonl")]);
    assert_eq!(confirmed_pairs(&r, "complete.jsonl"), complete_pairs());
}

#[test]
fn the_table_says_counts_are_lower_bounds_and_why() {
    // Wide enough that no reason is wrapped onto two lines.
    let out = crate::harness::racetrail()
        .env("COLUMNS", "300")
        .args(["scan", "--color", "never", &path("sampled.jsonl")])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("sampled logs: every count is a lower bound"),
        "{text}"
    );
    assert!(
        text.contains("intervals where a log sampler dropped records"),
        "{text}"
    );
    assert!(
        text.contains("unconfirmed: a side rests on incomplete evidence"),
        "{text}"
    );
    let r = run(&["scan", "--color", "never", &path("complete.jsonl")], None);
    assert!(!r.text().contains("lower bound"), "{}", r.text());
}

#[test]
fn declaring_the_logs_complete_turns_the_sampler_off() {
    let (on, _) = scan_json(&[&path("sampled.jsonl")]);
    let (off, _) = scan_json(&["--sampler", "none", &path("sampled.jsonl")]);
    assert!(
        on["inputs"][0]["sampling"]["lossy_intervals"]
            .as_u64()
            .unwrap()
            > 0
    );
    assert!(
        off["inputs"][0]["sampling"]
            .get("lossy_intervals")
            .is_none()
    );
    // The lost pairs of begin and end still say the log is incomplete.
    assert_eq!(off["summary"]["sampled"], true);
    let bad = run(
        &["scan", "--sampler", "100/x/1s", &path("sampled.jsonl")],
        None,
    );
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("--sampler"), "{}", bad.stderr);
}

/// Access-level sampling: estimates within 10% of the complete log's count
/// on the map with thousands of distinct keys, and the true count inside
/// the interval.
#[test]
fn estimates_from_sample_rate_come_within_ten_percent() {
    let complete = truth("truth_complete.json");
    let want = complete["maps"]["sessions"]["pairs"].as_u64().unwrap() as f64;
    let by_kind = &complete["maps"]["sessions"]["kinds"];
    for (log, within) in [
        ("access_rate_0.5.jsonl", 0.10),
        ("access_rate_0.25.jsonl", 0.10),
        ("access_read0.5_write1.jsonl", 0.10),
        // 154 kept pairs: 10.3% off, the truth still inside the intervals.
        ("access_rate_0.1.jsonl", 0.11),
    ] {
        let (r, _) = scan_json(&[&path(log)]);
        assert_eq!(r["summary"]["sampled"], true, "{log}");
        let mut est = 0.0;
        for s in r["conflict_sites"].as_array().unwrap() {
            if s["object_name"] != "sessions" {
                continue;
            }
            let e = &s["estimate"];
            let n = e["conflicts"].as_u64().unwrap();
            est += n as f64;
            let truth_kind = by_kind[s["kind"].as_str().unwrap()].as_u64().unwrap();
            let (lo, hi) = (e["low"].as_u64().unwrap(), e["high"].as_u64().unwrap());
            assert!(
                lo <= truth_kind && truth_kind <= hi,
                "{log} {}: {truth_kind} outside [{lo}, {hi}]",
                s["kind"]
            );
            assert!(lo >= s["conflicts"].as_u64().unwrap());
        }
        let off = (est - want).abs() / want;
        assert!(off <= within, "{log}: estimate {est} for {want} ({off:.3})");
    }
    // Without sample_rate there is nothing to estimate.
    let (r, _) = scan_json(&[&path("complete.jsonl")]);
    assert!(r["summary"].get("estimated_conflicts").is_none());
    assert!(r["conflict_sites"][0].get("estimate").is_none());
}

/// The README's demo, `racetrail scan samples/`: what docs/samples.md says.
#[test]
fn the_bundled_samples_say_what_docs_samples_md_says() {
    let (r, code) = scan_json(&["samples/"]);
    assert_eq!(code, 1);
    let mut by_input: BTreeMap<String, u64> = BTreeMap::new();
    for s in r["conflict_sites"].as_array().unwrap() {
        let ex = &s["examples"][0]["a"]["source"];
        let input = ex.as_str().unwrap().rsplit_once(':').unwrap().0.to_string();
        *by_input.entry(input).or_default() += s["conflicts"].as_u64().unwrap();
    }
    assert_eq!(by_input.get("samples/storefront.jsonl"), Some(&115));
    assert_eq!(by_input.get("samples/sessions_sampled.jsonl"), Some(&271));
    assert_eq!(by_input.len(), 2, "the clean run has none: {by_input:?}");
    assert_eq!(r["summary"]["unconfirmed"], 463);
    assert_eq!(r["summary"]["sampled"], true);
    assert_eq!(r["summary"]["deadlocks"], 0);
    let lost: Vec<bool> = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["sampling"]["lost_records"] == true)
        .collect();
    assert_eq!(
        lost,
        [true, false, false],
        "sessions_sampled, storefront, storefront_clean"
    );
}
