//! `console::scan` (zap's development encoder) with the default field table.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use racetrail::formats::console;
use racetrail::formats::fields::FieldTable;
use racetrail::formats::json::RawRecord;

static TABLE: LazyLock<FieldTable> = LazyLock::new(FieldTable::default);

fuzz_target!(|data: &[u8]| {
    let _ = console::looks_like_console(data);
    let mut rec = RawRecord::default();
    if let Err(e) = console::scan(data, &TABLE, &mut rec) {
        assert!(e.offset <= data.len(), "error offset past the line");
    }
    for slot in rec.slots.iter().flatten() {
        let _ = slot.value.text();
    }
    for v in rec.scope.iter().flatten() {
        let _ = v.text();
    }
});
