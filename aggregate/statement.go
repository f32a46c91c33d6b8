package aggregate

import (
	"fmt"
	"slices"
	"strconv"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/policy"
)

// The statement of an aggregate scans the incidents once for the grouping
// sets of single-valued dimensions, and once more for each combination of
// multi-valued ones (multiValued: violation types, and the actors involved
// of actorDims) that some grouping set holds: each scan
// is a CTE grouped by the finest keys it serves (every single-valued
// dimension of the query, and its multi-valued ones; for the locality, the
// incident's own, which the re-aggregation maps to the level asked, over a
// few hundred groups rather than every incident), carrying the count
// and the sum of the cell keys modulo KeyRange, both additive; every
// grouping set is then the re-aggregation of its scan's groups, a GROUP BY
// over a few hundred rows rather than a scan of the incidents. A grouping
// set without a multi-valued dimension reads the scan that joins none, so
// that its totals count each incident once; one with violation types reads
// the scan joined to them, where an incident is one row per type (the join
// table holds each pair once). The scans are MATERIALIZED (PostgreSQL 12,
// SQLite 3.35): read by several grouping sets, each is computed once.
// The actors' values of each incident (actorPairs) are MATERIALIZED CTEs
// too, ahead of the scans, each semi-joined to the incidents counted and
// computed once for every scan that joins it.
// The counts and keys are those a GROUP BY per grouping set over the
// incidents would give, so the cell keys and the noise are unchanged.
// A count of people (builder.people) is the same statement with each
// incident of the scans joined to its involvements and their actors (from),
// one row per involvement: the counts are of involvements, their role and
// actor's values single-valued keys (peopleDims), and the keys summed
// their incidents', once per involvement (involvements carry no key of
// their own), in the count as in the seen rows' sum (agg_r groups the same
// rows). A people cell holding one involvement per incident then has the
// count and key sum, so the answer, of the incident cell of those
// incidents: with keys of their own, the same true number was published
// twice with independent noises, and intersecting the two feasible ranges
// narrowed it, or pinned it. A cell with two involvements of one incident
// sums that incident's key twice: another count, another cell, another
// answer, as any two cells.

// builder writes the statement of one aggregate.
type builder struct {
	rs      ent.RowSQL
	v       *policy.Viewer
	q       *IncidentQuery
	periods []Period
	// pairs are the CTEs of actorPairs, in the order first asked: each
	// relation of pairs is computed once, however many scans join it.
	pairs []pairsCTE
	// seen asks, with each count, for the count and key sum of the rows v
	// may read (PublishSeen): for a role under disclosure control only.
	seen bool
	// people counts the involvements of the incidents instead of the
	// incidents (Involvements): from joins each incident to its
	// involvements and their actors, one row each, counted with their
	// incident's key; roles keeps those of these roles (none: all).
	people bool
	roles  []involvement.Role
}

// pairsCTE is one relation of actorPairs, named name in the statement.
type pairsCTE struct {
	name string
	body *sql.Selector
}

// Aliases of the joined tables and of the scans.
const (
	loc0, loc1, loc2 = "agg_l0", "agg_l1", "agg_l2"
	typeJoin         = "agg_vt"
	scanPrefix       = "agg_b"
)

// multiValued reports whether an incident may hold several keys of d, one
// row each in the scan that joins d.
func multiValued(d Dimension) bool {
	_, ok := actorDims[d]
	return ok || d == ByViolationType
}

// actorDim is a dimension of the actors involved in an incident: a column
// of their actors, for the involvements of one role.
type actorDim struct {
	role   involvement.Role
	column string // of the actors table
	field  string // of Actor in the policy
	alias  string // of the joined pairs (incident, value)
}

// actorDims are the dimensions of the actors involved, each counting an
// incident once per distinct value among the actors of the role.
var actorDims = map[Dimension]actorDim{
	ByPerpetratorCategory: {involvement.RoleALLEGED_PERPETRATOR, actor.FieldCategory, "category", "agg_pc"},
	ByVictimGender:        {involvement.RoleVICTIM, actor.FieldGender, "gender", "agg_vg"},
	ByVictimAgeBracket:    {involvement.RoleVICTIM, actor.FieldAgeBracket, "ageBracket", "agg_va"},
}

