//! The STD trace parser and the happens-before analysis.
//!
//! Parse cases are built from the format's definition (RAPID's README and
//! `parse/std/Parse.java`: `thread|op(decor)|loc`, split at `|`, `begin` and
//! `end` with or without an operand). The analysis is checked against a
//! brute force written from docs/design.md's definition: happens-before is the
//! transitive closure of the direct edges over all event pairs, and a racy
//! event is an access with an earlier conflicting access not ordered before
//! it — no vector clocks.

use std::collections::{BTreeSet, HashMap};

use proptest::prelude::*;
use racetrail::formats::std_trace::{self, NO_TARGET, StdOp, StdTrace};
use racetrail::replay::hb::{self, HbEvent, HbResult};

// ---------------------------------------------------------------- parsing

fn diag(trace: &StdTrace, line: u32) -> (u32, &str) {
    let d = trace
        .diagnostics
        .iter()
        .find(|d| d.0 == line)
        .unwrap_or_else(|| panic!("no diagnostic for line {line}: {:?}", trace.diagnostics));
    (d.1, d.2.as_str())
}

#[test]
fn rapid_readme_sample() {
    let text = "T0|r(V123)|345\nT1|w(V234.23[0])|456\nT0|fork(T2)|123\nT2|acq(L34)|120\nT2|rel(L34)|130\nT0|join(T2)|134\n";
    let t = std_trace::parse(text.as_bytes());
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
    assert_eq!(t.lines, 6);
    assert_eq!(t.threads, ["T0", "T1", "T2"]);
    assert_eq!(t.variables, ["V123", "V234.23[0]"]);
    assert_eq!(t.locks, ["L34"]);
    let ops: Vec<(u32, StdOp, u32, u32, u32)> = t
        .events
        .iter()
        .map(|e| (e.thread, e.op, e.target, e.loc, e.line))
        .collect();
    assert_eq!(
        ops,
        [
            (0, StdOp::Read, 0, 345, 1),
            (1, StdOp::Write, 1, 456, 2),
            (0, StdOp::Fork, 2, 123, 3),
            (2, StdOp::Acquire, 0, 120, 4),
            (2, StdOp::Release, 0, 130, 5),
            (0, StdOp::Join, 2, 134, 6),
        ]
    );
}

#[test]
fn begin_end_blank_lines_crlf_and_last_line_without_lf() {
    let text =
        "T0|begin|1\r\n\n   \nT0|begin(m)|2\nmain|end()|3\nworker 1|end(x y)|4\nT0|w(f(x))|5";
    let t = std_trace::parse(text.as_bytes());
    assert!(t.diagnostics.is_empty(), "{:?}", t.diagnostics);
    assert_eq!(t.lines, 7);
    let got: Vec<(StdOp, u32, u32)> = t.events.iter().map(|e| (e.op, e.target, e.line)).collect();
    assert_eq!(
        got,
        [
            (StdOp::Begin, NO_TARGET, 1),
            (StdOp::Begin, NO_TARGET, 4),
            (StdOp::End, NO_TARGET, 5),
            (StdOp::End, NO_TARGET, 6),
            (StdOp::Write, 0, 7),
        ]
    );
    // names are arbitrary tokens; the operand runs to the field's last `)`
    assert_eq!(t.threads, ["T0", "main", "worker 1"]);
    assert_eq!(t.variables, ["f(x)"]);
}

#[test]
fn fork_and_join_operands_are_threads() {
    let t = std_trace::parse(b"T0|fork(T5)|1\nT5|r(T0)|2\nT0|join(T5)|3\n");
    assert_eq!(t.threads, ["T0", "T5"]);
    // a variable may share a thread's name: separate id spaces
    assert_eq!(t.variables, ["T0"]);
    assert_eq!(t.events[0].target, 1);
    assert_eq!(t.events[1].thread, 1);
    assert_eq!(t.events[1].target, 0);
}

