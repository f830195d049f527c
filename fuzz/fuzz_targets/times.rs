//! The time and duration parsers: `epoch_number_ns`, `rfc3339_ns`,
//! `go_duration_ns` (on valid UTF-8), `duration_value_ns` and
//! `time_value_ns` with every (is_string, ns) combination.
//!
//! Checks: `rfc3339_ns` agrees with jiff wherever both accept the text (the
//! module's fast path must give jiff's answer); `_ns` fields read as plain
//! signed integers; a Go duration's sign flips its value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use racetrail::formats::time;

fuzz_target!(|data: &[u8]| {
    let _ = time::epoch_number_ns(data);
    let _ = time::parse_u64_digits(data);
    let ns_int = time::parse_ns_integer(data);

    let ours = time::rfc3339_ns(data);
    if let (Some(ours), Ok(s)) = (ours, std::str::from_utf8(data)) {
        if let Ok(ts) = s.parse::<jiff::Timestamp>() {
            let theirs = ts.as_nanosecond();
            assert_eq!(
                ours as i128, theirs,
                "rfc3339_ns({s:?}) disagrees with jiff"
            );
        }
    }

    if let Ok(s) = std::str::from_utf8(data) {
        let d = time::go_duration_ns(s);
        if let Some(d) = d {
            if let Some(rest) = s.strip_prefix('-') {
                if !rest.starts_with(['-', '+']) && d != i64::MIN {
                    assert_eq!(time::go_duration_ns(rest), Some(-d), "sign of {s:?}");
                }
            }
        }
    }

    for is_string in [false, true] {
        assert_eq!(time::duration_value_ns(data, is_string, true), ns_int);
        assert_eq!(time::time_value_ns(data, is_string, true), ns_int);
        let _ = time::duration_value_ns(data, is_string, false);
        let _ = time::time_value_ns(data, is_string, false);
    }
});
