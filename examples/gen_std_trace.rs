//! Synthetic STD trace (the RAPID format, see `src/formats/std_trace.rs`)
//! for the happens-before benchmark, and a timer for parsing and analysing
//! one without the CLI.
//!
//! ```text
//! cargo run --release --example gen_std_trace -- --events 5M --threads 16 /tmp/t.std
//! cargo run --release --example gen_std_trace -- --analyze /tmp/t.std
//! ```
//!
//! The trace has the shape of an instrumented Java program: `T0` writes a
//! read-only configuration, forks `T1`..`Tn`, then every thread runs calls
//! of "methods" — code with fixed location ids (one per code site) drawn
//! from a per-thread skewed distribution: critical sections over a group of
//! variables guarded by one lock (some with a nested second lock, taken in
//! lock order; some inside `begin`/`end` transaction markers), work on the
//! thread's own variables, reads of the configuration, and unprotected
//! reads and read-modify-writes of shared statistics counters (the races).
//! Calls are interleaved at random, each call whole. At the end `T0` joins
//! every thread and reads the counters (ordered, no race). Names mix plain
//! (`V12`) and RAPID's field and array styles (`V3a.7`, `V9c[4]`). Output is
//! a pure function of the arguments (splitmix64 PRNG).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;
use std::time::Instant;

use racetrail::formats::std_trace;
use racetrail::replay::hb;

const USAGE: &str = "\
gen_std_trace: write a synthetic STD trace, or time parsing and HB analysis of one

usage: gen_std_trace [--events N] [--threads T] [--seed S] [-o PATH | PATH]
       gen_std_trace --analyze PATH [--examples N]

  --events N     events to write, exactly (default 5M; K and M suffixes)
  --threads T    threads including T0 (default 16, at least 2)
  --seed S       PRNG seed (default 1)
  --analyze PATH parse PATH with racetrail's STD parser, run the HB analysis,
                 print counts and timings
";

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }

    fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

#[derive(Clone, Copy)]
enum Op {
    R,
    W,
    Acq,
    Rel,
    Begin,
    End,
}

/// What an operand of a method step refers to.
#[derive(Clone, Copy)]
enum Operand {
    /// A lock by index.
    Lock(usize),
    /// One of the variables guarded by a lock: (lock, slot), or any slot.
    Guarded(usize, Option<usize>),
    /// A variable of the calling thread, or any of them (an array walk).
    Own(Option<usize>),
    Config(usize),
    Counter(usize),
    None,
}

#[derive(Clone, Copy)]
struct Step {
    op: Op,
    operand: Operand,
    loc: u32,
}

const LOCKS: usize = 48;
const GUARDED_PER_LOCK: usize = 256;
const OWN_PER_THREAD: usize = 4096;
const CONFIG: usize = 128;
const COUNTERS: usize = 40;
const METHODS: usize = 400;

struct Names {
    locks: Vec<String>,
    guarded: Vec<Vec<String>>,
    own: Vec<Vec<String>>,
    config: Vec<String>,
    counters: Vec<String>,
}

fn names(threads: usize, rng: &mut Rng) -> Names {
    let mut var = 0u64;
    let mut fresh = |rng: &mut Rng| {
        var += 1;
        match rng.below(4) {
            0 => format!("V{:x}.{}", 0x1000 + var, rng.below(12)),
            1 => format!("V{:x}[{}]", 0x1000 + var, rng.below(64)),
            _ => format!("V{var}"),
        }
    };
    Names {
        locks: (0..LOCKS)
            .map(|l| format!("L{:x}", 0x2a45_c470 + l * 8))
            .collect(),
        guarded: (0..LOCKS)
            .map(|_| (0..GUARDED_PER_LOCK).map(|_| fresh(rng)).collect())
            .collect(),
        own: (0..threads)
            .map(|_| (0..OWN_PER_THREAD).map(|_| fresh(rng)).collect())
            .collect(),
        config: (0..CONFIG).map(|_| fresh(rng)).collect(),
        counters: (0..COUNTERS).map(|_| fresh(rng)).collect(),
    }
}

