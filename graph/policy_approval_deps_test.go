package graph_test

import (
	"strings"
	"testing"

	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/ent/organization"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestPolicyApprovalStaleDependencies: a proposal is reviewed against the
// policy and against what its lines resolve to: the users its subjects
// name, their organizations (own_unit decides by them), the localities
// under its domains. When one of those changes after the review, even by
// a change four-eyes mode lets through (a user who holds no role yet moves
// to a security-force unit, is renamed away and its subject given to
// another person, a locality moves under the proposal's domain), the
// approval at the revision reviewed is refused with CONFLICT on revision,
// and the proposal stays PENDING; read again, its impact carries the new
// revision, at which it is approved.
func TestPolicyApprovalStaleDependencies(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(t *testing.T, w *polWorld, user, domain string)
	}{
		{"the user moves to a unit", func(t *testing.T, w *polWorld, user, _ string) {
			unit, err := w.db.Client.Organization.Create().SetName("Brigade fictive").SetKind(organization.KindSECURITY_FORCE_UNIT).Save(sysCtx())
			if err != nil {
				t.Fatal(err)
			}
			w.srv.Query(t, `mutation($id: ID!, $org: ID!) { updateUser(id: $id, input: {organizationID: $org}) { id } }`,
				map[string]any{"id": user, "org": string(unit.ID)}).OK(t, nil)
		}},
		{"the subject is given to another person", func(t *testing.T, w *polWorld, user, _ string) {
			w.srv.Query(t, `mutation($id: ID!) { updateUser(id: $id, input: {subject: "pol-newcomer-old"}) { id } }`,
				map[string]any{"id": user}).OK(t, nil)
			w.srv.Query(t, `mutation { createUser(input: {subject: "pol-newcomer", displayName: "Someone else"}) { id } }`, nil).OK(t, nil)
		}},
		{"a locality moves under the domain", func(t *testing.T, w *polWorld, _, domain string) {
			w.srv.Query(t, `mutation($id: ID!, $p: ID!) { updateLocality(id: $id, input: {parentID: $p}) { id } }`,
				map[string]any{"id": string(w.f.kayes.ID), "p": domain}).OK(t, nil)
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			storagetest.Each(t, func(t *testing.T, db *storage.DB) {
				w := apSetup(t, db, true)
				var made struct{ CreateUser struct{ ID string } }
				w.srv.Query(t, `mutation { createUser(input: {subject: "pol-newcomer", displayName: "A newcomer"}) { id } }`, nil).OK(t, &made)
				// A cercle no line names yet, which the proposal makes a domain.
				cercle, err := db.Client.Locality.Create().SetName("Cercle fictif").SetLevel(locality.LevelCERCLE).Save(sysCtx())
				if err != nil {
					t.Fatal(err)
				}
				domain := string(cercle.ID)
				b := w.as(t, apAdminB)
				p := apProposed(t, w.srv, "a focal point for the cercle",
					`{assign: {subject: "pol-newcomer", role: "fsi_liaison", domain: "`+domain+`"}}`)
				reviewed := apImpactRevision(t, b, p.ID)
				c.change(t, w, made.CreateUser.ID, domain)
				e := wantError(t, apDecideAt(t, b, p.ID, "reviewed", reviewed), "CONFLICT", "revision")
				if !strings.Contains(e.Message, "again") {
					t.Errorf("the refusal does not say to review again: %q", e.Message)
				}
				if s := apStatus(t, w, p.ID); s != "PENDING" {
					t.Fatalf("after a refused approval, the proposal is %s", s)
				}
				again := apImpactRevision(t, b, p.ID)
				if again == reviewed {
					t.Fatalf("the impact read after the change is still at revision %d", again)
				}
				var got struct{ ApprovePolicyProposal apProposal }
				apDecideAt(t, b, p.ID, "reviewed again", again).OK(t, &got)
				if got.ApprovePolicyProposal.Status != "APPLIED" {
					t.Fatalf("approved at the new revision: %+v", got.ApprovePolicyProposal)
				}
			})
		})
	}
}
