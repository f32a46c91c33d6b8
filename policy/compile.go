package policy

import (
	"entgo.io/ent/entql"
)

// Actions a grant can name.
const (
	ActionRead   = "read"
	ActionCreate = "create"
	ActionUpdate = "update"
)

var actions = []string{ActionRead, ActionCreate, ActionUpdate}

// compiler builds a viewer's row filters.
type compiler struct {
	v *Viewer
}

// compile builds every row filter of v, for every action and type, so that
// the viewer is immutable afterwards.
func (v *Viewer) compile() {
	v.filters = make(map[string]map[string]entql.P, len(actions))
	c := &compiler{v: v}
	for _, act := range actions {
		v.filters[act] = make(map[string]entql.P, len(Types))
		for _, typ := range Types {
			v.filters[act][typ] = c.build(act, typ)
		}
	}
}

// read returns the read filter of a type built earlier in Types order.
func (c *compiler) read(typ string) entql.P {
	return c.v.filters[ActionRead][typ]
}

// build is the filter for act on typ: the rows at least one grant covers,
// and, for types with a parent, only with a parent the viewer may read.
func (c *compiler) build(act, typ string) entql.P {
	var any []entql.P
	granted := false
	for _, a := range c.v.Assignments {
		for _, g := range a.Grants {
			if g.Action != act || !g.coversType(typ, act == ActionUpdate) {
				continue
			}
			granted = true
			any = append(any, c.scope(typ, g))
		}
	}
	if !granted {
		return never
	}
	p := or(any...)
	return and(p, c.parent(typ))
}

// parent is the predicate "the row's parent is readable" of a type with a
// parent (see parents), or nil. The parent edge is required, so a parent
// readable without condition needs no predicate.
func (c *compiler) parent(typ string) entql.P {
	edge, ok := parents[typ]
	if !ok {
		return nil
	}
	if p := c.read(parentType[typ]); p != nil {
		return hasEdgeWith(edge, p)
	}
	return nil
}

// scope is the predicate of one grant's scope on typ.
func (c *compiler) scope(typ string, g *Grant) entql.P {
	var all []entql.P
	for _, name := range g.Scope {
		all = append(all, atoms[typ][name].sql(c, g.assignment))
	}
	return and(all...)
}

// or joins predicates; nil (every row) absorbs the others.
func or(ps ...entql.P) entql.P {
	var keep []entql.P
	for _, p := range ps {
		if p == nil {
			return nil
		}
		if p != never {
			keep = append(keep, p)
		}
	}
	switch len(keep) {
	case 0:
		return never
	case 1:
		return keep[0]
	}
	return entql.Or(keep[0], keep[1], keep[2:]...)
}

// and joins predicates; nil (every row) is left out, never absorbs.
func and(ps ...entql.P) entql.P {
	var keep []entql.P
	for _, p := range ps {
		if p == never {
			return never
		}
		if p != nil {
			keep = append(keep, p)
		}
	}
	switch len(keep) {
	case 0:
		return nil
	case 1:
		return keep[0]
	}
	return entql.And(keep[0], keep[1], keep[2:]...)
}

// hasEdgeWith is entql.HasEdgeWith for a possibly unrestricted predicate.
func hasEdgeWith(edge string, p entql.P) entql.P {
	switch p {
	case nil:
		return entql.HasEdge(edge)
	case never:
		return never
	}
	return entql.HasEdgeWith(edge, p)
}

// Filter returns the predicate of the rows of typ that v may act on with
// act: nil for every row. A type v holds no grant for gets a predicate no
// row satisfies.
func (v *Viewer) Filter(act, typ string) entql.P {
	if p, ok := v.filters[act][typ]; ok {
		return p
	}
	return never
}
