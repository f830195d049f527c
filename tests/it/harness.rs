//! Shared helpers: running the binary, reading fixtures and truth files, and
//! summarising a JSON report the way the corpus truth is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

/// The crate root: every test runs the binary from here, so report paths are
/// the relative `tests/fixtures/...` names given on the command line.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub const ZAP_JSON: &str = "tests/fixtures/zap_json.jsonl";
pub const ZAP_SINGLE: &str = "tests/fixtures/zap_single.jsonl";

/// `racetrail` with the crate root as its working directory.
pub fn racetrail() -> Command {
    let mut cmd = Command::cargo_bin("racetrail").expect("the racetrail binary is built");
    cmd.current_dir(root());
    // Keep colour decisions and arguments to what a test passes.
    cmd.env_remove("NO_COLOR");
    cmd.env_remove("RACETRAIL_CONFIG_PATH");
    // Tables fit COLUMNS; without it (stdout is a pipe here) they fit 80.
    cmd.env_remove("COLUMNS");
    cmd
}

/// What one run produced.
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("the report is UTF-8")
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}); exit {}, stderr:\n{}",
                self.code, self.stderr
            )
        })
    }
}

/// Runs `racetrail ARGS` (optionally with stdin) and captures everything.
pub fn run(args: &[&str], stdin: Option<Vec<u8>>) -> Run {
    let mut cmd = racetrail();
    cmd.args(args);
    if let Some(bytes) = stdin {
        cmd.write_stdin(bytes);
    }
    let out = cmd.output().expect("racetrail runs");
    Run {
        code: out.status.code().expect("racetrail exits, not killed"),
        stdout: out.stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `racetrail scan --format json ARGS…`, parsed.
pub fn scan_json(args: &[&str]) -> (Value, i32) {
    let mut all = vec!["scan", "--format", "json"];
    all.extend_from_slice(args);
    let r = run(&all, None);
    (r.json(), r.code)
}

/// A file under the crate root.
pub fn fixture(rel: &str) -> PathBuf {
    root().join(rel)
}

pub fn read_fixture(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The fixture's lines, without their newlines.
pub fn fixture_lines(rel: &str) -> Vec<String> {
    read_fixture(rel).lines().map(str::to_string).collect()
}

/// `tests/fixtures/truth/NAME.json`: the corpus oracle's output.
pub fn truth(name: &str) -> Value {
    let text = read_fixture(&format!("tests/fixtures/truth/{name}.json"));
    serde_json::from_str(&text).expect("truth is JSON")
}

/// Conflicting pairs of one map: (all, write/write, the rest).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MapCounts {
    pub pairs: u64,
    pub write_write: u64,
    pub read_write: u64,
}

/// Per map id, as the oracle reports them.
pub fn truth_counts(truth: &Value) -> BTreeMap<String, MapCounts> {
    truth["maps"]
        .as_object()
        .expect("truth has maps")
        .iter()
        .map(|(id, m)| {
            let n = |k: &str| m[k].as_u64().unwrap_or_else(|| panic!("truth {id}.{k}"));
            (
                id.clone(),
                MapCounts {
                    pairs: n("conflict_pairs"),
                    write_write: n("write_write_pairs"),
                    read_write: n("read_write_pairs"),
                },
            )
        })
        .collect()
}

/// Per object, summed over the report's conflict sites.
pub fn report_counts(report: &Value) -> BTreeMap<String, MapCounts> {
    let mut out: BTreeMap<String, MapCounts> = BTreeMap::new();
    for site in sites(report) {
        let c = out.entry(str_of(&site["object"]).to_string()).or_default();
        let n = site["conflicts"].as_u64().expect("site.conflicts");
        c.pairs += n;
        if site["kind"] == "write/write" {
            c.write_write += n;
        } else {
            c.read_write += n;
        }
    }
    out
}

/// `report_counts` with an explicit zero for every truth map without sites,
/// so the two maps compare directly.
pub fn report_counts_for(report: &Value, truth: &Value) -> BTreeMap<String, MapCounts> {
    let mut out = report_counts(report);
    for id in truth["maps"].as_object().expect("truth has maps").keys() {
        out.entry(id.clone()).or_default();
    }
    out
}

pub fn sites(report: &Value) -> &Vec<Value> {
    report["conflict_sites"]
        .as_array()
        .expect("conflict_sites is an array")
}

pub fn str_of(v: &Value) -> &str {
    v.as_str()
        .unwrap_or_else(|| panic!("expected a string, got {v}"))
}

/// `path:line` → (path, line).
pub fn split_source(source: &str) -> (&str, u64) {
    let (path, line) = source
        .rsplit_once(':')
        .unwrap_or_else(|| panic!("not path:line: {source}"));
    (
        path,
        line.parse()
            .unwrap_or_else(|_| panic!("not a line number in {source}")),
    )
}

/// Writes `lines` (each followed by a newline) to `dir/name`.
pub fn write_lines(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    let mut text = lines.join("\n");
    text.push('\n');
    std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// Writes `lines` as raw bytes (each followed by a newline) to `dir/name`.
pub fn write_byte_lines(dir: &Path, name: &str, lines: &[Vec<u8>]) -> PathBuf {
    let path = dir.join(name);
    let mut bytes = Vec::new();
    for l in lines {
        bytes.extend_from_slice(l);
        bytes.push(b'\n');
    }
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    path
}

/// A fresh temporary directory, removed when dropped.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("a temporary directory")
}

pub fn path_str(p: &Path) -> &str {
    p.to_str().expect("temp paths are UTF-8")
}

/// A splitmix64 stream: seeded mutations that are the same on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform enough below `n` (at least 1).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
