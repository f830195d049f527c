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

/// The width tables fit: `COLUMNS` when set, else the terminal's when
/// stdout is one, else 80.
pub fn terminal_width() -> u16 {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|&w| w > 0)
        .or_else(|| Grid::new().width())
        .unwrap_or(80)
        .max(40)
}

/// The printed width of a table in the condensed UTF-8 style: each column's
/// widest line, one space of padding either side, and a border between.
fn table_width(g: &Grid) -> usize {
    let w = g.column_max_content_widths();
    w.iter().map(|&c| c as usize).sum::<usize>() + 3 * w.len() + 1
}

/// `text` wrapped to `width` between its `, `-separated items (at spaces
/// inside an item longer than a line), continuation lines indented by
/// `indent` spaces more than the first line's own indentation.
pub fn wrap(text: &str, width: usize, indent: usize) -> String {
    let lead = text.len() - text.trim_start().len();
    let pad = " ".repeat(lead + indent);
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..lead]);
    let mut col = lead;
    let mut line_start = true;
    let items: Vec<&str> = text.trim_start().split(", ").collect();
    for (i, item) in items.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        // The comma after an item that is not the last stays on its line.
        let comma = usize::from(i + 1 < items.len());
        let w = item.chars().count() + comma;
        if !line_start && col + sep.len() + w > width {
            out.push_str(sep.trim_end());
            out.push('\n');
            out.push_str(&pad);
            col = pad.len();
        } else {
            out.push_str(sep);
            col += sep.len();
        }
        // An item longer than a whole line breaks at its spaces.
        for (j, word) in item.split(' ').enumerate() {
            let ww = word.chars().count();
            if j > 0 {
                if col + 1 + ww > width && col > pad.len() {
                    out.push('\n');
                    out.push_str(&pad);
                    col = pad.len();
                } else {
                    out.push(' ');
                    col += 1;
                }
            }
            out.push_str(word);
            col += ww;
        }
        line_start = false;
    }
    out
}

/// Longest text of a table cell; JSON and the evidence lines have it whole.
const CELL_CHARS: usize = 120;

/// Log text for a table cell: sanitized, and cut with `…` past
/// [`CELL_CHARS`] (wrapping a huge word to the width costs time for nothing).
fn clip(s: &str) -> String {
    let s = sanitize(s);
    match s.char_indices().nth(CELL_CHARS) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.into_owned(),
    }
}

/// The UTC date of a time, `2026-11-26`.
fn date(ns: i64) -> Option<String> {
    let t = jiff::Timestamp::from_nanosecond(ns as i128)
        .ok()?
        .to_string();
    t.split_once('T').map(|(d, _)| d.to_string())
}

