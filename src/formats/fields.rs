//! The access-log field convention: which record field carries which concept.
//!
//! Each concept has field names in priority order (the first the record has
//! wins); `--field CONCEPT=NAME` replaces a concept's list. Lookup is by key
//! length, then one integer comparison per name of that length (keys of up
//! to 16 bytes are packed into a `u128`), so the hot path never hashes a key.

use std::fmt;
use std::str::FromStr;

/// A concept of the convention (docs/design.md, "The access-log convention").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Concept {
    /// Integer nanoseconds; wins over `Time`.
    TimeNs,
    Time,
    Actor,
    Trace,
    Object,
    Op,
    Phase,
    Pair,
    Start,
    Duration,
    Key,
    Lock,
    Mode,
    Waited,
    Caller,
    Msg,
    Child,
    /// A record naming an object or lock (`map registered`, `name=carts`).
    Name,
    /// A goroutine dump logged in a field.
    Stack,
    /// The record's level: with the message, what a log sampler counts.
    Level,
    /// The fraction of accesses the producer kept (access-level sampling).
    SampleRate,
    Scope,
}

pub const N_CONCEPTS: usize = Concept::Scope as usize + 1;
/// At most this many process fields make up a scope.
pub const MAX_SCOPE_FIELDS: usize = 8;

impl Concept {
    pub const ALL: [Concept; N_CONCEPTS] = [
        Concept::TimeNs,
        Concept::Time,
        Concept::Actor,
        Concept::Trace,
        Concept::Object,
        Concept::Op,
        Concept::Phase,
        Concept::Pair,
        Concept::Start,
        Concept::Duration,
        Concept::Key,
        Concept::Lock,
        Concept::Mode,
        Concept::Waited,
        Concept::Caller,
        Concept::Msg,
        Concept::Child,
        Concept::Name,
        Concept::Stack,
        Concept::Level,
        Concept::SampleRate,
        Concept::Scope,
    ];

    /// The name used by `--field` (the ns-time concept has none of its own).
    pub fn name(self) -> &'static str {
        match self {
            Concept::TimeNs => "time_ns",
            Concept::Time => "time",
            Concept::Actor => "actor",
            Concept::Trace => "trace",
            Concept::Object => "object",
            Concept::Op => "op",
            Concept::Phase => "phase",
            Concept::Pair => "pair",
            Concept::Start => "start",
            Concept::Duration => "duration",
            Concept::Key => "key",
            Concept::Lock => "lock",
            Concept::Mode => "mode",
            Concept::Waited => "waited",
            Concept::Caller => "caller",
            Concept::Msg => "msg",
            Concept::Child => "child",
            Concept::Name => "name",
            Concept::Stack => "stack",
            Concept::Level => "level",
            Concept::SampleRate => "sample_rate",
            Concept::Scope => "scope",
        }
    }

    pub fn defaults(self) -> &'static [&'static str] {
        match self {
            Concept::TimeNs => &["ts_ns", "t_ns", "time_ns"],
            Concept::Time => &["ts", "time", "timestamp", "@timestamp", "T"],
            Concept::Actor => &[
                "goroutine",
                "goid",
                "gid",
                "goroutine_id",
                "tid",
                "thread",
                "thread_id",
            ],
            Concept::Trace => &["trace_id", "traceID", "traceId", "trace"],
            Concept::Object => &["map", "map_id", "map_addr", "map_hash", "object", "obj"],
            Concept::Op => &["op", "access", "access_mode", "action"],
            Concept::Phase => &["phase"],
            Concept::Pair => &["acc_id", "access_id", "span_id", "seq"],
            Concept::Start => &["start_ns", "begin_ns"],
            Concept::Duration => &["dur_ns", "duration_ns", "elapsed_ns", "duration", "elapsed"],
            Concept::Key => &["key", "map_key"],
            Concept::Lock => &["lock", "lock_id", "mutex"],
            Concept::Mode => &["mode"],
            Concept::Waited => &["waited_ns", "wait_ns"],
            Concept::Caller => &["caller", "C", "source"],
            Concept::Msg => &["msg", "message", "M"],
            Concept::Child => &["child", "child_goid", "child_goroutine"],
            Concept::Name => &["name"],
            Concept::Stack => &["stack", "stacktrace", "goroutines"],
            Concept::Level => &["level", "L", "lvl", "severity"],
            Concept::SampleRate => &["sample_rate"],
            Concept::Scope => &["pid", "host", "hostname", "pod", "instance"],
        }
    }
}

