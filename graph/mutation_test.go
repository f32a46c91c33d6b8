package graph_test

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/activity"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/ent/organization"
	"github.com/benkan-project/benkan/ent/violationtype"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// mutate runs a one-field mutation with $input (and $id when id is not
// empty), decodes the field's value into v and returns it.
func mutate(t *testing.T, srv *apitest.Server, field, inputType, id, selection string, input map[string]any, v any) {
	t.Helper()
	params, args := "$input: "+inputType+"!", "input: $input"
	vars := map[string]any{"input": input}
	if id != "" {
		params, args = "$id: ID!, "+params, "id: $id, "+args
		vars["id"] = id
	}
	doc := fmt.Sprintf("mutation(%s) { result: %s(%s) %s }", params, field, args, selection)
	var data struct{ Result any }
	data.Result = v
	srv.Query(t, doc, vars).OK(t, &data)
}

type named struct{ ID, Name string }

func TestCreateAndUpdateMutations(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db.Client, 2)
		srv := apitest.Start(t, db)
		ctx := sysCtx()

		// A term of the vocabulary.
		var vt struct {
			ID, Code, LabelFr, LabelEn string
			Description                *string
		}
		mutate(t, srv, "createViolationType", "CreateViolationTypeInput", "", "{ id code labelFr labelEn description }", map[string]any{
			"code": "enforced_disappearance", "labelFr": "Disparition forcée", "labelEn": "Enforced disappearance",
			"description": "Arrestation suivie du refus de reconnaître la détention.",
		}, &vt)
		if !strings.HasPrefix(vt.ID, "vty_") || vt.Code != "enforced_disappearance" || vt.LabelFr != "Disparition forcée" ||
			vt.LabelEn != "Enforced disappearance" || vt.Description == nil || !strings.HasPrefix(*vt.Description, "Arrestation suivie") {
			t.Fatalf("createViolationType returned %+v", vt)
		}

		// A region, and a cercle under it.
		var region, cercle struct {
			ID, Name, Level     string
			Latitude, Longitude *float64
			Parent              *struct{ ID, Name, Level string }
		}
		const localityFields = "{ id name level latitude longitude parent { id name level } }"
		mutate(t, srv, "createLocality", "CreateLocalityInput", "", localityFields,
			map[string]any{"name": "Mopti", "level": "REGION"}, &region)
		if !strings.HasPrefix(region.ID, "loc_") || region.Name != "Mopti" || region.Level != "REGION" || region.Parent != nil || region.Latitude != nil {
			t.Fatalf("createLocality (region) returned %+v", region)
		}
		mutate(t, srv, "createLocality", "CreateLocalityInput", "", localityFields, map[string]any{
			"name": "Bandiagara", "level": "CERCLE", "parentID": region.ID, "latitude": 14.35, "longitude": -3.61,
		}, &cercle)
		if cercle.Name != "Bandiagara" || cercle.Level != "CERCLE" || cercle.Parent == nil ||
			*cercle.Parent != (struct{ ID, Name, Level string }{region.ID, "Mopti", "REGION"}) ||
			cercle.Latitude == nil || *cercle.Latitude != 14.35 || cercle.Longitude == nil || *cercle.Longitude != -3.61 {
			t.Fatalf("createLocality (cercle) returned %+v", cercle)
		}

		// Two organizations.
		var amdh, unit struct{ ID, Name, Kind string }
		mutate(t, srv, "createOrganization", "CreateOrganizationInput", "", "{ id name kind }", map[string]any{
			"name": "Association Malienne des Droits de l'Homme", "acronym": "AMDH", "kind": "HUMAN_RIGHTS_NGO",
		}, &amdh)
		mutate(t, srv, "createOrganization", "CreateOrganizationInput", "", "{ id name kind }", map[string]any{
			"name": "Brigade territoriale fictive", "kind": "SECURITY_FORCE_UNIT",
		}, &unit)
		if !strings.HasPrefix(amdh.ID, "org_") || amdh.Kind != "HUMAN_RIGHTS_NGO" || unit.Kind != "SECURITY_FORCE_UNIT" {
			t.Fatalf("createOrganization returned %+v and %+v", amdh, unit)
		}

		// An incident in the new cercle, with two terms and a collector.
		var inc struct {
			ID, Reference, OccurredAt, ReportedAt, Status string
			ConsentToShare                                bool
			Summary, Narrative, ExactLocation, Source     *string
			Locality                                      struct {
				ID, Name string
				Parent   *struct{ Name string }
			}
			ViolationTypes []struct{ Code string }
			CollectedBy    *struct{ ID, DisplayName string }
		}
		mutate(t, srv, "createIncident", "CreateIncidentInput", "", `{
		  id reference occurredAt reportedAt status consentToShare summary narrative exactLocation source
		  locality { id name parent { name } } violationTypes { code } collectedBy { id displayName }
		}`, map[string]any{
			"reference":        "BDG-2024-0001",
			"occurredAt":       "2024-03-01T08:30:00Z",
			"reportedAt":       "2024-03-02",
			"consentToShare":   true,
			"summary":          "Résumé partageable fictif.",
			"narrative":        "Récit fictif complet.",
			"exactLocation":    "Lieu fictif",
			"source":           "Témoin direct fictif",
			"localityID":       cercle.ID,
			"violationTypeIDs": []string{vt.ID, string(f.arrest.ID)},
			"collectedByID":    string(f.collector.ID),
		}, &inc)
		var codes []string
		for _, v := range inc.ViolationTypes {
			codes = append(codes, v.Code)
		}
		slices.Sort(codes)
		switch {
		case !strings.HasPrefix(inc.ID, "inc_"), inc.Reference != "BDG-2024-0001",
			inc.OccurredAt != "2024-03-01T08:30:00Z", inc.ReportedAt != "2024-03-02T00:00:00Z",
			inc.Status != "REPORTED", !inc.ConsentToShare,
			inc.Summary == nil || *inc.Summary != "Résumé partageable fictif.",
			inc.Narrative == nil || *inc.Narrative != "Récit fictif complet.",
			inc.ExactLocation == nil || *inc.ExactLocation != "Lieu fictif",
			inc.Source == nil || *inc.Source != "Témoin direct fictif",
			inc.Locality.ID != cercle.ID || inc.Locality.Parent == nil || inc.Locality.Parent.Name != "Mopti",
			!slices.Equal(codes, []string{"arbitrary_arrest", "enforced_disappearance"}),
			inc.CollectedBy == nil || inc.CollectedBy.ID != string(f.collector.ID) || inc.CollectedBy.DisplayName != "Collecteur fictif":
			t.Fatalf("createIncident returned %+v", inc)
		}

		// An actor, involved in the incident as a victim.
		var act struct {
			ID, Kind, Category, Gender, AgeBracket string
			FullName, Contact, Address             *string
		}
		mutate(t, srv, "createActor", "CreateActorInput", "", "{ id kind category gender ageBracket fullName contact address }", map[string]any{
			"kind": "INDIVIDUAL", "category": "CIVILIAN", "gender": "FEMALE", "ageBracket": "AGE_18_35",
			"fullName": "Victime fictive A", "contact": "+223 00 00 00 00",
		}, &act)
		if !strings.HasPrefix(act.ID, "act_") || act.Kind != "INDIVIDUAL" || act.Category != "CIVILIAN" || act.Gender != "FEMALE" ||
			act.AgeBracket != "AGE_18_35" || act.FullName == nil || *act.FullName != "Victime fictive A" ||
			act.Contact == nil || *act.Contact != "+223 00 00 00 00" || act.Address != nil {
			t.Fatalf("createActor returned %+v", act)
		}
		var defaults struct{ Category, Gender, AgeBracket string }
		mutate(t, srv, "createActor", "CreateActorInput", "", "{ category gender ageBracket }", map[string]any{"kind": "GROUP"}, &defaults)
		if defaults != (struct{ Category, Gender, AgeBracket string }{"UNKNOWN", "UNKNOWN", "UNKNOWN"}) {
			t.Fatalf("createActor with defaults returned %+v", defaults)
		}
		var inv struct {
			ID, Role string
			Incident struct{ ID, Reference string }
			Actor    struct{ ID string }
		}
		mutate(t, srv, "createInvolvement", "CreateInvolvementInput", "", "{ id role incident { id reference } actor { id } }",
			map[string]any{"role": "VICTIM", "incidentID": inc.ID, "actorID": act.ID}, &inv)
		if !strings.HasPrefix(inv.ID, "inv_") || inv.Role != "VICTIM" || inv.Incident.ID != inc.ID || inv.Incident.Reference != "BDG-2024-0001" || inv.Actor.ID != act.ID {
			t.Fatalf("createInvolvement returned %+v", inv)
		}

		// A follow-up of the incident by AMDH.
		var fup struct {
			ID, Kind, DoneOn, Description string
			Incident                      struct{ ID string }
			Organization                  struct{ ID string }
		}
		mutate(t, srv, "createFollowUp", "CreateFollowUpInput", "", "{ id kind doneOn description incident { id } organization { id } }", map[string]any{
			"kind": "JUDICIAL_REFERRAL", "doneOn": "2024-03-10", "description": "Plainte déposée (fictif).",
			"incidentID": inc.ID, "organizationID": amdh.ID,
		}, &fup)
		if !strings.HasPrefix(fup.ID, "fup_") || fup.Kind != "JUDICIAL_REFERRAL" || fup.DoneOn != "2024-03-10T00:00:00Z" ||
			fup.Description != "Plainte déposée (fictif)." || fup.Incident.ID != inc.ID || fup.Organization.ID != amdh.ID {
			t.Fatalf("createFollowUp returned %+v", fup)
		}

		// An activity run by both organizations, and a recommendation made
		// there, addressed to the unit.
		var acv struct {
			ID, Kind, Title, StartsOn, EndsOn                    string
			WomenCount, MenCount, YouthCount, SecurityForceCount int
			Locality                                             struct{ ID string }
			Organizers                                           []named
		}
		mutate(t, srv, "createActivity", "CreateActivityInput", "", `{
		  id kind title startsOn endsOn womenCount menCount youthCount securityForceCount
		  locality { id } organizers { id name }
		}`, map[string]any{
			"kind": "INCLUSIVE_DIALOGUE", "title": "Dialogue inclusif fictif", "startsOn": "2024-04-02", "endsOn": "2024-04-03",
			"womenCount": 14, "menCount": 11, "youthCount": 9, "securityForceCount": 4,
			"localityID": cercle.ID, "organizerIDs": []string{amdh.ID, unit.ID},
		}, &acv)
		slices.SortFunc(acv.Organizers, func(a, b named) int { return strings.Compare(a.Name, b.Name) })
		if !strings.HasPrefix(acv.ID, "acv_") || acv.Kind != "INCLUSIVE_DIALOGUE" || acv.Title != "Dialogue inclusif fictif" ||
			acv.StartsOn != "2024-04-02T00:00:00Z" || acv.EndsOn != "2024-04-03T00:00:00Z" ||
			acv.WomenCount != 14 || acv.MenCount != 11 || acv.YouthCount != 9 || acv.SecurityForceCount != 4 ||
			acv.Locality.ID != cercle.ID || !slices.Equal(acv.Organizers, []named{{amdh.ID, amdh.Name}, {unit.ID, unit.Name}}) {
			t.Fatalf("createActivity returned %+v", acv)
		}
		var rec struct {
			ID, Text, Status string
			DueOn            *string
			Activity         struct{ ID string }
			Addressees       []named
		}
		mutate(t, srv, "createRecommendation", "CreateRecommendationInput", "", "{ id text status dueOn activity { id } addressees { id name } }", map[string]any{
			"text": "Former les agents aux droits humains (fictif).", "dueOn": "2024-12-31",
			"activityID": acv.ID, "addresseeIDs": []string{unit.ID},
		}, &rec)
		if !strings.HasPrefix(rec.ID, "rec_") || rec.Text != "Former les agents aux droits humains (fictif)." || rec.Status != "PROPOSED" ||
			rec.DueOn == nil || *rec.DueOn != "2024-12-31T00:00:00Z" || rec.Activity.ID != acv.ID ||
			!slices.Equal(rec.Addressees, []named{{unit.ID, unit.Name}}) {
			t.Fatalf("createRecommendation returned %+v", rec)
		}

		// Queries find everything that was created, through its edges.
		t.Run("queries find the created objects", func(t *testing.T) {
			var data struct {
				Incidents struct {
					TotalCount int
					Edges      []struct{ Node struct{ ID string } }
				}
				Node struct {
					Reference    string
					Involvements []struct {
						Role  string
						Actor struct{ FullName string }
					}
					FollowUps struct {
						TotalCount int
						Edges      []struct{ Node struct{ Kind string } }
					}
				}
				Locality struct {
					Children   struct{ TotalCount int }
					Activities struct{ TotalCount int }
				}
				Unit struct {
					Activities      struct{ TotalCount int }
					Recommendations struct {
						Edges []struct{ Node struct{ ID string } }
					}
				}
				ViolationTypes struct {
					Edges []struct {
						Node struct{ Incidents struct{ TotalCount int } }
					}
				}
			}
			srv.Query(t, `query($inc: ID!, $region: ID!, $unit: ID!) {
			  incidents(first: 5, where: {reference: "BDG-2024-0001"}) { totalCount edges { node { id } } }
			  node(id: $inc) { ... on Incident {
			    reference involvements { role actor { fullName } }
			    followUps(first: 5) { totalCount edges { node { kind } } }
			  } }
			  locality: node(id: $region) { ... on Locality {
			    children { totalCount }
			    activities { totalCount }
			  } }
			  unit: node(id: $unit) { ... on Organization {
			    activities { totalCount }
			    recommendations(first: 5) { edges { node { id } } }
			  } }
			  violationTypes(first: 1, where: {code: "enforced_disappearance"}) { edges { node { incidents { totalCount } } } }
			}`, map[string]any{"inc": inc.ID, "region": region.ID, "unit": unit.ID}).OK(t, &data)
			n := data.Node
			switch {
			case data.Incidents.TotalCount != 1 || len(data.Incidents.Edges) != 1 || data.Incidents.Edges[0].Node.ID != inc.ID:
				t.Errorf("incidents where reference: %+v", data.Incidents)
			case n.Reference != "BDG-2024-0001" || len(n.Involvements) != 1 || n.Involvements[0].Role != "VICTIM" || n.Involvements[0].Actor.FullName != "Victime fictive A":
				t.Errorf("incident node: %+v", n)
			case n.FollowUps.TotalCount != 1 || len(n.FollowUps.Edges) != 1 || n.FollowUps.Edges[0].Node.Kind != "JUDICIAL_REFERRAL":
				t.Errorf("incident follow-ups: %+v", n.FollowUps)
			case data.Locality.Children.TotalCount != 1 || data.Locality.Activities.TotalCount != 0:
				t.Errorf("region: %+v", data.Locality)
			case data.Unit.Activities.TotalCount != 1 || len(data.Unit.Recommendations.Edges) != 1 || data.Unit.Recommendations.Edges[0].Node.ID != rec.ID:
				t.Errorf("unit: %+v", data.Unit)
			case len(data.ViolationTypes.Edges) != 1 || data.ViolationTypes.Edges[0].Node.Incidents.TotalCount != 1:
				t.Errorf("violation type: %+v", data.ViolationTypes)
			}
		})

		// Updates change the fields they name and keep the others.
		t.Run("updates", func(t *testing.T) {
			var upd struct {
				Reference, Status string
				ConsentToShare    bool
				Summary           *string
				Narrative         *string
				ViolationTypes    []struct{ Code string }
			}
			mutate(t, srv, "updateIncident", "UpdateIncidentInput", inc.ID, "{ reference status consentToShare summary narrative violationTypes { code } }", map[string]any{
				"summary": "Résumé révisé (fictif).", "consentToShare": false, "clearNarrative": true,
				"removeViolationTypeIDs": []string{string(f.arrest.ID)}, "addViolationTypeIDs": []string{string(f.torture.ID)},
				"status": "UNDER_VERIFICATION",
			}, &upd)
			var got []string
			for _, v := range upd.ViolationTypes {
				got = append(got, v.Code)
			}
			slices.Sort(got)
			if upd.Reference != "BDG-2024-0001" || upd.Status != "UNDER_VERIFICATION" || upd.ConsentToShare ||
				upd.Summary == nil || *upd.Summary != "Résumé révisé (fictif)." || upd.Narrative != nil ||
				!slices.Equal(got, []string{"enforced_disappearance", "torture"}) {
				t.Fatalf("updateIncident returned %+v", upd)
			}
			stored := db.Client.Incident.GetX(ctx, gid.ID(inc.ID))
			if stored.Status != incident.StatusUNDER_VERIFICATION || stored.Summary != "Résumé révisé (fictif)." || stored.Narrative != nil ||
				!stored.OccurredAt.Equal(time.Date(2024, 3, 1, 8, 30, 0, 0, time.UTC)) {
				t.Fatalf("stored incident after update: %+v", stored)
			}

			// Replacing every term at once keeps at least one: allowed.
			var repl struct{ ViolationTypes []struct{ Code string } }
			mutate(t, srv, "updateIncident", "UpdateIncidentInput", inc.ID, "{ violationTypes { code } }", map[string]any{
				"clearViolationTypes": true, "addViolationTypeIDs": []string{string(f.arrest.ID)},
			}, &repl)
			if len(repl.ViolationTypes) != 1 || repl.ViolationTypes[0].Code != "arbitrary_arrest" {
				t.Fatalf("replace violation types: %+v", repl)
			}

			var loc struct {
				Name     string
				Latitude *float64
				Parent   *struct{ ID string }
			}
			mutate(t, srv, "updateLocality", "UpdateLocalityInput", cercle.ID, "{ name latitude parent { id } }",
				map[string]any{"clearLatitude": true}, &loc)
			if loc.Name != "Bandiagara" || loc.Latitude != nil || loc.Parent == nil || loc.Parent.ID != region.ID {
				t.Fatalf("updateLocality returned %+v", loc)
			}

			var a struct {
				FullName *string
				Contact  *string
				Gender   string
			}
			mutate(t, srv, "updateActor", "UpdateActorInput", act.ID, "{ fullName contact gender }",
				map[string]any{"clearContact": true, "gender": "UNKNOWN"}, &a)
			if a.FullName == nil || *a.FullName != "Victime fictive A" || a.Contact != nil || a.Gender != "UNKNOWN" {
				t.Fatalf("updateActor returned %+v", a)
			}

			var r struct {
				Status     string
				DueOn      *string
				Addressees []named
			}
			mutate(t, srv, "updateRecommendation", "UpdateRecommendationInput", rec.ID, "{ status dueOn addressees { id name } }",
				map[string]any{"status": "ACCEPTED", "clearDueOn": true, "addAddresseeIDs": []string{amdh.ID}, "removeAddresseeIDs": []string{unit.ID}}, &r)
			if r.Status != "ACCEPTED" || r.DueOn != nil || !slices.Equal(r.Addressees, []named{{amdh.ID, amdh.Name}}) {
				t.Fatalf("updateRecommendation returned %+v", r)
			}

			var v struct {
				Code, LabelEn string
				Description   *string
			}
			mutate(t, srv, "updateViolationType", "UpdateViolationTypeInput", vt.ID, "{ code labelEn description }",
				map[string]any{"labelEn": "Enforced disappearance of persons", "clearDescription": true}, &v)
			if v.Code != "enforced_disappearance" || v.LabelEn != "Enforced disappearance of persons" || (v.Description != nil && *v.Description != "") {
				t.Fatalf("updateViolationType returned %+v", v)
			}

			var ac struct{ StartsOn, EndsOn string }
			mutate(t, srv, "updateActivity", "UpdateActivityInput", acv.ID, "{ startsOn endsOn }",
				map[string]any{"endsOn": "2024-04-05"}, &ac)
			if ac.StartsOn != "2024-04-02T00:00:00Z" || ac.EndsOn != "2024-04-05T00:00:00Z" {
				t.Fatalf("updateActivity returned %+v", ac)
			}
		})
	})
}

