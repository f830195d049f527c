//! Synthetic zap production-JSON access log, record for record in the shape
//! of the corpus program `zapsvc` (`shared/corpus/go/programs/zapsvc`), for
//! throughput benchmarks of `racetrail scan`.
//!
//! ```text
//! cargo run --release --example gen_access_log -- --bytes 250M --seed 7 /tmp/access.jsonl
//! cargo run --release --example gen_access_log -- --records 20000 > small.jsonl
//! ```
//!
//! What it writes is what zapsvc writes (same messages, callers, levels,
//! field order; zap's float `ts` digit for digit as Go's
//! `strconv.AppendFloat(float64(UnixNano)/1e9, 'f', -1, 64)`; `ts_ns`
//! integers; 32-hex trace ids, `%p` addresses): the service header, map and
//! lock registrations, the main goroutine's quota bootstrap under
//! `quotas.rw`, then requests served by W worker goroutines (zapsvc's seven
//! routes and weights, each with zapsvc's exact sequence of lock and
//! map-access records, including `slow lock acquisition` warnings), a
//! sweeper on a 2 ms ticker (range lastSeen, delete stale clients, range
//! reqCounters, `sweep done`), and the final tally and `service stopped`.
//!
//! Time comes from a discrete-event simulation of zapsvc's run under
//! GOMAXPROCS=1: one CPU, the running goroutine keeps it until it blocks or
//! yields, each record costs a few microseconds, runtime.Gosched and
//! time.Sleep inside a window let the others run (so windows overlap as in
//! the corpus log), woken goroutines run next, timers fire when the
//! scheduler runs and an idle scheduler sleeps whole milliseconds in
//! netpoll (so activity bunches on a ~1.1 ms grid, as in the corpus log).
//! Mutexes and the RWMutex are simulated (FIFO hand-off, shared readers),
//! so accesses to carts, authTokens and quotas never conflict; reqCounters
//! and lastSeen have no lock and do (about 0.075 conflicting pairs per
//! record, like the corpus log). At most W + 2 goroutines are ever active,
//! so conflicts grow linearly with the records.
//!
//! `--records N` / `--bytes SIZE` stop dispatching requests once that much
//! has been written; the requests in flight then finish, so the log ends a
//! few dozen records past the budget, cleanly (no open windows or holds).
//! The request count printed in the header is found by a first, silent run
//! of the same simulation. Output is a pure function of the arguments.
//!
//! `--pair-ids` adds an `acc_id` integer to every map-access record, after
//! `goroutine`, the same on a window's begin and end and unique in the log
//! (zapsvc itself does not log one; instrumented services often do, and
//! racetrail then pairs by it). Off by default, so the default log is
//! unchanged.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::fs::File;
use std::io::{self, Write};
use std::process::ExitCode;

const US: u64 = 1_000;
const MS: u64 = 1_000_000;
/// The sweeper's ticker period (zapsvc: `sweeper(sf, 2*time.Millisecond, …)`).
const SWEEP_EVERY: u64 = 2 * MS;
/// Lastseen entries older than this are expired by the sweeper.
const MAX_AGE: u64 = 3 * MS;
/// recorder.slowWait: waits longer than this get a warn record.
const SLOW_WAIT: u64 = MS;
const FLUSH_AT: usize = 1 << 20;

const USAGE: &str = "\
gen_access_log: write a synthetic zapsvc-shaped zap JSON access log

usage: gen_access_log [--records N | --bytes SIZE | --requests N] [--seed S]
                      [--workers W] [--pair-ids] [--quiet] [-o PATH | PATH]

  --records N    stop dispatching requests after N records (default 100000)
  --bytes SIZE   stop after SIZE bytes: 250M, 1G, 64MiB (K/M/G = 10^3/10^6/10^9)
  --requests N   serve exactly N requests
  --seed S       seed of the request mix, ids, addresses and timings (default 1)
  --workers W    request goroutines (default 5)
  --pair-ids     an `acc_id` field on map-access records, equal on a
                 window's begin and end (default: none, as zapsvc logs)
  --quiet        no summary line on stderr
  PATH, -o PATH  output file (default or `-`: stdout)";

// ---------------------------------------------------------------- names

const MAP_NAMES: [&str; 5] = ["carts", "authTokens", "quotas", "reqCounters", "lastSeen"];
const CARTS: u8 = 0;
const TOKENS: u8 = 1;
const QUOTAS: u8 = 2;
const COUNTERS: u8 = 3;
const LASTSEEN: u8 = 4;

const LOCK_NAMES: [(&str, &str); 3] = [
    ("carts.mu", "mutex"),
    ("authTokens.mu", "mutex"),
    ("quotas.rw", "rwmutex"),
];
const CARTS_MU: u8 = 0;
const TOKENS_MU: u8 = 1;
const QUOTAS_RW: u8 = 2;

const ROUTES: [(&str, u64); 7] = [
    ("GET /cart", 20),
    ("POST /cart/items", 20),
    ("POST /checkout", 7),
    ("POST /login", 14),
    ("GET /session", 14),
    ("GET /quota", 17),
    ("PUT /quota", 5),
];
const GET_CART: usize = 0;
const ADD_ITEM: usize = 1;
const CHECKOUT: usize = 2;
const LOGIN: usize = 3;
const SESSION: usize = 4;
const QUOTA_GET: usize = 5;
const QUOTA_PUT: usize = 6;

const TENANTS: [&str; 4] = ["acme", "globex", "initech", "umbrella"];
const USERS: usize = 12;

// ---------------------------------------------------------------- rng

/// splitmix64.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }
}

