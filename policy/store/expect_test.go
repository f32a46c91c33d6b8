package store_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// shipped reads the repository's expectations of the default policy.
func shipped(t *testing.T) *store.Expectations {
	t.Helper()
	text, err := os.ReadFile("../expectations.csv")
	if err != nil {
		t.Fatal(err)
	}
	e, err := store.ParseExpectations("expectations.csv", string(text))
	if err != nil {
		t.Fatalf("the shipped expectations do not parse: %v", err)
	}
	return e
}

func defaultFile(t *testing.T, extra ...string) *store.File {
	t.Helper()
	f, err := store.ParseFile(policy.DefaultPolicy + "\n" + strings.Join(extra, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// The repository's expectations (DESIGN.md's matrix) hold for the default
// policy, allow and deny lines of every role; a policy with one grant more
// or less fails the line that says so, and only that one.
func TestShippedExpectations(t *testing.T) {
	e := shipped(t)
	for _, role := range policy.Roles {
		var allow, deny int
		for _, x := range e.List {
			if x.Role == role && x.Allow {
				allow++
			} else if x.Role == role {
				deny++
			}
		}
		if allow == 0 || deny == 0 && role != policy.AdminRole {
			t.Errorf("role %s: %d allow and %d deny expectations: want both", role, allow, deny)
		}
	}
	failures, err := store.CheckFileExpectations(defaultFile(t), e)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range failures {
		t.Errorf("the default policy fails %s", f)
	}

	cases := []struct {
		name, extra, revoke, want string
	}{
		{"dihr reads identifying fields", "p, dihr_partner, *, Actor:identifying, read, all", "",
			"role dihr_partner, *, Actor.fullName, read, deny: got allow, want deny"},
		{"fsi reads the narrative", "p, fsi_liaison, *, Incident.narrative, read, verified", "",
			"role fsi_liaison, *, Incident.narrative, read, deny: got allow, want deny"},
		{"monitors change the policy", "p, amdh_monitor, *, Policy, update, all", "",
			"role amdh_monitor, *, Policy, update, deny: got allow, want deny"},
		{"fsi loses its follow-ups", "", "p, fsi_liaison, *, FollowUp, create, own_org",
			"role fsi_liaison, *, FollowUp, create, allow: got deny, want allow"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			text := policy.DefaultPolicy + "\n" + c.extra
			if c.revoke != "" {
				text = strings.Replace(text, c.revoke+"\n", "", 1)
			}
			f, err := store.ParseFile(text)
			if err != nil {
				t.Fatal(err)
			}
			failures, err := store.CheckFileExpectations(f, e)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range failures {
				got = append(got, f.String())
			}
			if len(got) == 0 || !strings.Contains(strings.Join(got, "\n"), c.want) {
				t.Fatalf("failures:\n%s\nwant one with %q", strings.Join(got, "\n"), c.want)
			}
			if !strings.HasPrefix(got[0], "expectations.csv:") {
				t.Errorf("failure %q does not name the file and line", got[0])
			}
		})
	}
}

// A line that is not an expectation fails the file, naming the line, so
// that a typo never makes a test that always passes.
func TestParseExpectations(t *testing.T) {
	cases := []struct {
		name, line, want string // want: in the error, "" for a valid line
	}{
		{"role", "role dihr_partner, *, Actor.fullName, read, deny", ""},
		{"user", "user dihr.officer, *, Incident.narrative, read, deny", ""},
		{"locality", "role amdh_monitor, " + string(gid.New("loc")) + ", Incident, create, allow", ""},
		{"group", "role dihr_partner, *, Actor:identifying, read, deny", ""},
		{"values", "role dihr_partner, *, Actor.fullName, read", "4 values, not 5"},
		{"subject kind", "dihr_partner, *, Actor.fullName, read, deny", "write \"role NAME\" or \"user SUBJECT\""},
		{"role name", "role DIHR, *, Actor.fullName, read, deny", `role name "DIHR"`},
		{"field", "role dihr_partner, *, Actor.fulName, read, deny", `no field "fulName"`},
		{"action", "role dihr_partner, *, Actor.fullName, delete, deny", `no action "delete"`},
		{"decision", "role dihr_partner, *, Actor.fullName, read, no", `decision "no"`},
		{"domain", "role dihr_partner, Niono, Actor.fullName, read, deny", `domain "Niono"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := store.ParseExpectations("t.csv", "# a comment\n\n"+c.line+"\n")
			if c.want == "" {
				if err != nil || len(e.List) != 1 || e.List[0].Line != 3 {
					t.Fatalf("got %+v, %v; want one expectation at line 3", e, err)
				}
				return
			}
			if err == nil || benkan.ErrorCode(err) != benkan.EINVALID || !strings.Contains(err.Error(), "t.csv:3: ") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a BAD_USER_INPUT error naming t.csv:3 and %q", err, c.want)
			}
		})
	}
	if _, err := store.ParseExpectations("t.csv", "# nothing\n"); err == nil {
		t.Error("a file without expectations parsed")
	}
}

// withTests opens a second store of the world's database that runs
// expectations before every change, as serve --policy-tests does.
func withTests(t *testing.T, w *world, text string) *store.Store {
	t.Helper()
	e, err := store.ParseExpectations("tests.csv", text)
	if err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(w.ctx, w.db, store.Options{Expectations: e})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Apply runs the configured expectations against the policy a change set
// makes: a set that breaks one is refused with the failing lines and
// nothing is written; a set that keeps them is applied.
func TestApplyRunsExpectations(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		tests := string(must(os.ReadFile("../expectations.csv"))) + fmt.Sprintf(`
user %s, *, Actor.fullName, read, deny
user %s, %s, Incident, create, allow
user %s, *, Policy, update, allow
`, subjDIHR, subjMon, w.niono, subjAdmin)
		s := withTests(t, w, tests)
		op := w.operator()

		before := w.counts()
		_, err := s.Apply(op, []store.Change{grant("dihr_partner", "*", "Actor:identifying", "read", "all")}, "let DIHR identify people")
		e := wantCode(t, err, benkan.EINVALID)
		for _, want := range []string{
			"break 6 policy tests",
			"tests.csv:117: role dihr_partner, *, Actor.fullName, read, deny: got allow, want deny",
			"role dihr_partner, *, Actor:identifying, read, deny: got allow, want deny",
			fmt.Sprintf("user %s, *, Actor.fullName, read, deny: got allow, want deny", subjDIHR),
		} {
			if !strings.Contains(e.Message, want) {
				t.Errorf("error %q does not say %q", e.Message, want)
			}
		}
		if after := w.counts(); after != before {
			t.Errorf("a refused change wrote: %+v, then %+v", before, after)
		}

		// Through an assignment: the monitor loses its locality.
		_, err = s.Apply(op, []store.Change{unassign(subjMon, "amdh_monitor", w.niono)}, "the monitor leaves")
		e = wantCode(t, err, benkan.EINVALID)
		if !strings.Contains(e.Message, fmt.Sprintf("user %s, %s, Incident, create, allow: got deny, want allow", subjMon, w.niono)) {
			t.Errorf("error %q does not name the monitor's line", e.Message)
		}
		// Import too goes through Apply.
		f := must(store.ParseFile(policy.DefaultPolicy + "\np, fsi_liaison, *, Actor.gender, read, all\n" +
			"g, " + subjAdmin + ", admin, *\ng, " + subjMon + ", amdh_monitor, " + w.niono + "\ng, " + subjDIHR + ", dihr_partner, *\n"))
		_, err = s.Import(op, f, "fsi reads gender")
		e = wantCode(t, err, benkan.EINVALID)
		if !strings.Contains(e.Message, "role fsi_liaison, *, Actor.gender, read, deny: got allow, want deny") {
			t.Errorf("import: error %q does not name the line", e.Message)
		}
		if after := w.counts(); after != before {
			t.Errorf("refused changes wrote: %+v, then %+v", before, after)
		}

		// A change that keeps every expectation is applied.
		v, err := s.Apply(op, []store.Change{grant("dihr_partner", "*", "Incident.reference", "read", "all"), assign(subjCoord, "dihr_partner", "*")}, "harmless")
		if err != nil || len(v.Added) != 2 {
			t.Fatalf("a change that keeps the tests: %+v, %v", v, err)
		}
		// The store without tests is not bound by them.
		w.apply(t, "no tests configured here", grant("dihr_partner", "*", "Actor:identifying", "read", "all"))
		// An expectation the policy fails already does not block a change
		// that does not break another one (the fix, or something else).
		_, err = s.Apply(op, []store.Change{grant("dihr_partner", "*", "Incident", "update", "all")}, "unrelated to the failing tests")
		e = wantCode(t, err, benkan.EINVALID)
		if !strings.Contains(e.Message, "break 1 policy test:") || !strings.Contains(e.Message, "role dihr_partner, *, Incident, update, deny: got allow") {
			t.Errorf("error %q: want only the line this change breaks", e.Message)
		}
		if _, err := s.Apply(op, []store.Change{assign(subjCoord, "amdh_monitor", w.niono)}, "unrelated, breaks nothing"); err != nil {
			t.Fatalf("a change that breaks no test was refused: %v", err)
		}
		if _, err := s.Apply(op, []store.Change{revoke("dihr_partner", "*", "Actor:identifying", "read", "all")}, "the fix"); err != nil {
			t.Fatalf("the fix was refused: %v", err)
		}
		if failures := must(w.policy().Check(shipped(t))); len(failures) != 0 {
			t.Errorf("after the fix: %v", failures)
		}
	})
}
