//! Baselines: the fingerprints of an earlier report. A finding whose
//! fingerprint is there is *known*; with a baseline only new findings fail
//! the run (`--fail-on new`). Fingerprints are built from what stays the
//! same between runs, machines and checkouts (ops, callers, short
//! `dir/file.go:line` sites, lock and map names), never addresses or times.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, bail};
use serde::Deserialize;

use super::Report;

/// The fingerprints of a baseline report.
#[derive(Debug, Default)]
pub struct Baseline {
    fingerprints: BTreeSet<String>,
}

/// A line of `--format jsonl`: a finding, which may have a fingerprint
/// (`hb_race` lines have none).
#[derive(Deserialize)]
struct FindingLine {
    fingerprint: Option<String>,
}

impl Baseline {
    /// Reads a `racetrail.report/v1` JSON report (its first line is `{` or
    /// names the schema), or JSON lines of findings, through typed structs:
    /// a malformed one is an error naming the file, line and field.
    pub fn load(path: &Path) -> anyhow::Result<Baseline> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the baseline {}", path.display()))?;
        let first = text
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        let mut fingerprints = BTreeSet::new();
        if first == "{" || first.contains("\"schema\"") {
            let r = super::wire::read_report(path, &text).context("reading the baseline")?;
            fingerprints.extend(r.conflict_sites.into_iter().map(|s| s.fingerprint));
            fingerprints.extend(r.races.into_iter().map(|s| s.fingerprint));
            fingerprints.extend(r.crashes.into_iter().map(|s| s.fingerprint));
            fingerprints.extend(r.deadlocks.into_iter().map(|s| s.fingerprint));
            return Ok(Baseline { fingerprints });
        }
        for (n, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let mut de = serde_json::Deserializer::from_str(line);
            let f: FindingLine = serde_path_to_error::deserialize(&mut de).map_err(|e| {
                anyhow::anyhow!(
                    "{}:{}: neither a racetrail report nor JSON lines of findings: at `{}`: {}",
                    path.display(),
                    n + 1,
                    e.path(),
                    e.inner()
                )
            })?;
            fingerprints.extend(f.fingerprint);
        }
        if fingerprints.is_empty() && !text.trim().is_empty() {
            bail!("{}: no finding fingerprints in it", path.display());
        }
        Ok(Baseline { fingerprints })
    }

    pub fn contains(&self, fingerprint: &str) -> bool {
        self.fingerprints.contains(fingerprint)
    }
}

impl Report {
    /// Marks the findings the baseline knows.
    pub fn apply_baseline(&mut self, b: &Baseline) {
        for s in &mut self.conflict_sites {
            s.known = b.contains(&s.fingerprint);
        }
        for r in &mut self.races {
            r.known = b.contains(&r.fingerprint);
        }
        for c in &mut self.crashes {
            c.known = b.contains(&c.fingerprint);
        }
        for d in &mut self.deadlocks {
            d.known = b.contains(&d.fingerprint);
        }
        self.summary.known_findings = Some(self.known_findings());
    }

    fn known_findings(&self) -> u64 {
        (self.conflict_sites.iter().filter(|s| s.known).count()
            + self.races.iter().filter(|r| r.known).count()
            + self.crashes.iter().filter(|c| c.known).count()
            + self.deadlocks.iter().filter(|d| d.known).count()) as u64
    }

    /// Findings the baseline does not know (all of them without one).
    pub fn has_new_findings(&self) -> bool {
        self.conflict_sites.iter().any(|s| !s.known)
            || self.races.iter().any(|r| !r.known)
            || self.crashes.iter().any(|c| !c.known)
            || self.deadlocks.iter().any(|d| !d.known)
            || self.hb.as_ref().is_some_and(|h| h.racy_events > 0)
    }
}
