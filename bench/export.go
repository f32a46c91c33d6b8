package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ExportUsage says what `bench export` does.
const ExportUsage = `Measures exports (GET /export/FIELD.csv or .xlsx): for each database given,
starts a benkan server on it, exports FIELD as ROLE's user once, and reports
the rows, bytes, seconds, bytes/s and the server process's peak resident
memory (VmHWM of /proc/PID/status) before and after the export, so that runs
on databases of 10k, 100k and 1M incidents show whether memory grows with
the rows. An export of incidents by a role that reads sensitive fields
writes audit events: measure such a role on your own copy, or with
--no-read-audit; the default (dihr_partner) reads none.

  go run ./cmd/bench export --field incidents --format csv \
    --database-url 'postgres://postgres@127.0.0.1:5432/bench_10k?sslmode=disable,postgres://postgres@127.0.0.1:5432/bench_100k?sslmode=disable'
`

// ExportResult is one measured export.
type ExportResult struct {
	Database string  `json:"database"`
	Field    string  `json:"field"`
	Format   string  `json:"format"`
	Role     string  `json:"role"`
	Rows     int     `json:"rows"`
	Bytes    int64   `json:"bytes"`
	Seconds  float64 `json:"seconds"`
	// HWMBeforeKB and HWMAfterKB are the server's peak RSS before the
	// export (started and warmed up) and after it, in kB.
	HWMBeforeKB int64  `json:"hwmBeforeKB"`
	HWMAfterKB  int64  `json:"hwmAfterKB"`
	Outcome     string `json:"outcome"`
}

