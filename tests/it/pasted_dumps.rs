//! Dumps as people keep them: indented as a whole, with spaces for the tab
//! before `file:line`, with CRLF line ends, and two processes' crashes
//! appended to one log. The inputs under `tests/fixtures/go/pasted/` are
//! derived mechanically from the real dumps by `make.sh` there; each must
//! give, field by field, what its original gives.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::{read_fixture, run, scan_json, split_source, str_of};

const GO: &str = "tests/fixtures/go";
const PASTED: &str = "tests/fixtures/go/pasted";

/// How `make.sh` changes a whole dump.
#[derive(Clone, Copy, Debug)]
enum Paste {
    Indent4,
    IndentTab,
    Quote,
    Expand(usize),
    Space1,
    Crlf,
}

/// The per-original variants: (file suffix, the changes in order).
const VARIANTS: [(&str, &[Paste]); 7] = [
    ("indent4", &[Paste::Indent4]),
    ("indent_tab", &[Paste::IndentTab]),
    ("quote", &[Paste::Quote]),
    ("expand8", &[Paste::Expand(8)]),
    ("expand4", &[Paste::Expand(4)]),
    ("space1", &[Paste::Space1]),
    ("crlf", &[Paste::Crlf]),
];

const SMALL: [&str; 6] = [
    "fatal_writes_go119",
    "fatal_writes_go123",
    "fatal_read_write_system_go123",
    "fatal_two_reporters",
    "panic_nil_map",
    "sigquit",
];

/// Files changed more than once: (original, suffix, changes).
const COMBINED: [(&str, &str, &[Paste]); 2] = [
    (
        "fatal_parked_300",
        "expand4_indent4",
        &[Paste::Expand(4), Paste::Indent4],
    ),
    (
        "fatal_writes_go123",
        "space1_indent4_crlf",
        &[Paste::Space1, Paste::Indent4, Paste::Crlf],
    ),
];

/// Appended logs: (file, the originals in order, supervisor lines after each).
const APPENDED: [(&str, &[&str], bool); 4] = [
    (
        "fatal_writes_go119+fatal_writes_go123",
        &["fatal_writes_go119", "fatal_writes_go123"],
        false,
    ),
    (
        "panic_nil_map+fatal_read_write_system_go123",
        &["panic_nil_map", "fatal_read_write_system_go123"],
        true,
    ),
    (
        "fatal_two_reporters+sigquit",
        &["fatal_two_reporters", "sigquit"],
        false,
    ),
    (
        "sigquit+fatal_writes_go119",
        &["sigquit", "fatal_writes_go119"],
        false,
    ),
];

/// What `supervise` in make.sh writes after each run.
const SUPERVISOR: &str = "supervisor: child exited with status 2\nsupervisor: restarting child\n";

/// One change, line by line, as sed, expand and tr make it.
fn paste(text: &str, how: Paste) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for line in text.split_inclusive('\n') {
        let (body, nl) = match line.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (line, ""),
        };
        match how {
            Paste::Indent4 => out.push_str("    "),
            Paste::IndentTab if !body.is_empty() => out.push('\t'),
            Paste::Quote if body.is_empty() => out.push('>'),
            Paste::Quote => out.push_str("> "),
            _ => {}
        }
        match how {
            Paste::Expand(stop) => {
                let mut col = 0;
                for c in body.chars() {
                    if c == '\t' {
                        let n = stop - col % stop;
                        out.extend(std::iter::repeat_n(' ', n));
                        col += n;
                    } else {
                        out.push(c);
                        col += 1;
                    }
                }
            }
            Paste::Space1 => out.push_str(&body.replace('\t', " ")),
            Paste::Crlf => {
                out.push_str(body);
                out.push('\r');
            }
            _ => out.push_str(body),
        }
        out.push_str(nl);
    }
    out
}

fn original(name: &str) -> String {
    format!("{GO}/{name}.stderr")
}

/// (original, pasted file) for every per-original variant.
fn pasted_pairs() -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    for name in SMALL {
        for (suffix, _) in VARIANTS {
            out.push((name, format!("{PASTED}/{name}.{suffix}.stderr")));
        }
    }
    for (name, suffix, _) in COMBINED {
        out.push((name, format!("{PASTED}/{name}.{suffix}.stderr")));
    }
    out
}

/// Every file make.sh writes, with the bytes it must hold.
fn derived_files() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let changed = |name: &str, how: &[Paste]| {
        how.iter()
            .fold(read_fixture(&original(name)), |t, &h| paste(&t, h))
    };
    for name in SMALL {
        for (suffix, how) in VARIANTS {
            out.push((format!("{name}.{suffix}.stderr"), changed(name, how)));
        }
    }
    for (name, suffix, how) in COMBINED {
        out.push((format!("{name}.{suffix}.stderr"), changed(name, how)));
    }
    for (file, parts, supervised) in APPENDED {
        let mut text = String::new();
        for p in parts {
            text.push_str(&read_fixture(&original(p)));
            if supervised {
                text.push_str(SUPERVISOR);
            }
        }
        out.push((format!("{file}.stderr"), text));
    }
    out
}

