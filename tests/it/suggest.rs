//! Field names the convention does not know never pass as a clean log: the
//! warnings with their suggested `--field` mappings, the point-record hint,
//! and default arguments from `RACETRAIL_CONFIG_PATH`. The logs are derived
//! mechanically from the real zapsvc fixtures (tests/fixtures/renamed/make.py,
//! docs/fixtures.md).

use serde_json::Value;

use crate::harness::{
    ZAP_JSON, path_str, racetrail, read_fixture, report_counts, run, scan_json, str_of, tempdir,
    truth, truth_counts, write_lines,
};

const RENAMED: &str = "tests/fixtures/renamed/zap_renamed.jsonl";
const NO_GOROUTINE: &str = "tests/fixtures/renamed/zap_no_goroutine.jsonl";
const POINTS: &str = "tests/fixtures/renamed/zap_points.log";

const RENAMED_WARNING: &str = "no map accesses recognised in 1,462 records; fields that look \
     like them: --field op=operation --field object=mapRef --field actor=routine";
const ONE_CALLER: &str = "all 382 map accesses have one caller, zapsvc/store.go:55 (a logging \
     helper's line?): conflict sites cannot tell code paths apart; log the helper's caller \
     (zap.AddCallerSkip(1)) or name the caller's field with --field caller=NAME";

