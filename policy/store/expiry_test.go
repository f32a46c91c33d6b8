package store_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/benkan-project/benkan/ent/policyversion"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestExpiryValue: only a g line may have a 4th value, and only an RFC
// 3339 UTC time to the second; the engine's lines never carry it.
func TestExpiryValue(t *testing.T) {
	future := time.Now().Add(24 * time.Hour).UTC().Truncate(time.Second).Format(time.RFC3339)
	tests := []struct {
		name    string
		ptype   string
		values  []string
		problem string // in the problem's reason; "" for a valid line
	}{
		{"g with an expiry", "g", []string{subjNobody, "dihr_partner", "*", future}, ""},
		{"a role's g with an expiry", "g", []string{"fsi_liaison", "dihr_partner", "*", future}, ""},
		{"g with a date only", "g", []string{subjNobody, "dihr_partner", "*", "2027-06-30"}, `expiry "2027-06-30"`},
		{"g with an offset", "g", []string{subjNobody, "dihr_partner", "*", "2027-06-30T02:00:00+02:00"}, "RFC 3339 UTC"},
		{"g with fractions", "g", []string{subjNobody, "dihr_partner", "*", "2027-06-30T00:00:00.5Z"}, "to the second"},
		{"g2 with a 3rd value", "g2", []string{"Incident.narrative", "Incident:sensitive", future}, "a g2 line has 2 values, not 3"},
		{"p with a 6th value", "p", []string{"dihr_partner", "*", "Incident", "read", "all", future}, "a p line has 5 values, not 6"},
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w.insertRule(tt.ptype, tt.values...)
				defer w.exec("DELETE FROM policy_rules WHERE id = (SELECT MAX(id) FROM policy_rules)") // the line inserted
				p := must(w.store.Reload(w.ctx))
				text := tt.ptype + ", " + strings.Join(tt.values, ", ")
				pr, isProblem := problem(p, text)
				switch {
				case tt.problem == "" && isProblem:
					t.Fatalf("%s is a problem: %s", text, pr.Reason)
				case tt.problem != "" && !isProblem:
					t.Fatalf("%s is not a problem", text)
				case tt.problem != "" && !strings.Contains(pr.Reason, tt.problem):
					t.Fatalf("%s: reason %q, want %q in it", text, pr.Reason, tt.problem)
				}
				for _, l := range p.Snapshot().Lines {
					if l[0] == "g" && len(l) != 4 {
						t.Fatalf("the engine receives %v", l)
					}
				}
				if tt.problem == "" && tt.values[0] == subjNobody {
					if got := w.viewer(subjNobody).Assignments; len(got) != 1 {
						t.Fatalf("nobody holds %v", got)
					}
				}
				if tt.problem == "" {
					if !strings.Contains(p.CSV(), "\n"+text+"\n") {
						t.Fatalf("the CSV lacks %q:\n%s", text, p.CSV())
					}
				}
			})
		}
	})
}

// TestExpiredAtLoad: an assignment stored already expired (by hand, past
// Apply's check) holds on no store that loads it, and several stores that
// find it at once remove it once: one version, one audit event by benkan.
func TestExpiredAtLoad(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		past := time.Now().Add(-time.Minute).UTC().Truncate(time.Second).Format(time.RFC3339)
		w.insertRule("g", subjNobody, "dihr_partner", "*", past)
		before := w.counts()
		var wg sync.WaitGroup
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s := w.open() // a replica starting, or the watch of one
				if _, err := s.Reload(w.ctx); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if got := w.viewer(subjNobody).Assignments; len(got) != 0 {
			t.Fatalf("an expired assignment holds: %v", got)
		}
		after := w.counts()
		if after.versions != before.versions+1 || after.audit != before.audit+1 || after.rules != before.rules-1 {
			t.Fatalf("versions %d→%d, audit %d→%d, rules %d→%d: want one lapse", before.versions, after.versions, before.audit, after.audit, before.rules, after.rules)
		}
		v := must(db.Client.PolicyVersion.Query().Order(policyversion.ByID()).All(policy.SystemContext(w.ctx)))
		last := v[len(v)-1]
		line := "g, " + subjNobody + ", dihr_partner, *, " + past
		if last.Actor != "benkan" || last.Reason != "assignment expired at "+past || len(last.Removed) != 1 || last.Removed[0] != line {
			t.Fatalf("the lapse: actor %q, reason %q, removed %v", last.Actor, last.Reason, last.Removed)
		}
		_, err := w.store.Apply(w.operator(), []store.Change{{Op: store.Assign, Assignment: store.Assignment{Subject: subjNobody, Role: "dihr_partner", Domain: "*", Expires: time.Now().Add(-time.Second)}}}, "too late")
		wantCode(t, err, "BAD_USER_INPUT")
	})
}