// world is what TestRefusedMutations works on: the fixture and an activity.
type world struct {
	*fixture
	activity *ent.Activity
	org      *ent.Organization
	actor    *ent.Actor
}

func newWorld(t *testing.T, db *storage.DB) *world {
	t.Helper()
	ctx := sysCtx()
	w := &world{fixture: newFixture(t, db.Client, 2)}
	var err error
	w.org, err = db.Client.Organization.Create().SetName("Organisation fictive").SetKind(organization.KindHUMAN_RIGHTS_NGO).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.activity, err = db.Client.Activity.Create().SetKind(activity.KindTRAINING).SetTitle("Formation fictive").
		SetStartsOn(time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)).SetEndsOn(time.Date(2023, 6, 3, 0, 0, 0, 0, time.UTC)).
		SetLocality(w.niono).AddOrganizers(w.org).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.actor = db.Client.Involvement.Query().Where(involvement.HasIncidentWith(incident.ID(w.incidents[1].ID))).
		QueryActor().Where(actor.FullName("Victime fictive 1")).OnlyX(ctx)
	return w
}

// state describes the stored objects refused mutations target, so that a
// test can show they did not change.
func (w *world) state(t *testing.T, db *storage.DB) string {
	t.Helper()
	ctx := sysCtx()
	var b strings.Builder
	for _, inc := range w.incidents {
		s := db.Client.Incident.GetX(ctx, inc.ID)
		vts := db.Client.Incident.QueryViolationTypes(s).IDsX(ctx)
		slices.Sort(vts)
		loc := db.Client.Incident.QueryLocality(s).OnlyIDX(ctx)
		fmt.Fprintf(&b, "%s %s %s %s %v %s %v\n", s.Reference, s.Status, s.OccurredAt.UTC(), s.ReportedAt.UTC(), vts, loc, s.Summary)
	}
	a := db.Client.Activity.GetX(ctx, w.activity.ID)
	fmt.Fprintf(&b, "%s %s %s %d\n", a.Title, a.StartsOn.UTC(), a.EndsOn.UTC(), a.WomenCount)
	l := db.Client.Locality.GetX(ctx, w.niono.ID)
	fmt.Fprintf(&b, "%s %s %v\n", l.Name, l.Level, l.Latitude)
	return b.String()
}

