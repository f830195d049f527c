//! Ingest: opened inputs → per-input accounting, whole-document inputs
//! (static analysers' findings, STD traces) read whole, and the chunks of
//! every other input parsed in parallel.

use rayon::prelude::*;

use super::{Diagnostics, InputStats, Mode, Settings};
use crate::formats::static_findings::StaticFinding;
use crate::formats::wrappers::Wrapper;
use crate::formats::{self, ChunkOut, Formats, Severity};
use crate::replay::hb_input::{self, HbScope};
use crate::source::{self, Input};

/// Chunks are at least this big; smaller ones cost more in merging than
/// they gain in parallelism.
const MIN_CHUNK: usize = 1 << 20;

/// A chunk to parse: an input and a byte range of whole lines.
pub type Job = (u32, std::ops::Range<usize>);

/// What ingest hands on.
pub struct Ingested<'a> {
    pub stats: Vec<InputStats>,
    /// The chunks, in input and byte order, with their parse.
    pub jobs: Vec<Job>,
    pub outs: Vec<ChunkOut<'a>>,
    /// `--mode hb`: one result per STD trace input.
    pub std_scopes: Vec<HbScope>,
    pub statics: Vec<StaticFinding>,
}

/// Reads every input: accounting, whole documents, then parsed chunks.
/// `progress` is told the input and the bytes of each chunk as it is parsed.
pub fn ingest<'a>(
    inputs: &'a [Input],
    settings: &Settings,
    diags: &mut Diagnostics,
    progress: &(dyn Fn(u32, u64) + Sync),
) -> Ingested<'a> {
    let mut ing = plan(inputs, settings, diags, chunk_target(inputs));
    ing.outs = parse(inputs, settings, &ing.jobs, progress);
    ing
}

/// The chunk size that gives each thread several chunks.
fn chunk_target(inputs: &[Input]) -> usize {
    let total: usize = inputs.iter().map(|i| i.bytes().len()).sum();
    (total / (rayon::current_num_threads() * 8).max(1)).max(MIN_CHUNK)
}

/// Accounting and whole documents; the chunks of `target` bytes still to
/// parse are in `jobs` (and `outs` is empty).
pub fn plan<'a>(
    inputs: &'a [Input],
    settings: &Settings,
    diags: &mut Diagnostics,
    target: usize,
) -> Ingested<'a> {
    let mut stats = accounting(inputs, diags);
    let mut std_scopes = Vec::new();
    let mut statics = Vec::new();
    let mut jobs: Vec<Job> = Vec::new();
    for (n, input) in inputs.iter().enumerate() {
        let whole = classify(
            input,
            n as u32,
            settings,
            &mut stats[n],
            diags,
            &mut std_scopes,
            &mut statics,
        );
        let bytes = input.bytes();
        match whole {
            Reading::Done => {}
            Reading::Whole => jobs.push((n as u32, 0..bytes.len())),
            Reading::Chunks => jobs.extend(
                source::chunks(bytes, target)
                    .into_iter()
                    .map(|r| (n as u32, r)),
            ),
        }
    }
    Ingested {
        stats,
        jobs,
        outs: Vec::new(),
        std_scopes,
        statics,
    }
}

/// Parses `jobs` in parallel, in their order.
pub fn parse<'a>(
    inputs: &'a [Input],
    settings: &Settings,
    jobs: &[Job],
    progress: &(dyn Fn(u32, u64) + Sync),
) -> Vec<ChunkOut<'a>> {
    jobs.par_iter()
        .map(|(n, range)| {
            let input = &inputs[*n as usize];
            let out = formats::parse_chunk(
                &input.bytes()[range.clone()],
                *n,
                &settings.parse,
                input.wrapper_times.as_deref(),
            );
            progress(*n, range.len() as u64);
            out
        })
        .collect()
}

