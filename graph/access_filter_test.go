package graph_test

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"entgo.io/contrib/entgql"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// accFilterCase is a where/orderBy argument tried as one user.
type accFilterCase struct {
	name    string
	subject string
	// field is the top-level connection: incidents, actors, localities,
	// organizations, violationTypes, involvements.
	field   string
	where   map[string]any
	orderBy []map[string]any
	// query, when set, replaces the generated query (it must not need
	// variables).
	query string
	// vars are the variables of query.
	vars map[string]any
	// forbidden: the request must be refused with FORBIDDEN.
	forbidden bool
	// want: the keys of the rows returned (references, actor keys, names),
	// in order when ordered is set.
	want    []string
	ordered bool
	// orForbidden: FORBIDDEN is an acceptable answer too (a filter that
	// can only be answered right by refusing or by looking at visible rows).
	orForbidden bool
	// regression: the leak this case once found, kept to say what it guards.
	regression string
}

// accFilterQuery returns the query of a case and the key field of its rows.
func accFilterQuery(c accFilterCase) string {
	typ := map[string]string{
		"incidents": "Incident", "actors": "Actor", "localities": "Locality", "organizations": "Organization",
		"violationTypes": "ViolationType", "involvements": "Involvement",
	}[c.field]
	key := map[string]string{
		"incidents": "reference", "actors": "", "localities": "name level", "organizations": "name",
		"violationTypes": "code", "involvements": "role",
	}[c.field]
	return fmt.Sprintf(`query($where: %sWhereInput, $orderBy: [%sOrder!]) {
		result: %s(first: 100, where: $where, orderBy: $orderBy) { totalCount edges { node { id %s } } } }`, typ, typ, c.field, key)
}

// key names a row of a filter's answer: the reference of an incident,
// "unit:NAME" or "WORD:REF" for an actor, the name of anything else.
func (w *accWorld) key(field string, node map[string]any) string {
	id, _ := node["id"].(string)
	switch field {
	case "incidents":
		return node["reference"].(string)
	case "actors":
		a := w.actorInfo[id]
		switch {
		case a.unit != "":
			return "unit:" + a.unit
		case a.incident == "":
			return "orphan"
		}
		return a.word + ":" + accSpec(a.incident).ref
	case "localities":
		return fmt.Sprintf("%v %v", node["name"], node["level"])
	case "organizations":
		return node["name"].(string)
	case "violationTypes":
		return node["code"].(string)
	}
	return id
}

// refsOf returns the references of the fixture's incidents that keep.
func accRefsOf(keep func(accIncidentSpec) bool) []string {
	var out []string
	for _, s := range accIncidents {
		if keep(s) {
			out = append(out, s.ref)
		}
	}
	return out
}

func accRefs(keys ...string) []string {
	var out []string
	for _, k := range keys {
		out = append(out, accSpec(k).ref)
	}
	return out
}

// actorKeys returns the keys of the actors r sees.
func (w *accWorld) actorKeys(r *accRole) []string {
	var out []string
	for _, a := range w.actorInfo {
		if w.seesActor(r, a) {
			switch {
			case a.unit != "":
				out = append(out, "unit:"+a.unit)
			case a.incident == "":
				out = append(out, "orphan")
			default:
				out = append(out, a.word+":"+accSpec(a.incident).ref)
			}
		}
	}
	return out
}

const (
	accLeakEdgeFilter = "LEAK: a has…With filter runs over rows the viewer may not see: the edge predicates that " +
		"entgql builds (ent's Has<Edge>With, sqlgraph.HasNeighborsWith) are plain SQL sub-queries to which ent " +
		"privacy's row filter of the target type is not applied, and graph/access.go filterable only checks that " +
		"the fields named are readable, not which rows they are read on. "
)