#[test]
fn malformed_lines_are_diagnostics_with_line_and_column() {
    let cases: &[(&str, u32, &str)] = &[
        ("|r(V1)|1", 1, "a thread name"),
        ("T0", 3, "`|` after the thread name"),
        ("T0|x(V1)|1", 4, "an operation"),
        ("T0||1", 4, "an operation"),
        ("T0|r V1|1", 5, "`(` after the operation"),
        ("T0|r()|1", 6, "an operand name"),
        ("T0|r(V1|1", 8, "`)` closing the operand"),
        ("T0|r(V 1)|1", 7, "without white space"),
        ("T0|r(V1)", 9, "`|` before the location id"),
        ("T0|r(V1)|", 10, "a location id"),
        ("T0|r(V1)|-1", 10, "a location id"),
        ("T0|r(V1)|12x", 12, "the end of the line"),
        ("T0|r(V1)|1|2", 11, "the end of the line"),
        ("T0|r(V1)|99999999999", 10, "at most 4294967295"),
        ("T0|begin x|1", 9, "`(` or `|`"),
        ("T0|end(|1", 8, "`)` closing the operand"),
        ("{\"msg\":\"T0|r(V1)|1\"}", 19, "the end of the line"),
    ];
    let mut text = String::from("T0|w(V1)|7\n");
    for (bad, _, _) in cases {
        text.push_str(bad);
        text.push('\n');
    }
    text.push_str("T1|r(V1)|8\n");
    let t = std_trace::parse(text.as_bytes());
    assert_eq!(t.malformed, cases.len() as u64);
    assert_eq!(t.diagnostics.len(), cases.len());
    for (i, (bad, col, what)) in cases.iter().enumerate() {
        let (c, msg) = diag(&t, i as u32 + 2);
        assert_eq!(c, *col, "column for {bad:?}: {msg}");
        assert!(
            msg.starts_with("expected ") && msg.contains(what),
            "{bad:?}: {msg}"
        );
    }
    // the good lines around them still parse, with their own line numbers
    let lines: Vec<u32> = t.events.iter().map(|e| e.line).collect();
    assert_eq!(lines, [1, cases.len() as u32 + 2]);
    assert_eq!(t.lines, cases.len() as u32 + 2);
}

#[test]
fn diagnostics_are_capped_but_all_counted() {
    let text = "garbage\n".repeat(150) + "T0|r(V)|1\n";
    let t = std_trace::parse(text.as_bytes());
    assert_eq!(t.malformed, 150);
    assert_eq!(t.diagnostics.len(), std_trace::MAX_DIAGNOSTICS);
    assert_eq!(t.events.len(), 1);
}

#[test]
fn odd_bytes_never_panic() {
    let mut data = b"T\xff0|r(V\xfe)|1\n\0|w(\0)|2\n".to_vec();
    data.extend_from_slice(&[b'|', b'(', b')', 0xff, b'\n', b'|', b'|', b'|']);
    let t = std_trace::parse(&data);
    assert_eq!(t.events.len(), 2);
    assert_eq!(t.threads.len(), 2);
    assert_eq!(t.malformed, 2);
    assert_eq!(std_trace::parse(b"").lines, 0);
}

#[test]
fn format_detection() {
    for yes in [
        "T0|r(V123)|345",
        "T12|acq(L2a45c47085)|361\r",
        "T0|begin|9",
        "T1|join(T2)|0",
    ] {
        assert!(std_trace::looks_like_std(yes.as_bytes()), "{yes}");
    }
    for no in [
        "",
        "{\"level\":\"info\",\"msg\":\"read\"}",
        "WARNING: DATA RACE",
        "  main.main()",
        "goroutine 1 [running]:",
        "a|b|c",
        "T0|r(V1)|x",
    ] {
        assert!(!std_trace::looks_like_std(no.as_bytes()), "{no}");
    }
}

