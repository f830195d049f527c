//! Race reports and crash dumps of the corpus against their truth files
//! (written by the corpus's own line state machine and checked by a second
//! parser): sites, map or not, block counts, fatal messages, the crashing
//! goroutine and its top user frame, goroutine counts, map addresses, states.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::harness::{scan_json, str_of, truth};

/// The corpus builds under /build/src/app/; truth sites are relative to it.
fn rel(site: &str) -> &str {
    site.rsplit_once("/build/src/app/").map_or(site, |(_, r)| r)
}

const RACES: [(&str, &str); 6] = [
    ("race_cache_method", "race_cache_method.stderr"),
    ("race_cache_method_go123", "race_cache_method_go123.stderr"),
    ("race_worker_pool", "race_worker_pool.stderr"),
    ("race_main_goroutine", "race_main_goroutine.stderr"),
    ("race_global_var", "race_global_var.stderr"),
    ("race_gotest", "race_gotest.stdout"),
];

const CRASHES: [&str; 4] = [
    "fatal_writes_go119",
    "fatal_writes_go123",
    "fatal_read_write_system_go123",
    "fatal_parked_300",
];

#[test]
fn race_reports_match_their_truth() {
    for (case, file) in RACES {
        let t = truth(case);
        let path = format!("tests/fixtures/go/{file}");
        let (r, code) = scan_json(&[&path]);
        assert_eq!(code, 1, "{case}: races are findings");
        assert_eq!(r["summary"]["races"], t["race_blocks"], "{case}: blocks");
        let want: BTreeMap<Vec<String>, (bool, u64, Vec<String>)> = t["distinct_site_pairs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                let sites: Vec<String> = p["sites"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| str_of(s).to_string())
                    .collect();
                let mut ops: Vec<String> = p["ops"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|o| str_of(o).to_string())
                    .collect();
                ops.sort();
                let blocks = p["blocks"].as_array().unwrap().len() as u64;
                (sites, (p["target"] == "map", blocks, ops))
            })
            .collect();
        let got: BTreeMap<Vec<String>, (bool, u64, Vec<String>)> = r["races"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                let sides = s["sides"].as_array().unwrap();
                let mut sites: Vec<String> = sides
                    .iter()
                    .map(|x| rel(str_of(&x["site"])).to_string())
                    .collect();
                sites.sort();
                let mut ops: Vec<String> =
                    sides.iter().map(|x| str_of(&x["op"]).to_string()).collect();
                ops.sort();
                (
                    sites,
                    (
                        s["map"].as_bool().unwrap(),
                        s["blocks"].as_u64().unwrap(),
                        ops,
                    ),
                )
            })
            .collect();
        assert_eq!(got, want, "{case}: race sites");
        assert_eq!(r["summary"]["race_sites"], want.len(), "{case}");
        assert_eq!(
            r["diagnostics"].as_array().unwrap().len(),
            0,
            "{case}: {}",
            r["diagnostics"]
        );

        // Each block's goroutine numbers are the race runtime's, "main" included.
        let mut ids: Vec<String> = r["races"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["reports"].as_array().unwrap().iter())
            .flat_map(|rep| rep["accesses"].as_array().unwrap().iter())
            .map(|a| str_of(&a["goroutine"]).to_string())
            .collect();
        ids.sort();
        ids.dedup();
        let mut want_ids: Vec<String> = t["goroutine_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().map_or_else(|| g.to_string(), str::to_string))
            .collect();
        want_ids.sort();
        assert_eq!(ids, want_ids, "{case}: goroutines");
    }
}

#[test]
fn map_races_say_what_the_map_frame_did() {
    let (r, _) = scan_json(&["tests/fixtures/go/race_main_goroutine.stderr"]);
    let sides = r["races"][0]["sides"].as_array().unwrap();
    let ops: Vec<(&str, &str)> = sides
        .iter()
        .map(|s| (rel(str_of(&s["site"])), str_of(&s["map_op"])))
        .collect();
    assert_eq!(
        ops,
        [
            ("datarace_main_goroutine/main.go:19", "range"),
            ("datarace_main_goroutine/main.go:39", "write")
        ]
    );
}

