package graph

import (
	"context"
	"fmt"
	"reflect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// strictEnums refuses an operation whose variables give an enum a value
// that is not one of its values, exactly. gqlparser's variable validation
// (v2.5.64, validator/vars.go) compares enum values case-insensitively and
// lets numbers through, so "verified" or 3 for an IncidentStatus, or
// "OcCURRED_AT" for an order field, passed validation and failed later when
// gqlgen unmarshalled them, as an error without a code (INTERNAL; found by
// FuzzCursorAndID). Values written in the document itself are validated
// exactly by gqlparser's rules already.
type strictEnums struct {
	schema *ast.Schema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &strictEnums{}

// ExtensionName implements graphql.HandlerExtension.
func (*strictEnums) ExtensionName() string { return "StrictEnums" }

// Validate implements graphql.HandlerExtension; it keeps the schema.
func (s *strictEnums) Validate(es graphql.ExecutableSchema) error {
	s.schema = es.Schema()
	if s.schema == nil {
		return fmt.Errorf("strict enums: no schema")
	}
	return nil
}

// MutateOperationContext implements graphql.OperationContextMutator.
func (s *strictEnums) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	for _, vd := range oc.Operation.VariableDefinitions {
		if v, ok := oc.Variables[vd.Variable]; ok {
			if err := s.check(vd.Type, v, "$"+vd.Variable); err != nil {
				return err
			}
		}
	}
	return nil
}

// check checks the enum values within v, a variable's value of type t.
func (s *strictEnums) check(t *ast.Type, v any, path string) *gqlerror.Error {
	if v == nil || t == nil {
		return nil
	}
	if t.Elem != nil {
		// gqlparser's coercion of a single value into a list of one
		// gives a typed slice ([]string), a decoded JSON list []any.
		items := reflect.ValueOf(v)
		if items.Kind() != reflect.Slice {
			return s.check(t.Elem, v, path) // a single value for a list
		}
		for i := range items.Len() {
			if err := s.check(t.Elem, items.Index(i).Interface(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
		return nil
	}
	def := s.schema.Types[t.NamedType]
	if def == nil {
		return nil
	}
	switch def.Kind {
	case ast.Enum:
		if str, ok := v.(string); ok && def.EnumValues.ForName(str) != nil {
			return nil
		}
		err := gqlerror.Errorf("variable %s: %v is not a value of the enum %s (enum values are case-sensitive strings)", path, printable(v), def.Name)
		errcode.Set(err, errcode.ValidationFailed)
		return err
	case ast.InputObject:
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		for _, f := range def.Fields {
			if fv, ok := m[f.Name]; ok {
				if err := s.check(f.Type, fv, path+"."+f.Name); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// printable shows a client's value in a message, cut short.
func printable(v any) string {
	s := fmt.Sprintf("%q", fmt.Sprint(v))
	if len(s) > 60 {
		s = s[:57] + `..."`
	}
	return s
}
