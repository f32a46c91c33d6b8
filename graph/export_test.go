package graph_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/auditevent"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// exported is a CSV export as a client reads it.
type exported struct {
	comments []string
	header   []string
	rows     []map[string]string
}

func readExport(t *testing.T, body []byte) exported {
	t.Helper()
	var e exported
	for line := range strings.Lines(string(body)) {
		if c, ok := strings.CutPrefix(line, "# "); ok {
			e.comments = append(e.comments, strings.TrimSpace(c))
		}
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.Comment = '#'
	records, err := r.ReadAll()
	if err != nil {
		t.Fatalf("the export is not CSV: %v\n%s", err, body)
	}
	if len(records) == 0 {
		t.Fatalf("the export has no header:\n%s", body)
	}
	e.header = records[0]
	for _, rec := range records[1:] {
		row := map[string]string{}
		for i, c := range e.header {
			row[c] = rec[i]
		}
		e.rows = append(e.rows, row)
	}
	return e
}

// graphqlIDs pages through incidents(where:) over GraphQL as srv's user
// and returns the ids it receives: what an export must hold.
func graphqlIDs(t *testing.T, srv *apitest.Server, where map[string]any) []string {
	t.Helper()
	var ids []string
	var after any
	for {
		var page struct {
			Incidents struct {
				Edges    []struct{ Node struct{ ID string } }
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		srv.Query(t, `query($after: Cursor, $where: IncidentWhereInput) { incidents(first: 100, after: $after, where: $where) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"after": after, "where": where}).OK(t, &page)
		for _, e := range page.Incidents.Edges {
			ids = append(ids, e.Node.ID)
		}
		if !page.Incidents.PageInfo.HasNextPage {
			return ids
		}
		after = page.Incidents.PageInfo.EndCursor
	}
}

// TestExportShowsWhatTheAPIShows: /export/incidents.csv holds, for each
// role, exactly the rows GraphQL gives that role, over several pages, in
// the columns of the GraphQL type; the fields a role may not read are
// empty cells, named in a comment; filters are the API's; reads of
// sensitive fields are audited as the API's are; a text a spreadsheet
// would run as a formula is quoted.
func TestExportShowsWhatTheAPIShows(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		n := graph.ExportPageSize*2 + 50
		f := newFixture(t, db.Client, n)
		ctx := policy.SystemContext(context.Background())
		// A third of the incidents are VERIFIED; half of those consented.
		consented := 0
		for i, inc := range f.incidents {
			if inc.Status == incident.StatusVERIFIED && i%2 == 0 {
				if err := db.Client.Incident.UpdateOne(inc).SetConsentToShare(true).Exec(ctx); err != nil {
					t.Fatal(err)
				}
				consented++
			}
		}
		formula := f.incidents[0]
		if err := db.Client.Incident.UpdateOne(formula).SetSummary(`=HYPERLINK("http://example.org","x")`).Exec(ctx); err != nil {
			t.Fatal(err)
		}
		srv := apitest.Start(t, db)
		if err := db.Client.User.Create().SetSubject("partner").SetDisplayName("Partenaire fictif").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := srv.Assign(context.Background(), "partner", "dihr_partner", "*"); err != nil {
			t.Fatal(err)
		}
		partner := srv.As(t, "partner")

		for _, c := range []struct {
			name   string
			srv    *apitest.Server
			rows   int
			masked bool
		}{
			{"admin", srv, n, false},
			{"dihr_partner", partner, consented, true},
		} {
			t.Run(c.name, func(t *testing.T) {
				res, body := c.srv.Get(t, "/export/incidents.csv")
				if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
					t.Fatalf("status %d, %s:\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
				}
				e := readExport(t, body)
				for _, col := range []string{"id", "reference", "summary", "narrative", "status", "consentToShare"} {
					if !slices.Contains(e.header, col) {
						t.Errorf("header %v has no column %s", e.header, col)
					}
				}
				if slices.Contains(e.header, "locality") || slices.Contains(e.header, "involvements") {
					t.Errorf("header %v has an edge as a column", e.header)
				}
				if got := e.comments[len(e.comments)-1]; got != fmt.Sprintf("complete: %d rows", c.rows) {
					t.Errorf("last line %q, want complete: %d rows", got, c.rows)
				}
				var ids []string
				for _, row := range e.rows {
					ids = append(ids, row["id"])
					switch {
					case c.masked && row["narrative"] != "":
						t.Errorf("%s: narrative %q exported to a role that may not read it", row["reference"], row["narrative"])
					case !c.masked && row["narrative"] != "Récit fictif "+strings.TrimLeft(strings.TrimPrefix(row["reference"], "TST-2023-"), "0") &&
						row["reference"] != "TST-2023-0000":
						t.Errorf("%s: narrative %q", row["reference"], row["narrative"])
					}
					if c.masked && row["consentToShare"] != "true" {
						t.Errorf("%s exported to DIHR without consent", row["reference"])
					}
				}
				want := graphqlIDs(t, c.srv, nil)
				slices.Sort(ids)
				slices.Sort(want)
				if len(ids) != c.rows || !slices.Equal(ids, want) {
					t.Errorf("exported %d rows, GraphQL gives %d, want %d; equal sets: %v", len(ids), len(want), c.rows, slices.Equal(ids, want))
				}
				maskedLine := slices.ContainsFunc(e.comments, func(s string) bool {
					return strings.HasPrefix(s, "masked:") && strings.Contains(s, "narrative")
				})
				if maskedLine != c.masked {
					t.Errorf("a masked line naming narrative: %v, want %v; comments %q", maskedLine, c.masked, e.comments)
				}
			})
		}

		// The formula is quoted, the rest of the text kept.
		_, body := srv.Get(t, "/export/incidents.csv?where="+url.QueryEscape(`{"reference":"TST-2023-0000"}`))
		e := readExport(t, body)
		if len(e.rows) != 1 || e.rows[0]["summary"] != `'=HYPERLINK("http://example.org","x")` {
			t.Errorf("formula exported as %q", e.rows)
		}

		// The API's filters, ordering and coercion: a single object where
		// GraphQL takes a list is coerced as in the API.
		where := map[string]any{"statusIn": "VERIFIED", "hasLocalityWith": map[string]any{"name": "Niono"}}
		raw, _ := json.Marshal(where)
		_, body = srv.Get(t, "/export/incidents.csv?where="+url.QueryEscape(string(raw))+"&orderBy="+url.QueryEscape(`{"field":"OCCURRED_AT","direction":"DESC"}`))
		e = readExport(t, body)
		want := graphqlIDs(t, srv, where)
		if len(e.rows) == 0 || len(e.rows) != len(want) {
			t.Fatalf("filtered export has %d rows, GraphQL %d", len(e.rows), len(want))
		}
		for i := 1; i < len(e.rows); i++ {
			if e.rows[i-1]["occurredAt"] < e.rows[i]["occurredAt"] {
				t.Fatalf("rows not in the order asked: %s before %s", e.rows[i-1]["occurredAt"], e.rows[i]["occurredAt"])
			}
		}

		// The admin's export read narratives: audited in the admin's name;
		// the partner's, with narratives masked, audited nothing.
		reads, err := db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionREAD_SENSITIVE), auditevent.ObjectType("Incident")).All(ctx)
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]int{}
		for _, r := range reads {
			by[r.Subject]++
		}
		if by[apitest.Admin] == 0 || by["partner"] != 0 {
			t.Errorf("audited reads of incidents by subject: %v", by)
		}
	})
}

