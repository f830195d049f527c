//! JSON lines: a targeted field scanner.
//!
//! ```text
//! line   = ws "{" ws [ member *( ws "," ws member ) ] ws "}" ws
//! member = string ws ":" ws value
//! value  = string | number | "true" | "false" | "null" | object | array
//! ```
//!
//! Only top-level members whose key the [`FieldTable`] knows are kept, as
//! slices of the line; nested objects and arrays are skipped by bracket depth
//! (string-aware). Nothing is allocated; escapes are decoded only when a kept
//! value is used ([`Value::text`]). The scanner is lenient inside values it
//! skips and strict about the object's framing, so a truncated or spliced
//! line is reported at the column where it breaks.

use std::borrow::Cow;

use memchr::memchr2;

use super::fields::{Concept, FieldTable, MAX_SCOPE_FIELDS, N_CONCEPTS};

/// A kept value, borrowed from the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    /// String contents without the quotes; `escaped` when it holds a backslash.
    Str { raw: &'a [u8], escaped: bool },
    /// A number, `true`, `false`, or `null` as written.
    Bare(&'a [u8]),
    /// A nested object or array, brackets included.
    Nested(&'a [u8]),
}

impl<'a> Value<'a> {
    pub fn is_string(&self) -> bool {
        matches!(self, Value::Str { .. })
    }

    /// The text of the value: a string decoded, anything else as written.
    pub fn text(&self) -> Cow<'a, [u8]> {
        match *self {
            Value::Str {
                raw,
                escaped: false,
            } => Cow::Borrowed(raw),
            Value::Str { raw, escaped: true } => Cow::Owned(unescape(raw)),
            Value::Bare(b) | Value::Nested(b) => Cow::Borrowed(b),
        }
    }

    /// The raw bytes, for values that are never escaped in practice (numbers,
    /// ids); strings with escapes still decode.
    pub fn raw(&self) -> &'a [u8] {
        match *self {
            Value::Str { raw, .. } => raw,
            Value::Bare(b) | Value::Nested(b) => b,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Bare(b"null"))
    }
}

/// A field kept from a record: its value, the rank of its name in the
/// concept's list (lower wins), and whether the name says `_ns`.
#[derive(Clone, Copy, Debug)]
pub struct Slot<'a> {
    pub value: Value<'a>,
    pub rank: u8,
    pub ns: bool,
}

/// The fields of one record that the convention cares about.
#[derive(Clone, Debug, Default)]
pub struct RawRecord<'a> {
    pub slots: [Option<Slot<'a>>; N_CONCEPTS],
    /// Process fields by their rank in the scope list.
    pub scope: [Option<Value<'a>>; MAX_SCOPE_FIELDS],
}

impl<'a> RawRecord<'a> {
    pub fn clear(&mut self) {
        // None in place writes a tag a slot; a fresh record would copy all.
        for s in &mut self.slots {
            *s = None;
        }
        for s in &mut self.scope {
            *s = None;
        }
    }

    #[inline]
    pub fn get(&self, c: Concept) -> Option<&Slot<'a>> {
        self.slots[c as usize].as_ref()
    }

    #[inline]
    pub fn set(&mut self, c: Concept, rank: u8, ns: bool, value: Value<'a>) {
        if c == Concept::Scope {
            if let Some(s) = self.scope.get_mut(rank as usize) {
                s.get_or_insert(value);
            }
            return;
        }
        let slot = &mut self.slots[c as usize];
        if slot.is_none_or(|s| rank < s.rank) {
            *slot = Some(Slot { value, rank, ns });
        }
    }
}

