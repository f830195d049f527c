//! Times and durations as integer nanoseconds, never through `f64`.
//!
//! ```text
//! epoch     = digits [ "." digits ]          ; unit from the integer part's magnitude:
//!                                            ; ≤11 digits s, ≤14 ms, ≤17 µs, else ns
//! rfc3339   = date ("T" | " ") time [ "." frac ] ( "Z" | offset )
//! duration  = [ "-" | "+" ] ( "0" | 1*( decimal unit ) )      ; Go's time.ParseDuration
//! unit      = "ns" | "us" | "µs" | "μs" | "ms" | "s" | "m" | "h"
//! ```

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while};
use nom::combinator::{all_consuming, opt};
use nom::multi::many1;
use nom::{IResult, Parser};

const POW10: [i64; 10] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
    1_000_000_000,
];

/// Parses unsigned decimal digits into an `i64`, `None` on overflow or non-digits.
#[inline]
pub fn parse_u64_digits(text: &[u8]) -> Option<i64> {
    if text.is_empty() || text.len() > 19 {
        return None;
    }
    // 19 digits always fit in a u64; only the conversion can overflow.
    let mut v: u64 = 0;
    for &b in text {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + u64::from(d);
    }
    i64::try_from(v).ok()
}

/// An integer nanosecond count, optionally signed.
#[inline]
pub fn parse_ns_integer(text: &[u8]) -> Option<i64> {
    match text.split_first() {
        Some((b'-', rest)) => parse_u64_digits(rest).map(|v| -v),
        _ => parse_u64_digits(text),
    }
}

/// `int.frac` scaled by 10^exp nanoseconds per unit, truncating extra digits.
fn scaled(int: &[u8], frac: &[u8], exp: usize) -> Option<i64> {
    let whole = if int.is_empty() {
        0
    } else {
        parse_u64_digits(int)?
    };
    let mut v = whole.checked_mul(POW10[exp])?;
    if !frac.is_empty() {
        if !frac.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let take = frac.len().min(exp);
        if take > 0 {
            let f = parse_u64_digits(&frac[..take])?;
            v = v.checked_add(f * POW10[exp - take])?;
        }
    }
    Some(v)
}

/// An epoch time written as a number: zap's float seconds (`1795697153.8692791`)
/// or an integer whose magnitude gives the unit.
pub fn epoch_number_ns(text: &[u8]) -> Option<i64> {
    if let Some(e) = text.iter().position(|&c| c == b'e' || c == b'E') {
        return epoch_number_ns(&shift_exponent(&text[..e], &text[e + 1..])?);
    }
    let (int, frac) = match memchr::memchr(b'.', text) {
        Some(i) => (&text[..i], &text[i + 1..]),
        None => (text, &b""[..]),
    };
    if int.is_empty() {
        return None;
    }
    let exp = match int.len() {
        0..=11 => 9,
        12..=14 => 6,
        15..=17 => 3,
        _ => 0,
    };
    scaled(int, frac, exp)
}

/// Days from 1970-01-01 to the proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The common case, `YYYY-MM-DDTHH:MM:SS[.frac]Z`, without a general
/// parser; anything else (offsets, leap seconds, odd forms) returns `None`.
fn rfc3339_utc_fast(t: &[u8]) -> Option<i64> {
    if t.len() < 20 || t[4] != b'-' || t[7] != b'-' || !matches!(t[10], b'T' | b't' | b' ') {
        return None;
    }
    if t[13] != b':' || t[16] != b':' || *t.last()? != b'Z' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| parse_u64_digits(&t[r]);
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 59
    {
        return None;
    }
    let frac = match &t[19..t.len() - 1] {
        [] => 0,
        [b'.', digits @ ..] if !digits.is_empty() && digits.len() <= 9 => {
            parse_u64_digits(digits)? * POW10[9 - digits.len()]
        }
        _ => return None,
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3_600 + mi * 60 + sec;
    secs.checked_mul(1_000_000_000)?.checked_add(frac)
}

/// `1.795697153` and exponent `9` → `1795697153.` (JSON's exponent form,
/// rewritten as the plain decimal it stands for).
fn shift_exponent(mantissa: &[u8], exponent: &[u8]) -> Option<Vec<u8>> {
    let exp: i32 = std::str::from_utf8(exponent).ok()?.parse().ok()?;
    let (int, frac) = match memchr::memchr(b'.', mantissa) {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, &b""[..]),
    };
    let digits: Vec<u8> = int.iter().chain(frac).copied().collect();
    let point = int.len() as i32 + exp;
    if !(1..=30).contains(&point) || digits.is_empty() {
        return None;
    }
    let point = point as usize;
    let mut out = digits.clone();
    out.resize(out.len().max(point), b'0');
    out.insert(point, b'.');
    Some(out)
}

