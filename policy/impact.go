package policy

import (
	"context"
	"fmt"

	"entgo.io/ent/entql"

	"github.com/benkan-project/benkan/ent"
)

// This file holds what the impact of a policy change (policy/store's
// Impact) asks of the decision side: the viewer a subject would get from a
// set of lines, how many rows of a type two such viewers see, and how each
// reads a field. The impact compares the viewers a request would get before
// and after the change, built by Casbin from the two line sets, so that it
// shows what the policy would decide, not a second reading of its lines.

// ViewerFor returns the viewer target would have under the engine's policy,
// for an impact rather than a request: for a user (Subject), the viewer a
// request of the user gets (uncached); for a role, that of a hypothetical
// holder of it in the domain, as Preview builds it, with no preview mark
// and no audit event (the impact's caller records nothing read). A role the
// lines do not name is not an error here: its holder holds nothing, which is
// what a role deleted (or not created yet) gives.
func (e *Engine) ViewerFor(ctx context.Context, target PreviewTarget) (*Viewer, error) {
	if target.Subject != "" {
		return e.build(ctx, target.Subject)
	}
	e.mu.RLock()
	lines, groups, domains, loaded := e.lines, e.groups, e.domains, e.loaded
	e.mu.RUnlock()
	if !loaded {
		return nil, fmt.Errorf("impact: the engine has no policy")
	}
	return e.holder(ctx, target, lines, groups, domains)
}

// Audited reports whether reading field of typ is audited under the
// engine's policy: whether it belongs to an identifying or sensitive group
// (see Viewer.Audited), whoever reads it.
func (e *Engine) Audited(typ, field string) bool {
	e.mu.RLock()
	groups := e.groups
	e.mu.RUnlock()
	return len(groups.audit(typ, field)) > 0
}

// RowChange is how the rows of one type that two viewers see compare.
type RowChange struct {
	// Before and After are the rows the first and the second viewer see.
	Before, After int
	// Gained are the rows the second sees and the first does not; Lost
	// the reverse. Both can be non-zero: a change can show some rows and
	// hide others.
	Gained, Lost int
}

// CompareRows counts the rows of typ that before and after may read, as
// their compiled row filters (the WHERE a request's query gets) select
// them, in one SQL statement over c, past every rule: counts only, no row
// is loaded. It runs no statement when neither viewer sees any row of typ,
// and reports whether it ran one.
func CompareRows(ctx context.Context, c *ent.Client, typ string, before, after *Viewer) (RowChange, bool, error) {
	b, a := before.Filter(ActionRead, typ), after.Filter(ActionRead, typ)
	if b == never && a == never {
		return RowChange{}, false, nil
	}
	n, err := c.CountRows(SystemContext(ctx), typ, or(b, a),
		ent.RowCondition{Holds: holds(b)},
		ent.RowCondition{Holds: holds(a)},
		ent.RowCondition{Holds: holds(a), HoldsNot: holds(b)},
		ent.RowCondition{Holds: holds(b), HoldsNot: holds(a)},
	)
	if err != nil {
		return RowChange{}, true, fmt.Errorf("policy: compare the rows of %s: %w", typ, err)
	}
	return RowChange{Before: n[0], After: n[1], Gained: n[2], Lost: n[3]}, true, nil
}

// holds is a filter as a RowCondition's list; nil (every row) stays a
// predicate, true of every row, so that "not before" of a viewer that sees
// every row excludes them all.
func holds(p entql.P) []entql.P { return []entql.P{p} }

// FieldAccess is how a viewer reads a field of a type, as the policy's
// field facts say whatever the data.
type FieldAccess string

// The ways a viewer may read a field.
const (
	// FieldNone: on no row (the field resolves to null, listed as masked).
	FieldNone FieldAccess = "none"
	// FieldSome: on some of the rows the viewer sees, those of an
	// assignment that grants both the row and the field.
	FieldSome FieldAccess = "some"
	// FieldAll: on every row the viewer sees (FullyReadable), so that it
	// may also filter and order by it.
	FieldAll FieldAccess = "all"
)

// ReadsField says how v reads field (its GraphQL name) of typ: on every
// row it sees (FullyReadable), on some (an assignment that sees rows of
// typ grants the field, as CanReadField decides it on a row), or on none.
func (v *Viewer) ReadsField(typ, field string) FieldAccess {
	if v.FullyReadable(typ, field) {
		return FieldAll
	}
	for _, a := range v.Assignments {
		if a.filters[ActionRead][typ] == never {
			continue
		}
		for _, g := range a.Grants {
			if g.Action == ActionRead && g.coversField(v.groups, typ, field) {
				return FieldSome
			}
		}
	}
	return FieldNone
}

// fieldRows is the rows of typ on which v reads field, as a row filter:
// for each assignment, the rows it sees on which one of its grants of the
// field holds (the two conditions CanReadField checks on a loaded row),
// or every row v sees for a FullyReadable field. An atom that a field
// decision cannot check on a row (own_unit) holds here as it does in SQL,
// so the filter may select rows on which a request would mask the field:
// it can only overstate what is read, which for a warning is the safe way.
func (v *Viewer) fieldRows(typ, field string) entql.P {
	if v.FullyReadable(typ, field) {
		return v.Filter(ActionRead, typ)
	}
	c := &compiler{v: v}
	var any []entql.P
	for _, a := range v.Assignments {
		rows, ok := a.filters[ActionRead][typ]
		if !ok || rows == never {
			continue
		}
		var grants []entql.P
		for _, g := range a.Grants {
			if g.Action == ActionRead && g.coversField(v.groups, typ, field) {
				grants = append(grants, c.scope(typ, g))
			}
		}
		if len(grants) > 0 {
			any = append(any, and(rows, or(grants...)))
		}
	}
	return or(any...)
}

// FieldRowsGained counts, for each of fields of typ, the rows on which
// after reads the field and before does not (see fieldRows), in one SQL
// statement over c, past every rule: whether a field that before read on
// some rows is read on more rows after, which the field's access (some,
// before and after) does not tell. It runs no statement when after reads
// none of the fields on any row, and reports whether it ran one.
func FieldRowsGained(ctx context.Context, c *ent.Client, typ string, fields []string, before, after *Viewer) ([]int, bool, error) {
	out := make([]int, len(fields))
	var wheres []entql.P
	var conds []ent.RowCondition
	var at []int
	for i, f := range fields {
		a := after.fieldRows(typ, f)
		if a == never {
			continue
		}
		wheres = append(wheres, a)
		conds = append(conds, ent.RowCondition{Holds: holds(a), HoldsNot: holds(before.fieldRows(typ, f))})
		at = append(at, i)
	}
	if len(conds) == 0 {
		return out, false, nil
	}
	n, err := c.CountRows(SystemContext(ctx), typ, or(wheres...), conds...)
	if err != nil {
		return nil, true, fmt.Errorf("policy: count the rows of %s whose fields become readable: %w", typ, err)
	}
	for j, i := range at {
		out[i] = n[j]
	}
	return out, true, nil
}
