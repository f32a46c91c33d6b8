package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/auth"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

const testSecret = "0123456789abcdef0123456789abcdef-test"

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

// runMain runs benkan as main does and returns what it printed and its exit
// status.
func runMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = exit(run(context.Background(), args, &out, &errOut), &errOut)
	return out.String(), errOut.String(), code
}

func TestCommandErrors(t *testing.T) {
	t.Setenv(envJWTSecret, "")
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{"token without secret", []string{"token", "--user", "admin", "--data-dir", dir}, envJWTSecret},
		{"serve without a way to verify tokens", []string{"serve", "--data-dir", dir}, envJWTSecret},
		{"bad database URL", []string{"migrate", "--database-url", "mysql://x"}, "postgres://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := runMain(t, tt.args...)
			if code != 1 || !strings.Contains(errOut, tt.want) {
				t.Fatalf("benkan %v: exit %d, want 1 and a message naming %q:\n%s", tt.args, code, tt.want, errOut)
			}
		})
	}
}

// TestHelp: `benkan help`, --help and -h of benkan and of every command
// and policy subcommand print the usage to stdout and exit 0; `benkan help`
// lists every command.
func TestHelp(t *testing.T) {
	t.Setenv("BENKAN_DATA_DIR", filepath.Join(t.TempDir(), "never"))
	out, errOut, code := runMain(t, "help")
	if code != 0 || errOut != "" {
		t.Fatalf("help: exit %d\n%s", code, errOut)
	}
	for _, c := range commands {
		if !strings.Contains(out, "\n  "+c.name+" ") {
			t.Errorf("benkan help does not list %s:\n%s", c.name, out)
		}
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"-help"}} {
		if o, e, code := runMain(t, args...); code != 0 || o != out || e != "" {
			t.Errorf("benkan %v: exit %d, not the text of benkan help:\n%s%s", args, code, o, e)
		}
	}
	type helpCase struct {
		args []string
		want string // starts stdout
	}
	var cases []helpCase
	for _, c := range commands {
		want := "Usage: benkan " + c.name + " "
		if c.name == "policy" {
			want = "Usage: benkan policy SUBCOMMAND"
		}
		cases = append(cases, helpCase{[]string{c.name, "--help"}, want}, helpCase{[]string{c.name, "-h"}, want}, helpCase{[]string{"help", c.name}, want})
	}
	for name := range policySubcommands {
		want := "Usage: benkan policy " + name + " "
		cases = append(cases, helpCase{[]string{"policy", name, "--help"}, want}, helpCase{[]string{"policy", "help", name}, want})
	}
	for _, tt := range cases {
		out, errOut, code := runMain(t, tt.args...)
		if code != 0 || errOut != "" || !strings.HasPrefix(out, tt.want) {
			t.Errorf("benkan %v: exit %d, stdout not starting with %q:\n%s\nstderr:\n%s", tt.args, code, tt.want, out, errOut)
		}
	}
	out, _, _ = runMain(t, "serve", "--help")
	for _, want := range []string{"--database-url (BENKAN_DATABASE_URL)", "--demo (BENKAN_DEMO)", "--jwks-url (BENKAN_JWKS_URL)"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(os.Getenv("BENKAN_DATA_DIR"))); !os.IsNotExist(err) {
		t.Errorf("a --help opened the database (%v)", err)
	}
}

