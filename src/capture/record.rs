//! `racetrail record`: install the probes, record them with perf, write the
//! capture, and remove the probes on every way out.
//!
//! Recording is done by `perf record -k CLOCK_MONOTONIC -e GROUP:*`, then
//! `perf script --ns`, rather than by reading tracefs's `trace_pipe`: perf
//! follows only the command it starts (and its children) or the pid it is
//! given, where a uprobe fires in every process that maps the binary; it
//! buffers per CPU into a file, so a slow reader loses nothing silently (it
//! counts lost chunks); and it takes its times from a clock we can relate to
//! wall-clock time. Of the clocks `perf record -k` offers, only the
//! monotonic ones are allowed for uprobe events (the kernel refuses
//! `CLOCK_REALTIME` for events that may fire in NMI context), so the capture
//! carries a `racetrail-clock` line: both clocks read together at the start.
//!
//! The probes belong to a tracefs group named after this process
//! (`racetrail_PID`); [`Installed`] removes them when dropped — after a
//! normal exit, an error, a panic, and after SIGINT, SIGTERM or SIGHUP,
//! which only set a flag: the handler forwards the signal to perf, perf
//! stops the command, and the capture is still written. Only SIGKILL leaves
//! probes behind; the next `racetrail record` removes groups whose racetrail
//! process is gone.

use std::fs::{self, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::probe::{self, Plan};

/// The header's first word: a capture file starts with this line.
pub const HEADER: &str = "racetrail-capture";
/// The format version written after it.
pub const VERSION: &str = "v1";

/// What to record.
#[derive(Clone, Debug)]
pub enum Target {
    /// Start this command under perf.
    Command(Vec<String>),
    /// Attach to a running process, for a while or until interrupted.
    Pid {
        pid: u32,
        duration: Option<Duration>,
    },
}

/// `racetrail record`'s settings.
#[derive(Clone, Debug)]
pub struct RecordOptions {
    pub target: Target,
    pub output: PathBuf,
    /// tracefs, found when `None`.
    pub tracefs: Option<PathBuf>,
    /// perf's per-CPU buffer, in pages.
    pub mmap_pages: u32,
}

/// What a recording produced.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub events: u64,
    pub lost: u64,
    pub perf_status: Option<ExitStatus>,
    /// The signal that ended the recording, if one did.
    pub interrupted: Option<i32>,
}

/// The tracefs mount point: `/sys/kernel/tracing`, else the debugfs one.
pub fn find_tracefs() -> anyhow::Result<PathBuf> {
    for p in ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"] {
        let p = PathBuf::from(p);
        if p.join("uprobe_events").exists() {
            return Ok(p);
        }
    }
    bail!(
        "tracefs is not mounted (no /sys/kernel/tracing/uprobe_events): as root, run \
         `mount -t tracefs nodev /sys/kernel/tracing`"
    )
}

/// Probes written to `uprobe_events`, removed when dropped.
pub struct Installed {
    events_file: PathBuf,
    group: String,
    events: Vec<String>,
}

impl Installed {
    /// Writes each line of `plan` in group `group`.
    pub fn install(tracefs: &Path, group: &str, plan: &Plan) -> anyhow::Result<Installed> {
        let events_file = tracefs.join("uprobe_events");
        let mut me = Installed {
            events_file,
            group: group.to_string(),
            events: Vec::new(),
        };
        let mut f = OpenOptions::new()
            .append(true)
            .open(&me.events_file)
            .with_context(|| {
                format!(
                    "opening {} (recording needs root)",
                    me.events_file.display()
                )
            })?;
        for (line, p) in plan.uprobe_lines(group).iter().zip(&plan.probes) {
            // One write per definition, so that an error names its line.
            f.write_all(format!("{line}\n").as_bytes())
                .with_context(|| format!("writing probe `{line}`"))?;
            me.events.push(p.event());
        }
        Ok(me)
    }

    pub fn group(&self) -> &str {
        &self.group
    }

