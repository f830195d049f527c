//! racetrail: postmortem of concurrency failures in Go services, from logs.
//!
//! ```text
//! inputs ─► source ─► chunks ─► parse (rayon) ─► merge ids ─► sort ─► replay ─► report ─► render
//! files,    mmap /    whole     JSON field        interned     time,   windows,   model     table, json,
//! dirs, -   read      lines     scanner → Event   symbols      input,  holds,               dot
//!                                                              line    conflicts
//! ```
//!
//! [`run`] is the whole program behind `main`: it returns the exit status and
//! leaves printing the error to the caller. After the replay, [`suggest`]
//! warns when the evidence cannot carry it (unknown field names, no
//! goroutine, one caller, point records at `--slack 0`).

#![deny(unsafe_code)]

pub mod capture;
pub mod cli;
pub mod config;
pub mod event;
pub mod formats;
pub mod generate;
pub mod intern;
pub mod pipeline;
pub mod replay;
pub mod report;
pub mod source;
pub mod suggest;

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use cli::{Cli, Command, OutputFormat};
use config::Config;
use report::{Renderer, Report};
use source::{Input, Origin};

/// How a run ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing found.
    Clean,
    /// Findings reported.
    Findings,
    /// The report was written, but some input could not be read or there
    /// were more bad lines than allowed.
    Incomplete,
}

impl From<Outcome> for ExitCode {
    fn from(o: Outcome) -> ExitCode {
        ExitCode::from(match o {
            Outcome::Clean => 0,
            Outcome::Findings => 1,
            Outcome::Incomplete => 2,
        })
    }
}

/// Runs a parsed command line, writing the report to `out`.
pub fn run(cli: Cli, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Scan(args) => scan(Config::new(args, OutputFormat::Table)?, out),
        Command::Graph(args) => scan(Config::new(args, OutputFormat::Dot)?, out),
        Command::Timeline(args) => scan(Config::new(args, OutputFormat::Timeline)?, out),
        Command::Dumps(args) => dumps(&args, out),
        Command::Merge(args) => {
            let merged = report::merge::merge(report::merge::read(&args.reports)?);
            let write = |w: &mut dyn Write| -> io::Result<()> {
                serde_json::to_writer_pretty(&mut *w, &merged)
                    .map_err(crate::report::json::io_error)?;
                w.write_all(b"\n")
            };
            match &args.output {
                Some(p) => {
                    write_file(p, write).with_context(|| format!("writing {}", p.display()))?
                }
                None => write(out)?,
            }
            Ok(Outcome::Clean)
        }
        Command::Probe(args) => {
            let plan = capture::probe::plan(&args.binary)?;
            out.write_all(plan.render(&args.group).as_bytes())?;
            Ok(Outcome::Clean)
        }
        Command::Record(args) => record(&args),
        Command::Generate { what } => {
            generate::write(what, out)?;
            Ok(Outcome::Clean)
        }
    }
}

/// `racetrail record`: the capture, and a line on stderr about it.
fn record(args: &cli::RecordArgs) -> anyhow::Result<Outcome> {
    use capture::record::{RecordOptions, Target};
    let target = match args.pid {
        Some(pid) => Target::Pid {
            pid,
            duration: match &args.duration {
                Some(d) => {
                    let ns = formats::time::go_duration_ns(d)
                        .filter(|&ns| ns > 0)
                        .with_context(|| {
                            format!("--duration {d:?}: expected a duration such as 10s")
                        })?;
                    Some(std::time::Duration::from_nanos(ns as u64))
                }
                None => None,
            },
        },
        None => Target::Command(args.command.clone()),
    };
    let rec = capture::record::record(&RecordOptions {
        target,
        output: args.output.clone(),
        tracefs: None,
        mmap_pages: args.mmap_pages,
    })?;
    let how = match (rec.interrupted, rec.perf_status) {
        (Some(sig), _) => format!("stopped by signal {sig}"),
        (None, Some(st)) => format!("perf record ended: {st}"),
        (None, None) => "perf record ended".to_string(),
    };
    eprintln!(
        "racetrail: {} events recorded to {} ({how}){}",
        rec.events,
        args.output.display(),
        if rec.lost > 0 {
            format!("; perf lost {} chunks of events", rec.lost)
        } else {
            String::new()
        }
    );
    Ok(Outcome::Clean)
}

