//! `racetrail timeline` (`--format timeline`): each finding's scene as
//! swimlanes on the terminal. A lane per goroutine, time flowing right on
//! one axis; access windows `├─write "k"─┤` (the finding's own `┣━━┫`),
//! holds `╞═hold mu═╡`, waits `┠┄wait mu┄┨`, a window still open running
//! off the right edge `▸`; the overlap highlighted on a row of its own; a
//! crash `✖` or a deadlock `⟳` marked. Offsets on the axis are from the
//! finding's first instant (printed in full above it). Column positions come
//! from integer nanoseconds; log text is sanitized; colour only when asked.

use std::io::{self, Write};

use super::scene::{Index, Item, ItemKind, Lane, MarkKind, Scene, Views, exact};
use super::table::{human_ns, time};
use super::text::sanitize;
use super::{Finding, Report};
use crate::replay::windows::OPEN;

/// Rows of one lane before items are left out.
const MAX_ROWS: usize = 4;
/// Tick marks at least this many columns apart.
const TICK_GAP: i64 = 12;

pub struct Timeline<'v, 'r, 'a> {
    pub views: &'v Views<'r, 'a>,
    pub color: bool,
    /// Columns to fill.
    pub width: usize,
}

/// The width to draw in: `COLUMNS`, else the terminal's, else 80.
pub fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or_else(|| terminal_size::terminal_size().map(|(w, _)| w.0 as usize))
        .unwrap_or(80)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    Plain,
    Focus,
    /// A focus bar's cells inside the highlighted interval.
    FocusBand,
    Hold,
    Wait,
    Band,
    Mark,
    Dim,
}

impl Style {
    fn ansi(self) -> &'static str {
        match self {
            Style::Plain => "",
            Style::Focus => "\x1b[1;31m",
            Style::FocusBand => "\x1b[1;97;41m",
            Style::Hold => "\x1b[34m",
            Style::Wait => "\x1b[33m",
            Style::Band => "\x1b[31m",
            Style::Mark => "\x1b[1;35m",
            Style::Dim => "\x1b[2m",
        }
    }
}

/// One text row of the plot.
struct Row {
    cells: Vec<(char, Style)>,
    /// Occupied column ranges (bars and their labels).
    used: Vec<(usize, usize)>,
}

impl Row {
    fn new(width: usize) -> Row {
        Row {
            cells: vec![(' ', Style::Plain); width],
            used: Vec::new(),
        }
    }

    fn free(&self, a: usize, b: usize) -> bool {
        self.used.iter().all(|&(x, y)| b <= x || y <= a)
    }

    fn put(&mut self, col: usize, c: char, s: Style) {
        if let Some(cell) = self.cells.get_mut(col) {
            *cell = (c, s);
        }
    }

    fn text(&mut self, col: usize, t: &str, s: Style) {
        for (k, c) in t.chars().enumerate() {
            self.put(col + k, c, s);
        }
    }
}

/// The plot's geometry: time → column.
struct Geometry {
    from: i64,
    to: i64,
    width: usize,
}

impl Geometry {
    fn col(&self, t: i64) -> usize {
        if t <= self.from {
            return 0;
        }
        if t >= self.to {
            return self.width;
        }
        let span = (self.to - self.from).max(1) as i128;
        ((t - self.from) as i128 * self.width as i128 / span) as usize
    }

    /// The columns `[a, b)` of an interval, at least one wide.
    fn cols(&self, s: i64, e: i64) -> (usize, usize) {
        let a = self.col(s).min(self.width.saturating_sub(1));
        let b = if e == OPEN { self.width } else { self.col(e) };
        (a, b.max(a + 1).min(self.width))
    }
}

/// Where an item's label goes.
enum Place {
    Inside,
    Right(usize),
    Left(usize),
    Bare,
}

fn char_len(s: &str) -> usize {
    s.chars().count()
}

fn cut(s: &str, n: usize) -> String {
    if char_len(s) <= n {
        return s.to_string();
    }
    if n == 0 {
        return String::new();
    }
    let mut t: String = s.chars().take(n - 1).collect();
    t.push('…');
    t
}

