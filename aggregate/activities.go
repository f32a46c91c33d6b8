package aggregate

import (
	"context"
	stdsql "database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"

	"entgo.io/ent/dialect/sql"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/activity"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
)

// ActivityDimension is what a count of activities may be grouped by.
type ActivityDimension string

// Dimensions of activities, each with the field of Activity the policy
// must let the role aggregate to group by it (activityFields).
const (
	ActivityByKind     ActivityDimension = "KIND"
	ActivityByLocality ActivityDimension = "LOCALITY"
	ActivityByPeriod   ActivityDimension = "PERIOD"
)

// activityFields are the policy fields of the dimensions.
var activityFields = map[ActivityDimension]string{ActivityByKind: "kind", ActivityByLocality: "locality", ActivityByPeriod: "startsOn"}

// activitySums are the summed columns of a cell, with their policy fields,
// in the order of ActivityCell.Sums.
var activitySums = []struct{ column, field string }{
	{activity.FieldWomenCount, "womenCount"},
	{activity.FieldMenCount, "menCount"},
	{activity.FieldYouthCount, "youthCount"},
	{activity.FieldSecurityForceCount, "securityForceCount"},
}

// ActivityQuery is one aggregate of activities.
type ActivityQuery struct {
	// GroupBy are the dimensions of the cells, once each.
	GroupBy []ActivityDimension
	// LocalityLevel is the level of the tree ActivityByLocality groups by.
	LocalityLevel locality.Level
	// Bucket is the length of the periods ActivityByPeriod groups by.
	Bucket Bucket
	// From and To bound startsOn to [From, To); nil: unbounded.
	From, To *time.Time
	// Localities keeps the activities of these localities and of those
	// below them (none: every locality).
	Localities []gid.ID
	// Kinds keeps the activities of these kinds (none: all).
	Kinds []activity.Kind
}

// ActivityCell is one count of activities and the sums of their
// participants. Counts of activities are exact: the policy refuses
// protected(K) on Activity, which has no cell keys to perturb them by.
type ActivityCell struct {
	// GroupedBy are the dimensions of the cell's keys, in the order of
	// the query: all of them for a cell, fewer for a total.
	GroupedBy []ActivityDimension
	// Kind is an activity kind.
	Kind *activity.Kind
	// Locality is the locality at the query's level (nil when grouped by
	// locality: the activities held above that level).
	Locality *gid.ID
	// Period is a period of the query's bucket.
	Period *Period
	// Count is the number of activities.
	Count int
	// Sums are the sums of womenCount, menCount, youthCount and
	// securityForceCount, each nil when the viewer may not aggregate the
	// field.
	Sums [4]*int
}

// ActivityResult is an activity aggregate's answer: the cells, and the
// margins (every proper subset of GroupBy, the overall total last).
type ActivityResult struct {
	Cells, Totals []ActivityCell
}

