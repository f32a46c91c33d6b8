package store_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/demo"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// A sixth value names a row, by its type's unique field or by its id; a
// reference that cannot name a row of the object's type fails the file.
func TestParseRowExpectations(t *testing.T) {
	loc, inc := string(gid.New("loc")), gid.New("inc")
	cases := []struct {
		name, line string
		want       store.RowRef // for a valid line
		err        string       // in the error, "" for a valid line
	}{
		{"reference", "user dihr.officer, *, Incident, read, allow, Incident NIO-2022-0001",
			store.RowRef{Type: "Incident", Field: "reference", Key: "NIO-2022-0001"}, ""},
		{"field", "user dihr.officer, *, Incident.narrative, read, deny, Incident NIO-2022-0001",
			store.RowRef{Type: "Incident", Field: "reference", Key: "NIO-2022-0001"}, ""},
		{"group", "role dihr_partner, *, Incident:sensitive, read, deny, Incident NIO-2022-0001",
			store.RowRef{Type: "Incident", Field: "reference", Key: "NIO-2022-0001"}, ""},
		{"name with spaces", "user fsi.niono, *, Organization, read, allow, Organization Commissariat de police de Niono",
			store.RowRef{Type: "Organization", Field: "name", Key: "Commissariat de police de Niono"}, ""},
		{"user", "user monitor.niono, *, User, read, allow, User monitor.niono",
			store.RowRef{Type: "User", Field: "subject", Key: "monitor.niono"}, ""},
		{"id", "user dihr.officer, *, Incident, read, allow, " + string(inc), store.RowRef{ID: inc}, ""},
		{"role in a locality", "role amdh_monitor, " + loc + ", Incident, update, deny, Incident NIO-2022-0001",
			store.RowRef{Type: "Incident", Field: "reference", Key: "NIO-2022-0001"}, ""},
		{"other type", "user dihr.officer, *, Incident, read, allow, User dihr.officer", store.RowRef{},
			"the object is of type Incident, the row of type User"},
		{"no unique field", "user dihr.officer, *, Actor, read, deny, Actor Victime fictive 017", store.RowRef{},
			"Actor has no unique field to name its rows by: give the row's id"},
		{"every object", "user dihr.officer, *, *, read, deny, Incident NIO-2022-0001", store.RowRef{}, "* has no rows"},
		{"policy", "user dihr.officer, *, Policy, read, deny, Incident NIO-2022-0001", store.RowRef{}, "Policy has no rows"},
		{"malformed id", "user dihr.officer, *, Incident, read, deny, inc_42", store.RowRef{}, "write TYPE KEY"},
		{"unknown prefix", "user dihr.officer, *, Incident, read, deny, " + string(gid.New("zzz")), store.RowRef{}, `no type has ids with the prefix "zzz"`},
		{"user in a locality", "user monitor.niono, " + loc + ", Incident, read, allow, Incident NIO-2022-0001", store.RowRef{}, "a user's row line is decided with every role"},
		{"seven values", "user dihr.officer, *, Incident, read, deny, Incident NIO-2022-0001, x", store.RowRef{}, "7 values, not 5 or 6"},
		{"empty row", "user dihr.officer, *, Incident, read, deny, ", store.RowRef{}, "write TYPE KEY"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, err := store.ParseExpectations("t.csv", "# rows\n"+c.line+"\n")
			if c.err == "" {
				if err != nil || len(e.List) != 1 || e.List[0].Row != c.want || e.List[0].Line != 2 {
					t.Fatalf("got %+v, %v; want one expectation on %+v at line 2", e, err, c.want)
				}
				if !e.HasRows() {
					t.Error("HasRows is false")
				}
				return
			}
			if err == nil || benkan.ErrorCode(err) != benkan.EINVALID || !strings.Contains(err.Error(), "t.csv:2: ") || !strings.Contains(err.Error(), c.err) {
				t.Fatalf("got %v, want a BAD_USER_INPUT error naming t.csv:2 and %q", err, c.err)
			}
		})
	}
	// Five values are unchanged: no row.
	e := must(store.ParseExpectations("t.csv", "role dihr_partner, *, Actor.fullName, read, deny\n"))
	if !e.List[0].Row.IsZero() || e.HasRows() {
		t.Errorf("a five-value line has a row: %+v", e.List[0])
	}
}

