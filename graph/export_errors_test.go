package graph_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestExportRefusesAsTheAPI: an export refused for its filter or its
// ordering answers, before any byte of a file, the errors the API answers
// the same where and orderBy sent as variables of the same field: the same
// message, path and extensions (code, field, limit…), in both formats.
// Before, only the code and message came through: extensions.field, which
// tells a client which input is at fault, was lost.
func TestExportRefusesAsTheAPI(t *testing.T) {
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
		partner := srv.As(t, "partner")
		const query = `query($where: IncidentWhereInput, $orderBy: [IncidentOrder!]) {
			incidents(first: 200, where: $where, orderBy: $orderBy) { edges { node { id } } pageInfo { hasNextPage endCursor } } }`
		for _, c := range []struct {
			name           string
			srv            *apitest.Server
			where, orderBy string // JSON, "" for none
			code, field    string // what the API answers
		}{
			{"a value GraphQL does not coerce", srv, `{"status":"NOPE"}`, "", "GRAPHQL_VALIDATION_FAILED", ""},
			{"a filter on a field the role may not read", partner, `{"hasCollectedByWith":[{"subject":"collector"}]}`, "", "FORBIDDEN", "Incident.collectedBy"},
			{"an empty filter", srv, `{"and":[{}]}`, "", "BAD_USER_INPUT", "where"},
			{"an ordering naming a field twice", srv, "", `[{"field":"OCCURRED_AT"},{"field":"OCCURRED_AT","direction":"DESC"}]`, "BAD_USER_INPUT", "orderBy"},
			{"a pattern over the limit", srv, `{"summaryContains":"` + strings.Repeat("x", 300) + `"}`, "", "PATTERN_TOO_LONG", "$where.summaryContains"},
		} {
			t.Run(c.name, func(t *testing.T) {
				vars := map[string]any{}
				q := url.Values{}
				for name, v := range map[string]string{"where": c.where, "orderBy": c.orderBy} {
					if v != "" {
						vars[name] = json.RawMessage(v)
						q.Set(name, v)
					}
				}
				api := c.srv.Query(t, query, vars)
				if len(api.Errors) == 0 || api.Errors[0].Code() != c.code || api.Errors[0].Extensions["field"] != nilIfEmpty(c.field) {
					t.Fatalf("the API answers %s, want code %s field %q", api.Body, c.code, c.field)
				}
				for _, format := range []string{"csv", "xlsx"} {
					res, body := c.srv.Get(t, "/export/incidents."+format+"?"+q.Encode())
					var got struct{ Errors []apitest.Error }
					if err := json.Unmarshal(body, &got); err != nil || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
						t.Fatalf("%s: status %d %s, not a JSON error: %.300s", format, res.StatusCode, res.Header.Get("Content-Type"), body)
					}
					if res.StatusCode < 400 || res.StatusCode >= 500 {
						t.Errorf("%s: status %d for a client's error", format, res.StatusCode)
					}
					if !reflect.DeepEqual(got.Errors, api.Errors) {
						t.Errorf("%s: the export answers\n%s\nthe API\n%s", format, body, api.Body)
					}
				}
			})
		}

		// An argument the export does not take is the export's own error:
		// it names the argument as the field at fault.
		res, body := srv.Get(t, "/export/incidents.csv?first=5")
		var got struct{ Errors []apitest.Error }
		if err := json.Unmarshal(body, &got); err != nil || res.StatusCode != http.StatusBadRequest || len(got.Errors) != 1 ||
			got.Errors[0].Code() != "BAD_USER_INPUT" || got.Errors[0].Extensions["field"] != "first" {
			t.Errorf("an argument the export does not take: status %d, %s; want 400, BAD_USER_INPUT on field first", res.StatusCode, body)
		}
	})
}

// nilIfEmpty is s as an extension holds it: absent (nil) when empty.
func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
