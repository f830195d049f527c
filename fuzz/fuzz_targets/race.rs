//! `goruntime::race::parse` over a `Lines` cursor with an `Interner`.
//!
//! The parser is started at every line it does not consume. Checks: line
//! numbers within the lines taken, symbols in the interner, and a block
//! that was closed by its separator is not marked truncated.
#![no_main]

use libfuzzer_sys::fuzz_target;
use racetrail::formats::goruntime::Frame;
use racetrail::formats::goruntime::race;
use racetrail::formats::lines::Lines;
use racetrail::intern::{Interner, Sym};

fuzz_target!(|data: &[u8]| {
    let mut interner = Interner::new();
    let mut lines = Lines::new(data);
    while let Some(first) = lines.peek() {
        let starts = race::starts_race(first, || lines.peek2());
        if let Ok(s) = std::str::from_utf8(first) {
            let _ = race::access_header(s);
            let _ = race::created_header(s);
        }
        let before = lines.line_no;
        let mut diags = Vec::new();
        let block = race::parse(&mut lines, &mut interner, &mut diags);
        let taken = lines.line_no;
        if taken == before {
            // Took no line: an empty block at the cursor, and no diagnostic.
            assert_eq!(
                (block.line, block.end_line),
                (before, before),
                "empty block lines"
            );
            assert!(diags.is_empty(), "an empty block reports {diags:?}");
            assert!(block.accesses.is_empty() && block.goroutines.is_empty());
        } else {
            assert_eq!(block.line, before + 1);
        }
        for (l, _) in &diags {
            assert!(
                (before + 1..=taken).contains(l),
                "diagnostic on line {l}, lines {before}..{taken}"
            );
        }
        assert!(
            block.end_line <= taken,
            "end_line {} past {taken}",
            block.end_line
        );
        if starts {
            // Where parse_chunk calls it: the first line is taken.
            assert!(taken > before, "a race start took no line");
            assert!((block.line..=taken).contains(&block.end_line));
        }
        let n = interner.len() as u32;
        let sym_ok = |s: Sym| s.0 < n;
        let frame_ok = |f: &Frame| sym_ok(f.func) && sym_ok(f.file);
        for a in &block.accesses {
            assert!(sym_ok(a.address));
            assert!(a.stack.iter().all(frame_ok));
        }
        for g in &block.goroutines {
            assert!(sym_ok(g.state));
            assert!(g.created_at.iter().all(frame_ok));
        }
        assert!(block.map_funcs.iter().all(|&s| sym_ok(s)));
        if taken == before {
            lines.take();
        }
    }
});
