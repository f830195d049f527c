//! Opening inputs: directories expanded in sorted order, regular files
//! memory-mapped (or read), stdin read into memory, and input bytes split
//! into chunks of whole lines for parallel parsing.

use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::{Path, PathBuf};

use memmap2::Mmap;

use crate::formats::wrappers::{self, Wrapper};
use thiserror::Error;

/// How regular files are read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MmapMode {
    /// Map large regular files, read small ones.
    #[default]
    Auto,
    /// Always read files into memory.
    Never,
}

/// Files smaller than this are read: mapping costs more than it saves.
const MAP_THRESHOLD: u64 = 256 * 1024;
/// Files modified more recently than this are read, not mapped.
const SETTLED: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Debug, Error)]
pub enum SourceError {
    /// The OS error is part of the message and not a `source`: printed
    /// with its chain (`{:#}`) it would read twice.
    #[error("{path}: {error}")]
    Io { path: String, error: io::Error },
}

/// Where an input comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    Stdin,
    File(PathBuf),
}

impl Origin {
    pub fn display(&self) -> String {
        match self {
            Origin::Stdin => "-".to_string(),
            Origin::File(p) => p.display().to_string(),
        }
    }
}

enum Data {
    Mapped(Mmap),
    Owned(Vec<u8>),
}

/// One opened input and its bytes.
pub struct Input {
    pub path: String,
    data: Data,
    /// `gzip` or `zstd` when the file was compressed.
    pub compression: Option<&'static str>,
    /// A problem reading the whole input (truncated archive, size limit):
    /// what was read before it is kept.
    pub error: Option<String>,
    /// The container log wrapper undone, if any.
    pub wrapper: Option<Wrapper>,
    /// With a wrapper: the wrapped line of each inner line, and the
    /// wrapper's time of each (`i64::MIN` when unknown).
    pub line_map: Option<Vec<u32>>,
    pub wrapper_times: Option<Vec<i64>>,
    /// Wrapped lines that were not entries: (line, message).
    pub wrapper_diags: Vec<(u32, String)>,
}

impl Input {
    pub fn bytes(&self) -> &[u8] {
        match &self.data {
            Data::Mapped(m) => m,
            Data::Owned(v) => v,
        }
    }

    /// An in-memory input (tests, decompressed streams).
    pub fn from_bytes(path: impl Into<String>, bytes: Vec<u8>) -> Input {
        Input {
            path: path.into(),
            data: Data::Owned(bytes),
            compression: None,
            error: None,
            wrapper: None,
            line_map: None,
            wrapper_times: None,
            wrapper_diags: Vec::new(),
        }
    }

    /// Replaces a container log (Docker json-file, CRI, kubectl
    /// --timestamps) by the text inside it; returns problems as (wrapped
    /// line, message) in `wrapper_diags`.
    pub fn unwrap_container(&mut self) {
        let Some(w) = wrappers::detect(self.bytes()) else {
            return;
        };
        let u = wrappers::unwrap(self.bytes(), w);
        self.data = Data::Owned(u.text);
        self.wrapper = Some(w);
        self.line_map = Some(u.lines);
        self.wrapper_times = Some(u.times);
        self.wrapper_diags = u.diags;
    }

    /// The line of the original input for a line of `bytes()`.
    pub fn original_line(&self, line: u32) -> u32 {
        match &self.line_map {
            Some(m) if line >= 1 => m.get(line as usize - 1).copied().unwrap_or(line),
            _ => line,
        }
    }

    /// Replaces compressed bytes by what they decompress to (gzip: every
    /// member; zstd), at most `max` bytes. Magic bytes decide, not the name.
    pub fn decompress(&mut self, max: u64) {
        let bytes = self.bytes();
        let (kind, reader): (&'static str, Box<dyn Read + '_>) = if bytes.starts_with(&[0x1f, 0x8b])
        {
            ("gzip", Box::new(flate2::read::MultiGzDecoder::new(bytes)))
        } else if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            match zstd::stream::read::Decoder::new(bytes) {
                Ok(d) => ("zstd", Box::new(d)),
                Err(e) => {
                    self.error = Some(format!("zstd data cannot be read: {e}"));
                    return;
                }
            }
        } else {
            return;
        };
        let mut out = Vec::with_capacity(bytes.len().saturating_mul(4));
        let result = reader.take(max.saturating_add(1)).read_to_end(&mut out);
        let error = match result {
            Err(e) => Some(format!(
                "truncated or corrupt {kind} data ({e}); the {} bytes before it are read",
                out.len()
            )),
            Ok(_) if out.len() as u64 > max => {
                out.truncate(max as usize);
                Some(format!(
                    "{kind} data decompresses to more than --max-decompressed {max} bytes; the rest is skipped"
                ))
            }
            Ok(_) => None,
        };
        self.data = Data::Owned(out);
        self.compression = Some(kind);
        self.error = error;
    }
}