#[test]
fn crash_dumps_match_their_truth() {
    for case in CRASHES {
        let t = truth(case);
        let path = format!("tests/fixtures/go/{case}.stderr");
        let (r, code) = scan_json(&[&path]);
        assert_eq!(code, 1, "{case}: a crash is a finding");
        let crashes = r["crashes"].as_array().unwrap();
        assert_eq!(crashes.len(), 1, "{case}");
        let c = &crashes[0];
        let messages: Vec<&str> = c["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| str_of(m).strip_prefix("fatal error: ").unwrap())
            .collect();
        let want: Vec<&str> = t["fatal_errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(str_of)
            .collect();
        assert_eq!(messages, want, "{case}: messages");
        let reporter = &t["reporting_goroutines"][0];
        assert_eq!(c["goroutine"], reporter["id"], "{case}: crashing goroutine");
        assert_eq!(
            rel(str_of(&c["site"])),
            str_of(&reporter["top_user_frame"]["site"]),
            "{case}: site"
        );
        assert_eq!(
            c["func"], reporter["top_user_frame"]["func"],
            "{case}: func"
        );
        assert_eq!(
            c["goroutines_total"], t["distinct_goroutine_ids"],
            "{case}: goroutines"
        );
        assert_eq!(c["states"], t["states"], "{case}: states");
        let hmap = &reporter["runtime_map_frame"]["hmap"];
        if hmap.is_string() {
            assert_eq!(c["map_address"], *hmap, "{case}: map address");
        } else {
            assert!(
                c["map_address"].is_null(),
                "{case}: no map frame, no address"
            );
        }
        let suspects: Vec<(&Value, &str, bool)> = c["suspects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| (&g["id"], rel(str_of(&g["site"])), g["same_map"] == true))
            .collect();
        let want_suspects: Vec<(&Value, &str, bool)> = t["other_goroutines_at_marked_sites"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| {
                (
                    &g["id"],
                    str_of(&g["top_user_frame"]["site"]),
                    g["same_hmap_as_reporter"] == true,
                )
            })
            .collect();
        assert_eq!(
            suspects, want_suspects,
            "{case}: goroutines the dump shows on the other side"
        );
        let bucketed: u64 = c["buckets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["count"].as_u64().unwrap())
            .sum();
        assert_eq!(
            Value::from(bucketed),
            t["distinct_goroutine_ids"],
            "{case}: every goroutine in a bucket"
        );
        let ids: Vec<&Value> = c["goroutines"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| &g["id"])
            .collect();
        let want_ids: Vec<&Value> = t["goroutine_ids"].as_array().unwrap().iter().collect();
        assert_eq!(ids, want_ids, "{case}: goroutines in dump order");
        assert_eq!(
            r["diagnostics"].as_array().unwrap().len(),
            0,
            "{case}: {}",
            r["diagnostics"]
        );
        let input = &r["inputs"][0];
        assert_eq!(input["formats"], serde_json::json!(["go-dump"]));
        assert_eq!(
            input["lines"], input["records"],
            "{case}: every line is the dump's"
        );
    }
}

/// The parked goroutines of fatal_parked_300 fall into a few buckets of
/// identical stacks; the largest holds the 70 `select` waiters or the like.
#[test]
fn parked_goroutines_bucket_by_stack() {
    let (r, _) = scan_json(&["tests/fixtures/go/fatal_parked_300.stderr"]);
    let buckets = r["crashes"][0]["buckets"].as_array().unwrap();
    let counts: Vec<u64> = buckets
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0] >= w[1]),
        "largest first: {counts:?}"
    );
    assert!(
        counts.len() < 301 / 5,
        "identical stacks share a bucket: {counts:?}"
    );
    // Each bucket's goroutines really have that state.
    let gs: BTreeMap<u64, &Value> = r["crashes"][0]["goroutines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["id"].as_u64().unwrap(), g))
        .collect();
    for b in buckets {
        for id in b["goroutines"].as_array().unwrap() {
            assert_eq!(gs[&id.as_u64().unwrap()]["state"], b["state"]);
        }
    }
}

#[test]
fn go123_prints_the_parent_goroutine() {
    let (r, _) = scan_json(&["tests/fixtures/go/fatal_read_write_system_go123.stderr"]);
    let g7 = r["crashes"][0]["goroutines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == 7)
        .unwrap();
    assert_eq!(g7["parent"], 1, "created by main.main in goroutine 1");
    assert_eq!(g7["created_by"]["func"], "main.main");
    assert_eq!(g7["created_by"]["line"], 54);
}

/// Races and crashes are deduplicated across files: the same program's race
/// printed by go1.19 and go1.23 is one site with both blocks of each.
#[test]
fn races_deduplicate_across_files() {
    let (r, _) = scan_json(&[
        "tests/fixtures/go/race_cache_method.stderr",
        "tests/fixtures/go/race_cache_method_go123.stderr",
    ]);
    let races = r["races"].as_array().unwrap();
    assert_eq!(races.len(), 1);
    assert_eq!(races[0]["blocks"], 4);
    assert_eq!(r["summary"]["races"], 4);
    assert_eq!(r["summary"]["race_sites"], 1);
}

// Fixtures produced for racetrail by real runs (docs/fixtures.md says how).

/// zapsvc with GOMAXPROCS=2: zap records and the runtime's abort share one
/// stderr. The crashing goroutine's open access names the map; the other
/// goroutines' accesses still open on it are the other side.
#[test]
fn a_crash_in_a_zap_log_finds_its_other_side() {
    let (r, code) = scan_json(&["tests/fixtures/go/zap_crash.jsonl"]);
    assert_eq!(code, 1);
    let c = &r["crashes"][0];
    assert_eq!(
        c["messages"][0],
        "fatal error: concurrent map read and map write"
    );
    assert_eq!(c["source"], "tests/fixtures/go/zap_crash.jsonl:145");
    assert_eq!(c["goroutine"], 8);
    assert_eq!(rel(str_of(&c["site"])), "zapsvc/store.go:159");
    assert_eq!(c["goroutines_total"], 10);
    assert_eq!(c["scope"], "tests/fixtures/go/zap_crash.jsonl");
    let other: Vec<(String, &str, &str, &str)> = c["other_side"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                str_of(&o["actor"]).to_string(),
                str_of(&o["op"]),
                str_of(&o["object_name"]),
                str_of(&o["trace"]),
            )
        })
        .collect();
    assert_eq!(
        other,
        [
            (
                "7".to_string(),
                "write",
                "reqCounters",
                "35c8bd1826ae01953c551c980e6f4106"
            ),
            (
                "14".to_string(),
                "range",
                "reqCounters",
                "02d981b87214fcb3d4ae3f3c1828849c"
            ),
        ],
        "goroutine 7's open write and the sweeper's open range"
    );
    let sources: Vec<&str> = c["other_side"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| str_of(&o["source"]))
        .collect();
    assert_eq!(
        sources,
        [
            "tests/fixtures/go/zap_crash.jsonl:135",
            "tests/fixtures/go/zap_crash.jsonl:142"
        ]
    );
    assert_eq!(
        r["inputs"][0]["formats"],
        serde_json::json!(["json", "go-dump"])
    );
}

/// Two goroutines hit the map check at once: two fatal lines, the second
/// reporter listed with `stack unavailable` and again with its stack.
#[test]
fn two_reporters_are_both_named() {
    let (r, _) = scan_json(&["tests/fixtures/go/fatal_two_reporters.stderr"]);
    let c = &r["crashes"][0];
    assert_eq!(
        c["messages"].as_array().unwrap().len(),
        1,
        "the same message once"
    );
    assert_eq!(c["goroutine"], 24);
    assert_eq!(c["reporters"], serde_json::json!([24, 22]));
    assert_eq!(c["goroutines_total"], 10, "11 headers, 10 goroutines");
    assert_eq!(rel(str_of(&c["site"])), "fatal_map_writes/main.go:19");
    let g22 = c["goroutines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == 22)
        .unwrap();
    assert_eq!(
        rel(str_of(&g22["site"])),
        "fatal_map_writes/main.go:19",
        "the stack from its second listing"
    );
}

#[test]
fn a_panic_is_a_crash() {
    let (r, code) = scan_json(&["tests/fixtures/go/panic_nil_map.stderr"]);
    assert_eq!(code, 1);
    let c = &r["crashes"][0];
    assert_eq!(
        c["messages"],
        serde_json::json!(["panic: assignment to entry in nil map"])
    );
    assert_eq!(c["goroutine"], 18);
    assert_eq!(rel(str_of(&c["site"])), "panic_nil_map/main.go:20");
    assert_eq!(c["stack"][1]["line"], 27, "called from loadZone");
}

/// GOTRACEBACK=crash after SIGQUIT: one dump in four per-thread sections
/// with register blocks; goroutine 0 listed in each.
#[test]
fn a_sigquit_dump_is_one_dump() {
    let (r, _) = scan_json(&["tests/fixtures/go/sigquit.stderr"]);
    let crashes = r["crashes"].as_array().unwrap();
    assert_eq!(crashes.len(), 1);
    let c = &crashes[0];
    assert_eq!(c["messages"][0], "SIGQUIT: quit");
    assert_eq!(
        c["goroutines_total"], 13,
        "16 headers, goroutine 0 four times"
    );
    assert!(c["goroutine"].is_null(), "no goroutine was running");
    let input = &r["inputs"][0];
    assert_eq!(
        input["records"], input["lines"],
        "registers and separators are the dump's"
    );
    let g24 = c["goroutines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == 24)
        .unwrap();
    assert_eq!(g24["state"], "runnable");
    assert_eq!(rel(str_of(&g24["site"])), "sigquit_parked/main.go:63");
}

/// A goroutine dump logged in a zap `stack` field, as when a circuit
/// breaker trips: `racetrail dumps` digests it like any dump.
#[test]
fn a_dump_inside_a_json_field_is_digested() {
    let out = crate::harness::run(
        &[
            "dumps",
            "--format",
            "json",
            "tests/fixtures/go/zap_embedded_dump.jsonl",
        ],
        None,
    );
    assert_eq!(out.code, 0);
    let r = out.json();
    assert_eq!(r["schema"], "racetrail.dumps/v1");
    let d = &r["dumps"][0];
    assert_eq!(d["source"], "tests/fixtures/go/zap_embedded_dump.jsonl:9");
    assert_eq!(d["goroutines_total"], 7);
    let states: Vec<(u64, &str)> = d["goroutines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["id"].as_u64().unwrap(), str_of(&g["state"])))
        .collect();
    assert_eq!(
        &states[..4],
        &[
            (1, "running"),
            (19, "semacquire"),
            (20, "semacquire"),
            (21, "chan receive")
        ]
    );
    // The two mutex waiters share a stack: one bucket of two.
    let b = d["buckets"].as_array().unwrap();
    assert_eq!(
        (b[0]["count"].as_u64(), str_of(&b[0]["state"])),
        (Some(2), "semacquire")
    );
    // It is no crash: a scan of the same file reports none.
    let (scan, _) = scan_json(&["tests/fixtures/go/zap_embedded_dump.jsonl"]);
    assert_eq!(scan["summary"]["crashes"], 0);
}

/// Go 1.24 is not installable here, so this input is BUILT BY HAND from the
/// Go 1.24 runtime's format strings (not real output): the swiss-table map's
/// `fatal("small map with no empty slot (concurrent map writes?)")`, its
/// `internal/runtime/maps.(*Map).putSlotSmall` frame under
/// `runtime.mapassign_faststr`, the 1.21+ `...N frames elided...` marker and
/// `created by … in goroutine N`.
#[test]
fn go124_forms_built_from_the_runtime_format_strings() {
    let text = "fatal error: small map with no empty slot (concurrent map writes?)\n\
\n\
goroutine 21 [running]:\n\
internal/runtime/maps.(*Map).putSlotSmall(0xc000012345, 0x4a1b20, 0xc000107f28, 0x7)\n\
\t/usr/local/go/src/internal/runtime/maps/map.go:612 +0x1d9\n\
runtime.mapassign_faststr(0x4a1b20, 0xc000012345, {0x4c2f1e, 0x5})\n\
\t/usr/local/go/src/internal/runtime/maps/runtime_faststr_swiss.go:263 +0x2a6\n\
main.(*inventory).restock(...)\n\
\t/src/app/inventory.go:41\n\
main.worker(0x3)\n\
\t/src/app/main.go:77 +0x8c\n\
...12 frames elided...\n\
created by main.main in goroutine 1\n\
\t/src/app/main.go:90 +0x65\n\
\n\
goroutine 1 [chan receive, 3 minutes]:\n\
main.main()\n\
\t/src/app/main.go:95 +0x10c\n";
    let dir = crate::harness::tempdir();
    let p = dir.path().join("go124_built.stderr");
    std::fs::write(&p, text).unwrap();
    let (r, code) = scan_json(&[crate::harness::path_str(&p)]);
    assert_eq!(code, 1);
    let c = &r["crashes"][0];
    assert_eq!(
        c["messages"][0],
        "fatal error: small map with no empty slot (concurrent map writes?)"
    );
    assert_eq!(c["goroutine"], 21);
    assert_eq!(
        c["site"], "/src/app/inventory.go:41",
        "the first frame outside the Go installation"
    );
    assert_eq!(
        c["map_address"], "0xc000012345",
        "the (*Map) receiver, as runtime.mapassign's map argument"
    );
    let g1 = c["goroutines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == 1)
        .unwrap();
    assert_eq!(
        (g1["state"].as_str(), g1["wait_minutes"].as_u64()),
        (Some("chan receive"), Some(3))
    );
    let g21 = c["goroutines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["id"] == 21)
        .unwrap();
    assert_eq!(g21["parent"], 1);
    assert_eq!(r["diagnostics"].as_array().unwrap().len(), 0);
}

/// `racetrail dumps` skips the conflict sweep and the lock analyses; the
/// digests, with the other side of a crash from the logs, are the same.
#[test]
fn dumps_need_no_sweep() {
    use racetrail::pipeline::{Settings, analyze};
    use racetrail::source::Input;
    let bytes =
        std::fs::read(crate::harness::fixture("tests/fixtures/go/zap_crash.jsonl")).unwrap();
    let inputs = vec![Input::from_bytes("zap_crash.jsonl", bytes)];
    let full = analyze(&inputs, &Settings::default(), &|_, _| {});
    let lean = Settings {
        find_conflicts: false,
        ..Settings::default()
    };
    let lean = analyze(&inputs, &lean, &|_, _| {});
    assert!(!full.conflicts.sites.is_empty(), "the log has conflicts");
    assert!(lean.conflicts.sites.is_empty() && lean.contention.locks.is_empty());
    let digest = |an| serde_json::to_string(&racetrail::report::runtime::all_dumps(an)).unwrap();
    let with_other_side = digest(&full);
    assert!(with_other_side.contains("other_side"));
    assert_eq!(digest(&lean), with_other_side);
}