/// The report's whole-input warnings (source a bare path): (source, message).
fn warnings(r: &Value) -> Vec<(String, String)> {
    r["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["severity"] == "warning")
        .filter(|d| {
            str_of(&d["source"])
                .rsplit_once(':')
                .is_none_or(|(_, c)| c.parse::<u64>().is_err())
        })
        .map(|d| {
            (
                str_of(&d["source"]).to_string(),
                str_of(&d["message"]).to_string(),
            )
        })
        .collect()
}

/// The `--field CONCEPT=NAME` flags a message suggests, as arguments.
fn suggested_flags(message: &str) -> Vec<String> {
    let words: Vec<&str> = message.split([' ', ';']).collect();
    words
        .windows(2)
        .filter(|w| w[0] == "--field" && w[1].contains('=') && !w[1].contains("NAME"))
        .flat_map(|w| ["--field".to_string(), w[1].to_string()])
        .collect()
}

#[test]
fn the_renamed_fixture_is_zap_json_with_three_keys_renamed() {
    let derived = read_fixture(ZAP_JSON)
        .replace("\"goroutine\":", "\"routine\":")
        .replace("\"map\":", "\"mapRef\":")
        .replace("\"op\":", "\"operation\":");
    assert_eq!(derived, read_fixture(RENAMED));
}

#[test]
fn a_renamed_log_warns_with_the_right_mappings() {
    let (r, code) = scan_json(&[RENAMED]);
    assert_eq!(code, 0, "nothing found, and no error");
    assert_eq!(r["summary"]["accesses"], 0);
    assert_eq!(
        warnings(&r),
        vec![(RENAMED.to_string(), RENAMED_WARNING.to_string())]
    );

    // The suggested flags make the renamed log the original one.
    let flags = suggested_flags(RENAMED_WARNING);
    assert_eq!(
        flags,
        [
            "--field",
            "op=operation",
            "--field",
            "object=mapRef",
            "--field",
            "actor=routine"
        ]
    );
    let mut args: Vec<&str> = flags.iter().map(String::as_str).collect();
    args.push(RENAMED);
    let (fixed, code) = scan_json(&args);
    let (original, _) = scan_json(&[ZAP_JSON]);
    assert_eq!(code, 1);
    for key in [
        "accesses",
        "holds",
        "conflicts",
        "conflict_sites",
        "objects",
        "actors",
    ] {
        assert_eq!(fixed["summary"][key], original["summary"][key], "{key}");
    }
    assert_eq!(report_counts(&fixed), report_counts(&original));
    assert_eq!(
        crate::harness::report_counts_for(&fixed, &truth("zap_json")),
        truth_counts(&truth("zap_json"))
    );
    // What is left is the warning the original log has too.
    let left: Vec<String> = warnings(&fixed).into_iter().map(|w| w.1).collect();
    assert_eq!(left, [ONE_CALLER]);
}

#[test]
fn the_table_and_stderr_say_it_once() {
    let t = run(&["scan", "--color", "never", RENAMED], None);
    assert_eq!(t.code, 0);
    let table = t.text();
    let section = format!("\nwarnings\n  {RENAMED}: {RENAMED_WARNING}\n");
    assert!(table.contains(&section), "{table}");
    assert_eq!(table.matches(RENAMED_WARNING).count(), 1, "{table}");
    // stdout is a pipe here, not the terminal stderr may be: stderr says it.
    assert_eq!(
        t.stderr,
        format!("racetrail: warning: {RENAMED}: {RENAMED_WARNING}\n")
    );
    assert!(run(&["scan", "-q", RENAMED], None).stderr.is_empty());

    // Rotated files of one schema: a warning per input in the report, one
    // line on stderr.
    let dir = tempdir();
    let lines: Vec<String> = read_fixture(RENAMED).lines().map(String::from).collect();
    let (a, b) = lines.split_at(700);
    let pa = write_lines(dir.path(), "app.log.1", a);
    let pb = write_lines(dir.path(), "app.log.2", b);
    let d = path_str(dir.path());
    let r = run(&["scan", "--format", "json", d], None);
    let report: Value = r.json();
    let per_input = warnings(&report);
    assert_eq!(
        per_input
            .iter()
            .map(|(s, m)| (s.as_str(), m.split(';').next().unwrap()))
            .collect::<Vec<_>>(),
        [
            (path_str(&pa), "no map accesses recognised in 700 records"),
            (path_str(&pb), "no map accesses recognised in 762 records"),
        ]
    );
    assert_eq!(
        r.stderr,
        format!(
            "racetrail: warning: no map accesses recognised in 1,462 records of 2 inputs ({}, {}); \
             fields that look like them: --field op=operation --field object=mapRef --field \
             actor=routine\n",
            path_str(&pa),
            path_str(&pb)
        )
    );
}

#[test]
fn no_goroutine_field_means_no_conflict_is_possible() {
    let (r, code) = scan_json(&[NO_GOROUTINE]);
    assert_eq!(code, 0);
    assert_eq!(r["summary"]["accesses"], 382);
    assert_eq!(r["summary"]["conflicts"], 0);
    assert_eq!(
        warnings(&r),
        [
            (
                NO_GOROUTINE.to_string(),
                "382 map accesses but none names its goroutine: all count as one goroutine's, \
                 so no conflict is possible; name the goroutine field with --field actor=NAME"
                    .to_string()
            ),
            (NO_GOROUTINE.to_string(), ONE_CALLER.to_string()),
        ]
    );

    // With the goroutine under another name, that name is suggested.
    let dir = tempdir();
    let lines: Vec<String> = read_fixture(ZAP_JSON)
        .lines()
        .map(|l| l.replace("\"goroutine\":", "\"worker\":"))
        .collect();
    let p = write_lines(dir.path(), "worker.jsonl", &lines);
    let (r, _) = scan_json(&[path_str(&p)]);
    let message = &warnings(&r)[0].1;
    assert_eq!(
        message,
        "382 map accesses but none names its goroutine: all count as one goroutine's, so no \
         conflict is possible; a field that looks like one: --field actor=worker"
    );
    let (fixed, _) = scan_json(&["--field", "actor=worker", path_str(&p)]);
    assert_eq!(fixed["summary"]["conflicts"], 115);
}

#[test]
fn one_caller_for_every_access_is_said() {
    let (r, _) = scan_json(&[ZAP_JSON]);
    assert_eq!(
        warnings(&r),
        [(ZAP_JSON.to_string(), ONE_CALLER.to_string())]
    );
    // slog text without source locations names no caller: nothing to say.
    let (r, _) = scan_json(&["tests/fixtures/logfmt.log"]);
    assert_eq!(warnings(&r), []);
}

#[test]
fn lock_traces_and_crash_logs_are_no_renamed_access_logs() {
    // Records without accesses, beside a dump: no warning about accesses.
    let (r, _) = scan_json(&["tests/fixtures/go/zap_embedded_dump.jsonl"]);
    assert!(
        warnings(&r).iter().all(|w| !w.1.contains("recognised")),
        "{r}"
    );
    // A plain service log (records, no access anywhere) is said to be one.
    let dir = tempdir();
    let lines: Vec<String> = read_fixture(ZAP_JSON)
        .lines()
        .filter(|l| l.contains("\"msg\":\"request start\""))
        .map(String::from)
        .collect();
    assert!(lines.len() > 10);
    let p = write_lines(dir.path(), "requests.jsonl", &lines);
    let (r, _) = scan_json(&[path_str(&p)]);
    let w = warnings(&r);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].1.starts_with(&format!(
            "no map accesses recognised in {} records, and no field looks like",
            lines.len()
        )),
        "{w:?}"
    );
}

const POINTS_WARNING: &str = "166 pairs of point accesses (no begin/end, no duration) by \
     different goroutines, at least one a write, lie within 1µs of each other on 2 maps, most \
     (158) on map reqCounters 0xc000076e70; they never overlap at --slack 0: try --slack 1us \
     (first pair: tests/fixtures/renamed/zap_points.log:40 and \
     tests/fixtures/renamed/zap_points.log:61)";