// TestRefusedMutations: each refused mutation answers with a stable code
// (and the input field at fault), returns no data and writes nothing: not
// a row, not an edge, not a changed value. CONFLICT and NOT_FOUND messages
// say nothing of the SQL behind them.
func TestRefusedMutations(t *testing.T) {
	const (
		createIncident = `mutation($input: CreateIncidentInput!) { createIncident(input: $input) { id } }`
		updateIncident = `mutation($id: ID!, $input: UpdateIncidentInput!) { updateIncident(id: $id, input: $input) { id status } }`
		createActivity = `mutation($input: CreateActivityInput!) { createActivity(input: $input) { id } }`
		updateActivity = `mutation($id: ID!, $input: UpdateActivityInput!) { updateActivity(id: $id, input: $input) { id } }`
		createVT       = `mutation($input: CreateViolationTypeInput!) { createViolationType(input: $input) { id } }`
		createLocality = `mutation($input: CreateLocalityInput!) { createLocality(input: $input) { id } }`
		updateLocality = `mutation($id: ID!, $input: UpdateLocalityInput!) { updateLocality(id: $id, input: $input) { id } }`
	)
	unknown := func(prefix string) string { return string(gid.New(prefix)) }
	// Each case builds its variables from the world.
	tests := []struct {
		name        string
		query       string
		vars        func(w *world) map[string]any
		code, field string
	}{
		{"reference with a space", createIncident, incidentInput(map[string]any{"reference": "bad ref"}), "BAD_USER_INPUT", "reference"},
		{"reference in lower case", createIncident, incidentInput(map[string]any{"reference": "nio-2024-0001"}), "BAD_USER_INPUT", "reference"},
		{"reportedAt before occurredAt", createIncident, incidentInput(map[string]any{"occurredAt": "2024-03-02", "reportedAt": "2024-03-01T23:59:59Z"}), "BAD_USER_INPUT", "reportedAt"},
		{"violationTypeIDs empty", createIncident, incidentInput(map[string]any{"violationTypeIDs": []string{}}), "BAD_USER_INPUT", "violationTypeIDs"},
		{"violationTypeIDs missing", createIncident, incidentInput(map[string]any{"violationTypeIDs": nil}), "BAD_USER_INPUT", "violationTypeIDs"},
		{"summary too long", createIncident, incidentInput(map[string]any{"summary": strings.Repeat("é", 4001)}), "BAD_USER_INPUT", "summary"},
		{"occurredAt not a time", createIncident, incidentInput(map[string]any{"occurredAt": "yesterday"}), "BAD_USER_INPUT", ""},
		{"duplicate reference", createIncident, incidentInput(map[string]any{"reference": "TST-2023-0001"}), "CONFLICT", ""},
		{"unknown localityID", createIncident, incidentInput(map[string]any{"localityID": unknown("loc")}), "NOT_FOUND", ""},
		{"localityID naming another type", createIncident, func(w *world) map[string]any {
			return incidentInput(map[string]any{"localityID": string(w.collector.ID)})(w)
		}, "NOT_FOUND", ""},
		{"malformed localityID", createIncident, incidentInput(map[string]any{"localityID": "42"}), "BAD_USER_INPUT", ""},
		{"unknown collectedByID", createIncident, incidentInput(map[string]any{"collectedByID": unknown("usr")}), "NOT_FOUND", ""},
		// The incident row is written before its edges: the transaction
		// must take it back when an edge fails.
		{"one valid and one unknown violation type", createIncident, func(w *world) map[string]any {
			return incidentInput(map[string]any{"violationTypeIDs": []string{string(w.arrest.ID), unknown("vty")}})(w)
		}, "NOT_FOUND", ""},
		{"malformed violation type id", createIncident, incidentInput(map[string]any{"violationTypeIDs": []string{"vty_1"}}), "BAD_USER_INPUT", ""},
		{"duplicate violation type code", createVT, constVars(map[string]any{"input": map[string]any{"code": "torture", "labelFr": "Autre", "labelEn": "Other"}}), "CONFLICT", ""},
		{"violation type code with capitals", createVT, constVars(map[string]any{"input": map[string]any{"code": "Torture", "labelFr": "Autre", "labelEn": "Other"}}), "BAD_USER_INPUT", "code"},
		{"violation type empty label", createVT, constVars(map[string]any{"input": map[string]any{"code": "other_term", "labelFr": "", "labelEn": "Other"}}), "BAD_USER_INPUT", "labelFr"},
		{"activity endsOn before startsOn", createActivity, activityInput(map[string]any{"startsOn": "2024-04-03", "endsOn": "2024-04-02"}), "BAD_USER_INPUT", "endsOn"},
		{"activity negative womenCount", createActivity, activityInput(map[string]any{"womenCount": -1}), "BAD_USER_INPUT", "womenCount"},
		{"activity negative securityForceCount", createActivity, activityInput(map[string]any{"securityForceCount": -3}), "BAD_USER_INPUT", "securityForceCount"},
		{"activity empty title", createActivity, activityInput(map[string]any{"title": ""}), "BAD_USER_INPUT", "title"},
		{"activity unknown organizer", createActivity, activityInput(map[string]any{"organizerIDs": []string{unknown("org")}}), "NOT_FOUND", ""},
		{"update activity endsOn before stored startsOn", updateActivity, func(w *world) map[string]any {
			return map[string]any{"id": string(w.activity.ID), "input": map[string]any{"endsOn": "2023-05-31"}}
		}, "BAD_USER_INPUT", "endsOn"},
		{"update activity negative count", updateActivity, func(w *world) map[string]any {
			return map[string]any{"id": string(w.activity.ID), "input": map[string]any{"womenCount": -1}}
		}, "BAD_USER_INPUT", "womenCount"},
		{"latitude out of range", createLocality, constVars(map[string]any{"input": map[string]any{"name": "Nulle part", "level": "REGION", "latitude": 91.0}}), "BAD_USER_INPUT", "latitude"},
		{"locality unknown parent", createLocality, constVars(map[string]any{"input": map[string]any{"name": "Nulle part", "level": "CERCLE", "parentID": unknown("loc")}}), "NOT_FOUND", ""},
		{"duplicate locality under the same parent", createLocality, func(w *world) map[string]any {
			parent := w.niono.QueryParent().OnlyIDX(sysCtx())
			return map[string]any{"input": map[string]any{"name": "Niono", "level": "CERCLE", "parentID": string(parent)}}
		}, "CONFLICT", ""},
		// A locality's parent is exactly one level up (the schema's hook
		// localityParentOneLevelUp): "the cercle holding this commune" of a
		// count by cercle is then always one locality.
		{"commune directly under a region", createLocality, func(w *world) map[string]any {
			return map[string]any{"input": map[string]any{"name": "Nulle part", "level": "COMMUNE", "parentID": string(w.segou.ID)}}
		}, "BAD_USER_INPUT", "parentID"},
		{"region under a region", createLocality, func(w *world) map[string]any {
			return map[string]any{"input": map[string]any{"name": "Nulle part", "level": "REGION", "parentID": string(w.segou.ID)}}
		}, "BAD_USER_INPUT", "parentID"},
		{"cercle under a cercle", createLocality, func(w *world) map[string]any {
			return map[string]any{"input": map[string]any{"name": "Nulle part", "level": "CERCLE", "parentID": string(w.niono.ID)}}
		}, "BAD_USER_INPUT", "parentID"},
		{"commune moved under a region", updateLocality, func(w *world) map[string]any {
			return map[string]any{"id": string(w.kayes.ID), "input": map[string]any{"parentID": string(w.segou.ID)}}
		}, "BAD_USER_INPUT", "parentID"},
		{"cercle with a parent made a region", updateLocality, func(w *world) map[string]any {
			return map[string]any{"id": string(w.niono.ID), "input": map[string]any{"level": "REGION"}}
		}, "BAD_USER_INPUT", "parentID"},
		{"region given a commune as child", updateLocality, func(w *world) map[string]any {
			return map[string]any{"id": string(w.segou.ID), "input": map[string]any{"addChildIDs": []string{string(w.kayes.ID)}}}
		}, "BAD_USER_INPUT", ""},
		{"region with cercles made a cercle", updateLocality, func(w *world) map[string]any {
			return map[string]any{"id": string(w.segou.ID), "input": map[string]any{"level": "CERCLE"}}
		}, "BAD_USER_INPUT", "level"},
		{"duplicate region", createLocality, constVars(map[string]any{"input": map[string]any{"name": "Ségou", "level": "REGION"}}), "CONFLICT", "name"},
		{"update unknown locality", updateLocality, constVars(map[string]any{"id": unknown("loc"), "input": map[string]any{"name": "X"}}), "NOT_FOUND", ""},
		{"update locality empty name", updateLocality, func(w *world) map[string]any {
			return map[string]any{"id": string(w.niono.ID), "input": map[string]any{"name": ""}}
		}, "BAD_USER_INPUT", "name"},
		{"duplicate involvement", `mutation($input: CreateInvolvementInput!) { createInvolvement(input: $input) { id } }`, func(w *world) map[string]any {
			return map[string]any{"input": map[string]any{"role": "VICTIM", "incidentID": string(w.incidents[1].ID), "actorID": string(w.actor.ID)}}
		}, "CONFLICT", ""},
		{"follow-up of an unknown incident", `mutation($input: CreateFollowUpInput!) { createFollowUp(input: $input) { id } }`, func(w *world) map[string]any {
			return map[string]any{"input": map[string]any{"kind": "MEDIATION", "doneOn": "2024-01-01", "description": "x", "incidentID": unknown("inc"), "organizationID": string(w.org.ID)}}
		}, "NOT_FOUND", ""},
		{"recommendation empty text", `mutation($input: CreateRecommendationInput!) { createRecommendation(input: $input) { id } }`, func(w *world) map[string]any {
			return map[string]any{"input": map[string]any{"text": "", "activityID": string(w.activity.ID)}}
		}, "BAD_USER_INPUT", "text"},
		{"duplicate user subject", `mutation($input: CreateUserInput!) { createUser(input: $input) { id } }`,
			constVars(map[string]any{"input": map[string]any{"subject": "collector", "displayName": "Autre"}}), "CONFLICT", ""},
		{"update unknown incident", updateIncident, constVars(map[string]any{"id": unknown("inc"), "input": map[string]any{"summary": "x"}}), "NOT_FOUND", ""},
		{"update malformed incident id", updateIncident, constVars(map[string]any{"id": "42", "input": map[string]any{"summary": "x"}}), "BAD_USER_INPUT", ""},
		{"status REPORTED to CLOSED", updateIncident, updateOf(1, map[string]any{"status": "CLOSED"}), "BAD_USER_INPUT", "status"},
		{"status change with another valid change", updateIncident, updateOf(1, map[string]any{"status": "VERIFIED", "summary": "changed"}), "BAD_USER_INPUT", "status"},
		{"remove the last violation type", updateIncident, func(w *world) map[string]any {
			return updateOf(1, map[string]any{"removeViolationTypeIDs": []string{string(w.torture.ID)}})(w)
		}, "BAD_USER_INPUT", "violationTypeIDs"},
		{"clear violation types", updateIncident, updateOf(1, map[string]any{"clearViolationTypes": true}), "BAD_USER_INPUT", "violationTypeIDs"},
		{"update reportedAt before stored occurredAt", updateIncident, updateOf(1, map[string]any{"reportedAt": "2023-01-01"}), "BAD_USER_INPUT", "reportedAt"},
		{"update reference to a taken one", updateIncident, updateOf(1, map[string]any{"reference": "TST-2023-0000"}), "CONFLICT", ""},
		{"update to an unknown locality", updateIncident, updateOf(1, map[string]any{"localityID": unknown("loc")}), "NOT_FOUND", ""},
		// One operation, one transaction: the second field's failure takes
		// back what the first one wrote.
		{"second of two mutations fails", `mutation {
		  ok: createViolationType(input: {code: "new_term", labelFr: "Nouveau", labelEn: "New"}) { id }
		  dup: createViolationType(input: {code: "torture", labelFr: "Autre", labelEn: "Other"}) { id }
		}`, constVars(nil), "CONFLICT", ""},
		{"update after a create, update refused", `mutation($id: ID!) {
		  createLocality(input: {name: "Tombouctou", level: REGION}) { id }
		  updateIncident(id: $id, input: {status: CLOSED}) { id }
		}`, func(w *world) map[string]any { return map[string]any{"id": string(w.incidents[1].ID)} }, "BAD_USER_INPUT", "status"},
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		srv := apitest.Start(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				counts, state := rowCounts(t, db), w.state(t, db)
				r := srv.Query(t, tt.query, tt.vars(w))
				e := wantError(t, r, tt.code, tt.field)
				wantNoData(t, r)
				wantSameCounts(t, db, counts)
				if got := w.state(t, db); got != state {
					t.Errorf("a refused mutation changed stored values:\nbefore:\n%s\nafter:\n%s", state, got)
				}
				if tt.code == "CONFLICT" || tt.code == "NOT_FOUND" {
					wantNoSQLLeak(t, e)
				}
			})
		}
	})
}

