package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// Decoded shapes.
type accActorNode struct {
	ID                                                                        string
	Kind, FullName, Contact, Address, Gender, AgeBracket, Category, Pseudonym *string
	Organization                                                              *struct{ Name string }
	Involvements                                                              []accInvNode
}

type accInvNode struct {
	ID       string
	Role     string
	Incident *accIncNode
	Actor    *accActorNode
}

type accIncNode struct {
	ID, Reference                     string
	Status                            *string
	ConsentToShare                    *bool
	Summary, Narrative, ExactLocation *string
	Source, OccurredAt, ReportedAt    *string
	Locality                          *struct{ Name string }
	ViolationTypes                    []struct{ Code string }
	CollectedBy                       *struct{ Subject string }
	Involvements                      []accInvNode
	FollowUps                         *accConn[accFollowUpNode]
}

type accFollowUpNode struct {
	ID           string
	Description  *string
	Incident     *accIncNode
	Organization *struct{ Name string }
}

type accConn[T any] struct {
	TotalCount int
	PageInfo   struct {
		EndCursor, StartCursor *string
		HasNextPage            bool
	}
	Edges []struct {
		Cursor string
		Node   T
	}
}

func (c *accConn[T]) nodes() []T {
	if c == nil {
		return nil
	}
	out := make([]T, len(c.Edges))
	for i, e := range c.Edges {
		out[i] = e.Node
	}
	return out
}

// Fields of the queries below, and the paths where masking is expected.
var (
	accIncidentFields = `id reference status consentToShare summary occurredAt reportedAt
		narrative exactLocation source
		locality { name } violationTypes { code } collectedBy { subject }`
	accActorFields = `id kind fullName contact address gender ageBracket category pseudonym collectedBy { id }`
)

const accIncidentsQuery = `{ incidents(first: 100) { totalCount edges { node {
	` + "INCIDENT" + `
	involvements { id role actor { ACTOR } }
	followUps(first: 10) { totalCount edges { node { id description } } }
} } } }`

func accQ(q string) string {
	q = strings.ReplaceAll(q, "INCIDENT", accIncidentFields)
	return strings.ReplaceAll(q, "ACTOR", accActorFields)
}

// incidentMasks adds to out the masked paths expected for an incident at
// prefix, for the fields of accIncidentFields.
func (r *accRole) incidentMasks(prefix string, s accIncidentSpec, fields []string, out map[string]bool) {
	for _, f := range fields {
		switch f {
		case "narrative", "exactLocation", "source", "collectedBy":
			if !r.sensitive(s) {
				out[prefix+"."+f] = true
			}
		}
	}
}

// actorMasks adds to out the masked paths expected for an actor at prefix.
func (r *accRole) actorMasks(prefix string, a accActorInfo, fields []string, out map[string]bool) {
	for _, f := range fields {
		hidden := false
		switch f {
		case "fullName", "contact", "address", "collectedBy":
			hidden = !r.identifying(a)
		case "gender", "ageBracket", "category":
			hidden = !r.demographics
		case "kind":
			hidden = !(r.demographics || r.unitKind && a.unit != "")
		case "pseudonym":
			hidden = !r.pseudonym
		}
		if hidden {
			out[prefix+"."+f] = true
		}
	}
}

var (
	accSensitiveFields = []string{"narrative", "exactLocation", "source", "collectedBy"}
	accActorFieldList  = []string{"id", "kind", "fullName", "contact", "address", "gender", "ageBracket", "category", "pseudonym", "collectedBy"}
)

