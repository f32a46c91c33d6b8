package graph_test

// Mutations as oracles: a client that may not see a row must not learn
// that it exists from the answer to a mutation naming it (as a parent, an
// edge, the row to update) or colliding with one of its unique values.
// Each test sends the same mutation twice, once with a hidden row and once
// with a row that does not exist, and wants the two answers identical to
// the byte.

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// oracleCase is a mutation naming, in one input field, a row the role may
// not see; missing is a well-formed id of the same type that names nothing.
type oracleCase struct {
	name    string
	subject string
	doc     string
	vars    func(id string) map[string]any
	hidden  string
	missing string
	// code is the answer both must get: NOT_FOUND where the role may do
	// the mutation at all, FORBIDDEN where it may not (then no id is
	// looked at).
	code, field string
}

// oracleSame runs c with the hidden and the missing id and fails unless
// both answers are the same error, byte for byte, with the wanted code,
// no data, nothing written, and no marker of the fixture.
func oracleSame(t *testing.T, w *accWorld, c oracleCase) {
	t.Helper()
	srv := w.as(t, c.subject)
	before := accState(t, w)
	hidden := srv.Query(t, c.doc, c.vars(c.hidden))
	missing := srv.Query(t, c.doc, c.vars(c.missing))
	if !bytes.Equal(hidden.Body, missing.Body) || hidden.Status != missing.Status {
		t.Errorf("ORACLE: a hidden row and a missing one get different answers:\nhidden  (%d): %s\nmissing (%d): %s",
			hidden.Status, hidden.Body, missing.Status, missing.Body)
	}
	for what, r := range map[string]*apitest.Response{"hidden": hidden, "missing": missing} {
		if len(r.Errors) != 1 || r.Errors[0].Code() != c.code {
			t.Errorf("%s: want one %s error, got %s", what, c.code, r.Body)
			continue
		}
		if got, _ := r.Errors[0].Extensions["field"].(string); got != c.field {
			t.Errorf("%s: want extensions.field %q, got %q", what, c.field, got)
		}
		wantNoData(t, r)
		accNoMarker(t, what+" answer", string(r.Body))
	}
	accUnchanged(t, w, before)
}

