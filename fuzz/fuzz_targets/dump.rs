//! `goruntime::dump::parse` over a `Lines` cursor, with a borrowing
//! `Interner` and with the copying `Owning` one (as for embedded dumps).
//!
//! The parser is started at every line that it does not consume, so it sees
//! arbitrary first lines too, not only those `starts_dump` accepts. Checks:
//! line numbers within the lines taken, symbols in the interner, and the
//! same result from both interners.
#![no_main]

use libfuzzer_sys::fuzz_target;
use racetrail::formats::goruntime::dump::{self, Dump};
use racetrail::formats::goruntime::{Frame, Owning};
use racetrail::formats::lines::Lines;
use racetrail::intern::{Interner, Sym};

fn check(d: &Dump, diags: &[(u32, String)], taken: u32, interner: &Interner<'_>) {
    let n = interner.len() as u32;
    let sym_ok = |s: Sym| s.0 < n;
    let frame_ok = |f: &Frame| sym_ok(f.func) && sym_ok(f.file);
    for (l, _) in diags {
        assert!(
            (1..=taken).contains(l),
            "diagnostic on line {l}, {taken} taken"
        );
    }
    for g in &d.goroutines {
        assert!(
            (1..=taken).contains(&g.line),
            "goroutine on line {}, {taken} taken",
            g.line
        );
        assert!(sym_ok(g.state));
        assert!(g.frames.iter().all(frame_ok));
        assert!(g.created_by.as_ref().is_none_or(frame_ok));
    }
    assert!(d.end_line <= taken, "end_line {} past {taken}", d.end_line);
    assert!(
        d.line <= d.end_line.max(1),
        "line {} after end_line {}",
        d.line,
        d.end_line
    );
    let _ = d.is_crash();
}

fuzz_target!(|data: &[u8]| {
    let _ = data
        .split(|&c| c == b'\n')
        .map(|l| (dump::starts_dump(l), dump::header(l)))
        .count();

    let mut borrowed = Interner::new();
    let mut owned_interner = Interner::new();
    let mut a = Lines::new(data);
    let mut b = Lines::new(data);
    while let Some(first) = a.peek() {
        let starts = dump::starts_dump(first);
        let before = a.line_no;
        let mut diags_a = Vec::new();
        let da = dump::parse(&mut a, &mut borrowed, &mut diags_a);
        check(&da, &diags_a, a.line_no, &borrowed);
        if a.line_no == before {
            // Took no line: an empty dump at the cursor, and no diagnostic.
            assert_eq!((da.line, da.end_line), (before, before), "empty dump lines");
            assert!(diags_a.is_empty(), "an empty dump reports {diags_a:?}");
            assert!(da.goroutines.is_empty() && da.messages.is_empty());
        } else {
            assert_eq!(da.line, before + 1);
        }
        if starts {
            // Where parse_chunk calls it: it must take the first line (or
            // parse_chunk would never move on) and end within what it took.
            assert!(a.line_no > before, "a dump start took no line: {first:?}");
            assert!((da.line..=a.line_no).contains(&da.end_line));
        }

        let mut diags_b = Vec::new();
        let db = dump::parse(&mut b, &mut Owning(&mut owned_interner), &mut diags_b);
        check(&db, &diags_b, b.line_no, &owned_interner);
        assert_eq!(
            a.line_no, b.line_no,
            "the interner changed what was consumed"
        );
        assert_eq!(diags_a, diags_b);
        assert_eq!(da.messages, db.messages);
        assert_eq!(da.goroutines.len(), db.goroutines.len());
        for (ga, gb) in da.goroutines.iter().zip(&db.goroutines) {
            assert_eq!(borrowed.bytes(ga.state), owned_interner.bytes(gb.state));
            assert_eq!(ga.frames.len(), gb.frames.len());
            for (fa, fb) in ga.frames.iter().zip(&gb.frames) {
                assert_eq!(borrowed.bytes(fa.func), owned_interner.bytes(fb.func));
                assert_eq!(borrowed.bytes(fa.file), owned_interner.bytes(fb.file));
                assert_eq!(fa.line, fb.line);
            }
        }

        // Not a dump here: step over the line and try again.
        if a.line_no == before {
            a.take();
            b.take();
        }
    }
});