// demoTests reads the repository's expectations on the demo data.
func demoTests(t *testing.T) (*store.Expectations, string) {
	t.Helper()
	text := string(must(os.ReadFile("../../demo/expectations.csv")))
	e, err := store.ParseExpectations("demo/expectations.csv", text)
	if err != nil {
		t.Fatalf("demo/expectations.csv does not parse: %v", err)
	}
	return e, text
}

// demoWorld is a database with the demo data and the demo users' roles,
// as serve --demo leaves it.
type demoWorld struct {
	ctx   context.Context
	db    *storage.DB
	store *store.Store // without policy tests
	kayes string       // the commune where fsi.kayes holds fsi_liaison
}

func newDemoWorld(t *testing.T, db *storage.DB) *demoWorld {
	t.Helper()
	w := &demoWorld{ctx: context.Background(), db: db}
	sys := policy.SystemContext(w.ctx)
	if _, err := demo.Load(sys, db.Client); err != nil {
		t.Fatal(err)
	}
	w.store = must(store.Open(w.ctx, db, store.Options{}))
	as := must(demo.Assignments(sys, db.Client))
	var stored []store.Assignment
	for _, a := range as {
		stored = append(stored, store.Assignment{Subject: a.Subject, Role: a.Role, Domain: a.Domain})
		if a.Subject == "fsi.kayes" {
			w.kayes = a.Domain
		}
	}
	if err := w.store.EnsureAssigned(w.operator(), "the demo users' roles", stored); err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *demoWorld) operator() context.Context { return store.AsOperator(w.ctx, "store-test") }

// file is the stored policy as a file, with edit applied to its text.
func (w *demoWorld) file(t *testing.T, edit func(string) string) *store.File {
	t.Helper()
	p := must(w.store.Load(w.operator()))
	return must(store.ParseFile(edit(p.CSV())))
}

// texts returns the texts of the failures' expectations, for comparing.
func texts(failures []store.Failure) []string {
	var out []string
	for _, f := range failures {
		out = append(out, f.Text)
	}
	return out
}

