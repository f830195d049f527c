// dumpgen: a real Go crash dump at scale, for benchmarking goroutine-dump
// analysis (`racetrail dumps`, panicparse).
//
// The same thing as the corpus program fatal_parked_300
// (../../../shared/corpus/go/programs/fatal_parked_300), scaled up: an
// order gateway parks -goroutines N goroutines (default 50000) in realistic
// states, then two session renewers write one map without a lock and the
// runtime aborts with "fatal error: concurrent map writes", printing every
// goroutine (go1.19, default GOTRACEBACK) to stderr. Exit status 2.
//
// Nothing in the dump is written by this program: it is the runtime's own
// traceback of goroutines that really are parked where it says.
//
// The bulk goroutines follow 21 shapes (some with more than one stack:
// varying recursion depth, a first waiter that differs from the rest):
//
//	handler      order handlers (created by an accept loop) waiting for the inventory mutex  semacquire
//	quote        price quotes in RWMutex.RLock behind a held write lock                      semacquire
//	reload       catalog reloads in RWMutex.Lock behind the same write lock                  semacquire
//	subscriber   topic subscribers (created by a spawner goroutine) ranging over a channel   chan receive
//	dispatch     control dispatchers selecting over two channels                             select
//	resolve      DNS-like CNAME resolution, recursive 3-5 hops, then a back-off sleep         sleep
//	warmup       cache warmers waiting on a sync.Cond                                        sync.Cond.Wait
//	publish      workers sending results on an unbuffered channel nobody reads               chan send
//	upload       uploads blocked on a full buffered semaphore channel                        chan send
//	batch        batch commits in sync.WaitGroup.Wait                                        semacquire
//	rpc          RPC clients reading a reply through bufio from a net.Pipe                   select
//	export       span exporters json-encoding into an io.Pipe nobody reads                   select
//	index        indexers walking a 22-level tree recursively, then waiting on ctx.Done()   chan receive
//	migrate      migrators receiving from a nil channel                                      chan receive (nil chan)
//	audit        audit emitters sending on a nil channel                                     chan send (nil chan)
//	keepalive    supervised nested closures blocked in select {}                             select (no cases)
//	metrics      flush loops selecting over a one-hour ticker                                select
//	pool         worker-pool closures (created by a scheduler goroutine) sleeping            sleep
//	tail         spool tailers on one os.Pipe: the first in IO wait, the rest on the fd lock IO wait / semacquire
//	lease        lease expiry writers queued behind a held read lock, readers behind them    semacquire
//	tls          handshakes in sync.Once.Do whose init never returns                         sleep / semacquire
//
// plus 9 fixed goroutines (main, watchdog, the lock-holding compactor and
// auditor, accept loop, subscriber spawner, scheduler, the two renewers), so
// the dump lists exactly N goroutines (one more header when a second
// renewer trips the map check at the same time and is listed twice).
//
// Build and run like the corpus (GOPATH mode, std only):
//
//	GO111MODULE=off go build -o dumpgen ./benches/dumpgen
//	GOMAXPROCS=2 ./dumpgen -goroutines 50000 2>dump50k.stderr   # exit status 2
//
// Watchdog: exit status 3 if no crash within -watchdog (default 120 s).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"
)

const forever = 24 * time.Hour

// parked counts down as goroutines reach the point where they block.
var parked sync.WaitGroup

func aboutToBlock() { parked.Done() }

type event struct {
	topic string
	seq   int64
}

type result struct {
	job int
	ok  bool
}

type gateway struct {
	inventoryMu sync.Mutex   // held forever by the stuck compactor
	catalogMu   sync.RWMutex // write-held forever by the stuck compactor
	leaseMu     sync.RWMutex // read-held forever by the auditor
	readyMu     sync.Mutex
	ready       *sync.Cond
	warmedUp    bool
	initOnce    sync.Once
	events      chan event    // unbuffered, nobody sends
	ctrl        chan int      // unbuffered, nobody sends
	quit        chan struct{} // never closed
	results     chan result   // unbuffered, nobody receives
	tokens      chan struct{} // upload semaphore, full
	conns       chan net.Conn // accept queue, nobody sends
	inflight    sync.WaitGroup
	spoolR      *os.File // pipe nobody writes to
	spoolW      *os.File
	tree        *node
	zones       map[string]string
	cancelIndex context.CancelFunc
	indexCtx    context.Context

	keepMu sync.Mutex
	kept   []interface{} // pipe ends kept reachable

	sessions map[string]int64 // written without a lock by two renewers
}