// TestMutationsHiddenLikeMissing checks, for each mutation that names
// another row, as each restricted role, that a row it may not see answers
// exactly as a row that does not exist.
func TestMutationsHiddenLikeMissing(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		inc := func(key string) string { return string(w.incidents[key].ID) }
		person := func(key string, r involvement.Role) string { return string(w.persons[key][r].ID) }
		newIncident := func(extra map[string]any) func(string) map[string]any {
			return func(id string) map[string]any {
				in := map[string]any{"occurredAt": "2024-02-01T00:00:00Z", "reportedAt": "2024-02-02T00:00:00Z",
					"localityID": string(w.niono.ID), "violationTypeIDs": []string{string(w.vts[0].ID)}}
				for k, v := range extra {
					in[k] = v
				}
				for k, v := range in {
					if v == "$id" {
						in[k] = id
					}
				}
				return map[string]any{"input": in}
			}
		}
		update := func(input map[string]any) func(string) map[string]any {
			return func(id string) map[string]any { return map[string]any{"id": id, "input": input} }
		}
		input := func(in map[string]any) func(string) map[string]any {
			return func(id string) map[string]any {
				out := map[string]any{}
				for k, v := range in {
					if v == "$id" {
						v = id
					}
					out[k] = v
				}
				return map[string]any{"input": out}
			}
		}
		missing := accUnknownID
		cases := []oracleCase{
			// amdh_monitor in Niono: sees its own submissions and the verified
			// incidents of Niono, not h (REFERRED, the coordinator's) nor e (Kayes).
			{"monitor updates a hidden incident", accMonNiono, accUpdateIncident, update(map[string]any{"summary": "x"}), inc("h"), missing("inc"), "NOT_FOUND", ""},
			{"monitor updates an incident of another locality", accMonNiono, accUpdateIncident, update(map[string]any{"summary": "x"}), inc("e"), missing("inc"), "NOT_FOUND", ""},
			{"monitor updates a hidden actor", accMonNiono, accUpdateActor, update(map[string]any{"gender": "FEMALE"}), person("c", involvement.RoleVICTIM), missing("act"), "NOT_FOUND", ""},
			{"monitor updates the orphan actor", accMonNiono, accUpdateActor, update(map[string]any{"gender": "FEMALE"}), string(w.orphan.ID), missing("act"), "NOT_FOUND", ""},
			{"monitor involves someone in a hidden incident", accMonNiono, accCreateInvolvement,
				input(map[string]any{"role": "WITNESS", "incidentID": "$id", "actorID": person("d", involvement.RoleVICTIM)}), inc("h"), missing("inc"), "NOT_FOUND", "incidentID"},
			{"monitor involves a hidden actor in its incident", accMonNiono, accCreateInvolvement,
				input(map[string]any{"role": "WITNESS", "incidentID": inc("d"), "actorID": "$id"}), person("c", involvement.RoleVICTIM), missing("act"), "NOT_FOUND", "actorID"},
			{"monitor updates a hidden involvement", accMonNiono, `mutation($id: ID!, $input: UpdateInvolvementInput!) { updateInvolvement(id: $id, input: $input) { id } }`,
				update(map[string]any{"role": "SOURCE"}), string(w.involvements["c"][involvement.RoleVICTIM].ID), missing("inv"), "FORBIDDEN", ""},
			{"monitor updates an activity of another locality", accMonNiono, accUpdateActivity, update(map[string]any{"title": "x"}), string(w.activities["KAYES"].ID), missing("acy"), "NOT_FOUND", ""},
			{"monitor follows up a hidden incident", accMonNiono, accCreateFollowUp,
				input(map[string]any{"kind": "MEDIATION", "doneOn": "2024-03-01", "description": "x", "incidentID": "$id", "organizationID": string(w.orgs["AMDH"].ID)}), inc("h"), missing("inc"), "FORBIDDEN", ""},
			{"monitor updates a hidden follow-up", accMonNiono, accUpdateFollowUp, update(map[string]any{"description": "x"}), string(w.followUps["h"].ID), missing("fup"), "FORBIDDEN", ""},
			{"monitor updates a hidden recommendation", accMonNiono, accUpdateReco, update(map[string]any{"status": "ACCEPTED"}), string(w.recos["KAYES"].ID), missing("rec"), "FORBIDDEN", ""},
			{"monitor recommends at a hidden activity", accMonNiono, accCreateReco, input(map[string]any{"text": "x", "activityID": "$id"}), string(w.activities["KAYES"].ID), missing("acy"), "FORBIDDEN", ""},
			{"monitor records an incident in a hidden user's name", accMonNiono, accCreateIncident, newIncident(map[string]any{"collectedByID": "$id"}), string(w.users[accCoord].ID), missing("usr"), "FORBIDDEN", "collectedByID"},
			{"monitor records an actor in a hidden user's name", accMonNiono, accCreateActor, input(map[string]any{"kind": "INDIVIDUAL", "collectedByID": "$id"}), string(w.users[accCoord].ID), missing("usr"), "FORBIDDEN", "collectedByID"},
			{"monitor gives its incident to a hidden user", accMonNiono, accUpdateIncident,
				func(id string) map[string]any {
					return map[string]any{"id": inc("d"), "input": map[string]any{"collectedByID": id}}
				},
				string(w.users[accCoord].ID), missing("usr"), "FORBIDDEN", "collectedBy"},

			// dihr_partner writes nothing: the answer is FORBIDDEN before any id is looked at.
			{"dihr updates a hidden incident", accDIHR, accUpdateIncident, update(map[string]any{"summary": "x"}), inc("b"), missing("inc"), "FORBIDDEN", ""},
			{"dihr follows up a hidden incident", accDIHR, accCreateFollowUp,
				input(map[string]any{"kind": "MEDIATION", "doneOn": "2024-03-01", "description": "x", "incidentID": "$id", "organizationID": string(w.orgs["DIHR"].ID)}), inc("d"), missing("inc"), "FORBIDDEN", ""},
			{"dihr involves someone in a hidden incident", accDIHR, accCreateInvolvement,
				input(map[string]any{"role": "WITNESS", "incidentID": "$id", "actorID": person("a", involvement.RoleVICTIM)}), inc("b"), missing("inc"), "FORBIDDEN", ""},
			{"dihr updates a hidden actor", accDIHR, accUpdateActor, update(map[string]any{"gender": "MALE"}), string(w.orphan.ID), missing("act"), "FORBIDDEN", ""},

			// fsi_liaison in Niono: sees a only (verified, consented, alleging its unit).
			{"fsi updates a hidden recommendation", accFSINiono, accUpdateReco, update(map[string]any{"status": "ACCEPTED"}), string(w.recos["KAYES"].ID), missing("rec"), "NOT_FOUND", ""},
			{"fsi updates a hidden follow-up", accFSINiono, accUpdateFollowUp, update(map[string]any{"description": "x"}), string(w.followUps["b"].ID), missing("fup"), "FORBIDDEN", ""},
			{"fsi updates a hidden incident", accFSINiono, accUpdateIncident, update(map[string]any{"summary": "x"}), inc("h"), missing("inc"), "FORBIDDEN", ""},
			{"fsi follows up the id of a row of another type", accFSINiono, accCreateFollowUp,
				input(map[string]any{"kind": "UNIT_RESPONSE", "doneOn": "2024-03-01", "description": "x", "incidentID": "$id", "organizationID": string(w.orgs[accUnitNiono].ID)}),
				string(w.niono.ID), missing("inc"), "NOT_FOUND", "incidentID"},
			{"fsi records an incident in a hidden user's name", accFSINiono, accCreateIncident, newIncident(map[string]any{"collectedByID": "$id"}), string(w.users[accCoord].ID), missing("usr"), "FORBIDDEN", ""},
			{"dihr records an actor in a hidden user's name", accDIHR, accCreateActor, input(map[string]any{"kind": "INDIVIDUAL", "collectedByID": "$id"}), string(w.users[accCoord].ID), missing("usr"), "FORBIDDEN", ""},

			// multi holds dihr_partner everywhere and amdh_monitor in Kayes:
			// b (Niono, no consent) is hidden from both roles.
			{"two roles involve someone in an incident neither sees", accMulti, accCreateInvolvement,
				input(map[string]any{"role": "WITNESS", "incidentID": "$id", "actorID": person("j", involvement.RoleVICTIM)}), inc("b"), missing("inc"), "NOT_FOUND", "incidentID"},
			{"two roles update an incident neither sees", accMulti, accUpdateIncident, update(map[string]any{"summary": "x"}), inc("b"), missing("inc"), "NOT_FOUND", ""},
		}
		// The follow-ups a liaison writes: on every incident it may not see.
		for _, key := range []string{"b", "c", "d", "e", "h", "k"} {
			cases = append(cases, oracleCase{"fsi follows up hidden incident " + key, accFSINiono, accCreateFollowUp,
				input(map[string]any{"kind": "UNIT_RESPONSE", "doneOn": "2024-03-01", "description": "x", "incidentID": "$id", "organizationID": string(w.orgs[accUnitNiono].ID)}),
				inc(key), missing("inc"), "NOT_FOUND", "incidentID"})
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) { oracleSame(t, w, c) })
		}

		// The same inputs with a row the role sees are accepted: the
		// refusals above are about visibility, not about the input.
		t.Run("the same mutations with visible rows are accepted", func(t *testing.T) {
			w.as(t, accMonNiono).Query(t, accCreateInvolvement, map[string]any{"input": map[string]any{
				"role": "SOURCE", "incidentID": inc("d"), "actorID": person("d", involvement.RoleWITNESS)}}).OK(t, nil)
			w.as(t, accFSINiono).Query(t, accCreateFollowUp, map[string]any{"input": map[string]any{
				"kind": "UNIT_RESPONSE", "doneOn": "2024-03-01", "description": "x", "incidentID": inc("a"), "organizationID": string(w.orgs[accUnitNiono].ID)}}).OK(t, nil)
			w.as(t, accMonNiono).Query(t, accUpdateActivity, map[string]any{"id": string(w.activities["NIONO"].ID), "input": map[string]any{"title": "Dialogue"}}).OK(t, nil)
		})
	})
}

