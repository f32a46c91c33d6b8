package graph

import (
	"github.com/benkan-project/benkan/graph/generated"
	"github.com/benkan-project/benkan/policy"
)

// SetPlainFields turns the direct writing of plain fields on (the
// default) or off, for the tests that compare answers with and without it.
func SetPlainFields(on bool) { plainFieldsOff.Store(!on) }

// PlainServes is Access.plainServes of an Access validated against the
// served schema: whether plain field field of typ is written without
// InterceptField for v.
func PlainServes(v *policy.Viewer, typ, field string) bool {
	a := &Access{}
	if err := a.Validate(generated.NewExecutableSchema(generated.Config{Schema: ServedSchema()})); err != nil {
		panic(err)
	}
	return a.plainServes(v, typ, field)
}

// PlainServedDecisions counts the decisions, so far, to write a plain
// field directly (once per field and response).
func PlainServedDecisions() int64 { return plainServedDecisions.Load() }
