//! The normalized event: one per access or lock record, fixed-size and
//! `Copy`, ordered by (time, input, line).

use crate::intern::Sym;

/// A map operation. Write-like ops are `Write`, `Delete` and `Clear`; a
/// `Range` is a read that iterates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Op {
    Read,
    Range,
    Write,
    Delete,
    Clear,
}

impl Op {
    pub fn is_write(self) -> bool {
        matches!(self, Op::Write | Op::Delete | Op::Clear)
    }

    pub fn name(self) -> &'static str {
        match self {
            Op::Read => "read",
            Op::Range => "range",
            Op::Write => "write",
            Op::Delete => "delete",
            Op::Clear => "clear",
        }
    }
}

/// What a record means for the replay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// Opens an access window at `time`.
    AccessBegin,
    /// Closes the innermost matching open window at `time`.
    AccessEnd,
    /// A whole window in one record: `time..aux` (a point when equal).
    AccessSpan,
    LockWait,
    /// `aux` is the wait's beginning when the record says how long it waited.
    LockAcquired,
    LockReleased,
    /// Names `object` (a map or lock) as `key` in its scope.
    Name,
    /// `go`/`fork`: the actor starts goroutine `object`.
    Fork,
    /// The actor waits for goroutine `object` to finish.
    Join,
}

/// Lock hold or wait mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Mode {
    Exclusive,
    Shared,
}

/// One access or lock record, 56 bytes. Strings are interned [`Sym`]s; times
/// are integer nanoseconds since the Unix epoch.
#[derive(Clone, Copy, Debug)]
pub struct Event {
    /// The record's time, or for an `AccessSpan` its window's start; the sort key.
    pub time: i64,
    /// `AccessSpan`: the window's end; `LockAcquired`: the wait's start, or
    /// `i64::MIN` when unknown.
    pub aux: i64,
    pub input: u32,
    /// 1-based line number in the input.
    pub line: u32,
    /// While parsing, the symbol of the joined process fields (`pid=12
    /// host=a`, 0 when none); after merging, the index into the scope table.
    pub scope: u32,
    pub actor: Sym,
    /// The map of an access or the lock of a lock event.
    pub object: Sym,
    pub trace: Sym,
    pub key: Sym,
    pub caller: Sym,
    /// Pairs a begin with its end when the log carries an access id.
    pub pair: Sym,
    pub kind: Kind,
    pub op: Op,
    pub mode: Mode,
    /// Index into the rate table of an access whose record logs the
    /// fraction of accesses kept (`sample_rate`); 0 when it logs none.
    pub rate: u8,
}

impl Event {
    /// The total order of the replay: time, then input, then line.
    pub fn order_key(&self) -> (i64, u32, u32) {
        (self.time, self.input, self.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_is_compact() {
        assert!(
            std::mem::size_of::<Event>() <= 56,
            "{}",
            std::mem::size_of::<Event>()
        );
    }
}