// TestMutationsUniqueValues checks that a unique value tells a role
// nothing of rows it may not see: a role that does not see every incident
// may not choose a reference (FORBIDDEN whatever the value; the server
// assigns one), while a coordinator, who sees them all, may and gets
// CONFLICT for one that is taken.
func TestMutationsUniqueValues(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		in := func(loc *ent.Locality, extra map[string]any) map[string]any {
			i := map[string]any{"occurredAt": "2024-02-01T00:00:00Z", "reportedAt": "2024-02-02T00:00:00Z",
				"localityID": string(loc.ID), "violationTypeIDs": []string{string(w.vts[0].ID)}}
			for k, v := range extra {
				i[k] = v
			}
			return map[string]any{"input": i}
		}
		hiddenRef, visibleRef, freeRef := accSpec("h").ref, accSpec("a").ref, "NIO-2024-0999"
		mon := w.as(t, accMonNiono)

		t.Run("monitor: a reference is refused alike, taken by a hidden incident, by a visible one or free", func(t *testing.T) {
			var bodies [][]byte
			for _, ref := range []string{hiddenRef, visibleRef, freeRef} {
				before := accState(t, w)
				r := mon.Query(t, accCreateIncident, in(w.niono, map[string]any{"reference": ref}))
				wantError(t, r, "FORBIDDEN", "reference")
				wantNoData(t, r)
				accUnchanged(t, w, before)
				bodies = append(bodies, r.Body)
			}
			for i := 1; i < len(bodies); i++ {
				if !bytes.Equal(bodies[0], bodies[i]) {
					t.Errorf("ORACLE: answers differ:\n%s\n%s", bodies[0], bodies[i])
				}
			}
		})
		t.Run("monitor: changing the reference of its incident is refused alike", func(t *testing.T) {
			var bodies [][]byte
			for _, ref := range []string{hiddenRef, freeRef} {
				before := accState(t, w)
				r := mon.Query(t, accUpdateIncident, map[string]any{"id": string(w.incidents["d"].ID), "input": map[string]any{"reference": ref}})
				wantError(t, r, "FORBIDDEN", "reference")
				accUnchanged(t, w, before)
				bodies = append(bodies, r.Body)
			}
			if !bytes.Equal(bodies[0], bodies[1]) {
				t.Errorf("ORACLE: answers differ:\n%s\n%s", bodies[0], bodies[1])
			}
		})
		t.Run("monitor: the server assigns a reference that says nothing of other incidents", func(t *testing.T) {
			pattern := regexp.MustCompile(`^NIO-2024-[0-9]{6}$`)
			seen := map[string]bool{}
			for range 3 {
				var data struct {
					CreateIncident struct{ ID, Reference string }
				}
				accDecode(t, mon.Query(t, accCreateIncident, in(w.niono, nil)), &data)
				got := data.CreateIncident
				if !pattern.MatchString(got.Reference) || seen[got.Reference] {
					t.Errorf("assigned reference %q: want a new one like NIO-2024-123456", got.Reference)
				}
				seen[got.Reference] = true
				stored, err := db.Client.Incident.Get(accSys(), gid.ID(got.ID))
				if err != nil || stored.Reference != got.Reference {
					t.Errorf("stored reference %v (%v), answered %q", stored, err, got.Reference)
				}
			}
		})
		coord := w.as(t, accCoord)
		t.Run("coordinator: a taken reference is a CONFLICT, a free one is kept", func(t *testing.T) {
			before := accState(t, w)
			r := coord.Query(t, accCreateIncident, in(w.niono, map[string]any{"reference": hiddenRef}))
			wantError(t, r, "CONFLICT", "")
			accUnchanged(t, w, before)
			var data struct{ CreateIncident struct{ Reference string } }
			accDecode(t, coord.Query(t, accCreateIncident, in(w.niono, map[string]any{"reference": freeRef})), &data)
			if data.CreateIncident.Reference != freeRef {
				t.Errorf("reference %q, want %q", data.CreateIncident.Reference, freeRef)
			}
		})
		t.Run("coordinator: a reference left out takes the place code of the locality", func(t *testing.T) {
			var data struct{ CreateIncident struct{ Reference string } }
			accDecode(t, coord.Query(t, accCreateIncident, in(w.segou, nil)), &data)
			if !regexp.MustCompile(`^SEG-2024-[0-9]{6}$`).MatchString(data.CreateIncident.Reference) {
				t.Errorf("reference %q, want SEG-2024-…", data.CreateIncident.Reference)
			}
		})
		t.Run("coordinator: a reference cannot be removed", func(t *testing.T) {
			before := accState(t, w)
			r := coord.Query(t, accUpdateIncident, map[string]any{"id": string(w.incidents["a"].ID), "input": map[string]any{"clearReference": true}})
			wantError(t, r, "BAD_USER_INPUT", "reference")
			accUnchanged(t, w, before)
		})
		t.Run("monitor: an involvement repeating a hidden one is refused as one repeating none", func(t *testing.T) {
			// Incident c (the coordinator's, verified in Niono) is visible to
			// the monitor, its witnesses are not; the unit of Niono is an
			// actor it sees (alleged in its own incidents). Make the unit a
			// hidden witness of c.
			unit := w.units[accUnitNiono]
			if _, err := db.Client.Involvement.Create().SetRole(involvement.RoleWITNESS).SetIncident(w.incidents["c"]).SetActor(unit).Save(accSys()); err != nil {
				t.Fatal(err)
			}
			var bodies [][]byte
			for _, role := range []string{"WITNESS", "SOURCE"} { // hidden collision, none
				before := accState(t, w)
				r := mon.Query(t, accCreateInvolvement, map[string]any{"input": map[string]any{
					"role": role, "incidentID": string(w.incidents["c"].ID), "actorID": string(unit.ID)}})
				wantError(t, r, "FORBIDDEN", "")
				accUnchanged(t, w, before)
				bodies = append(bodies, r.Body)
			}
			if !bytes.Equal(bodies[0], bodies[1]) {
				t.Errorf("ORACLE: answers differ:\n%s\n%s", bodies[0], bodies[1])
			}
			// A collision with an involvement it sees is a CONFLICT: it knows.
			r := mon.Query(t, accCreateInvolvement, map[string]any{"input": map[string]any{
				"role": "VICTIM", "incidentID": string(w.incidents["d"].ID), "actorID": string(w.persons["d"][involvement.RoleVICTIM].ID)}})
			wantError(t, r, "CONFLICT", "")
		})
		t.Run("a role that may not create violation types gets FORBIDDEN for a taken code as for a free one", func(t *testing.T) {
			var bodies [][]byte
			for _, code := range []string{w.vts[0].Code, "free_code"} {
				r := mon.Query(t, accCreateVT, map[string]any{"input": map[string]any{"code": code, "labelFr": "x", "labelEn": "x"}})
				wantError(t, r, "FORBIDDEN", "")
				bodies = append(bodies, r.Body)
			}
			if !bytes.Equal(bodies[0], bodies[1]) {
				t.Errorf("ORACLE: answers differ:\n%s\n%s", bodies[0], bodies[1])
			}
		})
	})
}

