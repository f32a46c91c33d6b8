package aggregate

import (
	"cmp"
	"context"
	stdsql "database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/gid"
	"github.com/benkan-project/benkan/policy"
)

// Dimension is what a count of incidents may be grouped by.
type Dimension string

// Dimensions, each with the field of Incident the policy must let the
// role aggregate (policy.Viewer.MayAggregateField) to group by it.
const (
	ByLocality      Dimension = "LOCALITY"
	ByViolationType Dimension = "VIOLATION_TYPE"
	ByStatus        Dimension = "STATUS"
	ByPeriod        Dimension = "PERIOD"
)

// MaxDimensions bounds the dimensions of one aggregate: 2^4−1 margins.
const MaxDimensions = 4

// DateField is the date an incident is counted by: when it occurred or
// when it was reported.
type DateField string

// Date fields.
const (
	OccurredAt DateField = "OCCURRED_AT"
	ReportedAt DateField = "REPORTED_AT"
)

// column and policy field of a date field.
func (d DateField) column() (string, string) {
	if d == ReportedAt {
		return incident.FieldReportedAt, "reportedAt"
	}
	return incident.FieldOccurredAt, "occurredAt"
}

// IncidentQuery is one aggregate of incidents.
type IncidentQuery struct {
	// GroupBy are the dimensions of the cells, once each.
	GroupBy []Dimension
	// LocalityLevel is the level of the tree ByLocality groups by.
	LocalityLevel locality.Level
	// Bucket is the length of the periods ByPeriod groups by.
	Bucket Bucket
	// DateField is the date the range and the periods are of.
	DateField DateField
	// From and To bound the range [From, To); nil: unbounded.
	From, To *time.Time
	// Localities keeps the incidents of these localities and of those
	// below them (none: every locality).
	Localities []gid.ID
	// Statuses keeps the incidents of these statuses (none: all).
	Statuses []incident.Status
	// ViolationTypes keeps the incidents alleging one of these (none: all).
	ViolationTypes []gid.ID
	// Where is a filter of the generated kind, for roles that count
	// exactly; a protected role may not use it (its ranges and text
	// matches would slice the rows off the grid).
	Where *ent.IncidentWhereInput
}

// Cell is one count: its keys (the dimensions of GroupedBy; the others
// are nil) and its published value.
type Cell struct {
	// GroupedBy are the dimensions of the cell's keys, in the order of
	// the query: all of them for a cell, fewer for a total.
	GroupedBy []Dimension
	// Locality is the locality at the query's level (nil when grouped by
	// locality: the incidents located above that level).
	Locality *gid.ID
	// ViolationType is a violation type alleged.
	ViolationType *gid.ID
	// Status is a status.
	Status *incident.Status
	// Period is a period of the query's bucket.
	Period *Period
	// Value is the published count: exact for a role that counts
	// exactly, perturbed otherwise; 0 when Protected.
	Value int
	// Protected is true when no value may be published (see Publish).
	Protected bool

	count int    // the true count
	key   uint32 // the cell key
}

// Result is an aggregate's answer.
type Result struct {
	// Protection is the threshold K of the role's disclosure control, 0
	// when it counts exactly.
	Protection int
	// Cells are the counts of every combination of GroupBy's keys that
	// holds incidents (a combination absent holds none).
	Cells []Cell
	// Totals are the margins: the counts grouped by every proper subset
	// of GroupBy, the overall total (grouped by nothing) last; each is a
	// count of its own rows, under the same protection as the cells.
	Totals []Cell
}

