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
    // Wide enough for the temporary path in one cell.
    let text = table_at(200, &["--mode", "hb", &path]);
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

/// `racetrail scan --color never INPUT` with `COLUMNS=width`.
fn table_at(width: u16, args: &[&str]) -> String {
    let mut cmd = crate::harness::racetrail();
    cmd.env("COLUMNS", width.to_string())
        .args(["scan", "--color", "never"])
        .args(args);
    let out = cmd.output().expect("racetrail runs");
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn is_table_line(l: &str) -> bool {
    l.starts_with(['┌', '│', '╞', '├', '└'])
}

/// Item 4: at 80 and 200 columns every table line and every evidence line
/// fits; at 80 nothing a column said is lost (map name, both sides, the
/// counts, the first time), at 200 a site is one line.
#[test]
fn tables_fit_the_width() {
    let inputs = [
        "samples/",
        "samples/storefront.jsonl",
        crate::harness::ZAP_JSON,
        "tests/fixtures/go/deadlock_locks.jsonl",
        "tests/fixtures/go/zap_crash.jsonl",
        "tests/fixtures/go/race_worker_pool.stderr",
        "tests/fixtures/static/",
    ];
    for input in inputs {
        for width in [80u16, 200] {
            let text = table_at(width, &[input]);
            for l in text.lines() {
                let evidence = l.starts_with("     a: ") || l.starts_with("     b: ");
                if is_table_line(l) || evidence {
                    assert!(
                        l.chars().count() <= width as usize,
                        "{input} at {width}: {} columns: {l}",
                        l.chars().count()
                    );
                }
            }
        }
    }
    // What the narrow table keeps, site by site.
    let (r, _) = scan_json(&["samples/storefront.jsonl"]);
    let narrow = table_at(80, &["samples/storefront.jsonl"]);
    let wide = table_at(200, &["samples/storefront.jsonl"]);
    assert_ne!(narrow, wide, "COLUMNS changes the layout");
    assert!(narrow.contains("conflict sites (times UTC, 2026-11-26)"));
    let table: Vec<&str> = narrow.lines().filter(|l| is_table_line(l)).collect();
    let cells = |l: &str| -> Vec<String> {
        l.split(['│', '┆'])
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty())
            .collect()
    };
    let joined: Vec<Vec<String>> = table.iter().map(|l| cells(l)).collect();
    for (n, site) in r["conflict_sites"].as_array().unwrap().iter().enumerate() {
        // The row starts at the line whose first cell is its number.
        let start = joined
            .iter()
            .position(|c| c.first().map(String::as_str) == Some(&(n + 1).to_string()))
            .unwrap_or_else(|| panic!("row {} in\n{narrow}", n + 1));
        let rows = &joined[start..start + 3];
        let all: Vec<&str> = rows.iter().flatten().map(String::as_str).collect();
        let side = |i: usize| {
            format!(
                "{} {}",
                str_of(&site["sides"][i]["op"]),
                str_of(&site["sides"][i]["site"])
            )
        };
        for want in [
            str_of(&site["object_name"]).to_string(),
            str_of(&site["kind"]).to_string(),
            side(0),
            side(1),
            site["conflicts"].to_string(),
            site["actors"].to_string(),
            site["trace_count"].to_string(),
        ] {
            assert!(
                all.contains(&want.as_str()),
                "site {}: {want} in {all:?}",
                n + 1
            );
        }
        // The map's address moved to the evidence line of the site.
        assert!(narrow.contains(&format!(
            "  #{} {} on {} {} (",
            n + 1,
            str_of(&site["kind"]),
            str_of(&site["object_name"]),
            str_of(&site["object"])
        )));
    }
    // Wide: one line per site, a column per figure.
    let header = wide.lines().find(|l| l.contains("side A")).unwrap();
    for col in [
        "kind",
        "map",
        "side B",
        "pairs",
        "goroutines",
        "traces",
        "first … last",
    ] {
        assert!(header.contains(col), "{col} in {header}");
    }
    let rows = wide
        .lines()
        .filter(|l| l.starts_with('│') && l.contains("zapsvc/store.go:55"))
        .count();
    assert_eq!(rows, r["conflict_sites"].as_array().unwrap().len());
    assert!(wide.contains("│ 1 ┆ range/write ┆ reqCounters ┆ range zapsvc/store.go:55 ┆"));
    assert!(wide.contains("12:45:53.875316209 … +74.47ms"), "{wide}");
}