#[test]
fn every_pasted_file_is_its_original_changed_mechanically() {
    let derived = derived_files();
    for (file, want) in &derived {
        let got = read_fixture(&format!("{PASTED}/{file}"));
        assert!(got == *want, "{file} is not what make.sh derives; rerun it");
    }
    let on_disk: BTreeSet<String> = std::fs::read_dir(crate::harness::fixture(PASTED))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n != "make.sh")
        .collect();
    let made: BTreeSet<String> = derived.into_iter().map(|(f, _)| f).collect();
    assert_eq!(on_disk, made, "only derived files in {PASTED}");
    // The changes did change something: tabs gone, indentation there.
    let t = read_fixture(&format!("{PASTED}/fatal_writes_go119.expand8.stderr"));
    assert!(!t.contains('\t') && t.contains("\n        /build/src/app/"));
    let t = read_fixture(&format!("{PASTED}/sigquit.quote.stderr"));
    assert!(t.starts_with("> SIGQUIT: quit\n> PC=0x461801") && t.contains("\n>\n"));
}

/// `racetrail dumps --format json FILES…`: the dumps, in input order.
fn dumps(files: &[&str]) -> Vec<Value> {
    let mut args = vec!["dumps", "--format", "json"];
    args.extend_from_slice(files);
    let out = run(&args, None);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json()["dumps"].as_array().unwrap().clone()
}

/// The dump's line in its file.
fn line_of(d: &Value) -> u64 {
    split_source(str_of(&d["source"])).1
}

/// Asserts that `got` digests like `want`, field by field; only where it
/// is (`id`, `source`, `scope`) may differ, and the line by `offset`.
fn assert_same_dump(got: &Value, want: &Value, offset: u64, what: &str) {
    let want_obj = want.as_object().unwrap();
    for (key, w) in want_obj {
        match key.as_str() {
            "id" | "scope" => {}
            "source" => assert_eq!(line_of(got), line_of(want) + offset, "{what}: line"),
            _ => assert_eq!(&got[key], w, "{what}: {key}"),
        }
    }
    assert_eq!(
        got.as_object().unwrap().len(),
        want_obj.len(),
        "{what}: the same fields"
    );
}

#[test]
fn pasted_dumps_digest_like_their_originals() {
    let pairs = pasted_pairs();
    let originals: BTreeSet<&str> = pairs.iter().map(|(o, _)| *o).collect();
    for name in originals {
        let orig = original(name);
        let files: Vec<&str> = std::iter::once(orig.as_str())
            .chain(
                pairs
                    .iter()
                    .filter(|(o, _)| *o == name)
                    .map(|(_, f)| f.as_str()),
            )
            .collect();
        let ds = dumps(&files);
        assert_eq!(ds.len(), files.len(), "{name}: one dump per file");
        let want = &ds[0];
        assert_eq!(str_of(&want["source"]), format!("{orig}:1"));
        // Not vacuous: the original names its crash.
        assert!(want["goroutines_total"].as_u64().unwrap() > 0, "{name}");
        assert!(!want["messages"].as_array().unwrap().is_empty(), "{name}");
        for (d, file) in ds.iter().zip(&files).skip(1) {
            assert_eq!(str_of(&d["source"]), format!("{file}:1"));
            assert_same_dump(d, want, 0, file);
        }

        // Every line of a pasted dump is still the dump's, and nothing is
        // a diagnostic.
        let (r, code) = scan_json(&files);
        assert_eq!(code, 1, "{name}: crashes are findings");
        assert_eq!(r["summary"]["crashes"], files.len(), "{name}");
        assert_eq!(r["diagnostics"], serde_json::json!([]), "{name}");
        let inputs = r["inputs"].as_array().unwrap();
        let counts = |i: &Value| {
            [&i["formats"], &i["lines"], &i["records"], &i["context"]].map(Value::clone)
        };
        assert_eq!(inputs[0]["lines"], inputs[0]["records"], "{name}");
        for (i, file) in inputs.iter().zip(&files).skip(1) {
            assert_eq!(counts(i), counts(&inputs[0]), "{file}: lines and records");
        }
    }
}