/// Where and why a line is not a JSON object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScanError {
    /// 0-based byte offset in the line.
    pub offset: usize,
    pub expected: &'static str,
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    #[inline]
    fn ws(&mut self) {
        while let Some(c) = self.b.get(self.i) {
            if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
                self.i += 1;
            } else {
                break;
            }
        }
    }

    #[inline]
    fn err<T>(&self, expected: &'static str) -> Result<T, ScanError> {
        Err(ScanError {
            offset: self.i,
            expected,
        })
    }

    #[inline]
    fn eat(&mut self, c: u8, expected: &'static str) -> Result<(), ScanError> {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            self.err(expected)
        }
    }

    /// `string`, the cursor on its opening quote; returns the contents.
    #[inline(always)]
    fn string(&mut self) -> Result<(&'a [u8], bool), ScanError> {
        self.eat(b'"', "'\"'")?;
        let start = self.i;
        let mut escaped = false;
        loop {
            match quote_or_backslash(&self.b[self.i..]) {
                Some(n) => {
                    self.i += n;
                    if self.b[self.i] == b'"' {
                        let s = &self.b[start..self.i];
                        self.i += 1;
                        return Ok((s, escaped));
                    }
                    escaped = true;
                    self.i += 2;
                    if self.i > self.b.len() {
                        self.i = self.b.len();
                        return self.err("the end of a string");
                    }
                }
                None => {
                    self.i = self.b.len();
                    return self.err("the end of a string");
                }
            }
        }
    }

    /// `value`; nested values are skipped by depth.
    #[inline(always)]
    fn value(&mut self) -> Result<Value<'a>, ScanError> {
        match self.b.get(self.i) {
            Some(b'"') => {
                let (raw, escaped) = self.string()?;
                Ok(Value::Str { raw, escaped })
            }
            Some(b'{' | b'[') => {
                let start = self.i;
                self.nested()?;
                Ok(Value::Nested(&self.b[start..self.i]))
            }
            Some(c) if c.is_ascii_digit() || *c == b'-' => {
                let start = self.i;
                while self.b.get(self.i).is_some_and(|c| {
                    c.is_ascii_digit() || matches!(c, b'.' | b'e' | b'E' | b'+' | b'-')
                }) {
                    self.i += 1;
                }
                Ok(Value::Bare(&self.b[start..self.i]))
            }
            Some(b't' | b'f' | b'n') => {
                let rest = &self.b[self.i..];
                for lit in [&b"true"[..], b"false", b"null"] {
                    if rest.starts_with(lit) {
                        self.i += lit.len();
                        return Ok(Value::Bare(lit));
                    }
                }
                self.err("a value")
            }
            _ => self.err("a value"),
        }
    }

    fn nested(&mut self) -> Result<(), ScanError> {
        let mut depth = 0usize;
        while let Some(&c) = self.b.get(self.i) {
            match c {
                b'"' => {
                    self.string()?;
                    continue;
                }
                b'{' | b'[' => depth += 1,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        self.i += 1;
                        return Ok(());
                    }
                }
                _ => {}
            }
            self.i += 1;
        }
        self.err("the end of a nested value")
    }
}

/// The offset of the first `"` or `\\` in `s`. Most strings of a log
/// record are short: eight bytes at a time in a word first, then memchr.
#[inline(always)]
fn quote_or_backslash(s: &[u8]) -> Option<usize> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while i < 32 {
        let Some(w) = s.get(i..i + 8) else {
            return s[i..]
                .iter()
                .position(|&c| c == b'"' || c == b'\\')
                .map(|n| i + n);
        };
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        let (q, b) = (w ^ (ONES * u64::from(b'"')), w ^ (ONES * u64::from(b'\\')));
        // A zero byte of q or b is a match; the lowest flagged byte is exact.
        let hit = (q.wrapping_sub(ONES) & !q | b.wrapping_sub(ONES) & !b) & HIGHS;
        if hit != 0 {
            return Some(i + hit.trailing_zeros() as usize / 8);
        }
        i += 8;
    }
    memchr2(b'"', b'\\', &s[i..]).map(|n| i + n)
}

