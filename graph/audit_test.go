package graph_test

import (
	"context"
	"slices"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestSensitiveReadsAreAudited: reading narrative or an actor's full name
// writes an AuditEvent naming the reader, the object and the fields; a read
// of shareable fields only, or of masked fields, writes none.
func TestSensitiveReadsAreAudited(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db.Client, 3)
		srv := apitest.Start(t, db)
		ctx := policy.SystemContext(context.Background())
		events := func(action auditevent.Action) int {
			t.Helper()
			n, err := db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(action)).Count(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := events(auditevent.ActionPOLICY_CHANGE); n < 1 {
			t.Fatalf("assigning the admin role wrote %d POLICY_CHANGE events", n)
		}

		srv.Query(t, `{ incidents(first: 3) { edges { node { reference summary } } } }`, nil).OK(t, nil)
		if n := events(auditevent.ActionREAD_SENSITIVE); n != 0 {
			t.Fatalf("a read of shareable fields wrote %d audit events", n)
		}

		inc := f.incidents[1]
		srv.Query(t, `query($id: ID!) { node(id: $id) { ... on Incident { narrative summary involvements { actor { fullName } } } } }`,
			map[string]any{"id": string(inc.ID)}).OK(t, nil)
		got, err := db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionREAD_SENSITIVE)).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		byType := map[string]int{}
		for _, e := range got {
			byType[e.ObjectType]++
			if e.Subject != apitest.Admin {
				t.Errorf("event subject %q, want %q", e.Subject, apitest.Admin)
			}
			if e.ObjectType == "Incident" && (e.ObjectID != string(inc.ID) || !slices.Equal(e.Fields, []string{"narrative"})) {
				t.Errorf("incident event: %s %v", e.ObjectID, e.Fields)
			}
			if e.ObjectType == "Actor" && !slices.Equal(e.Fields, []string{"fullName"}) {
				t.Errorf("actor event fields: %v", e.Fields)
			}
		}
		if byType["Incident"] != 1 || byType["Actor"] != 2 {
			t.Fatalf("events by type: %v, want 1 incident and 2 actors", byType)
		}

		// A partner whose narrative is masked reads nothing sensitive.
		if err := db.Client.User.Create().SetSubject("partner").SetDisplayName("Partenaire fictif").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := srv.Assign(context.Background(), "partner", "dihr_partner", "*"); err != nil {
			t.Fatal(err)
		}
		if err := db.Client.Incident.Update().SetConsentToShare(true).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		before := events(auditevent.ActionREAD_SENSITIVE)
		var seen struct {
			Incidents struct {
				Edges []struct{ Node struct{ Narrative *string } }
			}
		}
		r := srv.As(t, "partner").Query(t, `{ incidents(first: 3) { edges { node { narrative } } } }`, nil)
		r.OK(t, &seen)
		if len(seen.Incidents.Edges) == 0 || seen.Incidents.Edges[0].Node.Narrative != nil {
			t.Fatalf("the partner should see verified incidents without narrative: %s", r.Body)
		}
		if n := events(auditevent.ActionREAD_SENSITIVE); n != before {
			t.Fatalf("masked reads wrote %d audit events", n-before)
		}
	})
}