/// Draws an item's bar and label into a row.
fn draw(row: &mut Row, g: &Geometry, it: &Item, band: Option<(usize, usize)>, place: &Place) {
    let (a, b) = g.cols(it.start, it.end);
    let style = match it.kind {
        ItemKind::Access(_) if it.focus => Style::Focus,
        ItemKind::Access(_) => Style::Plain,
        ItemKind::Hold(_) => Style::Hold,
        ItemKind::Wait => Style::Wait,
    };
    let (open, fill, close, one) = match it.kind {
        ItemKind::Access(_) if it.focus => ('┣', '━', '┫', '┃'),
        ItemKind::Access(_) => ('├', '─', '┤', '│'),
        ItemKind::Hold(_) => ('╞', '═', '╡', '╪'),
        ItemKind::Wait => ('┠', '┄', '┨', '┊'),
    };
    let runs_off = it.end == OPEN || it.end > g.to;
    for c in a..b {
        let ch = if b - a == 1 && !runs_off {
            one
        } else if c == a && it.start < g.from {
            '◂'
        } else if c == a {
            open
        } else if c + 1 == b && runs_off {
            '▸'
        } else if c + 1 == b {
            close
        } else {
            fill
        };
        let s = match band {
            Some((x, y)) if it.focus && c >= x && c < y => Style::FocusBand,
            _ => style,
        };
        row.put(c, ch, s);
    }
    let label = sanitize(&it.label);
    match place {
        Place::Inside => {
            let room = b - a - 2;
            let s = if it.focus { Style::Focus } else { style };
            row.text(a + 1, &cut(&label, room), s);
        }
        Place::Right(n) => row.text(b + 1, &cut(&label, *n), style),
        Place::Left(n) => row.text(a - 1 - n, &cut(&label, *n), style),
        Place::Bare => {}
    }
}

/// Where an item fits in a row: the label inside its bar, after it,
/// before it, cut short after it, or no label.
fn fit(row: &Row, g: &Geometry, it: &Item) -> Option<(Place, (usize, usize))> {
    let (a, b) = g.cols(it.start, it.end);
    let n = char_len(&sanitize(&it.label));
    let w = g.width;
    let mut options: Vec<(Place, (usize, usize))> = Vec::new();
    if b - a >= n + 2 {
        options.push((Place::Inside, (a, b)));
    }
    if b + 1 + n <= w {
        options.push((Place::Right(n), (a, b + 1 + n + 1)));
    }
    if a > n + 1 {
        options.push((Place::Left(n), (a - 1 - n, b)));
    }
    // Cut short: as much as fits before the edge or the next thing on the row.
    if b + 5 <= w {
        let next = row
            .used
            .iter()
            .filter(|&&(x, _)| x > b)
            .map(|&(x, _)| x)
            .min()
            .unwrap_or(w + 1);
        let room = next.min(w + 1).saturating_sub(b + 2).min(n);
        if room >= 4 {
            options.push((Place::Right(room), (a, b + 1 + room + 1)));
        }
    }
    options.push((Place::Bare, (a, b + 1)));
    options
        .into_iter()
        .find(|(_, (x, y))| row.free(*x, (*y).min(w + 1)))
}

