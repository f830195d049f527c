//! Container log wrappers, undone before parsing: Docker's json-file driver
//! (`{"log":"…\n","stream":"stderr","time":"…"}`, a long line split over
//! several entries), CRI (`TIME STREAM F|P LINE`, partial `P` lines joined)
//! and `kubectl logs --timestamps` (`TIME LINE`).
//!
//! The inner text is what the program wrote, so race reports and dumps
//! inside it parse as usual. Each inner line remembers its first wrapper
//! line (for evidence) and the wrapper's time (the fallback when the inner
//! record has no time of its own).

use super::fields::{Concept, FieldOverride, FieldTable};
use super::json::{self, RawRecord};
use super::lines::Lines;
use super::time::rfc3339_ns;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wrapper {
    Docker,
    Cri,
    Kubectl,
}

impl Wrapper {
    pub fn name(self) -> &'static str {
        match self {
            Wrapper::Docker => "docker",
            Wrapper::Cri => "cri",
            Wrapper::Kubectl => "kubectl",
        }
    }
}

/// The inner text of a wrapped input.
#[derive(Debug, Default)]
pub struct Unwrapped {
    pub text: Vec<u8>,
    /// For each inner line, its (first) line in the wrapped input.
    pub lines: Vec<u32>,
    /// For each inner line, the wrapper's time, `i64::MIN` when unknown.
    pub times: Vec<i64>,
    /// (line, problem) in the wrapped input.
    pub diags: Vec<(u32, String)>,
}

/// An RFC 3339 time at the start of `line`, then a space: (time, rest).
fn leading_time(line: &[u8]) -> Option<(i64, &[u8])> {
    if line.len() < 20
        || !line[..4].iter().all(u8::is_ascii_digit)
        || line[4] != b'-'
        || line[10] != b'T'
    {
        return None;
    }
    let sp = memchr::memchr(b' ', line)?;
    Some((rfc3339_ns(&line[..sp])?, &line[sp + 1..]))
}

/// `STREAM SP ( "F" | "P" ) SP` after a CRI time: (partial, message).
fn cri_rest(rest: &[u8]) -> Option<(bool, &[u8])> {
    let rest = rest
        .strip_prefix(b"stdout ")
        .or_else(|| rest.strip_prefix(b"stderr "))?;
    let (tag, msg) = match rest {
        [t @ (b'F' | b'P'), b' ', msg @ ..] => (*t, msg),
        [t @ (b'F' | b'P')] => (*t, &b""[..]),
        _ => return None,
    };
    Some((tag == b'P', msg))
}

fn docker_table() -> FieldTable {
    FieldTable::new(&[
        FieldOverride {
            concept: Concept::Msg,
            name: "log".into(),
        },
        FieldOverride {
            concept: Concept::Time,
            name: "time".into(),
        },
        FieldOverride {
            concept: Concept::Key,
            name: "stream".into(),
        },
    ])
}

/// Docker's entry: (log text, time).
fn docker_entry(line: &[u8], table: &FieldTable) -> Option<(Vec<u8>, i64)> {
    if !line.starts_with(b"{\"log\":") {
        return None;
    }
    let mut rec = RawRecord::default();
    json::scan_object(line, table, &mut rec).ok()?;
    let log = rec.get(Concept::Msg)?.value.text().into_owned();
    rec.get(Concept::Key)?;
    let time = rec
        .get(Concept::Time)
        .and_then(|t| rfc3339_ns(&t.value.text()))
        .unwrap_or(i64::MIN);
    Some((log, time))
}

/// Which wrapper the input's first non-blank line shows, if any.
pub fn detect(bytes: &[u8]) -> Option<Wrapper> {
    let mut lines = Lines::new(bytes);
    let first = loop {
        match lines.take() {
            Some((_, l)) if l.trim_ascii().is_empty() => continue,
            Some((_, l)) => break l,
            None => return None,
        }
    };
    if docker_entry(first, &docker_table()).is_some() {
        return Some(Wrapper::Docker);
    }
    let (_, rest) = leading_time(first)?;
    Some(if cri_rest(rest).is_some() {
        Wrapper::Cri
    } else {
        Wrapper::Kubectl
    })
}

