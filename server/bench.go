package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
)

// Benchmark-only additions to the handler (see BenchHandler). None of them
// exists unless benkan serve runs with BENKAN_BENCH=1.
const (
	// HeaderSQLStatements is the response header carrying the number of SQL
	// statements a /graphql request issued.
	HeaderSQLStatements = "X-Benkan-SQL-Statements"
	// HeaderSQLStatementsViewer is the response header carrying how many of
	// those statements loaded the viewer in authentication (0 when its
	// cache was warm); the rest are the GraphQL operation's.
	HeaderSQLStatementsViewer = "X-Benkan-SQL-Statements-Viewer"
	// HeaderBenchKey names the operation a request belongs to, for the
	// statement log of /debug/bench; the GraphQL operationName when absent.
	HeaderBenchKey = "X-Benkan-Bench-Key"
	// BenchPath answers GET with BenchReport as JSON; POST BenchPath+"/reset"
	// forgets the statement log and resets the peak resident memory.
	BenchPath = "/debug/bench"
)

// Bench configures the benchmark-only additions to the handler.
type Bench struct {
	// NoAccessControl runs every /graphql request as benkan itself
	// (policy.SystemContext): no authentication, no row filter. The GraphQL
	// server must also be built without its Access extension (no field
	// masks): see graph.Config.NoAccessControl.
	NoAccessControl bool
	// NoReadAudit says that the GraphQL server was built without the audit
	// of sensitive reads (graph.Config.NoReadAudit), for /debug/bench to
	// report it.
	NoReadAudit bool
}

// BenchReport is what GET /debug/bench answers.
type BenchReport struct {
	// PeakRSSBytes is the process's peak resident memory (VmHWM of
	// /proc/self/status) since it started or since the last reset.
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	// RSSBytes is its current resident memory (VmRSS).
	RSSBytes int64 `json:"rss_bytes"`
	// HeapBytes is the Go heap in use (runtime.MemStats.HeapAlloc).
	HeapBytes uint64 `json:"heap_bytes"`
	// Goroutines is the number of goroutines.
	Goroutines int `json:"goroutines"`
	// CPUSeconds is the CPU time the process has used since it started,
	// user and system (getrusage): the harness divides its growth over a
	// measured run by the requests answered, the server's CPU per request.
	CPUSeconds float64 `json:"cpu_seconds"`
	// Mallocs and AllocBytes are the heap objects and bytes allocated since
	// the process started (runtime.MemStats.Mallocs, TotalAlloc), for the
	// allocations per request the same way.
	Mallocs    uint64 `json:"mallocs"`
	AllocBytes uint64 `json:"alloc_bytes"`
	// NoAccessControl says whether access control is off.
	NoAccessControl bool `json:"no_access_control"`
	// NoReadAudit says whether sensitive reads go unaudited.
	NoReadAudit bool `json:"no_read_audit"`
	// Operations are the /graphql requests seen since the last reset, by
	// operation (HeaderBenchKey or the operationName).
	Operations map[string]*BenchOperation `json:"operations"`
}

// BenchOperation sums up the requests of one operation.
type BenchOperation struct {
	// Requests is the number of requests.
	Requests int64 `json:"requests"`
	// Statements is the number of SQL statements they issued in all,
	// loading viewers included.
	Statements int64 `json:"statements"`
	// MinStatements and MaxStatements bound the statements of one request,
	// loading the viewer included.
	MinStatements int `json:"min_statements"`
	MaxStatements int `json:"max_statements"`
	// Last are the statements of the GraphQL operation of the last request
	// (loading the viewer left out), in order, with their arguments: what
	// the raw-SQL baseline replays.
	Last []storage.Statement `json:"last"`

	// last is the recording of the last request: its statements are
	// turned into Last only when reported, not on every request (that
	// conversion prints every argument, the audit's JSON lists of ids
	// included, and cost a tenth of the server's CPU under load).
	last *storage.Recording
}