// The demo expectations hold for the default policy on the demo data, and
// every one of them is decided by the policy, not by the data alone: with
// no permission line at all each allow line fails, and with every action
// on everything granted to every role each deny line fails, so that no
// line passes whatever the policy says.
func TestDemoRowExpectations(t *testing.T) {
	e, _ := demoTests(t)
	var allow, deny []string
	for _, x := range e.List {
		if x.Row.IsZero() {
			t.Errorf("demo/expectations.csv:%d has no row: five-value lines belong in policy/expectations.csv", x.Line)
		}
		if x.Allow {
			allow = append(allow, x.Text)
		} else {
			deny = append(deny, x.Text)
		}
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newDemoWorld(t, db)
		p, failures, err := w.store.Check(w.operator(), e)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range failures {
			t.Errorf("the default policy fails %s", f)
		}
		// The decisions are those requests get: each user's line on reading
		// an incident agrees with what the user's queries return through
		// ent's privacy filter, with the engine a server builds.
		engine := policy.NewEngine(db.Client)
		if err := engine.Use(p.Snapshot()); err != nil {
			t.Fatal(err)
		}
		compared := 0
		for _, x := range e.List {
			if x.User == "" || x.Object != "Incident" || x.Action != "read" {
				continue
			}
			v := must(engine.Viewer(w.ctx, x.User))
			got := must(db.Client.Incident.Query().Where(incident.Reference(x.Row.Key)).Exist(policy.NewContext(w.ctx, v)))
			if got != x.Allow {
				t.Errorf("demo/expectations.csv:%d: %s: the user's query finds the row: %v", x.Line, x.Text, got)
			}
			compared++
		}
		if compared < 20 {
			t.Errorf("only %d lines compared with queries", compared)
		}
		// The shipped matrix and the rows together, in one file.
		both := must(store.ParseExpectations("both.csv", string(must(os.ReadFile("../expectations.csv")))+"\n"+string(must(os.ReadFile("../../demo/expectations.csv")))))
		if failures := must(p.CheckWith(w.ctx, db.Client, both)); len(failures) != 0 {
			t.Errorf("the matrix and the rows in one file: %v", failures)
		}
		// Without a database, every row line fails saying why.
		for _, f := range must(p.Check(e)) {
			if !strings.Contains(f.String(), "a row reference needs a database's rows") {
				t.Errorf("without a database: %s", f)
			}
		}
		if n := len(must(p.Check(e))); n != len(e.List) {
			t.Errorf("without a database, %d of %d row lines fail", n, len(e.List))
		}

		cases := []struct {
			name string
			edit func(string) string
			want []string
			got  string
		}{
			{"no permission line on the rows", func(text string) string {
				var keep []string
				for _, l := range strings.Split(text, "\n") {
					if !strings.HasPrefix(l, "p, ") {
						keep = append(keep, l)
					}
				}
				// One line each, on other rows, so that the roles held in a
				// locality stay valid (a role held there must scope by it).
				for _, r := range policy.Roles {
					keep = append(keep, "p, "+r+", *, Activity, read, own_localities")
				}
				return strings.Join(keep, "\n")
			}, allow, "got deny, want allow"},
			{"everything granted", func(text string) string {
				for _, r := range policy.Roles {
					for _, act := range []string{"read", "create", "update"} {
						text += "\np, " + r + ", *, *, " + act + ", all"
					}
				}
				return text
			}, deny, "got allow, want deny"},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				failures := must(store.CheckFileExpectationsWith(w.ctx, db.Client, w.file(t, c.edit), e))
				if got := texts(failures); !slices.Equal(got, c.want) {
					t.Fatalf("failing lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
				}
				for _, f := range failures {
					if s := f.String(); !strings.Contains(s, c.got) || f.Why == "" {
						t.Errorf("failure %q does not say %q and why", s, c.got)
					}
				}
			})
		}
	})
}