// actorPairs is the relation (agg_inc, agg_v) of the incidents and the
// distinct values of ad among their actors of ad's role, over the actors
// v may aggregate (the policy's row filter of Actor for aggregate), for
// the incidents the query counts only: the involvements are semi-joined
// to the incidents of the range and filters (the same condition as the
// scans', so the pairs a scan joins, its counts and its cell keys are
// those of the whole relation). Built over every involvement, the
// DISTINCT grouped ~3M of them at 1M incidents before the join kept a
// year's 190,000 (a timeout; see BENCHMARKS.md, session 8). The relation
// is a MATERIALIZED CTE of the statement (b.pairs), computed once for all
// the scans that join it; the selector returned reads it as ad.alias.
func (b *builder) actorPairs(d *sql.DialectBuilder, ad actorDim) (*sql.Selector, error) {
	name := ad.alias + "_p"
	if !slices.ContainsFunc(b.pairs, func(p pairsCTE) bool { return p.name == name }) {
		body, err := b.pairsBody(d, ad)
		if err != nil {
			return nil, err
		}
		b.pairs = append(b.pairs, pairsCTE{name, body})
	}
	cols := []string{"agg_inc", "agg_v"}
	if b.seen {
		cols = append(cols, "agg_seen")
	}
	sub := d.Select(cols...).From(d.Table(name))
	sub.As(ad.alias)
	return sub, nil
}

// pairsBody is the SELECT DISTINCT of actorPairs' relation for ad.
func (b *builder) pairsBody(d *sql.DialectBuilder, ad actorDim) (*sql.Selector, error) {
	inv := d.Table(involvement.Table).As(ad.alias + "_i")
	act := d.Table(actor.Table).As(ad.alias + "_a")
	rows, err := b.rs.Predicate("Actor", b.v.Filter(policy.ActionAggregate, "Actor"), ad.alias+"_a")
	if err != nil {
		return nil, err
	}
	// The incidents counted, as in scan: its own names (the incidents
	// table and the locality aliases) shadow nothing here, a subquery
	// being a scope of its own.
	in, col, err := b.from(d)
	if err != nil {
		return nil, err
	}
	in.Select(col(incident.FieldID))
	where, err := b.where(d, in, col)
	if err != nil {
		return nil, err
	}
	in.Where(where)
	s := d.Select(sql.As(inv.C(involvement.FieldIncidentID), "agg_inc"), sql.As(act.C(ad.column), "agg_v")).
		From(inv).
		Join(act).On(inv.C(involvement.FieldActorID), act.C(actor.FieldID)).
		Where(sql.And(sql.EQ(inv.C(involvement.FieldRole), string(ad.role)), rows,
			sql.In(inv.C(involvement.FieldIncidentID), in)))
	if !b.seen {
		return s.Distinct(), nil
	}
	// agg_seen: 1 when the role reads the value on one of the incident's
	// involvements (the involvement and its actor readable under the
	// incident, which scan checks; the field read on some rows at least,
	// erring towards seen: a value counted as seen but not listed is a
	// row of the cell published with the hidden ones' noise, one listed
	// but counted as hidden would bound the hidden rows from below).
	seen, err := b.pairSeen(ad)
	if err != nil {
		return nil, err
	}
	s.AppendSelectExprAs(sql.ExprFunc(func(w *sql.Builder) {
		w.WriteString("MAX(CASE WHEN ").Join(seen).WriteString(" THEN 1 ELSE 0 END)")
	}), "agg_seen")
	return s.GroupBy(inv.C(involvement.FieldIncidentID), act.C(ad.column)), nil
}

// pairSeen is the condition, on the involvement and actor of pairsBody,
// that v reads the involvement, its actor and ad's field of it.
func (b *builder) pairSeen(ad actorDim) (*sql.Predicate, error) {
	if b.v.ReadsField("Actor", ad.field) == policy.FieldNone {
		return sql.ExprP("1 = 0"), nil
	}
	inv, err := b.rs.Predicate("Involvement", b.v.FilterUnder("Incident", "Involvement"), ad.alias+"_i")
	if err != nil {
		return nil, err
	}
	act, err := b.rs.Predicate("Actor", b.v.FilterUnder("Involvement", "Actor"), ad.alias+"_a")
	if err != nil {
		return nil, err
	}
	return sql.And(inv, act), nil
}