impl FromStr for Concept {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Concept::ALL
            .into_iter()
            .find(|c| *c != Concept::TimeNs && c.name() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Concept::ALL[1..].iter().map(|c| c.name()).collect();
                format!("unknown concept {s:?} (one of: {})", names.join(", "))
            })
    }
}

/// `--field CONCEPT=NAME`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldOverride {
    pub concept: Concept,
    pub name: String,
}

impl FromStr for FieldOverride {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let (concept, name) = s
            .split_once('=')
            .ok_or_else(|| format!("expected CONCEPT=NAME, got {s:?}"))?;
        if name.is_empty() {
            return Err(format!("empty field name in {s:?}"));
        }
        Ok(FieldOverride {
            concept: concept.parse()?,
            name: name.to_string(),
        })
    }
}

impl fmt::Display for FieldOverride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.concept.name(), self.name)
    }
}

/// What a key means: its concept and its rank in that concept's list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldMeaning {
    pub concept: Concept,
    pub rank: u8,
    /// The name ends in `_ns`: an integer of nanoseconds.
    pub ns: bool,
}

/// Key → meaning.
#[derive(Clone, Debug)]
pub struct FieldTable {
    /// Keys of at most 16 bytes, [`pack`]ed, in an open-addressed table a
    /// quarter full: a lookup is a multiply, a load and one `u128` compare.
    slots: Vec<Slot>,
    /// Longer keys, compared as bytes.
    long: Vec<(Box<[u8]>, FieldMeaning)>,
    /// Scope field names, in the order their values are joined.
    pub scope_names: Vec<String>,
}

/// A packed key, its length and its meaning (`None`: a free slot).
#[derive(Clone, Copy, Debug, Default)]
struct Slot {
    key: u128,
    len: u8,
    meaning: Option<FieldMeaning>,
}

/// The first slot to probe for a packed key.
#[inline(always)]
fn home(packed: u128, len: usize, mask: usize) -> usize {
    let mixed = (packed as u64) ^ ((packed >> 64) as u64).rotate_left(29) ^ len as u64;
    (mixed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 40) as usize & mask
}

/// A key of at most 16 bytes as a little-endian integer, zero-padded.
#[inline]
pub fn pack(key: &[u8]) -> Option<u128> {
    if key.len() > 16 {
        return None;
    }
    let mut buf = [0u8; 16];
    buf[..key.len()].copy_from_slice(key);
    Some(u128::from_le_bytes(buf))
}

/// [`pack`] of `line[start..start + len]`, reading 16 bytes at once when the
/// line has them.
#[inline(always)]
pub fn pack_at(line: &[u8], start: usize, len: usize) -> Option<u128> {
    if len > 16 {
        return None;
    }
    match line.get(start..start + 16) {
        Some(w) => {
            let w = u128::from_le_bytes(w.try_into().expect("16 bytes"));
            Some(if len == 16 {
                w
            } else {
                w & ((1u128 << (8 * len)) - 1)
            })
        }
        None => pack(&line[start..start + len]),
    }
}

impl Default for FieldTable {
    fn default() -> Self {
        FieldTable::new(&[])
    }
}