func newGateway() *gateway {
	g := &gateway{
		events:   make(chan event),
		ctrl:     make(chan int),
		quit:     make(chan struct{}),
		results:  make(chan result),
		tokens:   make(chan struct{}, 8),
		conns:    make(chan net.Conn),
		sessions: make(map[string]int64),
		zones: map[string]string{
			"api.shop.example":    "edge.shop.example",
			"edge.shop.example":   "lb-eu.shop.example",
			"lb-eu.shop.example":  "lb-eu1.cdn.example",
			"lb-eu1.cdn.example":  "pool-7.cdn.example",
			"pool-7.cdn.example":  "node-42.cdn.example",
			"node-42.cdn.example": "",
		},
	}
	g.ready = sync.NewCond(&g.readyMu)
	for i := 0; i < cap(g.tokens); i++ {
		g.tokens <- struct{}{}
	}
	g.inflight.Add(1) // a batch that never finishes
	var err error
	if g.spoolR, g.spoolW, err = os.Pipe(); err != nil {
		panic(err)
	}
	g.tree = buildChain(22)
	g.indexCtx, g.cancelIndex = context.WithCancel(context.Background())
	return g
}

func (g *gateway) keep(v interface{}) {
	g.keepMu.Lock()
	g.kept = append(g.kept, v)
	g.keepMu.Unlock()
}

// supervised runs a long-lived loop under panic recovery, the way the
// gateway starts most of its goroutines (adds three frames: the closure,
// runLoop, supervised).
func (g *gateway) supervised(name string, fn func() error) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Println(name, "panicked:", r)
		}
	}()
	if err := runLoop(name, fn); err != nil {
		fmt.Println(name, "stopped:", err)
	}
}

//go:noinline
func runLoop(name string, fn func() error) error {
	return fn()
}

// ---- lock holders (fixed goroutines) ----

type compactor struct{ g *gateway }

func (c *compactor) run(locked chan<- struct{}) {
	c.g.inventoryMu.Lock()
	c.g.catalogMu.Lock()
	locked <- struct{}{}
	time.Sleep(forever) // "compacting"
	c.g.catalogMu.Unlock()
	c.g.inventoryMu.Unlock()
}

func (g *gateway) auditLeases(locked chan<- struct{}) {
	g.leaseMu.RLock()
	defer g.leaseMu.RUnlock()
	locked <- struct{}{}
	<-g.quit
}

// ---- handler: accept loop -> conn -> router -> handler -> service -> mutex ----

type listener struct{ g *gateway }

func (l *listener) acceptLoop(n int) {
	for i := 0; i < n; i++ {
		c := &conn{id: i, g: l.g}
		go c.serve()
	}
	aboutToBlock()
	for c := range l.g.conns {
		_ = c.Close()
	}
}

type conn struct {
	id int
	g  *gateway
}

func (c *conn) serve() {
	r := &router{g: c.g}
	if err := r.route(c, "POST /orders"); err != nil {
		fmt.Println(err)
	}
}

type router struct{ g *gateway }

//go:noinline
func (r *router) route(c *conn, path string) error {
	h := &orderHandler{g: r.g}
	return h.ServeOrder(c.id, path)
}

type orderHandler struct{ g *gateway }

//go:noinline
func (h *orderHandler) ServeOrder(id int, path string) error {
	svc := &orderService{g: h.g}
	return svc.reserve("sku-"+strconv.Itoa(id%512), 1+id%3)
}

type orderService struct{ g *gateway }

func (s *orderService) reserve(sku string, qty int) error {
	var err error
	s.g.withInventory(func() {
		if qty <= 0 {
			err = fmt.Errorf("bad quantity for %s", sku)
		}
	})
	return err
}

func (g *gateway) withInventory(fn func()) {
	aboutToBlock()
	g.inventoryMu.Lock()
	defer g.inventoryMu.Unlock()
	fn()
}

// ---- quote / reload: RWMutex held for writing ----

type pricing struct{ g *gateway }

func (p *pricing) quote(id int) int {
	return p.lookup("sku-"+strconv.Itoa(id%512)) * 100
}

//go:noinline
func (p *pricing) lookup(sku string) int {
	aboutToBlock()
	p.g.catalogMu.RLock()
	defer p.g.catalogMu.RUnlock()
	return len(sku)
}

