//! Every log format and wrapper gives the answer of the plain JSON: the
//! corpus console and logfmt logs against their oracle, and variants of the
//! zap_json log built here from the formats' published definitions (CRI,
//! Docker json-file, kubectl --timestamps, logfmt, gzip, zstd, split in two
//! rotated files).

use std::io::Write;
use std::path::Path;

use serde_json::Value;

use crate::harness::{
    ZAP_JSON, fixture_lines, path_str, report_counts_for, scan_json, sites, str_of, tempdir, truth,
    truth_counts,
};

fn check_against_oracle(path: &str, case: &str, format: &str) {
    let t = truth(case);
    let (r, code) = scan_json(&[path]);
    assert_eq!(code, 1);
    assert_eq!(
        report_counts_for(&r, &t),
        truth_counts(&t),
        "{case}: per-map counts"
    );
    let input = &r["inputs"][0];
    assert_eq!(input["formats"], serde_json::json!([format]), "{case}");
    assert_eq!(input["records"], t["records"], "{case}: records");
    assert_eq!(input["context"], t["non_record_lines"], "{case}: context");
    assert_eq!(input["parse_errors"], 0, "{case}");
    assert_eq!(r["summary"]["accesses"], t["accesses"], "{case}");
    assert_eq!(r["summary"]["holds"], t["holds"], "{case}");
    // Examples are oracle pairs: same begin lines on both sides.
    let pairs: Vec<(u64, u64)> = t["pairs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let a = p["a"]["lines"][0].as_u64().unwrap();
            let b = p["b"]["lines"][0].as_u64().unwrap();
            (a.min(b), a.max(b))
        })
        .collect();
    for c in r["conflicts"].as_array().unwrap() {
        let line = |s: &Value| -> u64 {
            str_of(&s["source"])
                .rsplit(':')
                .next()
                .unwrap()
                .parse()
                .unwrap()
        };
        let (a, b) = (line(&c["a"]), line(&c["b"]));
        assert!(
            pairs.contains(&(a.min(b), a.max(b))),
            "{case}: example {a} × {b} is an oracle pair"
        );
    }
}

#[test]
fn zap_console_matches_its_oracle() {
    check_against_oracle("tests/fixtures/zap_console.log", "zap_console", "console");
}

#[test]
fn logfmt_matches_its_oracle() {
    check_against_oracle("tests/fixtures/logfmt.log", "logfmt", "logfmt");
}

/// The per-map counts of a report.
fn counts(paths: &[&str], extra: &[&str]) -> (Value, Vec<(String, u64)>) {
    let mut args: Vec<&str> = extra.to_vec();
    args.extend(paths);
    let (r, code) = scan_json(&args);
    assert_eq!(code, 1, "{paths:?}: {}", r["diagnostics"]);
    let mut c: Vec<(String, u64)> = sites(&r)
        .iter()
        .map(|s| {
            (
                str_of(&s["object"]).to_string(),
                s["conflicts"].as_u64().unwrap(),
            )
        })
        .collect();
    c.sort();
    c.dedup_by(|a, b| {
        if a.0 == b.0 {
            b.1 += a.1;
            true
        } else {
            false
        }
    });
    (r, c)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    path_str(&p).to_string()
}

/// RFC 3339 with nanoseconds for the i-th wrapper line.
fn stamp(i: usize) -> String {
    format!(
        "2026-11-26T13:00:{:02}.{:09}Z",
        i / 1_000_000_000 % 60,
        i % 1_000_000_000
    )
}

