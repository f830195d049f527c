//! `std_trace::parse` (the STD trace format of RAPID) on arbitrary bytes.
//!
//! Checks: every id an event carries names an entry of its table, events
//! are in line order and within the lines counted, diagnostics are capped
//! at `MAX_DIAGNOSTICS` and never more than the malformed lines.
#![no_main]

use libfuzzer_sys::fuzz_target;
use racetrail::formats::std_trace::{self, MAX_DIAGNOSTICS, NO_TARGET, StdOp};

fuzz_target!(|data: &[u8]| {
    for line in data.split(|&c| c == b'\n') {
        let _ = std_trace::looks_like_std(line);
        let _ = std_trace::event(line);
    }
    let t = std_trace::parse(data);
    let threads = t.threads.len() as u32;
    for e in &t.events {
        assert!(e.thread < threads, "thread id {} of {threads}", e.thread);
        assert!(
            (1..=t.lines).contains(&e.line),
            "event line {} of {}",
            e.line,
            t.lines
        );
        let table = match e.op {
            StdOp::Read | StdOp::Write => t.variables.len(),
            StdOp::Acquire | StdOp::Release => t.locks.len(),
            StdOp::Fork | StdOp::Join => t.threads.len(),
            StdOp::Begin | StdOp::End => {
                assert_eq!(e.target, NO_TARGET);
                continue;
            }
        };
        assert!(
            (e.target as usize) < table,
            "{} target {} of {table}",
            e.op.name(),
            e.target
        );
    }
    for w in t.events.windows(2) {
        assert!(w[0].line < w[1].line, "events out of line order");
    }
    assert!(t.diagnostics.len() <= MAX_DIAGNOSTICS);
    assert!(t.diagnostics.len() as u64 <= t.malformed);
    for (l, c, _) in &t.diagnostics {
        assert!(
            (1..=t.lines).contains(l) && *c >= 1,
            "diagnostic at {l}:{c}"
        );
    }
    assert!(t.events.len() as u64 + t.malformed <= t.lines as u64);
});