func (g *gateway) serveQuote(id int) {
	p := &pricing{g: g}
	fmt.Println(p.quote(id))
}

func (g *gateway) reloadCatalog(id int) {
	aboutToBlock()
	g.catalogMu.Lock()
	defer g.catalogMu.Unlock()
	fmt.Println("reloaded by", id)
}

// ---- subscriber: spawned by a goroutine ----

type subscriber struct {
	id    int
	topic string
	g     *gateway
}

func (g *gateway) startSubscribers(n int) {
	for i := 0; i < n; i++ {
		s := &subscriber{id: i, topic: "orders." + strconv.Itoa(i%16), g: g}
		go s.run()
	}
	aboutToBlock()
	g.inflight.Wait()
}

func (s *subscriber) run() {
	s.g.supervised("subscriber "+s.topic, s.consume)
}

//go:noinline
func (s *subscriber) consume() error {
	aboutToBlock()
	for {
		ev, ok := s.next()
		if !ok {
			return nil
		}
		if ev.topic == s.topic {
			s.handle(ev)
		}
	}
}

//go:noinline
func (s *subscriber) next() (event, bool) {
	ev, ok := <-s.g.events
	return ev, ok
}

func (s *subscriber) handle(ev event) { fmt.Println(s.id, ev.seq) }

// ---- dispatch: select over two channels ----

type controlPlane struct {
	id int
	g  *gateway
}

//go:noinline
func (c *controlPlane) serve() error {
	for {
		if err := c.dispatch(); err != nil {
			return err
		}
	}
}

//go:noinline
func (c *controlPlane) dispatch() error {
	aboutToBlock()
	select {
	case op := <-c.g.ctrl:
		fmt.Println(c.id, op)
		return nil
	case <-c.g.quit:
		return fmt.Errorf("control plane %d: shutting down", c.id)
	}
}

// ---- resolve: recursion of varying depth, then sleep ----

type resolver struct{ zones map[string]string }

func (r *resolver) resolve(name string, hops int) string {
	if next := r.zones[name]; next != "" && hops < 8 {
		return r.resolve(next, hops+1)
	}
	aboutToBlock()
	time.Sleep(forever) // upstream back-off
	return name
}

func (g *gateway) refreshUpstream(id int) {
	r := &resolver{zones: g.zones}
	start := [...]string{"api.shop.example", "edge.shop.example", "lb-eu.shop.example"}[id%3]
	fmt.Println(r.resolve(start, 0))
}

// ---- warmup: sync.Cond ----

type warmer struct{ g *gateway }

func (w *warmer) start(id int) error { w.awaitReady(id); fmt.Println("warm", id); return nil }

//go:noinline
func (w *warmer) awaitReady(id int) {
	w.g.readyMu.Lock()
	aboutToBlock()
	for !w.g.warmedUp {
		w.g.ready.Wait()
	}
	w.g.readyMu.Unlock()
}

// ---- publish: unbuffered send nobody receives ----

type worker struct {
	id int
	g  *gateway
}

func (w *worker) loop() error {
	for job := w.id; ; job += 1000 {
		w.process(job)
	}
}

//go:noinline
func (w *worker) process(job int) {
	w.publish(result{job: job, ok: job%7 != 0})
}

//go:noinline
func (w *worker) publish(r result) {
	aboutToBlock()
	w.g.results <- r
}

// ---- upload: full semaphore ----

type limiter struct{ tokens chan struct{} }

//go:noinline
func (l *limiter) acquire() { l.tokens <- struct{}{} }
func (l *limiter) release() { <-l.tokens }

type uploader struct {
	g   *gateway
	lim *limiter
}

func (u *uploader) send(object string, size int) error {
	aboutToBlock()
	u.lim.acquire()
	defer u.lim.release()
	if size < 0 {
		return fmt.Errorf("%s: negative size", object)
	}
	return nil
}

func (g *gateway) upload(id int) error {
	u := &uploader{g: g, lim: &limiter{tokens: g.tokens}}
	return u.send("invoices/"+strconv.Itoa(id)+".pdf", id*17)
}

// ---- batch: WaitGroup.Wait ----

type batch struct {
	id int
	g  *gateway
}

//go:noinline
func (b *batch) commit() error {
	aboutToBlock()
	b.g.inflight.Wait()
	return nil
}

func (g *gateway) flushBatch(id int) error {
	b := &batch{id: id, g: g}
	return b.commit()
}