/// Expands the command line's paths: directories are walked recursively,
/// entries in byte order of their names; `-` is stdin.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<Origin>, SourceError> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Origin::Stdin);
        } else {
            walk(p, &mut out)?;
        }
    }
    Ok(out)
}

fn walk(path: &Path, out: &mut Vec<Origin>) -> Result<(), SourceError> {
    let err = |error| SourceError::Io {
        path: path.display().to_string(),
        error,
    };
    let meta = std::fs::metadata(path).map_err(err)?;
    if !meta.is_dir() {
        out.push(Origin::File(path.to_path_buf()));
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
        .map_err(err)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(err)?;
    entries.sort();
    for e in entries {
        walk(&e, out)?;
    }
    Ok(())
}

/// Opens one input.
pub fn open(origin: &Origin, mode: MmapMode) -> Result<Input, SourceError> {
    let path = origin.display();
    let err = |error| SourceError::Io {
        path: path.clone(),
        error,
    };
    let data = match origin {
        Origin::Stdin => {
            let mut v = Vec::new();
            io::stdin().lock().read_to_end(&mut v).map_err(err)?;
            Data::Owned(v)
        }
        Origin::File(p) => {
            let mut file = File::open(p).map_err(err)?;
            let meta = file.metadata().map_err(err)?;
            // A file still being written (or rotated by copytruncate) could
            // shrink under a map and kill the process: read those.
            let settled = meta
                .modified()
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|age| age >= SETTLED);
            if mode == MmapMode::Auto && meta.is_file() && meta.len() >= MAP_THRESHOLD && settled {
                match map_file(&file) {
                    Ok(m) => Data::Mapped(m),
                    Err(_) => Data::Owned(read_all(&mut file, meta.len()).map_err(err)?),
                }
            } else {
                Data::Owned(read_all(&mut file, meta.len()).map_err(err)?)
            }
        }
    };
    Ok(Input {
        path,
        data,
        compression: None,
        error: None,
        wrapper: None,
        line_map: None,
        wrapper_times: None,
        wrapper_diags: Vec::new(),
    })
}

fn read_all(file: &mut File, hint: u64) -> io::Result<Vec<u8>> {
    let mut v = Vec::with_capacity(hint as usize);
    file.read_to_end(&mut v)?;
    Ok(v)
}

/// Maps a regular file read-only.
#[allow(unsafe_code)]
fn map_file(file: &File) -> io::Result<Mmap> {
    // SAFETY: memmap2's `Mmap::map` maps the file MAP_SHARED and read-only:
    // the slice we hand out aliases the page cache, so if another process
    // writes or truncates the file while the map lives, the bytes under a
    // live `&[u8]` change (undefined behaviour in Rust's model) or the access
    // faults with SIGBUS. Nothing in this process writes the file. We accept
    // that risk as ripgrep does for its mmap searcher (same escape hatch):
    // only regular files untouched for a few seconds are mapped (`open`),
    // inputs are post-incident dumps rather than live logs, and
    // `--mmap never` reads them into memory instead.
    let map = unsafe { Mmap::map(file)? };
    #[cfg(unix)]
    let _ = map.advise(memmap2::Advice::Sequential);
    Ok(map)
}

/// True when the bytes look like a binary file rather than text: a NUL in
/// the first 8 KiB.
pub fn looks_binary(bytes: &[u8]) -> bool {
    memchr::memchr(0, &bytes[..bytes.len().min(8192)]).is_some()
}

/// A line where a chunk may begin: a log record, never the inside of a
/// multi-line block (race report, goroutine dump), whose lines start with
/// none of these.
fn is_safe_start(line: &[u8]) -> bool {
    match line.first() {
        Some(b'{') => true,
        Some(c) if c.is_ascii_digit() => {
            // A timestamp: 2026-11-26T…, 12:45:53…
            line.len() > 5 && (line[4] == b'-' || line[2] == b':')
        }
        Some(c) if c.is_ascii_alphabetic() || *c == b'_' => {
            // logfmt: `key=…`, but not a crash dump's `PC=0x…`.
            let key = line
                .iter()
                .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_' || *c == b'.'));
            matches!(key, Some(k) if line[k] == b'=' && &line[..k] != b"PC")
        }
        _ => false,
    }
}

