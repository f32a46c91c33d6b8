package graph_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestPolicyApprovalTree: in four-eyes mode, moving a locality into (or
// out of) a domain where the policy gives roles is refused like a change of
// the policy: a role held in Niono covers every locality below Niono, so
// that an admin alone moving Kayes under Niono showed Niono's monitor the
// verified incidents of Kayes. A move that no domain reaches applies;
// outside four-eyes mode the move applies (and shows the monitor Kayes's
// incidents, which is what the refusal guards).
func TestPolicyApprovalTree(t *testing.T) {
	for _, approval := range []bool{true, false} {
		name := "direct"
		if approval {
			name = "four-eyes"
		}
		t.Run(name, func(t *testing.T) {
			storagetest.Each(t, func(t *testing.T, db *storage.DB) {
				w := apSetup(t, db, approval)
				at := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
				if err := db.Client.Incident.Create().SetReference("KAY-2023-0900").SetOccurredAt(at).SetReportedAt(at).
					SetStatus(incident.StatusVERIFIED).SetConsentToShare(true).SetSummary("fictitious").
					SetLocality(w.f.kayes).AddViolationTypes(w.f.arrest).SetCollectedBy(w.f.collector).Exec(sysCtx()); err != nil {
					t.Fatal(err)
				}
				mon := w.as(t, polMon)
				if refs, _ := polIncidents(t, mon); slices.Contains(refs, "KAY-2023-0900") {
					t.Fatalf("Niono's monitor reads a Kayes incident")
				}
				move := `mutation($id: ID!, $parent: ID!) { updateLocality(id: $id, input: {parentID: $parent}) { id } }`
				vars := map[string]any{"id": string(w.f.kayes.ID), "parent": string(w.f.niono.ID)}
				if approval {
					e := wantError(t, w.srv.Query(t, move, vars), "FORBIDDEN", "input.parentID")
					if !strings.Contains(e.Message, "four-eyes") || !strings.Contains(e.Message, "proposal") {
						t.Fatalf("the refusal does not point to proposals: %q", e.Message)
					}
					wantError(t, w.srv.Query(t, `mutation($id: ID!, $c: ID!) { updateLocality(id: $id, input: {addChildIDs: [$c]}) { id } }`,
						map[string]any{"id": string(w.f.niono.ID), "c": string(w.f.kayes.ID)}), "FORBIDDEN", "input.childIDs")
					if moved, err := w.f.kayes.QueryParent().Exist(sysCtx()); err != nil || moved {
						t.Fatalf("Kayes was moved (err %v)", err)
					}
					time.Sleep(2100 * time.Millisecond) // past the viewers' cache
					if refs, _ := polIncidents(t, mon); slices.Contains(refs, "KAY-2023-0900") {
						t.Fatalf("the monitor reads a Kayes incident after a refused move")
					}
					// Localities no role reaches move freely.
					var a, b struct{ CreateLocality struct{ ID string } }
					w.srv.Query(t, `mutation { createLocality(input: {name: "Région fictive", level: REGION}) { id } }`, nil).OK(t, &a)
					w.srv.Query(t, `mutation { createLocality(input: {name: "Cercle fictif", level: CERCLE}) { id } }`, nil).OK(t, &b)
					w.srv.Query(t, move, map[string]any{"id": b.CreateLocality.ID, "parent": a.CreateLocality.ID}).OK(t, nil)
					return
				}
				w.srv.Query(t, move, vars).OK(t, nil)
				// The engine reloads the tree every 30 seconds.
				for deadline := time.Now().Add(35 * time.Second); ; time.Sleep(250 * time.Millisecond) {
					if refs, _ := polIncidents(t, mon); slices.Contains(refs, "KAY-2023-0900") {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("Niono's monitor does not read the incident of Kayes moved under Niono")
					}
				}
			})
		})
	}
}
