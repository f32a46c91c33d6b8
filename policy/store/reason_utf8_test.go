package store_test

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// Reasons are written in French: accented letters take two bytes, and the
// columns count bytes. A reason within the limit is kept whole on the
// version and cut on a character boundary in the audit event's decision;
// one past the limit is BAD_USER_INPUT on reason, not an internal error.
func TestAccentedReason(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		reason := "a" + strings.Repeat("é", 499) // 999 bytes
		v := w.apply(t, reason, grant("dihr_partner", "*", "Incident.reference", "read", "all"))
		if v.Reason != reason {
			t.Errorf("reason kept as %q", v.Reason)
		}
		ev := must(db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionPOLICY_CHANGE), auditevent.ObjectID(fmt.Sprintf("version %d", v.ID))).Only(policy.SystemContext(w.ctx)))
		d := ev.Decision
		if !utf8.ValidString(d) || len(d) > 255 || !strings.HasPrefix(d, "1 added, 0 removed: aéé") {
			t.Errorf("decision %q (%d bytes)", d, len(d))
		}
		before := w.counts()
		_, err := w.store.Apply(w.operator(), []store.Change{grant("dihr_partner", "*", "Incident.status", "read", "all")}, strings.Repeat("é", 501))
		if e := wantCode(t, err, benkan.EINVALID); e.Field != "reason" {
			t.Errorf("a reason of 1002 bytes: %+v", e)
		}
		if w.counts() != before {
			t.Error("a refused reason wrote")
		}
	})
}