// TestMutationsCollector checks who is recorded as having collected an
// incident or an actor: the viewer, unless a grant names collectedBy.
func TestMutationsCollector(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		incident := func(extra map[string]any) map[string]any {
			i := map[string]any{"occurredAt": "2024-02-01T00:00:00Z", "reportedAt": "2024-02-02T00:00:00Z",
				"localityID": string(w.niono.ID), "violationTypeIDs": []string{string(w.vts[0].ID)}}
			for k, v := range extra {
				i[k] = v
			}
			return map[string]any{"input": i}
		}
		actorIn := func(extra map[string]any) map[string]any {
			i := map[string]any{"kind": "INDIVIDUAL", "fullName": "Personne fictive"}
			for k, v := range extra {
				i[k] = v
			}
			return map[string]any{"input": i}
		}
		collectorOfIncident := func(t *testing.T, id string) string {
			t.Helper()
			inc, err := db.Client.Incident.Get(accSys(), gid.ID(id))
			if err != nil {
				t.Fatalf("get incident: %v", err)
			}
			return string(inc.CollectedByID)
		}
		collectorOfActor := func(t *testing.T, id string) string {
			t.Helper()
			a, err := db.Client.Actor.Get(accSys(), gid.ID(id))
			if err != nil {
				t.Fatalf("get actor: %v", err)
			}
			return string(a.CollectedByID)
		}
		user := func(subject string) string { return string(w.users[subject].ID) }
		type created struct {
			CreateIncident struct{ ID string }
			CreateActor    struct{ ID string }
		}
		mon, coord := w.as(t, accMonNiono), w.as(t, accCoord)

		t.Run("left out, the collector is the viewer", func(t *testing.T) {
			for _, s := range []struct {
				subject string
				srv     *apitest.Server
			}{{accMonNiono, mon}, {accCoord, coord}} {
				var d created
				accDecode(t, s.srv.Query(t, accCreateIncident, incident(nil)), &d)
				if got := collectorOfIncident(t, d.CreateIncident.ID); got != user(s.subject) {
					t.Errorf("%s: incident collected by %s, want %s", s.subject, got, user(s.subject))
				}
				accDecode(t, s.srv.Query(t, accCreateActor, actorIn(nil)), &d)
				if got := collectorOfActor(t, d.CreateActor.ID); got != user(s.subject) {
					t.Errorf("%s: actor recorded by %s, want %s", s.subject, got, user(s.subject))
				}
			}
		})
		t.Run("monitor may name itself", func(t *testing.T) {
			var d created
			accDecode(t, mon.Query(t, accCreateIncident, incident(map[string]any{"collectedByID": user(accMonNiono)})), &d)
			if got := collectorOfIncident(t, d.CreateIncident.ID); got != user(accMonNiono) {
				t.Errorf("collected by %s", got)
			}
		})
		t.Run("monitor may not name another user, visible or not, on create or update", func(t *testing.T) {
			for _, other := range []string{accCoord, accMonKayes} {
				accRefused(t, w, mon, accCreateIncident, incident(map[string]any{"collectedByID": user(other)}), "FORBIDDEN")
				accRefused(t, w, mon, accCreateActor, actorIn(map[string]any{"collectedByID": user(other)}), "FORBIDDEN")
				accRefused(t, w, mon, accUpdateIncident, map[string]any{"id": string(w.incidents["d"].ID), "input": map[string]any{"collectedByID": user(other)}}, "FORBIDDEN")
				accRefused(t, w, mon, accUpdateActor, map[string]any{"id": string(w.persons["d"][involvement.RoleVICTIM].ID), "input": map[string]any{"collectedByID": user(other)}}, "FORBIDDEN")
			}
			accRefused(t, w, mon, accUpdateIncident, map[string]any{"id": string(w.incidents["d"].ID), "input": map[string]any{"clearCollectedBy": true}}, "FORBIDDEN")
			if got := collectorOfIncident(t, string(w.incidents["d"].ID)); got != user(accMonNiono) {
				t.Errorf("incident d collected by %s", got)
			}
		})
		t.Run("coordinator records history in a monitor's name, and the monitor sees it as its own", func(t *testing.T) {
			var d created
			accDecode(t, coord.Query(t, accCreateIncident, incident(map[string]any{"collectedByID": user(accMonNiono), "narrative": "ORACLE-IMPORTED"})), &d)
			if got := collectorOfIncident(t, d.CreateIncident.ID); got != user(accMonNiono) {
				t.Errorf("collected by %s, want the monitor", got)
			}
			var node struct{ Node *struct{ Narrative *string } }
			accDecode(t, mon.Query(t, `query($id: ID!) { node(id: $id) { ... on Incident { narrative } } }`, map[string]any{"id": d.CreateIncident.ID}), &node)
			if node.Node == nil || node.Node.Narrative == nil || *node.Node.Narrative != "ORACLE-IMPORTED" {
				t.Errorf("the monitor does not see the incident recorded in its name: %+v", node.Node)
			}
			accDecode(t, coord.Query(t, accCreateActor, actorIn(map[string]any{"collectedByID": user(accMonKayes)})), &d)
			if got := collectorOfActor(t, d.CreateActor.ID); got != user(accMonKayes) {
				t.Errorf("actor recorded by %s", got)
			}
			coord.Query(t, accUpdateIncident, map[string]any{"id": d.CreateIncident.ID, "input": map[string]any{"collectedByID": user(accMonKayes)}}).OK(t, nil)
			if got := collectorOfIncident(t, d.CreateIncident.ID); got != user(accMonKayes) {
				t.Errorf("after update collected by %s", got)
			}
		})
		t.Run("a grant of the type alone does not cover the collector", func(t *testing.T) {
			// importer may create and update incidents and read everything,
			// but holds no grant naming Incident.collectedBy.
			err := w.srv.Apply(context.Background(), "a role that may write incidents but not their collector",
				store.Change{Op: store.CreateRole, Role: store.Role{Name: "importer"}},
				store.Change{Op: store.Grant, Permission: store.Permission{Role: "importer", Domain: "*", Object: "*", Action: "read", Scope: "all"}},
				store.Change{Op: store.Grant, Permission: store.Permission{Role: "importer", Domain: "*", Object: "Incident", Action: "create", Scope: "all"}},
				store.Change{Op: store.Grant, Permission: store.Permission{Role: "importer", Domain: "*", Object: "Incident", Action: "update", Scope: "all"}},
			)
			if err != nil {
				t.Fatal(err)
			}
			if err := w.srv.Assign(context.Background(), accNoRole, "importer", "*"); err != nil {
				t.Fatal(err)
			}
			imp := w.as(t, accNoRole)
			var d created
			accDecode(t, imp.Query(t, accCreateIncident, incident(nil)), &d)
			if got := collectorOfIncident(t, d.CreateIncident.ID); got != user(accNoRole) {
				t.Errorf("collected by %s, want the importer", got)
			}
			accRefused(t, w, imp, accCreateIncident, incident(map[string]any{"collectedByID": user(accMonNiono)}), "FORBIDDEN")
			accRefused(t, w, imp, accUpdateIncident, map[string]any{"id": d.CreateIncident.ID, "input": map[string]any{"collectedByID": user(accMonNiono)}}, "FORBIDDEN")
			// The field-level refusal names the field, whoever the user.
			r := imp.Query(t, accCreateIncident, incident(map[string]any{"collectedByID": accUnknownID("usr")}))
			wantError(t, r, "FORBIDDEN", "collectedByID")
		})
		t.Run("admin may name anyone", func(t *testing.T) {
			var d created
			accDecode(t, w.as(t, apitest.Admin).Query(t, accCreateIncident, incident(map[string]any{"collectedByID": user(accMonNiono), "reference": fmt.Sprintf("ADM-2024-%04d", 1)})), &d)
			if got := collectorOfIncident(t, d.CreateIncident.ID); got != user(accMonNiono) {
				t.Errorf("collected by %s", got)
			}
		})
	})
}