// A change that breaks an expectation on a row is refused by the store
// with the failing line, and nothing is written; representative breakages
// of each row rule of DESIGN's matrix, by grants, revocations and
// assignments.
func TestApplyRunsRowExpectations(t *testing.T) {
	e, text := demoTests(t)
	line := func(expectation string) string {
		for i, l := range strings.Split(text, "\n") {
			if l == expectation {
				return "demo/expectations.csv:" + strconv.Itoa(i+1) + ": " + expectation
			}
		}
		t.Fatalf("demo/expectations.csv has no line %q", expectation)
		return ""
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newDemoWorld(t, db)
		s := must(store.Open(w.ctx, db, store.Options{Expectations: e}))
		cases := []struct {
			name    string
			changes []store.Change
			want    []string // failing lines, each with what it got
		}{
			{"DIHR without consent", []store.Change{
				revoke("dihr_partner", "*", "Incident", "read", "shared_status&consented"),
				grant("dihr_partner", "*", "Incident", "read", "shared_status")},
				[]string{line("user dihr.officer, *, Incident, read, deny, Incident NIO-2022-0015") + ": got allow, want deny",
					line("user dihr.officer, *, Incident, read, deny, Incident KAY-2022-0003") + ": got allow, want deny"}},
			{"DIHR reads unverified incidents", []store.Change{
				grant("dihr_partner", "*", "Incident", "read", "consented")},
				[]string{line("user dihr.officer, *, Incident, read, deny, Incident KAY-2022-0029") + ": got allow, want deny",
					line("user dihr.officer, *, Incident, read, deny, Incident KAY-2022-0016") + ": got allow, want deny",
					line("user dihr.officer, *, Incident, read, deny, Incident KAY-2022-0017") + ": got allow, want deny"}},
			{"DIHR reads the narrative", []store.Change{
				grant("dihr_partner", "*", "Incident.narrative", "read", "all")},
				[]string{line("user dihr.officer, *, Incident.narrative, read, deny, Incident NIO-2022-0001") + ": got allow, want deny"}},
			{"FSI sees every unit's allegations", []store.Change{
				revoke("fsi_liaison", "*", "Incident", "read", "verified&own_localities&own_unit&consented"),
				grant("fsi_liaison", "*", "Incident", "read", "verified&own_localities&consented")},
				[]string{line("user fsi.niono, *, Incident, read, deny, Incident NIO-2022-0008") + ": got allow, want deny",
					line("user fsi.kayes, *, Incident, read, deny, Incident KAY-2022-0018") + ": got allow, want deny"}},
			{"FSI loses its locality", []store.Change{unassign("fsi.kayes", "fsi_liaison", w.kayes)},
				[]string{line("user fsi.kayes, *, Incident, read, allow, Incident KAY-2022-0019") + ": got deny, want allow"}},
			{"monitors read the sensitive fields of verified incidents", []store.Change{
				grant("amdh_monitor", "*", "Incident:sensitive", "read", "verified&own_localities")},
				[]string{line("role amdh_monitor, *, Incident.narrative, read, deny, Incident NIO-2022-0001") + ": got allow, want deny",
					line("role amdh_monitor, *, Incident.exactLocation, read, deny, Incident NIO-2022-0001") + ": got allow, want deny",
					line("role amdh_monitor, *, Incident.source, read, deny, Incident NIO-2022-0001") + ": got allow, want deny"}},
			{"monitors lose their own submissions", []store.Change{
				revoke("amdh_monitor", "*", "Incident", "read", "own_submissions")},
				[]string{line("user monitor.niono, *, Incident, read, allow, Incident NIO-2022-0013") + ": got deny, want allow",
					line("user monitor.niono, *, Incident.narrative, read, allow, Incident NIO-2022-0013") + ": got deny, want allow",
					line("user monitor.niono, *, Incident.source, read, allow, Incident NIO-2022-0013") + ": got deny, want allow",
					line("user monitor.niono, *, Incident:sensitive, read, allow, Incident NIO-2022-0013") + ": got deny, want allow",
					line("user monitor.niono, *, Incident, update, allow, Incident NIO-2022-0013") + ": got deny, want allow"}},
			{"monitors read verified incidents everywhere", []store.Change{
				grant("amdh_monitor", "*", "Incident", "read", "verified")},
				[]string{line("user monitor.niono, *, Incident, read, deny, Incident KAY-2022-0019") + ": got allow, want deny",
					line("user monitor.niono, *, Incident.summary, read, deny, Incident KAY-2022-0019") + ": got allow, want deny",
					line("user monitor.kayes, *, Incident, read, deny, Incident NIO-2022-0001") + ": got allow, want deny"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				before := must(w.store.Load(w.operator())).Revision
				versions := len(must(w.store.Versions(w.operator(), 1000)))
				_, err := s.Apply(w.operator(), c.changes, c.name)
				be := wantCode(t, err, benkan.EINVALID)
				for _, want := range c.want {
					if !strings.Contains(be.Message, want) {
						t.Errorf("the refusal does not name %q:\n%s", want, be.Message)
					}
				}
				if n := strings.Count(be.Message, "\ndemo/expectations.csv:"); n != len(c.want) {
					t.Errorf("the refusal names %d lines, want %d:\n%s", n, len(c.want), be.Message)
				}
				if rev := must(w.store.Load(w.operator())).Revision; rev != before || len(must(w.store.Versions(w.operator(), 1000))) != versions {
					t.Errorf("a refused change was written: revision %d, then %d", before, rev)
				}
			})
		}
		// A change that keeps them is applied, through the same store.
		if _, err := s.Apply(w.operator(), []store.Change{grant("dihr_partner", "*", "Incident.reference", "read", "all")}, "harmless"); err != nil {
			t.Fatalf("a change that keeps the row tests: %v", err)
		}
	})
}