var accFilterCases = []accFilterCase{
	// fsi_liaison: Actor demographics are hidden, so are victims; statuses are allowed.
	{name: "fsi filters on actor gender", subject: accFSINiono, field: "incidents",
		where: map[string]any{"hasInvolvementsWith": []any{map[string]any{"hasActorWith": []any{map[string]any{"gender": "FEMALE"}}}}}, forbidden: true},
	{name: "fsi filters on status", subject: accFSINiono, field: "incidents", where: map[string]any{"status": "VERIFIED"}, want: accRefs("a")},
	{name: "fsi filters on a status it never sees", subject: accFSINiono, field: "incidents",
		where: map[string]any{"statusIn": []any{"REPORTED", "UNDER_VERIFICATION"}}, want: nil},
	{name: "fsi filters on summary", subject: accFSINiono, field: "incidents", where: map[string]any{"summaryContains": "SUMMARY-NIO"}, want: accRefs("a")},
	{name: "fsi filters on locality", subject: accFSINiono, field: "incidents",
		where: map[string]any{"hasLocalityWith": []any{map[string]any{"name": "Niono"}}}, want: accRefs("a")},
	{name: "fsi orders by occurredAt", subject: accFSINiono, field: "incidents",
		orderBy: []map[string]any{{"field": "OCCURRED_AT", "direction": "DESC"}}, want: accRefs("a")},
	{name: "fsi orders actors by gender", subject: accFSINiono, field: "actors",
		orderBy: []map[string]any{{"field": "GENDER"}}, forbidden: true},
	{name: "fsi filters actors on gender", subject: accFSINiono, field: "actors", where: map[string]any{"gender": "FEMALE"}, forbidden: true},
	{name: "fsi filters actors on age bracket", subject: accFSINiono, field: "actors", where: map[string]any{"ageBracket": "UNDER_18"}, forbidden: true},
	{name: "fsi filters involvements on actor gender", subject: accFSINiono, field: "involvements",
		where: map[string]any{"hasActorWith": []any{map[string]any{"gender": "FEMALE"}}}, forbidden: true},
	{name: "fsi filters on who collected", subject: accFSINiono, field: "incidents",
		where: map[string]any{"hasCollectedByWith": []any{map[string]any{"subject": accMonNiono}}}, forbidden: true},
	{name: "fsi filters a nested connection on actor gender", subject: accFSINiono,
		query:     `{ result: localities(first: 10) { totalCount edges { node { id incidents(first: 10, where: {hasInvolvementsWith: [{hasActorWith: [{gender: FEMALE}]}]}) { totalCount } } } } }`,
		forbidden: true},
	{name: "fsi probes for victims", subject: accFSINiono, field: "incidents",
		where: map[string]any{"hasInvolvementsWith": []any{map[string]any{"role": "VICTIM"}}}, orForbidden: true, want: nil,
		regression: accLeakEdgeFilter + "fsi-niono, which may never see a victim, gets NIO-2023-0001 back for " +
			"incidents(where: {hasInvolvementsWith: [{role: VICTIM}]}): it learns which incidents name a victim (and, " +
			"with more predicates, their number and the dates of the other involvements)."},
	{name: "fsi probes for individuals", subject: accFSINiono, field: "incidents",
		where: map[string]any{"hasInvolvementsWith": []any{map[string]any{"hasActorWith": []any{map[string]any{"kind": "INDIVIDUAL"}}}}}, orForbidden: true, want: nil,
		regression: accLeakEdgeFilter + "fsi-niono gets NIO-2023-0001 back for hasInvolvementsWith: [{hasActorWith: " +
			"[{kind: INDIVIDUAL}]}] (Actor.kind is readable on units, so the filter is allowed, and then runs over the " +
			"victims and witnesses it may not see)."},
	{name: "fsi probes for unverified allegations against its unit", subject: accFSINiono, field: "actors",
		where: map[string]any{"hasInvolvementsWith": []any{map[string]any{"hasIncidentWith": []any{map[string]any{"status": "REPORTED"}}}}}, orForbidden: true, want: nil,
		regression: accLeakEdgeFilter + "fsi-niono gets its own unit's actor (Commissariat de Niono) back for " +
			"actors(where: {hasInvolvementsWith: [{hasIncidentWith: [{status: REPORTED}]}]}): it learns that an " +
			"unverified allegation (NIO-2023-0004, which it must not see) names its unit, and can narrow it down by " +
			"date and place with occurredAt/hasLocalityWith predicates: the very conflict of interest the matrix guards against."},
	{name: "fsi probes follow-ups of incidents without consent", subject: accFSINiono, field: "organizations",
		where: map[string]any{"hasFollowUpsWith": []any{map[string]any{"hasIncidentWith": []any{map[string]any{"consentToShare": false}}}}}, orForbidden: true, want: nil,
		regression: accLeakEdgeFilter + "fsi-niono gets Commissariat de Niono and Brigade de Kayes back for " +
			"organizations(where: {hasFollowUpsWith: [{hasIncidentWith: [{consentToShare: false}]}]}): follow-ups of " +
			"NIO-2023-0002 and KAY-2023-0009, incidents shared without consent, which it must not see."},

	// The findings of the "seal every path" issue: filters written with
	// single objects where lists are expected (GraphQL input coercion makes
	// them lists), which a check of the raw argument map never saw.
	{name: "fsi counts female victims through follow-ups, objects for lists", subject: accFSINiono,
		query:     `{ result: followUps(where: {hasIncidentWith: {hasInvolvementsWith: {role: VICTIM, hasActorWith: {gender: FEMALE}}}}) { totalCount } }`,
		forbidden: true},
	{name: "fsi counts female victims through follow-ups, objects in variables", subject: accFSINiono,
		query: `query($w: FollowUpWhereInput) { result: followUps(where: $w) { totalCount } }`,
		vars:  map[string]any{"w": map[string]any{"hasIncidentWith": map[string]any{"hasInvolvementsWith": map[string]any{"role": "VICTIM", "hasActorWith": map[string]any{"gender": "FEMALE"}}}}}, forbidden: true},
	{name: "fsi filters through a fragment and an alias", subject: accFSINiono,
		query:     `query { ...F } fragment F on Query { result: incidents(first: 5, where: {hasInvolvementsWith: {hasActorWith: {ageBracket: UNDER_18}}}) { totalCount } }`,
		forbidden: true},
	{name: "dihr filters on who collected an actor, objects for lists", subject: accDIHR, field: "incidents",
		where: map[string]any{"hasInvolvementsWith": map[string]any{"hasActorWith": map[string]any{"hasCollectedByWith": map[string]any{"subject": accMonNiono}}}}, forbidden: true},
	{name: "dihr filters on whether an incident has a collector", subject: accDIHR, field: "incidents",
		where: map[string]any{"hasCollectedBy": true}, forbidden: true},
	{name: "dihr filters on whether an incident has no collector", subject: accDIHR, field: "incidents",
		where: map[string]any{"hasCollectedBy": false}, forbidden: true},
	{name: "fsi orders actors by a single object for a list", subject: accFSINiono,
		query:     `{ result: actors(first: 5, orderBy: {field: AGE_BRACKET}) { totalCount } }`,
		forbidden: true},

	// dihr_partner: no sensitive fields, no identities, only consented shared rows.
	{name: "dihr filters on who collected", subject: accDIHR, field: "incidents",
		where: map[string]any{"hasCollectedByWith": []any{map[string]any{"subject": accMonNiono}}}, forbidden: true},
	{name: "dihr filters on actor gender", subject: accDIHR, field: "incidents",
		where: map[string]any{"hasInvolvementsWith": []any{map[string]any{"hasActorWith": []any{map[string]any{"gender": "FEMALE"}}}}}, want: accRefs("a", "c", "e")},
	{name: "dihr filters on region", subject: accDIHR, field: "incidents",
		where: map[string]any{"hasLocalityWith": []any{map[string]any{"hasParentWith": []any{map[string]any{"name": "Ségou"}}}}}, want: accRefs("a", "c", "h")},
	{name: "dihr orders by occurredAt", subject: accDIHR, field: "incidents",
		orderBy: []map[string]any{{"field": "OCCURRED_AT"}}, want: accRefs("a", "c", "e", "g", "h", "j"), ordered: true},
	{name: "dihr orders by status then reference", subject: accDIHR, field: "incidents",
		orderBy: []map[string]any{{"field": "STATUS", "direction": "DESC"}, {"field": "REFERENCE"}}, want: accRefs("a", "c", "e", "g", "h", "j")},
	{name: "dihr probes incidents without consent through actors", subject: accDIHR, field: "actors",
		where: map[string]any{"hasInvolvementsWith": []any{map[string]any{"hasIncidentWith": []any{map[string]any{"consentToShare": false}}}}}, orForbidden: true, want: nil,
		regression: accLeakEdgeFilter + "dihr gets the actors of Commissariat de Niono and Brigade de Kayes back for " +
			"actors(where: {hasInvolvementsWith: [{hasIncidentWith: [{consentToShare: false}]}]}): it learns that " +
			"those units are alleged in incidents shared without consent (NIO-2023-0002, KAY-2023-0009)."},
	{name: "dihr probes unverified incidents through localities", subject: accDIHR, field: "localities",
		where: map[string]any{"hasIncidentsWith": []any{map[string]any{"status": "REPORTED"}}}, orForbidden: true, want: nil,
		regression: accLeakEdgeFilter + "dihr gets Niono and Kayes back for localities(where: {hasIncidentsWith: " +
			"[{status: REPORTED}]}), and can count and date REPORTED incidents (NIO-2023-0004, KAY-2023-0006) it may not see."},
	{name: "dihr probes incidents without consent through follow-ups", subject: accDIHR, field: "organizations",
		where: map[string]any{"hasFollowUpsWith": []any{map[string]any{"hasIncidentWith": []any{map[string]any{"consentToShare": false}}}}}, orForbidden: true, want: nil,
		regression: accLeakEdgeFilter + "dihr gets Commissariat de Niono and Brigade de Kayes back for organizations(where: " +
			"{hasFollowUpsWith: [{hasIncidentWith: [{consentToShare: false}]}]})."},
	{name: "dihr probes incidents without consent through violation types", subject: accDIHR, field: "violationTypes",
		where: map[string]any{"hasIncidentsWith": []any{map[string]any{"consentToShare": false}}}, orForbidden: true, want: nil,
		regression: accLeakEdgeFilter + "dihr gets the violation types of NIO-2023-0002 and KAY-2023-0009 (no consent) back " +
			"for violationTypes(where: {hasIncidentsWith: [{consentToShare: false}]})."},

	// amdh_monitor: victims only on its own submissions; collectedBy only on them.
	{name: "monitor filters on status", subject: accMonNiono, field: "incidents", where: map[string]any{"status": "VERIFIED"}, want: accRefs("a", "b", "c")},
	{name: "monitor filters on who collected", subject: accMonNiono, field: "incidents",
		where: map[string]any{"hasCollectedByWith": []any{map[string]any{"subject": accMonNiono}}}, forbidden: true},
	{name: "monitor orders by reference", subject: accMonNiono, field: "incidents",
		orderBy: []map[string]any{{"field": "REFERENCE"}}, want: accRefs("f", "a", "b", "c", "d"), ordered: true},
	{name: "monitor probes victims of others' incidents", subject: accMonNiono, field: "incidents",
		where:       map[string]any{"hasInvolvementsWith": []any{map[string]any{"role": "VICTIM", "hasActorWith": []any{map[string]any{"gender": "FEMALE", "ageBracket": "UNDER_18"}}}}},
		orForbidden: true, want: accRefs("a"),
		regression: accLeakEdgeFilter + "mon-niono gets NIO-2023-0003 (collected by the coordinator; the matrix hides its " +
			"victims from the monitor) back for incidents(where: {hasInvolvementsWith: [{role: VICTIM, hasActorWith: " +
			"[{gender: FEMALE, ageBracket: UNDER_18}]}]}): it learns that the victim is a girl under 18."},

	// amdh_coordinator reads everything, so may filter on anything.
	{name: "coordinator filters on who collected", subject: accCoord, field: "incidents",
		where: map[string]any{"hasCollectedByWith": []any{map[string]any{"subject": accMonNiono}}}, want: accRefs("a", "b", "d", "f")},

	// Two roles: victims are seen on rows of dihr_partner and on its own submissions.
	{name: "multi probes for victims", subject: accMulti, field: "incidents",
		where: map[string]any{"hasInvolvementsWith": []any{map[string]any{"role": "VICTIM"}}}, orForbidden: true, want: accRefs("a", "c", "e", "g", "h", "j"),
		regression: accLeakEdgeFilter + "multi (dihr_partner in * and amdh_monitor in Kayes) gets KAY-2023-0009 (consent " +
			"withheld, seen only through amdh_monitor, which sees only the alleged perpetrator of rows not its own) back " +
			"for incidents(where: {hasInvolvementsWith: [{role: VICTIM}]}); see also the parent-rule leak of TestAccessMatrix."},
}

