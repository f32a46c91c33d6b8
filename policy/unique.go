package policy

import (
	"context"
	"fmt"
	"strings"

	"entgo.io/ent/entql"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
)

// checkUnique refuses a create or update that sets (or clears) a field
// whose value is unique in the ent schema (ent.UniqueFields: an incident's
// reference, a violation type's code…), unless the viewer reads every row
// of the type and that field on each (SeesAll, FullyReadable). For such a
// viewer a CONFLICT says nothing it could not read; for any other, a
// collision would tell it that a row it may not see holds the value. The
// refusal is FORBIDDEN naming the field, whatever the value, so that it
// does not depend on what exists either. (An incident created without a
// reference gets one from the server.)
func (v *Viewer) checkUnique(m ent.Mutation) error {
	typ := m.Type()
	for _, f := range ent.UniqueFields[typ] {
		if _, set := m.Field(f); !set && !m.FieldCleared(f) {
			continue
		}
		name := benkan.GraphQLName(f)
		if v.SeesAll(typ) && v.FullyReadable(typ, name) {
			continue
		}
		return &benkan.Error{Code: benkan.EFORBIDDEN, Field: name,
			Message: fmt.Sprintf("you may not choose the %s of %s objects: it is unique, and you do not see every %s", name, typ, typ)}
	}
	return nil
}

// checkUniqueIndexes looks, before the write, for a row that repeats the
// values the mutation leaves in every column of a unique index of several
// columns (ent.UniqueIndexes: an actor's role in an incident). A viewer
// that reads every row of the type, and those columns, may learn of it
// from the CONFLICT. For another viewer, a colliding row it reads gives
// the same CONFLICT (it tells nothing new), and a colliding row it may not
// read gets the refusal a write there gets anyway: the columns of the index
// include the row's parent and the facts its rules test, so the new row
// would be hidden too, and a row a role may not read is not one it may
// create (FORBIDDEN, "you may not create this …", as from the check after
// the write). An index with a column the mutation cannot tell (an edge
// without a field) is refused to such a viewer whenever the mutation sets
// one of its columns.
func (v *Viewer) checkUniqueIndexes(ctx context.Context, m ent.Mutation, act string, id gid.ID) error {
	typ := m.Type()
	for _, cols := range ent.UniqueIndexes[typ] {
		if v.SeesAll(typ) && v.readsColumns(typ, cols) {
			continue
		}
		touched, complete := false, true
		var where []entql.P
		for _, c := range cols {
			val, ok := m.Field(c)
			switch {
			case ok:
				touched = true
			case m.Op().Is(ent.OpUpdateOne):
				old, err := m.OldField(ctx, c)
				if err != nil { // not a field: an edge column
					complete = false
					continue
				}
				val = old
			default:
				complete = false
				continue
			}
			where = append(where, entql.FieldEQ(c, val))
		}
		if !touched {
			continue
		}
		if !complete {
			return mayNotLeave(act, typ)
		}
		if act == ActionUpdate {
			where = append(where, entql.Not(entql.FieldEQ("id", string(id))))
		}
		p := and(where...)
		taken, err := existsWhere(ctx, m, p)
		if err != nil || !taken {
			return err
		}
		seen, err := existsWhere(ctx, m, and(p, v.Filter(ActionRead, typ)))
		if err != nil {
			return err
		}
		if !seen {
			return mayNotLeave(act, typ)
		}
	}
	return nil
}

// readsColumns reports whether v reads the columns of typ on every row it
// sees (an edge column by the edge's name: incident_id is incident).
func (v *Viewer) readsColumns(typ string, cols []string) bool {
	for _, c := range cols {
		if !v.FullyReadable(typ, benkan.GraphQLName(strings.TrimSuffix(c, "_id"))) {
			return false
		}
	}
	return true
}

// existsWhere reports whether a row of m's type satisfies p, reading
// through m's client (inside its transaction) as benkan itself.
func existsWhere(ctx context.Context, m ent.Mutation, p entql.P) (bool, error) {
	if p == never {
		return false, nil
	}
	client, err := clientOf(m)
	if err != nil {
		return false, err
	}
	return anyRow(ctx, client, m.Type(), p, "look for a "+m.Type()+" with the same unique values")
}
