//! Lossy intervals: where a log sampler was dropping records.
//!
//! zap's sampler (the production default) counts records per level and
//! message in ticks: a tick starts with the first record after the previous
//! one ended and lasts `TICK`; in it the first `FIRST` records are logged,
//! then every `THEREAFTER`-th. The first record of a tick is always logged,
//! so the ticks can be rebuilt from the log itself. A tick whose
//! `FIRST`-th record is followed by a gap far longer than the records before
//! it (density collapsing, as it does when 99 of 100 are dropped) was
//! sampled from there to its end: that rest of the tick is a lossy interval
//! of its scope, and what overlaps it may have lost records.

use std::fmt;
use std::str::FromStr;

use rustc_hash::FxHashMap;

/// A per-message sampler: `FIRST/THEREAFTER/TICK`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sampler {
    pub first: u64,
    pub thereafter: u64,
    pub tick_ns: i64,
}

impl Sampler {
    /// `zap.NewProduction()`: 100 per second, then every 100th.
    pub const ZAP: Sampler = Sampler {
        first: 100,
        thereafter: 100,
        tick_ns: 1_000_000_000,
    };

    /// The gap after the `FIRST`-th record, in mean gaps before it, from
    /// which a tick counts as sampled. A quarter of the gap a sampler leaves
    /// (THEREAFTER mean gaps): a steady complete stream has a gap of 25 mean
    /// gaps about once in e^25 records.
    fn collapse(self) -> i64 {
        (self.thereafter as i64 / 4).max(2)
    }
}

impl FromStr for Sampler {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("expected FIRST/THEREAFTER/TICK (e.g. 100/100/1s) or none, got {s:?}");
        let mut parts = s.split('/');
        let (Some(f), Some(t), Some(tick), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad());
        };
        let first: u64 = f.parse().map_err(|_| bad())?;
        let thereafter: u64 = t.parse().map_err(|_| bad())?;
        let tick_ns = crate::formats::time::duration_value_ns(tick.as_bytes(), true, false)
            .filter(|&d| d > 0)
            .ok_or_else(bad)?;
        if first == 0 {
            return Err(format!("FIRST must be at least 1 in {s:?}"));
        }
        Ok(Sampler {
            first,
            thereafter,
            tick_ns,
        })
    }
}

impl fmt::Display for Sampler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}ns", self.first, self.thereafter, self.tick_ns)
    }
}

/// A run of record times, as kept until the end of the run: each the
/// difference from the one before, zigzagged into a LEB128 varint (records
/// of one message come microseconds apart, so most take two or three bytes
/// instead of eight).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PackedTimes {
    bytes: Vec<u8>,
    len: usize,
}