// ---------------------------------------------------------------- output

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// zap's `ts`: zapcore.EpochTimeEncoder appends
/// `float64(t.UnixNano()) / float64(time.Second)` with
/// `strconv.AppendFloat(b, f, 'f', -1, 64)`: the shortest decimal that reads
/// back as the same float64, the nearest one if several, ties to even.
/// Rust's `Display` differs on exact ties (…3632812 vs …3632813), so for
/// the years 2004–2038 (2^30 ≤ seconds < 2^31, where a float64 is a multiple
/// of 2^-22) the digits are found here with integers; checked against Go on
/// 2.3 million timestamps.
fn push_zap_ts(buf: &mut Vec<u8>, ts_ns: u64) {
    let secs = ts_ns as f64 / 1e9;
    if (1_073_741_824.0..2_147_483_648.0).contains(&secs) {
        let n = (secs * 4_194_304.0) as u64; // secs = n / 2^22, exactly
        // Work in units of 2^-23 · 10^-k: the float rounds back from any
        // decimal within half a step (2^-23) of it; on the bound only when
        // n is even (round half to even).
        let twice = u128::from(n) * 2;
        let unit = 1u128 << 23;
        let mut pow = 1u128;
        for k in 0..10 {
            let scaled = twice * pow;
            let lo = scaled >> 23;
            let d_lo = scaled - (lo << 23);
            let d_hi = unit - d_lo;
            let ok = |d: u128| d < pow || (n % 2 == 0 && d == pow);
            let pick = match (ok(d_lo), ok(d_hi)) {
                (false, false) => None,
                (true, false) => Some(lo),
                (false, true) => Some(lo + 1),
                (true, true) if d_lo < d_hi || (d_lo == d_hi && lo % 2 == 0) => Some(lo),
                (true, true) => Some(lo + 1),
            };
            if let Some(c) = pick {
                push_u64(buf, (c / pow) as u64);
                if k > 0 {
                    buf.push(b'.');
                    let mut digits = [b'0'; 10];
                    let mut frac = (c % pow) as u64;
                    for d in digits[..k].iter_mut().rev() {
                        *d = b'0' + (frac % 10) as u8;
                        frac /= 10;
                    }
                    buf.extend_from_slice(&digits[..k]);
                }
                return;
            }
            pow *= 10;
        }
    }
    let _ = write!(buf, "{secs}");
}

/// Go's `%p`: `0x` and lowercase hex without padding.
fn pointer(addr: u64) -> Vec<u8> {
    format!("{addr:#x}").into_bytes()
}

/// The log being written: records are formatted into `buf`, which goes to
/// `sink` in large chunks. Without `format` only records are counted (the
/// sizing run of a `--records` budget).
struct Out<'a> {
    buf: Vec<u8>,
    sink: Option<&'a mut dyn Write>,
    format: bool,
    records: u64,
    flushed: u64,
    err: Option<io::Error>,
}

impl Out<'_> {
    fn bytes(&self) -> u64 {
        self.flushed + self.buf.len() as u64
    }

    /// `{"level":L,"ts":TS,"caller":"zapsvc/C","msg":M`
    fn head(&mut self, level: &[u8], ts_ns: u64, caller: &[u8], msg: &[u8]) {
        let b = &mut self.buf;
        b.extend_from_slice(b"{\"level\":\"");
        b.extend_from_slice(level);
        b.extend_from_slice(b"\",\"ts\":");
        push_zap_ts(b, ts_ns);
        b.extend_from_slice(b",\"caller\":\"zapsvc/");
        b.extend_from_slice(caller);
        b.extend_from_slice(b"\",\"msg\":\"");
        b.extend_from_slice(msg);
        b.push(b'"');
    }

    fn str(&mut self, key: &[u8], val: &[u8]) {
        let b = &mut self.buf;
        b.extend_from_slice(b",\"");
        b.extend_from_slice(key);
        b.extend_from_slice(b"\":\"");
        b.extend_from_slice(val);
        b.push(b'"');
    }

    fn int(&mut self, key: &[u8], val: u64) {
        let b = &mut self.buf;
        b.extend_from_slice(b",\"");
        b.extend_from_slice(key);
        b.extend_from_slice(b"\":");
        push_u64(b, val);
    }

    fn finish(&mut self) {
        self.buf.extend_from_slice(b"}\n");
        self.records += 1;
        if self.buf.len() >= FLUSH_AT {
            self.flush();
        }
    }

    fn flush(&mut self) {
        if let Some(sink) = self.sink.as_mut() {
            if self.err.is_none() {
                if let Err(e) = sink.write_all(&self.buf) {
                    self.err = Some(e);
                }
            }
        }
        self.flushed += self.buf.len() as u64;
        self.buf.clear();
    }
}

// ---------------------------------------------------------------- model

#[derive(Clone, Copy, PartialEq, Eq)]
enum Op {
    Read,
    Write,
    Delete,
    Range,
}

impl Op {
    fn name(self) -> &'static [u8] {
        match self {
            Op::Read => b"read",
            Op::Write => b"write",
            Op::Delete => b"delete",
            Op::Range => b"range",
        }
    }
}

/// The key of a map access, resolved against the goroutine's request.
#[derive(Clone, Copy)]
enum Key {
    User,
    Tenant,
    Route,
    Client,
    /// A client expired by the sweeper (user index).
    Stale(u8),
    /// The main goroutine's initial quotas (tenant index).
    Boot(u8),
    Empty,
}

/// What happens inside an access window, between its begin and end records.
#[derive(Clone, Copy)]
enum Body {
    Plain,
    Gosched,
    Sleep(u64),
    /// `for range lastSeen` with a Gosched every third entry.
    RangeLastSeen,
    /// `for range reqCounters` with a Gosched per entry.
    RangeCounters,
}

#[derive(Clone, Copy)]
enum Step {
    // main goroutine
    Header,
    Spawn,
    Dispatch,
    Pause,
    Join,
    StopSweeper,
    Stopped,
    // sweeper
    Tick,
    SweepDone,
    // workers
    ReqStart,
    ReqDone,
    // recorder
    Lock(u8, bool),
    Acquired(u8, bool),
    Unlock(u8, bool),
    Begin(u8, Key, Op, Body),
    End(u8, Key, Op),
    Sleep(u64),
}

/// What the running goroutine does after a step.
enum Flow {
    /// Keeps running.
    Continue,
    /// runtime.Gosched: to the tail of the run queue.
    Yield,
    /// Parked (lock, channel, timer) or exited.
    Block,
}