/// True when the line looks like a JSON object (first non-blank byte `{`).
#[inline]
pub fn looks_like_object(line: &[u8]) -> bool {
    line.iter()
        .find(|c| !matches!(c, b' ' | b'\t'))
        .is_some_and(|&c| c == b'{')
}

/// Scans one object line, keeping the members `table` knows into `rec`.
#[inline]
pub fn scan_object<'a>(
    line: &'a [u8],
    table: &FieldTable,
    rec: &mut RawRecord<'a>,
) -> Result<(), ScanError> {
    scan_members_at(line, |at, key, value| {
        let meaning = match super::fields::pack_at(line, at, key.len()) {
            Some(packed) => table.lookup_packed(key.len(), packed),
            None => table.lookup_long(key),
        };
        if let Some(m) = meaning {
            rec.set(m.concept, m.rank, m.ns, value);
        }
    })
}

/// Scans one object line, giving every top-level member to `member` (keys
/// with escapes are skipped: no field name of the convention has one).
#[inline]
pub fn scan_members<'a>(
    line: &'a [u8],
    mut member: impl FnMut(&'a [u8], Value<'a>),
) -> Result<(), ScanError> {
    scan_members_at(line, |_, key, value| member(key, value))
}

/// [`scan_members`], also giving the offset of each key in the line.
#[inline(always)]
fn scan_members_at<'a>(
    line: &'a [u8],
    mut member: impl FnMut(usize, &'a [u8], Value<'a>),
) -> Result<(), ScanError> {
    let mut c = Cursor { b: line, i: 0 };
    c.ws();
    c.eat(b'{', "'{'")?;
    c.ws();
    if c.b.get(c.i) == Some(&b'}') {
        c.i += 1;
    } else {
        loop {
            c.ws();
            let at = c.i + 1;
            let (key, key_escaped) = c.string()?;
            c.ws();
            c.eat(b':', "':'")?;
            c.ws();
            let value = c.value()?;
            if !key_escaped {
                member(at, key, value);
            }
            c.ws();
            match c.b.get(c.i) {
                Some(b',') => c.i += 1,
                Some(b'}') => {
                    c.i += 1;
                    break;
                }
                _ => return c.err("',' or '}'"),
            }
        }
    }
    c.ws();
    if c.i != line.len() {
        return c.err("the end of the line after the object");
    }
    Ok(())
}

/// Decodes JSON string escapes; invalid escapes are kept as written.
pub fn unescape(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let c = raw[i];
        if c != b'\\' || i + 1 >= raw.len() {
            out.push(c);
            i += 1;
            continue;
        }
        let e = raw[i + 1];
        i += 2;
        match e {
            b'"' | b'\\' | b'/' => out.push(e),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'u' => {
                let cp = hex4(raw.get(i..i + 4));
                match cp {
                    Some(hi @ 0xD800..=0xDBFF) if raw.get(i + 4..i + 6) == Some(b"\\u") => {
                        match hex4(raw.get(i + 6..i + 10)) {
                            Some(lo @ 0xDC00..=0xDFFF) => {
                                let c = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                push_char(&mut out, c);
                                i += 10;
                            }
                            _ => {
                                push_char(&mut out, 0xFFFD);
                                i += 4;
                            }
                        }
                    }
                    Some(cp) => {
                        push_char(&mut out, cp);
                        i += 4;
                    }
                    None => out.extend_from_slice(b"\\u"),
                }
            }
            _ => {
                out.push(b'\\');
                out.push(e);
            }
        }
    }
    out
}

/// Exactly four hex digits (`from_str_radix` alone would take a `+`).
fn hex4(b: Option<&[u8]>) -> Option<u32> {
    let b = b?;
    if !b.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u32::from_str_radix(std::str::from_utf8(b).ok()?, 16).ok()
}