    /// Removes every probe; those perf still holds are retried briefly.
    pub fn remove(&mut self) -> io::Result<()> {
        let mut last = Ok(());
        for _ in 0..50 {
            last = Ok(());
            let mut left = Vec::new();
            for ev in &self.events {
                match remove_event(&self.events_file, &self.group, ev) {
                    Ok(()) => {}
                    Err(e) if e.raw_os_error() == Some(2) => {} // already gone
                    Err(e) => {
                        left.push(ev.clone());
                        last = Err(e);
                    }
                }
            }
            self.events = left;
            if self.events.is_empty() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        last
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        if let Err(e) = self.remove() {
            eprintln!(
                "racetrail: error: could not remove probes of group {} ({e}); remove them with \
                 `grep {}/ {} | sed 's/^p:\\([^ ]*\\) .*/-:\\1/' >> {}`",
                self.group,
                self.group,
                self.events_file.display(),
                self.events_file.display()
            );
        }
    }
}

fn remove_event(events_file: &Path, group: &str, event: &str) -> io::Result<()> {
    let mut f = OpenOptions::new().append(true).open(events_file)?;
    f.write_all(format!("-:{group}/{event}\n").as_bytes())
}

/// The groups of `uprobe_events` named `racetrail_PID` whose process is gone.
fn stale_groups(events: &str) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in events.lines() {
        let Some(def) = line.strip_prefix("p:").and_then(|l| l.split(' ').next()) else {
            continue;
        };
        let Some((group, event)) = def.split_once('/') else {
            continue;
        };
        let Some(pid) = group.strip_prefix("racetrail_") else {
            continue;
        };
        // Our own pid's group cannot be ours yet: a killed run had the pid.
        let alive = pid != std::process::id().to_string()
            && fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim_end() == "racetrail");
        if alive {
            continue;
        }
        match out.iter_mut().find(|(g, _)| g == group) {
            Some((_, evs)) => evs.push(event.to_string()),
            None => out.push((group.to_string(), vec![event.to_string()])),
        }
    }
    out
}

/// Reads CLOCK_MONOTONIC between two reads of CLOCK_REALTIME, keeping the
/// tightest of a few tries: (monotonic, realtime, uncertainty) in ns.
pub fn clock_pair() -> (i64, i64, i64) {
    let ns = |t: rustix::time::Timespec| t.tv_sec.saturating_mul(1_000_000_000) + t.tv_nsec;
    let mut best = (0, 0, i64::MAX);
    for _ in 0..16 {
        let r0 = ns(rustix::time::clock_gettime(rustix::time::ClockId::Realtime));
        let m = ns(rustix::time::clock_gettime(
            rustix::time::ClockId::Monotonic,
        ));
        let r1 = ns(rustix::time::clock_gettime(rustix::time::ClockId::Realtime));
        let width = r1 - r0;
        if width < best.2 {
            best = (m, r0 + width / 2, width / 2 + 1);
        }
    }
    best
}

/// Which signal arrived (0: none).
fn signal_flag() -> anyhow::Result<Arc<AtomicUsize>> {
    let flag = Arc::new(AtomicUsize::new(0));
    for sig in [
        signal_hook::consts::SIGINT,
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
    ] {
        signal_hook::flag::register_usize(sig, Arc::clone(&flag), sig as usize)
            .context("installing a signal handler")?;
    }
    Ok(flag)
}

fn send(child: &Child, sig: rustix::process::Signal) {
    if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
        let _ = rustix::process::kill_process(pid, sig);
    }
}

/// The executable of a command: as given when it has a `/`, else from PATH.
fn resolve_command(cmd: &str) -> anyhow::Result<PathBuf> {
    if cmd.contains('/') {
        return Ok(PathBuf::from(cmd));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|d| d.join(cmd))
        .find(|p| p.is_file())
        .with_context(|| format!("{cmd}: not found in PATH"))
}

