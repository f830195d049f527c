//! Validated settings built from the command line; nothing clap past here.
//! Also the default arguments of `RACETRAIL_CONFIG_PATH`, which join the
//! command line before clap sees it.

use std::ffi::OsString;
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
                    format: args.input_format.map(Into::into),
                    max_line_bytes: args.max_line_bytes,
                    messages: args.sampler != "none",
                    ..ParseOptions::default()
                },
                sweep: SweepOptions {
                    slack,
                    examples: args.examples,
                },
                one_process: args.one_process,
                mode: match args.mode {
                    crate::cli::Mode::Window => crate::pipeline::Mode::Window,
                    crate::cli::Mode::Hb => crate::pipeline::Mode::HappensBefore,
                },
                since,
                until,
                sampler: match args.sampler.as_str() {
                    "none" => None,
                    spec => Some(spec.parse().map_err(ConfigError::Sampler)?),
                },
                ..Settings::default()
            },
            filters: Filters {
                trace: args.trace,
                object: args.object,
                goroutine: args.goroutine,
            },
            source_roots: args.source_root,
            around,
            mmap: args.mmap.into(),
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

/// The environment variable naming the file of default arguments.
pub const CONFIG_ENV: &str = "RACETRAIL_CONFIG_PATH";

/// The subcommands that read default arguments: those that scan logs with
/// the field convention. `dumps` and `merge` take other options.
const CONFIGURED: [&str; 2] = ["scan", "graph"];

#[derive(Debug, Error)]
pub enum ConfigFileError {
    #[error("{CONFIG_ENV}={path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{CONFIG_ENV}={path}:{line}: not UTF-8")]
    Utf8 { path: String, line: usize },
}

/// The command line with the default arguments of the file named by
/// `RACETRAIL_CONFIG_PATH` inserted after the subcommand name, before the
/// arguments given: a flag given twice takes the later value, so the
/// command line wins over the file. Only `scan` and `graph` read the file,
/// and not when `--no-config` is given; an unset or empty variable is no file.
pub fn with_default_args(
    args: Vec<OsString>,
    config_path: Option<OsString>,
) -> Result<Vec<OsString>, ConfigFileError> {
    let Some(path) = config_path.filter(|p| !p.is_empty()) else {
        return Ok(args);
    };
    let configured = args
        .get(1)
        .is_some_and(|a| CONFIGURED.iter().any(|c| a == c));
    // `--no-config` counts only before a `--` that ends the options.
    let no_config = args
        .iter()
        .skip(2)
        .take_while(|a| *a != "--")
        .any(|a| a == "--no-config");
    if !configured || no_config {
        return Ok(args);
    }
    let defaults = read_args_file(&PathBuf::from(&path))?;
    let mut out = Vec::with_capacity(args.len() + defaults.len());
    let mut args = args.into_iter();
    out.extend(args.by_ref().take(2));
    out.extend(defaults);
    out.extend(args);
    Ok(out)
}

/// One argument per line, ripgrep's convention: each line is trimmed; blank
/// lines and lines starting with `#` are skipped.
pub fn read_args_file(path: &std::path::Path) -> Result<Vec<OsString>, ConfigFileError> {
    let shown = || path.display().to_string();
    let text = std::fs::read(path).map_err(|source| ConfigFileError::Read {
        path: shown(),
        source,
    })?;
    let mut out = Vec::new();
    for (n, line) in text.split(|&c| c == b'\n').enumerate() {
        let line = line.trim_ascii();
        if line.is_empty() || line[0] == b'#' {
            continue;
        }
        let arg = std::str::from_utf8(line).map_err(|_| ConfigFileError::Utf8 {
            path: shown(),
            line: n + 1,
        })?;
        out.push(OsString::from(arg));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn defaults_go_after_the_subcommand() {
        let dir = tempfile::tempdir().unwrap();
        let rc = dir.path().join("rc");
        std::fs::write(
            &rc,
            "# team schema\n\n  --field\nop=operation\r\n--slack=1us\n",
        )
        .unwrap();
        let rc = Some(rc.into_os_string());
        let got = with_default_args(os(&["racetrail", "scan", "x.log"]), rc.clone()).unwrap();
        assert_eq!(
            got,
            os(&[
                "racetrail",
                "scan",
                "--field",
                "op=operation",
                "--slack=1us",
                "x.log"
            ])
        );
        for untouched in [
            &["racetrail", "merge", "a.json"][..],
            &["racetrail", "dumps", "x"],
            &["racetrail", "scan", "--no-config", "x"],
            &["racetrail"],
        ] {
            assert_eq!(
                with_default_args(os(untouched), rc.clone()).unwrap(),
                os(untouched)
            );
        }
        let unset = os(&["racetrail", "graph", "x"]);
        assert_eq!(with_default_args(unset.clone(), None).unwrap(), unset);
        assert_eq!(
            with_default_args(unset.clone(), Some(OsString::new())).unwrap(),
            unset
        );
        let missing = Some(dir.path().join("nope").into_os_string());
        let err = with_default_args(unset, missing).unwrap_err().to_string();
        assert!(err.starts_with("RACETRAIL_CONFIG_PATH="), "{err}");
    }
}
