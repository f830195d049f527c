//! The conflict sweep against a brute force written from docs/design.md's
//! definition: every pair of accesses is checked directly, and lock
//! protection is computed from the holds (not from the library's lock sets).

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use racetrail::event::{Mode, Op};
use racetrail::intern::Sym;
use racetrail::replay::conflicts::{self, ConflictKind, Conflicts, SweepOptions};
use racetrail::replay::locksets;
use racetrail::replay::windows::{Access, Hold, OPEN};

// ---------------------------------------------------------------- reference

fn write_like(op: Op) -> bool {
    matches!(op, Op::Write | Op::Delete | Op::Clear)
}

/// `h` is a hold of `a`'s own actor in `a`'s scope that contains `a`'s window.
fn inside(a: &Access, h: &Hold) -> bool {
    h.actor == a.actor && h.scope == a.scope && h.start <= a.start && a.end <= h.end
}

/// Both inside holds of one common lock, at least one of the two holds exclusive.
fn protected(a: &Access, b: &Access, holds: &[Hold]) -> bool {
    holds.iter().filter(|h| inside(a, h)).any(|ha| {
        holds.iter().filter(|h| inside(b, h)).any(|hb| {
            ha.lock == hb.lock && (ha.mode == Mode::Exclusive || hb.mode == Mode::Exclusive)
        })
    })
}

fn overlap(a: &Access, b: &Access, slack: i64) -> bool {
    a.start < b.end.saturating_add(slack) && b.start < a.end.saturating_add(slack)
}

fn conflict(a: &Access, b: &Access, holds: &[Hold], slack: i64) -> bool {
    a.scope == b.scope
        && a.object == b.object
        && a.actor != b.actor
        && (write_like(a.op) || write_like(b.op))
        && overlap(a, b, slack)
        && !protected(a, b, holds)
}

fn kind_of(a: Op, b: Op) -> ConflictKind {
    if write_like(a) && write_like(b) {
        ConflictKind::WriteWrite
    } else if a == Op::Range || b == Op::Range {
        ConflictKind::RangeWrite
    } else {
        ConflictKind::ReadWrite
    }
}

type SiteSide = (Op, Sym);
/// (scope, object, the two sides in order, unconfirmed: a side is uncertain)
type SiteKey = (u32, Sym, [SiteSide; 2], bool);

fn site_key(a: &Access, b: &Access) -> SiteKey {
    let (x, y) = ((a.op, a.caller), (b.op, b.caller));
    let sides = if x <= y { [x, y] } else { [y, x] };
    (a.scope, a.object, sides, a.uncertain || b.uncertain)
}

/// The pair's sampling rates in the order of its sides (lower rate first
/// when both sides are one site).
fn rates_of(a: &Access, b: &Access) -> (u8, u8) {
    let (x, y) = ((a.op, a.caller), (b.op, b.caller));
    if x < y || (x == y && a.rate <= b.rate) {
        (a.rate, b.rate)
    } else {
        (b.rate, a.rate)
    }
}

#[derive(Debug, Default, PartialEq, Eq)]
struct SiteRef {
    pairs: u64,
    /// Pairs per pair of rates, when a side has one.
    rated: BTreeMap<(u8, u8), u64>,
    /// Windows (indices) that take part in at least one pair of the site.
    windows: BTreeSet<usize>,
}

#[derive(Debug, Default, PartialEq, Eq)]
struct ActorRef {
    pairs: u64,
    ops: BTreeSet<Op>,
    traces: BTreeSet<Sym>,
}

#[derive(Debug, Default)]
struct Reference {
    sites: BTreeMap<SiteKey, SiteRef>,
    actors: BTreeMap<(u32, Sym, Sym), ActorRef>,
}

