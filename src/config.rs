//! Validated settings built from the command line; nothing clap past here.

use std::io::IsTerminal;
use std::path::PathBuf;

use thiserror::Error;

use crate::cli::{ColorChoice, FailOn, OutputFormat, ScanArgs};
use crate::formats::ParseOptions;
use crate::formats::fields::FieldTable;
use crate::formats::time::{go_duration_ns, time_value_ns};
use crate::pipeline::Settings;
use crate::replay::conflicts::SweepOptions;
use crate::report::Filters;
use crate::source::MmapMode;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("--slack {0:?}: expected a duration with a unit, such as 100us or 1ms")]
    Slack(String),
    #[error("--slack {0:?}: must not be negative")]
    NegativeSlack(String),
    #[error("--threads must be at least 1")]
    Threads,
    #[error("--around {0:?}: expected a non-negative duration with a unit, such as 50us or 2ms")]
    Around(String),
    #[error("--max-line-bytes must be at least 1")]
    MaxLine,
    #[error("--{0} {1:?}: expected an RFC 3339 time or epoch seconds/ms/µs/ns")]
    Time(&'static str, String),
    #[error("--sampler: {0}")]
    Sampler(String),
}

#[derive(Debug)]
pub struct Config {
    pub inputs: Vec<PathBuf>,
    pub format: OutputFormat,
    pub settings: Settings,
    pub filters: Filters,
    /// `--source-root`: where Go sources are looked up for static findings.
    pub source_roots: Vec<PathBuf>,
    /// `--around`: time shown on either side of a finding in timelines.
    pub around: Option<i64>,
    pub mmap: MmapMode,
    pub max_errors: Option<u64>,
    pub output: Option<PathBuf>,
    pub baseline: Option<PathBuf>,
    pub fail_on: FailOn,
    pub max_decompressed: u64,
    pub threads: Option<usize>,
    pub quiet: bool,
    pub color: bool,
    pub progress: bool,
    pub timings: bool,
}

impl Config {
    pub fn new(args: ScanArgs, default_format: OutputFormat) -> Result<Config, ConfigError> {
        let slack =
            go_duration_ns(&args.slack).ok_or_else(|| ConfigError::Slack(args.slack.clone()))?;
        if slack < 0 {
            return Err(ConfigError::NegativeSlack(args.slack));
        }
        if args.threads == Some(0) {
            return Err(ConfigError::Threads);
        }
        if args.max_line_bytes == 0 {
            return Err(ConfigError::MaxLine);
        }
        let time = |flag: &'static str, v: &Option<String>| -> Result<Option<i64>, ConfigError> {
            v.as_ref()
                .map(|s| {
                    time_value_ns(s.as_bytes(), true, false)
                        .ok_or_else(|| ConfigError::Time(flag, s.clone()))
                })
                .transpose()
        };
        let around = match &args.around {
            None => None,
            Some(s) => match go_duration_ns(s) {
                Some(ns) if ns >= 0 => Some(ns),
                _ => return Err(ConfigError::Around(s.clone())),
            },
        };
        let since = time("since", &args.since)?;
        let until = time("until", &args.until)?;
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color && std::io::stdout().is_terminal(),
        };
        Ok(Config {
            inputs: args.inputs,
            format: args.format.unwrap_or(default_format),
            settings: Settings {
                parse: ParseOptions {
                    fields: FieldTable::new(&args.fields),
                    format: args.input_format,
                    max_line_bytes: args.max_line_bytes,
                    messages: args.sampler != "none",
                    ..ParseOptions::default()
                },
                sweep: SweepOptions {
                    slack,
                    examples: args.examples,
                },
                one_process: args.one_process,
                hb: args.mode == crate::cli::Mode::Hb,
                since,
                until,
                sampler: match args.sampler.as_str() {
                    "none" => None,
                    spec => Some(spec.parse().map_err(ConfigError::Sampler)?),
                },
                find_conflicts: true,
            },
            filters: Filters {
                trace: args.trace,
                object: args.object,
                goroutine: args.goroutine,
            },
            source_roots: args.source_root,
            around,
            mmap: args.mmap,
            max_errors: args.max_errors,
            output: args.output,
            fail_on: args.fail_on.unwrap_or(if args.baseline.is_some() {
                FailOn::New
            } else {
                FailOn::Any
            }),
            baseline: args.baseline,
            max_decompressed: args.max_decompressed,
            threads: args.threads,
            quiet: args.quiet,
            color,
            progress: !args.quiet && std::io::stderr().is_terminal(),
            timings: args.timings,
        })
    }
}