/// Item 6: locks of two processes are told apart by their scope, the
/// contention table keeps the lock's address, and a deadlock's open waits
/// say they are deadlocked instead of blaming 0ns.
#[test]
fn lock_tables_name_scope_address_and_open_waits() {
    let wide = table_at(
        200,
        &["samples/storefront.jsonl", "samples/storefront_clean.jsonl"],
    );
    let carts: Vec<&str> = wide
        .lines()
        .filter(|l| l.starts_with("│ carts.mu "))
        .collect();
    assert!(
        carts
            .iter()
            .any(|l| l.contains("0xc00001a4d0") && l.contains("samples/storefront.jsonl ")),
        "{wide}"
    );
    assert!(
        carts
            .iter()
            .any(|l| l.contains("0xc00001a448") && l.contains("samples/storefront_clean.jsonl")),
        "{wide}"
    );
    let contention = wide
        .split("contention:")
        .nth(1)
        .expect("a contention table");
    assert!(
        contention.contains("│ carts.mu 0xc00001a4d0 ┆ samples/storefront.jsonl ┆ goroutine 6 ")
    );
    // Narrow: the scope goes under the lock, still there.
    let narrow = table_at(
        80,
        &["samples/storefront.jsonl", "samples/storefront_clean.jsonl"],
    );
    let locks = narrow
        .split("\nlocks ")
        .nth(1)
        .unwrap()
        .split("\ncontention")
        .next()
        .unwrap();
    assert_eq!(
        locks.matches("samples/storefront_clean").count(),
        3,
        "{locks}"
    );

    let d = table_at(200, &["tests/fixtures/go/deadlock_locks.jsonl"]);
    for lock in ["accounts.mu 0xc000018448", "ledger.mu 0xc000018480"] {
        let row = d
            .lines()
            .find(|l| l.starts_with(&format!("│ {lock} ")))
            .unwrap_or_else(|| panic!("{lock} in\n{d}"));
        assert!(row.contains("3 (1 deadlocked)"), "{row}");
        assert!(
            row.contains("┆ deadlocked ┆"),
            "blamed says why it is not timed: {row}"
        );
        assert!(!row.contains(" 0ns "), "{row}");
    }
    assert!(d.contains("open: waits that never ended have no length and blame no holder"));
    // The JSON keeps its figures: the open waits blame nothing.
    let (j, _) = scan_json(&["tests/fixtures/go/deadlock_locks.jsonl"]);
    for l in j["locks"].as_array().unwrap() {
        assert_eq!(
            (l["open_waits"].as_u64(), l["blamed_ns"].as_i64()),
            (Some(1), Some(0))
        );
    }
}

/// The table at 200 columns (the 80-column one is `render::table_snapshot`).
#[test]
fn wide_table_snapshot() {
    insta::assert_snapshot!("table_wide", table_at(200, &[crate::harness::ZAP_JSON]));
}

/// Item 9: an input that cannot be opened is named once with its OS error.
#[test]
fn a_missing_input_is_said_once() {
    let r = run(&["scan", "/nope/x.log"], None);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stderr.trim_end(),
        "racetrail: error: /nope/x.log: No such file or directory (os error 2)"
    );
}

