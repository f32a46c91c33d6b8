// Package bench is benkan's benchmark harness (issue 4): it runs the fixed
// dashboard operations at a given concurrency against a benkan server in
// bench mode (BENKAN_BENCH=1), for each role, and measures in the same run
// two baselines: the SQL the server issued, replayed directly against
// PostgreSQL from Go (the raw-SQL floor), and the same operations against a
// second server with access control switched off (--no-access-control).
//
// It reports, per operation and role, requests per second, p50/p95/p99
// latency, SQL statements per request and the server's peak resident
// memory, as a table and as JSON, with the ratios server ÷ raw SQL and the
// access-control overhead (1 − on/off), and checks the targets of issue 4.
//
// Every loop is bounded in time and in requests, and the harness only talks
// to loopback addresses.
package bench

import (
	"cmp"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/benkan-project/benkan/storage"
)

// Config of a run.
type Config struct {
	// URL is a running server in bench mode; empty with Start.
	URL string
	// URLOff is a running server with --no-access-control, for the
	// "access control off" baseline; empty with Start, or to skip it.
	URLOff string
	// URLNoAudit is a running server with --no-read-audit, for the
	// baseline of the audit of sensitive reads; empty to skip it (with
	// Start, ReadAuditBaseline starts one).
	URLNoAudit string
	// ReadAuditBaseline, with Start, starts a third server with
	// --no-read-audit and measures every operation on it too.
	ReadAuditBaseline bool
	// Start starts both servers as child processes of Binary, one after
	// the other, with a fresh secret.
	Start bool
	// Binary is the benkan binary Start runs; when empty, Build makes one.
	Binary string
	// Build builds the benkan binary into dir and returns its path.
	Build func(ctx context.Context, dir string) (string, error)
	// DatabaseURL is the PostgreSQL database the servers serve: the
	// harness reads the users per role from it and replays SQL on it.
	DatabaseURL string
	// TokensFrom says where tokens come from without Start: "env" signs
	// them with BENKAN_JWT_SECRET for the users found in the database; any
	// other value is a file of "role token" lines.
	TokensFrom string
	// Subjects overrides the user the harness acts as, by role.
	Subjects map[string]string
	// Roles and Operations to run (all when empty).
	Roles      []string
	Operations []string
	// Load is the concurrency and duration of each measured run.
	Load Load
	// Repeat measures each operation, role and mode this many times (one
	// mode after the other) and keeps the run of median throughput.
	Repeat int
	// Quarter is the quarter of the activities operation.
	Quarter Quarter
	// JSONPath, if set, receives the report as JSON.
	JSONPath string
	// ProfileDir, if set (with Start), receives a CPU profile of the
	// server (access control on) for each operation and role.
	ProfileDir string
	// ExplainPath, if set, receives EXPLAIN (ANALYZE, BUFFERS) of every
	// read statement the server issued, per operation and role.
	ExplainPath string
	// ServerLogLevel is the --log-level of started servers.
	ServerLogLevel string
	// Log receives progress; Out the table.
	Log, Out io.Writer
}

// Mode names the three ways an operation is measured.
const (
	ModeServer = "server"            // benkan with access control
	ModeRawSQL = "raw_sql"           // the server's SQL replayed from Go
	ModeOff    = "no_access_control" // benkan with --no-access-control
	// ModeNoAudit is benkan with access control but --no-read-audit: the
	// baseline of the cost of auditing sensitive reads.
	ModeNoAudit = "no_read_audit"
)

// Result is one operation measured for one role in one mode.
type Result struct {
	Operation string `json:"operation"`
	Role      string `json:"role"`
	Mode      string `json:"mode"`
	Measured
	// PeakRSSBytes is the server's peak resident memory during this run.
	PeakRSSBytes int64 `json:"peak_rss_bytes,omitempty"`
	// Statements are the SQL statements of the last request (server mode).
	Statements []storage.Statement `json:"statements,omitempty"`
	// SkippedWrites are statements the raw-SQL replay left out.
	SkippedWrites int `json:"skipped_writes,omitempty"`
	// RPSRuns is the throughput of each repetition; the figures above are
	// those of the run of median throughput.
	RPSRuns []float64 `json:"rps_runs,omitempty"`
	// CPUPerRequest is the server process's CPU time (user and system,
	// every thread) over the measured run divided by the requests it
	// answered, in milliseconds: the median over the repetitions. Zero for
	// the raw-SQL floor and where the server cannot tell.
	CPUPerRequest float64 `json:"cpu_ms_per_request,omitempty"`
	// AllocsPerRequest and AllocBytesPerRequest are the Go heap
	// allocations of the server over the run per request (medians too).
	AllocsPerRequest     float64 `json:"allocs_per_request,omitempty"`
	AllocBytesPerRequest float64 `json:"alloc_bytes_per_request,omitempty"`
	// DBCPUPerRequest is the CPU time of the PostgreSQL backends serving
	// this mode's connections (told apart by application_name, read from
	// /proc) over the run per request, in milliseconds (median): the
	// database's side of the work, which shares this machine's CPUs.
	DBCPUPerRequest float64 `json:"db_cpu_ms_per_request,omitempty"`

	notes []string
}