// TestUsageErrors: a command line or an environment variable that does not
// say what to do exits 2 with one line naming what was wrong and what was
// expected, then where to read more; never the usage, never the flag
// package's own text, and no database is opened.
func TestUsageErrors(t *testing.T) {
	t.Setenv(envJWTSecret, testSecret)
	dir := filepath.Join(t.TempDir(), "never")
	t.Setenv("BENKAN_DATA_DIR", dir)
	tests := []struct {
		args []string
		env  map[string]string
		want string // the first line of stderr
	}{
		{[]string{"frobnicate"}, nil, `benkan: unknown command "frobnicate"`},
		{[]string{"help", "frobnicate"}, nil, `benkan: unknown command "frobnicate"`},
		{[]string{"token", "--user", "admin", "--ttl", "forever"}, nil, `benkan token: --ttl: "forever" is not a duration (e.g. 12h, 30m, 90s)`},
		{[]string{"token", "--user", "admin", "--ttl=forever"}, nil, `benkan token: --ttl: "forever" is not a duration (e.g. 12h, 30m, 90s)`},
		{[]string{"token", "--user", "admin", "--ttl"}, nil, `benkan token: --ttl needs a value: a duration (e.g. 12h, 30m, 90s)`},
		{[]string{"token"}, nil, `benkan token: --user is required: the subject of a user of the database, e.g. --user admin`},
		{[]string{"token", "--user", "admin"}, map[string]string{"BENKAN_TTL": "1 day"}, `benkan token: BENKAN_TTL: "1 day" is not a duration (e.g. 12h, 30m, 90s)`},
		{[]string{"serve", "--log-level", "verbose"}, nil, `benkan serve: --log-level: "verbose" is not a level (debug, info, warn or error)`},
		{[]string{"serve", "--log-format", "xml"}, nil, `benkan serve: --log-format: "xml" is not a format (text or json)`},
		{[]string{"serve"}, map[string]string{"BENKAN_DEMO": "yes"}, `benkan serve: BENKAN_DEMO: "yes" is not a boolean (true or false)`},
		{[]string{"--demo=yes"}, nil, `benkan serve: --demo: "yes" is not a boolean (true or false)`},
		{[]string{"serve", "--max-depth", "1.5"}, nil, `benkan serve: --max-depth: "1.5" is not a whole number`},
		{[]string{"serve", "--rate-limit", "fast"}, nil, `benkan serve: --rate-limit: "fast" is not a number`},
		{[]string{"serve", "--request-timeout", "0s"}, nil, `benkan serve: --request-timeout: 0s is not a positive duration (e.g. 5s)`},
		{[]string{"seed", "--synthetic", "-5"}, nil, `benkan seed: --synthetic: -5 is not a positive number of incidents`},
		{[]string{"seed", "--seed", "-1"}, nil, `benkan seed: --seed: "-1" is not a whole number, 0 or more`},
		{[]string{"migrate", "extra"}, nil, `benkan migrate: unexpected argument "extra"`},
		{[]string{"schema", "--out"}, nil, `benkan schema: --out needs a value: write the SDL to this file instead of stdout (left untouched when unchanged)`},
		{[]string{"bench", "--repeat", "many"}, nil, `benkan bench: --repeat: "many" is not a whole number`},
		{[]string{"bench", "--repeat", "0"}, nil, `benkan bench: --repeat must be between 1 and 100`},
	}
	// Every command refuses a flag it does not have, the same way.
	for _, c := range commands {
		if c.name != "policy" {
			tests = append(tests, struct {
				args []string
				env  map[string]string
				want string
			}{[]string{c.name, "--no-such-flag"}, nil, "benkan " + c.name + ": unknown flag --no-such-flag"})
		}
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			out, errOut, code := runMain(t, tt.args...)
			lines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
			if code != 2 || out != "" || len(lines) != 2 || lines[0] != tt.want || !strings.HasPrefix(lines[1], "Run 'benkan ") {
				t.Fatalf("benkan %v: exit %d, want 2 and\n  %s\nRun 'benkan ...\ngot stderr:\n%s\nstdout:\n%s", tt.args, code, tt.want, errOut, out)
			}
		})
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a command refused for its usage opened the database in %s (%v)", dir, err)
	}
}

