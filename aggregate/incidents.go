package aggregate

import (
	"cmp"
	"context"
	stdsql "database/sql"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/ent/violationtype"
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
	// The dimensions of the actors involved (actorDims), each with the
	// field of Actor the policy must let the role aggregate.
	ByPerpetratorCategory Dimension = "PERPETRATOR_CATEGORY"
	ByVictimGender        Dimension = "VICTIM_GENDER"
	ByVictimAgeBracket    Dimension = "VICTIM_AGE_BRACKET"
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
	// PerpetratorCategory is the category of an alleged perpetrator.
	PerpetratorCategory *actor.Category
	// VictimGender is the gender of a victim.
	VictimGender *actor.Gender
	// VictimAgeBracket is the age bracket of a victim.
	VictimAgeBracket *actor.AgeBracket
	// Role is the role of the involvements counted (counts of people).
	Role *involvement.Role
	// Gender, AgeBracket and Category are those of the actors of the
	// involvements counted (counts of people).
	Gender     *actor.Gender
	AgeBracket *actor.AgeBracket
	Category   *actor.Category
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
	b := &builder{rs: c.RowSQL(), v: v, q: &q, seen: k > 0}
	return b.run(ctx, c, k, "incidents")
}

// run counts b's query under threshold k (0: exact), in b's one
// statement, and lists its cells and totals; what names the rows counted
// in errors.
func (b *builder) run(ctx context.Context, c *ent.Client, k int, what string) (*Result, error) {
	q := b.q
	var ps []Period
	if slices.Contains(q.GroupBy, ByPeriod) {
		if q.From == nil || q.To == nil {
			return nil, benkan.FieldErrorf("from", "grouping by period needs a range: give from and to")
		}
		var err error
		if ps, err = periods(q.Bucket, q.From.UTC(), q.To.UTC()); err != nil {
			return nil, err
		}
	}
	b.periods = ps
	n := len(q.GroupBy)
	sets := groupingSets(q.GroupBy)
	stmt, err := b.statement(sets)
	if err != nil {
		return nil, err
	}
	if err := stmt.Err(); err != nil {
		return nil, fmt.Errorf("aggregate %s: %w", what, err)
	}
	rows, err := b.rs.Query(ctx, stmt)
	if err != nil {
		return nil, fmt.Errorf("aggregate %s: %w", what, err)
	}
	defer rows.Close()
	res := &Result{Protection: k}
	for rows.Next() {
		var set int
		keys := make([]stdsql.NullString, n)
		var count, sum, seen, seenSum int64
		dest := []any{&set}
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		dest = append(dest, &count, &sum, &seen, &seenSum)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("aggregate %s: %w", what, err)
		}
		cell := Cell{GroupedBy: sets[set], count: int(count), key: CellKey(sum)}
		for i, d := range q.GroupBy {
			if !slices.Contains(sets[set], d) || !keys[i].Valid {
				continue
			}
			if err := cell.setKey(d, keys[i].String, ps); err != nil {
				return nil, fmt.Errorf("aggregate %s: %w", what, err)
			}
		}
		cell.Value, cell.Protected = PublishSeen(cell.count, cell.key, int(seen), CellKey(seenSum), k)
		if set == 0 {
			res.Cells = append(res.Cells, cell)
		} else {
			res.Totals = append(res.Totals, cell)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("aggregate %s: %w", what, err)
	}
	if k > 0 {
		if err := wholeGrid(ctx, c, b, sets, res, k); err != nil {
			return nil, err
		}
	}
	if n == 0 {
		// Grouped by nothing, the one cell is the overall total.
		res.Totals = res.Cells
	}
	if !slices.ContainsFunc(res.Totals, func(c Cell) bool { return len(c.GroupedBy) == 0 }) {
		c := Cell{GroupedBy: []Dimension{}} // no row at all
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
	case ByPerpetratorCategory:
		v := actor.Category(s)
		c.PerpetratorCategory = &v
	case ByVictimGender:
		v := actor.Gender(s)
		c.VictimGender = &v
	case ByVictimAgeBracket:
		v := actor.AgeBracket(s)
		c.VictimAgeBracket = &v
	case ByRole:
		v := involvement.Role(s)
		c.Role = &v
	case ByGender:
		v := actor.Gender(s)
		c.Gender = &v
	case ByAgeBracket:
		v := actor.AgeBracket(s)
		c.AgeBracket = &v
	case ByCategory:
		v := actor.Category(s)
		c.Category = &v
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
			cmp.Compare(str(a.ViolationType), str(b.ViolationType)), cmp.Compare(sa, sb),
			cmp.Compare(enum(a.PerpetratorCategory), enum(b.PerpetratorCategory)),
			cmp.Compare(enum(a.VictimGender), enum(b.VictimGender)),
			cmp.Compare(enum(a.VictimAgeBracket), enum(b.VictimAgeBracket)),
			cmp.Compare(enum(a.Role), enum(b.Role)), cmp.Compare(enum(a.Gender), enum(b.Gender)),
			cmp.Compare(enum(a.AgeBracket), enum(b.AgeBracket)), cmp.Compare(enum(a.Category), enum(b.Category)))
	})
}