// TestAccessMatrix checks DESIGN.md's acceptance matrix, role by role, on
// every path to the data: top-level lists, nested edges, node and nodes,
// counts; each response's whole body is searched for every marker. Every
// query is answered twice, with plain fields written directly and with
// every field through the Access extension's interceptor, and both answers
// and their audit events must be the same (queryPlainBothWays).
func TestAccessMatrix(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		ids := w.allIDs()
		bodies := map[string][][]byte{} // by subject: every body received
		for _, subject := range accRoleOrder {
			r := w.roles[subject]
			srv := w.as(t, subject)
			t.Run(subject, func(t *testing.T) {
				query := func(t *testing.T, q string, vars map[string]any) *apitest.Response {
					t.Helper()
					// Each answer and its audit events, with plain fields
					// written directly and without: the same.
					resp := queryPlainBothWays(t, db, srv, q, vars)
					bodies[subject] = append(bodies[subject], resp.Body)
					return resp
				}
				for _, path := range accPaths {
					t.Run(path.name, func(t *testing.T) {
						path.check(t, w, r, ids, query)
					})
				}
			})
		}

		// The comparison above compared something: fields were written
		// directly.
		if n := plainCompared.Load(); n < 50 {
			t.Errorf("only %d answers wrote plain fields directly", n)
		}

		// Consent: incidents without consent never reach a partner outside
		// AMDH, on any path above.
		t.Run("consent", func(t *testing.T) {
			for _, subject := range []string{accDIHR, accFSINiono, accFSIKayes} {
				for _, s := range accIncidents {
					if s.consent {
						continue
					}
					for _, body := range bodies[subject] {
						for _, m := range []string{s.ref, accSummary(s.ref), accFollowUp(s.ref), string(w.incidents[s.key].ID)} {
							if bytes.Contains(body, []byte(m)) {
								t.Errorf("LEAK: %s received %q of incident (%s) shared without consent", subject, m, s.key)
							}
						}
					}
				}
			}
		})

		// Conflict of interest: a unit's liaison never sees a victim, a
		// witness or a source, in any response.
		t.Run("conflict of interest", func(t *testing.T) {
			for _, subject := range []string{accFSINiono, accFSIKayes} {
				if len(bodies[subject]) == 0 {
					t.Fatalf("no response recorded for %s", subject)
				}
				for _, body := range bodies[subject] {
					for _, m := range []string{"MARKER-VICTIM", "MARKER-WITNESS", "MARKER-INFORMANT", "MARKER-CONTACT", "MARKER-ADDRESS",
						"MARKER-NARRATIVE", "MARKER-LOCATION", "MARKER-SOURCE", `"VICTIM"`, `"WITNESS"`, `"SOURCE"`, "INDIVIDUAL"} {
						if bytes.Contains(body, []byte(m)) {
							t.Errorf("LEAK: %s received %s", subject, m)
						}
					}
					for _, who := range []string{"victim", "witness", "informant"} {
						for _, s := range accIncidents {
							role := map[string]involvement.Role{"victim": involvement.RoleVICTIM, "witness": involvement.RoleWITNESS, "informant": involvement.RoleSOURCE}[who]
							for _, id := range []string{string(w.persons[s.key][role].ID), string(w.involvements[s.key][role].ID)} {
								if bytes.Contains(body, []byte(id)) {
									t.Errorf("LEAK: %s received the id %s of the %s of %s", subject, id, who, s.ref)
								}
							}
						}
					}
				}
			}
		})
	})
}

// accIDs are the ids of the fixture's rows, by kind.
type accIDs struct {
	incidents, actors, involvements, followUps, activities, recos, users []string
	victims                                                              []string // involvements of victims
}

func (w *accWorld) allIDs() accIDs {
	var ids accIDs
	for _, s := range accIncidents {
		ids.incidents = append(ids.incidents, string(w.incidents[s.key].ID))
		for _, p := range accPersons {
			ids.actors = append(ids.actors, string(w.persons[s.key][p.role].ID))
		}
		for _, inv := range w.involvements[s.key] {
			ids.involvements = append(ids.involvements, string(inv.ID))
		}
		ids.victims = append(ids.victims, string(w.involvements[s.key][involvement.RoleVICTIM].ID))
		if fu := w.followUps[s.key]; fu != nil {
			ids.followUps = append(ids.followUps, string(fu.ID))
		}
	}
	for _, a := range w.units {
		ids.actors = append(ids.actors, string(a.ID))
	}
	ids.actors = append(ids.actors, string(w.orphan.ID))
	for _, place := range []string{"NIONO", "KAYES"} {
		ids.activities = append(ids.activities, string(w.activities[place].ID))
		ids.recos = append(ids.recos, string(w.recos[place].ID))
	}
	for _, u := range w.users {
		ids.users = append(ids.users, string(u.ID))
	}
	return ids
}

// Expected visibility of rows by id.

func (w *accWorld) visibleIncident(r *accRole, id string) bool {
	s, ok := w.incByID[id]
	return ok && r.rows(s)
}

func (w *accWorld) visibleActor(r *accRole, id string) bool {
	a, ok := w.actorInfo[id]
	return ok && w.seesActor(r, a)
}

// involvementOf finds the incident and role of an involvement id.
func (w *accWorld) involvementOf(id string) (accIncidentSpec, involvement.Role, bool) {
	for _, s := range accIncidents {
		for role, inv := range w.involvements[s.key] {
			if string(inv.ID) == id {
				return s, role, true
			}
		}
	}
	return accIncidentSpec{}, "", false
}

func (w *accWorld) followUpOf(id string) (accIncidentSpec, bool) {
	for _, s := range accIncidents {
		if fu := w.followUps[s.key]; fu != nil && string(fu.ID) == id {
			return s, true
		}
	}
	return accIncidentSpec{}, false
}

func (w *accWorld) placeOf(id string, m map[string]string) string { return m[id] }

