package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestFilterAuditedWhateverSelection: a filter on an audited field of the
// rows it answers (incidents(where: {hasCollectedByWith: …}) reads
// Incident.collectedBy) tells of the rows it matched whatever the
// selection serves of them: a count says how many incidents mon-niono
// collected, pageInfo whether more did than the page, an empty page or
// edges without their nodes that some or none did. Each such answer writes
// a READ_SENSITIVE event of Incident [collectedBy] "through a filter"
// (no ids: the rows are not named), through aliases, fragments and
// variables alike; a page of nodes next to a count is audited both as the
// rows served and as the count.
func TestFilterAuditedWhateverSelection(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		for i, c := range []struct {
			name, query string
			served      bool // the rows of the page are audited too
		}{
			{"count", `{ incidents(where: {hasCollectedByWith: [{subject: "mon-niono"}]}) { totalCount } }`, false},
			{"count through an alias and a fragment", `{ n: incidents(where: {hasCollectedByWith: {subject: "mon-niono"}}) { ...c } } fragment c on IncidentConnection { totalCount }`, false},
			{"pageInfo", `{ incidents(first: 1, where: {hasCollectedByWith: {subject: "mon-niono"}}) { pageInfo { hasNextPage } } }`, false},
			{"empty page", `{ incidents(first: 0, where: {hasCollectedByWith: {subject: "mon-niono"}}) { edges { node { id } } } }`, false},
			{"no row matched", `{ incidents(first: 5, where: {hasCollectedByWith: {subject: "nobody"}}) { edges { node { id } } } }`, false},
			{"cursors without nodes", `{ incidents(first: 5, where: {hasCollectedByWith: {subject: "mon-niono"}}) { edges { cursor } } }`, false},
			{"single object for a list", `{ incidents(where: {hasCollectedByWith: {subject: "mon-niono"}}) { totalCount } }`, false},
			{"a page and its count", `{ incidents(first: 1, where: {hasCollectedByWith: [{subject: "mon-niono"}]}) { totalCount edges { node { id } } } }`, true},
			{"nested count", `{ users(first: 5, where: {subject: "coord"}) { edges { node { collectedIncidents(where: {hasCollectedByWith: {subject: "coord"}}) { totalCount } } } } }`, false},
		} {
			for _, subject := range []string{apitest.Admin, accCoord} {
				t.Run(c.name+"/"+subject, func(t *testing.T) {
					id := fmt.Sprintf("filter-selection-%d-%s", i, subject)
					r := queryWithRequestID(t, w.srv, subject, id, c.query)
					r.OK(t, nil)
					var through, rows int
					for _, e := range readEvents(t, db, id) {
						if e.ObjectType != "Incident" || strings.Join(e.Fields, ",") != "collectedBy" || !slices.Contains(e.FieldGroups, "Incident:sensitive") {
							t.Errorf("event %s %v %v, want Incident [collectedBy] with Incident:sensitive", e.ObjectType, e.Fields, e.FieldGroups)
							continue
						}
						switch e.ObjectID {
						case "through a filter":
							through++
							if len(e.ObjectIds) != 0 {
								t.Errorf("the count's event names rows %v", e.ObjectIds)
							}
						case "":
							rows++
						}
					}
					if through != 1 {
						t.Errorf("%d events through a filter, want 1: %s", through, r.Body)
					}
					if want := map[bool]int{true: 1, false: 0}[c.served]; rows != want {
						t.Errorf("%d events of the rows served, want %d", rows, want)
					}
				})
			}
		}
	})
}

// TestFilterCountAuditedInVariables: the same count with its filter in a
// variable, as a single object where a list is expected.
func TestFilterCountAuditedInVariables(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		w.as(t, accCoord).Query(t, `query($w: IncidentWhereInput) { incidents(where: $w) { totalCount } }`,
			map[string]any{"w": map[string]any{"hasCollectedByWith": map[string]any{"subject": accMonNiono}}}).OK(t, nil)
		evs, err := db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionREAD_SENSITIVE)).All(sysCtx())
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) != 1 || evs[0].ObjectID != "through a filter" || strings.Join(evs[0].Fields, ",") != "collectedBy" || evs[0].Subject != accCoord {
			t.Fatalf("events %+v, want one of Incident [collectedBy] through a filter, by %s", evs, accCoord)
		}
	})
}
