package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/benkan-project/benkan"
)

// guard checks that a request is a GraphQL request before gqlgen sees it,
// so that every malformed request gets a GraphQL error with a stable
// extensions.code (gqlgen answers some with a bare message): the method is
// GET, POST or OPTIONS, a POST is JSON and within maxBody bytes, and its
// body decodes to a GraphQL request object.
func guard(maxBody int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodOptions:
			next.ServeHTTP(w, r)
			return
		case http.MethodGet:
			if status, err := checkGet(r); err != nil {
				writeError(w, status, benkan.EBADREQUEST, "%s", err)
				return
			}
			next.ServeHTTP(w, r)
			return
		case http.MethodPost:
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			writeError(w, http.StatusMethodNotAllowed, benkan.EBADREQUEST, "method %s not allowed: use GET or POST", r.Method)
			return
		}
		if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
			writeError(w, http.StatusUnsupportedMediaType, benkan.EBADREQUEST, "a POST must have Content-Type: application/json")
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			writeError(w, http.StatusRequestEntityTooLarge, benkan.ETOOLARGE, "the request body is over the limit of %d bytes", maxBody)
			return
		case err != nil:
			writeError(w, http.StatusBadRequest, benkan.EBADREQUEST, "could not read the request body")
			return
		}
		if err := checkBody(body); err != nil {
			writeError(w, http.StatusBadRequest, benkan.EBADREQUEST, "%s", err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// checkBody reports whether body is a GraphQL-over-HTTP request object.
func checkBody(body []byte) error {
	var req struct {
		Query         *string        `json:"query"`
		OperationName *string        `json:"operationName"`
		Variables     map[string]any `json:"variables"`
		Extensions    map[string]any `json:"extensions"`
		DocumentID    *string        `json:"documentId"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &syntax):
			return fmt.Errorf("the request body is not valid JSON (at byte %d)", syntax.Offset)
		case errors.As(err, &typ):
			if typ.Field == "" {
				return fmt.Errorf("the request body must be a JSON object")
			}
			return fmt.Errorf("%q must not be a JSON %s", typ.Field, typ.Value)
		}
		return fmt.Errorf("the request body is not valid JSON")
	}
	if req.Query == nil && req.Extensions["persistedQuery"] == nil && (req.DocumentID == nil || *req.DocumentID == "") {
		return fmt.Errorf(`the request body has no "query" (nor the id of a persisted operation)`)
	}
	return nil
}

// writeError answers with a GraphQL error response carrying code. An
// INTERNAL or UNAVAILABLE error also carries the request id (set as the
// X-Request-ID response header by requestID), as the GraphQL error
// presenter's do.
func writeError(w http.ResponseWriter, status int, code, format string, args ...any) {
	ext := map[string]any{"code": code}
	if id := w.Header().Get(requestIDHeader); id != "" && (code == benkan.EINTERNAL || code == benkan.EUNAVAILABLE) {
		ext["requestId"] = id
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{
			"message":    fmt.Sprintf(format, args...),
			"extensions": ext,
		}},
	})
}

// checkGet checks a GET request: its variables and extensions are JSON
// objects, and it runs no mutation (a GET must not change anything, since
// browsers and proxies repeat GETs freely).
func checkGet(r *http.Request) (int, error) {
	q := r.URL.Query()
	for _, name := range []string{"variables", "extensions"} {
		if v := q.Get(name); v != "" {
			var m map[string]any
			if err := json.Unmarshal([]byte(v), &m); err != nil {
				return http.StatusBadRequest, fmt.Errorf("the %s parameter is not a JSON object", name)
			}
		}
	}
	doc, err := parser.ParseQuery(&ast.Source{Input: q.Get("query")})
	if err != nil {
		return 0, nil // gqlgen answers GRAPHQL_PARSE_FAILED
	}
	name := q.Get("operationName")
	for _, op := range doc.Operations {
		if op.Operation != ast.Query && (name == "" || op.Name == name) {
			return http.StatusMethodNotAllowed, fmt.Errorf("a %s must be sent with POST", op.Operation)
		}
	}
	return 0, nil
}
