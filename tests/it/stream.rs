//! The streamed path (chunks parsed, merged and replayed as they come)
//! against the path that replays every event at once: the same report on
//! every real fixture, at chunk sizes that cut records, dumps and race
//! reports apart, and a fallback to sorting when a log is out of order.

use std::path::{Path, PathBuf};

use racetrail::pipeline::{self, Settings, stream};
use racetrail::report::Report;
use racetrail::source::{self, Input, MmapMode, Origin};

fn fixtures() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("jsonl" | "log" | "stderr" | "stdout" | "txt")
            ) {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(Path::new("tests/fixtures"), &mut out);
    out.sort();
    out
}

fn report(inputs: &[Input], stream_chunk: Option<usize>) -> String {
    let settings = Settings {
        stream_chunk,
        ..Settings::default()
    };
    let an = pipeline::analyze(inputs, &settings, &|_, _| {});
    serde_json::to_string_pretty(&Report::build(&an)).unwrap()
}

fn open(path: &Path) -> Input {
    source::open(&Origin::File(path.to_path_buf()), MmapMode::Auto).unwrap()
}

#[test]
fn streamed_reports_equal_whole_ones_on_every_fixture() {
    let files = fixtures();
    assert!(files.len() > 60, "{} fixtures", files.len());
    let mut streamed = 0;
    for f in &files {
        let inputs = [open(f)];
        let whole = report(&inputs, None);
        for chunk in [700, 64 << 10] {
            let settings = Settings {
                stream_chunk: Some(chunk),
                ..Settings::default()
            };
            streamed += usize::from(stream::run(&inputs, &settings, &|_, _| {}).is_some());
            assert_eq!(
                report(&inputs, Some(chunk)),
                whole,
                "{} in chunks of {chunk} bytes",
                f.display()
            );
        }
    }
    // Most fixtures are in time order and stream; the others fell back.
    assert!(streamed > files.len(), "{streamed} streamed runs");
}

#[test]
fn a_log_out_of_time_order_falls_back_to_sorting_and_stays_exact() {
    let text = std::fs::read_to_string("tests/fixtures/sampling/complete.jsonl").unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let (early, late) = lines.split_at(lines.len() / 2);
    let swapped = late.iter().chain(early).fold(String::new(), |mut s, l| {
        s.push_str(l);
        s.push('\n');
        s
    });
    let inputs = [Input::from_bytes("swapped.jsonl", swapped.into_bytes())];
    let settings = Settings {
        stream_chunk: Some(64 << 10),
        ..Settings::default()
    };
    assert!(
        stream::run(&inputs, &settings, &|_, _| {}).is_none(),
        "the second half starts before the first half ended"
    );
    let whole = report(&inputs, None);
    assert_eq!(report(&inputs, Some(64 << 10)), whole);
    assert!(
        whole.contains("\"conflicts\": 13964"),
        "the complete log's pairs"
    );
}
