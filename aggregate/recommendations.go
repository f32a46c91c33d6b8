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
	"github.com/benkan-project/benkan/ent/organization"
	"github.com/benkan-project/benkan/ent/recommendation"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
)

// RecommendationDimension is what a count of recommendations may be
// grouped by.
type RecommendationDimension string

// Dimensions of recommendations, each with the field of Recommendation the
// policy must let the role aggregate to group by it.
const (
	RecommendationByStatus    RecommendationDimension = "STATUS"
	RecommendationByAddressee RecommendationDimension = "ADDRESSEE"
)

// recommendationFields are the policy fields of the dimensions.
var recommendationFields = map[RecommendationDimension]string{RecommendationByStatus: "status", RecommendationByAddressee: "addressees"}

// FinalStatuses are the statuses a recommendation is never overdue in:
// done, or abandoned.
var FinalStatuses = []recommendation.Status{recommendation.StatusIMPLEMENTED, recommendation.StatusDROPPED}

// RecommendationQuery is one aggregate of recommendations.
type RecommendationQuery struct {
	// GroupBy are the dimensions of the cells, once each.
	GroupBy []RecommendationDimension
	// Statuses keeps the recommendations of these statuses (none: all).
	Statuses []recommendation.Status
	// Addressees keeps the recommendations addressed to one of these
	// organizations at least (none: all).
	Addressees []gid.ID
	// Localities keeps the recommendations of activities held in these
	// localities or below them (none: all).
	Localities []gid.ID
	// Now is the instant overdue is of (zero: time.Now).
	Now time.Time
}

// RecommendationCell is one count of recommendations, exact: the policy
// refuses protected(K) on Recommendation, which has no cell keys.
type RecommendationCell struct {
	// GroupedBy are the dimensions of the cell's keys, in the order of
	// the query: all of them for a cell, fewer for a total.
	GroupedBy []RecommendationDimension
	// Status is a status.
	Status *recommendation.Status
	// Addressee is an organization addressed (nil when grouped by
	// addressee: the recommendations addressed to nobody).
	Addressee *gid.ID
	// Count is the number of recommendations.
	Count int
	// Overdue is how many of them are due before Now and not in a final
	// status; nil when the viewer may not aggregate dueOn and status.
	Overdue *int
}

// RecommendationResult is a recommendation aggregate's answer: the cells,
// and the margins (every proper subset of GroupBy, the overall total
// last).
type RecommendationResult struct {
	Cells, Totals []RecommendationCell
}

// Recommendations counts the recommendations v may aggregate, and those
// overdue, in one SQL statement through c's driver: a UNION ALL of one
// GROUP BY per grouping set, each joined to the addressees only when it
// groups by them, so that a total counts a recommendation addressed to two
// organizations once.
func Recommendations(ctx context.Context, c *ent.Client, v *policy.Viewer, q RecommendationQuery) (*RecommendationResult, error) {
	overdue, err := checkRecommendations(v, &q)
	if err != nil {
		return nil, err
	}
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	rs := c.RowSQL()
	sets := groupingSets(q.GroupBy)
	rows, err := unionOfSets(ctx, rs, "recommendations", sets, func(i int, set []RecommendationDimension) (*sql.Selector, error) {
		return recommendationMember(rs, v, &q, overdue, i, set)
	})
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	res := &RecommendationResult{}
	for rows.Next() {
		var set int
		keys := make([]stdsql.NullString, len(q.GroupBy))
		var count, late int64
		dest := []any{&set}
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		dest = append(dest, &count, &late)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("aggregate recommendations: %w", err)
		}
		cell := RecommendationCell{GroupedBy: sets[set], Count: int(count)}
		if overdue {
			n := int(late)
			cell.Overdue = &n
		}
		for i, d := range q.GroupBy {
			if !slices.Contains(sets[set], d) || !keys[i].Valid {
				continue
			}
			switch d {
			case RecommendationByStatus:
				st := recommendation.Status(keys[i].String)
				cell.Status = &st
			case RecommendationByAddressee:
				id := gid.ID(keys[i].String)
				cell.Addressee = &id
			}
		}
		if set == 0 && len(q.GroupBy) > 0 {
			res.Cells = append(res.Cells, cell)
		} else {
			res.Totals = append(res.Totals, cell)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("aggregate recommendations: %w", err)
	}
	if len(q.GroupBy) == 0 {
		res.Cells = res.Totals
	}
	sort := func(cells []RecommendationCell) {
		slices.SortStableFunc(cells, func(a, b RecommendationCell) int {
			if c := len(b.GroupedBy) - len(a.GroupedBy); c != 0 {
				return c
			}
			return compareKeys(fmt.Sprint(a.GroupedBy), fmt.Sprint(b.GroupedBy), nil, nil,
				string(deref(a.Status)), string(deref(b.Status)), string(deref(a.Addressee)), string(deref(b.Addressee)))
		})
	}
	sort(res.Cells)
	sort(res.Totals)
	return res, nil
}