/// RFC 3339 / ISO 8601 with any fraction and offset.
pub fn rfc3339_ns(text: &[u8]) -> Option<i64> {
    if let Some(ns) = rfc3339_utc_fast(text) {
        return Some(ns);
    }
    let s = std::str::from_utf8(text).ok()?;
    let ts: jiff::Timestamp = s.parse().ok()?;
    i64::try_from(ts.as_nanosecond()).ok()
}

/// A time field's value: a string is RFC 3339 (or a number in quotes), a
/// number is epoch by magnitude, or integer ns when the field says `_ns`.
pub fn time_value_ns(text: &[u8], is_string: bool, ns: bool) -> Option<i64> {
    if ns {
        return parse_ns_integer(text);
    }
    if is_string
        && text
            .first()
            .is_some_and(|b| !b.is_ascii_digit() || text.contains(&b'-'))
    {
        return rfc3339_ns(text);
    }
    epoch_number_ns(text).or_else(|| rfc3339_ns(text))
}

fn unit(input: &str) -> IResult<&str, i64> {
    alt((
        tag("ns").map(|_| 1),
        tag("us").map(|_| 1_000),
        tag("µs").map(|_| 1_000),
        tag("μs").map(|_| 1_000),
        tag("ms").map(|_| 1_000_000),
        tag("s").map(|_| 1_000_000_000),
        tag("m").map(|_| 60_000_000_000),
        tag("h").map(|_| 3_600_000_000_000),
    ))
    .parse(input)
}

fn decimal(input: &str) -> IResult<&str, (&str, Option<&str>)> {
    (
        take_while(|c: char| c.is_ascii_digit()),
        opt((tag("."), take_while(|c: char| c.is_ascii_digit())).map(|(_, f)| f)),
    )
        .parse(input)
}

fn component(input: &str) -> IResult<&str, Option<i64>> {
    (decimal, unit)
        .map(|((int, frac), per)| {
            if int.is_empty() && frac.is_none_or(str::is_empty) {
                return None;
            }
            let whole = if int.is_empty() {
                0
            } else {
                int.parse::<i64>().ok()?
            };
            let mut v = whole.checked_mul(per)?;
            if let Some(frac) = frac.filter(|f| !f.is_empty()) {
                // Truncate like Go: only digits that can matter at 1 ns.
                let digits = &frac[..frac.len().min(18)];
                let f: i128 = digits.parse().ok()?;
                let add = f * per as i128 / 10i128.pow(digits.len() as u32);
                v = v.checked_add(i64::try_from(add).ok()?)?;
            }
            Some(v)
        })
        .parse(input)
}

/// Go duration syntax (`1.5ms`, `2h45m`, `300µs`), as `time.ParseDuration`.
pub fn go_duration_ns(text: &str) -> Option<i64> {
    fn duration(input: &str) -> IResult<&str, Option<i64>> {
        let (rest, sign) = opt(alt((tag("-"), tag("+")))).parse(input)?;
        if rest == "0" {
            return Ok(("", Some(0)));
        }
        let (rest, parts) = many1(component).parse(rest)?;
        let total = parts
            .into_iter()
            .try_fold(0i64, |acc, p| acc.checked_add(p?));
        Ok((rest, total.map(|t| if sign == Some("-") { -t } else { t })))
    }
    all_consuming(duration).parse(text).ok()?.1
}