// ---- rpc: bufio over net.Pipe ----

type rpcClient struct {
	conn net.Conn
	r    *bufio.Reader
}

func (g *gateway) dialBackend() *rpcClient {
	c, s := net.Pipe()
	g.keep(s)
	return &rpcClient{conn: c, r: bufio.NewReader(c)}
}

//go:noinline
func (c *rpcClient) call(method string) (string, error) {
	aboutToBlock()
	return c.r.ReadString('\n')
}

func (g *gateway) syncInventory(id int) {
	cl := g.dialBackend()
	resp, err := cl.call("Inventory.Sync")
	fmt.Println(id, resp, err)
}

// ---- export: json into an io.Pipe ----

type span struct {
	TraceID string `json:"trace_id"`
	Name    string `json:"name"`
	DurNs   int64  `json:"dur_ns"`
}

type exporter struct{ enc *json.Encoder }

//go:noinline
func (e *exporter) flush(spans []span) error {
	aboutToBlock()
	for _, s := range spans {
		if err := e.enc.Encode(s); err != nil {
			return err
		}
	}
	return nil
}

func (g *gateway) exportSpans(id int) {
	pr, pw := io.Pipe()
	g.keep(pr)
	e := &exporter{enc: json.NewEncoder(pw)}
	fmt.Println(e.flush([]span{{TraceID: fmt.Sprintf("%032x", id), Name: "checkout", DurNs: int64(id)}}))
}

// ---- index: deep recursion, then ctx.Done() ----

type node struct {
	name     string
	children []*node
}

func buildChain(depth int) *node {
	n := &node{name: "leaf"}
	for i := depth; i > 0; i-- {
		n = &node{name: "level-" + strconv.Itoa(i), children: []*node{n}}
	}
	return n
}

func (n *node) walk(ctx context.Context, depth int, visit func(*node, int) error) error {
	if len(n.children) == 0 {
		return visit(n, depth)
	}
	for _, c := range n.children {
		if err := c.walk(ctx, depth+1, visit); err != nil {
			return err
		}
	}
	return nil
}

type indexer struct {
	id  int
	ctx context.Context
}

func (ix *indexer) rebuild(root *node) error {
	return root.walk(ix.ctx, 0, func(n *node, depth int) error {
		aboutToBlock()
		<-ix.ctx.Done() // wait for the shard lease to be cancelled
		return ix.ctx.Err()
	})
}

func (g *gateway) reindexShard(id int) {
	ix := &indexer{id: id, ctx: g.indexCtx}
	fmt.Println(ix.rebuild(g.tree))
}

// ---- migrate / audit: nil channels ----

type migrator struct {
	id       int
	leaderCh chan string // never initialised
}

//go:noinline
func (m *migrator) awaitLeader() string {
	aboutToBlock()
	return <-m.leaderCh
}

func (m *migrator) step(version int) error {
	if leader := m.awaitLeader(); leader == "" {
		return fmt.Errorf("migration %d: no leader", version)
	}
	return nil
}

func (m *migrator) run(from, to int) error {
	for v := from; v <= to; v++ {
		if err := m.step(v); err != nil {
			return err
		}
	}
	return nil
}

func (g *gateway) migrate(id int) error {
	m := &migrator{id: id}
	return m.run(40+id%3, 44)
}

type auditRecord struct {
	actor  string
	action string
}

type auditLog struct{ sink chan auditRecord } // sink never initialised

//go:noinline
func (a *auditLog) emit(rec auditRecord) {
	aboutToBlock()
	a.sink <- rec
}

//go:noinline
func (a *auditLog) record(actor, action string) {
	a.emit(auditRecord{actor: actor, action: action})
}

func (g *gateway) recordLogin(id int) error {
	a := &auditLog{}
	a.record("user-"+strconv.Itoa(id), "login")
	return nil
}

// ---- keepalive: nested closures in select {} ----

func (g *gateway) supervise(name string, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Println(name, "restarted:", r)
		}
	}()
	fn()
}

func (g *gateway) keepaliveLoop(id int) {
	for {
		g.startKeepalive(id)
	}
}

//go:noinline
func (g *gateway) startKeepalive(id int) {
	g.supervise("keepalive-"+strconv.Itoa(id), func() {
		hold := func() {
			aboutToBlock()
			select {}
		}
		hold()
	})
}

// ---- metrics: ticker select ----

