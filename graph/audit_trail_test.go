package graph_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// auditTrail asks the trail with every filter the issue names at once:
// user (subject), time (at range), object (objectIdsContains), object type,
// kind (action) and decision.
const auditTrail = `query($id: ID, $subject: String, $from: Time, $to: Time, $type: String, $decision: String) {
	auditEvents(first: 100, where: {objectIdsContains: $id, subject: $subject, atGTE: $from, atLT: $to,
		objectType: $type, action: READ_SENSITIVE, decisionContains: $decision}) {
		totalCount edges { node { subject objectType objectIds fields requestID decision } } } }`

type trailPage struct {
	AuditEvents struct {
		TotalCount int
		Edges      []struct {
			Node struct {
				Subject, ObjectType, RequestID, Decision string
				ObjectIds, Fields                        []string
			}
		}
	}
}

// TestAuditTrailFilters: over HTTP, "who read incident X" finds exactly
// the per-response events whose ids include X (decided in SQL, on SQLite
// and PostgreSQL), combined with the filters on user, time, type, kind
// and decision; a row whose fields were masked for a reader is in none of
// that reader's events. The coordinator reads the trail too; a monitor
// and a partner see no event, and may not filter on it.
func TestAuditTrailFilters(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		own := string(w.incidents["a"].ID)    // mon-niono's own submission: narrative served
		masked := string(w.incidents["c"].ID) // verified in Niono, the coordinator's: masked for mon-niono
		from := time.Now().Add(-time.Minute).UTC()
		ids := map[string][]string{}
		for i := range 2 {
			for _, s := range []string{accMonNiono, apitest.Admin} {
				id := fmt.Sprintf("trail-%s-%d", s, i)
				queryWithRequestID(t, w.srv, s, id, auditFeed).OK(t, nil)
				ids[s] = append(ids[s], id)
			}
		}
		// Shareable reads of the same rows, which no filter may find.
		w.as(t, accMonNiono).Query(t, `{ incidents(first: 50) { edges { node { id summary } } } }`, nil).OK(t, nil)
		to := time.Now().Add(time.Minute).UTC()

		trail := func(as string, vars map[string]any) trailPage {
			t.Helper()
			var p trailPage
			w.as(t, as).Query(t, auditTrail, vars).OK(t, &p)
			return p
		}
		requests := func(p trailPage) []string {
			var out []string
			for _, e := range p.AuditEvents.Edges {
				out = append(out, e.Node.RequestID)
			}
			slices.Sort(out)
			return out
		}
		for _, c := range []struct {
			name string
			vars map[string]any
			want []string // request ids of the events found
		}{
			{"who read X: both readers", map[string]any{"id": own, "type": "Incident"}, append(slices.Clone(ids[apitest.Admin]), ids[accMonNiono]...)},
			{"X read by the monitor", map[string]any{"id": own, "subject": accMonNiono, "from": from, "to": to, "type": "Incident", "decision": "amdh_monitor"}, ids[accMonNiono]},
			{"masked for the monitor", map[string]any{"id": masked, "subject": accMonNiono}, nil},
			{"masked for the monitor, read by the admin", map[string]any{"id": masked}, ids[apitest.Admin]},
			{"other decision", map[string]any{"id": own, "decision": "role admin"}, ids[apitest.Admin]},
			{"X as an actor", map[string]any{"id": own, "type": "Actor"}, nil},
			{"before the reads", map[string]any{"id": own, "to": from}, nil},
			{"no such object", map[string]any{"id": accUnknownID("inc")}, nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				slices.Sort(c.want)
				for _, reader := range []string{apitest.Admin, accCoord} {
					p := trail(reader, c.vars)
					if got := requests(p); !slices.Equal(got, c.want) || p.AuditEvents.TotalCount != len(c.want) {
						t.Errorf("%s: events of requests %v (total %d), want %v", reader, got, p.AuditEvents.TotalCount, c.want)
					}
					for _, e := range p.AuditEvents.Edges {
						if id, ok := c.vars["id"].(string); ok && !slices.Contains(e.Node.ObjectIds, id) {
							t.Errorf("an event found for %s does not list it: %v", id, e.Node.ObjectIds)
						}
					}
				}
			})
		}

		// Readers without the audit log: no event, and no filter on it.
		for _, s := range []string{accMonNiono, accDIHR} {
			var p trailPage
			w.as(t, s).Query(t, `{ auditEvents(first: 100) { totalCount edges { node { subject } } } }`, nil).OK(t, &p)
			if p.AuditEvents.TotalCount != 0 || len(p.AuditEvents.Edges) != 0 {
				t.Errorf("%s sees %d audit events", s, p.AuditEvents.TotalCount)
			}
			for _, q := range []string{
				`query($id: ID) { auditEvents(first: 5, where: {objectIdsContains: $id}) { totalCount } }`,
				`query($id: ID) { auditEvents(first: 5, where: {or: [{subject: "x"}, {objectIdsContains: $id}]}) { totalCount } }`,
			} {
				wantError(t, w.as(t, s).Query(t, q, map[string]any{"id": own}), "FORBIDDEN", "AuditEvent.objectIds")
			}
		}
	})
}