// A reference that names no row fails its expectation, allow or deny,
// with the reason; so do a missing user and a row of another type. Such
// a line fails before and after any change, so it blocks none, and the
// server reports it at start (see cmd/benkan).
func TestMissingRowExpectations(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newDemoWorld(t, db)
		usr := must(db.Client.User.Query().Where(user.Subject("dihr.officer")).OnlyID(policy.SystemContext(w.ctx)))
		missing := gid.New("inc")
		e := must(store.ParseExpectations("t.csv", strings.Join([]string{
			"user dihr.officer, *, Incident, read, deny, Incident NIO-2099-0001",
			"user dihr.officer, *, Incident, read, allow, Incident NIO-2099-0001",
			"user dihr.officer, *, Incident, read, deny, " + string(missing),
			"user nobody, *, Incident, read, deny, Incident NIO-2022-0001",
			"role nobody, *, Incident, read, deny, Incident NIO-2022-0001",
			"user dihr.officer, *, Incident, read, deny, " + string(usr),
			"user sory.diakite, *, ViolationType, update, deny, ViolationType no_such_code",
			"user dihr.officer, *, Incident, read, allow, Incident NIO-2022-0001",
		}, "\n")))
		_, failures, err := w.store.Check(w.operator(), e)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			`t.csv:1: user dihr.officer, *, Incident, read, deny, Incident NIO-2099-0001: no Incident has the reference "NIO-2099-0001"`,
			`t.csv:2: user dihr.officer, *, Incident, read, allow, Incident NIO-2099-0001: no Incident has the reference "NIO-2099-0001"`,
			"t.csv:3: user dihr.officer, *, Incident, read, deny, " + string(missing) + ": no row has the id " + string(missing),
			`t.csv:4: user nobody, *, Incident, read, deny, Incident NIO-2022-0001: no user has the subject "nobody"`,
			`t.csv:5: role nobody, *, Incident, read, deny, Incident NIO-2022-0001: the policy has no role "nobody"`,
			"t.csv:6: user dihr.officer, *, Incident, read, deny, " + string(usr) + ": " + string(usr) + " is a User, not a Incident",
			`t.csv:7: user sory.diakite, *, ViolationType, update, deny, ViolationType no_such_code: no ViolationType has the code "no_such_code"`,
		}
		var got []string
		for _, f := range failures {
			got = append(got, f.String())
		}
		if !slices.Equal(got, want) {
			t.Fatalf("failures:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		// Configured, they block no change (they fail before and after);
		// a change that breaks the line that holds is refused.
		s := must(store.Open(w.ctx, db, store.Options{Expectations: e}))
		if _, err := s.Apply(w.operator(), []store.Change{grant("dihr_partner", "*", "Incident.reference", "read", "all")}, "harmless"); err != nil {
			t.Fatalf("a change breaking no test: %v", err)
		}
		_, err = s.Apply(w.operator(), []store.Change{revoke("dihr_partner", "*", "Incident", "read", "shared_status&consented")}, "DIHR loses its incidents")
		be := wantCode(t, err, benkan.EINVALID)
		if !strings.Contains(be.Message, "break 1 policy test:\nt.csv:8: user dihr.officer, *, Incident, read, allow, Incident NIO-2022-0001: got deny, want allow (Incident NIO-2022-0001 is inc_") ||
			!strings.Contains(be.Message, "hidden") {
			t.Errorf("refusal %q: want line 8 alone, with why", be.Message)
		}
	})
}

