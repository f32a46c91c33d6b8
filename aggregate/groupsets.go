package aggregate

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/gid"
)

// This file holds the SQL pieces the aggregates of activities and of
// recommendations share (activities.go, recommendations.go): grouping
// sets, the locality tree and periods. The incidents' aggregate has its
// own (incidents.go), written for its joins.

// groupingSets returns every subset of dims, each in dims' order: dims
// itself first, then the others by decreasing size, the empty set last,
// as incidents lists its cells and margins.
func groupingSets[D comparable](dims []D) [][]D {
	n := len(dims)
	var sets [][]D
	for mask := (1 << n) - 1; mask >= 0; mask-- {
		set := []D{}
		for i, d := range dims {
			if mask&(1<<i) != 0 {
				set = append(set, d)
			}
		}
		sets = append(sets, set)
	}
	slices.SortStableFunc(sets[1:], func(a, b []D) int { return len(b) - len(a) })
	return sets
}

// checkDimensions refuses more than MaxDimensions dimensions, or one named
// twice.
func checkDimensions[D comparable](dims []D) error {
	if len(dims) > MaxDimensions {
		return benkan.FieldErrorf("groupBy", "group by at most %d dimensions", MaxDimensions)
	}
	for i, d := range dims {
		if slices.Contains(dims[:i], d) {
			return benkan.FieldErrorf("groupBy", "%v is named twice", d)
		}
	}
	return nil
}

// Aliases of the locality tree joined to a row's locality, from the
// locality itself (treeAlias[0]) up to its region. The tree has three
// levels, each locality's parent exactly one level up (the ent schema's
// hook localityParentOneLevelUp), so three joins reach every ancestor.
var treeAlias = [3]string{"agg_t0", "agg_t1", "agg_t2"}

// joinTree left-joins to s the locality whose id is in column (qualified)
// and its ancestors, as treeAlias.
func joinTree(d *sql.DialectBuilder, s *sql.Selector, column string) {
	t0, t1, t2 := d.Table(locality.Table).As(treeAlias[0]), d.Table(locality.Table).As(treeAlias[1]), d.Table(locality.Table).As(treeAlias[2])
	s.LeftJoin(t0).On(column, t0.C(locality.FieldID)).
		LeftJoin(t1).On(t0.C(locality.ParentColumn), t1.C(locality.FieldID)).
		LeftJoin(t2).On(t1.C(locality.ParentColumn), t2.C(locality.FieldID))
}

// treeKey is the key of LOCALITY at level: the id of the one locality of
// the joined tree (joinTree) at that level, NULL for a row located above
// it.
func treeKey(level locality.Level) sql.Querier {
	return sql.ExprFunc(func(w *sql.Builder) {
		w.WriteString("CASE")
		for _, t := range treeAlias {
			w.WriteString(" WHEN ").Ident(t).WriteString(".").Ident(locality.FieldLevel).WriteString(" = ").Arg(string(level)).
				WriteString(" THEN ").Ident(t).WriteString(".").Ident(locality.FieldID)
		}
		w.WriteString(" END")
	})
}

// inSubtrees is the condition "column (qualified) is one of ids or a
// locality below one of them", as a subquery of the locality table.
func inSubtrees(d *sql.DialectBuilder, column string, ids []gid.ID) *sql.Predicate {
	vs := make([]any, len(ids))
	for i, id := range ids {
		vs[i] = string(id)
	}
	t0, t1, t2 := d.Table(locality.Table).As("agg_s0"), d.Table(locality.Table).As("agg_s1"), d.Table(locality.Table).As("agg_s2")
	sub := d.Select(t0.C(locality.FieldID)).From(t0).
		LeftJoin(t1).On(t0.C(locality.ParentColumn), t1.C(locality.FieldID)).
		LeftJoin(t2).On(t1.C(locality.ParentColumn), t2.C(locality.FieldID)).
		Where(sql.Or(sql.In(t0.C(locality.FieldID), vs...), sql.In(t1.C(locality.FieldID), vs...), sql.In(t2.C(locality.FieldID), vs...)))
	return sql.In(column, sub)
}

// periodKey is the key of PERIOD: the index in ps of the period holding
// column (qualified), for rows already within [ps[0].Start, last End).
func periodKey(column string, ps []Period) sql.Querier {
	return sql.ExprFunc(func(w *sql.Builder) {
		if len(ps) == 1 {
			w.WriteString("0")
			return
		}
		w.WriteString("CASE")
		for i, p := range ps[:len(ps)-1] {
			w.WriteString(" WHEN ").WriteString(column).WriteString(" < ").Arg(p.End).
				WriteString(" THEN ").WriteString(strconv.Itoa(i))
		}
		w.WriteString(" ELSE ").WriteString(strconv.Itoa(len(ps) - 1)).WriteString(" END")
	})
}

// nullKey is the NULL of a key column not grouped by, typed for
// PostgreSQL's UNION (integer for periods, text otherwise).
func nullKey(dialectName string, integer bool) sql.Querier {
	switch {
	case dialectName != dialect.Postgres:
		return sql.Expr("NULL")
	case integer:
		return sql.Expr("CAST(NULL AS INTEGER)")
	default:
		return sql.Expr("CAST(NULL AS TEXT)")
	}
}

// periodAt returns the period of index s (a key of periodKey).
func periodAt(s string, ps []Period) (*Period, error) {
	i, err := strconv.Atoi(s)
	if err != nil || i < 0 || i >= len(ps) {
		return nil, fmt.Errorf("period %q out of range", s)
	}
	return &ps[i], nil
}

// unionOfSets runs the statement of an aggregate counted one grouping set
// at a time: member builds the SELECT of set number i, and the statement
// is their UNION ALL, run through rs. what names the aggregate in errors.
func unionOfSets[D any](ctx context.Context, rs ent.RowSQL, what string, sets [][]D, member func(i int, set []D) (*sql.Selector, error)) (*sql.Rows, error) {
	var stmt *sql.Selector
	for i, set := range sets {
		m, err := member(i, set)
		if err != nil {
			return nil, fmt.Errorf("aggregate %s: %w", what, err)
		}
		if stmt == nil {
			stmt = m
		} else {
			stmt.UnionAll(m)
		}
	}
	if err := stmt.Err(); err != nil {
		return nil, fmt.Errorf("aggregate %s: %w", what, err)
	}
	rows, err := rs.Query(ctx, stmt)
	if err != nil {
		return nil, fmt.Errorf("aggregate %s: %w", what, err)
	}
	return rows, nil
}