func (w *accWorld) activityPlaces() map[string]string {
	out := map[string]string{}
	for place, a := range w.activities {
		out[string(a.ID)] = place
	}
	return out
}

func (w *accWorld) recoPlaces() map[string]string {
	out := map[string]string{}
	for place, a := range w.recos {
		out[string(a.ID)] = place
	}
	return out
}

func (w *accWorld) subjectOf(id string) string {
	for s, u := range w.users {
		if string(u.ID) == id {
			return s
		}
	}
	return ""
}

// visibleIDs returns the ids among ids that r sees.
func (w *accWorld) visibleIDs(r *accRole, ids accIDs) map[string]bool {
	out := map[string]bool{}
	for _, id := range ids.incidents {
		out[id] = w.visibleIncident(r, id)
	}
	for _, id := range ids.actors {
		out[id] = w.visibleActor(r, id)
	}
	for _, id := range ids.involvements {
		s, role, _ := w.involvementOf(id)
		out[id] = r.seesInvolvement(s, role)
	}
	for _, id := range ids.followUps {
		s, _ := w.followUpOf(id)
		out[id] = r.rows(s)
	}
	acts, recos := w.activityPlaces(), w.recoPlaces()
	for _, id := range ids.activities {
		out[id] = slices.Contains(r.activities, acts[id])
	}
	for _, id := range ids.recos {
		out[id] = slices.Contains(r.recos, recos[id])
	}
	for _, id := range ids.users {
		out[id] = r.users(w.subjectOf(id))
	}
	return out
}

// allMarkers are the markers r sees on the fixture as a whole: every
// visible incident with its follow-up and the people r may identify, the
// orphan actor, activities and recommendations.
func (w *accWorld) allMarkers(r *accRole) map[string]bool {
	var lists [][]string
	for _, s := range accIncidents {
		lists = append(lists, r.incidentMarkers(s, true, true))
	}
	if w.seesActor(r, w.actorInfo[string(w.orphan.ID)]) && r.identifying(w.actorInfo[string(w.orphan.ID)]) {
		lists = append(lists, accIdentifying("ORPHAN", ""))
	}
	for _, place := range r.activities {
		lists = append(lists, []string{accActivityMarker(place)})
	}
	for _, place := range r.recos {
		lists = append(lists, []string{accRecoMarker(place)})
	}
	return accSet(lists...)
}

// incidentsMarkers are the markers of the incidents r sees that keep
// (nil: all), with people and, if withFollowUps, follow-ups.
func accIncidentsMarkers(r *accRole, keep func(accIncidentSpec) bool, withFollowUps, withPeople bool) map[string]bool {
	var lists [][]string
	for _, s := range accIncidents {
		if keep == nil || keep(s) {
			lists = append(lists, r.incidentMarkers(s, withFollowUps, withPeople))
		}
	}
	return accSet(lists...)
}

type accQueryFunc func(t *testing.T, q string, vars map[string]any) *apitest.Response

type accPath struct {
	name  string
	check func(t *testing.T, w *accWorld, r *accRole, ids accIDs, query accQueryFunc)
}

// wantRoles checks the roles of the involvements listed for incident s.
func accCheckRoles(t *testing.T, r *accRole, s accIncidentSpec, invs []accInvNode) {
	t.Helper()
	var got, want []string
	for _, inv := range invs {
		got = append(got, inv.Role)
	}
	for _, role := range []involvement.Role{involvement.RoleVICTIM, involvement.RoleWITNESS, involvement.RoleSOURCE, involvement.RoleALLEGED_PERPETRATOR} {
		if r.involvement(s, role) {
			want = append(want, string(role))
		}
	}
	if !accEqual(got, want) {
		t.Errorf("%s: involvements %s, want %s", s.ref, accFmt(got), accFmt(want))
	}
}

