package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestVersionKeepsPolicy: each version keeps the policy it produced,
// exactly as Load reads it just after; Version reads it back.
func TestVersionKeepsPolicy(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		sys := policy.SystemContext(w.ctx)
		for i, ch := range [][]store.Change{
			{grant("dihr_partner", "*", "Incident.narrative", "read", "all")},
			{assign(subjAdmin2, policy.AdminRole, "*"), revoke("dihr_partner", "*", "Incident.narrative", "read", "all")},
		} {
			v := w.apply(t, fmt.Sprint("change ", i), ch...)
			stored := must(db.Client.PolicyVersion.Get(sys, v.ID))
			if want := w.policy().CSV(); stored.Policy != want {
				t.Fatalf("version %d keeps\n%s\nthe policy is\n%s", v.ID, stored.Policy, want)
			}
			got := must(w.store.Version(w.operator(), v.ID))
			if got.ID != v.ID || got.Reason != v.Reason || !slices.Equal(got.Added, v.Added) || !slices.Equal(got.Removed, v.Removed) {
				t.Errorf("Version(%d) = %+v, Apply answered %+v", v.ID, got, v)
			}
		}
		_, err := w.store.Version(w.operator(), 999999)
		wantCode(t, err, benkan.ENOTFOUND)
	})
}

// TestRollbackRefused: a version recorded before versions kept their
// policy cannot be compared or rolled back to, and a rollback to a policy
// naming a locality deleted since is refused like the line itself would
// be; nothing is written.
func TestRollbackRefused(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		sys := policy.SystemContext(w.ctx)
		gao := must(db.Client.Locality.Create().SetName("Gao").SetLevel(locality.LevelREGION).Save(sys))
		inGao := w.apply(t, "the monitor covers Gao", assign(subjMon, "amdh_monitor", string(gao.ID)))
		w.apply(t, "not any more", unassign(subjMon, "amdh_monitor", string(gao.ID)))
		must(0, db.Client.Locality.DeleteOne(gao).Exec(sys))
		old := w.apply(t, "an older version", grant("dihr_partner", "*", "Incident.narrative", "read", "all"))
		w.apply(t, "a later one", revoke("dihr_partner", "*", "Incident.narrative", "read", "all"))
		w.exec(fmt.Sprintf("UPDATE policy_versions SET policy = NULL WHERE id = %d", old.ID))

		before := w.counts()
		_, err := w.store.Rollback(w.operator(), inGao.ID, "Gao again")
		if e := wantCode(t, err, benkan.EINVALID); !strings.Contains(e.Message, string(gao.ID)) {
			t.Errorf("a rollback naming a deleted locality: %v", err)
		}
		_, err = w.store.Rollback(w.operator(), old.ID, "older")
		if e := wantCode(t, err, benkan.EINVALID); e.Field != "toVersion" || !strings.Contains(e.Message, "before versions kept their policy") {
			t.Errorf("a rollback to a version without its policy: %v", err)
		}
		_, err = w.store.Diff(w.operator(), old.ID, inGao.ID)
		if e := wantCode(t, err, benkan.EINVALID); e.Field != "from" {
			t.Errorf("a diff from a version without its policy: %v", err)
		}
		_, err = w.store.Rollback(w.ctx, inGao.ID, "anonymous")
		wantCode(t, err, benkan.EUNAUTHENTICATED)
		if after := w.counts(); after != before {
			t.Fatalf("refused rollbacks wrote: %+v → %+v", before, after)
		}
	})
}