/// Item 9: an input of which not one line is a record (binary, or one line
/// past --max-line-bytes) is not a clean log: "nothing was read", exit 2.
/// An empty input alone stays clean, and a binary file beside a log does not
/// hide the log's findings.
#[test]
fn nothing_read_is_an_error() {
    let dir = crate::harness::tempdir();
    // The sample log with NUL bytes in its first line: binary by its bytes.
    let mut bin = std::fs::read(crate::harness::fixture("samples/storefront.jsonl")).unwrap();
    bin[10] = 0;
    bin[20] = 0;
    let bin_path = dir.path().join("core.bin");
    std::fs::write(&bin_path, &bin).unwrap();
    let bin_path = crate::harness::path_str(&bin_path);
    let r = run(&["scan", bin_path], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.text().contains("nothing was read"), "{}", r.text());
    assert!(!r.text().contains("no conflicting accesses"));
    assert!(
        r.stderr.contains("racetrail: error: nothing was read"),
        "{}",
        r.stderr
    );

    let long = dir.path().join("long.log");
    std::fs::write(&long, format!("{}\n", "x".repeat(4096))).unwrap();
    let long = crate::harness::path_str(&long);
    let (j, code) = scan_json(&["--max-line-bytes", "1024", long]);
    assert_eq!(code, 2);
    let msg = str_of(&j["diagnostics"][0]["message"]);
    assert!(
        msg.contains("--max-line-bytes"),
        "the diagnostic names the option: {msg}"
    );

    let empty = dir.path().join("empty.log");
    std::fs::write(&empty, "").unwrap();
    let r = run(&["scan", crate::harness::path_str(&empty)], None);
    assert_eq!(r.code, 0, "an empty log has nothing to misread");

    let r = run(&["scan", bin_path, "samples/storefront.jsonl"], None);
    assert_eq!(r.code, 1, "the log's findings: {}", r.stderr);
}

/// Item 9: a filter that matches nothing says so, in the table and the JSON;
/// one that matches says nothing.
#[test]
fn a_filter_matching_nothing_says_so() {
    let (j, code) = scan_json(&["--goroutine", "999", "samples/storefront.jsonl"]);
    assert_eq!(code, 0);
    let notes: Vec<(&str, &str)> = j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (str_of(&d["source"]), str_of(&d["message"])))
        .filter(|(source, _)| source.starts_with("--"))
        .collect();
    assert_eq!(
        notes,
        [(
            "--goroutine 999",
            "matched no goroutine in the logs: no finding can involve it"
        )]
    );
    // The other diagnostic is the sample's one-caller warning.
    assert_eq!(j["summary"]["diagnostics"], 2);
    let t = run(
        &[
            "scan",
            "--trace",
            "nope",
            "--object",
            "carts",
            "samples/storefront.jsonl",
        ],
        None,
    )
    .text();
    assert!(
        t.contains("--trace nope: matched no trace id in the logs"),
        "{t}"
    );
    assert!(!t.contains("--object carts"), "carts is a map's name: {t}");
    for args in [
        ["--goroutine", "7"],
        ["--object", "reqCounters"],
        ["--trace", "c8878a825947f8e966761119c8777e4e"],
    ] {
        let (j, _) = scan_json(&[args[0], args[1], "samples/storefront.jsonl"]);
        assert_eq!(filter_notes(&j), 0, "{args:?}");
    }
    // A goroutine that only a dump shows is in the logs too.
    let (j, _) = scan_json(&["--goroutine", "21", EMBEDDED_DUMP]);
    assert_eq!(filter_notes(&j), 0);
}

