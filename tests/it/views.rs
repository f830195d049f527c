//! Seeing the interleaving: the terminal timeline (snapshots, tmux at 80
//! and 200 columns), the Trace Event Format export checked against the
//! format's rules, and the HTML page in a real headless browser — each on
//! the real fixtures, each compared with the times of the records it draws.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{ZAP_JSON, fixture_lines, path_str, root, run, scan_json, tempdir};

const ZAP_CRASH: &str = "tests/fixtures/go/zap_crash.jsonl";
const DEADLOCK: &str = "tests/fixtures/go/deadlock_locks.jsonl";
const RACE: &str = "tests/fixtures/go/race_cache_method.stderr";

/// `racetrail timeline` at a fixed width, without colour.
fn timeline(args: &[&str], columns: &str) -> String {
    let out = crate::harness::racetrail()
        .env("COLUMNS", columns)
        .arg("timeline")
        .args(args)
        .output()
        .expect("racetrail runs");
    assert!(
        out.status.code() == Some(1),
        "findings exit 1: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

#[test]
fn timeline_snapshots() {
    insta::assert_snapshot!("timeline_conflicts", timeline(&[ZAP_JSON], "100"));
    insta::assert_snapshot!("timeline_crash", timeline(&[ZAP_CRASH], "100"));
    insta::assert_snapshot!("timeline_deadlock", timeline(&[DEADLOCK], "100"));
}

/// The `ts_ns` of record `line` (1-based) of a fixture.
fn record_ns(lines: &BTreeMap<String, Vec<String>>, path: &str, line: usize) -> i64 {
    let text = &lines[path][line - 1];
    let v: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{path}:{line}: {e}"));
    v["ts_ns"]
        .as_i64()
        .unwrap_or_else(|| panic!("{path}:{line} has no ts_ns"))
}

fn fixtures() -> BTreeMap<String, Vec<String>> {
    [ZAP_JSON, ZAP_CRASH, DEADLOCK]
        .iter()
        .map(|p| (p.to_string(), fixture_lines(p)))
        .collect()
}

/// `+55.857µs`, `-20µs`, `0`, `+1.111431ms` → nanoseconds, exactly.
fn parse_offset(s: &str) -> i64 {
    if s == "0" {
        return 0;
    }
    let (num, scale) = [
        ("ns", 1),
        ("µs", 1_000),
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
    ]
    .iter()
    .find_map(|(u, k)| s.strip_suffix(u).map(|n| (n, *k)))
    .unwrap_or_else(|| panic!("no unit in {s}"));
    let (sign, num) = match num.strip_prefix('-') {
        Some(n) => (-1, n),
        None => (1, num.trim_start_matches('+')),
    };
    let (whole, frac) = num.split_once('.').unwrap_or((num, ""));
    let mut ns = whole.parse::<i64>().unwrap() * scale;
    let mut unit = scale;
    for d in frac.bytes() {
        unit /= 10;
        ns += (d - b'0') as i64 * unit;
    }
    sign * ns
}

/// Each scene's evidence lines: the finding's windows with their offsets
/// on the axis, whose differences are those of the records' times; and the
/// lanes are the goroutines of those windows, in the order the finding names them.
#[test]
fn timeline_offsets_are_the_records_times() {
    let lines = fixtures();
    let mut scenes = 0;
    for path in [ZAP_JSON, ZAP_CRASH, DEADLOCK] {
        let text = timeline(&[path], "120");
        for scene in text.split("\n\n").filter(|s| s.contains(" at ")) {
            let mut seen: Vec<(i64, i64)> = Vec::new();
            let mut lanes: Vec<String> = Vec::new();
            for l in scene.lines() {
                if let Some(name) = l.split(" │").next().filter(|n| n.starts_with("goroutine ")) {
                    lanes.push(name.trim().to_string());
                }
                let Some(rest) = l.strip_prefix("  goroutine ") else {
                    continue;
                };
                let (who, rest) = rest.split_once(' ').unwrap();
                let offset = rest
                    .split(" at ")
                    .nth(1)
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap();
                let source = rest
                    .rsplit_once(", tests/")
                    .map(|(_, s)| format!("tests/{s}"))
                    .unwrap();
                let source = source.split([',', ' ']).next().unwrap();
                let (p, n) = source.rsplit_once(':').unwrap();
                seen.push((
                    parse_offset(offset),
                    record_ns(&lines, p, n.parse().unwrap()),
                ));
                assert!(
                    lanes.contains(&format!("goroutine {who}")),
                    "{path}: goroutine {who} has a lane:\n{scene}"
                );
            }
            if seen.is_empty() {
                continue;
            }
            scenes += 1;
            let (o0, t0) = seen[0];
            for (o, t) in &seen {
                assert_eq!(
                    o - o0,
                    t - t0,
                    "{path}: offsets are record time differences:\n{scene}"
                );
            }
        }
    }
    assert!(scenes >= 10, "{scenes} scenes checked");
}

/// The crash is marked after the last record; the deadlock's cycle closes
/// where the last wait began; open windows run off the right edge.
#[test]
fn timeline_marks_crash_and_deadlock() {
    let crash = timeline(&[ZAP_CRASH], "100");
    let scene = crash
        .split("\n\n")
        .find(|s| s.starts_with("crash "))
        .expect("a crash scene");
    assert!(scene.contains("✖ ") || scene.contains(" ✖"), "{scene}");
    for g in ["goroutine 8", "goroutine 7", "goroutine 14"] {
        assert!(
            scene.lines().any(|l| l.starts_with(g)),
            "{g} lane:\n{scene}"
        );
    }
    assert!(scene.contains("▸"), "open windows run off the edge");
    assert!(scene.contains("all open from +"));
    // The last record of the log (line 144) is where the crash is put.
    assert!(
        scene.contains("crash after the process's last record at +47.771µs"),
        "{scene}"
    );
    let dl = timeline(&[DEADLOCK], "100");
    let scene = dl
        .split("\n\n")
        .find(|s| s.starts_with("deadlock:"))
        .expect("a deadlock scene");
    assert!(
        scene
            .lines()
            .any(|l| l.contains("deadlock (never resolved)") && l.contains('⟳')),
        "{scene}"
    );
    assert!(scene.contains("cycle closed at +192.147µs"));
    assert!(scene.contains("wait ledger.mu") && scene.contains("hold ledger.mu"));
}

fn have(cmd: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {cmd}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs the timeline in a tmux pane of `width` columns and returns the
/// pane's text (with escapes when `escapes`).
fn in_tmux(width: u32, env: &str, escapes: bool) -> String {
    let name = format!(
        "racetrail-views-{width}-{}-{}",
        std::process::id(),
        escapes as u8
    );
    let bin = env!("CARGO_BIN_EXE_racetrail");
    let cmd = format!(
        "cd {} && {env} {bin} timeline {ZAP_CRASH}; tmux -L {name} wait-for -S {name}",
        path_str(root())
    );
    // A server of its own: other tmux users (parallel tests, a developer's
    // session) cannot disturb it.
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .args(["-L", &name])
            .args(args)
            .output()
            .expect("tmux runs")
    };
    let w = width.to_string();
    // A loaded machine sometimes loses a fresh server at start: try again.
    let mut started = tmux(&["new-session", "-d", "-s", &name, "-x", &w, "-y", "50"]);
    for _ in 0..4 {
        if started.status.success() {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
        started = tmux(&["new-session", "-d", "-s", &name, "-x", &w, "-y", "50"]);
    }
    assert!(
        started.status.success(),
        "{}",
        String::from_utf8_lossy(&started.stderr)
    );
    tmux(&["set-option", "-t", &name, "history-limit", "5000"]);
    tmux(&["set-option", "-t", &name, "remain-on-exit", "on"]);
    tmux(&["send-keys", "-t", &name, &cmd, "Enter"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut waiter = Command::new("tmux")
        .args(["-L", &name, "wait-for", &name])
        .spawn()
        .unwrap();
    while waiter.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "tmux pane did not finish");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut args = vec!["capture-pane", "-p", "-S", "-", "-t", name.as_str()];
    if escapes {
        args.push("-e");
    }
    let out = tmux(&args);
    tmux(&["kill-server"]);
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn timeline_fits_the_terminal_in_tmux() {
    if !have("tmux") {
        eprintln!("skipped: tmux not found");
        return;
    }
    let mut axes = Vec::new();
    for width in [80u32, 200] {
        let text = in_tmux(width, "", false);
        let scene = text
            .split("\n\n")
            .find(|s| s.contains("crash tests/fixtures/go/zap_crash.jsonl:145"))
            .unwrap_or_else(|| panic!("crash scene at {width} columns:\n{text}"));
        for g in ["goroutine 8 ", "goroutine 7 ", "goroutine 14 "] {
            assert!(
                scene.lines().any(|l| l.starts_with(g)),
                "{g}lane at {width}:\n{scene}"
            );
        }
        assert!(
            scene.contains('✖') && scene.contains("fatal error"),
            "{scene}"
        );
        assert!(scene.contains("all open from"), "{scene}");
        // The drawing fills the width and never wraps.
        for l in scene.lines().filter(|l| l.contains('│') || l.contains('└')) {
            assert!(l.chars().count() <= width as usize, "{width}: {l:?}");
        }
        let axis = scene.lines().find(|l| l.contains('└')).unwrap();
        assert!(
            axis.chars().count() >= width as usize - 2,
            "{width}: axis {axis:?}"
        );
        axes.push(axis.chars().count());
    }
    assert!(
        axes[1] > axes[0] * 2,
        "wider terminal, longer axis: {axes:?}"
    );
    // Colour on a terminal, none with NO_COLOR.
    assert!(
        in_tmux(100, "", true).contains("\x1b["),
        "colour on a terminal"
    );
    assert!(
        !in_tmux(100, "NO_COLOR=1", true).contains("\x1b[3"),
        "NO_COLOR"
    );
}

/// One event per line: (the event, the raw text of its `ts` and `dur`).
fn trace_events(text: &str) -> (Value, Vec<(Value, String, Option<String>)>) {
    let doc: Value = serde_json::from_str(text).expect("trace is JSON");
    let raw = |line: &str, key: &str| {
        let at = line.find(&format!("\"{key}\":"))? + key.len() + 3;
        let end = line[at..].find([',', '}']).map(|e| at + e)?;
        Some(line[at..end].to_string())
    };
    let mut out = Vec::new();
    for line in text.lines().filter(|l| l.starts_with("{\"name\"")) {
        let line = line.trim_end_matches(',');
        let v: Value = serde_json::from_str(line).expect("one event per line");
        let ts = raw(line, "ts").unwrap_or_else(|| "0".into());
        out.push((v, ts, raw(line, "dur")));
    }
    assert_eq!(out.len(), doc["traceEvents"].as_array().unwrap().len());
    (doc, out)
}

/// A flow event: phase, pid, tid, time.
type FlowPoint = (String, u64, u64, i64);

/// `875316.209` (µs) → nanoseconds, exactly; three decimals required.
fn micros_ns(s: &str) -> i64 {
    let (w, f) = s
        .split_once('.')
        .unwrap_or_else(|| panic!("no decimals: {s}"));
    assert_eq!(f.len(), 3, "three decimals: {s}");
    w.parse::<i64>().unwrap() * 1000 + f.parse::<i64>().unwrap()
}

#[test]
fn trace_follows_the_format() {
    let lines = fixtures();
    for path in [ZAP_JSON, ZAP_CRASH, DEADLOCK] {
        let r = run(&["scan", "--format", "trace", path], None);
        assert_eq!(r.code, 1, "{}", r.stderr);
        let (doc, events) = trace_events(&r.text());
        let (report, _) = scan_json(&[path]);
        let origin: i64 = doc["otherData"]["origin_ns"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(origin % 1_000_000_000, 0, "origin on a whole second");

        let mut processes = BTreeSet::new();
        let mut threads = BTreeSet::new();
        for (e, _, _) in events.iter().filter(|(e, _, _)| e["ph"] == "M") {
            let pid = e["pid"].as_u64().unwrap();
            match e["name"].as_str().unwrap() {
                "process_name" => assert!(processes.insert(pid), "one name per process"),
                "thread_name" => {
                    assert!(
                        threads.insert((pid, e["tid"].as_u64().unwrap())),
                        "one name per thread"
                    );
                    assert!(
                        e["args"]["name"]
                            .as_str()
                            .unwrap()
                            .starts_with("goroutine ")
                    );
                }
                _ => {}
            }
        }
        // Slices per thread, to check where flow points land.
        let mut slices: BTreeMap<(u64, u64), Vec<(i64, i64)>> = BTreeMap::new();
        let mut counts: BTreeMap<String, u64> = BTreeMap::new();
        let mut flows: BTreeMap<(String, u64), Vec<FlowPoint>> = BTreeMap::new();
        for (e, ts, dur) in &events {
            let ph = e["ph"].as_str().unwrap();
            assert!(!matches!(ph, "B" | "E"), "complete events only: {e}");
            if ph == "M" {
                continue;
            }
            let (pid, tid) = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
            assert!(processes.contains(&pid), "{path}: pid {pid} is named");
            if !(ph == "i" && e["s"] == "p") {
                assert!(
                    threads.contains(&(pid, tid)),
                    "{path}: thread {pid}/{tid} is named: {e}"
                );
            }
            let t = micros_ns(ts);
            match ph {
                "X" => {
                    let d = micros_ns(dur.as_deref().expect("X has dur"));
                    assert!(d >= 0);
                    slices.entry((pid, tid)).or_default().push((t, t + d));
                    *counts
                        .entry(e["cat"].as_str().unwrap().to_string())
                        .or_default() += 1;
                    // Each window starts at its begin record's time.
                    if e["cat"] == "access" {
                        let (p, n) = e["args"]["source"]
                            .as_str()
                            .unwrap()
                            .rsplit_once(':')
                            .unwrap();
                        assert_eq!(
                            origin + t,
                            record_ns(&lines, p, n.parse().unwrap()),
                            "{path}: {e}"
                        );
                    }
                }
                "s" | "f" => {
                    if ph == "f" {
                        assert_eq!(e["bp"], "e", "flow ends bind to their enclosing slice");
                    }
                    flows
                        .entry((
                            e["cat"].as_str().unwrap().to_string(),
                            e["id"].as_u64().unwrap(),
                        ))
                        .or_default()
                        .push((ph.to_string(), pid, tid, t));
                }
                "i" => {
                    *counts.entry("instant".into()).or_default() += 1;
                }
                other => panic!("unexpected phase {other}"),
            }
        }
        let summary = &report["summary"];
        assert_eq!(
            counts.get("access").copied().unwrap_or(0),
            summary["accesses"].as_u64().unwrap(),
            "{path}: a window event per access"
        );
        assert_eq!(
            counts.get("hold").copied().unwrap_or(0),
            summary["holds"].as_u64().unwrap(),
            "{path}: holds"
        );
        assert_eq!(
            counts.get("instant").copied().unwrap_or(0),
            summary["crashes"].as_u64().unwrap(),
            "{path}: crashes"
        );
        // Every flow has one start and one end, each inside a slice of its thread.
        for ((cat, id), pts) in &flows {
            let phases: Vec<&str> = pts.iter().map(|p| p.0.as_str()).collect();
            assert_eq!(
                phases.iter().filter(|p| **p == "s").count(),
                1,
                "{cat} {id}: {phases:?}"
            );
            assert_eq!(
                phases.iter().filter(|p| **p == "f").count(),
                1,
                "{cat} {id}: {phases:?}"
            );
            for (_, pid, tid, t) in pts {
                assert!(
                    slices[&(*pid, *tid)].iter().any(|(a, b)| a <= t && t <= b),
                    "{path}: {cat} flow {id} point at {t} lies in a slice of {pid}/{tid}"
                );
            }
        }
        // Slices of one goroutine nest (a viewer draws them as a stack).
        for (thread, v) in &mut slices {
            v.sort_by_key(|&(a, b)| (a, -b));
            let mut open: Vec<i64> = Vec::new();
            for &(a, b) in v.iter() {
                while open.last().is_some_and(|&e| e <= a) {
                    open.pop();
                }
                assert!(
                    open.last().is_none_or(|&e| b <= e),
                    "{path}: {thread:?} slice {a}..{b} crosses its parent"
                );
                open.push(b);
            }
        }
        let by_cat = |c: &str| flows.keys().filter(|(k, _)| k == c).count();
        assert_eq!(
            by_cat("conflict"),
            report["conflicts"].as_array().unwrap().len(),
            "{path}: a flow per conflicting example"
        );
        match path {
            ZAP_JSON => {
                assert!(by_cat("contention") >= report["contention"].as_array().unwrap().len())
            }
            DEADLOCK => assert_eq!(by_cat("deadlock"), 2, "around the two-goroutine cycle"),
            _ => {}
        }
    }
}

#[test]
fn crash_is_an_instant_on_the_crashing_goroutine_after_the_last_record() {
    let r = run(&["scan", "--format", "trace", ZAP_CRASH], None);
    let (doc, events) = trace_events(&r.text());
    let origin: i64 = doc["otherData"]["origin_ns"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let (e, ts, _) = events
        .iter()
        .find(|(e, _, _)| e["ph"] == "i")
        .expect("an instant");
    assert_eq!(e["tid"], 8, "goroutine 8 crashed");
    assert_eq!(e["s"], "t");
    assert_eq!(e["name"], "fatal error: concurrent map read and map write");
    let last = fixture_lines(ZAP_CRASH)
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter_map(|v| v["ts_ns"].as_i64())
        .max()
        .unwrap();
    assert_eq!(origin + micros_ns(ts), last);
}

#[test]
fn html_and_trace_are_byte_identical_across_runs() {
    for f in ["html", "trace"] {
        let a = run(&["scan", "--format", f, ZAP_JSON, ZAP_CRASH], None);
        let b = run(
            &["scan", "--format", f, "-j", "1", ZAP_JSON, ZAP_CRASH],
            None,
        );
        assert_eq!(a.stdout, b.stdout, "{f}");
    }
}

/// Hostile text stays text: a key with markup and escapes reaches the page
/// escaped and the terminal sanitized.
#[test]
fn log_text_cannot_inject_markup_or_escapes() {
    let dir = tempdir();
    let lines: Vec<String> = fixture_lines(ZAP_JSON)
        .into_iter()
        .map(|l| l.replace("GET /session", "<script>alert(1)</script>\\u001b[31m"))
        .collect();
    let p = crate::harness::write_lines(dir.path(), "evil.jsonl", &lines);
    let html = run(&["scan", "--format", "html", path_str(&p)], None).text();
    assert!(!html.contains("<script>alert"), "markup escaped");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert_eq!(
        html.matches("<script>").count(),
        1,
        "only the page's own script"
    );
    let t = crate::harness::racetrail()
        .env("COLUMNS", "200")
        .args(["timeline", path_str(&p)])
        .output()
        .unwrap();
    assert!(!t.stdout.contains(&0x1b), "no escape reaches the terminal");
}

/// The Python that has Selenium (the one on PATH, else Debian's, where
/// `python3-selenium` installs), or why the browser test cannot run.
fn browser_python() -> Result<&'static str, String> {
    if !Path::new("/usr/bin/chromium").exists() && !have("chromium") {
        return Err("chromium not found".into());
    }
    if !have("chromedriver") && !Path::new("/usr/bin/chromedriver").exists() {
        return Err("chromedriver not found".into());
    }
    ["python3", "/usr/bin/python3"]
        .into_iter()
        .find(|py| {
            Command::new(py)
                .args(["-c", "import selenium"])
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .ok_or_else(|| "python3 selenium not found".into())
}

#[test]
fn html_report_in_a_real_browser() {
    let python = match browser_python() {
        Ok(p) => p,
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    let dir = tempdir();
    let html = dir.path().join("report.html");
    let inputs = [ZAP_JSON, ZAP_CRASH, DEADLOCK, RACE];
    let mut args = vec!["scan", "--format", "html", "-o", path_str(&html)];
    args.extend(inputs);
    let r = run(&args, None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let (report, _) = scan_json(&inputs);
    let s = &report["summary"];
    // Crashes with logs of their process get a timeline (not the race input).
    let crash_timelines: Vec<usize> = report["crashes"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
        .filter(|(_, c)| c["source"].as_str().unwrap().contains(".jsonl:"))
        .map(|(k, _)| k + 1)
        .collect();
    assert_eq!(crash_timelines.len(), 2);
    let expect = serde_json::json!({
        "conflict_sites": s["conflict_sites"],
        "crash_timelines": crash_timelines,
        "deadlocks": s["deadlocks"],
        "race_sites": s["race_sites"],
        "inputs": report["inputs"].as_array().unwrap().iter().map(|i| i["path"].clone()).collect::<Vec<_>>(),
    });
    let expect_path = dir.path().join("expect.json");
    std::fs::write(&expect_path, expect.to_string()).unwrap();
    let mut cmd = Command::new(python);
    cmd.arg(root().join("tests/html_browser.py"))
        .arg(&html)
        .arg(&expect_path)
        .arg(root());
    // RACETRAIL_SCREENSHOT=docs/html-report.png keeps a picture of the page.
    if let Some(shot) = std::env::var_os("RACETRAIL_SCREENSHOT") {
        cmd.arg(shot);
    }
    let out = cmd.output().expect("python3 runs");
    assert!(
        out.status.success(),
        "browser checks failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{}", String::from_utf8_lossy(&out.stdout).trim());
}

/// A thousand findings (the zap_json log as 167 processes' logs, 6 sites
/// each) make a page under 5 MB with a timeline each.
#[test]
fn html_of_a_thousand_findings_stays_small() {
    let dir = tempdir();
    let text = std::fs::read(root().join(ZAP_JSON)).unwrap();
    for k in 0..167 {
        std::fs::write(dir.path().join(format!("host-{k:03}.jsonl")), &text).unwrap();
    }
    let r = run(
        &["scan", "--format", "html", "-q", path_str(dir.path())],
        None,
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let html = r.text();
    let timelines = html.matches("<svg class=tl ").count();
    assert!(timelines >= 1000, "{timelines} timelines");
    assert!(
        html.len() < 5_000_000,
        "{} bytes for {timelines} findings",
        html.len()
    );
    eprintln!("{} bytes for {timelines} findings", html.len());
}

/// A sampled log's windows whose records may be missing are marked in the
/// trace (`"uncertain": true`), and every access is still one slice; a
/// complete log has none marked.
#[test]
fn trace_marks_what_rests_on_incomplete_evidence() {
    let count = |log: &str| {
        let r = run(&["scan", "--format", "trace", log], None);
        let doc: Value = serde_json::from_slice(&r.stdout).unwrap();
        let events = doc["traceEvents"].as_array().unwrap().clone();
        let accesses = events.iter().filter(|e| e["cat"] == "access").count();
        let uncertain = events
            .iter()
            .filter(|e| e["args"]["uncertain"] == true)
            .count();
        (accesses, uncertain)
    };
    let (sampled, _) = scan_json(&["tests/fixtures/sampling/sampled.jsonl"]);
    let (accesses, uncertain) = count("tests/fixtures/sampling/sampled.jsonl");
    assert_eq!(
        accesses as u64,
        sampled["summary"]["accesses"].as_u64().unwrap()
    );
    assert!(uncertain > 0);
    let (_, none) = count("tests/fixtures/sampling/complete.jsonl");
    assert_eq!(none, 0);
}
