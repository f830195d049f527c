//! Races and crashes in the report: the race sites and dump digests that
//! the analysis stage (`pipeline::runtime`) made, as the report shows them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::pipeline::Analysis;

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct FrameOut {
    pub func: String,
    pub file: String,
    pub line: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RaceSide {
    #[serde(deserialize_with = "super::wire::op")]
    pub op: super::wire::Name,
    /// `file:line` of the top user frame.
    pub site: String,
    pub func: String,
    /// What the `runtime.map*` frame on this side did, for map races.
    #[serde(
        default,
        deserialize_with = "super::wire::opt_op",
        skip_serializing_if = "Option::is_none"
    )]
    pub map_op: Option<super::wire::Name>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RaceAccessOut {
    #[serde(deserialize_with = "super::wire::op")]
    pub op: super::wire::Name,
    pub previous: bool,
    /// The race runtime's goroutine number, or "main"; never a runtime id.
    pub goroutine: String,
    pub stack: Vec<FrameOut>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RaceGoroutineOut {
    pub id: u64,
    pub state: String,
    pub created_at: Vec<FrameOut>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RaceReportOut {
    /// `path:line` of the block's first line.
    pub source: String,
    pub address: String,
    pub accesses: Vec<RaceAccessOut>,
    pub location: Option<String>,
    pub goroutines: Vec<RaceGoroutineOut>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub truncated: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RaceSite {
    pub id: String,
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub known: bool,
    pub map: bool,
    pub blocks: u64,
    pub sides: Vec<RaceSide>,
    pub reports: Vec<RaceReportOut>,
    /// Static findings on either side's top user frame (same line or function).
    #[serde(rename = "static", default, skip_serializing_if = "Vec::is_empty")]
    pub static_findings: Vec<super::static_join::StaticRef>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Bucket {
    pub count: u64,
    pub state: String,
    /// The longest wait among the bucket's goroutines, in minutes.
    pub max_wait_minutes: u32,
    pub stack: Vec<FrameOut>,
    /// The first goroutine ids of the bucket.
    pub goroutines: Vec<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GoroutineOut {
    pub id: u64,
    pub state: String,
    pub wait_minutes: u32,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub locked: bool,
    /// `file:line` of the top user frame.
    pub site: Option<String>,
    pub created_by: Option<FrameOut>,
    pub parent: Option<u64>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OtherSide {
    pub actor: String,
    pub object: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_name: Option<String>,
    #[serde(deserialize_with = "super::wire::op")]
    pub op: super::wire::Name,
    pub key: Option<String>,
    pub trace: Option<String>,
    pub start_ns: i64,
    /// Set when the window closed: a kernel capture's map call that
    /// overlapped the one the crashing goroutine died in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_ns: Option<i64>,
    pub source: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Suspect {
    pub id: u64,
    pub state: String,
    pub site: Option<String>,
    /// Its `runtime.map*` frame shows the crashing goroutine's map header.
    pub same_map: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Crash {
    pub id: String,
    pub fingerprint: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub known: bool,
    pub source: String,
    pub scope: String,
    pub messages: Vec<String>,
    /// The crashing goroutine: the first one running with a stack.
    pub goroutine: Option<u64>,
    /// Every goroutine the dump shows running (two map checks can fire at once).
    pub reporters: Vec<u64>,
    pub stack: Vec<FrameOut>,
    pub site: Option<String>,
    pub func: Option<String>,
    pub map_address: Option<String>,
    pub goroutines_total: u64,
    pub states: BTreeMap<String, u64>,
    pub buckets: Vec<Bucket>,
    pub goroutines: Vec<GoroutineOut>,
    /// Goroutines not running that stand at the crash site, or inside a
    /// `runtime.map*` call on the same map: candidates for the other side
    /// that the dump itself shows.
    pub suspects: Vec<Suspect>,
    /// Accesses still open when the process died, by other goroutines, on
    /// the map the crashing goroutine had open: the side the runtime never names.
    pub other_side: Vec<OtherSide>,
    /// Static findings on the crash site (same line or function).
    #[serde(rename = "static", default, skip_serializing_if = "Vec::is_empty")]
    pub static_findings: Vec<super::static_join::StaticRef>,
}

/// `dir/file.go:line`: what stays the same across machines and checkouts.
pub fn short_site(site: &str) -> String {
    let parts: Vec<&str> = site.rsplitn(3, '/').collect();
    match parts.len() {
        3 => format!("{}/{}", parts[1], parts[0]),
        _ => site.to_string(),
    }
}

/// Deduplicated race sites and the number of race blocks.
pub fn races(an: &Analysis<'_>) -> (Vec<RaceSite>, u64) {
    (an.runtime.races.clone(), an.runtime.race_blocks)
}

/// Crashes (dumps with a fatal error, panic or signal message).
pub fn crashes(an: &Analysis<'_>) -> Vec<Crash> {
    an.runtime.dumps_where(true)
}

/// Goroutine dumps that are not crashes (no fatal error, panic or signal:
/// a `runtime.Stack` dump, often logged in a field): information, not
/// findings.
pub fn plain_dumps(an: &Analysis<'_>) -> Vec<Crash> {
    an.runtime.dumps_where(false)
}

/// Every dump, crash or not, for `racetrail dumps`.
pub fn all_dumps(an: &Analysis<'_>) -> Vec<Crash> {
    an.runtime.dumps.iter().map(|(_, c)| c.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_sites() {
        assert_eq!(short_site("/build/src/app/x/main.go:19"), "x/main.go:19");
        assert_eq!(short_site("main.go:19"), "main.go:19");
    }
}
