package store

import (
	"context"
	"fmt"

	"github.com/benkan-project/benkan/ent"
	"github.com/benkan-project/benkan/policy"
)

// Administered reports whether some user may change the policy, as the
// stored policy and the users of ctx's transaction say. It queues on the
// policy's revision row as Apply does, so that the answer holds until the
// transaction ends. A change of users that Apply does not see (a user's
// subject, which the policy's lines name) calls it before and after, and
// fails if the policy was administered and no longer is: Apply's check
// that keeps the last admin would otherwise be bypassed by renaming them.
//
// Callers: inside a transaction that changes users (it reveals nothing
// to the caller but a yes or no).
func (s *Store) Administered(ctx context.Context) (bool, error) {
	tx := ent.TxFromContext(ctx)
	if tx == nil {
		return false, fmt.Errorf("policy administered: call it in a transaction")
	}
	sys := policy.SystemContext(ctx)
	c := tx.Client()
	if err := c.PolicyState.UpdateOneID(1).AddRevision(0).Exec(sys); err != nil {
		return false, fmt.Errorf("policy administered: %w", err)
	}
	cur, err := read(sys, c)
	if err != nil {
		return false, err
	}
	known, err := lookup(sys, c, cur.lines)
	if err != nil {
		return false, err
	}
	return anyPolicyAdmin(cur.casbin, cur.Assignments, known)
}