impl Timeline<'_, '_, '_> {
    fn paint(&self, out: &mut dyn Write, cells: &[(char, Style)]) -> io::Result<()> {
        let mut cur = Style::Plain;
        let mut s = String::with_capacity(cells.len() * 3);
        for &(c, st) in cells {
            if self.color && st != cur {
                if cur != Style::Plain {
                    s.push_str("\x1b[0m");
                }
                s.push_str(st.ansi());
                cur = st;
            }
            s.push(c);
        }
        if self.color && cur != Style::Plain {
            s.push_str("\x1b[0m");
        }
        writeln!(out, "{}", s.trim_end())
    }

    fn styled(&self, s: &str, st: Style) -> String {
        if self.color {
            format!("{}{s}\x1b[0m", st.ansi())
        } else {
            s.to_string()
        }
    }

    /// The rows of a lane: focus items placed first, then the others by start.
    fn lane_rows(
        &self,
        lane: &Lane,
        g: &Geometry,
        band: Option<(usize, usize)>,
    ) -> (Vec<Row>, usize) {
        let mut rows: Vec<Row> = vec![Row::new(g.width)];
        let mut order: Vec<&Item> = lane.items.iter().collect();
        order.sort_by_key(|i| (!i.focus, i.start, i.end));
        let mut hidden = lane.hidden;
        for it in order {
            let mut placed = false;
            // The best placement over all rows, a new row if none fits.
            for r in 0..=rows.len() {
                if r == rows.len() {
                    if rows.len() >= MAX_ROWS {
                        break;
                    }
                    rows.push(Row::new(g.width));
                }
                if let Some((place, span)) = fit(&rows[r], g, it)
                    && (!matches!(place, Place::Bare) || r + 1 >= MAX_ROWS || r + 1 == rows.len())
                {
                    draw(&mut rows[r], g, it, band, &place);
                    rows[r].used.push(span);
                    placed = true;
                    break;
                }
            }
            if !placed {
                hidden += 1;
            }
        }
        (rows, hidden)
    }

    pub fn scene(&self, out: &mut dyn Write, s: &Scene) -> io::Result<()> {
        writeln!(out, "{}", self.styled(&sanitize(&s.title), Style::Mark))?;
        if let Some(note) = &s.note {
            writeln!(out, "  {note}")?;
            if s.lanes.is_empty() {
                return writeln!(out);
            }
        }
        writeln!(
            out,
            "  0 = {}; axis {} … {}; {}",
            time(s.zero),
            offset(s.from - s.zero),
            offset(s.to - s.zero),
            sanitize(&s.scope)
        )?;
        let names: Vec<String> = s
            .lanes
            .iter()
            .map(|l| cut(&format!("goroutine {}", sanitize(&l.actor)), 18))
            .collect();
        let lw = names.iter().map(|n| char_len(n)).max().unwrap_or(9).max(9);
        let width = self.width.saturating_sub(lw + 3).max(20);
        let g = Geometry {
            from: s.from,
            to: s.to,
            width,
        };
        let band = s.band.map(|(a, b, _)| {
            let (x, y) = g.cols(a, b);
            (x, y)
        });
        let mark_cols: Vec<usize> = s.marks.iter().map(|m| g.col(m.at).min(width - 1)).collect();
        for (k, lane) in s.lanes.iter().enumerate() {
            let (mut rows, hidden) = self.lane_rows(lane, &g, band);
            for (m, &c) in s.marks.iter().zip(&mark_cols) {
                for (r, row) in rows.iter_mut().enumerate() {
                    // Marks and guides never cover a bar or a label.
                    if row.cells[c].0 != ' ' {
                        continue;
                    }
                    if m.lane == k && r == 0 {
                        let ch = match m.kind {
                            MarkKind::Crash => '✖',
                            MarkKind::Deadlock => '⟳',
                        };
                        row.put(c, ch, Style::Mark);
                    } else {
                        row.put(c, '╎', Style::Dim);
                    }
                }
            }
            for (r, row) in rows.iter().enumerate() {
                let label = if r == 0 { names[k].as_str() } else { "" };
                let more = if r + 1 == rows.len() && hidden > 0 {
                    format!("+{hidden}")
                } else {
                    String::new()
                };
                let head = format!("{label:<lw$}");
                write!(out, "{head} {}", self.styled("│", Style::Dim))?;
                if more.is_empty() {
                    self.paint(out, &row.cells)?;
                } else {
                    let mut cells = row.cells.clone();
                    cells.push((' ', Style::Plain));
                    cells.extend(more.chars().map(|c| (c, Style::Dim)));
                    self.paint(out, &cells)?;
                }
            }
        }
        if let (Some((x, y)), Some((a, b, what))) = (band, s.band) {
            let mut row = Row::new(width);
            for c in x..y {
                row.put(c, '▀', Style::Band);
            }
            let text = if b >= s.to {
                format!("{what} from {}", offset(a - s.zero))
            } else {
                format!("{what} {}", human_ns(b - a))
            };
            let n = char_len(&text);
            if y + 1 + n <= width {
                row.text(y + 1, &text, Style::Band);
            } else if x > n + 1 {
                row.text(x - 1 - n, &text, Style::Band);
            }
            write!(out, "{:<lw$} {}", "", self.styled("│", Style::Dim))?;
            self.paint(out, &row.cells)?;
        }
        for (m, &c) in s.marks.iter().zip(&mark_cols) {
            let mut row = Row::new(width);
            let sign = match m.kind {
                MarkKind::Crash => "✖",
                MarkKind::Deadlock => "⟳",
            };
            // The sign at its column, the words after it or before it.
            let label = sanitize(&m.label);
            let n = char_len(&label) + 2;
            if c + n <= width || c + 1 < n {
                row.text(c, &cut(&format!("{sign} {label}"), width - c), Style::Mark);
            } else {
                row.text(c + 1 - n, &format!("{label} {sign}"), Style::Mark);
            }
            write!(out, "{:<lw$} {}", "", self.styled("│", Style::Dim))?;
            self.paint(out, &row.cells)?;
        }
        self.axis(out, &g, s.zero, lw)?;
        self.evidence(out, s)?;
        writeln!(out)
    }

    /// The axis: ticks at round offsets from the finding's first instant.
    fn axis(&self, out: &mut dyn Write, g: &Geometry, zero: i64, lw: usize) -> io::Result<()> {
        let span = (g.to - g.from).max(1);
        let need = span.saturating_mul(TICK_GAP) / (g.width as i64).max(1);
        let step = nice_step(need.max(1));
        let mut line = vec![('─', Style::Dim); g.width];
        let mut labels = Row::new(g.width + 12);
        let mut t = zero + (g.from - zero).div_euclid(step) * step;
        if t < g.from {
            t += step;
        }
        let mut next_free = 0usize;
        while t <= g.to {
            let c = g.col(t).min(g.width - 1);
            line[c] = ('┬', Style::Dim);
            let text = if t == zero {
                "0".to_string()
            } else {
                format!("{}{}", if t > zero { "+" } else { "" }, exact(t - zero))
            };
            if c >= next_free && c + char_len(&text) <= g.width + 10 {
                labels.text(c, &text, Style::Dim);
                next_free = c + char_len(&text) + 1;
            }
            t += step;
        }
        write!(out, "{:<lw$} {}", "", self.styled("└", Style::Dim))?;
        self.paint(out, &line)?;
        write!(out, "{:<lw$}  ", "")?;
        self.paint(out, &labels.cells)
    }

    /// The finding's own windows with their evidence, one per line.
    fn evidence(&self, out: &mut dyn Write, s: &Scene) -> io::Result<()> {
        let ix = self.views.an;
        for lane in &s.lanes {
            for it in lane.items.iter().filter(|i| i.focus) {
                let dur = if it.is_open() {
                    "still open".to_string()
                } else {
                    format!("for {}", human_ns(it.end - it.start))
                };
                let mut line = format!(
                    "  goroutine {} {} at {} {dur}, {}",
                    lane.actor,
                    it.label,
                    offset(it.start - s.zero),
                    ix.source(it.source.0, it.source.1)
                );
                if let Some((i, l)) = it.end_source {
                    if i == it.source.0 {
                        line.push_str(&format!(" .. {l}"));
                    } else {
                        line.push_str(&format!(" .. {}", ix.source(i, l)));
                    }
                }
                if let Some(t) = &it.trace {
                    line.push_str(&format!(", trace {t}"));
                }
                writeln!(out, "{}", sanitize(&line))?;
            }
        }
        for m in &s.marks {
            let what = match m.kind {
                MarkKind::Crash => "crash after the process's last record",
                MarkKind::Deadlock => "cycle closed",
            };
            writeln!(out, "  {what} at {}", offset(m.at - s.zero))?;
        }
        Ok(())
    }
}