/// The crashing goroutine, its top user frame, the map address and the
/// goroutine count of the originals, so that a regression in both cannot
/// pass as equal.
#[test]
fn the_originals_still_say_what_their_docs_say() {
    let ds = dumps(&[
        &original("fatal_writes_go119"),
        &original("fatal_read_write_system_go123"),
        &original("panic_nil_map"),
        &original("sigquit"),
    ]);
    fn key(d: &Value) -> (Option<u64>, Option<&str>, Option<&str>, u64) {
        (
            d["goroutine"].as_u64(),
            d["site"]
                .as_str()
                .map(|s| s.rsplit_once("/build/src/app/").map_or(s, |(_, r)| r)),
            d["map_address"].as_str(),
            d["goroutines_total"].as_u64().unwrap(),
        )
    }
    let got: Vec<_> = ds.iter().map(key).collect();
    assert_eq!(
        got,
        [
            (Some(12), Some("fatal_map_writes/main.go:19"), None, 10),
            (
                Some(7),
                Some("fatal_map_read_write/main.go:24"),
                Some("0xc00007c450"),
                8
            ),
            (Some(18), Some("panic_nil_map/main.go:20"), None, 1),
            (None, None, None, 13),
        ]
    );
}

#[test]
fn appended_crashes_are_one_crash_each() {
    for (file, parts, supervised) in APPENDED {
        let path = format!("{PASTED}/{file}.stderr");
        let originals: Vec<String> = parts.iter().map(|p| original(p)).collect();
        let mut files: Vec<&str> = originals.iter().map(String::as_str).collect();
        files.push(&path);
        let ds = dumps(&files);
        let (want, got) = ds.split_at(parts.len());
        assert_eq!(got.len(), parts.len(), "{file}: one crash per process");
        let mut offset = 0;
        for ((g, w), part) in got.iter().zip(want).zip(parts) {
            let what = format!("{file}: {part}");
            assert_eq!(split_source(str_of(&g["source"])).0, path);
            assert_same_dump(g, w, offset, &what);
            let ids = |d: &Value| -> Vec<u64> {
                d["goroutines"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|g| g["id"].as_u64().unwrap())
                    .collect()
            };
            assert_eq!(ids(g), ids(w), "{what}: goroutine ids, not merged");
            offset += read_fixture(&original(part)).lines().count() as u64;
            if supervised {
                offset += SUPERVISOR.lines().count() as u64;
            }
        }

        let (r, _) = scan_json(&[&path]);
        assert_eq!(r["summary"]["crashes"], parts.len(), "{file}");
        assert_eq!(r["diagnostics"], serde_json::json!([]), "{file}");
        let input = &r["inputs"][0];
        let context = if supervised {
            parts.len() * SUPERVISOR.lines().count()
        } else {
            0
        };
        assert_eq!(input["context"], context, "{file}: the supervisor's lines");
        assert_eq!(
            input["records"].as_u64().unwrap() + input["context"].as_u64().unwrap(),
            input["lines"].as_u64().unwrap(),
            "{file}"
        );
    }
}

/// Both dumps of the back-to-back file were printed by the same program
/// (go1.19, then go1.23): the same message, overlapping goroutine ids, and
/// still two crashes with their own crashing goroutines.
#[test]
fn same_program_back_to_back_stays_apart() {
    let ds = dumps(&[&format!(
        "{PASTED}/fatal_writes_go119+fatal_writes_go123.stderr"
    )]);
    let firsts: Vec<(u64, &Value, &Value)> = ds
        .iter()
        .map(|d| (line_of(d), &d["messages"], &d["goroutine"]))
        .collect();
    let msg = serde_json::json!(["fatal error: concurrent map writes"]);
    assert_eq!(
        firsts,
        [(1, &msg, &Value::from(12)), (70, &msg, &Value::from(24))]
    );
}

/// An indented `panic: ` line between log records opens no dump: only one
/// followed by a goroutine does. The lines are real: zap records of a
/// fixture around the panic line of panic_nil_map.stderr, indented.
#[test]
fn an_indented_message_alone_opens_no_dump() {
    let records: Vec<String> = crate::harness::fixture_lines(crate::harness::ZAP_JSON)
        .into_iter()
        .take(6)
        .collect();
    let panic_line = read_fixture(&original("panic_nil_map"))
        .lines()
        .next()
        .unwrap()
        .to_string();
    let mut lines = records[..3].to_vec();
    lines.push(format!("    {panic_line}"));
    lines.push(String::new());
    lines.extend_from_slice(&records[3..]);
    let dir = crate::harness::tempdir();
    let p = crate::harness::write_lines(dir.path(), "indented_panic.log", &lines);
    let p = crate::harness::path_str(&p);
    assert!(dumps(&[p]).is_empty(), "no dump");
    let (r, _) = scan_json(&[p]);
    assert_eq!(r["summary"]["crashes"], 0);
    let input = &r["inputs"][0];
    assert_eq!(
        (&input["records"], &input["context"]),
        (&6.into(), &2.into())
    );

    // The same line unindented is a crash, as the runtime prints it.
    lines[3] = panic_line;
    let p = crate::harness::write_lines(dir.path(), "panic.log", &lines);
    let (r, _) = scan_json(&[crate::harness::path_str(&p)]);
    assert_eq!(r["summary"]["crashes"], 1);
}
