package graph_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestExplainChildRowAuditsIncident: whether a scope admits an
// involvement, a follow-up or an actor depends on the values of the
// incident they belong to (Involvement's own_submissions is who collected
// the incident; an involvement or follow-up is seen only with its incident,
// whose own_submissions reads Incident.collectedBy; an actor is involved
// through the involvements of incidents the role sees). explain(id:) on such
// a row tells the caller what reading the incident's collectedBy would: it
// is recorded as a read of Incident.collectedBy (Incident:sensitive) of
// that incident, as explain on the incident itself is.
func TestExplainChildRowAuditsIncident(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		inc := w.incidents["a"]
		rows := map[string]string{}
		for _, inv := range w.involvements["a"] {
			rows["Involvement"] = string(inv.ID)
		}
		rows["FollowUp"] = string(w.followUps["a"].ID)
		for _, p := range w.persons["a"] {
			rows["Actor"] = string(p.ID)
		}
		for i, typ := range []string{"Involvement", "FollowUp", "Actor"} {
			t.Run(typ, func(t *testing.T) {
				if rows[typ] == "" {
					t.Fatalf("the fixture has no %s of incident a", typ)
				}
				id := fmt.Sprintf("explain-child-%d", i)
				queryWithRequestID(t, w.srv, accCoord, id, `{ explain(role: "amdh_monitor", domain: "`+string(w.niono.ID)+`", object: "`+typ+`", action: "read", id: "`+rows[typ]+`") { allowed row { allowed } } }`).OK(t, nil)
				found := false
				for _, e := range readEvents(t, db, id) {
					if e.ObjectType == "Incident" && slices.Contains(e.Fields, "collectedBy") && slices.Contains(e.ObjectIds, string(inc.ID)) && slices.Contains(e.FieldGroups, "Incident:sensitive") {
						found = true
					}
				}
				if !found {
					t.Errorf("explain(id:) on the %s of incident %s wrote no read of its collectedBy: %+v", typ, inc.ID, readEvents(t, db, id))
				}
			})
		}
	})
}