fn offset(ns: i64) -> String {
    if ns > 0 {
        format!("+{}", exact(ns))
    } else {
        exact(ns)
    }
}

/// The smallest 1, 2 or 5 × 10^k nanoseconds at least `need`.
fn nice_step(need: i64) -> i64 {
    let mut base = 1i64;
    loop {
        for m in [1, 2, 5] {
            let s = base.saturating_mul(m);
            if s >= need {
                return s;
            }
        }
        if base > i64::MAX / 10 {
            return i64::MAX;
        }
        base *= 10;
    }
}

impl super::Renderer for Timeline<'_, '_, '_> {
    fn render(&self, report: &Report, out: &mut dyn Write) -> io::Result<()> {
        let index = Index::new(self.views.an);
        let scenes = self.views.scenes(report, &index);
        // Race reports and happens-before pairs have no times: listed, so
        // that no finding is missing here.
        let findings = report.findings();
        let untimed: Vec<&super::FindingRef<'_>> = findings
            .iter()
            .filter(|f| match f.finding {
                Finding::Site(_) | Finding::Crash(_) | Finding::Deadlock(_) => false,
                Finding::Race(_) | Finding::HappensBefore(_) => true,
            })
            .collect();
        if scenes.is_empty() && untimed.is_empty() {
            writeln!(out, "no findings to draw")?;
        }
        for s in &scenes {
            self.scene(out, s)?;
        }
        if !untimed.is_empty() {
            writeln!(
                out,
                "without times to draw (race reports, happens-before traces):"
            )?;
            for f in untimed {
                writeln!(
                    out,
                    "  {} {}: {} ({})",
                    f.kind.name(),
                    f.id,
                    sanitize(&f.title),
                    sanitize(&f.source)
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
    fn steps_are_round() {
        assert_eq!(nice_step(1), 1);
        assert_eq!(nice_step(3), 5);
        assert_eq!(nice_step(7), 10);
        assert_eq!(nice_step(1_100), 2_000);
        assert_eq!(nice_step(45_000), 50_000);
    }

    #[test]
    fn columns_from_integer_time() {
        let g = Geometry {
            from: 1_795_702_702_450_876_000,
            to: 1_795_702_702_450_877_000,
            width: 100,
        };
        assert_eq!(g.col(1_795_702_702_450_876_500), 50);
        assert_eq!(g.cols(1_795_702_702_450_876_500, OPEN), (50, 100));
        assert_eq!(
            g.cols(1_795_702_702_450_876_500, 1_795_702_702_450_876_500),
            (50, 51)
        );
    }
}