// Incidents counts the incidents v may aggregate, in one SQL statement
// through c's driver: the cells of q and all their margins.
func Incidents(ctx context.Context, c *ent.Client, v *policy.Viewer, q IncidentQuery) (*Result, error) {
	k, err := checkIncidents(v, &q)
	if err != nil {
		return nil, err
	}
	var ps []Period
	if slices.Contains(q.GroupBy, ByPeriod) {
		if q.From == nil || q.To == nil {
			return nil, benkan.FieldErrorf("from", "grouping by period needs a range: give from and to")
		}
		if ps, err = periods(q.Bucket, q.From.UTC(), q.To.UTC()); err != nil {
			return nil, err
		}
	}
	b := &builder{rs: c.RowSQL(), v: v, q: &q, periods: ps}
	n := len(q.GroupBy)
	var sets [][]Dimension
	for mask := (1 << n) - 1; mask >= 0; mask-- {
		var set []Dimension
		for i, d := range q.GroupBy {
			if mask&(1<<i) != 0 {
				set = append(set, d)
			}
		}
		sets = append(sets, set)
	}
	slices.SortStableFunc(sets[1:], func(a, b []Dimension) int { return len(b) - len(a) })
	var stmt *sql.Selector
	for i, set := range sets {
		m, err := b.member(i, set)
		if err != nil {
			return nil, err
		}
		if stmt == nil {
			stmt = m
		} else {
			stmt.UnionAll(m)
		}
	}
	if err := stmt.Err(); err != nil {
		return nil, fmt.Errorf("aggregate incidents: %w", err)
	}
	rows, err := b.rs.Query(ctx, stmt)
	if err != nil {
		return nil, fmt.Errorf("aggregate incidents: %w", err)
	}
	defer rows.Close()
	res := &Result{Protection: k}
	for rows.Next() {
		var set int
		keys := make([]stdsql.NullString, n)
		var count, sum int64
		dest := []any{&set}
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		dest = append(dest, &count, &sum)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("aggregate incidents: %w", err)
		}
		cell := Cell{GroupedBy: sets[set], count: int(count), key: CellKey(sum)}
		for i, d := range q.GroupBy {
			if !slices.Contains(sets[set], d) || !keys[i].Valid {
				continue
			}
			if err := cell.setKey(d, keys[i].String, ps); err != nil {
				return nil, fmt.Errorf("aggregate incidents: %w", err)
			}
		}
		cell.Value, cell.Protected = Publish(cell.count, cell.key, k)
		if set == 0 {
			res.Cells = append(res.Cells, cell)
		} else {
			res.Totals = append(res.Totals, cell)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("aggregate incidents: %w", err)
	}
	if k > 0 {
		if err := wholeGrid(ctx, c, &q, sets, ps, res, k); err != nil {
			return nil, err
		}
	}
	if n == 0 {
		// Grouped by nothing, the one cell is the overall total.
		res.Totals = res.Cells
	}
	if !slices.ContainsFunc(res.Totals, func(c Cell) bool { return len(c.GroupedBy) == 0 }) {
		c := Cell{GroupedBy: []Dimension{}} // no incident at all
		c.Value, c.Protected = Publish(0, 0, k)
		res.Totals = append(res.Totals, c)
	}
	sortCells(res.Cells)
	sortCells(res.Totals)
	return res, nil
}

// setKey sets the key of dimension d from its SQL value.
func (c *Cell) setKey(d Dimension, s string, ps []Period) error {
	switch d {
	case ByLocality:
		id := gid.ID(s)
		c.Locality = &id
	case ByViolationType:
		id := gid.ID(s)
		c.ViolationType = &id
	case ByStatus:
		st := incident.Status(s)
		c.Status = &st
	case ByPeriod:
		i, err := strconv.Atoi(s)
		if err != nil || i < 0 || i >= len(ps) {
			return fmt.Errorf("period %q out of range", s)
		}
		c.Period = &ps[i]
	}
	return nil
}

