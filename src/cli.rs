//! The command line (clap derive). Doc comments are the help text; nothing
//! past [`crate::config`] sees these types.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::formats::fields::FieldOverride;

/// Postmortem of concurrency failures in Go services.
///
/// racetrail reads log dumps offline (zap and other JSON-lines access logs
/// with lock events), replays every goroutine's map accesses and lock holds
/// in time order, and reports the accesses to one map by different
/// goroutines whose windows overlap while no common lock protects them —
/// with the file and line of every record a finding rests on.
///
/// Default arguments for scan and graph can live in a file named by
/// RACETRAIL_CONFIG_PATH, one argument per line (blank lines and lines
/// starting with # skipped); they go before the arguments given, so those
/// win. --no-config ignores the file.
///
/// Exit status: 0 no findings, 1 findings, 2 error.
#[derive(Debug, Parser)]
#[command(
    name = "racetrail",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan logs and report conflicting map accesses.
    ///
    /// Example: racetrail scan logs/
    Scan(ScanArgs),
    /// Draw the conflicts as a Graphviz graph (scan --format dot).
    ///
    /// Example: racetrail graph logs/ | dot -Tsvg > conflicts.svg
    Graph(ScanArgs),
    /// Show each finding as swimlanes on the terminal: a lane per goroutine,
    /// its access windows, lock holds and waits on one time axis, the
    /// overlap highlighted, a crash marked (scan --format timeline).
    ///
    /// Shows each conflict site's first example (every selected example with
    /// --trace, --goroutine or --object), each crash with its other side and
    /// each deadlock's cycle. The width is that of the terminal (COLUMNS,
    /// else the terminal's size, else 80 columns).
    ///
    /// Example: racetrail timeline --goroutine 8 --around 50us crash.log
    Timeline(ScanArgs),
    /// Digest goroutine dumps and crashes: buckets of identical stacks,
    /// states, longest waits, the crashing goroutine first.
    ///
    /// Example: racetrail dumps crash.log
    Dumps(DumpsArgs),
    /// Combine JSON reports of separate scans (one per host or shard) into
    /// the report of one scan of all their inputs.
    ///
    /// Example: racetrail merge host-*.json > fleet.json
    Merge(MergeArgs),
    /// Print the uprobes that see every map operation of a Go binary, and
    /// how to record them.
    ///
    /// Reads the binary's symbols, Go version and DWARF, disassembles each
    /// runtime map function (mapaccess*, mapassign*, mapdelete*, map
    /// iteration, mapclear) and prints one tracefs uprobe_events line for its
    /// entry and one for each return instruction, with the fetch arguments
    /// for the map header and the goroutine id. amd64 Go 1.17+ binaries with
    /// symbols and DWARF only.
    ///
    /// Example: racetrail probe ./server | grep '^p:'
    Probe(ProbeArgs),
    /// Record every map operation of a Go program with uprobes, into a
    /// capture that `racetrail scan` reads with the program's logs.
    ///
    /// Linux, root, tracefs and perf. Starts COMMAND (or attaches to --pid),
    /// records until it exits (or --duration passes, or Ctrl-C), writes the
    /// capture, and removes its probes on every way out.
    ///
    /// Example: racetrail record -o run.capture -- ./server -port 8080 2> server.log
    Record(RecordArgs),
    /// Write the man page or a shell completion script to stdout.
    #[command(hide = true)]
    Generate {
        #[arg(value_enum)]
        what: Generated,
    },
}

/// What `racetrail generate` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Generated {
    /// man/racetrail.1
    Man,
    /// man/racetrail-scan.1
    ManScan,
    /// man/racetrail-graph.1
    ManGraph,
    /// man/racetrail-timeline.1
    ManTimeline,
    /// man/racetrail-dumps.1
    ManDumps,
    /// man/racetrail-merge.1
    ManMerge,
    /// man/racetrail-probe.1
    ManProbe,
    /// man/racetrail-record.1
    ManRecord,
    Bash,
    Zsh,
    Fish,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Tables for a terminal, fitted to its width (COLUMNS, else 80). A
    /// conflict site's `first … last`: the start of its earliest conflicting
    /// window and how much later its latest one started.
    Table,
    /// The racetrail.report/v1 JSON document.
    Json,
    /// A Graphviz graph.
    Dot,
    /// A Mermaid flowchart: conflict paths, wait chains, deadlocks.
    Mermaid,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
    /// One finding per line, each with a `type`.
    Jsonl,
    /// Swimlanes of each finding for a terminal (the timeline command).
    Timeline,
    /// One self-contained HTML page: summary, sortable tables, a timeline
    /// per finding, the contention graph, dump digests, the evidence lines.
    Html,
    /// Trace Event Format JSON for Perfetto or chrome://tracing: a process
    /// per scope, a thread per goroutine, every window, hold and wait.
    Trace,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Findings the baseline does not have.
    New,
    /// Every finding.
    Any,
    /// Never: exit 0 unless there is an error.
    Never,
}