/// Every pair, checked one by one.
fn brute_force(acc: &[Access], holds: &[Hold], slack: i64) -> Reference {
    let mut r = Reference::default();
    for i in 0..acc.len() {
        for j in i + 1..acc.len() {
            let (a, b) = (&acc[i], &acc[j]);
            if !conflict(a, b, holds, slack) {
                continue;
            }
            let key = site_key(a, b);
            let s = r.sites.entry(key).or_default();
            s.pairs += 1;
            s.windows.insert(i);
            s.windows.insert(j);
            if a.rate != 0 || b.rate != 0 {
                *s.rated.entry(rates_of(a, b)).or_default() += 1;
            }
            if key.3 {
                continue; // unconfirmed pairs make no actor figures
            }
            for w in [a, b] {
                let st = r.actors.entry((w.scope, w.object, w.actor)).or_default();
                st.pairs += 1;
                st.ops.insert(w.op);
                if !w.trace.is_none() {
                    st.traces.insert(w.trace);
                }
            }
        }
    }
    r
}

// ---------------------------------------------------------------- comparison

fn sweep(acc: &mut [Access], holds: &[Hold], slack: i64, examples: usize) -> Conflicts {
    let sets = locksets::assign(acc, holds);
    conflicts::find(acc, &sets, SweepOptions { slack, examples })
}

/// Compares the sweep with the brute force; `Err` describes the first difference.
fn compare(
    acc: &[Access],
    holds: &[Hold],
    slack: i64,
    examples: usize,
    got: &Conflicts,
) -> Result<(), String> {
    let want = brute_force(acc, holds, slack);
    let mut seen = BTreeSet::new();
    for s in &got.sites {
        let key = (s.scope, s.object, s.sides, s.unconfirmed);
        if !seen.insert(key) {
            return Err(format!("site {key:?} reported twice"));
        }
        let Some(w) = want.sites.get(&key) else {
            return Err(format!("site {key:?} ({} pairs) has no pair", s.pairs));
        };
        if s.pairs != w.pairs {
            return Err(format!("site {key:?}: {} pairs, want {}", s.pairs, w.pairs));
        }
        let rated: BTreeMap<(u8, u8), u64> = s.rated.iter().copied().collect();
        if rated != w.rated {
            return Err(format!("site {key:?}: rated {rated:?}, want {:?}", w.rated));
        }
        let kind = kind_of(key.2[0].0, key.2[1].0);
        if s.kind != kind {
            return Err(format!("site {key:?}: kind {:?}, want {kind:?}", s.kind));
        }
        let actors: BTreeSet<Sym> = w.windows.iter().map(|&i| acc[i].actor).collect();
        let got_actors: BTreeSet<Sym> = s.actors.iter().copied().collect();
        if got_actors != actors {
            return Err(format!(
                "site {key:?}: actors {got_actors:?}, want {actors:?}"
            ));
        }
        let traces: BTreeSet<Sym> = w
            .windows
            .iter()
            .map(|&i| acc[i].trace)
            .filter(|t| !t.is_none())
            .collect();
        let got_traces: BTreeSet<Sym> = s.traces.iter().copied().collect();
        if got_traces != traces {
            return Err(format!(
                "site {key:?}: traces {got_traces:?}, want {traces:?}"
            ));
        }
        let first = w.windows.iter().map(|&i| acc[i].start).min().unwrap();
        let last = w.windows.iter().map(|&i| acc[i].start).max().unwrap();
        if (s.first, s.last) != (first, last) {
            return Err(format!(
                "site {key:?}: first/last {:?}, want {:?}",
                (s.first, s.last),
                (first, last)
            ));
        }
        let n = (examples as u64).min(w.pairs) as usize;
        if s.examples.len() != n {
            return Err(format!(
                "site {key:?}: {} examples, want {n}",
                s.examples.len()
            ));
        }
        let mut pairs = BTreeSet::new();
        for &(x, y) in &s.examples {
            let (a, b) = (&acc[x as usize], &acc[y as usize]);
            if x == y || !pairs.insert((x.min(y), x.max(y))) {
                return Err(format!("site {key:?}: example ({x}, {y}) repeated"));
            }
            if !conflict(a, b, holds, slack) {
                return Err(format!(
                    "site {key:?}: example ({x}, {y}) does not conflict"
                ));
            }
            if site_key(a, b) != key {
                return Err(format!(
                    "site {key:?}: example ({x}, {y}) is of another site"
                ));
            }
            if a.start > b.start {
                return Err(format!(
                    "site {key:?}: example ({x}, {y}) not earlier first"
                ));
            }
        }
    }
    if seen.len() != want.sites.len() {
        let missing: Vec<_> = want.sites.keys().filter(|k| !seen.contains(k)).collect();
        return Err(format!("sites missing from the sweep: {missing:?}"));
    }

    let mut seen = BTreeSet::new();
    for st in &got.actors {
        let key = (st.scope, st.object, st.actor);
        if !seen.insert(key) {
            return Err(format!("actor {key:?} reported twice"));
        }
        let Some(w) = want.actors.get(&key) else {
            return Err(format!("actor {key:?} ({} pairs) has no pair", st.pairs));
        };
        if st.pairs != w.pairs {
            return Err(format!(
                "actor {key:?}: {} pairs, want {}",
                st.pairs, w.pairs
            ));
        }
        if st.ops != w.ops {
            return Err(format!("actor {key:?}: ops {:?}, want {:?}", st.ops, w.ops));
        }
        let traces: BTreeSet<Sym> = st.traces.iter().copied().collect();
        if traces != w.traces {
            return Err(format!(
                "actor {key:?}: traces {traces:?}, want {:?}",
                w.traces
            ));
        }
    }
    if seen.len() != want.actors.len() {
        return Err(format!(
            "{} actors with pairs, want {}",
            seen.len(),
            want.actors.len()
        ));
    }
    let total: u64 = want
        .sites
        .iter()
        .filter(|(k, _)| !k.3)
        .map(|(_, s)| s.pairs)
        .sum();
    if got.total_pairs() != total {
        return Err(format!("total {} pairs, want {total}", got.total_pairs()));
    }
    Ok(())
}

