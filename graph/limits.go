package graph

import (
	"context"
	"fmt"
	"strings"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/gid"
)

// Limits bounds what one operation may ask for, before any of it runs:
// how deep its selections nest, how many rows each connection returns and
// how many objects it may touch in all. Queries past a limit are refused
// whole, with a stable code, so a client learns at once which limit it hit.
type Limits struct {
	// MaxDepth is the deepest nesting of fields (introspection aside).
	MaxDepth int
	// MaxPageSize is the largest `first` or `last` of a connection.
	MaxPageSize int
	// MaxCost is the largest estimated number of objects an operation may
	// resolve: each field costs 1, and a connection's fields cost `first`
	// (or `last`) times what one of its nodes costs.
	MaxCost int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Limits{}

// ExtensionName implements graphql.HandlerExtension.
func (Limits) ExtensionName() string { return "Limits" }

// Validate implements graphql.HandlerExtension.
func (l Limits) Validate(graphql.ExecutableSchema) error {
	if l.MaxDepth < 1 || l.MaxPageSize < 1 || l.MaxCost < 1 {
		return fmt.Errorf("limits must be positive: %+v", l)
	}
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator: it
// checks the operation against the limits.
func (l Limits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	w := walker{limits: l, oc: oc}
	cost, err := w.selections(oc.Operation.SelectionSet, 1)
	if err != nil {
		return err
	}
	if cost > l.MaxCost {
		return limitError(benkan.ETOOCOMPLEX, nil, "the query could resolve %d objects, more than the limit of %d: ask for smaller pages or fewer nested connections", cost, l.MaxCost)
	}
	return nil
}

type walker struct {
	limits Limits
	oc     *graphql.OperationContext
}

// selections returns the estimated cost of a selection set at the given depth.
func (w walker) selections(set ast.SelectionSet, depth int) (int, *gqlerror.Error) {
	cost := 0
	for _, f := range w.fields(set) {
		if strings.HasPrefix(f.Name, "__") {
			continue // introspection: switched on or off as a whole
		}
		if depth > w.limits.MaxDepth {
			return 0, limitError(benkan.ETOODEEP, f, "the query nests deeper than %d levels", w.limits.MaxDepth)
		}
		n, err := w.pageSize(f)
		if err != nil {
			return 0, err
		}
		child, err := w.selections(f.SelectionSet, depth+1)
		if err != nil {
			return 0, err
		}
		cost += 1 + n*child
		if cost > w.limits.MaxCost {
			return 0, limitError(benkan.ETOOCOMPLEX, f, "the query could resolve more than %d objects: ask for smaller pages or fewer nested connections", w.limits.MaxCost)
		}
	}
	return cost, nil
}

// fields flattens fragments: the fields a selection set selects.
func (w walker) fields(set ast.SelectionSet) []*ast.Field {
	var out []*ast.Field
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			out = append(out, s)
		case *ast.InlineFragment:
			out = append(out, w.fields(s.SelectionSet)...)
		case *ast.FragmentSpread:
			if s.Definition != nil {
				out = append(out, w.fields(s.Definition.SelectionSet)...)
			}
		}
	}
	return out
}

// pageSize checks the pagination arguments of a connection field and returns
// how many nodes it may return (1 for other fields).
func (w walker) pageSize(f *ast.Field) (int, *gqlerror.Error) {
	if f.Definition == nil || f.Definition.Arguments.ForName("first") == nil {
		return 1, nil
	}
	args := f.ArgumentMap(w.oc.Variables)
	for _, name := range []string{"after", "before"} {
		if v, ok := args[name]; ok && v != nil {
			var c entgql.Cursor[gid.ID]
			if err := c.UnmarshalGQL(v); err != nil {
				return 0, limitError(benkan.EINVALID, f, "%s: invalid %s cursor: pass a cursor from a previous page", f.Alias, name)
			}
		}
	}
	first, hasFirst := intArg(args, "first")
	last, hasLast := intArg(args, "last")
	switch {
	case hasFirst && hasLast:
		return 0, limitError(benkan.EINVALID, f, "%s: pass first or last, not both", f.Alias)
	case !hasFirst && !hasLast:
		if w.selectsEdges(f) {
			return 0, limitError(benkan.EINVALID, f, "%s: pass first or last (at most %d) to say how many items you want", f.Alias, w.limits.MaxPageSize)
		}
		return 0, nil // totalCount or pageInfo only: no node is loaded
	}
	n := first
	if hasLast {
		n = last
	}
	if n < 0 || n > w.limits.MaxPageSize {
		return 0, limitError(benkan.EINVALID, f, "%s: first and last must be between 0 and %d, got %d", f.Alias, w.limits.MaxPageSize, n)
	}
	return n, nil
}

func (w walker) selectsEdges(f *ast.Field) bool {
	for _, c := range w.fields(f.SelectionSet) {
		if c.Name == "edges" || c.Name == "nodes" {
			return true
		}
	}
	return false
}

// intArg returns an integer argument, which the GraphQL validator has
// already checked to be an Int (int64 once parsed), or absent, or null.
func intArg(args map[string]any, name string) (int, bool) {
	switch v := args[name].(type) {
	case int64:
		return int(v), true
	case int:
		return v, true
	}
	return 0, false
}

func limitError(code string, f *ast.Field, format string, args ...any) *gqlerror.Error {
	e := &gqlerror.Error{
		Message:    fmt.Sprintf(format, args...),
		Extensions: map[string]any{"code": code},
	}
	if f != nil && f.Position != nil {
		e.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	return e
}
