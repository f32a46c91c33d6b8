package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/graph/generated"
)

// ExportPageSize is how many rows one page of an export reads: one GraphQL
// operation each, within the default limits on page size and cost.
const ExportPageSize = 200

// An Export reads a root connection field of the schema (auditEvents,
// incidents…) page by page as an ordinary GraphQL operation, for the CSV
// and XLSX exports of server/export.go. Because every page is a GraphQL operation
// run by the same server, an export has exactly the filters, the row
// rules, the masking, the limits and the audit of the API: nothing about
// access is decided for exports in particular.
type Export struct {
	// Field is the root field read, e.g. auditEvents; Type its node type.
	Field, Type string
	// Columns are the node type's scalar and enum fields (lists of them
	// included), in the schema's order: the export's columns.
	Columns []string
	// Types are the named GraphQL types of Columns (Time, String, Int,
	// Boolean, an enum…), for formats that type their cells (XLSX).
	Types []string
	// Args are the field's filter and ordering arguments the export takes
	// as variables (where, orderBy), those of the field only.
	Args []string

	query string
}

// exportArgs are the arguments of a connection field that an export passes
// on from its request as GraphQL variables, coerced by the server.
var exportArgs = []string{"where", "orderBy"}

// NewExport returns the export of the root field named field. The field
// must be a Relay connection of the schema (first, after, and edges of
// nodes); anything else is ENOTFOUND, as an unknown export is.
func NewExport(field string) (*Export, error) {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	def := schema.Query.Fields.ForName(field)
	if def == nil || def.Arguments.ForName("first") == nil || def.Arguments.ForName("after") == nil {
		return nil, benkan.Errorf(benkan.ENOTFOUND, "no export named %q: exports are of the connection fields of Query, such as auditEvents", field)
	}
	node := connectionNode(schema, schema.Types[def.Type.Name()])
	if node == nil {
		return nil, benkan.Errorf(benkan.ENOTFOUND, "no export named %q: exports are of the connection fields of Query, such as auditEvents", field)
	}
	e := &Export{Field: field, Type: node.Name}
	for _, f := range node.Fields {
		t := schema.Types[f.Type.Name()]
		if strings.HasPrefix(f.Name, "__") || t == nil || (t.Kind != ast.Scalar && t.Kind != ast.Enum) || requiresArgs(f) {
			continue
		}
		e.Columns = append(e.Columns, f.Name)
		e.Types = append(e.Types, f.Type.Name())
	}
	vars := []string{"$after: Cursor"}
	args := []string{"first: " + fmt.Sprint(ExportPageSize), "after: $after"}
	for _, a := range exportArgs {
		if d := def.Arguments.ForName(a); d != nil {
			e.Args = append(e.Args, a)
			vars = append(vars, "$"+a+": "+d.Type.String())
			args = append(args, a+": $"+a)
		}
	}
	e.query = fmt.Sprintf("query Export(%s) { %s(%s) { edges { node { %s } } pageInfo { hasNextPage endCursor } } }",
		strings.Join(vars, ", "), field, strings.Join(args, ", "), strings.Join(e.Columns, " "))
	return e, nil
}

// ExportDocuments returns the GraphQL document of every export (one per
// connection field of Query, see NewExport): fixed texts, the same for
// every page and every caller (the cursor, the filter and the ordering
// are variables), which the server's allow-list runs (Config.Operations)
// so that exports work under it.
func ExportDocuments() []string {
	schema := generated.NewExecutableSchema(generated.Config{}).Schema()
	var docs []string
	for _, f := range schema.Query.Fields {
		if e, err := NewExport(f.Name); err == nil {
			docs = append(docs, e.query)
		}
	}
	return docs
}

// connectionNode returns the node type of a Relay connection type, or nil.
func connectionNode(schema *ast.Schema, conn *ast.Definition) *ast.Definition {
	if conn == nil || conn.Fields.ForName("pageInfo") == nil {
		return nil
	}
	edges := conn.Fields.ForName("edges")
	if edges == nil || edges.Type.Elem == nil {
		return nil
	}
	edge := schema.Types[edges.Type.Name()]
	if edge == nil {
		return nil
	}
	node := edge.Fields.ForName("node")
	if node == nil {
		return nil
	}
	return schema.Types[node.Type.Name()]
}

