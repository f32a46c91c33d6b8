package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

const shippedTests = "../../policy/expectations.csv"

// The line of the shipped expectations that a grant of Actor:identifying
// to dihr_partner breaks first.
const dihrFullName = "expectations.csv:117: role dihr_partner, *, Actor.fullName, read, deny: got allow, want deny"

func writeFile(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// `benkan policy test FILE --policy POLICYFILE` checks a policy file
// without a database: the default policy meets the shipped expectations,
// the same with one grant more fails the line that says so.
func TestPolicyTestFile(t *testing.T) {
	t.Setenv("BENKAN_DATA_DIR", filepath.Join(t.TempDir(), "never"))
	leaky := writeFile(t, "leaky.csv", policy.DefaultPolicy+"p, dihr_partner, *, Actor:identifying, read, all\n")
	badTests := writeFile(t, "bad.csv", "# one good, one bad\nrole dihr_partner, *, Actor.fullName, read, deny\nrole dihr_partner, *, Actor.fulName, read, deny\n")
	tests := []struct {
		name string
		args []string
		code int
		want []string // in stdout+stderr
		not  []string
	}{
		{"default policy", []string{"test", shippedTests, "--policy", "../../policy/default.csv"}, 0,
			[]string{"expectations hold for ../../policy/default.csv"}, []string{"got "}},
		{"one grant more", []string{"test", shippedTests, "--policy", leaky}, 1,
			[]string{"../../policy/" + dihrFullName, "Actor.contact, read, deny: got allow", "fails 5 of the"}, []string{"Incident.narrative"}},
		{"unparsable tests", []string{"test", badTests, "--policy", leaky}, 1,
			[]string{badTests + ":3: ", `no field "fulName"`}, []string{"got "}},
		{"missing tests", []string{"test", "nosuch.csv", "--policy", leaky}, 1, []string{"read the policy tests"}, nil},
		{"no file", []string{"test"}, 2, []string{"1 argument missing"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := runPolicy(t, tt.args...)
			all := out + errOut
			if code != tt.code {
				t.Errorf("status %d, want %d", code, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, n := range tt.not {
				if strings.Contains(all, n) {
					t.Errorf("output has %q", n)
				}
			}
			if t.Failed() {
				t.Logf("benkan policy %v:\n%s", tt.args, all)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(os.Getenv("BENKAN_DATA_DIR"))); err == nil {
		t.Error("test --policy opened a database")
	}
}

// Against the stored policy, and the changes of the command line refused
// when they break a test of --policy-tests (or BENKAN_POLICY_TESTS), with
// nothing written: the command line cannot bypass what serve enforces.
func TestPolicyTestStored(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		p := newPolicyDB(t, db)
		tests := writeFile(t, "expectations.csv", string(must(os.ReadFile(shippedTests))))
		env := writeFile(t, "env.csv", "role fsi_liaison, *, Incident.source, read, deny\n")
		leaky := writeFile(t, "leaky.csv", policy.DefaultPolicy+"p, fsi_liaison, *, Actor.gender, read, all\n")
		p.steps(t, []policyStep{
			{name: "the stored default policy passes", args: []string{"test", tests}, want: []string{"170 expectations hold for the stored policy"}},
			{name: "grant breaking a test", args: []string{"grant", "dihr_partner", "Actor:identifying", "read", "--reason", "r", "--policy-tests", tests}, code: 1,
				want: []string{"benkan policy grant: the changes break 5 policy tests", dihrFullName}},
			{name: "import breaking a test", args: []string{"import", leaky, "--reason", "r", "--policy-tests", tests}, code: 1,
				want: []string{"benkan policy import: the changes break 1 policy test:", "role fsi_liaison, *, Actor.gender, read, deny: got allow, want deny"}},
			{name: "grant keeping the tests", args: []string{"grant", "dihr_partner", "Incident.reference", "read", "--reason", "r", "--policy-tests", tests},
				check: func(t *testing.T, pol *store.Policy) {
					if !hasPermission(pol, store.Permission{Role: "dihr_partner", Domain: "*", Object: "Incident.reference", Action: "read", Scope: "all"}) {
						t.Error("the grant was not applied")
					}
				}},
		})
		t.Setenv("BENKAN_POLICY_TESTS", env)
		p.steps(t, []policyStep{
			{name: "the test file from the environment", args: []string{"grant", "fsi_liaison", "Incident:sensitive", "read", "--reason", "r"}, code: 1,
				want: []string{"env.csv:1: role fsi_liaison, *, Incident.source, read, deny: got allow, want deny"}},
			{name: "the flag wins over the environment", args: []string{"grant", "fsi_liaison", "Incident.source", "read", "--reason", "r", "--policy-tests", writeFile(t, "other.csv", "role fsi_liaison, *, Policy, read, deny\n")}},
			{name: "an unreadable test file refuses before the database", args: []string{"grant", "dihr_partner", "Actor:identifying", "read", "--reason", "r", "--policy-tests", env + ".missing"}, code: 1,
				want: []string{"read the policy tests"}},
		})
		t.Setenv("BENKAN_POLICY_TESTS", "")
		// A change made without the tests is found by `policy test`.
		leak := store.Change{Op: store.Grant, Permission: store.Permission{Role: "dihr_partner", Domain: "*", Object: "Actor:identifying", Action: "read", Scope: "all"}}
		leaked, err := p.store.Apply(store.AsOperator(context.Background(), "test"), []store.Change{leak}, "no tests here")
		if err != nil {
			t.Fatal(err)
		}
		p.steps(t, []policyStep{
			{name: "the stored policy fails", args: []string{"test", tests}, code: 1, want: []string{dihrFullName, "the stored policy (revision "}},
		})
		// Once fixed, rolling back to the leaky version breaks the tests too.
		leak.Op = store.Revoke
		if _, err := p.store.Apply(store.AsOperator(context.Background(), "test"), []store.Change{leak}, "fixed"); err != nil {
			t.Fatal(err)
		}
		p.steps(t, []policyStep{
			{name: "rollback breaking a test", args: []string{"rollback", strconv.Itoa(leaked.ID), "--reason", "r", "--policy-tests", tests}, code: 1,
				want: []string{"benkan policy rollback: the changes break 5 policy tests", dihrFullName}},
		})
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// serve reads --policy-tests before it opens anything: a file that does
// not parse stops it with the lines at fault.
func TestServePolicyTestsFlag(t *testing.T) {
	t.Setenv(envJWTSecret, testSecret)
	dir := filepath.Join(t.TempDir(), "never")
	bad := writeFile(t, "bad.csv", "role dihr_partner, *, Actor.fullName, read, deny\nrole dihr_partner, *, Actor.fullName, read, maybe\n")
	for _, tt := range []struct{ name, file, want string }{
		{"unparsable", bad, bad + `:2: role dihr_partner, *, Actor.fullName, read, maybe: decision "maybe"`},
		{"missing", bad + ".missing", "--policy-tests: read the policy tests"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := runCmd(t, "serve", "--data-dir", dir, "--addr", "127.0.0.1:0", "--policy-tests", tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "--policy-tests") {
				t.Fatalf("serve: %v, want an error with %q", err, tt.want)
			}
		})
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("serve opened the database before reading --policy-tests")
	}
	out, _ := runCmd(t, "serve", "--help")
	if !strings.Contains(out, "--policy-tests (BENKAN_POLICY_TESTS)") {
		t.Errorf("serve --help lacks --policy-tests:\n%s", out)
	}
}

// The store serve opens runs the parsed tests before every change (the
// GraphQL admin API's and the demo's alike), and warns at start of those
// the stored policy fails already.
func TestServeStoreRunsTests(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		ctx := context.Background()
		expect := must(serveExpectations(shippedTests))
		// A policy changed while no tests were configured.
		plain := must(store.Open(ctx, db, store.Options{}))
		op := store.AsOperator(ctx, "test")
		if _, err := plain.Apply(op, []store.Change{{Op: store.Grant, Permission: store.Permission{Role: "fsi_liaison", Domain: "*", Object: "Actor.gender", Action: "read", Scope: "all"}}}, "before the tests"); err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		s, err := openServeStore(ctx, db, policy.NewEngine(db.Client), slog.New(slog.NewTextHandler(&logs, nil)), expect, false)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(logs.String(), "fsi_liaison, *, Actor.gender, read, deny: got allow") || !strings.Contains(logs.String(), "failing=1") {
			t.Errorf("no warning of the failing test:\n%s", logs.String())
		}
		_, err = s.Apply(op, []store.Change{{Op: store.Grant, Permission: store.Permission{Role: "dihr_partner", Domain: "*", Object: "Actor:identifying", Action: "read", Scope: "all"}}}, "leak")
		if benkan.ErrorCode(err) != benkan.EINVALID || !strings.Contains(err.Error(), dihrFullName) {
			t.Fatalf("a change breaking a test: %v", err)
		}
		if failures := must(must(s.Load(op)).Check(expect)); len(failures) != 1 {
			t.Errorf("after the refused change: %v", failures)
		}
	})
}
