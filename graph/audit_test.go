package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// auditFeed reads the sensitive fields of incidents and the identifying
// fields of their people, with shareable fields beside them.
const auditFeed = `{ incidents(first: 50) { edges { node { id summary narrative source
	involvements { actor { id gender fullName } } } } } }`

// auditPage is what auditFeed answered.
type auditPage struct {
	Incidents struct {
		Edges []struct {
			Node struct {
				ID           string
				Narrative    *string
				Source       *string
				Involvements []struct {
					Actor *struct {
						ID       string
						FullName *string
					}
				}
			}
		}
	}
}

// auditKey names one expected event: a type and the fields read.
type auditKey struct{ typ, fields string }

// wantReads derives, from what a response actually contained, the events
// its audit must hold: for each type and set of sensitive fields served
// (non-null and not masked) on a row, the ids of the rows served exactly
// those fields. The fixture gives every sensitive field a value, so null
// means masked; the masked paths of the response must say so too.
func wantReads(t *testing.T, r *apitest.Response) map[auditKey][]string {
	t.Helper()
	var page auditPage
	r.OK(t, &page)
	masked := accMasked(r)
	type row struct{ typ, id string }
	fields := map[row]map[string]bool{}
	note := func(typ, id, field string, value *string, path string) {
		if (value == nil) != masked[path] {
			t.Fatalf("%s: null is %v but masked is %v: %s", path, value == nil, masked[path], r.Body)
		}
		k := row{typ, id}
		if fields[k] == nil {
			fields[k] = map[string]bool{}
		}
		if value != nil {
			fields[k][field] = true
		}
	}
	for i, e := range page.Incidents.Edges {
		n := e.Node
		base := fmt.Sprintf("incidents.edges[%d].node.", i)
		note("Incident", n.ID, "narrative", n.Narrative, base+"narrative")
		note("Incident", n.ID, "source", n.Source, base+"source")
		for j, inv := range n.Involvements {
			if inv.Actor != nil {
				note("Actor", inv.Actor.ID, "fullName", inv.Actor.FullName, fmt.Sprintf("%sinvolvements[%d].actor.fullName", base, j))
			}
		}
	}
	want := map[auditKey][]string{}
	for k, fs := range fields {
		if len(fs) == 0 {
			continue
		}
		names := make([]string, 0, len(fs))
		for f := range fs {
			names = append(names, f)
		}
		slices.Sort(names)
		key := auditKey{k.typ, strings.Join(names, ",")}
		want[key] = append(want[key], k.id)
	}
	for k := range want {
		slices.Sort(want[k])
	}
	return want
}

// queryWithRequestID posts query as subject with the given X-Request-ID,
// which the server adopts as the request's id.
func queryWithRequestID(t *testing.T, srv *apitest.Server, subject, requestID, query string) *apitest.Response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+srv.Token(t, subject))
	req.Header.Set("X-Request-ID", requestID)
	return srv.Do(t, req)
}