struct Goroutine {
    goid: u64,
    trace: [u8; 32],
    /// `acc_id` of the open access window (one at a time per goroutine).
    acc_id: u64,
    steps: Vec<Step>,
    pc: usize,
    /// Gosched calls still to make before the next step (inside a range).
    yields: usize,
    route: usize,
    user: usize,
    start_ns: u64,
    wait_since: u64,
    /// Value read by a read-modify-write, or a range's total.
    read_val: u64,
    items: u64,
    tok: bool,
    seen: bool,
    cutoff: u64,
    stale: Vec<u8>,
}

impl Goroutine {
    fn new(goid: u64) -> Self {
        Goroutine {
            goid,
            trace: [b'0'; 32],
            acc_id: 0,
            steps: Vec::with_capacity(32),
            pc: 0,
            yields: 0,
            route: 0,
            user: 0,
            start_ns: 0,
            wait_since: 0,
            read_val: 0,
            items: 0,
            tok: false,
            seen: false,
            cutoff: 0,
            stale: Vec::new(),
        }
    }
}

#[derive(Default)]
struct Lock {
    writer: bool,
    readers: u32,
    waiters: VecDeque<(usize, bool)>,
}

impl Lock {
    fn free_for(&self, shared: bool) -> bool {
        !self.writer && (shared || self.readers == 0)
    }

    fn take(&mut self, shared: bool) {
        if shared {
            self.readers += 1;
        } else {
            self.writer = true;
        }
    }
}

#[derive(Clone, Copy)]
enum Limit {
    Requests(u64),
    Records(u64),
    Bytes(u64),
}

struct Config {
    limit: Limit,
    seed: u64,
    workers: usize,
    output: Option<String>,
    quiet: bool,
    pair_ids: bool,
}

const MAIN: usize = 0;
/// The sweeper's time.Ticker in the timer heap.
const TICKER: usize = usize::MAX;

/// zapsvc on one P (GOMAXPROCS=1): the running goroutine keeps the CPU
/// until it blocks or yields; every record costs a few microseconds; a
/// goroutine made ready by another (lock hand-off, channel, timer) runs
/// next; timers fire when the scheduler runs, and an idle scheduler sleeps
/// in netpoll for whole milliseconds (at least one), so sleeps started on
/// an idle CPU end on a coarse grid and wake-ups bunch up, as in the corpus
/// log.
struct Sim<'a> {
    out: Out<'a>,
    rng: Rng,
    /// The CPU's clock (ns since the epoch).
    cpu: u64,
    runq: VecDeque<usize>,
    runnext: Option<usize>,
    timers: BinaryHeap<Reverse<(u64, u64, usize)>>,
    timer_seq: u64,
    gs: Vec<Goroutine>,
    sweeper: usize,
    locks: [Lock; 3],
    limit: Limit,
    announced_requests: u64,
    seed: u64,
    workers: usize,
    /// `--pair-ids`: the last `acc_id` given out, else None.
    pair_ids: Option<u64>,
    // service state
    carts: [u64; USERS],
    tokens: [bool; USERS],
    last_seen: [u64; USERS],
    counters: [u64; 7],
    counted: [bool; 7],
    // channels and goroutine states
    idle: VecDeque<usize>,
    pending: Option<(usize, usize, [u8; 32])>,
    main_sending: bool,
    main_joining: bool,
    main_awaits_sweeper: bool,
    closed: bool,
    stop: bool,
    ticker_on: bool,
    tick_buffered: bool,
    sweeper_parked: bool,
    live_workers: usize,
    dispatched: u64,
    sweeps: u64,
    stopped: bool,
    // names
    map_addr: Vec<Vec<u8>>,
    lock_addr: Vec<Vec<u8>>,
    users: Vec<Vec<u8>>,
    clients: Vec<Vec<u8>>,
}

impl<'a> Sim<'a> {
    fn new(cfg: &Config, limit: Limit, announced_requests: u64, out: Out<'a>) -> Self {
        let mut rng = Rng(cfg.seed ^ 0x5EED_ACCE_5510_6000);
        // Heap addresses like zapsvc's: five map headers 0x30 apart, two
        // mutexes 8 bytes apart, the RWMutex elsewhere.
        let map_base = 0xc000_000000 + 0x60000 + rng.below(0x18000) * 0x10;
        let lock_base = 0xc000_000000 + 0x10000 + rng.below(0x1000) * 0x10;
        let rw_base = lock_base + 0x1000 + rng.below(0x100) * 0x10;
        let start = 1_795_697_153_869_000_000 + rng.below(3_600_000) * MS;
        let workers = cfg.workers;
        let mut gs = vec![Goroutine::new(1)];
        for i in 0..=workers {
            // workers 6.., the sweeper after them, as the runtime numbered them
            gs.push(Goroutine::new(6 + i as u64));
        }
        let mut sim = Sim {
            out,
            rng,
            cpu: start,
            runq: VecDeque::new(),
            runnext: None,
            timers: BinaryHeap::new(),
            timer_seq: 0,
            gs,
            sweeper: workers + 1,
            locks: Default::default(),
            limit,
            announced_requests,
            seed: cfg.seed,
            workers,
            pair_ids: cfg.pair_ids.then_some(0),
            carts: [0; USERS],
            tokens: [false; USERS],
            last_seen: [0; USERS],
            counters: [0; 7],
            counted: [false; 7],
            idle: VecDeque::new(),
            pending: None,
            main_sending: false,
            main_joining: false,
            main_awaits_sweeper: false,
            closed: false,
            stop: false,
            ticker_on: false,
            tick_buffered: false,
            sweeper_parked: false,
            live_workers: 0,
            dispatched: 0,
            sweeps: 0,
            stopped: false,
            map_addr: (0..5).map(|i| pointer(map_base + 0x30 * i)).collect(),
            lock_addr: vec![pointer(lock_base), pointer(lock_base + 8), pointer(rw_base)],
            users: (0..USERS)
                .map(|u| format!("user-{u:02}").into_bytes())
                .collect(),
            clients: (0..USERS)
                .map(|u| format!("10.20.{}.{}:{}", u / 4, 10 + u, 40000 + u * 7).into_bytes())
                .collect(),
        };
        let trace = sim.trace_id();
        let main = &mut sim.gs[MAIN];
        main.trace = trace;
        main.steps.push(Step::Header);
        // initial quotas, written before any worker starts
        main.steps.push(Step::Lock(QUOTAS_RW, false));
        main.steps.push(Step::Acquired(QUOTAS_RW, false));
        for t in 0..TENANTS.len() as u8 {
            main.steps
                .push(Step::Begin(QUOTAS, Key::Boot(t), Op::Write, Body::Plain));
            main.steps.push(Step::End(QUOTAS, Key::Boot(t), Op::Write));
        }
        main.steps.push(Step::Unlock(QUOTAS_RW, false));
        main.steps.extend([
            Step::Spawn,
            Step::Dispatch,
            Step::Pause,
            Step::Join,
            Step::StopSweeper,
            // final tally, after every other goroutine is done
            Step::Begin(COUNTERS, Key::Empty, Op::Range, Body::Plain),
            Step::End(COUNTERS, Key::Empty, Op::Range),
            Step::Stopped,
        ]);
        sim
    }

