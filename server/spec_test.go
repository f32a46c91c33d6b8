package server_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// TestGraphQLOverHTTPStatus: the status codes and bodies of the
// GraphQL-over-HTTP spec (the graphql-http audit run by .ci/run checks the
// same over a real process). A request error (a document that does not
// parse or validate, variables that do not coerce) has no "data" entry and
// is 200 in application/json, 400 in application/graphql-response+json; an
// execution error has data and is 200 in both; extensions.code is the same
// in both.
func TestGraphQLOverHTTPStatus(t *testing.T) {
	const (
		json_   = "application/json"
		gqlResp = "application/graphql-response+json"
	)
	tests := []struct {
		name   string
		body   string
		code   string // extensions.code of the one error; "" for none
		data   bool   // whether the response has a "data" entry
		status map[string]int
	}{
		{"parse failure", `{"query": "{"}`, "GRAPHQL_PARSE_FAILED", false, map[string]int{json_: 200, gqlResp: 400}},
		{"validation failure", `{"query": "{ noSuchField }"}`, "GRAPHQL_VALIDATION_FAILED", false, map[string]int{json_: 200, gqlResp: 400}},
		{"variable coercion failure", `{"query": "query ($id: ID!) { node(id: $id) { id } }", "variables": {"id": {"not": "an id"}}}`, "GRAPHQL_VALIDATION_FAILED", false, map[string]int{json_: 200, gqlResp: 400}},
		{"unknown persisted query", `{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "` + zeros64 + `"}}}`, "PERSISTED_QUERY_NOT_FOUND", false, map[string]int{json_: 200, gqlResp: 400}},
		{"unknown documentId", `{"documentId": "sha256:` + zeros64 + `"}`, "PERSISTED_QUERY_NOT_FOUND", false, map[string]int{json_: 200, gqlResp: 400}},
		{"execution error", `{"query": "{ node(id: \"inc_nosuchthing\") { id } }"}`, "", true, map[string]int{json_: 200, gqlResp: 200}},
		{"success", `{"query": "{ __typename }"}`, "", true, map[string]int{json_: 200, gqlResp: 200}},
	}
	storagetest.Each(t, func(t *testing.T, db *storage.DB) {
		srv := apitest.Start(t, db)
		for _, tt := range tests {
			for accept, status := range tt.status {
				t.Run(tt.name+"/"+accept, func(t *testing.T) {
					req, err := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader([]byte(tt.body)))
					if err != nil {
						t.Fatal(err)
					}
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Accept", accept)
					req.Header.Set("Authorization", "Bearer "+srv.Token(t, apitest.Admin))
					r := srv.Do(t, req)
					if r.Status != status {
						t.Errorf("status %d, want %d: %s", r.Status, status, r.Body)
					}
					var members map[string]json.RawMessage
					if err := json.Unmarshal(r.Body, &members); err != nil {
						t.Fatal(err)
					}
					if _, ok := members["data"]; ok != tt.data {
						t.Errorf("data entry present %v, want %v: %s", ok, tt.data, r.Body)
					}
					if tt.code != "" {
						r.Code(t, tt.code)
					} else if tt.name == "success" {
						r.OK(t, nil)
					} else if len(r.Errors) == 0 {
						t.Errorf("no error: %s", r.Body)
					}
				})
			}
		}
	})
}

const zeros64 = "0000000000000000000000000000000000000000000000000000000000000000"
