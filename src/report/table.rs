//! `--format table`: the human report. A summary, the conflict sites (most
//! pairs first), one example pair per site with its evidence, and the first
//! diagnostics. Log text is sanitized; colour only when asked for.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Color, ContentArrangement, Table as Grid, presets};

use super::runtime::Crash;
use super::text::sanitize;
use super::{ConflictSide, Renderer, Report};

/// Stack buckets shown per goroutine dump that is not a crash.
const DUMP_BUCKETS_SHOWN: usize = 5;

/// Diagnostics printed under the report; the JSON has them all.
const DIAGNOSTICS_SHOWN: usize = 10;

pub struct Table {
    pub color: bool,
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// RFC 3339 with nanoseconds, UTC.
pub fn time(ns: i64) -> String {
    jiff::Timestamp::from_nanosecond(ns as i128)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| format!("{ns}ns"))
}

/// A duration for people: `812ns`, `5.65µs`, `76.74ms`, `1.20s`.
pub fn human_ns(ns: i64) -> String {
    let n = ns.unsigned_abs() as f64;
    let sign = if ns < 0 { "-" } else { "" };
    match ns.unsigned_abs() {
        0..1_000 => format!("{ns}ns"),
        1_000..1_000_000 => format!("{sign}{:.2}µs", n / 1e3),
        1_000_000..1_000_000_000 => format!("{sign}{:.2}ms", n / 1e6),
        _ => format!("{sign}{:.2}s", n / 1e9),
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", thousands(n), if n == 1 { one } else { many })
}

fn side_line(s: &ConflictSide) -> String {
    let end = match s.end_ns {
        Some(e) => human_ns(e - s.start_ns.unwrap_or(e)),
        None => "open".to_string(),
    };
    let evidence = match &s.end_source {
        Some(e) => format!("{} .. {}", s.source, e.rsplit(':').next().unwrap_or(e)),
        None => s.source.clone(),
    };
    let mut line = format!(
        "goroutine {} {} at {} for {}, {}",
        s.actor,
        s.op,
        s.start_ns.map_or_else(|| "?".to_string(), time),
        end,
        evidence
    );
    if let Some(k) = s.key.as_deref().filter(|k| !k.is_empty()) {
        line.push_str(&format!(", key {k:?}"));
    }
    if let Some(t) = &s.trace {
        line.push_str(&format!(", trace {t}"));
    }
    line
}

impl Table {
    fn grid(&self) -> Grid {
        let mut g = Grid::new();
        g.load_style(presets::UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Disabled);
        if self.color {
            g.enforce_styling();
        } else {
            g.force_no_tty();
        }
        g
    }

    fn header(&self, names: &[&str]) -> Vec<Cell> {
        names
            .iter()
            .map(|n| {
                let c = Cell::new(n);
                if self.color {
                    c.add_attribute(comfy_table::Attribute::Bold)
                } else {
                    c
                }
            })
            .collect()
    }
}

/// Contention edges listed in the table; the JSON has them all.
const EDGES_SHOWN: usize = 10;

impl Table {
    fn locks(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut g = self.grid();
        g.set_header(self.header(&[
            "lock",
            "holds",
            "waits",
            "waiting",
            "longest",
            "blamed",
            "unattributed",
        ]));
        let right = |v: String| Cell::new(v).set_alignment(CellAlignment::Right);
        for l in r.locks.iter().filter(|l| l.waits > 0) {
            let name = match &l.name {
                Some(n) => format!("{n} {}", l.lock),
                None => l.lock.clone(),
            };
            let waits = if l.open_waits > 0 {
                format!("{} ({} open)", l.waits, l.open_waits)
            } else {
                l.waits.to_string()
            };
            g.add_row(vec![
                Cell::new(sanitize(&name)),
                right(l.holds.to_string()),
                right(waits),
                right(human_ns(l.wait_ns)),
                right(human_ns(l.max_wait_ns)),
                right(human_ns(l.blamed_ns)),
                right(human_ns(l.unattributed_ns)),
            ]);
        }
        writeln!(
            out,
            "\nlocks (waiting time blamed on the holders that blocked it)"
        )?;
        writeln!(out, "{g}")?;
        if !r.contention.is_empty() {
            let mut g = self.grid();
            g.set_header(self.header(&["lock", "holder", "waiter", "waits", "blamed", "longest"]));
            for e in r.contention.iter().take(EDGES_SHOWN) {
                g.add_row(vec![
                    Cell::new(sanitize(e.lock_name.as_deref().unwrap_or(&e.lock))),
                    Cell::new(format!("goroutine {}", sanitize(&e.holder))),
                    Cell::new(format!("goroutine {}", sanitize(&e.waiter))),
                    right(e.waits.to_string()),
                    right(human_ns(e.blamed_ns)),
                    right(human_ns(e.max_ns)),
                ]);
            }
            let more = r.contention.len().saturating_sub(EDGES_SHOWN);
            writeln!(out, "\ncontention: who held what while whom waited")?;
            writeln!(out, "{g}")?;
            if more > 0 {
                writeln!(
                    out,
                    "  … {more} more holder → waiter pairs in --format json"
                )?;
            }
        }
        for c in &r.wait_chains {
            let mut path = format!("goroutine {}", c.actors[0]);
            for (lock, holder) in c.locks.iter().zip(&c.actors[1..]) {
                path.push_str(&format!(" waits on {lock} held by goroutine {holder}"));
            }
            writeln!(
                out,
                "  wait chain for {} at {}: {}",
                human_ns(c.wait_ns),
                sanitize(&c.source),
                sanitize(&path)
            )?;
        }
        for d in r.deadlocks.iter().filter(|d| !d.known) {
            writeln!(
                out,
                "\ndeadlock at {}{}: {}",
                time(d.at_ns),
                if d.open { " (never resolved)" } else { "" },
                sanitize(&d.cycle())
            )?;
            writeln!(out, "  evidence: {}", sanitize(&d.sources.join(", ")))?;
        }
        Ok(())
    }

    fn races(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut g = self.grid();
        g.set_header(self.header(&["#", "kind", "side A", "side B", "blocks"]));
        for (n, race) in r.races.iter().filter(|x| !x.known).enumerate() {
            let mut kind = Cell::new(if race.map { "map race" } else { "data race" });
            if self.color && race.map {
                kind = kind.fg(Color::Red);
            }
            let side = |i: usize| {
                race.sides.get(i).map_or_else(String::new, |s| {
                    let op = match s.map_op {
                        Some(m) if m != s.op => format!("{} ({m})", s.op),
                        _ => s.op.to_string(),
                    };
                    format!("{} {}\n  {}", op, sanitize(&s.func), sanitize(&s.site))
                })
            };
            g.add_row(vec![
                Cell::new(n + 1),
                kind,
                Cell::new(side(0)),
                Cell::new(side(1)),
                Cell::new(race.blocks).set_alignment(CellAlignment::Right),
            ]);
        }
        writeln!(
            out,
            "\nrace sites (Go race detector; goroutine numbers are the detector's)"
        )?;
        writeln!(out, "{g}")?;
        for (n, race) in r.races.iter().filter(|x| !x.known).enumerate() {
            let sources: Vec<&str> = race.reports.iter().map(|x| x.source.as_str()).collect();
            writeln!(
                out,
                "  #{} reported at {}",
                n + 1,
                sanitize(&sources.join(", "))
            )?;
            let checked = r.summary.static_findings.is_some();
            static_lines(&race.static_findings, checked, "     ", out)?;
        }
        Ok(())
    }
}

/// Racy locations listed per scope in the table; the JSON has up to 100.
const HB_LOCATIONS_SHOWN: usize = 5;

/// The happens-before figures in one line.
fn hb_summary(hb: &super::HbReport) -> String {
    if hb.racy_events == 0 {
        return format!(
            "happens-before: no racy events in {}",
            plural(hb.events, "event", "events")
        );
    }
    format!(
        "happens-before: {} at {} ({} in all)",
        plural(hb.racy_events, "racy event", "racy events"),
        plural(hb.racy_locations, "location", "locations"),
        plural(hb.events, "event", "events"),
    )
}

impl Table {
    /// `--mode hb`: per scope the racy events and locations, then the
    /// example pairs (a: the earlier access, b: the racy one).
    fn hb(&self, r: &Report, hb: &super::HbReport, out: &mut dyn Write) -> io::Result<()> {
        let mut g = self.grid();
        g.set_header(self.header(&[
            "scope",
            "threads",
            "events",
            "racy events",
            "racy locations",
            "first locations",
        ]));
        let right = |v: String| Cell::new(v).set_alignment(CellAlignment::Right);
        for sc in &hb.scopes {
            let mut locs: Vec<&str> = sc
                .racy_location_ids
                .iter()
                .take(HB_LOCATIONS_SHOWN)
                .map(String::as_str)
                .collect();
            if sc.racy_locations as usize > locs.len() {
                locs.push("…");
            }
            g.add_row(vec![
                Cell::new(sanitize(&sc.scope)),
                right(thousands(sc.threads)),
                right(thousands(sc.events)),
                right(thousands(sc.racy_events)),
                right(thousands(sc.racy_locations)),
                Cell::new(sanitize(&locs.join(" "))),
            ]);
        }
        writeln!(
            out,
            "\nhappens-before races (accesses no lock, fork or join orders)"
        )?;
        writeln!(out, "{g}")?;
        let examples: Vec<&super::Conflict> = r
            .conflicts
            .iter()
            .filter(|c| c.a.start_ns.is_none())
            .collect();
        if !examples.is_empty() {
            writeln!(
                out,
                "\nexample pairs (a: the earlier access, b: the racy access it is not ordered before)"
            )?;
        }
        for (n, c) in examples.iter().enumerate() {
            writeln!(out, "  #{} {} on {}", n + 1, c.kind, sanitize(&c.object))?;
            for (tag, s) in [("a", &c.a), ("b", &c.b)] {
                writeln!(
                    out,
                    "     {tag}: {} {} {} at location {}, {}",
                    if s.actor.parse::<u64>().is_ok() {
                        "goroutine"
                    } else {
                        "thread"
                    },
                    sanitize(&s.actor),
                    s.op,
                    sanitize(&s.site),
                    sanitize(&s.source)
                )?;
            }
        }
        Ok(())
    }
}

/// The static findings on a runtime finding, one line each; with static
/// analysers among the inputs (`checked`), also that none flagged it.
fn static_lines(
    refs: &[super::static_join::StaticRef],
    checked: bool,
    indent: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    if checked && refs.is_empty() {
        writeln!(out, "{indent}flagged by no static check")?;
    }
    for r in refs {
        let how = if r.by == "line" {
            "on this line"
        } else {
            "in this function"
        };
        let suppressed = if r.suppressed { ", suppressed" } else { "" };
        writeln!(
            out,
            "{indent}flagged by {} {} at {} ({how}{suppressed}): {}",
            sanitize(&r.tool),
            sanitize(&r.rule),
            sanitize(&r.source),
            sanitize(&r.message)
        )?;
    }
    Ok(())
}

/// The goroutines that waited longest (the runtime prints minutes from 1 on).
pub fn longest_waits(c: &Crash, out: &mut dyn Write, n: usize) -> io::Result<()> {
    let mut waits: Vec<&super::runtime::GoroutineOut> =
        c.goroutines.iter().filter(|g| g.wait_minutes > 0).collect();
    if waits.is_empty() {
        return Ok(());
    }
    waits.sort_by(|a, b| b.wait_minutes.cmp(&a.wait_minutes).then(a.id.cmp(&b.id)));
    writeln!(out, "  longest waits:")?;
    for g in waits.iter().take(n) {
        writeln!(
            out,
            "      goroutine {} [{}, {} minutes] at {}",
            g.id,
            sanitize(&g.state),
            g.wait_minutes,
            sanitize(g.site.as_deref().unwrap_or("?"))
        )?;
    }
    Ok(())
}

fn frame_line(f: &super::runtime::FrameOut, out: &mut dyn Write) -> io::Result<()> {
    writeln!(
        out,
        "      {}  {}:{}",
        sanitize(&f.func),
        sanitize(&f.file),
        f.line
    )
}

/// A crash or dump as text: messages, the crashing goroutine and its stack,
/// the other side, states, and the largest `buckets` buckets.
pub fn crash_digest(c: &Crash, out: &mut dyn Write, buckets: usize) -> io::Result<()> {
    let title = if c.messages.is_empty() {
        "goroutine dump".to_string()
    } else {
        c.messages.join(" / ")
    };
    writeln!(out, "{}: {}", sanitize(&c.source), sanitize(&title))?;
    let states: Vec<String> = {
        let mut v: Vec<(&String, &u64)> = c.states.iter().collect();
        v.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        v.iter().map(|(s, n)| format!("{s} {n}")).collect()
    };
    writeln!(
        out,
        "  {}: {}",
        plural(c.goroutines_total, "goroutine", "goroutines"),
        sanitize(&states.join(", "))
    )?;
    if let Some(g) = c.goroutine {
        let at = match (&c.func, &c.site) {
            (Some(f), Some(s)) => format!(" in {f} at {s}"),
            _ => String::new(),
        };
        let role = if c.messages.is_empty() {
            "running"
        } else {
            "crashing"
        };
        writeln!(out, "  {role} goroutine {g}{}", sanitize(&at))?;
        if let Some(m) = &c.map_address {
            writeln!(out, "  map header {}", sanitize(m))?;
        }
        if c.reporters.len() > 1 {
            let ids: Vec<String> = c.reporters.iter().map(u64::to_string).collect();
            writeln!(out, "  running when it died: goroutines {}", ids.join(", "))?;
        }
        for f in &c.stack {
            frame_line(f, out)?;
        }
    }
    for g in &c.suspects {
        let why = if g.same_map {
            "in a map call on the same map"
        } else {
            "at the crash site"
        };
        writeln!(
            out,
            "  also {why}: goroutine {} [{}] at {}",
            g.id,
            sanitize(&g.state),
            sanitize(g.site.as_deref().unwrap_or("?"))
        )?;
    }
    for o in &c.other_side {
        let mut line = format!(
            "  other side: goroutine {} {} on {} open since {}, {}",
            o.actor,
            o.op,
            o.object_name.as_deref().unwrap_or(&o.object),
            time(o.start_ns),
            o.source
        );
        if let Some(k) = &o.key {
            line.push_str(&format!(", key {k:?}"));
        }
        if let Some(t) = &o.trace {
            line.push_str(&format!(", trace {t}"));
        }
        writeln!(out, "{}", sanitize(&line))?;
    }
    for b in c.buckets.iter().take(buckets) {
        let wait = if b.max_wait_minutes > 0 {
            format!(", up to {} minutes", b.max_wait_minutes)
        } else {
            String::new()
        };
        let mut ids: Vec<String> = b.goroutines.iter().map(u64::to_string).collect();
        if b.count as usize > b.goroutines.len() {
            ids.push(format!("+{} more", b.count as usize - b.goroutines.len()));
        }
        writeln!(
            out,
            "  {} ({} {}) [{}{}]",
            plural(b.count, "goroutine", "goroutines"),
            if b.count == 1 { "id" } else { "ids" },
            ids.join(", "),
            sanitize(&b.state),
            wait,
        )?;
        for f in &b.stack {
            frame_line(f, out)?;
        }
    }
    if buckets > 0 && c.buckets.len() > buckets {
        let more = (c.buckets.len() - buckets) as u64;
        writeln!(out, "  … {} more", plural(more, "bucket", "buckets"))?;
    }
    static_lines(&c.static_findings, false, "  ", out)
}

impl Renderer for Table {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let s = &r.summary;
        let lines: u64 = r.inputs.iter().map(|i| i.lines).sum();
        let records: u64 = r.inputs.iter().map(|i| i.records).sum();
        writeln!(
            out,
            "racetrail: {}, {} ({}), {}",
            plural(r.inputs.len() as u64, "input", "inputs"),
            plural(lines, "line", "lines"),
            plural(records, "record", "records"),
            plural(s.parse_errors, "parse error", "parse errors"),
        )?;
        if s.accesses > 0 || s.holds > 0 {
            writeln!(
                out,
                "{} ({} open) on {} by {}; {}",
                plural(s.accesses, "access", "accesses"),
                thousands(s.open_accesses),
                plural(s.objects, "map", "maps"),
                plural(s.actors, "goroutine", "goroutines"),
                plural(s.holds, "lock hold", "lock holds"),
            )?;
        }
        if let Some(hb) = &r.hb {
            writeln!(out, "{}", hb_summary(hb))?;
        }
        if s.conflicts == 0 {
            // A trace read in happens-before mode has no access windows.
            if r.hb.is_none() || s.accesses > 0 {
                writeln!(out, "no conflicting accesses")?;
            }
        } else {
            writeln!(
                out,
                "{} at {}",
                plural(s.conflicts, "conflicting pair", "conflicting pairs"),
                plural(s.conflict_sites, "conflict site", "conflict sites"),
            )?;
        }
        if s.unconfirmed > 0 {
            writeln!(
                out,
                "{} at {} unconfirmed: a side rests on incomplete evidence (not findings)",
                plural(s.unconfirmed, "more pair", "more pairs"),
                plural(s.unconfirmed_sites, "site", "sites"),
            )?;
        }
        if let Some(est) = s.estimated_conflicts {
            writeln!(
                out,
                "about {} in all, estimated from the access sampling rates",
                plural(est, "conflicting pair", "conflicting pairs"),
            )?;
        }
        if s.sampled {
            writeln!(out, "sampled logs: every count is a lower bound")?;
            for i in r.inputs.iter().filter(|i| i.sampling.lost_records) {
                let mut why = i.sampling.reasons();
                if !i.sampling.sample_rates.is_empty() {
                    let rates: Vec<String> = i
                        .sampling
                        .sample_rates
                        .iter()
                        .map(|r| r.to_string())
                        .collect();
                    why.push(format!("accesses kept at rates {}", rates.join(", ")));
                }
                writeln!(out, "  {}: {}", sanitize(&i.path), why.join("; "))?;
            }
        }
        if s.deadlocks > 0 {
            writeln!(out, "{}", plural(s.deadlocks, "deadlock", "deadlocks"))?;
        }
        if let Some(known) = s.known_findings {
            writeln!(
                out,
                "{} from the baseline not shown (--format json marks them known)",
                plural(known, "known finding", "known findings")
            )?;
        }
        if s.races > 0 || s.crashes > 0 {
            writeln!(
                out,
                "{} at {}; {}",
                plural(s.races, "race report", "race reports"),
                plural(s.race_sites, "race site", "race sites"),
                plural(s.crashes, "crash", "crashes"),
            )?;
        }
        if s.dumps > 0 {
            writeln!(
                out,
                "{} without a crash (information, not findings)",
                plural(s.dumps, "goroutine dump", "goroutine dumps"),
            )?;
        }
        if let (Some(n), Some(unflagged)) = (s.static_findings, s.unflagged) {
            let mut tools: Vec<(&str, u64)> = Vec::new();
            for f in &r.static_findings {
                match tools.iter_mut().find(|t| t.0 == f.tool) {
                    Some(t) => t.1 += 1,
                    None => tools.push((&f.tool, 1)),
                }
            }
            tools.sort();
            let tools: Vec<String> = tools.iter().map(|(t, n)| format!("{t} {n}")).collect();
            let runtime = s.conflict_sites + s.race_sites + s.crashes;
            writeln!(
                out,
                "static analysis: {}{}; {} of {} flagged, {} by no check",
                plural(n, "finding", "findings"),
                if tools.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", sanitize(&tools.join(", ")))
                },
                thousands(runtime - unflagged),
                plural(runtime, "runtime finding", "runtime findings"),
                thousands(unflagged),
            )?;
        }

        let sites: Vec<&super::ConflictSite> =
            r.conflict_sites.iter().filter(|s| !s.known).collect();
        if !sites.is_empty() {
            let scopes = r.conflict_sites.iter().any(|c| c.scope != sites[0].scope);
            let mut g = self.grid();
            let mut head = vec!["#", "kind"];
            if scopes {
                head.push("scope");
            }
            head.extend([
                "map",
                "side A",
                "side B",
                "pairs",
                "goroutines",
                "traces",
                "first",
                "span",
            ]);
            g.set_header(self.header(&head));
            for (i, c) in sites.iter().enumerate() {
                let mut kind = Cell::new(c.kind);
                if self.color {
                    kind = kind.fg(if c.kind == "write/write" {
                        Color::Red
                    } else {
                        Color::Yellow
                    });
                }
                let mut row = vec![Cell::new(i + 1), kind];
                if scopes {
                    row.push(Cell::new(sanitize(&c.scope)));
                }
                row.extend([
                    Cell::new(sanitize(&match &c.object_name {
                        Some(n) => format!("{n} {}", c.object),
                        None => c.object.clone(),
                    })),
                    Cell::new(sanitize(&format!("{} {}", c.sides[0].op, c.sides[0].site))),
                    Cell::new(sanitize(&format!("{} {}", c.sides[1].op, c.sides[1].site))),
                    Cell::new(thousands(c.conflicts)).set_alignment(CellAlignment::Right),
                    Cell::new(c.actors).set_alignment(CellAlignment::Right),
                    Cell::new(c.trace_count).set_alignment(CellAlignment::Right),
                    Cell::new(time(c.first_ns)),
                    Cell::new(human_ns(c.last_ns - c.first_ns)).set_alignment(CellAlignment::Right),
                ]);
                g.add_row(row);
            }
            writeln!(out, "\nconflict sites")?;
            writeln!(out, "{g}")?;
            writeln!(out, "\nevidence (first example pair per site)")?;
            for (i, c) in sites.iter().enumerate() {
                if let Some(e) = c.examples.first() {
                    let overlap = match e.overlap_ns {
                        Some(o) => format!("{} overlap", human_ns(o)),
                        None => "both open".to_string(),
                    };
                    writeln!(
                        out,
                        "  #{} {} on {} ({overlap})",
                        i + 1,
                        c.kind,
                        sanitize(c.object_name.as_deref().unwrap_or(&c.object))
                    )?;
                    writeln!(out, "     a: {}", sanitize(&side_line(&e.a)))?;
                    writeln!(out, "     b: {}", sanitize(&side_line(&e.b)))?;
                    if let Some(est) = &c.estimate {
                        writeln!(
                            out,
                            "     estimated {} pairs in all ({}–{})",
                            thousands(est.conflicts),
                            thousands(est.low),
                            thousands(est.high)
                        )?;
                    }
                }
                let checked = s.static_findings.is_some();
                static_lines(&c.static_findings, checked, "     ", out)?;
            }
        }

        if let Some(hb) = &r.hb {
            self.hb(r, hb, out)?;
        }
        if r.races.iter().any(|x| !x.known) {
            self.races(r, out)?;
        }
        if r.locks.iter().any(|l| l.waits > 0) {
            self.locks(r, out)?;
        }
        for c in r.crashes.iter().filter(|c| !c.known) {
            writeln!(out)?;
            crash_digest(c, out, 0)?;
            if s.static_findings.is_some() && c.static_findings.is_empty() {
                writeln!(out, "  flagged by no static check")?;
            }
        }
        if !r.dumps.is_empty() {
            writeln!(
                out,
                "\ngoroutine dumps without a crash (information, not findings; `racetrail dumps` digests them whole)"
            )?;
        }
        for d in &r.dumps {
            writeln!(out)?;
            crash_digest(d, out, DUMP_BUCKETS_SHOWN)?;
            longest_waits(d, out, 3)?;
        }

        if !r.diagnostics.is_empty() {
            writeln!(
                out,
                "\n{} (first {} shown; --format json lists the kept ones)",
                plural(s.diagnostics, "diagnostic", "diagnostics"),
                DIAGNOSTICS_SHOWN.min(r.diagnostics.len())
            )?;
            for d in r.diagnostics.iter().take(DIAGNOSTICS_SHOWN) {
                let sev = match d.severity {
                    crate::formats::Severity::Error => "error",
                    crate::formats::Severity::Warning => "warning",
                };
                writeln!(
                    out,
                    "  {}: {sev}: {}",
                    sanitize(&d.source),
                    sanitize(&d.message)
                )?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        assert_eq!(human_ns(812), "812ns");
        assert_eq!(human_ns(5_649), "5.65µs");
        assert_eq!(human_ns(76_740_000), "76.74ms");
        assert_eq!(human_ns(1_200_000_000), "1.20s");
    }

    #[test]
    fn thousands_groups() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