/// Splits `bytes` into ranges of about `target` bytes that end at line ends,
/// each beginning at a line that starts a record (see [`is_safe_start`]), so
/// no multi-line block is cut. A text without such lines stays whole.
pub fn chunks(bytes: &[u8], target: usize) -> Vec<Range<usize>> {
    let target = target.max(1);
    let mut out = Vec::with_capacity(bytes.len() / target + 1);
    let mut start = 0;
    while start < bytes.len() {
        let mut end = bytes.len();
        let mut at = start.saturating_add(target);
        while at < bytes.len() {
            let Some(n) = memchr::memchr(b'\n', &bytes[at..]) else {
                break;
            };
            let next = at + n + 1;
            let line_end = memchr::memchr(b'\n', &bytes[next..]).map_or(bytes.len(), |m| next + m);
            if next < bytes.len() && is_safe_start(&bytes[next..line_end]) {
                end = next;
                break;
            }
            at = next;
        }
        out.push(start..end);
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_end_at_lines_and_cover_everything() {
        let text = b"aaa\nbb\ncccc\nd\n\ne";
        for target in 1..20 {
            let cs = chunks(text, target);
            assert_eq!(cs.first().unwrap().start, 0);
            assert_eq!(cs.last().unwrap().end, text.len());
            for w in cs.windows(2) {
                assert_eq!(w[0].end, w[1].start);
                assert_eq!(text[w[0].end - 1], b'\n');
            }
        }
        assert!(chunks(b"", 10).is_empty());
    }

    #[test]
    fn chunks_never_cut_a_dump() {
        let mut text = Vec::new();
        text.extend_from_slice(b"{\"a\":1}\n{\"a\":2}\n");
        text.extend_from_slice(b"fatal error: concurrent map writes\n\ngoroutine 1 [running]:\nmain.main()\n\t/x.go:1 +0x1\n");
        text.extend_from_slice(b"{\"a\":3}\n");
        let dump = 16..text.len() - 8;
        for target in 1..text.len() {
            for c in chunks(&text, target) {
                assert!(
                    !(c.start > dump.start && c.start < dump.end),
                    "chunk at {} cuts the dump {dump:?}",
                    c.start
                );
            }
        }
        assert!(is_safe_start(b"ts=2026 level=info"));
        assert!(!is_safe_start(b"PC=0x46ad61 m=0 sigcode=0"));
        assert!(!is_safe_start(b"goroutine 1 [running]:"));
        assert!(is_safe_start(b"2026-11-26T12:45:53.869Z\tINFO"));
    }

    #[test]
    fn gzip_members_and_truncation() {
        use std::io::Write;
        let mut all = Vec::new();
        for part in [&b"{\"a\":1}\n"[..], b"{\"a\":2}\n"] {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            e.write_all(part).unwrap();
            all.extend(e.finish().unwrap());
        }
        let mut i = Input::from_bytes("x", all.clone());
        i.decompress(1 << 20);
        assert_eq!(i.bytes(), b"{\"a\":1}\n{\"a\":2}\n");
        assert_eq!((i.compression, i.error.as_deref()), (Some("gzip"), None));
        let mut cut = Input::from_bytes("x", all[..all.len() - 10].to_vec());
        cut.decompress(1 << 20);
        assert!(cut.error.as_deref().unwrap().contains("truncated"));
        assert!(cut.bytes().starts_with(b"{\"a\":1}\n"));
        let mut small = Input::from_bytes("x", all);
        small.decompress(5);
        assert_eq!(small.bytes().len(), 5);
        assert!(
            small
                .error
                .as_deref()
                .unwrap()
                .contains("--max-decompressed")
        );
        let z = zstd::encode_all(&b"{\"a\":3}\n"[..], 1).unwrap();
        let mut zi = Input::from_bytes("x", z);
        zi.decompress(1 << 20);
        assert_eq!(
            (zi.bytes(), zi.compression),
            (&b"{\"a\":3}\n"[..], Some("zstd"))
        );
    }

    #[test]
    fn binary_detection() {
        assert!(looks_binary(b"\x7fELF\x02\x01\x01\x00"));
        assert!(!looks_binary(b"{\"a\":1}\n"));
    }
}