// ---------------------------------------------------------------- generators

const OPS: [Op; 5] = [Op::Read, Op::Range, Op::Write, Op::Delete, Op::Clear];

prop_compose! {
    fn access()(
        scope in 0u32..2,
        object in 1u32..=2,
        actor in 1u32..=4,
        trace in 0u32..=3,
        caller in 1u32..=3,
        op in 0usize..OPS.len(),
        start in 0i64..24,
        // Mostly short windows (zero-length points common), some open.
        len in prop_oneof![8 => (0i64..6).prop_map(Some), 1 => Just(None)],
        // Some windows rest on incomplete evidence; some logs sample.
        uncertain in prop_oneof![4 => Just(false), 1 => Just(true)],
        rate in prop_oneof![3 => Just(0u8), 1 => 1u8..=2],
    ) -> Access {
        Access {
            start,
            end: len.map_or(OPEN, |l| start + l),
            scope,
            object: Sym(object),
            actor: Sym(10 + actor),
            trace: if trace == 0 { Sym::NONE } else { Sym(20 + trace) },
            key: Sym::NONE,
            caller: Sym(30 + caller),
            input: 0,
            line: 0,
            end_input: 0,
            end_line: 0,
            op: OPS[op],
            rate,
            uncertain,
            lockset: 0,
        }
    }
}

prop_compose! {
    fn hold()(
        scope in 0u32..2,
        actor in 1u32..=4,
        lock in 1u32..=2,
        shared in any::<bool>(),
        start in 0i64..24,
        len in prop_oneof![6 => (0i64..14).prop_map(Some), 1 => Just(None)],
    ) -> Hold {
        Hold {
            start,
            end: len.map_or(OPEN, |l| start + l),
            scope,
            actor: Sym(10 + actor),
            trace: Sym::NONE,
            lock: Sym(40 + lock),
            mode: if shared { Mode::Shared } else { Mode::Exclusive },
            input: 0,
            line: 0,
            uncertain: false,
        }
    }
}

