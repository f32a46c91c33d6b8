package schema

import (
	"context"
	"time"

	"entgo.io/ent"

	"github.com/benkan-project/benkan"
)

// checkOrder refuses a change that would put the date `later` before the date
// `earlier` (an incident reported before it occurred, an activity ending
// before it starts). Each date is the new value when the mutation sets it,
// and the stored value otherwise.
func checkOrder(ctx context.Context, earlierName, laterName string, earlier, later dateOf) error {
	e, err := earlier(ctx)
	if err != nil {
		return err
	}
	l, err := later(ctx)
	if err != nil {
		return err
	}
	switch {
	case e.IsZero() && l.IsZero():
		return nil // a bulk update that sets neither date
	case e.IsZero() || l.IsZero():
		return benkan.FieldErrorf(laterName, "a bulk update that sets one of %s and %s must set the other too", earlierName, laterName)
	}
	if l.Before(e) {
		return benkan.FieldErrorf(laterName, "%s (%s) is before %s (%s)", laterName, l.Format(time.DateOnly), earlierName, e.Format(time.DateOnly))
	}
	return nil
}

// dateOf yields one of the two dates checkOrder compares.
type dateOf func(context.Context) (time.Time, error)

// newOrOld returns the value a mutation sets, or else the stored value.
// A bulk update has no single stored value: it must set both dates or
// neither (see checkOrder).
func newOrOld(op ent.Op, set func() (time.Time, bool), old func(context.Context) (time.Time, error)) dateOf {
	return func(ctx context.Context) (time.Time, error) {
		if v, ok := set(); ok {
			return v, nil
		}
		if op.Is(ent.OpUpdateOne) {
			return old(ctx)
		}
		return time.Time{}, nil // a bulk update has no single stored value
	}
}
