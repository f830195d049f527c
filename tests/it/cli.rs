//! The command line end to end: exit statuses, inputs (files, directories,
//! stdin), the JSON contract, determinism, bad lines, field overrides,
//! scopes, options, and terminal safety.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use predicates::prelude::*;
use serde_json::Value;

use crate::harness::{
    MapCounts, Run, ZAP_JSON, fixture, fixture_lines, path_str, report_counts, report_counts_for,
    run, scan_json, sites, split_source, str_of, tempdir, truth, truth_counts, write_byte_lines,
    write_lines,
};

const ESC: u8 = 0x1b;

fn parse(line: &str) -> Value {
    serde_json::from_str(line).unwrap_or_else(|e| panic!("corpus line is JSON ({e}): {line}"))
}

/// Map ids the oracle finds no pair on (protected by their locks).
fn protected_maps(truth: &Value) -> BTreeSet<String> {
    truth_counts(truth)
        .into_iter()
        .filter(|(_, c)| c.pairs == 0)
        .map(|(id, _)| id)
        .collect()
}

/// zap_json's lines without the accesses to the unprotected maps: every lock
/// record stays, so the protected maps' accesses keep their holds.
fn protected_only_lines() -> Vec<String> {
    let keep = protected_maps(&truth("zap_json"));
    assert_eq!(keep.len(), 3, "carts, authTokens and quotas");
    fixture_lines(ZAP_JSON)
        .into_iter()
        .filter(|l| {
            parse(l)
                .get("map")
                .and_then(Value::as_str)
                .is_none_or(|m| keep.contains(m))
        })
        .collect()
}

/// zap_json's records by one goroutine (and those without a goroutine).
fn one_goroutine_lines(g: u64) -> Vec<String> {
    let lines: Vec<String> = fixture_lines(ZAP_JSON)
        .into_iter()
        .filter(|l| {
            parse(l)
                .get("goroutine")
                .and_then(Value::as_u64)
                .is_none_or(|x| x == g)
        })
        .collect();
    assert!(
        lines
            .iter()
            .filter(|l| parse(l).get("map").is_some() && parse(l).get("op").is_some())
            .count()
            > 10,
        "goroutine {g} has accesses"
    );
    lines
}

// ---------------------------------------------------------------- exit status

struct Case {
    name: &'static str,
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    code: i32,
    stdout: Box<dyn Predicate<str>>,
    stderr: Box<dyn Predicate<str>>,
}

fn case(name: &'static str, args: &[&str], code: i32) -> Case {
    Case {
        name,
        args: args.iter().map(|s| s.to_string()).collect(),
        stdin: None,
        code,
        stdout: Box::new(predicate::always()),
        stderr: Box::new(predicate::always()),
    }
}

impl Case {
    fn stdin(mut self, bytes: Vec<u8>) -> Self {
        self.stdin = Some(bytes);
        self
    }
    fn stdout(mut self, p: impl Predicate<str> + 'static) -> Self {
        self.stdout = Box::new(p);
        self
    }
    fn stderr(mut self, p: impl Predicate<str> + 'static) -> Self {
        self.stderr = Box::new(p);
        self
    }
}

/// A JSON report whose per-map counts are those of the oracle for zap_json.
fn counts_of_zap_json(s: &str) -> bool {
    let t = truth("zap_json");
    serde_json::from_str::<Value>(s).is_ok_and(|r| report_counts_for(&r, &t) == truth_counts(&t))
}

fn no_conflicts_json(s: &str) -> bool {
    serde_json::from_str::<Value>(s).is_ok_and(|r| {
        r["summary"]["conflicts"] == 0
            && sites(&r).is_empty()
            && r["summary"]["accesses"].as_u64().unwrap_or(0) > 0
    })
}