// keyAlias is the column of the key of the query's dimension number i.
func keyAlias(i int) string { return fmt.Sprintf("agg_k%d", i) }

// statement is the aggregate's one statement: the scans, then a UNION ALL
// of one re-aggregation per grouping set, each row the set's number, a key
// column for each dimension of the query (NULL when not grouped by it),
// the count and the sum of the cell keys modulo KeyRange.
func (b *builder) statement(sets [][]Dimension) (*sql.Selector, error) {
	d := sql.Dialect(b.rs.Dialect())
	// The multi-valued dimensions of each set, as a mask over q.GroupBy;
	// one scan per mask, in the order the sets first need them.
	var masks []int
	scanOf := make([]int, len(sets))
	for i, set := range sets {
		mask := 0
		for j, dim := range b.q.GroupBy {
			if multiValued(dim) && slices.Contains(set, dim) {
				mask |= 1 << j
			}
		}
		at := slices.Index(masks, mask)
		if at < 0 {
			at = len(masks)
			masks = append(masks, mask)
		}
		scanOf[i] = at
	}
	scans := make([]*sql.Selector, len(masks))
	for i, mask := range masks {
		s, err := b.scan(mask)
		if err != nil {
			return nil, err
		}
		scans[i] = s
	}
	var stmt *sql.Selector
	for i, set := range sets {
		m := b.regroup(d, i, set, fmt.Sprintf("%s%d", scanPrefix, scanOf[i]))
		if stmt == nil {
			stmt = m
		} else {
			stmt.UnionAll(m)
		}
	}
	stmt.Prefix(sql.ExprFunc(func(w *sql.Builder) {
		w.WriteString("WITH ")
		// The pairs first: the scans read them.
		for _, p := range b.pairs {
			w.Ident(p.name).WriteString(" AS MATERIALIZED ")
			w.Wrap(func(w *sql.Builder) { w.Join(p.body) })
			w.Comma()
		}
		for i, s := range scans {
			if i > 0 {
				w.Comma()
			}
			w.Ident(fmt.Sprintf("%s%d", scanPrefix, i)).WriteString(" AS MATERIALIZED ")
			w.Wrap(func(w *sql.Builder) { w.Join(s) })
		}
	}))
	return stmt, nil
}

// regroup is the SELECT of grouping set number set, grouped by dims, over
// the groups of the scan named scan.
func (b *builder) regroup(d *sql.DialectBuilder, set int, dims []Dimension, scan string) *sql.Selector {
	t := d.Table(scan)
	s := d.Select().From(t)
	s.Select()
	s.AppendSelectExprAs(sql.Expr(strconv.Itoa(set)), "agg_set")
	var group []string
	for i, dim := range b.q.GroupBy {
		alias := keyAlias(i)
		if !slices.Contains(dims, dim) {
			s.AppendSelectExprAs(b.null(dim), alias)
			continue
		}
		key := t.C(alias)
		if dim == ByLocality {
			// The scan is grouped by the incidents' own localities: here
			// each becomes the one at the level asked, over a few hundred
			// groups instead of every incident.
			lm := b.levelMap(d)
			s.LeftJoin(lm).On(key, lm.C("agg_lid"))
			key = lm.C("agg_lk")
		}
		s.AppendSelectExprAs(sql.Expr(key), alias)
		group = append(group, key)
	}
	s.AppendSelectExprAs(sql.Expr(fmt.Sprintf("CAST(COALESCE(SUM(%s), 0) AS BIGINT)", t.C("agg_n"))), "agg_count")
	s.AppendSelectExprAs(sql.Expr(fmt.Sprintf("CAST(COALESCE(SUM(%s), 0) %% %d AS BIGINT)", t.C("agg_s"), KeyRange)), "agg_keys")
	s.AppendSelectExprAs(sql.Expr(fmt.Sprintf("CAST(COALESCE(SUM(CASE WHEN %s = 1 THEN %s ELSE 0 END), 0) AS BIGINT)", t.C("agg_r"), t.C("agg_n"))), "agg_seen")
	s.AppendSelectExprAs(sql.Expr(fmt.Sprintf("CAST(COALESCE(SUM(CASE WHEN %s = 1 THEN %s ELSE 0 END), 0) %% %d AS BIGINT)", t.C("agg_r"), t.C("agg_s"), KeyRange)), "agg_seen_keys")
	if len(group) > 0 {
		s.GroupBy(group...)
	}
	return s
}

