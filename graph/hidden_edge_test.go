package graph_test

import (
	"context"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/ent/organization"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestEdgeToHiddenRowIsNull: an involvement a liaison sees (an alleged
// perpetrator) whose actor it may not see (a person, not its unit) shows
// actor: null, with no error, exactly like an edge to nothing. The benchmark
// harness found this answered NOT_FOUND errors.
func TestEdgeToHiddenRowIsNull(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db.Client, 1)
		ctx := policy.SystemContext(context.Background())
		unit := db.Client.Organization.Create().SetName("Unité fictive").SetKind(organization.KindSECURITY_FORCE_UNIT).SaveX(ctx)
		unitActor := db.Client.Actor.Create().SetKind(actor.KindUNIT).SetOrganization(unit).SetFullName("Unité fictive").SaveX(ctx)
		agent := db.Client.Actor.Create().SetKind(actor.KindINDIVIDUAL).SetFullName("Agent fictif").SaveX(ctx)
		inc := f.incidents[0] // VERIFIED, in Niono
		db.Client.Incident.UpdateOne(inc).SetConsentToShare(true).SetStatus(incident.StatusVERIFIED).ExecX(ctx)
		for _, a := range []int{0, 1} {
			who := unitActor
			if a == 1 {
				who = agent
			}
			db.Client.Involvement.Create().SetRole(involvement.RoleALLEGED_PERPETRATOR).SetIncident(inc).SetActor(who).ExecX(ctx)
		}
		db.Client.User.Create().SetSubject("liaison").SetDisplayName("Point focal fictif").SetOrganization(unit).ExecX(ctx)
		srv := apitest.Start(t, db)
		if err := srv.Assign(context.Background(), "liaison", "fsi_liaison", string(f.niono.ID)); err != nil {
			t.Fatal(err)
		}
		var got struct {
			Incidents struct {
				Edges []struct {
					Node struct {
						Involvements []struct {
							Role  string
							Actor *struct{ Kind *string }
						}
					}
				}
			}
		}
		srv.As(t, "liaison").Query(t, `{ incidents(first: 5) { edges { node { involvements { role actor { kind } } } } } }`, nil).OK(t, &got)
		if len(got.Incidents.Edges) != 1 {
			t.Fatalf("the liaison sees %d incidents, want 1", len(got.Incidents.Edges))
		}
		units, hidden := 0, 0
		for _, inv := range got.Incidents.Edges[0].Node.Involvements {
			switch {
			case inv.Role != "ALLEGED_PERPETRATOR":
				t.Errorf("the liaison sees a %s", inv.Role)
			case inv.Actor == nil:
				hidden++
			case inv.Actor.Kind != nil && *inv.Actor.Kind == "UNIT":
				units++
			}
		}
		if units != 1 || hidden != 1 {
			t.Fatalf("want its unit and one hidden person, got %d units and %d hidden", units, hidden)
		}
	})
}

// TestMonitorSeesOnlyActorsItRecorded: in its own submission a monitor sees
// every involvement, but of the people only those it recorded itself (and
// alleged perpetrators): a victim recorded by someone else is null, also
// when the actors are eager-loaded with the involvements (policy.Loads
// leaves no check out for a monitor's actors).
func TestMonitorSeesOnlyActorsItRecorded(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db.Client, 1) // incident 0: VERIFIED, in Niono, collected by "collector"; its victim and witness recorded by nobody
		ctx := policy.SystemContext(context.Background())
		own := db.Client.Actor.Create().SetKind(actor.KindINDIVIDUAL).SetFullName("Victime enregistrée par le moniteur").SetCollectedBy(f.collector).SaveX(ctx)
		db.Client.Involvement.Create().SetRole(involvement.RoleVICTIM).SetIncident(f.incidents[0]).SetActor(own).ExecX(ctx)
		srv := apitest.Start(t, db)
		if err := srv.Assign(context.Background(), "collector", "amdh_monitor", string(f.niono.ID)); err != nil {
			t.Fatal(err)
		}
		r := srv.As(t, "collector").Query(t, `{ incidents(first: 5) { edges { node { involvements { role actor { fullName } } } } } }`, nil)
		var got struct {
			Incidents struct {
				Edges []struct {
					Node struct {
						Involvements []struct {
							Role  string
							Actor *struct{ FullName *string }
						}
					}
				}
			}
		}
		r.OK(t, &got)
		for _, hidden := range []string{"Victime fictive 0", "Témoin fictif 0"} {
			if strings.Contains(string(r.Body), hidden) {
				t.Errorf("the monitor reads %q, recorded by someone else", hidden)
			}
		}
		if len(got.Incidents.Edges) != 1 {
			t.Fatalf("the monitor sees %d incidents, want its 1", len(got.Incidents.Edges))
		}
		var names []string
		nulls := 0
		for _, inv := range got.Incidents.Edges[0].Node.Involvements {
			switch {
			case inv.Actor == nil:
				nulls++
			case inv.Actor.FullName != nil:
				names = append(names, *inv.Actor.FullName)
			}
		}
		if nulls != 2 || len(names) != 1 || names[0] != "Victime enregistrée par le moniteur" {
			t.Errorf("want 3 involvements, the actor it recorded and 2 null; got %d null and %v", nulls, names)
		}
	})
}
