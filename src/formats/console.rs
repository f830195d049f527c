//! zap's development console encoder.
//!
//! ```text
//! line   = TIME TAB LEVEL TAB [ CALLER TAB ] MSG [ TAB fields ]
//! TIME   = ISO 8601 (zap: 2026-11-26T12:45:53.869Z, milliseconds)
//! fields = a JSON object ({"trace_id": "…", "goroutine": 8, …})
//! ```
//!
//! The stack printed after warnings and errors (function lines, then
//! tab-indented file lines) is not a record: it stays context.

use super::fields::{Concept, FieldTable};
use super::json::{self, RawRecord, ScanError, Value};

/// Rank given to the console columns: any field of the same concept in the
/// JSON part wins over them.
const COLUMN_RANK: u8 = 200;

/// True when the line starts like a console record: a date, then a tab.
pub fn looks_like_console(line: &[u8]) -> bool {
    line.len() > 11
        && line[..4].iter().all(u8::is_ascii_digit)
        && line[4] == b'-'
        && line[10] == b'T'
        && memchr::memchr(b'\t', &line[..line.len().min(48)]).is_some()
}

/// The columns of a console line.
pub struct Columns<'a> {
    pub time: &'a [u8],
    pub level: &'a [u8],
    pub caller: Option<&'a [u8]>,
    pub msg: &'a [u8],
    /// The JSON object of fields, when the line has one.
    pub fields: Option<&'a [u8]>,
}

/// Splits a console line into its columns.
pub fn columns(line: &[u8]) -> Result<Columns<'_>, ScanError> {
    let mut buf: [&[u8]; 5] = [&[]; 5];
    let mut n = 0;
    for (slot, col) in buf.iter_mut().zip(line.splitn(5, |&c| c == b'\t')) {
        *slot = col;
        n += 1;
    }
    let cols = &buf[..n];
    let is_fields = |c: &[u8]| c.first() == Some(&b'{');
    let (caller, msg, fields) = match cols {
        [_, _, c, m, f] if is_fields(f) => (Some(*c), *m, Some(*f)),
        [_, _, m, f] if is_fields(f) => (None, *m, Some(*f)),
        [_, _, c, m] => (Some(*c), *m, None),
        [_, _, m] => (None, *m, None),
        _ => {
            return Err(ScanError {
                offset: line.len(),
                expected: "TIME, LEVEL and MESSAGE separated by tabs",
            });
        }
    };
    Ok(Columns {
        time: cols[0],
        level: cols[1],
        caller,
        msg,
        fields,
    })
}

/// Scans a console line into `rec`.
pub fn scan<'a>(
    line: &'a [u8],
    table: &FieldTable,
    rec: &mut RawRecord<'a>,
) -> Result<(), ScanError> {
    let cols = columns(line)?;
    let text = |raw: &'a [u8]| Value::Str {
        raw,
        escaped: false,
    };
    rec.set(Concept::Time, COLUMN_RANK, false, text(cols.time));
    if let Some(c) = cols.caller {
        rec.set(Concept::Caller, COLUMN_RANK, false, text(c));
    }
    rec.set(Concept::Msg, COLUMN_RANK, false, text(cols.msg));
    rec.set(Concept::Level, COLUMN_RANK, false, text(cols.level));
    if let Some(f) = cols.fields {
        let at = f.as_ptr() as usize - line.as_ptr() as usize;
        json::scan_object(f, table, rec).map_err(|e| ScanError {
            offset: at + e.offset,
            expected: e.expected,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn corpus_lines() {
        let t = FieldTable::default();
        let mut rec = RawRecord::default();
        let line = b"2026-11-26T12:45:53.869Z\tINFO\tzapsvc/store.go:71\tlock\t{\"trace_id\": \"dd35\", \"goroutine\": 1, \"lock\": \"0xc00001c0f0\", \"mode\": \"exclusive\", \"op\": \"lock_wait\", \"ts_ns\": 1795697153869115615}";
        assert!(looks_like_console(line));
        scan(line, &t, &mut rec).unwrap();
        assert_eq!(
            &*rec.get(Concept::Caller).unwrap().value.text(),
            b"zapsvc/store.go:71"
        );
        assert_eq!(&*rec.get(Concept::Msg).unwrap().value.text(), b"lock");
        assert_eq!(&*rec.get(Concept::Op).unwrap().value.text(), b"lock_wait");
        assert_eq!(
            &*rec.get(Concept::Time).unwrap().value.text(),
            b"2026-11-26T12:45:53.869Z"
        );

        let mut rec = RawRecord::default();
        scan(b"2026-11-26T12:45:53.872Z\tWARN\tzapsvc/store.go:83\tslow lock acquisition\t{\"goroutine\": 8}", &t, &mut rec).unwrap();
        assert_eq!(
            &*rec.get(Concept::Msg).unwrap().value.text(),
            b"slow lock acquisition"
        );

        let mut rec = RawRecord::default();
        scan(
            b"2026-11-26T12:45:53.872Z\tINFO\tplain message",
            &t,
            &mut rec,
        )
        .unwrap();
        assert_eq!(
            &*rec.get(Concept::Msg).unwrap().value.text(),
            b"plain message"
        );
        assert!(rec.get(Concept::Caller).is_none());

        let bad = b"2026-11-26T12:45:53.872Z\tINFO\tx.go:1\tmsg\t{\"a\": ";
        assert!(scan(bad, &t, &mut RawRecord::default()).is_err());
        assert!(!looks_like_console(b"main.(*recorder).takeLock"));
        assert!(!looks_like_console(b"\t/build/src/app/zapsvc/store.go:83"));
    }
}