/// Diagnostics about a filter (`--goroutine …`), not about an input.
fn filter_notes(j: &Value) -> usize {
    j["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| str_of(&d["source"]).starts_with("--"))
        .count()
}

/// Item 9: the help, man pages and README name paths that exist (no
/// `dump/`), the man pages have EXIT STATUS and the field table, the table's
/// `first … last` is explained, and the README says how to load completions.
#[test]
fn docs_name_real_paths_and_explain_the_table() {
    let read = |p: &str| crate::harness::read_fixture(p);
    let mut texts: Vec<(String, String)> = [
        "README.md",
        "man/racetrail.1",
        "man/racetrail-scan.1",
        "man/racetrail-graph.1",
    ]
    .iter()
    .map(|p| (p.to_string(), read(p)))
    .collect();
    for sub in ["scan", "graph", "dumps", "merge"] {
        texts.push((format!("{sub} --help"), run(&[sub, "--help"], None).text()));
    }
    texts.push(("--help".into(), run(&["--help"], None).text()));
    for (name, text) in &texts {
        assert!(
            !text.contains(" dump/"),
            "{name} names dump/, which does not exist"
        );
    }
    let scan_help = &texts.iter().find(|t| t.0 == "scan --help").unwrap().1;
    assert!(scan_help.contains("first … last"), "{scan_help}");
    assert!(scan_help.contains("racetrail scan logs/"));

    for page in [
        "man/racetrail.1",
        "man/racetrail-scan.1",
        "man/racetrail-graph.1",
    ] {
        let m = read(page);
        assert!(
            m.contains(".SH \"EXIT STATUS\"") && m.contains(".SH FIELDS"),
            "{page}"
        );
        // Every concept of the convention, with its first field name.
        for (concept, first) in [
            ("actor", "goroutine"),
            ("object", "map"),
            ("scope", "pid"),
            ("stack", "stack"),
        ] {
            assert!(
                m.contains(&format!(".TP\n\\fB{concept}\\fR\n{first}")),
                "{page}: {concept}"
            );
        }
    }
    for page in ["man/racetrail-dumps.1", "man/racetrail-merge.1"] {
        assert!(read(page).contains(".SH \"EXIT STATUS\""), "{page}");
    }
    assert!(read("man/racetrail-scan.1").contains("\\fBfirst \\[u2026] last\\fR"));

    let readme = read("README.md");
    assert!(readme.contains("source completions/racetrail.bash"));
    assert!(readme.contains("~/.config/fish/completions/"));
    assert!(readme.contains("*first … last*"));
    for path in ["samples/", "samples/storefront.jsonl"] {
        assert!(crate::harness::fixture(path).exists(), "{path}");
    }
}

/// A real report with every section: conflicts, races, a crash, a dump, a
/// deadlock, locks, static findings.
fn full_report(dir: &tempfile::TempDir, name: &str) -> (std::path::PathBuf, String) {
    let p = dir.path().join(name);
    let r = run(
        &[
            "scan",
            "--format",
            "json",
            "-o",
            crate::harness::path_str(&p),
            "tests/fixtures/go/zap_crash.jsonl",
            "tests/fixtures/go/race_worker_pool.stderr",
            "tests/fixtures/go/deadlock_locks.jsonl",
            EMBEDDED_DUMP,
            "tests/fixtures/static/copylock_race.stderr",
            "tests/fixtures/static/go_vet.stderr",
            "tests/fixtures/static/staticcheck.sarif",
        ],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let text = std::fs::read_to_string(&p).unwrap();
    (p, text)
}

/// Item 8: two reports whose `races` hold numbers: exit 2 and a message
/// naming the file and the field, not a panic.
#[test]
fn merge_rejects_races_of_numbers() {
    let dir = crate::harness::tempdir();
    let (_, text) = full_report(&dir, "a.json");
    let mut v: Value = serde_json::from_str(&text).unwrap();
    v["races"] = serde_json::json!([1, 2]);
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, serde_json::to_string_pretty(&v).unwrap()).unwrap();
    let bad = crate::harness::path_str(&bad);
    let r = run(&["merge", bad, bad], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("{bad}: not a well-formed racetrail.report/v1 report at `races[0]`: invalid type: integer `1`, expected struct RaceSite")),
        "{}",
        r.stderr
    );
    let b = run(&["scan", "--baseline", bad, crate::harness::ZAP_JSON], None);
    assert_eq!(b.code, 2, "{}", b.stderr);
    assert!(b.stderr.contains("at `races[0]`"), "{}", b.stderr);
}

