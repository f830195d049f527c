//! `--format html`: one self-contained page for a postmortem document.
//!
//! Everything is inline — style, a small script, SVG — and nothing is
//! fetched: the page works from `file://` on a machine without network.
//! It holds the summary; sortable tables (click a header) of conflict sites,
//! races, crashes, locks and contention; each finding's timeline as SVG
//! (the same scenes as `racetrail timeline`; zoom with the wheel or the
//! buttons, the positions are recomputed from nanosecond offsets); a race's
//! two accesses in report order (race reports have no times); the
//! contention graph laid out on a circle; dump digests with collapsible
//! stacks; and every evidence `path:line` linked to the text of that line,
//! read from the inputs in memory (listed once at the end of the page).
//! Without the script the page still reads: the SVGs are drawn server-side.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::{self, Write};

use rustc_hash::FxHashMap;

use super::runtime::{Crash, FrameOut};
use super::scene::{Index, ItemKind, MarkKind, Scene, SceneKind, Views, exact};
use super::table::{human_ns, thousands, time};
use super::text::sanitize;
use super::{Report, natural_key};
use crate::replay::windows::OPEN;

/// Context items per lane in the page: fewer than on the terminal, so that
/// a report of a thousand findings stays a few megabytes.
const LANE_ITEMS: usize = 4;
/// Contention edges drawn in the graph (the costliest).
const GRAPH_EDGES: usize = 40;
/// Buckets shown per dump.
const DUMP_BUCKETS: usize = 20;
/// Diagnostics listed.
const DIAGNOSTICS: usize = 100;

// SVG geometry (viewBox units).
const W: i64 = 1000;
const X0: i64 = 120;
const X1: i64 = 985;
const ROW: i64 = 16;
const LANE_GAP: i64 = 8;
const TOP: i64 = 8;
const MAX_ROWS: usize = 5;
/// Approximate width of a label character at the page's SVG font size.
const CHAR_W: i64 = 6;

pub struct Html<'v, 'r, 'a> {
    pub views: &'v Views<'r, 'a>,
}

/// Text for HTML: control characters made visible, markup escaped.
fn esc(s: &str) -> String {
    escape_markup(&sanitize(s))
}

/// Text for a `<pre>`: line breaks and tabs kept, other controls shown.
fn esc_pre(s: &str) -> String {
    let kept: String = s
        .split('\n')
        .map(|l| {
            l.split('\t')
                .map(|p| sanitize(p).into_owned())
                .collect::<Vec<_>>()
                .join("\t")
        })
        .collect::<Vec<_>>()
        .join("\n");
    escape_markup(&kept)
}

/// Element text: `&`, `<` and `>` escaped (quotes need no escape there,
/// and log lines are full of them).
fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// A quoted attribute value.
fn attr(s: &str) -> String {
    esc(s).replace('"', "&quot;").replace('\'', "&#39;")
}

/// Tenths as text: `123.4`.
fn tenths(v: i64) -> String {
    if v < 0 {
        return format!("-{}", tenths(-v));
    }
    format!("{}.{}", v / 10, v % 10)
}

/// The x of a time, in tenths of a viewBox unit.
fn x10(t: i64, from: i64, to: i64) -> i64 {
    let span = (to - from).max(1) as i128;
    let t = t.clamp(from, to);
    (X0 * 10) + ((t - from) as i128 * ((X1 - X0) * 10) as i128 / span) as i64
}

