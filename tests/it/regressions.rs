//! Bugs found in review, each pinned by the input that showed it.

use serde_json::Value;

use crate::harness::{path_str, scan_json, tempdir};

const B: i64 = 1_795_697_153_000_000_000;

fn log(lines: &[String]) -> (tempfile::TempDir, String) {
    let dir = tempdir();
    let p = dir.path().join("in.log");
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    let s = path_str(&p).to_string();
    (dir, s)
}

fn rec(t: i64, g: u32, rest: &str) -> String {
    format!(r#"{{"ts_ns":{},"goroutine":{g},{rest}}}"#, B + t)
}

/// Two goroutines each hold one lock and wait for the other's, never
/// released; a third access stays open.
fn deadlock_log() -> Vec<String> {
    vec![
        rec(1, 1, r#""lock":"A","op":"lock_acquired""#),
        rec(2, 2, r#""lock":"B","op":"lock_acquired""#),
        rec(3, 1, r#""lock":"B","op":"lock_wait""#),
        rec(4, 2, r#""lock":"A","op":"lock_wait""#),
        rec(5, 3, r#""map":"m","op":"write","phase":"begin""#),
        rec(6, 4, r#""map":"m","op":"read""#),
    ]
}

/// --until past the end changes nothing: what never ended stays open (an
/// open wait blames nothing, an open access keeps a null end).
#[test]
fn until_keeps_open_things_open() {
    let (_d, p) = log(&deadlock_log());
    let (plain, _) = scan_json(&[&p]);
    let (cut, _) = scan_json(&["--until", "2030-01-01T00:00:00Z", &p]);
    for r in [&plain, &cut] {
        assert_eq!(r["summary"]["contention_edges"], 0);
        assert_eq!(r["deadlocks"][0]["open"], true);
        let c = &r["conflicts"][0];
        assert!(c["a"]["end_ns"].is_null() || c["b"]["end_ns"].is_null());
        assert_eq!(r["locks"][0]["open_waits"], 1);
    }
}

/// Waits still open at the end: each reported deadlock is a real cycle,
/// whatever the order of the lines.
#[test]
fn end_of_input_deadlocks_are_real_cycles() {
    let lines = vec![
        rec(1, 1, r#""lock":"L2","op":"lock_acquired","mode":"shared""#),
        rec(2, 2, r#""lock":"L1","op":"lock_acquired""#),
        rec(3, 3, r#""lock":"L2","op":"lock_acquired","mode":"shared""#),
        rec(4, 2, r#""lock":"L3","op":"lock_acquired""#),
        rec(5, 1, r#""lock":"L1","op":"lock_wait""#),
        rec(6, 2, r#""lock":"L2","op":"lock_wait""#),
        rec(7, 3, r#""lock":"L3","op":"lock_wait""#),
    ];
    let mut reversed = lines.clone();
    reversed.reverse();
    for l in [lines, reversed] {
        let (_d, p) = log(&l);
        let (r, _) = scan_json(&[&p]);
        let got: Vec<(Value, Value)> = r["deadlocks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["actors"].clone(), d["locks"].clone()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    serde_json::json!(["1", "2"]),
                    serde_json::json!(["L1", "L2"])
                ),
                (
                    serde_json::json!(["2", "3"]),
                    serde_json::json!(["L2", "L3"])
                ),
            ]
        );
    }
}

/// zap records with process fields and the runtime's dump on one stderr:
/// the dump belongs to the records' process.
#[test]
fn a_crash_joins_records_with_process_fields() {
    let mut l = vec![
        rec(
            1,
            8,
            r#""pid":4242,"map":"0xc000076de0","op":"read","phase":"begin""#,
        ),
        rec(
            2,
            7,
            r#""pid":4242,"map":"0xc000076de0","op":"write","phase":"begin""#,
        ),
    ];
    // A dump of the shape of the corpus's fatal_read_write case.
    l.extend(
        [
            "fatal error: concurrent map read and map write",
            "",
            "goroutine 7 [running]:",
            "main.put(...)",
            "\t/src/app/main.go:20",
            "created by main.main",
            "\t/src/app/main.go:30 +0x5a",
        ]
        .map(String::from),
    );
    let (_d, p) = log(&l);
    let (r, _) = scan_json(&[&p]);
    let c = &r["crashes"][0];
    assert_eq!(c["scope"], "pid=4242");
    assert_eq!(c["other_side"][0]["actor"], "8");
}

/// Times near the i64 limits saturate instead of wrapping.
#[test]
fn huge_waits_saturate() {
    let (_d, p) = log(&[
        r#"{"ts_ns":-9223372036854775000,"goroutine":1,"lock":"L","op":"lock_acquired"}"#.into(),
        r#"{"ts_ns":-9223372036854775000,"goroutine":2,"lock":"L","op":"lock_wait"}"#.into(),
        r#"{"ts_ns":9223372036854775000,"goroutine":1,"lock":"L","op":"lock_released"}"#.into(),
        r#"{"ts_ns":9223372036854775000,"goroutine":2,"lock":"L","op":"lock_acquired"}"#.into(),
        r#"{"ts_ns":9223372036854775001,"goroutine":2,"lock":"L","op":"lock_released"}"#.into(),
    ]);
    let (r, _) = scan_json(&[&p]);
    let l = &r["locks"][0];
    assert!(l["wait_ns"].as_i64().unwrap() > 0, "{l}");
    assert!(l["blamed_ns"].as_i64().unwrap() > 0, "{l}");
}

/// A begin with a pairing id is closed by an end that has only the fields.
#[test]
fn an_end_without_the_id_closes_by_fields() {
    let (_d, p) = log(&[
        rec(
            1,
            1,
            r#""acc_id":"a1","map":"m","op":"write","phase":"begin""#,
        ),
        rec(2, 1, r#""map":"m","op":"write","phase":"end""#),
        rec(10, 2, r#""map":"m","op":"read""#),
    ]);
    let (r, code) = scan_json(&[&p]);
    assert_eq!(code, 0, "{}", r);
    assert_eq!(r["summary"]["open_accesses"], 0);
    assert_eq!(r["diagnostics"].as_array().unwrap().len(), 0);
}

/// JSON's exponent form of zap's float seconds.
#[test]
fn exponent_times() {
    let (_d, p) = log(&[
        r#"{"ts":1.795697153001e9,"goroutine":1,"map":"m","op":"write","dur_ns":5}"#.into(),
        r#"{"ts":1.795697153002e9,"goroutine":2,"map":"m","op":"write","dur_ns":5}"#.into(),
    ]);
    let (r, _) = scan_json(&[&p]);
    assert_eq!(r["summary"]["parse_errors"], 0);
    assert_eq!(
        r["diagnostics"].as_array().unwrap().len(),
        0,
        "{}",
        r["diagnostics"]
    );
    assert_eq!(r["summary"]["accesses"], 2);
}

/// A Docker entry whose message holds a newline inside is two inner lines,
/// both from that entry: later evidence still points at the right entry
/// (found by fuzzing the wrappers).
#[test]
fn docker_messages_with_inner_newlines_keep_line_numbers() {
    let entry = |log: &str| {
        serde_json::json!({"log": log, "stream": "stderr", "time": "2026-11-26T12:00:00Z"})
            .to_string()
    };
    let (_d, p) = log(&[
        entry("first line\nsecond line\n"),
        entry(&(rec(1, 1, r#""map":"m","op":"write","dur_ns":10"#) + "\n")),
        entry(&(rec(2, 2, r#""map":"m","op":"write","dur_ns":10"#) + "\n")),
    ]);
    let (r, _) = scan_json(&[&p]);
    let c = &r["conflicts"][0];
    assert_eq!(c["a"]["source"], format!("{p}:2"));
    assert_eq!(c["b"]["source"], format!("{p}:3"));
}

/// A lock record whose op field is not recognised is no lock event: its
/// message `lock` does not say which event it is (only `lock wait`, `lock
/// acquired` and `lock released` do). The renamed log used to show 396 holds.
#[test]
fn a_lock_message_alone_is_no_acquire() {
    let (r, _) = crate::harness::scan_json(&["tests/fixtures/renamed/zap_renamed.jsonl"]);
    assert_eq!(r["summary"]["holds"], 0);
    let (r, _) = crate::harness::scan_json(&[
        "--field",
        "op=operation",
        "--field",
        "object=mapRef",
        "--field",
        "actor=routine",
        "tests/fixtures/renamed/zap_renamed.jsonl",
    ]);
    assert_eq!(r["summary"]["holds"], 132);
}