/// A JSON path as serde_path_to_error prints it: `races[0].blocks`.
fn path_text(path: &[String]) -> String {
    let mut s = String::new();
    for p in path {
        if p.starts_with('[') {
            s.push_str(p);
        } else {
            if !s.is_empty() {
                s.push('.');
            }
            s.push_str(p);
        }
    }
    s
}

/// Every (path, value) of a document, depth first.
fn nodes(v: &Value, path: &mut Vec<String>, out: &mut Vec<(Vec<String>, Value)>) {
    out.push((path.clone(), v.clone()));
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                path.push(k.clone());
                nodes(x, path, out);
                path.pop();
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(format!("[{i}]"));
                nodes(x, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

fn at_mut<'v>(v: &'v mut Value, path: &[String]) -> &'v mut Value {
    path.iter().fold(v, |v, p| match p.strip_prefix('[') {
        Some(i) => &mut v[i.trim_end_matches(']').parse::<usize>().unwrap()],
        None => &mut v[p.as_str()],
    })
}

/// Item 8: seeded mutations of a real report — a value of a wrong type, a
/// field removed, the file truncated — never panic `merge` or `--baseline`:
/// each either reads (0) or is rejected (2) naming the file, and a wrong type
/// names its field.
#[test]
fn mutated_reports_are_rejected_by_field() {
    let dir = crate::harness::tempdir();
    let (good, text) = full_report(&dir, "good.json");
    let good = crate::harness::path_str(&good).to_string();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let mut all = Vec::new();
    nodes(&doc, &mut Vec::new(), &mut all);
    let mut rng = crate::harness::Rng(0x5eed_0011);
    let (mut rejected, mut typed) = (0, 0);
    for round in 0..60 {
        let mut v = doc.clone();
        let (path, _) = &all[1 + rng.below(all.len() - 1)];
        let mutated = dir.path().join(format!("m{round}.json"));
        let mut wrong_type = false;
        let out = match round % 3 {
            0 => {
                // A value of a type no field of the report accepts there.
                let node = at_mut(&mut v, path);
                *node = match node {
                    Value::String(_) => Value::from(42),
                    Value::Number(_) | Value::Bool(_) => Value::from("x"),
                    Value::Array(_) | Value::Object(_) => Value::from(7),
                    Value::Null => Value::from(true),
                };
                // `null` fields (Option) take no bool; all others reject the swap.
                wrong_type = true;
                serde_json::to_string_pretty(&v).unwrap()
            }
            1 => {
                // A field removed from its object (required or not).
                let (parent, key) = path.split_at(path.len() - 1);
                if let Value::Object(m) = at_mut(&mut v, parent) {
                    m.remove(&key[0]);
                }
                serde_json::to_string_pretty(&v).unwrap()
            }
            _ => text[..rng.below(text.len())].to_string(),
        };
        std::fs::write(&mutated, &out).unwrap();
        let m = crate::harness::path_str(&mutated);
        for args in [
            vec!["merge", good.as_str(), m],
            vec!["scan", "-q", "--baseline", m, crate::harness::ZAP_JSON],
        ] {
            let r = run(&args, None);
            assert!(
                [0, 1, 2].contains(&r.code),
                "{args:?} at {path:?}: exit {}: {}",
                r.code,
                r.stderr
            );
            assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
            if r.code == 2 {
                rejected += 1;
                assert!(
                    r.stderr.contains(m),
                    "the message names the file: {}",
                    r.stderr
                );
            }
            if wrong_type {
                assert_eq!(r.code, 2, "{args:?}: a wrong type at {path:?} is rejected");
                let field = path_text(path);
                assert!(
                    r.stderr.contains(&format!("at `{field}`")),
                    "{args:?}: names {field}: {}",
                    r.stderr
                );
                typed += 1;
            }
        }
    }
    assert!(
        rejected >= 60 && typed >= 40,
        "{rejected} rejected, {typed} by type"
    );
}