/// Per-input figures known before parsing, and the inputs' own problems.
fn accounting(inputs: &[Input], diags: &mut Diagnostics) -> Vec<InputStats> {
    let mut stats: Vec<InputStats> = inputs
        .iter()
        .map(|i| InputStats {
            path: i.path.clone(),
            compression: i.compression,
            bytes: i.bytes().len() as u64,
            ..InputStats::default()
        })
        .collect();
    for (n, input) in inputs.iter().enumerate() {
        let n = n as u32;
        for (line, message) in &input.wrapper_diags {
            diags.line(n, *line, 1, Severity::Warning, message.clone());
        }
        if let Some(err) = &input.error {
            diags.whole(n, Severity::Error, err.clone());
        }
        if let Some(w) = input.wrapper {
            stats[n as usize].formats.insert(match w {
                Wrapper::Docker => Formats::DOCKER,
                Wrapper::Cri => Formats::CRI,
                Wrapper::Kubectl => Formats::KUBECTL,
            });
        }
    }
    stats
}

/// How an input is read after [`classify`].
enum Reading {
    /// Already read whole, or skipped.
    Done,
    /// Parsed as one chunk.
    Whole,
    Chunks,
}

/// Skips what is not a log and reads the whole-document formats; says how
/// the rest is parsed.
fn classify(
    input: &Input,
    n: u32,
    settings: &Settings,
    st: &mut InputStats,
    diags: &mut Diagnostics,
    std_scopes: &mut Vec<HbScope>,
    statics: &mut Vec<StaticFinding>,
) -> Reading {
    let bytes = input.bytes();
    if bytes.is_empty() {
        diags.whole(n, Severity::Warning, "empty input".into());
        return Reading::Done;
    }
    if source::looks_binary(bytes) {
        st.skipped = true;
        let msg = "binary data (NUL bytes), not a log; input skipped";
        diags.whole(n, Severity::Warning, msg.into());
        return Reading::Done;
    }
    // Static analysers' findings are whole documents, read whole.
    let mut found = Vec::new();
    if let Some(unkept) = formats::static_findings::read_input(
        bytes,
        n,
        |l| input.original_line(l),
        st,
        &mut found,
        statics,
        settings.parse.max_diags,
    ) {
        diags.extend(found);
        diags.unkept(unkept);
        return Reading::Done;
    }
    let std = first_line_is_std(bytes);
    if std && settings.mode == Mode::HappensBefore {
        std_scopes.push(std_trace(input, n, settings, st, diags));
        return Reading::Done;
    }
    if std {
        let msg = "looks like an STD trace: --mode hb analyses it";
        diags.whole(n, Severity::Warning, msg.into());
    }
    if input.line_map.is_some() || formats::capture::starts_capture(bytes) {
        // Unwrapped container logs parse whole: their wrapper times are
        // indexed by line; so do kernel captures, whose clock line converts
        // every event's time.
        return Reading::Whole;
    }
    Reading::Chunks
}

/// An STD trace, analysed as it is read (it has no times to merge by).
fn std_trace(
    input: &Input,
    n: u32,
    settings: &Settings,
    st: &mut InputStats,
    diags: &mut Diagnostics,
) -> HbScope {
    let trace = formats::std_trace::parse(input.bytes());
    st.formats.insert(Formats::STD);
    st.lines = trace.lines as u64;
    st.records = trace.events.len() as u64;
    st.parse_errors = trace.malformed;
    st.context = st.lines - st.records - st.parse_errors;
    diags.unkept(trace.malformed - trace.diagnostics.len() as u64);
    for (line, col, msg) in &trace.diagnostics {
        diags.line(n, *line, *col, Severity::Error, msg.clone());
    }
    hb_input::from_std(&input.path, n, &trace, settings.sweep.examples)
}

/// True when the input's first non-blank line is an STD trace event.
fn first_line_is_std(bytes: &[u8]) -> bool {
    bytes
        .split(|&c| c == b'\n')
        .find(|l| !l.trim_ascii().is_empty())
        .is_some_and(formats::std_trace::looks_like_std)
}
