//! The man page and shell completions, generated from the CLI definition
//! (`racetrail generate man|bash|zsh|fish`) and committed under `man/` and
//! `completions/`; a test fails when the committed files are stale.

use std::io::{self, Write};

use clap::CommandFactory;

use crate::cli::{Cli, Generated};

/// Where each generated file is committed, relative to the repository root.
pub const FILES: [(Generated, &str); 11] = [
    (Generated::Man, "man/racetrail.1"),
    (Generated::ManScan, "man/racetrail-scan.1"),
    (Generated::ManGraph, "man/racetrail-graph.1"),
    (Generated::ManTimeline, "man/racetrail-timeline.1"),
    (Generated::ManDumps, "man/racetrail-dumps.1"),
    (Generated::ManMerge, "man/racetrail-merge.1"),
    (Generated::ManProbe, "man/racetrail-probe.1"),
    (Generated::ManRecord, "man/racetrail-record.1"),
    (Generated::Bash, "completions/racetrail.bash"),
    (Generated::Zsh, "completions/_racetrail"),
    (Generated::Fish, "completions/racetrail.fish"),
];

/// Writes the man page or a completion script.
pub fn write(what: Generated, out: &mut dyn Write) -> io::Result<()> {
    let mut cmd = Cli::command();
    let shell = match what {
        Generated::Man => return clap_mangen::Man::new(cmd).render(out),
        Generated::ManScan => return sub_page(cmd, "scan", "racetrail-scan", out),
        Generated::ManGraph => return sub_page(cmd, "graph", "racetrail-graph", out),
        Generated::ManTimeline => return sub_page(cmd, "timeline", "racetrail-timeline", out),
        Generated::ManDumps => return sub_page(cmd, "dumps", "racetrail-dumps", out),
        Generated::ManMerge => return sub_page(cmd, "merge", "racetrail-merge", out),
        Generated::ManProbe => return sub_page(cmd, "probe", "racetrail-probe", out),
        Generated::ManRecord => return sub_page(cmd, "record", "racetrail-record", out),
        Generated::Bash => clap_complete::Shell::Bash,
        Generated::Zsh => clap_complete::Shell::Zsh,
        Generated::Fish => clap_complete::Shell::Fish,
    };
    clap_complete::generate(shell, &mut cmd, "racetrail", out);
    Ok(())
}

/// The page of a subcommand, named `racetrail-NAME` as its synopsis shows it.
fn sub_page(
    mut cmd: clap::Command,
    name: &str,
    page: &'static str,
    out: &mut dyn Write,
) -> io::Result<()> {
    cmd.build();
    let sub = cmd
        .find_subcommand(name)
        .cloned()
        .ok_or_else(|| io::Error::other(format!("no subcommand {name}")))?;
    clap_mangen::Man::new(sub.name(page)).render(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_files_are_current() {
        let root = env!("CARGO_MANIFEST_DIR");
        for (what, path) in FILES {
            let mut fresh = Vec::new();
            write(what, &mut fresh).unwrap();
            let committed = std::fs::read(format!("{root}/{path}")).unwrap_or_default();
            assert!(
                committed == fresh,
                "{path} is stale: regenerate with scripts/regenerate.sh"
            );
        }
    }
}
