//! `json::scan_object` with the default field table, `Value::text` on every
//! kept slot, and `json::unescape` on the whole input.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use racetrail::formats::fields::FieldTable;
use racetrail::formats::json::{self, RawRecord, Value};

static TABLE: LazyLock<FieldTable> = LazyLock::new(FieldTable::default);

fn check_value(line: &[u8], v: &Value<'_>) {
    // Kept values are slices of the line, except the literals `true`,
    // `false` and `null`, which the scanner returns as static slices.
    let raw = v.raw();
    let (lo, hi) = (line.as_ptr() as usize, line.as_ptr() as usize + line.len());
    let at = raw.as_ptr() as usize;
    let literal = matches!(v, Value::Bare(b"true" | b"false" | b"null"));
    assert!(
        literal || raw.is_empty() || (at >= lo && at + raw.len() <= hi),
        "value outside the line"
    );
    let text = v.text();
    if let Value::Str { escaped: false, .. } | Value::Bare(_) | Value::Nested(_) = v {
        assert_eq!(&*text, raw, "an unescaped value is its raw bytes");
    }
    let _ = v.is_null();
    let _ = v.is_string();
}

fuzz_target!(|data: &[u8]| {
    let _ = json::looks_like_object(data);
    let mut rec = RawRecord::default();
    match json::scan_object(data, &TABLE, &mut rec) {
        Ok(()) => {}
        Err(e) => assert!(e.offset <= data.len(), "error offset past the line"),
    }
    // Slots filled before an error are kept too; all must be usable.
    for slot in rec.slots.iter().flatten() {
        check_value(data, &slot.value);
    }
    for v in rec.scope.iter().flatten() {
        check_value(data, v);
    }
    let out = json::unescape(data);
    // Escapes only shrink (\uXXXX → at most 4 bytes; a surrogate pair → 4);
    // a bad `\u` is kept as written.
    assert!(out.len() <= data.len(), "unescape grew the text");
    // Valid UTF-8 in, valid UTF-8 out (decoded code points are encoded).
    if std::str::from_utf8(data).is_ok() {
        assert!(std::str::from_utf8(&out).is_ok(), "unescape broke UTF-8");
    }
});
