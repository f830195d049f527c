//! What unattended runs need: baselines and --fail-on, SARIF and JSON lines
//! for machines, --output, merging shard reports, and a few hundred runs of
//! the binary on mutated real files that must all end in 0, 1 or 2 without
//! a panic and without letting an escape byte reach the table.

use serde_json::Value;

use crate::harness::{Rng, ZAP_JSON, path_str, run, scan_json, tempdir};

const RACES: &str = "tests/fixtures/go/race_global_var.stderr";
const CRASH: &str = "tests/fixtures/go/zap_crash.jsonl";

#[test]
fn baseline_flow() {
    let dir = tempdir();
    let base = dir.path().join("base.json");
    let out = run(
        &["scan", "--format", "json", "-o", path_str(&base), ZAP_JSON],
        None,
    );
    assert_eq!(out.code, 1);
    assert!(out.stdout.is_empty(), "--output leaves stdout empty");
    let b = path_str(&base);

    // The same findings again: all known, exit 0, nothing shown.
    let again = run(
        &["scan", "--color", "never", "--baseline", b, ZAP_JSON],
        None,
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    let text = String::from_utf8(again.stdout).unwrap();
    assert!(
        text.contains("6 known findings from the baseline not shown"),
        "{text}"
    );
    assert!(!text.contains("\n\nconflict sites\n"), "{text}");
    let (r, code) = scan_json(&["--baseline", b, ZAP_JSON]);
    assert_eq!(code, 0);
    assert_eq!(r["summary"]["known_findings"], 6);
    assert!(
        r["conflict_sites"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["known"] == true)
    );

    // A log with new races: exit 1, and only they are shown.
    let more = run(
        &["scan", "--color", "never", "--baseline", b, ZAP_JSON, RACES],
        None,
    );
    assert_eq!(more.code, 1);
    let text = String::from_utf8(more.stdout).unwrap();
    assert!(text.contains("race sites"), "{text}");
    assert!(
        !text.contains("\n\nconflict sites\n"),
        "known conflicts stay hidden: {text}"
    );
    // --fail-on any counts the known ones too; never counts nothing.
    assert_eq!(
        run(
            &["scan", "-q", "--baseline", b, "--fail-on", "any", ZAP_JSON],
            None
        )
        .code,
        1
    );
    assert_eq!(
        run(&["scan", "-q", "--fail-on", "never", ZAP_JSON, RACES], None).code,
        0
    );
}

/// Fingerprints leave out what changes between runs: the zapsvc run of the
/// crash fixture has other map addresses, trace ids and times, but its
/// conflict sites on the named maps are the same sites.
#[test]
fn fingerprints_are_stable_across_runs() {
    let (a, _) = scan_json(&[ZAP_JSON]);
    let (b, _) = scan_json(&[CRASH]);
    let fp = |r: &Value, obj: &str, kind: &str| -> Option<String> {
        r["conflict_sites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["object_name"] == obj && s["kind"] == kind)
            .map(|s| s["fingerprint"].as_str().unwrap().to_string())
    };
    let x = fp(&a, "reqCounters", "write/write").unwrap();
    assert_eq!(Some(x.clone()), fp(&b, "reqCounters", "write/write"));
    assert_ne!(
        fp(&a, "reqCounters", "range/write"),
        fp(&a, "lastSeen", "range/write"),
        "names tell maps apart"
    );
    let (c, _) = scan_json(&["tests/fixtures/go/race_cache_method.stderr"]);
    let (d, _) = scan_json(&["tests/fixtures/go/race_cache_method_go123.stderr"]);
    assert_eq!(
        c["races"][0]["fingerprint"], d["races"][0]["fingerprint"],
        "go1.19 and go1.23 runs"
    );
}

#[test]
fn sarif_has_the_2_1_0_shape() {
    let dir = tempdir();
    let base = dir.path().join("base.json");
    run(
        &["scan", "--format", "json", "-o", path_str(&base), ZAP_JSON],
        None,
    );
    let out = run(
        &[
            "scan",
            "--format",
            "sarif",
            "--baseline",
            path_str(&base),
            ZAP_JSON,
            RACES,
            CRASH,
            "tests/fixtures/go/deadlock_locks.jsonl",
        ],
        None,
    );
    let d = out.json();
    assert_eq!(d["version"], "2.1.0");
    assert!(d["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run0 = &d["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "racetrail");
    let rules: Vec<&str> = run0["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let mut unique = rules.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), rules.len(), "rule ids are unique");
    let results = run0["results"].as_array().unwrap();
    let (j, _) = scan_json(&[
        ZAP_JSON,
        RACES,
        CRASH,
        "tests/fixtures/go/deadlock_locks.jsonl",
    ]);
    let findings = ["conflict_sites", "races", "crashes", "deadlocks"]
        .iter()
        .map(|k| j[k].as_array().unwrap().len())
        .sum::<usize>();
    assert_eq!(results.len(), findings, "one result per finding");
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize], id);
        assert_eq!(r["level"], "error");
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        assert!(r["partialFingerprints"]["racetrail/v1"].is_string());
        assert!(matches!(
            r["baselineState"].as_str(),
            Some("new" | "unchanged")
        ));
        let locs = r["locations"].as_array().unwrap();
        assert!(!locs.is_empty(), "{r}");
        for l in locs {
            let p = &l["physicalLocation"];
            assert!(!p["artifactLocation"]["uri"].as_str().unwrap().is_empty());
            assert!(p["region"]["startLine"].as_u64().unwrap() >= 1);
        }
    }
    let by_rule = |prefix: &str| {
        results
            .iter()
            .filter(|r| r["ruleId"].as_str().unwrap().starts_with(prefix))
            .count()
    };
    assert_eq!(by_rule("race/"), 3);
    assert_eq!(by_rule("crash/concurrent-map"), 1);
    assert_eq!(by_rule("deadlock"), 1);
    // Race results point at the Go source the detector named.
    let race = results.iter().find(|r| r["ruleId"] == "race/map").unwrap();
    let uri = race["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(uri.ends_with("datarace_global_var/main.go"), "{uri}");
    // The baseline's findings are unchanged, the others new.
    let state = |prefix: &str| -> Vec<&str> {
        results
            .iter()
            .filter(|r| r["ruleId"].as_str().unwrap().starts_with(prefix))
            .map(|r| r["baselineState"].as_str().unwrap())
            .collect()
    };
    assert!(state("race/").iter().all(|s| *s == "new"));
}

#[test]
fn jsonl_is_one_finding_per_line() {
    let out = run(&["scan", "--format", "jsonl", ZAP_JSON, RACES, CRASH], None);
    assert_eq!(out.code, 1);
    let text = String::from_utf8(out.stdout).unwrap();
    let (j, _) = scan_json(&[ZAP_JSON, RACES, CRASH]);
    let mut counts = std::collections::BTreeMap::new();
    for line in text.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        let t = v["type"].as_str().unwrap().to_string();
        assert!(v["fingerprint"].is_string(), "{line}");
        *counts.entry(t).or_insert(0usize) += 1;
    }
    assert_eq!(
        counts["conflict_site"],
        j["conflict_sites"].as_array().unwrap().len()
    );
    assert_eq!(counts["race"], j["races"].as_array().unwrap().len());
    assert_eq!(counts["crash"], 1);
}

/// Shards scanned apart and merged give the bytes of one scan of all inputs.
#[test]
fn merged_shards_equal_one_scan() {
    let inputs = [
        ZAP_JSON,
        "tests/fixtures/go/race_cache_method.stderr",
        CRASH,
        "tests/fixtures/go/race_cache_method_go123.stderr",
        "tests/fixtures/go/deadlock_locks.jsonl",
        RACES,
        "tests/fixtures/zap_single.jsonl",
    ];
    let dir = tempdir();
    let whole = run(
        &[&["scan", "--format", "json"][..], &inputs[..]].concat(),
        None,
    )
    .stdout;
    for cut in [vec![1, 3, 5], vec![2], vec![1, 2, 3, 4, 5, 6]] {
        let mut reports = Vec::new();
        let mut start = 0;
        for (k, end) in cut.iter().copied().chain([inputs.len()]).enumerate() {
            let p = dir.path().join(format!("shard{k}.json"));
            let args = [
                &["scan", "--format", "json", "-o", path_str(&p)][..],
                &inputs[start..end],
            ]
            .concat();
            run(&args, None);
            reports.push(p);
            start = end;
        }
        let names: Vec<&str> = reports.iter().map(|p| path_str(p)).collect();
        let merged = run(&[&["merge"][..], &names[..]].concat(), None);
        assert_eq!(merged.code, 0, "{}", merged.stderr);
        assert!(
            merged.stdout == whole,
            "cut at {cut:?}: the merge differs from one scan"
        );
    }
    let bad = run(&["merge", "Cargo.toml"], None);
    assert_eq!(bad.code, 2);
}

#[test]
fn mutated_real_files_never_panic_the_binary() {
    let files = [
        ZAP_JSON,
        "tests/fixtures/zap_console.log",
        "tests/fixtures/logfmt.log",
        RACES,
        "tests/fixtures/go/fatal_read_write_system_go123.stderr",
        CRASH,
        "tests/fixtures/go/sigquit.stderr",
        "tests/fixtures/go/zap_embedded_dump.jsonl",
    ];
    let dir = tempdir();
    let mut rng = Rng(0xdecaf);
    let mut runs = 0;
    for f in files {
        let original = std::fs::read(crate::harness::fixture(f)).unwrap();
        for round in 0..30 {
            let mut b = original.clone();
            match round % 6 {
                0 => {
                    for _ in 0..16 {
                        let i = rng.below(b.len());
                        b[i] ^= 1 << rng.below(8);
                    }
                }
                1 => b.truncate(rng.below(b.len())),
                2 => {
                    let at = rng.below(b.len());
                    let junk: Vec<u8> = (0..rng.below(500)).map(|_| rng.next() as u8).collect();
                    b.splice(at..at, junk);
                }
                3 => {
                    let at = rng.below(b.len());
                    let mut long = vec![b'{'];
                    long.extend(std::iter::repeat_n(b'a', 1 << 20));
                    long.push(b'\n');
                    b.splice(at..at, long);
                }
                4 => {
                    // NUL bytes past the binary sniffing window, escapes, CR.
                    let at = 9000.min(b.len());
                    b.splice(at..at, b"\x00\x00{\"op\":\"w\x1b[2J\"}\r\n".iter().copied());
                    let at = rng.below(b.len());
                    b.splice(at..at, b"\x1b]0;title\x07\x1b[31m".iter().copied());
                }
                _ => {
                    let at = rng.below(b.len());
                    let len = rng.below(4000).min(b.len() - at);
                    let copy = b[at..at + len].to_vec();
                    let to = rng.below(b.len());
                    b.splice(to..to, copy);
                }
            }
            let p = dir.path().join(format!("m{runs}.log"));
            std::fs::write(&p, &b).unwrap();
            let out = run(&["scan", "--color", "never", path_str(&p)], None);
            runs += 1;
            assert!(
                matches!(out.code, 0..=2),
                "{f} round {round}: exit {}",
                out.code
            );
            assert!(
                !out.stderr.contains("panicked"),
                "{f} round {round}: {}",
                out.stderr
            );
            assert!(
                !out.stdout.iter().any(|&c| c == 0x1b || c == 0x07 || c == 0),
                "{f} round {round}: a control byte reached the table"
            );
        }
    }
    assert_eq!(runs, 240);
}

/// `racetrail scan … | head -1`: the reader goes away, racetrail exits 0
/// quietly.
#[test]
fn a_closed_pipe_is_no_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_racetrail"))
        .current_dir(crate::harness::root())
        .args([
            "scan",
            "--format",
            "json",
            ZAP_JSON,
            "tests/fixtures/go/fatal_parked_300.stderr",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // stdout is dropped here: the pipe closes long before the report (over
    // 100 kB, more than a pipe buffers) is written.
    let out = child.wait_with_output().unwrap();
    assert_eq!(&first[..1], b"{");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Only the log's own warnings (zapsvc logs every access from one line).
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .lines()
            .all(|l| l.starts_with("racetrail: warning: ") && l.contains("one caller")),
        "{stderr}"
    );
}
