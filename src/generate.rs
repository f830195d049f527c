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
        Generated::Man => return page(cmd, &[SCAN_STATUS, FIELDS_INTRO], true, out),
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
    let sections: &[&str] = match name {
        "scan" => &[SCAN_STATUS, TABLE, FIELDS_INTRO],
        "graph" => &[SCAN_STATUS, FIELDS_INTRO],
        "dumps" => &[DUMPS_STATUS],
        _ => &[MERGE_STATUS],
    };
    self::page(
        sub.name(page),
        sections,
        matches!(name, "scan" | "graph"),
        out,
    )
}

/// A page as clap_mangen renders it, with racetrail's own sections (roff)
/// after the options and subcommands, and the field table when `fields`.
fn page(
    cmd: clap::Command,
    sections: &[&str],
    fields: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        man.render_options_section(out)?;
    }
    if cmd.get_subcommands().any(|c| !c.is_hide_set()) {
        man.render_subcommands_section(out)?;
    }
    for s in sections {
        out.write_all(s.as_bytes())?;
    }
    if fields {
        field_table(out)?;
    }
    man.render_version_section(out)
}

const SCAN_STATUS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
No findings.
.TP
\fB1\fR
Findings: conflicting accesses, races, crashes, deadlocks, happens\-before races. Contention and goroutine dumps without a crash are information, not findings. With \fB\-\-baseline\fR only new findings count (\fB\-\-fail\-on\fR).
.TP
\fB2\fR
Error: bad usage, an input that cannot be read, nothing read (not one line of the inputs is a record racetrail knows), or more bad lines than \fB\-\-max\-errors\fR. \fBracetrail merge\fR and \fBracetrail dumps\fR exit 0 or 2.
"#;

const DUMPS_STATUS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
The digest was written (also when the inputs hold no dump).
.TP
\fB2\fR
Error: bad usage or an input that cannot be read.
"#;

const MERGE_STATUS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
The merged report was written.
.TP
\fB2\fR
Error: a report that cannot be read, is not JSON, or is not a well\-formed racetrail.report/v1 document (the message names the file and the field).
"#;

const TABLE: &str = r#".SH "THE TABLE"
The table fits the terminal: \fBCOLUMNS\fR when set, else the terminal's width, else 80 columns. A narrow table stacks a site's columns in one cell (map and kind; side A and side B; pairs, goroutines and traces; first and last).
.TP
\fBside A\fR, \fBside B\fR
The two sides of a conflict site: op and caller. In the evidence lines, \fBa\fR is side A and \fBb\fR side B.
.TP
\fBpairs\fR, \fBgoroutines\fR, \fBtraces\fR
Conflicting pairs counted at the site, distinct goroutines and trace ids taking part.
.TP
\fBfirst \[u2026] last\fR
The start of the site's earliest conflicting window (UTC; the time of day when the heading gives the date) and how much later its latest conflicting window started.
.TP
\fBblamed\fR, \fBunattributed\fR
Waiting time on a lock blamed on the holds that blocked it, and the rest. A wait that never ended (\fBopen\fR, \fBdeadlocked\fR) has no length and blames nobody.
"#;

const FIELDS_INTRO: &str = r#".SH FIELDS
A structured record (JSON, zap console, logfmt) is an access when it names a map and an access op, a lock event when it names a lock and a lock op, and context otherwise. For each concept the first field the record has wins; \fB\-\-field CONCEPT=NAME\fR replaces a concept's names.
"#;

/// One `.TP` per concept of the convention, from the parser's own table.
fn field_table(out: &mut dyn Write) -> io::Result<()> {
    use crate::formats::fields::Concept;
    for c in Concept::ALL {
        let (name, note) = match c {
            Concept::TimeNs => ("time", " (integer nanoseconds; win over the names below)"),
            _ => (c.name(), ""),
        };
        let names: Vec<String> = c.defaults().iter().map(|n| roff_text(n)).collect();
        writeln!(
            out,
            ".TP\n\\fB{}\\fR\n{}{}",
            roff_text(name),
            names.join(", "),
            note
        )?;
    }
    Ok(())
}

/// Text safe in a roff line: backslashes and hyphens escaped, no leading dot.
fn roff_text(s: &str) -> String {
    let t = s.replace('\\', "\\e").replace('-', "\\-");
    if t.starts_with(['.', '\'']) {
        format!("\\&{t}")
    } else {
        t
    }
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