type metrics struct {
	ticker *time.Ticker
	quit   chan struct{}
	g      *gateway
}

func (m *metrics) flushLoop(id int) {
	aboutToBlock()
	for {
		select {
		case <-m.ticker.C:
			fmt.Println("flush", id)
		case <-m.quit:
			m.ticker.Stop()
			return
		}
	}
}

func (g *gateway) runMetrics(id int) error {
	m := &metrics{ticker: time.NewTicker(time.Hour), quit: g.quit, g: g}
	m.flushLoop(id)
	return nil
}

// ---- pool: goroutines created by a scheduler goroutine, nested closures ----

type workerPool struct{ wg sync.WaitGroup }

func (p *workerPool) Go(fn func()) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		fn()
	}()
}

type scheduler struct {
	g    *gateway
	pool *workerPool
}

func (s *scheduler) run(n int) {
	for i := 0; i < n; i++ {
		job := i
		s.pool.Go(func() { s.compactSegment(job) })
	}
	aboutToBlock()
	s.pool.wg.Wait()
}

//go:noinline
func (s *scheduler) compactSegment(job int) {
	withRetry(3, func(attempt int) error {
		aboutToBlock()
		time.Sleep(forever) // throttled by the disk budget
		return nil
	})
}

func withRetry(n int, op func(attempt int) error) {
	for i := 0; i < n; i++ {
		if op(i) == nil {
			return
		}
	}
}

// ---- tail: many readers of one os.Pipe ----

type tailer struct {
	id int
	g  *gateway
}

//go:noinline
func (t *tailer) follow() int {
	aboutToBlock()
	sc := bufio.NewScanner(t.g.spoolR)
	n := 0
	for sc.Scan() {
		n++
	}
	return n
}

func (g *gateway) tailSpool(id int) {
	t := &tailer{id: id, g: g}
	fmt.Println(t.follow())
}

// ---- lease: writers behind a reader, readers behind the writers ----

type leaseTable struct {
	g      *gateway
	owners map[string]int
}

//go:noinline
func (l *leaseTable) expire(now int64) {
	aboutToBlock()
	l.g.leaseMu.Lock()
	defer l.g.leaseMu.Unlock()
	for k := range l.owners {
		delete(l.owners, k)
	}
}

//go:noinline
func (l *leaseTable) owner(key string) int {
	aboutToBlock()
	l.g.leaseMu.RLock()
	defer l.g.leaseMu.RUnlock()
	return l.owners[key]
}

func (g *gateway) expireLeases(id int) error {
	l := &leaseTable{g: g}
	l.expire(int64(id))
	return nil
}

func (g *gateway) leaseOwner(id int) error {
	l := &leaseTable{g: g}
	fmt.Println(l.owner("lease-" + strconv.Itoa(id%97)))
	return nil
}

// ---- tls: sync.Once whose init never returns ----

func (g *gateway) loadCertificates() {
	time.Sleep(forever) // the key store never answers
}

//go:noinline
func (g *gateway) tlsConfig() string {
	g.initOnce.Do(g.loadCertificates)
	return "tls1.3"
}

func (g *gateway) handshake(id int) {
	aboutToBlock()
	fmt.Println(id, g.tlsConfig())
}

// ---- the race ----

func (g *gateway) renewSessions(node int64) {
	for i := 0; ; i++ {
		g.sessions["session-"+strconv.Itoa(i%97)] = node // unsynchronised
	}
}