// sortCells orders cells by the size of their grouping (largest first),
// then by their keys, so that the same query always lists them alike.
func sortCells(cells []Cell) {
	str := func(p *gid.ID) string {
		if p == nil {
			return ""
		}
		return string(*p)
	}
	slices.SortStableFunc(cells, func(a, b Cell) int {
		if c := cmp.Compare(len(b.GroupedBy), len(a.GroupedBy)); c != 0 {
			return c
		}
		if c := cmp.Compare(fmt.Sprint(a.GroupedBy), fmt.Sprint(b.GroupedBy)); c != 0 {
			return c
		}
		var pa, pb int64
		if a.Period != nil {
			pa = a.Period.Start.Unix()
		}
		if b.Period != nil {
			pb = b.Period.Start.Unix()
		}
		var sa, sb string
		if a.Status != nil {
			sa = string(*a.Status)
		}
		if b.Status != nil {
			sb = string(*b.Status)
		}
		return cmp.Or(cmp.Compare(pa, pb), cmp.Compare(str(a.Locality), str(b.Locality)),
			cmp.Compare(str(a.ViolationType), str(b.ViolationType)), cmp.Compare(sa, sb))
	})
}

// checkIncidents checks q against v's policy and the grid, and returns
// v's threshold (0: exact).
func checkIncidents(v *policy.Viewer, q *IncidentQuery) (int, error) {
	if !v.Aggregates("Incident") {
		return 0, benkan.Errorf(benkan.EFORBIDDEN, "you may not count incidents")
	}
	if len(q.GroupBy) > MaxDimensions {
		return 0, benkan.FieldErrorf("groupBy", "group by at most %d dimensions", MaxDimensions)
	}
	for i, d := range q.GroupBy {
		if slices.Contains(q.GroupBy[:i], d) {
			return 0, benkan.FieldErrorf("groupBy", "%s is named twice", d)
		}
	}
	if q.DateField == "" {
		q.DateField = OccurredAt
	}
	if q.Bucket == "" {
		q.Bucket = Month
	}
	if q.LocalityLevel == "" {
		q.LocalityLevel = locality.LevelCERCLE
	}
	if err := locality.LevelValidator(q.LocalityLevel); err != nil {
		return 0, benkan.FieldErrorf("localityLevel", "%v", err)
	}
	_, dateField := q.DateField.column()
	need := func(field, verb, arg string) error {
		if v.MayAggregateField("Incident", field) {
			return nil
		}
		return &benkan.Error{Code: benkan.EFORBIDDEN, Field: arg,
			Message: fmt.Sprintf("you may not %s Incident.%s in counts", verb, field)}
	}
	for _, d := range q.GroupBy {
		field := map[Dimension]string{ByLocality: "locality", ByViolationType: "violationTypes", ByStatus: "status", ByPeriod: dateField}[d]
		if field == "" {
			return 0, benkan.FieldErrorf("groupBy", "no dimension %q", d)
		}
		if err := need(field, "group by", "groupBy"); err != nil {
			return 0, err
		}
	}
	checks := []struct {
		used  bool
		field string
		arg   string
	}{
		{q.From != nil || q.To != nil, dateField, "from"},
		{len(q.Localities) > 0, "locality", "filter.localities"},
		{len(q.Statuses) > 0, "status", "filter.statuses"},
		{len(q.ViolationTypes) > 0, "violationTypes", "filter.violationTypes"},
	}
	for _, c := range checks {
		if c.used {
			if err := need(c.field, "filter", c.arg); err != nil {
				return 0, err
			}
		}
	}
	for _, id := range append(slices.Clone(q.Localities), q.ViolationTypes...) {
		if id.Validate() != nil {
			return 0, benkan.FieldErrorf("filter", "%q is not an id", id)
		}
	}
	if err := checkRange(q.From, q.To); err != nil {
		return 0, err
	}
	k := v.Protection("Incident")
	if k > 0 {
		if q.Where != nil {
			return 0, &benkan.Error{Code: benkan.EFORBIDDEN, Field: "where",
				Message: "your counts are under disclosure control: filter them with filter (whole localities, statuses, violation types), not where, whose ranges and matches could slice the incidents finer than the grid"}
		}
		if err := checkGrid(q.Bucket, q.From, q.To); err != nil {
			return 0, err
		}
		if err := checkOneOfEach(q); err != nil {
			return 0, err
		}
	} else if q.Where != nil {
		if err := v.MayAggregateFilter(q.Where); err != nil {
			return 0, err
		}
	}
	return k, nil
}