// ExportMain is the command line of `bench export`.
func ExportMain(ctx context.Context, args []string, stdout, stderr io.Writer, binary string) error {
	fs := flag.NewFlagSet("bench export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: go run ./cmd/bench export [flags]\n\n"+ExportUsage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	dbs := fs.String("database-url", os.Getenv("BENKAN_DATABASE_URL"), "PostgreSQL databases to export from, comma-separated: one server and one export each")
	field := fs.String("field", "incidents", "the connection field exported")
	format := fs.String("format", "csv", "csv or xlsx")
	role := fs.String("role", "dihr_partner", "the role whose first user exports")
	where := fs.String("where", "", "the export's where filter, JSON")
	noReadAudit := fs.Bool("no-read-audit", false, "start the servers with --no-read-audit")
	gzip := fs.Bool("gzip", true, "ask for the export gzipped (Accept-Encoding: gzip, as browsers and Go's client do; the server compresses a CSV, not a workbook); false: as curl without --compressed")
	bin := fs.String("benkan", binary, "the benkan binary to run (built with go build when empty)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dbs == "" {
		return errors.New("--database-url is required")
	}
	if *format != "csv" && *format != "xlsx" {
		return fmt.Errorf("--format %q: csv or xlsx", *format)
	}
	tmp, err := os.MkdirTemp("", "benkan-bench-export-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if *bin == "" {
		if *bin, err = goBuild(ctx, tmp); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%-40s %-8s %10s %12s %9s %12s %10s %11s %11s  %s\n", "database", "format", "rows", "bytes", "seconds", "MB/s", "rows/s", "HWM before", "HWM after", "outcome")
	for _, dsn := range list(*dbs) {
		r, err := measureExport(ctx, dsn, *field, *format, *role, *where, *noReadAudit, *gzip, *bin, tmp)
		if err != nil {
			return err
		}
		rate := "-" // a workbook's rows are not counted: see the CSV run's
		if r.Rows > 0 {
			rate = fmt.Sprintf("%.0f", float64(r.Rows)/r.Seconds)
		}
		fmt.Fprintf(stdout, "%-40s %-8s %10d %12d %9.1f %12.2f %10s %8d kB %8d kB  %s\n", r.Database, r.Format, r.Rows, r.Bytes, r.Seconds,
			float64(r.Bytes)/r.Seconds/1e6, rate, r.HWMBeforeKB, r.HWMAfterKB, r.Outcome)
	}
	return nil
}

// measureExport starts a server on dsn, warms it up with one small export,
// then exports once and reads the server's peak RSS around it.
func measureExport(ctx context.Context, dsn, field, format, role, where string, noReadAudit, gzip bool, bin, tmp string) (*ExportResult, error) {
	db, err := openDatabase(ctx, dsn, 1)
	if err != nil {
		return nil, err
	}
	subjects, err := subjectsByRole(ctx, db)
	db.Close()
	if err != nil {
		return nil, err
	}
	if subjects[role] == "" {
		return nil, fmt.Errorf("no user holds the role %s in %s", role, dsn)
	}
	secret := freshSecret()
	c, err := startChild(ctx, "export", childOptions{binary: bin, databaseURL: dsn, secret: secret,
		noReadAudit: noReadAudit, logLevel: "warn", logDir: tmp})
	if err != nil {
		return nil, err
	}
	defer c.stop()
	tokens, err := signTokens([]byte(secret), map[string]string{role: subjects[role]}, time.Hour)
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(dsn)
	r := &ExportResult{Database: strings.TrimPrefix(u.Path, "/"), Field: field, Format: format, Role: role}
	path := "/export/" + field + "." + format
	if where != "" {
		path += "?where=" + url.QueryEscape(where)
	}
	// Warm up: a first page of another field, so that the baseline holds
	// the server's caches (schema, policy) and not the export's.
	if _, _, err := getExport(ctx, c.url+"/export/localities.csv", tokens[role], gzip, nil); err != nil {
		return nil, err
	}
	if r.HWMBeforeKB, err = vmHWM(c.cmd.Process.Pid); err != nil {
		return nil, err
	}
	start := time.Now()
	tail := &tailWriter{}
	n, status, err := getExport(ctx, c.url+path, tokens[role], gzip, tail)
	if err != nil {
		return nil, err
	}
	r.Seconds = time.Since(start).Seconds()
	r.Bytes = n
	if status != http.StatusOK {
		return nil, fmt.Errorf("export: status %d: %s", status, tail.String())
	}
	if r.HWMAfterKB, err = vmHWM(c.cmd.Process.Pid); err != nil {
		return nil, err
	}
	if format == "csv" {
		r.Outcome = lastLine(tail.String())
		if rows, ok := strings.CutPrefix(r.Outcome, "# complete: "); ok {
			r.Rows, _ = strconv.Atoi(strings.TrimSuffix(rows, " rows"))
		}
	} else {
		r.Outcome = "workbook (rows: see the CSV run)"
	}
	return r, nil
}

// getExport GETs an export and counts its bytes (decompressed), keeping
// the last of them in tail; gzip false asks for it uncompressed.
func getExport(ctx context.Context, u, token string, gzip bool, tail io.Writer) (int64, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if !gzip {
		req.Header.Set("Accept-Encoding", "identity")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, 0, fmt.Errorf("export: %w", err)
	}
	defer res.Body.Close()
	if tail == nil {
		tail = io.Discard
	}
	n, err := io.Copy(tail, bufio.NewReaderSize(res.Body, 64<<10))
	if err != nil {
		return n, res.StatusCode, fmt.Errorf("read export: %w", err)
	}
	return n, res.StatusCode, nil
}

// tailWriter keeps the last 4 kB written to it.
type tailWriter struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tailWriter) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if len(t.buf) > 4096 {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-4096:]...)
	}
	return len(b), nil
}

func (t *tailWriter) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// vmHWM reads the peak resident set size of process pid, in kB.
func vmHWM(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("read the server's memory (Linux only): %w", err)
	}
	for line := range bytes.Lines(b) {
		if v, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(string(v)), " kB"), 10, 64)
		}
	}
	return 0, errors.New("no VmHWM in /proc/PID/status")
}