// checkRecommendations checks q against v's policy and returns whether v
// may see overdue counts.
func checkRecommendations(v *policy.Viewer, q *RecommendationQuery) (bool, error) {
	if !v.Aggregates("Recommendation") {
		return false, benkan.Errorf(benkan.EFORBIDDEN, "you may not count recommendations")
	}
	if v.Protection("Recommendation") > 0 {
		// Fail closed, as for activities.
		return false, benkan.Errorf(benkan.EFORBIDDEN, "your counts of recommendations are declared under disclosure control, which benkan does not support for recommendations: ask an administrator to grant exact counts or none")
	}
	if err := checkDimensions(q.GroupBy); err != nil {
		return false, err
	}
	for _, d := range q.GroupBy {
		field, ok := recommendationFields[d]
		if !ok {
			return false, benkan.FieldErrorf("groupBy", "no dimension %q", d)
		}
		if err := needAggregate(v, "Recommendation", field, "group by", "groupBy"); err != nil {
			return false, err
		}
	}
	for _, c := range []struct {
		used            bool
		typ, field, arg string
	}{
		{len(q.Statuses) > 0, "Recommendation", "status", "filter.statuses"},
		{len(q.Addressees) > 0, "Recommendation", "addressees", "filter.addressees"},
		{len(q.Localities) > 0, "Recommendation", "activity", "filter.localities"},
		{len(q.Localities) > 0, "Activity", "locality", "filter.localities"},
	} {
		if c.used {
			if err := needAggregate(v, c.typ, c.field, "filter", c.arg); err != nil {
				return false, err
			}
		}
	}
	for _, st := range q.Statuses {
		if err := recommendation.StatusValidator(st); err != nil {
			return false, benkan.FieldErrorf("filter.statuses", "%v", err)
		}
	}
	if err := checkIDs("filter.addressees", organization.Table, q.Addressees); err != nil {
		return false, err
	}
	if err := checkIDs("filter.localities", locality.Table, q.Localities); err != nil {
		return false, err
	}
	return v.MayAggregateField("Recommendation", "dueOn") && v.MayAggregateField("Recommendation", "status"), nil
}

// Alias of the addressees joined to a grouping set by addressee.
const addresseeJoin = "agg_ra"

// recommendationMember is the SELECT of grouping set number set, grouped
// by dims: the set's number, a key column per dimension of the query, the
// count and the overdue count (0 when not allowed, which the caller does
// not publish).
func recommendationMember(rs ent.RowSQL, v *policy.Viewer, q *RecommendationQuery, overdue bool, set int, dims []RecommendationDimension) (*sql.Selector, error) {
	d := sql.Dialect(rs.Dialect())
	s := d.Select().From(d.Table(recommendation.Table))
	ra := d.Table(recommendation.AddresseesTable).As(addresseeJoin)
	if slices.Contains(dims, RecommendationByAddressee) {
		// LEFT: a recommendation addressed to nobody counts under a null
		// addressee rather than vanish from the table.
		s.LeftJoin(ra).On(s.C(recommendation.FieldID), ra.C(recommendation.AddresseesPrimaryKey[0]))
	}
	s.Select()
	s.AppendSelectExprAs(sql.Expr(strconv.Itoa(set)), "agg_set")
	var group []string
	for i, dim := range q.GroupBy {
		alias := fmt.Sprintf("agg_k%d", i)
		if !slices.Contains(dims, dim) {
			s.AppendSelectExprAs(nullKey(rs.Dialect(), false), alias)
			continue
		}
		switch dim {
		case RecommendationByStatus:
			s.AppendSelectExprAs(sql.Expr(s.C(recommendation.FieldStatus)), alias)
		case RecommendationByAddressee:
			s.AppendSelectExprAs(sql.Expr(ra.C(recommendation.AddresseesPrimaryKey[1])), alias)
		}
		group = append(group, alias)
	}
	s.AppendSelectExprAs(sql.Expr("COUNT(*)"), "agg_count")
	if overdue {
		final := make([]any, len(FinalStatuses))
		for i, st := range FinalStatuses {
			final[i] = string(st)
		}
		late := sql.And(sql.NotNull(s.C(recommendation.FieldDueOn)), sql.LT(s.C(recommendation.FieldDueOn), q.Now.UTC()),
			sql.NotIn(s.C(recommendation.FieldStatus), final...))
		s.AppendSelectExprAs(sql.ExprFunc(func(w *sql.Builder) {
			w.WriteString("CAST(COALESCE(SUM(CASE WHEN ").Join(late).WriteString(" THEN 1 ELSE 0 END), 0) AS BIGINT)")
		}), "agg_overdue")
	} else {
		s.AppendSelectExprAs(sql.Expr("0"), "agg_overdue")
	}
	viewer, err := rs.Predicate("Recommendation", v.Filter(policy.ActionAggregate, "Recommendation"), "")
	if err != nil {
		return nil, err
	}
	where := []*sql.Predicate{viewer}
	if len(q.Statuses) > 0 {
		st := make([]any, len(q.Statuses))
		for i, x := range q.Statuses {
			st[i] = string(x)
		}
		where = append(where, sql.In(s.C(recommendation.FieldStatus), st...))
	}
	if len(q.Addressees) > 0 {
		ids := make([]any, len(q.Addressees))
		for i, id := range q.Addressees {
			ids[i] = string(id)
		}
		f := d.Table(recommendation.AddresseesTable).As("agg_rf")
		sub := d.Select(f.C(recommendation.AddresseesPrimaryKey[0])).From(f).
			Where(sql.In(f.C(recommendation.AddresseesPrimaryKey[1]), ids...))
		where = append(where, sql.In(s.C(recommendation.FieldID), sub))
	}
	if len(q.Localities) > 0 {
		// Only the activities v may count: where an activity v may not
		// count is held is not v's to learn through the recommendations
		// made at it (a liaison counts the recommendations addressed to
		// its organization, not the activities outside its localities).
		acts, err := rs.Predicate("Activity", v.Filter(policy.ActionAggregate, "Activity"), "agg_ac")
		if err != nil {
			return nil, err
		}
		a := d.Table(activity.Table).As("agg_ac")
		sub := d.Select(a.C(activity.FieldID)).From(a).Where(sql.And(acts, inSubtrees(d, a.C(activity.FieldLocalityID), q.Localities)))
		where = append(where, sql.In(s.C(recommendation.FieldActivityID), sub))
	}
	s.Where(sql.And(where...))
	if len(group) > 0 {
		s.GroupBy(group...)
	}
	return s, nil
}
