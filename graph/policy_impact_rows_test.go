package graph_test

import (
	"testing"

	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestPolicyImpactSensitiveOnMoreRows: amdh_monitor reads the narratives
// of its own submissions only (some rows); a grant of the narrative on
// incidents of shared statuses (VERIFIED, REFERRED, CLOSED) lets the monitor's token read the narrative of a
// verified incident of its locality that it did not collect. The access to
// the field stays "some" before and after, and the impact said nothing
// changed, not sensitive: an approving admin would have let the narratives
// of victims out unwarned.
func TestPolicyImpactSensitiveOnMoreRows(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := polSetup(t, db)
		mon := w.as(t, polMon)
		const changes = `[{grant: {role: "amdh_monitor", object: "Incident.narrative", action: "read", scope: "shared_status"}}]`
		var got struct{ PolicyImpact polImpact }
		w.srv.Query(t, `{ policyImpact(changes: `+changes+`) `+polImpactFields+` }`, nil).OK(t, &got)

		_, before := polIncidentIDs(t, mon)
		w.srv.Query(t, `mutation { applyPolicyChanges(reason: "narratives of shared statuses", changes: `+changes+`) { id } }`, nil).OK(t, nil)
		_, after := polIncidentIDs(t, mon)
		if after <= before {
			t.Fatalf("the monitor reads %d narratives before, %d after: the fixture should give it more", before, after)
		}

		im := got.PolicyImpact
		if !im.Sensitive || len(im.Subjects) != 1 || !im.Subjects[0].Sensitive {
			t.Fatalf("impact not flagged sensitive: %+v", im)
		}
		narrative := false
		for _, ti := range im.Subjects[0].Types {
			for _, f := range ti.Fields {
				if ti.Type == "Incident" && f.Field == "narrative" {
					narrative = f.Before == "some" && f.After == "some" && f.Sensitive
				}
			}
		}
		if !narrative {
			t.Errorf("narrative not listed as read on more rows: %+v", im.Subjects[0].Types)
		}
	})
}
