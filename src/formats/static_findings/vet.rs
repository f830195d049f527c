//! `go vet -json` (package lines and one tree per package, as the go
//! command prints it on stderr) and staticcheck `-f json` (one problem per
//! line).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{LineIndex, Parsed, StaticFinding, json_error, offset_of};

#[derive(Deserialize)]
struct VetDiagnostic {
    posn: String,
    message: String,
}

#[derive(Deserialize)]
struct VetError {
    error: String,
}

/// `file:line:col` or `file:line`; `None` for `-` and other positionless forms.
pub fn split_posn(posn: &str) -> Option<(&str, u32, u32)> {
    let (rest, last) = posn.rsplit_once(':')?;
    let last: u32 = last.parse().ok()?;
    match rest.rsplit_once(':') {
        Some((file, line)) if !file.is_empty() => match line.parse::<u32>() {
            Ok(line) => Some((file, line, last)),
            Err(_) => Some((rest, last, 0)),
        },
        _ if !rest.is_empty() => Some((rest, last, 0)),
        _ => None,
    }
    .filter(|&(_, line, _)| line > 0)
}

pub(super) fn parse(bytes: &[u8], index: &LineIndex, input: u32, out: &mut Parsed) {
    let mut pos = 0;
    while pos < bytes.len() {
        let line_end = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |n| pos + n + 1);
        let line = bytes[pos..line_end].trim_ascii();
        if line.is_empty() || line.starts_with(b"#") {
            out.context += 1;
            pos = line_end;
            continue;
        }
        if !line.starts_with(b"{") {
            // Build errors and other tool output between the trees.
            out.context += 1;
            pos = line_end;
            continue;
        }
        let mut stream =
            serde_json::Deserializer::from_slice(&bytes[pos..]).into_iter::<&RawValue>();
        match stream.next() {
            Some(Ok(raw)) => {
                let end = pos + stream.byte_offset();
                vet_tree(bytes, index, raw, input, out);
                // The rest of the value's last line is part of it.
                pos = memchr::memchr(b'\n', &bytes[end..]).map_or(bytes.len(), |n| end + n + 1);
            }
            Some(Err(e)) => {
                let at = json_error(index, bytes, pos, &e);
                out.error(at, format!("invalid go vet -json output: {e}"));
                // Resume at the next package line or tree after the error;
                // the broken value's other lines are context.
                let next = index.0[(at.0 as usize).min(index.0.len())..]
                    .iter()
                    .copied()
                    .find(|&s| matches!(bytes.get(s), Some(b'#' | b'{')))
                    .unwrap_or(bytes.len());
                let first = index.at(pos).0;
                let last = index.at(next.saturating_sub(1).max(pos)).0;
                out.context += last - first;
                pos = next.max(line_end);
            }
            None => break,
        }
    }
}

fn vet_tree(bytes: &[u8], index: &LineIndex, raw: &RawValue, input: u32, out: &mut Parsed) {
    let at = index.at(offset_of(bytes, raw));
    let tree: BTreeMap<String, BTreeMap<String, &RawValue>> = match serde_json::from_str(raw.get())
    {
        Ok(t) => t,
        Err(e) => {
            out.error(
                at,
                format!("go vet -json: expected {{package: {{analyzer: [...]}}}}: {e}"),
            );
            return;
        }
    };
    for analyzers in tree.values() {
        for (analyzer, result) in analyzers {
            let rat = index.at(offset_of(bytes, result));
            if let Ok(e) = serde_json::from_str::<VetError>(result.get()) {
                out.warn(rat, format!("go vet {analyzer} failed: {}", e.error));
                continue;
            }
            let diags: Vec<&RawValue> = match serde_json::from_str(result.get()) {
                Ok(d) => d,
                Err(e) => {
                    out.error(rat, format!("go vet {analyzer}: expected a list: {e}"));
                    continue;
                }
            };
            for d in diags {
                let dat = index.at(offset_of(bytes, d));
                let diag: VetDiagnostic = match serde_json::from_str(d.get()) {
                    Ok(x) => x,
                    Err(e) => {
                        out.error(dat, format!("go vet {analyzer}: invalid diagnostic: {e}"));
                        continue;
                    }
                };
                let Some((file, line, col)) = split_posn(&diag.posn) else {
                    out.warn(
                        dat,
                        format!(
                            "go vet {analyzer}: position {:?} is not file:line:col; not joined",
                            diag.posn
                        ),
                    );
                    continue;
                };
                out.findings.push(StaticFinding {
                    path: file.to_string(),
                    line,
                    col,
                    tool: "go vet".into(),
                    rule: analyzer.clone(),
                    message: diag.message,
                    suppressed: false,
                    input,
                    input_line: dat.0,
                    input_col: dat.1,
                });
            }
        }
    }
}

#[derive(Deserialize)]
struct ScProblem {
    code: String,
    location: ScLocation,
    message: String,
}

#[derive(Deserialize)]
struct ScLocation {
    file: String,
    line: u32,
    column: u32,
}

pub(super) fn staticcheck_json(bytes: &[u8], input: u32, out: &mut Parsed) {
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        let line_no = n as u32 + 1;
        if line_no > out.lines {
            break;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.trim_ascii().is_empty() {
            out.context += 1;
            continue;
        }
        let p: ScProblem = match serde_json::from_slice(line) {
            Ok(p) => p,
            Err(e) => {
                out.error(
                    (line_no, e.column().max(1) as u32),
                    format!("invalid staticcheck -f json line: {e}"),
                );
                continue;
            }
        };
        if p.code == "compile" || p.location.line == 0 {
            out.warn(
                (line_no, 1),
                format!("staticcheck {}: {} (not joined)", p.code, p.message),
            );
            continue;
        }
        out.findings.push(StaticFinding {
            path: p.location.file,
            line: p.location.line,
            col: p.location.column,
            tool: "staticcheck".into(),
            rule: p.code,
            message: p.message,
            suppressed: false,
            input,
            input_line: line_no,
            input_col: 1,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vet_positions() {
        assert_eq!(split_posn("/a/b.go:19:9"), Some(("/a/b.go", 19, 9)));
        assert_eq!(split_posn("b.go:19"), Some(("b.go", 19, 0)));
        assert_eq!(split_posn("C:/a/b.go:3:1"), Some(("C:/a/b.go", 3, 1)));
        assert_eq!(split_posn("-"), None);
        assert_eq!(split_posn("b.go:0:0"), None);
    }
}
