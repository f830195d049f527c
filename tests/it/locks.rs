//! Lock contention against an independent brute force: the log's records
//! are read here with serde_json, waits and holds rebuilt, and every wait
//! compared with every hold of its lock. The corpus truth's lock tables
//! cross-check the waits and holds themselves.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::harness::{ZAP_JSON, ZAP_SINGLE, fixture_lines, scan_json, str_of, truth};

struct Wait {
    lock: String,
    goroutine: i64,
    trace: String,
    exclusive: bool,
    start: i64,
    end: Option<i64>,
}

struct Hold {
    lock: String,
    goroutine: i64,
    trace: String,
    exclusive: bool,
    start: i64,
    end: i64,
}

/// Waits and holds of a zapsvc log, by the record convention of the corpus.
/// (goroutine, lock) → stack of (acquired at, exclusive, trace id).
type OpenHolds = BTreeMap<(i64, String), Vec<(i64, bool, String)>>;

fn replay(path: &str) -> (Vec<Wait>, Vec<Hold>) {
    let mut waits = Vec::new();
    let mut holds = Vec::new();
    let mut pending: BTreeMap<(i64, String), usize> = BTreeMap::new();
    let mut open: OpenHolds = BTreeMap::new();
    let mut recs: Vec<Value> = fixture_lines(path)
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    recs.sort_by_key(|r| r["ts_ns"].as_i64().unwrap_or(0));
    for r in recs {
        let (Some(op), Some(lock)) = (r["op"].as_str(), r["lock"].as_str()) else {
            continue;
        };
        let g = r["goroutine"].as_i64().unwrap();
        let t = r["ts_ns"].as_i64().unwrap();
        let exclusive = r["mode"].as_str() != Some("shared");
        let trace = r["trace_id"].as_str().unwrap_or("").to_string();
        let key = (g, lock.to_string());
        match op {
            "lock_wait" => {
                pending.insert(key, waits.len());
                waits.push(Wait {
                    lock: lock.into(),
                    goroutine: g,
                    trace,
                    exclusive,
                    start: t,
                    end: None,
                });
            }
            "lock_acquired" => {
                if let Some(i) = pending.remove(&key) {
                    waits[i].end = Some(t);
                }
                open.entry(key).or_default().push((t, exclusive, trace));
            }
            "lock_released" => {
                let (start, exclusive, trace) = open.get_mut(&key).and_then(Vec::pop).unwrap();
                holds.push(Hold {
                    lock: lock.into(),
                    goroutine: g,
                    trace,
                    exclusive,
                    start,
                    end: t,
                });
            }
            _ => {}
        }
    }
    (waits, holds)
}

/// (lock, holder, waiter) → (waits blocked, blamed ns, most in one wait)
type Edges = BTreeMap<(String, String, String), (u64, i64, i64)>;

/// (lock, holder, waiter) → (holders' traces, waiters' traces)
type EdgeTraces = BTreeMap<(String, String, String), (BTreeSet<String>, BTreeSet<String>)>;

fn brute_force(waits: &[Wait], holds: &[Hold]) -> (BTreeMap<String, i64>, Edges, EdgeTraces) {
    let mut per_lock: BTreeMap<String, i64> = BTreeMap::new();
    let mut edges = Edges::new();
    let mut traces = EdgeTraces::new();
    for w in waits {
        let Some(end) = w.end else { continue };
        let mut per_holder: BTreeMap<i64, i64> = BTreeMap::new();
        for h in holds {
            if h.lock != w.lock || h.goroutine == w.goroutine || !(w.exclusive || h.exclusive) {
                continue;
            }
            let overlap = end.min(h.end) - w.start.max(h.start);
            if overlap > 0 {
                let t = traces
                    .entry((
                        w.lock.clone(),
                        h.goroutine.to_string(),
                        w.goroutine.to_string(),
                    ))
                    .or_default();
                t.0.insert(h.trace.clone());
                t.1.insert(w.trace.clone());
                *per_holder.entry(h.goroutine).or_default() += overlap;
                *per_lock.entry(w.lock.clone()).or_default() += overlap;
            }
        }
        for (holder, ns) in per_holder {
            let e = edges
                .entry((w.lock.clone(), holder.to_string(), w.goroutine.to_string()))
                .or_default();
            e.0 += 1;
            e.1 += ns;
            e.2 = e.2.max(ns);
        }
    }
    (per_lock, edges, traces)
}