const STYLE: &str = r#"
:root{--fg:#1d1f23;--mute:#667;--line:#d8dbe0;--bg:#fff;--focus:#c62828;--acc:#8a94a6;--hold:#1f6fb2;--wait:#e0a020;--band:rgba(198,40,40,.13);--mark:#7b1fa2}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1200px;padding:0 16px 48px}
h1{font-size:22px;margin:20px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:18px 0 4px}
nav a{margin-right:12px}code,pre,.mono{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
table{border-collapse:collapse;margin:6px 0;font-size:13px}th,td{border:1px solid var(--line);padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f3f4f7}table.sortable th{cursor:pointer;user-select:none}th[aria-sort=ascending]::after{content:" ▲"}th[aria-sort=descending]::after{content:" ▼"}
td.n{text-align:right;font-variant-numeric:tabular-nums}.summary td:first-child{color:var(--mute)}
.finding{border:1px solid var(--line);border-radius:6px;padding:4px 12px 8px;margin:12px 0}
.finding h3{margin:6px 0}.sub{color:var(--mute);font-size:12px}
.zoom{float:right}.zoom button{font-size:12px;margin-left:4px}
svg.tl{width:100%;height:auto;display:block;background:#fbfbfc;border:1px solid #eceef2}
svg text{font:11px system-ui,sans-serif;fill:var(--fg)}svg rect{rx:2px}svg .lane{font-weight:600}svg .l,svg .li{pointer-events:none}
svg .a,svg .aw,svg .f,svg .h,svg .wt{height:12px}svg .a{fill:var(--acc)}svg .aw{fill:#5d6778}svg .f{fill:var(--focus)}svg .h{fill:var(--hold);opacity:.75}svg .wt{fill:var(--wait);opacity:.8}
svg .li{fill:#fff}svg .band{fill:var(--band)}svg .bandl{fill:var(--focus)}svg .grid{stroke:#e6e8ec}
svg .tick{stroke:#aab}svg .tickl{fill:var(--mute);font-size:10px}svg .mark{stroke:var(--mark);stroke-width:1.5;stroke-dasharray:4 3}svg .markl{fill:var(--mark);font-weight:600}
svg .arrow{stroke:var(--focus);stroke-width:1.2;marker-end:url(#ah)}svg .edge{fill:none;stroke:var(--hold);marker-end:url(#ahb)}svg .edge.dl{stroke:var(--focus);stroke-dasharray:5 3;marker-end:url(#ah)}
svg .node{fill:#eef3fb;stroke:var(--hold)}svg .nodel{font-weight:600;text-anchor:middle}svg .edgel{fill:var(--mute);font-size:10px}
ul.ev{margin:4px 0;padding-left:18px;font-size:13px}a.src{font:12px ui-monospace,Menlo,Consolas,monospace}
details{margin:3px 0}summary{cursor:pointer}pre{background:#f6f7f9;padding:6px 8px;margin:4px 0;overflow:auto}
table.lines td:last-child{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all}
tr:target{background:#fff6d5}.note{color:var(--mute);font-style:italic}
"#;

const SCRIPT: &str = r#"
(function(){
"use strict";
function num(c){var v=c.getAttribute("data-v");return v===null?null:parseFloat(v);}
document.querySelectorAll("table.sortable").forEach(function(t){
  var ths=t.tHead.rows[0].cells;
  Array.prototype.forEach.call(ths,function(th,i){
    th.addEventListener("click",function(){
      var asc=th.getAttribute("aria-sort")!=="ascending";
      Array.prototype.forEach.call(ths,function(o){o.removeAttribute("aria-sort");});
      th.setAttribute("aria-sort",asc?"ascending":"descending");
      var b=t.tBodies[0],rows=Array.prototype.slice.call(b.rows);
      rows.sort(function(r1,r2){
        var a=r1.cells[i],c=r2.cells[i],x=num(a),y=num(c),d;
        if(x!==null&&y!==null){d=x-y;}else{d=a.textContent.localeCompare(c.textContent,undefined,{numeric:true});}
        return asc?d:-d;});
      rows.forEach(function(r){b.appendChild(r);});
    });
  });
});
var NS="http://www.w3.org/2000/svg",X0=__X0__,X1=__X1__;
function dur(ns){var a=Math.abs(ns),u=[[1e9,"s"],[1e6,"ms"],[1e3,"\u00b5s"],[1,"ns"]];
  if(a===0)return"0";for(var k=0;k<u.length;k++){if(a>=u[k][0]||k===3){var v=ns/u[k][0];return (Math.round(v*1000)/1000)+u[k][1];}}}
function layout(svg){
  var f=+svg.dataset.f,t=+svg.dataset.t,x0=X0,x1=X1;
  var X=function(v){return x0+(v-f)*(x1-x0)/(t-f);};
  svg.querySelectorAll("[data-s]").forEach(function(el){
    var s=+el.dataset.s,tag=el.tagName;
    if(tag==="rect"){var e=el.dataset.e==="open"?null:+el.dataset.e;var a=X(s),b=e===null?Math.max(x1,a):X(e);
      el.setAttribute("x",a);el.setAttribute("width",Math.max(b-a,1.5));}
    else if(tag==="text"){el.setAttribute("x",X(s)+(+(el.dataset.dx||0)));}
    else if(tag==="line"){el.setAttribute("x1",X(s));el.setAttribute("x2",X(s));}
  });
  svg.querySelectorAll("text.l,text.li").forEach(function(el){
    var r=el.previousElementSibling,a=+r.getAttribute("x"),w=+r.getAttribute("width");
    el.setAttribute("x",(el.classList.contains("li")?Math.max(a,x0):a+w)+3);
  });
  var ax=svg.querySelector("g.ax");if(!ax)return;
  while(ax.firstChild)ax.removeChild(ax.firstChild);
  var y=+ax.dataset.y,h=+ax.dataset.h,need=(t-f)*90/(x1-x0),step=1;
  while(true){if(step>=need)break;if(2*step>=need){step*=2;break;}if(5*step>=need){step*=5;break;}step*=10;}
  for(var v=Math.ceil(f/step)*step;v<=t;v+=step){var x=X(v);
    var g=document.createElementNS(NS,"line");g.setAttribute("class","grid");g.setAttribute("x1",x);g.setAttribute("x2",x);g.setAttribute("y1",0);g.setAttribute("y2",y);ax.appendChild(g);
    var l=document.createElementNS(NS,"text");l.setAttribute("class","tickl");l.setAttribute("x",x+2);l.setAttribute("y",y+h);l.textContent=v===0?"0":(v>0?"+":"")+dur(v);ax.appendChild(l);}
}
function zoom(svg,factor,at){
  var f=+svg.dataset.f,t=+svg.dataset.t;
  if(at===undefined)at=(f+t)/2;
  var nf=at-(at-f)*factor,nt=at+(t-at)*factor;
  if(nt-nf<10)return;
  svg.dataset.f=nf;svg.dataset.t=nt;layout(svg);
}
document.querySelectorAll("svg.tl[data-f]").forEach(function(svg){
  svg.dataset.f0=svg.dataset.f;svg.dataset.t0=svg.dataset.t;
  layout(svg);
  svg.addEventListener("wheel",function(ev){
    ev.preventDefault();
    var p=svg.createSVGPoint();p.x=ev.clientX;p.y=ev.clientY;
    var q=p.matrixTransform(svg.getScreenCTM().inverse());
    var f=+svg.dataset.f,t=+svg.dataset.t,x0=X0,x1=X1;
    var at=f+(Math.min(Math.max(q.x,x0),x1)-x0)*(t-f)/(x1-x0);
    zoom(svg,ev.deltaY<0?0.8:1.25,at);
  },{passive:false});
});
document.querySelectorAll(".zoom").forEach(function(z){
  [["+","0.5"],["\u2212","2"],["reset","reset"]].forEach(function(k){
    var b=document.createElement("button");b.textContent=k[0];b.dataset.z=k[1];z.appendChild(b);});
});
document.querySelectorAll(".zoom button").forEach(function(b){
  b.addEventListener("click",function(){
    var svg=document.getElementById(b.parentNode.dataset.for);
    if(b.dataset.z==="reset"){svg.dataset.f=svg.dataset.f0;svg.dataset.t=svg.dataset.t0;layout(svg);}
    else zoom(svg,+b.dataset.z);
  });
});
document.addEventListener("mouseover",function(ev){
  var a=ev.target.closest?ev.target.closest("a.src"):null;
  if(!a||a.title)return;var r=document.getElementById(a.getAttribute("href").slice(1));
  if(r&&r.cells.length>1)a.title=r.cells[1].textContent;
});
})();
"#;

/// The sources a page links to: (input, line) → id.
#[derive(Default)]
struct Sources {
    wanted: BTreeSet<(u32, u32)>,
}

impl Sources {
    fn id((i, l): (u32, u32)) -> String {
        format!("L{i}-{l}")
    }
}

struct Page<'x, 'r, 'a> {
    ix: &'x Index<'r, 'a>,
    sources: Sources,
    svg_count: usize,
}

impl Page<'_, '_, '_> {
    /// A link to the evidence line of a `path:line` the report printed.
    fn src(&mut self, source: &str) -> String {
        match self.ix.source_of(source) {
            Some(at) => {
                self.sources.wanted.insert(at);
                format!(
                    "<a class=src href=\"#{}\">{}</a>",
                    Sources::id(at),
                    esc(source)
                )
            }
            None => format!("<span class=mono>{}</span>", esc(source)),
        }
    }

    /// A link to an end record: its line number alone when in the same input.
    fn line_at(&mut self, at: (u32, u32), input: u32) -> String {
        if at.0 != input {
            return self.src_at(at);
        }
        self.sources.wanted.insert(at);
        format!("<a class=src href=\"#{}\">{}</a>", Sources::id(at), at.1)
    }

    fn src_at(&mut self, at: (u32, u32)) -> String {
        self.sources.wanted.insert(at);
        format!(
            "<a class=src href=\"#{}\">{}</a>",
            Sources::id(at),
            esc(&self.ix.source(at))
        )
    }

    fn scene(&mut self, s: &mut String, sc: &Scene) {
        let _ = write!(
            s,
            "<section class=finding id=\"{}\"><h3>{}</h3>",
            attr(&sc.anchor),
            esc(&sc.title)
        );
        if let Some(note) = &sc.note {
            let _ = write!(s, "<p class=note>{}</p>", esc(note));
        }
        if sc.lanes.is_empty() {
            s.push_str("</section>\n");
            return;
        }
        let _ = write!(
            s,
            "<div class=sub>0 = {} · axis {} … {} · {}<span class=zoom data-for=\"svg-{}\"></span></div>",
            time(sc.zero),
            signed(sc.from - sc.zero),
            signed(sc.to - sc.zero),
            esc(&sc.scope),
            attr(&sc.anchor)
        );
        self.svg(s, sc);
        s.push_str("<ul class=ev>");
        for lane in &sc.lanes {
            for it in lane.items.iter().filter(|i| i.focus) {
                let dur = if it.is_open() {
                    "still open".to_string()
                } else {
                    format!("for {}", human_ns(it.end - it.start))
                };
                let _ = write!(
                    s,
                    "<li>goroutine {} <b>{}</b> at {} {dur}: {}",
                    esc(&lane.actor),
                    esc(&it.label),
                    signed(it.start - sc.zero),
                    self.src_at(it.source)
                );
                if let Some(e) = it.end_source {
                    let _ = write!(s, " .. {}", self.line_at(e, it.source.0));
                }
                if let Some(t) = &it.trace {
                    let _ = write!(s, ", trace <code>{}</code>", esc(t));
                }
                s.push_str("</li>");
            }
        }
        for m in &sc.marks {
            let what = match m.kind {
                MarkKind::Crash => "crash after the process's last record",
                MarkKind::Deadlock => "cycle closed",
            };
            let _ = write!(s, "<li>{what} at {}</li>", signed(m.at - sc.zero));
        }
        s.push_str("</ul></section>\n");
    }

    /// A scene as SVG: lanes of rows of bars, the band, marks, arrows, axis.
    fn svg(&mut self, s: &mut String, sc: &Scene) {
        self.svg_count += 1;
        let (from, to) = (sc.from, sc.to);
        let rel = |t: i64| t - sc.zero;
        // Rows per lane: bars packed by their extent and inside labels.
        struct Placed {
            lane: usize,
            row: usize,
            item: usize,
            label: bool,
        }
        let mut placed: Vec<Placed> = Vec::new();
        let mut lane_rows: Vec<usize> = Vec::new();
        let mut hidden: Vec<usize> = Vec::new();
        for (l, lane) in sc.lanes.iter().enumerate() {
            let mut rows: Vec<Vec<(i64, i64)>> = vec![Vec::new()];
            let mut order: Vec<usize> = (0..lane.items.len()).collect();
            order.sort_by_key(|&k| (!lane.items[k].focus, lane.items[k].start));
            let mut h = lane.hidden;
            for k in order {
                let it = &lane.items[k];
                let a = x10(it.start, from, to) / 10;
                let b = if it.end == OPEN {
                    X1
                } else {
                    x10(it.end, from, to) / 10
                };
                let text = CHAR_W * it.label.chars().count() as i64 + 8;
                // The label inside its bar when it fits, else after it.
                let with_label = if b - a >= text {
                    (a, b + 1)
                } else {
                    (a, b + 3 + text)
                };
                let bare = (a, b.max(a + 2) + 1);
                let free = |row: &Vec<(i64, i64)>, (x, y): (i64, i64)| {
                    row.iter().all(|&(p, q)| y <= p || q <= x)
                };
                let mut done = false;
                'rows: for want_label in [true, false] {
                    let span = if want_label { with_label } else { bare };
                    if want_label && span.1 > X1 + 60 {
                        continue;
                    }
                    for r in 0..MAX_ROWS {
                        if r == rows.len() {
                            rows.push(Vec::new());
                        }
                        if free(&rows[r], span) {
                            rows[r].push(span);
                            placed.push(Placed {
                                lane: l,
                                row: r,
                                item: k,
                                label: want_label,
                            });
                            done = true;
                            break 'rows;
                        }
                    }
                }
                if !done {
                    h += 1;
                }
            }
            lane_rows.push(rows.len());
            hidden.push(h);
        }
        let mut lane_y: Vec<i64> = Vec::new();
        let mut y = TOP;
        for &n in &lane_rows {
            lane_y.push(y);
            y += n as i64 * ROW + LANE_GAP;
        }
        let extra = sc.marks.len() as i64 * ROW;
        let plot_h = y + extra;
        let height = plot_h + 22;
        let id = attr(&sc.anchor);
        let _ = write!(
            s,
            "<svg class=tl id=\"svg-{id}\" viewBox=\"0 0 {W} {height}\" data-f=\"{}\" data-t=\"{}\" data-kind=\"{}\"><clipPath id=\"c-{id}\"><rect x=\"{X0}\" y=\"0\" width=\"{}\" height=\"{height}\"/></clipPath>",
            rel(from),
            rel(to),
            match sc.kind {
                SceneKind::Conflict => "conflict",
                SceneKind::Crash => "crash",
                SceneKind::Deadlock => "deadlock",
            },
            X1 - X0 + 10,
        );
        // The axis: grid and tick labels drawn by the script (and redrawn on
        // zoom); the range is in the line above the drawing.
        let _ = write!(s, "<g class=ax data-y=\"{plot_h}\" data-h=\"14\">");
        s.push_str("</g>");
        for (l, lane) in sc.lanes.iter().enumerate() {
            let more = if hidden[l] > 0 {
                format!(" <tspan class=tickl>+{}</tspan>", hidden[l])
            } else {
                String::new()
            };
            let _ = write!(
                s,
                "<text class=lane x=\"4\" y=\"{}\" data-lane=\"{}\">goroutine {}{more}</text>",
                lane_y[l] + 12,
                attr(&lane.actor),
                esc(&lane.actor)
            );
        }
        let _ = write!(s, "<g clip-path=\"url(#c-{id})\">");
        if let Some((a, b, what)) = sc.band {
            let xa = x10(a, from, to);
            let xb = if b >= to { X1 * 10 } else { x10(b, from, to) };
            let e = if b >= to {
                "open".to_string()
            } else {
                rel(b).to_string()
            };
            let _ = write!(
                s,
                "<rect class=band x=\"{}\" y=\"0\" width=\"{}\" height=\"{y}\" data-s=\"{}\" data-e=\"{e}\"><title>{what} {}</title></rect>",
                tenths(xa),
                tenths((xb - xa).max(15)),
                rel(a),
                if b >= to {
                    format!("from {}", signed(rel(a)))
                } else {
                    human_ns(b - a)
                }
            );
        }
        for p in &placed {
            let lane = &sc.lanes[p.lane];
            let it = &lane.items[p.item];
            let yy = lane_y[p.lane] + p.row as i64 * ROW + 2;
            let xa = x10(it.start, from, to);
            let xb = if it.end == OPEN {
                X1 * 10
            } else {
                x10(it.end, from, to)
            };
            let class = match it.kind {
                ItemKind::Access(_) if it.focus => "f",
                ItemKind::Access(op) if op.is_write() => "aw",
                ItemKind::Access(_) => "a",
                ItemKind::Hold(_) => "h",
                ItemKind::Wait => "wt",
            };
            let e = if it.end == OPEN {
                "open".to_string()
            } else {
                rel(it.end).to_string()
            };
            let _ = write!(
                s,
                "<rect class={class} x=\"{}\" y=\"{yy}\" width=\"{}\" data-s=\"{}\" data-e=\"{e}\" data-src=\"{}:{}\"",
                tenths(xa),
                tenths((xb - xa).max(15)),
                rel(it.start),
                it.source.0,
                it.source.1,
            );
            s.push_str("/>");
            if p.label {
                let inside = (xb - xa) / 10 >= CHAR_W * it.label.chars().count() as i64 + 8;
                // Placed by the script after the bar before it.
                let (x, class) = if inside {
                    (xa + 30, "li")
                } else {
                    (xb + 30, "l")
                };
                let _ = write!(
                    s,
                    "<text class={class} x=\"{}\" y=\"{}\">{}</text>",
                    tenths(x),
                    yy + ROW - 6,
                    esc(&it.label)
                );
            }
        }
        // Arrows from one item to its partner, at the instant they met.
        let row_of = |lane: usize, item: usize| {
            placed
                .iter()
                .find(|p| p.lane == lane && p.item == item)
                .map(|p| lane_y[lane] + p.row as i64 * ROW + ROW / 2)
        };
        for a in &sc.arrows {
            let (Some(y1), Some(y2)) = (row_of(a.from.0, a.from.1), row_of(a.to.0, a.to.1)) else {
                continue;
            };
            let x = tenths(x10(a.at, from, to));
            let (y1, y2) = if y2 > y1 {
                (y1 + 5, y2 - 6)
            } else {
                (y1 - 5, y2 + 6)
            };
            let _ = write!(
                s,
                "<line class=arrow x1=\"{x}\" x2=\"{x}\" y1=\"{y1}\" y2=\"{y2}\" data-s=\"{}\"/>",
                rel(a.at)
            );
        }
        for (k, m) in sc.marks.iter().enumerate() {
            let x = x10(m.at, from, to);
            let ym = y + k as i64 * ROW + 12;
            let sign = match m.kind {
                MarkKind::Crash => "✖",
                MarkKind::Deadlock => "⟳",
            };
            // Words after the line in the left half, before it in the right.
            let (dx, anchor) = if x < (X0 + X1) * 5 {
                (4, "start")
            } else {
                (-4, "end")
            };
            let _ = write!(
                s,
                "<line class=mark x1=\"{0}\" x2=\"{0}\" y1=\"0\" y2=\"{y}\" data-s=\"{1}\"/><text class=markl x=\"{2}\" y=\"{ym}\" data-s=\"{1}\" data-dx=\"{dx}\" text-anchor=\"{anchor}\">{sign} {3}</text>",
                tenths(x),
                rel(m.at),
                tenths(x + dx * 10),
                esc(&m.label)
            );
        }
        s.push_str("</g></svg>");
    }
}

/// An offset with its sign: `+20µs`, `-5µs`, `0`.
fn signed(ns: i64) -> String {
    if ns > 0 {
        format!("+{}", exact(ns))
    } else {
        exact(ns)
    }
}

fn td_n(s: &mut String, v: i64, shown: &str) {
    let _ = write!(s, "<td class=n data-v=\"{v}\">{shown}</td>");
}

fn stack_text(frames: &[FrameOut]) -> String {
    let mut t = String::new();
    for f in frames {
        let _ = writeln!(t, "{}\n\t{}:{}", f.func, f.file, f.line);
    }
    esc_pre(t.trim_end())
}

impl Html<'_, '_, '_> {
    fn summary(&self, r: &Report, s: &mut String) {
        let m = &r.summary;
        let lines: u64 = r.inputs.iter().map(|i| i.lines).sum();
        let rows: [(&str, String); 12] = [
            (
                "inputs",
                format!("{} ({} lines)", r.inputs.len(), thousands(lines)),
            ),
            (
                "accesses",
                format!(
                    "{} ({} open)",
                    thousands(m.accesses),
                    thousands(m.open_accesses)
                ),
            ),
            ("lock holds", thousands(m.holds)),
            ("goroutines", thousands(m.actors)),
            ("maps", thousands(m.objects)),
            ("conflicting pairs", thousands(m.conflicts)),
            ("conflict sites", thousands(m.conflict_sites)),
            (
                "races",
                format!(
                    "{} reports at {} sites",
                    thousands(m.races),
                    thousands(m.race_sites)
                ),
            ),
            ("crashes", thousands(m.crashes)),
            ("deadlocks", thousands(m.deadlocks)),
            ("contention edges", thousands(m.contention_edges)),
            ("parse errors", thousands(m.parse_errors)),
        ];
        s.push_str("<table class=summary id=summary>");
        for (k, v) in rows {
            let _ = write!(s, "<tr><td>{k}</td><td>{v}</td></tr>");
        }
        s.push_str("</table>");
        s.push_str("<details><summary>inputs</summary><table><thead><tr><th>path</th><th>formats</th><th>bytes</th><th>lines</th><th>records</th><th>parse errors</th></tr></thead><tbody>");
        for i in &r.inputs {
            let _ = write!(
                s,
                "<tr><td class=mono>{}</td><td>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td><td class=n>{}</td></tr>",
                esc(&i.path),
                esc(&i.formats.join(", ")),
                thousands(i.bytes),
                thousands(i.lines),
                thousands(i.records),
                thousands(i.parse_errors)
            );
        }
        s.push_str("</tbody></table></details>\n");
    }

    fn sites_table(&self, r: &Report, p: &mut Page<'_, '_, '_>, s: &mut String) {
        if r.conflict_sites.is_empty() {
            s.push_str("<p class=note>no conflicting accesses</p>");
            return;
        }
        s.push_str("<table class=sortable id=sites><thead><tr><th>#</th><th>kind</th><th>map</th><th>side A</th><th>side B</th><th>pairs</th><th>goroutines</th><th>traces</th><th>first</th><th>span</th></tr></thead><tbody>\n");
        for (k, site) in r.conflict_sites.iter().enumerate() {
            let object = match &site.object_name {
                Some(n) => format!("{n} {}", site.object),
                None => site.object.clone(),
            };
            let _ = write!(
                s,
                "<tr><td class=n data-v=\"{0}\"><a href=\"#site-{0}\">{0}</a></td><td>{1}</td><td>{2}</td><td>{3} <span class=mono>{4}</span></td><td>{5} <span class=mono>{6}</span></td>",
                k + 1,
                site.kind,
                esc(&object),
                site.sides[0].op,
                esc(&site.sides[0].site),
                site.sides[1].op,
                esc(&site.sides[1].site)
            );
            td_n(s, site.conflicts as i64, &thousands(site.conflicts));
            td_n(s, site.actors as i64, &thousands(site.actors));
            td_n(s, site.trace_count as i64, &thousands(site.trace_count));
            let _ = write!(
                s,
                "<td class=mono data-v=\"{}\">{}</td>",
                site.first_ns,
                time(site.first_ns)
            );
            td_n(
                s,
                site.last_ns - site.first_ns,
                &human_ns(site.last_ns - site.first_ns),
            );
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody></table>\n");
        let _ = p;
    }

    fn races(&self, r: &Report, p: &mut Page<'_, '_, '_>, s: &mut String) {
        s.push_str("<table class=sortable id=races><thead><tr><th>#</th><th>map</th><th>reports</th><th>side A</th><th>side B</th></tr></thead><tbody>\n");
        for (k, race) in r.races.iter().enumerate() {
            let side = |i: usize| {
                race.sides
                    .get(i)
                    .map(|x| {
                        format!(
                            "{} <span class=mono>{}</span> {}",
                            x.op,
                            esc(&x.site),
                            esc(&x.func)
                        )
                    })
                    .unwrap_or_default()
            };
            let _ = write!(
                s,
                "<tr><td class=n data-v=\"{0}\"><a href=\"#race-{0}\">{0}</a></td><td>{1}</td>",
                k + 1,
                if race.map { "map" } else { "" }
            );
            td_n(s, race.blocks as i64, &thousands(race.blocks));
            let _ = writeln!(s, "<td>{}</td><td>{}</td></tr>", side(0), side(1));
        }
        s.push_str("</tbody></table>\n");
        for (k, race) in r.races.iter().enumerate() {
            let _ = write!(
                s,
                "<section class=finding id=\"race-{}\"><h3>#{} {}race: {}</h3>",
                k + 1,
                k + 1,
                if race.map { "map " } else { "" },
                esc(&race
                    .sides
                    .iter()
                    .map(|x| format!("{} at {}", x.op, x.site))
                    .collect::<Vec<_>>()
                    .join(" vs "))
            );
            if let Some(rep) = race.reports.first() {
                self.race_svg(s, k, rep);
            }
            for rep in race.reports.iter().take(5) {
                let _ = write!(
                    s,
                    "<details><summary>report at {}</summary>",
                    p.src(&rep.source)
                );
                for a in &rep.accesses {
                    let _ = write!(
                        s,
                        "<div>{}{} by goroutine {}</div><pre>{}</pre>",
                        if a.previous { "previous " } else { "" },
                        a.op,
                        esc(&a.goroutine),
                        stack_text(&a.stack)
                    );
                }
                s.push_str("</details>");
            }
            s.push_str("</section>\n");
        }
    }

    /// `--mode hb`: the figures per scope and the example pairs, each side
    /// with its thread, op, location and trace line (plain text: the
    /// evidence lines are log records, a trace has none).
    fn hb(&self, r: &Report, hb: &super::HbReport, s: &mut String) {
        let _ = write!(
            s,
            "<h2 id=hb>happens-before races</h2><p>{} racy event(s) at {} location(s) in {} events</p>",
            thousands(hb.racy_events),
            thousands(hb.racy_locations),
            thousands(hb.events)
        );
        s.push_str("<table class=sortable id=hb-pairs><thead><tr><th>#</th><th>variable</th><th>kind</th><th>a: earlier access</th><th>b: racy access</th></tr></thead><tbody>\n");
        let pairs = r.hb_pairs();
        for (k, c) in pairs.enumerate() {
            let side = |x: &super::ConflictSide| {
                format!(
                    "{} {} at location <span class=mono>{}</span> <span class=mono>{}</span>",
                    esc(&x.actor),
                    x.op,
                    esc(&x.site),
                    esc(&x.source)
                )
            };
            let (a, b) = (side(&c.a), side(&c.b));
            let _ = writeln!(
                s,
                "<tr><td class=n data-v=\"{0}\">{0}</td><td class=mono>{1}</td><td>{2}</td><td>{a}</td><td>{b}</td></tr>",
                k + 1,
                esc(&c.object),
                c.kind
            );
        }
        s.push_str("</tbody></table>\n");
    }

    /// A race's two accesses in the order the detector printed them: the
    /// previous access, then the one that raced with it. No time axis.
    fn race_svg(&self, s: &mut String, k: usize, rep: &super::runtime::RaceReportOut) {
        let mut acc: Vec<&super::runtime::RaceAccessOut> = rep.accesses.iter().collect();
        acc.sort_by_key(|a| !a.previous);
        let h = 24 + acc.len() as i64 * 28;
        let _ = write!(
            s,
            "<svg class=tl id=\"svg-race-{}\" viewBox=\"0 0 {W} {h}\" data-kind=\"race\">",
            k + 1
        );
        for (i, a) in acc.iter().enumerate() {
            let y = 8 + i as i64 * 28;
            let x = X0 + i as i64 * 300;
            let top = a
                .stack
                .iter()
                .find(|f| !f.file.contains("/src/runtime/"))
                .or(a.stack.first());
            let at = top
                .map(|f| format!("{}:{}", f.file, f.line))
                .unwrap_or_default();
            let _ = write!(
                s,
                "<text class=lane x=\"4\" y=\"{}\">goroutine {}</text><rect class=\"{}\" x=\"{x}\" y=\"{}\" width=\"280\"><title>{}</title></rect><text class=li x=\"{}\" y=\"{}\">{}{} {}</text>",
                y + 13,
                esc(&a.goroutine),
                if i == 0 { "a" } else { "f" },
                y + 3,
                esc(&at),
                x + 4,
                y + 13,
                if a.previous { "previous " } else { "" },
                a.op,
                esc(&short(&at, 30))
            );
        }
        let _ = write!(
            s,
            "<text class=tickl x=\"{X0}\" y=\"{}\">race reports have no times: the previous access, then the one that raced with it</text></svg>",
            h - 4
        );
    }

    fn crashes_table(&self, r: &Report, p: &mut Page<'_, '_, '_>, s: &mut String) {
        s.push_str("<table class=sortable id=crashes><thead><tr><th>#</th><th>message</th><th>goroutine</th><th>site</th><th>goroutines</th><th>other side</th><th>dump</th></tr></thead><tbody>\n");
        for (k, c) in r.crashes.iter().enumerate() {
            let _ = write!(
                s,
                "<tr><td class=n data-v=\"{0}\"><a href=\"#crash-{0}\">{0}</a></td><td>{1}</td>",
                k + 1,
                esc(&c.messages.join("; "))
            );
            td_n(
                s,
                c.goroutine.map_or(-1, |g| g as i64),
                &c.goroutine.map_or_else(String::new, |g| g.to_string()),
            );
            let _ = write!(
                s,
                "<td class=mono>{}</td>",
                esc(c.site.as_deref().unwrap_or(""))
            );
            td_n(s, c.goroutines_total as i64, &thousands(c.goroutines_total));
            let other: Vec<String> = c
                .other_side
                .iter()
                .map(|o| format!("goroutine {} {}", o.actor, o.op))
                .collect();
            let _ = writeln!(
                s,
                "<td>{}</td><td>{}</td></tr>",
                esc(&other.join(", ")),
                p.src(&c.source)
            );
        }
        s.push_str("</tbody></table>\n");
    }

    fn locks(&self, r: &Report, s: &mut String) {
        s.push_str("<table class=sortable id=locks><thead><tr><th>scope</th><th>lock</th><th>holds</th><th>waits</th><th>open waits</th><th>waiting</th><th>longest</th><th>blamed</th><th>unattributed</th></tr></thead><tbody>\n");
        for l in &r.locks {
            let name = match &l.name {
                Some(n) => format!("{n} {}", l.lock),
                None => l.lock.clone(),
            };
            let _ = write!(
                s,
                "<tr><td class=mono>{}</td><td>{}</td>",
                esc(&l.scope),
                esc(&name)
            );
            td_n(s, l.holds as i64, &thousands(l.holds));
            td_n(s, l.waits as i64, &thousands(l.waits));
            td_n(s, l.open_waits as i64, &thousands(l.open_waits));
            td_n(s, l.wait_ns, &human_ns(l.wait_ns));
            td_n(s, l.max_wait_ns, &human_ns(l.max_wait_ns));
            td_n(s, l.blamed_ns, &human_ns(l.blamed_ns));
            td_n(s, l.unattributed_ns, &human_ns(l.unattributed_ns));
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody></table>\n");
        if r.contention.is_empty() {
            return;
        }
        s.push_str("<h3>contention: who held what while whom waited</h3><table class=sortable id=contention><thead><tr><th>scope</th><th>lock</th><th>holder</th><th>waiter</th><th>waits</th><th>blamed</th><th>longest</th></tr></thead><tbody>\n");
        for e in &r.contention {
            let _ = write!(
                s,
                "<tr><td class=mono>{}</td><td>{}</td><td>goroutine {}</td><td>goroutine {}</td>",
                esc(&e.scope),
                esc(e.lock_name.as_deref().unwrap_or(&e.lock)),
                esc(&e.holder),
                esc(&e.waiter)
            );
            td_n(s, e.waits as i64, &thousands(e.waits));
            td_n(s, e.blamed_ns, &human_ns(e.blamed_ns));
            td_n(s, e.max_ns, &human_ns(e.max_ns));
            s.push_str("</tr>\n");
        }
        s.push_str("</tbody></table>\n");
    }

    /// The contention graph of each scope: goroutines on a circle, an arrow
    /// from holder to waiter per lock (width by blamed time), deadlock
    /// cycles dashed red.
    fn graph(&self, r: &Report, s: &mut String) {
        struct E {
            from: String,
            to: String,
            label: String,
            short: String,
            ns: i64,
            deadlock: bool,
        }
        let mut by_scope: std::collections::BTreeMap<&str, Vec<E>> = Default::default();
        for e in r.contention.iter().take(GRAPH_EDGES) {
            by_scope.entry(&e.scope).or_default().push(E {
                from: e.holder.clone(),
                to: e.waiter.clone(),
                label: format!(
                    "{} {}",
                    e.lock_name.as_deref().unwrap_or(&e.lock),
                    human_ns(e.blamed_ns)
                ),
                short: human_ns(e.blamed_ns),
                ns: e.blamed_ns,
                deadlock: false,
            });
        }
        for d in &r.deadlocks {
            let n = d.actors.len();
            for i in 0..n {
                by_scope.entry(&d.scope).or_default().push(E {
                    from: d.actors[(i + 1) % n].clone(),
                    to: d.actors[i].clone(),
                    label: format!("{} (deadlock)", d.locks[i]),
                    short: "deadlock".into(),
                    ns: 0,
                    deadlock: true,
                });
            }
        }
        if by_scope.is_empty() {
            s.push_str("<p class=note>no goroutine blocked another</p>");
            return;
        }
        for (scope, edges) in by_scope {
            let mut nodes: Vec<&str> = edges
                .iter()
                .flat_map(|e| [e.from.as_str(), e.to.as_str()])
                .collect();
            nodes.sort_by_key(|n| natural_key(n));
            nodes.dedup();
            let n = nodes.len().max(1) as f64;
            let radius = (45.0 * n).clamp(110.0, 320.0);
            // Lock names on the edges only while they stay legible.
            let wordy = edges.len() <= 10;
            let size = (radius * 2.0 + 160.0).round() as i64;
            let c = size as f64 / 2.0;
            let pos: FxHashMap<&str, (f64, f64)> = nodes
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    let a = std::f64::consts::TAU * i as f64 / n - std::f64::consts::FRAC_PI_2;
                    (*id, (c + radius * a.cos(), c + radius * a.sin()))
                })
                .collect();
            let max = edges.iter().map(|e| e.ns).max().unwrap_or(1).max(1);
            let _ = write!(
                s,
                "<h3>{}</h3><svg class=graph viewBox=\"0 0 {size} {size}\" style=\"max-width:{}px;width:100%\">",
                esc(scope),
                size
            );
            for e in &edges {
                let ((x1, y1), (x2, y2)) = (pos[e.from.as_str()], pos[e.to.as_str()]);
                let (dx, dy) = (x2 - x1, y2 - y1);
                let len = (dx * dx + dy * dy).sqrt().max(1.0);
                let (ux, uy) = (dx / len, dy / len);
                // Curved to the left of the direction, so A→B and B→A part.
                let (mx, my) = ((x1 + x2) / 2.0 - uy * 40.0, (y1 + y2) / 2.0 + ux * 40.0);
                // The label at the curve's apex, on its outer side.
                let (ax, ay) = ((x1 + x2) / 2.0 - uy * 22.0, (y1 + y2) / 2.0 + ux * 22.0);
                let anchor = if -uy > 0.3 {
                    "start"
                } else if -uy < -0.3 {
                    "end"
                } else {
                    "middle"
                };
                let (sx, sy) = (x1 + ux * 24.0, y1 + uy * 24.0);
                let (ex, ey) = (x2 - ux * 26.0, y2 - uy * 26.0);
                let width = 1 + 4 * e.ns / max;
                let _ = write!(
                    s,
                    "<path class=\"edge{}\" d=\"M{sx:.1} {sy:.1} Q{mx:.1} {my:.1} {ex:.1} {ey:.1}\" style=\"stroke-width:{width}\"><title>goroutine {} → goroutine {}: {}</title></path><text class=edgel x=\"{ax:.1}\" y=\"{:.1}\" text-anchor=\"{anchor}\">{}</text>",
                    if e.deadlock { " dl" } else { "" },
                    esc(&e.from),
                    esc(&e.to),
                    esc(&e.label),
                    ay + 3.0 + ux * 8.0,
                    esc(if wordy { &e.label } else { &e.short })
                );
            }
            for id in &nodes {
                let (x, y) = pos[id];
                let _ = write!(
                    s,
                    "<circle class=node cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"22\"/><text class=nodel x=\"{x:.1}\" y=\"{:.1}\">g {}</text>",
                    y + 4.0,
                    esc(id)
                );
            }
            s.push_str("</svg>\n");
        }
    }

    fn dumps(&self, dumps: &[Crash], p: &mut Page<'_, '_, '_>, s: &mut String) {
        if dumps.is_empty() {
            s.push_str("<p class=note>no goroutine dumps</p>");
            return;
        }
        for d in dumps {
            let head = if d.messages.is_empty() {
                "goroutine dump".to_string()
            } else {
                d.messages.join("; ")
            };
            let _ = write!(
                s,
                "<details class=dump open><summary><b>{}</b> — {} goroutines — {}</summary>",
                esc(&head),
                thousands(d.goroutines_total),
                p.src(&d.source)
            );
            let states: Vec<String> = d.states.iter().map(|(k, v)| format!("{k} {v}")).collect();
            let _ = write!(s, "<div class=sub>{}</div>", esc(&states.join(", ")));
            if let Some(g) = d.goroutine {
                let _ = write!(
                    s,
                    "<details open><summary>crashing goroutine {g}{}</summary><pre>{}</pre></details>",
                    d.site
                        .as_deref()
                        .map(|x| format!(" at {}", esc(x)))
                        .unwrap_or_default(),
                    stack_text(&d.stack)
                );
            }
            for b in d.buckets.iter().take(DUMP_BUCKETS) {
                let top = b
                    .stack
                    .iter()
                    .find(|f| !f.file.contains("/src/runtime/") && !f.file.contains("/src/sync/"))
                    .or(b.stack.first());
                let wait = if b.max_wait_minutes > 0 {
                    format!(", {} minutes", b.max_wait_minutes)
                } else {
                    String::new()
                };
                let ids: Vec<String> = b.goroutines.iter().map(|g| g.to_string()).collect();
                let _ = write!(
                    s,
                    "<details><summary>{} × {}{wait} — {}</summary><div class=sub>goroutines {}</div><pre>{}</pre></details>",
                    b.count,
                    esc(&b.state),
                    top.map(|f| esc(&format!("{} {}:{}", f.func, f.file, f.line)))
                        .unwrap_or_default(),
                    ids.join(", "),
                    stack_text(&b.stack)
                );
            }
            if d.buckets.len() > DUMP_BUCKETS {
                let _ = write!(
                    s,
                    "<p class=note>{} more buckets: racetrail dumps --format json</p>",
                    d.buckets.len() - DUMP_BUCKETS
                );
            }
            s.push_str("</details>\n");
        }
    }
}

fn short(s: &str, n: usize) -> String {
    let c = s.chars().count();
    if c <= n {
        s.to_string()
    } else {
        format!("…{}", s.chars().skip(c - n + 1).collect::<String>())
    }
}

impl super::Renderer for Html<'_, '_, '_> {
    fn render(&self, r: &Report, out: &mut dyn Write) -> io::Result<()> {
        let mut ix = Index::new(self.views.an);
        ix.lane_items = LANE_ITEMS;
        let scenes = self.views.scenes(r, &ix);
        let mut page = Page {
            ix: &ix,
            sources: Sources::default(),
            svg_count: 0,
        };
        let mut s = String::with_capacity(1 << 16);
        let title = match r.inputs.as_slice() {
            [one] => format!("racetrail: {}", one.path),
            many => format!("racetrail: {} inputs", many.len()),
        };
        let _ = writeln!(
            s,
            "<!doctype html>\n<html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width,initial-scale=1\"><title>{}</title><style>{STYLE}</style></head><body>",
            esc(&title)
        );
        // Arrowheads shared by every SVG on the page.
        s.push_str("<svg width=0 height=0 style=\"position:absolute\" aria-hidden=true><defs><marker id=ah viewBox=\"0 0 10 10\" refX=9 refY=5 markerWidth=7 markerHeight=7 orient=auto-start-reverse><path d=\"M0 0L10 5L0 10z\" fill=\"#c62828\"/></marker><marker id=ahb viewBox=\"0 0 10 10\" refX=9 refY=5 markerWidth=7 markerHeight=7 orient=auto-start-reverse><path d=\"M0 0L10 5L0 10z\" fill=\"#1f6fb2\"/></marker></defs></svg>\n");
        let _ = write!(s, "<h1>{}</h1>", esc(&title));
        s.push_str("<nav><a href=\"#summary\">summary</a><a href=\"#conflicts\">conflicts</a><a href=\"#crashes\">crashes</a><a href=\"#deadlocks\">deadlocks</a><a href=\"#races\">races</a><a href=\"#locks\">locks</a><a href=\"#dumps\">dumps</a><a href=\"#lines\">evidence lines</a></nav>\n");
        self.summary(r, &mut s);

        s.push_str("<h2 id=conflicts>conflict sites</h2>");
        self.sites_table(r, &mut page, &mut s);
        for sc in scenes.iter().filter(|x| x.kind == SceneKind::Conflict) {
            page.scene(&mut s, sc);
        }

        s.push_str("<h2 id=crashes>crashes</h2>");
        if r.crashes.is_empty() {
            s.push_str("<p class=note>no crashes</p>");
        } else {
            self.crashes_table(r, &mut page, &mut s);
        }
        for sc in scenes.iter().filter(|x| x.kind == SceneKind::Crash) {
            page.scene(&mut s, sc);
        }

        s.push_str("<h2 id=deadlocks>deadlocks</h2>");
        if r.deadlocks.is_empty() {
            s.push_str("<p class=note>no deadlocks</p>");
        }
        for sc in scenes.iter().filter(|x| x.kind == SceneKind::Deadlock) {
            page.scene(&mut s, sc);
        }
        for c in &r.wait_chains {
            let mut path = format!("goroutine {}", c.actors[0]);
            for (lock, holder) in c.locks.iter().zip(&c.actors[1..]) {
                let _ = write!(path, " waits on {lock} held by goroutine {holder}");
            }
            let _ = write!(
                s,
                "<p>wait chain for {} at {}: {}</p>",
                human_ns(c.wait_ns),
                page.src(&c.source),
                esc(&path)
            );
        }

        s.push_str("<h2 id=races>races</h2>");
        if r.races.is_empty() {
            s.push_str("<p class=note>no race reports</p>");
        } else {
            self.races(r, &mut page, &mut s);
        }

        if let Some(hb) = &r.hb {
            self.hb(r, hb, &mut s);
        }

        s.push_str("<h2 id=locks>locks</h2>");
        if r.locks.is_empty() {
            s.push_str("<p class=note>no lock events</p>");
        } else {
            self.locks(r, &mut s);
        }
        s.push_str("<h3 id=graph>contention graph</h3>");
        self.graph(r, &mut s);

        s.push_str("<h2 id=dumps>goroutine dumps</h2>");
        let dumps = super::runtime::all_dumps(self.views.an);
        self.dumps(&dumps, &mut page, &mut s);

        if !r.diagnostics.is_empty() {
            s.push_str("<h2 id=diagnostics>diagnostics</h2><table><thead><tr><th>source</th><th>severity</th><th>message</th></tr></thead><tbody>");
            for d in r.diagnostics.iter().take(DIAGNOSTICS) {
                let _ = write!(
                    s,
                    "<tr><td class=mono>{}</td><td>{:?}</td><td>{}</td></tr>",
                    esc(&d.source),
                    d.severity,
                    esc(&d.message)
                );
            }
            s.push_str("</tbody></table>");
            if r.diagnostics.len() > DIAGNOSTICS {
                let _ = write!(
                    s,
                    "<p class=note>{} more in --format json</p>",
                    r.diagnostics.len() - DIAGNOSTICS
                );
            }
        }

        // The evidence lines, each once, as the inputs have them.
        let wanted: Vec<(u32, u32)> = page.sources.wanted.iter().copied().collect();
        let texts = self.views.line_texts(&wanted);
        s.push_str("<h2 id=lines>evidence lines</h2><table class=lines>\n");
        let mut current = None;
        for at in &wanted {
            if current != Some(at.0) {
                if current.is_some() {
                    s.push_str("</tbody>");
                }
                current = Some(at.0);
                let _ = writeln!(
                    s,
                    "<tbody><tr><th colspan=2 class=mono>{}</th></tr>",
                    esc(&self.views.an.inputs[at.0 as usize].path)
                );
            }
            let text = texts.get(at).map(String::as_str).unwrap_or("");
            let _ = writeln!(
                s,
                "<tr id=\"{}\"><td class=n>{}</td><td>{}</td></tr>",
                Sources::id(*at),
                at.1,
                esc(text)
            );
        }
        if current.is_some() {
            s.push_str("</tbody>");
        }
        s.push_str("</table>\n");
        let _ = write!(
            s,
            "<p class=sub>racetrail {} · {} timelines</p>",
            env!("CARGO_PKG_VERSION"),
            page.svg_count
        );
        let script = SCRIPT
            .replace("__X0__", &X0.to_string())
            .replace("__X1__", &X1.to_string());
        let _ = writeln!(s, "<script>{script}</script></body></html>");
        out.write_all(s.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_is_escaped_and_controls_shown() {
        // Quotes stay in text (log lines are full of them), not in attributes.
        assert_eq!(esc("<a href=\"x\">&'"), "&lt;a href=\"x\"&gt;&amp;'");
        assert_eq!(attr("a\"b'c<"), "a&quot;b&#39;c&lt;");
        assert_eq!(esc("a\x1b[31m"), "a\\u{1b}[31m");
    }

    #[test]
    fn positions_from_integer_time() {
        assert_eq!(x10(0, 0, 100), X0 * 10);
        assert_eq!(x10(100, 0, 100), X1 * 10);
        assert_eq!(x10(50, 0, 100), (X0 * 10 + X1 * 10) / 2);
        assert_eq!(tenths(1234), "123.4");
        assert_eq!(tenths(-5), "-0.5");
    }
}
