package policy

import (
	"context"
	"fmt"

	"entgo.io/ent/entql"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/gid"
)

// oneRow is a query for one row of some type, filterable with entql.
type oneRow struct {
	where func(entql.P)
	exist func(context.Context) (bool, error)
}

// one filters q (through its filter f) to the row id.
func one[Q interface {
	Exist(context.Context) (bool, error)
}, F interface {
	Where(entql.P)
	WhereID(entql.StringP)
}](q Q, f F, id gid.ID) oneRow {
	f.WhereID(entql.StringEQ(string(id)))
	return oneRow{where: f.Where, exist: q.Exist}
}

// rowQuery returns a query for the row id of typ.
func rowQuery(c *ent.Client, typ string, id gid.ID) (oneRow, error) {
	switch typ {
	case "Activity":
		q := c.Activity.Query()
		return one(q, q.Filter(), id), nil
	case "Actor":
		q := c.Actor.Query()
		return one(q, q.Filter(), id), nil
	case "FollowUp":
		q := c.FollowUp.Query()
		return one(q, q.Filter(), id), nil
	case "Incident":
		q := c.Incident.Query()
		return one(q, q.Filter(), id), nil
	case "Involvement":
		q := c.Involvement.Query()
		return one(q, q.Filter(), id), nil
	case "Locality":
		q := c.Locality.Query()
		return one(q, q.Filter(), id), nil
	case "Organization":
		q := c.Organization.Query()
		return one(q, q.Filter(), id), nil
	case "Recommendation":
		q := c.Recommendation.Query()
		return one(q, q.Filter(), id), nil
	case "User":
		q := c.User.Query()
		return one(q, q.Filter(), id), nil
	case "ViolationType":
		q := c.ViolationType.Query()
		return one(q, q.Filter(), id), nil
	}
	return oneRow{}, fmt.Errorf("policy: no row query for type %s", typ)
}
