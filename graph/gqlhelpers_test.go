package graph_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
)

// wantError fails the test unless r carries exactly one error with the given
// extensions.code (and, when field is not empty, extensions.field), with no
// 5xx status, and returns that error.
func wantError(t *testing.T, r *apitest.Response, code, field string) apitest.Error {
	t.Helper()
	e := r.Code(t, code)
	if field != "" {
		if got, _ := e.Extensions["field"].(string); got != field {
			t.Fatalf("want extensions.field %q, got %q: %s", field, got, r.Body)
		}
	}
	if e.Message == "" {
		t.Fatalf("error %s has an empty message: %s", code, r.Body)
	}
	return e
}

// wantNoData fails the test unless the response has no data for the
// operation: a refused operation must not return half an answer.
func wantNoData(t *testing.T, r *apitest.Response) {
	t.Helper()
	if d := strings.TrimSpace(string(r.Data)); d != "" && d != "null" {
		t.Fatalf("want data null, got %s", d)
	}
}

// sysCtx is the context of direct ent calls in tests: the system viewer,
// which ent's privacy rules let read and write everything.
func sysCtx() context.Context { return policy.SystemContext(context.Background()) }

// rowCounts counts the rows of every table a mutation may write, through
// the ent client (not through the API under test).
func rowCounts(t *testing.T, db *storage.DB) map[string]int {
	t.Helper()
	ctx := sysCtx()
	c := db.Client
	counts := map[string]int{}
	for name, count := range map[string]func(context.Context) (int, error){
		"activities":      c.Activity.Query().Count,
		"actors":          c.Actor.Query().Count,
		"followUps":       c.FollowUp.Query().Count,
		"incidents":       c.Incident.Query().Count,
		"involvements":    c.Involvement.Query().Count,
		"localities":      c.Locality.Query().Count,
		"organizations":   c.Organization.Query().Count,
		"recommendations": c.Recommendation.Query().Count,
		"users":           c.User.Query().Count,
		"violationTypes":  c.ViolationType.Query().Count,
		// Rows of join tables: an edge written without its row would show here.
		"incidentViolationTypes": func(ctx context.Context) (int, error) {
			all, err := c.Incident.Query().WithViolationTypes().All(ctx)
			n := 0
			for _, inc := range all {
				n += len(inc.Edges.ViolationTypes)
			}
			return n, err
		},
		"activityOrganizers": func(ctx context.Context) (int, error) {
			all, err := c.Activity.Query().WithOrganizers().All(ctx)
			n := 0
			for _, a := range all {
				n += len(a.Edges.Organizers)
			}
			return n, err
		},
		"recommendationAddressees": func(ctx context.Context) (int, error) {
			all, err := c.Recommendation.Query().WithAddressees().All(ctx)
			n := 0
			for _, r := range all {
				n += len(r.Edges.Addressees)
			}
			return n, err
		},
	} {
		n, err := count(ctx)
		if err != nil {
			t.Fatalf("count %s: %v", name, err)
		}
		counts[name] = n
	}
	return counts
}

// wantSameCounts fails the test if any table changed between before and now.
func wantSameCounts(t *testing.T, db *storage.DB, before map[string]int) {
	t.Helper()
	after := rowCounts(t, db)
	var changed []string
	for name, n := range before {
		if after[name] != n {
			changed = append(changed, name)
		}
	}
	slices.Sort(changed)
	for _, name := range changed {
		t.Errorf("a refused request wrote to %s: %d rows before, %d after", name, before[name], after[name])
	}
}

// sqlLeaks are strings that betray the database behind an error message.
var sqlLeaks = []string{
	"pq:", "sql", "postgres", "constraint", "violates", "foreign key",
	"insert", "update ", "select", "incidents", "violation_types", "localities",
	"activities", "ent:", "duplicate key",
}

// wantNoSQLLeak fails the test if the error message names SQL, the driver,
// constraints or tables.
func wantNoSQLLeak(t *testing.T, e apitest.Error) {
	t.Helper()
	msg := strings.ToLower(e.Message)
	for _, leak := range sqlLeaks {
		if strings.Contains(msg, leak) {
			t.Errorf("error message %q leaks %q", e.Message, leak)
		}
	}
}

// getGraphQL sends a GraphQL request as GET /graphql?query=..., as the
// admin (so that only the method can be the reason of a refusal).
func getGraphQL(t *testing.T, srv *apitest.Server, rawQuery string) *apitest.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/graphql?"+rawQuery, nil)
	if err != nil {
		t.Fatalf("new request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+srv.Token(t, apitest.Admin))
	return srv.Do(t, req)
}

// watchPolicy runs s.Watch until the test ends, and waits for it to return
// before the test's earlier cleanups (the database's among them) run: a
// watcher still recording a lapse while the tables are emptied deadlocked
// with the cleanup on PostgreSQL.
func watchPolicy(t *testing.T, s interface{ Watch(context.Context) }) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Watch(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}
