package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Usage says what the harness does, for the help of `benkan bench` and
// `go run ./cmd/bench`.
const Usage = `Runs the dashboard operations (incident feed, incident by id, activities of
a quarter) as each role against a benkan server in bench mode, and in the
same run the raw-SQL floor and the "access control off" baseline. The one
documented command (BENCHMARKS.md), on a database seeded with
'benkan seed --synthetic 1000000':

  go run ./cmd/bench --start --database-url 'postgres://postgres@127.0.0.1:5432/bench_1m?sslmode=disable'
`

// Main is the command line of the harness, for `go run ./cmd/bench`.
// binary is the benkan binary --start runs when --benkan is not given; when
// empty, the harness builds one with `go build`. `benkan bench` registers
// the same flags with Flags on its own flag set.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, binary string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: go run ./cmd/bench [flags]   (or: benkan bench [flags])\n\n"+Usage+"\nFlags:\n")
		fs.PrintDefaults()
	}
	config := Flags(fs, stdout, stderr, binary)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	cfg, err := config()
	if err != nil {
		return err
	}
	_, err = Run(ctx, cfg)
	return err
}

// Flags registers the harness's flags on fs and returns the function that,
// once they are parsed, checks them and makes the Config to Run.
func Flags(fs *flag.FlagSet, stdout, stderr io.Writer, binary string) func() (Config, error) {
	cfg := Config{Log: stderr, Out: stdout, Subjects: map[string]string{}}
	fs.StringVar(&cfg.URL, "url", "", "a running server in bench mode (BENKAN_BENCH=1 benkan serve), e.g. http://127.0.0.1:8080")
	fs.StringVar(&cfg.URLOff, "url-off", "", "a running server in bench mode with --no-access-control, for the \"access control off\" baseline")
	fs.StringVar(&cfg.URLNoAudit, "url-no-audit", "", "a running server in bench mode with --no-read-audit, for the baseline of the audit of sensitive reads")
	fs.BoolVar(&cfg.ReadAuditBaseline, "read-audit-baseline", false, "with --start: also start a server with --no-read-audit and measure every operation on it (the cost of auditing reads)")
	fs.BoolVar(&cfg.Start, "start", false, "start the servers as child processes (access control on, then off) with a fresh secret, one after the other")
	fs.StringVar(&cfg.Binary, "benkan", binary, "the benkan binary --start runs (built with go build when empty)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", os.Getenv("BENKAN_DATABASE_URL"), "PostgreSQL database the servers serve (users per role, raw-SQL floor); default $BENKAN_DATABASE_URL")
	fs.StringVar(&cfg.TokensFrom, "tokens-from", "env", "without --start: 'env' signs tokens with BENKAN_JWT_SECRET for the first user of each role in the database; else a file of \"role token\" lines")
	subjects := fs.String("subjects", "", "users to act as, overriding those found: role=subject,role=subject")
	roles := fs.String("roles", "", "roles to run, comma-separated (default: all five)")
	ops := fs.String("ops", "", "operations to run, comma-separated: feed, feed-sensitive, incident, activities, agg-cercle-month, agg-cercle-month-reported, agg-type-gender, agg-people (default: all; the agg- ones for amdh_coordinator and dihr_partner only)")
	fs.IntVar(&cfg.Load.Concurrency, "concurrency", 16, "concurrent clients")
	fs.DurationVar(&cfg.Load.Duration, "duration", 5*time.Second, "measured time per operation, role and mode (and repetition)")
	fs.DurationVar(&cfg.Load.Warmup, "warmup", time.Second, "unmeasured warm-up before each measured run")
	fs.IntVar(&cfg.Repeat, "repeat", 3, "measure each operation, role and mode this many times and keep the median run")
	fs.IntVar(&cfg.Load.MaxRequests, "max-requests", 1_000_000, "most requests per measured run")
	quarter := fs.String("quarter", "2025-Q4", "quarter of the activities operation")
	fs.StringVar(&cfg.JSONPath, "json", "", "write the report as JSON to this file")
	fs.StringVar(&cfg.ProfileDir, "cpu-profile", "", "with --start: save a CPU profile of each server (the baselines' named with their mode) per operation and role in this directory")
	fs.StringVar(&cfg.ExplainPath, "explain", "", "write EXPLAIN (ANALYZE, BUFFERS) of every statement the server issued, per operation and role, to this file")
	fs.StringVar(&cfg.ServerLogLevel, "server-log-level", "info", "with --start: --log-level of the servers")
	return func() (Config, error) {
		var err error
		if cfg.Quarter, err = ParseQuarter(*quarter); err != nil {
			return Config{}, err
		}
		if cfg.Load.Concurrency < 1 || cfg.Load.Concurrency > 1024 {
			return Config{}, errors.New("--concurrency must be between 1 and 1024")
		}
		if cfg.Load.Duration <= 0 || cfg.Load.Duration > time.Hour || cfg.Load.Warmup < 0 || cfg.Load.Warmup > time.Hour {
			return Config{}, errors.New("--duration must be positive and --warmup not negative, both at most an hour")
		}
		cfg.Roles = list(*roles)
		cfg.Operations = list(*ops)
		for _, kv := range list(*subjects) {
			role, subject, ok := strings.Cut(kv, "=")
			if !ok {
				return Config{}, fmt.Errorf("--subjects: %q is not role=subject", kv)
			}
			cfg.Subjects[role] = subject
		}
		if cfg.Repeat < 1 || cfg.Repeat > 100 {
			return Config{}, errors.New("--repeat must be between 1 and 100")
		}
		if cfg.ProfileDir != "" && !cfg.Start {
			return Config{}, errors.New("--cpu-profile needs --start")
		}
		cfg.Build = goBuild
		return cfg, nil
	}
}

func list(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// goBuild builds cmd/benkan into dir with the go command (from within the
// module).
func goBuild(ctx context.Context, dir string) (string, error) {
	out := filepath.Join(dir, "benkan")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "github.com/benkan-project/benkan/cmd/benkan")
	cmd.Stdout = os.Stderr
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./cmd/benkan (run the harness from the repository, or give --benkan): %w", err)
	}
	return out, nil
}