func constVars(v map[string]any) func(*world) map[string]any {
	return func(*world) map[string]any { return v }
}

// incidentInput returns the variables of a createIncident that would
// succeed, with the fields of change replaced (or removed when nil).
func incidentInput(change map[string]any) func(w *world) map[string]any {
	return func(w *world) map[string]any {
		in := map[string]any{
			"reference":        "NIO-2024-0001",
			"occurredAt":       "2024-03-01",
			"reportedAt":       "2024-03-02",
			"localityID":       string(w.niono.ID),
			"violationTypeIDs": []string{string(w.arrest.ID)},
		}
		for k, v := range change {
			if v == nil {
				delete(in, k)
			} else {
				in[k] = v
			}
		}
		return map[string]any{"input": in}
	}
}

// activityInput is incidentInput for createActivity.
func activityInput(change map[string]any) func(w *world) map[string]any {
	return func(w *world) map[string]any {
		in := map[string]any{
			"kind": "RADIO_DEBATE", "title": "Débat fictif", "startsOn": "2024-04-02", "endsOn": "2024-04-02",
			"localityID": string(w.kayes.ID),
		}
		maps.Copy(in, change)
		return map[string]any{"input": in}
	}
}

// updateOf returns the variables of an updateIncident of fixture incident i.
func updateOf(i int, input map[string]any) func(w *world) map[string]any {
	return func(w *world) map[string]any {
		return map[string]any{"id": string(w.incidents[i].ID), "input": input}
	}
}

