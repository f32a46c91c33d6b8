package graph_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"entgo.io/ent/dialect"

	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// sqlRecorder is a driver that records every statement with its arguments.
type sqlRecorder struct {
	dialect.Driver
	mu    sync.Mutex
	stmts []string
}

func (r *sqlRecorder) note(q string, a any) {
	r.mu.Lock()
	r.stmts = append(r.stmts, q+" "+fmt.Sprint(a))
	r.mu.Unlock()
}

// Exec implements dialect.Driver.
func (r *sqlRecorder) Exec(ctx context.Context, q string, a, v any) error {
	r.note(q, a)
	return r.Driver.Exec(ctx, q, a, v)
}

// Query implements dialect.Driver.
func (r *sqlRecorder) Query(ctx context.Context, q string, a, v any) error {
	r.note(q, a)
	return r.Driver.Query(ctx, q, a, v)
}

// sent reports whether a statement carried marker.
func (r *sqlRecorder) sent(marker string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.ContainsFunc(r.stmts, func(s string) bool { return strings.Contains(s, marker) })
}

// TestRefusedFilterNeverRuns checks that a filter access control refuses
// never reaches the database, even in a nested connection that entgql
// loads as part of its parent's query, in a query or in a mutation's
// answer, and that the refusal wins over the parent's other errors.
func TestRefusedFilterNeverRuns(t *testing.T) {
	rec := &sqlRecorder{}
	cfg := storage.Config{WrapDriver: func(d dialect.Driver) dialect.Driver { rec.Driver = d; return rec }}
	storagetest.EachWith(t, cfg, func(t *testing.T, db *storage.DB) {
		w := accSetup(t, db)
		const marker = "PROBE-4711"
		for _, c := range []struct{ name, query string }{
			{"nested connection", `{ incidents(first: 5) { edges { node { reference
				followUps(first: 5, where: {hasIncidentWith: {hasCollectedByWith: {subject: "` + marker + `"}}}) { totalCount } } } } }`},
			{"second root field", `{ a: incidents(first: 5, where: {summaryContains: "` + marker + `"}) { totalCount }
				b: incidents(first: 5, where: {hasCollectedByWith: {subject: "` + marker + `"}}) { totalCount } }`},
			{"nested in an invalid parent", `{ incidents(first: 5) { edges { node { reference
				followUps(first: 5, where: {not: {}, hasIncidentWith: {hasCollectedByWith: {subject: "` + marker + `"}}}) { totalCount } } } } }`},
		} {
			t.Run(c.name, func(t *testing.T) {
				resp := w.as(t, accMonNiono).Query(t, c.query, nil)
				if e := resp.Code(t, "FORBIDDEN"); e.Extensions["field"] != "Incident.collectedBy" {
					t.Fatalf("not refused on Incident.collectedBy: %s", resp.Body)
				}
				wantNoData(t, resp)
				if rec.sent(marker) {
					t.Errorf("the refused operation sent its filter to the database")
				}
			})
		}
	})
}
