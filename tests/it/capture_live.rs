//! The live test of kernel capture: build kmaps and panic_nil_map with the
//! installed Go, record them with `racetrail record` for real, scan, and
//! check that the probes are gone after a normal exit, after SIGINT to
//! racetrail, and after a child that crashes. It needs root, tracefs, perf,
//! Go and zap's source; where one is missing it says so and returns.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::capture::{KmapsLog, check_against_log, go_build, which};
use crate::harness::root;

const EVENTS: &str = "/sys/kernel/tracing/uprobe_events";

/// Why the live test cannot run here, if it cannot.
fn missing() -> Option<String> {
    if !rustix::process::geteuid().is_root() {
        return Some("not root".into());
    }
    if !Path::new(EVENTS).exists() {
        return Some(format!("no {EVENTS} (tracefs not mounted)"));
    }
    if which("perf").is_none() {
        return Some("no perf (linux-perf)".into());
    }
    if which("go").is_none() {
        return Some("no go".into());
    }
    if !Path::new("/usr/share/gocode/src/go.uber.org/zap").exists() {
        return Some("no zap source (golang-go.uber-zap-dev)".into());
    }
    None
}

fn racetrail_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_racetrail"))
}

/// The lines of uprobe_events in `group`.
fn probes_of(group: &str) -> Vec<String> {
    fs::read_to_string(EVENTS)
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with(&format!("p:{group}/")))
        .map(str::to_string)
        .collect()
}

fn wait_with_timeout(child: &mut std::process::Child, limit: Duration) -> std::process::ExitStatus {
    let until = Instant::now() + limit;
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            return st;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("racetrail record did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `racetrail record -o OUT -- PROGRAM ARGS`, stderr into `log`; returns
/// the exit status and racetrail's probe group.
fn record(
    out: &Path,
    log: &Path,
    program: &Path,
    args: &[&str],
) -> (std::process::ExitStatus, String) {
    let mut child = Command::new(racetrail_bin())
        .current_dir(root())
        .env("GOTRACEBACK", "system")
        .arg("record")
        .arg("-o")
        .arg(out)
        .arg("--")
        .arg(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(fs::File::create(log).unwrap())
        .spawn()
        .expect("racetrail record starts");
    let group = format!("racetrail_{}", child.id());
    (
        wait_with_timeout(&mut child, Duration::from_secs(120)),
        group,
    )
}

#[test]
fn live_record_probe_scan() {
    if let Some(why) = missing() {
        return eprintln!("skipped: live kernel capture: {why}");
    }
    let dir = tempfile::tempdir().unwrap();
    let kmaps = go_build("kmaps", dir.path(), "kmaps", "").expect("kmaps builds");
    let nilmap = go_build("panic_nil_map", dir.path(), "panic_nil_map", "").expect("builds");

    // 1. A normal run: conflicts on the racy map only, between the goroutines
    // the program's log names, with its trace ids; the probes are gone.
    let cap = dir.path().join("kmaps.capture");
    let log = dir.path().join("kmaps.stderr");
    let (st, group) = record(&cap, &log, &kmaps, &["-n", "40", "-burst", "5"]);
    let log_text = fs::read_to_string(&log).unwrap();
    assert!(st.success(), "{st}: {log_text}");
    assert_eq!(probes_of(&group), Vec::<String>::new());
    let capture = fs::read_to_string(&cap).unwrap();
    assert!(capture.starts_with("racetrail-capture v1 "));
    assert!(
        capture
            .lines()
            .last()
            .unwrap()
            .starts_with("racetrail-end ")
    );
    let out = Command::new(racetrail_bin())
        .args(["scan", "--format", "json", "--examples", "100000"])
        .arg(&cap)
        .arg(&log)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let klog = KmapsLog::parse(&log_text);
    check_against_log(&report, &klog, cap.to_str().unwrap());
    if let Some(crash) = report["crashes"].as_array().unwrap().first() {
        // Some runs crash: the dump's map is the one the probes saw.
        assert_eq!(crash["map_address"], klog.racy.as_str(), "{crash}");
    }

    // 2. SIGINT to racetrail record while the program runs: it stops perf,
    // which ends the program, writes the capture and removes the probes.
    let cap2 = dir.path().join("long.capture");
    let mut child = Command::new(racetrail_bin())
        .arg("record")
        .arg("-o")
        .arg(&cap2)
        .arg("--")
        .arg(&kmaps)
        .args(["-n", "1000000", "-gap", "1ms"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let group = format!("racetrail_{}", child.id());
    let until = Instant::now() + Duration::from_secs(30);
    while probes_of(&group).is_empty() {
        assert!(Instant::now() < until, "the probes never appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(1500));
    let pid = rustix::process::Pid::from_raw(child.id() as i32).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let st = wait_with_timeout(&mut child, Duration::from_secs(60));
    assert!(st.success(), "{st}");
    assert_eq!(probes_of(&group), Vec::<String>::new());
    let capture = fs::read_to_string(&cap2).unwrap();
    let end = capture.lines().last().unwrap();
    assert!(
        end.starts_with("racetrail-end ") && end.ends_with(" signal=2"),
        "{end}"
    );
    assert!(
        capture.contains("__entry: "),
        "no event recorded before SIGINT"
    );

    // 3. A child that crashes (a nil-map write panics, exit 2): the capture
    // is written, the probes are gone, and nil-map calls are no accesses.
    let cap3 = dir.path().join("nil.capture");
    let log3 = dir.path().join("nil.stderr");
    let (st, group) = record(&cap3, &log3, &nilmap, &[]);
    let log3_text = fs::read_to_string(&log3).unwrap();
    assert!(st.success(), "{st}: {log3_text}");
    assert!(
        log3_text.contains("assignment to entry in nil map"),
        "{log3_text}"
    );
    assert_eq!(probes_of(&group), Vec::<String>::new());
    let capture = fs::read_to_string(&cap3).unwrap();
    assert!(
        capture.contains("h=0x0 "),
        "the nil map's calls were probed"
    );
    let out = Command::new(racetrail_bin())
        .args(["scan", "--format", "json"])
        .arg(&cap3)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        report["conflicts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["object"] != "0x0"),
        "{report}"
    );
}
