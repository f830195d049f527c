//! `racetrail merge`: JSON reports of separate scans (one per host or
//! shard) combined into the report one scan of all their inputs would give,
//! when no process spans two shards. Reports are read through the report's
//! own types ([`super::wire`]): a malformed one is an error naming the file
//! and the field. Scoped findings are concatenated in the reports' order and
//! sorted as a scan sorts them; race sites, which are deduplicated across
//! files and runs, are merged by site pair; the summary is recounted.

use std::collections::BTreeMap;

use anyhow::Context;

use super::locks::{sort_chains, sort_deadlocks};
use super::runtime::RaceSite;
use super::static_join::StaticEntry;
use super::{ConflictSite, HbReport, Report, SCHEMA, Summary};

/// Wait chains a report lists.
const CHAINS: usize = 20;

/// A scan's order of conflict sites: most pairs first, then by place.
fn by_size(a: &ConflictSite, b: &ConflictSite) -> std::cmp::Ordering {
    b.conflicts
        .cmp(&a.conflicts)
        .then_with(|| (&a.scope, &a.object, &a.sides).cmp(&(&b.scope, &b.object, &b.sides)))
}

/// Merges reports, in the order of their inputs.
pub fn merge(docs: Vec<(String, Report)>) -> Report {
    let reports: Vec<Report> = docs.into_iter().map(|(_, r)| r).collect();
    let sum = |f: fn(&Summary) -> u64| -> u64 { reports.iter().map(|r| f(&r.summary)).sum() };
    let summed = [
        sum(|s| s.events),
        sum(|s| s.accesses),
        sum(|s| s.open_accesses),
        sum(|s| s.holds),
        sum(|s| s.actors),
        sum(|s| s.objects),
        sum(|s| s.parse_errors),
        sum(|s| s.diagnostics),
    ];
    let sampled = reports.iter().any(|r| r.summary.sampled);
    let checked = reports.iter().any(|r| r.summary.static_findings.is_some());

    let mut inputs = Vec::new();
    let mut sites = Vec::new();
    let mut unconfirmed = Vec::new();
    let mut hb_examples = Vec::new();
    let mut races: BTreeMap<(String, String), RaceSite> = BTreeMap::new();
    let mut race_blocks = 0;
    let mut crashes = Vec::new();
    let mut dumps = Vec::new();
    let mut locks = Vec::new();
    let mut contention = Vec::new();
    let mut chains = Vec::new();
    let mut deadlocks = Vec::new();
    let mut statics = Vec::new();
    let mut diagnostics = Vec::new();
    let mut hbs: Vec<HbReport> = Vec::new();
    for r in reports {
        inputs.extend(r.inputs);
        sites.extend(r.conflict_sites);
        unconfirmed.extend(r.unconfirmed_sites);
        // Happens-before examples follow the sites' examples, scope by scope.
        hb_examples.extend(r.conflicts.into_iter().filter(|c| c.is_happens_before()));
        for race in r.races {
            race_blocks += race.blocks;
            let site = |i: usize| {
                race.sides
                    .get(i)
                    .map_or("", |s| s.site.as_str())
                    .to_string()
            };
            match races.entry((site(0), site(1))) {
                std::collections::btree_map::Entry::Vacant(v) => {
                    v.insert(race);
                }
                std::collections::btree_map::Entry::Occupied(mut o) => {
                    let m = o.get_mut();
                    m.blocks += race.blocks;
                    m.reports.extend(race.reports);
                    // Shards that all read the static findings attach the same ones.
                    if m.static_findings.is_empty() {
                        m.static_findings = race.static_findings;
                    }
                    if race.map && !m.map {
                        m.map = true;
                        m.sides = race.sides;
                    }
                }
            }
        }
        crashes.extend(r.crashes);
        dumps.extend(r.dumps);
        locks.extend(r.locks);
        contention.extend(r.contention);
        chains.extend(r.wait_chains);
        deadlocks.extend(r.deadlocks);
        statics.extend(r.static_findings);
        diagnostics.extend(r.diagnostics);
        hbs.extend(r.hb);
    }
    sites.sort_by(by_size);
    unconfirmed.sort_by(by_size);
    let mut conflicts: Vec<_> = sites
        .iter()
        .flat_map(|s| s.examples.iter().cloned())
        .collect();
    conflicts.extend(hb_examples);
    let races: Vec<RaceSite> = races.into_values().collect();
    locks.sort_by(|a, b| (&a.scope, &a.lock).cmp(&(&b.scope, &b.lock)));
    contention.sort_by(|a, b| {
        b.blamed_ns.cmp(&a.blamed_ns).then_with(|| {
            (&a.scope, &a.lock, &a.holder, &a.waiter)
                .cmp(&(&b.scope, &b.lock, &b.holder, &b.waiter))
        })
    });
    sort_chains(&mut chains);
    chains.truncate(CHAINS);
    sort_deadlocks(&mut deadlocks);
    let statics = static_findings(statics);

    let unflagged = sites
        .iter()
        .filter(|s| s.static_findings.is_empty())
        .count()
        + races
            .iter()
            .filter(|r| r.static_findings.is_empty())
            .count()
        + crashes
            .iter()
            .filter(|c| c.static_findings.is_empty())
            .count();
    let [
        events,
        accesses,
        open_accesses,
        holds,
        actors,
        objects,
        parse_errors,
        diags,
    ] = summed;
    // The counts of the lists are set by `count_findings` below.
    let summary = Summary {
        events,
        accesses,
        open_accesses,
        holds,
        actors,
        objects,
        races: race_blocks,
        parse_errors,
        diagnostics: diags,
        sampled,
        static_findings: checked.then_some(statics.len() as u64),
        unflagged: checked.then_some(unflagged as u64),
        ..Summary::default()
    };
    let hb = (!hbs.is_empty()).then(|| HbReport {
        racy_events: hbs.iter().map(|h| h.racy_events).sum(),
        racy_locations: hbs.iter().map(|h| h.racy_locations).sum(),
        events: hbs.iter().map(|h| h.events).sum(),
        scopes: hbs.into_iter().flat_map(|h| h.scopes).collect(),
    });
    let mut report = Report {
        schema: SCHEMA,
        inputs,
        summary,
        conflict_sites: sites,
        unconfirmed_sites: unconfirmed,
        conflicts,
        races,
        crashes,
        dumps,
        locks,
        contention,
        wait_chains: chains,
        deadlocks,
        hb,
        static_findings: statics,
        diagnostics,
        graph: Vec::new(),
        graph_actors: Vec::new(),
    };
    report.count_findings();
    report
}

/// Static findings of all shards, in the scan's order, each once (every
/// shard that read a static output lists its findings), with the runtime
/// findings they are on joined.
fn static_findings(all: Vec<StaticEntry>) -> Vec<StaticEntry> {
    let key = |v: &StaticEntry| {
        let (path, line) = v.source.rsplit_once(':').unwrap_or(("", ""));
        (
            path.to_string(),
            line.parse::<u64>().unwrap_or(0),
            v.column,
            v.tool.to_lowercase(),
            v.rule.clone(),
            v.message.clone(),
        )
    };
    let mut merged: BTreeMap<_, StaticEntry> = BTreeMap::new();
    for v in all {
        match merged.entry(key(&v)) {
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(v);
            }
            std::collections::btree_map::Entry::Occupied(mut e) => {
                let m = e.get_mut();
                for id in v.findings {
                    if !m.findings.contains(&id) {
                        m.findings.push(id);
                    }
                }
            }
        }
    }
    merged.into_values().collect()
}

/// Reads the reports named on the command line.
pub fn read(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<(String, Report)>> {
    paths
        .iter()
        .map(|p| {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            Ok((p.display().to_string(), super::wire::read_report(p, &text)?))
        })
        .collect()
}