/// Distinct lines, as records have in a real input.
fn number(mut acc: Vec<Access>, mut holds: Vec<Hold>) -> (Vec<Access>, Vec<Hold>) {
    for (i, a) in acc.iter_mut().enumerate() {
        a.line = i as u32 + 1;
        if !a.is_open() {
            a.end_line = i as u32 + 1000;
        }
    }
    for (i, h) in holds.iter_mut().enumerate() {
        h.line = i as u32 + 2000;
    }
    (acc, holds)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sweep_matches_brute_force(
        acc in prop::collection::vec(access(), 0..40),
        holds in prop::collection::vec(hold(), 0..12),
        slack in 0i64..3,
        examples in 0usize..4,
    ) {
        let (mut acc, holds) = number(acc, holds);
        let got = sweep(&mut acc, &holds, slack, examples);
        if let Err(e) = compare(&acc, &holds, slack, examples, &got) {
            prop_assert!(false, "{e}\naccesses: {acc:#?}\nholds: {holds:#?}");
        }
    }

    /// One scope, one object, long windows: dense overlaps, every lock mode mix.
    #[test]
    fn dense_single_map_matches_brute_force(
        acc in prop::collection::vec(access().prop_map(|mut a| {
            a.scope = 0;
            a.object = Sym(1);
            a
        }), 0..30),
        holds in prop::collection::vec(hold().prop_map(|mut h| {
            h.scope = 0;
            h
        }), 0..16),
        slack in 0i64..3,
    ) {
        let (mut acc, holds) = number(acc, holds);
        let got = sweep(&mut acc, &holds, slack, 2);
        if let Err(e) = compare(&acc, &holds, slack, 2, &got) {
            prop_assert!(false, "{e}\naccesses: {acc:#?}\nholds: {holds:#?}");
        }
    }

    /// The lock set the library assigns is the set of locks whose holds
    /// contain the access, exclusive when any such hold is.
    #[test]
    fn locksets_are_the_containing_holds(
        acc in prop::collection::vec(access(), 0..30),
        holds in prop::collection::vec(hold(), 0..12),
    ) {
        let (mut acc, holds) = number(acc, holds);
        let sets = locksets::assign(&mut acc, &holds);
        for a in &acc {
            let mut want: BTreeMap<Sym, Mode> = BTreeMap::new();
            for h in holds.iter().filter(|h| inside(a, h)) {
                let m = want.entry(h.lock).or_insert(h.mode);
                if h.mode == Mode::Exclusive {
                    *m = Mode::Exclusive;
                }
            }
            let got: BTreeMap<Sym, Mode> = sets.get(a.lockset).iter().copied().collect();
            prop_assert_eq!(got.len(), sets.get(a.lockset).len(), "one entry per lock");
            prop_assert_eq!(&got, &want, "access {:?}", a);
        }
    }
}

// ---------------------------------------------------------------- hot map

fn point(start: i64, end: i64, actor: u32, caller: u32, op: Op, line: u32) -> Access {
    Access {
        start,
        end,
        scope: 0,
        object: Sym(1),
        actor: Sym(actor),
        trace: Sym::NONE,
        key: Sym::NONE,
        caller: Sym(caller),
        input: 0,
        line,
        end_input: 0,
        end_line: line + 1,
        op,
        rate: 0,
        uncertain: false,
        lockset: 0,
    }
}

