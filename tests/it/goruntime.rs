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
