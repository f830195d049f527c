//! logfmt: slog's TextHandler, logrus's text formatter, Go `fmt` loggers.
//!
//! ```text
//! line  = pair *( SP+ pair )
//! pair  = KEY "=" [ value ]                ; `key=` is an empty value
//! KEY   = ( ALPHA | "_" ) *( ALNUM | "_" | "." | "-" | "/" )
//! value = quoted | 1*( any byte but SP )
//! quoted = DQUOTE *( escape | any but DQUOTE or "\" ) DQUOTE   ; strconv.Quote escapes
//! ```
//!
//! Values borrow from the line; quoted ones are unescaped lazily like JSON
//! strings ([`super::json::Value::text`]).

use super::fields::FieldTable;
use super::json::{RawRecord, ScanError, Value};

fn is_key_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_key_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-' | b'/')
}

/// True when the line starts like logfmt: `key=`.
pub fn looks_like_logfmt(line: &[u8]) -> bool {
    if !line.first().copied().is_some_and(is_key_start) {
        return false;
    }
    let end = line.iter().position(|&c| !is_key_byte(c));
    matches!(end, Some(k) if line[k] == b'=')
}

/// Scans a logfmt line, keeping the pairs `table` knows into `rec`.
#[inline]
pub fn scan<'a>(
    line: &'a [u8],
    table: &FieldTable,
    rec: &mut RawRecord<'a>,
) -> Result<(), ScanError> {
    scan_pairs(line, |key, value| {
        if let Some(m) = table.lookup(key) {
            rec.set(m.concept, m.rank, m.ns, value);
        }
    })
}

/// Scans a logfmt line, giving every pair to `pair`.
#[inline]
pub fn scan_pairs<'a>(
    line: &'a [u8],
    mut pair: impl FnMut(&'a [u8], Value<'a>),
) -> Result<(), ScanError> {
    let mut i = 0;
    let n = line.len();
    let mut pairs = 0;
    while i < n {
        while i < n && (line[i] == b' ' || line[i] == b'\t') {
            i += 1;
        }
        if i >= n {
            break;
        }
        let key_start = i;
        if !is_key_start(line[i]) {
            return Err(ScanError {
                offset: i,
                expected: "a key",
            });
        }
        while i < n && is_key_byte(line[i]) {
            i += 1;
        }
        let key = &line[key_start..i];
        if i >= n || line[i] != b'=' {
            return Err(ScanError {
                offset: i,
                expected: "'='",
            });
        }
        i += 1;
        let value = if i < n && line[i] == b'"' {
            let start = i + 1;
            let mut j = start;
            let mut escaped = false;
            loop {
                match line.get(j) {
                    None => {
                        return Err(ScanError {
                            offset: j.min(n),
                            expected: "the end of a quoted value",
                        });
                    }
                    Some(b'\\') => {
                        escaped = true;
                        j += 2;
                    }
                    Some(b'"') => break,
                    Some(_) => j += 1,
                }
            }
            i = j + 1;
            Value::Str {
                raw: &line[start..j],
                escaped,
            }
        } else {
            let start = i;
            while i < n && line[i] != b' ' {
                i += 1;
            }
            Value::Str {
                raw: &line[start..i],
                escaped: false,
            }
        };
        pair(key, value);
        pairs += 1;
    }
    if pairs == 0 {
        return Err(ScanError {
            offset: 0,
            expected: "a key=value pair",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::fields::Concept;

    #[test]
    fn corpus_line() {
        let t = FieldTable::default();
        let mut rec = RawRecord::default();
        let line = br#"ts=2026-11-26T12:45:54.08764445Z level=info msg="map access" goroutine=6 map=0xc000076e10 key="GET /session" op=write phase=begin trace_id=17badeb0"#;
        scan(line, &t, &mut rec).unwrap();
        assert_eq!(
            &*rec.get(Concept::Key).unwrap().value.text(),
            b"GET /session"
        );
        assert_eq!(&*rec.get(Concept::Actor).unwrap().value.text(), b"6");
        assert_eq!(&*rec.get(Concept::Msg).unwrap().value.text(), b"map access");
        assert_eq!(
            &*rec.get(Concept::Time).unwrap().value.text(),
            b"2026-11-26T12:45:54.08764445Z"
        );
    }

    #[test]
    fn empty_and_escaped_values() {
        let t = FieldTable::default();
        let mut rec = RawRecord::default();
        scan(br#"key= op="say \"hi\"" map=m"#, &t, &mut rec).unwrap();
        assert_eq!(&*rec.get(Concept::Key).unwrap().value.text(), b"");
        assert_eq!(&*rec.get(Concept::Op).unwrap().value.text(), b"say \"hi\"");
        assert!(scan(br#"op="unterminated"#, &t, &mut RawRecord::default()).is_err());
        assert!(looks_like_logfmt(b"time=2026 level=INFO"));
        assert!(!looks_like_logfmt(b"goroutine 1 [running]:"));
        assert!(!looks_like_logfmt(b"PC=0x1"[..0].as_ref()));
    }
}