    /// The scheduler loop. Returns false if the service did not stop
    /// cleanly (a bug in the model).
    fn run(&mut self) -> bool {
        self.runq.push_back(MAIN);
        while self.out.err.is_none() {
            self.fire_timers();
            let Some(gi) = self.runnext.take().or_else(|| self.runq.pop_front()) else {
                // idle: netpoll(delay) sleeps whole milliseconds, at least one
                let Some(&Reverse((when, _, _))) = self.timers.peek() else {
                    break;
                };
                let delay = when - self.cpu;
                let wait = if delay < MS { MS } else { delay / MS * MS };
                self.cpu += wait + self.rng.between(80 * US, 250 * US);
                continue;
            };
            loop {
                match self.step(gi) {
                    Flow::Continue => self.cpu += self.rng.between(200, 1500),
                    Flow::Yield => {
                        self.cpu += self.rng.between(200, 800);
                        self.runq.push_back(gi);
                        break;
                    }
                    Flow::Block => break,
                }
            }
        }
        self.out.flush();
        self.stopped || self.out.err.is_some()
    }

    /// goready: the woken goroutine runs next.
    fn ready(&mut self, gi: usize) {
        if let Some(old) = self.runnext.replace(gi) {
            self.runq.push_back(old);
        }
    }

    fn add_timer(&mut self, who: usize, when: u64) {
        self.timer_seq += 1;
        self.timers.push(Reverse((when, self.timer_seq, who)));
    }

    fn fire_timers(&mut self) {
        while let Some(&Reverse((when, _, who))) = self.timers.peek() {
            if when > self.cpu {
                break;
            }
            self.timers.pop();
            if who != TICKER {
                self.ready(who);
            } else if self.ticker_on {
                // sendTime: a non-blocking send on a channel of capacity 1
                if self.sweeper_parked {
                    self.sweeper_parked = false;
                    self.ready(self.sweeper);
                } else {
                    self.tick_buffered = true;
                }
                // a late periodic timer keeps its phase, skipping missed ticks
                let next = when + SWEEP_EVERY * (1 + (self.cpu - when) / SWEEP_EVERY);
                self.add_timer(TICKER, next);
            }
        }
    }

    fn trace_id(&mut self) -> [u8; 32] {
        let mut t = [0u8; 32];
        for half in 0..2 {
            let v = self.rng.next();
            for i in 0..16 {
                t[half * 16 + i] = HEX[((v >> (60 - 4 * i)) & 0xf) as usize];
            }
        }
        t
    }

    /// Takes the CPU to write one record whose `ts_ns` is `self.cpu`;
    /// returns zap's entry time (a little after the `ts_ns` the caller took).
    fn stamp(&mut self) -> u64 {
        let t = self.cpu;
        let r = self.rng.below(100);
        let delta = if r < 80 {
            self.rng.between(20, 400)
        } else if r < 97 {
            self.rng.between(400, 3000)
        } else {
            self.rng.between(3 * US, 30 * US)
        };
        let ts = t + delta;
        let cost = self.rng.between(2500, 5000);
        self.cpu = (t + cost).max(ts + 300);
        ts
    }

    // ------------------------------------------------------------ records

    fn emit_header(&mut self) {
        let ts = self.stamp();
        if self.out.format {
            let o = &mut self.out;
            o.head(b"info", ts, b"main.go:123", b"service starting");
            o.str(b"encoder", b"json");
            o.str(b"records", b"pair");
            o.int(b"requests", self.announced_requests);
            o.int(b"workers", self.workers as u64);
            o.int(b"seed", self.seed);
            o.int(b"gomaxprocs", 1);
        }
        self.out.finish();
        for (m, name) in MAP_NAMES.iter().enumerate() {
            let ts = self.stamp();
            if self.out.format {
                let o = &mut self.out;
                o.head(b"info", ts, b"main.go:126", b"map registered");
                o.str(b"map", &self.map_addr[m]);
                o.str(b"name", name.as_bytes());
            }
            self.out.finish();
        }
        for (l, (name, kind)) in LOCK_NAMES.iter().enumerate() {
            let ts = self.stamp();
            if self.out.format {
                let o = &mut self.out;
                o.head(b"info", ts, b"main.go:129", b"lock registered");
                o.str(b"lock", &self.lock_addr[l]);
                o.str(b"name", name.as_bytes());
                o.str(b"kind", kind.as_bytes());
            }
            self.out.finish();
        }
    }

    fn emit_lock(&mut self, gi: usize, l: u8, shared: bool, op: &[u8], caller: &[u8]) {
        let now = self.cpu;
        let ts = self.stamp();
        if self.out.format {
            let g = &self.gs[gi];
            let o = &mut self.out;
            o.head(b"info", ts, caller, b"lock");
            o.str(b"trace_id", &g.trace);
            o.int(b"goroutine", g.goid);
            o.str(b"lock", &self.lock_addr[l as usize]);
            o.str(b"mode", if shared { b"shared" } else { b"exclusive" });
            o.str(b"op", op);
            o.int(b"ts_ns", now);
        }
        self.out.finish();
    }