impl PackedTimes {
    pub fn pack(times: &[i64]) -> PackedTimes {
        let mut bytes = Vec::with_capacity(times.len() * 3);
        let mut last = 0i64;
        for &t in times {
            let d = t.wrapping_sub(last);
            last = t;
            let mut z = ((d << 1) ^ (d >> 63)) as u64;
            while z >= 0x80 {
                bytes.push(z as u8 | 0x80);
                z >>= 7;
            }
            bytes.push(z as u8);
        }
        bytes.shrink_to_fit();
        PackedTimes {
            bytes,
            len: times.len(),
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The times, in the order they were packed.
    pub fn iter(&self) -> impl Iterator<Item = i64> + '_ {
        let mut bytes = self.bytes.iter();
        let mut last = 0i64;
        std::iter::from_fn(move || {
            let (mut z, mut shift) = (0u64, 0u32);
            loop {
                let b = *bytes.next()?;
                z |= u64::from(b & 0x7f) << shift;
                if b & 0x80 == 0 {
                    break;
                }
                shift += 7;
            }
            last = last.wrapping_add((z >> 1) as i64 ^ -((z & 1) as i64));
            Some(last)
        })
    }
}

/// The lossy intervals of one message's record times given in order, in one
/// pass: what [`intervals`] finds in the slice of them. `None`, with nothing
/// appended, when a time is earlier than the one before it.
pub fn intervals_in_order(
    times: impl Iterator<Item = i64>,
    s: Sampler,
    out: &mut Vec<(i64, i64)>,
) -> Option<()> {
    let first = s.first.max(1);
    let mut found = Vec::new();
    // The open tick: its start and end, records so far, the time of its
    // FIRST-th record and of the one after.
    let mut tick: Option<(i64, i64, u64, i64, Option<i64>)> = None;
    let close = |tick: (i64, i64, u64, i64, Option<i64>), found: &mut Vec<(i64, i64)>| {
        let (start, end, n, at, next) = tick;
        if n >= first {
            let mean_gap = ((at - start) / (first as i64 - 1).max(1)).max(1);
            let gap = next.map_or(end - at, |t| t - at);
            if gap >= mean_gap.saturating_mul(s.collapse()) {
                found.push((at.saturating_add(1), end));
            }
        }
    };
    let mut prev = i64::MIN;
    for t in times {
        if t < prev {
            return None;
        }
        prev = t;
        match &mut tick {
            Some((_, end, n, at, next)) if t < *end => {
                *n += 1;
                if *n == first {
                    *at = t;
                } else if *n == first + 1 {
                    *next = Some(t);
                }
            }
            _ => {
                if let Some(done) = tick.take() {
                    close(done, &mut found);
                }
                tick = Some((t, t.saturating_add(s.tick_ns), 1, t, None));
            }
        }
    }
    if let Some(done) = tick {
        close(done, &mut found);
    }
    out.extend(found);
    Some(())
}

/// Appends the lossy intervals `[from, to)` of one message's record times
/// (sorted) to `out`.
pub fn intervals(times: &[i64], s: Sampler, out: &mut Vec<(i64, i64)>) {
    let first = s.first as usize;
    if times.len() < first {
        return;
    }
    let mut i = 0;
    while i < times.len() {
        let start = times[i];
        let end = start.saturating_add(s.tick_ns);
        let n = times[i..].partition_point(|&t| t < end);
        if n >= first {
            let at = times[i + first - 1];
            let mean_gap = ((at - start) / (first as i64 - 1).max(1)).max(1);
            let gap = if n > first {
                times[i + first] - at
            } else {
                end - at
            };
            if gap >= mean_gap.saturating_mul(s.collapse()) {
                out.push((at.saturating_add(1), end));
            }
        }
        i += n;
    }
}

/// Lossy intervals per scope, merged and sorted.
#[derive(Debug, Default)]
pub struct Lossy {
    by_scope: FxHashMap<u32, Vec<(i64, i64)>>,
}

impl Lossy {
    pub fn new(mut by_scope: FxHashMap<u32, Vec<(i64, i64)>>) -> Lossy {
        for v in by_scope.values_mut() {
            v.sort_unstable();
            let mut merged: Vec<(i64, i64)> = Vec::with_capacity(v.len());
            for &(a, b) in v.iter() {
                match merged.last_mut() {
                    Some(last) if a <= last.1 => last.1 = last.1.max(b),
                    _ => merged.push((a, b)),
                }
            }
            *v = merged;
        }
        by_scope.retain(|_, v| !v.is_empty());
        Lossy { by_scope }
    }

    pub fn is_empty(&self) -> bool {
        self.by_scope.is_empty()
    }

    /// Whether `[start, end]` of `scope` meets a lossy interval.
    pub fn overlaps(&self, scope: u32, start: i64, end: i64) -> bool {
        let Some(v) = self.by_scope.get(&scope) else {
            return false;
        };
        let i = v.partition_point(|&(_, b)| b <= start);
        v.get(i).is_some_and(|&(a, _)| a <= end)
    }
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        #[test]
        fn packed_times_unpack_to_what_was_packed(times in proptest::collection::vec(proptest::num::i64::ANY, 0..200)) {
            let p = PackedTimes::pack(&times);
            let back: Vec<i64> = p.iter().collect();
            proptest::prop_assert_eq!(p.len(), times.len());
            proptest::prop_assert_eq!(back, times);
        }

