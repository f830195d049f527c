//! Kernel captures (`tests/fixtures/capture/`, real `racetrail record` runs
//! of `tests/fixtures/go/programs/kmaps`): kernel conflicts against the
//! program's own zap log, the crash join, plain perf text, bad captures, and
//! `racetrail probe` on binaries built here when Go is installed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::harness::{fixture, read_fixture, run, scan_json};

const CAPTURE: &str = "tests/fixtures/capture/kmaps.capture";
const LOG: &str = "tests/fixtures/capture/kmaps.stderr";
const CRASH_CAPTURE: &str = "tests/fixtures/capture/kmaps_crash.capture";
const CRASH_LOG: &str = "tests/fixtures/capture/kmaps_crash.stderr";

/// What kmaps's own zap log says about its run.
pub struct KmapsLog {
    pub pid: i64,
    pub racy: String,
    pub guarded: String,
    pub writer: String,
    pub reader: String,
    /// goroutine → trace → (first begin, last end) of its racy accesses;
    /// `i64::MAX` when the last begin never ended (the crash).
    pub racy_windows: BTreeMap<String, BTreeMap<String, (i64, i64)>>,
}

impl KmapsLog {
    pub fn parse(text: &str) -> KmapsLog {
        let recs: Vec<Value> = text
            .lines()
            .filter(|l| l.starts_with('{'))
            .map(|l| serde_json::from_str(l).expect("a zap record"))
            .collect();
        let named = |name: &str| {
            recs.iter()
                .find(|r| r["msg"] == "map registered" && r["name"] == name)
                .and_then(|r| r["map"].as_str())
                .unwrap_or_else(|| panic!("the log names map {name}"))
                .to_string()
        };
        let (racy, guarded) = (named("racy"), named("guarded"));
        let by_op = |op: &str| {
            recs.iter()
                .find(|r| r["map"] == racy.as_str() && r["op"] == op)
                .map(|r| r["goroutine"].to_string())
                .unwrap_or_else(|| panic!("the log has a racy {op}"))
        };
        let mut racy_windows: BTreeMap<String, BTreeMap<String, (i64, i64)>> = BTreeMap::new();
        for r in recs
            .iter()
            .filter(|r| r["map"] == racy.as_str() && r["op"].is_string())
        {
            let ts = r["ts_ns"].as_i64().unwrap();
            let w = racy_windows
                .entry(r["goroutine"].to_string())
                .or_default()
                .entry(r["trace_id"].as_str().unwrap().to_string())
                .or_insert((i64::MAX, i64::MIN));
            w.0 = w.0.min(ts);
            w.1 = if r["phase"] == "begin" { i64::MAX } else { ts };
        }
        KmapsLog {
            pid: recs[0]["pid"].as_i64().unwrap(),
            writer: by_op("write"),
            reader: by_op("read"),
            racy,
            guarded,
            racy_windows,
        }
    }
}

fn is_kernel_side(side: &Value) -> bool {
    side["site"]
        .as_str()
        .is_some_and(|s| s.starts_with("runtime.map"))
}

