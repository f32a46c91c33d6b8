package graph

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestWriteResponse shows that writeResponse writes what json.Marshal
// (gqlgen's writer) writes, member for member, but for a response without
// data (a request error), which has no "data" entry at all.
func TestWriteResponse(t *testing.T) {
	yes := true
	withCode := &gqlerror.Error{Message: "you may not", Path: ast.Path{ast.PathName("incidents")}, Extensions: map[string]any{"code": "FORBIDDEN", "data": nil}}
	tests := []struct {
		name string
		resp graphql.Response
	}{
		{"data", graphql.Response{Data: json.RawMessage(`{"incidents":{"edges":[{"node":{"id":"inc_1","summary":"\"quoted\" \u00e9"}}]}}`)}},
		{"no data", graphql.Response{}},
		{"errors without data", graphql.Response{Errors: gqlerror.List{withCode}}},
		{"errors and data", graphql.Response{Errors: gqlerror.List{withCode}, Data: json.RawMessage(`{"node":null}`)}},
		{"extensions", graphql.Response{Data: json.RawMessage(`{"a":1}`), Extensions: map[string]any{"masked": []string{"node.narrative"}}}},
		{"incremental", graphql.Response{Data: json.RawMessage(`{}`), Label: "l", Path: ast.Path{ast.PathName("a"), ast.PathIndex(2)}, HasNext: &yes}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(&tt.resp)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			writeResponse(&buf, &tt.resp)
			var got, exp any
			if err := json.Unmarshal(buf.Bytes(), &got); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, buf.Bytes())
			}
			if err := json.Unmarshal(want, &exp); err != nil {
				t.Fatal(err)
			}
			if len(tt.resp.Data) == 0 {
				if _, ok := got.(map[string]any)["data"]; ok {
					t.Errorf("a response without data has a data entry: %s", buf.Bytes())
				}
				delete(exp.(map[string]any), "data")
			}
			if !reflect.DeepEqual(got, exp) {
				t.Errorf("got  %s\nwant %s", buf.Bytes(), want)
			}
		})
	}
}

// TestResponseTypeAndStatus shows the content type chosen for an Accept
// header and the status of each kind of response in it, as the
// GraphQL-over-HTTP spec has them.
func TestResponseTypeAndStatus(t *testing.T) {
	parseErr := &gqlerror.Error{Message: "syntax"}
	errcode.Set(parseErr, errcode.ParseFailed)
	requestError := &graphql.Response{Errors: gqlerror.List{parseErr}}
	executionError := &graphql.Response{Errors: gqlerror.List{{Message: "resolver"}}, Data: json.RawMessage(`null`)}
	unavailable := &graphql.Response{Errors: gqlerror.List{{Message: "db", Extensions: map[string]any{"code": "UNAVAILABLE"}}}, Data: json.RawMessage(`null`)}
	tests := []struct {
		accept, contentType string
		requestErrorStatus  int
	}{
		{"", mediaJSON, http.StatusOK},
		{"*/*", mediaJSON, http.StatusOK},
		{"application/json", mediaJSON, http.StatusOK},
		{"application/graphql-response+json, application/json", mediaGraphQLResponse, http.StatusBadRequest},
		{"text/html, application/json;q=0.9", mediaJSON, http.StatusOK},
		{"text/html", mediaGraphQLResponse, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.accept, func(t *testing.T) {
			ct := responseType(tt.accept)
			if ct != tt.contentType {
				t.Errorf("content type %q, want %q", ct, tt.contentType)
			}
			if s := statusFor(ct, requestError); s != tt.requestErrorStatus {
				t.Errorf("status of a parse error %d, want %d", s, tt.requestErrorStatus)
			}
			if s := statusFor(ct, executionError); s != http.StatusOK {
				t.Errorf("status of an execution error %d, want 200", s)
			}
			if s := statusFor(ct, unavailable); s != http.StatusServiceUnavailable {
				t.Errorf("status of an UNAVAILABLE error %d, want 503", s)
			}
		})
	}
}