    fn emit_slow(&mut self, gi: usize, l: u8, waited: u64) {
        let ts = self.stamp();
        if self.out.format {
            let g = &self.gs[gi];
            let o = &mut self.out;
            o.head(b"warn", ts, b"store.go:83", b"slow lock acquisition");
            o.str(b"trace_id", &g.trace);
            o.int(b"goroutine", g.goid);
            o.str(b"lock", &self.lock_addr[l as usize]);
            o.int(b"waited_ns", waited);
        }
        self.out.finish();
    }

    fn emit_access(&mut self, gi: usize, m: u8, key: Key, op: Op, begin: bool) {
        let now = self.cpu;
        if begin && let Some(last) = self.pair_ids.as_mut() {
            *last += 1;
            self.gs[gi].acc_id = *last;
        }
        let ts = self.stamp();
        if self.out.format {
            let g = &self.gs[gi];
            let key: &[u8] = match key {
                Key::User => &self.users[g.user],
                Key::Tenant => TENANTS[g.user % TENANTS.len()].as_bytes(),
                Key::Route => ROUTES[g.route].0.as_bytes(),
                Key::Client => &self.clients[g.user],
                Key::Stale(c) => &self.clients[c as usize],
                Key::Boot(t) => TENANTS[t as usize].as_bytes(),
                Key::Empty => b"",
            };
            let o = &mut self.out;
            let caller: &[u8] = if begin {
                b"store.go:55"
            } else {
                b"store.go:58"
            };
            o.head(b"info", ts, caller, b"map access");
            o.str(b"trace_id", &g.trace);
            o.int(b"goroutine", g.goid);
            if self.pair_ids.is_some() {
                o.int(b"acc_id", g.acc_id);
            }
            o.str(b"map", &self.map_addr[m as usize]);
            o.str(b"key", key);
            o.str(b"op", op.name());
            o.str(b"phase", if begin { b"begin" } else { b"end" });
            o.int(b"ts_ns", now);
        }
        self.out.finish();
    }

    fn emit_request(&mut self, gi: usize, done: bool) {
        let now = self.cpu;
        let ts = self.stamp();
        if self.out.format {
            let g = &self.gs[gi];
            let o = &mut self.out;
            if done {
                o.head(b"info", ts, b"main.go:75", b"request done");
            } else {
                o.head(b"info", ts, b"main.go:51", b"request start");
            }
            o.str(b"trace_id", &g.trace);
            o.int(b"goroutine", g.goid);
            o.str(b"route", ROUTES[g.route].0.as_bytes());
            if done {
                let status = match g.route {
                    CHECKOUT if g.items == 0 => 409,
                    SESSION if !(g.tok && g.seen) => 401,
                    _ => 200,
                };
                o.int(b"status", status);
                o.int(b"latency_ns", now - g.start_ns);
            } else {
                o.str(b"user", &self.users[g.user]);
            }
            o.int(b"ts_ns", now);
        }
        self.out.finish();
    }

    fn emit_sweep_done(&mut self, gi: usize) {
        let now = self.cpu;
        let ts = self.stamp();
        if self.out.format {
            let g = &self.gs[gi];
            let o = &mut self.out;
            o.head(b"info", ts, b"store.go:278", b"sweep done");
            o.str(b"trace_id", &g.trace);
            o.int(b"goroutine", g.goid);
            o.int(b"expired", g.stale.len() as u64);
            o.int(b"requests_counted", g.read_val);
            o.int(b"ts_ns", now);
        }
        self.out.finish();
    }

    fn emit_stopped(&mut self) {
        let ts = self.stamp();
        if self.out.format {
            let g = &self.gs[MAIN];
            let o = &mut self.out;
            o.head(b"info", ts, b"main.go:180", b"service stopped");
            o.str(b"trace_id", &g.trace);
            o.int(b"goroutine", g.goid);
            o.int(b"requests", self.dispatched);
            o.int(b"requests_counted", g.read_val);
            o.int(b"sweeps", self.sweeps);
        }
        self.out.finish();
    }

    // ------------------------------------------------------------ locks

    fn try_lock(&mut self, gi: usize, l: u8, shared: bool) -> bool {
        let lk = &mut self.locks[l as usize];
        if lk.waiters.is_empty() && lk.free_for(shared) {
            lk.take(shared);
            true
        } else {
            lk.waiters.push_back((gi, shared));
            false
        }
    }

    /// Releases and hands the lock to the waiters it now admits, in order.
    fn unlock(&mut self, l: u8, shared: bool) {
        let lk = &mut self.locks[l as usize];
        if shared {
            lk.readers -= 1;
        } else {
            lk.writer = false;
        }
        let mut woken = Vec::new();
        while let Some(&(w, sh)) = lk.waiters.front() {
            if !lk.free_for(sh) {
                break;
            }
            lk.take(sh);
            lk.waiters.pop_front();
            woken.push(w);
        }
        for w in woken {
            self.ready(w);
        }
    }

    // ------------------------------------------------------------ steps

