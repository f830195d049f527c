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
