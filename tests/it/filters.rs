//! `--since`/`--until` cut the replay; `--goroutine`, `--object`, `--trace`
//! select findings after it. Checked against a brute force that rebuilds
//! the zap_json log's windows and holds from its records, cuts them at the
//! bounds and compares every pair.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::harness::{ZAP_JSON, fixture_lines, scan_json, sites, str_of, truth};

#[derive(Clone)]
struct Win {
    map: String,
    g: i64,
    write: bool,
    start: i64,
    end: i64,
}

#[derive(Clone)]
struct Hold {
    lock: String,
    g: i64,
    start: i64,
    end: i64,
}

fn windows() -> (Vec<Win>, Vec<Hold>) {
    let mut recs: Vec<Value> = fixture_lines(ZAP_JSON)
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    recs.sort_by_key(|r| r["ts_ns"].as_i64().unwrap_or(0));
    let (mut wins, mut holds) = (Vec::new(), Vec::new());
    let mut open: BTreeMap<(i64, String, String, String), Vec<usize>> = BTreeMap::new();
    let mut held: BTreeMap<(i64, String), Vec<i64>> = BTreeMap::new();
    for r in recs {
        let (Some(op), Some(t)) = (r["op"].as_str(), r["ts_ns"].as_i64()) else {
            continue;
        };
        let g = r["goroutine"].as_i64().unwrap();
        if let Some(map) = r["map"].as_str() {
            let key = (
                g,
                map.to_string(),
                str_of(&r["key"]).to_string(),
                op.to_string(),
            );
            match r["phase"].as_str() {
                Some("begin") => {
                    open.entry(key).or_default().push(wins.len());
                    wins.push(Win {
                        map: map.into(),
                        g,
                        write: matches!(op, "write" | "delete"),
                        start: t,
                        end: i64::MAX,
                    });
                }
                Some("end") => {
                    let i = open.get_mut(&key).and_then(Vec::pop).unwrap();
                    wins[i].end = t;
                }
                _ => {}
            }
        } else if let Some(lock) = r["lock"].as_str() {
            match op {
                "lock_acquired" => held.entry((g, lock.into())).or_default().push(t),
                "lock_released" => {
                    let start = held.get_mut(&(g, lock.into())).and_then(Vec::pop).unwrap();
                    holds.push(Hold {
                        lock: lock.into(),
                        g,
                        start,
                        end: t,
                    });
                }
                _ => {}
            }
        }
    }
    (wins, holds)
}

/// Pairs per map after cutting everything to `[from, to)`.
fn brute_force(from: i64, to: i64) -> BTreeMap<String, u64> {
    let (wins, holds) = windows();
    let keep = |s: i64, e: i64| s < to && (e > from || (e == s && s >= from));
    let wins: Vec<Win> = wins
        .into_iter()
        .filter(|w| keep(w.start, w.end))
        .map(|mut w| {
            w.start = w.start.max(from);
            w.end = w.end.min(to);
            w
        })
        .collect();
    let holds: Vec<Hold> = holds
        .into_iter()
        .filter(|h| keep(h.start, h.end))
        .map(|mut h| {
            h.start = h.start.max(from);
            h.end = h.end.min(to);
            h
        })
        .collect();
    let inside = |w: &Win| -> Vec<&str> {
        holds
            .iter()
            .filter(|h| h.g == w.g && h.start <= w.start && w.end <= h.end)
            .map(|h| h.lock.as_str())
            .collect()
    };
    let mut out = BTreeMap::new();
    for (i, a) in wins.iter().enumerate() {
        for b in &wins[i + 1..] {
            let conflict = a.map == b.map
                && a.g != b.g
                && (a.write || b.write)
                && a.start < b.end
                && b.start < a.end
                && !inside(a).iter().any(|l| inside(b).contains(l));
            if conflict {
                *out.entry(a.map.clone()).or_default() += 1;
            }
        }
    }
    out
}

fn per_map(r: &Value) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for s in sites(r) {
        *out.entry(str_of(&s["object"]).to_string()).or_default() +=
            s["conflicts"].as_u64().unwrap();
    }
    out
}

#[test]
fn the_brute_force_agrees_without_bounds() {
    let (r, _) = scan_json(&[ZAP_JSON]);
    assert_eq!(per_map(&r), brute_force(i64::MIN, i64::MAX));
}

#[test]
fn since_and_until_cut_windows_and_holds() {
    // Bounds inside the run, some falling inside open windows and holds.
    let t0 = 1_795_697_153_869_000_000i64;
    for (since, until) in [
        (t0 + 31_000_000, i64::MAX),
        (i64::MIN, t0 + 51_000_000),
        (t0 + 20_000_000, t0 + 40_000_000),
        (t0 + 10_000_123, t0 + 10_050_000),
    ] {
        let mut args = vec!["--format".to_string(), "json".into()];
        // Exact nanoseconds, as RFC 3339 built from the integers.
        if since != i64::MIN {
            args.push(format!("--since={}", rfc3339(since)));
        }
        if until != i64::MAX {
            args.push(format!("--until={}", rfc3339(until)));
        }
        args.push(ZAP_JSON.into());
        let mut full = vec!["scan".to_string()];
        full.extend(args);
        let refs: Vec<&str> = full.iter().map(String::as_str).collect();
        let out = crate::harness::run(&refs, None);
        let r = out.json();
        assert_eq!(per_map(&r), brute_force(since, until), "[{since}, {until})");
    }
}

