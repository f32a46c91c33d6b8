package graph

import (
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/benkan-project/benkan"
)

// saturate caps the figures of a selection walk: a document whose
// fragments double at each level would overflow an int, and anything past
// the cap is past every limit anyway.
const saturate = 1 << 40

func satAdd(a, b int) int { return min(a+b, saturate) }

func satMul(a, b int) int {
	if a == 0 || b == 0 {
		return 0
	}
	if a > saturate/b {
		return saturate
	}
	return min(a*b, saturate)
}

// tally is what a selection set costs: its figures as if every fragment
// spread were expanded, computed without expanding any.
type tally struct {
	cost    int // estimated objects resolved
	aliases int // aliased fields
	spreads int // fragment spreads
	// introspection counts the fields of introspectionLists.
	introspection int
	err           *gqlerror.Error
}

func (t *tally) add(o tally) {
	t.cost = satAdd(t.cost, o.cost)
	t.aliases = satAdd(t.aliases, o.aliases)
	t.spreads = satAdd(t.spreads, o.spreads)
	t.introspection = satAdd(t.introspection, o.introspection)
	if t.err == nil {
		t.err = o.err
	}
}

// introspectionLists are the introspection fields that list the schema or
// parts of a type. Asked for once, they answer the whole schema; nested in
// each other (`fields { type { fields { type … } } }`) their answer grows
// with the power of the depth, without an alias. Like graphql-java's "good
// faith introspection", each may appear once per operation.
var introspectionLists = map[string]bool{
	"Query.__schema":       true,
	"Query.__type":         true,
	"__Type.fields":        true,
	"__Type.inputFields":   true,
	"__Type.interfaces":    true,
	"__Type.possibleTypes": true,
	"__Type.enumValues":    true,
}

type fragmentAt struct {
	name  string
	depth int
}

// selectionWalk measures an operation. Each fragment's tally is computed
// once per depth it is spread at (at most MaxDepth+1 of them) and then
// reused: the walk is linear in the document, not in its expansion.
type selectionWalk struct {
	limits Limits
	oc     *graphql.OperationContext
	memo   map[fragmentAt]tally
}

// checkSelections checks the selections of oc's operation against l.
func checkSelections(l Limits, oc *graphql.OperationContext) *gqlerror.Error {
	w := selectionWalk{limits: l, oc: oc, memo: map[fragmentAt]tally{}}
	t := w.set(oc.Operation.SelectionSet, 1)
	if t.err != nil {
		return t.err
	}
	pos := oc.Operation.Position
	switch {
	case t.cost > l.MaxCost:
		return limitError(benkan.ETOOCOMPLEX, nil, "the query could resolve more than %d objects: ask for smaller pages or fewer nested connections", l.MaxCost)
	case t.spreads > l.MaxFragmentSpreads:
		return limitExceeded(benkan.ETOOMANYSPREADS, l.MaxFragmentSpreads, pos, "the operation spreads fragments more than %d times (spreads inside a fragment count at each spread of it): use fewer, flatter fragments", l.MaxFragmentSpreads)
	case t.aliases > l.MaxAliases:
		return limitExceeded(benkan.ETOOMANYALIASES, l.MaxAliases, pos, "the operation has more than %d aliased fields (those of a fragment count at each spread of it): split it into several requests", l.MaxAliases)
	case rootKeys(oc.Operation.SelectionSet) > l.MaxRootFields:
		return limitExceeded(benkan.ETOOMANYROOTFIELDS, l.MaxRootFields, pos, "the operation has more than %d top-level fields: split it into several requests", l.MaxRootFields)
	case t.introspection > 0 && w.repeatsIntrospection():
		return limitExceeded(benkan.EINTROSPECTIONREPEATS, 1, pos, "an introspection list (__schema, __type, __Type.fields, inputFields, interfaces, possibleTypes, enumValues) may appear only once in an operation, fragments expanded")
	}
	return nil
}

// repeatsIntrospection reports whether one of introspectionLists appears
// more than once in the operation, fragments counted at each spread. It is
// walked only for operations that introspect at all.
func (w selectionWalk) repeatsIntrospection() bool {
	counts := map[string]int{}
	memo := map[string]map[string]int{}
	var walk func(set ast.SelectionSet, into map[string]int)
	var ofFragment func(name string, def *ast.FragmentDefinition) map[string]int
	walk = func(set ast.SelectionSet, into map[string]int) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				if s.ObjectDefinition != nil && introspectionLists[s.ObjectDefinition.Name+"."+s.Name] {
					into[s.ObjectDefinition.Name+"."+s.Name]++
				}
				walk(s.SelectionSet, into)
			case *ast.InlineFragment:
				walk(s.SelectionSet, into)
			case *ast.FragmentSpread:
				if s.Definition != nil {
					for k, n := range ofFragment(s.Name, s.Definition) {
						into[k] = satAdd(into[k], n)
					}
				}
			}
		}
	}
	ofFragment = func(name string, def *ast.FragmentDefinition) map[string]int {
		if m, ok := memo[name]; ok {
			return m
		}
		m := map[string]int{}
		memo[name] = m // validation refuses cycles; this also ends one
		walk(def.SelectionSet, m)
		return m
	}
	walk(w.oc.Operation.SelectionSet, counts)
	for _, n := range counts {
		if n > 1 {
			return true
		}
	}
	return false
}

