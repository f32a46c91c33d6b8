package graph

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// Limits bounds what one operation may ask for, before any of it runs:
// how deep its selections nest, how many rows each connection returns, how
// many objects it may touch in all, how many aliases, root fields and
// fragment spreads it has, and how large its input values are. Every
// quantity is measured on the document as parsed, each fragment once per
// definition (its figures are remembered and added at each spread), so that
// measuring costs time linear in the document however its fragments nest.
// Queries past a limit are refused whole, with a stable code and the
// limit's value in extensions.limit, so a client learns at once which limit
// it hit.
type Limits struct {
	// MaxDepth is the deepest nesting of fields (introspection aside).
	MaxDepth int
	// MaxPageSize is the largest `first` or `last` of a connection.
	MaxPageSize int
	// MaxCost is the largest estimated number of objects an operation may
	// resolve: each field costs 1, and a connection's fields cost `first`
	// (or `last`) times what one of its nodes costs.
	MaxCost int
	// MaxAliases is the most aliased fields an operation may have, those
	// of a fragment counted at each of its spreads: each alias is one more
	// field resolved, and at the root one more query.
	MaxAliases int
	// MaxRootFields is the most top-level fields an operation may select:
	// each is at least one SQL statement.
	MaxRootFields int
	// MaxFragmentSpreads is the most fragment spreads an operation may
	// make, those inside a fragment counted at each of its spreads (what a
	// walker that expands fragments would visit).
	MaxFragmentSpreads int
	// MaxFieldRepeats is how often one response key (a field's alias or
	// name) may be selected in one selection set, its inline fragments
	// included:
	// validation compares each pair of them, and their sub-selections, so
	// its work grows with the square of the repeats, before any other
	// limit can be checked.
	MaxFieldRepeats int
	// MaxInputDepth is the deepest nesting of objects and lists in one
	// argument, its variables' values included: each level of a `where`
	// filter is a nested SQL predicate, built and unmarshalled in time
	// quadratic in its depth.
	MaxInputDepth int
	// MaxInputValues is the most values (objects, lists and scalars) the
	// arguments and variables of a request may hold in all; it bounds the
	// size of SQL predicates and their parameters.
	MaxInputValues int
	// MaxListSize is the longest input list (an `…In` filter, `nodes(ids:)`,
	// `or`, `and`…).
	MaxListSize int
	// MaxStringLength is the longest input string, in bytes; the largest
	// text field stored (an incident's narrative) is 20,000 bytes.
	MaxStringLength int
	// MaxPatternLength is the longest value of a Contains, HasPrefix,
	// HasSuffix, EqualFold or ContainsFold filter, in bytes once escaped
	// for LIKE: ent escapes `%`, `_` and `\` with a backslash, so each
	// counts twice. PostgreSQL lower-cases the whole pattern of ILIKE for
	// every row it tests, and SQLite refuses LIKE patterns over 50,000
	// bytes.
	MaxPatternLength int
}

// DefaultLimits are the limits benkan applies unless configured otherwise.
var DefaultLimits = Limits{
	MaxDepth:           12,
	MaxPageSize:        1000,
	MaxCost:            100_000,
	MaxAliases:         50,
	MaxRootFields:      10,
	MaxFragmentSpreads: 100,
	MaxFieldRepeats:    10,
	MaxInputDepth:      16,
	MaxInputValues:     2000,
	MaxListSize:        1000,
	MaxStringLength:    20_000,
	MaxPatternLength:   256,
}

// WithDefaults returns l with each zero limit set to its DefaultLimits value.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits
	for _, p := range []struct {
		v   *int
		def int
	}{
		{&l.MaxDepth, d.MaxDepth},
		{&l.MaxPageSize, d.MaxPageSize},
		{&l.MaxCost, d.MaxCost},
		{&l.MaxAliases, d.MaxAliases},
		{&l.MaxRootFields, d.MaxRootFields},
		{&l.MaxFragmentSpreads, d.MaxFragmentSpreads},
		{&l.MaxFieldRepeats, d.MaxFieldRepeats},
		{&l.MaxInputDepth, d.MaxInputDepth},
		{&l.MaxInputValues, d.MaxInputValues},
		{&l.MaxListSize, d.MaxListSize},
		{&l.MaxStringLength, d.MaxStringLength},
		{&l.MaxPatternLength, d.MaxPatternLength},
	} {
		if *p.v == 0 {
			*p.v = p.def
		}
	}
	return l
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = Limits{}

// ExtensionName implements graphql.HandlerExtension.
func (Limits) ExtensionName() string { return "Limits" }

// Validate implements graphql.HandlerExtension.
func (l Limits) Validate(graphql.ExecutableSchema) error {
	for _, v := range []int{l.MaxDepth, l.MaxPageSize, l.MaxCost, l.MaxAliases, l.MaxRootFields,
		l.MaxFragmentSpreads, l.MaxFieldRepeats, l.MaxInputDepth, l.MaxInputValues, l.MaxListSize, l.MaxStringLength, l.MaxPatternLength} {
		if v < 1 {
			return fmt.Errorf("limits must be positive: %+v", l)
		}
	}
	return nil
}

// MutateOperationParameters implements graphql.OperationParameterMutator:
// it measures the variables as they arrived (decoded JSON), before gqlgen
// parses the query and gqlparser coerces them, which costs time in their
// depth and size.
func (l Limits) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	m := inputMeter{limits: l}
	for name, v := range p.Variables {
		if _, err := m.raw(v, 0, "$"+name); err != nil {
			return err
		}
	}
	return m.checkValues()
}

// MutateOperationContext implements graphql.OperationContextMutator: it
// checks the parsed operation and its input values against the limits.
func (l Limits) MutateOperationContext(_ context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	if oc.Operation == nil {
		return nil
	}
	if err := checkInputs(l, oc); err != nil {
		return err
	}
	return checkSelections(l, oc)
}

// limitExceeded is the error of a limit on the shape of a request: code
// names the limit and extensions.limit carries its value.
func limitExceeded(code string, limit int, pos *ast.Position, format string, args ...any) *gqlerror.Error {
	e := limitError(code, nil, format, args...)
	e.Extensions["limit"] = limit
	if pos != nil {
		e.Locations = []gqlerror.Location{{Line: pos.Line, Column: pos.Column}}
	}
	return e
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
