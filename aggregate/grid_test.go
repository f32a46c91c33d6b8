package aggregate

import (
	"slices"
	"testing"
	"time"

	"github.com/benkan-project/benkan/ent/actor"
	"github.com/benkan-project/benkan/ent/incident"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// TestGrid: under disclosure control a range is whole calendar years and
// weeks are refused; the periods of a range are calendar periods.
func TestGrid(t *testing.T) {
	y23, y24, jan2 := day(2023, 1, 1), day(2024, 1, 1), day(2023, 1, 2)
	for _, tt := range []struct {
		name     string
		b        Bucket
		from, to *time.Time
		ok       bool
	}{
		{"whole year", Month, &y23, &y24, true},
		{"open", Quarter, nil, nil, true},
		{"open end", Year, &y23, nil, true},
		{"moved by a day", Month, &jan2, &y24, false},
		{"weeks", Week, &y23, &y24, false},
	} {
		if err := checkGrid(tt.b, tt.from, tt.to); (err == nil) != tt.ok {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
	ps, err := periods(Quarter, day(2023, 2, 15), day(2024, 1, 1))
	if err != nil || len(ps) != 4 || !ps[0].Start.Equal(day(2023, 2, 15)) || !ps[0].End.Equal(day(2023, 4, 1)) || !ps[3].End.Equal(day(2024, 1, 1)) {
		t.Errorf("quarters from 15 February: %v, %v", ps, err)
	}
	ps, _ = periods(Week, day(2023, 1, 1), day(2023, 1, 10)) // a Sunday, then the week from Monday 2 January
	if len(ps) != 3 || !ps[1].Start.Equal(day(2023, 1, 2)) || !ps[2].Start.Equal(day(2023, 1, 9)) {
		t.Errorf("weeks: %v", ps)
	}
	if _, err := periods(Week, day(2000, 1, 1), day(2023, 1, 1)); err == nil {
		t.Errorf("23 years of weeks accepted")
	}
}

// TestEnumDimensionsAreTheSchemas: the grid's values of each enum
// dimension are the ent schema's, each one a valid value, once (they are
// read from the generated schema: a value missing from the grid would make
// a protected answer fail, an oracle).
func TestEnumDimensionsAreTheSchemas(t *testing.T) {
	for _, c := range []struct {
		name  string
		got   []string
		valid func(string) error
	}{
		{"status", strs(statuses), func(v string) error { return incident.StatusValidator(incident.Status(v)) }},
		{"category", strs(categories), func(v string) error { return actor.CategoryValidator(actor.Category(v)) }},
		{"gender", strs(genders), func(v string) error { return actor.GenderValidator(actor.Gender(v)) }},
		{"age bracket", strs(ageBrackets), func(v string) error { return actor.AgeBracketValidator(actor.AgeBracket(v)) }},
	} {
		if len(c.got) == 0 || len(slices.Compact(slices.Sorted(slices.Values(c.got)))) != len(c.got) {
			t.Errorf("grid values of %s %v: want distinct values", c.name, c.got)
		}
		for _, v := range c.got {
			if err := c.valid(v); err != nil {
				t.Errorf("grid value %s of %s: %v", v, c.name, err)
			}
		}
	}
}
