package graph

import (
	"context"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
)

// cursorCheck refuses, before anything runs, an operation with an after or
// before cursor whose values do not fit its connection's orderBy. A cursor
// is base64 msgpack of {ID, Value}, Value one value per orderBy field, so a
// forged one may carry a map, a list or a boolean where a time or a string
// is compared in SQL, and the driver fails (or worse, compares). The check
// is on typed values: the decoded cursor (entgql.Cursor) against the Go
// type of each ordering field it pairs with (ent.OrderZerosOf, from ent's
// own order types), never on driver errors. It checks the operation as a
// whole because nested connections are loaded with their parent, before
// their own field resolves.
type cursorCheck struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = cursorCheck{}

// ExtensionName implements graphql.HandlerExtension.
func (cursorCheck) ExtensionName() string { return "CursorCheck" }

// Validate implements graphql.HandlerExtension.
func (cursorCheck) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext implements graphql.OperationContextMutator.
func (cursorCheck) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	var refused *gqlerror.Error
	_ = eachField(oc.Operation.SelectionSet, func(f *ast.Field) error {
		if refused = checkFieldCursors(f, oc.Variables); refused != nil {
			return refused
		}
		return nil
	})
	return refused
}

// checkFieldCursors checks the after and before arguments of one
// connection field against its orderBy, and that its orderBy names each
// field once (see repeatedOrderField).
func checkFieldCursors(f *ast.Field, vars map[string]any) *gqlerror.Error {
	if f.Definition == nil || f.Definition.Arguments.ForName("after") == nil {
		return nil
	}
	order := f.Definition.Arguments.ForName("orderBy")
	args := f.ArgumentMap(vars)
	if field, ok := repeatedOrderField(args["orderBy"]); ok {
		e := &gqlerror.Error{
			Message:    f.Alias + "(orderBy:) names " + field + " more than once: a field orders once, at its first place in the list",
			Extensions: map[string]any{"code": benkan.EINVALID, "field": "orderBy"},
		}
		if f.Position != nil {
			e.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
		}
		return e
	}
	for _, name := range []string{"after", "before"} {
		raw, ok := args[name]
		if !ok || raw == nil {
			continue
		}
		var c entgql.Cursor[gid.ID]
		if err := c.UnmarshalGQL(raw); err != nil || c.ID.Validate() != nil {
			// A cursor's id is compared in SQL too: one that is not an id
			// (bytes that are not UTF-8, which PostgreSQL refuses) is forged.
			return cursorError(f, name)
		}
		if order == nil {
			continue // no ordering: the cursor holds an id only
		}
		zeros, ok := ent.OrderZerosOf(order.Type.Name(), args["orderBy"])
		if !ok {
			continue // an orderBy the validator refuses, or not an ent connection
		}
		if !cursorFits(&c, zeros) {
			return cursorError(f, name)
		}
	}
	return nil
}

// repeatedOrderField returns the first field that the orderBy list order
// (the argument's value, [{field, direction}…]) names more than once. A
// repeated field never decides an ordering, whatever its direction, and the
// predicate of a cursor after an ordering of n fields has parameters
// quadratic in n: a few hundred repeats, within the input limits, passed
// the databases' limits on parameters (INTERNAL) at a high cost.
func repeatedOrderField(order any) (string, bool) {
	list, ok := order.([]any)
	if !ok || len(list) < 2 {
		return "", false
	}
	seen := make(map[string]bool, len(list))
	for _, o := range list {
		m, ok := o.(map[string]any)
		if !ok {
			continue
		}
		field, ok := m["field"].(string)
		if !ok {
			continue
		}
		if seen[field] {
			return field, true
		}
		seen[field] = true
	}
	return "", false
}

func cursorError(f *ast.Field, arg string) *gqlerror.Error {
	e := &gqlerror.Error{
		Message:    "invalid cursor in " + f.Alias + "(" + arg + ":): pass a cursor from a previous page of the same connection with the same orderBy",
		Extensions: map[string]any{"code": benkan.EINVALID, "field": arg},
	}
	if f.Position != nil {
		e.Locations = []gqlerror.Location{{Line: f.Position.Line, Column: f.Position.Column}}
	}
	return e
}

// cursorFits reports whether the cursor's values fit the ordering whose
// fields have the zero values zeros: a list of as many values, each of the
// field's type. A cursor without values (null) pages by id alone.
func cursorFits(c *entgql.Cursor[gid.ID], zeros []any) bool {
	if c.Value == nil {
		return true
	}
	values, ok := c.Value.([]any)
	if !ok || len(values) != len(zeros) {
		return false
	}
	for i, v := range values {
		if !valueFits(v, reflect.TypeOf(zeros[i])) {
			return false
		}
	}
	return true
}

var timeType = reflect.TypeFor[time.Time]()

// valueFits reports whether v, a value decoded from msgpack, may be
// compared with a column of Go type t (a pointer for a nullable field).
func valueFits(v any, t reflect.Type) bool {
	if t == nil {
		return false
	}
	nullable := t.Kind() == reflect.Pointer
	if nullable {
		t = t.Elem()
	}
	if v == nil {
		return nullable
	}
	vt := reflect.TypeOf(v)
	switch {
	case t == timeType:
		// A time the databases can store: years 1 to 9999.
		tv, ok := v.(time.Time)
		return ok && tv.Year() >= 1 && tv.Year() <= 9999
	case t.Kind() == reflect.String:
		// A string the database can store: UTF-8 without NUL (a cursor's
		// values bypass the checks of input strings).
		s, ok := v.(string)
		return ok && utf8.ValidString(s) && !strings.ContainsRune(s, 0)
	case t.Kind() == reflect.Bool:
		return vt.Kind() == reflect.Bool
	case isInt(t.Kind()):
		return isInt(vt.Kind()) && fitsInt64(v)
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return isInt(vt.Kind()) || vt.Kind() == reflect.Float32 || vt.Kind() == reflect.Float64
	}
	return false
}

// fitsInt64 reports whether an integer value is within int64, as the
// drivers need (a uint64 with its high bit set is refused by lib/pq).
func fitsInt64(v any) bool {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Uint, reflect.Uint64:
		return rv.Uint() <= 1<<63-1
	}
	return true
}

func isInt(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}