/// Item 8: every report read back through the typed structs and written
/// again is the same bytes (a merge of one report is that report).
#[test]
fn a_report_reads_back_byte_for_byte() {
    let dir = crate::harness::tempdir();
    let (good, text) = full_report(&dir, "one.json");
    let r = run(&["merge", crate::harness::path_str(&good)], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout == text.as_bytes(),
        "merge of one report:\n{}",
        r.text()
    );
    // And a happens-before report, with its `hb` section.
    let std = std_trace(&dir);
    let hb = dir.path().join("hb.json");
    run(
        &[
            "scan",
            "--mode",
            "hb",
            "--format",
            "json",
            "-o",
            crate::harness::path_str(&hb),
            &std,
        ],
        None,
    );
    let r = run(&["merge", crate::harness::path_str(&hb)], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout == std::fs::read(&hb).unwrap());
}

/// Mermaid's own parser (`tests/mermaid/parse.mjs`, npm packages mermaid
/// and jsdom), or `None` when node or the packages are not installed.
fn mermaid_parser() -> Option<std::path::PathBuf> {
    let dir = crate::harness::fixture("tests/mermaid");
    let node = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    (node && dir.join("node_modules/mermaid/package.json").exists()).then(|| dir.join("parse.mjs"))
}

/// Link statements of a flowchart, one per line as the renderer writes them.
fn mermaid_links(m: &str) -> usize {
    m.lines()
        .filter(|l| {
            ["-->", "==>", ".->", ".- ", "~~~"]
                .iter()
                .any(|op| l.contains(op))
        })
        .count()
}

