package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"entgo.io/ent/entql"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
)

// RowRef names the row an expectation decides on: a type and the value of
// its unique field (an incident by reference, a user by subject, an
// organization by name, a violation type by code), stable across loads of
// the same data, or a global id, which names one row of one database.
type RowRef struct {
	// Type and Key are the row's type and the value of its unique field
	// (Field, as ent names it), when the row is named by its key.
	Type, Field, Key string
	// ID is the row's global id, when the row is named by its id.
	ID gid.ID
}

// IsZero reports whether r names no row: a five-value expectation.
func (r RowRef) IsZero() bool { return r.ID == "" && r.Type == "" }

// String writes r as an expectations file does.
func (r RowRef) String() string {
	if r.ID != "" {
		return string(r.ID)
	}
	return r.Type + " " + r.Key
}

// parseRowRef reads the sixth value of an expectation, on object: "TYPE
// KEY" for a type whose ent schema has one unique field (ent.UniqueFields),
// or a global id.
func parseRowRef(v, object string) (RowRef, error) {
	typ := object
	if i := strings.IndexAny(object, ".:"); i >= 0 {
		typ = object[:i]
	}
	if typ == "*" || typ == policy.PolicyObject {
		return RowRef{}, fmt.Errorf("row %q: %s has no rows: name a type (Incident, Incident.narrative…) to decide on a row", v, object)
	}
	if name, key, ok := strings.Cut(v, " "); ok {
		key = strings.TrimSpace(key)
		if name != typ {
			return RowRef{}, fmt.Errorf("row %q: the object is of type %s, the row of type %s", v, typ, name)
		}
		if key == "" {
			return RowRef{}, fmt.Errorf("row %q: write TYPE KEY or an id", v)
		}
		unique := ent.UniqueFields[typ]
		if len(unique) != 1 {
			return RowRef{}, fmt.Errorf("row %q: %s has no unique field to name its rows by: give the row's id", v, typ)
		}
		return RowRef{Type: typ, Field: unique[0], Key: key}, nil
	}
	id := gid.ID(v)
	if id.Validate() != nil {
		return RowRef{}, fmt.Errorf("row %q: write TYPE KEY (e.g. Incident NIO-2023-0042) or a row's id", v)
	}
	if _, err := ent.IDToType(context.Background(), id); err != nil {
		return RowRef{}, fmt.Errorf("row %q: no type has ids with the prefix %q", v, id.Prefix())
	}
	return RowRef{ID: id}, nil
}

// resolve returns the id of the row r names, read through c past every
// rule; "" with no error when no row has that key (or id).
func (r RowRef) resolve(ctx context.Context, c *ent.Client) (gid.ID, error) {
	sys := policy.SystemContext(ctx)
	if r.ID != "" {
		n, err := c.Noder(sys, r.ID, ent.WithNodeType(ent.IDToType))
		switch {
		case ent.IsNotFound(err) || err == nil && n == nil:
			return "", nil
		case err != nil:
			return "", fmt.Errorf("look up row %s: %w", r.ID, err)
		}
		return r.ID, nil
	}
	where := entql.FieldEQ(r.Field, r.Key)
	var ids []gid.ID
	var err error
	switch r.Type {
	case "Incident":
		q := c.Incident.Query()
		q.Filter().Where(where)
		ids, err = q.IDs(sys)
	case "Organization":
		q := c.Organization.Query()
		q.Filter().Where(where)
		ids, err = q.IDs(sys)
	case "User":
		q := c.User.Query()
		q.Filter().Where(where)
		ids, err = q.IDs(sys)
	case "ViolationType":
		q := c.ViolationType.Query()
		q.Filter().Where(where)
		ids, err = q.IDs(sys)
	case "AuditEvent": // by its place in the chain, a number
		seq, perr := strconv.ParseInt(r.Key, 10, 64)
		if perr != nil {
			return "", nil
		}
		q := c.AuditEvent.Query()
		q.Filter().Where(entql.Int64EQ(seq).Field(r.Field))
		ids, err = q.IDs(sys)
	default:
		return "", fmt.Errorf("policy tests: no lookup of %s rows by %s", r.Type, r.Field)
	}
	if err != nil {
		return "", fmt.Errorf("look up %s: %w", r, err)
	}
	if len(ids) == 0 {
		return "", nil
	}
	return ids[0], nil
}

// missing says that r names no row.
func (r RowRef) missing() string {
	if r.ID != "" {
		return fmt.Sprintf("no row has the id %s", r.ID)
	}
	return fmt.Sprintf("no %s has the %s %q", r.Type, benkan.GraphQLName(r.Field), r.Key)
}
