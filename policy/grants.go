package policy

import (
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
)

// coversType reports whether g grants rows of typ. For updates, a grant on
// some fields of typ ("Recommendation.status") grants the rows too: which
// fields may change is checked apart (see CanChange).
func (g *Grant) coversType(typ string, fieldsToo bool) bool {
	if g.Object == "*" || g.Object == typ {
		return true
	}
	return fieldsToo && strings.HasPrefix(g.Object, typ+".") || fieldsToo && strings.HasPrefix(g.Object, typ+":")
}

// coversField reports whether g grants the field of typ, directly, by
// "Type.*", through a field group, or as "*".
func (g *Grant) coversField(groups Groups, typ, field string) bool {
	switch g.Object {
	case "*", typ + ".*", typ + "." + field:
		return true
	}
	return strings.HasPrefix(g.Object, typ+":") && groups.Has(typ+"."+field, g.Object)
}

// namesField reports whether g names the field of typ itself ("Type.field")
// or is "*": the grants that may set a field a type-level grant does not
// cover (see collector.go).
func (g *Grant) namesField(typ, field string) bool {
	return g.Object == "*" || g.Object == typ+"."+field
}

// Groups maps "Type.field" to the field groups it belongs to (g2 lines).
type Groups map[string][]string

// Has reports whether the field belongs to the group.
func (gs Groups) Has(field, group string) bool {
	for _, g := range gs[field] {
		if g == group {
			return true
		}
	}
	return false
}

// rowHolds decides a scope on a loaded row. An atom the row alone cannot
// decide (it needs other tables) counts as not holding: the row may have
// been loaded through another assignment's grant, and a field decision must
// never lend one role's fields to another role's rows. Fields that every
// assignment grants on all its rows are decided by FullyReadable instead.
func (s Scope) rowHolds(v *Viewer, a *Assignment, typ string, row any) bool {
	for _, name := range s {
		if at := atoms[typ][name]; at.row == nil || !at.row(v, a, row) {
			return false
		}
	}
	return true
}

// CanReadField reports whether v may read field of row, a loaded row of typ
// (as *ent.Incident etc.). One and the same assignment must grant both the
// row and the field, so that two roles never add up to more than either
// grants: a role's columns never reach rows that only another role shows.
func (v *Viewer) CanReadField(typ, field string, row any) bool {
	if field == "id" {
		return true
	}
	if v.FullyReadable(typ, field) {
		return true
	}
	row = deref(row)
	if row == nil {
		return false
	}
	for _, a := range v.Assignments {
		if a.readsRow(v, typ, row) && a.readsField(v, typ, field, row) {
			return true
		}
	}
	return false
}

func (a *Assignment) readsRow(v *Viewer, typ string, row any) bool {
	for _, g := range a.Grants {
		if g.Action == ActionRead && g.coversType(typ, false) && g.Scope.rowHolds(v, a, typ, row) {
			return true
		}
	}
	return false
}

func (a *Assignment) readsField(v *Viewer, typ, field string, row any) bool {
	for _, g := range a.Grants {
		if g.Action == ActionRead && g.coversField(v.groups, typ, field) && g.Scope.rowHolds(v, a, typ, row) {
			return true
		}
	}
	return false
}

// FullyReadable reports whether v may read field on every row of typ it
// sees: for each of its row grants, the same assignment grants the field
// with a scope at least as wide. Only such fields may be filtered or
// ordered on, since a filter would otherwise reveal values of rows where
// the field is hidden.
func (v *Viewer) FullyReadable(typ, field string) bool {
	return v.facts(typ, field).fullyReadable
}

// FieldFacts returns FullyReadable and Audited of a field at once, for the
// code that asks both of every field it resolves.
func (v *Viewer) FieldFacts(typ, field string) (fullyReadable, audited bool) {
	f := v.facts(typ, field)
	return f.fullyReadable, f.audited
}

// ReadsInverse reports whether the rows of the edge field of typ tell v
// nothing it may not read of them. An edge's rows answer the field that
// leads back (ent.Inverses): the rows of User.collectedIncidents are the
// incidents whose collectedBy is that user. Where that field is audited
// (an identifying or sensitive group), v must read it on every row it
// sees, as a filter on it requires (MayFilter); otherwise the edge is
// masked whole, its totalCount included, for the count says as much.
// Other fields are not concerned (true).
func (v *Viewer) ReadsInverse(typ, field string) bool {
	return !v.facts(typ, field).hidesInverse
}