/// Every kept pair whose both sides are kernel windows.
pub fn kernel_conflicts(report: &Value) -> Vec<&Value> {
    report["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| is_kernel_side(&c["a"]) && is_kernel_side(&c["b"]))
        .collect()
}

/// The checks of a recorded kmaps run against its own log: kernel conflicts
/// on the racy map between the two goroutines the log names, each side in
/// the request window of the trace it was given; nothing on the guarded map.
pub fn check_against_log(report: &Value, log: &KmapsLog, capture: &str) {
    let kernel = kernel_conflicts(report);
    assert!(!kernel.is_empty(), "no kernel conflict in {capture}");
    let both: BTreeSet<String> = [log.writer.clone(), log.reader.clone()].into();
    for c in &kernel {
        assert_eq!(c["object"], log.racy.as_str(), "{c}");
        assert_eq!(c["scope"], format!("pid={}", log.pid).as_str(), "{c}");
        let actors: BTreeSet<String> = [&c["a"], &c["b"]]
            .iter()
            .map(|s| s["actor"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(actors, both, "{c}");
        for side in [&c["a"], &c["b"]] {
            assert!(
                side["source"].as_str().unwrap().starts_with(capture),
                "{side}"
            );
            let trace = side["trace"]
                .as_str()
                .unwrap_or_else(|| panic!("a kernel side without a trace: {side}"));
            let actor = side["actor"].as_str().unwrap();
            let (first, last) = log.racy_windows[actor]
                .get(trace)
                .unwrap_or_else(|| panic!("trace {trace} is not goroutine {actor}'s: {side}"));
            let start = side["start_ns"].as_i64().unwrap();
            if let Some(end) = side["end_ns"].as_i64() {
                assert!(
                    *first <= start && end <= *last,
                    "kernel window {start}..{end} outside the logged request {first}..{last}"
                );
            }
        }
    }
    let on_guarded: Vec<&Value> = report["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["object"] == log.guarded.as_str())
        .collect();
    assert!(on_guarded.is_empty(), "{on_guarded:?}");
}

#[test]
fn kernel_conflicts_are_the_logged_goroutines_on_the_racy_map_with_their_traces() {
    let log = KmapsLog::parse(&read_fixture(LOG));
    let (r, code) = scan_json(&["--examples", "100000", CAPTURE, LOG]);
    assert_eq!(code, 1);
    assert_eq!(r["inputs"][0]["formats"], serde_json::json!(["capture"]));
    assert_eq!(r["inputs"][0]["parse_errors"], 0);
    check_against_log(&r, &log, CAPTURE);
    // Kernel sites name the runtime functions, and the racy map by its log name.
    let site = r["conflict_sites"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["sides"].as_array().unwrap().iter().all(is_kernel_side))
        .expect("a kernel-only site");
    let sides: BTreeSet<&str> = site["sides"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["site"].as_str().unwrap())
        .collect();
    assert_eq!(
        sides,
        ["runtime.mapaccess1_faststr", "runtime.mapassign_faststr"].into()
    );
    assert!(!site["traces"].as_array().unwrap().is_empty());
}

#[test]
fn kernel_windows_conflict_whatever_the_locks() {
    // Two records derived from the log (its pid, its goroutines, its first
    // time) put both goroutines inside holds of one exclusive lock from the
    // start to the end: that protects every pair of logged windows, and
    // must protect no pair of kernel windows.
    let log = KmapsLog::parse(&read_fixture(LOG));
    let first = read_fixture(LOG)
        .lines()
        .find_map(|l| serde_json::from_str::<Value>(l).ok()?["ts_ns"].as_i64())
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let holds = dir.path().join("holds.jsonl");
    let line = |g: &str| {
        format!(
            "{{\"pid\":{},\"goroutine\":{g},\"lock\":\"0xdead\",\"mode\":\"exclusive\",\"op\":\"lock_acquired\",\"ts_ns\":{}}}\n",
            log.pid,
            first - 1
        )
    };
    std::fs::write(&holds, line(&log.writer) + &line(&log.reader)).unwrap();
    let holds = holds.to_str().unwrap();
    let kernel_pairs = |r: &Value| -> BTreeSet<(String, String)> {
        kernel_conflicts(r)
            .iter()
            .map(|c| {
                (
                    c["a"]["source"].as_str().unwrap().to_string(),
                    c["b"]["source"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let log_only = |r: &Value| {
        r["conflicts"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| !is_kernel_side(&c["a"]) && !is_kernel_side(&c["b"]))
            .count()
    };
    let (open, _) = scan_json(&["--examples", "100000", CAPTURE, LOG]);
    let (locked, _) = scan_json(&["--examples", "100000", CAPTURE, LOG, holds]);
    assert!(log_only(&open) > 0);
    assert_eq!(log_only(&locked), 0, "the lock protects the logged windows");
    assert!(!kernel_pairs(&open).is_empty());
    assert_eq!(kernel_pairs(&locked), kernel_pairs(&open));
    // The capture alone finds the same kernel pairs, without traces.
    let (alone, _) = scan_json(&["--examples", "100000", CAPTURE]);
    assert_eq!(kernel_pairs(&alone), kernel_pairs(&open));
    assert!(
        kernel_conflicts(&alone)
            .iter()
            .all(|c| c["a"]["trace"].is_null() && c["b"]["trace"].is_null())
    );
}

/// The map address and other side of the crash in `report`.
fn the_crash(report: &Value) -> &Value {
    let crashes = report["crashes"].as_array().unwrap();
    assert_eq!(crashes.len(), 1, "{crashes:?}");
    &crashes[0]
}

fn check_crash(report: &Value, log: &KmapsLog, capture: &str, joined_with_log: bool) {
    let crash = the_crash(report);
    assert_eq!(
        crash["messages"][0],
        "fatal error: concurrent map read and map write"
    );
    // The dump's runtime.map* frame and the probes agree on the map.
    assert_eq!(crash["map_address"], log.racy.as_str());
    assert_eq!(crash["scope"], format!("pid={}", log.pid).as_str());
    let crasher = crash["goroutine"].to_string();
    let other = if crasher == log.reader {
        &log.writer
    } else {
        &log.reader
    };
    let kernel_other: Vec<&Value> = crash["other_side"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["source"].as_str().unwrap().starts_with(capture))
        .collect();
    assert!(!kernel_other.is_empty(), "{crash}");
    for o in kernel_other {
        assert_eq!(o["actor"], other.as_str(), "{o}");
        assert_eq!(o["object"], log.racy.as_str(), "{o}");
        assert_eq!(o["trace"].is_string(), joined_with_log, "{o}");
    }
}

#[test]
fn a_crash_has_the_map_the_probes_saw_and_gains_the_kernel_window_of_the_other_side() {
    let log = KmapsLog::parse(&read_fixture(CRASH_LOG));
    let (r, code) = scan_json(&["--examples", "100000", CRASH_CAPTURE, CRASH_LOG]);
    assert_eq!(code, 1);
    check_against_log(&r, &log, CRASH_CAPTURE);
    check_crash(&r, &log, CRASH_CAPTURE, true);
}

#[test]
fn a_dump_without_records_joins_the_capture_by_goroutine_and_map_address() {
    // The crash dump alone, cut mechanically from the run's stderr: it has no
    // records, so only its goroutine and map address can place it.
    let log = KmapsLog::parse(&read_fixture(CRASH_LOG));
    let text = read_fixture(CRASH_LOG);
    let at = text.find("fatal error:").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("crash.txt");
    std::fs::write(&dump, &text[at..]).unwrap();
    let (r, _) = scan_json(&[CRASH_CAPTURE, dump.to_str().unwrap()]);
    check_crash(&r, &log, CRASH_CAPTURE, false);
    // Without the capture the dump stays on its own.
    let (alone, _) = scan_json(&[dump.to_str().unwrap()]);
    assert!(
        the_crash(&alone)["other_side"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn plain_perf_script_text_is_read_in_its_own_scope() {
    let perf = "tests/fixtures/capture/kmaps_manual.perf";
    let (r, _) = scan_json(&[perf, "tests/fixtures/capture/kmaps_manual.stderr"]);
    assert_eq!(r["inputs"][0]["formats"], serde_json::json!(["perf"]));
    assert_eq!(r["inputs"][0]["parse_errors"], 0);
    let lines = read_fixture(perf).lines().count() as u64;
    assert_eq!(r["inputs"][0]["records"], lines);
    assert!(
        r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["source"] == format!("{perf}:1:1").as_str()
                && d["message"].as_str().unwrap().contains("monotonic clock"))
    );
    let kernel = kernel_conflicts(&r);
    assert!(!kernel.is_empty());
    for c in kernel {
        assert_eq!(c["scope"], perf);
        assert!(c["a"]["trace"].is_null());
    }
}

#[test]
fn a_capture_of_another_binary_is_an_error_on_each_line() {
    let other = "tests/fixtures/capture/other_binary.perf";
    let (r, code) = scan_json(&[other]);
    // Not one line is a record racetrail knows: nothing was read.
    assert_eq!(code, 2);
    assert_eq!(r["inputs"][0]["parse_errors"], 1);
    let d = &r["diagnostics"][0];
    assert_eq!(d["source"], format!("{other}:1:1").as_str());
    assert!(
        d["message"]
            .as_str()
            .unwrap()
            .contains("`othertool:true_start` is not a racetrail map probe"),
        "{d}"
    );
    let strict = run(&["scan", "--max-errors", "0", other], None);
    assert_eq!(strict.code, 2, "{}", strict.stderr);
}

#[test]
fn a_capture_cut_mid_line_says_where() {
    let cut = "tests/fixtures/capture/kmaps_cut.capture";
    let bytes = std::fs::read(fixture(cut)).unwrap();
    let last = bytes.iter().filter(|&&b| b == b'\n').count() + 1;
    let (r, _) = scan_json(&[cut]);
    assert_eq!(r["inputs"][0]["parse_errors"], 1);
    let diags: Vec<(String, String)> = r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["source"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        diags
            .iter()
            .any(|(s, m)| s.starts_with(&format!("{cut}:{last}:")) && m.contains("cut short")),
        "{diags:?}"
    );
    assert!(
        diags
            .iter()
            .any(|(_, m)| m.contains("no racetrail-end line")),
        "{diags:?}"
    );
    // What was read before the cut is kept.
    assert!(r["summary"]["accesses"].as_u64().unwrap() > 100);
}

#[test]
fn probe_refuses_what_is_not_a_go_binary() {
    for (path, why) in [
        ("/bin/true", "not a Go binary"),
        ("tests/fixtures/capture/kmaps.stderr", "not an executable"),
        ("tests/fixtures/capture/no-such-binary", "No such file"),
    ] {
        if path.starts_with('/') && !Path::new(path).exists() {
            continue;
        }
        let r = run(&["probe", path], None);
        assert_eq!(r.code, 2, "{path}: {}", r.stderr);
        assert!(r.stderr.contains(why), "{path}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
}

/// Builds a fixture program with the installed Go into `dir`, or says why not.
pub fn go_build(
    program: &str,
    dir: &Path,
    name: &str,
    ldflags: &str,
) -> Result<std::path::PathBuf, String> {
    go_build_for(program, dir, name, ldflags, "amd64")
}

fn go_build_for(
    program: &str,
    dir: &Path,
    name: &str,
    ldflags: &str,
    arch: &str,
) -> Result<std::path::PathBuf, String> {
    let go = which("go").ok_or("no `go` in PATH")?;
    let src = fixture(&format!("tests/fixtures/go/programs/{program}"));
    let out = dir.join(name);
    let cache = std::env::temp_dir().join("racetrail-test-gocache");
    let status = Command::new(go)
        .current_dir(&src)
        .env("GO111MODULE", "off")
        .env("GOFLAGS", "")
        .env("GOPROXY", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GOPATH", "/usr/share/gocode")
        .env("GOCACHE", &cache)
        .env("GOARCH", arch)
        .args(["build", "-ldflags", ldflags, "-o"])
        .arg(&out)
        .arg(".")
        .status()
        .map_err(|e| format!("go build: {e}"))?;
    if !status.success() {
        return Err(format!("go build of {program} failed ({status})"));
    }
    Ok(out)
}

pub fn which(cmd: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join(cmd))
        .find(|p| p.is_file())
}

/// The RET addresses `go tool objdump` shows for `func`.
fn objdump_rets(bin: &Path, func: &str) -> Vec<u64> {
    let out = Command::new("go")
        .env(
            "GOCACHE",
            std::env::temp_dir().join("racetrail-test-gocache"),
        )
        .args(["tool", "objdump", "-s"])
        .arg(format!("^{}$", func.replace('.', "\\.")))
        .arg(bin)
        .output()
        .expect("go tool objdump runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.split_whitespace().any(|w| w == "RET"))
        .filter_map(|l| {
            let addr = l.split_whitespace().nth(1)?;
            u64::from_str_radix(addr.strip_prefix("0x")?, 16).ok()
        })
        .collect()
}

#[test]
fn probe_finds_every_return_that_go_tool_objdump_shows() {
    let dir = tempfile::tempdir().unwrap();
    let bin = match go_build("panic_nil_map", dir.path(), "panic_nil_map", "") {
        Ok(b) => b,
        Err(why) => return eprintln!("skipped: {why}"),
    };
    let r = run(&["probe", "--group", "t", bin.to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = r.text();
    assert!(text.contains("goroutine id at +152(%r14)"), "{text}");
    // Events per function, and their file offsets.
    let mut by_func: BTreeMap<String, (u32, Vec<u64>)> = BTreeMap::new();
    for l in text.lines().filter(|l| l.starts_with("p:t/")) {
        let mut w = l.split(' ');
        let event = w.next().unwrap().trim_start_matches("p:t/");
        let offset = w.next().unwrap().rsplit_once(":0x").unwrap().1;
        let offset = u64::from_str_radix(offset, 16).unwrap();
        let fetch: Vec<&str> = w.collect();
        assert!(fetch.contains(&"goid=+152(%r14):u64"), "{l}");
        let (func, point) = event.rsplit_once("__").unwrap();
        let e = by_func.entry(func.to_string()).or_default();
        if point == "entry" {
            e.0 += 1;
            assert!(fetch[0].starts_with("h="), "{l}");
        } else {
            e.1.push(offset);
        }
    }
    assert!(by_func.contains_key("mapassign_faststr"), "{by_func:?}");
    for (func, (entries, rets)) in &by_func {
        assert_eq!(*entries, 1, "{func}");
        // A Go executable's text is mapped at 0x400000 from file offset 0.
        let mut want = objdump_rets(&bin, &format!("runtime.{func}"));
        want.sort_unstable();
        let mut got: Vec<u64> = rets.iter().map(|o| o + 0x400000).collect();
        got.sort_unstable();
        assert_eq!(got, want, "{func}");
    }
}

#[test]
fn probe_refuses_a_stripped_truncated_or_arm64_go_binary() {
    let dir = tempfile::tempdir().unwrap();
    let stripped = match go_build("panic_nil_map", dir.path(), "stripped", "-s -w") {
        Ok(b) => b,
        Err(why) => return eprintln!("skipped: {why}"),
    };
    let r = run(&["probe", stripped.to_str().unwrap()], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("stripped"), "{}", r.stderr);
    // Symbols but no DWARF: the goroutine id's offset is unknown.
    let no_dwarf = go_build("panic_nil_map", dir.path(), "no_dwarf", "-w").unwrap();
    let r = run(&["probe", no_dwarf.to_str().unwrap()], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("no DWARF"), "{}", r.stderr);

    let arm = go_build_for("panic_nil_map", dir.path(), "arm64", "", "arm64").unwrap();
    let r = run(&["probe", arm.to_str().unwrap()], None);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("only amd64"), "{}", r.stderr);

    let full = go_build("panic_nil_map", dir.path(), "full", "").unwrap();
    let bytes = std::fs::read(&full).unwrap();
    for cut in [64, 4096, bytes.len() / 2] {
        let t = dir.path().join(format!("cut{cut}"));
        std::fs::write(&t, &bytes[..cut]).unwrap();
        let r = run(&["probe", t.to_str().unwrap()], None);
        assert_eq!(r.code, 2, "cut at {cut}: {}", r.stderr);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
}

#[test]
fn mutated_captures_never_panic() {
    use racetrail::pipeline::{Settings, analyze};
    use racetrail::source::Input;
    let original = std::fs::read(fixture(CRASH_CAPTURE)).unwrap();
    // The header, clock and probe lines, some events, and the end line.
    let mut base = original[..40_000].to_vec();
    let end = original.iter().rposition(|&c| c == b'\n').unwrap();
    let last_start = original[..end].iter().rposition(|&c| c == b'\n').unwrap();
    base.extend_from_slice(&original[last_start..]);
    let mut rng = crate::harness::Rng(0xca97);
    for round in 0..120 {
        let mut b = base.clone();
        match round % 4 {
            0 => {
                for _ in 0..6 {
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                }
            }
            1 => {
                let at = rng.below(b.len());
                let len = rng.below(b.len() - at);
                b.drain(at..at + len);
            }
            2 => {
                let at = rng.below(b.len());
                let junk: Vec<u8> = (0..rng.below(200)).map(|_| rng.next() as u8).collect();
                b.splice(at..at, junk);
            }
            _ => {
                // Swap two lines: returns before entries, events before the clock.
                let lines: Vec<&[u8]> = b.split(|&c| c == b'\n').collect();
                let (i, j) = (rng.below(lines.len()), rng.below(lines.len()));
                let mut v: Vec<&[u8]> = lines.clone();
                v.swap(i, j);
                b = v.join(&b'\n');
            }
        }
        let inputs = vec![Input::from_bytes("mutant", b)];
        let an = analyze(&inputs, &Settings::default(), &|_, _| {});
        let i = &an.inputs[0];
        assert_eq!(
            i.lines,
            i.records + i.context + i.parse_errors,
            "round {round}"
        );
        let _ = racetrail::report::Report::build(&an);
    }
}

#[test]
fn mutated_go_binaries_never_panic_probe() {
    let dir = tempfile::tempdir().unwrap();
    let bin = match go_build("panic_nil_map", dir.path(), "panic_nil_map", "") {
        Ok(b) => b,
        Err(why) => return eprintln!("skipped: {why}"),
    };
    let original = std::fs::read(&bin).unwrap();
    let mut rng = crate::harness::Rng(0xe1f);
    for round in 0..40 {
        let mut b = original.clone();
        // Headers and tables are at the start and the end of the file.
        let region = if round % 2 == 0 {
            0..4096
        } else {
            b.len() - 65536..b.len()
        };
        for _ in 0..1 + rng.below(16) {
            let i = region.start + rng.below(region.len());
            b[i] = rng.next() as u8;
        }
        let _ = racetrail::capture::binary::GoBinary::parse(&bin, &b)
            .and_then(|g| racetrail::capture::probe::plan_for(&g));
    }
}
