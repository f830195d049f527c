//! Issue 11 ("Report v2"): each fix of the report's bug list, checked on the
//! real fixtures as a user would see it.

use serde_json::Value;

use crate::harness::{run, scan_json, str_of};

/// Inputs with conflict sites of different sides (read | delete, range | write).
const SITE_INPUTS: [&str; 3] = [
    "samples/storefront.jsonl",
    crate::harness::ZAP_JSON,
    "tests/fixtures/go/zap_crash.jsonl",
];

/// Item 5: an example's `a` is the site's side A, `b` its side B, in JSON
/// and in the table's evidence lines.
#[test]
fn evidence_sides_follow_the_site_order() {
    let mut swapped_before = 0;
    for input in SITE_INPUTS {
        let (r, _) = scan_json(&[input]);
        for site in r["conflict_sites"].as_array().unwrap() {
            let side = |i: usize| {
                (
                    str_of(&site["sides"][i]["op"]).to_string(),
                    str_of(&site["sides"][i]["site"]).to_string(),
                )
            };
            let of = |e: &Value| (str_of(&e["op"]).to_string(), str_of(&e["site"]).to_string());
            for ex in site["examples"].as_array().unwrap() {
                assert_eq!(of(&ex["a"]), side(0), "{input}: a is side A: {ex}");
                assert_eq!(of(&ex["b"]), side(1), "{input}: b is side B: {ex}");
                // Time order would have put the later side first here.
                if ex["a"]["start_ns"].as_i64() > ex["b"]["start_ns"].as_i64() {
                    swapped_before += 1;
                }
            }
        }
        // The table: each evidence block's a/b lines name the ops of its row.
        let t = run(&["scan", "--color", "never", input], None).text();
        let evidence = t.split("\nevidence").nth(1).expect("an evidence section");
        let (r, _) = scan_json(&[input]);
        for (n, site) in r["conflict_sites"].as_array().unwrap().iter().enumerate() {
            let block = evidence
                .split(&format!("  #{} ", n + 1))
                .nth(1)
                .expect("the site's evidence");
            let op = |line: &str| {
                let l = block
                    .lines()
                    .find(|l| l.trim_start().starts_with(line))
                    .unwrap();
                l.split_whitespace().nth(3).unwrap().to_string()
            };
            assert_eq!(
                op("a:"),
                str_of(&site["sides"][0]["op"]),
                "{input} #{}",
                n + 1
            );
            assert_eq!(
                op("b:"),
                str_of(&site["sides"][1]["op"]),
                "{input} #{}",
                n + 1
            );
        }
    }
    assert!(
        swapped_before > 0,
        "some example starts with its later window"
    );
}

/// A trace from the STD format's definition (as in `hb.rs`): T1 is forked
/// and writes V1 while T0 does (a race at location 3); V2 is written under
/// L1 by both (ordered); T0's last write comes after the join (ordered).
const STD_TRACE: &str = "T0|fork(T1)|1\nT0|w(V1)|2\nT1|w(V1)|3\nT1|acq(L1)|4\nT1|w(V2)|5\nT1|rel(L1)|6\nT0|acq(L1)|7\nT0|r(V2)|8\nT0|rel(L1)|9\nT0|join(T1)|10\nT0|w(V1)|11\n";

fn std_trace(dir: &tempfile::TempDir) -> String {
    let p = dir.path().join("t.std");
    std::fs::write(&p, STD_TRACE).unwrap();
    crate::harness::path_str(&p).to_string()
}

/// Item 1: `scan --mode hb` shows the racy events, locations and example
/// pairs in the table, and SARIF has a result per example pair.
#[test]
fn hb_results_in_the_table_and_sarif() {
    let dir = crate::harness::tempdir();
    let path = std_trace(&dir);
    let t = run(&["scan", "--mode", "hb", "--color", "never", &path], None);
    assert_eq!(t.code, 1, "a racy event is a finding");
    let text = t.text();
    assert!(
        !text.contains("no conflicting accesses"),
        "a finding is not reported as nothing:\n{text}"
    );
    assert!(
        text.contains("happens-before: 1 racy event at 1 location (11 events in all)"),
        "{text}"
    );
    // The scope's row: threads, events, racy events, racy locations, location 3.
    let row = text
        .lines()
        .find(|l| l.contains(path.as_str()) && l.contains('┆'))
        .unwrap_or_else(|| panic!("a row for the trace:\n{text}"));
    let cells: Vec<&str> = row.split(['│', '┆']).map(str::trim).collect();
    assert_eq!(cells[2..7], ["2", "11", "1", "1", "3"], "{row}");
    assert!(
        text.contains(&format!("a: thread T0 write at location 2, {path}:2")),
        "{text}"
    );
    assert!(
        text.contains(&format!("b: thread T1 write at location 3, {path}:3")),
        "{text}"
    );

    let s = run(&["scan", "--mode", "hb", "--format", "sarif", &path], None);
    let doc = s.json();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "one result per example pair");
    let r = &results[0];
    assert_eq!(r["ruleId"], "race/happens-before");
    let rule =
        &doc["runs"][0]["tool"]["driver"]["rules"][r["ruleIndex"].as_u64().unwrap() as usize];
    assert_eq!(
        rule["id"], "race/happens-before",
        "ruleIndex points at the rule"
    );
    let loc = &r["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["region"]["startLine"], 3,
        "at the racy access's trace line"
    );
    assert!(str_of(&loc["artifactLocation"]["uri"]).ends_with("/t.std"));
    let related: Vec<u64> = r["relatedLocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(related, [2, 3]);
}

