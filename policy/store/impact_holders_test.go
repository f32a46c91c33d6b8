package store_test

import (
	"testing"
	"time"

	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestImpactSensitiveOnMoreRows: a change after which a role reads a
// sensitive field on rows where it could not read it is flagged, also when
// the role read that field on some rows before and still reads it on some
// rows only (so that the field's access, "some" before and after, does not
// change). amdh_monitor reads the narrative of its own submissions; a grant
// of the narrative on consented incidents lets it read the narrative of a
// verified, consented incident of its locality that another user collected:
// the impact said nothing changes, not sensitive.
func TestImpactSensitiveOnMoreRows(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		sys := policy.SystemContext(w.ctx)
		c := db.Client
		coord := must(c.User.Query().Where(user.Subject(subjCoord)).Only(sys))
		vt := must(c.ViolationType.Query().First(sys))
		at := time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
		inc := must(c.Incident.Create().SetReference("NIO-2024-0009").SetOccurredAt(at).SetReportedAt(at).
			SetStatus(incident.StatusVERIFIED).SetConsentToShare(true).SetSummary("summary").SetNarrative("a victim's account").
			SetLocalityID(gid.ID(w.niono)).AddViolationTypes(vt).SetCollectedBy(coord).Save(sys))
		if w.viewer(subjMon).CanReadField("Incident", "narrative", inc) {
			t.Fatalf("before: mon reads the narrative of an incident it did not collect")
		}

		change := grant("amdh_monitor", "*", "Incident.narrative", "read", "consented")
		im, err := w.store.Impact(w.operator(), []store.Change{change})
		if err != nil {
			t.Fatal(err)
		}
		if !im.Sensitive {
			t.Errorf("impact not flagged sensitive: %+v", im.Subjects)
		}
		for _, s := range im.Subjects {
			if s.Role == "amdh_monitor" && !s.Sensitive {
				t.Errorf("%s: not flagged sensitive: %+v", s, s.Types)
			}
		}

		// What the grant does to a request of mon.
		w.apply(t, "the grant", change)
		if !w.viewer(subjMon).CanReadField("Incident", "narrative", inc) {
			t.Fatalf("after: mon does not read the narrative: the test proves nothing")
		}
	})
}

// TestImpactSensitiveSameRows: a field grant that adds no row where the
// field is read is not flagged: the narrative of amdh_monitor's own
// submissions granted again, under another line.
func TestImpactSensitiveSameRows(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		im, err := w.store.Impact(w.operator(), []store.Change{grant("amdh_monitor", "*", "Incident.narrative", "read", "own_submissions&verified")})
		if err != nil {
			t.Fatal(err)
		}
		if im.Sensitive {
			t.Errorf("impact flagged sensitive: %+v", im.Subjects)
		}
	})
}