#[test]
fn every_wrapper_and_compression_gives_the_plain_answer() {
    let lines = fixture_lines(ZAP_JSON);
    let (plain_report, plain) = counts(&[ZAP_JSON], &[]);
    let dir = tempdir();
    let d = dir.path();

    // CRI: `TIME STREAM F|P LINE`; every 7th line split in two partial lines.
    // For each record, the line of the wrapped file where it starts.
    let (mut cri_at, mut docker_at) = (Vec::new(), Vec::new());
    let mut cri = String::new();
    for (i, l) in lines.iter().enumerate() {
        cri_at.push(cri.matches('\n').count() + 1);
        if i % 7 == 0 && l.len() > 40 {
            cri += &format!(
                "{} stderr P {}\n{} stderr F {}\n",
                stamp(i),
                &l[..30],
                stamp(i),
                &l[30..]
            );
        } else {
            cri += &format!("{} stderr F {l}\n", stamp(i));
        }
    }
    // Docker json-file: `{"log":"…\n","stream":…,"time":…}`; every 5th
    // record split over two entries, the first without its newline.
    let mut docker = String::new();
    for (i, l) in lines.iter().enumerate() {
        docker_at.push(docker.matches('\n').count() + 1);
        let entry = |log: &str| {
            serde_json::json!({"log": log, "stream": "stderr", "time": stamp(i)}).to_string() + "\n"
        };
        if i % 5 == 0 && l.len() > 40 {
            docker += &entry(&l[..25]);
            docker += &entry(&format!("{}\n", &l[25..]));
        } else {
            docker += &entry(&format!("{l}\n"));
        }
    }
    let kubectl: String = lines
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{} {l}\n", stamp(i)))
        .collect();
    // logfmt: the same records as key=value pairs (strings quoted).
    let logfmt: String = lines
        .iter()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let pairs: Vec<String> = v
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => format!("{k}={}", serde_json::to_string(s).unwrap()),
                    other => format!("{k}={other}"),
                })
                .collect();
            pairs.join(" ") + "\n"
        })
        .collect();
    let plain_text = lines.join("\n") + "\n";
    let gz = {
        // Two gzip members, as `cat a.gz b.gz` makes.
        let (a, b) = plain_text.split_at(plain_text.len() / 2);
        let mut out = Vec::new();
        for part in [a, b] {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            e.write_all(part.as_bytes()).unwrap();
            out.extend(e.finish().unwrap());
        }
        out
    };
    let zst = zstd::encode_all(plain_text.as_bytes(), 3).unwrap();

    for (name, bytes, format) in [
        ("cri.log", cri.as_bytes(), "cri"),
        ("docker.log", docker.as_bytes(), "docker"),
        ("kubectl.log", kubectl.as_bytes(), "kubectl"),
        ("plain.logfmt", logfmt.as_bytes(), "logfmt"),
        ("compressed.bin", &gz[..], "json"),
        ("compressed2.bin", &zst[..], "json"),
    ] {
        let p = write(d, name, bytes);
        let (r, c) = counts(&[&p], &[]);
        assert_eq!(c, plain, "{name}");
        let formats: Vec<&str> = r["inputs"][0]["formats"]
            .as_array()
            .unwrap()
            .iter()
            .map(str_of)
            .collect();
        assert!(formats.contains(&format), "{name}: {formats:?}");
        assert_eq!(r["summary"]["accesses"], 382, "{name}");
        assert_eq!(r["inputs"][0]["parse_errors"], 0, "{name}");
        // Evidence points into the file as written: the line where the
        // record's (first) entry is.
        let at = match format {
            "cri" => Some(&cri_at),
            "docker" => Some(&docker_at),
            _ => None,
        };
        for (side, k) in [("a", 0), ("b", 0), ("a", 3), ("b", 5)] {
            let line = |r: &Value| -> usize {
                str_of(&r["conflicts"][k][side]["source"])
                    .rsplit(':')
                    .next()
                    .unwrap()
                    .parse()
                    .unwrap()
            };
            let want = at.map_or(line(&plain_report), |at| at[line(&plain_report) - 1]);
            assert_eq!(line(&r), want, "{name}: conflict {k} side {side}");
        }
    }
}

#[test]
fn rotated_halves_with_one_process_give_the_whole_answer() {
    let lines = fixture_lines(ZAP_JSON);
    let (_, plain) = counts(&[ZAP_JSON], &[]);
    let dir = tempdir();
    // Cut in the middle of open windows: begins in one file, ends in the other.
    let cut = lines.len() / 2 + 3;
    let newer = write(
        dir.path(),
        "app.log",
        (lines[cut..].join("\n") + "\n").as_bytes(),
    );
    let older = write(
        dir.path(),
        "app.log.1",
        (lines[..cut].join("\n") + "\n").as_bytes(),
    );
    // Newest first, as a name sort lists rotated files: time order decides.
    let (r, c) = counts(&[&newer, &older], &["--one-process"]);
    assert_eq!(c, plain);
    assert_eq!(
        r["summary"]["open_accesses"], 0,
        "every begin found its end across the rotation"
    );
}

