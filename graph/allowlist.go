package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// The stable codes of refusals in allow-list mode. They are Apollo
// Router's, which Apollo clients know: neither is PERSISTED_QUERY_NOT_FOUND,
// so that the persisted-queries link does not resend the operation's text,
// which would be refused as well.
const (
	// ePersistedQueryNotInList: the id sent is not in the allow-list.
	ePersistedQueryNotInList = "PERSISTED_QUERY_NOT_IN_LIST"
	// eQueryNotInAllowlist: a document sent as text is not in the list.
	eQueryNotInAllowlist = "QUERY_NOT_IN_SAFELIST"
)

// Operations is an allow-list of persisted operations (benkan serve
// --operations-allowlist): with it, the server runs only the operations
// listed, sent by id or as their exact text, and the introspection that
// Config.Introspection allows (a document of introspection fields only).
// Automatic persisted queries are off: no client can register a document.
type Operations struct {
	byID   map[string]string // id → document
	byBody map[string]bool   // the documents
}

// Len is the number of operations listed.
func (o *Operations) Len() int { return len(o.byID) }

// apolloManifest is Apollo's persisted query list
// (@apollo/generate-persisted-query-manifest).
type apolloManifest struct {
	Format     string `json:"format"`
	Version    int    `json:"version"`
	Operations []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type string `json:"type"`
		Body string `json:"body"`
	} `json:"operations"`
}

const apolloManifestFormat = "apollo-persisted-query-manifest"

// LoadOperations reads an allow-list: Apollo's persisted query manifest
// ({"format": "apollo-persisted-query-manifest", "version": 1,
// "operations": [{"id", "name", "type", "body"}]}) or graphql-codegen's
// persisted documents ({"<hash>": "<document>"}, the client preset's
// persisted-documents.json). Every document must parse; an id listed twice
// must name the same document.
func LoadOperations(path string) (*Operations, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read operations allow-list: %w", err)
	}
	ops, err := ParseOperations(b)
	if err != nil {
		return nil, fmt.Errorf("operations allow-list %s: %w", path, err)
	}
	return ops, nil
}

// ParseOperations is LoadOperations on the file's content.
func ParseOperations(b []byte) (*Operations, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, fmt.Errorf("not a JSON object: want Apollo's persisted query manifest or graphql-codegen's persisted documents: %w", err)
	}
	ops := &Operations{byID: map[string]string{}, byBody: map[string]bool{}}
	if _, ok := probe["format"]; ok {
		var m apolloManifest
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("Apollo persisted query manifest: %w", err)
		}
		if m.Format != apolloManifestFormat || m.Version != 1 {
			return nil, fmt.Errorf("format %q version %d: want %q version 1", m.Format, m.Version, apolloManifestFormat)
		}
		for i, op := range m.Operations {
			if err := ops.add(op.ID, op.Body); err != nil {
				return nil, fmt.Errorf("operations[%d] (%s): %w", i, op.Name, err)
			}
		}
	} else {
		ids := make([]string, 0, len(probe))
		for id := range probe {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			var body string
			if err := json.Unmarshal(probe[id], &body); err != nil {
				return nil, fmt.Errorf("persisted documents: the value of %q is not a string (want {\"<hash>\": \"<document>\"})", id)
			}
			if err := ops.add(id, body); err != nil {
				return nil, fmt.Errorf("%q: %w", id, err)
			}
		}
	}
	if len(ops.byID) == 0 {
		return nil, fmt.Errorf("no operation listed")
	}
	return ops, nil
}

func (o *Operations) add(id, body string) error {
	if id == "" || body == "" {
		return fmt.Errorf("an operation needs an id and a body")
	}
	if prev, ok := o.byID[id]; ok && prev != body {
		return fmt.Errorf("id %s is listed with two documents", id)
	}
	if _, err := parser.ParseQuery(&ast.Source{Input: body}); err != nil {
		return fmt.Errorf("the document does not parse: %w", err)
	}
	o.byID[id] = body
	o.byBody[body] = true
	return nil
}

// documentIDKey is the context key of the documentId a request sends
// (GraphQL over HTTP's persisted documents, as graphql-codegen's clients
// send it): gqlgen's RawParams has no place for it.
type documentIDKey struct{}