#[test]
fn exit_status_and_output_by_case() {
    let dir = tempdir();
    let protected = write_lines(dir.path(), "protected.jsonl", &protected_only_lines());
    let single = write_lines(dir.path(), "g6.jsonl", &one_goroutine_lines(6));
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::copy(fixture(ZAP_JSON), logs.join("zap.jsonl")).unwrap();
    let missing = dir.path().join("no-such-file.jsonl");
    let (protected, single, logs, missing) = (
        path_str(&protected),
        path_str(&single),
        path_str(&logs),
        path_str(&missing),
    );
    let zap = std::fs::read(fixture(ZAP_JSON)).unwrap();
    let t = truth("zap_json");
    let total = format!(
        "{} conflicting pairs",
        t["total_conflict_pairs"].as_u64().unwrap()
    );
    let protected_accesses: u64 = protected_maps(&t)
        .iter()
        .map(|m| t["maps"][m]["accesses"].as_u64().unwrap())
        .sum();

    let cases = vec![
        case("protected maps only: no findings", &["scan", protected], 0)
            .stdout(predicate::str::contains("no conflicting accesses")),
        case(
            "protected maps only, json",
            &["scan", "--format", "json", protected],
            0,
        )
        .stdout(
            predicate::function(no_conflicts_json).and(predicate::function(move |s: &str| {
                serde_json::from_str::<Value>(s)
                    .is_ok_and(|r| r["summary"]["accesses"] == protected_accesses)
            })),
        ),
        case("one goroutine: no findings", &["scan", single], 0)
            .stdout(predicate::str::contains("no conflicting accesses")),
        case(
            "one goroutine, json",
            &["scan", "--format", "json", single],
            0,
        )
        .stdout(predicate::function(no_conflicts_json)),
        case("zap_json: findings", &["scan", ZAP_JSON], 1)
            .stdout(predicate::str::contains(total.as_str())),
        case(
            "zap_json: findings, json",
            &["scan", "--format", "json", ZAP_JSON],
            1,
        )
        .stdout(predicate::function(counts_of_zap_json)),
        case(
            "a directory is recursed",
            &["scan", "--format", "json", logs],
            1,
        )
        .stdout(predicate::function(counts_of_zap_json)),
        case("missing file", &["scan", missing], 2)
            .stderr(predicate::str::contains("no-such-file.jsonl")),
        case(
            "missing file next to a good one",
            &["scan", ZAP_JSON, missing],
            2,
        )
        .stderr(predicate::str::contains("no-such-file.jsonl")),
        case(
            "--slack without a unit",
            &["scan", "--slack", "5", ZAP_JSON],
            2,
        )
        .stderr(predicate::str::contains("--slack")),
        case(
            "--slack not a duration",
            &["scan", "--slack", "soon", ZAP_JSON],
            2,
        )
        .stderr(predicate::str::contains("--slack")),
        case("--slack negative", &["scan", "--slack=-1ms", ZAP_JSON], 2)
            .stderr(predicate::str::contains("--slack")),
        case(
            "unknown --field concept",
            &["scan", "--field", "colour=x", ZAP_JSON],
            2,
        ),
        case("unknown option", &["scan", "--bogus", ZAP_JSON], 2),
        case("stdin via -", &["scan", "--format", "json", "-"], 1)
            .stdin(zap.clone())
            .stdout(
                predicate::function(counts_of_zap_json)
                    .and(predicate::str::contains("\"path\": \"-\"")),
            ),
        case("stdin piped, no path", &["scan", "--format", "json"], 1)
            .stdin(zap.clone())
            .stdout(predicate::function(counts_of_zap_json)),
        case("graph defaults to dot", &["graph", ZAP_JSON], 1)
            .stdout(predicate::str::starts_with("digraph")),
    ];

    let mut failures = Vec::new();
    for c in &cases {
        let args: Vec<&str> = c.args.iter().map(String::as_str).collect();
        let r = run(&args, c.stdin.clone());
        let out = String::from_utf8_lossy(&r.stdout);
        if r.code != c.code {
            failures.push(format!(
                "{}: exit {} (want {})\nstderr: {}",
                c.name, r.code, c.code, r.stderr
            ));
        }
        if !c.stdout.eval(&out) {
            failures.push(format!(
                "{}: stdout fails {}\n{}",
                c.name,
                c.stdout,
                out.chars().take(2000).collect::<String>()
            ));
        }
        if !c.stderr.eval(&r.stderr) {
            failures.push(format!(
                "{}: stderr fails {}\n{}",
                c.name, c.stderr, r.stderr
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---------------------------------------------------------------- JSON contract

fn assert_keys(what: &str, v: &Value, keys: &[&str]) {
    let obj = v
        .as_object()
        .unwrap_or_else(|| panic!("{what} is not an object: {v}"));
    let missing: Vec<&&str> = keys.iter().filter(|k| !obj.contains_key(**k)).collect();
    assert!(missing.is_empty(), "{what} lacks {missing:?}: {v}");
}

fn assert_conflict_keys(c: &Value) {
    assert_keys(
        "conflict",
        c,
        &["object", "scope", "kind", "overlap_ns", "a", "b"],
    );
    for s in ["a", "b"] {
        assert_keys(
            "conflict side",
            &c[s],
            &[
                "actor",
                "trace",
                "op",
                "key",
                "start_ns",
                "end_ns",
                "site",
                "source",
                "end_source",
            ],
        );
    }
}

#[test]
fn json_has_every_documented_name() {
    let dir = tempdir();
    let (path, _) = bad_lines_copy(dir.path());
    let (r, code) = scan_json(&[path_str(&path)]);
    assert_eq!(code, 1);
    assert_eq!(r["schema"], "racetrail.report/v1");
    let inputs = r["inputs"].as_array().expect("inputs");
    assert_eq!(inputs.len(), 1);
    assert_keys(
        "input",
        &inputs[0],
        &[
            "path",
            "formats",
            "bytes",
            "lines",
            "records",
            "context",
            "parse_errors",
        ],
    );
    assert_eq!(inputs[0]["formats"], serde_json::json!(["json"]));
    assert_keys(
        "summary",
        &r["summary"],
        &[
            "events",
            "accesses",
            "actors",
            "objects",
            "conflicts",
            "conflict_sites",
            "parse_errors",
        ],
    );
    let sites = sites(&r);
    assert!(!sites.is_empty());
    for s in sites {
        assert_keys(
            "conflict site",
            s,
            &[
                "id",
                "fingerprint",
                "kind",
                "scope",
                "object",
                "sides",
                "conflicts",
                "actors",
                "traces",
                "first_ns",
                "last_ns",
                "examples",
            ],
        );
        let sides = s["sides"].as_array().expect("sides");
        assert_eq!(sides.len(), 2);
        for side in sides {
            assert_keys("site side", side, &["op", "site"]);
        }
        for e in s["examples"].as_array().expect("examples") {
            assert_conflict_keys(e);
        }
    }
    let conflicts = r["conflicts"].as_array().expect("conflicts");
    assert!(!conflicts.is_empty());
    conflicts.iter().for_each(assert_conflict_keys);
    let diags = r["diagnostics"].as_array().expect("diagnostics");
    assert!(!diags.is_empty());
    for d in diags {
        assert_keys("diagnostic", d, &["source", "severity", "message"]);
    }
    // Ids and fingerprints are short stable hashes, distinct per site.
    let ids: BTreeSet<&str> = sites.iter().map(|s| str_of(&s["id"])).collect();
    assert_eq!(ids.len(), sites.len(), "site ids are distinct");
    for s in sites {
        let id = str_of(&s["id"]);
        assert!(
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{id}"
        );
    }
}

// ---------------------------------------------------------------- determinism

#[test]
fn output_is_byte_identical_across_runs_and_threads() {
    let dir = tempdir();
    let (a, b) = split_copy(dir.path());
    let inputs: [Vec<&str>; 2] = [vec![ZAP_JSON], vec![path_str(&a), path_str(&b)]];
    for files in &inputs {
        for format in [
            &["--format", "json"][..],
            &["--format", "table", "--color", "never"],
            &["--format", "dot"],
        ] {
            let outs: Vec<Vec<u8>> = [
                &["-j1"][..],
                &["-j1"],
                &["-j2"],
                &["-j2"],
                &["--mmap", "never"],
            ]
            .iter()
            .map(|extra| {
                let mut args = vec!["scan"];
                args.extend_from_slice(format);
                args.extend_from_slice(extra);
                args.extend_from_slice(files);
                let r = run(&args, None);
                assert_eq!(r.code, 1, "{args:?}: {}", r.stderr);
                r.stdout
            })
            .collect();
            assert!(!outs[0].is_empty());
            for (i, o) in outs.iter().enumerate().skip(1) {
                assert!(
                    *o == outs[0],
                    "{files:?} {format:?}: run {i} differs from run 0"
                );
            }
        }
    }
}

// ---------------------------------------------------------------- bad lines

/// Where each inserted bad line went (1-based line numbers in the copy).
struct BadLines {
    truncated: (u64, usize),
    junk: u64,
    text: Vec<u64>,
}

/// zap_json with a truncated copy of a record (cut inside a string), a line
/// of non-UTF-8 junk starting with `{`, and plain text and blank lines.
fn bad_lines_copy(dir: &Path) -> (std::path::PathBuf, BadLines) {
    let lines = fixture_lines(ZAP_JSON);
    let mut out: Vec<Vec<u8>> = Vec::new();
    let mut text = Vec::new();
    let mut truncated = (0, 0);
    let mut junk = 0;
    let no = |out: &Vec<Vec<u8>>| out.len() as u64 + 1;
    for (i, l) in lines.iter().enumerate() {
        if i == 0 {
            text.push(no(&out));
            out.push(b"starting service (stderr of zapsvc follows)".to_vec());
        }
        if i == 40 {
            // A record cut off inside its trace id, as by a full disk.
            let cut = l.find("\"trace_id\":\"").expect("a trace id") + 16;
            truncated = (no(&out), cut);
            out.push(l.as_bytes()[..cut].to_vec());
        }
        if i == 700 {
            junk = no(&out);
            out.push(b"{\xff\xfe\x01\x1b[31m\x80garbage\x07\xc3".to_vec());
            text.push(no(&out));
            out.push(Vec::new());
        }
        if i == 1000 {
            text.push(no(&out));
            out.push(b"worker restarted after something went wrong".to_vec());
            text.push(no(&out));
            out.push(b"\tat /build/src/app/zapsvc/main.go:99 +0x1d".to_vec());
        }
        out.push(l.as_bytes().to_vec());
    }
    text.push(no(&out));
    out.push(b"exit status 2".to_vec());
    (
        write_byte_lines(dir, "bad.jsonl", &out),
        BadLines {
            truncated,
            junk,
            text,
        },
    )
}

/// A diagnostic about a line (`path:line:col`), not about a whole input
/// (`path`, such as the one-caller warning of zapsvc's logs).
fn about_a_line(d: &&Value) -> bool {
    str_of(&d["source"])
        .rsplit_once(':')
        .is_some_and(|(_, col)| col.parse::<u64>().is_ok())
}

/// `path:line:col` → (path, line, col).
fn split_diag_source(s: &str) -> (&str, u64, u64) {
    let (rest, col) = s.rsplit_once(':').unwrap_or_else(|| panic!("{s}"));
    let (path, line) = split_source(rest);
    (path, line, col.parse().unwrap_or_else(|_| panic!("{s}")))
}

#[test]
fn bad_lines_are_counted_diagnostics() {
    let dir = tempdir();
    let (path, bad) = bad_lines_copy(dir.path());
    let p = path_str(&path);
    let t = truth("zap_json");
    let (r, code) = scan_json(&[p]);
    assert_eq!(code, 1);

    // Nothing else changes.
    assert_eq!(report_counts_for(&r, &t), truth_counts(&t));
    assert_eq!(r["summary"]["accesses"], t["accesses"]);

    // Accounting: lines = records + context + parse_errors.
    let input = &r["inputs"][0];
    let n = |k: &str| input[k].as_u64().unwrap_or_else(|| panic!("inputs[0].{k}"));
    let total_lines = t["records"].as_u64().unwrap() + bad.text.len() as u64 + 2;
    assert_eq!(n("lines"), total_lines);
    assert_eq!(n("lines"), n("records") + n("context") + n("parse_errors"));
    assert_eq!(n("records"), t["records"].as_u64().unwrap());
    assert_eq!(n("parse_errors"), 2);
    assert_eq!(n("context"), bad.text.len() as u64);
    assert_eq!(r["summary"]["parse_errors"], 2);

    // Each bad line is a diagnostic at path:line:col.
    let diags: Vec<(u64, u64, &str)> = r["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(about_a_line)
        .map(|d| {
            let (dp, line, col) = split_diag_source(str_of(&d["source"]));
            assert_eq!(dp, p);
            (line, col, str_of(&d["severity"]))
        })
        .collect();
    assert_eq!(
        diags,
        vec![
            // breaks at the end of the line, inside the unterminated string
            (bad.truncated.0, bad.truncated.1 as u64 + 1, "error"),
            // breaks right after the `{`: no key
            (bad.junk, 2, "error"),
        ]
    );
    for d in r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(about_a_line)
    {
        assert!(
            str_of(&d["message"]).contains("expected"),
            "says what was expected: {d}"
        );
    }

    // The table shows them too, and no byte of the junk reaches the terminal.
    let tr = run(&["scan", "--color", "never", p], None);
    assert_eq!(tr.code, 1);
    assert!(!tr.stdout.contains(&ESC), "raw ESC from the junk line");
    let table = tr.text();
    for (line, col, _) in &diags {
        assert!(table.contains(&format!("{p}:{line}:{col}")), "{table}");
    }

    // --max-errors: more bad lines than allowed is an error; as many is not.
    assert_eq!(run(&["scan", "--max-errors", "1", p], None).code, 2);
    assert_eq!(run(&["scan", "--max-errors", "2", p], None).code, 1);
}

// ---------------------------------------------------------------- options

#[test]
fn field_override_names_the_actor() {
    let dir = tempdir();
    let renamed: Vec<String> = fixture_lines(ZAP_JSON)
        .iter()
        .map(|l| l.replace("\"goroutine\":", "\"worker\":"))
        .collect();
    assert!(renamed.iter().all(|l| !l.contains("\"goroutine\"")));
    let path = write_lines(dir.path(), "worker.jsonl", &renamed);
    let p = path_str(&path);
    let t = truth("zap_json");

    let (r, code) = scan_json(&["--field", "actor=worker", p]);
    assert_eq!(code, 1);
    assert_eq!(report_counts_for(&r, &t), truth_counts(&t));
    assert_eq!(r["summary"]["conflicts"], t["total_conflict_pairs"]);
    for c in r["conflicts"].as_array().unwrap() {
        assert_ne!(c["a"]["actor"], c["b"]["actor"]);
        assert!(
            c["a"]["actor"]
                .as_str()
                .is_some_and(|a| a.parse::<u64>().is_ok())
        );
    }

    // Without the override the goroutines are not told apart.
    let (plain, _) = scan_json(&[p]);
    assert_ne!(report_counts_for(&plain, &t), truth_counts(&t));
}

/// Where zap_json is cut in two: the first line from the middle on before
/// which some access is still open, so the cut splits a window.
fn split_line(lines: &[String]) -> usize {
    (lines.len() / 2..lines.len())
        .find(|&cut| !unmatched(&lines[..cut]).0.is_empty())
        .expect("some access spans a line after the middle")
}

/// zap_json cut in two files at [`split_line`].
fn split_copy(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let lines = fixture_lines(ZAP_JSON);
    let mid = split_line(&lines);
    (
        write_lines(dir, "part1.jsonl", &lines[..mid]),
        write_lines(dir, "part2.jsonl", &lines[mid..]),
    )
}

/// Pairs the records of one file as docs/design.md says: access begins and ends
/// by (goroutine, map, key, op), lock acquisitions and releases by
/// (goroutine, lock), innermost first. Returns the line numbers of the
/// accesses left open and of the ends / releases with nothing to close.
fn unmatched(lines: &[String]) -> (Vec<u64>, Vec<u64>) {
    let mut open: HashMap<String, Vec<u64>> = HashMap::new();
    let mut orphans = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        let v = parse(l);
        let no = i as u64 + 1;
        let (key, opens) = match (v.get("phase").and_then(Value::as_str), v["op"].as_str()) {
            (Some(phase), _) => (
                format!(
                    "access|{}|{}|{}|{}",
                    v["goroutine"], v["map"], v["key"], v["op"]
                ),
                phase == "begin",
            ),
            (None, Some("lock_acquired")) => {
                (format!("lock|{}|{}", v["goroutine"], v["lock"]), true)
            }
            (None, Some("lock_released")) => {
                (format!("lock|{}|{}", v["goroutine"], v["lock"]), false)
            }
            _ => continue,
        };
        if opens {
            open.entry(key).or_default().push(no);
        } else if open.get_mut(&key).and_then(Vec::pop).is_none() {
            orphans.push(no);
        }
    }
    let mut left: Vec<u64> = open
        .into_iter()
        .filter(|(k, _)| k.starts_with("access|"))
        .flat_map(|(_, v)| v)
        .collect();
    left.sort();
    (left, orphans)
}

#[test]
fn split_inputs_are_scopes_unless_one_process() {
    let dir = tempdir();
    let (a, b) = split_copy(dir.path());
    let (pa, pb) = (path_str(&a), path_str(&b));
    let t = truth("zap_json");

    // One process: the same pairs as the whole file.
    let (r, code) = scan_json(&["--one-process", pa, pb]);
    assert_eq!(code, 1);
    assert_eq!(report_counts_for(&r, &t), truth_counts(&t));
    assert_eq!(r["summary"]["accesses"], t["accesses"]);
    assert_eq!(r["summary"]["open_accesses"], 0);
    let scopes: BTreeSet<&str> = sites(&r).iter().map(|s| str_of(&s["scope"])).collect();
    assert_eq!(scopes.len(), 1, "one scope: {scopes:?}");
    let records: u64 = r["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["records"].as_u64().unwrap())
        .sum();
    assert_eq!(records, t["records"].as_u64().unwrap());
    // Example evidence points into whichever file holds each record.
    for c in r["conflicts"].as_array().unwrap() {
        for s in ["a", "b"] {
            let (p, _) = split_source(str_of(&c[s]["source"]));
            assert!(p == pa || p == pb, "{p}");
        }
    }

    // Two processes: each file is its own scope, and windows do not pair
    // across them.
    let (r, code) = scan_json(&[pa, pb]);
    assert_eq!(code, 1);
    let scopes: BTreeSet<&str> = sites(&r).iter().map(|s| str_of(&s["scope"])).collect();
    assert_eq!(
        scopes,
        BTreeSet::from([pa, pb]),
        "scopes are the input paths"
    );
    for c in r["conflicts"].as_array().unwrap() {
        let scope = str_of(&c["scope"]);
        for s in ["a", "b"] {
            let (p, _) = split_source(str_of(&c[s]["source"]));
            assert_eq!(p, scope, "an example stays inside its scope");
        }
    }
    let lines = fixture_lines(ZAP_JSON);
    let mid = split_line(&lines);
    let (open_a, orphans_a) = unmatched(&lines[..mid]);
    let (open_b, orphans_b) = unmatched(&lines[mid..]);
    assert!(orphans_a.is_empty() && open_b.is_empty());
    assert!(!open_a.is_empty(), "the cut splits some access");
    assert_eq!(
        r["summary"]["open_accesses"].as_u64(),
        Some(open_a.len() as u64)
    );
    let warned: Vec<u64> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["severity"] == "warning")
        .filter(about_a_line)
        .map(|d| {
            let (p, line, _) = split_diag_source(str_of(&d["source"]));
            assert_eq!(p, pb, "{d}");
            line
        })
        .collect();
    assert_eq!(
        warned, orphans_b,
        "each end without a begin, each release without an acquire is a warning"
    );
    assert_eq!(
        r["summary"]["holds"], t["holds"],
        "a hold never released still counts"
    );
}

#[test]
fn slack_only_adds_pairs_and_never_crosses_a_lock() {
    let t = truth("zap_json");
    let (base, _) = scan_json(&[ZAP_JSON]);
    let (wide, code) = scan_json(&["--slack", "1ms", ZAP_JSON]);
    assert_eq!(code, 1);
    let (b, w) = (report_counts(&base), report_counts(&wide));
    for (id, c) in &b {
        let cw = w.get(id).copied().unwrap_or_default();
        assert!(cw.pairs >= c.pairs, "{id}: {cw:?} < {c:?}");
    }
    assert!(
        wide["summary"]["conflicts"].as_u64() > base["summary"]["conflicts"].as_u64(),
        "1ms of slack joins windows microseconds apart"
    );
    for id in protected_maps(&t) {
        assert_eq!(
            w.get(&id).copied().unwrap_or_default(),
            MapCounts::default(),
            "{id}: every access is inside a hold of its lock"
        );
    }
    // Zero written with a unit is no slack.
    let (zero, _) = scan_json(&["--slack", "0s", ZAP_JSON]);
    assert_eq!(report_counts(&zero), b);
}

#[test]
fn examples_zero_keeps_counts_but_no_pairs() {
    let t = truth("zap_json");
    let (r, code) = scan_json(&["--examples", "0", ZAP_JSON]);
    assert_eq!(code, 1);
    assert_eq!(report_counts_for(&r, &t), truth_counts(&t));
    assert_eq!(r["conflicts"], serde_json::json!([]));
    for s in sites(&r) {
        assert_eq!(s["examples"], serde_json::json!([]));
    }
    let (r, _) = scan_json(&["--examples", "1000", ZAP_JSON]);
    let kept = r["conflicts"].as_array().unwrap().len() as u64;
    assert_eq!(Some(kept), t["total_conflict_pairs"].as_u64(), "all pairs");
}

// ---------------------------------------------------------------- open windows

#[test]
fn open_window_overlaps_everything_after_it() {
    let dir = tempdir();
    let rec = |g: u32, op: &str, phase: &str, ts: i64| {
        format!(
            r#"{{"level":"info","caller":"svc/a.go:{g}","msg":"map access","goroutine":{g},"map":"0xc0001","key":"k","op":"{op}","phase":"{phase}","ts_ns":{ts}}}"#
        )
    };
    let lines = vec![
        rec(3, "read", "begin", 50),
        rec(3, "read", "end", 60),
        rec(1, "write", "begin", 100), // never ends
        rec(2, "read", "begin", 200),
        rec(2, "read", "end", 300),
        rec(4, "write", "end", 400), // an end with no begin
    ];
    let path = write_lines(dir.path(), "open.jsonl", &lines);
    let p = path_str(&path);
    let (r, code) = scan_json(&[p]);
    assert_eq!(code, 1);
    assert_eq!(r["summary"]["open_accesses"], 1);
    assert_eq!(r["summary"]["accesses"], 3);
    assert_eq!(r["summary"]["conflicts"], 1, "write 1 × read 2 only");
    let c = &r["conflicts"][0];
    let (w, rd) = if c["a"]["op"] == "write" {
        (&c["a"], &c["b"])
    } else {
        (&c["b"], &c["a"])
    };
    assert_eq!(w["actor"], "1");
    assert_eq!(w["end_ns"], Value::Null);
    assert_eq!(w["end_source"], Value::Null);
    assert_eq!(w["source"], format!("{p}:3"));
    assert_eq!(rd["actor"], "2");
    assert_eq!(rd["end_source"], format!("{p}:5"));
    assert_eq!(c["overlap_ns"], 100);
    let diags = r["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert_eq!(diags[0]["severity"], "warning");
    assert!(str_of(&diags[0]["source"]).starts_with(&format!("{p}:6:")));
}

// ---------------------------------------------------------------- colour and escapes

#[test]
fn colour_only_when_asked() {
    let has_esc = |r: &Run| r.stdout.contains(&ESC);
    let always = run(&["scan", "--color", "always", ZAP_JSON], None);
    assert_eq!(always.code, 1);
    assert!(has_esc(&always), "--color always colours");
    let never = run(&["scan", "--color", "never", ZAP_JSON], None);
    assert!(!has_esc(&never), "--color never");
    let auto = run(&["scan", ZAP_JSON], None);
    assert!(!has_esc(&auto), "auto on a pipe is plain");
    let mut cmd = crate::harness::racetrail();
    let out = cmd
        .env("NO_COLOR", "1")
        .args(["scan", ZAP_JSON])
        .output()
        .unwrap();
    assert!(!out.stdout.contains(&ESC), "NO_COLOR");
    // Colour changes only the styling: stripped of escapes, the text is the same.
    assert_eq!(strip_ansi(&always.stdout), strip_ansi(&never.stdout));
}

/// Removes CSI sequences (`ESC [ … final byte`).
fn strip_ansi(b: &[u8]) -> String {
    let s = String::from_utf8_lossy(b);
    let mut out = String::new();
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for d in chars.by_ref() {
                if ('@'..='~').contains(&d) {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[test]
fn escapes_in_log_text_never_reach_the_terminal() {
    let dir = tempdir();
    // Two overlapping writes by different goroutines; every text field
    // carries a terminal escape sequence (CSI as ESC [ and as C1 U+009B).
    let rec = |g: &str, phase: &str, ts: i64| {
        format!(
            r#"{{"caller":"svc/\u001b]0;owned\u0007a.go:1","msg":"map access","trace_id":"t\u001b[31mred\u009b2J","goroutine":"{g}","map":"m\u001b[5mblink","key":"k\u001b[31m\r\n","op":"write","phase":"{phase}","ts_ns":{ts}}}"#
        )
    };
    let lines = [
        rec("1", "begin", 100),
        rec("2\\u001b[2J", "begin", 150),
        rec("1", "end", 200),
        rec("2\\u001b[2J", "end", 250),
        "{\"msg\":\"bad \u{1b}[31m".to_string(),
    ];
    let evil = dir.path().join("evil\u{1b}[31m.jsonl");
    std::fs::write(&evil, lines.join("\n") + "\n").unwrap();
    let p = path_str(&evil);

    let json = run(&["scan", "--format", "json", p], None);
    assert_eq!(json.code, 1, "{}", json.stderr);
    let r = json.json();
    assert_eq!(r["summary"]["conflicts"], 1);
    assert_eq!(r["conflicts"][0]["a"]["key"], "k\u{1b}[31m\r\n", "decoded");
    assert!(
        !json.stdout.contains(&ESC),
        "JSON escapes control characters"
    );

    for args in [
        &["scan", "--color", "never"][..],
        &["scan", "--color", "always"],
        &["graph"],
    ] {
        let mut all = args.to_vec();
        all.push(p);
        let out = run(&all, None);
        assert_eq!(out.code, 1, "{all:?}: {}", out.stderr);
        let text = out.text();
        if args.contains(&"always") {
            // Styling may use ESC, but never the log's own sequences.
            for seq in ["\u{1b}[5m", "\u{1b}]0;", "\u{1b}[2J"] {
                assert!(!text.contains(seq), "{all:?}: {seq:?} passed through");
            }
        } else {
            assert!(!out.stdout.contains(&ESC), "{all:?}: raw ESC\n{text}");
        }
        assert!(!text.contains('\u{9b}'), "{all:?}: raw C1 CSI");
        assert!(!text.contains('\r'), "{all:?}: raw CR");
        assert!(!text.contains('\u{7}'), "{all:?}: raw BEL");
        // The visible rest of the text survives.
        assert!(text.contains("blink"), "{all:?}: {text}");
    }
    let table = run(&["scan", "--color", "never", p], None).text();
    assert!(table.contains("[31m"), "the key is shown, escaped: {table}");
}