// BenchHandler is Handler(cfg) with the benchmark-only additions: each
// /graphql request's SQL statements are counted (the database driver must
// be wrapped with storage.RecordStatements) and returned in the
// X-Benkan-SQL-Statements header; /debug/bench reports the peak and current
// resident memory and the statements of the last request of each
// operation; and, with b.NoAccessControl, requests skip authentication and
// row filters.
func BenchHandler(cfg Config, b Bench) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if gql := cfg.GraphQL; gql != nil {
		// Statements from here on are the operation's; those before loaded
		// the viewer in authentication.
		cfg.GraphQL = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			storage.RecordingFrom(r.Context()).Mark()
			gql.ServeHTTP(w, r)
		})
	}
	inner := Handler(cfg)
	st := &benchState{ops: map[string]*BenchOperation{}, noAccessControl: b.NoAccessControl, noReadAudit: b.NoReadAudit}
	maxBody := cfg.MaxBodyBytes
	if maxBody == 0 {
		maxBody = 1 << 20
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+BenchPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st.report())
	})
	mux.HandleFunc("POST "+BenchPath+"/reset", func(w http.ResponseWriter, _ *http.Request) {
		st.reset()
		// Writing 5 to clear_refs resets VmHWM to the current RSS (Linux).
		err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"peak_reset": err == nil})
	})
	mux.HandleFunc("/graphql", func(w http.ResponseWriter, r *http.Request) {
		ctx, rec := storage.Track(r.Context())
		if b.NoAccessControl {
			ctx = policy.SystemContext(ctx)
		}
		r = r.WithContext(ctx)
		if b.NoAccessControl {
			r.Header = r.Header.Clone()
			r.Header.Del("Authorization")
		}
		key := r.Header.Get(HeaderBenchKey)
		if key == "" {
			key = operationName(r, maxBody)
		}
		hw := &countingWriter{ResponseWriter: w, rec: rec}
		inner.ServeHTTP(hw, r)
		st.add(key, rec)
	})
	mux.Handle("/", inner)
	return mux
}

// operationName reads the GraphQL operationName of a request, restoring
// its body for the handler.
func operationName(r *http.Request, maxBody int64) string {
	if r.Method == http.MethodGet {
		return r.URL.Query().Get("operationName")
	}
	if r.Body == nil {
		return ""
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), r.Body))
	if err != nil {
		return ""
	}
	var req struct {
		OperationName string `json:"operationName"`
	}
	_ = json.Unmarshal(body, &req)
	return req.OperationName
}

// countingWriter sets the statement header just before the response's
// header is written: by then the GraphQL response is complete.
type countingWriter struct {
	http.ResponseWriter
	rec   *storage.Recording
	wrote bool
}

func (c *countingWriter) setHeader() {
	if !c.wrote {
		c.wrote = true
		total, viewer := c.rec.Count()
		h := c.ResponseWriter.Header()
		h.Set(HeaderSQLStatements, strconv.Itoa(total))
		h.Set(HeaderSQLStatementsViewer, strconv.Itoa(viewer))
	}
}

func (c *countingWriter) WriteHeader(code int) {
	c.setHeader()
	c.ResponseWriter.WriteHeader(code)
}

func (c *countingWriter) Write(b []byte) (int, error) {
	c.setHeader()
	return c.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

type benchState struct {
	noAccessControl bool
	noReadAudit     bool
	mu              sync.Mutex
	ops             map[string]*BenchOperation
}

func (s *benchState) add(key string, rec *storage.Recording) {
	n, _ := rec.Count()
	s.mu.Lock()
	defer s.mu.Unlock()
	op := s.ops[key]
	if op == nil {
		op = &BenchOperation{MinStatements: n}
		s.ops[key] = op
	}
	op.Requests++
	op.Statements += int64(n)
	op.MinStatements = min(op.MinStatements, n)
	op.MaxStatements = max(op.MaxStatements, n)
	op.last = rec
}

func (s *benchState) reset() {
	s.mu.Lock()
	s.ops = map[string]*BenchOperation{}
	s.mu.Unlock()
}

func (s *benchState) report() *BenchReport {
	rep := &BenchReport{NoAccessControl: s.noAccessControl, NoReadAudit: s.noReadAudit, Goroutines: runtime.NumGoroutine()}
	rep.PeakRSSBytes, rep.RSSBytes = ProcessMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rep.HeapBytes = ms.HeapAlloc
	rep.Mallocs, rep.AllocBytes = ms.Mallocs, ms.TotalAlloc
	rep.CPUSeconds = processCPU()
	s.mu.Lock()
	defer s.mu.Unlock()
	rep.Operations = make(map[string]*BenchOperation, len(s.ops))
	for k, op := range s.ops {
		c := *op
		c.Last = op.last.Statements()
		rep.Operations[k] = &c
	}
	return rep
}

// ProcessMemory returns the peak (VmHWM) and current (VmRSS) resident
// memory of the process in bytes, from /proc/self/status; zeros where it
// cannot tell (not Linux).
func ProcessMemory() (peak, current int64) {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	return parseStatus(f)
}

// parseStatus reads VmHWM and VmRSS ("VmHWM:	  123456 kB") from a
// /proc/PID/status file.
func parseStatus(r io.Reader) (peak, current int64) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmHWM" && name != "VmRSS") {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		kb, err := strconv.ParseInt(fields[0], 10, 64)
		if err != nil {
			continue
		}
		if name == "VmHWM" {
			peak = kb * 1024
		} else {
			current = kb * 1024
		}
	}
	return peak, current
}
