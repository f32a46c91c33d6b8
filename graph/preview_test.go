package graph_test

// Preview as another user (server.PreviewHeader), over HTTP on the
// leak-matrix fixture: a preview answers exactly what the target's own
// token gets, is read-only, is an administrator's tool only, and is
// audited in the administrator's name.

import (
	"context"
	"encoding/json"
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

// Queries a preview is compared on: the incident feed with its sensitive
// fields and people, node lookups of a hidden and a visible incident, and
// a filter on who collected an incident, which partners may not read.
const (
	previewFeed = `{ incidents(first: 50) { totalCount edges { node { id reference summary status
		narrative exactLocation source collectedBy { id }
		involvements { id role actor { id fullName contact address gender pseudonym } } } } } }`
	previewNodes = `query($hidden: ID!, $visible: ID!) {
		hidden: node(id: $hidden) { id ... on Incident { reference narrative } }
		visible: node(id: $visible) { id ... on Incident { reference summary narrative involvements { actor { fullName pseudonym } } } } }`
	previewFilter = `{ incidents(first: 5, where: {hasCollectedByWith: [{subject: "` + accMonNiono + `"}]}) { totalCount edges { node { reference } } } }`
)

// normalized is a response as the comparison sees it: its status and its
// JSON body with keys sorted and request ids (which differ per request)
// removed; data, errors (messages, codes, paths) and extensions.masked
// are all in it.
func normalized(t *testing.T, r *apitest.Response) string {
	t.Helper()
	var body any
	if err := json.Unmarshal(r.Body, &body); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.Body)
	}
	var strip func(any)
	strip = func(x any) {
		switch x := x.(type) {
		case map[string]any:
			delete(x, "requestId")
			for _, v := range x {
				strip(v)
			}
		case []any:
			for _, v := range x {
				strip(v)
			}
		}
	}
	strip(body)
	out, err := json.Marshal(map[string]any{"status": r.Status, "body": body})
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// newEvents returns the audit events written since before (the ids of
// the events then).
func newEvents(t *testing.T, db *storage.DB, before map[string]bool) []*ent.AuditEvent {
	t.Helper()
	all, err := db.Client.AuditEvent.Query().All(sysCtx())
	if err != nil {
		t.Fatal(err)
	}
	var out []*ent.AuditEvent
	for _, e := range all {
		if !before[string(e.ID)] {
			out = append(out, e)
		}
	}
	return out
}

// eventIDs returns the ids of the audit events in db now.
func eventIDs(t *testing.T, db *storage.DB) map[string]bool {
	t.Helper()
	ids := map[string]bool{}
	for _, e := range newEvents(t, db, nil) {
		ids[string(e.ID)] = true
	}
	return ids
}

