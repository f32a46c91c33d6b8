package aggregate

import (
	"fmt"
	"time"

	"github.com/benkan-project/benkan"
)

// Bucket is the length of the periods a count is grouped by.
type Bucket string

// Buckets. Periods are calendar periods in UTC: weeks start on Monday
// (ISO 8601), quarters in January, April, July and October.
const (
	Week    Bucket = "WEEK"
	Month   Bucket = "MONTH"
	Quarter Bucket = "QUARTER"
	Year    Bucket = "YEAR"
)

// MaxPeriods bounds the periods of one aggregate: ten years of weeks.
const MaxPeriods = 530

// start returns the start of the period of b that holds t.
func (b Bucket) start(t time.Time) time.Time {
	t = t.UTC()
	y, m, d := t.Date()
	switch b {
	case Week:
		day := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		return day.AddDate(0, 0, -((int(day.Weekday()) + 6) % 7))
	case Month:
		return time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	case Quarter:
		return time.Date(y, m-(m-1)%3, 1, 0, 0, 0, 0, time.UTC)
	default:
		return time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	}
}

// next returns the start of the period after the one starting at t.
func (b Bucket) next(t time.Time) time.Time {
	switch b {
	case Week:
		return t.AddDate(0, 0, 7)
	case Month:
		return t.AddDate(0, 1, 0)
	case Quarter:
		return t.AddDate(0, 3, 0)
	default:
		return t.AddDate(1, 0, 0)
	}
}

// Period is one period of a count: [Start, End).
type Period struct {
	Start, End time.Time
}

// periods cuts [from, to) into the periods of b, the first and last
// clipped to the range.
func periods(b Bucket, from, to time.Time) ([]Period, error) {
	var out []Period
	for s := from; s.Before(to); {
		e := b.next(b.start(s))
		if e.After(to) {
			e = to
		}
		out = append(out, Period{Start: s, End: e})
		if len(out) > MaxPeriods {
			return nil, benkan.FieldErrorf("to", "the range holds more than %d periods of a %s: shorten it or choose a longer bucket", MaxPeriods, b)
		}
		s = e
	}
	return out, nil
}

// isNewYear reports whether t is 1 January, 00:00 UTC.
func isNewYear(t time.Time) bool {
	return t.Equal(Year.start(t))
}

// checkGrid refuses, for a role under disclosure control, what would let
// two of its answers differ by less than the grid: a date range that is
// not whole calendar years (a range moved by a day, subtracted from the
// first, would count that day), and weeks (they straddle months and
// years, so a week and the months around it would count a few days apart).
// Localities need no check: a locality filter is a node of the tree and
// everything below it, never a list of villages.
func checkGrid(b Bucket, from, to *time.Time) error {
	if b == Week {
		return benkan.FieldErrorf("bucket", "your counts are under disclosure control: group by MONTH, QUARTER or YEAR; weeks straddle months and years, so weekly and monthly counts could be subtracted into counts of a few days")
	}
	for name, t := range map[string]*time.Time{"from": from, "to": to} {
		if t != nil && !isNewYear(*t) {
			return benkan.FieldErrorf(name, "your counts are under disclosure control: a date range is whole calendar years, from and to on 1 January 00:00 UTC (e.g. from 2023-01-01T00:00:00Z to 2024-01-01T00:00:00Z); %s is %s, and a range moved off the grid would let two counts be subtracted into the count of the days between them",
				name, t.UTC().Format(time.RFC3339))
		}
	}
	return nil
}

// checkRange checks a date range whatever the role.
func checkRange(from, to *time.Time) error {
	if from != nil && to != nil && !from.Before(*to) {
		return benkan.FieldErrorf("to", "to (%s) must be after from (%s)", to.UTC().Format(time.RFC3339), from.UTC().Format(time.RFC3339))
	}
	return nil
}

// String implements fmt.Stringer.
func (p Period) String() string {
	return fmt.Sprintf("[%s, %s)", p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly))
}
