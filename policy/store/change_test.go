package store_test

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent/policyrule"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// Lines that name what does not exist: stored by hand they are left out
// and listed; asked for through Apply they are refused with BAD_USER_INPUT
// and nothing is written.
func TestUnknownNames(t *testing.T) {
	ghost := string(gid.New("loc")) // well formed, but no locality has it
	cases := []struct {
		name   string
		line   []string // ptype first
		reason string   // in the problem's reason and Apply's error
	}{
		{"role", []string{"p", "nosuchrole", "*", "Incident", "read", "all"}, `no role "nosuchrole"`},
		{"assigned role", []string{"g", subjNobody, "nosuchrole", "*"}, `no role "nosuchrole"`},
		{"field", []string{"p", "dihr_partner", "*", "Incident.nosuchfield", "read", "all"}, `no field "nosuchfield"`},
		{"type", []string{"p", "dihr_partner", "*", "Nosuchtype", "read", "all"}, `no type "Nosuchtype"`},
		{"group", []string{"p", "dihr_partner", "*", "Incident:nosuchgroup", "read", "all"}, "has no field"},
		{"grouped field", []string{"g2", "Incident.nosuchfield", "Incident:shareable"}, `no field "nosuchfield"`},
		{"action", []string{"p", "dihr_partner", "*", "Incident.narrative", "delete", "all"}, `no action "delete"`},
		{"scope atom", []string{"p", "dihr_partner", "*", "Incident.narrative", "read", "nosuchatom"}, `no atom "nosuchatom"`},
		{"domain", []string{"p", "dihr_partner", ghost, "Incident.narrative", "read", "all"}, "no locality has this id"},
		{"malformed domain", []string{"p", "dihr_partner", "Niono", "Incident.narrative", "read", "all"}, "write * (everywhere) or the id of a locality"},
		{"assigned domain", []string{"g", subjDIHR, "amdh_monitor", ghost}, "no locality has this id"},
		{"user", []string{"g", "ghost", policy.AdminRole, "*"}, `no user has the subject "ghost"`},
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)

		// Through Apply, one at a time and all in one set.
		before := w.counts()
		var all []store.Change
		for _, c := range cases {
			ch := lineChange(c.line)
			all = append(all, ch)
			_, err := w.store.Apply(w.operator(), []store.Change{ch}, "try "+c.name)
			if e := wantCode(t, err, benkan.EINVALID); !strings.Contains(e.Message, c.reason) {
				t.Errorf("%s: the error %q does not say %q", c.name, e.Message, c.reason)
			}
			if got := w.counts(); got != before {
				t.Fatalf("%s: a refused change wrote something: %+v, was %+v", c.name, got, before)
			}
		}
		_, err := w.store.Apply(w.operator(), append([]store.Change{grant("dihr_partner", "*", "Actor.pseudonym", "update", "all")}, all...), "try them all")
		wantCode(t, err, benkan.EINVALID)
		if got := w.counts(); got != before {
			t.Fatalf("a refused set wrote something: %+v, was %+v", got, before)
		}

		// By hand.
		for _, c := range cases {
			w.insertRule(c.line[0], c.line[1:]...)
		}
		if _, err := w.store.Reload(w.ctx); err != nil {
			t.Fatalf("reload: %v", err)
		}
		p := w.policy()
		if len(p.Problems) != len(cases) {
			t.Errorf("%d problems listed, want %d: %+v", len(p.Problems), len(cases), p.Problems)
		}
		for _, c := range cases {
			text := strings.Join(c.line, ", ")
			i := slices.IndexFunc(p.Problems, func(pr store.Problem) bool { return pr.Line == text })
			if i < 0 {
				t.Errorf("%s: %q is not listed", c.name, text)
				continue
			}
			if !strings.Contains(p.Problems[i].Reason, c.reason) {
				t.Errorf("%s: the reason %q does not say %q", c.name, p.Problems[i].Reason, c.reason)
			}
			if strings.Contains(p.CSV(), text) {
				t.Errorf("%s: the export holds %q", c.name, text)
			}
		}
		// None of them is in force.
		dihr := w.viewer(subjDIHR)
		for _, d := range []string{"*", w.niono, ghost, "Niono"} {
			if dihr.Holds(d, "Incident.narrative", policy.ActionRead) {
				t.Errorf("a left-out line grants DIHR the narrative in %s", d)
			}
		}
		if slices.Contains(dihr.Roles(), "amdh_monitor") {
			t.Errorf("a left-out line gives DIHR amdh_monitor")
		}
		if slices.Contains(w.viewer(subjNobody).Roles(), "nosuchrole") {
			t.Errorf("a left-out line gives nobody a role")
		}
		if got := w.incidents(subjDIHR); !slices.Equal(got, []string{ref}) {
			t.Errorf("DIHR reads %v, want [%s]", got, ref)
		}
	})
}