// TestPreviewIsWhatTheTargetGets: for each target — existing users of
// several roles, and roles in a locality for users that do not exist —
// the administrator's preview of each query answers byte for byte what
// the target's own token gets (masked fields and refusals included), and
// not what the administrator's own token gets; each preview writes one
// PREVIEW event in the administrator's name.
func TestPreviewIsWhatTheTargetGets(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		ctx := context.Background()
		// Users who hold only what a hypothetical user would: a new
		// monitor without organization, and the Niono unit's liaison.
		if err := db.Client.User.Create().SetSubject("mon-fresh").SetDisplayName("New monitor").Exec(sysCtx()); err != nil {
			t.Fatal(err)
		}
		if err := w.srv.Assign(ctx, "mon-fresh", "amdh_monitor", string(w.niono.ID)); err != nil {
			t.Fatal(err)
		}
		niono := string(w.niono.ID)
		nionoUnit := string(w.orgs[accUnitNiono].ID)
		targets := []struct {
			name, header, own string
		}{
			{"dihr_partner user", accDIHR, accDIHR},
			{"dihr_partner as user=", "user=" + accDIHR, accDIHR},
			{"fsi_liaison in Niono", accFSINiono, accFSINiono},
			{"amdh_monitor in Niono, own submissions", accMonNiono, accMonNiono},
			{"coordinator", accCoord, accCoord},
			{"amdh_monitor role in Niono, no such user", "role=amdh_monitor; domain=" + niono, "mon-fresh"},
			{"fsi_liaison role in Niono for the unit", "role=fsi_liaison; domain=" + niono + "; organization=" + nionoUnit, accFSINiono},
		}
		vars := map[string]any{"hidden": string(w.incidents["d"].ID), "visible": string(w.incidents["a"].ID)}
		queries := []struct {
			name, query string
			vars        map[string]any
		}{
			{"feed", previewFeed, nil},
			{"nodes", previewNodes, vars},
			{"filter", previewFilter, nil},
		}
		admin := map[string]string{}
		for _, q := range queries {
			admin[q.name] = normalized(t, w.srv.Query(t, q.query, q.vars))
		}
		before := eventIDs(t, db)
		previews := 0
		for _, tg := range targets {
			for _, q := range queries {
				own := normalized(t, w.srv.As(t, tg.own).Query(t, q.query, q.vars))
				r := w.srv.PreviewAs(tg.header).Query(t, q.query, q.vars)
				previews++
				got := normalized(t, r)
				if got != own {
					t.Errorf("%s, %s: the preview differs from the target's own answer\npreview: %s\nown:     %s", tg.name, q.name, got, own)
				}
				if tg.own != accCoord && got == admin[q.name] {
					t.Errorf("%s, %s: the preview answers what the admin's own token gets: %s", tg.name, q.name, got)
				}
			}
		}
		// The comparisons compared something: the partner's feed has rows
		// and masked fields, the hidden node is null, the filter refused.
		dihr := w.srv.PreviewAs(accDIHR)
		var feed struct{ Incidents struct{ TotalCount int } }
		r := dihr.Query(t, previewFeed, nil)
		previews++
		r.OK(t, &feed)
		if feed.Incidents.TotalCount == 0 || r.Extensions["masked"] == nil {
			t.Fatalf("the partner's preview shows no rows or masks nothing: %s", r.Body)
		}
		r = dihr.Query(t, previewNodes, vars)
		previews++
		if !strings.Contains(string(r.Data), `"hidden":null`) || strings.Contains(string(r.Body), accNarrative(accSpec("d").ref)) {
			t.Fatalf("the partner's preview shows the hidden incident: %s", r.Body)
		}
		r = dihr.Query(t, previewFilter, nil)
		previews++
		r.Code(t, "FORBIDDEN")

		var n int
		for _, e := range newEvents(t, db, before) {
			if e.Action != auditevent.ActionPREVIEW {
				continue
			}
			n++
			if e.Subject != apitest.Admin {
				t.Errorf("a PREVIEW event names %q, not the admin", e.Subject)
			}
		}
		if n != previews {
			t.Errorf("%d previews wrote %d PREVIEW events", previews, n)
		}
	})
}