fn push_char(out: &mut Vec<u8>, cp: u32) {
    let ch = char::from_u32(cp).unwrap_or('\u{FFFD}');
    let mut buf = [0u8; 4];
    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The word-at-a-time search finds what a plain search finds, at
        /// every length and position (bytes near `"` and `\\` included).
        #[test]
        fn quote_search_matches_a_plain_search(
            s in proptest::collection::vec(
                prop_oneof![Just(b'"'), Just(b'\\'), Just(b'!'), Just(b']'), Just(0xa2u8), any::<u8>()],
                0..80,
            )
        ) {
            let plain = s.iter().position(|&c| c == b'"' || c == b'\\');
            prop_assert_eq!(quote_or_backslash(&s), plain);
        }
    }

    #[test]
    fn packed_keys_read_past_the_key_only_within_the_line() {
        let t = FieldTable::default();
        let line = br#"{"goroutine":7,"op":"read","ts_ns":1}"#;
        let mut got = Vec::new();
        scan_members_at(line, |at, key, _| {
            let m = super::super::fields::pack_at(line, at, key.len());
            got.push((m, super::super::fields::pack(key)));
        })
        .unwrap();
        assert_eq!(got.len(), 3);
        assert!(got.iter().all(|(a, b)| a == b));
        assert_eq!(t.lookup(b"ts_ns").map(|m| m.concept), Some(Concept::TimeNs));
    }

    fn scan(line: &str) -> Result<RawRecord<'_>, ScanError> {
        let t = Box::leak(Box::new(FieldTable::default()));
        let mut rec = RawRecord::default();
        scan_object(line.as_bytes(), t, &mut rec).map(|_| rec)
    }

    #[test]
    fn zap_record_fields() {
        let r = scan(r#"{"level":"info","ts":1795697153.8704798,"caller":"zapsvc/store.go:55","msg":"map access","trace_id":"8b2a","goroutine":7,"map":"0xc000076de0","key":"user-08","op":"read","phase":"begin","ts_ns":1795697153870479800}"#).unwrap();
        assert_eq!(r.get(Concept::Actor).unwrap().value, Value::Bare(b"7"));
        assert_eq!(
            r.get(Concept::TimeNs).unwrap().value,
            Value::Bare(b"1795697153870479800")
        );
        assert_eq!(
            r.get(Concept::Time).unwrap().value,
            Value::Bare(b"1795697153.8704798")
        );
        assert_eq!(&*r.get(Concept::Op).unwrap().value.text(), b"read");
        assert_eq!(
            &*r.get(Concept::Caller).unwrap().value.text(),
            b"zapsvc/store.go:55"
        );
    }

    #[test]
    fn first_name_in_list_order_wins() {
        let r = scan(r#"{"map_id":"b","map":"a"}"#).unwrap();
        assert_eq!(&*r.get(Concept::Object).unwrap().value.text(), b"a");
    }

    #[test]
    fn nested_and_escapes() {
        let r = scan(r#"{"x":{"op":"write","y":[1,{"z":"}"}]},"op":"re\u0061d","key":"a\"b"}"#)
            .unwrap();
        assert_eq!(&*r.get(Concept::Op).unwrap().value.text(), b"read");
        assert_eq!(&*r.get(Concept::Key).unwrap().value.text(), b"a\"b");
    }

    #[test]
    fn errors_point_at_the_break() {
        assert_eq!(scan(r#"{"op":"read""#).unwrap_err().offset, 12);
        assert_eq!(scan(r#"{"op" "read"}"#).unwrap_err().expected, "':'");
        assert_eq!(
            scan(r#"{"op":"re"#).unwrap_err().expected,
            "the end of a string"
        );
        assert!(scan(r#"{"a":1} trailing"#).is_err());
        assert!(scan("{}").is_ok());
    }

    #[test]
    fn unescape_unicode() {
        assert_eq!(unescape(br"\u00e9\ud83d\ude00\n"), "é😀\n".as_bytes());
        assert_eq!(
            unescape(br"\u+041"),
            br"\u+041",
            "an invalid escape is kept as written"
        );
    }
}