// TestExportErrors: a bad export is refused before any row, with the
// status and code of its fault, as the API refuses the same request.
func TestExportErrors(t *testing.T) {
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		newFixture(t, db.Client, 3)
		srv := apitest.Start(t, db)
		ctx := policy.SystemContext(context.Background())
		if err := db.Client.User.Create().SetSubject("partner").SetDisplayName("Partenaire fictif").Exec(ctx); err != nil {
			t.Fatal(err)
		}
		if err := srv.Assign(context.Background(), "partner", "dihr_partner", "*"); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name   string
			srv    *apitest.Server
			path   string
			status int
			code   string
		}{
			{"unknown field", srv, "/export/nothing.csv", 404, "NOT_FOUND"},
			{"a field that is not a connection", srv, "/export/node.csv", 404, "NOT_FOUND"},
			{"not CSV", srv, "/export/incidents.json", 404, "NOT_FOUND"},
			{"not JSON", srv, "/export/incidents.csv?where=status", 400, "BAD_REQUEST"},
			{"not JSON, to a workbook", srv, "/export/incidents.xlsx?where=status", 400, "BAD_REQUEST"},
			{"a filter on a field the role may not read, to a workbook", srv.As(t, "partner"), "/export/incidents.xlsx?where=" + url.QueryEscape(`{"hasCollectedByWith":[{"subject":"collector"}]}`), 403, "FORBIDDEN"},
			{"not a format", srv, "/export/incidents.xls", 404, "NOT_FOUND"},
			{"an argument the export does not take", srv, "/export/incidents.csv?first=5", 400, "BAD_USER_INPUT"},
			{"a value GraphQL does not coerce", srv, "/export/incidents.csv?where=" + url.QueryEscape(`{"status":"NOPE"}`), 400, "GRAPHQL_VALIDATION_FAILED"},
			{"a filter on a field the role may not read", srv.As(t, "partner"), "/export/incidents.csv?where=" + url.QueryEscape(`{"hasCollectedByWith":[{"subject":"collector"}]}`), 403, "FORBIDDEN"},
			{"a bad token", srv.WithToken("nope"), "/export/incidents.csv", 401, "UNAUTHENTICATED"},
			{"a preview", srv.PreviewAs("partner"), "/export/incidents.csv", 400, "BAD_REQUEST"},
		} {
			t.Run(c.name, func(t *testing.T) {
				res, body := c.srv.Get(t, c.path)
				var got struct {
					Errors []struct {
						Extensions struct{ Code string }
					}
				}
				if err := json.Unmarshal(body, &got); err != nil || len(got.Errors) != 1 {
					t.Fatalf("status %d, not one JSON error: %s", res.StatusCode, body)
				}
				if res.StatusCode != c.status || got.Errors[0].Extensions.Code != c.code {
					t.Errorf("status %d code %s, want %d %s: %s", res.StatusCode, got.Errors[0].Extensions.Code, c.status, c.code, body)
				}
				if bytes.Contains(body, []byte("Récit")) {
					t.Errorf("the refusal shows a narrative: %s", body)
				}
			})
		}

		// The audit trail: the admin exports it; a partner, who may not
		// read it, exports no event.
		_, body := srv.Get(t, "/export/auditEvents.csv?where="+url.QueryEscape(`{"action":"POLICY_CHANGE"}`))
		e := readExport(t, body)
		n, err := db.Client.AuditEvent.Query().Where(auditevent.ActionEQ(auditevent.ActionPOLICY_CHANGE)).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 || len(e.rows) != n || !slices.Contains(e.header, "decision") {
			t.Errorf("admin's export of policy changes: %d rows of %d, header %v", len(e.rows), n, e.header)
		}
		for _, row := range e.rows {
			if row["action"] != "POLICY_CHANGE" {
				t.Errorf("exported %v", row)
			}
		}
		res, body := srv.As(t, "partner").Get(t, "/export/auditEvents.csv")
		if res.StatusCode == http.StatusOK {
			if e := readExport(t, body); len(e.rows) != 0 {
				t.Errorf("a partner exported %d audit events", len(e.rows))
			}
		}
		if bytes.Contains(body, []byte("POLICY_CHANGE")) {
			t.Errorf("a partner's export shows the trail: %s", body)
		}
	})
}