        /// The one-pass intervals equal the slice's, for sorted times at
        /// sampler-like densities, with FIRST of 1 to 5.
        #[test]
        fn one_pass_intervals_equal_the_slices(
            gaps in proptest::collection::vec(
                proptest::prop_oneof![0i64..5, 0i64..200, 150i64..4000],
                0..300,
            ),
            first in 1u64..6,
            thereafter in 1u64..12,
        ) {
            let s = Sampler { first, thereafter, tick_ns: 1000 };
            let mut times = Vec::new();
            let mut t = -500i64;
            for g in gaps {
                t += g;
                times.push(t);
            }
            let mut want = Vec::new();
            intervals(&times, s, &mut want);
            let mut got = Vec::new();
            proptest::prop_assert_eq!(intervals_in_order(times.iter().copied(), s, &mut got), Some(()));
            proptest::prop_assert_eq!(got, want);
        }

        #[test]
        fn one_pass_intervals_refuse_times_out_of_order(
            mut times in proptest::collection::vec(0i64..10_000, 2..100),
        ) {
            times.sort_unstable();
            times.reverse();
            proptest::prop_assume!(times[0] != times[times.len() - 1]);
            let mut got = vec![(1, 2)];
            proptest::prop_assert_eq!(intervals_in_order(times.into_iter(), Sampler::ZAP, &mut got), None);
            proptest::prop_assert_eq!(got, vec![(1, 2)]);
        }
    }

    #[test]
    fn close_times_pack_small() {
        let times: Vec<i64> = (0..1000)
            .map(|i| 1_795_699_453_893_107_310 + i * 3_517)
            .collect();
        let p = PackedTimes::pack(&times);
        // The first is a full varint, the rest two bytes each.
        assert!(p.bytes.len() <= 10 + 999 * 2, "{} bytes", p.bytes.len());
    }

    use super::*;

    fn run(times: &[i64]) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        intervals(times, Sampler::ZAP, &mut out);
        out
    }

    /// What zap's sampler keeps of `n` records `gap` apart from `t0`: a
    /// counter per tick, reset by the first record after the tick ends.
    fn sampled(t0: i64, n: u64, gap: i64) -> Vec<i64> {
        let (mut reset_at, mut count) = (i64::MIN, 0u64);
        let mut kept = Vec::new();
        for k in 0..n {
            let t = t0 + k as i64 * gap;
            if t >= reset_at {
                reset_at = t + 1_000_000_000;
                count = 0;
            }
            count += 1;
            if count <= 100 || (count - 100) % 100 == 0 {
                kept.push(t);
            }
        }
        kept
    }

    #[test]
    fn a_steady_complete_stream_is_not_lossy() {
        let t: Vec<i64> = (0..5000).map(|k| k * 1_000_000).collect();
        assert!(run(&t).is_empty());
    }

    #[test]
    fn a_sampled_stream_is_lossy_after_its_100th_record_of_each_tick() {
        // 500 records a second for three seconds, sampled.
        let t = sampled(0, 1500, 2_000_000);
        let v = run(&t);
        assert_eq!(v.len(), 3, "{v:?}");
        assert_eq!(v[0], (99 * 2_000_000 + 1, 1_000_000_000));
    }

    #[test]
    fn fewer_than_first_per_tick_is_never_lossy() {
        let t: Vec<i64> = (0..99).map(|k| k * 1_000).collect();
        assert!(run(&t).is_empty());
    }

    #[test]
    fn overlap_queries() {
        let mut m = FxHashMap::default();
        m.insert(0, vec![(10, 20), (15, 30), (50, 60)]);
        let l = Lossy::new(m);
        assert!(l.overlaps(0, 25, 25));
        assert!(!l.overlaps(0, 30, 49));
        assert!(l.overlaps(0, 0, 10));
        assert!(!l.overlaps(0, 0, 9));
        assert!(!l.overlaps(1, 0, 100));
    }

    #[test]
    fn sampler_syntax() {
        assert_eq!("100/100/1s".parse::<Sampler>(), Ok(Sampler::ZAP));
        assert!("100/100".parse::<Sampler>().is_err());
        assert!("0/1/1s".parse::<Sampler>().is_err());
    }
}
