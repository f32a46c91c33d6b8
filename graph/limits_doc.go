package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/benkan-project/benkan"
)

// beforeValidation is the part of the limits that must hold before
// gqlparser validates a document, because validating costs more than
// linear time in what it bounds: the rule "overlapping fields can be
// merged" compares every pair of fields selected under the same response
// key in a selection set (and, for each pair, their sub-selections). 4,000
// `__typename` in one selection set, anonymous, took 2.4 s. It runs as an
// OperationParameterMutator, on the query text; documents gqlgen has
// already validated (in its query cache) are not parsed again.
type beforeValidation struct {
	limits     Limits
	cache      graphql.Cache[*ast.QueryDocument]
	tokenLimit int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = beforeValidation{}

// ExtensionName implements graphql.HandlerExtension.
func (beforeValidation) ExtensionName() string { return "LimitsBeforeValidation" }

// Validate implements graphql.HandlerExtension.
func (b beforeValidation) Validate(s graphql.ExecutableSchema) error { return b.limits.Validate(s) }

// MutateOperationParameters implements graphql.OperationParameterMutator.
func (b beforeValidation) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if p.Query == "" {
		return nil
	}
	if b.cache != nil {
		if _, ok := b.cache.Get(ctx, p.Query); ok {
			return nil // validated before, so within the limits
		}
	}
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, b.tokenLimit)
	if err != nil {
		return nil // gqlgen answers GRAPHQL_PARSE_FAILED
	}
	r := repeats{limits: b.limits}
	for _, op := range doc.Operations {
		if err := r.sets(op.SelectionSet); err != nil {
			return err
		}
	}
	for _, f := range doc.Fragments {
		if err := r.sets(f.SelectionSet); err != nil {
			return err
		}
	}
	return nil
}

// repeats checks how often each path of response keys (`incidents.edges.
// node.locality`) is selected in one operation or fragment definition, its
// inline fragments included, as the validator merges them. Validation
// compares every pair of fields at the same path (pairs whose parents
// were compared), so its work is the sum of the squares of these counts;
// bounding each count bounds it by MaxFieldRepeats times the document's
// fields. Selections of the same path are walked together, each field
// once. A named fragment is its own root: the validator compares it with
// the fields it is spread next to once per fragment name.
type repeats struct {
	limits Limits
}

// sets checks the paths below the fields of sets, all at one path.
func (r *repeats) sets(sets ...ast.SelectionSet) *gqlerror.Error {
	children := map[string][]*ast.Field{}
	var order []string
	var collect func(set ast.SelectionSet) *gqlerror.Error
	collect = func(set ast.SelectionSet) *gqlerror.Error {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if _, ok := children[s.Alias]; !ok {
					order = append(order, s.Alias)
				}
				children[s.Alias] = append(children[s.Alias], s)
				if n := len(children[s.Alias]); n > r.limits.MaxFieldRepeats {
					return limitExceeded(benkan.ETOOMANYREPEATS, r.limits.MaxFieldRepeats, s.Position,
						"%s is asked for more than %d times at the same place (inline fragments and repeated parents included): ask for it once", s.Alias, r.limits.MaxFieldRepeats)
				}
			case *ast.InlineFragment:
				if err := collect(s.SelectionSet); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, set := range sets {
		if err := collect(set); err != nil {
			return err
		}
	}
	for _, key := range order {
		fields := children[key]
		subs := make([]ast.SelectionSet, 0, len(fields))
		for _, f := range fields {
			if len(f.SelectionSet) > 0 {
				subs = append(subs, f.SelectionSet)
			}
		}
		if len(subs) > 0 {
			if err := r.sets(subs...); err != nil {
				return err
			}
		}
	}
	return nil
}