// TestValidInputsOfRefusedCases: the inputs TestRefusedMutations starts from
// are accepted as they are, so each refusal there is due to the one change.
func TestValidInputsOfRefusedCases(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		w := newWorld(t, db)
		srv := apitest.Start(t, db)
		before := rowCounts(t, db)
		var inc struct{ CreateIncident struct{ Reference string } }
		srv.Query(t, `mutation($input: CreateIncidentInput!) { createIncident(input: $input) { reference } }`, incidentInput(nil)(w)).OK(t, &inc)
		var acv struct{ CreateActivity struct{ Title string } }
		srv.Query(t, `mutation($input: CreateActivityInput!) { createActivity(input: $input) { title } }`,
			activityInput(map[string]any{"organizerIDs": []string{string(w.org.ID)}})(w)).OK(t, &acv)
		// rowCounts sees rows and edges written through the API.
		after := rowCounts(t, db)
		for name, added := range map[string]int{"incidents": 1, "incidentViolationTypes": 1, "activities": 1, "activityOrganizers": 1} {
			if after[name]-before[name] != added {
				t.Errorf("%s: %d rows before, %d after; want %d more", name, before[name], after[name], added)
			}
		}
		if inc.CreateIncident.Reference != "NIO-2024-0001" || acv.CreateActivity.Title != "Débat fictif" {
			t.Fatalf("got %+v and %+v", inc, acv)
		}
		// A locality named like another one under a different parent is fine.
		// (A commune's parent is a cercle: another cercle of Ségou.)
		macina := db.Client.Locality.Create().SetName("Macina").SetLevel(locality.LevelCERCLE).SetParent(w.segou).SaveX(sysCtx())
		var loc struct{ CreateLocality struct{ Name string } }
		srv.Query(t, `mutation($p: ID!) { createLocality(input: {name: "Niono", level: COMMUNE, parentID: $p}) { name } }`,
			map[string]any{"p": string(macina.ID)}).OK(t, &loc)
		if loc.CreateLocality.Name != "Niono" {
			t.Fatalf("got %+v", loc)
		}
	})
}

