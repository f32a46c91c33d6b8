package aggregate

import (
	"testing"
	"time"
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
