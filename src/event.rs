//! The normalized event: one per access or lock record, fixed-size and
//! `Copy`, ordered by (time, input, line).

use crate::intern::Sym;

/// A numeric pairing id (`acc_id: 1234`) kept as its value with this bit
/// set instead of being interned: a log has one per access, and the
/// interner would keep every one of them for the whole run. Interned
/// symbols never reach 2^31.
pub const NUMERIC_PAIR: u32 = 1 << 31;

/// The pairing symbol of a canonical decimal id below 2^31, if `text` is one.
pub fn numeric_pair(text: &[u8]) -> Option<Sym> {
    if text.is_empty() || text.len() > 10 || (text.len() > 1 && text[0] == b'0') {
        return None;
    }
    let mut n: u64 = 0;
    for &c in text {
        if !c.is_ascii_digit() {
            return None;
        }
        n = n * 10 + u64::from(c - b'0');
    }
    (n < u64::from(NUMERIC_PAIR)).then_some(Sym(NUMERIC_PAIR | n as u32))
}

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
    fn numeric_pairs_are_canonical_decimals() {
        assert_eq!(numeric_pair(b"1234"), Some(Sym(NUMERIC_PAIR | 1234)));
        assert_eq!(numeric_pair(b"0"), Some(Sym(NUMERIC_PAIR)));
        assert_eq!(numeric_pair(b"007"), None, "would alias 7");
        assert_eq!(numeric_pair(b"2147483648"), None);
        assert_eq!(numeric_pair(b"12a"), None);
        assert_eq!(numeric_pair(b""), None);
    }

    #[test]
    fn event_is_compact() {
        assert!(
            std::mem::size_of::<Event>() <= 56,
            "{}",
            std::mem::size_of::<Event>()
        );
    }
}
