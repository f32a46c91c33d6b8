package store_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// A version recorded before a validation rule existed may hold a line the
// rule now refuses (dihr_partner, which no scope limits to localities,
// held "in Niono", which would read every locality): rolling back to it is
// refused and writes nothing, as is a rollback that breaks a configured
// policy test.
func TestRollbackRevalidates(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		old := w.apply(t, "an older version", grant("dihr_partner", "*", "Incident.narrative", "read", "all"))
		// As an older benkan stored it, before the rule on locality assignments.
		w.exec(fmt.Sprintf("UPDATE policy_versions SET policy = policy || '\ng, %s, dihr_partner, %s\n' WHERE id = %d", subjNobody, w.niono, old.ID))
		w.apply(t, "a later one", revoke("dihr_partner", "*", "Incident.narrative", "read", "all"))

		before := w.counts()
		_, err := w.store.Rollback(w.operator(), old.ID, "back")
		if e := wantCode(t, err, benkan.EINVALID); !strings.Contains(e.Message, "assign it in *") {
			t.Errorf("a rollback restoring a line the rules now refuse: %v", err)
		}
		if after := w.counts(); after != before {
			t.Fatalf("a refused rollback wrote: %+v → %+v", before, after)
		}

		// The same version without that line, but a policy test against it.
		w.exec(fmt.Sprintf("UPDATE policy_versions SET policy = replace(policy, 'g, %s, dihr_partner, %s', '') WHERE id = %d", subjNobody, w.niono, old.ID))
		s := withTests(t, w, "role dihr_partner, *, Incident.narrative, read, deny\n")
		_, err = s.Rollback(w.operator(), old.ID, "back")
		if e := wantCode(t, err, benkan.EINVALID); !strings.Contains(e.Message, "role dihr_partner, *, Incident.narrative, read, deny: got allow, want deny") {
			t.Errorf("a rollback breaking a policy test: %v", err)
		}
		if after := w.counts(); after != before {
			t.Fatalf("a refused rollback wrote: %+v → %+v", before, after)
		}
		if _, err := w.store.Rollback(w.operator(), old.ID, "back"); err != nil {
			t.Fatalf("the valid rollback, without tests: %v", err)
		}
	})
}
