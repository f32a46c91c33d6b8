package graph_test

// The allow-list of persisted operations (--operations-allowlist), over
// HTTP, with the manifests Apollo's and graphql-codegen's tool chains
// generate (testdata/allowlist): listed operations run, sent by id as each
// client sends it; nothing else runs, nor can be registered.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/benkan-project/benkan/apitest"
	"github.com/benkan-project/benkan/ent/violationtype"
	"github.com/benkan-project/benkan/graph"
	"github.com/benkan-project/benkan/policy"
	"github.com/benkan-project/benkan/storage"
	"github.com/benkan-project/benkan/storage/storagetest"
)

// manifestIDs reads the ids and bodies of both test manifests, by
// operation name.
func manifestIDs(t *testing.T) (apollo, codegen map[string][2]string) {
	t.Helper()
	var m struct {
		Operations []struct{ ID, Name, Body string }
	}
	b, err := os.ReadFile("testdata/allowlist/apollo-persisted-query-manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	apollo = map[string][2]string{}
	for _, op := range m.Operations {
		apollo[op.Name] = [2]string{op.ID, op.Body}
	}
	var docs map[string]string
	b, err = os.ReadFile("testdata/allowlist/persisted-documents.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &docs); err != nil {
		t.Fatal(err)
	}
	codegen = map[string][2]string{}
	for id, body := range docs {
		for _, name := range []string{"Terms", "IncidentFeed", "CreateTerm"} {
			if strings.Contains(body, " "+name+" ") || strings.Contains(body, " "+name+"(") {
				codegen[name] = [2]string{id, body}
			}
		}
	}
	if len(apollo) != 3 || len(codegen) != 3 {
		t.Fatalf("the test manifests: %d and %d operations, want 3 each", len(apollo), len(codegen))
	}
	return apollo, codegen
}

func body(t *testing.T, v map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func persisted(hash string) map[string]any {
	return map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": hash}}
}

func TestOperationsAllowlist(t *testing.T) {
	apollo, codegen := manifestIDs(t)
	sum := func(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }
	const unlisted = `{ violationTypes(first: 1) { edges { node { id code } } } }`
	const unlistedMutation = `mutation { createViolationType(input: {code: "unlisted", labelFr: "x", labelEn: "y"}) { id } }`
	createVars := func(code string) map[string]any {
		return map[string]any{"input": map[string]any{"code": code, "labelFr": "Terme", "labelEn": "Term"}}
	}
	for _, file := range []string{"apollo-persisted-query-manifest.json", "persisted-documents.json"} {
		ops, err := graph.LoadOperations("testdata/allowlist/" + file)
		if err != nil {
			t.Fatal(err)
		}
		if ops.Len() != 3 {
			t.Fatalf("%s: %d operations, want 3", file, ops.Len())
		}
		ids := apollo
		if file == "persisted-documents.json" {
			ids = codegen
		}
		t.Run(file, func(t *testing.T) {
			storagetest.Each(t, func(t *testing.T, db *storage.DB) {
				srv := apitest.StartWith(t, db, apitest.Options{Operations: ops})
				post := func(v map[string]any) *apitest.Response {
					return srv.Post(t, "application/json", body(t, v))
				}
				rows := func(code string) int {
					return db.Client.ViolationType.Query().Where(violationtype.Code(code)).CountX(policy.SystemContext(context.Background()))
				}
				terms := func(t *testing.T, r *apitest.Response) {
					t.Helper()
					var data struct {
						ViolationTypes struct{ Edges []any } `json:"violationTypes"`
					}
					r.OK(t, &data)
					if data.ViolationTypes.Edges == nil {
						t.Fatalf("no violationTypes: %s", r.Body)
					}
				}

				t.Run("by id in extensions.persistedQuery (Apollo's link)", func(t *testing.T) {
					terms(t, post(map[string]any{"extensions": persisted(ids["Terms"][0])}))
				})
				t.Run("by documentId (GraphQL over HTTP, codegen's clients)", func(t *testing.T) {
					terms(t, post(map[string]any{"documentId": ids["Terms"][0]}))
					if id := ids["Terms"][0]; !strings.HasPrefix(id, "sha256:") {
						terms(t, post(map[string]any{"documentId": "sha256:" + id}))
					}
				})
				t.Run("by id over GET", func(t *testing.T) {
					req, _ := http.NewRequest(http.MethodGet, srv.URL+"/graphql?documentId="+url.QueryEscape(ids["Terms"][0]), nil)
					req.Header.Set("Authorization", "Bearer "+srv.Token(t, apitest.Admin))
					terms(t, srv.Do(t, req))
				})
				t.Run("a listed mutation runs, with its variables", func(t *testing.T) {
					post(map[string]any{"documentId": ids["CreateTerm"][0], "variables": createVars("listed_term")}).OK(t, nil)
					if rows("listed_term") != 1 {
						t.Fatal("the listed mutation did not create its row")
					}
				})
				t.Run("a listed document sent as its exact text runs", func(t *testing.T) {
					terms(t, post(map[string]any{"query": ids["Terms"][1]}))
				})
				t.Run("introspection stays governed by its own flag", func(t *testing.T) {
					post(map[string]any{"query": `{ __schema { queryType { name } } }`}).OK(t, nil)
					post(map[string]any{"query": `query { ...T } fragment T on Query { __typename }`}).OK(t, nil)
				})

				refusals := []struct {
					name string
					req  map[string]any
					code string
				}{
					{"an unlisted id", map[string]any{"extensions": persisted(sum(unlisted))}, "PERSISTED_QUERY_NOT_IN_LIST"},
					{"an unlisted documentId", map[string]any{"documentId": "sha256:" + sum(unlisted)}, "PERSISTED_QUERY_NOT_IN_LIST"},
					{"a document as text", map[string]any{"query": unlisted}, "QUERY_NOT_IN_SAFELIST"},
					{"a mutation as text", map[string]any{"query": unlistedMutation}, "QUERY_NOT_IN_SAFELIST"},
					{"introspection with a field of data", map[string]any{"query": `{ __typename violationTypes(first: 1) { totalCount } }`}, "QUERY_NOT_IN_SAFELIST"},
					{"an automatic persisted query's registration", map[string]any{"query": unlisted, "extensions": persisted(sum(unlisted))}, "PERSISTED_QUERY_NOT_IN_LIST"},
					{"a listed id with another document", map[string]any{"query": unlisted, "extensions": persisted(ids["Terms"][0])}, "QUERY_NOT_IN_SAFELIST"},
					{"a listed id under the mutation's", map[string]any{"query": unlistedMutation, "documentId": ids["CreateTerm"][0]}, "QUERY_NOT_IN_SAFELIST"},
					{"two different ids", map[string]any{"documentId": ids["Terms"][0], "extensions": persisted(ids["IncidentFeed"][0])}, "BAD_USER_INPUT"},
				}
				for _, tt := range refusals {
					t.Run("refused: "+tt.name, func(t *testing.T) {
						r := post(tt.req)
						r.Code(t, tt.code)
						if r.Data != nil {
							t.Errorf("a refusal has data: %s", r.Body)
						}
					})
				}
				t.Run("nothing was registered nor run", func(t *testing.T) {
					post(map[string]any{"extensions": persisted(sum(unlisted))}).Code(t, "PERSISTED_QUERY_NOT_IN_LIST")
					if rows("unlisted") != 0 {
						t.Fatal("a refused mutation ran")
					}
				})
			})
		})
	}
}

// TestParseOperations: a malformed allow-list is refused at start, saying why.
func TestParseOperations(t *testing.T) {
	tests := []struct {
		name, file, err string
	}{
		{"not JSON", `[`, "not a JSON object"},
		{"an array", `[{"id": "a", "body": "{ __typename }"}]`, "not a JSON object"},
		{"another format", `{"format": "relay", "version": 1, "operations": []}`, `want "apollo-persisted-query-manifest" version 1`},
		{"version 2", `{"format": "apollo-persisted-query-manifest", "version": 2, "operations": []}`, "version 1"},
		{"no operation", `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": []}`, "no operation"},
		{"empty map", `{}`, "no operation"},
		{"no body", `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "a", "name": "A"}]}`, "needs an id and a body"},
		{"does not parse", `{"a": "query {"}`, "does not parse"},
		{"not a string", `{"a": 1}`, "not a string"},
		{"one id, two documents", `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id": "a", "body": "{ a }"}, {"id": "a", "body": "{ b }"}]}`, "two documents"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := graph.ParseOperations([]byte(tt.file))
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("error %v, want one saying %q", err, tt.err)
			}
		})
	}
	if _, err := graph.ParseOperations([]byte(`{"a": "{ __typename }", "b": "{ __typename }"}`)); err != nil {
		t.Errorf("two ids of one document: %v", err)
	}
}