/// Large inputs are parsed in parallel chunks; ids, lines and diagnostics
/// must be those of a sequential reading.
#[test]
fn chunked_parse_equals_a_sequential_reading() {
    let mut rng = 0x1234_5678_9abc_def0u64;
    let mut next = move |n: u64| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng % n
    };
    let mut text = String::new();
    let mut expect = Vec::new();
    let mut bad_lines = Vec::new();
    let mut line = 0u32;
    while text.len() < 9 << 20 {
        line += 1;
        let t = format!("T{}", next(40));
        match next(50) {
            // malformed lines only late, so their diagnostics (capped at
            // 100) come from later chunks and need the line base
            0 if text.len() > 7 << 20 => {
                text.push_str("T0|nonsense|1\n");
                bad_lines.push(line);
            }
            0 | 1 => text.push('\n'),
            2 => {
                let c = format!("T{}", next(40));
                text.push_str(&format!("{t}|fork({c})|{line}\n"));
                expect.push((t, "fork", c, line));
            }
            k => {
                let (op, name) = if k % 3 == 0 {
                    ("acq", format!("L{}", next(30)))
                } else {
                    (["r", "w"][k as usize % 2], format!("V{}.f", next(20_000)))
                };
                text.push_str(&format!("{t}|{op}({name})|{line}\n"));
                expect.push((t, op, name, line));
            }
        }
    }
    let t = std_trace::parse(text.as_bytes());
    assert_eq!(t.lines, line);
    assert_eq!(t.malformed, bad_lines.len() as u64);
    let diag_lines: Vec<u32> = t.diagnostics.iter().map(|d| d.0).collect();
    assert!(bad_lines.len() > 100);
    assert_eq!(diag_lines, bad_lines[..100]);
    assert!(t.diagnostics.iter().all(|d| d.1 == 4));
    // ids in order of first appearance, per space
    type Space = (Vec<String>, HashMap<String, u32>);
    let (mut threads, mut vars, mut locks): (Space, Space, Space) = Default::default();
    let id = |space: &mut Space, n: &str| -> u32 {
        let next = space.0.len() as u32;
        let id = *space.1.entry(n.to_string()).or_insert(next);
        if id == next {
            space.0.push(n.to_string());
        }
        id
    };
    assert_eq!(t.events.len(), expect.len());
    for (e, (th, op, name, line)) in t.events.iter().zip(&expect) {
        assert_eq!(e.thread, id(&mut threads, th));
        let target = match *op {
            "fork" => id(&mut threads, name),
            "acq" => id(&mut locks, name),
            _ => id(&mut vars, name),
        };
        assert_eq!(
            (e.op.name(), e.target, e.loc, e.line),
            (*op, target, *line, *line)
        );
    }
    assert_eq!(t.threads, threads.0);
    assert_eq!(t.variables, vars.0);
    assert_eq!(t.locks, locks.0);
}

// ---------------------------------------------------------------- reference

fn ev(thread: u32, op: StdOp, target: u32, loc: u32) -> HbEvent {
    HbEvent {
        thread,
        op,
        target,
        loc,
    }
}

/// `hb[i][j]`: event i happens before event j (i < j), by the definition.
fn happens_before(es: &[HbEvent]) -> Vec<Vec<bool>> {
    let n = es.len();
    let direct = |i: usize, j: usize| {
        let (a, b) = (&es[i], &es[j]);
        a.thread == b.thread
            || (a.op == StdOp::Release && b.op == StdOp::Acquire && a.target == b.target)
            || (a.op == StdOp::Fork && b.thread == a.target)
            || (b.op == StdOp::Join && a.thread == b.target)
            // the child's implicit start and end lie between: a fork orders
            // before a later join of the same thread even if it never ran
            || (a.op == StdOp::Fork && b.op == StdOp::Join && a.target == b.target)
    };
    let mut hb = vec![vec![false; n]; n];
    for j in 0..n {
        for k in 0..j {
            if direct(k, j) {
                hb[k][j] = true;
                // whatever reaches k reaches j
                for row in hb.iter_mut().take(k) {
                    if row[k] {
                        row[j] = true;
                    }
                }
            }
        }
    }
    hb
}

fn conflict(a: &HbEvent, b: &HbEvent) -> bool {
    a.op.is_access()
        && b.op.is_access()
        && a.target == b.target
        && a.thread != b.thread
        && (a.op == StdOp::Write || b.op == StdOp::Write)
}

struct Reference {
    racy: Vec<usize>,
    locations: BTreeSet<u32>,
    hb: Vec<Vec<bool>>,
}

fn reference(es: &[HbEvent]) -> Reference {
    let hb = happens_before(es);
    let racy: Vec<usize> = (0..es.len())
        .filter(|&j| (0..j).any(|i| conflict(&es[i], &es[j]) && !hb[i][j]))
        .collect();
    let locations = racy.iter().map(|&j| es[j].loc).collect();
    Reference {
        racy,
        locations,
        hb,
    }
}