// launch starts n goroutines of one kind ("created by main.(*gateway).launch"
// at a different line for each kind; handlers, subscribers and pool workers
// are created by other goroutines instead).
func (g *gateway) launch(kind string, n int) {
	switch kind {
	case "handler":
		l := &listener{g: g}
		go l.acceptLoop(n)
	case "subscriber":
		go g.startSubscribers(n)
	case "pool":
		s := &scheduler{g: g, pool: &workerPool{}}
		go s.run(n)
	}
	for i := 0; i < n; i++ {
		id := i
		switch kind {
		case "quote":
			go g.serveQuote(id)
		case "reload":
			go g.reloadCatalog(id)
		case "dispatch":
			c := &controlPlane{id: id, g: g}
			go g.supervised("control", func() error { return c.serve() })
		case "resolve":
			go g.refreshUpstream(id)
		case "warmup":
			w := &warmer{g: g}
			go g.supervised("warmup", func() error { return w.start(id) })
		case "publish":
			w := &worker{id: id, g: g}
			go g.supervised("worker", w.loop)
		case "upload":
			go g.supervised("upload", func() error { return g.upload(id) })
		case "batch":
			go g.supervised("batch", func() error { return g.flushBatch(id) })
		case "rpc":
			go g.syncInventory(id)
		case "export":
			go g.exportSpans(id)
		case "index":
			go g.reindexShard(id)
		case "migrate":
			go g.supervised("migrate", func() error { return g.migrate(id) })
		case "audit":
			go g.supervised("audit", func() error { return g.recordLogin(id) })
		case "keepalive":
			go g.keepaliveLoop(id)
		case "metrics":
			go g.supervised("metrics", func() error { return g.runMetrics(id) })
		case "tail":
			go g.tailSpool(id)
		case "lease-writer":
			go g.supervised("lease-expiry", func() error { return g.expireLeases(id) })
		case "lease-reader":
			go g.supervised("lease-lookup", func() error { return g.leaseOwner(id) })
		case "tls":
			go g.handshake(id)
		}
	}
}

// writerQueued: a writer is queued on leaseMu when new readers can no
// longer get in (the auditor holds a read lock throughout)
func (g *gateway) writerQueued() bool {
	if g.leaseMu.TryRLock() {
		g.leaseMu.RUnlock()
		return false
	}
	return true
}

type shape struct {
	kind   string
	weight int
}

var shapes = []shape{
	{"handler", 140}, {"quote", 80}, {"reload", 5}, {"subscriber", 100},
	{"dispatch", 80}, {"resolve", 70}, {"warmup", 30}, {"publish", 60},
	{"upload", 40}, {"batch", 30}, {"rpc", 60}, {"export", 30},
	{"index", 60}, {"migrate", 10}, {"audit", 10}, {"keepalive", 10},
	{"metrics", 20}, {"pool", 60}, {"tail", 10},
	{"lease-writer", 5}, {"lease-reader", 40}, // writers first: readers queue behind them
	{"tls", 20},
}

// fixed goroutines besides the shapes: main, watchdog, compactor, auditor,
// accept loop, subscriber spawner, scheduler, two renewers
const fixed = 9

func main() {
	total := flag.Int("goroutines", 50000, "goroutines in the dump (at least 40)")
	watchdog := flag.Duration("watchdog", 120*time.Second, "exit 3 if no crash by then")
	flag.Parse()
	if *total < fixed+len(shapes) {
		fmt.Fprintf(os.Stderr, "-goroutines must be at least %d\n", fixed+len(shapes))
		os.Exit(1)
	}

	go func() {
		time.Sleep(*watchdog)
		fmt.Fprintln(os.Stderr, "watchdog: no crash")
		os.Exit(3)
	}()

	// share the bulk out by weight; every shape gets at least one, the
	// handlers take the rounding
	bulk := *total - fixed
	weights := 0
	for _, s := range shapes {
		weights += s.weight
	}
	counts := make([]int, len(shapes))
	assigned := 0
	for i, s := range shapes {
		counts[i] = bulk * s.weight / weights
		if counts[i] < 1 {
			counts[i] = 1
		}
		assigned += counts[i]
	}
	counts[0] += bulk - assigned
	if counts[0] < 1 {
		fmt.Fprintln(os.Stderr, "-goroutines too small")
		os.Exit(1)
	}
	// every bulk goroutine and the three spawners report before blocking
	parked.Add(bulk + 3)

	g := newGateway()
	locked := make(chan struct{})
	go (&compactor{g: g}).run(locked)
	<-locked
	go g.auditLeases(locked)
	<-locked

	t0 := time.Now()
	for i, s := range shapes {
		g.launch(s.kind, counts[i])
		if s.kind == "lease-writer" {
			for deadline := time.Now().Add(10 * time.Second); !g.writerQueued() && time.Now().Before(deadline); {
				time.Sleep(time.Millisecond)
			}
		}
	}
	parked.Wait()
	elapsed := time.Since(t0)
	// they have all reached their blocking call; give them time to park
	time.Sleep(300*time.Millisecond + time.Duration(*total)*10*time.Microsecond)
	fmt.Printf("dumpgen: %d goroutines up (runtime.NumGoroutine), parked in %v; starting the renewers\n",
		runtime.NumGoroutine(), elapsed.Round(time.Millisecond))

	go g.renewSessions(1)
	go g.renewSessions(2)
	select {}
}
