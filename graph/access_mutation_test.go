package graph_test

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/recommendation"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// accState is what a refused mutation must leave as it was: the number of
// rows of every table, and the values the tests try to change.
func accState(t *testing.T, w *accWorld) map[string]string {
	t.Helper()
	ctx := accSys()
	c := w.db.Client
	out := map[string]string{}
	for name, count := range map[string]func() (int, error){
		"activities":             func() (int, error) { return c.Activity.Query().Count(ctx) },
		"actors":                 func() (int, error) { return c.Actor.Query().Count(ctx) },
		"followUps":              func() (int, error) { return c.FollowUp.Query().Count(ctx) },
		"incidents":              func() (int, error) { return c.Incident.Query().Count(ctx) },
		"involvements":           func() (int, error) { return c.Involvement.Query().Count(ctx) },
		"localities":             func() (int, error) { return c.Locality.Query().Count(ctx) },
		"organizations":          func() (int, error) { return c.Organization.Query().Count(ctx) },
		"recommendations":        func() (int, error) { return c.Recommendation.Query().Count(ctx) },
		"users":                  func() (int, error) { return c.User.Query().Count(ctx) },
		"violationTypes":         func() (int, error) { return c.ViolationType.Query().Count(ctx) },
		"incidentViolationTypes": func() (int, error) { return c.Incident.Query().QueryViolationTypes().Count(ctx) },
		"addressees":             func() (int, error) { return c.Recommendation.Query().QueryAddressees().Count(ctx) },
	} {
		n, err := count()
		if err != nil {
			t.Fatalf("count %s: %v", name, err)
		}
		out[name] = fmt.Sprint(n)
	}
	incs, err := c.Incident.Query().All(ctx)
	if err != nil {
		t.Fatalf("incidents: %v", err)
	}
	for _, i := range incs {
		out["incident "+i.Reference] = fmt.Sprintf("%s %s %v %v %s", i.Status, i.Summary, accDeref(i.Narrative), i.CollectedByID, i.LocalityID)
	}
	recos, err := c.Recommendation.Query().All(ctx)
	if err != nil {
		t.Fatalf("recommendations: %v", err)
	}
	for _, r := range recos {
		out["recommendation "+string(r.ID)] = fmt.Sprintf("%s %s", r.Status, r.Text)
	}
	fus, err := c.FollowUp.Query().All(ctx)
	if err != nil {
		t.Fatalf("follow-ups: %v", err)
	}
	for _, f := range fus {
		out["followUp "+string(f.ID)] = f.Description
	}
	return out
}

func accDeref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// accUnchanged fails the test if anything changed since before.
func accUnchanged(t *testing.T, w *accWorld, before map[string]string) {
	t.Helper()
	after := accState(t, w)
	for _, k := range slices.Sorted(maps.Keys(after)) {
		if before[k] != after[k] {
			t.Errorf("a refused mutation changed %s: %q → %q", k, before[k], after[k])
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			t.Errorf("a refused mutation removed %s", k)
		}
	}
}

// accRefused runs a mutation that must be refused with one of codes, and
// checks that it wrote nothing and that its error names no marker.
func accRefused(t *testing.T, w *accWorld, srv *apitest.Server, doc string, vars map[string]any, codes ...string) {
	t.Helper()
	before := accState(t, w)
	resp := srv.Query(t, doc, vars)
	if len(resp.Errors) != 1 || !slices.Contains(codes, resp.Errors[0].Code()) || resp.Status >= 500 {
		t.Errorf("want one error with code in %v, got status %d: %s", codes, resp.Status, resp.Body)
	}
	if d := strings.TrimSpace(string(resp.Data)); d != "" && d != "null" {
		t.Errorf("a refused mutation returned data: %s", d)
	}
	for _, e := range resp.Errors {
		accNoMarker(t, "error message", e.Message)
	}
	accNoMarker(t, "refused mutation", string(resp.Body))
	accUnchanged(t, w, before)
}

