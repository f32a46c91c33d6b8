package policy

import (
	"fmt"
	"slices"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
)

// MayFilter returns a FORBIDDEN error naming the first field or edge that
// the filter reads and v may not filter on, or nil. A filter may read a
// field only if v may read it on every row it sees (FullyReadable): on a
// row where the field is hidden, whether the row matches would tell its
// value. It may look through an edge only if the edge itself is readable
// so, and the edge's subquery searches only rows v sees (FiltersThrough):
// otherwise whether a row has a matching neighbour would tell of rows
// hidden from v.
//
// The filter is the typed value gqlgen unmarshalled, after GraphQL input
// coercion, so that what is decided is what will run, however the client
// wrote it (inline, in variables, through fragments, as a list or as a
// single object); it is walked field by field, down every nested filter.
func (v *Viewer) MayFilter(filter ent.FilterReader) error {
	return filter.VisitReads(readCheck{v: v, verb: "filter on"})
}

// MayOrder is MayFilter for an ordering: ordering rows by a field tells
// how its values compare on rows where it may be hidden.
func (v *Viewer) MayOrder(order ent.FilterReader) error {
	return order.VisitReads(readCheck{v: v, verb: "order by"})
}

// MayFilterOn is MayFilter for one field of typ, for a filter that the
// generated WhereInputs do not have (a hand-written where field, such as
// AuditEventWhereInput.objectIdsContains), so that VisitReads cannot visit it.
func (v *Viewer) MayFilterOn(typ, field string) error {
	return readCheck{v: v, verb: "filter on"}.Field(typ, field)
}

// readCheck is the ent.FilterVisitor of MayFilter and MayOrder.
type readCheck struct {
	v    *Viewer
	verb string
}

// Field implements ent.FilterVisitor.
func (c readCheck) Field(typ, field string) error {
	if field == "id" || c.v.FullyReadable(typ, field) {
		return nil
	}
	return c.refuse(typ, field, "")
}

// Edge implements ent.FilterVisitor.
func (c readCheck) Edge(typ, edge, target string) error {
	if !c.v.FullyReadable(typ, edge) {
		return c.refuse(typ, edge, "")
	}
	if !c.v.FiltersThrough(typ, edge, target) {
		return c.refuse(typ, edge, fmt.Sprintf(" (some %s objects are hidden from you)", target))
	}
	return nil
}

func (c readCheck) refuse(typ, field, why string) error {
	return &benkan.Error{
		Code:    benkan.EFORBIDDEN,
		Field:   typ + "." + field,
		Message: fmt.Sprintf("you may not %s %s.%s%s", c.verb, typ, field, why),
	}
}

// MayAggregateFilter is MayFilter for the filter of an aggregate (the
// where of a count, for a role that counts exactly): every field and edge
// it reads must be one v may aggregate (MayAggregateField), for a count
// reaches rows v may not read, whose fields a filter would otherwise
// tell. Sensitive and identifying fields (Audited) never: a count by
// them would be a read of them, which the audit log does not see. A
// field of a type v reads whole and fully (Locality.name,
// ViolationType.code, through an edge) is fine too: it tells nothing v
// does not read anyway. An id only over rows v may read
// (countsOnlyReadable).
func (v *Viewer) MayAggregateFilter(filter ent.FilterReader) error {
	return filter.VisitReads(aggregateCheck{v: v})
}

// aggregateCheck is the ent.FilterVisitor of MayAggregateFilter.
type aggregateCheck struct{ v *Viewer }

func (c aggregateCheck) may(typ, field string) bool {
	if field == "id" {
		// An id names one row: a count filtered by it is that row's
		// status, types and dates, grouped. Only over rows v may read.
		return c.v.countsOnlyReadable(typ)
	}
	if c.v.Audited(typ, field) || isCollector(typ, field) {
		// Counts are never filtered by sensitive or identifying fields,
		// nor by who recorded a row, whatever the field groups say.
		return false
	}
	return c.v.MayAggregateField(typ, field) || c.v.SeesAll(typ) && c.v.FullyReadable(typ, field)
}

// Field implements ent.FilterVisitor.
func (c aggregateCheck) Field(typ, field string) error {
	if c.may(typ, field) {
		return nil
	}
	return readCheck{v: c.v, verb: "filter counts by"}.refuse(typ, field, "")
}

// Edge implements ent.FilterVisitor.
func (c aggregateCheck) Edge(typ, edge, _ string) error {
	if c.may(typ, edge) {
		return nil
	}
	return readCheck{v: c.v, verb: "filter counts by"}.refuse(typ, edge, "")
}

// countsOnlyReadable reports whether every row of typ that v may count is
// one it may read: v reads every row of typ, or each of its aggregate
// grants of the type's rows is matched, in the same assignment, by a read
// grant of the type's rows whose scope is at least as wide. Then a count
// filtered by id (which isolates single rows) tells nothing v cannot read
// anyway; otherwise (a monitor counts every incident of its localities and
// reads only some) an id would let it count one incident it may not read
// and learn its status and types from the cells.
func (v *Viewer) countsOnlyReadable(typ string) bool {
	if v.SeesAll(typ) {
		return true
	}
	seen := false
	for _, a := range v.Assignments {
		for _, agg := range a.Grants {
			if agg.Action != ActionAggregate || !agg.coversType(typ, false) {
				continue
			}
			seen = true
			if !slices.ContainsFunc(a.Grants, func(r *Grant) bool {
				return r.Action == ActionRead && r.coversType(typ, false) && r.Scope.within(agg.Scope)
			}) {
				return false
			}
		}
	}
	return seen
}
