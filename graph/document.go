package graph

import "github.com/vektah/gqlparser/v2/ast"

// eachField calls fn for every field of a selection set and below it, in
// document order, looking into each fragment once whatever the number of
// its spreads (a field's arguments do not depend on where its fragment is
// spread), and stops at fn's first error. The checks that must see a whole
// operation before it runs (its filters, its cursors, introspection) walk
// it with this, so that a document of fragments spread into fragments costs
// its size, never its expansion.
func eachField(set ast.SelectionSet, fn func(*ast.Field) error) error {
	seen := map[string]bool{}
	var walk func(ast.SelectionSet) error
	walk = func(set ast.SelectionSet) error {
		for _, sel := range set {
			var inner ast.SelectionSet
			switch s := sel.(type) {
			case *ast.Field:
				if err := fn(s); err != nil {
					return err
				}
				inner = s.SelectionSet
			case *ast.InlineFragment:
				inner = s.SelectionSet
			case *ast.FragmentSpread:
				if s.Definition == nil || seen[s.Name] {
					continue
				}
				seen[s.Name] = true
				inner = s.Definition.SelectionSet
			}
			if err := walk(inner); err != nil {
				return err
			}
		}
		return nil
	}
	return walk(set)
}