// withDocumentID returns ctx carrying the request's documentId.
func withDocumentID(ctx context.Context, id string) context.Context {
	if id == "" {
		return ctx
	}
	return context.WithValue(ctx, documentIDKey{}, id)
}

func documentID(ctx context.Context) string {
	id, _ := ctx.Value(documentIDKey{}).(string)
	return id
}

// allowlist runs only the operations of ops (see Operations), and the
// documents of the server's own pages, own, sent as text.
type allowlist struct {
	ops *Operations
	// own are the documents of the server's own pages (Config.OwnDocuments
	// and the exports'): fixed texts of benkan's code, which its pages send
	// as text. They are not in ops: they have no id a client could send,
	// and Len counts the file's operations only.
	own map[string]bool
}

func newAllowlist(ops *Operations, own []string) allowlist {
	a := allowlist{ops: ops, own: make(map[string]bool, len(own))}
	for _, doc := range own {
		a.own[doc] = true
	}
	return a
}

var _ interface {
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
	graphql.HandlerExtension
} = allowlist{}

// ExtensionName implements graphql.HandlerExtension.
func (allowlist) ExtensionName() string { return "OperationsAllowlist" }

// Validate implements graphql.HandlerExtension.
func (a allowlist) Validate(graphql.ExecutableSchema) error {
	if a.ops == nil || len(a.ops.byID) == 0 {
		return fmt.Errorf("operations allow-list: empty")
	}
	return nil
}

// MutateOperationParameters replaces an id (extensions.persistedQuery's
// sha256Hash, as Apollo's persisted-queries link sends it, or documentId,
// with or without its "sha256:" prefix) with the document listed under
// it, and refuses an id the list does not have, and an id sent with
// another document than its own (an automatic persisted query's
// registration).
func (a allowlist) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	id := documentID(ctx)
	if ext, ok := raw.Extensions["persistedQuery"]; ok && ext != nil {
		m, ok := ext.(map[string]any)
		hash, _ := m["sha256Hash"].(string)
		if !ok || hash == "" {
			return apqError(`extensions.persistedQuery must be an object: {"version": 1, "sha256Hash": "<the operation's id in the allow-list>"}`)
		}
		if id != "" && id != hash {
			return apqError("documentId and extensions.persistedQuery.sha256Hash name different operations: send one")
		}
		id = hash
	}
	if id == "" {
		return nil // a document as text: MutateOperationContext decides
	}
	body, ok := a.ops.byID[id]
	if !ok {
		body, ok = a.ops.byID[strings.TrimPrefix(id, "sha256:")]
	}
	if !ok {
		return allowlistError(ePersistedQueryNotInList, "the operation "+id+" is not in the server's allow-list of persisted operations")
	}
	if raw.Query != "" && raw.Query != body {
		return allowlistError(eQueryNotInAllowlist, "this server runs only the operations of its allow-list, and the document sent is not the one listed under "+id)
	}
	raw.Query = body
	return nil
}

// MutateOperationContext refuses a document sent as text unless it is
// listed, is one of the server's own pages' (the exact text), or asks
// only for introspection fields (__schema, __type, __typename), which
// Config.Introspection governs. It decides on the parsed operation, not
// on the text.
func (a allowlist) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if a.ops.byBody[oc.RawQuery] || a.own[oc.RawQuery] || introspectionOnly(oc.Doc, oc.Operation.SelectionSet, 0) {
		return nil
	}
	return allowlistError(eQueryNotInAllowlist, "this server runs only the operations of its allow-list: send the id of a persisted operation (extensions.persistedQuery.sha256Hash or documentId), not a document")
}

// introspectionOnly reports whether every field of set, through its
// fragments, is an introspection field at the operation's root.
func introspectionOnly(doc *ast.QueryDocument, set ast.SelectionSet, depth int) bool {
	if depth > 20 || len(set) == 0 {
		return false
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if !strings.HasPrefix(s.Name, "__") {
				return false
			}
		case *ast.InlineFragment:
			if !introspectionOnly(doc, s.SelectionSet, depth+1) {
				return false
			}
		case *ast.FragmentSpread:
			f := doc.Fragments.ForName(s.Name)
			if f == nil || !introspectionOnly(doc, f.SelectionSet, depth+1) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// allowlistError is a refusal of the allow-list, with its code.
func allowlistError(code, message string) *gqlerror.Error {
	err := &gqlerror.Error{Message: message}
	errcode.Set(err, code)
	return err
}
