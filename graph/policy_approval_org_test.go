package graph_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/ent/organization"
	entuser "github.com/benkan-project/benkan/ent/user"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// apAllegation writes a verified, consented incident of Niono alleging a
// unit, and returns the unit and the incident's reference.
func apAllegation(t *testing.T, w *polWorld) (*ent.Organization, string) {
	t.Helper()
	c, ctx := w.db.Client, sysCtx()
	unit, err := c.Organization.Create().SetName("Brigade fictive de Niono").SetKind(organization.KindSECURITY_FORCE_UNIT).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
	inc, err := c.Incident.Create().SetReference("UNIT-2023-0001").SetOccurredAt(at).SetReportedAt(at).
		SetStatus(incident.StatusVERIFIED).SetConsentToShare(true).SetSummary("fictitious").SetNarrative("fictitious account").
		SetLocality(w.f.niono).AddViolationTypes(w.f.arrest).SetCollectedBy(w.f.collector).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	perp, err := c.Actor.Create().SetKind(actor.KindUNIT).SetCategory(actor.CategoryFSI_AGENT).SetOrganization(unit).Save(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Involvement.Create().SetRole(involvement.RoleALLEGED_PERPETRATOR).SetIncident(inc).SetActor(perp).Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return unit, inc.Reference
}

// TestPolicyApprovalOrganization: in four-eyes mode, moving a user who
// holds roles to another organization is refused like a change of the
// policy, since own_unit (and own_org) decide by the user's organization:
// without the refusal an admin alone moved an FSI focal point to a unit
// and its token read that unit's allegations. A user without roles moves
// freely; outside four-eyes mode the move applies (and shows the
// allegations, which is what the refusal guards).
func TestPolicyApprovalOrganization(t *testing.T) {
	for _, approval := range []bool{true, false} {
		name := "direct"
		if approval {
			name = "four-eyes"
		}
		t.Run(name, func(t *testing.T) {
			storagetest.Each(t, func(t *testing.T, db *storage.DB) {
				w := apSetup(t, db, approval)
				unit, ref := apAllegation(t, w)
				fsi := w.as(t, polFSI)
				if refs, _ := polIncidents(t, fsi); slices.Contains(refs, ref) {
					t.Fatalf("the focal point of no organization reads %s", ref)
				}
				move := `mutation($id: ID!, $org: ID!) { updateUser(id: $id, input: {organizationID: $org}) { id } }`
				vars := map[string]any{"id": polUserID(t, w, polFSI), "org": string(unit.ID)}
				if approval {
					for _, who := range []string{"", apAdminB} {
						srv := w.srv
						if who != "" {
							srv = w.as(t, who)
						}
						e := wantError(t, srv.Query(t, move, vars), "FORBIDDEN", "input.organizationID")
						if !strings.Contains(e.Message, "four-eyes") || !strings.Contains(e.Message, "proposal") {
							t.Fatalf("the refusal does not point to proposals: %q", e.Message)
						}
					}
					if moved, err := db.Client.User.Query().Where(entuser.Subject(polFSI)).QueryOrganization().Exist(sysCtx()); err != nil || moved {
						t.Fatalf("the focal point was moved (err %v)", err)
					}
					time.Sleep(2100 * time.Millisecond) // past the viewers' cache
					if refs, _ := polIncidents(t, fsi); slices.Contains(refs, ref) {
						t.Fatalf("the focal point reads %s after a refused move", ref)
					}
					// A user who holds no role moves freely.
					var made struct{ CreateUser struct{ ID string } }
					w.srv.Query(t, `mutation { createUser(input: {subject: "pol-norole", displayName: "No role"}) { id } }`, nil).OK(t, &made)
					w.srv.Query(t, move, map[string]any{"id": made.CreateUser.ID, "org": string(unit.ID)}).OK(t, nil)
					return
				}
				w.srv.Query(t, move, vars).OK(t, nil)
				for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(100 * time.Millisecond) {
					if refs, _ := polIncidents(t, fsi); slices.Contains(refs, ref) {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("the moved focal point does not read the unit's allegation %s", ref)
					}
				}
			})
		})
	}
}