var accPaths = []accPath{
	{"incidents", func(t *testing.T, w *accWorld, r *accRole, _ accIDs, query accQueryFunc) {
		resp := query(t, accQ(accIncidentsQuery), nil)
		var data struct{ Incidents accConn[accIncNode] }
		accDecode(t, resp, &data)
		accCheckMarkers(t, "incidents", resp.Body, accIncidentsMarkers(r, nil, true, true))
		var refs []string
		masks := map[string]bool{}
		for i, n := range data.Incidents.nodes() {
			refs = append(refs, n.Reference)
			s, ok := w.incByID[n.ID]
			if !ok {
				t.Fatalf("unknown incident %s", n.ID)
			}
			prefix := fmt.Sprintf("incidents.edges[%d].node", i)
			r.incidentMasks(prefix, s, accSensitiveFields, masks)
			accCheckRoles(t, r, s, n.Involvements)
			for j, inv := range n.Involvements {
				if inv.Actor == nil {
					t.Errorf("%s: involvement %s without its actor", s.ref, inv.Role)
					continue
				}
				a := w.actorInfo[inv.Actor.ID]
				r.actorMasks(fmt.Sprintf("%s.involvements[%d].actor", prefix, j), a, accActorFieldList, masks)
				if r.demographics && (inv.Actor.Gender == nil || *inv.Actor.Gender != string(a.gender)) {
					t.Errorf("%s: %s gender %v, want %s", s.ref, inv.Role, inv.Actor.Gender, a.gender)
				}
				if r.pseudonym != (inv.Actor.Pseudonym != nil) {
					t.Errorf("%s: %s pseudonym %v", s.ref, inv.Role, inv.Actor.Pseudonym)
				}
			}
			// Shareable fields are there on every row seen.
			if n.Summary == nil || *n.Summary != accSummary(s.ref) || n.Status == nil || *n.Status != string(s.status) ||
				n.OccurredAt == nil || n.ReportedAt == nil || n.Locality == nil || len(n.ViolationTypes) != 1 || n.ConsentToShare == nil {
				t.Errorf("%s: shareable fields missing: %+v", s.ref, n)
			}
			if r.sensitive(s) != (n.CollectedBy != nil) || n.CollectedBy != nil && n.CollectedBy.Subject != s.collector {
				t.Errorf("%s: collectedBy %+v", s.ref, n.CollectedBy)
			}
			if fu := n.FollowUps; fu == nil || fu.TotalCount != len(fu.Edges) || (fu.TotalCount == 1) != s.followUp {
				t.Errorf("%s: followUps %+v", s.ref, fu)
			}
		}
		if !accEqual(refs, r.refs()) {
			t.Errorf("incidents %s, want %s", accFmt(refs), accFmt(r.refs()))
		}
		if data.Incidents.TotalCount != len(r.refs()) {
			t.Errorf("totalCount %d, want %d", data.Incidents.TotalCount, len(r.refs()))
		}
		accCheckMasked(t, resp, masks)
	}},

	{"actors → involvements → incident", func(t *testing.T, w *accWorld, r *accRole, ids accIDs, query accQueryFunc) {
		resp := query(t, `{ actors(first: 100) { totalCount edges { node { `+accActorFields+`
			involvements { id role incident { id reference summary narrative exactLocation source collectedBy { id }
				followUps(first: 5) { edges { node { description } } } } } } } } }`, nil)
		var data struct{ Actors accConn[accActorNode] }
		accDecode(t, resp, &data)
		var got, want []string
		masks := map[string]bool{}
		wantMarkers := map[string]bool{}
		for i, n := range data.Actors.nodes() {
			got = append(got, n.ID)
			a := w.actorInfo[n.ID]
			prefix := fmt.Sprintf("actors.edges[%d].node", i)
			r.actorMasks(prefix, a, accActorFieldList, masks)
			for j, inv := range n.Involvements {
				s, role, ok := w.involvementOf(inv.ID)
				if !ok || !r.seesInvolvement(s, role) {
					t.Errorf("LEAK: actor %s lists involvement %s (%s of %s)", n.ID, inv.ID, role, s.ref)
					continue
				}
				r.incidentMasks(fmt.Sprintf("%s.involvements[%d].incident", prefix, j), s, accSensitiveFields, masks)
				for _, m := range r.incidentMarkers(s, true, false) {
					wantMarkers[m] = true
				}
			}
		}
		for _, id := range ids.actors {
			a := w.actorInfo[id]
			if w.seesActor(r, a) {
				want = append(want, id)
				if a.word != "" && r.identifying(a) {
					ref := ""
					if a.incident != "" {
						ref = accSpec(a.incident).ref
					}
					for _, m := range accIdentifying(a.word, ref) {
						wantMarkers[m] = true
					}
				}
			}
		}
		// Each visible incident is reached through its alleged perpetrator.
		for _, s := range accIncidents {
			for _, m := range r.incidentMarkers(s, false, false) {
				if !wantMarkers[m] {
					t.Errorf("%s not reached through actors", m)
				}
			}
		}
		accCheckMarkers(t, "actors", resp.Body, wantMarkers)
		if !accEqual(got, want) {
			t.Errorf("actors %d, want %d: extra %v", len(got), len(want), accMinus(got, want))
		}
		if data.Actors.TotalCount != len(want) {
			t.Errorf("totalCount %d, want %d", data.Actors.TotalCount, len(want))
		}
		accCheckMasked(t, resp, masks)
	}},

	{"involvements", func(t *testing.T, w *accWorld, r *accRole, ids accIDs, query accQueryFunc) {
		resp := query(t, `{ involvements(first: 200) { totalCount edges { node { id role
			incident { id reference summary narrative exactLocation source collectedBy { id } } actor { id fullName contact address collectedBy { id } } } } } }`, nil)
		var data struct{ Involvements accConn[accInvNode] }
		accDecode(t, resp, &data)
		var got, want []string
		for _, n := range data.Involvements.nodes() {
			got = append(got, n.ID)
			if n.Incident == nil || n.Actor == nil {
				t.Errorf("involvement %s without incident or actor: %+v", n.ID, n)
			}
		}
		var lists [][]string
		for _, id := range ids.involvements {
			s, role, _ := w.involvementOf(id)
			if r.seesInvolvement(s, role) {
				want = append(want, id)
				lists = append(lists, r.incidentMarkers(s, false, false))
				for _, p := range accPersons {
					if p.role == role && r.identifying(accActorInfo{collector: s.collector, incident: s.key, role: role, word: p.word}) {
						lists = append(lists, accIdentifying(p.word, s.ref))
					}
				}
			}
		}
		accCheckMarkers(t, "involvements", resp.Body, accSet(lists...))
		if !accEqual(got, want) {
			t.Errorf("involvements: %d, want %d; extra %v", len(got), len(want), accMinus(got, want))
		}
		if data.Involvements.TotalCount != len(want) {
			t.Errorf("totalCount %d, want %d", data.Involvements.TotalCount, len(want))
		}
	}},

	{"followUps", func(t *testing.T, w *accWorld, r *accRole, _ accIDs, query accQueryFunc) {
		resp := query(t, `{ followUps(first: 100) { totalCount edges { node { id description
			incident { id reference summary narrative exactLocation source collectedBy { id } } organization { name } } } } }`, nil)
		var data struct{ FollowUps accConn[accFollowUpNode] }
		accDecode(t, resp, &data)
		hasFollowUp := func(s accIncidentSpec) bool { return s.followUp }
		accCheckMarkers(t, "followUps", resp.Body, accIncidentsMarkers(r, hasFollowUp, true, false))
		want := 0
		for _, s := range accIncidents {
			if s.followUp && r.rows(s) {
				want++
			}
		}
		if data.FollowUps.TotalCount != want || len(data.FollowUps.Edges) != want {
			t.Errorf("followUps: totalCount %d, %d edges, want %d", data.FollowUps.TotalCount, len(data.FollowUps.Edges), want)
		}
		for _, n := range data.FollowUps.nodes() {
			if n.Incident == nil || n.Organization == nil {
				t.Errorf("follow-up %s without incident or organization", n.ID)
			}
		}
	}},

	{"activities and recommendations", func(t *testing.T, w *accWorld, r *accRole, _ accIDs, query accQueryFunc) {
		resp := query(t, `{
			activities(first: 10) { totalCount edges { node { id summary locality { name }
				recommendations(first: 10) { totalCount edges { node { id text } } } } } }
			recommendations(first: 10) { totalCount edges { node { id text status activity { id summary } addressees { name } } } }
		}`, nil)
		var data struct {
			Activities accConn[struct {
				ID              string
				Recommendations accConn[struct{ ID string }]
			}]
			Recommendations accConn[struct{ ID string }]
		}
		accDecode(t, resp, &data)
		var lists [][]string
		for _, p := range r.activities {
			lists = append(lists, []string{accActivityMarker(p)})
		}
		for _, p := range r.recos {
			lists = append(lists, []string{accRecoMarker(p)})
		}
		accCheckMarkers(t, "activities", resp.Body, accSet(lists...))
		if data.Activities.TotalCount != len(r.activities) || data.Recommendations.TotalCount != len(r.recos) {
			t.Errorf("activities %d, recommendations %d; want %d and %d", data.Activities.TotalCount, data.Recommendations.TotalCount, len(r.activities), len(r.recos))
		}
	}},

	{"users", func(t *testing.T, w *accWorld, r *accRole, _ accIDs, query accQueryFunc) {
		resp := query(t, `{ users(first: 50) { totalCount edges { node { id subject displayName
			collectedIncidents(first: 50) { totalCount edges { node { id reference summary narrative exactLocation source collectedBy { id }
				involvements { role actor { id fullName contact address collectedBy { id } } } } } } } } } }`, nil)
		var data struct {
			Users accConn[struct {
				Subject            string
				CollectedIncidents accConn[accIncNode]
			}]
		}
		accDecode(t, resp, &data)
		// A user's collected incidents say who collected them: listed only
		// to a role that reads who collected every incident it sees;
		// masked otherwise (Viewer.ReadsInverse).
		listsCollected := true
		for _, s := range accIncidents {
			if r.rows(s) && !r.sensitive(s) {
				listsCollected = false
			}
		}
		var got, want []string
		for _, u := range data.Users.nodes() {
			got = append(got, u.Subject)
			var refs, wantRefs []string
			for _, n := range u.CollectedIncidents.nodes() {
				refs = append(refs, n.Reference)
			}
			for _, s := range accIncidents {
				if s.collector == u.Subject && r.rows(s) && listsCollected {
					wantRefs = append(wantRefs, s.ref)
				}
			}
			if !accEqual(refs, wantRefs) {
				t.Errorf("%s collected %s, want %s", u.Subject, accFmt(refs), accFmt(wantRefs))
			}
		}
		for _, s := range append(slices.Collect(mapKeys(w.users)), apitest.Admin) {
			if r.users(s) {
				want = append(want, s)
			}
		}
		if !accEqual(got, want) {
			t.Errorf("users %s, want %s", accFmt(got), accFmt(want))
		}
		if data.Users.TotalCount != len(want) {
			t.Errorf("totalCount %d, want %d", data.Users.TotalCount, len(want))
		}
		seen := func(s accIncidentSpec) bool { return listsCollected && r.users(s.collector) }
		accCheckMarkers(t, "users", resp.Body, accIncidentsMarkers(r, seen, false, true))
	}},

	{"locality → incidents → involvements → actor", func(t *testing.T, w *accWorld, r *accRole, _ accIDs, query accQueryFunc) {
		resp := query(t, `{ localities(first: 10) { totalCount edges { node { id name level
			incidents(first: 50) { totalCount edges { node { id reference summary narrative exactLocation source collectedBy { id }
				involvements { id role actor { id fullName contact address gender collectedBy { id } } } } } } } } } }`, nil)
		var data struct {
			Localities accConn[struct {
				ID        string
				Incidents accConn[accIncNode]
			}]
		}
		accDecode(t, resp, &data)
		accCheckMarkers(t, "localities", resp.Body, accIncidentsMarkers(r, nil, false, true))
		wantLocalities := 0
		if r.reference {
			wantLocalities = 4
		}
		if data.Localities.TotalCount != wantLocalities {
			t.Errorf("localities: %d, want %d", data.Localities.TotalCount, wantLocalities)
		}
		for _, l := range data.Localities.nodes() {
			var refs, want []string
			for _, n := range l.Incidents.nodes() {
				refs = append(refs, n.Reference)
				accCheckRoles(t, r, w.incByID[n.ID], n.Involvements)
			}
			for _, s := range accIncidents {
				if r.rows(s) && (s.kayes && l.ID == string(w.kayes.ID) || !s.kayes && l.ID == string(w.niono.ID)) {
					want = append(want, s.ref)
				}
			}
			if !accEqual(refs, want) || l.Incidents.TotalCount != len(want) {
				t.Errorf("locality %s: incidents %s (total %d), want %s", l.ID, accFmt(refs), l.Incidents.TotalCount, accFmt(want))
			}
		}
	}},

	{"organization → followUps, recommendations, activities", func(t *testing.T, w *accWorld, r *accRole, _ accIDs, query accQueryFunc) {
		resp := query(t, `{ organizations(first: 20) { totalCount edges { node { id name
			followUps(first: 20) { totalCount edges { node { id description incident { reference summary narrative exactLocation source collectedBy { id } } } } }
			recommendations(first: 20) { totalCount edges { node { id text activity { summary } } } }
			activities(first: 20) { totalCount edges { node { id summary } } } } } } }`, nil)
		var data struct {
			Organizations accConn[struct {
				Name            string
				FollowUps       accConn[accFollowUpNode]
				Recommendations accConn[struct{ ID string }]
				Activities      accConn[struct{ ID string }]
			}]
		}
		accDecode(t, resp, &data)
		hasFollowUp := func(s accIncidentSpec) bool { return s.followUp }
		want := accIncidentsMarkers(r, hasFollowUp, true, false)
		for _, p := range r.activities {
			want[accActivityMarker(p)] = true
		}
		for _, p := range r.recos {
			want[accRecoMarker(p)] = true
		}
		accCheckMarkers(t, "organizations", resp.Body, want)
		for _, o := range data.Organizations.nodes() {
			wantFU := 0
			for _, s := range accIncidents {
				if s.followUp && s.unit == o.Name && r.rows(s) {
					wantFU++
				}
			}
			if o.FollowUps.TotalCount != wantFU {
				t.Errorf("%s: %d follow-ups, want %d", o.Name, o.FollowUps.TotalCount, wantFU)
			}
		}
	}},

	{"violationType → incidents", func(t *testing.T, w *accWorld, r *accRole, _ accIDs, query accQueryFunc) {
		resp := query(t, `{ violationTypes(first: 10) { edges { node { code incidents(first: 50) { totalCount edges { node {
			id reference summary narrative exactLocation source collectedBy { id } involvements { role actor { fullName contact address collectedBy { id } } } } } } } } } }`, nil)
		var data struct {
			ViolationTypes accConn[struct{ Incidents accConn[accIncNode] }]
		}
		accDecode(t, resp, &data)
		accCheckMarkers(t, "violationTypes", resp.Body, accIncidentsMarkers(r, nil, false, true))
		total := 0
		for _, vt := range data.ViolationTypes.nodes() {
			total += vt.Incidents.TotalCount
		}
		if total != len(r.refs()) {
			t.Errorf("violation types count %d incidents, want %d", total, len(r.refs()))
		}
	}},

	{"node", func(t *testing.T, w *accWorld, r *accRole, ids accIDs, query accQueryFunc) {
		// node(id:) one by one (as aliases) for every incident and actor,
		// and unknown ids: an invisible row looks exactly like a missing
		// one. The aliases go in requests of 10 (the root-field limit),
		// whose bodies and masked paths are checked together.
		visible := w.visibleIDs(r, ids)
		single := slices.Concat(ids.incidents, ids.actors, accUnknownIDs())
		data := map[string]*accActorNode{}
		resp := &apitest.Response{}
		var maskedPaths []any
		for start := 0; start < len(single); start += 10 {
			var b strings.Builder
			b.WriteString("{")
			for i := start; i < min(start+10, len(single)); i++ {
				fmt.Fprintf(&b, ` n%d: node(id: %q) { id
				... on Incident { reference summary narrative exactLocation source collectedBy { id } }
				... on Actor { fullName contact address gender ageBracket pseudonym collectedBy { id } } }`, i, single[i])
			}
			b.WriteString(" }")
			part := query(t, b.String(), nil)
			var partData map[string]*accActorNode
			accDecode(t, part, &partData)
			maps.Copy(data, partData)
			resp.Body = append(resp.Body, part.Body...)
			if list, ok := part.Extensions["masked"].([]any); ok {
				maskedPaths = append(maskedPaths, list...)
			}
		}
		resp.Extensions = map[string]any{"masked": maskedPaths}
		want := accIncidentsMarkers(r, nil, false, false)
		masks := map[string]bool{}
		for i, id := range single {
			alias := fmt.Sprintf("n%d", i)
			n := data[alias]
			if got := n != nil; got != visible[id] {
				t.Errorf("node(%s): got %v, want visible=%v", id, got, visible[id])
			}
			if n == nil || !visible[id] {
				continue
			}
			if s, ok := w.incByID[id]; ok {
				r.incidentMasks(alias, s, accSensitiveFields, masks)
			}
			if a, ok := w.actorInfo[id]; ok {
				r.actorMasks(alias, a, []string{"fullName", "contact", "address", "gender", "ageBracket", "pseudonym", "collectedBy"}, masks)
				for _, m := range w.actorMarkers(r, a) {
					want[m] = true
				}
			}
		}
		accCheckMarkers(t, "node", resp.Body, want)
		accCheckMasked(t, resp, masks)
	}},

	{"nodes", func(t *testing.T, w *accWorld, r *accRole, ids accIDs, query accQueryFunc) {
		// Every row of the fixture through nodes(ids:), in chunks under
		// the limit of 100 ids, each with unknown ids. First, whatever
		// goes wrong, no invisible row and no hidden marker may come out.
		visible := w.visibleIDs(r, ids)
		allowed := w.allMarkers(r)
		chunks := ids.chunks()
		resps := make([]*apitest.Response, len(chunks))
		var bodies []byte
		for c, chunk := range chunks {
			resp := query(t, accNodesQuery, map[string]any{"ids": chunk})
			resps[c] = resp
			bodies = append(bodies, resp.Body...)
			var data struct{ Nodes []*struct{ ID string } }
			if err := json.Unmarshal(resp.Data, &data); err != nil {
				t.Fatalf("decode: %v: %s", err, resp.Body)
			}
			for i, id := range chunk {
				if i < len(data.Nodes) && data.Nodes[i] != nil && !visible[id] {
					t.Errorf("LEAK: nodes[%d] returns %s, which the matrix hides", i, id)
				}
			}
			for _, e := range resp.Errors {
				accNoMarker(t, "nodes error", e.Message)
			}
		}
		for _, m := range accUniverse() {
			if bytes.Contains(bodies, []byte(m)) && !allowed[m] {
				t.Errorf("LEAK: nodes returns %q", m)
			}
		}
		// Then exactly the visible rows, with no error and the fields the
		// matrix shows.
		t.Run("strict", func(t *testing.T) {
			for c, chunk := range chunks {
				resp := resps[c]
				var data struct{ Nodes []*struct{ ID string } }
				accDecode(t, resp, &data)
				if len(data.Nodes) != len(chunk) {
					t.Fatalf("nodes: %d results for %d ids", len(data.Nodes), len(chunk))
				}
				masks := map[string]bool{}
				for i, id := range chunk {
					got := data.Nodes[i] != nil
					if got != visible[id] {
						t.Errorf("nodes[%d] (%s): got %v, want visible=%v", i, id, got, visible[id])
					}
					if !got {
						continue
					}
					if data.Nodes[i].ID != id {
						t.Errorf("nodes[%d]: id %s, want %s", i, data.Nodes[i].ID, id)
					}
					if s, ok := w.incByID[id]; ok {
						r.incidentMasks(fmt.Sprintf("nodes[%d]", i), s, accSensitiveFields, masks)
					}
					if a, ok := w.actorInfo[id]; ok {
						r.actorMasks(fmt.Sprintf("nodes[%d]", i), a, []string{"fullName", "contact", "address", "gender", "ageBracket", "pseudonym", "collectedBy"}, masks)
					}
				}
				accCheckMasked(t, resp, masks)
			}
			accCheckMarkers(t, "nodes", bodies, allowed)
		})
	}},

	{"counts", func(t *testing.T, w *accWorld, r *accRole, ids accIDs, query accQueryFunc) {
		visible := w.visibleIDs(r, ids)
		count := func(list []string) int {
			n := 0
			for _, id := range list {
				if visible[id] {
					n++
				}
			}
			return n
		}
		want := map[string]int{
			"incidents":       count(ids.incidents),
			"actors":          count(ids.actors),
			"involvements":    count(ids.involvements),
			"followUps":       count(ids.followUps),
			"activities":      count(ids.activities),
			"recommendations": count(ids.recos),
			"users":           count(ids.users) + map[bool]int{true: 1}[r.users(apitest.Admin)],
		}
		for _, form := range []string{"(first: 0)", ""} {
			var q strings.Builder
			q.WriteString("{")
			for name := range want {
				fmt.Fprintf(&q, " %s%s { totalCount }", name, form)
			}
			q.WriteString(" }")
			resp := query(t, q.String(), nil)
			var data map[string]struct{ TotalCount int }
			accDecode(t, resp, &data)
			for name, n := range want {
				if data[name].TotalCount != n {
					t.Errorf("%s%s totalCount %d, want %d", name, form, data[name].TotalCount, n)
				}
			}
		}
		// Counts of a filter on allowed fields: the verified incidents.
		resp := query(t, `{ incidents(first: 0, where: {status: VERIFIED}) { totalCount } }`, nil)
		if len(r.refs()) == 0 && len(resp.Errors) > 0 {
			resp.Code(t, "FORBIDDEN") // a user without any grant may not even filter
			return
		}
		var data struct{ Incidents struct{ TotalCount int } }
		accDecode(t, resp, &data)
		n := 0
		for _, s := range accIncidents {
			if r.rows(s) && s.status == incident.StatusVERIFIED {
				n++
			}
		}
		if data.Incidents.TotalCount != n {
			t.Errorf("verified totalCount %d, want %d", data.Incidents.TotalCount, n)
		}
	}},
}