// Activities counts the activities v may aggregate, and sums their
// participants, in one SQL statement through c's driver: a UNION ALL of
// one GROUP BY per grouping set (the cells and all their margins).
func Activities(ctx context.Context, c *ent.Client, v *policy.Viewer, q ActivityQuery) (*ActivityResult, error) {
	sums, err := checkActivities(v, &q)
	if err != nil {
		return nil, err
	}
	var ps []Period
	if slices.Contains(q.GroupBy, ActivityByPeriod) {
		if q.From == nil || q.To == nil {
			return nil, benkan.FieldErrorf("from", "grouping by period needs a range: give from and to")
		}
		if ps, err = periods(q.Bucket, q.From.UTC(), q.To.UTC()); err != nil {
			return nil, err
		}
	}
	rs := c.RowSQL()
	sets := groupingSets(q.GroupBy)
	rows, err := unionOfSets(ctx, rs, "activities", sets, func(i int, set []ActivityDimension) (*sql.Selector, error) {
		return activityMember(rs, v, &q, ps, sums, i, set)
	})
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	res := &ActivityResult{}
	for rows.Next() {
		var set int
		keys := make([]stdsql.NullString, len(q.GroupBy))
		var count int64
		var s [4]int64
		dest := []any{&set}
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		dest = append(dest, &count, &s[0], &s[1], &s[2], &s[3])
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("aggregate activities: %w", err)
		}
		cell := ActivityCell{GroupedBy: sets[set], Count: int(count)}
		for i := range s {
			if sums[i] {
				n := int(s[i])
				cell.Sums[i] = &n
			}
		}
		for i, d := range q.GroupBy {
			if !slices.Contains(sets[set], d) || !keys[i].Valid {
				continue
			}
			switch d {
			case ActivityByKind:
				k := activity.Kind(keys[i].String)
				cell.Kind = &k
			case ActivityByLocality:
				id := gid.ID(keys[i].String)
				cell.Locality = &id
			case ActivityByPeriod:
				if cell.Period, err = periodAt(keys[i].String, ps); err != nil {
					return nil, fmt.Errorf("aggregate activities: %w", err)
				}
			}
		}
		if set == 0 && len(q.GroupBy) > 0 {
			res.Cells = append(res.Cells, cell)
		} else {
			res.Totals = append(res.Totals, cell)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("aggregate activities: %w", err)
	}
	if len(q.GroupBy) == 0 {
		// Grouped by nothing, the one cell is the overall total.
		res.Cells = res.Totals
	}
	sortActivityCells(res.Cells)
	sortActivityCells(res.Totals)
	return res, nil
}

// checkActivities checks q against v's policy and returns which sums v
// may see (in the order of activitySums).
func checkActivities(v *policy.Viewer, q *ActivityQuery) ([4]bool, error) {
	var sums [4]bool
	if !v.Aggregates("Activity") {
		return sums, benkan.Errorf(benkan.EFORBIDDEN, "you may not count activities")
	}
	if v.Protection("Activity") > 0 {
		// Fail closed: the policy refuses the line, so only a stored line
		// that escaped validation gets here.
		return sums, benkan.Errorf(benkan.EFORBIDDEN, "your counts of activities are declared under disclosure control, which benkan does not support for activities: ask an administrator to grant exact counts or none")
	}
	if err := checkDimensions(q.GroupBy); err != nil {
		return sums, err
	}
	if q.Bucket == "" {
		q.Bucket = Month
	}
	if q.LocalityLevel == "" {
		q.LocalityLevel = locality.LevelCERCLE
	}
	if err := locality.LevelValidator(q.LocalityLevel); err != nil {
		return sums, benkan.FieldErrorf("localityLevel", "%v", err)
	}
	for _, d := range q.GroupBy {
		field, ok := activityFields[d]
		if !ok {
			return sums, benkan.FieldErrorf("groupBy", "no dimension %q", d)
		}
		if err := needAggregate(v, "Activity", field, "group by", "groupBy"); err != nil {
			return sums, err
		}
	}
	for _, c := range []struct {
		used       bool
		field, arg string
	}{
		{q.From != nil || q.To != nil, "startsOn", "from"},
		{len(q.Localities) > 0, "locality", "filter.localities"},
		{len(q.Kinds) > 0, "kind", "filter.kinds"},
	} {
		if c.used {
			if err := needAggregate(v, "Activity", c.field, "filter", c.arg); err != nil {
				return sums, err
			}
		}
	}
	for _, k := range q.Kinds {
		if err := activity.KindValidator(k); err != nil {
			return sums, benkan.FieldErrorf("filter.kinds", "%v", err)
		}
	}
	if err := checkIDs("filter.localities", locality.Table, q.Localities); err != nil {
		return sums, err
	}
	if err := checkRange(q.From, q.To); err != nil {
		return sums, err
	}
	for i, s := range activitySums {
		sums[i] = v.MayAggregateField("Activity", s.field)
	}
	return sums, nil
}