/// Item 2: every kind of finding draws something in Mermaid — conflicts,
/// crashes (with the other side from the logs), deadlocks, races, hb — and
/// Mermaid's own parser accepts every fixture's output.
#[test]
fn mermaid_draws_every_finding_and_parses() {
    let dir = crate::harness::tempdir();
    let std = std_trace(&dir);
    let mut cases: Vec<Vec<String>> = [
        "samples/",
        crate::harness::ZAP_JSON,
        "tests/fixtures/zap_console.log",
        "tests/fixtures/logfmt.log",
        "tests/fixtures/go/zap_crash.jsonl",
        "tests/fixtures/go/deadlock_locks.jsonl",
        EMBEDDED_DUMP,
        "tests/fixtures/go/fatal_writes_go119.stderr",
        "tests/fixtures/go/fatal_writes_go123.stderr",
        "tests/fixtures/go/fatal_read_write_system_go123.stderr",
        "tests/fixtures/go/fatal_two_reporters.stderr",
        "tests/fixtures/go/fatal_parked_300.stderr",
        "tests/fixtures/go/panic_nil_map.stderr",
        "tests/fixtures/go/sigquit.stderr",
        "tests/fixtures/go/race_worker_pool.stderr",
        "tests/fixtures/go/race_cache_method.stderr",
        "tests/fixtures/go/race_global_var.stderr",
        "tests/fixtures/go/race_gotest.stdout",
        "tests/fixtures/sampling/sampled.jsonl",
        "tests/fixtures/static/",
    ]
    .iter()
    .map(|f| vec![f.to_string()])
    .collect();
    cases.push(vec!["--mode".into(), "hb".into(), std.clone()]);
    cases.push(vec![
        "--mode".into(),
        "hb".into(),
        crate::harness::ZAP_JSON.into(),
    ]);
    let mut files = Vec::new();
    let mut outputs = Vec::new();
    for (n, args) in cases.iter().enumerate() {
        let mut all = vec!["scan", "--format", "mermaid"];
        all.extend(args.iter().map(String::as_str));
        let r = run(&all, None);
        let m = r.text();
        assert!(m.starts_with("flowchart LR\n"), "{args:?}");
        assert!(m.lines().count() > 1, "{args:?} draws something:\n{m}");
        // linkStyle names links that exist.
        let links = mermaid_links(&m);
        for l in m
            .lines()
            .filter_map(|l| l.trim().strip_prefix("linkStyle "))
        {
            let i: usize = l.split(' ').next().unwrap().parse().unwrap();
            assert!(i < links, "{args:?}: linkStyle {i} of {links} links");
        }
        let p = dir.path().join(format!("case{n}.mmd"));
        std::fs::write(&p, &m).unwrap();
        files.push(p);
        outputs.push(m);
    }
    // A crash dump alone: the crashing goroutine and who stood beside it.
    let fatal = &outputs[7];
    assert!(fatal.contains("crash0_g{{\"goroutine 12 crashing<br/>main.applyDelta<br/>fatal_map_writes/main.go:19\"}}"), "{fatal}");
    assert!(
        fatal.contains("crash0_s0([\"goroutine 14 [runnable]"),
        "{fatal}"
    );
    // A zap log ending in a crash: the map by name and the other side.
    let zc = &outputs[4];
    assert!(
        zc.contains("crash0_m[[\"map reqCounters<br/>0xc000080e40\"]]"),
        "{zc}"
    );
    assert!(zc.contains("crash0_g == \"concurrent map read and map write\" ==> crash0_m"));
    for (actor, op) in [("7", "write"), ("14", "range")] {
        let node = zc
            .lines()
            .find(|l| {
                l.contains(&format!(
                    "([\"goroutine {actor}<br/>tests/fixtures/go/zap_crash.jsonl:"
                ))
            })
            .unwrap_or_else(|| panic!("goroutine {actor} of the other side:\n{zc}"));
        let id = node.trim().split('(').next().unwrap();
        assert!(
            zc.contains(&format!(
                "{id} -- \"{op} (open): the other side\" --> crash0_m"
            )),
            "{zc}"
        );
    }
    assert!(outputs[5].contains("== \"deadlock: waits for ledger.mu\" ==>"));
    assert!(
        outputs[14].contains("<-- \"map race: write × write, 2 blocks\" -->"),
        "{}",
        outputs[14]
    );
    assert!(
        outputs[20].contains("hb0_a -- \"write/write: not ordered\" --> hb0_b"),
        "{}",
        outputs[20]
    );

    let Some(parser) = mermaid_parser() else {
        eprintln!("skipped: node/mermaid not available (npm ci in tests/mermaid)");
        return;
    };
    // The parser is live: a broken document fails.
    let broken = dir.path().join("broken.mmd");
    std::fs::write(&broken, "flowchart LR\n  a[\"x\"] --> b((\"y\"\n").unwrap();
    let out = std::process::Command::new("node")
        .arg(&parser)
        .arg(&broken)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "the parser rejects a broken document"
    );
    let out = std::process::Command::new("node")
        .arg(&parser)
        .args(&files)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "Mermaid rejects some output:\n{report}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        report.lines().filter(|l| l.starts_with("ok ")).count(),
        files.len(),
        "{report}"
    );
}

/// `racetrail graph ARGS…` as text.
fn graph(args: &[&str]) -> String {
    let mut all = vec!["graph"];
    all.extend_from_slice(args);
    run(&all, None).text()
}

