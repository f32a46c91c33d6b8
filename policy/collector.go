package policy

import (
	"context"
	"fmt"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
)

// Who recorded a row (the edges marked schema.CollectorAnnotation:
// Incident.collectedBy, Actor.collectedBy) is a fact the server knows: the
// viewer who creates the row. Row rules read it (a monitor sees its own
// submissions), so a client that could name someone else would hide its
// own records from itself, or lend them to another user. A grant of the
// type ("Incident, create") therefore does not cover it: setting it to
// another user on create, or changing it on update, needs a grant that
// names the field itself ("Incident.collectedBy, create") or "*".

// collectorOf returns the collector edge of typ (ent name and info).
func collectorOf(typ string) (string, ent.EdgeInfo, bool) {
	for name, e := range ent.Edges[typ] {
		if e.Collector {
			return name, e, true
		}
	}
	return "", ent.EdgeInfo{}, false
}

// isCollector reports whether field (GraphQL name) of typ is its collector.
func isCollector(typ, field string) bool {
	name, _, ok := collectorOf(typ)
	return ok && benkan.GraphQLName(name) == field
}

// foreignCollector reports whether a create m names as collector a user
// other than the viewer, and the collector's edge.
func (v *Viewer) foreignCollector(m ent.Mutation) (string, ent.EdgeInfo, bool) {
	name, e, ok := collectorOf(m.Type())
	if !ok || !m.Op().Is(ent.OpCreate) {
		return "", e, false
	}
	for _, id := range m.AddedIDs(name) {
		if id != ent.Value(v.UserID) {
			return name, e, true
		}
	}
	return "", e, false
}

// checkCollector refuses, before anything else is looked at, a create
// that names another user as collector when no grant of the viewer names
// that field for create: FORBIDDEN, whoever the user and whether it
// exists. A grant that names it is checked on the written row afterwards
// (collectorGranted), with its scope.
func (v *Viewer) checkCollector(m ent.Mutation) error {
	name, e, ok := v.foreignCollector(m)
	if !ok {
		return nil
	}
	for _, a := range v.Assignments {
		for _, g := range a.Grants {
			if g.Action == ActionCreate && g.namesField(m.Type(), benkan.GraphQLName(name)) {
				return nil
			}
		}
	}
	return collectorForbidden(m.Type(), e.Set)
}

// collectorGranted refuses a created row whose foreign collector (edge
// name) no grant naming the field covers (its scope, and its parent
// readable).
func (v *Viewer) collectorGranted(ctx context.Context, m ent.Mutation, id gid.ID, name string) error {
	ok, err := v.fieldGranted(ctx, m, id, ActionCreate, benkan.GraphQLName(name))
	if err != nil {
		return err
	}
	if !ok {
		return collectorForbidden(m.Type(), ent.Edges[m.Type()][name].Set)
	}
	return nil
}

// collectorForbidden is the refusal of a collector set to another user;
// field is the input field (collectedByID).
func collectorForbidden(typ, field string) error {
	return &benkan.Error{Code: benkan.EFORBIDDEN, Field: field,
		Message: fmt.Sprintf("you may not record %s objects in another user's name: leave %s out", typ, field)}
}

// defaultCollector makes the viewer the collector of a row it creates
// without naming one.
func (v *Viewer) defaultCollector(m ent.Mutation) error {
	name, e, ok := collectorOf(m.Type())
	if !ok || !m.Op().Is(ent.OpCreate) || len(m.AddedIDs(name)) > 0 || v.IsAnonymous() {
		return nil
	}
	if err := m.SetField(e.Field, v.UserID); err != nil {
		return fmt.Errorf("policy: set %s of %s to the viewer: %w", e.Field, m.Type(), err)
	}
	return nil
}