// TestPreviewRefusals: a preview is refused to anyone who may not update
// the policy, for a target that does not exist, and for any mutation
// (nothing is written, not even an audit event); a document holding a
// query and a mutation runs under preview only when operationName picks
// the query.
func TestPreviewRefusals(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		niono := string(w.niono.ID)
		before := eventIDs(t, db)
		counts := rowCounts(t, db)
		inc := w.incidents["a"]

		for _, c := range []struct {
			name    string
			srv     *apitest.Server
			header  string
			query   string
			vars    map[string]any
			op      string
			code    string
			status  int
			message string
		}{
			{"coordinator", w.as(t, accCoord), accDIHR, previewFeed, nil, "", "FORBIDDEN", http.StatusForbidden, "may update the access policy"},
			{"partner", w.as(t, accDIHR), accCoord, previewFeed, nil, "", "FORBIDDEN", http.StatusForbidden, "may update the access policy"},
			{"partner as itself", w.as(t, accDIHR), accDIHR, previewFeed, nil, "", "FORBIDDEN", http.StatusForbidden, "may update the access policy"},
			{"anonymous", w.as(t, ""), accDIHR, previewFeed, nil, "", "UNAUTHENTICATED", http.StatusUnauthorized, "token"},
			{"unknown subject", w.srv, "nobody-here", previewFeed, nil, "", "NOT_FOUND", http.StatusNotFound, `"nobody-here"`},
			{"unknown role", w.srv, "role=auditor; domain=*", previewFeed, nil, "", "NOT_FOUND", http.StatusNotFound, `"auditor"`},
			{"unknown locality", w.srv, "role=amdh_monitor; domain=loc_aaaaaaaaaaaaaaaaaaaaaaaaaa", previewFeed, nil, "", "NOT_FOUND", http.StatusNotFound, "loc_aaaaaaaaaaaaaaaaaaaaaaaaaa"},
			{"unknown organization", w.srv, "role=fsi_liaison; domain=" + niono + "; organization=org_aaaaaaaaaaaaaaaaaaaaaaaaaa", previewFeed, nil, "", "NOT_FOUND", http.StatusNotFound, "org_aaaaaaaaaaaaaaaaaaaaaaaaaa"},
			{"role without domain", w.srv, "role=amdh_monitor", previewFeed, nil, "", "BAD_REQUEST", http.StatusBadRequest, "domain"},
			{"user and role", w.srv, "user=dihr; role=admin; domain=*", previewFeed, nil, "", "BAD_REQUEST", http.StatusBadRequest, "not both"},
			{"unknown parameter", w.srv, "who=dihr", previewFeed, nil, "", "BAD_REQUEST", http.StatusBadRequest, `"who"`},
			{"mutation the target may run", w.srv, accCoord,
				`mutation($id: ID!) { updateIncident(id: $id, input: {summary: "PREVIEW-WROTE"}) { id summary } }`,
				map[string]any{"id": string(inc.ID)}, "", "FORBIDDEN", http.StatusForbidden, "read-only"},
			{"mutation picked by operationName", w.srv, accCoord,
				`query Q { incidents(first: 1) { totalCount } } mutation M($id: ID!) { updateIncident(id: $id, input: {summary: "PREVIEW-WROTE"}) { id } }`,
				map[string]any{"id": string(inc.ID)}, "M", "FORBIDDEN", http.StatusForbidden, "read-only"},
			{"query and mutation, no operationName", w.srv, accCoord,
				`query Q { incidents(first: 1) { totalCount } } mutation M($id: ID!) { updateIncident(id: $id, input: {summary: "PREVIEW-WROTE"}) { id } }`,
				map[string]any{"id": string(inc.ID)}, "", "FORBIDDEN", http.StatusForbidden, "read-only"},
		} {
			t.Run(c.name, func(t *testing.T) {
				req := map[string]any{"query": c.query, "variables": c.vars}
				if c.op != "" {
					req["operationName"] = c.op
				}
				body, err := json.Marshal(req)
				if err != nil {
					t.Fatal(err)
				}
				r := c.srv.PreviewAs(c.header).Post(t, "application/json", body)
				e := r.Code(t, c.code)
				if r.Status != c.status || !strings.Contains(e.Message, c.message) {
					t.Errorf("status %d, message %q; want %d and a message with %q", r.Status, e.Message, c.status, c.message)
				}
				if r.Data != nil && string(r.Data) != "null" {
					t.Errorf("a refused preview answered data: %s", r.Body)
				}
			})
		}
		// A persisted query's hash alone cannot be checked for mutations.
		r := w.srv.PreviewAs(accDIHR).Post(t, "application/json",
			[]byte(`{"extensions":{"persistedQuery":{"version":1,"sha256Hash":"ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"}}}`))
		r.Code(t, "BAD_REQUEST")

		wantSameCounts(t, db, counts)
		got, err := db.Client.Incident.Get(sysCtx(), inc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Summary != inc.Summary {
			t.Errorf("a refused preview changed the summary to %q", got.Summary)
		}
		if evs := newEvents(t, db, before); len(evs) != 0 {
			t.Errorf("refused previews wrote %d audit events, the first %s by %s", len(evs), evs[0].Action, evs[0].Subject)
		}

		// operationName picking the query: it runs, as the coordinator.
		doc := map[string]any{"operationName": "Q", "variables": map[string]any{"id": string(inc.ID)},
			"query": `query Q { incidents(first: 1) { totalCount } } mutation M($id: ID!) { updateIncident(id: $id, input: {summary: "PREVIEW-WROTE"}) { id } }`}
		body, _ := json.Marshal(doc)
		own := w.as(t, accCoord).Post(t, "application/json", body)
		own.OK(t, nil)
		prev := w.srv.PreviewAs(accCoord).Post(t, "application/json", body)
		if normalized(t, prev) != normalized(t, own) {
			t.Errorf("the query of a mixed document: preview %s, own %s", prev.Body, own.Body)
		}
		wantSameCounts(t, db, counts)
	})
}

