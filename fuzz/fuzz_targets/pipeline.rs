//! The whole analysis in-process, as the CLI runs it on one input:
//! `Input::from_bytes` → `decompress` → `unwrap_container` →
//! `pipeline::analyze` → `Report::build` → the JSON, table (no colour) and
//! DOT renderers, and the crash digest of every dump.
//!
//! Checks: the per-input accounting, the JSON output parses, the table is
//! UTF-8 and holds no ESC, BEL or NUL byte (log text must be sanitized).
#![no_main]

use libfuzzer_sys::fuzz_target;
use racetrail::pipeline::{Settings, analyze};
use racetrail::report::{Renderer, Report, dot::Dot, json::Json, table::Table};
use racetrail::source::Input;


fuzz_target!(|data: &[u8]| {
    let mut input = Input::from_bytes("fuzz", data.to_vec());
    input.decompress(1 << 20);
    input.unwrap_container();
    let inputs = vec![input];
    let an = analyze(&inputs, &Settings::default(), &|_, _| {});
    for i in &an.inputs {
        assert_eq!(
            i.lines,
            i.records + i.context + i.parse_errors,
            "accounting: lines = records + context + parse_errors"
        );
    }
    let report = Report::build(&an);

    let mut json = Vec::new();
    Json.render(&report, &mut json).unwrap();
    if let Err(e) = serde_json::from_slice::<serde_json::Value>(&json) {
        panic!("the JSON report does not parse: {e}");
    }

    let mut dot = Vec::new();
    Dot.render(&report, &mut dot).unwrap();

    let mut table = Vec::new();
    Table { color: false }.render(&report, &mut table).unwrap();
    for d in racetrail::report::runtime::all_dumps(&an) {
        racetrail::report::table::crash_digest(&d, &mut table, 10).unwrap();
    }
    for (i, &b) in table.iter().enumerate() {
        assert!(
            !matches!(b, 0x1b | 0x07 | 0x00),
            "control byte {b:#04x} at {i} of the table output: {:?}",
            String::from_utf8_lossy(&table[i.saturating_sub(40)..(i + 40).min(table.len())])
        );
    }
    assert!(
        std::str::from_utf8(&table).is_ok(),
        "the table is not UTF-8"
    );
});