// needAggregate is FORBIDDEN unless v may aggregate typ by field.
func needAggregate(v *policy.Viewer, typ, field, verb, arg string) error {
	if v.MayAggregateField(typ, field) {
		return nil
	}
	return &benkan.Error{Code: benkan.EFORBIDDEN, Field: arg,
		Message: fmt.Sprintf("you may not %s %s.%s in counts", verb, typ, field)}
}

// activityMember is the SELECT of grouping set number set, grouped by
// dims: the set's number, a key column per dimension of the query (NULL
// when not grouped by it), the count and the four sums (0 where not
// allowed, which the caller does not publish).
func activityMember(rs ent.RowSQL, v *policy.Viewer, q *ActivityQuery, ps []Period, sums [4]bool, set int, dims []ActivityDimension) (*sql.Selector, error) {
	d := sql.Dialect(rs.Dialect())
	s := d.Select().From(d.Table(activity.Table))
	if slices.Contains(dims, ActivityByLocality) {
		joinTree(d, s, s.C(activity.FieldLocalityID))
	}
	s.Select()
	s.AppendSelectExprAs(sql.Expr(strconv.Itoa(set)), "agg_set")
	var group []string
	for i, dim := range q.GroupBy {
		alias := fmt.Sprintf("agg_k%d", i)
		if !slices.Contains(dims, dim) {
			s.AppendSelectExprAs(nullKey(rs.Dialect(), dim == ActivityByPeriod), alias)
			continue
		}
		switch dim {
		case ActivityByKind:
			s.AppendSelectExprAs(sql.Expr(s.C(activity.FieldKind)), alias)
		case ActivityByLocality:
			s.AppendSelectExprAs(treeKey(q.LocalityLevel), alias)
		case ActivityByPeriod:
			s.AppendSelectExprAs(periodKey(s.C(activity.FieldStartsOn), ps), alias)
		}
		group = append(group, alias)
	}
	s.AppendSelectExprAs(sql.Expr("COUNT(*)"), "agg_count")
	for i, sum := range activitySums {
		expr := sql.Expr("0")
		if sums[i] {
			expr = sql.Expr(fmt.Sprintf("CAST(COALESCE(SUM(%s), 0) AS BIGINT)", s.C(sum.column)))
		}
		s.AppendSelectExprAs(expr, fmt.Sprintf("agg_sum%d", i))
	}
	viewer, err := rs.Predicate("Activity", v.Filter(policy.ActionAggregate, "Activity"), "")
	if err != nil {
		return nil, err
	}
	where := []*sql.Predicate{viewer}
	if q.From != nil {
		where = append(where, sql.GTE(s.C(activity.FieldStartsOn), q.From.UTC()))
	}
	if q.To != nil {
		where = append(where, sql.LT(s.C(activity.FieldStartsOn), q.To.UTC()))
	}
	if len(q.Localities) > 0 {
		where = append(where, inSubtrees(d, s.C(activity.FieldLocalityID), q.Localities))
	}
	if len(q.Kinds) > 0 {
		ks := make([]any, len(q.Kinds))
		for i, k := range q.Kinds {
			ks[i] = string(k)
		}
		where = append(where, sql.In(s.C(activity.FieldKind), ks...))
	}
	s.Where(sql.And(where...))
	if len(group) > 0 {
		s.GroupBy(group...)
	}
	return s, nil
}

// sortActivityCells orders cells by the size of their grouping (largest
// first), then by their keys, so that the same query always lists them
// alike.
func sortActivityCells(cells []ActivityCell) {
	slices.SortStableFunc(cells, func(a, b ActivityCell) int {
		if c := len(b.GroupedBy) - len(a.GroupedBy); c != 0 {
			return c
		}
		return compareKeys(fmt.Sprint(a.GroupedBy), fmt.Sprint(b.GroupedBy),
			a.Period, b.Period, string(deref(a.Kind)), string(deref(b.Kind)), string(deref(a.Locality)), string(deref(b.Locality)))
	})
}