// TestIncidentStatusFlow: the status moves REPORTED → UNDER_VERIFICATION →
// VERIFIED or UNSUBSTANTIATED, then on to REFERRED and CLOSED, never back
// and never skipping verification.
func TestIncidentStatusFlow(t *testing.T) {
	tests := []struct {
		from, to string
		ok       bool
	}{
		{"REPORTED", "UNDER_VERIFICATION", true},
		{"REPORTED", "REPORTED", true},
		{"REPORTED", "VERIFIED", false},
		{"REPORTED", "UNSUBSTANTIATED", false},
		{"REPORTED", "REFERRED", false},
		{"REPORTED", "CLOSED", false},
		{"UNDER_VERIFICATION", "VERIFIED", true},
		{"UNDER_VERIFICATION", "UNSUBSTANTIATED", true},
		{"UNDER_VERIFICATION", "REPORTED", false},
		{"UNDER_VERIFICATION", "CLOSED", false},
		{"VERIFIED", "REFERRED", true},
		{"VERIFIED", "UNDER_VERIFICATION", false},
		{"VERIFIED", "REPORTED", false},
		{"VERIFIED", "UNSUBSTANTIATED", false},
		{"UNSUBSTANTIATED", "VERIFIED", false},
		{"REFERRED", "CLOSED", true},
		{"REFERRED", "VERIFIED", false},
		{"CLOSED", "REPORTED", false},
		{"CLOSED", "REFERRED", false},
		{"CLOSED", "CLOSED", true},
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db.Client, 0)
		srv := apitest.Start(t, db)
		ctx := sysCtx()
		const update = `mutation($id: ID!, $s: IncidentStatus!) { updateIncident(id: $id, input: {status: $s}) { status } }`
		for i, tt := range tests {
			t.Run(tt.from+" to "+tt.to, func(t *testing.T) {
				inc := db.Client.Incident.Create().SetReference(fmt.Sprintf("FLW-2023-%04d", i)).
					SetOccurredAt(f.base).SetReportedAt(f.base).SetStatus(incident.Status(tt.from)).
					SetLocality(f.niono).AddViolationTypes(f.arrest).SaveX(ctx)
				r := srv.Query(t, update, map[string]any{"id": string(inc.ID), "s": tt.to})
				want := tt.from
				if tt.ok {
					var data struct{ UpdateIncident struct{ Status string } }
					r.OK(t, &data)
					if data.UpdateIncident.Status != tt.to {
						t.Fatalf("returned status %s, want %s", data.UpdateIncident.Status, tt.to)
					}
					want = tt.to
				} else {
					e := wantError(t, r, "BAD_USER_INPUT", "status")
					if !strings.Contains(e.Message, tt.from) || !strings.Contains(e.Message, tt.to) {
						t.Errorf("message %q does not name both statuses", e.Message)
					}
				}
				if got := db.Client.Incident.GetX(ctx, inc.ID).Status; string(got) != want {
					t.Fatalf("stored status %s, want %s", got, want)
				}
			})
		}

		t.Run("whole path", func(t *testing.T) {
			inc := db.Client.Incident.Create().SetReference("FLW-2023-9999").SetOccurredAt(f.base).SetReportedAt(f.base).
				SetLocality(f.kayes).AddViolationTypes(f.torture).SaveX(ctx)
			for _, s := range []string{"UNDER_VERIFICATION", "VERIFIED", "REFERRED", "CLOSED"} {
				var data struct{ UpdateIncident struct{ Status string } }
				srv.Query(t, update, map[string]any{"id": string(inc.ID), "s": s}).OK(t, &data)
				if data.UpdateIncident.Status != s {
					t.Fatalf("moved to %s, got %s", s, data.UpdateIncident.Status)
				}
			}
			wantError(t, srv.Query(t, update, map[string]any{"id": string(inc.ID), "s": "REPORTED"}), "BAD_USER_INPUT", "status")
		})
	})
}

