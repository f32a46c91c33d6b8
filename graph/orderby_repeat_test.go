package graph_test

import (
	"strings"
	"testing"
	"time"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestRepeatedOrderField: an orderBy that names a field more than once is
// BAD_USER_INPUT on orderBy, before anything runs. A repeated field never
// decides an ordering, and a cursor after such an ordering made SQL with a
// number of parameters quadratic in the list's length: 260 OCCURRED_AT,
// within the input limits, were INTERNAL "too many SQL variables" on
// SQLite (and so was every page after the first of an export with that
// orderBy: GET /export/incidents.csv?orderBy=[…]).
func TestRepeatedOrderField(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		f := newFixture(t, db.Client, 4)
		srv := apitest.Start(t, db)
		at := time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
		const query = `query($c: Cursor, $o: [IncidentOrder!]) { incidents(first: 2, after: $c, orderBy: $o) { edges { node { id } } } }`
		for _, n := range []int{2, 500} {
			order := make([]map[string]any, n)
			values := make([]any, n)
			for i := range order {
				order[i] = map[string]any{"field": "OCCURRED_AT", "direction": "DESC"}
				values[i] = at
			}
			for name, vars := range map[string]map[string]any{
				"first page": {"o": order},
				"after":      {"o": order, "c": cursor(t, f.incidents[0].ID, values)},
			} {
				r := srv.Query(t, query, vars)
				wantNoLeak(t, r)
				e := wantError(t, r, "BAD_USER_INPUT", "orderBy")
				if !strings.Contains(e.Message, "OCCURRED_AT") {
					t.Errorf("%d fields, %s: the message %q does not name the repeated field", n, name, e.Message)
				}
			}
		}
		// The same field in a literal list, and with another direction.
		r := srv.Query(t, `{ incidents(first: 2, orderBy: [{field: STATUS}, {field: OCCURRED_AT}, {field: STATUS, direction: DESC}]) { totalCount } }`, nil)
		wantError(t, r, "BAD_USER_INPUT", "orderBy")
		// Distinct fields still order.
		r = srv.Query(t, `{ incidents(first: 2, orderBy: [{field: STATUS}, {field: OCCURRED_AT, direction: DESC}]) { totalCount } }`, nil)
		r.OK(t, nil)
	})
}
