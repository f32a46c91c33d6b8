package generated

import (
	"context"
	"slices"
)

// PlainField names a plain field: a scalar or enum field of an object type
// that gqlgen binds to a Go struct field, with no argument, no directive
// and no resolver (see graph/gqlgen, plainFields).
type PlainField struct{ Type, Field string }

// PlainFields returns the plain fields of the schema, by the index
// PlainDecider.ServesPlain is asked for.
func PlainFields() []PlainField { return slices.Clone(plainFields[:]) }

// PlainDecider decides, for one response, which plain fields are written
// directly. The Access extension is the only one (graph/access_plain.go).
type PlainDecider interface {
	// ServesPlain reports whether plain field i (of PlainFields) is to be
	// served on every row of the response as its resolver returns it, with
	// nothing noted, masked or audited: what the field interceptor would do
	// for every row. Its answer must not depend on the row, which it is
	// not given.
	ServesPlain(i int) bool
}

type plainKey struct{}

// WithPlainDecider returns ctx in which the generated code asks d whether
// to write plain fields directly.
func WithPlainDecider(ctx context.Context, d PlainDecider) context.Context {
	return context.WithValue(ctx, plainKey{}, d)
}

// servesPlain is the first branch of every plain field's generated
// function: when it reports true, the function writes obj.<Field> with the
// field's marshaller and returns, without gqlgen's field context, the
// field interceptors (the Access extension's InterceptField) and the
// resolver closures; when false, the function takes gqlgen's path as if
// the branch were not there.
//
// Why this cannot serve a field the Access extension would mask or audit:
//   - It is false unless a decider is in the context, and only the Access
//     extension sets one, for its own response, after it has checked the
//     operation's filters and orderings; and only when Access is the
//     server's only field interceptor (graph.NewServer), so no other
//     interceptor is skipped. Without Access (a server without access
//     control) every field takes gqlgen's path.
//   - The decider answers per (type, field) of a response, from the
//     viewer's policy alone; the field interceptor's own answer for such a
//     field does not depend on the row either: it depends on the row only
//     where the viewer reads the field on some rows and not others
//     (policy.Viewer.FullyReadable false), where the read is audited (per
//     row id), or where the field is an edge whose rows tell an audited
//     field (ReadsInverse, inverse reads); and for all of those the
//     decider answers false.
//   - Plain fields have no arguments (no filter, ordering or cursor to
//     check or to audit as read through a filter), no children (so no
//     child needs this field's context or Result to decide), and a
//     marshaller that reads neither context nor selection set, checked
//     when the code is generated: the bytes written are the same.
//   - A masked field's path is listed per row; it is never written here,
//     since a field masked on any row is not fully readable.
func servesPlain(ctx context.Context, i int) bool {
	d, _ := ctx.Value(plainKey{}).(PlainDecider)
	return d != nil && d.ServesPlain(i)
}