/// 20,000 overlapping reads by 200 goroutines and four writes: the counts by
/// formula, per site and per goroutine.
#[test]
fn hot_map_counts_by_formula() {
    const READS: u32 = 20_000;
    const READERS: u32 = 200;
    const READ_CALLER: u32 = 7;
    const WRITE_CALLER: u32 = 8;
    let reader = |r: u32| 1_000 + r;
    let mut acc = Vec::new();
    // Read i by goroutine i % 200 over [i % 50, 1000 + i % 7): every read
    // overlaps every other (reads never conflict with reads).
    for i in 0..READS {
        let start = (i % 50) as i64;
        let end = 1_000 + (i % 7) as i64;
        acc.push(point(
            start,
            end,
            reader(i % READERS),
            READ_CALLER,
            Op::Read,
            i + 1,
        ));
    }
    let line = READS + 1;
    // A: [0, 1000) overlaps every read.
    acc.push(point(0, 1_000, 5_000, WRITE_CALLER, Op::Write, line));
    // B: [500, 600) overlaps every read (they all run from < 50 to >= 1000) and A.
    acc.push(point(500, 600, 5_001, WRITE_CALLER, Op::Write, line + 2));
    // C, by reader goroutine 0: [10, 20) overlaps the reads that start before
    // 20 (i % 50 < 20: 20,000 · 20/50 = 8,000), minus reader 0's own (i ≡ 0
    // mod 200, so i % 50 == 0: all 100 of them), and A, not B.
    acc.push(point(10, 20, reader(0), WRITE_CALLER, Op::Write, line + 4));
    // D: [2000, 2100) overlaps nothing.
    acc.push(point(
        2_000,
        2_100,
        5_002,
        WRITE_CALLER,
        Op::Delete,
        line + 6,
    ));

    let per_reader = (READS / READERS) as u64; // 100 reads each
    let a_reads = READS as u64;
    let b_reads = READS as u64;
    let c_reads = READS as u64 * 20 / 50 - per_reader;
    let read_write = a_reads + b_reads + c_reads;
    let write_write = 2; // A–B, A–C
    assert_eq!(read_write, 47_900);

    let got = sweep(&mut acc, &[], 0, 5);
    assert_eq!(got.total_pairs(), read_write + write_write);
    assert_eq!(got.sites.len(), 2, "read×write and write×write");
    for s in &got.sites {
        let sides = s.sides.map(|(op, c)| (op, c.0));
        match sides {
            [(Op::Read, READ_CALLER), (Op::Write, WRITE_CALLER)] => {
                assert_eq!(s.pairs, read_write);
                assert_eq!(s.kind, ConflictKind::ReadWrite);
                // every reader goroutine, and writers A, B (C is reader 0)
                assert_eq!(s.actors.len(), READERS as usize + 2);
                // reads start at 0..=49, B at 500
                assert_eq!((s.first, s.last), (0, 500));
            }
            [(Op::Write, WRITE_CALLER), (Op::Write, WRITE_CALLER)] => {
                assert_eq!(s.pairs, write_write);
                assert_eq!(s.kind, ConflictKind::WriteWrite);
                assert_eq!(s.actors.len(), 3);
                assert_eq!((s.first, s.last), (0, 500));
            }
            other => panic!("unexpected site {other:?}"),
        }
        assert_eq!(s.examples.len(), 5.min(s.pairs as usize));
    }

    let actors: BTreeMap<u32, u64> = got.actors.iter().map(|a| (a.actor.0, a.pairs)).collect();
    assert_eq!(
        actors.get(&5_000),
        Some(&(a_reads + 2)),
        "A: every read, B and C"
    );
    assert_eq!(
        actors.get(&5_001),
        Some(&(b_reads + 1)),
        "B: every read and A"
    );
    assert_eq!(actors.get(&5_002), None, "D conflicts with nothing");
    // Reader 0: its 100 reads conflict with A and B; its write C with
    // 7,900 reads and A.
    assert_eq!(
        actors.get(&reader(0)),
        Some(&(per_reader * 2 + c_reads + 1))
    );
    for r in 1..READERS {
        // Reader r's reads start at r % 50; those before 20 also meet C.
        let partners = if r % 50 < 20 { 3 } else { 2 };
        assert_eq!(
            actors.get(&reader(r)),
            Some(&(per_reader * partners)),
            "reader {r}"
        );
    }
    assert_eq!(actors.len(), READERS as usize + 2);
}
