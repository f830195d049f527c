//! `racetrail merge`: JSON reports of separate scans (one per host or
//! shard) combined into the report one scan of all their inputs would give,
//! when no process spans two shards. Scoped findings are concatenated in
//! the reports' order and sorted as a scan sorts them; race sites, which
//! are deduplicated across files and runs, are merged by site pair; the
//! summary is recounted.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use anyhow::{Context, bail};
use serde_json::{Map, Value};

use super::SCHEMA;

fn arr<'v>(doc: &'v Value, key: &str) -> impl Iterator<Item = &'v Value> {
    doc.get(key).and_then(Value::as_array).into_iter().flatten()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn u(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

fn i(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

fn sides(v: &Value) -> Vec<(&str, &str)> {
    arr(v, "sides")
        .map(|x| (s(&x["op"]), s(&x["site"])))
        .collect()
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array().into_iter().flatten().map(s).collect()
}

/// Merges reports given as (name, document), in the order of their inputs.
pub fn merge(docs: &[(String, Value)]) -> anyhow::Result<Value> {
    for (name, d) in docs {
        if d.get("schema").and_then(Value::as_str) != Some(SCHEMA) {
            bail!("{name}: not a {SCHEMA} report");
        }
    }
    let all = |key: &str| -> Vec<Value> {
        docs.iter()
            .flat_map(|(_, d)| arr(d, key).cloned())
            .collect()
    };

    let inputs = all("inputs");
    let by_size = |a: &Value, b: &Value| {
        u(&b["conflicts"]).cmp(&u(&a["conflicts"])).then_with(|| {
            (s(&a["scope"]), s(&a["object"]), sides(a)).cmp(&(
                s(&b["scope"]),
                s(&b["object"]),
                sides(b),
            ))
        })
    };
    let mut sites = all("conflict_sites");
    sites.sort_by(by_size);
    let mut unconfirmed = all("unconfirmed_sites");
    unconfirmed.sort_by(by_size);
    let mut conflicts: Vec<Value> = sites
        .iter()
        .flat_map(|x| arr(x, "examples").cloned())
        .collect();
    // Happens-before examples follow the sites' examples, scope by scope.
    conflicts.extend(
        all("conflicts")
            .into_iter()
            .filter(|c| c["a"]["start_ns"].is_null()),
    );

    let mut races: BTreeMap<(String, String), Value> = BTreeMap::new();
    let mut race_blocks = 0;
    for r in all("races") {
        race_blocks += u(&r["blocks"]);
        let sd = sides(&r);
        let key = (
            sd.first().map_or("", |x| x.1).to_string(),
            sd.get(1).map_or("", |x| x.1).to_string(),
        );
        match races.get_mut(&key) {
            None => {
                races.insert(key, r);
            }
            Some(m) => {
                m["blocks"] = Value::from(u(&m["blocks"]) + u(&r["blocks"]));
                if let (Some(reports), Some(more)) =
                    (m["reports"].as_array_mut(), r["reports"].as_array())
                {
                    reports.extend(more.iter().cloned());
                }
                // Shards that all read the static findings attach the same ones.
                if m.get("static").is_none()
                    && let Some(st) = r.get("static")
                {
                    m["static"] = st.clone();
                }
                if r["map"] == true && m["map"] != true {
                    m["map"] = Value::Bool(true);
                    m["sides"] = r["sides"].clone();
                }
            }
        }
    }
    let races: Vec<Value> = races.into_values().collect();
    let crashes = all("crashes");
    let dumps = all("dumps");

    let mut locks = all("locks");
    locks.sort_by(|a, b| (s(&a["scope"]), s(&a["lock"])).cmp(&(s(&b["scope"]), s(&b["lock"]))));
    let mut contention = all("contention");
    contention.sort_by(|a, b| {
        i(&b["blamed_ns"]).cmp(&i(&a["blamed_ns"])).then_with(|| {
            let k = |e: &Value| {
                (
                    s(&e["scope"]).to_string(),
                    s(&e["lock"]).to_string(),
                    s(&e["holder"]).to_string(),
                    s(&e["waiter"]).to_string(),
                )
            };
            k(a).cmp(&k(b))
        })
    });
    let mut chains = all("wait_chains");
    chains.sort_by(|a, b| {
        let len = |c: &Value| c["actors"].as_array().map_or(0, Vec::len);
        (len(b), i(&b["wait_ns"]))
            .cmp(&(len(a), i(&a["wait_ns"])))
            .then_with(|| {
                (s(&a["scope"]), strings(&a["actors"]), strings(&a["locks"])).cmp(&(
                    s(&b["scope"]),
                    strings(&b["actors"]),
                    strings(&b["locks"]),
                ))
            })
    });
    chains.truncate(20);
    let mut deadlocks = all("deadlocks");
    deadlocks.sort_by(|a, b| {
        (s(&a["scope"]), i(&a["at_ns"]), strings(&a["actors"]))
            .cmp(&(s(&b["scope"]), i(&b["at_ns"]), strings(&b["actors"])))
            .then(Ordering::Equal)
    });
    let diagnostics = all("diagnostics");
    let statics = static_findings(&all("static_findings"));

    let sum = |key: &str| -> u64 { docs.iter().map(|(_, d)| u(&d["summary"][key])).sum() };
    let mut summary = Map::new();
    for key in [
        "events",
        "accesses",
        "open_accesses",
        "holds",
        "actors",
        "objects",
    ] {
        summary.insert(key.into(), sum(key).into());
    }
    summary.insert(
        "conflicts".into(),
        sites.iter().map(|x| u(&x["conflicts"])).sum::<u64>().into(),
    );
    summary.insert("conflict_sites".into(), sites.len().into());
    summary.insert("races".into(), race_blocks.into());
    summary.insert("race_sites".into(), races.len().into());
    summary.insert("crashes".into(), crashes.len().into());
    if !dumps.is_empty() {
        summary.insert("dumps".into(), dumps.len().into());
    }
    summary.insert("contention_edges".into(), contention.len().into());
    summary.insert("deadlocks".into(), deadlocks.len().into());
    summary.insert("parse_errors".into(), sum("parse_errors").into());
    summary.insert("diagnostics".into(), sum("diagnostics").into());
    summary.insert(
        "sampled".into(),
        docs.iter()
            .any(|(_, d)| d["summary"]["sampled"] == true)
            .into(),
    );
    summary.insert(
        "unconfirmed".into(),
        unconfirmed
            .iter()
            .map(|x| u(&x["conflicts"]))
            .sum::<u64>()
            .into(),
    );
    summary.insert("unconfirmed_sites".into(), unconfirmed.len().into());
    if sites.iter().any(|x| x.get("estimate").is_some()) {
        let est: u64 = sites
            .iter()
            .map(|x| match x.get("estimate") {
                Some(e) => u(&e["conflicts"]),
                None => u(&x["conflicts"]),
            })
            .sum();
        summary.insert("estimated_conflicts".into(), est.into());
    }
    if docs
        .iter()
        .any(|(_, d)| d["summary"].get("static_findings").is_some())
    {
        let unflagged = sites
            .iter()
            .chain(&races)
            .chain(&crashes)
            .filter(|x| x.get("static").is_none())
            .count();
        summary.insert("static_findings".into(), statics.len().into());
        summary.insert("unflagged".into(), unflagged.into());
    }

    let mut out = Map::new();
    out.insert("schema".into(), SCHEMA.into());
    out.insert("inputs".into(), inputs.into());
    out.insert("summary".into(), summary.into());
    out.insert("conflict_sites".into(), sites.into());
    out.insert("unconfirmed_sites".into(), unconfirmed.into());
    out.insert("conflicts".into(), conflicts.into());
    out.insert("races".into(), races.into());
    out.insert("crashes".into(), crashes.into());
    if !dumps.is_empty() {
        out.insert("dumps".into(), dumps.into());
    }
    out.insert("locks".into(), locks.into());
    out.insert("contention".into(), contention.into());
    out.insert("wait_chains".into(), chains.into());
    out.insert("deadlocks".into(), deadlocks.into());
    let hbs: Vec<&Value> = docs.iter().filter_map(|(_, d)| d.get("hb")).collect();
    if !hbs.is_empty() {
        let mut hb = Map::new();
        for key in ["racy_events", "racy_locations", "events"] {
            hb.insert(
                key.into(),
                hbs.iter().map(|h| u(&h[key])).sum::<u64>().into(),
            );
        }
        hb.insert(
            "scopes".into(),
            hbs.iter()
                .flat_map(|h| arr(h, "scopes").cloned())
                .collect::<Vec<_>>()
                .into(),
        );
        out.insert("hb".into(), hb.into());
    }
    if !statics.is_empty() {
        out.insert("static_findings".into(), statics.into());
    }
    out.insert("diagnostics".into(), diagnostics.into());
    Ok(Value::Object(out))
}

/// Static findings of all shards, in the scan's order, each once (every
/// shard that read a static output lists its findings), with the runtime
/// findings they are on joined.
fn static_findings(all: &[Value]) -> Vec<Value> {
    let key = |v: &Value| {
        let (path, line) = s(&v["source"]).rsplit_once(':').unwrap_or(("", ""));
        (
            path.to_string(),
            line.parse::<u64>().unwrap_or(0),
            u(&v["column"]),
            s(&v["tool"]).to_lowercase(),
            s(&v["rule"]).to_string(),
            s(&v["message"]).to_string(),
        )
    };
    let mut merged: BTreeMap<_, Value> = BTreeMap::new();
    for v in all {
        match merged.get_mut(&key(v)) {
            None => {
                merged.insert(key(v), v.clone());
            }
            Some(m) => {
                let mut ids: Vec<Value> = arr(m, "findings").cloned().collect();
                for id in arr(v, "findings") {
                    if !ids.contains(id) {
                        ids.push(id.clone());
                    }
                }
                m["findings"] = ids.into();
            }
        }
    }
    merged.into_values().collect()
}

/// Reads the reports named on the command line.
pub fn read(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<(String, Value)>> {
    paths
        .iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            let v: Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not JSON", p.display()))?;
            Ok((p.display().to_string(), v))
        })
        .collect()
}
