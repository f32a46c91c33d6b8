package policy

import (
	"context"
	"fmt"
	"slices"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
)

// checkReferences refuses a mutation that names, in an edge it sets, adds
// or removes (a parent incident, an actor, a locality, violation types,
// addressees, a user…), a row the viewer may not read. The answer is
// NOT_FOUND, with the same message and field as for an id that names
// nothing at all, so that no id a client sends can tell it whether a row it
// may not see exists. It runs before the write, in the mutation's
// transaction, and asks the database once per edge. Which type each edge
// leads to comes from the ent schema (ent.Edges).
func (v *Viewer) checkReferences(ctx context.Context, m ent.Mutation) error {
	edges := ent.Edges[m.Type()]
	create := m.Op().Is(ent.OpCreate)
	for _, name := range m.AddedEdges() {
		e, ok := edges[name]
		if !ok {
			return fmt.Errorf("policy: %s has no edge %s in ent.Edges", m.Type(), name)
		}
		field := e.Add
		if create {
			field = e.Set
		}
		if err := v.readable(ctx, m, e.Target, field, m.AddedIDs(name)); err != nil {
			return err
		}
	}
	for _, name := range m.RemovedEdges() {
		e, ok := edges[name]
		if !ok {
			return fmt.Errorf("policy: %s has no edge %s in ent.Edges", m.Type(), name)
		}
		if err := v.readable(ctx, m, e.Target, e.Remove, m.RemovedIDs(name)); err != nil {
			return err
		}
	}
	return nil
}

// readable returns NOT_FOUND for field unless every id of values names a
// row of typ the viewer may read.
func (v *Viewer) readable(ctx context.Context, m ent.Mutation, typ, field string, values []ent.Value) error {
	ids := make([]gid.ID, 0, len(values))
	for _, val := range values {
		id, ok := val.(gid.ID)
		if !ok {
			return fmt.Errorf("policy: id %v of %s is a %T", val, field, val)
		}
		ids = append(ids, id)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) == 0 {
		return nil
	}
	p := v.Filter(ActionRead, typ)
	n := 0
	if p != never {
		client, err := clientOf(m)
		if err != nil {
			return err
		}
		q, err := rowQuery(client, typ, ids...)
		if err != nil {
			return err
		}
		if p != nil {
			q.where(p)
		}
		if n, err = q.count(SystemContext(ctx)); err != nil {
			return fmt.Errorf("policy: check %s of %s: %w", field, m.Type(), err)
		}
	}
	if n != len(ids) {
		return notFound(field)
	}
	return nil
}

// notFound is the answer to an input field whose id names no row the
// viewer may read: whether the row is missing or hidden, it is the same
// error, word for word.
func notFound(field string) error {
	return &benkan.Error{Code: benkan.ENOTFOUND, Field: field, Message: fmt.Sprintf("%s names nothing you may see", field)}
}