fn check(es: &[HbEvent], examples: usize) -> Result<HbResult, TestCaseError> {
    let want = reference(es);
    let got = hb::analyze(es, examples);
    prop_assert_eq!(got.events, es.len() as u64);
    prop_assert_eq!(got.racy_events, want.racy.len() as u64, "trace {:?}", es);
    prop_assert_eq!(got.racy_locations, want.locations.len() as u64);
    prop_assert_eq!(
        got.racy_location_ids
            .iter()
            .copied()
            .collect::<BTreeSet<_>>(),
        want.locations.clone()
    );
    prop_assert!(got.racy_location_ids.windows(2).all(|w| w[0] < w[1]));
    // the first racy events in order, each with a real unordered conflict
    let n = want.racy.len().min(examples);
    prop_assert_eq!(got.examples.len(), n);
    for (&(a, b), &r) in got.examples.iter().zip(&want.racy) {
        prop_assert_eq!(b, r);
        prop_assert!(a < b);
        prop_assert!(conflict(&es[a], &es[b]), "{} {} in {:?}", a, b, es);
        prop_assert!(!want.hb[a][b]);
    }
    Ok(got)
}

// ---------------------------------------------------------------- classics

use StdOp::{Acquire as Acq, Begin, End, Fork, Join, Read as R, Release as Rel, Write as W};

#[test]
fn unprotected_write_write_race() {
    let es = [ev(0, Fork, 1, 1), ev(0, W, 0, 2), ev(1, W, 0, 3)];
    let got = check(&es, 10).unwrap();
    assert_eq!(got.racy_events, 1);
    assert_eq!(got.racy_location_ids, [3]);
    assert_eq!(got.examples, [(1, 2)]);
    assert_eq!(got.threads, 2);
}

#[test]
fn lock_protected_accesses_do_not_race() {
    let es = [
        ev(0, Acq, 0, 1),
        ev(0, W, 0, 2),
        ev(0, Rel, 0, 3),
        ev(1, Acq, 0, 1),
        ev(1, R, 0, 4),
        ev(1, W, 0, 2),
        ev(1, Rel, 0, 3),
    ];
    assert_eq!(check(&es, 10).unwrap().racy_events, 0);
    // a different lock does not protect
    let mut other = es;
    other[3].target = 1;
    other[6].target = 1;
    assert_eq!(check(&other, 10).unwrap().racy_events, 2);
}

#[test]
fn fork_join_orders_parent_and_child() {
    let es = [
        ev(0, W, 0, 1),
        ev(0, Fork, 1, 2),
        ev(1, W, 0, 3),
        ev(1, R, 0, 4),
        ev(0, Join, 1, 5),
        ev(0, R, 0, 6),
        ev(0, W, 0, 7),
    ];
    assert_eq!(check(&es, 10).unwrap().racy_events, 0);
    // the parent's access after the fork and before the join races
    let mut es2 = es.to_vec();
    es2.insert(2, ev(0, W, 0, 9));
    let got = check(&es2, 10).unwrap();
    assert_eq!(got.racy_events, 2);
    assert_eq!(got.racy_location_ids, [3, 4]);
}

/// FastTrack keeps only the last write's epoch: after T1's racy write, T2
/// (ordered after T1 by the lock) reads and is checked against T1 only, so
/// its race with T0's older write is lost. Every racy event counts here.
#[test]
fn race_after_an_earlier_race_is_still_counted() {
    let es = [
        ev(0, Fork, 1, 1),
        ev(0, Fork, 2, 1),
        ev(0, W, 0, 10),
        ev(1, W, 0, 11),
        ev(1, Acq, 0, 12),
        ev(1, Rel, 0, 13),
        ev(2, Acq, 0, 12),
        ev(2, R, 0, 14),
    ];
    let got = check(&es, 10).unwrap();
    assert_eq!(got.racy_events, 2);
    assert_eq!(got.racy_location_ids, [11, 14]);
    assert_eq!(got.examples, [(2, 3), (2, 7)]);
}

#[test]
fn every_racy_read_counts_and_reads_never_race_with_reads() {
    let mut es = vec![ev(0, Fork, 1, 1), ev(0, R, 0, 2), ev(1, R, 0, 3)];
    assert_eq!(check(&es, 10).unwrap().racy_events, 0);
    es.push(ev(0, W, 0, 4)); // races with T1's read
    es.extend((0..5).map(|_| ev(1, R, 0, 5))); // each races with T0's write
    let got = check(&es, 2).unwrap();
    assert_eq!(got.racy_events, 6);
    assert_eq!(got.examples, [(2, 3), (3, 4)]);
}