// TestMutationOverGET: GET serves queries only; a mutation sent by GET is
// refused and not executed.
func TestMutationOverGET(t *testing.T) {
	const mutation = `mutation { createViolationType(input: {code: "by_get", labelFr: "Par GET", labelEn: "By GET"}) { id } }`
	tests := []struct {
		name  string
		query url.Values
	}{
		{"mutation", url.Values{"query": {mutation}}},
		{"named mutation", url.Values{"query": {"mutation M " + strings.TrimPrefix(mutation, "mutation ")}, "operationName": {"M"}}},
		{"mutation chosen among a query and a mutation", url.Values{
			"query":         {"query Q { violationTypes { totalCount } } mutation M " + strings.TrimPrefix(mutation, "mutation ")},
			"operationName": {"M"},
		}},
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		newFixture(t, db.Client, 1)
		srv := apitest.Start(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				counts := rowCounts(t, db)
				r := getGraphQL(t, srv, tt.query.Encode())
				if len(r.Errors) != 1 || r.Status < 400 || r.Status >= 500 {
					t.Fatalf("want one error and a 4xx status, got %d: %s", r.Status, r.Body)
				}
				wantNoData(t, r)
				wantSameCounts(t, db, counts)
				if n := db.Client.ViolationType.Query().Where(violationtype.Code("by_get")).CountX(sysCtx()); n != 0 {
					t.Fatalf("the mutation ran: %d rows", n)
				}
			})
		}
		t.Run("the refusal has a stable code", func(t *testing.T) {
			r := getGraphQL(t, srv, url.Values{"query": {mutation}}.Encode())
			wantError(t, r, "BAD_REQUEST", "")
		})
		t.Run("a query over GET works", func(t *testing.T) {
			var data struct{ ViolationTypes struct{ TotalCount int } }
			getGraphQL(t, srv, url.Values{"query": {"{ violationTypes { totalCount } }"}}.Encode()).OK(t, &data)
			if data.ViolationTypes.TotalCount != 2 {
				t.Fatalf("totalCount %d, want 2", data.ViolationTypes.TotalCount)
			}
		})
		// A POST of the same mutation does run: the refusals above are due
		// to the method alone.
		t.Run("the same mutation over POST runs", func(t *testing.T) {
			srv.Query(t, mutation, nil).OK(t, nil)
			if n := db.Client.ViolationType.Query().Where(violationtype.Code("by_get")).CountX(sysCtx()); n != 1 {
				t.Fatalf("%d rows after the POST, want 1", n)
			}
		})
	})
}