impl FieldTable {
    pub fn new(overrides: &[FieldOverride]) -> Self {
        let mut lists: Vec<Vec<String>> = Concept::ALL
            .iter()
            .map(|c| c.defaults().iter().map(|s| s.to_string()).collect())
            .collect();
        let mut replaced = [false; N_CONCEPTS];
        for o in overrides {
            let i = o.concept as usize;
            if !replaced[i] {
                lists[i].clear();
                replaced[i] = true;
                if o.concept == Concept::Time {
                    // Naming the time field means "use this one".
                    lists[Concept::TimeNs as usize].clear();
                }
            }
            lists[i].push(o.name.clone());
        }
        lists[Concept::Scope as usize].truncate(MAX_SCOPE_FIELDS);
        let names: Vec<(&str, FieldMeaning)> = lists
            .iter()
            .enumerate()
            .flat_map(|(ci, names)| {
                names.iter().enumerate().map(move |(rank, name)| {
                    let meaning = FieldMeaning {
                        concept: Concept::ALL[ci],
                        rank: rank as u8,
                        ns: name.ends_with("_ns"),
                    };
                    (name.as_str(), meaning)
                })
            })
            .collect();
        let size = (names.len() * 4).next_power_of_two().max(64);
        let mut table = FieldTable {
            slots: vec![Slot::default(); size],
            long: Vec::new(),
            scope_names: lists[Concept::Scope as usize].clone(),
        };
        for (name, meaning) in names {
            // A name claimed twice keeps its first meaning.
            if table.lookup(name.as_bytes()).is_some() {
                continue;
            }
            let bytes = name.as_bytes();
            let Some(key) = pack(bytes) else {
                table.long.push((bytes.into(), meaning));
                continue;
            };
            let mask = table.slots.len() - 1;
            let mut i = home(key, bytes.len(), mask);
            while table.slots[i].meaning.is_some() {
                i = (i + 1) & mask;
            }
            table.slots[i] = Slot {
                key,
                len: bytes.len() as u8,
                meaning: Some(meaning),
            };
        }
        table
    }

    #[inline]
    pub fn lookup(&self, key: &[u8]) -> Option<FieldMeaning> {
        match pack(key) {
            Some(p) => self.lookup_packed(key.len(), p),
            None => self.lookup_long(key),
        }
    }

    /// The meaning of a key of `len` ≤ 16 bytes given [`pack`]ed.
    #[inline(always)]
    pub fn lookup_packed(&self, len: usize, packed: u128) -> Option<FieldMeaning> {
        let mask = self.slots.len() - 1;
        let mut i = home(packed, len, mask);
        loop {
            let s = &self.slots[i];
            if s.meaning.is_none() || (s.key == packed && usize::from(s.len) == len) {
                return s.meaning;
            }
            i = (i + 1) & mask;
        }
    }

    /// The meaning of a key longer than 16 bytes.
    #[cold]
    pub fn lookup_long(&self, key: &[u8]) -> Option<FieldMeaning> {
        self.long.iter().find(|(k, _)| &**k == key).map(|(_, m)| *m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_rank_in_order() {
        let t = FieldTable::default();
        let m = t.lookup(b"map").unwrap();
        assert_eq!((m.concept, m.rank), (Concept::Object, 0));
        let m = t.lookup(b"map_id").unwrap();
        assert_eq!((m.concept, m.rank), (Concept::Object, 1));
        assert!(t.lookup(b"dur_ns").unwrap().ns);
        assert!(!t.lookup(b"duration").unwrap().ns);
        assert_eq!(t.lookup(b"nope"), None);
    }

    #[test]
    fn every_name_finds_its_first_meaning_and_no_other_key_finds_one() {
        let t = FieldTable::default();
        let mut claimed: Vec<&str> = Vec::new();
        for c in Concept::ALL {
            for (rank, name) in c.defaults().iter().enumerate() {
                let m = t.lookup(name.as_bytes()).expect(name);
                if !claimed.contains(name) {
                    assert_eq!((m.concept, m.rank as usize), (c, rank), "{name}");
                }
                claimed.push(name);
            }
        }
        for other in [
            "",
            "t",
            "tss",
            "ts_n",
            "goroutines_",
            "a_field_name_longer_than_16",
        ] {
            assert_eq!(t.lookup(other.as_bytes()), None, "{other:?}");
        }
        let many: Vec<FieldOverride> = (0..200)
            .map(|i| format!("key=a_rather_long_key_name_{i}").parse().unwrap())
            .chain((0..100).map(|i| format!("actor=g{i}").parse().unwrap()))
            .collect();
        let t = FieldTable::new(&many);
        assert_eq!(t.lookup(b"a_rather_long_key_name_199").unwrap().rank, 199);
        assert_eq!(t.lookup(b"g99").unwrap().concept, Concept::Actor);
        assert_eq!(t.lookup(b"goroutine"), None);
    }

    #[test]
    fn override_replaces_list() {
        let o: FieldOverride = "actor=worker".parse().unwrap();
        let t = FieldTable::new(&[o]);
        assert_eq!(t.lookup(b"worker").unwrap().concept, Concept::Actor);
        assert_eq!(t.lookup(b"goroutine"), None);
        assert!("nonsense=x".parse::<FieldOverride>().is_err());
        assert!("actor".parse::<FieldOverride>().is_err());
    }
}