fn check(path: &str, case: &str) {
    let (waits, holds) = replay(path);
    let (per_lock, edges, traces) = brute_force(&waits, &holds);
    let (r, _) = scan_json(&[path]);
    let got_edges: Edges = r["contention"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                (
                    str_of(&e["lock"]).to_string(),
                    str_of(&e["holder"]).to_string(),
                    str_of(&e["waiter"]).to_string(),
                ),
                (
                    e["waits"].as_u64().unwrap(),
                    e["blamed_ns"].as_i64().unwrap(),
                    e["max_ns"].as_i64().unwrap(),
                ),
            )
        })
        .collect();
    assert!(!edges.is_empty(), "{case}: the log has contention");
    assert_eq!(got_edges, edges, "{case}: holder → waiter edges");
    // The requests on both sides of each edge (all fit in the 20 listed).
    for e in r["contention"].as_array().unwrap() {
        let key = (
            str_of(&e["lock"]).to_string(),
            str_of(&e["holder"]).to_string(),
            str_of(&e["waiter"]).to_string(),
        );
        let set = |v: &Value| -> BTreeSet<String> {
            v.as_array()
                .unwrap()
                .iter()
                .map(|t| str_of(t).to_string())
                .collect()
        };
        assert_eq!(
            set(&e["holder_traces"]),
            traces[&key].0,
            "{case}: {key:?} holders"
        );
        assert_eq!(
            set(&e["waiter_traces"]),
            traces[&key].1,
            "{case}: {key:?} waiters"
        );
    }
    assert_eq!(r["summary"]["contention_edges"], edges.len());
    let t = truth(case);
    for l in r["locks"].as_array().unwrap() {
        let id = str_of(&l["lock"]);
        assert_eq!(
            l["blamed_ns"].as_i64().unwrap(),
            per_lock.get(id).copied().unwrap_or(0),
            "{case} {id}: blamed"
        );
        let tl = &t["locks"][id];
        assert_eq!(l["name"], tl["name"], "{case} {id}");
        assert_eq!(l["waits"], tl["waits"], "{case} {id}: waits");
        assert_eq!(l["wait_ns"], tl["total_wait_ns"], "{case} {id}: total wait");
        assert_eq!(l["max_wait_ns"], tl["max_wait_ns"], "{case} {id}");
        assert_eq!(l["max_hold_ns"], tl["max_hold_ns"], "{case} {id}");
        assert_eq!(l["holds"], tl["holds"], "{case} {id}");
        assert_eq!(l["open_waits"], tl["still_waiting_at_end"], "{case} {id}");
        // Unattributed time is the part of each wait no blamed hold covers:
        // never negative, never more than the waiting.
        let un = l["unattributed_ns"].as_i64().unwrap();
        assert!(
            (0..=l["wait_ns"].as_i64().unwrap()).contains(&un),
            "{case} {id}"
        );
    }
    assert_eq!(
        r["deadlocks"].as_array().unwrap().len(),
        0,
        "{case}: no deadlock"
    );
}

#[test]
fn contention_equals_brute_force_on_zap_json() {
    check(ZAP_JSON, "zap_json");
}

#[test]
fn contention_equals_brute_force_on_zap_single() {
    check(ZAP_SINGLE, "zap_single");
}

/// Two goroutines take two mutexes in opposite order (a real Go program,
/// docs/fixtures.md): the log's open waits form exactly that cycle.
#[test]
fn a_real_deadlock_is_the_cycle() {
    let (r, code) = scan_json(&["tests/fixtures/go/deadlock_locks.jsonl"]);
    assert_eq!(code, 1, "a deadlock is a finding");
    let d = r["deadlocks"].as_array().unwrap();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0]["actors"], serde_json::json!(["6", "7"]));
    assert_eq!(
        d[0]["locks"],
        serde_json::json!(["ledger.mu", "accounts.mu"])
    );
    assert_eq!(d[0]["open"], true);
    assert_eq!(
        d[0]["sources"],
        serde_json::json!([
            "tests/fixtures/go/deadlock_locks.jsonl:24",
            "tests/fixtures/go/deadlock_locks.jsonl:25"
        ])
    );
    // Independently: who waits (never acquired) on which lock, and who holds
    // it (acquired, never released), from the records themselves.
    let mut waiting: BTreeMap<i64, String> = BTreeMap::new();
    let mut holding: BTreeMap<String, i64> = BTreeMap::new();
    for l in fixture_lines("tests/fixtures/go/deadlock_locks.jsonl") {
        let Ok(r) = serde_json::from_str::<Value>(&l) else {
            continue;
        };
        let (Some(op), Some(lock), Some(g)) = (
            r["op"].as_str(),
            r["lock"].as_str(),
            r["goroutine"].as_i64(),
        ) else {
            continue;
        };
        match op {
            "lock_wait" => {
                waiting.insert(g, lock.to_string());
            }
            "lock_acquired" => {
                waiting.remove(&g);
                holding.insert(lock.to_string(), g);
            }
            "lock_released" => {
                holding.remove(lock);
            }
            _ => {}
        }
    }
    // Follow waiter → holder of its lock from goroutine 6 around the cycle.
    let mut cycle = vec![6];
    loop {
        let next = holding[&waiting[cycle.last().unwrap()]];
        if next == cycle[0] {
            break;
        }
        cycle.push(next);
    }
    let want: Vec<String> = cycle.iter().map(i64::to_string).collect();
    assert_eq!(d[0]["actors"], serde_json::json!(want));
    assert_eq!(r["summary"]["deadlocks"], 1);
    // The runtime agrees: every goroutine asleep.
    assert_eq!(
        r["crashes"][0]["messages"][0],
        "fatal error: all goroutines are asleep - deadlock!"
    );
}