/// A duration field's value: `_ns` fields and bare integers are nanoseconds
/// (slog), decimals are seconds (zap production), strings Go syntax.
pub fn duration_value_ns(text: &[u8], is_string: bool, ns: bool) -> Option<i64> {
    if ns {
        return parse_ns_integer(text);
    }
    if is_string {
        return go_duration_ns(std::str::from_utf8(text).ok()?);
    }
    if text.contains(&b'.') {
        let (int, frac) = text.split_at(memchr::memchr(b'.', text)?);
        return scaled(int, &frac[1..], 9);
    }
    parse_ns_integer(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zap_float_seconds_are_exact() {
        assert_eq!(
            epoch_number_ns(b"1795697153.8692791"),
            Some(1_795_697_153_869_279_100)
        );
        assert_eq!(
            epoch_number_ns(b"1795697153"),
            Some(1_795_697_153_000_000_000)
        );
        assert_eq!(
            epoch_number_ns(b"1795697153869"),
            Some(1_795_697_153_869_000_000)
        );
        assert_eq!(
            epoch_number_ns(b"1795697153869279100"),
            Some(1_795_697_153_869_279_100)
        );
        assert_eq!(epoch_number_ns(b"17x"), None);
        assert_eq!(
            epoch_number_ns(b"1.795697153869e9"),
            Some(1_795_697_153_869_000_000)
        );
        assert_eq!(
            epoch_number_ns(b"1795697153869E-3"),
            Some(1_795_697_153_869_000_000)
        );
        assert_eq!(epoch_number_ns(b"1e400"), None);
    }

    #[test]
    fn rfc3339_any_fraction_and_offset() {
        assert_eq!(
            rfc3339_ns(b"2026-11-26T12:45:54.08764445Z"),
            Some(1_795_697_154_087_644_450)
        );
        assert_eq!(
            rfc3339_ns(b"2026-11-26T13:45:54.08764445+01:00"),
            Some(1_795_697_154_087_644_450)
        );
        assert_eq!(
            rfc3339_ns(b"2026-11-26T12:45:54Z"),
            Some(1_795_697_154_000_000_000)
        );
        assert_eq!(rfc3339_ns(b"yesterday"), None);
    }

    #[test]
    fn the_fast_path_agrees_with_jiff() {
        let jiff = |s: &str| {
            s.parse::<jiff::Timestamp>()
                .ok()
                .map(|t| t.as_nanosecond() as i64)
        };
        for s in [
            "2026-11-26T12:45:54.08764445Z",
            "2026-11-26T12:45:54Z",
            "2024-02-29T23:59:59.999999999Z",
            "2000-03-01T00:00:00.1Z",
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.5Z",
            "2100-02-28T01:02:03.000000001Z",
            "2026-11-26 12:45:54.5Z",
        ] {
            assert_eq!(rfc3339_utc_fast(s.as_bytes()), jiff(s), "{s}");
        }
        for s in [
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-11-26T12:45:60Z",
        ] {
            assert_eq!(rfc3339_utc_fast(s.as_bytes()), None, "{s}");
            assert_eq!(
                rfc3339_ns(s.as_bytes()),
                jiff(s),
                "{s}: the general parser decides"
            );
        }
    }

    #[test]
    fn go_durations() {
        assert_eq!(go_duration_ns("1.5ms"), Some(1_500_000));
        assert_eq!(go_duration_ns("100us"), Some(100_000));
        assert_eq!(go_duration_ns("300µs"), Some(300_000));
        assert_eq!(go_duration_ns("2h45m"), Some(9_900_000_000_000));
        assert_eq!(go_duration_ns("0"), Some(0));
        assert_eq!(go_duration_ns("-1s"), Some(-1_000_000_000));
        assert_eq!(go_duration_ns("1"), None);
        assert_eq!(go_duration_ns("ms"), None);
        assert_eq!(go_duration_ns(""), None);
    }

    #[test]
    fn duration_values() {
        assert_eq!(duration_value_ns(b"196", false, true), Some(196));
        assert_eq!(duration_value_ns(b"0.000196", false, false), Some(196_000));
        assert_eq!(duration_value_ns(b"196", false, false), Some(196));
        assert_eq!(duration_value_ns(b"1.5ms", true, false), Some(1_500_000));
    }
}