// PageSizeCheck is the feed's statement count at several page sizes.
type PageSizeCheck struct {
	Role       string      `json:"role"`
	Statements map[int]int `json:"statements_by_page_size"`
	// Errors are the page sizes whose one request failed (a TIMEOUT, say),
	// with the error: their count is not known. The run goes on and its
	// report is written all the same; Run then returns the failure.
	Errors map[int]string `json:"errors_by_page_size,omitempty"`
}

// Report is the outcome of a run.
type Report struct {
	Started   time.Time         `json:"started"`
	Machine   Machine           `json:"machine"`
	Incidents int               `json:"incidents"`
	Load      Load              `json:"load"`
	Subjects  map[string]string `json:"subjects"`
	Results   []*Result         `json:"results"`
	Ratios    []Ratios          `json:"ratios"`
	PageSizes []PageSizeCheck   `json:"page_sizes"`
	// PeakRSSBytes is the highest peak resident memory of the server with
	// access control over the run; PeakRSSOffBytes that without.
	PeakRSSBytes    int64    `json:"peak_rss_bytes"`
	PeakRSSOffBytes int64    `json:"peak_rss_off_bytes,omitempty"`
	Targets         []Target `json:"targets"`
	// Protection is the cost of disclosure control of each aggregate
	// operation measured for both AggregateRoles.
	Protection []ProtectionCost `json:"protection,omitempty"`
	Notes      []string         `json:"notes"`
}

// Ratios compares the modes of one operation and role.
type Ratios struct {
	Operation string `json:"operation"`
	Role      string `json:"role"`
	// ServerOverRaw is server ÷ raw-SQL throughput: the median over the
	// repetitions of each one's ratio (see PairedMedian).
	ServerOverRaw *float64 `json:"server_over_raw_sql"`
	// Overhead is the access-control overhead, 1 − on/off throughput,
	// likewise the median of the repetitions' own.
	Overhead *float64 `json:"access_control_overhead"`
	// ReadAuditOverhead is the cost of auditing sensitive reads, 1 −
	// on/no-read-audit throughput, likewise paired; nil unless measured.
	ReadAuditOverhead *float64 `json:"read_audit_overhead,omitempty"`
}

func (r *Report) result(op, role, mode string) *Result {
	for _, x := range r.Results {
		if x.Operation == op && x.Role == role && x.Mode == mode {
			return x
		}
	}
	return nil
}

func (r *Report) note(format string, args ...any) {
	r.Notes = append(r.Notes, fmt.Sprintf(format, args...))
}

// pageSizes are the feed page sizes whose statement counts are compared.
var pageSizes = []int{10, FeedPageSize, 200}