    fn step(&mut self, gi: usize) -> Flow {
        let g = &mut self.gs[gi];
        if g.yields > 0 {
            g.yields -= 1;
            return Flow::Yield;
        }
        let step = g.steps[g.pc];
        g.pc += 1;
        match step {
            Step::Header => {
                self.emit_header();
                Flow::Continue
            }
            Step::Spawn => {
                // the workers start and park on the queue, the sweeper in
                // its select; neither writes anything yet
                self.live_workers = self.workers;
                self.idle.extend(1..=self.workers);
                let sw = self.sweeper;
                self.gs[sw].steps.push(Step::Tick);
                self.sweeper_parked = true;
                self.ticker_on = true;
                self.add_timer(TICKER, self.cpu + SWEEP_EVERY);
                Flow::Continue
            }
            Step::Dispatch => self.dispatch(),
            Step::Pause => {
                self.gs[MAIN].pc -= 2; // back to Dispatch after the sleep
                let pause = self.rng.below(250) * US;
                self.sleep(MAIN, pause)
            }
            Step::Join => {
                if self.live_workers == 0 {
                    Flow::Continue
                } else {
                    self.main_joining = true;
                    Flow::Block
                }
            }
            Step::StopSweeper => {
                self.stop = true;
                self.ticker_on = false;
                if self.sweeper_parked {
                    // close(stop) wins the select at once
                    self.sweeper_parked = false;
                    Flow::Continue
                } else {
                    self.main_awaits_sweeper = true;
                    Flow::Block
                }
            }
            Step::Stopped => {
                self.emit_stopped();
                self.stopped = true;
                Flow::Block
            }
            Step::Tick => {
                if self.stop {
                    return self.sweeper_exit();
                }
                let trace = self.trace_id();
                let g = &mut self.gs[gi];
                g.trace = trace;
                g.cutoff = self.cpu.saturating_sub(MAX_AGE);
                g.steps.truncate(1);
                g.steps.extend([
                    Step::Begin(LASTSEEN, Key::Empty, Op::Range, Body::RangeLastSeen),
                    Step::End(LASTSEEN, Key::Empty, Op::Range),
                    Step::Begin(COUNTERS, Key::Empty, Op::Range, Body::RangeCounters),
                    Step::End(COUNTERS, Key::Empty, Op::Range),
                    Step::SweepDone,
                ]);
                Flow::Continue
            }
            Step::SweepDone => {
                self.emit_sweep_done(gi);
                self.sweeps += 1;
                self.gs[gi].pc = 0;
                if self.stop {
                    self.sweeper_exit()
                } else if self.tick_buffered {
                    self.tick_buffered = false;
                    Flow::Continue
                } else {
                    self.sweeper_parked = true;
                    Flow::Block
                }
            }
            Step::ReqStart => {
                self.gs[gi].start_ns = self.cpu;
                self.emit_request(gi, false);
                Flow::Continue
            }
            Step::ReqDone => {
                self.emit_request(gi, true);
                self.receive(gi)
            }
            Step::Lock(l, shared) => {
                self.gs[gi].wait_since = self.cpu;
                self.emit_lock(gi, l, shared, b"lock_wait", b"store.go:71");
                if self.try_lock(gi, l, shared) {
                    Flow::Continue
                } else {
                    Flow::Block
                }
            }
            Step::Acquired(l, shared) => {
                let waited = self.cpu - self.gs[gi].wait_since;
                self.emit_lock(gi, l, shared, b"lock_acquired", b"store.go:81");
                if waited > SLOW_WAIT {
                    self.emit_slow(gi, l, waited);
                }
                Flow::Continue
            }
            Step::Unlock(l, shared) => {
                // dropLock logs lock_released while still holding the lock
                self.emit_lock(gi, l, shared, b"lock_released", b"store.go:90");
                self.unlock(l, shared);
                Flow::Continue
            }
            Step::Begin(m, key, op, body) => {
                self.begin_effect(gi, m, op);
                self.emit_access(gi, m, key, op, true);
                self.body(gi, body)
            }
            Step::End(m, key, op) => {
                self.end_effect(gi, m, key, op);
                self.emit_access(gi, m, key, op, false);
                Flow::Continue
            }
            Step::Sleep(d) => self.sleep(gi, d),
        }
    }

    fn sleep(&mut self, gi: usize, d: u64) -> Flow {
        if d == 0 {
            return Flow::Continue; // time.Sleep(0) returns at once
        }
        self.add_timer(gi, self.cpu + d);
        Flow::Block
    }

    fn sweeper_exit(&mut self) -> Flow {
        if self.main_awaits_sweeper {
            self.main_awaits_sweeper = false;
            self.ready(MAIN);
        }
        Flow::Block
    }

    /// `for rq := range queue` in a worker.
    fn receive(&mut self, gi: usize) -> Flow {
        if self.main_sending {
            // main is blocked in its send: take the request and wake it
            self.main_sending = false;
            let (route, user, trace) = self.pending.take().expect("pending request");
            self.dispatched += 1;
            self.assign(gi, route, user, trace);
            self.ready(MAIN);
            Flow::Continue
        } else if self.closed {
            self.live_workers -= 1;
            if self.live_workers == 0 && self.main_joining {
                self.main_joining = false;
                self.ready(MAIN);
            }
            Flow::Block
        } else {
            self.idle.push_back(gi);
            Flow::Block
        }
    }

    /// One iteration of main's request loop: build a request, send it on
    /// the unbuffered queue (Pause, the sleep, follows).
    fn dispatch(&mut self) -> Flow {
        let done = match self.limit {
            Limit::Requests(n) => self.dispatched >= n,
            Limit::Records(n) => self.out.records >= n,
            Limit::Bytes(n) => self.out.bytes() >= n,
        };
        if done {
            // close(queue): parked workers return, busy ones after their request
            self.closed = true;
            self.live_workers -= self.idle.len();
            self.idle.clear();
            self.gs[MAIN].pc += 1; // skip Pause
            return Flow::Continue;
        }
        let trace = self.trace_id();
        let mut pick = self.rng.below(ROUTES.iter().map(|r| r.1).sum());
        let mut route = 0;
        while pick >= ROUTES[route].1 {
            pick -= ROUTES[route].1;
            route += 1;
        }
        let user = self.rng.below(USERS as u64) as usize;
        if let Some(w) = self.idle.pop_front() {
            self.dispatched += 1;
            self.assign(w, route, user, trace);
            self.ready(w);
            Flow::Continue
        } else {
            self.pending = Some((route, user, trace));
            self.main_sending = true;
            Flow::Block
        }
    }