// scan is the one pass over the incidents v may aggregate, in the range
// and filters of the query, for the grouping sets whose multi-valued
// dimensions are those of mask (bits over q.GroupBy): grouped by every
// single-valued dimension of the query and by those of mask, and for a
// protected role by whether it reads the rows (agg_r, seenKey), with the
// count (agg_n) and the sum of the cell keys modulo KeyRange (agg_s).
func (b *builder) scan(mask int) (*sql.Selector, error) {
	q := b.q
	d := sql.Dialect(b.rs.Dialect())
	s, col, err := b.from(d)
	if err != nil {
		return nil, err
	}
	in := func(i int, dim Dimension) bool { return !multiValued(dim) || mask&(1<<i) != 0 }
	for i, dim := range q.GroupBy {
		if !in(i, dim) {
			continue
		}
		if dim == ByViolationType {
			vt := d.Table(incident.ViolationTypesTable).As(typeJoin)
			s.Join(vt).On(col(incident.FieldID), vt.C(incident.ViolationTypesPrimaryKey[0]))
		}
		if ad, ok := actorDims[dim]; ok {
			pairs, err := b.actorPairs(d, ad)
			if err != nil {
				return nil, err
			}
			s.Join(pairs).On(col(incident.FieldID), pairs.C("agg_inc"))
		}
	}
	s.Select()
	var group []string
	for i, dim := range q.GroupBy {
		if !in(i, dim) {
			continue
		}
		s.AppendSelectExprAs(b.key(dim, col), keyAlias(i))
		group = append(group, keyAlias(i))
	}
	seen, grouped, err := b.seenKey(d, mask)
	if err != nil {
		return nil, err
	}
	s.AppendSelectExprAs(seen, "agg_r")
	if grouped {
		group = append(group, "agg_r")
	}
	s.AppendSelectExprAs(sql.Expr("COUNT(*)"), "agg_n")
	// The incident's key, in a count of people too: each involvement
	// counts with its incident's key (see the comment at the top).
	s.AppendSelectExprAs(sql.Expr(fmt.Sprintf("CAST(COALESCE(SUM(%s), 0) %% %d AS BIGINT)", col("cell_key"), KeyRange)), "agg_s")
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

// seenKey returns the key column agg_r of scan s: 1 for the rows v may
// read (the incident under v's read filter and, for each actors'
// dimension of mask, the value read on one of its involvements:
// actorPairs' agg_seen), 0 for the others; scan groups by it, so that
// each group's count and key sum are of read rows or of hidden ones only,
// and regroup sums those of agg_r = 1 apart (PublishSeen). The predicate
// is evaluated once per row, as a key (two FILTERed sums evaluated it
// twice: ~20% of a year's count at 1M). It is the constant 0, not
// grouped by, when b.seen is off (exact roles: PublishSeen ignores it).
func (b *builder) seenKey(d *sql.DialectBuilder, mask int) (sql.Querier, bool, error) {
	if !b.seen {
		return sql.Expr("0"), false, nil
	}
	rows, err := b.rs.Predicate("Incident", b.v.Filter(policy.ActionRead, "Incident"), "")
	if err != nil {
		return nil, false, err
	}
	ps := []*sql.Predicate{rows}
	if b.people {
		p, err := b.peopleSeen()
		if err != nil {
			return nil, false, err
		}
		ps = append(ps, p)
	}
	for i, dim := range b.q.GroupBy {
		if ad, ok := actorDims[dim]; ok && mask&(1<<i) != 0 {
			ps = append(ps, sql.EQ(d.Table(ad.alias).C("agg_seen"), 1))
		}
	}
	readable := sql.And(ps...)
	return sql.ExprFunc(func(w *sql.Builder) {
		w.WriteString("CASE WHEN ").Join(readable).WriteString(" THEN 1 ELSE 0 END")
	}), true, nil
}

// from is the SELECT over the incidents that scan and actorPairs
// filter with where: the incidents table, joined to the locality and its
// ancestors when the query filters by locality; col qualifies a column of
// the incidents.
func (b *builder) from(d *sql.DialectBuilder) (*sql.Selector, func(string) string, error) {
	table, err := b.rs.Table("Incident")
	if err != nil {
		return nil, nil, err
	}
	s := d.Select().From(d.Table(table))
	col := func(c string) string { return s.C(c) }
	if b.people {
		// One row per involvement counted, with its actor.
		inv, act := d.Table(involvement.Table).As(invJoin), d.Table(actor.Table).As(actorJoin)
		s.Join(inv).On(col(incident.FieldID), inv.C(involvement.FieldIncidentID)).
			Join(act).On(inv.C(involvement.FieldActorID), act.C(actor.FieldID))
	}
	if len(b.q.Localities) > 0 {
		l0, l1, l2 := d.Table(locality.Table).As(loc0), d.Table(locality.Table).As(loc1), d.Table(locality.Table).As(loc2)
		s.LeftJoin(l0).On(col(incident.FieldLocalityID), l0.C(locality.FieldID)).
			LeftJoin(l1).On(l0.C(locality.ParentColumn), l1.C(locality.FieldID)).
			LeftJoin(l2).On(l1.C(locality.ParentColumn), l2.C(locality.FieldID))
	}
	return s, col, nil
}

// levelMap is the relation (agg_lid, agg_lk) of every locality and the
// one at the query's level that holds it (itself, its parent or its
// grandparent), NULL for a locality above that level.
func (b *builder) levelMap(d *sql.DialectBuilder) *sql.Selector {
	l0, l1, l2 := d.Table(locality.Table).As(loc0), d.Table(locality.Table).As(loc1), d.Table(locality.Table).As(loc2)
	level := string(b.q.LocalityLevel)
	m := d.Select().From(l0).
		LeftJoin(l1).On(l0.C(locality.ParentColumn), l1.C(locality.FieldID)).
		LeftJoin(l2).On(l1.C(locality.ParentColumn), l2.C(locality.FieldID))
	m.Select()
	m.AppendSelectExprAs(sql.Expr(l0.C(locality.FieldID)), "agg_lid")
	m.AppendSelectExprAs(sql.ExprFunc(func(w *sql.Builder) {
		w.WriteString("CASE")
		for _, t := range []string{loc0, loc1, loc2} {
			w.WriteString(" WHEN ").Ident(t).WriteString(".").Ident(locality.FieldLevel).WriteString(" = ").Arg(level).
				WriteString(" THEN ").Ident(t).WriteString(".").Ident(locality.FieldID)
		}
		w.WriteString(" END")
	}), "agg_lk")
	m.As("agg_lm")
	return m
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
		// The incident's own locality; regroup maps it to the level's.
		return sql.Expr(col(incident.FieldLocalityID))
	case ByViolationType:
		return sql.Expr(sql.Dialect(b.rs.Dialect()).Table(typeJoin).C(incident.ViolationTypesPrimaryKey[1]))
	case ByPerpetratorCategory, ByVictimGender, ByVictimAgeBracket:
		return sql.Expr(sql.Dialect(b.rs.Dialect()).Table(actorDims[dim].alias).C("agg_v"))
	case ByStatus:
		return sql.Expr(col(incident.FieldStatus))
	case ByRole, ByGender, ByAgeBracket, ByCategory:
		pd := peopleDims[dim]
		return sql.Expr(sql.Dialect(b.rs.Dialect()).Table(pd.alias).C(pd.column))
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
	if b.people {
		people, err := b.peopleWhere()
		if err != nil {
			return nil, err
		}
		ps = append(ps, people...)
	}
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