// TestAccessFilters checks that where and orderBy never reach a field or a
// row the viewer may not read: refused with FORBIDDEN when they name a
// hidden field, answered from visible rows only otherwise. And that a
// cursor, whoever made it, reaches only the rows of whoever uses it.
func TestAccessFilters(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		for _, c := range accFilterCases {
			t.Run(c.subject+": "+c.name, func(t *testing.T) {
				r := w.roles[c.subject]
				q := c.query
				vars := c.vars
				if vars == nil {
					vars = map[string]any{}
				}
				if q == "" {
					q = accFilterQuery(c)
					if c.where != nil {
						vars["where"] = c.where
					}
					if c.orderBy != nil {
						vars["orderBy"] = c.orderBy
					}
				}
				resp := w.as(t, c.subject).Query(t, q, vars)
				accNoMarkerLeak(t, resp, r, w)
				if c.forbidden || c.orForbidden && len(resp.Errors) > 0 {
					e := resp.Code(t, "FORBIDDEN")
					accNoMarker(t, "error message", e.Message)
					if d := strings.TrimSpace(string(resp.Data)); d != "" && d != "null" {
						t.Errorf("a refused request returned data: %s", d)
					}
					return
				}
				var data struct {
					Result struct {
						TotalCount int
						Edges      []struct{ Node map[string]any }
					}
				}
				accDecode(t, resp, &data)
				var got []string
				for _, e := range data.Result.Edges {
					got = append(got, w.key(c.field, e.Node))
				}
				same := accEqual(got, c.want)
				if c.ordered {
					same = slices.Equal(got, c.want)
				}
				if !same {
					t.Errorf("got %s, want %s", accFmt(got), accFmt(c.want))
				}
				if data.Result.TotalCount != len(c.want) {
					t.Errorf("totalCount %d, want %d", data.Result.TotalCount, len(c.want))
				}
			})
		}

		t.Run("dihr orders actors by gender", func(t *testing.T) {
			r := w.roles[accDIHR]
			resp := w.as(t, accDIHR).Query(t, `{ actors(first: 100, orderBy: [{field: GENDER}]) { totalCount edges { node { id gender } } } }`, nil)
			accNoMarkerLeak(t, resp, r, w)
			var data struct{ Actors accConn[accActorNode] }
			accDecode(t, resp, &data)
			var got []string
			var genders []string
			for _, n := range data.Actors.nodes() {
				got = append(got, w.key("actors", map[string]any{"id": n.ID}))
				genders = append(genders, *n.Gender)
			}
			if want := w.actorKeys(r); !accEqual(got, want) {
				t.Errorf("got %s, want %s", accFmt(got), accFmt(want))
			}
			if !slices.IsSorted(genders) {
				t.Errorf("not ordered by gender: %v", genders)
			}
		})

		t.Run("cursors", func(t *testing.T) { accCheckCursors(t, w) })
	})
}