// checkOneOfEach refuses, for a role under disclosure control, a filter
// list of more than one value. A list is a union (statuses S or C), and
// unions let one count be asked as many differences of distinct sets: the
// incidents of a commune in the statuses S ∪ {C} minus those in S is the
// count of status C for every S, each difference with noises of its own,
// so that 31 subsets of the other statuses average the noise away (a
// protected count of 1 recovered with posterior 0.9999 on the demo data).
// One value each keeps every count a cell or a margin of the grid.
func checkOneOfEach(q *IncidentQuery) error {
	for _, l := range []struct {
		n    int
		name string
	}{{len(q.Localities), "filter.localities"}, {len(q.Statuses), "filter.statuses"}, {len(q.ViolationTypes), "filter.violationTypes"}} {
		if l.n > 1 {
			return benkan.FieldErrorf(l.name, "your counts are under disclosure control: filter by one value at most (group by the dimension to count several); a list is a union, and counts of unions differing by one value could be subtracted into that value's count, each time with other noise")
		}
	}
	return nil
}

// builder writes the statement of one aggregate.
type builder struct {
	rs      ent.RowSQL
	v       *policy.Viewer
	q       *IncidentQuery
	periods []Period
}

// Aliases of the joined tables.
const (
	loc0, loc1, loc2 = "agg_l0", "agg_l1", "agg_l2"
	typeJoin         = "agg_vt"
)

// member is the SELECT of grouping set number set, grouped by dims: the
// set's number, a key column for each dimension of the query (NULL when
// not grouped by it), the count and the sum of the cell keys.
func (b *builder) member(set int, dims []Dimension) (*sql.Selector, error) {
	q := b.q
	d := sql.Dialect(b.rs.Dialect())
	table, err := b.rs.Table("Incident")
	if err != nil {
		return nil, err
	}
	s := d.Select().From(d.Table(table))
	col := func(c string) string { return s.C(c) }
	joinsLocalities := len(q.Localities) > 0 || slices.Contains(dims, ByLocality)
	if joinsLocalities {
		l0, l1, l2 := d.Table(locality.Table).As(loc0), d.Table(locality.Table).As(loc1), d.Table(locality.Table).As(loc2)
		s.LeftJoin(l0).On(col(incident.FieldLocalityID), l0.C(locality.FieldID)).
			LeftJoin(l1).On(l0.C(locality.ParentColumn), l1.C(locality.FieldID)).
			LeftJoin(l2).On(l1.C(locality.ParentColumn), l2.C(locality.FieldID))
	}
	if slices.Contains(dims, ByViolationType) {
		vt := d.Table(incident.ViolationTypesTable).As(typeJoin)
		s.Join(vt).On(col(incident.FieldID), vt.C(incident.ViolationTypesPrimaryKey[0]))
	}
	s.Select()
	s.AppendSelectExprAs(sql.Expr(strconv.Itoa(set)), "agg_set")
	var group []string
	for i, dim := range q.GroupBy {
		alias := fmt.Sprintf("agg_k%d", i)
		if !slices.Contains(dims, dim) {
			s.AppendSelectExprAs(b.null(dim), alias)
			continue
		}
		s.AppendSelectExprAs(b.key(dim, col), alias)
		group = append(group, alias)
	}
	s.AppendSelectExprAs(sql.Expr("COUNT(*)"), "agg_count")
	s.AppendSelectExprAs(sql.Expr(fmt.Sprintf("CAST(COALESCE(SUM(%s), 0) %% %d AS BIGINT)", col("cell_key"), KeyRange)), "agg_keys")
	where, err := b.where(d, s, col)
	if err != nil {
		return nil, err
	}
	s.Where(where)
	if len(group) > 0 {
		s.GroupBy(group...)
	}
	return s, nil
}

// null is the NULL of a key column not grouped by, typed for PostgreSQL's
// UNION.
func (b *builder) null(dim Dimension) sql.Querier {
	if b.rs.Dialect() != dialect.Postgres {
		return sql.Expr("NULL")
	}
	if dim == ByPeriod {
		return sql.Expr("CAST(NULL AS INTEGER)")
	}
	return sql.Expr("CAST(NULL AS TEXT)")
}