    /// Loads a worker with zapsvc's sequence of steps for one request.
    fn assign(&mut self, w: usize, route: usize, user: usize, trace: [u8; 32]) {
        use Body::*;
        use Key::*;
        let g = &mut self.gs[w];
        g.trace = trace;
        g.route = route;
        g.user = user;
        g.items = 0;
        g.tok = false;
        g.seen = false;
        g.pc = 0;
        let s = &mut g.steps;
        s.clear();
        s.push(Step::ReqStart);
        let count_route = [
            Step::Begin(COUNTERS, Route, Op::Write, Gosched),
            Step::End(COUNTERS, Route, Op::Write),
        ];
        match route {
            GET_CART => {
                s.extend([
                    Step::Lock(CARTS_MU, false),
                    Step::Acquired(CARTS_MU, false),
                    Step::Begin(CARTS, User, Op::Read, Plain),
                    Step::End(CARTS, User, Op::Read),
                    Step::Unlock(CARTS_MU, false),
                ]);
                s.extend(count_route);
            }
            ADD_ITEM => {
                s.extend([
                    Step::Lock(CARTS_MU, false),
                    Step::Acquired(CARTS_MU, false),
                    Step::Begin(CARTS, User, Op::Write, Gosched),
                    Step::End(CARTS, User, Op::Write),
                ]);
                s.extend(count_route); // while still holding carts.mu
                s.push(Step::Unlock(CARTS_MU, false));
            }
            CHECKOUT => {
                s.extend([
                    Step::Lock(CARTS_MU, false),
                    Step::Acquired(CARTS_MU, false),
                    Step::Begin(CARTS, User, Op::Read, Plain),
                    Step::End(CARTS, User, Op::Read),
                    Step::Sleep(1500 * US), // payment call while holding carts.mu
                    Step::Begin(CARTS, User, Op::Delete, Plain),
                    Step::End(CARTS, User, Op::Delete),
                    Step::Lock(TOKENS_MU, false),
                    Step::Acquired(TOKENS_MU, false),
                    Step::Begin(TOKENS, User, Op::Delete, Plain),
                    Step::End(TOKENS, User, Op::Delete),
                    Step::Unlock(TOKENS_MU, false),
                ]);
                s.extend(count_route); // while still holding carts.mu
                s.push(Step::Unlock(CARTS_MU, false));
            }
            LOGIN => {
                s.extend([
                    Step::Lock(TOKENS_MU, false),
                    Step::Acquired(TOKENS_MU, false),
                    Step::Begin(TOKENS, User, Op::Write, Plain),
                    Step::End(TOKENS, User, Op::Write),
                    Step::Unlock(TOKENS_MU, false),
                    Step::Begin(LASTSEEN, Client, Op::Write, Sleep(40 * US)),
                    Step::End(LASTSEEN, Client, Op::Write),
                ]);
                s.extend(count_route);
            }
            SESSION => {
                s.extend([
                    Step::Lock(TOKENS_MU, false),
                    Step::Acquired(TOKENS_MU, false),
                    Step::Begin(TOKENS, User, Op::Read, Plain),
                    Step::End(TOKENS, User, Op::Read),
                    Step::Unlock(TOKENS_MU, false),
                    Step::Begin(LASTSEEN, Client, Op::Read, Gosched),
                    Step::End(LASTSEEN, Client, Op::Read),
                ]);
                s.extend(count_route);
            }
            QUOTA_GET => {
                s.extend([
                    Step::Lock(QUOTAS_RW, true),
                    Step::Acquired(QUOTAS_RW, true),
                    Step::Begin(QUOTAS, Tenant, Op::Read, Gosched),
                    Step::End(QUOTAS, Tenant, Op::Read),
                    Step::Unlock(QUOTAS_RW, true),
                ]);
                s.extend(count_route);
            }
            _ => {
                debug_assert_eq!(route, QUOTA_PUT);
                s.extend([
                    Step::Lock(QUOTAS_RW, false),
                    Step::Acquired(QUOTAS_RW, false),
                    Step::Begin(QUOTAS, Tenant, Op::Write, Gosched),
                    Step::End(QUOTAS, Tenant, Op::Write),
                    Step::Unlock(QUOTAS_RW, false),
                ]);
                s.extend(count_route);
            }
        }
        s.push(Step::ReqDone);
    }

    /// The map operation inside the window, after its begin record.
    fn body(&mut self, gi: usize, body: Body) -> Flow {
        self.cpu += self.rng.between(100, 800);
        let yields = match body {
            Body::Plain => 0,
            Body::Gosched => 1,
            Body::Sleep(d) => return self.sleep(gi, d),
            Body::RangeLastSeen => self.last_seen.iter().filter(|&&t| t != 0).count() / 3,
            Body::RangeCounters => self.counted.iter().filter(|&&c| c).count(),
        };
        if yields == 0 {
            Flow::Continue
        } else {
            self.gs[gi].yields = yields - 1;
            Flow::Yield
        }
    }

    /// What the map operation reads (zapsvc reads inside `do()`, right
    /// after the begin record).
    fn begin_effect(&mut self, gi: usize, m: u8, op: Op) {
        let g = &mut self.gs[gi];
        match (m, op) {
            (CARTS, Op::Read | Op::Write) => g.items = self.carts[g.user],
            (TOKENS, Op::Read) => g.tok = self.tokens[g.user],
            (LASTSEEN, Op::Read) => g.seen = self.last_seen[g.user] != 0,
            (COUNTERS, Op::Write) => g.read_val = self.counters[g.route],
            (LASTSEEN, Op::Range) => {
                g.stale.clear();
                for (c, &t) in self.last_seen.iter().enumerate() {
                    if t != 0 && t < g.cutoff {
                        g.stale.push(c as u8);
                    }
                }
                // Go's map iteration order is random
                for i in (1..g.stale.len()).rev() {
                    let j = self.rng.below(i as u64 + 1) as usize;
                    g.stale.swap(i, j);
                }
            }
            _ => {}
        }
    }