// lineChange is the change that adds a line.
func lineChange(l []string) store.Change {
	switch l[0] {
	case "p":
		return grant(l[1], l[2], l[3], l[4], l[5])
	case "g":
		return assign(l[1], l[2], l[3])
	}
	return store.Change{Op: store.Group, FieldGroup: store.FieldGroup{Field: l[1], Group: l[2]}}
}

// The last user who may change the policy cannot lose that right, alone or
// in a set, and two concurrent sets that each remove one of two admins
// cannot both succeed.
func TestLastAdminKept(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		before := w.counts()
		refused := [][]store.Change{
			{unassign(subjAdmin, policy.AdminRole, "*")},
			{revoke(policy.AdminRole, "*", "*", "update", "all")},
			{grant("dihr_partner", "*", "Actor.pseudonym", "update", "all"), unassign(subjAdmin, policy.AdminRole, "*")},
			// Another admin who goes too.
			{assign(subjAdmin2, policy.AdminRole, "*"), unassign(subjAdmin, policy.AdminRole, "*"), unassign(subjAdmin2, policy.AdminRole, "*")},
		}
		for _, set := range refused {
			_, err := w.store.Apply(w.operator(), set, "remove the last admin")
			if e := wantCode(t, err, benkan.EINVALID); !strings.Contains(e.Message, "no user who may change the access policy") {
				t.Fatalf("%v: the error %q does not say why", set, e.Message)
			}
			if got := w.counts(); got != before {
				t.Fatalf("%v: a refused set wrote something: %+v, was %+v", set, got, before)
			}
		}
		// Handing over works.
		w.apply(t, "hand over", assign(subjAdmin2, policy.AdminRole, "*"), unassign(subjAdmin, policy.AdminRole, "*"))
		w.apply(t, "hand back", assign(subjAdmin, policy.AdminRole, "*"))

		// Two admins, each removed by one of two concurrent sets.
		for round := range 10 {
			admins := []string{subjAdmin, subjAdmin2}
			errs := make([]error, len(admins))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, s := range admins {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					_, errs[i] = w.store.Apply(w.operator(), []store.Change{unassign(s, policy.AdminRole, "*")}, "remove "+s)
				}()
			}
			close(start)
			wg.Wait()
			var kept []string
			for i, err := range errs {
				if err != nil {
					wantCode(t, err, benkan.EINVALID)
					kept = append(kept, admins[i])
				}
			}
			if len(kept) != 1 {
				t.Fatalf("round %d: %d of the two removals failed (%v), want exactly one", round, len(kept), errs)
			}
			for _, a := range w.policy().Assignments {
				if a.Role == policy.AdminRole && a.Subject != kept[0] {
					t.Fatalf("round %d: %s is still admin beside %s", round, a.Subject, kept[0])
				}
			}
			if !w.viewer(kept[0]).MayPolicy(policy.ActionUpdate) {
				t.Fatalf("round %d: %s may no longer change the policy", round, kept[0])
			}
			gone := subjAdmin
			if kept[0] == subjAdmin {
				gone = subjAdmin2
			}
			w.apply(t, "admin again", assign(gone, policy.AdminRole, "*"))
		}
	})
}

// Discard removes a stored line that does not validate, and nothing else.
func TestDiscard(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		w.insertRule("", "dihr_partner", "*", "Incident.narrative", "read", "all")
		w.insertRule("p", "dihr_partner", "*", "Incident.narrative", "read", "nosuchatom")
		if _, err := w.store.Reload(w.ctx); err != nil {
			t.Fatalf("reload: %v", err)
		}
		p := w.policy()
		bad, ok := problem(p, "nosuchatom")
		if !ok || len(p.Problems) != 2 {
			t.Fatalf("problems: %+v", p.Problems)
		}

		// A valid line, or one that is not stored, is no problem to discard.
		sys := policy.SystemContext(w.ctx)
		valid := must(db.Client.PolicyRule.Query().Where(policyrule.Ptype("p"), policyrule.V0(policy.AdminRole)).First(sys))
		before := w.counts()
		for id, says := range map[int]string{valid.ID: "is valid", 1 << 30: "no stored rule"} {
			_, err := w.store.Apply(w.operator(), []store.Change{{Op: store.Discard, RuleID: id}}, "discard")
			if e := wantCode(t, err, benkan.EINVALID); !strings.Contains(e.Message, says) {
				t.Fatalf("discard %d: the error %q does not say %q", id, e.Message, says)
			}
		}
		if got := w.counts(); got != before {
			t.Fatalf("a refused discard wrote something: %+v, was %+v", got, before)
		}

		v := w.apply(t, "a typo", store.Change{Op: store.Discard, RuleID: bad.RuleID})
		if !slices.Equal(v.Removed, []string{bad.Line}) || len(v.Added) != 0 {
			t.Fatalf("the version says added %v, removed %v", v.Added, v.Removed)
		}
		p = w.policy()
		if _, ok := problem(p, "nosuchatom"); ok || len(p.Problems) != 1 {
			t.Fatalf("after the discard the problems are %+v", p.Problems)
		}
		if n := must(db.Client.PolicyRule.Query().Where(policyrule.ID(bad.RuleID)).Count(sys)); n != 0 {
			t.Fatalf("the discarded line is still stored")
		}
		if got := w.counts(); got.rules != before.rules-1 || got.versions != before.versions+1 || got.audit != before.audit+1 {
			t.Fatalf("after the discard %+v, was %+v", got, before)
		}
		// Discarding it again says so.
		_, err := w.store.Apply(w.operator(), []store.Change{{Op: store.Discard, RuleID: bad.RuleID}}, "again")
		wantCode(t, err, benkan.EINVALID)
	})
}