// Renaming a user that a row line names is a change of users the policy
// tests see (ChangeUsers), decided on the rows of its transaction.
func TestUsersChangeKeepsRowExpectations(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newDemoWorld(t, db)
		e := must(store.ParseExpectations("t.csv", "user fsi.kayes, *, Incident, read, allow, Incident KAY-2022-0019\n"))
		s := must(store.Open(w.ctx, db, store.Options{Expectations: e}))
		ctx := policy.SystemContext(w.ctx)
		tx := must(db.Client.Tx(ctx))
		ctx = ent.NewTxContext(ctx, tx)
		err := s.ChangeUsers(ctx, "subject", func() error {
			return tx.Client().User.Update().Where(user.Subject("fsi.kayes")).SetSubject("fsi.kayes.old").Exec(ctx)
		})
		_ = tx.Rollback()
		be := wantCode(t, err, benkan.EINVALID)
		if !strings.Contains(be.Message, `t.csv:1: user fsi.kayes, *, Incident, read, allow, Incident KAY-2022-0019: no user has the subject "fsi.kayes"`) {
			t.Errorf("refusal %q does not name the line", be.Message)
		}
	})
}

// Every type whose ent schema has one unique field, and that a policy
// names, can be named by it: none is left without a lookup.
func TestRowLookups(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newDemoWorld(t, db)
		for typ, fields := range ent.UniqueFields {
			if len(fields) != 1 || policy.CheckObject(typ) != nil || typ == policy.PolicyObject {
				continue
			}
			e := must(store.ParseExpectations("t.csv", "user admin, *, "+typ+", read, allow, "+typ+" no-such-key\n"))
			_, failures, err := w.store.Check(w.operator(), e)
			if err != nil {
				t.Fatalf("%s: %v", typ, err)
			}
			if len(failures) != 1 || !strings.HasPrefix(failures[0].Reason, "no "+typ+" has the ") {
				t.Errorf("%s: %v", typ, failures)
			}
		}
	})
}

// A role's line is a user who holds the role in DOMAIN and nothing else:
// held in Kayes, a monitor reads Kayes's verified incidents, not Niono's,
// and none of the sensitive fields (it collected nothing); an FSI focal
// point of no organization alleges no unit.
func TestRoleRowExpectations(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newDemoWorld(t, db)
		cases := []struct {
			line string
			fail string // in the failure, "" when the line holds
		}{
			{"role amdh_monitor, KAYES, Incident, read, allow, Incident KAY-2022-0019", ""},
			{"role amdh_monitor, KAYES, Incident, read, deny, Incident NIO-2022-0001", ""},
			{"role amdh_monitor, KAYES, Incident.narrative, read, deny, Incident KAY-2022-0019", ""},
			{"role amdh_monitor, KAYES, Incident.summary, read, allow, Incident KAY-2022-0019", ""},
			{"role amdh_monitor, KAYES, Incident, read, allow, Incident NIO-2022-0001", "got deny, want allow"},
			{"role fsi_liaison, KAYES, Incident, read, deny, Incident KAY-2022-0019", ""},
			{"role fsi_liaison, KAYES, Incident, read, allow, Incident KAY-2022-0019", "refused by own_unit"},
			{"role dihr_partner, *, Incident, read, allow, Incident KAY-2022-0012", ""},
			{"role dihr_partner, *, Incident, read, allow, Incident KAY-2022-0003", "refused by consented"},
		}
		for _, c := range cases {
			t.Run(c.line, func(t *testing.T) {
				e := must(store.ParseExpectations("t.csv", strings.ReplaceAll(c.line, "KAYES", w.kayes)))
				_, failures, err := w.store.Check(w.operator(), e)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case c.fail == "" && len(failures) != 0:
					t.Errorf("fails: %v", failures)
				case c.fail != "" && (len(failures) != 1 || !strings.Contains(failures[0].String(), c.fail)):
					t.Errorf("failures %v, want one saying %q", failures, c.fail)
				}
			})
		}
	})
}