// Run runs the benchmark.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if cfg.Log == nil {
		cfg.Log = io.Discard
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.ServerLogLevel == "" {
		cfg.ServerLogLevel = "info"
	}
	roles, ops, err := selection(cfg)
	if err != nil {
		return nil, err
	}
	if !cfg.Start && cfg.URL == "" {
		return nil, errors.New("give --url of a running server in bench mode (BENKAN_BENCH=1), or --start")
	}
	if cfg.Start && (cfg.URL != "" || cfg.URLOff != "" || cfg.URLNoAudit != "") {
		return nil, errors.New("--start starts the servers itself: leave out --url, --url-off and --url-no-audit")
	}
	if cfg.ReadAuditBaseline && !cfg.Start {
		return nil, errors.New("--read-audit-baseline starts a server with --no-read-audit: give --start, or --url-no-audit of a running one")
	}
	if cfg.DatabaseURL == "" {
		return nil, errors.New("--database-url is required: the harness finds the users per role there and replays SQL on it")
	}
	rawDSN, err := withAppName(cfg.DatabaseURL, rawSQLName)
	if err != nil {
		return nil, err
	}
	if rawDSN, err = withBinaryParameters(rawDSN); err != nil {
		return nil, err
	}
	db, err := openDatabase(ctx, rawDSN, cfg.Load.Concurrency)
	if err != nil {
		return nil, err
	}
	defer db.Close()

	rep := &Report{Started: time.Now().UTC(), Machine: thisMachine(), Load: cfg.Load, Subjects: map[string]string{}}
	_ = db.QueryRowContext(ctx, "SHOW server_version").Scan(&rep.Machine.PostgreSQL)
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM incidents").Scan(&rep.Incidents); err != nil {
		return nil, fmt.Errorf("count incidents: %w", err)
	}
	subjects, err := subjectsByRole(ctx, db)
	if err != nil {
		return nil, err
	}
	for role, s := range cfg.Subjects {
		subjects[role] = s
	}
	var active []string
	for _, role := range roles {
		if subjects[role] == "" {
			rep.note("role %s: no user holds it in the database; skipped", role)
			continue
		}
		rep.Subjects[role] = subjects[role]
		active = append(active, role)
	}
	if len(active) == 0 {
		return nil, errors.New("no user of the database holds any of the roles (seed it with `benkan seed --synthetic N`)")
	}

	tmp, err := os.MkdirTemp("", "benkan-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)

	var tokens map[string]string
	var opts childOptions
	switch {
	case cfg.Start:
		opts = childOptions{binary: cfg.Binary, databaseURL: cfg.DatabaseURL, secret: freshSecret(),
			logLevel: cfg.ServerLogLevel, logDir: tmp, pprof: cfg.ProfileDir != ""}
		if opts.binary == "" {
			if cfg.Build == nil {
				return nil, errors.New("no benkan binary: give --benkan")
			}
			fmt.Fprintln(cfg.Log, "building benkan…")
			if opts.binary, err = cfg.Build(ctx, tmp); err != nil {
				return nil, err
			}
		}
		tokens, err = signTokens([]byte(opts.secret), rep.Subjects, 2*time.Hour)
	case cfg.TokensFrom == "" || cfg.TokensFrom == "env":
		secret := os.Getenv("BENKAN_JWT_SECRET")
		if secret == "" {
			return nil, errors.New("--tokens-from env: BENKAN_JWT_SECRET (the server's secret) is not set")
		}
		tokens, err = signTokens([]byte(secret), rep.Subjects, 2*time.Hour)
	default:
		tokens, err = readTokenFile(cfg.TokensFrom)
	}
	if err != nil {
		return nil, err
	}

	// Both servers run side by side (the idle one costs nothing), so that
	// the three modes of each operation and role are measured one after
	// the other, minutes apart at most, on a machine in the same state.
	fmt.Fprintf(cfg.Log, "%d incidents; roles: %v; %d clients, %s per run (after %s of warm-up), %d repetition(s)\n",
		rep.Incidents, active, cfg.Load.Concurrency, cfg.Load.Duration, cfg.Load.Warmup, cfg.Repeat)
	on, err := connect(ctx, cfg, opts, "server", cfg.URL, variant{})
	if err != nil {
		return nil, err
	}
	defer on.stop()
	var off *endpoint
	if cfg.Start || cfg.URLOff != "" {
		if off, err = connect(ctx, cfg, opts, "server-no-access-control", cfg.URLOff, variant{noAccessControl: true}); err != nil {
			return nil, err
		}
		defer off.stop()
	} else {
		rep.note("access control off: no --url-off given (nor --start); baseline not measured")
	}
	var noAudit *endpoint
	if cfg.ReadAuditBaseline || cfg.URLNoAudit != "" {
		if noAudit, err = connect(ctx, cfg, opts, "server-no-read-audit", cfg.URLNoAudit, variant{noReadAudit: true}); err != nil {
			return nil, err
		}
		defer noAudit.stop()
	}
	for _, role := range active {
		for _, op := range ops {
			if len(op.Roles) > 0 && !slices.Contains(op.Roles, role) {
				continue
			}
			v, err := variables(ctx, on.cl, op, tokens[role], cfg.Quarter)
			if err != nil {
				return nil, fmt.Errorf("%s as %s: %w", op.Name, role, err)
			}
			if v == nil {
				rep.note("%s as %s: the feed shows this role no incident, so there is no id to ask for; skipped", op.Name, role)
				continue
			}
			if err := measureAll(ctx, cfg, rep, db, on, off, noAudit, op, role, v, tokens[role]); err != nil {
				return nil, err
			}
		}
	}
	if err := checkPageSizes(ctx, rep, on, active, tokens); err != nil {
		return nil, err // a request that could not be built, not one that failed
	}
	on.stop()
	off.stop()
	noAudit.stop()
	if cfg.ExplainPath != "" {
		if err := writeExplain(ctx, db, cfg.ExplainPath, rep); err != nil {
			return nil, err
		}
	}

	for _, role := range active {
		for _, op := range ops {
			srv := rep.result(op.Name, role, ModeServer)
			if srv == nil {
				continue
			}
			r := Ratios{Operation: op.Name, Role: role}
			// Each repetition measured the modes one right after the other:
			// the ratios are the medians of the repetitions' own ratios.
			if raw := rep.result(op.Name, role, ModeRawSQL); raw != nil {
				r.ServerOverRaw = num(paired(srv, raw, Ratio))
			}
			if off := rep.result(op.Name, role, ModeOff); off != nil {
				r.Overhead = num(paired(srv, off, Overhead))
			}
			if na := rep.result(op.Name, role, ModeNoAudit); na != nil {
				r.ReadAuditOverhead = num(paired(srv, na, Overhead))
			}
			rep.Ratios = append(rep.Ratios, r)
		}
	}
	rep.Protection = protectionCosts(rep, ops)
	for _, r := range rep.Results {
		rep.Notes = append(rep.Notes, r.notes...)
		if r.Abandoned > 0 {
			rep.note("%s as %s (%s): %d requests still running a grace period after the end of the run were abandoned",
				r.Operation, r.Role, r.Mode, r.Abandoned)
		}
		if r.PartialErrors > 0 {
			rep.note("%s as %s (%s): %d of %d responses carried GraphQL errors next to their data, e.g. %s",
				r.Operation, r.Role, r.Mode, r.PartialErrors, r.Requests, r.FirstPartialError)
		}
	}
	rep.Targets = checkTargets(rep)
	printReport(cfg.Out, rep)
	if cfg.JSONPath != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return rep, err
		}
		if err := os.WriteFile(cfg.JSONPath, append(b, '\n'), 0o644); err != nil {
			return rep, err
		}
	}
	return rep, failures(rep)
}