// key is the expression of a dimension's key.
func (b *builder) key(dim Dimension, col func(string) string) sql.Querier {
	q := b.q
	switch dim {
	case ByLocality:
		level := string(q.LocalityLevel)
		return sql.ExprFunc(func(w *sql.Builder) {
			w.WriteString("CASE")
			for _, t := range []string{loc0, loc1, loc2} {
				w.WriteString(" WHEN ").Ident(t).WriteString(".").Ident(locality.FieldLevel).WriteString(" = ").Arg(level).
					WriteString(" THEN ").Ident(t).WriteString(".").Ident(locality.FieldID)
			}
			w.WriteString(" END")
		})
	case ByViolationType:
		return sql.Expr(sql.Dialect(b.rs.Dialect()).Table(typeJoin).C(incident.ViolationTypesPrimaryKey[1]))
	case ByStatus:
		return sql.Expr(col(incident.FieldStatus))
	default: // ByPeriod
		column, _ := q.DateField.column()
		ps := b.periods
		return sql.ExprFunc(func(w *sql.Builder) {
			if len(ps) == 1 {
				w.WriteString("0")
				return
			}
			w.WriteString("CASE")
			for i, p := range ps[:len(ps)-1] {
				w.WriteString(" WHEN ").WriteString(col(column)).WriteString(" < ").Arg(p.End).
					WriteString(" THEN ").WriteString(strconv.Itoa(i))
			}
			w.WriteString(" ELSE ").WriteString(strconv.Itoa(len(ps) - 1)).WriteString(" END")
		})
	}
}

// where is the condition of the counted rows: those v may aggregate, in
// the range and the filters of the query.
func (b *builder) where(d *sql.DialectBuilder, s *sql.Selector, col func(string) string) (*sql.Predicate, error) {
	q := b.q
	viewer, err := b.rs.Predicate("Incident", b.v.Filter(policy.ActionAggregate, "Incident"), "")
	if err != nil {
		return nil, err
	}
	ps := []*sql.Predicate{viewer}
	column, _ := q.DateField.column()
	if q.From != nil {
		ps = append(ps, sql.GTE(col(column), q.From.UTC()))
	}
	if q.To != nil {
		ps = append(ps, sql.LT(col(column), q.To.UTC()))
	}
	if len(q.Localities) > 0 {
		ids := make([]any, len(q.Localities))
		for i, id := range q.Localities {
			ids[i] = id
		}
		var any []*sql.Predicate
		for _, t := range []string{loc0, loc1, loc2} {
			any = append(any, sql.In(d.Table(t).C(locality.FieldID), ids...))
		}
		ps = append(ps, sql.Or(any...))
	}
	if len(q.Statuses) > 0 {
		st := make([]any, len(q.Statuses))
		for i, x := range q.Statuses {
			st[i] = string(x)
		}
		ps = append(ps, sql.In(col(incident.FieldStatus), st...))
	}
	if len(q.ViolationTypes) > 0 {
		ids := make([]any, len(q.ViolationTypes))
		for i, id := range q.ViolationTypes {
			ids[i] = id
		}
		f := d.Table(incident.ViolationTypesTable).As("agg_f")
		sub := d.Select(f.C(incident.ViolationTypesPrimaryKey[0])).From(f).
			Where(sql.In(f.C(incident.ViolationTypesPrimaryKey[1]), ids...))
		ps = append(ps, sql.In(col(incident.FieldID), sub))
	}
	if q.Where != nil {
		p, err := q.Where.P()
		if err != nil {
			return nil, benkan.FieldErrorf("where", "%v", err)
		}
		w := d.Select().From(d.Table(s.TableName()))
		p(w)
		if wp := w.P(); wp != nil {
			ps = append(ps, wp)
		}
	}
	return sql.And(ps...), nil
}