#[test]
fn odd_traces_are_taken_as_written() {
    let es = [
        ev(0, Join, 3, 1), // joins a thread that never ran
        ev(0, Rel, 0, 2),  // release without acquire
        ev(0, Acq, 1, 3),  // acquire of a lock never released
        ev(0, Fork, 0, 4), // forks itself
        ev(0, Join, 0, 5), // joins itself
        ev(2, Begin, NO_TARGET, 6),
        ev(2, W, 0, 7), // never forked: unordered with T0
        ev(2, End, NO_TARGET, 8),
        ev(0, W, 0, 9),
        ev(0, Join, 2, 10),
        ev(2, W, 0, 11), // after the join: not ordered before T0's next
        ev(0, R, 0, 12),
        ev(1, Acq, 0, 13), // T0's release orders T0's past before T1
        ev(1, R, 1, 14),
    ];
    let got = check(&es, 10).unwrap();
    assert_eq!(got.racy_location_ids, [9, 11, 12]);
    assert_eq!(got.threads, 4);
    assert_eq!(hb::analyze::<HbEvent>(&[], 3), HbResult::default());
}

#[test]
fn analysis_of_a_parsed_trace() {
    let text = "\
T0|w(V1)|10
T0|fork(T1)|11
T0|fork(T2)|11
T1|acq(L)|20
T1|w(V1)|21
T1|rel(L)|22
T2|acq(L)|20
T2|r(V1)|23
T2|rel(L)|22
T0|w(V1)|12
T0|join(T1)|13
T0|join(T2)|13
T0|r(V1)|14
";
    let t = std_trace::parse(text.as_bytes());
    let got = hb::analyze(&t.events, 5);
    // T0's write at 12 races with both children's accesses
    assert_eq!(got.racy_events, 1);
    assert_eq!(got.racy_location_ids, [12]);
    let (a, b) = got.examples[0];
    assert_eq!((t.events[a].line, t.events[b].line), (8, 10));
}

// ---------------------------------------------------------------- properties

const THREADS: usize = 4;
const VARS: u32 = 3;
const LOCKS: u32 = 2;

/// A well-formed trace from random choices: T0 runs first, a thread runs
/// once forked and until joined, locks are held by one thread at a time
/// and released innermost first.
fn well_formed(choices: &[(u8, u8, u8)]) -> Vec<HbEvent> {
    let mut forked = [false; THREADS];
    let mut joined = [false; THREADS];
    forked[0] = true;
    let mut held: Vec<Vec<u32>> = vec![Vec::new(); THREADS];
    let mut owner: [Option<usize>; LOCKS as usize] = [None; LOCKS as usize];
    let mut es = Vec::new();
    for &(who, what, x) in choices {
        let running: Vec<usize> = (0..THREADS).filter(|&t| forked[t] && !joined[t]).collect();
        let t = running[who as usize % running.len()];
        let loc = u32::from(x % 5);
        let tt = t as u32;
        match what % 12 {
            0..=2 => es.push(ev(tt, R, u32::from(x) % VARS, loc)),
            3..=5 => es.push(ev(tt, W, u32::from(x) % VARS, loc)),
            6 => {
                let l = u32::from(x) % LOCKS;
                if owner[l as usize].is_none() {
                    owner[l as usize] = Some(t);
                    held[t].push(l);
                    es.push(ev(tt, Acq, l, 100 + loc));
                }
            }
            7 | 8 => {
                if let Some(l) = held[t].pop() {
                    owner[l as usize] = None;
                    es.push(ev(tt, Rel, l, 200 + loc));
                }
            }
            9 => {
                if let Some(c) = (0..THREADS).find(|&c| !forked[c]) {
                    forked[c] = true;
                    es.push(ev(tt, Fork, c as u32, 300));
                }
            }
            10 => {
                let c = usize::from(x) % THREADS;
                if c != t && c != 0 && forked[c] && !joined[c] && held[c].is_empty() {
                    joined[c] = true;
                    es.push(ev(tt, Join, c as u32, 400));
                }
            }
            _ => es.push(ev(tt, if x % 2 == 0 { Begin } else { End }, NO_TARGET, 500)),
        }
    }
    es
}

