package aggregate

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"entgo.io/ent/dialect/sql/schema"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/incident"
	"github.com/benkan-project/benkan/ent/involvement"
	"github.com/benkan-project/benkan/ent/locality"
	"github.com/benkan-project/benkan/ent/migrate"
	"github.com/benkan-project/benkan/policy"
)

// MaxGridCells bounds the cells of one aggregate under disclosure
// control, whose grid is listed whole.
const MaxGridCells = 20000

// The values of the enum dimensions, every one a key of the grid, in the
// schema's order (for statuses, the order of their flow; UNKNOWN included:
// an actor whose gender was not recorded counts there). They are read from
// the generated schema, so that a value added to an enum is in the grid:
// a value outside it would fail closed with an error, which would tell a
// protected role that its cell is not empty.
var (
	statuses         = enumValues[incident.Status](migrate.IncidentsColumns, incident.FieldStatus)
	categories       = enumValues[actor.Category](migrate.ActorsColumns, actor.FieldCategory)
	genders          = enumValues[actor.Gender](migrate.ActorsColumns, actor.FieldGender)
	ageBrackets      = enumValues[actor.AgeBracket](migrate.ActorsColumns, actor.FieldAgeBracket)
	involvementRoles = enumValues[involvement.Role](migrate.InvolvementsColumns, involvement.FieldRole)
)

// enumValues are the values of the enum column name of a table's columns.
func enumValues[T ~string](cols []*schema.Column, name string) []T {
	for _, c := range cols {
		if c.Name == name && len(c.Enums) > 0 {
			out := make([]T, len(c.Enums))
			for i, v := range c.Enums {
				out[i] = T(v)
			}
			return out
		}
	}
	panic(fmt.Sprintf("aggregate: no enum column %s in the generated schema", name))
}

// strs is the strings of enum values.
func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// wholeGrid adds to res, under disclosure control, the cells of every
// grouping set that hold no incident, as counts of 0 (protected): the
// keys come from the reference data (the localities of the level, every
// status, every violation type, every period), never from the counted
// rows, so that an answer lists the same cells whatever the data, and no
// absent cell tells that it is empty.
func wholeGrid(ctx context.Context, c *ent.Client, b *builder, sets [][]Dimension, res *Result, k int) error {
	q, ps := b.q, b.periods
	domains := map[Dimension][]string{}
	sys := policy.SystemContext(ctx) // reference data: the same for every viewer
	for _, d := range q.GroupBy {
		switch d {
		case ByLocality:
			ids, err := c.Locality.Query().Where(locality.LevelEQ(q.LocalityLevel)).IDs(sys)
			if err != nil {
				return fmt.Errorf("the localities of the grid: %w", err)
			}
			for _, id := range ids {
				domains[d] = append(domains[d], string(id))
			}
			// Incidents located above the level, or in a cercle or commune
			// not yet placed in the tree (allowed while it is being built):
			// at every level, REGION included, where only the latter fall,
			// so that such an incident is a cell of the grid like any other
			// and not a failure of the grid that only its presence causes
			// (an oracle of "not empty" for any filter of one value each).
			domains[d] = append(domains[d], "")
		case ByViolationType:
			// Every type, whatever filter.violationTypes: that filter keeps
			// the incidents alleging one of its types, which count in the
			// cells of all the types they allege, so a grid of the filter's
			// types alone would list another type's cell only when some
			// incident alleges both (its presence would say so).
			ids, err := c.ViolationType.Query().IDs(sys)
			if err != nil {
				return fmt.Errorf("the violation types of the grid: %w", err)
			}
			for _, id := range ids {
				domains[d] = append(domains[d], string(id))
			}
		case ByStatus:
			st := q.Statuses
			if len(st) == 0 {
				st = statuses
			}
			for _, s := range st {
				domains[d] = append(domains[d], string(s))
			}
		case ByPerpetratorCategory, ByCategory:
			domains[d] = strs(categories)
		case ByVictimGender, ByGender:
			domains[d] = strs(genders)
		case ByVictimAgeBracket, ByAgeBracket:
			domains[d] = strs(ageBrackets)
		case ByRole:
			domains[d] = roleDomain(b.roles)
		case ByPeriod:
			for i := range ps {
				domains[d] = append(domains[d], strconv.Itoa(i))
			}
		}
		slices.Sort(domains[d])
		domains[d] = slices.Compact(domains[d])
	}
	total := 0
	for _, set := range sets {
		n := 1
		for _, d := range set {
			n *= len(domains[d])
		}
		total += n
	}
	if total > MaxGridCells {
		return benkan.FieldErrorf("groupBy", "under disclosure control every cell of the grid is listed, and this one has %d, more than %d: group by fewer dimensions, a higher level or a longer bucket, or filter", total, MaxGridCells)
	}
	have := map[string]bool{}
	for _, cs := range [][]Cell{res.Cells, res.Totals} {
		for _, c := range cs {
			have[c.id()] = true
		}
	}
	grid := map[string]bool{}
	for i, set := range sets {
		var walk func(j int, c Cell) error
		walk = func(j int, c Cell) error {
			if j == len(set) {
				grid[c.id()] = true
				if !have[c.id()] {
					c.Value, c.Protected = Publish(0, 0, k)
					if i == 0 {
						res.Cells = append(res.Cells, c)
					} else {
						res.Totals = append(res.Totals, c)
					}
				}
				return nil
			}
			for _, key := range domains[set[j]] {
				next := c
				if key != "" {
					if err := next.setKey(set[j], key, ps); err != nil {
						return err
					}
				}
				if err := walk(j+1, next); err != nil {
					return err
				}
			}
			return nil
		}
		if err := walk(0, Cell{GroupedBy: set}); err != nil {
			return err
		}
	}
	// Fail closed: a counted cell outside the grid would be listed only
	// because it holds incidents, which is what the grid must not tell.
	for id := range have {
		if !grid[id] {
			return fmt.Errorf("the grid: counted cell %s is not one of the grid's", id)
		}
	}
	return nil
}

// id names a cell by its grouping and keys.
func (c Cell) id() string {
	var b strings.Builder
	fmt.Fprint(&b, c.GroupedBy)
	if c.Locality != nil {
		b.WriteString(" l=" + string(*c.Locality))
	}
	if c.ViolationType != nil {
		b.WriteString(" t=" + string(*c.ViolationType))
	}
	if c.Status != nil {
		b.WriteString(" s=" + string(*c.Status))
	}
	if c.Period != nil {
		fmt.Fprintf(&b, " p=%d", c.Period.Start.Unix())
	}
	if c.PerpetratorCategory != nil {
		b.WriteString(" pc=" + string(*c.PerpetratorCategory))
	}
	if c.VictimGender != nil {
		b.WriteString(" vg=" + string(*c.VictimGender))
	}
	if c.VictimAgeBracket != nil {
		b.WriteString(" va=" + string(*c.VictimAgeBracket))
	}
	if c.Role != nil {
		b.WriteString(" r=" + string(*c.Role))
	}
	if c.Gender != nil {
		b.WriteString(" g=" + string(*c.Gender))
	}
	if c.AgeBracket != nil {
		b.WriteString(" a=" + string(*c.AgeBracket))
	}
	if c.Category != nil {
		b.WriteString(" c=" + string(*c.Category))
	}
	return b.String()
}