/// Opens the configured inputs; `failed` says whether one could not be read.
fn open_inputs(config: &Config) -> anyhow::Result<(Vec<Input>, bool)> {
    if let Some(n) = config.threads {
        // Fails only when a pool exists already (a second run in one process).
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    let mut origins = source::expand(&config.inputs)?;
    if origins.is_empty() {
        if io::stdin().is_terminal() {
            bail!("no input: name log files or directories, or pipe a log to stdin");
        }
        origins.push(Origin::Stdin);
    }
    let mut failed = false;
    let mut inputs: Vec<Input> = Vec::with_capacity(origins.len());
    for o in &origins {
        match source::open(o, config.mmap) {
            Ok(mut i) => {
                i.decompress(config.max_decompressed);
                if let Some(e) = &i.error {
                    failed = true;
                    if !config.quiet {
                        eprintln!("racetrail: error: {}: {e}", report::text::sanitize(&i.path));
                    }
                }
                i.unwrap_container();
                inputs.push(i);
            }
            Err(e) => {
                failed = true;
                if !config.quiet {
                    eprintln!(
                        "racetrail: error: {}",
                        report::text::sanitize(&e.to_string())
                    );
                }
            }
        }
    }
    Ok((inputs, failed))
}

/// `racetrail dumps`: every dump of the inputs, digested.
fn dumps(args: &cli::DumpsArgs, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let mut config = Config::new(args.scan_args(), OutputFormat::Json)?;
    // A digest of dumps needs the windows (the other side of a crash), not
    // the conflict sweep.
    config.settings.find_conflicts = false;
    let (inputs, failed) = open_inputs(&config)?;
    let analysis = pipeline::analyze(&inputs, &config.settings, &|_, _| {});
    let dumps = report::runtime::all_dumps(&analysis);
    let mut buf = io::BufWriter::with_capacity(1 << 16, out);
    match args.format {
        cli::DumpFormat::Json => {
            #[derive(serde::Serialize)]
            struct Doc<'r> {
                schema: &'static str,
                dumps: &'r [report::runtime::Crash],
            }
            let doc = Doc {
                schema: "racetrail.dumps/v1",
                dumps: &dumps,
            };
            serde_json::to_writer_pretty(&mut buf, &doc).map_err(crate::report::json::io_error)?;
            buf.write_all(b"\n")?;
        }
        cli::DumpFormat::Table => {
            if dumps.is_empty() {
                writeln!(buf, "no goroutine dumps")?;
            }
            for (n, d) in dumps.iter().enumerate() {
                if n > 0 {
                    writeln!(buf)?;
                }
                report::table::crash_digest(d, &mut buf, args.buckets)?;
                report::table::longest_waits(d, &mut buf, 5)?;
            }
        }
    }
    buf.flush().context("writing the digest")?;
    Ok(if failed {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    })
}

