//! `wrappers::detect` then `wrappers::unwrap` (with the detected wrapper,
//! and with each of the three, as a forced unwrap would).
//!
//! Checks: one line number and one time per inner line, the line numbers
//! non-decreasing and within the wrapped input, diagnostics within it too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use racetrail::formats::lines::Lines;
use racetrail::formats::wrappers::{self, Wrapper};

fn line_count(data: &[u8]) -> u32 {
    let mut l = Lines::new(data);
    while l.take().is_some() {}
    l.line_no
}

fn check(data: &[u8], w: Wrapper) {
    let u = wrappers::unwrap(data, w);
    let wrapped = line_count(data);
    let inner = line_count(&u.text);
    assert_eq!(
        u.lines.len(),
        u.times.len(),
        "{}: lines and times differ",
        w.name()
    );
    // Finding 2 (fuzz/README.md): a Docker entry whose `log` text held a
    // newline before its end used to add inner lines without line numbers.
    assert_eq!(
        u.lines.len() as u32,
        inner,
        "{}: {} line numbers for {} inner lines",
        w.name(),
        u.lines.len(),
        inner
    );
    assert!(
        u.text.is_empty() || u.text.ends_with(b"\n"),
        "{}: inner text not LF-terminated",
        w.name()
    );
    for pair in u.lines.windows(2) {
        assert!(
            pair[0] <= pair[1],
            "{}: line numbers go back: {pair:?}",
            w.name()
        );
    }
    for &l in &u.lines {
        assert!(
            (1..=wrapped).contains(&l),
            "{}: line {l} of {wrapped}",
            w.name()
        );
    }
    for (l, _) in &u.diags {
        assert!(
            (1..=wrapped).contains(l),
            "{}: diagnostic on line {l} of {wrapped}",
            w.name()
        );
    }
}

fuzz_target!(|data: &[u8]| {
    if let Some(w) = wrappers::detect(data) {
        let _ = w.name();
        check(data, w);
    }
    for w in [Wrapper::Docker, Wrapper::Cri, Wrapper::Kubectl] {
        check(data, w);
    }
});
