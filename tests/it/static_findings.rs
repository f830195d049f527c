//! Static analysers' findings next to runtime findings, on the real outputs
//! of `tests/fixtures/static/` (docs/fixtures.md): go vet -json and
//! staticcheck ran on a CI checkout under /tmp/ci/build, the programs ran
//! under /build, so every join crosses build roots.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::harness::{path_str, read_fixture, run, scan_json, str_of, tempdir};

const PROGRAMS: &str = "tests/fixtures/static/programs";
const RUNTIME: [&str; 5] = [
    "tests/fixtures/static/copylock_race.stderr",
    "tests/fixtures/static/emptycs_race.stderr",
    "tests/fixtures/static/wgadd_race.stderr",
    "tests/fixtures/static/loopmap_fatal.stderr",
    "tests/fixtures/static/zapcache.jsonl",
];
const VET: &str = "tests/fixtures/static/go_vet.stderr";
const SARIF: &str = "tests/fixtures/static/staticcheck.sarif";
const SC_JSON: &str = "tests/fixtures/static/staticcheck.json";

/// Runtime fixtures of the corpus that no checker flagged.
const UNFLAGGED: [&str; 3] = [
    "tests/fixtures/go/fatal_writes_go119.stderr",
    "tests/fixtures/go/race_worker_pool.stderr",
    "tests/fixtures/go/race_global_var.stderr",
];

fn all_inputs() -> Vec<&'static str> {
    let mut v = RUNTIME.to_vec();
    v.extend(UNFLAGGED);
    v.extend([VET, SARIF]);
    v
}

fn scan_all(extra: &[&str]) -> (Value, i32) {
    let mut args = vec!["--source-root", PROGRAMS];
    args.extend_from_slice(extra);
    args.extend(all_inputs());
    scan_json(&args)
}

/// `/x/y/app/prog/main.go:21` → `prog/main.go:21`.
fn short(site: &str) -> String {
    let parts: Vec<&str> = site.rsplitn(3, '/').collect();
    format!("{}/{}", parts[1], parts[0])
}

/// Every runtime finding by id: (kind, its sites shortened).
fn runtime_findings(r: &Value) -> BTreeMap<String, (&'static str, Vec<String>)> {
    let mut out = BTreeMap::new();
    for s in r["conflict_sites"].as_array().unwrap() {
        let sites = s["sides"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| short(str_of(&x["site"])))
            .collect();
        out.insert(str_of(&s["id"]).to_string(), ("conflict", sites));
    }
    for x in r["races"].as_array().unwrap() {
        let sites = x["sides"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| short(str_of(&x["site"])))
            .collect();
        out.insert(str_of(&x["id"]).to_string(), ("race", sites));
    }
    for c in r["crashes"].as_array().unwrap() {
        out.insert(
            str_of(&c["id"]).to_string(),
            ("crash", vec![short(str_of(&c["site"]))]),
        );
    }
    out
}

/// Per static finding (`tool rule short-source`): the runtime findings it
/// is on, as `kind site+site`.
fn attachments(r: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let findings = runtime_findings(r);
    r["static_findings"]
        .as_array()
        .expect("static_findings")
        .iter()
        .map(|s| {
            let key = format!(
                "{} {} {}",
                str_of(&s["tool"]),
                str_of(&s["rule"]),
                short(str_of(&s["source"]))
            );
            let on = s["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|id| {
                    let (kind, sites) = &findings[str_of(id)];
                    format!("{kind} {}", sites.join(" + "))
                })
                .collect();
            (key, on)
        })
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