func mapKeys[K comparable, V any](m map[K]V) func(func(K) bool) {
	return func(yield func(K) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// accMinus returns the elements of a not in b.
func accMinus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

const accNodesQuery = `query($ids: [ID!]!) { nodes(ids: $ids) { id __typename
	... on Incident { reference summary narrative exactLocation source collectedBy { id } }
	... on Actor { fullName contact address gender ageBracket pseudonym collectedBy { id } }
	... on Involvement { role }
	... on FollowUp { description }
	... on Activity { summary }
	... on Recommendation { text }
	... on User { subject } } }`

// accUnknownIDs are well-formed ids that name no row.
func accUnknownIDs() []string {
	return []string{accUnknownID("inc"), accUnknownID("act"), accUnknownID("inv"), accUnknownID("zzz")}
}

// chunks splits the ids of the fixture into lists nodes accepts, each with
// unknown ids: every incident, actor, follow-up, activity, recommendation
// and user, and the involvement of each victim.
func (ids accIDs) chunks() [][]string {
	all := slices.Concat(ids.incidents, ids.actors, ids.followUps, ids.activities, ids.recos, ids.users, ids.victims)
	var out [][]string
	for start := 0; start < len(all); start += 95 {
		out = append(out, slices.Concat(all[start:min(start+95, len(all))], accUnknownIDs()))
	}
	return out
}

// actorMarkers are the identifying markers of actor a that r reads.
func (w *accWorld) actorMarkers(r *accRole, a accActorInfo) []string {
	if a.word == "" || !w.seesActor(r, a) || !r.identifying(a) {
		return nil
	}
	ref := ""
	if a.incident != "" {
		ref = accSpec(a.incident).ref
	}
	return accIdentifying(a.word, ref)
}
