package graph_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
	"github.com/vektah/gqlparser/v2/validator"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
	"github.com/benkan-project/benkan/web/dashboard"
)

// dashboardVariables are variables of each document of the dashboard
// (web/dashboard/operations.json) with which it answers data: what the
// page sends for 2023 (whole years, as disclosure control needs).
var dashboardVariables = map[string]map[string]any{
	"DashboardReference":       {},
	"DashboardOverTime":        {"by": []string{"PERIOD", "STATUS"}, "from": "2023-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"},
	"DashboardByLocality":      {"level": "CERCLE", "from": "2023-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"},
	"DashboardByStatus":        {"from": "2023-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"},
	"DashboardVictims":         {"from": "2023-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z", "filter": map[string]any{"roles": []string{"VICTIM"}}},
	"DashboardActivities":      {"from": "2023-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z"},
	"DashboardRecommendations": {},
}

// TestAllowlistRunsTheServersOwnPages: under an allow-list
// (--operations-allowlist), the server's own pages work: every document
// of the dashboard's script, sent as text as the page sends it, answers
// data, and the exports, whose pages are GraphQL documents of the server,
// export every row in both formats. Nothing else changes: a document not
// listed is refused, a dashboard document changed by one character too,
// the ids of the list still run, and without the dashboard (--dashboard
// false) its documents are refused as any other.
func TestAllowlistRunsTheServersOwnPages(t *testing.T) {
	ops, err := graph.LoadOperations("testdata/allowlist/apollo-persisted-query-manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	apollo, _ := manifestIDs(t)
	docs := dashboard.Documents()
	t.Run("with the dashboard", func(t *testing.T) {
		storagetest.Each(t, func(t *testing.T, db *storage.DB) {
			n := graph.ExportPageSize + 50
			newFixture(t, db.Client, n)
			srv := apitest.StartWith(t, db, apitest.Options{Operations: ops, Dashboard: true})

			for _, doc := range docs {
				name := operationName(t, doc)
				t.Run(name, func(t *testing.T) {
					vars, ok := dashboardVariables[name]
					if !ok {
						t.Fatalf("the dashboard's document %s has no variables in dashboardVariables: add those the page sends", name)
					}
					r := srv.Query(t, doc, vars)
					if !servedByTheSchema(doc) {
						// A view of an aggregate this server lacks: the page
						// says it is not available, on this validation error.
						for _, e := range r.Errors {
							if e.Code() != "GRAPHQL_VALIDATION_FAILED" {
								t.Fatalf("%s: %s, want GRAPHQL_VALIDATION_FAILED", name, r.Body)
							}
						}
						t.Skipf("%s asks for fields the schema does not have", name)
					}
					r.OK(t, nil)
					if string(r.Data) == "null" || len(r.Data) < 20 {
						t.Errorf("%s answers %s", name, r.Data)
					}
					// One more space: not the page's text, refused.
					srv.Query(t, doc+" ", vars).Code(t, "QUERY_NOT_IN_SAFELIST")
				})
			}
			for _, format := range []string{"csv", "xlsx"} {
				res, body := srv.Get(t, "/export/incidents."+format+"?orderBy="+url.QueryEscape(`{"field":"OCCURRED_AT","direction":"DESC"}`))
				if res.StatusCode != http.StatusOK {
					t.Fatalf("export %s under the allow-list: status %d: %.300s", format, res.StatusCode, body)
				}
				if f := readFile(t, format, body); len(f.rows) != n || f.outcome != "complete: "+itoa(n)+" rows" {
					t.Errorf("export %s under the allow-list: %d rows, outcome %q; want %d, complete", format, len(f.rows), f.outcome, n)
				}
			}
			// The export's own document, sent by a client, is one of the
			// server's: it runs as the export runs it. Another text does not.
			srv.Query(t, `{ incidents(first: 1) { edges { node { id } } } }`, nil).Code(t, "QUERY_NOT_IN_SAFELIST")
			// The list's operations still run by id.
			id := apollo["Terms"][0]
			r := srv.Post(t, "application/json", body(t, map[string]any{"extensions": persisted(id)}))
			r.OK(t, nil)
		})
	})
	t.Run("without the dashboard", func(t *testing.T) {
		storagetest.Each(t, func(t *testing.T, db *storage.DB) {
			newFixture(t, db.Client, 3)
			srv := apitest.StartWith(t, db, apitest.Options{Operations: ops})
			for _, doc := range docs {
				if servedByTheSchema(doc) {
					srv.Query(t, doc, dashboardVariables[operationName(t, doc)]).Code(t, "QUERY_NOT_IN_SAFELIST")
				}
			}
			if res, body := srv.Get(t, "/export/incidents.csv"); res.StatusCode != http.StatusOK || !strings.Contains(string(body), "# complete: 3 rows") {
				t.Errorf("export without the dashboard under the allow-list: status %d: %.300s", res.StatusCode, body)
			}
		})
	})
}

// operationName is the name of the one operation of doc.
func operationName(t *testing.T, doc string) string {
	t.Helper()
	d, err := parser.ParseQuery(&ast.Source{Input: doc})
	if err != nil || len(d.Operations) != 1 {
		t.Fatalf("the dashboard's document does not parse as one operation: %v\n%s", err, doc)
	}
	return d.Operations[0].Name
}

// servedByTheSchema reports whether doc is valid against the served schema
// (a view of the dashboard may ask for an aggregate the server lacks).
func servedByTheSchema(doc string) bool {
	d, err := parser.ParseQuery(&ast.Source{Input: doc})
	return err == nil && len(validator.Validate(graph.ServedSchema(), d)) == 0
}
