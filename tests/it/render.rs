//! Renderers on the zap_json fixture: snapshots of table, JSON and DOT, the
//! DOT graph checked against the oracle's pairs, and Graphviz accepting it.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use crate::harness::{ZAP_JSON, run, str_of, truth};

fn render(args: &[&str]) -> String {
    let mut all = vec!["scan"];
    all.extend_from_slice(args);
    all.push(ZAP_JSON);
    let r = run(&all, None);
    assert_eq!(r.code, 1, "{all:?}: {}", r.stderr);
    r.text()
}

#[test]
fn table_snapshot() {
    insta::assert_snapshot!("table", render(&["--format", "table", "--color", "never"]));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!("json", render(&["--format", "json"]));
}

#[test]
fn mermaid_snapshot() {
    let m = render(&["--format", "mermaid"]);
    assert!(m.starts_with("flowchart LR\n"));
    // Every subgraph closes, and edges only join declared nodes.
    assert_eq!(
        m.matches("subgraph ").count(),
        m.matches("\n  end\n").count()
    );
    insta::assert_snapshot!("mermaid", m);
}

#[test]
fn dot_snapshot() {
    insta::assert_snapshot!("dot", render(&["--format", "dot"]));
}

/// `name [attrs, label="…"];` → (name, label with DOT's `\n` split into lines).
fn node_label(line: &str) -> Option<(String, Vec<String>)> {
    let line = line.trim();
    if line.contains("->") {
        return None;
    }
    let (name, rest) = line.split_once(" [")?;
    let label = rest.split_once("label=\"")?.1.rsplit_once("\"]")?.0;
    Some((
        name.to_string(),
        label.split("\\n").map(str::to_string).collect(),
    ))
}

/// The graph has one red edge per (goroutine, map) that takes part in a
/// conflict, labelled with that goroutine's pair count, and each map node
/// says how many pairs the map has: all from the oracle's pair list.
#[test]
fn dot_graph_matches_the_oracle() {
    let t = truth("zap_json");
    let mut per_actor: BTreeMap<(String, String), u64> = BTreeMap::new();
    for p in t["pairs"].as_array().unwrap() {
        for s in ["a", "b"] {
            let key = (str_of(&p["map"]).to_string(), p[s]["goroutine"].to_string());
            *per_actor.entry(key).or_default() += 1;
        }
    }
    let dot = render(&["--format", "dot"]);
    assert!(dot.starts_with("digraph"));
    assert_eq!(dot.matches("subgraph cluster_").count(), 1, "one scope");
    assert!(
        dot.contains(&format!("label=\"{ZAP_JSON}\"")),
        "cluster named by its scope"
    );

    let labels: BTreeMap<String, Vec<String>> = dot.lines().filter_map(node_label).collect();
    let mut maps = BTreeMap::new();
    let mut map_ids = BTreeMap::new();
    for (node, lines) in &labels {
        if let Some(first) = lines[0].strip_prefix("map ") {
            // A named map shows its name, then its id: "map carts", "0x…".
            let (id, name) = match lines.len() {
                3 => (lines[1].as_str(), Some(first)),
                _ => (first, None),
            };
            assert_eq!(
                name,
                t["maps"][id]["name"].as_str(),
                "the name from the log's map registered record"
            );
            let pairs: u64 = lines[lines.len() - 1]
                .split_once(" conflicting pair")
                .and_then(|(n, _)| n.parse().ok())
                .unwrap_or_else(|| panic!("{lines:?}"));
            maps.insert(id.to_string(), pairs);
            map_ids.insert(node.clone(), id.to_string());
        }
    }
    let want_maps: BTreeMap<String, u64> = t["maps"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, m)| m["conflict_pairs"] != 0)
        .map(|(id, m)| (id.clone(), m["conflict_pairs"].as_u64().unwrap()))
        .collect();
    assert_eq!(maps, want_maps, "map nodes: only maps with conflicts");

    let mut edges = BTreeMap::new();
    for line in dot.lines().filter(|l| l.contains("->")) {
        let (from, rest) = line.trim().split_once(" -> ").unwrap();
        let to = rest.split_once(' ').unwrap().0;
        if !map_ids.contains_key(to) {
            // Goroutine → goroutine: a wait edge, dashed.
            assert!(
                line.contains("style=dashed"),
                "wait edges are dashed: {line}"
            );
            continue;
        }
        assert!(line.contains("color=red"), "conflict edges are red: {line}");
        let actor = labels[from][0]
            .strip_prefix("goroutine ")
            .unwrap()
            .to_string();
        let map = map_ids[to].clone();
        let n: u64 = line
            .rsplit_once(" (")
            .and_then(|(_, r)| r.split_once(" pair"))
            .and_then(|(n, _)| n.parse().ok())
            .unwrap_or_else(|| panic!("{line}"));
        assert!(
            edges.insert((map, actor), n).is_none(),
            "one edge per pair: {line}"
        );
    }
    assert_eq!(edges, per_actor, "edges: (map, goroutine) → pairs it is in");
}

/// Graphviz parses and lays out the graph.
#[test]
fn dot_is_valid_graphviz() {
    let have_dot = Command::new("dot")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !have_dot {
        assert!(
            std::env::var_os("CI").is_none(),
            "Graphviz `dot` is not on PATH, and CI installs it"
        );
        eprintln!("note: Graphviz `dot` is not on PATH; skipping the layout check");
        return;
    }
    // The access log, and every runtime fixture at once: race sites, crashes
    // with their creator chains and other sides, deadlock cycles through locks.
    let everything = run(&["graph", ZAP_JSON, "tests/fixtures/go"], None).text();
    for graph in [render(&["--format", "dot"]), everything] {
        check_with_graphviz(&graph);
    }
}

fn check_with_graphviz(graph: &str) {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("dot starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(graph.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "dot -Tsvg failed: {stderr}");
    // Font warnings depend on the machine; syntax problems do not.
    assert!(
        !stderr.contains("syntax") && !stderr.contains("Error"),
        "dot complains: {stderr}"
    );
    let svg = String::from_utf8_lossy(&out.stdout);
    assert!(svg.contains("<svg"), "{svg}");
}
