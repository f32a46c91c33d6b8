package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/benkan-project/benkan"
	"github.com/benkan-project/benkan/ent"
)

// Expiring assignments.
//
// An assignment may carry an expiry (a data-sharing agreement that ends).
// The model's g line has 3 values, so the expiry is stored as a 4th one,
// in policy_rules.v3, as an RFC 3339 UTC time to the second:
//
//	g, alice, dihr_partner, *, 2027-06-30T00:00:00Z
//
// which is also how Casbin's CSV (Export, Import, versions) writes it. Only
// a g line may have it; anything else there is a problem of the line. The
// lines handed to the decision side never carry it (casbinLines).
//
// Past its expiry an assignment is left out of the policy at every load,
// before anyone removes it (fail closed), and the store that finds it
// removes it as one change set by the operator "benkan", with the reason
// "assignment expired at T": a version and a POLICY_CHANGE audit event.
// The change set queues on the revision row like every other, and finds
// nothing left to remove on every replica but the first, so the lapse is
// recorded once. Watch wakes at the earliest expiry of the policy in force.

// lapseActor is who removes expired assignments.
const lapseActor = "benkan"

// lapsingKey marks the context of the change set that removes expired
// assignments, so that the reload after it does not start another.
type lapsingKey struct{}

func formatExpiry(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// checkExpiry says why a stored expiry is not one, or "".
func checkExpiry(v string) string {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil || formatExpiry(t) != v {
		return fmt.Sprintf("expiry %q: write an RFC 3339 UTC time to the second, as 2027-06-30T00:00:00Z", v)
	}
	return ""
}

// lineExpiry is the expiry of a valid g line, zero for none.
func lineExpiry(l []string) time.Time {
	if len(l) != 5 || l[0] != "g" {
		return time.Time{}
	}
	t, _ := time.Parse(time.RFC3339, l[4])
	return t
}

// expiredAt reports whether an expiry has come at now.
func expiredAt(expiry, now time.Time) bool { return !expiry.IsZero() && !now.Before(expiry) }

// assignmentOf reads a valid g line.
func assignmentOf(l []string) Assignment {
	return Assignment{Subject: l[1], Role: l[2], Domain: l[3], Expires: lineExpiry(l)}
}

// stale reports whether an assignment of the policy handed last has
// expired at now. Callers hold s.mu.
func (s *Store) stale(now time.Time) bool { return expiredAt(s.validUntil, now) }

// expiryTimer returns a channel that fires at the earliest expiry of the
// policy in force (nil if none expires), and the function that stops it.
func (s *Store) expiryTimer() (<-chan time.Time, func() bool) {
	s.mu.Lock()
	at := s.validUntil
	s.mu.Unlock()
	if at.IsZero() {
		return nil, func() bool { return false }
	}
	t := time.NewTimer(max(time.Until(at), 5*time.Millisecond))
	return t.C, t.Stop
}

// expire removes the assignments that have expired, as one change set by
// lapseActor; it does nothing (and returns nil) if another store removed
// them first.
func (s *Store) expire(ctx context.Context) (*Version, error) {
	ctx = context.WithValue(AsOperator(ctx, lapseActor), lapsingKey{}, true)
	var version *Version
	err := s.inTx(ctx, func(ctx context.Context, c *ent.Client) error {
		// Queue on the revision row first: a replica that waited here
		// reads the policy the first one left, without the lapsed lines.
		if err := c.PolicyState.UpdateOneID(1).AddRevision(0).Exec(ctx); err != nil {
			return fmt.Errorf("remove expired assignments: %w", err)
		}
		cur, err := read(ctx, c)
		if err != nil || len(cur.expired) == 0 {
			return err
		}
		var changes []Change
		var times []string
		for _, r := range cur.expired {
			a := assignmentOf(r.line)
			changes = append(changes, Change{Op: Unassign, Assignment: a})
			if t := formatExpiry(a.Expires); !slices.Contains(times, t) {
				times = append(times, t)
			}
		}
		reason := "assignment expired at " + times[0]
		if len(changes) > 1 {
			reason = fmt.Sprintf("%d assignments expired at %s", len(changes), strings.Join(times, ", "))
		}
		version, err = s.apply(ctx, c, lapseActor, changes, reason)
		return err
	})
	if err != nil {
		return nil, err
	}
	if version != nil {
		s.log.InfoContext(ctx, "expired assignments removed", "version", version.ID, "removed", version.Removed)
	}
	return version, nil
}

// ExpiringWithin returns the assignments of p that expire within the given time
// of its load, soonest first: what an admin renews or lets lapse.
func (p *Policy) ExpiringWithin(within time.Duration) ([]Assignment, error) {
	if within < 0 {
		return nil, benkan.FieldErrorf("within", "ask for a time ahead, not %s", within)
	}
	until := p.loaded.Add(within)
	var out []Assignment
	for _, a := range p.Assignments {
		if !a.Expires.IsZero() && !a.Expires.After(until) {
			out = append(out, a)
		}
	}
	slices.SortStableFunc(out, func(a, b Assignment) int { return a.Expires.Compare(b.Expires) })
	return out, nil
}

// checkNewExpiry refuses an assignment given an expiry that has come.
func checkNewExpiry(a Assignment, now time.Time) error {
	if expiredAt(a.Expires, now) {
		return fmt.Errorf("the expiry %s is past: give a time to come", formatExpiry(a.Expires))
	}
	return nil
}

// sameAssignment reports whether two g lines give the same role to the
// same subject in the same domain, whatever their expiries.
func sameAssignment(a, b []string) bool {
	return len(a) >= 4 && len(b) >= 4 && a[0] == "g" && b[0] == "g" && slices.Equal(a[:4], b[:4])
}