// fieldKey names a field of a type.
type fieldKey struct{ typ, field string }

// fieldFacts are what a viewer's policy says of a field whatever the row.
// auditGroups are the audited groups of the field (see AuditGroups).
type fieldFacts struct {
	fullyReadable, audited bool
	auditGroups            []string
	// hidesInverse: the field is an edge whose rows tell an audited field
	// of theirs that the viewer does not read on every row (ReadsInverse).
	hidesInverse bool
}

// facts returns the facts of a field, computed once per viewer: they are
// asked for every field of every object of every response, so the cache is
// a map read without locks or allocation, replaced whole (copy on write) on
// the few misses.
func (v *Viewer) facts(typ, field string) fieldFacts {
	k := fieldKey{typ, field}
	if m := v.fieldFacts.Load(); m != nil {
		if f, ok := (*m)[k]; ok {
			return f
		}
	}
	groups := v.auditGroups1(typ, field)
	f := fieldFacts{fullyReadable: v.fullyReadable1(typ, field), audited: len(groups) > 0, auditGroups: groups}
	if inv, ok := ent.Inverses[typ][field]; ok {
		// Not through facts: the edge back has this one as its inverse.
		f.hidesInverse = len(v.auditGroups1(inv.Target, inv.Field)) > 0 && !v.fullyReadable1(inv.Target, inv.Field)
	}
	for {
		old := v.fieldFacts.Load()
		m := make(map[fieldKey]fieldFacts, 1+lenOf(old))
		if old != nil {
			maps.Copy(m, *old)
		}
		m[k] = f
		if v.fieldFacts.CompareAndSwap(old, &m) {
			return f
		}
	}
}

func lenOf(m *map[fieldKey]fieldFacts) int {
	if m == nil {
		return 0
	}
	return len(*m)
}

func (v *Viewer) fullyReadable1(typ, field string) bool {
	seen := false
	for _, a := range v.Assignments {
		for _, row := range a.Grants {
			if row.Action != ActionRead || !row.coversType(typ, false) {
				continue
			}
			seen = true
			covered := false
			for _, f := range a.Grants {
				if f.Action == ActionRead && f.coversField(v.groups, typ, field) && f.Scope.within(row.Scope) {
					covered = true
					break
				}
			}
			if !covered {
				return false
			}
		}
	}
	return seen
}

// deref turns what gqlgen hands field middleware as a parent (*T, **T, an
// interface such as ent.Noder, or a pointer to one) into *T, or nil.
func deref(x any) any {
	rv := reflect.ValueOf(x)
	for rv.IsValid() {
		switch {
		case rv.Kind() == reflect.Interface:
			rv = rv.Elem()
		case rv.Kind() == reflect.Pointer && !rv.IsNil() && (rv.Elem().Kind() == reflect.Pointer || rv.Elem().Kind() == reflect.Interface):
			rv = rv.Elem()
		case rv.Kind() == reflect.Pointer && rv.IsNil():
			return nil
		default:
			return rv.Interface()
		}
	}
	return nil
}

// Audited reports whether reading field of typ must be recorded in the
// audit log: the field belongs to a group named sensitive or identifying
// (Incident:sensitive, Actor:identifying) in the policy.
func (v *Viewer) Audited(typ, field string) bool {
	return v.facts(typ, field).audited
}

// AuditGroups returns the groups of the policy that make reading field of
// typ audited (e.g. [Incident:sensitive]), sorted, from the same cache as
// Audited; nil for a field that is not audited. The slice is shared: do
// not change it.
func (v *Viewer) AuditGroups(typ, field string) []string {
	return v.facts(typ, field).auditGroups
}

func (v *Viewer) auditGroups1(typ, field string) []string { return v.groups.audit(typ, field) }

// audit returns the identifying and sensitive groups field of typ belongs
// to, sorted: those that make reading it audited.
func (gs Groups) audit(typ, field string) []string {
	var out []string
	for _, g := range gs[typ+"."+field] {
		if strings.HasSuffix(g, ":sensitive") || strings.HasSuffix(g, ":identifying") {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// RowID returns the id of a row as handed to GraphQL field middleware
// (*ent.Incident, **ent.Incident, ent.Noder…).
func RowID(row any) (gid.ID, bool) {
	rv := reflect.ValueOf(deref(row))
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return "", false
	}
	f := rv.Elem().FieldByName("ID")
	if !f.IsValid() {
		return "", false
	}
	id, ok := f.Interface().(gid.ID)
	return id, ok
}