/// How regular files are read (`--mmap`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum MmapArg {
    /// Map large regular files, read small ones.
    #[default]
    Auto,
    /// Always read files into memory.
    Never,
}

impl From<MmapArg> for crate::source::MmapMode {
    fn from(m: MmapArg) -> Self {
        match m {
            MmapArg::Auto => crate::source::MmapMode::Auto,
            MmapArg::Never => crate::source::MmapMode::Never,
        }
    }
}

/// A line-record format (`--input-format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum InputFormatArg {
    /// One JSON object per line (zap production, slog, logrus).
    Json,
    /// zap's development console encoder.
    Console,
    /// key=value pairs (slog text, logrus text).
    Logfmt,
}

impl From<InputFormatArg> for crate::formats::InputFormat {
    fn from(f: InputFormatArg) -> Self {
        match f {
            InputFormatArg::Json => crate::formats::InputFormat::Json,
            InputFormatArg::Console => crate::formats::InputFormat::Console,
            InputFormatArg::Logfmt => crate::formats::InputFormat::Logfmt,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Conflicts are windows that overlap in time.
    #[default]
    Window,
    /// Races are accesses no happens-before path orders, whatever their times.
    Hb,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum DumpFormat {
    /// A text digest.
    #[default]
    Table,
    /// The racetrail.dumps/v1 JSON document.
    Json,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// racetrail.report/v1 JSON reports, in the order of their inputs.
    #[arg(required = true)]
    pub reports: Vec<PathBuf>,

    /// Write the merged report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ProbeArgs {
    /// The Go executable.
    pub binary: PathBuf,

    /// The tracefs group of the printed probes.
    #[arg(long, value_name = "NAME", default_value = "racetrail")]
    pub group: String,
}

#[derive(Debug, Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["command", "pid"]))]
pub struct RecordArgs {
    /// Write the capture here.
    #[arg(short, long, value_name = "FILE", default_value = "racetrail.capture")]
    pub output: PathBuf,

    /// Attach to this running process instead of starting a command.
    #[arg(long, value_name = "PID", conflicts_with = "command")]
    pub pid: Option<u32>,

    /// With --pid: stop after this long (Go syntax: 10s, 1m) [default: until Ctrl-C or exit].
    #[arg(long, value_name = "DURATION", requires = "pid")]
    pub duration: Option<String>,

    /// perf's buffer per CPU, in pages (more loses fewer events under load).
    #[arg(long, value_name = "PAGES", default_value_t = 1024)]
    pub mmap_pages: u32,

    /// The program and its arguments, after `--`.
    #[arg(last = true, value_name = "COMMAND")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DumpsArgs {
    /// Files or directories with dumps (anywhere in them, also inside JSON
    /// `stack` fields); `-` or none reads stdin.
    pub inputs: Vec<PathBuf>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    pub format: DumpFormat,

    /// Buckets of identical stacks shown per dump.
    #[arg(long, value_name = "N", default_value_t = 10)]
    pub buckets: usize,

    /// How files are read: auto maps large files into memory.
    #[arg(long, value_enum, default_value_t, value_name = "WHEN")]
    pub mmap: MmapArg,

    /// Worker threads [default: one per core].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Print nothing but the digest.
    #[arg(short, long)]
    pub quiet: bool,
}

impl DumpsArgs {
    /// The scan that finds the dumps.
    pub fn scan_args(&self) -> ScanArgs {
        ScanArgs {
            inputs: self.inputs.clone(),
            format: None,
            output: None,
            baseline: None,
            fail_on: None,
            mode: Mode::Window,
            slack: "0".into(),
            sampler: "none".into(),
            examples: 0,
            one_process: false,
            input_format: None,
            since: None,
            until: None,
            trace: None,
            object: None,
            goroutine: None,
            around: None,
            fields: Vec::new(),
            source_root: Vec::new(),
            mmap: self.mmap,
            max_errors: None,
            max_decompressed: 16 << 30,
            max_line_bytes: 1 << 20,
            threads: self.threads,
            quiet: self.quiet,
            timings: false,
            no_config: false,
            color: ColorChoice::Never,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when stdout is a terminal and NO_COLOR is unset.
    #[default]
    Auto,
    Always,
    Never,
}

/// A later value of an option replaces an earlier one (the command line
/// overrides the config file); `--field` options add up.
#[derive(Debug, Args)]
#[command(args_override_self = true)]
pub struct ScanArgs {
    /// Log files or directories (recursed, in name order); `-` or none reads stdin.
    pub inputs: Vec<PathBuf>,

    /// Output format [default: table; dot for `graph`, timeline for `timeline`].
    #[arg(short, long, value_enum)]
    pub format: Option<OutputFormat>,

    /// Write the report to this file instead of stdout.
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// An earlier JSON report (or JSON lines): its findings are known, and
    /// only new ones fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Which findings make the exit status 1 [default: any; new with --baseline].
    #[arg(long, value_enum, value_name = "WHICH")]
    pub fail_on: Option<FailOn>,

    /// window: overlapping access windows in time; hb: happens-before races
    /// of complete traces (STD traces, or logs of every lock, fork and join).
    #[arg(long, value_enum, default_value_t, value_name = "MODE")]
    pub mode: Mode,

    /// Windows that come within this of each other overlap (Go syntax: 100us, 1ms).
    #[arg(long, value_name = "DURATION", default_value = "0")]
    pub slack: String,

    /// The log sampler whose drops to recognise: FIRST/THEREAFTER/TICK per
    /// level and message (zap's production default), or `none` to declare the
    /// logs complete. Accesses, holds and waits where records may be missing
    /// are uncertain: their conflicts are counted as unconfirmed, never as
    /// findings.
    #[arg(long, value_name = "SPEC", default_value = "100/100/1s")]
    pub sampler: String,

    /// Example pairs kept per conflict site.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub examples: usize,

    /// All inputs are one process (rotated logs): goroutine and map ids are joined across them.
    #[arg(long)]
    pub one_process: bool,

    /// Read every line as this format instead of detecting it per line.
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub input_format: Option<InputFormatArg>,

    /// Replay only from this time on (RFC 3339 or epoch); windows and holds are cut there.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Replay only up to this time (RFC 3339 or epoch).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Show only findings involving this trace id.
    #[arg(long, value_name = "ID")]
    pub trace: Option<String>,

    /// Show only findings on this map or lock (its id, or the name a record gave it).
    #[arg(long, value_name = "ID")]
    pub object: Option<String>,

    /// Show only findings involving this goroutine (log goroutine ids, not race-detector numbers).
    #[arg(long, value_name = "N")]
    pub goroutine: Option<String>,

    /// Where the Go sources are, for joining static analysers' findings
    /// (SARIF, go vet -json, staticcheck -f json among the inputs) to runtime
    /// findings in the same function; a file is found by the longest suffix
    /// of its path that exists under DIR. Repeatable.
    #[arg(long, value_name = "DIR")]
    pub source_root: Vec<PathBuf>,
    /// Time shown before and after each finding in timelines (timeline,
    /// html), e.g. 50us [default: half the finding's span, at least 1us].
    #[arg(long, value_name = "DURATION")]
    pub around: Option<String>,

    /// Name the field of a concept, e.g. --field actor=worker --field object=cache.
    ///
    /// Concepts: time, actor, trace, object, op, phase, pair, start, duration,
    /// key, lock, mode, waited, caller, msg, child, name, stack, scope. The name replaces
    /// the concept's default names; repeat the option to give several.
    #[arg(long = "field", value_name = "CONCEPT=NAME")]
    pub fields: Vec<FieldOverride>,

    /// How files are read: auto maps large files into memory.
    #[arg(long, value_enum, default_value_t, value_name = "WHEN")]
    pub mmap: MmapArg,

    /// Stop decompressing an input past this many bytes (K, M, G suffixes).
    #[arg(long, value_name = "SIZE", default_value = "16G", value_parser = parse_size)]
    pub max_decompressed: u64,

    /// Fail (exit 2) when more lines than this cannot be parsed [default: unlimited].
    #[arg(long, value_name = "N")]
    pub max_errors: Option<u64>,

    /// Longer lines are diagnostics, not records.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    pub max_line_bytes: usize,

    /// Worker threads [default: one per core].
    #[arg(short = 'j', long, value_name = "N")]
    pub threads: Option<usize>,

    /// Print nothing but the report (no progress, no messages).
    #[arg(short, long)]
    pub quiet: bool,

    /// Print the wall time, resident memory and heap after each stage to stderr.
    #[arg(long, hide = true)]
    pub timings: bool,

    /// Ignore the default arguments in the file named by RACETRAIL_CONFIG_PATH.
    #[arg(long)]
    pub no_config: bool,

    /// When to colour the table and the timeline.
    #[arg(long, value_enum, default_value_t, value_name = "WHEN")]
    pub color: ColorChoice,
}

/// `123`, `64K`, `250M`, `16G` (powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let (num, shift) = match s.as_bytes().last() {
        Some(b'K' | b'k') => (&s[..s.len() - 1], 10),
        Some(b'M' | b'm') => (&s[..s.len() - 1], 20),
        Some(b'G' | b'g') => (&s[..s.len() - 1], 30),
        _ => (s, 0),
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("expected a size like 512M, got {s:?}"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("size {s:?} is too large"))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("512"), Ok(512));
        assert_eq!(parse_size("4K"), Ok(4096));
        assert_eq!(parse_size("16G"), Ok(16 << 30));
        assert!(parse_size("lots").is_err());
    }

    #[test]
    fn cli_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
