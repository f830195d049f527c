//! The binary: parse arguments, run, choose the exit status once.

use std::io::{self, ErrorKind};
use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = racetrail::config::with_default_args(
        std::env::args_os().collect(),
        std::env::var_os(racetrail::config::CONFIG_ENV),
    );
    let cli = match args {
        Ok(args) => racetrail::cli::Cli::parse_from(args),
        Err(e) => {
            eprintln!("racetrail: error: {e}");
            return ExitCode::from(2);
        }
    };
    let stdout = io::stdout();
    match racetrail::run(cli, &mut stdout.lock()) {
        Ok(outcome) => outcome.into(),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("racetrail: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// A reader that went away (`racetrail scan … | head`) is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == ErrorKind::BrokenPipe)
    })
}
