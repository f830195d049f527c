//! `logfmt::scan` with the default field table; every kept value decodes.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use racetrail::formats::fields::FieldTable;
use racetrail::formats::json::RawRecord;
use racetrail::formats::logfmt;

static TABLE: LazyLock<FieldTable> = LazyLock::new(FieldTable::default);

fuzz_target!(|data: &[u8]| {
    let _ = logfmt::looks_like_logfmt(data);
    let mut rec = RawRecord::default();
    if let Err(e) = logfmt::scan(data, &TABLE, &mut rec) {
        // Finding 1 (fuzz/README.md): a quoted value ending in a lone
        // backslash (`a="\`) used to report offset len + 1.
        assert!(
            e.offset <= data.len(),
            "error offset {} past the line of {} bytes",
            e.offset,
            data.len()
        );
    }
    for slot in rec.slots.iter().flatten() {
        let _ = slot.value.text();
    }
    for v in rec.scope.iter().flatten() {
        let _ = v.text();
    }
});
