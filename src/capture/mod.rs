//! Kernel capture: every map operation of an unmodified Go binary, seen by
//! uprobes on the runtime's map functions.
//!
//! ```text
//! racetrail probe BIN   binary ─► ELF symbols, build info, DWARF ─► disassembly ─► uprobe_events lines
//! racetrail record …    probes ─► tracefs ─► perf record ─► perf script ─► capture file ─► probes removed
//! racetrail scan CAP    capture lines ─► (formats::capture) access begin/end ─► windows ─► [`join`]
//! ```
//!
//! The runtime's map functions are never inlined into user code, so a probe
//! at a function's entry and one at each of its return instructions bracket
//! every map operation: the entry probe reads the map header address (an
//! argument register under the Go ≥ 1.17 register ABI) and both read the
//! goroutine id (r14 holds the current `g`; `runtime.g.goid`'s offset comes
//! from the binary's DWARF). Return probes (uretprobes) are never used: they
//! rewrite the return address on the stack, which Go's stack copying and
//! unwinding do not expect.
//!
//! A window runs from the entry probe's time to the return probe's: both are
//! taken inside the function, so two windows that overlap are two calls on
//! one map really in progress at once — which no lock allows. That is why
//! [`join`] gives kernel windows no lock protection.

pub mod binary;
pub mod join;
pub mod probe;
pub mod record;

use std::path::PathBuf;

use crate::event::Op;

/// Why a binary cannot be probed, or recording failed.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: cannot be probed: {why}")]
    Unsupported { path: PathBuf, why: String },
    #[error("{path}: no runtime map functions in this Go binary (it uses no maps)")]
    NoMapFunctions { path: PathBuf },
}

/// Where a map function finds the map header at its entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MapArg {
    /// `f(t *maptype, h *hmap, …)`: the second integer argument, RBX under
    /// the register ABI.
    Second,
    /// `f(it *iter)`: a member of the iterator struct RAX points to.
    Iter {
        ty: &'static str,
        member: &'static str,
    },
}

/// One runtime map function.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MapFunc {
    /// The symbol, e.g. `runtime.mapassign_faststr`.
    pub name: &'static str,
    pub op: Op,
    pub map: MapArg,
    /// Map functions it calls itself, so that a call of one of them inside a
    /// window of this one is not mistaken for a new operation.
    pub calls: &'static [&'static str],
}

impl MapFunc {
    /// The name without `runtime.`: probe event names are built from it.
    pub fn short(&self) -> &'static str {
        self.name.strip_prefix("runtime.").unwrap_or(self.name)
    }
}

const fn f(name: &'static str, op: Op) -> MapFunc {
    MapFunc {
        name,
        op,
        map: MapArg::Second,
        calls: &[],
    }
}

const HITER: MapArg = MapArg::Iter {
    ty: "runtime.hiter",
    member: "h",
};

/// Go 1.24's swiss-map iterator.
const SWISS_ITER: MapArg = MapArg::Iter {
    ty: "internal/runtime/maps.Iter",
    member: "m",
};

/// Every map function the compiler calls for a map operation, Go 1.17 to
/// 1.24 (swiss maps keep these names, pushed from `internal/runtime/maps`,
/// and add `mapIterStart`/`mapIterNext` for `range`). Each takes the map
/// type first and the map second, except the iterator steps.
pub const MAP_FUNCS: &[MapFunc] = &[
    f("runtime.mapaccess1", Op::Read),
    f("runtime.mapaccess2", Op::Read),
    f("runtime.mapaccess1_fast32", Op::Read),
    f("runtime.mapaccess2_fast32", Op::Read),
    f("runtime.mapaccess1_fast64", Op::Read),
    f("runtime.mapaccess2_fast64", Op::Read),
    f("runtime.mapaccess1_faststr", Op::Read),
    f("runtime.mapaccess2_faststr", Op::Read),
    MapFunc {
        calls: &["runtime.mapaccess1"],
        ..f("runtime.mapaccess1_fat", Op::Read)
    },
    MapFunc {
        calls: &["runtime.mapaccess2"],
        ..f("runtime.mapaccess2_fat", Op::Read)
    },
    f("runtime.mapassign", Op::Write),
    f("runtime.mapassign_fast32", Op::Write),
    f("runtime.mapassign_fast32ptr", Op::Write),
    f("runtime.mapassign_fast64", Op::Write),
    f("runtime.mapassign_fast64ptr", Op::Write),
    f("runtime.mapassign_faststr", Op::Write),
    f("runtime.mapdelete", Op::Delete),
    f("runtime.mapdelete_fast32", Op::Delete),
    f("runtime.mapdelete_fast64", Op::Delete),
    f("runtime.mapdelete_faststr", Op::Delete),
    MapFunc {
        calls: &["runtime.mapiternext"],
        ..f("runtime.mapiterinit", Op::Range)
    },
    MapFunc {
        map: HITER,
        ..f("runtime.mapiternext", Op::Range)
    },
    f("runtime.mapIterStart", Op::Range),
    MapFunc {
        map: SWISS_ITER,
        ..f("runtime.mapIterNext", Op::Range)
    },
    f("runtime.mapclear", Op::Clear),
];

/// The map function whose short name (`mapassign_faststr`) is `short`.
pub fn by_short_name(short: &str) -> Option<&'static MapFunc> {
    MAP_FUNCS.iter().find(|f| f.short() == short)
}

/// The map function named `name` (`runtime.mapassign_faststr`).
pub fn by_name(name: &[u8]) -> Option<&'static MapFunc> {
    MAP_FUNCS.iter().find(|f| f.name.as_bytes() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_unique_and_fit_a_tracefs_event_name() {
        for (i, a) in MAP_FUNCS.iter().enumerate() {
            assert!(MAP_FUNCS[i + 1..].iter().all(|b| a.short() != b.short()));
            // EVENT names are at most 64 bytes: `SHORT__ret` plus a number.
            assert!(a.short().len() + 10 < 64, "{}", a.name);
            for c in a.calls {
                assert!(by_name(c.as_bytes()).is_some(), "{c}");
            }
        }
        assert_eq!(
            by_short_name("mapassign_faststr").map(|f| f.op),
            Some(Op::Write)
        );
    }
}