// set tallies a selection set whose fields are at the given depth.
func (w selectionWalk) set(set ast.SelectionSet, depth int) tally {
	var t tally
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			t.add(w.field(s, depth))
		case *ast.InlineFragment:
			t.add(w.set(s.SelectionSet, depth))
		case *ast.FragmentSpread:
			t.spreads = satAdd(t.spreads, 1)
			if s.Definition != nil {
				t.add(w.fragment(s.Name, s.Definition, depth))
			}
		}
		if t.err != nil {
			return t
		}
	}
	return t
}

func (w selectionWalk) fragment(name string, def *ast.FragmentDefinition, depth int) tally {
	key := fragmentAt{name, depth}
	if t, ok := w.memo[key]; ok {
		return t
	}
	w.memo[key] = tally{} // validation refuses cycles; this also ends one
	t := w.set(def.SelectionSet, depth)
	w.memo[key] = t
	return t
}

// field tallies one field and what it selects.
func (w selectionWalk) field(f *ast.Field, depth int) tally {
	var t tally
	if f.Alias != "" && f.Alias != f.Name {
		t.aliases = 1
	}
	if f.ObjectDefinition != nil && introspectionLists[f.ObjectDefinition.Name+"."+f.Name] {
		t.introspection = 1
	}
	if strings.HasPrefix(f.Name, "__") || (f.ObjectDefinition != nil && strings.HasPrefix(f.ObjectDefinition.Name, "__")) {
		// Introspection: no cost and no depth (it is switched on or off as
		// a whole, and its lists may appear once), but its aliases and
		// spreads count.
		child := w.set(f.SelectionSet, depth+1)
		child.cost = 0
		t.add(child)
		return t
	}
	if depth > w.limits.MaxDepth {
		t.err = limitError(benkan.ETOODEEP, f, "the query nests deeper than %d levels", w.limits.MaxDepth)
		return t
	}
	n, err := w.pageSize(f)
	if err != nil {
		t.err = err
		return t
	}
	child := w.set(f.SelectionSet, depth+1)
	t.cost = satAdd(satAdd(1, w.aggregateCost(f)), satMul(n, child.cost))
	child.cost = 0
	t.add(child)
	if t.err == nil && t.cost > w.limits.MaxCost {
		t.err = limitError(benkan.ETOOCOMPLEX, f, "the query could resolve more than %d objects: ask for smaller pages or fewer nested connections", w.limits.MaxCost)
	}
	return t
}

// pageSize checks the pagination arguments of a connection field and returns
// how many nodes it may return (1 for other fields).
func (w selectionWalk) pageSize(f *ast.Field) (int, *gqlerror.Error) {
	if f.Definition == nil || f.Definition.Arguments.ForName("first") == nil {
		return 1, nil
	}
	args := f.ArgumentMap(w.oc.Variables)
	first, hasFirst := intArg(args, "first")
	last, hasLast := intArg(args, "last")
	switch {
	case hasFirst && hasLast:
		return 0, limitError(benkan.EINVALID, f, "%s: pass first or last, not both", f.Alias)
	case !hasFirst && !hasLast:
		if selectsAny(f.SelectionSet, "edges", "nodes") {
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

// rootKeys counts the response keys (aliases, or names) of the top-level
// fields of an operation: gqlgen resolves each once, however many times
// fragments select it.
func rootKeys(set ast.SelectionSet) int {
	keys := map[string]bool{}
	for _, f := range flatten(set) {
		keys[f.Alias] = true
	}
	return len(keys)
}

// selectsAny reports whether set selects a field of one of the names,
// directly or through fragments (each fragment looked into once).
func selectsAny(set ast.SelectionSet, names ...string) bool {
	for _, f := range flatten(set) {
		for _, n := range names {
			if f.Name == n {
				return true
			}
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

// walker gives other checks (Access) the fields of a selection set.
type walker struct {
	oc *graphql.OperationContext
}

// fields flattens fragments: the fields a selection set selects, through
// inline fragments and fragment spreads. A fragment spread twice in the
// same set is looked into once, as gqlgen's executor does: its fields are
// the same.
func (w walker) fields(set ast.SelectionSet) []*ast.Field { return flatten(set) }

func flatten(set ast.SelectionSet) []*ast.Field {
	var out []*ast.Field
	seen := map[string]bool{}
	var walk func(ast.SelectionSet)
	walk = func(set ast.SelectionSet) {
		for _, sel := range set {
			switch s := sel.(type) {
			case *ast.Field:
				out = append(out, s)
			case *ast.InlineFragment:
				walk(s.SelectionSet)
			case *ast.FragmentSpread:
				if s.Definition != nil && !seen[s.Name] {
					seen[s.Name] = true
					walk(s.Definition.SelectionSet)
				}
			}
		}
	}
	walk(set)
	return out
}