/// Method bodies; each step is one code site with its own location id.
fn methods(rng: &mut Rng) -> Vec<Vec<Step>> {
    let mut loc = 1000u32;
    let mut site = |op: Op, operand: Operand| {
        loc += 1 + loc_gap(loc);
        Step { op, operand, loc }
    };
    let mut out = Vec::with_capacity(METHODS);
    for _ in 0..METHODS {
        let mut body = Vec::new();
        let kind = rng.below(100);
        if kind < 45 {
            // critical section over one lock's variables, maybe nested
            let l = rng.below(LOCKS);
            let txn = rng.chance(0.1);
            if txn {
                body.push(site(Op::Begin, Operand::None));
            }
            body.push(site(Op::Acq, Operand::Lock(l)));
            let inner = if rng.chance(0.2) && l + 1 < LOCKS {
                let l2 = l + 1 + rng.below(LOCKS - l - 1);
                body.push(site(Op::Acq, Operand::Lock(l2)));
                Some(l2)
            } else {
                None
            };
            for _ in 0..2 + rng.below(5) {
                let g = inner.filter(|_| rng.chance(0.5)).unwrap_or(l);
                let slot = if rng.chance(0.7) {
                    Some(rng.below(GUARDED_PER_LOCK))
                } else {
                    None
                };
                let op = if rng.chance(0.35) { Op::W } else { Op::R };
                body.push(site(op, Operand::Guarded(g, slot)));
            }
            if let Some(l2) = inner {
                body.push(site(Op::Rel, Operand::Lock(l2)));
            }
            body.push(site(Op::Rel, Operand::Lock(l)));
            if txn {
                body.push(site(Op::End, Operand::None));
            }
        } else if kind < 80 {
            for _ in 0..3 + rng.below(8) {
                let op = if rng.chance(0.4) { Op::W } else { Op::R };
                let v = rng.below(OWN_PER_THREAD);
                body.push(site(op, Operand::Own(Some(v).filter(|_| rng.chance(0.6)))));
            }
        } else if kind < 93 {
            for _ in 0..1 + rng.below(3) {
                body.push(site(Op::R, Operand::Config(rng.below(CONFIG))));
            }
            body.push(site(Op::R, Operand::Own(Some(rng.below(OWN_PER_THREAD)))));
        } else {
            // unprotected statistics: a read, or a lost-update read-modify-write
            let c = rng.below(COUNTERS);
            body.push(site(Op::R, Operand::Counter(c)));
            if rng.chance(0.5) {
                body.push(site(Op::W, Operand::Counter(c)));
            }
        }
        out.push(body);
    }
    out
}

/// Location ids are not dense in real traces: leave a small gap sometimes.
fn loc_gap(loc: u32) -> u32 {
    (loc.wrapping_mul(2_654_435_761) >> 29) & 3
}

struct Out<W: Write> {
    w: W,
    written: u64,
    line: Vec<u8>,
}

impl<W: Write> Out<W> {
    fn event(&mut self, thread: usize, op: &str, operand: &str, loc: u32) -> io::Result<()> {
        self.line.clear();
        if operand.is_empty() {
            writeln!(self.line, "T{thread}|{op}|{loc}")?;
        } else {
            writeln!(self.line, "T{thread}|{op}({operand})|{loc}")?;
        }
        self.written += 1;
        self.w.write_all(&self.line)
    }
}

fn generate(events: u64, threads: usize, seed: u64, w: impl Write) -> io::Result<()> {
    let mut rng = Rng(seed);
    let names = names(threads, &mut rng);
    let methods = methods(&mut rng);
    let mut out = Out {
        w: BufWriter::with_capacity(1 << 20, w),
        written: 0,
        line: Vec::new(),
    };
    // Per thread: a skewed preference over a random subset of methods.
    let prefs: Vec<Vec<usize>> = (0..threads)
        .map(|_| {
            let mut m: Vec<usize> = (0..60).map(|_| rng.below(METHODS)).collect();
            // the counters are everyone's: make sure each thread touches them
            m.extend(
                (0..METHODS)
                    .filter(|&i| matches!(methods[i][0].operand, Operand::Counter(_)))
                    .take(3),
            );
            m
        })
        .collect();
    let pick = |rng: &mut Rng, t: usize| {
        let p = &prefs[t];
        // min of two uniforms: earlier entries are called more often
        p[rng.below(p.len()).min(rng.below(p.len()))]
    };

    let tail = threads as u64 - 1 + COUNTERS as u64;
    let budget = events.saturating_sub(tail);
    for (i, v) in names.config.iter().enumerate() {
        if out.written < budget {
            out.event(0, "w", v, 10 + (i % 7) as u32)?;
        }
    }
    for t in 1..threads {
        if out.written < budget {
            out.event(0, "fork", &format!("T{t}"), 50)?;
        }
    }
    let longest = methods.iter().map(Vec::len).max().unwrap_or(1) as u64;
    while out.written + longest <= budget {
        let t = rng.below(threads);
        let m = &methods[pick(&mut rng, t)];
        for s in m {
            let op = match s.op {
                Op::R => "r",
                Op::W => "w",
                Op::Acq => "acq",
                Op::Rel => "rel",
                Op::Begin => "begin",
                Op::End => "end",
            };
            let operand: &str = match s.operand {
                Operand::Lock(l) => &names.locks[l],
                Operand::Guarded(l, slot) => {
                    &names.guarded[l][slot.unwrap_or_else(|| rng.below(GUARDED_PER_LOCK))]
                }
                Operand::Own(v) => &names.own[t][v.unwrap_or_else(|| rng.below(OWN_PER_THREAD))],
                Operand::Config(v) => &names.config[v],
                Operand::Counter(v) => &names.counters[v],
                Operand::None => "",
            };
            out.event(t, op, operand, s.loc)?;
        }
    }
    // filler to the exact count: reads of the thread's own variables
    while out.written < budget {
        let t = rng.below(threads);
        let v = rng.below(OWN_PER_THREAD);
        out.event(t, "r", &names.own[t][v], 900)?;
    }
    for t in 1..threads {
        if out.written < events {
            out.event(0, "join", &format!("T{t}"), 60)?;
        }
    }
    for (i, v) in names.counters.iter().enumerate() {
        if out.written < events {
            out.event(0, "r", v, 70 + (i % 3) as u32)?;
        }
    }
    out.w.flush()
}

