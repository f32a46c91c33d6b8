package graph

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/benkan-project/benkan"
)

// noIntrospection refuses, when the server runs with --introspection=false,
// every operation that selects __schema or __type (anywhere, through
// fragments too), with FORBIDDEN and a message saying why, before any of it
// runs. Without it gqlgen answers such fields with an error without a code.
// __typename stays allowed: clients need it to tell union and interface
// members apart, and it reveals nothing of the schema beyond the answer.
type noIntrospection struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = noIntrospection{}

// ExtensionName implements graphql.HandlerExtension.
func (noIntrospection) ExtensionName() string { return "NoIntrospection" }

// Validate implements graphql.HandlerExtension.
func (noIntrospection) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (noIntrospection) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if f := introspectionField(oc.Operation.SelectionSet); f != nil {
		e := &gqlerror.Error{
			Message:    "introspection is disabled on this server: " + f.Name + " may not be queried (__typename may)",
			Extensions: map[string]any{"code": benkan.EFORBIDDEN},
		}
		if f.Position != nil {
			e.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
		}
		return e
	}
	return nil
}

// introspectionField returns the first __schema or __type field of set,
// looking into fragments (each once).
func introspectionField(set ast.SelectionSet) *ast.Field {
	var found *ast.Field
	_ = eachField(set, func(f *ast.Field) error {
		if f.Name == "__schema" || f.Name == "__type" {
			found = f
			return errFound
		}
		return nil
	})
	return found
}

// errFound stops eachField when what was looked for is found.
var errFound = errors.New("found")