func requiresArgs(f *ast.FieldDefinition) bool {
	return slices.ContainsFunc(f.Arguments, func(a *ast.ArgumentDefinition) bool {
		return a.Type.NonNull && a.DefaultValue == nil
	})
}

// Request returns the GraphQL request (a JSON body for POST /graphql) of
// the page after the cursor after ("" for the first page), with vars the
// values of Args as the client sent them: the server coerces them as it
// coerces any variable, so a bad filter is the same error as in the API.
func (e *Export) Request(after string, vars map[string]json.RawMessage) ([]byte, error) {
	v := map[string]any{}
	if after != "" {
		v["after"] = after
	}
	for name, value := range vars {
		if !slices.Contains(e.Args, name) {
			return nil, benkan.FieldErrorf(name, "the export of %s takes no argument %s; it takes %s", e.Field, name, strings.Join(e.Args, " and "))
		}
		v[name] = value
	}
	return json.Marshal(map[string]any{"query": e.query, "operationName": "Export", "variables": v})
}

// Page is one page of an export, read from a GraphQL response.
type Page struct {
	// Rows hold the values of Columns, one row a node.
	Rows [][]any
	// Next is the cursor of the next page, "" after the last.
	Next string
}

// ReadPage reads the page a response to Request carries. A response with
// errors is an error, a *PageError holding them as the API gave them: an
// export is whole or it is not.
func (e *Export) ReadPage(body []byte) (*Page, error) {
	type connection struct {
		Edges []struct {
			Node map[string]any `json:"node"`
		} `json:"edges"`
		PageInfo struct {
			HasNextPage bool    `json:"hasNextPage"`
			EndCursor   *string `json:"endCursor"`
		} `json:"pageInfo"`
	}
	var resp struct {
		Data   map[string]*connection `json:"data"`
		Errors gqlerror.List          `json:"errors"`
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&resp); err != nil {
		return nil, fmt.Errorf("read export page: %w", err)
	}
	if len(resp.Errors) > 0 {
		return nil, e.pageError(resp.Errors)
	}
	page := resp.Data[e.Field]
	if page == nil {
		return nil, fmt.Errorf("read export page: no data")
	}
	p := &Page{Rows: make([][]any, 0, len(page.Edges))}
	for _, edge := range page.Edges {
		row := make([]any, len(e.Columns))
		for i, c := range e.Columns {
			row[i] = edge.Node[c]
		}
		p.Rows = append(p.Rows, row)
	}
	if page.PageInfo.HasNextPage && page.PageInfo.EndCursor != nil {
		p.Next = *page.PageInfo.EndCursor
	}
	return p, nil
}

// A PageError is the refusal of an export's page as the API answered it:
// the errors of the page's GraphQL response, each with its message, its
// path and all of its extensions (code, field, limit…), so that an export
// refuses what the API refuses with the API's own errors, and a client
// handles both alike. It unwraps to the *benkan.Error of its first error,
// whose code and message benkan.ErrorCode and benkan.ErrorMessage read.
type PageError struct {
	// Errors are the response's errors, as a GraphQL response carries
	// them (see Export.pageError for what differs from the page's).
	Errors gqlerror.List
	first  *benkan.Error
}

// Error implements the error interface.
func (p *PageError) Error() string { return p.first.Error() }

// Unwrap returns the first error as a *benkan.Error.
func (p *PageError) Unwrap() error { return p.first }

// pageError is the PageError of a page's errors. Their messages and
// paths are the API's, since the page's document selects the field by its
// own name and takes where and orderBy as variables of those names, as a
// client does; their locations, which point into that document (one the
// client never sent), are left out. An error without a code is INTERNAL.
func (e *Export) pageError(errs gqlerror.List) *PageError {
	for _, ge := range errs {
		ge.Locations = nil
		if code, _ := ge.Extensions["code"].(string); code == "" {
			if ge.Extensions == nil {
				ge.Extensions = map[string]any{}
			}
			ge.Extensions["code"] = benkan.EINTERNAL
		}
	}
	first := &benkan.Error{Code: errs[0].Extensions["code"].(string), Message: errs[0].Message}
	first.Field, _ = errs[0].Extensions["field"].(string)
	return &PageError{Errors: errs, first: first}
}