// TestNoDatabase: the commands that act on what a server stores refuse a
// data directory (or PostgreSQL database) that holds no benkan database,
// say how to make one, and create nothing.
func TestNoDatabase(t *testing.T) {
	t.Setenv(envJWTSecret, testSecret)
	dir := filepath.Join(t.TempDir(), "typo")
	for _, args := range [][]string{
		{"token", "--user", "admin", "--data-dir", dir},
		{"policy", "list", "--data-dir", dir},
		{"policy", "grant", "admin", "Incident", "read", "--reason", "r", "--data-dir", dir},
		{"policy", "versions", "--data-dir", dir},
	} {
		_, errOut, code := runMain(t, args...)
		if code != 1 || !strings.Contains(errOut, "no benkan database") || !strings.Contains(errOut, "benkan serve --demo") {
			t.Errorf("benkan %v: exit %d:\n%s", args, code, errOut)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Fatalf("benkan %v created %s (%v)", args, dir, err)
		}
	}
	// A PostgreSQL database without benkan's tables is refused too.
	t.Run("postgres", func(t *testing.T) {
		empty := storagetest.PostgresURL(t)
		_, errOut, code := runMain(t, "policy", "list", "--database-url", empty)
		if code != 1 || !strings.Contains(errOut, "no benkan database: it has no table users") {
			t.Errorf("policy list on an empty PostgreSQL database: exit %d:\n%s", code, errOut)
		}
	})
}

// TestSeedTwiceThenToken: seeding is idempotent, gives the demo users their
// roles, and `benkan token` signs a token the server's verifier accepts.
func TestSeedTwiceThenToken(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("BENKAN_DATA_DIR", dir)
	for range 2 {
		if out, err := runCmd(t, "seed"); err != nil {
			t.Fatalf("seed: %v\n%s", err, out)
		}
	}
	ctx := context.Background()
	db, err := storage.Open(ctx, storage.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n, err := db.Client.Incident.Query().Count(policy.SystemContext(ctx))
	if err != nil || n == 0 || n > 1000 {
		t.Fatalf("incidents after two seeds: %d, %v", n, err)
	}
	engine := policy.NewEngine(db.Client)
	if _, err := store.OpenFor(ctx, db, engine, nil); err != nil {
		t.Fatal(err)
	}
	v, err := engine.Viewer(ctx, "fsi.niono")
	if err != nil {
		t.Fatal(err)
	}
	if roles := v.Roles(); len(roles) != 1 || roles[0] != "fsi_liaison" {
		t.Fatalf("fsi.niono roles: %v", roles)
	}

	t.Setenv(envJWTSecret, testSecret)
	out, err := runCmd(t, "token", "--user", "fsi.niono", "--ttl", "5m")
	if err != nil {
		t.Fatalf("token: %v\n%s", err, out)
	}
	verifier, err := auth.NewVerifier(ctx, auth.Config{Secret: []byte(testSecret)})
	if err != nil {
		t.Fatal(err)
	}
	if sub, err := verifier.Verify(ctx, strings.TrimSpace(out)); err != nil || sub != "fsi.niono" {
		t.Fatalf("verify printed token: %q, %v", sub, err)
	}
	if _, err := runCmd(t, "token", "--user", "nobody"); err == nil || !strings.Contains(err.Error(), "no user") {
		t.Fatalf("token for an unknown user: %v", err)
	}
}

func TestDemoTokensLines(t *testing.T) {
	var out bytes.Buffer
	cfg := &auth.Config{Issuer: auth.DefaultIssuer, Audience: auth.DefaultAudience}
	if err := printDemoTokens(&out, []byte(testSecret), cfg); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) < 5 {
		t.Fatalf("want a token per demo user, got:\n%s", out.String())
	}
	roles := map[string]bool{}
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) != 5 || f[0] != "demo" || f[1] != "token" {
			t.Fatalf("line %q is not 'demo token <subject> <role> <token>'", l)
		}
		roles[f[3]] = true
	}
	for _, r := range policy.Roles {
		if !roles[r] {
			t.Errorf("no demo token for role %s", r)
		}
	}
}
