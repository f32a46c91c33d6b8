package aggregate

import (
	"context"

	"entgo.io/ent/dialect/sql"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/policy"
)

// The dimensions of a count of people (involvements) of their own: the
// involvement's role and its actor's demographics. A count of people is
// also grouped by the dimensions of its incident (ByLocality,
// ByViolationType, ByStatus, ByPeriod), which mean what they mean for
// incidents.
const (
	// ByRole is the involvement's role; it needs aggregate on
	// Involvement.role.
	ByRole Dimension = "ROLE"
	// ByGender, ByAgeBracket and ByCategory are the actor's; they need
	// aggregate on Actor.gender, Actor.ageBracket, Actor.category.
	ByGender     Dimension = "GENDER"
	ByAgeBracket Dimension = "AGE_BRACKET"
	ByCategory   Dimension = "CATEGORY"
)

// Aliases of the involvements and actors joined to the incidents in a
// count of people.
const (
	invJoin   = "agg_iv"
	actorJoin = "agg_ac"
)

// peopleDims are the dimensions of an involvement and its actor: the
// column of the joined table (alias) that holds the key, and the field the
// policy must let the role aggregate to group by it.
var peopleDims = map[Dimension]struct {
	alias, column, typ, field string
}{
	ByRole:       {invJoin, involvement.FieldRole, "Involvement", "role"},
	ByGender:     {actorJoin, actor.FieldGender, "Actor", "gender"},
	ByAgeBracket: {actorJoin, actor.FieldAgeBracket, "Actor", "ageBracket"},
	ByCategory:   {actorJoin, actor.FieldCategory, "Actor", "category"},
}

// InvolvementQuery is one count of people: the involvements (an actor in
// one role in one incident) of the incidents an IncidentQuery would count.
// A person who is a victim of two incidents counts twice: benkan holds no
// identity of people across incidents. Its Where must be nil (a count of
// people has no generated filter).
type InvolvementQuery struct {
	IncidentQuery
	// Roles keeps the involvements of these roles (none: all).
	Roles []involvement.Role
}

// Involvements counts the involvements v may aggregate, in one SQL
// statement through c's driver: the cells of q and all their margins. An
// involvement is counted when v may aggregate it (the policy's aggregate
// filter of Involvement, which holds only under an incident v may
// aggregate), its incident (in the range and filters of q) and its actor:
// a role counts the people of the incidents it may count, never beyond.
func Involvements(ctx context.Context, c *ent.Client, v *policy.Viewer, q InvolvementQuery) (*Result, error) {
	k, err := checkInvolvements(v, &q)
	if err != nil {
		return nil, err
	}
	b := &builder{rs: c.RowSQL(), v: v, q: &q.IncidentQuery, people: true, roles: q.Roles, seen: k > 0}
	return b.run(ctx, c, k, "involvements")
}

// checkInvolvements checks q against v's policy and the grid, and returns
// v's threshold (0: exact): the strictest of those of the incidents, the
// involvements and the actors it counts.
func checkInvolvements(v *policy.Viewer, q *InvolvementQuery) (int, error) {
	if !v.Aggregates("Involvement") || !v.Aggregates("Actor") {
		return 0, benkan.Errorf(benkan.EFORBIDDEN, "you may not count people")
	}
	if q.Where != nil {
		return 0, benkan.FieldErrorf("where", "counts of people take no where")
	}
	field := func(d Dimension) (string, string, bool) { return peopleField(q.DateField, d) }
	if err := checkQuery(v, &q.IncidentQuery, field); err != nil {
		return 0, err
	}
	if len(q.Roles) > 0 && !v.MayAggregateField("Involvement", "role") {
		return 0, &benkan.Error{Code: benkan.EFORBIDDEN, Field: "filter.roles",
			Message: "you may not filter Involvement.role in counts"}
	}
	for _, r := range q.Roles {
		if err := involvement.RoleValidator(r); err != nil {
			return 0, benkan.FieldErrorf("filter.roles", "%v", err)
		}
	}
	k := max(v.Protection("Incident"), v.Protection("Involvement"), v.Protection("Actor"))
	if k > 0 {
		if err := checkGrid(q.Bucket, q.From, q.To); err != nil {
			return 0, err
		}
		if err := checkOneOfEach(&q.IncidentQuery); err != nil {
			return 0, err
		}
		if len(q.Roles) > 1 {
			return 0, benkan.FieldErrorf("filter.roles", "%s", oneOfEach)
		}
	}
	return k, nil
}

// peopleField is the type and field the policy must let a role aggregate
// to group people by d; ok is false for a dimension counts of people do not
// have (those of the actors of an incident, VICTIM_GENDER and the like:
// group people by GENDER and filter them by role instead).
func peopleField(df DateField, d Dimension) (typ, field string, ok bool) {
	if pd, ok := peopleDims[d]; ok {
		return pd.typ, pd.field, true
	}
	if _, ok := actorDims[d]; ok {
		return "", "", false
	}
	return incidentField(df, d)
}

// peopleSeen is the condition, on the joined involvement and actor of a
// count of people, that v reads them and the fields of them the query is
// grouped or filtered by (the incident's read filter is seenKey's). A
// field v reads on no row makes no involvement seen; one it reads on some
// rows errs towards seen, as pairSeen does.
func (b *builder) peopleSeen() (*sql.Predicate, error) {
	fields := map[string][]string{}
	for _, d := range b.q.GroupBy {
		if pd, ok := peopleDims[d]; ok {
			fields[pd.typ] = append(fields[pd.typ], pd.field)
		}
	}
	if len(b.roles) > 0 {
		fields["Involvement"] = append(fields["Involvement"], "role")
	}
	for typ, fs := range fields {
		for _, f := range fs {
			if b.v.ReadsField(typ, f) == policy.FieldNone {
				return sql.ExprP("1 = 0"), nil
			}
		}
	}
	inv, err := b.rs.Predicate("Involvement", b.v.FilterUnder("Incident", "Involvement"), invJoin)
	if err != nil {
		return nil, err
	}
	act, err := b.rs.Predicate("Actor", b.v.FilterUnder("Involvement", "Actor"), actorJoin)
	if err != nil {
		return nil, err
	}
	return sql.And(inv, act), nil
}

// peopleWhere is the condition of the involvements counted, on the joined
// involvement and actor: those v may aggregate, of q's roles.
func (b *builder) peopleWhere() ([]*sql.Predicate, error) {
	inv, err := b.rs.Predicate("Involvement", b.v.Filter(policy.ActionAggregate, "Involvement"), invJoin)
	if err != nil {
		return nil, err
	}
	act, err := b.rs.Predicate("Actor", b.v.Filter(policy.ActionAggregate, "Actor"), actorJoin)
	if err != nil {
		return nil, err
	}
	ps := []*sql.Predicate{inv, act}
	if len(b.roles) > 0 {
		rs := make([]any, len(b.roles))
		for i, r := range b.roles {
			rs[i] = string(r)
		}
		ps = append(ps, sql.In(sql.Dialect(b.rs.Dialect()).Table(invJoin).C(involvement.FieldRole), rs...))
	}
	return ps, nil
}

// roleDomain is the grid's keys of ByRole: q's roles, or every role.
func roleDomain(roles []involvement.Role) []string {
	if len(roles) > 0 {
		return strs(roles)
	}
	return strs(involvementRoles)
}
