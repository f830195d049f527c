//! Reading reports back (`racetrail merge`, `--baseline`): the report types
//! derive `Deserialize` next to `Serialize`, so a report is read through the
//! same typed structs it was written from. Names the report writes from
//! fixed sets — ops, kinds, formats, the schema — are `&'static str` in the
//! model; these functions read them back as the same static names and
//! reject anything else, naming what they expected.

use std::path::Path;

use serde::de::{Deserialize, Deserializer, Error};

use super::{Report, SCHEMA};

/// A name from a fixed set (an op, a kind, …): `&'static str`, spelled as an
/// alias so that serde's derive does not borrow it from the input (it would
/// for a literal `&str` field, whatever `deserialize_with` says); the
/// functions below give back the static name.
pub type Name = &'static str;

const OPS: [&str; 6] = ["read", "range", "write", "delete", "clear", "?"];
const KINDS: [&str; 3] = ["write/write", "read/write", "range/write"];
const FORMATS: [&str; 15] = [
    "docker",
    "cri",
    "kubectl",
    "std",
    "sarif",
    "go-vet-json",
    "staticcheck-json",
    "capture",
    "perf",
    "json",
    "console",
    "logfmt",
    "klog",
    "go-race",
    "go-dump",
];
const COMPRESSIONS: [&str; 2] = ["gzip", "zstd"];
const MATCHES: [&str; 2] = ["line", "function"];

/// The static name equal to `s`, or an error listing the names expected.
fn pick<E: Error>(s: &str, names: &[Name], what: &str) -> Result<Name, E> {
    names.iter().find(|n| **n == s).copied().ok_or_else(|| {
        E::custom(format!(
            "unknown {what} {s:?} (expected one of: {})",
            names.join(", ")
        ))
    })
}

pub(crate) fn op<'de, D: Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
    pick(&String::deserialize(d)?, &OPS, "op")
}

pub(crate) fn opt_op<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Name>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| pick(&s, &OPS, "op"))
        .transpose()
}

pub(crate) fn kind<'de, D: Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
    pick(&String::deserialize(d)?, &KINDS, "kind")
}

pub(crate) fn by<'de, D: Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
    pick(&String::deserialize(d)?, &MATCHES, "match")
}

pub(crate) fn formats<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Name>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|s| pick(s, &FORMATS, "format"))
        .collect()
}

pub(crate) fn opt_compression<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Name>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| pick(&s, &COMPRESSIONS, "compression"))
        .transpose()
}

/// The schema, which must be this racetrail's.
pub(crate) fn schema<'de, D: Deserializer<'de>>(d: D) -> Result<Name, D::Error> {
    let s = String::deserialize(d)?;
    if s == SCHEMA {
        Ok(SCHEMA)
    } else {
        Err(D::Error::custom(format!("schema {s:?} is not {SCHEMA}")))
    }
}

/// A `racetrail.report/v1` JSON document, read whole: a document that is not
/// one — a wrong type, a missing field, a truncated file — is an error that
/// names the file, the field's path and the line and column, never a panic.
pub fn read_report(path: &Path, text: &str) -> anyhow::Result<Report> {
    let mut de = serde_json::Deserializer::from_str(text);
    let report: Report = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner();
        let at = if field == "." {
            String::new()
        } else {
            format!(" at `{field}`")
        };
        anyhow::anyhow!(
            "{}: not a well-formed {SCHEMA} report{at}: {inner}",
            path.display()
        )
    })?;
    de.end()
        .map_err(|e| anyhow::anyhow!("{}: {e} after the report", path.display()))?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::Formats;

    #[test]
    fn every_format_name_reads_back() {
        let mut all = Formats::default();
        for f in [
            Formats::JSON,
            Formats::GO_RACE,
            Formats::GO_DUMP,
            Formats::CONSOLE,
            Formats::LOGFMT,
            Formats::KLOG,
            Formats::DOCKER,
            Formats::CRI,
            Formats::KUBECTL,
            Formats::STD,
            Formats::SARIF,
            Formats::GO_VET,
            Formats::STATICCHECK,
            Formats::CAPTURE,
            Formats::PERF,
        ] {
            all.insert(f);
        }
        let mut names = all.names();
        names.sort_unstable();
        let mut known = FORMATS.to_vec();
        known.sort_unstable();
        assert_eq!(names, known);
    }

    #[test]
    fn every_op_and_kind_reads_back() {
        use crate::event::Op;
        for op in [Op::Read, Op::Range, Op::Write, Op::Delete, Op::Clear] {
            assert!(OPS.contains(&op.name()));
            for other in [Op::Write, Op::Delete, Op::Clear] {
                let k = crate::replay::conflicts::ConflictKind::of(op, other).name();
                assert!(KINDS.contains(&k), "{k}");
            }
        }
    }
}