/// Records `opts.target` into `opts.output`.
pub fn record(opts: &RecordOptions) -> anyhow::Result<Recorded> {
    // First, so that no signal from here on kills us with probes installed.
    let signal = signal_flag()?;
    let binary = match &opts.target {
        Target::Command(argv) => resolve_command(argv.first().context("no command to record")?)?,
        Target::Pid { pid, .. } => {
            let exe = PathBuf::from(format!("/proc/{pid}/exe"));
            fs::read_link(&exe)
                .with_context(|| format!("process {pid}: reading {}", exe.display()))?;
            fs::canonicalize(&exe).unwrap_or(exe)
        }
    };
    let plan = probe::plan(&binary)?;
    let tracefs = match &opts.tracefs {
        Some(t) => t.clone(),
        None => find_tracefs()?,
    };
    let perf = resolve_command("perf")
        .context("perf is needed to record (Debian: apt-get install linux-perf)")?;
    if let Ok(events) = fs::read_to_string(tracefs.join("uprobe_events")) {
        for (group, evs) in stale_groups(&events) {
            let file = tracefs.join("uprobe_events");
            for ev in evs {
                let _ = remove_event(&file, &group, &ev);
            }
            eprintln!("racetrail: removed probes left by an earlier run: group {group}");
        }
    }
    let group = format!("racetrail_{}", std::process::id());
    let data = std::env::temp_dir().join(format!("racetrail-{}.perf.data", std::process::id()));
    let _data_guard = RemoveOnDrop(data.clone());

    if signal.load(Ordering::SeqCst) != 0 {
        bail!("interrupted before recording began; nothing was installed");
    }
    let mut probes = Installed::install(&tracefs, &group, &plan)?;
    let (mono, real, uncertainty) = clock_pair();
    let mut cmd = Command::new(&perf);
    cmd.args(["record", "-q", "-k", "CLOCK_MONOTONIC", "-m"])
        .arg(opts.mmap_pages.to_string())
        .arg("-e")
        .arg(format!("{group}:*"))
        .arg("-o")
        .arg(&data);
    let deadline = match &opts.target {
        Target::Command(argv) => {
            cmd.arg("--").args(argv);
            None
        }
        Target::Pid { pid, duration } => {
            cmd.arg("-p").arg(pid.to_string());
            duration.map(|d| Instant::now() + d)
        }
    };
    let mut child = cmd
        .spawn()
        .with_context(|| format!("starting {}", perf.display()))?;
    let mut interrupted = None;
    let mut forwarded = 0u32;
    let mut deadline_hit = false;
    let status = loop {
        if let Some(st) = child.try_wait().context("waiting for perf")? {
            break st;
        }
        let sig = signal.swap(0, Ordering::SeqCst);
        if sig != 0 {
            interrupted = Some(sig as i32);
            forwarded += 1;
            // perf stops on SIGINT and ends the command; a third signal insists.
            send(
                &child,
                if forwarded < 3 {
                    rustix::process::Signal::INT
                } else {
                    rustix::process::Signal::KILL
                },
            );
        }
        if deadline.is_some_and(|d| Instant::now() >= d) && forwarded == 0 {
            forwarded = 1;
            deadline_hit = true;
            send(&child, rustix::process::Signal::INT);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    probes
        .remove()
        .with_context(|| format!("removing the probes of group {group}"))?;
    if !data.exists() {
        bail!("perf record wrote nothing ({status}); see its message above");
    }
    let mut header = format!(
        "{HEADER} {VERSION} binary={} go={} build_id={} group={group} goid_offset={} probes={}",
        plan.binary.display(),
        plan.go_version,
        if plan.build_id.is_empty() {
            "-"
        } else {
            &plan.build_id
        },
        plan.goid_offset,
        plan.probes.len()
    );
    if let Target::Pid { pid, .. } = &opts.target {
        header.push_str(&format!(" pid={pid}"));
    }
    let (events, lost) = write_capture(
        &perf,
        &data,
        &opts.output,
        &header,
        |w| {
            writeln!(
                w,
                "racetrail-clock clock=CLOCK_MONOTONIC monotonic_ns={mono} realtime_ns={real} \
             uncertainty_ns={uncertainty}"
            )?;
            for line in plan.uprobe_lines(&group) {
                writeln!(w, "racetrail-probe {line}")?;
            }
            Ok(())
        },
        status,
        Stop::of(interrupted, deadline_hit),
    )
    .with_context(|| format!("writing {}", opts.output.display()))?;
    Ok(Recorded {
        events,
        lost,
        perf_status: Some(status),
        interrupted,
    })
}

/// Why the recording stopped.
#[derive(Clone, Copy, Debug)]
enum Stop {
    /// perf ended by itself: the command or the process exited.
    Exited,
    /// `--duration` passed.
    Duration,
    /// racetrail got this signal and passed it on.
    Signal(i32),
}

impl Stop {
    fn of(interrupted: Option<i32>, deadline_hit: bool) -> Stop {
        match interrupted {
            Some(sig) => Stop::Signal(sig),
            None if deadline_hit => Stop::Duration,
            None => Stop::Exited,
        }
    }
}

/// Deletes a file when dropped (perf's data file, whatever happens).
struct RemoveOnDrop(PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

/// Runs `perf script` on `data` and writes the capture: header, clock and
/// probe lines, perf's event lines unchanged, and an end line with the
/// counts. Written beside `out` and renamed over it when complete.
fn write_capture(
    perf: &Path,
    data: &Path,
    out: &Path,
    header: &str,
    preamble: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    status: ExitStatus,
    stop: Stop,
) -> anyhow::Result<(u64, u64)> {
    let mut tmp = out.as_os_str().to_owned();
    tmp.push(".racetrail-tmp");
    let tmp = PathBuf::from(tmp);
    let _tmp_guard = RemoveOnDrop(tmp.clone());
    let mut w = BufWriter::new(fs::File::create(&tmp)?);
    writeln!(w, "{header}")?;
    preamble(&mut w)?;
    let mut script = Command::new(perf)
        .args([
            "script",
            "--ns",
            "-F",
            "trace:comm,pid,tid,cpu,time,event,trace",
            "-i",
        ])
        .arg(data)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .context("starting perf script")?;
    let stdout = script.stdout.take().context("perf script's output")?;
    let stderr = script.stderr.take().context("perf script's messages")?;
    let errors = std::thread::spawn(move || io::read_to_string(stderr).unwrap_or_default());
    let mut events = 0u64;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        events += 1;
        writeln!(w, "{line}")?;
    }
    let st = script.wait()?;
    let messages = errors.join().unwrap_or_default();
    if !st.success() {
        bail!("perf script failed ({st}): {}", messages.trim());
    }
    let lost = lost_chunks(&messages);
    use std::os::unix::process::ExitStatusExt;
    let perf_status = match (status.code(), status.signal()) {
        (Some(c), _) => c.to_string(),
        (None, Some(sig)) => format!("signal{sig}"),
        (None, None) => "unknown".to_string(),
    };
    let how = match stop {
        Stop::Exited => format!("stopped=exit perf_status={perf_status}"),
        Stop::Duration => format!("stopped=duration perf_status={perf_status}"),
        Stop::Signal(sig) => format!("perf_status={perf_status} signal={sig}"),
    };
    writeln!(w, "racetrail-end events={events} lost_chunks={lost} {how}")?;
    w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    fs::rename(&tmp, out)?;
    Ok((events, lost))
}

/// perf's "Processed N events and lost M chunks!" warning, summed.
fn lost_chunks(messages: &str) -> u64 {
    messages
        .lines()
        .filter_map(|l| {
            let at = l.find(" and lost ")?;
            l[at + 10..].split_whitespace().next()?.parse::<u64>().ok()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lost_chunks_from_perf_messages() {
        assert_eq!(
            lost_chunks(
                "Warning:\nProcessed 4096 events and lost 3 chunks!\n\nCheck IO/CPU overload!"
            ),
            3
        );
        assert_eq!(lost_chunks(""), 0);
    }

    #[test]
    fn stale_groups_are_those_of_gone_processes() {
        let events = "p:racetrail_999999999/mapaccess1__entry /b:0x10 h=%bx:x64\n\
                      p:racetrail_999999999/mapaccess1__ret0 /b:0x20 goid=+152(%r14):u64\n\
                      p:other/x /b:0x30\n";
        assert_eq!(
            stale_groups(events),
            vec![(
                "racetrail_999999999".to_string(),
                vec![
                    "mapaccess1__entry".to_string(),
                    "mapaccess1__ret0".to_string()
                ]
            )]
        );
    }

    #[test]
    fn clocks_are_read_together() {
        let (m, r, u) = clock_pair();
        assert!(m > 0 && r > m && u > 0 && u < 1_000_000_000, "{m} {r} {u}");
    }
}
