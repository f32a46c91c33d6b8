package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/policy/store"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestIncidentAggregateByIDOnlyOverReadRows: an id in an exact role's
// where isolates one incident, so that the cells would give its status and
// violation types. The monitor counts every incident of its localities but
// reads only its own submissions and the verified ones: every form of an
// id filter (id, idIn, a negation, inside or and not) is FORBIDDEN to it,
// while its other filters, ids of the reference data it reads whole
// (localities, violation types) and the coordinator's id filters still
// count. Granting the monitor read on every incident of its localities
// (the policy, not Go, decides) lets it filter by id.
func TestIncidentAggregateByIDOnlyOverReadRows(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		f := newAggFixture(t, srv)
		ctx := context.Background()
		// A reported incident of Niono recorded by nobody the monitor is:
		// counted by the monitor, not readable by it.
		hidden, err := srv.DB.Client.Incident.Create().SetReference("AGG-2023-9001").
			SetOccurredAt(time.Date(2023, 5, 2, 9, 0, 0, 0, time.UTC)).SetReportedAt(time.Date(2023, 5, 3, 9, 0, 0, 0, time.UTC)).
			SetStatus(incident.StatusREPORTED).SetSummary("Résumé fictif").SetLocalityID(f.nionoCommune).
			AddViolationTypeIDs(f.torture).Save(policy.SystemContext(ctx))
		if err != nil {
			t.Fatal(err)
		}
		id := string(hidden.ID)
		mon, coord := srv.As(t, aggMon), srv.As(t, aggCoord)
		var node struct{ Node *struct{ ID string } }
		mon.Query(t, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}).OK(t, &node)
		if node.Node != nil {
			t.Fatalf("the monitor reads the hidden incident: the test proves nothing")
		}

		for _, where := range []map[string]any{
			{"id": id},
			{"idIn": []string{id}},
			{"idNotIn": []string{id}},
			{"not": map[string]any{"idNEQ": id}},
			{"or": []any{map[string]any{"id": id}, map[string]any{"status": "CLOSED"}}},
			{"and": []any{map[string]any{"status": "REPORTED"}, map[string]any{"idGTE": id, "idLTE": id}}},
		} {
			e := mon.Query(t, aggQuery, aggVars([]string{"STATUS", "VIOLATION_TYPE"}, map[string]any{"where": where})).Code(t, "FORBIDDEN")
			if !strings.Contains(e.Message, "Incident.id") {
				t.Errorf("monitor, where %v: %q, want the refusal to name Incident.id", where, e.Message)
			}
		}

		for _, tt := range []struct {
			name  string
			as    *apitest.Server
			where map[string]any
			want  map[string]int
		}{
			{"monitor by status", mon, map[string]any{"status": "REPORTED"}, map[string]int{"STATUS=REPORTED": 4, "": 4}},
			{"monitor by a locality's id", mon, map[string]any{"hasLocalityWith": []any{map[string]any{"id": string(f.siribala)}}}, map[string]int{"STATUS=VERIFIED": 7, "": 7}},
			{"monitor by a violation type's id", mon, map[string]any{"hasViolationTypesWith": []any{map[string]any{"id": string(f.torture)}}, "status": "REPORTED"}, map[string]int{"STATUS=REPORTED": 4, "": 4}},
			{"coordinator by id", coord, map[string]any{"id": id}, map[string]int{"STATUS=REPORTED": 1, "": 1}},
			{"coordinator by ids", coord, map[string]any{"not": map[string]any{"idNEQ": id}}, map[string]int{"STATUS=REPORTED": 1, "": 1}},
		} {
			a := askAgg(t, tt.as, aggVars([]string{"STATUS"}, map[string]any{"where": tt.where}))
			wantCounts(t, tt.name, a.all(), tt.want)
		}

		// The policy decides: once the monitor reads every incident of its
		// localities, an id there tells it nothing it cannot read.
		readAll := store.Permission{Role: "amdh_monitor", Domain: "*", Object: "Incident", Action: "read", Scope: "own_localities"}
		if err := srv.Apply(ctx, "test: monitors read every incident of their localities", store.Change{Op: store.Grant, Permission: readAll}); err != nil {
			t.Fatal(err)
		}
		a := askAgg(t, mon, aggVars([]string{"STATUS"}, map[string]any{"where": map[string]any{"id": id}}))
		wantCounts(t, "monitor by id, reading its localities", a.all(), map[string]int{"STATUS=REPORTED": 1, "": 1})
	})
}