/// `dot -Tpng` of a graph: the PNG's bytes, or `None` without Graphviz.
fn png(dot: &str) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut child = std::process::Command::new("dot")
        .arg("-Tpng")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .ok()?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(dot.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "Graphviz: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}

/// Item 7: the graph has a legend of what it draws; a lock's small
/// holder → waiter edges fold into its node (no more than 3 drawn per lock,
/// drawn + folded = the JSON's pairs); labels hang off their edges; a
/// crash's other side runs from the goroutine's node to the map's, by name;
/// Graphviz renders every fixture's graph to a PNG without a warning.
#[test]
fn dot_legend_folding_and_crash_sides() {
    let g = graph(&["samples/storefront.jsonl"]);
    assert!(g.contains("  edge [fontname=\"Helvetica\", fontsize=9, decorate=true];"));
    let legend = g
        .lines()
        .find(|l| l.starts_with("  legend [shape=plaintext"))
        .expect("a legend");
    assert!(
        legend.contains("holder → waiter: the holder's hold blocked the waiter"),
        "{legend}"
    );
    assert!(legend.contains("goroutine → map: its accesses in conflicting pairs"));
    assert!(
        !legend.contains("crash"),
        "no crash here, none in the legend"
    );
    let (j, _) = scan_json(&["samples/storefront.jsonl"]);
    let pairs = j["contention"].as_array().unwrap().len();
    let waits = g
        .lines()
        .filter(|l| l.contains("style=dashed, color=steelblue"))
        .count();
    assert!((1..=3).contains(&waits), "{waits} wait edges drawn");
    assert!(
        g.contains(&format!("+{} smaller holder → waiter pairs", pairs - waits)),
        "the lock node tells how many were folded:\n{g}"
    );
    let conflicts = g.lines().filter(|l| l.contains("-> s0_m")).count();
    assert!(
        conflicts > waits,
        "conflict edges are no longer outnumbered"
    );

    let c = graph(&["tests/fixtures/go/zap_crash.jsonl"]);
    let label_of = |id: &str| {
        c.lines()
            .find(|l| l.trim_start().starts_with(&format!("{id} [")))
            .unwrap_or_else(|| panic!("node {id}:\n{c}"))
            .to_string()
    };
    for (actor, op) in [("7", "write"), ("14", "range")] {
        let edge = c
            .lines()
            .find(|l| l.contains(&format!("other side: {op} on reqCounters (open)")))
            .unwrap_or_else(|| panic!("goroutine {actor}'s other side:\n{c}"));
        let (from, rest) = edge.trim().split_once(" -> ").unwrap();
        let to = rest.split_once(' ').unwrap().0;
        assert!(
            label_of(from).contains(&format!("label=\"goroutine {actor}\\n")),
            "{edge}"
        );
        assert!(
            label_of(to).contains("label=\"map reqCounters\\n0xc000080e40"),
            "{edge}"
        );
    }
    assert!(c.contains("crash0 -> s0_m0 [color=red, penwidth=2, fontcolor=red, label=\"concurrent map read and map write\"]"), "{c}");
    assert!(
        c.contains("s0_g") && c.contains("-> crash0 [style=dotted"),
        "the crashing goroutine's node"
    );

    let mut rendered = 0;
    for args in [
        vec!["samples/"],
        vec!["tests/fixtures/go/zap_crash.jsonl"],
        vec!["tests/fixtures/go/deadlock_locks.jsonl"],
        vec!["tests/fixtures/go/race_worker_pool.stderr"],
        vec!["tests/fixtures/go"],
        vec!["tests/fixtures/static/"],
    ] {
        let Some(p) = png(&graph(&args)) else {
            assert!(std::env::var_os("CI").is_none(), "CI installs Graphviz");
            eprintln!("skipped: Graphviz dot not available");
            return;
        };
        assert!(p.starts_with(b"\x89PNG\r\n\x1a\n"), "{args:?}");
        rendered += 1;
    }
    assert_eq!(rendered, 6);
}

/// Item 4 on hostile input: a 70,000-character map name and caller in a
/// conflict site does not overflow the table's width arithmetic.
#[test]
fn a_huge_cell_does_not_break_the_fit() {
    let dir = crate::harness::tempdir();
    let m = "m".repeat(70_000);
    let lines = vec![
        format!(
            r#"{{"ts_ns":100,"dur_ns":50,"goroutine":1,"map":"{m}","op":"write","caller":"{m}"}}"#
        ),
        format!(r#"{{"ts_ns":120,"dur_ns":50,"goroutine":2,"map":"{m}","op":"write"}}"#),
    ];
    let p = crate::harness::write_lines(dir.path(), "huge.jsonl", &lines);
    for width in [80, 200] {
        let text = table_at(width, &[crate::harness::path_str(&p)]);
        assert!(
            text.contains("1 conflicting pair at 1 conflict site"),
            "{}",
            &text[..200]
        );
        for l in text.lines().filter(|l| is_table_line(l)) {
            assert!(
                l.chars().count() <= width as usize,
                "{} columns",
                l.chars().count()
            );
        }
    }
}