#[test]
fn a_truncated_gzip_keeps_what_was_read_and_fails() {
    let text = fixture_lines(ZAP_JSON).join("\n") + "\n";
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(text.as_bytes()).unwrap();
    let gz = e.finish().unwrap();
    let dir = tempdir();
    let p = write(dir.path(), "cut.gz", &gz[..gz.len() * 2 / 3]);
    let out = crate::harness::run(&["scan", "--format", "json", &p], None);
    assert_eq!(out.code, 2, "a truncated archive is an error");
    assert!(
        out.stderr.contains("cut.gz") && out.stderr.contains("truncated"),
        "{}",
        out.stderr
    );
    let r = out.json();
    let records = r["inputs"][0]["records"].as_u64().unwrap();
    assert!(
        records > 100 && records < 1462,
        "what was read is kept: {records}"
    );
}

/// slog's JSONHandler and logrus's JSONFormatter name time, level and
/// message `time`/`level`/`msg`; these records are BUILT from their
/// documented output shapes (no Go run), with RFC 3339 times and offsets.
#[test]
fn slog_and_logrus_json_records() {
    let slog = concat!(
        r#"{"time":"2026-11-26T13:45:00.000000100+01:00","level":"INFO","msg":"map access begin","goroutine":7,"map":"sessions","op":"write","key":"a"}"#,
        "\n",
        r#"{"time":"2026-11-26T12:45:00.000000150Z","level":"INFO","msg":"map access begin","goroutine":8,"map":"sessions","op":"read","key":"b"}"#,
        "\n",
        r#"{"time":"2026-11-26T12:45:00.000000200Z","level":"INFO","msg":"map access end","goroutine":7,"map":"sessions","op":"write","key":"a"}"#,
        "\n",
        r#"{"time":"2026-11-26T12:45:00.000000300Z","level":"INFO","msg":"map access end","goroutine":8,"map":"sessions","op":"read","key":"b"}"#,
        "\n",
    );
    let logrus = concat!(
        r#"{"level":"info","msg":"cache put","time":"2026-11-26T12:45:00.5Z","goid":3,"object":"cache","action":"put","duration":"2ms"}"#,
        "\n",
        r#"{"level":"info","msg":"cache get","time":"2026-11-26T12:45:00.501Z","goid":4,"object":"cache","action":"get","duration":"3ms"}"#,
        "\n",
    );
    let dir = tempdir();
    for (name, text, pairs) in [("slog.json", slog, 1u64), ("logrus.json", logrus, 1)] {
        let p = write(dir.path(), name, text.as_bytes());
        let (r, code) = scan_json(&[&p]);
        assert_eq!(code, 1, "{name}: {}", r["diagnostics"]);
        assert_eq!(r["summary"]["conflicts"], pairs, "{name}");
        assert_eq!(r["inputs"][0]["parse_errors"], 0);
    }
    // The +01:00 offset is honoured: the first window opens at 12:45:00.0000001Z.
    let p = write(dir.path(), "slog2.json", slog.as_bytes());
    let (r, _) = scan_json(&[&p]);
    let c = &r["conflicts"][0];
    let first = [&c["a"], &c["b"]]
        .iter()
        .map(|s| s["start_ns"].as_i64().unwrap())
        .min();
    assert_eq!(first, Some(1_795_697_100_000_000_100i64));
    // logrus's durations end at the record's time: put [0.498, 0.5] and get
    // [0.498, 0.501] overlap.
    let p = write(dir.path(), "logrus2.json", logrus.as_bytes());
    let (r, _) = scan_json(&[&p]);
    assert_eq!(r["conflicts"][0]["overlap_ns"], 2_000_000);
}