#[test]
fn point_records_hint_at_slack() {
    let (r, code) = scan_json(&[POINTS]);
    assert_eq!(code, 0);
    assert_eq!(r["summary"]["conflicts"], 0);
    let w = warnings(&r);
    assert!(
        w.contains(&(POINTS.to_string(), POINTS_WARNING.to_string())),
        "{w:?}"
    );
    // The pairs counted are exactly those --slack 1us adds.
    let (wide, code) = scan_json(&["--slack", "1us", POINTS]);
    assert_eq!(code, 1);
    assert_eq!(wide["summary"]["conflicts"], 166);
    assert!(warnings(&wide).iter().all(|w| !w.1.contains("point")));
    // The first pair named is real: two goroutines, one map, one instant.
    let lines: Vec<String> = read_fixture(POINTS).lines().map(String::from).collect();
    let fields = |n: usize| -> Value {
        let cols: Vec<&str> = lines[n - 1].split('\t').collect();
        assert_eq!(cols[0], lines[60].split('\t').next().unwrap());
        serde_json::from_str(cols[4]).unwrap()
    };
    let (a, b) = (fields(40), fields(61));
    assert_ne!(a["goroutine"], b["goroutine"]);
    assert_eq!(a["map"], b["map"]);
    // Begin/end windows are no points: the original log has no hint.
    let (r, _) = scan_json(&["tests/fixtures/zap_console.log"]);
    assert!(warnings(&r).iter().all(|w| !w.1.contains("point")));
}

#[test]
fn the_config_file_names_the_schema_once() {
    let dir = tempdir();
    let rc = dir.path().join("racetrailrc");
    std::fs::write(
        &rc,
        "# our access log schema\n\n--field\nop=operation\n  --field=object=mapRef  \n\
         --field=actor=routine\n",
    )
    .unwrap();
    let with = |rc: &std::path::Path, args: &[&str]| {
        let out = racetrail()
            .env("RACETRAIL_CONFIG_PATH", rc)
            .args(args)
            .output()
            .unwrap();
        (out.status.code().unwrap(), out.stdout, out.stderr)
    };
    let with_rc = |args: &[&str]| with(&rc, args);
    let (code, stdout, _) = with_rc(&["scan", "--format", "json", RENAMED]);
    assert_eq!(code, 1);
    let r: Value = serde_json::from_slice(&stdout).unwrap();
    let (original, _) = scan_json(&[ZAP_JSON]);
    assert_eq!(report_counts(&r), report_counts(&original));
    assert_eq!(r["summary"]["conflicts"], original["summary"]["conflicts"]);
    assert!(warnings(&r).iter().all(|w| !w.1.contains("recognised")));

    // The command line comes after the file: its --slack wins.
    let slack = dir.path().join("slackrc");
    std::fs::write(&slack, "--slack=1us\n").unwrap();
    let conflicts = |args: &[&str]| {
        let (_, stdout, _) = with(&slack, args);
        let r: Value = serde_json::from_slice(&stdout).unwrap();
        r["summary"]["conflicts"].as_u64().unwrap()
    };
    assert_eq!(conflicts(&["scan", "--format", "json", POINTS]), 166);
    assert_eq!(
        conflicts(&["scan", "--format", "json", "--slack", "0", POINTS]),
        0
    );

    // graph reads it too; --no-config ignores it.
    let (code, stdout, _) = with_rc(&["graph", RENAMED]);
    assert_eq!(code, 1);
    assert!(String::from_utf8(stdout).unwrap().contains("->"));
    let (code, stdout, _) = with_rc(&["scan", "--no-config", "--format", "json", RENAMED]);
    assert_eq!(code, 0);
    let r: Value = serde_json::from_slice(&stdout).unwrap();
    assert_eq!(warnings(&r)[0].1, RENAMED_WARNING);

    // dumps and merge take other options and never read it.
    let (code, _, stderr) = with_rc(&["dumps", "tests/fixtures/go/sigquit.stderr"]);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&stderr));

    // An unreadable file is an error, named.
    for bad in [dir.path().join("missing"), dir.path().to_path_buf()] {
        let out = racetrail()
            .env("RACETRAIL_CONFIG_PATH", &bad)
            .args(["scan", RENAMED])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with(&format!(
                "racetrail: error: RACETRAIL_CONFIG_PATH={}: ",
                bad.display()
            )),
            "{stderr}"
        );
    }
    // A bad argument in the file is clap's usage error.
    std::fs::write(&rc, "--no-such-flag\n").unwrap();
    let (code, _, _) = with_rc(&["scan", RENAMED]);
    assert_eq!(code, 2);
}