/// The inner text of `bytes`; lines that are not wrapped pass through.
pub fn unwrap(bytes: &[u8], w: Wrapper) -> Unwrapped {
    let table = docker_table();
    let mut out = Unwrapped::default();
    // A partial line waiting for its end: (first line, time).
    let mut pending: Option<(u32, i64)> = None;
    let push = |out: &mut Unwrapped, text: &[u8], line: u32, time: i64, complete: bool| {
        // A message that itself holds newlines is several inner lines, all
        // from this wrapped line.
        for _ in memchr::memchr_iter(b'\n', text) {
            out.lines.push(line);
            out.times.push(time);
        }
        out.text.extend_from_slice(text);
        if complete {
            out.text.push(b'\n');
            out.lines.push(line);
            out.times.push(time);
        }
    };
    let mut lines = Lines::new(bytes);
    while let Some((n, line)) = lines.take() {
        let entry: Option<(Vec<u8>, bool, i64)> = match w {
            Wrapper::Docker => docker_entry(line, &table).map(|(mut log, t)| {
                let complete = log.last() == Some(&b'\n');
                if complete {
                    log.pop();
                    if log.last() == Some(&b'\r') {
                        log.pop();
                    }
                }
                (log, !complete, t)
            }),
            Wrapper::Cri => leading_time(line)
                .and_then(|(t, rest)| cri_rest(rest).map(|(p, msg)| (msg.to_vec(), p, t))),
            Wrapper::Kubectl => leading_time(line).map(|(t, rest)| (rest.to_vec(), false, t)),
        };
        match entry {
            Some((text, partial, time)) => {
                let (first, t0) = pending.unwrap_or((n, time));
                push(&mut out, &text, first, t0, !partial);
                pending = partial.then_some((first, t0));
            }
            None => {
                if let Some((first, t0)) = pending.take() {
                    push(&mut out, b"", first, t0, true);
                }
                if !line.trim_ascii().is_empty() {
                    out.diags.push((
                        n,
                        format!("line is not a {} log entry; read as is", w.name()),
                    ));
                }
                push(&mut out, line, n, i64::MIN, true);
            }
        }
    }
    if let Some((first, t0)) = pending {
        push(&mut out, b"", first, t0, true);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_split_entries_join() {
        let text = concat!(
            r#"{"log":"{\"op\":","stream":"stderr","time":"2026-11-26T12:45:53.869279100Z"}"#,
            "\n",
            r#"{"log":"\"read\"}\n","stream":"stderr","time":"2026-11-26T12:45:53.869279200Z"}"#,
            "\n"
        )
        .as_bytes();
        assert_eq!(detect(text), Some(Wrapper::Docker));
        let u = unwrap(text, Wrapper::Docker);
        assert_eq!(
            u.text,
            br#"{"op":"read"}"#.iter().chain(b"\n").copied().collect::<Vec<u8>>()
        );
        assert_eq!(u.lines, [1]);
        assert_eq!(u.times, [1_795_697_153_869_279_100]);
        assert!(u.diags.is_empty());
    }

    #[test]
    fn cri_partial_lines_join() {
        let text = b"2026-11-26T12:45:53.869279100Z stderr P {\"op\":\n2026-11-26T12:45:53.869279200Z stderr F \"read\"}\n2026-11-26T12:45:53.9Z stdout F plain\n";
        assert_eq!(detect(text), Some(Wrapper::Cri));
        let u = unwrap(text, Wrapper::Cri);
        assert_eq!(u.text, b"{\"op\":\"read\"}\nplain\n");
        assert_eq!(u.lines, [1, 3]);
    }

    #[test]
    fn kubectl_prefix_is_stripped() {
        let text = b"2026-11-26T12:45:53.869279100Z ts=1 op=read\n";
        assert_eq!(detect(text), Some(Wrapper::Kubectl));
        assert_eq!(unwrap(text, Wrapper::Kubectl).text, b"ts=1 op=read\n");
        assert_eq!(detect(b"2026-11-26T12:45:53.869Z\tINFO\tx\tmsg\n"), None);
        assert_eq!(detect(b"{\"ts\":1}\n"), None);
    }
}
