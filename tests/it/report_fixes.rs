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