const (
	accCreateIncident    = `mutation($input: CreateIncidentInput!) { createIncident(input: $input) { id reference status narrative collectedBy { subject } } }`
	accUpdateIncident    = `mutation($id: ID!, $input: UpdateIncidentInput!) { updateIncident(id: $id, input: $input) { id status } }`
	accCreateFollowUp    = `mutation($input: CreateFollowUpInput!) { createFollowUp(input: $input) { id description } }`
	accUpdateFollowUp    = `mutation($id: ID!, $input: UpdateFollowUpInput!) { updateFollowUp(id: $id, input: $input) { id } }`
	accCreateActivity    = `mutation($input: CreateActivityInput!) { createActivity(input: $input) { id } }`
	accUpdateActivity    = `mutation($id: ID!, $input: UpdateActivityInput!) { updateActivity(id: $id, input: $input) { id } }`
	accCreateReco        = `mutation($input: CreateRecommendationInput!) { createRecommendation(input: $input) { id } }`
	accUpdateReco        = `mutation($id: ID!, $input: UpdateRecommendationInput!) { updateRecommendation(id: $id, input: $input) { id status text } }`
	accCreateActor       = `mutation($input: CreateActorInput!) { createActor(input: $input) { id } }`
	accUpdateActor       = `mutation($id: ID!, $input: UpdateActorInput!) { updateActor(id: $id, input: $input) { id } }`
	accCreateInvolvement = `mutation($input: CreateInvolvementInput!) { createInvolvement(input: $input) { id role actor { id fullName contact address } } }`
	accCreateVT          = `mutation($input: CreateViolationTypeInput!) { createViolationType(input: $input) { id } }`
	accCreateLocality    = `mutation($input: CreateLocalityInput!) { createLocality(input: $input) { id } }`
	accUpdateOrg         = `mutation($id: ID!, $input: UpdateOrganizationInput!) { updateOrganization(id: $id, input: $input) { id } }`
)