#[test]
fn each_static_finding_lands_where_it_belongs_and_nowhere_else() {
    let (r, code) = scan_all(&[]);
    assert_eq!(code, 1);
    let got = attachments(&r);
    let expected: BTreeMap<String, BTreeSet<String>> = [
        (
            "go vet copylocks static_copylock/main.go:19",
            set(&["race static_copylock/main.go:21 + static_copylock/main.go:21"]),
        ),
        // Total's receiver copies the lock too, but nothing raced in Total.
        ("go vet copylocks static_copylock/main.go:25", set(&[])),
        (
            "go vet loopclosure static_loopmap/main.go:21",
            set(&["crash static_loopmap/main.go:21"]),
        ),
        (
            "Staticcheck SA2000 static_wgadd/main.go:19",
            set(&["race static_wgadd/main.go:22 + static_wgadd/main.go:22"]),
        ),
        (
            "Staticcheck SA2001 static_emptycs/main.go:20",
            set(&["race static_emptycs/main.go:21 + static_emptycs/main.go:21"]),
        ),
        // Put's empty critical section: every site with a side in Put, not
        // the Get × Evict one.
        (
            "Staticcheck SA2001 static_zapcache/main.go:38",
            set(&[
                "conflict static_zapcache/main.go:39 + static_zapcache/main.go:58",
                "conflict static_zapcache/main.go:49 + static_zapcache/main.go:39",
                "conflict static_zapcache/main.go:39 + static_zapcache/main.go:39",
            ]),
        ),
        // Deliberate parks in the dump programs: no runtime finding there.
        ("Staticcheck SA2001 sigquit_parked/main.go:34", set(&[])),
        ("Staticcheck SA2001 zap_breaker_dump/main.go:28", set(&[])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(got, expected);

    // The same from the runtime side, with how each matched.
    let on = |list: &Value| -> Vec<String> {
        list.as_array()
            .map(|v| {
                v.iter()
                    .map(|s| {
                        format!(
                            "{} {} {}",
                            str_of(&s["rule"]),
                            short(str_of(&s["source"])),
                            str_of(&s["match"])
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let crash = |site: &str| {
        r["crashes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| str_of(&c["site"]).ends_with(site))
            .unwrap_or_else(|| panic!("a crash at {site}"))
    };
    assert_eq!(
        on(&crash("static_loopmap/main.go:21")["static"]),
        ["loopclosure static_loopmap/main.go:21 line"]
    );
    assert!(crash("fatal_map_writes/main.go:19").get("static").is_none());
    for race in r["races"].as_array().unwrap() {
        let site = short(str_of(&race["sides"][0]["site"]));
        let want: &[&str] = match site.as_str() {
            "static_copylock/main.go:21" => &["copylocks static_copylock/main.go:19 function"],
            "static_emptycs/main.go:21" => &["SA2001 static_emptycs/main.go:20 function"],
            "static_wgadd/main.go:22" => &["SA2000 static_wgadd/main.go:19 function"],
            _ => &[],
        };
        assert_eq!(on(&race["static"]), want, "race at {site}");
    }
    // Runtime findings no check flagged: the corpus's crash and two race
    // sites, and Get × Evict.
    let unflagged = r["summary"]["unflagged"].as_u64().unwrap();
    let none: Vec<String> = runtime_findings(&r)
        .into_iter()
        .filter(|(id, _)| {
            !r["static_findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["findings"].as_array().unwrap().iter().any(|x| x == id))
        })
        .map(|(_, (kind, sites))| format!("{kind} {}", sites.join(" + ")))
        .collect();
    assert_eq!(unflagged as usize, none.len(), "{none:?}");
    assert_eq!(
        none.iter().filter(|s| s.starts_with("conflict")).count(),
        1,
        "{none:?}"
    );
    assert!(none.contains(&"crash fatal_map_writes/main.go:19".to_string()));
    assert_eq!(r["summary"]["static_findings"], 8);
}

#[test]
fn paths_match_across_build_roots() {
    let (r, _) = scan_all(&[]);
    let crash = &r["crashes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c.get("static").is_some())
        .unwrap();
    let runtime = str_of(&crash["site"]);
    let flagged = str_of(&crash["static"][0]["source"]);
    assert_eq!(runtime, "/build/src/app/static_loopmap/main.go:21");
    assert_eq!(flagged, "/tmp/ci/build/src/app/static_loopmap/main.go:21");
    // The zap log's caller is two components long, the SARIF's path is
    // resolved against the run's working directory.
    let site = &r["conflict_sites"][0];
    assert!(str_of(&site["sides"][0]["site"]).starts_with("static_zapcache/main.go:"));
    assert_eq!(
        str_of(&site["static"][0]["source"]),
        "/tmp/ci/build/src/app/static_zapcache/main.go:38"
    );
    // The result's own byte column in the one-line SARIF.
    let sarif = read_fixture(SARIF);
    let result = sarif[..sarif.find("static_zapcache/main.go").unwrap()]
        .rfind("{\"ruleId\"")
        .unwrap();
    assert_eq!(
        str_of(&site["static"][0]["evidence"]),
        format!("{SARIF}:1:{}", result + 1)
    );
}

/// The fixtures moved mechanically to roots that exist nowhere: the line
/// match needs no source; the function match needs `--source-root`.
#[test]
fn function_matches_need_the_source() {
    let dir = tempdir();
    let moved = |from: &str, root: &str, name: &str| {
        let text = read_fixture(from)
            .replace("/tmp/ci/build/src/app/", root)
            .replace("/build/src/app/", root);
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        path_str(&p).to_string()
    };
    let vet = moved(VET, "/nonexistent/ci/src/app/", "vet.stderr");
    let crash = moved(RUNTIME[3], "/nonexistent/prod/src/app/", "loopmap.stderr");
    let race = moved(RUNTIME[0], "/nonexistent/prod/src/app/", "copylock.stderr");
    let rules = |r: &Value| -> Vec<String> {
        let mut v: Vec<String> = r["static_findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| !s["findings"].as_array().unwrap().is_empty())
            .map(|s| str_of(&s["rule"]).to_string())
            .collect();
        v.sort();
        v
    };
    let (bare, _) = scan_json(&[&vet, &crash, &race]);
    assert_eq!(rules(&bare), ["loopclosure"]);
    assert_eq!(bare["summary"]["unflagged"], 1);
    let (with, _) = scan_json(&["--source-root", PROGRAMS, &vet, &crash, &race]);
    assert_eq!(rules(&with), ["copylocks", "loopclosure"]);
    assert_eq!(with["summary"]["unflagged"], 0);
}

#[test]
fn sarif_and_json_of_one_tool_count_once() {
    let (both, _) = scan_json(&[SARIF, SC_JSON, RUNTIME[1]]);
    let (one, _) = scan_json(&[SC_JSON, RUNTIME[1]]);
    assert_eq!(both["summary"]["static_findings"], 5);
    assert_eq!(one["summary"]["static_findings"], 5);
    let formats = |r: &Value| -> Vec<String> {
        r["inputs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["formats"].to_string())
            .collect()
    };
    assert_eq!(
        formats(&both),
        ["[\"sarif\"]", "[\"staticcheck-json\"]", "[\"go-race\"]"]
    );
}

#[test]
fn malformed_static_outputs_are_diagnosed_not_fatal() {
    let dir = tempdir();
    // The real SARIF cut in the middle of its results.
    let sarif = read_fixture(SARIF);
    let cut = sarif.find("\"results\"").unwrap() + 400;
    let truncated = dir.path().join("cut.sarif");
    std::fs::write(&truncated, &sarif[..cut]).unwrap();
    // The real vet output with one diagnostic's position turned into a
    // number (not JSON's string) and another's into nonsense.
    let vet = read_fixture(VET)
        .replacen(
            "\"posn\": \"/tmp/ci/build/src/app/static_copylock/main.go:19:9\"",
            "\"posn\": 19",
            1,
        )
        .replacen(
            "\"posn\": \"/tmp/ci/build/src/app/static_copylock/main.go:25:9\"",
            "\"posn\": \"somewhere\"",
            1,
        );
    let bad_vet = dir.path().join("vet.stderr");
    std::fs::write(&bad_vet, &vet).unwrap();
    let r = run(
        &[
            "scan",
            "--format",
            "json",
            path_str(&truncated),
            path_str(&bad_vet),
            RUNTIME[3],
        ],
        None,
    );
    assert_eq!(r.code, 1, "findings, not an error: {}", r.stderr);
    let doc = r.json();
    let diags: Vec<(String, String)> = doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                str_of(&d["source"]).to_string(),
                str_of(&d["message"]).to_string(),
            )
        })
        .collect();
    let sarif_diag = diags
        .iter()
        .find(|d| d.0.starts_with(path_str(&truncated)))
        .expect("the cut SARIF is diagnosed");
    // At the last byte, where the document ends too early.
    assert_eq!(sarif_diag.0, format!("{}:1:{cut}", path_str(&truncated)));
    assert!(sarif_diag.1.contains("invalid SARIF"), "{sarif_diag:?}");
    // Line 25 of the vet output is the `{` of the first copylocks entry.
    let vet_diags: Vec<&(String, String)> = diags
        .iter()
        .filter(|d| d.0.starts_with(path_str(&bad_vet)))
        .collect();
    assert_eq!(vet_diags.len(), 2, "{vet_diags:?}");
    assert_eq!(vet_diags[0].0, format!("{}:25:4", path_str(&bad_vet)));
    assert!(vet_diags[0].1.contains("invalid diagnostic"));
    assert_eq!(vet_diags[1].0, format!("{}:29:4", path_str(&bad_vet)));
    assert!(vet_diags[1].1.contains("not file:line:col"));
    // The rest of the vet output still joins: loopclosure on the crash.
    assert_eq!(doc["summary"]["static_findings"], 1);
    assert_eq!(doc["crashes"][0]["static"][0]["rule"], "loopclosure");
    let inputs = doc["inputs"].as_array().unwrap();
    assert_eq!(inputs[0]["parse_errors"], 1);
    assert_eq!(inputs[1]["parse_errors"], 1);
    for i in inputs {
        assert_eq!(
            i["lines"].as_u64(),
            Some(
                i["records"].as_u64().unwrap()
                    + i["context"].as_u64().unwrap()
                    + i["parse_errors"].as_u64().unwrap()
            ),
            "{i}"
        );
    }
    // --max-errors still decides.
    let strict = run(
        &["scan", "--max-errors", "0", "-q", path_str(&truncated)],
        None,
    );
    assert_eq!(strict.code, 2);
}

#[test]
fn racetrail_reads_its_own_sarif_back_as_nothing() {
    let dir = tempdir();
    let out = dir.path().join("own.sarif");
    let mut args = vec!["scan", "--format", "sarif", "-o", path_str(&out)];
    args.extend(all_inputs());
    assert_eq!(run(&args, None).code, 1);
    let (r, code) = scan_json(&[path_str(&out)]);
    assert_eq!(code, 0);
    assert_eq!(r["inputs"][0]["formats"][0], "sarif");
    assert_eq!(r["summary"]["static_findings"], 0);
    let d = &r["diagnostics"][0];
    assert!(
        str_of(&d["message"]).contains("racetrail's own SARIF"),
        "{d}"
    );
    assert_eq!(str_of(&d["source"]), format!("{}:5:5", path_str(&out)));
}

#[test]
fn table_shows_the_join() {
    let mut args = vec!["scan", "--color", "never", "--source-root", PROGRAMS];
    args.extend(all_inputs());
    let r = run(&args, None);
    assert_eq!(r.code, 1);
    let text = r.text();
    assert!(text.contains(
        "static analysis: 8 findings (Staticcheck 5, go vet 3); 7 of 13 runtime findings flagged, 6 by no check"
    ), "{text}");
    assert!(text.contains("flagged by go vet loopclosure at /tmp/ci/build/src/app/static_loopmap/main.go:21 (on this line): loop variable k captured by func literal"));
    assert_eq!(text.matches("flagged by no static check").count(), 6);
    insta::assert_snapshot!("static_table", text);
}

#[test]
fn sarif_links_static_findings_as_related_locations() {
    let mut args = vec!["scan", "--format", "sarif", "--source-root", PROGRAMS];
    args.extend(all_inputs());
    let r = run(&args, None);
    let doc = r.json();
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let related: Vec<(String, u64, String)> = results
        .iter()
        .flat_map(|x| x["relatedLocations"].as_array().unwrap().iter())
        .filter(|l| {
            l["message"]["text"]
                .as_str()
                .is_some_and(|m| m.contains(" flagged "))
        })
        .map(|l| {
            let p = &l["physicalLocation"];
            (
                str_of(&p["artifactLocation"]["uri"]).to_string(),
                p["region"]["startLine"].as_u64().unwrap(),
                str_of(&l["message"]["text"]).to_string(),
            )
        })
        .collect();
    // 3 races, the crash and 3 conflict sites carry one each.
    assert_eq!(related.len(), 7, "{related:#?}");
    assert!(related.contains(&(
        "file:///tmp/ci/build/src/app/static_loopmap/main.go".into(),
        21,
        "go vet loopclosure flagged this line: loop variable k captured by func literal".into()
    )));
    assert!(related.contains(&(
        "file:///tmp/ci/build/src/app/static_copylock/main.go".into(),
        19,
        "go vet copylocks flagged this function: Inc passes lock by value: app/static_copylock.Counter contains sync.Mutex".into()
    )));
}

#[test]
fn jsonl_dot_and_mermaid_mention_the_checks() {
    let base = |format: &str| {
        let mut args = vec!["scan", "--format", format, "--source-root", PROGRAMS];
        args.extend(all_inputs());
        run(&args, None).text()
    };
    let jsonl = base("jsonl");
    let flagged = jsonl
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v.get("static").is_some())
        .count();
    assert_eq!(flagged, 7);
    let dot = base("dot");
    assert!(dot.contains("flagged: go vet loopclosure"), "{dot}");
    assert!(dot.contains("flagged: go vet copylocks"));
    assert!(dot.contains("flagged: Staticcheck SA2001"));
    let mermaid = base("mermaid");
    assert!(
        mermaid.contains("map sessions · flagged: Staticcheck SA2001"),
        "{mermaid}"
    );
}

/// Shards that each read the static outputs merge into the join of one scan.
#[test]
fn merged_shards_keep_the_join() {
    let dir = tempdir();
    let shard = |name: &str, inputs: &[&str]| {
        let p = dir.path().join(name);
        let mut args = vec![
            "scan",
            "--format",
            "json",
            "--source-root",
            PROGRAMS,
            "-o",
            path_str(&p),
        ];
        args.extend_from_slice(inputs);
        args.extend([VET, SARIF]);
        run(&args, None);
        path_str(&p).to_string()
    };
    let a = shard("a.json", &RUNTIME[..2]);
    let b = shard("b.json", &RUNTIME[2..]);
    let merged = run(&["merge", &a, &b], None).json();
    let mut args = vec!["--source-root", PROGRAMS];
    args.extend(RUNTIME);
    args.extend([VET, SARIF]);
    let (whole, _) = scan_json(&args);
    assert_eq!(merged["static_findings"], whole["static_findings"]);
    assert_eq!(
        merged["summary"]["unflagged"],
        whole["summary"]["unflagged"]
    );
    assert_eq!(
        merged["summary"]["static_findings"],
        whole["summary"]["static_findings"]
    );
    assert_eq!(merged["races"], whole["races"]);
    // Without static inputs the report has none of the new fields.
    let (plain, _) = scan_json(&[RUNTIME[0]]);
    assert!(plain.get("static_findings").is_none());
    assert!(plain["summary"].get("unflagged").is_none());
    assert!(plain["races"][0].get("static").is_none());
}

/// The real static outputs cut at seeded points and mutated with seeded
/// byte changes, each with a runtime fixture: no panic, the accounting
/// holds, and every renderer runs.
#[test]
fn mutated_static_outputs_never_panic() {
    use racetrail::pipeline::{Settings, analyze};
    use racetrail::report::{Renderer, Report, json::Json, sarif::Sarif, table::Table};
    use racetrail::source::Input;

    use crate::harness::{Rng, fixture};

    let runtime = std::fs::read(fixture(RUNTIME[3])).unwrap();
    let mut rng = Rng(14);
    for f in [VET, SARIF, SC_JSON] {
        let text = std::fs::read(fixture(f)).unwrap();
        for round in 0..120 {
            let mut bytes = text.clone();
            match round % 3 {
                0 => bytes.truncate(rng.below(bytes.len())),
                1 => {
                    for _ in 0..1 + rng.below(4) {
                        let at = rng.below(bytes.len());
                        let junk = b"{}[]\":,\n\\0x%";
                        bytes[at] = junk[rng.below(junk.len())];
                    }
                }
                _ => {
                    let at = rng.below(bytes.len());
                    let len = rng.below(64).min(bytes.len() - at);
                    bytes.drain(at..at + len);
                }
            }
            let inputs = vec![
                Input::from_bytes("mutant", bytes),
                Input::from_bytes("runtime", runtime.clone()),
            ];
            let an = analyze(&inputs, &Settings::default(), &|_, _| {});
            for i in &an.inputs {
                assert_eq!(i.lines, i.records + i.context + i.parse_errors, "{f}");
            }
            let report = Report::build(&an);
            let mut sink = Vec::new();
            Json.render(&report, &mut sink).unwrap();
            Sarif.render(&report, &mut sink).unwrap();
            Table { color: false }.render(&report, &mut sink).unwrap();
        }
    }
}
