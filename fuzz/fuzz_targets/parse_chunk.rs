//! The whole line parser: `formats::parse_chunk(data, 0, &default, None)`,
//! race-report and dump blocks and dumps embedded in JSON fields included.
//!
//! Checks the accounting (`lines = records + context + parse_errors`;
//! warnings are counted apart), the diagnostics cap, that every line
//! number is one of the chunk's lines, that every symbol is in the chunk's
//! interner, and that an access window never ends before it starts.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use racetrail::event::Kind;
use racetrail::formats::goruntime::Frame;
use racetrail::formats::{ParseOptions, Severity, parse_chunk};
use racetrail::intern::Sym;

static OPTS: LazyLock<ParseOptions> = LazyLock::new(ParseOptions::default);

fuzz_target!(|data: &[u8]| {
    let opts = &*OPTS;
    let out = parse_chunk(data, 0, opts, None);

    assert_eq!(
        out.lines as u64,
        out.records + out.context + out.parse_errors,
        "accounting: lines = records + context + parse_errors \
         (records {}, context {}, errors {}, warnings {})",
        out.records,
        out.context,
        out.parse_errors,
        out.warnings
    );
    // The line count is that of the `Lines` cursor: LF-terminated, the
    // last line may lack its LF.
    let expected_lines =
        memchr_count(data) + usize::from(!data.is_empty() && *data.last().unwrap() != b'\n');
    assert_eq!(out.lines as usize, expected_lines, "line count");

    assert!(
        out.diags.len() <= opts.max_diags,
        "diagnostics over the cap"
    );
    let errors = out
        .diags
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count() as u64;
    let warnings = out.diags.len() as u64 - errors;
    assert!(
        errors <= out.parse_errors,
        "more error diagnostics than counted"
    );
    assert!(
        warnings <= out.warnings,
        "more warning diagnostics than counted"
    );
    if ((out.parse_errors + out.warnings) as usize) <= opts.max_diags {
        assert_eq!(
            errors, out.parse_errors,
            "an error diagnostic was dropped under the cap"
        );
        assert_eq!(
            warnings, out.warnings,
            "a warning diagnostic was dropped under the cap"
        );
    }

    let in_range = |l: u32| (1..=out.lines).contains(&l);
    for d in &out.diags {
        assert!(
            in_range(d.line),
            "diagnostic on line {} of {}",
            d.line,
            out.lines
        );
        assert!(d.col >= 1, "diagnostic column 0");
    }

    let n = out.interner.len() as u32;
    let sym_ok = |s: Sym| s.0 < n;
    let frame_ok = |f: &Frame| sym_ok(f.func) && sym_ok(f.file);
    for ev in &out.events {
        assert!(
            in_range(ev.line),
            "event on line {} of {}",
            ev.line,
            out.lines
        );
        assert_eq!(ev.input, 0);
        for s in [ev.actor, ev.object, ev.trace, ev.key, ev.caller, ev.pair] {
            assert!(sym_ok(s), "event symbol {} not in the interner ({n})", s.0);
        }
        assert!(ev.scope < n, "scope symbol not in the interner");
        if ev.kind == Kind::AccessSpan {
            assert!(
                ev.aux >= ev.time,
                "access window ends before it starts: {ev:?}"
            );
        }
    }
    for &s in &out.scope_syms {
        assert!(sym_ok(s) && !s.is_none(), "bad scope symbol");
    }
    for r in &out.races {
        assert!(in_range(r.line), "race block line {}", r.line);
        assert!(
            r.end_line == 0 || (r.line..=out.lines).contains(&r.end_line),
            "race end_line {} (line {})",
            r.end_line,
            r.line
        );
        for a in &r.accesses {
            assert!(sym_ok(a.address));
            assert!(a.stack.iter().all(frame_ok), "race frame symbol");
        }
        for g in &r.goroutines {
            assert!(sym_ok(g.state));
            assert!(g.created_at.iter().all(frame_ok), "race frame symbol");
        }
        assert!(r.map_funcs.iter().all(|&s| sym_ok(s)));
    }
    for d in &out.dumps {
        assert!(in_range(d.line), "dump line {}", d.line);
        assert!(
            (d.line..=out.lines).contains(&d.end_line),
            "dump end_line {} (line {})",
            d.end_line,
            d.line
        );
        for g in &d.goroutines {
            assert!(in_range(g.line), "goroutine line {}", g.line);
            assert!(sym_ok(g.state));
            assert!(g.frames.iter().all(frame_ok), "dump frame symbol");
            assert!(
                g.created_by.as_ref().is_none_or(frame_ok),
                "created-by symbol"
            );
        }
    }
    let _ = out.formats.names();
});

fn memchr_count(data: &[u8]) -> usize {
    data.iter().filter(|&&c| c == b'\n').count()
}