// TestAccessMutations checks what each role may write, and that a refused
// mutation writes nothing and says nothing of what the caller may not see.
func TestAccessMutations(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		n := 100
		newRef := func(prefix string) string { n++; return fmt.Sprintf("%s-2024-%04d", prefix, n) }
		incidentInput := func(ref string, loc *ent.Locality, status string) map[string]any {
			in := map[string]any{
				"occurredAt": "2024-02-01T00:00:00Z", "reportedAt": "2024-02-02T00:00:00Z",
				"consentToShare": true, "summary": "new summary", "narrative": "new narrative",
				"localityID": string(loc.ID), "violationTypeIDs": []string{string(w.vts[0].ID)},
			}
			if ref != "" { // only roles that see every incident may choose one
				in["reference"] = ref
			}
			if status != "" {
				in["status"] = status
			}
			return map[string]any{"input": in}
		}
		// sysIncident creates an incident straight in the database.
		sysIncident := func(t *testing.T, loc *ent.Locality, status incident.Status, collector string) *ent.Incident {
			t.Helper()
			inc, err := db.Client.Incident.Create().SetReference(newRef("SYS")).
				SetOccurredAt(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)).SetReportedAt(time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)).
				SetStatus(status).SetConsentToShare(true).SetLocality(loc).AddViolationTypes(w.vts[0]).
				SetCollectedBy(w.users[collector]).Save(accSys())
			if err != nil {
				t.Fatalf("create incident: %v", err)
			}
			return inc
		}
		status := func(t *testing.T, id string) string {
			t.Helper()
			inc, err := db.Client.Incident.Get(accSys(), gid.ID(id))
			if err != nil {
				t.Fatalf("get incident: %v", err)
			}
			return string(inc.Status)
		}
		followUp := func(incidentKey, org string) map[string]any {
			return map[string]any{"input": map[string]any{
				"kind": "UNIT_RESPONSE", "doneOn": "2024-03-01", "description": "written by a test",
				"incidentID": string(w.incidents[incidentKey].ID), "organizationID": string(w.orgs[org].ID)}}
		}
		id := func(key string) string { return string(w.incidents[key].ID) }

		mon := w.as(t, accMonNiono)
		t.Run("monitor creates a REPORTED incident in its locality", func(t *testing.T) {
			before := accState(t, w)
			var data struct {
				CreateIncident struct {
					ID, Reference, Status string
					Narrative             *string
					CollectedBy           *struct{ Subject string }
				}
			}
			accDecode(t, mon.Query(t, accCreateIncident, incidentInput("", w.niono, "REPORTED")), &data)
			got := data.CreateIncident
			if !regexp.MustCompile(`^NIO-2024-[0-9]{6}$`).MatchString(got.Reference) || got.Status != "REPORTED" || got.CollectedBy == nil || got.CollectedBy.Subject != accMonNiono ||
				got.Narrative == nil || *got.Narrative != "new narrative" {
				t.Errorf("createIncident returned %+v", got)
			}
			after := accState(t, w)
			if before["incidents"] == after["incidents"] {
				t.Errorf("no incident written")
			}
		})
		t.Run("monitor creates an incident with the default status", func(t *testing.T) {
			mon.Query(t, accCreateIncident, incidentInput("", w.niono, "")).OK(t, nil)
		})
		t.Run("monitor may not create an incident in another locality", func(t *testing.T) {
			accRefused(t, w, mon, accCreateIncident, incidentInput("", w.kayes, "REPORTED"), "FORBIDDEN")
			accRefused(t, w, mon, accCreateIncident, incidentInput("", w.segou, "REPORTED"), "FORBIDDEN")
		})
		t.Run("monitor may not create a VERIFIED incident", func(t *testing.T) {
			for _, s := range []string{"VERIFIED", "UNDER_VERIFICATION", "REFERRED", "CLOSED"} {
				accRefused(t, w, mon, accCreateIncident, incidentInput("", w.niono, s), "FORBIDDEN")
			}
		})
		t.Run("monitor may not verify", func(t *testing.T) {
			own := sysIncident(t, w.niono, incident.StatusUNDER_VERIFICATION, accMonNiono)
			accRefused(t, w, mon, accUpdateIncident, map[string]any{"id": string(own.ID), "input": map[string]any{"status": "VERIFIED"}}, "FORBIDDEN")
			reported := sysIncident(t, w.niono, incident.StatusREPORTED, accMonNiono)
			accRefused(t, w, mon, accUpdateIncident, map[string]any{"id": string(reported.ID), "input": map[string]any{"status": "UNDER_VERIFICATION"}}, "FORBIDDEN")
			// Skipping a step is refused too, as forbidden or as a broken flow.
			accRefused(t, w, mon, accUpdateIncident, map[string]any{"id": string(reported.ID), "input": map[string]any{"status": "VERIFIED"}}, "FORBIDDEN", "BAD_USER_INPUT")
			if s := status(t, string(reported.ID)); s != "REPORTED" {
				t.Errorf("status %s", s)
			}
		})
		t.Run("monitor may edit its own reported incident only", func(t *testing.T) {
			own := sysIncident(t, w.niono, incident.StatusREPORTED, accMonNiono)
			mon.Query(t, accUpdateIncident, map[string]any{"id": string(own.ID), "input": map[string]any{"summary": "edited"}}).OK(t, nil)
			// Visible but not its own, verified, its own but verified, invisible.
			accRefused(t, w, mon, accUpdateIncident, map[string]any{"id": id("c"), "input": map[string]any{"narrative": "x"}}, "FORBIDDEN")
			accRefused(t, w, mon, accUpdateIncident, map[string]any{"id": id("a"), "input": map[string]any{"narrative": "x"}}, "FORBIDDEN")
			accRefused(t, w, mon, accUpdateIncident, map[string]any{"id": id("h"), "input": map[string]any{"narrative": "x"}}, "NOT_FOUND")
		})
		t.Run("monitor may not move its incident out of its locality", func(t *testing.T) {
			own := sysIncident(t, w.niono, incident.StatusREPORTED, accMonNiono)
			accRefused(t, w, mon, accUpdateIncident, map[string]any{"id": string(own.ID), "input": map[string]any{"localityID": string(w.kayes.ID)}}, "FORBIDDEN")
		})
		t.Run("monitor may not add people to another's incident", func(t *testing.T) {
			own := w.persons["a"]["VICTIM"]
			accRefused(t, w, mon, accCreateInvolvement, map[string]any{"input": map[string]any{
				"role": "WITNESS", "incidentID": id("c"), "actorID": string(own.ID)}}, "FORBIDDEN", "NOT_FOUND")
		})
		t.Run("monitor linking another's victim to its own incident learns nothing", func(t *testing.T) {
			other := w.persons["c"]["VICTIM"]
			resp := mon.Query(t, accCreateInvolvement, map[string]any{"input": map[string]any{
				"role": "WITNESS", "incidentID": id("d"), "actorID": string(other.ID)}})
			for _, m := range accIdentifying("VICTIM", accSpec("c").ref) {
				if strings.Contains(string(resp.Body), m) {
					t.Errorf("LEAK: %s in %s", m, resp.Body)
				}
			}
			resp = mon.Query(t, `query($id: ID!) { node(id: $id) { ... on Actor { fullName contact address involvements { role incident { reference } } } } }`,
				map[string]any{"id": string(other.ID)})
			for _, m := range slices.Concat(accIdentifying("VICTIM", accSpec("c").ref), []string{`"VICTIM"`}) {
				if strings.Contains(string(resp.Body), m) {
					t.Errorf("LEAK: %s in %s", m, resp.Body)
				}
			}
		})
		t.Run("monitor writes activities in its locality only", func(t *testing.T) {
			in := func(loc *ent.Locality) map[string]any {
				return map[string]any{"input": map[string]any{"kind": "SPORTS_DAY", "title": "Journée sportive",
					"startsOn": "2024-04-01", "endsOn": "2024-04-01", "localityID": string(loc.ID)}}
			}
			mon.Query(t, accCreateActivity, in(w.niono)).OK(t, nil)
			accRefused(t, w, mon, accCreateActivity, in(w.kayes), "FORBIDDEN")
			accRefused(t, w, mon, accUpdateActivity, map[string]any{"id": string(w.activities["KAYES"].ID), "input": map[string]any{"title": "x"}}, "NOT_FOUND", "FORBIDDEN")
			accRefused(t, w, mon, accUpdateActivity, map[string]any{"id": string(w.activities["NIONO"].ID), "input": map[string]any{"localityID": string(w.kayes.ID)}}, "FORBIDDEN")
		})
		t.Run("monitor only reads follow-ups and recommendations", func(t *testing.T) {
			accRefused(t, w, mon, accCreateFollowUp, followUp("a", "AMDH"), "FORBIDDEN")
			accRefused(t, w, mon, accUpdateReco, map[string]any{"id": string(w.recos["NIONO"].ID), "input": map[string]any{"status": "ACCEPTED"}}, "FORBIDDEN")
		})

		t.Run("coordinator verifies", func(t *testing.T) {
			inc := sysIncident(t, w.kayes, incident.StatusREPORTED, accMonKayes)
			coord := w.as(t, accCoord)
			for _, s := range []string{"UNDER_VERIFICATION", "VERIFIED"} {
				var data struct{ UpdateIncident struct{ Status string } }
				accDecode(t, coord.Query(t, accUpdateIncident, map[string]any{"id": string(inc.ID), "input": map[string]any{"status": s}}), &data)
				if data.UpdateIncident.Status != s || status(t, string(inc.ID)) != s {
					t.Errorf("status %s, want %s", data.UpdateIncident.Status, s)
				}
			}
		})

		t.Run("dihr writes nothing", func(t *testing.T) {
			dihr := w.as(t, accDIHR)
			cases := []struct {
				doc  string
				vars map[string]any
			}{
				{accCreateIncident, incidentInput("", w.niono, "REPORTED")},
				{accUpdateIncident, map[string]any{"id": id("a"), "input": map[string]any{"summary": "x"}}},
				{accUpdateIncident, map[string]any{"id": id("b"), "input": map[string]any{"summary": "x"}}},
				{accCreateFollowUp, followUp("a", "DIHR")},
				{accUpdateFollowUp, map[string]any{"id": string(w.followUps["a"].ID), "input": map[string]any{"description": "x"}}},
				{accCreateActivity, map[string]any{"input": map[string]any{"kind": "TRAINING", "title": "x", "startsOn": "2024-04-01", "endsOn": "2024-04-01", "localityID": string(w.niono.ID)}}},
				{accUpdateActivity, map[string]any{"id": string(w.activities["NIONO"].ID), "input": map[string]any{"title": "x"}}},
				{accCreateReco, map[string]any{"input": map[string]any{"text": "x", "activityID": string(w.activities["NIONO"].ID)}}},
				{accUpdateReco, map[string]any{"id": string(w.recos["NIONO"].ID), "input": map[string]any{"status": "DROPPED"}}},
				{accCreateActor, map[string]any{"input": map[string]any{"kind": "INDIVIDUAL", "fullName": "x"}}},
				{accUpdateActor, map[string]any{"id": string(w.persons["a"]["VICTIM"].ID), "input": map[string]any{"fullName": "x"}}},
				{accCreateInvolvement, map[string]any{"input": map[string]any{"role": "WITNESS", "incidentID": id("a"), "actorID": string(w.orphan.ID)}}},
				{accCreateVT, map[string]any{"input": map[string]any{"code": "x_test", "labelFr": "x", "labelEn": "x"}}},
				{accCreateLocality, map[string]any{"input": map[string]any{"name": "Fourou", "level": "COMMUNE"}}},
				{accUpdateOrg, map[string]any{"id": string(w.orgs["DIHR"].ID), "input": map[string]any{"name": "x"}}},
			}
			for i, c := range cases {
				t.Run(fmt.Sprint(i), func(t *testing.T) { accRefused(t, w, dihr, c.doc, c.vars, "FORBIDDEN") })
			}
		})

		fsi := w.as(t, accFSINiono)
		t.Run("fsi creates a follow-up on the incident it sees", func(t *testing.T) {
			resp := fsi.Query(t, `mutation($input: CreateFollowUpInput!) { createFollowUp(input: $input) { id description
				incident { reference summary narrative exactLocation source involvements { role actor { fullName gender } } } } }`,
				followUp("a", accUnitNiono))
			var data struct {
				CreateFollowUp struct {
					Description string
					Incident    accIncNode
				}
			}
			accDecode(t, resp, &data)
			got := data.CreateFollowUp
			if got.Description != "written by a test" || got.Incident.Reference != accSpec("a").ref || got.Incident.Narrative != nil {
				t.Errorf("createFollowUp returned %s", resp.Body)
			}
			if len(got.Incident.Involvements) != 1 || got.Incident.Involvements[0].Role != "ALLEGED_PERPETRATOR" {
				t.Errorf("LEAK: the follow-up's incident shows %+v", got.Incident.Involvements)
			}
			if m := accMasked(resp); !m["createFollowUp.incident.narrative"] {
				t.Errorf("narrative not listed in extensions.masked: %v", m)
			}
			for _, m := range []string{"MARKER-", `"VICTIM"`} {
				if strings.Contains(string(resp.Body), m) {
					t.Errorf("LEAK: %s in %s", m, resp.Body)
				}
			}
		})
		t.Run("fsi may not create a follow-up on an incident it does not see", func(t *testing.T) {
			for _, key := range []string{"b", "e", "d", "h", "c"} {
				accRefused(t, w, fsi, accCreateFollowUp, followUp(key, accUnitNiono), "FORBIDDEN", "NOT_FOUND")
			}
		})
		t.Run("fsi may not change a follow-up", func(t *testing.T) {
			accRefused(t, w, fsi, accUpdateFollowUp, map[string]any{"id": string(w.followUps["a"].ID), "input": map[string]any{"description": "x"}}, "FORBIDDEN")
		})
		t.Run("fsi writes follow-ups in its own organization's name", func(t *testing.T) {
			accRefused(t, w, fsi, accCreateFollowUp, followUp("a", "AMDH"), "FORBIDDEN")
		})
		t.Run("fsi sets the status of its recommendation", func(t *testing.T) {
			reco := w.recos["NIONO"]
			var data struct{ UpdateRecommendation struct{ Status, Text string } }
			accDecode(t, fsi.Query(t, accUpdateReco, map[string]any{"id": string(reco.ID), "input": map[string]any{"status": "ACCEPTED"}}), &data)
			got, err := db.Client.Recommendation.Get(accSys(), reco.ID)
			if err != nil {
				t.Fatal(err)
			}
			if data.UpdateRecommendation.Status != "ACCEPTED" || got.Status != recommendation.StatusACCEPTED || got.Text != accRecoMarker("NIONO") {
				t.Errorf("updateRecommendation: %+v, stored %s %q", data.UpdateRecommendation, got.Status, got.Text)
			}
		})
		t.Run("fsi may not change anything else of a recommendation", func(t *testing.T) {
			reco := string(w.recos["NIONO"].ID)
			accRefused(t, w, fsi, accUpdateReco, map[string]any{"id": reco, "input": map[string]any{"text": "x"}}, "FORBIDDEN")
			accRefused(t, w, fsi, accUpdateReco, map[string]any{"id": reco, "input": map[string]any{"status": "IMPLEMENTED", "text": "x"}}, "FORBIDDEN")
			accRefused(t, w, fsi, accUpdateReco, map[string]any{"id": reco, "input": map[string]any{"dueOn": "2025-01-01"}}, "FORBIDDEN")
			accRefused(t, w, fsi, accUpdateReco, map[string]any{"id": reco, "input": map[string]any{"removeAddresseeIDs": []string{string(w.orgs[accUnitNiono].ID)}}}, "FORBIDDEN")
			accRefused(t, w, fsi, accUpdateReco, map[string]any{"id": reco, "input": map[string]any{"addAddresseeIDs": []string{string(w.orgs["AMDH"].ID)}}}, "FORBIDDEN")
			accRefused(t, w, fsi, accCreateReco, map[string]any{"input": map[string]any{"text": "x", "activityID": string(w.activities["NIONO"].ID)}}, "FORBIDDEN")
		})
		t.Run("fsi may not set the status of another unit's recommendation", func(t *testing.T) {
			accRefused(t, w, fsi, accUpdateReco, map[string]any{"id": string(w.recos["KAYES"].ID), "input": map[string]any{"status": "DROPPED"}}, "NOT_FOUND", "FORBIDDEN")
		})
		t.Run("fsi writes no incident", func(t *testing.T) {
			accRefused(t, w, fsi, accUpdateIncident, map[string]any{"id": id("a"), "input": map[string]any{"summary": "x"}}, "FORBIDDEN")
			accRefused(t, w, fsi, accCreateIncident, incidentInput("", w.niono, "REPORTED"), "FORBIDDEN")
			accRefused(t, w, fsi, accCreateInvolvement, map[string]any{"input": map[string]any{"role": "WITNESS", "incidentID": id("a"), "actorID": string(w.orphan.ID)}}, "FORBIDDEN")
		})
		t.Run("no role, no write", func(t *testing.T) {
			accRefused(t, w, w.as(t, accNoRole), accCreateIncident, incidentInput("", w.niono, "REPORTED"), "FORBIDDEN")
		})
	})
}