fn any_event() -> impl Strategy<Value = HbEvent> {
    (
        0..THREADS as u32,
        prop::sample::select(vec![R, W, Acq, Rel, Fork, Join, Begin, End]),
        0..4u32,
        0..6u32,
    )
        .prop_map(|(thread, op, target, loc)| HbEvent {
            thread,
            op,
            target: if matches!(op, Begin | End) {
                NO_TARGET
            } else {
                target
            },
            loc,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn matches_the_brute_force_on_well_formed_traces(
        choices in prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 1..80),
        examples in 0usize..6,
    ) {
        let mut es = well_formed(&choices);
        es.truncate(60);
        check(&es, examples)?;
    }

    /// Unbalanced locks, joins of threads that never ran, events after a
    /// join: the definition still applies, and so must the analysis.
    #[test]
    fn matches_the_brute_force_on_arbitrary_traces(
        es in prop::collection::vec(any_event(), 0..60),
    ) {
        check(&es, usize::MAX)?;
    }

    /// Writing a trace out in STD and parsing it back gives the same
    /// analysis (names are first-appearance ids, so compare counts).
    #[test]
    fn std_round_trip(
        choices in prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>()), 1..60),
    ) {
        let es = well_formed(&choices);
        let mut text = String::new();
        for e in &es {
            let operand = match e.op {
                R | W => format!("(V{})", e.target),
                Acq | Rel => format!("(L{})", e.target),
                Fork | Join => format!("(T{})", e.target),
                Begin | End => String::new(),
            };
            text.push_str(&format!("T{}|{}{}|{}\n", e.thread, e.op.name(), operand, e.loc));
        }
        let t = std_trace::parse(text.as_bytes());
        prop_assert!(t.diagnostics.is_empty());
        prop_assert_eq!(t.events.len(), es.len());
        let a = hb::analyze(&es, 3);
        let b = hb::analyze(&t.events, 3);
        prop_assert_eq!(a.racy_events, b.racy_events);
        prop_assert_eq!(a.racy_location_ids, b.racy_location_ids);
        prop_assert_eq!(a.examples, b.examples);
        // dense ids: thread names map one to one
        let mut seen: HashMap<u32, u32> = HashMap::new();
        for (x, y) in es.iter().zip(&t.events) {
            prop_assert_eq!(*seen.entry(x.thread).or_insert(y.thread), y.thread);
        }
    }
}

/// `racetrail scan --mode hb` on a trace file: the counts, the example pair
/// as a conflict with its evidence lines, the exit status.
#[test]
fn the_cli_reads_std_traces_in_hb_mode() {
    let dir = crate::harness::tempdir();
    // From the format's definition: T1 is forked, writes V1 while T0 does
    // (a race); V2 is written under L1 by both (ordered); T0's last write
    // comes after the join (ordered).
    let trace = "T0|fork(T1)|1\nT0|w(V1)|2\nT1|w(V1)|3\nT1|acq(L1)|4\nT1|w(V2)|5\nT1|rel(L1)|6\nT0|acq(L1)|7\nT0|r(V2)|8\nT0|rel(L1)|9\nT0|join(T1)|10\nT0|w(V1)|11\n";
    let p = dir.path().join("t.std");
    std::fs::write(&p, trace).unwrap();
    let path = crate::harness::path_str(&p);
    let (r, code) = crate::harness::scan_json(&["--mode", "hb", path]);
    assert_eq!(code, 1, "a racy event is a finding");
    assert_eq!(r["hb"]["racy_events"], 1);
    assert_eq!(r["hb"]["racy_locations"], 1);
    assert_eq!(r["hb"]["events"], 11);
    assert_eq!(r["inputs"][0]["formats"], serde_json::json!(["std"]));
    let c = &r["conflicts"][0];
    assert_eq!(
        (c["object"].as_str(), c["kind"].as_str()),
        (Some("V1"), Some("write/write"))
    );
    assert_eq!(c["a"]["source"], format!("{path}:2"));
    assert_eq!(c["b"]["source"], format!("{path}:3"));
    // Without --mode hb the trace is not analysed, says so, and does not
    // pass as a clean log (nothing was read).
    let (w, code) = crate::harness::scan_json(&[path]);
    assert_eq!(code, 2);
    assert!(
        w["diagnostics"][0]["message"]
            .as_str()
            .unwrap()
            .contains("--mode hb")
    );
}

/// Complete access logs in hb mode: the zap_json log's lock records order
/// the protected maps, so only the unprotected ones race.
#[test]
fn access_logs_in_hb_mode_race_only_on_unprotected_maps() {
    let (r, _) = crate::harness::scan_json(&["--mode", "hb", crate::harness::ZAP_JSON]);
    let hb = &r["hb"];
    assert!(hb["racy_events"].as_u64().unwrap() > 0);
    let protected = ["0xc000076de0", "0xc000076e10", "0xc000076e40"];
    for c in r["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["overlap_ns"].is_null())
    {
        assert!(!protected.contains(&c["object"].as_str().unwrap()), "{c}");
    }
}
