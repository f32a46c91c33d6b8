package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
)

// The database's CPU per request: each server the harness starts, and the
// harness's own pool for the raw-SQL floor, connect with an
// application_name of their own, so that the PostgreSQL backends serving
// one of them can be told from every other connection (another
// benchmark's, a test suite's) and their CPU time read from /proc. The
// database must be on this machine, which openDatabase already requires.

// appNamePrefix starts the application_name of the harness's connections.
const appNamePrefix = "benkan-bench-"

// withAppName returns dsn with application_name set to appNamePrefix+name.
func withAppName(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("--database-url: %w", err)
	}
	q := u.Query()
	q.Set("application_name", appNamePrefix+name)
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// withBinaryParameters returns dsn with lib/pq's binary_parameters=yes,
// unless dsn sets it: the raw-SQL floor then sends each statement in one
// round trip, as benkan's server does since session 9 (storage), so that
// the floor stays the best a Go server over lib/pq can do with these
// statements. The statements' arguments come as JSON (strings, numbers),
// never []byte, which that mode would send in binary format.
func withBinaryParameters(dsn string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("--database-url: %w", err)
	}
	q := u.Query()
	if !q.Has("binary_parameters") {
		q.Set("binary_parameters", "yes")
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// backendTicks returns the CPU time (user and system, in clock ticks) of
// each PostgreSQL backend whose application_name is appNamePrefix+name, by
// process id; nil when /proc cannot be read (not Linux).
func backendTicks(ctx context.Context, db *sql.DB, name string) (map[int]int64, error) {
	rows, err := db.QueryContext(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, appNamePrefix+name)
	if err != nil {
		return nil, fmt.Errorf("list the database backends of %s: %w", name, err)
	}
	defer rows.Close()
	out := map[int]int64{}
	for rows.Next() {
		var pid int
		if err := rows.Scan(&pid); err != nil {
			return nil, err
		}
		t, ok := procTicks(pid)
		if !ok {
			return nil, nil
		}
		out[pid] = t
	}
	return out, rows.Err()
}

// procTicks reads utime + stime (fields 14 and 15) of /proc/PID/stat.
func procTicks(pid int) (int64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	// The command name (field 2) is in parentheses and may hold spaces:
	// the fields after it start after the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	return u + st, err1 == nil && err2 == nil
}

// clockTicks is USER_HZ, the unit of /proc's CPU times: 100 on every
// Linux this harness runs on (sysconf(_SC_CLK_TCK) needs cgo).
const clockTicks = 100

// ticksBetween is the CPU the backends used from before to after, in
// seconds: a backend present in both counts its growth, one that started
// in between counts whole. One that ended in between is lost (the servers
// keep their pools open, so it is rare), which the result says.
func ticksBetween(before, after map[int]int64) (seconds float64, lost bool) {
	var t int64
	for pid, a := range after {
		t += a - before[pid]
	}
	for pid := range before {
		if _, ok := after[pid]; !ok {
			lost = true
		}
	}
	return float64(t) / clockTicks, lost
}

// rawSQLName names the harness's own pool, which replays the raw-SQL floor.
const rawSQLName = "raw-sql"

// startDBCPU starts measuring the database CPU of a server's connections
// (c nil: the harness's own pool): the function it returns gives the
// seconds used since, and a note when they could not be measured whole.
func startDBCPU(ctx context.Context, db *sql.DB, c *child) func(context.Context) (float64, string) {
	name := rawSQLName
	if c != nil {
		name = c.name
	}
	if db == nil {
		return func(context.Context) (float64, string) { return 0, "" }
	}
	before, err := backendTicks(ctx, db, name)
	return func(ctx context.Context) (float64, string) {
		if err != nil {
			return 0, err.Error()
		}
		after, err := backendTicks(ctx, db, name)
		if err != nil {
			return 0, err.Error()
		}
		if before == nil || after == nil {
			return 0, "/proc/PID/stat of the backends cannot be read"
		}
		s, lost := ticksBetween(before, after)
		if lost {
			return s, "a backend ended during the run; its CPU is not counted"
		}
		return s, ""
	}
}
