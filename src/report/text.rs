//! Making log text safe for a terminal: control characters (C0, DEL, C1,
//! and so escape sequences) are shown as escapes, never written raw.

use std::borrow::Cow;
use std::fmt::Write;

/// `s` with every control character replaced by a visible escape.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_never_pass() {
        let s = sanitize("a\x1b[31mred\x07\u{9b}b");
        assert!(!s.chars().any(char::is_control), "{s}");
        assert_eq!(s, "a\\u{1b}[31mred\\u{7}\\u{9b}b");
        assert!(matches!(sanitize("plain"), Cow::Borrowed(_)));
    }
}