// TestPreviewAudit: a preview writes one PREVIEW event naming the admin
// and the target, and the sensitive reads of the previewed request are
// recorded in the admin's name ("preview as" the target), on exactly the
// objects and fields the target's own request records; no event is
// written in the target's name.
func TestPreviewAudit(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		type read struct{ typ, id, fields string }
		reads := func(evs []*ent.AuditEvent) []read {
			var out []read
			for _, e := range evs {
				if e.Action != auditevent.ActionREAD_SENSITIVE {
					continue
				}
				// One event per response, type and set of fields: each
				// of its objects was read with exactly those fields.
				for _, id := range e.ObjectIds {
					out = append(out, read{e.ObjectType, id, strings.Join(e.Fields, ",")})
				}
			}
			slices.SortFunc(out, func(a, b read) int { return strings.Compare(a.typ+a.id, b.typ+b.id) })
			return out
		}

		before := eventIDs(t, db)
		w.as(t, accMonNiono).Query(t, previewFeed, nil).OK(t, nil)
		ownEvents := newEvents(t, db, before)
		ownReads := reads(ownEvents)
		if len(ownReads) == 0 {
			t.Fatal("the monitor's feed read nothing sensitive: the fixture does not test the audit of previews")
		}
		for _, e := range ownEvents {
			if e.Subject != accMonNiono {
				t.Fatalf("the monitor's own read was recorded for %q", e.Subject)
			}
		}

		before = eventIDs(t, db)
		w.srv.PreviewAs(accMonNiono).Query(t, previewFeed, nil).OK(t, nil)
		evs := newEvents(t, db, before)
		if got := reads(evs); !slices.Equal(got, ownReads) {
			t.Errorf("the preview recorded reads %v, the monitor's own request %v", got, ownReads)
		}
		var previews []*ent.AuditEvent
		for _, e := range evs {
			if e.Subject != apitest.Admin {
				t.Errorf("a preview's %s event names %q, not the admin", e.Action, e.Subject)
			}
			switch e.Action {
			case auditevent.ActionPREVIEW:
				previews = append(previews, e)
			case auditevent.ActionREAD_SENSITIVE:
				if !strings.HasPrefix(e.Decision, "preview as "+accMonNiono+": allowed by role amdh_monitor") {
					t.Errorf("a previewed read's decision %q does not say it was a preview", e.Decision)
				}
			}
		}
		if len(previews) != 1 || previews[0].ObjectType != "User" || previews[0].ObjectID != accMonNiono ||
			!strings.Contains(previews[0].Decision, "amdh_monitor") {
			t.Fatalf("want one PREVIEW event of User %s, got %+v", accMonNiono, previews)
		}

		before = eventIDs(t, db)
		header := "role=amdh_monitor; domain=" + string(w.niono.ID)
		w.srv.PreviewAs(header).Query(t, previewFeed, nil).OK(t, nil)
		evs = newEvents(t, db, before)
		if len(evs) != 1 || evs[0].Action != auditevent.ActionPREVIEW || evs[0].Subject != apitest.Admin ||
			evs[0].ObjectType != "Role" || evs[0].ObjectID != header {
			t.Fatalf("a role preview (which reads nothing sensitive) wrote %+v, want one PREVIEW event of Role %q", evs, header)
		}
	})
}
