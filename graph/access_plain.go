package graph

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/graph/generated"
	"github.com/benkan-project/benkan/policy"
)

// plainFields are the schema's plain fields (generated.PlainFields), by
// the index the generated code asks for.
var plainFields = generated.PlainFields()

// plainFieldsOff turns the direct writing of plain fields off, for the
// tests that compare every answer with and without it; plainServedDecisions
// counts the decisions to write a field directly (once per field and
// response), for those tests to tell that it was written so.
var (
	plainFieldsOff       atomic.Bool
	plainServedDecisions atomic.Int64
)

// Answers of plainDecisions, per field; the zero value is "not decided yet".
const (
	plainUndecided = iota
	plainServed
	plainIntercepted
)

// plainDecisions is the Access extension's decider of plain fields for
// one response (see generated.servesPlain): which plain fields the
// generated code writes directly instead of through InterceptField. Each
// (type, field) is decided once per response, by plainServes, from the
// response's viewer alone, and remembered.
type plainDecisions struct {
	st      *response
	a       *Access
	decided []atomic.Uint32
}

// ServesPlain implements generated.PlainDecider.
func (d *plainDecisions) ServesPlain(i int) bool {
	// Not before the operation's filters and orderings are checked (at
	// the first root field, which is never plain), nor after one was
	// refused: then InterceptField answers null for every field.
	if !d.st.ready.Load() || d.st.refusal.Load() != nil {
		return false
	}
	switch d.decided[i].Load() {
	case plainServed:
		return true
	case plainIntercepted:
		return false
	}
	served := d.a.plainServes(d.st.viewer, plainFields[i].Type, plainFields[i].Field)
	answer := uint32(plainIntercepted)
	if served {
		answer = plainServed
		plainServedDecisions.Add(1)
	}
	d.decided[i].Store(answer)
	return served
}

// plainServes reports whether InterceptField, for field of typ and viewer
// v, would on every row call the resolver and return its result as it
// is, noting nothing for the response (no masked path, no audited read,
// no inverse or filter read): the only case in which a plain field may be
// written without it. It follows InterceptField branch by branch, and
// answers false wherever that depends on the row or notes something:
//
//   - not decided (a type outside the policy, or id): InterceptField calls
//     the resolver and returns its result, unless typ is where an
//     operation starts (Query, Mutation), which is never plain anyway;
//   - no viewer, or an edge whose rows tell an audited field the viewer
//     may not read (ReadsInverse): masked, per row: false;
//   - a field the viewer reads on some rows only (not FullyReadable): a
//     decision per row (CanReadField): false;
//   - an audited field (a sensitive or identifying group): a read noted
//     per row id: false;
//   - an edge with an inverse (inverseReads): false. Plain fields are
//     leaves without arguments, so they are neither edges nor the fields
//     of a filter (filterReads); Validate checks it against the schema.
func (a *Access) plainServes(v *policy.Viewer, typ, field string) bool {
	if typ == "Query" || typ == "Mutation" || typ == "Subscription" {
		return false
	}
	if !(a.nodes[typ] && maskableField(field)) {
		return true
	}
	if v == nil || !v.ReadsInverse(typ, field) {
		return false
	}
	if full, audited := v.FieldFacts(typ, field); !full || audited {
		return false
	}
	if _, inverse := ent.Inverses[typ][field]; inverse {
		return false
	}
	return true
}

// plainDecider returns the decider of plain fields for a response, or nil
// where every field must go through InterceptField: when another field
// interceptor than Access is registered (see NewServer), or when turned
// off for a test.
func (a *Access) plainDecider(st *response) *plainDecisions {
	if !a.plain || plainFieldsOff.Load() {
		return nil
	}
	return &plainDecisions{st: st, a: a, decided: make([]atomic.Uint32, len(plainFields))}
}

// validatePlainFields checks that every plain field is, in the schema
// served, a field of an object type whose type is a scalar or an enum and
// that takes no argument, as plainServes assumes.
func validatePlainFields(s graphql.ExecutableSchema) error {
	for _, f := range plainFields {
		t := s.Schema().Types[f.Type]
		if t == nil || t.Kind != "OBJECT" {
			return fmt.Errorf("access: plain field %s.%s: not a field of an object type", f.Type, f.Field)
		}
		def := t.Fields.ForName(f.Field)
		if def == nil || len(def.Arguments) > 0 || def.Type.Elem != nil {
			return fmt.Errorf("access: plain field %s.%s: not a field without arguments of a named type", f.Type, f.Field)
		}
		if ft := s.Schema().Types[def.Type.Name()]; ft == nil || (ft.Kind != "SCALAR" && ft.Kind != "ENUM") {
			return fmt.Errorf("access: plain field %s.%s: not a scalar or an enum", f.Type, f.Field)
		}
		if _, inverse := ent.Inverses[f.Type][f.Field]; inverse {
			return fmt.Errorf("access: plain field %s.%s: an edge with an inverse", f.Type, f.Field)
		}
	}
	return nil
}

// plainWithoutInterceptors is the extension of a server without any field
// interceptor (NewServer without access control): every plain field is
// written directly, since there is no interceptor for it to skip.
type plainWithoutInterceptors struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = plainWithoutInterceptors{}

// ExtensionName implements graphql.HandlerExtension.
func (plainWithoutInterceptors) ExtensionName() string { return "PlainWithoutInterceptors" }

// Validate implements graphql.HandlerExtension.
func (plainWithoutInterceptors) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse implements graphql.ResponseInterceptor.
func (plainWithoutInterceptors) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if plainFieldsOff.Load() {
		return next(ctx)
	}
	return next(generated.WithPlainDecider(ctx, allPlain{}))
}

// allPlain writes every plain field directly.
type allPlain struct{}

// ServesPlain implements generated.PlainDecider.
func (allPlain) ServesPlain(int) bool { return true }