// enum is the value of an optional enum key, "" when nil.
func enum[T ~string](p *T) string {
	if p == nil {
		return ""
	}
	return string(*p)
}

// checkIncidents checks q against v's policy and the grid, and returns
// v's threshold (0: exact).
func checkIncidents(v *policy.Viewer, q *IncidentQuery) (int, error) {
	if !v.Aggregates("Incident") {
		return 0, benkan.Errorf(benkan.EFORBIDDEN, "you may not count incidents")
	}
	field := func(d Dimension) (string, string, bool) { return incidentDimField(q.DateField, d) }
	if err := checkQuery(v, q, field); err != nil {
		return 0, err
	}
	k := v.Protection("Incident")
	if slices.ContainsFunc(q.GroupBy, func(d Dimension) bool { _, ok := actorDims[d]; return ok }) {
		// Counted by their actors too: the strictest of both protections.
		k = max(k, v.Protection("Actor"))
	}
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

// incidentDimField is the type and field the policy must let a role
// aggregate to group incidents by d; ok is false for a dimension counts of
// incidents do not have (those of people, ROLE, GENDER and the like).
func incidentDimField(df DateField, d Dimension) (typ, field string, ok bool) {
	if ad, ok := actorDims[d]; ok {
		// Grouping by the actors involved counts incidents by a field of
		// their actors: the policy's aggregate grants of Actor decide.
		return "Actor", ad.field, true
	}
	return incidentField(df, d)
}

// incidentField is the type and field the policy must let a role aggregate
// to group by d, a dimension of the incident itself; ok is false for a
// dimension that is not one.
func incidentField(df DateField, d Dimension) (typ, field string, ok bool) {
	if df == "" {
		df = OccurredAt
	}
	_, dateField := df.column()
	field = map[Dimension]string{ByLocality: "locality", ByViolationType: "violationTypes", ByStatus: "status", ByPeriod: dateField}[d]
	return "Incident", field, field != ""
}

// checkQuery checks what a count of incidents and one of people share: the
// dimensions (field gives the type and field each needs aggregate on, ok
// false for one the count does not have), the defaults, the filters of
// the incidents and the range; it sets the defaults in q.
func checkQuery(v *policy.Viewer, q *IncidentQuery, field func(Dimension) (typ, field string, ok bool)) error {
	if len(q.GroupBy) > MaxDimensions {
		return benkan.FieldErrorf("groupBy", "group by at most %d dimensions", MaxDimensions)
	}
	for i, d := range q.GroupBy {
		if slices.Contains(q.GroupBy[:i], d) {
			return benkan.FieldErrorf("groupBy", "%s is named twice", d)
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
		return benkan.FieldErrorf("localityLevel", "%v", err)
	}
	_, dateField := q.DateField.column()
	needOf := func(typ, field, verb, arg string) error {
		if v.MayAggregateField(typ, field) {
			return nil
		}
		return &benkan.Error{Code: benkan.EFORBIDDEN, Field: arg,
			Message: fmt.Sprintf("you may not %s %s.%s in counts", verb, typ, field)}
	}
	need := func(field, verb, arg string) error { return needOf("Incident", field, verb, arg) }
	for _, d := range q.GroupBy {
		typ, f, ok := field(d)
		if !ok {
			return benkan.FieldErrorf("groupBy", "no dimension %q", d)
		}
		if err := needOf(typ, f, "group by", "groupBy"); err != nil {
			return err
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
				return err
			}
		}
	}
	if err := checkIDs("filter.localities", locality.Table, q.Localities); err != nil {
		return err
	}
	if err := checkIDs("filter.violationTypes", violationtype.Table, q.ViolationTypes); err != nil {
		return err
	}
	return checkRange(q.From, q.To)
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
			return benkan.FieldErrorf(l.name, "%s", oneOfEach)
		}
	}
	return nil
}

// oneOfEach is the message of a filter list of more than one value under
// disclosure control (checkOneOfEach).
const oneOfEach = "your counts are under disclosure control: filter by one value at most (group by the dimension to count several); a list is a union, and counts of unions differing by one value could be subtracted into that value's count, each time with other noise"