fn scan(config: Config, out: &mut dyn Write) -> anyhow::Result<Outcome> {
    let (inputs, failed) = open_inputs(&config)?;
    let bar = progress_bar(&config, &inputs);
    let tick = |input: u32, n: u64| {
        if let Some(b) = &bar {
            b.set_message(report::text::sanitize(&inputs[input as usize].path).into_owned());
            b.inc(n);
        }
    };
    let mut analysis = pipeline::analyze(&inputs, &config.settings, &tick);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let advised = std::time::Instant::now();
    let mut advice = suggest::advise(&analysis, &inputs, &config.settings);
    let advised = advised.elapsed();
    // Problems with a whole input deserve a line of their own on stderr,
    // once each, unless the table that lists them goes to the same terminal.
    let table_on_terminal = config.format == OutputFormat::Table
        && config.output.is_none()
        && io::stdout().is_terminal()
        && io::stderr().is_terminal();
    if !config.quiet && !table_on_terminal {
        let mut said = std::collections::BTreeSet::new();
        for d in analysis
            .diagnostics
            .iter()
            .filter(|d| d.line == 0 && d.severity == formats::Severity::Warning)
        {
            let path = &analysis.inputs[d.input as usize].path;
            if said.insert((path, &d.message)) {
                eprintln!(
                    "racetrail: warning: {}: {}",
                    report::text::sanitize(path),
                    report::text::sanitize(&d.message)
                );
            }
        }
        for line in &advice.summary {
            eprintln!("racetrail: warning: {}", report::text::sanitize(line));
        }
    }
    advice.add_to(&mut analysis);
    let t = std::time::Instant::now();
    let mut report = Report::build_filtered(&analysis, &config.filters);
    if !config.source_roots.is_empty() {
        report.join_static(&analysis, &config.source_roots);
    }
    if let Some(path) = &config.baseline {
        report.apply_baseline(&report::baseline::Baseline::load(path)?);
    }
    let built = t.elapsed();
    let views = report::scene::Views {
        an: &analysis,
        inputs: &inputs,
        around: config.around,
        filters: &config.filters,
    };
    match &config.output {
        Some(path) => write_file(path, |w| render(&config, &report, &views, w))
            .with_context(|| format!("writing {}", path.display()))?,
        None => render(&config, &report, &views, out).context("writing the report")?,
    }
    if config.timings {
        for (stage, d, rss, anon) in &analysis.timings {
            eprintln!(
                "{stage:>10} {:>9.3} ms  rss {:>8.1} MiB  heap {:>7.1} MiB",
                d.as_secs_f64() * 1e3,
                *rss as f64 / 1024.0,
                *anon as f64 / 1024.0
            );
        }
        eprintln!("{:>10} {:>9.3} ms", "advice", advised.as_secs_f64() * 1e3);
        eprintln!("{:>10} {:>9.3} ms", "report", built.as_secs_f64() * 1e3);
        eprintln!(
            "{:>10} {:>9.3} ms",
            "render",
            (t.elapsed() - built).as_secs_f64() * 1e3
        );
    }

    let errors = analysis.parse_errors();
    if let Some(max) = config.max_errors
        && errors > max
    {
        if !config.quiet {
            eprintln!("racetrail: error: {errors} lines could not be parsed (--max-errors {max})");
        }
        return Ok(Outcome::Incomplete);
    }
    if report.nothing_read() {
        if !config.quiet {
            eprintln!(
                "racetrail: error: nothing was read: no line of the inputs is a record racetrail knows (not a log, or --input-format/--mode needed)"
            );
        }
        return Ok(Outcome::Incomplete);
    }
    Ok(if failed {
        Outcome::Incomplete
    } else if match config.fail_on {
        cli::FailOn::Any => report.has_findings(),
        cli::FailOn::New => report.has_new_findings(),
        cli::FailOn::Never => false,
    } {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}

/// Writes a file whole or not at all: into a temporary file beside it, then
/// renamed over it.
fn write_file(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".racetrail-tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let result = std::fs::File::create(&tmp).and_then(|mut f| {
        write(&mut f)?;
        f.sync_all()
    });
    match result {
        Ok(()) => std::fs::rename(&tmp, path),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

fn render(
    config: &Config,
    report: &Report,
    views: &report::scene::Views<'_, '_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let renderer: Box<dyn Renderer> = match config.format {
        OutputFormat::Table => Box::new(report::table::Table {
            color: config.color,
        }),
        OutputFormat::Json => Box::new(report::json::Json),
        OutputFormat::Dot => Box::new(report::dot::Dot),
        OutputFormat::Mermaid => Box::new(report::mermaid::Mermaid),
        OutputFormat::Sarif => Box::new(report::sarif::Sarif),
        OutputFormat::Jsonl => Box::new(report::jsonl::Jsonl),
        OutputFormat::Html => Box::new(report::html::Html { views }),
        OutputFormat::Trace => Box::new(report::trace::Trace { views }),
        OutputFormat::Timeline => Box::new(report::timeline::Timeline {
            views,
            color: config.color,
            width: report::timeline::terminal_width(),
        }),
    };
    let mut buf = io::BufWriter::with_capacity(1 << 16, out);
    renderer.render(report, &mut buf)?;
    buf.flush()
}

fn progress_bar(config: &Config, inputs: &[Input]) -> Option<indicatif::ProgressBar> {
    if !config.progress {
        return None;
    }
    let total: u64 = inputs.iter().map(|i| i.bytes().len() as u64).sum();
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} {bytes}/{total_bytes} ({bytes_per_sec}) [{bar:30}] {eta} {wide_msg}",
    )
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}