fn rfc3339(ns: i64) -> String {
    let secs = ns.div_euclid(1_000_000_000);
    let frac = ns.rem_euclid(1_000_000_000);
    // 2026-11-26 00:00:00 UTC is 1795651200.
    let day_secs = secs - 1_795_651_200;
    format!(
        "2026-11-26T{:02}:{:02}:{:02}.{frac:09}Z",
        day_secs / 3600,
        day_secs / 60 % 60,
        day_secs % 60
    )
}

#[test]
fn object_filters_by_id_or_name() {
    let t = truth("zap_json");
    let (by_name, code) = scan_json(&["--object", "lastSeen", ZAP_JSON]);
    assert_eq!(code, 1);
    let (by_id, _) = scan_json(&["--object", "0xc000076ea0", ZAP_JSON]);
    assert_eq!(by_name["conflict_sites"], by_id["conflict_sites"]);
    assert_eq!(
        by_name["summary"]["conflicts"],
        t["maps"]["0xc000076ea0"]["conflict_pairs"]
    );
    assert!(
        sites(&by_name)
            .iter()
            .all(|s| s["object"] == "0xc000076ea0")
    );
    let (locks, code) = scan_json(&["--object", "carts.mu", ZAP_JSON]);
    assert_eq!(code, 0, "no conflict on carts.mu: nothing found");
    assert!(
        locks["contention"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["lock_name"] == "carts.mu")
    );
    assert_eq!(locks["locks"].as_array().unwrap().len(), 1);
}

#[test]
fn goroutine_and_trace_select_sites_and_evidence() {
    let t = truth("zap_json");
    // Sites (map and ops; every access logs from one caller) with a pair of goroutine 11.
    let mut want: Vec<(String, Vec<String>)> = t["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["a"]["goroutine"] == 11 || p["b"]["goroutine"] == 11)
        .map(|p| {
            let mut ops = vec![
                str_of(&p["a"]["op"]).to_string(),
                str_of(&p["b"]["op"]).to_string(),
            ];
            ops.sort();
            (str_of(&p["map"]).to_string(), ops)
        })
        .collect();
    want.sort();
    want.dedup();
    let (r, _) = scan_json(&["--goroutine", "11", ZAP_JSON]);
    let mut got: Vec<(String, Vec<String>)> = sites(&r)
        .iter()
        .map(|s| {
            let mut ops: Vec<String> = s["sides"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| str_of(&x["op"]).to_string())
                .collect();
            ops.sort();
            (str_of(&s["object"]).to_string(), ops)
        })
        .collect();
    got.sort();
    assert_eq!(got, want);
    for c in r["conflicts"].as_array().unwrap() {
        assert!(c["a"]["actor"] == "11" || c["b"]["actor"] == "11", "{c}");
    }
    let trace = "085f94dea44beeeb00f4fe333c302c84";
    let (r, _) = scan_json(&["--trace", trace, ZAP_JSON]);
    assert!(!sites(&r).is_empty());
    for c in r["conflicts"].as_array().unwrap() {
        assert!(c["a"]["trace"] == trace || c["b"]["trace"] == trace, "{c}");
    }
    let (none, code) = scan_json(&["--goroutine", "999", ZAP_JSON]);
    assert_eq!((none["summary"]["conflicts"].as_u64(), code), (Some(0), 0));
}

/// `--mode hb` analyses the events of `[since, until)` only, like the windows.
#[test]
fn happens_before_honours_since_and_until() {
    let (all, _) = scan_json(&["--mode", "hb", ZAP_JSON]);
    let events = all["hb"]["events"].as_u64().unwrap();
    assert!(all["hb"]["racy_events"].as_u64().unwrap() > 0);
    let (none, code) = scan_json(&["--mode", "hb", "--until", "2000-01-01T00:00:00Z", ZAP_JSON]);
    assert_eq!(none["summary"]["accesses"], 0);
    assert_eq!(none["hb"]["events"], 0);
    assert_eq!(none["hb"]["racy_events"], 0);
    assert_eq!(code, 0);
    let first = all["conflict_sites"][0]["first_ns"].as_i64().unwrap();
    let (late, _) = scan_json(&["--mode", "hb", "--since", &first.to_string(), ZAP_JSON]);
    let n = late["hb"]["events"].as_u64().unwrap();
    assert!(0 < n && n < events, "{n} of {events}");
}