/// The UTC time of day, `12:45:53.875316209`.
fn time_of_day(ns: i64) -> String {
    let t = time(ns);
    match t.split_once('T') {
        Some((_, tod)) => tod.trim_end_matches('Z').to_string(),
        None => t,
    }
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

fn side_line(s: &ConflictSide, at: &dyn Fn(i64) -> String) -> String {
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
        s.start_ns.map_or_else(|| "?".to_string(), at),
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

    /// `wide` when it fits the width, else `compact` (or `wide`) wrapped
    /// by comfy-table to the width.
    fn fit(&self, wide: Grid, compact: Option<Grid>) -> Grid {
        let width = terminal_width();
        if table_width(&wide) <= width as usize {
            return wide;
        }
        let mut g = compact.unwrap_or(wide);
        if table_width(&g) > width as usize {
            g.set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(width);
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
        let shown: Vec<&super::locks::LockReport> =
            r.locks.iter().filter(|l| l.waits > 0).collect();
        // Lock names repeat across processes: the scope tells them apart.
        let scopes = shown.iter().any(|l| l.scope != shown[0].scope)
            || r.contention.iter().any(|e| e.scope != shown[0].scope);
        let label = |scope: &str, name: Option<&str>, id: &str, sep: &str| {
            let mut l = match name {
                Some(n) => format!("{}{sep}{}", clip(n), clip(id)),
                None => clip(id),
            };
            // Wide tables give the scope a column of its own.
            if scopes && sep == "\n" {
                l.push_str(&format!("\n{}", clip(scope)));
            }
            l
        };
        let deadlocked = |l: &super::locks::LockReport| {
            let shown = l.name.as_deref().unwrap_or(&l.lock);
            r.deadlocks
                .iter()
                .any(|d| d.scope == l.scope && d.locks.iter().any(|x| x == shown))
        };
        let right = |v: String| Cell::new(v).set_alignment(CellAlignment::Right);
        let build = |sep: &str, two_line: bool| {
            let mut g = self.grid();
            let mut head = vec!["lock"];
            if scopes && !two_line {
                head.push("scope");
            }
            head.extend(["holds", "waits"]);
            if two_line {
                head.push("waiting\nlongest");
            } else {
                head.extend(["waiting", "longest"]);
            }
            head.extend(["blamed", "unattributed"]);
            g.set_header(self.header(&head));
            for l in &shown {
                let open = match (l.open_waits, deadlocked(l)) {
                    (0, _) => String::new(),
                    (n, true) => format!("{sep}({n} deadlocked)"),
                    (n, false) => format!("{sep}({n} open)"),
                };
                // A wait that never ends has no length and blames nobody.
                let blamed = if l.open_waits > 0 && l.blamed_ns == 0 {
                    if deadlocked(l) {
                        "deadlocked".to_string()
                    } else {
                        "open".to_string()
                    }
                } else {
                    human_ns(l.blamed_ns)
                };
                let mut row = vec![Cell::new(label(&l.scope, l.name.as_deref(), &l.lock, sep))];
                if scopes && !two_line {
                    row.push(Cell::new(clip(&l.scope)));
                }
                row.extend([
                    right(l.holds.to_string()),
                    right(format!("{}{open}", l.waits)),
                ]);
                if two_line {
                    row.push(right(format!(
                        "{}\n{}",
                        human_ns(l.wait_ns),
                        human_ns(l.max_wait_ns)
                    )));
                } else {
                    row.extend([right(human_ns(l.wait_ns)), right(human_ns(l.max_wait_ns))]);
                }
                row.extend([right(blamed), right(human_ns(l.unattributed_ns))]);
                g.add_row(row);
            }
            g
        };
        writeln!(
            out,
            "\nlocks (waiting time blamed on the holders that blocked it)"
        )?;
        writeln!(
            out,
            "{}",
            self.fit(build(" ", false), Some(build("\n", true)))
        )?;
        if shown.iter().any(|l| l.open_waits > 0) {
            writeln!(
                out,
                "{}",
                wrap(
                    "  open: waits that never ended have no length and blame no holder; waiting, longest and blamed count the waits that ended (a deadlock below names who held what)",
                    terminal_width() as usize,
                    2
                )
            )?;
        }
        if !r.contention.is_empty() {
            let build = |sep: &str| {
                let mut g = self.grid();
                let scope_column = scopes && sep == " ";
                let mut head = vec!["lock"];
                if scope_column {
                    head.push("scope");
                }
                head.extend(["holder", "waiter", "waits", "blamed", "longest"]);
                g.set_header(self.header(&head));
                for e in r.contention.iter().take(EDGES_SHOWN) {
                    let mut row = vec![Cell::new(label(
                        &e.scope,
                        e.lock_name.as_deref(),
                        &e.lock,
                        sep,
                    ))];
                    if scope_column {
                        row.push(Cell::new(clip(&e.scope)));
                    }
                    row.extend([
                        Cell::new(format!("goroutine {}", clip(&e.holder))),
                        Cell::new(format!("goroutine {}", clip(&e.waiter))),
                        right(e.waits.to_string()),
                        right(human_ns(e.blamed_ns)),
                        right(human_ns(e.max_ns)),
                    ]);
                    g.add_row(row);
                }
                g
            };
            let more = r.contention.len().saturating_sub(EDGES_SHOWN);
            writeln!(out, "\ncontention: who held what while whom waited")?;
            writeln!(out, "{}", self.fit(build(" "), Some(build("\n"))))?;
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
            let line = format!(
                "  wait chain for {} at {}: {}",
                human_ns(c.wait_ns),
                sanitize(&c.source),
                sanitize(&path)
            );
            writeln!(out, "{}", wrap(&line, terminal_width() as usize, 4))?;
        }
        for d in r.deadlocks.iter().filter(|d| !d.known) {
            let width = terminal_width() as usize;
            let line = format!(
                "deadlock at {}{}: {}",
                time(d.at_ns),
                if d.open { " (never resolved)" } else { "" },
                sanitize(&d.cycle())
            );
            writeln!(out, "\n{}", wrap(&line, width, 2))?;
            let evidence = format!("  evidence: {}", sanitize(&d.sources.join(", ")));
            writeln!(out, "{}", wrap(&evidence, width, 2))?;
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
                    format!("{} {}\n  {}", op, clip(&s.func), clip(&s.site))
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
        writeln!(out, "{}", self.fit(g, None))?;
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

impl Table {
    /// The conflict sites, then one example pair per site as evidence.
    /// Wide: a column each. Narrow (it would not fit): the kind under the
    /// map, both sides in one cell, the counts in one, first and last in one.
    fn sites(
        &self,
        r: &Report,
        sites: &[&super::ConflictSite],
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let width = terminal_width() as usize;
        let scopes = r.conflict_sites.iter().any(|c| c.scope != sites[0].scope);
        // One date for all: the column shows the time of day.
        let day = date(sites[0].first_ns).filter(|d| {
            sites.iter().all(|c| {
                date(c.first_ns).as_ref() == Some(d) && date(c.last_ns).as_ref() == Some(d)
            })
        });
        let first = |ns: i64| {
            if day.is_some() {
                time_of_day(ns)
            } else {
                time(ns)
            }
        };
        // Narrow tables show microseconds; the evidence has nanoseconds.
        let short_first = |ns: i64| {
            let t = first(ns);
            match t.split_once('.') {
                Some((sec, frac)) if frac.len() > 6 && day.is_some() => {
                    format!("{sec}.{}", &frac[..6])
                }
                _ => t,
            }
        };
        let map = |c: &super::ConflictSite| clip(c.object_name.as_deref().unwrap_or(&c.object));
        let side = |c: &super::ConflictSite, i: usize| {
            clip(&format!("{} {}", c.sides[i].op, c.sides[i].site))
        };
        let kind = |c: &super::ConflictSite| {
            let mut k = Cell::new(c.kind);
            if self.color {
                k = k.fg(if c.kind == "write/write" {
                    Color::Red
                } else {
                    Color::Yellow
                });
            }
            k
        };
        let right = |v: String| Cell::new(v).set_alignment(CellAlignment::Right);
        let last = |c: &super::ConflictSite| format!("+{}", human_ns(c.last_ns - c.first_ns));

        let mut wide = self.grid();
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
            "first … last",
        ]);
        wide.set_header(self.header(&head));
        for (i, c) in sites.iter().enumerate() {
            let mut row = vec![Cell::new(i + 1), kind(c)];
            if scopes {
                row.push(Cell::new(clip(&c.scope)));
            }
            row.extend([
                Cell::new(map(c)),
                Cell::new(side(c, 0)),
                Cell::new(side(c, 1)),
                right(thousands(c.conflicts)),
                right(thousands(c.actors)),
                right(thousands(c.trace_count)),
                Cell::new(format!("{} … {}", first(c.first_ns), last(c))),
            ]);
            wide.add_row(row);
        }
        let compact = (table_width(&wide) > width).then(|| {
            let mut g = self.grid();
            let what = if scopes {
                "map\nkind\nscope"
            } else {
                "map\nkind"
            };
            g.set_header(self.header(&[
                "#",
                what,
                "side A\nside B",
                "pairs\ngoroutines\ntraces",
                "first\nlast",
            ]));
            for (i, c) in sites.iter().enumerate() {
                let mut m = format!("{}\n{}", map(c), c.kind);
                if scopes {
                    m.push('\n');
                    m.push_str(&clip(&c.scope));
                }
                g.add_row(vec![
                    Cell::new(i + 1),
                    Cell::new(m),
                    Cell::new(format!("{}\n{}", side(c, 0), side(c, 1))),
                    right(format!(
                        "{}\n{}\n{}",
                        thousands(c.conflicts),
                        thousands(c.actors),
                        thousands(c.trace_count)
                    )),
                    Cell::new(format!("{}\n{}", short_first(c.first_ns), last(c))),
                ]);
            }
            g
        });
        match &day {
            Some(d) => writeln!(out, "\nconflict sites (times UTC, {d})")?,
            None => writeln!(out, "\nconflict sites (times UTC)")?,
        }
        writeln!(out, "{}", self.fit(wide, compact))?;
        writeln!(
            out,
            "\nevidence (first example pair per site; a is side A, b side B)"
        )?;
        for (i, c) in sites.iter().enumerate() {
            if let Some(e) = c.examples.first() {
                let overlap = match e.overlap_ns {
                    Some(o) => format!("{} overlap", human_ns(o)),
                    None => "both open".to_string(),
                };
                let on = match &c.object_name {
                    Some(n) => format!("{n} {}", c.object),
                    None => c.object.clone(),
                };
                let head = format!("  #{} {} on {} ({overlap})", i + 1, c.kind, on);
                writeln!(out, "{}", wrap(&sanitize(&head), width, 4))?;
                for (tag, x) in [("a", &e.a), ("b", &e.b)] {
                    let line = format!("     {tag}: {}", side_line(x, &first));
                    writeln!(out, "{}", wrap(&sanitize(&line), width, 3))?;
                }
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
            let checked = r.summary.static_findings.is_some();
            static_lines(&c.static_findings, checked, "     ", out)?;
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
                Cell::new(clip(&sc.scope)),
                right(thousands(sc.threads)),
                right(thousands(sc.events)),
                right(thousands(sc.racy_events)),
                right(thousands(sc.racy_locations)),
                Cell::new(clip(&locs.join(" "))),
            ]);
        }
        writeln!(
            out,
            "\nhappens-before races (accesses no lock, fork or join orders)"
        )?;
        writeln!(out, "{}", self.fit(g, None))?;
        let examples: Vec<&super::Conflict> = r.hb_pairs().collect();
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
        let when = match o.end_ns {
            None => format!("open since {}", time(o.start_ns)),
            Some(end) => format!("from {} to {}", time(o.start_ns), time(end)),
        };
        let mut line = format!(
            "  other side: goroutine {} {} on {} {when}, {}",
            o.actor,
            o.op,
            o.object_name.as_deref().unwrap_or(&o.object),
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
        if r.nothing_read() {
            writeln!(
                out,
                "nothing was read: no line of the inputs is a record racetrail knows"
            )?;
        } else if s.conflicts == 0 {
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
            let line = format!(
                "{} at {} unconfirmed: a side rests on incomplete evidence (not findings)",
                plural(s.unconfirmed, "more pair", "more pairs"),
                plural(s.unconfirmed_sites, "site", "sites"),
            );
            writeln!(out, "{}", wrap(&line, terminal_width() as usize, 2))?;
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
                let line = format!("  {}: {}", sanitize(&i.path), why.join(", "));
                writeln!(out, "{}", wrap(&line, terminal_width() as usize, 2))?;
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
        // Whole-input warnings say how far the counts above can be trusted.
        let (warnings, diagnostics): (Vec<_>, Vec<_>) =
            r.diagnostics.iter().partition(|d| d.whole_input);
        if !warnings.is_empty() {
            writeln!(out, "\nwarnings")?;
            for d in warnings.iter().take(DIAGNOSTICS_SHOWN) {
                writeln!(out, "  {}: {}", sanitize(&d.source), sanitize(&d.message))?;
            }
            let more = warnings.len().saturating_sub(DIAGNOSTICS_SHOWN);
            if more > 0 {
                writeln!(out, "  … {more} more in --format json")?;
            }
        }

        let sites: Vec<&super::ConflictSite> =
            r.conflict_sites.iter().filter(|s| !s.known).collect();
        if !sites.is_empty() {
            self.sites(r, &sites, out)?;
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

        if !diagnostics.is_empty() {
            let count = s.diagnostics.saturating_sub(warnings.len() as u64);
            writeln!(
                out,
                "\n{} (first {} shown; --format json lists the kept ones)",
                plural(count, "diagnostic", "diagnostics"),
                DIAGNOSTICS_SHOWN.min(diagnostics.len())
            )?;
            for d in diagnostics.iter().take(DIAGNOSTICS_SHOWN) {
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
