package policy

import (
	"context"
	"fmt"

	"entgo.io/ent/entql"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
)

// someRows is a query for some rows of a type, by id, filterable with entql.
type someRows struct {
	where func(entql.P)
	exist func(context.Context) (bool, error)
	count func(context.Context) (int, error)
}

// byIDs filters q (through its filter f) to the rows ids, or to none of
// them if ids is empty (the caller filters otherwise).
func byIDs[Q interface {
	Exist(context.Context) (bool, error)
	Count(context.Context) (int, error)
}, F interface {
	Where(entql.P)
	WhereID(entql.StringP)
}](q Q, f F, ids []gid.ID) someRows {
	switch len(ids) {
	case 0:
	case 1:
		f.WhereID(entql.StringEQ(string(ids[0])))
	default:
		vs := make([]any, len(ids))
		for i, id := range ids {
			vs[i] = string(id)
		}
		f.Where(entql.FieldIn("id", vs...)) // every type's id column

	}
	return someRows{where: f.Where, exist: q.Exist, count: q.Count}
}

// rowQuery returns a query for the rows ids of typ (every row if none).
func rowQuery(c *ent.Client, typ string, ids ...gid.ID) (someRows, error) {
	switch typ {
	case "Activity":
		q := c.Activity.Query()
		return byIDs(q, q.Filter(), ids), nil
	case "Actor":
		q := c.Actor.Query()
		return byIDs(q, q.Filter(), ids), nil
	case "FollowUp":
		q := c.FollowUp.Query()
		return byIDs(q, q.Filter(), ids), nil
	case "Incident":
		q := c.Incident.Query()
		return byIDs(q, q.Filter(), ids), nil
	case "Involvement":
		q := c.Involvement.Query()
		return byIDs(q, q.Filter(), ids), nil
	case "Locality":
		q := c.Locality.Query()
		return byIDs(q, q.Filter(), ids), nil
	case "Organization":
		q := c.Organization.Query()
		return byIDs(q, q.Filter(), ids), nil
	case "Recommendation":
		q := c.Recommendation.Query()
		return byIDs(q, q.Filter(), ids), nil
	case "User":
		q := c.User.Query()
		return byIDs(q, q.Filter(), ids), nil
	case "ViolationType":
		q := c.ViolationType.Query()
		return byIDs(q, q.Filter(), ids), nil
	}
	return someRows{}, fmt.Errorf("policy: no row query for type %s", typ)
}

// anyRow reports whether some row of typ (among ids, or any if none)
// satisfies p (nil: every row), read past every rule: the one question the
// mutation checks and explain ask of the database. what says what the
// question was for in the error.
func anyRow(ctx context.Context, c *ent.Client, typ string, p entql.P, what string, ids ...gid.ID) (bool, error) {
	q, err := rowQuery(c, typ, ids...)
	if err != nil {
		return false, err
	}
	if p != nil {
		q.where(p)
	}
	ok, err := q.exist(SystemContext(ctx))
	if err != nil {
		return false, fmt.Errorf("policy: %s: %w", what, err)
	}
	return ok, nil
}
