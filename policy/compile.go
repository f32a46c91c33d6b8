package policy

import (
	"slices"

	"entgo.io/ent/entql"
)

// compiler builds a viewer's row filters.
type compiler struct {
	v *Viewer
	// under is the type whose rows the filtered rows are eager-loaded for
	// (see Loads), or "" for a query of its own.
	under string
	// holds names an atom ("Involvement.perpetrators") the filters are
	// built for rows already known to satisfy (see readAssuming).
	holds string
}

// compile builds every row filter of v, for every action and type, so that
// the viewer is immutable afterwards. Each assignment gets filters of its
// own, built from its grants alone (an involvement it sees must belong to an
// incident that same assignment sees); the viewer's filter is their union.
// Roles therefore never combine into rows that neither grants.
func (v *Viewer) compile() {
	v.filters = make(map[string]map[string]entql.P, len(Actions))
	c := &compiler{v: v}
	for _, a := range v.Assignments {
		a.filters = make(map[string]map[string]entql.P, len(Actions))
		a.assuming = map[string]entql.P{}
	}
	for _, act := range Actions {
		v.filters[act] = make(map[string]entql.P, len(Types))
		for _, typ := range Types {
			var any []entql.P
			for _, a := range v.Assignments {
				p := c.build(a, act, typ)
				if a.filters[act] == nil {
					a.filters[act] = map[string]entql.P{}
				}
				a.filters[act][typ] = p
				any = append(any, p)
				if act == ActionRead {
					for _, atom := range assumed[typ] {
						d := &compiler{v: v, holds: typ + "." + atom}
						a.assuming[typ+"."+atom] = d.build(a, act, typ)
					}
				}
			}
			v.filters[act][typ] = or(any...)
		}
	}
	v.compileUnder()
}

// compileUnder builds the read filters of rows eager-loaded as the edges of
// rows the viewer sees (see Loads), for a viewer with one assignment: its
// parent rows were filtered by that assignment already, so the conditions
// that only repeat that filter (an involvement's incident is readable; an
// actor is involved through an involvement it sees) are left out. For
// several assignments they stay: a row one assignment shows must not vouch
// for another assignment's children.
func (v *Viewer) compileUnder() {
	if len(v.Assignments) != 1 {
		return
	}
	a := v.Assignments[0]
	v.under = map[string]map[string]entql.P{}
	for typ, unders := range loadedUnder {
		for _, under := range unders {
			c := &compiler{v: v, under: under}
			if v.under[under] == nil {
				v.under[under] = map[string]entql.P{}
			}
			v.under[under][typ] = c.build(a, ActionRead, typ)
		}
	}
}

// read returns the read filter of a's rows of typ, built earlier in Types
// order.
func (c *compiler) read(a *Assignment, typ string) entql.P {
	if p, ok := a.filters[ActionRead][typ]; ok {
		return p
	}
	return never
}

// build is a's filter for act on typ: the rows one of its grants covers,
// and, for types with a parent, only with a parent a may read.
func (c *compiler) build(a *Assignment, act, typ string) entql.P {
	var any []entql.P
	for _, g := range a.Grants {
		if g.Action == act && g.coversType(typ, act == ActionUpdate) {
			any = append(any, c.scope(typ, g))
		}
	}
	if len(any) == 0 {
		return never
	}
	return and(or(any...), c.parent(a, act, typ))
}

// parent is the predicate "the row's parent is readable by a" (for
// aggregate: "may be counted by a") of a type with a parent (see
// parents), or nil. The parent edge is required, so a
// parent readable without condition needs no predicate.
func (c *compiler) parent(a *Assignment, act, typ string) entql.P {
	edge, ok := parents[typ]
	if !ok || c.under == parentType[typ] {
		return nil
	}
	p := c.read(a, parentType[typ])
	if act == ActionAggregate {
		// A child is counted with a parent the role may count, which it
		// need not read (an involvement of an incident it counts).
		p = never
		if q, ok := a.filters[ActionAggregate][parentType[typ]]; ok {
			p = q
		}
	}
	if p != nil {
		return hasEdgeWith(edge, p)
	}
	return nil
}

// readAssuming is a's read filter of typ for rows already known to satisfy
// the atom of typ, built by compile for the pairs of assumed: the atom is
// left out of every scope. A condition that requires the atom and a
// readable row then says each once ("an alleged perpetrator the viewer may
// read" needs no "…or an alleged perpetrator" inside), which PostgreSQL
// plans faster.
func (c *compiler) readAssuming(a *Assignment, typ, atom string) entql.P {
	if p, ok := a.assuming[typ+"."+atom]; ok {
		return p
	}
	return c.read(a, typ)
}

// scope is the predicate of one grant's scope on typ.
func (c *compiler) scope(typ string, g *Grant) entql.P {
	var all []entql.P
	for _, name := range g.Scope {
		if c.holds == typ+"."+name || isProtection(name) {
			continue // protected(K) says how rows are counted, not which
		}
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

// FilterUnder is the read filter of the rows of typ that are edges of rows
// of under the viewer reads: Filter(ActionRead, typ) without the conditions
// that only repeat the parent's filter, for a statement that applies the
// parent's read filter itself (the aggregates' count of the rows a role
// reads, aggregate.PublishSeen, joins involvements and actors to incidents
// it checks apart). With several assignments it is the whole filter.
func (v *Viewer) FilterUnder(under, typ string) entql.P { return v.filterUnder(under, typ) }

// filterUnder is Filter(ActionRead, typ) for rows eager-loaded as the edges
// of rows of under the viewer sees.
func (v *Viewer) filterUnder(under, typ string) entql.P {
	if p, ok := v.under[under][typ]; ok {
		return p
	}
	return v.Filter(ActionRead, typ)
}

// SeesAll reports whether v may read every row of typ. Filters that look
// through an edge (hasInvolvementsWith…) run as SQL subqueries that no row
// filter reaches, so they are allowed only into types the viewer sees whole.
func (v *Viewer) SeesAll(typ string) bool {
	return v.Filter(ActionRead, typ) == nil
}

// adjacent lists, for an edge (Type.edge, GraphQL names), the scopes of the
// target type under which an assignment sees every target row next to a
// row of Type it sees: then a filter through that edge searches only rows
// the viewer sees.
var adjacent = map[string][]Scope{
	"Incident.involvements": {{}},               // involvements of a seen incident: all seen
	"Incident.followUps":    {{}},               // follow-ups likewise
	"Involvement.actor":     {{}, {"involved"}}, // the actor of a seen involvement
}

// FiltersThrough reports whether a filter on typ may look through edge into
// target: the viewer sees every target row (SeesAll), or the edge leads from
// a child to its parent (a child is seen only with its parent), or each
// assignment that sees rows of typ sees every target row next to them.
func (v *Viewer) FiltersThrough(typ, edge, target string) bool {
	if v.SeesAll(target) || parents[typ] == edge {
		return true
	}
	scopes, ok := adjacent[typ+"."+edge]
	if !ok {
		return false
	}
	for _, a := range v.Assignments {
		if a.filters[ActionRead][typ] == never {
			continue
		}
		covered := false
		for _, g := range a.Grants {
			if g.Action == ActionRead && g.coversType(target, false) && slices.ContainsFunc(scopes, func(s Scope) bool { return slices.Equal(s, g.Scope) }) {
				covered = true
				break
			}
		}
		if !covered {
			return false
		}
	}
	return true
}