    /// What the map operation writes (at the end of `do()`).
    fn end_effect(&mut self, gi: usize, m: u8, key: Key, op: Op) {
        let now = self.cpu;
        let g = &mut self.gs[gi];
        match (m, op) {
            (CARTS, Op::Write) => self.carts[g.user] = g.items + 1,
            (CARTS, Op::Delete) => self.carts[g.user] = 0,
            (TOKENS, Op::Write) => self.tokens[g.user] = true,
            (TOKENS, Op::Delete) => self.tokens[g.user] = false,
            (LASTSEEN, Op::Write) => self.last_seen[g.user] = now,
            (LASTSEEN, Op::Delete) => {
                if let Key::Stale(c) = key {
                    self.last_seen[c as usize] = 0;
                }
            }
            (COUNTERS, Op::Write) => {
                // read-modify-write around a Gosched: updates get lost
                self.counters[g.route] = g.read_val + 1;
                self.counted[g.route] = true;
            }
            (COUNTERS, Op::Range) => g.read_val = self.counters.iter().sum(),
            (LASTSEEN, Op::Range) => {
                // one delete per stale client, after the range
                let at = g.pc;
                let deletes: Vec<Step> = g
                    .stale
                    .iter()
                    .flat_map(|&c| {
                        [
                            Step::Begin(LASTSEEN, Key::Stale(c), Op::Delete, Body::Gosched),
                            Step::End(LASTSEEN, Key::Stale(c), Op::Delete),
                        ]
                    })
                    .collect();
                g.steps.splice(at..at, deletes);
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------- cli

/// `250M`, `1G`, `64MiB`, `1_000_000`: K/M/G are powers of 1000, Ki/Mi/Gi of 1024.
fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim().replace('_', "");
    let digits = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(digits);
    let n: u64 = num.parse().map_err(|_| format!("bad size {s:?}"))?;
    let mult: u64 = match unit.to_ascii_lowercase().trim_end_matches('b') {
        "" => 1,
        "k" => 1_000,
        "m" => 1_000_000,
        "g" => 1_000_000_000,
        "ki" => 1 << 10,
        "mi" => 1 << 20,
        "gi" => 1 << 30,
        _ => return Err(format!("bad size unit in {s:?}")),
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size {s:?} too large"))
}

fn parse_args(args: &[String]) -> Result<Config, String> {
    let mut cfg = Config {
        limit: Limit::Records(100_000),
        seed: 1,
        workers: 5,
        output: None,
        quiet: false,
        pair_ids: false,
    };
    let mut i = 0;
    while i < args.len() {
        let arg = args[i].as_str();
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n, Some(v.to_string())),
            _ => (arg, None),
        };
        let mut value = || -> Result<String, String> {
            if let Some(v) = inline.clone() {
                return Ok(v);
            }
            i += 1;
            args.get(i)
                .cloned()
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match name {
            "-h" | "--help" => return Err(String::new()),
            "--records" => cfg.limit = Limit::Records(parse_size(&value()?)?),
            "--bytes" => cfg.limit = Limit::Bytes(parse_size(&value()?)?),
            "--requests" => cfg.limit = Limit::Requests(parse_size(&value()?)?),
            "--seed" => {
                let v = value()?;
                cfg.seed = v.parse().map_err(|_| format!("bad seed {v:?}"))?;
            }
            "--workers" => {
                let v = value()?;
                cfg.workers = v
                    .parse()
                    .ok()
                    .filter(|w| (1..=10_000).contains(w))
                    .ok_or_else(|| format!("bad worker count {v:?} (1..=10000)"))?;
            }
            "-q" | "--quiet" => cfg.quiet = true,
            "--pair-ids" => cfg.pair_ids = true,
            "-o" | "--output" => cfg.output = Some(value()?),
            _ if arg.starts_with('-') && arg != "-" => return Err(format!("unknown option {arg}")),
            _ => {
                if cfg.output.is_some() {
                    return Err(format!("unexpected argument {arg}"));
                }
                cfg.output = Some(arg.to_string());
            }
        }
        i += 1;
    }
    if cfg.output.as_deref() == Some("-") {
        cfg.output = None;
    }
    Ok(cfg)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cfg = match parse_args(&args) {
        Ok(cfg) => cfg,
        Err(e) if e.is_empty() => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("gen_access_log: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    // Sizing run: how many requests fit the budget (nothing is written).
    let requests = match cfg.limit {
        Limit::Requests(n) => n,
        limit => {
            let out = Out {
                buf: Vec::with_capacity(FLUSH_AT + 4096),
                sink: None,
                format: matches!(limit, Limit::Bytes(_)),
                records: 0,
                flushed: 0,
                err: None,
            };
            let mut sim = Sim::new(&cfg, limit, 0, out);
            if !sim.run() {
                eprintln!("gen_access_log: internal error: the simulated service did not stop");
                return ExitCode::FAILURE;
            }
            sim.dispatched
        }
    };

    let mut file;
    let stdout = io::stdout();
    let mut lock;
    let sink: &mut dyn Write = match &cfg.output {
        Some(path) => match File::create(path) {
            Ok(f) => {
                file = f;
                &mut file
            }
            Err(e) => {
                eprintln!("gen_access_log: cannot create {path}: {e}");
                return ExitCode::FAILURE;
            }
        },
        None => {
            lock = stdout.lock();
            &mut lock
        }
    };
    let out = Out {
        buf: Vec::with_capacity(FLUSH_AT + 4096),
        sink: Some(sink),
        format: true,
        records: 0,
        flushed: 0,
        err: None,
    };
    let mut sim = Sim::new(&cfg, Limit::Requests(requests), requests, out);
    if !sim.run() {
        eprintln!("gen_access_log: internal error: the simulated service did not stop");
        return ExitCode::FAILURE;
    }
    let (records, bytes, dispatched, sweeps) =
        (sim.out.records, sim.out.flushed, sim.dispatched, sim.sweeps);
    if let Some(e) = sim.out.err.take() {
        if e.kind() == io::ErrorKind::BrokenPipe {
            return ExitCode::SUCCESS;
        }
        eprintln!("gen_access_log: write error: {e}");
        return ExitCode::FAILURE;
    }
    if let Some(sink) = sim.out.sink.as_mut() {
        if let Err(e) = sink.flush() {
            eprintln!("gen_access_log: write error: {e}");
            return ExitCode::FAILURE;
        }
    }
    if !cfg.quiet {
        eprintln!(
            "gen_access_log: {records} records, {bytes} bytes, {dispatched} requests, \
             {sweeps} sweeps, {} workers, seed {} -> {}",
            cfg.workers,
            cfg.seed,
            cfg.output.as_deref().unwrap_or("stdout"),
        );
    }
    ExitCode::SUCCESS
}