// A role created in a set can be granted and assigned in the same set; it
// cannot be deleted while lines name it.
func TestRoleLifecycle(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		if got := w.incidents(subjNobody); len(got) != 0 {
			t.Fatalf("nobody reads %v before holding a role", got)
		}
		lines := []store.Change{
			grant("analyst", "*", "Incident", "read", "own_localities"),
			grant("analyst", "*", "Incident:shareable", "read", "all"),
			assign(subjNobody, "analyst", w.niono),
		}
		create := store.Change{Op: store.CreateRole, Role: store.Role{Name: "analyst", Description: "reads incidents"}}
		w.apply(t, "an analyst", append([]store.Change{create}, lines...)...)
		v := w.viewer(subjNobody)
		if !v.Holds(w.niono, "Incident.summary", policy.ActionRead) || v.Holds("*", "Incident", policy.ActionRead) {
			t.Fatalf("the new role's grants do not hold as assigned")
		}
		if got := w.incidents(subjNobody); !slices.Equal(got, []string{ref}) {
			t.Fatalf("the analyst reads %v, want [%s]", got, ref)
		}

		del := store.Change{Op: store.DeleteRole, Role: store.Role{Name: "analyst"}}
		before := w.counts()
		_, err := w.store.Apply(w.operator(), []store.Change{del}, "no analyst")
		if e := wantCode(t, err, benkan.EINVALID); !strings.Contains(e.Message, "3 lines still name the role") {
			t.Fatalf("the error %q does not say why", e.Message)
		}
		_, err = w.store.Apply(w.operator(), []store.Change{undo(lines[0]), del}, "no analyst")
		wantCode(t, err, benkan.EINVALID)
		if got := w.counts(); got != before {
			t.Fatalf("a refused delete wrote something: %+v, was %+v", got, before)
		}
		if !slices.ContainsFunc(w.policy().Roles, func(r store.Role) bool { return r.Name == "analyst" }) {
			t.Fatalf("the role is gone")
		}

		w.apply(t, "no analyst", undo(lines[0]), undo(lines[1]), undo(lines[2]), del)
		if slices.ContainsFunc(w.policy().Roles, func(r store.Role) bool { return r.Name == "analyst" }) {
			t.Fatalf("the role is still there")
		}
		if got := w.incidents(subjNobody); len(got) != 0 {
			t.Fatalf("after the role's deletion nobody reads %v", got)
		}
	})
}

// undo is the change that takes back a grant or an assignment.
func undo(ch store.Change) store.Change {
	switch ch.Op {
	case store.Grant:
		ch.Op = store.Revoke
	case store.Assign:
		ch.Op = store.Unassign
	}
	return ch
}

// TestLocalAssignmentNeedsLocalRole: a role whose scopes never look at the
// localities it is held in acts everywhere, so assigning it "in Niono"
// would give it every locality's rows. Such an assignment is refused, also
// for a role holding such a role; a role that holds a local role may be
// held in a locality, and then reads only there.
func TestLocalAssignmentNeedsLocalRole(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		mk := func(name string) store.Change {
			return store.Change{Op: store.CreateRole, Role: store.Role{Name: name}}
		}
		refused := [][]store.Change{
			{assign(subjNobody, "dihr_partner", w.niono)},
			{assign(subjNobody, policy.AdminRole, w.kayes)},
			{mk("global_reader"), grant("global_reader", "*", "Incident", "read", "verified"), assign(subjNobody, "global_reader", w.niono)},
			{mk("chief"), assign("chief", policy.AdminRole, "*"), assign(subjNobody, "chief", w.niono)},
		}
		for _, changes := range refused {
			before := w.counts()
			_, err := w.store.Apply(w.operator(), changes, "held in a locality")
			e := wantCode(t, err, benkan.EINVALID)
			if !strings.Contains(e.Message, "would hold everywhere") {
				t.Errorf("%v: %s", changes, e.Message)
			}
			if after := w.counts(); after != before {
				t.Errorf("%v: refused set wrote %+v → %+v", changes, before, after)
			}
		}
		// A role holding amdh_monitor (local) may be held in Kayes: it reads
		// Kayes's incidents only, none of Niono's.
		w.apply(t, "a local team", mk("kayes_team"), assign("kayes_team", "amdh_monitor", "*"), assign(subjNobody, "kayes_team", w.kayes))
		if got := w.incidents(subjNobody); len(got) != 0 {
			t.Fatalf("held in Kayes, the role reads %v of Niono", got)
		}
	})
}