// readEvents returns the READ_SENSITIVE events of one request.
func readEvents(t *testing.T, db *storage.DB, requestID string) []*ent.AuditEvent {
	t.Helper()
	evs, err := db.Client.AuditEvent.Query().
		Where(auditevent.ActionEQ(auditevent.ActionREAD_SENSITIVE), auditevent.RequestIDEQ(requestID)).
		All(sysCtx())
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// auditGroupOf is the audited field group of the fields auditFeed reads,
// as DESIGN names them: narrative and source are sensitive, a full name
// identifying.
var auditGroupOf = map[string]string{"Incident": "Incident:sensitive", "Actor": "Actor:identifying"}

// TestReadsAuditedPerResponse: N requests of a feed reading the sensitive
// fields of M rows write one event per request, type and set of fields
// read (N per type for the admin, who reads every row's fields), not N×M;
// each event lists exactly the ids whose fields the response served, with
// the fields, their groups, the reader, the decision and the request id.
// On the monitor's mixed page (narrative and source served on its own
// submissions, masked on the verified incidents of its locality) the rows
// whose fields were masked are in no event.
func TestReadsAuditedPerResponse(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		const n = 3
		for _, c := range []struct {
			subject, role string
			mixed         bool
		}{
			{apitest.Admin, "admin", false},
			{accMonNiono, "amdh_monitor", true},
		} {
			t.Run(c.subject, func(t *testing.T) {
				total := 0
				for i := range n {
					id := fmt.Sprintf("audit-%s-%d", c.subject, i)
					r := queryWithRequestID(t, w.srv, c.subject, id, auditFeed)
					want := wantReads(t, r)
					var page auditPage
					r.OK(t, &page)
					rows := len(page.Incidents.Edges)
					if rows < 3 {
						t.Fatalf("%s sees %d incidents: the fixture does not test grouping", c.subject, rows)
					}
					if inc := want[auditKey{"Incident", "narrative,source"}]; c.mixed == (len(inc) == rows) || len(inc) == 0 {
						t.Fatalf("%s: narrative served on %d of %d rows; mixed page wanted: %v", c.subject, len(inc), rows, c.mixed)
					}
					if !c.mixed && len(want) != 2 {
						t.Fatalf("the admin's feed should make one group per type, got %v", want)
					}
					got := map[auditKey][]string{}
					for _, e := range readEvents(t, db, id) {
						k := auditKey{e.ObjectType, strings.Join(e.Fields, ",")}
						if _, dup := got[k]; dup {
							t.Errorf("two events for %v in one response", k)
						}
						got[k] = e.ObjectIds
						if e.Subject != c.subject || !strings.Contains(e.Decision, "allowed by role "+c.role) || e.ObjectID != "" {
							t.Errorf("event by %q, decision %q, objectID %q", e.Subject, e.Decision, e.ObjectID)
						}
						if g := auditGroupOf[e.ObjectType]; !slices.Equal(e.FieldGroups, []string{g}) {
							t.Errorf("%v: field groups %v, want [%s]", k, e.FieldGroups, g)
						}
						if e.RequestID != id {
							t.Errorf("%v: request id %q, want %s", k, e.RequestID, id)
						}
					}
					if fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("request %d: events %v\nwant (from the response) %v", i, got, want)
					}
					total += len(want)
				}
				all, err := db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionREAD_SENSITIVE), auditevent.Subject(c.subject)).Count(sysCtx())
				if err != nil {
					t.Fatal(err)
				}
				if all != total {
					t.Errorf("%d requests wrote %d events, want %d", n, all, total)
				}
				if !c.mixed && all != 2*n {
					t.Errorf("%d admin feeds wrote %d events, want %d (one per type read)", n, all, 2*n)
				}
			})
		}

		// Shareable fields only, or fields all masked: no event.
		before := eventIDs(t, db)
		w.srv.Query(t, `{ incidents(first: 50) { edges { node { reference summary } } } }`, nil).OK(t, nil)
		r := w.as(t, accDIHR).Query(t, auditFeed, nil)
		if want := wantReads(t, r); len(want) != 0 {
			t.Fatalf("the partner was served sensitive fields: %v", want)
		}
		if evs := newEvents(t, db, before); len(evs) != 0 {
			t.Errorf("reads of shareable or masked fields wrote %d events", len(evs))
		}
	})
}

// TestNullReadIsServed: a sensitive field that is null on a row (an
// incident with no recorded source) was served, as null: the response told
// that the row has none. It is recorded with the row's other fields, so
// that the admin's page is still one event per type, listing every row.
func TestNullReadIsServed(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		var cleared string
		for _, inc := range w.incidents {
			cleared = string(inc.ID) // any incident: every one is on the admin's page
			break
		}
		w.srv.Query(t, `mutation($id: ID!) { updateIncident(id: $id, input: {clearSource: true}) { id source } }`,
			map[string]any{"id": cleared}).OK(t, nil)
		r := queryWithRequestID(t, w.srv, apitest.Admin, "audit-null-source", auditFeed)
		var page auditPage
		r.OK(t, &page)
		var ids []string
		sawNull := false
		for _, e := range page.Incidents.Edges {
			ids = append(ids, e.Node.ID)
			if e.Node.ID == cleared {
				sawNull = e.Node.Source == nil
			}
		}
		if !sawNull {
			t.Fatalf("the page does not serve %s with a null source: %s", cleared, r.Body)
		}
		slices.Sort(ids)
		var incidentEvents []*ent.AuditEvent
		for _, e := range readEvents(t, db, "audit-null-source") {
			if e.ObjectType == "Incident" {
				incidentEvents = append(incidentEvents, e)
			}
		}
		if len(incidentEvents) != 1 {
			t.Fatalf("%d Incident events for one page, want 1: %+v", len(incidentEvents), incidentEvents)
		}
		e := incidentEvents[0]
		if !slices.Equal(e.Fields, []string{"narrative", "source"}) || !slices.Equal(e.ObjectIds, ids) {
			t.Errorf("event reads %v of %v, want [narrative source] of every row %v", e.Fields, e.ObjectIds, ids)
		}
	})
}
