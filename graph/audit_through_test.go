package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestFilterThroughEdgeAudited: a filter that reads, through an edge,
// audited fields of another type tells the caller of their values on the
// rows it matched there, unserved: users(where: {hasCollectedIncidentsWith:
// …}) tells who collected the incidents matched (Incident.collectedBy), and
// incidents(where: {hasInvolvementsWith: {hasActorWith:
// {hasCollectedByWith: …}}}) who recorded the actors matched
// (Actor.collectedBy, identifying). (The schema has no where predicate on
// narrative or fullName: entgql skips them.) Each writes a READ_SENSITIVE event of
// that type and field, marked "through a filter", with the rows served as
// objectIds (none for a count alone); one event per response and type,
// however many aliases ask. A filter on shareable fields writes none.
func TestFilterThroughEdgeAudited(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		for i, c := range []struct {
			name, query, typ, fields, group string
			served                          bool
		}{
			{"collectors through users", `{ users(first: 50, where: {hasCollectedIncidentsWith: {statusIn: [VERIFIED]}}) { edges { node { id } } } }`,
				"Incident", "collectedBy", "Incident:sensitive", true},
			{"actors' collectors through incidents, twice, counted", `{ a: incidents(where: {hasInvolvementsWith: {hasActorWith: {hasCollectedByWith: {subject: "coord"}}}}) { totalCount }
				b: incidents(where: {hasInvolvementsWith: {hasActorWith: {hasCollectedByWith: {subject: "mon-niono"}}}}) { totalCount } }`,
				"Actor", "collectedBy", "Actor:identifying", false},
		} {
			t.Run(c.name, func(t *testing.T) {
				id := fmt.Sprintf("through-%d", i)
				r := queryWithRequestID(t, w.srv, accCoord, id, c.query)
				r.OK(t, nil)
				var evs []string
				for _, e := range readEvents(t, db, id) {
					if e.ObjectID != "through a filter" {
						continue
					}
					evs = append(evs, e.ObjectType)
					if e.ObjectType != c.typ || strings.Join(e.Fields, ",") != c.fields || !slices.Contains(e.FieldGroups, c.group) {
						t.Errorf("event %s %v %v, want %s [%s] with %s", e.ObjectType, e.Fields, e.FieldGroups, c.typ, c.fields, c.group)
					}
					if c.served != (len(e.ObjectIds) > 0) {
						t.Errorf("event ids %v: served rows %v", e.ObjectIds, c.served)
					}
				}
				if len(evs) != 1 {
					t.Fatalf("%d events through a filter, want 1: %v", len(evs), evs)
				}
			})
		}
		id := "through-shareable"
		queryWithRequestID(t, w.srv, accCoord, id, `{ incidents(where: {hasInvolvementsWith: {hasActorWith: {gender: MALE}}}) { totalCount } }`).OK(t, nil)
		if evs := readEvents(t, db, id); len(evs) != 0 {
			t.Errorf("a filter on shareable fields wrote %d events, want none", len(evs))
		}
	})
}

// TestExplainRowAudited: explain(id:) tells whether a scope atom such as
// own_submissions admits the row, a read of its audited fields: it writes a
// READ_SENSITIVE event naming the row; without id it writes none.
func TestExplainRowAudited(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		var page struct {
			Incidents accConn[struct{ ID string }]
		}
		w.as(t, accCoord).Query(t, `{ incidents(first: 1) { edges { node { id } } } }`, nil).OK(t, &page)
		row := page.Incidents.nodes()[0].ID
		id := "explain-row"
		queryWithRequestID(t, w.srv, accCoord, id, `{ explain(role: "amdh_monitor", object: "Incident", action: "read", id: "`+row+`") { allowed row { allowed } } }`).OK(t, nil)
		evs := readEvents(t, db, id)
		if len(evs) != 1 || evs[0].ObjectType != "Incident" || !slices.Equal(evs[0].ObjectIds, []string{row}) || !slices.Contains(evs[0].Fields, "collectedBy") {
			t.Fatalf("events of explain(id:) %+v, want one on %s with collectedBy", evs, row)
		}
		id = "explain-norow"
		queryWithRequestID(t, w.srv, accCoord, id, `{ explain(role: "amdh_monitor", object: "Incident", action: "read") { allowed } }`).OK(t, nil)
		if evs := readEvents(t, db, id); len(evs) != 0 {
			t.Errorf("explain without id wrote %d events", len(evs))
		}
	})
}