// accNoMarkerLeak fails the test if the response shows a marker the role
// may not see anywhere.
func accNoMarkerLeak(t *testing.T, resp *apitest.Response, r *accRole, w *accWorld) {
	t.Helper()
	allowed := w.allMarkers(r)
	for _, m := range accUniverse() {
		if bytes.Contains(resp.Body, []byte(m)) && !allowed[m] {
			t.Errorf("LEAK: %q in %s", m, resp.Body)
		}
	}
}

// accCursor makes a cursor as entgql does, for forged cursors.
func accCursor(t *testing.T, id string, value any) string {
	t.Helper()
	var b bytes.Buffer
	entgql.Cursor[gid.ID]{ID: gid.ID(id), Value: value}.MarshalGQL(&b)
	s, err := strconv.Unquote(b.String())
	if err != nil {
		t.Fatalf("cursor %s: %v", b.String(), err)
	}
	return s
}

// accCheckCursors takes cursors as one user and uses them as another: a
// cursor only says where to start, and never lets a row through that the
// user of the cursor may not see.
func accCheckCursors(t *testing.T, w *accWorld) {
	const byRef = `query($after: Cursor, $before: Cursor, $first: Int, $last: Int) {
		incidents(after: $after, before: $before, first: $first, last: $last, orderBy: [{field: REFERENCE}]) {
			totalCount edges { cursor node { reference summary narrative } } } }`
	const byID = `query($after: Cursor, $first: Int) {
		incidents(after: $after, first: $first) { totalCount edges { cursor node { id reference } } } }`
	type page struct {
		Incidents struct {
			TotalCount int
			Edges      []struct {
				Cursor string
				Node   struct{ ID, Reference string }
			}
		}
	}
	get := func(t *testing.T, subject, q string, vars map[string]any) page {
		t.Helper()
		resp := w.as(t, subject).Query(t, q, vars)
		accNoMarkerLeak(t, resp, w.roles[subject], w)
		var p page
		accDecode(t, resp, &p)
		return p
	}
	refsOf := func(p page) []string {
		var out []string
		for _, e := range p.Incidents.Edges {
			out = append(out, e.Node.Reference)
		}
		return out
	}

	// Every cursor of the coordinator's list, in reference order.
	all := get(t, accCoord, byRef, map[string]any{"first": 100})
	if len(all.Incidents.Edges) != len(accIncidents) {
		t.Fatalf("coordinator sees %d incidents", len(all.Incidents.Edges))
	}
	users := []string{accDIHR, accFSINiono, accMonNiono, accMonKayes, accMulti}
	for _, e := range all.Incidents.Edges {
		pivot := e.Node.Reference
		for _, subject := range users {
			r := w.roles[subject]
			var after, before []string
			for _, ref := range r.refs() { // sorted
				if ref > pivot {
					after = append(after, ref)
				}
				if ref < pivot {
					before = append(before, ref)
				}
			}
			p := get(t, subject, byRef, map[string]any{"first": 100, "after": e.Cursor})
			if got := refsOf(p); !slices.Equal(got, after) || p.Incidents.TotalCount != len(r.refs()) {
				t.Errorf("%s after the coordinator's cursor at %s: %q (total %d), want %q (total %d)", subject, pivot, got, p.Incidents.TotalCount, after, len(r.refs()))
			}
			p = get(t, subject, byRef, map[string]any{"last": 100, "before": e.Cursor})
			if got := refsOf(p); !slices.Equal(got, before) {
				t.Errorf("%s before the coordinator's cursor at %s: %q, want %q", subject, pivot, got, before)
			}
		}
	}

	// A cursor of dihr used by fsi-niono, and the reverse.
	dihr := get(t, accDIHR, byRef, map[string]any{"first": 1})
	if p := get(t, accFSINiono, byRef, map[string]any{"first": 100, "after": dihr.Incidents.Edges[0].Cursor}); !slices.Equal(refsOf(p), accRefs("a")) {
		t.Errorf("fsi-niono after dihr's first cursor: %q", refsOf(p))
	}
	fsi := get(t, accFSINiono, byRef, map[string]any{"first": 1})
	if p := get(t, accDIHR, byRef, map[string]any{"first": 100, "after": fsi.Incidents.Edges[0].Cursor}); !slices.Equal(refsOf(p), accRefs("c", "h")) {
		t.Errorf("dihr after fsi-niono's cursor: %q, want %q", refsOf(p), accRefs("c", "h"))
	}

	// Forged cursors: pointing at a row the user may not see, or before
	// every row.
	b := w.incidents["b"]
	for _, c := range []struct {
		name   string
		cursor string
		want   []string
	}{
		{"at an incident without consent", accCursor(t, string(b.ID), []any{b.Reference}), accRefs("c", "h")},
		{"with the value of a hidden row and an unknown id", accCursor(t, accUnknownID("inc"), []any{"NIO-2023-0002"}), accRefs("c", "h")},
		{"before everything", accCursor(t, accUnknownID("inc"), []any{""}), accRefsOf(func(s accIncidentSpec) bool { return accDIHRRows(s) })},
	} {
		p := get(t, accDIHR, byRef, map[string]any{"first": 100, "after": c.cursor})
		if !accEqual(refsOf(p), c.want) {
			t.Errorf("dihr after a forged cursor %s: %q, want %q", c.name, refsOf(p), c.want)
		}
	}
	// The coordinator's cursor is what accCursor makes.
	for _, e := range all.Incidents.Edges {
		if e.Node.Reference == b.Reference && e.Cursor != accCursor(t, string(b.ID), []any{b.Reference}) {
			t.Errorf("entgql's cursors are not made as accCursor makes them")
		}
	}
	for _, bad := range []string{"bm90IGEgY3Vyc29y", "!!!"} {
		resp := w.as(t, accDIHR).Query(t, byRef, map[string]any{"first": 10, "after": bad})
		e := resp.Code(t, "BAD_USER_INPUT")
		accNoMarker(t, "cursor error", e.Message)
	}
	t.Run("a well-encoded cursor of the wrong shape", func(t *testing.T) {
		// A cursor that decodes but does not fit the ordering (its value
		// is not a list): refused as input, not an internal error.
		resp := w.as(t, accDIHR).Query(t, byRef, map[string]any{"first": 10, "after": accCursor(t, string(b.ID), b.Reference)})
		e := resp.Code(t, "BAD_USER_INPUT")
		accNoMarker(t, "cursor error", e.Message)
	})

	// Default order (by id): what the coordinator gets after a cursor,
	// restricted to the rows each user sees.
	byIDAll := get(t, accCoord, byID, map[string]any{"first": 100})
	for _, e := range byIDAll.Incidents.Edges {
		coordAfter := refsOf(get(t, accCoord, byID, map[string]any{"first": 100, "after": e.Cursor}))
		for _, subject := range []string{accDIHR, accFSINiono, accMonNiono} {
			r := w.roles[subject]
			var want []string
			for _, ref := range coordAfter {
				if slices.Contains(r.refs(), ref) {
					want = append(want, ref)
				}
			}
			if got := refsOf(get(t, subject, byID, map[string]any{"first": 100, "after": e.Cursor})); !slices.Equal(got, want) {
				t.Errorf("%s after the coordinator's id cursor at %s: %q, want %q", subject, e.Node.Reference, got, want)
			}
		}
	}
}
