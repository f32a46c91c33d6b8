package graph

import (
	"context"
	"reflect"
	"time"

	"entgo.io/contrib/entgql"
	"github.com/99designs/gqlgen/graphql"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
)

// cursorCheck refuses, before a connection resolves, an after or before
// cursor whose values do not fit the connection's orderBy: a cursor is
// base64 msgpack of {ID, Value}, Value one value per orderBy field, so a
// forged one may carry a map, a list or a boolean where a time or a string
// is compared in SQL, and the driver fails (or worse, compares). The check
// is on the typed values: each cursor value against the Go type of the
// ordering field it pairs with (ent.OrderZeros), never on driver errors.
type cursorCheck struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.FieldInterceptor
} = cursorCheck{}

// ExtensionName implements graphql.HandlerExtension.
func (cursorCheck) ExtensionName() string { return "CursorCheck" }

// Validate implements graphql.HandlerExtension.
func (cursorCheck) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptField implements graphql.FieldInterceptor.
func (cursorCheck) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !fc.IsResolver || fc.Args == nil {
		return next(ctx)
	}
	after, _ := fc.Args["after"].(*entgql.Cursor[gid.ID])
	before, _ := fc.Args["before"].(*entgql.Cursor[gid.ID])
	if after == nil && before == nil {
		return next(ctx)
	}
	zeros, ok := ent.OrderZeros(fc.Args["orderBy"])
	if !ok {
		return next(ctx)
	}
	for name, c := range map[string]*entgql.Cursor[gid.ID]{"after": after, "before": before} {
		if c != nil && !cursorFits(c, zeros) {
			return nil, benkan.FieldErrorf(name, "invalid cursor in %s: pass a cursor from a previous page of the same connection with the same orderBy", name)
		}
	}
	return next(ctx)
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
		return vt == timeType
	case t.Kind() == reflect.String:
		return vt.Kind() == reflect.String
	case t.Kind() == reflect.Bool:
		return vt.Kind() == reflect.Bool
	case isInt(t.Kind()):
		return isInt(vt.Kind())
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return isInt(vt.Kind()) || vt.Kind() == reflect.Float32 || vt.Kind() == reflect.Float64
	}
	return false
}

func isInt(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}
