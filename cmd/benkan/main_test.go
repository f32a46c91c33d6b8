package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/auth"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
)

const testSecret = "0123456789abcdef0123456789abcdef-test"

func runCmd(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestCommandErrors(t *testing.T) {
	t.Setenv(envJWTSecret, "")
	dir := t.TempDir()
	tests := []struct {
		name string
		args []string
		want string // in the error
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"token without secret", []string{"token", "--user", "admin", "--data-dir", dir}, envJWTSecret},
		{"token without user", []string{"token", "--data-dir", dir}, "--user is required"},
		{"serve without a way to verify tokens", []string{"serve", "--data-dir", dir}, envJWTSecret},
		{"stray argument", []string{"migrate", "--data-dir", dir, "extra"}, `unexpected argument "extra"`},
		{"bad database URL", []string{"migrate", "--database-url", "mysql://x"}, "postgres://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runCmd(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("run %v: err = %v, want it to mention %q", tt.args, err, tt.want)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	out, err := runCmd(t, "help")
	if err != nil || !strings.Contains(out, "benkan token --user") {
		t.Fatalf("help: %v\n%s", err, out)
	}
	out, _ = runCmd(t, "serve", "--help")
	for _, want := range []string{"--database-url (BENKAN_DATABASE_URL)", "--demo (BENKAN_DEMO)", "--jwks-url (BENKAN_JWKS_URL)"} {
		if !strings.Contains(out, want) {
			t.Errorf("serve --help lacks %q:\n%s", want, out)
		}
	}
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