func writeExplain(ctx context.Context, db *sql.DB, path string, rep *Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := explain(ctx, db, f, rep); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// failures fails a run in which a request failed or an operation did not
// complete a single request: its figures would mean nothing. A failed
// page-size check fails it too, after the report is written.
func failures(rep *Report) error {
	var errs []error
	for _, r := range rep.Results {
		if r.Errors > 0 || r.Requests == 0 {
			errs = append(errs, fmt.Errorf("%s as %s (%s): %d requests, %d errors; first: %s", r.Operation, r.Role, r.Mode, r.Requests, r.Errors, r.FirstError))
		}
	}
	for _, pc := range rep.PageSizes {
		for _, n := range slices.Sorted(maps.Keys(pc.Errors)) {
			errs = append(errs, fmt.Errorf("feed of %d as %s: %s", n, pc.Role, pc.Errors[n]))
		}
	}
	return errors.Join(errs...)
}

func selection(cfg Config) ([]string, []Operation, error) {
	roles := Roles
	if len(cfg.Roles) > 0 {
		for _, r := range cfg.Roles {
			if !slices.Contains(Roles, r) {
				return nil, nil, fmt.Errorf("unknown role %q (roles: %v)", r, Roles)
			}
		}
		roles = cfg.Roles
	}
	ops := Operations
	if len(cfg.Operations) > 0 {
		ops = nil
		for _, name := range cfg.Operations {
			i := slices.IndexFunc(Operations, func(o Operation) bool { return o.Name == name })
			if i < 0 {
				return nil, nil, fmt.Errorf("unknown operation %q (feed, feed-sensitive, incident, activities, agg-cercle-month, agg-cercle-month-reported, agg-type-gender, agg-people)", name)
			}
			ops = append(ops, Operations[i])
		}
	}
	return roles, ops, nil
}

func freshSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// endpoint is a server under measurement: started by the harness or not.
type endpoint struct {
	cl    *client
	child *child
}

// stop stops the server if the harness started it; it may be called again.
func (s *endpoint) stop() {
	if s == nil {
		return
	}
	if s.cl != nil {
		s.cl.close()
	}
	s.child.stop()
}

// variant says which baseline a server is: access control off, or the
// audit of reads off; the zero value is the server measured.
type variant struct{ noAccessControl, noReadAudit bool }

// connect returns the server to measure: the running one at url, or a child
// started now.
func connect(ctx context.Context, cfg Config, opts childOptions, name, url string, v variant) (*endpoint, error) {
	s := &endpoint{}
	noAccessControl := v.noAccessControl
	if cfg.Start {
		opts.noAccessControl = noAccessControl
		opts.noReadAudit = v.noReadAudit
		fmt.Fprintf(cfg.Log, "starting %s…\n", name)
		c, err := startChild(ctx, name, opts)
		if err != nil {
			return nil, err
		}
		s.child, url = c, c.url
	}
	cl, err := newClient(url, cfg.Load.Concurrency)
	if err != nil {
		s.child.stop()
		return nil, err
	}
	s.cl = cl
	rep, err := cl.benchReport(ctx)
	if err == nil && rep.NoAccessControl != noAccessControl {
		err = fmt.Errorf("server at %s: no_access_control is %v, want %v", url, rep.NoAccessControl, noAccessControl)
	}
	if err == nil && rep.NoReadAudit != v.noReadAudit {
		err = fmt.Errorf("server at %s: no_read_audit is %v, want %v", url, rep.NoReadAudit, v.noReadAudit)
	}
	if err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

// variables returns the variables of op for a role: for the incident by
// id, the newest incident of the role's feed (nil when it sees none).
func variables(ctx context.Context, cl *client, op Operation, token string, q Quarter) (map[string]any, error) {
	switch op.Name {
	case Feed.Name, FeedSensitive.Name:
		return map[string]any{"first": FeedPageSize}, nil
	case Activities.Name:
		return map[string]any{"from": q.From.Format(time.RFC3339), "to": q.To.Format(time.RFC3339)}, nil
	case AggregateCercleMonth.Name, AggregateCercleMonthReported.Name, AggregateTypeGender.Name, AggregatePeople.Name:
		// The whole calendar year of the quarter: a range DIHR's disclosure
		// control accepts (whole years only).
		from := time.Date(q.From.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		v := map[string]any{"from": from.Format(time.RFC3339), "to": from.AddDate(1, 0, 0).Format(time.RFC3339)}
		for k, x := range op.Vars {
			v[k] = x
		}
		return v, nil
	case IncidentByID.Name:
		req, err := newRequest(Feed, map[string]any{"first": 1}, token, "setup")
		if err != nil {
			return nil, err
		}
		var data struct {
			Incidents struct {
				Edges []struct {
					Node struct {
						ID string `json:"id"`
					} `json:"node"`
				} `json:"edges"`
			} `json:"incidents"`
		}
		if s := cl.do(ctx, req, &data); s.err != nil {
			return nil, s.err
		}
		if len(data.Incidents.Edges) == 0 {
			return nil, nil
		}
		return map[string]any{"id": data.Incidents.Edges[0].Node.ID}, nil
	}
	return nil, fmt.Errorf("unknown operation %s", op.Name)
}

// measureAll measures one operation for one role in the three modes, one
// after the other, cfg.Repeat times, and keeps for each mode the run of
// median throughput.
func measureAll(ctx context.Context, cfg Config, rep *Report, db *sql.DB, on, off, noAudit *endpoint,
	op Operation, role string, vars map[string]any, token string) error {
	key := op.Name + "/" + role
	req, err := newRequest(op, vars, token, key)
	if err != nil {
		return err
	}
	var srv, raw, noac, unaudited []*Result
	for i := range max(cfg.Repeat, 1) {
		r, err := measureOne(ctx, cfg, db, on, ModeServer, op, role, req, i == 0)
		if err != nil {
			return err
		}
		srv = append(srv, r)
		stmts, skipped := replayable(r.Statements)
		if len(stmts) > 0 {
			fmt.Fprintf(cfg.Log, "%-10s %-16s %-18s ", op.Name, role, ModeRawSQL)
			replayDo := func(ctx context.Context) sample { return replay(ctx, db, stmts) }
			if cfg.Load.Warmup > 0 {
				drive(ctx, cfg.Load.Concurrency, cfg.Load.Warmup, cfg.Load.MaxRequests, replayDo)
			}
			l := cfg.Load
			l.Warmup = 0
			dbCPU := startDBCPU(ctx, db, nil)
			m := run(ctx, l, replayDo)
			dbSeconds, _ := dbCPU(ctx)
			r := &Result{Operation: op.Name, Role: role, Mode: ModeRawSQL, Measured: m, SkippedWrites: skipped}
			if n := float64(m.Requests + m.Errors + m.Abandoned); n > 0 {
				r.DBCPUPerRequest = dbSeconds * 1000 / n
			}
			fmt.Fprintf(cfg.Log, "%8.1f req/s                                                   database CPU %5.2f ms/req\n", m.RPS, r.DBCPUPerRequest)
			raw = append(raw, r)
		}
		if off != nil && !op.NoOffBaseline {
			r, err := measureOne(ctx, cfg, db, off, ModeOff, op, role, req, i == 0)
			if err != nil {
				return err
			}
			noac = append(noac, r)
		}
		if noAudit != nil {
			r, err := measureOne(ctx, cfg, db, noAudit, ModeNoAudit, op, role, req, i == 0)
			if err != nil {
				return err
			}
			unaudited = append(unaudited, r)
		}
	}
	for _, runs := range [][]*Result{srv, raw, noac, unaudited} {
		if m := median(runs); m != nil {
			rep.Results = append(rep.Results, m)
			if m.Mode == ModeServer {
				rep.PeakRSSBytes = max(rep.PeakRSSBytes, maxPeak(runs))
			} else if m.Mode == ModeOff {
				rep.PeakRSSOffBytes = max(rep.PeakRSSOffBytes, maxPeak(runs))
			}
		}
	}
	return nil
}

// paired is PairedMedian of the throughputs of two modes' runs, or f of
// their medians when the runs do not pair up.
func paired(a, b *Result, f func(x, y float64) float64) float64 {
	if v := PairedMedian(a.RPSRuns, b.RPSRuns, f); !math.IsNaN(v) {
		return v
	}
	return f(a.RPS, b.RPS)
}

// median returns the run of median throughput, with the throughput of
// every run.
func median(runs []*Result) *Result {
	if len(runs) == 0 {
		return nil
	}
	sorted := slices.Clone(runs)
	slices.SortFunc(sorted, func(a, b *Result) int { return cmp.Compare(a.RPS, b.RPS) })
	m := sorted[len(sorted)/2]
	var cpu, allocs, bytes, dbCPU []float64
	for _, r := range runs {
		m.RPSRuns = append(m.RPSRuns, r.RPS)
		cpu, allocs, bytes = append(cpu, r.CPUPerRequest), append(allocs, r.AllocsPerRequest), append(bytes, r.AllocBytesPerRequest)
		dbCPU = append(dbCPU, r.DBCPUPerRequest)
	}
	m.CPUPerRequest, m.AllocsPerRequest, m.AllocBytesPerRequest = middle(cpu), middle(allocs), middle(bytes)
	m.DBCPUPerRequest = middle(dbCPU)
	return m
}

// middle is the median of xs (the upper one of an even count).
func middle(xs []float64) float64 {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	return xs[len(xs)/2]
}

func maxPeak(runs []*Result) int64 {
	var peak int64
	for _, r := range runs {
		peak = max(peak, r.PeakRSSBytes)
	}
	return peak
}

// measureOne measures one operation for one role against s: warm-up, then
// the measured run, with a CPU profile of the server if asked; the peak
// memory is reset before and read after.
func measureOne(ctx context.Context, cfg Config, db *sql.DB, s *endpoint, mode string, op Operation, role string, req *request, profile bool) (*Result, error) {
	if err := s.cl.resetBench(ctx); err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Log, "%-10s %-16s %-18s ", op.Name, role, mode)
	do := func(ctx context.Context) sample { return s.cl.do(ctx, req, nil) }
	if cfg.Load.Warmup > 0 {
		drive(ctx, cfg.Load.Concurrency, cfg.Load.Warmup, cfg.Load.MaxRequests, do)
	}
	var prof chan error
	if profile && s.child != nil && s.child.pprof != "" {
		prof = make(chan error, 1)
		name := fmt.Sprintf("cpu-%s-%s.pprof", op.Name, role) // the server's; the baselines' carry their mode
		if mode != ModeServer {
			name = fmt.Sprintf("cpu-%s-%s-%s.pprof", op.Name, role, mode)
		}
		path := filepath.Join(cfg.ProfileDir, name)
		go func() { prof <- fetchProfile(ctx, s.child.pprof, cfg.Load.Duration, path) }()
	}
	l := cfg.Load
	l.Warmup = 0
	before, err := s.cl.benchReport(ctx)
	if err != nil {
		return nil, err
	}
	var notes []string
	if s.child == nil {
		db = nil // a server started elsewhere: its connections have no name of ours
	}
	dbCPU := startDBCPU(ctx, db, s.child)
	m := run(ctx, l, do)
	dbSeconds, dbNote := dbCPU(ctx)
	if dbNote != "" {
		notes = append(notes, fmt.Sprintf("database CPU of %s as %s (%s): %s", op.Name, role, mode, dbNote))
	}
	if prof != nil {
		if err := <-prof; err != nil {
			notes = append(notes, fmt.Sprintf("CPU profile of %s as %s: %v", op.Name, role, err))
		}
	}
	br, err := s.cl.benchReport(ctx)
	if err != nil {
		return nil, err
	}
	res := &Result{Operation: op.Name, Role: role, Mode: mode, Measured: m, PeakRSSBytes: br.PeakRSSBytes, notes: notes}
	if bo := br.Operations[req.key]; bo != nil && mode == ModeServer {
		res.Statements = bo.Last
	}
	if n := float64(m.Requests + m.Errors + m.Abandoned); n > 0 && br.CPUSeconds > 0 {
		// Every request sent in the run, answered or not, used the
		// server's CPU; the two reports themselves are a rounding error.
		res.CPUPerRequest = (br.CPUSeconds - before.CPUSeconds) * 1000 / n
		res.AllocsPerRequest = float64(br.Mallocs-before.Mallocs) / n
		res.AllocBytesPerRequest = float64(br.AllocBytes-before.AllocBytes) / n
	}
	if n := float64(m.Requests + m.Errors + m.Abandoned); n > 0 {
		res.DBCPUPerRequest = dbSeconds * 1000 / n
	}
	fmt.Fprintf(cfg.Log, "%8.1f req/s  p99 %6.1f ms  %4.1f statements  peak RSS %5.1f MB  CPU %5.2f ms/req (database %5.2f)  %6.0f allocs/req\n",
		m.RPS, ms(m.P99), m.StatementsMean, mb(br.PeakRSSBytes), res.CPUPerRequest, res.DBCPUPerRequest, res.AllocsPerRequest)
	return res, nil
}

// checkPageSizes asks for the feed at several page sizes, once each, and
// records the statements each request issued, or its error. It fails only
// for a request it cannot build.
func checkPageSizes(ctx context.Context, rep *Report, s *endpoint, roles []string, tokens map[string]string) error {
	for _, role := range roles {
		pc := PageSizeCheck{Role: role, Statements: map[int]int{}}
		for _, n := range pageSizes {
			req, err := newRequest(Feed, map[string]any{"first": n}, tokens[role], "pagesize")
			if err != nil {
				return err
			}
			smp := s.cl.do(ctx, req, nil)
			if smp.err != nil {
				// One request after the measured runs: its failure says
				// nothing of them, so it is reported (and fails the run
				// once the report is written) rather than losing them.
				if pc.Errors == nil {
					pc.Errors = map[int]string{}
				}
				pc.Errors[n] = smp.err.Error()
				rep.note("page-size check: the feed of %d as %s failed: %v", n, role, smp.err)
				continue
			}
			pc.Statements[n] = smp.statements
		}
		rep.PageSizes = append(rep.PageSizes, pc)
	}
	return nil
}

// fetchProfile saves a CPU profile of d from a pprof listener.
func fetchProfile(ctx context.Context, base string, d time.Duration, path string) error {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", base, secs), nil)
	if err != nil {
		return err
	}
	res, err := (&http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: d + time.Minute}).Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("pprof: status %d", res.StatusCode)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