fn analyze(path: &str, examples: usize) -> Result<(), String> {
    let data = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let t0 = Instant::now();
    let trace = std_trace::parse(&data);
    let parse_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let res = hb::analyze(&trace.events, examples);
    let hb_s = t1.elapsed().as_secs_f64();
    let n = trace.events.len() as f64;
    println!("input            {path}");
    println!("bytes            {}", data.len());
    println!("lines            {}", trace.lines);
    println!("events           {}", res.events);
    println!("malformed        {}", trace.malformed);
    println!("threads          {}", res.threads);
    println!("variables        {}", trace.variables.len());
    println!("locks            {}", trace.locks.len());
    println!("racy_events      {}", res.racy_events);
    println!("racy_locations   {}", res.racy_locations);
    println!("parse_seconds    {parse_s:.4}");
    println!("hb_seconds       {hb_s:.4}");
    println!("parse_events_per_s {:.0}", n / parse_s);
    println!("hb_events_per_s  {:.0}", n / hb_s);
    for (a, b) in &res.examples {
        let (ea, eb) = (&trace.events[*a], &trace.events[*b]);
        println!(
            "example          line {} {}({}) by {} | line {} {}({}) by {}",
            ea.line,
            ea.op.name(),
            trace.variables[ea.target as usize],
            trace.threads[ea.thread as usize],
            eb.line,
            eb.op.name(),
            trace.variables[eb.target as usize],
            trace.threads[eb.thread as usize],
        );
    }
    for (line, col, msg) in trace.diagnostics.iter().take(5) {
        println!("diagnostic       {path}:{line}:{col}: {msg}");
    }
    Ok(())
}

fn count(s: &str) -> Option<u64> {
    let (num, mult) = match s.as_bytes().last()? {
        b'K' | b'k' => (&s[..s.len() - 1], 1_000),
        b'M' | b'm' => (&s[..s.len() - 1], 1_000_000),
        _ => (s, 1),
    };
    num.parse::<u64>().ok()?.checked_mul(mult)
}

fn main() -> ExitCode {
    let mut events = 5_000_000u64;
    let mut threads = 16usize;
    let mut seed = 1u64;
    let mut examples = 0usize;
    let mut path: Option<String> = None;
    let mut analyze_path: Option<String> = None;
    let mut args = std::env::args().skip(1);
    let bad = |msg: String| {
        eprintln!("gen_std_trace: {msg}\n\n{USAGE}");
        ExitCode::from(2)
    };
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        let r: Result<(), String> = (|| {
            match a.as_str() {
                "-h" | "--help" => {
                    print!("{USAGE}");
                    std::process::exit(0);
                }
                "--events" => events = count(&value("--events")?).ok_or("bad --events")?,
                "--threads" => {
                    threads = value("--threads")?.parse().map_err(|_| "bad --threads")?;
                    if threads < 2 {
                        return Err("--threads must be at least 2".into());
                    }
                }
                "--seed" => seed = value("--seed")?.parse().map_err(|_| "bad --seed")?,
                "--examples" => {
                    examples = value("--examples")?.parse().map_err(|_| "bad --examples")?
                }
                "--analyze" => analyze_path = Some(value("--analyze")?),
                "-o" => path = Some(value("-o")?),
                p if !p.starts_with('-') && path.is_none() => path = Some(p.to_string()),
                other => return Err(format!("unknown argument {other}")),
            }
            Ok(())
        })();
        if let Err(e) = r {
            return bad(e);
        }
    }
    if let Some(p) = analyze_path {
        return match analyze(&p, examples) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("gen_std_trace: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let r = match &path {
        Some(p) => File::create(p).and_then(|f| generate(events, threads, seed, f)),
        None => generate(events, threads, seed, io::stdout().lock()),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gen_std_trace: {e}");
            ExitCode::FAILURE
        }
    }
}
