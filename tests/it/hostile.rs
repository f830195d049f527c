//! Hostile input: real corpus files truncated at every line, cut mid-line,
//! and mutated with seeded bit flips, spliced bytes and control characters.
//! The pipeline runs in-process on each variant; any panic fails the test,
//! and the accounting `lines = records + context + parse_errors` must hold.

use racetrail::pipeline::{Settings, analyze};
use racetrail::report::Renderer;
use racetrail::report::Report;
use racetrail::report::{dot::Dot, json::Json, table::Table};
use racetrail::source::Input;

use crate::harness::{Rng, fixture};

/// Runs everything on `bytes`; returns the rendered table.
fn run_all(bytes: Vec<u8>) -> String {
    let inputs = vec![Input::from_bytes("mutant", bytes)];
    let an = analyze(&inputs, &Settings::default(), &|_, _| {});
    for i in &an.inputs {
        assert_eq!(
            i.lines,
            i.records + i.context + i.parse_errors,
            "accounting"
        );
    }
    let report = Report::build(&an);
    let mut sink = Vec::new();
    Json.render(&report, &mut sink).unwrap();
    Dot.render(&report, &mut sink).unwrap();
    let mut table = Vec::new();
    Table { color: false }.render(&report, &mut table).unwrap();
    for d in racetrail::report::runtime::all_dumps(&an) {
        racetrail::report::table::crash_digest(&d, &mut sink, 10).unwrap();
    }
    String::from_utf8(table).expect("the table is UTF-8")
}

const FILES: [&str; 6] = [
    "go/fatal_writes_go119.stderr",
    "go/fatal_read_write_system_go123.stderr",
    "go/race_global_var.stderr",
    "go/race_gotest.stdout",
    "go/race_main_goroutine.stderr",
    "zap_single.jsonl",
];

#[test]
fn every_truncation_of_runtime_output_parses() {
    for f in &FILES[..5] {
        let text = std::fs::read(fixture(&format!("tests/fixtures/{f}"))).unwrap();
        let ends: Vec<usize> = text
            .iter()
            .enumerate()
            .filter(|(_, c)| **c == b'\n')
            .map(|(i, _)| i)
            .collect();
        for &e in &ends {
            run_all(text[..e].to_vec());
            // Cut inside the next line too.
            run_all(text[..(e + 7).min(text.len())].to_vec());
        }
    }
}

#[test]
fn mutated_inputs_never_panic_and_never_leak_escapes() {
    let mut rng = Rng(0x5eed);
    for f in FILES {
        let original = std::fs::read(fixture(&format!("tests/fixtures/{f}"))).unwrap();
        for round in 0..60 {
            let mut b = original.clone();
            match round % 6 {
                0 => {
                    for _ in 0..8 {
                        let i = rng.below(b.len());
                        b[i] ^= 1 << rng.below(8);
                    }
                }
                1 => {
                    let at = rng.below(b.len());
                    let junk: Vec<u8> = (0..rng.below(300)).map(|_| rng.next() as u8).collect();
                    b.splice(at..at, junk);
                }
                2 => {
                    let at = rng.below(b.len());
                    b.splice(at..at, b"\x1b[31m\x1b]0;pwned\x07\x00\r".iter().copied());
                }
                3 => {
                    let at = rng.below(b.len());
                    let len = rng.below(b.len() - at);
                    b.drain(at..at + len);
                }
                4 => {
                    // Duplicate a random stretch: repeated headers, frames, records.
                    let at = rng.below(b.len());
                    let len = rng.below(2000).min(b.len() - at);
                    let copy = b[at..at + len].to_vec();
                    let to = rng.below(b.len());
                    b.splice(to..to, copy);
                }
                _ => {
                    let at = rng.below(b.len());
                    b.splice(at..at, std::iter::repeat_n(b'(', 5000));
                }
            }
            let table = run_all(b);
            assert!(
                !table.bytes().any(|c| c == 0x1b || c == 0x07 || c == 0),
                "{f} round {round}: a control byte reached the table"
            );
        }
    }
}