/// Item 1 on a real log in hb mode: the table's figures are the JSON's.
#[test]
fn hb_table_figures_equal_the_json() {
    let (r, _) = scan_json(&["--mode", "hb", crate::harness::ZAP_JSON]);
    let hb = &r["hb"];
    let text = run(
        &[
            "scan",
            "--mode",
            "hb",
            "--color",
            "never",
            crate::harness::ZAP_JSON,
        ],
        None,
    )
    .text();
    let want = format!(
        "happens-before: {} racy events at {} location",
        hb["racy_events"], hb["racy_locations"]
    );
    assert!(text.contains(&want), "{want} in\n{text}");
    let examples = r["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["a"]["start_ns"].is_null())
        .count();
    assert!(examples > 0);
    let pairs = text
        .split("\nexample pairs")
        .nth(1)
        .expect("the hb example pairs");
    assert_eq!(
        pairs.matches("\n     b: goroutine ").count(),
        examples,
        "{pairs}"
    );
    let sarif = run(
        &[
            "scan",
            "--mode",
            "hb",
            "--format",
            "sarif",
            crate::harness::ZAP_JSON,
        ],
        None,
    )
    .json();
    let hb_results = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["ruleId"] == "race/happens-before")
        .count();
    assert_eq!(hb_results, examples);
}

const EMBEDDED_DUMP: &str = "tests/fixtures/go/zap_embedded_dump.jsonl";

/// Item 3: a goroutine dump logged in a `stack` field shows in scan's
/// table as a digest; it is information, not a finding (exit 0), and the
/// JSON lists it under `dumps`, not `crashes`.
#[test]
fn a_dump_in_a_field_shows_in_the_scan() {
    let r = run(&["scan", "--color", "never", EMBEDDED_DUMP], None);
    assert_eq!(
        r.code, 0,
        "a dump without a crash is no finding: {}",
        r.stderr
    );
    let text = r.text();
    assert!(
        text.contains("1 goroutine dump without a crash (information, not findings)"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{EMBEDDED_DUMP}:9: goroutine dump")),
        "{text}"
    );
    assert!(
        text.contains("  7 goroutines: semacquire 3, chan receive 1, running 1, select 1, sleep 1")
    );
    assert!(
        text.contains("  2 goroutines (ids 19, 20) [semacquire]"),
        "{text}"
    );
    assert!(text.contains("main.settlementWorker  /build/src/app/zap_breaker_dump/main.go:27"));

    let (j, code) = scan_json(&[EMBEDDED_DUMP]);
    assert_eq!(code, 0);
    assert_eq!(j["summary"]["dumps"], 1);
    assert_eq!(j["summary"]["crashes"], 0);
    assert_eq!(j["dumps"][0]["source"], format!("{EMBEDDED_DUMP}:9"));
    assert_eq!(j["dumps"][0]["goroutines_total"], 7);
    // A crash stays a crash, and a report without plain dumps has no `dumps`.
    let (c, _) = scan_json(&["tests/fixtures/go/fatal_writes_go119.stderr"]);
    assert_eq!(c["summary"]["crashes"], 1);
    assert!(c.get("dumps").is_none() && c["summary"].get("dumps").is_none());
}

/// Item 9: `racetrail dumps` starts with its first dump, not a blank line,
/// and a bucket's goroutine ids read as ids, not as a count.
#[test]
fn dumps_digest_reads_plainly() {
    let r = run(
        &["dumps", "tests/fixtures/go/fatal_writes_go119.stderr"],
        None,
    );
    assert_eq!(r.code, 0);
    let text = r.text();
    assert!(
        text.starts_with("tests/fixtures/go/fatal_writes_go119.stderr:1: fatal error"),
        "{text}"
    );
    assert!(
        text.contains("  1 goroutine (id 7) [chan receive]\n"),
        "{text}"
    );
    assert!(
        !text.contains("]: "),
        "no bare id lists after a state: {text}"
    );
    // Two dumps: one blank line between them, none before the first.
    let two = run(
        &[
            "dumps",
            "tests/fixtures/go/fatal_writes_go119.stderr",
            EMBEDDED_DUMP,
        ],
        None,
    )
    .text();
    assert!(!two.starts_with('\n'));
    assert!(
        two.contains(&format!("\n\n{EMBEDDED_DUMP}:9: goroutine dump\n")),
        "{two}"
    );
}
